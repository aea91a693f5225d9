/* qgen: questions from a real text (tests/fixtures/qgen/unix_filesystem.md,
 * the "Unix-like filesystem" section of the Debian Reference) checked the way
 * a student would check them: each key stands in its quoted sentence, the
 * quote lies in its passage, wrong options are other terms of the same kind
 * that the sentence does not hold, a false statement swaps in a term absent
 * from the sentence; no questions from empty, one-word or heading-only
 * passages, list items or code; near-duplicates dropped; a spread of
 * difficulty; the same seed giving the same set; sister terms asked only
 * when the material runs short; bad input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content/terms.h"
#include "core/buf.h"
#include "core/err.h"
#include "learn/qgen.h"
#include "learn/retrieve.h"

/* ---- test tools --------------------------------------------------------- */

/* An index of the given passages (one section each, or all in "S"). */
static retrieve_index *index_of(const char *const *texts, const char *const *sections, size_t n)
{
    retrieve_index *ix = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    for (size_t i = 0; i < n; i++) {
        retrieve_passage p = {texts[i], strlen(texts[i]), "m", sections != NULL ? sections[i] : "S", 1, 1,
                              false};
        assert_int_equal(retrieve_index_add(ix, &p, &err), EM_OK);
    }
    assert_int_equal(retrieve_index_build(ix, &err), EM_OK);
    return ix;
}

/* The fixture read into paragraphs (blank-line separated); a "#" line
 * names the section of the paragraphs after it and is a passage itself, as
 * a heading chunk would be. Key terms by content/terms over the
 * paragraphs, best first. */
typedef struct material {
    retrieve_index *ix;
    char **terms;
    size_t n_terms;
    char *text;
} material;

/* A fixture under tests/fixtures, read as paragraphs under their headings. */
static material load_text(const char *name)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(path, sizeof path, "%.*s/../fixtures/%s", (int)(slash - __FILE__), __FILE__, name);
    buf b;
    buf_init(&b, 4 << 20);
    em_error err = {0};
    assert_int_equal(buf_read_file(&b, path, &err), EM_OK);
    material m = {0};
    m.text = strndup(b.data, b.len);
    buf_cleanup(&b);
    m.ix = retrieve_index_new((retrieve_limits){0});
    const char *docs[400];
    size_t lens[400], n = 0;
    char section[200] = "";
    char *p = m.text;
    while (*p != '\0' && n < 400) {
        while (*p == '\n')
            p++;
        if (*p == '\0')
            break;
        char *end = strstr(p, "\n\n");
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (p[0] == '#') {
            const char *t = p;
            while (*t == '#' || *t == ' ')
                t++;
            snprintf(section, sizeof section, "%.*s", (int)(len - (size_t)(t - p)), t);
        }
        retrieve_passage rp = {p, len, "fs", section, 1, 1, false};
        assert_int_equal(retrieve_index_add(m.ix, &rp, &err), EM_OK);
        docs[n] = p;
        lens[n++] = len;
        p += len;
    }
    assert_int_equal(retrieve_index_build(m.ix, &err), EM_OK);
    key_term *kt;
    size_t nk;
    assert_int_equal(terms_key_terms(docs, lens, n, 60, &kt, &nk, &err), EM_OK);
    assert_true(nk >= 30);
    m.terms = calloc(nk, sizeof *m.terms);
    for (size_t i = 0; i < nk; i++)
        m.terms[i] = strdup(kt[i].term);
    m.n_terms = nk;
    key_terms_free(kt, nk);
    return m;
}

static material load_fixture(void)
{
    return load_text("qgen/unix_filesystem.md");
}

static void material_free(material *m)
{
    for (size_t i = 0; i < m->n_terms; i++)
        free(m->terms[i]);
    free(m->terms);
    retrieve_index_free(m->ix);
    free(m->text);
}

static qgen_input input_of(const material *m, size_t max, uint64_t seed)
{
    return (qgen_input){
        .ix = m->ix, .terms = (const char *const *)m->terms, .n_terms = m->n_terms, .max = max, .seed = seed};
}

static qgen_set generate(const qgen_input *in)
{
    qgen_set s;
    em_error err = {0};
    int rc = qgen_generate(in, &s, &err);
    if (rc != EM_OK)
        fail_msg("qgen_generate: %d %s", rc, err.msg);
    return s;
}

/* The stems of text's content words, joined by spaces and framed by spaces
 * (" a b c "), for in-a-row lookups. */
static char *stem_line(const char *text, size_t len)
{
    char **st;
    size_t n;
    em_error err = {0};
    assert_int_equal(terms_stem_words(text, len, &st, &n, &err), EM_OK);
    size_t cap = 2;
    for (size_t i = 0; i < n; i++)
        cap += strlen(st[i]) + 1;
    char *s = malloc(cap);
    size_t k = 0;
    s[k++] = ' ';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(st[i]);
        memcpy(s + k, st[i], l);
        k += l;
        s[k++] = ' ';
    }
    s[k] = '\0';
    terms_stems_free(st, n);
    return s;
}

/* Whether the stems of words stand in a row among the quote's. */
static bool in_quote(const char *quote, size_t qlen, const char *words)
{
    char *q = stem_line(quote, qlen), *w = stem_line(words, strlen(words));
    bool found = strlen(w) > 2 && strstr(q, w) != NULL;
    free(q);
    free(w);
    return found;
}

static size_t count_words(const char *s, size_t len)
{
    size_t n = 0;
    words_tokenizer t = words_tokenizer_make(s, len);
    words_word w;
    while (words_next(&t, &w))
        n++;
    return n;
}

/* The sentence as a statement: runs of white space as one space. */
static char *flatten(const char *s, size_t len)
{
    char *o = malloc(len + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] <= ' ') {
            if (k > 0 && o[k - 1] != ' ')
                o[k++] = ' ';
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    return o;
}

/* Everything a student could check of one question. */
static void assert_sound(const retrieve_index *ix, const qgen_question *q)
{
    assert_true(q->passage < retrieve_index_count(ix));
    const retrieve_passage *p = retrieve_index_passage(ix, q->passage);
    assert_true(q->quote_len > 0 && q->quote_offset + q->quote_len <= p->len);
    const char *quote = p->text + q->quote_offset;
    size_t qlen = q->quote_len;
    size_t words = count_words(quote, qlen);
    assert_true(words >= 6 && words <= 60);
    assert_int_equal(quote[qlen - 1], '.');
    assert_true(q->stem != NULL && q->answer != NULL && q->term != NULL);
    assert_true(q->difficulty >= 0 && q->difficulty <= 1);
    /* the term tested stands in the quote */
    if (!in_quote(quote, qlen, q->term))
        fail_msg("term '%s' not in quote '%.*s'", q->term, (int)qlen, quote);
    switch (q->type) {
    case QGEN_CLOZE:
        assert_null(q->options);
        assert_int_equal(q->n_options, 0);
        assert_non_null(strstr(q->stem, "_____"));
        assert_true(in_quote(quote, qlen, q->answer));
        /* the blank hides the key: the stem no longer holds it */
        assert_false(in_quote(q->stem, strlen(q->stem), q->answer));
        break;
    case QGEN_CHOICE:
    case QGEN_DEFINITION: {
        assert_int_equal(q->n_options, 4);
        assert_true(in_quote(quote, qlen, q->answer));
        assert_false(in_quote(q->stem, strlen(q->stem), q->answer));
        size_t answers = 0, key_words = count_words(q->answer, strlen(q->answer));
        for (size_t i = 0; i < 4; i++) {
            const char *o = q->options[i];
            char *si = stem_line(o, strlen(o));
            assert_true(strlen(si) > 2); /* not only stop words */
            for (size_t j = 0; j < i; j++) {
                char *sj = stem_line(q->options[j], strlen(q->options[j]));
                if (strcmp(si, sj) == 0)
                    fail_msg("options '%s' and '%s' read the same", o, q->options[j]);
                free(sj);
            }
            free(si);
            if (strcmp(o, q->answer) == 0) {
                answers++;
                continue;
            }
            /* a wrong option: same number of words, not a number, not in the quote */
            assert_int_equal(count_words(o, strlen(o)), key_words);
            assert_true(strspn(o, "0123456789 ") < strlen(o));
            if (in_quote(quote, qlen, o))
                fail_msg("distractor '%s' stands in the quote '%.*s'", o, (int)qlen, quote);
        }
        assert_int_equal(answers, 1);
        break;
    }
    case QGEN_TRUE_FALSE: {
        assert_int_equal(q->n_options, 2);
        assert_string_equal(q->options[0], "True");
        assert_string_equal(q->options[1], "False");
        assert_int_equal(strncmp(q->stem, "True or false: ", 15), 0);
        const char *statement = q->stem + 15;
        char *flat = flatten(quote, qlen);
        if (strcmp(q->answer, "True") == 0) {
            assert_string_equal(statement, flat);
        } else {
            assert_string_equal(q->answer, "False");
            assert_string_not_equal(statement, flat);
            /* the statement lost the term and holds a word the quote does not */
            assert_false(in_quote(statement, strlen(statement), q->term));
            char *ss = stem_line(statement, strlen(statement)), *qs = stem_line(quote, qlen);
            bool foreign = false;
            for (char *t = ss + 1; *t != '\0' && !foreign;) {
                char *e = strchr(t, ' ');
                char word[130];
                snprintf(word, sizeof word, " %.*s ", (int)(e - t), t);
                foreign = strstr(qs, word) == NULL;
                t = e + 1;
            }
            assert_true(foreign);
            free(ss);
            free(qs);
        }
        free(flat);
        break;
    }
    }
}

