/* replan_order.c - which machines lead and in what order each store fails
 * over, in a re-plan (placement_from.c chooses the machines).
 *
 * The master ceilings go to machines that lead stores now, then to those for
 * which the kept sets admit an order within the single-failure levels; one
 * flow orders every store from its current order (few master moves), and
 * where double failures stay over, bans on single choices let the flow find
 * other orders.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "placement_int.h"
#include "replan_int.h"

/* Single-failure level of each machine under the new targets: its masters
 * water-filled over the machines the zone rule lets them fail over to. */
int *replan_single_levels(const struct replan *r)
{
    int *rep = ss_xcalloc((size_t)r->M, sizeof(int));
    int *L = ss_xcalloc((size_t)r->M, sizeof(int));
    for (int b = 0; b < r->M; b++)
        rep[b] = r->n[b] - r->m[b];
    ss_single_levels(r->t, r->m, rep, L);
    free(rep);
    return L;
}

/* How many stores the order flow can order at levels L (any master and
 * first failover among a store's machines, pair (a,b) at most L_a - m_b
 * stores, machine a at most m_a masters).  `left` (or NULL) gets 1 for each
 * store that flow leaves out. */
long replan_orderable(const struct replan *r, const int *L, unsigned char *left)
{
    int M = r->M, k = r->k, S = r->S;
    int src = 0, st0 = 1, mach0 = 1 + S, sink = 1 + S + M, grp0 = sink + 1;
    struct ss_flow *fl = ss_flow_new(grp0 + M * M);
    unsigned char *grp = ss_xcalloc((size_t)M * M, 1);
    int *entry = left ? ss_xcalloc((size_t)S, sizeof(int)) : NULL;
    for (int i = 0; i < M; i++)
        ss_flow_add_edge(fl, mach0 + i, sink, r->m[i]);
    for (int s = 0; s < S; s++) {
        const struct ss_store *st = &r->pl->stores[s];
        int se = ss_flow_add_edge(fl, src, st0 + s, 1);
        if (entry)
            entry[s] = se;
        for (int c1 = 0; c1 < k; c1++)
            for (int c2 = 0; c2 < k; c2++) {
                int a = st->machine[c1], b = st->machine[c2];
                if (c1 == c2)
                    continue;
                if (!grp[a * M + b]) {
                    grp[a * M + b] = 1;
                    int cap = L[a] - r->m[b];
                    ss_flow_add_edge(fl, grp0 + a * M + b, mach0 + a, cap < 0 ? 0 : cap);
                }
                ss_flow_add_edge(fl, st0 + s, grp0 + a * M + b, 1);
            }
    }
    long got = ss_flow_run(fl, src, sink);
    for (int s = 0; entry && s < S; s++)
        left[s] = ss_flow_edge_flow(fl, entry[s]) == 0;
    ss_flow_free(fl);
    free(grp);
    free(entry);
    return got;
}

/* Masters and slots per zone, for the zone shares of ceiling_may_pass. */
struct zone_share {
    long total;           /* slots of all machines */
    long *masters, *slots; /* per zone (one zone without zones) */
};

/* Machine i's entry in zone_share (all machines share entry 0 without zones). */
static int share_of(const struct ss_topology *t, int i)
{
    return t->nzones ? t->machines[i].zone_id : 0;
}

static void zone_share_init(const struct replan *r, struct zone_share *z)
{
    const struct ss_topology *t = r->t;
    z->total = ss_topology_total_slots(t);
    z->masters = ss_xcalloc((size_t)(t->nzones + 1), sizeof(long));
    z->slots = ss_xcalloc((size_t)(t->nzones + 1), sizeof(long));
    for (int i = 0; i < r->M; i++) {
        z->masters[share_of(t, i)] += r->m[i];
        z->slots[share_of(t, i)] += t->machines[i].slots;
    }
}

static void zone_share_free(struct zone_share *z)
{
    free(z->masters);
    free(z->slots);
}

/* May a master ceiling pass from machine i to j?  Both stay at the floor or
 * ceiling of their fair share (property 1), j within its copies, and with
 * zones each zone's masters at the floor or ceiling of its share (as
 * zone_masters in placement.c has them for 3+ zones; a zone with more than
 * its share of masters puts more load on the others when it fails) unless
 * any_zone_masters: the zone shares are no property, and where they leave
 * no order within the single-failure levels the re-plan may drop them
 * (3-slot 16x12 in 3 zones + 1: no order with them, one without). */
