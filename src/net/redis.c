/* redis: see redis.h. */
#include "net/redis.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"

/* ---- replies ---- */

void redis_reply_cleanup(redis_reply *r)
{
    if (r == NULL)
        return;
    free(r->str);
    for (size_t i = 0; i < r->n; i++)
        redis_reply_cleanup(&r->elems[i]);
    free(r->elems);
    memset(r, 0, sizeof *r);
}

/* The line at bytes[*at..len) up to CRLF: its bytes [start, *at) and *at
 * moved past the CRLF; REDIS_INCOMPLETE without a CRLF yet. */
static int line_at(const char *bytes, size_t len, size_t *at, size_t *start, size_t *end)
{
    *start = *at;
    for (size_t i = *at; i + 1 < len; i++) {
        if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
            *end = i;
            *at = i + 2;
            return EM_OK;
        }
    }
    return REDIS_INCOMPLETE;
}

/* A signed decimal of bytes[start..end) that fits in int64. */
static bool decimal(const char *bytes, size_t start, size_t end, int64_t *out)
{
    bool neg = start < end && bytes[start] == '-';
    size_t i = start + neg;
    if (i >= end || end - i > 18)
        return false;
    int64_t v = 0;
    for (; i < end; i++) {
        if (bytes[i] < '0' || bytes[i] > '9')
            return false;
        v = v * 10 + (bytes[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* bytes[0..n) as an owned string of n bytes and a NUL: binary-safe (a NUL
 * inside is kept, where strndup would stop). */
static char *copy_bytes(const char *bytes, size_t n)
{
    char *s = em_malloc(n + 1);
    memcpy(s, bytes, n);
    s[n] = '\0';
    return s;
}

static int parse_at(const char *bytes, size_t len, size_t *at, int depth, size_t *budget, redis_reply *out,
                    em_error *err)
{
    memset(out, 0, sizeof *out);
    if (*at >= len)
        return REDIS_INCOMPLETE;
    if (depth > REDIS_DEPTH_MAX)
        return em_error_set(err, EM_E_PARSE, "a Redis reply nests too deep");
    char kind = bytes[(*at)++];
    size_t s = 0, e = 0;
    int rc = line_at(bytes, len, at, &s, &e);
    if (rc != EM_OK)
        return rc;
    int64_t n = 0;
    switch (kind) {
    case '+':
    case '-':
        if (e - s > *budget)
            return em_error_set(err, EM_E_PARSE, "a Redis reply is too large");
        *budget -= e - s;
        out->type = kind == '+' ? REDIS_STATUS : REDIS_ERROR;
        out->str = copy_bytes(bytes + s, e - s);
        out->len = e - s;
        return EM_OK;
    case ':':
        if (!decimal(bytes, s, e, &n))
            return em_error_set(err, EM_E_PARSE, "a Redis integer is malformed");
        out->type = REDIS_INTEGER;
        out->integer = n;
        return EM_OK;
    case '$':
        if (!decimal(bytes, s, e, &n) || n < -1)
            return em_error_set(err, EM_E_PARSE, "a Redis string length is malformed");
        if (n == -1)
            return EM_OK; /* nil */
        if ((uint64_t)n > *budget)
            return em_error_set(err, EM_E_PARSE, "a Redis reply is too large");
        if (len - *at < (size_t)n + 2)
            return REDIS_INCOMPLETE;
        if (bytes[*at + (size_t)n] != '\r' || bytes[*at + (size_t)n + 1] != '\n')
            return em_error_set(err, EM_E_PARSE, "a Redis string does not end where its length says");
        *budget -= (size_t)n;
        out->type = REDIS_STRING;
        out->str = copy_bytes(bytes + *at, (size_t)n);
        out->len = (size_t)n;
        *at += (size_t)n + 2;
        return EM_OK;
    case '*':
        if (!decimal(bytes, s, e, &n) || n < -1)
            return em_error_set(err, EM_E_PARSE, "a Redis array length is malformed");
        if (n == -1)
            return EM_OK; /* nil */
        if (n > REDIS_ELEMS_MAX)
            return em_error_set(err, EM_E_PARSE, "a Redis array has more than %d elements", REDIS_ELEMS_MAX);
        out->type = REDIS_ARRAY;
        out->elems = em_calloc((size_t)n + 1, sizeof *out->elems);
        for (int64_t i = 0; i < n; i++) {
            /* counted before it is parsed: what a failing element holds
               already is freed with the rest */
            out->n = (size_t)i + 1;
            rc = parse_at(bytes, len, at, depth + 1, budget, &out->elems[i], err);
            if (rc != EM_OK)
                return rc;
        }
        return EM_OK;
    default: return em_error_set(err, EM_E_PARSE, "not a Redis reply");
    }
}

int redis_parse_reply(const char *bytes, size_t len, size_t *used, redis_reply *out, em_error *err)
{
    size_t at = 0, budget = REDIS_REPLY_MAX;
    *used = 0;
    int rc = parse_at(bytes, len, &at, 0, &budget, out, err);
    if (rc != EM_OK) {
        redis_reply_cleanup(out);
        return rc;
    }
    *used = at;
    return EM_OK;
}

/* ---- the connection ---- */

struct redis {
    pthread_mutex_t mu;
    char host[256], port[8], password[256], user[128];
    int db;
    int timeout_ms;
    int fd; /* -1: not connected */
};

/* Parse redis://[[user]:password@]host[:port][/db]. */
static int parse_url(redis *r, const char *url, em_error *err)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) != 0)
        return em_error_set(err, EM_E_CONFIG, "REDIS_URL must start with redis://");
    p += 8;
    const char *at = strchr(p, '@');
    const char *slash = strchr(p, '/');
    if (at != NULL && (slash == NULL || at < slash)) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon == NULL || (size_t)(colon - p) >= sizeof r->user ||
            (size_t)(at - colon - 1) >= sizeof r->password)
            return em_error_set(err, EM_E_CONFIG, "REDIS_URL: credentials must be [user]:password@");
        snprintf(r->user, sizeof r->user, "%.*s", (int)(colon - p), p);
        snprintf(r->password, sizeof r->password, "%.*s", (int)(at - colon - 1), colon + 1);
        p = at + 1;
    }
    size_t hostlen = strcspn(p, ":/");
    if (hostlen == 0 || hostlen >= sizeof r->host)
        return em_error_set(err, EM_E_CONFIG, "REDIS_URL names no host");
    snprintf(r->host, sizeof r->host, "%.*s", (int)hostlen, p);
    p += hostlen;
    snprintf(r->port, sizeof r->port, "6379");
    if (*p == ':') {
        p++;
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n > 5)
            return em_error_set(err, EM_E_CONFIG, "REDIS_URL: the port must be a number");
        snprintf(r->port, sizeof r->port, "%.*s", (int)n, p);
        p += n;
    }
    r->db = 0;
    if (*p == '/') {
        p++;
        size_t n = strspn(p, "0123456789");
        if (n > 4 || p[n] != '\0')
            return em_error_set(err, EM_E_CONFIG, "REDIS_URL: the database must be a number");
        r->db = n > 0 ? (int)strtol(p, NULL, 10) : 0;
    } else if (*p != '\0') {
        return em_error_set(err, EM_E_CONFIG, "REDIS_URL is malformed");
    }
    return EM_OK;
}

