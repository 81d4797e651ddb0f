/* topology.c - parser for the topology file (format: doc/slotstore-topology.5). */
#include "topology.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#define SS_MAX_LINE 4096
#define SS_MAX_MACHINES 100000
#define SS_MAX_SLOTS 10000

/* Keywords a topology gives at most once: a second line would silently win. */
enum once {
    ONCE_REPLICAS,
    ONCE_STORES,
    ONCE_PREFIX,
    ONCE_ADDRESS,
    ONCE_PORTS,
    ONCE_BUDGET,
    ONCE_KEYWORDS
};

struct parser {
    struct ss_topology *topo;
    const char *name;
    int line;
    struct ss_error *err;
    int have_replicas;
    int zones_seen;      /* machines with a zone */
    int zoneless_line;   /* a machine line without zone (0 = none) */
    int set_line[ONCE_KEYWORDS]; /* line of each single-valued keyword given */
};

static int given_once(struct parser *ps, enum once k, const char *word);

/* Record "FILE:LINE: what; hint" and return SS_ERR_INPUT. */
static int fail(struct parser *ps, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *hint, const char *fmt, ...)
{
    char detail[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return ss_error_set(ps->err, SS_ERR_INPUT, "%s:%d: %.600s%s%s", ps->name, ps->line, detail,
                        hint ? "; " : "", hint ? hint : "");
}

static int given_once(struct parser *ps, enum once k, const char *word)
{
    if (ps->set_line[k] != 0)
        return fail(ps, "keep one of the lines", "'%s' is already given at line %d", word,
                    ps->set_line[k]);
    ps->set_line[k] = ps->line;
    return 0;
}

/* Values end up in XML attributes and agent parameters: UTF-8 text without
 * control characters. */
static int valid_value(const char *v)
{
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return g_utf8_validate(v, -1, NULL);
}

/* Option names: letters, digits and '_' (they become parts of XML ids). */
static int valid_key(const char *k)
{
    if (*k == '\0')
        return 0;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_')
            return 0;
    return 1;
}

/* Is `key` among the n options already given? */
static int has_key(const struct ss_param *options, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (strcmp(options[i].key, key) == 0)
            return 1;
    return 0;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL) {
        fprintf(stderr, "slotstore: out of memory\n");
        abort();
    }
    return d;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL && n > 0) {
        fprintf(stderr, "slotstore: out of memory\n");
        abort();
    }
    return q;
}

