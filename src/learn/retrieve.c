/* retrieve: passage retrieval for natural questions (see retrieve.h).
 *
 * Building reads every passage (and its section title) into stems with their
 * word positions, one record per stem. The records' stems are sorted once to
 * give the vocabulary (a sorted array: lookups are binary searches, so no
 * text can make them slow the way colliding keys slow a hash table), then
 * numbered, and the records become, in passage order: the postings of each
 * stem (passage, term frequency) for BM25, the same for titles, and each
 * passage's stems in order with their positions, for proximity.
 *
 * Searching adds up BM25 and the title boost over the postings of the
 * query's stems, takes the best RETRIEVE_CANDIDATES passages, and for those
 * alone walks the passage's stems to find which query stems it holds and
 * where: that gives the proximity bonus and the coverage. */
#include "learn/retrieve.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/words.h"
#include "learn/synonyms.h"

/* ---- constants (docs/internals/learn.md says why) ------------------------ */

#define BM25_K1 1.2             /* term frequency saturation */
#define BM25_B 0.75             /* length normalisation */
#define TITLE_WEIGHT 1.5        /* a stem in the section title counts as this many idf */
#define PROX_WEIGHT 0.5         /* bonus per pair of distinct question words, times idf / distance */
#define PROX_WINDOW 8           /* farther apart (in words) than this is no bonus */
#define PHRASE_FACTOR 2.0       /* the pair stands in the question's order, at most two words apart */
#define PROX_TERMS 16           /* proximity looks at the best 16 stems of a query */
#define PROX_POSITIONS 256      /* and at the first 256 places of each in a passage */
#define RETRIEVE_CANDIDATES 100 /* passages that get the proximity pass */
#define FRAME_WEIGHT 0.3
#define SYNONYM_WEIGHT 0.5
/* How much of its word a synonym covers: ranking prefers the word asked
   (SYNONYM_WEIGHT), but a passage that says "break" where the question says
   "leave" does answer it. */
#define SYNONYM_COVERS 0.8
#define CARRY_WEIGHT 0.5                    /* the latest earlier question's words; halved per step back */
#define FOLLOW_UP_WORDS 2                   /* at most this many content words: a follow-up */
#define MAX_BYTES_CEILING ((size_t)1 << 30) /* records are 32-bit offsets */

/* ---- word lists ---------------------------------------------------------- */

/* Words that frame a question rather than say what it is about ("what's the
 * difference between", "can you explain", "what does X mean", "how does X
 * work", and light verbs: "how do I make X do Y"). They weigh FRAME_WEIGHT
 * and count for nothing in coverage. */
static const char *const frame_words[] = {
    "able",        "actually", "anything",   "basically",   "best",       "better",    "describe",
    "description", "differ",   "difference", "differences", "different",  "example",   "examples",
    "exactly",     "explain",  "explained",  "explanation", "get",        "gets",      "getting",
    "go",          "goes",     "good",       "happen",      "happened",   "happens",   "know",
    "like",        "made",     "make",       "makes",       "making",     "mean",      "meaning",
    "means",       "meant",    "need",       "needs",       "please",     "possible",  "possibly",
    "purpose",     "question", "really",     "say",         "someone",    "something", "tell",
    "thing",       "things",   "try",        "trying",      "understand", "use",       "used",
    "using",       "want",     "wanted",     "way",         "ways",       "work",      "works",
    "working",
};

/* Words that point back at an earlier question. */
static const char *const pronouns[] = {
    "it", "its", "it's", "this", "that", "these", "those", "they", "them", "their", "there", "he", "she",
};

static bool in_list(const char *const *list, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], w) == 0)
            return true;
    }
    return false;
}

static bool is_frame_word(const char *w)
{
    return in_list(frame_words, sizeof frame_words / sizeof frame_words[0], w);
}

static bool is_pronoun(const char *w)
{
    return in_list(pronouns, sizeof pronouns / sizeof pronouns[0], w);
}

/* ---- the index ----------------------------------------------------------- */

typedef struct stored {
    retrieve_passage view; /* pointers into the owned copies below */
    char *text, *material_id, *section;
} stored;

/* One stem read while building. */
typedef struct rec {
    uint32_t stem_off; /* in the build arena, NUL-terminated */
    uint32_t passage;
    uint32_t pos; /* word position in the passage (stop words counted) */
    uint32_t id;  /* vocabulary number, set after the sort */
    bool title;
} rec;

/* A CSR list: entries [start[i], start[i + 1]) belong to i. */
typedef struct csr {
    uint32_t *start; /* owned, count + 1 entries */
    uint32_t *a;     /* owned: passage (postings) or stem id (tokens) */
    uint32_t *b;     /* owned: term frequency (postings) or position (tokens) */
} csr;

struct retrieve_index {
    retrieve_limits limits;
    stored *ps; /* owned */
    size_t n, cap;
    size_t bytes; /* counted against limits.max_bytes */
    bool built;
    /* after build */
    buf vocab_arena; /* distinct stems, NUL-terminated */
    uint32_t *vocab; /* owned: offset of stem i in vocab_arena, sorted by strcmp */
    uint32_t *df;    /* owned: passages whose text holds stem i */
    size_t n_vocab;
    csr body_post;  /* per stem: (passage, tf) over passage text */
    csr title_post; /* per stem: (passage, tf) over section titles */
    csr body_tok;   /* per passage: (stem id, position) in order */
    uint32_t *dl;   /* owned: stems in each passage's text */
    double avgdl;
};

