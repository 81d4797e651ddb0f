/* error.h - a small error record passed down by the library's functions.
 *
 * Every fallible library function takes a `struct ss_error *` and fills it
 * with one sentence saying what went wrong, where (file:line when known) and
 * how to fix it.  The CLI prints it on stderr and maps `code` to an exit code.
 */
#ifndef SS_ERROR_H
#define SS_ERROR_H

#include <stdarg.h>

enum ss_status {
    SS_OK = 0,
    SS_ERR_RUNTIME = 1,    /* I/O, cluster or child-process failure */
    SS_ERR_INPUT = 2,      /* bad topology, bad usage, impossible request */
    SS_ERR_REFUSED = 3,    /* a safety check refused the action (e.g. --allow-moves missing) */
    SS_ERR_CHECK = 4,      /* a verification found the cluster not meeting the plan */
};

struct ss_error {
    enum ss_status code;
    char msg[1024];
};

/* Fill err (if not NULL) and return code. */
int ss_error_set(struct ss_error *err, enum ss_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
