/* slot.c - Cyrus slot control: parameters, tree, config, processes. */
#include "slot.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ocf.h"

#define CYRUS_USER "cyrus"
#define CYRUS_GROUP "mail"

static int parse_port(const char *name, const char *v, int *out, char *err, size_t errlen)
{
    char *end;
    long p = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || p < 1 || p > 65535) {
        snprintf(err, errlen, "parameter %s=\"%s\" is not a port number (1-65535)", name, v);
        return -1;
    }
    *out = (int)p;
    return 0;
}

/* "node:slot@addr" */
static int parse_member(const char *tok, struct slot_member *m)
{
    const char *colon = strchr(tok, ':'), *at = strchr(tok, '@');
    if (!colon || !at || at < colon || colon == tok || at[1] == '\0')
        return -1;
    size_t nl = (size_t)(colon - tok);
    if (nl >= sizeof(m->node) || strlen(at + 1) >= sizeof(m->addr))
        return -1;
    memcpy(m->node, tok, nl);
    m->node[nl] = '\0';
    char *end;
    long sn = strtol(colon + 1, &end, 10);
    if (end != at || sn < 0)
        return -1;
    m->slotno = (int)sn;
    snprintf(m->addr, sizeof(m->addr), "%s", at + 1);
    struct in_addr ia;
    return inet_pton(AF_INET, m->addr, &ia) == 1 ? 0 : -1;
}

static int parse_slots(struct slot *s, const char *v, char *err, size_t errlen)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", v);
    s->n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (s->n == SLOT_MAX) {
            snprintf(err, errlen, "parameter slots has more than %d slots", SLOT_MAX);
            return -1;
        }
        struct slot_member *m = &s->m[s->n];
        if (parse_member(tok, m) != 0) {
            snprintf(err, errlen,
                     "parameter slots: \"%s\" is not machine:slot@IPv4-address", tok);
            return -1;
        }
        snprintf(m->channel, sizeof(m->channel), "p%d", s->n + 1);
        s->n++;
    }
    if (s->n < 2) {
        snprintf(err, errlen, "parameter slots needs 2 or 3 slots (\"m1:3@addr m2:7@addr\")");
        return -1;
    }
    return 0;
}

static void local_node(char *buf, size_t len)
{
    const char *v = ocf_param("node", NULL);
    if (!v)
        v = ocf_meta("on_node");
    if (v) {
        snprintf(buf, len, "%s", v);
        return;
    }
    if (gethostname(buf, len) != 0)
        buf[0] = '\0';
    buf[len - 1] = '\0';
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
}

