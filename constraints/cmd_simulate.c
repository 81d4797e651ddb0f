/* cmd_simulate.c - `slotstore simulate`: what Pacemaker really does with the stores.
 *
 * The plan claims where every store's master runs and where it goes when
 * machines fail.  This command asks Pacemaker's own scheduler instead, by
 * running crm_simulate on private copies of the CIB (never the live one):
 *
 *  1. The copy gets every node online, quorum, a stand-in fence device when
 *     fencing is enabled without one (without a device a failed node stays
 *     UNCLEAN and nothing is recovered), and every slot marked in sync: the
 *     transient attribute master-<primitive> = 1000 on each allowed machine,
 *     which is what the agent publishes through crm_attribute --promotion.
 *     The status section is rebuilt from scratch: the live history, fail
 *     counts and transient attributes are not part of the question.
 *  2. A cold start until Pacemaker schedules nothing: the steady state.
 *  3. From the steady state, one scheduler run per failed machine (per pair
 *     of machines with --pairs).
 *
 * Cost: crm_simulate copies the whole CIB for every action it executes, so a
 * cold start costs (actions x CIB size): 320 stores in one run take about a
 * minute.  The cold start therefore runs in batches of SIM_BATCH stores (each
 * batch's copy holds only its own stores), the histories are merged into one
 * status section and the complete CIB is then run until its transition is
 * empty: every master of the reported steady state is one that Pacemaker
 * chose and keeps with all stores present.  A failure is first only
 * scheduled (crm_simulate --run, several times faster) and read from the
 * transition summary; a result that breaks the plan is then executed
 * (--simulate) and run until settled, so a deviation is only reported where
 * Pacemaker really ends up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>

#include "balance.h"
#include "cib_xml.h"
#include "cli.h"
#include "config.h"
#include "placement_int.h"
#include "xml_util.h"

extern char **environ;

#define SIM_BATCH 25          /* stores per cold-start batch (measured sweet spot 20..40) */
#define SIM_MAX_PAR 2         /* crm_simulate runs at a time */
#define SIM_SETTLE_RUNS 5     /* transitions allowed before the state must be steady */
#define SIM_IN_SYNC "1000"    /* promotion score of a slot in sync (agent's ladder) */
#define SIM_FENCE_ID "slotstore-simulate-fence"
#define SIM_MAX_ARGS 16
#define SIM_ERR_SHOWN 65536   /* bytes of a child's stderr shown on failure */
#define SIM_NOTES_SHOWN 20    /* notes in the text output */

static const char simulate_usage[] =
    "Usage: slotstore simulate [--cib FILE] [--pairs] [--output-as=text|xml]\n"
    "\n"
    "Run Pacemaker's scheduler (crm_simulate) on private copies of the CIB with every\n"
    "machine up and every slot in sync, and report what Pacemaker does: the masters per\n"
    "machine in the steady state, and for every machine failure the busiest survivor\n"
    "against the water-filling lower bound (the zone rule too when every node has the\n"
    "attribute slotstore-zone, as 'slotstore cib' and 'apply' write it), the stores left\n"
    "without a master and the stores promoted somewhere other than their planned\n"
    "failover target (the first surviving machine of their 'slots' parameter).\n"
    "\n"
    "  --cib FILE    read the CIB from FILE (default: the live CIB, 'cibadmin --query\n"
    "                --local', which honours CIB_file)\n"
    "  --pairs       also simulate every failure of two machines\n"
    "\n"
    "Quorum is assumed throughout (crm_simulate does not model votes).  A stand-in\n"
    "fence device is added to the copy when fencing is enabled without one.\n"
    "Exit codes: 0 Pacemaker does what the plan says, 4 it does not, 2 bad input,\n"
    "1 crm_simulate or cibadmin failed.\n";

/* ---- model ------------------------------------------------------------- */

struct sim_machine {
    char *name;           /* uname */
    char *id;             /* node id (node_state id) */
    char *zone;           /* its slotstore-zone node attribute, NULL none */
    int copies;           /* stores allowed here (slotstore-loc constraints) */
    int masters;          /* steady-state masters */
    int planned;          /* stores whose `slots` start here */
};

struct sim_store {
    char *name;           /* clone id */
    char *prim;           /* primitive id, normally <name>-cyrus */
    int *allowed;         /* machines of its slotstore-loc constraints */
    int nallowed;
    int *order;           /* `slots` order: machine index, -1 = not a node */
    int norder;
    int batch;            /* cold-start batch */
    int steady;           /* steady-state master, -1 none */
};

enum sim_problem { SIM_OFF_PLAN, SIM_NO_MASTER, SIM_LOST };

struct sim_issue {
    int store;
    enum sim_problem kind;
    int got;              /* machine promoted, -1 none */
    int want;             /* planned machine, -1 none */
};

/* What Pacemaker did after one failure (or in the steady state, nfailed = 0). */
struct sim_failure {
    int failed[2];
    int nfailed;
    int busiest, busiest_masters, bound, receivers;
    int no_master;        /* stores without a master, lost ones included */
    int lost;             /* stores with no surviving copy */
    int off_plan;
    int runs;             /* crm_simulate runs it took */
    int unsettled;        /* still scheduling after SIM_SETTLE_RUNS */
    int multi;            /* stores promoted on more than one machine */
    struct sim_issue *issues;
    int nissues;
};

struct sim {
    const char *cib_path;
    int cib_is_file;              /* --cib given (else the live CIB) */
    char *dir;                    /* private temp dir */
    int nmachines;
    struct sim_machine *m;
    int nstores;
    struct sim_store *s;
    GHashTable *machine_ix;       /* uname -> index + 1 */
    GHashTable *store_ix;         /* clone id -> index + 1 */
    GHashTable *prim_ix;          /* primitive id -> index + 1 */
    char **notes;
    int nnotes;
    int nbatches;
    int par;                      /* crm_simulate runs at a time */
    int tty;                      /* progress on stderr */
    char *steady_path;            /* CIB copy in the steady state */
    struct sim_failure steady;
    int *steady_masters;          /* per machine, once the steady state is known */
    int *steady_room;             /* its replicas: where failed masters can go */
    int *steady_failover;         /* [a * M + b]: stores led by a whose first other copy
                                   * in `slots` order is on b */
    struct ss_topology *rule;     /* the machines and, when every one has a zone,
                                   * their zones: what the bounds respect */
    struct sim_failure *fail;
    int nsingle, nfail;
};

struct sim_opts {
    const char *cib;
    int pairs;
    enum ss_output output;
};


/* ---- small helpers ----------------------------------------------------- */

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) {
        fputs("slotstore: out of memory\n", stderr);
        abort();
    }
    va_end(ap);
    return s;
}

