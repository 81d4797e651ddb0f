/* cyrus_reconcile.c - a former master that rejoins as a replica after a cut or crash
 * may hold mailboxes created while it was cut off.  Cyrus copies its orphan messages
 * back only into mailboxes both sides share; a mailbox created on both sides is two
 * mailboxes of one name (Cyrus 3.6 retries the sync forever) and one created only on
 * the cut side never reaches the master.  The replica's monitor reconciles them:
 * every mailbox its parked sync log names that the master lacks or holds under
 * another MAILBOXID is copied into a rescue queue on disk, deleted locally (the
 * master's sync then recreates it as the master has it) and appended to the master
 * with its flags and date.  The queue survives crashes; the parked log is marked
 * reconciled only when everything is done. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cyrus_agent.h"
#include "imap_client.h"
#include "ocf.h"
#include "slot.h"

#define IO_MS 3000L
#define BUDGET_S 10 /* per monitor (timeout 30 s): the rest at the next one */
#define MAX_MAILBOXES 4096

struct mailbox_ref {
    char user[128];
    char name[256]; /* internal, e.g. user.zed.Sent */
};

/* Parked sync logs name the mailboxes the slot changed that were never replicated. */
static int is_parked(const char *name)
{
    return strncmp(name, "parked-", 7) == 0;
}

/* Second word of a sync log line ("APPEND user.zed"), unquoted. */
static int log_mailbox(const char *line, char *out, size_t len)
{
    if (strncmp(line, "APPEND ", 7) != 0 && strncmp(line, "MAILBOX ", 8) != 0)
        return -1;
    const char *p = strchr(line, ' ') + 1;
    size_t o = 0;
    int quoted = *p == '"';
    if (quoted)
        p++;
    for (; *p && *p != '\n'; p++) {
        if (quoted && *p == '"')
            break;
        if (!quoted && *p == ' ')
            break;
        if (quoted && *p == '\\' && p[1])
            p++;
        if (o + 1 >= len)
            return -1;
        out[o++] = *p;
    }
    out[o] = '\0';
    return o > 0 ? 0 : -1;
}

/* "user.zed.Sent" -> user "zed"; "example.org!user.zed" -> "zed@example.org". */
static int mailbox_user(const char *name, char *user, size_t len)
{
    const char *bang = strchr(name, '!');
    const char *rest = bang ? bang + 1 : name;
    if (strncmp(rest, "user.", 5) != 0)
        return -1;
    rest += 5;
    size_t n = strcspn(rest, ".");
    if (n == 0)
        return -1;
    if (bang)
        snprintf(user, len, "%.*s@%.*s", (int)n, rest, (int)(bang - name), name);
    else
        snprintf(user, len, "%.*s", (int)n, rest);
    for (char *p = user; *p && *p != '@'; p++)
        if (*p == '^')
            *p = '.'; /* a dot in a userid, as Cyrus stores it */
    return 0;
}

/* Returns -1 when the list is full (nothing may then be marked reconciled). */
static int add_ref(struct mailbox_ref *refs, int *n, const char *name)
{
    char user[128];
    if (mailbox_user(name, user, sizeof(user)) != 0)
        return 0;
    for (int i = 0; i < *n; i++)
        if (strcmp(refs[i].name, name) == 0)
            return 0;
    if (*n >= MAX_MAILBOXES)
        return -1;
    snprintf(refs[*n].user, sizeof(refs[*n].user), "%s", user);
    snprintf(refs[*n].name, sizeof(refs[*n].name), "%s", name);
    (*n)++;
    return 0;
}

static int parked_refs(const struct slot *s, struct mailbox_ref *refs, int *files, int *full)
{
    char dir[SLOT_PATH + 16];
    slot_path(s, "state", dir, sizeof(dir));
    DIR *d = opendir(dir);
    int n = 0;
    *files = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_parked(e->d_name))
            continue;
        (*files)++;
        char path[SLOT_PATH + 300], line[1024], name[256];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof(line), f))
            if (log_mailbox(line, name, sizeof(name)) == 0 && add_ref(refs, &n, name) != 0)
                *full = 1;
        fclose(f);
    }
    closedir(d);
    return n;
}

