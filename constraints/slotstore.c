/* slotstore.c - the slotstore command: placement of stores on machines and
 * their Pacemaker configuration.  One subcommand per file (cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "cli.h"
#include "config.h"

static const char usage[] =
    "Usage: slotstore COMMAND [OPTIONS]\n"
    "\n"
    "Place Cyrus IMAP stores (promotable clones of ocf:slotstore:cyrus) on the slots of\n"
    "machines so that masters are balanced and every machine's masters fail over to many\n"
    "different machines; write that placement as Pacemaker configuration and check it.\n"
    "\n"
    "Commands:\n"
    "  plan TOPOLOGY          print the placement and its balance report\n"
    "       [--from CIB]      keep the stores of CIB where they are; print the moves\n"
    "       [--svg FILE]      draw the failover matrix and masters per machine\n"
    "       [--pairs]         analyse every double failure (default up to 64 machines)\n"
    "  cib TOPOLOGY           print a complete CIB for the placement\n"
    "  apply TOPOLOGY         push the stores into the live CIB in one transaction\n"
    "       [--allow-moves]   allow changing the slots of existing stores\n"
    "       [--dry-run]       show what would change, change nothing\n"
    "  simulate [--cib FILE]  run crm_simulate: steady state and every machine failure\n"
    "       [--pairs]         also every double failure\n"
    "  marks [--clear]        list the agents' outdated marks; remove leftover ones\n"
    "  status                 masters now against the plan, slot states, manual moves\n"
    "  cleanup [--yes]        explain leftover cli-* constraints, marks, old constraints;\n"
    "                         remove them (one CIB update)\n"
    "  drain MACHINE          move every master off MACHINE (planned switchovers)\n"
    "       [--parallel N]    stores moved together in one batch (default 4)\n"
    "       [--timeout S]     per store (default 120 s)\n"
    "       [--dry-run]       simulate on a copy of the CIB, change nothing\n"
    "  undrain MACHINE        move back the stores MACHINE is the planned master of,\n"
    "       [--wait S]        once its slots caught up (waiting up to S, default 600 s)\n"
    "       [--parallel N] [--timeout S] [--dry-run]   as for drain\n"
    "  rebalance [--yes]      every store back to its planned master (one move each);\n"
    "                         without --yes only shows the moves and Pacemaker's verdict\n"
    "\n"
    "Common options:\n"
    "  --output-as=text|xml   output format (default text)\n"
    "  -h, --help             show help (also per command: slotstore plan --help)\n"
    "  -v, --version          show the version\n"
    "\n"
    "Exit codes: 0 success, 1 runtime error (cluster, I/O, crm_simulate), 2 bad input\n"
    "(usage, topology, impossible request), 3 refused for safety, 4 check failed.\n"
    "Environment: CIB_file=FILE makes apply, simulate, marks, status, cleanup and\n"
    "drain/undrain/rebalance --dry-run use a CIB file instead of the cluster.\n"
    "See slotstore(8) and slotstore-topology(5).\n";

struct command {
    const char *name;
    int (*run)(int, char **);
};

static const struct command commands[] = {
    {"plan", cmd_plan},
    {"cib", cmd_cib},
    {"apply", cmd_apply},
    {"simulate", cmd_simulate},
    {"marks", cmd_marks},
    {"status", cmd_status},
    {"cleanup", cmd_cleanup},
    {"drain", cmd_drain},
    {"undrain", cmd_undrain},
    {"rebalance", cmd_rebalance},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    LIBXML_TEST_VERSION
    if (argc < 2) {
        fputs(usage, stderr);
        return SS_EXIT_INPUT;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return SS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0) {
        printf("slotstore %s\n", PACKAGE_VERSION);
        return SS_EXIT_OK;
    }
    for (const struct command *c = commands; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) {
            int rc = c->run(argc - 1, argv + 1);
            xmlCleanupParser();
            return rc;
        }
    fprintf(stderr, "slotstore: unknown command '%s'; run 'slotstore --help'\n", argv[1]);
    return SS_EXIT_INPUT;
}
