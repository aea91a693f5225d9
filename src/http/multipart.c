/* multipart: multipart/form-data request bodies (RFC 7578), parsed
 * incrementally.
 *
 * The body is read as: preamble, then delimiter lines "--boundary" each
 * followed by a part (header lines, a blank line, data), until the close
 * delimiter "--boundary--"; anything after it is the epilogue. A delimiter
 * counts only at the start of the body or right after a line feed, and only
 * when what follows it is "--" or optional blanks and a line break, so data
 * that merely contains the boundary text is not cut. The line break before a
 * delimiter belongs to the delimiter, not to the data.
 *
 * The parser is a byte-driven state machine, so the result is the same
 * however the body is cut into pieces. Only part header lines are buffered
 * (at most MULTIPART_LINE_MAX bytes); part data is tracked by offsets. A
 * candidate delimiter is "\n--boundary" followed by the rest of its line:
 * since the only line feed in that text is its first byte, a candidate that
 * turns out not to be one can be abandoned at the byte that broke it, which
 * is then looked at afresh (it may start the next candidate). */
#include "http/multipart.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
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

/* ---- the incremental parser --------------------------------------------------- */

/* Where the parser is in the body. */
typedef enum mp_state {
    MP_PREAMBLE, /* before the first delimiter */
    MP_HEADERS,  /* a part's header lines */
    MP_DATA,     /* a part's data */
    MP_EPILOGUE, /* after the close delimiter: everything is ignored */
    MP_FAILED    /* an error was returned; it is returned again */
} mp_state;

/* Where a candidate delimiter is, in the preamble or in data. */
typedef enum mp_cand {
    CAND_NONE,   /* not in one */
    CAND_TEXT,   /* matched delim[0..dmatch) of "\n--boundary" */
    CAND_AFTER,  /* "\n--boundary" matched: "--", blanks or a line break follow */
    CAND_DASH,   /* and one '-': a second one makes the close delimiter */
    CAND_BLANKS, /* and blanks */
    CAND_CR      /* and a '\r': the '\n' must follow */
} mp_cand;

struct mp_parser {
    arena *a;
    mp_part *parts;            /* borrowed from the caller */
    size_t max_parts, n;       /* room, parts done */
    size_t max_value;
    char delim[MULTIPART_BOUNDARY_MAX + 4]; /* "\n--boundary" */
    size_t dlen;               /* its length including the '\n' */
    mp_state state;
    size_t pos;                /* bytes fed so far: the offset of the next byte */
    /* a candidate delimiter */
    mp_cand cand;
    size_t dmatch;             /* CAND_TEXT: bytes of delim matched */
    size_t cand_nl;            /* offset of its '\n' (data_start - 1 for the blank line's own) */
    bool cand_cr;              /* a '\r' right before that '\n' belongs to the data */
    bool prev_cr;              /* the last byte scanned was '\r' */
    /* the header lines of the current part */
    char line[MULTIPART_LINE_MAX + 1];     /* the physical line being read (its '\r' included) */
    size_t ll;
    char logical[MULTIPART_LINE_MAX + 1];  /* the logical line: folded lines joined */
    size_t lgl;
    bool pending;              /* `logical` holds a line not yet interpreted */
    size_t lines;              /* header lines of this part so far */
    part_head ph;
    /* the data of the current part */
    size_t data_start;
    bool keep;                 /* keep the value in memory (no file name, max_value > 0) */
    char *value;               /* max_value bytes: the first bytes after data_start */
    size_t vlen;
    /* the final error */
    int rc;
    em_error err;
};

/* Fail for good: remember the error for every later call. */
static int fail(mp_parser *p, em_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(mp_parser *p, em_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof p->err.msg];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->state = MP_FAILED;
    p->rc = em_error_set(&p->err, code, "%s", msg);
    if (err != NULL)
        *err = p->err;
    return code;
}

/* The error already returned, again. */
static int failed(const mp_parser *p, em_error *err)
{
    if (err != NULL)
        *err = p->err;
    return p->rc;
}

