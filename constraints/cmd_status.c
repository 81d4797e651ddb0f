/* cmd_status.c - `slotstore status`: where every store's master runs now,
 * against the plan, on one screen.
 *
 * The state comes from cluster_state.c: crm_mon --one-shot --output-as=xml
 * (machines, roles of every store instance) and the CIB (planned failover
 * order, manual cli-* constraints, promotion scores, lag, outdated marks),
 * both honouring CIB_file.  Nothing is changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "cli.h"
#include "cluster_state.h"
#include "config.h"
#include "live_balance.h"

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
    "Balance now: masters per machine (min..max, fair share), and for each machine what\n"
    "its failure now would do: where Pacemaker would promote each of its masters (the\n"
    "first in-sync replica in failover order, else one not known in sync), how many\n"
    "machines take them, the busiest survivor, and stores left with no promotable replica.\n"
    "\n"
    "Reads crm_mon --one-shot --output-as=xml and the CIB; changes nothing.\n"
    "With CIB_file=FILE the file is used instead of the cluster.\n"
    "Exit codes: 0 shown (whatever the state), 1 crm_mon or the CIB could not be read,\n"
    "2 bad usage.\n";

static int as_planned(const struct cs_store *s)
{
    const char *plan = cs_planned_master(s);
    return s->master && plan && strcmp(s->master, plan) == 0;
}

static int moved(const struct cs_store *s)
{
    return s->master && cs_planned_master(s) && !as_planned(s);
}

struct st_totals {
    int online, standby, as_planned;
};

static struct st_totals totals(const struct cluster_state *st)
{
    struct st_totals t = {0, 0, 0};
    for (int i = 0; i < st->nm; i++) {
        t.online += st->m[i].state != CS_OFFLINE;
        t.standby += st->m[i].state == CS_STANDBY;
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

static void text_header(const struct cluster_state *st)
{
    struct st_totals t = totals(st);
    char standby[48] = "";
    if (t.standby)
        snprintf(standby, sizeof(standby), " (%d in standby)", t.standby);
    printf("Cluster%s%s%s: %d of %d machines online%s, %d stores, %d of %d masters as planned\n",
           st->cib_file ? " (CIB_file=" : "", st->cib_file ? st->cib_file : "",
           st->cib_file ? ")" : "", t.online, st->nm, standby, st->ns, t.as_planned, st->ns);
}

static void text_machines(const struct cluster_state *st)
{
    printf("\n%-16s %-8s %8s %8s %9s %9s\n", "MACHINE", "STATE", "MASTERS", "PLANNED",
           "REPLICAS", "OUTDATED");
    for (int i = 0; i < st->nm; i++) {
        const struct cs_machine *m = &st->m[i];
        printf("%-16s %-8s %8d %8d %9d %9d\n", m->name, cs_node_state_name[m->state], m->masters,
               m->planned, m->replicas, m->outdated);
    }
}

static void text_slot(const struct cs_slot *slot, int first)
{
    printf("%s%s %s", first ? "" : ", ", slot->machine, cs_slot_state_name[slot->state]);
    if (slot->lag == NULL)
        return;
    char *end = NULL;
    strtol(slot->lag, &end, 10);
    int seconds = end != slot->lag && *end == '\0';
    printf(" (lag %s%s)", slot->lag, seconds ? "s" : "");
}

static void text_stores(const struct cluster_state *st)
{
    printf("\n%-16s %-16s %-16s %s\n", "STORE", "MASTER", "PLANNED", "OTHER SLOTS");
    for (int i = 0; i < st->ns; i++) {
        const struct cs_store *s = &st->s[i];
        printf("%-16s %-16s %-16s ", s->name, s->master ? s->master : "NONE",
               or_dash(cs_planned_master(s)));
        int shown = 0;
        for (int j = 0; j < s->nslots; j++)
            if (s->slots[j].state != CS_MASTER)
                text_slot(&s->slots[j], shown++ == 0);
        printf("%s%s\n", shown ? "" : "-", moved(s) ? "  moved" : "");
    }
}

static void text_lists(const struct cluster_state *st)
{
    printf("\nManual constraints (cli-*):%s\n", st->nc ? "" : " none");
    for (int i = 0; i < st->nc; i++) {
        const struct cs_constraint *c = &st->c[i];
        printf("  %-32s rsc %s role %s node %s score %s\n", c->id, or_dash(c->rsc),
               or_dash(c->role), or_dash(c->node), or_dash(c->score));
    }
    printf("\nOutdated marks:%s\n", st->nmk ? "" : " none");
    for (int i = 0; i < st->nmk; i++)
        printf("  %s on %s%s%s%s\n", st->mk[i].store, st->mk[i].machine,
               st->mk[i].leftover ? "  leftover: " : "", or_empty(st->mk[i].leftover),
               st->mk[i].leftover ? " (slotstore marks --clear)" : "");
}

static const char *machine_name(const struct cluster_state *st, int i)
{
    return i >= 0 ? st->m[i].name : "-";
}

static void text_balance(const struct cluster_state *st, const struct live_balance *lb)
{
    if (lb->online == 0) {
        printf("\nBalance now: no machine can run masters\n");
        return;
    }
    printf("\nBalance now: %d..%d masters per machine (fair %.1f over %d machines)\n",
           lb->min_masters, lb->max_masters, lb->fair, lb->online);
    printf("If one failed now:\n  %-16s %7s %7s  %-24s %11s %8s\n", "MACHINE", "MASTERS",
           "TARGETS", "BUSIEST SURVIVOR", "NOT IN SYNC", "STRANDED");
    for (int i = 0; i < lb->nf; i++) {
        const struct lb_failure *f = &lb->f[i];
        char busiest[160];
        snprintf(busiest, sizeof(busiest), "%s (%d)", machine_name(st, f->busiest),
                 f->busiest_load);
        printf("  %-16s %7d %7d  %-24s %11d %8d\n", st->m[f->machine].name, f->masters,
               f->targets, busiest, f->unconfirmed, f->stranded);
    }
    const struct lb_failure *w = &lb->f[lb->worst];
    printf("Worst: %s: busiest survivor %s with %d masters, %d store%s without a promotable "
           "replica\n", st->m[w->machine].name, machine_name(st, w->busiest), w->busiest_load,
           w->stranded, w->stranded == 1 ? "" : "s");
}

static void print_text(const struct cluster_state *st, const struct live_balance *lb)
{
    text_header(st);
    text_machines(st);
    text_stores(st);
    text_balance(st, lb);
    text_lists(st);
}

/* ---- XML output --------------------------------------------------------- */

