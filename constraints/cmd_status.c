/* cmd_status.c - `slotstore status`: where every store's master runs now,
 * against the plan, on one screen.
 *
 * Two sources, read once each:
 *  - crm_mon --one-shot --output-as=xml: the machines (online, standby,
 *    offline) and the instances of every store clone with their role;
 *  - the CIB through libcib (live_cib.c): each store's planned failover order
 *    (its primitive's `slots` parameter, first = planned master), operators'
 *    manual constraints (rsc_location cli-*, from crm_resource --move/--ban),
 *    the agents' promotion scores (transient master-<primitive>), replication
 *    lag (transient slotstore-lag-<store>) and outdated marks (permanent
 *    slotstore-outdated-<store>, see cmd_marks.c).
 * Both honour CIB_file.  They are two reads, so a change in between can show
 * for one run.  Nothing is changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#include "cib_xml.h"
#include "cli.h"
#include "config.h"
#include "live_cib.h"
#include "placement_int.h"

#define ST_MARK_PREFIX "slotstore-outdated-"
#define ST_LAG_PREFIX "slotstore-lag-"
#define ST_SCORE_PREFIX "master-"
#define ST_MANUAL_PREFIX "cli-"
#define ST_INSYNC 1000          /* agent's ladder: >= 1000 in sync, 1 unconfirmed */
#define ST_ERR_SHOWN 400        /* characters of crm_mon's complaint in a message */

static const char status_usage[] =
    "Usage: slotstore status [--output-as=text|xml]\n"
    "\n"
    "Show on one screen where the stores run now against the plan: machines online, in\n"
    "standby or offline with their masters now and planned, replicas and outdated slots;\n"
    "every store's master now and planned master (first machine of its 'slots'), its\n"
    "other slots as in sync, catching up, outdated, stopped or unknown (from the agents'\n"
    "promotion scores and outdated marks) with the replication lag when known, and\n"
    "'moved' when the master is not the planned one; the operators' manual constraints\n"
    "(rsc_location cli-*, from crm_resource --move/--ban) and the outdated marks.\n"
    "\n"
    "Reads crm_mon --one-shot --output-as=xml and the CIB; changes nothing.\n"
    "With CIB_file=FILE the file is used instead of the cluster.\n"
    "Exit codes: 0 shown (whatever the state), 1 crm_mon or the CIB could not be read,\n"
    "2 bad usage.\n";

enum st_node_state { ST_ONLINE, ST_STANDBY, ST_OFFLINE };

static const char *const node_state_name[] = {"online", "standby", "offline"};

enum st_role { ST_STOPPED, ST_UNPROMOTED, ST_PROMOTED };

static const char *const role_name[] = {"Stopped", "Unpromoted", "Promoted"};

struct st_machine {
    char *name;
    enum st_node_state state;
    int masters;          /* promoted instances here now */
    int planned;          /* stores whose `slots` start here */
    int replicas;         /* unpromoted instances here now */
    int outdated;         /* slots here in state outdated */
};

struct st_slot {
    char *machine;
    enum st_role role;
    char *score;          /* promotion score, NULL unknown */
    char *lag;            /* seconds, NULL unknown */
    int marked;           /* outdated mark on this machine */
    const char *state;    /* master, in sync, catching up, outdated, stopped, unknown */
};

struct st_store {
    char *name;
    char *prim;
    struct st_slot *slots;  /* failover order */
    int nslots;
    char *master;           /* machine now, NULL none */
};

struct st_constraint {
    char *id, *rsc, *role, *node, *score;   /* NULL when absent */
};

struct st_mark {
    char *store, *machine;
    const char *leftover;   /* why the mark has no slot, NULL when it has one */
};

struct status {
    const char *cib_file;   /* CIB_file, NULL for the live cluster */
    struct st_machine *m;
    int nm;
    struct st_store *s;
    int ns;
    struct st_constraint *c;
    int nc;
    struct st_mark *mk;
    int nmk;
    GHashTable *store_ix;   /* clone id -> index + 1 */
    GHashTable *prim_ix;    /* primitive id -> index + 1 */
};

/* ---- small helpers ----------------------------------------------------- */

static void *grow(void *v, int n, size_t size)
{
    void *r = realloc(v, size * (size_t)(n + 1));
    if (r == NULL)
        abort();
    return r;
}

