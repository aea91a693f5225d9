/* submit: accept one uploaded file as a material, the same way for the HTTP
 * API and the `ingest` command.
 *
 * The type comes from the bytes (content/sniff.h), never from the name; the
 * file goes to storage first, then the rows (material + extraction job) in one
 * transaction; when the rows cannot be written the stored file is removed
 * again, so a failure leaves neither an orphaned file nor a row (a process
 * killed in between leaves a file the hourly sweep removes, sweep.h).
 *
 * An upload is held to limits (submit_limits) before anything is stored, and
 * again inside the transaction that writes its rows, with the user's row
 * locked on PostgreSQL (SQLite has one writer), so concurrent uploads cannot
 * pass a limit together: enough free disk under DATA_DIR, a cap on the
 * user's unfinished extraction jobs, and a storage quota per user. */
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
/* The reasons (em_error.reason) of the refusals the API answers with their
 * own codes: 413 quota_exceeded, 507 insufficient_storage. */
#define SUBMIT_QUOTA_EXCEEDED "quota_exceeded"
#define SUBMIT_INSUFFICIENT_STORAGE "insufficient_storage"
/* What a 429 for too many unfinished uploads says to wait. */
#define SUBMIT_RETRY_AFTER_S 30

/* What an upload is held to; app.c builds it from the configuration. A zero
 * is no limit. */
typedef struct submit_limits {
    const char *data_dir;     /* DATA_DIR: the file system whose free space is checked (NULL: none) */
    int64_t min_free_bytes;   /* MIN_FREE_DISK_MB: free space to keep there, the upload counted:
                                 less is EM_E_UNAVAILABLE, reason SUBMIT_INSUFFICIENT_STORAGE */
    int64_t user_quota_bytes; /* USER_STORAGE_MB: a user's originals at most, the upload counted:
                                 more is EM_E_TOO_LARGE, reason SUBMIT_QUOTA_EXCEEDED (with what is left) */
    int max_materials;        /* USER_MATERIALS_MAX: materials a user may keep (a quota of bytes
                                 alone lets a million one-byte uploads in): at the cap an upload
                                 is EM_E_TOO_LARGE, reason SUBMIT_QUOTA_EXCEEDED */
    int max_pending;          /* MAX_PENDING_EXTRACTIONS: unfinished extraction jobs per user; at
                                 the cap an upload that would enqueue one is EM_E_RATE_LIMITED with
                                 retry_after_s SUBMIT_RETRY_AFTER_S */
} submit_limits;

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
    const submit_limits *limits; /* borrowed; NULL: none */
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
 * UTF-8 past the sniffed start); EM_E_IO when the range cannot be read; the
 * limits' refusals (submit_limits), with nothing stored; storage and
 * database errors as they come. */
int material_submit(db *d, storage *files, const submit_input *in, submit_output *out /* OUT */,
                    em_error *err);

/* The storage key of a material's original file. */
void material_storage_key(const char *material_id, char *out, size_t cap);

#endif