/* The names the user sees for an internal name, in the likely order: altnamespace with
 * "/" (Cyrus 3.6's defaults), then the other combinations an extra_config may set. */
static int external_names(const char *internal, char out[4][256])
{
    const char *bang = strchr(internal, '!');
    const char *rest = (bang ? bang + 1 : internal) + 5;
    rest += strcspn(rest, ".");
    if (*rest == '\0') {
        snprintf(out[0], 256, "INBOX");
        return 1;
    }
    rest++;
    static const char seps[2] = {'/', '.'};
    int k = 0;
    for (int i = 0; i < 2; i++) {
        char sub[240]; /* room for "INBOX/" in front */
        size_t o = 0;
        for (const char *p = rest; *p && o + 1 < sizeof(sub); p++)
            sub[o++] = *p == '.' ? seps[i] : (*p == '^' && seps[i] == '/' ? '.' : *p);
        sub[o] = '\0';
        snprintf(out[k++], 256, "%s", sub);
        snprintf(out[k++], 256, "INBOX%c%s", seps[i], sub);
    }
    return k;
}

/* ---- the rescue queue: state/rescue/NNNN, "user\nmailbox\nflags\ndate\n" + message ---- */

static void rescue_dir(const struct slot *s, char *buf, size_t len)
{
    slot_path(s, "state/rescue", buf, len);
}

/* Messages of a mailbox still held here wait in rescue/new: a crash before its local
 * copy is deleted must not queue them twice. */
static void new_dir(const struct slot *s, char *buf, size_t len)
{
    slot_path(s, "state/rescue/new", buf, len);
}

