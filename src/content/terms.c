/* terms: key terms of a material.
 *
 * Words, stop words and stems come from core/words. The tokenizer hands out
 * words with a flag saying whether only white space (at most one line break)
 * or one hyphen directly between word characters separates the word from the
 * previous one: such neighbours may form a two-word term.
 *
 * Key terms are counted in two hash tables: one from term (a stem, or two
 * stems joined by a space) to its counts, one from surface form (the word as
 * written, lowercased) to its count and term. A surface form has exactly one
 * stem, so the display form of a term is its most frequent surface. The keys
 * live in one arena and the tables hold small fixed records, about 60 bytes
 * per distinct term or form, and both are capped (TERMS_MAX_DISTINCT,
 * TERMS_MAX_ARENA): memory does not grow with the text past them. The
 * tables' hash is keyed per call (SipHash, libsodium's crypto_shorthash), so
 * no text can make its words collide. */
#include "content/terms.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/words.h"

/* ---- words ---------------------------------------------------------------- */

typedef words_tokenizer tokenizer;
typedef words_word word;

bool terms_is_stop_word(const char *w, size_t len)
{
    return words_is_stop(w, len);
}

const char *const *terms_stop_words(size_t *n)
{
    return words_stop_list(n);
}

/* "1st", "2nd", "3rd", "21th": digits then an ordinal suffix. */
static bool is_ordinal(const word *w)
{
    size_t d = 0;
    while (d < w->len && w->text[d] >= '0' && w->text[d] <= '9')
        d++;
    if (d == 0 || w->len != d + 2)
        return false;
    const char *s = w->text + d;
    return strcmp(s, "st") == 0 || strcmp(s, "nd") == 0 || strcmp(s, "rd") == 0 || strcmp(s, "th") == 0;
}

/* Whether a word can be a key term. Words that start with a digit ("12x",
 * "3rd", "4km") are quantities and expressions, not terms; digits later on
 * stay ("co2", "h2o"). */
static bool is_term_word(const word *w)
{
    return !w->overlong && w->chars >= 3 && w->has_letter && !is_ordinal(w) &&
           !(w->text[0] >= '0' && w->text[0] <= '9') && !terms_is_stop_word(w->text, w->len);
}

/* The stem of w into out (at least WORDS_STEM_MAX + 1 bytes). */
static int stem_word(words_stemmer *st, const word *w, char *out, size_t *out_len /* OUT */)
{
    return words_stem(st, w->text, w->len, out, out_len);
}

/* ---- strings interned in an arena ------------------------------------------- */

/* Where an interned string lies in the arena (followed there by a NUL). */
typedef struct span_ref {
    uint32_t off;
    uint32_t len;
} span_ref;

/* A hash table slot: the string's index + 1 (0 when free) and the low 32
 * bits of its hash, which pick the slot and reject most mismatches without
 * touching the arena. */
typedef struct slot {
    uint32_t index1;
    uint32_t hash;
} slot;

/* A set of distinct strings, numbered 0, 1, ... in the order they were
 * added, kept in a shared arena. Open addressing with linear probing, at
 * most half full. The hash is keyed with a secret drawn per call, so text
 * cannot be written to make its words collide (which would make every
 * lookup walk one long run of slots). */
typedef struct strtab {
    slot *slots; /* owned; cap a power of two, 0 before the first add */
    size_t cap;
    span_ref *refs; /* owned: where string i lies in the arena */
    size_t n, refs_cap;
} strtab;

typedef struct hasher {
    unsigned char key[crypto_shorthash_KEYBYTES];
} hasher;

static uint32_t hash_key(const hasher *h, const char *p, size_t n)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)p, n, h->key);
    uint32_t v;
    memcpy(&v, out, sizeof v);
    return v;
}

static void strtab_cleanup(strtab *t)
{
    free(t->slots);
    free(t->refs);
}

static const char *strtab_str(const strtab *t, const buf *arena, size_t i)
{
    return arena->data + t->refs[i].off;
}

