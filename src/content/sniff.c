/* sniff: see sniff.h.
 *
 * libmagic names the type (MAGIC_MIME gives "type/subtype; charset=..."),
 * and our own checks decide what we accept: a PDF by its type, text only
 * when every byte is valid UTF-8 (libmagic's charset is a guess from a
 * prefix). The handle lives in a thread-local variable, mirrored in a
 * pthread key whose destructor closes it when the thread exits; it is the one
 * piece of mutable state here, and it is per thread. */
#include "content/sniff.h"

#include <assert.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "content/html.h"
#include "core/ascii.h"
#include "core/log.h"
#include "core/utf8.h"

/* How much libmagic looks at: enough for every format we tell apart, and
 * for its text heuristics. */
/* How much of a text is scanned for Markdown structure. */
#define MARKDOWN_SCAN (64u * 1024)
/* A PDF may have junk before its header; readers accept it this far in. */
#define PDF_HEADER_WINDOW 1024
#define MAGIC_FLAGS (MAGIC_MIME | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_TAR)

static pthread_once_t magic_once = PTHREAD_ONCE_INIT;
static pthread_key_t magic_key;
static __thread magic_t thread_magic;

static void magic_destroy(void *p)
{
    magic_close(p);
}

static void magic_key_init(void)
{
    pthread_key_create(&magic_key, magic_destroy);
}

/* This thread's handle, opened on first use; NULL when libmagic cannot load
 * its database. */
static magic_t thread_handle(void)
{
    if (thread_magic != NULL)
        return thread_magic;
    pthread_once(&magic_once, magic_key_init);
    magic_t m = magic_open(MAGIC_FLAGS);
    if (m == NULL)
        return NULL;
    if (magic_load(m, NULL) != 0) {
        log_msg(LOG_ERROR, "sniff: cannot load the magic database: %s", magic_error(m));
        magic_close(m);
        return NULL;
    }
    thread_magic = m;
    pthread_setspecific(magic_key, m);
    return m;
}

void sniff_thread_cleanup(void)
{
    if (thread_magic == NULL)
        return;
    pthread_setspecific(magic_key, NULL);
    magic_close(thread_magic);
    thread_magic = NULL;
}

const char *content_type_name(content_type t)
{
    switch (t) {
    case CONTENT_PDF: return "pdf";
    case CONTENT_TEXT: return "text";
    case CONTENT_MARKDOWN: return "markdown";
    case CONTENT_HTML: return "html";
    case CONTENT_UNSUPPORTED: break;
    }
    return "unsupported";
}

/* ---- checks of our own ---- */

/* No control bytes other than tab, line ends, vertical tab and form feed,
 * and the backspace and escape of text written for a terminal (a manual page
 * saved from man or nroff: bold and underline as overstrike, SGR escapes),
 * which the text reader strips (doctext.h). */
bool sniff_text_piece_8bit(const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != '\b' &&
            c != 0x1b)
            return false;
    }
    return true;
}

/* The same, and valid UTF-8 (after an optional BOM). */
bool sniff_text_piece(const void *data, size_t len)
{
    return sniff_text_piece_8bit(data, len) && utf8_validate(data, len, NULL);
}

/* The whole text, after a byte order mark if there is one. */
static bool is_utf8_text(const unsigned char *p, size_t len)
{
    size_t start = len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    return sniff_text_piece(p + start, len - start);
}

static bool has_pdf_header(const unsigned char *p, size_t len)
{
    size_t n = len < PDF_HEADER_WINDOW ? len : PDF_HEADER_WINDOW;
    return n >= 5 && memmem(p, n, "%PDF-", 5) != NULL;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && ascii_casecmp(s + n - k, suffix) == 0;
}

/* Score Markdown structure in the first MARKDOWN_SCAN bytes: an ATX heading,
 * a code fence or a setext underline is enough on its own; links, list
 * items and emphasis add up. */
static bool looks_markdown(const char *s, size_t len)
{
    if (len > MARKDOWN_SCAN)
        len = MARKDOWN_SCAN;
    const char *p = s, *end = s + len;
    int score = 0, lists = 0, links = 0, emphasis = 0;
    bool prev_text = false;
    while (p < end && score < 3) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        const char *q = p;
        while (q < eol && q - p < 3 && *q == ' ')
            q++;
        size_t n = (size_t)(eol - q);
        while (n > 0 && (q[n - 1] == '\r' || q[n - 1] == ' '))
            n--;
        size_t hashes = 0, equals = 0;
        while (equals < n && q[equals] == '=')
            equals++;
        while (hashes < n && q[hashes] == '#')
            hashes++;
        bool text = n > 0;
        if (hashes >= 1 && hashes <= 6 && hashes < n && q[hashes] == ' ') {
            score += 3;
        } else if (n >= 3 && (memcmp(q, "```", 3) == 0 || memcmp(q, "~~~", 3) == 0)) {
            score += 3;
        } else if (n >= 3 && prev_text && equals == n) {
            score += 3;
        } else if (n >= 2 && (q[0] == '-' || q[0] == '*' || q[0] == '+') && q[1] == ' ' && lists < 2) {
            lists++;
            score++;
        }
        for (const char *r = q; r + 1 < q + n && links < 2; r++) {
            if (r[0] == ']' && r[1] == '(') {
                links++;
                score++;
            }
        }
        if (emphasis < 1 && n >= 4 && memmem(q, n, "**", 2) != NULL) {
            emphasis++;
            score++;
        }
        prev_text = text && hashes == 0;
        p = eol < end ? eol + 1 : end;
    }
    return score >= 3;
}

