#!/bin/bash
# sweep-fresh.sh - fresh plans of equal machines with stores to spare,
# checked with strict bounds (`test_placement plan`: single failures with no
# slack for the copy counts, double failures within 1, 2-slot pair bound).
# A miss is "proven" when the LP relaxation of `test_placement plan` shows
# that no placement with the plan's master and copy counts meets the bounds
# (other counts might), or, where the LP cannot tell and cbc is installed,
# when the exact integer program of those counts (`test_placement exact`, up
# to 5 min each) has no placement with every double failure within 1; its
# solution is checked by the checker again.
# The topologies are the ones `test_placement sweep-remove` starts from:
# 6-30 machines x 12/20/40 slots, replicas 1 and 2, zones 0/2/3, stores at
# 7/8 of what one machine fewer holds.  Prints each miss, then the count.
# Usage (after a build): tests/sweep-fresh.sh [TEST_PLACEMENT]   (~5 min, with cbc ~13)
set -u
tp=${1:-$(dirname "$0")/unit/test_placement}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cases=0 misses=0 proven=0
for rep in 1 2; do for z in 0 2 3; do for sl in 12 20 40; do for M in $(seq 6 30); do
    m1=$((M - 1))
    if [ "$z" = 3 ]; then S=$((m1 / 3 * sl * 7 / 8)); else S=$((m1 * sl / (rep + 1) * 7 / 8)); fi
    [ "$S" -lt 1 ] && continue
    f=$dir/topology
    {
        echo "stores $S"
        echo "replicas $rep"
        for i in $(seq 1 "$M"); do
            if [ "$z" = 0 ]; then printf 'machine m%03d slots=%d\n' "$i" "$sl"
            else printf 'machine m%03d slots=%d zone=z%d\n' "$i" "$sl" $(((i - 1) % z)); fi
        done
    } > "$f"
    cases=$((cases + 1))
    # the plan takes well under a second; proving a miss (the checker's LP) can take minutes
    out=$(timeout 300 "$tp" plan "$f" 2>&1)
    r=$(printf '%s\n' "$out" | head -1)
    case "$r" in
        meets*) continue ;;
    esac
    misses=$((misses + 1))
    lp=$(printf '%s\n' "$out" | sed -n 's/.*LP violation \([0-9.]*\).*/\1/p')
    why=""
    if [ -n "$lp" ] && awk -v v="$lp" 'BEGIN { exit !(v > 1e-6) }'; then
        proven=$((proven + 1))
        why=" (proven with its counts: LP violation $lp)"
    elif { [ "$rep" = 1 ] || [ "$z" = 3 ]; } && command -v cbc >/dev/null; then
        "$tp" exact "$f" > "$dir/model.lp"
        timeout 300 cbc -import "$dir/model.lp" -solve -solu "$dir/solution" >/dev/null 2>&1
        verdict=$(head -1 "$dir/solution" 2>/dev/null)
        least=$(printf '%s\n' "$verdict" | sed -n 's/^Optimal - objective value \(-*[0-9]*\).*/\1/p')
        if [ "${verdict%% *}" = Infeasible ]; then
            proven=$((proven + 1))
            why=" (proven with its counts: no placement within the single and pair bounds, exact)"
        elif [ -n "$least" ] && [ "$least" -gt 1 ] && "$tp" exact-check "$f" "$dir/solution" >/dev/null; then
            proven=$((proven + 1))
            why=" (proven with its counts: least double excess $least, exact)"
        elif [ -z "$verdict" ]; then
            why=" (the exact program: no answer from cbc in 300 s)"
        fi
        rm -f "$dir/solution"
    fi
    echo "${M}x$sl replicas $rep zones $z stores $S: ${r:-no answer in 300 s}$why"
done; done; done; done
echo "$misses of $cases fresh plans miss, $proven of them proven unable to meet the bounds with their counts"
