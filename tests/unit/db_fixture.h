/* db_fixture: the two-backend fixture of the storage tests (test_db, test_migrate).
 *
 * Each case runs on SQLite (a fresh file in a mkdtemp directory) and on
 * PostgreSQL (its own schema on the server in EM_TEST_PG_URL, dropped after).
 * Without EM_TEST_PG_URL the PostgreSQL cases are skipped, unless EM_REQUIRE_PG=1
 * makes that a failure (CI sets both). Include once per test file. */
#ifndef EM_TESTS_DB_FIXTURE_H
#define EM_TESTS_DB_FIXTURE_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/ids.h"
#include "db/db.h"

typedef struct fixture {
    db_dialect kind;        /* the backend this case runs on */
    bool skipped;           /* PostgreSQL case without EM_TEST_PG_URL */
    bool pg_required;       /* ... while EM_REQUIRE_PG=1: the case fails */
    char dir[64];           /* SQLite: the temporary directory */
    char path[128];         /* SQLite: the database file */
    char schema[32];        /* PostgreSQL: the case's own schema */
    char url[2048];         /* what the case opens */
    db *d;                  /* open on url */
} fixture;

static const db_dialect kind_sqlite = DB_SQLITE;
static const db_dialect kind_pg = DB_POSTGRES;

static const char *pg_base_url(void)
{
    const char *u = getenv("EM_TEST_PG_URL");
    return u != NULL && u[0] != '\0' ? u : NULL;
}

static void admin_exec(const char *sql)
{
    db *a = NULL;
    em_error err = {0};
    assert_int_equal(db_open(pg_base_url(), NULL, &a, &err), EM_OK);
    assert_int_equal(db_exec(a, sql, &err), EM_OK);
    db_close(a);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    em_error err = {0};
    assert_non_null(f);
    f->kind = *(const db_dialect *)*state;
    *state = f;
    if (f->kind == DB_SQLITE) {
        snprintf(f->dir, sizeof f->dir, "/tmp/em_test_XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
        snprintf(f->url, sizeof f->url, "sqlite://%s", f->path);
    } else {
        const char *base = pg_base_url();
        if (base == NULL) {
            const char *req = getenv("EM_REQUIRE_PG");
            f->pg_required = req != NULL && strcmp(req, "1") == 0;
            f->skipped = !f->pg_required;
            return 0;
        }
        unsigned char r[6];
        assert_int_equal(id_random_bytes(r, sizeof r), EM_OK);
        snprintf(f->schema, sizeof f->schema, "t_%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
                 r[3], r[4], r[5]);
        char sql[64];
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
        admin_exec(sql);
        snprintf(f->url, sizeof f->url, "%s%soptions=-csearch_path%%3D%s", base,
                 strchr(base, '?') != NULL ? "&" : "?", f->schema);
    }
    assert_int_equal(db_open(f->url, NULL, &f->d, &err), EM_OK);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->d);
    if (f->kind == DB_SQLITE && f->dir[0] != '\0') {
        nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    } else if (f->schema[0] != '\0') {
        char sql[64];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
        admin_exec(sql);
    }
    free(f);
    return 0;
}

/* The case's fixture; skips or fails the PostgreSQL case that has no server. */
static fixture *fx(void **state)
{
    fixture *f = *state;
    if (f->pg_required)
        fail_msg("EM_REQUIRE_PG=1 but EM_TEST_PG_URL is not set");
    if (f->skipped)
        skip();
    return f;
}

#endif
