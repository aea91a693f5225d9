/* quiz_pool: see quiz_pool.h. */
#include "materials/quiz_pool.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"

void quiz_pool_free(pool_question *q, size_t n)
{
    if (q == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(q[i].type);
        free(q[i].stem);
        free(q[i].options_json);
        free(q[i].answer);
        free(q[i].topic);
        free(q[i].term);
        free(q[i].section);
        free(q[i].quote);
        free(q[i].explanation);
        free(q[i].source);
    }
    free(q);
}

/* The option a worksheet's letter key names ("C" -> the third), or the key
 * itself when it is an option's text; NULL when it names none. Owned. */
static char *choice_key(const char *options_json, const char *answer)
{
    json_t *opts = json_loads(options_json, 0, NULL);
    char *out = NULL;
    size_t n = json_is_array(opts) ? json_array_size(opts) : 0;
    size_t len = strlen(answer);
    if (len == 1 && ((answer[0] >= 'A' && answer[0] <= 'Z') || (answer[0] >= 'a' && answer[0] <= 'z'))) {
        size_t i = (size_t)((answer[0] | 0x20) - 'a');
        if (i < n && json_is_string(json_array_get(opts, i)))
            out = em_strdup(json_string_value(json_array_get(opts, i)));
    }
    for (size_t i = 0; out == NULL && i < n; i++) {
        const char *o = json_string_value(json_array_get(opts, i));
        if (o != NULL && strcasecmp(o, answer) == 0)
            out = em_strdup(o);
    }
    json_decref(opts);
    return out;
}

static const char candidates_sql[] =
    "SELECT q.id, q.material_id, COALESCE(q.format, q.type), q.stem, q.options, q.answer, "
    "COALESCE(q.topic, (SELECT mt.name FROM question_tags t JOIN material_topics mt "
    "ON mt.material_id = q.material_id AND t.tag = 'topic.' || mt.slug WHERE t.question_id = q.id "
    "ORDER BY mt.position LIMIT 1), q.section, m.title), "
    "q.term, q.section, q.quote, q.explanation, q.page, q.difficulty, "
    "q.source, q.type "
    "FROM questions q JOIN materials m ON m.id = q.material_id "
    "WHERE q.user_id = $1 AND q.material_id = $2 AND q.review_status = 'approved' "
    "AND q.answer IS NOT NULL AND q.answer <> '' "
    "AND (CAST($3 AS TEXT) IS NULL OR q.topic = $3 OR q.section = $3) "
    "AND (CAST($4 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM question_tags t WHERE t.question_id = q.id "
    "AND (t.tag = $4 OR (t.tag >= $5 AND t.tag < $6)))) "
    "ORDER BY q.id LIMIT $7";

/* Read one material's candidates, appending to *out. */
static int read_material(db *d, const pool_filter *f, const char *material_id, pool_question **out, size_t *n,
                         size_t *cap, em_error *err)
{
    char lo[260] = "", hi[260] = "";
    if (f->tag != NULL) {
        /* codes under `tag` sort between "tag." and "tag/" ('/' follows '.') */
        snprintf(lo, sizeof lo, "%s.", f->tag);
        snprintf(hi, sizeof hi, "%s/", f->tag);
    }
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, candidates_sql, &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, f->owner_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, material_id);
    if (rc == EM_OK)
        rc = f->topic != NULL ? db_bind_text(st, 3, f->topic) : db_bind_null(st, 3);
    if (rc == EM_OK)
        rc = f->tag != NULL ? db_bind_text(st, 4, f->tag) : db_bind_null(st, 4);
    if (rc == EM_OK)
        rc = db_bind_text(st, 5, lo);
    if (rc == EM_OK)
        rc = db_bind_text(st, 6, hi);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 7, QUIZ_POOL_PER_MATERIAL);
    while (db_next(st, &rc, err)) {
        const char *options = db_column_text(st, 4);
        const char *answer = db_column_text(st, 5);
        bool choice = strcmp(db_column_text(st, 14), "multiple_choice") == 0;
        char *key = choice ? choice_key(options != NULL ? options : "[]", answer) : em_strdup(answer);
        if (key == NULL)
            continue; /* a key that names no option cannot be graded */
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *out = em_realloc(*out, *cap * sizeof **out);
        }
        pool_question *q = &(*out)[(*n)++];
        memset(q, 0, sizeof *q);
        snprintf(q->id, sizeof q->id, "%s", db_column_text(st, 0));
        snprintf(q->material_id, sizeof q->material_id, "%s", db_column_text(st, 1));
        q->type = db_column_strdup(st, 2);
        q->stem = db_column_strdup(st, 3);
        q->options_json = em_strdup(options != NULL ? options : "[]");
        q->answer = key;
        q->topic = db_column_strdup(st, 6);
        q->term = db_column_strdup(st, 7);
        q->section = db_column_strdup(st, 8);
        q->quote = db_column_strdup(st, 9);
        q->explanation = db_column_strdup(st, 10);
        q->page = db_column_is_null(st, 11) ? -1 : (int)db_column_int64(st, 11);
        q->difficulty = db_column_is_null(st, 12) ? -1 : db_column_double(st, 12);
        q->source = db_column_strdup(st, 13);
    }
    db_finalize(st);
    return rc;
}

