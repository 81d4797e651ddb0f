/* test_cib.c - CIB XML written for a placement reads back as the same placement,
 * and only slotstore's elements are stripped. */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

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

int main(void)
{
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
