/* placement_polish.c - local search on a whole 3-slot placement.
 *
 * The layered planner and the re-planner fix the stores' machine sets before
 * their order; some sets then admit no order meeting the failure bounds (a
 * re-plan keeps old sets, so this is common after adding a machine).  This
 * pass changes orders and, within a slot-move budget, sets, keeping every
 * machine's master and copy counts:
 *   - swap a store's two failover slots;
 *   - exchange the masters of two stores that hold each other's master;
 *   - exchange one copy between two stores (both masters or both replicas);
 *   - in the breakout (below), three stores hand their masters round.
 * Cost: steeply rising excess of every single failure over its water-filling
 * level (dominant), the same of every double failure over its bound + 1, and,
 * against an old placement, copies moved off their old machines and masters
 * moved.  A store (x,y,z) adds F[x][y] and T[x][y][z]; changing one F entry
 * touches O(M) double failures, one T entry only one, so a move is priced in
 * O(M).  (A re-plan gives stores back their old masters after its last
 * step, in replan_leads.c.)
 * Where double failures stay over after the attempts (3 zones: kept sets of a
 * re-plan), a breakout search may go on: each round ends in a local minimum,
 * and each (double failure, survivor) still over then weighs one more in
 * the next round's cost, so the search gives up what it keeps trading for
 * them (20x40 in 3 zones + 1: from 5 survivors 1 over to none).
 */
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

#define W_SINGLE (1LL << 24) /* one single-failure excess outweighs any double ones */
#define W_DOUBLE 8LL
#define POLISH_ATTEMPTS 4

struct polish {
    const struct ss_topology *t;
    struct ss_placement *pl;
    const struct ss_placement *old; /* NULL: no move costs */
    int M, S_old, budget, moved;
    int *m, *room, *L, *F, *T, *W2;
    int stale_limit; /* 0: 20000 + 40 per store */
    long work_used;  /* by search, in total */
    int *lead, *lead_at; /* NULL, or stores by master: lead[lead_at[x] .. lead_at[x+1]) */
    int *bw; /* NULL, or M^3 weights of the double failures {a,b} at c (breakout) */
    unsigned char *alive;
};

/* Double failure {a,b} at survivor c: its excess over w, times its weight. */
static cost_t dbl_cost(const struct polish *p, int a, int b, int c, int load, int w)
{
    cost_t e = ss_excess_cost(load, w, W_DOUBLE);
    if (p->bw == NULL || e == 0)
        return e;
    int M = p->M, lo = a < b ? a : b, hi = a < b ? b : a;
    return e * p->bw[(lo * M + hi) * M + c];
}

#define TT(p, a, b, c) ((p)->T[((a) * (p)->M + (b)) * (p)->M + (c)])

static int dbl_load(const struct polish *p, int a, int b, int c)
{
    int M = p->M;
    return p->m[c] + p->F[a * M + c] + p->F[b * M + c] + TT(p, a, b, c) + TT(p, b, a, c);
}

/* F[x][y] += d: the single failure of x at y, and every double failure
 * {x,b} at survivor y.  Returns the cost change. */
static cost_t add_f(struct polish *p, int x, int y, int d)
{
    int M = p->M;
    cost_t before = ss_excess_cost(p->m[y] + p->F[x * M + y], p->L[x], W_SINGLE);
    cost_t after = ss_excess_cost(p->m[y] + p->F[x * M + y] + d, p->L[x], W_SINGLE);
    for (int b = 0; b < M; b++) {
        if (b == x || b == y)
            continue;
        int load = dbl_load(p, x, b, y), w = p->W2[x * M + b];
        before += dbl_cost(p, x, b, y, load, w);
        after += dbl_cost(p, x, b, y, load + d, w);
    }
    p->F[x * M + y] += d;
    return after - before;
}

/* T[x][y][z] += d: only the double failure {x,y} at survivor z. */
static cost_t add_t(struct polish *p, int x, int y, int z, int d)
{
    int load = dbl_load(p, x, y, z), w = p->W2[x * p->M + y];
    cost_t delta = dbl_cost(p, x, y, z, load + d, w) - dbl_cost(p, x, y, z, load, w);
    TT(p, x, y, z) += d;
    return delta;
}

