/* imap_client.c - see imap_client.h.  Only what reconciling a slot needs; the
 * server is our own Cyrus (it advertises LITERAL+, so APPEND never waits for
 * a continuation). */
#include "imap_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 8192
#define LITERAL_MAX (64L * 1024 * 1024)

struct imap {
    int fd;
    long timeout_ms;
    unsigned tag;
    char buf[16384];
    size_t have, pos;
    char error[256];
};

/* One server response: its text (literals left out, their "{n}" kept) and the
 * data of its last literal (FETCH BODY[]). */
struct response {
    char text[LINE_MAX_LEN];
    char *literal;
    size_t literal_len;
};

static void response_clear(struct response *r)
{
    free(r->literal);
    r->literal = NULL;
    r->literal_len = 0;
    r->text[0] = '\0';
}

static int wait_fd(int fd, short events, long timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int n;
    do
        n = poll(&p, 1, (int)timeout_ms);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

static int fill(struct imap *c)
{
    if (c->pos < c->have)
        return 0;
    if (wait_fd(c->fd, POLLIN, c->timeout_ms) != 0)
        return -1;
    ssize_t n;
    do
        n = read(c->fd, c->buf, sizeof(c->buf));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    c->have = (size_t)n;
    c->pos = 0;
    return 0;
}

/* One CRLF-terminated line into line (without CRLF); -1 on EOF, timeout or overlong. */
static int read_line(struct imap *c, char *line, size_t len)
{
    size_t n = 0;
    for (;;) {
        if (fill(c) != 0)
            return -1;
        char ch = c->buf[c->pos++];
        if (ch == '\n') {
            if (n > 0 && line[n - 1] == '\r')
                n--;
            line[n] = '\0';
            return 0;
        }
        if (n + 1 >= len)
            return -1;
        line[n++] = ch;
    }
}

static int read_bytes(struct imap *c, char *dst, size_t len)
{
    size_t got = 0;
    while (got < len) {
        if (fill(c) != 0)
            return -1;
        size_t take = c->have - c->pos;
        if (take > len - got)
            take = len - got;
        memcpy(dst + got, c->buf + c->pos, take);
        c->pos += take;
        got += take;
    }
    return 0;
}

/* A trailing "{n}" announces a literal of n bytes. */
static long literal_size(const char *line)
{
    size_t n = strlen(line);
    if (n < 3 || line[n - 1] != '}')
        return -1;
    const char *open = strrchr(line, '{');
    if (!open)
        return -1;
    char *end;
    long v = strtol(open + 1, &end, 10);
    return (*end == '}' || *end == '+') && v >= 0 ? v : -1;
}

static int read_response(struct imap *c, struct response *r)
{
    response_clear(r);
    size_t used = 0;
    for (;;) {
        if (read_line(c, r->text + used, sizeof(r->text) - used) != 0)
            return -1;
        used += strlen(r->text + used);
        long lit = literal_size(r->text);
        if (lit < 0)
            return 0;
        if (lit > LITERAL_MAX)
            return -1;
        free(r->literal);
        r->literal = malloc((size_t)lit + 1);
        if (!r->literal || read_bytes(c, r->literal, (size_t)lit) != 0)
            return -1;
        r->literal[lit] = '\0';
        r->literal_len = (size_t)lit;
    }
}

static int write_all(struct imap *c, const char *p, size_t len)
{
    while (len > 0) {
        if (wait_fd(c->fd, POLLOUT, c->timeout_ms) != 0)
            return -1;
        ssize_t n = write(c->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

typedef void (*untagged_fn)(void *ctx, const struct response *r);

/* Send "<tag> <command>" (plus an optional literal: data, len) and read up to the
 * tagged reply, handing every untagged response to fn.  0 when it says OK. */
static int command(struct imap *c, untagged_fn fn, void *ctx, const char *data, size_t len,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int command(struct imap *c, untagged_fn fn, void *ctx, const char *data, size_t len,
                   const char *fmt, ...)
{
    char line[LINE_MAX_LEN], tag[16];
    snprintf(tag, sizeof(tag), "s%u", ++c->tag);
    int n = snprintf(line, sizeof(line), "%s ", tag);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)n + (size_t)m >= sizeof(line) - 2)
        return -1;
    if (!data)
        memcpy(line + n + m, "\r\n", 3);
    if (write_all(c, line, strlen(line)) != 0)
        return -1;
    if (data && (write_all(c, data, len) != 0 || write_all(c, "\r\n", 2) != 0))
        return -1;
    struct response r = {.literal = NULL};
    size_t taglen = strlen(tag);
    int rc = -1;
    while (read_response(c, &r) == 0) {
        if (strncmp(r.text, tag, taglen) == 0 && r.text[taglen] == ' ') {
            const char *status = r.text + taglen + 1;
            rc = strncmp(status, "OK", 2) == 0 ? 0 : 1;
            if (rc != 0)
                snprintf(c->error, sizeof(c->error), "%s", status);
            break;
        }
        if (r.text[0] == '*' && fn)
            fn(ctx, &r);
    }
    response_clear(&r);
    return rc;
}

static int connect_to(const char *addr, int port, long timeout_ms)
{
    int fd;
    if (port == 0) {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        if (strlen(addr) >= sizeof(un.sun_path))
            return -1;
        strcpy(un.sun_path, addr);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
            return fd;
    } else {
        struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, addr, &in.sin_addr) != 1)
            return -1;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return -1;
        int r = connect(fd, (struct sockaddr *)&in, sizeof(in));
        int err = 0;
        socklen_t el = sizeof(err);
        if ((r == 0 || (errno == EINPROGRESS && wait_fd(fd, POLLOUT, timeout_ms) == 0 &&
                        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0)))
            return fd;
    }
    if (fd >= 0)
        close(fd);
    return -1;
}

struct imap *imap_connect(const char *addr, int port, long timeout_ms)
{
    int fd = connect_to(addr, port, timeout_ms);
    if (fd < 0)
        return NULL;
    struct imap *c = calloc(1, sizeof(*c));
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    struct response r = {.literal = NULL};
    int ok = read_response(c, &r) == 0 && strncmp(r.text, "* OK", 4) == 0;
    response_clear(&r);
    if (!ok) {
        close(fd);
        free(c);
        return NULL;
    }
    return c;
}

void imap_close(struct imap *c)
{
    if (!c)
        return;
    command(c, NULL, NULL, NULL, 0, "LOGOUT");
    close(c->fd);
    free(c);
}

static void base64(const unsigned char *in, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

int imap_login(struct imap *c, const char *authz, const char *authc, const char *password)
{
    unsigned char plain[768];
    size_t az = authz ? strlen(authz) : 0, ac = strlen(authc), pw = strlen(password);
    if (az + ac + pw + 2 > sizeof(plain))
        return -1;
    memcpy(plain, authz ? authz : "", az);
    plain[az] = '\0';
    memcpy(plain + az + 1, authc, ac);
    plain[az + 1 + ac] = '\0';
    memcpy(plain + az + ac + 2, password, pw);
    char b64[1100];
    base64(plain, az + ac + pw + 2, b64);
    return command(c, NULL, NULL, NULL, 0, "AUTHENTICATE PLAIN %s", b64) == 0 ? 0 : -1;
}

/* Mailbox names as quoted strings (the names we send are 7-bit: modified UTF-7). */
static int quote(const char *in, char *out, size_t len)
{
    size_t o = 0;
    if (len < 3)
        return -1;
    out[o++] = '"';
    for (; *in; in++) {
        if (*in == '\r' || *in == '\n' || o + 4 >= len)
            return -1;
        if (*in == '"' || *in == '\\')
            out[o++] = '\\';
        out[o++] = *in;
    }
    out[o++] = '"';
    out[o] = '\0';
    return 0;
}

struct id_ctx {
    char *id;
    size_t len;
    int found;
};

static void on_status(void *ctx, const struct response *r)
{
    struct id_ctx *x = ctx;
    const char *p = strstr(r->text, "MAILBOXID (");
    if (strncmp(r->text, "* STATUS ", 9) != 0 || !p)
        return;
    p += strlen("MAILBOXID (");
    size_t n = strcspn(p, ")");
    if (n == 0 || n >= x->len)
        return;
    memcpy(x->id, p, n);
    x->id[n] = '\0';
    x->found = 1;
}

int imap_mailbox_id(struct imap *c, const char *mailbox, char *id, size_t idlen)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    struct id_ctx x = {id, idlen, 0};
    int rc = command(c, on_status, &x, NULL, 0, "STATUS %s (MAILBOXID)", q);
    if (rc == 0)
        return x.found ? 0 : -1;
    if (rc == 1 && strstr(c->error, "NONEXISTENT") == NULL &&
        strstr(c->error, "does not exist") == NULL)
        return -1;
    return rc == 1 ? 1 : -1;
}

static void on_exists(void *ctx, const struct response *r)
{
    long *exists = ctx;
    char *end;
    long n = strtol(r->text + 2, &end, 10);
    if (end != r->text + 2 && strcmp(end, " EXISTS") == 0)
        *exists = n;
}

int imap_examine(struct imap *c, const char *mailbox, long *exists)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    *exists = 0;
    return command(c, on_exists, exists, NULL, 0, "EXAMINE %s", q) == 0 ? 0 : -1;
}

