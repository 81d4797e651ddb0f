# e2e.bash: helpers for the end-to-end suite (tests/bats/e2e.bats) and the demo, on a lab
# cluster started by tests/lab/lab with stores applied by slotstore. Source it; set LAB_DIR
# and LAB_PREFIX first. E2E_CIB is a copy of the live CIB (e2e_save_cib) that the helpers
# read the stores' slots from; E2E_AVOID names nodes not to ask (e.g. one cut off).

E2E_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_REPO="$(cd "$E2E_HERE/../.." && pwd)"
LAB="$E2E_HERE/lab"
SLOTSTORE="$E2E_REPO/constraints/slotstore"
MAILPY="$E2E_HERE/mail.py"
E2E_AVOID="${E2E_AVOID:-}"

e2e_now() { date +%s.%N; }
e2e_since() { awk -v a="$1" -v b="$(e2e_now)" 'BEGIN { printf "%.1f", b - a }'; }

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
    local secs="$1" t0=$SECONDS; shift
    until "$@"; do
        [ $((SECONDS - t0)) -lt "$secs" ] || { echo "timeout after ${secs}s: $*" >&2; return 1; }
        sleep 0.3
    done
}

# Run a command on the first running node not in E2E_AVOID.
on_live() {
    local n
    for n in $("$LAB" nodes); do
        case " $E2E_AVOID " in *" $n "*) continue ;; esac
        if "$LAB" exec "$n" true 2>/dev/null; then "$LAB" exec "$n" "$@"; return; fi
    done
    echo "no live node" >&2
    return 1
}

# setup_file of a BATS file on its own lab of N machines (skips where a lab cannot run).
lab_file_setup() {
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    unshare --net --pid --mount --uts --ipc --fork true 2>/dev/null || skip "no namespaces here"
    [ -x /usr/lib/cyrus/bin/master ] || skip "cyrus-imapd is not installed"
    "$LAB" down >/dev/null 2>&1 || true
    "$LAB" up "$1" >"$BATS_FILE_TMPDIR/up.log" 2>&1
}

# Every mail load of this file stopped: a test that fails midway never reaches its own
# stop_load, and a load left running would burden every later test of the file.
stop_loads() {
    local d
    for d in "$BATS_FILE_TMPDIR"/load-*; do [ -d "$d" ] && stop_load "$d"; done
    return 0
}

# teardown_file: mail load stopped, the lab down, whatever happened.
lab_file_teardown() {
    stop_loads
    "$LAB" down >/dev/null 2>&1 || true
}

# teardown of a test on such a lab: when it failed, every machine's logs and crm_mon.
lab_test_teardown() {
    [ -n "${BATS_TEST_COMPLETED:-}" ] && return 0
    stop_loads
    echo "== failed actions"; failed_actions 2>/dev/null || true
    e2e_logs 15
    echo "== crm_mon"; on_live crm_mon -1 2>/dev/null || true
}

e2e_save_cib() { on_live cibadmin -Q >"$E2E_CIB.tmp" && mv "$E2E_CIB.tmp" "$E2E_CIB"; }
e2e_cluster() { python3 "$E2E_HERE/cluster.py" "$@"; }

# "STORE NODE" of every promoted instance, sorted.
masters() { on_live crm_mon -1 --output-as=xml | e2e_cluster roles | awk '$3 == "Promoted" { print $1, $2 }' | sort; }
master_of() { masters | awk -v s="$1" '$1 == s { print $2 }'; }
# masters of every store but STORE...
masters_excluding() { masters | grep -v -w -F -f <(printf '%s\n' "$@"); }
plan_masters() { e2e_cluster slots "$E2E_CIB" | awk '{ print $1, $2 }' | sort; }
as_planned() { [ "$(masters)" = "$(plan_masters)" ]; }
failed_actions() { on_live crm_mon -1 --output-as=xml | e2e_cluster failures; }
# Succeeds when Pacemaker records no failed action; otherwise prints them and, from every
# failing machine's log, the lines about each failed operation, so a failure explains itself.
no_failed_actions() {
    local f line key node
    f="$(failed_actions)"
    [ -z "$f" ] && return 0
    echo "failed actions:"; echo "$f"
    while read -r line; do
        key="$(sed -n 's/.*\bop_key=\([^ ]*\).*/\1/p' <<<"$line")"
        node="$(sed -n 's/.*\bnode=\([^ ]*\).*/\1/p' <<<"$line")"
        [ -n "$key" ] && [ -n "$node" ] || continue
        echo "== $node pacemaker.log on ${key%_*_*}"
        grep -F "${key%_*_*}" "$LAB_DIR/nodes/$node/log-pacemaker/pacemaker.log" 2>/dev/null |
            grep -vE 'pacemaker-based|info: (Diff|\+\+|--|\+ )' | tail -n 40 || true
    done <<<"$f"
    return 1
}
# The stores' slot addresses in failover order: "STORE ADDR..."
store_addrs() { python3 "$MAILPY" stores "$E2E_CIB"; }
# Address of STORE's slot on MACHINE.
slot_addr() {
    local st="$1" m="$2" i=0 machine
    local -a addrs
    read -r -a addrs <<<"$(store_addrs | awk -v s="$st" '$1 == s { $1 = ""; print }')"
    for machine in $(e2e_cluster slots "$E2E_CIB" | awk -v s="$st" '$1 == s { $1 = ""; print }'); do
        [ "$machine" = "$m" ] && { echo "${addrs[$i]}"; return 0; }
        i=$((i + 1))
    done
    return 1
}
stores_planned_on() { plan_masters | awk -v m="$1" '$2 == m { print $1 }'; }

