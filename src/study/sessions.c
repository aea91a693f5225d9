/* sessions: see sessions.h. */
#include "study/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <strings.h>

#include "auth/authz.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "materials/material.h"
#include "study/mastery.h"

#define SESSION_COLUMNS                                                                                      \
    "id, user_id, title, exam_type, exam_date, daily_minutes, study_days, free_dates, created_at, "          \
    "updated_at, (SELECT p.id FROM plans p WHERE p.session_id = study_sessions.id "                          \
    "ORDER BY p.created_at DESC LIMIT 1) AS plan_id"

static const char *const weekday_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const weekday_long[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                            "thursday", "friday", "saturday"};

const char *session_weekday_name(int day)
{
    return day >= 0 && day < 7 ? weekday_names[day] : NULL;
}

void session_cleanup(session *s)
{
    if (s == NULL)
        return;
    free(s->title);
    free(s->exam_type);
    free(s->free_dates_json);
    session_ids_free(s->material_ids, s->n_materials);
    memset(s, 0, sizeof *s);
}

/* ---- what a student gives ---- */

/* The fields of a request, checked. Strings borrowed from the JSON object,
 * except free_json and the material_ids array (owned; the ids in it are
 * borrowed). */
typedef struct fields {
    bool has_title, has_exam_type, has_exam_date, has_minutes, has_days, has_free, has_materials;
    const char *title, *exam_type;
    char exam_date[CIVIL_TEXT_MAX];
    int minutes;
    unsigned days;
    char *free_json;
    const char **material_ids;
    size_t n_materials;
} fields;

static void fields_cleanup(fields *f)
{
    free(f->free_json);
    free((void *)f->material_ids);
    memset(f, 0, sizeof *f);
}

/* A weekday as a name ("mon", "Monday") or a number (1 Monday .. 7 Sunday,
 * and 0 Sunday as well): its bit number 0 Sunday .. 6 Saturday, or -1. */
static int parse_weekday(const json_t *v)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        return n >= 0 && n <= 7 ? (int)(n % 7) : -1;
    }
    const char *s = json_string_value(v);
    if (s == NULL)
        return -1;
    for (int d = 0; d < 7; d++) {
        if (strcasecmp(s, weekday_names[d]) == 0 || strcasecmp(s, weekday_long[d]) == 0)
            return d;
    }
    return -1;
}

static int cmp_dates(const void *a, const void *b)
{
    return civil_cmp(*(const civil_date *)a, *(const civil_date *)b);
}

/* free_dates: a list of dates, kept sorted and once each, as JSON text. */
static int parse_free_dates(const json_t *v, fields *f, em_error *err)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > SESSION_FREE_DATES_MAX)
        return em_error_set(err, EM_E_INVAL, "free_dates must be a list of at most %d dates YYYY-MM-DD",
                            SESSION_FREE_DATES_MAX);
    civil_date *dates = em_calloc(n > 0 ? n : 1, sizeof *dates);
    for (size_t i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(v, i));
        if (t == NULL || civil_parse(t, strlen(t), &dates[i]) != EM_OK) {
            free(dates);
            return em_error_set(err, EM_E_INVAL, "free_dates must be a list of at most %d dates YYYY-MM-DD",
                                SESSION_FREE_DATES_MAX);
        }
    }
    qsort(dates, n, sizeof *dates, cmp_dates);
    size_t cap = n * 15 + 3;
    char *out = em_malloc(cap);
    size_t len = 0;
    out[len++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && civil_cmp(dates[i - 1], dates[i]) == 0)
            continue;
        char text[CIVIL_TEXT_MAX];
        civil_format(dates[i], text);
        len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", len > 1 ? "," : "", text);
    }
    out[len++] = ']';
    out[len] = '\0';
    free(dates);
    f->free_json = out;
    f->has_free = true;
    return EM_OK;
}

