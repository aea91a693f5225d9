/* wordnet: sister terms from a hand-made sample in WordNet's format
 * (tests/fixtures/qgen/wordnet), and from Debian's wordnet-base when it is
 * installed: first sense only, every hypernym's other hyponyms, other
 * lemmas of the sense left out, plurals, compounds, case, limits; missing
 * and malformed databases refused; lookups from several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "content/wordnet.h"
#include "core/err.h"

static void sample_dir(char *out, size_t n)
{
    const char *slash = strrchr(__FILE__, '/');
    snprintf(out, n, "%.*s/../fixtures/qgen/wordnet", (int)(slash - __FILE__), __FILE__);
}

static wordnet *open_sample(void)
{
    char dir[1024];
    sample_dir(dir, sizeof dir);
    wordnet *wn = NULL;
    em_error err = {0};
    int rc = wordnet_open(dir, &wn, &err);
    if (rc != EM_OK)
        fail_msg("wordnet_open %s: %d %s", dir, rc, err.msg);
    return wn;
}

/* The sisters of word joined by "|" ("" for none). */
static char *sisters(const wordnet *wn, const char *word, size_t max)
{
    char *out[32];
    assert_true(max <= 32);
    size_t n = wordnet_sisters(wn, word, out, max);
    assert_true(n <= max);
    static char joined[1024];
    joined[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strncat(joined, "|", sizeof joined - strlen(joined) - 1);
        strncat(joined, out[i], sizeof joined - strlen(joined) - 1);
        free(out[i]);
    }
    return joined;
}

