#!/usr/bin/env bats
# The slotstore CLI: plan, cib (checked by crm_simulate), apply on a CIB file.

load offline

setup() {
    offline_setup
}

teardown() {
    offline_teardown
}

# masters per machine from crm_simulate's steady state, "node count" lines
promoted_by_simulate() {
    local cib=$1 nodes
    nodes=$(xmllint --xpath '//node/@uname' "$cib" | sed 's/ uname="\([^"]*\)"/ -u \1/g')
    # shellcheck disable=SC2086
    crm_simulate -x "$cib" -S $nodes -O "$TMP/steady.xml" >/dev/null 2>&1
    CIB_file=$TMP/steady.xml crm_mon -1 --output-as=xml |
        xmllint --xpath '//resource[@role="Promoted"]/node/@name' - | tr ' ' '\n' |
        sed -n 's/name="\(.*\)"/\1/p' | sort | uniq -c | awk '{print $2, $1}'
}

@test "--help and --version" {
    run "$SLOTSTORE" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"Exit codes"* ]]
    run "$SLOTSTORE" --version
    [ "$status" -eq 0 ]
    [[ "$output" == "slotstore "* ]]
    run "$SLOTSTORE" plan --help
    [ "$status" -eq 0 ]
}

@test "plan prints masters per machine and the balance report" {
    run "$SLOTSTORE" plan "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"8 stores of 2 slots"* ]]
    [ "$(echo "$output" | grep -cE '^imap0[1-4] +- +4 +4 +2 ')" -eq 4 ]
    [[ "$output" == *"worst single:"*"with 3 masters (bound 3)"* ]]
    [[ "$output" != *"masters per zone"* ]]
    # with zones, also each zone's masters against its share
    run "$SLOTSTORE" plan "$DATA/six-three.topo" --no-stores
    [ "$status" -eq 0 ]
    [[ "$output" == *"masters per zone: a 4 (share 4.00), b 4 (share 4.00), c 4 (share 4.00)"* ]]
}

# 10 stores of 2 slots on 6 machines: 4 machines lead 2, two lead 1, and every
# replica is some master's first failover, so a machine leading 2 takes one and
# some failure ends 1 over its water-filling bound, whatever the placement.
@test "plan and simulate say how far over its bound any placement must leave a single failure" {
    printf 'stores 10\nreplicas 1\n' > "$TMP/six.topo"
    for i in 1 2 3 4 5 6; do echo "machine imap0$i slots=4" >> "$TMP/six.topo"; done
    run "$SLOTSTORE" plan "$TMP/six.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"every single failure: at most 1 over its bound (1 over is the least any placement with these master and copy counts reaches)"* ]]
    run "$SLOTSTORE" plan "$TMP/six.topo" --output-as=xml
    [[ "$output" == *'single-excess="1" single-least-excess="1"'* ]]
    "$SLOTSTORE" cib "$TMP/six.topo" > "$TMP/cib.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"single failures: at most 1 above the bound; 1 above is the least any placement with these master and copy counts reaches"* ]]
    # equal masters: every bound met, and said so
    run "$SLOTSTORE" plan "$DATA/four.topo"
    [[ "$output" == *"every single failure: within its bound"* ]]
}

@test "plan --output-as=xml is well-formed and complete" {
    run "$SLOTSTORE" plan "$DATA/six-three.topo" --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" > "$TMP/plan.xml"
    xmllint --noout "$TMP/plan.xml"
    [ "$(xmllint --xpath 'count(//store)' "$TMP/plan.xml")" -eq 12 ]
    [ "$(xmllint --xpath 'count(//store/slot)' "$TMP/plan.xml")" -eq 36 ]
    [ "$(xmllint --xpath 'count(//single-failure)' "$TMP/plan.xml")" -eq 6 ]
    # 3-slot stores: no double failure loses a store
    [ "$(xmllint --xpath 'string(//balance/@max-double-lost)' "$TMP/plan.xml")" -eq 0 ]
    # zones: every zone once, masters and shares each adding up to the stores
    [ "$(xmllint --xpath 'count(//zones/zone)' "$TMP/plan.xml")" -eq 3 ]
    [ "$(xmllint --xpath 'sum(//zones/zone/@masters)' "$TMP/plan.xml")" -eq 12 ]
    [ "$(xmllint --xpath 'round(sum(//zones/zone/@share))' "$TMP/plan.xml")" -eq 12 ]
}

@test "bad topology: file:line, exit 2, nothing written" {
    printf 'replicas 1\nmachine a slots=4\nmachine b slotz=4\n' > "$TMP/bad.topo"
    run "$SLOTSTORE" cib "$TMP/bad.topo" --output "$TMP/out.xml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"bad.topo:3: unknown machine setting 'slotz=4'"* ]]
    [ ! -e "$TMP/out.xml" ]
}

