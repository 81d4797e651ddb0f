/* cib_xml.c - placements as Pacemaker CIB XML (libxml2), and back. */
#include "cib_xml.h"
#include "xml_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

#define X(s) ((const xmlChar *)(s))

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    return xmlNewChild(parent, NULL, X(name), NULL);
}

static void attr(xmlNodePtr n, const char *name, const char *value)
{
    xmlNewProp(n, X(name), X(value));
}

static void nvpair(xmlNodePtr set, const char *idprefix, const char *name, const char *value)
{
    char id[1024];
    snprintf(id, sizeof(id), "%s-%s", idprefix, name);
    xmlNodePtr nv = child(set, "nvpair");
    attr(nv, "id", id);
    attr(nv, "name", name);
    attr(nv, "value", value);
}

static void op(xmlNodePtr ops, const char *rsc, const char *name, const char *interval,
               const char *timeout, const char *role)
{
    char id[1024];
    snprintf(id, sizeof(id), "%s-%s-%s%s%s", rsc, name, interval, role ? "-" : "",
             role ? role : "");
    xmlNodePtr o = child(ops, "op");
    attr(o, "id", id);
    attr(o, "name", name);
    attr(o, "interval", interval);
    attr(o, "timeout", timeout);
    if (role)
        attr(o, "role", role);
}

/* "imap01:3@10.0.1.3 imap07:12@10.0.7.12": every slot of the store, failover order. */
static int slots_param(const struct ss_placement *p, const struct ss_store *st, char *buf,
                       size_t len, struct ss_error *err)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int c = 0; c < p->copies; c++) {
        char addr[256];
        int m = st->machine[c];
        if (ss_topology_slot_address(p->topo, m, st->slot[c], addr, sizeof(addr), err) != 0)
            return SS_ERR_INPUT;
        int w = snprintf(buf + o, len - o, "%s%s:%d@%s", c ? " " : "", p->topo->machines[m].name,
                         st->slot[c], addr);
        if (w < 0 || (size_t)w >= len - o)
            return ss_error_set(err, SS_ERR_INPUT, "store %s: slot list too long", st->name);
        o += (size_t)w;
    }
    return 0;
}

static int add_store(const struct ss_placement *p, const struct ss_store *st, xmlNodePtr resources,
                     xmlNodePtr constraints, struct ss_error *err)
{
    const struct ss_topology *t = p->topo;
    char id[640], num[32], slots[4096];
    int rc = slots_param(p, st, slots, sizeof(slots), err);
    if (rc != 0)
        return rc;

    xmlNodePtr clone = child(resources, "clone");
    attr(clone, "id", st->name);
    snprintf(id, sizeof(id), "%s-meta", st->name);
    xmlNodePtr meta = child(clone, "meta_attributes");
    attr(meta, "id", id);
    snprintf(num, sizeof(num), "%d", p->copies);
    nvpair(meta, id, "promotable", "true");
    nvpair(meta, id, "clone-max", num);
    nvpair(meta, id, "clone-node-max", "1");
    nvpair(meta, id, "promoted-max", "1");
    nvpair(meta, id, "promoted-node-max", "1");
    nvpair(meta, id, "notify", "true");
    nvpair(meta, id, "interleave", "true");

    char prim_id[256];
    snprintf(prim_id, sizeof(prim_id), "%s-cyrus", st->name);
    xmlNodePtr prim = child(clone, "primitive");
    attr(prim, "id", prim_id);
    attr(prim, "class", SS_AGENT_CLASS);
    attr(prim, "provider", SS_AGENT_PROVIDER);
    attr(prim, "type", SS_AGENT_TYPE);
    snprintf(id, sizeof(id), "%s-params", prim_id);
    xmlNodePtr ia = child(prim, "instance_attributes");
    attr(ia, "id", id);
    nvpair(ia, id, "store", st->name);
    nvpair(ia, id, "slots", slots);
    snprintf(num, sizeof(num), "%d", t->imap_port);
    nvpair(ia, id, "imap_port", num);
    snprintf(num, sizeof(num), "%d", t->lmtp_port);
    nvpair(ia, id, "lmtp_port", num);
    snprintf(num, sizeof(num), "%d", t->sync_port);
    nvpair(ia, id, "sync_port", num);
    for (int i = 0; i < t->nparams; i++)
        nvpair(ia, id, t->params[i].key, t->params[i].value);
    xmlNodePtr ops = child(prim, "operations");
    op(ops, prim_id, "start", "0s", "60s", NULL);
    op(ops, prim_id, "stop", "0s", "60s", NULL);
    op(ops, prim_id, "promote", "0s", "60s", NULL);
    op(ops, prim_id, "demote", "0s", "120s", NULL);
    op(ops, prim_id, "notify", "0s", "30s", NULL);
    op(ops, prim_id, "monitor", "5s", "30s", "Promoted");
    op(ops, prim_id, "monitor", "7s", "30s", "Unpromoted");

    for (int c = 0; c < p->copies; c++) {
        const char *node = t->machines[st->machine[c]].name;
        xmlNodePtr loc = child(constraints, "rsc_location");
        snprintf(id, sizeof(id), SS_ID_PREFIX "loc-%s-%s", st->name, node);
        attr(loc, "id", id);
        attr(loc, "rsc", st->name);
        attr(loc, "node", node);
        snprintf(num, sizeof(num), "%d", SS_LOCATION_SCORE);
        attr(loc, "score", num);
        attr(loc, "resource-discovery", "exclusive");
    }
    for (int c = 0; c < p->copies; c++) {
        const char *node = t->machines[st->machine[c]].name;
        xmlNodePtr pref = child(constraints, "rsc_location");
        snprintf(id, sizeof(id), SS_ID_PREFIX "pref-%s-%s", st->name, node);
        attr(pref, "id", id);
        attr(pref, "rsc", st->name);
        attr(pref, "role", "Promoted");
        attr(pref, "node", node);
        snprintf(num, sizeof(num), "%d", SS_PREF_STEP * (p->copies - c));
        attr(pref, "score", num);
    }
    return 0;
}

