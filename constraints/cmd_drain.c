/* cmd_drain.c - `slotstore drain MACHINE`: move every master off a machine
 * (before maintenance) by planned switchovers, leaving its slots running as
 * replicas; `slotstore undrain MACHINE`: once its slots have caught up, move
 * back the stores it is the planned master of.
 *
 * A move is what an operator would do by hand with `crm_resource --move
 * --promoted -r STORE -N TARGET` (constraint cli-prefer-STORE, role
 * Promoted, INFINITY), wait until crm_mon shows STORE Promoted on TARGET and
 * no longer on the old machine, then remove that constraint (the running
 * master's score 1100 keeps the store there).  Moves go in batches of
 * --parallel: the batch's constraints are added in one CIB update and removed
 * in one (one transition for the batch; each crm_resource call would cost a
 * second and abort the transition in progress).  The agent's demote hands
 * over losslessly.
 *
 * State comes from cluster_state.c (crm_mon + CIB).  A target is the first
 * machine of the store's `slots`, other than the one drained, that is online
 * (not standby), runs the store Unpromoted with promotion score >= 1000, has
 * no outdated mark and no cli-* ban of the store.  Nothing changes unless
 * every store has a target, the cluster has quorum and no other drain holds
 * the lock, a cluster_property_set created atomically (cibadmin --create
 * fails when its id exists) and always removed at the end.
 *
 * --dry-run changes nothing: the same constraints go into a private copy of
 * the CIB, crm_simulate runs it, and crm_mon on its result says where
 * Pacemaker would promote every store.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#include "cli.h"
#include "cluster_state.h"
#include "config.h"

#define DR_PARALLEL 4
#define DR_MAX_PARALLEL 64
#define DR_TIMEOUT 120.0
#define DR_WAIT 600.0
#define DR_MAX_SECONDS 86400.0
#define DR_POLL_MS 250       /* crm_mon while moves are in flight */
#define DR_WAIT_POLL_MS 1000 /* crm_mon + CIB while undrain waits for slots */
#define DR_SETTLE 60.0       /* undrain waits this long for stores without a master */
#define DR_SHOWN 300         /* characters of a child's complaint in a message */

#define LOCK_DELETE                                                                     \
    "cibadmin --delete -o crm_config -X '<cluster_property_set id=\"" CS_LOCK_ID "\"/>'"

static const char drain_usage[] =
    "Usage: slotstore drain MACHINE [--parallel N] [--timeout SECONDS] [--dry-run]\n"
    "                       [--output-as=text|xml]\n"
    "\n"
    "Move every master off MACHINE by planned switchovers, before maintenance: each store\n"
    "mastered there goes to its target, the first machine of its 'slots' (failover order)\n"
    "other than MACHINE that is online, runs it as a replica in sync (promotion score\n"
    ">= 1000), has no outdated mark and no cli-* ban.  MACHINE's slots keep running as\n"
    "replicas; nothing is stopped.  Per batch of N stores: the constraints crm_resource\n"
    "--move --promoted -r STORE -N TARGET writes (cli-prefer-STORE) in one CIB update,\n"
    "wait until crm_mon shows each Promoted on its TARGET, remove them in one update.\n"
    "The agent's demote hands over without losing mail.\n"
    "\n"
    "Refuses (exit 3, nothing changed) when a store has no target, the cluster has no\n"
    "quorum, or another drain/undrain holds the lock (cluster_property_set\n"
    "" CS_LOCK_ID " in crm_config, removed at the end, also on failure, ^C or\n"
    "SIGTERM).\n"
    "\n"
    "Options:\n"
    "  --parallel N          stores moved together in one batch (default 4)\n"
    "  --timeout SECONDS     per store (default 120): then its constraint is removed, the\n"
    "                        store reported failed, the others go on, exit 1\n"
    "  --dry-run             change nothing: add the constraints to a copy of the CIB,\n"
    "                        run crm_simulate on it, show where Pacemaker would promote\n"
    "                        each store (exit 4 if not on its target)\n"
    "  --output-as=text|xml  output format (default text)\n"
    "\n"
    "Progress on stderr when it is a terminal; a table of the moves on stdout.\n"
    "With CIB_file=FILE only --dry-run works (on the file, which is not changed).\n"
    "Exit codes: 0 done (or nothing to move), 1 a move failed or timed out, runtime error\n"
    "or interrupted, 2 bad usage or unknown machine, 3 refused, 4 the dry run found\n"
    "Pacemaker deciding otherwise.\n";

static const char rebalance_usage[] =
    "Usage: slotstore rebalance [--yes] [--dry-run] [--parallel N] [--timeout SECONDS]\n"
    "                           [--output-as=text|xml]\n"
    "\n"
    "Return the cluster to the plan after failures, manual moves or a rejoin: every store\n"
    "whose master is not on its planned master (the first machine of its 'slots') moves\n"
    "back there when that slot is online, in sync, not marked outdated and not banned;\n"
    "stores that cannot go back yet are noted and left.  One move per store off its\n"
    "planned master: the fewest moves that restore the plan.  Without --yes: shows the\n"
    "moves and what Pacemaker would do (crm_simulate on a copy), changes nothing.\n"
    "With --yes: makes them like drain (same lock, batches, progress, table).\n"
    "Exit codes as for drain.\n";

static const char undrain_usage[] =
    "Usage: slotstore undrain MACHINE [--parallel N] [--timeout SECONDS] [--wait SECONDS]\n"
    "                         [--dry-run] [--output-as=text|xml]\n"
    "\n"
    "After maintenance: move back to MACHINE the stores it is the planned master of (the\n"
    "first machine of their 'slots') whose master runs elsewhere.  First waits until every\n"
    "slot of those stores on MACHINE runs as a replica in sync (promotion score >= 1000,\n"
    "no outdated mark); then moves them exactly as drain does (same lock, parallelism,\n"
    "timeouts, progress, table and dry run).  A store with no master at all (Pacemaker\n"
    "still recovering it after MACHINE rejoined) is waited for up to 60 s of that wait,\n"
    "then left out with a note.\n"
    "\n"
    "Refuses (exit 3, nothing changed) when MACHINE is not online (take it out of standby\n"
    "first), the slots have not caught up within --wait, the cluster has no quorum, or\n"
    "another drain/undrain holds the lock.\n"
    "\n"
    "Options:\n"
    "  --parallel N          stores moved together in one batch (default 4)\n"
    "  --timeout SECONDS     per store (default 120)\n"
    "  --wait SECONDS        for the slots to catch up (default 600; 0 with --dry-run)\n"
    "  --dry-run             change nothing: simulate the moves on a copy of the CIB\n"
    "  --output-as=text|xml  output format (default text)\n"
    "\n"
    "With CIB_file=FILE only --dry-run works.\n"
    "Exit codes: 0 done (or nothing to move back), 1 a move failed or timed out, runtime\n"
    "error or interrupted, 2 bad usage or unknown machine, 3 refused, 4 the dry run found\n"
    "Pacemaker deciding otherwise.\n";


enum mv_result { MV_PENDING, MV_MOVING, MV_MOVED, MV_FAILED, MV_INTERRUPTED, MV_NOT_STARTED };

static const char *const mv_result_name[] = {"pending", "moving",      "moved",
                                             "failed",  "interrupted", "not started"};

