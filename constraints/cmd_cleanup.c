/* cmd_cleanup.c - `slotstore cleanup`: find what operators and older
 * topologies left in the CIB, explain each, remove them with --yes.
 *
 * Leftovers:
 *  - operators' cli-prefer-* / cli-ban-* rsc_location constraints on a store
 *    (from crm_resource --move/--ban): they pin or ban a store's master until
 *    cleared; kept while drain/undrain hold their lock (they are its moves);
 *  - outdated marks (permanent slotstore-outdated-<store>) of a store that is
 *    gone, on a node without a slot of the store, or on a slot that runs and
 *    is in sync again (promotion score >= 1000); a mark on a slot that is
 *    really behind is kept;
 *  - slotstore's own slotstore-loc-* / slotstore-pref-* constraints naming a
 *    node that is not in the store's `slots` (an older topology).
 * The state comes from cluster_state.c (crm_mon and the CIB, honouring
 * CIB_file); slotstore-* constraints from the CIB.  The removal is one
 * version-checked CIB patch (live_cib.c): on the CIB as it is at the write,
 * everything is judged again and only listed findings that are still
 * leftovers there go; nothing goes when a drain/undrain took the lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <crm/common/results.h>

#include "cli.h"
#include "cluster_state.h"
#include "live_cib.h"

#define PLAN_LOC_PREFIX "slotstore-loc-"
#define PLAN_PREF_PREFIX "slotstore-pref-"

static const char cleanup_usage[] =
    "Usage: slotstore cleanup [--yes] [--output-as=text|xml]\n"
    "\n"
    "Find leftovers in the CIB and explain each:\n"
    "  - operators' cli-prefer-* / cli-ban-* constraints on a store (crm_resource --move,\n"
    "    --ban, pcs resource move-with-constraint): they pin or ban a store's master\n"
    "    until removed; kept (\"in use\") while a drain/undrain holds its lock;\n"
    "  - outdated marks (slotstore-outdated-STORE) whose store is gone, whose node has no\n"
    "    slot of the store, or whose slot runs in sync again (promotion score >= 1000);\n"
    "    a mark on a slot that is really behind is kept;\n"
    "  - slotstore-loc-* / slotstore-pref-* constraints naming a node that is not in the\n"
    "    store's 'slots' (left from an older topology).\n"
    "  --yes           remove the leftovers, in one CIB update\n"
    "With CIB_file=FILE the file is used instead of the cluster.\n"
    "Exit codes: 0 nothing to clean up (or removed), 1 crm_mon or the CIB failed,\n"
    "2 bad usage, 3 refused: a drain/undrain holds the lock and its cli-* constraints\n"
    "are in use (nothing removed), 4 leftovers found (without --yes).\n";

enum finding_kind { F_MANUAL, F_MARK, F_PLAN };
static const char *const kind_name[] = {"manual-constraint", "outdated-mark",
                                        "plan-constraint"};

struct finding {
    enum finding_kind kind;
    char *what;    /* constraint id, or "slotstore-outdated-S on NODE" */
    char *why;     /* the explanation (and what removing it does) */
    char *xpath;   /* what to delete, NULL when kept */
    int kept;
    int removed;   /* by --yes */
};

struct findings {
    struct finding *v;
    int n;
    int leftovers;
    int in_use;    /* cli-* kept because of the lock */
};

static void add(struct findings *f, enum finding_kind kind, char *what, char *why, char *xpath)
{
    f->v = g_renew(struct finding, f->v, f->n + 1);
    f->v[f->n++] = (struct finding){kind, what, why, xpath, xpath == NULL, 0};
    if (xpath)
        f->leftovers++;
}

/* An XPath string literal for s, NULL when it holds both kinds of quotes. */
static char *literal(const char *s)
{
    if (strchr(s, '\'') == NULL)
        return g_strdup_printf("'%s'", s);
    if (strchr(s, '"') == NULL)
        return g_strdup_printf("\"%s\"", s);
    return NULL;
}

static char *constraint_xpath(const char *id)
{
    char *lit = literal(id);
    char *x = lit ? g_strdup_printf("/cib/configuration/constraints/rsc_location[@id=%s]", lit)
                  : NULL;
    g_free(lit);
    return x;
}