static int parse_materials(const json_t *v, fields *f, em_error *err)
{
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > SESSION_MATERIALS_MAX)
        return em_error_set(err, EM_E_INVAL, "material_ids must be a list of at most %d material ids",
                            SESSION_MATERIALS_MAX);
    f->material_ids = em_calloc(n > 0 ? n : 1, sizeof *f->material_ids);
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(v, i));
        if (id == NULL || !id_is_uuid(id))
            return em_error_set(err, EM_E_INVAL, "material_ids must be a list of material ids (UUID)");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->material_ids[j], id) == 0)
                return em_error_set(err, EM_E_INVAL, "material_ids names material %s twice", id);
        }
        f->material_ids[i] = id;
    }
    f->n_materials = n;
    f->has_materials = true;
    return EM_OK;
}

/* Check every field `o` gives. On failure *f may hold some of them: clean it
 * up either way. */
static int parse_fields(const json_t *o, fields *f, em_error *err)
{
    memset(f, 0, sizeof *f);
    if (!json_is_object(o))
        return em_error_set(err, EM_E_INVAL, "the body must be a JSON object");
    const json_t *v = json_object_get(o, "title");
    if (v != NULL) {
        size_t len = json_string_length(v);
        if (!json_is_string(v) || len == 0 || len > SESSION_TITLE_MAX || strlen(json_string_value(v)) != len)
            return em_error_set(err, EM_E_INVAL, "title must be a string of 1 to %d bytes",
                                SESSION_TITLE_MAX);
        f->title = json_string_value(v);
        f->has_title = true;
    }
    v = json_object_get(o, "exam_type");
    if (v != NULL) {
        size_t len = json_string_length(v);
        if (!json_is_string(v) || len > SESSION_EXAM_TYPE_MAX || strlen(json_string_value(v)) != len)
            return em_error_set(err, EM_E_INVAL, "exam_type must be a string of at most %d bytes",
                                SESSION_EXAM_TYPE_MAX);
        f->exam_type = json_string_value(v);
        f->has_exam_type = true;
    }
    v = json_object_get(o, "exam_date");
    if (v != NULL) {
        const char *t = json_string_value(v);
        civil_date date;
        if (t == NULL || civil_parse(t, strlen(t), &date) != EM_OK)
            return em_error_set(err, EM_E_INVAL, "exam_date must be a date YYYY-MM-DD");
        civil_format(date, f->exam_date);
        f->has_exam_date = true;
    }
    v = json_object_get(o, "daily_minutes");
    if (v != NULL) {
        json_int_t m = json_integer_value(v);
        if (!json_is_integer(v) || m < 1 || m > 1440)
            return em_error_set(err, EM_E_INVAL, "daily_minutes must be a whole number from 1 to 1440");
        f->minutes = (int)m;
        f->has_minutes = true;
    }
    v = json_object_get(o, "study_days");
    if (v != NULL) {
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 7)
            return em_error_set(err, EM_E_INVAL,
                                "study_days must be a list of 1 to 7 weekdays (\"mon\" .. \"sun\", or 1 .. 7 "
                                "from Monday)");
        for (size_t i = 0; i < json_array_size(v); i++) {
            int d = parse_weekday(json_array_get(v, i));
            if (d < 0)
                return em_error_set(
                    err, EM_E_INVAL,
                    "study_days must be a list of 1 to 7 weekdays (\"mon\" .. \"sun\", or 1 .. "
                    "7 from Monday)");
            f->days |= 1u << d;
        }
        f->has_days = true;
    }
    v = json_object_get(o, "free_dates");
    if (v != NULL) {
        int rc = parse_free_dates(v, f, err);
        if (rc != EM_OK)
            return rc;
    }
    v = json_object_get(o, "material_ids");
    if (v != NULL)
        return parse_materials(v, f, err);
    return EM_OK;
}

/* Each material named must be the caller's own. */
static int check_materials(db *d, const principal *who, const fields *f, em_error *err)
{
    for (size_t i = 0; i < f->n_materials; i++) {
        material m;
        memset(&m, 0, sizeof m);
        int rc = material_get_visible(d, who, f->material_ids[i], &m, err);
        if (rc != EM_OK)
            return rc;
        bool own = strcmp(m.user_id, who->user_id) == 0;
        material_cleanup(&m);
        if (!own)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                   "material_ids: material %s is not one of yours", f->material_ids[i]);
    }
    return EM_OK;
}

