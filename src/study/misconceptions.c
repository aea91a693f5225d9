/* misconceptions: see misconceptions.h. */
#include "study/misconceptions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "study/mastery.h"

#define COLUMNS "id, topic, kind, description, advice, detected_at, resolved_at, mastery_at_detection"

static json_t *row_json(db_stmt *st)
{
    const char *resolved = db_column_text(st, 6);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s}", "id", db_column_text(st, 0), "topic",
                     db_column_text(st, 1), "kind", db_column_text(st, 2), "description",
                     db_column_text(st, 3), "advice", db_column_text(st, 4), "detected_at",
                     db_column_text(st, 5), "resolved_at",
                     resolved != NULL ? json_string(resolved) : json_null(), "status",
                     resolved != NULL ? "resolved" : "open");
}

int misconceptions_list(db *d, const principal *who, const char *user_id, const char *status, int limit,
                        json_t **out, em_error *err)
{
    *out = NULL;
    if (user_id == NULL)
        user_id = who->user_id;
    if (!id_is_uuid(user_id))
        return em_error_set(err, EM_E_INVAL, "user_id must be a user id (UUID)");
    if (status == NULL)
        status = "open";
    if (strcmp(status, "open") != 0 && strcmp(status, "resolved") != 0 && strcmp(status, "all") != 0)
        return em_error_set(err, EM_E_INVAL, "status must be open, resolved or all");
    if (limit < 1 || limit > MISCONCEPTIONS_PAGE_MAX)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d",
                            MISCONCEPTIONS_PAGE_MAX);
    int rc = authz_require_view(d, who, user_id, "user", err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT " COLUMNS " FROM misconceptions WHERE user_id = $1 "
                           "AND ($2 = 'all' OR ($2 = 'open' AND resolved_at IS NULL) "
                           "OR ($2 = 'resolved' AND resolved_at IS NOT NULL)) "
                           "ORDER BY detected_at DESC, id DESC LIMIT $3",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, status);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    json_t *items = json_array();
    while (db_next(st, &rc, err))
        json_array_append_new(items, row_json(st));
    db_finalize(st);
    if (rc != EM_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EM_OK;
}

/* Insert one finding unless the same one is open; *row receives it when new. */
static int add_one(db *d, const char *user_id, const mc_found *f, int64_t now_ms, json_t **row, em_error *err)
{
    *row = NULL;
    char id[ID_UUID_LEN + 1], now[32];
    id_uuid7(id);
    clock_iso8601(now_ms, now);
    db_stmt *st = NULL;
    /* the topic's row and mastery now (study/mastery.h's rule: the highest of its rows) */
    int rc = db_prepare_cached(
        d,
        "INSERT INTO misconceptions (id, user_id, topic_id, topic, kind, description, advice, "
        "key, mastery_at_detection, detected_at) "
        "VALUES ($1, $2, (SELECT min(id) FROM topics WHERE user_id = $2 AND name = $3), $3, $4, "
        "$5, $6, $7, (SELECT coalesce(max(mastery_score), 0) FROM topics WHERE user_id = $2 AND name = $3), "
        "$8) "
        "ON CONFLICT (user_id, key) WHERE resolved_at IS NULL DO NOTHING",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, user_id);
        db_bind_text(st, 3, f->topic);
        db_bind_text(st, 4, mc_kind_name(f->kind));
        db_bind_text(st, 5, f->description);
        db_bind_text(st, 6, f->advice != NULL ? f->advice : "");
        db_bind_text(st, 7, f->key);
        rc = db_bind_text(st, 8, now);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    if (db_changes(d) == 1)
        *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:s}", "id", id, "topic", f->topic, "kind",
                         mc_kind_name(f->kind), "description", f->description, "advice",
                         f->advice != NULL ? f->advice : "", "detected_at", now, "resolved_at", "status",
                         "open");
    return EM_OK;
}

void misconceptions__changes_cleanup(mc_changes *c)
{
    if (c == NULL)
        return;
    free(c->add);
    json_decref(c->resolve);
    memset(c, 0, sizeof *c);
}

