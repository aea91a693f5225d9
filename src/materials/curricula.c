/* curricula: see curricula.h. An import is read into a list of codes
 * (parse_csv / parse_json), checked as a whole (check_codes), then written in
 * one transaction (store_standard). Suggestions build a codematch index over
 * the codes of a material's standards for each run. */
#include "materials/curricula.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authz.h"
#include "content/topics.h"
#include "core/ascii.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/csv.h"
#include "core/mem.h"
#include "learn/codematch.h"
#include "materials/material.h"
#include "materials/tags.h"

/* One code of an import. Strings owned by the list. */
typedef struct code_in {
    char *code, *title, *description, *parent; /* parent NULL: a root */
    char where[32];                            /* "line 4" or "codes[2]" */
} code_in;

typedef struct code_list {
    code_in *items;
    size_t n, cap;
} code_list;

static void code_list_free(code_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].code);
        free(l->items[i].title);
        free(l->items[i].description);
        free(l->items[i].parent);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* s[0..n) trimmed of ASCII white space, owned; NULL when nothing is left. */
static char *trimmed(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return n > 0 ? em_strndup(s, n) : NULL;
}

/* Add one code (fields may be NULL), checking what can be checked alone. */
static int add_code(code_list *l, const char *where, const char *code, size_t code_len, const char *title,
                    size_t title_len, const char *description, size_t description_len, const char *parent,
                    size_t parent_len, em_error *err)
{
    if (l->n == CURRICULUM_CODES_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: a standard has at most %d codes", where,
                               CURRICULUM_CODES_MAX);
    if (l->n == l->cap) {
        l->cap = l->cap == 0 ? 64 : l->cap * 2;
        l->items = em_realloc(l->items, l->cap * sizeof *l->items);
    }
    code_in *c = &l->items[l->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->where, sizeof c->where, "%s", where);
    c->code = trimmed(code, code_len);
    c->title = trimmed(title, title_len);
    c->description = trimmed(description, description_len);
    c->parent = trimmed(parent, parent_len);
    if (c->code == NULL)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: code is missing", where);
    ascii_lower_copy(c->code, c->code, strlen(c->code));
    if (strlen(c->code) > TAG_MAX_LEN || !tag_valid(c->code))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "%s: code \"%.100s\" is not a curriculum code (dotted words of letters, digits, '-' "
                               "and '_', such as cs1.control.loops)",
                               where, c->code);
    if (c->title == NULL)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: title is missing for code %.100s", where,
                               c->code);
    if (strlen(c->title) > CURRICULUM_TITLE_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: title is longer than %d bytes", where,
                               CURRICULUM_TITLE_MAX);
    if (c->description != NULL && strlen(c->description) > CURRICULUM_DESCRIPTION_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: description is longer than %d bytes",
                               where, CURRICULUM_DESCRIPTION_MAX);
    if (c->parent != NULL)
        ascii_lower_copy(c->parent, c->parent, strlen(c->parent));
    return EM_OK;
}

/* ---- reading a CSV file ---- */

enum { COL_CODE, COL_TITLE, COL_DESCRIPTION, COL_PARENT, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"code", "title", "description", "parent_code"};