/* Attribute as a malloc'd string, NULL when absent. */
static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? ss_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static int prop_is(xmlNodePtr n, const char *name, const char *value)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    int same = v != NULL && strcmp((const char *)v, value) == 0;
    xmlFree(v);
    return same;
}

static int lookup(GHashTable *h, const char *key)
{
    return key ? GPOINTER_TO_INT(g_hash_table_lookup(h, key)) - 1 : -1;
}

/* Evaluate expr relative to node; NULL when nothing matched. */
static xmlXPathObjectPtr xpath_at(xmlNodePtr node, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(node->doc);
    if (ctx == NULL)
        return NULL;
    ctx->node = node;
    xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
    xmlXPathFreeContext(ctx);
    if (obj && (obj->nodesetval == NULL || obj->nodesetval->nodeNr == 0)) {
        xmlXPathFreeObject(obj);
        return NULL;
    }
    return obj;
}

static int xpath_count(const xmlXPathObject *obj)
{
    return obj ? obj->nodesetval->nodeNr : 0;
}

static int machine_index(const struct status *st, const char *name)
{
    for (int i = 0; name && i < st->nm; i++)
        if (strcmp(st->m[i].name, name) == 0)
            return i;
    return -1;
}

static struct st_slot *slot_on(const struct st_store *s, const char *machine)
{
    for (int i = 0; machine && i < s->nslots; i++)
        if (strcmp(s->slots[i].machine, machine) == 0)
            return &s->slots[i];
    return NULL;
}

static const char *planned_master(const struct st_store *s)
{
    return s->nslots > 0 ? s->slots[0].machine : NULL;
}

static int as_planned(const struct st_store *s)
{
    const char *plan = planned_master(s);
    return s->master && plan && strcmp(s->master, plan) == 0;
}

static int moved(const struct st_store *s)
{
    return s->master && planned_master(s) && !as_planned(s);
}

/* ---- the CIB: stores, manual constraints, marks, transient attributes --- */

static char *slots_value(xmlNodePtr prim)
{
    xmlXPathObjectPtr obj = xpath_at(prim, "instance_attributes/nvpair[@name='slots']");
    char *v = obj ? prop(obj->nodesetval->nodeTab[0], "value") : NULL;
    xmlXPathFreeObject(obj);
    return v;
}

/* "imap01:3@addr imap07:12@addr" -> the machines in failover order. */
static void parse_slots(struct st_store *s, const char *value)
{
    char *copy = ss_xstrdup(value), *save = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        tok[strcspn(tok, ":@")] = '\0';
        if (*tok == '\0' || slot_on(s, tok))
            continue;
        s->slots = grow(s->slots, s->nslots, sizeof(*s->slots));
        s->slots[s->nslots++] = (struct st_slot){.machine = ss_xstrdup(tok)};
    }
    free(copy);
}

static void read_stores(xmlNodePtr cib, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/resources/clone/primitive[@class='"
                                          SS_AGENT_CLASS "' and @provider='" SS_AGENT_PROVIDER
                                          "' and @type='" SS_AGENT_TYPE "']");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr prim = obj->nodesetval->nodeTab[i];
        char *name = prop(prim->parent, "id"), *id = prop(prim, "id");
        if (name == NULL || id == NULL || lookup(st->store_ix, name) >= 0) {
            free(name);
            free(id);
            continue;
        }
        st->s = grow(st->s, st->ns, sizeof(*st->s));
        struct st_store *s = &st->s[st->ns];
        *s = (struct st_store){.name = name, .prim = id};
        char *slots = slots_value(prim);
        if (slots)
            parse_slots(s, slots);
        free(slots);
        st->ns++;
        g_hash_table_insert(st->store_ix, s->name, GINT_TO_POINTER(st->ns));
        g_hash_table_insert(st->prim_ix, s->prim, GINT_TO_POINTER(st->ns));
    }
    xmlXPathFreeObject(obj);
}