/* Was store s on `machine` in a slot that remains (slot 0: the machine shrank)? */
static int in_old(const struct polish *p, int s, int machine)
{
    for (int c = 0; c < p->pl->copies; c++)
        if (p->old->stores[s].machine[c] == machine && p->old->stores[s].slot[c] > 0)
            return 1;
    return 0;
}

/* What store s costs against the old placement: slot and master moves. */
static cost_t move_cost(const struct polish *p, int s, int *slots)
{
    *slots = 0;
    if (p->old == NULL || s >= p->S_old)
        return 0;
    const struct ss_store *st = &p->pl->stores[s];
    for (int c = 0; c < p->pl->copies; c++)
        *slots += !in_old(p, s, st->machine[c]);
    return SS_W_SLOT * *slots + SS_W_MASTER * (st->machine[0] != p->old->stores[s].machine[0]);
}

/* Add (sign 1) or remove (-1) store s's contributions; returns the cost change. */
static cost_t store_apply(struct polish *p, int s, int sign)
{
    const struct ss_store *st = &p->pl->stores[s];
    int slots;
    cost_t delta = add_f(p, st->machine[0], st->machine[1], sign);
    delta += add_t(p, st->machine[0], st->machine[1], st->machine[2], sign);
    delta += sign * move_cost(p, s, &slots);
    p->moved += sign * slots;
    return delta;
}

/* Double-failure targets (bound + 1) for the current first-failover counts. */
static void compute_targets(struct polish *p)
{
    int M = p->M;
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            int lvl = ss_double_bound3(p->t, p->m, p->room, p->F, a, b, p->alive);
            p->W2[a * M + b] = p->W2[b * M + a] = lvl + 1;
        }
}

static int store_has(const struct ss_store *st, int machine)
{
    return st->machine[0] == machine || st->machine[1] == machine || st->machine[2] == machine;
}

/* Three stores hand their leads round: a (led by x) to its y, b (led by y)
 * to its z, c (led by z, holding x) to x; every machine keeps its master
 * count.  b and c are found through the lead lists, which may be stale
 * (rebuilt each round): stale entries are skipped. */
static int propose_cycle(struct polish *p, unsigned r, int *s, struct ss_store *save)
{
    struct ss_store *st = p->pl->stores;
    struct ss_store *a = &st[s[0]];
    int x = a->machine[0], qa = 1 + (int)((r >> 14) & 1u), y = a->machine[qa];
    int ny = p->lead_at[y + 1] - p->lead_at[y];
    if (ny == 0)
        return 0;
    s[1] = p->lead[p->lead_at[y] + (int)((r >> 15) % (unsigned)ny)];
    struct ss_store *b = &st[s[1]];
    int qb = 1 + (int)((r >> 24) & 1u), z = b->machine[qb];
    if (s[1] == s[0] || b->fixed || b->machine[0] != y || z == x)
        return 0;
    int nz = p->lead_at[z + 1] - p->lead_at[z];
    for (int i = 0, o = (int)((r >> 3) % (unsigned)(nz ? nz : 1)); i < nz; i++) {
        int c = p->lead[p->lead_at[z] + (o + i) % nz], qc = ss_copy_index(&st[c], 3, x);
        if (c == s[0] || c == s[1] || st[c].fixed || st[c].machine[0] != z || qc <= 0)
            continue;
        s[2] = c;
        for (int k = 0; k < 3; k++)
            save[k] = st[s[k]];
        ss_store_swap(a, 0, a, qa);
        ss_store_swap(b, 0, b, qb);
        ss_store_swap(&st[c], 0, &st[c], qc);
        return 3;
    }
    return 0;
}

/* Propose a move on n (returned, 0 if none applies) distinct stores s[],
 * saved in save[] and changed in place; the caller prices and undoes. */
