/* placement_int.h - helpers shared by the planner's files (not installed). */
#ifndef SS_PLACEMENT_INT_H
#define SS_PLACEMENT_INT_H

#include <stddef.h>

#include <glib.h>

#include "placement.h"

/* What re-plan moves weigh against each other, wherever plans are compared
 * by their moves: a slot move copies a store's data, a master move is a
 * planned switchover. */
#define SS_W_SLOT 3LL
#define SS_W_MASTER 1LL

void *ss_xcalloc(size_t n, size_t size);
char *ss_xstrdup(const char *s);

/* Split total proportionally to weight, each part within cap (NULL: none),
 * each the floor or ceiling of its share.  0, or -1 if the caps are too small. */
int ss_apportion(int n, const double *weight, const int *cap, long total, int *out);
/* Smallest level L with sum over receivers of min(cap, max(0, L - m)) >= moving; -1 if none. */
int ss_waterfill(int n, const int *m, const int *cap, const unsigned char *receiver, long moving);
int ss_pair_allowed(const struct ss_topology *t, int a, int b);
int ss_triple_allowed(const struct ss_topology *t, int a, int b, int c);
/* May machine x join a store whose first n copies are on machines[0..n-1]
 * (distinct machines, the zone rule)? */
int ss_copy_allowed(const struct ss_topology *t, const int *machines, int n, int x);
/* Floor (lo) and ceiling (hi) of S * slots / total: the fair share of S
 * masters of a machine or zone with that many of all total slots. */
void ss_fair_share(long S, long slots, long total, int *lo, int *hi);
/* Floor (lo) and ceiling (hi) of machine i's fair share of S masters. */
void ss_master_share(const struct ss_topology *t, int S, int i, int *lo, int *hi);
int ss_max_stores(const struct ss_topology *t);
int ss_pair_cap(const struct ss_topology *t, const int *n, int S);
/* Per machine: copies n, masters m, first (r1) and second (r2) failover copies
 * for S stores. */
int ss_plan_targets(const struct ss_topology *t, int S, int *n, int *m, int *r1, int *r2,
                    struct ss_error *err);
/* May copy counts leave the proportional targets (spread_replicas,
 * ss_plan_targets_kept)?  Not for 3-slot stores in 3 or more zones, whose
 * stores hold one copy per zone. */
int ss_copy_counts_may_move(const struct ss_topology *t);
/* A re-plan's copy targets that keep copies where they are (kept: copies
 * per machine now): the first failovers at the single-failure levels of the
 * targets n (in: ss_plan_targets'), raised by `raise` (and further where
 * none fit), as few moving in as can be, with the masters m; n, r1, r2 get
 * them.  2-slot stores, and 3-slot stores in fewer than 3 zones.  Returns 1
 * where they differ from n's, 0 where not or where no such targets take
 * every store (n, r1, r2 then unchanged). */
int ss_plan_targets_kept(const struct ss_topology *t, int S, const int *kept, int raise, int *n,
                         const int *m, int *r1, int *r2);
/* Lower double-failure excess of 2-slot stores by 4-cycle exchanges on F. */
void ss_repair_double_failures(int M, const int *m, const int *room, const int *L, int *F,
                               int pcap, const unsigned char *allowed, long budget);
/* The same for 3-slot stores, on a materialized placement (before slot numbers). */
void ss_repair_double_failures3(const struct ss_topology *t, struct ss_placement *pl,
                                const int *m, const int *room, long budget);
/* Lower bound for the busiest survivor when a and b fail (zones respected),
 * counting from `from` up; F gives the stores on both as master and first failover. */
int ss_double_level(const struct ss_topology *t, const int *m, const int *room, const int *F,
                    int a, int b, int from);
/* The bound for the busiest survivor when a and b fail, for 3-slot stores
 * with master counts m, replica counts room and first failovers F: as
 * ss_double_level with zones, water-filling without, at least the busiest
 * survivor's own masters.  alive (M entries) gets 1 for every survivor. */
int ss_double_bound3(const struct ss_topology *t, const int *m, const int *room, const int *F,
                     int a, int b, unsigned char *alive);
