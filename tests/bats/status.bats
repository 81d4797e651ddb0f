#!/usr/bin/env bats
# slotstore status: masters now against the plan, slot states, manual
# constraints and outdated marks, on CIB files that crm_simulate brought to a
# steady state (no cluster needed).

load offline

setup() {
    offline_setup
}

teardown() {
    offline_teardown
}

# settle IN OUT: let Pacemaker act on a changed CIB
settle() {
    crm_simulate -x "$1" -S -O "$2" >/dev/null 2>&1
}

# row STORE: that store's line of the text output in $output
row() {
    echo "$output" | awk -v s="$1" '$1 == s'
}

# machine_row MACHINE: its line of the machine table in $output
machine_row() {
    echo "$output" | sed -n '/^MACHINE /,/^$/p' | awk -v m="$1" '$1 == m'
}

# status [FILE] [options]: slotstore status on FILE (default $TMP/live.xml)
status_of() {
    local file=$1
    shift
    run env CIB_file="$file" "$SLOTSTORE" status "$@"
}

@test "status --help, and status is listed in slotstore --help" {
    run "$SLOTSTORE" status --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: slotstore status"* ]]
    [[ "$output" == *"Exit codes"* ]]
    run "$SLOTSTORE" --help
    [[ "$output" == *"  status "* ]]
}

@test "steady state: every store on its planned master, no moves, constraints or marks" {
    steady
    status_of "$TMP/live.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"4 of 4 machines online, 8 stores, 8 of 8 masters as planned"* ]]
    for s in store001 store002 store003 store004 store005 store006 store007 store008; do
        want=$(planned $s 0)
        [ -n "$want" ]
        [ "$(row $s | awk '{print $2, $3}')" = "$want $want" ] ||
            { echo "$s: $(row $s), plan $want"; false; }
    done
    [[ "$output" != *"moved"* ]]
    # every machine: online, 2 masters now and planned, 2 replicas, nothing outdated
    [ "$(echo "$output" | grep -cE '^imap0[1-4] +online +2 +2 +2 +0$')" -eq 4 ]
    [[ "$output" == *"Manual constraints (cli-*): none"* ]]
    [[ "$output" == *"Outdated marks: none"* ]]
}

@test "a manual move: the store is shown moved, on the new machine, with its cli- constraint" {
    steady
    to=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store001 -N "$to" >/dev/null 2>&1
    settle "$TMP/live.xml" "$TMP/live2.xml"
    status_of "$TMP/live2.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"7 of 8 masters as planned"* ]]
    [ "$(row store001 | awk '{print $2, $3}')" = "$to $(planned store001 0)" ]
    [[ "$(row store001)" == *"  moved" ]]
    [ "$(echo "$output" | grep -c ' moved$')" -eq 1 ]
    [[ "$output" == *"cli-prefer-store001"*"rsc store001 role Promoted node $to score INFINITY"* ]]
    # the machine table counts the extra master where it runs now
    [ "$(machine_row "$to" | awk '{print $3, $4}')" = "3 2" ]
}

@test "outdated marks: listed, and a marked slot is outdated" {
    steady
    replica=$(planned store003 1)
    CIB_file=$TMP/live.xml crm_attribute -N imap02 -n slotstore-outdated-store002 -l forever -v 1
    CIB_file=$TMP/live.xml crm_attribute -N "$replica" -n slotstore-outdated-store003 -l forever -v 1
    status_of "$TMP/live.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Outdated marks:"*"store002 on imap02"* ]]
    [[ "$output" == *"store003 on $replica"* ]]
    [[ "$(row store003)" == *"$replica outdated"* ]]
    [ "$(machine_row "$replica" | awk '{print $6}')" -eq 1 ]
    # store002 has no slot on imap02 in this plan: a leftover
    if [ "$(planned store002 0)" != imap02 ] && [ "$(planned store002 1)" != imap02 ]; then
        [[ "$output" == *"store002 on imap02  leftover"* ]]
    fi
}