/* Print "slotstore: simulate: <what> (<where>); <how to fix>" and return code. */
static int sim_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sim_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("slotstore: simulate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

static void add_note(struct sim *sim, char *note)
{
    sim->notes = realloc(sim->notes, sizeof(char *) * (size_t)(sim->nnotes + 1));
    if (sim->notes == NULL)
        abort();
    sim->notes[sim->nnotes++] = note;
}

static void int_push(int **v, int *n, int x)
{
    *v = realloc(*v, sizeof(int) * (size_t)(*n + 1));
    if (*v == NULL)
        abort();
    (*v)[(*n)++] = x;
}

static int lookup(GHashTable *h, const char *key)
{
    return key ? GPOINTER_TO_INT(g_hash_table_lookup(h, key)) - 1 : -1;
}

static xmlNodePtr child_element(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
            return c;
    return NULL;
}

static xmlXPathObjectPtr xpath(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
    xmlXPathFreeContext(ctx);
    return obj;
}

static int xpath_count(xmlXPathObjectPtr obj)
{
    return obj && obj->nodesetval ? obj->nodesetval->nodeNr : 0;
}

static const char *mname(const struct sim *sim, int m)
{
    return m >= 0 ? sim->m[m].name : "-";
}

static int is_failed(const struct sim_failure *f, int m)
{
    for (int i = 0; i < f->nfailed; i++)
        if (f->failed[i] == m)
            return 1;
    return 0;
}

static void failure_label(const struct sim *sim, const struct sim_failure *f, char *buf,
                          size_t len)
{
    if (f->nfailed == 2)
        snprintf(buf, len, "%s+%s", mname(sim, f->failed[0]), mname(sim, f->failed[1]));
    else
        snprintf(buf, len, "%s", mname(sim, f->failed[0]));
}

static void progress(const struct sim *sim, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const struct sim *sim, const char *fmt, ...)
{
    if (!sim->tty)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

static void progress_done(const struct sim *sim)
{
    if (sim->tty)
        fputs("\r\033[K", stderr);
}

/* ---- temp dir ---------------------------------------------------------- */

static int make_dir(struct sim *sim)
{
    const char *tmp = getenv("TMPDIR");
    sim->dir = xasprintf("%s/slotstore-simulate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(sim->dir) == NULL) {
        int e = errno;
        sim_error(SS_EXIT_RUNTIME, "cannot create a private directory (%s: %s); set TMPDIR to a "
                                   "writable directory", sim->dir, strerror(e));
        free(sim->dir);
        sim->dir = NULL;
        return SS_EXIT_RUNTIME;
    }
    return 0;
}

/* Everything in the directory is ours (mkdtemp made it private). */
static void remove_dir(struct sim *sim)
{
    if (sim->dir == NULL)
        return;
    DIR *d = opendir(sim->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = xasprintf("%s/%s", sim->dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(sim->dir);
    free(sim->dir);
    sim->dir = NULL;
}

static char *dir_file(const struct sim *sim, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *dir_file(const struct sim *sim, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *name = NULL;
    if (vasprintf(&name, fmt, ap) < 0)
        abort();
    va_end(ap);
    char *p = xasprintf("%s/%s", sim->dir, name);
    free(name);
    return p;
}

/* ---- child processes --------------------------------------------------- */

/* One crm_simulate (or cibadmin) run: argv and the files it writes. */
struct sim_run {
    char *argv[SIM_MAX_ARGS + 1];
    int argc;
    char *out;        /* its stdout (NULL: /dev/null) */
    char *err;        /* its stderr */
    char *what;       /* for messages, where: "cold start, batch 2/8" */
    char *fix;        /* for messages, how to fix (NULL: a generic hint) */
    pid_t pid;
    int task;         /* caller's index */
};

static void run_arg(struct sim_run *r, const char *a)
{
    if (r->argc >= SIM_MAX_ARGS)
        abort();
    r->argv[r->argc++] = ss_xstrdup(a);
    r->argv[r->argc] = NULL;
}

static void run_clear(struct sim_run *r)
{
    for (int i = 0; i < r->argc; i++)
        free(r->argv[i]);
    free(r->out);
    free(r->err);
    free(r->what);
    free(r->fix);
    memset(r, 0, sizeof(*r));
}

/* crm_simulate -x in (-S -O out | -R) --output-as=xml --output-to res [-f M ...]
 * out == NULL: --run, the scheduler's decisions only (no execution, no
 * saved CIB), several times faster on big CIBs. */
static void simulate_run(const struct sim *sim, struct sim_run *r, const char *in, const char *out,
                         const char *res, const struct sim_failure *f)
{
    memset(r, 0, sizeof(*r));
    const char *base[] = {"crm_simulate", "--xml-file", in, "--output-as=xml", "--output-to", res};
    for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
        run_arg(r, base[i]);
    run_arg(r, out ? "--simulate" : "--run");
    if (out) {
        run_arg(r, "--save-output");
        run_arg(r, out);
    }
    for (int i = 0; f && i < f->nfailed; i++) {
        run_arg(r, "--node-fail");
        run_arg(r, sim->m[f->failed[i]].name);
    }
    r->err = xasprintf("%s.err", res);
}

static int spawn(struct sim_run *r)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, r->out ? r->out : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = posix_spawnp(&r->pid, r->argv[0], &fa, NULL, r->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        r->pid = 0;
        return sim_error(SS_EXIT_RUNTIME, "cannot run %s (%s); install Pacemaker's command line "
                                          "tools (pacemaker-cli-utils)", r->argv[0], strerror(e));
    }
    return 0;
}

static void show_stderr(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char buf[4096];
    size_t n, shown = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && shown < SIM_ERR_SHOWN) {
        fwrite(buf, 1, n, stderr);
        shown += n;
    }
    fclose(f);
}

/* Report a finished child; 0 when it exited 0. */
static int child_status(const struct sim_run *r, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    const char *fix = r->fix ? r->fix : "its messages follow";
    if (WIFEXITED(status))
        sim_error(SS_EXIT_RUNTIME, "%s failed with exit code %d (%s); %s", r->argv[0],
                  WEXITSTATUS(status), r->what ? r->what : "", fix);
    else
        sim_error(SS_EXIT_RUNTIME, "%s was killed by signal %d (%s); %s", r->argv[0],
                  WTERMSIG(status), r->what ? r->what : "", fix);
    show_stderr(r->err);
    return SS_EXIT_RUNTIME;
}

/* Stop the children we started (by pid) after an error or a signal. */
static void stop_children(struct sim_run **running, int n)
{
    for (int i = 0; i < n; i++)
        if (running[i] && running[i]->pid > 0)
            kill(running[i]->pid, SIGTERM);
    for (int i = 0; i < n; i++)
        if (running[i] && running[i]->pid > 0) {
            while (waitpid(running[i]->pid, NULL, 0) < 0 && errno == EINTR)
                ;
            running[i]->pid = 0;
        }
}

static int interrupted(void)
{
    return sim_error(SS_EXIT_RUNTIME, "interrupted by signal %d (while simulating); nothing was "
                                      "changed, run it again", (int)cli_signal);
}

/* Run one child to its end (waits for this pid only, so it is safe while a
 * pool of other children is running). */
static int run_wait(struct sim_run *r)
{
    int rc = cli_signal ? interrupted() : spawn(r);
    if (rc != 0)
        return rc;
    int status;
    while (waitpid(r->pid, &status, 0) < 0) {
        if (errno == EINTR && !cli_signal)
            continue;
        int e = errno;
        struct sim_run *one[1] = {r};
        stop_children(one, 1);
        return cli_signal ? interrupted()
                          : sim_error(SS_EXIT_RUNTIME, "waitpid failed (%s); run it again",
                                      strerror(e));
    }
    r->pid = 0;
    /* a terminal's ^C also kills the children: report the interruption */
    return cli_signal ? interrupted() : child_status(r, status);
}

/* A batch of independent runs, SIM_MAX_PAR at a time. */
struct sim_pool {
    int ntasks;
    int (*prepare)(struct sim *sim, void *ctx, int task, struct sim_run *r);
    int (*finish)(struct sim *sim, void *ctx, int task, struct sim_run *r);
    void *ctx;
    const char *label;    /* progress: "<label> i/n" */
};

static int pool_reap(struct sim *sim, const struct sim_pool *pool, struct sim_run **running,
                     int *nrunning, int *done)
{
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
        int e = errno;
        if (e == EINTR && !cli_signal)
            return 0;
        stop_children(running, *nrunning);
        return cli_signal ? interrupted()
                          : sim_error(SS_EXIT_RUNTIME, "waitpid failed (%s); run it again",
                                      strerror(e));
    }
    for (int i = 0; i < *nrunning; i++) {
        struct sim_run *r = running[i];
        if (r->pid != pid)
            continue;
        r->pid = 0;
        running[i] = running[--*nrunning];
        int rc = cli_signal ? interrupted() : child_status(r, status);
        if (rc == 0)
            rc = pool->finish(sim, pool->ctx, r->task, r);
        run_clear(r);
        free(r);
        if (rc != 0) {
            stop_children(running, *nrunning);
            return rc;
        }
        progress(sim, "%s %d/%d", pool->label, ++*done, pool->ntasks);
        return 0;
    }
    return 0; /* not one of ours: nothing else of this process forks, ignore */
}

static int pool_run(struct sim *sim, const struct sim_pool *pool)
{
    struct sim_run *running[SIM_MAX_PAR] = {0};
    int nrunning = 0, next = 0, done = 0, rc = 0;
    progress(sim, "%s 0/%d", pool->label, pool->ntasks);
    while (rc == 0 && (next < pool->ntasks || nrunning > 0)) {
        if (cli_signal) {
            stop_children(running, nrunning);
            rc = interrupted();
            break;
        }
        while (rc == 0 && nrunning < sim->par && next < pool->ntasks) {
            struct sim_run *r = ss_xcalloc(1, sizeof(*r));
            rc = pool->prepare(sim, pool->ctx, next, r);
            r->task = next++;
            if (rc == 0)
                rc = spawn(r);
            if (rc == 0) {
                running[nrunning++] = r;
            } else {
                run_clear(r);
                free(r);
                stop_children(running, nrunning);
            }
        }
        if (rc == 0 && nrunning > 0)
            rc = pool_reap(sim, pool, running, &nrunning, &done);
    }
    for (int i = 0; i < nrunning; i++) {
        run_clear(running[i]);
        free(running[i]);
    }
    progress_done(sim);
    return rc;
}

/* ---- reading the CIB --------------------------------------------------- */

static int fetch_live_cib(struct sim *sim, char **path)
{
    struct sim_run r = {0};
    run_arg(&r, "cibadmin");
    run_arg(&r, "--query");
    run_arg(&r, "--local");
    r.out = dir_file(sim, "live.xml");
    r.err = dir_file(sim, "cibadmin.err");
    r.what = xasprintf("reading the live CIB");
    r.fix = xasprintf("pass --cib FILE when no cluster runs here; its messages follow");
    int rc = run_wait(&r);
    if (rc == 0)
        *path = ss_xstrdup(r.out);
    run_clear(&r);
    return rc;
}

static int load_cib(const char *path, xmlDocPtr *doc)
{
    if (access(path, R_OK) != 0) {
        int e = errno;
        return sim_error(SS_EXIT_INPUT, "cannot read the CIB (%s: %s); check the path given to "
                                        "--cib, or save one with 'cibadmin -Q > FILE'",
                         path, strerror(e));
    }
    *doc = xmlReadFile(path, NULL,
                       XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOERROR |
                           XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
    xmlNodePtr root = *doc ? xmlDocGetRootElement(*doc) : NULL;
    if (root == NULL || xmlStrcmp(root->name, BAD_CAST "cib") != 0) {
        const xmlError *e = xmlGetLastError();
        sim_error(SS_EXIT_INPUT, "not a CIB (%s:%d: %s); give a file saved with 'cibadmin -Q'",
                  path, e ? e->line : 0,
                  e && e->message ? g_strstrip(e->message) : "the root element is not <cib>");
        xmlFreeDoc(*doc);
        *doc = NULL;
        return SS_EXIT_INPUT;
    }
    return 0;
}

static int member_node(xmlNodePtr n)
{
    xmlChar *type = xmlGetProp(n, BAD_CAST "type");
    int member = type == NULL || xmlStrcmp(type, BAD_CAST "member") == 0 ||
                 xmlStrcmp(type, BAD_CAST "normal") == 0;
    xmlFree(type);
    return member;
}

/* The node's slotstore-zone attribute (cib_xml.h), or NULL. */
static char *node_zone(xmlNodePtr node)
{
    for (xmlNodePtr set = node->children; set; set = set->next) {
        if (set->type != XML_ELEMENT_NODE || !xmlStrEqual(set->name, BAD_CAST "instance_attributes"))
            continue;
        for (xmlNodePtr nv = set->children; nv; nv = nv->next)
            if (nv->type == XML_ELEMENT_NODE && xmlStrEqual(nv->name, BAD_CAST "nvpair") &&
                ss_xml_prop_is(nv, "name", SS_ZONE_ATTRIBUTE))
                return ss_xml_prop(nv, "value", NULL);
    }
    return NULL;
}

static void read_nodes(xmlDocPtr doc, struct sim *sim)
{
    xmlXPathObjectPtr obj = xpath(doc, "/cib/configuration/nodes/node");
    int n = xpath_count(obj);
    sim->m = ss_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*sim->m));
    for (int i = 0; i < n; i++) {
        xmlNodePtr node = obj->nodesetval->nodeTab[i];
        char *uname = ss_xml_prop(node, "uname", NULL);
        if (uname == NULL || !member_node(node) || lookup(sim->machine_ix, uname) >= 0) {
            add_note(sim, xasprintf("node %s is not a cluster member node (or a duplicate): "
                                    "left out", uname ? uname : "without uname"));
            free(uname);
            continue;
        }
        struct sim_machine *m = &sim->m[sim->nmachines];
        m->name = uname;
        m->id = ss_xml_prop(node, "id", NULL);
        if (m->id == NULL)
            m->id = ss_xstrdup(uname);
        m->zone = node_zone(node);
        g_hash_table_insert(sim->machine_ix, m->name, GINT_TO_POINTER(++sim->nmachines));
    }
    xmlXPathFreeObject(obj);
}

/* The primitive of a store clone and its `slots` parameter. */
static xmlNodePtr store_primitive(xmlNodePtr clone)
{
    for (xmlNodePtr c = clone->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST "primitive") == 0 &&
            ss_xml_prop_is(c, "class", "ocf") && ss_xml_prop_is(c, "provider", "slotstore") &&
            ss_xml_prop_is(c, "type", "cyrus"))
            return c;
    return NULL;
}

