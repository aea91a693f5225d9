/* submit: accept one uploaded file as a material, the same way for the HTTP
 * API and the `ingest` command.
 *
 * The type comes from the bytes (content/sniff.h), never from the name; the
 * file goes to storage first, then the rows (material + extraction job) in one
 * transaction; when the rows cannot be written the stored file is removed
 * again, so a failure leaves neither an orphaned file nor a row. */
#ifndef EM_MATERIALS_SUBMIT_H
#define EM_MATERIALS_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"
#include "jobs/queue.h"
#include "materials/material.h"

#define SUBMIT_TITLE_MAX 200

typedef struct submit_input {
    const char *user_id;
    const void *data;          /* the file in memory, or NULL when it is a range of fd */
    int fd;                    /* with data NULL: the file is fd's bytes [offset, offset + len), read in
                                  pieces and never held whole (an upload spooled to disk) */
    off_t offset;
    size_t len;
    const char *filename;      /* as given by the client, may be NULL */
    const char *title;         /* NULL: from the file name, else "Untitled material" */
    bool is_worksheet;
    const char *tags_json;     /* from tags_parse; NULL: no tags */
    bool enqueue;              /* false: the caller extracts it itself (materials/ingest.h) */
} submit_input;

typedef struct submit_output {
    char material_id[MATERIAL_ID_LEN + 1];
    char job_id[JOB_ID_LEN + 1];   /* "" when not enqueued */
    char kind[16];                 /* "pdf", "text", "markdown" */
    char mime[128];
} submit_output;

/* The type is sniffed from the first SNIFF_PREFIX bytes; a text is then
 * checked to its end (UTF-8, no control bytes) in the same pass that hashes
 * it, so memory stays bounded whatever the file's size. EM_E_INVAL for an
 * empty file or a bad title, EM_E_UNSUPPORTED (415) naming the detected type
 * for anything but PDF, text and Markdown (and for text that stops being
 * UTF-8 past the sniffed start); EM_E_IO when the range cannot be read;
 * storage and database errors as they come. */
int material_submit(db *d, storage *files, const submit_input *in, submit_output *out /* OUT */,
                    em_error *err);

/* The storage key of a material's original file. */
void material_storage_key(const char *material_id, char *out, size_t cap);

#endif