/* One store to move; every string is owned (g_free). */
struct move {
    char *store, *from, *to;
    enum mv_result result;
    char *why;          /* failure, leftover constraint, dry-run disagreement; NULL */
    int leftover;       /* its cli-prefer could not be removed */
    double start;       /* monotonic seconds at crm_resource --move */
    double seconds;     /* until it arrived (or gave up) */
    char *simulated;    /* dry run: Promoted there in the simulation, NULL none */
    int agrees;         /* dry run: Pacemaker promotes it on `to`, keeps `from` running */
};

struct opts {
    const char *verb;   /* "drain", "undrain" or "rebalance" */
    int undrain;
    int rebalance;      /* every store back to its planned master; machine = "cluster" */
    int yes;            /* rebalance: apply (without: a dry run) */
    const char *machine;
    int parallel;
    double timeout;
    double wait;        /* undrain; < 0 until given */
    int dry_run;
    enum ss_output out;
};

struct drain {
    struct opts o;
    const char *cib_file;   /* CIB_file, NULL live */
    int tty;                /* progress on stderr */
    struct move *mv;
    int nmv;
    GPtrArray *refusals;    /* lines: why nothing may change */
    GPtrArray *behind;      /* undrain: slots on MACHINE not caught up yet */
    GPtrArray *notes;       /* lines for stderr, e.g. operators' constraints replaced */
    GPtrArray *others;      /* dry run: other stores whose master would change */
    int planned_here;       /* undrain: stores MACHINE is the planned master of */
    int masterless;         /* undrain: of those, stores with no master right now */
    char *lock;             /* our lock's value once taken */
    double seconds;         /* the moves took */
};

/* ---- small helpers ------------------------------------------------------ */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sleep; a signal ends it early. */
static void sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

static void catch_signals(void)
{
    struct sigaction old[3];
    cli_catch_signals(old); /* kept to the end: the lock is removed on the way out */
    /* a closed stdout must not kill us before the lock is removed */
    signal(SIGPIPE, SIG_IGN);
}

static const char *or_none(const char *s)
{
    return s ? s : "NONE";
}

/* The first line of what a child said (stderr, else stdout), shortened. */
static char *complaint(const struct cs_child *c)
{
    const char *src = c->err && *c->err ? c->err : c->out ? c->out : "";
    while (*src == '\n' || *src == ' ')
        src++;
    size_t n = strcspn(src, "\n");
    if (n == 0)
        return c->code < 0 ? g_strdup_printf("killed by signal %d", c->sig)
                           : g_strdup_printf("exit code %d, no message", c->code);
    return g_strdup_printf("%.*s", (int)(n < DR_SHOWN ? n : DR_SHOWN), src);
}

/* Run a child to its end: 0 when it exited 0, else -1 with *why (g_free). */
static int run_child(char **argv, const char *other_cib, struct cs_child *c, char **why)
{
    char *spawn_why = NULL;
    if (cs_run(argv, other_cib, 1, c, &spawn_why) != 0) {
        *why = g_strdup_printf("cannot run %s (%s)", argv[0], spawn_why);
        g_free(spawn_why);
        return -1;
    }
    if (c->code == 0)
        return 0;
    char *said = complaint(c);
    size_t n = strlen(argv[0]);
    const char *msg = strncmp(said, argv[0], n) == 0 && said[n] == ':' ? said + n + 1 : said;
    *why = g_strdup_printf("%s failed: %s", argv[0], msg + strspn(msg, " "));
    g_free(said);
    return -1;
}

/* ---- moves -------------------------------------------------------------- */

static void moves_free(struct drain *d)
{
    for (int i = 0; i < d->nmv; i++) {
        g_free(d->mv[i].store);
        g_free(d->mv[i].from);
        g_free(d->mv[i].to);
        g_free(d->mv[i].why);
        g_free(d->mv[i].simulated);
    }
    g_free(d->mv);
    d->mv = NULL;
    d->nmv = 0;
}

static void add_move(struct drain *d, const char *store, const char *from, const char *to)
{
    d->mv = g_renew(struct move, d->mv, d->nmv + 1);
    d->mv[d->nmv++] = (struct move){.store = g_strdup(store), .from = g_strdup(from),
                                    .to = g_strdup(to), .result = MV_PENDING};
}

static void set_why(struct move *mv, char *why)
{
    g_free(mv->why);
    mv->why = why;
}

static int count_result(const struct drain *d, enum mv_result r)
{
    int n = 0;
    for (int i = 0; i < d->nmv; i++)
        n += d->mv[i].result == r;
    return n;
}

/* ---- planning ----------------------------------------------------------- */

enum readiness { READY, WAITABLE, HARD };

/* A cli-* constraint banning store s from machine (crm_resource --ban). */
static const struct cs_constraint *ban_on(const struct cluster_state *cs,
                                          const struct cs_store *s, const char *machine)
{
    for (int i = 0; i < cs->nc; i++) {
        const struct cs_constraint *c = &cs->c[i];
        int ours = c->rsc && (strcmp(c->rsc, s->name) == 0 || strcmp(c->rsc, s->prim) == 0);
        if (ours && c->node && strcmp(c->node, machine) == 0 && c->score && c->score[0] == '-')
            return c;
    }
    return NULL;
}

static enum readiness machine_unready(const struct cluster_state *cs, const struct cs_store *s,
                                      const char *machine, char **why)
{
    int m = cs_machine_index(cs, machine);
    const struct cs_constraint *ban = ban_on(cs, s, machine);
    if (m < 0)
        *why = g_strdup_printf("%s is not a cluster node: check the slots of %s", machine,
                               s->name);
    else if (cs->m[m].state == CS_OFFLINE)
        *why = g_strdup_printf("%s is offline: start the cluster on it", machine);
    else if (cs->m[m].state == CS_STANDBY)
        *why = g_strdup_printf("%s is in standby: crm_attribute -N %s -n standby -v off",
                               machine, machine);
    else if (ban)
        *why = g_strdup_printf("%s is banned by %s: crm_resource --clear -r %s -N %s", machine,
                               ban->id, or_none(ban->rsc), machine);
    else
        return READY;
    return HARD;
}

/* Whether machine's slot of s can take the master now; why not in *why. */
static enum readiness slot_unready(const struct cluster_state *cs, const struct cs_store *s,
                                   const char *machine, char **why)
{
    const struct cs_slot *slot = cs_slot_on(s, machine);
    *why = NULL;
    if (slot == NULL) {
        *why = g_strdup_printf("%s has no slot of %s", machine, s->name);
        return HARD;
    }
    enum readiness r = machine_unready(cs, s, machine, why);
    if (r != READY)
        return r;
    const char *score = slot->score ? slot->score : "none";
    if (slot->marked)
        *why = g_strdup_printf("%s is outdated (mark " CS_MARK_PREFIX "%s): wait until its "
                               "master has resynced it and cleared the mark (slotstore marks)",
                               machine, s->name);
    else if (slot->state == CS_MASTER || slot->role == CS_PROMOTED)
        *why = g_strdup_printf("%s runs the master of %s", machine, s->name);
    else if (slot->state == CS_SLOT_STOPPED)
        *why = g_strdup_printf("%s does not run %s: see crm_mon --failcounts, then "
                               "crm_resource --refresh -r %s -N %s",
                               machine, s->name, s->name, machine);
    else if (slot->state == CS_OUTDATED)
        *why = g_strdup_printf("%s is outdated (promotion score %s): wait until it has "
                               "caught up",
                               machine, score);
    else if (slot->state == CS_CATCHING_UP)
        *why = g_strdup_printf("%s is catching up (promotion score %s): wait until it is in "
                               "sync (slotstore status)",
                               machine, score);
    else if (slot->state == CS_UNKNOWN)
        *why = g_strdup_printf("%s has no promotion score%s%s: wait for its agent's next "
                               "monitor",
                               machine, slot->score ? " " : "", slot->score ? slot->score : "");
    else
        return READY;
    return WAITABLE;
}

