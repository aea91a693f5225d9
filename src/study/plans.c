/* plans: see plans.h. */
#include "study/plans.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "auth/users.h"
#include "core/clock.h"
#include "core/ics.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "core/tz.h"
#include "learn/verify.h"
#include "study/mastery.h"
#include "study/sessions.h"
#include "study/today.h"

#define PLAN_COLUMNS "p.id, p.session_id, p.user_id, p.plan, p.report, p.created_at"
#define PLANS_PRODID "-//exammentor//study plan//EN"

void plan_record_cleanup(plan_record *r)
{
    if (r == NULL)
        return;
    free(r->plan_json);
    free(r->report_json);
    memset(r, 0, sizeof *r);
}

static void read_record(db_stmt *st, plan_record *r)
{
    snprintf(r->id, sizeof r->id, "%s", db_column_text(st, 0));
    snprintf(r->session_id, sizeof r->session_id, "%s", db_column_text(st, 1));
    snprintf(r->user_id, sizeof r->user_id, "%s", db_column_text(st, 2));
    r->plan_json = db_column_strdup(st, 3);
    r->report_json = db_column_strdup(st, 4);
    snprintf(r->created_at, sizeof r->created_at, "%s", db_column_text(st, 5));
}

/* ---- the planner's input, from the session ---- */

typedef struct input {
    char time_zone[TZ_NAME_MAX + 1];
    char exam_date[CIVIL_TEXT_MAX], today[CIVIL_TEXT_MAX];
    /* topics as visited (names and material ids owned), then grouped */
    char **names;
    char (*topic_material)[37];
    plan_topic *topics;
    size_t n_topics, cap;
    plan_material *materials;
    char (*material_ids)[37];
    size_t n_materials;
    civil_date *free_dates;
    size_t n_free;
    plan_input in;
} input;

static void input_cleanup(input *x)
{
    for (size_t i = 0; i < x->n_topics; i++)
        free(x->names[i]);
    free(x->names);
    free(x->topic_material);
    free(x->topics);
    free(x->materials);
    free(x->material_ids);
    free(x->free_dates);
    memset(x, 0, sizeof *x);
}

static void collect_topic(void *ctx, const session_topic *t)
{
    input *x = ctx;
    if (x->n_topics == x->cap) {
        x->cap = x->cap != 0 ? x->cap * 2 : 32;
        x->names = em_realloc(x->names, x->cap * sizeof *x->names);
        x->topic_material = em_realloc(x->topic_material, x->cap * sizeof *x->topic_material);
        x->topics = em_realloc(x->topics, x->cap * sizeof *x->topics);
    }
    size_t i = x->n_topics++;
    x->names[i] = em_strdup(t->name);
    snprintf(x->topic_material[i], 37, "%s", t->material_id);
    int64_t words = t->words < 0 ? 0 : t->words > PLAN_MAX_WORDS ? PLAN_MAX_WORDS : t->words;
    double m = t->mastery < 0.0 ? 0.0 : t->mastery > 1.0 ? 1.0 : t->mastery;
    x->topics[i] = (plan_topic){.name = NULL, .words = (int)words, .mastery = m};
}

/* Materials are consecutive runs of topics with one material id. */
static void group_materials(input *x)
{
    x->materials = em_calloc(x->n_topics > 0 ? x->n_topics : 1, sizeof *x->materials);
    x->material_ids = em_calloc(x->n_topics > 0 ? x->n_topics : 1, sizeof *x->material_ids);
    for (size_t i = 0; i < x->n_topics; i++) {
        x->topics[i].name = x->names[i];
        if (x->n_materials == 0 || strcmp(x->material_ids[x->n_materials - 1], x->topic_material[i]) != 0) {
            snprintf(x->material_ids[x->n_materials], 37, "%s", x->topic_material[i]);
            x->materials[x->n_materials] =
                (plan_material){.title = NULL, .topics = &x->topics[i], .n_topics = 0};
            x->n_materials++;
        }
        x->materials[x->n_materials - 1].n_topics++;
    }
}

static int parse_free_dates(const char *text, input *x, em_error *err)
{
    json_t *v = json_loads(text != NULL ? text : "[]", 0, NULL);
    bool readable = json_is_array(v);
    size_t n = json_array_size(v);
    x->free_dates = em_calloc(n > 0 ? n : 1, sizeof *x->free_dates);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (s != NULL && civil_parse(s, strlen(s), &x->free_dates[x->n_free]) == EM_OK)
            x->n_free++;
    }
    json_decref(v);
    return readable ? EM_OK : em_error_set(err, EM_E_INTERNAL, "the session's free dates are unreadable");
}

