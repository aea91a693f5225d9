/* questions: see questions.h. The tags of a question are rows of
 * question_tags; a list filter on a tag is a range scan of that index (the tag
 * and everything under it, tags.h). */
#include "materials/questions.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "content/worksheet.h"
#include "core/ascii.h"
#include "core/clock.h"
#include "core/ids.h"
#include "materials/tags.h"

/* The tags of q.id as a JSON array, per dialect. */
#define TAGS_SQLITE "(SELECT json_group_array(tag) FROM (SELECT tag FROM question_tags WHERE question_id = q.id ORDER BY tag))"
#define TAGS_PG "(SELECT coalesce(json_agg(tag ORDER BY tag), '[]'::json) FROM question_tags WHERE question_id = q.id)"
/* The same tags with their source, score and confirmation. */
#define TAG_DETAILS_SQLITE                                                                                   \
    "(SELECT json_group_array(json_object('tag', tag, 'source', source, 'score', score, 'confirmed', "       \
    "json(CASE WHEN confirmed THEN 'true' ELSE 'false' END))) FROM (SELECT * FROM question_tags "           \
    "WHERE question_id = q.id ORDER BY tag))"
#define TAG_DETAILS_PG                                                                                       \
    "(SELECT coalesce(json_agg(json_build_object('tag', tag, 'source', source, 'score', score, "             \
    "'confirmed', confirmed) ORDER BY tag), '[]'::json) FROM question_tags WHERE question_id = q.id)"

#define QUESTION_COLUMNS(tags, details)                                                                      \
    "SELECT q.id, q.user_id, q.material_id, q.number, q.page, q.type, q.stem, q.options, q.answer, "         \
    "q.explanation, q.source, q.created_at, q.updated_at, " tags ", " details ", q.review_status, "          \
    "q.version, q.format, q.topic, q.term, q.section, q.quote, q.difficulty FROM questions q "

/* The review rule (questions.h), the one place it is written: on top of the
 * one rule, a caller whose role (the placeholder `role`) is neither tutor nor
 * admin sees approved questions only. Every read of the bank applies it. */
#define QUESTION_SEEN_SQL(role) "(q.review_status = 'approved' OR " role " IN ('tutor', 'admin'))"

/* The stem with its ASCII letters lowercased, as like_pattern lowercases the
 * words: SQLite's lower() folds ASCII only, PostgreSQL's folds every letter
 * unless the collation is "C". */
#define STEM_LOWER_SQLITE "lower(q.stem)"
#define STEM_LOWER_PG "lower(q.stem COLLATE \"C\")"

/* $1 the caller's role, $2 the caller's id, $10 a review status or NULL. */
/* clang-format off */
#define QUESTION_FILTER(stem_lower)                                                                          \
    "WHERE " AUTHZ_VISIBLE_SQL("q.user_id", "$2", "$1") " "                                                  \
    "AND " QUESTION_SEEN_SQL("$1") " "                                                                       \
    "AND (CAST($10 AS TEXT) IS NULL OR q.review_status = $10) "                                              \
    "AND (CAST($3 AS TEXT) IS NULL OR q.id IN (SELECT question_id FROM question_tags "                       \
    "WHERE tag = $3 OR (tag >= $4 AND tag < $5))) "                                                          \
    "AND (CAST($6 AS TEXT) IS NULL OR " stem_lower " LIKE $6 ESCAPE '!') "                                   \
    "AND (CAST($7 AS TEXT) IS NULL OR q.material_id = $7) "                                                  \
    "ORDER BY q.material_id, q.number IS NULL, q.number, q.id LIMIT $8 OFFSET $9"
/* clang-format on */

