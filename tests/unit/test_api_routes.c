/* Handler tests for src/api/routes.c: the access column of every route of
 * api_routes(), walked from the table itself so that a new route is covered
 * as soon as it is added. Each route is called anonymously, as a student, as
 * a tutor and as an admin, with {parameters} filled with random UUIDs and an
 * empty JSON object as the body of POST, PUT and PATCH:
 *
 *   HTTP_PUBLIC     never 401 for anyone;
 *   HTTP_SIGNED_IN  401 with WWW-Authenticate anonymously; for a student, a
 *                   tutor and an admin never 401, 405, a 5xx, or the
 *                   router's "no route" 404 (a 404 for the random id is the
 *                   resource's);
 *   HTTP_ADMIN      401 anonymously; to a student and a tutor exactly the
 *                   answer of a route that does not exist; to an admin never
 *                   401, 405, 500 or "no route".
 *
 * Routes whose answer depends on the caller's role or relation to a real
 * resource have a row of expected statuses per caller (the role matrix).
 *
 * And across the table: a cookie session must send X-CSRF-Token on every
 * state-changing route (403 csrf_failed without it, past the check with it,
 * GET needs none); tokens of a disabled account, signed with another key, or
 * expired are 401 everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api_fixture.h"
#include "auth/token.h"
#include "core/ids.h"

#define TARGET_MAX 512

/* The route's pattern with every {parameter} segment replaced by a random UUID. */
static void fill_path(const char *pattern, char out[TARGET_MAX])
{
    size_t k = 0;
    for (const char *p = pattern; *p != '\0';) {
        if (*p == '{') {
            char id[ID_UUID_LEN + 1];
            id_uuid7(id);
            k += (size_t)snprintf(out + k, TARGET_MAX - k, "%s", id);
            const char *end = strchr(p, '}');
            assert_non_null(end);
            p = end + 1;
        } else {
            assert_true(k + 1 < TARGET_MAX);
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
}

static bool has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
}

static bool changes_state(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
}

static const char *access_name(http_access a)
{
    return a == HTTP_PUBLIC      ? "public"
           : a == HTTP_SIGNED_IN ? "signed-in"
           : a == HTTP_ADMIN     ? "admin"
                                 : "unset";
}

/* The router's own 404 ("no route for METHOD PATH"). */
static bool no_route(http_fake *f)
{
    if (http_fake_status(f) != 404)
        return false;
    return strncmp(error_message(f), "no route for ", 13) == 0;
}

/* The error code of an answer, "" when it is not an error. In the fake's arena. */
static const char *error_code(http_fake *f)
{
    json_t *j = json_loads(http_fake_body(f, NULL), 0, NULL);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    const char *copy = arena_strdup(http_fake_req(f)->arena, c != NULL ? c : "");
    json_decref(j);
    return copy;
}

/* Fail naming the route, the caller and the answer. */
#define ROUTE_FAIL(r, who, f, what)                                                                          \
    fail_msg("%s %s (%s) as %s: %s; got %d %s", (r)->method, (r)->pattern, access_name((r)->access), who,    \
             what, http_fake_status(f), http_fake_body(f, NULL))

/* Every route states who may call it, the admin prefixes are admin-only, and
 * the table registers whole. */
static void api_routes_table_complete(void **state)
{
    api_fx *t = api_fx_of(state);
    size_t n = 0;
    const http_route *table = api_routes(&n);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const http_route *r = &table[i];
        if (r->access == HTTP_ACCESS_UNSET)
            fail_msg("%s %s has no access", r->method, r->pattern);
        assert_true(r->access == HTTP_PUBLIC || r->access == HTTP_SIGNED_IN || r->access == HTTP_ADMIN);
        assert_non_null(r->handler);
        assert_true(r->pattern[0] == '/');
        /* The operators' areas are admin-only whatever the route. */
        if ((strncmp(r->pattern, "/api/admin/", 11) == 0 || strncmp(r->pattern, "/api/workers/", 13) == 0) &&
            r->access != HTTP_ADMIN)
            fail_msg("%s %s is under an admin prefix but %s", r->method, r->pattern, access_name(r->access));
        char path[TARGET_MAX];
        fill_path(r->pattern, path);
        const http_route *found = router_lookup(t->routes, r->method, path);
        if (found == NULL || found->handler != r->handler)
            fail_msg("%s %s does not resolve to its own handler", r->method, path);
        assert_int_equal(found->access, r->access);
    }
}

