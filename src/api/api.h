/* api: the HTTP handlers, one file per resource, and the table that routes to
 * them (routes.c), which says for every route who may call it. Handlers are
 * thin: parse, call the area's use case, respond. They never build SQL, hold
 * business rules or open transactions; they reach what they need through the
 * api_ctx the application hands the server (req->ctx), and the caller through
 * api_caller_of(req), which the pipeline has already authenticated for every
 * route that is not public. */
#ifndef EM_API_API_H
#define EM_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/accounts.h"
#include "content/storage.h"
#include "core/jsonw.h"
#include "db/db.h"
#include "http/router.h"
#include "materials/links.h"
#include "materials/submit.h"

struct job_kind;       /* jobs/worker.h */
struct llm_provider;   /* llm/provider.h */
struct passages_cache; /* materials/passages.h */
struct webstore;       /* web/store.h */

/* The producers of tutor streams (api/tutor.c): `threads` threads, started
 * with the first stream, each with its own connection from `pool`, and at most
 * max_streams streams queued or being produced (more are answered 503 busy).
 * Free after the server has stopped and before `pool`: api_tutor_free lets the
 * producers finish what is queued (the server's stop has closed those
 * streams) and joins them. */
typedef struct api_tutor api_tutor;
api_tutor *api_tutor_new(dbpool *pool, int threads, int max_streams);
void api_tutor_free(api_tutor *t);

/* Cookies of the web UI's session. */
#define API_COOKIE_ACCESS "em_access"
#define API_COOKIE_REFRESH "em_refresh"
#define API_COOKIE_CSRF "em_csrf"

/* What the handlers need, built by the application from the configuration:
 * handles and narrow settings, never the configuration itself. Read-only
 * while serving. */
typedef struct api_ctx {
    dbpool *db;                       /* one connection per thread */
    accounts *accounts;               /* the account use cases (auth/accounts.h) */
    bool secure_cookies;              /* Secure on the session cookies (outside local) */
    storage *files;                   /* uploaded originals */
    links_settings links;             /* signed download links */
    size_t max_download;              /* largest original handed back (MAX_UPLOAD_MB) */
    int worker_alive_s;               /* a worker whose heartbeat is older is not alive (JOB_LEASE_SECONDS) */
    submit_limits upload_limits;      /* MIN_FREE_DISK_MB under DATA_DIR, MAX_PENDING_EXTRACTIONS and
                                         USER_STORAGE_MB and USER_MATERIALS_MAX per user (zeros: none) */
    const struct job_kind *job_kinds; /* the application's job kinds (borrowed, may be NULL): the steps an
                                    operator's retry or delete of a job runs (jobs/worker.h) */
    size_t n_job_kinds;
    /* The wall clock in Unix milliseconds (NULL: clock_now_ms); tests set
       their own to fix "now" (a student's local today). */
    int64_t (*now_ms)(void);
    /* Tell an in-process worker that a job was enqueued (may be NULL). */
    void (*wake_worker)(void *wake_ctx);
    void *wake_ctx;
    const struct llm_provider *llm;  /* the tutor's engine (LLM_PROVIDER) */
    struct passages_cache *passages; /* built indexes of materials (TUTOR_INDEX_CACHE_MB) */
    const struct wordnet *wordnet;   /* quiz distractors (WORDNET_DIR); may be NULL */
    api_tutor *tutor;                /* the stream producers (TUTOR_THREADS, TUTOR_MAX_STREAMS) */
    struct inflight *quiz_gate; /* quizzes being made, per student: one each (API_QUIZ_GATE_KEYS students) */
    struct inflight
        *tutor_gate; /* tutor answers queued or being made, per account (TUTOR_STREAMS_PER_USER) */
    const struct webstore *web;      /* the web UI's files (compiled in, or serve --web-dir); NULL: none */
    struct ratelimit *work_meter;    /* ROUTE_METERED calls per account (USER_RATE_LIMIT); NULL: none */
    struct redis *redis;             /* REDIS_URL (GET /api/health/redis); NULL when unset */
    const char *backup_dir;          /* BACKUP_DIR (GET /api/admin/backups); NULL: none listed */
} api_ctx;

/* Accounts whose metered calls the meter follows at once; past them, calls of
 * accounts it does not hold yet wait (429) until one's window passes. */
#define API_METER_KEYS 65536

/* Students making a quiz at the same moment that the gate keeps apart; more
 * wait for one of them to finish. */