/* FLAGS (...) without \Recent, which APPEND must not be given. */
static void copy_flags(const char *text, char *out, size_t len)
{
    out[0] = '\0';
    const char *p = strstr(text, "FLAGS (");
    if (!p)
        return;
    p += strlen("FLAGS (");
    size_t n = strcspn(p, ")"), o = 0;
    char flags[512];
    snprintf(flags, sizeof(flags), "%.*s", (int)n, p);
    char *save = NULL;
    for (char *f = strtok_r(flags, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
        if (strcmp(f, "\\Recent") == 0 || o + strlen(f) + 2 >= len)
            continue;
        o += (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", f);
    }
}

static void on_fetch(void *ctx, const struct response *r)
{
    struct imap_message *m = ctx;
    if (!strstr(r->text, " FETCH (") || !r->literal)
        return;
    copy_flags(r->text, m->flags, sizeof(m->flags));
    const char *d = strstr(r->text, "INTERNALDATE \"");
    if (d) {
        d += strlen("INTERNALDATE \"");
        size_t n = strcspn(d, "\"");
        snprintf(m->internaldate, sizeof(m->internaldate), "%.*s", (int)n, d);
    }
    free(m->body);
    m->body = malloc(r->literal_len + 1);
    if (!m->body)
        return;
    memcpy(m->body, r->literal, r->literal_len + 1);
    m->len = r->literal_len;
}

int imap_fetch(struct imap *c, long seq, struct imap_message *m)
{
    memset(m, 0, sizeof(*m));
    if (command(c, on_fetch, m, NULL, 0, "FETCH %ld (FLAGS INTERNALDATE BODY.PEEK[])", seq) != 0 ||
        !m->body) {
        imap_message_free(m);
        return -1;
    }
    return 0;
}

void imap_message_free(struct imap_message *m)
{
    free(m->body);
    m->body = NULL;
    m->len = 0;
}

int imap_append(struct imap *c, const char *mailbox, const struct imap_message *m)
{
    char q[1024], date[80] = "";
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    if (m->internaldate[0])
        snprintf(date, sizeof(date), " \"%s\"", m->internaldate);
    return command(c, NULL, NULL, m->body, m->len, "APPEND %s (%s)%s {%zu+}\r\n", q, m->flags,
                   date, m->len) == 0 ? 0 : -1;
}

int imap_create(struct imap *c, const char *mailbox)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    int rc = command(c, NULL, NULL, NULL, 0, "CREATE %s", q);
    if (rc == 1 && (strstr(c->error, "ALREADYEXISTS") || strstr(c->error, "already exists")))
        return 0;
    return rc == 0 ? 0 : -1;
}

int imap_delete(struct imap *c, const char *mailbox)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    return command(c, NULL, NULL, NULL, 0, "DELETE %s", q) == 0 ? 0 : -1;
}

