#!/usr/bin/env bats
# slotstore cleanup: leftover cli-* constraints, outdated marks and
# slotstore-* constraints of an older topology, on CIB files that crm_simulate
# brought to a steady state (no cluster needed).

load offline

setup() {
    offline_setup
    # never the live cluster: anything that reaches for one gets this missing file
    export CIB_file=$TMP/no-cluster.xml
}

teardown() {
    offline_teardown
}

# a machine of the four without a slot of STORE
no_slot() {
    local m
    for m in imap01 imap02 imap03 imap04; do
        [ "$m" = "$(planned "$1" 0)" ] || [ "$m" = "$(planned "$1" 1)" ] || { echo "$m"; return; }
    done
}

# count XPATH [FILE]: how many elements of FILE (default $TMP/live.xml) match
count() {
    xmllint --xpath "count($1)" "${2:-$TMP/live.xml}"
}

# a drain's lock, as drain writes it
LOCK='<cluster_property_set id="slotstore-maintenance-lock"><nvpair id="slotstore-maintenance-lock-op" name="slotstore-maintenance-lock" value="drain imap03 by otherhost pid 42 since 1700000000"/></cluster_property_set>'

# Two leftovers: an operator's move of store001, a mark of store002 on a
# machine without its slot.
two_leftovers() {
    steady
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store001 -N "$(planned store001 1)" \
        >/dev/null 2>&1
    CIB_file=$TMP/live.xml crm_attribute -N "$(no_slot store002)" \
        -n slotstore-outdated-store002 -l forever -v 1
}

cleanup_of() {
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" cleanup "$@"
}

@test "cleanup --help, and cleanup is listed in slotstore --help" {
    run "$SLOTSTORE" cleanup --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: slotstore cleanup"* ]]
    [[ "$output" == *"Exit codes"* ]]
    run "$SLOTSTORE" --help
    [[ "$output" == *"  cleanup "* ]]
    run "$SLOTSTORE" cleanup --bogus
    [ "$status" -eq 2 ]
}

@test "steady state: nothing to clean up, exit 0" {
    steady
    cleanup_of
    [ "$status" -eq 0 ]
    [ "$output" = "nothing to clean up" ]
}

