/* The exammentor command line: help, usage errors, check-config, migrate. */
#include "it_common.h"

#include <stdio.h>

static void cli_help_on_every_command(void **state)
{
    const char *cmds[] = {"serve", "migrate", "check-config", "seed-data", "version", "worker", "jobs", "ingest", NULL};
    char *out = NULL;
    const char *top[] = {"x", "--help", NULL};
    assert_int_equal(it_run(top, NULL, NULL, &out), 0);
    for (size_t i = 0; cmds[i] != NULL; i++)
        assert_non_null(strstr(out, cmds[i]));
    free(out);
    for (size_t i = 0; cmds[i] != NULL; i++) {
        const char *argv[] = {"x", cmds[i], "--help", NULL};
        assert_int_equal(it_run(argv, NULL, NULL, &out), 0);
        char want[64];
        snprintf(want, sizeof want, "Usage: exammentor %s", cmds[i]);
        if (strstr(out, want) == NULL)
            fail_msg("%s --help printed: %s", cmds[i], out);
        free(out);
    }
}

static void cli_unknown_commands_and_flags_exit_2(void **state)
{
    const char *cases[][5] = { /* NULL-terminated rows */
        {"x", "frobnicate", NULL, NULL},      {"x", "--frob", NULL, NULL},
        {"x", "serve", "--frob", NULL},       {"x", "serve", "--port", "abc"},
        {"x", "serve", "extra", NULL},        {"x", "migrate", "sideways", NULL},
        {"x", "migrate", "down", "zero"},     {"x", "migrate", "up", "--frob"},
        {"x", "migrate", NULL, NULL},         {"x", "check-config", "--frob", NULL},
        {"x", "version", "--frob", NULL},     {"x", "seed-data", "--users", "-3"},
        {"x", "seed-data", "--bogus", NULL},  {"x", "worker", "--concurrency", "0"},
        {"x", "worker", "--frob", NULL},      {"x", "jobs", NULL, NULL},
        {"x", "jobs", "launch", NULL},        {"x", "jobs", "show", NULL},
        {"x", "jobs", "list", "--status"},    {"x", "serve", "--no-worker", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int rc = it_run(cases[i], NULL, NULL, &out);
        if (rc != 2)
            fail_msg("%s %s %s: exit %d, output %s", cases[i][1], cases[i][2] ? cases[i][2] : "",
                     cases[i][3] ? cases[i][3] : "", rc, out);
        assert_true(strlen(out) > 0); /* says what is wrong */
        free(out);
    }
    char *out = NULL;
    const char *none[] = {"x", NULL};
    assert_int_equal(it_run(none, NULL, NULL, &out), 2);
    free(out);
}

static void cli_version(void **state)
{
    char *out = NULL;
    const char *argv[] = {"x", "version", NULL};
    assert_int_equal(it_run(argv, NULL, NULL, &out), 0);
    assert_non_null(strstr(out, "exammentor "));
    free(out);
}

static void cli_check_config_verdicts(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    char *out = NULL;
    const char *argv[] = {"x", "check-config", NULL};
    /* local defaults: fine, with a warning about the generated secret */
    assert_int_equal(it_run(argv, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "configuration ok"));
    assert_non_null(strstr(out, "warning: SECRET_KEY"));
    free(out);
    /* production with weak values: refused, every offending variable named */
    const char *weak[] = {"ENVIRONMENT=production", "SECRET_KEY=changethis",
                          "FIRST_SUPERUSER=admin@example.org", "FIRST_SUPERUSER_PASSWORD=short",
                          "CORS_ORIGINS=*", NULL};
    assert_int_equal(it_run(argv, &b, weak, &out), 1);
    assert_non_null(strstr(out, "error: SECRET_KEY"));
    assert_non_null(strstr(out, "error: FIRST_SUPERUSER_PASSWORD"));
    assert_non_null(strstr(out, "error: CORS_ORIGINS"));
    assert_non_null(strstr(out, "configuration refused"));
    free(out);
    /* serve gives the same verdict and does not start */
    assert_int_equal(it_server_run_to_exit(&b, weak, &out), 1);
    assert_non_null(strstr(out, "SECRET_KEY"));
    assert_non_null(strstr(out, "CORS_ORIGINS"));
    assert_null(strstr(out, "\"listening\""));
    free(out);
    /* staging with strong values starts fine */
    const char *strong[] = {"ENVIRONMENT=staging", "SECRET_KEY=0123456789abcdef0123456789abcdef-x",
                            "FIRST_SUPERUSER=admin@example.org",
                            "FIRST_SUPERUSER_PASSWORD=another-long-secret-of-32-chars-min",
                            "CORS_ORIGINS=https://app.example.org", NULL};
    assert_int_equal(it_run(argv, &b, strong, &out), 0);
    free(out);
    /* a .env file is read; the environment wins over it */
    char path[256];
    snprintf(path, sizeof path, "%s/.env", b.dir);
    FILE *f = fopen(path, "w");
    fputs("ENVIRONMENT=production\nSECRET_KEY=changethis\n", f);
    fclose(f);
    assert_int_equal(it_run(argv, &b, NULL, &out), 1);
    assert_non_null(strstr(out, "SECRET_KEY"));
    free(out);
    const char *override[] = {"ENVIRONMENT=local", NULL};
    assert_int_equal(it_run(argv, &b, override, &out), 0);
    free(out);
    /* a malformed .env is an error with its line */
    f = fopen(path, "w");
    fputs("PORT=1\n= no name\n", f);
    fclose(f);
    assert_int_equal(it_run(argv, &b, NULL, &out), 1);
    assert_non_null(strstr(out, ".env:2"));
    free(out);
    it_backend_teardown(&b);
}

static void cli_migrate_up_down_status(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char *out = NULL;
    const char *status[] = {"x", "migrate", "status", NULL};
    assert_int_equal(it_run(status, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "0001"));
    assert_non_null(strstr(out, "pending"));
    assert_non_null(strstr(out, "current version: 0"));
    free(out);
    const char *up[] = {"x", "migrate", "up", NULL};
    assert_int_equal(it_run(up, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "applied"));
    free(out);
    assert_int_equal(it_run(status, &b, NULL, &out), 0);
    assert_null(strstr(out, "pending"));
    free(out);
    /* the schema is really there */
    it_backend_sql(&b, false, "SELECT id, email, role FROM users");
    const char *down1[] = {"x", "migrate", "down", NULL};
    assert_int_equal(it_run(down1, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "reverted 1 migration"));
    free(out);
    assert_int_equal(it_run(status, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "pending"));
    free(out);
    const char *down_all[] = {"x", "migrate", "down", "100", NULL};
    assert_int_equal(it_run(down_all, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "current version: 0"));
    free(out);
    assert_int_equal(it_run(up, &b, NULL, &out), 0);
    free(out);
    it_backend_sql(&b, false, "SELECT id, user_id, name, mastery_score FROM topics");
    /* nothing left to apply */
    assert_int_equal(it_run(up, &b, NULL, &out), 0);
    assert_non_null(strstr(out, "applied 0 migrations"));
    free(out);
    it_backend_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cli_help_on_every_command),
        cmocka_unit_test(cli_unknown_commands_and_flags_exit_2),
        cmocka_unit_test(cli_version),
        cmocka_unit_test(cli_check_config_verdicts),
        IT_BOTH(cli_migrate_up_down_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
