/* api_fixture: the fixture of the handler tests (tests/unit/test_api_*.c).
 *
 * Each case runs the real route table (api_routes) through the real pipeline
 * in process (http_fake_run), with the site and the handlers' context built as
 * app.c builds them: a database pool on a freshly migrated database, the
 * account use cases at the lowest argon2 cost, file storage in a temporary
 * directory, signed-link settings, and a counter in place of the worker's
 * wake-up. The database comes from db_fixture.h: SQLite in a temporary
 * directory, or a schema of its own on the PostgreSQL server of
 * EM_TEST_PG_URL (the PostgreSQL variant is skipped without it, and fails
 * with EM_REQUIRE_PG=1).
 *
 * Every case starts with four accounts made through the account use cases
 * and signed in: a student, a second student, a tutor assigned to the first
 * student, and an admin. call() makes a request as one of them (a Bearer
 * token) or anonymously; call_cookie() as the web UI does (em_access and
 * em_csrf cookies, with or without the X-CSRF-Token header). Fakes returned
 * by the helpers are the caller's to free (http_fake_free); JSON values are
 * the caller's to json_decref.
 *
 * Include once per test file, after cmocka.h; declare the cases with
 * API_BOTH(fn) and take the fixture with api_fx_of(state). */
#ifndef EM_TESTS_API_FIXTURE_H
#define EM_TESTS_API_FIXTURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db_fixture.h"

#include "api/api.h"
#include "auth/accounts.h"
#include "content/storage.h"
#include "core/clock.h"
#include "core/inflight.h"
#include "core/log.h"
#include "db/migrate.h"
#include "http/http_fake.h"
#include "http/http_int.h"
#include "http/router.h"
#include "llm/provider.h"
#include "materials/ingest.h"
#include "materials/material.h"
#include "materials/passages.h"

/* What the handlers are configured with (app.c's build_settings). */
#define API_FX_SECRET "handler-tests-secret-key-of-at-least-32-bytes"
#define API_FX_ACCESS_TTL_S 900
#define API_FX_REFRESH_DAYS 30
#define API_FX_RATE_LIMIT 10
#define API_FX_RATE_WINDOW_S 60
#define API_FX_LINK_TTL_S 604800
#define API_FX_WORKER_ALIVE_S 30
#define API_FX_ORIGIN "https://app.example"
#define API_FX_INDEX_CACHE_BYTES (16u << 20) /* TUTOR_INDEX_CACHE_MB */
#define API_FX_TUTOR_THREADS 2               /* TUTOR_THREADS */
#define API_FX_TUTOR_STREAMS 64              /* TUTOR_MAX_STREAMS */
#define API_FX_TUTOR_PER_USER 3              /* TUTOR_STREAMS_PER_USER */
/* The value of the em_csrf cookie the cookie helpers send. */
#define API_FX_CSRF "csrf-value-for-handler-tests-0123456789ab"
/* The address the fixture signs the accounts in from (not the fakes' 127.0.0.1,
 * so the tests' own attempts start with a clean count). */
#define API_FX_SETUP_IP "192.0.2.1"

/* Who calls. */
typedef enum api_who {
    WHO_ANON = 0,
    WHO_STUDENT,  /* student@example.org */
    WHO_STUDENT2, /* student2@example.org, nobody's */
    WHO_TUTOR,    /* tutor@example.org, assigned to WHO_STUDENT */
    WHO_ADMIN,    /* admin@example.org */
    WHO_COUNT
} api_who;

/* A signed-in account and the header lists that present its session. */
typedef struct api_account {
    user u;                            /* the row as created */
    const char *password;              /* static */
    char access[ACCESS_TOKEN_MAX + 1]; /* from the login */
    char refresh[REFRESH_TOKEN_LEN + 1];
    char bearer[ACCESS_TOKEN_MAX + 16];  /* "Bearer <access>" */
    char cookie[ACCESS_TOKEN_MAX + 128]; /* "em_access=<access>; em_csrf=API_FX_CSRF" */
    /* Header lists (name, value, ..., NULL), without and with Content-Type: application/json. */
    const char *h_bearer[2][5];      /* Authorization */
    const char *h_cookie[2][5];      /* Cookie */
    const char *h_cookie_csrf[2][7]; /* Cookie, X-CSRF-Token */
} api_account;

