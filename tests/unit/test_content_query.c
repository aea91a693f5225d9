/* query: every construct rendered for FTS5 and tsquery, every error, the
 * limits, and a property test that hostile input never puts anything but
 * words and the renderer's own operators into either rendering, checked by
 * the reference model in tests/support/query_model.c. The
 * renderings are compared with expected text only: test_content* executables
 * link em_content, which does not bring SQLite or libpq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/query.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "query_model.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parse text (len bytes) and check both renderings. */
static void assert_renders_n(const char *text, size_t len, const char *want_fts5, const char *want_tsquery)
{
    search_query *q = NULL;
    em_error err = {0};
    int rc = query_parse(text, len, &q, &err);
    if (rc != EM_OK)
        fail_msg("\"%.*s\": rc %d (%s)", (int)len, text, rc, err.msg);
    buf b;
    buf_init(&b, QUERY_RENDER_MAX);
    assert_int_equal(query_to_fts5(q, &b), EM_OK);
    if (strcmp(b.data, want_fts5) != 0)
        fail_msg("\"%.*s\" for FTS5: got %s, want %s", (int)len, text, b.data, want_fts5);
    buf_reset(&b);
    assert_int_equal(query_to_tsquery(q, &b), EM_OK);
    if (strcmp(b.data, want_tsquery) != 0)
        fail_msg("\"%.*s\" for tsquery: got %s, want %s", (int)len, text, b.data, want_tsquery);
    buf_cleanup(&b);
    query_free(q);
}

static void assert_renders(const char *text, const char *want_fts5, const char *want_tsquery)
{
    assert_renders_n(text, strlen(text), want_fts5, want_tsquery);
}

/* Parse text (len bytes) expecting the error code and, when msg is not NULL,
 * that message. */
static void assert_error_n(const char *text, size_t len, int code, const char *msg)
{
    search_query *q = (search_query *)&q; /* must come back NULL */
    em_error err = {0};
    int rc = query_parse(text, len, &q, &err);
    if (rc != code)
        fail_msg("\"%.*s\": rc %d (%s), want %d", (int)len, text, rc, err.msg, code);
    assert_int_equal(err.code, code);
    assert_null(q);
    assert_true(err.msg[0] != '\0');
    if (msg != NULL && strcmp(err.msg, msg) != 0)
        fail_msg("\"%.*s\": message \"%s\", want \"%s\"", (int)len, text, err.msg, msg);
}

static void assert_error(const char *text, int code, const char *msg)
{
    assert_error_n(text, strlen(text), code, msg);
}

/* The positive words of text, "w1 w2* w3", with * after a prefix word. */
static char *words_of(const char *text)
{
    search_query *q = NULL;
    assert_int_equal(query_parse(text, strlen(text), &q, NULL), EM_OK);
    buf b;
    buf_init(&b, QUERY_RENDER_MAX);
    for (size_t i = 0; i < query_word_count(q); i++) {
        bool prefix = false;
        const char *w = query_word(q, i, &prefix);
        assert_int_equal(buf_printf(&b, "%s%s%s", i > 0 ? " " : "", w, prefix ? "*" : ""), EM_OK);
    }
    query_free(q);
    return buf_steal(&b);
}

/* ---- the language --------------------------------------------------------- */

static void content_query_words(void **state)
{
    assert_renders("photosynthesis", "\"photosynthesis\"", "photosynthesis");
    assert_renders("Light REACTION", "\"light\" AND \"reaction\"", "light & reaction");
    assert_renders("  mitosis\t\n meiosis  ", "\"mitosis\" AND \"meiosis\"", "mitosis & meiosis");
    assert_renders("h2o 1984", "\"h2o\" AND \"1984\"", "h2o & 1984");
    /* punctuation between terms is white space */
    assert_renders("cells, (plants) & [animals]!", "\"cells\" AND \"plants\" AND \"animals\"",
                   "cells & plants & animals");
    assert_renders("a|b: c", "\"a b\" AND \"c\"", "(a <-> b) & c");
}