/* Everything the planner needs, and the refusals that come before it. */
static int gather(db *d, const char *owner, const char *session_id, int64_t now_ms, input *x, em_error *err)
{
    memset(x, 0, sizeof *x);
    session s;
    int rc = sessions__get(d, session_id, &s, err);
    if (rc != EM_OK)
        return rc;
    user u;
    rc = users_get_by_id(d, owner, &u, err);
    civil_date today = {0}, exam = {0};
    if (rc == EM_OK) {
        snprintf(x->time_zone, sizeof x->time_zone, "%s", u.time_zone[0] ? u.time_zone : "UTC");
        rc = today_local_date(x->time_zone, now_ms, &today, err);
    }
    if (rc == EM_OK && civil_parse(s.exam_date, strlen(s.exam_date), &exam) != EM_OK)
        rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                             "the session has no exam date: set exam_date");
    if (rc == EM_OK) {
        civil_format(today, x->today);
        civil_format(exam, x->exam_date);
        if (civil_cmp(exam, today) < 0)
            rc = em_error_refuse(err, EM_E_INVAL, PLANS_EXAM_PAST,
                                 "the exam date %s is past: today is %s in %s; set a later exam_date",
                                 x->exam_date, x->today, x->time_zone);
    }
    if (rc == EM_OK)
        rc = parse_free_dates(s.free_dates_json, x, err);
    if (rc == EM_OK)
        rc = sessions__topics(d, session_id, collect_topic, x, err);
    if (rc == EM_OK && x->n_topics == 0)
        rc = em_error_refuse(err, EM_E_INVAL, PLANS_NO_MATERIAL,
                             "the session has no ready material with topics: add processed material "
                             "(status ready) to material_ids");
    if (rc == EM_OK) {
        group_materials(x);
        x->in = (plan_input){
            .today = today,
            .exam = exam,
            .daily_minutes = s.daily_minutes,
            .weekdays = s.study_days & SESSION_ALL_DAYS,
            .free_dates = x->free_dates,
            .n_free_dates = x->n_free,
            .materials = x->materials,
            .n_materials = x->n_materials,
        };
    }
    session_cleanup(&s);
    return rc;
}

/* ---- the cache key ---- */

static void hash_text(crypto_hash_sha256_state *st, const char *label, const char *value)
{
    char head[64];
    size_t len = strlen(value);
    int n = snprintf(head, sizeof head, "%s %zu:", label, len); /* length first: no two inputs run together */
    crypto_hash_sha256_update(st, (const unsigned char *)head, (unsigned long long)n);
    crypto_hash_sha256_update(st, (const unsigned char *)value, (unsigned long long)len);
}

static void hash_number(crypto_hash_sha256_state *st, const char *label, double v)
{
    char text[64];
    snprintf(text, sizeof text, "%.17g", v);
    hash_text(st, label, text);
}

