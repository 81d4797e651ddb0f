/* cluster_state.c - read crm_mon and the CIB into a cluster_state (see
 * cluster_state.h); shared by status, drain and undrain. */
#include "cluster_state.h"
#include "xml_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cib_xml.h"
#include "live_cib.h"
#include "placement_int.h"

#define CS_ERR_SHOWN 400        /* characters of crm_mon's complaint in a message */

const char *const cs_node_state_name[] = {"online", "standby", "offline"};
const char *const cs_role_name[] = {"Stopped", "Unpromoted", "Promoted"};
const char *const cs_slot_state_name[] = {"master",   "in sync", "catching up",
                                          "outdated", "stopped", "unknown"};

/* ---- small helpers ----------------------------------------------------- */

static void *grow(void *v, int n, size_t size)
{
    void *r = realloc(v, size * (size_t)(n + 1));
    if (r == NULL)
        abort();
    return r;
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

int cs_machine_index(const struct cluster_state *cs, const char *name)
{
    for (int i = 0; name && i < cs->nm; i++)
        if (strcmp(cs->m[i].name, name) == 0)
            return i;
    return -1;
}

int cs_store_index(const struct cluster_state *cs, const char *name)
{
    return lookup(cs->store_ix, name);
}

struct cs_slot *cs_slot_on(const struct cs_store *s, const char *machine)
{
    for (int i = 0; machine && i < s->nslots; i++)
        if (strcmp(s->slots[i].machine, machine) == 0)
            return &s->slots[i];
    return NULL;
}

const char *cs_planned_master(const struct cs_store *s)
{
    return s->nslots > 0 ? s->slots[0].machine : NULL;
}

const struct cs_constraint *cs_constraint(const struct cluster_state *cs, const char *id)
{
    for (int i = 0; i < cs->nc; i++)
        if (cs->c[i].id && strcmp(cs->c[i].id, id) == 0)
            return &cs->c[i];
    return NULL;
}

/* ---- the CIB: stores, manual constraints, marks, transient attributes --- */

static char *slots_value(xmlNodePtr prim)
{
    xmlXPathObjectPtr obj = xpath_at(prim, "instance_attributes/nvpair[@name='slots']");
    char *v = obj ? ss_xml_prop(obj->nodesetval->nodeTab[0], "value", NULL) : NULL;
    xmlXPathFreeObject(obj);
    return v;
}

/* "imap01:3@addr imap07:12@addr" -> the machines in failover order. */
static void parse_slots(struct cs_store *s, const char *value)
{
    char *copy = ss_xstrdup(value), *save = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        tok[strcspn(tok, ":@")] = '\0';
        if (*tok == '\0' || cs_slot_on(s, tok))
            continue;
        s->slots = grow(s->slots, s->nslots, sizeof(*s->slots));
        s->slots[s->nslots++] = (struct cs_slot){.machine = ss_xstrdup(tok)};
    }
    free(copy);
}

static void read_stores(xmlNodePtr cib, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/resources/clone/primitive[@class='"
                                          SS_AGENT_CLASS "' and @provider='" SS_AGENT_PROVIDER
                                          "' and @type='" SS_AGENT_TYPE "']");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr prim = obj->nodesetval->nodeTab[i];
        char *name = ss_xml_prop(prim->parent, "id", NULL), *id = ss_xml_prop(prim, "id", NULL);
        if (name == NULL || id == NULL || lookup(cs->store_ix, name) >= 0) {
            free(name);
            free(id);
            continue;
        }
        cs->s = grow(cs->s, cs->ns, sizeof(*cs->s));
        struct cs_store *s = &cs->s[cs->ns];
        *s = (struct cs_store){.name = name, .prim = id};
        char *slots = slots_value(prim);
        if (slots)
            parse_slots(s, slots);
        free(slots);
        cs->ns++;
        g_hash_table_insert(cs->store_ix, s->name, GINT_TO_POINTER(cs->ns));
        g_hash_table_insert(cs->prim_ix, s->prim, GINT_TO_POINTER(cs->ns));
    }
    xmlXPathFreeObject(obj);
}