static int parse_csv(const char *data, size_t len, code_list *l, em_error *err)
{
    csv_reader r;
    csv_reader_init(&r, data, len);
    csv_row row;
    int col[COL_COUNT] = {-1, -1, -1, -1};
    bool header = true;
    int rc;
    while ((rc = csv_next(&r, &row, err)) == CSV_ROW) {
        if (header) {
            header = false;
            for (size_t i = 0; i < row.n; i++) {
                char *name = trimmed(row.field[i], row.field_len[i]);
                int k = -1;
                for (int c = 0; name != NULL && c < COL_COUNT; c++)
                    if (strcasecmp(name, column_names[c]) == 0)
                        k = c;
                if (k < 0 || col[k] >= 0) {
                    rc = em_error_refuse(err, EM_E_PARSE, CURRICULA_INVALID_CSV,
                                         "line %zu: column \"%.40s\" is %s (the header is code,title,description,"
                                         "parent_code)",
                                         row.line, name != NULL ? name : "", k < 0 ? "not known" : "named twice");
                    free(name);
                    goto out;
                }
                free(name);
                col[k] = (int)i;
            }
            if (col[COL_CODE] < 0 || col[COL_TITLE] < 0) {
                rc = em_error_refuse(err, EM_E_PARSE, CURRICULA_INVALID_CSV,
                                     "line %zu: the header needs the columns code and title", row.line);
                goto out;
            }
            continue;
        }
        char where[32];
        snprintf(where, sizeof where, "line %zu", row.line);
#define FIELD(k) (col[k] >= 0 ? row.field[col[k]] : NULL), (col[k] >= 0 ? row.field_len[col[k]] : 0)
        rc = add_code(l, where, FIELD(COL_CODE), FIELD(COL_TITLE), FIELD(COL_DESCRIPTION), FIELD(COL_PARENT), err);
#undef FIELD
        if (rc != EM_OK)
            goto out;
    }
    if (rc < 0) {
        if (rc == EM_E_PARSE || rc == EM_E_TOO_LARGE)
            err->reason = CURRICULA_INVALID_CSV;
        goto out;
    }
    rc = header ? em_error_refuse(err, EM_E_PARSE, CURRICULA_INVALID_CSV, "the file is empty (line 1 must be "
                                                                          "the header code,title,description,"
                                                                          "parent_code)")
                : EM_OK;
out:
    csv_reader_cleanup(&r);
    return rc;
}

/* ---- reading a JSON body ---- */

static int parse_json(const json_t *body, curriculum_meta *meta, code_list *l, em_error *err)
{
    json_t *codes = json_object_get(body, "codes");
    const char *const known[] = {"title", "slug", "version", "codes"};
    const char *key;
    json_t *val;
    if (!json_is_object(body))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "the body must be a JSON object with title, slug, version and codes");
    json_object_foreach((json_t *)body, key, val) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "unknown field \"%.40s\"", key);
    }
    json_t *title = json_object_get(body, "title"), *slug = json_object_get(body, "slug"),
           *version = json_object_get(body, "version");
    if (!json_is_string(title) || (slug != NULL && !json_is_string(slug) && !json_is_null(slug)) ||
        (version != NULL && !json_is_string(version) && !json_is_null(version)))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "title must be a string; slug and version strings or null");
    meta->title = json_string_value(title);
    meta->slug = json_string_value(slug);
    meta->version = json_string_value(version);
    if (!json_is_array(codes))
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "codes must be an array of objects");
    size_t i;
    json_array_foreach(codes, i, val) {
        char where[32];
        snprintf(where, sizeof where, "codes[%zu]", i);
        if (!json_is_object(val))
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: must be an object", where);
        const char *const fields[] = {"code", "title", "description", "parent_code"};
        const json_t *f[4];
        for (int k = 0; k < 4; k++) {
            f[k] = json_object_get(val, fields[k]);
            if (f[k] != NULL && !json_is_string(f[k]) && !json_is_null(f[k]))
                return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: %s must be a string", where,
                                       fields[k]);
        }
        const char *field;
        json_t *field_val;
        json_object_foreach(val, field, field_val) {
            bool ok = false;
            for (int k = 0; k < 4; k++)
                ok = ok || strcmp(field, fields[k]) == 0;
            if (!ok)
                return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: unknown field \"%.40s\"", where,
                                       field);
        }
        int rc = add_code(l, where, json_string_value(f[0]), json_string_length(f[0]), json_string_value(f[1]),
                          json_string_length(f[1]), json_string_value(f[2]), json_string_length(f[2]),
                          json_string_value(f[3]), json_string_length(f[3]), err);
        if (rc != EM_OK)
            return rc;
    }
    return EM_OK;
}

/* ---- checks of the whole ---- */

/* qsort_r order of indexes into the code_list `list` by code. */
static int by_code(const void *a, const void *b, void *list)
{
    const code_list *l = list;
    return strcmp(l->items[*(const size_t *)a].code, l->items[*(const size_t *)b].code);
}

/* The index of `code` in l (order: l's indexes sorted by code), or l->n. */
static size_t find_code(const code_list *l, const size_t *order, const char *code)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(l->items[order[mid]].code, code);
        if (c == 0)
            return order[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return l->n;
}

