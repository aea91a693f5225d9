#include "materials/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "content/doctext.h"
#include "content/pdf.h"
#include "content/terms.h"
#include "content/topics.h"
#include "content/worksheet.h"
#include "core/log.h"
#include "core/mem.h"
#include "materials/material.h"

/* Whether a failure comes from the file (fail the material) rather than from
 * the machine (retry the job). */
static bool is_file_problem(int rc)
{
    return rc == EM_E_PARSE || rc == EM_E_UNSUPPORTED || rc == EM_E_TOO_LARGE || rc == EM_E_TIMEOUT ||
           rc == EM_E_INVAL;
}

/* While a PDF is extracted, the pages done so far go to the material's row
 * about twice a second, so GET /api/materials/{id} shows progress. */
typedef struct progress_writer {
    db *d;
    const char *material_id;
    int last;
} progress_writer;

static void write_progress(void *ctx, int pages_done, int pages_total)
{
    progress_writer *w = ctx;
    if (pages_done == w->last)
        return;
    w->last = pages_done;
    em_error err = {0};
    if (material_set_progress(w->d, w->material_id, pages_done, pages_total, &err) != EM_OK)
        log_msg(LOG_DEBUG, "material %s: progress not recorded: %s", w->material_id, err.msg);
}

static int extract(db *d, const material *m, const void *data, size_t len, const ingest_options *o,
                   doc_text *doc, em_error *err)
{
    if (strcmp(m->kind, "pdf") == 0) {
        progress_writer pw = {.d = d, .material_id = m->id, .last = -1};
        pdf_options po = {
            .max_pages = o->max_pages,
            .timeout_ms = o->timeout_s * 1000,
            .threads = o->threads,
            .progress = o->progress,
            .progress_ctx = o->progress_ctx,
            .tick = write_progress,
            .tick_ctx = &pw,
        };
        return pdf_extract(data, len, &po, doc, err);
    }
    int rc = doc_text_from_plain(data, len, strcmp(m->kind, "markdown") == 0, doc, err);
    if (rc == EM_OK && o->progress != NULL)
        o->progress(o->progress_ctx, 1, 1);
    return rc;
}

/* Key terms of a worksheet's questions: at most this many, and at most
 * QUESTION_TERM_TAGS of them on one question. */
#define WORKSHEET_TERMS 12
#define QUESTION_TERM_TAGS 3

/* Add "topic.<slug of name>" to arr unless there already. */
static void add_topic_tag(json_t *arr, const char *name)
{
    char slug[TOPICS_SLUG_MAX + 1], tag[TOPICS_SLUG_MAX + 8];
    if (topics_tag_slug(name, slug, sizeof slug) != EM_OK)
        return;
    snprintf(tag, sizeof tag, "topic.%s", slug);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (strcmp(json_string_value(v), tag) == 0)
            return;
    }
    json_array_append_new(arr, json_string(tag));
}

/* Whether every word of the key term's stem ("cell membran") is among the
 * question's stems. */
static bool mentions(const key_term *t, char *const *stems, size_t n)
{
    const char *p = t->stem;
    while (*p != '\0') {
        const char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strlen(stems[i]) == len && memcmp(stems[i], p, len) == 0;
        if (!found)
            return false;
        p += len;
        while (*p == ' ')
            p++;
    }
    return true;
}

/* The tags each question inherits from the material, "topic.<slug>": the
 * heading of the section it sits in (answer keys aside), and the worksheet's
 * key terms (TF-IDF over all the stems) that its stem mentions. qtags[i] gets
 * question i's tags as a JSON array (owned). */
static int infer_question_tags(const doc_text *doc, const ws_list *qs, json_t **qtags, em_error *err)
{
    const char **docs = em_calloc(qs->n, sizeof *docs);
    size_t *lens = em_calloc(qs->n, sizeof *lens);
    for (size_t i = 0; i < qs->n; i++) {
        docs[i] = qs->items[i].stem;
        lens[i] = strlen(qs->items[i].stem);
    }
    key_term *terms = NULL;
    size_t n_terms = 0;
    int rc = terms_key_terms(docs, lens, qs->n, WORKSHEET_TERMS, &terms, &n_terms, err);
    for (size_t i = 0; rc == EM_OK && i < qs->n; i++) {
        const ws_question *q = &qs->items[i];
        json_t *arr = json_array();
        const chunk_heading *section = NULL;
        for (size_t h = 0; h < doc->n_headings; h++) {
            const chunk_heading *hd = &doc->headings[h];
            if (hd->page <= q->page && hd->title != NULL && !worksheet_is_key_heading(hd->title))
                section = hd;
        }
        if (section != NULL)
            add_topic_tag(arr, section->title);
        char **stems = NULL;
        size_t n_stems = 0;
        rc = terms_stem_words(q->stem, lens[i], &stems, &n_stems, err);
        for (size_t t = 0, added = 0; rc == EM_OK && t < n_terms && added < QUESTION_TERM_TAGS; t++) {
            if (terms[t].docs >= 2 && mentions(&terms[t], stems, n_stems)) {
                add_topic_tag(arr, terms[t].term);
                added++;
            }
        }
        terms_stems_free(stems, n_stems);
        qtags[i] = arr;
    }
    key_terms_free(terms, n_terms);
    free(docs);
    free(lens);
    return rc;
}