/* "imap01 imap03": the machines of a store's slots. */
static char *slot_list(const struct cs_store *s)
{
    GString *g = g_string_new(NULL);
    for (int j = 0; j < s->nslots; j++)
        g_string_append_printf(g, "%s%s", j ? " " : "", s->slots[j].machine);
    return g_string_free(g, FALSE);
}

static void note_manual_prefer(const struct cluster_state *cs, struct drain *d,
                               const struct cs_store *s)
{
    char id[300];
    snprintf(id, sizeof(id), CS_MANUAL_PREFIX "prefer-%s", s->name);
    const struct cs_constraint *c = cs_constraint(cs, id);
    if (c)
        g_ptr_array_add(d->notes,
                        g_strdup_printf("%s: the operators' %s (node %s) is replaced by the "
                                        "move and removed after it",
                                        s->name, id, or_none(c->node)));
}

/* drain: store s, mastered on MACHINE, to its target (a move), else a refusal. */
static void plan_drain_store(const struct cluster_state *cs, struct drain *d,
                             const struct cs_store *s)
{
    GString *why = g_string_new(NULL);
    const char *to = NULL;
    for (int j = 0; j < s->nslots && to == NULL; j++) {
        const char *m = s->slots[j].machine;
        char *r = NULL;
        if (strcmp(m, d->o.machine) == 0)
            continue;
        if (slot_unready(cs, s, m, &r) == READY)
            to = m;
        else
            g_string_append_printf(why, "%s%s", why->len ? "; " : "", r);
        g_free(r);
    }
    if (to) {
        add_move(d, s->name, d->o.machine, to);
        note_manual_prefer(cs, d, s);
    } else {
        char *slots = slot_list(s);
        g_ptr_array_add(d->refusals,
                        g_strdup_printf("%s (slots %s) has no target: %s", s->name, slots,
                                        why->len ? why->str : "no other slot"));
        g_free(slots);
    }
    g_string_free(why, TRUE);
}

static void plan_drain(const struct cluster_state *cs, struct drain *d)
{
    for (int i = 0; i < cs->ns; i++) {
        const struct cs_store *s = &cs->s[i];
        if (s->master && strcmp(s->master, d->o.machine) == 0)
            plan_drain_store(cs, d, s);
    }
}

static void plan_undrain_store(const struct cluster_state *cs, struct drain *d,
                               const struct cs_store *s)
{
    d->planned_here++;
    if (s->master == NULL) {
        d->masterless++;
        g_ptr_array_add(d->notes, g_strdup_printf("%s has no master now: not moved back "
                                                  "(slotstore status)",
                                                  s->name));
        return;
    }
    if (strcmp(s->master, d->o.machine) == 0)
        return;
    add_move(d, s->name, s->master, d->o.machine);
    note_manual_prefer(cs, d, s);
    char *why = NULL;
    enum readiness r = slot_unready(cs, s, d->o.machine, &why);
    if (r == WAITABLE)
        g_ptr_array_add(d->behind, g_strdup_printf("%s: %s", s->name, why));
    else if (r == HARD)
        g_ptr_array_add(d->refusals, g_strdup_printf("%s cannot move back: %s", s->name, why));
    g_free(why);
}

static void plan_undrain(const struct cluster_state *cs, struct drain *d)
{
    int m = cs_machine_index(cs, d->o.machine);
    if (cs->m[m].state != CS_ONLINE) {
        g_ptr_array_add(d->refusals,
                        cs->m[m].state == CS_STANDBY
                            ? g_strdup_printf("%s is in standby: take it out first "
                                              "(crm_attribute -N %s -n standby -v off), then "
                                              "run undrain",
                                              d->o.machine, d->o.machine)
                            : g_strdup_printf("%s is offline: start the cluster on it, then "
                                              "run undrain",
                                              d->o.machine));
        return;
    }
    for (int i = 0; i < cs->ns; i++) {
        const struct cs_store *s = &cs->s[i];
        const char *home = cs_planned_master(s);
        if (home && strcmp(home, d->o.machine) == 0)
            plan_undrain_store(cs, d, s);
    }
}

static void common_refusals(const struct cluster_state *cs, struct drain *d)
{
    if (!cs->quorum)
        g_ptr_array_add(d->refusals,
                        g_strdup(cs->cib_file
                                     ? "the cluster has no quorum (have-quorum is not 1 in "
                                       "CIB_file); moves need a quorate partition"
                                     : "the cluster has no quorum (crm_mon: no DC with "
                                       "quorum); moves need a quorate partition: bring "
                                       "machines back (corosync-quorumtool -s)"));
    if (cs->lock && (d->lock == NULL || strcmp(cs->lock, d->lock) != 0))
        g_ptr_array_add(d->refusals,
                        g_strdup_printf("another drain or undrain is running (lock %s): %s; "
                                        "if it died, remove it with: " LOCK_DELETE,
                                        CS_LOCK_ID, cs->lock));
}

static void plan_reset(struct drain *d)
{
    moves_free(d);
    g_ptr_array_set_size(d->refusals, 0);
    g_ptr_array_set_size(d->behind, 0);
    g_ptr_array_set_size(d->notes, 0);
    d->planned_here = 0;
    d->masterless = 0;
}

/* rebalance: each store whose master is not its planned master goes back there when
 * that slot is ready; the others are noted, not refused.  These are the fewest moves
 * that restore the plan: every store off its planned master needs exactly one. */
static void plan_rebalance(const struct cluster_state *cs, struct drain *d)
{
    for (int i = 0; i < cs->ns; i++) {
        const struct cs_store *s = &cs->s[i];
        const char *home = cs_planned_master(s);
        if (home == NULL || (s->master && strcmp(s->master, home) == 0))
            continue;
        if (s->master == NULL) {
            g_ptr_array_add(d->notes, g_strdup_printf("%s has no master now: not moved "
                                                      "(slotstore status)",
                                                      s->name));
            continue;
        }
        char *why = NULL;
        if (slot_unready(cs, s, home, &why) == READY) {
            add_move(d, s->name, s->master, home);
            note_manual_prefer(cs, d, s);
        } else {
            g_ptr_array_add(d->notes, g_strdup_printf("%s stays on %s for now: %s", s->name,
                                                      s->master, why));
        }
        g_free(why);
    }
}

static void plan(const struct cluster_state *cs, struct drain *d)
{
    plan_reset(d);
    common_refusals(cs, d);
    if (d->o.rebalance)
        plan_rebalance(cs, d);
    else if (d->o.undrain)
        plan_undrain(cs, d);
    else
        plan_drain(cs, d);
}

static void print_lines(const char *head, const GPtrArray *lines)
{
    fprintf(stderr, "%s\n", head);
    for (guint i = 0; i < lines->len; i++)
        fprintf(stderr, "  %s\n", (const char *)g_ptr_array_index(lines, i));
}

static int refuse(const struct drain *d, const GPtrArray *lines, const char *what)
{
    cli_progress_done(d->tty);
    char *head = g_strdup_printf("slotstore: %s: refused, %s:", d->o.verb, what);
    print_lines(head, lines);
    g_free(head);
    return SS_EXIT_REFUSED;
}