int ss_cib_owned_sections(const struct ss_placement *p, xmlNodePtr *resources,
                          xmlNodePtr *constraints, struct ss_error *err)
{
    xmlNodePtr res = xmlNewNode(NULL, X("resources"));
    xmlNodePtr con = xmlNewNode(NULL, X("constraints"));
    for (int s = 0; s < p->nstores; s++) {
        int rc = add_store(p, &p->stores[s], res, con, err);
        if (rc != 0) {
            xmlFreeNode(res);
            xmlFreeNode(con);
            return rc;
        }
    }
    *resources = res;
    *constraints = con;
    return 0;
}

static void cluster_options(xmlNodePtr crm_config)
{
    xmlNodePtr set = child(crm_config, "cluster_property_set");
    const char *id = SS_ID_PREFIX "options";
    attr(set, "id", id);
    /* opt-in: a store may only run where a location constraint allows it */
    nvpair(set, id, "symmetric-cluster", "false");
    /* a partition without quorum keeps its replicas but accepts no writes */
    nvpair(set, id, "no-quorum-policy", "demote");
    /* a cut-off master must be fenced before its store is promoted elsewhere */
    nvpair(set, id, "stonith-enabled", "true");
    /* in a split, the side holding more masters survives (promoted counts +1) */
    nvpair(set, id, "priority-fencing-delay", "10s");
    nvpair(set, id, "dc-deadtime", "5s");
    nvpair(set, id, "load-threshold", SS_LOAD_THRESHOLD);
}

/* One stonith device able to fence every machine (the lab's, or IPMI/PDU), allowed on
 * every machine: in an opt-in cluster a device without a location is disabled. */
