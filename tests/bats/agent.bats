#!/usr/bin/env bats
# ocf:slotstore:cyrus against real Cyrus slots (no cluster: CIB_file).

load ../agent/helpers

setup() { agent_setup; }
teardown() { agent_teardown; }

@test "agent: meta-data validates against metadata.rng and documents every parameter" {
    run "$AGENT" meta-data
    [ "$status" -eq 0 ]
    echo "$output" | xmllint --noout --relaxng /usr/share/resource-agents/metadata.rng -
    for p in store slots imap_port lmtp_port sync_port base_dir sync_repeat_interval \
             sync_password outdate_grace extra_config cyrus_bin node; do
        echo "$output" | grep -q "parameter name=\"$p\""
    done
    echo "$output" | grep -q -- "-INFINITY"
    echo "$output" | grep -q 'role="Promoted"'
}

@test "agent: bad parameters give OCF_ERR_CONFIGURED naming the parameter" {
    run agent m1 validate-all
    [ "$status" -eq 0 ]
    run agent m1 validate-all OCF_RESKEY_slots=
    [ "$status" -eq 6 ]; [[ "$output" == *"parameter slots"* ]]
    run agent m1 validate-all OCF_RESKEY_slots="m1:1@nowhere m2:1@127.0.0.9"
    [ "$status" -eq 6 ]; [[ "$output" == *"parameter slots"* ]]
    run agent m9 validate-all
    [ "$status" -eq 6 ]; [[ "$output" == *"does not list this node (m9)"* ]]
    run agent m1 validate-all OCF_RESKEY_lmtp_port=70000
    [ "$status" -eq 6 ]; [[ "$output" == *"lmtp_port"* ]]
    run agent m1 start OCF_RESKEY_store=
    [ "$status" -eq 6 ]; [[ "$output" == *"parameter store"* ]]
    run agent m1 validate-all OCF_RESKEY_outdate_grace=soon
    [ "$status" -eq 6 ]; [[ "$output" == *"outdate_grace"* ]]
    run agent m1 start OCF_RESKEY_cyrus_bin=/nonexistent
    [ "$status" -eq 5 ]; [[ "$output" == *"cyrus_bin"* ]]
    run agent m1 monitor OCF_RESKEY_cyrus_bin=/nonexistent
    [ "$status" -eq 7 ]
    run agent m1 frobnicate
    [ "$status" -eq 3 ]
    grep -q 'cyrus(st1)\[[0-9]*\]: ERROR: parameter' "$HA_LOGFILE"
}

@test "agent: works under the cluster's restrictive umask (config readable by Cyrus)" {
    # pacemaker-execd runs agents with umask 027-like masks; Cyrus runs as cyrus:mail
    (umask 077; agent m1 start)
    run agent m1 promote
    [ "$status" -eq 0 ]
    run agent m1 monitor
    [ "$status" -eq 8 ]
    [ "$(stat -c %G:%a "$T/m1/st1/etc/imapd.conf")" = mail:640 ]
    $LMTP "$(addr m1)" 10024 alice 2 u /dev/null
    agent m1 stop
}

@test "agent: start/stop are idempotent, monitor 7/0 and nothing left running" {
    run agent m1 monitor
    [ "$status" -eq 7 ]
    agent m1 start
    agent m1 start
    run agent m1 monitor
    [ "$status" -eq 0 ]
    [ "$(score m1)" = 1 ]
    [ -n "$(live_procs)" ]
    agent m1 stop
    agent m1 stop
    run agent m1 monitor
    [ "$status" -eq 7 ]
    [ -z "$(live_procs)" ]
}

@test "agent: promote/demote cycle between two slots, monitor 8/0, scores" {
    agent m1 start
    agent m2 start
    agent m1 promote
    agent m1 promote
    run monitor m1
    [ "$status" -eq 8 ]
    run monitor m2
    [ "$status" -eq 0 ]
    [ "$(score m1)" = 1100 ]
    [ "$(score m2)" = 1000 ]
    agent m1 demote
    [ -e "$T/m1/st1/state/handover-clean" ]
    run monitor m1
    [ "$status" -eq 0 ]
    agent m2 promote
    run monitor m2
    [ "$status" -eq 8 ]
    agent m2 demote
    agent m1 promote
    run monitor m1
    [ "$status" -eq 8 ]
    agent m1 stop
    agent m2 stop
    [ -z "$(live_procs)" ]
}

# The master's sync log is drained (re-checked on every call, unlike a $(...) argument).
sync_drained() { [ -z "$(ls "$T/$1"/st1/conf/sync/*/log* 2>/dev/null)" ]; }

@test "agent: LMTP delivered to the master is replicated to the replica" {
    agent m1 start
    agent m2 start
    agent m1 promote
    $LMTP "$(addr m1)" 10024 alice 5 rep "$T/accepted"
    [ "$(wc -l < "$T/accepted")" -eq 5 ]
    wait_for 10 has_ids m2 rep 5
    [ "$(spool_ids m1 | grep -c '^rep-')" -eq 5 ]
    # the master's monitor reports the replica's lag (0 = drained) on the replica's node
    wait_for 10 sync_drained m1
    run monitor m1
    [ "$status" -eq 8 ]
    [ "$(crm_attribute -N m2 -n slotstore-lag-st1 -l reboot -G -q)" = "0" ]
}

