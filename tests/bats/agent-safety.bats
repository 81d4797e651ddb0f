#!/usr/bin/env bats
# ocf:slotstore:cyrus: outdating, 3-slot stores, ocf-tester (real Cyrus, CIB_file).

load ../agent/helpers

setup() { agent_setup; }
teardown() { agent_teardown; }

# imap_folder SLOT USER FOLDER append ID | ids: on a master, as USER, create FOLDER and
# append a message ID to it, or list the Message-IDs in it
imap_folder() {
    python3 - "$(addr "$1")" "$2" "$3" "$4" "${5:-}" <<'PY'
import imaplib, re, sys, time
addr, user, folder, what, mid = sys.argv[1:6]
i = imaplib.IMAP4(addr, 10143, timeout=10)
i.authenticate("PLAIN", lambda _: ("%s\0cyrus\0st1" % user).encode())
if what == "append":
    i.create(folder)
    msg = "Subject: %s\r\nMessage-ID: <%s@x>\r\n\r\nbody\r\n" % (mid, mid)
    assert i.append(folder, "(\\Seen)", time.time(), msg.encode())[0] == "OK"
else:
    i.select(folder, readonly=True)
    typ, data = i.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    for item in data:
        if isinstance(item, tuple):
            print(re.search(rb"<([^@>]*)@", item[1]).group(1).decode())
PY
}

# replica_down_after USER: m1 master, m2 replica, one message "before" to USER replicated,
# then m2 stopped (the master writes on alone from here)
replica_down_after() {
    agent m1 start
    agent m2 start
    agent m1 promote
    $LMTP "$(addr m1)" 10024 "$1" 1 before "$T/accepted"
    wait_for 10 has_ids m2 before 1
    agent m2 stop
}

# "name uniqueid" of every live mailbox of a slot, from its mailboxes.db
mailbox_ids() {
    /usr/lib/cyrus/bin/ctl_mboxlist -C "$T/$1/st1/etc/imapd.conf" -d |
        python3 -c 'import json, sys; [print(k, v["uniqueid"]) for k, v in sorted(json.load(sys.stdin).items()) if not k.startswith("DELETED.")]'
}
outdated_attr() { crm_attribute -N "$1" -n slotstore-outdated-st1 -l forever -G -q 2>/dev/null; }
score_is() { [ "$(score "$1")" = "$2" ]; }
monitor_until_score() { monitor "$1" >/dev/null 2>&1; score_is "$2" "$3"; }

@test "agent-safety: the master outdates a replica it cannot reach, and clears it on catch-up" {
    export OCF_RESKEY_outdate_grace=1
    agent m1 start
    agent m2 start
    agent m1 promote
    monitor m1 || [ $? -eq 8 ]
    score_is m2 1000
    agent m2 stop
    $LMTP "$(addr m1)" 10024 dave 3 out "$T/accepted"
    wait_for 15 monitor_until_score m1 m2 -INFINITY
    [ "$(outdated_attr m2)" = 1 ]
    # the mark survives: a restarted replica stays at -INFINITY and refuses promotion
    agent m2 start
    score_is m2 -INFINITY
    run agent m2 promote
    [ "$status" -eq 1 ]
    # the master's monitor sees it catch up and clears the mark
    wait_for 20 monitor_until_score m1 m2 1000
    [ -z "$(outdated_attr m2)" ]
    has_ids m2 out 3
}

@test "agent-safety: under continuous delivery an outdated replica is cleared once all it missed is sent" {
    # the sync_client sends every 2 s: the log to m2 always holds the latest deliveries,
    # and is never seen empty, while what m2 missed is sent within a pass or two
    export OCF_RESKEY_outdate_grace=1 OCF_RESKEY_sync_repeat_interval=2
    agent m1 start
    agent m2 start
    agent m1 promote
    wait_for 10 monitor_until_score m1 m2 1000
    agent m2 stop
    $LMTP "$(addr m1)" 10024 erin 3 missed "$T/accepted"
    wait_for 15 monitor_until_score m1 m2 -INFINITY
    $LMTP "$(addr m1)" 10024 erin 0 busy "$T/accepted" "$T/stop" &
    LMTP_PID=$!
    wait_for 10 test -s "$T/accepted"
    agent m2 start
    agent m1 notify OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname="m2"
    local t0=$SECONDS
    until monitor_until_score m1 m2 1000; do
        [ $((SECONDS - t0)) -lt 30 ]
        sleep 0.5
    done
    # whenever the master clears the mark, the replica has every message it missed
    has_ids m2 missed 3
    [ -z "$(outdated_attr m2)" ]
    echo "# cleared $((SECONDS - t0)) s after the restart, deliveries going on" >&3
    touch "$T/stop"
    wait "$LMTP_PID"
    LMTP_PID=
}

