/* The access matrix: every endpoint that serves something owned by a user,
 * called by the owner, an assigned tutor, an unassigned tutor, another
 * student and an admin. Whoever the rule does not admit gets the same 404 as
 * for a resource that does not exist; an owner who may see a thing but not do
 * this to it (review their own question) gets 403 (the second table). Extend
 * the tables with every new endpoint. */
#include "it_common.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char *const env[] = {IT_FAST_HASH, "FIRST_SUPERUSER=boss@example.org",
                                  "FIRST_SUPERUSER_PASSWORD=the boss has a long password", NULL};

typedef struct cast {
    it_account owner, tutor, other_tutor, stranger, admin;
    char material_id[64]; /* the owner's worksheet material */
    char question_id[64]; /* one of its questions */
    char session_id[64];  /* the owner's study session over the material, with a plan */
    char doomed_id[64];   /* another session of the owner's, for DELETE */
    char plan_id[64];     /* the session's plan */
    char quiz_id[64];     /* a quiz of the owner's, not submitted */
    char quiz_question[64]; /* its first question */
    char card_id[64];     /* a review card of the owner's */
} cast;

/* What the %s of an endpoint's path stands for. */
enum path_arg {
    ARG_OWNER,
    ARG_TUTOR,
    ARG_MATERIAL,
    ARG_QUESTION,
    ARG_SESSION,
    ARG_DOOMED,
    ARG_PLAN,
    ARG_QUIZ,
    ARG_CARD
};

/* One endpoint: method, path (with one %s, see path_arg), body (with %s for
 * the material's id when arg is ARG_MATERIAL, the session's for a session
 * endpoint, else the owner's id), and who may use it. */
typedef struct endpoint {
    const char *method;
    const char *path; /* printf format with one %s, or none */
    const char *body; /* printf format: the owner's, material's or session's id, or NULL */
    enum path_arg arg;
    bool owner_ok, tutor_ok, admin_ok; /* who gets a 2xx; everyone else 404 */
} endpoint;

static const endpoint endpoints[] = {
    {"GET", "/api/topics?user_id=%s", NULL, ARG_OWNER, true, true, true},
    {"POST", "/api/topics", "{\"user_id\":\"%s\",\"name\":\"matrix\"}", ARG_OWNER, true, true, true},
    {"GET", "/api/admin/users", NULL, ARG_OWNER, false, false, true},
    {"PATCH", "/api/admin/users/%s", "{\"is_active\":true}", ARG_OWNER, false, false, true},
    {"POST", "/api/admin/tutors/%s/students", "{\"student_id\":\"%s\"}", ARG_TUTOR, false, false, true},
    {"GET", "/api/admin/tutors/%s/students", NULL, ARG_TUTOR, false, false, true},
    {"GET", "/api/workers/health", NULL, ARG_OWNER, false, false, true},
    {"GET", "/api/workers/stats", NULL, ARG_OWNER, false, false, true},
    {"GET", "/api/materials?user_id=%s", NULL, ARG_OWNER, true, true, true},
    {"GET", "/api/materials/%s", NULL, ARG_MATERIAL, true, true, true},
    {"GET", "/api/materials/%s/topics", NULL, ARG_MATERIAL, true, true, true},
    {"GET", "/api/materials/%s/download-url", NULL, ARG_MATERIAL, true, true, true},
    /* Search covers the caller's own materials, or one material the caller may see. */
    {"GET", "/api/search?q=mitochondria&material_id=%s", NULL, ARG_MATERIAL, true, true, true},
    {"GET", "/api/questions/%s", NULL, ARG_QUESTION, true, true, true},
    {"PATCH", "/api/questions/%s", "{\"explanation\":\"checked\"}", ARG_QUESTION, true, true, true},
    {"PATCH", "/api/questions/%s", "{\"tags\":[\"biology.cells\"]}", ARG_QUESTION, true, true, true},
    {"POST", "/api/questions/%s/tags/biology.cells/confirm", NULL, ARG_QUESTION, true, true, true},
    {"GET", "/api/questions/%s/versions", NULL, ARG_QUESTION, true, true, true},
    /* A material's settings follow its rule. */
    {"PATCH", "/api/materials/%s", "{\"review_generated\":true}", ARG_MATERIAL, true, true, true},
    /* Curricula: a material's links follow its rule; only admins import (the
     * list and the trees are for everyone signed in: below the matrix). */
    {"PUT", "/api/materials/%s/curricula", "{\"curriculum_ids\":[]}", ARG_MATERIAL, true, true, true},
    {"POST", "/api/admin/curricula", "{\"title\":\"Matrix\",\"codes\":[{\"code\":\"m.a\",\"title\":\"A\"}]}",
     ARG_OWNER, false, false, true},
    /* The tutor answers from the caller's own materials: a tutor or an admin who may see
     * a student's material does not ask about it. */
    {"POST", "/api/tutor/explain", "{\"question\":\"What makes ATP?\",\"material_ids\":[\"%s\"]}",
     ARG_MATERIAL, true, false, false},
    /* Study sessions, plans and chat: the owner writes; the owner's tutor and admins read. */
    {"GET", "/api/sessions?user_id=%s", NULL, ARG_OWNER, true, true, true},
    {"GET", "/api/sessions/%s", NULL, ARG_SESSION, true, true, true},
    {"GET", "/api/sessions/%s/chat", NULL, ARG_SESSION, true, true, true},
    {"GET", "/api/sessions/%s/plan", NULL, ARG_SESSION, true, true, true},
    {"GET", "/api/sessions/%s/plan.ics", NULL, ARG_SESSION, true, true, true},
    {"GET", "/api/plans/%s", NULL, ARG_PLAN, true, true, true},
    {"PATCH", "/api/sessions/%s", "{\"daily_minutes\":150}", ARG_SESSION, true, false, false},
    {"POST", "/api/plan/generate-verified", "{\"session_id\":\"%s\"}", ARG_SESSION, true, false, false},
    /* practice: a quiz is read by the one rule, taken by its student only;
     * cards and the autopilot are the student's own */
    {"GET", "/api/quiz/%s", NULL, ARG_QUIZ, true, true, true},
    {"POST", "/api/reviews/%s/grade", "{\"grade\":\"good\"}", ARG_CARD, true, false, false},
    {"GET", "/api/misconceptions?user_id=%s", NULL, ARG_OWNER, true, true, true},
    {"POST", "/api/analyze/performance", "{\"user_id\":\"%s\"}", ARG_OWNER, true, true, true},
    {"POST", "/api/sessions/%s/autopilot/next", NULL, ARG_SESSION, true, false, false},
    /* a DELETE or a submit is called by the owner last: the others are refused while it can be */
    {"POST", "/api/quiz/%s/submit", "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"mitochondria\"}]}",
     ARG_QUIZ, true, false, false},
    {"DELETE", "/api/sessions/%s", NULL, ARG_DOOMED, true, false, false},
};

