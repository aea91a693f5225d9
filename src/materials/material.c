#include "materials/material.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "content/apparatus.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/jsonw.h"
#include "core/mem.h"

/* Largest JSON text of one question's options. */
#define MATERIAL_OPTIONS_MAX (64 * 1024)

static void copy_col(db_stmt *st, int col, char *out, size_t cap)
{
    const char *t = db_column_text(st, col);
    snprintf(out, cap, "%s", t != NULL ? t : "");
}

static void now_iso(char out[32])
{
    clock_iso8601(clock_now_ms(), out);
}

/* ---- create ---- */

static const char insert_sql[] =
    "INSERT INTO materials (id, user_id, title, filename, kind, mime, size_bytes, sha256, storage_key, "
    "is_worksheet, tags, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $12)";

static int insert_material(db *d, const char *id, const material_new *m, em_error *err)
{
    char now[32];
    now_iso(now);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, insert_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, id);
    db_bind_text(st, 2, m->user_id);
    db_bind_text(st, 3, m->title);
    if (m->filename != NULL)
        db_bind_text(st, 4, m->filename);
    else
        db_bind_null(st, 4);
    db_bind_text(st, 5, m->kind);
    db_bind_text(st, 6, m->mime);
    db_bind_int64(st, 7, m->size_bytes);
    db_bind_text(st, 8, m->sha256);
    db_bind_text(st, 9, m->storage_key);
    db_bind_bool(st, 10, m->is_worksheet);
    db_bind_text(st, 11, m->tags_json != NULL ? m->tags_json : "[]");
    db_bind_text(st, 12, now);
    rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int material_create(db *d, const char *id, const material_new *m, bool enqueue, char job_id[JOB_ID_LEN + 1],
                    em_error *err)
{
    char jid[JOB_ID_LEN + 1] = "";
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = insert_material(d, id, m, err);
    if (rc == EM_OK && enqueue) {
        char payload[96];
        snprintf(payload, sizeof payload, "{\"material_id\":\"%s\"}", id);
        /* A material is worth a few retries when storage or the database
         * hiccups; what is wrong with the file itself fails it at once. */
        job_spec spec = {.queue = MATERIAL_JOB_QUEUE,
                         .kind = MATERIAL_JOB_KIND,
                         .payload = payload,
                         .max_attempts = MATERIAL_JOB_ATTEMPTS,
                         .owner = m->user_id};
        rc = queue_enqueue(d, &spec, jid, err);
        if (rc == EM_OK) {
            const char *p[] = {jid, id};
            rc = db_run(d, "UPDATE materials SET job_id = $1 WHERE id = $2", p, 2, err);
            rc = rc == DB_DONE ? EM_OK : rc;
        }
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    if (rc == EM_OK && job_id != NULL)
        memcpy(job_id, jid, sizeof jid);
    return rc;
}

/* ---- read ---- */

#define MATERIAL_COLUMNS                                                                                     \
    "id, user_id, title, filename, kind, mime, sha256, storage_key, tags, status, error, job_id, "           \
    "size_bytes, is_worksheet, page_count, section_count, chunk_count, question_count, created_at, "         \
    "updated_at, ready_at, pages_done, review_generated"

static void read_row(db_stmt *st, material *m)
{
    memset(m, 0, sizeof *m);
    copy_col(st, 0, m->id, sizeof m->id);
    copy_col(st, 1, m->user_id, sizeof m->user_id);
    m->title = db_column_strdup(st, 2);
    m->filename = db_column_strdup(st, 3);
    m->kind = db_column_strdup(st, 4);
    m->mime = db_column_strdup(st, 5);
    m->sha256 = db_column_strdup(st, 6);
    m->storage_key = db_column_strdup(st, 7);
    m->tags_json = db_column_strdup(st, 8);
    m->status = db_column_strdup(st, 9);
    m->error = db_column_strdup(st, 10);
    m->job_id = db_column_strdup(st, 11);
    m->size_bytes = db_column_int64(st, 12);
    m->is_worksheet = db_column_bool(st, 13);
    m->page_count = (int)db_column_int64(st, 14);
    m->section_count = (int)db_column_int64(st, 15);
    m->chunk_count = (int)db_column_int64(st, 16);
    m->question_count = (int)db_column_int64(st, 17);
    copy_col(st, 18, m->created_at, sizeof m->created_at);
    copy_col(st, 19, m->updated_at, sizeof m->updated_at);
    copy_col(st, 20, m->ready_at, sizeof m->ready_at);
    m->pages_done = (int)db_column_int64(st, 21);
    m->review_generated = db_column_bool(st, 22);
}

void material_cleanup(material *m)
{
    if (m == NULL)
        return;
    char **owned[] = {&m->title, &m->filename, &m->kind, &m->mime, &m->sha256,
                      &m->storage_key, &m->tags_json, &m->status, &m->error, &m->job_id};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++) {
        free(*owned[i]);
        *owned[i] = NULL;
    }
}