static char *slots_value(xmlNodePtr prim)
{
    for (xmlNodePtr ia = prim->children; ia; ia = ia->next) {
        if (ia->type != XML_ELEMENT_NODE || xmlStrcmp(ia->name, BAD_CAST "instance_attributes"))
            continue;
        for (xmlNodePtr nv = ia->children; nv; nv = nv->next)
            if (nv->type == XML_ELEMENT_NODE && ss_xml_prop_is(nv, "name", "slots"))
                return ss_xml_prop(nv, "value", NULL);
    }
    return NULL;
}

/* "imap01:3@addr imap07:12@addr" -> machine indexes in failover order. */
static void parse_slots(struct sim *sim, struct sim_store *st, const char *value)
{
    char *copy = ss_xstrdup(value), *save = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        tok[strcspn(tok, ":@")] = '\0';
        int m = lookup(sim->machine_ix, tok);
        if (m < 0)
            add_note(sim, xasprintf("store %s: its slots name %s, which is not a node of the "
                                    "CIB", st->name, tok));
        int_push(&st->order, &st->norder, m);
    }
    free(copy);
}

static void read_stores(xmlDocPtr doc, struct sim *sim)
{
    xmlXPathObjectPtr obj = xpath(doc, "/cib/configuration/resources/clone[primitive[@class='ocf'"
                                       " and @provider='slotstore' and @type='cyrus']]");
    int n = xpath_count(obj);
    sim->s = ss_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*sim->s));
    for (int i = 0; i < n; i++) {
        xmlNodePtr clone = obj->nodesetval->nodeTab[i];
        xmlNodePtr p = store_primitive(clone);
        struct sim_store *st = &sim->s[sim->nstores];
        st->name = ss_xml_prop(clone, "id", NULL);
        st->prim = ss_xml_prop(p, "id", NULL);
        if (st->name == NULL || st->prim == NULL) {
            free(st->name);
            free(st->prim);
            memset(st, 0, sizeof(*st));
            continue;
        }
        st->steady = -1;
        st->batch = sim->nstores / SIM_BATCH;
        char *slots = slots_value(p);
        if (slots)
            parse_slots(sim, st, slots);
        else
            add_note(sim, xasprintf("store %s has no 'slots' parameter: no planned order",
                                    st->name));
        free(slots);
        sim->nstores++;
        g_hash_table_insert(sim->store_ix, st->name, GINT_TO_POINTER(sim->nstores));
        g_hash_table_insert(sim->prim_ix, st->prim, GINT_TO_POINTER(sim->nstores));
    }
    sim->nbatches = (sim->nstores + SIM_BATCH - 1) / SIM_BATCH;
    xmlXPathFreeObject(obj);
}

static void add_allowed(struct sim *sim, struct sim_store *st, int m)
{
    for (int i = 0; i < st->nallowed; i++)
        if (st->allowed[i] == m)
            return;
    int_push(&st->allowed, &st->nallowed, m);
    sim->m[m].copies++;
}

static void read_locations(xmlDocPtr doc, struct sim *sim)
{
    xmlXPathObjectPtr obj =
        xpath(doc, "/cib/configuration/constraints/rsc_location[starts-with(@id,'slotstore-loc-')]");
    for (int i = 0; i < xpath_count(obj); i++) {
        xmlNodePtr c = obj->nodesetval->nodeTab[i];
        char *rsc = ss_xml_prop(c, "rsc", NULL), *node = ss_xml_prop(c, "node", NULL);
        int s = lookup(sim->store_ix, rsc), m = lookup(sim->machine_ix, node);
        if (s >= 0 && m >= 0)
            add_allowed(sim, &sim->s[s], m);
        else if (s >= 0)
            add_note(sim, xasprintf("store %s: a slotstore-loc constraint names %s, which is "
                                    "not a node of the CIB", rsc, node ? node : "no node"));
        free(rsc);
        free(node);
    }
    xmlXPathFreeObject(obj);
}

/* Notes about stores whose plan and constraints disagree (they explain an
 * off-plan result before anyone looks at Pacemaker). */
static void check_plan(struct sim *sim)
{
    for (int s = 0; s < sim->nstores; s++) {
        struct sim_store *st = &sim->s[s];
        if (st->nallowed == 0)
            add_note(sim, xasprintf("store %s has no slotstore-loc constraint on any node",
                                    st->name));
        for (int i = 0; i < st->norder; i++) {
            int ok = st->order[i] < 0;
            for (int j = 0; j < st->nallowed && !ok; j++)
                ok = st->allowed[j] == st->order[i];
            if (!ok)
                add_note(sim, xasprintf("store %s: its slots name %s but no slotstore-loc "
                                        "constraint allows it there", st->name,
                                        mname(sim, st->order[i])));
        }
        if (st->norder > 0 && st->order[0] >= 0)
            sim->m[st->order[0]].planned++;
    }
}

/* Slots per store: the longest `slots` order (or set of allowed machines). */
static int store_copies(const struct sim *sim)
{
    int copies = 1;
    for (int s = 0; s < sim->nstores; s++) {
        int n = sim->s[s].norder > 0 ? sim->s[s].norder : sim->s[s].nallowed;
        copies = n > copies ? n : copies;
    }
    return copies < SS_MAX_COPIES ? copies : SS_MAX_COPIES;
}

/* What the bounds respect: the zones when every machine carries one. */
static void bound_rule(struct sim *sim)
{
    int M = sim->nmachines, zoned = 0;
    const char **names = ss_xcalloc((size_t)(M > 0 ? M : 1), sizeof(char *));
    const char **zones = ss_xcalloc((size_t)(M > 0 ? M : 1), sizeof(char *));
    for (int m = 0; m < M; m++) {
        names[m] = sim->m[m].name;
        zones[m] = sim->m[m].zone;
        zoned += zones[m] != NULL;
    }
    if (zoned > 0 && zoned < M)
        add_note(sim, xasprintf("only %d of %d machines have the node attribute " SS_ZONE_ATTRIBUTE
                                ": the bounds ignore zones ('slotstore apply' sets it on "
                                "every machine of the topology)",
                                zoned, M));
    sim->rule = ss_topology_of_zones(store_copies(sim) - 1, M, names, zoned == M ? zones : NULL);
    free(names);
    free(zones);
}

static int read_model(xmlDocPtr doc, struct sim *sim)
{
    read_nodes(doc, sim);
    read_stores(doc, sim);
    if (sim->nstores == 0)
        return sim_error(SS_EXIT_INPUT, "no slotstore stores in the CIB (%s: no clone holds an "
                                        "ocf:slotstore:cyrus primitive); load them with "
                                        "'slotstore apply' or give another --cib",
                         sim->cib_path);
    if (sim->nmachines == 0)
        return sim_error(SS_EXIT_INPUT, "no nodes in the CIB (%s: configuration/nodes is "
                                        "empty); give a CIB of the cluster", sim->cib_path);
    read_locations(doc, sim);
    check_plan(sim);
    bound_rule(sim);
    return 0;
}

/* ---- preparing the copy ------------------------------------------------ */

static int stonith_enabled(xmlDocPtr doc)
{
    xmlXPathObjectPtr obj = xpath(doc, "/cib/configuration/crm_config/cluster_property_set/"
                                       "nvpair[@name='stonith-enabled']");
    int enabled = 1; /* Pacemaker's default */
    if (xpath_count(obj) > 0) {
        char *v = ss_xml_prop(obj->nodesetval->nodeTab[0], "value", NULL);
        const char *off[] = {"false", "no", "off", "n", "0"};
        for (size_t i = 0; v && i < sizeof(off) / sizeof(off[0]); i++)
            if (strcasecmp(v, off[i]) == 0)
                enabled = 0;
        free(v);
    }
    xmlXPathFreeObject(obj);
    return enabled;
}

static int has_fence_device(xmlDocPtr doc)
{
    xmlXPathObjectPtr obj = xpath(doc, "/cib/configuration/resources//primitive[@class='stonith']");
    int n = xpath_count(obj);
    xmlXPathFreeObject(obj);
    return n > 0;
}

/* Without any fence device a failed node stays UNCLEAN and Pacemaker
 * recovers nothing; the stand-in lets the simulation show the recovery a
 * real device would allow.  It stays stopped (no location allows it), which
 * is enough for the scheduler to fence. */
