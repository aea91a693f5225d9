/* migrations_int: the migrations compiled into the binary, as migrate.c sees them.
 *
 * The arrays are generated at build time by cmake/embed_migrations.cmake from
 * src/db/migrations/<dialect>/NNNN_name.{up,down}.sql (the generated file is
 * migrations_embedded.c in the build tree). The build guarantees that versions
 * run 1..count without gaps, that every up has a down, and that both dialects
 * hold the same versions under the same names.
 *
 * The *_sources functions run an arbitrary list with the same rules as
 * migrate_up/migrate_down; the public functions call them with the embedded
 * list, and tests use them to run migrations of their own (one that fails, one
 * newer than the binary knows). */
#ifndef EM_DB_MIGRATIONS_INT_H
#define EM_DB_MIGRATIONS_INT_H

#include <stddef.h>

#include "core/err.h"
#include "db/db.h"
#include "db/migrate.h"

typedef struct migration_src {
    int version;            /* 1, 2, ... in order, no gaps */
    const char *name;       /* "study_topics" for 0002_study_topics (static) */
    const char *up;         /* SQL text of NNNN_name.up.sql (static) */
    const char *down;       /* SQL text of NNNN_name.down.sql (static) */
} migration_src;

/* Generated: the embedded migrations of each dialect, in version order. */
extern const migration_src migrate__sqlite_list[];
extern const size_t migrate__sqlite_count;
extern const migration_src migrate__pg_list[];
extern const size_t migrate__pg_count;

/* migrate_up / migrate_down / migrate_status over `list` (n entries, versions
 * 1..n in order; borrowed) instead of the embedded migrations. */
int migrate__up_sources(db *d, const migration_src *list, size_t n, int target,
                        int *applied /* OUT */, em_error *err);
int migrate__down_sources(db *d, const migration_src *list, size_t n, int steps,
                          int *reverted /* OUT */, em_error *err);
int migrate__status_sources(db *d, const migration_src *list, size_t n,
                            migration_info *out /* OUT */, size_t max, size_t *count /* OUT */,
                            em_error *err);

#endif