static void read_constraints(xmlNodePtr cib, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/constraints/rsc_location[starts-with("
                                          "@id, '" ST_MANUAL_PREFIX "')]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr n = obj->nodesetval->nodeTab[i];
        st->c = grow(st->c, st->nc, sizeof(*st->c));
        st->c[st->nc++] = (struct st_constraint){
            .id = prop(n, "id"), .rsc = prop(n, "rsc"), .role = prop(n, "role"),
            .node = prop(n, "node"), .score = prop(n, "score")};
    }
    xmlXPathFreeObject(obj);
}

/* Permanent node attributes slotstore-outdated-<store> (any value, as
 * `slotstore marks` counts them). */
static void read_marks(xmlNodePtr cib, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/nodes/node/instance_attributes/nvpair"
                                          "[starts-with(@name, '" ST_MARK_PREFIX "')]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr nv = obj->nodesetval->nodeTab[i];
        char *name = prop(nv, "name");
        char *machine = nv->parent ? prop(nv->parent->parent, "uname") : NULL;
        if (machine == NULL) {
            free(name);
            continue;
        }
        struct st_mark mk = {ss_xstrdup(name + strlen(ST_MARK_PREFIX)), machine, NULL};
        free(name);
        int s = lookup(st->store_ix, mk.store);
        struct st_slot *slot = s >= 0 ? slot_on(&st->s[s], mk.machine) : NULL;
        if (slot)
            slot->marked = 1;
        else
            mk.leftover = s < 0 ? "no such store" : "no slot of the store there";
        st->mk = grow(st->mk, st->nmk, sizeof(*st->mk));
        st->mk[st->nmk++] = mk;
    }
    xmlXPathFreeObject(obj);
}

/* The node a node_state describes: its uname, else the configured node with its id. */
static char *state_uname(xmlNodePtr cib, xmlNodePtr node_state)
{
    char *uname = prop(node_state, "uname");
    char *id = uname ? NULL : prop(node_state, "id");
    if (id && strchr(id, '\'') == NULL) {
        char expr[300];
        snprintf(expr, sizeof(expr), "configuration/nodes/node[@id='%s']", id);
        xmlXPathObjectPtr obj = xpath_at(cib, expr);
        uname = obj ? prop(obj->nodesetval->nodeTab[0], "uname") : NULL;
        xmlXPathFreeObject(obj);
    }
    free(id);
    return uname;
}

/* One transient attribute: master-<primitive> or slotstore-lag-<store>. */
static void transient_attr(struct status *st, const char *machine, const char *name,
                           const char *value)
{
    int lag = strncmp(name, ST_LAG_PREFIX, strlen(ST_LAG_PREFIX)) == 0;
    int s = -1;
    if (lag)
        s = lookup(st->store_ix, name + strlen(ST_LAG_PREFIX));
    else if (strncmp(name, ST_SCORE_PREFIX, strlen(ST_SCORE_PREFIX)) == 0)
        s = lookup(st->prim_ix, name + strlen(ST_SCORE_PREFIX));
    struct st_slot *slot = s >= 0 ? slot_on(&st->s[s], machine) : NULL;
    if (slot == NULL || value == NULL)
        return;
    char **field = lag ? &slot->lag : &slot->score;
    free(*field);
    *field = ss_xstrdup(value);
}

static void read_transient(xmlNodePtr cib, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "status/node_state");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr ns = obj->nodesetval->nodeTab[i];
        char *machine = state_uname(cib, ns);
        xmlXPathObjectPtr nvs =
            machine ? xpath_at(ns, "transient_attributes/instance_attributes/nvpair") : NULL;
        for (int j = 0; j < xpath_count(nvs); j++) {
            xmlNodePtr nv = nvs->nodesetval->nodeTab[j];
            char *name = prop(nv, "name"), *value = prop(nv, "value");
            if (name)
                transient_attr(st, machine, name, value);
            free(name);
            free(value);
        }
        xmlXPathFreeObject(nvs);
        free(machine);
    }
    xmlXPathFreeObject(obj);
}

/* A clear message for the usual CIB_file mistakes before libcib's terse ones. */
static int check_cib_file(const struct status *st, struct ss_error *err)
{
    if (st->cib_file == NULL)
        return 0;
    if (access(st->cib_file, R_OK) != 0)
        return ss_error_set(err, SS_ERR_RUNTIME,
                            "status: cannot read CIB_file=%s (%s); point CIB_file at a saved "
                            "CIB ('cibadmin -Q > FILE') or unset it to ask the cluster",
                            st->cib_file, strerror(errno));
    xmlDocPtr doc = xmlReadFile(st->cib_file, NULL,
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
                        "status: CIB_file=%s is not a CIB (%s); give a file saved with "
                        "'cibadmin -Q'",
                        st->cib_file, why);
}

