/* replan_int.h - the re-planner's working state, shared by placement_from.c
 * (which machines hold each store's copies) and replan_order.c (which
 * machines lead, and each store's failover order).  Library-internal.
 */
#ifndef SS_REPLAN_INT_H
#define SS_REPLAN_INT_H

#include "placement.h"
#include "placement_int.h" /* ss_copy_index */

struct replan {
    const struct ss_topology *t;
    struct ss_error *err;
    int M, k, S, S_old;
    int *n, *m, *r1, *r2;    /* targets */
    int *used;               /* copies per machine in the working placement */
    int *pair;               /* M*M stores sharing machines a and b */
    int pcap;
    unsigned char *fresh;    /* machines no old store uses */
    struct ss_placement *pl; /* working placement: sets first, order later */
    int free_any;            /* make_room may free slots new stores cannot use */
    int any_zone_masters;    /* master ceilings may pass whatever a zone's share */
    int least_moves;         /* the order flow takes, within the levels, the order of
                              * fewest master moves (else any, from the current one) */
    int zone_targets;        /* make_zone_room first raises a copy target in the zone
                              * short of room, before a kept copy leaves it */
};

/* Does store st have a copy (among its first k) on machine? */
static inline int replan_member(const struct ss_store *st, int k, int machine)
{
    return ss_copy_index(st, k, machine) >= 0;
}

/* Single-failure level of each machine under the new targets: its masters
 * water-filled over the machines the zone rule lets them fail over to
 * (M entries, the caller frees them). */
int *replan_single_levels(const struct replan *r);
/* How many stores the order flow can order at levels L (any master and
 * first failover among a store's machines, pair (a,b) at most L_a - m_b
 * stores, machine a at most m_a masters).  `left` (or NULL) gets 1 for each
 * store that flow leaves out. */
long replan_orderable(const struct replan *r, const int *L, unsigned char *left);
/* Pass the master ceilings the targets give by index to the machines that
 * lead more stores now (3-slot stores: new machines first). */
void replan_masters_follow_old(struct replan *r, const struct ss_placement *old);
/* 3-slot stores: pass master ceilings between machines while the order flow
 * can order more stores; returns how many it can. */
long replan_choose_master_ceilings(struct replan *r);
/* Pass one master ceiling from machine i to j where property 1 (and the
 * zones' shares, unless any_zone_masters) allows it; returns whether it did. */
int replan_pass_ceiling(struct replan *r, int i, int j);
/* The master and first failover store `was` has among the machines `now`
 * keeps, in lead[0..1] (-1: none): its old order with the machines it lost
 * left out, as a failure of those would promote. */
void replan_current_lead(const struct replan *r, const struct ss_store *was,
                         const struct ss_store *now, int lead[2]);
/* Order every store (master, first failover, rest) within the
 * single-failure levels, raised only as far as needed; 0, or an error when
 * no machine can take its share of masters. */
int replan_order_stores(struct replan *r, const struct ss_placement *old);
/* 3-slot stores: reorder for the double failures over bound + 1, keeping
 * every order within the single-failure levels. */
void replan_order_doubles(struct replan *r, const struct ss_placement *old);
/* How far a plan misses its bounds, in q[0..3] (worst first; q[3] slot moves). */
typedef void (*replan_measure)(const struct ss_placement *pl, void *ctx, int q[4]);
/* After a re-plan: give stores back their old masters by cycles of lead
 * hand-overs that keep every machine's master count (so property 1), each
 * kept only where measure's first three entries get no worse than q (which
 * follows).  Returns how many cycles it kept. */
int replan_restore_leads(struct ss_placement *pl, const struct ss_placement *old, int q[4],
                         replan_measure measure, void *ctx);

#endif