static int is_prefix(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The store a constraint's rsc names (the clone or its primitive), -1 none. */
static int store_of(const struct cluster_state *cs, const char *rsc)
{
    int s = cs_store_index(cs, rsc);
    if (s < 0 && rsc)
        s = GPOINTER_TO_INT(g_hash_table_lookup(cs->prim_ix, rsc)) - 1;
    return s;
}

static void manual_constraints(const struct cluster_state *cs, struct findings *f)
{
    for (int i = 0; i < cs->nc; i++) {
        const struct cs_constraint *c = &cs->c[i];
        int prefer = is_prefix(c->id, "cli-prefer-"), ban = is_prefix(c->id, "cli-ban-");
        int s = store_of(cs, c->rsc);
        if ((!prefer && !ban) || s < 0)
            continue;
        const char *store = cs->s[s].name, *node = c->node ? c->node : "?";
        const char *plan = cs_planned_master(&cs->s[s]);
        int promoted = c->role && (strcmp(c->role, "Promoted") == 0 ||
                                   strcmp(c->role, "Master") == 0);
        char *why;
        if (prefer)
            why = g_strdup_printf(
                "pins %s%s to %s (left by crm_resource --move / pcs resource "
                "move-with-constraint); Pacemaker will keep %s there and never fail it back; "
                "removing it lets the master return to its planned machine %s",
                store, promoted ? "'s master" : "", node, promoted ? "the master" : "it",
                plan ? plan : "(none)");
        else
            why = g_strdup_printf("bans %s (role %s) from %s; that slot cannot %s; removing "
                                  "it lets %s %s again",
                                  store, c->role ? c->role : "any", node,
                                  promoted ? "take over" : "run", node,
                                  promoted ? "take over" : "run its slot");
        if (cs->lock) {
            char *kept = g_strdup_printf("in use, kept: a drain/undrain holds the lock "
                                         "(%s); %s",
                                         cs->lock, why);
            g_free(why);
            add(f, F_MANUAL, g_strdup(c->id), kept, NULL);
            f->in_use++;
            continue;
        }
        char *x = constraint_xpath(c->id);
        if (x)
            add(f, F_MANUAL, g_strdup(c->id), why, x);
        else
            g_free(why);
    }
}

static int score_in_sync(const char *score)
{
    if (score == NULL)
        return 0;
    if (strcmp(score, "INFINITY") == 0 || strcmp(score, "+INFINITY") == 0)
        return 1;
    char *end = NULL;
    long v = strtol(score, &end, 10);
    return end != score && *end == '\0' && v >= CS_INSYNC;
}

static void marks(const struct cluster_state *cs, struct findings *f)
{
    for (int i = 0; i < cs->nmk; i++) {
        const struct cs_mark *mk = &cs->mk[i];
        char *what = g_strdup_printf(CS_MARK_PREFIX "%s on %s", mk->store, mk->machine);
        int s = cs_store_index(cs, mk->store);
        const struct cs_slot *slot = s >= 0 ? cs_slot_on(&cs->s[s], mk->machine) : NULL;
        char *why;
        if (s < 0)
            why = g_strdup_printf("store %s no longer exists; removing it changes nothing "
                                  "else",
                                  mk->store);
        else if (slot == NULL)
            why = g_strdup_printf("%s has no slot of %s; removing it changes nothing else",
                                  mk->machine, mk->store);
        else if (slot->role != CS_STOPPED && score_in_sync(slot->score))
            why = g_strdup_printf("%s's slot on %s is in sync now (score %s); removing it "
                                  "lets that slot be promoted again",
                                  mk->store, mk->machine, slot->score);
        else {
            add(f, F_MARK, what,
                g_strdup_printf("kept: the replica is behind (%s, score %s); the master "
                                "clears the mark once it caught up",
                                slot->role == CS_STOPPED ? "not running" : "running",
                                slot->score ? slot->score : "unknown"),
                NULL);
            continue;
        }
        char *node = literal(mk->machine), *name = literal(mk->store);
        char *x = node && name ? g_strdup_printf("/cib/configuration/nodes/node[@uname=%s]/"
                                                 "instance_attributes/nvpair[@name=concat('"
                                                 CS_MARK_PREFIX "', %s)]",
                                                 node, name)
                               : NULL;
        g_free(node);
        g_free(name);
        if (x == NULL) {
            g_free(what);
            g_free(why);
            continue;
        }
        add(f, F_MARK, what, why, x);
    }
}

static char *xml_prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? g_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static char *slot_list(const struct cs_store *s)
{
    GString *g = g_string_new(NULL);
    for (int j = 0; j < s->nslots; j++)
        g_string_append_printf(g, "%s%s", j ? " " : "", s->slots[j].machine);
    return g_string_free(g, FALSE);
}

static void plan_constraints(xmlNodePtr cib, const struct cluster_state *cs, struct findings *f)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(cib->doc);
    if (ctx == NULL)
        return;
    ctx->node = cib;
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(
        BAD_CAST "configuration/constraints/rsc_location[starts-with(@id, '" PLAN_LOC_PREFIX
                 "') or starts-with(@id, '" PLAN_PREF_PREFIX "')]",
        ctx);
    int n = obj && obj->nodesetval ? obj->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        xmlNodePtr c = obj->nodesetval->nodeTab[i];
        char *id = xml_prop(c, "id"), *rsc = xml_prop(c, "rsc"), *node = xml_prop(c, "node");
        int s = store_of(cs, rsc);
        if (id && node && s >= 0 && cs->s[s].nslots > 0 && !cs_slot_on(&cs->s[s], node)) {
            const struct cs_store *st = &cs->s[s];
            char *slots = slot_list(st);
            int pref = is_prefix(id, PLAN_PREF_PREFIX);
            char *why = g_strdup_printf(
                "names %s, which is not in %s's slots (%s): left from an older topology; "
                "removing it %s",
                node, st->name, slots,
                pref ? "drops a master preference the plan does not have"
                     : "stops allowing the store on a machine without its slot");
            char *x = constraint_xpath(id);
            g_free(slots);
            if (x)
                add(f, F_PLAN, g_strdup(id), why, x);
            else
                g_free(why);
        }
        g_free(id);
        g_free(rsc);
        g_free(node);
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
}

