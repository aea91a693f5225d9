/* backup: a copy of everything exammentor keeps, checked, and the way back.
 *
 * A backup is one directory, BACKUP_DIR/exammentor-YYYYMMDDTHHMMSS.mmmZ
 * (UTC; names sort by time), holding:
 *   manifest.json    what it holds: the format, the exammentor version, the
 *                    database's dialect and schema version, when it was made,
 *                    the database copy's size and SHA-256, and each stored
 *                    file's key, size and SHA-256
 *   database.sqlite  SQLite: an online snapshot (db_snapshot), one file
 *   database.pgdump  PostgreSQL: pg_dump's custom format (pg_dump must be
 *                    installed: Debian's postgresql-client)
 *   files/<key>      every object of the file storage (local or S3): the
 *                    uploaded originals; hard links when the storage is a
 *                    directory on the same file system (originals never
 *                    change once stored), copies otherwise
 * It is written under a hidden name (.exammentor-....partial) and renamed
 * once whole, so a directory with a backup's name is a whole backup: nothing
 * half-written. The database and the files are copied one after the other
 * while the server runs: a material uploaded in between may have its file and
 * no row (the sweep removes such orphans) or, deleted in between, a row
 * without its file (restored, it shows as failed).
 *
 * Restoring checks the backup first (backup_verify), refuses one of another
 * dialect or of a newer schema than this exammentor knows, replaces the whole
 * database (SQLite: in one step other connections see as a commit;
 * PostgreSQL: pg_restore --clean in one transaction), puts back every file
 * that is missing or differs, and applies the migrations newer than the
 * backup. Stop the server and workers first: what they hold in memory
 * (cached indexes, running jobs) belongs to the database before. */
#ifndef EM_OPS_BACKUP_H
#define EM_OPS_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"

#define BACKUP_FORMAT 1
#define BACKUP_PATH_MAX 4096
#define BACKUP_KEEP_MAX 10000

/* Where backups go and what they copy. */
typedef struct backup_options {
    const char *dir;          /* BACKUP_DIR: the directory that holds the backups (made if missing) */
    int keep;                 /* BACKUP_KEEP: backups kept after a new one, the newest; 0: all */
    const char *database_url; /* DATABASE_URL: for PostgreSQL's tools (pg_dump, pg_restore) */
    storage *files;           /* the file storage (borrowed); NULL: no files */
} backup_options;

/* What a backup holds, as its manifest says. */
typedef struct backup_summary {
    char name[64];       /* the directory's name */
    char created_at[32]; /* ISO-8601 UTC */
    char dialect[16];    /* "sqlite" or "postgres" */
    int schema_version;  /* the migration the database was at */
    int64_t database_bytes;
    int64_t files; /* stored files */
    int64_t file_bytes;
    int removed; /* backup_create: older backups removed to keep `keep` */
} backup_summary;

/* Make a backup of d's database and o->files at now_ms into o->dir, then
 * remove the oldest past o->keep. *path receives the backup's directory.
 * EM_E_UNAVAILABLE when pg_dump is missing or fails; EM_E_IO when the
 * directory cannot be written; nothing partial stays behind on failure. */
int backup_create(db *d, const backup_options *o, int64_t now_ms, char path[BACKUP_PATH_MAX] /* OUT */,
                  backup_summary *sum /* OUT, may be NULL */, em_error *err);

/* Check the backup at path: its manifest reads, every file it lists is there
 * with its size and SHA-256, and the database copy is whole (SQLite's
 * integrity check; pg_restore --list for a dump). EM_E_INVAL naming the first
 * thing that does not match. */
int backup_verify(const char *path, backup_summary *sum /* OUT, may be NULL */, em_error *err);

/* Restore the backup at path into d (and o->files), as the header says.
 * EM_E_INVAL when it does not verify; EM_E_UNSUPPORTED for another dialect or
 * a newer schema. *applied (may be NULL) receives the migrations applied after. */
int backup_restore(db *d, const backup_options *o, const char *path,
                   backup_summary *sum /* OUT, may be NULL */, int *applied /* OUT, may be NULL */,
                   em_error *err);

/* Visit the backups in dir, newest first (a directory without a readable
 * manifest is skipped). *count (may be NULL) receives how many. A missing dir
 * holds none. */
int backup_list(const char *dir, void (*visit)(void *ctx, const backup_summary *s), void *ctx,
                size_t *count /* OUT */, em_error *err);

/* Remove the backups of dir past the newest `keep` (0: none removed), and
 * unfinished ones (.partial) older than a day. *removed (may be NULL) counts
 * the backups removed. */
int backup_prune(const char *dir, int keep, int *removed /* OUT */, em_error *err);

#endif