static void add_fence_device(xmlDocPtr doc, struct sim *sim)
{
    xmlXPathObjectPtr obj = xpath(doc, "/cib/configuration/resources");
    if (xpath_count(obj) == 0) {
        xmlXPathFreeObject(obj);
        return;
    }
    xmlNodePtr res = obj->nodesetval->nodeTab[0];
    xmlXPathFreeObject(obj);
    GString *hosts = g_string_new(NULL);
    for (int m = 0; m < sim->nmachines; m++)
        g_string_append_printf(hosts, "%s%s", m ? " " : "", sim->m[m].name);
    xmlNodePtr p = xmlNewChild(res, NULL, BAD_CAST "primitive", NULL);
    xmlNewProp(p, BAD_CAST "id", BAD_CAST SIM_FENCE_ID);
    xmlNewProp(p, BAD_CAST "class", BAD_CAST "stonith");
    xmlNewProp(p, BAD_CAST "type", BAD_CAST "fence_dummy");
    xmlNodePtr ia = xmlNewChild(p, NULL, BAD_CAST "instance_attributes", NULL);
    xmlNewProp(ia, BAD_CAST "id", BAD_CAST SIM_FENCE_ID "-params");
    xmlNodePtr nv = xmlNewChild(ia, NULL, BAD_CAST "nvpair", NULL);
    xmlNewProp(nv, BAD_CAST "id", BAD_CAST SIM_FENCE_ID "-hosts");
    xmlNewProp(nv, BAD_CAST "name", BAD_CAST "pcmk_host_list");
    xmlNewProp(nv, BAD_CAST "value", BAD_CAST hosts->str);
    g_string_free(hosts, TRUE);
    add_note(sim, xasprintf("stonith-enabled is true but the CIB has no fence device: a stand-in "
                            "fence device (stonith:fence_dummy) was added to the copy"));
}

static xmlNodePtr new_node_state(xmlNodePtr status, const struct sim_machine *m)
{
    xmlNodePtr ns = xmlNewChild(status, NULL, BAD_CAST "node_state", NULL);
    xmlNewProp(ns, BAD_CAST "id", BAD_CAST m->id);
    xmlNewProp(ns, BAD_CAST "uname", BAD_CAST m->name);
    xmlNewProp(ns, BAD_CAST "in_ccm", BAD_CAST "true");
    xmlNewProp(ns, BAD_CAST "crmd", BAD_CAST "online");
    xmlNewProp(ns, BAD_CAST "join", BAD_CAST "member");
    xmlNewProp(ns, BAD_CAST "expected", BAD_CAST "member");
    xmlNodePtr ta = xmlNewChild(ns, NULL, BAD_CAST "transient_attributes", NULL);
    xmlNewProp(ta, BAD_CAST "id", BAD_CAST m->id);
    xmlNodePtr ia = xmlNewChild(ta, NULL, BAD_CAST "instance_attributes", NULL);
    char *id = xasprintf("status-%s", m->id);
    xmlNewProp(ia, BAD_CAST "id", BAD_CAST id);
    free(id);
    return ia;
}

/* Every node online and every slot in sync, nothing else: the question is
 * what Pacemaker does with the configuration, not with today's accidents. */
static void rebuild_status(xmlDocPtr doc, const struct sim *sim)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr old = child_element(root, "status");
    if (old) {
        xmlUnlinkNode(old);
        xmlFreeNode(old);
    }
    xmlNodePtr status = xmlNewChild(root, NULL, BAD_CAST "status", NULL);
    xmlNodePtr *attrs = ss_xcalloc((size_t)sim->nmachines, sizeof(xmlNodePtr));
    for (int m = 0; m < sim->nmachines; m++)
        attrs[m] = new_node_state(status, &sim->m[m]);
    for (int s = 0; s < sim->nstores; s++) {
        const struct sim_store *st = &sim->s[s];
        for (int i = 0; i < st->nallowed; i++) {
            const struct sim_machine *m = &sim->m[st->allowed[i]];
            xmlNodePtr nv = xmlNewChild(attrs[st->allowed[i]], NULL, BAD_CAST "nvpair", NULL);
            char *id = xasprintf("status-%s-master-%s", m->id, st->prim);
            char *name = xasprintf("master-%s", st->prim);
            xmlNewProp(nv, BAD_CAST "id", BAD_CAST id);
            xmlNewProp(nv, BAD_CAST "name", BAD_CAST name);
            xmlNewProp(nv, BAD_CAST "value", BAD_CAST SIM_IN_SYNC);
            free(id);
            free(name);
        }
    }
    free(attrs);
}

static void prepare_base(xmlDocPtr doc, struct sim *sim)
{
    /* crm_simulate takes quorum from this attribute; a real cluster with
     * every node up has it. */
    xmlSetProp(xmlDocGetRootElement(doc), BAD_CAST "have-quorum", BAD_CAST "1");
    if (stonith_enabled(doc) && !has_fence_device(doc))
        add_fence_device(doc, sim);
    rebuild_status(doc, sim);
}

static int save_doc(xmlDocPtr doc, const char *path)
{
    if (xmlSaveFormatFileEnc(path, doc, "UTF-8", 0) < 0)
        return sim_error(SS_EXIT_RUNTIME, "cannot write the CIB copy (%s); check free space in "
                                          "TMPDIR", path);
    return 0;
}

/* ---- cold start in batches --------------------------------------------- */

/* Does this constraint name a store of another batch? */
static int refers_elsewhere(xmlNodePtr n, const struct sim *sim, int batch)
{
    static const char *const rsc_attrs[] = {"rsc", "with-rsc", "first", "then", NULL};
    static const char *const ref_attrs[] = {"id", NULL};
    int is_ref = xmlStrcmp(n->name, BAD_CAST "resource_ref") == 0;
    for (const char *const *a = is_ref ? ref_attrs : rsc_attrs; *a; a++) {
        char *v = ss_xml_prop(n, *a, NULL);
        int s = lookup(sim->store_ix, v);
        free(v);
        if (s >= 0 && sim->s[s].batch != batch)
            return 1;
    }
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && refers_elsewhere(c, sim, batch))
            return 1;
    return 0;
}

static int other_batch_clone(xmlNodePtr n, const struct sim *sim, int batch)
{
    char *id = ss_xml_prop(n, "id", NULL);
    int s = lookup(sim->store_ix, id);
    free(id);
    return s >= 0 && sim->s[s].batch != batch;
}

static void remove_children_if(xmlNodePtr parent, const struct sim *sim, int batch,
                               int (*drop)(xmlNodePtr, const struct sim *, int))
{
    xmlNodePtr next;
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = next) {
        next = c->next;
        if (c->type == XML_ELEMENT_NODE && drop(c, sim, batch)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
    }
}

/* Promotion scores of other batches' stores would only make the copy bigger
 * (and crm_simulate slower: it copies the CIB for every action). */
static void remove_other_scores(xmlNodePtr status, const struct sim *sim, int batch)
{
    for (xmlNodePtr ns = status ? status->children : NULL; ns; ns = ns->next) {
        xmlNodePtr ia = child_element(child_element(ns, "transient_attributes"),
                                      "instance_attributes");
        xmlNodePtr next;
        for (xmlNodePtr nv = ia ? ia->children : NULL; nv; nv = next) {
            next = nv->next;
            char *name = ss_xml_prop(nv, "name", NULL);
            int s = name && strncmp(name, "master-", 7) == 0 ? lookup(sim->prim_ix, name + 7) : -1;
            free(name);
            if (s >= 0 && sim->s[s].batch != batch) {
                xmlUnlinkNode(nv);
                xmlFreeNode(nv);
            }
        }
    }
}

static int write_batch(struct sim *sim, xmlDocPtr base, int batch, const char *path)
{
    if (sim->nbatches == 1)
        return save_doc(base, path);
    xmlDocPtr doc = xmlCopyDoc(base, 1);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr conf = child_element(root, "configuration");
    remove_children_if(child_element(conf, "resources"), sim, batch, other_batch_clone);
    remove_children_if(child_element(conf, "constraints"), sim, batch, refers_elsewhere);
    remove_other_scores(child_element(root, "status"), sim, batch);
    int rc = save_doc(doc, path);
    xmlFreeDoc(doc);
    return rc;
}

struct cold_ctx {
    xmlDocPtr base;
    xmlNodePtr *lrm;      /* per machine: lrm_resources of the merged copy */
    xmlDocPtr merged;
};

static int cold_prepare(struct sim *sim, void *ctx, int batch, struct sim_run *r)
{
    const struct cold_ctx *cold = ctx;
    char *in = dir_file(sim, "batch-%d.xml", batch);
    char *out = dir_file(sim, "batch-%d.out.xml", batch);
    char *res = dir_file(sim, "batch-%d.res.xml", batch);
    int rc = write_batch(sim, cold->base, batch, in);
    simulate_run(sim, r, in, out, res, NULL);
    r->what = xasprintf("cold start of %s, batch %d/%d", sim->cib_path, batch + 1, sim->nbatches);
    r->fix = xasprintf("check the CIB with 'crm_verify %s%s'; crm_simulate's messages follow",
                       sim->cib_is_file ? "-V -x " : "-L -V", sim->cib_is_file ? sim->cib_path : "");
    free(in);
    free(out);
    free(res);
    return rc;
}

/* Copy one node's histories of this batch's stores (and, from batch 0, of
 * every resource that is not a store) into the merged copy. */
static void merge_node(struct sim *sim, struct cold_ctx *cold, xmlNodePtr ns, int batch)
{
    char *uname = ss_xml_prop(ns, "uname", NULL);
    int m = lookup(sim->machine_ix, uname);
    free(uname);
    xmlNodePtr lrs = child_element(child_element(ns, "lrm"), "lrm_resources");
    if (m < 0 || lrs == NULL)
        return;
    for (xmlNodePtr lr = lrs->children; lr; lr = lr->next) {
        if (lr->type != XML_ELEMENT_NODE)
            continue;
        char *id = ss_xml_prop(lr, "id", NULL);
        int s = lookup(sim->prim_ix, id);
        free(id);
        if (s >= 0 ? sim->s[s].batch == batch : batch == 0)
            xmlAddChild(cold->lrm[m], xmlDocCopyNode(lr, cold->merged, 1));
    }
}

