/* cyrus_agent.h - pieces of ocf:slotstore:cyrus shared between its files. */
#ifndef SS_CYRUS_AGENT_H
#define SS_CYRUS_AGENT_H

#include "config.h"

int cyrus_meta_data(void);

#define SCORE_INSYNC "1000"
#define SCORE_UNKNOWN "1"
#define SCORE_OUTDATED "-INFINITY"

#endif
