/* wordnet: sister terms from WordNet's noun files (see wordnet.h).
 *
 * index.noun line: lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt
 * tagsense_cnt synset_offset... (the offsets most common sense first).
 * data.noun line: offset lex_filenum ss_type w_cnt(hex) [word lex_id]...
 * p_cnt [ptr_symbol offset pos source/target]... | gloss. Both files open
 * with license lines that start with two spaces. Every read below is
 * bounded by the line's end, so any bytes are safe to look up in. */
#include "content/wordnet.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

#define MAX_HYPERNYMS 8  /* hypernyms of a sense looked at */
#define MAX_HYPONYMS 400 /* hyponyms of one hypernym looked at */
#define MAX_TOKEN 160    /* bytes of one field of a line */

struct wordnet {
    const char *index, *data; /* the files' bytes (mapped or borrowed) */
    size_t index_len, data_len;
    size_t first;    /* offset of index.noun's first lemma line */
    const char *exc; /* noun.exc (irregular plurals), NULL when absent */
    size_t exc_len;
    void *map_index, *map_data, *map_exc; /* owned mappings, NULL when borrowed */
};

/* ---- reading lines ---- */

/* A line of a file: [s, e) without its line break. */
typedef struct line {
    const char *s, *e;
} line;

/* The next space-separated field of *l into tok (NUL-terminated, at most
 * MAX_TOKEN bytes), consuming it; false at the end of the line or for a
 * longer field. */
static bool next_field(line *l, char tok[MAX_TOKEN + 1])
{
    while (l->s < l->e && *l->s == ' ')
        l->s++;
    const char *b = l->s;
    while (l->s < l->e && *l->s != ' ')
        l->s++;
    size_t n = (size_t)(l->s - b);
    if (n == 0 || n > MAX_TOKEN)
        return false;
    memcpy(tok, b, n);
    tok[n] = '\0';
    return true;
}

/* A field read as a number in base (10 or 16), all of it digits; false
 * otherwise or past max. */
static bool field_number(line *l, int base, unsigned long max, unsigned long *out)
{
    char tok[MAX_TOKEN + 1];
    if (!next_field(l, tok))
        return false;
    unsigned long v = 0;
    for (const char *p = tok; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            return false;
        v = v * (unsigned long)base + (unsigned long)d;
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* The line starting at offset off of buf[0..len). */
static line line_at(const char *buf, size_t len, size_t off)
{
    assert(off <= len);
    const char *nl = memchr(buf + off, '\n', len - off);
    return (line){buf + off, nl != NULL ? nl : buf + len};
}

/* Offset of the first line of buf[0..len) that is not a license line. */
static size_t skip_license(const char *buf, size_t len)
{
    size_t p = 0;
    while (p < len && len - p >= 2 && buf[p] == ' ' && buf[p + 1] == ' ') {
        line l = line_at(buf, len, p);
        p = (size_t)(l.e - buf) + (l.e < buf + len);
    }
    return p;
}

/* ---- opening ---- */

/* Whether the first entry lines of index and data read as WordNet: a lemma
 * and "n" for index.noun, an eight-digit offset equal to its own position
 * for data.noun. */
static bool looks_like_wordnet(const wordnet *wn)
{
    if (wn->first >= wn->index_len)
        return false;
    line l = line_at(wn->index, wn->index_len, wn->first);
    char tok[MAX_TOKEN + 1];
    if (!next_field(&l, tok) || !next_field(&l, tok) || strcmp(tok, "n") != 0)
        return false;
    size_t d = skip_license(wn->data, wn->data_len);
    if (d >= wn->data_len)
        return false;
    line dl = line_at(wn->data, wn->data_len, d);
    unsigned long off;
    return dl.e - dl.s >= 8 && field_number(&dl, 10, 99999999UL, &off) && off == d;
}

int wordnet_open_mem(const char *index_noun, size_t index_len, const char *data_noun, size_t data_len,
                     wordnet **out, em_error *err)
{
    assert(out != NULL);
    *out = NULL;
    if (index_noun == NULL || data_noun == NULL || index_len == 0 || data_len == 0)
        return em_error_set(err, EM_E_INVAL, "WordNet files are empty");
    if (index_len > WORDNET_FILE_MAX || data_len > WORDNET_FILE_MAX)
        return em_error_set(err, EM_E_TOO_LARGE, "WordNet files are over %zu bytes", WORDNET_FILE_MAX);
    wordnet *wn = em_calloc(1, sizeof *wn);
    wn->index = index_noun;
    wn->index_len = index_len;
    wn->data = data_noun;
    wn->data_len = data_len;
    wn->first = skip_license(index_noun, index_len);
    if (!looks_like_wordnet(wn)) {
        free(wn);
        return em_error_set(err, EM_E_INVAL, "not a WordNet noun database");
    }
    *out = wn;
    return EM_OK;
}

/* Map dir/name read-only into *map, *len. */
static int map_file(const char *dir, const char *name, void **map, size_t *len, em_error *err)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return em_error_set(err, EM_E_INVAL, "WordNet directory path is too long");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return em_error_set(err, errno == ENOENT || errno == ENOTDIR ? EM_E_NOT_FOUND : EM_E_IO,
                            "WordNet %s cannot be opened", name);
    int rc = EM_OK;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = em_error_set(err, EM_E_IO, "WordNet %s is not a readable file", name);
    } else if (st.st_size == 0) {
        rc = em_error_set(err, EM_E_INVAL, "WordNet %s is empty", name);
    } else if ((unsigned long long)st.st_size > WORDNET_FILE_MAX) {
        rc = em_error_set(err, EM_E_TOO_LARGE, "WordNet %s is over %zu bytes", name, WORDNET_FILE_MAX);
    } else {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            rc = em_error_set(err, EM_E_IO, "WordNet %s cannot be mapped", name);
        } else {
            *map = m;
            *len = (size_t)st.st_size;
        }
    }
    close(fd);
    return rc;
}

