/* fuzz_http_input: libFuzzer target for the HTTP layer's parsers of outside
 * input: the route matcher (first line = method, second = path), the query
 * string parser, http_req_json on a fake request, the whole middleware on a
 * fake request, and the text escaping used for error bodies and access logs.
 *
 * Run: ./fuzz_http_input -max_total_time=60 fuzz/corpus/http_input */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_fake.h"
#include "http/http_int.h"
#include "http/router.h"

/* Built once in LLVMFuzzerInitialize, read-only afterwards (like the server's). */
static router *g_routes;
static http_site g_site;
static const char *const g_origins[] = {"https://app.example"};

static void h_ok(http_req *req, http_res *res)
{
    const char *id = http_req_param(req, "id");
    const char *q = http_req_query(req, "q");
    json_t *body = NULL;
    if (strcmp(req->method, "POST") == 0 && http_req_json(req, &body, res) != 0)
        return;
    json_decref(body);
    http_res_json(res, 200, json_pack("{s:s?,s:s?}", "id", id, "q", q));
}

/* Guarded routes are refused with a JSON 401, like the product's. */
static bool deny_all(void *ctx, http_req *req, http_res *res, http_access access, unsigned route_flags)
{
    (void)ctx;
    (void)req;
    (void)access;
    (void)route_flags;
    http_res_error(res, 401, "unauthorized", "authentication required");
    return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_ERROR, 2);
    g_routes = router_new();
    static const char *const patterns[] = {
        "/", "/health", "/api/users/{id}", "/api/users/me", "/api/sessions/{sid}/topics/{id}",
        "/api/{a}/{b}/{c}/x", "/files/{id}",
    };
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        router_add(g_routes, "GET", patterns[i], h_ok);
        router_add(g_routes, "POST", patterns[i], h_ok);
    }
    router_add(g_routes, "DELETE", "/api/users/{id}", h_ok);
    router_add(g_routes, "GET", "/static/{path...}", h_ok);
    const http_route guarded = {"PATCH", "/api/users/{id}", h_ok, HTTP_SIGNED_IN, 0};
    router_add_route(g_routes, &guarded);
    g_site = (http_site){.routes = g_routes, .cors_origins = g_origins, .n_cors_origins = 1, .hsts = true,
                         .authenticate = deny_all};
    return 0;
}

/* The next '\n'-terminated line of the input as a NUL-terminated copy (at most
 * max bytes), advancing *p. */
static char *take_line(const uint8_t **p, const uint8_t *end, size_t max)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl != NULL ? nl : end) - *p);
    char *s = malloc((n < max ? n : max) + 1);
    memcpy(s, *p, n < max ? n : max);
    s[n < max ? n : max] = '\0';
    *p = nl != NULL ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *method = take_line(&p, end, 32);
    char *target = take_line(&p, end, 4096);

    /* 1. the route matcher, directly */
    arena *a = arena_new(0);
    const http_route *h = NULL;
    http_param params[HTTP_MAX_PARAMS];
    int nparams = 0;
    char allow[128];
    route_result rr = router_match(g_routes, method, target, a, &h, params, &nparams, allow, sizeof allow);
    if (rr == ROUTE_FOUND) {
        if (h == NULL || h->handler == NULL)
            abort();
        for (int i = 0; i < nparams; i++) {
            if (params[i].value == NULL || strlen(params[i].name) == 0)
                abort();
        }
    }

    /* 2. the query parser, on the whole input */
    const char *names[HTTP_MAX_QUERY], *values[HTTP_MAX_QUERY];
    int nq = http__query_parse(a, (const char *)data, size, names, values, HTTP_MAX_QUERY);
    if (nq < 0 || nq > HTTP_MAX_QUERY)
        abort();
    for (int i = 0; i < nq; i++) {
        if (names[i][0] == '\0')
            abort();
    }
    arena_free(a);

    /* 3. http_req_json on the rest as a body */
    static const char *const json_headers[] = {"Content-Type", "application/json", "Origin",
                                               "https://app.example", NULL};
    http_fake *f = http_fake_new("POST", "/x", json_headers, (const char *)p, (size_t)(end - p));
    json_t *v = NULL;
    int rc = http_req_json(http_fake_req(f), &v, http_fake_res(f));
    if ((rc == 0) != (v != NULL))
        abort();
    json_decref(v);
    http_fake_free(f);

    /* 4. the whole middleware with the fuzzed method, target and body */
    f = http_fake_new(method, target, json_headers, (const char *)p, (size_t)(end - p));
    http_fake_run(f, &g_site);
    size_t blen;
    const char *body = http_fake_body(f, &blen);
    if (http_fake_status(f) == 0)
        abort();
    if (blen > 0) {
        json_t *answer = json_loadb(body, blen, 0, NULL);
        if (answer == NULL)
            abort(); /* every answer here is JSON */
        json_decref(answer);
    }
    http_fake_free(f);

    /* 5. the escaping behind error bodies and access-log lines */
    char line[HTTP_ACCESS_LINE_MAX];
    char *text = malloc(size + 1); /* the path is a C string in the server */
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = http__access_format(line, sizeof line, "ts", method, text, 200, size, 1, "r");
    free(text);
    json_t *parsed = json_loadb(line, n, 0, NULL);
    if (parsed == NULL)
        abort();
    json_decref(parsed);
    char clean[256];
    json_utf8_sanitize(clean, sizeof clean, (const char *)data, size);
    parsed = json_string(clean);
    if (parsed == NULL)
        abort(); /* the sanitiser must give valid UTF-8 */
    json_decref(parsed);

    free(method);
    free(target);
    return 0;
}