@test "a manual move: listed, exit 4, file unchanged; --yes removes only it; then nothing" {
    steady
    to=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store001 -N "$to" >/dev/null 2>&1
    [ "$(count "//rsc_location[@id='cli-prefer-store001']")" -eq 1 ]
    before=$(count "//constraints/rsc_location")
    cp "$TMP/live.xml" "$TMP/before.xml"
    cleanup_of
    [ "$status" -eq 4 ]
    [[ "$output" == *"cli-prefer-store001: pins store001's master to $to (left by crm_resource --move"* ]]
    [[ "$output" == *"never fail it back"* ]]
    [[ "$output" == *"1 leftover; run with --yes to remove them"* ]]
    cmp "$TMP/live.xml" "$TMP/before.xml"
    cleanup_of --yes
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 leftover"* ]]
    [ "$(count "//rsc_location[@id='cli-prefer-store001']")" -eq 0 ]
    [ "$(count "//constraints/rsc_location")" -eq $((before - 1)) ]
    cleanup_of
    [ "$status" -eq 0 ]
    [ "$output" = "nothing to clean up" ]
}

@test "a cli-ban on a store is listed; xml output says so too" {
    steady
    CIB_file=$TMP/live.xml crm_resource --ban --promoted -r store003 -N "$(planned store003 1)" \
        >/dev/null 2>&1
    id=cli-ban-store003-on-$(planned store003 1)
    cleanup_of
    [ "$status" -eq 4 ]
    [[ "$output" == *"$id: bans store003 (role Promoted) from $(planned store003 1); that slot cannot take over"* ]]
    cleanup_of --output-as=xml
    [ "$status" -eq 4 ]
    echo "$output" | xmllint --noout -
    [ "$(echo "$output" | xmllint --xpath "count(//finding[@what='$id'][@leftover='true'])" -)" -eq 1 ]
}

@test "a cli-prefer on a resource that is not a store is not touched" {
    steady
    CIB_file=$TMP/live.xml cibadmin --create -o resources -X \
        '<primitive id="other" class="ocf" provider="pacemaker" type="Dummy"/>'
    CIB_file=$TMP/live.xml crm_resource --move -r other -N imap02 >/dev/null 2>&1
    [ "$(count "//rsc_location[@id='cli-prefer-other']")" -eq 1 ]
    cleanup_of --yes
    [ "$status" -eq 0 ]
    [ "$output" = "nothing to clean up" ]
    [ "$(count "//rsc_location[@id='cli-prefer-other']")" -eq 1 ]
}

@test "an outdated mark on a node without the store's slot: leftover, removed with --yes" {
    steady
    m=$(no_slot store001)
    [ -n "$m" ]
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -n slotstore-outdated-store001 -l forever -v 1
    cleanup_of
    [ "$status" -eq 4 ]
    [[ "$output" == *"slotstore-outdated-store001 on $m: $m has no slot of store001"* ]]
    cleanup_of --yes
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 leftover"* ]]
    [ "$(count "//nodes//nvpair[@name='slotstore-outdated-store001']")" -eq 0 ]
}

@test "a mark on a replica at score 1 is kept; at score 1000 it is a leftover" {
    steady
    m=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -n slotstore-outdated-store001 -l forever -v 1
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -p store001-cyrus -v 1
    cleanup_of --yes
    [ "$status" -eq 0 ]
    [[ "$output" == *"slotstore-outdated-store001 on $m: kept: the replica is behind"* ]]
    [[ "$output" == *"nothing to clean up"* ]]
    [ "$(count "//nodes//nvpair[@name='slotstore-outdated-store001']")" -eq 1 ]
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -p store001-cyrus -v 1000
    cleanup_of
    [ "$status" -eq 4 ]
    [[ "$output" == *"slotstore-outdated-store001 on $m: store001's slot on $m is in sync now (score 1000)"* ]]
}

@test "a drain's lock: cli-* constraints in use, refused with exit 3, nothing changed" {
    two_leftovers
    CIB_file=$TMP/live.xml cibadmin --create -o crm_config -X "$LOCK"
    cp "$TMP/live.xml" "$TMP/before.xml"
    cleanup_of --yes
    [ "$status" -eq 3 ]
    [[ "$output" == *"cli-prefer-store001: in use, kept: a drain/undrain holds the lock (drain imap03 by otherhost"* ]]
    [[ "$output" == *"refused"*"nothing removed"* ]]
    cmp "$TMP/live.xml" "$TMP/before.xml"
}

@test "a slotstore-pref constraint naming a node outside the slots: listed and removed" {
    steady
    out=$(no_slot store001)
    id=slotstore-pref-store001-$(planned store001 1)
    [ "$(count "//rsc_location[@id='$id']")" -eq 1 ]
    sed -i "s/id=\"$id\" rsc=\"store001\" role=\"Promoted\" node=\"[a-z0-9]*\"/id=\"$id\" rsc=\"store001\" role=\"Promoted\" node=\"$out\"/" \
        "$TMP/live.xml"
    [ "$(count "//rsc_location[@id='$id'][@node='$out']")" -eq 1 ]
    before=$(count "//constraints/rsc_location")
    cleanup_of
    [ "$status" -eq 4 ]
    [[ "$output" == *"$id: names $out, which is not in store001's slots"*"older topology"* ]]
    cleanup_of --yes
    [ "$status" -eq 0 ]
    [ "$(count "//rsc_location[@id='$id']")" -eq 0 ]
    [ "$(count "//constraints/rsc_location")" -eq $((before - 1)) ]
}

# Two leftovers: store001's mark on an in-sync replica ($m), an operator's move
# of store002; then cleanup --yes ARGS while, between its read and its write
# (SLOTSTORE_TEST_HOOK_BEFORE_PATCH), the replica falls behind again.
falls_behind_during_cleanup() {
    steady
    m=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -n slotstore-outdated-store001 -l forever -v 1
    CIB_file=$TMP/live.xml crm_attribute -N "$m" -p store001-cyrus -v 1000
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store002 -N "$(planned store002 1)" \
        >/dev/null 2>&1
    run env CIB_file="$TMP/live.xml" \
        SLOTSTORE_TEST_HOOK_BEFORE_PATCH="crm_attribute -N $m -p store001-cyrus -v 1" \
        "$SLOTSTORE" cleanup --yes "$@"
}

# SLOTSTORE_TEST_HOOK_BEFORE_PATCH runs between cleanup's read and its write:
# the change it makes is what a cluster does meanwhile.
@test "a mark's slot falls behind while --yes writes: the mark stays, the other leftover goes" {
    falls_behind_during_cleanup --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" | xmllint --noout -
    x() { echo "$output" | xmllint --xpath "$1" -; }
    [ "$(x "count(//finding[@what='slotstore-outdated-store001 on $m'][@leftover='true'][@removed='false'])")" -eq 1 ]
    [ "$(x "count(//finding[@what='cli-prefer-store002'][@removed='true'])")" -eq 1 ]
    [ "$(x "string(//summary/@removed)")" = 1 ]
    [ "$(count "//nodes//nvpair[@name='slotstore-outdated-store001']")" -eq 1 ]
    [ "$(count "//rsc_location[@id='cli-prefer-store002']")" -eq 0 ]
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" cleanup
    [ "$status" -eq 0 ]
    [[ "$output" == *"slotstore-outdated-store001 on $m: kept: the replica is behind"* ]]
}

@test "text: removed 1 of 2 when the CIB changed meanwhile" {
    falls_behind_during_cleanup
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 of 2 leftovers: the CIB changed meanwhile"* ]]
}

@test "a drain takes the lock while --yes writes: refused with exit 3, nothing removed" {
    two_leftovers
    run env CIB_file="$TMP/live.xml" \
        SLOTSTORE_TEST_HOOK_BEFORE_PATCH="cibadmin --create -o crm_config -X '$LOCK'" \
        "$SLOTSTORE" cleanup --yes
    [ "$status" -eq 3 ]
    [[ "$output" == *"refused: a drain/undrain took the lock"*"nothing removed (2 leftovers)"* ]]
    [ "$(count "//rsc_location[@id='cli-prefer-store001']")" -eq 1 ]
    [ "$(count "//nodes//nvpair[@name='slotstore-outdated-store002']")" -eq 1 ]
    [ "$(count "//cluster_property_set[@id='slotstore-maintenance-lock']")" -eq 1 ]
}