/* No two codes alike, every parent a code of the list, no cycle; *parents
 * receives each code's parent index (l->n for a root), owned. Refusals name
 * the first offending code in file order. */
static int check_codes(const code_list *l, size_t **parents, em_error *err)
{
    *parents = NULL;
    if (l->n == 0)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "a standard needs at least one code");
    size_t *order = em_malloc(l->n * sizeof *order);
    size_t *parent = em_malloc(l->n * sizeof *parent);
    int *state = em_calloc(l->n, sizeof *state);
    int rc = EM_OK;
    for (size_t i = 0; i < l->n; i++)
        order[i] = i;
    qsort_r(order, l->n, sizeof *order, by_code, (void *)l);
    /* duplicates, reported at their second appearance */
    size_t dup_at = l->n, dup_first = 0;
    for (size_t k = 1; k < l->n; k++) {
        size_t a = order[k - 1], b = order[k];
        if (strcmp(l->items[a].code, l->items[b].code) == 0) {
            size_t second = a > b ? a : b, first = a < b ? a : b;
            if (second < dup_at) {
                dup_at = second;
                dup_first = first;
            }
        }
    }
    if (dup_at < l->n) {
        rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "%s: code %.100s appears again (first at %s)",
                             l->items[dup_at].where, l->items[dup_at].code, l->items[dup_first].where);
        goto out;
    }
    for (size_t i = 0; rc == EM_OK && i < l->n; i++) {
        parent[i] = l->n;
        if (l->items[i].parent == NULL)
            continue;
        parent[i] = find_code(l, order, l->items[i].parent);
        if (parent[i] == l->n)
            rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                 "%s: parent_code %.100s is not a code of this standard", l->items[i].where,
                                 l->items[i].parent);
    }
    /* cycles: walk up from each code; state 0 unseen, i + 1 on the walk from
     * i, -1 known to reach a root */
    for (size_t i = 0; rc == EM_OK && i < l->n; i++) {
        size_t c = i;
        while (c < l->n && state[c] == 0) {
            state[c] = (int)i + 1;
            c = parent[c];
        }
        if (c < l->n && state[c] == (int)i + 1) {
            rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                 "%s: code %.100s is its own ancestor (a cycle of parent codes)",
                                 l->items[c].where, l->items[c].code);
            break;
        }
        for (c = i; c < l->n && state[c] == (int)i + 1; c = parent[c])
            state[c] = -1;
    }
out:
    free(order);
    free(state);
    if (rc != EM_OK)
        free(parent);
    else
        *parents = parent;
    return rc;
}

static int check_meta(const curriculum_meta *meta, char slug[CURRICULUM_SLUG_MAX + 1], em_error *err)
{
    if (meta->title == NULL || meta->title[0] == '\0' || strlen(meta->title) > CURRICULUM_TITLE_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "title must be 1 to %d characters (for CSV: ?title=)", CURRICULUM_TITLE_MAX);
    if (meta->version != NULL && strlen(meta->version) > CURRICULUM_VERSION_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "version is longer than %d bytes",
                               CURRICULUM_VERSION_MAX);
    if (meta->slug != NULL) {
        char made[CURRICULUM_SLUG_MAX + 1];
        bool ok = strlen(meta->slug) <= CURRICULUM_SLUG_MAX &&
                  topics_tag_slug(meta->slug, made, sizeof made) == EM_OK && strcmp(made, meta->slug) == 0;
        if (!ok)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                   "slug must be lowercase letters and digits joined by '-', at most %d",
                                   CURRICULUM_SLUG_MAX);
        snprintf(slug, CURRICULUM_SLUG_MAX + 1, "%s", meta->slug);
        return EM_OK;
    }
    if (topics_tag_slug(meta->title, slug, CURRICULUM_SLUG_MAX + 1) != EM_OK)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "the title has no letter or digit to make a slug of: give a slug");
    return EM_OK;
}

/* ---- writing ---- */

static int run(db *d, const char *sql, const char *const *params, int n, em_error *err)
{
    int rc = db_run(d, sql, params, n, err);
    return rc == DB_DONE || rc == DB_ROW ? EM_OK : rc;
}