static int ceiling_may_pass(const struct replan *r, const struct zone_share *z, int i, int j)
{
    const struct ss_topology *t = r->t;
    int ilo, ihi, jlo, jhi;
    if (i == j)
        return 0;
    ss_fair_share(r->S, t->machines[i].slots, z->total, &ilo, &ihi);
    ss_fair_share(r->S, t->machines[j].slots, z->total, &jlo, &jhi);
    if (r->m[i] - 1 < ilo || r->m[j] + 1 > jhi || r->m[j] + 1 > r->n[j])
        return 0;
    int zi = t->machines[i].zone_id, zj = t->machines[j].zone_id;
    if (t->nzones == 0 || zi == zj || r->any_zone_masters)
        return 1;
    ss_fair_share(r->S, z->slots[zi], z->total, &ilo, &ihi);
    ss_fair_share(r->S, z->slots[zj], z->total, &jlo, &jhi);
    return z->masters[zi] - 1 >= ilo && z->masters[zj] + 1 <= jhi;
}

static void pass_ceiling(struct replan *r, struct zone_share *z, int i, int j)
{
    r->m[i]--;
    r->m[j]++;
    z->masters[share_of(r->t, i)]--;
    z->masters[share_of(r->t, j)]++;
}

/* The targets give master ceilings by index; pass them to the machines that
 * lead more stores now (fewer master moves; re-planning an unchanged
 * topology then keeps every master). */
void replan_masters_follow_old(struct replan *r, const struct ss_placement *old)
{
    int M = r->M;
    int *led = ss_xcalloc((size_t)M, sizeof(int));
    int *give = ss_xcalloc((size_t)M, sizeof(int)), *take = ss_xcalloc((size_t)M, sizeof(int));
    for (int s = 0; s < old->nstores; s++)
        if (old->stores[s].machine[0] >= 0 && old->stores[s].machine[0] < M)
            led[old->stores[s].machine[0]]++;
    /* 3-slot stores: new machines first, the new stores are mastered there
     * (fill_new_stores) */
    for (int i = 0; i < M && r->k == 3; i++)
        if (r->fresh[i])
            led[i] = r->S;
    struct zone_share z;
    zone_share_init(r, &z);
    for (int changed = 1; changed;) {
        int ng = 0, nt = 0;
        for (int i = 0; i < M; i++) {
            if (r->m[i] > led[i])
                give[ng++] = i;
            if (r->m[i] < led[i])
                take[nt++] = i;
        }
        changed = 0;
        for (int g = 0; g < ng; g++)
            for (int k = 0; k < nt; k++) {
                int i = give[g], j = take[k];
                if (r->m[i] > led[i] && r->m[j] < led[j] && ceiling_may_pass(r, &z, i, j)) {
                    pass_ceiling(r, &z, i, j);
                    changed = 1;
                }
            }
    }
    zone_share_free(&z);
    free(led);
    free(give);
    free(take);
}

/* 3-slot stores: which machines take the ceiling of their master share (the
 * targets give them by index) decides whether the kept sets admit an order
 * meeting the single-failure levels.  Pass ceilings between machines while
 * the order flow can order more stores (level passes too, to cross
 * plateaus). */
#define CEILING_TRIES 400
long replan_choose_master_ceilings(struct replan *r)
{
    int M = r->M, S = r->S;
    struct zone_share z;
    zone_share_init(r, &z);
    int *L = replan_single_levels(r);
    long best = replan_orderable(r, L, NULL);
    free(L);
    unsigned rng = 88172645u;
    for (int tries = 0; tries < CEILING_TRIES && best < S; tries++) {
        ss_xorshift(&rng);
        int i = (int)(rng % (unsigned)M), j = (int)((rng >> 12) % (unsigned)M);
        if (!ceiling_may_pass(r, &z, i, j))
            continue;
        pass_ceiling(r, &z, i, j);
        L = replan_single_levels(r);
        long got = replan_orderable(r, L, NULL);
        free(L);
        if (got > best || (got == best && (rng & 0x100u))) {
            best = got;
            continue;
        }
        pass_ceiling(r, &z, j, i);
    }
    zone_share_free(&z);
    return best;
}

int replan_pass_ceiling(struct replan *r, int i, int j)
{
    struct zone_share z;
    zone_share_init(r, &z);
    int ok = ceiling_may_pass(r, &z, i, j);
    if (ok)
        pass_ceiling(r, &z, i, j);
    zone_share_free(&z);
    return ok;
}

