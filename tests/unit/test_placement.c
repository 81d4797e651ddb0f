/* test_placement.c - the planner against the independent checker, on fixed
 * and on many generated topologies (sizes, zones, mixed slots, replicas 1/2),
 * and the re-planner when a machine is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "checker.h"
#include "exact.h"
#include "harness.h"
#include "lp.h"
#include "placement.h"

static struct ss_topology *topo_from(const char *text)
{
    struct ss_topology *t = NULL;
    struct ss_error err = {0};
    if (ss_topology_parse(text, "generated", &t, &err) != 0) {
        printf("# parse failed: %s\n", err.msg);
        return NULL;
    }
    return t;
}

/* Failures whose bound `slotstore plan` prints (balance.c) was compared with
 * the checker's, and how many of them differed. */
static long bounds_compared, bounds_differ;
/* Plans over some single-failure bound whose "least any placement reaches"
 * (balance.c) was compared with the checker's slack; above it would claim
 * more than is proven, below it proves less than it could. */
static long least_compared, least_above, least_below;

/* The bound balance.c reports for each failure must be the checker's: both
 * are the least busiest survivor at which the failed machines' masters fit
 * the survivors' room where the zone rule lets them go. */
static void compare_bounds(const struct ss_placement *p, const int *single, const int *dbl,
                           int doubles, const struct chk_report *r)
{
    int M = p->topo->nmachines;
    struct ss_balance *b = ss_balance_compute(p, doubles);
    if (b->single_excess > 0) {
        least_compared++;
        least_above += b->single_least_excess > r->single_slack || b->single_least_excess < 0;
        least_below += b->single_least_excess >= 0 && b->single_least_excess < r->single_slack;
        if (b->single_least_excess != r->single_slack)
            printf("# least single excess of %s: plan %d, checker %d\n", p->topo->path,
                   b->single_least_excess, r->single_slack);
    }
    for (int f = 0; f < M; f++) {
        bounds_compared++;
        if (b->single[f].lower_bound == single[f])
            continue;
        if (bounds_differ++ == 0)
            printf("# bound of failure %s: plan %d, checker %d\n", p->topo->machines[f].name,
                   b->single[f].lower_bound, single[f]);
    }
    for (int x = 0; doubles && x < M; x++)
        for (int y = x + 1; y < M; y++) {
            bounds_compared++;
            if (b->double_bound[x * M + y] == dbl[x * M + y])
                continue;
            if (bounds_differ++ == 0)
                printf("# bound of failure %s+%s: plan %d, checker %d\n",
                       p->topo->machines[x].name, p->topo->machines[y].name,
                       b->double_bound[x * M + y], dbl[x * M + y]);
        }
    ss_balance_free(b);
}

/* Run the checker on a placement; doubles on small clusters only.  Also
 * compares the planner's own failure bounds with the checker's. */
static void check_placement(const struct ss_placement *p, struct chk_report *r)
{
    const struct ss_topology *t = p->topo;
    int M = t->nmachines;
    int *slots = calloc((size_t)M, sizeof(int)), *zone = calloc((size_t)M, sizeof(int));
    int *member = calloc((size_t)p->nstores * p->copies, sizeof(int));
    for (int i = 0; i < M; i++) {
        slots[i] = t->machines[i].slots;
        zone[i] = t->machines[i].zone_id;
    }
    for (int s = 0; s < p->nstores; s++)
        for (int c = 0; c < p->copies; c++)
            member[s * p->copies + c] = p->stores[s].machine[c];
    int *single = calloc((size_t)M, sizeof(int)), *dbl = calloc((size_t)M * M, sizeof(int));
    struct chk_input in = {.machines = M, .slots = slots, .zone = zone, .zones = t->nzones,
                           .copies = p->copies, .stores = p->nstores, .member = member,
                           .single_bound = single, .double_bound = dbl};
    chk_run(&in, M <= 40, r);
    compare_bounds(p, single, dbl, M <= 40, r);
    free(single);
    free(dbl);
    free(slots);
    free(zone);
    free(member);
}

static int good(const struct ss_placement *p, struct chk_report *r, int strict_double)
{
    check_placement(p, r);
    int ok = r->ok_distinct && r->ok_capacity && r->ok_zones && r->ok_fair &&
             r->single_worst_excess <= r->single_slack;
    if (p->topo->nmachines <= 40) {
        ok = ok && r->double_worst_excess <= 1;
        if (p->copies == 2 && strict_double)
            ok = ok && r->double_max_lost <= r->pair_bound;
    }
    return ok;
}

/* good() as the generated cases measure it: where the master counts leave
 * the single-failure water-filling bound unreachable by `slack`, double
 * failures may be 2 x slack further over. */
static int good_slack(const struct ss_placement *p, struct chk_report *r)
{
    check_placement(p, r);
    return r->ok_distinct && r->ok_capacity && r->ok_zones && r->ok_fair &&
           r->single_worst_excess <= r->single_slack &&
           r->double_worst_excess <= 1 + 2 * r->single_slack &&
           (p->copies == 3 || r->double_max_lost <= r->pair_bound);
}

static char *gen_equal(int machines, int slots, int replicas, int zones)
{
    size_t cap = 64 + (size_t)machines * 64;
    char *buf = malloc(cap);
    int o = snprintf(buf, cap, "replicas %d\n", replicas);
    for (int i = 0; i < machines; i++) {
        if (zones)
            o += snprintf(buf + o, cap - (size_t)o, "machine m%03d slots=%d zone=z%d\n", i + 1,
                          slots, i % zones);
        else
            o += snprintf(buf + o, cap - (size_t)o, "machine m%03d slots=%d\n", i + 1, slots);
    }
    return buf;
}

/* A topology text planned afresh and checked (property 1-3 report in r). */
struct planned {
    struct ss_topology *t;
    struct ss_placement *p;
    struct ss_error err;
    struct chk_report r;
    int rc, ok;
};

static void plan_checked(struct planned *x, const char *text)
{
    memset(x, 0, sizeof(*x));
    x->t = topo_from(text);
    x->rc = x->t ? ss_plan(x->t, &x->p, &x->err) : -1;
    x->ok = x->rc == 0 && good(x->p, &x->r, 1);
}

static void planned_free(struct planned *x)
{
    ss_placement_free(x->p);
    ss_topology_free(x->t);
}

static void fixed_cases(void)
{
    static const struct {
        int machines, slots, replicas, zones;
    } cases[] = {
        {4, 4, 1, 0},  {4, 10, 1, 0}, {10, 20, 1, 0}, {50, 40, 1, 0}, {3, 6, 2, 0},
        {5, 6, 2, 0},  {8, 10, 2, 0}, {32, 80, 2, 0}, {6, 10, 1, 2},  {9, 12, 2, 3},
        {8, 16, 2, 2}, {2, 10, 1, 0}, {7, 9, 1, 0},   {16, 40, 2, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *text = gen_equal(cases[i].machines, cases[i].slots, cases[i].replicas,
                               cases[i].zones);
        struct planned x;
        plan_checked(&x, text);
        CHECK(x.ok, "%d machines x %d slots, replicas %d, %d zones: single excess %d, double "
                    "excess %d, lost %d (bound %d) %s%s",
              cases[i].machines, cases[i].slots, cases[i].replicas, cases[i].zones,
              x.r.single_worst_excess, x.r.double_worst_excess, x.r.double_max_lost,
              x.r.pair_bound, x.rc ? x.err.msg : "", x.r.why);
        planned_free(&x);
        free(text);
    }
}

/* The seed's property with equal machines: m + ceil(m_failed / survivors). */
static void seed_property(void)
{
    char *text = gen_equal(10, 20, 1, 0);
    struct ss_topology *t = topo_from(text);
    struct ss_placement *p = NULL;
    struct ss_error err = {0};
    int rc = ss_plan(t, &p, &err);
    int worst = 0, receivers_min = 100;
    for (int f = 0; rc == 0 && f < 10; f++) {
        int load[10] = {0}, base[10] = {0};
        for (int s = 0; s < p->nstores; s++) {
            base[p->stores[s].machine[0]]++;
            int c = p->stores[s].machine[0] == f ? 1 : 0;
            load[p->stores[s].machine[c]]++;
        }
        int recv = 0;
        for (int b = 0; b < 10; b++)
            if (b != f) {
                worst = load[b] > worst ? load[b] : worst;
                recv += load[b] > base[b];
            }
        receivers_min = recv < receivers_min ? recv : receivers_min;
    }
    CHECK(rc == 0 && worst == 10 + 2, "10x20: busiest survivor after any failure has %d masters "
                                      "(10 + ceil(10/9) = 12)",
          worst);
    CHECK(rc == 0 && receivers_min >= 8, "10x20: every failure spreads over at least %d of 9 "
                                         "survivors",
          receivers_min);
    ss_placement_free(p);
    ss_topology_free(t);
    free(text);
}

static unsigned rng_state = 12345;
static int rnd(int lo, int hi)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return lo + (int)((rng_state >> 8) % (unsigned)(hi - lo + 1));
}

static char *gen_random(int *machines_out, int *replicas_out, int *zones_out)
{
    int replicas = rnd(1, 2), zones = rnd(0, 2) == 0 ? 0 : rnd(2, 3);
    int machines = rnd(replicas + 2, 28);
    if (zones && machines < 2 * zones)
        machines = 2 * zones;
    int mixed = rnd(0, 1), base = rnd(2, 24);
    size_t cap = 64 + (size_t)machines * 64;
    char *buf = malloc(cap);
    int o = snprintf(buf, cap, "replicas %d\n", replicas);
    for (int i = 0; i < machines; i++) {
        int slots = mixed ? base + rnd(0, base) : base;
        o += snprintf(buf + o, cap - (size_t)o, "machine m%03d slots=%d", i + 1, slots);
        if (zones)
            o += snprintf(buf + o, cap - (size_t)o, " zone=z%d", i % zones);
        o += snprintf(buf + o, cap - (size_t)o, "\n");
    }
    *machines_out = machines;
    *replicas_out = replicas;
    *zones_out = zones;
    return buf;
}

/* Rows of the system below: one growing index/coefficient list. */
struct terms {
    int n, *idx;
    double *coef;
};

static void term(struct terms *t, int var)
{
    if (var < 0)
        return;
    t->idx[t->n] = var;
    t->coef[t->n++] = 1;
}

/* A placement's master and copy counts, and the checker's single-failure
 * bounds and slack for them: what the proofs below start from. */
struct counts {
    int M, *slots, *zone, *member, *single, *m, *n, *room;
    struct chk_input in;
    struct chk_report r;
};

static void counts_init(struct counts *q, const struct ss_placement *p)
{
    const struct ss_topology *t = p->topo;
    int M = t->nmachines, k = p->copies;
    q->M = M;
    q->slots = calloc((size_t)M, sizeof(int));
    q->zone = calloc((size_t)M, sizeof(int));
    q->member = calloc((size_t)p->nstores * k, sizeof(int));
    q->single = calloc((size_t)M, sizeof(int));
    q->m = calloc((size_t)M, sizeof(int));
    q->n = calloc((size_t)M, sizeof(int));
    q->room = calloc((size_t)M, sizeof(int));
    for (int i = 0; i < M; i++) {
        q->slots[i] = t->machines[i].slots;
        q->zone[i] = t->machines[i].zone_id;
    }
    for (int s = 0; s < p->nstores; s++) {
        q->m[p->stores[s].machine[0]]++;
        for (int c = 0; c < k; c++) {
            q->member[s * k + c] = p->stores[s].machine[c];
            q->n[p->stores[s].machine[c]]++;
        }
    }
    for (int i = 0; i < M; i++)
        q->room[i] = q->n[i] - q->m[i];
    q->in = (struct chk_input){.machines = M, .slots = q->slots, .zone = q->zone,
                               .zones = t->nzones, .copies = k, .stores = p->nstores,
                               .member = q->member, .single_bound = q->single};
    chk_run(&q->in, 0, &q->r);
}

static void counts_free(struct counts *q)
{
    free(q->slots);
    free(q->zone);
    free(q->member);
    free(q->single);
    free(q->m);
    free(q->n);
    free(q->room);
}

/* The double bound of a and b (3-slot stores) at the most stores a->b and
 * b->a property 2 allows (m_b + stores a->b <= single bound of a + slack):
 * no placement with q's counts has a higher one. */
static int largest_double_bound3(const struct counts *q, int a, int b)
{
    const int *m = q->m, *room = q->room, *single = q->single;
    int ab = 0, ba = 0, slack = q->r.single_slack;
    if (q->zone[a] != q->zone[b]) {
        ab = single[a] + slack - m[b];
        ab = ab < m[a] ? ab : m[a];
        ab = ab < room[b] ? ab : room[b];
        ba = single[b] + slack - m[a];
        ba = ba < m[b] ? ba : m[b];
        ba = ba < room[a] ? ba : room[a];
    }
    return chk_double_bound(&q->in, m, room, a, b, ab > 0 ? ab : 0, ba > 0 ? ba : 0);
}

/* Could any placement with p's master and copy counts meet property 2 (every
 * single failure within the slack) and have every double failure within 1
 * (+2 x slack) of its bound?  For 3-slot stores with one copy in each of 3+
 * zones.  Variables: the stores with master i, first failover j, second k.
 * The properties are linear in them, except the double bound of a and b,
 * which grows with the stores on both (chk_double_bound): it is taken at the
 * most such stores property 2 allows (m_b + stores a->b <= single bound of a
 * + slack), so no placement's bound is higher.  A placement within 1 would
 * thus solve this system; when not even a fractional solution exists
 * (violation > 0), none does.  Returns the least violation, -1 if unknown. */
