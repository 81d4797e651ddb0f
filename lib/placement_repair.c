/* placement_repair.c - local search on the first-failover matrix F of
 * 2-slot stores, for double failures.
 *
 * When machines a and b both fail, survivor c takes F[a][c] + F[b][c]
 * masters.  The flows of layer 1 bound each row, not the sum of two rows, so
 * this pass exchanges failover targets along 4-cycles (F[a][b]--, F[a][d]++,
 * F[c][d]--, F[c][b]++ keeps every machine's master and replica counts) while
 * that lowers the total excess of double-failure loads over the water-filling
 * bound + 1, never breaking the single-failure levels or the pair cap.
 */
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "placement_int.h"

struct dsearch {
    int M;
    const int *m, *room, *L;
    int *F;
    int pcap;
    const unsigned char *allowed;  /* M*M pair allowed */
    int *W2;                       /* M*M double-failure target (bound + 1) */
    const int *rowmax;             /* per row: worst single-failure load to keep */
    unsigned char *alive;
};

static int pair_count(const struct dsearch *d, int a, int b)
{
    return d->F[a * d->M + b] + d->F[b * d->M + a];
}

static void target(struct dsearch *d, int a, int b)
{
    int M = d->M;
    for (int c = 0; c < M; c++)
        d->alive[c] = c != a && c != b;
    int moving = d->m[a] + d->m[b] - pair_count(d, a, b);
    int lvl = ss_waterfill(M, d->m, d->room, d->alive, moving);
    int busiest = 0;
    for (int c = 0; c < M; c++)
        if (d->alive[c] && d->m[c] > busiest)
            busiest = d->m[c];
    if (lvl < busiest)
        lvl = busiest;
    d->W2[a * M + b] = d->W2[b * M + a] = lvl + 1;
}

/* Excess of the double failure {a,b} over its target. */
static int pair_excess(const struct dsearch *d, int a, int b)
{
    int M = d->M, ex = 0, t = d->W2[a * M + b];
    for (int c = 0; c < M; c++) {
        if (c == a || c == b)
            continue;
        int load = d->m[c] + d->F[a * M + c] + d->F[b * M + c];
        if (load > t)
            ex += load - t;
    }
    return ex;
}

/* Total excess of every double failure that involves row a or row c. */
static long rows_excess(struct dsearch *d, int a, int c)
{
    long ex = 0;
    for (int x = 0; x < d->M; x++) {
        if (x != a)
            ex += pair_excess(d, a, x);
        if (x != c && x != a)
            ex += pair_excess(d, c, x);
    }
    return ex;
}

static void retarget(struct dsearch *d, int a, int b, int c, int dd)
{
    target(d, a, b);
    target(d, a, dd);
    target(d, c, dd);
    target(d, c, b);
}

static int move_ok(const struct dsearch *d, int a, int b, int c, int dd)
{
    int M = d->M;
    if (a == c || b == dd || a == dd || c == b || a == b || c == dd)
        return 0;
    if (d->F[a * M + b] == 0 || d->F[c * M + dd] == 0)
        return 0;
    if (!d->allowed[a * M + dd] || !d->allowed[c * M + b])
        return 0;
    int la = d->L[a] < d->rowmax[a] ? d->L[a] : d->rowmax[a];
    int lc = d->L[c] < d->rowmax[c] ? d->L[c] : d->rowmax[c];
    if (d->m[dd] + d->F[a * M + dd] + 1 > la || d->m[b] + d->F[c * M + b] + 1 > lc)
        return 0;
    return pair_count(d, a, dd) + 1 <= d->pcap && pair_count(d, c, b) + 1 <= d->pcap;
}

static void apply(struct dsearch *d, int a, int b, int c, int dd, int sign)
{
    int M = d->M;
    d->F[a * M + b] -= sign;
    d->F[a * M + dd] += sign;
    d->F[c * M + dd] -= sign;
    d->F[c * M + b] += sign;
}