static void content_query_joined_words(void **state)
{
    assert_renders("cell's", "\"cell s\"", "(cell <-> s)");
    assert_renders("x+2", "\"x 2\"", "(x <-> 2)");
    assert_renders("e-mail", "\"e mail\"", "(e <-> mail)");
    assert_renders("3.14", "\"3 14\"", "(3 <-> 14)");
    assert_renders("U.S.A. history", "\"u s a\" AND \"history\"", "(u <-> s <-> a) & history");
    assert_renders("a--b", "\"a b\"", "(a <-> b)");
    assert_renders("f(x)=y", "\"f x y\"", "(f <-> x <-> y)");
    /* trailing punctuation does not join */
    assert_renders("cell- wall", "\"cell\" AND \"wall\"", "cell & wall");
    assert_renders("end.", "\"end\"", "end");
}

static void content_query_phrases(void **state)
{
    assert_renders("\"light reaction\"", "\"light reaction\"", "(light <-> reaction)");
    assert_renders("\"Calvin, cycle!\" atp", "\"calvin cycle\" AND \"atp\"", "(calvin <-> cycle) & atp");
    assert_renders("\"one\"", "\"one\"", "one");
    assert_renders("\"cell's wall\"", "\"cell s wall\"", "(cell <-> s <-> wall)");
    /* syntax inside quotes is text: no OR, no exclusion, no prefix */
    assert_renders("\"a OR -b c*\"", "\"a or b c\"", "(a <-> or <-> b <-> c)");
    assert_renders("\"a\"\"b\"", "\"a\" AND \"b\"", "a & b");
    assert_renders("x\"y z\"", "\"x\" AND \"y z\"", "x & (y <-> z)");
    /* an empty phrase is nothing */
    assert_renders("a \"\" \" ! \"", "\"a\"", "a");
    assert_renders("a OR \"\" b", "(\"a\" OR \"b\")", "(a | b)");
}

static void content_query_prefix(void **state)
{
    assert_renders("photo*", "\"photo\"*", "photo:*");
    assert_renders("\"light re\"*", "\"light re\"*", "(light <-> re:*)");
    assert_renders("x+2*", "\"x 2\"*", "(x <-> 2:*)");
    assert_renders("Bio* chem**", "\"bio\"* AND \"chem\"*", "bio:* & chem:*");
    /* a * that is not right after a term is white space */
    assert_renders("photo *", "\"photo\"", "photo");
    assert_renders("*photo", "\"photo\"", "photo");
    assert_renders("\"photo\" *", "\"photo\"", "photo");
    /* inside a term it joins like other punctuation */
    assert_renders("a*b", "\"a b\"", "(a <-> b)");
}

static void content_query_or(void **state)
{
    assert_renders("mitosis OR meiosis", "(\"mitosis\" OR \"meiosis\")", "(mitosis | meiosis)");
    assert_renders("a OR b OR c", "(\"a\" OR \"b\" OR \"c\")", "(a | b | c)");
    assert_renders("cell a OR b wall c OR \"d e\"*",
                   "\"cell\" AND (\"a\" OR \"b\") AND \"wall\" AND (\"c\" OR \"d e\"*)",
                   "cell & (a | b) & wall & (c | (d <-> e:*))");
    assert_renders("cell's OR photo*", "(\"cell s\" OR \"photo\"*)", "((cell <-> s) | photo:*)");
    /* only the bare uppercase keyword */
    assert_renders("a or b", "\"a\" AND \"or\" AND \"b\"", "a & or & b");
    assert_renders("a Or b", "\"a\" AND \"or\" AND \"b\"", "a & or & b");
    assert_renders("a \"OR\" b", "\"a\" AND \"or\" AND \"b\"", "a & or & b");
    assert_renders("a OR* b", "\"a\" AND \"or\"* AND \"b\"", "a & or:* & b");
    assert_renders("a OR-b", "\"a\" AND \"or b\"", "a & (or <-> b)");
    assert_renders("ORE OR ORE", "(\"ore\" OR \"ore\")", "(ore | ore)");
    /* punctuation around the keyword is white space */
    assert_renders("(a OR b)", "(\"a\" OR \"b\")", "(a | b)");
}