/* The slot holding key, or the free slot where it would go. */
static slot *strtab_slot(const strtab *t, const buf *arena, const char *key, size_t len, uint32_t h)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot *s = &t->slots[i];
        if (s->index1 == 0)
            return s;
        const span_ref *r = &t->refs[s->index1 - 1];
        if (s->hash == h && r->len == len && memcmp(arena->data + r->off, key, len) == 0)
            return s;
    }
}

/* The index of key, or SIZE_MAX when absent. */
static size_t strtab_find(const strtab *t, const buf *arena, const char *key, size_t len, uint32_t h)
{
    if (t->cap == 0)
        return SIZE_MAX;
    const slot *s = strtab_slot(t, arena, key, len, h);
    return s->index1 == 0 ? SIZE_MAX : s->index1 - 1;
}

/* Add key, which must be absent, copying it (and a NUL) into the arena.
 * Returns its index, or SIZE_MAX when the arena is at its maximum. */
static size_t strtab_add(strtab *t, buf *arena, const char *key, size_t len, uint32_t h)
{
    size_t off = arena->len;
    if (buf_append(arena, key, len) != EM_OK || buf_append(arena, "", 1) != EM_OK) {
        arena->len = off;
        return SIZE_MAX;
    }
    if ((t->n + 1) * 2 > t->cap) {
        strtab old = *t;
        t->cap = old.cap == 0 ? 64 : old.cap * 2;
        t->slots = em_calloc(t->cap, sizeof *t->slots);
        for (size_t i = 0; i < old.cap; i++) {
            if (old.slots[i].index1 == 0)
                continue;
            size_t mask = t->cap - 1;
            size_t k = old.slots[i].hash & mask;
            while (t->slots[k].index1 != 0)
                k = (k + 1) & mask;
            t->slots[k] = old.slots[i];
        }
        free(old.slots);
    }
    if (t->n == t->refs_cap) {
        t->refs_cap = t->refs_cap == 0 ? 256 : t->refs_cap * 2;
        t->refs = em_realloc(t->refs, t->refs_cap * sizeof *t->refs);
    }
    slot *s = strtab_slot(t, arena, key, len, h);
    assert(s->index1 == 0);
    t->refs[t->n] = (span_ref){(uint32_t)off, (uint32_t)len};
    *s = (slot){(uint32_t)(t->n + 1), h};
    return t->n++;
}

/* ---- counting ------------------------------------------------------------- */

/* Distinct terms (one- and two-word together), and distinct surface forms,
 * counted per call, and the bytes of their text: past either, words of a
 * term not yet seen are left out while those already seen go on being
 * counted. A textbook of a million words has a few hundred thousand distinct
 * terms; the limits bound the memory of key terms (about 80 MB at worst)
 * whatever the text. */
#define TERMS_MAX_DISTINCT ((size_t)1 << 19)
#define TERMS_MAX_ARENA ((size_t)32 << 20)

typedef struct term_entry {
    uint32_t count;
    uint32_t docs;
    uint32_t last_doc; /* 1 + the last document counted in docs, 0 for none */
    uint32_t first_doc;
    uint32_t surface;       /* index of the chosen surface form */
    uint32_t surface_count; /* its count, 0 before one is chosen */
    bool bigram;
    bool redundant; /* a one-word term only ever seen inside one pair */
} term_entry;

typedef struct surface_entry {
    uint32_t term; /* index of its term_entry */
    uint32_t count;
} surface_entry;

/* Terms are keyed by their stem ("cell", or "cell membran" for a pair) in
 * `terms`, surface forms by the words as written, lowercased, in `surfaces`;
 * the entries arrays run parallel to the tables' numbering. */
typedef struct counts {
    hasher hash;
    buf arena; /* every key, NUL-terminated */
    strtab term_keys, surface_keys;
    term_entry *terms;       /* owned, term_keys.n entries */
    surface_entry *surfaces; /* owned, surface_keys.n entries */
    size_t terms_cap, surfaces_cap;
    size_t words; /* term words counted */
} counts;