static int read_cib(struct status *st, struct ss_error *err)
{
    struct live_cib lc = {0};
    if (live_cib_open(&lc, "status", err) != 0) {
        live_cib_close(&lc);
        return SS_ERR_RUNTIME;
    }
    read_stores(lc.current, st);
    read_constraints(lc.current, st);
    read_marks(lc.current, st);
    read_transient(lc.current, st);
    live_cib_close(&lc);
    return 0;
}

/* ---- crm_mon: machines and instances ------------------------------------ */

/* crm_mon's own complaint: its <error> lines, else the start of its stderr. */
static void crm_mon_complaint(xmlDocPtr doc, const char *errout, char *buf, size_t len)
{
    xmlXPathObjectPtr obj = doc ? xpath_at(xmlDocGetRootElement(doc), "status/errors/error")
                                : NULL;
    buf[0] = '\0';
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlChar *t = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? "; " : "", t ? (const char *)t : "");
        xmlFree(t);
    }
    xmlXPathFreeObject(obj);
    if (buf[0] == '\0' && errout)
        snprintf(buf, len, "%s", errout);
    buf[strcspn(buf, "\n")] = '\0';
    if (buf[0] == '\0')
        snprintf(buf, len, "no message");
}

static int crm_mon_failed(xmlDocPtr doc, const char *errout, const char *what,
                          struct ss_error *err)
{
    char why[ST_ERR_SHOWN];
    crm_mon_complaint(doc, errout, why, sizeof(why));
    return ss_error_set(err, SS_ERR_RUNTIME,
                        "status: crm_mon %s (%s); is the cluster running here (or CIB_file set "
                        "to a readable CIB)?",
                        what, why);
}

/* crm_mon prints its <nodes> only when it could read the cluster (it exits 0
 * without them when CIB_file cannot be read). */
static int has_nodes(xmlDocPtr doc)
{
    xmlXPathObjectPtr obj = xpath_at(xmlDocGetRootElement(doc), "nodes");
    int found = obj != NULL;
    xmlXPathFreeObject(obj);
    return found;
}

/* Run crm_mon; its parsed XML in *doc. */
static int run_crm_mon(xmlDocPtr *doc, struct ss_error *err)
{
    char *argv[] = {"crm_mon", "--one-shot", "--output-as=xml", NULL};
    char *out = NULL, *errout = NULL;
    int wait_status = 0;
    GError *gerr = NULL;
    int rc = 0;
    *doc = NULL;
    if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                      &wait_status, &gerr)) {
        rc = ss_error_set(err, SS_ERR_RUNTIME,
                          "status: cannot run crm_mon (%s); install Pacemaker's command line "
                          "tools (pacemaker-cli-utils)",
                          gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
    } else {
        *doc = xmlReadMemory(out, (int)strlen(out), "crm_mon.xml", NULL,
                             XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                                 XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
        char what[64];
        if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0)
            snprintf(what, sizeof(what), "failed with exit code %d", WEXITSTATUS(wait_status));
        else if (!WIFEXITED(wait_status))
            snprintf(what, sizeof(what), "was killed by signal %d", WTERMSIG(wait_status));
        else if (*doc == NULL)
            snprintf(what, sizeof(what), "printed no XML");
        else
            what[0] = '\0';
        if (what[0])
            rc = crm_mon_failed(*doc, errout, what, err);
    }
    if (rc == 0 && !has_nodes(*doc))
        rc = crm_mon_failed(*doc, errout, "could not read the cluster state", err);
    g_free(out);
    g_free(errout);
    if (rc != 0) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    return rc;
}

static void read_machines(xmlNodePtr mon, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(mon, "nodes/node[@name]");
    st->m = ss_xcalloc((size_t)xpath_count(obj) + 1, sizeof(*st->m));
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr n = obj->nodesetval->nodeTab[i];
        struct st_machine *m = &st->m[st->nm++];
        m->name = prop(n, "name");
        if (!prop_is(n, "online", "true"))
            m->state = ST_OFFLINE;
        else if (prop_is(n, "standby", "true"))
            m->state = ST_STANDBY;
        else
            m->state = ST_ONLINE;
    }
    xmlXPathFreeObject(obj);
}

static enum st_role instance_role(xmlNodePtr rsc)
{
    if (prop_is(rsc, "role", "Promoted") || prop_is(rsc, "role", "Master"))
        return ST_PROMOTED;
    if (prop_is(rsc, "role", "Unpromoted") || prop_is(rsc, "role", "Slave") ||
        prop_is(rsc, "role", "Started"))
        return ST_UNPROMOTED;
    return ST_STOPPED;
}