@test "plan --svg draws the plan's first-failover matrix and masters per machine" {
    printf 'replicas 2\n' > "$TMP/nine.topo"
    for i in 1 2 3 4 5 6 7 8 9; do
        echo "machine m0$i slots=8 zone=z$((i % 3))" >> "$TMP/nine.topo"
    done
    run "$SLOTSTORE" plan "$TMP/nine.topo" --svg "$TMP/plan.svg"
    [ "$status" -eq 0 ]
    xmllint --noout "$TMP/plan.svg"
    "$SLOTSTORE" plan "$TMP/nine.topo" --output-as=xml > "$TMP/plan.xml"
    # the plan's (master, first failover) pairs counted, every non-zero cell of the SVG's matrix
    xmllint --xpath '//store/slot[@position="0" or @position="1"]/@machine' "$TMP/plan.xml" |
        grep -o 'machine="[^"]*"' | cut -d'"' -f2 | paste - - | sort | uniq -c |
        awk '{print $2, $3, $1}' > "$TMP/planned"
    grep -o '<title>m[0-9]* &#8594; m[0-9]*: [1-9][0-9]*</title>' "$TMP/plan.svg" |
        sed 's/<title>\(m[0-9]*\) &#8594; \(m[0-9]*\): \([0-9]*\)<\/title>/\1 \2 \3/' |
        sort > "$TMP/drawn"
    [ -s "$TMP/planned" ]
    diff "$TMP/planned" "$TMP/drawn"
    # 9 x 8 cells off the diagonal, zero or not
    [ "$(grep -c '&#8594; m[0-9]*: [0-9]*</title>' "$TMP/plan.svg")" -eq 72 ]
    # masters per machine: the bars' titles against the plan
    xmllint --xpath '//machines/machine' "$TMP/plan.xml" |
        sed -n 's/.*name="\([^"]*\)".*masters="\([0-9]*\)".*/\1 \2/p' > "$TMP/masters"
    grep -o '<title>m[0-9]*: [0-9]* masters' "$TMP/plan.svg" |
        sed 's/<title>\(m[0-9]*\): \([0-9]*\) masters/\1 \2/' > "$TMP/bars"
    [ "$(wc -l < "$TMP/masters")" -eq 9 ]
    diff "$TMP/masters" "$TMP/bars"
}

@test "plan --svg and cib --output: an unwritable path is named with why, exit 1, nothing left behind" {
    printf 'replicas 1\nmachine a slots=4\nmachine b slots=4\nmachine c slots=4\n' > "$TMP/three.topo"
    run "$SLOTSTORE" plan "$TMP/three.topo" --svg "$TMP/missing/plan.svg"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot write $TMP/missing/plan.svg: "*"No such file or directory; check the directory exists"* ]]
    run "$SLOTSTORE" cib "$TMP/three.topo" --output "$TMP/missing/cib.xml"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cib: cannot write $TMP/missing/cib.xml: "*"No such file or directory"* ]]
    # a directory where the file should go: the rename fails, the temp file goes
    mkdir "$TMP/cib.xml"
    run "$SLOTSTORE" cib "$TMP/three.topo" --output "$TMP/cib.xml"
    [ "$status" -eq 1 ]
    [[ "$output" == *"cannot write $TMP/cib.xml"* ]]
    [ -d "$TMP/cib.xml" ]
    [ "$(find "$TMP" -name 'cib.xml.*' | wc -l)" -eq 0 ]
    # and a good path gets the whole file, readable by others (mode 0644)
    run "$SLOTSTORE" cib "$TMP/three.topo" --output "$TMP/good.xml"
    [ "$status" -eq 0 ]
    xmllint --noout "$TMP/good.xml"
    [ "$(stat -c %a "$TMP/good.xml")" = 644 ]
}

@test "impossible request is explained" {
    printf 'replicas 2\nmachine a slots=4\nmachine b slots=4\n' > "$TMP/two.topo"
    run "$SLOTSTORE" plan "$TMP/two.topo"
    [ "$status" -eq 2 ]
    [[ "$output" == *"need 3 machines, the topology has 2"* ]]
}

@test "cib is accepted by crm_simulate and Pacemaker promotes exactly the plan" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    xmllint --relaxng /usr/share/pacemaker/pacemaker-3.9.rng --noout "$TMP/cib.xml"
    run promoted_by_simulate "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'imap01 2\nimap02 2\nimap03 2\nimap04 2')" ]
    # every store promoted on its planned master
    "$SLOTSTORE" plan "$DATA/four.topo" --output-as=xml > "$TMP/plan.xml"
    for s in $(xmllint --xpath '//store/@name' "$TMP/plan.xml" | sed 's/ name="\([^"]*\)"/\1 /g'); do
        want=$(xmllint --xpath "string(//store[@name='$s']/slot[@position='0']/@machine)" "$TMP/plan.xml")
        got=$(CIB_file=$TMP/steady.xml crm_mon -1 --output-as=xml |
              xmllint --xpath "string(//clone[@id='$s']/resource[@role='Promoted']/node/@name)" -)
        [ "$want" = "$got" ] || { echo "$s promoted on $got, plan says $want"; false; }
    done
}