/* Replace the session's materials with f's. */
static int store_materials(db *d, const char *session_id, const char *user_id, const fields *f, em_error *err)
{
    const char *p[] = {session_id};
    int rc = db_run_cached(d, "DELETE FROM session_materials WHERE session_id = $1", p, 1, err);
    if (rc != DB_DONE)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare(d,
                    "INSERT INTO session_materials (session_id, material_id, user_id, position) "
                    "VALUES ($1, $2, $3, $4)",
                    &st, err);
    for (size_t i = 0; rc == EM_OK && i < f->n_materials; i++) {
        db_reset(st);
        rc = db_bind_text(st, 1, session_id);
        if (rc == EM_OK)
            rc = db_bind_text(st, 2, f->material_ids[i]);
        if (rc == EM_OK)
            rc = db_bind_text(st, 3, user_id);
        if (rc == EM_OK)
            rc = db_bind_int64(st, 4, (int64_t)i);
        if (rc == EM_OK)
            rc = db_step(st, err);
        if (rc == EM_E_CONFLICT) /* deleted meanwhile */
            rc = em_error_set(err, EM_E_NOT_FOUND, "no such material");
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    db_finalize(st);
    return rc;
}

/* ---- reading ---- */

static void read_session(db_stmt *st, session *s)
{
    snprintf(s->id, sizeof s->id, "%s", db_column_text(st, 0));
    snprintf(s->user_id, sizeof s->user_id, "%s", db_column_text(st, 1));
    s->title = em_strdup(db_column_text(st, 2) != NULL ? db_column_text(st, 2) : "");
    s->exam_type = em_strdup(db_column_text(st, 3) != NULL ? db_column_text(st, 3) : "");
    const char *date = db_column_text(st, 4);
    snprintf(s->exam_date, sizeof s->exam_date, "%.10s", date != NULL ? date : "");
    s->daily_minutes = (int)db_column_int64(st, 5);
    s->study_days = (unsigned)db_column_int64(st, 6);
    s->free_dates_json = em_strdup(db_column_text(st, 7) != NULL ? db_column_text(st, 7) : "[]");
    snprintf(s->created_at, sizeof s->created_at, "%s", db_column_text(st, 8));
    snprintf(s->updated_at, sizeof s->updated_at, "%s", db_column_text(st, 9));
    const char *plan = db_column_text(st, 10);
    snprintf(s->plan_id, sizeof s->plan_id, "%s", plan != NULL ? plan : "");
}

static int read_material_ids(db *d, session *s, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT material_id FROM session_materials WHERE session_id = $1 "
                               "ORDER BY position, material_id",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, s->id);
    size_t cap = 0;
    while (db_next(st, &rc, err)) {
        if (s->n_materials == cap) {
            cap = cap != 0 ? cap * 2 : 8;
            s->material_ids = em_realloc(s->material_ids, cap * sizeof *s->material_ids);
        }
        s->material_ids[s->n_materials++] = db_column_strdup(st, 0);
    }
    db_finalize(st);
    return rc;
}

int sessions__get(db *d, const char *session_id, session *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT " SESSION_COLUMNS " FROM study_sessions WHERE id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        read_session(st, out);
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    if (rc != DB_ROW)
        return rc;
    rc = read_material_ids(d, out, err);
    if (rc != EM_OK)
        session_cleanup(out);
    return rc;
}

