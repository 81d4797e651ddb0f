/* cmd_marks.c - `slotstore marks`: list and clear the agents' "outdated" marks.
 *
 * ocf:slotstore:cyrus fences a replica it cannot replicate to by setting the
 * permanent node attribute slotstore-outdated-<store> on the replica's node
 * (resource-level fencing: that slot is never promoted until it caught up,
 * and the agent clears the mark itself then).  A mark can outlive its store or
 * machine (store deleted, machine removed): such leftovers are listed here and
 * removed with --clear, in one CIB transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "cib_read.h"
#include "cib_xml.h"
#include "cli.h"
#include "live_cib.h"
#include "xml_util.h"

#define MARK_PREFIX "slotstore-outdated-"

static const char marks_usage[] =
    "Usage: slotstore marks [--clear [--all --yes]] [--output-as=text|xml]\n"
    "\n"
    "List the outdated marks the agents set (permanent node attributes\n"
    "slotstore-outdated-<store>): a marked slot is stale and is never promoted until it has\n"
    "caught up, when its master clears the mark.  A mark whose store no longer exists, or\n"
    "whose node no longer holds a slot of that store, is a leftover.\n"
    "  --clear         remove the leftover marks (one CIB transaction)\n"
    "  --all --yes     remove every mark, also of slots that may really be stale: only when\n"
    "                  you know the data is current (a promotion may lose mail otherwise)\n"
    "With CIB_file=FILE the file is used instead of the cluster.\n"
    "Exit codes: 0 ok (no leftovers, or cleared), 1 CIB error, 2 bad usage,\n"
    "4 leftovers found (without --clear).\n";

struct mark {
    char *node;
    char *store;
    char *value;
    int leftover;
    const char *why;
};

struct marks {
    struct mark *v;
    int n;
};


static int store_exists(const struct ss_placement *p, const char *store)
{
    for (int s = 0; s < p->nstores; s++)
        if (strcmp(p->stores[s].name, store) == 0)
            return 1;
    return 0;
}

/* Read the slots parameter of a store to see whether node holds one of them. */
static int node_in_slots(xmlNodePtr cib, const char *store, const char *node)
{
    xmlNodePtr conf = ss_xml_child(cib, "configuration");
    xmlNodePtr res = ss_xml_child(conf, "resources");
    for (xmlNodePtr c = res ? res->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char *id = ss_xml_prop(c, "id", "");
        int match = strcmp(id, store) == 0;
        free(id);
        if (!match)
            continue;
        for (xmlNodePtr p = c->children; p; p = p->next)
            for (xmlNodePtr ia = p->children; ia; ia = ia->next)
                for (xmlNodePtr nv = ia->children; nv; nv = nv->next) {
                    if (nv->type != XML_ELEMENT_NODE)
                        continue;
                    char *name = ss_xml_prop(nv, "name", ""), *value = ss_xml_prop(nv, "value", "");
                    int found = 0;
                    if (strcmp(name, "slots") == 0) {
                        size_t len = strlen(node);
                        for (char *t = value; (t = strstr(t, node)) != NULL; t += len)
                            if ((t == value || t[-1] == ' ') && t[len] == ':')
                                found = 1;
                    }
                    free(name);
                    free(value);
                    if (found)
                        return 1;
                }
    }
    return 0;
}