/* Names of machines, stores, zones: what Pacemaker accepts in ids and node names. */
static int valid_name(const char *s)
{
    if (*s == '\0' || strlen(s) > 64)
        return 0;
    if (!isalpha((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* Split a line into whitespace separated words (in place). */
static int split_words(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            break;
        if (n == max)
            return -1;
        words[n++] = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

static int zone_index(struct ss_topology *topo, const char *zone)
{
    for (int i = 0; i < topo->nzones; i++)
        if (strcmp(topo->zones[i], zone) == 0)
            return i;
    topo->zones = xrealloc(topo->zones, sizeof(char *) * (size_t)(topo->nzones + 1));
    topo->zones[topo->nzones] = xstrdup(zone);
    return topo->nzones++;
}

static int kw_replicas(struct parser *ps, char **w, int n)
{
    if (n != 2)
        return fail(ps, "write e.g. 'replicas 1'", "'replicas' takes one number");
    if (parse_int(w[1], 1, 2, &ps->topo->replicas) != 0)
        return fail(ps, "use 1 (stores of 2 slots) or 2 (stores of 3 slots)", "bad replica count '%s'", w[1]);
    ps->have_replicas = 1;
    return given_once(ps, ONCE_REPLICAS, "replicas");
}

static int kw_stores(struct parser *ps, char **w, int n)
{
    if (n != 2 || parse_int(w[1], 1, 10000000, &ps->topo->stores) != 0)
        return fail(ps, "write 'stores N' with N >= 1, or leave it out to fill every slot", "bad store count '%s'", n > 1 ? w[1] : "");
    return given_once(ps, ONCE_STORES, "stores");
}

/* A factor with at most two decimals, as a percentage: "1.5" -> 150. */
static int parse_percent(const char *s, int lo, int hi, int *out)
{
    int whole = 0, frac = 0;
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p) && whole <= hi; p++)
        whole = whole * 10 + (*p - '0');
    if (*p == '.') {
        int digits = 0;
        for (p++; isdigit((unsigned char)*p) && digits < 2; p++, digits++)
            frac = frac * 10 + (*p - '0');
        if (digits == 0)
            return -1;
        if (digits == 1)
            frac *= 10;
    }
    long v = (long)whole * 100 + frac;
    if (*p != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int kw_move_budget(struct parser *ps, char **w, int n)
{
    if (n != 2 || parse_percent(w[1], 100, 1000, &ps->topo->move_budget) != 0)
        return fail(ps,
                    "write e.g. 'move-budget 1.5': a factor from 1 to 10 with at most two "
                    "decimals (default 1.25)",
                    "bad move budget '%s'", n > 1 ? w[1] : "");
    return given_once(ps, ONCE_BUDGET, "move-budget");
}

/* Store names become the first part of ids (STORE-cyrus, slotstore-loc-STORE-MACHINE):
 * without '-' in them no two stores' ids can meet, and 'fence' is the fence device's. */
static int valid_store_name(const char *s)
{
    return valid_name(s) && strchr(s, '-') == NULL && strcmp(s, "fence") != 0;
}

#define STORE_NAME_HINT                                                                       \
    "use letters, digits, '_' or '.', starting with a letter ('-' separates the parts of the " \
    "ids slotstore writes; 'fence' is the fence device's)"

static int kw_store_prefix(struct parser *ps, char **w, int n)
{
    if (n != 2 || !valid_store_name(w[1]) || strlen(w[1]) > 40)
        return fail(ps, STORE_NAME_HINT, "bad store prefix '%s'", n > 1 ? w[1] : "");
    free(ps->topo->store_prefix);
    ps->topo->store_prefix = xstrdup(w[1]);
    return given_once(ps, ONCE_PREFIX, "store-prefix");
}

static int kw_slot_address(struct parser *ps, char **w, int n)
{
    if (n != 2)
        return fail(ps, "write e.g. 'slot-address 10.202.{m}.{s}'", "'slot-address' takes one template");
    free(ps->topo->slot_address);
    ps->topo->slot_address = xstrdup(w[1]);
    /* Check the template once with the first slot of a fictitious machine. */
    char buf[256];
    struct ss_error e;
    struct ss_machine probe = {.name = (char *)"m", .zone_id = -1, .slots = 1};
    struct ss_machine *saved = ps->topo->machines;
    int saved_n = ps->topo->nmachines;
    ps->topo->machines = &probe;
    ps->topo->nmachines = 1;
    int rc = ss_topology_slot_address(ps->topo, 0, 1, buf, sizeof(buf), &e);
    ps->topo->machines = saved;
    ps->topo->nmachines = saved_n;
    if (rc != 0)
        return fail(ps, NULL, "%s", e.msg);
    return given_once(ps, ONCE_ADDRESS, "slot-address");
}

static int kw_ports(struct parser *ps, char **w, int n)
{
    if (n < 2)
        return fail(ps, "write e.g. 'ports imap=143 lmtp=24 sync=2005'", "'ports' needs at least one of imap=, lmtp=, sync=");
    for (int i = 1; i < n; i++) {
        char *eq = strchr(w[i], '=');
        int port;
        if (eq == NULL || parse_int(eq + 1, 1, 65535, &port) != 0)
            return fail(ps, "write NAME=PORT with PORT in 1..65535", "bad port setting '%s'", w[i]);
        *eq = '\0';
        if (strcmp(w[i], "imap") == 0)
            ps->topo->imap_port = port;
        else if (strcmp(w[i], "lmtp") == 0)
            ps->topo->lmtp_port = port;
        else if (strcmp(w[i], "sync") == 0)
            ps->topo->sync_port = port;
        else
            return fail(ps, "known ports: imap, lmtp, sync", "unknown port '%s'", w[i]);
    }
    return given_once(ps, ONCE_PORTS, "ports");
}

static int kw_param(struct parser *ps, char **w, int n)
{
    static const char *reserved[] = {"store", "slots", "imap_port", "lmtp_port", "sync_port",
                                     NULL};
    if (n != 2 || strchr(w[1], '=') == NULL || w[1][0] == '=')
        return fail(ps, "write e.g. 'param sync_repeat_interval=0' (no spaces in VALUE)", "'param' takes one KEY=VALUE");
    char *eq = strchr(w[1], '=');
    *eq = '\0';
    for (const char *k = w[1]; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_')
            return fail(ps, "use letters, digits and '_'", "bad parameter name '%s'", w[1]);
    for (int i = 0; reserved[i]; i++)
        if (strcmp(reserved[i], w[1]) == 0)
            return fail(ps, "remove this line (use 'ports' or 'slot-address' instead)", "parameter '%s' is written by slotstore itself", w[1]);
    struct ss_topology *t = ps->topo;
    if (has_key(t->params, t->nparams, w[1]))
        return fail(ps, "keep one of the lines", "parameter '%s' is set twice", w[1]);
    if (!valid_value(eq + 1))
        return fail(ps, "use UTF-8 text without control characters",
                    "bad value for parameter '%s'", w[1]);
    t->params = xrealloc(t->params, sizeof(*t->params) * (size_t)(t->nparams + 1));
    t->params[t->nparams].key = xstrdup(w[1]);
    t->params[t->nparams].value = xstrdup(eq + 1);
    t->nparams++;
    return 0;
}

static int kw_machine(struct parser *ps, char **w, int n)
{
    struct ss_topology *t = ps->topo;
    if (n < 3)
        return fail(ps, "write e.g. 'machine imap01 slots=20 zone=nyc'", "'machine' needs a name and slots=N");
    if (!valid_name(w[1]))
        return fail(ps, "use the node name Pacemaker knows: letters, digits, '-', '_', '.'", "bad machine name '%s'", w[1]);
    if (ss_topology_machine_index(t, w[1]) >= 0)
        return fail(ps, "remove one of the lines", "machine '%s' is listed twice", w[1]);
    if (t->nmachines >= SS_MAX_MACHINES)
        return fail(ps, "slotstore handles at most 100000", "too many machines");
    int slots = -1;
    const char *zone = NULL;
    for (int i = 2; i < n; i++) {
        if (strncmp(w[i], "slots=", 6) == 0) {
            if (slots >= 0)
                return fail(ps, "give slots= once", "machine '%s' has slots= twice", w[1]);
            if (parse_int(w[i] + 6, 1, SS_MAX_SLOTS, &slots) != 0)
                return fail(ps, "slots must be 1..10000", "bad slot count '%s'", w[i] + 6);
        } else if (strncmp(w[i], "zone=", 5) == 0) {
            if (zone != NULL)
                return fail(ps, "give zone= once", "machine '%s' has zone= twice", w[1]);
            if (!valid_name(w[i] + 5))
                return fail(ps, "use letters, digits, '-', '_', '.', starting with a letter", "bad zone name '%s'", w[i] + 5);
            zone = w[i] + 5;
        } else {
            return fail(ps, "known settings: slots=, zone=", "unknown machine setting '%s'", w[i]);
        }
    }
    if (slots < 0)
        return fail(ps, "add e.g. slots=20", "machine '%s' has no slots=N", w[1]);
    t->machines = xrealloc(t->machines, sizeof(*t->machines) * (size_t)(t->nmachines + 1));
    struct ss_machine *m = &t->machines[t->nmachines++];
    memset(m, 0, sizeof(*m));
    m->name = xstrdup(w[1]);
    m->slots = slots;
    m->line = ps->line;
    m->zone_id = -1;
    if (zone != NULL) {
        m->zone = xstrdup(zone);
        m->zone_id = zone_index(t, zone);
        ps->zones_seen++;
    } else if (ps->zoneless_line == 0) {
        ps->zoneless_line = ps->line;
    }
    return 0;
}

/* fixed NAME MACHINE[:SLOT] MACHINE[:SLOT] [...] - machines must be declared before. */
static int kw_fixed(struct parser *ps, char **w, int n)
{
    struct ss_topology *t = ps->topo;
    if (n < 3 || n - 2 > SS_MAX_COPIES)
        return fail(ps, "write e.g. 'fixed store001 imap01:3 imap02:7' after the machine lines", "'fixed' needs a store name and its machines in failover order");
    if (!valid_store_name(w[1]))
        return fail(ps, STORE_NAME_HINT, "bad store name '%s'", w[1]);
    for (int i = 0; i < t->nfixed; i++)
        if (strcmp(t->fixed[i].name, w[1]) == 0)
            return fail(ps, "remove one of the lines", "store '%s' is fixed twice", w[1]);
    struct ss_fixed_store f = {.ncopies = n - 2, .line = ps->line};
    for (int i = 2; i < n; i++) {
        char *colon = strchr(w[i], ':');
        int slot = 0;
        if (colon != NULL) {
            *colon = '\0';
            if (parse_int(colon + 1, 1, SS_MAX_SLOTS, &slot) != 0)
                return fail(ps, "write MACHINE:SLOT, SLOT >= 1", "bad slot number '%s'", colon + 1);
        }
        int m = ss_topology_machine_index(t, w[i]);
        if (m < 0)
            return fail(ps, "declare the machine on a 'machine' line before this one", "fixed store names unknown machine '%s'", w[i]);
        if (slot > t->machines[m].slots)
            return fail(ps, "pick a slot number within the machine's slot count", "slot %s is beyond the machine's slots=", colon + 1);
        for (int j = 0; j < i - 2; j++)
            if (f.machine[j] == m)
                return fail(ps, "a store's slots must be on distinct machines", "fixed store uses machine '%s' twice", w[i]);
        f.machine[i - 2] = m;
        f.slot[i - 2] = slot;
    }
    f.name = xstrdup(w[1]);
    t->fixed = xrealloc(t->fixed, sizeof(*t->fixed) * (size_t)(t->nfixed + 1));
    t->fixed[t->nfixed++] = f;
    return 0;
}

/* fence-agent AGENT [KEY=VALUE ...]: one stonith device covering every machine. */
static int kw_fence_agent(struct parser *ps, char **w, int n)
{
    struct ss_topology *t = ps->topo;
    if (n < 2 || strncmp(w[1], "fence_", 6) != 0 || !valid_name(w[1]))
        return fail(ps, "write e.g. 'fence-agent fence_ipmilan ip=... username=...'",
                    "'fence-agent' needs a fence agent name (fence_*)");
    if (t->fence_agent != NULL)
        return fail(ps, "keep one 'fence-agent' line", "a fence agent is already set");
    for (int i = 2; i < n; i++) {
        char *eq = strchr(w[i], '=');
        if (eq == NULL || eq == w[i])
            return fail(ps, "write KEY=VALUE", "bad fence agent option '%s'", w[i]);
        *eq = '\0';
        if (!valid_key(w[i]))
            return fail(ps, "use letters, digits and '_'", "bad fence agent option name '%s'",
                        w[i]);
        if (strcmp(w[i], "pcmk_host_list") == 0)
            return fail(ps, "remove it: the device covers every machine line",
                        "fence agent option 'pcmk_host_list' is written by slotstore itself");
        if (!valid_value(eq + 1))
            return fail(ps, "use UTF-8 text without control characters",
                        "bad value for fence agent option '%s'", w[i]);
        if (has_key(t->fence_params, t->nfence_params, w[i]))
            return fail(ps, "give each option once", "fence agent option '%s' is set twice", w[i]);
        t->fence_params = xrealloc(t->fence_params,
                                   sizeof(*t->fence_params) * (size_t)(t->nfence_params + 1));
        t->fence_params[t->nfence_params].key = xstrdup(w[i]);
        t->fence_params[t->nfence_params].value = xstrdup(eq + 1);
        t->nfence_params++;
    }
    t->fence_agent = xstrdup(w[1]);
    return 0;
}

struct keyword {
    const char *word;
    int (*handle)(struct parser *, char **, int);
};

static const struct keyword keywords[] = {
    {"replicas", kw_replicas},       {"stores", kw_stores},   {"store-prefix", kw_store_prefix},
    {"slot-address", kw_slot_address}, {"ports", kw_ports},   {"param", kw_param},
    {"machine", kw_machine},         {"fixed", kw_fixed},     {"fence-agent", kw_fence_agent},
    {"move-budget", kw_move_budget}, {NULL, NULL},
};

static int parse_line(struct parser *ps, char *line)
{
    char *hash = strchr(line, '#');
    if (hash != NULL)
        *hash = '\0';
    char *words[64];
    int n = split_words(line, words, 64);
    if (n < 0)
        return fail(ps, "one statement a line", "too many words on one line");
    if (n == 0)
        return 0;
    for (const struct keyword *k = keywords; k->word; k++)
        if (strcmp(k->word, words[0]) == 0)
            return k->handle(ps, words, n);
    return fail(ps, "known: replicas, stores, store-prefix, slot-address, ports, param, machine, "
                "fixed, fence-agent, move-budget (see slotstore-topology(5))",
                "unknown keyword '%s'", words[0]);
}

static int check_whole(struct parser *ps)
{
    struct ss_topology *t = ps->topo;
    ps->line = 0;
    if (t->nmachines == 0)
        return ss_error_set(ps->err, SS_ERR_INPUT,
                            "%s: no machines; add lines like 'machine imap01 slots=20'", ps->name);
    if (ps->zones_seen > 0 && ps->zoneless_line != 0)
        return ss_error_set(ps->err, SS_ERR_INPUT,
                            "%s:%d: this machine has no zone= but others have one; give every "
                            "machine a zone or none",
                            ps->name, ps->zoneless_line);
    if (ps->zones_seen > 0 && t->nzones < 2)
        return ss_error_set(ps->err, SS_ERR_INPUT,
                            "%s: every machine is in zone '%s', so no store can span two zones; "
                            "add machines in another zone or drop zone=",
                            ps->name, t->zones[0]);
    /* the template with every machine's last slot (the largest {m} and {s}) */
    for (int i = 0; i < t->nmachines; i++) {
        char addr[256];
        struct ss_error e = {0};
        if (ss_topology_slot_address(t, i, t->machines[i].slots, addr, sizeof(addr), &e) != 0)
            return ss_error_set(ps->err, SS_ERR_INPUT, "%s:%d: %s", ps->name,
                                ps->set_line[ONCE_ADDRESS], e.msg);
    }
    for (int i = 0; i < t->nfixed; i++)
        for (int j = 0; j < i; j++)
            for (int c = 0; c < t->fixed[i].ncopies; c++)
                for (int d = 0; d < t->fixed[j].ncopies; d++)
                    if (t->fixed[i].slot[c] > 0 && t->fixed[i].slot[c] == t->fixed[j].slot[d] &&
                        t->fixed[i].machine[c] == t->fixed[j].machine[d])
                        return ss_error_set(ps->err, SS_ERR_INPUT,
                                            "%s:%d: fixed store '%s' takes slot %d of %s, which "
                                            "fixed store '%s' (line %d) has; give one another "
                                            "slot or leave its slot out",
                                            ps->name, t->fixed[i].line, t->fixed[i].name,
                                            t->fixed[i].slot[c],
                                            t->machines[t->fixed[i].machine[c]].name,
                                            t->fixed[j].name, t->fixed[j].line);
    /* the zone rule holds for fixed stores too: a zone's failure must not take
     * every copy of one */
    for (int i = 0; i < t->nfixed && t->nzones > 0; i++) {
        const struct ss_fixed_store *f = &t->fixed[i];
        int distinct = 0;
        for (int c = 0; c < f->ncopies; c++) {
            int first = 1;
            for (int d = 0; d < c; d++)
                if (t->machines[f->machine[d]].zone_id == t->machines[f->machine[c]].zone_id)
                    first = 0;
            distinct += first;
        }
        int need = f->ncopies < t->nzones ? f->ncopies : t->nzones;
        if (distinct < need)
            return ss_error_set(ps->err, SS_ERR_INPUT,
                                "%s:%d: fixed store '%s' spans %d zone%s, the zone rule needs %d; "
                                "put its slots on machines of other zones",
                                ps->name, f->line, f->name, distinct, distinct == 1 ? "" : "s",
                                need);
    }
    int copies = ss_topology_copies(t);
    for (int i = 0; i < t->nfixed; i++)
        if (t->fixed[i].ncopies != copies)
            return ss_error_set(ps->err, SS_ERR_INPUT,
                                "%s:%d: fixed store '%s' lists %d slots but 'replicas %d' means "
                                "%d slots a store",
                                ps->name, t->fixed[i].line, t->fixed[i].name, t->fixed[i].ncopies,
                                t->replicas, copies);
    return 0;
}

int ss_topology_parse(const char *text, const char *name, struct ss_topology **out,
                      struct ss_error *err)
{
    struct ss_topology *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return ss_error_set(err, SS_ERR_RUNTIME, "out of memory");
    t->path = xstrdup(name);
    t->replicas = 1;
    t->move_budget = 125;
    t->store_prefix = xstrdup("store");
    t->slot_address = xstrdup("{machine}");
    t->imap_port = 143;
    t->lmtp_port = 24;
    t->sync_port = 2005;
    struct parser ps = {.topo = t, .name = name, .err = err};

    const char *p = text;
    int rc = 0;
    while (*p && rc == 0) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        ps.line++;
        if (len >= SS_MAX_LINE) {
            rc = fail(&ps, "keep lines under 4096 characters", "line too long");
            break;
        }
        char buf[SS_MAX_LINE];
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (memchr(buf, '\0', len) != NULL) {
            rc = fail(&ps, "the topology is a text file", "NUL byte in line");
            break;
        }
        rc = parse_line(&ps, buf);
        p = nl ? nl + 1 : p + len;
    }
    if (rc == 0)
        rc = check_whole(&ps);
    if (rc != 0) {
        ss_topology_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int ss_topology_load(const char *path, struct ss_topology **out, struct ss_error *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return ss_error_set(err, SS_ERR_INPUT, "%s: cannot open topology: %s", path,
                            strerror(errno));
    size_t cap = 65536, len = 0;
    char *text = xrealloc(NULL, cap);
    size_t got;
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return ss_error_set(err, SS_ERR_INPUT, "%s: cannot read topology", path);
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        return ss_error_set(err, SS_ERR_INPUT, "%s: contains NUL bytes; the topology is a text file",
                            path);
    }
    int rc = ss_topology_parse(text, path, out, err);
    free(text);
    return rc;
}

struct ss_topology *ss_topology_of_zones(int replicas, int n, const char *const *names,
                                         const char *const *zones)
{
    struct ss_topology *t = xrealloc(NULL, sizeof(*t));
    memset(t, 0, sizeof(*t));
    t->replicas = replicas;
    t->nmachines = n;
    t->machines = xrealloc(NULL, sizeof(*t->machines) * (size_t)(n > 0 ? n : 1));
    memset(t->machines, 0, sizeof(*t->machines) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        t->machines[i].name = xstrdup(names[i]);
        t->machines[i].zone_id = -1;
        if (zones && zones[i]) {
            t->machines[i].zone = xstrdup(zones[i]);
            t->machines[i].zone_id = zone_index(t, zones[i]);
        }
    }
    return t;
}

void ss_topology_free(struct ss_topology *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->nmachines; i++) {
        free(t->machines[i].name);
        free(t->machines[i].zone);
    }
    for (int i = 0; i < t->nzones; i++)
        free(t->zones[i]);
    for (int i = 0; i < t->nparams; i++) {
        free(t->params[i].key);
        free(t->params[i].value);
    }
    for (int i = 0; i < t->nfixed; i++)
        free(t->fixed[i].name);
    free(t->machines);
    free(t->zones);
    for (int i = 0; i < t->nfence_params; i++) {
        free(t->fence_params[i].key);
        free(t->fence_params[i].value);
    }
    free(t->fence_params);
    free(t->fence_agent);
    free(t->params);
    free(t->fixed);
    free(t->store_prefix);
    free(t->slot_address);
    free(t->path);
    free(t);
}

int ss_topology_copies(const struct ss_topology *topo)
{
    return topo->replicas + 1;
}

int ss_topology_machine_index(const struct ss_topology *topo, const char *name)
{
    for (int i = 0; i < topo->nmachines; i++)
        if (strcmp(topo->machines[i].name, name) == 0)
            return i;
    return -1;
}

int ss_topology_total_slots(const struct ss_topology *topo)
{
    int total = 0;
    for (int i = 0; i < topo->nmachines; i++)
        total += topo->machines[i].slots;
    return total;
}

static int valid_address(const char *a)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1)
        return 1;
    /* A host name is allowed too (resolved by the agent on its node). */
    if (!isalpha((unsigned char)*a) || strlen(a) > 253)
        return 0;
    for (; *a; a++)
        if (!isalnum((unsigned char)*a) && *a != '-' && *a != '.' && *a != '_')
            return 0;
    return 1;
}

int ss_topology_slot_address(const struct ss_topology *topo, int m, int slot, char *buf, int len,
                             struct ss_error *err)
{
    const char *tpl = topo->slot_address;
    int o = 0;
    for (const char *p = tpl; *p; p++) {
        char piece[128];
        const char *add = piece;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            size_t n = close ? (size_t)(close - p - 1) : 0;
            if (close && n == 7 && strncmp(p + 1, "machine", 7) == 0)
                add = topo->machines[m].name;
            else if (close && n == 1 && p[1] == 'm')
                snprintf(piece, sizeof(piece), "%d", m + 1);
            else if (close && n == 1 && p[1] == 's')
                snprintf(piece, sizeof(piece), "%d", slot);
            else
                return ss_error_set(err, SS_ERR_INPUT,
                                    "slot-address template '%s' has an unknown placeholder; "
                                    "known: {machine}, {m}, {s}",
                                    tpl);
            p = close;
        } else {
            piece[0] = *p;
            piece[1] = '\0';
        }
        size_t al = strlen(add);
        if (o + (int)al + 1 > len)
            return ss_error_set(err, SS_ERR_INPUT, "slot-address template '%s' expands too long",
                                tpl);
        memcpy(buf + o, add, al);
        o += (int)al;
    }
    buf[o] = '\0';
    if (!valid_address(buf))
        return ss_error_set(err, SS_ERR_INPUT,
                            "slot-address template '%s' gives '%s' for slot %d of machine %s, "
                            "which is no IP address or host name (an IPv4 part above 255?)",
                            tpl, buf, slot, topo->machines[m].name);
    return 0;
}
