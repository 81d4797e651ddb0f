/* placement_polish2.c - local search on a whole 2-slot placement.
 *
 * Re-plans: the re-planner keeps old stores' machine pairs where it can,
 * swaps pairs over the cap greedily and orders stores by a flow on
 * single-failure levels.  Greedy choices spend the slot-move budget of
 * property 4 early, and nothing there looks at double failures, so a re-plan
 * could lose more stores to a double failure than the pair cap allows, or
 * leave a survivor over its bound.
 * Fresh plans: the layered planner leaves some machine pairs empty and others
 * full; a machine added later must then fill the empty pairs (12x12 + 1: more
 * than the budget).  Spreading the stores evenly over the pairs lets it take
 * over the surplus of the full ones instead.
 * The search keeps every machine's master and copy counts:
 *   - exchange the masters of two stores, or their replicas (slot moves in a
 *     re-plan, within the budget; also moves copies back home);
 *   - reverse a cycle x->y, y->z, z->x of three stores (order only); where
 *     failures stay over, a last search also reverses x->y, y->z, z->w,
 *     w->x where no z->x store exists.
 * Cost, compared lexicographically: pairs over the cap and single failures
 * over their level (dominant), double failures over their bound + 1, slot
 * and master moves against the old placement; then the sum of squared pair
 * counts (evenness).  A store (x,y) adds F[x][y]; one F entry touches one
 * pair, one single failure and O(M) double failures.
 * A re-plan still over after the attempts may get a breakout search (see
 * placement_polish.c): what stays over weighs more round by round.
 */
#include <stdlib.h>
#include <string.h>

#include "balance.h"
#include "placement_int.h"

#define W_SINGLE (1LL << 24) /* a lost store or a single excess outweighs any double ones */
#define W_DOUBLE 8LL
#define ATTEMPTS 4
#define MOVE_STORES 4 /* the most stores one move changes (a cycle of 4) */
#define WEIGHT_MAX 64 /* breakout weights stop there: costs stay far from overflow */

#define MEMO_WAYS 4
struct memo {
    int ab, ba, target;
};

struct polish2 {
    const struct ss_topology *t;
    struct ss_placement *pl;
    const struct ss_placement *old;
    int M, S, S_old, budget, moved, pcap;
    int *m, *room, *L, *F, *W2;
    /* breakout: NULL, or weights of pairs and single failures (M^2) and of
     * double failures {a,b} at survivor c (M^3) */
    int *pw, *sw, *bw;
    int stale_limit; /* 0: 20000 + 40 per store */
    long work_used;  /* by search, in total */
    long long even;       /* sum over pairs of stores squared: the less, the more even */
    int crowded;          /* a pair above the average holds this many stores */
    int exact;            /* W2 follows F (else: double failures not priced yet) */
    int *receivers;       /* per machine x: survivors y with F[x][y] > 0 */
    int receivers_floor;  /* fresh plans keep each machine's at least this */
    int spread_broken;    /* machines below that floor now */
    cost_t ex_now;        /* fresh plans: the failure cost now (to stop at 0) */
    int long_cycles;      /* propose may reverse cycles of 4 stores too */
    long long least_even;
    struct memo *memo;    /* M * M * MEMO_WAYS double targets by (F[x][y], F[y][x]) */
    unsigned *memo_next;  /* M * M */
    int *seg;   /* M + 1: stores mastered on x are byorder[seg[x] .. seg[x+1]) */
    int *byorder, *where; /* store indexes grouped by master; each store's index there */
};

/* The breakout weights (1 without). */
static cost_t pair_weight(const struct polish2 *p, int x, int y)
{
    int lo = x < y ? x : y, hi = x < y ? y : x;
    return p->pw ? p->pw[lo * p->M + hi] : 1;
}

static cost_t single_weight(const struct polish2 *p, int x, int y)
{
    return p->sw ? p->sw[x * p->M + y] : 1;
}

static cost_t double_weight(const struct polish2 *p, int a, int b, int c)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    return p->bw ? p->bw[(lo * p->M + hi) * p->M + c] : 1;
}

static int dbl_load(const struct polish2 *p, int a, int b, int c)
{
    int M = p->M;
    return p->m[c] + p->F[a * M + c] + p->F[b * M + c];
}