int quiz_pool_candidates(db *d, const pool_filter *f, pool_question **out, size_t *n, em_error *err)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    int rc = EM_OK;
    for (size_t i = 0; rc == EM_OK && i < f->n_materials; i++)
        rc = read_material(d, f, f->material_ids[i], out, n, &cap, err);
    if (rc != EM_OK) {
        quiz_pool_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int quiz_pool_needs_review(db *d, const char *material_id, bool *review, em_error *err)
{
    *review = false;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT review_generated FROM materials WHERE id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        *review = db_column_bool(st, 0);
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such material");
    return rc == DB_ROW ? EM_OK : rc;
}

static const char insert_generated_sql[] =
    "INSERT INTO questions (id, user_id, material_id, page, type, stem, options, answer, source, format, "
    "review_status, topic, term, section, quote, difficulty, fingerprint, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'generated', $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) "
    "ON CONFLICT (material_id, fingerprint) WHERE fingerprint IS NOT NULL DO NOTHING";

int quiz_pool_store_generated(db *d, const char *owner_id, const char *material_id, const pool_generated *g,
                              bool pending, char id[37], bool *approved, em_error *err)
{
    char qid[ID_UUID_LEN + 1], now[32];
    id_uuid7(qid);
    clock_iso8601(clock_now_ms(), now);
    bool choice = g->format == NULL || strcmp(g->format, "cloze") != 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, insert_generated_sql, &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, qid);
        db_bind_text(st, 2, owner_id);
        db_bind_text(st, 3, material_id);
        if (g->page >= 0)
            db_bind_int64(st, 4, g->page);
        else
            db_bind_null(st, 4);
        db_bind_text(st, 5, choice ? "multiple_choice" : "short_answer");
        db_bind_text(st, 6, g->stem);
        db_bind_text(st, 7, g->options_json);
        db_bind_text(st, 8, g->answer);
        if (g->format != NULL)
            db_bind_text(st, 9, g->format);
        else
            db_bind_null(st, 9);
        db_bind_text(st, 10, pending ? "pending" : "approved");
        db_bind_text(st, 11, g->topic);
        g->term != NULL ? db_bind_text(st, 12, g->term) : db_bind_null(st, 12);
        g->section != NULL ? db_bind_text(st, 13, g->section) : db_bind_null(st, 13);
        g->quote != NULL ? db_bind_text(st, 14, g->quote) : db_bind_null(st, 14);
        db_bind_double(st, 15, g->difficulty);
        db_bind_text(st, 16, g->fingerprint);
        rc = db_bind_text(st, 17, now);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : em_error_set(err, EM_E_INTERNAL, "storing a question returned a row");
    if (db_changes(d) == 1) {
        memcpy(id, qid, sizeof qid);
        *approved = !pending;
        return EM_OK;
    }
    /* the material has it already: report that one */
    rc = db_prepare_cached(
        d, "SELECT id, review_status FROM questions WHERE material_id = $1 AND fingerprint = $2", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, g->fingerprint);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        snprintf(id, 37, "%s", db_column_text(st, 0));
        *approved = strcmp(db_column_text(st, 1), "approved") == 0;
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_INTERNAL, "a stored question vanished");
    }
    db_finalize(st);
    return rc;
}