static void xml_machine(xmlTextWriterPtr w, const struct cs_machine *m)
{
    xmlTextWriterStartElement(w, BAD_CAST "machine");
    cli_xml_str(w, "name", m->name);
    cli_xml_str(w, "state", cs_node_state_name[m->state]);
    cli_xml_int(w, "masters", m->masters);
    cli_xml_int(w, "planned-masters", m->planned);
    cli_xml_int(w, "replicas", m->replicas);
    cli_xml_int(w, "outdated", m->outdated);
    xmlTextWriterEndElement(w);
}

static void xml_store(xmlTextWriterPtr w, const struct cs_store *s)
{
    xmlTextWriterStartElement(w, BAD_CAST "store");
    cli_xml_str(w, "name", s->name);
    cli_xml_str(w, "master", s->master);
    cli_xml_str(w, "planned-master", cs_planned_master(s));
    cli_xml_str(w, "moved", moved(s) ? "true" : "false");
    for (int j = 0; j < s->nslots; j++) {
        const struct cs_slot *slot = &s->slots[j];
        xmlTextWriterStartElement(w, BAD_CAST "slot");
        cli_xml_str(w, "machine", slot->machine);
        cli_xml_int(w, "position", j);
        cli_xml_str(w, "role", cs_role_name[slot->role]);
        cli_xml_str(w, "state", cs_slot_state_name[slot->state]);
        cli_xml_str(w, "score", slot->score);
        cli_xml_str(w, "lag", slot->lag);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

static void xml_lists(xmlTextWriterPtr w, const struct cluster_state *st)
{
    for (int i = 0; i < st->nc; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "constraint");
        cli_xml_str(w, "id", st->c[i].id);
        cli_xml_str(w, "rsc", st->c[i].rsc);
        cli_xml_str(w, "role", st->c[i].role);
        cli_xml_str(w, "node", st->c[i].node);
        cli_xml_str(w, "score", st->c[i].score);
        xmlTextWriterEndElement(w);
    }
    for (int i = 0; i < st->nmk; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "mark");
        cli_xml_str(w, "store", st->mk[i].store);
        cli_xml_str(w, "machine", st->mk[i].machine);
        cli_xml_str(w, "leftover", st->mk[i].leftover ? "true" : "false");
        xmlTextWriterEndElement(w);
    }
}