/* Empty rescue/new (discard = 1), or move its files into the live queue. */
static int settle_new(const struct slot *s, int discard)
{
    char nd[SLOT_PATH + 32], qd[SLOT_PATH + 32];
    new_dir(s, nd, sizeof(nd));
    rescue_dir(s, qd, sizeof(qd));
    DIR *d = opendir(nd);
    if (!d)
        return 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char from[SLOT_PATH + 300], to[SLOT_PATH + 300];
        snprintf(from, sizeof(from), "%s/%s", nd, e->d_name);
        snprintf(to, sizeof(to), "%s/%s", qd, e->d_name);
        if (discard || strstr(e->d_name, ".tmp"))
            unlink(from);
        else if (rename(from, to) != 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

static int queue_message(const struct slot *s, const char *user, const char *mailbox,
                         const struct imap_message *m, long seq)
{
    static long serial;
    char dir[SLOT_PATH + 32], tmp[SLOT_PATH + 128], path[SLOT_PATH + 96];
    rescue_dir(s, dir, sizeof(dir));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    new_dir(s, dir, sizeof(dir));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof(path), "%s/%ld-%d-%ld-%ld", dir, (long)time(NULL), (int)getpid(),
             ++serial, seq);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return -1;
    fprintf(f, "%s\n%s\n%s\n%s\n", user, mailbox, m->flags, m->internaldate);
    size_t w = fwrite(m->body, 1, m->len, f);
    int bad = w != m->len || fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Copy every message of the local mailbox into rescue/new. */
static int rescue_mailbox(const struct slot *s, struct imap *local, const char *user,
                          const char *mailbox, long *count)
{
    long exists = 0;
    *count = 0;
    if (imap_examine(local, mailbox, &exists) != 0)
        return -1;
    for (long seq = 1; seq <= exists; seq++) {
        struct imap_message m;
        if (imap_fetch(local, seq, &m) != 0)
            return -1;
        int rc = queue_message(s, user, mailbox, &m, seq);
        imap_message_free(&m);
        if (rc != 0)
            return -1;
        (*count)++;
    }
    return 0;
}

static struct imap *login_as(const char *addr, int port, const char *user, const char *pw)
{
    struct imap *c = imap_connect(addr, port, IO_MS);
    if (c && imap_login(c, user, "cyrus", pw) != 0) {
        imap_close(c);
        return NULL;
    }
    return c;
}

/* The member that answers IMAP with our credentials: the store's master. */
static int find_master(const struct slot *s)
{
    for (int i = 0; i < s->n; i++) {
        if (i == s->self || !slot_listening(s->m[i].addr, s->imap_port))
            continue;
        struct imap *c = login_as(s->m[i].addr, s->imap_port, NULL, s->sync_password);
        if (c) {
            imap_close(c);
            return i;
        }
    }
    return -1;
}

static int read_header_line(FILE *f, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, f))
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Append every queued message to the master; each file goes once it is appended. */
static int flush_queue(const struct slot *s, int master, int *appended)
{
    char dir[SLOT_PATH + 32];
    rescue_dir(s, dir, sizeof(dir));
    DIR *d = opendir(dir);
    *appended = 0;
    if (!d)
        return 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp") || strcmp(e->d_name, "new") == 0)
            continue;
        char path[SLOT_PATH + 300], user[128], mailbox[256];
        struct imap_message m = {.body = NULL};
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        struct stat st;
        long start = 0;
        if (read_header_line(f, user, sizeof(user)) == 0 &&
            read_header_line(f, mailbox, sizeof(mailbox)) == 0 &&
            read_header_line(f, m.flags, sizeof(m.flags)) == 0 &&
            read_header_line(f, m.internaldate, sizeof(m.internaldate)) == 0 &&
            fstat(fileno(f), &st) == 0 && (start = ftell(f)) >= 0 && st.st_size >= start) {
            m.len = (size_t)(st.st_size - start);
            m.body = malloc(m.len + 1);
            if (m.body && fread(m.body, 1, m.len, f) != m.len) {
                free(m.body);
                m.body = NULL;
            }
        }
        fclose(f);
        if (!m.body) {
            rc = -1;
            break;
        }
        struct imap *c = login_as(s->m[master].addr, s->imap_port, user, s->sync_password);
        if (!c || imap_create(c, mailbox) != 0 || imap_append(c, mailbox, &m) != 0) {
            ocf_log(OCF_WARN, "reconcile: cannot append a rescued message to %s of %s on %s: %s",
                    mailbox, user, s->m[master].node, c ? imap_last_error(c) : "no login");
            rc = -1;
        } else if (unlink(path) == 0) {
            (*appended)++;
        }
        imap_close(c);
        imap_message_free(&m);
    }
    closedir(d);
    return rc;
}

/* One mailbox: leave it to Cyrus when the master holds the same one. */
static int reconcile_mailbox(const struct slot *s, struct imap *local, struct imap *master,
                             const struct mailbox_ref *r, int user_on_master, long *rescued)
{
    char names[4][256], lid[128], mid[128];
    int k = external_names(r->name, names);
    *rescued = 0;
    for (int i = 0; i < k; i++) {
        int lr = imap_mailbox_id(local, names[i], lid, sizeof(lid));
        if (lr == 1)
            continue;
        if (lr != 0)
            return -1;
        int mr = imap_mailbox_id(master, names[i], mid, sizeof(mid));
        if (mr < 0)
            return -1;
        if (!user_on_master)
            mr = 1; /* the login just created the INBOX there (autocreate) */
        if (mr == 0 && strcmp(lid, mid) == 0) {
            /* one mailbox: Cyrus copies orphans back itself, but only when the master
             * next syncs it: make it do so now */
            if (imap_touch(master, names[i]) == 1)
                ocf_log(OCF_WARN, "reconcile: %s of %s has a comment: messages only this "
                        "slot holds go back when the mailbox next changes", names[i], r->user);
            return 0;
        }
        ocf_log(OCF_WARN, "reconcile: %s of %s %s: rescuing its messages to the master",
                names[i], r->user,
                mr == 1 ? "exists only here" : "differs from the master's (created on both "
                "sides of a cut)");
        if (rescue_mailbox(s, local, r->user, names[i], rescued) != 0)
            return -1;
        /* INBOX goes with the whole user: only the admin may delete it */
        if (strcmp(names[i], "INBOX") == 0)
            return 2;
        if (imap_delete(local, names[i]) != 0)
            return -1;
        return settle_new(s, 0);
    }
    return 0; /* gone here: nothing to rescue */
}

