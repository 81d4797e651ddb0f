/* flow.c - Dinic's maximum flow on an adjacency-array graph; least cost by
 * primal-dual: shortest distances from the source, then Dinic on the edges
 * on shortest paths only, until the sink is out of reach.  The planner's
 * costs are a few small integers, so there are few distinct distances and
 * few rounds. */
#include "flow.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct edge {
    int to;
    int cap;      /* residual capacity */
    int cost;     /* per unit; the reverse edge has its negation */
    int next;     /* next edge out of the same node, -1 ends */
};

struct ss_flow {
    int nodes;
    int nedges, capedges;
    struct edge *e;
    int *head;
    int *level;
    int *iter;
    int *queue;
    int *orig;    /* original capacity per forward edge (indexed by edge id / 2) */
    long *dist;   /* least cost from the source (min-cost runs only, else NULL) */
    unsigned char *queued;
    int *times_queued;
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "slotstore: out of memory\n");
        abort();
    }
    return p;
}

struct ss_flow *ss_flow_new(int nodes)
{
    struct ss_flow *f = xcalloc(1, sizeof(*f));
    f->nodes = nodes;
    f->head = xcalloc((size_t)nodes, sizeof(int));
    memset(f->head, -1, sizeof(int) * (size_t)nodes);
    f->level = xcalloc((size_t)nodes, sizeof(int));
    f->iter = xcalloc((size_t)nodes, sizeof(int));
    f->queue = xcalloc((size_t)nodes, sizeof(int));
    return f;
}

void ss_flow_free(struct ss_flow *f)
{
    if (f == NULL)
        return;
    free(f->e);
    free(f->orig);
    free(f->head);
    free(f->level);
    free(f->iter);
    free(f->queue);
    free(f);
}

static void push_edge(struct ss_flow *f, int u, int v, int cap, int cost)
{
    if (f->nedges == f->capedges) {
        f->capedges = f->capedges ? f->capedges * 2 : 64;
        struct edge *e = realloc(f->e, sizeof(*e) * (size_t)f->capedges);
        int *o = realloc(f->orig, sizeof(int) * (size_t)(f->capedges / 2 + 1));
        if (e == NULL || o == NULL) {
            fprintf(stderr, "slotstore: out of memory\n");
            abort();
        }
        f->e = e;
        f->orig = o;
    }
    f->e[f->nedges] = (struct edge){.to = v, .cap = cap, .cost = cost, .next = f->head[u]};
    f->head[u] = f->nedges++;
}

int ss_flow_add_edge_cost(struct ss_flow *f, int u, int v, int cap, int cost)
{
    int id = f->nedges;
    push_edge(f, u, v, cap, cost);
    push_edge(f, v, u, 0, -cost);
    f->orig[id / 2] = cap;
    return id;
}

int ss_flow_add_edge(struct ss_flow *f, int u, int v, int cap)
{
    return ss_flow_add_edge_cost(f, u, v, cap, 0);
}

void ss_flow_preset(struct ss_flow *f, int edge, int flow)
{
    f->e[edge].cap -= flow;
    f->e[edge ^ 1].cap += flow;
}

/* May flow use edge i out of u?  Residual capacity, and in a min-cost run
 * only on a shortest path. */
static int usable(const struct ss_flow *f, int u, int i)
{
    if (f->e[i].cap <= 0)
        return 0;
    return f->dist == NULL || f->dist[f->e[i].to] == f->dist[u] + f->e[i].cost;
}

static int bfs(struct ss_flow *f, int s, int t)
{
    memset(f->level, -1, sizeof(int) * (size_t)f->nodes);
    int qh = 0, qt = 0;
    f->queue[qt++] = s;
    f->level[s] = 0;
    while (qh < qt) {
        int u = f->queue[qh++];
        for (int i = f->head[u]; i >= 0; i = f->e[i].next) {
            if (usable(f, u, i) && f->level[f->e[i].to] < 0) {
                f->level[f->e[i].to] = f->level[u] + 1;
                f->queue[qt++] = f->e[i].to;
            }
        }
    }
    return f->level[t] >= 0;
}

