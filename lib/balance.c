/* balance.c - failure analysis of a placement (for reports, not for tests). */
#include "balance.h"

#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "placement_int.h"

int ss_balance_after_failure(const struct ss_placement *p, const int *failed, int n, int *load)
{
    int M = p->topo->nmachines, lost = 0;
    unsigned char *dead = ss_xcalloc((size_t)M, 1);
    for (int i = 0; i < n; i++)
        dead[failed[i]] = 1;
    memset(load, 0, sizeof(int) * (size_t)M);
    for (int s = 0; s < p->nstores; s++) {
        int c = 0;
        while (c < p->copies && (p->stores[s].machine[c] < 0 || dead[p->stores[s].machine[c]]))
            c++;
        if (c == p->copies)
            lost++;
        else
            load[p->stores[s].machine[c]]++;
    }
    free(dead);
    return lost;
}

/* Where a failed machine's masters may go: a store's first surviving copy is
 * on a machine the zone rule lets it share with the failed ones.  Bits of a
 * survivor's mask: 1 takes stores mastered on failed[0] (first failover not
 * failed[1]), 2 likewise for failed[1], 4 takes the 3-slot stores on both
 * (master and first failover), which go to their third slot. */
static unsigned char receive_mask(const struct ss_topology *t, const int *failed, int n, int c)
{
    for (int i = 0; i < n; i++)
        if (failed[i] == c)
            return 0;
    unsigned char mask = ss_pair_allowed(t, failed[0], c) ? 1 : 0;
    if (n > 1 && ss_pair_allowed(t, failed[1], c))
        mask |= 2;
    if (n > 1 && ss_topology_copies(t) == 3 && ss_triple_allowed(t, failed[0], failed[1], c))
        mask |= 4;
    return mask;
}

/* Can every survivor stay at most `level` masters while taking the moving
 * groups?  Survivors accept only the groups of their mask, so this is a
 * transportation problem; by Hall's theorem it is feasible exactly when every
 * set of groups fits in the room of the survivors accepting any of them
 * (survivors with the same mask are summed: 8 kinds, 7 sets). */
static int level_fits(int M, const int *m, const int *room, const unsigned char *mask,
                      const long *group, int level)
{
    long cap[8] = {0};
    for (int c = 0; c < M; c++)
        if (mask[c] && level > m[c])
            cap[mask[c]] += level - m[c] < room[c] ? level - m[c] : room[c];
    for (int set = 1; set < 8; set++) {
        long demand = 0, supply = 0;
        for (int g = 0; g < 3; g++)
            if (set & (1 << g))
                demand += group[g];
        for (int k = 1; k < 8; k++)
            if (k & set)
                supply += cap[k];
        if (demand > supply)
            return 0;
    }
    return 1;
}

int ss_balance_lower_bound(const struct ss_topology *t, const struct ss_balance *b,
                           const int *failed, int n)
{
    int M = b->nmachines, a = failed[0], z = n > 1 ? failed[1] : -1;
    long group[3] = {b->masters[a], 0, 0};
    if (n > 1) {
        long ab = b->failover[a * M + z], ba = b->failover[z * M + a];
        group[0] -= ab;
        group[1] = b->masters[z] - ba;
        /* with 2 slots the stores on both are lost: nothing moves */
        group[2] = ss_topology_copies(t) == 3 ? ab + ba : 0;
    }
    unsigned char *mask = ss_xcalloc((size_t)M, 1);
    int lo = 0;
    for (int c = 0; c < M; c++) {
        mask[c] = receive_mask(t, failed, n, c);
        if (c != a && c != z && b->masters[c] > lo)
            lo = b->masters[c];
    }
    /* the placement itself fits at its busiest survivor, so the search ends
     * below lo + all movers; a placement breaking the zone rule may not fit
     * anywhere and gets that ceiling */
    int hi = lo + (int)(group[0] + group[1] + group[2]);
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (level_fits(M, b->masters, b->replicas, mask, group, mid))
            hi = mid;
        else
            lo = mid + 1;
    }
    free(mask);
    return lo;
}

/* One flow, source -> a (masters[a]) -> b (bound[a] + s - masters[b]) -> sink
 * (room[b]), its a -> b capacities raised one step at a time from s = 0. */
int ss_single_least_excess(int M, const int *masters, const int *room, const int *bound,
                           int (*allowed)(const void *ctx, int a, int b), const void *ctx)
{
    int src = 2 * M, sink = 2 * M + 1, top = 0;
    long need = 0;
    struct ss_flow *fl = ss_flow_new(2 * M + 2);
    int *edge = ss_xcalloc((size_t)M * M, sizeof(int));
    for (int a = 0; a < M; a++) {
        ss_flow_add_edge(fl, src, a, masters[a]);
        ss_flow_add_edge(fl, M + a, sink, room[a] > 0 ? room[a] : 0);
        need += masters[a];
        top = masters[a] > top ? masters[a] : top;
    }
    for (int a = 0; a < M; a++)
        for (int b = 0; b < M; b++) {
            edge[a * M + b] = -1;
            if (b != a && (allowed == NULL || allowed(ctx, a, b)))
                edge[a * M + b] = ss_flow_add_edge(fl, a, M + b, 0);
        }
    long got = 0;
    int s = 0;
    /* beyond s = top every pair is open to all of a's masters: more cannot help */
    for (; s <= top + 1; s++) {
        for (int a = 0; a < M; a++)
            for (int b = 0; b < M; b++) {
                int cap = bound[a] + s - masters[b];
                if (edge[a * M + b] >= 0 && cap > 0)
                    ss_flow_set_cap(fl, edge[a * M + b], cap);
            }
        got += ss_flow_run(fl, src, sink);
        if (got >= need)
            break;
    }
    free(edge);
    ss_flow_free(fl);
    return got >= need ? s : -1;
}

