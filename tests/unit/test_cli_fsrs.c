/* cli/fsrs: `exammentor fsrs replay|evaluate` run in a child process with a
 * file as stdin: replay's lines (order, fields, interleaved cards, blank and
 * CRLF lines), evaluate on a hand-computed log, --retention and --weights,
 * and bad input (each refused with exit code 1 and a message naming the
 * line, nothing written for it) and bad usage (exit code 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "learn/fsrs.h"

/* a and b within eps of each other (cmocka 1.1 has no double comparison). */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

typedef struct run_result {
    int code;
    char out[65536];
    char err[4096];
} run_result;

static void slurp(FILE *f, char *dst, size_t cap)
{
    rewind(f);
    size_t n = fread(dst, 1, cap - 1, f);
    dst[n] = '\0';
}

/* Run cmd_fsrs with argv (NULL-terminated, argv[0] "fsrs") and input as stdin. */
static run_result *run(const char *input, const char *const *argv)
{
    run_result *r = calloc(1, sizeof *r);
    assert_non_null(r);
    FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();
    assert_true(in != NULL && out != NULL && err != NULL);
    fputs(input, in);
    fflush(in);
    rewind(in);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fileno(in), 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        int argc = 0;
        char *args[16];
        while (argv[argc] != NULL && argc < 15) {
            args[argc] = (char *)argv[argc];
            argc++;
        }
        args[argc] = NULL;
        int code = cmd_fsrs(argc, args);
        fflush(stdout);
        fflush(stderr);
        _exit(code);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    r->code = WEXITSTATUS(status);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
    fclose(in);
    fclose(out);
    fclose(err);
    return r;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static const char *const replay[] = {"fsrs", "replay", NULL};
static const char *const evaluate[] = {"fsrs", "evaluate", NULL};

static void cli_fsrs_replay(void **state)
{
    (void)state;
    run_result *r = run("{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}\n"
                        "\n"
                        "{\"card\":\"b \\\"x\\\"\",\"review_at\":\"2024-01-02T10:00:00Z\",\"grade\":1}\r\n"
                        "{\"card\":\"a\",\"review_at\":\"2024-01-04T09:00:00+00:00\",\"grade\":3}",
                        replay);
    assert_int_equal(r->code, 0);
    assert_string_equal(r->err, "");
    /* First good: S0 = w2 = 2.3065, D0 = 2.11810397, 3 days. First again: S0 =
     * w0 = 0.212, D0 = w4 = 6.4133, 1 day. a again on the third calendar day:
     * 13.82690327 and 2.11121424 (test_learn_fsrs works them out), 14 days. */
    assert_string_equal(
        r->out,
        "{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00.000Z\",\"grade\":3,\"stability\":2.3065,"
        "\"difficulty\":2.11810397,\"scheduled_days\":3,\"due\":\"2024-01-04T10:00:00.000Z\",\"state\":2}\n"
        "{\"card\":\"b "
        "\\\"x\\\"\",\"review_at\":\"2024-01-02T10:00:00.000Z\",\"grade\":1,\"stability\":0.212,"
        "\"difficulty\":6.4133,\"scheduled_days\":1,\"due\":\"2024-01-03T10:00:00.000Z\",\"state\":2}\n"
        "{\"card\":\"a\",\"review_at\":\"2024-01-04T09:00:00.000Z\",\"grade\":3,\"stability\":13.82690327,"
        "\"difficulty\":2.11121424,\"scheduled_days\":14,\"due\":\"2024-01-18T09:00:00.000Z\",\"state\":2}"
        "\n");
    free(r);

    /* --retention 0.8: I(0.8) = 3.31613, first easy 8.2956 -> 28 days. */
    const char *const ret[] = {"fsrs", "replay", "--retention", "0.8", NULL};
    r = run("{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":4}\n", ret);
    assert_int_equal(r->code, 0);
    assert_non_null(strstr(r->out, "\"scheduled_days\":28,"));
    free(r);
    /* --weights: the first good review takes S0 = w2. */
    const char *const wts[] = {
        "fsrs", "--weights",
        "0.4,0.9,3.1,10.5,7.1,0.6,2.5,0.02,1.5,0.2,1.1,1.9,0.09,0.3,2.1,0.4,2.5,0.4,0.2,0.1,0.35", "replay",
        NULL};
    r = run("{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}\n", wts);
    assert_int_equal(r->code, 0);
    assert_non_null(strstr(r->out, "\"stability\":3.1,"));
    free(r);
    /* Nothing in, nothing out. */
    r = run("", replay);
    assert_int_equal(r->code, 0);
    assert_string_equal(r->out, "");
    free(r);
}

static void cli_fsrs_evaluate_hand_computed(void **state)
{
    (void)state;
    /* a: good day 0, good day 3, again day 20; b: again day 0, good day 1;
     * c: again day 0, again day 10. Predictions (R before each later review,
     * R = (1 + 0.98034649 t / S)^-0.1542 rounded to 8 places):
     *   a#2  S 2.3065,      t 3:  R 0.88094796, recalled   (i 2, lapses 0)
     *   a#3  S 13.82690327, t 17: R 0.88519015, forgotten  (i 3, lapses 0)
     *   b#2  S 0.212,       t 1:  R 0.76619573, recalled   (i 2, lapses 0)
     *   c#2  S 0.212,       t 10: R 0.5518455,  forgotten  (i 2, lapses 0)
     * log loss = (-ln 0.88094796 - ln 0.11480985 - ln 0.76619573 - ln 0.4481545) / 4
     *          = (0.12675672 + 2.16447800 + 0.26631762 + 0.80261724) / 4 = 0.84004240
     * bins (elapsed on 3.62^k, i on 1.89^k): t 3 and t 1 share k = 0 with i 2;
     * t 17 (k 2) and t 10 (k 1) are alone:
     *   {a#2, b#2}: mean outcome 1, mean R 0.823571845 -> 2 * 0.176428155^2 = 0.06225379
     *   {a#3}: 0 against 0.88519015 -> 0.78356160;  {c#2}: 0 against 0.5518455 -> 0.30453346
     *   RMSE(bins) = sqrt((0.06225379 + 0.78356160 + 0.30453346) / 4) = 0.53627158
     * AUC: recalled {0.8809, 0.7662} against forgotten {0.8852, 0.5518}: each
     * recalled R beats 0.5518 only: 2 of 4 pairs = 0.5. */
    run_result *r = run("{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}\n"
                        "{\"card\":\"b\",\"review_at\":\"2024-01-01T11:00:00Z\",\"grade\":1}\n"
                        "{\"card\":\"c\",\"review_at\":\"2024-01-01T12:00:00Z\",\"grade\":1}\n"
                        "{\"card\":\"b\",\"review_at\":\"2024-01-02T11:00:00Z\",\"grade\":3}\n"
                        "{\"card\":\"a\",\"review_at\":\"2024-01-04T10:00:00Z\",\"grade\":3}\n"
                        "{\"card\":\"c\",\"review_at\":\"2024-01-11T12:00:00Z\",\"grade\":1}\n"
                        "{\"card\":\"a\",\"review_at\":\"2024-01-21T10:00:00Z\",\"grade\":1}\n",
                        evaluate);
    assert_int_equal(r->code, 0);
    double ll = 0, rmse = 0, auc = 0;
    unsigned count = 0;
    assert_int_equal(sscanf(r->out, "{\"count\":%u,\"log_loss\":%lf,\"rmse_bins\":%lf,\"auc\":%lf}", &count,
                            &ll, &rmse, &auc),
                     4);
    assert_int_equal(count, 4);
    assert_near(ll, (0.12675672 + 2.16447800 + 0.26631762 + 0.80261724) / 4, 1e-7);
    assert_near(rmse, sqrt((0.06225379 + 0.78356160 + 0.30453346) / 4), 1e-7);
    assert_near(auc, 0.5, 1e-12);
    free(r);

    /* One review per card: no predictions, metrics null. */
    r = run("{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}\n", evaluate);
    assert_int_equal(r->code, 0);
    assert_string_equal(r->out, "{\"count\":0,\"log_loss\":null,\"rmse_bins\":null,\"auc\":null}\n");
    free(r);
}

static void cli_fsrs_bad_input(void **state)
{
    (void)state;
    static const char good[] = "{\"card\":\"a\",\"review_at\":\"2024-01-01T10:00:00Z\",\"grade\":3}\n";
    static const struct {
        const char *line;
        const char *says;
    } bad[] = {
        {"{\"card\":\"a\",", "line 2: malformed JSON"},
        {"{\"review_at\":\"2024-01-02T10:00:00Z\",\"grade\":3}", "line 2: \"card\" must be a string"},
        {"{\"card\":\"a\",\"review_at\":\"2024-01-02T10:00:00Z\",\"grade\":7}", "line 2: \"grade\" must be"},
        {"{\"card\":\"a\",\"review_at\":\"2024-13-02T10:00:00Z\",\"grade\":3}",
         "line 2: \"review_at\" is not"},
        {"{\"card\":\"a\",\"review_at\":\"2023-12-31T10:00:00Z\",\"grade\":3}",
         "line 2: review_at is earlier than this card's previous review"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char input[1024];
        snprintf(input, sizeof input, "%s%s\n%s", good, bad[i].line, good);
        run_result *r = run(input, replay);
        assert_int_equal(r->code, 1);
        assert_non_null(strstr(r->err, bad[i].says));
        assert_non_null(strstr(r->err, "exammentor fsrs: "));
        assert_int_equal(count_lines(r->out), 1); /* line 1 only: nothing for line 2 or after */
        free(r);
        r = run(input, evaluate);
        assert_int_equal(r->code, 1);
        assert_non_null(strstr(r->err, bad[i].says));
        assert_string_equal(r->out, "");
        free(r);
    }
    /* A line over 64 KB, and a card id over 200 bytes. */
    size_t big = FSRS_LINE_MAX + 100;
    char *input = malloc(big + sizeof good + 8);
    assert_non_null(input);
    int n = snprintf(input, big, "%s{\"card\":\"", good);
    memset(input + n, 'x', big - (size_t)n);
    memcpy(input + big, "\"}\n", 4);
    run_result *r = run(input, replay);
    assert_int_equal(r->code, 1);
    assert_non_null(strstr(r->err, "line 2: line longer than 65536 bytes"));
    free(r);
    n = snprintf(input, big, "%s{\"card\":\"", good);
    memset(input + n, 'x', 201);
    snprintf(input + n + 201, 128, "\",\"review_at\":\"2024-01-02T10:00:00Z\",\"grade\":3}\n");
    r = run(input, replay);
    assert_int_equal(r->code, 1);
    assert_non_null(strstr(r->err, "line 2: \"card\" is longer than 200 bytes"));
    free(r);
    free(input);
}

static void cli_fsrs_usage(void **state)
{
    (void)state;
    const char *const *const bad[] = {
        (const char *const[]){"fsrs", NULL},
        (const char *const[]){"fsrs", "forecast", NULL},
        (const char *const[]){"fsrs", "replay", "extra", NULL},
        (const char *const[]){"fsrs", "replay", "--retention", "1", NULL},
        (const char *const[]){"fsrs", "replay", "--retention", "0.9x", NULL},
        (const char *const[]){"fsrs", "replay", "--weights", "1,2,3", NULL},
        (const char *const[]){
            "fsrs", "replay", "--weights",
            "0.4,0.9,3.1,10.5,0.5,0.6,2.5,0.02,1.5,0.2,1.1,1.9,0.09,0.3,2.1,0.4,2.5,0.4,0.2,0.1,0.35", NULL},
        (const char *const[]){"fsrs", "replay", "--frobnicate", NULL},
        (const char *const[]){"fsrs", "replay", "--retention", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_result *r = run("", bad[i]);
        assert_int_equal(r->code, 2);
        assert_non_null(strstr(r->err, "exammentor fsrs: "));
        assert_non_null(strstr(r->err, "--help"));
        free(r);
    }
    run_result *r = run("", (const char *const[]){"fsrs", "--help", NULL});
    assert_int_equal(r->code, 0);
    assert_non_null(strstr(r->out, "Usage: exammentor fsrs replay"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cli_fsrs_replay),
        cmocka_unit_test(cli_fsrs_evaluate_hand_computed),
        cmocka_unit_test(cli_fsrs_bad_input),
        cmocka_unit_test(cli_fsrs_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
