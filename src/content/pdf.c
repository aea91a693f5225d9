/* pdf: see pdf.h.
 *
 * pdf_extract runs in three stages.
 *
 *   1. Open. The calling thread makes a MuPDF context (an allocator that
 *      stops at the memory budget, warnings and errors dropped), opens the
 *      document from a stream that hands MuPDF the file 64 KiB at a time and
 *      refuses to go on past the deadline, and checks the password, the page
 *      count and the metadata title.
 *   2. Pages. Worker threads, each with a context of its own and its own
 *      document (MuPDF documents are not thread-safe; the first worker takes
 *      the context and document of stage 1), take page numbers from a shared
 *      counter. The contexts are independent, not clones: MuPDF has no global
 *      state, so independent contexts need no locks, while clones share a
 *      store and take a global lock around every allocation and reference
 *      count change (a quarter of all CPU time went to that lock with two
 *      threads). Each context caches its own fonts; the allocator (an atomic
 *      byte count) is the one thing they share.
 *      A page is drawn into a structured-text page and copied out as lines:
 *      the text of each line in a per-page buffer, plus what the heading pass
 *      needs (font size, boldness, position, block). The calling thread waits
 *      for the workers until the deadline; at the deadline it sets every
 *      worker's cookie to abort, which MuPDF checks while drawing.
 *   3. Layout, single-threaded and without MuPDF: the body font size, the
 *      running headers and footers, the headings and their levels, then each
 *      page's final text with the heading offsets into it. Every pass sorts
 *      or walks the lines once (n log n), and checks the deadline.
 *
 * Memory. Every context allocates through one allocator that counts the
 * bytes of all of them (a header before each block holds its size) and
 * refuses what would pass the budget; MuPDF then frees what its cache holds
 * and tries again, or throws. MuPDF steps over most errors inside a page,
 * one drawing operator after another, so once it throws for want of memory
 * the page is stopped (the cookie) and fails, and a page failed for want of
 * memory fails the document: its text would depend on the budget. Each
 * context's cache gets an equal share of half the budget. The text kept
 * (each page's buffer and line records, trimmed) is charged to the same
 * count once the page is done and may take a quarter of the budget, so the
 * later steps, which copy it a few times, stay within the budget too. The
 * allocator also keeps each context's blocks in a list, and frees what is
 * left once the context is dropped: MuPDF 1.21 loses some (see
 * ctx_mem_reclaim), and a server extracts for months.
 *
 * Every MuPDF call that can throw runs inside a small function of its own
 * with one fz_try, so what needs dropping is always in sight. */
#include "content/pdf.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "content/apparatus.h"
#include "content/codeline.h"
#include "content/deadline.h"
#include "content/text.h"

/* MuPDF's cache of decoded objects, per thread of one extraction, at most;
 * a smaller budget gets a smaller cache (see the top). */
#define PDF_STORE_SIZE ((size_t)64 << 20)
/* Largest text of one page; more is cut (a page of 2 MB of text is not a
 * page a person wrote). */
#define PAGE_TEXT_MAX (2u << 20)
/* The share of the budget the text kept may take (text and line records of
 * all pages); a 2000-page textbook needs about 12 MB. */
#define RESULT_SHARE 4
/* Bytes of the file handed to MuPDF at a time (see chunked_next). */
#define READ_CHUNK ((size_t)64 << 10)
/* Heading rules (see pdf.h). */
#define HEADING_MAX_WORDS 14
#define HEADING_MAX_LINES 3
#define HEADING_MAX_BYTES 300
#define HEADING_SIZE_RATIO 1.15f
#define MAX_LEVEL 6
/* The share of the page height at the top and at the bottom where running
 * headers and footers are looked for, and how many pages must repeat one. */
#define MARGIN_BAND 0.12f
#define REPEAT_MIN_PAGES 3
/* ... or on both pages of a document of two. */
#define REPEAT_MIN_PAGES_SHORT 2
/* Lines of the same header at most this far apart (points) count as one. */
#define REPEAT_Y_TOLERANCE 3.0f
/* Longest MuPDF reason quoted in an error message. */
#define REASON_MAX 100

/* ---- per-page results ---- */

/* One line of a page, as the layout stage needs it. */
typedef struct pline {
    size_t off, len; /* the line's text in the page's raw buffer */
    float size;      /* the font size carrying most of its characters */
    float x0, x1;    /* left and right of the line's box */
    float y0, y1;    /* top and bottom of the line's box */
    int block;       /* index of its block on the page */
    int chars;       /* characters other than spaces */
    int indent;      /* spaces that led the line (kept for monospace lines) */
    bool bold;       /* most of its characters are bold */
    bool mono;       /* most of its characters are in a monospace font */
    bool furniture;  /* a running header or footer, or a page number */
    int heading;     /* index of its heading + 1, or 0 */
} pline;

typedef struct page_result {
    buf raw;      /* each line's text followed by '\n' */
    pline *lines; /* owned */
    size_t n_lines, cap;
    fz_rect box; /* the page's box */
    bool failed; /* the page could not be loaded or drawn completely */
    char *error; /* owned MuPDF reason when failed */
} page_result;

/* ---- MuPDF memory and locks ---- */

/* The allocator handed to MuPDF: malloc with a size header, refusing to go
 * past `max` bytes in total. Shared by all threads of one extraction; the
 * text kept is charged to it too (mem_take without an allocation). */
typedef struct mem_limit {
    atomic_size_t used;
    size_t max;
    atomic_bool hit; /* something was refused */
} mem_limit;

/* The header before each block MuPDF gets: its size, and its place in its
 * context's list of live blocks (see ctx_mem), rounded up to keep the block
 * aligned for anything. */
typedef struct mem_block {
    struct mem_block *prev, *next;
    size_t size;
} mem_block;

#define MEM_ALIGN alignof(max_align_t)
#define MEM_HEADER ((sizeof(mem_block) + MEM_ALIGN - 1) / MEM_ALIGN * MEM_ALIGN)

/* Count n more bytes, or refuse (and note it) when that would pass max. */
static bool mem_take(mem_limit *m, size_t n)
{
    if (n > m->max) {
        atomic_store(&m->hit, true);
        return false;
    }
    size_t used = atomic_fetch_add(&m->used, n) + n;
    if (used > m->max || used < n) {
        atomic_fetch_sub(&m->used, n);
        atomic_store(&m->hit, true);
        return false;
    }
    return true;
}

static void mem_give(mem_limit *m, size_t n)
{
    atomic_fetch_sub(&m->used, n);
}

/* What one context allocates through (the `user` of its allocator): the
 * shared budget; whether the context's latest allocation was refused (MuPDF
 * meets a refusal by emptying its cache and asking again; when it throws
 * instead while `refused` holds, it has given up for want of memory, see
 * on_error); and the blocks the context holds, in a list, so that what
 * MuPDF never frees is freed when the context is gone (ctx_mem_reclaim).
 * A context is used by one thread at a time, so none of it needs a lock. */
typedef struct ctx_mem {
    mem_limit *m; /* borrowed */
    bool refused;
    mem_block live; /* the list's head: a ring through every live block */
} ctx_mem;

/* In place: the list's head points at itself. */
static void ctx_mem_init(ctx_mem *c, mem_limit *m)
{
    c->m = m;
    c->refused = false;
    c->live.prev = c->live.next = &c->live;
    c->live.size = 0;
}

static void block_link(ctx_mem *c, mem_block *b)
{
    b->prev = &c->live;
    b->next = c->live.next;
    c->live.next->prev = b;
    c->live.next = b;
}

static void block_unlink(mem_block *b)
{
    b->prev->next = b->next;
    b->next->prev = b->prev;
}

/* Free the blocks a context still holds once fz_drop_context has run: what
 * MuPDF lost. MuPDF 1.21 loses a reference to every page it loads through
 * its page map (pdf_lookup_page_obj returns the object it loaded as if it
 * were borrowed), and some objects on its paths out of a refused
 * allocation; none of it may outlive the document in a server. */
static void ctx_mem_reclaim(ctx_mem *c)
{
    size_t n = 0, bytes = 0;
    while (c->live.next != &c->live) {
        mem_block *b = c->live.next;
        block_unlink(b);
        mem_give(c->m, b->size);
        bytes += b->size;
        n++;
        free(b);
    }
    if (n > 0)
        log_msg(LOG_DEBUG, "pdf: freed %zu blocks (%zu bytes) MuPDF left behind", n, bytes);
}

static void *mem_malloc(void *user, size_t size)
{
    ctx_mem *c = user;
    mem_limit *m = c->m;
    c->refused = size > SIZE_MAX - MEM_HEADER || !mem_take(m, size);
    if (c->refused)
        return NULL;
    mem_block *b = malloc(size + MEM_HEADER);
    if (b == NULL) {
        mem_give(m, size);
        c->refused = true;
        return NULL;
    }
    b->size = size;
    block_link(c, b);
    return (unsigned char *)b + MEM_HEADER;
}

static void mem_free(void *user, void *ptr)
{
    mem_limit *m = ((ctx_mem *)user)->m;
    if (ptr == NULL)
        return;
    mem_block *b = (mem_block *)((unsigned char *)ptr - MEM_HEADER);
    block_unlink(b);
    mem_give(m, b->size);
    free(b);
}

static void *mem_realloc(void *user, void *old, size_t size)
{
    ctx_mem *c = user;
    mem_limit *m = c->m;
    if (old == NULL)
        return mem_malloc(user, size);
    if (size == 0) {
        mem_free(user, old);
        return NULL;
    }
    mem_block *b = (mem_block *)((unsigned char *)old - MEM_HEADER);
    size_t old_size = b->size;
    c->refused = size > SIZE_MAX - MEM_HEADER || (size > old_size && !mem_take(m, size - old_size));
    if (c->refused)
        return NULL;
    mem_block *q = realloc(b, size + MEM_HEADER);
    if (q == NULL) {
        if (size > old_size)
            mem_give(m, size - old_size);
        c->refused = true;
        return NULL; /* the old block stands, in its place in the list */
    }
    if (size < old_size)
        mem_give(m, old_size - size);
    /* The block moved with its links: its neighbours learn where. */
    q->prev->next = q;
    q->next->prev = q;
    q->size = size;
    return (unsigned char *)q + MEM_HEADER;
}

/* MuPDF reports what it repairs and skips through these; a damaged file
 * says a lot, none of it for the user. */
static void drop_message(void *user, const char *message)
{
    (void)user;
    (void)message;
}

/* ---- the shared job and the workers ---- */

typedef struct job {
    const unsigned char *data; /* borrowed: the PDF */
    size_t len;
    int n_pages;
    page_result *pages;     /* owned, n_pages slots */
    const pdf_options *opt; /* borrowed */
    int64_t deadline_us;    /* clock_mono_us() when time is up */
    mem_limit *mem;         /* borrowed: the budget */
    atomic_int next;        /* the next page to take */
    atomic_int done;        /* pages finished */
    atomic_bool stop;       /* time is up or a worker failed: take no more pages */
    atomic_bool timed_out;
    atomic_size_t result_bytes; /* text and line records kept so far, charged to mem */
    size_t result_max;          /* the most they may take: a share of the budget */
    atomic_bool too_large;      /* result_bytes went past result_max, or the budget */
    pthread_mutex_t mu;         /* guards running and fatal */
    pthread_cond_t cv;          /* signalled when a worker ends */
    int running;                /* workers not yet ended */
    char *fatal;                /* owned: why a worker could not start */
} job;

typedef struct worker {
    job *j;              /* borrowed */
    fz_context *ctx;     /* owned; the first worker's is the context of stage 1 */
    pdf_document *doc;   /* owned; NULL until opened */
    fz_cookie cookie;    /* abort is set by the waiting thread at the deadline */
    unsigned char *seen; /* owned bit set of object numbers whose fonts were checked */
    int seen_len;        /* bits in seen */
    pdf_obj *last_res;   /* borrowed: the resources whose fonts were checked last */
    bool page_tree;      /* the document's page map is loaded (pdf_load_page_tree) */
    ctx_mem *mem;        /* what ctx allocates through: own_mem, or stage 1's */
    ctx_mem own_mem;
    bool out_of_memory; /* MuPDF gave up on something for want of memory */
    fz_font *last_font; /* the font whose boldness is in last_bold */
    bool last_bold;
    bool last_mono; /* and whether it is monospace */
    pthread_t tid;
    bool started;
} worker;

/* ---- reading the file ---- */

