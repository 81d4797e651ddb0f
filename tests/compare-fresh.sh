#!/bin/bash
# compare-fresh.sh - fresh plans of random mixed 2-slot topologies under two
# builds of test_placement (e.g. before and after a planner change): prints
# each topology whose figures differ, then a count.  Figures are the
# checker's (`test_placement plan`): single excess, its slack, double excess,
# stores lost.  The topologies: 5-20 machines of 8-40 slots, zones 0/2/3,
# stores at 7/8 of what the topology holds (SLOTSTORE computes that).
# Usage (after a build): tests/compare-fresh.sh BASE_TEST_PLACEMENT NEW_TEST_PLACEMENT [COUNT]
#   (80 topologies: ~2 min)
set -u
base=${1:?usage: compare-fresh.sh BASE NEW [COUNT]}
new=${2:?usage: compare-fresh.sh BASE NEW [COUNT]}
count=${3:-80}
slotstore=${SLOTSTORE:-$(dirname "$0")/../constraints/slotstore}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
RANDOM=7
figures() {
    sed -n 's/^\([a-z]*\)[^:]*: single excess \([0-9-]*\) (slack \([0-9]*\)), double excess \([0-9-]*\), lost \([0-9]*\).*/\1 \2 \3 \4 \5/p'
}
compared=0 changed=0
for i in $(seq 1 "$count"); do
    machines=$((RANDOM % 16 + 5))
    zones=$((RANDOM % 3))
    [ "$zones" = 1 ] && zones=3
    f=$dir/t$i
    {
        echo "replicas 1"
        for j in $(seq 1 "$machines"); do
            slots=$((RANDOM % 33 + 8))
            if [ "$zones" = 0 ]; then echo "machine m$j slots=$slots"
            else echo "machine m$j slots=$slots zone=z$((j % zones))"; fi
        done
    } > "$f.max"
    most=$("$slotstore" plan "$f.max" 2>/dev/null | sed -n '1s/.*machines, \([0-9]*\) stores.*/\1/p')
    [ -z "$most" ] && continue
    { echo "stores $((most * 7 / 8))"; cat "$f.max"; } > "$f"
    a=$(timeout 60 "$base" plan "$f" | figures)
    b=$(timeout 60 "$new" plan "$f" | figures)
    compared=$((compared + 1))
    if [ "$a" != "$b" ]; then
        changed=$((changed + 1))
        echo "topology $i ($machines machines, zones $zones): base [$a] new [$b]"
    fi
done
echo "$compared compared, $changed differ (figures: verdict, single excess, slack, double excess, lost)"