/* Local search on a 3-slot placement (at most 64 machines): lower single then
 * double failure excess keeping master and copy counts; with `old`, changed
 * sets stay within `budget` copies moved off their old machines.  Where
 * failures stay over after `work`, breakout_work (0: none) more goes to a
 * search that weighs the failures it is stuck on more and more. */
void ss_polish3(const struct ss_topology *t, struct ss_placement *pl,
                const struct ss_placement *old, int budget, long work, long breakout_work);
/* 2-slot stores, the same for re-plans (at most 64 machines): pairs over
 * pcap, then single and double failure excess, within `budget` copies moved
 * off old's machines; breakout_work as for ss_polish3. */
void ss_polish2(const struct ss_topology *t, struct ss_placement *pl,
                const struct ss_placement *old, int budget, int pcap, long work,
                long breakout_work);
/* A fresh 2-slot plan's pairs made as even as the search gets them, kept
 * only if no failure gets worse (so that an added machine takes over the
 * surplus of crowded pairs instead of filling empty ones: few slot moves). */
void ss_even_pairs(const struct ss_topology *t, struct ss_placement *pl, int pcap, long work);
/* The polish's price of `load` over `target`: w for 1 over, w * 1024 for 2,
 * w * 1024^2 for 3, then linear (no trade of many small excesses for one
 * larger one: the properties bound the worst failure). */
typedef long long cost_t;
cost_t ss_excess_cost(int load, int target, cost_t w);
/* Each machine's single-failure level: its masters water-filled over the
 * machines the zone rule lets them fail over to, at least the busiest other. */
void ss_single_levels(const struct ss_topology *t, const int *m, const int *room, int *L);
/* S stores meeting property 1 only (distinct machines, the zone rule, slots,
 * masters within floor..ceil of every machine's share), for topologies the
 * balanced planner cannot fill; ignores fixed stores.  0, or -1 when it
 * finds none. */
int ss_plan_basic(const struct ss_topology *t, int S, struct ss_placement **out);
/* The re-plan of a fresh plan the zone rule left holes in (machine -1):
 * keeps what was placed, fills the holes; no fresh plan stands in. */
int ss_replan_holes(const struct ss_topology *topo, const struct ss_placement *partial,
                    struct ss_placement **out, struct ss_error *err);
/* Slot numbers after a search changed stores' machines: a copy on one of its
 * store's machines in `old` (NULL: none) keeps that slot (0 if that slot is
 * gone), any other gets 0 (ss_assign_slots picks one); fixed stores keep theirs. */
void ss_keep_old_slots(struct ss_placement *pl, const struct ss_placement *old);
/* The planner's searches' random numbers (xorshift32): fast, and the same
 * sequence on every machine, so plans are reproducible. */
static inline unsigned ss_xorshift(unsigned *rng)
{
    *rng ^= *rng << 13;
    *rng ^= *rng >> 17;
    *rng ^= *rng << 5;
    return *rng;
}
/* Exchange copy ca of store a with copy cb of store b (machine and slot). */
void ss_store_swap(struct ss_store *a, int ca, struct ss_store *b, int cb);
/* Which of store st's first k copies is on machine (0: its master), or -1. */
static inline int ss_copy_index(const struct ss_store *st, int k, int machine)
{
    for (int c = 0; c < k; c++)
        if (st->machine[c] == machine)
            return c;
    return -1;
}
/* pl's stores grouped by master: those led by machine u are
 * lead[lead_at[u] .. lead_at[u+1]) in store order (lead: nstores entries,
 * lead_at: M + 1); stores without a master are left out. */
void ss_stores_by_master(const struct ss_placement *pl, int M, int *lead, int *lead_at);
/* How many of old's stores (those pl still has) pl gives another master. */
int ss_master_moves(const struct ss_placement *old, const struct ss_placement *pl);
/* How far a plan is from the failure bounds (balance.c's): the worst single
 * failure's busiest survivor over its bound, then the worst double failure's. */
void ss_plan_excess(const struct ss_placement *pl, int *single, int *dbl);
int ss_assign_slots(const struct ss_topology *t, struct ss_placement *pl, struct ss_error *err);
int ss_name_width(int nstores);
char *ss_next_store_name(const struct ss_topology *t, GHashTable *taken, int *counter, int width);

#endif