/* ---- the fixture text ------------------------------------------------------ */

static void learn_qgen_fixture_questions_sound(void **state)
{
    (void)state;
    material m = load_fixture();
    qgen_input in = input_of(&m, 20, 1);
    qgen_set s = generate(&in);
    assert_int_equal(s.n, 20);
    int types[4] = {0};
    int bands[3] = {0};
    int definitional = 0;
    for (size_t i = 0; i < s.n; i++) {
        const qgen_question *q = &s.items[i];
        if (getenv("QGEN_VERBOSE") != NULL) {
            fprintf(stderr, "[%s %.2f] %s\n", qgen_type_name(q->type), q->difficulty, q->stem);
            for (size_t k = 0; k < q->n_options; k++)
                fprintf(stderr, "    %c %s\n", strcmp(q->options[k], q->answer) == 0 ? '*' : '-',
                        q->options[k]);
            if (q->type == QGEN_CLOZE)
                fprintf(stderr, "    * %s\n", q->answer);
        }
        assert_sound(m.ix, q);
        types[q->type]++;
        bands[q->difficulty < 1.0 / 3 ? 0 : q->difficulty < 2.0 / 3 ? 1 : 2]++;
        const retrieve_passage *p = retrieve_index_passage(m.ix, q->passage);
        char *quote = flatten(p->text + q->quote_offset, q->quote_len);
        if (strstr(quote, " is a") != NULL || strstr(quote, " are ") != NULL ||
            strstr(quote, "called") != NULL || strstr(quote, "known as") != NULL ||
            strstr(quote, " refers to") != NULL || strstr(quote, " means ") != NULL)
            definitional++;
        free(quote);
        /* one question per sentence */
        for (size_t j = 0; j < i; j++)
            assert_false(s.items[j].passage == q->passage && s.items[j].quote_offset == q->quote_offset);
    }
    /* cloze, choice and true/false (this text defines few of its terms: definitions are
     * tested on the Bash manual), at least two difficulty bands, definitional sentences
     * among the quotes */
    assert_true(types[QGEN_CLOZE] >= 1 && types[QGEN_CHOICE] >= 1 && types[QGEN_TRUE_FALSE] >= 1);
    assert_true((bands[0] > 0) + (bands[1] > 0) + (bands[2] > 0) >= 2);
    assert_true(definitional >= 5);
    qgen_set_cleanup(&s);
    material_free(&m);
}

/* "Which term matches this definition?" only from a sentence that defines
 * its term: "X is a/an/the ...", "X means ...", "... is called X", with the
 * term once. */
static void learn_qgen_definitions_define(void **state)
{
    (void)state;
    material m = load_text("bashref.md");
    qgen_input in = input_of(&m, 60, 5);
    qgen_set s = generate(&in);
    int definitions = 0;
    for (size_t i = 0; i < s.n; i++) {
        const qgen_question *q = &s.items[i];
        assert_sound(m.ix, q);
        if (q->type != QGEN_DEFINITION)
            continue;
        definitions++;
        const retrieve_passage *p = retrieve_index_passage(m.ix, q->passage);
        char *quote = flatten(p->text + q->quote_offset, q->quote_len);
        bool defines = strstr(quote, " is a ") != NULL || strstr(quote, " is an ") != NULL ||
                       strstr(quote, " is the ") != NULL || strstr(quote, " are the ") != NULL ||
                       strstr(quote, " are a ") != NULL || strstr(quote, " is one ") != NULL ||
                       strstr(quote, " are any ") != NULL || strstr(quote, " is any ") != NULL ||
                       strstr(quote, " means ") != NULL || strstr(quote, " denotes ") != NULL ||
                       strstr(quote, " refers to ") != NULL || strstr(quote, "called") != NULL ||
                       strstr(quote, "termed") != NULL || strstr(quote, "dubbed") != NULL ||
                       strstr(quote, "known as") != NULL || strstr(quote, "referred to as") != NULL;
        if (!defines)
            fail_msg("not a definition: %s", quote);
        /* the blanked form blanks the term once */
        const char *blank = strstr(q->stem, "_____");
        assert_true(blank == NULL || strstr(blank + 5, "_____") == NULL);
        free(quote);
    }
    assert_true(definitions >= 1);
    qgen_set_cleanup(&s);
    material_free(&m);
}

static void learn_qgen_no_near_duplicates_in_a_set(void **state)
{
    (void)state;
    material m = load_fixture();
    qgen_input in = input_of(&m, QGEN_MAX, 3);
    qgen_set s = generate(&in);
    assert_true(s.n >= 20);
    for (size_t i = 0; i < s.n; i++) {
        assert_sound(m.ix, &s.items[i]);
        for (size_t j = 0; j < i; j++) {
            const char *a = s.items[i].stem, *b = s.items[j].stem;
            double sim = qgen_similarity(a, strlen(a), b, strlen(b));
            if (sim >= QGEN_NEAR_DUPLICATE)
                fail_msg("near-duplicates (%.2f):\n  %s\n  %s", sim, a, b);
        }
    }
    qgen_set_cleanup(&s);
    material_free(&m);
}

static void learn_qgen_same_seed_same_set(void **state)
{
    (void)state;
    material m = load_fixture();
    qgen_input in = input_of(&m, 20, 42);
    qgen_set a = generate(&in), b = generate(&in);
    in.seed = 43;
    qgen_set c = generate(&in);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.items[i].stem, b.items[i].stem);
        assert_string_equal(a.items[i].answer, b.items[i].answer);
        assert_int_equal(a.items[i].n_options, b.items[i].n_options);
        for (size_t k = 0; k < a.items[i].n_options; k++)
            assert_string_equal(a.items[i].options[k], b.items[i].options[k]);
    }
    /* another seed: another set (at least a quarter of its stems are new) */
    size_t fresh = 0;
    for (size_t i = 0; i < c.n; i++) {
        bool seen = false;
        for (size_t j = 0; j < a.n && !seen; j++)
            seen = strcmp(c.items[i].stem, a.items[j].stem) == 0;
        fresh += !seen;
    }
    assert_true(fresh * 4 >= c.n);
    qgen_set_cleanup(&a);
    qgen_set_cleanup(&b);
    qgen_set_cleanup(&c);
    material_free(&m);
}