int imap_setacl(struct imap *c, const char *mailbox, const char *ident, const char *rights)
{
    char q[1024], qi[256];
    if (quote(mailbox, q, sizeof(q)) != 0 || quote(ident, qi, sizeof(qi)) != 0)
        return -1;
    return command(c, NULL, NULL, NULL, 0, "SETACL %s %s %s", q, qi, rights) == 0 ? 0 : -1;
}

struct list_ctx {
    void (*fn)(void *ctx, const char *name);
    void *ctx;
};

/* * LIST (\HasNoChildren) "/" name: the name is an atom, a quoted string or a literal */
static void on_list_name(void *ctx, const struct response *r)
{
    struct list_ctx *x = ctx;
    if (strncmp(r->text, "* LIST (", 8) != 0)
        return;
    const char *p = strchr(r->text + 8, ')');
    if (!p || p[1] != ' ')
        return;
    p += 2;
    if (*p == '"') { /* the delimiter */
        p++;
        if (*p == '\\')
            p++;
        p += 2;
    } else if (strncmp(p, "NIL", 3) == 0) {
        p += 3;
    }
    if (*p != ' ')
        return;
    p++;
    char name[1024];
    size_t o = 0;
    if (*p == '{' && r->literal) {
        snprintf(name, sizeof(name), "%s", r->literal);
    } else if (*p == '"') {
        for (p++; *p && *p != '"' && o + 1 < sizeof(name); p++) {
            if (*p == '\\' && p[1])
                p++;
            name[o++] = *p;
        }
        name[o] = '\0';
    } else {
        snprintf(name, sizeof(name), "%s", p);
    }
    x->fn(x->ctx, name);
}