int wordnet_open(const char *dir, wordnet **out, em_error *err)
{
    assert(out != NULL);
    *out = NULL;
    if (dir == NULL)
        dir = WORDNET_DEFAULT_DIR;
    void *mi = NULL, *md = NULL;
    size_t li = 0, ld = 0;
    int rc = map_file(dir, "index.noun", &mi, &li, err);
    if (rc != EM_OK)
        return rc;
    rc = map_file(dir, "data.noun", &md, &ld, err);
    if (rc != EM_OK)
        goto unmap_index;
    rc = wordnet_open_mem(mi, li, md, ld, out, err);
    if (rc != EM_OK)
        goto unmap_data;
    (*out)->map_index = mi;
    (*out)->map_data = md;
    /* irregular plurals: optional, lookups do without */
    void *me = NULL;
    size_t le = 0;
    if (map_file(dir, "noun.exc", &me, &le, NULL) == EM_OK) {
        (*out)->map_exc = me;
        (*out)->exc = me;
        (*out)->exc_len = le;
    }
    return EM_OK;
unmap_data:
    munmap(md, ld);
unmap_index:
    munmap(mi, li);
    return rc;
}

void wordnet_free(wordnet *wn)
{
    if (wn == NULL)
        return;
    if (wn->map_index != NULL)
        munmap(wn->map_index, wn->index_len);
    if (wn->map_data != NULL)
        munmap(wn->map_data, wn->data_len);
    if (wn->map_exc != NULL)
        munmap(wn->map_exc, wn->exc_len);
    free(wn);
}

/* ---- lookups ---- */

/* Compare the lemma that starts line l (up to its first space) with key. */
static int lemma_cmp(line l, const char *key, size_t klen)
{
    const char *sp = memchr(l.s, ' ', (size_t)(l.e - l.s));
    size_t n = sp != NULL ? (size_t)(sp - l.s) : (size_t)(l.e - l.s);
    size_t m = n < klen ? n : klen;
    int c = memcmp(l.s, key, m);
    if (c != 0)
        return c;
    return n < klen ? -1 : n > klen;
}

/* The line of buf[first, len) (sorted by their first fields) whose first
 * field is key, found by binary search over byte positions: each probe
 * backs up to the start of its line. False when absent. */
static bool sorted_find(const char *buf, size_t first, size_t len, const char *key, size_t klen, line *found)
{
    size_t lo = first, hi = len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, s = mid;
        while (s > lo && buf[s - 1] != '\n')
            s--;
        line l = line_at(buf, len, s);
        int c = lemma_cmp(l, key, klen);
        if (c == 0) {
            *found = l;
            return true;
        }
        if (c < 0)
            lo = (size_t)(l.e - buf) + 1;
        else
            hi = s;
    }
    return false;
}