@test "3-slot stores in zones: Pacemaker promotes the plan, each store spans 3 zones" {
    "$SLOTSTORE" cib "$DATA/six-three.topo" > "$TMP/cib.xml"
    xmllint --relaxng /usr/share/pacemaker/pacemaker-3.9.rng --noout "$TMP/cib.xml"
    # each machine carries its zone as a node attribute (simulate's bounds read it)
    [ "$(xmllint --xpath 'string(//node[@uname="m5"]/instance_attributes/nvpair[@name="slotstore-zone"]/@value)' "$TMP/cib.xml")" = b ]
    [ "$(xmllint --xpath 'count(//node/instance_attributes/nvpair[@name="slotstore-zone"])' "$TMP/cib.xml")" -eq 6 ]
    run promoted_by_simulate "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | awk '{s+=$2} END {print s}')" -eq 12 ]
    [ "$(echo "$output" | awk '$2 != 2' | wc -l)" -eq 0 ]
    # the slots parameter carries the template's addresses
    grep -q 'value="m[0-9]:[0-9]@10.20.[0-9].[0-9] ' "$TMP/cib.xml"
}

@test "apply writes a CIB file in one go and refuses moves without --allow-moves" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/live.xml"
    # an operator's own resource and constraint must survive
    sed -i 's|<resources>|<resources><primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>|' "$TMP/live.xml"
    sed -i 's|<constraints>|<constraints><rsc_location id="cli-prefer-store001" rsc="store001" role="Promoted" node="imap02" score="INFINITY"/>|' "$TMP/live.xml"
    # the CIB already holds exactly this: apply leaves it alone (no replace, no new epoch)
    cp "$TMP/live.xml" "$TMP/same.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to change: the CIB already holds these 8 stores"* ]]
    cmp "$TMP/live.xml" "$TMP/same.xml"
    # one store's preference edited by hand: apply writes the configuration back
    sed -i 's|\(id="slotstore-pref-store001-[^"]*"[^>]*score="\)[0-9]*"|\17"|' "$TMP/live.xml"
    run cmp -s "$TMP/live.xml" "$TMP/same.xml"
    [ "$status" -ne 0 ]
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"applied 8 stores (0 new, 0 slot moves, 0 master moves)"* ]]
    [ "$(grep -c 'id="slotstore-pref-store001-[^"]*"[^>]*score="7"' "$TMP/live.xml")" -eq 0 ]
    # the topology's fence device stays (apply once dropped it with the other owned elements)
    [ "$(xmllint --xpath 'count(//primitive[@class="stonith" and @id="slotstore-fence"])' "$TMP/live.xml")" -eq 1 ]
    [ "$(grep -c 'id="slotstore-loc-fence-' "$TMP/live.xml")" -eq 4 ]
    grep -q 'id="web"' "$TMP/live.xml"
    grep -q 'id="cli-prefer-store001"' "$TMP/live.xml"
    # a fifth machine: new stores, some copies must move
    cp "$DATA/four.topo" "$TMP/five.topo"
    echo "machine imap05 slots=4" >> "$TMP/five.topo"
    cp "$TMP/live.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/five.topo"
    [ "$status" -eq 3 ]
    [[ "$output" == *"Nothing was changed"* ]]
    cmp "$TMP/live.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/five.topo" --allow-moves
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'count(//clone)' "$TMP/live.xml")" -eq 10 ]
    grep -q 'id="web"' "$TMP/live.xml"
    grep -q 'id="cli-prefer-store001"' "$TMP/live.xml"
    grep -q 'id="web"' "$TMP/live.xml"
}

# SLOTSTORE_TEST_HOOK_BEFORE_PATCH runs between apply's read and its write: a change
# someone else makes in that window.
@test "apply gives the CIB's nodes their zones, keeps the operator's node attributes, drops zones the topology no longer has" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/live.xml"
    sed -i 's|<node id="2" uname="imap02"/>|<node id="2" uname="imap02"><instance_attributes id="ops-imap02"><nvpair id="ops-imap02-rack" name="rack" value="r7"/></instance_attributes></node>|' "$TMP/live.xml"
    sed 's/^\(machine imap0[13].*\)$/\1 zone=odd/; s/^\(machine imap0[24].*\)$/\1 zone=even/' \
        "$DATA/four.topo" > "$TMP/zoned.topo"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/zoned.topo" --allow-moves
    [ "$status" -eq 0 ]
    zone() { xmllint --xpath "string(//node[@uname='$1']/instance_attributes/nvpair[@name='slotstore-zone']/@value)" "$TMP/live.xml"; }
    [ "$(zone imap01)" = odd ]
    [ "$(zone imap02)" = even ]
    [ "$(zone imap04)" = even ]
    [ "$(xmllint --xpath 'string(//nvpair[@id="ops-imap02-rack"]/@value)' "$TMP/live.xml")" = r7 ]
    xmllint --relaxng /usr/share/pacemaker/pacemaker-3.9.rng --noout "$TMP/live.xml"
    # applied again: nothing to change (the zones count as written)
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/zoned.topo"
    [[ "$output" == *"nothing to change"* ]]
    # the zones dropped from the topology: their attributes go, the operator's stays
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$DATA/four.topo" --allow-moves
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'count(//nvpair[@name="slotstore-zone"])' "$TMP/live.xml")" -eq 0 ]
    [ "$(xmllint --xpath 'count(//instance_attributes[@id="ops-imap02"]/nvpair)' "$TMP/live.xml")" -eq 1 ]
}