/* The file as MuPDF reads it: the bytes in memory, handed out READ_CHUNK at
 * a time so that MuPDF comes back here often, even while it decompresses a
 * stream, and refused (an error MuPDF reads as the end of the file) once
 * the deadline has passed or the job stopped. Without it a worker could
 * spend minutes inside one call of MuPDF's (a long run of white space in a
 * compressed content stream, a broken file being rebuilt) where the cookie
 * is never looked at. */
typedef struct chunked {
    const unsigned char *data; /* borrowed */
    size_t len;
    int64_t deadline_us;
    atomic_bool *stop; /* borrowed, may be NULL */
} chunked;

static int chunked_next(fz_context *ctx, fz_stream *stm, size_t max)
{
    (void)max;
    chunked *c = stm->state;
    if ((c->stop != NULL && atomic_load(c->stop)) || clock_mono_us() >= c->deadline_us)
        fz_throw(ctx, FZ_ERROR_ABORT, "extraction stopped");
    size_t off = (size_t)stm->pos;
    if (off >= c->len)
        return EOF;
    size_t n = c->len - off < READ_CHUNK ? c->len - off : READ_CHUNK;
    stm->rp = (unsigned char *)c->data + off; /* MuPDF only reads through rp */
    stm->wp = stm->rp + n;
    stm->pos += (int64_t)n;
    return *stm->rp++;
}

static void chunked_seek(fz_context *ctx, fz_stream *stm, int64_t offset, int whence)
{
    (void)ctx;
    chunked *c = stm->state;
    if (whence == SEEK_CUR)
        offset += stm->pos - (stm->wp - stm->rp);
    else if (whence == SEEK_END)
        offset += (int64_t)c->len;
    if (offset < 0)
        offset = 0;
    if ((uint64_t)offset > c->len)
        offset = (int64_t)c->len;
    stm->rp = stm->wp = (unsigned char *)c->data + offset;
    stm->pos = offset;
}

static void chunked_drop(fz_context *ctx, void *state)
{
    fz_free(ctx, state);
}

/* A stream over data[0..len) (see chunked). Throws. */
static fz_stream *open_chunked(fz_context *ctx, const unsigned char *data, size_t len, int64_t deadline_us,
                               atomic_bool *stop)
{
    chunked *c = fz_malloc_struct(ctx, chunked);
    *c = (chunked){.data = data, .len = len, .deadline_us = deadline_us, .stop = stop};
    fz_stream *stm = fz_new_stream(ctx, c, chunked_next, chunked_drop);
    stm->seek = chunked_seek;
    return stm;
}

/* A MuPDF reason, cut to REASON_MAX bytes and made valid UTF-8; owned. */
static char *short_reason(const char *msg)
{
    char out[REASON_MAX * 3 + 1];
    size_t n = msg == NULL ? 0 : strlen(msg);
    if (n > REASON_MAX)
        n = REASON_MAX;
    json_utf8_sanitize(out, sizeof out, msg == NULL ? "" : msg, n);
    return em_strdup(out[0] != '\0' ? out : "unknown error");
}

/* ---- ToUnicode repair ---- */

/* If the hex string at s[0] ('<', not "<<") holds 5 or 6 hex digits naming a
 * code point above the BMP, write its UTF-16 form to out ("<D83DDE00>") and
 * return the bytes consumed; else 0. */
static size_t fix_hex_string(const unsigned char *s, size_t n, char out[11])
{
    uint32_t v = 0;
    int digits = 0;
    size_t i = 1;
    for (; i < n && s[i] != '>'; i++) {
        int h = ascii_hex_value(s[i]);
        if (h < 0) {
            if (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
                continue;
            return 0;
        }
        if (++digits > 6)
            return 0;
        v = v * 16 + (uint32_t)h;
    }
    if (i == n || digits < 5 || v < 0x10000 || v > 0x10ffff)
        return 0;
    v -= 0x10000;
    snprintf(out, 11, "<%04X%04X>", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    return i + 1;
}

/* A ToUnicode CMap maps codes to UTF-16BE hex strings; some producers write
 * a character above the BMP as its bare code point ("<1F600>"), which MuPDF
 * reads as "<1F60>". Sets *out to the CMap with those strings rewritten as
 * surrogate pairs, or leaves it NULL when there are none. *out belongs to
 * the caller even when this throws. */
static void fixed_cmap(fz_context *ctx, const unsigned char *s, size_t n, fz_buffer **out /* OUT */)
{
    size_t copied = 0;
    char pair[11];
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '<')
            continue;
        if (i + 1 < n && s[i + 1] == '<') {
            i++;
            continue;
        }
        size_t k = fix_hex_string(s + i, n - i, pair);
        if (k == 0)
            continue;
        if (*out == NULL)
            *out = fz_new_buffer(ctx, n + 64);
        fz_append_data(ctx, *out, s + copied, i - copied);
        fz_append_string(ctx, *out, pair);
        copied = i + k;
        i += k - 1;
    }
    if (*out != NULL)
        fz_append_data(ctx, *out, s + copied, n - copied);
}

/* Note object number num as checked; false when it already was. */
static bool first_visit(worker *w, int num)
{
    if (num <= 0 || num >= w->seen_len)
        return num > 0;
    unsigned char bit = (unsigned char)(1u << (num & 7));
    if (w->seen[num >> 3] & bit)
        return false;
    w->seen[num >> 3] |= bit;
    return true;
}

/* Repair one font's ToUnicode stream in this worker's document (see
 * fixed_cmap). Throws on a broken object; the caller catches. */
static void repair_tounicode(worker *w, pdf_obj *font)
{
    fz_context *ctx = w->ctx;
    pdf_obj *tu = pdf_dict_get(ctx, font, PDF_NAME(ToUnicode));
    if (!pdf_is_stream(ctx, tu) || !first_visit(w, pdf_to_num(ctx, tu)))
        return;
    fz_buffer *in = NULL, *out = NULL;
    fz_var(in);
    fz_var(out);
    fz_try(ctx)
    {
        unsigned char *s;
        in = pdf_load_stream(ctx, tu);
        size_t n = fz_buffer_storage(ctx, in, &s);
        fixed_cmap(ctx, s, n, &out);
        if (out != NULL)
            pdf_update_stream(ctx, w->doc, tu, out, 0);
    }
    fz_always(ctx)
    {
        fz_drop_buffer(ctx, in);
        fz_drop_buffer(ctx, out);
    }
    fz_catch(ctx)
    {
        fz_rethrow(ctx);
    }
}

/* The fonts of a resource dictionary and of the forms it uses, two levels
 * deep. */
static void repair_resources(worker *w, pdf_obj *res, int depth)
{
    fz_context *ctx = w->ctx;
    pdf_obj *fonts = pdf_dict_get(ctx, res, PDF_NAME(Font));
    int n = pdf_dict_len(ctx, fonts);
    for (int i = 0; i < n; i++) {
        pdf_obj *font = pdf_dict_get_val(ctx, fonts, i);
        if (!pdf_is_indirect(ctx, font) || first_visit(w, pdf_to_num(ctx, font)))
            repair_tounicode(w, font);
    }
    if (depth >= 2)
        return;
    pdf_obj *xobjects = pdf_dict_get(ctx, res, PDF_NAME(XObject));
    n = pdf_dict_len(ctx, xobjects);
    for (int i = 0; i < n; i++) {
        pdf_obj *x = pdf_dict_get_val(ctx, xobjects, i);
        if (!pdf_is_indirect(ctx, x) || !first_visit(w, pdf_to_num(ctx, x)))
            continue;
        if (!pdf_name_eq(ctx, pdf_dict_get(ctx, x, PDF_NAME(Subtype)), PDF_NAME(Form)))
            continue;
        pdf_obj *r = pdf_dict_get(ctx, x, PDF_NAME(Resources));
        if (r != NULL && r != res)
            repair_resources(w, r, depth + 1);
    }
}

/* Repair the fonts a page uses before MuPDF loads them. A failure here is
 * not the page's: the page is drawn as MuPDF reads it. Resources shared by
 * many pages (one dictionary of a thousand fonts for every page) are gone
 * through once: an indirect dictionary is marked by its number, a direct
 * one (inherited from the page tree, where the pages sharing it come one
 * after another) by being the last one seen. */
static void repair_page_fonts(worker *w, pdf_page *page)
{
    fz_context *ctx = w->ctx;
    fz_try(ctx)
    {
        pdf_obj *res = pdf_page_resources(ctx, page);
        bool seen = pdf_is_indirect(ctx, res) ? !first_visit(w, pdf_to_num(ctx, res)) : res == w->last_res;
        w->last_res = res;
        if (!seen)
            repair_resources(w, res, 0);
    }
    fz_catch(ctx)
    {
        /* dropped: the fonts stay as they are */
    }
}

/* ---- copying a structured-text page out ---- */

/* Append code point c as UTF-8; the caller has made it valid. */
static void put_utf8(buf *b, int c)
{
    char s[UTF8_MAX_LEN];
    size_t n = utf8_encode((uint32_t)c, s);
    assert(n > 0);
    buf_append(b, s, n); /* past PAGE_TEXT_MAX the rest of the page is dropped */
}

/* The character to write for c: U+FFFD for what is not a Unicode scalar
 * value, ' ' for control characters, -1 for nothing (NUL, BOM). */