static void add_fence_device(const struct ss_topology *t, xmlNodePtr resources,
                             xmlNodePtr constraints)
{
    const char *id = SS_ID_PREFIX "fence";
    xmlNodePtr prim = xmlNewNode(NULL, X("primitive"));
    attr(prim, "id", id);
    attr(prim, "class", "stonith");
    attr(prim, "type", t->fence_agent);
    xmlNodePtr ia = child(prim, "instance_attributes");
    attr(ia, "id", SS_ID_PREFIX "fence-params");
    size_t len = 1;
    for (int i = 0; i < t->nmachines; i++)
        len += strlen(t->machines[i].name) + 1;
    char *hosts = ss_xcalloc(len, 1);
    for (int i = 0; i < t->nmachines; i++) {
        if (i)
            strcat(hosts, " ");
        strcat(hosts, t->machines[i].name);
    }
    nvpair(ia, SS_ID_PREFIX "fence-params", "pcmk_host_list", hosts);
    free(hosts);
    for (int i = 0; i < t->nfence_params; i++)
        nvpair(ia, SS_ID_PREFIX "fence-params", t->fence_params[i].key, t->fence_params[i].value);
    /* first in <resources> so operators see it */
    if (resources->children)
        xmlAddPrevSibling(resources->children, prim);
    else
        xmlAddChild(resources, prim);
    for (int i = 0; i < t->nmachines; i++) {
        char lid[256];
        snprintf(lid, sizeof(lid), SS_ID_PREFIX "loc-fence-%s", t->machines[i].name);
        xmlNodePtr loc = child(constraints, "rsc_location");
        attr(loc, "id", lid);
        attr(loc, "rsc", id);
        attr(loc, "node", t->machines[i].name);
        attr(loc, "score", "0");
    }
}

int ss_cib_document(const struct ss_placement *p, xmlDocPtr *out, struct ss_error *err)
{
    xmlNodePtr res, con;
    int rc = ss_cib_owned_sections(p, &res, &con, err);
    if (rc != 0)
        return rc;
    xmlDocPtr doc = xmlNewDoc(X("1.0"));
    xmlNodePtr cib = xmlNewNode(NULL, X("cib"));
    xmlDocSetRootElement(doc, cib);
    attr(cib, "crm_feature_set", SS_CRM_FEATURE_SET);
    attr(cib, "validate-with", SS_VALIDATE_WITH);
    attr(cib, "epoch", "1");
    attr(cib, "num_updates", "0");
    attr(cib, "admin_epoch", "0");
    /* offline tools (crm_simulate -x) then schedule as a quorate cluster would */
    attr(cib, "have-quorum", "1");
    xmlNodePtr conf = child(cib, "configuration");
    cluster_options(child(conf, "crm_config"));
    xmlNodePtr nodes = child(conf, "nodes");
    for (int i = 0; i < p->topo->nmachines; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%d", i + 1);
        xmlNodePtr node = child(nodes, "node");
        attr(node, "id", id);
        attr(node, "uname", p->topo->machines[i].name);
    }
    if (p->topo->fence_agent)
        add_fence_device(p->topo, res, con);
    xmlAddChild(conf, res);
    xmlAddChild(conf, con);
    child(cib, "status");
    *out = doc;
    return 0;
}

static int has_prefix(const xmlChar *s, const char *prefix)
{
    return s && strncmp((const char *)s, prefix, strlen(prefix)) == 0;
}


static xmlNodePtr owned_primitive(xmlNodePtr clone)
{
    if (clone->type != XML_ELEMENT_NODE || !xmlStrEqual(clone->name, X("clone")))
        return NULL;
    for (xmlNodePtr c = clone->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X("primitive")) &&
            ss_xml_prop_is(c, "class", SS_AGENT_CLASS) &&
            ss_xml_prop_is(c, "provider", SS_AGENT_PROVIDER) &&
            ss_xml_prop_is(c, "type", SS_AGENT_TYPE))
            return c;
    return NULL;
}

int ss_cib_is_owned(xmlNodePtr node)
{
    if (node->type != XML_ELEMENT_NODE)
        return 0;
    if (owned_primitive(node))
        return 1;
    xmlChar *id = xmlGetProp(node, X("id"));
    int mine = has_prefix(id, SS_ID_PREFIX);
    xmlFree(id);
    return mine;
}

static xmlNodePtr find_section(xmlDocPtr cib, const char *name)
{
    xmlNodePtr root = xmlDocGetRootElement(cib);
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X("configuration")))
            for (xmlNodePtr s = c->children; s; s = s->next)
                if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, X(name)))
                    return s;
    return NULL;
}