@test "agent-safety: a 3-slot store replicates to both replicas, one channel each" {
    export OCF_RESKEY_slots="m1:1@$(addr m1) m2:1@$(addr m2) m3:1@$(addr m3)"
    agent m1 start
    agent m2 start
    agent m3 start
    agent m1 promote
    grep -q '^sync_log_channels: p2 p3$' "$T/m1/st1/etc/role.conf"
    $LMTP "$(addr m1)" 10024 erin 4 three "$T/accepted"
    wait_for 10 has_ids m2 three 4
    wait_for 10 has_ids m3 three 4
    agent m1 demote
    agent m3 promote
    run monitor m3
    [ "$status" -eq 8 ]
    $LMTP "$(addr m3)" 10024 erin 2 more "$T/accepted"
    wait_for 10 has_ids m1 more 2
    wait_for 10 has_ids m2 more 2
    has_ids m3 three 4
}

@test "agent-safety: ocf-tester passes" {
    command -v ocf-tester >/dev/null || skip "ocf-tester not installed"
    SLOTSTORE_AGENT=$AGENT run timeout 120 ocf-tester -n st1-cyrus \
        -o store=st1 -o "slots=$OCF_RESKEY_slots" -o node=m1 -o base_dir="$T/m1" \
        -o imap_port=10143 -o lmtp_port=10024 -o sync_port=12005 \
        "$BATS_TEST_DIRNAME/../agent/ocf-tester-agent.sh"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"passed all tests"* ]]
}

@test "agent-safety: crash of a master with unreplicated mail: nothing lost after it returns" {
    export OCF_RESKEY_outdate_grace=1
    replica_down_after frank
    $LMTP "$(addr m1)" 10024 frank 3 orphan "$T/accepted"
    # the machine of m1 dies: every process of the slot, no agent involved
    kill_machine m1
    agent m2 start
    agent m2 promote
    $LMTP "$(addr m2)" 10024 frank 2 after "$T/accepted"
    # m1 comes back: stop (recovery) then start as a replica; its log is parked
    agent m1 stop
    agent m1 start
    ls "$T"/m1/st1/state/ | grep -q '^parked-'
    score_is m1 -INFINITY
    # the new master's sync_client finds the conflict and copies the orphans back; a
    # kick that lands while m1 is still coming up is retried after KICK_INTERVAL (60 s)
    wait_for 90 eval 'monitor m2 >/dev/null 2>&1; imap_has m2 frank orphan 3'
    # exactly once each, as the new master's IMAP shows them (files of
    # messages expunged by the copy-back stay on disk until cyr_expire)
    imap_has m2 frank after 2
    imap_has m2 frank before 1
    [ -z "$(imap_ids m2 frank | uniq -d)" ]
    [ "$(imap_ids m2 frank | wc -l)" -eq 6 ]
    wait_for 10 eval 'monitor m2 >/dev/null 2>&1; score_is m1 1000'
}

@test "agent-safety: demote with the replica down is bounded, outdates it and stays the fresh one" {
    agent m1 start
    agent m2 start
    agent m1 promote
    agent m2 stop
    $LMTP "$(addr m1)" 10024 gina 2 late "$T/accepted"
    t0=$(date +%s)
    agent m1 demote OCF_RESKEY_CRM_meta_timeout=8000
    [ $(( $(date +%s) - t0 )) -le 6 ]
    [ ! -e "$T/m1/st1/state/handover-clean" ]
    score_is m2 -INFINITY
    [ "$(outdated_attr m2)" = 1 ]
    score_is m1 1000
    # promoted again, it replays its kept log once the replica is back
    agent m1 promote
    agent m2 start
    wait_for 30 eval 'monitor m1 >/dev/null 2>&1; score_is m2 1000'
    wait_for 10 has_ids m2 late 2
    [ -z "$(outdated_attr m2)" ]
}

@test "agent-safety: a crashed master whose only replica is outdated keeps its log and is the one promoted" {
    export OCF_RESKEY_outdate_grace=1
    agent m1 start
    agent m2 start
    agent m1 promote
    agent m2 stop
    $LMTP "$(addr m1)" 10024 hank 3 solo "$T/accepted"
    wait_for 15 monitor_until_score m1 m2 -INFINITY
    [ "$(outdated_attr m2)" = 1 ]
    # the machine of m1 dies; m2 could not have been promoted (it is marked)
    kill_machine m1
    agent m1 stop
    agent m1 start
    [ -z "$(ls "$T"/m1/st1/state/ | grep '^parked-')" ]
    score_is m1 1
    grep -q "keeping this former master's sync log" "$HA_LOGFILE"
    agent m1 promote
    agent m2 start
    # promoted again, it replicates the writes of its kept log; the mark goes
    wait_for 30 eval 'monitor m1 >/dev/null 2>&1; score_is m2 1000'
    wait_for 10 has_ids m2 solo 3
    [ -z "$(outdated_attr m2)" ]
}