static const char get_sql[] = "SELECT " MATERIAL_COLUMNS " FROM materials WHERE id = $1";

int material_get(db *d, const char *id, material *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, get_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW) {
        read_row(st, out);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such material");
    }
    db_finalize(st);
    return rc;
}

static const char list_sql[] =
    "SELECT " MATERIAL_COLUMNS " FROM materials WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3";

int material_list(db *d, const char *user_id, int limit, int offset, material **items, size_t *n,
                  int64_t *total, em_error *err)
{
    *items = NULL;
    *n = 0;
    *total = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT count(*) FROM materials WHERE user_id = $1", &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, user_id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        *total = db_column_int64(st, 0);
    db_finalize(st);
    if (rc != DB_ROW)
        return rc;
    rc = db_prepare_cached(d, list_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, user_id);
    db_bind_int64(st, 2, limit);
    db_bind_int64(st, 3, offset);
    material *out = em_calloc((size_t)(limit > 0 ? limit : 1), sizeof *out);
    size_t k = 0;
    while (k < (size_t)limit && db_next(st, &rc, err))
        read_row(st, &out[k++]);
    db_finalize(st);
    if (rc != DB_DONE && rc != DB_ROW) {
        for (size_t i = 0; i < k; i++)
            material_cleanup(&out[i]);
        free(out);
        return rc;
    }
    *items = out;
    *n = k;
    return EM_OK;
}

/* ---- status ---- */

int material_set_processing(db *d, const char *id, em_error *err)
{
    char now[32];
    now_iso(now);
    const char *p[] = {now, id};
    int rc = db_run(d,
                    "UPDATE materials SET status = 'processing', error = NULL, pages_done = 0, updated_at = $1 "
                    "WHERE id = $2",
                    p, 2, err);
    if (rc != DB_DONE)
        return rc;
    return db_changes(d) == 0 ? em_error_set(err, EM_E_NOT_FOUND, "no such material") : EM_OK;
}