static const char list_sqlite[] = QUESTION_COLUMNS(TAGS_SQLITE, TAG_DETAILS_SQLITE) QUESTION_FILTER(STEM_LOWER_SQLITE);
static const char list_pg[] = QUESTION_COLUMNS(TAGS_PG, TAG_DETAILS_PG) QUESTION_FILTER(STEM_LOWER_PG);
static const char get_sqlite[] = QUESTION_COLUMNS(TAGS_SQLITE, TAG_DETAILS_SQLITE) "WHERE q.id = $1";
static const char get_pg[] = QUESTION_COLUMNS(TAGS_PG, TAG_DETAILS_PG) "WHERE q.id = $1";

static void read_question(db_stmt *st, question *q)
{
    q->id = db_column_text(st, 0);
    q->owner_id = db_column_text(st, 1);
    q->material_id = db_column_text(st, 2);
    q->has_number = !db_column_is_null(st, 3);
    q->number = db_column_int64(st, 3);
    q->has_page = !db_column_is_null(st, 4);
    q->page = db_column_int64(st, 4);
    q->type = db_column_text(st, 5);
    q->stem = db_column_text(st, 6);
    q->options_json = db_column_text(st, 7);
    q->answer = db_column_text(st, 8);
    q->explanation = db_column_text(st, 9);
    q->source = db_column_text(st, 10);
    q->created_at = db_column_text(st, 11);
    q->updated_at = db_column_text(st, 12);
    q->tags_json = db_column_text(st, 13) != NULL ? db_column_text(st, 13) : "[]";
    q->tag_details_json = db_column_text(st, 14) != NULL ? db_column_text(st, 14) : "[]";
    q->review_status = db_column_text(st, 15);
    q->version = db_column_int64(st, 16);
    q->format = db_column_text(st, 17);
    q->topic = db_column_text(st, 18);
    q->term = db_column_text(st, 19);
    q->section = db_column_text(st, 20);
    q->quote = db_column_text(st, 21);
    q->has_difficulty = !db_column_is_null(st, 22);
    q->difficulty = db_column_double(st, 22);
}

/* "%text%" for LIKE, lowercased (ASCII), with '!' escaping LIKE's wildcards.
 * Owned. */
static char *like_pattern(const char *text)
{
    size_t n = strlen(text);
    char *p = malloc(n * 2 + 3);
    if (p == NULL)
        return NULL;
    size_t k = 0;
    p[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '%' || c == '_' || c == '!')
            p[k++] = '!';
        p[k++] = (char)ascii_tolower((unsigned char)c);
    }
    p[k++] = '%';
    p[k] = '\0';
    return p;
}

int questions_list(db *d, const principal *who, const question_query *q, question_visit visit, void *ctx,
                   size_t *count, em_error *err)
{
    *count = 0;
    char tag[TAG_MAX_LEN + 1], lo[TAG_MAX_LEN + 2], hi[TAG_MAX_LEN + 2];
    if (q->limit < 1 || q->limit > QUESTIONS_PAGE_MAX || q->offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be 1-%d and offset 0 or more", QUESTIONS_PAGE_MAX);
    if (q->tag != NULL) {
        size_t n = strlen(q->tag);
        bool fits = n <= TAG_MAX_LEN;
        if (fits) {
            ascii_lower_copy(tag, q->tag, n);
            tag[n] = '\0';
        }
        if (!fits || !tag_valid(tag))
            return em_error_set(err, EM_E_INVAL,
                                "tag must be a curriculum tag such as math.algebra (dotted lowercase words)");
        tags_child_range(tag, lo, hi, sizeof lo);
    }
    if (q->text != NULL && (q->text[0] == '\0' || strlen(q->text) > QUESTION_SEARCH_MAX))
        return em_error_set(err, EM_E_INVAL, "q must be 1 to %d characters", QUESTION_SEARCH_MAX);
    if (q->material_id != NULL && !id_is_uuid(q->material_id))
        return em_error_set(err, EM_E_INVAL, "material_id must be a material id");
    if (q->review_status != NULL && strcmp(q->review_status, "pending") != 0 &&
        strcmp(q->review_status, "approved") != 0 && strcmp(q->review_status, "rejected") != 0)
        return em_error_set(err, EM_E_INVAL, "review_status must be pending, approved or rejected");
    char *like = q->text != NULL ? like_pattern(q->text) : NULL;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, db_dialect_of(d) == DB_SQLITE ? list_sqlite : list_pg, &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, who->role);
        db_bind_text(st, 2, who->user_id);
        if (q->tag != NULL) {
            db_bind_text(st, 3, tag);
            db_bind_text(st, 4, lo);
            db_bind_text(st, 5, hi);
        } else {
            db_bind_null(st, 3);
            db_bind_null(st, 4);
            db_bind_null(st, 5);
        }
        if (like != NULL)
            db_bind_text(st, 6, like);
        else
            db_bind_null(st, 6);
        if (q->material_id != NULL)
            db_bind_text(st, 7, q->material_id);
        else
            db_bind_null(st, 7);
        db_bind_int64(st, 8, q->limit);
        db_bind_int64(st, 9, q->offset);
        if (q->review_status != NULL)
            db_bind_text(st, 10, q->review_status);
        else
            db_bind_null(st, 10);
    }
    while (db_next(st, &rc, err)) {
        question row;
        read_question(st, &row);
        visit(ctx, &row);
        (*count)++;
    }
    db_finalize(st);
    free(like);
    return rc;
}