/* Iterative blocking-flow DFS (no recursion: networks can be deep). */
static long augment(struct ss_flow *f, int s, int t)
{
    long total = 0;
    int *path = xcalloc((size_t)f->nodes, sizeof(int)); /* edge ids along the path */
    for (;;) {
        int depth = 0, u = s;
        while (u != t) {
            int i;
            for (i = f->iter[u]; i >= 0; i = f->e[i].next)
                if (usable(f, u, i) && f->level[f->e[i].to] == f->level[u] + 1)
                    break;
            f->iter[u] = i;
            if (i < 0) {
                if (depth == 0)
                    goto done;
                f->level[u] = -1;  /* dead end: retreat */
                depth--;
                u = f->e[path[depth] ^ 1].to;
                continue;
            }
            path[depth++] = i;
            u = f->e[i].to;
        }
        int push = f->e[path[0]].cap;
        for (int d = 1; d < depth; d++)
            if (f->e[path[d]].cap < push)
                push = f->e[path[d]].cap;
        for (int d = 0; d < depth; d++) {
            f->e[path[d]].cap -= push;
            f->e[path[d] ^ 1].cap += push;
        }
        total += push;
    }
done:
    free(path);
    return total;
}

long ss_flow_run(struct ss_flow *f, int s, int t)
{
    long total = 0;
    while (bfs(f, s, t)) {
        for (int u = 0; u < f->nodes; u++)
            f->iter[u] = f->head[u];
        total += augment(f, s, t);
    }
    return total;
}

/* Least costs from s over residual edges (no negative cycles: the flow so
 * far is of least cost); the queue-based Bellman-Ford.  Unreached: LONG_MAX.
 * -1 if a node was queued more often than there are nodes: a negative cycle
 * (a preset flow not of least cost), where this would never end. */
static int shortest(struct ss_flow *f, int s)
{
    int n = f->nodes, qh = 0, qt = 0;
    for (int u = 0; u < n; u++) {
        f->dist[u] = LONG_MAX;
        f->times_queued[u] = 0;
    }
    memset(f->queued, 0, (size_t)n);
    f->dist[s] = 0;
    f->queue[qt++] = s;
    f->queued[s] = 1;
    int count = 1;
    while (count > 0) {
        int u = f->queue[qh];
        qh = (qh + 1) % n;
        count--;
        f->queued[u] = 0;
        for (int i = f->head[u]; i >= 0; i = f->e[i].next) {
            int v = f->e[i].to;
            if (f->e[i].cap <= 0 || f->dist[u] + f->e[i].cost >= f->dist[v])
                continue;
            f->dist[v] = f->dist[u] + f->e[i].cost;
            if (!f->queued[v]) {
                if (++f->times_queued[v] > n)
                    return -1;
                f->queued[v] = 1;
                f->queue[qt] = v;
                qt = (qt + 1) % n;
                count++;
            }
        }
    }
    return 0;
}

long ss_flow_run_min_cost(struct ss_flow *f, int s, int t)
{
    long total = 0;
    f->dist = xcalloc((size_t)f->nodes, sizeof(long));
    f->queued = xcalloc((size_t)f->nodes, 1);
    f->times_queued = xcalloc((size_t)f->nodes, sizeof(int));
    for (;;) {
        if (shortest(f, s) != 0) { /* the caller broke the contract: a maximum flow at least */
            free(f->dist);
            f->dist = NULL;
            total += ss_flow_run(f, s, t);
            break;
        }
        if (f->dist[t] == LONG_MAX)
            break;
        /* unreached nodes keep LONG_MAX: no edge into them is usable */
        long pushed = ss_flow_run(f, s, t);
        if (pushed == 0)
            break;
        total += pushed;
    }
    free(f->dist);
    free(f->queued);
    free(f->times_queued);
    f->dist = NULL;
    f->queued = NULL;
    f->times_queued = NULL;
    return total;
}

int ss_flow_edge_flow(const struct ss_flow *f, int edge)
{
    return f->orig[edge / 2] - f->e[edge].cap;
}

void ss_flow_set_cap(struct ss_flow *f, int edge, int cap)
{
    int used = ss_flow_edge_flow(f, edge);
    if (cap < used)
        cap = used;
    f->e[edge].cap = cap - used;
    f->orig[edge / 2] = cap;
}
