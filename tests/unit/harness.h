/* harness.h - a tiny TAP test harness: each check prints "ok N - name" or
 * "not ok N - name"; the run ends with "1..N" and exits 1 on any failure. */
#ifndef SS_HARNESS_H
#define SS_HARNESS_H

#include <stdio.h>

static int harness_count, harness_failed;

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        harness_count++;                                                                       \
        if (cond) {                                                                            \
            printf("ok %d - ", harness_count);                                                 \
        } else {                                                                               \
            harness_failed++;                                                                  \
            printf("not ok %d - ", harness_count);                                             \
        }                                                                                      \
        printf(__VA_ARGS__);                                                                   \
        printf("%s\n", (cond) ? "" : "  (" #cond ")");                                         \
    } while (0)

#define DONE()                                                                                 \
    do {                                                                                       \
        printf("1..%d\n", harness_count);                                                      \
        return harness_failed ? 1 : 0;                                                         \
    } while (0)

#endif
