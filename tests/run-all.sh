#!/bin/bash
# Install, build and run every test; ends with "N passed, N failed".
# Usage: tests/run-all.sh   (as root on Debian 12; CI runs exactly this)
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
tests/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0
# TAP from a test program or bats: count ok / not ok lines.
count_tap() {
    local log=$1
    local p f
    p=$(grep -cE '^ok ' "$log" || true)
    f=$(grep -cE '^not ok ' "$log" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    # the comments of passing tests (timings, tables) up to 50 lines; a failing test's
    # whole diagnosis, up to 400 lines, so a flake on CI explains itself
    awk '/^not ok /{ fail = 1; shown = 0 } /^ok /{ fail = 0 }
         /^not ok |^#/ { if (fail) { if (shown++ < 400) print } else if (quiet++ < 50) print }' "$log"
}

run_tap() {
    local name=$1; shift
    local log
    log=$(mktemp)
    echo "== $name"
    "$@" >"$log" 2>&1
    local rc=$?
    count_tap "$log"
    if [ $rc -ne 0 ] && ! grep -qE '^not ok ' "$log"; then
        echo "   $name exited $rc without a failing check:"; tail -20 "$log"
        failed=$((failed + 1))
    fi
    rm -f "$log"
}

run_tap "unit: topology" tests/unit/test_topology
run_tap "unit: placement" tests/unit/test_placement 150
run_tap "unit: cib" tests/unit/test_cib
run_tap "unit: flow" tests/unit/test_flow
run_tap "unit under ASan/UBSan" tests/sanitize.sh
for f in tests/bats/*.bats; do
    [ -e "$f" ] || continue
    run_tap "bats: $(basename "$f")" env SLOTSTORE="$top/constraints/slotstore" bats --tap "$f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