static int cold_finish(struct sim *sim, void *ctx, int batch, struct sim_run *r)
{
    (void)r;
    char *in = dir_file(sim, "batch-%d.xml", batch);
    char *out = dir_file(sim, "batch-%d.out.xml", batch);
    char *res = dir_file(sim, "batch-%d.res.xml", batch);
    char *err = xasprintf("%s.err", res);
    xmlDocPtr doc = xmlReadFile(out, NULL, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOBLANKS);
    int rc = 0;
    xmlNodePtr status = doc ? child_element(xmlDocGetRootElement(doc), "status") : NULL;
    if (status == NULL)
        rc = sim_error(SS_EXIT_RUNTIME, "crm_simulate wrote no usable CIB (%s); run it by hand: "
                                        "crm_simulate -x %s -S", out, in);
    for (xmlNodePtr ns = status ? status->children : NULL; ns; ns = ns->next)
        if (ns->type == XML_ELEMENT_NODE && xmlStrcmp(ns->name, BAD_CAST "node_state") == 0)
            merge_node(sim, ctx, ns, batch);
    xmlFreeDoc(doc);
    unlink(in);
    unlink(out);
    unlink(res);
    unlink(err);
    free(in);
    free(out);
    free(res);
    free(err);
    return rc;
}

/* The merged copy: the base with an lrm section per node for the histories. */
static void merged_init(struct sim *sim, struct cold_ctx *cold)
{
    cold->merged = xmlCopyDoc(cold->base, 1);
    cold->lrm = ss_xcalloc((size_t)sim->nmachines, sizeof(xmlNodePtr));
    xmlNodePtr status = child_element(xmlDocGetRootElement(cold->merged), "status");
    int m = 0;
    for (xmlNodePtr ns = status->children; ns && m < sim->nmachines; ns = ns->next) {
        if (ns->type != XML_ELEMENT_NODE)
            continue;
        xmlNodePtr lrm = xmlNewChild(ns, NULL, BAD_CAST "lrm", NULL);
        xmlNewProp(lrm, BAD_CAST "id", BAD_CAST sim->m[m].id);
        cold->lrm[m++] = xmlNewChild(lrm, NULL, BAD_CAST "lrm_resources", NULL);
    }
}

static int cold_start(struct sim *sim, xmlDocPtr base, char **merged_path)
{
    struct cold_ctx ctx = {.base = base};
    merged_init(sim, &ctx);
    struct sim_pool pool = {sim->nbatches, cold_prepare, cold_finish, &ctx, "cold start, batch"};
    int rc = pool_run(sim, &pool);
    if (rc == 0) {
        *merged_path = dir_file(sim, "merged.xml");
        rc = save_doc(ctx.merged, *merged_path);
    }
    xmlFreeDoc(ctx.merged);
    free(ctx.lrm);
    return rc;
}

/* ---- reading crm_simulate's result ------------------------------------- */

struct sim_outcome {
    int *promoted;        /* per store: machine, -1 none */
    int actions;          /* entries of the transition that was run */
    int multi;            /* stores promoted on more than one machine */
};

static int promoted_role(const char *role)
{
    /* "Master" is how Pacemaker before 2.1 named the role */
    return role && (strcmp(role, "Promoted") == 0 || strcmp(role, "Master") == 0);
}

/* Inside <revised_cluster_status>: clone (depth 3) > resource (4) > node (5). */
struct outcome_reader {
    int in_revised, in_transition;
    int store;
    int promoted;
};

static void outcome_element(const struct sim *sim, xmlTextReaderPtr rd, struct outcome_reader *st,
                            struct sim_outcome *o)
{
    int depth = xmlTextReaderDepth(rd);
    const char *name = (const char *)xmlTextReaderConstName(rd);
    if (depth == 1) {
        st->in_revised = strcmp(name, "revised_cluster_status") == 0;
        st->in_transition = strcmp(name, "transition") == 0;
        return;
    }
    if (st->in_transition && depth == 2) {
        o->actions++;
        return;
    }
    if (!st->in_revised || depth < 3 || depth > 5)
        return;
    const char *attr = depth == 4 ? "role" : depth == 3 ? "id" : "name";
    char *v = (char *)xmlTextReaderGetAttribute(rd, BAD_CAST attr);
    if (depth == 3) {
        st->store = strcmp(name, "clone") == 0 ? lookup(sim->store_ix, v) : -1;
    } else if (depth == 4) {
        st->promoted = promoted_role(v);
    } else if (st->store >= 0 && st->promoted && strcmp(name, "node") == 0) {
        int m = lookup(sim->machine_ix, v);
        if (o->promoted[st->store] >= 0 && m != o->promoted[st->store])
            o->multi++;
        else
            o->promoted[st->store] = m;
    }
    xmlFree(v);
}

static int read_outcome(const struct sim *sim, const char *path, struct sim_outcome *o)
{
    o->promoted = ss_xcalloc((size_t)sim->nstores, sizeof(int));
    for (int s = 0; s < sim->nstores; s++)
        o->promoted[s] = -1;
    o->actions = o->multi = 0;
    xmlTextReaderPtr rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    struct outcome_reader st = {0, 0, -1, 0};
    int ret = -1, revised = 0;
    if (rd != NULL)
        while ((ret = xmlTextReaderRead(rd)) == 1)
            if (xmlTextReaderNodeType(rd) == XML_READER_TYPE_ELEMENT) {
                outcome_element(sim, rd, &st, o);
                revised |= st.in_revised;
            }
    xmlFreeTextReader(rd);
    if (ret != 0 || !revised) {
        free(o->promoted);
        o->promoted = NULL;
        return sim_error(SS_EXIT_RUNTIME, "cannot read crm_simulate's result (%s); is crm_simulate "
                                          "Pacemaker 2.1 or later?", path);
    }
    return 0;
}

/* --run prints no revised status, only the transition summary: one
 * <rsc_action> per clone instance that changes, with its role and node before
 * (role; source, or the node of a stop) and after (next-role, else the same
 * role; dest, the node of a start, or the same node).  Applied to the steady
 * state they give the state executing the transition would leave. */
struct summary {
    int *lost;            /* per store: machine that stops being promoted, -1 */
    int *gained;          /* per store: machine that becomes promoted, -1 */
    int multi;
};

static char *rattr(xmlTextReaderPtr rd, const char *name)
{
    return (char *)xmlTextReaderGetAttribute(rd, BAD_CAST name);
}

static void summary_change(const struct sim *sim, int s, const char *from, const char *to,
                           int was, int will, struct summary *c)
{
    int a = lookup(sim->machine_ix, from), b = lookup(sim->machine_ix, to);
    if (was && a >= 0)
        c->lost[s] = a;
    if (will && b >= 0) {
        if (c->gained[s] >= 0 && c->gained[s] != b)
            c->multi++;
        c->gained[s] = b;
    }
}

static void summary_action(const struct sim *sim, xmlTextReaderPtr rd, struct summary *c)
{
    char *v[8];
    static const char *const names[8] = {"resource", "action", "role", "next-role",
                                         "source", "dest", "node", "blocked"};
    for (int i = 0; i < 8; i++)
        v[i] = rattr(rd, names[i]);
    if (v[0])
        v[0][strcspn(v[0], ":")] = '\0'; /* instance "store001-cyrus:1" */
    int s = lookup(sim->prim_ix, v[0]);
    int start = v[1] && strcmp(v[1], "start") == 0;
    const char *from = v[4] ? v[4] : start ? NULL : v[6];
    const char *to = v[5] ? v[5] : start ? v[6] : v[4];
    int blocked = v[7] && strcmp(v[7], "true") == 0;
    if (s >= 0 && !blocked)
        summary_change(sim, s, from, to, promoted_role(v[2]),
                       promoted_role(v[3] ? v[3] : v[2]), c);
    for (int i = 0; i < 8; i++)
        xmlFree(v[i]);
}

/* Steady state, minus the failed machines, plus the summary's changes. */
static void summary_apply(const struct sim *sim, const struct sim_failure *f,
                          const struct summary *c, struct sim_outcome *o)
{
    o->multi = c->multi;
    for (int s = 0; s < sim->nstores; s++) {
        int p = sim->s[s].steady;
        if (p >= 0 && (is_failed(f, p) || c->lost[s] == p))
            p = -1;
        if (c->gained[s] >= 0 && p >= 0 && p != c->gained[s])
            o->multi++;
        else if (c->gained[s] >= 0)
            p = c->gained[s];
        o->promoted[s] = p;
    }
}

static int read_summary(const struct sim *sim, const char *path, const struct sim_failure *f,
                        struct sim_outcome *o)
{
    struct summary c = {ss_xcalloc((size_t)sim->nstores, sizeof(int)),
                        ss_xcalloc((size_t)sim->nstores, sizeof(int)), 0};
    for (int s = 0; s < sim->nstores; s++)
        c.lost[s] = c.gained[s] = -1;
    xmlTextReaderPtr rd = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    int ret = -1, in_actions = 0, seen = 0;
    while (rd != NULL && (ret = xmlTextReaderRead(rd)) == 1) {
        if (xmlTextReaderNodeType(rd) != XML_READER_TYPE_ELEMENT)
            continue;
        const char *name = (const char *)xmlTextReaderConstName(rd);
        int depth = xmlTextReaderDepth(rd);
        if (depth == 1)
            seen |= in_actions = strcmp(name, "actions") == 0;
        else if (depth == 2 && in_actions && strcmp(name, "rsc_action") == 0)
            summary_action(sim, rd, &c);
    }
    xmlFreeTextReader(rd);
    o->promoted = ss_xcalloc((size_t)sim->nstores, sizeof(int));
    o->actions = 0;
    summary_apply(sim, f, &c, o);
    free(c.lost);
    free(c.gained);
    if (ret != 0 || !seen) {
        free(o->promoted);
        o->promoted = NULL;
        return sim_error(SS_EXIT_RUNTIME, "cannot read crm_simulate's result (%s); is crm_simulate "
                                          "Pacemaker 2.1 or later?", path);
    }
    return 0;
}