static void counts_init(counts *c)
{
    memset(c, 0, sizeof *c);
    /* Without libsodium's random source (it never fails on Linux) the key
     * stays zero: counting still works, only unkeyed. */
    if (sodium_init() >= 0)
        randombytes_buf(c->hash.key, sizeof c->hash.key);
    buf_init(&c->arena, TERMS_MAX_ARENA);
}

static void counts_cleanup(counts *c)
{
    strtab_cleanup(&c->term_keys);
    strtab_cleanup(&c->surface_keys);
    buf_cleanup(&c->arena);
    free(c->terms);
    free(c->surfaces);
}

/* Whether a new string of n bytes (and its NUL) fits in the arena. */
static bool arena_room(const counts *c, size_t n)
{
    return c->arena.max - c->arena.len > n;
}

/* Count one occurrence of the term `key` written as `surface` in document
 * doc. A new term needs room for itself and its first surface form (see
 * TERMS_MAX_DISTINCT); a known term without room for a new form keeps the
 * forms it has. */
static void counts_add(counts *c, const char *key, size_t klen, const char *surface, size_t slen, bool bigram,
                       uint32_t doc)
{
    uint32_t h = hash_key(&c->hash, key, klen);
    size_t ti = strtab_find(&c->term_keys, &c->arena, key, klen, h);
    if (ti == SIZE_MAX) {
        if (c->term_keys.n >= TERMS_MAX_DISTINCT || c->surface_keys.n >= TERMS_MAX_DISTINCT ||
            !arena_room(c, klen + 1 + slen + 1))
            return;
        ti = strtab_add(&c->term_keys, &c->arena, key, klen, h);
        assert(ti != SIZE_MAX);
        if (ti == c->terms_cap) {
            c->terms_cap = c->terms_cap == 0 ? 256 : c->terms_cap * 2;
            c->terms = em_realloc(c->terms, c->terms_cap * sizeof *c->terms);
        }
        c->terms[ti] = (term_entry){.first_doc = doc, .bigram = bigram};
    }
    term_entry *t = &c->terms[ti];
    t->count++;
    if (t->last_doc != doc + 1) {
        t->docs++;
        t->last_doc = doc + 1;
    }

    h = hash_key(&c->hash, surface, slen);
    size_t si = strtab_find(&c->surface_keys, &c->arena, surface, slen, h);
    if (si == SIZE_MAX) {
        if (c->surface_keys.n >= TERMS_MAX_DISTINCT || !arena_room(c, slen))
            return; /* only a known term gets here: it keeps the forms it has */
        si = strtab_add(&c->surface_keys, &c->arena, surface, slen, h);
        assert(si != SIZE_MAX);
        if (si == c->surfaces_cap) {
            c->surfaces_cap = c->surfaces_cap == 0 ? 256 : c->surfaces_cap * 2;
            c->surfaces = em_realloc(c->surfaces, c->surfaces_cap * sizeof *c->surfaces);
        }
        c->surfaces[si] = (surface_entry){.term = (uint32_t)ti, .count = 0};
    }
    c->surfaces[si].count++;
}

/* The previous term word, for pairs. */
typedef struct prev_word {
    bool valid;
    char stem[WORDS_STEM_MAX + 1];
    size_t stem_len;
    char surface[TERMS_WORD_MAX + 1];
    size_t surface_len;
} prev_word;

