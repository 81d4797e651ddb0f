#!/usr/bin/env bats
# Stores of three slots on a real 3-machine cluster (tests/data/lab3.topo): when the master
# dies, the freshest replica is promoted, not the plan's first failover target if that one
# is behind; nothing accepted is lost. teardown_file always runs `lab down`.

export LAB_DIR=/run/slotstore-lab-e2e3
export LAB_PREFIX=sslab3-
TOPO="$BATS_TEST_DIRNAME/../data/lab3.topo"

load ../lab/e2e

setup_file() {
    lab_file_setup 3
}

teardown_file() { lab_file_teardown; }

setup() { export E2E_CIB="$BATS_FILE_TMPDIR/cib.xml"; }

teardown() { lab_test_teardown; }

@test "e2e3: the master of a 3-slot store dies while its first failover target is behind: the freshest replica is promoted, nothing lost" {
    local st=store001 m first second d="$BATS_FILE_TMPDIR/load-1" t0
    run on_live "$SLOTSTORE" apply "$TOPO"
    [ "$status" -eq 0 ]
    e2e_save_cib
    # the zones went into the live CIB as node attributes Pacemaker's tools read
    [ "$(on_live crm_attribute -N imap01 -n slotstore-zone -l forever -G -q)" = a ]
    [ "$(on_live crm_attribute -N imap03 -n slotstore-zone -l forever -G -q)" = c ]
    wait_for 120 as_planned
    wait_for 60 all_in_sync
    # and simulate, on the live CIB, judges the failures by the zones
    run on_live "$SLOTSTORE" simulate
    [ "$status" -eq 0 ]
    [[ "$output" == *"from the live CIB: 3 machines in 3 zones (the bounds respect them), 3 stores"* ]]
    read -r m first second < <(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { print $2, $3, $4 }')
    # the master can no longer reach its first failover target (which stays promotable:
    # outdate_grace is 60 s here); the second one gets every write
    ip -n "${LAB_PREFIX}$m" route add blackhole "$(slot_addr "$st" "$first")/32"
    start_load "$d" 10
    sleep 4
    stop_load "$d"
    t0="$(e2e_now)"
    "$LAB" kill "$m"
    wait_for 90 eval '[ "$(master_of "$st")" = "$second" ]'
    echo "# $st promoted on $second (the freshest), not on $first (behind), $(e2e_since "$t0") s after the kill" >&3
    grep -q "refusing to promote: $second has received more" \
        "$LAB_DIR/nodes/$first/log-pacemaker/pacemaker.log"
    [ "$(master_of "$st")" = "$second" ]
    run check_mail "$d"
    echo "$output"
    echo "$output" | sed 's/^/# /' >&3
    [ "$status" -eq 0 ]
    # the one behind is brought up to date by the new master (sync_client -A): every
    # accepted message reaches its disk
    grep -q "$first is behind this slot" "$LAB_DIR/nodes/$second/log-pacemaker/pacemaker.log"
    wait_for 60 on_disk_all "$first" "$st" "$d/$st.log"
}

# on_disk_all MACHINE STORE LOG: every Message-ID the load logged is in the slot's spool
on_disk_all() {
    local have
    have="$(grep -rh '^Message-ID: <' "$LAB_DIR/nodes/$1/slots/$2/spool" 2>/dev/null |
        sed 's/^Message-ID: <\([^@]*\)@.*/\1/' | tr -d '\r' | sort -u)"
    [ -z "$(awk '{ print $1 }' "$3" | sort -u | comm -23 - <(echo "$have"))" ]
}