static void content_wordnet_sample_sisters(void **state)
{
    (void)state;
    wordnet *wn = open_sample();
    /* organelle's hyponyms in file order, the word itself left out */
    assert_string_equal(sisters(wn, "mitochondrion", 32), "chloroplast|ribosome|nucleus");
    /* another lemma of the same sense: its sense's own lemmas stay out */
    assert_string_equal(sisters(wn, "chondriosome", 32), "chloroplast|ribosome|nucleus");
    assert_string_equal(sisters(wn, "Mitochondrion", 32), "chloroplast|ribosome|nucleus");
    /* plurals by WordNet's regular endings */
    assert_string_equal(sisters(wn, "ribosomes", 32), "mitochondrion|chloroplast|nucleus");
    assert_string_equal(sisters(wn, "boxes", 32), "bag|shopping bag");
    /* compounds: spaces or underscores in, spaces out */
    assert_string_equal(sisters(wn, "shopping bag", 32), "box|bag");
    assert_string_equal(sisters(wn, "Shopping_Bag ", 32), "box|bag");
    assert_string_equal(sisters(wn, "cell nucleus", 32), "mitochondrion|chloroplast|ribosome");
    /* the first sense only ("dog" the animal, not the sausage), every hypernym of it */
    assert_string_equal(sisters(wn, "dog", 32), "wolf|jackal|house cat");
    /* at most max */
    assert_string_equal(sisters(wn, "dog", 2), "wolf|jackal");
    assert_int_equal(wordnet_sisters(wn, "dog", NULL, 0), 0);
    /* unknown, empty, top of the hierarchy, overlong, NULL */
    assert_string_equal(sisters(wn, "xyzzy", 32), "");
    assert_string_equal(sisters(wn, "", 32), "");
    assert_string_equal(sisters(wn, "   ", 32), "");
    assert_string_equal(sisters(wn, "entity", 32), "");
    char longword[WORDNET_WORD_MAX + 10];
    memset(longword, 'a', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    assert_string_equal(sisters(wn, longword, 32), "");
    assert_string_equal(sisters(NULL, "dog", 32), "");
    assert_string_equal(sisters(wn, NULL, 32), "");
    wordnet_free(wn);
    wordnet_free(NULL);
}

static void content_wordnet_refuses_missing_and_malformed(void **state)
{
    (void)state;
    wordnet *wn = (wordnet *)1;
    em_error err = {0};
    assert_int_equal(wordnet_open("/nonexistent/wordnet", &wn, &err), EM_E_NOT_FOUND);
    assert_null(wn);

    char dir[] = "/tmp/test_wordnet_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    /* only index.noun: data.noun is missing */
    snprintf(path, sizeof path, "%s/index.noun", dir);
    FILE *f = fopen(path, "w");
    fputs("dog n 1 0 1 0 00000000  \n", f);
    fclose(f);
    assert_int_equal(wordnet_open(dir, &wn, &err), EM_E_NOT_FOUND);
    /* an empty data.noun */
    snprintf(path, sizeof path, "%s/data.noun", dir);
    f = fopen(path, "w");
    fclose(f);
    assert_int_equal(wordnet_open(dir, &wn, &err), EM_E_INVAL);
    /* a data.noun that is not WordNet */
    f = fopen(path, "w");
    fputs("<html>not wordnet</html>\n", f);
    fclose(f);
    assert_int_equal(wordnet_open(dir, &wn, &err), EM_E_INVAL);
    assert_null(wn);
    /* and a well-formed one */
    f = fopen(path, "w");
    fputs("00000000 03 n 01 dog 0 000 | a dog  \n", f);
    fclose(f);
    assert_int_equal(wordnet_open(dir, &wn, &err), EM_OK);
    assert_string_equal(sisters(wn, "dog", 8), "");
    wordnet_free(wn);
    snprintf(path, sizeof path, "%s/index.noun", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/data.noun", dir);
    unlink(path);
    rmdir(dir);

    /* in memory: bytes that only look like WordNet give nothing, and no crash */
    const char *index = "dog n 1 1 @ 1 0 00000000  \ncat n 9 0 1 0 99999999  \nzebra n 1 0 1 0 00000005  \n";
    const char *data = "00000000 03 n 01 dog 0 003 @ 00000040 n 0000 ~ 12345678 n 0000 @ 7 n 0000\n";
    assert_int_equal(wordnet_open_mem(index, strlen(index), data, strlen(data), &wn, &err), EM_OK);
    assert_string_equal(sisters(wn, "dog", 8), "");
    assert_string_equal(sisters(wn, "cat", 8), "");
    assert_string_equal(sisters(wn, "zebra", 8), "");
    wordnet_free(wn);
    assert_int_equal(wordnet_open_mem(index, 0, data, strlen(data), &wn, &err), EM_E_INVAL);
    assert_int_equal(wordnet_open_mem("  1 only a license line\n", 24, data, strlen(data), &wn, &err),
                     EM_E_INVAL);
}

typedef struct worker {
    const wordnet *wn;
    int ok;
} worker;

static void *look_up(void *arg)
{
    worker *w = arg;
    w->ok = 1;
    for (int i = 0; i < 2000; i++) {
        char *out[8];
        size_t n = wordnet_sisters(w->wn, i % 2 ? "dog" : "ribosomes", out, 8);
        if (n != 3 || strcmp(out[0], i % 2 ? "wolf" : "mitochondrion") != 0)
            w->ok = 0;
        for (size_t k = 0; k < n; k++)
            free(out[k]);
    }
    return NULL;
}

static void content_wordnet_shared_between_threads(void **state)
{
    (void)state;
    wordnet *wn = open_sample();
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){wn, 0};
        assert_int_equal(pthread_create(&t[i], NULL, look_up, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, 1);
    }
    wordnet_free(wn);
}

/* Debian's wordnet-base, when installed (scripts/deps.sh installs it). */
static void content_wordnet_debian_database(void **state)
{
    (void)state;
    struct stat st;
    if (stat(WORDNET_DEFAULT_DIR "/data.noun", &st) != 0)
        skip();
    wordnet *wn = NULL;
    em_error err = {0};
    assert_int_equal(wordnet_open(NULL, &wn, &err), EM_OK);
    /* dog, n, sense 1: hypernyms canine and domestic animal */
    char *s = sisters(wn, "dog", 32);
    assert_non_null(strstr(s, "wolf"));
    assert_non_null(strstr(s, "jackal"));
    assert_non_null(strstr(s, "domestic cat"));
    /* "wild dog" is a sister; "dog" itself is not */
    char framed[1100];
    snprintf(framed, sizeof framed, "|%s|", s);
    assert_null(strstr(framed, "|dog|"));
    /* mitochondrion: the other organelles */
    s = sisters(wn, "mitochondrion", 32);
    assert_non_null(strstr(s, "lysosome"));
    assert_non_null(strstr(s, "ribosome"));
    /* an irregular plural through noun.exc */
    char one[1024];
    snprintf(one, sizeof one, "%s", s);
    assert_string_equal(sisters(wn, "mitochondria", 32), one);
    /* a plural and a compound */
    s = sisters(wn, "file systems", 32);
    assert_true(strlen(s) > 0);
    assert_string_equal(sisters(wn, "qwertyuiopasdf", 8), "");
    wordnet_free(wn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_wordnet_sample_sisters),
        cmocka_unit_test(content_wordnet_refuses_missing_and_malformed),
        cmocka_unit_test(content_wordnet_shared_between_threads),
        cmocka_unit_test(content_wordnet_debian_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