/* The double failure of x and y: its target (bound + 1, balance.c's bound)
 * for the current F; the stores on both are lost, so it depends on them. */
static int double_target(struct polish2 *p, int x, int y)
{
    int M = p->M, ab = p->F[x * M + y], ba = p->F[y * M + x];
    if (x > y) {
        int t = x;
        x = y;
        y = t;
        t = ab;
        ab = ba;
        ba = t;
    }
    /* it depends only on ab and ba, which move by one and back: remember the
     * last few (the bound costs O(M log M)) */
    struct memo *mo = &p->memo[(x * M + y) * MEMO_WAYS];
    for (int i = 0; i < MEMO_WAYS; i++)
        if (mo[i].ab == ab && mo[i].ba == ba)
            return mo[i].target;
    struct ss_balance b = {.nmachines = M, .masters = p->m, .replicas = p->room,
                           .failover = p->F};
    int failed[2] = {x, y};
    int target = ss_balance_lower_bound(p->pl->topo, &b, failed, 2) + 1;
    int way = p->memo_next[x * M + y]++ % MEMO_WAYS;
    mo[way] = (struct memo){.ab = ab, .ba = ba, .target = target};
    return target;
}

static void compute_targets(struct polish2 *p)
{
    int M = p->M;
    for (int x = 0; x < M; x++)
        for (int y = x + 1; y < M; y++)
            p->W2[x * M + y] = p->W2[y * M + x] = double_target(p, x, y);
}

/* F[x][y] += d: the pair {x,y}, the single failure of x at y, and every
 * double failure {x,b} at survivor y.  Returns the cost change. */
static cost_t add_f(struct polish2 *p, int x, int y, int d)
{
    int M = p->M, f = p->F[x * M + y], pair = f + p->F[y * M + x];
    cost_t delta = pair_weight(p, x, y) * (ss_excess_cost(pair + d, p->pcap, W_SINGLE) -
                                           ss_excess_cost(pair, p->pcap, W_SINGLE));
    p->even += (long long)(2 * pair + d) * d;
    delta += single_weight(p, x, y) * (ss_excess_cost(p->m[y] + f + d, p->L[x], W_SINGLE) -
                                       ss_excess_cost(p->m[y] + f, p->L[x], W_SINGLE));
    for (int b = 0; b < M; b++) {
        if (b == x || b == y)
            continue;
        int load = dbl_load(p, x, b, y), w = p->W2[x * M + b];
        delta += double_weight(p, x, b, y) *
                 (ss_excess_cost(load + d, w, W_DOUBLE) - ss_excess_cost(load, w, W_DOUBLE));
    }
    if (f == 0 || f + d == 0) { /* a failure of x spreads to one survivor more or less */
        int was = p->receivers[x] < p->receivers_floor;
        p->receivers[x] += f == 0 ? 1 : -1;
        p->spread_broken += (p->receivers[x] < p->receivers_floor) - was;
    }
    p->F[x * M + y] += d;
    if (!p->exact)
        return delta;
    /* the double failure of x and y itself: its loads stay, its target moves */
    int was = p->W2[x * M + y], now = double_target(p, x, y);
    for (int c = 0; c < M && now != was; c++)
        if (c != x && c != y) {
            int load = dbl_load(p, x, y, c);
            delta += double_weight(p, x, y, c) *
                     (ss_excess_cost(load, now, W_DOUBLE) - ss_excess_cost(load, was, W_DOUBLE));
        }
    p->W2[x * M + y] = p->W2[y * M + x] = now;
    return delta;
}

/* Was store s on `machine` in a slot that remains (slot 0: the machine shrank)? */
static int in_old(const struct polish2 *p, int s, int machine)
{
    const struct ss_store *o = &p->old->stores[s];
    return (o->machine[0] == machine && o->slot[0] > 0) ||
           (o->machine[1] == machine && o->slot[1] > 0);
}

/* What store s costs against the old placement: slot and master moves. */
static cost_t move_cost(const struct polish2 *p, int s, int *slots)
{
    *slots = 0;
    if (p->old == NULL || s >= p->S_old)
        return 0;
    const struct ss_store *st = &p->pl->stores[s];
    *slots = !in_old(p, s, st->machine[0]) + !in_old(p, s, st->machine[1]);
    return SS_W_SLOT * *slots + SS_W_MASTER * (st->machine[0] != p->old->stores[s].machine[0]);
}

