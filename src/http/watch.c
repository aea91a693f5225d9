/* watch: one thread per server that watches the sockets of streaming
 * connections and sends their heartbeats (see http_int.h).
 *
 * libmicrohttpd does not poll a suspended connection, and a streaming
 * connection is suspended whenever its producer has nothing to send, so
 * without this a client that goes away would be noticed only at the next
 * write. The thread keeps its own epoll set with the socket of every stream
 * (EPOLLRDHUP: the peer closed or shut down its side; EPOLLHUP, EPOLLERR),
 * and on an event closes the stream: its producer learns at once (a blocked
 * writer wakes with EM_E_CANCELED), and the connection is resumed so
 * libmicrohttpd cuts it and reports the request over. A client that only
 * shuts down its sending side counts as gone.
 *
 * Entries are found by a number, never by a pointer handed to epoll: an event
 * may still be pending for an entry removed in the meantime, and is then
 * ignored. An entry's stream stays alive while the entry exists, because the
 * request removes the entry (under the lock) before it lets go of its hold.
 * The same thread wakes when the earliest heartbeat is due.
 *
 * It also enforces the request deadlines of every connection (see
 * http_int.h): it looks at them every WATCH_DEADLINE_TICK_MS at most, or
 * sooner when one is due, while any connection is open, and sleeps without
 * them while none is. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/http_int.h"

/* Events taken from epoll at a time. */
#define WATCH_EVENTS 64
/* The longest the thread sleeps without a reason (a safety net). */
#define WATCH_MAX_SLEEP_MS 60000
/* While connections are open, how often their deadlines are looked at at
 * least: a deadline moved earlier meanwhile (a keep-alive connection's next
 * request) is enforced this late at most. */
#define WATCH_DEADLINE_TICK_MS 250
/* Connections cut in one pass that get a log line each; the rest are counted. */
#define WATCH_CUTS_LOGGED 32

/* A connection's deadline word: a monotonic time in µs, or one of these. */
#define DUE_NONE 0
#define DUE_CUT (-1)

/* What a connection waits for; names for the log. */
typedef enum conn_wait { WAIT_REQUEST, WAIT_HEADERS, WAIT_BODY, WAIT_NOTHING } conn_wait;
static const char *const wait_names[] = {"request", "headers", "body", "nothing"};

struct http__watch_conn {
    http__watch_conn *prev, *next; /* in the watcher's list (conn_mu) */
    int fd;                        /* the socket (libmicrohttpd's) */
    atomic_llong due_us;           /* the deadline in force: µs, DUE_NONE, or DUE_CUT once claimed */
    atomic_int waiting;            /* conn_wait, for the log */
    int64_t start_us;              /* I/O thread only: when this request's clock started */
    int64_t header_us, total_us;   /* the deadlines' lengths (0: none) */
    char peer[HTTP_IP_TEXT_MAX];   /* the TCP peer, for the log */
};

struct http__watch_entry {
    http__watch_entry *prev, *next;
    http_stream *s;           /* borrowed: alive while the entry exists */
    int fd;                   /* the connection's socket */
    uint64_t id;              /* epoll's data for it (never 0: that is the wake-up) */
    bool armed;               /* in the epoll set */
};

struct http__watch {
    pthread_mutex_t mu;       /* guards everything below */
    http__watch_entry *head;
    uint64_t next_id;
    int ep;                   /* owned: epoll */
    int wake;                 /* owned: eventfd, in the epoll set with data 0 */
    bool closing;             /* http__watch_close_all ran */
    bool stop;
    pthread_t thread;
    bool running;
    /* request deadlines */
    pthread_mutex_t conn_mu;  /* guards conns and conns_asleep; a socket is shut down only under it */
    http__watch_conn *conns;  /* every open connection, when a deadline is set */
    bool conns_asleep;        /* the thread sleeps without looking at deadlines: wake it on add */
    int header_s, request_s;  /* the deadlines (0: none), set before the first connection */
};

