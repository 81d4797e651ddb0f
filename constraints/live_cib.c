/* live_cib.c - connect to the CIB through libcib (honours CIB_file); write
 * changes as a version-checked patch. */
#include "live_cib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/parser.h>

#include <crm/common/logging.h>
#include <crm/common/nvpair.h>
#include <crm/common/results.h>
#include <crm/common/xml.h>

#include "xml_util.h"

/* Patches refused because the CIB changed meanwhile are retried this often. */
#define COMMIT_ATTEMPTS 8

static int connect_and_read(struct live_cib *lc)
{
    lc->cib = cib_new();
    int rc = lc->cib ? lc->cib->cmds->signon(lc->cib, "slotstore", cib_command) : -ENOMEM;
    if (rc == pcmk_ok)
        rc = lc->cib->cmds->query(lc->cib, NULL, &lc->current, cib_sync_call | cib_scope_local);
    return rc;
}

static int read_failed(int rc, const char *who, struct ss_error *err)
{
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

int live_cib_check_file(const char *who, struct ss_error *err)
{
    const char *file = getenv("CIB_file");
    if (file == NULL || *file == '\0')
        return 0;
    if (access(file, R_OK) != 0)
        return ss_error_set(err, SS_ERR_RUNTIME,
                            "%s: cannot read CIB_file=%s (%s); point CIB_file at a saved "
                            "CIB ('cibadmin -Q > FILE') or unset it to ask the cluster",
                            who, file, strerror(errno));
    xmlDocPtr doc = xmlReadFile(file, NULL,
                                XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    int is_cib = root && xmlStrcmp(root->name, BAD_CAST "cib") == 0;
    char why[300] = "its root element is not <cib>";
    const xmlError *e = doc ? NULL : xmlGetLastError();
    if (e && e->message)
        snprintf(why, sizeof(why), "line %d: %.*s", e->line, (int)strcspn(e->message, "\n"),
                 e->message);
    xmlFreeDoc(doc);
    if (is_cib)
        return 0;
    return ss_error_set(err, SS_ERR_RUNTIME,
                        "%s: CIB_file=%s is not a CIB (%s); give a file saved with "
                        "'cibadmin -Q'",
                        who, file, why);
}

int live_cib_open(struct live_cib *lc, const char *who, struct ss_error *err)
{
    int rc = live_cib_check_file(who, err);
    if (rc != 0)
        return rc;
    /* also loads Pacemaker's schemas, which the CIB file backend validates against */
    crm_log_cli_init("slotstore");
    lc->current = NULL;
    rc = connect_and_read(lc);
    return rc == pcmk_ok ? 0 : read_failed(rc, who, err);
}

/* Read the CIB again.  A new connection, as the file backend answers queries
 * from the copy it loaded at signon. */
static int reread(struct live_cib *lc, const char *who, struct ss_error *err)
{
    live_cib_close(lc);
    int rc = connect_and_read(lc);
    return rc == pcmk_ok ? 0 : read_failed(rc, who, err);
}

/* admin_epoch, epoch, num_updates: the version a patch is checked against. */
static void cib_version(xmlNode *cib, int v[3])
{
    static const char *const fields[] = {"admin_epoch", "epoch", "num_updates"};
    for (int i = 0; i < 3; i++) {
        v[i] = 0;
        crm_element_value_int(cib, fields[i], &v[i]);
    }
}

/* The change from `source` to `edited` as a version 2 patchset that raises the
 * epoch and carries the digest of the result; NULL when nothing changed.  Each
 * configuration section that differs is replaced whole (one delete, one
 * create): the version check already keeps everyone else's changes, and
 * Pacemaker 2.1 applies element-wise creates in quadratic time (a thousand new
 * stores took 50 s, the whole section well under one). */
static xmlNode *make_patch(xmlNode *source, xmlNode *edited)
{
    xmlNode *target = copy_xml(source);
    xml_track_changes(target, NULL, NULL, false);
    xmlNode *conf = ss_xml_child(target, "configuration");
    xmlNode *want = ss_xml_child(edited, "configuration");
    int changed = 0;
    for (xmlNode *sec = want ? want->children : NULL; conf && sec; sec = sec->next) {
        if (sec->type != XML_ELEMENT_NODE)
            continue;
        xmlNode *old = ss_xml_child(conf, (const char *)sec->name);
        if (ss_xml_same_text(old, sec))
            continue;
        xmlNode *next = old ? old->next : NULL;
        if (old)
            free_xml(old);   /* tracked: the patch deletes it */
        xmlNode *copy = add_node_copy(conf, sec);
        if (next)
            xmlAddPrevSibling(next, copy);   /* keep the section's place */
        changed++;
    }
    xmlNode *patch = NULL;
    if (changed) {
        bool config_changed = false;
        patch = xml_create_patchset(2, source, target, &config_changed, true);
        xml_accept_changes(target);
        if (patch)
            patchset_process_digest(patch, source, target, true);
    }
    free_xml(target);
    return patch;
}

static void run_test_hook(void)
{
    const char *hook = getenv("SLOTSTORE_TEST_HOOK_BEFORE_PATCH");
    if (hook == NULL || *hook == '\0')
        return;
    char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)hook, NULL};
    g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Send `patch` with cibadmin (libcib has no public call for it).  Returns 0
 * when applied; else -1 with cibadmin's complaint in *why (caller frees). */
static int send_patch(xmlNode *patch, char **why)
{
    char *path = ss_xml_temp_file(patch, "slotstore-patch-XXXXXX.xml", why);
    if (path == NULL)
        return -1;
    char *argv[] = {(char *)"cibadmin", (char *)"--patch", (char *)"--xml-file", path, NULL};
    char *errout = NULL;
    int status = 0, rc = -1;
    GError *gerr = NULL;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                      NULL, NULL, &errout, &status, &gerr)) {
        *why = g_strdup_printf("cannot run cibadmin (package pacemaker-cli-utils): %s",
                               gerr->message);
        g_error_free(gerr);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        rc = 0;
    } else {
        *why = g_strdup(errout && *errout ? g_strstrip(errout) : "cibadmin --patch failed");
    }
    g_free(errout);
    unlink(path);
    g_free(path);
    return rc;
}

