/* live_cib.c - connect to the CIB through libcib (honours CIB_file). */
#include "live_cib.h"

#include <errno.h>
#include <stdlib.h>

#include <crm/common/logging.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>

int live_cib_open(struct live_cib *lc, const char *who, struct ss_error *err)
{
    /* also loads Pacemaker's schemas, which the CIB file backend validates against */
    crm_log_cli_init("slotstore");
    lc->current = NULL;
    lc->cib = cib_new();
    int rc = lc->cib ? lc->cib->cmds->signon(lc->cib, "slotstore", cib_command) : -ENOMEM;
    if (rc == pcmk_ok)
        rc = lc->cib->cmds->query(lc->cib, NULL, &lc->current, cib_sync_call | cib_scope_local);
    if (rc == pcmk_ok)
        return 0;
    const char *file = getenv("CIB_file");
    if (file && *file)
        /* the file backend loads and validates the whole file at signon */
        return ss_error_set(err, SS_ERR_RUNTIME,
                            "%s: Pacemaker cannot load CIB_file=%s: %s; it must be a CIB that "
                            "Pacemaker's schema accepts ('CIB_file=%s cibadmin -Q' shows why not)",
                            who, file, pcmk_strerror(rc), file);
    return ss_error_set(err, SS_ERR_RUNTIME,
                        "%s: cannot read the CIB: %s; is the cluster running (or CIB_file set)?",
                        who, pcmk_strerror(rc));
}

int live_cib_replace(struct live_cib *lc, const char *section, xmlNodePtr data, const char *who,
                     struct ss_error *err)
{
    int rc = lc->cib->cmds->replace(lc->cib, section, data, cib_sync_call);
    if (rc == pcmk_ok)
        return 0;
    return ss_error_set(err, SS_ERR_RUNTIME,
                        "%s: the CIB refused the change: %s; nothing was changed", who,
                        pcmk_strerror(rc));
}

void live_cib_close(struct live_cib *lc)
{
    if (lc->current)
        free_xml(lc->current);
    if (lc->cib) {
        lc->cib->cmds->signoff(lc->cib);
        cib_delete(lc->cib);
    }
    lc->current = NULL;
    lc->cib = NULL;
}
