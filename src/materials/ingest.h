/* ingest: turn a stored material into searchable text, topics and questions.
 *
 * Reads the original from storage, extracts it (MuPDF for PDFs, pages in
 * parallel; the text reader otherwise), chunks it, finds its topics and, for a
 * worksheet, its questions, and stores all of it at once (material_store_result).
 * What is wrong with the file itself (encrypted, broken, too many pages, too
 * slow, too hungry, no text) ends the material `failed` with the reason, and
 * is not an error of the run: retrying cannot help. Storage and database
 * failures are returned, so the extraction job is retried. Idempotent.
 *
 * Limits. One deadline for the document, timeout_s from when its file has
 * been read, covers every step: the PDF or text reader, chunking, topics and
 * key terms, the worksheet's questions and their tags. Each checks it in its
 * loops, and each is linear or n log n in its input, so a document either
 * finishes or fails "extraction took longer than EXTRACTION_TIMEOUT_SECONDS
 * (N s)". A PDF's MuPDF work and the text it keeps stay within
 * max_memory_bytes ("the PDF needs more than N MB of memory to extract
 * (EXTRACTION_MEMORY_MB)"); every later step holds at most a few copies of
 * the text (about three at the peak, while chunking), and the text of a PDF
 * may take a quarter of that budget, that of a text file max_file_bytes. */
#ifndef EM_MATERIALS_INGEST_H
#define EM_MATERIALS_INGEST_H

#include <stddef.h>

#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"

typedef struct ingest_options {
    int max_pages;             /* MAX_PDF_PAGES */
    int timeout_s;             /* EXTRACTION_TIMEOUT_SECONDS */
    int threads;               /* EXTRACTION_THREADS */
    size_t max_file_bytes;     /* largest original read back (MAX_UPLOAD_MB) */
    size_t max_memory_bytes;   /* EXTRACTION_MEMORY_MB: a PDF's budget (0: pdf.h's default) */
    /* Pages done of total while a PDF is extracted (may be NULL; any thread). */
    void (*progress)(void *ctx, int pages_done, int pages_total);
    void *progress_ctx;
} ingest_options;

typedef enum ingest_status { INGEST_READY, INGEST_FAILED, INGEST_GONE } ingest_status;

typedef struct ingest_outcome {
    ingest_status status;      /* GONE: the material was deleted meanwhile */
    int page_count, section_count, chunk_count, topic_count, question_count;
    char error[256];           /* the reason, for FAILED */
} ingest_outcome;

int ingest_material(db *d, storage *files, const char *material_id, const ingest_options *o,
                    ingest_outcome *out /* OUT */, em_error *err);

#endif