static void content_query_and(void **state)
{
    assert_renders("a AND b", "\"a\" AND \"b\"", "a & b");
    assert_renders("AND a AND", "\"a\"", "a");
    assert_renders("a and b", "\"a\" AND \"and\" AND \"b\"", "a & and & b");
    assert_renders("a AND OR b", "(\"a\" OR \"b\")", "(a | b)");
    assert_renders("ANDROID", "\"android\"", "android");
}

static void content_query_exclusions(void **state)
{
    assert_renders("cell -plant", "\"cell\" NOT \"plant\"", "cell & !plant");
    assert_renders("cell -\"cell wall\"", "\"cell\" NOT \"cell wall\"", "cell & !(cell <-> wall)");
    assert_renders("cell -plant*", "\"cell\" NOT \"plant\"*", "cell & !plant:*");
    assert_renders("-a b -c's d", "\"b\" AND \"d\" NOT \"a\" NOT \"c s\"", "b & d & !a & !(c <-> s)");
    assert_renders("a OR b -c", "(\"a\" OR \"b\") NOT \"c\"", "(a | b) & !c");
    assert_renders("x (-y)", "\"x\" NOT \"y\"", "x & !y");
    assert_renders("x --y", "\"x\" NOT \"y\"", "x & !y");
    assert_renders("x -OR", "\"x\" NOT \"or\"", "x & !or");
    /* not an exclusion: inside a word, before white space, after a word */
    assert_renders("e-mail", "\"e mail\"", "(e <-> mail)");
    assert_renders("x - y", "\"x\" AND \"y\"", "x & y");
    assert_renders("x- y", "\"x\" AND \"y\"", "x & y");
    assert_renders("x-\"y\"", "\"x\" AND \"y\"", "x & y");
    assert_renders("\xc3\xa9-x", "\"\xc3\xa9 x\"", "(\xc3\xa9 <-> x)");
}

static void content_query_utf8(void **state)
{
    /* non-ASCII letters pass through whole; only ASCII is lowercased */
    assert_renders("Caf\u00e9 NA\u00cfVE", "\"caf\u00e9\" AND \"na\u00cfve\"", "caf\u00e9 & na\u00cfve");
    assert_renders("\xce\xb1\xce\xb2 \xe5\x85\x89\xe5\x90\x88*",
                   "\"\xce\xb1\xce\xb2\" AND \"\xe5\x85\x89\xe5\x90\x88\"*",
                   "\xce\xb1\xce\xb2 & \xe5\x85\x89\xe5\x90\x88:*");
    assert_renders("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80");
    /* a curly apostrophe is a word character here; the engines' tokenizers
     * split at it like at the ASCII one */
    assert_renders("cell\xe2\x80\x99s", "\"cell\xe2\x80\x99s\"", "cell\xe2\x80\x99s");
    /* Unicode white space and C1 controls separate words */
    assert_renders("a\u3000b", "\"a\" AND \"b\"", "a & b");
    assert_renders("a\u00a0b", "\"a\" AND \"b\"", "a & b");
    /* U+2003, U+2028 and U+0085 (a C1 control, which has no \u escape) */
    assert_renders("a\u2003b\u2028c\302\205d", "\"a\" AND \"b\" AND \"c\" AND \"d\"", "a & b & c & d");
    assert_renders("\"a\u3000b\"", "\"a b\"", "(a <-> b)");
    /* a NUL byte is white space: the length is what counts */
    assert_renders_n("a\0b", 3, "\"a\" AND \"b\"", "a & b");
}

/* ---- errors and limits ------------------------------------------------------ */