/* The master and first failover store `was` has among the machines `now`
 * keeps: its old order with the machines it lost left out, as a failure of
 * those would promote (a removed master's store starts from its failover). */
void replan_current_lead(const struct replan *r, const struct ss_store *was,
                         const struct ss_store *now, int lead[2])
{
    int n = 0;
    for (int c = 0; c < r->k && n < 2; c++)
        if (was->machine[c] >= 0 && replan_member(now, r->k, was->machine[c]))
            lead[n++] = was->machine[c];
}

/* Is the (master, first failover) pair a * M + b banned for store s? */
static int banned(const int *ban, int nopt, int s, int pair)
{
    for (int o = 0; ban && o < nopt; o++)
        if (ban[s * nopt + o] == pair)
            return 1;
    return 0;
}

/* Costs of the order flow's choices with least_moves: a store's current
 * order is free, a new first failover costs a little, a new master (a
 * switchover in the live cluster) much more.  Without, every choice is free. */
#define COST_FAILOVER 1
#define COST_MASTER 10

static int order_cost(const struct replan *r, const int lead[2], int a, int b)
{
    if (!r->least_moves || lead[0] < 0 || (lead[0] == a && lead[1] == b))
        return 0;
    return lead[0] == a ? COST_FAILOVER : COST_MASTER;
}

/* Put each store's machines in order: master, first failover, rest.  One flow
 * chooses every store's (master, first failover) pair: store -> pair (a,b) ->
 * machine a -> sink, with pair (a,b) capped at a's single-failure level
 * (m_b + F[a][b] <= L_a) and machine a at its share of masters.  It starts
 * from the current order; with least_moves it takes, of the orders within
 * the levels, one of fewest master moves (else the flow goes where its
 * augmenting paths go).  Levels rise uniformly only as far as needed.
 * ban (or NULL): per store, nopt (master, first failover) pairs as a * M + b
 * the flow may not choose (-1: none).  With `strict`, the levels do not rise:
 * 1 (and no change) when no order meets them. */
