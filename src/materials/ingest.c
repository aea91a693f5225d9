#include "materials/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "content/doctext.h"
#include "content/html.h"
#include "content/pdf.h"
#include "content/terms.h"
#include "content/topics.h"
#include "content/worksheet.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"
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
                   deadline *dl, doc_text *doc, em_error *err)
{
    if (strcmp(m->kind, "pdf") == 0) {
        progress_writer pw = {.d = d, .material_id = m->id, .last = -1};
        pdf_options po = {
            .max_pages = o->max_pages,
            .timeout_ms = o->timeout_s * 1000,
            .deadline_us = dl->at_us,
            .max_memory_bytes = o->max_memory_bytes,
            .threads = o->threads,
            .progress = o->progress,
            .progress_ctx = o->progress_ctx,
            .tick = write_progress,
            .tick_ctx = &pw,
        };
        return pdf_extract(data, len, &po, doc, err);
    }
    /* A text that is not UTF-8 throughout was taken as 8-bit text
       (materials/submit.c), read as Windows-1252; an HTML page is read as
       the Markdown written of it (its MIME type says it is one). */
    const char *text = data;
    size_t n = len;
    char *utf8 = NULL;
    int rc = EM_OK;
    if (!utf8_validate(text, n, NULL)) {
        utf8 = em_malloc(3 * n + 1);
        n = utf8_from_cp1252(text, n, utf8);
        text = utf8;
    }
    buf md;
    buf_init(&md, HTML_MARKDOWN_MAX(n));
    if (m->mime != NULL && strncmp(m->mime, "text/html", 9) == 0) {
        rc = html_to_markdown(text, n, dl, &md, err);
        text = md.data != NULL ? md.data : "";
        n = md.len;
    }
    if (rc == EM_OK)
        rc = doc_text_from_plain_until(text, n, strcmp(m->kind, "markdown") == 0, dl, doc, err);
    buf_cleanup(&md);
    free(utf8);
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

/* The heading of the section a question on `page` sits in: the last of
 * sections[0..n) (the headings that can be one, in document order, so their
 * pages never go down) on that page or before; NULL when none is. */
static const chunk_heading *section_of(const chunk_heading *const *sections, size_t n, int page)
{
    size_t lo = 0, hi = n; /* the first section on a later page */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sections[mid]->page <= page)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 ? sections[lo - 1] : NULL;
}

/* The tags each question inherits from the material, "topic.<slug>": the
 * heading of the section it sits in (answer keys aside), and the worksheet's
 * key terms (TF-IDF over all the stems) that its stem mentions. qtags[i] gets
 * question i's tags as a JSON array (owned). n log n in the questions and
 * headings; EM_E_TIMEOUT past the deadline. */
static int infer_question_tags(const doc_text *doc, const ws_list *qs, deadline *dl, json_t **qtags,
                               em_error *err)
{
    const char **docs = em_calloc(qs->n, sizeof *docs);
    size_t *lens = em_calloc(qs->n, sizeof *lens);
    for (size_t i = 0; i < qs->n; i++) {
        docs[i] = qs->items[i].stem;
        lens[i] = strlen(qs->items[i].stem);
    }
    const chunk_heading **sections = em_calloc(doc->n_headings + 1, sizeof *sections);
    size_t n_sections = 0;
    for (size_t h = 0; h < doc->n_headings; h++) {
        const chunk_heading *hd = &doc->headings[h];
        if (hd->title != NULL && !worksheet_is_key_heading(hd->title))
            sections[n_sections++] = hd;
    }
    key_term *terms = NULL;
    size_t n_terms = 0;
    int rc = terms_key_terms_until(docs, lens, qs->n, WORKSHEET_TERMS, dl, &terms, &n_terms, err);
    for (size_t i = 0; rc == EM_OK && i < qs->n; i++) {
        if (deadline_check(dl)) {
            rc = deadline_error(err);
            break;
        }
        const ws_question *q = &qs->items[i];
        json_t *arr = json_array();
        const chunk_heading *section = section_of(sections, n_sections, q->page);
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
    free(sections);
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
static int analyse_and_store(db *d, const material *m, const doc_text *doc, deadline *dl, ingest_outcome *out,
                             em_error *err)
{
    chunk_list chunks = {0};
    topic_list topics = {0};
    ws_list questions = {0};
    json_t **qtags = NULL;
    chunk_limits lim = {0};
    int rc =
        chunk_document_until(doc->pages, doc->n_pages, doc->headings, doc->n_headings, lim, dl, &chunks, err);
    chunk_heading *filtered = NULL;
    size_t n_topic_headings = 0;
    const chunk_heading *th = topic_headings(doc, m->is_worksheet, &filtered, &n_topic_headings);
    if (rc == EM_OK)
        rc = topics_extract_until(th, n_topic_headings, chunks.items, chunks.n, dl, &topics, err);
    free(filtered);
    if (rc == EM_OK && m->is_worksheet) {
        rc = worksheet_parse_until(doc->pages, doc->n_pages, dl, &questions, err);
        if (rc == EM_OK && questions.n > 0) {
            qtags = em_calloc(questions.n, sizeof *qtags);
            rc = infer_question_tags(doc, &questions, dl, qtags, err);
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

/* The reason a material fails for, in the words of the settings that limit
 * it: a step stopped by the deadline, or a PDF past its memory budget. */
static void file_problem_reason(int rc, const em_error *xerr, const ingest_options *o, char *out, size_t size)
{
    if (rc == EM_E_TIMEOUT)
        snprintf(out, size, "extraction took longer than EXTRACTION_TIMEOUT_SECONDS (%d s)", o->timeout_s);
    else if (xerr->reason != NULL && strcmp(xerr->reason, PDF_REASON_MEMORY) == 0)
        snprintf(out, size, "%.200s (EXTRACTION_MEMORY_MB)", xerr->msg); /* the message is short */
    else
        snprintf(out, size, "%s", xerr->msg[0] ? xerr->msg : em_strerror(rc));
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
    char reason[sizeof out->error];
    /* The document's clock starts once its file is here. */
    deadline dl = deadline_in_ms((int64_t)o->timeout_s * 1000);
    int xrc = extract(d, &m, data, len, o, &dl, &doc, &xerr);
    free(data);
    if (xrc != EM_OK) {
        if (is_file_problem(xrc)) {
            file_problem_reason(xrc, &xerr, o, reason, sizeof reason);
            rc = fail(d, material_id, reason, out, err);
        } else {
            *err = xerr;
            rc = xrc;
        }
        doc_text_cleanup(&doc);
        goto done;
    }
    em_error aerr = {0};
    rc = analyse_and_store(d, &m, &doc, &dl, out, &aerr);
    doc_text_cleanup(&doc);
    if (rc == EM_E_NOT_FOUND) {
        out->status = INGEST_GONE;
        rc = EM_OK;
    } else if (rc != EM_OK && is_file_problem(rc)) {
        file_problem_reason(rc, &aerr, o, reason, sizeof reason);
        rc = fail(d, material_id, reason, out, err);
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