int multipart_parser_new(const char *content_type, const mp_options *o, arena *a, mp_part *parts,
                         mp_parser **out, em_error *err)
{
    *out = NULL;
    em_error_clear(err);
    char boundary[MULTIPART_BOUNDARY_MAX + 1];
    int rc = multipart_boundary(content_type, boundary, err);
    if (rc != EM_OK)
        return rc;
    mp_parser *p = arena_calloc(a, sizeof *p);
    p->a = a;
    p->parts = parts;
    p->max_parts = o->max_parts;
    p->max_value = o->max_value;
    size_t bl = strlen(boundary);
    p->delim[0] = '\n';
    p->delim[1] = '-';
    p->delim[2] = '-';
    memcpy(p->delim + 3, boundary, bl);
    p->dlen = bl + 3;
    if (p->max_value > 0)
        p->value = arena_alloc(a, p->max_value);
    /* A delimiter may open the body without a line feed before it: start as
     * if one had just been read. */
    p->state = MP_PREAMBLE;
    p->cand = CAND_TEXT;
    p->dmatch = 1;
    *out = p;
    return EM_OK;
}

/* A delimiter ended the current part's data: record the part. */
static void part_done(mp_parser *p)
{
    size_t end = p->cand_nl; /* the '\n' */
    if (p->cand_cr)
        end--;
    size_t len = end > p->data_start ? end - p->data_start : 0;
    const char *data = NULL;
    if (p->keep && len <= p->vlen) {
        char *v = arena_alloc(p->a, len + 1);
        memcpy(v, p->value, len);
        v[len] = '\0';
        data = v;
    }
    p->parts[p->n++] = (mp_part){
        .name = p->ph.name,
        .filename = p->ph.filename_ext != NULL ? p->ph.filename_ext : p->ph.filename,
        .content_type = p->ph.content_type,
        .data = data,
        .len = len,
        .offset = p->data_start,
    };
}

/* A whole delimiter line was read (close: "--boundary--"). */
static int delimiter(mp_parser *p, bool close, em_error *err)
{
    if (p->state == MP_DATA)
        part_done(p);
    p->cand = CAND_NONE;
    if (close) {
        p->state = MP_EPILOGUE;
        return EM_OK;
    }
    if (p->n == p->max_parts)
        return fail(p, err, EM_E_TOO_LARGE, "more than %zu parts", p->max_parts);
    p->state = MP_HEADERS;
    p->ll = 0;
    p->lgl = 0;
    p->pending = false;
    p->lines = 0;
    memset(&p->ph, 0, sizeof p->ph);
    return EM_OK;
}

/* Keep the bytes of a field's data that may become its value. */
static void keep_value(mp_parser *p, const char *b, size_t n)
{
    if (p->state != MP_DATA || !p->keep || p->vlen == p->max_value)
        return;
    size_t room = p->max_value - p->vlen;
    size_t k = n < room ? n : room;
    memcpy(p->value + p->vlen, b, k);
    p->vlen += k;
}

/* Scan the preamble or a part's data for the next delimiter: returns the
 * bytes consumed (all of them, or up to the end of a delimiter line). */
static size_t scan(mp_parser *p, const char *b, size_t n, int *rc, em_error *err)
{
    size_t i = 0;
    *rc = EM_OK;
    while (i < n) {
        char c = b[i];
        switch (p->cand) {
        case CAND_NONE: {
            const char *nl = memchr(b + i, '\n', n - i);
            size_t k = nl != NULL ? (size_t)(nl - (b + i)) : n - i;
            if (k > 0)
                p->prev_cr = b[i + k - 1] == '\r';
            if (nl == NULL) {
                keep_value(p, b + i, k);
                p->pos += k;
                return n;
            }
            keep_value(p, b + i, k + 1);
            p->cand_nl = p->pos + k;
            p->cand_cr = p->prev_cr && p->state == MP_DATA && p->cand_nl > p->data_start;
            p->prev_cr = false; /* the '\n' is now the last byte scanned */
            p->cand = CAND_TEXT;
            p->dmatch = 1;
            p->pos += k + 1;
            i += k + 1;
            continue;
        }
        case CAND_TEXT:
            if (c != p->delim[p->dmatch]) {
                p->cand = CAND_NONE; /* look at c afresh */
                continue;
            }
            if (++p->dmatch == p->dlen)
                p->cand = CAND_AFTER;
            break;
        case CAND_AFTER:
            if (c == '-') {
                p->cand = CAND_DASH;
            } else if (is_blank(c)) {
                p->cand = CAND_BLANKS;
            } else if (c == '\r') {
                p->cand = CAND_CR;
            } else if (c == '\n') {
                keep_value(p, b + i, 1);
                p->pos++;
                *rc = delimiter(p, false, err);
                return i + 1;
            } else {
                p->cand = CAND_NONE;
                continue;
            }
            break;
        case CAND_DASH:
            if (c != '-') {
                p->cand = CAND_NONE;
                continue;
            }
            keep_value(p, b + i, 1);
            p->pos++;
            *rc = delimiter(p, true, err);
            return i + 1;
        case CAND_BLANKS:
            if (c == '\r') {
                p->cand = CAND_CR;
            } else if (c == '\n') {
                keep_value(p, b + i, 1);
                p->pos++;
                *rc = delimiter(p, false, err);
                return i + 1;
            } else if (!is_blank(c)) {
                p->cand = CAND_NONE;
                continue;
            }
            break;
        case CAND_CR:
            if (c != '\n') {
                p->cand = CAND_NONE;
                continue;
            }
            keep_value(p, b + i, 1);
            p->pos++;
            *rc = delimiter(p, false, err);
            return i + 1;
        }
        /* c was taken by the candidate */
        p->prev_cr = c == '\r';
        keep_value(p, b + i, 1);
        p->pos++;
        i++;
    }
    return n;
}