/* Run crm_simulate from `in` until its transition is empty (at most `max`
 * runs); leaves the last result in *o and the last saved CIB in `out`. */
static int settle(struct sim *sim, const char *in, const char *out, int max,
                  struct sim_outcome *o, int *runs, const char *what)
{
    char *res = xasprintf("%s.res", out), *cur = ss_xstrdup(in);
    int rc = 0;
    *runs = 0;
    o->promoted = NULL;
    while (rc == 0 && *runs < max) {
        struct sim_run r;
        simulate_run(sim, &r, cur, out, res, NULL);
        r.what = xasprintf("%s, transition %d", what, *runs + 1);
        rc = run_wait(&r);
        run_clear(&r);
        free(o->promoted);
        o->promoted = NULL;
        if (rc == 0)
            rc = read_outcome(sim, res, o);
        ++*runs;
        if (rc != 0 || o->actions == 0)
            break;
        /* crm_simulate cannot read and write the same file: alternate */
        char *next = xasprintf("%s.%d", out, *runs % 2);
        if (rename(out, next) != 0)
            rc = sim_error(SS_EXIT_RUNTIME, "cannot rename %s (%s); check TMPDIR", out,
                           strerror(errno));
        if (strcmp(cur, in) != 0)
            unlink(cur);
        free(cur);
        cur = next;
    }
    if (strcmp(cur, in) != 0)
        unlink(cur);
    unlink(res);
    char *err = xasprintf("%s.err", res);
    unlink(err);
    free(err);
    free(res);
    free(cur);
    return rc;
}

/* ---- analysis ---------------------------------------------------------- */

static void add_issue(struct sim_failure *f, int store, enum sim_problem kind, int got, int want)
{
    f->issues = realloc(f->issues, sizeof(*f->issues) * (size_t)(f->nissues + 1));
    if (f->issues == NULL)
        abort();
    f->issues[f->nissues++] = (struct sim_issue){store, kind, got, want};
}

/* The plan's target after the failure: the first surviving machine of `slots`. */
static int planned_target(const struct sim_store *st, const struct sim_failure *f)
{
    for (int i = 0; i < st->norder; i++)
        if (st->order[i] >= 0 && !is_failed(f, st->order[i]))
            return st->order[i];
    return -1;
}

static int copy_survives(const struct sim_store *st, const struct sim_failure *f)
{
    for (int i = 0; i < st->nallowed; i++)
        if (!is_failed(f, st->allowed[i]))
            return 1;
    return 0;
}

/* Lower bound for the busiest survivor from the steady state's masters,
 * replicas and first failovers, by the same rule as `slotstore plan`'s
 * (water-filling, the zone rule when the nodes carry zones): no placement
 * with these counts can do better, whatever Pacemaker does. */
static int failure_bound(const struct sim *sim, const struct sim_failure *f)
{
    struct ss_balance b = {.nmachines = sim->nmachines, .masters = sim->steady_masters,
                           .replicas = sim->steady_room, .failover = sim->steady_failover};
    return ss_balance_lower_bound(sim->rule, &b, f->failed, f->nfailed);
}

static void count_load(const struct sim *sim, struct sim_failure *f, const int *load)
{
    f->busiest = -1;
    f->busiest_masters = 0;
    f->receivers = 0;
    for (int b = 0; b < sim->nmachines; b++) {
        if (is_failed(f, b))
            continue;
        if (f->nfailed > 0 && load[b] > sim->m[b].masters)
            f->receivers++;
        if (f->busiest < 0 || load[b] > f->busiest_masters) {
            f->busiest = b;
            f->busiest_masters = load[b];
        }
    }
}

/* Compare what Pacemaker promoted with the plan; fills f. */
static void analyse(const struct sim *sim, const struct sim_outcome *o, struct sim_failure *f)
{
    int *load = ss_xcalloc((size_t)sim->nmachines, sizeof(int));
    f->no_master = f->lost = f->off_plan = 0;
    f->multi = o->multi;
    for (int s = 0; s < sim->nstores; s++) {
        const struct sim_store *st = &sim->s[s];
        int got = o->promoted[s], want = planned_target(st, f);
        int survives = copy_survives(st, f);
        if (got >= 0 && is_failed(f, got))
            got = -1; /* a master on a dead machine serves nobody */
        if (got >= 0) {
            load[got]++;
            if (got != want) {
                f->off_plan++;
                add_issue(f, s, SIM_OFF_PLAN, got, want);
            }
        } else {
            f->no_master++;
            f->lost += !survives;
            add_issue(f, s, survives ? SIM_NO_MASTER : SIM_LOST, -1, want);
        }
    }
    count_load(sim, f, load);
    f->bound = f->nfailed > 0 ? failure_bound(sim, f) : -1;
    free(load);
}

/* Does this result break the plan (so the exit code is 4)? */
static int broken(const struct sim_failure *f)
{
    return f->off_plan > 0 || f->no_master > f->lost || f->unsettled || f->multi > 0;
}

/* ---- steady state and failures ----------------------------------------- */

/* The first copy after its master each store fails over to, in `slots`
 * order (Pacemaker's preference order): the bounds count these. */
static void steady_failover(struct sim *sim)
{
    int M = sim->nmachines;
    sim->steady_failover = ss_xcalloc((size_t)M * (size_t)M, sizeof(int));
    for (int s = 0; s < sim->nstores; s++) {
        const struct sim_store *st = &sim->s[s];
        for (int i = 0; st->steady >= 0 && i < st->norder; i++)
            if (st->order[i] >= 0 && st->order[i] != st->steady) {
                sim->steady_failover[st->steady * M + st->order[i]]++;
                break;
            }
    }
}

static int steady_state(struct sim *sim, const char *merged)
{
    struct sim_outcome o;
    int runs = 0;
    sim->steady_path = dir_file(sim, "steady.xml");
    progress(sim, "settling the steady state");
    int rc = settle(sim, merged, sim->steady_path, SIM_SETTLE_RUNS, &o, &runs,
                    "steady state of the complete CIB");
    progress_done(sim);
    unlink(merged);
    if (rc != 0)
        return rc;
    sim->steady.runs = runs;
    sim->steady.unsettled = o.actions > 0;
    for (int s = 0; s < sim->nstores; s++) {
        sim->s[s].steady = o.promoted[s];
        if (o.promoted[s] >= 0)
            sim->m[o.promoted[s]].masters++;
    }
    sim->steady_masters = ss_xcalloc((size_t)sim->nmachines, sizeof(int));
    sim->steady_room = ss_xcalloc((size_t)sim->nmachines, sizeof(int));
    for (int b = 0; b < sim->nmachines; b++) {
        int masters = sim->m[b].masters, copies = sim->m[b].copies;
        sim->steady_masters[b] = masters;
        sim->steady_room[b] = copies > masters ? copies - masters : 0;
    }
    steady_failover(sim);
    analyse(sim, &o, &sim->steady);
    free(o.promoted);
    return 0;
}

static void list_failures(struct sim *sim, int pairs)
{
    int M = sim->nmachines;
    int n = M + (pairs ? M * (M - 1) / 2 : 0);
    sim->fail = ss_xcalloc((size_t)(n > 0 ? n : 1), sizeof(*sim->fail));
    for (int a = 0; a < M; a++)
        sim->fail[sim->nfail++] = (struct sim_failure){.failed = {a, -1}, .nfailed = 1};
    sim->nsingle = sim->nfail;
    for (int a = 0; pairs && a < M; a++)
        for (int b = a + 1; b < M; b++)
            sim->fail[sim->nfail++] = (struct sim_failure){.failed = {a, b}, .nfailed = 2};
}

/* The pool runs the scheduler only (--run): the decisions, without the cost
 * of executing them on a copy of the CIB. */
static int fail_prepare(struct sim *sim, void *ctx, int i, struct sim_run *r)
{
    (void)ctx;
    char *res = dir_file(sim, "fail-%d.res", i);
    char label[256];
    failure_label(sim, &sim->fail[i], label, sizeof(label));
    simulate_run(sim, r, sim->steady_path, NULL, res, &sim->fail[i]);
    r->what = xasprintf("failure of %s", label);
    free(res);
    return 0;
}

/* Re-check a result that breaks the plan by executing it: crm_simulate -S
 * with the failure, then more transitions until nothing is scheduled, so
 * that what is reported is where Pacemaker ends up, not a first step. */
static int fail_execute(struct sim *sim, int i, struct sim_failure *f, struct sim_outcome *o,
                        const char *what)
{
    char *out = dir_file(sim, "fail-%d.xml", i), *res = dir_file(sim, "fail-%d.exec", i);
    char *again = dir_file(sim, "fail-%d-again.xml", i);
    struct sim_run r;
    simulate_run(sim, &r, sim->steady_path, out, res, f);
    r.what = xasprintf("%s, executed", what);
    int rc = run_wait(&r), runs = 0;
    unlink(r.err);
    run_clear(&r);
    if (rc == 0)
        rc = settle(sim, out, again, SIM_SETTLE_RUNS - 1, o, &runs, what);
    f->runs += 1 + runs;
    f->unsettled = rc == 0 && o->actions > 0;
    unlink(out);
    unlink(res);
    unlink(again);
    free(out);
    free(res);
    free(again);
    return rc;
}