/* The owner of question `id` into owner: when seen_by is not NULL, only if
 * the review rule lets that caller see it (the one rule is the caller's to
 * apply); EM_E_NOT_FOUND otherwise. */
static int find_owner(db *d, const principal *seen_by, const char *id, char owner[ID_UUID_LEN + 1],
                      em_error *err)
{
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such question");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT q.user_id FROM questions q WHERE q.id = $1 "
                               "AND (CAST($2 AS TEXT) IS NULL OR " QUESTION_SEEN_SQL("$2") ")",
                               &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        if (seen_by != NULL)
            db_bind_text(st, 2, seen_by->role);
        else
            db_bind_null(st, 2);
        rc = db_step(st, err);
        if (rc == DB_ROW)
            snprintf(owner, ID_UUID_LEN + 1, "%s", db_column_text(st, 0));
    }
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such question");
    return rc == DB_ROW ? EM_OK : rc;
}

/* The owner of question `id` when `who` may see it (the one rule and the
 * review rule); EM_E_NOT_FOUND otherwise. */
static int visible_owner(db *d, const principal *who, const char *id, char owner[ID_UUID_LEN + 1],
                         em_error *err)
{
    int rc = find_owner(d, who, id, owner, err);
    if (rc != EM_OK)
        return rc;
    return authz_require_view(d, who, owner, "question", err);
}

int questions_get(db *d, const principal *who, const char *id, question_visit visit, void *ctx, em_error *err)
{
    char owner[ID_UUID_LEN + 1];
    int rc = visible_owner(d, who, id, owner, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, db_dialect_of(d) == DB_SQLITE ? get_sqlite : get_pg, &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        rc = db_step(st, err);
    }
    if (rc == DB_ROW) {
        question row;
        read_question(st, &row);
        visit(ctx, &row);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such question");
    }
    db_finalize(st);
    return rc;
}

/* ---- corrections ---- */

/* A string member of the patch: 1..max bytes, or NULL where that clears it. */
static int check_text(const char *name, const char *value, size_t max, bool nullable, em_error *err)
{
    if (value == NULL && nullable)
        return EM_OK;
    if (value == NULL || value[0] == '\0' || strlen(value) > max)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s must be a string of 1 to %zu characters%s", name, max,
                            nullable ? ", or null" : "");
    return EM_OK;
}