@test "apply: a change made while apply writes is kept (patch refused, made again); one to slotstore's own elements stops it" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/live.xml"
    cp "$DATA/four.topo" "$TMP/five.topo"
    echo "machine imap05 slots=4" >> "$TMP/five.topo"
    ban='<rsc_location id="cli-ban-store002-on-imap01" rsc="store002" node="imap01" score="-INFINITY"/>'
    run env CIB_file="$TMP/live.xml" \
        SLOTSTORE_TEST_HOOK_BEFORE_PATCH="cibadmin --create -o constraints -X '$ban'" \
        "$SLOTSTORE" apply "$TMP/five.topo" --allow-moves
    [ "$status" -eq 0 ]
    [[ "$output" == *"applied 10 stores"* ]]
    grep -q 'id="cli-ban-store002-on-imap01"' "$TMP/live.xml"
    [ "$(xmllint --xpath 'count(//clone)' "$TMP/live.xml")" -eq 10 ]
    # the patch wrote only what changed: the operator's ban kept its place
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/five.topo"
    [[ "$output" == *"nothing to change"* ]]
    # a change to slotstore's own elements in that window: the plan may be stale, so
    # apply stops, names it, and writes nothing
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/live.xml"
    mine='<rsc_location id="slotstore-by-hand" rsc="store002" node="imap01" score="5"/>'
    run env CIB_file="$TMP/live.xml" \
        SLOTSTORE_TEST_HOOK_BEFORE_PATCH="cibadmin --create -o constraints -X '$mine'" \
        "$SLOTSTORE" apply "$TMP/five.topo" --allow-moves
    [ "$status" -eq 1 ]
    [[ "$output" == *"changed while apply was planning"*"nothing was changed"* ]]
    grep -q 'id="slotstore-by-hand"' "$TMP/live.xml"
    [ "$(xmllint --xpath 'count(//clone)' "$TMP/live.xml")" -eq 8 ]
}

# valgrind sees what ASan cannot here: reads of freed memory inside libxml2 and
# Pacemaker's libraries (uninstrumented), as apply once did through a freed document.
# bats test_tags=valgrind
@test "cib, apply and plan --from run clean under valgrind (no memory errors, no leaks)" {
    command -v valgrind
    vg() {
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$@"
    }
    run vg "$SLOTSTORE" cib "$DATA/four.topo" --output "$TMP/live.xml"
    [ "$status" -eq 0 ]
    cp "$DATA/four.topo" "$TMP/five.topo"
    echo "machine imap05 slots=4" >> "$TMP/five.topo"
    run vg "$SLOTSTORE" plan --from "$TMP/live.xml" "$TMP/five.topo"
    [ "$status" -eq 0 ]
    run env CIB_file="$TMP/live.xml" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite "$SLOTSTORE" apply "$TMP/five.topo" --allow-moves
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'count(//clone)' "$TMP/live.xml")" -eq 10 ]
}

@test "apply refuses to make the cluster opt-in when that would strand an operator's resources" {
    cat > "$TMP/bare.xml" <<'EOT'
<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/>
    <resources>
      <primitive id="fence-a" class="stonith" type="fence_dummy"/>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints><rsc_location id="web-on-1" rsc="web" node="imap01" score="0"/></constraints>
  </configuration><status/></cib>
EOT
    cp "$TMP/bare.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/bare.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 3 ]
    [[ "$output" == *"symmetric-cluster=false"* ]]
    [[ "$output" == *"  fence-a"* ]]
    [[ "$output" != *"  web"* ]]
    cmp "$TMP/bare.xml" "$TMP/before.xml"
    # once the operator allowed it somewhere, apply goes ahead and makes the cluster opt-in
    sed -i 's|<constraints>|<constraints><rsc_location id="fa" rsc="fence-a" node="imap02" score="0"/>|' "$TMP/bare.xml"
    run env CIB_file="$TMP/bare.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    grep -q 'name="symmetric-cluster" value="false"' "$TMP/bare.xml"
}