#define API_QUIZ_GATE_KEYS 4096

/* Every route, with its access and flags. */
const http_route *api_routes(size_t *n /* OUT */);

/* ---- the caller (api/caller.c) ---- */

/* Who is calling a route that is not public. */
typedef struct api_caller {
    principal who;   /* the account's id and current role */
    user account;    /* the account row, as read for this request */
    bool via_cookie; /* the credential came in the web UI's cookie */
} api_caller;

/* The site's authenticator (http.h): an access token from Authorization:
 * Bearer, or else the em_access cookie, of an active account (401 otherwise,
 * with WWW-Authenticate); a cookie caller's state-changing request must echo
 * the em_csrf cookie in X-CSRF-Token (403 csrf_failed); HTTP_ADMIN routes
 * answer 404 to everyone but admins, as if they did not exist; a
 * ROUTE_METERED call past the account's budget (work_meter) is 429
 * rate_limited with Retry-After, before the handler starts any work. */
bool api_authenticate(void *ctx, http_req *req, http_res *res, http_access access, unsigned route_flags);
/* The caller api_authenticate admitted (never NULL on a route that is not
 * public; NULL on public routes). */
const api_caller *api_caller_of(const http_req *req);
/* The double-submit check: X-CSRF-Token equals the em_csrf cookie. */
bool api_csrf_ok(http_req *req);
/* Set the session cookies (access, refresh, CSRF); access == NULL clears them. */
void api_set_auth_cookies(http_req *req, http_res *res, const char *access, const char *refresh);

/* ---- shared by handlers (api/common.c) ---- */

/* The calling thread's database connection, or an error response already
 * written (503) and NULL returned. */
db *api_db(http_req *req, http_res *res);
/* A query parameter as a whole number in [lo, hi]: `fallback` when absent,
 * -1 when malformed or out of range. */
long api_query_long(const http_req *req, const char *name, long lo, long hi, long fallback);
/* A page of a list: ?limit= (1..max) and ?offset= (0..API_OFFSET_MAX). */
#define API_OFFSET_MAX 1000000
typedef struct api_page {
    long limit, offset;
} api_page;
/* Read a page's query (limit defaults to dflt, offset to 0). False after
 * answering 400 invalid_request when either is malformed or out of range. */
bool api_page_read(const http_req *req, http_res *res, long max, long dflt, api_page *out /* OUT */);
/* Write a page's envelope around its items: api_page_begin opens
 * {"items": [, the caller writes each item, api_page_end closes the array and
 * adds "total" (or "count" when total is negative: how many items there
 * are), "limit" and "offset". */
void api_page_begin(jsonw *w);
void api_page_end(jsonw *w, const api_page *p, int64_t total, size_t count);
/* The same envelope around a JSON array (taken): answers 200 with {"items",
 * "total", "limit", "offset"}. */
void api_page_respond(http_res *res, const api_page *p, json_t *items, int64_t total);
/* Answer a use case's refusal or failure: the status and code that its rc and
 * em_error reason stand for (404 not_found, 409 conflict, 422
 * validation_error, 401/403 with the reason as code, 429 with Retry-After,
 * 503 ...), with its message. */
void api_error(http_res *res, int rc, const em_error *err);
/* The error code api_error would answer with (static): the reason, else
 * http_status_for's code. For errors written inside a stream. */
const char *api_error_code(int rc, const em_error *err);
/* Now, in Unix milliseconds, from api_ctx.now_ms. */
int64_t api_now_ms(const http_req *req);
/* The public view of an account (no password hash). New reference. */
json_t *api_user_json(const user *u);

/* ---- handlers (one file each) ---- */
/* health.c */
void api_health(http_req *req, http_res *res);
void api_health_check(http_req *req, http_res *res);
void api_health_database(http_req *req, http_res *res);
/* backups.c: GET /api/admin/backups, the backups in BACKUP_DIR newest first
 * ({"dir","items":[{"name","created_at","dialect","schema_version",
 * "database_bytes","files","file_bytes"}]}); POST /api/admin/backups, one
 * made now by a worker: 202 {"job_id"}. */
void api_admin_backups_list(http_req *req, http_res *res);
void api_admin_backups_request(http_req *req, http_res *res);
/* GET /api/health/redis: 200 {"status":"ok","latency_ms"} when Redis answers
 * PING, 503 redis_unavailable when REDIS_URL is set and it does not, 200
 * {"status":"not_configured"} without REDIS_URL. */
