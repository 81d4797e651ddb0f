/* live_cib.h - the cluster's CIB (or CIB_file) for commands that change it:
 * one connection, one query, changes as one replace of a section. */
#ifndef SS_LIVE_CIB_H
#define SS_LIVE_CIB_H

#include <crm/cib.h>

#include "error.h"

struct live_cib {
    cib_t *cib;
    xmlNode *current;   /* the whole CIB as read at open */
};

/* Connect and read the CIB; `who` names the command in messages. */
int live_cib_open(struct live_cib *lc, const char *who, struct ss_error *err);
/* Replace one configuration section ("configuration", "nodes", ...) in one
 * transaction; nothing changes when it fails. */
int live_cib_replace(struct live_cib *lc, const char *section, xmlNodePtr data, const char *who,
                     struct ss_error *err);
void live_cib_close(struct live_cib *lc);

#endif
