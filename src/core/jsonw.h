/* jsonw: JSON text without building a document: string escaping and UTF-8
 * sanitising, and a streaming writer into a bounded buf.
 *
 * Handlers that answer with many rows write them straight into the response
 * text with the writer; building jansson objects first cost more than the query
 * itself (a 50-row read spent 85% of its CPU in jansson and malloc). jansson
 * stays the tool for parsing and for small, irregular documents. */
#ifndef EM_CORE_JSONW_H
#define EM_CORE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"

/* ---- text helpers ---- */

/* Write s[0..n) into dst as the inside of a JSON string: quotes, backslashes and
 * control characters escaped, invalid UTF-8 replaced by U+FFFD. Writes at most
 * cap-1 bytes and a NUL, never splitting an escape or a character; returns the
 * bytes written (excluding the NUL) and, when `consumed` is not NULL, how many
 * input bytes they cover. */
size_t json_escape(char *dst, size_t cap, const char *s, size_t n, size_t *consumed /* OUT */);

/* Copy s[0..n) into dst (cap bytes incl. NUL) as valid UTF-8 (utf8.h's
 * reading of it), replacing invalid sequences and NUL bytes with U+FFFD; never splits a character. Returns the
 * bytes written, excluding the NUL. */
size_t json_utf8_sanitize(char *dst, size_t cap, const char *s, size_t n);

/* ---- streaming writer ---- */

#define JSONW_MAX_DEPTH 32

/* Caller-owned writer state. Errors are sticky: after the first one (the buf's
 * maximum reached, nesting too deep, a value where a key is due) every call does
 * nothing and jsonw_finish reports it. */
typedef struct jsonw {
    buf *out;                            /* borrowed; text is appended */
    int depth;
    bool first[JSONW_MAX_DEPTH];         /* no member written yet at this level */
    bool in_object[JSONW_MAX_DEPTH];     /* level is an object (keys due) */
    bool key_done;                       /* a key was written, its value is due */
    int rc;                              /* first error, EM_OK so far */
} jsonw;

void jsonw_init(jsonw *w, buf *out);
void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);
/* Inside an object: the next member's name. */
void jsonw_key(jsonw *w, const char *key);
/* A string value; NULL writes null. */
void jsonw_string(jsonw *w, const char *s);
/* The same for s[0..n), which may hold NUL bytes (written \u0000). */
void jsonw_string_n(jsonw *w, const char *s, size_t n);
void jsonw_int(jsonw *w, int64_t v);
/* Shortest text that reads back as the same double; NaN and infinities: null. */
void jsonw_double(jsonw *w, double v);
void jsonw_bool(jsonw *w, bool v);
void jsonw_null(jsonw *w);
/* A value that is already JSON text (NULL writes null). Only for text the
 * program itself wrote as JSON, such as a JSON column; it is not checked. */
void jsonw_raw(jsonw *w, const char *json);
/* A jansson value (borrowed), written the writer's way: object members in
 * their order, doubles in the shortest form that reads back the same (where
 * json_dumps prints 0.40000000000000002). Nesting deeper than the writer
 * allows is an error (EM_E_INVAL at jsonw_finish). NULL writes null. */
void jsonw_value(jsonw *w, const json_t *v);
/* EM_OK when a complete document was written, else the first error
 * (EM_E_TOO_LARGE, or EM_E_INVAL for unbalanced or misplaced calls). */
int jsonw_finish(const jsonw *w);

#endif
