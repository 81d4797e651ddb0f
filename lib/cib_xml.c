/* cib_xml.c - placements as Pacemaker CIB XML (libxml2); what slotstore owns in a CIB. */
#include "cib_xml.h"
#include "xml_util.h"

#include <libxml/parser.h>
#include <libxml/xmlwriter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

#define X(s) ((const xmlChar *)(s))

/* The CIB is written as a stream (xmlTextWriter) rather than built as a
 * tree: at 1000 machines x 80 slots it is ~100 MB of text, which as a
 * libxml2 tree took 1.5 GB.  Writer errors can only be out of memory. */

static void oom(void)
{
    fprintf(stderr, "slotstore: out of memory\n");
    abort();
}

static void start(xmlTextWriterPtr w, const char *name)
{
    xmlTextWriterStartElement(w, X(name));
}

static void end(xmlTextWriterPtr w)
{
    xmlTextWriterEndElement(w);
}

static void attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    xmlTextWriterWriteAttribute(w, X(name), X(value));
}

static void attr_int(xmlTextWriterPtr w, const char *name, int value)
{
    xmlTextWriterWriteFormatAttribute(w, X(name), "%d", value);
}

static void nvpair(xmlTextWriterPtr w, const char *idprefix, const char *name, const char *value)
{
    start(w, "nvpair");
    xmlTextWriterWriteFormatAttribute(w, X("id"), "%s-%s", idprefix, name);
    attr(w, "name", name);
    attr(w, "value", value);
    end(w);
}

