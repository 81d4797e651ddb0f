#!/bin/bash
# The main job: install what is missing, build, start a real 4-machine Pacemaker cluster
# in namespaces (tests/lab/lab), plan and apply 8 stores of real Cyrus slots, deliver mail,
# kill a machine hard, show where its masters went (and that slotstore simulate predicted
# it), bring it back, fail its masters back, prove that no accepted message was lost, and
# leave the cluster running.
#
#   tests/demo.sh             the lab demo (root, namespaces; about a minute)
#   tests/demo.sh --offline   no cluster: the plan and Pacemaker's scheduler (crm_simulate)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

offline() {
    local ss=constraints/slotstore work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    echo "== topology (tests/data/four.topo)"; grep -v '^#' tests/data/four.topo
    echo; echo "== slotstore plan"; $ss plan tests/data/four.topo
    $ss cib tests/data/four.topo --output "$work/cib.xml"
    echo; echo "== Pacemaker steady state (crm_simulate on the generated CIB)"
    crm_simulate -x "$work/cib.xml" -S -u imap01 -u imap02 -u imap03 -u imap04 -O "$work/steady.xml" >/dev/null
    CIB_file=$work/steady.xml crm_mon -1 | sed -n '/Full List/,$p'
    echo; echo "== slotstore simulate (every single machine failure)"
    $ss simulate --cib "$work/cib.xml" || true
}

tests/deps.sh
tests/build.sh
if [ "${1:-}" = --offline ]; then offline; exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! unshare --net --pid --mount --uts --ipc --fork true 2>/dev/null; then
    echo "demo: the lab cluster needs root and namespaces; showing the offline demo instead" >&2
    offline
    exit 0
fi

export LAB_DIR="${LAB_DIR:-/run/slotstore-lab}" LAB_PREFIX="${LAB_PREFIX:-sslab-}"
TOPO="$repo/tests/data/lab.topo"
# shellcheck source=tests/lab/e2e.bash
. tests/lab/e2e.bash
work="$LAB_DIR/demo"
export E2E_CIB="$work/cib.xml"
story=()
t_start="$(e2e_now)"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
record() { story+=("$(printf '%6.1f s  %s' "$(awk -v a="$t_start" -v b="$(e2e_now)" 'BEGIN { print b - a }')" "$*")"); echo "-> $*"; }
die() { echo "demo: $*" >&2; e2e_logs 10 >&2 || true; exit 1; }

# masters per machine, one line each
show_masters() {
    local m
    for m in $("$LAB" nodes); do
        printf '   %-8s %s\n' "$m" "$(masters | awk -v m="$m" '$2 == m { printf "%s ", $1 }')"
    done
}

step "Starting a 4-machine cluster (Corosync 3 + Pacemaker 2.1 in namespaces, real fencing)"
"$LAB" down >/dev/null 2>&1 || true
"$LAB" up 4
# a fresh record of this run (an earlier demo's mail logs would count as lost here)
rm -rf "$work"
mkdir -p "$work"
record "cluster of 4 machines online with quorum"
mkdir -p "$work"

step "The topology and slotstore's plan"
grep -v '^#' "$TOPO"
"$SLOTSTORE" plan "$TOPO" | sed -n '/^STORE/,$p'

step "slotstore apply: 8 promotable clones of ocf:slotstore:cyrus, one CIB transaction"
t0="$(e2e_now)"
on_live "$SLOTSTORE" apply "$TOPO"
e2e_save_cib
wait_for 120 as_planned || die "stores not promoted as planned"
wait_for 60 all_in_sync || die "replicas not in sync"
record "8 stores promoted exactly as planned, replicas in sync ($(e2e_since "$t0") s after apply)"
show_masters

step "Mail: 10 LMTP deliveries a second to every store, from the lab's client address"
start_load "$work/mail" 10
sleep 3
record "delivering to all 8 stores"

victim=imap01
step "Prediction: if $victim dies (plan + slotstore simulate, i.e. Pacemaker's scheduler)"
on_live "$SLOTSTORE" simulate --output-as=xml >"$work/simulate.xml" || die "slotstore simulate disagrees with the plan"
fail="$(grep -o "<failure failed=\"$victim\"[^>]*>" "$work/simulate.xml")"
attr() { sed -n "s/.* $1=\"\([^\"]*\)\".*/\1/p" <<<"$fail"; }
printf '   crm_simulate: busiest survivor %s with %s masters (lower bound %s), %s stores without a master, %s off the plan\n' \
    "$(attr busiest)" "$(attr busiest-masters)" "$(attr bound)" "$(attr without-master)" "$(attr off-plan)"
mapfile -t predicted < <(e2e_cluster target "$E2E_CIB" "$victim" | sed 's/ /=/')
printf '   %s\n' "${predicted[@]/=/ -> }"

step "Killing $victim hard (SIGKILL of the whole machine)"
t0="$(e2e_now)"
"$LAB" kill "$victim"
wait_for 90 serving_on "${predicted[@]}" || die "stores of $victim not serving where predicted"
record "$victim killed: fenced, ${#predicted[@]} masters promoted as predicted, serving LMTP after $(e2e_since "$t0") s"
for p in "${predicted[@]}"; do printf '   %s now on %s (predicted %s)\n' "${p%=*}" "$(master_of "${p%=*}")" "${p#*=}"; done
echo "   masters per machine now:"; show_masters

step "Restarting $victim; it rejoins with replicas only and catches up"
t0="$(e2e_now)"
rejoin "$victim" || die "$victim did not rejoin"
wait_for 120 all_in_sync || die "$victim did not catch up"
record "$victim back and caught up in $(e2e_since "$t0") s (no master on it meanwhile)"

step "Failing its masters back (crm_resource --move --promoted, then --clear)"
t0="$(e2e_now)"
restore_plan || die "failback did not restore the plan"
record "masters back on $victim, every store as planned ($(e2e_since "$t0") s)"
show_masters

step "Stopping the mail and counting it on every store's master (IMAP)"
sleep 2
stop_load "$work/mail"
if check_mail "$work/mail" | tee "$work/mail.txt"; then
    record "every accepted message present exactly once: $(awk 'NR > 1 { n += $3 } END { print n }' "$work/mail.txt") messages, 0 lost"
else
    die "mail was lost or duplicated (see above)"
fi

step "slotstore status"
on_live "$SLOTSTORE" status

step "The story"
printf '%s\n' "${story[@]}"
cat <<EOF

The cluster is still running (LAB_DIR=$LAB_DIR):
  tests/lab/lab status                  crm_mon -1 from a live machine
  tests/lab/lab exec imap02 pcs status  pcs, crm_resource, crm_simulate work inside any machine
  tests/lab/lab kill imap03             try it yourself; tests/lab/lab start imap03 to bring it back
  tests/lab/lab down                    stop everything and remove the namespaces
EOF