static int safe_word(const char *v)
{
    for (; *v; v++)
        if (!(*v == '-' || *v == '_' || *v == '.' || (*v >= '0' && *v <= '9') ||
              (*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z')))
            return 0;
    return 1;
}

int slot_parse(struct slot *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    const char *store = ocf_param("store", NULL);
    if (!store || !safe_word(store) || strlen(store) >= sizeof(s->store)) {
        snprintf(err, errlen, "parameter store is required (letters, digits, '-', '_', '.')");
        return -1;
    }
    snprintf(s->store, sizeof(s->store), "%s", store);
    const char *slots = ocf_param("slots", NULL);
    if (!slots) {
        snprintf(err, errlen, "parameter slots is required");
        return -1;
    }
    if (parse_slots(s, slots, err, errlen) != 0)
        return -1;
    if (parse_port("imap_port", ocf_param("imap_port", "143"), &s->imap_port, err, errlen) ||
        parse_port("lmtp_port", ocf_param("lmtp_port", "24"), &s->lmtp_port, err, errlen) ||
        parse_port("sync_port", ocf_param("sync_port", "2005"), &s->sync_port, err, errlen))
        return -1;
    local_node(s->node, sizeof(s->node));
    s->self = -1;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->m[i].node, s->node) == 0)
            s->self = i;
    if (s->self < 0) {
        snprintf(err, errlen, "parameter slots does not list this node (%s)", s->node);
        return -1;
    }
    const char *base = ocf_param("base_dir", "/var/lib/slotstore");
    int w = snprintf(s->dir, sizeof(s->dir) - 64, "%s/%s", base, store);
    if (base[0] != '/' || w < 0 || (size_t)w >= sizeof(s->dir) - 64) {
        snprintf(err, errlen, "parameter base_dir must be an absolute path (< 400 bytes)");
        return -1;
    }
    snprintf(s->bin, sizeof(s->bin), "%s", ocf_param("cyrus_bin", "/usr/lib/cyrus/bin"));
    const char *rep = ocf_param("sync_repeat_interval", "0");
    if (!safe_word(rep) || strlen(rep) >= sizeof(s->sync_repeat)) {
        snprintf(err, errlen, "parameter sync_repeat_interval=\"%s\" is not a duration", rep);
        return -1;
    }
    snprintf(s->sync_repeat, sizeof(s->sync_repeat), "%s", rep);
    const char *pw = ocf_param("sync_password", NULL);
    if (pw && (strchr(pw, '\n') || strlen(pw) >= sizeof(s->sync_password))) {
        snprintf(err, errlen, "parameter sync_password must be one line of < 128 bytes");
        return -1;
    }
    /* default: derived from the store name, same on every slot of the store */
    snprintf(s->sync_password, sizeof(s->sync_password), "%s", pw ? pw : store);
    snprintf(s->extra, sizeof(s->extra), "%s", ocf_param("extra_config", ""));
    const char *g = ocf_param("outdate_grace", "30");
    char *end;
    long gv = strtol(g, &end, 10);
    if (*end != '\0' || gv < 1) {
        snprintf(err, errlen, "parameter outdate_grace=\"%s\" must be seconds >= 1", g);
        return -1;
    }
    s->outdate_grace = (int)gv;
    char path[SLOT_PATH + 16];
    snprintf(path, sizeof(path), "%s/master", s->bin);
    if (access(path, X_OK) != 0) {
        snprintf(err, errlen, "parameter cyrus_bin: %s is not executable (cyrus-imapd installed?)",
                 path);
        return -2;
    }
    return 0;
}

void slot_path(const struct slot *s, const char *rel, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", s->dir, rel);
}

/* ---------- tree and config ---------- */

/* Modes are set explicitly: the cluster runs agents under a restrictive umask, and Cyrus
 * (user cyrus) must traverse every directory above its own. */
static int mkdir_owned(const char *path, int cyrus_owned)
{
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return -1;
    if (!cyrus_owned)
        return chmod(path, 0755);
    struct passwd *pw = getpwnam(CYRUS_USER);
    struct group *gr = getgrnam(CYRUS_GROUP);
    if (!pw || !gr)
        return -1;
    if (chown(path, pw->pw_uid, gr->gr_gid) != 0)
        return -1;
    return chmod(path, 0750);
}

/* Only directories made here get a mode; existing parents are the operator's. */
static int mkdir_searchable(const char *path)
{
    if (mkdir(path, 0755) == 0)
        return chmod(path, 0755);
    return errno == EEXIST ? 0 : -1;
}

static int mkdir_p(const char *path)
{
    char tmp[SLOT_PATH];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir_searchable(tmp) != 0)
                return -1;
            *p = '/';
        }
    return mkdir_searchable(tmp);
}

static int make_sasldb(const struct slot *s)
{
    char db[SLOT_PATH + 32], realm[256], conf[SLOT_PATH + 32];
    slot_path(s, "conf/sasldb2", db, sizeof(db));
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    snprintf(realm, sizeof(realm), "%s-%s", s->store, s->node);
    for (char *p = realm; *p; p++)
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
    char pw[160];
    snprintf(pw, sizeof(pw), "%s\n", s->sync_password);
    /* -p: password from stdin, never on a command line */
    const char *argv[] = {"/usr/sbin/saslpasswd2", "-p", "-c", "-f", db, "-u", realm,
                          CYRUS_USER, NULL};
    if (ocf_run(argv, pw, NULL, 0) != 0)
        return -1;
    struct passwd *u = getpwnam(CYRUS_USER);
    struct group *g = getgrnam(CYRUS_GROUP);
    if (!u || !g || chown(db, u->pw_uid, g->gr_gid) != 0)
        return -1;
    return chmod(db, 0640);
}