/* Endpoints the owner is refused with 403 (they see what it acts on), the
 * others as in the first table. */
static const endpoint owner_forbidden[] = {
    /* Review: the owner's tutors and admins. */
    {"POST", "/api/questions/%s/review", "{\"decision\":\"approve\"}", ARG_QUESTION, false, true, true},
    {"POST", "/api/questions/%s/review", "{\"decision\":\"edit\",\"explanation\":\"reviewed\"}", ARG_QUESTION,
     false, true, true},
};

/* pattern with its "%s" (if any) replaced by value. */
static void fill(char *dst, size_t n, const char *pattern, const char *value)
{
    const char *at = strstr(pattern, "%s");
    if (at == NULL)
        snprintf(dst, n, "%s", pattern);
    else
        snprintf(dst, n, "%.*s%s%s", (int)(at - pattern), pattern, value, at + 2);
}

static long call(const it_server *s, const it_account *as, const endpoint *e, const cast *c, char **body_out)
{
    char path[256], body[256], auth[1100];
    const char *path_arg = e->arg == ARG_TUTOR      ? c->tutor.id
                           : e->arg == ARG_MATERIAL ? c->material_id
                           : e->arg == ARG_QUESTION ? c->question_id
                           : e->arg == ARG_SESSION  ? c->session_id
                           : e->arg == ARG_DOOMED   ? c->doomed_id
                           : e->arg == ARG_PLAN     ? c->plan_id
                           : e->arg == ARG_QUIZ     ? c->quiz_id
                           : e->arg == ARG_CARD     ? c->card_id
                                                    : c->owner.id;
    fill(path, sizeof path, e->path, path_arg);
    if (e->body != NULL)
        fill(body, sizeof body, e->body,
             e->arg == ARG_MATERIAL  ? c->material_id
             : e->arg == ARG_SESSION ? c->session_id
             : e->arg == ARG_QUIZ    ? c->quiz_question
                                     : c->owner.id);
    const char *h[] = {"Content-Type: application/json", it_bearer(as, auth, sizeof auth), NULL};
    it_response r;
    it_http(s, e->method, path, h, e->body ? body : NULL, e->body ? strlen(body) : 0, &r);
    long status = r.status;
    if (body_out != NULL)
        *body_out = strdup(r.body);
    it_response_free(&r);
    return status;
}

/* The owner uploads a one-question worksheet as text and waits until it is
 * extracted; its material and question ids go into the cast. */
