/* multipart: multipart/form-data request bodies (RFC 7578), parsed in memory.
 *
 * The body is read as: preamble, then delimiter lines "--boundary" each
 * followed by a part (header lines, a blank line, data), until the close
 * delimiter "--boundary--"; anything after it is the epilogue. A delimiter
 * counts only at the start of the body or right after a line feed, and only
 * when what follows it is "--" or optional blanks and a line break, so data
 * that merely contains the boundary text is not cut. The line break before a
 * delimiter belongs to the delimiter, not to the data. */
#include "http/multipart.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/ascii.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 2046 bchars: DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space (not last). */
static bool is_bchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* RFC 7230 tchar: the characters of a token. */
static bool is_tchar(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* ---- header values: "type; name=value; name="quoted"" ---------------------------- */

typedef struct hval {
    const char *s; /* borrowed */
    size_t n, pos;
} hval;

static void hval_skip_blanks(hval *h)
{
    while (h->pos < h->n && is_blank(h->s[h->pos]))
        h->pos++;
}

/* The leading token (the media type or disposition type): *start and *len. */
static void hval_type(hval *h, size_t *start /* OUT */, size_t *len /* OUT */)
{
    hval_skip_blanks(h);
    *start = h->pos;
    while (h->pos < h->n && h->s[h->pos] != ';' && !is_blank(h->s[h->pos]))
        h->pos++;
    *len = h->pos - *start;
}

/* The next parameter: 1 with its name (span into the value) and its value,
 * unquoted, in val (cap bytes, NUL-terminated); 0 at the end; EM_E_PARSE when
 * malformed. In a quoted string a backslash escapes '"' and '\'; before any
 * other character it is kept (old browsers send Windows paths unescaped). */
static int hval_param(hval *h, const char **name /* OUT */, size_t *name_len /* OUT */, char *val, size_t cap,
                      size_t *val_len /* OUT */)
{
    hval_skip_blanks(h);
    if (h->pos >= h->n)
        return 0;
    if (h->s[h->pos] != ';')
        return EM_E_PARSE;
    h->pos++;
    hval_skip_blanks(h);
    if (h->pos >= h->n)
        return 0; /* a trailing ';' */
    size_t ns = h->pos;
    while (h->pos < h->n && is_tchar(h->s[h->pos]))
        h->pos++;
    if (h->pos == ns)
        return EM_E_PARSE;
    *name = h->s + ns;
    *name_len = h->pos - ns;
    hval_skip_blanks(h);
    if (h->pos >= h->n || h->s[h->pos] != '=')
        return EM_E_PARSE;
    h->pos++;
    hval_skip_blanks(h);
    size_t v = 0;
    if (h->pos < h->n && h->s[h->pos] == '"') {
        h->pos++;
        for (;;) {
            if (h->pos >= h->n)
                return EM_E_PARSE;
            char c = h->s[h->pos++];
            if (c == '"')
                break;
            if (c == '\\' && h->pos < h->n && (h->s[h->pos] == '"' || h->s[h->pos] == '\\'))
                c = h->s[h->pos++];
            if (v + 1 >= cap)
                return EM_E_PARSE;
            val[v++] = c;
        }
    } else {
        while (h->pos < h->n && h->s[h->pos] != ';' && !is_blank(h->s[h->pos])) {
            if (v + 1 >= cap)
                return EM_E_PARSE;
            val[v++] = h->s[h->pos++];
        }
        if (v == 0)
            return EM_E_PARSE;
    }
    val[v] = '\0';
    *val_len = v;
    return 1;
}

int multipart_boundary(const char *content_type, char *out, em_error *err)
{
    out[0] = '\0';
    if (content_type == NULL)
        return em_error_set(err, EM_E_UNSUPPORTED, "Content-Type must be multipart/form-data");
    hval h = {content_type, strlen(content_type), 0};
    size_t ts, tl;
    hval_type(&h, &ts, &tl);
    if (tl != 19 || strncasecmp(content_type + ts, "multipart/form-data", 19) != 0)
        return em_error_set(err, EM_E_UNSUPPORTED, "Content-Type must be multipart/form-data");

    char val[MULTIPART_LINE_MAX + 1];
    bool found = false;
    for (;;) {
        const char *name;
        size_t nl, vl;
        int r = hval_param(&h, &name, &nl, val, sizeof val, &vl);
        if (r == 0)
            break;
        if (r < 0)
            return em_error_set(err, EM_E_PARSE, "malformed Content-Type parameters");
        if (found || nl != 8 || strncasecmp(name, "boundary", 8) != 0)
            continue;
        if (vl == 0 || vl > MULTIPART_BOUNDARY_MAX || val[vl - 1] == ' ')
            return em_error_set(err, EM_E_PARSE, "invalid multipart boundary");
        for (size_t i = 0; i < vl; i++) {
            if (!is_bchar(val[i]))
                return em_error_set(err, EM_E_PARSE, "invalid multipart boundary");
        }
        memcpy(out, val, vl + 1);
        found = true;
    }
    if (!found)
        return em_error_set(err, EM_E_PARSE, "Content-Type has no multipart boundary");
    return EM_OK;
}

/* ---- the body ------------------------------------------------------------------ */

typedef struct scan {
    const char *b; /* borrowed body */
    size_t len;
    char delim[MULTIPART_BOUNDARY_MAX + 4]; /* "\n--boundary" */
    size_t dlen;                            /* its length including the '\n' */
} scan;

/* Whether a delimiter "--boundary" sits at b[at]: then *next is where the part
 * (or the epilogue) starts and *close says whether it was the close delimiter. */
static bool delim_at(const scan *s, size_t at, size_t *next /* OUT */, bool *close /* OUT */)
{
    size_t dl = s->dlen - 1;
    if (s->len - at < dl || memcmp(s->b + at, s->delim + 1, dl) != 0)
        return false;
    size_t i = at + dl;
    if (s->len - i >= 2 && s->b[i] == '-' && s->b[i + 1] == '-') {
        *next = i + 2;
        *close = true;
        return true;
    }
    while (i < s->len && is_blank(s->b[i]))
        i++;
    if (i < s->len && s->b[i] == '\r')
        i++;
    if (i < s->len && s->b[i] == '\n') {
        *next = i + 1;
        *close = false;
        return true;
    }
    return false;
}

/* The first delimiter whose line feed is at or after `from` (or, for from ==
 * 0, one at the very start): *at is where its "--" is. */
static bool delim_find(const scan *s, size_t from, size_t *at /* OUT */, size_t *next /* OUT */,
                       bool *close /* OUT */)
{
    if (from == 0 && delim_at(s, 0, next, close)) {
        *at = 0;
        return true;
    }
    while (from < s->len) {
        const char *p = memmem(s->b + from, s->len - from, s->delim, s->dlen);
        if (p == NULL)
            return false;
        size_t c = (size_t)(p - s->b) + 1;
        if (delim_at(s, c, next, close)) {
            *at = c;
            return true;
        }
        from = c;
    }
    return false;
}

/* What a part's headers said. */
typedef struct part_head {
    bool disposition;         /* a Content-Disposition header was seen */
    bool form_data;           /* and its type is form-data */
    const char *name;         /* arena */
    const char *filename;     /* arena: from filename */
    const char *filename_ext; /* arena: from filename*, wins */
    const char *content_type; /* arena */
} part_head;

/* Decode an RFC 8187 ext-value "UTF-8'lang'pct%20encoded" into the arena; NULL
 * when it is not UTF-8, badly encoded or holds a NUL. */
static const char *ext_value(arena *a, const char *v, size_t n)
{
    const char *q1 = memchr(v, '\'', n);
    if (q1 == NULL || q1 - v != 5 || strncasecmp(v, "UTF-8", 5) != 0)
        return NULL;
    const char *rest = q1 + 1;
    const char *q2 = memchr(rest, '\'', n - (size_t)(rest - v));
    if (q2 == NULL)
        return NULL;
    const char *p = q2 + 1, *end = v + n;
    char *out = arena_alloc(a, (size_t)(end - p) + 1);
    size_t o = 0;
    while (p < end) {
        if (*p == '%') {
            int hi = end - p >= 3 ? ascii_hex_value(p[1]) : -1, lo = end - p >= 3 ? ascii_hex_value(p[2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return NULL;
            out[o++] = (char)(hi << 4 | lo);
            p += 3;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

static int parse_disposition(part_head *ph, const char *v, size_t n, arena *a)
{
    if (ph->disposition)
        return EM_OK; /* the first one counts */
    ph->disposition = true;
    hval h = {v, n, 0};
    size_t ts, tl;
    hval_type(&h, &ts, &tl);
    ph->form_data = tl == 9 && strncasecmp(v + ts, "form-data", 9) == 0;
    char val[MULTIPART_LINE_MAX + 1];
    for (;;) {
        const char *name;
        size_t nl, vl;
        int r = hval_param(&h, &name, &nl, val, sizeof val, &vl);
        if (r == 0)
            return EM_OK;
        if (r < 0)
            return EM_E_PARSE;
        if (memchr(val, '\0', vl) != NULL)
            return EM_E_PARSE;
        if (nl == 4 && strncasecmp(name, "name", 4) == 0) {
            if (ph->name == NULL)
                ph->name = arena_strndup(a, val, vl);
        } else if (nl == 8 && strncasecmp(name, "filename", 8) == 0) {
            if (ph->filename == NULL)
                ph->filename = arena_strndup(a, val, vl);
        } else if (nl == 9 && strncasecmp(name, "filename*", 9) == 0) {
            if (ph->filename_ext == NULL)
                ph->filename_ext = ext_value(a, val, vl);
        }
    }
}

/* One logical header line (folded lines joined). */
static int header_line(part_head *ph, const char *line, size_t n, arena *a, size_t part, em_error *err)
{
    const char *colon = memchr(line, ':', n);
    size_t nl = colon != NULL ? (size_t)(colon - line) : 0;
    if (colon == NULL || nl == 0)
        return em_error_set(err, EM_E_PARSE, "part %zu: malformed header line", part);
    for (size_t i = 0; i < nl; i++) {
        if (!is_tchar(line[i]))
            return em_error_set(err, EM_E_PARSE, "part %zu: malformed header line", part);
    }
    const char *v = colon + 1, *end = line + n;
    while (v < end && is_blank(*v))
        v++;
    while (end > v && is_blank(end[-1]))
        end--;
    if (nl == 19 && strncasecmp(line, "content-disposition", 19) == 0) {
        if (parse_disposition(ph, v, (size_t)(end - v), a) != EM_OK)
            return em_error_set(err, EM_E_PARSE, "part %zu: malformed Content-Disposition", part);
    } else if (nl == 12 && strncasecmp(line, "content-type", 12) == 0) {
        if (ph->content_type == NULL && end > v)
            ph->content_type = arena_strndup(a, v, (size_t)(end - v));
    }
    return EM_OK;
}

/* Read the headers of the part starting at pos: *data_start is after the blank
 * line that ends them. */
static int part_headers(const scan *s, size_t pos, part_head *ph, arena *a, size_t part,
                        size_t *data_start /* OUT */, em_error *err)
{
    char logical[MULTIPART_LINE_MAX + 1];
    size_t ll = 0, lines = 0;
    bool pending = false;
    for (;;) {
        /* the next line, at most MULTIPART_LINE_MAX bytes before its '\n' (plus a '\r') */
        size_t look = s->len - pos < MULTIPART_LINE_MAX + 2 ? s->len - pos : MULTIPART_LINE_MAX + 2;
        const char *nlp = memchr(s->b + pos, '\n', look);
        if (nlp == NULL) {
            if (look == MULTIPART_LINE_MAX + 2)
                return em_error_set(err, EM_E_PARSE, "part %zu: header line too long", part);
            return em_error_set(err, EM_E_PARSE, "part %zu: headers not terminated", part);
        }
        size_t end = (size_t)(nlp - s->b), n = end - pos;
        if (n > 0 && s->b[end - 1] == '\r')
            n--;
        if (n > MULTIPART_LINE_MAX)
            return em_error_set(err, EM_E_PARSE, "part %zu: header line too long", part);
        const char *line = s->b + pos;
        pos = end + 1;
        if (memchr(line, '\0', n) != NULL)
            return em_error_set(err, EM_E_PARSE, "part %zu: malformed header line", part);
        if (n > 0 && is_blank(line[0])) { /* folded: continues the previous line */
            if (!pending)
                return em_error_set(err, EM_E_PARSE, "part %zu: malformed header line", part);
            if (ll + 1 + n > MULTIPART_LINE_MAX)
                return em_error_set(err, EM_E_PARSE, "part %zu: header line too long", part);
            logical[ll++] = ' ';
            memcpy(logical + ll, line, n);
            ll += n;
            continue;
        }
        if (pending) {
            int rc = header_line(ph, logical, ll, a, part, err);
            if (rc != EM_OK)
                return rc;
            pending = false;
        }
        if (n == 0) {
            *data_start = pos;
            return EM_OK;
        }
        if (++lines > MULTIPART_HEADERS_MAX)
            return em_error_set(err, EM_E_PARSE, "part %zu: more than %d header lines", part,
                                MULTIPART_HEADERS_MAX);
        memcpy(logical, line, n);
        ll = n;
        pending = true;
    }
}

int multipart_parse(const char *content_type, const char *body, size_t len, arena *a, mp_part *parts,
                    size_t max_parts, size_t *n_parts, em_error *err)
{
    *n_parts = 0;
    em_error_clear(err);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    int rc = multipart_boundary(content_type, boundary, err);
    if (rc != EM_OK)
        return rc;
    if (body == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "missing body");

    scan s = {.b = body != NULL ? body : "", .len = len};
    size_t bl = strlen(boundary);
    s.delim[0] = '\n';
    s.delim[1] = '-';
    s.delim[2] = '-';
    memcpy(s.delim + 3, boundary, bl);
    s.dlen = bl + 3;

    size_t at, next, n = 0;
    bool close;
    if (!delim_find(&s, 0, &at, &next, &close))
        return em_error_set(err, EM_E_PARSE, "body has no multipart boundary line");
    while (!close) {
        part_head ph = {0};
        size_t data_start = 0;
        rc = part_headers(&s, next, &ph, a, n + 1, &data_start, err);
        if (rc != EM_OK)
            goto fail;
        if (!ph.form_data || ph.name == NULL) {
            rc = em_error_set(err, EM_E_PARSE, "part %zu has no Content-Disposition form-data name", n + 1);
            goto fail;
        }
        /* the data ends at the line break before the next delimiter; the
         * blank line's own '\n' may serve as that line break */
        if (!delim_find(&s, data_start - 1, &at, &next, &close)) {
            rc = em_error_set(err, EM_E_PARSE, "no closing multipart boundary");
            goto fail;
        }
        size_t end = at - 1; /* the '\n' */
        if (end > data_start && s.b[end - 1] == '\r')
            end--;
        if (end < data_start)
            end = data_start;
        if (n == max_parts) {
            rc = em_error_set(err, EM_E_TOO_LARGE, "more than %zu parts", max_parts);
            goto fail;
        }
        parts[n++] = (mp_part){
            .name = ph.name,
            .filename = ph.filename_ext != NULL ? ph.filename_ext : ph.filename,
            .content_type = ph.content_type,
            .data = s.b + data_start,
            .len = end - data_start,
        };
    }
    *n_parts = n;
    return EM_OK;

fail:
    *n_parts = 0;
    return rc;
}