/* The standards' previous codes, as a JSON object code -> "title\x1fdescription\x1fparent". */
static int previous_codes(db *d, const char *id, json_t *prev, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare(d, "SELECT code, title, description, parent_code FROM curriculum_codes WHERE curriculum_id = $1",
                        &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, id);
    while (db_next(st, &rc, err)) {
        const char *p = db_column_text(st, 3);
        char *v = em_asprintf("%s\x1f%s\x1f%s", db_column_text(st, 1), db_column_text(st, 2), p != NULL ? p : "");
        json_object_set_new(prev, db_column_text(st, 0), json_string(v));
        free(v);
    }
    db_finalize(st);
    return rc;
}

/* Add the number of confirmed question tags that are exactly `code` to *n. */
static int count_confirmed(db *d, const char *code, int64_t *n, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT COUNT(*) FROM question_tags WHERE tag = $1 AND confirmed", &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, code);
        rc = db_step(st, err);
    }
    if (rc == DB_ROW) {
        *n += db_column_int64(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    return rc;
}

static int store_standard(db *d, const curriculum_meta *meta, const char *slug, const code_list *l,
                          curriculum_report *out, em_error *err)
{
    char now[32];
    clock_iso8601(clock_now_ms(), now);
    json_t *prev = json_object();
    db_stmt *st = NULL;
    int rc = db_begin(d, err);
    if (rc != EM_OK) {
        json_decref(prev);
        return rc;
    }
    rc = db_prepare(d, "SELECT id FROM curricula WHERE slug = $1", &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, slug);
        rc = db_step(st, err);
    }
    if (rc == DB_ROW)
        snprintf(out->id, sizeof out->id, "%s", db_column_text(st, 0));
    db_finalize(st);
    st = NULL;
    out->created = rc == DB_DONE;
    if (rc == DB_DONE) {
        id_uuid7(out->id);
        const char *p[] = {out->id, slug, meta->title, meta->version, now};
        rc = run(d,
                 "INSERT INTO curricula (id, slug, title, version, created_at, updated_at) "
                 "VALUES ($1, $2, $3, $4, $5, $5)",
                 p, 5, err);
    } else if (rc == DB_ROW) {
        const char *p[] = {meta->title, meta->version, now, out->id};
        rc = run(d, "UPDATE curricula SET title = $1, version = $2, updated_at = $3 WHERE id = $4", p, 4, err);
        if (rc == EM_OK)
            rc = previous_codes(d, out->id, prev, err);
        if (rc == EM_OK)
            rc = run(d, "DELETE FROM curriculum_codes WHERE curriculum_id = $1", (const char *const[]){out->id}, 1,
                     err);
    }
    if (rc == EM_OK)
        rc = db_prepare(d,
                        "INSERT INTO curriculum_codes (curriculum_id, code, title, description, parent_code, position) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
                        &st, err);
    for (size_t i = 0; rc == EM_OK && i < l->n; i++) {
        const code_in *c = &l->items[i];
        db_reset(st);
        db_bind_text(st, 1, out->id);
        db_bind_text(st, 2, c->code);
        db_bind_text(st, 3, c->title);
        db_bind_text(st, 4, c->description != NULL ? c->description : "");
        if (c->parent != NULL)
            db_bind_text(st, 5, c->parent);
        else
            db_bind_null(st, 5);
        db_bind_int64(st, 6, (int64_t)i);
        rc = db_step(st, err);
        rc = rc == DB_DONE ? EM_OK : rc;
        json_t *was = json_object_get(prev, c->code);
        if (was == NULL) {
            out->added++;
        } else {
            char *now_v = em_asprintf("%s\x1f%s\x1f%s", c->title, c->description != NULL ? c->description : "",
                                      c->parent != NULL ? c->parent : "");
            out->changed += strcmp(now_v, json_string_value(was)) != 0;
            free(now_v);
            json_object_del(prev, c->code);
        }
    }
    db_finalize(st);
    st = NULL;
    out->codes = l->n;
    /* what is left in prev is gone from the standard */
    const char *code;
    json_t *v;
    json_object_foreach(prev, code, v) {
        if (rc != EM_OK)
            break;
        out->removed++;
        json_array_append_new(out->removed_codes, json_string(code));
        rc = count_confirmed(d, code, &out->confirmed_kept, err);
    }
    json_decref(prev);
    /* the linked materials' suggestions follow the new codes */
    json_t *materials = json_array();
    if (rc == EM_OK)
        rc = db_prepare(d, "SELECT material_id FROM material_curricula WHERE curriculum_id = $1 ORDER BY material_id",
                        &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, out->id);
    while (db_next(st, &rc, err))
        json_array_append_new(materials, json_string(db_column_text(st, 0)));
    db_finalize(st);
    size_t i;
    json_array_foreach(materials, i, v) {
        if (rc != EM_OK)
            break;
        rc = curricula_suggest_material(d, json_string_value(v), NULL, err);
        out->materials++;
    }
    json_decref(materials);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

static int import(db *d, const principal *who, const curriculum_meta *meta, code_list *l, curriculum_report *out,
                  em_error *err)
{
    size_t *parents = NULL;
    int rc = check_meta(meta, out->slug, err);
    if (rc == EM_OK)
        rc = check_codes(l, &parents, err);
    free(parents);
    if (rc == EM_OK)
        rc = store_standard(d, meta, out->slug, l, out, err);
    (void)who;
    return rc;
}

static int start_report(const principal *who, curriculum_report *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    if (!authz_is_admin(who))
        return em_error_set(err, EM_E_FORBIDDEN, "only admins import curricula");
    out->removed_codes = json_array();
    return EM_OK;
}

static int end_report(int rc, curriculum_report *out)
{
    if (rc != EM_OK) {
        json_decref(out->removed_codes);
        out->removed_codes = NULL;
    }
    return rc;
}

int curricula_import_csv(db *d, const principal *who, const curriculum_meta *meta, const char *data, size_t len,
                         curriculum_report *out, em_error *err)
{
    int rc = start_report(who, out, err);
    if (rc != EM_OK)
        return rc;
    code_list l = {0};
    rc = parse_csv(data, len, &l, err);
    if (rc == EM_OK)
        rc = import(d, who, meta, &l, out, err);
    code_list_free(&l);
    return end_report(rc, out);
}

int curricula_import_json(db *d, const principal *who, const json_t *body, curriculum_report *out, em_error *err)
{
    int rc = start_report(who, out, err);
    if (rc != EM_OK)
        return rc;
    code_list l = {0};
    curriculum_meta meta = {0};
    rc = parse_json(body, &meta, &l, err);
    if (rc == EM_OK)
        rc = import(d, who, &meta, &l, out, err);
    code_list_free(&l);
    return end_report(rc, out);
}

/* ---- reads ---- */

#define CURRICULUM_COLUMNS                                                                                   \
    "SELECT c.id, c.slug, c.title, c.version, "                                                              \
    "(SELECT COUNT(*) FROM curriculum_codes k WHERE k.curriculum_id = c.id), c.created_at, c.updated_at "    \
    "FROM curricula c "

static void read_row(db_stmt *st, curriculum_row *r)
{
    r->id = db_column_text(st, 0);
    r->slug = db_column_text(st, 1);
    r->title = db_column_text(st, 2);
    r->version = db_column_text(st, 3);
    r->code_count = db_column_int64(st, 4);
    r->created_at = db_column_text(st, 5);
    r->updated_at = db_column_text(st, 6);
}

int curricula_list(db *d, int limit, int offset, void (*visit)(void *ctx, const curriculum_row *c), void *ctx,
                   int64_t *total, em_error *err)
{
    *total = 0;
    if (limit < 1 || limit > CURRICULA_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be 1-%d and offset 0 or more", CURRICULA_PAGE_MAX);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT COUNT(*) FROM curricula", &st, err);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW) {
        *total = db_column_int64(st, 0);
        rc = EM_OK;
    }
    db_finalize(st);
    st = NULL;
    if (rc == EM_OK)
        rc = db_prepare_cached(d, CURRICULUM_COLUMNS "ORDER BY c.title, c.id LIMIT $1 OFFSET $2", &st, err);
    if (rc == EM_OK) {
        db_bind_int64(st, 1, limit);
        db_bind_int64(st, 2, offset);
    }
    while (db_next(st, &rc, err)) {
        curriculum_row r;
        read_row(st, &r);
        visit(ctx, &r);
    }
    db_finalize(st);
    return rc;
}