static double within1_violation(const struct ss_placement *p)
{
    struct counts q;
    counts_init(&q, p);
    int M = q.M, *zone = q.zone, *single = q.single, *m = q.m, *n = q.n;
    struct chk_report r = q.r;
    int *var = malloc(sizeof(int) * (size_t)M * M * M);
    int vars = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            for (int k = 0; k < M; k++) {
                int ok = zone[i] != zone[j] && zone[j] != zone[k] && zone[i] != zone[k];
                var[(i * M + j) * M + k] = ok ? vars++ : -1;
            }
#define X(i, j, k) var[((i) * M + (j)) * M + (k)]
    struct lp *lp = lp_new(vars);
    size_t most = (size_t)vars + 3u * M * M; /* terms in one row, at most */
    struct terms row = {0, malloc(sizeof(int) * most), malloc(sizeof(double) * most)};
    for (int i = 0; i < M; i++) { /* masters, then copies */
        row.n = 0;
        for (int j = 0; j < M; j++)
            for (int k = 0; k < M; k++)
                term(&row, X(i, j, k));
        lp_row(lp, row.idx, row.coef, row.n, '=', m[i]);
        row.n = 0;
        for (int j = 0; j < M; j++)
            for (int k = 0; k < M; k++)
                if (j != i && k != i && j != k) {
                    term(&row, X(i, j, k));
                    term(&row, X(j, i, k));
                    term(&row, X(j, k, i));
                }
        lp_row(lp, row.idx, row.coef, row.n, '=', n[i]);
    }
    for (int a = 0; a < M; a++) /* single failures: the first failovers */
        for (int c = 0; c < M; c++) {
            row.n = 0;
            for (int k = 0; c != a && k < M; k++)
                term(&row, X(a, c, k));
            if (row.n)
                lp_row(lp, row.idx, row.coef, row.n, '<', single[a] + r.single_slack - m[c]);
        }
    for (int a = 0; a < M; a++) /* double failures */
        for (int b = a + 1; b < M; b++) {
            int bound = largest_double_bound3(&q, a, b);
            for (int c = 0; c < M; c++) {
                if (c == a || c == b)
                    continue;
                row.n = 0;
                for (int k = 0; k < M; k++) {
                    term(&row, X(a, c, k));
                    term(&row, X(b, c, k));
                }
                term(&row, X(a, b, c));
                term(&row, X(b, a, c));
                if (row.n)
                    lp_row(lp, row.idx, row.coef, row.n, '<',
                           bound + 1 + 2 * r.single_slack - m[c]);
            }
        }
#undef X
    double v = lp_infeasibility(lp);
    lp_free(lp);
    free(row.idx);
    free(row.coef);
    counts_free(&q);
    free(var);
    return v;
}

/* Could p's own sets (the machines of each 3-slot store, kept) be ordered so
 * that every single failure is within the slack and every double failure
 * within 1 (+2 x slack) of its bound, with p's master counts?  Variables:
 * the stores of each distinct set in each of its 6 orders; the rows as in
 * within1_violation.  > 0: no order of these sets does; the sets must
 * change.  Returns the least violation. */
static double within1_orders_violation(const struct ss_placement *p)
{
    struct counts q;
    counts_init(&q, p);
    int M = q.M, *single = q.single, *m = q.m;
    struct chk_report r = q.r;
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    int S = p->nstores, sets = 0;
    int (*set)[3] = malloc(sizeof(*set) * (size_t)S);
    int *cnt = calloc((size_t)S, sizeof(int));
    for (int s = 0; s < S; s++) {
        int v[3] = {p->stores[s].machine[0], p->stores[s].machine[1], p->stores[s].machine[2]};
        for (int i = 0; i < 3; i++) /* sorted, so equal sets compare equal */
            for (int j = i + 1; j < 3; j++)
                if (v[j] < v[i]) {
                    int t = v[i];
                    v[i] = v[j];
                    v[j] = t;
                }
        int t = 0;
        while (t < sets && !(set[t][0] == v[0] && set[t][1] == v[1] && set[t][2] == v[2]))
            t++;
        if (t == sets) {
            memcpy(set[sets], v, sizeof(v));
            sets++;
        }
        cnt[t]++;
    }
    struct lp *lp = lp_new(6 * sets);
    size_t most = (size_t)6 * sets;
    struct terms row = {0, malloc(sizeof(int) * most), malloc(sizeof(double) * most)};
#define O(t, o, i) set[t][perm[o][i]]
    for (int t = 0; t < sets; t++) {
        row.n = 0;
        for (int o = 0; o < 6; o++)
            term(&row, 6 * t + o);
        lp_row(lp, row.idx, row.coef, row.n, '=', cnt[t]);
    }
    for (int i = 0; i < M; i++) {
        row.n = 0;
        for (int t = 0; t < sets; t++)
            for (int o = 0; o < 6; o++)
                if (O(t, o, 0) == i)
                    term(&row, 6 * t + o);
        lp_row(lp, row.idx, row.coef, row.n, '=', m[i]);
    }
    for (int a = 0; a < M; a++)
        for (int c = 0; c < M; c++) {
            row.n = 0;
            for (int t = 0; c != a && t < sets; t++)
                for (int o = 0; o < 6; o++)
                    if (O(t, o, 0) == a && O(t, o, 1) == c)
                        term(&row, 6 * t + o);
            if (row.n)
                lp_row(lp, row.idx, row.coef, row.n, '<', single[a] + r.single_slack - m[c]);
        }
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            int bound = largest_double_bound3(&q, a, b);
            for (int c = 0; c < M; c++) {
                if (c == a || c == b)
                    continue;
                row.n = 0;
                for (int t = 0; t < sets; t++)
                    for (int o = 0; o < 6; o++) {
                        int x = O(t, o, 0), y = O(t, o, 1), z = O(t, o, 2);
                        if (y == c && (x == a || x == b))
                            term(&row, 6 * t + o);
                        else if (z == c && ((x == a && y == b) || (x == b && y == a)))
                            term(&row, 6 * t + o);
                    }
                if (row.n)
                    lp_row(lp, row.idx, row.coef, row.n, '<',
                           bound + 1 + 2 * r.single_slack - m[c]);
            }
        }
#undef O
    double v = lp_infeasibility(lp);
    lp_free(lp);
    free(row.idx);
    free(row.coef);
    free(set);
    free(cnt);
    counts_free(&q);
    return v;
}

/* The largest double bound of a and b over the placements that lose l of
 * their stores (2 slots: both on a and b), for l = 0..most: bound[l]. */
static void double_bounds_by_lost(const struct chk_input *in, const int *m, const int *room,
                                  int a, int b, int most, int *bound)
{
    for (int l = 0; l <= most; l++) {
        bound[l] = 0;
        for (int ab = l - m[b] > 0 ? l - m[b] : 0; ab <= l && ab <= m[a]; ab++) {
            int v = chk_double_bound(in, m, room, a, b, ab, l - ab);
            bound[l] = v > bound[l] ? v : bound[l];
        }
    }
}

/* Lines over the upper hull of the points (l, bound[l]), l = 0..most: each
 * lies on or above every point, so "load <= the least of them" is linear and
 * no weaker than "load <= bound[l]" for every integer l.  Writes intercepts
 * and slopes, returns their number. */
static int upper_hull_lines(const int *bound, int most, double *at0, double *slope)
{
    int *hull = malloc(sizeof(int) * (size_t)(most + 1)), h = 0;
    for (int l = 0; l <= most; l++) {
        /* drop the last hull point while it lies on or below the chord */
        while (h >= 2) {
            int p = hull[h - 2], q = hull[h - 1];
            long cross = (long)(q - p) * (bound[l] - bound[p]) - (long)(l - p) * (bound[q] - bound[p]);
            if (cross < 0)
                break;
            h--;
        }
        hull[h++] = l;
    }
    int lines = 0;
    if (h == 1) {
        at0[0] = bound[0];
        slope[0] = 0;
        lines = 1;
    }
    for (int e = 0; e + 1 < h; e++, lines++) {
        int p = hull[e], q = hull[e + 1];
        slope[lines] = (double)(bound[q] - bound[p]) / (q - p);
        at0[lines] = bound[p] - slope[lines] * p;
    }
    free(hull);
    return lines;
}

/* The same question for 2-slot stores: variables are the stores with master
 * i and replica j.  A double failure of a and b loses the stores on both and
 * moves the rest; its bound falls as more are lost, so each survivor's row
 * is held under the lines over the largest bound at each number lost (their
 * least is at or above the bound any placement losing that many has).
 * Returns the least violation. */
static double within1_violation_pairs(const struct ss_placement *p)
{
    const struct ss_topology *t = p->topo;
    struct counts q;
    counts_init(&q, p);
    int M = q.M, *zone = q.zone, *single = q.single, *m = q.m, *room = q.room;
    const struct chk_report r = q.r;
    int *var = malloc(sizeof(int) * (size_t)M * M);
    int vars = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            var[i * M + j] = i != j && (t->nzones < 2 || zone[i] != zone[j]) ? vars++ : -1;
#define X(i, j) var[(i) * M + (j)]
    struct lp *lp = lp_new(vars);
    struct terms row = {0, malloc(sizeof(int) * (size_t)(2 * M + 2)),
                        malloc(sizeof(double) * (size_t)(2 * M + 2))};
    for (int i = 0; i < M; i++) { /* masters, then replicas */
        row.n = 0;
        for (int j = 0; j < M; j++)
            term(&row, X(i, j));
        lp_row(lp, row.idx, row.coef, row.n, '=', m[i]);
        row.n = 0;
        for (int j = 0; j < M; j++)
            term(&row, X(j, i));
        lp_row(lp, row.idx, row.coef, row.n, '=', room[i]);
    }
    for (int a = 0; a < M; a++) /* single failures */
        for (int c = 0; c < M; c++) {
            row.n = 0;
            term(&row, X(a, c));
            if (row.n)
                lp_row(lp, row.idx, row.coef, row.n, '<', single[a] + r.single_slack - m[c]);
        }
    int *bound = malloc(sizeof(int) * (size_t)(r.pair_bound + 1));
    double *at0 = malloc(sizeof(double) * (size_t)(r.pair_bound + 1));
    double *slope = malloc(sizeof(double) * (size_t)(r.pair_bound + 1));
    for (int a = 0; a < M; a++) /* double failures, and the stores they lose */
        for (int b = a + 1; b < M; b++) {
            row.n = 0;
            term(&row, X(a, b));
            term(&row, X(b, a));
            if (row.n)
                lp_row(lp, row.idx, row.coef, row.n, '<', r.pair_bound);
            int most = row.n ? r.pair_bound : 0;
            most = most < m[a] + m[b] ? most : m[a] + m[b];
            double_bounds_by_lost(&q.in, m, room, a, b, most, bound);
            int lines = upper_hull_lines(bound, most, at0, slope);
            for (int c = 0; c < M; c++)
                for (int e = 0; c != a && c != b && e < lines; e++) {
                    row.n = 0;
                    term(&row, X(a, c));
                    term(&row, X(b, c));
                    int lost = row.n;
                    term(&row, X(a, b));
                    term(&row, X(b, a));
                    for (int u = lost; u < row.n; u++)
                        row.coef[u] = -slope[e];
                    if (lost)
                        lp_row(lp, row.idx, row.coef, row.n, '<',
                               at0[e] + 1 + 2 * r.single_slack - m[c]);
                }
        }
#undef X
    double v = lp_infeasibility(lp);
    lp_free(lp);
    free(bound);
    free(at0);
    free(slope);
    free(row.idx);
    free(row.coef);
    counts_free(&q);
    free(var);
    return v;
}

/* Every generated topology gets a valid plan (property 1).  Property 2: the
 * busiest survivor of every single failure is within the least slack over the
 * water-filling bounds that any placement with these counts can reach (the
 * checker proves that slack with a flow; it is 0 whenever the bound itself is
 * reachable, e.g. equal machines with equal master counts).  Property 3:
 * 2-slot stores lose at most the pair bound; the busiest survivor of every
 * double failure is within 1 (+2 x that slack) of its bound.  3-slot stores
 * in 3 or more zones are held to within 2 and reported against 1: there the
 * bound is not always reachable (see below). */