static int fail_finish(struct sim *sim, void *ctx, int i, struct sim_run *r)
{
    (void)ctx;
    struct sim_failure *f = &sim->fail[i];
    struct sim_outcome o = {0};
    char *res = dir_file(sim, "fail-%d.res", i);
    int rc = read_summary(sim, res, f, &o);
    f->runs = 1;
    if (rc == 0)
        analyse(sim, &o, f);
    if (rc == 0 && broken(f)) {
        free(o.promoted);
        o.promoted = NULL;
        f->nissues = 0;
        rc = fail_execute(sim, i, f, &o, r->what);
        if (rc == 0)
            analyse(sim, &o, f);
    }
    free(o.promoted);
    unlink(res);
    unlink(r->err);
    free(res);
    return rc;
}

static int simulate_failures(struct sim *sim, int pairs)
{
    list_failures(sim, pairs);
    struct sim_pool pool = {sim->nfail, fail_prepare, fail_finish, NULL, "simulating failure"};
    return pool_run(sim, &pool);
}

/* ---- text output ------------------------------------------------------- */

static const char *problem_text(enum sim_problem k)
{
    return k == SIM_OFF_PLAN ? "promoted off plan" : k == SIM_NO_MASTER ? "has no master"
                                                                        : "lost every copy";
}

static void text_issues(const struct sim *sim, const struct sim_failure *f, const char *label)
{
    for (int i = 0; i < f->nissues; i++) {
        const struct sim_issue *is = &f->issues[i];
        /* stores whose every copy failed are counted in the table, and named
         * only in the XML: after double failures they are many and expected */
        if (is->kind == SIM_LOST && f->nfailed > 0)
            continue;
        printf("    %s: store %s %s", label, sim->s[is->store].name, problem_text(is->kind));
        if (is->kind == SIM_OFF_PLAN)
            printf(": promoted on %s, planned %s", mname(sim, is->got), mname(sim, is->want));
        else if (is->kind == SIM_NO_MASTER)
            printf(" although a copy is up (planned %s)", mname(sim, is->want));
        putchar('\n');
    }
    if (f->unsettled)
        printf("    %s: Pacemaker still scheduled actions after %d runs\n", label, f->runs);
    if (f->multi)
        printf("    %s: %d stores promoted on more than one machine\n", label, f->multi);
}

static void text_steady(const struct sim *sim)
{
    printf("Steady state (every machine up, every slot in sync):\n");
    printf("  %-16s %8s %8s %7s\n", "MACHINE", "MASTERS", "PLANNED", "COPIES");
    for (int m = 0; m < sim->nmachines; m++)
        printf("  %-16s %8d %8d %7d\n", sim->m[m].name, sim->m[m].masters, sim->m[m].planned,
               sim->m[m].copies);
    printf("  stores whose master is not the planned one: %d\n", sim->steady.off_plan);
    printf("  stores without a master: %d\n", sim->steady.no_master);
    text_issues(sim, &sim->steady, "steady");
}

static void text_failures(const struct sim *sim, int from, int to, const char *title)
{
    printf("\n%s:\n  %-24s %-16s %7s %5s %9s %8s %9s\n", title, "FAILED", "BUSIEST", "MASTERS",
           "BOUND", "NO-MASTER", "OFF-PLAN", "RECEIVERS");
    for (int i = from; i < to; i++) {
        const struct sim_failure *f = &sim->fail[i];
        char label[256], bound[16];
        failure_label(sim, f, label, sizeof(label));
        snprintf(bound, sizeof(bound), f->bound < 0 ? "-" : "%d", f->bound);
        printf("  %-24s %-16s %7d %5s %9d %8d %9d\n", label, mname(sim, f->busiest),
               f->busiest_masters, bound, f->no_master, f->off_plan, f->receivers);
    }
    for (int i = from; i < to; i++) {
        char label[256];
        failure_label(sim, &sim->fail[i], label, sizeof(label));
        text_issues(sim, &sim->fail[i], label);
    }
}

/* The failure with the busiest survivor (ties: the larger excess over the bound). */
static const struct sim_failure *worst(const struct sim *sim, int from, int to)
{
    const struct sim_failure *w = NULL;
    for (int i = from; i < to; i++) {
        const struct sim_failure *f = &sim->fail[i];
        if (w == NULL || f->busiest_masters > w->busiest_masters ||
            (f->busiest_masters == w->busiest_masters &&
             f->busiest_masters - f->bound > w->busiest_masters - w->bound))
            w = f;
    }
    return w;
}

static void text_worst(const struct sim *sim, const struct sim_failure *w, const char *kind)
{
    char label[256];
    if (w == NULL)
        return;
    failure_label(sim, w, label, sizeof(label));
    printf("  worst %s failure: %d masters on %s after %s fails (bound %d)", kind,
           w->busiest_masters, mname(sim, w->busiest), label, w->bound);
    if (w->busiest_masters > w->bound)
        printf(" - %d above the bound", w->busiest_masters - w->bound);
    putchar('\n');
}

struct sim_totals {
    int no_master, with_copy, off_plan, broken;
    int above;            /* failures whose busiest survivor is above the bound */
    int single_excess;    /* most masters a single failure left above its bound */
    int double_excess;    /* likewise for double failures (a balanced plan: at most 1) */
    int double_lost;      /* most stores one double failure left without any copy */
    int lost_bound;       /* 2-slot stores: what some double failure loses in any
                           * placement with these copy counts (ss_pair_cap); else -1 */
    int single_least;     /* the least single_excess any placement with the steady
                           * state's master and copy counts has (ss_single_least_excess) */
};

/* Single failures can meet their bounds one at a time but not always all at
 * once; how far above them any placement with these master and copy counts
 * must go. */
static int single_least_excess(const struct sim *sim)
{
    int M = sim->nmachines;
    int *bound = ss_xcalloc((size_t)M, sizeof(int));
    for (int b = 0; b < M; b++)
        bound[b] = 1 << 20;    /* a machine no failure was simulated for */
    for (int i = 0; i < sim->nsingle; i++)
        if (sim->fail[i].bound >= 0)
            bound[sim->fail[i].failed[0]] = sim->fail[i].bound;
    int least = ss_single_least_excess(M, sim->steady_masters, sim->steady_room, bound,
                                       ss_balance_zone_allows, sim->rule);
    free(bound);
    return least;
}

/* 2-slot stores: no placement with these copies per machine has fewer
 * stores on its fullest pair, which a double failure loses. */
static int lost_bound(const struct sim *sim)
{
    int M = sim->nmachines;
    int *n = ss_xcalloc((size_t)M, sizeof(int));
    for (int b = 0; b < M; b++)
        n[b] = sim->m[b].copies;
    int bound = ss_pair_cap(sim->rule, n, sim->nstores);
    free(n);
    return bound;
}

static struct sim_totals totals(const struct sim *sim)
{
    struct sim_totals t = {0};
    t.off_plan = sim->steady.off_plan;
    t.broken = broken(&sim->steady);
    t.no_master = sim->steady.no_master;
    t.with_copy = sim->steady.no_master - sim->steady.lost;
    for (int i = 0; i < sim->nfail; i++) {
        const struct sim_failure *f = &sim->fail[i];
        t.no_master += f->no_master;
        t.with_copy += f->no_master - f->lost;
        t.off_plan += f->off_plan;
        t.broken += broken(f);
        t.above += f->bound >= 0 && f->busiest_masters > f->bound;
        if (i >= sim->nsingle && f->lost > t.double_lost)
            t.double_lost = f->lost;
        int *excess = i < sim->nsingle ? &t.single_excess : &t.double_excess;
        if (f->bound >= 0 && f->busiest_masters - f->bound > *excess)
            *excess = f->busiest_masters - f->bound;
    }
    t.single_least = t.single_excess > 0 ? single_least_excess(sim) : 0;
    t.lost_bound = sim->nfail > sim->nsingle && sim->rule->replicas == 1 ? lost_bound(sim) : -1;
    return t;
}

static void print_text(const struct sim *sim, const struct sim_totals *t)
{
    printf("Simulated with crm_simulate from %s: %d machines", sim->cib_path, sim->nmachines);
    if (sim->rule->nzones > 0)
        printf(" in %d zone%s (the bounds respect them)", sim->rule->nzones,
               sim->rule->nzones == 1 ? "" : "s");
    printf(", %d stores\n", sim->nstores);
    for (int i = 0; i < sim->nnotes && i < SIM_NOTES_SHOWN; i++)
        printf("Note: %s\n", sim->notes[i]);
    if (sim->nnotes > SIM_NOTES_SHOWN)
        printf("Note: ... and %d more notes (all of them in --output-as=xml)\n",
               sim->nnotes - SIM_NOTES_SHOWN);
    putchar('\n');
    text_steady(sim);
    text_failures(sim, 0, sim->nsingle, "Single machine failures");
    if (sim->nfail > sim->nsingle)
        text_failures(sim, sim->nsingle, sim->nfail, "Double machine failures");
    printf("\nSummary:\n");
    text_worst(sim, worst(sim, 0, sim->nsingle), "single");
    text_worst(sim, worst(sim, sim->nsingle, sim->nfail), "double");
    printf("  failures with the busiest survivor above the bound: %d of %d\n", t->above,
           sim->nfail);
    if (t->single_least > 0)
        printf("  single failures: at most %d above the bound; %d above is the least any "
               "placement with these master and copy counts reaches\n",
               t->single_excess, t->single_least);
    if (sim->nfail > sim->nsingle)
        printf("  double failures: at most %d above the bound (a balanced plan keeps them "
               "within 1)\n", t->double_excess);
    if (t->lost_bound >= 0)
        printf("  stores lost by one double failure: at most %d (bound %d: no placement with "
               "these copy counts loses fewer)\n", t->double_lost, t->lost_bound);
    printf("  stores without a master: %d in all simulations (%d with a surviving copy)\n",
           t->no_master, t->with_copy);
    printf("  stores promoted off plan: %d in all simulations\n", t->off_plan);
    if (t->broken == 0)
        printf("  result: Pacemaker does what the plan says\n");
    else
        printf("  result: Pacemaker does NOT do what the plan says (%d of %d simulations "
               "differ)\n", t->broken, sim->nfail + 1);
}