static int unknown_machine(const struct cluster_state *cs, const struct drain *d)
{
    cli_progress_done(d->tty);
    GString *g = g_string_new(NULL);
    for (int i = 0; i < cs->nm; i++)
        g_string_append_printf(g, "%s%s", i ? ", " : "", cs->m[i].name);
    fprintf(stderr, "slotstore: %s: unknown machine '%s'; the machines are: %s\n", d->o.verb,
            d->o.machine, g->len ? g->str : "(none)");
    g_string_free(g, TRUE);
    return SS_EXIT_INPUT;
}

/* Read the state and plan.  0 to go on, else an exit code; *waiting when
 * undrain has slots not caught up (and nothing else refused). */
static int read_and_plan(struct drain *d, struct cluster_state *cs, int *waiting)
{
    struct ss_error err = {0};
    cluster_state_free(cs);
    cs->own_pgrp = 1;
    *waiting = 0;
    if (cluster_state_read(cs, d->o.verb, &err) != 0) {
        cli_progress_done(d->tty);
        return cli_fail(&err);
    }
    if (!d->o.rebalance && cs_machine_index(cs, d->o.machine) < 0)
        return unknown_machine(cs, d);
    plan(cs, d);
    if (d->refusals->len > 0)
        return refuse(d, d->refusals, "nothing changed");
    *waiting = d->behind->len > 0;
    return 0;
}

static int behind_refusal(const struct drain *d, double wait)
{
    char *within = wait > 0 ? g_strdup_printf(" within %g s", wait) : g_strdup("");
    char *what = g_strdup_printf("nothing moved: %d of %d slots on %s have not caught up%s "
                                 "(wait longer with --wait SECONDS%s)",
                                 (int)d->behind->len, d->nmv, d->o.machine, within,
                                 d->o.dry_run ? "; a live undrain waits 600 s by default" : "");
    int rc = refuse(d, d->behind, what);
    g_free(what);
    g_free(within);
    return rc;
}

/* undrain: wait until MACHINE's slots caught up (drain: one read).  Right after
 * MACHINE rejoined, Pacemaker may still be recovering stores that have slots
 * on it: one without a master then is waited for up to DR_SETTLE s (within
 * the wait), and left out with a note after that, so a broken store does not
 * hold up the others. */
static int wait_until_ready(struct drain *d, struct cluster_state *cs, double wait)
{
    double deadline = now() + wait;
    double settled = now() + (wait < DR_SETTLE ? wait : DR_SETTLE);
    int waiting = 0, rc;
    for (;;) {
        rc = read_and_plan(d, cs, &waiting);
        if (rc != 0)
            break;
        int settling = d->masterless > 0 && now() < settled;
        if (!waiting && !settling)
            break;
        if (cli_signal) {
            cli_progress_done(d->tty);
            fprintf(stderr, "slotstore: %s: interrupted by signal %d while waiting for the "
                            "slots to catch up; nothing was changed\n",
                    d->o.verb, (int)cli_signal);
            return SS_EXIT_RUNTIME;
        }
        if (now() >= deadline)
            return behind_refusal(d, wait);
        if (waiting)
            cli_progress(d->tty, "%s %s: %d/%d slots caught up", d->o.verb, d->o.machine,
                     d->nmv - (int)d->behind->len, d->nmv);
        else
            cli_progress(d->tty, "%s %s: %d stores have no master yet", d->o.verb, d->o.machine,
                     d->masterless);
        double left = deadline - now();
        sleep_ms(left * 1000 < DR_WAIT_POLL_MS ? (long)(left * 1000) + 1 : DR_WAIT_POLL_MS);
    }
    cli_progress_done(d->tty);
    return rc;
}

/* ---- the lock ----------------------------------------------------------- */

/* The lock's value now: 0 found (*value, g_free), 1 absent, -1 unknown. */
static int lock_query(char **value)
{
    char *argv[] = {"cibadmin", "--query", "-o", "crm_config", "--xpath",
                    "//cluster_property_set[@id='" CS_LOCK_ID "']/nvpair", NULL};
    struct cs_child c;
    char *why = NULL;
    int rc = run_child(argv, NULL, &c, &why);
    *value = NULL;
    if (rc != 0) {
        rc = c.code == 105 ? 1 : -1; /* CRM_EX_NOSUCH */
    } else {
        xmlDocPtr doc = xmlReadMemory(c.out, (int)strlen(c.out), "lock.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        xmlChar *v = root ? xmlGetProp(root, BAD_CAST "value") : NULL;
        *value = g_strdup(v ? (const char *)v : "(no value)");
        xmlFree(v);
        xmlFreeDoc(doc);
    }
    g_free(why);
    cs_child_clear(&c);
    return rc;
}

/* 0 when taken; else an exit code (refused when another holds it). */
static int lock_take(struct drain *d)
{
    char host[256] = "unknown";
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "unknown");
    host[sizeof(host) - 1] = '\0';
    char *value = g_strdup_printf("%s %s by %s pid %ld since %ld", d->o.verb, d->o.machine,
                                  host, (long)getpid(), (long)time(NULL));
    char *xml = g_markup_printf_escaped("<cluster_property_set id=\"%s\"><nvpair id=\"%s-op\" "
                                        "name=\"%s\" value=\"%s\"/></cluster_property_set>",
                                        CS_LOCK_ID, CS_LOCK_ID, CS_LOCK_ID, value);
    char *argv[] = {"cibadmin", "--create", "-o", "crm_config", "-X", xml, NULL};
    struct cs_child c;
    char *why = NULL;
    int rc = run_child(argv, NULL, &c, &why);
    if (rc == 0) {
        d->lock = value;
        value = NULL;
    } else if (c.code == 108 || (c.err && strstr(c.err, "exists"))) { /* CRM_EX_EXISTS */
        char *held = NULL;
        lock_query(&held);
        fprintf(stderr, "slotstore: %s: refused, nothing changed: another drain or undrain is "
                        "running: %s; if it died, remove it with: " LOCK_DELETE "\n",
                d->o.verb, held ? held : "(gone meanwhile; run it again)");
        g_free(held);
        rc = SS_EXIT_REFUSED;
    } else {
        fprintf(stderr, "slotstore: %s: cannot take the lock (%s); nothing changed\n",
                d->o.verb, why);
        rc = SS_EXIT_RUNTIME;
    }
    g_free(why);
    g_free(value);
    g_free(xml);
    cs_child_clear(&c);
    return rc;
}

/* Remove our lock (only ours).  0, or SS_EXIT_RUNTIME when it is left. */
static int lock_release(struct drain *d)
{
    if (d->lock == NULL)
        return 0;
    char *value = NULL;
    int found = lock_query(&value);
    int rc = 0;
    if (found == 0 && strcmp(value, d->lock) != 0) {
        fprintf(stderr, "slotstore: %s: warning: the lock is now '%s', not ours: left as it "
                        "is\n", d->o.verb, value);
    } else if (found != 1) {
        char *argv[] = {"cibadmin", "--delete", "-o", "crm_config", "-X",
                        "<cluster_property_set id=\"" CS_LOCK_ID "\"/>", NULL};
        struct cs_child c;
        char *why = NULL;
        if (run_child(argv, NULL, &c, &why) != 0) {
            fprintf(stderr, "slotstore: %s: cannot remove the lock (%s); remove it with: "
                            LOCK_DELETE "\n", d->o.verb, why);
            rc = SS_EXIT_RUNTIME;
        }
        g_free(why);
        cs_child_clear(&c);
    }
    g_free(value);
    g_free(d->lock);
    d->lock = NULL;
    return rc;
}

