/* material: the rows of an uploaded study material, from upload to deletion.
 *
 * A material is created `pending` together with its `extraction` job (one
 * transaction, so there is never a material without a job or the reverse),
 * goes `processing` when a worker takes it, and ends `ready` with its sections,
 * chunks (full-text indexed), topics and worksheet questions written in one
 * transaction, or `failed` with the reason. Deleting it removes every row it
 * owns (foreign keys cascade; the FTS5 index follows by trigger); the stored
 * file is the caller's to remove (materials/submit.h). */
#ifndef EM_MATERIALS_MATERIAL_H
#define EM_MATERIALS_MATERIAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/token.h"
#include "content/chunk.h"
#include "content/topics.h"
#include "content/worksheet.h"
#include "core/err.h"
#include "db/db.h"
#include "jobs/queue.h"

#define MATERIAL_ID_LEN 36
/* The job kind that extracts a material, its queue, and its attempts. */
#define MATERIAL_JOB_KIND "extraction"
#define MATERIAL_JOB_QUEUE "default"
#define MATERIAL_JOB_ATTEMPTS 3

typedef struct material_new {
    const char *user_id;
    const char *title;
    const char *filename;      /* as uploaded, may be NULL */
    const char *kind;          /* "pdf", "text" or "markdown" */
    const char *mime;
    const char *sha256;        /* hex */
    const char *storage_key;
    int64_t size_bytes;
    bool is_worksheet;
    const char *tags_json;     /* JSON array of curriculum tags ("[]" when none) */
} material_new;

typedef struct material {
    char id[MATERIAL_ID_LEN + 1];
    char user_id[MATERIAL_ID_LEN + 1];
    char *title, *filename, *kind, *mime, *sha256, *storage_key;
    char *tags_json;           /* JSON array text */
    char *status;              /* pending | processing | ready | failed */
    char *error;               /* why it failed, NULL otherwise */
    char *job_id;
    int64_t size_bytes;
    bool is_worksheet;
    bool review_generated; /* its generated questions wait for a tutor's review (questions.h) */
    int page_count, section_count, chunk_count, question_count;
    int pages_done;            /* extraction progress (page_count once ready) */
    char created_at[40], updated_at[40], ready_at[40]; /* ISO-8601; ready_at "" until ready */
} material;

/* Insert the material with id `id` and, when enqueue is true, its extraction
 * job (id to job_id, may be NULL; the job's owner is the material's), in one
 * transaction. */
int material_create(db *d, const char *id, const material_new *m, bool enqueue,
                    char job_id[JOB_ID_LEN + 1] /* OUT */, em_error *err);
/* EM_E_NOT_FOUND when there is no such material. Free with material_cleanup. */
int material_get(db *d, const char *id, material *out /* OUT */, em_error *err);
void material_cleanup(material *m);
/* A user's materials, newest first. *items is owned: free each with
 * material_cleanup, then the array. *total counts all of the user's. */
int material_list(db *d, const char *user_id, int limit, int offset, material **items /* OUT */,
                  size_t *n /* OUT */, int64_t *total /* OUT */, em_error *err);

/* ---- what callers may see (the one rule, auth/authz.h) ---- */

#define MATERIALS_PAGE_MAX 100

/* material_get for `who`: EM_E_NOT_FOUND "no such material" when it does not
 * exist or `who` may not see it (also for an id that is not one). */
int material_get_visible(db *d, const principal *who, const char *id, material *out /* OUT */, em_error *err);
/* material_list of owner_id's materials for `who` (limit 1..MATERIALS_PAGE_MAX,
 * offset >= 0, else EM_E_INVAL): EM_E_NOT_FOUND "no such user" when `who`
 * may not see them. */
int material_list_visible(db *d, const principal *who, const char *owner_id, int limit, int offset,
                          material **items /* OUT */, size_t *n /* OUT */, int64_t *total /* OUT */, em_error *err);

/* The material's settings; has_ false keeps one as it is. */
typedef struct material_settings {
    bool has_review_generated;
    bool review_generated; /* generated questions start pending until a tutor approves them */
} material_settings;