retrieve_index *retrieve_index_new(retrieve_limits limits)
{
    retrieve_index *ix = em_calloc(1, sizeof *ix);
    if (limits.max_passages == 0 || limits.max_passages > UINT32_MAX / 2)
        limits.max_passages = limits.max_passages == 0 ? RETRIEVE_DEFAULT_PASSAGES : UINT32_MAX / 2;
    if (limits.max_bytes == 0)
        limits.max_bytes = RETRIEVE_DEFAULT_BYTES;
    if (limits.max_bytes > MAX_BYTES_CEILING)
        limits.max_bytes = MAX_BYTES_CEILING;
    ix->limits = limits;
    buf_init(&ix->vocab_arena, 4 * MAX_BYTES_CEILING);
    return ix;
}

static void csr_cleanup(csr *c)
{
    free(c->start);
    free(c->a);
    free(c->b);
}

void retrieve_index_free(retrieve_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        free(ix->ps[i].text);
        free(ix->ps[i].material_id);
        free(ix->ps[i].section);
    }
    free(ix->ps);
    buf_cleanup(&ix->vocab_arena);
    free(ix->vocab);
    free(ix->df);
    csr_cleanup(&ix->body_post);
    csr_cleanup(&ix->title_post);
    csr_cleanup(&ix->body_tok);
    free(ix->dl);
    free(ix);
}

int retrieve_index_add(retrieve_index *ix, const retrieve_passage *p, em_error *err)
{
    em_error_clear(err);
    if (ix->built)
        return em_error_set(err, EM_E_INVAL, "the index is already built");
    if (p == NULL || (p->text == NULL && p->len > 0))
        return em_error_set(err, EM_E_INVAL, "missing passage text");
    if (p->len > 0 && memchr(p->text, '\0', p->len) != NULL)
        return em_error_set(err, EM_E_INVAL, "the passage text contains NUL bytes");
    size_t mlen = p->material_id != NULL ? strlen(p->material_id) : 0;
    size_t slen = p->section != NULL ? strlen(p->section) : 0;
    size_t add = p->len + mlen + slen;
    if (ix->n >= ix->limits.max_passages)
        return em_error_set(err, EM_E_TOO_LARGE, "more than %zu passages", ix->limits.max_passages);
    if (add > ix->limits.max_bytes || ix->bytes > ix->limits.max_bytes - add)
        return em_error_set(err, EM_E_TOO_LARGE, "the passages are larger than %zu bytes",
                            ix->limits.max_bytes);
    if (ix->n == ix->cap) {
        ix->cap = ix->cap == 0 ? 64 : ix->cap * 2;
        ix->ps = em_realloc(ix->ps, ix->cap * sizeof *ix->ps);
    }
    stored *s = &ix->ps[ix->n];
    s->text = em_strndup(p->text != NULL ? p->text : "", p->len);
    s->material_id = p->material_id != NULL ? em_strdup(p->material_id) : NULL;
    s->section = p->section != NULL ? em_strdup(p->section) : NULL;
    s->view = (retrieve_passage){
        .text = s->text,
        .len = p->len,
        .material_id = s->material_id,
        .section = s->section,
        .page_start = p->page_start,
        .page_end = p->page_end,
        .listing = p->listing,
    };
    ix->n++;
    ix->bytes += add;
    return EM_OK;
}

size_t retrieve_index_count(const retrieve_index *ix)
{
    return ix->n;
}

const retrieve_passage *retrieve_index_passage(const retrieve_index *ix, size_t i)
{
    assert(i < ix->n);
    return &ix->ps[i].view;
}

/* ---- building ------------------------------------------------------------ */

typedef struct builder {
    buf arena; /* stems of every record */
    rec *recs; /* owned */
    size_t n, cap;
} builder;

/* Read text into records for passage p. Stop words and overlong words are
 * left out but counted in positions. */
static int read_words(builder *b, words_stemmer *st, const char *text, size_t len, uint32_t p, bool title,
                      em_error *err)
{
    words_tokenizer t = words_tokenizer_make(text, len);
    words_word w;
    uint32_t pos = 0;
    char stem[WORDS_STEM_MAX + 1];
    while (words_next(&t, &w)) {
        uint32_t here = pos++;
        if (w.overlong || w.len == 0 || words_is_stop(w.text, w.len))
            continue;
        size_t sl;
        int rc = words_stem(st, w.text, w.len, stem, &sl);
        if (rc != EM_OK)
            return em_error_set(err, rc, "stemming failed");
        size_t off = b->arena.len;
        if (buf_append(&b->arena, stem, sl + 1) != EM_OK || off > UINT32_MAX)
            return em_error_set(err, EM_E_TOO_LARGE, "the passages have too many words");
        if (b->n == b->cap) {
            b->cap = b->cap == 0 ? 1024 : b->cap * 2;
            b->recs = em_realloc(b->recs, b->cap * sizeof *b->recs);
        }
        b->recs[b->n++] = (rec){(uint32_t)off, p, here, 0, title};
    }
    return EM_OK;
}

