#!/bin/bash
# drain-bench.sh: slotstore drain / undrain on a real 4-machine lab (root).
#
# tests/data/lab16.topo (32 stores, 8 masters a machine) with 3 LMTP deliveries a second
# to every store: `slotstore drain imap01 --parallel P` then `slotstore undrain imap01
# --parallel P` for P = 1, 4, 8; total time, time per master, and the mail counted over
# IMAP at the end (must be 0 lost). The seed (FastMail 2009): 10-30 s a store.
#
#   bench/drain-bench.sh                    lab16.topo, --parallel 1, 4, 8
#   DRAIN_TOPO=lab40.topo DRAIN_PARALLEL="4 8" bench/drain-bench.sh
#                                           80 stores, 20 masters a machine (160 slots)
#   DRAIN_RATE=0.5 ...                      deliveries a second to each store (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
[ "$(id -u)" -eq 0 ] || { echo "drain-bench: needs root (the lab)" >&2; exit 2; }
tests/build.sh >/dev/null

topo="$repo/tests/data/${DRAIN_TOPO:-lab16.topo}"
[ -r "$topo" ] || { echo "drain-bench: no topology $topo" >&2; exit 2; }
slots="$(awk '$1 == "machine" { sub("slots=", "", $3); if ($3 > n) n = $3 } END { print n }' "$topo")"
export LAB_DIR=/run/slotstore-lab-bench LAB_PREFIX=sslabb- LAB_SLOTS="$slots"
. tests/lab/e2e.bash
work="$LAB_DIR/drain-bench"
export E2E_CIB="$work/cib.xml"
trap '"$LAB" down >/dev/null 2>&1 || true' EXIT

"$LAB" down >/dev/null 2>&1 || true
"$LAB" up 4 >/dev/null
mkdir -p "$work"
on_live "$SLOTSTORE" apply "$topo" >/dev/null
e2e_save_cib
wait_for 600 as_planned
wait_for 300 all_in_sync
n="$(stores_planned_on imap01 | wc -l)"
rm -rf "$work/load"
start_load "$work/load" "${DRAIN_RATE:-3}"
sleep 3

rows=()
rate="${DRAIN_RATE:-3}"
stores="$(plan_masters | wc -l)"
# "drained imap01: 20 of 20 masters moved in 41.2 s" -> "20 of 20 moved"
moved_of() { sed -n 's/.*: \([0-9]* of [0-9]*\) masters moved.*/\1 moved/p' "$1" | tail -1; }
for p in ${DRAIN_PARALLEL:-1 4 8}; do
    for verb in drain undrain; do
        wait_for 300 all_in_sync
        t0="$(e2e_now)"
        on_live "$SLOTSTORE" "$verb" imap01 --parallel "$p" >"$work/$verb-$p.txt" 2>&1 || true
        t="$(e2e_since "$t0")"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        rows+=("$(printf '%-8s %8s %8s %10s %12s %8s %s' "$verb" "$p" "$n" "$t" "$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.1f", t / n }')" "$load" "$(moved_of "$work/$verb-$p.txt")")")
        [ -z "$(cli_constraints)" ] || { echo "drain-bench: constraints left after $verb" >&2; exit 1; }
    done
done
sleep 2
stop_load "$work/load"
check_mail "$work/load" >"$work/mail.txt" || true
mail="$(awk 'NR > 1 { m += $5; d += $6; n += $3 } END { printf "%d accepted, %d lost, %d duplicated", n, m, d }' "$work/mail.txt")"

printf '\n%-8s %8s %8s %10s %12s %8s %s\n' COMMAND PARALLEL MASTERS "TOTAL(s)" "PER STORE(s)" LOAD1 RESULT
printf '%s\n' "${rows[@]}"
echo "mail during all runs ($rate deliveries a second to each of $stores stores): $mail"
cat <<EOF

LOAD1: the 1-minute load average when the command ended (2 cores). RESULT: the
command's own count of moved masters.
TOTAL: the command from start to end as the operator sees it (undrain includes waiting
for catch-up, which is immediate here: the machine stayed up). PER STORE: TOTAL / masters.
Seed (FastMail 2009): 10-30 s a store, i.e. 80-240 s for 8 masters.
EOF
