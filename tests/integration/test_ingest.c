/* `exammentor ingest`: files added and extracted from the command line, plain
 * result lines when the output is not a terminal, a progress bar when it is,
 * and exit status 1 with the reason when a file fails. */
#include "it_common.h"

#include <pty.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"

static const char *const env[] = {IT_FAST_HASH, "FIRST_SUPERUSER=owner@example.org",
                                  "FIRST_SUPERUSER_PASSWORD=a long enough password for the owner", NULL};

/* The fixtures, written into the backend's directory; path of one of them. */
static void fixture_path(const it_backend *b, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/fixtures/%s", b->dir, name);
}

static void write_fixtures(const it_backend *b)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/fixtures", b->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    em_error err = {0};
    if (fixtures_write_all(dir, &err) != EM_OK)
        fail_msg("fixtures: %s", err.msg);
}

static void ingest_files(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    write_fixtures(&b);
    char headings[256], notes[256], worksheet[256], image[256], encrypted[256];
    fixture_path(&b, "headings.pdf", headings, sizeof headings);
    fixture_path(&b, "notes.md", notes, sizeof notes);
    fixture_path(&b, "worksheet.pdf", worksheet, sizeof worksheet);
    fixture_path(&b, "image.pdf", image, sizeof image);
    fixture_path(&b, "encrypted.pdf", encrypted, sizeof encrypted);

    char *out = NULL;
    const char *two[] = {"x", "ingest", headings, notes, NULL};
    int rc = it_run(two, &b, env, &out);
    if (rc != 0)
        fail_msg("ingest: exit %d: %s", rc, out);
    assert_non_null(strstr(out, " ready "));
    assert_non_null(strstr(out, "pages=4 "));
    assert_null(strchr(out, '\r')); /* no progress bar without a terminal */
    free(out);
    /* The file's name is kept, not the path it was read from; the title is the name. */
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials WHERE filename = 'headings.pdf' "
                                      "AND title = 'headings'"), 1);

    const char *ws[] = {"x", "ingest", "--worksheet", "--tags", "math.algebra", worksheet, NULL};
    assert_int_equal(it_run(ws, &b, env, &out), 0);
    assert_non_null(strstr(out, "questions=20"));
    free(out);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM question_tags WHERE tag = 'math.algebra'"), 20);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials WHERE status = 'ready'"), 3);

    /* One bad file among good ones: the good one is still added, exit 1. */
    const char *mixed[] = {"x", "ingest", image, encrypted, notes, NULL};
    assert_int_equal(it_run(mixed, &b, env, &out), 1);
    assert_non_null(strstr(out, "image/png"));
    assert_non_null(strstr(out, "encrypted"));
    assert_non_null(strstr(out, "2 of 3 files failed"));
    free(out);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials WHERE status = 'ready'"), 4);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials WHERE status = 'failed'"), 1);

    const char *nobody[] = {"x", "ingest", "--user", "nobody@example.org", notes, NULL};
    assert_int_equal(it_run(nobody, &b, env, &out), 1);
    assert_non_null(strstr(out, "nobody@example.org"));
    free(out);
    const char *missing[] = {"x", "ingest", "/nonexistent/file.pdf", NULL};
    assert_int_equal(it_run(missing, &b, env, &out), 1);
    assert_non_null(strstr(out, "cannot open"));
    free(out);
    it_backend_teardown(&b);
}

/* A manual printed by a browser, and its Markdown: what is stored is what a
 * tutor quotes. The chunks hold no print header or Markdown syntax, a code
 * box sits in its section, labels are no sections, sub-sections are topics
 * and every chunk's section names a topic. */
static void ingest_printed_manual(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *slash = strrchr(__FILE__, '/');
    char pdf[4096], md[4096];
    snprintf(pdf, sizeof pdf, "%.*s/../fixtures/print/manual.pdf", (int)(slash - __FILE__), __FILE__);
    snprintf(md, sizeof md, "%.*s/../fixtures/print/manual.md", (int)(slash - __FILE__), __FILE__);
    char *out = NULL;
    const char *args[] = {"x", "ingest", pdf, md, NULL};
    int rc = it_run(args, &b, env, &out);
    if (rc != 0)
        fail_msg("ingest: exit %d: %s", rc, out);
    free(out);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials WHERE status = 'ready'"), 2);
    assert_int_equal(it_query_int(&b,
                                  "SELECT count(*) FROM material_chunks WHERE body LIKE '%Objects - Python%' "
                                  "OR body LIKE '%127.0.0.1%' OR body LIKE '%```%' OR body LIKE '%**Note%'"),
                     0);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM material_chunks WHERE body LIKE '%class Dog:%' "
                                      "AND section = 'Defining a class'"),
                     2);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM material_sections WHERE title IN "
                                      "('Note', 'Warning', 'See also', 'Footnotes', 'class Dog:')"),
                     0);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM material_topics WHERE name IN "
                                      "('Inheritance', 'Method resolution order', 'Creating instances')"),
                     6);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM material_chunks c WHERE section IS NOT NULL "
                                      "AND section <> 'Classes and Objects in Python' AND NOT EXISTS "
                                      "(SELECT 1 FROM material_topics t WHERE t.material_id = c.material_id "
                                      "AND t.name = c.section)"),
                     0);
    it_backend_teardown(&b);
}

static void ingest_usage_errors(void **state)
{
    const char *cases[][6] = {
        {"x", "ingest", NULL},
        {"x", "ingest", "--tags", "Not A Tag!", "f.pdf", NULL},
        {"x", "ingest", "--title", "T", "a.pdf", "b.pdf"},
        {"x", "ingest", "--frob", "a.pdf", NULL},
        {"x", "ingest", "--user", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int rc = it_run(cases[i], NULL, NULL, &out);
        if (rc != 2)
            fail_msg("case %zu: exit %d: %s", i, rc, out);
        assert_true(strlen(out) > 0);
        free(out);
    }
}

/* On a terminal: a bar with pages done of total and the rate. */
static void ingest_progress_bar_on_a_terminal(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    write_fixtures(&b);
    char headings[256];
    fixture_path(&b, "headings.pdf", headings, sizeof headings);
    char dburl[600], datadir[300];
    snprintf(dburl, sizeof dburl, "DATABASE_URL=%s", b.database_url);
    snprintf(datadir, sizeof datadir, "DATA_DIR=%s/data", b.dir);
    char *const child_env[] = {dburl, datadir, "ARGON2_OPSLIMIT=1", "ARGON2_MEMLIMIT_KB=8192",
                               "PATH=/usr/bin:/bin", NULL};
    int master = -1;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        char *const argv[] = {"exammentor", "ingest", headings, NULL};
        execve(EM_BINARY, argv, child_env);
        _exit(127);
    }
    char out[16384];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(master, out + n, sizeof out - 1 - n);
        if (r <= 0)
            break; /* EIO once the child has exited */
        n += (size_t)r;
    }
    out[n] = '\0';
    close(master);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("ingest on a terminal: %s", out);
    assert_non_null(strstr(out, "4/4 pages"));
    assert_non_null(strstr(out, "pages/s"));
    assert_non_null(strstr(out, "[##############################]"));
    assert_non_null(strstr(out, " ready "));
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(ingest_files),
        IT_BOTH(ingest_printed_manual),
        cmocka_unit_test(ingest_usage_errors),
        cmocka_unit_test(ingest_progress_bar_on_a_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
