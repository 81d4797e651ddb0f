/* test_cib.c - CIB XML written for a placement reads back as the same placement,
 * only slotstore's elements are stripped, and the nodes' zones judge failures
 * as the topology does. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "balance.h"
#include "cib_read.h"
#include "cib_xml.h"
#include "harness.h"

static int count(xmlDocPtr doc, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
    int n = o && o->nodesetval ? o->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return n;
}


/* TEXT in a new temporary file; its path (the caller unlinks and frees it). */
static char *temp_file(const char *text, size_t len)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    snprintf(path, n, "%s/test_cib.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
        perror("temp file");
        exit(1);
    }
    close(fd);
    return path;
}

static int same_placement(const struct ss_placement *a, const struct ss_placement *b)
{
    if (a->nstores != b->nstores || a->copies != b->copies)
        return 0;
    for (int s = 0; s < a->nstores; s++) {
        if (strcmp(a->stores[s].name, b->stores[s].name) != 0)
            return 0;
        for (int c = 0; c < SS_MAX_COPIES; c++)
            if (a->stores[s].machine[c] != b->stores[s].machine[c] ||
                a->stores[s].slot[c] != b->stores[s].slot[c])
                return 0;
    }
    return 1;
}

static int same_names(char **a, char **b)
{
    int i = 0;
    for (; a && b && a[i] && b[i]; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

static void free_names(char **names)
{
    for (int i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

/* The streaming file reader (plan --from) and the document reader (apply) give
 * the same stores, unknown machines and errors for the text of a CIB; `len`
 * may cut the text short.  Returns the file reader's result code. */
static int readers_agree(const char *what, const char *text, size_t len,
                         const struct ss_topology *t, int *agree)
{
    char *path = temp_file(text, len);
    struct ss_placement *a = NULL, *b = NULL;
    struct ss_error ea = {0}, eb = {0};
    char **ua = NULL, **ub = NULL;
    int ra = ss_cib_read_placement_file(path, t, &a, &ua, &ea);
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "cib", NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    int rb = doc ? ss_cib_read_placement(doc, t, &b, &ub, &eb) : SS_ERR_INPUT;
    *agree = ra == rb && (ra != 0 || (same_placement(a, b) && same_names(ua, ub))) &&
             (ra == 0 || doc == NULL || strcmp(ea.msg, eb.msg) == 0);
    if (!*agree)
        printf("# %s: file reader %d (%s), document reader %d (%s)\n", what, ra, ea.msg, rb,
               eb.msg);
    xmlFreeDoc(doc);
    ss_placement_free(a);
    ss_placement_free(b);
    free_names(ua);
    free_names(ub);
    unlink(path);
    free(path);
    return ra;
}

/* A store of ocf:slotstore:cyrus with this slots parameter, as the CIB holds it. */
#define STORE(id, slots)                                                                       \
    "<clone id=\"" id "\"><primitive id=\"" id "-cyrus\" class=\"ocf\" provider=\"slotstore\" " \
    "type=\"cyrus\"><instance_attributes id=\"" id "-ia\"><nvpair id=\"" id "-n\" name=\"store\" " \
    "value=\"" id "\"/><nvpair id=\"" id "-s\" name=\"slots\" value=\"" slots "\"/>"          \
    "</instance_attributes></primitive></clone>"

static void check_readers(const struct ss_topology *t, xmlDocPtr written)
{
    xmlChar *mem = NULL;
    int size = 0, agree = 0;
    xmlDocDumpFormatMemory(written, &mem, &size, 1);
    int rc = readers_agree("written CIB", (const char *)mem, (size_t)size, t, &agree);
    CHECK(rc == 0 && agree, "the streaming file reader reads the written CIB as the document "
                            "reader does");
    xmlFree(mem);
    /* foreign resources around the stores, an unknown machine, a second resources
     * section (ignored: the first is the one), status entries with resource ids */
    static const char odd[] =
        "<cib><configuration><crm_config/><nodes/><resources>"
        "<primitive id=\"web\" class=\"ocf\" provider=\"heartbeat\" type=\"apache\"/>"
        STORE("s1", "a:1@10.0.0.1 b:2@10.0.0.2 c:1@10.0.0.3")
        "<clone id=\"other\"><primitive id=\"o\" class=\"ocf\" provider=\"pacemaker\" "
        "type=\"Stateful\"/></clone><clone id=\"empty\"/>"
        "<group id=\"g\"><primitive id=\"g1\" class=\"ocf\" provider=\"slotstore\" "
        "type=\"cyrus\"/></group>"
        STORE("s2", "zz:3@10.0.0.9 a:2@10.0.0.1 d:3@10.0.0.4")
        "</resources><resources>" STORE("s3", "a:3@x b:3@x c:3@x") "</resources>"
        "<constraints><rsc_location id=\"l\" rsc=\"s1\" node=\"a\" score=\"1\"/>"
        "</constraints></configuration><status><node_state id=\"1\"><lrm><lrm_resources>"
        "<lrm_resource id=\"s9-cyrus\"/></lrm_resources></lrm></node_state></status></cib>";
    rc = readers_agree("odd CIB", odd, sizeof(odd) - 1, t, &agree);
    CHECK(rc == 0 && agree, "both readers take the 2 stores of the first resources section, "
                            "skip foreign resources and name the unknown machine alike");
    /* cut short far behind its resources, beyond what the reader parses ahead */
    size_t head = strlen(odd) - strlen("</status></cib>"), n = head;
    char *big = malloc(head + 5000 * 32 + 32);
    memcpy(big, odd, head);
    for (int i = 0; i < 5000; i++)
        n += (size_t)sprintf(big + n, "<node_state id=\"n%d\"/>", i);
    n += (size_t)sprintf(big + n, "</status></cib>");
    rc = readers_agree("long CIB", big, n, t, &agree);
    int whole = rc == 0 && agree;
    rc = readers_agree("truncated CIB", big, n - 40, t, &agree);
    CHECK(whole && rc == SS_ERR_INPUT && agree, "a CIB cut short is an error for both readers, "
                                                "even 100 kB after its resources");
    free(big);
    static const char bad[] = "<cib><configuration><resources>" STORE("s1", "a:1@x b:1@x")
        STORE("s2", "a:2@x") "</resources></configuration></cib>";
    rc = readers_agree("bad slots", bad, sizeof(bad) - 1, t, &agree);
    CHECK(rc == SS_ERR_INPUT && agree, "a store with one slot: the same error from both readers");
    static const char none[] = "<cib><configuration><resources/></configuration><status/></cib>";
    rc = readers_agree("no stores", none, sizeof(none) - 1, t, &agree);
    CHECK(rc == 0 && agree, "a CIB without stores reads as no stores in both");
    struct ss_placement *p = NULL;
    struct ss_error err = {0};
    rc = ss_cib_read_placement_file("/nonexistent/cib.xml", t, &p, NULL, &err);
    CHECK(rc == SS_ERR_INPUT && strstr(err.msg, "/nonexistent/cib.xml") && p == NULL,
          "a missing CIB file is an input error naming it: %s", err.msg);
}

/* Every single and double failure's bound, judged by t (the topology) and by
 * z (its machines and zones only, as simulate builds it from a CIB). */
static int same_bounds(const struct ss_placement *p, const struct ss_topology *z)
{
    struct ss_balance *b = ss_balance_compute(p, 1);
    int M = b->nmachines, same = 1;
    for (int x = 0; x < M; x++) {
        same &= ss_balance_lower_bound(z, b, &x, 1) == b->single[x].lower_bound;
        for (int y = x + 1; y < M; y++) {
            int failed[2] = {x, y};
            same &= ss_balance_lower_bound(z, b, failed, 2) == b->double_bound[x * M + y];
        }
    }
    ss_balance_free(b);
    return same;
}

/* Zones travel as the node attribute slotstore-zone: written by cib, stripped
 * and added back by apply's helpers, and enough to judge failures by. */
static void check_zones(void)
{
    const char *text = "replicas 2\nmachine a slots=4 zone=x\nmachine b slots=4 zone=y\n"
                       "machine c slots=4 zone=z\nmachine d slots=4 zone=x\n"
                       "machine e slots=4 zone=y\nmachine f slots=4 zone=z\n";
    struct ss_topology *t = NULL;
    struct ss_placement *p = NULL;
    struct ss_error err = {0};
    xmlDocPtr doc = NULL;
    int rc = ss_topology_parse(text, "zones", &t, &err);
    if (rc == 0)
        rc = ss_plan(t, &p, &err);
    if (rc == 0)
        rc = ss_cib_document(p, &doc, &err);
    CHECK(rc == 0, "zoned CIB written %s", err.msg);
    if (rc != 0)
        return;
    CHECK(count(doc, "//node/instance_attributes/nvpair[@name='slotstore-zone']") == 6 &&
              count(doc, "//node[@uname='e']/instance_attributes/nvpair[@value='y']") == 1,
          "each node carries its zone");
    int removed = ss_cib_strip_owned(doc);
    CHECK(count(doc, "//nvpair[@name='slotstore-zone']") == 0 && count(doc, "//node") == 6,
          "strip removes the zones, keeps the nodes (%d removed)", removed);
    int added = ss_cib_add_zones(doc, t);
    CHECK(added == 6 && count(doc, "//node[@uname='f']/instance_attributes[@id='slotstore-node-f']"
                                   "/nvpair[@name='slotstore-zone' and @value='z']") == 1,
          "add_zones gives them back (%d)", added);
    const char *names[6], *zones[6];
    for (int i = 0; i < 6; i++) {
        names[i] = t->machines[i].name;
        zones[i] = t->machines[i].zone;
    }
    struct ss_topology *z = ss_topology_of_zones(2, 6, names, zones);
    struct ss_topology *none = ss_topology_of_zones(2, 6, names, NULL);
    CHECK(z->nzones == 3 && same_bounds(p, z), "machines and zones alone give the plan's bounds");
    CHECK(!same_bounds(p, none), "without the zones the bounds differ (are lower)");
    ss_topology_free(z);
    ss_topology_free(none);
    xmlFreeDoc(doc);
    ss_placement_free(p);
    ss_topology_free(t);
}

int main(void)
{
    check_zones();
    const char *text = "replicas 2\nmachine a slots=3\nmachine b slots=3\nmachine c slots=3\n"
                       "machine d slots=3\nslot-address 10.9.{m}.{s}\n";
    struct ss_topology *t = NULL;
    struct ss_placement *p = NULL, *back = NULL;
    struct ss_error err = {0};
    xmlDocPtr doc = NULL;
    int rc = ss_topology_parse(text, "t", &t, &err);
    if (rc == 0)
        rc = ss_plan(t, &p, &err);
    if (rc == 0)
        rc = ss_cib_document(p, &doc, &err);
    CHECK(rc == 0, "CIB written %s", err.msg);
    if (rc != 0)
        DONE();
    CHECK(count(doc, "//clone") == p->nstores, "one clone per store (%d)", p->nstores);
    CHECK(count(doc, "//rsc_location[@resource-discovery='exclusive' and @node]") ==
              3 * p->nstores,
          "exclusive node locations for every copy");
    CHECK(count(doc, "//rsc_location[@role='Promoted' and @score='30']") == p->nstores &&
              count(doc, "//rsc_location[@role='Promoted' and @score='20']") == p->nstores &&
              count(doc, "//rsc_location[@role='Promoted' and @score='10']") == p->nstores,
          "distinct promoted preferences 30/20/10 in failover order");
    CHECK(count(doc, "//nvpair[@name='symmetric-cluster' and @value='false']") == 1,
          "opt-in cluster");
    CHECK(count(doc, "/cib/status") == 1 && count(doc, "//node") == 4, "status and nodes");
    char **unknown = NULL;
    rc = ss_cib_read_placement(doc, t, &back, &unknown, &err);
    int same = rc == 0 && back->nstores == p->nstores && back->copies == 3;
    for (int s = 0; same && s < p->nstores; s++)
        for (int c = 0; c < 3; c++)
            same &= back->stores[s].machine[c] == p->stores[s].machine[c] &&
                    back->stores[s].slot[c] == p->stores[s].slot[c] &&
                    strcmp(back->stores[s].name, p->stores[s].name) == 0;
    CHECK(same && unknown == NULL, "the placement reads back unchanged");
    check_readers(t, doc);
    /* a foreign resource and an operator's cli-prefer constraint survive stripping */
    xmlNodePtr res = NULL;
    for (xmlNodePtr c = xmlDocGetRootElement(doc)->children->children; c; c = c->next)
        if (xmlStrEqual(c->name, (const xmlChar *)"resources"))
            res = c;
    xmlNodePtr prim = xmlNewChild(res, NULL, (const xmlChar *)"primitive", NULL);
    xmlNewProp(prim, (const xmlChar *)"id", (const xmlChar *)"web");
    xmlNodePtr cons = res->next;
    xmlNodePtr cli = xmlNewChild(cons, NULL, (const xmlChar *)"rsc_location", NULL);
    xmlNewProp(cli, (const xmlChar *)"id", (const xmlChar *)"cli-prefer-store001");
    int removed = ss_cib_strip_owned(doc);
    CHECK(removed == p->nstores * 7 && count(doc, "//clone") == 0 &&
              count(doc, "//primitive[@id='web']") == 1 &&
              count(doc, "//rsc_location[@id='cli-prefer-store001']") == 1,
          "strip removes only slotstore's elements (%d removed)", removed);
    xmlFreeDoc(doc);
    ss_placement_free(back);
    ss_placement_free(p);
    ss_topology_free(t);
    xmlCleanupParser();
    DONE();
}
