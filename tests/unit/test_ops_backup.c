/* test_ops_backup: backups as an operator uses them, on SQLite and on
 * PostgreSQL (pg_dump and pg_restore on PATH): a backup holds the database
 * and every stored file and verifies; a damaged one does not; restoring
 * brings back rows and files lost since; the newest BACKUP_KEEP stay; a
 * backup of a newer schema is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "content/storage.h"
#include "ops/backup.h"

#include "area_fixture.h"

typedef struct bench {
    area_store st;
    char dir[64]; /* BACKUP_DIR */
    backup_options o;
} bench;

static void bench_open(bench *b, fixture *f)
{
    area_store_open(&b->st);
    snprintf(b->dir, sizeof b->dir, "/tmp/em_backups_XXXXXX");
    assert_non_null(mkdtemp(b->dir));
    b->o = (backup_options){.dir = b->dir, .keep = 0, .database_url = f->url, .files = b->st.s};
}

static int rm_any(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void bench_close(bench *b)
{
    nftw(b->dir, rm_any, 16, FTW_DEPTH | FTW_PHYS);
    area_store_close(&b->st);
}

static void put(storage *s, const char *key, const char *text)
{
    em_error err = {0};
    if (storage_put(s, key, text, strlen(text), "text/plain", &err) != EM_OK)
        fail_msg("storage_put %s: %s", key, err.msg);
}

static int64_t users_named(db *d, const char *email)
{
    const char *p[] = {email};
    return area_int(d, "SELECT count(*) FROM users WHERE email = $1", p, 1);
}

static void make_backup(db *d, bench *b, int64_t now_ms, char path[BACKUP_PATH_MAX], backup_summary *s)
{
    em_error err = {0};
    if (backup_create(d, &b->o, now_ms, path, s, &err) != EM_OK)
        fail_msg("backup_create: %s", err.msg);
}

static void ops_backup_create_verify_restore(void **state)
{
    fixture *f = area_db(state);
    bench b;
    bench_open(&b, f);
    char id[ID_UUID_LEN + 1];
    area_user(f->d, "kept@example.org", "student", id);
    put(b.st.s, "materials/a/original", "the first original");
    put(b.st.s, "materials/b/original", "the second original, longer");

    char path[BACKUP_PATH_MAX];
    backup_summary s;
    make_backup(f->d, &b, 1796000000123, path, &s);
    assert_non_null(strstr(path, "/exammentor-20261130T005320.123Z"));
    assert_string_equal(s.dialect, db_dialect_of(f->d) == DB_POSTGRES ? "postgres" : "sqlite");
    assert_int_equal(s.schema_version, migrate_latest_of(f->d));
    assert_int_equal(s.files, 2);
    assert_int_equal(s.file_bytes,
                     (int64_t)(strlen("the first original") + strlen("the second original, longer")));
    assert_true(s.database_bytes > 0);
    em_error err = {0};
    backup_summary v;
    assert_int_equal(backup_verify(path, &v, &err), EM_OK);
    assert_string_equal(v.name, s.name);

    /* lost since: a row, a file; and something new */
    const char *p[] = {"kept@example.org"};
    area_run(f->d, "DELETE FROM users WHERE email = $1", p, 1);
    assert_int_equal(storage_delete(b.st.s, "materials/a/original", &err), EM_OK);
    char later[ID_UUID_LEN + 1];
    area_user(f->d, "later@example.org", "student", later);
    int applied = -1;
    assert_int_equal(backup_restore(f->d, &b.o, path, &v, &applied, &err), EM_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(users_named(f->d, "kept@example.org"), 1);
    assert_int_equal(users_named(f->d, "later@example.org"), 0); /* the database is the backup's */
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(storage_get(b.st.s, "materials/a/original", &data, &len, 1024, &err), EM_OK);
    assert_memory_equal(data, "the first original", len);
    free(data);
    /* the restored database is in use as before */
    area_user(f->d, "after@example.org", "student", later);
    assert_int_equal(users_named(f->d, "after@example.org"), 1);
    bench_close(&b);
}

static void ops_backup_damage_is_found(void **state)
{
    fixture *f = area_db(state);
    bench b;
    bench_open(&b, f);
    put(b.st.s, "materials/a/original", "an original");
    char path[BACKUP_PATH_MAX], file[BACKUP_PATH_MAX + 32];
    backup_summary s;
    make_backup(f->d, &b, 1796000000000, path, &s);
    /* the database copy cut short */
    snprintf(file, sizeof file, "%s/%s", path,
             db_dialect_of(f->d) == DB_POSTGRES ? "database.pgdump" : "database.sqlite");
    assert_int_equal(truncate(file, s.database_bytes / 2), 0);
    em_error err = {0};
    assert_int_equal(backup_verify(path, NULL, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "does not match the manifest"));
    /* and it is not restored */
    assert_int_equal(backup_restore(f->d, &b.o, path, NULL, NULL, &err), EM_E_INVAL);
    /* a file missing from it */
    make_backup(f->d, &b, 1796000001000, path, &s);
    snprintf(file, sizeof file, "%s/files/materials/a/original", path);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(backup_verify(path, NULL, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "is missing"));
    /* not a backup at all */
    assert_int_equal(backup_verify(b.dir, NULL, &err), EM_E_INVAL);
    bench_close(&b);
}

static void ops_backup_newer_schema_refused(void **state)
{
    fixture *f = area_db(state);
    bench b;
    bench_open(&b, f);
    char path[BACKUP_PATH_MAX], manifest[BACKUP_PATH_MAX + 32];
    backup_summary s;
    make_backup(f->d, &b, 1796000000000, path, &s);
    snprintf(manifest, sizeof manifest, "%s/manifest.json", path);
    json_t *m = json_load_file(manifest, 0, NULL);
    assert_non_null(m);
    json_object_set_new(m, "schema_version", json_integer(migrate_latest_of(f->d) + 1));
    assert_int_equal(json_dump_file(m, manifest, 0), 0);
    json_decref(m);
    em_error err = {0};
    assert_int_equal(backup_restore(f->d, &b.o, path, NULL, NULL, &err), EM_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "newer exammentor"));
    bench_close(&b);
}

static void count_listed(void *ctx, const backup_summary *s)
{
    (void)s;
    (*(int *)ctx)++;
}

static void ops_backup_keeps_the_newest(void **state)
{
    fixture *f = area_db(state);
    bench b;
    bench_open(&b, f);
    b.o.keep = 2;
    char path[BACKUP_PATH_MAX], first[BACKUP_PATH_MAX], newest[BACKUP_PATH_MAX];
    backup_summary s;
    make_backup(f->d, &b, 1796000000000, first, &s);
    make_backup(f->d, &b, 1796086400000, path, &s);
    assert_int_equal(s.removed, 0);
    make_backup(f->d, &b, 1796172800000, newest, &s);
    assert_int_equal(s.removed, 1);
    assert_int_not_equal(access(first, F_OK), 0);
    assert_int_equal(access(path, F_OK), 0);
    int listed = 0;
    size_t n = 0;
    em_error err = {0};
    assert_int_equal(backup_list(b.dir, count_listed, &listed, &n, &err), EM_OK);
    assert_int_equal(listed, 2);
    assert_int_equal(n, 2);
    /* an unfinished backup a crash left a day ago goes; a fresh one stays */
    char stale[BACKUP_PATH_MAX], fresh[BACKUP_PATH_MAX];
    snprintf(stale, sizeof stale, "%s/.exammentor-20200101T000000.000Z.partial", b.dir);
    snprintf(fresh, sizeof fresh, "%s/.exammentor-20991231T000000.000Z.partial", b.dir);
    assert_int_equal(mkdir(stale, 0700), 0);
    assert_int_equal(mkdir(fresh, 0700), 0);
    struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
    int removed = -1;
    assert_int_equal(backup_prune(b.dir, 1, &removed, &err), EM_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(access(newest, F_OK), 0);
    assert_int_not_equal(access(stale, F_OK), 0);
    assert_int_equal(access(fresh, F_OK), 0);
    /* a missing directory holds no backups */
    assert_int_equal(backup_list("/tmp/em-no-such-backups", count_listed, &listed, &n, &err), EM_OK);
    assert_int_equal(n, 0);
    bench_close(&b);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(ops_backup_create_verify_restore),
        BOTH(ops_backup_damage_is_found),
        BOTH(ops_backup_newer_schema_refused),
        BOTH(ops_backup_keeps_the_newest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
