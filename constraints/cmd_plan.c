/* cmd_plan.c - `slotstore plan`: print a placement and its balance report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>

#include "balance.h"
#include "cib_read.h"
#include "cli.h"
#include "config.h"
#include "placement_int.h"

static const char plan_usage[] =
    "Usage: slotstore plan TOPOLOGY [--from CIB] [--svg FILE] [--pairs] [--no-stores]\n"
    "                      [--output-as=text|xml]\n"
    "\n"
    "Print the placement of the topology's stores: masters and replicas per machine,\n"
    "every store's slots in failover order (master first), and the balance report:\n"
    "masters per machine against the fair share (and per zone, with zones: a re-plan may\n"
    "give up the zones' shares to meet the failure bounds), and for every single machine failure\n"
    "(and every double failure with --pairs, default up to 64 machines) the busiest\n"
    "survivor against the water-filling lower bound and the stores lost.\n"
    "\n"
    "  --from CIB     plan a changed topology keeping the stores of CIB (a file, e.g.\n"
    "                from 'cibadmin -Q') where they are; print slot and master moves\n"
    "                with their lower bounds, and each one: which store's copy moves\n"
    "                from which slot to which, which master to which machine\n"
    "  --svg FILE     also draw the machine x machine failover matrix to FILE\n"
    "  --pairs        analyse every double failure\n"
    "  --no-stores    leave out the per-store list (and the list of moves)\n";

struct plan_opts {
    const char *topology;
    const char *from;
    const char *svg;
    int pairs;
    int no_stores;
    enum ss_output output;
};

static int parse_opts(int argc, char **argv, struct plan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->pairs = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = cli_output_option(a, &o->output);
        if (r < 0) {
            fprintf(stderr, "slotstore: plan: bad %s; use --output-as=text or xml\n", a);
            return SS_EXIT_INPUT;
        }
        if (r == 0)
            continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(plan_usage, stdout);
            return -1;
        } else if (strcmp(a, "--from") == 0 && i + 1 < argc) {
            o->from = argv[++i];
        } else if (strcmp(a, "--svg") == 0 && i + 1 < argc) {
            o->svg = argv[++i];
        } else if (strcmp(a, "--pairs") == 0) {
            o->pairs = 1;
        } else if (strcmp(a, "--no-stores") == 0) {
            o->no_stores = 1;
        } else if (a[0] == '-' || o->topology) {
            fprintf(stderr, "slotstore: plan: unexpected argument '%s'; see slotstore plan --help\n",
                    a);
            return SS_EXIT_INPUT;
        } else {
            o->topology = a;
        }
    }
    if (o->topology == NULL) {
        fprintf(stderr, "slotstore: plan: no topology file given; see slotstore plan --help\n");
        return SS_EXIT_INPUT;
    }
    return 0;
}

static const char *mname(const struct ss_placement *p, int m)
{
    return m >= 0 ? p->topo->machines[m].name : "?";
}

static void print_failure(const struct ss_placement *p, const char *label,
                          const struct ss_failure_result *r)
{
    char failed[300];
    if (r->failed[1] >= 0)
        snprintf(failed, sizeof(failed), "%s+%s", mname(p, r->failed[0]), mname(p, r->failed[1]));
    else
        snprintf(failed, sizeof(failed), "%s", mname(p, r->failed[0]));
    printf("  %-15s %-20s busiest survivor %s with %d masters (bound %d), %d stores lost, "
           "masters spread over %d survivors\n",
           label, failed, mname(p, r->busiest), r->busiest_masters, r->lower_bound,
           r->stores_lost, r->receivers);
}

/* Each failure's bound holds alone; say when no placement meets all of them. */
static void print_single_excess(const struct ss_balance *b)
{
    if (b->single_excess == 0) {
        printf("  every single failure: within its bound\n");
        return;
    }
    printf("  every single failure: at most %d over its bound", b->single_excess);
    if (b->single_least_excess > 0)
        printf(" (%d over is the least any placement with these master and copy counts "
               "reaches)",
               b->single_least_excess);
    printf("\n");
}

/* A re-plan's moves against the CIB's stores (plan --from). */
struct replan_moves {
    const struct ss_moves *counts;
    const struct ss_placement *old;
    struct ss_slot_move *slot;  /* which copies move, from where to where */
    int nslot;
    /* where the re-plan is over a failure bound: the least larger move-budget
     * (percent) tried at which it meets them, with its moves; -1 none did,
     * 0 not tried */
    int meets_at;
    struct ss_moves meets_moves;
};

