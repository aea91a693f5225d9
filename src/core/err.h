/* err: the one error convention of the project.
 *
 * Every function that can fail returns an int: 0 (EM_OK) on success, a negative
 * code from em_err on failure. Positive values are never errors; a few functions
 * (db_step) document a positive "there is more" result. Detail meant for the
 * user travels in an em_error out-parameter whose message is safe to show in an
 * HTTP response; internal detail (SQL, errno text of a private path) goes to the
 * log only. */
#ifndef EM_CORE_ERR_H
#define EM_CORE_ERR_H

#include <stddef.h>

typedef enum em_err {
    EM_OK = 0,
    EM_E_NOMEM = -1,       /* allocation failed */
    EM_E_INVAL = -2,       /* invalid argument or input */
    EM_E_TOO_LARGE = -3,   /* a limit was exceeded (413 at the edge) */
    EM_E_NOT_FOUND = -4,   /* no such thing */
    EM_E_IO = -5,          /* read/write/filesystem error */
    EM_E_DB = -6,          /* database error (query failed) */
    EM_E_UNAVAILABLE = -7, /* dependency unreachable (database down) */
    EM_E_CONFLICT = -8,    /* uniqueness or state conflict */
    EM_E_PARSE = -9,       /* malformed input (JSON, SQL file, URL) */
    EM_E_CONFIG = -10,     /* configuration refused */
    EM_E_BUSY = -11,       /* locked, try again */
    EM_E_TIMEOUT = -12,    /* a time limit was exceeded */
    EM_E_UNSUPPORTED = -13,/* valid but not supported */
    EM_E_INTERNAL = -14,   /* a bug or an impossible state */
    EM_E_CANCELED = -15,   /* the other side gave up: a client went away, a caller stopped waiting */
    EM_E_DENIED = -20,     /* who is asking is not established: bad credentials or token (401) */
    EM_E_FORBIDDEN = -21,  /* established, and not allowed (403) */
    EM_E_RATE_LIMITED = -22 /* too many attempts; em_error.retry_after_s says when (429) */
} em_err;

/* Static English text for a code; never NULL. */
const char *em_strerror(int rc);

/* Error detail for the caller. `msg` is safe to show to the user. */
typedef struct em_error {
    int code;            /* one of em_err, EM_OK when unset */
    char msg[256];       /* NUL-terminated, may be truncated */
    const char *reason;  /* NULL, or a static machine-readable refinement of `code` that a
                            domain module documents ("weak_password", "token_reused"): the API
                            answers it as its error code */
    int retry_after_s;   /* with EM_E_RATE_LIMITED or EM_E_BUSY: when trying again may work
                            (seconds; 0: unknown) */
} em_error;

/* The reason of an EM_E_INVAL about a field of what the caller sent (a
 * request body), as opposed to how it was asked (a query parameter): the API
 * answers 422 validation_error instead of 400 invalid_request. */
#define EM_REASON_VALIDATION "validation_error"

/* Set code and a printf-style message (reason cleared); `err` may be NULL.
 * Returns `code` so a caller can write `return em_error_set(err, EM_E_INVAL,
 * "...")`. */
int em_error_set(em_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a reason (a static string). */
int em_error_refuse(em_error *err, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reset to EM_OK with an empty message; `err` may be NULL. */
void em_error_clear(em_error *err);

#endif