static void collect(xmlNodePtr cib, const struct ss_placement *p, struct marks *out)
{
    xmlNodePtr nodes = ss_xml_child(ss_xml_child(cib, "configuration"), "nodes");
    for (xmlNodePtr n = nodes ? nodes->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (xmlNodePtr ia = n->children; ia; ia = ia->next)
            for (xmlNodePtr nv = ia ? ia->children : NULL; nv; nv = nv->next) {
                if (nv->type != XML_ELEMENT_NODE)
                    continue;
                char *name = ss_xml_prop(nv, "name", "");
                if (strncmp(name, MARK_PREFIX, strlen(MARK_PREFIX)) != 0) {
                    free(name);
                    continue;
                }
                struct mark m = {.node = ss_xml_prop(n, "uname", ""),
                                 .store = strdup(name + strlen(MARK_PREFIX)),
                                 .value = ss_xml_prop(nv, "value", "")};
                free(name);
                if (!store_exists(p, m.store)) {
                    m.leftover = 1;
                    m.why = "the store no longer exists";
                } else if (!node_in_slots(cib, m.store, m.node)) {
                    m.leftover = 1;
                    m.why = "the node holds no slot of this store";
                } else {
                    m.why = "the slot is stale until it catches up";
                }
                out->v = realloc(out->v, sizeof(*out->v) * (size_t)(out->n + 1));
                if (out->v == NULL)
                    abort();
                out->v[out->n++] = m;
            }
    }
}

struct clear_edit {
    const struct marks *listed;   /* what was shown to the operator */
    const struct marks *now;      /* the marks of the CIB being edited */
    int all;                      /* every mark listed, not only the leftovers */
    int removed;
};

static const struct mark *find_mark(const struct marks *mk, const char *node, const char *store)
{
    for (int i = 0; i < mk->n; i++)
        if (strcmp(mk->v[i].node, node) == 0 && strcmp(mk->v[i].store, store) == 0)
            return &mk->v[i];
    return NULL;
}

/* Is `nv` on node `uname` a mark to clear?  Only one that was listed, and
 * (unless --all) only while it is still a leftover in the CIB as it is now: a
 * mark written after the listing, or one that protects a slot again, stays. */
static int chosen(const struct clear_edit *c, const char *uname, xmlNodePtr nv)
{
    if (nv->type != XML_ELEMENT_NODE)
        return 0;
    char *name = ss_xml_prop(nv, "name", "");
    int hit = 0;
    if (strncmp(name, MARK_PREFIX, strlen(MARK_PREFIX)) == 0) {
        const char *store = name + strlen(MARK_PREFIX);
        const struct mark *now = find_mark(c->now, uname, store);
        hit = find_mark(c->listed, uname, store) != NULL && (c->all || (now && now->leftover));
    }
    free(name);
    return hit;
}

static void marks_free(struct marks *mk)
{
    for (int i = 0; i < mk->n; i++) {
        free(mk->v[i].node);
        free(mk->v[i].store);
        free(mk->v[i].value);
    }
    free(mk->v);
    mk->v = NULL;
    mk->n = 0;
}

/* Remove the chosen marks from the CIB as it is now (live_cib_commit). */
static enum live_cib_edit clear_edit(xmlNode *cib, void *ctx, struct ss_error *err)
{
    struct clear_edit *c = ctx;
    struct ss_placement *p = NULL;
    if (ss_cib_read_placement(cib->doc, NULL, &p, NULL, err) != 0)
        return LIVE_CIB_FAILED;
    struct marks now = {0};
    collect(cib, p, &now);
    c->now = &now;
    c->removed = 0;
    xmlNodePtr nodes = ss_xml_child(ss_xml_child(cib, "configuration"), "nodes");
    for (xmlNodePtr n = nodes ? nodes->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        char *uname = ss_xml_prop(n, "uname", "");
        for (xmlNodePtr ia = n->children; ia; ia = ia->next) {
            xmlNodePtr nv = ia->children;
            while (nv) {
                xmlNodePtr next = nv->next;
                if (chosen(c, uname, nv)) {
                    xmlUnlinkNode(nv);
                    xmlFreeNode(nv);
                    c->removed++;
                }
                nv = next;
            }
        }
        free(uname);
    }
    marks_free(&now);
    c->now = NULL;
    ss_placement_free(p);
    return c->removed ? LIVE_CIB_CHANGED : LIVE_CIB_UNCHANGED;
}