/* Is a plan over a failure bound: a single failure above the least excess
 * any placement with its counts reaches, or a double failure over its bound
 * + 1 (where computed)? */
static int over_bounds(const struct ss_balance *b)
{
    int least = b->single_least_excess > 0 ? b->single_least_excess : 0;
    if (b->single_excess > least)
        return 1;
    return b->doubles_computed && b->worst_double.busiest_masters - b->worst_double.lower_bound > 1;
}

/* A re-plan over a failure bound within its move budget: would a larger
 * budget meet the bounds, and at what cost?  Tries 1.5, 2 and 3 times (a
 * re-plan each, only on a miss). */
static void try_bigger_budgets(struct ss_topology *topo, const struct ss_placement *old,
                               const struct ss_balance *b, struct replan_moves *rm, int tty)
{
    static const int budgets[] = {150, 200, 300};
    if (!over_bounds(b))
        return;
    int given = topo->move_budget;
    rm->meets_at = -1;
    for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
        if (budgets[i] <= given)
            continue;
        topo->move_budget = budgets[i];
        cli_progress(tty, "over a failure bound: re-planning with move-budget %d.%02d ...",
                     budgets[i] / 100, budgets[i] % 100);
        struct ss_placement *p = NULL;
        struct ss_moves mv = {0};
        struct ss_error err = {0};
        if (ss_plan_from(topo, old, &p, &mv, &err) != 0)
            continue;
        struct ss_balance *b2 = ss_balance_compute(p, b->doubles_computed);
        int over = over_bounds(b2);
        ss_balance_free(b2);
        ss_placement_free(p);
        if (!over) {
            rm->meets_at = budgets[i];
            rm->meets_moves = mv;
            break;
        }
    }
    topo->move_budget = given;
}

/* Machine m of the topology; -1 is a machine the topology no longer has. */
static const char *machine_or_gone(const struct ss_placement *p, int m)
{
    return m >= 0 ? p->topo->machines[m].name : "(a machine no longer in the topology)";
}

/* Did old store s get its master on another machine? */
static int master_moved(const struct replan_moves *rm, const struct ss_placement *p, int s)
{
    return s < rm->old->nstores && rm->old->stores[s].machine[0] != p->stores[s].machine[0];
}

static void print_moves_text(const struct ss_placement *p, const struct replan_moves *rm,
                             const struct plan_opts *o)
{
    const struct ss_moves *mv = rm->counts;
    int pct = p->topo->move_budget > 0 ? p->topo->move_budget : 125;
    printf("\nMoves from the CIB\n  slot moves: %d (lower bound %d, budget %d = %d.%02dx the "
           "copies new or grown machines take)\n  master moves: %d (lower bound %d)\n  new "
           "stores: %d\n",
           mv->slot_moves, mv->slot_moves_bound, mv->slot_moves_budget, pct / 100, pct % 100,
           mv->master_moves, mv->master_moves_bound, mv->new_stores);
    if (rm->meets_at > 0)
        printf("  over a failure bound within this budget; with 'move-budget %d.%02d' in the\n"
               "  topology the re-plan meets them: %d slot moves, %d master moves\n",
               rm->meets_at / 100, rm->meets_at % 100, rm->meets_moves.slot_moves,
               rm->meets_moves.master_moves);
    if (rm->meets_at < 0)
        printf("  over a failure bound within this budget; no move-budget up to 3 meets them\n");
    if (mv->fresh_matched)
        printf("  a fresh plan: keeping the stores' copies could not meet every machine's share\n"
               "  (zones too tight for the change); each old store got the new one sharing most\n"
               "  of its machines\n");
    if (o->no_stores || (rm->nslot == 0 && mv->master_moves == 0))
        return;
    printf("\n%-16s %s\n", "STORE", "MOVE");
    for (int i = 0; i < rm->nslot; i++) {
        const struct ss_slot_move *m = &rm->slot[i];
        printf("%-16s copy %s", p->stores[m->store].name, machine_or_gone(p, m->from_machine));
        if (m->from_machine >= 0)
            printf(":%d", m->from_slot);
        printf(" -> %s:%d\n", p->topo->machines[m->to_machine].name, m->to_slot);
    }
    for (int s = 0; s < p->nstores; s++)
        if (master_moved(rm, p, s))
            printf("%-16s master %s -> %s\n", p->stores[s].name,
                   machine_or_gone(p, rm->old->stores[s].machine[0]),
                   p->topo->machines[p->stores[s].machine[0]].name);
}

