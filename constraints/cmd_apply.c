/* cmd_apply.c - `slotstore apply`: the placement into the live CIB, in one
 * transaction (a version-checked patch, live_cib.h), touching only what
 * slotstore owns (see cib_xml.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "cib_read.h"
#include "cib_xml.h"
#include "cli.h"
#include "live_cib.h"
#include "xml_util.h"

static const char apply_usage[] =
    "Usage: slotstore apply TOPOLOGY [--allow-moves] [--dry-run]\n"
    "\n"
    "Write the topology's stores into the cluster's CIB as one transaction (a patch of\n"
    "what changes, made against the CIB as read just before; a change someone else makes\n"
    "in between makes Pacemaker refuse the patch, and apply reads and patches again):\n"
    "slotstore's clones and its 'slotstore-' constraints are replaced, everything else\n"
    "(other resources, operators' cli-* constraints, nodes, options) is kept;\n"
    "symmetric-cluster=false and load-threshold=" SS_LOAD_THRESHOLD " are added only when\n"
    "unset.  Stores already in the CIB keep their slots (the plan is made with\n"
    "--from the live CIB); when the topology would still move slots or masters of existing\n"
    "stores, apply refuses unless --allow-moves is given.  A CIB that already holds exactly\n"
    "this configuration is left alone (\"nothing to change\").\n"
    "  --allow-moves   accept slot and master moves of existing stores\n"
    "  --dry-run       print what would change, change nothing\n"
    "With CIB_file=FILE in the environment, the file is changed instead of the cluster.\n"
    "Exit codes: 0 applied (or nothing to do), 1 CIB error, 2 bad input, 3 refused.\n";

struct apply_opts {
    const char *topology;
    int allow_moves;
    int dry_run;
};

static int parse_opts(int argc, char **argv, struct apply_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(apply_usage, stdout);
            return -1;
        } else if (strcmp(argv[i], "--allow-moves") == 0) {
            o->allow_moves = 1;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            o->dry_run = 1;
        } else if (argv[i][0] == '-' || o->topology) {
            fprintf(stderr, "slotstore: apply: unexpected argument '%s'; see slotstore apply --help\n",
                    argv[i]);
            return SS_EXIT_INPUT;
        } else {
            o->topology = argv[i];
        }
    }
    if (o->topology == NULL) {
        fprintf(stderr, "slotstore: apply: no topology file given; see slotstore apply --help\n");
        return SS_EXIT_INPUT;
    }
    return 0;
}

static xmlNodePtr ensure_child(xmlNodePtr n, const char *name)
{
    xmlNodePtr c = ss_xml_child(n, name);
    return c ? c : xmlNewChild(n, NULL, (const xmlChar *)name, NULL);
}

/* Move every child of `from` to the end of `to`. */
static void move_children(xmlNodePtr from, xmlNodePtr to)
{
    xmlNodePtr c = from->children;
    while (c) {
        xmlNodePtr next = c->next;
        xmlUnlinkNode(c);
        xmlAddChild(to, c);
        c = next;
    }
}

/* Report machines of the topology the CIB does not know as nodes. */
static void warn_unknown_nodes(xmlNodePtr conf, const struct ss_topology *topo)
{
    xmlNodePtr nodes = ss_xml_child(conf, "nodes");
    for (int i = 0; i < topo->nmachines; i++) {
        int found = 0;
        for (xmlNodePtr n = nodes ? nodes->children : NULL; n && !found; n = n->next) {
            xmlChar *u = xmlGetProp(n, (const xmlChar *)"uname");
            found = u && strcmp((const char *)u, topo->machines[i].name) == 0;
            xmlFree(u);
        }
        if (!found)
            fprintf(stderr, "slotstore: apply: warning: machine %s is not a node of this cluster "
                            "(yet); its slots start when it joins\n",
                    topo->machines[i].name);
    }
}