static void wake_thread(http__watch *w)
{
    uint64_t one = 1;
    ssize_t n = write(w->wake, &one, sizeof one);
    (void)n; /* a full counter already means "wake up" */
}

/* Send the heartbeats that are due; returns how long to sleep (ms, -1: until
 * an event). With the lock held. */
static int heartbeats(http__watch *w)
{
    int64_t now = clock_mono_us();
    int64_t next = -1;
    for (http__watch_entry *e = w->head; e != NULL; e = e->next) {
        int64_t due = http__stream_heartbeat_due(e->s);
        if (due >= 0 && due <= now) {
            http__stream_heartbeat(e->s, now);
            due = http__stream_heartbeat_due(e->s);
        }
        if (due >= 0 && (next < 0 || due < next))
            next = due;
    }
    if (next < 0)
        return WATCH_MAX_SLEEP_MS;
    int64_t ms = (next - now + 999) / 1000;
    return ms < 0 ? 0 : ms > WATCH_MAX_SLEEP_MS ? WATCH_MAX_SLEEP_MS : (int)ms;
}

/* The client of entry `id` went away: close its stream. With the lock held. */
static void client_gone(http__watch *w, uint64_t id)
{
    for (http__watch_entry *e = w->head; e != NULL; e = e->next) {
        if (e->id != id)
            continue;
        if (e->armed) {
            epoll_ctl(w->ep, EPOLL_CTL_DEL, e->fd, NULL);
            e->armed = false;
        }
        http__stream_close(e->s);
        return;
    }
    /* removed meanwhile: nothing to do */
}

/* A connection cut, for its log line (written after the lock is let go). */
typedef struct cut {
    char peer[HTTP_IP_TEXT_MAX];
    conn_wait waiting;
} cut;

static void log_cuts(const http__watch *w, const cut *cuts, int n, unsigned more)
{
    /* the header deadline is the whole request's when that is shorter */
    int header_limit = w->header_s;
    if (header_limit == 0 || (w->request_s > 0 && w->request_s < header_limit))
        header_limit = w->request_s;
    for (int i = 0; i < n; i++) {
        conn_wait what = cuts[i].waiting;
        int limit = what == WAIT_BODY ? w->request_s : header_limit;
        /* A connection that sent nothing of a request (an idle keep-alive
         * one, mostly) is closed as a matter of course: debug. */
        log_emit(what == WAIT_REQUEST ? LOG_DEBUG : LOG_INFO, "http: request deadline passed, connection closed",
                 json_pack("{s:s, s:s, s:i}", "peer", cuts[i].peer, "waiting_for", wait_names[what], "limit_s",
                           limit));
    }
    if (more > 0)
        log_emit(LOG_INFO, "http: request deadline passed, connections closed",
                 json_pack("{s:i}", "more", (int)more));
}

/* Cut the connections whose deadline has passed; returns how long to sleep
 * (ms) before looking again. */