static int normalise_char(int c)
{
    if (c == 0 || c == 0xfeff)
        return -1;
    if (c < 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
        return 0xfffd;
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        return ' ';
    return c;
}

/* ---- accents drawn over their letter ---- */

/* A letter with its accent, for the accents TeX (plain and LaTeX's default
 * OT1 fonts, Texinfo) draws as a glyph of their own over the letter:
 * "r^ole", "M¨oller", "na¨ıve" were the text. */
typedef struct accent_map {
    int accent;         /* the spacing accent as MuPDF reads it */
    const char *bases;  /* the letters it goes over */
    const int *letters; /* the accented letters, one per base */
} accent_map;

static const int grave_letters[] = {0xc0, 0xc8, 0xcc, 0xd2, 0xd9, 0xe0, 0xe8, 0xec, 0xf2, 0xf9};
static const int acute_letters[] = {0xc1, 0xc9, 0xcd,  0xd3,  0xda,  0xdd,  0xe1,  0xe9,  0xed,  0xf3,
                                    0xfa, 0xfd, 0x106, 0x107, 0x143, 0x144, 0x15a, 0x15b, 0x179, 0x17a};
static const int circumflex_letters[] = {0xc2, 0xca, 0xce, 0xd4, 0xdb, 0xe2, 0xea, 0xee, 0xf4, 0xfb};
static const int tilde_letters[] = {0xc3, 0xd1, 0xd5, 0xe3, 0xf1, 0xf5};
static const int diaeresis_letters[] = {0xc4, 0xcb, 0xcf, 0xd6, 0xdc, 0xe4,
                                        0xeb, 0xef, 0xf6, 0xfc, 0xff, 0x178};
static const int ring_letters[] = {0xc5, 0xe5, 0x16e, 0x16f};
static const int cedilla_letters[] = {0xc7, 0xe7, 0x15e, 0x15f};
static const int caron_letters[] = {0x10c, 0x10d, 0x160, 0x161, 0x17d, 0x17e,
                                    0x158, 0x159, 0x11a, 0x11b, 0x147, 0x148};

static const accent_map accents[] = {
    {0x60, "AEIOUaeiou", grave_letters},
    {0xb4, "AEIOUYaeiouyCcNnSsZz", acute_letters},
    {0x2ca, "AEIOUYaeiouyCcNnSsZz", acute_letters},
    {0x5e, "AEIOUaeiou", circumflex_letters},
    {0x2c6, "AEIOUaeiou", circumflex_letters},
    {0x7e, "ANOano", tilde_letters},
    {0x2dc, "ANOano", tilde_letters},
    {0xa8, "AEIOUaeiouyY", diaeresis_letters},
    {0x2da, "AaUu", ring_letters},
    {0xb8, "CcSs", cedilla_letters},
    {0x2c7, "CcSsZzRrEeNn", caron_letters},
};

/* The accented letter of accent a over letter c (a dotless i, which TeX
 * puts under an accent, counts as i), or -1 when a is no accent or c no
 * letter it goes over. */
static int accented(int a, int c)
{
    if (c == 0x131)
        c = 'i';
    if (c <= 0 || c >= 0x80)
        return -1;
    for (size_t i = 0; i < sizeof accents / sizeof accents[0]; i++) {
        if (accents[i].accent != a)
            continue;
        const char *b = strchr(accents[i].bases, c);
        return b != NULL ? accents[i].letters[b - accents[i].bases] : -1;
    }
    return -1;
}

/* Whether two glyphs are drawn one over the other: their boxes share at
 * least half the width of the narrower. Glyphs side by side ("x^d" in
 * code, "~/" in a path) share nothing. */
static bool drawn_over(const fz_quad *a, const fz_quad *b)
{
    float a0 = fminf(a->ul.x, a->ll.x), a1 = fmaxf(a->ur.x, a->lr.x);
    float b0 = fminf(b->ul.x, b->ll.x), b1 = fmaxf(b->ur.x, b->lr.x);
    float shared = fminf(a1, b1) - fmaxf(a0, b0);
    float narrower = fminf(a1 - a0, b1 - b0);
    return narrower > 0 && shared >= narrower / 2;
}

/* The letter that ch and the character after it make when one is an accent
 * drawn over the other (TeX draws the accent first, a cedilla after its
 * letter), or -1. */
static int accent_pair(const fz_stext_char *ch)
{
    const fz_stext_char *next = ch->next;
    if (next == NULL || !drawn_over(&ch->quad, &next->quad))
        return -1;
    int c = accented(ch->c, next->c);
    return c >= 0 ? c : accented(next->c, ch->c);
}

/* Whether a character lies entirely outside the page (hidden text). */
static bool off_page(const fz_quad *q, const fz_rect *box)
{
    float x0 = fminf(fminf(q->ul.x, q->ur.x), fminf(q->ll.x, q->lr.x));
    float x1 = fmaxf(fmaxf(q->ul.x, q->ur.x), fmaxf(q->ll.x, q->lr.x));
    float y0 = fminf(fminf(q->ul.y, q->ur.y), fminf(q->ll.y, q->lr.y));
    float y1 = fmaxf(fmaxf(q->ul.y, q->ur.y), fmaxf(q->ll.y, q->lr.y));
    return x1 < box->x0 || x0 > box->x1 || y1 < box->y0 || y0 > box->y1;
}

/* Note the boldness and the fixed width of a font in w->last_*. A font is
 * monospace when its flags say so or its name does (Mono, Courier, Code,
 * Consolas, Menlo): producers often embed subsets without the flag. */
static void font_look(worker *w, fz_font *font)
{
    if (font == w->last_font)
        return;
    bool bold = false, mono = false;
    if (font != NULL) {
        const char *name = fz_font_name(w->ctx, font);
        bold = fz_font_is_bold(w->ctx, font) ||
               (name != NULL && (strcasestr(name, "bold") != NULL || strcasestr(name, "black") != NULL ||
                                 strcasestr(name, "heavy") != NULL || strcasestr(name, "semibold") != NULL ||
                                 strcasestr(name, "demi") != NULL));
        mono = fz_font_is_monospaced(w->ctx, font) ||
               (name != NULL && (strcasestr(name, "mono") != NULL || strcasestr(name, "courier") != NULL ||
                                 strcasestr(name, "code") != NULL || strcasestr(name, "consolas") != NULL ||
                                 strcasestr(name, "menlo") != NULL));
    }
    w->last_font = font;
    w->last_bold = bold;
    w->last_mono = mono;
}

/* Font sizes within one line, to find the one carrying most characters. */
#define LINE_SIZES 4
typedef struct size_tally {
    int bucket[LINE_SIZES]; /* size in half points */
    int count[LINE_SIZES];
    int n;
} size_tally;

static void tally_add(size_tally *t, float size)
{
    int b = (int)lroundf(size * 2);
    for (int i = 0; i < t->n; i++) {
        if (t->bucket[i] == b) {
            t->count[i]++;
            return;
        }
    }
    if (t->n < LINE_SIZES) {
        t->bucket[t->n] = b;
        t->count[t->n++] = 1;
    } else {
        t->count[LINE_SIZES - 1]++;
    }
}

static float tally_size(const size_tally *t)
{
    int best = 0;
    for (int i = 1; i < t->n; i++)
        if (t->count[i] > t->count[best])
            best = i;
    return t->n == 0 ? 0 : (float)t->bucket[best] / 2;
}

static void add_line(page_result *pr, const pline *l)
{
    if (pr->n_lines == pr->cap) {
        pr->cap = pr->cap == 0 ? 64 : pr->cap * 2;
        pr->lines = em_realloc(pr->lines, pr->cap * sizeof pr->lines[0]);
    }
    pr->lines[pr->n_lines++] = *l;
}

/* ---- reading order ---- */

/* A block of a page, as reading_order sees it: its box and its lines in
 * the page's line array. */
typedef struct oblock {
    float x0, x1, y0, y1;
    size_t first, n; /* its lines: pr->lines[first .. first + n) */
    int side;        /* with a gutter: -1 left column, 1 right column, 0 across */
} oblock;

static int oblock_by_y(const void *a, const void *b)
{
    const oblock *x = a, *y = b;
    if (x->y0 != y->y0)
        return x->y0 < y->y0 ? -1 : 1;
    if (x->x0 != y->x0)
        return x->x0 < y->x0 ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

static int float_cmp(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The gutter between two columns of the page's body, as [*g0, *g1], or
 * false. Blocks narrower than COLUMN_MAX_SHARE of the page are the column
 * candidates; the widest gap between them (their x extents merged) whose
 * middle lies in the middle COLUMN_MIDDLE of the page, at least GUTTER_MIN
 * wide, is the gutter when each side holds COLUMN_MIN_LINES lines or more
 * and the two sides share some height (a column beside a column, not an
 * indented note below a paragraph). */
#define COLUMN_MAX_SHARE 0.55f
#define COLUMN_MIDDLE 0.4f
#define GUTTER_MIN 8.0f
#define COLUMN_MIN_LINES 3
static bool find_gutter(const page_result *pr, oblock *bl, size_t n, float *g0 /* OUT */, float *g1 /* OUT */)
{
    float w = pr->box.x1 - pr->box.x0;
    if (w <= 0 || n < 2)
        return false;
    /* Ends of the narrow blocks, as (x0, x1) pairs sorted by x0. */
    float *iv = em_malloc(n * 2 * sizeof *iv);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (bl[i].x1 - bl[i].x0 < w * COLUMN_MAX_SHARE) {
            iv[2 * k] = bl[i].x0;
            iv[2 * k + 1] = bl[i].x1;
            k++;
        }
    }
    qsort(iv, k, 2 * sizeof *iv, float_cmp); /* by x0: the pair's first float */
    float lo = pr->box.x0 + w * (0.5f - COLUMN_MIDDLE / 2), hi = pr->box.x0 + w * (0.5f + COLUMN_MIDDLE / 2);
    float best = 0, b0 = 0, b1 = 0;
    float reach = k > 0 ? iv[1] : 0;
    for (size_t i = 1; i < k; i++) {
        float gap = iv[2 * i] - reach, mid = (iv[2 * i] + reach) / 2;
        if (gap > best && mid >= lo && mid <= hi) {
            best = gap;
            b0 = reach;
            b1 = iv[2 * i];
        }
        if (iv[2 * i + 1] > reach)
            reach = iv[2 * i + 1];
    }
    free(iv);
    if (best < GUTTER_MIN)
        return false;
    size_t left = 0, right = 0;
    float ly0 = INFINITY, ly1 = -INFINITY, ry0 = INFINITY, ry1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (bl[i].x1 <= b0) {
            left += bl[i].n;
            ly0 = fminf(ly0, bl[i].y0);
            ly1 = fmaxf(ly1, bl[i].y1);
        } else if (bl[i].x0 >= b1) {
            right += bl[i].n;
            ry0 = fminf(ry0, bl[i].y0);
            ry1 = fmaxf(ry1, bl[i].y1);
        }
    }
    if (left < COLUMN_MIN_LINES || right < COLUMN_MIN_LINES || fminf(ly1, ry1) <= fmaxf(ly0, ry0))
        return false;
    *g0 = b0;
    *g1 = b1;
    return true;
}

/* Put the page's blocks in reading order: a PDF draws its text in any order
 * (a browser draws a shaded code box after the text around it, a running
 * header last). Blocks go top to bottom (left to right at one height); on
 * a page of two columns (find_gutter), the blocks between two blocks that
 * run across the gutter (a title, a wide figure's caption, the running
 * header) are read as the left column, then the right. Lines keep their
 * order within a block. n log n in the blocks; the lines are moved once. */
static void reading_order(page_result *pr)
{
    if (pr->n_lines < 2)
        return;
    size_t n = 0;
    for (size_t i = 0; i < pr->n_lines; i++)
        n += i == 0 || pr->lines[i].block != pr->lines[i - 1].block;
    if (n < 2)
        return;
    oblock *bl = em_malloc(n * sizeof *bl);
    size_t k = 0;
    for (size_t i = 0; i < pr->n_lines; i++) {
        pline *l = &pr->lines[i];
        /* A broken font matrix can leave a box of NaNs; sorting needs numbers. */
        if (!isfinite(l->x0) || !isfinite(l->x1) || !isfinite(l->y0) || !isfinite(l->y1))
            l->x0 = l->x1 = l->y0 = l->y1 = 0;
        if (i == 0 || l->block != pr->lines[i - 1].block) {
            bl[k++] = (oblock){.x0 = l->x0, .x1 = l->x1, .y0 = l->y0, .y1 = l->y1, .first = i, .n = 0};
        }
        oblock *b = &bl[k - 1];
        b->n++;
        b->x0 = fminf(b->x0, l->x0);
        b->x1 = fmaxf(b->x1, l->x1);
        b->y0 = fminf(b->y0, l->y0);
        b->y1 = fmaxf(b->y1, l->y1);
    }
    qsort(bl, n, sizeof *bl, oblock_by_y);
    float g0, g1;
    oblock *order = bl;
    oblock *sorted = NULL;
    if (find_gutter(pr, bl, n, &g0, &g1)) {
        /* Between blocks across the gutter: the left column, then the right. */
        sorted = em_malloc(n * sizeof *sorted);
        float mid = (g0 + g1) / 2;
        for (size_t i = 0; i < n; i++)
            bl[i].side = bl[i].x1 <= mid ? -1 : bl[i].x0 >= mid ? 1 : 0;
        size_t out = 0;
        for (size_t a = 0; a < n;) {
            if (bl[a].side == 0) {
                sorted[out++] = bl[a++];
                continue;
            }
            size_t b = a;
            while (b < n && bl[b].side != 0)
                b++;
            for (size_t i = a; i < b; i++)
                if (bl[i].side < 0)
                    sorted[out++] = bl[i];
            for (size_t i = a; i < b; i++)
                if (bl[i].side > 0)
                    sorted[out++] = bl[i];
            a = b;
        }
        order = sorted;
    }
    pline *lines = em_malloc(pr->cap * sizeof *lines);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(&lines[at], &pr->lines[order[i].first], order[i].n * sizeof *lines);
        at += order[i].n;
    }
    assert(at == pr->n_lines);
    free(pr->lines);
    pr->lines = lines;
    free(sorted);
    free(bl);
}

/* Copy the text lines of a structured-text page into pr. Calls no MuPDF
 * function that throws. */
static void collect(worker *w, fz_stext_page *st, page_result *pr)
{
    int block_no = 0;
    /* A font freed after the last page may have left its address to another. */
    w->last_font = NULL;
    for (fz_stext_block *b = st->first_block; b != NULL; b = b->next, block_no++) {
        if (b->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        for (fz_stext_line *ln = b->u.t.first_line; ln != NULL; ln = ln->next) {
            size_t start = pr->raw.len;
            size_t tally_bold = 0, tally_mono = 0;
            size_tally sizes = {.n = 0};
            pline l = {.off = start,
                       .block = block_no,
                       .x0 = ln->bbox.x0,
                       .x1 = ln->bbox.x1,
                       .y0 = ln->bbox.y0,
                       .y1 = ln->bbox.y1};
            bool space = true; /* no space at the start of a line, nor two in a row */
            for (fz_stext_char *ch = ln->first_char; ch != NULL; ch = ch->next) {
                int c = normalise_char(ch->c);
                if (c < 0 || off_page(&ch->quad, &pr->box))
                    continue;
                int pair = accent_pair(ch);
                if (pair >= 0) {
                    c = pair;
                    ch = ch->next; /* the pair is one letter */
                }
                if (c == ' ' || c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200a)) {
                    if (!space)
                        buf_append(&pr->raw, " ", 1);
                    else if (l.chars == 0 && l.indent < 64)
                        l.indent++; /* kept apart: code keeps its indentation */
                    space = true;
                    continue;
                }
                space = false;
                put_utf8(&pr->raw, c);
                l.chars++;
                tally_add(&sizes, ch->size);
                font_look(w, ch->font);
                tally_bold += w->last_bold;
                tally_mono += w->last_mono;
            }
            while (pr->raw.len > start && pr->raw.data[pr->raw.len - 1] == ' ')
                pr->raw.len--;
            if (pr->raw.len == start || buf_append(&pr->raw, "\n", 1) != EM_OK) {
                pr->raw.len = start;
                if (pr->raw.data != NULL)
                    pr->raw.data[start] = '\0';
                continue;
            }
            l.len = pr->raw.len - 1 - start;
            l.size = tally_size(&sizes);
            l.bold = l.chars > 0 && tally_bold * 2 > (size_t)l.chars;
            l.mono = l.chars > 0 && tally_mono * 2 > (size_t)l.chars;
            add_line(pr, &l);
        }
    }
    reading_order(pr);
}