void api_health_redis(http_req *req, http_res *res);
/* auth.c */
void api_auth_register(http_req *req, http_res *res);
void api_auth_login(http_req *req, http_res *res);
void api_auth_refresh(http_req *req, http_res *res);
void api_auth_logout(http_req *req, http_res *res);
/* users.c */
void api_users_me(http_req *req, http_res *res);
void api_users_me_update(http_req *req, http_res *res);
void api_users_me_password(http_req *req, http_res *res);
/* admin.c */
void api_admin_users_list(http_req *req, http_res *res);
void api_admin_tutor_students_list(http_req *req, http_res *res);
void api_admin_users_update(http_req *req, http_res *res);
void api_admin_tutor_students(http_req *req, http_res *res);
void api_admin_tutor_unassign(http_req *req, http_res *res);
/* topics.c */
void api_topics_list(http_req *req, http_res *res);
void api_topics_create(http_req *req, http_res *res);
/* materials.c */
void api_materials_upload(http_req *req, http_res *res);
void api_materials_list(http_req *req, http_res *res);
void api_materials_get(http_req *req, http_res *res);
void api_materials_update(http_req *req, http_res *res);
void api_materials_delete(http_req *req, http_res *res);
void api_materials_topics(http_req *req, http_res *res);
void api_materials_download_url(http_req *req, http_res *res);
void api_materials_download(http_req *req, http_res *res);
/* search.c */
void api_search(http_req *req, http_res *res);
/* tutor.c */
void api_tutor_stream(http_req *req, http_res *res);
void api_tutor_explain(http_req *req, http_res *res);
/* questions.c */
void api_questions_list(http_req *req, http_res *res);
void api_questions_get(http_req *req, http_res *res);
void api_questions_update(http_req *req, http_res *res);
void api_questions_confirm_tag(http_req *req, http_res *res);
void api_questions_review(http_req *req, http_res *res);
void api_questions_versions(http_req *req, http_res *res);
/* curricula.c */
void api_curricula_import(http_req *req, http_res *res);
void api_curricula_list(http_req *req, http_res *res);
void api_curricula_get(http_req *req, http_res *res);
void api_materials_curricula(http_req *req, http_res *res);
/* sessions.c */
void api_sessions_create(http_req *req, http_res *res);
void api_sessions_list(http_req *req, http_res *res);
void api_sessions_get(http_req *req, http_res *res);
void api_sessions_update(http_req *req, http_res *res);
void api_sessions_delete(http_req *req, http_res *res);
void api_sessions_chat(http_req *req, http_res *res);
/* plans.c */
void api_plans_generate(http_req *req, http_res *res);
void api_plans_get(http_req *req, http_res *res);
void api_sessions_plan(http_req *req, http_res *res);
void api_sessions_plan_ics(http_req *req, http_res *res);
/* workers.c */
void api_workers_health(http_req *req, http_res *res);
void api_workers_stats(http_req *req, http_res *res);
void api_workers_dashboard(http_req *req, http_res *res);
void api_admin_job_retry(http_req *req, http_res *res);
void api_admin_job_delete(http_req *req, http_res *res);
/* web.c: the web UI (GET /assets/{hash}/{path...}, and index.html for / and
 * every other GET path that is not the API's) */
void api_web_asset(http_req *req, http_res *res);
void api_web_page(http_req *req, http_res *res);
/* api/quizzes.c */
void api_quiz_generate(http_req *req, http_res *res);
void api_quiz_get(http_req *req, http_res *res);
void api_quiz_submit(http_req *req, http_res *res);
void api_reviews_due(http_req *req, http_res *res);
void api_reviews_grade(http_req *req, http_res *res);
void api_analyze_performance(http_req *req, http_res *res);
void api_misconceptions_list(http_req *req, http_res *res);
void api_sessions_autopilot_next(http_req *req, http_res *res);
/* roster.c */
void api_tutor_students_list(http_req *req, http_res *res);
void api_tutor_students_get(http_req *req, http_res *res);
/* jobs.c */
void api_admin_jobs_list(http_req *req, http_res *res);
/* quiz_list.c */
void api_quizzes_list(http_req *req, http_res *res);
/* passages.c */
void api_materials_passages_list(http_req *req, http_res *res);
void api_materials_passage_get(http_req *req, http_res *res);

#endif
