/* flow.h - integral maximum flow (Dinic), used to round and repair placements,
 * and its least-cost form (primal-dual: Dinic on the shortest paths).
 *
 * Small and general: the planner builds bipartite networks (masters ->
 * failover targets, stores -> machines) and reads the flow on each edge.
 */
#ifndef SS_FLOW_H
#define SS_FLOW_H

struct ss_flow;

struct ss_flow *ss_flow_new(int nodes);
void ss_flow_free(struct ss_flow *f);
/* Add an edge u->v with capacity cap; returns its id (for ss_flow_edge_flow). */
int ss_flow_add_edge(struct ss_flow *f, int u, int v, int cap);
/* Add an edge u->v with capacity cap and a cost per unit of flow (>= 0),
 * for ss_flow_run_min_cost; ss_flow_add_edge adds cost 0. */
int ss_flow_add_edge_cost(struct ss_flow *f, int u, int v, int cap, int cost);
/* Push as much flow as possible from s to t; returns the flow value. */
long ss_flow_run(struct ss_flow *f, int s, int t);
/* The same at the least total cost (any preset flow must be of least cost
 * for its value, e.g. on cost-0 edges only; else the flow is maximum, its
 * cost not least); returns the flow value. */
long ss_flow_run_min_cost(struct ss_flow *f, int s, int t);
/* Flow on an edge returned by ss_flow_add_edge. */
int ss_flow_edge_flow(const struct ss_flow *f, int edge);
/* Change an edge's capacity (never below its current flow); keeps the flow,
 * so a later ss_flow_run continues from it. */
void ss_flow_set_cap(struct ss_flow *f, int edge, int cap);
/* Preset flow on an edge before ss_flow_run (a warm start): the caller
 * must keep conservation; ss_flow_run then only augments. */
void ss_flow_preset(struct ss_flow *f, int edge, int flow);

#endif
