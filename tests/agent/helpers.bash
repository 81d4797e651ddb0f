# Helpers for the ocf:slotstore:cyrus BATS tests: real Cyrus slots of one
# store on 127.0.N.x addresses of this machine, a CIB file for crm_attribute.
# Every process a test starts is found through the pid files the agent
# records under $T (the test's own temporary tree) and is gone at teardown.

AGENT=${AGENT:-$BATS_TEST_DIRNAME/../../agents/cyrus}
SLOTSTORE=${SLOTSTORE:-$BATS_TEST_DIRNAME/../../constraints/slotstore}
LMTP="python3 $BATS_TEST_DIRNAME/../agent/lmtp.py"

# A fresh store per test: distinct addresses so a lingering TIME_WAIT or a
# failed earlier test cannot collide.
agent_setup() {
    [ -x /usr/lib/cyrus/bin/master ] || skip "cyrus-imapd is not installed"
    T=$(mktemp -d /tmp/slotstore-agent.XXXXXX)
    chmod 755 "$T"   # Cyrus children run as cyrus and read their config below it
    NET=$(( (RANDOM % 200) + 20 ))
    cat > "$T/topo" <<EOT
replicas 2
stores 1
slot-address 127.0.{m}.{s}
fence-agent fence_dummy
machine m1 slots=1
machine m2 slots=1
machine m3 slots=1
EOT
    "$SLOTSTORE" cib "$T/topo" --output "$T/cib.xml" >/dev/null
    local st='<status>' n
    for n in 1 2 3; do
        st="$st<node_state id=\"$n\" uname=\"m$n\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"/>"
    done
    sed -i "s|<status/>|$st</status>|" "$T/cib.xml"
    export CIB_file=$T/cib.xml
    export OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=st1-cyrus
    export OCF_RESKEY_store=st1
    export OCF_RESKEY_slots="m1:1@127.$NET.1.1 m2:1@127.$NET.2.1"
    export OCF_RESKEY_imap_port=10143 OCF_RESKEY_lmtp_port=10024 OCF_RESKEY_sync_port=12005
    export OCF_RESKEY_extra_config="autocreate_post: yes; autocreate_quota: 100000"
    export HA_LOGFILE=$T/agent.log
    unset OCF_RESKEY_CRM_meta_interval OCF_RESKEY_CRM_meta_timeout
}

addr() { echo "127.$NET.${1#m}.1"; }

# agent NODE ACTION [VAR=value...]: run the agent as the slot on NODE.
agent() {
    local node=$1 action=$2
    shift 2
    env OCF_RESKEY_node="$node" OCF_RESKEY_base_dir="$T/$node" "$@" "$AGENT" "$action"
}

# vg_agent NODE ACTION [VAR=value...]: the agent under valgrind; exit 99 on any memory
# error or definite/indirect leak, else the action's own exit code.
vg_agent() {
    local node=$1 action=$2
    shift 2
    env OCF_RESKEY_node="$node" OCF_RESKEY_base_dir="$T/$node" "$@" \
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$AGENT" "$action"
}

# A recurring monitor (interval > 0), as opposed to a probe.
monitor() { agent "$1" monitor OCF_RESKEY_CRM_meta_interval=10000 "${@:2}"; }

score() { crm_attribute --promotion=st1-cyrus -N "$1" -G -q 2>/dev/null; }

# Process groups the agent recorded for the slots of this test.
recorded_groups() {
    cat "$T"/m*/st1/state/*.pid 2>/dev/null | sort -u
}

# The machine of slot $1 dies: every process group the agent recorded there is
# killed.  A group already gone is no error (a sync client that lost its replica
# may have exited just before); one that is still there after the kill is.
kill_machine() {
    local g
    for g in $(cat "$T/$1"/st1/state/*.pid); do
        kill -KILL -- "-$g" 2>/dev/null || ! kill -0 -- "-$g" 2>/dev/null || return 1
    done
}

# Live processes whose command line names this test's tree.
live_procs() {
    local p c
    for p in /proc/[0-9]*; do
        c=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
        case "$c" in *cyrus/bin/*"$T/"*) grep -q '^State:.*Z' "$p/status" 2>/dev/null || echo "${p#/proc/} $c" ;; esac
    done
}

agent_teardown() {
    [ -n "${T:-}" ] || return 0
    local n g left
    for n in m1 m2 m3; do
        [ -d "$T/$n" ] && agent "$n" stop >/dev/null 2>&1
    done
    # belt and braces: only the groups the agent recorded
    for g in $(recorded_groups); do kill -KILL -- "-$g" 2>/dev/null || true; done
    [ -n "${LMTP_PID:-}" ] && kill "$LMTP_PID" 2>/dev/null
    left=$(live_procs)
    if [ -n "$left" ]; then
        echo "orphans after the test: $left" >&2
        for g in $(echo "$left" | awk '{print $1}'); do kill -KILL "$g" 2>/dev/null; done
        rm -rf "$T"
        return 1
    fi
    rm -rf "$T"
}

# Message-IDs of mailbox files on a slot's disk (the replica serves no IMAP).
spool_ids() {
    grep -rh '^Message-ID: <' "$T/$1/st1/spool" 2>/dev/null | sed 's/^Message-ID: <\([^@]*\)@.*/\1/' | tr -d '\r' | sort
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
    local end=$(( $(date +%s) + $1 ))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.1
    done
}

# has_ids SLOT PREFIX N: exactly N messages PREFIX-* on the slot's disk
# (a function, so that wait_for re-evaluates it on every poll).
has_ids() { [ "$(spool_ids "$1" | grep -c "^$2-")" -eq "$3" ]; }
same_ids() { [ "$(spool_ids "$1" | grep -c "^$3-")" -eq "$(spool_ids "$2" | grep -c "^$3-")" ]; }

# imap_ids SLOT USER: Message-IDs in USER's INBOX on a master, through IMAP.
imap_ids() {
    python3 "$BATS_TEST_DIRNAME/../agent/imap_ids.py" "$(addr "$1")" 10143 "$2" \
        "${OCF_RESKEY_sync_password:-st1}" 2>/dev/null
}
imap_has() { [ "$(imap_ids "$1" "$2" | grep -c "^$3-")" -eq "$4" ]; }