static void findings_free(struct findings *f)
{
    for (int i = 0; i < f->n; i++) {
        g_free(f->v[i].what);
        g_free(f->v[i].why);
        g_free(f->v[i].xpath);
    }
    g_free(f->v);
}

static void analyse(const struct cluster_state *cs, xmlNodePtr cib, struct findings *f)
{
    manual_constraints(cs, f);
    marks(cs, f);
    plan_constraints(cib, cs, f);
}

/* The leftover of that kind and name in f, NULL when none. */
static struct finding *leftover(const struct findings *f, const struct finding *like)
{
    for (int i = 0; i < f->n; i++)
        if (!f->v[i].kept && f->v[i].kind == like->kind && strcmp(f->v[i].what, like->what) == 0)
            return &f->v[i];
    return NULL;
}

static void delete_matches(xmlNodePtr cib, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(cib->doc);
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST xpath, ctx) : NULL;
    int n = obj && obj->nodesetval ? obj->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        xmlNodePtr victim = obj->nodesetval->nodeTab[i];
        obj->nodesetval->nodeTab[i] = NULL;
        xmlUnlinkNode(victim);
        xmlFreeNode(victim);
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
}

struct removal {
    struct findings *listed;   /* what was shown; `removed` set on what went */
    char *lock;                /* a drain/undrain took the lock meanwhile */
};

/* On the CIB as it is at the write: judge it again and remove the listed
 * leftovers that still are leftovers there.  A mark whose slot fell behind
 * meanwhile, or a constraint a drain now uses, stays. */
static enum live_cib_edit remove_edit(xmlNodePtr cib, void *ctx, struct ss_error *err)
{
    struct removal *r = ctx;
    struct cluster_state cs = {0};
    struct findings now = {0};
    enum live_cib_edit e = LIVE_CIB_UNCHANGED;
    for (int i = 0; i < r->listed->n; i++)
        r->listed->v[i].removed = 0;
    if (cluster_state_of_cib(&cs, "cleanup", cib, err) != 0) {
        e = LIVE_CIB_FAILED;
        goto out;
    }
    analyse(&cs, cib, &now);
    if (now.in_use) {
        g_free(r->lock);
        r->lock = g_strdup(cs.lock);
        goto out;
    }
    for (int i = 0; i < r->listed->n; i++) {
        struct finding *was = &r->listed->v[i];
        const struct finding *still = was->kept ? NULL : leftover(&now, was);
        if (still == NULL)
            continue;
        delete_matches(cib, still->xpath);
        was->removed = 1;
        e = LIVE_CIB_CHANGED;
    }
out:
    findings_free(&now);
    cluster_state_free(&cs);
    return e;
}

/* One CIB update, checked against the version it was judged on. */
static int remove_all(struct live_cib *lc, struct removal *r, struct ss_error *err)
{
    return live_cib_commit(lc, remove_edit, r, "cleanup", err) < 0 ? -1 : 0;
}

