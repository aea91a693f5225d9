/* topics: what a material is about, as a short list of named topics.
 *
 * Headings: each chunk names the heading it sits under by title (its section),
 * and chunks and headings both come in document order, so one walk over the
 * chunks ties every chunk's words to a heading. A topic then gathers the words
 * of its heading and of every heading after it up to the next topic's (or a
 * heading above the topics' levels). Whether a heading has text under it,
 * in its section or those below, is one walk from the end with a stack.
 *
 * Key terms: terms_key_terms over the chunk texts, one document per chunk, so
 * a term's first document gives its first page.
 *
 * Every pass is linear or sorts (n log n): headings are found by title
 * through a sorted index, distinct names are counted by sorting them. */
#include "content/topics.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/apparatus.h"
#include "content/terms.h"
#include "core/ascii.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "content/text.h"

static bool is_ws(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* ---- names ------------------------------------------------------------------ */

/* Words that introduce a section number. */
static const char *const numbering_words[] = {
    "appendix", "chapter", "lesson", "module", "part", "section", "topic", "unit", "week",
};

/* Length of "1", "1.2", "1.2.3" at s (no trailing dot), 0 when none. */
static size_t decimal_len(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && text_is_digit((unsigned char)s[i]))
            i++;
        /* a dot continues the number only when a digit follows it */
        if (i == 0 || i + 1 >= n || s[i] != '.' || !text_is_digit((unsigned char)s[i + 1]))
            return i;
        i++;
    }
}

/* Length of a Roman numeral at s made of the letters in `letters`, 0 when none. */
static size_t roman_len(const char *s, size_t n, const char *letters)
{
    size_t i = 0;
    while (i < n && s[i] != '\0' && strchr(letters, s[i]) != NULL)
        i++;
    return i;
}

/* Length of a dash at s: '-', en dash or em dash; 0 when none. */
static size_t dash_len(const char *s, size_t n)
{
    if (n >= 1 && s[0] == '-')
        return 1;
    if (n >= 3 && (unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
        ((unsigned char)s[2] == 0x93 || (unsigned char)s[2] == 0x94))
        return 3;
    return 0;
}

/* After a number at s[i]: an optional '.' or ')', spaces, one optional
 * separator (: . ) or a dash) and spaces. Returns where the name starts, or 0
 * when nothing separates the number from it or nothing follows. */
static size_t after_number(const char *s, size_t n, size_t i)
{
    size_t start = i;
    if (i < n && (s[i] == '.' || s[i] == ')'))
        i++;
    while (i < n && s[i] == ' ')
        i++;
    size_t d = dash_len(s + i, n - i);
    if (d == 0 && i < n && (s[i] == ':' || s[i] == '.' || s[i] == ')'))
        d = 1;
    i += d;
    while (i < n && s[i] == ' ')
        i++;
    /* a number glued to the name ("3D printing") is not numbering */
    if (i == start || i >= n)
        return 0;
    return i;
}

/* Where the name starts after leading numbering in the normalised title s, or
 * 0 when there is none. */
static size_t numbering_len(const char *s, size_t n)
{
    /* "Chapter 3: ...", "Part II - ...", "Appendix A. ..." */
    for (size_t k = 0; k < sizeof numbering_words / sizeof numbering_words[0]; k++) {
        size_t wl = strlen(numbering_words[k]);
        if (n <= wl + 1 || ascii_ncasecmp(s, numbering_words[k], wl) != 0 || s[wl] != ' ')
            continue;
        size_t i = wl + 1;
        size_t l = decimal_len(s + i, n - i);
        if (l == 0)
            l = roman_len(s + i, n - i, "IVXLCDM");
        if (l == 0 && text_is_alpha((unsigned char)s[i]) && (i + 1 == n || !text_is_alpha((unsigned char)s[i + 1])))
            l = 1;
        if (l == 0)
            continue;
        return after_number(s, n, i + l);
    }
    /* "A.1 ...", "E.3.2 ...": the sections of an appendix */
    if (n > 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] == '.' && text_is_digit((unsigned char)s[2]))
        return after_number(s, n, 2 + decimal_len(s + 2, n - 2));
    /* "1.2 ...", "1. ...", "2) ...", "3: ...", "12 ..." */
    size_t l = decimal_len(s, n);
    if (l > 0) {
        bool dotted = memchr(s, '.', l) != NULL;
        bool punct = l < n && (s[l] == '.' || s[l] == ')' || s[l] == ':');
        if (dotted || punct || l <= 2)
            return after_number(s, n, l);
        return 0;
    }
    /* "IV. ...", "II) ..." */
    l = roman_len(s, n, "IVX");
    if (l > 0 && l < n && (s[l] == '.' || s[l] == ')'))
        return after_number(s, n, l);
    return 0;
}