/* Zone z's masters and its share of them (the sum of its machines' fair shares). */
static int zone_masters(const struct ss_placement *p, const struct ss_balance *b, int z,
                        double *share)
{
    int masters = 0;
    *share = 0;
    for (int i = 0; i < p->topo->nmachines; i++)
        if (p->topo->machines[i].zone_id == z) {
            masters += b->masters[i];
            *share += b->fair[i];
        }
    return masters;
}

static void print_text(const struct ss_placement *p, const struct ss_balance *b,
                       const struct plan_opts *o, const struct replan_moves *rm)
{
    const struct ss_topology *t = p->topo;
    printf("Placement of %s: %d machines, %d stores of %d slots (replicas %d)\n\n", t->path,
           t->nmachines, p->nstores, p->copies, p->copies - 1);
    printf("%-16s %-10s %6s %6s %8s %7s %9s\n", "MACHINE", "ZONE", "SLOTS", "USED", "MASTERS",
           "FAIR", "REPLICAS");
    for (int i = 0; i < t->nmachines; i++)
        printf("%-16s %-10s %6d %6d %8d %7.2f %9d\n", t->machines[i].name,
               t->machines[i].zone ? t->machines[i].zone : "-", t->machines[i].slots,
               b->masters[i] + b->replicas[i], b->masters[i], b->fair[i], b->replicas[i]);
    if (!o->no_stores) {
        printf("\n%-16s %s\n", "STORE", "SLOTS (failover order, master first)");
        for (int s = 0; s < p->nstores; s++) {
            const struct ss_store *st = &p->stores[s];
            printf("%-16s", st->name);
            for (int c = 0; c < p->copies; c++)
                printf(" %s:%d", mname(p, st->machine[c]), st->slot[c]);
            printf("%s\n", st->fixed ? "  (fixed)" : "");
        }
    }
    printf("\nBalance\n");
    int lo = 1 << 30, hi = 0;
    for (int i = 0; i < t->nmachines; i++) {
        lo = b->masters[i] < lo ? b->masters[i] : lo;
        hi = b->masters[i] > hi ? b->masters[i] : hi;
    }
    printf("  masters per machine: %d..%d\n", lo, hi);
    /* a zone's masters spread over the other zones when it fails as a whole */
    for (int z = 0; z < t->nzones; z++) {
        double share;
        int m = zone_masters(p, b, z, &share);
        printf("%s %s %d (share %.2f)%s", z ? "," : "  masters per zone:", t->zones[z], m, share,
               z == t->nzones - 1 ? "\n" : "");
    }
    print_failure(p, "worst single:", &b->worst_single);
    print_single_excess(b);
    if (b->doubles_computed)
        print_failure(p, "worst double:", &b->worst_double);
    if (b->doubles_computed)
        printf("  any double failure: at most %d masters on a survivor, at most %d stores lost\n",
               b->max_double_busiest, b->max_double_lost);
    if (p->copies == 2)
        printf("  most stores on one machine pair: %d (bound %d: no placement with these copy "
               "counts has fewer)\n", b->max_pair, b->lost_bound);
    else
        printf("  most stores on one machine pair: %d\n", b->max_pair);
    if (rm)
        print_moves_text(p, rm, o);
}

static void xml_failure(xmlTextWriterPtr w, const struct ss_placement *p, const char *tag,
                        const struct ss_failure_result *r)
{
    xmlTextWriterStartElement(w, BAD_CAST tag);
    cli_xml_str(w, "failed", mname(p, r->failed[0]));
    if (r->failed[1] >= 0)
        cli_xml_str(w, "failed2", mname(p, r->failed[1]));
    cli_xml_str(w, "busiest", mname(p, r->busiest));
    cli_xml_int(w, "busiest-masters", r->busiest_masters);
    cli_xml_int(w, "bound", r->lower_bound);
    cli_xml_int(w, "stores-lost", r->stores_lost);
    cli_xml_int(w, "receivers", r->receivers);
    xmlTextWriterEndElement(w);
}