static void learn_qgen_focus_and_section(void **state)
{
    (void)state;
    material m = load_fixture();
    /* "inode" is a key term far from the top; asked for first */
    const char *focus[] = {"inode"};
    qgen_input in = input_of(&m, 5, 7);
    in.focus_terms = focus;
    in.n_focus = 1;
    qgen_set s = generate(&in);
    assert_true(s.n >= 1);
    assert_string_equal(s.items[0].term, "inode");
    qgen_set_cleanup(&s);
    /* one section only */
    in = input_of(&m, 10, 7);
    in.section = "1.2.7. Links";
    s = generate(&in);
    assert_true(s.n >= 2);
    for (size_t i = 0; i < s.n; i++) {
        assert_string_equal(retrieve_index_passage(m.ix, s.items[i].passage)->section, "1.2.7. Links");
        assert_sound(m.ix, &s.items[i]);
    }
    qgen_set_cleanup(&s);
    in.section = "No such section";
    s = generate(&in);
    assert_int_equal(s.n, 0);
    assert_null(s.items);
    qgen_set_cleanup(&s);
    material_free(&m);
}

/* A material past the scan budget (the fixture's paragraphs eight times, about 200 KB): a
 * seeded sample of it is read, plus the passages retrieve finds for the focus terms. */
static void learn_qgen_big_material_sampled(void **state)
{
    (void)state;
    material m = load_fixture();
    retrieve_index *big = retrieve_index_new((retrieve_limits){0});
    em_error err = {0};
    size_t n = retrieve_index_count(m.ix);
    for (int copy = 0; copy < 8; copy++)
        for (size_t i = 0; i < n; i++) {
            const retrieve_passage *p = retrieve_index_passage(m.ix, i);
            retrieve_passage q = *p;
            q.page_start = q.page_end = copy + 1;
            assert_int_equal(retrieve_index_add(big, &q, &err), EM_OK);
        }
    assert_int_equal(retrieve_index_build(big, &err), EM_OK);
    const char *focus[] = {"named pipe"};
    qgen_input in = input_of(&m, 30, 11);
    in.ix = big;
    in.focus_terms = focus;
    in.n_focus = 1;
    qgen_set a = generate(&in), b = generate(&in);
    assert_int_equal(a.n, 30);
    assert_int_equal(b.n, a.n);
    assert_string_equal(a.items[0].term, "named pipe");
    for (size_t i = 0; i < a.n; i++) {
        assert_sound(big, &a.items[i]);
        assert_string_equal(a.items[i].stem, b.items[i].stem);
    }
    /* questions come from all over the material, not from its first pages */
    size_t last_half = 0;
    for (size_t i = 0; i < a.n; i++)
        last_half += a.items[i].passage >= 4 * n;
    assert_true(last_half >= 5);
    qgen_set_cleanup(&a);
    qgen_set_cleanup(&b);
    retrieve_index_free(big);
    material_free(&m);
}

/* ---- passages that give nothing ------------------------------------------------ */

static void learn_qgen_empty_one_word_heading_list_code(void **state)
{
    (void)state;
    const char *texts[] = {
        "",
        "Directories",
        "# Directories and files",
        "Directories and the root directory",
        "## Links\n### Hard links and symbolic links",
        "- A symbolic link points to a file by its name in the directory tree.\n"
        "- A hard link is another directory entry for the same file.",
        "    ln -s /usr/share/doc/directory/file.txt link; echo directory file\n"
        "    if [ -d directory ]; then rm -r directory; fi",
        "Files and directories.",
        /* instructions, and sentences whose words extraction lost */
        "Use the directory listing to find the file you want and its owner and permissions. "
        "Refer to the directory entry of a file to learn its inode and the owner of the data.",
        "Specifically, , , and the directory all stand for the file itself in this listing of data. "
        "A directory records the inode of every file, its owner and its timestamps, and .",
        /* the one usable passage */
        "A directory is a file that lists the names of other files and where their data lives. "
        "Every file has an inode that records its owner, its permissions and its timestamps.",
    };
    const char *sections[] = {
        "Directories", "Directories", "Directories", "Directories and the root directory",
        "Links",       "Links",       "Links",       "Links",
        "Links",       "Links",       "Links"};
    retrieve_index *ix = index_of(texts, sections, 11);
    const char *terms[] = {"directory",   "file",  "inode",      "link",
                           "permissions", "owner", "timestamps", "data"};
    qgen_input in = {.ix = ix, .terms = terms, .n_terms = 8, .max = 10, .seed = 5};
    qgen_set s = generate(&in);
    assert_true(s.n >= 1);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(s.items[i].passage, 10);
        assert_sound(ix, &s.items[i]);
    }
    qgen_set_cleanup(&s);
    retrieve_index_free(ix);

    /* without the usable passage: nothing at all, and no error */
    ix = index_of(texts, sections, 10);
    in.ix = ix;
    s = generate(&in);
    assert_int_equal(s.n, 0);
    qgen_set_cleanup(&s);
    retrieve_index_free(ix);
}

/* ---- near-duplicates ------------------------------------------------------------- */

static void learn_qgen_similarity_threshold(void **state)
{
    (void)state;
    /* content words: mount, command, attach, filesystem, found, devic, big, file, tree (9);
     * the second swaps "big" for "whole": 8 shared of 9 -> 0.89 >= 0.8 */
    const char *a = "The mount command attaches the filesystem found on some device to the big file tree.";
    const char *b = "The mount command attaches the filesystem found on some device to the whole file tree.";
    double s = qgen_similarity(a, strlen(a), b, strlen(b));
    assert_true(s > 0.88 && s < 0.9);
    assert_true(s >= QGEN_NEAR_DUPLICATE);
    /* stop words and case do not count: identical content words score 1 */
    const char *c = "THE MOUNT COMMAND attaches a filesystem found on a device to the big file tree!";
    assert_true(qgen_similarity(a, strlen(a), c, strlen(c)) == 1.0);
    /* another fact of the same topic: content words unmount, filesystem, detach, mount, point;
     * mount and filesystem shared of min(9, 5) -> 2/5 = 0.4 */
    const char *d = "Unmounting a filesystem detaches it from the mount point.";
    double e = qgen_similarity(a, strlen(a), d, strlen(d));
    assert_true(e > 0.39 && e < 0.41);
    assert_true(qgen_similarity("", 0, "", 0) == 1.0);
    assert_true(qgen_similarity("the", 3, "a", 1) == 0.0);
    assert_true(qgen_similarity(a, strlen(a), "", 0) == 0.0);
}

static void learn_qgen_near_duplicate_sentences_asked_once(void **state)
{
    (void)state;
    /* the same sentence twice in a material but for one word: one question */
    const char *texts[] = {
        "The kernel keeps an inode for every file stored on the disk partition of the system.",
        "The kernel keeps an inode for every file stored on the disk partition of the machine.",
    };
    retrieve_index *ix = index_of(texts, NULL, 2);
    const char *terms[] = {"inode"};
    for (uint64_t seed = 0; seed < 8; seed++) {
        qgen_input in = {.ix = ix, .terms = terms, .n_terms = 1, .max = 5, .seed = seed};
        qgen_set s = generate(&in);
        assert_int_equal(s.n, 1);
        assert_sound(ix, &s.items[0]);
        qgen_set_cleanup(&s);
    }
    retrieve_index_free(ix);
}

/* ---- sister terms ------------------------------------------------------------------ */

typedef struct fake_wordnet {
    int calls;
} fake_wordnet;

static size_t fake_sisters(void *ctx, const char *term, char **out, size_t max)
{
    fake_wordnet *f = ctx;
    f->calls++;
    /* the term itself (another case), a word of the quote, then four good ones */
    const char *all[] = {"Inodes", "disk", "superblock", "journal", "bitmap", "extent"};
    size_t n = 0;
    (void)term;
    for (size_t i = 0; i < 6 && n < max; i++)
        out[n++] = strdup(all[i]);
    return n;
}

