/* multipart: multipart/form-data request bodies (RFC 7578), parsed in memory.
 *
 * File uploads arrive as one body holding several parts, each with its own
 * headers and data, separated by a boundary line named in the request's
 * Content-Type. The parser does not copy part data: it points into the body,
 * which the server already holds whole and bounded (MAX_UPLOAD_MB). The few
 * strings it makes (names, file names, content types) go into the request's
 * arena.
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

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_LINE_MAX 1024     /* bytes of a part header line (folded lines joined) */
#define MULTIPART_HEADERS_MAX 32    /* header lines per part */

typedef struct mp_part {
    const char *name;          /* form field name, in the arena */
    const char *filename;      /* in the arena; NULL when absent */
    const char *content_type;  /* in the arena; NULL when absent */
    const char *data;          /* borrowed: points into the body */
    size_t len;
} mp_part;

/* Parse body (len bytes, NULs allowed) as sent with the Content-Type header
 * value content_type. Fills parts[0..*n_parts) in body order. Errors, with a
 * message safe to show:
 *   EM_E_UNSUPPORTED  content_type is NULL or not multipart/form-data;
 *   EM_E_PARSE        missing or invalid boundary parameter, no boundary line,
 *                     no closing boundary, unterminated or malformed part
 *                     headers, a header line over MULTIPART_LINE_MAX, more than
 *                     MULTIPART_HEADERS_MAX header lines, a part without a
 *                     Content-Disposition of type form-data with a name;
 *   EM_E_TOO_LARGE    more than max_parts parts.
 * On failure *n_parts is 0; strings already put in the arena stay there. */
int multipart_parse(const char *content_type, const char *body, size_t len, arena *a, mp_part *parts,
                    size_t max_parts, size_t *n_parts /* OUT */, em_error *err);

/* The boundary parameter of a multipart/form-data Content-Type value into out
 * (at least MULTIPART_BOUNDARY_MAX + 1 bytes), quotes and escapes removed.
 * Same errors as multipart_parse for the header. */
int multipart_boundary(const char *content_type, char *out /* OUT */, em_error *err);

#endif