/* Count the term words and pairs of one document. */
static int count_doc(counts *c, words_stemmer *st, const char *text, size_t len, uint32_t doc,
                     deadline *dl, em_error *err)
{
    tokenizer t = words_tokenizer_make(text, len);
    word w;
    prev_word prev = {0};
    char stem[WORDS_STEM_MAX + 1];
    char pair[4 * TERMS_WORD_MAX + 2], pair_surface[2 * TERMS_WORD_MAX + 2];
    while (words_next(&t, &w)) {
        if (deadline_check(dl))
            return deadline_error(err);
        if (!w.joined)
            prev.valid = false;
        if (!is_term_word(&w)) {
            prev.valid = false;
            continue;
        }
        if (c->words >= TERMS_MAX_TOKENS)
            return em_error_set(err, EM_E_TOO_LARGE, "text has more than %d words", TERMS_MAX_TOKENS);
        c->words++;
        size_t sl;
        int rc = stem_word(st, &w, stem, &sl);
        if (rc != EM_OK)
            return em_error_set(err, rc, "stemming failed");
        counts_add(c, stem, sl, w.text, w.len, false, doc);
        if (prev.valid && (prev.stem_len != sl || memcmp(prev.stem, stem, sl) != 0)) {
            size_t pl = prev.stem_len + 1 + sl, psl = prev.surface_len + 1 + w.len;
            memcpy(pair, prev.stem, prev.stem_len);
            pair[prev.stem_len] = ' ';
            memcpy(pair + prev.stem_len + 1, stem, sl);
            memcpy(pair_surface, prev.surface, prev.surface_len);
            pair_surface[prev.surface_len] = ' ';
            memcpy(pair_surface + prev.surface_len + 1, w.text, w.len);
            counts_add(c, pair, pl, pair_surface, psl, true, doc);
        }
        prev.valid = true;
        memcpy(prev.stem, stem, sl);
        prev.stem_len = sl;
        memcpy(prev.surface, w.text, w.len);
        prev.surface_len = w.len;
    }
    return EM_OK;
}

/* ---- key terms ------------------------------------------------------------ */

typedef struct candidate {
    double score;
    const char *term; /* borrowed from the arena: the surface form */
    size_t entry;
} candidate;

static int candidate_cmp(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->term, y->term);
}

/* Pick each term's display form and mark one-word terms that only occur inside
 * one pair. */
static void counts_finish(counts *c)
{
    for (size_t i = 0; i < c->surface_keys.n; i++) {
        const surface_entry *s = &c->surfaces[i];
        term_entry *t = &c->terms[s->term];
        if (s->count > t->surface_count ||
            (s->count == t->surface_count &&
             strcmp(strtab_str(&c->surface_keys, &c->arena, i),
                    strtab_str(&c->surface_keys, &c->arena, t->surface)) < 0)) {
            t->surface = (uint32_t)i;
            t->surface_count = s->count;
        }
    }
    for (size_t i = 0; i < c->term_keys.n; i++) {
        const term_entry *p = &c->terms[i];
        if (!p->bigram || p->count < 2)
            continue;
        const char *key = strtab_str(&c->term_keys, &c->arena, i);
        size_t len = c->term_keys.refs[i].len;
        const char *space = memchr(key, ' ', len);
        assert(space != NULL);
        size_t parts[2][2] = {{0, (size_t)(space - key)}, {(size_t)(space - key) + 1, len}};
        for (int k = 0; k < 2; k++) {
            const char *part = key + parts[k][0];
            size_t plen = parts[k][1] - parts[k][0];
            size_t u = strtab_find(&c->term_keys, &c->arena, part, plen, hash_key(&c->hash, part, plen));
            if (u != SIZE_MAX && c->terms[u].count == p->count)
                c->terms[u].redundant = true;
        }
    }
}

int terms_key_terms(const char *const *docs, const size_t *lens, size_t n_docs, size_t top_n, key_term **out,
                    size_t *n_out, em_error *err)
{
    return terms_key_terms_until(docs, lens, n_docs, top_n, NULL, out, n_out, err);
}

