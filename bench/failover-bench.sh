#!/bin/bash
# failover-bench.sh [RUNS]: failover figures on a real 4-machine lab cluster (root).
#
# For Corosync token 1000 ms and 300 ms (a fresh lab each), with tests/data/lab.topo
# applied and 10 LMTP deliveries a second to each of the 8 stores:
#   - planned switchover of one store (crm_resource --move --promoted, then --clear):
#     time until the new master serves LMTP, and that store's longest delivery gap;
#   - hard kill of a machine mastering 2 stores: time until both serve LMTP on their new
#     masters, their longest delivery gap; then the machine rejoins, catches up, and its
#     masters are moved back;
#   - mail lost or duplicated over the whole run (must be 0), counted over IMAP.
# RUNS (default 2) switchovers and kills per token value; prints one table.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
RUNS="${1:-2}"
[ "$(id -u)" -eq 0 ] || { echo "failover-bench: needs root (the lab)" >&2; exit 2; }
tests/build.sh >/dev/null

export LAB_DIR=/run/slotstore-lab-bench LAB_PREFIX=sslabb-
. tests/lab/e2e.bash
work="$LAB_DIR/bench"
export E2E_CIB="$work/cib.xml"
TOPO="$repo/tests/data/lab.topo"
trap '"$LAB" down >/dev/null 2>&1 || true' EXIT

# longest gap between two accepted deliveries of STORE in load dir DIR after time T0
gap_after() {
    awk -v t0="$3" '$2 >= t0 - 1 { if (p) { g = $2 - p; if (g > m) m = g } p = $2 } END { printf "%.2f", m }' "$1/$2.log"
}

rows=()
for token in 1000 300; do
    "$LAB" down >/dev/null 2>&1 || true
    LAB_TOKEN=$token "$LAB" up 4 >/dev/null
    mkdir -p "$work"
    on_live "$SLOTSTORE" apply "$TOPO" >/dev/null
    e2e_save_cib
    wait_for 120 as_planned
    wait_for 60 all_in_sync
    load="$work/load-$token"
    rm -rf "$load"
    start_load "$load" 10
    sleep 3
    victims=(imap01 imap02 imap03 imap04)
    for run in $(seq 1 "$RUNS"); do
        # planned switchover of the first store planned on imap0(run)
        m="${victims[$(( (run - 1) % 4 ))]}"
        st="$(stores_planned_on "$m" | head -1)"
        to="$(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { print $3 }')"
        t0="$(e2e_now)"
        on_live crm_resource --move --promoted -r "$st" -N "$to" >/dev/null
        wait_for 60 serving_on "$st=$to"
        sw="$(e2e_since "$t0")"
        on_live crm_resource --clear -r "$st" >/dev/null
        sleep 2
        rows+=("$(printf '%-6s %-10s %-22s %8s %8s' "$token" switchover "$st $m->$to" "$sw" "$(gap_after "$load" "$st" "$t0")")")
        restore_plan
        # hard kill of the next machine
        v="${victims[$(( run % 4 ))]}"
        mapfile -t targets < <(e2e_cluster target "$E2E_CIB" "$v" | sed 's/ /=/')
        t0="$(e2e_now)"
        "$LAB" kill "$v"
        wait_for 90 serving_on "${targets[@]}"
        kt="$(e2e_since "$t0")"
        sleep 2
        g=0
        for p in "${targets[@]}"; do
            g="$(awk -v a="$g" -v b="$(gap_after "$load" "${p%=*}" "$t0")" 'BEGIN { print (b > a) ? b : a }')"
        done
        rows+=("$(printf '%-6s %-10s %-22s %8s %8s' "$token" "hard kill" "$v (${#targets[@]} masters)" "$kt" "$g")")
        rejoin "$v"
        restore_plan
    done
    stop_load "$load"
    check_mail "$load" >"$work/mail-$token.txt" || true
    lost="$(awk 'NR > 1 { m += $5; d += $6; n += $3 } END { printf "%d accepted, %d lost, %d duplicated", n, m, d }' "$work/mail-$token.txt")"
    rows+=("$(printf '%-6s %-10s %s' "$token" mail "$lost")")
done

printf '\n%-6s %-10s %-22s %8s %8s\n' "TOKEN" "EVENT" "WHAT" "SERVING" "GAP(s)"
printf '%s\n' "${rows[@]}"
cat <<EOF

SERVING: seconds from the event until every affected store answers LMTP on its new master
(polled through crm_mon, ~0.4 s resolution). GAP: longest time between two accepted
deliveries to an affected store (10 a second each). Seed (FastMail 2009): 10-30 s a store
for a planned move.
EOF