/* ---- one page ---- */

/* Load page i and make its structured-text page and device; 0, or -1 with
 * the reason in pr. */
static int page_open(worker *w, int i, page_result *pr, pdf_page **page /* OUT */,
                     fz_stext_page **st /* OUT */, fz_device **dev /* OUT */)
{
    fz_context *ctx = w->ctx;
    pdf_page *pg = NULL;
    fz_stext_page *sp = NULL;
    fz_device *dv = NULL;
    int rc = 0;
    fz_var(pg);
    fz_var(sp);
    fz_var(dv);
    fz_var(rc);
    fz_try(ctx)
    {
        pg = pdf_load_page(ctx, w->doc, i);
        fz_rect box = fz_bound_page(ctx, &pg->super);
        pr->box = box;
        sp = fz_new_stext_page(ctx, box);
        /* Characters off the page are dropped in collect(): MuPDF's
         * FZ_STEXT_MEDIABOX_CLIP bounds every glyph, a seventh of the time.
         * Hyphens are joined in assemble(): FZ_STEXT_DEHYPHENATE in MuPDF
         * 1.21 leaks a font reference for every hyphen it removes. */
        fz_stext_options opts = {.flags = 0};
        dv = fz_new_stext_device(ctx, sp, &opts);
    }
    fz_catch(ctx)
    {
        fz_drop_stext_page(ctx, sp);
        fz_drop_page(ctx, pg != NULL ? &pg->super : NULL);
        pg = NULL;
        sp = NULL;
        rc = -1;
        if (fz_caught(ctx) != FZ_ERROR_ABORT) {
            pr->failed = true;
            pr->error = short_reason(fz_caught_message(ctx));
        }
    }
    *page = pg;
    *st = sp;
    *dev = dv;
    return rc;
}

/* Draw the page into the device. A failure part way keeps what was drawn. */
static void page_run(worker *w, pdf_page *page, fz_device *dev, page_result *pr)
{
    fz_context *ctx = w->ctx;
    fz_try(ctx)
    {
        fz_run_page(ctx, &page->super, dev, fz_identity, &w->cookie);
    }
    fz_catch(ctx)
    {
        if (fz_caught(ctx) != FZ_ERROR_ABORT && !atomic_load(&w->j->stop)) {
            pr->failed = true;
            pr->error = short_reason(fz_caught_message(ctx));
        }
    }
    fz_try(ctx)
    {
        fz_close_device(ctx, dev);
    }
    fz_catch(ctx)
    {
        /* the text drawn so far is still in the page */
    }
}

/* A worker's MuPDF errors. Most are the file's and dropped (the page keeps
 * what was drawn), but MuPDF also meets an allocation it was refused with
 * an error it reports and steps over, operator after operator, and a page
 * of a million glyphs would go on failing a million times: once MuPDF
 * throws for want of memory, the page and the document stop (the cookie's
 * abort ends the page at the next operator; stop ends the document). */
static void on_error(void *user, const char *message)
{
    (void)message;
    worker *w = user;
    if (!w->mem->refused)
        return;
    w->out_of_memory = true;
    __atomic_store_n(&w->cookie.abort, 1, __ATOMIC_RELAXED);
    atomic_store(&w->j->stop, true);
}

static void extract_page(worker *w, int i)
{
    fz_context *ctx = w->ctx;
    page_result *pr = &w->j->pages[i];
    pdf_page *page;
    fz_stext_page *st;
    fz_device *dev;
    if (page_open(w, i, pr, &page, &st, &dev) != 0)
        return;
    repair_page_fonts(w, page);
    page_run(w, page, dev, pr);
    if (w->out_of_memory && !pr->failed) {
        pr->failed = true;
        pr->error = short_reason("out of memory");
    }
    collect(w, st, pr);
    fz_drop_device(ctx, dev);
    fz_drop_stext_page(ctx, st);
    fz_drop_page(ctx, &page->super);
}

/* Give back what the page's buffers hold beyond their content: a page of
 * one line would otherwise keep room for 64 lines and 64 bytes of text. */
static void page_trim(page_result *pr)
{
    if (pr->n_lines < pr->cap) {
        if (pr->n_lines == 0) {
            free(pr->lines);
            pr->lines = NULL;
        } else {
            pr->lines = em_realloc(pr->lines, pr->n_lines * sizeof pr->lines[0]);
        }
        pr->cap = pr->n_lines;
    }
    if (pr->raw.data != NULL && pr->raw.cap > pr->raw.len + 1) {
        pr->raw.data = em_realloc(pr->raw.data, pr->raw.len + 1);
        pr->raw.cap = pr->raw.len + 1;
    }
}

/* Open this worker's copy of the document; 0 or -1 with job->fatal set. */
static int worker_open(worker *w)
{
    fz_context *ctx = w->ctx;
    fz_stream *stm = NULL;
    pdf_document *doc = NULL;
    int rc = 0;
    fz_var(stm);
    fz_var(doc);
    fz_var(rc);
    fz_try(ctx)
    {
        stm = open_chunked(ctx, w->j->data, w->j->len, w->j->deadline_us, &w->j->stop);
        doc = pdf_open_document_with_stream(ctx, stm);
    }
    fz_always(ctx)
    {
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        pthread_mutex_lock(&w->j->mu);
        if (w->j->fatal == NULL)
            w->j->fatal = short_reason(fz_caught_message(ctx));
        pthread_mutex_unlock(&w->j->mu);
        rc = -1;
    }
    w->doc = doc;
    return rc;
}

/* The bit set of checked objects, sized to the document's objects. */
static void worker_seen_init(worker *w)
{
    int n = 0;
    fz_var(n);
    fz_try(w->ctx)
    {
        n = pdf_xref_len(w->ctx, w->doc);
    }
    fz_catch(w->ctx)
    {
        n = 0;
    }
    w->seen_len = n > 0 ? n : 0;
    w->seen = em_calloc((size_t)w->seen_len / 8 + 1, 1);
}

/* Load the document's page map. Without it MuPDF finds page i by walking
 * the page tree from the root, counting pages as it goes: a flat tree of
 * 20,000 pages costs 200 million steps over the document. Without the map
 * (a broken tree) pages are looked up the slow way. */
static void worker_page_tree(worker *w)
{
    fz_try(w->ctx)
    {
        pdf_load_page_tree(w->ctx, w->doc);
        w->page_tree = true;
    }
    fz_catch(w->ctx)
    {
        w->page_tree = false;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    job *j = w->j;
    if (w->doc != NULL || worker_open(w) == 0) {
        worker_seen_init(w);
        worker_page_tree(w);
        while (!atomic_load(&j->stop)) {
            if (clock_mono_us() >= j->deadline_us) {
                atomic_store(&j->timed_out, true);
                atomic_store(&j->stop, true);
                break;
            }
            int i = atomic_fetch_add(&j->next, 1);
            if (i >= j->n_pages)
                break;
            extract_page(w, i);
            /* What the page keeps, trimmed to size, joins the budget. */
            page_result *pr = &j->pages[i];
            page_trim(pr);
            size_t kept = pr->raw.cap + pr->cap * sizeof pr->lines[0];
            if (atomic_fetch_add(&j->result_bytes, kept) + kept > j->result_max || !mem_take(j->mem, kept)) {
                atomic_store(&j->too_large, true);
                atomic_store(&j->stop, true);
            }
            if (atomic_load(&j->stop))
                break;
            int done = atomic_fetch_add(&j->done, 1) + 1;
            if (j->opt->progress != NULL)
                j->opt->progress(j->opt->progress_ctx, done, j->n_pages);
        }
    } else {
        atomic_store(&j->stop, true);
    }
    if (w->page_tree)
        pdf_drop_page_tree(w->ctx, w->doc);
    pdf_drop_document(w->ctx, w->doc);
    w->doc = NULL;
    pthread_mutex_lock(&j->mu);
    j->running--;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* ---- layout: body size, running headers, headings ---- */

/* A line's text, borrowed from its page. */
static const char *line_text(const page_result *pr, const pline *l)
{
    return pr->raw.data + l->off;
}

/* Roman numerals as page numbers: i..xxxix in one case. */
static bool is_roman(const char *p, const char *end)
{
    if (p == end || end - p > 7)
        return false;
    bool lower = *p >= 'a';
    for (const char *q = p; q < end; q++) {
        char c = (char)ascii_tolower(*q);
        if (c != 'i' && c != 'v' && c != 'x')
            return false;
        if ((*q >= 'a') != lower)
            return false;
    }
    return true;
}

/* "7", "- 7 -", "— 7 —", "Page 7", "page 7 of 9", "7 / 9", "p. 7", "vii". */
static bool is_page_number(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '-' || *p == '[' || *p == '(' || *p == '|'))
        p++;
    if (end - p >= 3 && memcmp(p, "\xe2\x80\x94", 3) == 0)
        p += 3;
    while (p < end && *p == ' ')
        p++;
    while (end > p &&
           (end[-1] == ' ' || end[-1] == '-' || end[-1] == ']' || end[-1] == ')' || end[-1] == '|'))
        end--;
    if (end - p >= 3 && memcmp(end - 3, "\xe2\x80\x94", 3) == 0)
        end -= 3;
    while (end > p && end[-1] == ' ')
        end--;
    if (text_starts_with_ci(p, end, "page "))
        p += 5;
    else if (text_starts_with_ci(p, end, "p. "))
        p += 3;
    while (p < end && *p == ' ')
        p++;
    const char *q = p;
    while (q < end && text_is_digit(*q))
        q++;
    if (q == p) {
        const char *r = p;
        while (r < end && text_is_alpha(*r))
            r++;
        return r == end && is_roman(p, end);
    }
    if (q - p > 4)
        return false;
    while (q < end && *q == ' ')
        q++;
    if (q == end)
        return true;
    if (text_starts_with_ci(q, end, "of "))
        q += 3;
    else if (*q == '/')
        q++;
    else
        return false;
    while (q < end && *q == ' ')
        q++;
    const char *d = q;
    while (q < end && text_is_digit(*q))
        q++;
    return q > d && q - d <= 4 && q == end;
}

static bool in_margin(const page_result *pr, const pline *l)
{
    float band = (pr->box.y1 - pr->box.y0) * MARGIN_BAND;
    return l->y1 <= pr->box.y0 + band || l->y0 >= pr->box.y1 - band;
}

/* A line in a margin band, keyed for finding repeats: its text and its
 * look (size and boldness), so that a chapter's title set as its heading at
 * the top of its first page never joins the running header that repeats
 * the title, smaller or plainer, on the pages after it. */
typedef struct repeat_key {
    char *text;      /* owned: digit runs as '#', for "page 3" = "page 4" */
    const char *raw; /* borrowed: the line's own text */
    float y;
    int page;
    int bucket; /* size in half points */
    bool bold;
    pline *line; /* borrowed */
} repeat_key;

static int repeat_cmp(const void *a, const void *b)
{
    const repeat_key *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    if (c != 0)
        return c;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    if (x->bold != y->bold)
        return x->bold ? 1 : -1;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return x->page - y->page;
}

/* Whether b continues the run of repeats that starts at a: the same text,
 * set alike, within the tolerance of the run's first height. */
static bool same_repeat(const repeat_key *a, const repeat_key *b)
{
    return strcmp(a->text, b->text) == 0 && a->bucket == b->bucket && a->bold == b->bold &&
           b->y - a->y <= REPEAT_Y_TOLERANCE;
}