static void read_constraints(xmlNodePtr cib, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/constraints/rsc_location[starts-with("
                                          "@id, '" CS_MANUAL_PREFIX "')]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr n = obj->nodesetval->nodeTab[i];
        cs->c = grow(cs->c, cs->nc, sizeof(*cs->c));
        cs->c[cs->nc++] = (struct cs_constraint){
            .id = ss_xml_prop(n, "id", NULL), .rsc = ss_xml_prop(n, "rsc", NULL),
            .role = ss_xml_prop(n, "role", NULL), .node = ss_xml_prop(n, "node", NULL),
            .score = ss_xml_prop(n, "score", NULL)};
    }
    xmlXPathFreeObject(obj);
}

/* Permanent node attributes slotstore-outdated-<store> (any value, as
 * `slotstore marks` counts them). */
static void read_marks(xmlNodePtr cib, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/nodes/node/instance_attributes/nvpair"
                                          "[starts-with(@name, '" CS_MARK_PREFIX "')]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr nv = obj->nodesetval->nodeTab[i];
        char *name = ss_xml_prop(nv, "name", NULL);
        char *machine = nv->parent ? ss_xml_prop(nv->parent->parent, "uname", NULL) : NULL;
        if (machine == NULL) {
            free(name);
            continue;
        }
        struct cs_mark mk = {ss_xstrdup(name + strlen(CS_MARK_PREFIX)), machine, NULL};
        free(name);
        int s = lookup(cs->store_ix, mk.store);
        struct cs_slot *slot = s >= 0 ? cs_slot_on(&cs->s[s], mk.machine) : NULL;
        if (slot)
            slot->marked = 1;
        else
            mk.leftover = s < 0 ? "no such store" : "no slot of the store there";
        cs->mk = grow(cs->mk, cs->nmk, sizeof(*cs->mk));
        cs->mk[cs->nmk++] = mk;
    }
    xmlXPathFreeObject(obj);
}

/* The node a node_state describes: its uname, else the configured node with its id. */
static char *state_uname(xmlNodePtr cib, xmlNodePtr node_state)
{
    char *uname = ss_xml_prop(node_state, "uname", NULL);
    char *id = uname ? NULL : ss_xml_prop(node_state, "id", NULL);
    if (id && strchr(id, '\'') == NULL) {
        char expr[300];
        snprintf(expr, sizeof(expr), "configuration/nodes/node[@id='%s']", id);
        xmlXPathObjectPtr obj = xpath_at(cib, expr);
        uname = obj ? ss_xml_prop(obj->nodesetval->nodeTab[0], "uname", NULL) : NULL;
        xmlXPathFreeObject(obj);
    }
    free(id);
    return uname;
}

/* One transient attribute: master-<primitive> or slotstore-lag-<store>. */
static void transient_attr(struct cluster_state *cs, const char *machine, const char *name,
                           const char *value)
{
    int lag = strncmp(name, CS_LAG_PREFIX, strlen(CS_LAG_PREFIX)) == 0;
    int s = -1;
    if (lag)
        s = lookup(cs->store_ix, name + strlen(CS_LAG_PREFIX));
    else if (strncmp(name, CS_SCORE_PREFIX, strlen(CS_SCORE_PREFIX)) == 0)
        s = lookup(cs->prim_ix, name + strlen(CS_SCORE_PREFIX));
    struct cs_slot *slot = s >= 0 ? cs_slot_on(&cs->s[s], machine) : NULL;
    if (slot == NULL || value == NULL)
        return;
    char **field = lag ? &slot->lag : &slot->score;
    free(*field);
    *field = ss_xstrdup(value);
}

static void read_transient(xmlNodePtr cib, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "status/node_state");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr ns = obj->nodesetval->nodeTab[i];
        char *machine = state_uname(cib, ns);
        xmlXPathObjectPtr nvs =
            machine ? xpath_at(ns, "transient_attributes/instance_attributes/nvpair") : NULL;
        for (int j = 0; j < xpath_count(nvs); j++) {
            xmlNodePtr nv = nvs->nodesetval->nodeTab[j];
            char *name = ss_xml_prop(nv, "name", NULL), *value = ss_xml_prop(nv, "value", NULL);
            if (name)
                transient_attr(cs, machine, name, value);
            free(name);
            free(value);
        }
        xmlXPathFreeObject(nvs);
        free(machine);
    }
    xmlXPathFreeObject(obj);
}

/* drain/undrain's lock: present as soon as its cluster_property_set is. */
static void read_lock(xmlNodePtr cib, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(cib, "configuration/crm_config/cluster_property_set[@id='"
                                          CS_LOCK_ID "']");
    if (obj == NULL)
        return;
    xmlXPathObjectPtr nv = xpath_at(obj->nodesetval->nodeTab[0],
                                    "nvpair[@name='" CS_LOCK_ID "']");
    cs->lock = nv ? ss_xml_prop(nv->nodesetval->nodeTab[0], "value", NULL) : NULL;
    if (cs->lock == NULL)
        cs->lock = ss_xstrdup("(no value)");
    xmlXPathFreeObject(nv);
    xmlXPathFreeObject(obj);
}

