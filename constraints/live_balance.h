/* live_balance.h - the balance figures of the cluster as it runs now: masters per
 * machine, and for each machine what would happen if it failed now (where Pacemaker
 * would promote each of its masters, by the agents' scores and the failover order). */
#ifndef SS_LIVE_BALANCE_H
#define SS_LIVE_BALANCE_H

#include "cluster_state.h"

struct lb_failure {
    int machine;       /* index in the cluster state's machines */
    int masters;       /* its masters now */
    int targets;       /* machines that would take them */
    int busiest;       /* machine index of the busiest survivor, -1 when none */
    int busiest_load;  /* its masters afterwards */
    int unconfirmed;   /* masters that would go to a replica not known in sync */
    int stranded;      /* masters with no replica that could be promoted */
};

struct live_balance {
    int online;            /* machines that can run masters (online, not standby) */
    int min_masters, max_masters;   /* over those machines */
    double fair;           /* stores / online */
    struct lb_failure *f;  /* one per machine that can run masters */
    int nf;
    int worst;             /* index in f of the worst failure, -1 when none */
};

/* Compute; free with live_balance_free.  0, or -1 when out of memory. */
int live_balance_compute(const struct cluster_state *st, struct live_balance *lb);
void live_balance_free(struct live_balance *lb);

#endif