@test "apply: a CIB_file Pacemaker cannot load is named, with how to see why; it stays as it was" {
    # a <cib> the schema rejects (a node without id): Pacemaker's complaint
    printf '<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node/></nodes><resources/><constraints/></configuration><status/></cib>\n' > "$TMP/odd.xml"
    cp "$TMP/odd.xml" "$TMP/odd-before.xml"
    run env CIB_file="$TMP/odd.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Pacemaker cannot load CIB_file=$TMP/odd.xml"* ]]
    [[ "$output" == *"cibadmin -Q"* ]]
    cmp "$TMP/odd.xml" "$TMP/odd-before.xml"
    # not XML at all, or missing: said before libcib is asked (as status and cleanup do)
    printf 'not a CIB\n' > "$TMP/text.xml"
    run env CIB_file="$TMP/text.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 1 ]
    [[ "$output" == *"slotstore: apply: CIB_file=$TMP/text.xml is not a CIB (line 1: Start tag expected"* ]]
    run env CIB_file="$TMP/missing.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 1 ]
    [[ "$output" == *"slotstore: apply: cannot read CIB_file=$TMP/missing.xml (No such file or directory)"* ]]
}

@test "apply sets load-threshold unless the operator chose one; cib writes it" {
    printf '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>\n' > "$TMP/a.xml"
    run env CIB_file="$TMP/a.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'string(//nvpair[@name="load-threshold"]/@value)' "$TMP/a.xml")" = "1000%" ]
    # applying again adds nothing (one nvpair), and an operator's own value is kept
    run env CIB_file="$TMP/a.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$(xmllint --xpath 'count(//nvpair[@name="load-threshold"])' "$TMP/a.xml")" -eq 1 ]
    printf '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="ops"><nvpair id="ops-lt" name="load-threshold" value="150%%"/></cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration><status/></cib>\n' > "$TMP/b.xml"
    run env CIB_file="$TMP/b.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'count(//nvpair[@name="load-threshold"])' "$TMP/b.xml")" -eq 1 ]
    [ "$(xmllint --xpath 'string(//nvpair[@name="load-threshold"]/@value)' "$TMP/b.xml")" = "150%" ]
    "$SLOTSTORE" cib "$DATA/four.topo" | grep -q 'name="load-threshold" value="1000%"'
    # in a running cluster's bootstrap set, where the controllers notice the change
    printf '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="o-dc" name="dc-deadtime" value="2s"/></cluster_property_set></crm_config><nodes/><resources/><constraints/></configuration><status/></cib>\n' > "$TMP/c.xml"
    run env CIB_file="$TMP/c.xml" "$SLOTSTORE" apply "$DATA/four.topo"
    [ "$status" -eq 0 ]
    [ "$(xmllint --xpath 'string(//cluster_property_set[@id="cib-bootstrap-options"]/nvpair[@name="load-threshold"]/@value)' "$TMP/c.xml")" = "1000%" ]
    [ "$(xmllint --xpath 'count(//cluster_property_set)' "$TMP/c.xml")" -eq 1 ]
}

@test "cib: the fence device may run on every machine of the opt-in cluster" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    [ "$(xmllint --xpath 'count(//rsc_location[@rsc="slotstore-fence"])' "$TMP/cib.xml")" -eq 4 ]
    # Pacemaker starts it (without the locations it stays Stopped: disabled for fencing)
    run crm_simulate -S -x "$TMP/cib.xml" -u imap01 -u imap02 -u imap03 -u imap04
    [[ "$output" == *"Start      slotstore-fence"* ]]
}

@test "plan --from a CIB prints the moves against their lower bound" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    cp "$DATA/four.topo" "$TMP/five.topo"
    echo "machine imap05 slots=4" >> "$TMP/five.topo"
    run "$SLOTSTORE" plan "$TMP/five.topo" --from "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    # the new machine holds 4 slots: at most 1.25 x 4 moves, never below the bound
    moves=$(echo "$output" | sed -n 's/^  slot moves: \([0-9]*\) (lower bound 2, budget [0-9]* = 1.25x .*$/\1/p')
    [ -n "$moves" ]
    [ "$moves" -ge 2 ]
    [ "$moves" -le 5 ]
    [[ "$output" == *"new stores: 2"* ]]
    # each slot move is listed: which store's copy, from which slot, to which
    [ "$(echo "$output" | grep -cE '^store[0-9]+ +copy imap0[1-4]:[1-4] -> imap0[1-5]:[1-4]$')" -eq "$moves" ]
    echo "$output" | grep -qE ' -> imap05:[1-4]$'
    # and the new plan loses at most one store to any double failure (10 stores, 10 pairs)
    [[ "$output" == *"most stores on one machine pair: 1 (bound 1: no placement with these copy counts has fewer)"* ]]
    run "$SLOTSTORE" plan "$TMP/five.topo" --from "$TMP/cib.xml" --output-as=xml
    [ "$(echo "$output" | xmllint --xpath 'count(//moves/slot-move[@from and @to="imap05"])' -)" -ge 2 ]
    [ "$(echo "$output" | xmllint --xpath 'count(//moves/slot-move)' -)" -eq "$moves" ]
}

