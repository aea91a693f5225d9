/* multipart: multipart/form-data request bodies (RFC 7578), parsed
 * incrementally.
 *
 * File uploads arrive as one body holding several parts, each with its own
 * headers and data, separated by a boundary line named in the request's
 * Content-Type. There is one parser, a push parser: bytes are fed in pieces
 * of any size as they come (from memory or from the temporary file an upload
 * is spooled to) and the result never depends on how the body was cut. It
 * does not keep part data: it reports where each part's data lies in the body
 * (offset, length), so a caller can hand that range of the file on without
 * copying it, and it keeps the values of small fields (no file name) in
 * memory, within a bound the caller sets. The few strings it makes (names,
 * file names, content types, kept values) go into the arena it is given.
 *
 * multipart_parse (a body in memory), multipart_parse_fd (a body in a file)
 * and multipart_parse_body (a request's body, either way) are that parser fed
 * for the caller.
 *
 * Accepted beyond the strict grammar: a bare LF wherever CRLF is expected,
 * blanks after a boundary, a preamble and an epilogue, a boundary line that
 * directly follows the blank line ending a part's headers (an empty part),
 * folded header lines, and `filename*=UTF-8''...` (RFC 8187), which wins over
 * `filename`. Header names and the disposition type are case-insensitive.
 * File names are given as sent: callers must not use them as paths. */
#ifndef EM_HTTP_MULTIPART_H
#define EM_HTTP_MULTIPART_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "http/http.h"

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_LINE_MAX 1024     /* bytes of a part header line (folded lines joined) */
#define MULTIPART_HEADERS_MAX 32    /* header lines per part */

typedef struct mp_part {
    const char *name;          /* form field name, in the arena */
    const char *filename;      /* in the arena; NULL when absent */
    const char *content_type;  /* in the arena; NULL when absent */
    /* The data, when it is at hand: len bytes, not necessarily NUL-terminated.
     * multipart_parse: points into the body (always). The incremental parser
     * (and multipart_parse_fd): the value of a part without a file name of at
     * most max_value bytes, copied into the arena (NUL-terminated); NULL
     * otherwise: read bytes [offset, offset + len) of the body. */
    const char *data;
    size_t len;                /* bytes of data */
    size_t offset;             /* where the data starts in the body */
} mp_part;

/* Limits of one parse. */
typedef struct mp_options {
    size_t max_parts;   /* more parts than this: EM_E_TOO_LARGE (checked when a part starts) */
    size_t max_value;   /* a part without a file name of at most this many bytes has its value
                           kept in memory (mp_part.data); 0: keep no values */
} mp_options;

/* ---- the incremental parser ---- */

typedef struct mp_parser mp_parser;

/* Start parsing a body sent with the Content-Type header value content_type.
 * Parts are written to parts[0..o->max_parts) (borrowed until the parse is
 * over). The parser and everything it makes live in `a`: there is nothing to
 * free. Errors: those of multipart_boundary. */
int multipart_parser_new(const char *content_type, const mp_options *o, arena *a, mp_part *parts,
                         mp_parser **out /* OUT */, em_error *err);
/* Feed the next n bytes of the body. Errors are final: once one is returned,
 * every later call returns it again (with the same message). Errors, with a
 * message safe to show:
 *   EM_E_PARSE      a header line over MULTIPART_LINE_MAX, more than
 *                   MULTIPART_HEADERS_MAX header lines, malformed part
 *                   headers, a part without a Content-Disposition of type
 *                   form-data with a name;
 *   EM_E_TOO_LARGE  a part beyond max_parts. */
int multipart_parser_feed(mp_parser *p, const void *data, size_t n, em_error *err);
/* The body is complete: *n_parts parts were found. Besides a feed error:
 * EM_E_PARSE when there was no boundary line, no closing boundary, or the
 * last part's headers did not end. On failure *n_parts is 0. */
int multipart_parser_finish(mp_parser *p, size_t *n_parts /* OUT */, em_error *err);

/* ---- whole bodies ---- */

/* Parse body (len bytes, NULs allowed) as sent with the Content-Type header
 * value content_type. Fills parts[0..*n_parts) in body order, each with data
 * pointing into the body. Errors, with a message safe to show:
 *   EM_E_UNSUPPORTED  content_type is NULL or not multipart/form-data;
 *   EM_E_PARSE        missing or invalid boundary parameter, and those of
 *                     multipart_parser_feed and _finish;
 *   EM_E_TOO_LARGE    more than max_parts parts.
 * On failure *n_parts is 0; strings already put in the arena stay there. */
int multipart_parse(const char *content_type, const char *body, size_t len, arena *a, mp_part *parts,
                    size_t max_parts, size_t *n_parts /* OUT */, em_error *err);

/* The same for a body held in a file: bytes [0, len) of fd, read in pieces
 * with pread (the file offset is not used). Parts carry offsets, and data
 * only for the small values o->max_value allows. EM_E_IO when the file cannot
 * be read (the message says no more). */
int multipart_parse_fd(const char *content_type, int fd, size_t len, const mp_options *o, arena *a,
                       mp_part *parts, size_t *n_parts /* OUT */, em_error *err);

/* The body of a request, with its Content-Type, wherever it is: a spooled
 * body (req->body_fd) through multipart_parse_fd, one in memory through
 * multipart_parse (then every part has data, max_value does not apply).
 * Strings go into the request's arena. */
int multipart_parse_body(const http_req *req, const mp_options *o, mp_part *parts,
                         size_t *n_parts /* OUT */, em_error *err);

/* The boundary parameter of a multipart/form-data Content-Type value into out
 * (at least MULTIPART_BOUNDARY_MAX + 1 bytes), quotes and escapes removed.
 * Same errors as multipart_parse for the header. */
int multipart_boundary(const char *content_type, char *out /* OUT */, em_error *err);

#endif