/* One active instance of store s on machine. */
static void add_instance(struct status *st, struct st_store *s, const char *machine,
                         enum st_role role)
{
    int m = machine_index(st, machine);
    struct st_slot *slot = slot_on(s, machine);
    if (slot && role > slot->role)
        slot->role = role;
    if (role == ST_PROMOTED && s->master == NULL)
        s->master = ss_xstrdup(machine);
    if (m >= 0 && role == ST_PROMOTED)
        st->m[m].masters++;
    else if (m >= 0 && role == ST_UNPROMOTED)
        st->m[m].replicas++;
}

static void read_instances(xmlNodePtr mon, struct status *st)
{
    xmlXPathObjectPtr obj = xpath_at(mon, "resources/clone/resource/node[@name]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr node = obj->nodesetval->nodeTab[i];
        xmlNodePtr rsc = node->parent;
        char *clone = prop(rsc->parent, "id");
        int s = lookup(st->store_ix, clone);
        free(clone);
        enum st_role role = instance_role(rsc);
        if (s < 0 || role == ST_STOPPED)
            continue;
        char *machine = prop(node, "name");
        add_instance(st, &st->s[s], machine, role);
        free(machine);
    }
    xmlXPathFreeObject(obj);
}

static int read_crm_mon(struct status *st, struct ss_error *err)
{
    xmlDocPtr doc = NULL;
    if (run_crm_mon(&doc, err) != 0)
        return SS_ERR_RUNTIME;
    read_machines(xmlDocGetRootElement(doc), st);
    read_instances(xmlDocGetRootElement(doc), st);
    xmlFreeDoc(doc);
    return 0;
}

/* ---- judging the slots -------------------------------------------------- */

/* The state word of one slot from its role, mark and promotion score. */
static const char *slot_state(const struct st_store *s, const struct st_slot *slot)
{
    if (s->master && strcmp(slot->machine, s->master) == 0)
        return "master";
    if (slot->marked)
        return "outdated";
    if (slot->role == ST_STOPPED)
        return "stopped";
    if (slot->score == NULL)
        return "unknown";
    if (strcmp(slot->score, "-INFINITY") == 0)
        return "outdated";
    if (strcmp(slot->score, "INFINITY") == 0 || strcmp(slot->score, "+INFINITY") == 0)
        return "in sync";
    char *end = NULL;
    long v = strtol(slot->score, &end, 10);
    if (end == slot->score || *end != '\0')
        return "unknown";
    return v >= ST_INSYNC ? "in sync" : v > 0 ? "catching up" : v < 0 ? "outdated" : "unknown";
}

static void judge(struct status *st)
{
    for (int i = 0; i < st->ns; i++) {
        struct st_store *s = &st->s[i];
        int m = machine_index(st, planned_master(s));
        if (m >= 0)
            st->m[m].planned++;
        for (int j = 0; j < s->nslots; j++) {
            s->slots[j].state = slot_state(s, &s->slots[j]);
            m = machine_index(st, s->slots[j].machine);
            if (m >= 0 && strcmp(s->slots[j].state, "outdated") == 0)
                st->m[m].outdated++;
        }
    }
}

struct st_totals {
    int online, standby, as_planned;
};

static struct st_totals totals(const struct status *st)
{
    struct st_totals t = {0, 0, 0};
    for (int i = 0; i < st->nm; i++) {
        t.online += st->m[i].state != ST_OFFLINE;
        t.standby += st->m[i].state == ST_STANDBY;
    }
    for (int i = 0; i < st->ns; i++)
        t.as_planned += as_planned(&st->s[i]);
    return t;
}

/* ---- text output -------------------------------------------------------- */