static void learn_qgen_sisters_only_when_short(void **state)
{
    (void)state;
    const char *texts[] = {
        "An inode is a data structure that records the owner and the permissions of a file on a disk.",
    };
    retrieve_index *ix = index_of(texts, NULL, 1);
    const char *terms[] = {"inode"};
    fake_wordnet f = {0};
    bool choice = false;
    for (uint64_t seed = 0; seed < 12; seed++) {
        qgen_input in = {.ix = ix,
                         .terms = terms,
                         .n_terms = 1,
                         .max = 1,
                         .seed = seed,
                         .sisters = fake_sisters,
                         .sisters_ctx = &f};
        qgen_set s = generate(&in);
        assert_int_equal(s.n, 1);
        const qgen_question *q = &s.items[0];
        assert_sound(ix, q);
        if (q->type == QGEN_CHOICE || q->type == QGEN_DEFINITION) {
            choice = true;
            /* "Inodes" is the key again and "disk" stands in the sentence: neither is offered */
            for (size_t k = 0; k < q->n_options; k++) {
                assert_string_not_equal(q->options[k], "Inodes");
                assert_string_not_equal(q->options[k], "disk");
            }
        }
        qgen_set_cleanup(&s);
    }
    assert_true(choice);
    assert_true(f.calls > 0);
    retrieve_index_free(ix);

    /* the fixture has enough terms of each kind: far fewer calls than questions */
    material m = load_fixture();
    f.calls = 0;
    qgen_input in = input_of(&m, 20, 1);
    in.sisters = fake_sisters;
    in.sisters_ctx = &f;
    qgen_set s = generate(&in);
    assert_int_equal(s.n, 20);
    assert_true(f.calls <= 5);
    qgen_set_cleanup(&s);
    material_free(&m);
}

/* ---- true/false swaps ------------------------------------------------------------ */

static void learn_qgen_false_statements_swap_a_term(void **state)
{
    (void)state;
    material m = load_fixture();
    int falses = 0;
    for (uint64_t seed = 0; seed < 6; seed++) {
        qgen_input in = input_of(&m, 30, seed);
        qgen_set s = generate(&in);
        for (size_t i = 0; i < s.n; i++) {
            const qgen_question *q = &s.items[i];
            assert_sound(m.ix, q);
            if (q->type == QGEN_TRUE_FALSE && strcmp(q->answer, "False") == 0) {
                falses++;
                /* an article agrees with the swapped-in word */
                assert_null(strstr(q->stem, " a inode"));
                assert_null(strstr(q->stem, " an file"));
            }
        }
        qgen_set_cleanup(&s);
    }
    assert_true(falses >= 3);
    material_free(&m);
}

/* ---- what a question must not be made from ------------------------------------------ */

/* Every question generated from ix with seeds 0..seeds-1 (10 asked each time), each
 * checked sound and handed to fn; how many there were. */
static size_t each_question(const retrieve_index *ix, const char *const *terms, size_t n_terms,
                            uint64_t seeds,
                            void (*fn)(const retrieve_index *ix, const qgen_question *q, void *ctx),
                            void *ctx)
{
    size_t total = 0;
    for (uint64_t seed = 0; seed < seeds; seed++) {
        qgen_input in = {.ix = ix, .terms = terms, .n_terms = n_terms, .max = 10, .seed = seed};
        qgen_set s = generate(&in);
        for (size_t i = 0; i < s.n; i++) {
            assert_sound(ix, &s.items[i]);
            if (fn != NULL)
                fn(ix, &s.items[i], ctx);
        }
        total += s.n;
        qgen_set_cleanup(&s);
    }
    return total;
}

/* The quote of q, flattened (owned). */
static char *quote_of(const retrieve_index *ix, const qgen_question *q)
{
    const retrieve_passage *p = retrieve_index_passage(ix, q->passage);
    return flatten(p->text + q->quote_offset, q->quote_len);
}

static void from_passage_zero(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ctx;
    if (q->passage != 0) {
        char *quote = quote_of(ix, q);
        fail_msg("asked from passage %zu: %s", q->passage, quote);
    }
}

/* Licence and copyright lines, an author line with an e-mail address, a
 * licence appendix and sentences about the document itself say nothing of
 * the subject: no question comes from them. */
static void learn_qgen_no_licence_or_copyright_stems(void **state)
{
    (void)state;
    const char *texts[] = {
        /* the one passage to ask from */
        "The library encodes every structure of the document as DER data for the network. "
        "A structure holds the values of the document that the library reads from the data.",
        "Copyright (c) 2001-2022 Free Software Foundation, Inc. and the authors of the library.",
        "Copyright \xc2\xa9 2001\xe2\x80\x93"
        "2022 Free Software Foundation, Inc. for the library and its manual.",
        "Permission is granted to copy, distribute and modify this document and its structure as the data.",
        "Fabio Fiorina and Simon Josefsson (help-libtasn1@gnu.org) wrote this manual for the library.",
        "This manual of the library is covered by the GNU Free Documentation License, as its data is.",
        "The Document may be copied by anyone who keeps the license notice and the structure of the "
        "Document.",
        "A Transparent copy of the Document means a copy whose structure and data are available to the "
        "public.",
        "The library and its structure data are under the License version 3.0 or later.",
        /* the document speaking of itself */
        "This document describes the structure of the library and the data it sends to the network.",
        "Please file bug reports on the library structure if you find any issues on this document.",
        "This Library Reference (version 2.1) is intended to provide a broad overview of the data structure.",
        /* bzip2's manual: the manual's own plan, the author's remarks */
        "Most of the manual is devoted to the library structure, which is good news for the network data.",
        "I would be interested in hearing more about the structure of the library data on the network.",
        "I hope to document the library structure and its network data properly when time permits.",
        "The sections below describe more advanced structure provided by the library and its network data.",
        "Before introducing the library, I first have to tell you something about the network data "
        "structure.",
        "You should read the network data and call the library structure as described above, until it ends.",
        "In the above example, the library structure is redefined to hold the network data of every user.",
    };
    const char *sections[] = {"Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "A.1 GNU Free Documentation License",
                              "ADDENDUM: How to use this License for your documents",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding",
                              "Encoding"};
    retrieve_index *ix = index_of(texts, sections, 19);
    const char *terms[] = {"library",    "structure", "document", "data", "software",
                           "foundation", "manual",    "license",  "copy", "network"};
    assert_true(each_question(ix, terms, 10, 16, from_passage_zero, NULL) >= 1);
    retrieve_index_free(ix);
}

/* A stem is a whole sentence: it starts like one (a capital letter or a digit, a quote
 * only around a capitalised phrase that is not a list item), ends in a full stop, holds
 * its quotes and brackets whole, is not a list item ("C. ..."), a labelled fragment
 * ("Returns: ...", "'BASH_LINENO' An array variable ...") or the tail of a sentence cut in two ("XML file,
 * these rules ..."), and holds no control characters or footnote numbers glued to a word ("capable6"). */