static int deadlines(http__watch *w)
{
    cut cuts[WATCH_CUTS_LOGGED];
    int ncut = 0;
    unsigned more = 0;
    int64_t now = clock_mono_us();
    int64_t next = -1;
    pthread_mutex_lock(&w->conn_mu);
    bool none = w->conns == NULL;
    w->conns_asleep = none;
    for (http__watch_conn *c = w->conns; c != NULL; c = c->next) {
        long long due = atomic_load(&c->due_us);
        if (due == DUE_NONE || due == DUE_CUT)
            continue;
        if (due > now) {
            if (next < 0 || due < next)
                next = due;
            continue;
        }
        /* What it was waiting for, read before the claim: once the socket is
         * shut down, the I/O thread ends the request and marks the
         * connection as waiting for a new one (conn_set stores `waiting`
         * before it tries to move the deadline, and gives up on DUE_CUT). */
        conn_wait waiting = (conn_wait)atomic_load(&c->waiting);
        /* Claim it: fails when the I/O thread moved the deadline meanwhile
         * (the request arrived just now); then it is looked at next time. */
        if (!atomic_compare_exchange_strong(&c->due_us, &due, DUE_CUT))
            continue;
        if (shutdown(c->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
            log_msg(LOG_WARN, "http: cannot shut down a connection past its deadline: %s", strerror(errno));
        if (ncut < WATCH_CUTS_LOGGED) {
            memcpy(cuts[ncut].peer, c->peer, sizeof cuts[ncut].peer);
            cuts[ncut].waiting = waiting;
            ncut++;
        } else {
            more++;
        }
    }
    pthread_mutex_unlock(&w->conn_mu);
    log_cuts(w, cuts, ncut, more);
    if (none)
        return WATCH_MAX_SLEEP_MS; /* until a connection is added */
    int64_t ms = next < 0 ? WATCH_DEADLINE_TICK_MS : (next - now + 999) / 1000;
    return ms > WATCH_DEADLINE_TICK_MS ? WATCH_DEADLINE_TICK_MS : (int)ms;
}

static void *watch_main(void *arg)
{
    http__watch *w = arg;
    struct epoll_event ev[WATCH_EVENTS];
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        int timeout = heartbeats(w);
        pthread_mutex_unlock(&w->mu);
        int cut_timeout = deadlines(w);
        if (cut_timeout < timeout)
            timeout = cut_timeout;
        int n = epoll_wait(w->ep, ev, WATCH_EVENTS, timeout);
        if (n < 0 && errno != EINTR)
            log_msg(LOG_ERROR, "http: the stream watcher's epoll_wait failed: %s", strerror(errno));
        pthread_mutex_lock(&w->mu);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.u64 == 0) {
                uint64_t count;
                ssize_t r = read(w->wake, &count, sizeof count);
                (void)r;
            } else {
                client_gone(w, ev[i].data.u64);
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int http__watch_new(http__watch **out)
{
    int rc = EM_E_INTERNAL;
    *out = NULL;
    http__watch *w = em_calloc(1, sizeof *w);
    w->ep = -1;
    w->wake = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->conn_mu, NULL);
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    if (w->ep < 0)
        goto fail; /* only the struct and its mutex so far */
    w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->wake < 0)
        goto fail;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &ev) != 0)
        goto fail;
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0)
        goto fail;
    w->running = true;
    *out = w;
    return EM_OK;

fail:
    log_msg(LOG_ERROR, "http: cannot start the stream watcher: %s", strerror(errno));
    http__watch_free(w);
    return rc;
}

http__watch_entry *http__watch_add(http__watch *w, http_stream *s, int fd)
{
    http__watch_entry *e = em_calloc(1, sizeof *e);
    e->s = s;
    e->fd = fd;
    pthread_mutex_lock(&w->mu);
    e->id = ++w->next_id;
    e->next = w->head;
    if (w->head != NULL)
        w->head->prev = e;
    w->head = e;
    if (w->closing) {
        http__stream_close(s);
    } else if (fd >= 0) {
        struct epoll_event ev = {.events = EPOLLRDHUP, .data.u64 = e->id}; /* EPOLLHUP, EPOLLERR implied */
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) == 0)
            e->armed = true;
        else
            log_msg(LOG_WARN, "http: cannot watch a streaming connection: %s", strerror(errno));
    }
    pthread_mutex_unlock(&w->mu);
    if (http__stream_heartbeat_due(s) >= 0)
        wake_thread(w); /* its heartbeat may be due before the thread's next wake-up */
    return e;
}

void http__watch_remove(http__watch *w, http__watch_entry *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    if (e->armed)
        epoll_ctl(w->ep, EPOLL_CTL_DEL, e->fd, NULL);
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        w->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    pthread_mutex_unlock(&w->mu);
    free(e);
}

void http__watch_close_all(http__watch *w)
{
    pthread_mutex_lock(&w->mu);
    w->closing = true;
    for (http__watch_entry *e = w->head; e != NULL; e = e->next)
        http__stream_close(e->s);
    pthread_mutex_unlock(&w->mu);
}

