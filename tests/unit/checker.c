/* checker.c - independent placement checker (see checker.h). */
#include "checker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int eligible(const struct chk_input *in, int a, int b)
{
    if (a == b)
        return 0;
    if (in->zones == 0 || in->copies > in->zones)
        return 1;
    return in->zone[a] != in->zone[b];
}

/* Smallest L >= floor with sum_b min(room_b, max(0, L - m_b)) >= moving, by counting up. */
static int level(const struct chk_input *in, const int *m, const int *room, const int *alive,
                 const int *recv, int moving)
{
    int L = 0;
    for (int b = 0; b < in->machines; b++)
        if (alive[b] && m[b] > L)
            L = m[b];
    for (;; L++) {
        long got = 0;
        for (int b = 0; b < in->machines; b++)
            if (alive[b] && recv[b] && L > m[b])
                got += (L - m[b] < room[b]) ? L - m[b] : room[b];
        if (got >= moving)
            return L;
        if (L > 10000000)
            return L;
    }
}

static void failure(const struct chk_input *in, const int *m, const int *room, const int *dead,
                    int *busiest, int *lost, int *receivers, int *load)
{
    memset(load, 0, sizeof(int) * (size_t)in->machines);
    *lost = 0;
    for (int s = 0; s < in->stores; s++) {
        int c = 0;
        while (c < in->copies && dead[in->member[s * in->copies + c]])
            c++;
        if (c == in->copies)
            (*lost)++;
        else
            load[in->member[s * in->copies + c]]++;
    }
    *busiest = 0;
    *receivers = 0;
    for (int b = 0; b < in->machines; b++) {
        if (dead[b])
            continue;
        if (load[b] > *busiest)
            *busiest = load[b];
        if (load[b] > m[b])
            (*receivers)++;
    }
    (void)room;
}

/* Dense Edmonds-Karp: max flow from s to t in an n-node capacity matrix. */
static long maxflow(int n, int *cap, int s, int t)
{
    long total = 0;
    int *prev = malloc(sizeof(int) * (size_t)n), *queue = malloc(sizeof(int) * (size_t)n);
    for (;;) {
        for (int i = 0; i < n; i++)
            prev[i] = -1;
        prev[s] = s;
        int qh = 0, qt = 0;
        queue[qt++] = s;
        while (qh < qt && prev[t] < 0) {
            int u = queue[qh++];
            for (int v = 0; v < n; v++)
                if (prev[v] < 0 && cap[u * n + v] > 0) {
                    prev[v] = u;
                    queue[qt++] = v;
                }
        }
        if (prev[t] < 0)
            break;
        int push = 1 << 30;
        for (int v = t; v != s; v = prev[v])
            if (cap[prev[v] * n + v] < push)
                push = cap[prev[v] * n + v];
        for (int v = t; v != s; v = prev[v]) {
            cap[prev[v] * n + v] -= push;
            cap[v * n + prev[v]] += push;
        }
        total += push;
    }
    free(prev);
    free(queue);
    return total;
}

/* 3 copies in 2 zones: every store has two copies in one zone and one in the
 * other, so zone z holds two copies of exactly (copies in z) - stores stores,
 * and a store with master and first failover in z is one of them.  The zone
 * whose budget is below its masters (at most one: budgets and masters both sum
 * to the stores), or -1; *budget gets its budget. */
static int tight_zone(const struct chk_input *in, const int *m, const int *room, int *budget)
{
    if (in->copies != 3 || in->zones != 2)
        return -1;
    for (int z = 0; z < 2; z++) {
        long copies = 0, masters = 0;
        for (int i = 0; i < in->machines; i++)
            if (in->zone[i] == z) {
                copies += m[i] + room[i];
                masters += m[i];
            }
        if (copies - in->stores < masters) {
            *budget = (int)(copies - in->stores);
            return z;
        }
    }
    return -1;
}

/* Cost of the residual edge u->v of the first-failover network: 1 for a
 * store with master and first failover in zone z, -1 for taking one back. */
static int zone_cost(const struct chk_input *in, int z, int u, int v)
{
    int M = in->machines;
    if (z < 0)
        return 0;
    if (u < M && v >= M && v < 2 * M)
        return in->zone[u] == z && in->zone[v - M] == z;
    if (v < M && u >= M && u < 2 * M)
        return -(in->zone[v] == z && in->zone[u - M] == z);
    return 0;
}

/* Continue a flow that is cheapest for its value (e.g. of cost 0) along
 * cheapest augmenting paths (Bellman-Ford) up to `want` more; returns the
 * flow added, *cost its cost. */
