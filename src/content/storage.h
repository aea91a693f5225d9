/* storage: where uploaded files and derived blobs live, behind one interface.
 *
 * Two backends, chosen once at start from STORAGE_URL: a directory on the local
 * file system (the default, under DATA_DIR/files) and an S3-compatible object
 * store (AWS S3, MinIO, ...), spoken to through net/http_client with path-style
 * requests signed with AWS Signature Version 4. Objects are named by keys such
 * as "materials/<uuid>/original". A handle is safe to use from several threads
 * at once.
 *
 * Objects may be written from memory (storage_put) or from a range of an open
 * file (storage_put_fd), and read whole into memory (storage_get) or streamed
 * to a callback in bounded pieces (storage_read), so a large upload or download
 * never has to sit whole in memory. storage_list walks the objects under a key
 * prefix (the sweep of orphaned originals uses it).
 *
 * Local writes are atomic: the data goes to a temporary file in the target's
 * directory, is synced, then renamed over the target, so a reader sees the old
 * object or the new one, never part of one. Error messages are safe to show;
 * paths, endpoints and library detail go to the log. */
#ifndef EM_CONTENT_STORAGE_H
#define EM_CONTENT_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

#define STORAGE_KEY_MAX 512            /* bytes of a key */
#define STORAGE_DEFAULT_TIMEOUT_MS 30000
#define STORAGE_CHUNK_MAX (64 * 1024)  /* largest piece storage_read gives its sink */

typedef struct storage_options {
    const char *url;          /* STORAGE_URL: NULL, "" -> DATA_DIR/files; "file:///abs/dir";
                                 "s3://bucket[/prefix]" */
    const char *data_dir;     /* DATA_DIR, for the default location */
    const char *s3_endpoint;  /* S3_ENDPOINT: "http(s)://host[:port]"; default
                                 "https://s3.<region>.amazonaws.com" */
    const char *s3_region;    /* S3_REGION, default "us-east-1" */
    const char *s3_access_key;  /* S3_ACCESS_KEY_ID */
    const char *s3_secret_key;  /* S3_SECRET_ACCESS_KEY */
    int timeout_ms;           /* per S3 request; <= 0: STORAGE_DEFAULT_TIMEOUT_MS */
} storage_options;

typedef struct storage storage;

/* ---- lifecycle ---- */

/* Open the storage the options name; the options' strings are copied. Local:
 * creates the directory (and its parents, mode 0700). S3: checks the options;
 * nothing is sent (net_global_init must have run). EM_E_CONFIG with
 * a message naming the variable at fault (STORAGE_URL, DATA_DIR, S3_ENDPOINT,
 * S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY); EM_E_IO when the directory
 * cannot be made. *out is owned: close with storage_close. */
int storage_open(const storage_options *o, storage **out /* OUT */, em_error *err);
/* storage_close(NULL) is a no-op. */
void storage_close(storage *s);
/* "local" or "s3" (static). */
const char *storage_kind(const storage *s);

/* ---- objects ---- */

/* Whether key is acceptable: 1..STORAGE_KEY_MAX bytes of [A-Za-z0-9._/-], no
 * "..", no leading or trailing '/', no empty or "." segment. EM_OK or
 * EM_E_INVAL. Every call below checks its key this way first. */
int storage_check_key(const char *key, em_error *err);

/* Store len bytes under key, replacing any object there. content_type may be
 * NULL (S3 then gets application/octet-stream; the local backend keeps no
 * type). Local files get mode 0600. */
int storage_put(storage *s, const char *key, const void *data, size_t len, const char *content_type,
                em_error *err);
/* Store the bytes [offset, offset + len) of fd, a regular file open for
 * reading, under key, as storage_put does; the file's offset is neither used
 * nor moved, and fd stays the caller's. Local: copied in bounded pieces
 * (copy_file_range, else 64 KiB reads and writes) into the temporary file.
 * S3: one PUT streamed from fd, after a first pass over the range for its
 * SHA-256, which S3 checks. EM_E_INVAL when fd is not a regular file; EM_E_IO
 * when it cannot be read or ends before offset + len. */
int storage_put_fd(storage *s, const char *key, int fd, off_t offset, size_t len, const char *content_type,
                   em_error *err);

/* Receives an object's bytes in order, at most STORAGE_CHUNK_MAX at a time.
 * 0 to go on; anything else stops the read, which returns it unchanged (use a
 * negative em_err code). */
typedef int (*storage_sink)(void *ctx, const void *data, size_t n);

/* Stream the object under key to sink. EM_E_NOT_FOUND when there is none;
 * EM_E_TOO_LARGE when it has more than max_len bytes: before sink sees
 * anything when the size is known up front (always locally; from S3's
 * Content-Length), else as soon as the read goes past max_len. */
int storage_read(storage *s, const char *key, size_t max_len, storage_sink sink, void *ctx, em_error *err);
/* Read the object under key: *data is owned (free with free()), with a NUL
 * after its *len bytes. EM_E_NOT_FOUND when there is none; EM_E_TOO_LARGE when
 * it has more than max_len bytes. */
int storage_get(storage *s, const char *key, void **data /* OUT */, size_t *len /* OUT */, size_t max_len,
                em_error *err);
/* The object's size in bytes (local: stat; S3: HEAD). EM_E_NOT_FOUND when
 * there is none. */
int storage_size(storage *s, const char *key, uint64_t *size /* OUT */, em_error *err);
/* Remove the object under key; an absent object is not an error. */
int storage_delete(storage *s, const char *key, em_error *err);

/* Receives each object storage_list finds: its key (borrowed for the call),
 * its size in bytes and when it was last written (seconds since the epoch).
 * 0 to go on; anything else stops the listing, which returns it unchanged
 * (use a negative em_err code). */
typedef int (*storage_list_fn)(void *ctx, const char *key, uint64_t size, int64_t mtime_s);

/* Visit every object whose key starts with prefix ("" for all; else key
 * characters, no "..", not starting with '/', and it may end with '/', e.g.
 * "materials/"), each once. Local: a walk of the directory (no symbolic links
 * followed; temporary files of writes in progress are not objects); S3:
 * ListObjectsV2 pages (1000 keys each) followed to the end, in key order.
 * Objects written or removed meanwhile may or may not be seen. Something in
 * the store that is not a valid key (a file someone put there by hand, an
 * object outside the store's prefix) is skipped. The visit may delete what
 * it is given. EM_E_INVAL for a bad prefix; EM_E_IO / EM_E_UNAVAILABLE as for
 * reads. */
int storage_list(storage *s, const char *prefix, storage_list_fn visit, void *ctx, em_error *err);

/* The path of the file that holds (or would hold) the object under key, into
 * out (cap bytes), so that MuPDF or sendfile can open it directly: EM_OK for
 * the local backend; EM_E_UNSUPPORTED for S3; EM_E_INVAL for a bad key;
 * EM_E_TOO_LARGE when out is too small. The file may not exist. */
int storage_local_path(storage *s, const char *key, char *out, size_t cap);

#endif