static void learn_qgen_stems_are_whole_sentences(void **state)
{
    (void)state;
    const char *texts[] = {
        /* the one passage to ask from */
        "The database holds the type of every file in the system. "
        "A rule of the database matches the data of a file with its type.",
        "\"OpenDocument Spreadsheet\", \"GEnealogical Data COMmunication\", and \"eXtensible Markup "
        "Language\" are formats the database knows by their rules.",
        "\"foo.doc\" from MS-Word files with the same extension are matched by the database rules.",
        "XML file, these rules allow a more specific type to be chosen from the database data.",
        "Returns: the type of the file that the database rules give for its data.",
        "C. State on the title page the name of the database that holds the file type.",
        "The database keeps every file type\" and its rules for the data of each file.",
        "The \x1b[1mdatabase\x1b[22m keeps the type of every file for the data rules of the system and its "
        "users.",
        "The database is capable6 of matching the type of every file by its data rules.",
        "The database (which holds every file type keeps the rules for the data of each file.",
        "The database keeps the type of every file in the system. if the type is unknown the rules read "
        "the data.",
        "'FILE_TYPES' The types of every file that the rules of the database give for its data.",
        "'FILE_RULES'\nThe rules of every file that the database reads for the type of its data.",
        "FileTypes:\nthe types of every file that the database rules give for the data of the system.",
        "The database keeps the type of every file in a list.\nrules: the rules that read the data of the "
        "system.",
    };
    const char *terms[] = {"database", "type", "file", "rule", "data", "extension", "format", "system"};
    for (size_t i = 1; i < sizeof texts / sizeof texts[0]; i++) {
        const char *two[] = {texts[0], texts[i]};
        retrieve_index *ix = index_of(two, NULL, 2);
        assert_true(each_question(ix, terms, 8, 16, from_passage_zero, NULL) >= 1);
        retrieve_index_free(ix);
    }
}

static void no_label_in_stem(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    (*(size_t *)ctx)++;
    if (strstr(q->stem, "Tip") != NULL || strstr(q->stem, "Warning") != NULL ||
        strstr(q->stem, "Recovery") != NULL)
        fail_msg("a label in the stem: %s", q->stem);
}

/* "Tip" and "Warning" on lines of their own (as PDF extraction leaves them)
 * are no part of the sentence under them, nor is a definition list's term
 * on the line over its definition ("Recovery from key compromise"). */
static void learn_qgen_label_lines_left_out(void **state)
{
    (void)state;
    const char *texts[] = {
        "Tip\nThe database rules read the data of every file type in the system.\n"
        "Warning\nA rule of the database matches the data of a file with its type.",
        /* a term of a definition list over its definition (nettle's manual) */
        "Recovery from database compromise\nIf an attacker reads the database, the rules of every file type "
        "are lost to the system.\n\nA rule of the system reads the\nDatabase type of a file from its data.",
    };
    const char *terms[] = {"database", "type", "file", "rule", "data", "system"};
    retrieve_index *ix = index_of(texts, NULL, 2);
    size_t asked = 0;
    assert_true(each_question(ix, terms, 6, 8, no_label_in_stem, &asked) >= 1);
    assert_true(asked >= 1);
    retrieve_index_free(ix);
}

static void defines_no_bug(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    if (q->type != QGEN_DEFINITION)
        return;
    char *quote = quote_of(ix, q);
    if (strstr(quote, "bug of the") != NULL)
        fail_msg("not a definition: %s", quote);
    if (strstr(quote, "is called a forest") != NULL)
        (*(size_t *)ctx)++;
    free(quote);
}

/* "called X" names X only where the name ends its phrase: valgrind's FAQ
 * says the behaviour "could be called a bug of the library though", which
 * was asked as "Which term matches this definition?". "A graph without
 * cycles is called a forest." still defines. */
static void learn_qgen_called_names_end_their_phrase(void **state)
{
    (void)state;
    const char *texts[] = {
        "The behaviour of the pool at the exit of the program could be called a bug of the library though. "
        "A bug of the library shows when the pool of the program is freed twice at the exit.",
        "A graph of the library without any cycles is called a forest. A forest of the program holds the "
        "pool of every graph, and a graph holds one node of each tree of the forest. A tree holds a node "
        "of the graph, and a node holds the edge of a tree.",
    };
    const char *terms[] = {"bug", "forest", "pool", "graph", "library", "program", "tree", "node", "edge"};
    retrieve_index *ix = index_of(texts, NULL, 2);
    size_t forests = 0;
    each_question(ix, terms, 9, 32, defines_no_bug, &forests);
    assert_true(forests >= 1);
    retrieve_index_free(ix);
}

static void key_not_apparatus(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    (*(size_t *)ctx)++;
    static const char *const words[] = {"section", "table", "description", "introduction", NULL};
    for (const char *const *w = words; *w; w++) {
        if (strcasecmp(q->answer, *w) == 0)
            fail_msg("the document's apparatus asked: %s (%s)", q->stem, q->answer);
        for (size_t i = 0; i < q->n_options; i++)
            if (strcasecmp(q->options[i], *w) == 0)
                fail_msg("the document's apparatus offered: %s", q->stem);
    }
}

/* "See Section 9.1.4", "Table 5.1", "in the description of": words of the
 * document, not of its subject, are never a key or an option, however
 * often they occur. */
static void learn_qgen_apparatus_words_never_asked(void **state)
{
    (void)state;
    const char *texts[] = {
        "The database holds the type of every file, see Section 2.1 and Table 3. "
        "A rule of the database matches the data of a file, see Section 4.2 and Table 5. "
        "The section of the database that holds the rules is read first, see Section 3.",
        "The kernel reads the table of every device into the memory of the system. "
        "A device table lists the drivers of the kernel, see Section 7 and Table 2.",
        /* valgrind's manual: words of how the text presents its subject */
        "As discussed further in the description of the kernel, the memory of a device is read first. "
        "The description of each device lists the memory and the driver that the kernel loads. "
        "With the introduction of device tables the kernel reads the memory of the system once. "
        "The introduction of a driver gives the kernel a description of the memory of its device.",
    };
    const char *terms[] = {"section", "table",  "database", "file",        "rule",
                           "kernel",  "device", "memory",   "description", "introduction"};
    retrieve_index *ix = index_of(texts, NULL, 3);
    size_t asked = 0;
    each_question(ix, terms, 10, 8, key_not_apparatus, &asked);
    assert_true(asked >= 1);
    retrieve_index_free(ix);
}

static void blanks_stand_apart(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    size_t *blanks = ctx;
    for (const char *b = strstr(q->stem, "_____"); b != NULL; b = strstr(b + 5, "_____")) {
        (*blanks)++;
        char before = b > q->stem ? b[-1] : ' ', after = b[5] != '\0' ? b[5] : ' ';
        if (strchr(" (\"'", before) == NULL && (unsigned char)before < 0x80)
            fail_msg("a blank after '%c': %s", before, q->stem);
        if (strchr(" .,;:!?)\"'", after) == NULL && (unsigned char)after < 0x80)
            fail_msg("a blank before '%c': %s", after, q->stem);
    }
}

/* A blank never touches a symbol or a digit ("$_____", "*_____", "_____=5"): the term is
 * not asked from a sentence that glues it to one. */
static void learn_qgen_blanks_not_glued_to_symbols(void **state)
{
    (void)state;
    const char *texts[] = {
        "The pointer of a structure holds the address of the node in the tree of the library.",
        "The encoding sets LEN=5 for a true value and LEN=6 for a false value of the node.",
        "The shell replaces $HOME with the home directory of the user before the command runs.",
        "The function writes the encoding of the name structure into the *pointer of the node.",
        "The library reads the value of a node into the structure at pointer+4 in the tree.",
    };
    retrieve_index *ix = index_of(texts, NULL, 5);
    const char *terms[] = {"pointer", "structure", "node",     "tree",   "len",
                           "home",    "value",     "encoding", "library"};
    size_t blanks = 0;
    assert_true(each_question(ix, terms, 9, 24, blanks_stand_apart, &blanks) >= 1);
    assert_true(blanks >= 1);
    retrieve_index_free(ix);
}

/* The key is nowhere else in its stem: a sentence holding the term more often than it
 * can be blanked ("page" twice alone and once in "manual page") gives no question on it,
 * and every stem is checked for the key (assert_sound). */
static void learn_qgen_key_not_left_in_the_stem(void **state)
{
    (void)state;
    const char *texts[] = {
        "The page cache keeps every manual page that the page reader formats for the screen of a user.",
        "The man program finds a page in the manual hierarchy of the system and shows it on the screen.",
        "A manual page is a document that describes one program of the system for its users.",
    };
    retrieve_index *ix = index_of(texts, NULL, 3);
    const char *terms[] = {"page",    "manual page", "screen",    "system",
                           "program", "user",        "hierarchy", "cache"};
    assert_true(each_question(ix, terms, 8, 24, NULL, NULL) >= 1);
    retrieve_index_free(ix);
}