static int propose(struct polish *p, unsigned r, int *s, struct ss_store *save)
{
    struct ss_store *st = p->pl->stores;
    int S = p->pl->nstores;
    s[0] = (int)(r % (unsigned)S);
    s[1] = (int)((r >> 7) % (unsigned)S);
    struct ss_store *a = &st[s[0]], *b = &st[s[1]];
    if (a->fixed || b->fixed)
        return 0;
    unsigned kind = (r >> 27) & 7u;
    save[0] = *a;
    save[1] = *b;
    if (kind < 2) { /* swap a's failover slots */
        ss_store_swap(a, 1, a, 2);
        return 1;
    }
    if (kind == 7 && p->lead != NULL)
        return propose_cycle(p, r, s, save);
    if (s[0] == s[1])
        return 0;
    if (kind < 4) { /* exchange masters: each holds the other's master */
        int qa = ss_copy_index(a, 3, b->machine[0]), qb = ss_copy_index(b, 3, a->machine[0]);
        if (qa <= 0 || qb <= 0)
            return 0;
        ss_store_swap(a, 0, a, qa);
        ss_store_swap(b, 0, b, qb);
        return 2;
    }
    if (p->old != NULL && p->budget <= 0)
        return 0;
    /* exchange one copy: masters with masters, replicas with replicas */
    int ca = (int)((r >> 14) % 3u), cb = ca == 0 ? 0 : 1 + (int)((r >> 17) & 1u);
    int x = a->machine[ca], y = b->machine[cb];
    if (x == y || store_has(a, y) || store_has(b, x))
        return 0;
    a->machine[ca] = y;
    b->machine[cb] = x;
    if (!ss_triple_allowed(p->t, a->machine[0], a->machine[1], a->machine[2]) ||
        !ss_triple_allowed(p->t, b->machine[0], b->machine[1], b->machine[2])) {
        a->machine[ca] = x;
        b->machine[cb] = y;
        return 0;
    }
    return 2;
}

/* F, T and the slot moves from the stores, from scratch. */
static void tally(struct polish *p)
{
    int M = p->M;
    memset(p->F, 0, sizeof(int) * (size_t)M * M);
    memset(p->T, 0, sizeof(int) * (size_t)M * M * M);
    p->moved = 0;
    for (int s = 0; s < p->pl->nstores; s++) {
        const struct ss_store *st = &p->pl->stores[s];
        int slots;
        p->F[st->machine[0] * M + st->machine[1]]++;
        TT(p, st->machine[0], st->machine[1], st->machine[2])++;
        move_cost(p, s, &slots);
        p->moved += slots;
    }
}

/* Price the move that turned save[i] into the n (distinct) stores s[i] now;
 * returns the cost change (the tallies then describe the new stores). */
static cost_t price_n(struct polish *p, int n, const int *s, const struct ss_store *save)
{
    struct ss_store now[3];
    cost_t delta = 0;
    for (int i = 0; i < n; i++) {
        now[i] = p->pl->stores[s[i]];
        p->pl->stores[s[i]] = save[i];
    }
    for (int i = 0; i < n; i++)
        delta += store_apply(p, s[i], -1);
    for (int i = 0; i < n; i++)
        p->pl->stores[s[i]] = now[i];
    for (int i = 0; i < n; i++)
        delta += store_apply(p, s[i], 1);
    return delta;
}

static void undo_n(struct polish *p, int n, const int *s, const struct ss_store *save)
{
    for (int i = 0; i < n; i++)
        store_apply(p, s[i], -1);
    for (int i = 0; i < n; i++)
        p->pl->stores[s[i]] = save[i];
    for (int i = 0; i < n; i++)
        store_apply(p, s[i], 1);
}

/* Improving moves always, level ones often (to cross plateaus).  (Accepting
 * slightly worse moves, annealing-style, did worse on the tested topologies.)
 * Returns the gain. */
static cost_t search(struct polish *p, long work, unsigned *rng)
{
    int S = p->pl->nstores, stale = 0;
    int limit = p->stale_limit ? p->stale_limit : 20000 + 40 * S;
    long work0 = work;
    cost_t gain = 0;
    while (work > 0 && stale < limit) {
        unsigned r = ss_xorshift(rng);
        int s[3], n;
        struct ss_store save[3];
        work -= 4;
        stale++;
        if ((n = propose(p, r, s, save)) == 0)
            continue;
        work -= 8L * p->M;
        int moved0 = p->moved;
        cost_t delta = price_n(p, n, s, save);
        /* never beyond the budget (or beyond what the re-plan already forced) */
        int over = p->old != NULL && p->moved > moved0 && p->moved > p->budget;
        if (over || delta > 0 || (delta == 0 && (ss_xorshift(rng) & 3u) != 0)) {
            undo_n(p, n, s, save);
            continue;
        }
        gain -= delta;
        if (delta < 0)
            stale = 0;
    }
    p->work_used += work0 - work;
    return gain;
}