/* qsort has no context argument: the arena travels in the sort keys. */
typedef struct sort_key {
    const char *stem; /* borrowed from the arena */
    uint32_t rec;
} sort_key;

static int sort_key_cmp(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    int c = strcmp(x->stem, y->stem);
    if (c != 0)
        return c;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* Postings of stems over the records of one field, in passage order. */
static void build_postings(csr *out, const rec *recs, size_t n, size_t n_vocab, bool title, uint32_t *df_out)
{
    uint32_t *last = em_calloc(n_vocab, sizeof *last); /* 1 + last passage seen */
    out->start = em_calloc(n_vocab + 1, sizeof *out->start);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const rec *r = &recs[i];
        if (r->title != title || last[r->id] == r->passage + 1)
            continue;
        last[r->id] = r->passage + 1;
        out->start[r->id + 1]++;
        total++;
    }
    for (size_t v = 0; v < n_vocab; v++) {
        if (df_out != NULL)
            df_out[v] = out->start[v + 1];
        out->start[v + 1] += out->start[v];
    }
    out->a = em_malloc((total + 1) * sizeof *out->a);
    out->b = em_malloc((total + 1) * sizeof *out->b);
    uint32_t *fill = em_malloc((n_vocab + 1) * sizeof *fill);
    if (n_vocab > 0) { /* none: the arrays may be NULL, which memcpy and memset must not get */
        memcpy(fill, out->start, n_vocab * sizeof *fill);
        memset(last, 0, n_vocab * sizeof *last);
    }
    for (size_t i = 0; i < n; i++) {
        const rec *r = &recs[i];
        if (r->title != title)
            continue;
        if (last[r->id] == r->passage + 1) {
            out->b[fill[r->id] - 1]++;
            continue;
        }
        last[r->id] = r->passage + 1;
        out->a[fill[r->id]] = r->passage;
        out->b[fill[r->id]] = 1;
        fill[r->id]++;
    }
    free(fill);
    free(last);
}

int retrieve_index_build(retrieve_index *ix, em_error *err)
{
    em_error_clear(err);
    if (ix->built)
        return em_error_set(err, EM_E_INVAL, "the index is already built");
    int rc = EM_OK;
    builder b = {0};
    sort_key *keys = NULL;
    buf_init(&b.arena, 4 * MAX_BYTES_CEILING);
    words_stemmer *st = words_stemmer_new(err);
    if (st == NULL)
        return EM_E_INTERNAL;
    for (size_t p = 0; p < ix->n; p++) {
        const stored *s = &ix->ps[p];
        if (s->view.listing)
            continue; /* no postings: no query finds it */
        rc = read_words(&b, st, s->text, s->view.len, (uint32_t)p, false, err);
        if (rc == EM_OK && s->section != NULL)
            rc = read_words(&b, st, s->section, strlen(s->section), (uint32_t)p, true, err);
        if (rc != EM_OK)
            goto cleanup;
    }
    if (b.n > UINT32_MAX / 2) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "the passages have too many words");
        goto cleanup;
    }

    /* the vocabulary: sort, then number the distinct stems */
    keys = em_malloc((b.n + 1) * sizeof *keys);
    for (size_t i = 0; i < b.n; i++)
        keys[i] = (sort_key){b.arena.data + b.recs[i].stem_off, (uint32_t)i};
    if (b.n > 1)
        qsort(keys, b.n, sizeof *keys, sort_key_cmp);
    size_t n_vocab = 0;
    ix->vocab = em_malloc((b.n + 1) * sizeof *ix->vocab);
    for (size_t i = 0; i < b.n; i++) {
        if (i == 0 || strcmp(keys[i].stem, keys[i - 1].stem) != 0) {
            size_t off = ix->vocab_arena.len;
            if (buf_append(&ix->vocab_arena, keys[i].stem, strlen(keys[i].stem) + 1) != EM_OK) {
                rc = em_error_set(err, EM_E_TOO_LARGE, "the passages have too many words");
                goto cleanup;
            }
            ix->vocab[n_vocab++] = (uint32_t)off;
        }
        b.recs[keys[i].rec].id = (uint32_t)(n_vocab - 1);
    }
    ix->n_vocab = n_vocab;

    ix->df = em_calloc(n_vocab + 1, sizeof *ix->df);
    build_postings(&ix->body_post, b.recs, b.n, n_vocab, false, ix->df);
    build_postings(&ix->title_post, b.recs, b.n, n_vocab, true, NULL);

    /* each passage's stems in order */
    ix->dl = em_calloc(ix->n + 1, sizeof *ix->dl);
    ix->body_tok.start = em_calloc(ix->n + 1, sizeof *ix->body_tok.start);
    size_t n_tok = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (!b.recs[i].title) {
            ix->dl[b.recs[i].passage]++;
            n_tok++;
        }
    }
    for (size_t p = 0; p < ix->n; p++)
        ix->body_tok.start[p + 1] = ix->body_tok.start[p] + ix->dl[p];
    ix->body_tok.a = em_malloc((n_tok + 1) * sizeof *ix->body_tok.a);
    ix->body_tok.b = em_malloc((n_tok + 1) * sizeof *ix->body_tok.b);
    size_t t = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (b.recs[i].title)
            continue;
        ix->body_tok.a[t] = b.recs[i].id;
        ix->body_tok.b[t] = b.recs[i].pos;
        t++;
    }
    size_t n_taught = 0; /* the passages that count for lengths */
    for (size_t p = 0; p < ix->n; p++)
        n_taught += !ix->ps[p].view.listing;
    ix->avgdl = n_taught > 0 ? (double)n_tok / (double)n_taught : 0;
    if (ix->avgdl <= 0)
        ix->avgdl = 1;
    ix->built = true;