/* The blank line ending a part's headers was read: its data starts here. */
static int headers_done(mp_parser *p, em_error *err)
{
    if (!p->ph.form_data || p->ph.name == NULL)
        return fail(p, err, EM_E_PARSE, "part %zu has no Content-Disposition form-data name", p->n + 1);
    p->state = MP_DATA;
    p->data_start = p->pos;
    p->keep = p->max_value > 0 && p->ph.filename == NULL && p->ph.filename_ext == NULL;
    p->vlen = 0;
    /* the blank line's own '\n' may be the line break before the next delimiter */
    p->cand = CAND_TEXT;
    p->dmatch = 1;
    p->cand_nl = p->pos - 1;
    p->cand_cr = false;
    p->prev_cr = false;
    return EM_OK;
}

/* One physical header line, without its '\n'. */
static int header_physical(mp_parser *p, em_error *err)
{
    size_t n = p->ll, part = p->n + 1;
    const char *line = p->line;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n > MULTIPART_LINE_MAX)
        return fail(p, err, EM_E_PARSE, "part %zu: header line too long", part);
    if (memchr(line, '\0', n) != NULL)
        return fail(p, err, EM_E_PARSE, "part %zu: malformed header line", part);
    if (n > 0 && is_blank(line[0])) { /* folded: continues the previous line */
        if (!p->pending)
            return fail(p, err, EM_E_PARSE, "part %zu: malformed header line", part);
        if (p->lgl + 1 + n > MULTIPART_LINE_MAX)
            return fail(p, err, EM_E_PARSE, "part %zu: header line too long", part);
        p->logical[p->lgl++] = ' ';
        memcpy(p->logical + p->lgl, line, n);
        p->lgl += n;
        return EM_OK;
    }
    if (p->pending) {
        em_error herr = {0};
        if (header_line(&p->ph, p->logical, p->lgl, p->a, part, &herr) != EM_OK)
            return fail(p, err, herr.code, "%s", herr.msg);
        p->pending = false;
    }
    if (n == 0)
        return headers_done(p, err);
    if (++p->lines > MULTIPART_HEADERS_MAX)
        return fail(p, err, EM_E_PARSE, "part %zu: more than %d header lines", part, MULTIPART_HEADERS_MAX);
    memcpy(p->logical, line, n);
    p->lgl = n;
    p->pending = true;
    return EM_OK;
}

/* Read header lines: returns the bytes consumed (all of them, or up to the
 * end of the blank line that ends the headers). A line may take at most
 * MULTIPART_LINE_MAX bytes, plus a '\r', before its '\n'. */
static size_t headers(mp_parser *p, const char *b, size_t n, int *rc, em_error *err)
{
    size_t i = 0;
    *rc = EM_OK;
    while (i < n && p->state == MP_HEADERS) {
        size_t room = sizeof p->line - p->ll; /* bytes the line may still take before its '\n' */
        size_t look = n - i < room + 1 ? n - i : room + 1;
        const char *nl = memchr(b + i, '\n', look);
        if (nl == NULL) {
            if (look == room + 1) { /* no '\n' where one was due */
                *rc = fail(p, err, EM_E_PARSE, "part %zu: header line too long", p->n + 1);
                return i;
            }
            memcpy(p->line + p->ll, b + i, look);
            p->ll += look;
            p->pos += look;
            return n;
        }
        size_t k = (size_t)(nl - (b + i));
        memcpy(p->line + p->ll, b + i, k);
        p->ll += k;
        p->pos += k + 1;
        i += k + 1;
        *rc = header_physical(p, err);
        p->ll = 0;
        if (*rc != EM_OK)
            return i;
    }
    return i;
}