/* ---- live moves --------------------------------------------------------- */

/* crm_resource --clear of our constraint; 0, or -1 with *why. */
static int constraint_clear(const struct move *mv, const char *other_cib, char **why)
{
    char *argv[] = {"crm_resource", "--clear", "-r", mv->store, "-N", mv->to, NULL};
    struct cs_child c;
    int rc = run_child(argv, other_cib, &c, why);
    cs_child_clear(&c);
    return rc;
}

static int constraint_add(const struct move *mv, const char *other_cib, char **why)
{
    char *argv[] = {"crm_resource", "--move", "--promoted", "-r", mv->store, "-N", mv->to,
                    NULL};
    struct cs_child c;
    int rc = run_child(argv, other_cib, &c, why);
    cs_child_clear(&c);
    return rc;
}

/* Clear mv's constraint at the end of its move; a leftover is noted. */
static void move_end(struct move *mv, enum mv_result result, char *why, double t)
{
    char *clear_why = NULL;
    mv->result = result;
    mv->seconds = t - mv->start;
    if (constraint_clear(mv, NULL, &clear_why) != 0) {
        mv->leftover = 1;
        char *all = g_strdup_printf("%s%sconstraint " CS_MANUAL_PREFIX "prefer-%s left (%s): "
                                    "remove it with crm_resource --clear -r %s -N %s",
                                    why ? why : "", why ? "; " : "", mv->store, clear_why,
                                    mv->store, mv->to);
        g_free(why);
        why = all;
    }
    set_why(mv, why);
    g_free(clear_why);
}

static int arrived(const struct cluster_state *cs, const struct move *mv)
{
    int i = cs_store_index(cs, mv->store);
    if (i < 0)
        return 0;
    const struct cs_slot *to = cs_slot_on(&cs->s[i], mv->to);
    const struct cs_slot *from = cs_slot_on(&cs->s[i], mv->from);
    return to && to->role == CS_PROMOTED && !(from && from->role == CS_PROMOTED);
}

static const char *master_now(const struct cluster_state *cs, const char *store)
{
    int i = cs_store_index(cs, store);
    return i >= 0 ? or_none(cs->s[i].master) : "unknown";
}

static void moves_progress(const struct drain *d)
{
    if (!d->tty)
        return;
    GString *g = g_string_new(NULL);
    int moving = 0;
    double t = now();
    for (int i = 0; i < d->nmv; i++)
        if (d->mv[i].result == MV_MOVING)
            g_string_append_printf(g, "%s%s %s->%s %.1fs", moving++ ? ", " : "",
                                   d->mv[i].store, d->mv[i].from, d->mv[i].to,
                                   t - d->mv[i].start);
    int done = d->nmv - moving - count_result(d, MV_PENDING);
    cli_progress(d->tty, "%s %s: %d/%d done, %d moving%s%s%s", d->o.verb, d->o.machine, done, d->nmv,
             moving, moving ? " (" : "", g->str, moving ? ")" : "");
    g_string_free(g, TRUE);
}

/* After a signal: stop what is in flight (constraints cleared). */
static void moves_interrupt(struct drain *d, const struct cluster_state *cs)
{
    double t = now();
    for (int i = 0; i < d->nmv; i++) {
        struct move *mv = &d->mv[i];
        if (mv->result == MV_PENDING) {
            mv->result = MV_NOT_STARTED;
        } else if (mv->result == MV_MOVING) {
            char *why = g_strdup_printf("stopped by signal %d; Pacemaker keeps it where it is "
                                        "(master: %s)",
                                        (int)cli_signal, master_now(cs, mv->store));
            move_end(mv, MV_INTERRUPTED, why, t);
        }
    }
}

/* A batch's constraints in one CIB update: for each move the constraint crm_resource
 * --move --promoted writes (cli-prefer-STORE, role Promoted, INFINITY on the target).
 * One update, one transition for the whole batch: on a busy cluster each crm_resource
 * call costs about a second and aborts the transition in progress. */
static int batch_add(struct drain *d, int first, int n, char **why)
{
    GString *x = g_string_new("<constraints>");
    for (int i = first; i < first + n; i++)
        g_string_append_printf(x,
                               "<rsc_location id=\"" CS_MANUAL_PREFIX "prefer-%s\" rsc=\"%s\" "
                               "role=\"Promoted\" node=\"%s\" score=\"INFINITY\"/>",
                               d->mv[i].store, d->mv[i].store, d->mv[i].to);
    g_string_append(x, "</constraints>");
    char *argv[] = {"cibadmin", "--modify", "--allow-create", "--scope", "constraints",
                    "--xml-text", x->str, NULL};
    struct cs_child c;
    int rc = run_child(argv, NULL, &c, why);
    cs_child_clear(&c);
    g_string_free(x, TRUE);
    return rc;
}

/* Remove the batch's constraints (only ours: id and target node) in one CIB update;
 * --force because cibadmin refuses XPath deletes otherwise. */
static int batch_clear(struct drain *d, int first, int n, char **why)
{
    GString *x = g_string_new("//constraints/rsc_location[");
    for (int i = first; i < first + n; i++)
        g_string_append_printf(x, "%s(@id='" CS_MANUAL_PREFIX "prefer-%s' and @node='%s')",
                               i > first ? " or " : "", d->mv[i].store, d->mv[i].to);
    g_string_append(x, "]");
    char *argv[] = {"cibadmin", "--delete-all", "--force", "--xpath", x->str, NULL};
    struct cs_child c;
    int rc = run_child(argv, NULL, &c, why);
    cs_child_clear(&c);
    g_string_free(x, TRUE);
    return rc;
}

/* End every move of the batch still in flight (result r), then clear the batch. */
static void batch_end(struct drain *d, int first, int n, double t)
{
    char *why = NULL;
    int cleared = batch_clear(d, first, n, &why) == 0;
    for (int i = first; i < first + n; i++) {
        struct move *mv = &d->mv[i];
        if (mv->result == MV_MOVING) {
            mv->result = MV_MOVED;
            if (mv->seconds == 0) /* not seen arriving: timed at the end */
                mv->seconds = t - mv->start;
        }
        if (!cleared) {
            mv->leftover = 1;
            set_why(mv, g_strdup_printf("%s%sconstraint " CS_MANUAL_PREFIX "prefer-%s left (%s): "
                                        "remove it with crm_resource --clear -r %s -N %s",
                                        mv->why ? mv->why : "", mv->why ? "; " : "", mv->store,
                                        why, mv->store, mv->to));
        }
    }
    g_free(why);
}

/* Poll a batch until every move arrived or timed out; moves that arrive are timed
 * then, the batch's constraints are cleared together at the end. */