static const char *or_dash(const char *s)
{
    return s ? s : "-";
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static void text_header(const struct status *st)
{
    struct st_totals t = totals(st);
    char standby[48] = "";
    if (t.standby)
        snprintf(standby, sizeof(standby), " (%d in standby)", t.standby);
    printf("Cluster%s%s%s: %d of %d machines online%s, %d stores, %d of %d masters as planned\n",
           st->cib_file ? " (CIB_file=" : "", st->cib_file ? st->cib_file : "",
           st->cib_file ? ")" : "", t.online, st->nm, standby, st->ns, t.as_planned, st->ns);
}

static void text_machines(const struct status *st)
{
    printf("\n%-16s %-8s %8s %8s %9s %9s\n", "MACHINE", "STATE", "MASTERS", "PLANNED",
           "REPLICAS", "OUTDATED");
    for (int i = 0; i < st->nm; i++) {
        const struct st_machine *m = &st->m[i];
        printf("%-16s %-8s %8d %8d %9d %9d\n", m->name, node_state_name[m->state], m->masters,
               m->planned, m->replicas, m->outdated);
    }
}

static void text_slot(const struct st_slot *slot, int first)
{
    printf("%s%s %s", first ? "" : ", ", slot->machine, slot->state);
    if (slot->lag == NULL)
        return;
    char *end = NULL;
    strtol(slot->lag, &end, 10);
    int seconds = end != slot->lag && *end == '\0';
    printf(" (lag %s%s)", slot->lag, seconds ? "s" : "");
}

static void text_stores(const struct status *st)
{
    printf("\n%-16s %-16s %-16s %s\n", "STORE", "MASTER", "PLANNED", "OTHER SLOTS");
    for (int i = 0; i < st->ns; i++) {
        const struct st_store *s = &st->s[i];
        printf("%-16s %-16s %-16s ", s->name, s->master ? s->master : "NONE",
               or_dash(planned_master(s)));
        int shown = 0;
        for (int j = 0; j < s->nslots; j++)
            if (strcmp(s->slots[j].state, "master") != 0)
                text_slot(&s->slots[j], shown++ == 0);
        printf("%s%s\n", shown ? "" : "-", moved(s) ? "  moved" : "");
    }
}

static void text_lists(const struct status *st)
{
    printf("\nManual constraints (cli-*):%s\n", st->nc ? "" : " none");
    for (int i = 0; i < st->nc; i++) {
        const struct st_constraint *c = &st->c[i];
        printf("  %-32s rsc %s role %s node %s score %s\n", c->id, or_dash(c->rsc),
               or_dash(c->role), or_dash(c->node), or_dash(c->score));
    }
    printf("\nOutdated marks:%s\n", st->nmk ? "" : " none");
    for (int i = 0; i < st->nmk; i++)
        printf("  %s on %s%s%s%s\n", st->mk[i].store, st->mk[i].machine,
               st->mk[i].leftover ? "  leftover: " : "", or_empty(st->mk[i].leftover),
               st->mk[i].leftover ? " (slotstore marks --clear)" : "");
}

static void print_text(const struct status *st)
{
    text_header(st);
    text_machines(st);
    text_stores(st);
    text_lists(st);
}

/* ---- XML output --------------------------------------------------------- */

static void xml_str(xmlTextWriterPtr w, const char *name, const char *v)
{
    if (v)
        xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
}

static void xml_int(xmlTextWriterPtr w, const char *name, int v)
{
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%d", v);
}

static void xml_machine(xmlTextWriterPtr w, const struct st_machine *m)
{
    xmlTextWriterStartElement(w, BAD_CAST "machine");
    xml_str(w, "name", m->name);
    xml_str(w, "state", node_state_name[m->state]);
    xml_int(w, "masters", m->masters);
    xml_int(w, "planned-masters", m->planned);
    xml_int(w, "replicas", m->replicas);
    xml_int(w, "outdated", m->outdated);
    xmlTextWriterEndElement(w);
}

static void xml_store(xmlTextWriterPtr w, const struct st_store *s)
{
    xmlTextWriterStartElement(w, BAD_CAST "store");
    xml_str(w, "name", s->name);
    xml_str(w, "master", s->master);
    xml_str(w, "planned-master", planned_master(s));
    xml_str(w, "moved", moved(s) ? "true" : "false");
    for (int j = 0; j < s->nslots; j++) {
        const struct st_slot *slot = &s->slots[j];
        xmlTextWriterStartElement(w, BAD_CAST "slot");
        xml_str(w, "machine", slot->machine);
        xml_int(w, "position", j);
        xml_str(w, "role", role_name[slot->role]);
        xml_str(w, "state", slot->state);
        xml_str(w, "score", slot->score);
        xml_str(w, "lag", slot->lag);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

static void xml_lists(xmlTextWriterPtr w, const struct status *st)
{
    for (int i = 0; i < st->nc; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "constraint");
        xml_str(w, "id", st->c[i].id);
        xml_str(w, "rsc", st->c[i].rsc);
        xml_str(w, "role", st->c[i].role);
        xml_str(w, "node", st->c[i].node);
        xml_str(w, "score", st->c[i].score);
        xmlTextWriterEndElement(w);
    }
    for (int i = 0; i < st->nmk; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "mark");
        xml_str(w, "store", st->mk[i].store);
        xml_str(w, "machine", st->mk[i].machine);
        xml_str(w, "leftover", st->mk[i].leftover ? "true" : "false");
        xmlTextWriterEndElement(w);
    }
}

static void xml_body(xmlTextWriterPtr w, const struct status *st)
{
    struct st_totals t = totals(st);
    xmlTextWriterStartElement(w, BAD_CAST "status");
    xml_str(w, "cib-file", st->cib_file);
    xml_int(w, "machines", st->nm);
    xml_int(w, "online", t.online);
    xml_int(w, "standby", t.standby);
    xml_int(w, "stores", st->ns);
    xml_int(w, "as-planned", t.as_planned);
    for (int i = 0; i < st->nm; i++)
        xml_machine(w, &st->m[i]);
    for (int i = 0; i < st->ns; i++)
        xml_store(w, &st->s[i]);
    xml_lists(w, st);
    xmlTextWriterEndElement(w);
}

static void print_xml(const struct status *st)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(w, BAD_CAST "slotstore-result");
    xml_str(w, "version", PACKAGE_VERSION);
    xml_str(w, "request", "status");
    xml_body(w, st);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    fputs((const char *)xmlBufferContent(buf), stdout);
    xmlBufferFree(buf);
}