static char *digits_folded(const char *p, size_t n)
{
    char *s = em_malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (text_is_digit(p[i])) {
            if (k == 0 || s[k - 1] != '#')
                s[k++] = '#';
        } else {
            s[k++] = p[i];
        }
    }
    s[k] = '\0';
    return s;
}

/* Where running headers or footers were found: a height, a size (in half
 * points, as line sizes are kept), and on how many pages. */
typedef struct furniture_slot {
    float y;
    int bucket;
    int pages;
} furniture_slot;

/* The slots, first as found, then (slots_merge) sorted by size and height
 * with the ones of one size within REPEAT_Y_TOLERANCE of a slot's first
 * height merged into it: slots of one size then lie more than the
 * tolerance apart, and a line finds the few it may belong to by binary
 * search. */
typedef struct slot_list {
    furniture_slot *items;
    size_t n, cap;
} slot_list;

/* Whether keys[a..b) come from at least min_pages (at most
 * REPEAT_MIN_PAGES) distinct pages. */
static bool on_enough_pages(const repeat_key *keys, size_t a, size_t b, int min_pages)
{
    int seen[REPEAT_MIN_PAGES - 1];
    int n = 0;
    assert(min_pages >= 2 && min_pages <= REPEAT_MIN_PAGES);
    for (size_t k = a; k < b; k++) {
        bool known = false;
        for (int i = 0; i < n; i++)
            known |= seen[i] == keys[k].page;
        if (known)
            continue;
        if (n == min_pages - 1)
            return true;
        seen[n++] = keys[k].page;
    }
    return false;
}

/* Whether the first number of each line in keys[a..b) is its page number
 * plus one constant: a number that counts pages. */
static bool number_tracks_page(const repeat_key *keys, size_t a, size_t b)
{
    long offset = 0;
    for (size_t k = a; k < b; k++) {
        const char *t = keys[k].raw;
        size_t len = keys[k].line->len, i = 0;
        while (i < len && !text_is_digit(t[i]))
            i++;
        long v = 0;
        size_t digits = 0;
        for (; i < len && text_is_digit(t[i]) && digits < 6; i++, digits++)
            v = v * 10 + (t[i] - '0');
        if (digits == 0)
            return false;
        if (k == a)
            offset = v - keys[k].page;
        else if (v - keys[k].page != offset)
            return false;
    }
    return true;
}

/* A line that starts like a numbered question, section or option ("3.",
 * "3)", "3 Title", "Question 3", "Q3", "B. True", "(b)"): content even when
 * it repeats on every page. */
static bool starts_like_content(const char *t, size_t len)
{
    const char *end = t + len;
    if (text_starts_with_ci(t, end, "question") ||
        (len >= 2 && (t[0] == 'Q' || t[0] == 'q') && text_is_digit(t[1])))
        return true;
    char c = (char)ascii_tolower(t[0]);
    if (len >= 2 && c >= 'a' && c <= 'h' && (t[1] == '.' || t[1] == ')') && (len == 2 || t[2] == ' '))
        return true;
    if (len >= 3 && t[0] == '(' && t[2] == ')')
        return true;
    const char *q = t;
    while (q < end && text_is_digit(*q))
        q++;
    if (q == t || q == end)
        return false;
    if (*q == '.' || *q == ')')
        return true;
    return *q == ' ' && q + 1 < end && (text_is_alpha(q[1]) || (unsigned char)q[1] >= 0xc0);
}

/* Letters in a line (ASCII, and the lead bytes of other characters). */
static size_t count_letters(const char *t, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text_is_alpha(t[i]) || (unsigned char)t[i] >= 0xc0;
    return n;
}

/* Runs of digits in a line ("12/6/26, 10:50 PM" has five). */
static size_t count_digit_runs(const char *t, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text_is_digit(t[i]) && (i == 0 || !text_is_digit(t[i - 1]));
    return n;
}

/* Whether a run of repeated margin lines (keys[a..b), on enough pages) is
 * furniture. It has words, or is a date or time (two runs of digits or
 * more: a browser prints "12/6/26, 10:50 PM" above every page), so that
 * ">>>" or "}" repeating in code is not a header; does not start like a
 * numbered question, section or option, and is the same text every time,
 * or text whose numbers change while it is set smaller than the body or
 * with a number that counts pages. */
static bool repeat_is_furniture(const repeat_key *keys, size_t a, size_t b, float body)
{
    const pline *l = keys[a].line;
    bool wordy = count_letters(keys[a].raw, l->len) >= 3 || count_digit_runs(keys[a].raw, l->len) >= 2;
    if (!wordy || l->mono || starts_like_content(keys[a].raw, l->len))
        return false;
    bool identical = true;
    for (size_t k = a + 1; k < b && identical; k++)
        identical = keys[k].line->len == l->len && memcmp(keys[k].raw, keys[a].raw, l->len) == 0;
    return identical || l->size < body * 0.95f || number_tracks_page(keys, a, b);
}

/* The distinct pages of keys[a..b). marks is a zeroed bit set of all
 * pages, left zeroed. */
static int distinct_pages(const repeat_key *keys, size_t a, size_t b, unsigned char *marks)
{
    int n = 0;
    for (size_t k = a; k < b; k++) {
        unsigned char bit = (unsigned char)(1u << (keys[k].page & 7));
        n += (marks[keys[k].page >> 3] & bit) == 0;
        marks[keys[k].page >> 3] |= bit;
    }
    for (size_t k = a; k < b; k++)
        marks[keys[k].page >> 3] = 0;
    return n;
}

static int size_bucket(float size)
{
    return (int)lroundf(size * 2);
}

/* Note pages of furniture at (y, size); slots_merge adds them up. */
static void add_slot(slot_list *slots, float y, float size, int pages)
{
    if (slots->n == slots->cap) {
        slots->cap = slots->cap == 0 ? 8 : slots->cap * 2;
        slots->items = em_realloc(slots->items, slots->cap * sizeof slots->items[0]);
    }
    slots->items[slots->n++] = (furniture_slot){.y = y, .bucket = size_bucket(size), .pages = pages};
}

static int slot_cmp(const void *a, const void *b)
{
    const furniture_slot *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return (x->y > y->y) - (x->y < y->y);
}

/* Sort the slots and merge those of one size whose heights lie within the
 * tolerance of the first of them. */
static void slots_merge(slot_list *slots)
{
    if (slots->n == 0)
        return;
    qsort(slots->items, slots->n, sizeof slots->items[0], slot_cmp);
    size_t k = 0;
    for (size_t i = 1; i < slots->n; i++) {
        furniture_slot *head = &slots->items[k];
        const furniture_slot *fs = &slots->items[i];
        if (fs->bucket == head->bucket && fs->y - head->y <= REPEAT_Y_TOLERANCE)
            head->pages += fs->pages;
        else
            slots->items[++k] = *fs;
    }
    slots->n = k + 1;
}

/* Whether a merged slot of the line's size within the tolerance of its
 * height holds furniture on at least a quarter of the pages, and on
 * min_pages at least. */