int session_list(db *d, const principal *who, const char *owner_id, int limit, int offset, session **items,
                 size_t *n, int64_t *total, em_error *err)
{
    *items = NULL;
    *n = 0;
    *total = 0;
    if (owner_id == NULL || !id_is_uuid(owner_id))
        return em_error_set(err, EM_E_INVAL, "user_id must be a user id (UUID)");
    if (limit < 1 || limit > SESSION_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be 1 to %d and offset 0 or more", SESSION_PAGE_MAX);
    int rc = authz_require_view(d, who, owner_id, "user", err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, "SELECT count(*) FROM study_sessions WHERE user_id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        *total = db_column_int64(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    if (rc != EM_OK)
        return rc == DB_DONE ? EM_E_DB : rc;
    rc = db_prepare_cached(d,
                           "SELECT " SESSION_COLUMNS " FROM study_sessions WHERE user_id = $1 "
                           "ORDER BY id DESC LIMIT $2 OFFSET $3",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, offset);
    session *list = em_calloc((size_t)limit, sizeof *list);
    size_t count = 0;
    while (db_next(st, &rc, err) && count < (size_t)limit)
        read_session(st, &list[count++]);
    db_finalize(st);
    for (size_t i = 0; rc == EM_OK && i < count; i++)
        rc = read_material_ids(d, &list[i], err);
    if (rc != EM_OK) {
        for (size_t i = 0; i < count; i++)
            session_cleanup(&list[i]);
        free(list);
        return rc;
    }
    *items = list;
    *n = count;
    return EM_OK;
}

/* ---- topics ---- */

/* A session's topics gathered before they are visited (names owned). */
typedef struct topic_row {
    size_t material; /* index into the session's material ids */
    char *name;
    const char *source; /* static: "heading" or "terms" */
    double weight;
    int64_t words;
} topic_row;

typedef struct topic_rows {
    topic_row *items;
    size_t n, cap;
    size_t material; /* the material being read */
} topic_rows;

static void collect_topic(void *ctx, const material_topic_size *t)
{
    topic_rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap != 0 ? r->cap * 2 : 16;
        r->items = em_realloc(r->items, r->cap * sizeof *r->items);
    }
    r->items[r->n++] = (topic_row){
        .material = r->material,
        .name = em_strdup(t->name != NULL ? t->name : ""),
        .source = t->source != NULL && strcmp(t->source, "terms") == 0 ? "terms" : "heading",
        .weight = t->weight,
        .words = t->words,
    };
}

/* The mastery rows of a session (owned copies). */
typedef struct mastery_rows {
    char (*id)[37];
    char **name;
    double *mastery;
    size_t n, cap;
} mastery_rows;

static void collect_mastery(void *ctx, const mastery_topic *t)
{
    mastery_rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap != 0 ? r->cap * 2 : 16;
        r->id = em_realloc(r->id, r->cap * sizeof *r->id);
        r->name = em_realloc(r->name, r->cap * sizeof *r->name);
        r->mastery = em_realloc(r->mastery, r->cap * sizeof *r->mastery);
    }
    snprintf(r->id[r->n], 37, "%s", t->id);
    r->name[r->n] = em_strdup(t->name);
    r->mastery[r->n] = t->mastery;
    r->n++;
}

static void mastery_rows_cleanup(mastery_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->name[i]);
    free(r->id);
    free(r->name);
    free(r->mastery);
}

static void topic_rows_cleanup(topic_rows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].name);
    free(r->items);
}

/* The topics of the session's ready materials, with their words settled. */
static int gather_topics(db *d, const session *s, topic_rows *rows, em_error *err)
{
    memset(rows, 0, sizeof *rows);
    int rc = EM_OK;
    for (size_t i = 0; rc == EM_OK && i < s->n_materials; i++) {
        material m;
        memset(&m, 0, sizeof m);
        rc = material_get(d, s->material_ids[i], &m, err);
        if (rc == EM_E_NOT_FOUND) { /* deleted meanwhile: gone from the session too */
            em_error_clear(err);
            rc = EM_OK;
            continue;
        }
        bool ready = rc == EM_OK && strcmp(m.status, "ready") == 0;
        material_cleanup(&m);
        if (rc != EM_OK || !ready)
            continue;
        size_t first = rows->n;
        rows->material = i;
        int64_t total = 0;
        rc = material_topic_sizes(d, s->material_ids[i], collect_topic, rows, &total, err);
        size_t n_terms = 0;
        for (size_t k = first; k < rows->n; k++)
            n_terms += strcmp(rows->items[k].source, "terms") == 0;
        for (size_t k = first; k < rows->n; k++) {
            topic_row *t = &rows->items[k];
            if (strcmp(t->source, "terms") == 0)
                t->words = total / (int64_t)n_terms;
            else if (t->words == 0)
                t->words = (int64_t)llround(t->weight * (double)total);
        }
    }
    if (rc != EM_OK)
        topic_rows_cleanup(rows);
    return rc;
}