static void content_query_errors(void **state)
{
    assert_error("", EM_E_PARSE, "the query is empty");
    assert_error("   \t ", EM_E_PARSE, "the query is empty");
    assert_error("!!! ()*&", EM_E_PARSE, "the query is empty");
    assert_error("AND", EM_E_PARSE, "the query is empty");
    assert_error("\"\"", EM_E_PARSE, "the query is empty");
    assert_error("\"abc", EM_E_PARSE, "unbalanced quote");
    assert_error("a \"b\" \"c", EM_E_PARSE, "unbalanced quote");
    assert_error("-\"", EM_E_PARSE, "unbalanced quote");
    assert_error("OR", EM_E_PARSE, "OR needs a term on both sides");
    assert_error("OR a", EM_E_PARSE, "OR needs a term on both sides");
    assert_error("a OR", EM_E_PARSE, "OR needs a term on both sides");
    assert_error("a OR OR b", EM_E_PARSE, "OR needs a term on both sides");
    assert_error("a OR \"\"", EM_E_PARSE, "OR needs a term on both sides");
    assert_error("a OR -b", EM_E_PARSE, "OR cannot join an excluded term");
    assert_error("a -b OR c", EM_E_PARSE, "OR cannot join an excluded term");
    assert_error("-a", EM_E_PARSE, "the query has only exclusions");
    assert_error("-a -\"b c\" -d*", EM_E_PARSE, "the query has only exclusions");
    assert_error("-a AND", EM_E_PARSE, "the query has only exclusions");
    /* invalid UTF-8: stray continuation, truncated, overlong, surrogate,
     * past U+10FFFF, bytes that never occur */
    const char *bad[] = {"a \x80",       "a\xc3",        "\xe3\x80",         "\xc0\xaf",
                         "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                         "\xfe",         "\xff",         "\"\xff\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_error(bad[i], EM_E_PARSE, "the query is not valid UTF-8");
    /* invalid UTF-8 is refused even after another error would apply */
    assert_error("\"x \xff", EM_E_PARSE, "the query is not valid UTF-8");

    /* err may be NULL */
    search_query *q = NULL;
    assert_int_equal(query_parse("\"", 1, &q, NULL), EM_E_PARSE);
    assert_null(q);
    assert_int_equal(query_parse(NULL, 0, &q, NULL), EM_E_PARSE);
    query_free(NULL);
}

static void content_query_length_limit(void **state)
{
    char text[QUERY_MAX_BYTES + 1];
    memset(text, 'a', sizeof text);
    search_query *q = NULL;
    em_error err = {0};
    assert_int_equal(query_parse(text, QUERY_MAX_BYTES, &q, &err), EM_OK);
    assert_int_equal(query_word_count(q), 1);
    assert_int_equal(strlen(query_word(q, 0, NULL)), QUERY_MAX_BYTES);
    query_free(q);
    assert_error_n(text, QUERY_MAX_BYTES + 1, EM_E_TOO_LARGE, "the query is too long (at most 256 bytes)");
    /* the length is checked before anything else */
    text[0] = '"';
    assert_error_n(text, QUERY_MAX_BYTES + 1, EM_E_TOO_LARGE, NULL);
}

static void content_query_term_limit(void **state)
{
    buf b;
    buf_init(&b, QUERY_MAX_BYTES);
    for (int i = 0; i < QUERY_MAX_TERMS; i++)
        assert_int_equal(buf_printf(&b, "t%d ", i), EM_OK);
    search_query *q = NULL;
    assert_int_equal(query_parse(b.data, b.len, &q, NULL), EM_OK);
    assert_int_equal(query_word_count(q), QUERY_MAX_TERMS);
    query_free(q);
    /* keywords and empty phrases are not terms */
    buf_reset(&b);
    assert_int_equal(buf_append_str(&b, "AND "), EM_OK);
    for (int i = 0; i < QUERY_MAX_TERMS; i++)
        assert_int_equal(buf_printf(&b, "%st%d\"\"", i > 0 ? " OR " : "", i), EM_OK);
    assert_int_equal(query_parse(b.data, b.len, &q, NULL), EM_OK);
    query_free(q);
    /* one more, excluded or not */
    buf_reset(&b);
    for (int i = 0; i < QUERY_MAX_TERMS; i++)
        assert_int_equal(buf_printf(&b, "t%d ", i), EM_OK);
    assert_int_equal(buf_append_str(&b, "-x"), EM_OK);
    assert_error_n(b.data, b.len, EM_E_TOO_LARGE, "the query has too many terms (at most 24)");
    b.data[b.len - 2] = ' ';
    assert_error_n(b.data, b.len, EM_E_TOO_LARGE, "the query has too many terms (at most 24)");
    buf_cleanup(&b);
}

/* Render text for both engines into buffers of QUERY_RENDER_MAX and return
 * the longer length. */
static size_t longest_rendering(const char *text, size_t len)
{
    search_query *q = NULL;
    em_error err = {0};
    int rc = query_parse(text, len, &q, &err);
    if (rc != EM_OK)
        fail_msg("\"%.*s\": rc %d (%s)", (int)len, text, rc, err.msg);
    buf a, b;
    buf_init(&a, QUERY_RENDER_MAX);
    buf_init(&b, QUERY_RENDER_MAX);
    assert_int_equal(query_to_fts5(q, &a), EM_OK);
    assert_int_equal(query_to_tsquery(q, &b), EM_OK);
    size_t n = a.len > b.len ? a.len : b.len;
    buf_cleanup(&a);
    buf_cleanup(&b);
    query_free(q);
    return n;
}

/* The densest queries there are still render within QUERY_RENDER_MAX. */
static void content_query_render_bound(void **state)
{
    char text[QUERY_MAX_BYTES + 1];
    /* 128 one-letter words in one phrase: "a.a.a...a" */
    for (size_t i = 0; i < QUERY_MAX_BYTES - 1; i++)
        text[i] = i % 2 == 0 ? 'a' : '.';
    size_t n = longest_rendering(text, QUERY_MAX_BYTES - 1);
    assert_int_equal(n, 128 + 127 * 5 + 2);
    /* 24 terms, 23 of them excluded prefix phrases, the words shared out */
    buf b;
    buf_init(&b, QUERY_MAX_BYTES);
    assert_int_equal(buf_append_str(&b, "a.a*"), EM_OK);
    for (int i = 1; i < QUERY_MAX_TERMS; i++)
        assert_int_equal(buf_append_str(&b, " -a.a*"), EM_OK);
    /* the rest of the room as more words in the last term */
    while (b.len + 2 <= QUERY_MAX_BYTES - 1) {
        b.len -= 1;
        assert_int_equal(buf_append_str(&b, ".a*"), EM_OK);
    }
    n = longest_rendering(b.data, b.len);
    assert_true(n <= QUERY_RENDER_MAX);
    /* 24 two-term OR groups of phrases with prefixes */
    buf_reset(&b);
    for (int i = 0; i < QUERY_MAX_TERMS / 2; i++)
        assert_int_equal(buf_append_str(&b, "a.a* OR a.a* "), EM_OK);
    n = longest_rendering(b.data, b.len);
    assert_true(n <= QUERY_RENDER_MAX);
    buf_cleanup(&b);
}

/* text widened, rendered for FTS5 (want NULL: nothing to widen). */
static void assert_widened(const char *text, const char *want_fts5)
{
    search_query *q = NULL;
    assert_int_equal(query_parse(text, strlen(text), &q, NULL), EM_OK);
    search_query *w = query_widened(q);
    if (want_fts5 == NULL) {
        if (w != NULL)
            fail_msg("\"%s\" was widened", text);
    } else {
        if (w == NULL)
            fail_msg("\"%s\" was not widened", text);
        buf b;
        buf_init(&b, QUERY_RENDER_MAX);
        assert_int_equal(query_to_fts5(w, &b), EM_OK);
        if (strcmp(b.data, want_fts5) != 0)
            fail_msg("\"%s\" widened: got %s, want %s", text, b.data, want_fts5);
        buf_cleanup(&b);
    }
    query_free(w);
    query_free(q);
}

/* Prefixes cut back past what the stemmers may have removed: the stems
 * Porter stores for extension, relativity, running, general, national. */
static void content_query_widened(void **state)
{
    (void)state;
    assert_widened("extensi*", "\"extens\"*");
    assert_widened("relat*", "\"rel\"*");
    assert_widened("runni*", "\"run\"*");
    assert_widened("genera*", "\"gener\"*");
    assert_widened("nationa* park", "\"nation\"* AND \"park\"");
    /* the last word of a phrase; other terms and exclusions as typed */
    assert_widened("\"light reactio\"* cell -mechanis*", "\"light reac\"* AND \"cell\" NOT \"mechanis\"*");
    /* nothing a stemmer removes, too short, not a prefix, not English letters */
    assert_widened("pond*", NULL);
    assert_widened("abi*", NULL);
    assert_widened("extensi", NULL);
    assert_widened("x2i*", NULL);
    assert_widened("\xce\xb1\xce\xb2\xce\xb3\xce\xb4*", NULL);
}

static void content_query_output_buffer(void **state)
{
    search_query *q = NULL;
    assert_int_equal(query_parse("photosynthesis -x", 17, &q, NULL), EM_OK);
    /* too small: EM_E_TOO_LARGE and the buffer as it was */
    buf b;
    buf_init(&b, 12);
    assert_int_equal(buf_append_str(&b, "xy"), EM_OK);
    assert_int_equal(query_to_fts5(q, &b), EM_E_TOO_LARGE);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "xy");
    assert_int_equal(query_to_tsquery(q, &b), EM_E_TOO_LARGE);
    assert_string_equal(b.data, "xy");
    buf_cleanup(&b);
    /* renderings append */
    buf_init(&b, 100);
    assert_int_equal(buf_append_str(&b, "m: "), EM_OK);
    assert_int_equal(query_to_fts5(q, &b), EM_OK);
    assert_int_equal(buf_append_str(&b, "; t: "), EM_OK);
    assert_int_equal(query_to_tsquery(q, &b), EM_OK);
    assert_string_equal(b.data, "m: \"photosynthesis\" NOT \"x\"; t: photosynthesis & !x");
    buf_cleanup(&b);
    query_free(q);
}