/* The index.noun line of key (a lowercase lemma with underscores). */
static bool index_find(const wordnet *wn, const char *key, size_t klen, line *found)
{
    return sorted_find(wn->index, wn->first, wn->index_len, key, klen, found);
}

/* The offset of the first synset of an index line; false when malformed. */
static bool first_sense(line l, unsigned long *offset)
{
    char tok[MAX_TOKEN + 1];
    unsigned long n_synsets, n_ptrs, v;
    if (!next_field(&l, tok) || !next_field(&l, tok) || !field_number(&l, 10, 100000, &n_synsets) ||
        !field_number(&l, 10, 1000, &n_ptrs) || n_synsets == 0)
        return false;
    for (unsigned long i = 0; i < n_ptrs; i++)
        if (!next_field(&l, tok))
            return false;
    if (!field_number(&l, 10, 100000, &v) || !field_number(&l, 10, 100000, &v))
        return false;
    return field_number(&l, 10, 99999999UL, offset);
}

/* One synset of data.noun, read from its line. */
typedef struct synset {
    line lemmas; /* the "word lex_id" pairs */
    size_t n_lemmas;
    line pointers; /* the pointer quadruples */
    size_t n_pointers;
} synset;

/* The synset at offset; false when the offset is past the file, the line
 * there does not start with that offset, or it is malformed. */
static bool synset_at(const wordnet *wn, unsigned long offset, synset *out)
{
    if (offset >= wn->data_len || (offset > 0 && wn->data[offset - 1] != '\n'))
        return false;
    line l = line_at(wn->data, wn->data_len, offset);
    char tok[MAX_TOKEN + 1];
    unsigned long own, w_cnt, p_cnt;
    if (!field_number(&l, 10, 99999999UL, &own) || own != offset || !next_field(&l, tok) ||
        !next_field(&l, tok) || !field_number(&l, 16, 255, &w_cnt) || w_cnt == 0)
        return false;
    out->lemmas = l;
    out->n_lemmas = w_cnt;
    for (unsigned long i = 0; i < 2 * w_cnt; i++)
        if (!next_field(&l, tok))
            return false;
    out->lemmas.e = l.s;
    if (!field_number(&l, 10, 999, &p_cnt))
        return false;
    out->pointers = l;
    out->n_pointers = p_cnt;
    return true;
}

/* The next pointer at *cursor (advanced; *left of them remain) whose
 * symbol is sym_a or sym_b and whose target is a noun: its target synset's
 * offset into *offset. False when there are no more. */
static bool next_pointer(line *cursor, size_t *left, const char *sym_a, const char *sym_b,
                         unsigned long *offset)
{
    char sym[MAX_TOKEN + 1], pos[MAX_TOKEN + 1], st[MAX_TOKEN + 1];
    while (*left > 0) {
        (*left)--;
        unsigned long off;
        if (!next_field(cursor, sym) || !field_number(cursor, 10, 99999999UL, &off) ||
            !next_field(cursor, pos) || !next_field(cursor, st))
            return false;
        if (strcmp(pos, "n") == 0 && (strcmp(sym, sym_a) == 0 || strcmp(sym, sym_b) == 0)) {
            *offset = off;
            return true;
        }
    }
    return false;
}

/* The first lemma of s into buf (underscores to spaces, an adjective
 * marker "(a)" dropped); false when malformed. */
static bool first_lemma(const synset *s, char buf[MAX_TOKEN + 1])
{
    line l = s->lemmas;
    if (!next_field(&l, buf))
        return false;
    char *paren = strchr(buf, '(');
    if (paren != NULL)
        *paren = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = ' ';
    return buf[0] != '\0';
}

/* A lemma (spaces or underscores, any case) as a lookup key: lowercase
 * ASCII, underscores. */
