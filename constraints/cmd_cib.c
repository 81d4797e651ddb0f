/* cmd_cib.c - `slotstore cib`: print a complete CIB for a topology. */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <libxml/tree.h>

#include "cib_xml.h"
#include "cli.h"

static const char cib_usage[] =
    "Usage: slotstore cib TOPOLOGY [--output FILE]\n"
    "\n"
    "Print a complete CIB (<cib> with configuration and an empty status) for the\n"
    "topology's placement: nodes, cluster options, one promotable clone of\n"
    "ocf:slotstore:cyrus per store, exclusive-discovery location constraints and\n"
    "role=Promoted preferences in failover order.  crm_simulate -x and cibadmin accept it.\n"
    "  --output FILE   write to FILE atomically instead of standard output\n";

int cmd_cib(int argc, char **argv)
{
    const char *topology = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cib_usage, stdout);
            return SS_EXIT_OK;
        } else if (strcmp(argv[i], "--output") == 0 && i + 1 < argc) {
            output = argv[++i];
        } else if (argv[i][0] == '-' || topology) {
            fprintf(stderr, "slotstore: cib: unexpected argument '%s'; see slotstore cib --help\n",
                    argv[i]);
            return SS_EXIT_INPUT;
        } else {
            topology = argv[i];
        }
    }
    if (topology == NULL) {
        fprintf(stderr, "slotstore: cib: no topology file given; see slotstore cib --help\n");
        return SS_EXIT_INPUT;
    }
    struct ss_error err = {0};
    struct ss_topology *topo = NULL;
    struct ss_placement *p = NULL;
    xmlBufferPtr text = xmlBufferCreate();
    char *why = NULL;
    int rc = ss_topology_load(topology, &topo, &err);
    if (rc == 0)
        rc = ss_plan(topo, &p, &err);
    if (rc == 0)
        rc = ss_cib_text(p, text, &err);
    if (rc == 0) {
        const char *mem = (const char *)xmlBufferContent(text);
        size_t len = (size_t)xmlBufferLength(text);
        if (output == NULL) {
            fwrite(mem, 1, len, stdout);
        } else if (cli_write_atomic(output, mem, len, &why) != 0) {
            ss_error_set(&err, SS_ERR_RUNTIME, "cib: %s", why);
            rc = SS_ERR_RUNTIME;
        }
    }
    xmlBufferFree(text);
    g_free(why);
    ss_placement_free(p);
    ss_topology_free(topo);
    return rc ? cli_fail(&err) : SS_EXIT_OK;
}