# Every promotion score published: masters 1100, replicas in sync 1000 (one line a slot).
all_in_sync() {
    local f="$E2E_CIB.scores" n
    on_live cibadmin -Q -o status >"$f" 2>/dev/null || return 1
    n="$(e2e_cluster scores "$f" | awk '$3 != 1000 && $3 != 1100' | wc -l)"
    [ "$n" -eq 0 ] && [ "$(e2e_cluster scores "$f" | wc -l)" -eq $(($(store_addrs | wc -w) - $(store_addrs | wc -l))) ]
}

outdated_mark() { on_live crm_attribute -N "$2" -n "slotstore-outdated-$1" -l forever -G -q 2>/dev/null || true; }
cli_constraints() { on_live cibadmin -Q -o constraints | grep -o 'id="cli-[^"]*"' || true; }

# Move every store back to its planned master (the documented failback: an operator's
# crm_resource --move --promoted, then --clear), once every replica is in sync.
restore_plan() {
    local st m moved=()
    wait_for 90 all_in_sync || return 1
    while read -r st m; do
        [ "$(master_of "$st")" = "$m" ] && continue
        on_live crm_resource --move --promoted -r "$st" -N "$m" >/dev/null 2>&1 || true
        moved+=("$st")
    done < <(plan_masters)
    [ ${#moved[@]} -eq 0 ] && return 0
    wait_for 60 as_planned || return 1
    for st in "${moved[@]}"; do on_live crm_resource --clear -r "$st" >/dev/null 2>&1; done
    [ -z "$(cli_constraints)" ]
}

# Node running and in the cluster again after `lab start`.
rejoin() { "$LAB" start "$1" >/dev/null && "$LAB" wait-online 90; }

# Continuous delivery to every store from the lab's client address (DIR: logs, stop file).
start_load() {
    mkdir -p "$1"
    rm -f "$1/stop"
    "$LAB" client python3 "$MAILPY" load "$E2E_CIB" "$1" "$1/stop" "${2:-10}" >"$1/load.out" 2>&1 &
    echo $! >"$1/load.pid"
}
stop_load() {
    touch "$1/stop"
    local pid; pid="$(cat "$1/load.pid" 2>/dev/null || true)"
    if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi
    rm -f "$1/load.pid"
}
check_mail() { "$LAB" client python3 "$MAILPY" check "$E2E_CIB" "$1"; }
# moved_gaps DRAIN_TABLE MAIL_REPORT: "STORE GAP SECONDS" for each store the drain/undrain
# table shows "moved": its longest delivery gap in check_mail's report beside its move's time.
moved_gaps() {
    awk 'FNR == NR { if ($5 == "moved") t[$1] = $4; next }
         FNR > 1 && ($1 in t) { print $1, $7, t[$1] }' "$1" "$2"
}
lmtp_answers() { "$LAB" client python3 "$MAILPY" lhlo "$@"; }

# Stores STORE=MACHINE... all promoted where given and answering LMTP there.
serving_on() {
    local pair st m addrs=()
    for pair in "$@"; do
        st="${pair%=*}"; m="${pair#*=}"
        [ "$(master_of "$st")" = "$m" ] || return 1
        addrs+=("$(slot_addr "$st" "$m")")
    done
    lmtp_answers "${addrs[@]}"
}

# Print every machine's recent logs (for failed tests).
e2e_logs() {
    local n
    for n in $("$LAB" nodes); do LAB_LOG_LINES="${1:-15}" "$LAB" logs "$n" 2>/dev/null || true; done
    echo "== fence-helper.log"; tail -n 20 "$LAB_DIR/fence-helper.log" 2>/dev/null || true
}