static void print_moves_xml(xmlTextWriterPtr w, const struct ss_placement *p,
                            const struct replan_moves *rm, const struct plan_opts *o)
{
    const struct ss_moves *mv = rm->counts;
    xmlTextWriterStartElement(w, BAD_CAST "moves");
    cli_xml_int(w, "slot-moves", mv->slot_moves);
    cli_xml_int(w, "slot-moves-bound", mv->slot_moves_bound);
    cli_xml_int(w, "slot-moves-budget", mv->slot_moves_budget);
    cli_xml_int(w, "master-moves", mv->master_moves);
    cli_xml_int(w, "master-moves-bound", mv->master_moves_bound);
    cli_xml_int(w, "new-stores", mv->new_stores);
    if (mv->fresh_matched)
        cli_xml_str(w, "fresh-matched", "true");
    if (rm->meets_at != 0) {
        xmlTextWriterStartElement(w, BAD_CAST "larger-budget");
        if (rm->meets_at > 0) {
            xmlTextWriterWriteFormatAttribute(w, BAD_CAST "move-budget", "%d.%02d",
                                              rm->meets_at / 100, rm->meets_at % 100);
            cli_xml_int(w, "slot-moves", rm->meets_moves.slot_moves);
            cli_xml_int(w, "master-moves", rm->meets_moves.master_moves);
        }
        cli_xml_str(w, "meets-bounds", rm->meets_at > 0 ? "true" : "false");
        xmlTextWriterEndElement(w);
    }
    for (int i = 0; !o->no_stores && i < rm->nslot; i++) {
        const struct ss_slot_move *m = &rm->slot[i];
        xmlTextWriterStartElement(w, BAD_CAST "slot-move");
        cli_xml_str(w, "store", p->stores[m->store].name);
        if (m->from_machine >= 0) { /* absent: a machine the topology no longer has */
            cli_xml_str(w, "from", p->topo->machines[m->from_machine].name);
            cli_xml_int(w, "from-slot", m->from_slot);
        }
        cli_xml_str(w, "to", p->topo->machines[m->to_machine].name);
        cli_xml_int(w, "to-slot", m->to_slot);
        xmlTextWriterEndElement(w);
    }
    for (int s = 0; !o->no_stores && s < p->nstores; s++) {
        if (!master_moved(rm, p, s))
            continue;
        int from = rm->old->stores[s].machine[0], to = p->stores[s].machine[0];
        xmlTextWriterStartElement(w, BAD_CAST "master-move");
        cli_xml_str(w, "store", p->stores[s].name);
        if (from >= 0)
            cli_xml_str(w, "from", p->topo->machines[from].name);
        cli_xml_str(w, "to", p->topo->machines[to].name);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

static void print_xml(const struct ss_placement *p, const struct ss_balance *b,
                      const struct plan_opts *o, const struct replan_moves *rm)
{
    const struct ss_topology *t = p->topo;
    struct cli_xml x;
    xmlTextWriterPtr w = cli_xml_begin(&x, "plan");
    xmlTextWriterStartElement(w, BAD_CAST "plan");
    cli_xml_str(w, "topology", t->path);
    cli_xml_int(w, "machines", t->nmachines);
    cli_xml_int(w, "stores", p->nstores);
    cli_xml_int(w, "copies", p->copies);
    xmlTextWriterStartElement(w, BAD_CAST "machines");
    for (int i = 0; i < t->nmachines; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "machine");
        cli_xml_str(w, "name", t->machines[i].name);
        if (t->machines[i].zone)
            cli_xml_str(w, "zone", t->machines[i].zone);
        cli_xml_int(w, "slots", t->machines[i].slots);
        cli_xml_int(w, "masters", b->masters[i]);
        cli_xml_int(w, "replicas", b->replicas[i]);
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "fair", "%.3f", b->fair[i]);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
    if (t->nzones > 0) {
        xmlTextWriterStartElement(w, BAD_CAST "zones");
        for (int z = 0; z < t->nzones; z++) {
            double share;
            int m = zone_masters(p, b, z, &share);
            xmlTextWriterStartElement(w, BAD_CAST "zone");
            cli_xml_str(w, "name", t->zones[z]);
            cli_xml_int(w, "masters", m);
            xmlTextWriterWriteFormatAttribute(w, BAD_CAST "share", "%.3f", share);
            xmlTextWriterEndElement(w);
        }
        xmlTextWriterEndElement(w);
    }
    if (!o->no_stores) {
        xmlTextWriterStartElement(w, BAD_CAST "stores");
        for (int s = 0; s < p->nstores; s++) {
            const struct ss_store *st = &p->stores[s];
            xmlTextWriterStartElement(w, BAD_CAST "store");
            cli_xml_str(w, "name", st->name);
            if (st->fixed)
                cli_xml_str(w, "fixed", "true");
            for (int c = 0; c < p->copies; c++) {
                xmlTextWriterStartElement(w, BAD_CAST "slot");
                xmlTextWriterWriteAttribute(w, BAD_CAST "machine",
                                            BAD_CAST mname(p, st->machine[c]));
                cli_xml_int(w, "slot", st->slot[c]);
                cli_xml_int(w, "position", c);
                xmlTextWriterEndElement(w);
            }
            xmlTextWriterEndElement(w);
        }
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterStartElement(w, BAD_CAST "balance");
    cli_xml_int(w, "max-pair", b->max_pair);
    if (p->copies == 2)
        cli_xml_int(w, "max-pair-bound", b->lost_bound);
    cli_xml_int(w, "single-excess", b->single_excess);
    cli_xml_int(w, "single-least-excess", b->single_least_excess);
    if (b->doubles_computed) {
        cli_xml_int(w, "max-double-busiest", b->max_double_busiest);
        cli_xml_int(w, "max-double-lost", b->max_double_lost);
    }
    for (int f = 0; f < b->nsingle; f++)
        xml_failure(w, p, "single-failure", &b->single[f]);
    xml_failure(w, p, "worst-single", &b->worst_single);
    if (b->doubles_computed)
        xml_failure(w, p, "worst-double", &b->worst_double);
    xmlTextWriterEndElement(w);
    if (rm)
        print_moves_xml(w, p, rm, o);
    xmlTextWriterEndElement(w);
    cli_xml_end(&x);
}

/* Load the placement of a CIB file (for --from). */
static int load_from(const char *path, const struct ss_topology *topo, struct ss_placement **old,
                     struct ss_error *err)
{
    char **unknown = NULL;
    int rc = ss_cib_read_placement_file(path, topo, old, &unknown, err);
    if (unknown)
        for (int i = 0; unknown[i]; i++)
            free(unknown[i]);
    free(unknown);
    return rc;
}

int cmd_plan(int argc, char **argv)
{
    struct plan_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    struct ss_error err = {0};
    struct ss_topology *topo = NULL;
    struct ss_placement *p = NULL, *old = NULL;
    struct ss_moves moves = {0};
    if (ss_topology_load(o.topology, &topo, &err) != 0)
        return cli_fail(&err);
    /* a re-plan that misses a bound tries its variants, then larger budgets:
     * seconds to a minute on a few dozen machines */
    int tty = o.from && isatty(STDERR_FILENO);
    if (o.from) {
        rc = load_from(o.from, topo, &old, &err);
        if (rc == 0) {
            cli_progress(tty, "re-planning %d stores from %s ...", old->nstores, o.from);
            rc = ss_plan_from(topo, old, &p, &moves, &err);
        }
    } else {
        rc = ss_plan(topo, &p, &err);
    }
    if (rc != 0) {
        cli_progress_done(tty);
        ss_placement_free(old);
        ss_topology_free(topo);
        return cli_fail(&err);
    }
    cli_progress_done(tty);
    int doubles = o.pairs == 1 || (o.pairs < 0 && topo->nmachines <= 64);
    struct ss_balance *b = ss_balance_compute(p, doubles);
    if (o.svg && ss_svg_write(p, o.svg, &err) != 0)
        rc = cli_fail(&err);
    struct replan_moves rm = {.counts = &moves, .old = old};
    if (rc == 0 && o.from) {
        rm.nslot = ss_slot_moves(topo, old, p, &rm.slot);
        if (old->nstores > 0)
            try_bigger_budgets(topo, old, b, &rm, tty);
    }
    cli_progress_done(tty);
    if (rc == 0) {
        if (o.output == SS_OUT_XML)
            print_xml(p, b, &o, o.from ? &rm : NULL);
        else
            print_text(p, b, &o, o.from ? &rm : NULL);
    }
    free(rm.slot);
    ss_balance_free(b);
    ss_placement_free(p);
    ss_placement_free(old);
    ss_topology_free(topo);
    return rc;
}