static void copy_mime(char *mime, size_t mime_len, const char *s, size_t n)
{
    if (mime == NULL || mime_len == 0)
        return;
    if (n >= mime_len)
        n = mime_len - 1;
    memcpy(mime, s, n);
    mime[n] = '\0';
}

/* "; charset=..." of libmagic's answer found, after mime (cut to fit). */
static void append_charset(char *mime, size_t mime_len, const char *found)
{
    const char *cs = strstr(found, "charset=");
    if (mime == NULL || mime_len == 0 || cs == NULL)
        return;
    size_t at = strlen(mime);
    snprintf(mime + at, mime_len - at, "%s%s", at > 0 && mime[at - 1] == ' ' ? "" : "; ", cs);
}

int sniff_content(const void *data, size_t len, const char *filename_hint, content_type *type /* OUT */,
                  char *mime, size_t mime_len, em_error *err)
{
    assert(type != NULL);
    const unsigned char *p = data;
    *type = CONTENT_UNSUPPORTED;
    copy_mime(mime, mime_len, "", 0);
    if (data == NULL || len == 0)
        return em_error_set(err, EM_E_INVAL, "the file is empty");
    magic_t m = thread_handle();
    if (m == NULL)
        return em_error_set(err, EM_E_INTERNAL, "file type detection is not available");

    /* A prefix cut at a character boundary, so a UTF-8 text is not taken
     * for binary because of its last, split character. */
    size_t n = utf8_cut(data, len, SNIFF_PREFIX);
    const char *found = magic_buffer(m, p, n);
    if (found == NULL) {
        log_msg(LOG_WARN, "sniff: libmagic failed: %s", magic_error(m));
        found = "application/octet-stream";
    }
    size_t type_len = strcspn(found, ";");
    char mtype[128];
    copy_mime(mtype, sizeof mtype, found, type_len);

    if (strcmp(mtype, "application/pdf") == 0 || (p[0] == '%' && has_pdf_header(p, len)) ||
        (strcmp(mtype, "application/octet-stream") == 0 && has_pdf_header(p, len))) {
        *type = CONTENT_PDF;
        copy_mime(mime, mime_len, "application/pdf", 15);
        return EM_OK;
    }
    bool textual = strncmp(mtype, "text/", 5) == 0 || strcmp(mtype, "application/octet-stream") == 0;
    bool utf8 = textual && is_utf8_text(p, len);
    /* text in another encoding: only what libmagic itself calls text */
    bool eight_bit = !utf8 && strncmp(mtype, "text/", 5) == 0 && sniff_text_piece_8bit(p, len);
    if (!utf8 && !eight_bit) {
        if (strncmp(mtype, "text/", 5) == 0)
            copy_mime(mime, mime_len, found, strlen(found));
        else
            copy_mime(mime, mime_len, mtype, strlen(mtype));
        return EM_OK;
    }
    if (strcmp(mtype, "text/html") == 0 || html_looks_like((const char *)p, len) ||
        (filename_hint != NULL &&
         (ends_with_ci(filename_hint, ".html") || ends_with_ci(filename_hint, ".htm") ||
          ends_with_ci(filename_hint, ".xhtml")))) {
        *type = CONTENT_HTML;
        copy_mime(mime, mime_len, "text/html", 9);
        if (eight_bit) /* "text/html; charset=iso-8859-1": read as 8-bit */
            append_charset(mime, mime_len, found);
        return EM_OK;
    }
    bool md;
    if (filename_hint != NULL &&
        (ends_with_ci(filename_hint, ".md") || ends_with_ci(filename_hint, ".markdown")))
        md = true;
    else if (filename_hint != NULL &&
             (ends_with_ci(filename_hint, ".txt") || ends_with_ci(filename_hint, ".text")))
        md = false;
    else
        md = strcmp(mtype, "text/markdown") == 0 || looks_markdown((const char *)p, len);
    *type = md ? CONTENT_MARKDOWN : CONTENT_TEXT;
    if (md)
        copy_mime(mime, mime_len, "text/markdown", 13);
    else
        copy_mime(mime, mime_len, "text/plain", 10);
    if (eight_bit)
        append_charset(mime, mime_len, found);
    return EM_OK;
}
