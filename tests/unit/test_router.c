/* Unit tests for src/http/router.c: patterns, precedence, 404/405, HEAD,
 * percent-decoding, limits, registration errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/router.h"

static void h_a(http_req *req, http_res *res) { (void)req; (void)res; }
static void h_b(http_req *req, http_res *res) { (void)req; (void)res; }
static void h_c(http_req *req, http_res *res) { (void)req; (void)res; }
static void h_d(http_req *req, http_res *res) { (void)req; (void)res; }

typedef struct fixture {
    router *r;
    arena *a;
    http_handler h;
    http_param params[HTTP_MAX_PARAMS];
    int nparams;
    char allow[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->r = router_new();
    f->a = arena_new(0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    router_free(f->r);
    arena_free(f->a);
    free(f);
    return 0;
}

static route_result match(fixture *f, const char *method, const char *path)
{
    f->h = NULL;
    const http_route *rt = NULL;
    route_result rr = router_match(f->r, method, path, f->a, &rt, f->params, &f->nparams, f->allow,
                                   sizeof f->allow);
    if (rr == ROUTE_FOUND)
        f->h = rt->handler;
    return rr;
}

static const char *param(const fixture *f, const char *name)
{
    for (int i = 0; i < f->nparams; i++) {
        if (strcmp(f->params[i].name, name) == 0)
            return f->params[i].value;
    }
    return NULL;
}

static void test_router_literal(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/health", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/", h_b), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/api/v1/status", h_c), EM_OK);
    assert_int_equal(match(f, "GET", "/health"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_int_equal(f->nparams, 0);
    assert_int_equal(match(f, "GET", "/"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    assert_int_equal(match(f, "GET", "/api/v1/status"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_c);
    assert_int_equal(match(f, "GET", "/api/v1"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/api/v1/status/x"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/Health"), ROUTE_NOT_FOUND);
}

static void test_router_trailing_slash_is_strict(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/health", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/users/{id}", h_b), EM_OK);
    assert_int_equal(match(f, "GET", "/health/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "//health"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/users/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/users//"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/users/7/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "health"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", ""), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "*"), ROUTE_NOT_FOUND);
}

static void test_router_param(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/api/users/{id}", h_a), EM_OK);
    assert_int_equal(match(f, "GET", "/api/users/42"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_int_equal(f->nparams, 1);
    assert_string_equal(f->params[0].name, "id");
    assert_string_equal(f->params[0].value, "42");
}

static void test_router_multiple_params(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/api/sessions/{sid}/topics/{tid}/cards/{card_id}", h_a),
                     EM_OK);
    assert_int_equal(match(f, "GET", "/api/sessions/s1/topics/t-2/cards/c_3"), ROUTE_FOUND);
    assert_int_equal(f->nparams, 3);
    assert_string_equal(param(f, "sid"), "s1");
    assert_string_equal(param(f, "tid"), "t-2");
    assert_string_equal(param(f, "card_id"), "c_3");
}

static void test_router_literal_beats_param(void **state)
{
    fixture *f = *state;
    /* Registered in both orders so the result does not depend on order. */
    assert_int_equal(router_add(f->r, "GET", "/users/{id}", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/users/me", h_b), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/items/new", h_c), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/items/{id}", h_d), EM_OK);
    assert_int_equal(match(f, "GET", "/users/me"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    assert_int_equal(f->nparams, 0);
    assert_int_equal(match(f, "GET", "/users/you"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_string_equal(param(f, "id"), "you");
    assert_int_equal(match(f, "GET", "/items/new"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_c);
    assert_int_equal(match(f, "GET", "/items/old"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_d);
}

static void test_router_backtracks_to_param(void **state)
{
    fixture *f = *state;
    /* The literal branch "/a/b" has no "/c" under it: the param branch must win. */
    assert_int_equal(router_add(f->r, "GET", "/a/b", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/a/{x}/c", h_b), EM_OK);
    assert_int_equal(match(f, "GET", "/a/b/c"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    assert_string_equal(param(f, "x"), "b");
}

static void test_router_method_falls_to_param_route(void **state)
{
    fixture *f = *state;
    /* GET /users/me is literal; POST exists only on /users/{id}. */
    assert_int_equal(router_add(f->r, "GET", "/users/me", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "POST", "/users/{id}", h_b), EM_OK);
    assert_int_equal(match(f, "POST", "/users/me"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    assert_string_equal(param(f, "id"), "me");
    assert_int_equal(match(f, "DELETE", "/users/me"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "GET, HEAD, POST");
}

static void test_router_not_found(void **state)
{
    fixture *f = *state;
    assert_int_equal(match(f, "GET", "/"), ROUTE_NOT_FOUND);
    assert_int_equal(router_add(f->r, "GET", "/x", h_a), EM_OK);
    assert_int_equal(match(f, "GET", "/y"), ROUTE_NOT_FOUND);
    assert_string_equal(f->allow, "");
    assert_int_equal(match(f, "BREW", "/y"), ROUTE_NOT_FOUND);
}

static void test_router_405_allow(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "DELETE", "/api/items/{id}", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/api/items/{id}", h_b), EM_OK);
    assert_int_equal(router_add(f->r, "PATCH", "/api/items/{id}", h_c), EM_OK);
    assert_int_equal(router_add(f->r, "PUT", "/api/items/{id}", h_d), EM_OK);
    assert_int_equal(match(f, "POST", "/api/items/1"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "GET, HEAD, PUT, PATCH, DELETE");
    assert_null(f->h);
    /* An unknown method on a known path is 405 too. */
    assert_int_equal(match(f, "BREW", "/api/items/1"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "GET, HEAD, PUT, PATCH, DELETE");
}

static void test_router_405_allow_unions_patterns(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "POST", "/jobs/{id}", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/jobs/stats", h_b), EM_OK);
    assert_int_equal(router_add(f->r, "PURGE", "/jobs/{id}", h_c), EM_OK);
    assert_int_equal(match(f, "PUT", "/jobs/stats"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "GET, HEAD, POST, PURGE");
}

static void test_router_405_allow_truncated(void **state)
{
    fixture *f = *state;
    char small[12];
    const http_route *h;
    http_param p[HTTP_MAX_PARAMS];
    int np;
    assert_int_equal(router_add(f->r, "GET", "/x", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "DELETE", "/x", h_b), EM_OK);
    assert_int_equal(router_match(f->r, "POST", "/x", f->a, &h, p, &np, small, sizeof small),
                     ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(small, "GET, HEAD");
    /* NULL allow is accepted. */
    assert_int_equal(router_match(f->r, "POST", "/x", f->a, &h, p, &np, NULL, 0),
                     ROUTE_METHOD_NOT_ALLOWED);
}

static void test_router_head_on_get(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/health", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "POST", "/submit", h_b), EM_OK);
    assert_int_equal(match(f, "HEAD", "/health"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_int_equal(match(f, "HEAD", "/submit"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "POST");
    /* An explicit HEAD route wins over the GET fallback. */
    assert_int_equal(router_add(f->r, "HEAD", "/health", h_c), EM_OK);
    assert_int_equal(match(f, "HEAD", "/health"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_c);
    assert_int_equal(match(f, "PUT", "/health"), ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(f->allow, "GET, HEAD");
}

static void test_router_percent_decoding(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/files/{name}", h_a), EM_OK);
    assert_int_equal(match(f, "GET", "/files/a%20b%2Fc%c3%a9"), ROUTE_FOUND);
    assert_string_equal(param(f, "name"), "a b/c\xc3\xa9");
    assert_int_equal(match(f, "GET", "/files/a+b"), ROUTE_FOUND);
    assert_string_equal(param(f, "name"), "a+b"); /* '+' is a space only in queries */
    /* A decoded NUL, or a malformed escape, does not match. */
    assert_int_equal(match(f, "GET", "/files/a%00b"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/files/a%zzb"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/files/a%2"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/files/%"), ROUTE_NOT_FOUND);
    /* Literals compare as sent: an escaped literal is not the literal. */
    assert_int_equal(router_add(f->r, "GET", "/health", h_b), EM_OK);
    assert_int_equal(match(f, "GET", "/heal%74h"), ROUTE_NOT_FOUND);
}

static void test_router_long_and_deep_paths(void **state)
{
    fixture *f = *state;
    char path[4096];
    assert_int_equal(router_add(f->r, "GET", "/f/{name}", h_a), EM_OK);
    /* 2048 bytes is the largest path matched. */
    memcpy(path, "/f/", 3);
    memset(path + 3, 'x', 2045);
    path[2048] = '\0';
    assert_int_equal(match(f, "GET", path), ROUTE_FOUND);
    assert_int_equal(strlen(param(f, "name")), 2045);
    memset(path + 3, 'x', 2046);
    path[2049] = '\0';
    assert_int_equal(match(f, "GET", path), ROUTE_NOT_FOUND);

    /* 32 segments match, 33 do not. */
    char pat[256] = "", deep[300] = "";
    size_t o = 0;
    for (int i = 0; i < 32; i++)
        o += (size_t)snprintf(pat + o, sizeof pat - o, "/%c", 'a' + i % 26);
    assert_int_equal(router_add(f->r, "GET", pat, h_b), EM_OK);
    assert_int_equal(match(f, "GET", pat), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    memcpy(deep, pat, o);
    memcpy(deep + o, "/z", 3);
    assert_int_equal(match(f, "GET", deep), ROUTE_NOT_FOUND);
    assert_int_equal(router_add(f->r, "GET", deep, h_c), EM_E_INVAL);

    /* Many segments of nothing. */
    memset(path, '/', 3000);
    path[3000] = '\0';
    assert_int_equal(match(f, "GET", path), ROUTE_NOT_FOUND);
}

static void test_router_duplicate(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/users/{id}", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/users/{id}", h_b), EM_E_CONFLICT);
    /* Same shape, another parameter name: still the same route. */
    assert_int_equal(router_add(f->r, "GET", "/users/{uid}", h_b), EM_E_CONFLICT);
    /* Another method on the same pattern, with its own parameter name, is fine. */
    assert_int_equal(router_add(f->r, "DELETE", "/users/{uid}", h_c), EM_OK);
    assert_int_equal(match(f, "GET", "/users/1"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_string_equal(f->params[0].name, "id");
    assert_int_equal(match(f, "DELETE", "/users/1"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_c);
    assert_string_equal(f->params[0].name, "uid");
}

static void test_router_malformed_patterns(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "", "health", "/health/", "//x", "/a//b", "/{", "/{}", "/{id", "/id}", "/{1id}",
        "/{id-x}", "/x/{id}/{id}", "/a b", "/a%20b", "/a?b", "/a#b", "/x{id}", "/{id}x",
        "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(router_add(f->r, "GET", bad[i], h_a), EM_E_INVAL);
    assert_int_equal(router_add(f->r, "get", "/x", h_a), EM_E_INVAL);
    assert_int_equal(router_add(f->r, "", "/x", h_a), EM_E_INVAL);
    assert_int_equal(router_add(f->r, "GET", "/x", NULL), EM_E_INVAL);
    assert_int_equal(router_add(f->r, "VERYLONGMETHODNAME", "/x", h_a), EM_E_INVAL);
    /* Eight parameters are the most. */
    assert_int_equal(router_add(f->r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", h_a), EM_OK);
    assert_int_equal(match(f, "GET", "/1/2/3/4/5/6/7/8"), ROUTE_FOUND);
    assert_int_equal(f->nparams, 8);
    assert_string_equal(param(f, "h"), "8");
    /* Nothing half-registered by the failures. */
    assert_int_equal(match(f, "GET", "/health"), ROUTE_NOT_FOUND);
}

/* "{name...}" takes the rest of the path, '/' included, after literals and
 * parameters have had their chance. */
static void test_router_rest_parameter(void **state)
{
    fixture *f = *state;
    assert_int_equal(router_add(f->r, "GET", "/assets/{path...}", h_a), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/assets/app.css", h_b), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/{page...}", h_c), EM_OK);
    assert_int_equal(router_add(f->r, "GET", "/api/{thing}", h_d), EM_OK);

    assert_int_equal(match(f, "GET", "/assets/js/app.3f2a.js"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_a);
    assert_string_equal(param(f, "path"), "js/app.3f2a.js");
    assert_int_equal(match(f, "GET", "/assets/app.css"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_b);
    assert_int_equal(match(f, "GET", "/assets/a%20b.txt"), ROUTE_FOUND);
    assert_string_equal(param(f, "path"), "a b.txt");
    /* The parameter beats the rest; deeper paths fall back to the root rest. */
    assert_int_equal(match(f, "GET", "/api/x"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_d);
    assert_int_equal(match(f, "GET", "/api/x/y"), ROUTE_FOUND);
    assert_ptr_equal(f->h, h_c);
    assert_string_equal(param(f, "page"), "api/x/y");
    /* A rest needs at least one segment, and none may be empty or hold NUL. */
    assert_int_equal(match(f, "GET", "/assets/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/a//b"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/a/b/"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "GET", "/a/%00"), ROUTE_NOT_FOUND);
    assert_int_equal(match(f, "POST", "/a/b"), ROUTE_METHOD_NOT_ALLOWED);
    /* Only as the last segment. */
    assert_int_equal(router_add(f->r, "GET", "/x/{rest...}/y", h_a), EM_E_INVAL);
    assert_int_equal(router_add(f->r, "GET", "/x/{...}", h_a), EM_E_INVAL);
}

/* Every route states its access; the router keeps the whole row. */
static void test_router_route_rows(void **state)
{
    fixture *f = *state;
    http_route unset = {"GET", "/u", h_a, HTTP_ACCESS_UNSET, 0};
    assert_int_equal(router_add_route(f->r, &unset), EM_E_INVAL);
    char pattern[] = "/admin/{id}";
    const http_route table[] = {
        {"GET", "/open", h_a, HTTP_PUBLIC, 0},
        {"POST", pattern, h_b, HTTP_ADMIN, ROUTE_SLOW | ROUTE_UPLOAD},
    };
    assert_int_equal(router_add_table(f->r, table, 2), EM_OK);
    pattern[1] = 'X'; /* the router keeps its own copy */
    const http_route *rt = router_lookup(f->r, "POST", "/admin/7");
    assert_non_null(rt);
    assert_ptr_equal(rt->handler, h_b);
    assert_int_equal(rt->access, HTTP_ADMIN);
    assert_int_equal(rt->flags, ROUTE_SLOW | ROUTE_UPLOAD);
    assert_string_equal(rt->pattern, "/admin/{id}");
    assert_string_equal(rt->method, "POST");
    assert_null(router_lookup(f->r, "GET", "/admin/7"));
    assert_int_equal(router_lookup(f->r, "HEAD", "/open")->access, HTTP_PUBLIC);
    /* A failing row stops the table. */
    const http_route bad[] = {{"GET", "/ok", h_a, HTTP_SIGNED_IN, 0}, {"GET", "bad", h_a, HTTP_PUBLIC, 0}};
    assert_int_equal(router_add_table(f->r, bad, 2), EM_E_INVAL);
}

static void test_router_free_null(void **state)
{
    (void)state;
    router_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_router_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_trailing_slash_is_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_multiple_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_literal_beats_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_backtracks_to_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_method_falls_to_param_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_405_allow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_405_allow_unions_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_405_allow_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_head_on_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_percent_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_long_and_deep_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_malformed_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_rest_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_router_route_rows, setup, teardown),
        cmocka_unit_test(test_router_free_null),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