/* Whether `key` is among the open ones read so far. */
static bool is_open(char **keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

int misconceptions__plan(db *d, const char *user_id, const bkt_params *p, const mc_list *found,
                         const attempt_history *h, const char *const *topics, size_t n_topics, int64_t now_ms,
                         mc_changes *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    out->resolve = json_array();
    char **open_keys = NULL;
    size_t n_open = 0, cap_open = 0;
    int rc = EM_OK;
    /* the open ones of the topics answered now (or all): what is open already
       is not stored again, and those later answers show mastered are resolved */
    size_t rounds = topics != NULL ? n_topics : 1;
    for (size_t t = 0; rc == EM_OK && t < rounds; t++) {
        db_stmt *st = NULL;
        /* by misconceptions_open_topic_idx, in the order they were detected
           (their ids are time-ordered): a student's resolved ones, however
           many, are not read */
        rc = topics != NULL ? db_prepare_cached(d,
                                                "SELECT " COLUMNS ", key FROM misconceptions WHERE user_id = $1 "
                                                "AND topic = $2 AND resolved_at IS NULL ORDER BY id",
                                                &st, err)
                            : db_prepare_cached(d,
                                                "SELECT " COLUMNS ", key FROM misconceptions WHERE user_id = $1 "
                                                "AND resolved_at IS NULL ORDER BY id",
                                                &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, user_id);
        if (rc == EM_OK && topics != NULL)
            rc = db_bind_text(st, 2, topics[t]);
        while (db_next(st, &rc, err)) {
            if (n_open == cap_open) {
                cap_open = cap_open ? cap_open * 2 : 8;
                open_keys = em_realloc(open_keys, cap_open * sizeof *open_keys);
            }
            open_keys[n_open++] = em_strdup(db_column_text(st, 8));
            int64_t detected = 0;
            clock_parse_iso8601(db_column_text(st, 5), &detected);
            if (!mc_resolved(p, db_column_text(st, 1), detected, db_column_double(st, 7), h->items, h->n))
                continue;
            json_t *row = row_json(st);
            char now[32];
            clock_iso8601(now_ms, now);
            json_object_set_new(row, "resolved_at", json_string(now));
            json_object_set_new(row, "status", json_string("resolved"));
            json_array_append_new(out->resolve, row);
        }
        db_finalize(st);
    }
    for (size_t i = 0; rc == EM_OK && found != NULL && i < found->n; i++) {
        /* a finding on a topic not answered now was made, and stored, before */
        bool touched = topics == NULL;
        for (size_t t = 0; !touched && t < n_topics; t++)
            touched = strcmp(topics[t], found->items[i].topic) == 0;
        if (!touched || is_open(open_keys, n_open, found->items[i].key))
            continue;
        out->add = em_realloc(out->add, (out->n_add + 1) * sizeof *out->add);
        out->add[out->n_add++] = &found->items[i];
    }
    for (size_t i = 0; i < n_open; i++)
        free(open_keys[i]);
    free(open_keys);
    if (rc != EM_OK)
        misconceptions__changes_cleanup(out);
    return rc;
}

int misconceptions__apply(db *d, const char *user_id, const mc_changes *c, int64_t now_ms, json_t **added,
                          json_t **resolved, em_error *err)
{
    json_t *new_ones = json_array(), *gone = json_array();
    int rc = EM_OK;
    /* the checks made before may be stale (another submission of the same
       student in between): the insert skips one open meanwhile, the update
       one resolved meanwhile */
    for (size_t i = 0; rc == EM_OK && i < c->n_add; i++) {
        json_t *row = NULL;
        rc = add_one(d, user_id, c->add[i], now_ms, &row, err);
        if (row != NULL)
            json_array_append_new(new_ones, row);
    }
    char now[32];
    clock_iso8601(now_ms, now);
    for (size_t i = 0; rc == EM_OK && i < json_array_size(c->resolve); i++) {
        json_t *row = json_array_get(c->resolve, i);
        const char *params[] = {now, json_string_value(json_object_get(row, "id"))};
        rc = db_run_cached(d,
                           "UPDATE misconceptions SET resolved_at = $1 WHERE id = $2 AND resolved_at IS NULL",
                           params, 2, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        if (rc == EM_OK && db_changes(d) == 1)
            json_array_append(gone, row);
    }
    if (rc != EM_OK) {
        json_decref(new_ones);
        json_decref(gone);
        return rc;
    }
    if (added != NULL)
        *added = new_ones;
    else
        json_decref(new_ones);
    if (resolved != NULL)
        *resolved = gone;
    else
        json_decref(gone);
    return EM_OK;
}

int misconceptions__update(db *d, const char *user_id, const bkt_params *p, const mc_list *found,
                           const attempt_history *h, const char *const *topics, size_t n_topics,
                           int64_t now_ms, json_t **added, json_t **resolved, em_error *err)
{
    mc_changes c;
    int rc = misconceptions__plan(d, user_id, p, found, h, topics, n_topics, now_ms, &c, err);
    if (rc == EM_OK)
        rc = misconceptions__apply(d, user_id, &c, now_ms, added, resolved, err);
    misconceptions__changes_cleanup(&c);
    return rc;
}

void misconceptions__free(open_misconception *m, size_t n)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(m[i].topic);
        free(m[i].description);
    }
    free(m);
}

int misconceptions__open(db *d, const char *user_id, size_t max, open_misconception **out, size_t *n,
                         em_error *err)
{
    *out = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT id, topic, description FROM misconceptions WHERE user_id = $1 "
                               "AND resolved_at IS NULL ORDER BY id LIMIT $2" /* detection order: ids are time-ordered */,
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, (int64_t)max);
    open_misconception *m = em_calloc(max > 0 ? max : 1, sizeof *m);
    while (db_next(st, &rc, err) && *n < max) {
        snprintf(m[*n].id, sizeof m[*n].id, "%s", db_column_text(st, 0));
        m[*n].topic = db_column_strdup(st, 1);
        m[*n].description = db_column_strdup(st, 2);
        (*n)++;
    }
    db_finalize(st);
    if (rc != EM_OK) {
        misconceptions__free(m, *n);
        *n = 0;
        return rc;
    }
    *out = m;
    return EM_OK;
}