/* Change the settings of material `id` as `who` (the one rule: the owner, the
 * owner's tutors, admins; EM_E_NOT_FOUND "no such material" for anyone else
 * and for an id that is not one). updated_at moves when something changes.
 * Questions already in the bank keep their review status. */
int material_update_settings(db *d, const principal *who, const char *id, const material_settings *s,
                             em_error *err);

/* A heading found by extraction, borrowed for the visit. */
typedef struct material_section {
    const char *title;
    int level;                 /* 1 = top */
    int page;
} material_section;
/* Visit the sections of a material, in document order. */
int material_sections(db *d, const char *material_id, void (*visit)(void *ctx, const material_section *s), void *ctx,
                      em_error *err);

/* A topic of a material (content/topics.h), borrowed for the visit. */
typedef struct material_topic {
    const char *name, *slug;
    const char *source;        /* "heading" or "terms" */
    int page;
    double weight;
} material_topic;
/* Visit the topics of a material, most prominent first; *count receives how many. */
int material_topics(db *d, const char *material_id, void (*visit)(void *ctx, const material_topic *t), void *ctx,
                    size_t *count /* OUT */, em_error *err);

/* A topic of a material with its length, for study plans; strings borrowed
 * for the visit. */
typedef struct material_topic_size {
    const char *name;
    const char *source; /* "heading" or "terms" */
    double weight;      /* as in material_topic */
    int64_t words;      /* words of the chunks whose section is the topic's name */
} material_topic_size;
/* Visit the topics of a material in the order of material_topics (document
 * order for headings) with their words; *total_words receives the words of
 * all the material's chunks. */
int material_topic_sizes(db *d, const char *material_id,
                         void (*visit)(void *ctx, const material_topic_size *t), void *ctx,
                         int64_t *total_words /* OUT */, em_error *err);

/* Mark processing (EM_E_NOT_FOUND when it was deleted meanwhile). */
int material_set_processing(db *d, const char *id, em_error *err);
/* Record extraction progress: pages done of total (best effort, outside any
 * transaction). */
int material_set_progress(db *d, const char *id, int pages_done, int pages_total, em_error *err);
/* Mark failed with a reason a user can read. A missing material is not an error. */
int material_set_failed(db *d, const char *id, const char *reason, em_error *err);
/* Its extraction will never finish (the job gave up): failed with the reason
 * a user can read, unless it is ready or failed already (so it is idempotent
 * and never hides a result). A missing material is not an error. */
int material_give_up(db *d, const char *id, const char *reason, em_error *err);
/* Its extraction job was sent back to the queue: pending again, the error
 * and progress cleared, unless it is ready. A missing material is not an
 * error. */
int material_set_pending(db *d, const char *id, em_error *err);

/* ---- what a user keeps ---- */

/* The bytes of user_id's originals (the sum of their materials' sizes). */
int material_user_usage(db *d, const char *user_id, int64_t *bytes /* OUT */, int64_t *count /* OUT */,
                        em_error *err);

/* What extraction found. Question tags: the material's tags plus
 * question_tags[i] (a JSON array of strings, or NULL) for question i. */
typedef struct material_result {
    int page_count;
    const chunk_heading *headings;
    size_t n_headings;
    const chunk_list *chunks;
    const topic_list *topics;
    const ws_list *questions;          /* NULL when not a worksheet */
    json_t *const *question_tags;      /* n = questions->n, may be NULL */
} material_result;

/* Replace everything extraction produced for the material and mark it ready,
 * in one transaction (so a retried job leaves no duplicates).
 * EM_E_NOT_FOUND when the material was deleted meanwhile. */
int material_store_result(db *d, const material *m, const material_result *r, em_error *err);

/* Delete the material and every row it owns, in one transaction
 * (EM_E_NOT_FOUND when it is gone already); the stored file (storage_key of
 * the row) is the caller's to remove afterwards. */
int material_delete(db *d, const char *id, em_error *err);

#endif
