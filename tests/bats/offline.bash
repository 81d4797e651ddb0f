# Helpers for the BATS files that test slotstore on CIB files, without a cluster: a fresh
# $TMP per test, the steady state Pacemaker reaches on a generated CIB (crm_simulate) and
# the plan of the same topology.

offline_setup() {
    SLOTSTORE=${SLOTSTORE:-$BATS_TEST_DIRNAME/../../constraints/slotstore}
    DATA=$BATS_TEST_DIRNAME/../data
    TMP=$(mktemp -d)
}

offline_teardown() {
    rm -rf "$TMP"
}

# steady [TOPOLOGY]: $TMP/live.xml, the CIB of TOPOLOGY (default four.topo) after
# Pacemaker started every store (no promotion scores yet); $TMP/plan.xml, its plan.
steady() {
    local topo=$DATA/${1:-four.topo} nodes
    "$SLOTSTORE" cib "$topo" --output "$TMP/cib.xml"
    "$SLOTSTORE" plan "$topo" --output-as=xml > "$TMP/plan.xml"
    nodes=$(xmllint --xpath '//nodes/node/@uname' "$TMP/cib.xml" | sed 's/ uname="\([^"]*\)"/ -u \1/g')
    # shellcheck disable=SC2086
    crm_simulate -x "$TMP/cib.xml" -S $nodes -O "$TMP/live.xml" >/dev/null 2>&1
}

# planned STORE POSITION: the machine of that slot in the plan
planned() {
    xmllint --xpath "string(//store[@name='$1']/slot[@position='$2']/@machine)" "$TMP/plan.xml"
}