static void op(xmlTextWriterPtr w, const char *rsc, const char *name, const char *interval,
               const char *timeout, const char *role)
{
    start(w, "op");
    xmlTextWriterWriteFormatAttribute(w, X("id"), "%s-%s-%s%s%s", rsc, name, interval,
                                      role ? "-" : "", role ? role : "");
    attr(w, "name", name);
    attr(w, "interval", interval);
    attr(w, "timeout", timeout);
    if (role)
        attr(w, "role", role);
    end(w);
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

static void store_meta(xmlTextWriterPtr w, const struct ss_placement *p, const struct ss_store *st)
{
    char id[640];
    snprintf(id, sizeof(id), "%s-meta", st->name);
    start(w, "meta_attributes");
    attr(w, "id", id);
    char num[32];
    snprintf(num, sizeof(num), "%d", p->copies);
    nvpair(w, id, "promotable", "true");
    nvpair(w, id, "clone-max", num);
    nvpair(w, id, "clone-node-max", "1");
    nvpair(w, id, "promoted-max", "1");
    nvpair(w, id, "promoted-node-max", "1");
    nvpair(w, id, "notify", "true");
    nvpair(w, id, "interleave", "true");
    end(w);
}

static void store_primitive(xmlTextWriterPtr w, const struct ss_placement *p,
                            const struct ss_store *st, const char *slots)
{
    const struct ss_topology *t = p->topo;
    char prim_id[256], id[640], num[32];
    snprintf(prim_id, sizeof(prim_id), "%s-cyrus", st->name);
    start(w, "primitive");
    attr(w, "id", prim_id);
    attr(w, "class", SS_AGENT_CLASS);
    attr(w, "provider", SS_AGENT_PROVIDER);
    attr(w, "type", SS_AGENT_TYPE);
    snprintf(id, sizeof(id), "%s-params", prim_id);
    start(w, "instance_attributes");
    attr(w, "id", id);
    nvpair(w, id, "store", st->name);
    nvpair(w, id, "slots", slots);
    snprintf(num, sizeof(num), "%d", t->imap_port);
    nvpair(w, id, "imap_port", num);
    snprintf(num, sizeof(num), "%d", t->lmtp_port);
    nvpair(w, id, "lmtp_port", num);
    snprintf(num, sizeof(num), "%d", t->sync_port);
    nvpair(w, id, "sync_port", num);
    for (int i = 0; i < t->nparams; i++)
        nvpair(w, id, t->params[i].key, t->params[i].value);
    end(w);
    start(w, "operations");
    op(w, prim_id, "start", "0s", "60s", NULL);
    op(w, prim_id, "stop", "0s", "60s", NULL);
    op(w, prim_id, "promote", "0s", "60s", NULL);
    op(w, prim_id, "demote", "0s", "120s", NULL);
    op(w, prim_id, "notify", "0s", "30s", NULL);
    op(w, prim_id, "monitor", "5s", "30s", "Promoted");
    op(w, prim_id, "monitor", "7s", "30s", "Unpromoted");
    end(w);
    end(w);
}

static int store_resource(xmlTextWriterPtr w, const struct ss_placement *p,
                          const struct ss_store *st, struct ss_error *err)
{
    char slots[4096];
    int rc = slots_param(p, st, slots, sizeof(slots), err);
    if (rc != 0)
        return rc;
    start(w, "clone");
    attr(w, "id", st->name);
    store_meta(w, p, st);
    store_primitive(w, p, st, slots);
    end(w);
    return 0;
}

static void store_constraints(xmlTextWriterPtr w, const struct ss_placement *p,
                              const struct ss_store *st)
{
    const struct ss_topology *t = p->topo;
    for (int c = 0; c < p->copies; c++) {
        const char *node = t->machines[st->machine[c]].name;
        start(w, "rsc_location");
        xmlTextWriterWriteFormatAttribute(w, X("id"), SS_ID_PREFIX "loc-%s-%s", st->name, node);
        attr(w, "rsc", st->name);
        attr(w, "node", node);
        attr_int(w, "score", SS_LOCATION_SCORE);
        attr(w, "resource-discovery", "exclusive");
        end(w);
    }
    for (int c = 0; c < p->copies; c++) {
        const char *node = t->machines[st->machine[c]].name;
        start(w, "rsc_location");
        xmlTextWriterWriteFormatAttribute(w, X("id"), SS_ID_PREFIX "pref-%s-%s", st->name, node);
        attr(w, "rsc", st->name);
        attr(w, "role", "Promoted");
        attr(w, "node", node);
        attr_int(w, "score", SS_PREF_STEP * (p->copies - c));
        end(w);
    }
}

/* One stonith device able to fence every machine (the lab's, or IPMI/PDU), allowed on
 * every machine: in an opt-in cluster a device without a location is disabled. */
static void fence_device(xmlTextWriterPtr w, const struct ss_topology *t)
{
    const char *id = SS_ID_PREFIX "fence";
    start(w, "primitive");
    attr(w, "id", id);
    attr(w, "class", "stonith");
    attr(w, "type", t->fence_agent);
    start(w, "instance_attributes");
    attr(w, "id", SS_ID_PREFIX "fence-params");
    size_t len = 1;
    for (int i = 0; i < t->nmachines; i++)
        len += strlen(t->machines[i].name) + 1;
    char *hosts = ss_xcalloc(len, 1);
    for (int i = 0; i < t->nmachines; i++) {
        if (i)
            strcat(hosts, " ");
        strcat(hosts, t->machines[i].name);
    }
    nvpair(w, SS_ID_PREFIX "fence-params", "pcmk_host_list", hosts);
    free(hosts);
    for (int i = 0; i < t->nfence_params; i++)
        nvpair(w, SS_ID_PREFIX "fence-params", t->fence_params[i].key, t->fence_params[i].value);
    end(w);
    end(w);
}

static void fence_locations(xmlTextWriterPtr w, const struct ss_topology *t)
{
    for (int i = 0; i < t->nmachines; i++) {
        start(w, "rsc_location");
        xmlTextWriterWriteFormatAttribute(w, X("id"), SS_ID_PREFIX "loc-fence-%s",
                                          t->machines[i].name);
        attr(w, "rsc", SS_ID_PREFIX "fence");
        attr(w, "node", t->machines[i].name);
        attr(w, "score", "0");
        end(w);
    }
}

/* <resources> and <constraints> with the stores (and the fence device, first
 * in <resources> so operators see it, when `fence`). */
static int owned_sections(xmlTextWriterPtr w, const struct ss_placement *p, int fence,
                          struct ss_error *err)
{
    start(w, "resources");
    if (fence)
        fence_device(w, p->topo);
    for (int s = 0; s < p->nstores; s++) {
        int rc = store_resource(w, p, &p->stores[s], err);
        if (rc != 0)
            return rc;
    }
    end(w);
    start(w, "constraints");
    for (int s = 0; s < p->nstores; s++)
        store_constraints(w, p, &p->stores[s]);
    if (fence)
        fence_locations(w, p->topo);
    end(w);
    return 0;
}

static void cluster_options(xmlTextWriterPtr w)
{
    const char *id = SS_ID_PREFIX "options";
    start(w, "crm_config");
    start(w, "cluster_property_set");
    attr(w, "id", id);
    /* opt-in: a store may only run where a location constraint allows it */
    nvpair(w, id, "symmetric-cluster", "false");
    /* a partition without quorum keeps its replicas but accepts no writes */
    nvpair(w, id, "no-quorum-policy", "demote");
    /* a cut-off master must be fenced before its store is promoted elsewhere */
    nvpair(w, id, "stonith-enabled", "true");
    /* in a split, the side holding more masters survives (promoted counts +1) */
    nvpair(w, id, "priority-fencing-delay", "10s");
    nvpair(w, id, "dc-deadtime", "5s");
    nvpair(w, id, "load-threshold", SS_LOAD_THRESHOLD);
    end(w);
    end(w);
}

/* The id of a machine's attribute set (cib writes it, apply adds it to a live
 * CIB: the two must agree, or a CIB apply wrote would differ from cib's). */
static void zone_set_id(char *id, size_t len, const struct ss_machine *m)
{
    snprintf(id, len, SS_ID_PREFIX "node-%s", m->name);
}

/* A machine's zone as a permanent node attribute: simulate reads it back to
 * judge failures by the zone rule, and operators may use it in rules. */
static void zone_attribute(xmlTextWriterPtr w, const struct ss_machine *m)
{
    char id[512];
    start(w, "instance_attributes");
    zone_set_id(id, sizeof(id), m);
    attr(w, "id", id);
    nvpair(w, id, SS_ZONE_ATTRIBUTE, m->zone);
    end(w);
}

static void nodes(xmlTextWriterPtr w, const struct ss_topology *t)
{
    start(w, "nodes");
    for (int i = 0; i < t->nmachines; i++) {
        start(w, "node");
        attr_int(w, "id", i + 1);
        attr(w, "uname", t->machines[i].name);
        if (t->machines[i].zone)
            zone_attribute(w, &t->machines[i]);
        end(w);
    }
    end(w);
}

static xmlTextWriterPtr writer_to(xmlBufferPtr buf)
{
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    if (w == NULL)
        oom();
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterSetIndentString(w, X("  "));
    xmlTextWriterStartDocument(w, "1.0", NULL, NULL);
    return w;
}

/* Ends the document; the text is in buf. */
static int writer_done(xmlTextWriterPtr w, int rc)
{
    if (rc == 0 && xmlTextWriterEndDocument(w) < 0)
        oom();
    xmlFreeTextWriter(w);
    return rc;
}

int ss_cib_text(const struct ss_placement *p, xmlBufferPtr out, struct ss_error *err)
{
    xmlTextWriterPtr w = writer_to(out);
    start(w, "cib");
    attr(w, "crm_feature_set", SS_CRM_FEATURE_SET);
    attr(w, "validate-with", SS_VALIDATE_WITH);
    attr(w, "epoch", "1");
    attr(w, "num_updates", "0");
    attr(w, "admin_epoch", "0");
    /* offline tools (crm_simulate -x) then schedule as a quorate cluster would */
    attr(w, "have-quorum", "1");
    start(w, "configuration");
    cluster_options(w);
    nodes(w, p->topo);
    int rc = owned_sections(w, p, p->topo->fence_agent != NULL, err);
    if (rc == 0) {
        end(w);
        start(w, "status");
        end(w);
        end(w);
    }
    return writer_done(w, rc);
}

/* Parse text this file wrote; without a dictionary so that nodes can move to
 * other documents. */
static xmlDocPtr parse_own(xmlBufferPtr buf, struct ss_error *err)
{
    xmlDocPtr doc = xmlReadMemory((const char *)xmlBufferContent(buf), xmlBufferLength(buf),
                                  "slotstore.xml", NULL,
                                  XML_PARSE_NODICT | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING);
    if (doc == NULL)
        ss_error_set(err, SS_ERR_INPUT, "the CIB written for this topology does not parse as "
                                        "XML: a value with bytes XML cannot carry?");
    return doc;
}

int ss_cib_document(const struct ss_placement *p, xmlDocPtr *out, struct ss_error *err)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL)
        oom();
    int rc = ss_cib_text(p, buf, err);
    if (rc == 0) {
        *out = parse_own(buf, err);
        rc = *out ? 0 : SS_ERR_INPUT;
    }
    xmlBufferFree(buf);
    return rc;
}

