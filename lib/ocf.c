/* ocf.c - OCF runtime: environment, logging, helpers, node attributes. */
#include "ocf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char log_tag[256] = "ocf";
static int use_syslog;

const char *ocf_param(const char *name, const char *def)
{
    char key[256];
    snprintf(key, sizeof(key), "OCF_RESKEY_%s", name);
    const char *v = getenv(key);
    return (v && *v) ? v : def;
}

const char *ocf_meta(const char *name)
{
    char key[256];
    snprintf(key, sizeof(key), "OCF_RESKEY_CRM_meta_%s", name);
    const char *v = getenv(key);
    return (v && *v) ? v : NULL;
}

static int facility_of(const char *name)
{
    static const struct { const char *n; int f; } map[] = {
        {"daemon", LOG_DAEMON}, {"user", LOG_USER}, {"local0", LOG_LOCAL0},
        {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
        {"local7", LOG_LOCAL7}, {"mail", LOG_MAIL},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(name, map[i].n) == 0)
            return map[i].f;
    return -1;
}

void ocf_log_init(const char *agent, const char *instance)
{
    snprintf(log_tag, sizeof(log_tag), "%s(%s)", agent, instance ? instance : "");
    const char *fac = getenv("HA_LOGFACILITY");
    int f = (fac && *fac && strcmp(fac, "none") != 0) ? facility_of(fac) : -1;
    if (f >= 0) {
        openlog(log_tag, LOG_PID, f);
        use_syslog = 1;
    }
}

static void append_line(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return;
    /* one write() per line: concurrent agents do not interleave */
    ssize_t n = write(fd, line, strlen(line));
    (void)n;
    close(fd);
}

void ocf_log(enum ocf_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
    static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
    const char *dbg = getenv("HA_debug");
    if (lvl == OCF_DEBUG && !(dbg && strcmp(dbg, "0") != 0))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    char line[2400];
    snprintf(line, sizeof(line), "%s[%d]: %s: %s\n", log_tag, (int)getpid(), names[lvl], msg);
    fputs(line, stderr);
    if (use_syslog)
        syslog(prio[lvl], "%s: %s", names[lvl], msg);
    const char *file = getenv(lvl == OCF_DEBUG ? "HA_DEBUGLOG" : "HA_LOGFILE");
    if (file && *file) {
        char stamp[64];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%b %d %T ", &tm);
        char full[2500];
        snprintf(full, sizeof(full), "%s%s", stamp, line);
        append_line(file, full);
    }
}

long ocf_timeout_ms(long def_ms)
{
    const char *t = ocf_meta("timeout");
    long v = t ? strtol(t, NULL, 10) : 0;
    return v > 0 ? v : def_ms;
}

int ocf_is_probe(const char *action)
{
    const char *iv = ocf_meta("interval");
    return strcmp(action, "monitor") == 0 && (!iv || strtol(iv, NULL, 10) == 0);
}

/* Child side of ocf_run: wire stdin/stdout and exec. */
static void run_child(const char *const argv[], int in_fd, int out_fd)
{
    if (in_fd >= 0)
        dup2(in_fd, 0);
    else {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
    }
    if (out_fd >= 0) {
        dup2(out_fd, 1);
        /* a query: its "not found" chatter on stderr is not an error */
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0)
            dup2(nul, 2);
    } else {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0)
            dup2(nul, 1);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

int ocf_run(const char *const argv[], const char *in, char *out, size_t outlen)
{
    int inp[2] = {-1, -1}, outp[2] = {-1, -1};
    if (in && pipe2(inp, O_CLOEXEC) != 0)
        return -1;
    if (out && pipe2(outp, O_CLOEXEC) != 0) {
        if (in) {
            close(inp[0]);
            close(inp[1]);
        }
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        run_child(argv, inp[0], outp[1]);
    if (in) {
        close(inp[0]);
        if (pid > 0) {
            ssize_t n = write(inp[1], in, strlen(in));
            (void)n;
        }
        close(inp[1]);
    }
    if (out) {
        size_t got = 0;
        close(outp[1]);
        ssize_t n;
        while (pid > 0 && got + 1 < outlen && (n = read(outp[0], out + got, outlen - 1 - got)) > 0)
            got += (size_t)n;
        out[got] = '\0';
        close(outp[0]);
    }
    if (pid < 0)
        return -1;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

int ocf_read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    chomp(buf);
    return 0;
}

static void write_cache(const char *path, const char *value)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "we");
    if (!f)
        return;
    fprintf(f, "%s\n", value);
    if (fclose(f) == 0)
        rename(tmp, path);
}