static int order_stores(struct replan *r, const struct ss_placement *old, const int *ban,
                        int strict)
{
    int M = r->M, k = r->k, S = r->S;
    int nopt = k * (k - 1); /* ordered (master, first failover) choices per store */
    int *L = replan_single_levels(r);
    int rc = 0;
    int *choice = ss_xcalloc((size_t)S, sizeof(int)); /* option index per store */
    int *edge = ss_xcalloc((size_t)S * nopt, sizeof(int));
    int *gedge = ss_xcalloc((size_t)M * M, sizeof(int));
    int *gfree = ss_xcalloc((size_t)M * M, sizeof(int));
    int *medge = ss_xcalloc((size_t)M, sizeof(int));
    int *mfree = ss_xcalloc((size_t)M, sizeof(int));
    long got = 0;
    for (int round = 0; round < (strict ? 1 : 4 * M + 8) && got < S; round++) {
        int src = 0, st0 = 1, mach0 = 1 + S, sink = 1 + S + M, grp0 = sink + 1;
        struct ss_flow *fl = ss_flow_new(grp0 + M * M);
        for (int i = 0; i < M * M; i++)
            gedge[i] = -1;
        for (int i = 0; i < M; i++) {
            medge[i] = ss_flow_add_edge(fl, mach0 + i, sink, r->m[i]);
            mfree[i] = r->m[i];
        }
        long warmed = 0;
        for (int s = 0; s < S; s++) {
            const struct ss_store *st = &r->pl->stores[s];
            int se = ss_flow_add_edge(fl, src, st0 + s, 1);
            int warm = -1, o = 0, lead[2] = {-1, -1};
            if (ban != NULL) { /* a repair: keep what it does not ban */
                lead[0] = st->machine[0];
                lead[1] = st->machine[1];
            } else if (s < r->S_old) {
                replan_current_lead(r, &old->stores[s], st, lead);
            }
            for (int c1 = 0; c1 < k; c1++)
                for (int c2 = 0; c2 < k; c2++) {
                    if (c1 == c2)
                        continue;
                    int a = st->machine[c1], b = st->machine[c2];
                    if (banned(ban, nopt, s, a * M + b)) {
                        edge[s * nopt + o++] = -1;
                        continue;
                    }
                    if (gedge[a * M + b] < 0) {
                        int cap = L[a] - r->m[b];
                        cap = cap < 0 ? 0 : cap;
                        gedge[a * M + b] = ss_flow_add_edge(fl, grp0 + a * M + b, mach0 + a, cap);
                        gfree[a * M + b] = cap;
                    }
                    edge[s * nopt + o] = ss_flow_add_edge_cost(fl, st0 + s, grp0 + a * M + b, 1,
                                                               order_cost(r, lead, a, b));
                    /* the current order; else at least the current master */
                    if (lead[0] == a && (lead[1] == b || warm < 0))
                        warm = o;
                    o++;
                }
            if (warm < 0 || edge[s * nopt + warm] < 0)
                continue;
            /* warm start: keep the current order where the caps allow it (a
             * least-cost flow may start only from choices of cost 0) */
            int wo = 0, a = -1, b = -1;
            for (int c1 = 0; c1 < k; c1++)
                for (int c2 = 0; c2 < k; c2++)
                    if (c1 != c2 && wo++ == warm) {
                        a = st->machine[c1];
                        b = st->machine[c2];
                    }
            if (mfree[a] > 0 && gfree[a * M + b] > 0 && order_cost(r, lead, a, b) == 0) {
                mfree[a]--;
                gfree[a * M + b]--;
                warmed++;
                ss_flow_preset(fl, se, 1);
                ss_flow_preset(fl, edge[s * nopt + warm], 1);
                ss_flow_preset(fl, gedge[a * M + b], 1);
                ss_flow_preset(fl, medge[a], 1);
            }
        }
        got = warmed + (r->least_moves ? ss_flow_run_min_cost(fl, src, sink)
                                       : ss_flow_run(fl, src, sink));
        if (got == S)
            for (int s = 0; s < S; s++)
                for (int o = 0; o < nopt; o++)
                    if (edge[s * nopt + o] >= 0 && ss_flow_edge_flow(fl, edge[s * nopt + o]) > 0)
                        choice[s] = o;
        ss_flow_free(fl);
        if (got < S)
            for (int a = 0; a < M; a++)
                L[a]++;
    }
    if (got < S && strict) {
        rc = 1;
    } else if (got < S) {
        rc = ss_error_set(r->err, SS_ERR_INPUT,
                          "%s: cannot give every machine its share of masters", r->t->path);
    } else {
        for (int s = 0; s < S; s++) {
            struct ss_store *st = &r->pl->stores[s];
            struct ss_store orig = *st;
            int o = 0, c1 = 0, c2 = 1;
            for (int x = 0; x < k; x++)
                for (int y = 0; y < k; y++) {
                    if (x == y)
                        continue;
                    if (o++ == choice[s]) {
                        c1 = x;
                        c2 = y;
                    }
                }
            st->machine[0] = orig.machine[c1];
            st->slot[0] = orig.slot[c1];
            st->machine[1] = orig.machine[c2];
            st->slot[1] = orig.slot[c2];
            if (k == 3) {
                int c3 = 3 - c1 - c2;
                st->machine[2] = orig.machine[c3];
                st->slot[2] = orig.slot[c3];
            }
        }
    }
    free(choice);
    free(edge);
    free(gedge);
    free(gfree);
    free(medge);
    free(mfree);
    free(L);
    return rc;
}

/* The double failures of the ordered stores over their bound + 1: the
 * summed excess; up to `max` of them as (a, b, survivor) in viol. */
static long double_excess(const struct replan *r, int *viol, int max, int *nviol)
{
    int M = r->M, S = r->S;
    int *F = ss_xcalloc((size_t)M * M, sizeof(int));
    int *T = ss_xcalloc((size_t)M * M * M, sizeof(int));
    int *m = ss_xcalloc((size_t)M, sizeof(int)), *room = ss_xcalloc((size_t)M, sizeof(int));
    unsigned char *alive = ss_xcalloc((size_t)M, 1);
    for (int s = 0; s < S; s++) {
        const int *x = r->pl->stores[s].machine;
        m[x[0]]++;
        F[x[0] * M + x[1]]++;
        T[(x[0] * M + x[1]) * M + x[2]]++;
        for (int c = 1; c < 3; c++)
            room[x[c]]++;
    }
    long excess = 0;
    *nviol = 0;
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            int lvl = ss_double_bound3(r->t, m, room, F, a, b, alive);
            for (int c = 0; c < M; c++) {
                if (!alive[c])
                    continue;
                int load = m[c] + F[a * M + c] + F[b * M + c] + T[(a * M + b) * M + c] +
                           T[(b * M + a) * M + c];
                if (load <= lvl + 1)
                    continue;
                excess += load - lvl - 1;
                if (*nviol < max) {
                    viol[3 * *nviol] = a;
                    viol[3 * *nviol + 1] = b;
                    viol[3 * *nviol + 2] = c;
                    (*nviol)++;
                }
            }
        }
    free(F);
    free(T);
    free(m);
    free(room);
    free(alive);
    return excess;
}