static void check_anonymous(api_fx *t, const http_route *r, const char *path, const char *body)
{
    http_fake *f = call(t, r->method, path, WHO_ANON, body);
    if (r->access == HTTP_PUBLIC) {
        if (http_fake_status(f) == 401)
            ROUTE_FAIL(r, "anonymous", f, "a public route answered 401");
        if (no_route(f))
            ROUTE_FAIL(r, "anonymous", f, "the route is not served");
    } else {
        if (http_fake_status(f) != 401)
            ROUTE_FAIL(r, "anonymous", f, "expected 401");
        expect_error(f, 401, "unauthorized");
        assert_string_equal(http_fake_header(f, "WWW-Authenticate"), "Bearer");
    }
    http_fake_free(f);
}

/* A caller who is not an admin (a student, a tutor). */
static void check_not_admin(api_fx *t, const http_route *r, const char *path, const char *body,
                            const http_site *nowhere, api_who w)
{
    const char *who = w == WHO_TUTOR ? "tutor" : "student";
    http_fake *f = call(t, r->method, path, w, body);
    int status = http_fake_status(f);
    if (r->access == HTTP_ADMIN) {
        /* Exactly what a route that does not exist answers. */
        http_fake *g = http_fake_new(r->method, path, t->acct[w].h_bearer[body != NULL], body,
                                     body != NULL ? strlen(body) : 0);
        http_fake_run(g, nowhere);
        expect_error(g, 404, "not_found");
        if (status != 404 || strcmp(http_fake_body(f, NULL), http_fake_body(g, NULL)) != 0)
            ROUTE_FAIL(r, who, f, "expected the answer of a route that does not exist");
        assert_null(http_fake_header(f, "WWW-Authenticate"));
        assert_null(http_fake_header(f, "Allow"));
        http_fake_free(g);
    } else {
        if (status == 401 || status == 405 || status >= 500)
            ROUTE_FAIL(r, who, f, "expected the handler's answer");
        if (no_route(f))
            ROUTE_FAIL(r, who, f, "the route is not served");
    }
    http_fake_free(f);
}

static void check_admin(api_fx *t, const http_route *r, const char *path, const char *body)
{
    http_fake *f = call(t, r->method, path, WHO_ADMIN, body);
    int status = http_fake_status(f);
    /* The one 5xx expected: /api/workers/health's 503 "no worker running". */
    bool no_workers = status == 503 && strcmp(error_code(f), "no_workers") == 0;
    if (status == 401 || status == 405 || (status >= 500 && !no_workers) ||
        strcmp(error_code(f), "csrf_failed") == 0)
        ROUTE_FAIL(r, "admin", f, "expected the handler's answer");
    if (no_route(f))
        ROUTE_FAIL(r, "admin", f, "the route is not served");
    http_fake_free(f);
}

/* The access column of every route, for the three kinds of caller. */
static void api_routes_access_column(void **state)
{
    api_fx *t = api_fx_of(state);
    router *empty = router_new();
    http_site nowhere = t->site;
    nowhere.routes = empty;
    size_t n = 0;
    const http_route *table = api_routes(&n);
    int by_access[4] = {0};
    for (size_t i = 0; i < n; i++) {
        const http_route *r = &table[i];
        char path[TARGET_MAX];
        fill_path(r->pattern, path);
        const char *body = has_body(r->method) ? "{}" : NULL;
        check_anonymous(t, r, path, body);
        check_not_admin(t, r, path, body, &nowhere, WHO_STUDENT);
        check_not_admin(t, r, path, body, &nowhere, WHO_TUTOR);
        check_admin(t, r, path, body);
        by_access[r->access]++;
    }
    /* The table has routes of every kind (else the walk proves little). */
    assert_true(by_access[HTTP_PUBLIC] > 0);
    assert_true(by_access[HTTP_SIGNED_IN] > 0);
    assert_true(by_access[HTTP_ADMIN] > 0);

    /* The shape of a missing route, for comparison: the same code, and the
     * same message with its own method and path. */
    http_fake *f = call(t, "GET", "/api/admin/no-such-thing", WHO_STUDENT, NULL);
    expect_error(f, 404, "not_found");
    assert_string_equal(error_message(f), "no route for GET /api/admin/no-such-thing");
    http_fake_free(f);
    f = call(t, "PATCH", "/api/admin/users/x", WHO_STUDENT, "{}");
    expect_error(f, 404, "not_found");
    assert_string_equal(error_message(f), "no route for PATCH /api/admin/users/x");
    http_fake_free(f);
    router_free(empty);
}