int sessions__topics(db *d, const char *session_id, void (*visit)(void *ctx, const session_topic *t),
                     void *ctx, em_error *err)
{
    session s;
    int rc = sessions__get(d, session_id, &s, err);
    if (rc != EM_OK)
        return rc;
    topic_rows rows;
    rc = gather_topics(d, &s, &rows, err);
    bool gathered = rc == EM_OK;
    mastery_rows m = {0};
    if (rc == EM_OK)
        rc = mastery_session_topics(d, session_id, collect_mastery, &m, err);
    for (size_t i = 0; rc == EM_OK && i < rows.n; i++) {
        const topic_row *r = &rows.items[i];
        session_topic t = {.topic_id = "",
                           .material_id = s.material_ids[r->material],
                           .name = r->name,
                           .source = r->source,
                           .words = r->words,
                           .mastery = 0.0};
        for (size_t k = 0; k < m.n; k++) {
            if (strcmp(m.name[k], r->name) == 0) {
                t.topic_id = m.id[k];
                t.mastery = m.mastery[k];
                break;
            }
        }
        visit(ctx, &t);
    }
    mastery_rows_cleanup(&m);
    if (gathered)
        topic_rows_cleanup(&rows);
    session_cleanup(&s);
    return rc;
}

int session_topics(db *d, const principal *who, const char *session_id,
                   void (*visit)(void *ctx, const session_topic *t), void *ctx, em_error *err)
{
    char owner[37];
    int rc = sessions__owner(d, who, session_id, false, owner, err);
    if (rc != EM_OK)
        return rc;
    return sessions__topics(d, session_id, visit, ctx, err);
}

int session_get(db *d, const principal *who, const char *session_id, session *out,
                void (*visit)(void *ctx, const session_topic *t), void *ctx, em_error *err)
{
    memset(out, 0, sizeof *out);
    char owner[37];
    int rc = sessions__owner(d, who, session_id, false, owner, err);
    if (rc == EM_OK)
        rc = sessions__get(d, session_id, out, err);
    if (rc == EM_OK && visit != NULL) {
        rc = sessions__topics(d, session_id, visit, ctx, err);
        if (rc != EM_OK)
            session_cleanup(out);
    }
    return rc;
}

typedef struct names {
    const char **items;
    size_t n, cap;
} names;

static void collect_name(void *ctx, const session_topic *t)
{
    names *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap != 0 ? r->cap * 2 : 16;
        r->items = em_realloc(r->items, r->cap * sizeof *r->items);
    }
    r->items[r->n++] = em_strdup(t->name);
}

int sessions__sync_topics(db *d, const char *user_id, const char *session_id, em_error *err)
{
    names r = {0};
    int rc = sessions__topics(d, session_id, collect_name, &r, err);
    if (rc == EM_OK)
        rc = mastery_sync_session(d, user_id, session_id, r.items, r.n, err);
    for (size_t i = 0; i < r.n; i++)
        free((void *)r.items[i]);
    free(r.items);
    return rc;
}

/* ---- changes ---- */

static int insert_session(db *d, const char *id, const char *user_id, const fields *f, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO study_sessions (id, user_id, title, exam_type, exam_date, daily_minutes, "
        "study_days, free_dates) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 3, f->title);
    if (rc == EM_OK)
        rc = db_bind_text(st, 4, f->has_exam_type ? f->exam_type : "");
    if (rc == EM_OK)
        rc = db_bind_text(st, 5, f->exam_date);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 6, f->has_minutes ? f->minutes : SESSION_DEFAULT_MINUTES);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 7, f->has_days ? f->days : SESSION_ALL_DAYS);
    if (rc == EM_OK)
        rc = db_bind_text(st, 8, f->has_free ? f->free_json : "[]");
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc == EM_E_CONFLICT) /* the foreign key: the account is gone */
        return em_error_set(err, EM_E_NOT_FOUND, "no such user");
    return rc == DB_DONE ? EM_OK : rc;
}

/* Room for one more session of user_id's, under the student's lock (two
 * creations at once cannot both take the last place). */
