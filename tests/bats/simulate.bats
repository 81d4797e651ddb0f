#!/usr/bin/env bats
# slotstore simulate: what Pacemaker's scheduler (crm_simulate) really does
# with the CIB slotstore generates, compared with what `slotstore plan` says.

if [ -f /usr/lib/bats/bats-support/load.bash ] && [ -f /usr/lib/bats/bats-assert/load.bash ]; then
    load /usr/lib/bats/bats-support/load
    load /usr/lib/bats/bats-assert/load
else
    # the few assertions used here, for hosts without bats-assert
    assert_success() { [ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }; }
    assert_failure() { [ "$status" -eq "$1" ] || { echo "status $status, want $1: $output"; return 1; }; }
    assert_equal() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
    assert_output() { [[ "$output" == *"$2"* ]] || { echo "no '$2' in: $output"; return 1; }; }
    refute_output() { [[ "$output" != *"$2"* ]] || { echo "'$2' in: $output"; return 1; }; }
fi

setup() {
    SLOTSTORE=${SLOTSTORE:-$BATS_TEST_DIRNAME/../../constraints/slotstore}
    TMP=$(mktemp -d)
}

teardown() {
    rm -rf "$TMP"
}

# topology M S R: M machines of S slots, replicas R
topology() {
    local m
    echo "replicas $3"
    for ((m = 1; m <= $1; m++)); do
        printf 'machine imap%02d slots=%d\n' "$m" "$2"
    done
}

# make_cib NAME M S R: $TMP/NAME.topo, $TMP/NAME.xml (CIB), $TMP/NAME.plan.xml
make_cib() {
    topology "$2" "$3" "$4" > "$TMP/$1.topo"
    "$SLOTSTORE" cib "$TMP/$1.topo" > "$TMP/$1.xml"
    "$SLOTSTORE" plan "$TMP/$1.topo" --output-as=xml > "$TMP/$1.plan.xml"
}

# simulate_xml CIB OUT [options]: the XML report in OUT, messages in $output
simulate_xml() {
    local cib=$1 out=$2
    shift 2
    "$SLOTSTORE" simulate --cib "$cib" --output-as=xml "$@" > "$out"
}

xpath() {
    xmllint --xpath "$2" "$1"
}

# "name value" lines for the elements at PATH
pairs() {
    local file=$1 path=$2 attr=$3 n i
    n=$(xpath "$file" "count($path)")
    for ((i = 1; i <= n; i++)); do
        xpath "$file" "concat(($path)[$i]/@name, ' ', ($path)[$i]/@$attr)"
        echo
    done
}

