#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "db/db.h"

extern char **environ;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* ---- backends ---- */

/* Replace the database name in a postgres:// URL. */
static void pg_url_with_db(const char *url, const char *dbname, char *out, size_t n)
{
    const char *host = strstr(url, "://");
    assert_non_null(host);
    const char *slash = strchr(host + 3, '/');
    const char *query = strchr(host + 3, '?');
    size_t prefix = slash ? (size_t)(slash - url) : (query ? (size_t)(query - url) : strlen(url));
    snprintf(out, n, "%.*s/%s%s", (int)prefix, url, dbname, query ? query : "");
}

static void exec_sql(const char *url, const char *sql)
{
    db *d = NULL;
    em_error err = {0};
    db_options opts = {.timeout_ms = 5000};
    if (db_open(url, &opts, &d, &err) != EM_OK)
        fail_msg("cannot open %s: %s", url, err.msg);
    if (db_exec(d, sql, &err) != EM_OK) {
        db_close(d);
        fail_msg("SQL failed (%s): %s", sql, err.msg);
    }
    db_close(d);
}

void it_backend_setup(it_backend *b, bool pg)
{
    memset(b, 0, sizeof *b);
    b->pg = pg;
    snprintf(b->dir, sizeof b->dir, "/tmp/em-it-XXXXXX");
    assert_non_null(mkdtemp(b->dir));
    if (!pg) {
        snprintf(b->database_url, sizeof b->database_url, "sqlite://%s/exammentor.db", b->dir);
        return;
    }
    const char *admin = getenv("EM_TEST_PG_URL");
    if (admin == NULL || *admin == '\0') {
        const char *req = getenv("EM_REQUIRE_PG");
        if (req != NULL && strcmp(req, "1") == 0)
            fail_msg("EM_REQUIRE_PG=1 but EM_TEST_PG_URL is not set");
        rmdir(b->dir);
        skip();
    }
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    snprintf(b->pg_db, sizeof b->pg_db, "it_%.8s%.4s%.12s", id + 28, id + 9, id + 24);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", b->pg_db);
    exec_sql(admin, sql);
    pg_url_with_db(admin, b->pg_db, b->database_url, sizeof b->database_url);
}

void it_backend_teardown(it_backend *b)
{
    if (b->pg && b->pg_db[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", b->pg_db);
        exec_sql(getenv("EM_TEST_PG_URL"), sql);
    }
    if (b->dir[0] != '\0') {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
        assert_int_equal(system(cmd), 0);
    }
}

void it_backend_sql(const it_backend *b, bool admin, const char *sql)
{
    exec_sql(admin && b->pg ? getenv("EM_TEST_PG_URL") : b->database_url, sql);
}

/* ---- processes ---- */

/* Build the child's environment: a small clean base, then the extras (an
 * extra replaces a base entry of the same name). Returns a malloc'd array of
 * malloc'd strings. */
static char **child_env(const it_backend *b, const char *const *extra)
{
    char **env = calloc(64, sizeof *env);
    size_t n = 0;
    const char *pass[] = {"PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL};
    for (size_t i = 0; pass[i] != NULL; i++) {
        const char *v = getenv(pass[i]);
        if (v != NULL)
            assert_true(asprintf(&env[n++], "%s=%s", pass[i], v) > 0);
    }
    if (b != NULL) {
        assert_true(asprintf(&env[n++], "DATABASE_URL=%s", b->database_url) > 0);
        assert_true(asprintf(&env[n++], "DATA_DIR=%s/data", b->dir) > 0);
        assert_true(asprintf(&env[n++], "EXAMMENTOR_ENV_FILE=%s/.env", b->dir) > 0);
    }
    const char *base[] = {"HOST=127.0.0.1", "PORT=0", "LOG_LEVEL=info",
                          "HTTP_THREADS=2", "SHUTDOWN_GRACE_SECONDS=10", NULL};
    for (size_t i = 0; base[i] != NULL; i++)
        env[n++] = strdup(base[i]);
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        const char *eq = strchr(extra[i], '=');
        size_t name_len = eq ? (size_t)(eq - extra[i]) + 1 : strlen(extra[i]);
        size_t j = 0;
        for (; j < n; j++)
            if (strncmp(env[j], extra[i], name_len) == 0)
                break;
        if (j < n)
            free(env[j]);
        else
            n++;
        env[j] = strdup(extra[i]);
        assert_true(n < 63);
    }
    env[n] = NULL;
    return env;
}

static void free_env(char **env)
{
    for (size_t i = 0; env[i] != NULL; i++)
        free(env[i]);
    free(env);
}

/* Servers still running, so that a failed assertion (which leaves the test
 * function early) does not leave them behind: they are killed at exit. */
#define MAX_LIVE 16
static pid_t live[MAX_LIVE];

static void kill_leftovers(void)
{
    for (size_t i = 0; i < MAX_LIVE; i++) {
        if (live[i] > 0) {
            kill(live[i], SIGKILL);
            waitpid(live[i], NULL, 0);
            live[i] = 0;
        }
    }
}

static void track(pid_t pid, bool add)
{
    static bool registered = false;
    if (!registered) {
        atexit(kill_leftovers);
        registered = true;
    }
    for (size_t i = 0; i < MAX_LIVE; i++) {
        if (add ? live[i] == 0 : live[i] == pid) {
            live[i] = add ? pid : 0;
            return;
        }
    }
}

static pid_t spawn(char *const *argv, char **env, const char *out_path)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test process */
        setsid(); /* no controlling terminal: what a service has (and nothing is shown on ours) */
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
        if (fd < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        int null_in = open("/dev/null", O_RDONLY);
        dup2(null_in, 0);
        execve(EM_BINARY, argv, env);
        _exit(127);
    }
    return pid;
}