/* A worksheet's answer key is a part of it, not a topic: its headings are
 * left out of what topics are made from. Returns the headings to use (doc's
 * own array, or *filtered, owned by the caller). */
static const chunk_heading *topic_headings(const doc_text *doc, bool worksheet, chunk_heading **filtered,
                                           size_t *n)
{
    *filtered = NULL;
    *n = doc->n_headings;
    if (!worksheet)
        return doc->headings;
    *filtered = em_calloc(doc->n_headings + 1, sizeof **filtered);
    size_t k = 0;
    for (size_t i = 0; i < doc->n_headings; i++)
        if (doc->headings[i].title == NULL || !worksheet_is_key_heading(doc->headings[i].title))
            (*filtered)[k++] = doc->headings[i];
    *n = k;
    return *filtered;
}

/* Everything after extraction: chunks, topics, questions, stored at once. */
static int analyse_and_store(db *d, const material *m, const doc_text *doc, ingest_outcome *out, em_error *err)
{
    chunk_list chunks = {0};
    topic_list topics = {0};
    ws_list questions = {0};
    json_t **qtags = NULL;
    chunk_limits lim = {0};
    int rc = chunk_document(doc->pages, doc->n_pages, doc->headings, doc->n_headings, lim, &chunks, err);
    chunk_heading *filtered = NULL;
    size_t n_topic_headings = 0;
    const chunk_heading *th = topic_headings(doc, m->is_worksheet, &filtered, &n_topic_headings);
    if (rc == EM_OK)
        rc = topics_extract(th, n_topic_headings, chunks.items, chunks.n, &topics, err);
    free(filtered);
    if (rc == EM_OK && m->is_worksheet) {
        rc = worksheet_parse(doc->pages, doc->n_pages, &questions, err);
        if (rc == EM_OK && questions.n > 0) {
            qtags = em_calloc(questions.n, sizeof *qtags);
            rc = infer_question_tags(doc, &questions, qtags, err);
        }
    }
    if (rc == EM_OK) {
        material_result r = {
            .page_count = doc->page_count,
            .headings = doc->headings,
            .n_headings = doc->n_headings,
            .chunks = &chunks,
            .topics = &topics,
            .questions = m->is_worksheet ? &questions : NULL,
            .question_tags = qtags,
        };
        rc = material_store_result(d, m, &r, err);
        out->page_count = doc->page_count;
        out->section_count = (int)doc->n_headings;
        out->chunk_count = (int)chunks.n;
        out->topic_count = (int)topics.n;
        out->question_count = (int)questions.n;
    }
    for (size_t i = 0; qtags != NULL && i < questions.n; i++)
        json_decref(qtags[i]);
    free(qtags);
    ws_list_cleanup(&questions);
    topic_list_cleanup(&topics);
    chunk_list_cleanup(&chunks);
    return rc;
}

static int fail(db *d, const char *id, const char *reason, ingest_outcome *out, em_error *err)
{
    out->status = INGEST_FAILED;
    snprintf(out->error, sizeof out->error, "%s", reason);
    log_msg(LOG_INFO, "material %s failed: %s", id, reason);
    return material_set_failed(d, id, reason, err);
}

int ingest_material(db *d, storage *files, const char *material_id, const ingest_options *o,
                    ingest_outcome *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    material m;
    int rc = material_get(d, material_id, &m, err);
    if (rc == EM_E_NOT_FOUND) {
        out->status = INGEST_GONE;
        return EM_OK;
    }
    if (rc != EM_OK)
        return rc;
    rc = material_set_processing(d, material_id, err);
    void *data = NULL;
    size_t len = 0;
    if (rc == EM_OK)
        rc = storage_get(files, m.storage_key, &data, &len, o->max_file_bytes, err);
    if (rc == EM_E_NOT_FOUND) {
        rc = fail(d, material_id, "the stored file is missing", out, err);
        goto done;
    }
    if (rc != EM_OK)
        goto done;

    doc_text doc = {0};
    em_error xerr = {0};
    int xrc = extract(d, &m, data, len, o, &doc, &xerr);
    free(data);
    if (xrc != EM_OK) {
        if (is_file_problem(xrc)) {
            rc = fail(d, material_id, xerr.msg[0] ? xerr.msg : em_strerror(xrc), out, err);
        } else {
            *err = xerr;
            rc = xrc;
        }
        doc_text_cleanup(&doc);
        goto done;
    }
    em_error aerr = {0};
    rc = analyse_and_store(d, &m, &doc, out, &aerr);
    doc_text_cleanup(&doc);
    if (rc == EM_E_NOT_FOUND) {
        out->status = INGEST_GONE;
        rc = EM_OK;
    } else if (rc != EM_OK && is_file_problem(rc)) {
        rc = fail(d, material_id, aerr.msg, out, err);
    } else if (rc != EM_OK) {
        *err = aerr;
    } else {
        out->status = INGEST_READY;
    }
done:
    if (rc == EM_E_NOT_FOUND) { /* deleted between the read and the update */
        out->status = INGEST_GONE;
        rc = EM_OK;
    }
    material_cleanup(&m);
    return rc;
}