static long cheapest_paths(const struct chk_input *in, int z, int n, int *cap, int s, int t,
                           long want, long *cost)
{
    long added = 0;
    int *dist = malloc(sizeof(int) * (size_t)n), *prev = malloc(sizeof(int) * (size_t)n);
    *cost = 0;
    while (added < want) {
        for (int i = 0; i < n; i++) {
            dist[i] = 1 << 29;
            prev[i] = -1;
        }
        dist[s] = 0;
        for (int pass = 0, changed = 1; pass < n && changed; pass++) {
            changed = 0;
            for (int u = 0; u < n; u++)
                for (int v = 0; dist[u] < (1 << 29) && v < n; v++)
                    if (cap[u * n + v] > 0 && dist[u] + zone_cost(in, z, u, v) < dist[v]) {
                        dist[v] = dist[u] + zone_cost(in, z, u, v);
                        prev[v] = u;
                        changed = 1;
                    }
        }
        if (prev[t] < 0)
            break;
        long push = want - added;
        for (int v = t; v != s; v = prev[v])
            if (cap[prev[v] * n + v] < push)
                push = cap[prev[v] * n + v];
        for (int v = t; v != s; v = prev[v]) {
            cap[prev[v] * n + v] -= (int)push;
            cap[v * n + prev[v]] += (int)push;
        }
        added += push;
        *cost += push * dist[t];
    }
    free(dist);
    free(prev);
    return added;
}

/* Can every machine a send its m[a] masters' first failover to other machines
 * with each receiver b at most level[a] after a fails, every machine taking
 * at most its replicas (exactly, with 2-slot stores), and (3 copies in 2
 * zones, see tight_zone) few enough stores within the tight zone?  That last
 * one is a min-cost flow: first without the pairs within the zone, then along
 * cheapest paths. */
static int first_failover_feasible(const struct chk_input *in, const int *m, const int *room,
                                   const int *level, int fill)
{
    int M = in->machines, n = 2 * M + 2, s = 2 * M, t = 2 * M + 1, budget = 0;
    int z = tight_zone(in, m, room, &budget);
    int *cap = calloc((size_t)n * n, sizeof(int));
    long need = 0, cols = 0, within = 0;
    for (int a = 0; a < M; a++) {
        cap[s * n + a] = m[a];
        need += m[a];
        cap[(M + a) * n + t] = room[a];
        cols += room[a];
        for (int b = 0; b < M; b++)
            if (eligible(in, a, b) && level[a] > m[b] && zone_cost(in, z, a, M + b) == 0)
                cap[a * n + M + b] = level[a] - m[b];
    }
    long got = maxflow(n, cap, s, t);
    if (z >= 0) {
        for (int a = 0; a < M; a++)
            for (int b = 0; b < M; b++)
                if (eligible(in, a, b) && level[a] > m[b] && zone_cost(in, z, a, M + b) == 1)
                    cap[a * n + M + b] = level[a] - m[b];
        got += cheapest_paths(in, z, n, cap, s, t, need - got, &within);
    }
    free(cap);
    /* with 2 slots every replica is a first failover: columns must fill too
     * (unless room is only an upper limit: fill 0) */
    return got == need && (in->copies != 2 || !fill || got == cols) &&
           (z < 0 || within <= budget);
}
/* The least e below `most` at which every first failover fits levels
 * base + e (first_failover_feasible with room and fill), or `most`. */
static int least_slack(const struct chk_input *in, const int *m, const int *room, int fill,
                       const int *base, int most, int *lvl)
{
    int e = 0;
    for (; e < most; e++) {
        for (int a = 0; a < in->machines; a++)
            lvl[a] = base[a] + e;
        if (first_failover_feasible(in, m, room, lvl, fill))
            break;
    }
    return e;
}
/* May c hold the third slot of a store whose other slots are on a and b? */
static int third_ok(const struct chk_input *in, int a, int b, int c)
{
    if (c == a || c == b)
        return 0;
    if (in->zones == 0)
        return 1;
    int za = in->zone[a], zb = in->zone[b], zc = in->zone[c];
    if (in->zones >= 3)
        return zc != za && zc != zb;
    return !(za == zb && zb == zc);
}

/* Do the failed machines' masters (three groups, see below) fit the
 * survivors when none may hold more than L masters? */