@test "plan --from: the topology's move-budget sets the slot-move budget; a bad one is refused" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    { echo "move-budget 2"; cat "$DATA/four.topo"; echo "machine imap05 slots=4"; } > "$TMP/five.topo"
    run "$SLOTSTORE" plan "$TMP/five.topo" --from "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    # imap05 takes 4 copies: a budget of 8
    [[ "$output" == *"(lower bound 2, budget 8 = 2.00x the copies new or grown machines take)"* ]]
    run "$SLOTSTORE" plan "$TMP/five.topo" --from "$TMP/cib.xml" --output-as=xml
    [ "$(echo "$output" | xmllint --xpath 'string(//moves/@slot-moves-budget)' -)" = 8 ]
    sed -i 's/^move-budget 2$/move-budget 0.5/' "$TMP/five.topo"
    run "$SLOTSTORE" plan "$TMP/five.topo" --from "$TMP/cib.xml"
    [ "$status" -eq 2 ]
    [[ "$output" == *"five.topo:1: bad move budget '0.5'; write e.g. 'move-budget 1.5'"* ]]
}

# equal_machines N SLOTS ZONES: N machine lines of SLOTS slots, in ZONES zones
# (machine i in zone z((i-1) % ZONES); 0: no zones)
equal_machines() {
    local i
    for i in $(seq 1 "$1"); do
        if [ "$3" -eq 0 ]; then
            printf 'machine m%03d slots=%d\n' "$i" "$2"
        else
            printf 'machine m%03d slots=%d zone=z%d\n' "$i" "$2" $(((i - 1) % $3))
        fi
    done
}

@test "plan --from over a failure bound says which larger move-budget meets them, at what cost" {
    # 27 machines of 12 slots, 3-slot stores, less the last: within 1.25x the
    # forced moves a single failure stays 1 over; 1.5x meets them
    for n in 27 26; do
        { echo "replicas 2"; echo "stores 91"; equal_machines "$n" 12 0; } > "$TMP/m$n.topo"
    done
    "$SLOTSTORE" cib "$TMP/m27.topo" > "$TMP/cib27.xml"
    run "$SLOTSTORE" plan "$TMP/m26.topo" --from "$TMP/cib27.xml" --no-stores
    [ "$status" -eq 0 ]
    [[ "$output" == *"every single failure: at most 1 over its bound"* ]]
    [[ "$output" == *"with 'move-budget 1.50' in the"*"topology the re-plan meets them: "* ]]
    slot=$(echo "$output" | sed -n 's/.*re-plan meets them: \([0-9]*\) slot moves.*/\1/p')
    [ "$slot" -le 15 ]
    # quiet when stderr is not a terminal; on one (script(1)), a progress line
    # names each step, and stdout is the same
    "$SLOTSTORE" plan "$TMP/m26.topo" --from "$TMP/cib27.xml" --no-stores \
        > "$TMP/plain.out" 2> "$TMP/plain.err"
    [ ! -s "$TMP/plain.err" ]
    script -qec "'$SLOTSTORE' plan '$TMP/m26.topo' --from '$TMP/cib27.xml' --no-stores \
        > '$TMP/tty.out'" "$TMP/tty.log" > /dev/null
    grep -q "re-planning 91 stores from $TMP/cib27.xml" "$TMP/tty.log"
    grep -q "over a failure bound: re-planning with move-budget 1.50" "$TMP/tty.log"
    cmp "$TMP/plain.out" "$TMP/tty.out"
    # and it does: the same re-plan with that budget
    { echo "move-budget 1.5"; cat "$TMP/m26.topo"; } > "$TMP/m26b.topo"
    run "$SLOTSTORE" plan "$TMP/m26b.topo" --from "$TMP/cib27.xml" --no-stores
    [ "$status" -eq 0 ]
    [[ "$output" == *"every single failure: within its bound"* ]]
    [[ "$output" == *"slot moves: $slot (lower bound 10, budget 15 = 1.50x"* ]]
    [[ "$output" != *"over a failure bound within this budget"* ]]
}

