/* answer: extractive answers with citations (see answer.h).
 *
 * The best passages are cut into units: sentences of prose (core/sentence,
 * the chunker's own splitter), and runs of code lines kept whole. Each unit
 * is scored by the share of the question's content it covers, times its
 * passage's score relative to the best passage. Units are taken best first
 * while they fit in the limits, and the chosen ones are put back in passage
 * rank and text order. */
#include "learn/answer.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/sentence.h"
#include "core/utf8.h"

#define SECTIONS_LOOKED_AT 10 /* hits read for the closest section titles */
#define PASSAGE_FLOOR 0.5     /* passages scoring under half the best are not quoted */
#define UNIT_FLOOR 0.5        /* units under half the best unit's score are not quoted */
#define MAX_UNITS 4096        /* units read from the passages looked at */
#define CODE_NEIGHBOUR 0.9    /* a code block scores 0.9 of the prose next to it, if more than its own */
#define TERM_NEIGHBOUR 0.9    /* the sentence under a term scores 0.9 of the term's unweighted score */
/* A fragment (a heading, a label such as "Warning", a table cell: a short
 * piece of a paragraph that ends no sentence) says less than a sentence with
 * the same words: it is quoted only when no sentence comes close. */
#define FRAGMENT_WEIGHT 0.4
#define FRAGMENT_MAX 120 /* bytes: a longer paragraph without an end is prose cut short */
#define LABEL_MAX 60     /* bytes: a paragraph's first line this short and without an end is its label */