int material_set_progress(db *d, const char *id, int pages_done, int pages_total, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "UPDATE materials SET pages_done = $1, page_count = $2 "
                               "WHERE id = $3 AND status = 'processing'",
                               &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_int64(st, 1, pages_done);
    db_bind_int64(st, 2, pages_total);
    db_bind_text(st, 3, id);
    rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int material_set_failed(db *d, const char *id, const char *reason, em_error *err)
{
    char now[32];
    now_iso(now);
    const char *p[] = {reason, now, id};
    int rc = db_run(d, "UPDATE materials SET status = 'failed', error = $1, updated_at = $2 WHERE id = $3", p, 3,
                    err);
    return rc == DB_DONE ? EM_OK : rc;
}

int material_give_up(db *d, const char *id, const char *reason, em_error *err)
{
    char now[32];
    now_iso(now);
    const char *p[] = {reason, now, id};
    return db_run(d,
                  "UPDATE materials SET status = 'failed', error = $1, updated_at = $2 "
                  "WHERE id = $3 AND status IN ('pending', 'processing')",
                  p, 3, err);
}

int material_set_pending(db *d, const char *id, em_error *err)
{
    char now[32];
    now_iso(now);
    const char *p[] = {now, id};
    return db_run(d,
                  "UPDATE materials SET status = 'pending', error = NULL, pages_done = 0, updated_at = $1 "
                  "WHERE id = $2 AND status <> 'ready'",
                  p, 2, err);
}

/* ---- what a user keeps ---- */

int material_user_usage(db *d, const char *user_id, int64_t *bytes, int64_t *count, em_error *err)
{
    *bytes = *count = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT coalesce(sum(size_bytes), 0), count(*) FROM materials WHERE user_id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (db_next(st, &rc, err)) {
        *bytes = db_column_int64(st, 0);
        *count = db_column_int64(st, 1);
    }
    db_finalize(st);
    return rc;
}

/* ---- the result of extraction ---- */

/* Text for the chunk index: the two private markers search uses to highlight
 * (search.c) must not occur in stored text. */
static char *strip_markers(const char *s)
{
    size_t n = strlen(s);
    char *out = em_malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* U+FDD0 and U+FDD1 are EF B7 90 / EF B7 91 */
        if ((unsigned char)s[i] == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xB7 &&
            ((unsigned char)s[i + 2] == 0x90 || (unsigned char)s[i + 2] == 0x91)) {
            i += 2;
            continue;
        }
        out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

static int clear_result(db *d, const char *id, em_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM questions WHERE material_id = $1",
        "DELETE FROM material_topics WHERE material_id = $1",
        "DELETE FROM material_chunks WHERE material_id = $1",
        "DELETE FROM material_sections WHERE material_id = $1",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        int rc = db_run(d, sql[i], &id, 1, err);
        if (rc != DB_DONE)
            return rc;
    }
    return EM_OK;
}

static int store_sections(db *d, const char *id, const material_result *r, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO material_sections (material_id, position, level, title, page) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        &st, err);
    for (size_t i = 0; rc == EM_OK && i < r->n_headings; i++) {
        db_reset(st);
        db_bind_text(st, 1, id);
        db_bind_int64(st, 2, (int64_t)i);
        db_bind_int64(st, 3, r->headings[i].level);
        db_bind_text(st, 4, r->headings[i].title);
        db_bind_int64(st, 5, r->headings[i].page);
        rc = db_step(st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    db_finalize(st);
    return rc;
}

static int store_chunks(db *d, const material *m, const chunk_list *chunks, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO material_chunks (material_id, user_id, position, section, page_start, "
                        "page_end, words, body, listing) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &st, err);
    for (size_t i = 0; rc == EM_OK && chunks != NULL && i < chunks->n; i++) {
        const text_chunk *c = &chunks->items[i];
        char *body = strip_markers(c->text);
        char *section = c->section != NULL ? strip_markers(c->section) : NULL;
        db_reset(st);
        db_bind_text(st, 1, m->id);
        db_bind_text(st, 2, m->user_id);
        db_bind_int64(st, 3, c->index);
        if (section != NULL)
            db_bind_text(st, 4, section);
        else
            db_bind_null(st, 4);
        db_bind_int64(st, 5, c->page_start);
        db_bind_int64(st, 6, c->page_end);
        db_bind_int64(st, 7, c->words);
        db_bind_text(st, 8, body);
        db_bind_int64(st, 9, apparatus_is_listing(section, body, strlen(body)));
        rc = db_step(st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        free(body);
        free(section);
    }
    db_finalize(st);
    return rc;
}

static int store_topics(db *d, const char *id, const topic_list *topics, em_error *err)
{
    if (topics == NULL)
        return EM_OK;
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO material_topics (material_id, position, name, slug, source, page, weight) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        &st, err);
    for (size_t i = 0; rc == EM_OK && i < topics->n; i++) {
        const topic *t = &topics->items[i];
        char slug[TOPICS_SLUG_MAX + 1];
        topics_tag_slug(t->name, slug, sizeof slug);
        db_reset(st);
        db_bind_text(st, 1, id);
        db_bind_int64(st, 2, (int64_t)i);
        db_bind_text(st, 3, t->name);
        db_bind_text(st, 4, slug);
        db_bind_text(st, 5, t->source);
        db_bind_int64(st, 6, t->page);
        db_bind_double(st, 7, t->weight);
        rc = db_step(st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
    }
    db_finalize(st);
    return rc;
}

/* The options of a question as a JSON array text. */
static char *options_json(const ws_question *q)
{
    buf b;
    buf_init(&b, MATERIAL_OPTIONS_MAX);
    jsonw w;
    jsonw_init(&w, &b);
    jsonw_array_begin(&w);
    for (int i = 0; i < q->n_options; i++)
        jsonw_string(&w, q->options[i]);
    jsonw_array_end(&w);
    if (jsonw_finish(&w) != EM_OK) {
        buf_cleanup(&b);
        return em_strdup("[]");
    }
    return buf_steal(&b);
}

/* Insert each tag of the JSON array `tags` (may be NULL) for question qid. */
/* Tags of question qid from `source` ("uploader": the material's own,
 * "heading": inferred from the worksheet's sections and terms). */
static int store_tags(db_stmt *tag_st, const char *qid, const json_t *tags, const char *source, em_error *err)
{
    int rc = EM_OK;
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        if (!json_is_string(v))
            continue;
        db_reset(tag_st);
        db_bind_text(tag_st, 1, json_string_value(v));
        db_bind_text(tag_st, 2, qid);
        db_bind_text(tag_st, 3, source);
        rc = db_step(tag_st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        if (rc != EM_OK)
            break;
    }
    return rc;
}

static int store_questions(db *d, const material *m, const material_result *r, em_error *err)
{
    if (r->questions == NULL || r->questions->n == 0)
        return EM_OK;
    db_stmt *st = NULL, *tag_st = NULL;
    char now[32];
    now_iso(now);
    int rc = db_prepare(d,
                        "INSERT INTO questions (id, user_id, material_id, number, page, type, stem, options, "
                        "answer, source, created_at, updated_at) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'worksheet', $10, $10)",
                        &st, err);
    if (rc == EM_OK)
        rc = db_prepare(d,
                        "INSERT INTO question_tags (tag, question_id, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        &tag_st, err);
    json_t *material_tags = json_loads(m->tags_json != NULL ? m->tags_json : "[]", 0, NULL);
    for (size_t i = 0; rc == EM_OK && i < r->questions->n; i++) {
        const ws_question *q = &r->questions->items[i];
        char qid[ID_UUID_LEN + 1];
        id_uuid7(qid);
        char *opts = options_json(q);
        db_reset(st);
        db_bind_text(st, 1, qid);
        db_bind_text(st, 2, m->user_id);
        db_bind_text(st, 3, m->id);
        db_bind_int64(st, 4, q->number);
        db_bind_int64(st, 5, q->page);
        db_bind_text(st, 6, q->n_options > 0 ? "multiple_choice" : "short_answer");
        db_bind_text(st, 7, q->stem);
        db_bind_text(st, 8, opts);
        if (q->answer[0] != '\0')
            db_bind_text(st, 9, q->answer);
        else
            db_bind_null(st, 9);
        db_bind_text(st, 10, now);
        rc = db_step(st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        free(opts);
        if (rc == EM_OK)
            rc = store_tags(tag_st, qid, material_tags, "uploader", err);
        if (rc == EM_OK && r->question_tags != NULL)
            rc = store_tags(tag_st, qid, r->question_tags[i], "heading", err);
    }
    json_decref(material_tags);
    db_finalize(st);
    db_finalize(tag_st);
    return rc;
}

static const char ready_sql[] =
    "UPDATE materials SET status = 'ready', error = NULL, page_count = $1, pages_done = $1, section_count = $2, "
    "chunk_count = $3, question_count = $4, updated_at = $5, ready_at = $5 WHERE id = $6";

static int mark_ready(db *d, const material *m, const material_result *r, em_error *err)
{
    char now[32];
    now_iso(now);
    db_stmt *st = NULL;
    int rc = db_prepare(d, ready_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_int64(st, 1, r->page_count);
    db_bind_int64(st, 2, (int64_t)r->n_headings);
    db_bind_int64(st, 3, r->chunks != NULL ? (int64_t)r->chunks->n : 0);
    db_bind_int64(st, 4, r->questions != NULL ? (int64_t)r->questions->n : 0);
    db_bind_text(st, 5, now);
    db_bind_text(st, 6, m->id);
    rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int material_store_result(db *d, const material *m, const material_result *r, em_error *err)
{
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    /* Lock the row (and learn whether it still exists) before writing. */
    const char *id = m->id;
    rc = db_run(d, "UPDATE materials SET status = 'processing' WHERE id = $1", &id, 1, err);
    if (rc == DB_DONE)
        rc = db_changes(d) == 0 ? em_error_set(err, EM_E_NOT_FOUND, "the material was deleted") : EM_OK;
    if (rc == EM_OK)
        rc = clear_result(d, m->id, err);
    if (rc == EM_OK)
        rc = store_sections(d, m->id, r, err);
    if (rc == EM_OK)
        rc = store_chunks(d, m, r->chunks, err);
    if (rc == EM_OK)
        rc = store_topics(d, m->id, r->topics, err);
    if (rc == EM_OK)
        rc = store_questions(d, m, r, err);
    if (rc == EM_OK)
        rc = mark_ready(d, m, r, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* ---- what callers may see ---- */

int material_get_visible(db *d, const principal *who, const char *id, material *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such material");
    int rc = material_get(d, id, out, err);
    if (rc == EM_OK)
        rc = authz_require_view(d, who, out->user_id, "material", err);
    if (rc != EM_OK)
        material_cleanup(out);
    return rc;
}

int material_list_visible(db *d, const principal *who, const char *owner_id, int limit, int offset,
                          material **items, size_t *n, int64_t *total, em_error *err)
{
    *items = NULL;
    *n = 0;
    *total = 0;
    if (owner_id == NULL || !id_is_uuid(owner_id) || limit < 1 || limit > MATERIALS_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "user_id must be a user id, limit 1-%d and offset 0 or more",
                            MATERIALS_PAGE_MAX);
    int rc = authz_require_view(d, who, owner_id, "user", err);
    if (rc != EM_OK)
        return rc;
    return material_list(d, owner_id, limit, offset, items, n, total, err);
}

int material_update_settings(db *d, const principal *who, const char *id, const material_settings *s,
                             em_error *err)
{
    material m;
    int rc = material_get_visible(d, who, id, &m, err);
    if (rc != EM_OK)
        return rc;
    bool changed = s->has_review_generated && s->review_generated != m.review_generated;
    material_cleanup(&m);
    if (!changed)
        return EM_OK;
    char now[32];
    now_iso(now);
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, "UPDATE materials SET review_generated = $1, updated_at = $2 WHERE id = $3",
                           &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_bool(st, 1, s->review_generated);
    db_bind_text(st, 2, now);
    db_bind_text(st, 3, id);
    rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

int material_sections(db *d, const char *material_id, void (*visit)(void *ctx, const material_section *s), void *ctx,
                      em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT title, level, page FROM material_sections WHERE material_id = $1 ORDER BY position", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err)) {
        material_section sec = {.title = db_column_text(st, 0),
                                .level = (int)db_column_int64(st, 1),
                                .page = (int)db_column_int64(st, 2)};
        visit(ctx, &sec);
    }
    db_finalize(st);
    return rc;
}

int material_topics(db *d, const char *material_id, void (*visit)(void *ctx, const material_topic *t), void *ctx,
                    size_t *count, em_error *err)
{
    *count = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT name, slug, source, page, weight FROM material_topics "
                               "WHERE material_id = $1 ORDER BY position",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err)) {
        material_topic t = {.name = db_column_text(st, 0),
                            .slug = db_column_text(st, 1),
                            .source = db_column_text(st, 2),
                            .page = (int)db_column_int64(st, 3),
                            .weight = db_column_double(st, 4)};
        visit(ctx, &t);
        (*count)++;
    }
    db_finalize(st);
    return rc;
}

int material_topic_sizes(db *d, const char *material_id,
                         void (*visit)(void *ctx, const material_topic_size *t), void *ctx,
                         int64_t *total_words, em_error *err)
{
    *total_words = 0;
    const char *p[] = {material_id};
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT COALESCE(SUM(words), 0) FROM material_chunks WHERE material_id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, p[0]);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        *total_words = db_column_int64(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    if (rc != EM_OK)
        return rc == DB_DONE ? EM_OK : rc;
    rc = db_prepare_cached(
        d,
        /* the chunks' words summed by section once, not once per topic: a
           long book has hundreds of topics over thousands of chunks */
        "SELECT t.name, t.source, t.weight, COALESCE(s.words, 0) FROM material_topics t "
        "LEFT JOIN (SELECT section, SUM(words) AS words FROM material_chunks WHERE material_id = $1 "
        "GROUP BY section) s ON s.section = t.name "
        "WHERE t.material_id = $1 ORDER BY t.position",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err)) {
        material_topic_size t = {.name = db_column_text(st, 0),
                                 .source = db_column_text(st, 1),
                                 .weight = db_column_double(st, 2),
                                 .words = db_column_int64(st, 3)};
        visit(ctx, &t);
    }
    db_finalize(st);
    return rc;
}

/* ---- delete ---- */

int material_delete(db *d, const char *id, em_error *err)
{
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    /* Children explicitly (the foreign keys would cascade the same way), so
     * the FTS5 index's delete trigger runs visibly, row by row. */
    rc = clear_result(d, id, err);
    if (rc == EM_OK) {
        rc = db_run(d, "DELETE FROM materials WHERE id = $1", &id, 1, err);
        if (rc == DB_DONE)
            rc = db_changes(d) == 0 ? em_error_set(err, EM_E_NOT_FOUND, "no such material") : EM_OK;
    }
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}