int multipart_parser_feed(mp_parser *p, const void *data, size_t n, em_error *err)
{
    const char *b = data;
    size_t i = 0;
    if (p->state == MP_FAILED)
        return failed(p, err);
    while (i < n) {
        int rc = EM_OK;
        switch (p->state) {
        case MP_PREAMBLE:
        case MP_DATA:
            i += scan(p, b + i, n - i, &rc, err);
            break;
        case MP_HEADERS:
            i += headers(p, b + i, n - i, &rc, err);
            break;
        case MP_EPILOGUE:
            p->pos += n - i;
            return EM_OK;
        case MP_FAILED:
            return failed(p, err);
        }
        if (rc != EM_OK)
            return rc;
    }
    return EM_OK;
}

int multipart_parser_finish(mp_parser *p, size_t *n_parts, em_error *err)
{
    *n_parts = 0;
    switch (p->state) {
    case MP_EPILOGUE:
        *n_parts = p->n;
        return EM_OK;
    case MP_PREAMBLE:
        return fail(p, err, EM_E_PARSE, "body has no multipart boundary line");
    case MP_HEADERS:
        return fail(p, err, EM_E_PARSE, "part %zu: headers not terminated", p->n + 1);
    case MP_DATA:
        return fail(p, err, EM_E_PARSE, "no closing multipart boundary");
    case MP_FAILED:
    default:
        return failed(p, err);
    }
}

/* ---- whole bodies ------------------------------------------------------------- */

int multipart_parse(const char *content_type, const char *body, size_t len, arena *a, mp_part *parts,
                    size_t max_parts, size_t *n_parts, em_error *err)
{
    *n_parts = 0;
    mp_parser *p = NULL;
    mp_options o = {.max_parts = max_parts, .max_value = 0};
    int rc = multipart_parser_new(content_type, &o, a, parts, &p, err);
    if (rc != EM_OK)
        return rc;
    if (body == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "missing body");
    rc = multipart_parser_feed(p, body, len, err);
    if (rc == EM_OK)
        rc = multipart_parser_finish(p, n_parts, err);
    if (rc != EM_OK)
        return rc;
    for (size_t i = 0; i < *n_parts; i++)
        parts[i].data = body + parts[i].offset;
    return EM_OK;
}

/* Bytes read from a spooled body at a time. */
#define MULTIPART_READ_CHUNK (64 * 1024)

int multipart_parse_fd(const char *content_type, int fd, size_t len, const mp_options *o, arena *a,
                       mp_part *parts, size_t *n_parts, em_error *err)
{
    *n_parts = 0;
    mp_parser *p = NULL;
    int rc = multipart_parser_new(content_type, o, a, parts, &p, err);
    if (rc != EM_OK)
        return rc;
    char *chunk = em_malloc(MULTIPART_READ_CHUNK);
    size_t off = 0;
    while (off < len && rc == EM_OK) {
        size_t want = len - off < MULTIPART_READ_CHUNK ? len - off : MULTIPART_READ_CHUNK;
        ssize_t got = pread(fd, chunk, want, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            log_msg(LOG_ERROR, "multipart: cannot read the request body at %zu: %s", off,
                    got < 0 ? strerror(errno) : "unexpected end of file");
            rc = em_error_set(err, EM_E_IO, "the request body could not be read");
            break;
        }
        rc = multipart_parser_feed(p, chunk, (size_t)got, err);
        off += (size_t)got;
    }
    free(chunk);
    if (rc == EM_OK)
        rc = multipart_parser_finish(p, n_parts, err);
    return rc;
}

int multipart_parse_body(const http_req *req, const mp_options *o, mp_part *parts, size_t *n_parts,
                         em_error *err)
{
    const char *ct = http_req_header(req, "Content-Type");
    if (req->body_fd >= 0)
        return multipart_parse_fd(ct, req->body_fd, req->body_len, o, req->arena, parts, n_parts, err);
    return multipart_parse(ct, req->body, req->body_len, req->arena, parts, o->max_parts, n_parts, err);
}