static int check_room(db *d, const char *user_id, em_error *err)
{
    int rc = mastery__lock_student(d, user_id, err);
    db_stmt *st = NULL;
    if (rc == EM_OK)
        rc = db_prepare_cached(d, "SELECT count(*) FROM study_sessions WHERE user_id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    int64_t n = 0;
    if (rc == EM_OK && db_next(st, &rc, err))
        n = db_column_int64(st, 0);
    db_finalize(st);
    if (rc == EM_OK && n >= SESSIONS_PER_USER_MAX)
        rc = em_error_set(err, EM_E_CONFLICT,
                          "you have %d study sessions, the most one account may keep: delete one to add "
                          "another",
                          SESSIONS_PER_USER_MAX);
    return rc;
}

int session_create(db *d, const principal *who, const json_t *body, session *out, em_error *err)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    fields f;
    int rc = parse_fields(body, &f, err);
    if (rc == EM_OK && !f.has_title)
        rc = em_error_set(err, EM_E_INVAL, "title must be a string of 1 to %d bytes", SESSION_TITLE_MAX);
    if (rc == EM_OK && !f.has_exam_date)
        rc = em_error_set(err, EM_E_INVAL, "exam_date must be a date YYYY-MM-DD");
    if (rc != EM_OK) {
        fields_cleanup(&f);
        return rc;
    }
    char id[37];
    id_uuid7(id);
    rc = db_begin(d, err);
    if (rc != EM_OK) {
        fields_cleanup(&f);
        return rc;
    }
    rc = check_room(d, who->user_id, err);
    if (rc == EM_OK)
        rc = check_materials(d, who, &f, err);
    if (rc == EM_OK)
        rc = insert_session(d, id, who->user_id, &f, err);
    if (rc == EM_OK)
        rc = store_materials(d, id, who->user_id, &f, err);
    if (rc == EM_OK)
        rc = sessions__sync_topics(d, who->user_id, id, err);
    if (rc == EM_OK && out != NULL)
        rc = sessions__get(d, id, out, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        if (out != NULL)
            session_cleanup(out);
    }
    fields_cleanup(&f);
    return rc;
}

static int update_row(db *d, const session *s, const fields *f, em_error *err)
{
    char now[32];
    clock_iso8601(clock_now_ms(), now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "UPDATE study_sessions SET title = $1, exam_type = $2, exam_date = $3, "
        "daily_minutes = $4, study_days = $5, free_dates = $6, updated_at = $7 WHERE id = $8",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, f->has_title ? f->title : s->title);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, f->has_exam_type ? f->exam_type : s->exam_type);
    if (rc == EM_OK)
        rc = f->has_exam_date ? db_bind_text(st, 3, f->exam_date)
                              : (s->exam_date[0] ? db_bind_text(st, 3, s->exam_date) : db_bind_null(st, 3));
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, f->has_minutes ? f->minutes : s->daily_minutes);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 5, f->has_days ? f->days : s->study_days);
    if (rc == EM_OK)
        rc = db_bind_text(st, 6, f->has_free ? f->free_json : s->free_dates_json);
    if (rc == EM_OK)
        rc = db_bind_text(st, 7, now);
    if (rc == EM_OK)
        rc = db_bind_text(st, 8, s->id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int session_update(db *d, const principal *who, const char *session_id, const json_t *body, session *out,
                   em_error *err)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    fields f;
    int rc = parse_fields(body, &f, err);
    if (rc == EM_OK && !(f.has_title || f.has_exam_type || f.has_exam_date || f.has_minutes || f.has_days ||
                         f.has_free || f.has_materials))
        rc = em_error_set(err, EM_E_INVAL,
                          "give at least one of title, exam_type, exam_date, daily_minutes, study_days, "
                          "free_dates, material_ids");
    if (rc != EM_OK) {
        fields_cleanup(&f);
        return rc;
    }
    rc = db_begin(d, err);
    if (rc != EM_OK) {
        fields_cleanup(&f);
        return rc;
    }
    char owner[37];
    session now;
    memset(&now, 0, sizeof now);
    rc = sessions__owner(d, who, session_id, true, owner, err);
    if (rc == EM_OK)
        rc = check_materials(d, who, &f, err);
    if (rc == EM_OK)
        rc = sessions__get(d, session_id, &now, err);
    if (rc == EM_OK)
        rc = update_row(d, &now, &f, err);
    if (rc == EM_OK && f.has_materials) {
        rc = store_materials(d, session_id, owner, &f, err);
        if (rc == EM_OK)
            rc = sessions__sync_topics(d, owner, session_id, err);
    }
    if (rc == EM_OK && out != NULL)
        rc = sessions__get(d, session_id, out, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK) {
        db_rollback(d);
        if (out != NULL)
            session_cleanup(out);
    }
    session_cleanup(&now);
    fields_cleanup(&f);
    return rc;
}

