#!/bin/bash
# plan-bench.sh - how fast slotstore plans, and how balanced the plans are.
#
# Run from the repository root after building:   bench/plan-bench.sh
# (the CLI may be given as $SLOTSTORE).  Everything is generated in a
# temporary directory that is removed at exit.  Nothing is asserted: the
# script prints tables and one note line per goal.
#
#  (a) `slotstore plan` time for 32 machines x 80 slots, replicas 2, against
#      one run of Pacemaker's scheduler (crm_simulate -R) on its CIB: once on
#      the cold cluster (every node just up, no history) and once on the
#      steady state (every store running, masters where planned).
#  (b) plan time and peak RSS for 1000 machines x 80 slots, replicas 1 and 2,
#      and the same for writing its CIB (`slotstore cib`) and for re-planning
#      one machine more from that CIB (`plan --from`, against a fresh plan).
#  (c) balance figures of slotstore's plan next to FastMail's original paired
#      machines and a random placement, all evaluated by bench/baseline.c.
set -u -o pipefail
export LC_ALL=C          # EPOCHREALTIME and awk must use '.' as decimal point

here=$(cd "$(dirname "$0")/.." && pwd)
SLOTSTORE=${SLOTSTORE:-$here/constraints/slotstore}
CC=${CC:-cc}

die() { echo "plan-bench: $*" >&2; exit 1; }
[ -x "$SLOTSTORE" ] || die "$SLOTSTORE not found: build first (./autogen.sh && ./configure && make) or set SLOTSTORE"
command -v "$CC" >/dev/null || die "no C compiler ($CC): apt-get install gcc"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/plan-bench.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT

"$CC" -O2 -std=c11 -Wall -o "$tmp/baseline" "$here/bench/baseline.c" || die "cannot compile bench/baseline.c"

# ---- helpers ---------------------------------------------------------------

# gen_topo MACHINES SLOTS REPLICAS: a topology of identical machines.
gen_topo() {
    local f="$tmp/topo-$1x$2-r$3"
    {
        echo "# plan-bench: $1 machines x $2 slots, replicas $3"
        echo "replicas $3"
        for ((i = 1; i <= $1; i++)); do printf 'machine m%04d slots=%d\n' "$i" "$2"; done
    } > "$f"
    echo "$f"
}