int terms_key_terms_until(const char *const *docs, const size_t *lens, size_t n_docs, size_t top_n,
                          deadline *dl, key_term **out, size_t *n_out, em_error *err)
{
    int rc = EM_OK;
    counts c;
    candidate *cand = NULL;
    *out = NULL;
    *n_out = 0;
    em_error_clear(err);
    if (n_docs > 0 && (docs == NULL || lens == NULL))
        return em_error_set(err, EM_E_INVAL, "missing documents");
    if (n_docs >= UINT32_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "too many documents");

    words_stemmer *st = words_stemmer_new(err);
    if (st == NULL)
        return EM_E_INTERNAL;
    counts_init(&c);
    for (size_t d = 0; d < n_docs; d++) {
        if (docs[d] == NULL)
            continue;
        rc = count_doc(&c, st, docs[d], lens[d], (uint32_t)d, dl, err);
        if (rc != EM_OK)
            goto cleanup;
    }
    if (top_n == 0 || c.words == 0)
        goto cleanup;
    counts_finish(&c);

    cand = em_malloc((c.term_keys.n + 1) * sizeof *cand);
    size_t nc = 0;
    double n = (double)n_docs;
    for (size_t i = 0; i < c.term_keys.n; i++) {
        const term_entry *t = &c.terms[i];
        if (t->redundant || (t->bigram && t->count < 2))
            continue;
        double tf = (double)t->count / (double)c.words;
        double idf = log((1.0 + n) / (1.0 + (double)t->docs)) + 1.0;
        cand[nc++] = (candidate){tf * idf, strtab_str(&c.surface_keys, &c.arena, t->surface), i};
    }
    qsort(cand, nc, sizeof *cand, candidate_cmp);
    size_t k = nc < top_n ? nc : top_n;
    if (k == 0)
        goto cleanup;
    key_term *res = em_calloc(k, sizeof *res);
    for (size_t i = 0; i < k; i++) {
        const term_entry *t = &c.terms[cand[i].entry];
        res[i] = (key_term){
            .term = em_strdup(cand[i].term),
            .stem = em_strndup(strtab_str(&c.term_keys, &c.arena, cand[i].entry),
                               c.term_keys.refs[cand[i].entry].len),
            .score = cand[i].score,
            .count = (int)t->count,
            .docs = (int)t->docs,
            .first_doc = t->first_doc,
        };
    }
    *out = res;
    *n_out = k;

cleanup:
    free(cand);
    counts_cleanup(&c);
    words_stemmer_free(st);
    return rc;
}

void key_terms_free(key_term *t, size_t n)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(t[i].term);
        free(t[i].stem);
    }
    free(t);
}

/* ---- words of a query ----------------------------------------------------- */

int terms_stem_words(const char *text, size_t len, char ***stems, size_t *n, em_error *err)
{
    *stems = NULL;
    *n = 0;
    em_error_clear(err);
    if (text == NULL && len > 0)
        return em_error_set(err, EM_E_INVAL, "missing text");
    words_stemmer *st = words_stemmer_new(err);
    if (st == NULL)
        return EM_E_INTERNAL;

    int rc = EM_OK;
    char **res = NULL;
    size_t count = 0, cap = 0;
    tokenizer t = words_tokenizer_make(text, len);
    word w;
    char stem[WORDS_STEM_MAX + 1];
    while (words_next(&t, &w)) {
        if (w.overlong || w.len == 0 || terms_is_stop_word(w.text, w.len))
            continue;
        if (count >= TERMS_MAX_TOKENS) {
            rc = em_error_set(err, EM_E_TOO_LARGE, "text has more than %d words", TERMS_MAX_TOKENS);
            goto fail;
        }
        size_t sl;
        rc = stem_word(st, &w, stem, &sl);
        if (rc != EM_OK) {
            em_error_set(err, rc, "stemming failed");
            goto fail;
        }
        if (count == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            res = em_realloc(res, cap * sizeof *res);
        }
        res[count++] = em_strndup(stem, sl);
    }
    words_stemmer_free(st);
    *stems = res;
    *n = count;
    return EM_OK;

fail:
    terms_stems_free(res, count);
    words_stemmer_free(st);
    return rc;
}

void terms_stems_free(char **stems, size_t n)
{
    if (stems == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(stems[i]);
    free(stems);
}
