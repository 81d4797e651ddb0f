#!/usr/bin/env bats
# slotstore drain / undrain, offline: --dry-run on CIB files that crm_simulate
# brought to a steady state, with the agents' promotion scores set by hand (no
# cluster needed; the live path is tested on the lab).

load offline

setup() {
    offline_setup
    # the dry run's private copies go here: they must be gone afterwards
    mkdir "$TMP/tmpdir"
    export TMPDIR=$TMP/tmpdir
    # never the live cluster (a lab may run on this machine): every command
    # that reaches for a cluster gets this missing file instead
    export CIB_file=$TMP/no-cluster.xml
}

teardown() {
    offline_teardown
}

# settle FILE: let Pacemaker act on a changed CIB (in place)
settle() {
    crm_simulate -x "$1" -S -O "$1.new" >/dev/null 2>&1
    mv "$1.new" "$1"
}

# on STORE ROLE [FILE]: the machines running STORE in ROLE
on() {
    CIB_file=${3:-$TMP/live.xml} crm_mon -1 --output-as=xml |
        xmllint --xpath "//clone[@id='$1']/resource[@role='$2']/node/@name" - 2>/dev/null |
        sed 's/ name="\([^"]*\)"/\1 /g' | xargs
}

# scores [FILE]: what the agents publish for what runs now: 1100 on masters,
# 1000 on replicas (in sync)
scores() {
    local file=${1:-$TMP/live.xml} s m
    for s in $(xmllint --xpath '//clone/@id' "$file" | sed 's/ id="\([^"]*\)"/\1 /g'); do
        [[ $s == store* ]] || continue
        for m in $(on "$s" Promoted "$file"); do
            CIB_file=$file crm_attribute -N "$m" -p "$s-cyrus" -v 1100
        done
        for m in $(on "$s" Unpromoted "$file"); do
            CIB_file=$file crm_attribute -N "$m" -p "$s-cyrus" -v 1000
        done
    done
}

# row STORE: that store's line of the text output in $output
row() {
    echo "$output" | awk -v s="$1" '$1 == s'
}

# dry VERB MACHINE [options]: a dry run on $TMP/live.xml, which must not change
dry() {
    cp "$TMP/live.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" "$@" --dry-run
    cmp "$TMP/live.xml" "$TMP/before.xml"
    [ -z "$(ls -A "$TMP/tmpdir")" ]
}

@test "drain/undrain --help, and both are listed in slotstore --help" {
    run "$SLOTSTORE" drain --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: slotstore drain MACHINE"* ]]
    [[ "$output" == *"--dry-run"* && "$output" == *"Exit codes"* ]]
    run "$SLOTSTORE" undrain --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: slotstore undrain MACHINE"* ]]
    [[ "$output" == *"--wait SECONDS"* ]]
    run "$SLOTSTORE" --help
    [[ "$output" == *"  drain MACHINE "* && "$output" == *"  undrain MACHINE "* ]]
}

@test "bad usage exits 2" {
    run "$SLOTSTORE" drain
    [ "$status" -eq 2 ]
    [[ "$output" == "slotstore: drain: which machine?"* ]]
    run "$SLOTSTORE" drain imap01 --parallel 0
    [ "$status" -eq 2 ]
    [[ "$output" == *"--parallel needs a number"* ]]
    run "$SLOTSTORE" drain imap01 --timeout=abc
    [ "$status" -eq 2 ]
    run "$SLOTSTORE" drain imap01 --wait 5
    [ "$status" -eq 2 ]
    [[ "$output" == *"unexpected argument '--wait'"* ]]
    run "$SLOTSTORE" undrain imap01 imap02
    [ "$status" -eq 2 ]
    run "$SLOTSTORE" drain imap01 --output-as=json
    [ "$status" -eq 2 ]
}

@test "an unknown machine exits 2 and lists the machines" {
    steady
    scores
    dry drain imap09
    [ "$status" -eq 2 ]
    [[ "$output" == "slotstore: drain: unknown machine 'imap09'; the machines are: imap01, imap02, imap03, imap04" ]]
    dry undrain nosuch
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown machine 'nosuch'"* ]]
}

@test "CIB_file without --dry-run exits 2: drain needs a live cluster" {
    steady
    scores
    cp "$TMP/live.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" drain imap01
    [ "$status" -eq 2 ]
    [[ "$output" == *"drain needs a live cluster; use --dry-run with CIB_file"* ]]
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" undrain imap01
    [ "$status" -eq 2 ]
    cmp "$TMP/live.xml" "$TMP/before.xml"
}

@test "drain --dry-run: each master of the machine to its next slot, Pacemaker agrees, file unchanged" {
    steady
    scores
    dry drain imap01
    [ "$status" -eq 0 ]
    [[ "$output" == *"drain imap01 (dry run"*"2 masters to move"* ]]
    n=0
    for s in store001 store002 store003 store004 store005 store006 store007 store008; do
        if [ "$(planned $s 0)" = imap01 ]; then
            to=$(planned $s 1)
            [ "$(row $s | awk '{print $2, $3, $4, $5}')" = "imap01 $to $to agrees" ] ||
                { echo "$s: $(row $s), want $to"; false; }
            n=$((n + 1))
        else
            [ -z "$(row $s)" ]
        fi
    done
    [ "$n" -eq 2 ]
    [[ "$output" == *"Pacemaker agrees"* ]]
}