static void generated_cases(int count)
{
    int planned = 0, refused = 0, invalid = 0, single_bad = 0, double_bad = 0, strict = 0,
        strict_fail = 0, zoned3 = 0, zoned3_ok = 0, zoned3_bad = 0, zoned3_proven = 0,
        zoned3_small = 0, zoned3_admitted = 0, double_proven = 0, pairs_small = 0,
        pairs_admitted = 0, copies2 = 0, copies2_above = 0, copies2_bad = 0;
    for (int i = 0; i < count; i++) {
        int machines, replicas, zones;
        char *text = gen_random(&machines, &replicas, &zones);
        struct ss_topology *t = topo_from(text);
        struct ss_placement *p = NULL;
        struct ss_error err = {0};
        int rc = ss_plan(t, &p, &err);
        struct chk_report r = {0};
        if (rc != 0) {
            refused++;
            printf("# topology %d refused: %s\n", i, err.msg);
            goto next;
        }
        planned++;
        int ok = good(p, &r, 1);
        if (!(r.ok_distinct && r.ok_capacity && r.ok_zones && r.ok_fair)) {
            invalid++;
            printf("# topology %d invalid: %s\n%s", i, r.why, text);
        }
        if (r.single_worst_excess > r.single_slack) {
            single_bad++;
            printf("# topology %d: single failure %d over its bound, least possible %d\n%s", i,
                   r.single_worst_excess, r.single_slack, text);
        }
        int dbl_ok = r.double_worst_excess <= 1 + 2 * r.single_slack &&
                     (replicas == 2 || r.double_max_lost <= r.pair_bound);
        if (replicas == 2 && zones >= 3) {
            zoned3++;
            zoned3_ok += dbl_ok;
            /* the checker's bound ignores that a store has one first failover:
             * with 3 zones x 2 machines of 18 slots (generated topology 18; 36
             * stores, 6 masters each) a failure of a and b leaves a's partner
             * a' only F[b][a'] masters and b' only F[a][b'], so the two
             * machines of the third zone stay within bound + 1 = 10 only if
             * F[b][a'] + F[a][b'] >= 4; summed over the 12 cross-zone pairs
             * that needs 48 first failovers, and there are 36: 2 over is the
             * best any placement can do there (its counts are forced: equal
             * machines, every slot used).  within1_violation proves the same
             * for every plan not within 1, for placements with its master and
             * copy counts (the planner tries other master ceilings first).  On
             * small ones within 1 the plan itself solves that system: a check
             * of the proof. */
            double v = dbl_ok && machines > 10 ? 0 : within1_violation(p);
            zoned3_proven += !dbl_ok && v > 1e-6;
            zoned3_admitted += dbl_ok && machines <= 10 && v >= 0 && v <= 1e-6;
            zoned3_small += dbl_ok && machines <= 10;
            if (!dbl_ok)
                printf("# topology %d (3 slots, %d zones): double failure %d over its bound; "
                       "within 1 with these master and copy counts %s (LP violation %.3f)\n",
                       i, zones, r.double_worst_excess, v > 1e-6 ? "is impossible" : "not ruled out",
                       v);
            if (r.double_worst_excess > 2 + 2 * r.single_slack) {
                zoned3_bad++;
                printf("# topology %d (3 slots, %d zones): double failure %d over its bound "
                       "(slack %d)\n%s",
                       i, zones, r.double_worst_excess, r.single_slack, text);
            }
        } else {
            /* 2-slot stores: the same proof, or a check of it on small plans */
            double v = replicas == 1 && (!dbl_ok || machines <= 10) ? within1_violation_pairs(p) : 0;
            pairs_small += replicas == 1 && dbl_ok && machines <= 10;
            pairs_admitted += replicas == 1 && dbl_ok && machines <= 10 && v >= 0 && v <= 1e-6;
            if (replicas == 1 && dbl_ok && machines <= 10 && !(v >= 0 && v <= 1e-6))
                printf("# topology %d (2 slots) within 1, but the proof's system says no (LP "
                       "violation %.3f)\n%s", i, v, text);
            if (!dbl_ok) {
                double_bad++;
                double_proven += v > 1e-6;
                printf("# topology %d: double failure %d over its bound (slack %d), lost %d of "
                       "bound %d; within 1 %s (LP violation %.3f)\n%s",
                       i, r.double_worst_excess, r.single_slack, r.double_max_lost, r.pair_bound,
                       v > 1e-6 ? "is impossible" : "not ruled out", v, text);
            }
        }
        /* 2-slot stores: the copy counts are the planner's choice, so its
         * single failures are held against what any copy counts reach */
        if (replicas == 1) {
            int above = r.single_worst_excess - r.single_slack_any;
            copies2++;
            copies2_above += above > 0;
            if (above > 1) {
                copies2_bad++;
                printf("# topology %d (2 slots): single failure %d over its bound, other copy "
                       "counts reach %d\n%s",
                       i, r.single_worst_excess, r.single_slack_any, text);
            }
        }
        /* equal machines with equal master counts: the plain bounds */
        int equal = zones == 0 && p->nstores % t->nmachines == 0;
        for (int m = 1; m < t->nmachines; m++)
            equal &= t->machines[m].slots == t->machines[0].slots;
        if (equal) {
            strict++;
            strict_fail += !ok || r.single_worst_excess > 0;
        }
    next:
        ss_placement_free(p);
        ss_topology_free(t);
        free(text);
    }
    CHECK(refused == 0, "%d generated topologies: none refused (%d refused)", count, refused);
    CHECK(bounds_differ == 0, "the bounds slotstore plan prints equal the checker's for all %ld "
                              "single and double failures checked so far (%ld differ)",
          bounds_compared, bounds_differ);
    CHECK(least_above == 0 && least_compared > 0,
          "where a plan is over a single-failure bound, the least excess slotstore plan says any "
          "placement reaches is never above the checker's (%ld plans, %ld above, %ld below)",
          least_compared, least_above, least_below);
    CHECK(invalid == 0, "%d planned: distinct machines, zones, capacity, fair masters (%d invalid)",
          planned, invalid);
    CHECK(single_bad == 0, "%d planned: every single failure within the least reachable slack "
                           "over the water-filling bound (%d not)",
          planned, single_bad);
    CHECK(double_bad == double_proven,
          "%d planned (less %d with 3 slots in 3+ zones): every one with a double failure over "
          "1 of its bound (+2 x slack) or 2-slot losses over the pair bound (%d) is proven "
          "unable to do better with its master and copy counts (%d proven)",
          planned - zoned3, zoned3, double_bad, double_proven);
    CHECK(pairs_admitted == pairs_small && pairs_small > 0,
          "the 2-slot proof's system admits each of the %d small 2-slot plans within 1 (%d "
          "admitted)",
          pairs_small, pairs_admitted);
    CHECK(copies2_bad == 0,
          "%d with 2 slots: every single failure within 1 of the least excess any copy counts "
          "reach at the plan's bounds (%d above it, %d by more than 1)",
          copies2, copies2_above, copies2_bad);
    CHECK(strict_fail == 0, "%d of them with equal machines and masters meet the plain bounds "
                            "(%d do not)",
          strict, strict_fail);
    printf("# 3-slot stores in 3+ zones: %d of %d within 1 of the double-failure bound\n",
           zoned3_ok, zoned3);
    CHECK(zoned3_ok + zoned3_proven == zoned3,
          "%d with 3 slots in 3+ zones: every one not within 1 of the double-failure bound (%d) "
          "is proven unable to be with its master and copy counts (%d proven)",
          zoned3, zoned3 - zoned3_ok, zoned3_proven);
    CHECK(zoned3_admitted == zoned3_small,
          "the proof's system admits each of the %d small plans within 1 (%d admitted)",
          zoned3_small, zoned3_admitted);
    CHECK(zoned3_bad == 0, "%d with 3 slots in 3+ zones: every double failure within 2 of its "
                           "bound (+2 x slack) (%d not)",
          zoned3, zoned3_bad);
}

/* A plan of equal machines, re-planned --from it with one machine more (the new
 * machine joins zone machines % zones). */
struct added {
    char *before, *after;
    struct ss_topology *t0, *t1;
    struct ss_placement *p0, *p1;
    struct ss_moves mv;
    struct ss_error err;
    int rc;
    int held;   /* copies on the new machine */
};

/* How many store copies a placement puts on `machine`. */
static int copies_on(const struct ss_placement *p, int machine)
{
    int held = 0;
    for (int s = 0; s < p->nstores; s++)
        for (int c = 0; c < p->copies; c++)
            held += p->stores[s].machine[c] == machine;
    return held;
}

/* Plan topology text `before` afresh, then re-plan `after` (before plus the
 * machine of index `added`) from it; a owns both texts (malloc'd). */
static void add_texts(struct added *a, char *before, char *after, int added)
{
    memset(a, 0, sizeof(*a));
    a->before = before;
    a->after = after;
    a->t0 = topo_from(a->before);
    a->t1 = topo_from(a->after);
    a->rc = ss_plan(a->t0, &a->p0, &a->err);
    if (a->rc == 0)
        a->rc = ss_plan_from(a->t1, a->p0, &a->p1, &a->mv, &a->err);
    a->held = a->rc == 0 ? copies_on(a->p1, added) : 0;
}

static void add_one(struct added *a, int machines, int slots, int replicas, int zones)
{
    add_texts(a, gen_equal(machines, slots, replicas, zones),
              gen_equal(machines + 1, slots, replicas, zones), machines);
}

static void added_free(struct added *a)
{
    ss_placement_free(a->p0);
    ss_placement_free(a->p1);
    ss_topology_free(a->t0);
    ss_topology_free(a->t1);
    free(a->before);
    free(a->after);
}

/* plan --from lists which copies move (ss_slot_moves).  Checked on every
 * re-plan below, independently: as many as counted, each from a copy the
 * old store had, to where the new store has a copy in that slot, and the old
 * copies moved that way give the new store's machines. */
static int moves_checked, moves_unexplained;

static void check_move_list(const struct ss_topology *t, const struct ss_placement *old,
                            const struct ss_placement *p, const struct ss_moves *mv)
{
    struct ss_slot_move *list = NULL;
    int n = ss_slot_moves(t, old, p, &list), ok = n == mv->slot_moves;
    int S = old->nstores < p->nstores ? old->nstores : p->nstores;
    for (int s = 0; ok && s < S; s++) {
        int have[SS_MAX_COPIES], k = old->copies;
        for (int c = 0; c < k; c++)
            have[c] = old->stores[s].machine[c];
        for (int i = 0; ok && i < n; i++) {
            if (list[i].store != s)
                continue;
            int c = 0;
            while (c < k && !(have[c] == list[i].from_machine &&
                              (have[c] < 0 || old->stores[s].slot[c] == list[i].from_slot)))
                c++;
            ok = c < k;
            if (ok)
                have[c] = list[i].to_machine;
            int slot_there = 0;
            for (int j = 0; j < p->copies; j++)
                if (p->stores[s].machine[j] == list[i].to_machine)
                    slot_there = p->stores[s].slot[j];
            ok = ok && slot_there == list[i].to_slot;
        }
        for (int j = 0; ok && j < p->copies; j++) {
            int found = 0;
            for (int c = 0; c < k; c++)
                found |= have[c] == p->stores[s].machine[j];
            ok = found;
        }
    }
    free(list);
    moves_checked++;
    moves_unexplained += !ok;
}

/* The fewest master moves p's sets allow, counted here apart from the
 * planner: an old store keeps its master only where its old master's machine
 * is still one of its copies, and a machine keeps at most as many of its old
 * masters as p gives it masters.  At least the planner's printed bound (which
 * counts only the machines' master counts); the order decides the rest. */
static int master_moves_sets_bound(const struct ss_placement *old, const struct ss_placement *p)
{
    int M = p->topo->nmachines, S = old->nstores < p->nstores ? old->nstores : p->nstores;
    int *keepable = calloc((size_t)M, sizeof(int)), *lead = calloc((size_t)M, sizeof(int));
    for (int s = 0; s < p->nstores; s++)
        lead[p->stores[s].machine[0]]++;
    for (int s = 0; s < S; s++) {
        int x = old->stores[s].machine[0];
        for (int c = 0; x >= 0 && c < p->copies; c++)
            keepable[x] += p->stores[s].machine[c] == x;
    }
    int bound = S;
    for (int i = 0; i < M; i++)
        bound -= keepable[i] < lead[i] ? keepable[i] : lead[i];
    free(keepable);
    free(lead);
    return bound;
}

/* Every re-plan's master moves counted again: as many as the planner says,
 * at least the sets' bound, which is at least the bound it prints. */
static int masters_checked, masters_unexplained;

static void check_master_moves(const struct ss_placement *old, const struct ss_placement *p,
                               const struct ss_moves *mv)
{
    int S = old->nstores < p->nstores ? old->nstores : p->nstores, moved = 0;
    for (int s = 0; s < S; s++)
        moved += old->stores[s].machine[0] != p->stores[s].machine[0];
    int sets = master_moves_sets_bound(old, p);
    masters_checked++;
    if (moved != mv->master_moves || moved < sets || sets < mv->master_moves_bound) {
        masters_unexplained++;
        printf("# master moves %d (the planner counted %d), sets' bound %d, printed bound %d\n",
               moved, mv->master_moves, sets, mv->master_moves_bound);
    }
}

/* 2-slot stores: two stores on the same machines, led from opposite ends,
 * one of them off its old master that the other leads, the other not on
 * its own old master: handing both leads over gives one its old master
 * back and changes no machine's masters or first failovers, so no failure
 * at all.  A re-plan should leave no such pair (replan_restore_leads).
 * Whether p has one (quadratic in the stores; the tests' plans are small). */
static int free_swaps_checked, free_swaps_left;

static int free_lead_swaps(const struct ss_placement *old, const struct ss_placement *p)
{
    if (p->copies != 2)
        return 0;
    int S = old->nstores < p->nstores ? old->nstores : p->nstores, found = 0;
    for (int a = 0; a < S; a++) {
        const struct ss_store *x = &p->stores[a];
        int want = old->stores[a].machine[0];
        if (x->fixed || want != x->machine[1])
            continue;
        for (int b = 0; b < p->nstores && !found; b++) {
            const struct ss_store *y = &p->stores[b];
            int own = b < S ? old->stores[b].machine[0] : -1;
            found = b != a && !y->fixed && y->machine[0] == want &&
                    y->machine[1] == x->machine[0] && own != want;
        }
        if (found)
            return 1;
    }
    return 0;
}

/* Both lists of a re-plan's moves checked, wherever a test re-plans. */
static void check_replan_moves(const struct ss_topology *t, const struct ss_placement *old,
                               const struct ss_placement *p, const struct ss_moves *mv)
{
    check_move_list(t, old, p, mv);
    check_master_moves(old, p, mv);
    free_swaps_checked += p->copies == 2;
    free_swaps_left += free_lead_swaps(old, p);
}

/* Property 4: adding one machine moves at most 1.25x the slots it ends up
 * holding, and the new plan meets properties 1-3 (the new machine joins zone
 * machines % zones). */