static int exit_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int it_run(const char *const *argv, const it_backend *b, const char *const *extra_env, char **output)
{
    char *args[32];
    size_t n = 0;
    args[n++] = (char *)"exammentor";
    for (size_t i = 1; argv[i] != NULL && n < 31; i++)
        args[n++] = (char *)argv[i];
    args[n] = NULL;
    char out_path[256];
    snprintf(out_path, sizeof out_path, "%s/run-%d.out", b ? b->dir : "/tmp", (int)getpid());
    char **env = child_env(b, extra_env);
    pid_t pid = spawn(args, env, out_path);
    free_env(env);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    *output = read_file(out_path);
    unlink(out_path);
    return exit_status(status);
}

void it_server_start(it_server *s, const it_backend *b, const char *const *extra_env)
{
    memset(s, 0, sizeof *s);
    snprintf(s->log_path, sizeof s->log_path, "%s/server.log", b->dir);
    unlink(s->log_path); /* a previous run's "listening" line must not be read as this one's */
    char *args[] = {(char *)"exammentor", (char *)"serve", NULL};
    char **env = child_env(b, extra_env);
    s->pid = spawn(args, env, s->log_path);
    track(s->pid, true);
    free_env(env);
    for (int waited = 0; waited < 30000; waited += 20) {
        char *log = read_file(s->log_path);
        const char *line = strstr(log, "\"msg\":\"listening\"");
        const char *port = line ? strstr(line, "\"port\":") : NULL;
        if (port != NULL) {
            s->port = (int)strtol(port + 7, NULL, 10);
            free(log);
            snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
            return;
        }
        int status = 0;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            track(s->pid, false);
            s->pid = 0;
            fail_msg("server exited (%d) before listening; log:\n%s", exit_status(status), log);
        }
        free(log);
        sleep_ms(20);
    }
    char *log = read_file(s->log_path);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    track(s->pid, false);
    fail_msg("server did not start in 30 s; log:\n%s", log);
}

int it_server_run_to_exit(const it_backend *b, const char *const *extra_env, char **output)
{
    const char *argv[] = {"exammentor", "serve", NULL};
    return it_run(argv, b, extra_env, output);
}

int it_server_stop(it_server *s)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    for (int waited = 0; waited < 30000; waited += 20) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            track(s->pid, false);
            s->pid = 0;
            return exit_status(status);
        }
        sleep_ms(20);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    track(s->pid, false);
    s->pid = 0;
    return 137;
}

char *it_server_log(const it_server *s)
{
    return read_file(s->log_path);
}

void it_spawn(it_proc *p, const char *const *argv, const it_backend *b, const char *const *extra_env)
{
    static int seq = 0;
    memset(p, 0, sizeof *p);
    snprintf(p->log_path, sizeof p->log_path, "%s/proc-%d.log", b->dir, ++seq);
    unlink(p->log_path);
    char *args[32];
    size_t n = 0;
    args[n++] = (char *)"exammentor";
    for (size_t i = 1; argv[i] != NULL && n < 31; i++)
        args[n++] = (char *)argv[i];
    args[n] = NULL;
    char **env = child_env(b, extra_env);
    p->pid = spawn(args, env, p->log_path);
    track(p->pid, true);
    free_env(env);
}

void it_proc_wait_log(const it_proc *p, const char *text, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        char *log = read_file(p->log_path);
        bool found = strstr(log, text) != NULL;
        if (found) {
            free(log);
            return;
        }
        int status = 0;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid)
            fail_msg("process exited (%d) before logging \"%s\":\n%s", exit_status(status), text, log);
        free(log);
        sleep_ms(20);
    }
    char *log = read_file(p->log_path);
    fail_msg("no \"%s\" in %d ms; log:\n%s", text, timeout_ms, log);
}

void it_proc_signal(const it_proc *p, int sig)
{
    if (p->pid > 0)
        kill(p->pid, sig);
}

int it_proc_wait(it_proc *p, int timeout_ms)
{
    int status = 0;
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            track(p->pid, false);
            p->pid = 0;
            return exit_status(status);
        }
        sleep_ms(20);
    }
    char *log = read_file(p->log_path);
    fail_msg("process %d still running after %d ms; log:\n%s", (int)p->pid, timeout_ms, log);
    return -1;
}