static void batch_wait(struct drain *d, struct cluster_state *cs, int first, int n)
{
    char *poll_error = NULL;
    for (;;) {
        moves_progress(d);
        int moving = 0;
        for (int i = first; i < first + n; i++)
            moving += d->mv[i].result == MV_MOVING && d->mv[i].seconds == 0;
        if (moving == 0 || cli_signal)
            break;
        sleep_ms(DR_POLL_MS);
        if (cli_signal)
            break;
        struct ss_error err = {0};
        int ok = cluster_state_read_roles(cs, NULL, &err) == 0;
        if (!ok) {
            g_free(poll_error);
            poll_error = g_strdup(err.msg);
        }
        double t = now();
        for (int i = first; i < first + n; i++) {
            struct move *mv = &d->mv[i];
            if (mv->result != MV_MOVING || mv->seconds != 0)
                continue;
            if (ok && arrived(cs, mv)) {
                mv->seconds = t - mv->start;
            } else if (t - mv->start >= d->o.timeout) {
                mv->result = MV_FAILED;
                mv->seconds = t - mv->start;
                set_why(mv, g_strdup_printf("not Promoted on %s after %g s (master: %s%s%s)",
                                            mv->to, d->o.timeout,
                                            ok ? master_now(cs, mv->store) : "unknown",
                                            ok ? "" : "; ", ok ? "" : poll_error));
            }
        }
    }
    g_free(poll_error);
}

static void moves_run(struct drain *d, struct cluster_state *cs)
{
    for (int first = 0; first < d->nmv && !cli_signal; first += d->o.parallel) {
        int n = d->nmv - first < d->o.parallel ? d->nmv - first : d->o.parallel;
        char *why = NULL;
        double t0 = now();
        for (int i = first; i < first + n; i++) {
            d->mv[i].start = t0;
            d->mv[i].seconds = 0;
            d->mv[i].result = MV_MOVING;
        }
        if (batch_add(d, first, n, &why) != 0) {
            for (int i = first; i < first + n; i++) {
                d->mv[i].result = MV_FAILED;
                set_why(&d->mv[i], g_strdup(why));
            }
            g_free(why);
            batch_end(d, first, n, now()); /* it may have half-happened */
            continue;
        }
        batch_wait(d, cs, first, n);
        if (cli_signal)
            break;
        batch_end(d, first, n, now());
    }
    if (cli_signal)
        moves_interrupt(d, cs);
    cli_progress_done(d->tty);
}

/* ---- dry run ------------------------------------------------------------ */

struct sim_files {
    char *dir, *cib, *result;
};

static void sim_files_remove(struct sim_files *f)
{
    if (f->cib)
        g_unlink(f->cib);
    if (f->result)
        g_unlink(f->result);
    if (f->dir)
        g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f->cib);
    g_free(f->result);
    *f = (struct sim_files){0};
}

/* A private directory with the CIB (cibadmin --query honours CIB_file). */
static int sim_copy(const struct drain *d, struct sim_files *f)
{
    const char *tmp = getenv("TMPDIR");
    f->dir = g_strdup_printf("%s/slotstore-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", d->o.verb);
    if (g_mkdtemp(f->dir) == NULL) {
        fprintf(stderr, "slotstore: %s: cannot create a private directory (%s: %s); set TMPDIR "
                        "to a writable directory\n", d->o.verb, f->dir, strerror(errno));
        g_free(f->dir);
        f->dir = NULL;
        return SS_EXIT_RUNTIME;
    }
    f->cib = g_strdup_printf("%s/cib.xml", f->dir);
    f->result = g_strdup_printf("%s/result.xml", f->dir);
    char *argv[] = {"cibadmin", "--query", NULL};
    struct cs_child c;
    char *why = NULL;
    int rc = run_child(argv, NULL, &c, &why);
    if (rc == 0 && cli_write_atomic(f->cib, c.out, strlen(c.out), &why) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "slotstore: %s: cannot copy the CIB: %s\n", d->o.verb, why);
    g_free(why);
    cs_child_clear(&c);
    return rc == 0 ? 0 : SS_EXIT_RUNTIME;
}

/* The same constraints as the live run, in the copy. */
static void sim_constraints(struct drain *d, const struct sim_files *f)
{
    for (int i = 0; i < d->nmv && !cli_signal; i++) {
        char *why = NULL;
        if (constraint_add(&d->mv[i], f->cib, &why) != 0)
            set_why(&d->mv[i], why);
        else
            g_free(why);
    }
}

static int sim_run(const struct drain *d, const struct sim_files *f)
{
    char *argv[] = {"crm_simulate", "--xml-file", f->cib, "--simulate", "--save-output",
                    f->result, NULL};
    struct cs_child c;
    char *why = NULL;
    if (cli_signal)
        return SS_EXIT_RUNTIME;
    int rc = run_child(argv, NULL, &c, &why);
    if (rc != 0)
        fprintf(stderr, "slotstore: %s: the simulation failed (%s)\n", d->o.verb, why);
    g_free(why);
    cs_child_clear(&c);
    return rc == 0 ? 0 : SS_EXIT_RUNTIME;
}

/* The masters before, by store index (g_strfreev). */
static char **masters_now(const struct cluster_state *cs)
{
    char **v = g_new0(char *, (gsize)cs->ns + 1);
    for (int i = 0; i < cs->ns; i++)
        v[i] = g_strdup(or_none(cs->s[i].master));
    return v;
}

static void judge_move(const struct cluster_state *cs, struct move *mv)
{
    int i = cs_store_index(cs, mv->store);
    const struct cs_slot *from = i >= 0 ? cs_slot_on(&cs->s[i], mv->from) : NULL;
    mv->simulated = g_strdup(i >= 0 ? cs->s[i].master : NULL);
    mv->agrees = mv->why == NULL && arrived(cs, mv) && from && from->role == CS_UNPROMOTED;
    if (mv->why)
        return;
    if (!mv->agrees && from && from->role == CS_STOPPED)
        mv->why = g_strdup_printf("Pacemaker would stop its slot on %s", mv->from);
    else if (!mv->agrees)
        mv->why = g_strdup_printf("Pacemaker would promote it on %s", or_none(mv->simulated));
}

static int in_plan(const struct drain *d, const char *store)
{
    for (int i = 0; i < d->nmv; i++)
        if (strcmp(d->mv[i].store, store) == 0)
            return 1;
    return 0;
}

/* Compare the simulation's result with the plan. */
static void sim_judge(struct drain *d, const struct cluster_state *cs, char **before)
{
    for (int i = 0; i < d->nmv; i++)
        judge_move(cs, &d->mv[i]);
    for (int i = 0; i < cs->ns; i++) {
        const char *after = or_none(cs->s[i].master);
        if (!in_plan(d, cs->s[i].name) && strcmp(before[i], after) != 0)
            g_ptr_array_add(d->others, g_strdup_printf("%s %s %s", cs->s[i].name, before[i],
                                                       after));
    }
}

static int dry_run(struct drain *d, struct cluster_state *cs)
{
    struct sim_files f = {0};
    char **before = masters_now(cs);
    int rc = sim_copy(d, &f);
    if (rc == 0) {
        sim_constraints(d, &f);
        rc = sim_run(d, &f);
    }
    if (rc == 0 && !cli_signal) {
        struct ss_error err = {0};
        if (cluster_state_read_roles(cs, f.result, &err) != 0)
            rc = cli_fail(&err);
        else
            sim_judge(d, cs, before);
    }
    if (cli_signal) {
        fprintf(stderr, "slotstore: %s: interrupted by signal %d (dry run); nothing was "
                        "changed\n", d->o.verb, (int)cli_signal);
        rc = SS_EXIT_RUNTIME;
    }
    sim_files_remove(&f);
    g_strfreev(before);
    return rc;
}

/* ---- output ------------------------------------------------------------- */

static const char *done_word(const struct drain *d)
{
    return d->o.rebalance ? "rebalanced" : d->o.undrain ? "undrained" : "drained";
}