static void add_machine_cases(void)
{
    static const struct {
        int machines, slots, replicas, zones;
    } cases[] = {{4, 4, 1, 0},   {10, 20, 1, 0}, {8, 10, 2, 0},  {16, 20, 1, 0},
                 {5, 6, 1, 0},   {12, 20, 2, 0}, {16, 20, 2, 0}, {6, 10, 2, 0},
                 {9, 12, 2, 3},  {12, 20, 2, 3}, {15, 12, 2, 3}, {8, 16, 2, 2},
                 {12, 20, 2, 2},  {20, 40, 2, 0}, {15, 20, 2, 3}, {21, 12, 2, 3},
                 {24, 12, 2, 3}, {12, 12, 1, 0}, {20, 20, 1, 0}, {14, 40, 1, 0},
                 {10, 40, 1, 2}, {24, 20, 1, 2}, {12, 40, 1, 3}, {15, 40, 1, 3},
                 {18, 20, 2, 3}, {30, 12, 2, 3}, {20, 40, 2, 2}, {24, 40, 2, 2},
                 {21, 20, 2, 3}, {27, 20, 2, 3}, {30, 40, 1, 3}, {63, 80, 1, 3},
                 {27, 40, 2, 3},
                 /* no order within the single-failure levels while every
                  * zone keeps its share of masters; one without */
                 {16, 12, 2, 3}, {30, 20, 2, 3},
                 /* 2-slot stores between two zones form even cycles only:
                  * the polish's order cycles needed 4 stores */
                 {6, 24, 1, 3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct added a;
        add_one(&a, cases[i].machines, cases[i].slots, cases[i].replicas, cases[i].zones);
        if (a.rc == 0)
            check_replan_moves(a.t1, a.p0, a.p1, &a.mv);
        struct ss_placement *p0 = a.p0, *p1 = a.p1;
        struct ss_moves mv = a.mv;
        struct ss_error err = a.err;
        int rc = a.rc, held = a.held;
        /* names of old stores are kept, in order */
        int names_kept = rc == 0;
        for (int s = 0; rc == 0 && s < p0->nstores; s++)
            names_kept &= strcmp(p0->stores[s].name, p1->stores[s].name) == 0;
        struct chk_report r = {0};
        int strict = rc == 0 && good(p1, &r, 1);
        int ok = rc == 0 && r.ok_distinct && r.ok_capacity && r.ok_zones && r.ok_fair;
        printf("# after adding: failure bounds 2-3 %s (single excess %d, slack %d, double excess "
               "%d, lost %d of bound %d)\n",
               strict ? "hold" : "do not hold yet", r.single_worst_excess, r.single_slack,
               r.double_worst_excess, r.double_max_lost, r.pair_bound);
        /* 2- and 3-slot stores: the new plan also meets the failure bounds */
        CHECK(rc == 0 && 4 * mv.slot_moves <= 5 * held && ok && names_kept &&
                  mv.slot_moves >= mv.slot_moves_bound && strict,
              "%dx%d replicas %d, %d zones + 1 machine: %d slot moves (bound %d) for %d slots on "
              "the new machine, %d master moves (bound %d); placement %s, bounds 2-3 %s %s%s",
              cases[i].machines, cases[i].slots, cases[i].replicas, cases[i].zones, mv.slot_moves,
              mv.slot_moves_bound, held, mv.master_moves, mv.master_moves_bound,
              ok ? "valid" : "invalid", strict ? "hold" : "missed", rc ? err.msg : "", r.why);
        /* the same topology again moves nothing */
        struct ss_placement *p2 = NULL;
        struct ss_moves mv2 = {0};
        int rc2 = rc == 0 ? ss_plan_from(a.t1, p1, &p2, &mv2, &err) : -1;
        CHECK(rc2 == 0 && mv2.slot_moves == 0 && mv2.master_moves == 0 && mv2.new_stores == 0,
              "re-planning the same topology moves nothing (%d slot, %d master moves)",
              mv2.slot_moves, mv2.master_moves);
        ss_placement_free(p2);
        added_free(&a);
    }
}

static void impossible_cases(void)
{
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"replicas 2\nmachine a slots=4\nmachine b slots=4\n", "need 3 machines"},
        {"replicas 1\nstores 50\nmachine a slots=4\nmachine b slots=4\n", "do not fit"},
        {"replicas 2\nstores 3\nmachine a slots=4 zone=x\nmachine b slots=4 zone=x\nmachine c "
         "slots=1 zone=y\n",
         "do not fit"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ss_topology *t = topo_from(cases[i].text);
        struct ss_placement *p = NULL;
        struct ss_error err = {0};
        int rc = t ? ss_plan(t, &p, &err) : -1;
        CHECK(rc == SS_ERR_INPUT && strstr(err.msg, cases[i].expect) != NULL,
              "impossible request explained: %s", err.msg);
        ss_placement_free(p);
        ss_topology_free(t);
    }
}

/* 2-slot stores where the double bound + 1 cannot be met: 9 machines x 40
 * slots in 3 zones of 3 (180 stores, 20 masters each, every slot used).
 * Spread evenly, each machine fails over 20/6 masters to each of the 6
 * machines of the other zones; a and b of two zones then lose 6.7 stores and
 * move 33.3 to 7 survivors (bound 25), yet a machine of the third zone takes
 * 6.7 of them: 26.7.  Spreading less evenly makes some pair worse; the
 * proof's system must show that no spread is within 1, and the plan must
 * reach 2 over. */
static void proven_pair_case(void)
{
    char *text = gen_equal(9, 40, 1, 3);
    struct planned x;
    plan_checked(&x, text);
    double v = x.rc == 0 ? within1_violation_pairs(x.p) : -1;
    CHECK(x.rc == 0 && !x.ok && v > 1e-6 && x.r.double_worst_excess == 2 &&
              x.r.double_max_lost <= x.r.pair_bound &&
              x.r.single_worst_excess <= x.r.single_slack,
          "9x40 replicas 1 in 3 zones: double failure %d over its bound, within 1 proven "
          "impossible with these counts (LP violation %.3f), 2 over reached",
          x.r.double_worst_excess, v);
    planned_free(&x);
    free(text);
}

/* Which zone takes a master ceiling decides whether the double failures can
 * be met: 7 machines of 24 slots in zones of 3, 2 and 2 machines (48 stores,
 * six machines with 7 masters and one with 6).  With the 6 in the zone of 3
 * no placement has every double failure within 1 of its bound (an integer
 * program says so; its LP relaxation does not); with the 6 in a zone of 2
 * one does.  The plan gave the zone of 3 its floor of 20 masters and missed
 * by 2 (generated: the 196th sweep-random topology). */
static void zone_ceiling_case(void)
{
    const char *text = "replicas 2\n"
                       "machine m001 slots=24 zone=z0\nmachine m002 slots=24 zone=z1\n"
                       "machine m003 slots=24 zone=z2\nmachine m004 slots=24 zone=z0\n"
                       "machine m005 slots=24 zone=z1\nmachine m006 slots=24 zone=z2\n"
                       "machine m007 slots=24 zone=z0\n";
    struct planned x;
    plan_checked(&x, text);
    CHECK(x.ok && x.p->nstores == 48,
          "7 machines of 24 slots in 3 zones of 3, 2 and 2 (3-slot): properties 1-3 (%d stores, "
          "single excess %d, double excess %d) %s%s",
          x.p ? x.p->nstores : 0, x.r.single_worst_excess, x.r.double_worst_excess,
          x.rc ? x.err.msg : "", x.r.why);
    planned_free(&x);
}

/* 3-slot stores on a few machines of 1-3 slots in 3 or 4 zones: whenever the
 * zone rule can be met (every store in 3 distinct zones: sum over zones of
 * min(zone slots, stores) >= 3 x stores), the plan must exist and meet
 * property 1.  The first two machines of each store are chosen for balance
 * and could leave a store no zone for its third slot (11 of 212 such
 * topologies were refused). */
static void tight_zone_cases(void)
{
    unsigned state = 2026;
    int feasible = 0, planned = 0, valid = 0;
    char first_miss[1200] = "";
    for (int trial = 0; trial < 400; trial++) {
        char text[512];
        int o = snprintf(text, sizeof(text), "replicas 2\n");
        int M = 3 + (int)((state = state * 1103515245u + 12345u) >> 8) % 4;
        int Z = 3 + (int)((state = state * 1103515245u + 12345u) >> 8) % 2;
        int zslots[4] = {0}, seen = 0, total = 0;
        for (int i = 0; i < M; i++) {
            int sl = 1 + (int)((state = state * 1103515245u + 12345u) >> 8) % 3;
            int z = (int)((state = state * 1103515245u + 12345u) >> 8) % Z;
            seen |= 1 << z;
            zslots[z] += sl;
            total += sl;
            o += snprintf(text + o, sizeof(text) - (size_t)o, "machine m%d slots=%d zone=z%d\n",
                          i, sl, z);
        }
        int S = total / 3, fit = 0;
        for (int z = 0; z < Z; z++)
            fit += zslots[z] < S ? zslots[z] : S;
        if (__builtin_popcount((unsigned)seen) < 3 || S == 0 || fit < 3 * S)
            continue;
        feasible++;
        struct ss_topology *t = topo_from(text);
        struct ss_placement *p = NULL;
        struct ss_error err = {0};
        if (t && ss_plan(t, &p, &err) == 0) {
            planned++;
            struct chk_report r = {0};
            check_placement(p, &r);
            int ok = r.ok_distinct && r.ok_capacity && r.ok_zones && r.ok_fair;
            valid += ok;
            if (!ok && first_miss[0] == '\0')
                snprintf(first_miss, sizeof(first_miss), "%.300s: %.500s", r.why, text);
        } else if (first_miss[0] == '\0') {
            snprintf(first_miss, sizeof(first_miss), "%.300s\n%.500s", err.msg, text);
        }
        ss_placement_free(p);
        ss_topology_free(t);
    }
    /* 2 zones, where the hole filling fails too (and the fresh plan standing
     * in for a failed re-plan once started another until the stack
     * overflowed): the basic placement (placement_basic.c) meets property 1 */
    const char *two = "replicas 2\nmachine m0 slots=1 zone=z1\nmachine m1 slots=3 zone=z1\n"
                      "machine m2 slots=1 zone=z1\nmachine m3 slots=4 zone=z0\n"
                      "machine m4 slots=2 zone=z0\nmachine m5 slots=1 zone=z0\n";
    struct ss_topology *t2 = topo_from(two);
    struct ss_placement *p2 = NULL;
    struct ss_error err2 = {0};
    int rc2 = t2 ? ss_plan(t2, &p2, &err2) : -1;
    struct chk_report r2 = {0};
    if (rc2 == 0)
        check_placement(p2, &r2);
    CHECK(rc2 == 0 && r2.ok_distinct && r2.ok_capacity && r2.ok_zones && r2.ok_fair,
          "3-slot stores in 2 tight zones (4 stores, machines of 1-4 slots): planned, property 1 "
          "met %s%s",
          err2.msg, r2.why);
    ss_placement_free(p2);
    ss_topology_free(t2);
    CHECK(feasible > 50 && planned == feasible && valid == feasible,
          "%d small 3-slot topologies in tight zones the zone rule allows: %d planned, %d meet "
          "property 1 %s",
          feasible, planned, valid, first_miss);
}

/* The old placement as the CIB reader hands it to the re-planner: machine
 * indexes of the new topology, -1 for machines it no longer has. */
static struct ss_placement *renumbered(const struct ss_placement *old,
                                       const struct ss_topology *t)
{
    struct ss_placement *p = ss_placement_new(t, old->copies, old->nstores);
    for (int s = 0; s < old->nstores; s++) {
        p->stores[s].name = strdup(old->stores[s].name);
        for (int c = 0; c < old->copies; c++) {
            const char *name = old->topo->machines[old->stores[s].machine[c]].name;
            p->stores[s].machine[c] = -1;
            for (int i = 0; i < t->nmachines; i++)
                if (strcmp(t->machines[i].name, name) == 0)
                    p->stores[s].machine[c] = i;
            p->stores[s].slot[c] = old->stores[s].slot[c];
        }
    }
    return p;
}

/* One re-plan of fixed texts: plan `before`, hand its stores to `after` as
 * the CIB reader would, re-plan. */
struct replanned {
    struct ss_topology *t0, *t1;
    struct ss_placement *p0, *old, *p1;
    struct ss_moves mv;
    struct ss_error err;
    int rc;
};

static void replan_texts(struct replanned *x, const char *before, const char *after)
{
    memset(x, 0, sizeof(*x));
    x->t0 = topo_from(before);
    x->t1 = topo_from(after);
    x->rc = ss_plan(x->t0, &x->p0, &x->err);
    if (x->rc == 0) {
        x->old = renumbered(x->p0, x->t1);
        x->rc = ss_plan_from(x->t1, x->old, &x->p1, &x->mv, &x->err);
        if (x->rc == 0)
            check_replan_moves(x->t1, x->old, x->p1, &x->mv);
    }
}

static void replanned_free(struct replanned *x)
{
    ss_placement_free(x->p0);
    ss_placement_free(x->p1);
    ss_placement_free(x->old);
    ss_topology_free(x->t0);
    ss_topology_free(x->t1);
}

/* Re-plans fuzzing found refused or wrong: a machine moved to another zone
 * kept a store with both copies in one zone; a large machine added to tight
 * zones was refused although a fresh plan exists.  Each must give a plan
 * that meets property 1. */