cleanup:
    if (rc != EM_OK) {
        /* leave the index as it was before: unbuilt, with its passages */
        buf_cleanup(&ix->vocab_arena);
        buf_init(&ix->vocab_arena, 4 * MAX_BYTES_CEILING);
        free(ix->vocab);
        ix->vocab = NULL;
        ix->n_vocab = 0;
    }
    free(keys);
    free(b.recs);
    buf_cleanup(&b.arena);
    words_stemmer_free(st);
    return rc;
}

/* The number of a stem in the vocabulary, or -1. */
static long vocab_find(const retrieve_index *ix, const char *stem)
{
    size_t lo = 0, hi = ix->n_vocab;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix->vocab_arena.data + ix->vocab[mid], stem);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static double idf_of_df(const retrieve_index *ix, double df)
{
    double n = (double)ix->n;
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double retrieve_idf(const retrieve_index *ix, const char *stem)
{
    long id = ix->built ? vocab_find(ix, stem) : -1;
    return idf_of_df(ix, id < 0 ? 0.0 : (double)ix->df[id]);
}

bool retrieve_holds(const retrieve_index *ix, const char *stem)
{
    return ix->built && vocab_find(ix, stem) >= 0;
}

/* ---- queries ------------------------------------------------------------- */

/* Add a term, or raise the weight of the one with the same stem. Returns its
 * index, or -1 when the query is full. */
static int query_add(retrieve_query *q, const char *stem, const char *word, double weight,
                     retrieve_origin origin, int group, int pos)
{
    for (size_t i = 0; i < q->n; i++) {
        retrieve_term *t = &q->terms[i];
        if (strcmp(t->stem, stem) != 0)
            continue;
        if (weight > t->weight) {
            t->weight = weight;
            t->origin = origin;
            t->group = group;
            t->pos = pos;
        }
        return (int)i;
    }
    if (q->n >= RETRIEVE_QUERY_TERMS_MAX)
        return -1;
    retrieve_term *t = &q->terms[q->n];
    memset(t, 0, sizeof *t);
    snprintf(t->stem, sizeof t->stem, "%s", stem);
    snprintf(t->word, sizeof t->word, "%s", word);
    t->weight = weight;
    t->origin = origin;
    t->group = group;
    t->group2 = -1;
    t->pos = pos;
    return (int)q->n++;
}

/* Whether a question opening with word asks something whole by itself
 * ("What is a runlevel?", "Explain osmosis"), unlike a fragment that leans on
 * the question before ("In plants?", "Give an example"). */
static bool opens_question(const char *word)
{
    static const char *const openers[] = {
        "what",   "how",   "why",  "when",    "where",  "which",    "who",     "whom",      "whose",
        "is",     "are",   "was",  "were",    "do",     "does",     "did",     "can",       "could",
        "should", "would", "will", "explain", "define", "describe", "compare", "summarize", "summarise",
    };
    for (size_t i = 0; i < sizeof openers / sizeof *openers; i++)
        if (strcmp(word, openers[i]) == 0)
            return true;
    return false;
}

/* Read a question's words: content words (as asked or carried) into q with
 * weight, frame words when frames is true. Sets *content to the number of
 * content words, *pronoun when one of the pronouns is there, *leading when
 * it opens as a continuation ("and", "but", "what about", "how about") and
 * *whole when it opens as a question of its own (opens_question). */
static int read_question(retrieve_query *q, words_stemmer *st, const char *text, size_t len, double weight,
                         retrieve_origin origin, bool frames, int *content /* OUT */, bool *pronoun /* OUT */,
                         bool *leading /* OUT */, bool *whole /* OUT */, em_error *err)
{
    words_tokenizer t = words_tokenizer_make(text, len);
    words_word w;
    int pos = 0;
    char first[WORDS_MAX + 1] = "";
    char stem[WORDS_STEM_MAX + 1];
    *content = 0;
    *pronoun = false;
    *leading = false;
    *whole = false;
    while (words_next(&t, &w)) {
        int here = pos++;
        if (w.overlong || w.len == 0)
            continue;
        if (here == 0) {
            snprintf(first, sizeof first, "%s", w.text);
            *whole = opens_question(first);
        }
        if (here == 0 && (strcmp(w.text, "and") == 0 || strcmp(w.text, "but") == 0))
            *leading = true;
        if (here == 1 && strcmp(w.text, "about") == 0 &&
            (strcmp(first, "what") == 0 || strcmp(first, "how") == 0)) {
            *leading = true;
            *whole = false;
        }
        if (is_pronoun(w.text))
            *pronoun = true;
        if (words_is_stop(w.text, w.len))
            continue;
        size_t sl;
        int rc = words_stem(st, w.text, w.len, stem, &sl);
        if (rc != EM_OK)
            return em_error_set(err, rc, "stemming failed");
        if (is_frame_word(w.text)) {
            if (frames)
                query_add(q, stem, w.text, FRAME_WEIGHT * weight, RETRIEVE_FRAME, -1, here);
            continue;
        }
        (*content)++;
        int i = query_add(q, stem, w.text, weight, origin, q->n_groups, here);
        if (i >= 0 && q->terms[i].group == q->n_groups)
            q->n_groups++;
        if (i >= 0 && origin == RETRIEVE_ASKED && here > 0 && w.start < len &&
            text[w.start] >= 'A' && text[w.start] <= 'Z')
            q->terms[i].named = true;
    }
    return EM_OK;
}

/* Add the synonyms of the asked words, each in its word's group (the table
 * and its stems are learn/synonyms'). */
static void add_synonyms(retrieve_query *q)
{
    size_t asked = q->n;
    for (size_t g = 0; g < synonyms_count(); g++) {
        const char *const *words = synonyms_group(g);
        const char *const *stems = synonyms_group_stems(g);
        /* is any word of the group asked? */
        int hit = -1;
        for (size_t k = 0; stems[k] != NULL && hit < 0; k++) {
            for (size_t i = 0; i < asked; i++) {
                if (q->terms[i].origin == RETRIEVE_ASKED && strcmp(q->terms[i].stem, stems[k]) == 0) {
                    hit = (int)i;
                    break;
                }
            }
        }
        if (hit < 0)
            continue;
        retrieve_term base = q->terms[hit];
        for (size_t k = 0; stems[k] != NULL; k++) {
            if (strcmp(stems[k], base.stem) == 0)
                continue;
            bool known = false;
            for (size_t i = 0; i < q->n; i++)
                known = known || strcmp(q->terms[i].stem, stems[k]) == 0;
            if (!known)
                query_add(q, stems[k], words[k], SYNONYM_WEIGHT * base.weight, RETRIEVE_SYNONYM, base.group,
                          base.pos);
        }
    }
}

/* Each two asked content words one after the other ("file system") also as
 * one word ("filesystem"), which covers the groups of both. Only words of
 * letters, each at least JOINED_MIN letters long. */
#define JOINED_MIN 3
static int add_joined(retrieve_query *q, words_stemmer *st, em_error *err)
{
    size_t n = q->n;
    for (size_t i = 0; i < n; i++) {
        const retrieve_term *a = &q->terms[i];
        if (a->origin != RETRIEVE_ASKED || a->group < 0)
            continue;
        for (size_t j = 0; j < n; j++) {
            const retrieve_term *b = &q->terms[j];
            if (b->origin != RETRIEVE_ASKED || b->pos != a->pos + 1 || b->group == a->group)
                continue;
            size_t la = strlen(a->word), lb = strlen(b->word);
            if (la < JOINED_MIN || lb < JOINED_MIN || la + lb > WORDS_MAX)
                continue;
            bool letters = true;
            for (size_t k = 0; k < la; k++)
                letters = letters && ((a->word[k] >= 'a' && a->word[k] <= 'z'));
            for (size_t k = 0; k < lb; k++)
                letters = letters && ((b->word[k] >= 'a' && b->word[k] <= 'z'));
            if (!letters)
                continue;
            char word[WORDS_MAX + 1], stem[WORDS_STEM_MAX + 1];
            memcpy(word, a->word, la);
            memcpy(word + la, b->word, lb);
            word[la + lb] = '\0';
            size_t sl;
            int rc = words_stem(st, word, la + lb, stem, &sl);
            if (rc != EM_OK)
                return em_error_set(err, rc, "stemming failed");
            bool known = false;
            for (size_t k = 0; k < q->n && !known; k++)
                known = strcmp(q->terms[k].stem, stem) == 0;
            if (known)
                continue;
            int at = query_add(q, stem, word, a->weight, RETRIEVE_JOINED, a->group, a->pos);
            if (at >= 0)
                q->terms[at].group2 = b->group;
        }
    }
    return EM_OK;
}

int retrieve_query_build(const char *question, size_t len, const char *const *history, size_t n_history,
                         retrieve_query *out, em_error *err)
{
    em_error_clear(err);
    memset(out, 0, sizeof *out);
    if (question == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "missing question");
    if (len > RETRIEVE_QUESTION_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "the question is longer than %d bytes",
                            RETRIEVE_QUESTION_MAX);
    size_t from = n_history > RETRIEVE_HISTORY_MAX ? n_history - RETRIEVE_HISTORY_MAX : 0;
    for (size_t h = from; h < n_history; h++) {
        if (history[h] != NULL && strlen(history[h]) > RETRIEVE_QUESTION_MAX)
            return em_error_set(err, EM_E_TOO_LARGE, "an earlier question is longer than %d bytes",
                                RETRIEVE_QUESTION_MAX);
    }
    words_stemmer *st = words_stemmer_new(err);
    if (st == NULL)
        return EM_E_INTERNAL;

    int content;
    bool pronoun, leading, whole;
    int rc = read_question(out, st, question, len, 1.0, RETRIEVE_ASKED, true, &content, &pronoun, &leading,
                           &whole, err);
    if (rc == EM_OK)
        add_synonyms(out);
    if (rc == EM_OK)
        rc = add_joined(out, st, err);
    /* a short question leans on the one before unless it asks something
       whole of its own: "In plants?" does, "What is a runlevel?" does not */
    bool short_fragment = content == 0 || (content <= FOLLOW_UP_WORDS && !whole);
    if (rc == EM_OK && n_history > from && (short_fragment || pronoun || leading)) {
        double w = CARRY_WEIGHT;
        size_t before = out->n;
        for (size_t h = n_history; h-- > from && rc == EM_OK; w /= 2) {
            if (history[h] == NULL)
                continue;
            int c;
            bool p, l, o;
            rc = read_question(out, st, history[h], strlen(history[h]), w, RETRIEVE_CARRIED, false, &c, &p,
                               &l, &o, err);
        }
        out->follow_up = out->n > before;
    }
    words_stemmer_free(st);
    if (rc != EM_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- search -------------------------------------------------------------- */

/* A query stem looked up in the index. */
typedef struct qterm {
    long id; /* vocabulary number, -1 when no passage holds it */
    double idf;
    double wi;    /* weight * idf */
    int group;    /* -1: frame word */
    int qpos;     /* position in the question */
    double share; /* of its group's weight: weight / the group's largest weight */
} qterm;

/* Weights of the query's stems and groups in the index. gw[g] is the
 * group's largest weight times the idf of that term; returns their sum. */
static double query_weigh(const retrieve_index *ix, const retrieve_query *q, qterm *qt /* OUT */,
                          double *gw /* OUT */)
{
    double gmax[RETRIEVE_QUERY_TERMS_MAX] = {0};
    for (size_t i = 0; i < q->n; i++) {
        const retrieve_term *t = &q->terms[i];
        long id = vocab_find(ix, t->stem);
        double idf = idf_of_df(ix, id < 0 ? 0.0 : (double)ix->df[id]);
        qt[i] = (qterm){id, idf, t->weight * idf, t->group, t->pos, 0};
        if (t->group >= 0 && t->origin != RETRIEVE_JOINED && t->weight > gmax[t->group])
            gmax[t->group] = t->weight;
    }
    for (int g = 0; g < q->n_groups; g++)
        gw[g] = 0;
    for (size_t i = 0; i < q->n; i++) {
        int g = qt[i].group;
        if (g < 0)
            continue;
        if (q->terms[i].origin == RETRIEVE_JOINED) {
            qt[i].share = 1.0; /* both words, written as one */
            continue;
        }
        qt[i].share = q->terms[i].weight / gmax[g];
        if (qt[i].share >= 1.0) /* the group's own word: its idf sets the group's weight */
            gw[g] = gmax[g] * qt[i].idf;
    }
    double total = 0;
    for (int g = 0; g < q->n_groups; g++)
        total += gw[g];
    return total;
}

typedef struct cand {
    uint32_t passage;
    double bm25, title, prox, coverage;
} cand;

static double cand_score(const cand *c)
{
    return c->bm25 + c->title + c->prox;
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    double sx = cand_score(x), sy = cand_score(y);
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return x->passage < y->passage ? -1 : x->passage > y->passage;
}

/* The smallest distance between a place in pa and one in pb (both sorted),
 * and whether some place of b follows one of a by 1 or 2 words. */
static uint32_t min_distance(const uint32_t *pa, size_t na, const uint32_t *pb, size_t nb,
                             bool *ordered /* OUT */)
{
    uint32_t best = UINT32_MAX;
    *ordered = false;
    size_t i = 0, j = 0;
    while (i < na && j < nb) {
        uint32_t d = pa[i] < pb[j] ? pb[j] - pa[i] : pa[i] - pb[j];
        if (d < best)
            best = d;
        if (pb[j] > pa[i] && pb[j] - pa[i] <= 2)
            *ordered = true;
        if (pa[i] < pb[j])
            i++;
        else
            j++;
    }
    return best;
}

/* Positions of the query's stems in one passage. */
typedef struct places {
    uint32_t at[PROX_TERMS][PROX_POSITIONS];
    size_t n[PROX_TERMS];
} places;

/* A query stem in the binary search of candidate_detail. */
typedef struct id_slot {
    uint32_t id; /* vocabulary number */
    size_t term; /* index in the query */
    int slot;    /* index in places, -1 when proximity does not look at it */
} id_slot;

/* The share of its group a query stem covers when a passage holds it. */
static double cover_share(const retrieve_query *q, const qterm *qt, size_t i)
{
    return q->terms[i].origin == RETRIEVE_SYNONYM ? SYNONYM_COVERS : qt[i].share;
}

/* Proximity bonus and coverage of one candidate, into c. prox_terms lists
 * the query indexes proximity looks at (n_prox of them); pl is scratch
 * space. Time: the passage's words times the log of the query's stems, then
 * one merge per pair of at most PROX_TERMS stems over at most
 * PROX_POSITIONS places each. */
static void candidate_detail(const retrieve_index *ix, const retrieve_query *q, const qterm *qt,
                             const double *gw, double gw_total, const size_t *prox_terms, size_t n_prox,
                             places *pl, cand *c)
{
    bool present[RETRIEVE_QUERY_TERMS_MAX] = {false};
    memset(pl->n, 0, sizeof pl->n);
    /* the query's stems by vocabulary number, for a binary search per word */
    id_slot look[RETRIEVE_QUERY_TERMS_MAX];
    size_t n_look = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (qt[i].id < 0)
            continue;
        int slot = -1;
        for (size_t m = 0; m < n_prox; m++) {
            if (prox_terms[m] == i)
                slot = (int)m;
        }
        size_t at = n_look++;
        while (at > 0 && look[at - 1].id > (uint32_t)qt[i].id) {
            look[at] = look[at - 1];
            at--;
        }
        look[at] = (id_slot){(uint32_t)qt[i].id, i, slot};
    }
    uint32_t from = ix->body_tok.start[c->passage], to = ix->body_tok.start[c->passage + 1];
    for (uint32_t k = from; k < to; k++) {
        uint32_t id = ix->body_tok.a[k];
        size_t lo = 0, hi = n_look;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (look[mid].id < id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == n_look || look[lo].id != id)
            continue;
        present[look[lo].term] = true;
        int m = look[lo].slot;
        if (m >= 0 && pl->n[m] < PROX_POSITIONS)
            pl->at[m][pl->n[m]++] = ix->body_tok.b[k];
    }
    /* title: a stem there covers too (postings are in passage order) */
    for (size_t i = 0; i < q->n; i++) {
        if (present[i] || qt[i].id < 0)
            continue;
        const csr *tp = &ix->title_post;
        uint32_t lo = tp->start[qt[i].id], hi = tp->start[qt[i].id + 1];
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (tp->a[mid] < c->passage)
                lo = mid + 1;
            else
                hi = mid;
        }
        present[i] = lo < tp->start[qt[i].id + 1] && tp->a[lo] == c->passage;
    }

    double covered = 0;
    double best[RETRIEVE_QUERY_TERMS_MAX] = {0};
    for (size_t i = 0; i < q->n; i++) {
        int g = qt[i].group, g2 = q->terms[i].group2;
        if (g >= 0 && present[i] && cover_share(q, qt, i) > best[g])
            best[g] = cover_share(q, qt, i);
        if (g2 >= 0 && present[i] && cover_share(q, qt, i) > best[g2])
            best[g2] = cover_share(q, qt, i);
    }
    for (int g = 0; g < q->n_groups; g++)
        covered += gw[g] * best[g];
    c->coverage = gw_total > 0 ? covered / gw_total : 0;

    double prox = 0;
    for (size_t a = 0; a < n_prox; a++) {
        for (size_t b = a + 1; b < n_prox; b++) {
            size_t i = prox_terms[a], j = prox_terms[b];
            if (pl->n[a] == 0 || pl->n[b] == 0 || qt[i].group == qt[j].group)
                continue;
            /* order: i before j in the question */
            bool swap = qt[j].qpos < qt[i].qpos;
            bool ordered;
            uint32_t d = swap ? min_distance(pl->at[b], pl->n[b], pl->at[a], pl->n[a], &ordered)
                              : min_distance(pl->at[a], pl->n[a], pl->at[b], pl->n[b], &ordered);
            if (d == 0 || d > PROX_WINDOW)
                continue;
            double w = qt[i].wi < qt[j].wi ? qt[i].wi : qt[j].wi;
            prox += PROX_WEIGHT * w / (double)d * (ordered ? PHRASE_FACTOR : 1.0);
        }
    }
    c->prox = prox;
}

static int wi_desc(const void *a, const void *b, const qterm *qt)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    if (qt[x].wi != qt[y].wi)
        return qt[x].wi > qt[y].wi ? -1 : 1;
    return x < y ? -1 : x > y;
}