static int describe_moves(const struct ss_placement *old, const struct ss_placement *p,
                          const struct ss_moves *mv)
{
    fprintf(stderr, "slotstore: apply: the topology changes existing stores: %d slot moves, %d "
                    "master moves:\n",
            mv->slot_moves, mv->master_moves);
    int shown = 0;
    for (int s = 0; s < old->nstores && shown < 20; s++) {
        const struct ss_store *a = &old->stores[s];
        for (int t = 0; t < p->nstores; t++) {
            const struct ss_store *b = &p->stores[t];
            if (strcmp(a->name, b->name) != 0)
                continue;
            int same = 1;
            for (int c = 0; c < p->copies; c++)
                same &= a->machine[c] == b->machine[c];
            if (!same) {
                fprintf(stderr, "  %s:", a->name);
                for (int c = 0; c < old->copies; c++)
                    fprintf(stderr, " %s", a->machine[c] >= 0
                                               ? old->topo->machines[a->machine[c]].name
                                               : "(gone)");
                fprintf(stderr, " ->");
                for (int c = 0; c < p->copies; c++)
                    fprintf(stderr, " %s", p->topo->machines[b->machine[c]].name);
                fprintf(stderr, "\n");
                shown++;
            }
        }
    }
    fprintf(stderr, "Nothing was changed.  Rerun with --allow-moves to accept these moves "
                    "(slot moves need the slots' data copied; plan them with 'slotstore plan "
                    "--from').\n");
    return SS_EXIT_REFUSED;
}

/* Cluster option `name` as the operator set it; NULL when unset (caller frees). */
static xmlChar *cluster_option(xmlNodePtr conf, const char *name)
{
    xmlNodePtr crm_config = ss_xml_child(conf, "crm_config");
    for (xmlNodePtr set = crm_config ? crm_config->children : NULL; set; set = set->next)
        for (xmlNodePtr nv = set->children; nv; nv = nv->next)
            if (nv->type == XML_ELEMENT_NODE && ss_xml_prop_is(nv, "name", name))
                return xmlGetProp(nv, (const xmlChar *)"value");
    return NULL;
}

/* Is resource `id` named by any location constraint (rsc= or a resource_set's ref)? */
static int has_location(xmlNodePtr constraints, const xmlChar *id)
{
    for (xmlNodePtr c = constraints ? constraints->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, (const xmlChar *)"rsc_location"))
            continue;
        xmlChar *rsc = xmlGetProp(c, (const xmlChar *)"rsc");
        int match = rsc && xmlStrEqual(rsc, id);
        xmlFree(rsc);
        if (match)
            return 1;
        for (xmlNodePtr set = c->children; set; set = set->next)
            for (xmlNodePtr ref = set->children; ref; ref = ref->next) {
                xmlChar *rid = ref->type == XML_ELEMENT_NODE
                                   ? xmlGetProp(ref, (const xmlChar *)"id") : NULL;
                match = rid && xmlStrEqual(rid, id);
                xmlFree(rid);
                if (match)
                    return 1;
            }
    }
    return 0;
}

/* Turning an unset symmetric-cluster into false (opt-in) would leave the operator's
 * resources without a location constraint nowhere to run, stonith devices included:
 * refuse, and say how to fix it. */
static int refuse_opt_in(xmlNodePtr current_cib)
{
    xmlNodePtr conf = ss_xml_child(current_cib, "configuration");
    xmlChar *sym = cluster_option(conf, "symmetric-cluster");
    int unset = sym == NULL;
    xmlFree(sym);
    if (!unset)
        return 0;
    xmlNodePtr resources = ss_xml_child(conf, "resources");
    xmlNodePtr constraints = ss_xml_child(conf, "constraints");
    int stranded = 0;
    for (xmlNodePtr r = resources ? resources->children : NULL; r; r = r->next) {
        if (r->type != XML_ELEMENT_NODE || ss_cib_is_owned(r))
            continue;
        xmlChar *id = xmlGetProp(r, (const xmlChar *)"id");
        if (id && !has_location(constraints, id)) {
            if (stranded++ == 0)
                fprintf(stderr, "slotstore: apply: the stores need symmetric-cluster=false "
                                "(opt-in), which would stop these resources, as no location "
                                "constraint allows them anywhere:\n");
            fprintf(stderr, "  %s\n", (const char *)id);
        }
        xmlFree(id);
    }
    if (stranded)
        fprintf(stderr, "Nothing was changed.  Allow each on its nodes first (e.g. 'pcs "
                        "constraint location RESOURCE prefers NODE1 NODE2 ...'), or set "
                        "symmetric-cluster yourself ('pcs property set symmetric-cluster=false').\n");
    return stranded > 0;
}

/* The crm_config set with this id, NULL when none. */
static xmlNodePtr option_set(xmlNodePtr crm_config, const char *want)
{
    for (xmlNodePtr c = crm_config->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && ss_xml_prop_is(c, "id", want))
            return c;
    return NULL;
}