static int double_fits(const struct chk_input *in, const int *m, const int *room, int a, int b,
                       const int *groups, int L, int *cap)
{
    int M = in->machines, n = M + 5, s = M + 3, t = M + 4;
    memset(cap, 0, sizeof(int) * (size_t)n * n);
    long need = 0;
    for (int g = 0; g < 3; g++) {
        cap[s * n + M + g] = groups[g];
        need += groups[g];
    }
    for (int c = 0; c < M; c++) {
        if (c == a || c == b || L <= m[c])
            continue;
        cap[c * n + t] = L - m[c] < room[c] ? L - m[c] : room[c];
        cap[(M + 0) * n + c] = eligible(in, a, c) ? groups[0] : 0;
        cap[(M + 1) * n + c] = eligible(in, b, c) ? groups[1] : 0;
        cap[(M + 2) * n + c] = third_ok(in, a, b, c) ? groups[2] : 0;
    }
    return maxflow(n, cap, s, t) >= need;
}

/* Lower bound for the busiest survivor when a and b fail, given how many of
 * their stores have both on their first two slots: a's other masters can only
 * go where a store of a may have a copy, b's likewise, and the shared stores
 * (3 slots) only to machines that may hold their third slot.  Smallest level
 * L at which a flow places them all (fitting only gets easier as L grows, so
 * a binary search finds it; 1000001 if they never fit). */
static int double_level(const struct chk_input *in, const int *m, const int *room, int a, int b,
                        int ab, int ba)
{
    int M = in->machines, n = M + 5;
    int groups[3] = {m[a] - ab, m[b] - ba, in->copies == 3 ? ab + ba : 0};
    int lo = 0;
    for (int c = 0; c < M; c++)
        if (c != a && c != b && m[c] > lo)
            lo = m[c];
    int *cap = malloc(sizeof(int) * (size_t)n * n);
    int hi = lo + groups[0] + groups[1] + groups[2]; /* every survivor room enough */
    if (!double_fits(in, m, room, a, b, groups, hi, cap))
        hi = 1000001;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (double_fits(in, m, room, a, b, groups, mid, cap))
            hi = mid;
        else
            lo = mid + 1;
    }
    free(cap);
    return lo;
}

int chk_double_bound(const struct chk_input *in, const int *m, const int *room, int a, int b,
                     int ab, int ba)
{
    return double_level(in, m, room, a, b, ab, ba);
}