int ss_balance_zone_allows(const void *t, int a, int b)
{
    return ss_pair_allowed(t, a, b);
}

static void analyse(const struct ss_placement *p, const struct ss_balance *bal, const int *failed,
                    int n, int *load, struct ss_failure_result *r)
{
    int M = p->topo->nmachines;
    const int *masters = bal->masters;
    r->failed[0] = failed[0];
    r->failed[1] = n > 1 ? failed[1] : -1;
    r->stores_lost = ss_balance_after_failure(p, failed, n, load);
    r->lower_bound = ss_balance_lower_bound(p->topo, bal, failed, n);
    r->busiest = -1;
    r->busiest_masters = 0;
    r->receivers = 0;
    for (int b = 0; b < M; b++) {
        int dead = 0;
        for (int i = 0; i < n; i++)
            dead |= failed[i] == b;
        if (dead)
            continue;
        if (load[b] > masters[b])
            r->receivers++;
        if (r->busiest < 0 || load[b] > r->busiest_masters) {
            r->busiest = b;
            r->busiest_masters = load[b];
        }
    }
}

static int worse(const struct ss_failure_result *a, const struct ss_failure_result *b)
{
    int ea = a->busiest_masters - a->lower_bound, eb = b->busiest_masters - b->lower_bound;
    if (ea != eb)
        return ea > eb;
    if (a->stores_lost != b->stores_lost)
        return a->stores_lost > b->stores_lost;
    return a->busiest_masters > b->busiest_masters;
}

struct ss_balance *ss_balance_compute(const struct ss_placement *p, int doubles)
{
    int M = p->topo->nmachines;
    struct ss_balance *b = ss_xcalloc(1, sizeof(*b));
    b->nmachines = M;
    b->masters = ss_xcalloc((size_t)M, sizeof(int));
    b->replicas = ss_xcalloc((size_t)M, sizeof(int));
    b->fair = ss_xcalloc((size_t)M, sizeof(double));
    b->failover = ss_xcalloc((size_t)M * M, sizeof(int));
    b->single = ss_xcalloc((size_t)M, sizeof(*b->single));
    b->nsingle = M;
    long total_slots = ss_topology_total_slots(p->topo);
    int *pair = ss_xcalloc((size_t)M * M, sizeof(int));
    for (int s = 0; s < p->nstores; s++) {
        const struct ss_store *st = &p->stores[s];
        if (st->machine[0] >= 0)
            b->masters[st->machine[0]]++;
        for (int c = 1; c < p->copies; c++)
            if (st->machine[c] >= 0)
                b->replicas[st->machine[c]]++;
        if (st->machine[0] >= 0 && st->machine[1] >= 0)
            b->failover[st->machine[0] * M + st->machine[1]]++;
        for (int x = 0; x < p->copies; x++)
            for (int y = x + 1; y < p->copies; y++) {
                int u = st->machine[x], v = st->machine[y];
                if (u < 0 || v < 0)
                    continue;
                int lo = u < v ? u : v, hi = u < v ? v : u;
                if (++pair[lo * M + hi] > b->max_pair)
                    b->max_pair = pair[lo * M + hi];
            }
    }
    if (p->copies == 2) {
        int *n = ss_xcalloc((size_t)M, sizeof(int));
        for (int i = 0; i < M; i++)
            n[i] = b->masters[i] + b->replicas[i];
        b->lost_bound = ss_pair_cap(p->topo, n, p->nstores);
        free(n);
    }
    for (int i = 0; i < M; i++)
        b->fair[i] = total_slots ? (double)p->nstores * p->topo->machines[i].slots / total_slots : 0;
    int *load = ss_xcalloc((size_t)M, sizeof(int));
    for (int f = 0; f < M; f++) {
        analyse(p, b, &f, 1, load, &b->single[f]);
        if (f == 0 || worse(&b->single[f], &b->worst_single))
            b->worst_single = b->single[f];
    }
    for (int f = 0; f < M; f++) {
        int over = b->single[f].busiest_masters - b->single[f].lower_bound;
        b->single_excess = over > b->single_excess ? over : b->single_excess;
    }
    /* a plan within every bound needs no proof that it could not do better */
    if (b->single_excess > 0) {
        int *bound = ss_xcalloc((size_t)M, sizeof(int));
        for (int f = 0; f < M; f++)
            bound[f] = b->single[f].lower_bound;
        b->single_least_excess = ss_single_least_excess(M, b->masters, b->replicas, bound,
                                                        ss_balance_zone_allows, p->topo);
        free(bound);
    }
    if (doubles && M >= 2) {
        b->doubles_computed = 1;
        b->double_bound = ss_xcalloc((size_t)M * M, sizeof(int));
        int first = 1;
        for (int x = 0; x < M; x++)
            for (int y = x + 1; y < M; y++) {
                int failed[2] = {x, y};
                struct ss_failure_result r;
                analyse(p, b, failed, 2, load, &r);
                b->double_bound[x * M + y] = b->double_bound[y * M + x] = r.lower_bound;
                if (r.busiest_masters > b->max_double_busiest)
                    b->max_double_busiest = r.busiest_masters;
                if (r.stores_lost > b->max_double_lost)
                    b->max_double_lost = r.stores_lost;
                if (first || worse(&r, &b->worst_double))
                    b->worst_double = r;
                first = 0;
            }
    }
    free(load);
    free(pair);
    return b;
}

void ss_balance_free(struct ss_balance *b)
{
    if (b == NULL)
        return;
    free(b->masters);
    free(b->replicas);
    free(b->fair);
    free(b->failover);
    free(b->single);
    free(b->double_bound);
    free(b);
}