static void replan_edge_cases(void)
{
    static const struct {
        const char *what, *before, *after;
    } cases[] = {
        {"m1 moved from zone z1 to z2, 2-slot stores",
         "replicas 1\nmachine m1 slots=1 zone=z1\nmachine m2 slots=1 zone=z3\n"
         "machine m3 slots=2 zone=z1\nmachine m4 slots=2 zone=z2\n",
         "replicas 1\nmachine m1 slots=1 zone=z2\nmachine m2 slots=1 zone=z3\n"
         "machine m3 slots=2 zone=z1\nmachine m4 slots=2 zone=z2\n"},
        {"3-slot stores in 2 zones, machines of 3 and 9 slots added to one zone",
         "replicas 2\nmachine m1 slots=3 zone=z1\nmachine m2 slots=3 zone=z2\n"
         "machine m3 slots=3 zone=z2\nmachine m4 slots=3 zone=z1\n",
         "replicas 2\nmachine m1 slots=3 zone=z1\nmachine m2 slots=3 zone=z2\n"
         "machine m3 slots=3 zone=z2\nmachine m4 slots=3 zone=z1\nmachine n01 slots=3 zone=z1\n"
         "machine n02 slots=9 zone=z1\n"},
        {"2-slot stores in 3 zones, a machine of 14 slots added to one of 3-4",
         "replicas 1\nstores 11\nmachine m1 slots=4 zone=z3\nmachine m2 slots=4 zone=z1\n"
         "machine m3 slots=3 zone=z2\nmachine m4 slots=3 zone=z1\nmachine m5 slots=3 zone=z2\n"
         "machine m6 slots=4 zone=z3\nmachine m7 slots=3 zone=z1\n",
         "replicas 1\nstores 11\nmachine m1 slots=4 zone=z3\nmachine m2 slots=4 zone=z1\n"
         "machine m3 slots=3 zone=z2\nmachine m4 slots=3 zone=z1\nmachine m5 slots=3 zone=z2\n"
         "machine m6 slots=4 zone=z3\nmachine m7 slots=3 zone=z1\nmachine m8 slots=14 zone=z1\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct replanned x;
        struct chk_report r = {0};
        replan_texts(&x, cases[i].before, cases[i].after);
        if (x.rc == 0)
            check_placement(x.p1, &r);
        CHECK(x.rc == 0 && r.ok_distinct && r.ok_capacity && r.ok_zones && r.ok_fair,
              "re-plan, %s: planned, property 1 met (%d slot moves) %s%s", cases[i].what,
              x.mv.slot_moves, x.rc ? x.err.msg : "", r.why);
        replanned_free(&x);
    }
}

/* Re-planning the topology a placement was made for changes nothing (apply
 * run twice must not switch masters), and no re-plan reports moves below
 * the lower bound it prints (fuzzing found both: 3-slot stores on 4 machines
 * in 3 zones had a master moved; a zone swap reported 3 slot moves against
 * a bound of 4). */
static void replan_idempotent_cases(void)
{
    int same = 0, runs = 0;
    char first[400] = "";
    unsigned saved = rng_state;
    rng_state = 777;
    for (int i = 0; i < 24; i++) {
        int machines, replicas, zones;
        char *text = gen_random(&machines, &replicas, &zones);
        struct ss_topology *t = topo_from(text);
        struct ss_placement *p0 = NULL, *p1 = NULL, *old = NULL;
        struct ss_moves mv = {0};
        struct ss_error err = {0};
        if (t && ss_plan(t, &p0, &err) == 0) {
            runs++;
            old = renumbered(p0, t);
            int ok = ss_plan_from(t, old, &p1, &mv, &err) == 0 && mv.slot_moves == 0 &&
                     mv.master_moves == 0;
            for (int s = 0; ok && s < p0->nstores; s++)
                for (int c = 0; c < p0->copies; c++)
                    ok = ok && p1->stores[s].machine[c] == p0->stores[s].machine[c] &&
                         p1->stores[s].slot[c] == p0->stores[s].slot[c];
            same += ok;
            if (!ok && first[0] == '\0')
                snprintf(first, sizeof(first), "%d slot / %d master moves %.100s: %.200s",
                         mv.slot_moves, mv.master_moves, err.msg, text);
        }
        ss_placement_free(p0);
        ss_placement_free(p1);
        ss_placement_free(old);
        ss_topology_free(t);
        free(text);
    }
    rng_state = saved;
    CHECK(runs > 15 && same == runs,
          "%d generated topologies re-planned from their own plan: %d unchanged %s", runs, same,
          first);
    const char *before = "replicas 1\nmachine a slots=3 zone=z1\nmachine b slots=3 zone=z2\n"
                         "machine c slots=3 zone=z1\nmachine d slots=3 zone=z2\n"
                         "machine e slots=3 zone=z1\n",
               *after = "replicas 1\nmachine a slots=3 zone=z1\nmachine b slots=3 zone=z2\n"
                        "machine d slots=3 zone=z2\nmachine e slots=3 zone=z1\n"
                        "machine f slots=3 zone=z2\n";
    struct replanned x;
    replan_texts(&x, before, after);
    CHECK(x.rc == 0 && x.mv.slot_moves >= x.mv.slot_moves_bound &&
              x.mv.master_moves >= x.mv.master_moves_bound,
          "c removed, f added in the other zone: %d slot moves (bound %d), %d master moves "
          "(bound %d) %s",
          x.mv.slot_moves, x.mv.slot_moves_bound, x.mv.master_moves, x.mv.master_moves_bound,
          x.err.msg);
    replanned_free(&x);
}

/* Machines removed or resized (plan --from): every copy on a removed machine,
 * and the surplus of a shrunk one (first those in the slots it no longer
 * has), moves, and little else; the new plan meets properties 1-3. */
static void remove_resize_cases(void)
{
    static const struct {
        const char *what, *before, *after;
    } cases[] = {
        {"10x20 replicas 1, 80 stores, m010 removed",
         "replicas 1\nstores 80\nmachine m001 slots=20\nmachine m002 slots=20\nmachine m003 "
         "slots=20\nmachine m004 slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\nmachine m009 slots=20\nmachine m010 "
         "slots=20\n",
         "replicas 1\nstores 80\nmachine m001 slots=20\nmachine m002 slots=20\nmachine m003 "
         "slots=20\nmachine m004 slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\nmachine m009 slots=20\n"},
        {"9x20 replicas 2, 48 stores, m004 removed",
         "replicas 2\nstores 48\nmachine m001 slots=20\nmachine m002 slots=20\nmachine m003 "
         "slots=20\nmachine m004 slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\nmachine m009 slots=20\n",
         "replicas 2\nstores 48\nmachine m001 slots=20\nmachine m002 slots=20\nmachine m003 "
         "slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\nmachine m009 slots=20\n"},
        {"8x20 replicas 1, 64 stores, m001 shrunk to 10, m002 grown to 30",
         "replicas 1\nstores 64\nmachine m001 slots=20\nmachine m002 slots=20\nmachine m003 "
         "slots=20\nmachine m004 slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\n",
         "replicas 1\nstores 64\nmachine m001 slots=10\nmachine m002 slots=30\nmachine m003 "
         "slots=20\nmachine m004 slots=20\nmachine m005 slots=20\nmachine m006 slots=20\n"
         "machine m007 slots=20\nmachine m008 slots=20\n"},
        {"9x12 replicas 2 in 3 zones, 24 stores, m009 removed",
         "replicas 2\nstores 24\nmachine m001 slots=12 zone=a\nmachine m002 slots=12 zone=b\n"
         "machine m003 slots=12 zone=c\nmachine m004 slots=12 zone=a\nmachine m005 slots=12 "
         "zone=b\nmachine m006 slots=12 zone=c\nmachine m007 slots=12 zone=a\nmachine m008 "
         "slots=12 zone=b\nmachine m009 slots=12 zone=c\n",
         "replicas 2\nstores 24\nmachine m001 slots=12 zone=a\nmachine m002 slots=12 zone=b\n"
         "machine m003 slots=12 zone=c\nmachine m004 slots=12 zone=a\nmachine m005 slots=12 "
         "zone=b\nmachine m006 slots=12 zone=c\nmachine m007 slots=12 zone=a\nmachine m008 "
         "slots=12 zone=b\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct replanned x;
        replan_texts(&x, cases[i].before, cases[i].after);
        struct chk_report r = {0};
        int ok = x.rc == 0 && good_slack(x.p1, &r);
        const struct ss_moves mv = x.mv;
        /* the moves the change forces, and at most a quarter more for balance */
        CHECK(ok && mv.slot_moves >= mv.slot_moves_bound &&
                  4 * mv.slot_moves <= 5 * mv.slot_moves_bound,
              "%s: %d slot moves (lower bound %d), %d master moves (bound %d); single excess %d "
              "(slack %d), double excess %d, lost %d of bound %d %s%s",
              cases[i].what, mv.slot_moves, mv.slot_moves_bound, mv.master_moves,
              mv.master_moves_bound, r.single_worst_excess, r.single_slack,
              r.double_worst_excess, r.double_max_lost, r.pair_bound, x.rc ? x.err.msg : "",
              r.why);
        replanned_free(&x);
    }
}

static void fixed_store_case(void)
{
    const char *text = "replicas 1\nmachine a slots=4\nmachine b slots=4\nmachine c slots=4\n"
                       "machine d slots=4\nfixed legacy d:4 c:4\n";
    struct ss_topology *t = topo_from(text);
    struct ss_placement *p = NULL;
    struct ss_error err = {0};
    int rc = ss_plan(t, &p, &err);
    int found = 0;
    for (int s = 0; rc == 0 && s < p->nstores; s++)
        if (strcmp(p->stores[s].name, "legacy") == 0)
            found = p->stores[s].machine[0] == 3 && p->stores[s].slot[0] == 4 &&
                    p->stores[s].machine[1] == 2 && p->stores[s].slot[1] == 4;
    struct chk_report r = {0};
    CHECK(rc == 0 && found && good(p, &r, 1), "a fixed store keeps its slots and order %s%s",
          rc ? err.msg : "", r.why);
    ss_placement_free(p);
    ss_topology_free(t);
}

/* 3-slot stores in two zones where the smaller zone holds exactly one copy
 * of every store, once refused: generated topologies 210 and 313 (layer 1
 * paired masters with first failovers inside that zone, and no store could
 * then take its third copy; their failures in that zone must send every
 * master to the other zone: the least slack is 1, not 0), and a fuzzed one
 * where every master of m00 failed over into that zone and no other
 * machine's did (m00's second-failover slots then had too few stores
 * without m00 to take). */
static void zone_budget_cases(void)
{
    static const struct {
        const char *text;
        int slack;
    } cases[] = {
        {"replicas 2\nmachine m001 slots=16 zone=z0\nmachine m002 slots=10 zone=z1\n"
         "machine m003 slots=15 zone=z0\nmachine m004 slots=9 zone=z1\n"
         "machine m005 slots=14 zone=z0\n",
         1},
        {"replicas 2\nmachine m001 slots=15 zone=z0\nmachine m002 slots=15 zone=z1\n"
         "machine m003 slots=18 zone=z0\nmachine m004 slots=11 zone=z1\n"
         "machine m005 slots=18 zone=z0\n",
         1},
        {"replicas 2\nmachine m00 slots=17 zone=z1\nmachine m01 slots=9 zone=z0\n"
         "machine m02 slots=6 zone=z0\nmachine m03 slots=6 zone=z0\n"
         "machine m04 slots=15 zone=z1\nmachine m05 slots=13 zone=z1\n"
         "machine m06 slots=14 zone=z1\nmachine m07 slots=15 zone=z1\n",
         0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ss_topology *t = topo_from(cases[i].text);
        struct ss_placement *p = NULL;
        struct ss_error err = {0};
        int rc = t ? ss_plan(t, &p, &err) : -1;
        struct chk_report r = {0};
        int ok = rc == 0 && good(p, &r, 1) && r.single_slack == cases[i].slack;
        CHECK(ok, "2 zones, one of them holding one copy of each of %d stores: planned, single "
                  "excess %d (least possible %d), double excess %d %s%s",
              rc == 0 ? p->nstores : 0, r.single_worst_excess, r.single_slack,
              r.double_worst_excess, rc ? err.msg : "", r.why);
        ss_placement_free(p);
        ss_topology_free(t);
    }
}

/* For the sweeps' misses: the first move-budget of 1.5, 2 and 3 at which the
 * re-plan meets properties 1-3 (measured as the generated cases are), and its
 * slot moves, into buf. */
static const char *larger_budget(struct ss_topology *t1, const struct ss_placement *old,
                                 char *buf, size_t n)
{
    static const int budgets[] = {150, 200, 300};
    int given = t1->move_budget;
    snprintf(buf, n, "none up to 3x");
    for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
        struct ss_placement *p = NULL;
        struct ss_moves mv = {0};
        struct ss_error err = {0};
        struct chk_report r = {0};
        t1->move_budget = budgets[i];
        int ok = ss_plan_from(t1, old, &p, &mv, &err) == 0 && good_slack(p, &r);
        ss_placement_free(p);
        if (ok) {
            snprintf(buf, n, "%d.%02dx: %d moves", budgets[i] / 100, budgets[i] % 100,
                     mv.slot_moves);
            break;
        }
    }
    t1->move_budget = given;
    return buf;
}

/* `test_placement sweep`: not a test but a table for open work (property 4
 * with 3 zones is not met everywhere): every equal-machine topology of these
 * sizes, replicas and zones, plus one machine, and what the re-plan misses.
 * "fresh ok" says whether fresh plans of both sizes meet properties 1-3.
 * Both measured as the generated cases are (good_slack). */
static int sweep(void)
{
    static const int sizes[] = {6, 8, 9, 10, 12, 14, 15, 16, 18, 20, 21, 24, 27, 30};
    static const int slots[] = {12, 20, 40}, zones[] = {0, 2, 3};
    int cases = 0, missed = 0, proven = 0;
    long master_moves = 0, master_bound = 0, sets_bound = 0;
    printf("%-12s %-3s %-5s %-8s %-7s %-7s %-11s %-9s %-16s %s\n", "size", "rep", "zones",
           "moves", "single/sl", "double", "lost/bound", "fresh ok", "larger budget", "misses");
    for (size_t z = 0; z < 3; z++)
        for (int rep = 1; rep <= 2; rep++)
            for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++)
                for (size_t b = 0; b < 3; b++) {
                    int M = sizes[a];
                    struct added run;
                    add_one(&run, M, slots[b], rep, zones[z]);
                    struct ss_placement *p0 = run.p0, *p1 = run.p1, *f1 = NULL;
                    struct ss_moves mv = run.mv;
                    struct ss_error err = run.err;
                    struct chk_report r = {0}, r0 = {0}, rf = {0};
                    int rc = run.rc, held = run.held;
                    int ok = rc == 0 && good_slack(p1, &r), moves = 4 * mv.slot_moves <= 5 * held;
                    int fresh = rc == 0 && good_slack(p0, &r0) && ss_plan(run.t1, &f1, &err) == 0 &&
                                good_slack(f1, &rf);
                    cases++;
                    if (rc == 0) {
                        master_moves += mv.master_moves;
                        master_bound += mv.master_moves_bound;
                        sets_bound += master_moves_sets_bound(p0, p1);
                    }
                    /* 3-slot stores in 3 zones, doubles over: is within 1 possible
                     * at all with the new plan's master and copy counts? */
                    const char *proof = "";
                    if (rc == 0 && !ok && (rep == 1 || zones[z] == 3) && M < 16 &&
                        r.single_worst_excess <= r.single_slack && r.ok_fair &&
                        (rep == 2 ? within1_violation(p1) : within1_violation_pairs(p1)) > 1e-6) {
                        proof = "(within 1 impossible with these counts)";
                        proven++;
                    }
                    if (!ok || !moves) {
                        missed++;
                        char more[64] = "";
                        if (rc == 0 && !ok)
                            larger_budget(run.t1, p0, more, sizeof(more));
                        printf("%3dx%-3d +1   %-3d %-5d %3d/%-4d %3d/%-3d %-7d %3d/%-7d %-9s %-16s "
                               "%s%s%s\n",
                               M, slots[b], rep, zones[z], mv.slot_moves, held,
                               r.single_worst_excess, r.single_slack, r.double_worst_excess, r.double_max_lost,
                               r.pair_bound, fresh ? "yes" : "no", more, ok ? "" : "bounds ",
                               moves ? "" : "moves", rc ? err.msg : proof);
                    }
                    ss_placement_free(f1);
                    added_free(&run);
                }
    printf("%d of %d re-plans miss, %d of them proven unable to meet the double bound with "
           "their counts\n",
           missed, cases, proven);
    printf("master moves: %ld in all (the counts' bound: %ld; the sets' bound: %ld)\n",
           master_moves, master_bound, sets_bound);
    return 0;
}

/* An equal-machine topology with stores at 7/8 of what the smaller one
 * holds, re-planned --from its plan less its last machine, and the smaller
 * one planned afresh (f1).  re.rc != 0 and f1 == NULL when the smaller
 * topology cannot hold the stores at all. */
struct removed {
    struct replanned re;
    struct ss_placement *f1;
};

/* `text` with a "stores N" line in front (the caller frees it). */
static char *with_stores(const char *text, int stores)
{
    size_t n = strlen(text) + 32;
    char *out = malloc(n);
    snprintf(out, n, "stores %d\n%s", stores, text);
    return out;
}

/* Plan `before` and re-plan `after` (the same machines less the last) from
 * it, both holding `stores`; also plan `after` afresh. */
static void replan_removal(struct removed *x, const char *before, const char *after, int stores)
{
    char *text0 = with_stores(before, stores), *text1 = with_stores(after, stores);
    replan_texts(&x->re, text0, text1);
    free(text0);
    free(text1);
    struct ss_error err = {0};
    x->f1 = NULL;
    int rc = ss_plan(x->re.t1, &x->f1, &err);
    if (rc != 0) { /* the smaller topology cannot hold them: that is the reason to give */
        x->re.rc = rc;
        x->re.err = err;
    }
}

/* Stores with room to spare: a machine holding one master more than the
 * others must not be anyone's first failover, or every failure is 1 over the
 * water-filling bound (25 equal machines of 12 slots, 126 2-slot stores: m001
 * had its 6th master and 4 replicas).  Strict bounds: no slack for the counts. */
static void spread_replicas_cases(void)
{
    static const struct {
        int machines, slots, replicas, zones, stores;
    } cases[] = {{25, 12, 1, 0, 126}, {27, 12, 1, 0, 136}, {29, 12, 1, 0, 147},
                 /* 3-slot: the others lacked room for every first failover */
                 {29, 20, 2, 0, 162},
                 /* and in 2 zones, whose copies per zone are not fixed */
                 {29, 20, 2, 2, 162}, {30, 20, 2, 2, 168}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *topo = gen_equal(cases[i].machines, cases[i].slots, cases[i].replicas,
                               cases[i].zones);
        char *text = with_stores(topo, cases[i].stores);
        struct planned x;
        plan_checked(&x, text);
        CHECK(x.ok && x.r.single_worst_excess <= 0,
              "%d machines of %d slots in %d zones, %d-slot, %d stores: every single failure "
              "within its bound (excess %d, slack %d), doubles within 1 (%d), %d stores on a pair "
              "(bound %d) %s%s",
              cases[i].machines, cases[i].slots, cases[i].zones, cases[i].replicas + 1,
              cases[i].stores,
              x.r.single_worst_excess, x.r.single_slack,
              x.r.double_worst_excess, x.r.double_max_lost, x.r.pair_bound,
              x.rc ? x.err.msg : "", x.r.why);
        planned_free(&x);
        free(text);
        free(topo);
    }
}

/* Mixed machines where no copy counts meet every single-failure level: the
 * largest machine, m001, holds the most masters (15), so any store failing
 * over to it puts a failure over its bound, yet copies proportional to its
 * slots gave it 14 replicas (every failure then 3 over).  The copy counts
 * the planner takes instead hold the failures to 1 over, the least any
 * copy counts reach (generated removal 31 of remove-random 100, afresh). */
static void spread_rise_case(void)
{
    const char *text = "stores 97\nreplicas 1\n"
                       "machine m001 slots=34 zone=z0\nmachine m002 slots=18 zone=z1\n"
                       "machine m003 slots=30 zone=z2\nmachine m004 slots=24 zone=z0\n"
                       "machine m005 slots=18 zone=z1\nmachine m006 slots=18 zone=z2\n"
                       "machine m007 slots=18 zone=z0\nmachine m008 slots=30 zone=z1\n"
                       "machine m009 slots=33 zone=z2\n";
    struct planned x;
    plan_checked(&x, text);
    CHECK(x.rc == 0 && x.r.single_worst_excess <= 1 && x.r.ok_fair && x.r.ok_capacity,
          "9 mixed machines in 3 zones, 97 2-slot stores: every single failure at most 1 over "
          "its bound (excess %d, slack %d; proportional copies: 3) %s",
          x.r.single_worst_excess, x.r.single_slack, x.rc ? x.err.msg : "");
    planned_free(&x);
}

/* A fresh plan of equal machines with 2-slot stores meets the plain bounds:
 * every single failure within its bound, every double within 1, no pair
 * over the pair bound.  `before` says how the plan missed before. */
static void plain_bounds_case(int machines, int slots, int zones, int stores, const char *before)
{
    char *t = gen_equal(machines, slots, 1, zones), *text = with_stores(t, stores);
    struct planned x;
    plan_checked(&x, text);
    CHECK(x.rc == 0 && x.r.ok_fair && x.r.ok_capacity && x.r.ok_zones &&
              x.r.single_worst_excess <= 0 && x.r.double_worst_excess <= 1 &&
              x.r.double_max_lost <= x.r.pair_bound,
          "%d machines of %d slots in %d zones, %d 2-slot stores: the plain bounds (single "
          "excess %d, double %d, lost %d of bound %d; %s) %s",
          machines, slots, zones, stores, x.r.single_worst_excess, x.r.double_worst_excess,
          x.r.double_max_lost, x.r.pair_bound, before, x.rc ? x.err.msg : "");
    planned_free(&x);
    free(t);
    free(text);
}

/* 2-slot stores in zones, where the zones' shares stood in the way. */
static void zone_shares_cases(void)
{
    /* 15 equal machines in 3 zones, 42 stores: with each zone's share of
     * masters (14) each zone has one machine with 2, whose failures may go
     * only to the other two, so 3 pairs held 2 stores where the bound is 1
     * (no placement with those master counts does better, whatever its copy
     * counts: an integer program).  Two floors in one zone and copies spread
     * to them meet every bound. */
    plain_bounds_case(15, 12, 3, 42, "with each zone's share of masters: lost 2");
    /* 7 machines of 40 slots in zones of 3, 2 and 2, 70 stores: with 23
     * replicas in each zone of 2 a double failure was 2 over its bound; with
     * 22 and 24 every bound is met (an integer program found 26 and 20). */
    plain_bounds_case(7, 40, 3, 70, "even copies per zone: double 2");
}

/* ss_plan_from takes the old stores numbered as the new topology numbers
 * its machines; a number beyond them is a machine the topology no longer
 * has, as -1 is (a caller handing over the old topology's numbers once
 * read and wrote past the re-plan's arrays). */
static void replan_old_numbers_case(void)
{
    char *t0 = gen_equal(19, 4, 2, 0), *t1 = gen_equal(18, 4, 2, 0);
    char *before = with_stores(t0, 21), *after = with_stores(t1, 21);
    struct replanned x;
    replan_texts(&x, before, after);
    struct ss_placement *p = NULL;
    struct ss_moves mv = {0};
    struct ss_error err = {0};
    int rc = x.rc == 0 ? ss_plan_from(x.t1, x.p0, &p, &mv, &err) : -1;
    CHECK(rc == 0 && mv.slot_moves == x.mv.slot_moves && mv.slot_moves_bound == x.mv.slot_moves_bound,
          "re-plan given the old topology's machine numbers (m019 beyond the new 18): as with "
          "m019 as -1, %d slot moves (bound %d) against %d (%d) %s",
          mv.slot_moves, mv.slot_moves_bound, x.mv.slot_moves, x.mv.slot_moves_bound,
          rc > 0 ? err.msg : "");
    /* the list of moves too: the copy from m019 comes from a machine that is gone (-1) */
    struct ss_slot_move *given = NULL, *as_gone = NULL;
    int n = rc == 0 ? ss_slot_moves(x.t1, x.p0, p, &given) : -1;
    int n_gone = rc == 0 ? ss_slot_moves(x.t1, x.old, p, &as_gone) : -2;
    int same = n == n_gone && n == mv.slot_moves, beyond = 0;
    for (int i = 0; same && i < n; i++) {
        same = memcmp(&given[i], &as_gone[i], sizeof(given[i])) == 0;
        beyond += given[i].from_machine >= x.t1->nmachines;
    }
    CHECK(same && beyond == 0,
          "the same re-plan's list of %d slot moves is the list with m019 as -1 (%d moves), "
          "none from a machine beyond the topology (%d are)",
          n, n_gone, beyond);
    free(given);
    free(as_gone);
    ss_placement_free(p);
    replanned_free(&x);
    free(before);
    free(after);
    free(t0);
    free(t1);
}

static void remove_last(struct removed *x, int machines, int slots, int replicas, int zones)
{
    int stores = (machines - 1) * slots / (replicas + 1) * 7 / 8;
    if (zones == 3)
        stores = (machines - 1) / 3 * slots * 7 / 8;
    char *before = gen_equal(machines, slots, replicas, zones);
    char *after = gen_equal(machines - 1, slots, replicas, zones);
    replan_removal(x, before, after, stores);
    free(before);
    free(after);
}

static void removed_free(struct removed *x)
{
    replanned_free(&x->re);
    ss_placement_free(x->f1);
}

/* Removing a machine: properties 1-3 (measured as the generated cases are),
 * at most 1.25x the slot moves the removal forces. */
static int removal_ok(const struct removed *x, struct chk_report *r)
{
    return x->re.rc == 0 && good_slack(x->re.p1, r) && 4 * x->re.mv.slot_moves <= 5 * x->re.mv.slot_moves_bound;
}

/* `test_placement sweep-remove`: every equal-machine topology of the sweep's
 * sizes less its last machine; lists the re-plans that miss removal_ok. */
static int sweep_remove(void)
{
    static const int sizes[] = {6, 8, 9, 10, 12, 14, 15, 16, 18, 20, 21, 24, 27, 30};
    static const int slots[] = {12, 20, 40}, zones[] = {0, 2, 3};
    int cases = 0, missed = 0, proven = 0;
    long master_moves = 0, master_bound = 0, sets_bound = 0;
    printf("%-12s %-3s %-5s %-11s %-9s %-7s %-11s %-9s %s\n", "size", "rep", "zones",
           "moves/bound", "single/sl", "double", "lost/bound", "fresh ok", "larger budget");
    for (size_t z = 0; z < 3; z++)
        for (int rep = 1; rep <= 2; rep++)
            for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++)
                for (size_t b = 0; b < 3; b++) {
                    int M = sizes[a];
                    if (zones[z] == 3 && M % 3 == 1)
                        continue; /* the removal leaves one zone short of the stores */
                    struct removed x;
                    remove_last(&x, M, slots[b], rep, zones[z]);
                    struct chk_report r = {0}, rf = {0};
                    /* no fresh plan: too many stores for the smaller zones, no case */
                    if (x.f1 != NULL) {
                        cases++;
                        int fresh = good_slack(x.f1, &rf);
                        if (x.re.rc == 0) {
                            master_moves += x.re.mv.master_moves;
                            master_bound += x.re.mv.master_moves_bound;
                            sets_bound += master_moves_sets_bound(x.re.old, x.re.p1);
                        }
                        if (!removal_ok(&x, &r)) {
                            missed++;
                            /* doubles over: is within 1 possible with these counts? */
                            const char *proof = "";
                            if (x.re.rc == 0 && r.double_worst_excess > 1 &&
                                (rep == 1 || zones[z] >= 3) && M < 16 &&
                                r.single_worst_excess <= r.single_slack && r.ok_fair &&
                                (rep == 2 ? within1_violation(x.re.p1)
                                          : within1_violation_pairs(x.re.p1)) > 1e-6) {
                                proof = "(within 1 impossible with these counts)";
                                proven++;
                            }
                            char more[64] = "";
                            if (x.re.rc == 0)
                                larger_budget(x.re.t1, x.re.old, more, sizeof(more));
                            printf("%3dx%-3d -1   %-3d %-5d %4d/%-6d %3d/%-5d %-7d %3d/%-7d %-9s "
                                   "%-16s %s\n",
                                   M, slots[b], rep, zones[z], x.re.mv.slot_moves,
                                   x.re.mv.slot_moves_bound, r.single_worst_excess, r.single_slack,
                                   r.double_worst_excess, r.double_max_lost, r.pair_bound,
                                   fresh ? "yes" : "no", more, x.re.rc ? x.re.err.msg : proof);
                        }
                    }
                    removed_free(&x);
                }
    printf("%d of %d removals miss, %d of them proven unable to meet the double bound with "
           "their counts\n",
           missed, cases, proven);
    printf("master moves: %ld in all (the counts' bound: %ld; the sets' bound: %ld)\n",
           master_moves, master_bound, sets_bound);
    return 0;
}