/* The whole cost from scratch: failure excess (*moves: move costs). */
static cost_t total_cost(struct polish *p, cost_t *moves)
{
    int M = p->M;
    cost_t ex = 0;
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++) {
            if (b == a)
                continue;
            ex += ss_excess_cost(p->m[b] + p->F[a * M + b], p->L[a], W_SINGLE);
            for (int c = b > a ? 0 : M; c < M; c++)
                if (c != a && c != b)
                    ex += ss_excess_cost(dbl_load(p, a, b, c), p->W2[a * M + b], W_DOUBLE);
        }
    *moves = 0;
    for (int s = 0; s < p->pl->nstores; s++) {
        int slots;
        *moves += move_cost(p, s, &slots);
    }
    return ex;
}

/* One attempt: single failures first (no double targets), then both; the
 * zoned bounds depend on F: recompute them between rounds. */
static void attempt(struct polish *p, long work, unsigned *rng)
{
    int M = p->M;
    for (int i = 0; i < M * M; i++)
        p->W2[i] = 1 << 20;
    search(p, work / 4, rng);
    for (int round = 0; round < 3; round++) {
        compute_targets(p);
        if (search(p, work / 4, rng) == 0 && round > 0)
            break;
    }
    compute_targets(p);
}

/* Breakout (Morris 1993): where the search is stuck with double failures
 * over their target, each such (failure, survivor) weighs one more, so that
 * the next search trades them for ones that are not stuck.  Keeps the best
 * placement seen by the true cost in best (failure excess *best_ex, moves
 * *best_mv). */
static void breakout(struct polish *p, long work, unsigned *rng, struct ss_store *best,
                     cost_t *best_ex, cost_t *best_mv)
{
    int M = p->M, S = p->pl->nstores;
    size_t bytes = sizeof(struct ss_store) * (size_t)S;
    p->bw = ss_xcalloc((size_t)M * M * M, sizeof(int));
    for (int i = 0; i < M * M * M; i++)
        p->bw[i] = 1;
    p->stale_limit = 2000 + 4 * S;
    memcpy(p->pl->stores, best, bytes);
    tally(p);
    compute_targets(p);
    p->lead = ss_xcalloc((size_t)S, sizeof(int));
    p->lead_at = ss_xcalloc((size_t)M + 1, sizeof(int));
    long end = p->work_used + work;
    while (p->work_used < end && *best_ex != 0) {
        ss_stores_by_master(p->pl, p->M, p->lead, p->lead_at);
        search(p, end - p->work_used, rng);
        compute_targets(p);
        cost_t mv, ex = total_cost(p, &mv);
        if (ex < *best_ex || (ex == *best_ex && mv < *best_mv)) {
            *best_ex = ex;
            *best_mv = mv;
            memcpy(best, p->pl->stores, bytes);
        }
        for (int a = 0; a < M; a++)
            for (int b = a + 1; b < M; b++)
                for (int c = 0; c < M; c++)
                    if (c != a && c != b && dbl_load(p, a, b, c) > p->W2[a * M + b])
                        p->bw[(a * M + b) * M + c]++;
    }
    free(p->bw);
    free(p->lead);
    free(p->lead_at);
    p->bw = NULL;
    p->lead = p->lead_at = NULL;
    p->stale_limit = 0;
}

