/* balance.c - failure analysis of a placement (for reports, not for tests). */
#include "balance.h"

#include <stdlib.h>
#include <string.h>

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

int ss_balance_lower_bound(const struct ss_placement *p, const int *masters, const int *failed,
                           int n, int moving)
{
    int M = p->topo->nmachines;
    unsigned char *recv = ss_xcalloc((size_t)M, 1);
    int *room = ss_xcalloc((size_t)M, sizeof(int));
    int *copies = ss_xcalloc((size_t)M, sizeof(int));
    for (int s = 0; s < p->nstores; s++)
        for (int c = 0; c < p->copies; c++)
            if (p->stores[s].machine[c] >= 0)
                copies[p->stores[s].machine[c]]++;
    int busiest = 0;
    for (int b = 0; b < M; b++) {
        recv[b] = 1;
        for (int i = 0; i < n; i++)
            if (failed[i] == b)
                recv[b] = 0;
        room[b] = copies[b] - masters[b];
        if (recv[b] && masters[b] > busiest)
            busiest = masters[b];
    }
    int level = ss_waterfill(M, masters, room, recv, moving);
    free(recv);
    free(room);
    free(copies);
    return level > busiest ? level : busiest;
}

static void analyse(const struct ss_placement *p, const int *masters, const int *failed, int n,
                    int *load, struct ss_failure_result *r)
{
    int M = p->topo->nmachines;
    r->failed[0] = failed[0];
    r->failed[1] = n > 1 ? failed[1] : -1;
    r->stores_lost = ss_balance_after_failure(p, failed, n, load);
    int moving = 0;
    for (int i = 0; i < n; i++)
        moving += masters[failed[i]];
    /* masters of failed machines whose store has no surviving copy do not move */
    r->lower_bound = ss_balance_lower_bound(p, masters, failed, n, moving - r->stores_lost);
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
    for (int i = 0; i < M; i++)
        b->fair[i] = total_slots ? (double)p->nstores * p->topo->machines[i].slots / total_slots : 0;
    int *load = ss_xcalloc((size_t)M, sizeof(int));
    for (int f = 0; f < M; f++) {
        analyse(p, b->masters, &f, 1, load, &b->single[f]);
        if (f == 0 || worse(&b->single[f], &b->worst_single))
            b->worst_single = b->single[f];
    }
    if (doubles && M >= 2) {
        b->doubles_computed = 1;
        int first = 1;
        for (int x = 0; x < M; x++)
            for (int y = x + 1; y < M; y++) {
                int failed[2] = {x, y};
                struct ss_failure_result r;
                analyse(p, b->masters, failed, 2, load, &r);
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
    free(b);
}