/* Generated topologies (in the unit tests the generator's stream goes on
 * after the add-machine ones) with stores at 7/8 of what they hold without
 * their last machine, re-planned without it.
 * Counts the misses of removal_ok without and with 3 zones, and those
 * without 3 zones where a fresh plan of the smaller topology misses too. */
struct removals {
    int plain, zoned3, with3, unreachable;
    int zoned3_unreachable; /* of zoned3: those whose fresh plan misses too */
};

static void remove_generated(int count, struct removals *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < count; i++) {
        int machines, replicas, zones;
        char *before = gen_random(&machines, &replicas, &zones);
        char *last = strrchr(before, 'm');
        while (last > before && last[-1] != '\n')
            last--;
        char *after = strndup(before, (size_t)(last - before));
        /* what the smaller topology holds: a plan without `stores` fills it */
        struct ss_topology *t1 = topo_from(after);
        struct ss_placement *full = NULL;
        struct ss_error ferr = {0};
        int stores = ss_plan(t1, &full, &ferr) == 0 ? full->nstores * 7 / 8 : 0;
        ss_placement_free(full);
        ss_topology_free(t1);
        struct removed x;
        replan_removal(&x, before, after, stores);
        struct chk_report r = {0}, rf = {0};
        int reachable = x.f1 && good_slack(x.f1, &rf);
        out->with3 += zones == 3;
        if (stores > 0 && !removal_ok(&x, &r)) {
            if (zones == 3) {
                out->zoned3++;
                out->zoned3_unreachable += !reachable;
            } else if (reachable)
                out->plain++;
            else
                out->unreachable++;
            printf("# removal %d: %d machines rep %d zones %d, %d stores, - 1: moves %d/%d "
                   "single %d/%d double %d lost %d/%d, new afresh ok %s %s\n",
                   i, machines, replicas, zones, stores, x.re.mv.slot_moves, x.re.mv.slot_moves_bound,
                   r.single_worst_excess, r.single_slack, r.double_worst_excess,
                   r.double_max_lost, r.pair_bound, reachable ? "yes" : "no",
                   x.re.rc ? x.re.err.msg : "");
            if (getenv("SHOW"))
                printf("%s", before);
        }
        removed_free(&x);
        free(before);
        free(after);
    }
}

/* Removing a machine from topologies nobody chose.  Open work (README): at
 * least 9 in 10 without 3 zones, 2 in 3 with 3 zones. */
