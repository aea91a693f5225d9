/* routes: the route table. Every row says who may call it; the pipeline
 * enforces that before the handler runs (http.h, api_authenticate).
 * ROUTE_SLOW: holds its thread (password hashing, file storage), so it runs
 * off the I/O threads; ROUTE_UPLOAD: its body limit is MAX_UPLOAD_MB instead
 * of MAX_BODY_KB; ROUTE_METERED: it starts work the server pays for, counted
 * against the caller's USER_RATE_LIMIT. */
#include "api/api.h"

static const http_route routes[] = {
    {"GET", "/health", api_health, HTTP_PUBLIC, 0},
    {"GET", "/api/v1/utils/health-check", api_health_check, HTTP_PUBLIC, 0},
    {"GET", "/api/health/database", api_health_database, HTTP_PUBLIC, 0},
    {"GET", "/api/health/redis", api_health_redis, HTTP_PUBLIC, 0},
    /* The refresh token is the credential of refresh and logout. */
    {"POST", "/api/auth/register", api_auth_register, HTTP_PUBLIC, ROUTE_SLOW},
    {"POST", "/api/auth/login", api_auth_login, HTTP_PUBLIC, ROUTE_SLOW},
    {"POST", "/api/auth/refresh", api_auth_refresh, HTTP_PUBLIC, 0},
    {"POST", "/api/auth/logout", api_auth_logout, HTTP_PUBLIC, 0},
    {"GET", "/api/users/me", api_users_me, HTTP_SIGNED_IN, 0},
    {"PATCH", "/api/users/me", api_users_me_update, HTTP_SIGNED_IN, 0},
    {"POST", "/api/users/me/password", api_users_me_password, HTTP_SIGNED_IN, ROUTE_SLOW},
    {"GET", "/api/admin/users", api_admin_users_list, HTTP_ADMIN, 0},
    {"PATCH", "/api/admin/users/{id}", api_admin_users_update, HTTP_ADMIN, 0},
    {"GET", "/api/admin/tutors/{tutor_id}/students", api_admin_tutor_students_list, HTTP_ADMIN, 0},
    {"POST", "/api/admin/tutors/{tutor_id}/students", api_admin_tutor_students, HTTP_ADMIN, 0},
    {"DELETE", "/api/admin/tutors/{tutor_id}/students/{student_id}", api_admin_tutor_unassign, HTTP_ADMIN, 0},
    {"GET", "/api/admin/jobs", api_admin_jobs_list, HTTP_ADMIN, 0},
    {"POST", "/api/admin/jobs/{id}/retry", api_admin_job_retry, HTTP_ADMIN, 0},
    {"DELETE", "/api/admin/jobs/{id}", api_admin_job_delete, HTTP_ADMIN, 0},
    {"GET", "/api/admin/backups", api_admin_backups_list, HTTP_ADMIN, 0},
    {"POST", "/api/admin/backups", api_admin_backups_request, HTTP_ADMIN, 0},
    {"GET", "/api/workers/health", api_workers_health, HTTP_ADMIN, 0},
    {"GET", "/api/workers/stats", api_workers_stats, HTTP_ADMIN, 0},
    {"GET", "/api/workers/dashboard", api_workers_dashboard, HTTP_ADMIN, 0},
    {"GET", "/api/topics", api_topics_list, HTTP_SIGNED_IN, 0},
    {"POST", "/api/topics", api_topics_create, HTTP_SIGNED_IN, 0},
    {"POST", "/api/materials", api_materials_upload, HTTP_SIGNED_IN,
     ROUTE_SLOW | ROUTE_UPLOAD | ROUTE_METERED},
    {"GET", "/api/materials", api_materials_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/materials/{id}", api_materials_get, HTTP_SIGNED_IN, 0},
    /* Settings: the one rule (owner, the owner's tutors, admins). */
    {"PATCH", "/api/materials/{id}", api_materials_update, HTTP_SIGNED_IN, 0},
    {"DELETE", "/api/materials/{id}", api_materials_delete, HTTP_SIGNED_IN, ROUTE_SLOW},
    {"GET", "/api/materials/{id}/topics", api_materials_topics, HTTP_SIGNED_IN, 0},
    {"GET", "/api/materials/{id}/download-url", api_materials_download_url, HTTP_SIGNED_IN, 0},
    /* A material's passages as text (opening a search hit or a citation): the one rule. */
    {"GET", "/api/materials/{id}/passages", api_materials_passages_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/materials/{id}/passages/{n}", api_materials_passage_get, HTTP_SIGNED_IN, 0},
    /* The signed link in the query is the permission. */
    {"GET", "/api/materials/{id}/download", api_materials_download, HTTP_PUBLIC, ROUTE_SLOW},
    {"GET", "/api/search", api_search, HTTP_SIGNED_IN, 0},
    /* The stream's handler only starts it: a producer thread does the work. */
    {"POST", "/api/tutor/stream", api_tutor_stream, HTTP_SIGNED_IN, ROUTE_METERED},
    {"POST", "/api/tutor/explain", api_tutor_explain, HTTP_SIGNED_IN, ROUTE_SLOW | ROUTE_METERED},
    /* Study sessions, their plans and chat: the study area applies the one
     * rule (owner writes; owner, the owner's tutors and admins read). */
    {"POST", "/api/sessions", api_sessions_create, HTTP_SIGNED_IN, ROUTE_METERED},
    {"GET", "/api/sessions", api_sessions_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/sessions/{id}", api_sessions_get, HTTP_SIGNED_IN, 0},
    {"PATCH", "/api/sessions/{id}", api_sessions_update, HTTP_SIGNED_IN, 0},
    {"DELETE", "/api/sessions/{id}", api_sessions_delete, HTTP_SIGNED_IN, 0},
    {"GET", "/api/sessions/{id}/chat", api_sessions_chat, HTTP_SIGNED_IN, 0},
    {"GET", "/api/sessions/{id}/plan", api_sessions_plan, HTTP_SIGNED_IN, 0},
    {"GET", "/api/sessions/{id}/plan.ics", api_sessions_plan_ics, HTTP_SIGNED_IN, 0},
    {"POST", "/api/plan/generate-verified", api_plans_generate, HTTP_SIGNED_IN, ROUTE_METERED},
    {"GET", "/api/plans/{id}", api_plans_get, HTTP_SIGNED_IN, 0},
    {"GET", "/api/questions", api_questions_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/questions/{id}", api_questions_get, HTTP_SIGNED_IN, 0},
    {"PATCH", "/api/questions/{id}", api_questions_update, HTTP_SIGNED_IN, 0},
    {"POST", "/api/questions/{id}/tags/{tag}/confirm", api_questions_confirm_tag, HTTP_SIGNED_IN, 0},
    /* Review: the area admits the owner's tutors and admins (the owner: 403);
     * versions: whoever sees the question. */
    {"POST", "/api/questions/{id}/review", api_questions_review, HTTP_SIGNED_IN, 0},
    {"GET", "/api/questions/{id}/versions", api_questions_versions, HTTP_SIGNED_IN, 0},
    /* Curriculum standards: admins import, everyone signed in reads; a
     * material's links follow the one rule, as its questions' corrections. */
    {"POST", "/api/admin/curricula", api_curricula_import, HTTP_ADMIN, 0},
    {"GET", "/api/curricula", api_curricula_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/curricula/{id}", api_curricula_get, HTTP_SIGNED_IN, 0},
    {"PUT", "/api/materials/{id}/curricula", api_materials_curricula, HTTP_SIGNED_IN, 0},
    /* Practice: a quiz, a card, a session's autopilot are their student's to
     * take and drive; tutors and admins read them by the one rule. Making a
     * quiz indexes and generates, so it runs off the I/O threads. */
    {"POST", "/api/quiz/generate", api_quiz_generate, HTTP_SIGNED_IN, ROUTE_SLOW | ROUTE_METERED},
    {"GET", "/api/quizzes", api_quizzes_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/quiz/{id}", api_quiz_get, HTTP_SIGNED_IN, 0},
    {"POST", "/api/quiz/{id}/submit", api_quiz_submit, HTTP_SIGNED_IN, 0},
    {"GET", "/api/reviews/due", api_reviews_due, HTTP_SIGNED_IN, 0},
    {"POST", "/api/reviews/{card_id}/grade", api_reviews_grade, HTTP_SIGNED_IN, 0},
    {"POST", "/api/analyze/performance", api_analyze_performance, HTTP_SIGNED_IN, ROUTE_SLOW | ROUTE_METERED},
    {"GET", "/api/misconceptions", api_misconceptions_list, HTTP_SIGNED_IN, 0},
    {"POST", "/api/sessions/{id}/autopilot/next", api_sessions_autopilot_next, HTTP_SIGNED_IN, 0},
    /* The tutor's room: tutors and admins (a student: 403); each student by
     * the one rule. */
    {"GET", "/api/tutor/students", api_tutor_students_list, HTTP_SIGNED_IN, 0},
    {"GET", "/api/tutor/students/{id}", api_tutor_students_get, HTTP_SIGNED_IN, 0},
    /* The web UI: its files under the bundle's hash, and its page for / and
     * every other GET path (the UI routes in the browser; the handler
     * answers /api/... and /assets/... paths as routes that do not exist). */
    {"GET", "/assets/{hash}/{path...}", api_web_asset, HTTP_PUBLIC, 0},
    {"GET", "/", api_web_page, HTTP_PUBLIC, 0},
    {"GET", "/{path...}", api_web_page, HTTP_PUBLIC, ROUTE_FALLBACK},
};

const http_route *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