@test "agent: killed master process: monitor 9, stop cleans up the orphaned children" {
    agent m1 start
    agent m2 start
    agent m1 promote
    kill -KILL "$(cat "$T/m1/st1/state/master.pid")"
    run monitor m1
    [ "$status" -eq 9 ]
    run agent m1 monitor
    [ "$status" -eq 9 ]
    # Cyrus's orphaned children still hold the listeners until stop
    agent m1 stop
    run agent m1 monitor
    [ "$status" -eq 7 ]
    ! live_procs | grep -q "$T/m1/"
}

@test "agent: after a machine crash (every process gone) a probe says 7, a recurring monitor 9" {
    agent m1 start
    agent m1 promote
    for g in $(recorded_groups); do kill -KILL -- "-$g"; done
    wait_for 5 eval '[ -z "$(live_procs)" ]'
    # the rebooted node's first probe must not report a failed master (no demote/stop cycle)
    run agent m1 monitor
    [ "$status" -eq 7 ]
    run monitor m1
    [ "$status" -eq 9 ]
    agent m1 start
    run agent m1 monitor
    [ "$status" -eq 0 ]
    agent m1 stop
}

@test "agent: a recorded PID reused by another slot's Cyrus (after a reboot) is not taken for ours" {
    agent m1 start
    agent m2 start
    kill_machine m1
    # a fresh PID namespace hands out small PIDs again: m1's record now names m2's master
    cat "$T/m2/st1/state/master.pid" > "$T/m1/st1/state/master.pid"
    run agent m1 monitor
    [ "$status" -eq 7 ]
    agent m1 stop
    run agent m2 monitor
    [ "$status" -eq 0 ]
    agent m1 start
    run agent m1 monitor
    [ "$status" -eq 0 ]
    run agent m2 monitor
    [ "$status" -eq 0 ]
}

@test "agent: killed replica: monitor 1" {
    agent m2 start
    kill -KILL "$(cat "$T/m2/st1/state/master.pid")"
    run monitor m2
    [ "$status" -eq 1 ]
    agent m2 stop
    run monitor m2
    [ "$status" -eq 7 ]
}

@test "agent: killed sync_client: a probe leaves it, a recurring monitor restarts it" {
    agent m1 start
    agent m2 start
    agent m1 promote
    old=$(cat "$T/m1/st1/state/sync.p2.pid")
    kill -KILL -- "-$old"
    run agent m1 monitor          # probe: reports, changes nothing
    [ "$status" -eq 8 ]
    [ "$(cat "$T/m1/st1/state/sync.p2.pid")" = "$old" ]
    run monitor m1
    [ "$status" -eq 8 ]
    new=$(cat "$T/m1/st1/state/sync.p2.pid")
    [ "$new" != "$old" ]
    kill -0 "$new"
    $LMTP "$(addr m1)" 10024 bob 2 after "$T/accepted"
    wait_for 10 has_ids m2 after 2
}

@test "agent: a probe puts back a master's wiped promotion score, and only that" {
    agent m1 start
    agent m2 start
    agent m1 promote
    replica_in_sync() { monitor m1 >/dev/null 2>&1; [ "$(score m2)" = 1000 ]; }
    wait_for 20 replica_in_sync
    [ "$(score m1)" = 1100 ]
    # a restarted controller wipes its node's transient attributes (here both nodes')
    crm_attribute --promotion=st1-cyrus -N m1 -D
    crm_attribute --promotion=st1-cyrus -N m2 -D
    [ -z "$(score m1)" ]
    [ -z "$(score m2)" ]
    run agent m1 monitor          # probe of the master: its own score is back
    [ "$status" -eq 8 ]
    [ "$(score m1)" = 1100 ]
    run agent m2 monitor          # probe of the replica: publishes nothing
    [ "$status" -eq 0 ]
    [ -z "$(score m2)" ]
    run agent m1 monitor          # with the score in place a probe changes nothing
    [ -z "$(score m2)" ]
    # the master's next monitor sends the replica's score at once (cache dropped)
    run monitor m1
    [ "$status" -eq 8 ]
    [ "$(score m2)" = 1000 ]
}