int slot_create(const struct slot *s)
{
    static const struct { const char *rel; int cyrus; } dirs[] = {
        {"etc", 0}, {"state", 0}, {"log", 0}, {"conf", 1}, {"spool", 1}, {"meta", 1},
        {"run", 1}, {"run/proc", 1}, {"run/lock", 1}, {"run/socket", 1}, {"conf/sync", 1},
        /* what Cyrus's own tools create under configdirectory */
        {"conf/db", 1}, {"conf/socket", 1}, {"conf/log", 1}, {"conf/msg", 1}, {"conf/user", 1},
        {"conf/quota", 1}, {"conf/sieve", 1}, {"conf/ptclient", 1}, {"conf/proc", 1},
        {"conf/lock", 1},
    };
    if (mkdir_p(s->dir) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char p[SLOT_PATH + 32];
        slot_path(s, dirs[i].rel, p, sizeof(p));
        if (mkdir_owned(p, dirs[i].cyrus) != 0) {
            ocf_log(OCF_ERR, "cannot create %s: %s", p, strerror(errno));
            return -1;
        }
    }
    char db[SLOT_PATH + 32];
    slot_path(s, "conf/sasldb2", db, sizeof(db));
    if (access(db, F_OK) != 0) {
        if (slot_write_config(s, SLOT_REPLICA) != 0 || make_sasldb(s) != 0) {
            ocf_log(OCF_ERR, "cannot create the slot's sasldb %s", db);
            return -1;
        }
        ocf_log(OCF_INFO, "created slot tree %s", s->dir);
    }
    return 0;
}

static FILE *open_conf(const struct slot *s, const char *rel, char *path, size_t len)
{
    char tmp[SLOT_PATH + 48];
    slot_path(s, rel, path, len);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    return fopen(tmp, "we");
}

/* Readable by Cyrus (group mail) whatever umask the cluster runs agents with; it may
 * hold the sync password, so not by others. */
static int make_cyrus_readable(FILE *f)
{
    struct group *gr = getgrnam(CYRUS_GROUP);
    if (!gr)
        return -1;
    if (fchown(fileno(f), (uid_t)-1, gr->gr_gid) != 0)
        return -1;
    return fchmod(fileno(f), 0640);
}

/* Write via a temporary file and rename, so a crash never leaves half a config. */
static int close_conf(FILE *f, const char *path)
{
    char tmp[SLOT_PATH + 48];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int perm_failed = make_cyrus_readable(f);
    if (fclose(f) != 0 || perm_failed)
        return -1;
    return rename(tmp, path);
}

