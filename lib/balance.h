/* balance.h - what a placement does when machines fail.
 *
 * Pure counting on a placement, used for the report of `slotstore plan`
 * and the SVG.  (The tests use their own independent checker.)
 */
#ifndef SS_BALANCE_H
#define SS_BALANCE_H

#include "placement.h"

struct ss_failure_result {
    int failed[2];       /* failed machine indexes, failed[1] = -1 for single */
    int busiest;         /* machine index of the busiest survivor */
    int busiest_masters; /* its master count after failover */
    int lower_bound;     /* least busiest survivor any failover order allows (zones too) */
    int stores_lost;     /* stores with every copy on failed machines */
    int receivers;       /* survivors that received at least one master */
};

struct ss_balance {
    int nmachines;
    int *masters;        /* per machine, planned */
    int *replicas;       /* per machine */
    double *fair;        /* per machine fair share of masters */
    int *failover;       /* nmachines x nmachines: [a*n+b] = a's masters that go to b first */
    struct ss_failure_result *single;   /* one per machine */
    int nsingle;
    struct ss_failure_result worst_single;
    struct ss_failure_result worst_double;  /* only when computed */
    int doubles_computed;
    int single_excess;       /* most masters any single failure leaves above its bound */
    int single_least_excess; /* the least single_excess any placement with these master
                              * and replica counts can have (see ss_single_least_excess) */
    int max_pair;        /* most stores sharing one machine pair */
    int max_double_busiest; /* most masters on a survivor over every double failure */
    int max_double_lost;    /* most stores lost by one double failure */
    int lost_bound;         /* 2-slot stores: the most stores on one machine pair that
                             * any placement with these copy counts must have (so some
                             * double failure loses that many; ss_pair_cap); 0 for 3 */
    int *double_bound;      /* nmachines x nmachines, [a*n+b] = [b*n+a]: lower bound when a
                             * and b fail; NULL unless doubles were computed */
};

/* Compute the balance report; `doubles` adds every double failure (O(M^2 * stores)). */
struct ss_balance *ss_balance_compute(const struct ss_placement *p, int doubles);
void ss_balance_free(struct ss_balance *b);

/* Masters per machine after the machines in `failed` (indexes, count n) are
 * gone: each store's master goes to its first surviving copy.  `load` has
 * nmachines entries; returns the number of stores left without any copy. */
int ss_balance_after_failure(const struct ss_placement *p, const int *failed, int n, int *load);

/* Lower bound for the busiest survivor when the machines in `failed` (n = 1
 * or 2) fail: the least level at which every moving master fits in the room
 * (replicas) of a survivor it may fail over to, the zone rule of `t`
 * respected (water-filling when there are no zones).  Uses only b's masters,
 * replicas and failover counts, so a caller judging a placement it did not
 * plan (simulate) fills just those. */
int ss_balance_lower_bound(const struct ss_topology *t, const struct ss_balance *b,
                           const int *failed, int n);

/* May a master on machine a fail over to machine b under t's zone rule?
 * (the `allowed` of ss_single_least_excess, ctx = t) */
int ss_balance_zone_allows(const void *t, int a, int b);

/* Each single failure's bound is reachable alone, but not always all of them
 * at once: with 2-slot stores every replica is some master's first failover,
 * so a machine at the master ceiling receives first failovers and exceeds
 * the bound of some failure.  The least s >= 0 such that every machine a can
 * send its masters[a] first failovers to other machines b with b taking at
 * most bound[a] + s - masters[b] of a's and at most room[b] in all, only
 * where allowed(ctx, a, b) (NULL: any other machine).  Every placement with
 * these counts has a single failure at least s above its bound.  -1 when no
 * s fits (too little room). */
int ss_single_least_excess(int M, const int *masters, const int *room, const int *bound,
                           int (*allowed)(const void *ctx, int a, int b), const void *ctx);

#endif