@test "a topology with a fixed store can be applied again: nothing moves" {
    cp "$DATA/four.topo" "$TMP/fixed.topo"
    echo "fixed keep imap01:1 imap02:1" >> "$TMP/fixed.topo"
    "$SLOTSTORE" cib "$TMP/fixed.topo" --output "$TMP/live.xml"
    run "$SLOTSTORE" plan --from "$TMP/live.xml" "$TMP/fixed.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"slot moves: 0 (lower bound 0, budget 0 = 1.25x"*"master moves: 0"* ]]
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" apply "$TMP/fixed.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to change: the CIB already holds these 8 stores"* ]]
    # a change that needs a re-plan still says why it cannot be combined with fixed
    echo "machine imap05 slots=4" >> "$TMP/fixed.topo"
    run "$SLOTSTORE" plan --from "$TMP/live.xml" "$TMP/fixed.topo"
    [ "$status" -eq 2 ]
    [[ "$output" == *"'fixed' stores cannot be combined with --from"* ]]
}

@test "plan --from: where the zones' shares of masters stand in the way of the failure bounds, they go, and the report shows it" {
    # 16 machines of 12 slots, 3-slot stores in 3 zones, plus one: no order of
    # the kept sets meets every single-failure level while each zone keeps its
    # share of masters (an integer program proves it); one does without
    for n in 16 17; do
        { echo "replicas 2"; equal_machines "$n" 12 3; } > "$TMP/z$n.topo"
    done
    "$SLOTSTORE" cib "$TMP/z16.topo" > "$TMP/cib16.xml"
    run "$SLOTSTORE" plan "$TMP/z17.topo" --from "$TMP/cib16.xml" --no-stores
    [ "$status" -eq 0 ]
    [[ "$output" == *"every single failure: within its bound"* ]]
    [[ "$output" == *"slot moves: 12 (lower bound 10, budget 12 = 1.25x"* ]]
    # z2's share is 17.65: it leads fewer
    z2=$(echo "$output" | sed -n 's/.*masters per zone:.* z2 \([0-9]*\) (share 17.65).*/\1/p')
    [ -n "$z2" ]
    [ "$z2" -lt 17 ]
}

@test "plan --from a CIB without stores plans afresh" {
    # 3-slot stores in 3 zones: this re-plan once divided by zero
    { echo "replicas 2"
      for i in $(seq -w 1 12); do echo "machine m$i slots=40 zone=z$((10#$i % 3))"; done
    } > "$TMP/twelve.topo"
    echo '<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>' > "$TMP/empty.xml"
    run "$SLOTSTORE" plan --from "$TMP/empty.xml" "$TMP/twelve.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"new stores: 160"* ]]
    from=$(echo "$output" | sed -n '/^STORE/,/^$/p')
    run "$SLOTSTORE" plan "$TMP/twelve.topo"
    [ "$status" -eq 0 ]
    [ "$from" = "$(echo "$output" | sed -n '/^STORE/,/^$/p')" ]
}

@test "plan --from: a large machine added to tight zones gives a fresh plan matched to the old stores, said so" {
    printf 'replicas 1\nstores 11\n' > "$TMP/old.topo"
    for m in m1:4:z3 m2:4:z1 m3:3:z2 m4:3:z1 m5:3:z2 m6:4:z3 m7:3:z1; do
        IFS=: read -r name slots zone <<< "$m"
        echo "machine $name slots=$slots zone=$zone" >> "$TMP/old.topo"
    done
    "$SLOTSTORE" cib "$TMP/old.topo" --output "$TMP/old.xml"
    cp "$TMP/old.topo" "$TMP/new.topo"
    echo "machine m8 slots=14 zone=z1" >> "$TMP/new.topo"
    run "$SLOTSTORE" plan --from "$TMP/old.xml" "$TMP/new.topo"
    [ "$status" -eq 0 ]
    [[ "$output" == *"a fresh plan: keeping the stores' copies could not meet"* ]]
    run "$SLOTSTORE" plan --from "$TMP/old.xml" "$TMP/new.topo" --output-as=xml
    [[ "$output" == *'fresh-matched="true"'* ]]
    # the old stores keep their names: store001..store011, none new
    [ "$(echo "$output" | grep -c '<store name="store0[01][0-9]"')" -eq 11 ]
}

@test "plan --from: a shrunk machine's copies in its removed slots move" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    sed -e 's/^machine imap01 slots=4/machine imap01 slots=2/' \
        -e 's/^machine imap02 slots=4/machine imap02 slots=6/' "$DATA/four.topo" > "$TMP/resized.topo"
    run "$SLOTSTORE" plan "$TMP/resized.topo" --from "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    # imap01 held slots 1-4; slots 3 and 4 are gone (the bound: 2).  One of
    # those stores has its other copy on imap02, the only machine with room,
    # so it goes to a full machine that hands one copy to imap02: 3 is least
    moves=$(echo "$output" | sed -n 's/^  slot moves: \([0-9]*\) (lower bound 2, budget [0-9]* = 1.25x .*$/\1/p')
    [ -n "$moves" ]
    [ "$moves" -ge 2 ]
    [ "$moves" -le 3 ]
    # no store keeps a slot imap01 no longer has, and imap02 uses its new ones
    stores=$(echo "$output" | sed -n '/^STORE  *SLOTS/,/^Balance/p')
    [[ ! "$stores" =~ imap01:[3-9] ]]
    echo "$stores" | grep -qE 'imap02:[56]'
    # the moves list says so: the copies in imap01's slots 3 and 4 leave
    echo "$output" | grep -qE '^store[0-9]+ +copy imap01:3 -> '
    echo "$output" | grep -qE '^store[0-9]+ +copy imap01:4 -> '
}