bool answer_line_is_code(const char *line, size_t len)
{
    if (len == 0)
        return false;
    if (line[0] == '\t' || (len >= 4 && memcmp(line, "    ", 4) == 0))
        return true;
    if ((len >= 2 && memcmp(line, "$ ", 2) == 0) || (len >= 2 && memcmp(line, "#!", 2) == 0))
        return true;
    size_t e = len;
    while (e > 0 && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r'))
        e--;
    if (e < 2)
        return false;
    char last = line[e - 1];
    return last == ';' || last == '{' || last == '}' || last == '\\';
}

typedef struct unit {
    size_t rank;        /* of its passage among the hits */
    size_t offset, len; /* in the passage text */
    double score;
    bool code;
    bool fragment; /* no sentence: a heading, a label, a table cell */
    bool chosen;
} unit;

typedef struct units {
    unit *items; /* owned */
    size_t n, cap;
} units;

static void units_add(units *u, size_t rank, const char *text, size_t from, size_t to, bool code,
                      bool fragment)
{
    /* trim white space at both ends (code keeps its indentation) */
    while (!code && from < to && (unsigned char)text[from] <= ' ')
        from++;
    while (from < to && (text[from] == '\n' || text[from] == '\r'))
        from++;
    while (to > from && (unsigned char)text[to - 1] <= ' ')
        to--;
    if (to == from || u->n >= MAX_UNITS)
        return;
    if (u->n == u->cap) {
        u->cap = u->cap == 0 ? 64 : u->cap * 2;
        u->items = em_realloc(u->items, u->cap * sizeof *u->items);
    }
    u->items[u->n++] = (unit){rank, from, to - from, 0, code, fragment, false};
}

/* Sentences of the prose text[from, to). */
static void add_sentences(units *u, size_t rank, const char *text, size_t from, size_t to)
{
    size_t p = from;
    while (p < to) {
        while (p < to && (unsigned char)text[p] <= ' ')
            p++;
        if (p >= to)
            break;
        size_t n = sentence_len(text + p, to - p);
        if (n == 0)
            n = to - p;
        units_add(u, rank, text, p, p + n, false, false);
        p += n;
    }
}

/* Whether text[from, to), white space trimmed, ends as a sentence does:
 * with . ! ? : or an ellipsis, and any closing quotes or brackets. */
static bool ends_sentence(const char *text, size_t from, size_t to)
{
    while (to > from && (unsigned char)text[to - 1] <= ' ')
        to--;
    while (to > from && strchr("\"')]", text[to - 1]) != NULL)
        to--;
    if (to >= from + 3 && memcmp(text + to - 3, "\xE2\x80\x9D", 3) == 0) /* a closing ” */
        return ends_sentence(text, from, to - 3);
    if (to >= from + 3 && memcmp(text + to - 3, "\xE2\x80\xA6", 3) == 0) /* … */
        return true;
    return to > from && strchr(".!?:", text[to - 1]) != NULL;
}

/* Whether the line at text[from, to) (indentation skipped) starts as a
 * sentence does, with an ASCII capital or a digit: a wrapped line of prose
 * goes on in lowercase. */
static bool starts_sentence(const char *text, size_t from, size_t to)
{
    while (from < to && (text[from] == ' ' || text[from] == '\t'))
        from++;
    return from < to &&
           ((text[from] >= 'A' && text[from] <= 'Z') || (text[from] >= '0' && text[from] <= '9'));
}

/* The prose text[from, to), paragraph by paragraph (blank lines between
 * them): a short paragraph that ends no sentence is one fragment, and so is
 * every label line in it ("Warning", "Tip": core/sentence) and a short first
 * line without an end ("2.7.8 Automatic upgrades") before a line that starts
 * a sentence; the prose between them is sentences. */
static void add_prose(units *u, size_t rank, const char *text, size_t from, size_t to)
{
    size_t p = from;
    while (p < to) {
        /* the paragraph: up to a line holding white space only */
        size_t end = p;
        for (;;) {
            const char *nl = memchr(text + end, '\n', to - end);
            if (nl == NULL) {
                end = to;
                break;
            }
            size_t next = (size_t)(nl - text) + 1, q = next;
            while (q < to && (text[q] == ' ' || text[q] == '\t' || text[q] == '\r'))
                q++;
            if (q >= to || text[q] == '\n') {
                end = (size_t)(nl - text);
                break;
            }
            end = next;
        }
        size_t a = p;
        while (a < end && (unsigned char)text[a] <= ' ')
            a++;
        if (a < end && end - a <= FRAGMENT_MAX && !ends_sentence(text, a, end)) {
            units_add(u, rank, text, a, end, false, true);
        } else if (a < end) {
            /* its lines: labels apart, the prose between them as sentences */
            size_t prose = a, line = a;
            while (line < end) {
                const char *nl = memchr(text + line, '\n', end - line);
                size_t line_end = nl != NULL ? (size_t)(nl - text) : end;
                bool label = nl != NULL && (sentence_line_is_label(text + line, line_end - line) ||
                                            (line == a && line_end - line <= LABEL_MAX &&
                                             !ends_sentence(text, line, line_end) &&
                                             starts_sentence(text, line_end + 1, end)));
                if (label) {
                    add_sentences(u, rank, text, prose, line);
                    units_add(u, rank, text, line, line_end, false, true);
                    prose = line_end + 1;
                }
                line = nl != NULL ? line_end + 1 : end;
            }
            add_sentences(u, rank, text, prose, end);
        }
        p = end < to ? end + 1 : to;
    }
}

/* A definition goes with its term: an option's names or a glossary's
 * term, a paragraph of its own ("-k --keep"), stand over the sentence that
 * says what they are ("Keep (don't delete) input files ..."), and it is
 * the term that shares the question's words ("What does the -k option
 * do?"), as a fragment quoted only when nothing better comes. The first
 * sentence after a fragment scores at least TERM_NEIGHBOUR of what the
 * fragment would score as a sentence, so the description is quoted rather
 * than the bare names. A fragment scored 0 (the section's own title) lends
 * nothing. Units from `first` on are one passage's, in text order. */
static void describe_terms(units *u, size_t first)
{
    for (size_t i = first; i + 1 < u->n; i++) {
        unit *term = &u->items[i], *next = &u->items[i + 1];
        if (!term->fragment || next->fragment || next->code)
            continue;
        double near = TERM_NEIGHBOUR * term->score / FRAGMENT_WEIGHT;
        if (near > next->score)
            next->score = near;
    }
}

/* Cut a passage into units from start on: without line breaks, sentences;
 * with them, runs of code lines as one unit each and the prose between them
 * paragraph by paragraph (add_prose). */
static void cut_units(units *u, size_t rank, const char *text, size_t start, size_t len)
{
    if (memchr(text + start, '\n', len - start) == NULL) {
        add_sentences(u, rank, text, start, len);
        return;
    }
    size_t prose = start, code_from = SIZE_MAX, p = start;
    while (p < len) {
        const char *nl = memchr(text + p, '\n', len - p);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        bool code = answer_line_is_code(text + p, end - p);
        if (code && code_from == SIZE_MAX) {
            add_prose(u, rank, text, prose, p);
            code_from = p;
        } else if (!code && code_from != SIZE_MAX) {
            units_add(u, rank, text, code_from, p, true, false);
            code_from = SIZE_MAX;
            prose = p;
        }
        p = nl != NULL ? end + 1 : len;
    }
    if (code_from != SIZE_MAX)
        units_add(u, rank, text, code_from, len, true, false);
    else
        add_prose(u, rank, text, prose, len);
}

static int unit_by_score(const void *a, const void *b)
{
    const unit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int unit_by_place(const void *a, const void *b)
{
    const unit *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The closest section titles: distinct, from the best hits down. */
static void closest_sections(const retrieve_index *ix, const retrieve_hit *hits, size_t n_hits, answer *out)
{
    out->sections = em_calloc(ANSWER_SECTIONS, sizeof *out->sections);
    for (size_t i = 0; i < n_hits && out->n_sections < ANSWER_SECTIONS; i++) {
        const char *s = retrieve_index_passage(ix, hits[i].passage)->section;
        if (s == NULL || s[0] == '\0')
            continue;
        bool seen = false;
        for (size_t j = 0; j < out->n_sections; j++)
            seen = seen || strcmp(out->sections[j], s) == 0;
        if (!seen)
            out->sections[out->n_sections++] = em_strdup(s);
    }
    if (out->n_sections == 0) {
        free(out->sections);
        out->sections = NULL;
    }
}

/* Share of a name the materials never use that makes a question about
 * something else: "the capital of Mongolia" (one of two content words) in a
 * manual that mentions capital letters. A name among many words ("a signal
 * like Ctrl-C") leaves the question to coverage. */
#define UNHELD_NAMES_SHARE 0.3

/* Whether the question is about names the materials do not hold: words
 * asked with a capital letter past its first word, none of whose synonyms
 * the materials use either, make up at least UNHELD_NAMES_SHARE of the
 * asked words' groups. */
static bool about_unheld_names(const retrieve_index *ix, const retrieve_query *q)
{
    bool asked[RETRIEVE_QUERY_TERMS_MAX] = {false}, unheld[RETRIEVE_QUERY_TERMS_MAX] = {false};
    int n_asked = 0, n_unheld = 0;
    for (size_t i = 0; i < q->n; i++) {
        const retrieve_term *t = &q->terms[i];
        if (t->origin != RETRIEVE_ASKED || t->group < 0 || asked[t->group])
            continue;
        asked[t->group] = true;
        n_asked++;
    }
    for (size_t i = 0; i < q->n; i++) {
        const retrieve_term *t = &q->terms[i];
        if (!t->named || t->group < 0 || unheld[t->group])
            continue;
        bool held = false;
        for (size_t j = 0; j < q->n && !held; j++)
            held = q->terms[j].group == t->group && retrieve_holds(ix, q->terms[j].stem);
        if (!held) {
            unheld[t->group] = true;
            n_unheld++;
        }
    }
    return n_asked > 0 && (double)n_unheld >= UNHELD_NAMES_SHARE * n_asked;
}

/* Whether the passages quoted hold at least half of the names the question
 * asks about (retrieve_term.named, each with its synonyms): held somewhere
 * in the materials is not enough when the passages that answer never say
 * them ("the capital of France" answered from a page on capital letters). */
static bool quotes_hold_names(const retrieve_index *ix, const retrieve_query *q, const retrieve_hit *hits,
                              const units *u)
{
    int named = 0, held = 0;
    bool seen[RETRIEVE_QUERY_TERMS_MAX] = {false};
    for (size_t i = 0; i < q->n; i++) {
        int g = q->terms[i].group;
        if (!q->terms[i].named || g < 0 || g >= RETRIEVE_QUERY_TERMS_MAX || seen[g])
            continue;
        seen[g] = true;
        named++;
        /* the name's group alone, as a query of its own */
        retrieve_query one = {.n = 0, .n_groups = q->n_groups};
        for (size_t j = 0; j < q->n; j++)
            if (q->terms[j].group == g)
                one.terms[one.n++] = q->terms[j];
        bool found = false;
        for (size_t k = 0; k < u->n && !found; k++) {
            if (!u->items[k].chosen)
                continue;
            const retrieve_passage *p = retrieve_index_passage(ix, hits[u->items[k].rank].passage);
            found = retrieve_coverage_of_text(ix, &one, p->text, p->len) > 0 ||
                    (p->section != NULL &&
                     retrieve_coverage_of_text(ix, &one, p->section, strlen(p->section)) > 0);
        }
        held += found;
    }
    return 2 * held >= named;
}

int answer_build(const retrieve_index *ix, const retrieve_query *q, answer_limits limits, answer *out,
                 em_error *err)
{
    memset(out, 0, sizeof *out);
    em_error_clear(err);
    if (limits.max_sentences < 0 || limits.max_sentences > ANSWER_MAX_SENTENCES)
        return em_error_set(err, EM_E_INVAL, "max_sentences must be 0..%d", ANSWER_MAX_SENTENCES);
    if (limits.max_chars > ANSWER_MAX_CHARS)
        return em_error_set(err, EM_E_INVAL, "max_chars must be at most %d", ANSWER_MAX_CHARS);
    if (limits.min_coverage > 1)
        return em_error_set(err, EM_E_INVAL, "min_coverage must be at most 1");
    int max_sentences = limits.max_sentences == 0 ? ANSWER_DEFAULT_SENTENCES : limits.max_sentences;
    size_t max_chars = limits.max_chars == 0 ? ANSWER_DEFAULT_CHARS : limits.max_chars;
    double min_coverage = limits.min_coverage == 0 ? ANSWER_MIN_COVERAGE : limits.min_coverage;

    retrieve_hit hits[SECTIONS_LOOKED_AT];
    size_t n_hits;
    int rc = retrieve_search(ix, q, SECTIONS_LOOKED_AT, hits, &n_hits, err);
    if (rc != EM_OK)
        return rc;
    out->n_hits = n_hits < ANSWER_PASSAGES ? n_hits : ANSWER_PASSAGES;
    if (out->n_hits > 0)
        memcpy(out->hits, hits, out->n_hits * sizeof *hits);
    for (size_t i = 0; i < out->n_hits; i++) {
        if (hits[i].coverage > out->coverage)
            out->coverage = hits[i].coverage;
    }

    units u = {0};
    if (out->n_hits > 0 && out->coverage >= min_coverage && (min_coverage < 0 || !about_unheld_names(ix, q))) {
        double top = hits[0].score;
        for (size_t r = 0; r < out->n_hits; r++) {
            if (hits[r].score < PASSAGE_FLOOR * top)
                break;
            const retrieve_passage *p = retrieve_index_passage(ix, hits[r].passage);
            size_t first = u.n;
            /* the chunker starts a section's first passage with its title,
               which is no part of an answer */
            size_t start = 0, tl = p->section != NULL ? strlen(p->section) : 0;
            if (tl > 0 && tl < p->len && memcmp(p->text, p->section, tl) == 0)
                start = tl;
            cut_units(&u, r, p->text, start, p->len);
            double rank_weight = top > 0 ? hits[r].score / top : 1;
            for (size_t i = first; i < u.n; i++) {
                /* a unit is quoted at most max_chars long: scoring reads no further */
                const char *t = p->text + u.items[i].offset;
                size_t n = utf8_cut(t, u.items[i].len, ANSWER_MAX_CHARS);
                u.items[i].score = rank_weight * retrieve_coverage_of_text(ix, q, t, n) *
                                   (u.items[i].fragment ? FRAGMENT_WEIGHT : 1);
                /* the section's own title, wherever the text repeats it
                   ("Chapter 5" / "Network setup"), says nothing new */
                if (u.items[i].fragment && tl > 0 && u.items[i].len == tl &&
                    strncasecmp(t, p->section, tl) == 0)
                    u.items[i].score = 0;
            }
            /* an example goes with the sentence that introduces or explains
               it: code shares few words with a question */
            for (size_t i = first; i < u.n; i++) {
                if (!u.items[i].code)
                    continue;
                double next = i + 1 < u.n ? u.items[i + 1].score : 0;
                double prev = i > first ? u.items[i - 1].score : 0;
                double near = CODE_NEIGHBOUR * (next > prev ? next : prev);
                if (near > u.items[i].score)
                    u.items[i].score = near;
            }
            describe_terms(&u, first);
        }
        if (u.n > 1) /* none: no array at all, which qsort must not be given */
            qsort(u.items, u.n, sizeof *u.items, unit_by_score);
        size_t used = 0;
        int taken = 0;
        double best = u.n > 0 ? u.items[0].score : 0;
        for (size_t i = 0; i < u.n && taken < max_sentences; i++) {
            unit *x = &u.items[i];
            if (x->score <= 0 || x->score < UNIT_FLOOR * best)
                break;
            if (used + x->len > max_chars && taken > 0)
                continue;
            x->chosen = true;
            used += x->len;
            taken++;
        }
        if (min_coverage >= 0 && !quotes_hold_names(ix, q, hits, &u))
            for (size_t i = 0; i < u.n; i++)
                u.items[i].chosen = false;
    }
    if (u.n > 0) {
        if (u.n > 1)
            qsort(u.items, u.n, sizeof *u.items, unit_by_place);
        size_t n = 0;
        for (size_t i = 0; i < u.n; i++)
            n += u.items[i].chosen;
        out->quotes = n > 0 ? em_calloc(n, sizeof *out->quotes) : NULL;
        for (size_t i = 0; i < u.n; i++) {
            const unit *x = &u.items[i];
            if (!x->chosen)
                continue;
            const retrieve_passage *p = retrieve_index_passage(ix, hits[x->rank].passage);
            size_t len = x->len;
            bool truncated = false;
            if (len > max_chars) {
                len = utf8_cut(p->text + x->offset, x->len, max_chars);
                truncated = true;
            }
            out->quotes[out->n_quotes++] = (answer_quote){
                .text = em_strndup(p->text + x->offset, len),
                .passage = hits[x->rank].passage,
                .offset = x->offset,
                .len = len,
                .material_id = p->material_id,
                .section = p->section,
                .page_start = p->page_start,
                .page_end = p->page_end,
                .score = x->score,
                .code = x->code,
                .truncated = truncated,
            };
        }
    }
    free(u.items);
    out->answerable = out->n_quotes > 0;
    if (!out->answerable)
        closest_sections(ix, hits, n_hits, out);
    return EM_OK;
}

void answer_cleanup(answer *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n_quotes; i++)
        free(a->quotes[i].text);
    free(a->quotes);
    for (size_t i = 0; i < a->n_sections; i++)
        free(a->sections[i]);
    free(a->sections);
    memset(a, 0, sizeof *a);
}