static void owner_worksheet(const it_server *s, cast *c)
{
    static const char body[] =
        "{\"title\":\"Cells\",\"worksheet\":true,\"text\":\"Mitochondria make ATP for the cell.\\n\\n"
        "1. Which organelle makes ATP?\\nA. Ribosome\\nB. Mitochondrion\\nC. Nucleus\\n\\nAnswer Key\\n1. "
        "B\\n\"}";
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(&c->owner, auth, sizeof auth), NULL};
    it_response r;
    it_http(s, "POST", "/api/materials", h, body, strlen(body), &r);
    assert_int_equal(r.status, 202);
    json_t *j = it_json(&r);
    snprintf(c->material_id, sizeof c->material_id, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/materials/%s", c->material_id);
    for (int i = 0; i < 300; i++) {
        it_http(s, "GET", path, h, NULL, 0, &r);
        j = it_json(&r);
        const char *status = json_string_value(json_object_get(j, "status"));
        bool done = status != NULL && (strcmp(status, "ready") == 0 || strcmp(status, "failed") == 0);
        if (done)
            assert_string_equal(status, "ready");
        json_decref(j);
        it_response_free(&r);
        if (done)
            break;
        usleep(100 * 1000);
    }
    snprintf(path, sizeof path, "/api/questions?material_id=%s", c->material_id);
    it_http(s, "GET", path, h, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 1);
    snprintf(c->question_id, sizeof c->question_id, "%s",
             json_string_value(json_object_get(json_array_get(items, 0), "id")));
    json_decref(j);
    it_response_free(&r);
}

/* POST as the owner: the answer's JSON (status checked). */
static json_t *owner_post(const it_server *s, const cast *c, const char *path, const char *body, long want)
{
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(&c->owner, auth, sizeof auth), NULL};
    it_response r;
    it_http(s, "POST", path, h, body, strlen(body), &r);
    if (r.status != want)
        fail_msg("POST %s: expected %ld, got %ld %s", path, want, r.status, r.body);
    json_t *j = it_json(&r);
    it_response_free(&r);
    return j;
}

/* The owner's study sessions over the material, a plan of the first, and a
 * line of its chat history; their ids go into the cast. */
static void owner_sessions(const it_server *s, const it_backend *b, cast *c)
{
    /* the exam sixty days from today (UTC, the owner's zone) */
    time_t exam_at = time(NULL) + 60 * 86400;
    struct tm tm;
    gmtime_r(&exam_at, &tm);
    char body[256];
    snprintf(body, sizeof body,
             "{\"title\":\"Biology\",\"exam_date\":\"%04d-%02d-%02d\",\"daily_minutes\":120,"
             "\"material_ids\":[\"%s\"]}",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, c->material_id);
    json_t *j = owner_post(s, c, "/api/sessions", body, 201);
    snprintf(c->session_id, sizeof c->session_id, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    j = owner_post(s, c, "/api/sessions", body, 201);
    snprintf(c->doomed_id, sizeof c->doomed_id, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", c->session_id);
    j = owner_post(s, c, "/api/plan/generate-verified", body, 201);
    json_t *plan = json_object_get(j, "plan");
    snprintf(c->plan_id, sizeof c->plan_id, "%s", json_string_value(json_object_get(plan, "id")));
    assert_true(json_is_true(json_object_get(json_object_get(j, "verification"), "ok")));
    json_decref(j);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO chat_messages (id, session_id, user_id, role, content) "
             "VALUES ('01900000-0000-7000-8000-0000000000c1', '%s', '%s', 'user', 'What makes ATP?')",
             c->session_id, c->owner.id);
    it_backend_sql(b, false, sql);
}

/* A quiz of the owner's over the worksheet (no one else may make one from
 * it), and a review card of its question. */
static void owner_practice(const it_server *s, const it_backend *b, cast *c)
{
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", c->material_id);
    const it_account *others[] = {&c->tutor, &c->other_tutor, &c->stranger, &c->admin};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        char auth[1100];
        const char *h[] = {"Content-Type: application/json", it_bearer(others[i], auth, sizeof auth), NULL};
        it_response r;
        it_http(s, "POST", "/api/quiz/generate", h, body, strlen(body), &r);
        if (r.status != 404)
            fail_msg("POST /api/quiz/generate as %s: expected 404, got %ld %s", others[i]->email, r.status,
                     r.body);
        it_response_free(&r);
    }
    json_t *j = owner_post(s, c, "/api/quiz/generate", body, 201);
    snprintf(c->quiz_id, sizeof c->quiz_id, "%s", json_string_value(json_object_get(j, "id")));
    snprintf(c->quiz_question, sizeof c->quiz_question, "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(j, "questions"), 0), "id")));
    json_decref(j);
    snprintf(c->card_id, sizeof c->card_id, "01900000-0000-7000-8000-0000000000ca");
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO review_cards (id, user_id, question_id, topic, due_at, created_at) "
             "VALUES ('%s', '%s', '%s', 'Cells', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
             c->card_id, c->owner.id, c->question_id);
    it_backend_sql(b, false, sql);
}