int imap_list(struct imap *c, const char *pattern, void (*fn)(void *ctx, const char *name),
              void *ctx)
{
    char q[1024];
    if (quote(pattern, q, sizeof(q)) != 0)
        return -1;
    struct list_ctx x = {fn, ctx};
    return command(c, on_list_name, &x, NULL, 0, "LIST \"\" %s", q) == 0 ? 0 : -1;
}

static void on_list(void *ctx, const struct response *r)
{
    if (strncmp(r->text, "* LIST ", 7) == 0)
        *(int *)ctx = 1;
}

int imap_exists(struct imap *c, const char *mailbox)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    int found = 0;
    if (command(c, on_list, &found, NULL, 0, "LIST \"\" %s", q) != 0)
        return -1;
    return found;
}

static void on_metadata(void *ctx, const struct response *r)
{
    /* * METADATA INBOX ("/private/comment" NIL): none set */
    size_t n = strlen(r->text);
    if (strncmp(r->text, "* METADATA ", 11) == 0 && (n < 5 || strcmp(r->text + n - 5, " NIL)") != 0))
        *(int *)ctx = 1;
}

int imap_touch(struct imap *c, const char *mailbox)
{
    char q[1024];
    if (quote(mailbox, q, sizeof(q)) != 0)
        return -1;
    int has = 0;
    if (command(c, on_metadata, &has, NULL, 0, "GETMETADATA %s (/private/comment)", q) != 0)
        return -1;
    if (has)
        return 1;
    if (command(c, NULL, NULL, NULL, 0, "SETMETADATA %s (/private/comment \"slotstore\")", q) != 0)
        return -1;
    return command(c, NULL, NULL, NULL, 0, "SETMETADATA %s (/private/comment NIL)", q) == 0 ? 0
                                                                                          : -1;
}

const char *imap_last_error(const struct imap *c)
{
    return c->error;
}
