#!/bin/bash
# agent-bench.sh - ocf:slotstore:cyrus costs on this machine (prints, asserts nothing):
#  (a) monitor: wall and CPU per call over N calls (default 1000) on a running
#      master, side by side with ocf:pacemaker:Stateful's monitor (promoted);
#  (b) planned switchover of one store (demote + promote), 5 runs;
#  (c) replication lag: LMTP delivery on the master -> file on the replica.
# Real Cyrus slots on 127.0.N.x, CIB_file= for crm_attribute; everything it
# starts is stopped and its temporary tree removed at exit.
# Usage: bench/agent-bench.sh [N]     (as root, after building)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000}
AGENT=$top/agents/cyrus
STATEFUL=/usr/lib/ocf/resource.d/pacemaker/Stateful
T=$(mktemp -d /tmp/slotstore-bench.XXXXXX)
chmod 755 "$T"
NET=$(( (RANDOM % 200) + 20 ))
export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=st1-cyrus OCF_RESKEY_store=st1
export OCF_RESKEY_slots="m1:1@127.$NET.1.1 m2:1@127.$NET.2.1"
export OCF_RESKEY_imap_port=10143 OCF_RESKEY_lmtp_port=10024 OCF_RESKEY_sync_port=12005
export OCF_RESKEY_extra_config="autocreate_post: yes; autocreate_quota: 100000"
agent() { OCF_RESKEY_node=$1 OCF_RESKEY_base_dir=$T/$1 "$AGENT" "$2" 2>/dev/null; }
cleanup() {
    agent m1 stop; agent m2 stop
    rm -rf "$T"
}
trap cleanup EXIT

printf 'replicas 1\nstores 1\nslot-address 127.0.{m}.{s}\nfence-agent fence_dummy\nmachine m1 slots=1\nmachine m2 slots=1\n' > "$T/topo"
"$top/constraints/slotstore" cib "$T/topo" --output "$T/cib.xml" >/dev/null || exit 1
sed -i 's|<status/>|<status><node_state id="1" uname="m1" in_ccm="true" crmd="online" join="member" expected="member"/><node_state id="2" uname="m2" in_ccm="true" crmd="online" join="member" expected="member"/></status>|' "$T/cib.xml"
export CIB_file=$T/cib.xml

agent m1 start; agent m2 start; agent m1 promote || { echo "cannot start the slots"; exit 1; }

# (a) monitor cost.  TIMEFORMAT: wall, user+sys of the loop's children.
per_call() { awk -v w="$1" -v u="$2" -v s="$3" -v n="$N" \
    'BEGIN { printf "%8.2f ms wall  %8.3f ms CPU per call\n", w*1000/n, (u+s)*1000/n }'; }
TIMEFORMAT='%R %U %S'
ours=$( { time for ((i = 0; i < N; i++)); do
    OCF_RESKEY_node=m1 OCF_RESKEY_base_dir=$T/m1 OCF_RESKEY_CRM_meta_interval=9000 \
        "$AGENT" monitor 2>/dev/null; done; } 2>&1 )
export OCF_RESKEY_state=$T/stateful.state
OCF_RESOURCE_INSTANCE=bench-stateful "$STATEFUL" start >/dev/null 2>&1
OCF_RESOURCE_INSTANCE=bench-stateful "$STATEFUL" promote >/dev/null 2>&1
theirs=$( { time for ((i = 0; i < N; i++)); do
    OCF_RESOURCE_INSTANCE=bench-stateful OCF_RESKEY_CRM_meta_interval=9000 \
        "$STATEFUL" monitor >/dev/null 2>&1; done; } 2>&1 )
echo "(a) monitor of a promoted instance, $N calls"
printf '  ocf:slotstore:cyrus       '; per_call $ours
printf '  ocf:pacemaker:Stateful    '; per_call $theirs

# (b) planned switchover
echo "(b) planned switchover (demote old master + promote new), 5 runs"
from=m1 to=m2
for r in 1 2 3 4 5; do
    t0=$(date +%s%N); agent $from demote; agent $to promote; t1=$(date +%s%N)
    echo "  run $r: $(( (t1 - t0) / 1000000 )) ms ($from -> $to)"
    tmp=$from; from=$to; to=$tmp
done

# (c) replication lag with the default sync_repeat_interval (0)
echo "(c) replication lag, LMTP on the master -> message file on the replica, 20 messages"
master=$from replica=$to
lags=()
for i in $(seq 1 20); do
    t0=$(date +%s%N)
    python3 "$top/tests/agent/lmtp.py" "127.$NET.${master#m}.1" 10024 lag 1 "lag$i" /dev/null
    until grep -rqs "^Message-ID: <lag$i-0@" "$T/$replica/st1/spool"; do
        [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && break
        sleep 0.005
    done
    lags+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${lags[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "  median %d ms, max %d ms (includes the LMTP client start, ~40 ms)\n", a[int((NR+1)/2)], a[NR] }'