static bool in_busy_slot(const slot_list *slots, const pline *l, int n_pages, int min_pages)
{
    furniture_slot key = {.y = l->y0 - REPEAT_Y_TOLERANCE, .bucket = size_bucket(l->size)};
    size_t lo = 0, hi = slots->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (slot_cmp(&slots->items[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Merged slots of one size are more than the tolerance apart: at most
     * three lie within it on either side. */
    for (size_t s = lo; s < slots->n && slots->items[s].bucket == key.bucket; s++) {
        const furniture_slot *fs = &slots->items[s];
        if (fs->y > l->y0 + REPEAT_Y_TOLERANCE)
            break;
        if (fs->pages * 4 >= n_pages && fs->pages >= min_pages && fabsf(l->y0 - fs->y) <= REPEAT_Y_TOLERANCE)
            return true;
    }
    return false;
}

/* Whether line i shares its row with a short line beside it (a table
 * cell: "3" then "B" in an answer key laid out as a table), which a page
 * number does not: its neighbours on the row are a running title or an
 * address, longer than a cell. Lines of a row are next to each other in
 * reading order, so only the lines before and after are looked at. */
static bool has_cell_beside(const page_result *pr, size_t i)
{
    const pline *l = &pr->lines[i];
    for (size_t k = i > 0 ? i - 1 : i + 1; k <= i + 1 && k < pr->n_lines; k += k < i ? 2 : 1) {
        const pline *o = &pr->lines[k];
        bool same_row = o->y0 < l->y1 && l->y0 < o->y1;
        bool apart = o->x1 <= l->x0 || l->x1 <= o->x0;
        if (same_row && apart && o->chars > 0 && o->len <= 12)
            return true;
    }
    return false;
}

/* Runs of repeats, keys[a..b), on too few pages to be furniture alone. */
typedef struct short_run {
    size_t a, b;
} short_run;

/* Mark page numbers and repeated lines in the margin bands as furniture,
 * and note where the repeated ones sit in slots (merged). Sorting the
 * margin lines by text brings the repeats together: n log n.
 *
 * A running header that names the current chapter ("Chapter 2: ASN.1
 * structure handling" above the second and third pages of a chapter,
 * "Chapter 3: Utilities" above the next two) repeats on too few pages to
 * be caught alone. A line set alike on two pages at the same height is
 * furniture too when that place (size and height) holds furniture and
 * such pairs on at least a quarter of the pages, and on REPEAT_MIN_PAGES:
 * it is where the document sets its running header. EM_OK or
 * EM_E_TIMEOUT. */
static int mark_furniture(job *j, float body, slot_list *slots, deadline *dl)
{
    int rc = EM_OK;
    size_t n = 0, cap = 0;
    repeat_key *keys = NULL;
    unsigned char *marks = NULL;
    short_run *shorts = NULL;
    size_t n_shorts = 0;
    slot_list places = {0}; /* the slots and the short runs' places together */
    for (int p = 0; p < j->n_pages; p++) {
        page_result *pr = &j->pages[p];
        for (size_t i = 0; i < pr->n_lines; i++) {
            if (deadline_check(dl)) {
                rc = EM_E_TIMEOUT;
                goto done;
            }
            pline *l = &pr->lines[i];
            if (!in_margin(pr, l))
                continue;
            const char *t = line_text(pr, l);
            if (is_page_number(t, t + l->len) && !has_cell_beside(pr, i)) {
                l->furniture = true;
                continue;
            }
            if (n == cap) {
                cap = cap == 0 ? 64 : cap * 2;
                keys = em_realloc(keys, cap * sizeof keys[0]);
            }
            keys[n++] = (repeat_key){.text = digits_folded(t, l->len),
                                     .raw = t,
                                     .y = l->y0,
                                     .page = p,
                                     .bucket = size_bucket(l->size),
                                     .bold = l->bold,
                                     .line = l};
        }
    }
    if (n > 0)
        qsort(keys, n, sizeof keys[0], repeat_cmp);
    marks = em_calloc((size_t)j->n_pages / 8 + 1, 1);
    int min_pages = j->n_pages == 2 ? REPEAT_MIN_PAGES_SHORT : REPEAT_MIN_PAGES;
    /* Runs of the same text whose heights stay within the tolerance of the
     * run's first line; a run over enough distinct pages may be furniture.
     * Each key is looked at a bounded number of times. */
    for (size_t a = 0; a < n;) {
        if (deadline_check(dl)) {
            rc = EM_E_TIMEOUT;
            goto done;
        }
        size_t b = a + 1;
        while (b < n && same_repeat(&keys[a], &keys[b]))
            b++;
        if (on_enough_pages(keys, a, b, min_pages) && repeat_is_furniture(keys, a, b, body)) {
            for (size_t k = a; k < b; k++)
                keys[k].line->furniture = true;
            int pages = distinct_pages(keys, a, b, marks);
            add_slot(slots, keys[a].y, keys[a].line->size, pages);
            add_slot(&places, keys[a].y, keys[a].line->size, pages);
        } else if (min_pages > REPEAT_MIN_PAGES_SHORT &&
                   on_enough_pages(keys, a, b, REPEAT_MIN_PAGES_SHORT) &&
                   repeat_is_furniture(keys, a, b, body)) {
            if (n_shorts % 64 == 0)
                shorts = em_realloc(shorts, (n_shorts + 64) * sizeof shorts[0]);
            shorts[n_shorts++] = (short_run){a, b};
            add_slot(&places, keys[a].y, keys[a].line->size, distinct_pages(keys, a, b, marks));
        }
        a = b;
    }
    slots_merge(&places);
    for (size_t r = 0; r < n_shorts; r++) {
        const repeat_key *first = &keys[shorts[r].a];
        if (!in_busy_slot(&places, first->line, j->n_pages, REPEAT_MIN_PAGES))
            continue;
        for (size_t k = shorts[r].a; k < shorts[r].b; k++)
            keys[k].line->furniture = true;
        add_slot(slots, first->y, first->line->size, distinct_pages(keys, shorts[r].a, shorts[r].b, marks));
    }
    slots_merge(slots);
done:
    for (size_t k = 0; k < n; k++)
        free(keys[k].text);
    free(keys);
    free(marks);
    free(shorts);
    free(places.items);
    return rc;
}

/* A running header that changes with the chapter ("Guide - Chapter 1" on
 * two pages, "Guide - Chapter 2" on the next two) repeats too few times to
 * be caught above. A margin line set smaller than the body, at the height
 * and size where furniture was found on at least a quarter of the pages, is
 * furniture too; content is not set there in the body's size or larger. */
static int mark_slot_furniture(job *j, const slot_list *slots, float body, deadline *dl)
{
    for (int p = 0; p < j->n_pages && slots->n > 0; p++) {
        page_result *pr = &j->pages[p];
        for (size_t i = 0; i < pr->n_lines; i++) {
            if (deadline_check(dl))
                return EM_E_TIMEOUT;
            pline *l = &pr->lines[i];
            if (l->furniture || l->size >= body * 0.95f || !in_margin(pr, l) ||
                starts_like_content(line_text(pr, l), l->len))
                continue;
            l->furniture = in_busy_slot(slots, l, j->n_pages, 0);
        }
    }
    return EM_OK;
}

/* Font size buckets (half points) and the characters set in each. */
typedef struct size_count {
    int bucket;
    size_t chars;
} size_count;

static int size_count_cmp(const void *a, const void *b)
{
    const size_count *x = a, *y = b;
    return (x->bucket > y->bucket) - (x->bucket < y->bucket);
}

/* The body size: the size carrying the most characters (the smaller on a
 * tie). Lines marked as furniture do not count. A document may set every
 * line in a size of its own, so the sizes are sorted, not looked up. */
static float body_size(const job *j)
{
    size_t lines = 0;
    for (int p = 0; p < j->n_pages; p++)
        lines += j->pages[p].n_lines;
    size_count *sc = em_malloc((lines + 1) * sizeof sc[0]);
    size_t n = 0;
    for (int p = 0; p < j->n_pages; p++) {
        const page_result *pr = &j->pages[p];
        for (size_t i = 0; i < pr->n_lines; i++)
            if (!pr->lines[i].furniture)
                sc[n++] = (size_count){.bucket = size_bucket(pr->lines[i].size),
                                       .chars = (size_t)pr->lines[i].chars};
    }
    qsort(sc, n, sizeof sc[0], size_count_cmp);
    int best = 0;
    size_t best_chars = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a, chars = 0;
        for (; b < n && sc[b].bucket == sc[a].bucket; b++)
            chars += sc[b].chars;
        if (a == 0 || chars > best_chars) { /* ascending: a tie keeps the smaller */
            best = sc[a].bucket;
            best_chars = chars;
        }
        a = b;
    }
    free(sc);
    return n == 0 ? 0 : (float)best / 2;
}

/* The depth of a section number at the start of a line ("2" 1, "2.3" 2,
 * "Chapter 3" 1), or 0. The number is followed by a blank and text that
 * does not start with a digit ("2 3 4" is a row of numbers). */
static int section_depth(const char *p, const char *end)
{
    if (text_starts_with_ci(p, end, "chapter ")) {
        const char *q = p + 8;
        return q < end && (text_is_digit(*q) || text_is_alpha(*q)) ? 1 : 0;
    }
    int depth = 0;
    const char *q = text_section_number(p, end, 3, &depth);
    if (q == NULL || q == end || *q != ' ')
        return 0;
    q++;
    return q < end && *q != ' ' && !text_is_digit(*q) ? depth : 0;
}

/* The depth of a section number that is a whole line ("1.1.3" 3, "A.1" 2,
 * "Chapter 4" 1), which bare_number_beside has checked. */
static int section_depth_bare(const char *p, const char *end)
{
    if (text_starts_with_ci(p, end, "chapter ") || text_starts_with_ci(p, end, "appendix "))
        return 1;
    int depth = 0;
    if (p + 1 < end && text_is_alpha(*p) && p[1] == '.')
        return text_section_number(p + 2, end, 3, &depth) != NULL ? depth + 1 : 1;
    return text_section_number(p, end, 3, &depth) != NULL ? depth : 1;
}

static size_t count_words(const char *p, const char *end)
{
    size_t n = 0;
    for (const char *q = p; q < end; q++)
        if (*q != ' ' && (q == p || q[-1] == ' '))
            n++;
    return n;
}

static bool has_letter(const char *p, const char *end)
{
    for (; p < end; p++)
        if (text_is_alpha(*p) || (unsigned char)*p >= 0xc0)
            return true;
    return false;
}

/* Whether a line starts with a list's bullet and a space: "• ", "– ",
 * "◦ ", "▪ ", "‣ ", "- ", "* " (an item set bold is no heading). */
static bool starts_with_bullet(const char *p, const char *end)
{
    static const char *const bullets[] = {"\u2022 ", "\u2013 ", "\u25e6 ", "\u25aa ", "\u2023 ", "- ", "* "};
    for (size_t i = 0; i < sizeof bullets / sizeof bullets[0]; i++) {
        size_t n = strlen(bullets[i]);
        if ((size_t)(end - p) > n && memcmp(p, bullets[i], n) == 0)
            return true;
    }
    return false;
}

/* Whether the words of a line allow it to be a heading. */
static bool heading_words(const char *p, size_t len)
{
    const char *end = p + len;
    if (len == 0 || len > HEADING_MAX_BYTES || end[-1] == '.' || end[-1] == ',' || starts_with_bullet(p, end))
        return false;
    return count_words(p, end) <= HEADING_MAX_WORDS && has_letter(p, end) && !is_page_number(p, end) &&
           !codeline_is_code(p, len) && !codeline_is_label(p, len) && !apparatus_is_toc_entry(p, len);
}

/* Whether line i is a bare section number ("1.1.3", "A.1", "Chapter 4")
 * with the next line of its block beside it on the same baseline: DocBook's
 * and LaTeX's numbered headings set a wide gap after the number, and MuPDF
 * makes the number and the title two lines. Such a number passes the
 * heading rules as part of its title ("1.1.3 The root account"). */
/* Whether line i + 1 sits beside line i, on the same baseline to its right. */
static bool next_beside(const page_result *pr, size_t i)
{
    const pline *l = &pr->lines[i];
    if (i + 1 >= pr->n_lines || pr->lines[i + 1].block != l->block)
        return false;
    const pline *n = &pr->lines[i + 1];
    float h = l->y1 - l->y0;
    return n->x0 >= l->x1 && fabsf(n->y1 - l->y1) <= h * 0.2f;
}

/* Whether line i shares its row with another line apart from it on the
 * left or right, within ROW_NEIGHBOURS lines of it in reading order: a cell
 * of a table's header row ("syntax" | "description", each cell a block of
 * its own, a cell that wraps putting its other lines between them). A
 * heading has its row to itself. Bounded: a fixed number of lines looked at. */
#define ROW_NEIGHBOURS 6

static bool in_table_row(const page_result *pr, size_t i)
{
    const pline *l = &pr->lines[i];
    float h = l->y1 - l->y0;
    size_t from = i > ROW_NEIGHBOURS ? i - ROW_NEIGHBOURS : 0;
    for (size_t k = from; k < pr->n_lines && k <= i + ROW_NEIGHBOURS; k++) {
        const pline *o = &pr->lines[k];
        if (k == i || o->furniture || o->chars == 0)
            continue;
        float overlap = fminf(o->y1, l->y1) - fmaxf(o->y0, l->y0);
        bool apart = o->x1 <= l->x0 || l->x1 <= o->x0;
        if (apart && overlap >= h * 0.5f)
            return true;
    }
    return false;
}

static bool bare_number_beside(const page_result *pr, size_t i)
{
    const pline *l = &pr->lines[i];
    if (!next_beside(pr, i))
        return false;
    const char *t = line_text(pr, l), *end = t + l->len;
    if (text_starts_with_ci(t, end, "chapter ") || text_starts_with_ci(t, end, "appendix ")) {
        const char *q = text_skip_blanks(t + (*t == 'c' || *t == 'C' ? 8 : 9), end);
        while (q < end && (text_is_digit(*q) || text_is_alpha(*q)))
            q++;
        return q == end;
    }
    const char *q = t;
    if (q + 1 < end && text_is_alpha(*q) && q[1] == '.') /* an appendix's "A.1" */
        q += 2;
    int depth = 0;
    q = text_section_number(q, end, 3, &depth);
    return q == end;
}

/* A heading found by the layout pass: a run of 1..3 lines of one block. */
typedef struct found_heading {
    int page;     /* 0-based */
    size_t first; /* its first line on the page */
    size_t n_lines;
    int bucket; /* size in half points */
    int depth;  /* section number depth, 0 when unnumbered */
    int level;
} found_heading;

typedef struct heading_list {
    found_heading *items;
    size_t n, cap;
} heading_list;

/* Find the headings of one page (rules in pdf.h). Lines of one block with
 * the same size and boldness form a run; a run is a heading when all its
 * lines pass the rules and it has at most HEADING_MAX_LINES lines. EM_OK,
 * EM_E_TIMEOUT, or EM_E_TOO_LARGE past DOC_MAX_HEADINGS. */
static int find_headings(page_result *pr, int page, float body, heading_list *hl, deadline *dl)
{
    size_t i = 0;
    while (i < pr->n_lines) {
        if (deadline_check(dl))
            return EM_E_TIMEOUT;
        pline *l = &pr->lines[i];
        size_t k = i + 1;
        while (k < pr->n_lines && pr->lines[k].block == l->block && pr->lines[k].size == l->size &&
               pr->lines[k].bold == l->bold && !pr->lines[k].furniture)
            k++;
        size_t run = k - i;
        bool whole_block = (i == 0 || pr->lines[i - 1].block != l->block) &&
                           (k == pr->n_lines || pr->lines[k].block != l->block);
        bool ok = !l->furniture && run <= HEADING_MAX_LINES && l->size >= body * 0.95f;
        bool number_first = run > 1 && bare_number_beside(pr, i);
        for (size_t m = i; ok && m < k; m++)
            ok = !pr->lines[m].mono &&
                 ((m == i && number_first) || heading_words(line_text(pr, &pr->lines[m]), pr->lines[m].len));
        /* a heading that wraps has its lines one under the other; lines side
         * by side are the cells of a table's header row ("key" | "key
         * binding"), but for a section's number beside its title */
        for (size_t m = number_first ? i + 1 : i; ok && m + 1 < k; m++)
            ok = !next_beside(pr, m);
        int depth = 0;
        if (ok) {
            const char *t = line_text(pr, l);
            depth = number_first ? section_depth_bare(t, t + l->len) : section_depth(t, t + l->len);
            bool large = l->size >= body * HEADING_SIZE_RATIO;
            bool bold_alone = l->bold && whole_block;
            for (size_t m = i; bold_alone && m < k; m++)
                bold_alone = !in_table_row(pr, m);
            bool numbered = depth > 0 && (l->bold || l->size >= body * 1.05f);
            ok = large || bold_alone || numbered;
        }
        if (ok) {
            if (hl->n == DOC_MAX_HEADINGS)
                return EM_E_TOO_LARGE;
            if (hl->n == hl->cap) {
                hl->cap = hl->cap == 0 ? 32 : hl->cap * 2;
                hl->items = em_realloc(hl->items, hl->cap * sizeof hl->items[0]);
            }
            hl->items[hl->n++] = (found_heading){.page = page,
                                                 .first = i,
                                                 .n_lines = run,
                                                 .bucket = (int)lroundf(l->size * 2),
                                                 .depth = depth};
            for (size_t m = i; m < k; m++)
                pr->lines[m].heading = (int)hl->n;
        }
        i = k;
    }
    return EM_OK;
}

/* qsort has no context argument: headings are sorted as pointers. */
static int heading_bucket_desc(const void *a, const void *b)
{
    const found_heading *x = *(found_heading *const *)a, *y = *(found_heading *const *)b;
    return (x->bucket < y->bucket) - (x->bucket > y->bucket);
}

/* Levels: distinct sizes from the largest (level 1). Within one size, a
 * numbered heading deeper than the shallowest numbered one there goes down
 * by the difference ("6.1.3" among chapters numbered "6" at the chapter
 * size is two levels below them). The headings are sorted by size once and
 * each size's run is gone through twice. */
static void assign_levels(heading_list *hl)
{
    if (hl->n == 0)
        return;
    found_heading **by_size = em_malloc(hl->n * sizeof *by_size);
    for (size_t i = 0; i < hl->n; i++)
        by_size[i] = &hl->items[i];
    qsort(by_size, hl->n, sizeof *by_size, heading_bucket_desc);
    int rank = 0;
    for (size_t a = 0; a < hl->n;) {
        size_t b = a;
        int min_depth = 0;
        for (; b < hl->n && by_size[b]->bucket == by_size[a]->bucket; b++)
            if (by_size[b]->depth > 0 && (min_depth == 0 || by_size[b]->depth < min_depth))
                min_depth = by_size[b]->depth;
        rank++;
        for (size_t h = a; h < b; h++) {
            found_heading *fh = by_size[h];
            int level = rank + (fh->depth > 0 ? fh->depth - min_depth : 0);
            fh->level = level > MAX_LEVEL ? MAX_LEVEL : level;
        }
        a = b;
    }
    free(by_size);
}

/* ---- the result ---- */

/* A title from the metadata or a heading: trimmed, at most HEADING_MAX_BYTES,
 * valid UTF-8; NULL when empty. */
static char *clean_title(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n == 0)
        return NULL;
    char out[HEADING_MAX_BYTES + 1];
    json_utf8_sanitize(out, sizeof out, s, n);
    for (char *c = out; *c != '\0'; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    return em_strdup(out);
}

/* The length of a hyphen ending [p, p + n) after a letter ("-", U+2010,
 * U+00AD), or 0. */
static size_t end_hyphen(const char *p, size_t n)
{
    size_t k = 0;
    if (n >= 1 && p[n - 1] == '-')
        k = 1;
    else if (n >= 3 && memcmp(p + n - 3, "\xe2\x80\x90", 3) == 0)
        k = 3;
    else if (n >= 2 && memcmp(p + n - 2, "\xc2\xad", 2) == 0)
        k = 2;
    if (k == 0 || n == k)
        return 0;
    char c = p[n - k - 1];
    return text_is_alpha(c) || (unsigned char)c >= 0x80 ? k : 0;
}

/* A lowercase letter: ASCII, or Latin-1 à..ÿ. */
static bool starts_lower(const char *p, size_t n)
{
    if (n >= 1 && p[0] >= 'a' && p[0] <= 'z')
        return true;
    return n >= 2 && (unsigned char)p[0] == 0xc3 && (unsigned char)p[1] >= 0x9f &&
           (unsigned char)p[1] <= 0xbf && (unsigned char)p[1] != 0xb7;
}

/* Whether line i ends in a hyphen that joins it to the next line of its
 * block ("exam-" + "ple" = "example"): the next line starts with a
 * lowercase letter and neither is a heading. Returns the hyphen's length. */
static size_t joins_next(const page_result *pr, size_t i)
{
    const pline *l = &pr->lines[i];
    if (l->mono)
        return 0; /* code: "a -" then "b" is an expression */
    size_t j = i + 1;
    while (j < pr->n_lines && pr->lines[j].furniture)
        j++;
    if (j == pr->n_lines || pr->lines[j].block != l->block || l->heading != 0 || pr->lines[j].heading != 0)
        return 0;
    if (!starts_lower(line_text(pr, &pr->lines[j]), pr->lines[j].len))
        return 0;
    return end_hyphen(line_text(pr, l), l->len);
}

/* The right edge of the page's text: the furthest right any line of prose
 * (not furniture, not monospace) ends. Justified lines end there. */
static float text_right_edge(const page_result *pr)
{
    float edge = 0;
    for (size_t i = 0; i < pr->n_lines; i++) {
        const pline *l = &pr->lines[i];
        if (!l->furniture && !l->mono && l->x1 > edge)
            edge = l->x1;
    }
    return edge;
}

/* Whether the text stops where a sentence wraps: its last character other
 * than a space is a letter (any non-ASCII byte counts) or a comma. Not a
 * full stop or a colon, nor a digit: a contents entry ends in its page
 * number. */
static bool ends_mid_sentence(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] == ' ')
        n--;
    if (n == 0)
        return false;
    unsigned char c = (unsigned char)p[n - 1];
    return c == ',' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether line i, the first of its block, goes on with the sentence of
 * line `prev`, the last of the block before: PassiveTeX sets the last
 * words of a justified line apart ("... output files. Also forces") and
 * MuPDF makes them a block, so the sentence would be cut by a blank line.
 * It goes on when `prev` is prose that reaches the right edge and stops
 * mid-sentence (a letter or a comma), and line i, in the same size, starts right under it
 * (less than half a line between them) and to its left. A paragraph that
 * ends at the margin with its full stop, a short line (a term over its
 * definition) and a block after a gap stay apart. */
static bool continues_block(const page_result *pr, const pline *prev, const pline *l, float right_edge)
{
    if (prev->heading != 0 || l->heading != 0 || prev->mono)
        return false;
    if (fabsf(prev->size - l->size) > 0.5f || prev->x1 < right_edge - prev->size)
        return false;
    float height = prev->y1 - prev->y0;
    if (l->y0 < prev->y0 + height / 2 || l->y0 - prev->y1 > prev->size / 2 || l->x0 >= prev->x1)
        return false;
    return ends_mid_sentence(line_text(pr, prev), prev->len);
}

/* Build the doc_text from the pages: final text without furniture, blocks
 * separated by a blank line, lines by a line break unless a hyphen joins
 * them, headings with offsets into it. joins_next looks past the furniture
 * after a line, which the loop then skips: each line is read a bounded
 * number of times. EM_OK or EM_E_TIMEOUT (out is then for doc_text_cleanup). */
static int assemble(job *j, const heading_list *hl, doc_text *out, deadline *dl)
{
    out->pages = em_calloc((size_t)j->n_pages, sizeof out->pages[0]);
    out->n_pages = (size_t)j->n_pages;
    out->headings = hl->n > 0 ? em_calloc(hl->n, sizeof out->headings[0]) : NULL;
    out->n_headings = 0;
    for (int p = 0; p < j->n_pages; p++) {
        page_result *pr = &j->pages[p];
        buf text;
        size_t indents = 0; /* the spaces of monospace lines, given back */
        for (size_t i = 0; i < pr->n_lines; i++)
            indents += pr->lines[i].mono ? (size_t)pr->lines[i].indent : 0;
        buf_init(&text, pr->raw.len + pr->n_lines + indents + 1);
        int block = -1;
        const pline *prev = NULL; /* the last line written */
        float right_edge = text_right_edge(pr);
        bool joined = false; /* the previous line's hyphen was dropped */
        for (size_t i = 0; i < pr->n_lines; i++) {
            if (deadline_check(dl)) {
                buf_cleanup(&text);
                return EM_E_TIMEOUT;
            }
            pline *l = &pr->lines[i];
            if (l->furniture)
                continue;
            if (text.len > 0 && !joined) {
                bool para = l->block != block && !(prev && continues_block(pr, prev, l, right_edge));
                buf_append(&text, para ? "\n\n" : "\n", para ? 2 : 1);
            }
            block = l->block;
            prev = l;
            if (l->mono && l->indent > 0 && !joined)
                buf_append(&text, "                                                                ",
                           (size_t)l->indent);
            size_t off = text.len;
            size_t hyphen = joins_next(pr, i);
            joined = hyphen > 0;
            buf_append(&text, line_text(pr, l), l->len - hyphen);
            if (l->heading == 0 || (i > 0 && pr->lines[i - 1].heading == l->heading))
                continue;
            const found_heading *fh = &hl->items[l->heading - 1];
            buf title;
            buf_init(&title, HEADING_MAX_BYTES * (HEADING_MAX_LINES + 1));
            for (size_t m = fh->first; m < fh->first + fh->n_lines; m++) {
                const char *lt = line_text(pr, &pr->lines[m]);
                if (title.len > 0 &&
                    !(end_hyphen(title.data, title.len) > 0 && starts_lower(lt, pr->lines[m].len)))
                    buf_append(&title, " ", 1); /* a heading's "branch-" / "prediction": one word */
                buf_append(&title, lt, pr->lines[m].len);
            }
            out->headings[out->n_headings++] = (chunk_heading){.page = p + 1,
                                                               .offset = off,
                                                               .level = fh->level,
                                                               .title = clean_title(title.data, title.len)};
            buf_cleanup(&title);
        }
        size_t len = text.len;
        out->pages[p] = (chunk_page){.number = p + 1, .text = buf_steal(&text), .len = len};
    }
    out->page_count = j->n_pages;
    return EM_OK;
}

/* ---- opening ---- */

static int open_document(fz_context *ctx, const void *data, size_t len, int64_t deadline_us,
                         pdf_document **doc /* OUT */, char **reason /* OUT */)
{
    fz_stream *stm = NULL;
    pdf_document *d = NULL;
    int rc = 0;
    fz_var(stm);
    fz_var(d);
    fz_var(rc);
    fz_try(ctx)
    {
        stm = open_chunked(ctx, data, len, deadline_us, NULL);
        d = pdf_open_document_with_stream(ctx, stm);
    }
    fz_always(ctx)
    {
        fz_drop_stream(ctx, stm);
    }
    fz_catch(ctx)
    {
        *reason = short_reason(fz_caught_message(ctx));
        rc = -1;
    }
    *doc = d;
    return rc;
}

static int count_pages(fz_context *ctx, pdf_document *doc, int *n /* OUT */, char **reason /* OUT */)
{
    int rc = 0;
    fz_var(rc);
    fz_try(ctx)
    {
        *n = pdf_count_pages(ctx, doc);
    }
    fz_catch(ctx)
    {
        *reason = short_reason(fz_caught_message(ctx));
        rc = -1;
    }
    return rc;
}

/* The metadata title, or NULL when absent or a producer's placeholder. */
static char *metadata_title(fz_context *ctx, pdf_document *doc)
{
    char value[HEADING_MAX_BYTES + 1];
    int n = -1;
    fz_var(n);
    fz_try(ctx)
    {
        n = fz_lookup_metadata(ctx, &doc->super, FZ_META_INFO_TITLE, value, (int)sizeof value);
    }
    fz_catch(ctx)
    {
        n = -1;
    }
    if (n <= 0)
        return NULL;
    value[sizeof value - 1] = '\0';
    char *t = clean_title(value, strlen(value));
    if (t != NULL && (ascii_casecmp(t, "untitled") == 0 || ascii_casecmp(t, "untitled document") == 0)) {
        free(t);
        t = NULL;
    }
    return t;
}

/* The threads asked for: opt->threads, or the online CPUs, 1..16. */
static int pick_threads(const pdf_options *opt)
{
    long n = opt->threads;
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > PDF_MAX_THREADS)
        n = PDF_MAX_THREADS;
    return (int)n;
}

