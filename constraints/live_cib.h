/* live_cib.h - the cluster's CIB (or CIB_file) for commands that change it:
 * one connection, a read, and changes written as one patch. */
#ifndef SS_LIVE_CIB_H
#define SS_LIVE_CIB_H

#include <crm/cib.h>

#include "error.h"

struct live_cib {
    cib_t *cib;
    xmlNode *current;   /* the whole CIB as last read */
};

/* When CIB_file is set: that it is a readable XML file whose root is <cib>,
 * else SS_ERR_RUNTIME with a message saying so and how to fix it (libcib only
 * says "No such device or address").  0 without CIB_file. */
int live_cib_check_file(const char *who, struct ss_error *err);

/* Connect and read the CIB (CIB_file checked first); `who` names the command
 * in messages. */
int live_cib_open(struct live_cib *lc, const char *who, struct ss_error *err);

/* What an edit did to the copy of the CIB it was handed. */
enum live_cib_edit {
    LIVE_CIB_CHANGED,
    LIVE_CIB_UNCHANGED,   /* nothing to write */
    LIVE_CIB_FAILED,      /* err is set; nothing is written */
};
typedef enum live_cib_edit (*live_cib_edit_fn)(xmlNode *cib, void *ctx, struct ss_error *err);

/* Change the CIB in one transaction that touches only what `edit` changed:
 * read the CIB afresh (lc->current), let `edit` change a copy (its
 * configuration sections; changes elsewhere are not written), and send the
 * sections that differ as a patch (cibadmin --patch).  Pacemaker applies a patch only to
 * the CIB version it was made from, so a change someone else makes between the
 * read and the write is never overwritten: the patch is refused, and the read,
 * edit and patch are done again (a few times) on the newer CIB.
 * Returns 0 written, 1 nothing to change, -1 failed (nothing written).
 * For tests, SLOTSTORE_TEST_HOOK_BEFORE_PATCH is a shell command run once,
 * between the first read and its patch (a concurrent change). */
int live_cib_commit(struct live_cib *lc, live_cib_edit_fn edit, void *ctx, const char *who,
                    struct ss_error *err);
void live_cib_close(struct live_cib *lc);

#endif
