#include "error.h"

#include <stdio.h>

int ss_error_set(struct ss_error *err, enum ss_status code, const char *fmt, ...)
{
    if (err == NULL)
        return (int)code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->code = code;
    return (int)code;
}