struct names {
    char (*v)[256];
    int n, max;
};

static void add_name(void *ctx, const char *name)
{
    struct names *x = ctx;
    if (x->n < x->max)
        snprintf(x->v[x->n++], 256, "%s", name);
}

/* Every mailbox the user has here (INBOX, which the user's rescue already queued, aside)
 * into the rescue queue, before the admin deletes the whole user. */
static int rescue_user(const struct slot *s, const char *sock, const char *user, long *count)
{
    char(*found)[256] = calloc(MAX_MAILBOXES, sizeof(*found));
    struct names x = {found, 0, MAX_MAILBOXES};
    struct imap *local = found ? login_as(sock, 0, user, s->sync_password) : NULL;
    int rc = local && imap_list(local, "*", add_name, &x) == 0 && x.n < x.max ? 0 : -1;
    *count = 0;
    for (int i = 0; rc == 0 && i < x.n; i++) {
        long c = 0;
        if (strcmp(found[i], "INBOX") == 0)
            continue;
        rc = rescue_mailbox(s, local, user, found[i], &c);
        *count += c;
    }
    imap_close(local);
    free(found);
    return rc;
}

/* Whether user has an INBOX where addr:port (port 0: unix socket) answers, asked as the
 * admin (logging in as a user without one would create it: autocreate). */
static int user_exists_at(const char *addr, int port, const char *pw, const char *user)
{
    struct imap *admin = login_as(addr, port, NULL, pw);
    char mbox[200];
    snprintf(mbox, sizeof(mbox), "user/%s", user);
    int rc = admin ? imap_exists(admin, mbox) : -1;
    imap_close(admin);
    return rc != 0; /* unsure (-1): go on, the login below fails the same way */
}

static int delete_user(const struct slot *s, const char *socket_path, const char *user)
{
    struct imap *admin = login_as(socket_path, 0, NULL, s->sync_password);
    char mbox[200];
    snprintf(mbox, sizeof(mbox), "user/%s", user);
    /* an admin may administer, not delete: it grants itself the right first */
    int rc = admin && imap_setacl(admin, mbox, "cyrus", "lrswipkxtecda") == 0 &&
             imap_delete(admin, mbox) == 0 ? 0 : -1;
    if (rc != 0)
        ocf_log(OCF_WARN, "reconcile: cannot delete %s here: %s", mbox,
                admin ? imap_last_error(admin) : "no admin login");
    imap_close(admin);
    return rc;
}

static void mark_reconciled(const struct slot *s)
{
    char dir[SLOT_PATH + 16];
    slot_path(s, "state", dir, sizeof(dir));
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_parked(e->d_name))
            continue;
        char from[SLOT_PATH + 300], to[SLOT_PATH + 320];
        snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
        snprintf(to, sizeof(to), "%s/reconciled-%s", dir, e->d_name + 7);
        rename(from, to);
    }
    closedir(d);
}

/* Every mailbox of refs[first]'s user (refs[first..n)), with one login on each side; each
 * is marked done (name emptied).  0, or -1 to retry at the next monitor. */
