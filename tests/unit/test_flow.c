/* test_flow.c - the flow module (lib/flow.c) against brute force: maximum
 * flow, and least cost among maximum flows, on small random assignment
 * networks of the shape the re-planner's order flow has (source -> store ->
 * group -> machine -> sink, a cost on each store's choice). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "harness.h"

#define MAX_STORES 6
#define MAX_CHOICES 3
#define GROUPS 4
#define MACHINES 3

/* Stores choose one of their choices (a group) or none; a group holds at
 * most gcap[g] stores and feeds machine gm[g], which holds at most mcap[m]. */
struct network {
    int stores, nchoice[MAX_STORES], group[MAX_STORES][MAX_CHOICES];
    int cost[MAX_STORES][MAX_CHOICES];
    int gcap[GROUPS], gm[GROUPS], mcap[MACHINES];
};

static unsigned next(unsigned *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void generate(struct network *n, unsigned *rng)
{
    memset(n, 0, sizeof(*n));
    n->stores = 1 + (int)(next(rng) % MAX_STORES);
    for (int g = 0; g < GROUPS; g++) {
        n->gcap[g] = (int)(next(rng) % 3);
        n->gm[g] = (int)(next(rng) % MACHINES);
    }
    for (int m = 0; m < MACHINES; m++)
        n->mcap[m] = (int)(next(rng) % 4);
    for (int s = 0; s < n->stores; s++) {
        n->nchoice[s] = 1 + (int)(next(rng) % MAX_CHOICES);
        for (int c = 0; c < n->nchoice[s]; c++) {
            n->group[s][c] = (int)(next(rng) % GROUPS);
            n->cost[s][c] = (int)(next(rng) % 11);
        }
    }
}

/* Every assignment (choice index or -1 per store): the most stores placed
 * within the capacities, and the least cost of placing that many. */
static void brute_force(const struct network *n, int *best_flow, long *best_cost)
{
    int pick[MAX_STORES];
    long combos = 1;
    for (int s = 0; s < n->stores; s++)
        combos *= n->nchoice[s] + 1;
    *best_flow = -1;
    *best_cost = 0;
    for (long x = 0; x < combos; x++) {
        long y = x;
        int gl[GROUPS] = {0}, ml[MACHINES] = {0}, flow = 0, ok = 1;
        long cost = 0;
        for (int s = 0; s < n->stores; s++) {
            pick[s] = (int)(y % (n->nchoice[s] + 1)) - 1;
            y /= n->nchoice[s] + 1;
            if (pick[s] < 0)
                continue;
            int g = n->group[s][pick[s]];
            gl[g]++;
            ml[n->gm[g]]++;
            flow++;
            cost += n->cost[s][pick[s]];
        }
        for (int g = 0; g < GROUPS; g++)
            ok &= gl[g] <= n->gcap[g];
        for (int m = 0; m < MACHINES; m++)
            ok &= ml[m] <= n->mcap[m];
        if (ok && (flow > *best_flow || (flow == *best_flow && cost < *best_cost))) {
            *best_flow = flow;
            *best_cost = cost;
        }
    }
}

/* The network as a flow: its value (min_cost: at least cost, then *cost). */
static long solve(const struct network *n, int min_cost, long *cost)
{
    int src = 0, st0 = 1, g0 = st0 + MAX_STORES, m0 = g0 + GROUPS, sink = m0 + MACHINES;
    int edge[MAX_STORES][MAX_CHOICES];
    struct ss_flow *f = ss_flow_new(sink + 1);
    for (int g = 0; g < GROUPS; g++)
        ss_flow_add_edge(f, g0 + g, m0 + n->gm[g], n->gcap[g]);
    for (int m = 0; m < MACHINES; m++)
        ss_flow_add_edge(f, m0 + m, sink, n->mcap[m]);
    for (int s = 0; s < n->stores; s++) {
        ss_flow_add_edge(f, src, st0 + s, 1);
        for (int c = 0; c < n->nchoice[s]; c++)
            edge[s][c] = ss_flow_add_edge_cost(f, st0 + s, g0 + n->group[s][c], 1, n->cost[s][c]);
    }
    long got = min_cost ? ss_flow_run_min_cost(f, src, sink) : ss_flow_run(f, src, sink);
    *cost = 0;
    for (int s = 0; s < n->stores; s++)
        for (int c = 0; c < n->nchoice[s]; c++)
            *cost += (long)n->cost[s][c] * ss_flow_edge_flow(f, edge[s][c]);
    ss_flow_free(f);
    return got;
}

static void random_networks(int count)
{
    unsigned rng = 2463534242u;
    int wrong_max = 0, wrong_flow = 0, wrong_cost = 0, first = -1;
    for (int i = 0; i < count; i++) {
        struct network n;
        generate(&n, &rng);
        int want;
        long want_cost, cost;
        brute_force(&n, &want, &want_cost);
        int bad = 0;
        if (solve(&n, 0, &cost) != want) {
            wrong_max++;
            bad = 1;
        }
        long got = solve(&n, 1, &cost);
        if (got != want) {
            wrong_flow++;
            bad = 1;
        } else if (cost != want_cost) {
            wrong_cost++;
            bad = 1;
        }
        if (bad && first < 0)
            first = i;
    }
    CHECK(wrong_max == 0, "maximum flow equals brute force on %d random networks (%d differ)",
          count, wrong_max);
    CHECK(wrong_flow == 0 && wrong_cost == 0,
          "least-cost flow: brute force's value on %d random networks (%d differ), and its "
          "least cost (%d differ; first wrong network: %d)",
          count, wrong_flow, wrong_cost, first);
}

/* A preset flow on cost-0 edges is kept where it is cheapest and extended:
 * two stores, each free on its own machine; the second may also go to the
 * first's machine at cost 5.  The flow must not move the first store. */
static void warm_start(void)
{
    struct ss_flow *f = ss_flow_new(6);
    int src = 0, a = 1, b = 2, ma = 3, mb = 4, sink = 5;
    int sa = ss_flow_add_edge(f, src, a, 1), sb = ss_flow_add_edge(f, src, b, 1);
    int a_ma = ss_flow_add_edge_cost(f, a, ma, 1, 0);
    int b_ma = ss_flow_add_edge_cost(f, b, ma, 1, 5), b_mb = ss_flow_add_edge_cost(f, b, mb, 1, 0);
    int ma_t = ss_flow_add_edge(f, ma, sink, 1);
    ss_flow_add_edge(f, mb, sink, 1);
    ss_flow_preset(f, sa, 1);
    ss_flow_preset(f, a_ma, 1);
    ss_flow_preset(f, ma_t, 1);
    long got = ss_flow_run_min_cost(f, src, sink);
    CHECK(got == 1 && ss_flow_edge_flow(f, a_ma) == 1 && ss_flow_edge_flow(f, b_mb) == 1 &&
              ss_flow_edge_flow(f, b_ma) == 0 && ss_flow_edge_flow(f, sb) == 1,
          "least-cost flow continues a preset flow of cost 0 (added %ld)", got);
    ss_flow_free(f);
}

/* Least cost may need to reroute: store a is cheapest on machine x (cost 0)
 * but b can only go there; a then goes to y at cost 3, not b left out. */
static void reroute(void)
{
    struct ss_flow *f = ss_flow_new(6);
    int src = 0, a = 1, b = 2, x = 3, y = 4, sink = 5;
    ss_flow_add_edge(f, src, a, 1);
    ss_flow_add_edge(f, src, b, 1);
    int a_x = ss_flow_add_edge_cost(f, a, x, 1, 0), a_y = ss_flow_add_edge_cost(f, a, y, 1, 3);
    int b_x = ss_flow_add_edge_cost(f, b, x, 1, 7);
    ss_flow_add_edge(f, x, sink, 1);
    ss_flow_add_edge(f, y, sink, 1);
    long got = ss_flow_run_min_cost(f, src, sink);
    CHECK(got == 2 && ss_flow_edge_flow(f, a_x) == 0 && ss_flow_edge_flow(f, a_y) == 1 &&
              ss_flow_edge_flow(f, b_x) == 1,
          "least-cost flow takes the dearer choices a maximum flow needs (flow %ld)", got);
    ss_flow_free(f);
}

/* A preset flow that is not of least cost leaves a negative cycle: the run
 * must still end, with a maximum flow.  Store a is preset on x at cost 5
 * while y is free for it at 0 (the cycle a -> y -> sink -> x -> a). */
static void dear_preset(void)
{
    struct ss_flow *f = ss_flow_new(6);
    int src = 0, a = 1, b = 2, x = 3, y = 4, sink = 5;
    int sa = ss_flow_add_edge(f, src, a, 1);
    ss_flow_add_edge(f, src, b, 1);
    int a_x = ss_flow_add_edge_cost(f, a, x, 1, 5);
    ss_flow_add_edge_cost(f, a, y, 1, 0);
    ss_flow_add_edge_cost(f, b, y, 1, 0);
    int x_t = ss_flow_add_edge(f, x, sink, 1);
    ss_flow_add_edge(f, y, sink, 1);
    ss_flow_add_edge(f, sink, x, 1); /* a way back, so the cycle exists */
    ss_flow_preset(f, sa, 1);
    ss_flow_preset(f, a_x, 1);
    ss_flow_preset(f, x_t, 1);
    long got = ss_flow_run_min_cost(f, src, sink);
    CHECK(got == 1, "least-cost flow ends on a preset flow that is not of least cost, with a "
                    "maximum flow (added %ld)", got);
    ss_flow_free(f);
}

int main(int argc, char **argv)
{
    random_networks(argc > 1 ? atoi(argv[1]) : 3000);
    warm_start();
    reroute();
    dear_preset();
    DONE();
}