@test "drain --dry-run --output-as=xml: the same facts" {
    steady
    scores
    dry drain imap02 --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" > "$TMP/out.xml"
    xmllint --noout "$TMP/out.xml"
    x() { xmllint --xpath "$1" "$TMP/out.xml"; }
    [ "$(x 'string(/slotstore-result/@request)')" = drain ]
    [ "$(x 'string(//drain/@machine)')" = imap02 ]
    [ "$(x 'string(//drain/@dry-run)')" = true ]
    [ "$(x 'string(//drain/@agrees)')" = true ]
    [ "$(x 'count(//drain/move)')" -eq 2 ]
    [ "$(x 'count(//drain/move[@agrees="true"])')" -eq 2 ]
    [ "$(x "string(//move[@store='store003']/@to)")" = "$(planned store003 1)" ]
    [ "$(x "string(//move[@store='store003']/@pacemaker)")" = "$(planned store003 1)" ]
}

@test "a replica not in sync, or outdated, is no target: refused, exit 3, naming the store" {
    steady
    scores
    r1=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -p store001-cyrus -v 1
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == "slotstore: drain: refused, nothing changed:"* ]]
    [[ "$output" == *"store001 (slots imap01 $r1) has no target: $r1 is catching up (promotion score 1)"* ]]
    [[ "$output" != *store002* ]]
    # the agent's -INFINITY: outdated
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -p store001-cyrus -v -INFINITY
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"store001 "*"$r1 is outdated (promotion score -INFINITY)"* ]]
    # in sync again but marked outdated
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -p store001-cyrus -v 1000
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -n slotstore-outdated-store001 -l forever -v 1
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"store001 "*"$r1 is outdated (mark slotstore-outdated-store001)"* ]]
    [[ "$output" != *store002* ]]
    # and without the mark it goes
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -n slotstore-outdated-store001 -l forever -D
    dry drain imap01
    [ "$status" -eq 0 ]
}

@test "an operator's ban of the target: refused, saying how to clear it" {
    steady
    scores
    r1=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_resource --ban -r store001 -N "$r1" >/dev/null 2>&1
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"store001 "*"$r1 is banned by cli-ban-store001-on-$r1: crm_resource --clear -r store001 -N $r1"* ]]
}

@test "target in standby: 2-slot store refused" {
    steady
    r1=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_attribute -N "$r1" -n standby -v on
    settle "$TMP/live.xml"
    scores
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"store001 (slots imap01 $r1) has no target: $r1 is in standby: crm_attribute -N $r1 -n standby -v off"* ]]
}

@test "target in standby: a 3-slot store goes to the next machine in its order" {
    steady six-three.topo
    # the second machine of m1's first store
    s=$(xmllint --xpath 'string(//store[slot[@position="0" and @machine="m1"]][1]/@name)' "$TMP/plan.xml")
    x=$(planned "$s" 1)
    [ -n "$x" ]
    [ "$x" != m1 ]
    CIB_file=$TMP/live.xml crm_attribute -N "$x" -n standby -v on
    settle "$TMP/live.xml"
    scores
    dry drain m1 --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" > "$TMP/out.xml"
    [ "$(xmllint --xpath 'string(//drain/@agrees)' "$TMP/out.xml")" = true ]
    [ "$(xmllint --xpath "string(//move[@store='$s']/@to)" "$TMP/out.xml")" = "$(planned "$s" 2)" ]
    # every move: the first machine of the store's order other than m1 and x
    n=$(xmllint --xpath 'count(//drain/move)' "$TMP/out.xml")
    [ "$n" -ge 2 ]
    for i in $(seq 1 "$n"); do
        st=$(xmllint --xpath "string(//drain/move[$i]/@store)" "$TMP/out.xml")
        to=$(xmllint --xpath "string(//drain/move[$i]/@to)" "$TMP/out.xml")
        want=$(for p in 0 1 2; do planned "$st" $p; done | grep -vx -e m1 -e "$x" -e "" | head -1)
        [ "$to" = "$want" ] || { echo "$st: to $to, want $want"; false; }
    done
}

@test "a lock present: refused, exit 3, with the lock's value and how to remove it" {
    steady
    scores
    CIB_file=$TMP/live.xml cibadmin --create -o crm_config -X \
        '<cluster_property_set id="slotstore-maintenance-lock"><nvpair id="slotstore-maintenance-lock-op" name="slotstore-maintenance-lock" value="drain imap03 by otherhost pid 42 since 1700000000"/></cluster_property_set>'
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"another drain or undrain is running (lock slotstore-maintenance-lock): drain imap03 by otherhost pid 42 since 1700000000"* ]]
    [[ "$output" == *"cibadmin --delete -o crm_config -X '<cluster_property_set id=\"slotstore-maintenance-lock\"/>'"* ]]
    dry undrain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"another drain or undrain is running"* ]]
}

