/* backup: see backup.h. */
#include "ops/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/files.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/migrate.h"

extern char **environ;

#define NAME_PREFIX "exammentor-"
#define MANIFEST "manifest.json"
#define DB_SQLITE_FILE "database.sqlite"
#define DB_PG_FILE "database.pgdump"
#define FILES_DIR "files"
#define MANIFEST_MAX (256 * 1024 * 1024)
#define PARTIAL_STALE_S 86400 /* an unfinished backup this old was abandoned */
#define HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)

/* ---- small file helpers ---- */

static int path_join(char *out, size_t cap, const char *a, const char *b, em_error *err)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap)
        return em_error_set(err, EM_E_TOO_LARGE, "a backup path is longer than %zu bytes", cap - 1);
    return EM_OK;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* rm -r of path; an absent path is fine. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void hex_of(const unsigned char *digest, char out[HASH_HEX])
{
    sodium_bin2hex(out, HASH_HEX, digest, crypto_hash_sha256_BYTES);
}

/* SHA-256 and size of the file at path. */
static int hash_file(const char *path, char hex[HASH_HEX], int64_t *bytes, em_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return em_error_set(err, EM_E_NOT_FOUND, "%s is missing", path);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[64 * 1024];
    int64_t total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
        total += n;
    }
    int e = errno;
    close(fd);
    if (n < 0)
        return em_error_set(err, EM_E_IO, "cannot read %s: %s", path, strerror(e));
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    hex_of(digest, hex);
    *bytes = total;
    return EM_OK;
}

static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* ---- PostgreSQL's tools ---- */

/* Run argv[0] (found on PATH) with PATH and the database's libpq variables as
 * its whole environment: no password on a command line. EM_E_UNAVAILABLE when
 * it cannot start or does not exit 0. */
