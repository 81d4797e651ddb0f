/* cyrus_agent.h - pieces of ocf:slotstore:cyrus shared between its files. */
#ifndef SS_CYRUS_AGENT_H
#define SS_CYRUS_AGENT_H

#include "config.h"

int cyrus_meta_data(void);

struct slot;
/* Replica side, after a cut or crash: mailboxes this former master created while cut
 * off go to the master (see cyrus_reconcile.c).  0 done or nothing to do, 1 retry at
 * the next monitor. */
int cyrus_reconcile(const struct slot *s);

/* The running master outscores an in-sync replica by more than the role=Promoted
 * preferences differ (at most 10 x (copies - 1)): masters stay where they are until an
 * operator or slotstore moves them, so a finished `pcs resource move` does not bounce
 * back and a rejoined machine does not take its masters back by itself. */
#define SCORE_MASTER "1100"
#define SCORE_INSYNC "1000"
#define SCORE_UNKNOWN "1"
#define SCORE_OUTDATED "-INFINITY"

#endif
