/* limits: how many connections the server admits, sized from the process's
 * open-file limit (see server.h and http_int.h).
 *
 * Every connection holds a socket, and may hold one more descriptor while it
 * lasts: an upload's spool file, or the file a download is sent from. The
 * rest of the process needs descriptors too (the database, storage, the log,
 * the job worker), and a connection limit above what the descriptors allow
 * would let clients take them all: then the database cannot open a file and
 * every request fails, not only the new connections. So the connection limit
 * leaves LIMITS_FD_RESERVE descriptors to the rest and counts two per
 * connection.
 *
 * libmicrohttpd splits the connection limit evenly between its pool threads
 * (each accepts from the listening socket until its share is used), and
 * counts connections per client address across all of them. One address is
 * held to three quarters of a thread's share, so that whichever threads its
 * connections land on, others can still connect: a client at its limit never
 * takes the room /health from elsewhere needs. */
#include <limits.h>
#include <sys/resource.h>

#include "http/http_int.h"
#include "http/server.h"

/* Descriptors left to everything but the connections. */
#define LIMITS_FD_RESERVE 256
/* Descriptors a connection may hold: its socket and a spool file or a file body. */
#define LIMITS_FDS_PER_CONNECTION 2
/* Most connections however large the file limit: each can take up to 32 KiB
 * of libmicrohttpd's memory and 4 KiB of ours. */
#define LIMITS_CONNECTIONS_MAX 16384
/* Fewest connections per pool thread, even when the file limit is tiny. */
#define LIMITS_CONNECTIONS_PER_THREAD_MIN 8

long http_server_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur != RLIM_INFINITY && (rl.rlim_max == RLIM_INFINITY || rl.rlim_cur < rl.rlim_max)) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl.rlim_cur = rl.rlim_max;
        /* else (a hard limit of "unlimited" that the kernel refuses as a soft
         * one): keep the soft limit we have */
    }
    return http__fd_limit();
}

long http__fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)LONG_MAX)
        return LONG_MAX;
    return (long)rl.rlim_cur;
}

void http__limits_size(long fd_limit, int threads, int per_ip, http_server_limits *out)
{
    if (threads < 1)
        threads = 1;
    long conns = LIMITS_CONNECTIONS_MAX;
    if (fd_limit >= 0 && fd_limit < LIMITS_FD_RESERVE + (long)LIMITS_FDS_PER_CONNECTION * LIMITS_CONNECTIONS_MAX)
        conns = (fd_limit - LIMITS_FD_RESERVE) / LIMITS_FDS_PER_CONNECTION;
    long least = (long)threads * LIMITS_CONNECTIONS_PER_THREAD_MIN;
    if (conns < least)
        conns = least;
    long per_thread = conns / threads;
    long per_ip_max = per_thread - per_thread / 4;
    out->fd_limit = fd_limit;
    out->connections = (unsigned)conns;
    out->per_ip = 0;
    out->per_ip_lowered = false;
    if (per_ip > 0) {
        out->per_ip = (unsigned)per_ip;
        if ((long)per_ip > per_ip_max) {
            out->per_ip = (unsigned)per_ip_max;
            out->per_ip_lowered = true;
        }
    }
}