static void content_query_word_list(void **state)
{
    char *w = words_of("Cell's -plant \"light re\"* OR photo* x+2 AND -\"y z\"");
    assert_string_equal(w, "cell s light re* photo* x 2");
    free(w);
    w = words_of("OR-gate ORE");
    assert_string_equal(w, "or gate ore");
    free(w);
    search_query *q = NULL;
    assert_int_equal(query_parse("a -b", 4, &q, NULL), EM_OK);
    assert_int_equal(query_word_count(q), 1);
    assert_string_equal(query_word(q, 0, NULL), "a");
    query_free(q);
}

/* ---- property: hostile input ------------------------------------------------ */

/* A fixed pseudo-random sequence (xorshift64). */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Pieces of hostile queries: the language's syntax, both engines' syntax,
 * white space, and UTF-8 letters, symbols and spaces. */
static const char *const fragments[] = {
    "a",      "Cell",     "x",      "9",      "OR",     "AND",        "NOT",    "or",     "NEAR",
    "\"",     "\"",       "-",      "-",      "*",      " ",          " ",      " ",      "(",
    ")",      "'",        "&",      "|",      "!",      ":",          "<->",    "<",      ">",
    "\\",     "^",        "+",      "{",      "}",      ",",          ".",      ";",      "\t",
    "\n",     "\x7f",     "$1",     "%",      "col:",   "\"\"",       "*\"",    ":*",     "\u3000",
    "\u00a0", "\302\205", "\u2003", "\u00e9", "\u00c9", "\U0001F600", "\u2019", "\u5149", "\ufeff",
};