long long it_query_int(const it_backend *b, const char *sql)
{
    db *d = NULL;
    em_error err = {0};
    db_options o = {.timeout_ms = 10000};
    if (db_open(b->database_url, &o, &d, &err) != EM_OK)
        fail_msg("open: %s", err.msg);
    db_stmt *st = NULL;
    if (db_prepare(d, sql, &st, &err) != EM_OK)
        fail_msg("prepare %s: %s", sql, err.msg);
    int rc = db_step(st, &err);
    long long v = rc == DB_ROW ? (long long)db_column_int64(st, 0) : -1;
    db_finalize(st);
    db_close(d);
    if (rc < 0)
        fail_msg("query %s: %s", sql, err.msg);
    return v;
}

/* ---- HTTP ---- */

typedef struct growbuf {
    char *p;
    size_t len;
} growbuf;

static size_t collect(char *data, size_t size, size_t nmemb, void *userdata)
{
    growbuf *g = userdata;
    size_t n = size * nmemb;
    g->p = realloc(g->p, g->len + n + 1);
    memcpy(g->p + g->len, data, n);
    g->len += n;
    g->p[g->len] = '\0';
    return n;
}

/* Keep only the last response's headers (drop "100 Continue" blocks). */
static size_t collect_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    growbuf *g = userdata;
    if (size * nmemb >= 5 && strncmp(data, "HTTP/", 5) == 0)
        g->len = 0;
    return collect(data, size, nmemb, userdata);
}

void it_http(const it_server *s, const char *method, const char *path, const char *const *headers,
             const char *body, size_t body_len, it_response *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char url[2048];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    growbuf b = {0}, h = {0};
    struct curl_slist *list = NULL;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        list = curl_slist_append(list, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        free(b.p);
        free(h.p);
        curl_slist_free_all(list);
        curl_easy_cleanup(c);
        fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    out->body = b.p ? b.p : strdup("");
    out->body_len = b.len;
    out->headers = h.p ? h.p : strdup("");
}

const char *it_header(const it_response *r, const char *name, char *out, size_t n)
{
    size_t name_len = strlen(name);
    const char *line = r->headers;
    while (line != NULL && *line != '\0') {
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            snprintf(out, n, "%.*s", (int)len, v);
            return out;
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return NULL;
}

void it_response_free(it_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

void it_assert_error(const it_response *r, long status, const char *code)
{
    if (r->status != status)
        fail_msg("expected status %ld, got %ld: %s", status, r->status, r->body);
    json_error_t jerr;
    json_t *j = json_loads(r->body, 0, &jerr);
    if (j == NULL)
        fail_msg("error body is not JSON: %s", r->body);
    json_t *e = json_object_get(j, "error");
    assert_true(json_is_object(e));
    assert_int_equal(json_object_size(j), 1);
    const char *got = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (got == NULL || strcmp(got, code) != 0)
        fail_msg("expected error code %s, got %s", code, r->body);
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    json_decref(j);
}

/* ---- accounts ---- */

/* Fill tokens from a login/register answer. */
static void take_tokens(const it_response *r, it_account *a)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (j == NULL)
        fail_msg("not JSON: %s", r->body);
    const char *access = json_string_value(json_object_get(j, "access_token"));
    const char *refresh = json_string_value(json_object_get(j, "refresh_token"));
    const char *id = json_string_value(json_object_get(json_object_get(j, "user"), "id"));
    if (access == NULL || refresh == NULL || id == NULL)
        fail_msg("no tokens in: %s", r->body);
    snprintf(a->access, sizeof a->access, "%s", access);
    snprintf(a->refresh, sizeof a->refresh, "%s", refresh);
    snprintf(a->id, sizeof a->id, "%s", id);
    json_decref(j);
}

void it_register(const it_server *s, const char *email, it_account *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->email, sizeof a->email, "%s", email);
    snprintf(a->password, sizeof a->password, "correct horse battery %s", "staple");
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\",\"display_name\":\"%s\"}", email,
             a->password, email);
    const char *json[] = {"Content-Type: application/json", NULL};
    it_response r;
    it_http(s, "POST", "/api/auth/register", json, body, strlen(body), &r);
    if (r.status != 201)
        fail_msg("register %s: %ld %s", email, r.status, r.body);
    take_tokens(&r, a);
    it_response_free(&r);
}

void it_login(const it_server *s, it_account *a)
{
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", a->email, a->password);
    const char *json[] = {"Content-Type: application/json", NULL};
    it_response r;
    it_http(s, "POST", "/api/auth/login", json, body, strlen(body), &r);
    if (r.status != 200)
        fail_msg("login %s: %ld %s", a->email, r.status, r.body);
    take_tokens(&r, a);
    it_response_free(&r);
}

const char *it_bearer(const it_account *a, char *out, size_t n)
{
    snprintf(out, n, "Authorization: Bearer %s", a->access);
    return out;
}

void it_set_role(const it_backend *b, const it_account *a, const char *role)
{
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE users SET role = '%s' WHERE id = '%s'", role, a->id);
    it_backend_sql(b, false, sql);
}