int live_cib_commit(struct live_cib *lc, live_cib_edit_fn edit, void *ctx, const char *who,
                    struct ss_error *err)
{
    char *why = NULL;   /* the last refusal */
    if (reread(lc, who, err) != 0)
        return -1;
    for (int attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
        g_free(why);
        why = NULL;
        xmlNode *target = copy_xml(lc->current);
        enum live_cib_edit e = edit(target, ctx, err);
        xmlNode *patch = e == LIVE_CIB_CHANGED ? make_patch(lc->current, target) : NULL;
        free_xml(target);
        if (e == LIVE_CIB_FAILED)
            return -1;
        if (patch == NULL)
            return 1;
        if (attempt == 0)
            run_test_hook();
        int rc = send_patch(patch, &why);
        free_xml(patch);
        if (rc == 0)
            return 0;
        /* refused: retry (on this read) only when the CIB moved on since the last */
        int before[3], now[3];
        cib_version(lc->current, before);
        if (reread(lc, who, err) != 0) {
            g_free(why);
            return -1;
        }
        cib_version(lc->current, now);
        if (memcmp(before, now, sizeof(now)) == 0) {
            ss_error_set(err, SS_ERR_RUNTIME, "%s: the CIB refused the change: %s; nothing was "
                                              "changed", who, why);
            g_free(why);
            return -1;
        }
    }
    ss_error_set(err, SS_ERR_RUNTIME,
                 "%s: the CIB changed between the read and the write %d times in a row (last "
                 "refusal: %s); nothing was changed; try again when the cluster is calmer",
                 who, COMMIT_ATTEMPTS, why);
    g_free(why);
    return -1;
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
