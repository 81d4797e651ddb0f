/* cli.h - shared pieces of the slotstore command line tool. */
#ifndef SS_CLI_H
#define SS_CLI_H

#include <signal.h>
#include <stddef.h>

#include <libxml/xmlwriter.h>

#include "error.h"
#include "placement.h"

enum ss_output { SS_OUT_TEXT, SS_OUT_XML };

/* Exit codes (documented in slotstore(8)). */
#define SS_EXIT_OK 0
#define SS_EXIT_RUNTIME 1   /* cluster, I/O or child process failure */
#define SS_EXIT_INPUT 2     /* bad usage, bad topology, impossible request */
#define SS_EXIT_REFUSED 3   /* refused for safety (e.g. would move stores) */
#define SS_EXIT_CHECK 4     /* a check found the cluster/plan not as required */

/* Each subcommand: argv[0] is the subcommand name.  Returns an exit code. */
int cmd_plan(int argc, char **argv);
int cmd_cib(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_marks(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_drain(int argc, char **argv);
int cmd_undrain(int argc, char **argv);
int cmd_rebalance(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);

/* Print err on stderr as "slotstore: <msg>" and return the matching exit code. */
int cli_fail(const struct ss_error *err);
/* Parse --output-as=text|xml (returns 0 if arg was that option and was valid,
 * 1 if arg is not that option, -1 if invalid). */
int cli_output_option(const char *arg, enum ss_output *out);
/* Long work: a progress line on stderr, rewritten in place, only when tty is
 * set (the caller's isatty(STDERR_FILENO): logs and pipes stay clean);
 * cli_progress_done clears it. */
void cli_progress(int tty, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_progress_done(int tty);
/* Write `data` to `path` atomically (temp file, fsync, rename; mode 0644):
 * 0, or -1 with *why set to "cannot write PATH: reason; hint" (g_free it);
 * path is then as before. */
int cli_write_atomic(const char *path, const char *data, size_t len, char **why);

/* SIGINT, SIGTERM and SIGHUP set cli_signal (no SA_RESTART: a sleep or waitpid returns
 * at once, so long work can stop its children and clean up); old gets the previous
 * handlers for cli_restore_signals.  cli_catch_signals clears cli_signal. */
extern volatile sig_atomic_t cli_signal;
void cli_catch_signals(struct sigaction old[3]);
void cli_restore_signals(const struct sigaction old[3]);

/* XML results on stdout: <slotstore-result version= request=> around what the caller
 * writes between cli_xml_begin and cli_xml_end (which prints and frees). */
struct cli_xml {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
};
xmlTextWriterPtr cli_xml_begin(struct cli_xml *x, const char *request);
void cli_xml_end(struct cli_xml *x);
/* An attribute; a NULL value writes nothing. */
void cli_xml_str(xmlTextWriterPtr w, const char *name, const char *v);
void cli_xml_int(xmlTextWriterPtr w, const char *name, int v);

/* svg.c: the machine x machine failover matrix and masters per machine. */
int ss_svg_write(const struct ss_placement *p, const char *path, struct ss_error *err);

#endif