int topics_clean_name(const char *title, char *out, size_t len)
{
    if (len == 0)
        return EM_E_INVAL;
    out[0] = '\0';
    if (title == NULL)
        return EM_E_INVAL;

    /* white space runs become one space, none at the ends */
    size_t tl = strlen(title), n = 0;
    char *norm = em_malloc(tl + 1);
    bool space = false;
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)title[i];
        if (is_ws(c)) {
            space = n > 0;
            continue;
        }
        if (space)
            norm[n++] = ' ';
        space = false;
        norm[n++] = (char)c;
    }
    norm[n] = '\0';

    size_t start = numbering_len(norm, n);
    size_t end = n;
    while (end > start && (norm[end - 1] == ':' || norm[end - 1] == ' '))
        end--;
    if (end == start) { /* nothing but numbering: keep the whole title */
        start = 0;
        end = n;
    }
    size_t max = len - 1 < TOPICS_NAME_MAX ? len - 1 : TOPICS_NAME_MAX;
    if (end - start > max) {
        end = start + utf8_cut(norm + start, n - start, max);
        while (end > start && norm[end - 1] == ' ')
            end--;
    }
    memcpy(out, norm + start, end - start);
    out[end - start] = '\0';
    free(norm);
    return end > start ? EM_OK : EM_E_INVAL;
}

int topics_tag_slug(const char *name, char *out, size_t len)
{
    if (len == 0)
        return EM_E_INVAL;
    size_t max = len - 1 < TOPICS_SLUG_MAX ? len - 1 : TOPICS_SLUG_MAX;
    size_t o = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)(name != NULL ? name : ""); *p != '\0'; p++) {
        unsigned char c = *p;
        if (!text_is_alpha(c) && !text_is_digit(c)) {
            dash = o > 0;
            continue;
        }
        if (o + (dash ? 2 : 1) > max)
            break;
        if (dash)
            out[o++] = '-';
        dash = false;
        out[o++] = (char)ascii_tolower(c);
    }
    out[o] = '\0';
    return o > 0 ? EM_OK : EM_E_INVAL;
}

/* ---- topics from headings ------------------------------------------------------ */

void topic_list_cleanup(topic_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].name);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* The headings with a title, sorted by title and then by position, so the
 * first heading after a given one with a given title is a binary search
 * away. */
typedef struct title_index {
    const chunk_heading *hs; /* borrowed */
    size_t *order;           /* owned: indices into hs */
    size_t n;
} title_index;

/* qsort has no context argument: the comparison sees pairs of (title, index). */
typedef struct titled {
    const char *title;
    size_t index;
} titled;