/* A cookie session must echo the CSRF cookie on every state-changing route
 * that needs a session; reads need nothing. */
static void api_routes_cookie_csrf(void **state)
{
    api_fx *t = api_fx_of(state);
    size_t n = 0;
    const http_route *table = api_routes(&n);
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        const http_route *r = &table[i];
        if (r->access == HTTP_PUBLIC)
            continue;
        char path[TARGET_MAX];
        fill_path(r->pattern, path);
        const char *body = has_body(r->method) ? "{}" : NULL;
        http_fake *f = call_cookie(t, r->method, path, WHO_ADMIN, body, false);
        if (changes_state(r->method)) {
            if (http_fake_status(f) != 403)
                ROUTE_FAIL(r, "cookie without X-CSRF-Token", f, "expected 403 csrf_failed");
            expect_error(f, 403, "csrf_failed");
            checked++;
        } else {
            if (http_fake_status(f) == 401 || http_fake_status(f) == 403)
                ROUTE_FAIL(r, "cookie on a read", f, "expected no CSRF check");
        }
        http_fake_free(f);
        f = call_cookie(t, r->method, path, WHO_ADMIN, body, true);
        if (http_fake_status(f) == 401 || http_fake_status(f) == 403 || no_route(f))
            ROUTE_FAIL(r, "cookie with X-CSRF-Token", f, "expected the handler's answer");
        http_fake_free(f);
        /* A wrong header is no better than none. */
        if (changes_state(r->method)) {
            const char *h[] = {"Cookie",
                               t->acct[WHO_ADMIN].cookie,
                               "X-CSRF-Token",
                               API_FX_CSRF "x",
                               "Content-Type",
                               "application/json",
                               NULL};
            f = call_raw(t, r->method, path, h, body, body != NULL ? strlen(body) : 0);
            expect_error(f, 403, "csrf_failed");
            http_fake_free(f);
        }
    }
    assert_true(checked > 0);
}

/* Every non-public route with `header` as its Authorization: 401 invalid token. */
static void all_refuse(api_fx *t, const char *authorization, const char *why)
{
    size_t n = 0;
    const http_route *table = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        const http_route *r = &table[i];
        if (r->access == HTTP_PUBLIC)
            continue;
        char path[TARGET_MAX];
        fill_path(r->pattern, path);
        const char *body = has_body(r->method) ? "{}" : NULL;
        const char *h[] = {"Authorization", authorization, "Content-Type", "application/json", NULL};
        http_fake *f = call_raw(t, r->method, path, h, body, body != NULL ? strlen(body) : 0);
        if (http_fake_status(f) != 401)
            ROUTE_FAIL(r, why, f, "expected 401");
        expect_error(f, 401, "unauthorized");
        assert_string_equal(http_fake_header(f, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
        http_fake_free(f);
    }
}

static void api_routes_refuse_bad_tokens(void **state)
{
    api_fx *t = api_fx_of(state);
    const user *u = &t->acct[WHO_ADMIN].u;
    char bearer[ACCESS_TOKEN_MAX + 16];
    char *tok = NULL;
    em_error err = {0};
    int64_t now = clock_now_ms() / 1000;

    /* Signed with another key. */
    assert_int_equal(token_issue_access("another-secret-key-that-is-also-32-bytes-long", u->id, "admin", u->id, now,
                                        900, &tok, &err),
                     EM_OK);
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    free(tok);
    all_refuse(t, bearer, "a token signed with another key");

    /* Expired (past the 60 s leeway). */
    assert_int_equal(token_issue_access(API_FX_SECRET, u->id, "admin", u->id, now - 3600, 900, &tok, &err), EM_OK);
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    free(tok);
    all_refuse(t, bearer, "an expired token");

    /* Genuine, for an account that does not exist. */
    char ghost[ID_UUID_LEN + 1];
    id_uuid7(ghost);
    assert_int_equal(token_issue_access(API_FX_SECRET, ghost, "admin", u->id, now, 900, &tok, &err), EM_OK);
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    free(tok);
    all_refuse(t, bearer, "a token of no account");

    /* A disabled account's unexpired token. */
    json_t *j = call_json(t, "GET", "/api/users/me", WHO_STUDENT2, NULL, 200);
    json_decref(j);
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_STUDENT2));
    j = call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":false}", 200);
    json_decref(j);
    all_refuse(t, t->acct[WHO_STUDENT2].bearer, "a disabled account");
    /* Enabled again, the same token stays refused: disabling ended its session. */
    j = call_json(t, "PATCH", target, WHO_ADMIN, "{\"is_active\":true}", 200);
    json_decref(j);
    all_refuse(t, t->acct[WHO_STUDENT2].bearer, "an account enabled again (its old session)");

    /* A logged-out session's unexpired access token. */
    char body[256];
    snprintf(body, sizeof body, "{\"refresh_token\":\"%s\"}", t->acct[WHO_STUDENT].refresh);
    http_fake *f = call_raw(t, "POST", "/api/auth/logout", (const char *const[]){"Content-Type", "application/json", NULL},
                            body, strlen(body));
    expect_status(f, 204);
    http_fake_free(f);
    all_refuse(t, t->acct[WHO_STUDENT].bearer, "a session that logged out");
}