int retrieve_search(const retrieve_index *ix, const retrieve_query *q, size_t k, retrieve_hit *hits,
                    size_t *n_hits, em_error *err)
{
    em_error_clear(err);
    *n_hits = 0;
    if (!ix->built)
        return em_error_set(err, EM_E_INVAL, "the index is not built");
    if (k > RETRIEVE_K_MAX)
        return em_error_set(err, EM_E_INVAL, "at most %d passages", RETRIEVE_K_MAX);
    if (k == 0 || q->n == 0 || ix->n == 0)
        return EM_OK;

    qterm qt[RETRIEVE_QUERY_TERMS_MAX];
    double gw[RETRIEVE_QUERY_TERMS_MAX];
    double gw_total = query_weigh(ix, q, qt, gw);

    /* BM25 and titles over the postings */
    double *score = em_calloc(ix->n, sizeof *score);
    double *title = em_calloc(ix->n, sizeof *title);
    uint32_t *touched = em_malloc(ix->n * sizeof *touched);
    size_t n_touched = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (qt[i].id < 0)
            continue;
        const csr *bp = &ix->body_post;
        for (uint32_t e = bp->start[qt[i].id]; e < bp->start[qt[i].id + 1]; e++) {
            uint32_t p = bp->a[e];
            double tf = bp->b[e];
            double norm = BM25_K1 * (1.0 - BM25_B + BM25_B * (double)ix->dl[p] / ix->avgdl);
            if (score[p] == 0 && title[p] == 0)
                touched[n_touched++] = p;
            score[p] += qt[i].wi * tf * (BM25_K1 + 1.0) / (tf + norm);
        }
        const csr *tp = &ix->title_post;
        for (uint32_t e = tp->start[qt[i].id]; e < tp->start[qt[i].id + 1]; e++) {
            uint32_t p = tp->a[e];
            if (score[p] == 0 && title[p] == 0)
                touched[n_touched++] = p;
            title[p] += qt[i].wi * TITLE_WEIGHT;
        }
    }
    cand *cands = em_malloc((n_touched + 1) * sizeof *cands);
    size_t n_cands = 0;
    for (size_t t = 0; t < n_touched; t++) {
        uint32_t p = touched[t];
        if (score[p] > 0 || title[p] > 0)
            cands[n_cands++] = (cand){p, score[p], title[p], 0, 0};
    }
    free(score);
    free(title);
    free(touched);
    if (n_cands > 1)
        qsort(cands, n_cands, sizeof *cands, cand_cmp);
    if (n_cands > RETRIEVE_CANDIDATES)
        n_cands = RETRIEVE_CANDIDATES;

    /* proximity and coverage of the best */
    size_t order[RETRIEVE_QUERY_TERMS_MAX], n_order = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (qt[i].id >= 0 && qt[i].group >= 0)
            order[n_order++] = i;
    }
    /* insertion sort by weight * idf, highest first (at most 48) */
    for (size_t a = 1; a < n_order; a++) {
        size_t v = order[a], b = a;
        while (b > 0 && wi_desc(&v, &order[b - 1], qt) < 0) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
    if (n_order > PROX_TERMS)
        n_order = PROX_TERMS;
    places *pl = em_malloc(sizeof *pl);
    for (size_t c = 0; c < n_cands; c++)
        candidate_detail(ix, q, qt, gw, gw_total, order, n_order, pl, &cands[c]);
    free(pl);
    if (n_cands > 1)
        qsort(cands, n_cands, sizeof *cands, cand_cmp);

    size_t n = n_cands < k ? n_cands : k;
    for (size_t i = 0; i < n; i++) {
        const cand *c = &cands[i];
        hits[i] = (retrieve_hit){
            .passage = c->passage,
            .score = cand_score(c),
            .bm25 = c->bm25,
            .title = c->title,
            .proximity = c->prox,
            .coverage = c->coverage,
        };
    }
    *n_hits = n;
    free(cands);
    return EM_OK;
}