# Steady masters = plan, and every single failure: busiest survivor = bound =
# what the plan predicts for that failure.
check_against_plan() {
    local name=$1 sim=$TMP/$1.sim.xml plan=$TMP/$1.plan.xml n i failed got bound want
    assert_equal "$(xpath "$sim" 'string(/slotstore-result/simulate/@result)')" "as-planned"
    assert_equal "$(pairs "$sim" '//steady-state/machine' masters)" \
                 "$(pairs "$plan" '//machines/machine' masters)"
    n=$(xpath "$sim" 'count(//failures[@kind="single"]/failure)')
    assert_equal "$n" "$(xpath "$plan" 'count(//single-failure)')"
    for ((i = 1; i <= n; i++)); do
        failed=$(xpath "$sim" "string((//failures[@kind='single']/failure)[$i]/@failed)")
        got=$(xpath "$sim" "string((//failures[@kind='single']/failure)[$i]/@busiest-masters)")
        bound=$(xpath "$sim" "string((//failures[@kind='single']/failure)[$i]/@bound)")
        want=$(xpath "$plan" "string(//single-failure[@failed='$failed']/@busiest-masters)")
        assert_equal "$failed: $got" "$failed: $bound"
        assert_equal "$failed: $got" "$failed: $want"
        assert_equal "$(xpath "$sim" "string((//failures[@kind='single']/failure)[$i]/@off-plan)")" 0
    done
}

@test "simulate --help" {
    run "$SLOTSTORE" simulate --help
    assert_success
    assert_output --partial "Usage: slotstore simulate"
}

@test "4 machines x 4 slots, replicas 1: Pacemaker does what the plan says" {
    make_cib four 4 4 1
    run simulate_xml "$TMP/four.xml" "$TMP/four.sim.xml"
    assert_success
    check_against_plan four
}

@test "5 machines x 6 slots, replicas 2: Pacemaker does what the plan says" {
    make_cib five 5 6 2
    run simulate_xml "$TMP/five.xml" "$TMP/five.sim.xml"
    assert_success
    check_against_plan five
}

@test "zones: the CIB carries them and the bounds respect them, as plan's do; without them simulate says so" {
    local i sim=$TMP/zoned.sim.xml a b f
    { echo "replicas 2"
      for ((i = 1; i <= 9; i++)); do printf 'machine imap%02d slots=8 zone=z%d\n' "$i" $(((i - 1) % 3)); done
    } > "$TMP/zoned.topo"
    "$SLOTSTORE" cib "$TMP/zoned.topo" > "$TMP/zoned.xml"
    "$SLOTSTORE" plan "$TMP/zoned.topo" --output-as=xml > "$TMP/zoned.plan.xml"
    run simulate_xml "$TMP/zoned.xml" "$sim" --pairs
    assert_success
    assert_equal "$(xpath "$sim" 'string(/slotstore-result/simulate/@zones)')" 3
    # every single failure: busiest survivor = bound = plan's (a z0 machine's
    # masters may only go to the 6 machines of z1 and z2: bound 4, not 3)
    check_against_plan zoned
    assert_equal "$(xpath "$sim" 'string((//failures[@kind="single"]/failure)[1]/@bound)')" 4
    # the plan's worst double failure: the same bound
    a=$(xpath "$TMP/zoned.plan.xml" 'string(//worst-double/@failed)')
    b=$(xpath "$TMP/zoned.plan.xml" 'string(//worst-double/@failed2)')
    f="//failures[@kind='double']/failure[(@failed='$a' and @failed2='$b') or (@failed='$b' and @failed2='$a')]"
    assert_equal "$(xpath "$sim" "string($f/@bound)")" \
                 "$(xpath "$TMP/zoned.plan.xml" 'string(//worst-double/@bound)')"
    [ "$(xpath "$sim" 'string(//summary/@double-excess)')" -le 1 ]
    # the attribute gone from the nodes: water-filling over every survivor
    xmllint --xpath '//node/instance_attributes[nvpair/@name="slotstore-zone"]' "$TMP/zoned.xml" > /dev/null
    sed '/<instance_attributes id="slotstore-node-/,/<\/instance_attributes>/d' "$TMP/zoned.xml" > "$TMP/plain.xml"
    run simulate_xml "$TMP/plain.xml" "$TMP/plain.sim.xml"
    assert_success
    assert_equal "$(xpath "$TMP/plain.sim.xml" 'count(/slotstore-result/simulate/@zones)')" 0
    assert_equal "$(xpath "$TMP/plain.sim.xml" 'string((//failures[@kind="single"]/failure)[1]/@bound)')" 3
    # on some machines only: named in a note, and the bounds ignore zones
    sed '/<instance_attributes id="slotstore-node-imap04"/,/<\/instance_attributes>/d' "$TMP/zoned.xml" > "$TMP/part.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/part.xml"
    assert_success
    assert_output --partial "Note: only 8 of 9 machines have the node attribute slotstore-zone: the bounds ignore zones"
    assert_output --partial "from $TMP/part.xml: 9 machines, 24 stores"
}

@test "text report: steady table, one line per failure, summary; private files removed" {
    make_cib four 4 4 1
    mkdir "$TMP/private"
    TMPDIR=$TMP/private run "$SLOTSTORE" simulate --cib "$TMP/four.xml"
    assert_success
    assert_output --partial "a stand-in fence device (stonith:fence_dummy) was added to the copy"
    assert_equal "$(echo "$output" | grep -cE '^  imap0[1-4] +2 +2 +4$')" 4
    assert_equal "$(echo "$output" | grep -cE '^  imap0[1-4] +imap0[1-4] +3 +3 +0 +0 +2$')" 4
    assert_output --partial "worst single failure: 3 masters on"
    assert_output --partial "result: Pacemaker does what the plan says"
    assert_equal "$(ls -A "$TMP/private")" ""
}

@test "fencing disabled: no stand-in device, the same result" {
    make_cib four 4 4 1
    sed -i 's/name="stonith-enabled" value="true"/name="stonith-enabled" value="false"/' \
        "$TMP/four.xml"
    grep -q 'name="stonith-enabled" value="false"' "$TMP/four.xml"
    run simulate_xml "$TMP/four.xml" "$TMP/four.sim.xml"
    assert_success
    run cat "$TMP/four.sim.xml"
    refute_output --partial "stand-in"
    check_against_plan four
}

@test "a tampered preference: exit 4, the store is named" {
    make_cib four 4 4 1
    # the last failover preference of store001 now beats its planned master
    local id
    id=$(grep -o 'id="slotstore-pref-store001-[^"]*"[^>]*score="10"' "$TMP/four.xml" |
         sed 's/^id="\([^"]*\)".*/\1/')
    [ -n "$id" ]
    sed -i "s/\(id=\"$id\"[^>]*score=\"\)10\"/\11000\"/" "$TMP/four.xml"
    grep -q "id=\"$id\".*score=\"1000\"" "$TMP/four.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/four.xml"
    assert_failure 4
    assert_output --partial "steady: store store001 promoted off plan"
    assert_output --partial "result: Pacemaker does NOT do what the plan says"
    run simulate_xml "$TMP/four.xml" "$TMP/four.sim.xml"
    assert_failure 4
    assert_equal "$(xpath "$TMP/four.sim.xml" 'string(//steady-state/store/@name)')" store001
    assert_equal "$(xpath "$TMP/four.sim.xml" 'string(/slotstore-result/simulate/@result)')" differs
}

@test "a store Pacemaker will not promote: exit 4, no master, named" {
    make_cib four 4 4 1
    sed -i 's/\(id="slotstore-pref-store002-[^"]*"[^>]*score="\)[0-9]*"/\1-INFINITY"/' \
        "$TMP/four.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/four.xml"
    assert_failure 4
    assert_output --partial "steady: store store002 has no master"
    assert_output --partial "stores without a master: 1"
}

@test "--pairs: every double failure, lost stores only where no copy survives" {
    make_cib four 4 4 1
    run simulate_xml "$TMP/four.xml" "$TMP/four.sim.xml" --pairs
    assert_success
    local sim=$TMP/four.sim.xml
    assert_equal "$(xpath "$sim" 'count(//failures[@kind="double"]/failure)')" 6
    # replicas 1: every store lives on one pair of machines and is lost once
    assert_equal "$(xpath "$sim" 'sum(//failures[@kind="double"]/failure/@lost)')" \
                 "$(xpath "$TMP/four.plan.xml" 'count(//store)')"
    assert_equal "$(xpath "$sim" 'string(//summary/@without-master-with-copy)')" 0
    # the most lost by one double failure, against the least any placement loses: as plan says
    assert_equal "$(xpath "$sim" 'string(//summary/@double-lost)')" \
                 "$(xpath "$TMP/four.plan.xml" 'string(//balance/@max-double-lost)')"
    assert_equal "$(xpath "$sim" 'string(//summary/@lost-bound)')" \
                 "$(xpath "$TMP/four.plan.xml" 'string(//balance/@max-pair-bound)')"
    assert_equal "$(xpath "$sim" 'string(//summary/@lost-bound)')" 2
    # the plan's worst double failure, as Pacemaker handles it
    local a b f
    a=$(xpath "$TMP/four.plan.xml" 'string(//worst-double/@failed)')
    b=$(xpath "$TMP/four.plan.xml" 'string(//worst-double/@failed2)')
    f="//failures[@kind='double']/failure[(@failed='$a' and @failed2='$b') or (@failed='$b' and @failed2='$a')]"
    assert_equal "$(xpath "$sim" "count($f)")" 1
    assert_equal "$(xpath "$sim" "string($f/@busiest-masters)")" \
                 "$(xpath "$TMP/four.plan.xml" 'string(//worst-double/@busiest-masters)')"
    assert_equal "$(xpath "$sim" "string($f/@lost)")" \
                 "$(xpath "$TMP/four.plan.xml" 'string(//worst-double/@stores-lost)')"
    run "$SLOTSTORE" simulate --cib "$TMP/four.xml" --pairs
    assert_success
    assert_equal "$(echo "$output" | grep -cE '^  imap0[1-4]\+imap0[1-4] ')" 6
    assert_output --partial "stores lost by one double failure: at most 2 (bound 2: no placement with these copy counts loses fewer)"
}

@test "the live CIB through CIB_file" {
    make_cib four 4 4 1
    CIB_file=$TMP/four.xml run "$SLOTSTORE" simulate
    assert_success
    assert_output --partial "from the live CIB: 4 machines, 8 stores"
}

@test "missing --cib file: exit 2 with a message" {
    run "$SLOTSTORE" simulate --cib "$TMP/nonexistent.xml"
    assert_failure 2
    assert_output --partial "slotstore: simulate: cannot read the CIB ($TMP/nonexistent.xml"
}

@test "a CIB without slotstore stores: exit 2" {
    cat > "$TMP/empty.xml" <<'EOF'
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="imap01"/></nodes>
    <resources/><constraints/></configuration>
  <status/>
</cib>
EOF
    run "$SLOTSTORE" simulate --cib "$TMP/empty.xml"
    assert_failure 2
    assert_output --partial "slotstore: simulate: no slotstore stores in the CIB"
}

@test "bad usage: exit 2" {
    run "$SLOTSTORE" simulate --output-as=json
    assert_failure 2
    run "$SLOTSTORE" simulate --frobnicate
    assert_failure 2
}

@test "crm_simulate refusing the CIB: exit 1 with its messages" {
    make_cib four 4 4 1
    sed -i 's/<rsc_location id="slotstore-pref-store001-/<rsc_location bogus="1" id="slotstore-pref-store001-/' \
        "$TMP/four.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/four.xml"
    assert_failure 1
    assert_output --partial "slotstore: simulate: crm_simulate failed with exit code"
    assert_output --partial "bogus"
}