static int write_imapd(const struct slot *s)
{
    char path[SLOT_PATH + 32];
    FILE *f = open_conf(s, "etc/imapd.conf", path, sizeof(path));
    if (!f)
        return -1;
    const char *d = s->dir;
    fprintf(f, "# generated by ocf:slotstore:cyrus for %s on %s: do not edit\n", s->store, s->node);
    /* defaultpartition named: with none, Cyrus 3.6 picks a partition for each new mailbox
     * through partlist, which reseeds rand() with the time alone, so mailboxes created by
     * two processes in the same second get the same uniqueid (and replication of the second
     * fails: "uniqueid already in use") */
    fprintf(f, "configdirectory: %s/conf\npartition-default: %s/spool\n", d, d);
    fprintf(f, "defaultpartition: default\n");
    fprintf(f, "metapartition-default: %s/meta\n", d);
    fprintf(f, "metapartition_files: header index cache expunge squat annotations lock dav "
               "archivecache\n");
    fprintf(f, "proc_path: %s/run/proc\nmboxname_lockpath: %s/run/lock\n", d, d);
    fprintf(f, "lmtpsocket: %s/run/socket/lmtp\nidlesocket: %s/run/socket/idle\n", d, d);
    fprintf(f, "notifysocket: %s/run/socket/notify\n", d);
    fprintf(f, "servername: %s-%s\nsyslog_prefix: cyrus/%s\n", s->store, s->node, s->store);
    fprintf(f, "sasl_pwcheck_method: auxprop\nsasl_auxprop_plugin: sasldb\n");
    fprintf(f, "sasl_sasldb_path: %s/conf/sasldb2\nallowplaintext: yes\n", d);
    fprintf(f, "sasl_mech_list: PLAIN LOGIN\nadmins: %s\n", CYRUS_USER);
    /* extra_config: "key: value; key: value" */
    char extra[sizeof(s->extra)];
    snprintf(extra, sizeof(extra), "%s", s->extra);
    char *save = NULL;
    for (char *t = strtok_r(extra, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        while (*t == ' ')
            t++;
        if (*t)
            fprintf(f, "%s\n", t);
    }
    fprintf(f, "@include: %s/etc/role.conf\n", d);
    return close_conf(f, path);
}

static int write_role(const struct slot *s, enum slot_role role)
{
    char path[SLOT_PATH + 32];
    FILE *f = open_conf(s, "etc/role.conf", path, sizeof(path));
    if (!f)
        return -1;
    if (role == SLOT_REPLICA) {
        fprintf(f, "sync_log: 0\n");
        return close_conf(f, path);
    }
    fprintf(f, "sync_log: 1\nsync_log_channels:");
    for (int i = 0; i < s->n; i++)
        if (i != s->self)
            fprintf(f, " %s", s->m[i].channel);
    fprintf(f, "\nsync_try_imap: no\nsync_authname: %s\nsync_password: %s\n", CYRUS_USER,
            s->sync_password);
    fprintf(f, "sync_repeat_interval: %s\n", s->sync_repeat);
    for (int i = 0; i < s->n; i++)
        if (i != s->self)
            fprintf(f, "%s_sync_host: %s\n%s_sync_port: %d\n", s->m[i].channel, s->m[i].addr,
                    s->m[i].channel, s->sync_port);
    return close_conf(f, path);
}

/* ---------- replication progress ---------- */

/* nftw has no user argument: the walk's state (one walk at a time, single-threaded). */
static unsigned long long progress_sum;
static int progress_bad;

static unsigned long long be64(const unsigned char *p)
{
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static int add_index(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    if (type != FTW_F || strcmp(path + ftw->base, "cyrus.index") != 0)
        return 0;
    /* header: minor version at 8 (32-bit), HIGHESTMODSEQ at 68 (64-bit), big-endian,
     * the same for index versions 12 to 17 (Cyrus 2.4 to 3.6) */
    unsigned char h[76];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof(h))
        return 0; /* a mailbox being created or deleted: not counted */
    unsigned minor = (unsigned)h[8] << 24 | (unsigned)h[9] << 16 | (unsigned)h[10] << 8 | h[11];
    if (minor < 12 || minor > 17) {
        progress_bad = 1;
        return 1;
    }
    progress_sum += be64(h + 68);
    return 0;
}

int slot_progress(const struct slot *s, unsigned long long *sum)
{
    char meta[SLOT_PATH + 16];
    slot_path(s, "meta", meta, sizeof(meta));
    progress_sum = 0;
    progress_bad = 0;
    if (nftw(meta, add_index, 16, FTW_PHYS) != 0 || progress_bad)
        return -1;
    *sum = progress_sum;
    return 0;
}

int slot_admin_socket(const struct slot *s, char *buf, size_t len)
{
    struct sockaddr_un un;
    slot_path(s, "run/socket/admin", buf, len);
    return strlen(buf) < sizeof(un.sun_path) ? 0 : -1;
}

static int write_cyrus(const struct slot *s, enum slot_role role)
{
    char path[SLOT_PATH + 32];
    FILE *f = open_conf(s, "etc/cyrus.conf", path, sizeof(path));
    if (!f)
        return -1;
    const char *b = s->bin, *d = s->dir, *a = s->m[s->self].addr;
    fprintf(f, "START {\n  recover cmd=\"%s/ctl_cyrusdb -C %s/etc/imapd.conf -r\"\n}\n", b, d);
    fprintf(f, "SERVICES {\n");
    if (role == SLOT_MASTER) {
        fprintf(f, "  imap cmd=\"%s/imapd -C %s/etc/imapd.conf\" listen=\"%s:%d\" prefork=0\n", b,
                d, a, s->imap_port);
        fprintf(f, "  lmtp cmd=\"%s/lmtpd -C %s/etc/imapd.conf -a\" listen=\"%s:%d\" prefork=0\n",
                b, d, a, s->lmtp_port);
    } else {
        fprintf(f, "  syncserver cmd=\"%s/sync_server -C %s/etc/imapd.conf\" listen=\"%s:%d\" "
                   "prefork=0\n", b, d, a, s->sync_port);
        char sock[SLOT_PATH + 32];
        if (slot_admin_socket(s, sock, sizeof(sock)) == 0)
            fprintf(f, "  admin cmd=\"%s/imapd -C %s/etc/imapd.conf\" listen=\"%s\" prefork=0\n",
                    b, d, sock);
    }
    fprintf(f, "}\nEVENTS {\n  checkpoint cmd=\"%s/ctl_cyrusdb -C %s/etc/imapd.conf -c\" "
               "period=30\n}\n", b, d);
    return close_conf(f, path);
}

int slot_write_config(const struct slot *s, enum slot_role role)
{
    if (write_imapd(s) != 0 || write_role(s, role) != 0 || write_cyrus(s, role) != 0) {
        ocf_log(OCF_ERR, "cannot write the configuration under %s/etc: %s", s->dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Leftover sync/<channel>/log* after acting as master: park, never replay. */
int slot_park_sync_log(const struct slot *s)
{
    char sync[SLOT_PATH + 32];
    slot_path(s, "conf/sync", sync, sizeof(sync));
    DIR *dir = opendir(sync);
    if (!dir)
        return 0;
    int parked = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        static const char *const names[] = {"log", "log-run"};
        for (int k = 0; k < 2; k++) {
            char from[SLOT_PATH + 600], to[SLOT_PATH + 700];
            snprintf(from, sizeof(from), "%s/%s/%s", sync, e->d_name, names[k]);
            if (access(from, F_OK) != 0)
                continue;
            snprintf(to, sizeof(to), "%s/state/parked-%ld-%s-%s", s->dir, (long)time(NULL),
                     e->d_name, names[k]);
            if (rename(from, to) == 0) {
                ocf_log(OCF_WARN, "parked leftover sync log %s as %s", from, to);
                parked++;
            }
        }
    }
    closedir(dir);
    return parked;
}

/* ---------- processes ---------- */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Start argv in a new session, detached from us (double fork: the agent
 * never has it as a child, so a dead one is never a zombie that looks alive).
 * Returns its pid (= its process group), or -1. */
/* Fork argv in a session of its own; returns its PID once it has exec'd (or died), so
 * that callers may recognise it by its arguments from the first check on. */
static pid_t spawn_session(const char *const argv[], const char *logfile, int isdaemon)
{
    int p[2], e[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(e, O_CLOEXEC) != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    fflush(NULL);
    pid_t c = fork();
    if (c < 0) {
        close(p[0]);
        close(p[1]);
        close(e[0]);
        close(e[1]);
        return -1;
    }
    if (c == 0) {
        close(p[0]);
        close(e[0]);
        setsid();
        pid_t g = fork();
        if (g == 0) {
            setpgid(0, 0);
            int nul = open("/dev/null", O_RDONLY);
            int log = open(logfile, O_WRONLY | O_APPEND | O_CREAT, 0640);
            if (nul >= 0)
                dup2(nul, 0);
            if (log >= 0) {
                dup2(log, 1);
                dup2(log, 2);
            }
            /* inherit nothing else (a test harness or lrmd waits for its pipes to
             * close); e[1] closes at exec, which tells the parent */
            close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
            if (isdaemon)
                setenv("CYRUS_ISDAEMON", "1", 1);
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
        /* the grandchild is not a session leader, so give it its own group */
        if (g > 0)
            setpgid(g, g);
        ssize_t n = write(p[1], &g, sizeof(g));
        _exit(n == (ssize_t)sizeof(g) ? 0 : 1);
    }
    close(p[1]);
    close(e[1]);
    pid_t g = -1;
    if (read(p[0], &g, sizeof(g)) != (ssize_t)sizeof(g))
        g = -1;
    close(p[0]);
    char b;
    while (read(e[0], &b, 1) < 0 && errno == EINTR)
        ; /* EOF: exec'd or gone */
    close(e[0]);
    waitpid(c, NULL, 0);
    return g;
}

static pid_t read_pid(const struct slot *s, const char *name)
{
    char buf[32];
    if (slot_state_get(s, name, buf, sizeof(buf)) != 0)
        return -1;
    long v = strtol(buf, NULL, 10);
    return v > 1 ? (pid_t)v : -1;
}

/* State letter and process group of pid from /proc, or -1. */
static int proc_stat(pid_t pid, char *state, pid_t *pgrp)
{
    char p[64], buf[512];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "pid (comm) S ppid pgrp ...": comm may contain spaces, so from the last ')' */
    char *rp = strrchr(buf, ')');
    int ppid, pg;
    if (!rp || sscanf(rp + 1, " %c %d %d", state, &ppid, &pg) != 3)
        return -1;
    *pgrp = pg;
    return 0;
}

/* Does the process run with `arg` as one of its arguments?  Every process of a slot
 * (Cyrus master, its services, sync_client) has "-C <slot>/etc/imapd.conf". */
static int has_arg(pid_t pid, const char *arg)
{
    char p[64], buf[4096];
    snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    for (char *a = buf; a < buf + n; a += strlen(a) + 1)
        if (strcmp(a, arg) == 0)
            return 1;
    return 0;
}

/* Alive (a zombie is dead: our reaper may be slow to collect it) and still ours: a
 * recorded PID may belong to anyone after a reboot (a fresh PID namespace reuses small
 * PIDs, even for another slot's session leader), so the slot's config must be in its
 * arguments.  NULL mark: a child just spawned here (it may not have exec'd yet). */
static int pid_alive(pid_t pid, const char *mark)
{
    char st;
    pid_t pg;
    return pid > 1 && proc_stat(pid, &st, &pg) == 0 && st != 'Z' && pg == pid &&
           (mark == NULL || has_arg(pid, mark));
}

/* Live (not zombie) members of a process group other than `skip` that belong to the
 * slot (`mark` in their arguments); with `log`, name each in the log (why a stop was
 * slow).  This machine's init reaps late, so zombies must not count as running. */
static int scan_group(pid_t pgid, pid_t skip, int log, const char *mark)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 1;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        char st;
        pid_t pg;
        if (*end != '\0' || pid <= 1 || pid == skip || proc_stat((pid_t)pid, &st, &pg) != 0 ||
            pg != pgid || st == 'Z' || !has_arg((pid_t)pid, mark))
            continue;
        found++;
        if (!log)
            break;
        char comm[64] = "?", path[64];
        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
        FILE *f = fopen(path, "re");
        if (f) {
            if (fgets(comm, sizeof(comm), f))
                comm[strcspn(comm, "\n")] = '\0';
            fclose(f);
        }
        ocf_log(OCF_WARN, "  still running: pid %ld (%s), state %c", pid, comm, st);
    }
    closedir(d);
    return found;
}

/* A group holding a live process of the slot is the slot's: a process group ID is not
 * reused while any member lives. */
static int group_alive(pid_t pgid, const char *mark)
{
    if (pgid <= 1 || kill(-pgid, 0) != 0)
        return 0;
    return scan_group(pgid, 0, 0, mark) > 0;
}

/* SIGTERM the group, wait, then SIGKILL: nothing of it is left running. */
static int kill_group(pid_t pgid, long timeout_ms, const char *mark)
{
    if (!group_alive(pgid, mark))
        return 0;
    kill(-pgid, SIGTERM);
    long start = now_ms(), end = start + timeout_ms;
    while (group_alive(pgid, mark) && now_ms() < end) {
        /* Cyrus's master sometimes spins after SIGTERM once its children are
         * gone; it holds no mail data, so it need not be waited for */
        if (now_ms() - start > 300 && scan_group(pgid, pgid, 0, mark) == 0) {
            kill(pgid, SIGKILL);
            ocf_log(OCF_DEBUG, "master %d alone after SIGTERM: SIGKILL", (int)pgid);
        }
        sleep_ms(10);
    }
    if (!group_alive(pgid, mark)) {
        ocf_log(OCF_DEBUG, "process group %d gone %ld ms after SIGTERM", (int)pgid,
                now_ms() - start);
        return 0;
    }
    ocf_log(OCF_WARN, "process group %d ignored SIGTERM: SIGKILL", (int)pgid);
    scan_group(pgid, 0, 1, mark);
    kill(-pgid, SIGKILL);
    for (int i = 0; i < 300 && group_alive(pgid, mark); i++)
        sleep_ms(10);
    return group_alive(pgid, mark) ? -1 : 0;
}

int slot_listening(const char *addr, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

int slot_master_start(const struct slot *s, enum slot_role role, long timeout_ms)
{
    char conf[SLOT_PATH + 32], cyr[SLOT_PATH + 32], pidf[SLOT_PATH + 32], log[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    slot_path(s, "etc/cyrus.conf", cyr, sizeof(cyr));
    slot_path(s, "run/master.pid", pidf, sizeof(pidf));
    slot_path(s, "log/cyrus.log", log, sizeof(log));
    slot_unquiesce(s); /* a previous slot_quiesce must not stop the new services */
    char master[SLOT_PATH + 16];
    snprintf(master, sizeof(master), "%s/master", s->bin);
    /* foreground (no -d): we already put it in its own session */
    const char *argv[] = {master, "-C", conf, "-M", cyr, "-p", pidf, NULL};
    pid_t pid = spawn_session(argv, log, 0);
    if (pid < 0)
        return -1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    slot_state_set(s, "master.pid", buf);
    int port = role == SLOT_MASTER ? s->imap_port : s->sync_port;
    long end = now_ms() + timeout_ms;
    while (now_ms() < end) {
        if (!pid_alive(pid, NULL)) {
            ocf_log(OCF_ERR, "Cyrus master exited during start (see %s and syslog)", log);
            kill_group(pid, 2000, conf);
            return -1;
        }
        if (slot_listening(s->m[s->self].addr, port)) {
            ocf_log(OCF_DEBUG, "listening %ld ms after start", now_ms() - (end - timeout_ms));
            return 0;
        }
        sleep_ms(20);
    }
    ocf_log(OCF_ERR, "Cyrus did not listen on %s:%d within %ld ms", s->m[s->self].addr, port,
            timeout_ms);
    return -1;
}

void slot_quiesce(const struct slot *s, long settle_ms)
{
    char p[SLOT_PATH + 32];
    slot_path(s, "conf/msg/shutdown", p, sizeof(p));
    FILE *f = fopen(p, "w");
    if (f == NULL) {
        ocf_log(OCF_WARN, "cannot write %s: %s", p, strerror(errno));
        return;
    }
    fputs("slot switching over, try again\n", f);
    if (make_cyrus_readable(f) != 0)
        ocf_log(OCF_WARN, "cannot make %s readable by Cyrus: %s", p, strerror(errno));
    fclose(f);
    sleep_ms(settle_ms);
}

void slot_unquiesce(const struct slot *s)
{
    char p[SLOT_PATH + 32];
    slot_path(s, "conf/msg/shutdown", p, sizeof(p));
    unlink(p);
}

int slot_master_stop(const struct slot *s, long timeout_ms)
{
    char conf[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    pid_t pid = read_pid(s, "master.pid");
    if (pid > 0 && kill_group(pid, timeout_ms, conf) != 0)
        return -1;
    slot_state_del(s, "master.pid");
    return 0;
}

int slot_master_alive(const struct slot *s)
{
    char conf[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    return pid_alive(read_pid(s, "master.pid"), conf);
}

int slot_group_alive(const struct slot *s)
{
    char conf[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    return group_alive(read_pid(s, "master.pid"), conf);
}

/* ---------- rolling sync_client, one per replica channel ---------- */

static void sync_pidname(const struct slot *s, int member, char *buf, size_t len)
{
    snprintf(buf, len, "sync.%s.pid", s->m[member].channel);
}

/* sync_client towards member in mode ("-r" rolling, "-A" every user once), its pid
 * recorded under the state name `pidname`. */
static int spawn_sync(const struct slot *s, int member, const char *mode, const char *pidname)
{
    char conf[SLOT_PATH + 32], log[SLOT_PATH + 32], prog[SLOT_PATH + 16];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    slot_path(s, "log/sync_client.log", log, sizeof(log));
    snprintf(prog, sizeof(prog), "%s/sync_client", s->bin);
    const char *argv[] = {prog, "-C", conf, mode, "-n", s->m[member].channel, NULL};
    pid_t pid = spawn_session(argv, log, 1);
    if (pid < 0)
        return -1;
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    return slot_state_set(s, pidname, buf);
}

static void full_pidname(const struct slot *s, int member, char *buf, size_t len)
{
    snprintf(buf, len, "fullsync.%s.pid", s->m[member].channel);
}

int slot_sync_start(const struct slot *s, int member)
{
    char name[64];
    sync_pidname(s, member, name, sizeof(name));
    return spawn_sync(s, member, "-r", name);
}

int slot_sync_full(const struct slot *s, int member)
{
    char name[64];
    full_pidname(s, member, name, sizeof(name));
    return spawn_sync(s, member, "-A", name);
}

static int stop_recorded(const struct slot *s, const char *name, long timeout_ms)
{
    char conf[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    pid_t pid = read_pid(s, name);
    if (pid > 0 && kill_group(pid, timeout_ms, conf) != 0)
        return -1;
    slot_state_del(s, name);
    return 0;
}

int slot_sync_stop(const struct slot *s, int member, long timeout_ms)
{
    char name[64], full[64];
    sync_pidname(s, member, name, sizeof(name));
    full_pidname(s, member, full, sizeof(full));
    int rc = stop_recorded(s, full, timeout_ms);
    return stop_recorded(s, name, timeout_ms) == 0 && rc == 0 ? 0 : -1;
}

int slot_sync_alive(const struct slot *s, int member)
{
    char name[64];
    sync_pidname(s, member, name, sizeof(name));
    char conf[SLOT_PATH + 32];
    slot_path(s, "etc/imapd.conf", conf, sizeof(conf));
    return pid_alive(read_pid(s, name), conf);
}

/* The channel's sync log files: log-run (being sent) and log (being appended to). */
#define SYNC_LOG_FILES 2
static void sync_log_path(const struct slot *s, int member, int k, char *buf, size_t len)
{
    static const char *const names[SYNC_LOG_FILES] = {"log-run", "log"};
    snprintf(buf, len, "%s/conf/sync/%s/%s", s->dir, s->m[member].channel, names[k]);
}

long slot_sync_pending_age(const struct slot *s, int member)
{
    long oldest = 0;
    for (int k = 0; k < SYNC_LOG_FILES; k++) {
        char p[SLOT_PATH + 64];
        sync_log_path(s, member, k, p, sizeof(p));
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        /* ctime: log-run's is its rename (when the pass sending it began), log's its
         * last append; under steady writes log is young and log-run is what ages */
        long age = (long)(time(NULL) - st.st_ctime) + 1;
        if (age > oldest)
            oldest = age;
    }
    return oldest;
}

/* A file of the channel's sync log, named by inode and birth time: a deleted log's inode
 * is soon reused by the next one, its birth time is not (where the file system keeps one;
 * without it a reused inode only makes a backlog look unsent for longer). */
#define SYNC_FILE_ID 64
static int sync_file_id(const char *path, char *buf, size_t len)
{
    struct statx sx;
    if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &sx) != 0)
        return -1;
    long long sec = 0;
    unsigned nsec = 0;
    if (sx.stx_mask & STATX_BTIME) {
        sec = (long long)sx.stx_btime.tv_sec;
        nsec = sx.stx_btime.tv_nsec;
    }
    snprintf(buf, len, "%llu.%lld.%u", (unsigned long long)sx.stx_ino, sec, nsec);
    return 0;
}

/* The ids of the channel's sync log files that exist now; returns how many. */
static int waiting_ids(const struct slot *s, int member, char ids[SYNC_LOG_FILES][SYNC_FILE_ID])
{
    int n = 0;
    for (int k = 0; k < SYNC_LOG_FILES; k++) {
        char p[SLOT_PATH + 64];
        sync_log_path(s, member, k, p, sizeof(p));
        if (sync_file_id(p, ids[n], SYNC_FILE_ID) == 0)
            n++;
    }
    return n;
}

int slot_sync_backlog(const struct slot *s, int member, char *buf, size_t len)
{
    if (len < SLOT_BACKLOG_LEN)
        return -1;
    char ids[SYNC_LOG_FILES][SYNC_FILE_ID];
    int n = waiting_ids(s, member, ids);
    buf[0] = '\0';
    for (int k = 0; k < n; k++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", ids[k]);
    }
    return 0;
}

int slot_sync_shipped(const struct slot *s, int member, const char *backlog)
{
    char ids[SYNC_LOG_FILES][SYNC_FILE_ID];
    int n = waiting_ids(s, member, ids);
    for (int k = 0; k < n; k++) {
        /* ids have one length per inode number: compare whole words */
        size_t len = strlen(ids[k]);
        for (const char *at = strstr(backlog, ids[k]); at; at = strstr(at + 1, ids[k]))
            if ((at == backlog || at[-1] == ' ') && (at[len] == ' ' || at[len] == '\0'))
                return 0;
    }
    return 1;
}

int slot_sync_drained_all(const struct slot *s)
{
    for (int i = 0; i < s->n; i++)
        if (i != s->self && slot_sync_pending_age(s, i) > 0)
            return 0;
    return 1;
}

/* ---------- state files ---------- */

int slot_state_get(const struct slot *s, const char *name, char *buf, size_t len)
{
    char p[SLOT_PATH + 80];
    snprintf(p, sizeof(p), "%s/state/%s", s->dir, name);
    return ocf_read_line(p, buf, len);
}

int slot_state_set(const struct slot *s, const char *name, const char *value)
{
    char p[SLOT_PATH + 80], tmp[SLOT_PATH + 90];
    snprintf(p, sizeof(p), "%s/state/%s", s->dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", p);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -1;
    fprintf(f, "%s\n", value);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, p);
}

void slot_state_del(const struct slot *s, const char *name)
{
    char p[SLOT_PATH + 80];
    snprintf(p, sizeof(p), "%s/state/%s", s->dir, name);
    unlink(p);
}