static int titled_cmp(const void *a, const void *b)
{
    const titled *x = a, *y = b;
    int c = strcmp(x->title, y->title);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* Index the headings in hs[0..nh) by title. Returns an owned array of nh
 * entries at most (free with free()), in *n_out. */
static titled *titles_sorted(const chunk_heading *hs, size_t nh, size_t *n_out /* OUT */)
{
    titled *t = em_malloc((nh + 1) * sizeof *t);
    size_t n = 0;
    for (size_t i = 0; i < nh; i++)
        if (hs[i].title != NULL)
            t[n++] = (titled){hs[i].title, i};
    qsort(t, n, sizeof *t, titled_cmp);
    *n_out = n;
    return t;
}

/* The first heading at index `from` or later titled `title`, or SIZE_MAX. */
static size_t next_titled(const titled *t, size_t n, const char *title, size_t from)
{
    size_t lo = 0, hi = n;
    titled key = {title, from};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (titled_cmp(&t[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(t[lo].title, title) == 0 ? t[lo].index : SIZE_MAX;
}

/* Add words of each chunk to the heading it sits under: the heading whose
 * title is the chunk's section, the current one or the next with that title
 * (a following heading with the same title takes over once the chunk starts
 * on or after its page). Chunks before the first heading, or naming no
 * heading ahead, count for none (or the current one). EM_OK or EM_E_TIMEOUT. */
static int words_per_heading(const chunk_heading *hs, size_t nh, const text_chunk *cs, size_t nc,
                             deadline *dl, uint64_t *words /* OUT, nh entries */, em_error *err)
{
    size_t n_titled;
    titled *index = titles_sorted(hs, nh, &n_titled);
    size_t h = SIZE_MAX;
    int rc = EM_OK;
    for (size_t i = 0; i < nc; i++) {
        if (deadline_check(dl)) {
            rc = deadline_error(err);
            break;
        }
        const text_chunk *c = &cs[i];
        if (c->section == NULL || c->words <= 0)
            continue;
        bool stay = h != SIZE_MAX && hs[h].title != NULL && strcmp(hs[h].title, c->section) == 0;
        if (stay && h + 1 < nh && hs[h + 1].title != NULL && strcmp(hs[h + 1].title, c->section) == 0 &&
            hs[h + 1].page <= c->page_start)
            stay = false;
        if (!stay) {
            size_t k = next_titled(index, n_titled, c->section, h == SIZE_MAX ? 0 : h + 1);
            if (k != SIZE_MAX)
                h = k;
        }
        if (h != SIZE_MAX)
            words[h] += (uint64_t)c->words;
    }
    free(index);
    return rc;
}

static int casecmp_ptr(const void *a, const void *b)
{
    return ascii_casecmp(*(char *const *)a, *(char *const *)b);
}

/* How many distinct names (ASCII case ignored) names[0..n) holds; sorts it. */
static size_t count_distinct(char **names, size_t n)
{
    qsort(names, n, sizeof *names, casecmp_ptr);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || ascii_casecmp(names[i - 1], names[i]) != 0;
    return d;
}

/* Whether name equals an earlier topic's name but for ASCII case; its index. */
static size_t find_topic(const topic_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        if (ascii_casecmp(l->items[i].name, name) == 0)
            return i;
    }
    return SIZE_MAX;
}

#define AUTHOR_CHUNKS 3   /* chunks at the start of a document read for its copyright line */
#define AUTHOR_HEADINGS 8 /* headings at the start of a document that may be its author's name */
#define AUTHOR_BYTES 4096 /* of each of those chunks: a title page is short */

/* Whether s[0..4) are four ASCII digits (a year). */
static bool isdigit4(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!(s[i] >= '0' && s[i] <= '9'))
            return false;
    return true;
}

/* Whether name is the author's, as a title page gives it: a copyright line
 * ("Copyright \u00a9 2013-2021 Osamu Aoki") in the document's first
 * AUTHOR_CHUNKS chunks names it as the holder, right after the year. A title page sets the author's name as a
 * heading of its own; it names no topic. At most AUTHOR_BYTES of each chunk
 * are read: one call costs a bounded amount whatever the input. */
static bool names_the_author(const text_chunk *cs, size_t nc, const char *name)
{
    size_t m = strlen(name);
    if (m < 4)
        return false;
    for (size_t c = 0; c < nc && c < AUTHOR_CHUNKS; c++) {
        const char *t = cs[c].text != NULL ? cs[c].text : "";
        size_t left = strnlen(t, AUTHOR_BYTES);
        while (left > 0) {
            const char *nl = memchr(t, '\n', left);
            size_t len = nl != NULL ? (size_t)(nl - t) : left;
            if (ascii_contains_ci(t, len, "copyright") || ascii_contains_ci(t, len, "\xc2\xa9")) {
                /* the holder: what follows the line's last year */
                size_t k = len, after = 0;
                for (size_t i = 0; i + 4 <= len; i++)
                    if (isdigit4(t + i) && (i + 4 == len || !(t[i + 4] >= '0' && t[i + 4] <= '9')))
                        after = i + 4;
                k = after;
                while (k < len && (t[k] == ' ' || t[k] == ','))
                    k++;
                if (after > 0 && len - k >= m && ascii_ncasecmp(t + k, name, m) == 0)
                    return true;
            }
            t += len + (nl != NULL);
            left -= len + (nl != NULL);
        }
    }
    return false;
}

/* How many headings at the start are a title page's (the document's title,
 * its author, "Revision history"): those before its table of contents, when
 * that comes within the first AUTHOR_HEADINGS headings and most of the
 * document's headings follow it (a table of contents at the end, as groff
 * sets one, marks nothing). 0 when there is none. */
#define TITLE_PAGE_FOLLOWING_MIN 4 /* headings after the contents, at least */

static size_t title_page_headings(const chunk_heading *hs, size_t nh)
{
    char name[TOPICS_NAME_MAX + 1];
    for (size_t i = 0; i < nh && i < AUTHOR_HEADINGS; i++) {
        if (topics_clean_name(hs[i].title, name, sizeof name) != EM_OK ||
            !apparatus_is_contents(name, strlen(name)))
            continue;
        size_t after = nh - i - 1;
        return after >= TITLE_PAGE_FOLLOWING_MIN && after > i ? i : 0;
    }
    return 0;
}

/* The levels headings may be topics at: the top level with a title (but
 * for a lone heading there above deeper ones, the document's title, and so
 * on down while the top level holds one heading: a title page), and
 * the next TOPICS_LEVELS - 1 levels below it that have headings; at most
 * TOPICS_LEVELS, in levels[0..*n) from the top. */
#define TOPICS_LEVELS 3

/* The highest level below `above` with a titled heading (above 0: any), or
 * 0 when there is none. */
static int level_below(const chunk_heading *hs, size_t nh, char **names, int above)
{
    int level = 0;
    for (size_t i = 0; i < nh; i++)
        if (names[i] != NULL && hs[i].level > above && (level == 0 || hs[i].level < level))
            level = hs[i].level;
    return level;
}

static void topic_levels(const chunk_heading *hs, size_t nh, char **names, int levels[TOPICS_LEVELS],
                         size_t *n /* OUT */)
{
    *n = 0;
    /* A title page sets each of its lines in a size of its own (the title,
     * the author, "A GNU MANUAL"): every lone heading at the top above
     * deeper ones is skipped, not only the first. Each pass is one walk,
     * and the readers make at most six levels. */
    int level = level_below(hs, nh, names, 0);
    for (;;) {
        size_t at_top = 0;
        bool deeper = false;
        for (size_t i = 0; i < nh; i++) {
            at_top += names[i] != NULL && hs[i].level == level;
            deeper |= names[i] != NULL && hs[i].level > level;
        }
        if (at_top != 1 || !deeper)
            break;
        level = level_below(hs, nh, names, level);
    }
    while (level > 0 && *n < TOPICS_LEVELS) {
        levels[(*n)++] = level;
        level = level_below(hs, nh, names, level);
    }
}

/* Whether heading i may be a topic at depth `depth`: it has a name and its
 * level is one of levels[0..depth). (It is one when, besides, it has text
 * under it: see has_text in topics_from_headings.) */
static bool is_topic(const chunk_heading *hs, size_t i, char **names, const int *levels, size_t depth)
{
    if (names[i] == NULL)
        return false;
    for (size_t k = 0; k < depth; k++)
        if (hs[i].level == levels[k])
            return true;
    return false;
}

/* lost[i]: heading i opens text that is no topic's (apparatus.h): a table
 * of contents, an index, a list of figures, a licence with its clauses, and
 * the labels right after one of them (an index's letter groups). Its words
 * count for no topic, nor for whether a heading above it has text. */
static int topics_from_headings(const chunk_heading *hs, size_t nh, char **names, const bool *lost,
                                const text_chunk *cs, size_t nc, deadline *dl, topic_list *out, em_error *err)
{
    int levels[TOPICS_LEVELS];
    size_t n_levels = 0;
    topic_levels(hs, nh, names, levels, &n_levels);
    assert(n_levels > 0);

    uint64_t *words = em_calloc(nh, sizeof *words);
    int rc = words_per_heading(hs, nh, cs, nc, dl, words, err);
    if (rc != EM_OK) {
        free(words);
        return rc;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < nc; i++)
        total += cs[i].words > 0 ? (uint64_t)cs[i].words : 0;

    /* Whether the text under heading i (its own section and those below it,
     * up to the next heading at its level or above) has words: one walk
     * from the end with a stack of the open levels' sums. */
    bool *has_text = em_calloc(nh + 1, sizeof *has_text);
    {
        uint64_t *below = em_calloc(nh + 1, sizeof *below); /* words under i, by a stack */
        size_t *stack = em_malloc((nh + 1) * sizeof *stack);
        size_t top = 0;
        uint64_t placed = 0; /* words tied to some heading */
        for (size_t i = nh; i-- > 0;) {
            uint64_t own = lost[i] ? 0 : words[i];
            uint64_t sum = own;
            while (top > 0 && hs[stack[top - 1]].level > hs[i].level)
                sum += below[stack[--top]];
            below[i] = sum;
            has_text[i] = sum > 0;
            placed += own;
            stack[top++] = i;
        }
        /* No words under any heading (no chunks yet, or none naming a
         * heading): the headings alone say what the document is about. */
        for (size_t i = 0; placed == 0 && i < nh; i++)
            has_text[i] = true;
        free(stack);
        free(below);
    }

    /* As many levels as keep the topics within TOPICS_MAX (distinct names). */
    size_t depth = n_levels;
    for (; depth > 1; depth--) {
        char **sel = em_malloc((nh + 1) * sizeof *sel);
        size_t n_sel = 0;
        for (size_t i = 0; i < nh; i++)
            if (is_topic(hs, i, names, levels, depth) && has_text[i])
                sel[n_sel++] = names[i];
        size_t distinct = count_distinct(sel, n_sel);
        free(sel);
        if (distinct <= TOPICS_MAX)
            break;
    }

    out->items = em_calloc(TOPICS_MAX, sizeof *out->items);
    size_t current = SIZE_MAX; /* the topic that collects words */
    for (size_t i = 0; i < nh; i++) {
        if (lost[i]) {
            current = SIZE_MAX; /* a table of contents, an index, a licence: nobody's words */
        } else if (is_topic(hs, i, names, levels, depth) && has_text[i]) {
            current = find_topic(out, names[i]);
            if (current == SIZE_MAX && out->n < TOPICS_MAX) {
                current = out->n++;
                out->items[current] = (topic){em_strdup(names[i]), "heading", hs[i].page, 0.0};
            }
        } else if (names[i] != NULL && hs[i].level <= levels[0]) {
            current = SIZE_MAX; /* above the topics' levels: a part's words are no topic's */
        }
        if (current != SIZE_MAX && total > 0)
            out->items[current].weight += (double)words[i] / (double)total;
    }
    free(has_text);
    free(words);
    return EM_OK;
}

/* ---- topics from key terms ------------------------------------------------------ */

static int topics_from_terms(const text_chunk *cs, size_t nc, deadline *dl, topic_list *out, em_error *err)
{
    const char **docs = em_malloc((nc + 1) * sizeof *docs);
    size_t *lens = em_malloc((nc + 1) * sizeof *lens);
    for (size_t i = 0; i < nc; i++) {
        docs[i] = cs[i].text;
        lens[i] = cs[i].text != NULL ? strlen(cs[i].text) : 0;
    }
    key_term *kt = NULL;
    size_t n = 0;
    int rc = terms_key_terms_until(docs, lens, nc, TOPICS_MAX_TERMS, dl, &kt, &n, err);
    free(docs);
    free(lens);
    if (rc != EM_OK)
        return rc;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += kt[i].score;
    if (n > 0)
        out->items = em_calloc(n, sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        out->items[i] =
            (topic){kt[i].term, "terms", cs[kt[i].first_doc].page_start, sum > 0 ? kt[i].score / sum : 0.0};
        kt[i].term = NULL; /* moved */
    }
    out->n = n;
    key_terms_free(kt, n);
    return EM_OK;
}

int topics_extract(const chunk_heading *headings, size_t n_headings, const text_chunk *chunks,
                   size_t n_chunks, topic_list *out, em_error *err)
{
    return topics_extract_until(headings, n_headings, chunks, n_chunks, NULL, out, err);
}

int topics_extract_until(const chunk_heading *headings, size_t n_headings, const text_chunk *chunks,
                         size_t n_chunks, deadline *dl, topic_list *out, em_error *err)
{
    out->items = NULL;
    out->n = 0;
    em_error_clear(err);
    if ((headings == NULL && n_headings > 0) || (chunks == NULL && n_chunks > 0))
        return em_error_set(err, EM_E_INVAL, "missing headings or chunks");

    char **names = em_calloc(n_headings + 1, sizeof *names);
    bool *lost = em_calloc(n_headings + 1, sizeof *lost);
    size_t n_named = 0;
    char buf[TOPICS_NAME_MAX + 1];
    int licence_level = 0;   /* inside a licence: its level, else 0 */
    bool after_list = false; /* since a table of contents, an index or a licence */
    int rc = EM_OK;
    size_t title_page = title_page_headings(headings, n_headings);
    for (size_t i = 0; i < n_headings; i++) {
        if (deadline_check(dl)) {
            rc = deadline_error(err);
            goto done;
        }
        /* A licence's clauses are the licence. */
        if (licence_level > 0 && headings[i].level > licence_level) {
            lost[i] = true;
            continue;
        }
        licence_level = 0;
        apparatus_kind kind = APPARATUS_NONE;
        bool named = topics_clean_name(headings[i].title, buf, sizeof buf) == EM_OK;
        if (named)
            kind = apparatus_heading(buf, strlen(buf));
        /* a title page comes first: only the first few headings are looked
           at, so hostile input with many headings costs no more */
        if (named && kind == APPARATUS_NONE && i < AUTHOR_HEADINGS && names_the_author(chunks, n_chunks, buf))
            kind = APPARATUS_LABEL; /* the author's name on a title page */
        if (named && kind == APPARATUS_NONE && i < title_page)
            kind = APPARATUS_LABEL; /* the title page's other lines: the title */
        if (kind == APPARATUS_LIST || kind == APPARATUS_LICENCE) {
            /* Its text is nobody's, up to the next heading that may name a
             * topic (labels in between, an index's "A", "B", stay in it). */
            lost[i] = after_list = true;
            if (kind == APPARATUS_LICENCE)
                licence_level = headings[i].level;
        } else if (named && kind == APPARATUS_NONE) {
            names[i] = em_strdup(buf);
            n_named++;
            after_list = false;
        } else {
            /* A box's label set as a heading ("## See also", "Footnotes"),
             * one character, an author's line: no topic; its words count
             * for the topic before it. */
            lost[i] = after_list;
        }
    }
    if (n_named >= 2)
        rc = topics_from_headings(headings, n_headings, names, lost, chunks, n_chunks, dl, out, err);
    else
        rc = topics_from_terms(chunks, n_chunks, dl, out, err);
done:
    for (size_t i = 0; i < n_headings; i++)
        free(names[i]);
    free(names);
    free(lost);
    if (rc != EM_OK)
        topic_list_cleanup(out);
    return rc;
}
