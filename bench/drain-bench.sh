#!/bin/bash
# drain-bench.sh: slotstore drain / undrain on a real 4-machine lab (root).
#
# tests/data/lab16.topo (32 stores, 8 masters a machine) with 3 LMTP deliveries a second
# to every store: `slotstore drain imap01 --parallel P` then `slotstore undrain imap01
# --parallel P` for P = 1, 4, 8; total time, time per master, the longest delivery gap of a
# moved store, and the mail counted over IMAP after each command (must be 0 lost). The
# seed (FastMail 2009): 10-30 s a store.
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
trap '[ -d "$work/load" ] && stop_load "$work/load"; "$LAB" down >/dev/null 2>&1 || true' EXIT

"$LAB" down >/dev/null 2>&1 || true
"$LAB" up 4 >/dev/null
mkdir -p "$work"
on_live "$SLOTSTORE" apply "$topo" >/dev/null
e2e_save_cib
wait_for 600 as_planned
wait_for 300 all_in_sync
n="$(stores_planned_on imap01 | wc -l)"

rows=()
rate="${DRAIN_RATE:-3}"
stores="$(plan_masters | wc -l)"
# "drained imap01: 20 of 20 masters moved in 41.2 s" -> "20 of 20 moved"
moved_of() { sed -n 's/.*: \([0-9]* of [0-9]*\) masters moved.*/\1 moved/p' "$1" | tail -1; }
# The longest delivery gap of a store the command moved: how long its clients could not
# deliver, as a sender that retries at once sees it.
moved_gap() { moved_gaps "$1" "$2" | awk '$2 > g { g = $2 } END { printf "%.1f", g }'; }
: >"$work/mail.txt"
for p in ${DRAIN_PARALLEL:-1 4 8}; do
    for verb in drain undrain; do
        wait_for 300 all_in_sync
        # a load of its own for each command: its gaps are this command's
        rm -rf "$work/load"
        start_load "$work/load" "$rate"
        sleep 3
        t0="$(e2e_now)"
        on_live "$SLOTSTORE" "$verb" imap01 --parallel "$p" >"$work/$verb-$p.txt" 2>&1 || true
        t="$(e2e_since "$t0")"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        sleep 2
        stop_load "$work/load"
        check_mail "$work/load" >"$work/mail-$verb-$p.txt" || true
        tail -n +2 "$work/mail-$verb-$p.txt" >>"$work/mail.txt"
        rows+=("$(printf '%-8s %8s %8s %10s %12s %8s %8s %s' "$verb" "$p" "$n" "$t" "$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.1f", t / n }')" "$(moved_gap "$work/$verb-$p.txt" "$work/mail-$verb-$p.txt")" "$load" "$(moved_of "$work/$verb-$p.txt")")")
        [ -z "$(cli_constraints)" ] || { echo "drain-bench: constraints left after $verb" >&2; exit 1; }
    done
done
mail="$(awk '{ m += $5; d += $6; n += $3 } END { printf "%d accepted, %d lost, %d duplicated", n, m, d }' "$work/mail.txt")"

printf '\n%-8s %8s %8s %10s %12s %8s %8s %s\n' COMMAND PARALLEL MASTERS "TOTAL(s)" "PER STORE(s)" "GAP(s)" LOAD1 RESULT
printf '%s\n' "${rows[@]}"
echo "mail during all runs ($rate deliveries a second to each of $stores stores): $mail"
cat <<EOF

GAP: the longest time a moved store accepted no mail (a sender retrying at once).
LOAD1: the 1-minute load average when the command ended (2 cores). RESULT: the
command's own count of moved masters.
TOTAL: the command from start to end as the operator sees it (undrain includes waiting
for catch-up, which is immediate here: the machine stayed up). PER STORE: TOTAL / masters.
Seed (FastMail 2009): 10-30 s a store, i.e. 80-240 s for 8 masters.
EOF
