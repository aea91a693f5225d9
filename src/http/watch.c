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
 * The same thread wakes when the earliest heartbeat is due. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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

static void *watch_main(void *arg)
{
    http__watch *w = arg;
    struct epoll_event ev[WATCH_EVENTS];
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        int timeout = heartbeats(w);
        pthread_mutex_unlock(&w->mu);
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
    if (w->wake >= 0)
        close(w->wake);
    if (w->ep >= 0)
        close(w->ep);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