/* ---- XML output -------------------------------------------------------- */

static void xml_issues(xmlTextWriterPtr w, const struct sim *sim, const struct sim_failure *f)
{
    static const char *kind[] = {"off-plan", "no-master", "lost"};
    for (int i = 0; i < f->nissues; i++) {
        const struct sim_issue *is = &f->issues[i];
        xmlTextWriterStartElement(w, BAD_CAST "store");
        cli_xml_str(w, "name", sim->s[is->store].name);
        cli_xml_str(w, "problem", kind[is->kind]);
        if (is->got >= 0)
            cli_xml_str(w, "promoted", mname(sim, is->got));
        if (is->want >= 0)
            cli_xml_str(w, "planned", mname(sim, is->want));
        xmlTextWriterEndElement(w);
    }
}

static void xml_result_attrs(xmlTextWriterPtr w, const struct sim_failure *f)
{
    cli_xml_int(w, "without-master", f->no_master);
    cli_xml_int(w, "lost", f->lost);
    cli_xml_int(w, "off-plan", f->off_plan);
    cli_xml_int(w, "runs", f->runs);
    cli_xml_str(w, "settled", f->unsettled ? "false" : "true");
    if (f->multi)
        cli_xml_int(w, "multi-promoted", f->multi);
}

static void xml_failure(xmlTextWriterPtr w, const struct sim *sim, const struct sim_failure *f,
                        const char *tag)
{
    xmlTextWriterStartElement(w, BAD_CAST tag);
    cli_xml_str(w, "failed", mname(sim, f->failed[0]));
    if (f->nfailed == 2)
        cli_xml_str(w, "failed2", mname(sim, f->failed[1]));
    cli_xml_str(w, "busiest", mname(sim, f->busiest));
    cli_xml_int(w, "busiest-masters", f->busiest_masters);
    cli_xml_int(w, "bound", f->bound);
    cli_xml_int(w, "receivers", f->receivers);
    xml_result_attrs(w, f);
    if (strcmp(tag, "failure") == 0)
        xml_issues(w, sim, f);
    xmlTextWriterEndElement(w);
}

static void xml_steady(xmlTextWriterPtr w, const struct sim *sim)
{
    xmlTextWriterStartElement(w, BAD_CAST "steady-state");
    xml_result_attrs(w, &sim->steady);
    for (int m = 0; m < sim->nmachines; m++) {
        xmlTextWriterStartElement(w, BAD_CAST "machine");
        cli_xml_str(w, "name", sim->m[m].name);
        cli_xml_int(w, "masters", sim->m[m].masters);
        cli_xml_int(w, "planned", sim->m[m].planned);
        cli_xml_int(w, "copies", sim->m[m].copies);
        xmlTextWriterEndElement(w);
    }
    xml_issues(w, sim, &sim->steady);
    xmlTextWriterEndElement(w);
}

static void xml_failures(xmlTextWriterPtr w, const struct sim *sim, int from, int to,
                         const char *kind)
{
    xmlTextWriterStartElement(w, BAD_CAST "failures");
    cli_xml_str(w, "kind", kind);
    cli_xml_int(w, "count", to - from);
    for (int i = from; i < to; i++)
        xml_failure(w, sim, &sim->fail[i], "failure");
    const struct sim_failure *wf = worst(sim, from, to);
    if (wf)
        xml_failure(w, sim, wf, "worst");
    xmlTextWriterEndElement(w);
}

static void xml_body(xmlTextWriterPtr w, const struct sim *sim, const struct sim_totals *t)
{
    xmlTextWriterStartElement(w, BAD_CAST "simulate");
    cli_xml_str(w, "cib", sim->cib_path);
    cli_xml_int(w, "machines", sim->nmachines);
    if (sim->rule->nzones > 0)
        cli_xml_int(w, "zones", sim->rule->nzones);
    cli_xml_int(w, "stores", sim->nstores);
    cli_xml_str(w, "result", t->broken ? "differs" : "as-planned");
    for (int i = 0; i < sim->nnotes; i++)
        xmlTextWriterWriteElement(w, BAD_CAST "note", BAD_CAST sim->notes[i]);
    xml_steady(w, sim);
    xml_failures(w, sim, 0, sim->nsingle, "single");
    if (sim->nfail > sim->nsingle)
        xml_failures(w, sim, sim->nsingle, sim->nfail, "double");
    xmlTextWriterStartElement(w, BAD_CAST "summary");
    cli_xml_int(w, "without-master", t->no_master);
    cli_xml_int(w, "without-master-with-copy", t->with_copy);
    cli_xml_int(w, "off-plan", t->off_plan);
    cli_xml_int(w, "above-bound", t->above);
    cli_xml_int(w, "single-excess", t->single_excess);
    cli_xml_int(w, "single-least-excess", t->single_least);
    if (sim->nfail > sim->nsingle) {
        cli_xml_int(w, "double-excess", t->double_excess);
        cli_xml_int(w, "double-lost", t->double_lost);
    }
    if (t->lost_bound >= 0)
        cli_xml_int(w, "lost-bound", t->lost_bound);
    cli_xml_int(w, "differing-simulations", t->broken);
    xmlTextWriterEndElement(w);
    xmlTextWriterEndElement(w);
}

static void print_xml(const struct sim *sim, const struct sim_totals *t)
{
    struct cli_xml x;
    xmlTextWriterPtr w = cli_xml_begin(&x, "simulate");
    xml_body(w, sim, t);
    cli_xml_end(&x);
}

/* ---- command ----------------------------------------------------------- */

static int parse_opts(int argc, char **argv, struct sim_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *joined = NULL;
        if (strcmp(a, "--output-as") == 0 && i + 1 < argc)
            a = joined = xasprintf("--output-as=%s", argv[++i]);
        int r = cli_output_option(a, &o->output);
        free(joined);
        if (r < 0)
            return sim_error(SS_EXIT_INPUT, "bad output format (%s); use --output-as=text or "
                                            "--output-as=xml", argv[i]);
        if (r == 0)
            continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(simulate_usage, stdout);
            return -1;
        } else if (strcmp(a, "--cib") == 0 && i + 1 < argc) {
            o->cib = argv[++i];
        } else if (strncmp(a, "--cib=", 6) == 0) {
            o->cib = a + 6;
        } else if (strcmp(a, "--pairs") == 0) {
            o->pairs = 1;
        } else {
            return sim_error(SS_EXIT_INPUT, "unexpected argument (%s); see slotstore simulate "
                                            "--help", a);
        }
    }
    return 0;
}

static void sim_free(struct sim *sim)
{
    for (int m = 0; m < sim->nmachines; m++) {
        free(sim->m[m].name);
        free(sim->m[m].id);
        free(sim->m[m].zone);
    }
    for (int s = 0; s < sim->nstores; s++) {
        free(sim->s[s].name);
        free(sim->s[s].prim);
        free(sim->s[s].allowed);
        free(sim->s[s].order);
    }
    for (int i = 0; i < sim->nnotes; i++)
        free(sim->notes[i]);
    for (int i = 0; i < sim->nfail; i++)
        free(sim->fail[i].issues);
    free(sim->steady.issues);
    free(sim->steady_masters);
    free(sim->steady_room);
    free(sim->steady_failover);
    ss_topology_free(sim->rule);
    free(sim->fail);
    free(sim->notes);
    free(sim->m);
    free(sim->s);
    free(sim->steady_path);
    if (sim->machine_ix)
        g_hash_table_destroy(sim->machine_ix);
    if (sim->store_ix)
        g_hash_table_destroy(sim->store_ix);
    if (sim->prim_ix)
        g_hash_table_destroy(sim->prim_ix);
}

/* Load, prepare, cold start: everything up to the merged copy. */
static int load_and_cold_start(struct sim *sim, const struct sim_opts *o, char **merged)
{
    char *live = NULL;
    int rc = o->cib ? 0 : fetch_live_cib(sim, &live);
    if (rc != 0)
        return rc;
    sim->cib_path = o->cib ? o->cib : "the live CIB";
    sim->cib_is_file = o->cib != NULL;
    xmlDocPtr doc = NULL;
    rc = load_cib(o->cib ? o->cib : live, &doc);
    free(live);
    if (rc == 0)
        rc = read_model(doc, sim);
    if (rc == 0) {
        prepare_base(doc, sim);
        rc = cold_start(sim, doc, merged);
    }
    xmlFreeDoc(doc);
    return rc;
}

static int simulate(struct sim *sim, const struct sim_opts *o)
{
    char *merged = NULL;
    int rc = make_dir(sim);
    if (rc == 0)
        rc = load_and_cold_start(sim, o, &merged);
    if (rc == 0)
        rc = steady_state(sim, merged);
    free(merged);
    if (rc == 0)
        rc = simulate_failures(sim, o->pairs);
    remove_dir(sim);
    if (rc != 0)
        return rc;
    struct sim_totals t = totals(sim);
    if (o->output == SS_OUT_XML)
        print_xml(sim, &t);
    else
        print_text(sim, &t);
    return t.broken ? SS_EXIT_CHECK : SS_EXIT_OK;
}

int cmd_simulate(int argc, char **argv)
{
    struct sim_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? SS_EXIT_OK : rc;
    struct sim sim;
    memset(&sim, 0, sizeof(sim));
    sim.machine_ix = g_hash_table_new(g_str_hash, g_str_equal);
    sim.store_ix = g_hash_table_new(g_str_hash, g_str_equal);
    sim.prim_ix = g_hash_table_new(g_str_hash, g_str_equal);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    sim.par = cpus >= SIM_MAX_PAR ? SIM_MAX_PAR : 1;
    sim.tty = isatty(STDERR_FILENO);
    struct sigaction old[3];
    cli_catch_signals(old);
    rc = simulate(&sim, &o);
    cli_restore_signals(old);
    sim_free(&sim);
    return rc;
}