static void lemma_key(const char *lemma, char key[MAX_TOKEN + 1])
{
    size_t i = 0;
    for (; lemma[i] && i < MAX_TOKEN; i++) {
        char c = lemma[i] == ' ' ? '_' : lemma[i];
        key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    key[i] = '\0';
}

/* Whether key is one of the lemmas of s. */
static bool synset_has(const synset *s, const char *key)
{
    line l = s->lemmas;
    char tok[MAX_TOKEN + 1];
    for (size_t i = 0; i < s->n_lemmas; i++) {
        if (!next_field(&l, tok))
            return false;
        char *paren = strchr(tok, '(');
        if (paren != NULL)
            *paren = '\0';
        char k[MAX_TOKEN + 1];
        lemma_key(tok, k);
        if (strcmp(k, key) == 0)
            return true;
        if (!next_field(&l, tok))
            return false;
    }
    return false;
}

/* The index line of word (normalized in key), or of its singular by
 * WordNet's regular noun endings ("-ses" -> "-s", "-xes" -> "-x", "-zes"
 * -> "-z", "-ches" -> "-ch", "-shes" -> "-sh", "-men" -> "-man", "-ies" ->
 * "-y", "-s" -> ""). */
static bool lookup(const wordnet *wn, char *key, size_t klen, line *found)
{
    if (index_find(wn, key, klen, found))
        return true;
    line exc;
    char tok[MAX_TOKEN + 1];
    if (wn->exc != NULL && sorted_find(wn->exc, 0, wn->exc_len, key, klen, &exc) && next_field(&exc, tok) &&
        next_field(&exc, tok) && index_find(wn, tok, strlen(tok), found))
        return true; /* "mitochondria mitochondrion" */
    static const struct {
        const char *from, *to;
    } rules[] = {{"ses", "s"},   {"xes", "x"},   {"zes", "z"}, {"ches", "ch"},
                 {"shes", "sh"}, {"men", "man"}, {"ies", "y"}, {"s", ""}};
    char alt[WORDNET_WORD_MAX + 4];
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        size_t fl = strlen(rules[r].from), tl = strlen(rules[r].to);
        if (klen <= fl || memcmp(key + klen - fl, rules[r].from, fl) != 0)
            continue;
        memcpy(alt, key, klen - fl);
        memcpy(alt + klen - fl, rules[r].to, tl);
        if (index_find(wn, alt, klen - fl + tl, found))
            return true;
    }
    return false;
}

size_t wordnet_sisters(const wordnet *wn, const char *word, char **out, size_t max)
{
    if (wn == NULL || word == NULL || max == 0)
        return 0;
    /* normalize: trimmed, lowercase ASCII, runs of blanks to one '_' */
    char key[WORDNET_WORD_MAX + 1];
    size_t klen = 0;
    for (const char *p = word; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '_') {
            if (klen > 0 && key[klen - 1] != '_')
                c = '_';
            else
                continue;
        } else if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (klen == WORDNET_WORD_MAX)
            return 0;
        key[klen++] = c;
    }
    while (klen > 0 && key[klen - 1] == '_')
        klen--;
    key[klen] = '\0';
    line entry;
    unsigned long sense;
    synset self;
    if (klen == 0 || !lookup(wn, key, klen, &entry) || !first_sense(entry, &sense) ||
        !synset_at(wn, sense, &self))
        return 0;
    size_t n = 0;
    line hcur = self.pointers;
    size_t hleft = self.n_pointers;
    unsigned long hyper;
    for (int h = 0; h < MAX_HYPERNYMS && n < max && next_pointer(&hcur, &hleft, "@", "@i", &hyper); h++) {
        synset parent;
        if (!synset_at(wn, hyper, &parent))
            continue;
        line cur = parent.pointers;
        size_t left = parent.n_pointers;
        unsigned long hypo;
        for (int k = 0; k < MAX_HYPONYMS && n < max && next_pointer(&cur, &left, "~", "~i", &hypo); k++) {
            synset sister;
            char lemma[MAX_TOKEN + 1];
            if (hypo == sense || !synset_at(wn, hypo, &sister) || !first_lemma(&sister, lemma))
                continue;
            char lkey[MAX_TOKEN + 1];
            lemma_key(lemma, lkey);
            if (strcmp(lkey, key) == 0 || synset_has(&self, lkey))
                continue;
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(out[j], lemma) == 0;
            if (!seen)
                out[n++] = em_strdup(lemma);
        }
    }
    return n;
}