/* Add (sign 1) or remove (-1) store s's contributions; returns the cost change. */
static cost_t store_apply(struct polish2 *p, int s, int sign)
{
    const struct ss_store *st = &p->pl->stores[s];
    int slots;
    cost_t delta = add_f(p, st->machine[0], st->machine[1], sign);
    delta += sign * move_cost(p, s, &slots);
    p->moved += sign * slots;
    return delta;
}


/* A store mastered on x whose replica is y, from a random start; -1 if none. */
static int find_store(const struct polish2 *p, int x, int y, unsigned r)
{
    int n = p->seg[x + 1] - p->seg[x];
    for (int i = 0; i < n; i++) {
        int s = p->byorder[p->seg[x] + (int)((r + (unsigned)i) % (unsigned)n)];
        if (p->pl->stores[s].machine[1] == y && !p->pl->stores[s].fixed)
            return s;
    }
    return -1;
}

static int pair_count(const struct polish2 *p, const struct ss_store *st)
{
    int x = st->machine[0], y = st->machine[1];
    return p->F[x * p->M + y] + p->F[y * p->M + x];
}

/* Propose a move on up to MOVE_STORES stores (ids[], *n of them); 0 if none
 * applies.  The stores are changed in place; the caller prices and undoes.
 * *kind: 0 cycle (of 3 or 4 stores), 1 masters exchanged, 2 replicas
 * exchanged. */
static int propose(struct polish2 *p, unsigned r, int *ids, int *n, int *kind)
{
    struct ss_store *st = p->pl->stores;
    int S = p->S;
    ids[0] = (int)(r % (unsigned)S);
    struct ss_store *a = &st[ids[0]];
    if (a->fixed)
        return 0;
    unsigned k = (r >> 27) & 7u;
    if (k < 3) { /* reverse x->y, y->z, z->x */
        int x = a->machine[0], y = a->machine[1];
        int ny = p->seg[y + 1] - p->seg[y];
        if (ny == 0)
            return 0;
        int b = p->byorder[p->seg[y] + (int)((r >> 7) % (unsigned)ny)];
        int z = st[b].machine[1];
        if (st[b].fixed || z == x)
            return 0;
        int c = find_store(p, z, x, r >> 11);
        *n = 3;
        if (c < 0 && !p->long_cycles)
            return 0;
        if (c < 0) {
            /* no z->x: close the cycle one store later, z->w, w->x (between
             * two zones every cycle is even: x->y->z->x never exists) */
            int nz = p->seg[z + 1] - p->seg[z];
            if (nz == 0)
                return 0;
            c = p->byorder[p->seg[z] + (int)((r >> 15) % (unsigned)nz)];
            int w = st[c].machine[1];
            if (st[c].fixed || w == x || w == y)
                return 0;
            ids[3] = find_store(p, w, x, r >> 19);
            if (ids[3] < 0)
                return 0;
            *n = 4;
        }
        ids[1] = b;
        ids[2] = c;
        *kind = 0;
        for (int i = 0; i < *n; i++)
            ss_store_swap(&st[ids[i]], 0, &st[ids[i]], 1);
        return 1;
    }
    if (p->old != NULL && p->budget <= 0)
        return 0;
    /* evening out: mostly move stores off pairs above the average */
    for (unsigned i = 1; i < 4 && pair_count(p, a) < p->crowded; i++) {
        ids[0] = (int)((r * 2654435761u + i * 40503u) % (unsigned)S);
        a = &st[ids[0]];
        if (a->fixed)
            return 0;
    }
    ids[1] = (int)((r >> 7) % (unsigned)S);
    struct ss_store *b = &st[ids[1]];
    int c = (int)((r >> 20) & 1u), x = a->machine[c], y = b->machine[c];
    if (ids[1] == ids[0] || b->fixed || x == y || a->machine[1 - c] == y ||
        b->machine[1 - c] == x || !ss_pair_allowed(p->t, a->machine[1 - c], y) ||
        !ss_pair_allowed(p->t, b->machine[1 - c], x))
        return 0;
    *n = 2;
    *kind = 1 + c;
    ss_store_swap(a, c, b, c);
    return 1;
}