static int run_pg_tool(const char *database_url, char *const argv[], em_error *err)
{
    char **env = NULL;
    size_t n = 0;
    int rc = db_pg_environment(database_url, &env, &n, err);
    if (rc != EM_OK)
        return rc;
    env = em_realloc(env, (n + 3) * sizeof *env);
    const char *path = getenv("PATH");
    env[n++] = em_asprintf("PATH=%s", path != NULL ? path : "/usr/bin:/bin");
    env[n++] = em_strdup("LC_ALL=C");
    env[n] = NULL;
    pid_t pid = 0;
    int spawned = posix_spawnp(&pid, argv[0], NULL, NULL, argv, env);
    int status = 0;
    if (spawned == 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
    if (spawned != 0)
        return em_error_set(err, EM_E_UNAVAILABLE, "%s cannot be run (%s): install PostgreSQL's client tools",
                            argv[0], strerror(spawned));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return em_error_set(err, EM_E_UNAVAILABLE, "%s failed (exit status %d); its message is above",
                            argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return EM_OK;
}

/* The schema a postgres:// URL puts first on its search_path (options
 * "-csearch_path=name"), into out; "" when none: the database is dumped
 * whole. An operator may keep exammentor in a schema of its own. */
static void pg_schema_of(const char *database_url, char *out, size_t cap)
{
    out[0] = '\0';
    char **env = NULL;
    size_t n = 0;
    em_error ignored = {0};
    if (db_pg_environment(database_url, &env, &n, &ignored) != EM_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *p = strncmp(env[i], "PGOPTIONS=", 10) == 0 ? strstr(env[i], "search_path=") : NULL;
        if (p != NULL) {
            p += strlen("search_path=");
            size_t len = strcspn(p, ", \t");
            if (len > 0 && len < cap)
                snprintf(out, cap, "%.*s", (int)len, p);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
}

/* ---- the database ---- */

static int dump_database(db *d, const backup_options *o, const char *dir, const char **file, em_error *err)
{
    char path[BACKUP_PATH_MAX];
    bool pg = db_dialect_of(d) == DB_POSTGRES;
    *file = pg ? DB_PG_FILE : DB_SQLITE_FILE;
    int rc = path_join(path, sizeof path, dir, *file, err);
    if (rc != EM_OK)
        return rc;
    if (!pg)
        return db_snapshot(d, path, err);
    if (o->database_url == NULL)
        return em_error_set(err, EM_E_CONFIG, "DATABASE_URL is needed to back up PostgreSQL");
    char schema[128], schema_arg[160];
    pg_schema_of(o->database_url, schema, sizeof schema);
    snprintf(schema_arg, sizeof schema_arg, "--schema=%s", schema);
    char *argv[] = {"pg_dump", "--format=custom", "--no-owner", "--file", path, schema[0] ? schema_arg : NULL,
                    NULL};
    return run_pg_tool(o->database_url, argv, err);
}

/* ---- the files ---- */

typedef struct key_list {
    char **keys;
    size_t n, cap;
} key_list;

static int collect_key(void *ctx, const char *key, uint64_t size, int64_t mtime_s)
{
    (void)size;
    (void)mtime_s;
    key_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap == 0 ? 64 : l->cap * 2;
        l->keys = em_realloc(l->keys, l->cap * sizeof *l->keys);
    }
    l->keys[l->n++] = em_strdup(key);
    return 0;
}

static void key_list_cleanup(key_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->keys[i]);
    free(l->keys);
    memset(l, 0, sizeof *l);
}

typedef struct copy_sink {
    int fd;
    int err_no;
} copy_sink;

static int write_all(void *ctx, const void *data, size_t n)
{
    copy_sink *c = ctx;
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(c->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            c->err_no = errno;
            return EM_E_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The object under key into dest: a hard link to the stored file when the
 * storage is a directory on this file system, else a copy. */
static int copy_object(storage *s, const char *key, const char *dest, em_error *err)
{
    char src[BACKUP_PATH_MAX];
    if (storage_local_path(s, key, src, sizeof src) == EM_OK && link(src, dest) == 0)
        return EM_OK;
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return em_error_set(err, EM_E_IO, "cannot create %s: %s", dest, strerror(errno));
    copy_sink c = {fd, 0};
    int rc = storage_read(s, key, SIZE_MAX, write_all, &c, err);
    if (rc == EM_E_IO && c.err_no != 0)
        rc = em_error_set(err, EM_E_IO, "cannot write %s: %s", dest, strerror(c.err_no));
    if (rc == EM_OK && fsync(fd) != 0)
        rc = em_error_set(err, EM_E_IO, "cannot write %s: %s", dest, strerror(errno));
    close(fd);
    return rc;
}

/* Copy every stored object into dir/files, listed (key, bytes, sha256) in *out. */
static int copy_files(storage *s, const char *dir, json_t *out, int64_t *bytes, em_error *err)
{
    key_list keys = {0};
    int rc = storage_list(s, "", collect_key, &keys, err);
    char files_dir[BACKUP_PATH_MAX], dest[BACKUP_PATH_MAX];
    if (rc == EM_OK)
        rc = path_join(files_dir, sizeof files_dir, dir, FILES_DIR, err);
    for (size_t i = 0; rc == EM_OK && i < keys.n; i++) {
        rc = path_join(dest, sizeof dest, files_dir, keys.keys[i], err);
        const char *slash = strrchr(dest, '/');
        int e = rc == EM_OK ? files_mkdirs(dest, (size_t)(slash - dest)) : 0;
        if (e != 0)
            rc = em_error_set(err, EM_E_IO, "cannot make a directory for %s: %s", dest, strerror(e));
        bool copied = false;
        if (rc == EM_OK) {
            rc = copy_object(s, keys.keys[i], dest, err);
            copied = rc == EM_OK;
            if (rc == EM_E_NOT_FOUND) { /* removed since the listing: not in this backup */
                unlink(dest);
                rc = EM_OK;
            }
        }
        char hex[HASH_HEX];
        int64_t size = 0;
        if (rc == EM_OK && copied) {
            rc = hash_file(dest, hex, &size, err);
            if (rc == EM_OK) {
                json_array_append_new(out, json_pack("{s:s, s:I, s:s}", "key", keys.keys[i], "bytes",
                                                     (json_int_t)size, "sha256", hex));
                *bytes += size;
            }
        }
    }
    key_list_cleanup(&keys);
    return rc;
}

/* ---- the manifest ---- */

static int write_manifest(const char *dir, json_t *manifest, em_error *err)
{
    char path[BACKUP_PATH_MAX], tmp[BACKUP_PATH_MAX];
    int rc = path_join(path, sizeof path, dir, MANIFEST, err);
    if (rc == EM_OK)
        rc = path_join(tmp, sizeof tmp, dir, MANIFEST ".tmp", err);
    if (rc != EM_OK)
        return rc;
    if (json_dump_file(manifest, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) != 0 ||
        sync_path(tmp, O_RDONLY) != 0 || rename(tmp, path) != 0)
        return em_error_set(err, EM_E_IO, "cannot write %s: %s", path, strerror(errno));
    return EM_OK;
}

static int read_manifest(const char *dir, json_t **out, em_error *err)
{
    *out = NULL;
    char path[BACKUP_PATH_MAX];
    int rc = path_join(path, sizeof path, dir, MANIFEST, err);
    if (rc != EM_OK)
        return rc;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return em_error_set(err, EM_E_NOT_FOUND, "%s has no %s: not a backup", dir, MANIFEST);
    if (sb.st_size > MANIFEST_MAX)
        return em_error_set(err, EM_E_INVAL, "%s is larger than %d bytes", path, MANIFEST_MAX);
    json_error_t jerr;
    json_t *m = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(m) || json_integer_value(json_object_get(m, "format")) != BACKUP_FORMAT) {
        json_decref(m);
        return em_error_set(err, EM_E_INVAL, "%s is not a backup manifest of format %d", path, BACKUP_FORMAT);
    }
    *out = m;
    return EM_OK;
}

static const char *manifest_text(const json_t *m, const char *section, const char *name)
{
    const json_t *o = section != NULL ? json_object_get(m, section) : m;
    const char *v = json_string_value(json_object_get(o, name));
    return v != NULL ? v : "";
}

static void summarize(const json_t *m, const char *dir, backup_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    const char *slash = strrchr(dir, '/');
    snprintf(sum->name, sizeof sum->name, "%s", slash != NULL ? slash + 1 : dir);
    snprintf(sum->created_at, sizeof sum->created_at, "%s", manifest_text(m, NULL, "created_at"));
    snprintf(sum->dialect, sizeof sum->dialect, "%s", manifest_text(m, NULL, "dialect"));
    sum->schema_version = (int)json_integer_value(json_object_get(m, "schema_version"));
    sum->database_bytes = json_integer_value(json_object_get(json_object_get(m, "database"), "bytes"));
    const json_t *files = json_object_get(m, "files");
    sum->files = (int64_t)json_array_size(files);
    for (size_t i = 0; i < json_array_size(files); i++)
        sum->file_bytes += json_integer_value(json_object_get(json_array_get(files, i), "bytes"));
}

/* ---- create ---- */

/* "exammentor-20261207T214500.123Z" for now_ms. */
static void backup_name(int64_t now_ms, char out[64])
{
    char iso[32], compact[32];
    clock_iso8601(now_ms, iso); /* 2026-12-07T21:45:00.123Z */
    size_t k = 0;
    for (const char *p = iso; *p != '\0' && k + 1 < sizeof compact; p++)
        if (*p != '-' && *p != ':')
            compact[k++] = *p;
    compact[k] = '\0';
    snprintf(out, 64, NAME_PREFIX "%s", compact);
}

int backup_create(db *d, const backup_options *o, int64_t now_ms, char path[BACKUP_PATH_MAX],
                  backup_summary *sum, em_error *err)
{
    path[0] = '\0';
    if (o == NULL || o->dir == NULL || o->dir[0] == '\0')
        return em_error_set(err, EM_E_CONFIG, "BACKUP_DIR names no directory");
    int e = files_mkdirs(o->dir, strlen(o->dir));
    if (e != 0)
        return em_error_set(err, EM_E_IO, "cannot make BACKUP_DIR %s: %s", o->dir, strerror(e));
    char name[64], hidden[80], partial[BACKUP_PATH_MAX], final[BACKUP_PATH_MAX];
    backup_name(now_ms, name);
    snprintf(hidden, sizeof hidden, ".%s.partial", name);
    int rc = path_join(partial, sizeof partial, o->dir, hidden, err);
    if (rc == EM_OK)
        rc = path_join(final, sizeof final, o->dir, name, err);
    if (rc != EM_OK)
        return rc;
    if (access(final, F_OK) == 0 || mkdir(partial, 0700) != 0)
        return em_error_set(err, EM_E_CONFLICT, "a backup named %s is being made or exists", name);

    int version = 0;
    rc = migrate_current(d, &version, err);
    const char *db_file = NULL;
    if (rc == EM_OK)
        rc = dump_database(d, o, partial, &db_file, err);
    char db_path[BACKUP_PATH_MAX], hex[HASH_HEX];
    int64_t db_bytes = 0, file_bytes = 0;
    if (rc == EM_OK)
        rc = path_join(db_path, sizeof db_path, partial, db_file, err);
    if (rc == EM_OK)
        rc = hash_file(db_path, hex, &db_bytes, err);
    json_t *files = json_array();
    if (rc == EM_OK && o->files != NULL)
        rc = copy_files(o->files, partial, files, &file_bytes, err);
    char created[32];
    clock_iso8601(now_ms, created);
    json_t *manifest = json_pack("{s:i, s:s, s:s, s:s, s:i, s:{s:s, s:I, s:s}, s:s, s:o}", "format",
                                 BACKUP_FORMAT, "exammentor", EM_VERSION, "created_at", created, "dialect",
                                 db_dialect_of(d) == DB_POSTGRES ? "postgres" : "sqlite", "schema_version",
                                 version, "database", "file", db_file != NULL ? db_file : "", "bytes",
                                 (json_int_t)db_bytes, "sha256", rc == EM_OK ? hex : "", "storage",
                                 o->files != NULL ? storage_kind(o->files) : "none", "files", files);
    if (rc == EM_OK)
        rc = write_manifest(partial, manifest, err);
    /* whole, then visible under its name */
    if (rc == EM_OK && (sync_path(partial, O_RDONLY | O_DIRECTORY) != 0 || rename(partial, final) != 0))
        rc = em_error_set(err, EM_E_IO, "cannot rename %s: %s", partial, strerror(errno));
    if (rc == EM_OK)
        sync_path(o->dir, O_RDONLY | O_DIRECTORY);
    if (rc != EM_OK) {
        json_decref(manifest);
        remove_tree(partial);
        return rc;
    }
    snprintf(path, BACKUP_PATH_MAX, "%s", final);
    int removed = 0;
    em_error perr = {0};
    if (o->keep > 0 && backup_prune(o->dir, o->keep, &removed, &perr) != EM_OK)
        log_emit(LOG_WARN, "old backups not removed", json_pack("{s:s}", "error", perr.msg));
    if (sum != NULL) {
        summarize(manifest, final, sum);
        sum->removed = removed;
    }
    json_decref(manifest);
    return EM_OK;
}

/* ---- verify ---- */

static int check_file(const char *path, const json_t *entry, em_error *err)
{
    char hex[HASH_HEX];
    int64_t bytes = 0;
    int rc = hash_file(path, hex, &bytes, err);
    if (rc != EM_OK)
        return em_error_set(err, EM_E_INVAL, "%s is missing", path);
    const char *want = json_string_value(json_object_get(entry, "sha256"));
    if (bytes != json_integer_value(json_object_get(entry, "bytes")) || want == NULL ||
        strcmp(want, hex) != 0)
        return em_error_set(err, EM_E_INVAL, "%s does not match the manifest (changed or damaged)", path);
    return EM_OK;
}

/* The manifest's file entry i as a path under dir/files, the key checked
 * as storage checks it: a manifest cannot point outside the backup. */
static int entry_path(const char *dir, const json_t *entry, char *out, size_t cap, const char **key,
                      em_error *err)
{
    *key = json_string_value(json_object_get(entry, "key"));
    em_error kerr = {0};
    if (*key == NULL || storage_check_key(*key, &kerr) != EM_OK)
        return em_error_set(err, EM_E_INVAL, "the manifest lists a file with a bad key");
    int n = snprintf(out, cap, "%s/" FILES_DIR "/%s", dir, *key);
    if (n < 0 || (size_t)n >= cap)
        return em_error_set(err, EM_E_TOO_LARGE, "a backup path is longer than %zu bytes", cap - 1);
    return EM_OK;
}

static int database_path(const char *dir, const json_t *m, char *out, size_t cap, em_error *err)
{
    const char *file = manifest_text(m, "database", "file");
    if (strcmp(file, DB_SQLITE_FILE) != 0 && strcmp(file, DB_PG_FILE) != 0)
        return em_error_set(err, EM_E_INVAL, "the manifest names no database copy");
    return path_join(out, cap, dir, file, err);
}

int backup_verify(const char *path, backup_summary *sum, em_error *err)
{
    json_t *m = NULL;
    int rc = read_manifest(path, &m, err);
    if (rc == EM_E_NOT_FOUND)
        rc = EM_E_INVAL;
    if (rc != EM_OK)
        return rc;
    char file[BACKUP_PATH_MAX];
    rc = database_path(path, m, file, sizeof file, err);
    if (rc == EM_OK)
        rc = check_file(file, json_object_get(m, "database"), err);
    const json_t *files = json_object_get(m, "files");
    for (size_t i = 0; rc == EM_OK && i < json_array_size(files); i++) {
        const char *key = NULL;
        rc = entry_path(path, json_array_get(files, i), file, sizeof file, &key, err);
        if (rc == EM_OK)
            rc = check_file(file, json_array_get(files, i), err);
    }
    if (rc == EM_OK) {
        database_path(path, m, file, sizeof file, err);
        if (strcmp(manifest_text(m, NULL, "dialect"), "postgres") == 0) {
            /* the archive's table of contents reads: pg_restore --list */
            char *argv[] = {"pg_restore", "--list", "--file=/dev/null", file, NULL};
            rc = run_pg_tool("postgresql:///", argv, err);
            if (rc != EM_OK)
                rc = em_error_set(err, EM_E_INVAL, "%s is not a whole pg_dump archive (%s)", file, err->msg);
        } else {
            rc = db_snapshot_check(file, err);
        }
    }
    if (rc == EM_OK && sum != NULL)
        summarize(m, path, sum);
    json_decref(m);
    return rc;
}

/* ---- restore ---- */

static int restore_database(db *d, const backup_options *o, char *file, em_error *err)
{
    if (db_dialect_of(d) != DB_POSTGRES)
        return db_restore(d, file, err);
    if (o->database_url == NULL)
        return em_error_set(err, EM_E_CONFIG, "DATABASE_URL is needed to restore PostgreSQL");
    /* the database named by the environment run_pg_tool sets */
    char *argv[] = {"pg_restore",      "--clean",   "--if-exists", "--no-owner", "--single-transaction",
                    "--exit-on-error", "--dbname=", file,          NULL};
    char **env = NULL;
    size_t n = 0;
    int rc = db_pg_environment(o->database_url, &env, &n, err);
    char dbname_arg[512] = "--dbname=postgres";
    for (size_t i = 0; rc == EM_OK && i < n; i++)
        if (strncmp(env[i], "PGDATABASE=", 11) == 0)
            snprintf(dbname_arg, sizeof dbname_arg, "--dbname=%s", env[i] + 11);
    for (size_t i = 0; i < n; i++)
        free(env[i]);
    free(env);
    argv[6] = dbname_arg;
    return rc == EM_OK ? run_pg_tool(o->database_url, argv, err) : rc;
}

/* Put back every listed file the storage lacks or holds with another size. */
static int restore_files(storage *s, const char *dir, const json_t *files, em_error *err)
{
    int rc = EM_OK;
    for (size_t i = 0; rc == EM_OK && i < json_array_size(files); i++) {
        const json_t *entry = json_array_get(files, i);
        char path[BACKUP_PATH_MAX];
        const char *key = NULL;
        rc = entry_path(dir, entry, path, sizeof path, &key, err);
        uint64_t have = 0;
        int64_t want = json_integer_value(json_object_get(entry, "bytes"));
        em_error serr = {0};
        if (rc != EM_OK || (storage_size(s, key, &have, &serr) == EM_OK && (int64_t)have == want))
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return em_error_set(err, EM_E_IO, "cannot read %s: %s", path, strerror(errno));
        rc = storage_put_fd(s, key, fd, 0, (size_t)want, NULL, err);
        close(fd);
    }
    return rc;
}

int backup_restore(db *d, const backup_options *o, const char *path, backup_summary *sum, int *applied,
                   em_error *err)
{
    if (applied != NULL)
        *applied = 0;
    backup_summary s;
    int rc = backup_verify(path, &s, err);
    if (rc != EM_OK)
        return rc;
    const char *dialect = db_dialect_of(d) == DB_POSTGRES ? "postgres" : "sqlite";
    if (strcmp(s.dialect, dialect) != 0)
        return em_error_set(err, EM_E_UNSUPPORTED, "the backup is of a %s database and DATABASE_URL names %s",
                            s.dialect, dialect);
    int latest = migrate_latest_of(d);
    if (s.schema_version > latest)
        return em_error_set(err, EM_E_UNSUPPORTED,
                            "the backup was made by a newer exammentor (schema %d; this one knows up to %d)",
                            s.schema_version, latest);
    json_t *m = NULL;
    rc = read_manifest(path, &m, err);
    char file[BACKUP_PATH_MAX];
    if (rc == EM_OK)
        rc = database_path(path, m, file, sizeof file, err);
    if (rc == EM_OK)
        rc = restore_database(d, o, file, err);
    if (rc == EM_OK && o->files != NULL)
        rc = restore_files(o->files, path, json_object_get(m, "files"), err);
    if (rc == EM_OK)
        rc = migrate_up(d, 0, applied, err);
    json_decref(m);
    if (rc == EM_OK && sum != NULL)
        *sum = s;
    return rc;
}

/* ---- list and prune ---- */

typedef struct found {
    char **names; /* backups' directory names, sorted newest first */
    size_t n;
} found;

static int by_name_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* The names in dir that look like backups (or, partial: unfinished ones). */
static int scan(const char *dir, bool partial, found *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *dh = opendir(dir);
    if (dh == NULL)
        return errno == ENOENT ? EM_OK
                               : em_error_set(err, EM_E_IO, "cannot read %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        bool backup = strncmp(e->d_name, NAME_PREFIX, strlen(NAME_PREFIX)) == 0;
        size_t len = strlen(e->d_name);
        bool unfinished = e->d_name[0] == '.' &&
                          strncmp(e->d_name + 1, NAME_PREFIX, strlen(NAME_PREFIX)) == 0 && len > 8 &&
                          strcmp(e->d_name + len - 8, ".partial") == 0;
        if (partial ? !unfinished : !backup)
            continue;
        if (out->n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            out->names = em_realloc(out->names, cap * sizeof *out->names);
        }
        out->names[out->n++] = em_strdup(e->d_name);
    }
    closedir(dh);
    if (out->n > 1)
        qsort(out->names, out->n, sizeof *out->names, by_name_desc);
    return EM_OK;
}

static void found_cleanup(found *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
}

int backup_list(const char *dir, void (*visit)(void *ctx, const backup_summary *s), void *ctx, size_t *count,
                em_error *err)
{
    if (count != NULL)
        *count = 0;
    found f;
    int rc = scan(dir, false, &f, err);
    for (size_t i = 0; rc == EM_OK && i < f.n; i++) {
        char path[BACKUP_PATH_MAX];
        json_t *m = NULL;
        em_error merr = {0};
        if (path_join(path, sizeof path, dir, f.names[i], &merr) != EM_OK ||
            read_manifest(path, &m, &merr) != EM_OK)
            continue;
        backup_summary s;
        summarize(m, path, &s);
        json_decref(m);
        if (visit != NULL)
            visit(ctx, &s);
        if (count != NULL)
            (*count)++;
    }
    found_cleanup(&f);
    return rc;
}

int backup_prune(const char *dir, int keep, int *removed, em_error *err)
{
    if (removed != NULL)
        *removed = 0;
    found f;
    int rc = scan(dir, false, &f, err);
    size_t kept = 0;
    for (size_t i = 0; rc == EM_OK && i < f.n; i++) {
        char path[BACKUP_PATH_MAX], manifest[BACKUP_PATH_MAX];
        if (path_join(path, sizeof path, dir, f.names[i], err) != EM_OK ||
            path_join(manifest, sizeof manifest, path, MANIFEST, err) != EM_OK)
            continue;
        if (access(manifest, F_OK) != 0)
            continue; /* not one of ours: left alone */
        if (keep <= 0 || kept < (size_t)keep) {
            kept++;
            continue;
        }
        remove_tree(path);
        if (removed != NULL)
            (*removed)++;
    }
    found_cleanup(&f);
    if (rc != EM_OK)
        return rc;
    /* unfinished backups a crash left behind */
    rc = scan(dir, true, &f, err);
    int64_t now_s = clock_now_ms() / 1000;
    for (size_t i = 0; rc == EM_OK && i < f.n; i++) {
        char path[BACKUP_PATH_MAX];
        struct stat sb;
        if (path_join(path, sizeof path, dir, f.names[i], err) == EM_OK && stat(path, &sb) == 0 &&
            now_s - (int64_t)sb.st_mtime > PARTIAL_STALE_S)
            remove_tree(path);
    }
    found_cleanup(&f);
    return rc;
}