typedef struct api_fx {
    fixture *db;  /* db_fixture: the backend, SQLite's directory, PostgreSQL's schema */
    char dir[64]; /* storage: DIR/files */
    dbpool *pool;
    accounts *accounts;
    storage *files;
    api_ctx ctx; /* as app.c builds it */
    router *routes;
    http_site site; /* as app_site builds it */
    const char *origins[1];
    int wakes;                   /* times an upload woke the worker */
    api_account acct[WHO_COUNT]; /* [WHO_ANON] unused */
    const char *h_json[3];       /* anonymous with Content-Type: application/json */
} api_fx;

static const char *const api_fx_emails[WHO_COUNT] = {NULL, "student@example.org", "student2@example.org",
                                                     "tutor@example.org", "admin@example.org"};
static const char *const api_fx_passwords[WHO_COUNT] = {NULL, "student one studies hard",
                                                        "student two studies late", "the tutor teaches well",
                                                        "the admin keeps order"};
static const char *const api_fx_names[WHO_COUNT] = {NULL, "Student One", "Student Two", "Tutor", "Admin"};
static const char *const api_fx_roles[WHO_COUNT] = {NULL, "student", "student", "tutor", "admin"};

/* Both backends of one case: name.sqlite and name.postgresql. */
/* clang-format off */
#define API_BOTH(fn)                                                                   \
    {#fn ".sqlite", fn, api_setup, api_teardown, (void *)&kind_sqlite},                \
    {#fn ".postgresql", fn, api_setup, api_teardown, (void *)&kind_pg}
/* clang-format on */

static void api_fx_wake(void *ctx)
{
    ((api_fx *)ctx)->wakes++;
}

/* The calling thread's connection from the handlers' pool (the one the fake
 * requests use, since they run on this thread). */
static inline db *api_fx_db(api_fx *t)
{
    db *d = NULL;
    em_error err = {0};
    if (dbpool_get(t->pool, &d, &err) != EM_OK)
        fail_msg("dbpool_get: %s", err.msg);
    return d;
}

/* The header lists that present a's session. */
static void api_fx_header_lists(api_account *a)
{
    snprintf(a->bearer, sizeof a->bearer, "Bearer %s", a->access);
    snprintf(a->cookie, sizeof a->cookie, "%s=%s; %s=%s", API_COOKIE_ACCESS, a->access, API_COOKIE_CSRF,
             API_FX_CSRF);
    for (int json = 0; json < 2; json++) {
        const char *ct = json ? "Content-Type" : NULL;
        const char *b[] = {"Authorization", a->bearer, ct, "application/json", NULL};
        const char *c[] = {"Cookie", a->cookie, ct, "application/json", NULL};
        const char *cc[] = {"Cookie", a->cookie, "X-CSRF-Token", API_FX_CSRF, ct, "application/json", NULL};
        memcpy(a->h_bearer[json], b, sizeof b);
        memcpy(a->h_cookie[json], c, sizeof c);
        memcpy(a->h_cookie_csrf[json], cc, sizeof cc);
    }
}

/* Sign `w` in again (a new session), e.g. after a password change. */
static inline void api_fx_login(api_fx *t, api_who w)
{
    api_account *a = &t->acct[w];
    account_tokens tok;
    em_error err = {0};
    if (accounts_login(t->accounts, api_fx_db(t), a->u.email, a->password, API_FX_SETUP_IP, &tok, &err) !=
        EM_OK)
        fail_msg("login %s: %s", a->u.email, err.msg);
    snprintf(a->access, sizeof a->access, "%s", tok.access);
    snprintf(a->refresh, sizeof a->refresh, "%s", tok.refresh);
    api_fx_header_lists(a);
}

static int api_setup(void **state)
{
    log_configure(LOG_WARN, STDOUT_FILENO); /* no audit and migration lines: warnings and errors only */
    setup(state);                           /* db_fixture: the database, opened as f->d */
    fixture *f = *state;
    api_fx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->db = f;
    *state = t;
    if (f->skipped || f->pg_required)
        return 0;
    em_error err = {0};
    int applied = 0;
    if (migrate_up(f->d, 0, &applied, &err) != EM_OK)
        fail_msg("migrate_up: %s", err.msg);

    snprintf(t->dir, sizeof t->dir, "/tmp/em_api_XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    accounts_settings as = {
        .secret_key = API_FX_SECRET,
        .access_ttl_s = API_FX_ACCESS_TTL_S,
        .refresh_ttl_days = API_FX_REFRESH_DAYS,
        .cost = {.ops = 1, .mem_kb = 8192},
        .rate_limit = API_FX_RATE_LIMIT,
        .rate_window_s = API_FX_RATE_WINDOW_S,
    };
    storage_options so = {.data_dir = t->dir};
    db_options dbo = {.timeout_ms = 5000};
    assert_int_equal(accounts_new(&as, &t->accounts, &err), EM_OK);
    assert_int_equal(dbpool_new(f->url, &dbo, &t->pool, &err), EM_OK);
    assert_int_equal(storage_open(&so, &t->files, &err), EM_OK);
    t->ctx = (api_ctx){
        .db = t->pool,
        .accounts = t->accounts,
        .secure_cookies = false,
        .files = t->files,
        .links = {.secret = API_FX_SECRET, .max_ttl_s = API_FX_LINK_TTL_S},
        .max_download = 25u * 1024 * 1024,
        .worker_alive_s = API_FX_WORKER_ALIVE_S,
        .wake_worker = api_fx_wake,
        .wake_ctx = t,
        .llm = &llm_builtin,
        .passages = passages_cache_new(API_FX_INDEX_CACHE_BYTES),
        .tutor = api_tutor_new(t->pool, API_FX_TUTOR_THREADS, API_FX_TUTOR_STREAMS),
        .quiz_gate = inflight_new(1, API_QUIZ_GATE_KEYS),
        .tutor_gate = inflight_new(API_FX_TUTOR_PER_USER, API_QUIZ_GATE_KEYS),
    };
    size_t n = 0;
    const http_route *table = api_routes(&n);
    t->routes = router_new();
    assert_int_equal(router_add_table(t->routes, table, n), EM_OK);
    t->origins[0] = API_FX_ORIGIN;
    t->site = (http_site){
        .routes = t->routes,
        .cors_origins = t->origins,
        .n_cors_origins = 1,
        .cors_any = false,
        .hsts = false,
        .authenticate = api_authenticate,
        .ctx = &t->ctx,
    };
    t->h_json[0] = "Content-Type";
    t->h_json[1] = "application/json";
    t->h_json[2] = NULL;

    /* The cast, through the account use cases. */
    db *d = api_fx_db(t);
    for (int w = WHO_STUDENT; w < WHO_COUNT; w++) {
        api_account *a = &t->acct[w];
        a->password = api_fx_passwords[w];
        if (accounts_create(t->accounts, d, api_fx_emails[w], a->password, api_fx_names[w], api_fx_roles[w],
                            &a->u, &err) != EM_OK)
            fail_msg("create %s: %s", api_fx_emails[w], err.msg);
    }
    principal admin = {0};
    snprintf(admin.user_id, sizeof admin.user_id, "%s", t->acct[WHO_ADMIN].u.id);
    snprintf(admin.role, sizeof admin.role, "admin");
    const char *students[] = {t->acct[WHO_STUDENT].u.id};
    int added = 0;
    if (accounts_assign_students(t->accounts, d, &admin, t->acct[WHO_TUTOR].u.id, students, 1,
                                 API_FX_SETUP_IP, &added, &err) != EM_OK)
        fail_msg("assign: %s", err.msg);
    for (int w = WHO_STUDENT; w < WHO_COUNT; w++)
        api_fx_login(t, (api_who)w);
    return 0;
}

static int api_rm_tree(const char *dir)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int api_teardown(void **state)
{
    api_fx *t = *state;
    api_tutor_free(t->ctx.tutor); /* lets stream producers finish, joins them */
    inflight_free(t->ctx.quiz_gate);
    inflight_free(t->ctx.tutor_gate);
    passages_cache_free(t->ctx.passages);
    router_free(t->routes);
    storage_close(t->files);
    dbpool_free(t->pool);
    accounts_free(t->accounts);
    if (t->dir[0] != '\0')
        api_rm_tree(t->dir);
    void *f = t->db;
    free(t);
    return teardown(&f);
}

/* The case's fixture; skips or fails the PostgreSQL case without a server. */
static inline api_fx *api_fx_of(void **state)
{
    api_fx *t = *state;
    void *f = t->db;
    fx(&f);
    return t;
}

static inline const char *api_fx_id(const api_fx *t, api_who w)
{
    return t->acct[w].u.id;
}

/* ---- requests ---- */

/* `method target` as `w` (a Bearer token; WHO_ANON: no credential), with a
 * JSON body when `body` is not NULL. Free with http_fake_free. */
static inline http_fake *call(api_fx *t, const char *method, const char *target, api_who w, const char *body)
{
    const char *const *h = NULL;
    if (w != WHO_ANON)
        h = t->acct[w].h_bearer[body != NULL];
    else if (body != NULL)
        h = t->h_json;
    http_fake *f = http_fake_new(method, target, h, body, body != NULL ? strlen(body) : 0);
    http_fake_run(f, &t->site);
    return f;
}

/* The same as the web UI sends it: the em_access and em_csrf cookies of `w`,
 * and the X-CSRF-Token header when `csrf`. */
static inline http_fake *call_cookie(api_fx *t, const char *method, const char *target, api_who w,
                                     const char *body, bool csrf)
{
    api_account *a = &t->acct[w];
    const char *const *h = csrf ? a->h_cookie_csrf[body != NULL] : a->h_cookie[body != NULL];
    http_fake *f = http_fake_new(method, target, h, body, body != NULL ? strlen(body) : 0);
    http_fake_run(f, &t->site);
    return f;
}

/* With the caller's own headers (borrowed until http_fake_free) and body. */
static inline http_fake *call_raw(api_fx *t, const char *method, const char *target,
                                  const char *const *headers, const void *body, size_t len)
{
    http_fake *f = http_fake_new(method, target, headers, body, len);
    http_fake_run(f, &t->site);
    return f;
}

/* ---- answers ---- */

/* Fail with the body when the status is not `want`. */
static inline void expect_status(http_fake *f, int want)
{
    if (http_fake_status(f) != want) {
        http_req *r = http_fake_req(f);
        fail_msg("%s %s: expected %d, got %d %s", r->method, r->path, want, http_fake_status(f),
                 http_fake_body(f, NULL));
    }
}

/* The body as JSON (fails when it is not). A new reference. */
static inline json_t *fake_json(http_fake *f)
{
    json_error_t e;
    json_t *j = json_loads(http_fake_body(f, NULL), 0, &e);
    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, http_fake_body(f, NULL));
    return j;
}

/* An error answer: the status, and a body of exactly
 * {"error":{"code":code,"message":"<something>"}}. */
static inline void expect_error(http_fake *f, int status, const char *code)
{
    expect_status(f, status);
    assert_string_equal(http_fake_header(f, "Content-Type"), "application/json");
    json_t *j = fake_json(f);
    json_t *e = json_object_get(j, "error");
    if (json_object_size(j) != 1 || !json_is_object(e) || json_object_size(e) != 2)
        fail_msg("not an error object: %s", http_fake_body(f, NULL));
    const char *got = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("expected error code %s, got %s", code, http_fake_body(f, NULL));
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    json_decref(j);
}

/* The error message of an error answer (in the fake's arena: valid until
 * http_fake_free). */
static inline const char *error_message(http_fake *f)
{
    json_t *j = fake_json(f);
    const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    assert_non_null(m);
    size_t n = strlen(m);
    char *copy = arena_alloc(http_fake_req(f)->arena, n + 1);
    memcpy(copy, m, n + 1);
    json_decref(j);
    return copy;
}

/* call(), the status checked, and the JSON body (NULL for an empty body). */
static inline json_t *call_json(api_fx *t, const char *method, const char *target, api_who w,
                                const char *body, int status)
{
    http_fake *f = call(t, method, target, w, body);
    expect_status(f, status);
    size_t len = 0;
    http_fake_body(f, &len);
    json_t *j = len > 0 ? fake_json(f) : NULL;
    http_fake_free(f);
    return j;
}

/* call() expecting an error answer. */
static inline void call_error(api_fx *t, const char *method, const char *target, api_who w, const char *body,
                              int status, const char *code)
{
    http_fake *f = call(t, method, target, w, body);
    expect_error(f, status, code);
    http_fake_free(f);
}

/* The string member `name` of object `o` (fails when absent). */
static inline const char *jstr(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    if (s == NULL) {
        char *text = json_dumps(o, JSON_COMPACT);
        fail_msg("no string \"%s\" in %s", name, text);
    }
    return s != NULL ? s : ""; /* (fail_msg does not return) */
}

static inline json_int_t jint(const json_t *o, const char *name)
{
    json_t *v = json_object_get(o, name);
    if (!json_is_integer(v)) {
        char *text = json_dumps(o, JSON_COMPACT);
        fail_msg("no integer \"%s\" in %s", name, text);
    }
    return json_integer_value(v);
}

/* The Set-Cookie values of an answer, in order, into out[0..max); their count. */
static inline int set_cookies(http_fake *f, const char **out, int max)
{
    int n = 0;
    for (const http__header *h = http_fake_res(f)->headers; h != NULL; h = h->next)
        if (strcasecmp(h->name, "Set-Cookie") == 0 && n < max)
            out[n++] = h->value;
    return n;
}

/* The Set-Cookie value for cookie `name`, or NULL. */
static inline const char *set_cookie_of(http_fake *f, const char *name)
{
    size_t n = strlen(name);
    for (const http__header *h = http_fake_res(f)->headers; h != NULL; h = h->next)
        if (strcasecmp(h->name, "Set-Cookie") == 0 && strncmp(h->value, name, n) == 0 && h->value[n] == '=')
            return h->value;
    return NULL;
}

/* ---- study material ---- */

/* POST /api/materials with a JSON body as `w`: 202, and the new id. */
static inline void upload_json(api_fx *t, api_who w, const char *json, char id[MATERIAL_ID_LEN + 1])
{
    json_t *j = call_json(t, "POST", "/api/materials", w, json, 202);
    snprintf(id, MATERIAL_ID_LEN + 1, "%s", jstr(j, "id"));
    json_decref(j);
}

/* Extract material `id` as the worker would (materials/ingest.h), on the same
 * database and storage; it must end ready. */
static inline void ingest_ready(api_fx *t, const char *id)
{
    ingest_options o = {.max_pages = 100, .timeout_s = 60, .threads = 1, .max_file_bytes = 25u * 1024 * 1024};
    ingest_outcome out;
    em_error err = {0};
    if (ingest_material(api_fx_db(t), t->files, id, &o, &out, &err) != EM_OK)
        fail_msg("ingest %s: %s", id, err.msg);
    if (out.status != INGEST_READY)
        fail_msg("ingest %s: not ready (%d): %s", id, (int)out.status, out.error);
}

/* A one-question worksheet (the access matrix's), as JSON for POST /api/materials. */
#define API_FX_WORKSHEET                                                                                     \
    "{\"title\":\"Cells\",\"worksheet\":true,\"tags\":[\"biology.cells\"],"                                  \
    "\"text\":\"Mitochondria make ATP for the cell.\\n\\n"                                                   \
    "1. Which organelle makes ATP?\\nA. Ribosome\\nB. Mitochondrion\\nC. Nucleus\\n\\nAnswer Key\\n1. "      \
    "B\\n\"}"

/* `w` uploads the worksheet and it is extracted: its material and question ids. */
static inline void worksheet_ready(api_fx *t, api_who w, char material_id[MATERIAL_ID_LEN + 1],
                                   char question_id[MATERIAL_ID_LEN + 1])
{
    upload_json(t, w, API_FX_WORKSHEET, material_id);
    ingest_ready(t, material_id);
    char target[128];
    snprintf(target, sizeof target, "/api/questions?material_id=%s", material_id);
    json_t *j = call_json(t, "GET", target, w, NULL, 200);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    snprintf(question_id, MATERIAL_ID_LEN + 1, "%s", jstr(json_array_get(items, 0), "id"));
    json_decref(j);
}

/* One integer from SQL run on the handlers' connection (state checks). */
static inline int64_t sql_int(api_fx *t, const char *sql)
{
    db_stmt *st = NULL;
    em_error err = {0};
    if (db_prepare(api_fx_db(t), sql, &st, &err) != EM_OK)
        fail_msg("%s: %s", sql, err.msg);
    int rc = db_step(st, &err);
    if (rc != DB_ROW)
        fail_msg("%s: %s", sql, err.msg);
    int64_t v = db_column_int64(st, 0);
    db_finalize(st);
    return v;
}

#endif