@test "no quorum: refused" {
    steady
    scores
    sed -i 's/have-quorum="1"/have-quorum="0"/' "$TMP/live.xml"
    grep -q 'have-quorum="0"' "$TMP/live.xml"
    dry drain imap01
    [ "$status" -eq 3 ]
    [[ "$output" == *"the cluster has no quorum"* ]]
}

@test "Pacemaker deciding otherwise (an operator's constraint): exit 4, DISAGREES" {
    steady
    scores
    r1=$(planned store001 1)
    CIB_file=$TMP/live.xml cibadmin --create -o constraints -X \
        "<rsc_location id=\"ops-no-master\" rsc=\"store001\" role=\"Promoted\" node=\"$r1\" score=\"-INFINITY\"/>"
    dry drain imap01
    [ "$status" -eq 4 ]
    [[ "$(row store001)" == *"DISAGREES: Pacemaker would promote it on imap01"* ]]
    [[ "$(row store002)" == *" agrees" ]]
    [[ "$output" == *"disagrees with the plan on 1 store"* ]]
}

@test "a machine without masters: nothing to drain, exit 0" {
    steady
    CIB_file=$TMP/live.xml crm_attribute -N imap04 -n standby -v on
    settle "$TMP/live.xml"
    scores
    [ -z "$(CIB_file=$TMP/live.xml crm_mon -1 --output-as=xml | xmllint --xpath '//resource[@role="Promoted"]/node[@name="imap04"]' - 2>/dev/null)" ]
    dry drain imap04
    [ "$status" -eq 0 ]
    [[ "$output" == "drain imap04: no masters run there: nothing to drain" ]]
}

# after a manual move of store001 to its replica, cleared as operators do,
# the running master keeps it there
moved_away() {
    steady
    scores
    away=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store001 -N "$away" >/dev/null 2>&1
    settle "$TMP/live.xml"
    scores
    CIB_file=$TMP/live.xml crm_resource --clear -r store001 >/dev/null 2>&1
    settle "$TMP/live.xml"
    [ "$(on store001 Promoted)" = "$away" ]
}

@test "undrain --dry-run: the store moved away goes back to its planned master" {
    moved_away
    dry undrain imap01
    [ "$status" -eq 0 ]
    [[ "$output" == *"undrain imap01 (dry run"*"1 master to move"* ]]
    [ "$(row store001 | awk '{print $2, $3, $4, $5}')" = "$away imap01 imap01 agrees" ]
    [ -z "$(row store002)" ]
    # the machine it went to has nothing to move back
    dry undrain "$away"
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to move back"* ]]
}

@test "undrain: a slot not in sync: --wait 1 expires, exit 3 naming the store, nothing moved" {
    moved_away
    CIB_file=$TMP/live.xml crm_attribute -N imap01 -p store001-cyrus -v 1
    start=$(date +%s%N)
    dry undrain imap01 --wait 1
    end=$(date +%s%N)
    [ "$status" -eq 3 ]
    [[ "$output" == "slotstore: undrain: refused, nothing moved: 1 of 1 slots on imap01 have not caught up within 1 s"* ]]
    [[ "$output" == *"store001: imap01 is catching up (promotion score 1)"* ]]
    [ $(((end - start) / 1000000)) -ge 1000 ]
    # in sync: it goes
    CIB_file=$TMP/live.xml crm_attribute -N imap01 -p store001-cyrus -v 1000
    dry undrain imap01 --wait 1
    [ "$status" -eq 0 ]
}

@test "undrain: a machine in standby is refused at once" {
    moved_away
    CIB_file=$TMP/live.xml crm_attribute -N imap01 -n standby -v on
    dry undrain imap01 --wait 30
    [ "$status" -eq 3 ]
    [[ "$output" == *"imap01 is in standby: take it out first (crm_attribute -N imap01 -n standby -v off)"* ]]
}

@test "rebalance: shows the one move that restores the plan, changes nothing without --yes" {
    moved_away
    cp "$TMP/live.xml" "$TMP/before.xml"
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" rebalance
    echo "$output"
    cmp "$TMP/live.xml" "$TMP/before.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1 master to move"* ]]
    [ "$(row store001 | awk '{print $2, $3, $4, $5}')" = "$away imap01 imap01 agrees" ]
    [ "$(echo "$output" | awk '$1 ~ /^store/' | wc -l)" -eq 1 ]
    [[ "$output" == *"slotstore rebalance --yes"* ]]
    # a planned master not in sync stays where it is, noted, not refused
    CIB_file=$TMP/live.xml crm_attribute -N imap01 -p store001-cyrus -v 1
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" rebalance
    [ "$status" -eq 0 ]
    [[ "$output" == *"store001 stays on $away for now"* ]]
    [[ "$output" == *"nothing to move"* ]]
    # on the plan already: nothing to do
    steady
    scores
    run env CIB_file="$TMP/live.xml" "$SLOTSTORE" rebalance
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to move"* ]]
    run "$SLOTSTORE" rebalance imap01
    [ "$status" -eq 2 ]
}
