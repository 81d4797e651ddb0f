/* cib_read.c - the stores slotstore owns, read back from a CIB document or
 * streamed from a CIB file (plan --from). */
#include "cib_read.h"
#include "cib_xml.h"
#include "xml_util.h"

#include <libxml/xmlreader.h>

#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

#define X(s) ((const xmlChar *)(s))

/* The stores read so far; p->stores grows as clones come. */
struct reading {
    const struct ss_topology *topo;
    struct ss_placement *p;
    int capacity;
    int copies;  /* of the first store; every store must have as many */
    char ***unknown;
};

static char *param_value(xmlNodePtr prim, const char *name)
{
    for (xmlNodePtr ia = prim->children; ia; ia = ia->next) {
        if (ia->type != XML_ELEMENT_NODE || !xmlStrEqual(ia->name, X("instance_attributes")))
            continue;
        for (xmlNodePtr nv = ia->children; nv; nv = nv->next)
            if (nv->type == XML_ELEMENT_NODE && xmlStrEqual(nv->name, X("nvpair")) &&
                ss_xml_prop_is(nv, "name", name))
                return ss_xml_prop(nv, "value", NULL);
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

/* "MACHINE:SLOT@ADDRESS ..." into st; the number of copies, or -1. */
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

static void reading_start(struct reading *r, const struct ss_topology *topo, char ***unknown)
{
    *r = (struct reading){.topo = topo, .unknown = unknown};
    r->p = ss_placement_new(topo, topo ? ss_topology_copies(topo) : 0, 0);
}

static struct ss_store *next_store(struct reading *r)
{
    struct ss_placement *p = r->p;
    if (p->nstores == r->capacity) {
        r->capacity = r->capacity ? 2 * r->capacity : 64;
        struct ss_store *grown = realloc(p->stores, sizeof(*grown) * (size_t)r->capacity);
        if (grown == NULL)
            abort();
        p->stores = grown;
    }
    struct ss_store *st = &p->stores[p->nstores++];
    *st = (struct ss_store){0};
    for (int i = 0; i < SS_MAX_COPIES; i++)
        st->machine[i] = -1;
    return st;
}

/* One child of the resources section: a store when slotstore owns it. */
static int read_resource(struct reading *r, xmlNodePtr clone, struct ss_error *err)
{
    xmlNodePtr prim = ss_cib_owned_primitive(clone);
    if (prim == NULL)
        return 0;
    struct ss_store *st = next_store(r);
    st->name = ss_xml_prop(clone, "id", "");
    char *slots = param_value(prim, "slots");
    int n = slots ? parse_slots(slots, r->topo, st, r->unknown) : -1;
    free(slots);
    if (n < 2 || (r->copies && n != r->copies))
        return ss_error_set(err, SS_ERR_INPUT,
                            "store %s in the CIB has a bad 'slots' parameter (%s); expected %s "
                            "copies as MACHINE:SLOT@ADDRESS",
                            st->name, n < 2 ? "fewer than 2 slots" : "copy count differs",
                            r->copies ? "the same number of" : "2 or 3");
    r->copies = n;
    return 0;
}

static int reading_end(struct reading *r, int rc, struct ss_placement **out)
{
    if (rc != 0) {
        ss_placement_free(r->p);
        return rc;
    }
    if (r->copies)
        r->p->copies = r->copies;
    *out = r->p;
    return 0;
}

int ss_cib_read_placement(xmlDocPtr cib, const struct ss_topology *topo, struct ss_placement **out,
                          char ***unknown, struct ss_error *err)
{
    struct reading r;
    reading_start(&r, topo, unknown);
    xmlNodePtr res = ss_cib_section(cib, "resources");
    int rc = 0;
    for (xmlNodePtr c = res ? res->children : NULL; c && rc == 0; c = c->next)
        rc = read_resource(&r, c, err);
    return reading_end(&r, rc, out);
}

/* The reader walks down the root, its configuration and the first resources
 * section in it (as ss_cib_section finds it), expands each resource there
 * and skips every other subtree without building it.  It reads to the end:
 * a truncated file is an error, as it is for the document reader. */
int ss_cib_read_placement_file(const char *path, const struct ss_topology *topo,
                               struct ss_placement **out, char ***unknown, struct ss_error *err)
{
    xmlTextReaderPtr rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (rd == NULL)
        return ss_error_set(err, SS_ERR_INPUT, "%s: cannot read the CIB (not a file or not XML); "
                                               "save one with 'cibadmin -Q > FILE'",
                            path);
    struct reading r;
    reading_start(&r, topo, unknown);
    int ret = xmlTextReaderRead(rd), rc = 0, in_configuration = 0, in_resources = 0, done = 0;
    while (ret == 1 && rc == 0) {
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT) {
            ret = xmlTextReaderRead(rd);
            continue;
        }
        int depth = xmlTextReaderDepth(rd);
        const xmlChar *name = xmlTextReaderConstLocalName(rd);
        if (depth <= 2 && in_resources) {
            in_resources = 0; /* past the first resources section */
            done = 1;
        }
        if (depth == 0 || (depth == 1 && xmlStrEqual(name, X("configuration"))) ||
            (depth == 2 && in_configuration && !done && xmlStrEqual(name, X("resources")))) {
            in_configuration |= depth == 1;
            in_resources |= depth == 2;
            ret = xmlTextReaderIsEmptyElement(rd) ? xmlTextReaderNext(rd) : xmlTextReaderRead(rd);
        } else if (depth == 3 && in_resources) {
            xmlNodePtr node = xmlTextReaderExpand(rd);
            if (node == NULL)
                ret = -1;
            else {
                rc = read_resource(&r, node, err);
                ret = xmlTextReaderNext(rd);
            }
        } else {
            ret = xmlTextReaderNext(rd);
        }
    }
    if (rc == 0 && ret < 0)
        rc = ss_error_set(err, SS_ERR_INPUT, "%s: cannot read the CIB (not XML at line %d); "
                                             "save one with 'cibadmin -Q > FILE'",
                          path, xmlTextReaderGetParserLineNumber(rd));
    xmlFreeTextReader(rd);
    return reading_end(&r, rc, out);
}