@test "agent: switchover under continuous LMTP delivery loses nothing, duplicates nothing" {
    agent m1 start
    agent m2 start
    agent m1 promote
    $LMTP "$(addr m1),$(addr m2)" 10024 carol 0 sw "$T/accepted" "$T/stop" &
    LMTP_PID=$!
    wait_for 10 test -s "$T/accepted"
    sleep 0.3
    t0=$(date +%s%N)
    agent m1 demote
    agent m2 promote
    t1=$(date +%s%N)
    echo "# switchover (demote+promote): $(( (t1 - t0) / 1000000 )) ms" >&3
    sleep 0.5
    touch "$T/stop"
    wait "$LMTP_PID"
    LMTP_PID=
    n=$(sort -u "$T/accepted" | wc -l)
    [ "$n" -gt 5 ]
    # every accepted message exactly once on the new master, as IMAP shows it
    imap_ids m2 carol | sort > "$T/on-master"
    [ -z "$(uniq -d "$T/on-master")" ]
    [ -z "$(comm -23 <(sort -u "$T/accepted") "$T/on-master")" ]
    [ -z "$(spool_ids m2 | grep '^sw-' | uniq -d)" ]
    # and on the old master, now replica, after replication
    wait_for 10 same_ids m1 m2 sw
    echo "# $n messages accepted during the run" >&3
}

@test "agent: promote refuses an outdated slot" {
    agent m2 start
    crm_attribute -N m2 -n slotstore-outdated-st1 -l forever -v 1
    run agent m2 promote
    [ "$status" -eq 1 ]
    [[ "$output" == *"outdated"* ]]
    run monitor m2
    [ "$status" -eq 0 ]
}

@test "agent: post-start notify on the master re-confirms a restarted replica at once" {
    agent m1 start
    agent m2 start
    agent m1 promote
    wait_for 10 eval 'monitor m1 >/dev/null 2>&1; [ "$(score m2)" = 1000 ]'
    agent m2 stop
    agent m2 start
    [ "$(score m2)" = 1 ]
    # the master's cache still says 1000 was sent: a monitor alone does not resend it
    monitor m1 || true
    [ "$(score m2)" = 1 ]
    agent m1 notify OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname="m2 "
    [ "$(score m2)" = 1000 ]
    # notifications about other operations change nothing
    agent m2 stop; agent m2 start
    agent m1 notify OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname="m2"
    [ "$(score m2)" = 1 ]
}

@test "agent: a restarted replica is confirmed only once all the master had waiting for it is sent" {
    export OCF_RESKEY_outdate_grace=30
    agent m1 start
    agent m2 start
    agent m1 promote
    wait_for 10 eval 'monitor m1 >/dev/null 2>&1; [ "$(score m2)" = 1000 ]'
    agent m2 stop
    $LMTP "$(addr m1)" 10024 ivan 5 gone "$T/accepted"
    agent m2 start
    agent m1 notify OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname="m2"
    # whenever the master calls it in sync, it has every message (a young pending log
    # within outdate_grace is not enough for a replica that was away)
    local t0=$SECONDS
    until [ "$(score m2)" = 1000 ]; do
        [ $((SECONDS - t0)) -lt 20 ]
        monitor m1 >/dev/null 2>&1 || true
        sleep 0.2
    done
    has_ids m2 gone 5
}

@test "agent: mailboxes created by separate Cyrus processes in the same second get distinct uniqueids" {
    agent m1 start
    agent m1 promote
    # three LMTP sessions open at once: three lmtpd processes, each creating a new user
    python3 - "$(addr m1)" <<'PY'
import smtplib, sys
conns = [smtplib.LMTP(sys.argv[1], 10024, timeout=10) for _ in range(3)]
for i, c in enumerate(conns):
    c.sendmail("x@example.org", ["fresh%d" % i],
               "Subject: x\r\nMessage-ID: <fresh-%d@x>\r\n\r\nbody\r\n" % i)
for c in conns:
    c.quit()
PY
    run /usr/lib/cyrus/bin/ctl_mboxlist -C "$T/m1/st1/etc/imapd.conf" -d
    [ "$status" -eq 0 ]
    ids="$(echo "$output" | grep -o '"uniqueid": "[^"]*"' | sort)"
    [ "$(echo "$ids" | wc -l)" -eq 3 ]
    [ -z "$(echo "$ids" | uniq -d)" ]
}

@test "agent: every action runs clean under valgrind (no memory errors, no leaks)" {
    local rc
    vg_agent m1 start
    vg_agent m2 start
    vg_agent m1 promote
    $LMTP "$(addr m1)" 10024 vera 2 vg "$T/accepted"
    rc=0; vg_agent m1 monitor OCF_RESKEY_CRM_meta_interval=10000 || rc=$?
    [ "$rc" -eq 8 ]
    rc=0; vg_agent m1 monitor || rc=$?
    [ "$rc" -eq 8 ]
    vg_agent m2 monitor OCF_RESKEY_CRM_meta_interval=10000
    vg_agent m1 notify OCF_RESKEY_CRM_meta_notify_type=post \
        OCF_RESKEY_CRM_meta_notify_operation=start OCF_RESKEY_CRM_meta_notify_start_uname="m2"
    vg_agent m1 demote
    vg_agent m2 promote
    vg_agent m1 reload-agent
    vg_agent m1 validate-all
    vg_agent m1 stop
    vg_agent m2 stop
    vg_agent m1 meta-data >/dev/null
    rc=0; vg_agent m1 monitor || rc=$?
    [ "$rc" -eq 7 ]
}