static void deadline_timespec(int64_t deadline_us, struct timespec *ts)
{
    /* clock_mono_us counts CLOCK_MONOTONIC, the condition variable's clock. */
    ts->tv_sec = (time_t)(deadline_us / 1000000);
    ts->tv_nsec = (long)(deadline_us % 1000000) * 1000;
}

/* Start the workers and wait for them, aborting them at the deadline and
 * calling the tick callback between. workers[0].doc is the document opened
 * already. */
static void run_workers(job *j, worker *workers, int n)
{
    struct timespec ts;
    int64_t tick_us =
        j->opt->tick == NULL ? 0 : (int64_t)(j->opt->tick_ms > 0 ? j->opt->tick_ms : 500) * 1000;
    int64_t next_tick = tick_us > 0 ? clock_mono_us() + tick_us : INT64_MAX;
    pthread_mutex_lock(&j->mu);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]) != 0) {
            log_msg(LOG_WARN, "pdf: cannot start an extraction thread");
            continue;
        }
        workers[i].started = true;
        j->running++;
    }
    bool aborted = false;
    while (j->running > 0) {
        if (aborted) {
            pthread_cond_wait(&j->cv, &j->mu);
            continue;
        }
        deadline_timespec(next_tick < j->deadline_us ? next_tick : j->deadline_us, &ts);
        if (pthread_cond_timedwait(&j->cv, &j->mu, &ts) != ETIMEDOUT)
            continue;
        int64_t now = clock_mono_us();
        if (now < j->deadline_us) {
            if (now >= next_tick) {
                pthread_mutex_unlock(&j->mu); /* the workers go on while the callee works */
                j->opt->tick(j->opt->tick_ctx, atomic_load(&j->done), j->n_pages);
                pthread_mutex_lock(&j->mu);
                next_tick = clock_mono_us() + tick_us;
            }
        } else {
            aborted = true;
            atomic_store(&j->timed_out, true);
            atomic_store(&j->stop, true);
            for (int i = 0; i < n; i++)
                __atomic_store_n(&workers[i].cookie.abort, 1, __ATOMIC_RELAXED);
        }
    }
    pthread_mutex_unlock(&j->mu);
    for (int i = 0; i < n; i++)
        if (workers[i].started)
            pthread_join(workers[i].tid, NULL);
}

