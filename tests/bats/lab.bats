#!/usr/bin/env bats
# The namespace lab (tests/lab/lab): a real 3-node Corosync + Pacemaker cluster with real
# fencing. One lab serves the tests in order; teardown_file always runs `lab down`.
# Measured here (Debian 12, 2 cores): up 3 nodes ≈ 5.0 s; hard kill of the promoted node →
# fenced + promoted on a survivor ≈ 1.7–5 s; network cut → fenced ≈ 5 s; whole file ≈ 60 s.

export LAB_DIR=/run/slotstore-lab-bats
export LAB_PREFIX=sslabt-
NODES=(imap01 imap02 imap03)

# LAB, wait_for, on_live, e2e_now, e2e_since
load ../lab/e2e

setup_file() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    unshare --net --pid --mount --uts --ipc --fork true 2>/dev/null || skip "no namespaces here"
    "$LAB" down >/dev/null 2>&1 || true
    # remember whether the host had the fence agent path before, to check we leave it as found
    if [ -e /usr/sbin/fence_slotstore_lab ]; then echo yes; else echo no; fi >"$BATS_FILE_TMPDIR/had-fence"
}

teardown_file() { "$LAB" down >/dev/null 2>&1 || true; }

# On failure, show what the nodes said.
teardown() {
    if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
        local n
        for n in "${NODES[@]}"; do LAB_LOG_LINES=15 "$LAB" logs "$n" 2>/dev/null || true; done
        echo "== fence-helper.log"; cat "$LAB_DIR/fence-helper.log" 2>/dev/null || true
    fi
}

promoted_node() { on_live crm_resource -W -r st-clone 2>/dev/null | awk '/ Promoted$/ { print $(NF-1) }'; }
promoted_on_other_than() { local p; p="$(promoted_node)"; [ -n "$p" ] && [ "$p" != "$1" ]; }
promoted_anywhere() { [ -n "$(promoted_node)" ]; }
# successful fence requests ACTION NODE answered by the host helper so far
fence_count() { grep -c "fence request: $1 $2 -> rc 0" "$LAB_DIR/fence-helper.log" || true; }
fenced_more_than() { [ "$(fence_count "$1" "$2")" -gt "$3" ]; }
node_offline() { on_live crm_mon -1 | grep -q "OFFLINE: \[.*$1"; }

@test "lab: refuses an unknown subcommand with exit 2" {
    run "$LAB" frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown subcommand"* ]]
}

@test "lab: up 3 nodes -> all online with quorum and a DC within 60 s" {
    local t0=$SECONDS
    run "$LAB" up 3
    echo "$output"
    echo "# ${output##*$'\n'}" >&3
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 nodes online with quorum"* ]]
    [ $((SECONDS - t0)) -le 60 ]
    run "$LAB" status
    [[ "$output" == *"Online: [ imap01 imap02 imap03 ]"* ]]
    [[ "$output" == *"partition with quorum"* ]]
}

@test "lab: a promotable Stateful clone is promoted somewhere" {
    on_live cibadmin -C -o resources -X '<clone id="st-clone">
      <meta_attributes id="st-clone-meta"><nvpair id="st-clone-promotable" name="promotable" value="true"/></meta_attributes>
      <primitive id="st" class="ocf" provider="pacemaker" type="Stateful"><operations>
        <op id="st-mon-p" name="monitor" interval="3s" role="Promoted"/>
        <op id="st-mon-u" name="monitor" interval="4s" role="Unpromoted"/>
      </operations></primitive></clone>'
    wait_for 30 promoted_anywhere
    promoted_node >"$LAB_DIR/first-promoted"
}

@test "lab: hard kill of the promoted node -> fenced, clone promoted on a survivor; start brings it back" {
    local victim t0 before
    victim="$(promoted_node)"
    [ -n "$victim" ]
    before="$(fence_count off "$victim")"
    t0="$(e2e_now)"
    "$LAB" kill "$victim"
    wait_for 60 fenced_more_than off "$victim" "$before"
    wait_for 60 promoted_on_other_than "$victim"
    echo "# kill $victim -> fenced and promoted elsewhere in $(e2e_since "$t0") s" >&3
    wait_for 10 node_offline "$victim"
    "$LAB" start "$victim"
    "$LAB" wait-online 60
    run "$LAB" status
    [[ "$output" == *"Online: [ imap01 imap02 imap03 ]"* ]]
}

@test "lab: a node whose network is cut is fenced by the survivors; heal + start rejoins it" {
    local victim=imap02 t0 before
    before="$(fence_count off "$victim")"
    t0="$(e2e_now)"
    "$LAB" cut "$victim"
    wait_for 60 fenced_more_than off "$victim" "$before"
    echo "# cut $victim -> fenced in $(e2e_since "$t0") s" >&3
    wait_for 10 node_offline "$victim"
    [ -z "$("$LAB" exec "$victim" true 2>/dev/null && echo alive)" ]
    "$LAB" heal "$victim"
    "$LAB" start "$victim"
    "$LAB" wait-online 60
    run "$LAB" status
    [[ "$output" == *"Online: [ imap01 imap02 imap03 ]"* ]]
    promoted_anywhere
}

@test "lab: orderly stop of a node -> offline without being fenced; start rejoins it" {
    local before
    before="$(grep -c 'fence request: off' "$LAB_DIR/fence-helper.log" || true)"
    "$LAB" stop imap03
    [ -z "$("$LAB" exec imap03 true 2>/dev/null && echo alive)" ]
    wait_for 10 node_offline imap03
    sleep 2   # give a wrong fencing decision time to show
    [ "$(grep -c 'fence request: off' "$LAB_DIR/fence-helper.log" || true)" -eq "$before" ]
    "$LAB" start imap03
    "$LAB" wait-online 60
    run "$LAB" status
    [[ "$output" == *"Online: [ imap01 imap02 imap03 ]"* ]]
}

# Every recorded PID, for checking after down.
recorded_pids() { cat "$LAB_DIR"/nodes/*/init.pid "$LAB_DIR"/nodes/*/launcher.pid "$LAB_DIR"/fence-helper.pid 2>/dev/null || true; }

pid_running() {
    local s
    s="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
    [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

assert_no_leftovers() {
    local p
    for p in "$@"; do
        if pid_running "$p"; then echo "PID $p still alive: $(tr '\0' ' ' <"/proc/$p/cmdline")"; return 1; fi
    done
    if ip netns list | grep -q "^$LAB_PREFIX"; then ip netns list; return 1; fi
    if grep -qE "$LAB_DIR|fence_slotstore_lab|resource.d/slotstore" /proc/self/mountinfo; then
        grep -E "$LAB_DIR|fence_slotstore_lab|resource.d/slotstore" /proc/self/mountinfo; return 1
    fi
    if [ "$(cat "$BATS_FILE_TMPDIR/had-fence")" = no ] && [ -e /usr/sbin/fence_slotstore_lab ]; then
        echo "placeholder /usr/sbin/fence_slotstore_lab left behind"; return 1
    fi
}

@test "lab: down leaves no namespace, PID or mount; up/down twice in a row works" {
    local pids round
    mapfile -t pids < <(recorded_pids)
    [ "${#pids[@]}" -ge 7 ]
    "$LAB" down
    assert_no_leftovers "${pids[@]}"
    "$LAB" down   # idempotent
    for round in 1 2; do
        run "$LAB" up 3
        echo "round $round: $output"
        [ "$status" -eq 0 ]
        mapfile -t pids < <(recorded_pids)
        "$LAB" down
        assert_no_leftovers "${pids[@]}"
    done
}