int retrieve_question(const retrieve_index *ix, const char *question, size_t len, size_t k,
                      retrieve_hit *hits, size_t *n_hits, em_error *err)
{
    *n_hits = 0;
    retrieve_query *q = em_malloc(sizeof *q);
    int rc = retrieve_query_build(question, len, NULL, 0, q, err);
    if (rc == EM_OK)
        rc = retrieve_search(ix, q, k, hits, n_hits, err);
    free(q);
    return rc;
}

double retrieve_coverage_of_text(const retrieve_index *ix, const retrieve_query *q, const char *text,
                                 size_t len)
{
    if (!ix->built || q->n == 0)
        return 0;
    qterm qt[RETRIEVE_QUERY_TERMS_MAX];
    double gw[RETRIEVE_QUERY_TERMS_MAX];
    double total = query_weigh(ix, q, qt, gw);
    if (total <= 0)
        return 0;
    words_stemmer *st = words_stemmer_new(NULL);
    if (st == NULL)
        return 0;
    double best[RETRIEVE_QUERY_TERMS_MAX] = {0};
    words_tokenizer t = words_tokenizer_make(text, len);
    words_word w;
    char stem[WORDS_STEM_MAX + 1];
    while (words_next(&t, &w)) {
        if (w.overlong || w.len == 0 || words_is_stop(w.text, w.len))
            continue;
        size_t sl;
        if (words_stem(st, w.text, w.len, stem, &sl) != EM_OK)
            break;
        for (size_t i = 0; i < q->n; i++) {
            int g = q->terms[i].group, g2 = q->terms[i].group2;
            if (g < 0 || strcmp(q->terms[i].stem, stem) != 0)
                continue;
            double share = cover_share(q, qt, i);
            if (share > best[g])
                best[g] = share;
            if (g2 >= 0 && share > best[g2])
                best[g2] = share;
        }
    }
    words_stemmer_free(st);
    double covered = 0;
    for (int g = 0; g < q->n_groups; g++)
        covered += gw[g] * best[g];
    return covered / total;
}