/* Remove the chosen marks in one patch; *removed says how many. */
static int clear_marks(struct live_cib *lc, const struct marks *mk, int all, int *removed,
                       struct ss_error *err)
{
    struct clear_edit c = {.listed = mk, .all = all};
    int rc = live_cib_commit(lc, clear_edit, &c, "marks", err);
    *removed = rc == 0 ? c.removed : 0;
    return rc < 0 ? -1 : 0;
}

static void print_marks(const struct marks *mk, enum ss_output out)
{
    if (out == SS_OUT_XML) {
        printf("<?xml version=\"1.0\"?>\n<slotstore-result request=\"marks\">\n");
        for (int i = 0; i < mk->n; i++) {
            xmlChar *node = xmlEncodeEntitiesReentrant(NULL, (const xmlChar *)mk->v[i].node);
            xmlChar *store = xmlEncodeEntitiesReentrant(NULL, (const xmlChar *)mk->v[i].store);
            printf("  <mark store=\"%s\" node=\"%s\" leftover=\"%s\" reason=\"%s\"/>\n", store,
                   node, mk->v[i].leftover ? "true" : "false", mk->v[i].why);
            xmlFree(node);
            xmlFree(store);
        }
        printf("</slotstore-result>\n");
        return;
    }
    if (mk->n == 0) {
        printf("no outdated marks\n");
        return;
    }
    printf("%-16s %-16s %-9s %s\n", "STORE", "NODE", "LEFTOVER", "WHY");
    for (int i = 0; i < mk->n; i++)
        printf("%-16s %-16s %-9s %s\n", mk->v[i].store, mk->v[i].node,
               mk->v[i].leftover ? "yes" : "no", mk->v[i].why);
}

int cmd_marks(int argc, char **argv)
{
    int clear = 0, all = 0, yes = 0;
    enum ss_output out = SS_OUT_TEXT;
    for (int i = 1; i < argc; i++) {
        int r = cli_output_option(argv[i], &out);
        if (r == 0)
            continue;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(marks_usage, stdout);
            return SS_EXIT_OK;
        } else if (strcmp(argv[i], "--clear") == 0) {
            clear = 1;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = 1;
        } else if (strcmp(argv[i], "--yes") == 0) {
            yes = 1;
        } else {
            fprintf(stderr, "slotstore: marks: unexpected argument '%s'; see slotstore marks "
                            "--help\n",
                    argv[i]);
            return SS_EXIT_INPUT;
        }
    }
    if (all && !(clear && yes)) {
        fprintf(stderr, "slotstore: marks: --all removes marks of slots that may be stale; it "
                        "needs --clear and --yes\n");
        return SS_EXIT_INPUT;
    }
    struct live_cib lc = {0};
    struct ss_placement *p = NULL;
    struct marks mk = {0};
    struct ss_error err = {0};
    int exit_code = SS_EXIT_OK;
    if (live_cib_open(&lc, "marks", &err) != 0) {
        exit_code = cli_fail(&err);
        goto done;
    }
    xmlNode *current = lc.current;
    if (ss_cib_read_placement(current->doc, NULL, &p, NULL, &err) != 0) {
        exit_code = cli_fail(&err);
        goto done;
    }
    collect(current, p, &mk);
    print_marks(&mk, out);
    int leftovers = 0;
    for (int i = 0; i < mk.n; i++)
        leftovers += mk.v[i].leftover;
    if (clear) {
        int removed = 0;
        if (clear_marks(&lc, &mk, all, &removed, &err) != 0) {
            exit_code = cli_fail(&err);
            goto done;
        }
        if (out == SS_OUT_TEXT)
            printf("removed %d mark%s\n", removed, removed == 1 ? "" : "s");
    } else if (leftovers) {
        exit_code = SS_EXIT_CHECK;
    }
done:
    marks_free(&mk);
    ss_placement_free(p);
    live_cib_close(&lc);
    return exit_code;
}