/* Whether word (any case) stands in text as a whole word: not glued to letters or
 * digits, nor joined to them by a dot, slash, hyphen, "@" or "_" ("Node" of "Node.js"). */
static bool has_word(const char *text, const char *word, size_t len)
{
    for (const char *p = text; (p = strcasestr(p, word)) != NULL; p++) {
        bool before = p == text || (!isalnum((unsigned char)p[-1]) && strchr("@/.-_", p[-1]) == NULL);
        bool after = !isalnum((unsigned char)p[len]) && !(p[len] != '\0' && strchr("@/.-_", p[len]) != NULL &&
                                                          isalnum((unsigned char)p[len + 1]));
        if (before && after && strncasecmp(p, word, len) == 0)
            return true;
    }
    return false;
}

/* Whether every word of s stands in the material as written. */
static bool written_in(const char *all, const char *s)
{
    char w[128];
    for (const char *p = s; *p != '\0';) {
        while (*p != '\0' && !isalnum((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p[n] != '\0' && (isalnum((unsigned char)p[n]) || p[n] == '.') && n < sizeof w - 1)
            n++;
        while (n > 0 && p[n - 1] == '.')
            n--;
        if (n == 0)
            break;
        memcpy(w, p, n);
        w[n] = '\0';
        if (!has_word(all, w, n))
            return false;
        p += n;
    }
    return true;
}

static void options_written_in_material(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    const char *all = ctx;
    for (size_t i = 0; i < q->n_options; i++) {
        if (q->type == QGEN_TRUE_FALSE)
            break;
        if (!written_in(all, q->options[i]))
            fail_msg("option '%s' is not written in the material: %s", q->options[i], q->stem);
    }
    if (q->type != QGEN_TRUE_FALSE || strcmp(q->answer, "False") != 0)
        return;
    /* the words swapped in: those of the statement that its quote does not hold */
    char *quote = quote_of(ix, q);
    char w[128];
    for (const char *p = q->stem + 15; *p != '\0';) {
        while (*p != '\0' && !isalnum((unsigned char)*p))
            p++;
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) && n < sizeof w - 1)
            n++;
        if (n == 0)
            break;
        memcpy(w, p, n);
        w[n] = '\0';
        if (strcasestr(quote, w) == NULL && !has_word(all, w, n))
            fail_msg("'%s' is not written in the material: %s", w, q->stem);
        p += n;
    }
    free(quote);
}

/* A wrong option is written in the material as it stands: no plural made of a word the
 * material only writes in the singular ("magics", "globs"), no singular cut from a name
 * ("nodej" from "nodejs"), no name taken from inside a longer one ("Node" of "Node.js"). */
static void learn_qgen_distractors_written_in_material(void **state)
{
    (void)state;
    const char *texts[] = {
        "The database matches the patterns of a file name against each glob it knows.",
        "A glob is a pattern that the database matches against the name of a file.",
        "The magic of a file is read from its first bytes by the database when it opens.",
        "An icon of a type is shown by the file manager for every file of that type.",
        "Applications may define their own patterns for the files that they write to the disk.",
        "The team of the project is @nodejs/tsc and the Node.js collaborators review the patterns.",
        "Changes to the database need the approval of two collaborators of the project.",
        "The Node.js project keeps the names of its collaborators in the database of the team.",
        "The collaborators of the project meet on GitHub every week to review the changes.",
        "Every change of the project is reviewed on GitHub by the collaborators of the team.",
    };
    size_t n = sizeof texts / sizeof texts[0];
    retrieve_index *ix = index_of(texts, NULL, n);
    char all[4096] = "";
    for (size_t i = 0, k = 0; i < n; i++)
        k += (size_t)snprintf(all + k, sizeof all - k, "%s ", texts[i]);
    const char *terms[] = {"patterns", "glob",          "magic", "icon", "database", "file", "nodejs", "node",
                           "changes",  "collaborators", "type",  "name", "project",  "team", "github"};
    assert_true(each_question(ix, terms, 15, 32, options_written_in_material, all) >= 1);
    retrieve_index_free(ix);
}

static const char *const ADJECTIVES[] = {"optional", "public", "private", "new", "important", NULL};

static bool is_adjective(const char *w)
{
    for (const char *const *a = ADJECTIVES; *a; a++)
        if (strcasecmp(w, *a) == 0)
            return true;
    return false;
}

static void no_adjective_offered(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ctx;
    if (is_adjective(q->term))
        fail_msg("asked on '%s': %s", q->term, q->stem);
    for (size_t i = 0; q->type != QGEN_TRUE_FALSE && i < q->n_options; i++)
        if (is_adjective(q->options[i]))
            fail_msg("'%s' offered among nouns: %s", q->options[i], q->stem);
    if (q->type == QGEN_TRUE_FALSE && strcmp(q->answer, "False") == 0) {
        char *quote = quote_of(ix, q);
        for (const char *const *a = ADJECTIVES; *a; a++)
            if (has_word(q->stem, *a, strlen(*a)) && !has_word(quote, *a, strlen(*a)))
                fail_msg("'%s' swapped in: %s", *a, q->stem);
        free(quote);
    }
}

/* A term is asked, offered and swapped in only when the material uses it as a noun: at
 * least once after a determiner and at the head of its phrase ("the proposal.", "a
 * collaborator of"); "the public issue", "a new collaborator", "an optional review", "the
 * Optional but recommended steps" use adjectives, which never stand among nouns
 * ("proposal | optional | commit | chair"). */
static void learn_qgen_adjectives_not_among_nouns(void **state)
{
    (void)state;
    const char *texts[] = {
        "The chair of the meeting reads the proposal to every collaborator of the project.",
        "A commit needs the approval of a collaborator before the proposal can land in the project.",
        "While such suggestions are technically optional, the chair encourages them for every proposal.",
        "An optional review of the proposal happens in the private discussion of the collaborators.",
        "The public issue is opened after the private discussion of the nomination ends for the chair.",
        "An important rule is that the nomination of a new collaborator is approved by the chair.",
        "A new collaborator joins the project after the nomination passes the review of the chair.",
        "The objection of a collaborator to the nomination is discussed in the public issue of the project.",
        "The chair counts every objection to the commit before the review of the proposal ends.",
        "The Optional but recommended steps of a nomination are optional for the chair of the project.",
    };
    size_t n = sizeof texts / sizeof texts[0];
    retrieve_index *ix = index_of(texts, NULL, n);
    const char *terms[] = {"proposal",   "optional",  "commit",       "chair",      "public", "private",
                           "new",        "important", "collaborator", "nomination", "issue",  "objection",
                           "discussion", "review",    "project",      "meeting"};
    assert_true(each_question(ix, terms, 16, 32, no_adjective_offered, NULL) >= 1);
    retrieve_index_free(ix);
}

typedef enum caps_style { CS_LOWER, CS_ACRONYM, CS_CAPITAL } caps_style;

/* How an option is written: all capitals ("DER", "ASN1"), capitalised ("Document"), or
 * lowercase. */
static caps_style caps_of(const char *s)
{
    size_t letters = 0, upper = 0;
    for (const char *p = s; *p; p++) {
        if (isalpha((unsigned char)*p)) {
            letters++;
            upper += isupper((unsigned char)*p) != 0;
        }
    }
    if (letters >= 2 && upper == letters)
        return CS_ACRONYM;
    return isupper((unsigned char)s[0]) ? CS_CAPITAL : CS_LOWER;
}