/* Add name=value (id slotstore-options-NAME) to the cluster's bootstrap option set, as
 * `pcs property set` does, else to slotstore's own set (created on first use).  The
 * controller re-reads its options (load-threshold) only when a change lands inside an
 * existing set: a newly created set went unnoticed until the next election (lab40). */
static void add_option(xmlNodePtr conf, const char *name, const char *value)
{
    xmlNodePtr crm_config = ensure_child(conf, "crm_config");
    xmlNodePtr set = option_set(crm_config, "cib-bootstrap-options");
    if (set == NULL)
        set = option_set(crm_config, SS_ID_PREFIX "options");
    if (set == NULL) {
        set = xmlNewChild(crm_config, NULL, (const xmlChar *)"cluster_property_set", NULL);
        xmlNewProp(set, (const xmlChar *)"id", (const xmlChar *)SS_ID_PREFIX "options");
    }
    char id[128];
    snprintf(id, sizeof(id), SS_ID_PREFIX "options-%s", name);
    xmlNodePtr nv = xmlNewChild(set, NULL, (const xmlChar *)"nvpair", NULL);
    xmlNewProp(nv, (const xmlChar *)"id", (const xmlChar *)id);
    xmlNewProp(nv, (const xmlChar *)"name", (const xmlChar *)name);
    xmlNewProp(nv, (const xmlChar *)"value", (const xmlChar *)value);
}

/* The options the stores need (an opt-in cluster) and the ones slotstore recommends
 * (cib_xml.h), each only where the operator has not chosen already. */
static void add_options(xmlNodePtr conf)
{
    xmlChar *sym = cluster_option(conf, "symmetric-cluster");
    if (sym == NULL)
        add_option(conf, "symmetric-cluster", "false");
    else if (strcmp((const char *)sym, "false") != 0)
        fprintf(stderr, "slotstore: apply: warning: symmetric-cluster is %s; stores rely on "
                        "resource-discovery=exclusive location constraints and should run in "
                        "an opt-in cluster (false)\n",
                (const char *)sym);
    xmlFree(sym);
    xmlChar *load = cluster_option(conf, "load-threshold");
    if (load == NULL)
        add_option(conf, "load-threshold", SS_LOAD_THRESHOLD);
    xmlFree(load);
}

/* Turn a copy of the whole CIB into the wanted one, in place: slotstore's
 * elements replaced by the plan's (the nodes' zones too), everything else kept,
 * options added. */
static int rewrite_cib(xmlNodePtr cib, const struct ss_placement *p, struct ss_error *err)
{
    xmlNodePtr conf = ss_xml_child(cib, "configuration");
    if (conf == NULL)
        return ss_error_set(err, SS_ERR_RUNTIME, "apply: the CIB has no configuration section");
    ss_cib_strip_owned(cib->doc);
    xmlNodePtr res, con;
    if (ss_cib_owned_sections(p, &res, &con, err) != 0)
        return -1;
    move_children(res, ensure_child(conf, "resources"));
    move_children(con, ensure_child(conf, "constraints"));
    xmlFreeNode(res);
    xmlFreeNode(con);
    ss_cib_add_zones(cib->doc, p->topo);
    add_options(conf);
    return 0;
}

/* The text of one element, appended to `buf`. */
static void dump_to(xmlBufferPtr buf, xmlNodePtr n)
{
    if (xmlNodeDump(buf, n->doc, n, 0, 0) < 0) {
        fprintf(stderr, "slotstore: out of memory\n");
        abort();
    }
}

/* Every element slotstore owns, as text: what the plan was made from. */
static char *owned_text(xmlNodePtr cib)
{
    static const char *sections[] = {"resources", "constraints"};
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL) {
        fprintf(stderr, "slotstore: out of memory\n");
        abort();
    }
    xmlNodePtr conf = ss_xml_child(cib, "configuration");
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        xmlNodePtr sec = ss_xml_child(conf, sections[i]);
        for (xmlNodePtr c = sec ? sec->children : NULL; c; c = c->next)
            if (ss_cib_is_owned(c))
                dump_to(buf, c);
    }
    char *text = strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    if (text == NULL)
        abort();
    return text;
}

struct apply_edit {
    const struct ss_placement *plan;
    char *planned_from;   /* owned_text of the CIB the plan was made from */
    int refused;
};