static void remove_machine_generated(int count)
{
    struct removals rm;
    remove_generated(count, &rm);
    int plain = count - rm.with3 - rm.unreachable;
    CHECK(10 * rm.plain <= plain,
          "%d generated topologies less one machine, %d without 3 zones where a fresh plan "
          "meets properties 1-3: at least 9 in 10 meet them and move at most 1.25x what the "
          "removal forces (%d miss)",
          count, plain, rm.plain);
    CHECK(3 * rm.zoned3 <= rm.with3,
          "%d of them in 3 zones: at least 2 in 3 do (%d miss)", rm.with3, rm.zoned3);
}

/* Removals the re-plan once missed (sweep-remove); 24x20 and 15x40 (3-slot,
 * 3 zones) and 9x40 (2-slot, 3 zones) met the double bounds only with the
 * breakout polish. */
static void remove_generated_cases(void)
{
    static const struct {
        int machines, slots, replicas, zones;
    } cases[] = {{20, 20, 1, 0}, {21, 20, 1, 0}, {27, 40, 1, 0}, {15, 12, 2, 0},
                 {30, 12, 2, 0}, {20, 12, 2, 0}, {20, 40, 2, 0}, {14, 12, 2, 2}, {18, 12, 2, 2},
                 {9, 12, 2, 0},  {20, 40, 2, 2}, {24, 40, 1, 0}, {9, 12, 1, 3},
                 {20, 12, 2, 2}, {24, 20, 2, 3}, {15, 40, 2, 3}, {9, 40, 1, 3},
                 /* met only with the zones' shares of masters dropped */
                 {27, 12, 2, 2}, {30, 12, 2, 2}, {20, 20, 2, 3}, {9, 20, 1, 3},
                 /* met within 1.25x once a ceiling could move for the doubles */
                 {30, 20, 2, 3},
                 /* 3 forced moves, budget 3: the fill once spent a 4th, by its
                  * order (19x4) or by the copy targets (12x4 in 2 zones) */
                 {19, 4, 2, 0}, {12, 4, 2, 2},
                 /* plans that keep replicas off the machines with a master
                  * more (spread_replicas): the removed machine held more
                  * copies, and proportional targets moved others' as well */
                 {30, 12, 1, 2}, {24, 20, 1, 3}, {27, 20, 1, 3}, {30, 20, 1, 3},
                 /* 2-slot: met only by the fresh plan matched to the old
                  * stores (it holds the zones' copies unevenly) */
                 {8, 40, 1, 3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct removed x;
        remove_last(&x, cases[i].machines, cases[i].slots, cases[i].replicas, cases[i].zones);
        struct chk_report r = {0};
        CHECK(removal_ok(&x, &r),
              "%dx%d replicas %d, %d zones, stores at 7/8, less one machine: %d slot moves (bound "
              "%d); single excess %d (slack %d), double excess %d, lost %d of bound %d %s%s",
              cases[i].machines, cases[i].slots, cases[i].replicas, cases[i].zones,
              x.re.mv.slot_moves, x.re.mv.slot_moves_bound, r.single_worst_excess, r.single_slack,
              r.double_worst_excess, r.double_max_lost, r.pair_bound, x.re.rc ? x.re.err.msg : "", r.why);
        removed_free(&x);
    }
}

/* A zone short of room for the stores that lost their copy there: one of
 * its machines takes a copy more than its share, where moving full stores'
 * copies to the other zone costs more (remove-random's removal 4: 14 mixed
 * machines in 2 zones, 3-slot stores, less m014: 9 slot moves where 7 are
 * forced, budget 8; now 7). */
static void zone_targets_case(void)
{
    static const char *after =
        "replicas 2\n"
        "machine m001 slots=15 zone=z0\n"
        "machine m002 slots=11 zone=z1\n"
        "machine m003 slots=15 zone=z0\n"
        "machine m004 slots=13 zone=z1\n"
        "machine m005 slots=9 zone=z0\n"
        "machine m006 slots=16 zone=z1\n"
        "machine m007 slots=11 zone=z0\n"
        "machine m008 slots=11 zone=z1\n"
        "machine m009 slots=10 zone=z0\n"
        "machine m010 slots=12 zone=z1\n"
        "machine m011 slots=9 zone=z0\n"
        "machine m012 slots=14 zone=z1\n"
        "machine m013 slots=15 zone=z0\n";
    char before[1024];
    snprintf(before, sizeof(before), "%smachine m014 slots=9 zone=z1\n", after);
    struct removed x;
    replan_removal(&x, before, after, 46);
    struct chk_report r = {0};
    CHECK(removal_ok(&x, &r) && x.re.mv.slot_moves == x.re.mv.slot_moves_bound,
          "14 mixed machines in 2 zones, 3-slot stores, less one: %d slot moves (bound %d), "
          "single excess %d (slack %d), double excess %d %s",
          x.re.mv.slot_moves, x.re.mv.slot_moves_bound, r.single_worst_excess, r.single_slack,
          r.double_worst_excess, r.why);
    removed_free(&x);
}

/* A larger move budget buys the bounds where 1.25x cannot: 27x12 (3-slot
 * stores, no zones) less a machine is a single failure 1 over within 1.25x
 * the forced moves; with `move-budget 1.5` it meets properties 1-3. */
static void move_budget_case(void)
{
    char *before = gen_equal(27, 12, 2, 0), *after0 = gen_equal(26, 12, 2, 0);
    size_t n = strlen(after0) + 32;
    char *after = malloc(n);
    snprintf(after, n, "move-budget 1.5\n%s", after0);
    struct removed x;
    replan_removal(&x, before, after, 26 * 12 / 3 * 7 / 8);
    struct chk_report r = {0};
    int ok = x.re.rc == 0 && good_slack(x.re.p1, &r);
    CHECK(ok && 2 * x.re.mv.slot_moves <= 3 * x.re.mv.slot_moves_bound &&
              x.re.mv.slot_moves_budget == x.re.mv.slot_moves_bound * 3 / 2,
          "27x12 replicas 2, less one machine, move-budget 1.5: %d slot moves (bound "
          "%d, budget %d), single excess %d (slack %d), double excess %d %s",
          x.re.mv.slot_moves, x.re.mv.slot_moves_bound, x.re.mv.slot_moves_budget,
          r.single_worst_excess, r.single_slack, r.double_worst_excess, r.why);
    removed_free(&x);
    free(before);
    free(after0);
    free(after);
}

/* Re-plan `count` generated topologies (gen_random: mixed slots, zones) plus
 * one machine like the last one; print the misses (properties 1-4 measured as
 * the generated cases are).  *plain and *zoned3 count the misses without and
 * with 3 zones, *with3 the topologies with 3 zones. */
struct replans {
    int plain, zoned3, with3, refused;
    int plain_unreachable; /* misses without 3 zones where a fresh plan misses too */
    int zoned3_unreachable; /* the same in 3 zones */
    int unreachable;       /* new topologies whose fresh plan misses 1-3 */
};

static void replan_generated(int count, struct replans *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < count; i++) {
        int machines, replicas, zones;
        char *before = gen_random(&machines, &replicas, &zones);
        /* SS_ONLY=i (sweep-random): that re-plan alone, to study it */
        if (getenv("SS_ONLY") && atoi(getenv("SS_ONLY")) != i) {
            free(before);
            continue;
        }
        const char *last = strrchr(before, 'm');
        while (last > before && last[-1] != '\n')
            last--;
        size_t len = strlen(before);
        char *after = malloc(len * 2 + 64);
        memcpy(after, before, len + 1);
        int slots = atoi(strstr(last, "slots=") + 6);
        int o = (int)len + sprintf(after + len, "machine m%03d slots=%d", machines + 1, slots);
        if (zones)
            sprintf(after + o, " zone=z%d", machines % zones);
        strcat(after, "\n");
        struct added a;
        add_texts(&a, before, after, machines);
        struct ss_topology *t1 = a.t1;
        struct ss_placement *p0 = a.p0, *p1 = a.p1;
        struct ss_moves mv = a.mv;
        struct ss_error err = a.err;
        int rc = a.rc, held = a.held;
        struct chk_report r = {0}, r0 = {0}, rf = {0};
        int ok = rc == 0 && good_slack(p1, &r), moves = 4 * mv.slot_moves <= 5 * held;
        int fresh = rc == 0 && good_slack(p0, &r0);
        /* what planning the new topology afresh reaches: where that misses
         * properties 1-3 too (e.g. 3-slot stores in 2 zones with a double
         * bound no placement with these counts meets), so may the re-plan */
        struct ss_placement *f1 = NULL;
        struct ss_error ferr = {0};
        int reachable = ss_plan(t1, &f1, &ferr) == 0 && good_slack(f1, &rf);
        ss_placement_free(f1);
        out->refused += rc != 0;
        out->with3 += zones == 3;
        out->unreachable += !reachable;
        if (rc != 0 || !ok || !moves) {
            if (zones == 3 && (reachable || !moves || rc != 0))
                out->zoned3++;
            else if (zones == 3)
                out->zoned3_unreachable++;
            else if (reachable || !moves || rc != 0)
                out->plain++;
            else
                out->plain_unreachable++;
            printf("# re-plan %d: %d machines rep %d zones %d + 1: moves %d/%d single %d/%d "
                   "double %d lost %d/%d old ok %s, new afresh ok %s %s%s%s\n",
                   i, machines, replicas, zones, mv.slot_moves, held, r.single_worst_excess,
                   r.single_slack, r.double_worst_excess, r.double_max_lost, r.pair_bound,
                   fresh ? "yes" : "no", reachable ? "yes" : "no", ok ? "" : "bounds ",
                   moves ? "" : "moves", rc ? err.msg : "");
            if (getenv("SHOW"))
                printf("%s", after);
        }
        added_free(&a);
    }
}

/* A re-plan whose single failures were met while a double failure stayed 2
 * over (the master ceiling on m005, which also receives second failovers):
 * mixed machines in 3 zones plus one (generated; it missed before the
 * ceilings were tried again for the doubles). */
static void add_machine_double_ceiling(void)
{
    const char *before = "replicas 2\n"
                         "machine m001 slots=10 zone=z0\nmachine m002 slots=7 zone=z1\n"
                         "machine m003 slots=12 zone=z2\nmachine m004 slots=8 zone=z0\n"
                         "machine m005 slots=14 zone=z1\nmachine m006 slots=7 zone=z2\n";
    char *after = malloc(strlen(before) + 64);
    sprintf(after, "%smachine m007 slots=7 zone=z0\n", before);
    struct added a;
    add_texts(&a, strdup(before), after, 6);
    struct chk_report r = {0};
    int ok = a.rc == 0 && good(a.p1, &r, 1);
    CHECK(ok && 4 * a.mv.slot_moves <= 5 * a.held,
          "6 mixed machines in 3 zones (3-slot) + 1: properties 1-4 (%d slot moves for %d slots, "
          "single excess %d, double excess %d) %s%s",
          a.mv.slot_moves, a.held, r.single_worst_excess, r.double_worst_excess,
          a.rc ? a.err.msg : "", r.why);
    added_free(&a);
}

/* Property 4 on topologies nobody chose: generated ones (the generator's
 * stream goes on after the fresh-plan cases, so these are others) plus one
 * machine.  Where a fresh plan of the new topology misses properties 1-3
 * (proven impossible with its counts in the cases seen: 3-slot stores in 3
 * zones of unequal machines), the re-plan may miss them too. */
static void add_machine_generated(int count)
{
    struct replans r;
    replan_generated(count, &r);
    CHECK(r.refused == 0 && r.plain == 0,
          "%d generated topologies + 1 machine, %d without 3 zones: all meet properties 1-4 "
          "where a fresh plan of the new topology meets 1-3 (%d miss, %d refused; %d more miss "
          "where the fresh plan does too)",
          count, count - r.with3, r.plain, r.refused, r.plain_unreachable);
    CHECK(r.zoned3 == 0,
          "%d of them in 3 zones: all meet properties 1-4 where a fresh plan of the new "
          "topology meets 1-3 (%d miss; %d more miss where the fresh plan does too)", r.with3,
          r.zoned3, r.zoned3_unreachable);
}

/* `test_placement sweep-random N`: the table alone, from the generator's start
 * (the same topologies as the fresh-plan cases). */
static int sweep_random(int count)
{
    struct replans r;
    replan_generated(count, &r);
    printf("%d of %d re-plans miss (%d of %d with 3 zones; %d refused; %d where a fresh plan "
           "misses too)\n", r.plain + r.zoned3 + r.plain_unreachable + r.zoned3_unreachable,
           count, r.zoned3 + r.zoned3_unreachable, r.with3, r.refused,
           r.plain_unreachable + r.zoned3_unreachable);
    return 0;
}

/* Masters per machine (m) and the first-failover matrix (f, rows: the failed
 * machine) of p, filled and printed a line per machine. */
static void print_leads(const struct ss_placement *p, int *m, int *f)
{
    int M = p->topo->nmachines;
    for (int s = 0; s < p->nstores; s++) {
        m[p->stores[s].machine[0]]++;
        f[p->stores[s].machine[0] * M + p->stores[s].machine[1]]++;
    }
    for (int i = 0; i < M; i++) {
        printf("m%03d z%d %3d masters %3d slots |", i + 1,
               p->topo->nzones ? p->topo->machines[i].zone_id : 0, m[i], copies_on(p, i));
        for (int j = 0; j < M; j++)
            printf(" %d", f[i * M + j]);
        printf("\n");
    }
}

/* `test_placement add M S R Z`: one equal-machine topology plus one machine,
 * with the new plan's masters per machine, first-failover matrix (rows:
 * failed machine) and double failures over bound + 1, to study a miss of the
 * sweep. */