static void text_dry_run(const struct drain *d)
{
    printf("%s %s (dry run%s%s%s): %d master%s to move, in batches of %d\n", d->o.verb,
           d->o.machine, d->cib_file ? ", CIB_file=" : "", d->cib_file ? d->cib_file : "",
           d->cib_file ? "" : ", live cluster", d->nmv, d->nmv == 1 ? "" : "s", d->o.parallel);
    printf("%-16s %-16s %-16s %-16s %s\n", "STORE", "FROM", "TO", "PACEMAKER", "RESULT");
    for (int i = 0; i < d->nmv; i++) {
        const struct move *mv = &d->mv[i];
        printf("%-16s %-16s %-16s %-16s %s%s\n", mv->store, mv->from, mv->to,
               or_none(mv->simulated), mv->agrees ? "agrees" : "DISAGREES: ",
               mv->agrees ? "" : or_none(mv->why));
    }
    for (guint i = 0; i < d->others->len; i++)
        printf("also moved by Pacemaker (store from to): %s\n",
               (const char *)g_ptr_array_index(d->others, i));
}

static void text_result(const struct drain *d)
{
    printf("%-16s %-16s %-16s %8s  %s\n", "STORE", "FROM", "TO", "SECONDS", "RESULT");
    for (int i = 0; i < d->nmv; i++) {
        const struct move *mv = &d->mv[i];
        char secs[32] = "-";
        if (mv->result != MV_NOT_STARTED)
            snprintf(secs, sizeof(secs), "%.1f", mv->seconds);
        printf("%-16s %-16s %-16s %8s  %s%s%s\n", mv->store, mv->from, mv->to, secs,
               mv_result_name[mv->result], mv->why ? ": " : "", mv->why ? mv->why : "");
    }
    printf("%s %s: %d of %d masters moved%s in %.1f s\n", done_word(d), d->o.machine,
           count_result(d, MV_MOVED), d->nmv, d->o.undrain ? " back" : "", d->seconds);
}

static void xml_move(xmlTextWriterPtr w, const struct drain *d, const struct move *mv)
{
    xmlTextWriterStartElement(w, BAD_CAST "move");
    cli_xml_str(w, "store", mv->store);
    cli_xml_str(w, "from", mv->from);
    cli_xml_str(w, "to", mv->to);
    if (d->o.dry_run) {
        cli_xml_str(w, "pacemaker", or_none(mv->simulated));
        cli_xml_str(w, "agrees", mv->agrees ? "true" : "false");
    } else {
        cli_xml_str(w, "result", mv_result_name[mv->result]);
        if (mv->result != MV_NOT_STARTED)
            xmlTextWriterWriteFormatAttribute(w, BAD_CAST "seconds", "%.1f", mv->seconds);
        cli_xml_str(w, "constraint-left", mv->leftover ? "true" : NULL);
    }
    cli_xml_str(w, "reason", mv->why);
    xmlTextWriterEndElement(w);
}

static void xml_other(xmlTextWriterPtr w, const char *line)
{
    char **f = g_strsplit(line, " ", 3);
    xmlTextWriterStartElement(w, BAD_CAST "other");
    cli_xml_str(w, "store", f[0]);
    cli_xml_str(w, "from", f[0] ? f[1] : NULL);
    cli_xml_str(w, "to", f[0] && f[1] ? f[2] : NULL);
    xmlTextWriterEndElement(w);
    g_strfreev(f);
}

static void xml_body(xmlTextWriterPtr w, const struct drain *d, int agrees)
{
    xmlTextWriterStartElement(w, BAD_CAST d->o.verb);
    cli_xml_str(w, "machine", d->o.machine);
    cli_xml_str(w, "dry-run", d->o.dry_run ? "true" : "false");
    cli_xml_str(w, "cib-file", d->cib_file);
    cli_xml_int(w, "masters", d->nmv);
    if (d->o.dry_run) {
        cli_xml_str(w, "agrees", agrees ? "true" : "false");
    } else {
        cli_xml_int(w, "moved", count_result(d, MV_MOVED));
        cli_xml_int(w, "failed", d->nmv - count_result(d, MV_MOVED));
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "seconds", "%.1f", d->seconds);
        cli_xml_str(w, "interrupted", cli_signal ? "true" : "false");
    }
    for (int i = 0; i < d->nmv; i++)
        xml_move(w, d, &d->mv[i]);
    for (guint i = 0; i < d->others->len; i++)
        xml_other(w, g_ptr_array_index(d->others, i));
    xmlTextWriterEndElement(w);
}

static void print_xml(const struct drain *d, int agrees)
{
    struct cli_xml x;
    xmlTextWriterPtr w = cli_xml_begin(&x, d->o.verb);
    xml_body(w, d, agrees);
    cli_xml_end(&x);
}

static void print_notes(const struct drain *d)
{
    for (guint i = 0; i < d->notes->len; i++)
        fprintf(stderr, "slotstore: %s: note: %s\n", d->o.verb,
                (const char *)g_ptr_array_index(d->notes, i));
}

static int nothing_to_do(const struct drain *d)
{
    if (d->o.rebalance)
        print_notes(d);
    if (d->o.out == SS_OUT_XML)
        print_xml(d, 1);
    else if (d->o.rebalance)
        printf("rebalance: every store's master is on its planned machine, or cannot go back "
               "now (see the notes): nothing to move\n");
    else if (d->o.undrain)
        printf("undrain %s: %s\n", d->o.machine,
               d->planned_here ? "every store it is the planned master of has its master "
                                 "there (or none): nothing to move back"
                               : "it is the planned master of no store: nothing to move back");
    else
        printf("drain %s: no masters run there: nothing to drain\n", d->o.machine);
    return SS_EXIT_OK;
}

static int report_dry_run(const struct drain *d)
{
    int bad = (int)d->others->len;
    for (int i = 0; i < d->nmv; i++)
        bad += !d->mv[i].agrees;
    if (d->o.out == SS_OUT_XML)
        print_xml(d, bad == 0);
    else
        text_dry_run(d);
    if (bad == 0) {
        if (d->o.out != SS_OUT_XML)
            printf("Pacemaker agrees: every store would be promoted on its target and the old "
                   "masters' slots keep running as replicas; nothing was changed\n");
        return SS_EXIT_OK;
    }
    fprintf(stderr, "slotstore: %s: the simulation disagrees with the plan on %d store%s; "
                    "nothing was changed\n", d->o.verb, bad, bad == 1 ? "" : "s");
    return SS_EXIT_CHECK;
}

static int report_moves(const struct drain *d)
{
    if (d->o.out == SS_OUT_XML)
        print_xml(d, 1);
    else
        text_result(d);
    int moved = count_result(d, MV_MOVED), left = 0;
    for (int i = 0; i < d->nmv; i++)
        left += d->mv[i].leftover;
    if (cli_signal) {
        fprintf(stderr, "slotstore: %s: interrupted by signal %d: %d of %d masters moved, the "
                        "moves in flight stopped (their constraints removed), %d not started\n",
                d->o.verb, (int)cli_signal, moved, d->nmv, count_result(d, MV_NOT_STARTED));
        return SS_EXIT_RUNTIME;
    }
    if (moved == d->nmv && left == 0)
        return SS_EXIT_OK;
    if (moved < d->nmv)
        fprintf(stderr, "slotstore: %s: %d of %d moves failed; see the table (slotstore status "
                        "shows where the stores are)\n",
                d->o.verb, d->nmv - moved, d->nmv);
    if (left)
        fprintf(stderr, "slotstore: %s: %d constraint%s could not be removed; the table says "
                        "how to remove %s\n",
                d->o.verb, left, left == 1 ? "" : "s", left == 1 ? "it" : "them");
    return SS_EXIT_RUNTIME;
}

