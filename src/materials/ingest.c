#include "materials/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/chunk.h"
#include "content/doctext.h"
#include "content/pdf.h"
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

static int extract(const material *m, const void *data, size_t len, const ingest_options *o, doc_text *doc,
                   em_error *err)
{
    if (strcmp(m->kind, "pdf") == 0) {
        pdf_options po = {
            .max_pages = o->max_pages,
            .timeout_ms = o->timeout_s * 1000,
            .threads = o->threads,
            .progress = o->progress,
            .progress_ctx = o->progress_ctx,
        };
        return pdf_extract(data, len, &po, doc, err);
    }
    int rc = doc_text_from_plain(data, len, strcmp(m->kind, "markdown") == 0, doc, err);
    if (rc == EM_OK && o->progress != NULL)
        o->progress(o->progress_ctx, 1, 1);
    return rc;
}

/* Case-insensitive (ASCII) substring test. */
static bool contains_word(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return false;
    for (const char *p = hay; *p != '\0'; p++) {
        if (strncasecmp(p, needle, n) == 0 && (p == hay || !isalnum((unsigned char)p[-1])) &&
            !isalnum((unsigned char)p[n]))
            return true;
    }
    return false;
}

/* Tags a question inherits from the material's topics, "topic.<slug>": the
 * heading section it sits in, or the key terms its stem mentions. */
static char *question_topic_tags(const ws_question *q, const topic_list *topics)
{
    json_t *arr = json_array();
    const topic *section = NULL;
    for (size_t i = 0; i < topics->n; i++) {
        const topic *t = &topics->items[i];
        if (strcmp(t->source, "heading") == 0) {
            if (t->page <= q->page)
                section = t;
        } else if (contains_word(q->stem, t->name)) {
            char slug[TOPICS_SLUG_MAX + 1], tag[TOPICS_SLUG_MAX + 8];
            topics_tag_slug(t->name, slug, sizeof slug);
            if (slug[0] != '\0') {
                snprintf(tag, sizeof tag, "topic.%s", slug);
                json_array_append_new(arr, json_string(tag));
            }
        }
    }
    if (section != NULL) {
        char slug[TOPICS_SLUG_MAX + 1], tag[TOPICS_SLUG_MAX + 8];
        topics_tag_slug(section->name, slug, sizeof slug);
        if (slug[0] != '\0') {
            snprintf(tag, sizeof tag, "topic.%s", slug);
            json_array_append_new(arr, json_string(tag));
        }
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

/* Everything after extraction: chunks, topics, questions, stored at once. */
static int analyse_and_store(db *d, const material *m, const doc_text *doc, ingest_outcome *out, em_error *err)
{
    chunk_list chunks = {0};
    topic_list topics = {0};
    ws_list questions = {0};
    char **qtags = NULL;
    chunk_limits lim = {0};
    int rc = chunk_document(doc->pages, doc->n_pages, doc->headings, doc->n_headings, lim, &chunks, err);
    if (rc == EM_OK)
        rc = topics_extract(doc->headings, doc->n_headings, chunks.items, chunks.n, &topics, err);
    if (rc == EM_OK && m->is_worksheet) {
        rc = worksheet_parse(doc->pages, doc->n_pages, &questions, err);
        if (rc == EM_OK && questions.n > 0) {
            qtags = em_calloc(questions.n, sizeof *qtags);
            for (size_t i = 0; i < questions.n; i++)
                qtags[i] = question_topic_tags(&questions.items[i], &topics);
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
        free(qtags[i]);
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
    int xrc = extract(&m, data, len, o, &doc, &xerr);
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