/* Rarer: what makes a text invalid UTF-8. */
static const char *const broken[] = {"\xff", "\xc3", "\x80", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80"};

static void content_query_hostile_input(void **state)
{
    uint64_t seed = 0x5eed0f0e5u;
    size_t ok = 0, failed = 0, longest = 0;
    unsigned char text[QUERY_MAX_BYTES + 64];
    buf f, t;
    buf_init(&f, QUERY_RENDER_MAX);
    buf_init(&t, QUERY_RENDER_MAX);
    for (int iter = 0; iter < 5000; iter++) {
        /* mostly short texts; every 50th runs past the length limit */
        size_t want = iter % 50 == 0 ? QUERY_MAX_BYTES : (size_t)(next_rand(&seed) % 80);
        size_t len = 0;
        while (len < want) {
            uint64_t r = next_rand(&seed);
            size_t k = (size_t)(r % 256);
            const char *piece;
            if (k == 0) {
                text[len++] = (unsigned char)(r >> 32); /* any byte */
                continue;
            } else if (k == 1) {
                text[len++] = '\0';
                continue;
            } else if (k < 4) {
                piece = broken[(r >> 32) % (sizeof broken / sizeof broken[0])];
            } else {
                piece = fragments[(r >> 32) % (sizeof fragments / sizeof fragments[0])];
            }
            memcpy(text + len, piece, strlen(piece));
            len += strlen(piece);
        }
        search_query *q = (search_query *)&q;
        em_error err = {0};
        int rc = query_parse((const char *)text, len, &q, &err);
        if (rc != EM_OK) {
            if (rc != EM_E_PARSE && rc != EM_E_TOO_LARGE)
                fail_msg("iteration %d: rc %d", iter, rc);
            assert_null(q);
            assert_int_equal(err.code, rc);
            assert_true(err.msg[0] != '\0');
            failed++;
            continue;
        }
        ok++;
        assert_true(len <= QUERY_MAX_BYTES);
        buf_reset(&f);
        buf_reset(&t);
        assert_int_equal(query_to_fts5(q, &f), EM_OK);
        assert_int_equal(query_to_tsquery(q, &t), EM_OK);
        if (!query_model_fts5_ok(f.data))
            fail_msg("iteration %d: \"%.*s\" gave FTS5 %s", iter, (int)len, (const char *)text, f.data);
        if (!query_model_tsquery_ok(t.data))
            fail_msg("iteration %d: \"%.*s\" gave tsquery %s", iter, (int)len, (const char *)text, t.data);
        longest = f.len > longest ? f.len : longest;
        longest = t.len > longest ? t.len : longest;
        assert_true(query_word_count(q) > 0);
        for (size_t i = 0; i < query_word_count(q); i++) {
            const char *w = query_word(q, i, NULL);
            assert_true(query_model_word_ok(w));
        }
        query_free(q);
    }
    buf_cleanup(&f);
    buf_cleanup(&t);
    /* both outcomes were exercised plenty */
    assert_true(ok > 1000);
    assert_true(failed > 1000);
    assert_true(longest <= QUERY_RENDER_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_query_words),
        cmocka_unit_test(content_query_joined_words),
        cmocka_unit_test(content_query_phrases),
        cmocka_unit_test(content_query_prefix),
        cmocka_unit_test(content_query_or),
        cmocka_unit_test(content_query_and),
        cmocka_unit_test(content_query_exclusions),
        cmocka_unit_test(content_query_utf8),
        cmocka_unit_test(content_query_errors),
        cmocka_unit_test(content_query_length_limit),
        cmocka_unit_test(content_query_term_limit),
        cmocka_unit_test(content_query_render_bound),
        cmocka_unit_test(content_query_output_buffer),
        cmocka_unit_test(content_query_widened),
        cmocka_unit_test(content_query_word_list),
        cmocka_unit_test(content_query_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