int ss_cib_strip_owned(xmlDocPtr cib)
{
    static const char *sections[] = {"resources", "constraints", NULL};
    int removed = 0;
    for (int i = 0; sections[i]; i++) {
        xmlNodePtr sec = find_section(cib, sections[i]);
        xmlNodePtr c = sec ? sec->children : NULL;
        while (c) {
            xmlNodePtr next = c->next;
            if (ss_cib_is_owned(c)) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
                removed++;
            }
            c = next;
        }
    }
    return removed;
}

static char *param_value(xmlNodePtr prim, const char *name)
{
    for (xmlNodePtr ia = prim->children; ia; ia = ia->next) {
        if (ia->type != XML_ELEMENT_NODE || !xmlStrEqual(ia->name, X("instance_attributes")))
            continue;
        for (xmlNodePtr nv = ia->children; nv; nv = nv->next)
            if (nv->type == XML_ELEMENT_NODE && xmlStrEqual(nv->name, X("nvpair")) &&
                ss_xml_prop_is(nv, "name", name)) {
                xmlChar *v = xmlGetProp(nv, X("value"));
                char *r = v ? ss_xstrdup((const char *)v) : NULL;
                xmlFree(v);
                return r;
            }
    }
    return NULL;
}

static void add_unknown(char ***unknown, const char *name)
{
    int n = 0;
    if (*unknown)
        for (; (*unknown)[n]; n++)
            if (strcmp((*unknown)[n], name) == 0)
                return;
    char **u = realloc(*unknown, sizeof(char *) * (size_t)(n + 2));
    if (u == NULL)
        abort();
    u[n] = ss_xstrdup(name);
    u[n + 1] = NULL;
    *unknown = u;
}

/* Parse "m1:3@addr m2:7@addr" into the store; returns copies found or -1. */
static int parse_slots(const char *slots, const struct ss_topology *topo, struct ss_store *st,
                       char ***unknown)
{
    char *copy = ss_xstrdup(slots), *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *colon = strchr(tok, ':');
        if (n == SS_MAX_COPIES || colon == NULL) {
            free(copy);
            return -1;
        }
        *colon = '\0';
        int slot = atoi(colon + 1);
        int m = topo ? ss_topology_machine_index(topo, tok) : -1;
        if (m < 0 && unknown)
            add_unknown(unknown, tok);
        st->machine[n] = m;
        st->slot[n] = slot > 0 ? slot : 0;
        n++;
    }
    free(copy);
    return n;
}

int ss_cib_read_placement(xmlDocPtr cib, const struct ss_topology *topo, struct ss_placement **out,
                          char ***unknown, struct ss_error *err)
{
    xmlNodePtr res = find_section(cib, "resources");
    int count = 0, copies = 0;
    for (xmlNodePtr c = res ? res->children : NULL; c; c = c->next)
        count += owned_primitive(c) != NULL;
    struct ss_placement *p = ss_placement_new(topo, topo ? ss_topology_copies(topo) : 0, count);
    int s = 0;
    for (xmlNodePtr c = res ? res->children : NULL; c; c = c->next) {
        xmlNodePtr prim = owned_primitive(c);
        if (prim == NULL)
            continue;
        struct ss_store *st = &p->stores[s];
        xmlChar *id = xmlGetProp(c, X("id"));
        st->name = ss_xstrdup(id ? (const char *)id : "");
        xmlFree(id);
        for (int i = 0; i < SS_MAX_COPIES; i++)
            st->machine[i] = -1;
        char *slots = param_value(prim, "slots");
        int n = slots ? parse_slots(slots, topo, st, unknown) : -1;
        free(slots);
        s++;
        if (n < 2 || (copies && n != copies)) {
            ss_error_set(err, SS_ERR_INPUT,
                         "store %s in the CIB has a bad 'slots' parameter (%s); expected %s "
                         "copies as MACHINE:SLOT@ADDRESS",
                         st->name, n < 2 ? "fewer than 2 slots" : "copy count differs",
                         copies ? "the same number of" : "2 or 3");
            ss_placement_free(p);
            return SS_ERR_INPUT;
        }
        copies = n;
    }
    if (copies)
        p->copies = copies;
    *out = p;
    return 0;
}