static void xml_balance(xmlTextWriterPtr w, const struct cluster_state *st,
                        const struct live_balance *lb)
{
    xmlTextWriterStartElement(w, BAD_CAST "balance");
    cli_xml_int(w, "machines", lb->online);
    cli_xml_int(w, "masters-min", lb->min_masters);
    cli_xml_int(w, "masters-max", lb->max_masters);
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "fair", "%.3f", lb->fair);
    for (int i = 0; i < lb->nf; i++) {
        const struct lb_failure *f = &lb->f[i];
        xmlTextWriterStartElement(w, BAD_CAST "if-failed");
        cli_xml_str(w, "machine", st->m[f->machine].name);
        cli_xml_int(w, "masters", f->masters);
        cli_xml_int(w, "targets", f->targets);
        cli_xml_str(w, "busiest", f->busiest >= 0 ? st->m[f->busiest].name : NULL);
        cli_xml_int(w, "busiest-masters", f->busiest_load);
        cli_xml_int(w, "not-in-sync", f->unconfirmed);
        cli_xml_int(w, "stranded", f->stranded);
        if (i == lb->worst)
            cli_xml_str(w, "worst", "true");
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndElement(w);
}

static void xml_body(xmlTextWriterPtr w, const struct cluster_state *st,
                     const struct live_balance *lb)
{
    struct st_totals t = totals(st);
    xmlTextWriterStartElement(w, BAD_CAST "status");
    cli_xml_str(w, "cib-file", st->cib_file);
    cli_xml_int(w, "machines", st->nm);
    cli_xml_int(w, "online", t.online);
    cli_xml_int(w, "standby", t.standby);
    cli_xml_int(w, "stores", st->ns);
    cli_xml_int(w, "as-planned", t.as_planned);
    for (int i = 0; i < st->nm; i++)
        xml_machine(w, &st->m[i]);
    for (int i = 0; i < st->ns; i++)
        xml_store(w, &st->s[i]);
    xml_balance(w, st, lb);
    xml_lists(w, st);
    xmlTextWriterEndElement(w);
}

static void print_xml(const struct cluster_state *st, const struct live_balance *lb)
{
    struct cli_xml x;
    xmlTextWriterPtr w = cli_xml_begin(&x, "status");
    xml_body(w, st, lb);
    cli_xml_end(&x);
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

int cmd_status(int argc, char **argv)
{
    enum ss_output out;
    int rc = parse_opts(argc, argv, &out);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    struct cluster_state st = {0};
    struct ss_error err = {0};
    struct live_balance lb = {0};
    if (cluster_state_read(&st, "status", &err) != 0) {
        rc = cli_fail(&err);
    } else if (live_balance_compute(&st, &lb) != 0) {
        fprintf(stderr, "slotstore: status: out of memory\n");
        rc = SS_EXIT_RUNTIME;
    } else if (out == SS_OUT_XML) {
        print_xml(&st, &lb);
    } else {
        print_text(&st, &lb);
    }
    live_balance_free(&lb);
    cluster_state_free(&st);
    return rc;
}