# timed CMD...: run once, stdout to $tmp/out, stderr to $tmp/err; sets MS and RC.
timed() {
    local t0=$EPOCHREALTIME
    "$@" > "$tmp/out" 2> "$tmp/err"
    RC=$?
    MS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

# best_of N CMD...: fastest of N runs (stops at the first failure); sets MS and RC.
best_of() {
    local n=$1 best=""
    shift
    for ((k = 0; k < n; k++)); do
        timed "$@"
        [ "$RC" -eq 0 ] || return
        best=$(awk -v a="$MS" -v b="${best:-$MS}" 'BEGIN { print (a < b ? a : b) }')
    done
    MS=$best
}

fmt_ms() { awk -v t="$1" 'BEGIN { if (t >= 1000) printf "%.2f s", t / 1000; else printf "%.1f ms", t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "?" }'; }
first_err() { head -n 1 "$tmp/err" | cut -c1-150; }

# attr NAME: the value of NAME="..." on the current awk line (used in awk scripts).
# shellcheck disable=SC2016  # awk code, not shell
AWK_ATTR='function attr(n,  r) { if (match($0, " " n "=\"[^\"]*\"")) { r = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", r); sub(/"$/, "", r); return r } return "" }'

# The stores of a plan (slotstore plan --output-as=xml) as machine indexes,
# one store a line, master first; machines numbered in <machines> order.
plan_to_indexes() {
    awk "$AWK_ATTR"'
        /<machine / { ix[attr("name")] = n++ }
        /<store /   { k = 0; delete at }
        /<slot /    { at[attr("position")] = ix[attr("machine")]; k++ }
        /<\/store>/ { line = ""; for (c = 0; c < k; c++) line = line (c ? " " : "") at[c]; print line }
    ' "$1"
}

# Figures the planner reports itself for single failures (cross-check):
# max busiest-masters, max bound, min receivers.
plan_single_figures() {
    awk "$AWK_ATTR"'
        /<single-failure / { b = attr("busiest-masters") + 0; l = attr("bound") + 0; r = attr("receivers") + 0
                             if (b > mb) mb = b; if (l > ml) ml = l; if (mr == "" || r < mr) mr = r }
        END { print mb + 0, ml + 0, mr + 0 }
    ' "$1"
}

plan_stores() { awk "$AWK_ATTR"'/<plan / { print attr("stores"); exit }' "$1"; }

# ---- (a) plan vs Pacemaker's scheduler -------------------------------------

# A fence device stand-in (as `slotstore simulate` adds one): with
# stonith-enabled and no device Pacemaker starts nothing, and the scheduler
# run would not be representative.  The cluster is opt-in, so the device gets
# a location on the first node.
add_fence_device() {
    local hosts first
    hosts=$(awk "$AWK_ATTR"'/<node / { printf "%s%s", (n++ ? " " : ""), attr("uname") }' "$1")
    first=${hosts%% *}
    awk -v hosts="$hosts" -v first="$first" '
        /<\/resources>/ && !r {
            print "      <primitive id=\"bench-fence\" class=\"stonith\" type=\"fence_dummy\">"
            print "        <instance_attributes id=\"bench-fence-params\">"
            print "          <nvpair id=\"bench-fence-hosts\" name=\"pcmk_host_list\" value=\"" hosts "\"/>"
            print "        </instance_attributes>"
            print "      </primitive>"
            r = 1
        }
        /<constraints\/>/ && !c { print "    <constraints>"; $0 = "    </constraints>" }
        /<\/constraints>/ && !c {
            print "      <rsc_location id=\"bench-fence-loc\" rsc=\"bench-fence\" node=\"" first "\" score=\"100\"/>"
            c = 1
        }
        { print }
    ' "$1"
}

# Operation digests as Pacemaker's scheduler computes them (lib/common/digest.c,
# v1): MD5 of " <parameters .../>\n", attributes sorted by name, holding the
# resource's instance attributes plus CRM_meta_timeout for recurring
# operations.  Without matching digests Pacemaker restarts every resource
# "due to resource definition change".  Writes one file per digest into DIR,
# then prints "KEY DIGEST" lines, KEY = <resource>_<interval ms>.
op_digests() {   # CIB DIR
    awk "$AWK_ATTR"'
        function ms(v,   n) {   # Pacemaker interval/timeout spec to milliseconds
            n = v + 0
            if (v ~ /ms$/) return n
            if (v ~ /m(in)?$/) return n * 60000
            if (v ~ /h$/) return n * 3600000
            return n * 1000
        }
        function emit(key, extra,   i, j, t, nm, line) {
            for (i = 1; i <= np; i++) nm[i] = pname[i]
            if (extra != "") nm[np + 1] = "CRM_meta_timeout"
            for (i = 2; i <= np + (extra != ""); i++)          # insertion sort, byte order
                for (j = i; j > 1 && nm[j - 1] > nm[j]; j--) { t = nm[j]; nm[j] = nm[j - 1]; nm[j - 1] = t }
            line = " <parameters"
            for (i = 1; i <= np + (extra != ""); i++)
                line = line " " nm[i] "=\"" (nm[i] == "CRM_meta_timeout" ? extra : pval[nm[i]]) "\""
            f = dir "/" key
            print line "/>" > f
            close(f)
        }
        /<primitive /                    { rsc = attr("id"); np = 0; delete pval; inparams = 0; nmon = 0 }
        /<instance_attributes / && rsc != "" { inparams = 1 }
        /<\/instance_attributes>/        { inparams = 0 }
        /<nvpair / && inparams           { pname[++np] = attr("name"); pval[attr("name")] = attr("value") }
        /<op / && rsc != "" && attr("name") == "monitor" && ms(attr("interval")) > 0 {
            mon_i[++nmon] = ms(attr("interval")); mon_t[nmon] = attr("timeout") == "" ? 20000 : ms(attr("timeout"))
        }
        /<\/primitive>|<primitive .*\/>/ {
            emit(rsc "_0", "")
            for (k = 1; k <= nmon; k++) emit(rsc "_" mon_i[k], mon_t[k])
            rsc = ""
        }
    ' dir="$2" "$1"
    (cd "$2" && find . -type f -exec md5sum {} +) | awk '{ sub(/^\.\//, "", $2); print $2, $1 }'
}

# The steady state written directly as a status section: every node online,
# every slot in sync (promotion attribute 1000, as the agent publishes it),
# every store started on its slots and promoted on its first one, with its
# recurring monitors.  (Letting crm_simulate -S reach it from a cold start
# takes tens of minutes at this size: it copies the whole 2.4 MB CIB for each
# of its thousands of actions; the probe transition alone takes ~6 minutes.)
steady_state() {   # CIB PLAN_XML
    mkdir -p "$tmp/digests"
    op_digests "$1" "$tmp/digests" > "$tmp/digests.txt"
    awk "$AWK_ATTR"'
        function op(rsc, key, task, interval, rc, node, call,   tk) {
            tk = call ":1:" rc ":00000000-0000-0000-0000-000000000000"
            return "        <lrm_rsc_op id=\"" rsc "_" key "\" operation_key=\"" rsc "_" task "_" interval \
                "\" operation=\"" task "\" crm-debug-origin=\"plan-bench\" crm_feature_set=\"3.16.1\"" \
                " transition-key=\"" tk "\" transition-magic=\"0:" rc ";" tk "\" exit-reason=\"\"" \
                " on_node=\"" node "\" call-id=\"" call "\" rc-code=\"" rc "\" op-status=\"0\"" \
                " interval=\"" interval "\" last-rc-change=\"1700000000\" exec-time=\"1\" queue-time=\"0\"" \
                " op-digest=\"" digest[rsc "_" interval] "\"/>"
        }
        FNR == 1 { file++ }
        file == 1 { digest[$1] = $2; next }
        file == 2 && /<store /  { store = attr("name") }
        file == 2 && /<slot /   { m = attr("machine"); on[m] = on[m] " " store ":" attr("position") }
        file == 3 && /<node /   { id[attr("uname")] = attr("id"); order[nn++] = attr("uname") }
        file == 3 && /<primitive / && attr("class") == "ocf" { prov = attr("provider"); type = attr("type") }
        file == 3 && /<op / && attr("name") == "monitor" {
            iv = attr("interval") + 0; iv = attr("interval") ~ /ms$/ ? iv : iv * 1000
            if (attr("role") ~ /^(Promoted|Master)$/) mon_p = iv; else mon_u = iv
        }
        file == 3 && /<status\/>|<status>/ { skip = 1; emit() }
        file == 3 && !skip { print }
        file == 3 && /<\/status>|<status\/>/ { skip = 0 }
        function emit(   i, u, n, k, parts, sp, s, pos, rsc, call) {
            print "  <status>"
            for (i = 0; i < nn; i++) {
                u = order[i]
                print "    <node_state id=\"" id[u] "\" uname=\"" u "\" in_ccm=\"true\" crmd=\"online\"" \
                      " crm-debug-origin=\"plan-bench\" join=\"member\" expected=\"member\">"
                print "     <transient_attributes id=\"" id[u] "\"><instance_attributes id=\"status-" id[u] "\">"
                n = split(on[u], parts, " ")
                for (k = 1; k <= n; k++) {
                    split(parts[k], sp, ":"); s = sp[1]
                    print "      <nvpair id=\"status-" id[u] "-master-" s "-cyrus\" name=\"master-" s \
                          "-cyrus\" value=\"1000\"/>"
                }
                print "     </instance_attributes></transient_attributes>"
                print "     <lrm id=\"" id[u] "\"><lrm_resources>"
                print "      <lrm_resource id=\"bench-fence\" class=\"stonith\" type=\"fence_dummy\">"
                if (i == 0) print op("bench-fence", "last_0", "start", 0, 0, u, 1)
                else        print op("bench-fence", "last_0", "monitor", 0, 7, u, 1)
                print "      </lrm_resource>"
                call = 2
                for (k = 1; k <= n; k++) {
                    split(parts[k], sp, ":"); s = sp[1]; pos = sp[2]; rsc = s "-cyrus"
                    print "      <lrm_resource id=\"" rsc "\" class=\"ocf\" provider=\"" prov "\" type=\"" type "\">"
                    if (pos == 0) {
                        print op(rsc, "last_0", "promote", 0, 0, u, call++)
                        if (mon_p) print op(rsc, "monitor_" mon_p, "monitor", mon_p, 8, u, call++)
                    } else {
                        print op(rsc, "last_0", "start", 0, 0, u, call++)
                        if (mon_u) print op(rsc, "monitor_" mon_u, "monitor", mon_u, 0, u, call++)
                    }
                    print "      </lrm_resource>"
                }
                print "     </lrm_resources></lrm>"
                print "    </node_state>"
            }
            print "  </status>"
        }
    ' "$tmp/digests.txt" "$2" "$1"
}

graph_actions() {   # actions in a saved transition graph
    local n
    n=$(grep -c '<synapse ' "$1" 2>/dev/null)
    echo "${n:-0}"
}

section_a() {
    local topo ups=() plan_ms
    echo "== (a) slotstore plan vs one run of Pacemaker's scheduler: 32 machines x 80 slots, replicas 2"
    topo=$(gen_topo 32 80 2)
    best_of 5 "$SLOTSTORE" plan "$topo"
    if [ "$RC" -ne 0 ]; then
        echo "   slotstore plan FAILED (exit $RC): $(first_err)"
        return
    fi
    plan_ms=$MS
    printf '   %-58s %12s\n' "slotstore plan (best of 5)" "$(fmt_ms "$plan_ms")"
    if ! "$SLOTSTORE" cib "$topo" > "$tmp/cib.xml" 2> "$tmp/err"; then
        echo "   slotstore cib FAILED: $(first_err)"
        return
    fi
    if ! "$SLOTSTORE" plan "$topo" --output-as=xml > "$tmp/plan32.xml" 2> "$tmp/err"; then
        echo "   slotstore plan --output-as=xml FAILED: $(first_err)"
        return
    fi
    if ! command -v crm_simulate > /dev/null; then
        echo "   crm_simulate not found (apt-get install pacemaker-cli-utils): scheduler not measured"
        return
    fi
    add_fence_device "$tmp/cib.xml" > "$tmp/cold.xml"
    steady_state "$tmp/cold.xml" "$tmp/plan32.xml" > "$tmp/steady.xml"
    # shellcheck disable=SC2013  # node names have no blanks
    for n in $(awk "$AWK_ATTR"'/<node / { print attr("uname") }' "$tmp/cib.xml"); do ups+=(-u "$n"); done

    timed crm_simulate -x "$tmp/cold.xml" "${ups[@]}" -R -Q -G "$tmp/cold-graph.xml"
    local cold_ms=$MS cold_rc=$RC
    timed crm_simulate -x "$tmp/steady.xml" -R -Q -G "$tmp/steady-graph.xml"
    local steady_ms=$MS steady_rc=$RC
    local cold_n steady_n
    cold_n=$(graph_actions "$tmp/cold-graph.xml")
    steady_n=$(graph_actions "$tmp/steady-graph.xml")
    [ "$cold_rc" -eq 0 ] || echo "   crm_simulate (cold) exited $cold_rc"
    [ "$steady_rc" -eq 0 ] || echo "   crm_simulate (steady) exited $steady_rc: $(first_err)"
    printf '   %-58s %12s  (%s actions scheduled)\n' "crm_simulate -R, cold start (nodes just up, no history)" \
        "$(fmt_ms "$cold_ms")" "$cold_n"
    printf '   %-58s %12s  (%s actions scheduled)\n' "crm_simulate -R, steady state (stores running as planned)" \
        "$(fmt_ms "$steady_ms")" "$steady_n"
    echo "   (the steady state is written directly, every store running where planned; crm_simulate -S"
    echo "    from the cold start would take tens of minutes at this size)"
    [ "$steady_n" -eq 0 ] || echo "   note: Pacemaker still scheduled $steady_n actions on the planned steady state"
    echo "   scheduler/plan ratio: $(ratio "$steady_ms" "$plan_ms")x steady state, $(ratio "$cold_ms" "$plan_ms")x cold start (goal >= 20x)"
}

# ---- (b) large topologies ----------------------------------------------------

peak_rss() {   # CMD...: peak RSS in MB via GNU time, or "n/a"
    if [ -x /usr/bin/time ] && /usr/bin/time -v -o "$tmp/tv" "$@" > "$tmp/out" 2> "$tmp/err"; then
        awk -F: '/Maximum resident set size/ { printf "%.0f MB", $2 / 1024 }' "$tmp/tv"
    else
        echo "n/a"
    fi
}

section_b() {
    echo
    echo "== (b) plan and CIB for 1000 machines x 80 slots"
    printf '   %-12s %8s %14s %14s %14s %14s %10s\n' replicas stores "plan time" "peak RSS" \
        "cib time" "cib RSS" "CIB size"
    local r topo topo1 rss stores cib_ms cib_rss cib_mb from_rows=()
    for r in 1 2; do
        topo=$(gen_topo 1000 80 "$r")
        best_of 3 "$SLOTSTORE" plan "$topo"
        if [ "$RC" -ne 0 ]; then
            printf '   %-12s FAILED (exit %s): %s\n' "$r" "$RC" "$(first_err)"
            continue
        fi
        local ms=$MS
        rss=$(peak_rss "$SLOTSTORE" plan "$topo" --output-as=xml)
        stores=$(plan_stores "$tmp/out")
        timed "$SLOTSTORE" cib "$topo" --output "$tmp/cib.xml"
        cib_ms=$MS
        cib_mb=$(du -m "$tmp/cib.xml" 2>/dev/null | awk '{ print $1 " MB" }')
        cib_rss=$(peak_rss "$SLOTSTORE" cib "$topo" --output "$tmp/cib.xml")
        printf '   %-12s %8s %14s %14s %14s %14s %10s\n' "$r" "${stores:-?}" "$(fmt_ms "$ms")" \
            "$rss" "$(fmt_ms "$cib_ms")" "$cib_rss" "${cib_mb:-?}"
        echo "   plan time, 1000 x 80 replicas $r: $(fmt_ms "$ms") (goal: seconds)"
        # one machine added: the re-plan reads the CIB just written (streamed), against
        # a fresh plan of the same 1001 machines as the baseline
        topo1=$(gen_topo 1001 80 "$r")
        best_of 3 "$SLOTSTORE" plan "$topo1"
        local fresh_ms=$MS
        best_of 3 "$SLOTSTORE" plan "$topo1" --from "$tmp/cib.xml"
        if [ "$RC" -ne 0 ]; then
            from_rows+=("$(printf '   %-12s FAILED (exit %s): %s' "$r" "$RC" "$(first_err)")")
        else
            local from_ms=$MS moves
            moves=$(awk '/slot moves:/ { print $3 }' "$tmp/out")
            rss=$(peak_rss "$SLOTSTORE" plan "$topo1" --from "$tmp/cib.xml")
            from_rows+=("$(printf '   %-12s %14s %14s %14s %10s %12s' "$r" "$(fmt_ms "$fresh_ms")" \
                "$(fmt_ms "$from_ms")" "$rss" "${moves:-?}" "$(awk -v a="$from_ms" -v b="$fresh_ms" \
                'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "?" }')")")
        fi
        rm -f "$tmp/cib.xml"
    done
    echo "   one machine added (1001 x 80): plan --from the CIB above, against a fresh plan"
    printf '   %-12s %14s %14s %14s %10s %12s\n' replicas "fresh plan" "plan --from" "peak RSS" \
        "slot moves" "from/fresh"
    local row
    for row in "${from_rows[@]}"; do echo "$row"; done
    [ -x /usr/bin/time ] || echo "   (peak RSS needs GNU time: apt-get install time)"
}

# ---- (c) balance against the baselines ----------------------------------------

row() {   # TOPOLOGY-LABEL LAYOUT FIGURES...
    local label=$1 layout=$2
    shift 2
    if [ $# -lt 6 ]; then
        printf '%-18s %-10s %s\n' "$label" "$layout" "${*:-failed}"
        return
    fi
    printf '%-18s %-10s %8s %14s %7s %11s %13s\n' "$label" "$layout" "$1" "$2" "$3" "$4/$((M - 1))" "$5 / $6"
}

section_c() {
    echo
    echo "== (c) balance: slotstore against FastMail's paired machines and a random placement"
    printf '%-18s %-10s %8s %14s %7s %11s %13s\n' "" "" "masters" "busiest after" "lower" "survivors" "2 failures:"
    printf '%-18s %-10s %8s %14s %7s %11s %13s\n' topology layout "max" "1 failure" "bound" "receiving" "lost/busiest"
    local spec topo S copies figs mine
    for spec in "10 20 1" "32 80 2" "50 40 1"; do
        # shellcheck disable=SC2086
        set -- $spec
        M=$1
        local slots=$2 r=$3 label="$1x$2 r$3"
        copies=$((r + 1))
        topo=$(gen_topo "$M" "$slots" "$r")
        if ! "$SLOTSTORE" plan "$topo" --output-as=xml > "$tmp/plan.xml" 2> "$tmp/err"; then
            row "$label" slotstore "FAILED: $(first_err)"
            continue
        fi
        S=$(plan_stores "$tmp/plan.xml")
        figs=$(plan_to_indexes "$tmp/plan.xml" | "$tmp/baseline" eval "$M" "$slots" "$copies" "$S")
        # word splitting intended: the evaluator prints six numbers
        # shellcheck disable=SC2086
        row "$label" slotstore $figs
        # shellcheck disable=SC2046
        row "$S stores" paired $("$tmp/baseline" paired "$M" "$slots" "$copies" "$S")
        # shellcheck disable=SC2046
        row "" random $("$tmp/baseline" random "$M" "$slots" "$copies" "$S")
        # The planner's own report must agree with the independent evaluation.
        mine=$(plan_single_figures "$tmp/plan.xml")
        # shellcheck disable=SC2086
        set -- $figs
        if [ "$mine" != "$2 $3 $4" ]; then
            echo "   note: slotstore's XML reports busiest/bound/receivers '$mine', baseline.c computes '$2 $3 $4'"
        fi
    done
    echo "masters max: most masters on one machine (fair share = stores / machines)."
    echo "busiest after 1 failure: most masters on a survivor, worst machine failure; lower bound = ceil(stores / (machines - 1))."
    echo "survivors receiving: fewest survivors that take over masters, over all single failures."
    echo "2 failures: most stores without any copy / most masters on a survivor, over all pairs of failed machines."
}

echo "plan-bench: $("$SLOTSTORE" --version 2>/dev/null | head -n 1 || echo slotstore) on $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
section_a
section_b
section_c