int redis_open(const char *url, int timeout_ms, redis **out, em_error *err)
{
    *out = NULL;
    redis *r = em_calloc(1, sizeof *r);
    int rc = parse_url(r, url != NULL ? url : "", err);
    if (rc != EM_OK) {
        free(r);
        return rc;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    r->fd = -1;
    *out = r;
    return EM_OK;
}

static void disconnect(redis *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

void redis_close(redis *r)
{
    if (r == NULL)
        return;
    disconnect(r);
    pthread_mutex_destroy(&r->mu);
    memset(r->password, 0, sizeof r->password);
    free(r);
}

/* A TCP connection to host:port within the timeout, with read and write
 * timeouts set; -1 on failure. */
static int dial(const redis *r)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(r->host, r->port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        int c = connect(fd, a->ai_addr, a->ai_addrlen);
        if (c != 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            c = poll(&pfd, 1, r->timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
                        soerr == 0
                    ? 0
                    : -1;
        }
        if (c != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -1;
    int flags = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flags, sizeof flags);
    return fd;
}

static int send_all(redis *r, const char *p, size_t n)
{
    while (n > 0) {
        struct pollfd pfd = {.fd = r->fd, .events = POLLOUT};
        if (poll(&pfd, 1, r->timeout_ms) != 1)
            return EM_E_UNAVAILABLE;
        ssize_t w = send(r->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return EM_E_UNAVAILABLE;
        p += w;
        n -= (size_t)w;
    }
    return EM_OK;
}

/* Read until one whole reply has arrived (bytes after it: none expected,
 * one command is in flight at a time). */
static int read_reply(redis *r, redis_reply *out, em_error *err)
{
    buf in;
    buf_init(&in, REDIS_REPLY_MAX + 1024);
    int rc = REDIS_INCOMPLETE;
    char chunk[4096];
    while (rc == REDIS_INCOMPLETE) {
        struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
        if (poll(&pfd, 1, r->timeout_ms) != 1) {
            rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis did not answer within %d ms", r->timeout_ms);
            break;
        }
        ssize_t n = recv(r->fd, chunk, sizeof chunk, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis closed the connection");
            break;
        }
        if (buf_append(&in, chunk, (size_t)n) != EM_OK) {
            rc = em_error_set(err, EM_E_PARSE, "a Redis reply is too large");
            break;
        }
        size_t used = 0;
        rc = redis_parse_reply(in.data, in.len, &used, out, err);
    }
    buf_cleanup(&in);
    return rc;
}

/* Encode and send argv as a RESP array of bulk strings, read the reply. */
static int round_trip(redis *r, int argc, const char *const *argv, const size_t *lens, redis_reply *out,
                      em_error *err)
{
    buf b;
    buf_init(&b, REDIS_REPLY_MAX);
    int rc = buf_printf(&b, "*%d\r\n", argc);
    for (int i = 0; rc == EM_OK && i < argc; i++) {
        size_t n = lens != NULL ? lens[i] : strlen(argv[i]);
        rc = buf_printf(&b, "$%zu\r\n", n);
        if (rc == EM_OK)
            rc = buf_append(&b, argv[i], n);
        if (rc == EM_OK)
            rc = buf_append(&b, "\r\n", 2);
    }
    if (rc != EM_OK) {
        buf_cleanup(&b);
        return em_error_set(err, EM_E_TOO_LARGE, "a Redis command is too large");
    }
    rc = send_all(r, b.data, b.len);
    buf_cleanup(&b);
    if (rc != EM_OK)
        return em_error_set(err, EM_E_UNAVAILABLE, "cannot send to Redis");
    return read_reply(r, out, err);
}

/* Connect, then AUTH and SELECT as the URL says. */
static int ensure_connected(redis *r, em_error *err)
{
    if (r->fd >= 0)
        return EM_OK;
    r->fd = dial(r);
    if (r->fd < 0)
        return em_error_set(err, EM_E_UNAVAILABLE, "cannot connect to Redis at %s:%s", r->host, r->port);
    redis_reply rep = {0};
    int rc = EM_OK;
    if (r->password[0] != '\0') {
        const char *auth_user[] = {"AUTH", r->user, r->password};
        const char *auth[] = {"AUTH", r->password};
        rc = r->user[0] != '\0' ? round_trip(r, 3, auth_user, NULL, &rep, err)
                                : round_trip(r, 2, auth, NULL, &rep, err);
        if (rc == EM_OK && rep.type == REDIS_ERROR)
            rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis refused the credentials of REDIS_URL");
        redis_reply_cleanup(&rep);
    }
    if (rc == EM_OK && r->db != 0) {
        char db[16];
        snprintf(db, sizeof db, "%d", r->db);
        const char *sel[] = {"SELECT", db};
        rc = round_trip(r, 2, sel, NULL, &rep, err);
        if (rc == EM_OK && rep.type == REDIS_ERROR)
            rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis refused database %d", r->db);
        redis_reply_cleanup(&rep);
    }
    if (rc != EM_OK)
        disconnect(r);
    return rc;
}

int redis_command(redis *r, int argc, const char *const *argv, const size_t *lens, redis_reply *out,
                  em_error *err)
{
    memset(out, 0, sizeof *out);
    if (argc < 1 || argc > REDIS_ARGS_MAX)
        return em_error_set(err, EM_E_INVAL, "a Redis command takes 1 to %d arguments", REDIS_ARGS_MAX);
    pthread_mutex_lock(&r->mu);
    int rc = ensure_connected(r, err);
    if (rc == EM_OK)
        rc = round_trip(r, argc, argv, lens, out, err);
    if (rc != EM_OK) {
        /* whatever was half-read, the next command starts on a new connection */
        disconnect(r);
        redis_reply_cleanup(out);
        if (rc == EM_E_PARSE)
            rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis sent what is not a reply");
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int redis_ping(redis *r, em_error *err)
{
    const char *argv[] = {"PING"};
    redis_reply rep;
    int rc = redis_command(r, 1, argv, NULL, &rep, err);
    if (rc == EM_OK && !(rep.type == REDIS_STATUS && strcmp(rep.str, "PONG") == 0))
        rc = em_error_set(err, EM_E_UNAVAILABLE, "Redis answered PING with %s",
                          rep.str != NULL ? rep.str : "nothing");
    redis_reply_cleanup(&rep);
    return rc;
}
