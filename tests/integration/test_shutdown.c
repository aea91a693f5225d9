/* Graceful shutdown on SIGTERM: stop accepting, finish what is in flight within
 * the grace period, exit cleanly. Uses raw sockets to hold a request open. */
#include "it_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether a new connection gets no service: refused outright, or accepted and
 * closed (or reset) without a byte of answer to a complete request. */
static bool refused_or_closed(int port)
{
    int fd = connect_to(port);
    if (fd < 0)
        return true;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const char req[] = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";
    (void)send(fd, req, sizeof req - 1, MSG_NOSIGNAL); /* may fail: already closed */
    char c;
    ssize_t n = recv(fd, &c, 1, 0);
    int e = errno;
    close(fd);
    return n == 0 || (n < 0 && (e == ECONNRESET || e == EPIPE));
}

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Half a request is on the wire when SIGTERM arrives; the rest follows and the
 * request still gets its answer, new connections are not served meanwhile. */
static void shutdown_finishes_in_flight_request(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, NULL);
    const char *body = "{\"email\":\"nobody@example.org\",\"password\":\"not the password\"}";
    char head[256];
    snprintf(head, sizeof head,
             "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             strlen(body));
    int fd = connect_to(s.port);
    assert_true(fd >= 0);
    send_all(fd, head);
    send_all(fd, "{\"email\":");
    sleep_ms(200);
    pid_t pid = s.pid;
    kill(pid, SIGTERM);
    sleep_ms(500);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* still running: a request is in flight */
    assert_true(refused_or_closed(s.port)); /* no new connections are served */
    send_all(fd, body + strlen("{\"email\":"));
    char resp[4096] = {0};
    size_t got = 0;
    ssize_t n;
    while (got < sizeof resp - 1 && (n = recv(fd, resp + got, sizeof resp - 1 - got, 0)) > 0)
        got += (size_t)n;
    close(fd);
    if (strncmp(resp, "HTTP/1.1 401", 12) != 0) /* no such account: a complete answer */
        fail_msg("in-flight request got: %s", resp);
    assert_non_null(strstr(resp, "\"invalid_credentials\""));
    assert_int_equal(it_server_stop(&s), 0);
    char *log = it_server_log(&s);
    assert_non_null(strstr(log, "\"shutting down\""));
    assert_non_null(strstr(log, "\"stopped\""));
    free(log);
    it_backend_teardown(&b);
}

/* A client that never finishes its request cannot hold the server past the
 * grace period. */
static void shutdown_is_bounded_by_grace_period(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    const char *env[] = {"SHUTDOWN_GRACE_SECONDS=1", NULL};
    it_server s;
    it_server_start(&s, &b, env);
    int fd = connect_to(s.port);
    assert_true(fd >= 0);
    send_all(fd, "POST /api/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Content-Length: 100\r\n\r\n{");
    sleep_ms(200);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(it_server_stop(&s), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 5.0);
    close(fd);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(shutdown_finishes_in_flight_request),
        cmocka_unit_test(shutdown_is_bounded_by_grace_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
