/* The exammentor command line: help, usage errors, check-config, migrate,
 * the first admin's first login, and `exammentor users`. */
#include "it_common.h"

#include <pty.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void cli_help_on_every_command(void **state)
{
    const char *cmds[] = {"serve", "migrate", "check-config", "seed-data", "version", "worker",
                          "jobs",  "ingest",  "users",        "backup",    NULL};
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
        {"x", "users", NULL, NULL},           {"x", "users", "frob", NULL},
        {"x", "users", "create", NULL},       {"x", "users", "set-role", "a@b.c"},
        {"x", "users", "set-role", "a@b.c"},  {"x", "users", "list", "--limit"},
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
    /* what the account rules judge: FIRST_SUPERUSER must be an email, and its
     * password must pass the password policy (here: it is the email's name) */
    const char *not_email[] = {"ENVIRONMENT=production", "SECRET_KEY=q3J9vF0cX7nB2mL8kZ4wR1tY6uH5eS0a",
                               "FIRST_SUPERUSER=not-an-email",
                               "FIRST_SUPERUSER_PASSWORD=another-long-secret-of-32-chars-min", NULL};
    assert_int_equal(it_run(argv, &b, not_email, &out), 1);
    assert_non_null(strstr(out, "error: FIRST_SUPERUSER: FIRST_SUPERUSER is not an email address"));
    free(out);
    const char *own_name[] = {"ENVIRONMENT=production", "SECRET_KEY=q3J9vF0cX7nB2mL8kZ4wR1tY6uH5eS0a",
                              "FIRST_SUPERUSER=the-administrator-of-this-school@example.org",
                              "FIRST_SUPERUSER_PASSWORD=the-administrator-of-this-school",
                              "CORS_ORIGINS=https://app.example.org,null", NULL};
    assert_int_equal(it_run(argv, &b, own_name, &out), 1);
    assert_non_null(strstr(out, "error: FIRST_SUPERUSER_PASSWORD: FIRST_SUPERUSER_PASSWORD does not pass"));
    assert_non_null(strstr(out, "error: CORS_ORIGINS"));
    free(out);
    assert_int_equal(it_server_run_to_exit(&b, own_name, &out), 1);
    assert_non_null(strstr(out, "FIRST_SUPERUSER_PASSWORD does not pass the password policy"));
    assert_null(strstr(out, "\"listening\""));
    free(out);
    const char *spaces[] = {"ENVIRONMENT=production", "SECRET_KEY=                                  ",
                            "FIRST_SUPERUSER=admin@example.org",
                            "FIRST_SUPERUSER_PASSWORD=another-long-secret-of-32-chars-min", NULL};
    assert_int_equal(it_run(argv, &b, spaces, &out), 1);
    assert_non_null(strstr(out, "error: SECRET_KEY"));
    free(out);
    const char *empty_env[] = {"ENVIRONMENT=", NULL};
    assert_int_equal(it_run(argv, &b, empty_env, &out), 1);
    assert_non_null(strstr(out, "ENVIRONMENT is empty"));
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

/* "password: X" from a command's output, into out. */
static void printed_password(const char *out, char *pw, size_t n)
{
    const char *at = strstr(out, "password: ");
    if (at == NULL)
        fail_msg("no password printed: %s", out);
    at += strlen("password: ");
    size_t len = strcspn(at, "\n");
    assert_true(len > 0 && len < n);
    memcpy(pw, at, len);
    pw[len] = '\0';
}

static long login_status(const it_server *s, const char *email, const char *password, char *role, size_t n)
{
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    const char *h[] = {"Content-Type: application/json", NULL};
    it_response r;
    it_http(s, "POST", "/api/auth/login", h, body, strlen(body), &r);
    long status = r.status;
    if (status == 200 && role != NULL) {
        json_t *j = it_json(&r);
        snprintf(role, n, "%s", json_string_value(json_object_get(json_object_get(j, "user"), "role")));
        json_decref(j);
    }
    it_response_free(&r);
    return status;
}

/* A first start in local with no FIRST_SUPERUSER_PASSWORD and no terminal:
 * the log says how to set the password, `users set-password` sets one, the
 * admin logs in with it, and a FIRST_SUPERUSER_PASSWORD set afterwards is
 * reported as ignored. Then `users create`, `list` and `set-role`. */
static void cli_first_admin_and_users_command(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    const char *fast[] = {IT_FAST_HASH, NULL};
    it_server s;
    it_server_start(&s, &b, fast);
    assert_int_equal(it_server_stop(&s), 0);
    char *log = it_server_log(&s);
    assert_non_null(strstr(log, "first superuser created"));
    assert_non_null(strstr(log, "no terminal"));
    assert_non_null(strstr(log, "exammentor users set-password admin@example.com"));
    free(log);

    char *out = NULL;
    char pw[128];
    const char *set[] = {"x", "users", "set-password", "admin@example.com", NULL};
    assert_int_equal(it_run(set, &b, fast, &out), 0);
    assert_non_null(strstr(out, "password set for admin@example.com"));
    printed_password(out, pw, sizeof pw);
    free(out);

    it_server_start(&s, &b, fast);
    char role[16];
    assert_int_equal(login_status(&s, "admin@example.com", pw, role, sizeof role), 200);
    assert_string_equal(role, "admin");
    assert_int_equal(it_server_stop(&s), 0);

    /* The variable set after the account exists: a clear warning, no effect. */
    const char *later[] = {IT_FAST_HASH, "FIRST_SUPERUSER_PASSWORD=a different long password", NULL};
    it_server_start(&s, &b, later);
    assert_int_equal(login_status(&s, "admin@example.com", "a different long password", NULL, 0), 401);
    assert_int_equal(login_status(&s, "admin@example.com", pw, NULL, 0), 200);
    assert_int_equal(it_server_stop(&s), 0);
    log = it_server_log(&s);
    assert_non_null(strstr(log, "FIRST_SUPERUSER_PASSWORD does not match the existing account admin@example.com"));
    assert_null(strstr(log, pw)); /* passwords never reach the log */
    free(log);

    /* Operators' accounts. */
    const char *create[] = {"x", "users", "create", "Tutor@Example.org", "--role", "tutor", "--name", "Ms Tutor", NULL};
    assert_int_equal(it_run(create, &b, fast, &out), 0);
    assert_non_null(strstr(out, "tutor@example.org (tutor)"));
    char tutor_pw[128];
    printed_password(out, tutor_pw, sizeof tutor_pw);
    free(out);
    assert_int_equal(it_run(create, &b, fast, &out), 1); /* taken */
    assert_non_null(strstr(out, "already exists"));
    free(out);
    const char *weak[] = {"x", "users", "create", "weak@example.org", "--password-stdin", NULL};
    assert_int_equal(it_run(weak, &b, fast, &out), 1); /* stdin is empty */
    free(out);
    const char *list[] = {"x", "users", "list", "--role", "tutor", NULL};
    assert_int_equal(it_run(list, &b, fast, &out), 0);
    assert_non_null(strstr(out, "tutor@example.org"));
    assert_null(strstr(out, "admin@example.com"));
    free(out);
    const char *demote[] = {"x", "users", "set-role", "tutor@example.org", "student", NULL};
    assert_int_equal(it_run(demote, &b, fast, &out), 0);
    assert_non_null(strstr(out, "tutor@example.org is now student"));
    free(out);
    const char *nobody[] = {"x", "users", "set-role", "nobody@example.org", "admin", NULL};
    assert_int_equal(it_run(nobody, &b, fast, &out), 1);
    free(out);

    it_server_start(&s, &b, fast);
    assert_int_equal(login_status(&s, "tutor@example.org", tutor_pw, role, sizeof role), 200);
    assert_string_equal(role, "student");
    assert_int_equal(it_server_stop(&s), 0);
    it_backend_teardown(&b);
}

/* Started from a terminal, a generated first-admin password is shown there,
 * once, and never written to the log; it works. */
static void cli_first_admin_password_on_the_terminal(void **state)
{
    it_backend b;
    it_backend_setup(&b, false);
    char dburl[600], datadir[300];
    snprintf(dburl, sizeof dburl, "DATABASE_URL=%s", b.database_url);
    snprintf(datadir, sizeof datadir, "DATA_DIR=%s/data", b.dir);
    char *const child_env[] = {dburl, datadir, "ARGON2_OPSLIMIT=1", "ARGON2_MEMLIMIT_KB=8192", "PORT=0",
                               "PATH=/usr/bin:/bin", NULL};
    int master = -1;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        char *const argv[] = {"exammentor", "serve", NULL};
        execve(EM_BINARY, argv, child_env);
        _exit(127);
    }
    char out[32768];
    size_t n = 0;
    while (n < sizeof out - 1 && strstr(out, "\"listening\"") == NULL) {
        ssize_t r = read(master, out + n, sizeof out - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        out[n] = '\0';
    }
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    close(master);
    const char *at = strstr(out, "password  ");
    if (at == NULL)
        fail_msg("no password on the terminal: %s", out);
    char pw[128];
    at += strlen("password  ");
    size_t len = strcspn(at, "\r\n");
    assert_true(len >= 32 && len < sizeof pw);
    memcpy(pw, at, len);
    pw[len] = '\0';
    /* Every JSON log line on the same terminal: without it. */
    for (const char *line = out; line != NULL && *line != '\0'; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *end = strchr(line, '\n');
        size_t ll = end != NULL ? (size_t)(end - line) : strlen(line);
        if (ll > 0 && line[0] == '{' && memmem(line, ll, pw, len) != NULL)
            fail_msg("the password is in a log line: %.*s", (int)ll, line);
    }
    assert_non_null(strstr(out, "shown once on the terminal"));

    const char *fast[] = {IT_FAST_HASH, NULL};
    it_server s;
    it_server_start(&s, &b, fast);
    char role[16];
    assert_int_equal(login_status(&s, "admin@example.com", pw, role, sizeof role), 200);
    assert_string_equal(role, "admin");
    assert_int_equal(it_server_stop(&s), 0);
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
        IT_BOTH(cli_first_admin_and_users_command),
        cmocka_unit_test(cli_first_admin_password_on_the_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