static void access_matrix(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    cast c;
    it_register(&s, "owner@example.org", &c.owner);
    it_register(&s, "tutor@example.org", &c.tutor);
    it_register(&s, "other-tutor@example.org", &c.other_tutor);
    it_register(&s, "stranger@example.org", &c.stranger);
    memset(&c.admin, 0, sizeof c.admin);
    snprintf(c.admin.email, sizeof c.admin.email, "boss@example.org");
    snprintf(c.admin.password, sizeof c.admin.password, "the boss has a long password");
    it_login(&s, &c.admin);
    it_set_role(&b, &c.tutor, "tutor");
    it_set_role(&b, &c.other_tutor, "tutor");
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO tutor_students (tutor_id, student_id) VALUES ('%s', '%s')",
             c.tutor.id, c.owner.id);
    it_backend_sql(&b, false, sql);
    owner_worksheet(&s, &c);
    owner_sessions(&s, &b, &c);
    owner_practice(&s, &b, &c);

    /* What a refusal looks like: exactly what a missing owner gets. */
    char *missing = NULL;
    {
        endpoint probe = endpoints[0];
        cast ghost = c;
        snprintf(ghost.owner.id, sizeof ghost.owner.id, "01900000-0000-7000-8000-000000000000");
        (void)call(&s, &c.stranger, &probe, &ghost, &missing);
    }

    struct {
        const it_account *who;
        const char *name;
        int kind;
    } callers[] = {
        {&c.owner, "owner", 0},
        {&c.tutor, "assigned tutor", 1},
        {&c.other_tutor, "other tutor", 2},
        {&c.stranger, "other student", 2},
        {&c.admin, "admin", 3},
    };
    size_t n_endpoints = sizeof endpoints / sizeof endpoints[0];
    size_t n_forbidden = sizeof owner_forbidden / sizeof owner_forbidden[0];
    for (size_t e = 0; e < n_endpoints + n_forbidden; e++) {
        size_t n_callers = sizeof callers / sizeof callers[0];
        for (size_t i = 0; i < n_callers; i++) {
            const endpoint *ep = e < n_endpoints ? &endpoints[e] : &owner_forbidden[e - n_endpoints];
            bool once = strcmp(ep->method, "DELETE") == 0 || strstr(ep->path, "/submit") != NULL;
            size_t k = once ? (i + 1) % n_callers : i; /* the owner (0) last */
            bool ok = callers[k].kind == 0   ? ep->owner_ok
                      : callers[k].kind == 1 ? ep->tutor_ok
                      : callers[k].kind == 3 ? ep->admin_ok
                                             : false;
            long refused = e >= n_endpoints && callers[k].kind == 0 ? 403 : 404;
            char *body = NULL;
            long status = call(&s, callers[k].who, ep, &c, &body);
            if (ok && (status < 200 || status > 299))
                fail_msg("%s %s as %s: expected 2xx, got %ld %s", ep->method, ep->path, callers[k].name,
                         status, body);
            if (!ok && status != refused)
                fail_msg("%s %s as %s: expected %ld, got %ld %s", ep->method, ep->path, callers[k].name,
                         refused, status, body);
            if (!ok && e == 0 && strcmp(body, missing) != 0)
                fail_msg("a refusal differs from a missing owner: %s vs %s", body, missing);
            free(body);
        }
    }
    free(missing);

    /* Standards are for everyone signed in, and for nobody else. */
    char *list = NULL;
    endpoint curricula = {"GET", "/api/curricula", NULL, ARG_OWNER, true, true, true};
    assert_int_equal(call(&s, &c.admin, &curricula, &c, &list), 200);
    json_t *j = json_loads(list, 0, NULL);
    char tree[128];
    snprintf(tree, sizeof tree, "/api/curricula/%s",
             json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")));
    json_decref(j);
    free(list);
    endpoint one = {"GET", tree, NULL, ARG_OWNER, true, true, true};
    for (size_t i = 0; i < sizeof callers / sizeof callers[0]; i++) {
        assert_int_equal(call(&s, callers[i].who, &curricula, &c, NULL), 200);
        assert_int_equal(call(&s, callers[i].who, &one, &c, NULL), 200);
    }
    it_response r;
    it_http(&s, "GET", "/api/curricula", NULL, NULL, 0, &r);
    assert_int_equal(r.status, 401);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(access_matrix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