/* Does store st, failing over from a failure of a and b, put a master on c? */
static int feeds(const struct ss_store *st, int a, int b, int c)
{
    const int *x = st->machine;
    if (x[0] != a && x[0] != b)
        return 0;
    if (x[1] == c)
        return 1;
    return x[2] == c && (x[1] == a || x[1] == b);
}

/* 3-slot stores: the order flow meets the single-failure levels but knows
 * nothing of double failures.  Where a double failure is over its bound + 1,
 * ban one store that feeds its busiest survivor from its (master, first
 * failover) and let the flow order again from the current order; keep what
 * does not raise the summed excess, else drop the ban.  Bans lapse after
 * BAN_TENURE newer ones (a tabu list: kept forever, they leave the flow no
 * order).  The tenure was tried on the sweep's 3-zone misses: 4, 8, 50 and
 * 100 left 21x20 + 1 over, 12 did not. */
#define DOUBLE_TRIES 3000
#define DOUBLE_STALE 300 /* tries without a lower excess */
#define BAN_TENURE 12
#define NOPT 6 /* (master, first failover) choices of a 3-slot store */
void replan_order_doubles(struct replan *r, const struct ss_placement *old)
{
    int S = r->S, M = r->M, max = 256, nv = 0, nv2 = 0;
    int *ban = ss_xcalloc((size_t)S * NOPT, sizeof(int)), *cand = ss_xcalloc((size_t)S, sizeof(int));
    int *viol = ss_xcalloc((size_t)max * 3, sizeof(int));
    int *viol2 = ss_xcalloc((size_t)max * 3, sizeof(int));
    struct ss_store *kept = ss_xcalloc((size_t)S, sizeof(struct ss_store));
    size_t bytes = sizeof(struct ss_store) * (size_t)S;
    for (int i = 0; i < S * NOPT; i++)
        ban[i] = -1;
    /* only where the order meets the single-failure levels themselves */
    long excess = order_stores(r, old, ban, 1) == 0 ? double_excess(r, viol, max, &nv) : 0;
    memcpy(kept, r->pl->stores, bytes);
    unsigned rng = 521288629u;
    int ring[BAN_TENURE], held = 0; /* the bans in force, oldest first */
    for (int tries = 0, stale = 0; tries < DOUBLE_TRIES && stale < DOUBLE_STALE && excess > 0;
         tries++, stale++) {
        ss_xorshift(&rng);
        const int *v = &viol[3 * (int)(rng % (unsigned)nv)];
        int n = 0;
        for (int s = 0; s < S; s++)
            if (!r->pl->stores[s].fixed && feeds(&r->pl->stores[s], v[0], v[1], v[2]))
                cand[n++] = s;
        if (n == 0)
            continue;
        int s = cand[(rng >> 12) % (unsigned)n], slot = 0;
        while (slot < NOPT - 1 && ban[s * NOPT + slot] >= 0)
            slot++;
        if (slot == NOPT - 1) /* one choice stays */
            continue;
        ban[s * NOPT + slot] = r->pl->stores[s].machine[0] * M + r->pl->stores[s].machine[1];
        long now = order_stores(r, old, ban, 1) == 0 ? double_excess(r, viol2, max, &nv2) : -1;
        if (now < 0 || now > excess) {
            ban[s * NOPT + slot] = -1;
            memcpy(r->pl->stores, kept, bytes);
            continue;
        }
        if (now < excess)
            stale = 0;
        excess = now;
        nv = nv2;
        memcpy(viol, viol2, sizeof(int) * 3 * (size_t)nv);
        memcpy(kept, r->pl->stores, bytes);
        if (held == BAN_TENURE) { /* the oldest ban lapses */
            ban[ring[0]] = -1;
            memmove(ring, ring + 1, sizeof(int) * (BAN_TENURE - 1));
            held--;
        }
        ring[held++] = s * NOPT + slot;
    }
    memcpy(r->pl->stores, kept, bytes);
    free(kept);
    free(cand);
    free(viol);
    free(viol2);
    free(ban);
}

int replan_order_stores(struct replan *r, const struct ss_placement *old)
{
    return order_stores(r, old, NULL, 0);
}