@test "promotion scores and lag give the slots' states" {
    steady
    r3=$(planned store003 1) r4=$(planned store004 1) r5=$(planned store005 1)
    export CIB_file=$TMP/live.xml
    crm_attribute -N "$r3" -p store003-cyrus -v 1000
    crm_attribute -N "$r3" -n slotstore-lag-store003 -l reboot -v 7
    crm_attribute -N "$r4" -p store004-cyrus -v 1
    crm_attribute -N "$r5" -p store005-cyrus -v -INFINITY
    unset CIB_file
    status_of "$TMP/live.xml"
    [ "$status" -eq 0 ]
    [[ "$(row store003)" == *"$r3 in sync (lag 7s)"* ]]
    [[ "$(row store004)" == *"$r4 catching up"* ]]
    [[ "$(row store005)" == *"$r5 outdated"* ]]
    [[ "$(row store006)" == *"$(planned store006 1) unknown"* ]]
    status_of "$TMP/live.xml" --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" > "$TMP/status.xml"
    [ "$(xmllint --xpath "string(//store[@name='store003']/slot[@machine='$r3']/@score)" "$TMP/status.xml")" = 1000 ]
    [ "$(xmllint --xpath "string(//store[@name='store003']/slot[@machine='$r3']/@lag)" "$TMP/status.xml")" = 7 ]
    [ "$(xmllint --xpath "string(//store[@name='store005']/slot[@machine='$r5']/@state)" "$TMP/status.xml")" = outdated ]
    [ "$(xmllint --xpath "string(//store[@name='store005']/slot[@machine='$r5']/@score)" "$TMP/status.xml")" = -INFINITY ]
}

@test "a machine down: offline, its slots stopped, its masters moved to their replicas" {
    steady
    crm_simulate -x "$TMP/live.xml" -S -d imap04 -O "$TMP/down.xml" >/dev/null 2>&1
    status_of "$TMP/down.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 of 4 machines online"* ]]
    [[ "$output" == *"6 of 8 masters as planned"* ]]
    echo "$output" | grep -qE '^imap04 +offline +0 +2 +0 +0$'
    [ "$(echo "$output" | grep -c 'imap04 stopped')" -eq 4 ]
    # the balance now is over the 3 survivors, and only they have a failure row
    [[ "$output" == *"masters per machine (fair 2.7 over 3 machines)"* ]]
    [ "$(echo "$output" | sed -n '/If one failed now/,/Worst/p' | grep -c '^  imap0')" -eq 3 ]
    ! echo "$output" | sed -n '/If one failed now/,/Worst/p' | grep -q '^  imap04'
}

@test "--output-as=xml is well-formed and has the moved store" {
    steady
    to=$(planned store001 1)
    CIB_file=$TMP/live.xml crm_resource --move --promoted -r store001 -N "$to" >/dev/null 2>&1
    settle "$TMP/live.xml" "$TMP/live2.xml"
    CIB_file=$TMP/live2.xml "$SLOTSTORE" status --output-as=xml > "$TMP/status.xml"
    xmllint --noout "$TMP/status.xml"
    x() { xmllint --xpath "$1" "$TMP/status.xml"; }
    [ "$(x 'string(/slotstore-result/@request)')" = status ]
    [ "$(x 'string(/slotstore-result/status/@as-planned)')" -eq 7 ]
    [ "$(x 'string(/slotstore-result/status/@stores)')" -eq 8 ]
    [ "$(x 'count(//status/machine[@state="online"])')" -eq 4 ]
    [ "$(x 'count(//store[@moved="true"])')" -eq 1 ]
    [ "$(x 'string(//store[@moved="true"]/@name)')" = store001 ]
    [ "$(x "string(//store[@name='store001']/@master)")" = "$to" ]
    [ "$(x "string(//store[@name='store001']/slot[@role='Promoted']/@machine)")" = "$to" ]
    [ "$(x 'string(//constraint/@id)')" = cli-prefer-store001 ]
    [ "$(x 'string(//constraint/@node)')" = "$to" ]
}

@test "bad usage exits 2" {
    run "$SLOTSTORE" status --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == "slotstore: status: unexpected argument '--bogus'"* ]]
    run "$SLOTSTORE" status --output-as=json
    [ "$status" -eq 2 ]
    [[ "$output" == "slotstore: status: bad output format"* ]]
}

@test "an unreadable CIB_file exits 1 and says why" {
    status_of "$TMP/missing.xml"
    [ "$status" -eq 1 ]
    [[ "$output" == "slotstore: status: cannot read CIB_file=$TMP/missing.xml (No such file or directory)"* ]]
    echo 'not xml' > "$TMP/junk.xml"
    status_of "$TMP/junk.xml"
    [ "$status" -eq 1 ]
    [[ "$output" == "slotstore: status: CIB_file=$TMP/junk.xml is not a CIB"* ]]
}

@test "crm_mon failing or printing no cluster state exits 1 and names crm_mon" {
    steady
    mkdir "$TMP/bin"
    # what crm_mon says when it cannot connect: exit 102
    printf '#!/bin/sh\necho "<pacemaker-result><status code=\\"102\\" message=\\"Not connected\\"><errors><error>crm_mon: Connection to cluster failed</error></errors></status></pacemaker-result>"\nexit 102\n' > "$TMP/bin/crm_mon"
    chmod +x "$TMP/bin/crm_mon"
    run env PATH="$TMP/bin:$PATH" CIB_file="$TMP/live.xml" "$SLOTSTORE" status
    [ "$status" -eq 1 ]
    [[ "$output" == "slotstore: status: crm_mon failed with exit code 102 (crm_mon: Connection to cluster failed)"* ]]
    # exit 0 without <nodes> (as with an unusable CIB_file)
    printf '#!/bin/sh\necho "<pacemaker-result><status code=\\"0\\" message=\\"OK\\"><errors><error>Could not connect to the CIB</error></errors></status></pacemaker-result>"\n' > "$TMP/bin/crm_mon"
    run env PATH="$TMP/bin:$PATH" CIB_file="$TMP/live.xml" "$SLOTSTORE" status
    [ "$status" -eq 1 ]
    [[ "$output" == *"crm_mon could not read the cluster state (Could not connect to the CIB)"* ]]
}

@test "balance now: steady state agrees with the plan's single-failure figures" {
    steady
    status_of "$TMP/live.xml"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Balance now: 2..2 masters per machine (fair 2.0 over 4 machines)"* ]]
    [[ "$output" == *"Worst: "*"0 stores without a promotable replica"* ]]
    status_of "$TMP/live.xml" --output-as=xml
    echo "$output" > "$TMP/status.xml"
    x() { xmllint --xpath "$1" "$TMP/status.xml"; }
    p() { xmllint --xpath "$1" "$TMP/plan.xml"; }
    [ "$(x 'count(//balance/if-failed)')" -eq 4 ]
    [ "$(x 'count(//balance/if-failed[@worst="true"])')" -eq 1 ]
    # the live computation (agents' scores, roles) and lib/balance.c (the plan) agree
    for m in imap01 imap02 imap03 imap04; do
        [ "$(x "string(//if-failed[@machine='$m']/@busiest-masters)")" = \
          "$(p "string(//single-failure[@failed='$m']/@busiest-masters)")" ]
        [ "$(x "string(//if-failed[@machine='$m']/@targets)")" = \
          "$(p "string(//single-failure[@failed='$m']/@receivers)")" ]
        [ "$(x "string(//if-failed[@machine='$m']/@stranded)")" -eq 0 ]
    done
}

@test "balance now: an in-sync replica is preferred, an outdated one strands its store" {
    steady
    m5=$(planned store005 0) r5=$(planned store005 1)
    export CIB_file=$TMP/live.xml
    crm_attribute -N "$r5" -p store005-cyrus -v -INFINITY
    unset CIB_file
    status_of "$TMP/live.xml" --output-as=xml
    echo "$output" > "$TMP/status.xml"
    x() { xmllint --xpath "$1" "$TMP/status.xml"; }
    [ "$(x "string(//if-failed[@machine='$m5']/@stranded)")" -eq 1 ]
    [ "$(x "string(//if-failed[@worst='true']/@machine)")" = "$m5" ]
    status_of "$TMP/live.xml"
    [[ "$output" == *"Worst: $m5: "*"1 store without a promotable replica"* ]]
    # every other replica of m5's masters in sync: none of them counts as not in sync
    export CIB_file=$TMP/live.xml
    for st in $(xmllint --xpath "//store[@master='$m5']/@name" "$TMP/status.xml" | sed 's/ name="\([^"]*\)"/\1 /g'); do
        [ "$st" = store005 ] || crm_attribute -N "$(planned "$st" 1)" -p "$st-cyrus" -v 1000
    done
    unset CIB_file
    status_of "$TMP/live.xml" --output-as=xml
    echo "$output" > "$TMP/status.xml"
    [ "$(x "string(//if-failed[@machine='$m5']/@not-in-sync)")" -eq 0 ]
}