void ss_repair_double_failures(int M, const int *m, const int *room, const int *L, int *F,
                               int pcap, const unsigned char *allowed, long budget)
{
    struct dsearch d = {.M = M, .m = m, .room = room, .L = L, .F = F, .pcap = pcap,
                        .allowed = allowed};
    d.W2 = ss_xcalloc((size_t)M * M, sizeof(int));
    d.alive = ss_xcalloc((size_t)M, 1);
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++)
            target(&d, a, b);
    unsigned rng = 2463534242u;
    int stale = 0;
    /* never raise a row's worst single-failure load above what it is now */
    int *rowmax = ss_xcalloc((size_t)M, sizeof(int));
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++)
            if (F[a * M + b] > 0 && m[b] + F[a * M + b] > rowmax[a])
                rowmax[a] = m[b] + F[a * M + b];
    d.rowmax = rowmax;
    long best_total = 0;
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++)
            best_total += pair_excess(&d, a, b);
    while (budget > 0 && best_total > 0 && stale < 200000) {
        ss_xorshift(&rng);
        int a = (int)(rng % (unsigned)M), c = (int)((rng >> 8) % (unsigned)M);
        int b = (int)((rng >> 16) % (unsigned)M), dd = (int)((rng >> 24) % (unsigned)M);
        budget--;
        if (!move_ok(&d, a, b, c, dd)) {
            stale++;
            continue;
        }
        long before = rows_excess(&d, a, c);
        budget -= 4 * M;
        apply(&d, a, b, c, dd, 1);
        retarget(&d, a, b, c, dd);
        long after = rows_excess(&d, a, c);
        if (after < before || (after == before && (rng & 3) == 0)) {
            best_total += after - before;
            stale = after < before ? 0 : stale + 1;
            continue;
        }
        apply(&d, a, b, c, dd, -1);
        retarget(&d, a, b, c, dd);
        stale++;
    }
    free(rowmax);
    free(d.W2);
    free(d.alive);
}

/* ---- 3-slot stores: the same goal on the stores themselves ------------------
 * Double failure {a,b} sends to c: F[a][c] + F[b][c] (first failovers) plus
 * the stores whose first two slots are a and b and whose third is c.  Moves:
 * exchange the third slots of two stores (every count stays), or swap a
 * store's two failover slots (only F changes; kept within the row's current
 * worst single-failure load). */

struct tsearch {
    int M;
    const int *m;
    int *F, *T, *W2, *rowmax;
    unsigned char *alive;
};

#define T3(d, a, b, c) ((d)->T[((a) * (d)->M + (b)) * (d)->M + (c)])

static int t_excess(const struct tsearch *d, int a, int b)
{
    int M = d->M, ex = 0, t = d->W2[a * M + b];
    for (int c = 0; c < M; c++) {
        if (c == a || c == b)
            continue;
        int load = d->m[c] + d->F[a * M + c] + d->F[b * M + c] + T3(d, a, b, c) + T3(d, b, a, c);
        if (load > t)
            ex += load - t;
    }
    return ex;
}

static void t_store(struct tsearch *d, const struct ss_store *st, int sign)
{
    d->F[st->machine[0] * d->M + st->machine[1]] += sign;
    T3(d, st->machine[0], st->machine[1], st->machine[2]) += sign;
}

static long t_cost_rows(const struct tsearch *d, const int *rows, int nrows)
{
    long ex = 0;
    for (int i = 0; i < nrows; i++)
        for (int x = 0; x < d->M; x++) {
            if (x == rows[i])
                continue;
            int dup = 0; /* count each pair once */
            for (int j = 0; j < i; j++)
                dup |= rows[j] == x;
            if (!dup)
                ex += t_excess(d, rows[i], x);
        }
    return ex;
}

/* The level a double failure of a and b can reach when zones restrict where
 * masters may go: a's masters (not first-failing over to b) only where a
 * store of a may have a copy, b's likewise, the stores on both only where
 * their third slot may be.  Smallest L at which a flow places them all. */
int ss_double_level(const struct ss_topology *t, const int *m, const int *room, const int *F,
                    int a, int b, int from)
{
    int M = t->nmachines;
    int groups[3] = {m[a] - F[a * M + b], m[b] - F[b * M + a], F[a * M + b] + F[b * M + a]};
    long need = groups[0] + groups[1] + groups[2];
    for (int L = from;; L++) {
        int src = 0, g0 = 1, c0 = 4, sink = 4 + M;
        struct ss_flow *fl = ss_flow_new(M + 5);
        for (int g = 0; g < 3; g++)
            ss_flow_add_edge(fl, src, g0 + g, groups[g]);
        for (int c = 0; c < M; c++) {
            if (c == a || c == b || L <= m[c])
                continue;
            ss_flow_add_edge(fl, c0 + c, sink, L - m[c] < room[c] ? L - m[c] : room[c]);
            if (ss_pair_allowed(t, a, c))
                ss_flow_add_edge(fl, g0, c0 + c, groups[0]);
            if (ss_pair_allowed(t, b, c))
                ss_flow_add_edge(fl, g0 + 1, c0 + c, groups[1]);
            if (ss_triple_allowed(t, a, b, c))
                ss_flow_add_edge(fl, g0 + 2, c0 + c, groups[2]);
        }
        long got = ss_flow_run(fl, src, sink);
        ss_flow_free(fl);
        if (got >= need || L > from + (int)need)
            return L;
    }
}