/* One row of the role matrix: a target and the status each caller gets. */
typedef struct role_row {
    const char *method;
    char target[TARGET_MAX];
    int status[WHO_COUNT]; /* [WHO_ANON] .. [WHO_ADMIN] */
} role_row;

/* Routes whose answer depends on who calls, over real resources: the first
 * student's material (the tutor is theirs; the second student is nobody's). */
static void api_routes_role_matrix(void **state)
{
    api_fx *t = api_fx_of(state);
    char mat[MATERIAL_ID_LEN + 1], question[MATERIAL_ID_LEN + 1];
    worksheet_ready(t, WHO_STUDENT, mat, question);
    role_row rows[] = {
        /*                                          anon student student2 tutor admin */
        {"GET", "/api/tutor/students", {401, 403, 403, 200, 200}},
        {"GET", "", {401, 403, 403, 200, 200}}, /* /api/tutor/students/{student} */
        {"GET", "", {401, 403, 403, 404, 200}}, /* /api/tutor/students/{student2} */
        {"GET", "/api/admin/jobs", {401, 404, 404, 404, 200}},
        {"GET", "/api/admin/jobs?state=dead", {401, 404, 404, 404, 200}},
        {"GET", "/api/quizzes", {401, 200, 200, 200, 200}},
        {"GET", "", {401, 200, 404, 200, 200}}, /* /api/quizzes?user_id={student} */
        {"GET", "", {401, 200, 404, 200, 200}}, /* /api/materials/{mat}/passages */
        {"GET", "", {401, 200, 404, 200, 200}}, /* /api/materials/{mat}/passages/0 */
    };
    snprintf(rows[1].target, TARGET_MAX, "/api/tutor/students/%s", api_fx_id(t, WHO_STUDENT));
    snprintf(rows[2].target, TARGET_MAX, "/api/tutor/students/%s", api_fx_id(t, WHO_STUDENT2));
    snprintf(rows[6].target, TARGET_MAX, "/api/quizzes?user_id=%s", api_fx_id(t, WHO_STUDENT));
    snprintf(rows[7].target, TARGET_MAX, "/api/materials/%s/passages", mat);
    snprintf(rows[8].target, TARGET_MAX, "/api/materials/%s/passages/0", mat);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int w = WHO_ANON; w < WHO_COUNT; w++) {
            http_fake *f = call(t, rows[i].method, rows[i].target, (api_who)w, NULL);
            if (http_fake_status(f) != rows[i].status[w])
                fail_msg("%s %s as %s: expected %d, got %d %s", rows[i].method, rows[i].target,
                         w == WHO_ANON ? "anonymous" : api_fx_emails[w], rows[i].status[w],
                         http_fake_status(f), http_fake_body(f, NULL));
            http_fake_free(f);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_routes_table_complete),
        API_BOTH(api_routes_access_column),
        API_BOTH(api_routes_role_matrix),
        API_BOTH(api_routes_cookie_csrf),
        API_BOTH(api_routes_refuse_bad_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
