/* migrate: numbered schema migrations embedded in the binary, one set per dialect.
 *
 * Each migration N has an up and a down script (src/db/migrations/<dialect>/
 * NNNN_name.up.sql / .down.sql, compiled in by the build). Each is applied in its
 * own transaction together with its row in schema_migrations (version, name,
 * applied_at), so a failing migration leaves nothing behind. Migration 1 creates
 * schema_migrations itself. On PostgreSQL an advisory lock serialises concurrent
 * migrators (several instances starting at once). */
#ifndef EM_DB_MIGRATE_H
#define EM_DB_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

typedef struct migration_info {
    int version;
    const char *name;        /* static */
    bool applied;
    char applied_at[40];     /* ISO-8601 when applied, "" otherwise */
} migration_info;

/* Number of migrations compiled in for the dialect, and the highest version. */
int migrate_latest(db_dialect dialect);
/* The same for the dialect of `d`. */
int migrate_latest_of(const db *d);

/* Apply pending migrations up to `target` (0 or negative: all). Reports how many
 * were applied in *applied (may be NULL). */
int migrate_up(db *d, int target, int *applied /* OUT */, em_error *err);
/* Revert the `steps` most recent applied migrations (steps >= 1). */
int migrate_down(db *d, int steps, int *reverted /* OUT */, em_error *err);
/* The current version (0 when none applied). */
int migrate_current(db *d, int *version /* OUT */, em_error *err);

/* What a readiness probe reports: a real query ran (db_ping), and the schema's
 * version against the binary's. */
typedef struct migrate_readiness {
    const char *backend;     /* "sqlite" or "postgresql" (static) */
    int schema_version;      /* applied */
    int latest_version;      /* known to this binary */
    double latency_ms;       /* of the probe */
} migrate_readiness;
/* Probe the database; EM_E_UNAVAILABLE (or the error) when it cannot answer. */
int migrate_check_ready(db *d, migrate_readiness *out /* OUT */, em_error *err);
/* Fill up to `max` entries, one per compiled-in migration, in order; returns the
 * count in *n. */
int migrate_status(db *d, migration_info *out /* OUT */, size_t max, size_t *n /* OUT */,
                   em_error *err);

#endif