/* Swap the stores' contributions: those of `before` out, the current in. */
static cost_t reprice(struct polish2 *p, const int *ids, int n, const struct ss_store *before)
{
    struct ss_store now[MOVE_STORES];
    cost_t delta = 0;
    for (int i = 0; i < n; i++) {
        now[i] = p->pl->stores[ids[i]];
        p->pl->stores[ids[i]] = before[i];
        delta += store_apply(p, ids[i], -1);
    }
    for (int i = 0; i < n; i++) {
        p->pl->stores[ids[i]] = now[i];
        delta += store_apply(p, ids[i], 1);
    }
    return delta;
}

/* The stores' new masters: keep byorder grouped (counts per master are kept
 * by every move, so positions are exchanged). */
static void regroup(struct polish2 *p, const int *ids, int n, int kind)
{
    if (kind == 2)
        return;
    int w0 = p->where[ids[0]];
    for (int i = 0; i + 1 < n; i++) {
        p->where[ids[i]] = p->where[ids[i + 1]];
        p->byorder[p->where[ids[i]]] = ids[i];
    }
    p->where[ids[n - 1]] = w0;
    p->byorder[w0] = ids[n - 1];
}

/* Improving moves always, level ones often (to cross plateaus).  Returns the gain. */
static cost_t search(struct polish2 *p, long work, unsigned *rng)
{
    int S = p->S, stale = 0;
    int limit = p->stale_limit ? p->stale_limit : 20000 + 40 * S;
    long work0 = work;
    cost_t gain = 0;
    while (work > 0 && stale < limit) {
        unsigned r = ss_xorshift(rng);
        int ids[MOVE_STORES], n = 0, kind = 0;
        struct ss_store before[MOVE_STORES];
        work -= 4;
        stale++;
        if (!propose(p, r, ids, &n, &kind))
            continue;
        /* propose changed the stores: rebuild their old state from the move */
        for (int i = 0; i < n; i++)
            before[i] = p->pl->stores[ids[i]];
        if (kind == 0)
            for (int i = 0; i < n; i++)
                ss_store_swap(&before[i], 0, &before[i], 1);
        else
            ss_store_swap(&before[0], kind - 1, &before[1], kind - 1);
        work -= 6L * p->M * n;
        int moved0 = p->moved;
        long long even0 = p->even;
        cost_t delta = reprice(p, ids, n, before);
        long long even = p->even - even0;
        int over = p->old != NULL && p->moved > moved0 && p->moved > p->budget;
        int worse = delta > 0 || (delta == 0 && even > 0) || p->spread_broken > 0;
        if (over || worse || (delta == 0 && even == 0 && (ss_xorshift(rng) & 3u) != 0)) {
            struct ss_store now[MOVE_STORES];
            for (int i = 0; i < n; i++)
                now[i] = p->pl->stores[ids[i]];
            for (int i = 0; i < n; i++)
                p->pl->stores[ids[i]] = before[i];
            reprice(p, ids, n, now);
            continue;
        }
        regroup(p, ids, n, kind);
        gain -= delta;
        p->ex_now += delta;
        if (p->old == NULL && p->ex_now == 0 && p->even <= p->least_even)
            break;
        if (delta < 0 || even < 0)
            stale = 0;
    }
    p->work_used += work0 - work;
    return gain;
}

/* F, the grouping by master and the slot moves, from scratch. */
static void tally(struct polish2 *p)
{
    int M = p->M;
    memset(p->F, 0, sizeof(int) * (size_t)M * M);
    p->moved = 0;
    p->even = 0;
    for (int s = 0; s < p->S; s++) {
        const struct ss_store *st = &p->pl->stores[s];
        int slots, x = st->machine[0], y = st->machine[1];
        p->even += 2 * (p->F[x * M + y] + p->F[y * M + x]) + 1;
        p->F[st->machine[0] * M + st->machine[1]]++;
        move_cost(p, s, &slots);
        p->moved += slots;
    }
    for (int x = 0; x < M; x++) {
        p->receivers[x] = 0;
        for (int y = 0; y < M; y++)
            p->receivers[x] += p->F[x * M + y] > 0;
    }
    p->spread_broken = 0;
    /* every store has a master here, so the grouping holds all S */
    ss_stores_by_master(p->pl, M, p->byorder, p->seg);
    for (int i = 0; i < p->S; i++)
        p->where[p->byorder[i]] = i;
}

