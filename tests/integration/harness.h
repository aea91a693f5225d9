/* harness: black-box test support. Starts the real exammentor binary on a free
 * port against a fresh database (a SQLite file in a temporary directory, or a new
 * PostgreSQL database on the server in EM_TEST_PG_URL), speaks HTTP to it with
 * libcurl, runs CLI commands, and reads the server's log. */
#ifndef EM_TESTS_HARNESS_H
#define EM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct it_backend {
    bool pg;                 /* PostgreSQL, else SQLite */
    char dir[128];           /* temporary directory (DATA_DIR, SQLite file, logs) */
    char database_url[512];  /* what the server gets as DATABASE_URL */
    char pg_db[64];          /* the PostgreSQL database created for this backend */
} it_backend;

/* Create a fresh backend. For PostgreSQL, when EM_TEST_PG_URL is unset the
 * test is skipped, unless EM_REQUIRE_PG=1 makes that a failure. */
void it_backend_setup(it_backend *b, bool pg);
void it_backend_teardown(it_backend *b);
/* Run SQL on the backend's database as the test's own client (PostgreSQL admin
 * operations go through EM_TEST_PG_URL's database when `admin` is true). */
void it_backend_sql(const it_backend *b, bool admin, const char *sql);

typedef struct it_server {
    pid_t pid;
    int port;
    char base[64];           /* "http://127.0.0.1:PORT" */
    char log_path[192];      /* the server's stdout+stderr */
} it_server;

/* Start `exammentor serve` with (default ENVIRONMENT=local,) DATABASE_URL and DATA_DIR of
 * the backend, PORT=0, and `extra_env` ("NAME=value", NULL-terminated, may be
 * NULL) added last. Waits for the "listening" log line and reads the port from
 * it. Fails the test when the server does not come up in 30 s. */
void it_server_start(it_server *s, const it_backend *b, const char *const *extra_env);
/* Start and expect the server to exit by itself (refused configuration);
 * returns its exit status and leaves its output in *output (owned). */
int it_server_run_to_exit(const it_backend *b, const char *const *extra_env, char **output);
/* SIGTERM and wait (at most 30 s); returns the exit status (0 for a clean exit). */
int it_server_stop(it_server *s);
/* The server's log so far (owned string). */
char *it_server_log(const it_server *s);

typedef struct it_response {
    long status;
    char *body;      /* owned, NUL-terminated */
    size_t body_len;
    char *headers;   /* owned, raw header block of the final response */
} it_response;

/* One HTTP request. headers: "Name: value" strings, NULL-terminated (may be
 * NULL). body may be NULL. */
void it_http(const it_server *s, const char *method, const char *path, const char *const *headers,
             const char *body, size_t body_len, it_response *out /* OUT */);
/* Case-insensitive header lookup in a response; copies the value into out and
 * returns it, or NULL. */
const char *it_header(const it_response *r, const char *name, char *out, size_t n);
void it_response_free(it_response *r);

/* Run the binary with argv (argv[0] is ignored and replaced by the binary) and
 * environment, capturing stdout+stderr into *output (owned). Returns the exit
 * status, or 128+signal when killed by a signal. */
int it_run(const char *const *argv, const it_backend *b, const char *const *extra_env, char **output);

/* ---- other long-running commands (workers) ---- */

typedef struct it_proc {
    pid_t pid;
    char log_path[192];
} it_proc;

/* Start `exammentor <argv[1]...>` in the background with the backend's
 * environment plus extra_env; output goes to a log file. The process is killed
 * at exit if a test leaves it running. */
void it_spawn(it_proc *p, const char *const *argv, const it_backend *b, const char *const *extra_env);
/* Wait until the log contains `text` (fails the test after timeout_ms). */
void it_proc_wait_log(const it_proc *p, const char *text, int timeout_ms);
/* Send a signal; it_proc_wait reaps (returns the exit status, 128+signal when
 * killed; fails after timeout_ms). */
void it_proc_signal(const it_proc *p, int sig);
int it_proc_wait(it_proc *p, int timeout_ms);
/* One integer from a query on the backend's database (first column, first row). */
long long it_query_int(const it_backend *b, const char *sql);

/* ---- accounts ---- */

/* Environment for fast password hashing in tests (argon2id at its minimum). */
#define IT_FAST_HASH "ARGON2_OPSLIMIT=1", "ARGON2_MEMLIMIT_KB=8192"

typedef struct it_account {
    char id[37];
    char email[128];
    char password[64];
    char access[1024];       /* access token */
    char refresh[64];        /* refresh token */
} it_account;

/* Register `email` with a valid password through the API (fails the test on
 * anything but 201) and fill *a with its id and tokens. */
void it_register(const it_server *s, const char *email, it_account *a /* OUT */);
/* Log in (expects 200) and refresh a->access / a->refresh. */
void it_login(const it_server *s, it_account *a);
/* "Authorization: Bearer <token>" for a header list (static storage, one per
 * call site is not needed: the text is copied into out). */
const char *it_bearer(const it_account *a, char *out, size_t n);
/* Make `a` an admin or tutor directly in the database (as an operator would). */
void it_set_role(const it_backend *b, const it_account *a, const char *role);

/* Assert that body is {"error":{"code":code,"message":<non-empty string>}}. */
void it_assert_error(const it_response *r, long status, const char *code);

#endif