@test "agent-safety: mailboxes created while cut off reach the master when the old master rejoins" {
    export OCF_RESKEY_outdate_grace=1
    replica_down_after old
    # cut off, m1 creates mailboxes the replica never sees: zed (which the new master
    # will create too, a second later: another MAILBOXID) and yan (only here)
    $LMTP "$(addr m1)" 10024 zed 2 cutside "$T/accepted"
    $LMTP "$(addr m1)" 10024 yan 2 onlyhere "$T/accepted"
    imap_folder m1 yan Drafts append draft-1
    $LMTP "$(addr m1)" 10024 old 1 orphan "$T/accepted"
    kill_machine m1
    sleep 2
    agent m2 start
    agent m2 promote
    $LMTP "$(addr m2)" 10024 zed 3 newside "$T/accepted"
    # m1 rejoins as a replica; its monitor reconciles, the master's catches it up
    agent m1 stop
    agent m1 start
    agent m2 notify OCF_RESKEY_CRM_meta_notify_type=post OCF_RESKEY_CRM_meta_notify_operation=start \
        OCF_RESKEY_CRM_meta_notify_start_uname="m1"
    score_is m1 -INFINITY
    # the first replica monitor reconciles; under valgrind, as the IMAP client's one pass
    vg_agent m1 monitor OCF_RESKEY_CRM_meta_interval=10000
    grep -q "reconciled with the master on m2" "$HA_LOGFILE"
    wait_for 60 eval 'monitor m1 >/dev/null 2>&1; monitor m2 >/dev/null 2>&1; score_is m1 1000'
    grep -q "INBOX of zed differs from the master's" "$HA_LOGFILE"
    grep -q "INBOX of yan exists only here" "$HA_LOGFILE"
    # every accepted message exactly once on the master, the orphans included
    imap_has m2 zed newside 3
    imap_has m2 zed cutside 2
    [ "$(imap_ids m2 zed | wc -l)" -eq 5 ]
    imap_has m2 yan onlyhere 2
    [ "$(imap_folder m2 yan Drafts ids)" = "draft-1" ]
    wait_for 20 eval 'monitor m2 >/dev/null 2>&1; imap_has m2 old orphan 1'
    imap_has m2 old before 1
    [ -z "$(imap_ids m2 zed | uniq -d)" ]
    # and the replica holds the master's mailboxes (same uniqueids), their messages too
    wait_for 20 eval 'monitor m2 >/dev/null 2>&1; [ "$(mailbox_ids m1)" = "$(mailbox_ids m2)" ]'
    wait_for 20 eval 'monitor m2 >/dev/null 2>&1; has_ids m1 newside 3'
    ls "$T"/m1/st1/state/ | grep -q '^reconciled-'
    [ ! -e "$T/m1/st1/state/rescue" ]
}

@test "agent-safety: 3-slot store: the chosen replica steps back when another has received more" {
    export OCF_RESKEY_slots="m1:1@$(addr m1) m2:1@$(addr m2) m3:1@$(addr m3)"
    agent m1 start
    agent m2 start
    agent m3 start
    agent m1 promote
    $LMTP "$(addr m1)" 10024 ivy 2 early "$T/accepted"
    wait_for 10 has_ids m2 early 2
    wait_for 10 has_ids m3 early 2
    # m3 misses the last writes; m1 dies before its monitor sees m3 behind
    agent m3 stop
    $LMTP "$(addr m1)" 10024 ivy 3 late "$T/accepted"
    wait_for 10 has_ids m2 late 3
    kill_machine m1
    agent m3 start
    # Pacemaker chose m3 (say, the plan's first failover target): pre-promote notify, promote
    for n in m2 m3; do   # (under valgrind: the progress walk and attribute parsing)
        vg_agent "$n" notify OCF_RESKEY_CRM_meta_notify_type=pre \
            OCF_RESKEY_CRM_meta_notify_operation=promote OCF_RESKEY_CRM_meta_notify_promote_uname=m3
    done
    [ -n "$(crm_attribute -N m2 -n slotstore-progress-st1 -l reboot -G -q)" ]
    run vg_agent m3 promote
    [ "$status" -eq 1 ]
    grep -q "refusing to promote: m2 has received more" "$HA_LOGFILE"
    score_is m3 1
    # the next transition promotes m2, which has everything; m3 catches up from it
    agent m2 notify OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=promote
    agent m3 notify OCF_RESKEY_CRM_meta_notify_type=pre OCF_RESKEY_CRM_meta_notify_operation=promote
    agent m2 promote
    imap_has m2 ivy early 2
    imap_has m2 ivy late 3
    grep -q "m3 is behind this slot" "$HA_LOGFILE"
    wait_for 20 has_ids m3 late 3
}