/* Detach child `name` of root from its document. */
static xmlNodePtr take_child(xmlNodePtr root, const char *name)
{
    for (xmlNodePtr c = root->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X(name))) {
            xmlUnlinkNode(c);
            xmlSetTreeDoc(c, NULL);
            return c;
        }
    return NULL;
}

int ss_cib_owned_sections(const struct ss_placement *p, xmlNodePtr *resources,
                          xmlNodePtr *constraints, struct ss_error *err)
{
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL)
        oom();
    xmlTextWriterPtr w = writer_to(buf);
    start(w, "owned");
    int rc = owned_sections(w, p, p->topo->fence_agent != NULL, err);
    if (rc == 0)
        end(w);
    rc = writer_done(w, rc);
    xmlDocPtr doc = rc == 0 ? parse_own(buf, err) : NULL;
    if (rc == 0 && doc == NULL)
        rc = SS_ERR_INPUT;
    if (doc) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        *resources = take_child(root, "resources");
        *constraints = take_child(root, "constraints");
        xmlFreeDoc(doc);
    }
    xmlBufferFree(buf);
    return rc;
}

static int has_prefix(const xmlChar *s, const char *prefix)
{
    return s && strncmp((const char *)s, prefix, strlen(prefix)) == 0;
}


xmlNodePtr ss_cib_owned_primitive(xmlNodePtr clone)
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
    if (ss_cib_owned_primitive(node))
        return 1;
    xmlChar *id = xmlGetProp(node, X("id"));
    int mine = has_prefix(id, SS_ID_PREFIX);
    xmlFree(id);
    return mine;
}