void http__watch_stop(http__watch *w)
{
    if (w == NULL || !w->running)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_mutex_unlock(&w->mu);
    wake_thread(w);
    pthread_join(w->thread, NULL);
    w->running = false;
}

void http__watch_free(http__watch *w)
{
    if (w == NULL)
        return;
    http__watch_stop(w);
    while (w->head != NULL) { /* every request should have removed its entry */
        http__watch_entry *e = w->head;
        log_msg(LOG_WARN, "http: a stream was still watched when the server was freed");
        w->head = e->next;
        free(e);
    }
    while (w->conns != NULL) { /* every closed connection should have been removed */
        http__watch_conn *c = w->conns;
        log_msg(LOG_WARN, "http: a connection was still tracked when the server was freed");
        w->conns = c->next;
        free(c);
    }
    if (w->wake >= 0)
        close(w->wake);
    if (w->ep >= 0)
        close(w->ep);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->conn_mu);
    free(w);
}

/* ---- request deadlines ---- */

void http__watch_deadlines(http__watch *w, int header_s, int request_s)
{
    pthread_mutex_lock(&w->conn_mu);
    w->header_s = header_s > 0 ? header_s : 0;
    w->request_s = request_s > 0 ? request_s : 0;
    pthread_mutex_unlock(&w->conn_mu);
}

/* Move c's deadline to `due` unless the watcher has claimed it. */
static void conn_set(http__watch_conn *c, long long due, conn_wait waiting)
{
    atomic_store_explicit(&c->waiting, (int)waiting, memory_order_relaxed);
    long long old = atomic_load(&c->due_us);
    do {
        if (old == DUE_CUT)
            return; /* being cut: stays so */
    } while (!atomic_compare_exchange_weak(&c->due_us, &old, due));
}

/* The deadline for a request's headers, its clock having started at start_us. */
static long long header_due(const http__watch_conn *c)
{
    int64_t len = c->header_us;
    if (len == 0 || (c->total_us > 0 && c->total_us < len))
        len = c->total_us;
    return len > 0 ? c->start_us + len : DUE_NONE;
}

http__watch_conn *http__watch_conn_add(http__watch *w, int fd, const char *peer)
{
    if ((w->header_s == 0 && w->request_s == 0) || fd < 0)
        return NULL;
    http__watch_conn *c = em_calloc(1, sizeof *c);
    c->fd = fd;
    c->header_us = (int64_t)w->header_s * 1000000;
    c->total_us = (int64_t)w->request_s * 1000000;
    c->start_us = clock_mono_us();
    snprintf(c->peer, sizeof c->peer, "%s", peer != NULL ? peer : "");
    atomic_init(&c->waiting, WAIT_REQUEST);
    atomic_init(&c->due_us, header_due(c));
    pthread_mutex_lock(&w->conn_mu);
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    bool wake = w->conns_asleep;
    w->conns_asleep = false;
    pthread_mutex_unlock(&w->conn_mu);
    if (wake)
        wake_thread(w); /* it sleeps without looking at deadlines */
    return c;
}

void http__watch_conn_remove(http__watch *w, http__watch_conn *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&w->conn_mu);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&w->conn_mu);
    free(c);
}

void http__watch_conn_request(http__watch_conn *c)
{
    if (c != NULL)
        atomic_store_explicit(&c->waiting, WAIT_HEADERS, memory_order_relaxed);
}

void http__watch_conn_headers(http__watch_conn *c)
{
    if (c != NULL)
        conn_set(c, c->total_us > 0 ? c->start_us + c->total_us : DUE_NONE, WAIT_BODY);
}

void http__watch_conn_arrived(http__watch_conn *c)
{
    if (c != NULL)
        conn_set(c, DUE_NONE, WAIT_NOTHING);
}

void http__watch_conn_idle(http__watch_conn *c)
{
    if (c == NULL)
        return;
    c->start_us = clock_mono_us();
    conn_set(c, header_due(c), WAIT_REQUEST);
}