static int add_case(int machines, int slots, int replicas, int zones)
{
    struct added a;
    add_one(&a, machines, slots, replicas, zones);
    if (a.rc != 0) {
        printf("refused: %s\n", a.err.msg);
        added_free(&a);
        return 1;
    }
    struct chk_report r = {0};
    int ok = good_slack(a.p1, &r);
    printf("%s: %d slot moves (bound %d) for %d slots, %d master moves (bound %d); single "
           "excess %d (slack %d), double excess %d%s%s\n",
           ok ? "meets 1-3" : "misses", a.mv.slot_moves, a.mv.slot_moves_bound, a.held,
           a.mv.master_moves, a.mv.master_moves_bound, r.single_worst_excess, r.single_slack,
           r.double_worst_excess, ok ? "" : ": ", ok ? "" : r.why);
    struct ss_placement *f1 = NULL;
    struct chk_report rf = {0};
    if (ss_plan(a.t1, &f1, &a.err) == 0) {
        int fresh_ok = good_slack(f1, &rf);
        printf("a fresh plan of the new topology %s: single excess %d (slack %d), double "
               "excess %d%s%s\n", fresh_ok ? "meets 1-3" : "misses", rf.single_worst_excess,
               rf.single_slack, rf.double_worst_excess, fresh_ok ? "" : ": ", rf.why);
    }
    ss_placement_free(f1);
    if (!ok && getenv("SS_PROVE") && (replicas == 1 || zones >= 3))
        printf("within 1 with the new plan's master and copy counts: LP violation %.3f\n",
               replicas == 1 ? within1_violation_pairs(a.p1) : within1_violation(a.p1));
    if (!ok && getenv("SS_PROVE") && replicas == 2 && zones >= 3)
        printf("within 1 with the new plan's sets, re-ordered: LP violation %.3f\n",
               within1_orders_violation(a.p1));
    int M = machines + 1;
    int *f = calloc((size_t)M * M, sizeof(int)), *m = calloc((size_t)M, sizeof(int));
    print_leads(a.p1, m, f);
    /* and the double failures over bound + 1, with what their busiest
     * survivor receives: first failovers of each failed machine, and the
     * stores whose master and first failover both failed */
    {
        struct ss_balance *b = ss_balance_compute(a.p1, 1);
        int *load = calloc((size_t)M, sizeof(int));
        for (int x = 0; x < M; x++)
            for (int y = x + 1; y < M; y++) {
                int fl[2] = {x, y};
                ss_balance_after_failure(a.p1, fl, 2, load);
                for (int c = 0; c < M; c++) {
                    if (c == x || c == y || load[c] - b->double_bound[x * M + y] < 2)
                        continue;
                    int txy = 0, tyx = 0;
                    for (int s = 0; s < a.p1->nstores; s++) {
                        const struct ss_store *st = &a.p1->stores[s];
                        txy += st->machine[0] == x && st->machine[1] == y && st->machine[2] == c;
                        tyx += st->machine[0] == y && st->machine[1] == x && st->machine[2] == c;
                    }
                    printf("double m%03d+m%03d: m%03d holds %d (bound %d) = %d masters + %d + %d "
                           "first failovers + %d + %d second\n",
                           x + 1, y + 1, c + 1, load[c], b->double_bound[x * M + y], m[c],
                           f[x * M + c], f[y * M + c], txy, tyx);
                }
            }
        free(load);
        ss_balance_free(b);
    }
    free(f);
    free(m);
    added_free(&a);
    return !ok;
}

/* `test_placement remove M S R Z`: one equal-machine topology less its last
 * machine, as sweep-remove makes it, with the new plan's masters per machine
 * and first-failover matrix. */
static int remove_case(int machines, int slots, int replicas, int zones)
{
    struct removed x;
    remove_last(&x, machines, slots, replicas, zones);
    if (x.re.rc != 0) {
        printf("refused: %s\n", x.re.err.msg);
        removed_free(&x);
        return 1;
    }
    struct chk_report r = {0};
    int ok = removal_ok(&x, &r);
    printf("%s: %d slot moves (bound %d), %d master moves (bound %d); single excess %d (slack "
           "%d), double excess %d, lost %d of bound %d\n",
           ok ? "meets 1-3" : "misses", x.re.mv.slot_moves, x.re.mv.slot_moves_bound,
           x.re.mv.master_moves, x.re.mv.master_moves_bound, r.single_worst_excess,
           r.single_slack, r.double_worst_excess, r.double_max_lost, r.pair_bound);
    int M = machines - 1;
    int *f = calloc((size_t)M * M, sizeof(int)), *m = calloc((size_t)M, sizeof(int));
    print_leads(x.re.p1, m, f);
    free(f);
    free(m);
    removed_free(&x);
    return !ok;
}

/* Text of a file (at most 1 MiB), or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    char *text = calloc(1, 1 << 20);
    size_t len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[len] = 0;
    return text;
}

/* `test_placement plan FILE [BEFORE]`: a plan of one topology file (afresh,
 * or re-planned from the plan of BEFORE), measured as the generated cases
 * are, and on a miss whether within 1 of every double bound is possible at
 * all with its counts (the LP of the proofs above). */
static int plan_case(const char *path, const char *before)
{
    char *text = read_text(path), *text0 = before ? read_text(before) : NULL;
    if (text == NULL || (before && text0 == NULL)) {
        free(text);
        free(text0);
        return 2;
    }
    struct ss_topology *t = topo_from(text), *t0 = text0 ? topo_from(text0) : NULL;
    struct ss_placement *p = NULL, *p0 = NULL;
    struct ss_moves mv = {0};
    struct ss_error err = {0};
    int rc = t && (!text0 || t0) ? 0 : 2;
    if (rc == 0 && t0)
        rc = ss_plan(t0, &p0, &err);
    /* as the CIB reader hands it over: the new topology's machine numbers */
    struct ss_placement *old = p0 ? renumbered(p0, t) : NULL;
    if (rc == 0)
        rc = old ? ss_plan_from(t, old, &p, &mv, &err) : ss_plan(t, &p, &err);
    if (rc == 0) {
        struct chk_report r = {0};
        int ok = good(p, &r, 1);
        printf("%s: single excess %d (slack %d), double excess %d, lost %d of bound %d; %d slot "
               "moves (bound %d), %d master moves %s\n",
               ok ? "meets 1-3" : "misses", r.single_worst_excess, r.single_slack,
               r.double_worst_excess, r.double_max_lost, r.pair_bound, mv.slot_moves,
               mv.slot_moves_bound, mv.master_moves, r.why);
        if (p->copies == 2)
            printf("single excess other copy counts reach at these bounds: %d\n",
                   r.single_slack_any);
        if (!ok && (p->copies == 2 || t->nzones >= 3))
            printf("within 1 with these master and copy counts: LP violation %.3f\n",
                   p->copies == 2 ? within1_violation_pairs(p) : within1_violation(p));
        rc = !ok;
    } else {
        printf("refused: %s\n", err.msg);
    }
    ss_placement_free(p);
    ss_placement_free(old);
    ss_placement_free(p0);
    ss_topology_free(t);
    ss_topology_free(t0);
    free(text);
    free(text0);
    return rc;
}

/* `test_placement exact FILE [BEFORE]`: the plan of FILE (or its re-plan
 * from BEFORE's plan) as plan_case makes it, and on stdout the integer
 * program of exact.h for its master and copy counts, for a MIP solver
 * (tests/sweep-fresh.sh runs cbc on it). */
static int exact_case(const char *path, const char *before)
{
    char *text = read_text(path), *text0 = before ? read_text(before) : NULL;
    struct ss_topology *t = text ? topo_from(text) : NULL;
    struct ss_topology *t0 = text0 ? topo_from(text0) : NULL;
    struct ss_placement *p = NULL, *p0 = NULL, *old = NULL;
    struct ss_moves mv = {0};
    struct ss_error err = {0};
    int rc = t && (!before || t0) ? 0 : 2;
    if (rc == 0 && t0)
        rc = ss_plan(t0, &p0, &err);
    if (rc == 0 && p0)
        old = renumbered(p0, t);
    if (rc == 0)
        rc = old ? ss_plan_from(t, old, &p, &mv, &err) : ss_plan(t, &p, &err);
    if (rc == 0) {
        struct counts q;
        counts_init(&q, p);
        struct exact_counts c = {.m = q.m, .room = q.room, .single = q.single,
                                 .slack = q.r.single_slack, .pair_bound = q.r.pair_bound};
        rc = exact_write(stdout, &q.in, &c) == 0 ? 0 : 2;
        if (rc)
            fprintf(stderr, "exact: 3-slot stores only in 3 or more zones\n");
        counts_free(&q);
    } else if (err.msg[0]) {
        fprintf(stderr, "refused: %s\n", err.msg);
    }
    ss_placement_free(p);
    ss_placement_free(old);
    ss_placement_free(p0);
    ss_topology_free(t);
    ss_topology_free(t0);
    free(text);
    free(text0);
    return rc;
}

/* `test_placement exact-check FILE SOLUTION`: the placement a MIP solver's
 * solution of `exact FILE` describes (cbc's -solu file: index, name, value
 * per line), measured by the checker; returns 0 when the checker finds the
 * solution's objective E as its worst double excess and every single failure
 * within the slack: the model measures what the checker measures. */
static int exact_check(const char *path, const char *solution)
{
    char *text = read_text(path);
    struct ss_topology *t = text ? topo_from(text) : NULL;
    FILE *f = fopen(solution, "r");
    if (t == NULL || f == NULL) {
        fprintf(stderr, "exact-check: cannot read %s\n", t ? solution : path);
        if (f)
            fclose(f);
        ss_topology_free(t);
        free(text);
        return 2;
    }
    int M = t->nmachines, stores = 0, cap = 64, objective = 0, copies = 3;
    int *member = malloc(sizeof(int) * 3 * (size_t)cap);
    int *slots = calloc((size_t)M, sizeof(int)), *zone = calloc((size_t)M, sizeof(int));
    for (int i = 0; i < M; i++) {
        slots[i] = t->machines[i].slots;
        zone[i] = t->machines[i].zone_id;
    }
    char line[256], name[128];
    double value;
    while (fgets(line, sizeof(line), f)) {
        int i, j, k, idx;
        if (sscanf(line, "%d %127s %lf", &idx, name, &value) != 3)
            continue;
        if (strcmp(name, "E") == 0)
            objective = (int)(value + (value < 0 ? -0.5 : 0.5));
        int got = sscanf(name, "t_%d_%d_%d", &i, &j, &k);
        if (got != 3) {
            if (sscanf(name, "x_%d_%d", &i, &j) != 2)
                continue;
            k = -1;
        }
        if (i < 0 || j < 0 || i >= M || j >= M || k >= M || (got == 3 && k < 0))
            continue;
        copies = got == 3 ? 3 : 2;
        for (int n = (int)(value + 0.5); n > 0; n--) {
            if (stores == cap) {
                cap *= 2;
                member = realloc(member, sizeof(int) * 3 * (size_t)cap);
            }
            member[3 * stores] = i;
            member[3 * stores + 1] = j;
            member[3 * stores++ + 2] = k; /* -1 for 2-slot stores, dropped below */
        }
    }
    fclose(f);
    for (int s = 0; copies == 2 && s < stores; s++) {
        member[2 * s] = member[3 * s];
        member[2 * s + 1] = member[3 * s + 1];
    }
    struct chk_input in = {.machines = M, .slots = slots, .zone = zone, .zones = t->nzones,
                           .copies = copies, .stores = stores, .member = member};
    struct chk_report r;
    chk_run(&in, 1, &r);
    printf("%d stores: single excess %d (slack %d), double excess %d, lost %d of bound %d; the "
           "solution's E %d\n",
           stores, r.single_worst_excess, r.single_slack, r.double_worst_excess,
           r.double_max_lost, r.pair_bound, objective);
    int ok = (t->stores == 0 || stores == t->stores) && r.ok_distinct && r.ok_capacity &&
             r.ok_zones && r.single_worst_excess <= r.single_slack &&
             r.double_worst_excess == objective &&
             (copies == 3 || r.double_max_lost <= r.pair_bound);
    free(member);
    free(slots);
    free(zone);
    ss_topology_free(t);
    free(text);
    return !ok;
}

int main(int argc, char **argv)
{
    /* SS_SEED=n: the generator starts elsewhere, so sweep-random and
     * remove-random measure topologies no test has seen */
    if (getenv("SS_SEED"))
        rng_state = (unsigned)strtoul(getenv("SS_SEED"), NULL, 10);
    if (argc > 1 && strcmp(argv[1], "sweep") == 0)
        return sweep();
    if (argc > 2 && strcmp(argv[1], "sweep-random") == 0)
        return sweep_random(atoi(argv[2]));
    if (argc > 1 && strcmp(argv[1], "sweep-remove") == 0)
        return sweep_remove();
    if (argc > 2 && strcmp(argv[1], "remove-random") == 0) {
        struct removals rm;
        remove_generated(atoi(argv[2]), &rm);
        printf("%d miss without 3 zones (%d more where a fresh plan misses too), %d of %d with 3 "
               "zones (%d of them where a fresh plan misses too)\n",
               rm.plain, rm.unreachable, rm.zoned3, rm.with3, rm.zoned3_unreachable);
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "plan") == 0)
        return plan_case(argv[2], argc > 3 ? argv[3] : NULL);
    if (argc > 3 && strcmp(argv[1], "exact-check") == 0)
        return exact_check(argv[2], argv[3]);
    if (argc > 2 && strcmp(argv[1], "exact") == 0)
        return exact_case(argv[2], argc > 3 ? argv[3] : NULL);
    if (argc > 5 && strcmp(argv[1], "add") == 0)
        return add_case(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc > 5 && strcmp(argv[1], "remove") == 0)
        return remove_case(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    int generated = argc > 1 ? atoi(argv[1]) : 150;
    fixed_cases();
    seed_property();
    generated_cases(generated);
    add_machine_cases();
    add_machine_generated(generated * 2 / 5);
    add_machine_double_ceiling();
    impossible_cases();
    proven_pair_case();
    zone_ceiling_case();
    spread_replicas_cases();
    spread_rise_case();
    zone_shares_cases();
    tight_zone_cases();
    replan_edge_cases();
    replan_old_numbers_case();
    replan_idempotent_cases();
    remove_resize_cases();
    remove_generated_cases();
    zone_targets_case();
    move_budget_case();
    remove_machine_generated(generated / 5);
    CHECK(moves_checked > 20 && moves_unexplained == 0,
          "plan --from's list of slot moves explains all %d re-plans above: as many as counted, "
          "from the old copies to the new ones (%d not)",
          moves_checked, moves_unexplained);
    CHECK(masters_checked > 20 && masters_unexplained == 0,
          "master moves of all %d re-plans above counted again: as many as plan --from says, at "
          "least the fewest their sets allow, which is at least the bound it prints (%d not)",
          masters_checked, masters_unexplained);
    CHECK(free_swaps_checked > 10 && free_swaps_left == 0,
          "none of the %d 2-slot re-plans above leaves two stores that could swap leads for an "
          "old master with no failure changed (%d do)",
          free_swaps_checked, free_swaps_left);
    fixed_store_case();
    zone_budget_cases();
    DONE();
}
