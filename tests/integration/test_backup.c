/* `exammentor backup` as an operator runs it against the real server: a
 * backup made while the server runs, a material the student then deletes,
 * the restore (refused without --yes), and after a restart the material is
 * back with its original downloadable; list and verify; usage errors. */
#include "it_common.h"

#include <stdio.h>
#include <unistd.h>

static const char *const env[] = {IT_FAST_HASH, NULL};

static const char notes[] = "# Osmosis\n\nOsmosis moves water across a membrane, from the dilute side to the "
                            "concentrated side.\n";

static void call(const it_server *s, const it_account *as, const char *method, const char *path,
                 const char *json, it_response *r)
{
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(as, auth, sizeof auth), NULL};
    it_http(s, method, path, h, json, json != NULL ? strlen(json) : 0, r);
}

/* The material's status once the server's worker is done with it. */
static void wait_ready(const it_server *s, const it_account *as, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/materials/%s", id);
    for (int i = 0; i < 600; i++) {
        it_response r;
        call(s, as, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *j = it_json(&r);
        it_response_free(&r);
        const char *st = json_string_value(json_object_get(j, "status"));
        bool ready = st != NULL && strcmp(st, "ready") == 0;
        json_decref(j);
        if (ready)
            return;
        usleep(50 * 1000);
    }
    fail_msg("material %s never became ready", id);
}

/* The last line of out that starts with prefix, into line. */
static void line_with(const char *out, const char *prefix, char *line, size_t n)
{
    line[0] = '\0';
    for (const char *p = out; p != NULL && *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0 && len < n)
            snprintf(line, n, "%.*s", (int)len, p);
        p = nl != NULL ? nl + 1 : NULL;
    }
}

static void backup_restore_brings_back_what_was_deleted(void **state)
{
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    it_server s;
    it_server_start(&s, &b, env);
    it_account student;
    it_register(&s, "student@example.org", &student);
    char body[512];
    snprintf(body, sizeof body, "{\"title\":\"Osmosis\",\"format\":\"markdown\",\"text\":\"%s\"}",
             "# Osmosis\\n\\nOsmosis moves water across a membrane, from the dilute side to the concentrated "
             "side.\\n");
    it_response r;
    call(&s, &student, "POST", "/api/materials", body, &r);
    assert_int_equal(r.status, 202);
    json_t *j = it_json(&r);
    char id[64];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(&r);
    wait_ready(&s, &student, id);

    /* made while the server runs */
    char *out = NULL;
    const char *create[] = {"x", "backup", "create", NULL};
    int rc = it_run(create, &b, env, &out);
    if (rc != 0)
        fail_msg("backup create: exit %d: %s", rc, out);
    char path[1024];
    line_with(out, "/", path, sizeof path);
    assert_non_null(strstr(path, "/backups/exammentor-"));
    assert_non_null(strstr(out, "1 files"));
    free(out);

    /* the student deletes the material: its row and its original go */
    char target[128];
    snprintf(target, sizeof target, "/api/materials/%s", id);
    call(&s, &student, "DELETE", target, NULL, &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    call(&s, &student, "GET", target, NULL, &r);
    assert_int_equal(r.status, 404);
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);

    /* refused without --yes, nothing changed */
    const char *unsure[] = {"x", "backup", "restore", path, NULL};
    assert_int_equal(it_run(unsure, &b, env, &out), 1);
    assert_non_null(strstr(out, "--yes"));
    free(out);
    assert_int_equal(it_query_int(&b, "SELECT count(*) FROM materials"), 0);
    const char *restore[] = {"x", "backup", "restore", path, "--yes", NULL};
    rc = it_run(restore, &b, env, &out);
    if (rc != 0)
        fail_msg("backup restore: exit %d: %s", rc, out);
    assert_non_null(strstr(out, "restored"));
    free(out);

    /* after a restart: the material and its original, as they were */
    it_server_start(&s, &b, env);
    it_login(&s, &student);
    call(&s, &student, "GET", target, NULL, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ready");
    json_decref(j);
    it_response_free(&r);
    char link[160];
    snprintf(link, sizeof link, "/api/materials/%s/download-url", id);
    call(&s, &student, "GET", link, NULL, &r);
    assert_int_equal(r.status, 200);
    j = it_json(&r);
    char url[1024];
    snprintf(url, sizeof url, "%s", json_string_value(json_object_get(j, "url")));
    json_decref(j);
    it_response_free(&r);
    it_http(&s, "GET", url, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, strlen(notes));
    assert_memory_equal(r.body, notes, strlen(notes));
    it_response_free(&r);
    assert_int_equal(it_server_stop(&s), 0);

    /* listed, and it verifies */
    const char *list[] = {"x", "backup", "list", NULL};
    assert_int_equal(it_run(list, &b, env, &out), 0);
    assert_non_null(strstr(out, "exammentor-"));
    free(out);
    const char *verify[] = {"x", "backup", "verify", path, NULL};
    assert_int_equal(it_run(verify, &b, env, &out), 0);
    assert_non_null(strstr(out, "ok  "));
    free(out);
    it_backend_teardown(&b);
}

static void backup_usage_errors(void **state)
{
    (void)state;
    const char *cases[][6] = { /* NULL-terminated rows */
        {"x", "backup", NULL, NULL},
        {"x", "backup", "frob", NULL},
        {"x", "backup", "verify", NULL},
        {"x", "backup", "restore", NULL},
        {"x", "backup", "create", "--yes"},
        {"x", "backup", "prune", "--keep"},
        {"x", "backup", "prune", "--keep", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int rc = it_run(cases[i], NULL, NULL, &out);
        if (rc != 2)
            fail_msg("backup %s: exit %d, output %s", cases[i][2] ? cases[i][2] : "", rc, out);
        assert_true(strlen(out) > 0);
        free(out);
    }
    /* a directory that is no backup: exit 1 with the reason */
    char *out = NULL;
    const char *bogus[] = {"x", "backup", "verify", "/tmp", NULL};
    assert_int_equal(it_run(bogus, NULL, NULL, &out), 1);
    assert_non_null(strstr(out, "not a backup"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(backup_restore_brings_back_what_was_deleted),
        cmocka_unit_test(backup_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
