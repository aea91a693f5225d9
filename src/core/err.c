#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *em_strerror(int rc)
{
    switch (rc) {
    case EM_OK: return "ok";
    case EM_E_NOMEM: return "out of memory";
    case EM_E_INVAL: return "invalid argument";
    case EM_E_TOO_LARGE: return "too large";
    case EM_E_NOT_FOUND: return "not found";
    case EM_E_IO: return "input/output error";
    case EM_E_DB: return "database error";
    case EM_E_UNAVAILABLE: return "service unavailable";
    case EM_E_CONFLICT: return "conflict";
    case EM_E_PARSE: return "malformed input";
    case EM_E_CONFIG: return "configuration error";
    case EM_E_BUSY: return "busy";
    case EM_E_TIMEOUT: return "timed out";
    case EM_E_UNSUPPORTED: return "unsupported";
    case EM_E_INTERNAL: return "internal error";
    case EM_E_CANCELED: return "canceled";
    case EM_E_DENIED: return "not authenticated";
    case EM_E_FORBIDDEN: return "forbidden";
    case EM_E_RATE_LIMITED: return "too many attempts";
    default: return "unknown error";
    }
}

int em_error_set(em_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        err->reason = NULL;
        err->retry_after_s = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int em_error_refuse(em_error *err, int code, const char *reason, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        err->reason = reason;
        err->retry_after_s = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void em_error_clear(em_error *err)
{
    if (err != NULL) {
        err->code = EM_OK;
        err->msg[0] = '\0';
        err->reason = NULL;
        err->retry_after_s = 0;
    }
}