static json_t *row_json(const curriculum_row *r)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s}", "id", r->id, "slug", r->slug, "title", r->title,
                          "code_count", (json_int_t)r->code_count, "created_at", r->created_at, "updated_at",
                          r->updated_at);
    json_object_set_new(o, "version", r->version != NULL ? json_string(r->version) : json_null());
    return o;
}

int curricula_get(db *d, const char *id, json_t **out, em_error *err)
{
    *out = NULL;
    if (id == NULL || !id_is_uuid(id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such curriculum");
    db_stmt *st = NULL;
    json_t *o = NULL;
    int rc = db_prepare_cached(d, CURRICULUM_COLUMNS "WHERE c.id = $1", &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        rc = db_step(st, err);
    }
    if (rc == DB_ROW) {
        curriculum_row r;
        read_row(st, &r);
        o = row_json(&r);
        rc = EM_OK;
    } else if (rc == DB_DONE) {
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such curriculum");
    }
    db_finalize(st);
    st = NULL;
    if (rc != EM_OK)
        return rc;
    /* every node first (a parent may come after its child), then each
     * attached to its parent's children in position order */
    json_t *nodes = json_object(), *order = json_array(), *parents = json_array(), *roots = json_array();
    rc = db_prepare_cached(d,
                           "SELECT code, title, description, parent_code FROM curriculum_codes "
                           "WHERE curriculum_id = $1 ORDER BY position",
                           &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, id);
    while (db_next(st, &rc, err)) {
        const char *code = db_column_text(st, 0), *parent = db_column_text(st, 3);
        json_t *node = json_pack("{s:s, s:s, s:s, s:[]}", "code", code, "title", db_column_text(st, 1),
                                 "description", db_column_text(st, 2), "children");
        json_object_set_new(nodes, code, node);
        json_array_append_new(order, json_string(code));
        json_array_append_new(parents, parent != NULL ? json_string(parent) : json_null());
    }
    db_finalize(st);
    size_t i;
    json_t *code;
    json_array_foreach(order, i, code) {
        json_t *node = json_object_get(nodes, json_string_value(code));
        json_t *parent = json_array_get(parents, i);
        json_t *up = json_is_string(parent) ? json_object_get(nodes, json_string_value(parent)) : NULL;
        json_array_append(up != NULL ? json_object_get(up, "children") : roots, node);
    }
    json_decref(nodes);
    json_decref(order);
    json_decref(parents);
    json_object_set_new(o, "codes", roots);
    if (rc != EM_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return EM_OK;
}

/* ---- materials ---- */

int curricula_of_material(db *d, const char *material_id, json_t **out, em_error *err)
{
    *out = json_array();
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT curriculum_id FROM material_curricula WHERE material_id = $1 ORDER BY curriculum_id", &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err))
        json_array_append_new(*out, json_string(db_column_text(st, 0)));
    db_finalize(st);
    if (rc != EM_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int curricula_link_material(db *d, const principal *who, const char *material_id, const json_t *ids,
                            size_t *suggested, em_error *err)
{
    *suggested = 0;
    if (!json_is_array(ids) || json_array_size(ids) > CURRICULA_LINKS_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                               "curriculum_ids must be an array of at most %d curriculum ids", CURRICULA_LINKS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        if (!json_is_string(v) || !id_is_uuid(json_string_value(v)))
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "curriculum_ids[%zu] is not an id", i);
    }
    material m;
    int rc = material_get_visible(d, who, material_id, &m, err);
    if (rc != EM_OK)
        return rc;
    material_cleanup(&m);
    rc = db_begin(d, err);
    if (rc != EM_OK)
        return rc;
    rc = run(d, "DELETE FROM material_curricula WHERE material_id = $1", (const char *const[]){material_id}, 1, err);
    json_array_foreach(ids, i, v) {
        if (rc != EM_OK)
            break;
        const char *p[] = {material_id, json_string_value(v)};
        db_stmt *st = NULL;
        rc = db_prepare_cached(d, "SELECT 1 FROM curricula WHERE id = $1", &st, err);
        if (rc == EM_OK) {
            db_bind_text(st, 1, p[1]);
            rc = db_step(st, err);
        }
        db_finalize(st);
        if (rc == DB_DONE)
            rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "curriculum_ids[%zu]: no such curriculum", i);
        else if (rc == DB_ROW)
            rc = run(d,
                     "INSERT INTO material_curricula (material_id, curriculum_id) VALUES ($1, $2) "
                     "ON CONFLICT DO NOTHING",
                     p, 2, err);
    }
    if (rc == EM_OK)
        rc = curricula_suggest_material(d, material_id, suggested, err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
    return rc;
}

/* ---- suggestions ---- */

/* The codes of a material's standards, with their ancestors' titles. */
typedef struct code_set {
    json_t *codes;          /* array of [code, title, description, context] */
    codematch_code *match;  /* n entries, pointing into codes */
    size_t n;
} code_set;

static int load_codes(db *d, const char *material_id, code_set *s, em_error *err)
{
    s->codes = json_array();
    json_t *by_key = json_object(); /* "curriculum_id code" -> [title, parent] */
    json_t *keys = json_array();
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT c.curriculum_id, c.code, c.title, c.description, c.parent_code "
                               "FROM curriculum_codes c JOIN material_curricula mc ON mc.curriculum_id = c.curriculum_id "
                               "WHERE mc.material_id = $1 ORDER BY c.curriculum_id, c.position",
                               &st, err);
    if (rc == EM_OK)
        db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err)) {
        const char *cid = db_column_text(st, 0), *parent = db_column_text(st, 4);
        char *key = em_asprintf("%s %s", cid, db_column_text(st, 1));
        json_object_set_new(by_key, key, json_pack("[s, s?]", db_column_text(st, 2), parent));
        json_array_append_new(keys, json_pack("[s, s, s, s, s?]", key, db_column_text(st, 1), db_column_text(st, 2),
                                              db_column_text(st, 3), parent));
        free(key);
    }
    db_finalize(st);
    size_t i;
    json_t *k;
    buf ctx;
    buf_init(&ctx, 64 * 1024);
    json_array_foreach(keys, i, k) {
        if (rc != EM_OK)
            break;
        buf_reset(&ctx);
        buf_append_str(&ctx, "");
        const char *key = json_string_value(json_array_get(k, 0));
        const char *cid_end = strchr(key, ' ');
        const json_t *parent = json_array_get(k, 4);
        /* at most 20 ancestors: the import refused cycles */
        for (int depth = 0; json_is_string(parent) && depth < 20; depth++) {
            char *pkey = em_asprintf("%.*s %s", (int)(cid_end - key), key, json_string_value(parent));
            json_t *p = json_object_get(by_key, pkey);
            free(pkey);
            if (p == NULL)
                break;
            buf_printf(&ctx, "%s. ", json_string_value(json_array_get(p, 0)));
            parent = json_array_get(p, 1);
        }
        json_array_append_new(s->codes, json_pack("[O, O, O, s]", json_array_get(k, 1), json_array_get(k, 2),
                                                   json_array_get(k, 3), ctx.data != NULL ? ctx.data : ""));
    }
    buf_cleanup(&ctx);
    json_decref(by_key);
    json_decref(keys);
    s->n = json_array_size(s->codes);
    s->match = em_calloc(s->n + 1, sizeof *s->match);
    json_array_foreach(s->codes, i, k) {
        s->match[i] = (codematch_code){json_string_value(json_array_get(k, 1)),
                                       json_string_value(json_array_get(k, 2)),
                                       json_string_value(json_array_get(k, 3))};
    }
    return rc;
}

/* A question as the matcher reads it: the stem, the options, and the words
 * of its heading tags (topic.<slug>: its section). */
static int question_texts(db *d, const char *material_id, json_t *out, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT id, stem, options FROM questions WHERE material_id = $1 ORDER BY id", &st,
                               err);
    if (rc == EM_OK)
        db_bind_text(st, 1, material_id);
    while (db_next(st, &rc, err)) {
        buf t;
        buf_init(&t, 64 * 1024);
        buf_append_str(&t, db_column_text(st, 1));
        json_t *opts = json_loads(db_column_text(st, 2), 0, NULL);
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o) {
            if (json_is_string(o)) {
                buf_append_str(&t, "\n");
                buf_append_str(&t, json_string_value(o));
            }
        }
        json_decref(opts);
        json_array_append_new(out, json_pack("[s, s]", db_column_text(st, 0), t.data != NULL ? t.data : ""));
        buf_cleanup(&t);
    }
    db_finalize(st);
    json_t *q;
    size_t i;
    json_array_foreach(out, i, q) {
        if (rc != EM_OK)
            break;
        rc = db_prepare_cached(d, "SELECT tag FROM question_tags WHERE question_id = $1 AND source = 'heading' ORDER BY tag",
                               &st, err);
        if (rc == EM_OK)
            db_bind_text(st, 1, json_string_value(json_array_get(q, 0)));
        buf t;
        buf_init(&t, 64 * 1024);
        buf_append_str(&t, json_string_value(json_array_get(q, 1)));
        while (db_next(st, &rc, err)) {
            const char *tag = db_column_text(st, 0);
            buf_append_str(&t, "\n");
            for (const char *c = strncmp(tag, "topic.", 6) == 0 ? tag + 6 : tag; *c != '\0'; c++)
                buf_append(&t, *c == '-' || *c == '.' || *c == '_' ? " " : c, 1);
        }
        db_finalize(st);
        json_array_set_new(q, 1, json_string(t.data != NULL ? t.data : ""));
        buf_cleanup(&t);
    }
    return rc;
}