/* The whole cost from scratch: pairs and failures (*moves: move costs). */
static cost_t total_cost(struct polish2 *p, cost_t *moves)
{
    int M = p->M;
    cost_t ex = 0;
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++) {
            if (b == a)
                continue;
            if (b > a)
                ex += ss_excess_cost(p->F[a * M + b] + p->F[b * M + a], p->pcap, W_SINGLE);
            ex += ss_excess_cost(p->m[b] + p->F[a * M + b], p->L[a], W_SINGLE);
            for (int c = b > a ? 0 : M; c < M; c++)
                if (c != a && c != b)
                    ex += ss_excess_cost(dbl_load(p, a, b, c), p->W2[a * M + b], W_DOUBLE);
        }
    *moves = 0;
    for (int s = 0; s < p->S; s++) {
        int slots;
        *moves += move_cost(p, s, &slots);
    }
    return ex;
}

/* One attempt: in a re-plan pairs and single failures first, then double
 * failures too. */
static void attempt(struct polish2 *p, long work, unsigned *rng)
{
    int M = p->M;
    if (p->old != NULL) { /* a re-plan: reach the single-failure levels first */
        p->exact = 0;
        for (int i = 0; i < M * M; i++)
            p->W2[i] = 1 << 20;
        search(p, work / 4, rng);
        work -= work / 4;
    }
    compute_targets(p);
    p->exact = 1;
    search(p, work, rng);
}

/* The measures the properties bound, worst over all failures. */
struct worst {
    int single, dbl, lost, receivers;
};

static void worst_of(const struct ss_placement *pl, struct worst *w)
{
    struct ss_balance *b = ss_balance_compute(pl, 1);
    w->single = b->worst_single.busiest_masters - b->worst_single.lower_bound;
    w->dbl = b->worst_double.busiest_masters - b->worst_double.lower_bound;
    w->lost = b->max_double_lost;
    w->receivers = 1 << 30;
    for (int f = 0; f < b->nsingle; f++)
        if (b->single[f].receivers < w->receivers)
            w->receivers = b->single[f].receivers;
    ss_balance_free(b);
}

/* Is `a` better than `b`: its worst single failure, then the most stores a
 * double failure loses, then its worst double failure (the search prices
 * sums, so an attempt may trade one worse failure for many better). */
static int worst_better(const struct worst *a, const struct worst *b)
{
    if (a->single != b->single)
        return a->single < b->single;
    if (a->lost != b->lost)
        return a->lost < b->lost;
    return a->dbl < b->dbl;
}

static int worst_equal(const struct worst *a, const struct worst *b)
{
    return !worst_better(a, b) && !worst_better(b, a);
}

/* The least sum of squared pair counts: S stores spread evenly over the
 * pairs the zone rule allows (degrees may forbid reaching it). */
static long long least_squares(const struct ss_topology *t, int S, int *crowded)
{
    *crowded = 1 << 30;
    long long pairs = 0;
    for (int a = 0; a < t->nmachines; a++)
        for (int b = a + 1; b < t->nmachines; b++)
            pairs += ss_pair_allowed(t, a, b);
    if (pairs == 0)
        return 0;
    long long q = S / pairs, r = S % pairs;
    *crowded = (int)q + 1;
    return r * (q + 1) * (q + 1) + (pairs - r) * q * q;
}

/* The best placement a search has seen: its worst failures, then its cost. */
struct best2 {
    struct ss_store *stores;
    struct worst w;
    cost_t ex, mv;
    long long even;
};

/* Is the placement now better than the best (a re-plan compares worst
 * failures first, a fresh plan costs alone)?  Then it becomes the best. */
static void keep_if_better(struct polish2 *p, struct best2 *b)
{
    cost_t mv, ex = total_cost(p, &mv);
    struct worst w = {0};
    if (p->old != NULL)
        worst_of(p->pl, &w);
    if ((p->old != NULL && worst_better(&w, &b->w)) ||
        ((p->old == NULL || worst_equal(&w, &b->w)) &&
         (ex < b->ex || (ex == b->ex && (mv < b->mv || (mv == b->mv && p->even < b->even)))))) {
        b->w = w;
        b->ex = ex;
        b->mv = mv;
        b->even = p->even;
        memcpy(b->stores, p->pl->stores, sizeof(struct ss_store) * (size_t)p->S);
    }
}

