/* cli.c - helpers shared by the subcommands. */
#include "cli.h"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib.h>

int cli_fail(const struct ss_error *err)
{
    fprintf(stderr, "slotstore: %s\n", err->msg);
    switch (err->code) {
    case SS_OK:
        return SS_EXIT_OK;
    case SS_ERR_INPUT:
        return SS_EXIT_INPUT;
    case SS_ERR_REFUSED:
        return SS_EXIT_REFUSED;
    case SS_ERR_CHECK:
        return SS_EXIT_CHECK;
    default:
        return SS_EXIT_RUNTIME;
    }
}

int cli_output_option(const char *arg, enum ss_output *out)
{
    if (strncmp(arg, "--output-as=", 12) != 0)
        return 1;
    if (strcmp(arg + 12, "text") == 0)
        *out = SS_OUT_TEXT;
    else if (strcmp(arg + 12, "xml") == 0)
        *out = SS_OUT_XML;
    else
        return -1;
    return 0;
}

int cli_write_atomic(const char *path, const char *data, size_t len, char **why)
{
    GError *gerr = NULL;
    /* CONSISTENT: a temp file renamed over path; DURABLE: fsync'd first */
    if (g_file_set_contents_full(path, data, (gssize)len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &gerr))
        return 0;
    /* glib's message names the temp file; the caller's reader wants path */
    *why = g_strdup_printf("cannot write %s: %s; check the directory exists and is writable",
                           path, gerr->message);
    g_error_free(gerr);
    return -1;
}

volatile sig_atomic_t cli_signal;

static void on_signal(int sig)
{
    cli_signal = sig;
}

void cli_catch_signals(struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    cli_signal = 0;
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &sa, &old[i]);
}

void cli_restore_signals(const struct sigaction old[3])
{
    static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        sigaction(sigs[i], &old[i], NULL);
}

xmlTextWriterPtr cli_xml_begin(struct cli_xml *x, const char *request)
{
    x->buf = xmlBufferCreate();
    x->w = xmlNewTextWriterMemory(x->buf, 0);
    xmlTextWriterSetIndent(x->w, 1);
    xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(x->w, BAD_CAST "slotstore-result");
    cli_xml_str(x->w, "version", PACKAGE_VERSION);
    cli_xml_str(x->w, "request", request);
    return x->w;
}

void cli_xml_end(struct cli_xml *x)
{
    xmlTextWriterEndElement(x->w);
    xmlTextWriterEndDocument(x->w);
    xmlFreeTextWriter(x->w);
    fputs((const char *)xmlBufferContent(x->buf), stdout);
    xmlBufferFree(x->buf);
}

void cli_xml_str(xmlTextWriterPtr w, const char *name, const char *v)
{
    if (v)
        xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
}

void cli_xml_int(xmlTextWriterPtr w, const char *name, int v)
{
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%d", v);
}

/* Terminal width for the progress line. */
static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

void cli_progress(int tty, const char *fmt, ...)
{
    if (!tty)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    int cols = term_cols() - 1;
    fprintf(stderr, "\r\033[K%.*s", cols, line);
    fflush(stderr);
}

void cli_progress_done(int tty)
{
    if (tty) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