void chk_run(const struct chk_input *in, int doubles, struct chk_report *r)
{
    int M = in->machines, k = in->copies;
    memset(r, 0, sizeof(*r));
    r->ok_distinct = r->ok_capacity = r->ok_zones = r->ok_fair = 1;
    int *m = calloc((size_t)M, sizeof(int)), *n = calloc((size_t)M, sizeof(int));
    int *room = calloc((size_t)M, sizeof(int)), *load = calloc((size_t)M, sizeof(int));
    int *dead = calloc((size_t)M, sizeof(int)), *alive = calloc((size_t)M, sizeof(int));
    int *recv = calloc((size_t)M, sizeof(int));
    long total = 0;
    for (int i = 0; i < M; i++)
        total += in->slots[i];
    for (int s = 0; s < in->stores; s++) {
        const int *mem = &in->member[s * k];
        m[mem[0]]++;
        int zseen[8] = {0}, nz = 0;
        for (int c = 0; c < k; c++) {
            n[mem[c]]++;
            for (int d = 0; d < c; d++)
                if (mem[d] == mem[c] && r->ok_distinct) {
                    r->ok_distinct = 0;
                    snprintf(r->why, sizeof(r->why), "store %d has two copies on machine %d", s,
                             mem[c]);
                }
            if (in->zones && !zseen[in->zone[mem[c]]]) {
                zseen[in->zone[mem[c]]] = 1;
                nz++;
            }
        }
        int need = in->zones ? (k < in->zones ? k : in->zones) : 0;
        if (in->zones && nz < need && r->ok_zones) {
            r->ok_zones = 0;
            snprintf(r->why, sizeof(r->why), "store %d spans %d zones, needs %d", s, nz, need);
        }
    }
    for (int i = 0; i < M; i++) {
        if (n[i] > in->slots[i] && r->ok_capacity) {
            r->ok_capacity = 0;
            snprintf(r->why, sizeof(r->why), "machine %d holds %d copies, has %d slots", i, n[i],
                     in->slots[i]);
        }
        /* fair share f = S*slots/total; m must be floor(f) or ceil(f) */
        long num = (long)in->stores * in->slots[i];
        long fl = num / total, ce = (num + total - 1) / total;
        if ((m[i] < fl || m[i] > ce) && r->ok_fair) {
            r->ok_fair = 0;
            snprintf(r->why, sizeof(r->why), "machine %d has %d masters, fair share %.2f", i,
                     m[i], (double)num / total);
        }
        room[i] = n[i] - m[i];
    }
    /* single failures */
    r->single_worst_excess = -1000000;
    r->single_min_receivers = M;
    for (int f = 0; f < M; f++) {
        for (int b = 0; b < M; b++) {
            dead[b] = b == f;
            alive[b] = !dead[b];
            recv[b] = eligible(in, f, b);
        }
        int busiest, lost, receivers;
        failure(in, m, room, dead, &busiest, &lost, &receivers, load);
        int bound = level(in, m, room, alive, recv, m[f] - lost);
        if (in->single_bound)
            in->single_bound[f] = bound;
        if (busiest - bound > r->single_worst_excess)
            r->single_worst_excess = busiest - bound;
        if (m[f] > 0 && receivers < r->single_min_receivers)
            r->single_min_receivers = receivers;
    }
    /* the least uniform slack over the per-failure bounds that any placement
     * with these master and copy counts can reach */
    if (M <= 60) {
        int *lvl = calloc((size_t)M, sizeof(int)), *base = calloc((size_t)M, sizeof(int));
        int *room_any = calloc((size_t)M, sizeof(int));
        for (int f = 0; f < M; f++) {
            for (int b = 0; b < M; b++) {
                alive[b] = b != f;
                recv[b] = eligible(in, f, b);
            }
            base[f] = level(in, m, room, alive, recv, m[f]);
        }
        r->single_slack = least_slack(in, m, room, 1, base, 1000, lvl);
        /* 2-slot stores: the same with any copy counts the slots allow (the
         * replicas per machine are the planner's choice, not the operator's),
         * at the plan's bounds */
        for (int a = 0; a < M; a++)
            room_any[a] = in->slots[a] - m[a];
        r->single_slack_any = k == 2 ? least_slack(in, m, room_any, 0, base, r->single_slack, lvl)
                                     : r->single_slack;
        free(room_any);
        free(lvl);
        free(base);
    }
    /* the pair bound for 2-slot stores: even spread over the allowed pairs, and
     * no machine can spread its copies over more partners than it has */
    long pairs = 0;
    r->pair_bound = 0;
    for (int a = 0; a < M; a++) {
        int partners = 0;
        for (int b = 0; b < M; b++)
            if (eligible(in, a, b)) {
                partners++;
                pairs += b > a;
            }
        if (partners && (n[a] + partners - 1) / partners > r->pair_bound)
            r->pair_bound = (n[a] + partners - 1) / partners;
    }
    if (pairs && (in->stores + pairs - 1) / pairs > r->pair_bound)
        r->pair_bound = (int)((in->stores + pairs - 1) / pairs);
    /* the degrees can force more: machine i's copies pair with others' copies.
     * In the bipartite double cover (rows and columns = machines, row and
     * column sums = copies, each cell at most P) any real placement is a
     * flow, so the least P at which that flow exists is a lower bound too. */
    if (k == 2 && M <= 60)
        for (;; r->pair_bound++) {
            int nn = 2 * M + 2, s = 2 * M, t = 2 * M + 1;
            int *cap = calloc((size_t)nn * nn, sizeof(int));
            for (int a = 0; a < M; a++) {
                cap[s * nn + a] = n[a];
                cap[(M + a) * nn + t] = n[a];
                for (int b = 0; b < M; b++)
                    if (eligible(in, a, b))
                        cap[a * nn + M + b] = r->pair_bound;
            }
            long got = maxflow(nn, cap, s, t);
            free(cap);
            if (got >= 2L * in->stores || r->pair_bound > in->stores)
                break;
        }
    r->double_worst_excess = -1000000;
    if (doubles)
        for (int a = 0; a < M; a++)
            for (int b2 = a + 1; b2 < M; b2++) {
                for (int b = 0; b < M; b++) {
                    dead[b] = b == a || b == b2;
                    alive[b] = !dead[b];
                    recv[b] = 1;
                }
                int busiest, lost, receivers;
                failure(in, m, room, dead, &busiest, &lost, &receivers, load);
                int ab = 0, ba = 0;
                for (int s = 0; s < in->stores; s++) {
                    ab += in->member[s * k] == a && in->member[s * k + 1] == b2;
                    ba += in->member[s * k] == b2 && in->member[s * k + 1] == a;
                }
                int bound = double_level(in, m, room, a, b2, ab, ba);
                if (in->double_bound)
                    in->double_bound[a * M + b2] = bound;
                if (busiest - bound > r->double_worst_excess)
                    r->double_worst_excess = busiest - bound;
                if (lost > r->double_max_lost)
                    r->double_max_lost = lost;
            }
    free(m);
    free(n);
    free(room);
    free(load);
    free(dead);
    free(alive);
    free(recv);
}