int curricula_suggest_material(db *d, const char *material_id, size_t *suggested, em_error *err)
{
    if (suggested != NULL)
        *suggested = 0;
    code_set s = {0};
    json_t *qs = json_array();
    codematch *m = NULL;
    db_stmt *st = NULL;
    int rc = db_begin(d, err);
    if (rc != EM_OK)
        goto out;
    rc = run(d,
             "DELETE FROM question_tags WHERE source = 'suggested' AND NOT confirmed "
             "AND question_id IN (SELECT id FROM questions WHERE material_id = $1)",
             (const char *const[]){material_id}, 1, err);
    if (rc == EM_OK)
        rc = load_codes(d, material_id, &s, err);
    if (rc == EM_OK && s.n > 0)
        rc = question_texts(d, material_id, qs, err);
    if (rc == EM_OK && json_array_size(qs) > 0)
        rc = codematch_new(s.match, s.n, &m, err);
    if (rc == EM_OK && m != NULL)
        rc = db_prepare_cached(d,
                               "INSERT INTO question_tags (tag, question_id, source, score, confirmed) "
                               "VALUES ($1, $2, 'suggested', $3, FALSE) ON CONFLICT DO NOTHING",
                               &st, err);
    size_t i;
    json_t *q;
    json_array_foreach(qs, i, q) {
        if (rc != EM_OK || m == NULL)
            break;
        const char *text = json_string_value(json_array_get(q, 1));
        codematch_hit hits[CURRICULA_SUGGESTIONS];
        size_t n = 0;
        rc = codematch_suggest(m, text, strlen(text), CURRICULA_SUGGESTIONS, hits, &n, err);
        for (size_t h = 0; rc == EM_OK && h < n; h++) {
            db_reset(st);
            db_bind_text(st, 1, json_string_value(json_array_get(json_array_get(s.codes, hits[h].code), 0)));
            db_bind_text(st, 2, json_string_value(json_array_get(q, 0)));
            db_bind_double(st, 3, (double)(int64_t)(hits[h].score * 1000.0 + 0.5) / 1000.0);
            rc = db_step(st, err);
            rc = rc == DB_DONE ? EM_OK : rc;
            if (rc == EM_OK && suggested != NULL)
                *suggested += (size_t)db_changes(d);
        }
    }
    db_finalize(st);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK)
        db_rollback(d);
out:
    codematch_free(m);
    json_decref(qs);
    json_decref(s.codes);
    free(s.match);
    return rc;
}
