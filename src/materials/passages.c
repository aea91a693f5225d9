/* passages: built retrieval indexes of a student's materials, cached. */
#include "materials/passages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "content/apparatus.h"
#include "content/terms.h"
#include "core/log.h"
#include "core/mem.h"
#include "materials/material.h"

#define STAMP_MAX 96

/* One built index. Cached entries are in the LRU list (most recent first);
 * an entry past the budget or evicted while held is off the list and freed
 * by its last release. */
typedef struct passages_entry {
    char id[37];
    char stamp[STAMP_MAX];
    retrieve_index *index;
    char **terms; /* the material's key terms, best first, once asked (under the lock) */
    size_t n_terms;
    bool has_terms;
    size_t bytes; /* estimated */
    int refs;     /* sets holding it */
    bool cached;  /* in the list */
    struct passages_entry *prev, *next;
} passages_entry;

struct passages_cache {
    pthread_mutex_t lock;
    size_t budget, bytes, entries;
    uint64_t hits, misses, evictions;
    passages_entry *head, *tail; /* most recently used first */
};

static const char own_ready_sql[] = "SELECT id FROM materials WHERE user_id = $1 AND status = 'ready' "
                                    "ORDER BY created_at DESC, id DESC LIMIT 100";
static const char chunks_sql[] = "SELECT section, page_start, page_end, body FROM material_chunks "
                                 "WHERE material_id = $1 ORDER BY position";