/* SHA-256 (hex) over every input of the plan. */
static void cache_key(const input *x, const char *provider, const char *session_id, char hex[65])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    hash_number(&st, "algorithm", PLANS_ALGORITHM_VERSION);
    hash_text(&st, "provider", provider);
    hash_text(&st, "session", session_id);
    hash_text(&st, "today", x->today);
    hash_text(&st, "time_zone", x->time_zone);
    hash_text(&st, "exam", x->exam_date);
    hash_number(&st, "budget", x->in.daily_minutes);
    hash_number(&st, "weekdays", x->in.weekdays);
    for (size_t i = 0; i < x->n_free; i++) {
        char date[CIVIL_TEXT_MAX];
        civil_format(x->free_dates[i], date);
        hash_text(&st, "free", date);
    }
    for (size_t m = 0; m < x->n_materials; m++) {
        hash_text(&st, "material", x->material_ids[m]);
        const plan_material *pm = &x->materials[m];
        for (size_t t = 0; t < pm->n_topics; t++) {
            hash_text(&st, "topic", pm->topics[t].name);
            hash_number(&st, "words", pm->topics[t].words);
            hash_number(&st, "mastery", pm->topics[t].mastery);
        }
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

/* ---- JSON of a plan and its report ---- */

static const char *kind_name(plan_kind k)
{
    return k == PLAN_STUDY ? "study" : k == PLAN_REVIEW ? "review" : "revision";
}

static int plan_json(const input *x, const plan *p, const plan_record *r, char **out)
{
    buf b;
    buf_init(&b, PLANS_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_object_begin(&w);
    jsonw_key(&w, "id");
    jsonw_string(&w, r->id);
    jsonw_key(&w, "session_id");
    jsonw_string(&w, r->session_id);
    jsonw_key(&w, "created_at");
    jsonw_string(&w, r->created_at);
    jsonw_key(&w, "time_zone");
    jsonw_string(&w, x->time_zone);
    jsonw_key(&w, "today");
    jsonw_string(&w, x->today);
    jsonw_key(&w, "exam_date");
    jsonw_string(&w, x->exam_date);
    jsonw_key(&w, "daily_minutes");
    jsonw_int(&w, x->in.daily_minutes);
    jsonw_key(&w, "study_minutes");
    jsonw_int(&w, p->study_minutes);
    jsonw_key(&w, "review_minutes");
    jsonw_int(&w, p->review_minutes);
    jsonw_key(&w, "revision_minutes");
    jsonw_int(&w, p->revision_minutes);
    jsonw_key(&w, "reviews_skipped");
    jsonw_int(&w, p->reviews_skipped);
    jsonw_key(&w, "days");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < p->n_days; i++) {
        const plan_day *day = &p->days[i];
        char date[CIVIL_TEXT_MAX];
        civil_format(day->date, date);
        jsonw_object_begin(&w);
        jsonw_key(&w, "date");
        jsonw_string(&w, date);
        jsonw_key(&w, "minutes");
        jsonw_int(&w, day->minutes);
        jsonw_key(&w, "items");
        jsonw_array_begin(&w);
        for (size_t k = 0; k < day->n_items; k++) {
            const plan_item *it = &day->items[k];
            const plan_material *pm = &x->materials[it->material];
            jsonw_object_begin(&w);
            jsonw_key(&w, "kind");
            jsonw_string(&w, kind_name(it->kind));
            jsonw_key(&w, "topic");
            jsonw_string(&w, pm->topics[it->topic].name);
            jsonw_key(&w, "material_id");
            jsonw_string(&w, x->material_ids[it->material]);
            jsonw_key(&w, "minutes");
            jsonw_int(&w, it->minutes);
            if (it->kind != PLAN_REVIEW && it->seq > 0) {
                jsonw_key(&w, "part");
                jsonw_int(&w, it->seq);
            } else if (it->kind == PLAN_REVIEW) {
                jsonw_key(&w, "review");
                jsonw_int(&w, it->seq);
            }
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    int rc = jsonw_finish(&w);
    if (rc == EM_OK)
        *out = buf_steal(&b);
    buf_cleanup(&b);
    return rc;
}

static int report_json(const verify_report *r, char **out)
{
    buf b;
    buf_init(&b, PLANS_JSON_MAX);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_object_begin(&w);
    jsonw_key(&w, "ok");
    jsonw_bool(&w, r->ok);
    jsonw_key(&w, "constraints");
    jsonw_array_begin(&w);
    for (int i = 0; i < VERIFY_RULES; i++) {
        const verify_check *c = &r->checks[i];
        jsonw_object_begin(&w);
        jsonw_key(&w, "rule");
        jsonw_string(&w, c->name != NULL ? c->name : verify_rule_name((verify_rule)i));
        jsonw_key(&w, "ok");
        jsonw_bool(&w, c->ok);
        jsonw_key(&w, "violations");
        jsonw_array_begin(&w);
        for (size_t k = 0; k < c->n; k++) {
            const verify_violation *v = &c->v[k];
            jsonw_object_begin(&w);
            jsonw_key(&w, "day");
            if (v->has_date && civil_valid(v->date)) {
                char date[CIVIL_TEXT_MAX];
                civil_format(v->date, date);
                jsonw_string(&w, date);
            } else {
                jsonw_null(&w);
            }
            jsonw_key(&w, "message");
            jsonw_string(&w, v->what);
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
        jsonw_key(&w, "total");
        jsonw_int(&w, (int64_t)c->n_total);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    int rc = jsonw_finish(&w);
    if (rc == EM_OK)
        *out = buf_steal(&b);
    buf_cleanup(&b);
    return rc;
}

/* ---- making and storing ---- */

/* The unexpired plan cached under key for owner: *found says whether there is one. */
static int cached_plan(db *d, const char *owner, const char *key, int64_t now_ms, plan_record *out,
                       bool *found, em_error *err)
{
    *found = false;
    char now[32];
    clock_iso8601(now_ms, now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT " PLAN_COLUMNS " FROM plan_cache c JOIN plans p ON p.id = c.plan_id "
                               "WHERE c.user_id = $1 AND c.cache_key = $2 AND c.expires_at > $3",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, key);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, now);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_record(st, out);
        out->cached = true;
        *found = true;
    }
    db_finalize(st);
    return rc == DB_ROW || rc == DB_DONE ? EM_OK : rc;
}

/* The plan and its cache row stored, and the session's plans older than its
 * PLANS_KEPT_PER_SESSION newest removed (their cache rows go with them): a
 * plan is up to PLANS_JSON_MAX of text, and a student changing a field and
 * asking again, over and over, would otherwise grow the database without
 * end. */
static int store_plan(db *d, const plan_record *r, const char *key, int64_t now_ms, em_error *err)
{
    const char *p[] = {r->id, r->session_id, r->user_id, key, r->plan_json, r->report_json, r->created_at};
    int rc = db_run_cached(d,
                           "INSERT INTO plans (id, session_id, user_id, cache_key, plan, report, created_at) "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                           p, 7, err);
    if (rc != DB_DONE)
        return rc;
    char expires[32];
    clock_iso8601(now_ms + (int64_t)PLANS_CACHE_TTL_S * 1000, expires);
    const char *c[] = {r->user_id, key, r->id, expires};
    rc = db_run_cached(
        d,
        "INSERT INTO plan_cache (user_id, cache_key, plan_id, expires_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (user_id, cache_key) DO UPDATE SET plan_id = excluded.plan_id, "
        "expires_at = excluded.expires_at",
        c, 4, err);
    if (rc != DB_DONE)
        return rc;
    char kept[16];
    snprintf(kept, sizeof kept, "%d", PLANS_KEPT_PER_SESSION);
    const char *o[] = {r->session_id, kept};
    rc = db_run_cached(d,
                       "DELETE FROM plans WHERE session_id = $1 AND id NOT IN (SELECT id FROM plans "
                       "WHERE session_id = $1 ORDER BY created_at DESC, id DESC LIMIT CAST($2 AS INTEGER))",
                       o, 2, err);
    return rc == DB_DONE ? EM_OK : rc;
}

static int make_plan(db *d, const llm_provider *llm, const input *x, const char *owner,
                     const char *session_id, const char *key, int64_t now_ms, plan_record *out,
                     plan_infeasible *why, em_error *err)
{
    plan p;
    memset(&p, 0, sizeof p);
    int rc = llm->draft_plan(llm, &x->in, &p, why, err);
    if (rc != EM_OK) {
        plan_cleanup(&p);
        return rc;
    }
    verify_report report;
    memset(&report, 0, sizeof report);
    rc = verify_plan(&x->in, &p, &report, err);
    if (rc == EM_OK) {
        id_uuid7(out->id);
        snprintf(out->session_id, sizeof out->session_id, "%s", session_id);
        snprintf(out->user_id, sizeof out->user_id, "%s", owner);
        clock_iso8601(now_ms, out->created_at);
        out->cached = false;
        rc = plan_json(x, &p, out, &out->plan_json);
        if (rc == EM_OK)
            rc = report_json(&report, &out->report_json);
        /* the session's inputs, not the request, make it too large: what to change */
        if (rc != EM_OK)
            rc = em_error_refuse(
                err, EM_E_INVAL, EM_REASON_VALIDATION,
                "the plan would be larger than %d MB: name fewer materials, or set an earlier "
                "exam_date or fewer daily_minutes",
                PLANS_JSON_MAX / (1024 * 1024));
    }
    if (rc == EM_OK)
        rc = store_plan(d, out, key, now_ms, err);
    verify_report_cleanup(&report);
    plan_cleanup(&p);
    return rc;
}

int plans_generate(db *d, const llm_provider *llm, const principal *who, const char *session_id,
                   int64_t now_ms, plan_record *out, plan_infeasible *why, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (why != NULL)
        memset(why, 0, sizeof *why);
    char owner[37];
    int rc = sessions__owner(d, who, session_id, true, owner, err);
    if (rc != EM_OK)
        return rc;
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    input x;
    memset(&x, 0, sizeof x);
    rc = gather(d, owner, session_id, now_ms, &x, err);
    /* each topic gets its mastery row, from the topics just read (a topic
       without one reads as mastery 0, what a new row holds) */
    if (rc == EM_OK)
        rc = mastery_sync_session(d, owner, session_id, (const char *const *)x.names, x.n_topics, err);
    char key[65];
    bool found = false;
    if (rc == EM_OK) {
        cache_key(&x, llm->name, session_id, key);
        rc = cached_plan(d, owner, key, now_ms, out, &found, err);
    }
    if (rc == EM_OK && !found)
        rc = make_plan(d, llm, &x, owner, session_id, key, now_ms, out, why, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        plan_record_cleanup(out);
    }
    input_cleanup(&x);
    return rc;
}

/* ---- reading ---- */

int plans_get(db *d, const principal *who, const char *plan_id, plan_record *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (plan_id == NULL || !id_is_uuid(plan_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such plan");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT " PLAN_COLUMNS " FROM plans p WHERE p.id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, plan_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        read_record(st, out);
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such plan");
    if (rc != DB_ROW)
        return rc;
    rc = authz_require_view(d, who, out->user_id, "plan", err);
    if (rc != EM_OK)
        plan_record_cleanup(out);
    return rc;
}

int plans_latest(db *d, const principal *who, const char *session_id, plan_record *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    char owner[37];
    int rc = sessions__owner(d, who, session_id, false, owner, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT " PLAN_COLUMNS " FROM plans p WHERE p.session_id = $1 "
                           "ORDER BY p.created_at DESC, p.id DESC LIMIT 1",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        read_record(st, out);
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no plan for this session yet");
    return rc == DB_ROW ? EM_OK : rc;
}

/* ---- the calendar ---- */

/* One day's summary ("95 min: study Cells, review Genes") and description
 * (a line per item), in b (reset first). */
static int describe_day(const json_t *day, buf *summary, buf *description)
{
    buf_reset(summary);
    buf_reset(description);
    const json_t *items = json_object_get(day, "items");
    int rc = buf_printf(summary, "%lld min:", (long long)json_integer_value(json_object_get(day, "minutes")));
    for (size_t i = 0; rc == EM_OK && i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        const char *kind = json_string_value(json_object_get(it, "kind"));
        const char *topic = json_string_value(json_object_get(it, "topic"));
        long long minutes = (long long)json_integer_value(json_object_get(it, "minutes"));
        json_int_t part = json_integer_value(json_object_get(it, "part"));
        kind = kind != NULL ? kind : "study";
        topic = topic != NULL ? topic : "";
        rc = buf_printf(summary, "%s %s %s", i > 0 ? "," : "", kind, topic);
        if (rc == EM_OK)
            rc = buf_printf(description, "%s%s: %s", i > 0 ? "\n" : "", kind, topic);
        if (rc == EM_OK && part > 1)
            rc = buf_printf(description, " (part %lld)", (long long)part);
        if (rc == EM_OK)
            rc = buf_printf(description, ", %lld min", minutes);
    }
    return rc;
}

int plans_calendar(db *d, const principal *who, const char *session_id, int64_t now_ms, buf *out,
                   em_error *err)
{
    plan_record r;
    int rc = plans_latest(d, who, session_id, &r, err);
    if (rc != EM_OK)
        return rc;
    session s;
    rc = sessions__get(d, session_id, &s, err);
    if (rc != EM_OK) {
        plan_record_cleanup(&r);
        return rc;
    }
    json_t *doc = json_loads(r.plan_json, 0, NULL);
    const json_t *days = json_object_get(doc, "days");
    size_t n = json_array_size(days);
    ics_event *events = em_calloc(n > 0 ? n : 1, sizeof *events);
    char(*uids)[96] = em_calloc(n > 0 ? n : 1, sizeof *uids);
    buf *summaries = em_calloc(n > 0 ? n : 1, sizeof *summaries);
    buf *descriptions = em_calloc(n > 0 ? n : 1, sizeof *descriptions);
    size_t count = 0;
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        const json_t *day = json_array_get(days, i);
        const char *date = json_string_value(json_object_get(day, "date"));
        civil_date cd;
        if (date == NULL || civil_parse(date, strlen(date), &cd) != EM_OK)
            continue;
        buf_init(&summaries[count], PLANS_ICS_MAX);
        buf_init(&descriptions[count], PLANS_ICS_MAX);
        rc = describe_day(day, &summaries[count], &descriptions[count]);
        snprintf(uids[count], sizeof uids[count], "%s-%04d%02d%02d@exammentor", r.id, cd.year % 10000,
                 cd.month % 100, cd.day % 100);
        events[count] = (ics_event){.date = cd,
                                    .uid = uids[count],
                                    .summary = summaries[count].data != NULL ? summaries[count].data : "",
                                    .description = descriptions[count].data};
        count++;
    }
    if (rc == EM_OK)
        rc = ics_calendar(out, PLANS_PRODID, s.title, now_ms, events, count);
    if (rc != EM_OK)
        rc = em_error_set(err, rc, "the calendar is too large");
    for (size_t i = 0; i < count; i++) {
        buf_cleanup(&summaries[i]);
        buf_cleanup(&descriptions[i]);
    }
    free(summaries);
    free(descriptions);
    free(uids);
    free(events);
    json_decref(doc);
    session_cleanup(&s);
    plan_record_cleanup(&r);
    return rc;
}