static int reconcile_user(const struct slot *s, int master, const char *sock,
                          struct mailbox_ref *refs, int n, int first, long *total)
{
    char user[128];
    snprintf(user, sizeof(user), "%s", refs[first].user);
    /* logging in as a user without an INBOX would create one here (autocreate): a third
     * mailbox of that name */
    int here = user_exists_at(sock, 0, s->sync_password, user);
    int on_master = here && user_exists_at(s->m[master].addr, s->imap_port, s->sync_password,
                                           user);
    struct imap *local = here ? login_as(sock, 0, user, s->sync_password) : NULL;
    struct imap *remote = here ? login_as(s->m[master].addr, s->imap_port, user,
                                          s->sync_password)
                               : NULL;
    int rc = here && !(local && remote) ? -1 : 0;
    for (int i = first; rc == 0 && here && i < n; i++) {
        if (refs[i].name[0] == '\0' || strcmp(refs[i].user, user) != 0)
            continue;
        long rescued = 0;
        rc = reconcile_mailbox(s, local, remote, &refs[i], on_master, &rescued);
        *total += rescued;
        if (rc != 0 && rc != 2)
            ocf_log(OCF_WARN, "reconcile: %s of %s not done yet: retrying at the next monitor",
                    refs[i].name, user);
    }
    imap_close(local);
    imap_close(remote);
    if (rc == 2) {
        /* the whole user goes: rescue every mailbox it has here first */
        long rescued = 0;
        rc = rescue_user(s, sock, user, &rescued) == 0 ? delete_user(s, sock, user) : -1;
        *total += rescued;
        if (rc == 0)
            rc = settle_new(s, 0);
        else
            ocf_log(OCF_WARN, "reconcile: user %s not done yet: retrying at the next monitor",
                    user);
    }
    for (int i = first; rc == 0 && i < n; i++)
        if (strcmp(refs[i].user, user) == 0)
            refs[i].name[0] = '\0';
    return rc == 0 ? 0 : -1;
}

static int reconcile_all(const struct slot *s, struct mailbox_ref *refs, int n, int full,
                         const char *qdir)
{
    int master = find_master(s);
    if (master < 0)
        return 1; /* no master to compare with yet: next monitor */
    char sock[SLOT_PATH + 32];
    if (slot_admin_socket(s, sock, sizeof(sock)) != 0) {
        ocf_log(OCF_ERR, "reconcile: the slot's directory is too deep for a unix socket");
        return 1;
    }
    time_t deadline = time(NULL) + BUDGET_S;
    long total = 0;
    settle_new(s, 1); /* a run that died before its local delete: fetched again below */
    for (int i = 0; i < n; i++) {
        if (refs[i].name[0] == '\0')
            continue; /* done with its user */
        if (time(NULL) >= deadline) {
            ocf_log(OCF_INFO, "reconcile: %d mailbox(es) to go: at the next monitor", n - i);
            return 1;
        }
        if (reconcile_user(s, master, sock, refs, n, i, &total) != 0)
            return 1;
    }
    int appended = 0;
    if (flush_queue(s, master, &appended) != 0)
        return 1;
    if (full) {
        ocf_log(OCF_ERR, "reconcile: the parked sync log names more than %d mailboxes: those "
                "past it are not compared; the parked log stays in state/", MAX_MAILBOXES);
        return 1;
    }
    char nd[SLOT_PATH + 32];
    new_dir(s, nd, sizeof(nd));
    rmdir(nd);
    rmdir(qdir);
    mark_reconciled(s);
    ocf_log(OCF_INFO, "reconciled with the master on %s: %ld message(s) rescued, %d appended",
            s->m[master].node, total, appended);
    return 0;
}

static int any_parked(const struct slot *s)
{
    char dir[SLOT_PATH + 16];
    slot_path(s, "state", dir, sizeof(dir));
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL)
        found = is_parked(e->d_name);
    if (d)
        closedir(d);
    return found;
}

int cyrus_reconcile(const struct slot *s)
{
    char qdir[SLOT_PATH + 32];
    rescue_dir(s, qdir, sizeof(qdir));
    if (!any_parked(s) && access(qdir, F_OK) != 0)
        return 0; /* every monitor of every replica comes here: one readdir */
    struct mailbox_ref *refs = calloc(MAX_MAILBOXES, sizeof(*refs));
    if (!refs)
        return 1;
    int files = 0, full = 0;
    int n = parked_refs(s, refs, &files, &full);
    int rc = 0;
    if (files > 0 || access(qdir, F_OK) == 0)
        rc = reconcile_all(s, refs, n, full, qdir);
    free(refs);
    return rc;
}