static int check_patch(const question_patch *p, char **options_json, char **tags_json, em_error *err)
{
    int rc = EM_OK;
    if (p->has_stem)
        rc = check_text("stem", p->stem, QUESTION_STEM_MAX, false, err);
    if (rc == EM_OK && p->has_answer)
        rc = check_text("answer", p->answer, QUESTION_ANSWER_MAX, true, err);
    if (rc == EM_OK && p->has_explanation)
        rc = check_text("explanation", p->explanation, QUESTION_EXPLANATION_MAX, true, err);
    if (rc != EM_OK)
        return rc;
    if (p->options != NULL) {
        bool ok = json_is_array(p->options) && json_array_size(p->options) <= WORKSHEET_MAX_OPTIONS;
        size_t i;
        const json_t *o;
        json_array_foreach(p->options, i, o) {
            ok = ok && json_is_string(o) && json_string_length(o) > 0 &&
                 json_string_length(o) <= QUESTION_OPTION_MAX;
        }
        if (!ok)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                "options must be an array of at most %d strings of 1 to %d characters",
                                WORKSHEET_MAX_OPTIONS, QUESTION_OPTION_MAX);
        *options_json = json_dumps(p->options, JSON_COMPACT);
    }
    if (p->tags != NULL && tags_parse(NULL, p->tags, tags_json, err) != EM_OK) {
        err->reason = EM_REASON_VALIDATION;
        return EM_E_INVAL;
    }
    return EM_OK;
}

/* One column of the question, with updated_at. The column comes from the
 * fixed list below, never from input: an assignment types its parameter on
 * both databases. */
static int set_column(db *d, const char *sql, const char *value, const char *now, const char *id, em_error *err)
{
    const char *params[] = {value, now, id};
    int rc = db_run(d, sql, params, 3, err);
    return rc == DB_DONE ? EM_OK : rc;
}

/* The question's tags become exactly tags_json: the others are removed, the
 * ones it had are confirmed as they are, new ones are confirmed "tutor"
 * tags. */