void ss_polish3(const struct ss_topology *t, struct ss_placement *pl,
                const struct ss_placement *old, int budget, long work, long breakout_work)
{
    int M = t->nmachines, S = pl->nstores;
    if (pl->copies != 3 || M > 64 || S < 2)
        return;
    struct polish p = {.t = t, .pl = pl, .old = old, .M = M, .budget = budget,
                       .S_old = old ? old->nstores : 0};
    p.m = ss_xcalloc((size_t)M, sizeof(int));
    p.room = ss_xcalloc((size_t)M, sizeof(int));
    p.L = ss_xcalloc((size_t)M, sizeof(int));
    p.F = ss_xcalloc((size_t)M * M, sizeof(int));
    p.W2 = ss_xcalloc((size_t)M * M, sizeof(int));
    p.T = ss_xcalloc((size_t)M * M * M, sizeof(int));
    p.alive = ss_xcalloc((size_t)M, 1);
    ss_placement_masters(pl, p.m);
    for (int s = 0; s < S; s++)
        for (int c = 0; c < 3; c++)
            p.room[pl->stores[s].machine[c]]++;
    for (int i = 0; i < M; i++)
        p.room[i] -= p.m[i];
    ss_single_levels(t, p.m, p.room, p.L);
    /* a few attempts from the same start with other random moves: local
     * minima differ; keep the best (failure excess, then moves) */
    size_t bytes = sizeof(struct ss_store) * (size_t)S;
    struct ss_store *start = ss_xcalloc((size_t)S, sizeof(struct ss_store));
    struct ss_store *best = ss_xcalloc((size_t)S, sizeof(struct ss_store));
    memcpy(start, pl->stores, bytes);
    /* a placement meeting every target stays as it is */
    tally(&p);
    compute_targets(&p);
    cost_t best_mv, best_ex = total_cost(&p, &best_mv);
    memcpy(best, pl->stores, bytes);
    for (int i = 0; i < POLISH_ATTEMPTS && best_ex != 0; i++) {
        memcpy(pl->stores, start, bytes);
        tally(&p);
        unsigned rng = 2654435761u + 0x9e3779b9u * (unsigned)i;
        attempt(&p, work / POLISH_ATTEMPTS, &rng);
        cost_t mv, ex = total_cost(&p, &mv);
        if (ex < best_ex || (ex == best_ex && mv < best_mv)) {
            best_ex = ex;
            best_mv = mv;
            memcpy(best, pl->stores, bytes);
        }
    }
    if (best_ex != 0 && breakout_work > 0) {
        unsigned rng = 12345u;
        breakout(&p, breakout_work, &rng, best, &best_ex, &best_mv);
    }
    memcpy(pl->stores, best, bytes);
    ss_keep_old_slots(pl, old);
    free(start);
    free(best);
    free(p.m);
    free(p.room);
    free(p.L);
    free(p.F);
    free(p.W2);
    free(p.T);
    free(p.alive);
}

int ss_double_bound3(const struct ss_topology *t, const int *m, const int *room, const int *F,
                     int a, int b, unsigned char *alive)
{
    int M = t->nmachines, busiest = 0;
    for (int c = 0; c < M; c++) {
        alive[c] = c != a && c != b;
        if (alive[c] && m[c] > busiest)
            busiest = m[c];
    }
    int lvl = t->nzones ? ss_double_level(t, m, room, F, a, b, busiest)
                        : ss_waterfill(M, m, room, alive, m[a] + m[b]);
    return lvl < busiest ? busiest : lvl;
}

/* Excess x costs w * 1024^(x-1) up to x = 3: no trade of many small excesses
 * for one larger one (the properties bound the worst failure); beyond, it
 * grows linearly (x - 2 times the cost of 3, x at most 64, so sums stay in
 * range), so that a larger excess still costs more (3-zone topologies of
 * 12 equal machines were left 8 over, priced as 3). */
cost_t ss_excess_cost(int load, int target, cost_t w)
{
    int x = load - target;
    if (x <= 0)
        return 0;
    if (x < 3)
        return w << (10 * (x - 1));
    return (w << 20) * (x < 64 ? x - 2 : 62);
}

void ss_single_levels(const struct ss_topology *t, const int *m, const int *room, int *L)
{
    int M = t->nmachines;
    unsigned char *recv = ss_xcalloc((size_t)M, 1);
    for (int a = 0; a < M; a++) {
        for (int b = 0; b < M; b++)
            recv[b] = (unsigned char)ss_pair_allowed(t, a, b);
        L[a] = ss_waterfill(M, m, room, recv, m[a]);
        if (L[a] < 0)
            L[a] = 1 << 20;
        for (int b = 0; b < M; b++)
            if (b != a && m[b] > L[a])
                L[a] = m[b];
    }
    free(recv);
}

void ss_keep_old_slots(struct ss_placement *pl, const struct ss_placement *old)
{
    int S_old = old ? old->nstores : 0;
    for (int s = 0; s < pl->nstores; s++) {
        struct ss_store *st = &pl->stores[s];
        if (st->fixed)
            continue;
        for (int c = 0; c < pl->copies; c++) {
            st->slot[c] = 0;
            if (s >= S_old)
                continue;
            const struct ss_store *o = &old->stores[s];
            for (int j = 0; j < pl->copies; j++)
                if (o->machine[j] == st->machine[c])
                    st->slot[c] = o->slot[j];
        }
    }
}