int session_delete(db *d, const principal *who, const char *session_id, em_error *err)
{
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    char owner[37];
    rc = sessions__owner(d, who, session_id, true, owner, err);
    if (rc == EM_OK) {
        const char *p[] = {session_id};
        rc = db_run_cached(d, "DELETE FROM study_sessions WHERE id = $1", p, 1, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

int sessions__owner(db *d, const principal *who, const char *session_id, bool write, char owner_id[37],
                    em_error *err)
{
    owner_id[0] = '\0';
    if (session_id == NULL || !id_is_uuid(session_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT user_id FROM study_sessions WHERE id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        snprintf(owner_id, 37, "%s", db_column_text(st, 0));
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    if (rc != DB_ROW)
        return rc;
    if (write) {
        if (strcmp(owner_id, who->user_id) != 0) {
            owner_id[0] = '\0';
            return em_error_set(err, EM_E_NOT_FOUND, "no such session");
        }
        return EM_OK;
    }
    rc = authz_require_view(d, who, owner_id, "session", err);
    if (rc != EM_OK)
        owner_id[0] = '\0';
    return rc;
}

void session_ids_free(char **ids, size_t n)
{
    if (ids == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

int session_materials(db *d, const principal *who, const char *session_id, bool write, char owner_id[37],
                      char ***material_ids, size_t *n, em_error *err)
{
    *material_ids = NULL;
    *n = 0;
    int rc = sessions__owner(d, who, session_id, write, owner_id, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT material_id FROM session_materials WHERE session_id = $1 "
                           "ORDER BY position, material_id",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    char **ids = NULL;
    size_t count = 0, cap = 0;
    while (db_next(st, &rc, err)) {
        if (count == cap) {
            cap = cap != 0 ? cap * 2 : 8;
            ids = em_realloc(ids, cap * sizeof *ids);
        }
        ids[count++] = db_column_strdup(st, 0);
    }
    db_finalize(st);
    if (rc != EM_OK) {
        session_ids_free(ids, count);
        owner_id[0] = '\0';
        return rc;
    }
    *material_ids = ids;
    *n = count;
    return EM_OK;
}

/* ---- the autopilot's state ---- */

int sessions__agent_state(db *d, const char *session_id, char state[SESSION_STATE_MAX + 1],
                          char **history_json, em_error *err)
{
    *history_json = NULL;
    state[0] = '\0';
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT current_state, agent_history FROM study_sessions WHERE id = $1",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    bool found = false;
    if (db_next(st, &rc, err)) {
        snprintf(state, SESSION_STATE_MAX + 1, "%s", db_column_text(st, 0));
        *history_json = db_column_strdup(st, 1);
        found = true;
    }
    db_finalize(st);
    if (rc == EM_OK && !found)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such session");
    return rc;
}

int sessions__set_agent_state(db *d, const char *session_id, const char *seen_history, const char *state,
                              const char *context_json, const char *history_json, int64_t now_ms,
                              em_error *err)
{
    char now[32];
    clock_iso8601(now_ms, now);
    const char *params[] = {state, context_json, history_json,
                            now,   session_id,   seen_history != NULL ? seen_history : ""};
    int rc = db_run_cached(
        d,
        "UPDATE study_sessions SET current_state = $1, current_context = $2, agent_history = $3, "
        "updated_at = $4 WHERE id = $5 AND CAST(agent_history AS TEXT) = $6",
        params, 6, err);
    if (rc == DB_DONE && db_changes(d) == 0) {
        const char *p[] = {session_id};
        rc = db_run_cached(d, "SELECT 1 FROM study_sessions WHERE id = $1", p, 1, err);
        if (rc == DB_ROW)
            return em_error_set(err, EM_E_CONFLICT, "the session's state changed meanwhile");
        return rc == DB_DONE ? em_error_set(err, EM_E_NOT_FOUND, "no such session") : rc;
    }
    return rc == DB_DONE ? EM_OK : rc;
}