/* Everything cluster_state takes from the CIB, from one copy of it. */
static void read_cib_parts(struct cluster_state *cs, xmlNodePtr cib)
{
    read_stores(cib, cs);
    read_constraints(cib, cs);
    read_marks(cib, cs);
    read_transient(cib, cs);
    read_lock(cib, cs);
    /* a CIB file has no DC: its own have-quorum is what crm_simulate uses */
    if (cs->cib_file)
        cs->quorum = ss_xml_prop_is(cib, "have-quorum", "1") ||
                     ss_xml_prop_is(cib, "have-quorum", "true");
}

static int read_cib(struct cluster_state *cs, struct ss_error *err)
{
    struct live_cib lc = {0};
    if (live_cib_open(&lc, cs->who, err) != 0) {
        live_cib_close(&lc);
        return SS_ERR_RUNTIME;
    }
    read_cib_parts(cs, lc.current);
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

static int crm_mon_failed(const struct cluster_state *cs, xmlDocPtr doc, const char *errout,
                          const char *what, struct ss_error *err)
{
    char why[CS_ERR_SHOWN];
    crm_mon_complaint(doc, errout, why, sizeof(why));
    return ss_error_set(err, SS_ERR_RUNTIME,
                        "%s: crm_mon %s (%s); is the cluster running here (or CIB_file set "
                        "to a readable CIB)?",
                        cs->who, what, why);
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

/* In the child: its own process group (a terminal's ^C reaches only us, who
 * then finish cleanly) and nothing to read. */
static void detach_child(gpointer unused)
{
    (void)unused;
    setpgid(0, 0);
    int fd = open("/dev/null", O_RDONLY);
    if (fd > 0) {
        dup2(fd, 0);
        close(fd);
    }
}

int cs_run(char **argv, const char *other_cib, int detach, struct cs_child *c, char **why)
{
    int wait_status = 0;
    GError *gerr = NULL;
    char **envp = other_cib ? g_environ_setenv(g_get_environ(), "CIB_file", other_cib, TRUE)
                            : NULL;
    *c = (struct cs_child){0};
    int ok = g_spawn_sync(NULL, argv, envp, G_SPAWN_SEARCH_PATH, detach ? detach_child : NULL,
                          NULL, &c->out, &c->err, &wait_status, &gerr);
    g_strfreev(envp);
    if (!ok) {
        *why = g_strdup(gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        return -1;
    }
    c->code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    c->sig = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    return 0;
}

void cs_child_clear(struct cs_child *c)
{
    g_free(c->out);
    g_free(c->err);
    *c = (struct cs_child){0};
}

static xmlDocPtr parse_crm_mon(const char *out)
{
    return xmlReadMemory(out, (int)strlen(out), "crm_mon.xml", NULL,
                         XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
}

/* Run crm_mon (on other_cib when not NULL); its parsed XML in *doc. */
static int run_crm_mon(const struct cluster_state *cs, const char *other_cib, xmlDocPtr *doc,
                       struct ss_error *err)
{
    char *argv[] = {"crm_mon", "--one-shot", "--output-as=xml", NULL};
    struct cs_child c;
    char *why = NULL;
    int rc = 0;
    *doc = NULL;
    if (cs_run(argv, other_cib, cs->own_pgrp, &c, &why) != 0) {
        rc = ss_error_set(err, SS_ERR_RUNTIME,
                          "%s: cannot run crm_mon (%s); install Pacemaker's command line "
                          "tools (pacemaker-cli-utils)",
                          cs->who, why);
        g_free(why);
    } else {
        *doc = parse_crm_mon(c.out);
        char what[64];
        if (c.code > 0)
            snprintf(what, sizeof(what), "failed with exit code %d", c.code);
        else if (c.code < 0)
            snprintf(what, sizeof(what), "was killed by signal %d", c.sig);
        else if (*doc == NULL)
            snprintf(what, sizeof(what), "printed no XML");
        else
            what[0] = '\0';
        if (what[0])
            rc = crm_mon_failed(cs, *doc, c.err, what, err);
    }
    if (rc == 0 && !has_nodes(*doc))
        rc = crm_mon_failed(cs, *doc, c.err, "could not read the cluster state", err);
    cs_child_clear(&c);
    if (rc != 0) {
        xmlFreeDoc(*doc);
        *doc = NULL;
    }
    return rc;
}

static void read_machines(xmlNodePtr mon, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(mon, "nodes/node[@name]");
    cs->m = ss_xcalloc((size_t)xpath_count(obj) + 1, sizeof(*cs->m));
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr n = obj->nodesetval->nodeTab[i];
        struct cs_machine *m = &cs->m[cs->nm++];
        m->name = ss_xml_prop(n, "name", NULL);
        if (!ss_xml_prop_is(n, "online", "true"))
            m->state = CS_OFFLINE;
        else if (ss_xml_prop_is(n, "standby", "true"))
            m->state = CS_STANDBY;
        else
            m->state = CS_ONLINE;
    }
    xmlXPathFreeObject(obj);
}

/* The live cluster's quorum: its DC's view. */
static int read_quorum(xmlNodePtr mon)
{
    xmlXPathObjectPtr obj = xpath_at(mon, "summary/current_dc[@with_quorum='true']");
    int quorum = obj != NULL;
    xmlXPathFreeObject(obj);
    return quorum;
}

static enum cs_role instance_role(xmlNodePtr rsc)
{
    if (ss_xml_prop_is(rsc, "role", "Promoted") || ss_xml_prop_is(rsc, "role", "Master"))
        return CS_PROMOTED;
    if (ss_xml_prop_is(rsc, "role", "Unpromoted") || ss_xml_prop_is(rsc, "role", "Slave") ||
        ss_xml_prop_is(rsc, "role", "Started"))
        return CS_UNPROMOTED;
    return CS_STOPPED;
}

/* One active instance of store s on machine. */
static void add_instance(struct cluster_state *cs, struct cs_store *s, const char *machine,
                         enum cs_role role)
{
    int m = cs_machine_index(cs, machine);
    struct cs_slot *slot = cs_slot_on(s, machine);
    if (slot && role > slot->role)
        slot->role = role;
    if (role == CS_PROMOTED && s->master == NULL)
        s->master = ss_xstrdup(machine);
    if (m >= 0 && role == CS_PROMOTED)
        cs->m[m].masters++;
    else if (m >= 0 && role == CS_UNPROMOTED)
        cs->m[m].replicas++;
}

static void read_instances(xmlNodePtr mon, struct cluster_state *cs)
{
    xmlXPathObjectPtr obj = xpath_at(mon, "resources/clone/resource/node[@name]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr node = obj->nodesetval->nodeTab[i];
        xmlNodePtr rsc = node->parent;
        char *clone = ss_xml_prop(rsc->parent, "id", NULL);
        int s = lookup(cs->store_ix, clone);
        free(clone);
        enum cs_role role = instance_role(rsc);
        if (s < 0 || role == CS_STOPPED)
            continue;
        char *machine = ss_xml_prop(node, "name", NULL);
        add_instance(cs, &cs->s[s], machine, role);
        free(machine);
    }
    xmlXPathFreeObject(obj);
}

static int read_crm_mon(struct cluster_state *cs, const char *other_cib, struct ss_error *err)
{
    xmlDocPtr doc = NULL;
    if (run_crm_mon(cs, other_cib, &doc, err) != 0)
        return SS_ERR_RUNTIME;
    read_machines(xmlDocGetRootElement(doc), cs);
    read_instances(xmlDocGetRootElement(doc), cs);
    if (cs->cib_file == NULL && other_cib == NULL)
        cs->quorum = read_quorum(xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return 0;
}

/* ---- judging the slots -------------------------------------------------- */

/* The state of one slot from its role, mark and promotion score. */
static enum cs_slot_state slot_state(const struct cs_store *s, const struct cs_slot *slot)
{
    if (s->master && strcmp(slot->machine, s->master) == 0)
        return CS_MASTER;
    if (slot->marked)
        return CS_OUTDATED;
    if (slot->role == CS_STOPPED)
        return CS_SLOT_STOPPED;
    if (slot->score == NULL)
        return CS_UNKNOWN;
    if (strcmp(slot->score, "-INFINITY") == 0)
        return CS_OUTDATED;
    if (strcmp(slot->score, "INFINITY") == 0 || strcmp(slot->score, "+INFINITY") == 0)
        return CS_IN_SYNC;
    char *end = NULL;
    long v = strtol(slot->score, &end, 10);
    if (end == slot->score || *end != '\0')
        return CS_UNKNOWN;
    return v >= CS_INSYNC ? CS_IN_SYNC : v > 0 ? CS_CATCHING_UP : v < 0 ? CS_OUTDATED
                                                                           : CS_UNKNOWN;
}

static void judge(struct cluster_state *cs)
{
    for (int i = 0; i < cs->ns; i++) {
        struct cs_store *s = &cs->s[i];
        int m = cs_machine_index(cs, cs_planned_master(s));
        if (m >= 0)
            cs->m[m].planned++;
        for (int j = 0; j < s->nslots; j++) {
            s->slots[j].state = slot_state(s, &s->slots[j]);
            m = cs_machine_index(cs, s->slots[j].machine);
            if (m >= 0 && s->slots[j].state == CS_OUTDATED)
                cs->m[m].outdated++;
        }
    }
}

/* ---- the whole state ---------------------------------------------------- */

static void start(struct cluster_state *cs, const char *who)
{
    const char *file = getenv("CIB_file");
    int own_pgrp = cs->own_pgrp;
    *cs = (struct cluster_state){.who = who, .cib_file = file && *file ? file : NULL,
                                 .own_pgrp = own_pgrp};
    cs->store_ix = g_hash_table_new(g_str_hash, g_str_equal);
    cs->prim_ix = g_hash_table_new(g_str_hash, g_str_equal);
}

int cluster_state_read(struct cluster_state *cs, const char *who, struct ss_error *err)
{
    start(cs, who);
    if (live_cib_check_file(who, err) != 0 || read_cib(cs, err) != 0 ||
        read_crm_mon(cs, NULL, err) != 0)
        return SS_ERR_RUNTIME;
    judge(cs);
    return 0;
}

int cluster_state_of_cib(struct cluster_state *cs, const char *who, xmlNodePtr cib,
                         struct ss_error *err)
{
    start(cs, who);
    read_cib_parts(cs, cib);
    char *why = NULL;
    char *path = ss_xml_temp_file(cib, "slotstore-state-XXXXXX.xml", &why);
    if (path == NULL) {
        ss_error_set(err, SS_ERR_RUNTIME, "%s: cannot write a copy of the CIB for crm_mon: %s",
                     who, why);
        g_free(why);
        return SS_ERR_RUNTIME;
    }
    int rc = read_crm_mon(cs, path, err) != 0 ? SS_ERR_RUNTIME : 0;
    unlink(path);
    g_free(path);
    if (rc == 0)
        judge(cs);
    return rc;
}

static void machines_free(struct cluster_state *cs)
{
    for (int i = 0; i < cs->nm; i++)
        free(cs->m[i].name);
    free(cs->m);
    cs->m = NULL;
    cs->nm = 0;
}

int cluster_state_read_roles(struct cluster_state *cs, const char *other_cib,
                             struct ss_error *err)
{
    machines_free(cs);
    for (int i = 0; i < cs->ns; i++) {
        free(cs->s[i].master);
        cs->s[i].master = NULL;
        for (int j = 0; j < cs->s[i].nslots; j++)
            cs->s[i].slots[j].role = CS_STOPPED;
    }
    if (read_crm_mon(cs, other_cib, err) != 0)
        return SS_ERR_RUNTIME;
    judge(cs);
    return 0;
}

static void slots_free(struct cs_store *s)
{
    for (int j = 0; j < s->nslots; j++) {
        free(s->slots[j].machine);
        free(s->slots[j].score);
        free(s->slots[j].lag);
    }
    free(s->slots);
}

void cluster_state_free(struct cluster_state *cs)
{
    machines_free(cs);
    for (int i = 0; i < cs->ns; i++) {
        slots_free(&cs->s[i]);
        free(cs->s[i].name);
        free(cs->s[i].prim);
        free(cs->s[i].master);
    }
    for (int i = 0; i < cs->nc; i++) {
        free(cs->c[i].id);
        free(cs->c[i].rsc);
        free(cs->c[i].role);
        free(cs->c[i].node);
        free(cs->c[i].score);
    }
    for (int i = 0; i < cs->nmk; i++) {
        free(cs->mk[i].store);
        free(cs->mk[i].machine);
    }
    free(cs->s);
    free(cs->c);
    free(cs->mk);
    free(cs->lock);
    if (cs->store_ix)
        g_hash_table_destroy(cs->store_ix);
    if (cs->prim_ix)
        g_hash_table_destroy(cs->prim_ix);
    int own_pgrp = cs->own_pgrp;
    *cs = (struct cluster_state){.own_pgrp = own_pgrp};
}
