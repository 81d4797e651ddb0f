#!/usr/bin/env bats
# End to end: a real 4-machine Corosync + Pacemaker cluster (tests/lab/lab) with real
# fencing, 8 stores of real Cyrus slots applied by slotstore from tests/data/lab.topo, mail
# delivered over LMTP from the lab's client address. One cluster serves the tests in order;
# each test leaves every machine up and every store on its planned master (restore_plan,
# itself asserted), and teardown_file always runs `lab down`.

export LAB_DIR=/run/slotstore-lab-e2e
export LAB_PREFIX=sslabe-
TOPO="$BATS_TEST_DIRNAME/../data/lab.topo"

load ../lab/e2e

setup_file() {
    lab_file_setup 4
}

teardown_file() { lab_file_teardown; }

setup() {
    export E2E_CIB="$BATS_FILE_TMPDIR/cib.xml"
    unset E2E_AVOID
}

teardown() { lab_test_teardown; }

@test "e2e 1: apply a plan -> every store promoted where the plan says, no failed actions" {
    local t0; t0="$(e2e_now)"
    run on_live "$SLOTSTORE" apply "$TOPO"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"applied 8 stores"* ]]
    e2e_save_cib
    [ "$(plan_masters | wc -l)" -eq 8 ]
    wait_for 90 as_planned
    wait_for 60 all_in_sync
    echo "# 8 stores promoted as planned and in sync $(e2e_since "$t0") s after apply" >&3
    no_failed_actions
    # Pacemaker's own scheduler, on the live CIB, does what the plan says
    run on_live "$SLOTSTORE" simulate
    echo "$output"
    [ "$status" -eq 0 ]
    # every store takes mail on its master and shows it over IMAP
    start_load "$BATS_FILE_TMPDIR/load-1" 10
    sleep 2
    stop_load "$BATS_FILE_TMPDIR/load-1"
    run check_mail "$BATS_FILE_TMPDIR/load-1"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | awk 'NR > 1 && $3 > 0' | wc -l)" -eq 8 ]
    # slotstore status's balance now, from the agents' live scores, is the plan's
    wait_for 60 all_in_sync
    on_live "$SLOTSTORE" status --output-as=xml >"$BATS_FILE_TMPDIR/status.xml"
    "$SLOTSTORE" plan "$TOPO" --output-as=xml >"$BATS_FILE_TMPDIR/plan.xml"
    local m
    for m in $("$LAB" nodes); do
        [ "$(xmllint --xpath "string(//if-failed[@machine='$m']/@busiest-masters)" "$BATS_FILE_TMPDIR/status.xml")" = \
          "$(xmllint --xpath "string(//single-failure[@failed='$m']/@busiest-masters)" "$BATS_FILE_TMPDIR/plan.xml")" ]
        [ "$(xmllint --xpath "string(//if-failed[@machine='$m']/@not-in-sync)" "$BATS_FILE_TMPDIR/status.xml")" -eq 0 ]
        [ "$(xmllint --xpath "string(//if-failed[@machine='$m']/@stranded)" "$BATS_FILE_TMPDIR/status.xml")" -eq 0 ]
    done
}

@test "e2e 2: hard kill of a machine -> its stores promoted where plan and simulate say, nothing else moves" {
    local victim=imap01 pair st m t0 others_before expected=()
    e2e_save_cib
    # slotstore simulate (crm_simulate on the live CIB) predicts the plan's failover targets
    run on_live "$SLOTSTORE" simulate --output-as=xml
    [ "$status" -eq 0 ]
    echo "$output" | grep -q "<failure failed=\"$victim\".* without-master=\"0\" lost=\"0\" off-plan=\"0\""
    while read -r st m; do expected+=("$st=$m"); done < <(e2e_cluster target "$E2E_CIB" "$victim")
    [ ${#expected[@]} -ge 2 ]
    others_before="$(masters_excluding "${expected[@]%=*}")"
    t0="$(e2e_now)"
    "$LAB" kill "$victim"
    wait_for 60 serving_on "${expected[@]}"
    echo "# hard kill of $victim: ${expected[*]} serving LMTP after $(e2e_since "$t0") s" >&3
    # no other store changed role
    [ "$(masters_excluding "${expected[@]%=*}")" = "$others_before" ]
    grep -q "fence request: off $victim -> rc 0" "$LAB_DIR/fence-helper.log"
    # the machine comes back with replicas only; slotstore rebalance moves its masters
    # back: exactly one move per store it lost, nothing else
    rejoin "$victim"
    [ -z "$(masters | grep " $victim$")" ]
    wait_for 90 all_in_sync
    run on_live "$SLOTSTORE" rebalance
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | awk '$1 ~ /^store/ && $3 == "'"$victim"'" && $5 == "agrees"' | wc -l)" -eq ${#expected[@]} ]
    [ "$(echo "$output" | awk '$1 ~ /^store/' | wc -l)" -eq ${#expected[@]} ]
    run on_live "$SLOTSTORE" rebalance --yes
    echo "$output"
    [ "$status" -eq 0 ]
    as_planned
    [ -z "$(cli_constraints)" ]
    no_failed_actions
}

@test "e2e 3: pcs resource move and crm_resource --move/--clear move a master; slotstore does not fight them" {
    local st m to others
    e2e_save_cib
    read -r st m < <(plan_masters | awk '$2 == "imap02"' | head -1)
    to="$(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { print $3 }')"
    others="$(masters | grep -v "^$st ")"
    wait_for 60 all_in_sync
    # pcs 0.11: adds a constraint, waits for the move, removes the constraint again
    run on_live pcs resource move "$st" "$to" --promoted
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(master_of "$st")" = "$to" ]
    [ -z "$(cli_constraints)" ]
    sleep 5   # the plan's preferences must not pull it back
    [ "$(master_of "$st")" = "$to" ]
    # slotstore status shows the manual move against the plan
    run on_live "$SLOTSTORE" status
    echo "$output"
    [ "$status" -eq 0 ]
    echo "$output" | grep -E "^$st +$to +$m .*moved"
    [[ "$output" == *"7 of 8 masters as planned"* ]]
    # crm_resource --move --promoted back while slotstore apply writes (a preference
    # edited by hand, order kept, gives it something to write): apply's patch is refused,
    # made again on the newer CIB, and the operator's cli-prefer stays
    wait_for 60 all_in_sync
    on_live cibadmin --modify -X "<rsc_location id=\"slotstore-pref-$st-$m\" score=\"19\"/>"
    run on_live env SLOTSTORE_TEST_HOOK_BEFORE_PATCH="crm_resource --move --promoted -r $st -N $m" \
        "$SLOTSTORE" apply "$TOPO"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"applied 8 stores"* ]]
    on_live cibadmin -Q -o constraints | grep "id=\"slotstore-pref-$st-$m\"" | grep -q 'score="20"'
    wait_for 60 eval '[ "$(master_of "$st")" = "$m" ]'
    [ -n "$(cli_constraints)" ]
    run on_live "$SLOTSTORE" status --output-as=xml
    [[ "$output" == *"<constraint id=\"cli-prefer-$st\""* ]]
    [[ "$output" == *"as-planned=\"8\""* ]]
    on_live crm_resource --clear -r "$st"
    [ -z "$(cli_constraints)" ]
    sleep 5
    [ "$(master_of "$st")" = "$m" ]
    [ "$(masters | grep -v "^$st ")" = "$others" ]
    no_failed_actions
}

@test "e2e 4: continuous LMTP delivery across a planned switchover and a hard kill + rejoin: nothing lost" {
    local d="$BATS_FILE_TMPDIR/load-4" st m to victim=imap04 expected=() t0
    e2e_save_cib
    read -r st m < <(plan_masters | awk '$2 == "imap03"' | head -1)
    to="$(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { print $3 }')"
    while read -r s2 m2; do expected+=("$s2=$m2"); done < <(e2e_cluster target "$E2E_CIB" "$victim")
    start_load "$d" 10
    sleep 2
    t0="$(e2e_now)"
    on_live crm_resource --move --promoted -r "$st" -N "$to"
    wait_for 60 serving_on "$st=$to"
    echo "# planned switchover of $st ($m -> $to) under load: $(e2e_since "$t0") s" >&3
    on_live crm_resource --clear -r "$st"
    sleep 1
    t0="$(e2e_now)"
    "$LAB" kill "$victim"
    wait_for 60 serving_on "${expected[@]}"
    echo "# hard kill of $victim under load: serving again after $(e2e_since "$t0") s" >&3
    sleep 2
    rejoin "$victim"
    wait_for 90 all_in_sync
    stop_load "$d"
    run check_mail "$d"
    echo "$output"
    echo "$output" | sed 's/^/# /' >&3
    [ "$status" -eq 0 ]
    restore_plan
}

@test "e2e 5: network cut of a machine with masters: fenced before its stores are promoted, never two masters" {
    local victim=imap02 st m probes=() new=() expected=() d="$BATS_FILE_TMPDIR/cut" t0 last_old first_new
    mkdir -p "$d"
    e2e_save_cib
    while read -r st m; do
        expected+=("$st=$m")
        probes+=("$(slot_addr "$st" "$victim")")
        new+=("$(slot_addr "$st" "$m")")
    done < <(e2e_cluster target "$E2E_CIB" "$victim")
    [ ${#expected[@]} -ge 2 ]
    # probe both sides: on the cut machine its own master slots, from the client the new
    # ones.  The probe user is new: Cyrus creates its mailbox on both sides of the cut, two
    # mailboxes of one name, which the rejoined slot's agent reconciles (every probe
    # accepted on either side must end up on the master)
    "$LAB" exec "$victim" python3 "$MAILPY" probe "${probes[@]}" --log "$d/old.log" --stop "$d/stop" &
    "$LAB" client python3 "$MAILPY" probe "${new[@]}" --log "$d/new.log" --stop "$d/stop" &
    wait_for 10 test -s "$d/old.log"
    export E2E_AVOID="$victim"
    t0="$(e2e_now)"
    "$LAB" cut "$victim"
    wait_for 60 serving_on "${expected[@]}"
    echo "# cut of $victim: fenced and stores serving elsewhere after $(e2e_since "$t0") s" >&3
    wait_for 10 test -s "$d/new.log"
    touch "$d/stop"
    wait
    grep -q "fence request: off $victim -> rc 0" "$LAB_DIR/fence-helper.log"
    # the last delivery the cut-off side accepted came before the first on the new side
    last_old="$(awk '{ print $2 }' "$d/old.log" | sort -n | tail -1)"
    first_new="$(awk '{ print $2 }' "$d/new.log" | sort -n | head -1)"
    echo "# last accept on the cut side $last_old ($(awk -v a="$last_old" -v t="$t0" 'BEGIN { printf "%.1f", a - t }') s after the cut), first on the new masters $first_new" >&3
    awk -v a="$last_old" -v b="$first_new" 'BEGIN { exit !(a < b) }'
    "$LAB" heal "$victim"
    unset E2E_AVOID
    rejoin "$victim"
    restore_plan
    run "$LAB" client python3 "$MAILPY" probecheck "$E2E_CIB" "$d/old.log" "$d/new.log"
    echo "$output"
    echo "$output" | sed 's/^/# /' >&3
    [ "$status" -eq 0 ]
}

@test "e2e 6: replication broken -> replica outdated; master dies -> stale replica not promoted; data back -> recovers" {
    local st m r raddr d="$BATS_FILE_TMPDIR/load-6" t0
    e2e_save_cib
    read -r st m < <(plan_masters | awk '$2 == "imap03"' | tail -1)
    r="$(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { print $3 }')"
    raddr="$(slot_addr "$st" "$r")"
    wait_for 60 all_in_sync
    # the master can no longer reach its replica's slot (corosync is not affected)
    ip -n "${LAB_PREFIX}$m" route add blackhole "$raddr/32"
    start_load "$d" 10
    wait_for 60 eval '[ "$(outdated_mark "$st" "$r")" = 1 ]'
    sleep 1
    stop_load "$d"
    "$LAB" kill "$m"
    # the other stores of the dead machine recover; this one must not be promoted on $r
    local others=()
    while read -r s2 m2; do [ "$s2" = "$st" ] || others+=("$s2=$m2"); done < <(e2e_cluster target "$E2E_CIB" "$m")
    wait_for 60 serving_on "${others[@]}"
    grep -q "fence request: off $m -> rc 0" "$LAB_DIR/fence-helper.log"
    sleep 5
    [ -z "$(master_of "$st")" ]
    # the data comes back: the route is fixed and the dead master's machine restarts
    ip -n "${LAB_PREFIX}$m" route del blackhole "$raddr/32"
    t0="$(e2e_now)"
    rejoin "$m"
    wait_for 60 serving_on "$st=$m"
    echo "# $st back on $m (the only fresh copy) $(e2e_since "$t0") s after its restart" >&3
    wait_for 60 eval '[ -z "$(outdated_mark "$st" "$r")" ]'
    run check_mail "$d"
    echo "$output"
    [ "$status" -eq 0 ]
    restore_plan
    [ -z "$(on_live crm_attribute --query -n "slotstore-outdated-$st" -l forever -N "$r" -q 2>/dev/null)" ]
}

@test "e2e 7: a machine rejoins after a crash: no promotion there before catch-up, failback by the operator loses nothing" {
    local victim=imap04 d="$BATS_FILE_TMPDIR/load-7" expected=() st m
    e2e_save_cib
    while read -r st m; do expected+=("$st=$m"); done < <(e2e_cluster target "$E2E_CIB" "$victim")
    start_load "$d" 10
    sleep 1
    "$LAB" kill "$victim"
    wait_for 60 serving_on "${expected[@]}"
    sleep 3   # mail the crashed machine has not got
    "$LAB" start "$victim" >/dev/null
    # until its slots are in sync, the machine is never promoted (sampled all along)
    local t0=$SECONDS
    until all_in_sync; do
        [ -z "$(masters | grep " $victim$")" ]
        [ $((SECONDS - t0)) -lt 120 ]
        sleep 0.3
    done
    echo "# $victim rejoined and caught up in $((SECONDS - t0)) s, no master on it meanwhile" >&3
    [ -z "$(masters | grep " $victim$")" ]
    restore_plan
    stop_load "$d"
    run check_mail "$d"
    echo "$output"
    [ "$status" -eq 0 ]
    no_failed_actions
}