/* ---- command ------------------------------------------------------------ */

/* 0 to go on, -1 after --help, else an exit code. */
static int parse_opts(int argc, char **argv, enum ss_output *out)
{
    *out = SS_OUT_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char joined[64];
        if (strcmp(a, "--output-as") == 0 && i + 1 < argc) {
            snprintf(joined, sizeof(joined), "--output-as=%s", argv[++i]);
            a = joined;
        }
        int r = cli_output_option(a, out);
        if (r < 0) {
            fprintf(stderr, "slotstore: status: bad output format (%s); use --output-as=text or "
                            "--output-as=xml\n", a);
            return SS_EXIT_INPUT;
        }
        if (r == 0)
            continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(status_usage, stdout);
            return -1;
        }
        fprintf(stderr, "slotstore: status: unexpected argument '%s'; see slotstore status "
                        "--help\n", a);
        return SS_EXIT_INPUT;
    }
    return 0;
}

static void slots_free(struct st_store *s)
{
    for (int j = 0; j < s->nslots; j++) {
        free(s->slots[j].machine);
        free(s->slots[j].score);
        free(s->slots[j].lag);
    }
    free(s->slots);
}

static void status_free(struct status *st)
{
    for (int i = 0; i < st->nm; i++)
        free(st->m[i].name);
    for (int i = 0; i < st->ns; i++) {
        slots_free(&st->s[i]);
        free(st->s[i].name);
        free(st->s[i].prim);
        free(st->s[i].master);
    }
    for (int i = 0; i < st->nc; i++) {
        free(st->c[i].id);
        free(st->c[i].rsc);
        free(st->c[i].role);
        free(st->c[i].node);
        free(st->c[i].score);
    }
    for (int i = 0; i < st->nmk; i++) {
        free(st->mk[i].store);
        free(st->mk[i].machine);
    }
    free(st->m);
    free(st->s);
    free(st->c);
    free(st->mk);
    g_hash_table_destroy(st->store_ix);
    g_hash_table_destroy(st->prim_ix);
}

int cmd_status(int argc, char **argv)
{
    enum ss_output out;
    int rc = parse_opts(argc, argv, &out);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    struct status st = {0};
    const char *file = getenv("CIB_file");
    st.cib_file = file && *file ? file : NULL;
    st.store_ix = g_hash_table_new(g_str_hash, g_str_equal);
    st.prim_ix = g_hash_table_new(g_str_hash, g_str_equal);
    struct ss_error err = {0};
    if (check_cib_file(&st, &err) != 0 || read_cib(&st, &err) != 0 ||
        read_crm_mon(&st, &err) != 0) {
        rc = cli_fail(&err);
    } else {
        judge(&st);
        if (out == SS_OUT_XML)
            print_xml(&st);
        else
            print_text(&st);
    }
    status_free(&st);
    return rc;
}