static int replace_tags(db *d, const char *id, const char *tags_json, const char *now, em_error *err)
{
    json_t *arr = json_loads(tags_json, 0, NULL);
    json_t *gone = json_array();
    db_stmt *st = NULL;
    int rc = db_prepare(d, "SELECT tag FROM question_tags WHERE question_id = $1", &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, id);
    while (db_next(st, &rc, err)) {
        const char *tag = db_column_text(st, 0);
        bool kept = false;
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            kept = kept || strcmp(json_string_value(v), tag) == 0;
        }
        if (!kept)
            json_array_append_new(gone, json_string(tag));
    }
    db_finalize(st);
    size_t i;
    json_t *v;
    json_array_foreach(gone, i, v) {
        if (rc != EM_OK)
            break;
        const char *params[] = {json_string_value(v), id};
        rc = db_run(d, "DELETE FROM question_tags WHERE tag = $1 AND question_id = $2", params, 2, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    json_array_foreach(arr, i, v) {
        if (rc != EM_OK)
            break;
        const char *params[] = {json_string_value(v), id};
        rc = db_run(d,
                    "INSERT INTO question_tags (tag, question_id, source, confirmed) VALUES ($1, $2, 'tutor', TRUE) "
                    "ON CONFLICT (tag, question_id) DO UPDATE SET confirmed = TRUE",
                    params, 2, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    json_decref(gone);
    json_decref(arr);
    if (rc == EM_OK) {
        const char *params[] = {now, id};
        rc = db_run(d, "UPDATE questions SET updated_at = $1 WHERE id = $2", params, 2, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    return rc;
}

/* Keep the text of question `id` as it is now as a version, edited_by
 * editor at now, and count its version up. The bump comes first: on
 * PostgreSQL it locks the row, so a concurrent edit waits and then copies the
 * text this one leaves, under the next number. Inside the caller's
 * transaction. */
static int keep_version(db *d, const char *id, const char *editor, const char *now, em_error *err)
{
    const char *bump[] = {id};
    int rc = db_run_cached(d, "UPDATE questions SET version = version + 1 WHERE id = $1", bump, 1, err);
    if (rc != DB_DONE)
        return rc;
    if (db_changes(d) == 0)
        return em_error_set(err, EM_E_NOT_FOUND, "no such question");
    db_stmt *st = NULL;
    rc = db_prepare_cached(
        d, "SELECT version - 1, stem, options, answer, explanation FROM questions WHERE id = $1", &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        rc = db_step(st, err);
    }
    if (rc == DB_ROW) {
        char version[24];
        snprintf(version, sizeof version, "%lld", (long long)db_column_int64(st, 0));
        const char *params[] = {id,
                                version,
                                db_column_text(st, 1),
                                db_column_text(st, 2),
                                db_column_text(st, 3),
                                db_column_text(st, 4),
                                editor,
                                now};
        rc = db_run_cached(
            d,
            "INSERT INTO question_versions (question_id, version, stem, options, answer, "
            "explanation, edited_by, edited_at) VALUES ($1, CAST($2 AS INTEGER), $3, $4, $5, $6, "
            "$7, $8)",
            params, 8, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such question");
    }
    db_finalize(st);
    return rc;
}

/* Whether a patch changes the text of a question (and so makes a version). */
static bool touches_text(const question_patch *p)
{
    return p->has_stem || p->has_answer || p->has_explanation || p->options != NULL;
}

/* Apply a checked patch (options_json and tags_json from check_patch) to
 * question `id`, keeping a version first when it touches the text. Inside the
 * caller's transaction. */
static int apply_patch(db *d, const principal *who, const char *id, const question_patch *p,
                       const char *options_json, const char *tags_json, const char *now, em_error *err)
{
    int rc = EM_OK;
    if (touches_text(p))
        rc = keep_version(d, id, who->user_id, now, err);
    if (rc == EM_OK && p->has_stem)
        rc = set_column(d, "UPDATE questions SET stem = $1, updated_at = $2 WHERE id = $3", p->stem, now, id, err);
    if (rc == EM_OK && p->has_answer)
        rc = set_column(d, "UPDATE questions SET answer = $1, updated_at = $2 WHERE id = $3", p->answer, now, id,
                        err);
    if (rc == EM_OK && p->has_explanation)
        rc = set_column(d, "UPDATE questions SET explanation = $1, updated_at = $2 WHERE id = $3", p->explanation,
                        now, id, err);
    if (rc == EM_OK && options_json != NULL) {
        rc = set_column(d, "UPDATE questions SET options = $1, updated_at = $2 WHERE id = $3", options_json, now, id,
                        err);
        if (rc == EM_OK)
            rc = set_column(d, "UPDATE questions SET type = $1, updated_at = $2 WHERE id = $3",
                            strcmp(options_json, "[]") == 0 ? "short_answer" : "multiple_choice", now, id, err);
    }
    if (rc == EM_OK && tags_json != NULL)
        rc = replace_tags(d, id, tags_json, now, err);
    return rc;
}

int questions_update(db *d, const principal *who, const char *id, const question_patch *p, em_error *err)
{
    char *options_json = NULL, *tags_json = NULL;
    char owner[ID_UUID_LEN + 1], now[32];
    int rc = check_patch(p, &options_json, &tags_json, err);
    if (rc == EM_OK)
        rc = visible_owner(d, who, id, owner, err);
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        goto out;
    clock_iso8601(clock_now_ms(), now);
    rc = apply_patch(d, who, id, p, options_json, tags_json, now, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
out:
    free(options_json);
    free(tags_json);
    return rc;
}

int questions_confirm_tag(db *d, const principal *who, const char *id, const char *tag, em_error *err)
{
    char owner[ID_UUID_LEN + 1], now[32], lower[TAG_MAX_LEN + 1];
    int rc = visible_owner(d, who, id, owner, err);
    if (rc != EM_OK)
        return rc;
    size_t n = tag != NULL ? strlen(tag) : 0;
    if (n == 0 || n > TAG_MAX_LEN)
        return em_error_set(err, EM_E_NOT_FOUND, "the question has no such tag");
    ascii_lower_copy(lower, tag, n);
    lower[n] = '\0';
    clock_iso8601(clock_now_ms(), now);
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    const char *params[] = {lower, id};
    rc = db_run(d, "UPDATE question_tags SET confirmed = TRUE WHERE tag = $1 AND question_id = $2", params, 2, err);
    rc = rc == DB_DONE ? EM_OK : rc;
    if (rc == EM_OK && db_changes(d) == 0)
        rc = em_error_set(err, EM_E_NOT_FOUND, "the question has no tag %.100s", lower);
    if (rc == EM_OK) {
        const char *p2[] = {now, id};
        rc = db_run(d, "UPDATE questions SET updated_at = $1 WHERE id = $2", p2, 2, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* ---- review ---- */

/* Whether `who`'s role reviews questions (of the owners the one rule lets
 * them see). */
static bool is_reviewer(const principal *who)
{
    return strcmp(who->role, "tutor") == 0 || strcmp(who->role, "admin") == 0;
}

int questions_review(db *d, const principal *who, const char *id, question_decision decision,
                     const question_patch *edit, em_error *err)
{
    assert(decision != QUESTION_EDIT || edit != NULL);
    char owner[ID_UUID_LEN + 1], now[32];
    char *options_json = NULL, *tags_json = NULL;
    /* Whoever may see it under the one rule learns that it exists: the owner
       is refused, not told it is missing. */
    int rc = find_owner(d, NULL, id, owner, err);
    if (rc == EM_OK)
        rc = authz_require_view(d, who, owner, "question", err);
    if (rc == EM_OK && !is_reviewer(who))
        rc = em_error_set(err, EM_E_FORBIDDEN, "only the student's tutors and admins review questions");
    if (rc == EM_OK && decision == QUESTION_EDIT) {
        if (edit->tags != NULL || !touches_text(edit))
            rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                 "an edit sets stem, options, answer or explanation (and nothing else)");
        else
            rc = check_patch(edit, &options_json, &tags_json, err);
    }
    if (rc == EM_OK)
        rc = db_begin(d, err);
    if (rc != EM_OK)
        goto out;
    clock_iso8601(clock_now_ms(), now);
    if (decision == QUESTION_EDIT)
        rc = apply_patch(d, who, id, edit, options_json, NULL, now, err);
    if (rc == EM_OK) {
        const char *status = decision == QUESTION_REJECT ? "rejected" : "approved";
        const char *params[] = {status, now, id};
        rc = db_run_cached(d,
                           "UPDATE questions SET review_status = $1, updated_at = $2 "
                           "WHERE id = $3 AND review_status <> $1",
                           params, 3, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
out:
    free(options_json);
    free(tags_json);
    return rc;
}

/* ---- versions ---- */

int questions_versions(db *d, const principal *who, const char *id, int limit, int offset,
                       question_version_visit visit, void *ctx, size_t *count, em_error *err)
{
    *count = 0;
    char owner[ID_UUID_LEN + 1];
    if (limit < 1 || limit > QUESTIONS_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be 1-%d and offset 0 or more", QUESTIONS_PAGE_MAX);
    int rc = visible_owner(d, who, id, owner, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(
        d,
        "SELECT version, stem, options, answer, explanation, edited_by, edited_at "
        "FROM question_versions WHERE question_id = $1 ORDER BY version DESC LIMIT $2 OFFSET $3",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        db_bind_int64(st, 2, limit);
        db_bind_int64(st, 3, offset);
    }
    while (db_next(st, &rc, err)) {
        question_version v = {
            .version = db_column_int64(st, 0),
            .stem = db_column_text(st, 1),
            .options_json = db_column_text(st, 2),
            .answer = db_column_text(st, 3),
            .explanation = db_column_text(st, 4),
            .edited_by = db_column_text(st, 5),
            .edited_at = db_column_text(st, 6),
        };
        visit(ctx, &v);
        (*count)++;
    }
    db_finalize(st);
    return rc;
}