static void options_of_one_style(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    (void)ctx;
    if (q->type != QGEN_CHOICE && q->type != QGEN_DEFINITION)
        return;
    caps_style want = caps_of(q->answer);
    bool name = false, common_capital = false;
    for (size_t i = 0; i < q->n_options; i++) {
        if (caps_of(q->options[i]) != want)
            fail_msg("options of mixed styles ('%s' with '%s'): %s", q->options[i], q->answer, q->stem);
        name = name || strcmp(q->options[i], "Josefsson") == 0;
        common_capital =
            common_capital || strcmp(q->options[i], "Document") == 0 || strcmp(q->options[i], "License") == 0;
    }
    if (name && common_capital)
        fail_msg("a person's name among capitalised nouns: %s", q->stem);
}

/* Options are written alike: acronyms with acronyms ("DER", "BER", "LEN"), lowercase
 * nouns with lowercase nouns, and a name the material never writes in lowercase
 * ("Josefsson") only with other names, not with a noun it capitalises ("Document",
 * "License"): "DER | License | LEN | Document" is not a set. */
static void learn_qgen_options_of_one_style(void **state)
{
    (void)state;
    const char *texts[] = {
        "The encoder writes the DER of a value into the buffer, and the LEN of it in octets.",
        "The decoder reads the BER of a value from the buffer, and the TAG of it before the LEN.",
        "The decoder checks the TAG of the value before it reads the DER of the structure.",
        "The Document keeps its title on the first page of the Document for every reader of it.",
        "A License of the Document is given by the publisher of the book to each reader of it.",
        "The license of a book is a document that the publisher gives to each reader of the book.",
        "The first version of the library was written by Josefsson for the encoder of the project.",
        "The encoder of the project was reviewed by Fiorina before the library was released.",
        "The tests of the library were written by Mavrogiannopoulos for the decoder of the project.",
        "The publisher keeps a License for every book that a reader of the library may copy.",
    };
    size_t n = sizeof texts / sizeof texts[0];
    retrieve_index *ix = index_of(texts, NULL, n);
    const char *terms[] = {"der",       "ber",      "len",
                           "tag",       "document", "license",
                           "josefsson", "fiorina",  "mavrogiannopoulos",
                           "encoder",   "decoder",  "buffer",
                           "value",     "library",  "publisher",
                           "reader",    "book",     "project"};
    assert_true(each_question(ix, terms, 18, 32, options_of_one_style, NULL) >= 1);
    retrieve_index_free(ix);
}

/* The first word of s into w (at most n bytes with its NUL), lowercased. */
static void first_word(const char *s, char *w, size_t n)
{
    size_t k = 0;
    while (s[k] != '\0' && s[k] != ' ' && k + 1 < n) {
        w[k] = (char)tolower((unsigned char)s[k]);
        k++;
    }
    w[k] = '\0';
}

static void no_options_sharing_a_modifier(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    size_t *shared_head = ctx;
    if (q->type != QGEN_CHOICE && q->type != QGEN_DEFINITION)
        return;
    for (size_t i = 0; i < q->n_options; i++) {
        for (size_t j = 0; j < i; j++) {
            const char *a = q->options[i], *b = q->options[j];
            if (strchr(a, ' ') == NULL || strchr(b, ' ') == NULL)
                continue;
            char wa[64], wb[64];
            first_word(a, wa, sizeof wa);
            first_word(b, wb, sizeof wb);
            if (strcmp(wa, wb) == 0)
                fail_msg("'%s' and '%s' both offered: %s", a, b, q->stem);
            if (strcasecmp(strrchr(a, ' '), strrchr(b, ' ')) == 0)
                (*shared_head)++;
        }
    }
}

/* Two options sharing their first word ("cat page", "cat file") name one thing in other
 * words as often as not, and then both are right: never both in one question. Options
 * sharing their last word, the head ("TCP header", "IP header"), are kinds of one thing
 * and make a fair set. */
static void learn_qgen_no_near_synonym_options(void **state)
{
    (void)state;
    const char *man[] = {
        "A cat page is a formatted manual page that the man program keeps in the cache.",
        "The cat file of a manual page is created when the page is first shown to a user.",
        "When a cat file is created, its time stamp is set to that of the manual page.",
        "The index database holds the location of every manual page on the system.",
        "A cat page is stored under the cat hierarchy of the system when the user reads it.",
        "The man program looks in the index database before it reads a cat file from the disk.",
        "The cat hierarchy keeps a cat page for every manual page of the system in the cache.",
        "Every source file of the system is kept in the manual hierarchy of its package.",
        "The source file of a manual page is read by the formatter when no cat page exists.",
    };
    retrieve_index *ix = index_of(man, NULL, sizeof man / sizeof man[0]);
    const char *man_terms[] = {"cat page",      "cat file",    "manual page",      "index database",
                               "cat hierarchy", "source file", "manual hierarchy", "system",
                               "cache",         "user"};
    size_t shared_head = 0;
    assert_true(each_question(ix, man_terms, 10, 32, no_options_sharing_a_modifier, &shared_head) >= 1);
    retrieve_index_free(ix);

    const char *net[] = {
        "The TCP header holds the port numbers of the connection between two hosts.",
        "The IP header holds the addresses of the two hosts of a packet on the network.",
        "The UDP header is smaller than the TCP header, as it holds no sequence numbers.",
        "An Ethernet header carries the hardware addresses of a frame on the local network.",
        "The ARP header names the hardware type and the protocol type of the request.",
        "Every packet carries an IP header in front of the data of the segment it holds.",
        "A router reads the IP header of a packet and forwards it to the next host.",
    };
    ix = index_of(net, NULL, sizeof net / sizeof net[0]);
    const char *net_terms[] = {"TCP header", "IP header", "UDP header", "Ethernet header", "ARP header",
                               "packet",     "host",      "network",    "router"};
    shared_head = 0;
    assert_true(each_question(ix, net_terms, 9, 32, no_options_sharing_a_modifier, &shared_head) >= 1);
    assert_true(shared_head >= 1);
    retrieve_index_free(ix);
}

typedef struct tf_count {
    size_t statements, falses;
} tf_count;

static void statements_are_claims(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    tf_count *c = ctx;
    if (q->type != QGEN_TRUE_FALSE)
        return;
    c->statements++;
    char *quote = quote_of(ix, q);
    if (q->passage < 5)
        fail_msg("a true/false that states nothing: %s", q->stem);
    if (strcmp(q->answer, "False") == 0) {
        c->falses++;
        /* "structure" and "node" qualify the next word in these two: a swap there would
         * name another thing ("the nomination process"), not state a falsehood */
        if ((q->passage == 8 && strcmp(q->term, "structure") == 0) ||
            (q->passage == 9 && strcmp(q->term, "node") == 0))
            fail_msg("swapped where the term qualifies a noun: %s (%s)", q->stem, quote);
    }
    free(quote);
}

/* A true/false statement is a claim: a sentence with a finite verb ("is", "can",
 * "reads", "holds"), not a summary line ("Function that generates ...", "Returns the
 * value ...") or an instruction ("Search the structure that is defined ...", "Extract a
 * length field ...", "Refrain from discussing ..."). A term is swapped only where it heads its phrase, so a
 * false statement never names another thing by chance ("the structure field" to "the node field"). */
static void learn_qgen_true_false_states_a_claim(void **state)
{
    (void)state;
    const char *texts[] = {
        "Function that generates a C structure from an ASN1 file of definitions.",
        "Returns the value of a data node inside a structure of the tree.",
        "Search the structure that is defined just after an object identifier in the file.",
        "Extract a length field from the data of a node in the tree of the parser.",
        "Refrain from discussing aspects of the structure in the nodes of a public tree.",
        "The decoder reads the length of every node from the data of the file.",
        "A structure holds the nodes of the tree that the parser builds from a file.",
        "The parser writes a structure for every definition that it reads in the file.",
        "The structure field of a node holds the name of the element in the tree.",
        "The node list of a structure is freed by the library when the program ends.",
    };
    size_t n = sizeof texts / sizeof texts[0];
    retrieve_index *ix = index_of(texts, NULL, n);
    const char *terms[] = {"structure",  "node",    "tree",  "file", "data",  "length",  "decoder", "parser",
                           "definition", "element", "field", "name", "value", "library", "program"};
    tf_count c = {0};
    assert_true(each_question(ix, terms, 15, 48, statements_are_claims, &c) >= 1);
    assert_true(c.statements >= 1 && c.falses >= 1);
    retrieve_index_free(ix);
}