/* Breakout, as in placement_polish.c: from the best, rounds of the search
 * end in local minima, and each pair over the cap, single failure over its
 * level and (double failure, survivor) over its target still over then
 * weighs one more in the next round. */
static void breakout(struct polish2 *p, long work, struct best2 *b)
{
    int M = p->M;
    p->pw = ss_xcalloc((size_t)M * M, sizeof(int));
    p->sw = ss_xcalloc((size_t)M * M, sizeof(int));
    p->bw = ss_xcalloc((size_t)M * M * M, sizeof(int));
    for (int i = 0; i < M * M; i++)
        p->pw[i] = p->sw[i] = 1;
    for (int i = 0; i < M * M * M; i++)
        p->bw[i] = 1;
    p->stale_limit = 2000 + 4 * p->S;
    memcpy(p->pl->stores, b->stores, sizeof(struct ss_store) * (size_t)p->S);
    tally(p);
    compute_targets(p);
    p->exact = 1;
    unsigned rng = 12345u;
    long end = p->work_used + work;
    while (p->work_used < end && b->ex != 0) {
        search(p, end - p->work_used, &rng);
        keep_if_better(p, b);
        p->work_used += 64L * M * M * M; /* what keep_if_better measures */
        for (int x = 0; x < M; x++)
            for (int y = 0; y < M; y++) {
                if (y == x)
                    continue;
                int f = p->F[x * M + y], pair = f + p->F[y * M + x];
                if (y > x && pair > p->pcap && p->pw[x * M + y] < WEIGHT_MAX)
                    p->pw[x * M + y]++;
                if (p->m[y] + f > p->L[x] && p->sw[x * M + y] < WEIGHT_MAX)
                    p->sw[x * M + y]++;
                for (int c = y > x ? 0 : M; c < M; c++)
                    if (c != x && c != y && dbl_load(p, x, y, c) > p->W2[x * M + y] &&
                        p->bw[(x * M + y) * M + c] < WEIGHT_MAX)
                        p->bw[(x * M + y) * M + c]++;
            }
    }
    free(p->pw);
    free(p->sw);
    free(p->bw);
    p->pw = p->sw = p->bw = NULL;
    p->stale_limit = 0;
}

/* Where the search leaves a failure over, one more from the best with
 * cycles of 4 stores as well: between two zones a cycle of stores is even,
 * never x->y->z->x (6x24 in 3 zones + 1: a double failure 2 over that one
 * reversed 4-cycle mends).  Only here, after everything else: the longer
 * cycles change the course of every search, and some removals that meet
 * the bounds now missed them with 4-cycles throughout. */
static void long_cycles(struct polish2 *p, long work, struct best2 *b)
{
    memcpy(p->pl->stores, b->stores, sizeof(struct ss_store) * (size_t)p->S);
    tally(p);
    compute_targets(p);
    p->exact = 1;
    p->ex_now = b->ex;
    p->long_cycles = 1;
    unsigned rng = 40503u;
    search(p, work, &rng);
    keep_if_better(p, b);
    p->long_cycles = 0;
}