/* Drop the workers' documents and contexts (the first worker's context is
 * the one of stage 1) and free the array. */
static void drop_workers(worker *workers, int n)
{
    for (int i = 0; i < n; i++) {
        if (workers[i].doc != NULL)
            pdf_drop_document(workers[i].ctx, workers[i].doc);
        free(workers[i].seen);
        fz_drop_context(workers[i].ctx);
        ctx_mem_reclaim(workers[i].mem);
    }
    free(workers);
}

/* A context of the extraction: the shared allocator, a cache of its share
 * of the budget, messages dropped. NULL when MuPDF cannot start one. */
static fz_context *new_context(ctx_mem *mem, size_t store)
{
    fz_alloc_context alloc = {.user = mem, .malloc = mem_malloc, .realloc = mem_realloc, .free = mem_free};
    fz_context *ctx = fz_new_context(&alloc, NULL, store);
    if (ctx != NULL) {
        fz_set_warning_callback(ctx, drop_message, NULL);
        fz_set_error_callback(ctx, drop_message, NULL);
    }
    return ctx;
}

/* The error of a step stopped by the deadline: with the caller's deadline,
 * deadline_error's words; with our own clock, the limit in seconds. */
static int timeout_error(const pdf_options *opt, int timeout_ms, em_error *err)
{
    if (opt->deadline_us != 0)
        return deadline_error(err);
    return em_error_set(err, EM_E_TIMEOUT, "extraction took longer than %g s", timeout_ms / 1000.0);
}

static int memory_error(size_t budget, em_error *err)
{
    return em_error_refuse(err, EM_E_TOO_LARGE, PDF_REASON_MEMORY,
                           "the PDF needs more than %zu MB of memory to extract", budget >> 20);
}

/* The layout pass (stage 3) into out. EM_OK, EM_E_TIMEOUT, or EM_E_TOO_LARGE
 * past DOC_MAX_HEADINGS; err is left to the caller. */
static int layout(job *j, doc_text *out, deadline *dl)
{
    heading_list hl = {0};
    slot_list slots = {0};
    /* The body size is taken before furniture is known; headers and footers
     * carry too few characters to change it. */
    float body = body_size(j);
    int rc = mark_furniture(j, body, &slots, dl);
    if (rc == EM_OK)
        rc = mark_slot_furniture(j, &slots, body, dl);
    for (int p = 0; rc == EM_OK && p < j->n_pages; p++)
        rc = find_headings(&j->pages[p], p, body, &hl, dl);
    if (rc == EM_OK) {
        assign_levels(&hl);
        rc = assemble(j, &hl, out, dl);
    }
    free(hl.items);
    free(slots.items);
    return rc;
}

int pdf_extract(const void *data, size_t len, const pdf_options *opt, doc_text *out /* OUT */, em_error *err)
{
    assert(out != NULL);
    static const pdf_options defaults = {0};
    int rc = EM_OK;
    memset(out, 0, sizeof *out);
    if (opt == NULL)
        opt = &defaults;
    if ((data == NULL && len > 0) || opt->max_pages < 0 || opt->timeout_ms < 0 || opt->threads < 0 ||
        opt->deadline_us < 0)
        return em_error_set(err, EM_E_INVAL, "invalid PDF extraction options");
    if (len == 0)
        return em_error_set(err, EM_E_PARSE, "the PDF cannot be read: the file is empty");
    int max_pages = opt->max_pages > 0 ? opt->max_pages : PDF_DEFAULT_MAX_PAGES;
    int timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : PDF_DEFAULT_TIMEOUT_MS;
    size_t budget = opt->max_memory_bytes > 0 ? opt->max_memory_bytes : PDF_DEFAULT_MAX_MEMORY;
    if (budget < PDF_MIN_MEMORY)
        budget = PDF_MIN_MEMORY;

    mem_limit mem = {.max = budget};
    atomic_init(&mem.used, 0);
    atomic_init(&mem.hit, false);
    job j = {.data = data, .len = len, .opt = opt, .mem = &mem, .running = 0};
    j.deadline_us = opt->deadline_us != 0 ? opt->deadline_us : clock_mono_us() + (int64_t)timeout_ms * 1000;
    j.result_max = budget / RESULT_SHARE;
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.stop, false);
    atomic_init(&j.timed_out, false);
    atomic_init(&j.result_bytes, 0);
    atomic_init(&j.too_large, false);
    pthread_mutex_init(&j.mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j.cv, &ca);
    pthread_condattr_destroy(&ca);

    ctx_mem first_mem; /* stage 1's context's, then the first worker's */
    ctx_mem_init(&first_mem, &mem);
    fz_context *ctx = NULL;
    pdf_document *doc = NULL;
    worker *workers = NULL;
    int n_workers = 0;
    char *reason = NULL;
    char *title = NULL;
    deadline dl = deadline_at(j.deadline_us);

    /* Stages hold, in order: ctx and doc, the page slots, the workers (which
     * take over ctx and doc); every failure goes to `done`, which releases
     * whatever is still held. */
    /* No locks: while the workers run, the calling thread only sets the
     * cookies; every worker has a context of its own (see the top). The
     * caches share half the budget. */
    int threads = pick_threads(opt);
    size_t store = budget / 2 / (size_t)threads;
    if (store > PDF_STORE_SIZE)
        store = PDF_STORE_SIZE;
    ctx = new_context(&first_mem, store);
    if (ctx == NULL) {
        rc = em_error_set(err, EM_E_INTERNAL, "the PDF reader cannot start");
        goto done;
    }

    if (open_document(ctx, data, len, j.deadline_us, &doc, &reason) != 0) {
        if (clock_mono_us() >= j.deadline_us)
            rc = timeout_error(opt, timeout_ms, err);
        else if (atomic_load(&mem.hit))
            rc = memory_error(budget, err);
        else
            rc = em_error_set(err, EM_E_PARSE, "the PDF cannot be read: %s", reason);
        goto done;
    }
    if (pdf_needs_password(ctx, doc)) {
        rc = em_error_set(err, EM_E_UNSUPPORTED, "the PDF is encrypted (password protected)");
        goto done;
    }
    if (count_pages(ctx, doc, &j.n_pages, &reason) != 0) {
        if (clock_mono_us() >= j.deadline_us)
            rc = timeout_error(opt, timeout_ms, err);
        else if (atomic_load(&mem.hit))
            rc = memory_error(budget, err);
        else
            rc = em_error_set(err, EM_E_PARSE, "the PDF cannot be read: %s", reason);
        goto done;
    }
    if (j.n_pages <= 0) {
        rc = em_error_set(err, EM_E_PARSE, "the PDF cannot be read: it has no pages");
        goto done;
    }
    if (j.n_pages > max_pages) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "the PDF has %d pages; the limit is %d", j.n_pages, max_pages);
        goto done;
    }
    title = metadata_title(ctx, doc);

    j.pages = em_calloc((size_t)j.n_pages, sizeof j.pages[0]);
    for (int p = 0; p < j.n_pages; p++)
        buf_init(&j.pages[p].raw, PAGE_TEXT_MAX);
    int n = threads < j.n_pages ? threads : j.n_pages;
    workers = em_calloc((size_t)n, sizeof workers[0]);
    /* The first worker takes over the open document and its context. */
    workers[0] = (worker){.j = &j, .ctx = ctx, .doc = doc, .mem = &first_mem};
    ctx = NULL;
    doc = NULL;
    n_workers = 1;
    for (int i = 1; i < n; i++) {
        workers[i].j = &j;
        ctx_mem_init(&workers[i].own_mem, &mem);
        workers[i].mem = &workers[i].own_mem;
        workers[i].ctx = new_context(workers[i].mem, store);
        if (workers[i].ctx == NULL) {
            ctx_mem_reclaim(workers[i].mem);
            break;
        }
        n_workers++;
    }
    for (int i = 0; i < n_workers; i++)
        fz_set_error_callback(workers[i].ctx, on_error, &workers[i]);
    run_workers(&j, workers, n_workers);
    /* MuPDF's part is over: give its memory back before the layout pass. */
    drop_workers(workers, n_workers);
    workers = NULL;
    n_workers = 0;

    bool mem_hit = atomic_load(&mem.hit);
    /* A page the deadline stopped inside MuPDF comes back as a failed page or
     * a worker that stopped early: past the deadline, that is the timeout. */
    bool late = deadline_check_now(&dl);
    if (atomic_load(&j.timed_out) || (late && atomic_load(&j.done) < j.n_pages)) {
        rc = timeout_error(opt, timeout_ms, err);
        goto done;
    }
    if (atomic_load(&j.too_large)) {
        rc = atomic_load(&j.result_bytes) > j.result_max
                 ? em_error_refuse(err, EM_E_TOO_LARGE, PDF_REASON_MEMORY,
                                   "the PDF has more than %zu MB of text", j.result_max >> 20)
                 : memory_error(budget, err);
        goto done;
    }
    if (atomic_load(&j.done) < j.n_pages) {
        /* The workers stopped early: one could not open its document, or
         * none could start. */
        rc = mem_hit ? memory_error(budget, err)
                     : em_error_set(err, EM_E_PARSE, "the PDF cannot be read: %s",
                                    j.fatal != NULL ? j.fatal : "extraction stopped");
        goto done;
    }
    int first_failed = -1;
    size_t lines = 0;
    for (int p = 0; p < j.n_pages; p++) {
        lines += j.pages[p].n_lines;
        if (j.pages[p].failed && first_failed < 0)
            first_failed = p;
    }
    if (late && first_failed >= 0) {
        rc = timeout_error(opt, timeout_ms, err);
        goto done;
    }
    if (first_failed >= 0 && mem_hit) {
        /* A page MuPDF gave up on for want of memory: what text is left of
         * the document would depend on the budget. */
        rc = memory_error(budget, err);
        goto done;
    }
    if (lines == 0) {
        if (first_failed >= 0)
            rc = em_error_set(err, EM_E_PARSE, "the PDF cannot be read: %s", j.pages[first_failed].error);
        else
            rc = em_error_set(err, EM_E_UNSUPPORTED, "the PDF has no extractable text (scanned pages?)");
        goto done;
    }

    rc = layout(&j, out, &dl);
    if (rc == EM_E_TIMEOUT) {
        timeout_error(opt, timeout_ms, err);
        goto done;
    }
    if (rc == EM_E_TOO_LARGE) {
        em_error_set(err, rc, "the PDF has more than %d headings", DOC_MAX_HEADINGS);
        goto done;
    }
    out->title = title;
    title = NULL;
    for (size_t h = 0; out->title == NULL && h < out->n_headings; h++)
        if (out->headings[h].level == 1 && out->headings[h].title != NULL)
            out->title = em_strdup(out->headings[h].title);

done:
    drop_workers(workers, n_workers);
    if (ctx != NULL) {
        pdf_drop_document(ctx, doc);
        fz_drop_context(ctx);
    }
    ctx_mem_reclaim(&first_mem); /* nothing left when the first worker had it */
    for (int p = 0; j.pages != NULL && p < j.n_pages; p++) {
        buf_cleanup(&j.pages[p].raw);
        free(j.pages[p].lines);
        free(j.pages[p].error);
    }
    free(j.pages);
    free(j.fatal);
    free(reason);
    free(title);
    pthread_cond_destroy(&j.cv);
    pthread_mutex_destroy(&j.mu);
    if (rc != EM_OK)
        doc_text_cleanup(out);
    return rc;
}