static void print_xml_attr(const char *name, const char *value)
{
    xmlChar *e = xmlEncodeEntitiesReentrant(NULL, BAD_CAST value);
    printf(" %s=\"%s\"", name, (const char *)e);
    xmlFree(e);
}

/* refused: 1 the lock was held at the listing, 2 it was taken before the write */
static void print_findings(const struct findings *f, enum ss_output out, int yes, int refused)
{
    int removed = 0;
    for (int i = 0; i < f->n; i++)
        removed += f->v[i].removed;
    if (out == SS_OUT_XML) {
        printf("<?xml version=\"1.0\"?>\n<slotstore-result request=\"cleanup\">\n");
        for (int i = 0; i < f->n; i++) {
            printf("  <finding");
            print_xml_attr("kind", kind_name[f->v[i].kind]);
            print_xml_attr("what", f->v[i].what);
            print_xml_attr("leftover", f->v[i].kept ? "false" : "true");
            print_xml_attr("removed", f->v[i].removed ? "true" : "false");
            print_xml_attr("reason", f->v[i].why);
            printf("/>\n");
        }
        printf("  <summary leftovers=\"%d\" kept=\"%d\" removed=\"%d\" refused=\"%s\"/>\n",
               f->leftovers, f->n - f->leftovers, removed, refused ? "true" : "false");
        printf("</slotstore-result>\n");
        return;
    }
    for (int i = 0; i < f->n; i++)
        printf("%s: %s\n", f->v[i].what, f->v[i].why);
    if (refused)
        printf("refused: a drain/undrain %s the lock " CS_LOCK_ID " and its cli-* "
               "constraints are in use; nothing removed (%d leftover%s); run cleanup again "
               "when it has finished\n",
               refused == 1 ? "holds" : "took", f->leftovers, f->leftovers == 1 ? "" : "s");
    else if (f->leftovers == 0)
        printf("nothing to clean up\n");
    else if (!yes)
        printf("%d leftover%s; run with --yes to remove them\n", f->leftovers,
               f->leftovers == 1 ? "" : "s");
    else if (removed == f->leftovers)
        printf("removed %d leftover%s\n", removed, removed == 1 ? "" : "s");
    else
        printf("removed %d of %d leftovers: the CIB changed meanwhile and the others are no "
               "longer leftovers there (a slot fell behind again, or they are gone); run "
               "cleanup again to see them\n",
               removed, f->leftovers);
}

int cmd_cleanup(int argc, char **argv)
{
    int yes = 0;
    enum ss_output out = SS_OUT_TEXT;
    for (int i = 1; i < argc; i++) {
        int r = cli_output_option(argv[i], &out);
        if (r == 0)
            continue;
        if (r < 0) {
            fprintf(stderr, "slotstore: cleanup: %s: use --output-as=text or xml\n", argv[i]);
            return SS_EXIT_INPUT;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cleanup_usage, stdout);
            return SS_EXIT_OK;
        } else if (strcmp(argv[i], "--yes") == 0) {
            yes = 1;
        } else {
            fprintf(stderr, "slotstore: cleanup: unexpected argument '%s'; see slotstore "
                            "cleanup --help\n",
                    argv[i]);
            return SS_EXIT_INPUT;
        }
    }
    struct cluster_state cs = {0};
    struct live_cib lc = {0};
    struct findings f = {0};
    struct ss_error err = {0};
    int exit_code = SS_EXIT_OK;
    /* the listing judges one version of the CIB: crm_mon runs on a copy of it */
    if (live_cib_open(&lc, "cleanup", &err) != 0 ||
        cluster_state_of_cib(&cs, "cleanup", lc.current, &err) != 0) {
        exit_code = cli_fail(&err);
        goto done;
    }
    analyse(&cs, lc.current, &f);
    int refused = f.in_use > 0;
    struct removal r = {.listed = &f};
    if (yes && !refused && f.leftovers > 0) {
        if (remove_all(&lc, &r, &err) != 0) {
            exit_code = cli_fail(&err);
            goto done;
        }
        if (r.lock)
            refused = 2;
        g_free(r.lock);
    }
    print_findings(&f, out, yes, refused);
    if (refused)
        exit_code = SS_EXIT_REFUSED;
    else if (f.leftovers > 0 && !yes)
        exit_code = SS_EXIT_CHECK;
done:
    findings_free(&f);
    live_cib_close(&lc);
    cluster_state_free(&cs);
    return exit_code;
}