void ss_polish2(const struct ss_topology *t, struct ss_placement *pl,
                const struct ss_placement *old, int budget, int pcap, long work,
                long breakout_work)
{
    int M = t->nmachines, S = pl->nstores;
    if (pl->copies != 2 || M > 64 || S < 2)
        return;
    struct polish2 p = {.t = t, .pl = pl, .old = old, .M = M, .S = S, .budget = budget,
                        .pcap = pcap, .S_old = old ? old->nstores : 0};
    p.m = ss_xcalloc((size_t)M, sizeof(int));
    p.room = ss_xcalloc((size_t)M, sizeof(int));
    p.L = ss_xcalloc((size_t)M, sizeof(int));
    p.F = ss_xcalloc((size_t)M * M, sizeof(int));
    p.W2 = ss_xcalloc((size_t)M * M, sizeof(int));
    p.seg = ss_xcalloc((size_t)M + 1, sizeof(int));
    p.byorder = ss_xcalloc((size_t)S, sizeof(int));
    p.where = ss_xcalloc((size_t)S, sizeof(int));
    p.memo = ss_xcalloc((size_t)M * M * MEMO_WAYS, sizeof(struct memo));
    for (int i = 0; i < M * M * MEMO_WAYS; i++)
        p.memo[i].ab = -1;
    p.memo_next = ss_xcalloc((size_t)M * M, sizeof(unsigned));
    p.receivers = ss_xcalloc((size_t)M, sizeof(int));
    ss_placement_masters(pl, p.m);
    for (int s = 0; s < S; s++)
        p.room[pl->stores[s].machine[1]]++;
    ss_single_levels(t, p.m, p.room, p.L);
    size_t bytes = sizeof(struct ss_store) * (size_t)S;
    struct ss_store *start = ss_xcalloc((size_t)S, sizeof(struct ss_store));
    struct ss_store *best = ss_xcalloc((size_t)S, sizeof(struct ss_store));
    memcpy(start, pl->stores, bytes);
    memcpy(best, pl->stores, bytes);
    tally(&p);
    /* a fresh plan spreads each machine's failure over many survivors (the
     * seed's property): no machine below the least it has */
    p.receivers_floor = 0;
    for (int x = 0; x < M && old == NULL; x++)
        if (x == 0 || p.receivers[x] < p.receivers_floor)
            p.receivers_floor = p.receivers[x];
    compute_targets(&p);
    p.least_even = least_squares(t, S, &p.crowded);
    struct best2 b = {.stores = best, .even = p.even};
    b.ex = total_cost(&p, &b.mv);
    if (old != NULL)
        worst_of(pl, &b.w);
    /* a placement meeting every target, its pairs as even as can be, stays
     * as it is */
    int attempts = old ? ATTEMPTS : 1;
    for (int i = 0; i < attempts && (b.ex != 0 || b.even > p.least_even); i++) {
        memcpy(pl->stores, start, bytes);
        tally(&p);
        p.ex_now = b.ex; /* fresh plans: one attempt from the start */
        unsigned rng = 2654435761u + 0x9e3779b9u * (unsigned)i;
        attempt(&p, work / attempts, &rng);
        keep_if_better(&p, &b);
    }
    if (b.ex != 0 && breakout_work > 0)
        breakout(&p, breakout_work, &b);
    if (b.ex != 0)
        long_cycles(&p, work / attempts, &b);
    memcpy(pl->stores, best, bytes);
    ss_keep_old_slots(pl, old);
    free(start);
    free(best);
    free(p.m);
    free(p.room);
    free(p.L);
    free(p.F);
    free(p.W2);
    free(p.seg);
    free(p.byorder);
    free(p.where);
    free(p.memo);
    free(p.memo_next);
    free(p.receivers);
}

static int by_master(const void *x, const void *y)
{
    const struct ss_store *a = x, *b = y;
    if (a->machine[0] != b->machine[0])
        return a->machine[0] - b->machine[0];
    return a->machine[1] - b->machine[1];
}

/* The search reversed orders across the stores: number them again by master
 * machine then first failover, as the planner does, so that an operator
 * reads a machine's masters as a run of names. */
static void number_by_master(struct ss_placement *pl)
{
    char **names = ss_xcalloc((size_t)pl->nstores, sizeof(char *));
    for (int s = 0; s < pl->nstores; s++)
        names[s] = pl->stores[s].name;
    qsort(pl->stores, (size_t)pl->nstores, sizeof(struct ss_store), by_master);
    for (int s = 0; s < pl->nstores; s++)
        pl->stores[s].name = names[s];
    free(names);
}

void ss_even_pairs(const struct ss_topology *t, struct ss_placement *pl, int pcap, long work)
{
    if (pl->copies != 2 || t->nmachines > 64 || pl->nstores < 2)
        return;
    size_t bytes = sizeof(struct ss_store) * (size_t)pl->nstores;
    struct ss_store *keep = ss_xcalloc((size_t)pl->nstores, sizeof(struct ss_store));
    memcpy(keep, pl->stores, bytes);
    struct worst before, after;
    worst_of(pl, &before);
    ss_polish2(t, pl, NULL, 0, pcap, work, 0);
    worst_of(pl, &after);
    /* the search prices sums: it may trade one worse failure for many better */
    if (after.single > before.single || after.dbl > before.dbl || after.lost > before.lost ||
        after.receivers < before.receivers)
        memcpy(pl->stores, keep, bytes);
    free(keep);
    number_by_master(pl);
}
