#!/usr/bin/env bats
# The exact integer program of a plan's counts (test_placement exact, solved by
# cbc): what proves that a plan that misses "every double failure within 1"
# cannot do better with its master and copy counts, where the LP relaxation
# cannot tell.  Each solution is measured again by the
# independent checker (exact-check), so the model cannot drift from it.

setup() {
    TP=$BATS_TEST_DIRNAME/../unit/test_placement
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

# equal MACHINES SLOTS STORES [REPLICAS [ZONES]]: equal machines, by default
# with 3-slot stores in 3 zones
equal() {
    local zones=${5-3}
    echo "stores $3"
    echo "replicas ${4:-2}"
    for i in $(seq 1 "$1"); do
        if [ "$zones" = 0 ]; then printf 'machine m%03d slots=%d\n' "$i" "$2"
        else printf 'machine m%03d slots=%d zone=z%d\n' "$i" "$2" $(((i - 1) % zones)); fi
    done
}

# solve TOPOLOGY: the least worst double excess with the plan's counts ($least)
solve() {
    "$TP" exact "$1" > "$TMP/model.lp"
    cbc -import "$TMP/model.lp" -solve -solu "$TMP/solution" > "$TMP/cbc.log" 2>&1
    head -1 "$TMP/solution"
    grep -q '^Optimal' "$TMP/solution"
    least=$(sed -n 's/^Optimal - objective value \(-*[0-9]*\).*/\1/p' "$TMP/solution")
    # the solution is a placement the checker measures at that excess
    "$TP" exact-check "$1" "$TMP/solution"
}

# the plan's own worst double excess ($planned) and its verdict
plan_excess() {
    run "$TP" plan "$1"
    echo "$output"
    planned=$(echo "$output" | sed -n '1s/.*double excess \(-*[0-9]*\).*/\1/p')
}

@test "exact: a plan within 1 of every double bound: the model admits one too, no worse" {
    equal 9 12 24 > "$TMP/topology"
    plan_excess "$TMP/topology"
    [[ "${lines[0]}" == "meets 1-3"* ]]
    solve "$TMP/topology"
    [ "$least" -le "$planned" ]
}

@test "exact: 11x40 in 3 zones, 105 3-slot stores: within 1 is impossible with the plan's counts, which the LP cannot show" {
    equal 11 40 105 > "$TMP/topology"
    plan_excess "$TMP/topology"
    [[ "${lines[0]}" == "misses"* ]]
    [[ "$output" == *"LP violation 0.000"* ]]
    solve "$TMP/topology"
    [ "$least" -eq 2 ]
    [ "$planned" -eq "$least" ]
}

@test "exact: 2-slot plans, within 1 and not: the model agrees with the checker and the LP" {
    equal 9 12 40 1 > "$TMP/topology"
    plan_excess "$TMP/topology"
    [[ "${lines[0]}" == "meets 1-3"* ]]
    solve "$TMP/topology"
    [ "$least" -le "$planned" ]
    # 28x40 in 2 zones: 4 stores on a pair where the cap is 3, which the LP proves forced
    equal 28 40 472 1 2 > "$TMP/topology"
    plan_excess "$TMP/topology"
    [[ "${lines[0]}" == "misses"* ]]
    [[ "$output" != *"LP violation 0.000"* ]]
    "$TP" exact "$TMP/topology" > "$TMP/model.lp"
    cbc -import "$TMP/model.lp" -solve -solu "$TMP/solution" > "$TMP/cbc.log" 2>&1
    head -1 "$TMP/solution"
    grep -q '^Infeasible' "$TMP/solution"
}

@test "exact: refuses what it does not model (3-slot stores without 3 zones)" {
    equal 6 10 15 2 0 > "$TMP/topology"
    run "$TP" exact "$TMP/topology"
    [ "$status" -eq 2 ]
    [[ "$output" == *"3-slot stores only in 3 or more zones"* ]]
}
