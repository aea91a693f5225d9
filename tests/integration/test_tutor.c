/* The tutor from outside the real binary, on the Bash reference manual:
 * clients that read the stream's start line and leave (the server stays
 * healthy, and the ASan build exits without leaks), 32 streams open at once
 * while /health answers, a whole stream read to its end, and another student
 * who names your material (404 from explain, a not_found error line in the
 * stream); a provider this build lacks is refused at start. */
#include "it_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define STREAMS 32

/* 32 streams of one student at once, below */
static const char *const env[] = {IT_FAST_HASH, "TUTOR_STREAMS_PER_USER=64", NULL};

/* The student uploads the manual and waits until it is extracted. */
static void upload_manual(const it_server *s, const it_account *a, char id[64])
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/../fixtures/bashref.md", (int)(slash - __FILE__), __FILE__);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "title", "Bash Reference Manual", "format", "markdown", "text", text);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(a, auth, sizeof auth), NULL};
    it_response r;
    it_http(s, "POST", "/api/materials", h, body, strlen(body), &r);
    free(body);
    if (r.status != 202)
        fail_msg("upload: %ld %s", r.status, r.body);
    j = it_json(&r);
    snprintf(id, 64, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(&r);
    snprintf(path, sizeof path, "/api/materials/%s", id);
    for (int i = 0; i < 600; i++) {
        it_http(s, "GET", path, h, NULL, 0, &r);
        j = it_json(&r);
        const char *status = json_string_value(json_object_get(j, "status"));
        bool done = status != NULL && (strcmp(status, "ready") == 0 || strcmp(status, "failed") == 0);
        if (done)
            assert_string_equal(status, "ready");
        json_decref(j);
        it_response_free(&r);
        if (done)
            return;
        usleep(100 * 1000);
    }
    fail_msg("the manual was not extracted in 60 s");
}

static int raw_connect(const it_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->port);
    assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Send POST /api/tutor/stream with body as a, on a new connection. */
static int stream_open(const it_server *s, const it_account *a, const char *body)
{
    int fd = raw_connect(s);
    char req[4096];
    int n = snprintf(req, sizeof req,
                     "POST /api/tutor/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     a->access, strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof req);
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    return fd;
}

/* Read from fd into got (NUL-terminated) until `text` is in it or the peer
 * ends; true when found. */
static bool read_until(int fd, char *got, size_t cap, const char *text)
{
    size_t len = 0;
    got[0] = '\0';
    while (strstr(got, text) == NULL && len + 1 < cap) {
        ssize_t r = recv(fd, got + len, cap - 1 - len, 0);
        if (r <= 0)
            return false;
        len += (size_t)r;
        got[len] = '\0';
    }
    return strstr(got, text) != NULL;
}

static void expect_health(const it_server *s)
{
    it_response r;
    it_http(s, "GET", "/health", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    it_response_free(&r);
}

static void tutor_streams_from_outside(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account student, other;
    it_register(&s, "student@example.org", &student);
    it_register(&s, "other@example.org", &other);
    char manual[64];
    upload_manual(&s, &student, manual);
    static char got[1 << 20];
    const char *ask = "{\"question\":\"How do I leave a loop early?\"}";

    /* A whole stream: 200, NDJSON, start first, an answer, done last. */
    int fd = stream_open(&s, &student, ask);
    assert_true(read_until(fd, got, sizeof got, "\r\n0\r\n\r\n"));
    close(fd);
    assert_non_null(strstr(got, "HTTP/1.1 200"));
    assert_non_null(strstr(got, "application/x-ndjson"));
    const char *start = strstr(got, "{\"type\":\"start\"");
    const char *delta = strstr(got, "{\"type\":\"delta\"");
    const char *cite = strstr(got, "{\"type\":\"citation\"");
    const char *done = strstr(got, "{\"type\":\"done\",\"answerable\":true");
    assert_true(start != NULL && delta != NULL && cite != NULL && done != NULL);
    assert_true(start < delta && delta < cite && cite < done);
    assert_non_null(strstr(got, "Bash Reference Manual"));

    /* Clients that read the start line and leave at once. */
    for (int i = 0; i < 20; i++) {
        fd = stream_open(&s, &student, i % 2 ? ask : "{\"topic\":\"shell functions\"}");
        assert_true(read_until(fd, got, sizeof got, "{\"type\":\"start\""));
        close(fd);
    }
    expect_health(&s);

    /* 32 streams open at once, none read past its start line: /health answers. */
    int fds[STREAMS];
    for (int i = 0; i < STREAMS; i++)
        fds[i] = stream_open(&s, &student, ask);
    for (int i = 0; i < STREAMS; i++)
        assert_true(read_until(fds[i], got, sizeof got, "{\"type\":\"start\""));
    expect_health(&s);
    for (int i = 0; i < STREAMS; i++)
        close(fds[i]);
    expect_health(&s);

    /* Another student names the manual: not found, the same as no such material. */
    char body[256], auth[1100];
    snprintf(body, sizeof body, "{\"question\":\"How do I leave a loop early?\",\"material_ids\":[\"%s\"]}",
             manual);
    const char *h[] = {"Content-Type: application/json", it_bearer(&other, auth, sizeof auth), NULL};
    it_response r;
    it_http(&s, "POST", "/api/tutor/explain", h, body, strlen(body), &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    fd = stream_open(&s, &other, body);
    assert_true(read_until(fd, got, sizeof got, "\r\n0\r\n\r\n"));
    close(fd);
    assert_non_null(strstr(got, "{\"type\":\"error\",\"error\":{\"code\":\"not_found\""));
    assert_null(strstr(got, "\"type\":\"delta\""));
    /* Their own question without material_ids has nothing of the student's. */
    it_http(&s, "POST", "/api/tutor/explain", h, ask, strlen(ask), &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"answerable\":false"));
    it_response_free(&r);

    /* A clean exit (in the ASan build: without leaks). */
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* A provider this build does not have: serve refuses to start and says why. */
static void tutor_unknown_provider_refused(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *const bad[] = {IT_FAST_HASH, "LLM_PROVIDER=openai", "OPENAI_API_KEY=sk-test", NULL};
    char *out = NULL;
    assert_int_not_equal(it_server_run_to_exit(&b, bad, &out), 0);
    if (strstr(out, "LLM_PROVIDER=openai is not available in this build") == NULL)
        fail_msg("no reason given: %s", out);
    free(out);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(tutor_streams_from_outside),
        IT_BOTH(tutor_unknown_provider_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
