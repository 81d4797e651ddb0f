#!/bin/sh
# Install what slotstore needs to build and test on Debian 12 (run as root).
# Idempotent: installs only what is missing.  Never starts cluster daemons.
set -e
pkgs="build-essential autoconf automake pkg-config libxml2-dev libglib2.0-dev
      pacemaker pacemaker-dev pacemaker-cli-utils corosync pcs fence-agents resource-agents
      libqb-dev bats bats-support bats-assert libxml2-utils bsdutils
      cyrus-imapd cyrus-replication cyrus-admin cyrus-clients sasl2-bin libsasl2-modules python3
      valgrind coinor-cbc"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing; run as root (or: sudo $0)" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# The packages would start daemons (a one-node cluster, Debian's own Cyrus
# instance) where an init system runs: keep every service down while installing.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