static void noun_forms_only(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    size_t *locales = ctx;
    if (q->type != QGEN_CHOICE && q->type != QGEN_DEFINITION)
        return;
    for (size_t i = 0; i < q->n_options; i++) {
        if (strcmp(q->options[i], "local") == 0)
            fail_msg("'local' offered among nouns: %s", q->stem);
        if (strstr(q->options[i], "'s") != NULL)
            fail_msg("a possessive option '%s': %s", q->options[i], q->stem);
        *locales += strcmp(q->options[i], "locale") == 0;
    }
}

/* One stem, two words: "local" (an adjective, "a local disk") and "locale" (a noun, "the
 * locale of a user") stem alike, and the surface a material's key terms give may be the
 * adjective. An option is written as the material uses the term as a noun ("locale"),
 * and a sentence using the other word is not asked with options. A possessive stays in
 * the stem ("the _____'s choice"), not in the options. */
static void learn_qgen_options_in_their_noun_form(void **state)
{
    (void)state;
    const char *texts[] = {
        "The locale of a user names the language and the country of the messages.",
        "Every program reads the locale of the user before it prints a message on the screen.",
        "The messages are stored on a local disk of the system for every user of the program.",
        "A local copy of the manual is kept on the local system of each user.",
        "The system picks the language of the messages from the locale of the program.",
        "The language of a message is chosen by the program for the user's screen.",
        "A program of the system prints its messages in the language of the user's locale.",
        "The manual of a program is kept on the disk of the system for every user.",
    };
    retrieve_index *ix = index_of(texts, NULL, sizeof texts / sizeof texts[0]);
    const char *terms[] = {"local",   "user", "system", "program", "language",
                           "message", "disk", "copy",   "manual",  "screen"};
    size_t locales = 0;
    assert_true(each_question(ix, terms, 10, 48, noun_forms_only, &locales) >= 1);
    assert_true(locales >= 1);
    retrieve_index_free(ix);
}

static void no_option_the_material_writes_there(const retrieve_index *ix, const qgen_question *q, void *ctx)
{
    (void)ix;
    (void)ctx;
    if ((q->type != QGEN_CHOICE && q->type != QGEN_DEFINITION) || strstr(q->stem, "_____ status") == NULL)
        return;
    bool exit = false, ret = false;
    for (size_t i = 0; i < q->n_options; i++) {
        exit = exit || strcmp(q->options[i], "exit") == 0;
        ret = ret || strcmp(q->options[i], "return") == 0;
    }
    if (exit && ret)
        fail_msg("both 'exit' and 'return' before 'status', both written so: %s", q->stem);
}

/* A blank that qualifies the next word ("an _____ status") is not offered a word that
 * the material itself writes before that word: "return status" and "exit status" are
 * both in it, so either would be right. */
static void learn_qgen_no_option_fitting_the_blank_by_the_material(void **state)
{
    (void)state;
    const char *texts[] = {
        "Every command has an exit status of zero when it succeeds in the shell.",
        "The return status of a function is the exit status of its last command.",
        "The shell reads the exit status of a command from the process that ran it.",
        "A function has a return status that the shell reads after the call ends.",
        "After the exit of the last command, the shell reads the status of the process.",
        "A function ends with a return of its value to the shell that called it.",
        "The default of a variable is read by the shell when the function starts.",
        "A variable keeps its default until the shell gives the variable a value.",
        "The shell starts a process for every command and waits for the process to end.",
    };
    retrieve_index *ix = index_of(texts, NULL, sizeof texts / sizeof texts[0]);
    const char *terms[] = {"exit",     "return",  "default",  "command", "shell",
                           "function", "process", "variable", "value",   "status"};
    assert_true(each_question(ix, terms, 10, 64, no_option_the_material_writes_there, NULL) >= 1);
    retrieve_index_free(ix);
}

/* ---- input ------------------------------------------------------------------------- */

static void learn_qgen_refuses_bad_input(void **state)
{
    (void)state;
    const char *texts[] = {"A directory is a file that lists the names of other files in it."};
    retrieve_index *ix = index_of(texts, NULL, 1);
    const char *terms[] = {"directory"};
    qgen_set s;
    em_error err = {0};
    qgen_input in = {.ix = ix, .terms = terms, .n_terms = 1, .max = 0};
    assert_int_equal(qgen_generate(&in, &s, &err), EM_E_INVAL);
    qgen_set_cleanup(&s);
    in.max = QGEN_MAX + 1;
    assert_int_equal(qgen_generate(&in, &s, &err), EM_E_INVAL);
    qgen_set_cleanup(&s);
    in.max = 1;
    in.ix = NULL;
    assert_int_equal(qgen_generate(&in, &s, &err), EM_E_INVAL);
    qgen_set_cleanup(&s);
    in.ix = ix;
    in.terms = NULL;
    assert_int_equal(qgen_generate(&in, &s, &err), EM_E_INVAL);
    qgen_set_cleanup(&s);
    /* no terms: no questions, no error */
    in.n_terms = 0;
    assert_int_equal(qgen_generate(&in, &s, &err), EM_OK);
    assert_int_equal(s.n, 0);
    qgen_set_cleanup(&s);
    assert_string_equal(qgen_type_name(QGEN_CLOZE), "cloze");
    assert_string_equal(qgen_type_name(QGEN_CHOICE), "multiple_choice");
    assert_string_equal(qgen_type_name(QGEN_TRUE_FALSE), "true_false");
    assert_string_equal(qgen_type_name(QGEN_DEFINITION), "definition");
    retrieve_index_free(ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(learn_qgen_fixture_questions_sound),
        cmocka_unit_test(learn_qgen_definitions_define),
        cmocka_unit_test(learn_qgen_no_near_duplicates_in_a_set),
        cmocka_unit_test(learn_qgen_same_seed_same_set),
        cmocka_unit_test(learn_qgen_focus_and_section),
        cmocka_unit_test(learn_qgen_big_material_sampled),
        cmocka_unit_test(learn_qgen_empty_one_word_heading_list_code),
        cmocka_unit_test(learn_qgen_similarity_threshold),
        cmocka_unit_test(learn_qgen_near_duplicate_sentences_asked_once),
        cmocka_unit_test(learn_qgen_sisters_only_when_short),
        cmocka_unit_test(learn_qgen_false_statements_swap_a_term),
        cmocka_unit_test(learn_qgen_no_licence_or_copyright_stems),
        cmocka_unit_test(learn_qgen_stems_are_whole_sentences),
        cmocka_unit_test(learn_qgen_label_lines_left_out),
        cmocka_unit_test(learn_qgen_called_names_end_their_phrase),
        cmocka_unit_test(learn_qgen_apparatus_words_never_asked),
        cmocka_unit_test(learn_qgen_blanks_not_glued_to_symbols),
        cmocka_unit_test(learn_qgen_key_not_left_in_the_stem),
        cmocka_unit_test(learn_qgen_distractors_written_in_material),
        cmocka_unit_test(learn_qgen_adjectives_not_among_nouns),
        cmocka_unit_test(learn_qgen_options_of_one_style),
        cmocka_unit_test(learn_qgen_no_near_synonym_options),
        cmocka_unit_test(learn_qgen_true_false_states_a_claim),
        cmocka_unit_test(learn_qgen_options_in_their_noun_form),
        cmocka_unit_test(learn_qgen_no_option_fitting_the_blank_by_the_material),
        cmocka_unit_test(learn_qgen_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
