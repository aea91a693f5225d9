/* redis: a small Redis client (RESP2 over TCP) for what several exammentor
 * processes must share when REDIS_URL is set: the rate limits' windows
 * (auth/ratelimit.h), and its health (GET /api/health/redis).
 *
 * One connection, guarded by a mutex, opened on first use and opened again
 * after any error (a Redis restart costs one failed command). Every read and
 * write has the timeout given at open; a reply larger than REDIS_REPLY_MAX
 * bytes, deeper than REDIS_DEPTH_MAX or with more than REDIS_ELEMS_MAX
 * elements is an error (and drops the connection): the server is trusted
 * only this far.
 *
 * URL: redis://[[user]:password@]host[:port][/db] (port 6379, db 0). No TLS. */
#ifndef EM_NET_REDIS_H
#define EM_NET_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define REDIS_REPLY_MAX (1024 * 1024)
#define REDIS_DEPTH_MAX 4
#define REDIS_ELEMS_MAX 1024
#define REDIS_ARGS_MAX 64

typedef enum redis_type {
    REDIS_NIL = 0,
    REDIS_STATUS,  /* +OK */
    REDIS_ERROR,   /* -ERR ... (text in str) */
    REDIS_INTEGER, /* :42 */
    REDIS_STRING,  /* $5 hello */
    REDIS_ARRAY    /* *2 ... */
} redis_type;

typedef struct redis_reply {
    redis_type type;
    int64_t integer;
    char *str; /* STATUS, ERROR, STRING: owned, NUL-terminated, len bytes */
    size_t len;
    struct redis_reply *elems; /* ARRAY: owned, n of them */
    size_t n;
} redis_reply;

void redis_reply_cleanup(redis_reply *r);

/* Parse one reply from bytes[0..len): EM_OK with *used bytes read;
 * REDIS_INCOMPLETE (positive) when bytes holds only the start of one (read
 * more); EM_E_PARSE for bytes that are no reply or past the limits above.
 * Pure: the fuzz target's subject. */
#define REDIS_INCOMPLETE 1
int redis_parse_reply(const char *bytes, size_t len, size_t *used /* OUT */, redis_reply *out /* OUT */,
                      em_error *err);

typedef struct redis redis;

/* Check the URL and keep it; nothing is sent yet. EM_E_CONFIG naming
 * REDIS_URL for a URL that is not one. */
int redis_open(const char *url, int timeout_ms, redis **out /* OUT */, em_error *err);
void redis_close(redis *r);

/* Send one command (argv[0..argc) with their lengths) and read its reply.
 * EM_E_UNAVAILABLE when Redis cannot be reached or does not answer in time;
 * a Redis error reply is EM_OK with out->type REDIS_ERROR. */
int redis_command(redis *r, int argc, const char *const *argv, const size_t *lens, redis_reply *out /* OUT */,
                  em_error *err);

/* PING: EM_OK when Redis answers PONG. */
int redis_ping(redis *r, em_error *err);

#endif