/* Seconds since the cache was written, or a large number. */
static long cache_age(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 1L << 30;
    return (long)(time(NULL) - st.st_mtime);
}

int ocf_promotion_set(const char *node, const char *score, const char *cache)
{
    char last[64];
    if (cache && ocf_read_line(cache, last, sizeof(last)) == 0 && strcmp(last, score) == 0 &&
        cache_age(cache) < OCF_PROMOTION_REFRESH)
        return 0;
    const char *rsc = getenv("OCF_RESOURCE_INSTANCE");
    if (!rsc || !*rsc)
        return -1;
    char opt[512];
    snprintf(opt, sizeof(opt), "--promotion=%s", rsc);
    const char *argv[] = {"/usr/sbin/crm_attribute", opt, "-N", node, "-v", score, NULL};
    int rc = ocf_run(argv, NULL, NULL, 0);
    if (rc != 0) {
        ocf_log(OCF_WARN, "crm_attribute could not set the promotion score of %s to %s (rc %d)",
                node, score, rc);
        if (cache)
            unlink(cache);
        return -1;
    }
    ocf_log(OCF_INFO, "promotion score of %s on %s: %s", rsc, node, score);
    if (cache)
        write_cache(cache, score);
    return 0;
}

int ocf_promotion_get(const char *node, char *buf, size_t len)
{
    const char *rsc = getenv("OCF_RESOURCE_INSTANCE");
    if (!rsc || !*rsc)
        return -1;
    char opt[512];
    snprintf(opt, sizeof(opt), "--promotion=%s", rsc);
    const char *argv[] = {"/usr/sbin/crm_attribute", opt, "-N", node, "-G", "-q", NULL};
    if (ocf_run(argv, NULL, buf, len) != 0)
        return -1;
    chomp(buf);
    return 0;
}

int ocf_node_attr_set(const char *node, const char *name, const char *value)
{
    const char *set[] = {"/usr/sbin/crm_attribute", "-N", node, "-n", name, "-l", "forever",
                         "-v", value, NULL};
    const char *del[] = {"/usr/sbin/crm_attribute", "-N", node, "-n", name, "-l", "forever",
                         "-D", NULL};
    return ocf_run(value ? set : del, NULL, NULL, 0) == 0 ? 0 : -1;
}

int ocf_node_status_set(const char *node, const char *name, const char *value)
{
    const char *set[] = {"/usr/sbin/crm_attribute", "-N", node, "-n", name, "-l", "reboot",
                         "-v", value, NULL};
    return ocf_run(set, NULL, NULL, 0) == 0 ? 0 : -1;
}

static int attr_get(const char *node, const char *name, const char *lifetime, char *buf,
                    size_t len)
{
    const char *argv[] = {"/usr/sbin/crm_attribute", "-N", node, "-n", name, "-l", lifetime,
                          "-G", "-q", NULL};
    if (ocf_run(argv, NULL, buf, len) != 0)
        return -1;
    chomp(buf);
    return 0;
}

int ocf_node_attr_get(const char *node, const char *name, char *buf, size_t len)
{
    return attr_get(node, name, "forever", buf, len);
}

int ocf_node_status_get(const char *node, const char *name, char *buf, size_t len)
{
    return attr_get(node, name, "reboot", buf, len);
}