xmlNodePtr ss_cib_section(xmlDocPtr cib, const char *name)
{
    xmlNodePtr root = xmlDocGetRootElement(cib);
    for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X("configuration")))
            for (xmlNodePtr s = c->children; s; s = s->next)
                if (s->type == XML_ELEMENT_NODE && xmlStrEqual(s->name, X(name)))
                    return s;
    return NULL;
}

/* Unlink and free the children of `parent` slotstore owns; how many. */
static int strip_children(xmlNodePtr parent)
{
    int removed = 0;
    xmlNodePtr c = parent ? parent->children : NULL;
    while (c) {
        xmlNodePtr next = c->next;
        if (ss_cib_is_owned(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
            removed++;
        }
        c = next;
    }
    return removed;
}

int ss_cib_strip_owned(xmlDocPtr cib)
{
    int removed = strip_children(ss_cib_section(cib, "resources")) +
                  strip_children(ss_cib_section(cib, "constraints"));
    xmlNodePtr section = ss_cib_section(cib, "nodes");
    for (xmlNodePtr n = section ? section->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, X("node")))
            removed += strip_children(n);
    return removed;
}

static xmlNodePtr new_child(xmlNodePtr parent, const char *name, const char *id)
{
    xmlNodePtr c = xmlNewChild(parent, NULL, X(name), NULL);
    if (c == NULL || xmlNewProp(c, X("id"), X(id)) == NULL)
        oom();
    return c;
}

int ss_cib_add_zones(xmlDocPtr cib, const struct ss_topology *t)
{
    xmlNodePtr section = ss_cib_section(cib, "nodes");
    int added = 0;
    for (xmlNodePtr n = section ? section->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, X("node")))
            continue;
        xmlChar *uname = xmlGetProp(n, X("uname"));
        int m = uname ? ss_topology_machine_index(t, (const char *)uname) : -1;
        xmlFree(uname);
        if (m < 0 || t->machines[m].zone == NULL)
            continue;
        char id[512], nv_id[600];
        zone_set_id(id, sizeof(id), &t->machines[m]);
        xmlNodePtr set = new_child(n, "instance_attributes", id);
        snprintf(nv_id, sizeof(nv_id), "%s-%s", id, SS_ZONE_ATTRIBUTE); /* as nvpair() */
        xmlNodePtr nv = new_child(set, "nvpair", nv_id);
        if (xmlNewProp(nv, X("name"), X(SS_ZONE_ATTRIBUTE)) == NULL ||
            xmlNewProp(nv, X("value"), X(t->machines[m].zone)) == NULL)
            oom();
        added++;
    }
    return added;
}