/* ---- the command -------------------------------------------------------- */

/* Moves on the live cluster, under the lock. */
static int live_run(struct drain *d, struct cluster_state *cs)
{
    int rc = lock_take(d);
    if (rc != 0)
        return rc;
    /* the state again, now that no other drain can change it */
    rc = wait_until_ready(d, cs, 0);
    if (rc == 0 && d->nmv > 0) {
        print_notes(d);
        if (d->o.out != SS_OUT_XML)
            printf("%s %s: %d master%s to move, in batches of %d\n", d->o.verb,
                   d->o.machine, d->nmv, d->nmv == 1 ? "" : "s", d->o.parallel);
        fflush(stdout);
        double t0 = now();
        moves_run(d, cs);
        d->seconds = now() - t0;
    }
    int lrc = lock_release(d);
    if (rc == 0)
        rc = d->nmv > 0 ? report_moves(d) : nothing_to_do(d);
    return rc != 0 ? rc : lrc;
}

static int drain_main(struct drain *d)
{
    struct cluster_state cs = {.own_pgrp = 1};
    double wait = d->o.wait >= 0 ? d->o.wait : d->o.undrain && !d->o.dry_run ? DR_WAIT : 0;
    int rc = wait_until_ready(d, &cs, wait);
    if (rc == 0 && d->nmv == 0)
        rc = nothing_to_do(d);
    else if (rc == 0 && d->o.dry_run) {
        print_notes(d);
        rc = dry_run(d, &cs);
        if (rc == 0)
            rc = report_dry_run(d);
    } else if (rc == 0) {
        rc = live_run(d, &cs);
    }
    cluster_state_free(&cs);
    return rc;
}

/* ---- options ------------------------------------------------------------ */

static int bad_usage(const struct opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad_usage(const struct opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "slotstore: %s: ", o->verb);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; see slotstore %s --help\n", o->verb);
    return SS_EXIT_INPUT;
}

static int parse_seconds(const char *s, double min, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < min ||
        v > DR_MAX_SECONDS)
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || v < 1 || v > DR_MAX_PARALLEL)
        return -1;
    *out = (int)v;
    return 0;
}

/* "--name VALUE" or "--name=VALUE": the value (NULL if missing) when arg is
 * that option, else NULL with *is == 0. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *is)
{
    size_t n = strlen(name);
    *is = strncmp(argv[*i], name, n) == 0 && (argv[*i][n] == '\0' || argv[*i][n] == '=');
    if (!*is)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

/* One option with a value: 1 not this one, 0 parsed, else an exit code. */
static int value_option(int argc, char **argv, int *i, struct opts *o)
{
    int is = 0;
    const char *v = option_value(argc, argv, i, "--parallel", &is);
    if (is)
        return parse_count(v, &o->parallel) == 0
                   ? 0
                   : bad_usage(o, "--parallel needs a number from 1 to %d", DR_MAX_PARALLEL);
    v = option_value(argc, argv, i, "--timeout", &is);
    if (is)
        return parse_seconds(v, 0.001, &o->timeout) == 0
                   ? 0
                   : bad_usage(o, "--timeout needs seconds (more than 0, at most %.0f)",
                               DR_MAX_SECONDS);
    v = o->undrain && !o->rebalance ? option_value(argc, argv, i, "--wait", &is) : NULL;
    if (is)
        return parse_seconds(v, 0, &o->wait) == 0
                   ? 0
                   : bad_usage(o, "--wait needs seconds (0 or more, at most %.0f)",
                               DR_MAX_SECONDS);
    return 1;
}

/* 0 to go on, -1 after --help, else an exit code. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = value_option(argc, argv, &i, o);
        if (r != 1) {
            if (r != 0)
                return r;
            continue;
        }
        char joined[64];
        if (strcmp(a, "--output-as") == 0 && i + 1 < argc) {
            snprintf(joined, sizeof(joined), "--output-as=%s", argv[++i]);
            a = joined;
        }
        r = cli_output_option(a, &o->out);
        if (r < 0)
            return bad_usage(o, "bad output format (%s); use --output-as=text or "
                                "--output-as=xml", a);
        if (r == 0)
            continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(o->rebalance ? rebalance_usage : o->undrain ? undrain_usage : drain_usage,
                  stdout);
            return -1;
        }
        if (strcmp(a, "--dry-run") == 0)
            o->dry_run = 1;
        else if (o->rebalance && strcmp(a, "--yes") == 0)
            o->yes = 1;
        else if (a[0] != '-' && o->machine == NULL && !o->rebalance)
            o->machine = a;
        else
            return bad_usage(o, "unexpected argument '%s'", a);
    }
    if (o->machine == NULL)
        return bad_usage(o, "which machine? give MACHINE");
    return 0;
}

/* mode: 0 drain, 1 undrain, 2 rebalance */
static int run(int argc, char **argv, int mode)
{
    static const char *const verbs[] = {"drain", "undrain", "rebalance"};
    struct drain d = {.o = {.verb = verbs[mode], .undrain = mode == 1, .rebalance = mode == 2,
                            .parallel = DR_PARALLEL, .timeout = DR_TIMEOUT, .wait = -1,
                            .out = SS_OUT_TEXT}};
    if (d.o.rebalance)
        d.o.machine = "cluster";
    int rc = parse_opts(argc, argv, &d.o);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    int preview = d.o.rebalance && !d.o.yes && !d.o.dry_run;
    if (preview)
        d.o.dry_run = 1; /* without --yes rebalance shows what it would do */
    const char *file = getenv("CIB_file");
    d.cib_file = file && *file ? file : NULL;
    if (d.cib_file && !d.o.dry_run) {
        fprintf(stderr, "slotstore: %s: CIB_file is set (%s): %s needs a live cluster; use "
                        "--dry-run with CIB_file, or unset CIB_file\n",
                d.o.verb, d.cib_file, d.o.verb);
        return SS_EXIT_INPUT;
    }
    d.tty = isatty(STDERR_FILENO);
    d.refusals = g_ptr_array_new_with_free_func(g_free);
    d.behind = g_ptr_array_new_with_free_func(g_free);
    d.notes = g_ptr_array_new_with_free_func(g_free);
    d.others = g_ptr_array_new_with_free_func(g_free);
    catch_signals();
    rc = drain_main(&d);
    int planned_moves = d.nmv;
    moves_free(&d);
    g_ptr_array_free(d.refusals, TRUE);
    g_ptr_array_free(d.behind, TRUE);
    g_ptr_array_free(d.notes, TRUE);
    g_ptr_array_free(d.others, TRUE);
    g_free(d.lock);
    if (preview && rc == SS_EXIT_OK && planned_moves > 0 && d.o.out != SS_OUT_XML)
        printf("run 'slotstore rebalance --yes' to make %s %d move%s\n",
               planned_moves == 1 ? "this" : "these", planned_moves, planned_moves == 1 ? "" : "s");
    return rc;
}

int cmd_drain(int argc, char **argv)
{
    return run(argc, argv, 0);
}

int cmd_undrain(int argc, char **argv)
{
    return run(argc, argv, 1);
}

int cmd_rebalance(int argc, char **argv)
{
    return run(argc, argv, 2);
}