@test "simulate: Pacemaker follows the plan; a tampered preference is caught (exit 4)" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/cib.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"worst single failure: 3 masters"*"(bound 3)"* ]]
    # make imap02 the preferred master of store001 behind the plan's back
    sed -i 's|id="slotstore-pref-store001-\([a-z0-9]*\)" rsc="store001" role="Promoted" node="\([a-z0-9]*\)" score="10"|id="slotstore-pref-store001-\1" rsc="store001" role="Promoted" node="\2" score="500"|' "$TMP/cib.xml"
    grep -q 'score="500"' "$TMP/cib.xml"
    run "$SLOTSTORE" simulate --cib "$TMP/cib.xml"
    [ "$status" -eq 4 ]
    [[ "$output" == *"store001"* ]]
    run "$SLOTSTORE" simulate --cib "$TMP/missing.xml"
    [ "$status" -eq 2 ]
}

@test "marks: lists the agents' outdated marks, clears only leftovers, --all needs --yes" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    export CIB_file=$TMP/cib.xml
    first=$("$SLOTSTORE" plan "$DATA/four.topo" --output-as=xml |
            xmllint --xpath "string(//store[@name='store001']/slot[@position='0']/@machine)" -)
    other=$(for m in imap01 imap02 imap03 imap04; do
                "$SLOTSTORE" plan "$DATA/four.topo" | grep -q "^store001 .*$m:" || echo $m
            done | head -1)
    crm_attribute -N "$first" -n slotstore-outdated-store001 -l forever -v 1
    crm_attribute -N "$other" -n slotstore-outdated-store001 -l forever -v 1
    crm_attribute -N imap02 -n slotstore-outdated-gone -l forever -v 1
    run "$SLOTSTORE" marks
    [ "$status" -eq 4 ]
    [ "$(echo "$output" | grep -c ' yes ')" -eq 2 ]
    run "$SLOTSTORE" marks --all --clear
    [ "$status" -eq 2 ]
    run "$SLOTSTORE" marks --clear
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 2 marks"* ]]
    # the real mark stays: that slot may be stale
    run "$SLOTSTORE" marks --output-as=xml
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | xmllint --xpath 'count(//mark)' -)" -eq 1 ]
    crm_attribute -N "$first" -n slotstore-outdated-store001 -l forever -G
    run "$SLOTSTORE" marks --clear --all --yes
    [ "$status" -eq 0 ]
    run crm_attribute -N "$first" -n slotstore-outdated-store001 -l forever -G
    [ "$status" -ne 0 ]
}

@test "marks --clear: a mark an agent writes while marks writes stays; the listed ones go in one patch" {
    "$SLOTSTORE" cib "$DATA/four.topo" > "$TMP/cib.xml"
    export CIB_file=$TMP/cib.xml
    crm_attribute -N imap02 -n slotstore-outdated-gone -l forever -v 1
    crm_attribute -N imap03 -n slotstore-outdated-store001 -l forever -v 1
    crm_attribute -N imap03 -n operator-note -l forever -v keep
    run env SLOTSTORE_TEST_HOOK_BEFORE_PATCH="crm_attribute -N imap04 -n slotstore-outdated-store002 -l forever -v 1" \
        "$SLOTSTORE" marks --clear --all --yes
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 2 marks"* ]]
    # written after the listing: it may protect a stale slot, so it stays
    [ "$(crm_attribute -N imap04 -n slotstore-outdated-store002 -l forever -G -q)" = 1 ]
    run crm_attribute -N imap02 -n slotstore-outdated-gone -l forever -G
    [ "$status" -ne 0 ]
    run crm_attribute -N imap03 -n slotstore-outdated-store001 -l forever -G
    [ "$status" -ne 0 ]
    [ "$(crm_attribute -N imap03 -n operator-note -l forever -G -q)" = keep ]
}