/* The write: on the CIB as it is now, which must still hold the stores the plan
 * was made from (another apply in the meantime would be undone). */
static enum live_cib_edit apply_edit(xmlNode *cib, void *ctx, struct ss_error *err)
{
    struct apply_edit *a = ctx;
    char *now = owned_text(cib);
    int drifted = strcmp(now, a->planned_from) != 0;
    free(now);
    if (drifted) {
        ss_error_set(err, SS_ERR_RUNTIME,
                     "apply: slotstore's stores or constraints in the CIB changed while apply "
                     "was planning (another apply, or an edit by hand); nothing was changed; "
                     "run apply again");
        return LIVE_CIB_FAILED;
    }
    if (refuse_opt_in(cib)) {
        a->refused = 1;
        ss_error_set(err, SS_ERR_RUNTIME, "apply: refused (see above)");
        return LIVE_CIB_FAILED;
    }
    return rewrite_cib(cib, a->plan, err) == 0 ? LIVE_CIB_CHANGED : LIVE_CIB_FAILED;
}

int cmd_apply(int argc, char **argv)
{
    struct apply_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    struct ss_error err = {0};
    struct ss_topology *topo = NULL;
    if (ss_topology_load(o.topology, &topo, &err) != 0)
        return cli_fail(&err);

    struct live_cib lc = {0};
    struct ss_placement *old = NULL, *p = NULL;
    struct ss_moves mv = {0};
    xmlNodePtr wanted = NULL;
    struct apply_edit edit = {0};
    int exit_code = SS_EXIT_OK;
    if (live_cib_open(&lc, "apply", &err) != 0) {
        exit_code = cli_fail(&err);
        goto out;
    }
    xmlNode *current = lc.current;
    char **unknown = NULL;
    rc = ss_cib_read_placement(current->doc, topo, &old, &unknown, &err);
    if (unknown) {
        for (int i = 0; unknown[i]; i++) {
            fprintf(stderr, "slotstore: apply: stores in the CIB use machine %s, which the "
                            "topology no longer lists; their slots there will move\n",
                    unknown[i]);
            free(unknown[i]);
        }
        free(unknown);
    }
    if (rc == 0)
        rc = old->nstores ? ss_plan_from(topo, old, &p, &mv, &err) : ss_plan(topo, &p, &err);
    if (rc != 0) {
        exit_code = cli_fail(&err);
        goto out;
    }
    if ((mv.slot_moves > 0 || mv.master_moves > 0) && !o.allow_moves) {
        exit_code = describe_moves(old, p, &mv);
        goto out;
    }
    if (refuse_opt_in(current)) {
        exit_code = SS_EXIT_REFUSED;
        goto out;
    }
    wanted = copy_xml(current);
    if (rewrite_cib(wanted, p, &err) != 0) {
        exit_code = cli_fail(&err);
        goto out;
    }
    warn_unknown_nodes(ss_xml_child(wanted, "configuration"), topo);
    /* the configuration reads as wanted: leave it alone, bump no epoch */
    if (ss_xml_same_text(ss_xml_child(current, "configuration"),
                          ss_xml_child(wanted, "configuration"))) {
        printf("nothing to change: the CIB already holds these %d stores\n", p->nstores);
        goto out;
    }
    if (o.dry_run) {
        printf("dry run: would write %d stores (%d new, %d slot moves, %d master moves); nothing "
               "changed\n",
               p->nstores, old->nstores ? mv.new_stores : p->nstores, mv.slot_moves,
               mv.master_moves);
        goto out;
    }
    edit.plan = p;
    edit.planned_from = owned_text(current);
    rc = live_cib_commit(&lc, apply_edit, &edit, "apply", &err);
    if (rc < 0) {
        exit_code = edit.refused ? SS_EXIT_REFUSED : cli_fail(&err);
        goto out;
    }
    if (rc > 0) {
        printf("nothing to change: the CIB already holds these %d stores\n", p->nstores);
        goto out;
    }
    printf("applied %d stores (%d new, %d slot moves, %d master moves)\n", p->nstores,
           old->nstores ? mv.new_stores : p->nstores, mv.slot_moves, mv.master_moves);
out:
    free(edit.planned_from);
    if (wanted)
        free_xml(wanted);
    live_cib_close(&lc);
    ss_placement_free(p);
    ss_placement_free(old);
    ss_topology_free(topo);
    return exit_code;
}