void ss_repair_double_failures3(const struct ss_topology *t, struct ss_placement *pl,
                                const int *m, const int *room, long budget)
{
    int M = t->nmachines;
    struct tsearch d = {.M = M, .m = m};
    d.F = ss_xcalloc((size_t)M * M, sizeof(int));
    d.T = ss_xcalloc((size_t)M * M * M, sizeof(int));
    d.W2 = ss_xcalloc((size_t)M * M, sizeof(int));
    d.rowmax = ss_xcalloc((size_t)M, sizeof(int));
    d.alive = ss_xcalloc((size_t)M, 1);
    for (int s = 0; s < pl->nstores; s++)
        t_store(&d, &pl->stores[s], 1);
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++)
            if (d.F[a * M + b] > 0 && m[b] + d.F[a * M + b] > d.rowmax[a])
                d.rowmax[a] = m[b] + d.F[a * M + b];
    for (int a = 0; a < M; a++)
        for (int b = a + 1; b < M; b++) {
            for (int c = 0; c < M; c++)
                d.alive[c] = c != a && c != b;
            int busiest = 0;
            for (int c = 0; c < M; c++)
                if (d.alive[c] && m[c] > busiest)
                    busiest = m[c];
            int lvl = ss_double_level(t, m, room, d.F, a, b, busiest);
            d.W2[a * M + b] = d.W2[b * M + a] = (lvl > busiest ? lvl : busiest) + 1;
        }
    unsigned rng = 88172645u;
    int stale = 0;
    while (budget > 0 && stale < 100000 && pl->nstores > 1) {
        ss_xorshift(&rng);
        struct ss_store *s1 = &pl->stores[rng % (unsigned)pl->nstores];
        budget--;
        if (s1->fixed) {
            stale++;
            continue;
        }
        int rows[4], nrows;
        struct ss_store save1 = *s1, save2;
        struct ss_store *s2 = NULL;
        if (rng & 0x100000u) { /* exchange third slots with another store */
            s2 = &pl->stores[(rng >> 8) % (unsigned)pl->nstores];
            int c1 = s1->machine[2], c2 = s2->machine[2];
            if (s2 == s1 || s2->fixed || c1 == c2 ||
                !ss_triple_allowed(t, s1->machine[0], s1->machine[1], c2) ||
                !ss_triple_allowed(t, s2->machine[0], s2->machine[1], c1)) {
                stale++;
                continue;
            }
            save2 = *s2;
            rows[0] = s1->machine[0];
            rows[1] = s1->machine[1];
            rows[2] = s2->machine[0];
            rows[3] = s2->machine[1];
            nrows = 4;
        } else { /* swap the two failover slots of s1 */
            int a = s1->machine[0], c = s1->machine[2];
            if (m[c] + d.F[a * M + c] + 1 > d.rowmax[a]) {
                stale++;
                continue;
            }
            rows[0] = a;
            rows[1] = s1->machine[1];
            rows[2] = c;
            nrows = 3;
        }
        long before = t_cost_rows(&d, rows, nrows);
        budget -= (long)nrows * M * M;
        t_store(&d, s1, -1);
        if (s2) {
            t_store(&d, s2, -1);
            ss_store_swap(s1, 2, s2, 2);
            t_store(&d, s2, 1);
        } else {
            ss_store_swap(s1, 1, s1, 2);
        }
        t_store(&d, s1, 1);
        long after = t_cost_rows(&d, rows, nrows);
        if (after < before || (after == before && (rng & 0x3000u) == 0)) {
            stale = after < before ? 0 : stale + 1;
            continue;
        }
        t_store(&d, s1, -1);
        *s1 = save1;
        t_store(&d, s1, 1);
        if (s2) {
            t_store(&d, s2, -1);
            *s2 = save2;
            t_store(&d, s2, 1);
        }
        stale++;
    }
    free(d.F);
    free(d.T);
    free(d.W2);
    free(d.rowmax);
    free(d.alive);
}