passages_cache *passages_cache_new(size_t budget_bytes)
{
    passages_cache *c = em_calloc(1, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->budget = budget_bytes;
    return c;
}

static void free_terms(char **terms, size_t n)
{
    for (size_t i = 0; terms != NULL && i < n; i++)
        free(terms[i]);
    free(terms);
}

static void entry_free(passages_entry *e)
{
    retrieve_index_free(e->index);
    free_terms(e->terms, e->n_terms);
    free(e);
}

static void unlink_entry(passages_cache *c, passages_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
    e->cached = false;
    c->bytes -= e->bytes;
    c->entries--;
}

static void push_front(passages_cache *c, passages_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
    e->cached = true;
    c->bytes += e->bytes;
    c->entries++;
}

/* Take e out of the cache; freed now unless a set holds it. Under the lock. */
static void drop(passages_cache *c, passages_entry *e)
{
    unlink_entry(c, e);
    if (e->refs == 0)
        entry_free(e);
}

void passages_cache_free(passages_cache *c)
{
    if (c == NULL)
        return;
    while (c->head != NULL)
        drop(c, c->head);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void passages_cache_stats(passages_cache *c, passages_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = (passages_stats){.hits = c->hits,
                            .misses = c->misses,
                            .evictions = c->evictions,
                            .entries = c->entries,
                            .bytes = c->bytes};
    pthread_mutex_unlock(&c->lock);
}

void passages_cache_forget(passages_cache *c, const char *material_id)
{
    if (c == NULL || material_id == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    passages_entry *e = c->head;
    while (e != NULL) {
        passages_entry *next = e->next;
        if (strcmp(e->id, material_id) == 0)
            drop(c, e);
        e = next;
    }
    pthread_mutex_unlock(&c->lock);
}

/* The cached entry for (id, stamp), held, or NULL. Entries of the same id
 * with another stamp are stale (the material changed) and dropped. */
static passages_entry *lookup(passages_cache *c, const char *id, const char *stamp)
{
    pthread_mutex_lock(&c->lock);
    passages_entry *found = NULL, *e = c->head;
    while (e != NULL) {
        passages_entry *next = e->next;
        if (strcmp(e->id, id) == 0) {
            if (strcmp(e->stamp, stamp) == 0)
                found = e;
            else
                drop(c, e);
        }
        e = next;
    }
    if (found != NULL) {
        unlink_entry(c, found);
        push_front(c, found);
        found->refs++;
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

/* Cache a freshly built, held entry (or the copy another thread cached
 * meanwhile, freeing this one), evicting the least recently used unheld
 * entries past the budget. Returns the entry to use, held. */
static passages_entry *insert(passages_cache *c, passages_entry *e)
{
    pthread_mutex_lock(&c->lock);
    for (passages_entry *o = c->head; o != NULL; o = o->next) {
        if (strcmp(o->id, e->id) == 0 && strcmp(o->stamp, e->stamp) == 0) {
            o->refs++;
            pthread_mutex_unlock(&c->lock);
            entry_free(e);
            return o;
        }
    }
    if (e->bytes <= c->budget) {
        push_front(c, e);
        passages_entry *v = c->tail;
        while (c->bytes > c->budget && v != NULL) {
            passages_entry *prev = v->prev;
            if (v != e) {
                drop(c, v);
                c->evictions++;
            }
            v = prev;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

static void release_entry(passages_cache *c, passages_entry *e)
{
    pthread_mutex_lock(&c->lock);
    bool last = --e->refs == 0 && !e->cached;
    pthread_mutex_unlock(&c->lock);
    if (last)
        entry_free(e);
}

/* Read a material's chunks and build their index into a new, held entry. */
static int build(db *d, const material *m, const char *stamp, passages_entry **out, em_error *err)
{
    *out = NULL;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, chunks_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, m->id);
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    size_t text = 0, passages = 0;
    while (db_next(st, &rc, err)) {
        const char *body = db_column_text(st, 3);
        retrieve_passage p = {
            .text = body != NULL ? body : "",
            .len = body != NULL ? strlen(body) : 0,
            .material_id = m->id,
            .section = db_column_text(st, 0),
            .page_start = (int)db_column_int64(st, 1),
            .page_end = (int)db_column_int64(st, 2),
        };
        p.listing = apparatus_is_listing(p.section, p.text, p.len);
        text += p.len + (p.section != NULL ? strlen(p.section) : 0);
        passages++;
        rc = retrieve_index_add(ix, &p, err);
        if (rc != EM_OK)
            break;
    }
    db_finalize(st);
    if (rc == DB_DONE || rc == DB_ROW)
        rc = EM_OK;
    if (rc == EM_OK)
        rc = retrieve_index_build(ix, err);
    if (rc != EM_OK) {
        retrieve_index_free(ix);
        return rc;
    }
    passages_entry *e = em_calloc(1, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", m->id);
    snprintf(e->stamp, sizeof e->stamp, "%s", stamp);
    e->index = ix;
    e->bytes = text * PASSAGES_BYTES_PER_TEXT_BYTE + passages * PASSAGES_BYTES_PER_PASSAGE + sizeof *e;
    e->refs = 1;
    *out = e;
    return EM_OK;
}

/* All of who's ready materials, newest first. */
static int own_ready(db *d, const principal *who, char ***ids, size_t *n, em_error *err)
{
    *ids = NULL;
    *n = 0;
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, own_ready_sql, &st, err);
    if (rc != EM_OK)
        return rc;
    db_bind_text(st, 1, who->user_id);
    char **out = em_calloc(PASSAGES_MATERIALS_MAX, sizeof *out);
    size_t k = 0;
    while (k < PASSAGES_MATERIALS_MAX && db_next(st, &rc, err))
        out[k++] = db_column_strdup(st, 0);
    db_finalize(st);
    if (rc != DB_DONE && rc != DB_ROW && rc != EM_OK) {
        for (size_t i = 0; i < k; i++)
            free(out[i]);
        free(out);
        return rc;
    }
    *ids = out;
    *n = k;
    return EM_OK;
}

int passages_key_terms(passages_cache *c, const passages_material *m, const char *const **terms, size_t *n,
                       em_error *err)
{
    passages_entry *e = m->hold;
    *terms = NULL;
    *n = 0;
    pthread_mutex_lock(&c->lock);
    bool have = e->has_terms;
    pthread_mutex_unlock(&c->lock);
    if (!have) {
        /* read outside the lock; two threads may both read, the first kept */
        size_t all = retrieve_index_count(e->index), count = 0;
        const char **docs = em_calloc(all + 1, sizeof *docs);
        size_t *lens = em_calloc(all + 1, sizeof *lens);
        for (size_t i = 0; i < all; i++) {
            const retrieve_passage *p = retrieve_index_passage(e->index, i);
            if (p->listing)
                continue; /* a table of contents repeats every title */
            docs[count] = p->text;
            lens[count++] = p->len;
        }
        key_term *kt = NULL;
        size_t nk = 0;
        int rc = terms_key_terms(docs, lens, count, PASSAGES_KEY_TERMS, &kt, &nk, err);
        free(docs);
        free(lens);
        if (rc != EM_OK)
            return rc;
        char **names = em_calloc(nk + 1, sizeof *names);
        for (size_t i = 0; i < nk; i++)
            names[i] = em_strdup(kt[i].term);
        key_terms_free(kt, nk);
        pthread_mutex_lock(&c->lock);
        if (!e->has_terms) {
            e->terms = names;
            e->n_terms = nk;
            e->has_terms = true;
            names = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        free_terms(names, nk);
    }
    /* set once, never changed while the entry is held */
    *terms = (const char *const *)e->terms;
    *n = e->n_terms;
    return EM_OK;
}

void passages_release(passages_cache *c, passages_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].hold != NULL)
            release_entry(c, s->items[i].hold);
        free(s->items[i].title);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
}

/* Add material id to the set: visible, owned, ready (or skipped), indexed. */
static int load_one(db *d, passages_cache *c, const principal *who, const char *id, bool skip_not_ready,
                    passages_set *s, em_error *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->items[i].id, id) == 0)
            return EM_OK; /* asked twice */
    material m;
    int rc = material_get_visible(d, who, id, &m, err);
    if (rc == EM_OK && strcmp(m.user_id, who->user_id) != 0)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such material");
    if (rc != EM_OK)
        goto done;
    if (strcmp(m.status, "ready") != 0) {
        if (!skip_not_ready)
            rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "material %s is not ready (it is %s)",
                                 m.id, m.status);
        goto done;
    }
    char stamp[STAMP_MAX];
    snprintf(stamp, sizeof stamp, "%s|%s", m.updated_at, m.ready_at);
    passages_entry *e = lookup(c, m.id, stamp);
    if (e == NULL) {
        rc = build(d, &m, stamp, &e, err);
        if (rc != EM_OK)
            goto done;
        e = insert(c, e);
    }
    passages_material *pm = &s->items[s->n++];
    snprintf(pm->id, sizeof pm->id, "%s", m.id);
    pm->title = em_strdup(m.title != NULL ? m.title : "");
    pm->index = e->index;
    pm->hold = e;
done:
    material_cleanup(&m);
    return rc;
}

int passages_load(db *d, passages_cache *c, const principal *who, const char *const *ids, size_t n_ids,
                  bool skip_not_ready, passages_set *out, em_error *err)
{
    out->items = NULL;
    out->n = 0;
    if (n_ids > PASSAGES_MATERIALS_MAX)
        return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION, "at most %d materials",
                               PASSAGES_MATERIALS_MAX);
    char **own = NULL;
    size_t n_own = 0;
    int rc = EM_OK;
    if (n_ids == 0) {
        rc = own_ready(d, who, &own, &n_own, err);
        if (rc != EM_OK)
            return rc;
        ids = (const char *const *)own;
        n_ids = n_own;
        skip_not_ready = true; /* it may have changed since */
    }
    out->items = em_calloc(n_ids > 0 ? n_ids : 1, sizeof *out->items);
    for (size_t i = 0; i < n_ids && rc == EM_OK; i++)
        rc = load_one(d, c, who, ids[i], skip_not_ready, out, err);
    for (size_t i = 0; i < n_own; i++)
        free(own[i]);
    free(own);
    if (rc != EM_OK)
        passages_release(c, out);
    return rc;
}

/* ---- reading one material's passages, as text ---- */

void passage_cleanup(passage *p)
{
    if (p != NULL) {
        free(p->section);
        free(p->text);
        p->section = p->text = NULL;
    }
}

void passages_free(passage *items, size_t n)
{
    for (size_t i = 0; items != NULL && i < n; i++)
        passage_cleanup(&items[i]);
    free(items);
}

/* material_id, when `who` may see it. */
static int require_material(db *d, const principal *who, const char *material_id, em_error *err)
{
    material m;
    int rc = material_get_visible(d, who, material_id, &m, err);
    if (rc == EM_OK)
        material_cleanup(&m);
    return rc;
}

#define PASSAGE_COLUMNS "id, position, section, page_start, page_end, words, body"
/* $2 a page (<= 0: any), $3 a section (NULL: any). */
#define PASSAGES_MATCH                                                                                       \
    "AND ($2 <= 0 OR (page_start <= $2 AND page_end >= $2)) AND (CAST($3 AS TEXT) IS NULL OR section = $3)"

static void read_passage(db_stmt *st, passage *p)
{
    p->chunk_id = db_column_int64(st, 0);
    p->position = (int)db_column_int64(st, 1);
    p->section = db_column_strdup(st, 2);
    p->page_start = (int)db_column_int64(st, 3);
    p->page_end = (int)db_column_int64(st, 4);
    p->words = (int)db_column_int64(st, 5);
    p->text = db_column_strdup(st, 6);
    if (p->text == NULL)
        p->text = em_strdup("");
}

int passages_get(db *d, const principal *who, const char *material_id, int64_t position, passage *out,
                 em_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = require_material(d, who, material_id, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT " PASSAGE_COLUMNS " FROM material_chunks "
                           "WHERE material_id = $1 AND position = $2",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, position);
    bool found = false;
    if (db_next(st, &rc, err)) {
        read_passage(st, out);
        found = true;
    }
    db_finalize(st);
    if (rc == EM_OK && !found)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such passage");
    if (rc != EM_OK)
        passage_cleanup(out);
    return rc;
}

int passages_list(db *d, const principal *who, const char *material_id, int64_t page, const char *section,
                  int limit, int offset, passage **items, size_t *n, int64_t *total, em_error *err)
{
    *items = NULL;
    *n = 0;
    *total = 0;
    if (limit < 1 || limit > PASSAGES_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d, offset 0 or more",
                            PASSAGES_PAGE_MAX);
    int rc = require_material(d, who, material_id, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d, "SELECT count(*) FROM material_chunks WHERE material_id = $1 " PASSAGES_MATCH,
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, page);
    if (rc == EM_OK)
        rc = section != NULL ? db_bind_text(st, 3, section) : db_bind_null(st, 3);
    if (db_next(st, &rc, err))
        *total = db_column_int64(st, 0);
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    rc = db_prepare_cached(d,
                           "SELECT " PASSAGE_COLUMNS
                           " FROM material_chunks WHERE material_id = $1 " PASSAGES_MATCH
                           " ORDER BY position LIMIT $4 OFFSET $5",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, material_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, page);
    if (rc == EM_OK)
        rc = section != NULL ? db_bind_text(st, 3, section) : db_bind_null(st, 3);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 5, offset);
    passage *list = em_calloc((size_t)limit, sizeof *list);
    size_t k = 0;
    while (db_next(st, &rc, err))
        if (k < (size_t)limit)
            read_passage(st, &list[k++]);
    db_finalize(st);
    if (rc != EM_OK) {
        passages_free(list, k);
        return rc;
    }
    *items = list;
    *n = k;
    return EM_OK;
}
