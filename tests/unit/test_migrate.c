/* test_migrate: the embedded migrations on both backends.
 *
 * Every case runs on SQLite (a fresh file in a mkdtemp directory) and on
 * PostgreSQL (a fresh schema in the database of EM_TEST_PG_URL, dropped
 * afterwards). Without EM_TEST_PG_URL the PostgreSQL cases are skipped, unless
 * EM_REQUIRE_PG=1, when they fail. The schema is checked in the catalog
 * (sqlite_master, information_schema) after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/migrations_int.h"

/* ---- fixture: one fresh database per case ---- */

#include "db_fixture.h"

/* ---- helpers ---- */

/* Whether `table` exists, asked of the catalog directly. */
static bool table_exists(db *d, const char *table)
{
    db_stmt *st = NULL;
    em_error err = {0};
    const char *sql = db_dialect_of(d) == DB_SQLITE
                          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
                          : "SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = current_schema() AND table_name = $1";
    assert_int_equal(db_prepare(d, sql, &st, &err), EM_OK);
    assert_int_equal(db_bind_text(st, 1, table), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    int64_t n = db_column_int64(st, 0);
    db_finalize(st);
    return n == 1;
}

static int current(db *d)
{
    int v = -1;
    em_error err = {0};
    assert_int_equal(migrate_current(d, &v, &err), EM_OK);
    return v;
}

/* The tables each embedded version creates, to check the schema after a step. */
static void assert_schema_at(db *d, int version)
{
    assert_int_equal(current(d), version);
    assert_int_equal(table_exists(d, "schema_migrations"), version >= 1);
    assert_int_equal(table_exists(d, "users"), version >= 1);
    assert_int_equal(table_exists(d, "study_sessions"), version >= 2);
    assert_int_equal(table_exists(d, "topics"), version >= 2);
    assert_int_equal(table_exists(d, "refresh_tokens"), version >= 3);
    assert_int_equal(table_exists(d, "tutor_students"), version >= 3);
    assert_int_equal(table_exists(d, "audit_log"), version >= 3);
    assert_int_equal(table_exists(d, "jobs"), version >= 4);
    assert_int_equal(table_exists(d, "job_runs"), version >= 4);
    assert_int_equal(table_exists(d, "workers"), version >= 4);
    assert_int_equal(table_exists(d, "schedule_runs"), version >= 4);
    assert_int_equal(table_exists(d, "materials"), version >= 5);
    assert_int_equal(table_exists(d, "material_chunks"), version >= 5);
    assert_int_equal(table_exists(d, "material_chunks_fts"), version >= 5 && db_dialect_of(d) == DB_SQLITE);
    assert_int_equal(table_exists(d, "questions"), version >= 5);
    assert_int_equal(table_exists(d, "question_tags"), version >= 5);
    assert_int_equal(table_exists(d, "session_materials"), version >= 7);
    assert_int_equal(table_exists(d, "plans"), version >= 7);
    assert_int_equal(table_exists(d, "plan_cache"), version >= 7);
    assert_int_equal(table_exists(d, "chat_messages"), version >= 7);
    assert_int_equal(table_exists(d, "curricula"), version >= 8);
    assert_int_equal(table_exists(d, "curriculum_codes"), version >= 8);
    assert_int_equal(table_exists(d, "material_curricula"), version >= 8);
    assert_int_equal(table_exists(d, "question_versions"), version >= 9);
    assert_int_equal(table_exists(d, "quizzes"), version >= 9);
    assert_int_equal(table_exists(d, "quiz_items"), version >= 9);
    assert_int_equal(table_exists(d, "attempts"), version >= 9);
    assert_int_equal(table_exists(d, "review_cards"), version >= 9);
    assert_int_equal(table_exists(d, "review_logs"), version >= 9);
    assert_int_equal(table_exists(d, "misconceptions"), version >= 9);
}

/* The schema as the catalog tells it, as one text: every table's definition
 * on SQLite; every column with its type, default and nullability, and every
 * constraint, on PostgreSQL. Owned, free with free(). */
static char *schema_text(db *d)
{
    const char *sql =
        db_dialect_of(d) == DB_SQLITE
            ? "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master "
              "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            : "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || "
              "coalesce(column_default, '') || ' ' || is_nullable FROM information_schema.columns "
              "WHERE table_schema = current_schema() "
              "UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
              "pg_get_constraintdef(oid) "
              "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
              "UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
              "ORDER BY 1";
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(d, sql, &st, &err), EM_OK);
    size_t len = 0;
    char *out = calloc(1, 1);
    int rc = EM_OK;
    while (db_next(st, &rc, &err)) {
        const char *line = db_column_text(st, 0);
        size_t n = strlen(line);
        out = realloc(out, len + n + 2);
        assert_non_null(out);
        memcpy(out + len, line, n);
        out[len + n] = '\n';
        len += n + 1;
        out[len] = '\0';
    }
    db_finalize(st);
    assert_int_equal(rc, EM_OK);
    return out;
}

/* The newest version compiled in (the cases below follow the embedded list). */
#define LATEST ((int)migrate__sqlite_count)

static void up_ok(db *d, int target, int expect_applied)
{
    int applied = -1;
    em_error err = {0};
    int rc = migrate_up(d, target, &applied, &err);
    if (rc != EM_OK)
        fail_msg("migrate_up: %d %s", rc, err.msg);
    assert_int_equal(applied, expect_applied);
}

static void down_ok(db *d, int steps, int expect_reverted)
{
    int reverted = -1;
    em_error err = {0};
    int rc = migrate_down(d, steps, &reverted, &err);
    if (rc != EM_OK)
        fail_msg("migrate_down: %d %s", rc, err.msg);
    assert_int_equal(reverted, expect_reverted);
}

/* Run one statement with text parameters (NULL entries bind SQL NULL). */
static int run(db *d, const char *sql, int n, const char *const *params)
{
    db_stmt *st = NULL;
    em_error err = {0};
    int rc = db_prepare(d, sql, &st, &err);
    assert_int_equal(rc, EM_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(db_bind_text(st, i + 1, params[i]), EM_OK);
    rc = db_step(st, &err);
    db_finalize(st);
    return rc < 0 ? rc : EM_OK;
}

/* ---- cases ---- */

static void test_migrate_latest(void **state)
{
    (void)state;
    assert_int_equal(migrate_latest(DB_SQLITE), 12);
    assert_int_equal(migrate_latest(DB_POSTGRES), migrate_latest(DB_SQLITE));
    assert_int_equal(migrate__sqlite_count, migrate__pg_count);
    for (size_t i = 0; i < migrate__sqlite_count; i++) {
        assert_int_equal(migrate__sqlite_list[i].version, (int)i + 1);
        assert_string_equal(migrate__sqlite_list[i].name, migrate__pg_list[i].name);
    }
    assert_string_equal(migrate__sqlite_list[0].name, "init");
    assert_string_equal(migrate__sqlite_list[1].name, "study_topics");
    assert_string_equal(migrate__sqlite_list[2].name, "auth");
    assert_string_equal(migrate__sqlite_list[3].name, "jobs");
    assert_string_equal(migrate__sqlite_list[6].name, "study_plans");
    assert_string_equal(migrate__sqlite_list[7].name, "curricula");
    assert_string_equal(migrate__sqlite_list[9].name, "model_reads");
    assert_string_equal(migrate__sqlite_list[11].name, "chunk_listing");
}

/* Each migration's down gives back the schema of the version before, exactly
 * (columns added to existing tables included), and its up again the same
 * schema as the first time. */
static void test_migrate_down_restores_schema(void **state)
{
    fixture *f = fx(state);
    char *before = schema_text(f->d);
    for (int v = 1; v <= LATEST; v++) {
        up_ok(f->d, v, 1);
        char *latest = schema_text(f->d);
        if (strcmp(before, latest) == 0)
            fail_msg("version %d changed nothing", v);
        down_ok(f->d, 1, 1);
        char *after = schema_text(f->d);
        if (strcmp(before, after) != 0)
            fail_msg("the down of version %d left another schema:\n%s\n---- instead of ----\n%s", v, after,
                     before);
        up_ok(f->d, v, 1);
        char *again = schema_text(f->d);
        assert_string_equal(latest, again);
        free(before);
        free(after);
        free(again);
        before = latest;
    }
    free(before);
}

/* 0008 marks the tags already stored: topic.* came from the headings, the
 * rest from the uploader; none is confirmed or scored. */
static void test_migrate_curricula_marks_tags(void **state)
{
    fixture *f = fx(state);
    up_ok(f->d, 7, 7);
    const char *u[] = {"01900000-0000-7000-8000-000000000001", "m@example.org"};
    assert_int_equal(run(f->d, "INSERT INTO users (id, email, display_name, role) VALUES ($1, $2, $2, 'student')", 2, u),
                     EM_OK);
    const char *m[] = {"01900000-0000-7000-8000-000000000002", u[0]};
    assert_int_equal(run(f->d,
                         "INSERT INTO materials (id, user_id, title, kind, mime, size_bytes, sha256, storage_key) "
                         "VALUES ($1, $2, 't', 'text', 'text/plain', 1, 'x', 'k')",
                         2, m),
                     EM_OK);
    const char *q[] = {"01900000-0000-7000-8000-000000000003", u[0], m[0]};
    assert_int_equal(run(f->d,
                         "INSERT INTO questions (id, user_id, material_id, type, stem) "
                         "VALUES ($1, $2, $3, 'short_answer', 'why?')",
                         3, q),
                     EM_OK);
    const char *t1[] = {"topic.cells", q[0]}, *t2[] = {"biology.cells", q[0]};
    assert_int_equal(run(f->d, "INSERT INTO question_tags (tag, question_id) VALUES ($1, $2)", 2, t1), EM_OK);
    assert_int_equal(run(f->d, "INSERT INTO question_tags (tag, question_id) VALUES ($1, $2)", 2, t2), EM_OK);
    up_ok(f->d, 8, 1);
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(f->d,
                                "SELECT tag, source, score IS NULL, confirmed FROM question_tags ORDER BY tag", &st,
                                &err),
                     EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "biology.cells");
    assert_string_equal(db_column_text(st, 1), "uploader");
    assert_true(db_column_bool(st, 2));
    assert_false(db_column_bool(st, 3));
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "topic.cells");
    assert_string_equal(db_column_text(st, 1), "heading");
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_finalize(st);
    /* the source is one of four */
    const char *bad[] = {"other", q[0]};
    assert_true(run(f->d, "INSERT INTO question_tags (tag, question_id, source) VALUES ($1, $2, 'typed')", 2, bad) <
                0);
}

static void test_migrate_up_to_latest(void **state)
{
    fixture *f = fx(state);
    assert_schema_at(f->d, 0);
    up_ok(f->d, 0, LATEST);
    assert_schema_at(f->d, LATEST);
    up_ok(f->d, 0, 0); /* nothing pending */
    up_ok(f->d, 1, 0); /* already past the target */
    assert_schema_at(f->d, LATEST);
    em_error err = {0};
    assert_int_equal(db_ping(f->d, &err), EM_OK);
}

static void test_migrate_status(void **state)
{
    fixture *f = fx(state);
    migration_info info[32];
    size_t n = 99;
    em_error err = {0};
    assert_int_equal(migrate_status(f->d, info, 32, &n, &err), EM_OK);
    assert_int_equal(n, (size_t)LATEST);
    assert_false(info[0].applied);
    assert_string_equal(info[0].applied_at, "");

    up_ok(f->d, 1, 1);
    assert_schema_at(f->d, 1);
    assert_int_equal(migrate_status(f->d, info, 32, &n, &err), EM_OK);
    assert_int_equal(n, (size_t)LATEST);
    assert_int_equal(info[0].version, 1);
    assert_string_equal(info[0].name, "init");
    assert_true(info[0].applied);
    /* ISO-8601 UTC on both backends: 2026-11-21T23:52:11.123Z */
    assert_int_equal(strlen(info[0].applied_at), 24);
    assert_int_equal(info[0].applied_at[10], 'T');
    assert_int_equal(info[0].applied_at[23], 'Z');
    assert_int_equal(info[1].version, 2);
    assert_string_equal(info[1].name, "study_topics");
    assert_false(info[1].applied);

    assert_int_equal(migrate_status(f->d, info, 1, &n, &err), EM_OK); /* room for one */
    assert_int_equal(n, 1);
}

static void test_migrate_down_one(void **state)
{
    fixture *f = fx(state);
    up_ok(f->d, 0, LATEST);
    down_ok(f->d, 1, 1);
    assert_schema_at(f->d, LATEST - 1);
    up_ok(f->d, 0, 1);
    assert_schema_at(f->d, LATEST);
}

static void test_migrate_down_all(void **state)
{
    fixture *f = fx(state);
    up_ok(f->d, 0, LATEST);
    down_ok(f->d, LATEST + 5, LATEST); /* more than there are: stops at 0 */
    assert_schema_at(f->d, 0);
    down_ok(f->d, 1, 0);
    assert_schema_at(f->d, 0);
}

static void test_migrate_up_down_up(void **state)
{
    fixture *f = fx(state);
    for (int round = 0; round < 2; round++) {
        up_ok(f->d, 0, LATEST);
        assert_schema_at(f->d, LATEST);
        down_ok(f->d, LATEST, LATEST);
        assert_schema_at(f->d, 0);
    }
    up_ok(f->d, 1, 1);
    assert_schema_at(f->d, 1);
    up_ok(f->d, 2, 1);
    assert_schema_at(f->d, 2);
}

static void test_migrate_bad_arguments(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    int n = -1;
    assert_int_equal(migrate_up(f->d, LATEST + 1, &n, &err), EM_E_INVAL);
    assert_int_equal(n, 0);
    assert_int_equal(migrate_down(f->d, 0, &n, &err), EM_E_INVAL);
    assert_int_equal(migrate_up(f->d, 0, NULL, &err), EM_OK);
    assert_int_equal(migrate_down(f->d, 1, NULL, &err), EM_OK);
    assert_schema_at(f->d, LATEST - 1);
}

/* The embedded list plus extra migrations of the test's own. */
static migration_src *list_with(const migration_src *extra, size_t n_extra, size_t *n)
{
    size_t base = migrate__sqlite_count;
    const migration_src *embedded = migrate__sqlite_list;
    migration_src *list = calloc(base + n_extra, sizeof *list);
    assert_non_null(list);
    for (size_t i = 0; i < base; i++)
        list[i] = embedded[i];
    for (size_t i = 0; i < n_extra; i++)
        list[base + i] = extra[i];
    *n = base + n_extra;
    return list;
}

static void use_dialect(migration_src *list, size_t n, db_dialect dialect)
{
    for (size_t i = 0; i < n && i < migrate__pg_count; i++) {
        if (dialect == DB_POSTGRES)
            list[i] = migrate__pg_list[i];
    }
}

static void test_migrate_failure_leaves_version(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    int applied = -1;
    size_t n = 0;
    const migration_src broken = {
        LATEST + 1, "broken",
        "CREATE TABLE extra (x INTEGER);\nINSERT INTO extra VALUES (1);\n"
        "SELECT * FROM no_such_table;\n",
        "DROP TABLE extra;\n"};
    migration_src *list = list_with(&broken, 1, &n);
    use_dialect(list, n, f->kind);

    int rc = migrate__up_sources(f->d, list, n, 0, &applied, &err);
    assert_int_equal(rc, EM_E_DB);
    assert_int_equal(err.code, EM_E_DB);
    assert_int_equal(applied, LATEST); /* the embedded ones went in before the broken one failed */
    char want[64];
    snprintf(want, sizeof want, "migration %04d_broken failed", LATEST + 1);
    assert_non_null(strstr(err.msg, want));
    assert_null(strstr(err.msg, "no_such_table"));
    assert_schema_at(f->d, LATEST);
    assert_false(table_exists(f->d, "extra"));
    /* The connection is usable afterwards, outside any transaction. */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    db_rollback(f->d);

    /* A down that fails keeps its row too. */
    const migration_src bad_down = {LATEST + 1, "bad_down", "CREATE TABLE extra (x INTEGER);\n",
                                    "DROP TABLE no_such_table;\n"};
    list[LATEST] = bad_down;
    assert_int_equal(migrate__up_sources(f->d, list, n, 0, &applied, &err), EM_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(current(f->d), LATEST + 1);
    assert_int_equal(migrate__down_sources(f->d, list, n, 1, &applied, &err), EM_E_DB);
    snprintf(want, sizeof want, "migration %04d_bad_down failed", LATEST + 1);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(applied, 0);
    assert_int_equal(current(f->d), LATEST + 1);
    assert_true(table_exists(f->d, "extra"));
    free(list);
}

static void test_migrate_refuses_newer_schema(void **state)
{
    fixture *f = fx(state);
    em_error err = {0};
    int applied = -1;
    size_t n = 0;
    const migration_src future = {LATEST + 1, "future", "CREATE TABLE future_things (x INTEGER);\n",
                                  "DROP TABLE future_things;\n"};
    migration_src *list = list_with(&future, 1, &n);
    use_dialect(list, n, f->kind);
    assert_int_equal(migrate__up_sources(f->d, list, n, 0, &applied, &err), EM_OK);
    assert_int_equal(applied, LATEST + 1);

    /* The binary knows LATEST migrations; the database is one ahead. */
    assert_int_equal(migrate_up(f->d, 0, &applied, &err), EM_E_CONFIG);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err.msg, "newer"));
    assert_int_equal(migrate_down(f->d, 1, &applied, &err), EM_E_CONFIG);
    assert_int_equal(applied, 0);
    assert_int_equal(current(f->d), LATEST + 1);
    assert_true(table_exists(f->d, "future_things"));

    migration_info info[16];
    size_t count = 0;
    assert_int_equal(migrate_status(f->d, info, 16, &count, &err), EM_OK);
    assert_int_equal(count, (size_t)LATEST);
    assert_true(info[0].applied && info[LATEST - 1].applied);

    assert_int_equal(migrate__status_sources(f->d, list, n, info, 16, &count, &err), EM_OK);
    assert_int_equal(count, (size_t)LATEST + 1);
    assert_true(info[LATEST].applied);
    assert_string_equal(info[LATEST].name, "future");

    assert_int_equal(migrate__down_sources(f->d, list, n, LATEST + 1, &applied, &err), EM_OK);
    assert_int_equal(applied, LATEST + 1);
    assert_schema_at(f->d, 0);
    assert_false(table_exists(f->d, "future_things"));
    free(list);
}

/* The schema does what the domain relies on, the same on both dialects. */
static void test_migrate_schema_constraints(void **state)
{
    fixture *f = fx(state);
    up_ok(f->d, 0, LATEST);
    const char *u1[] = {"u1", "a@example.com"};
    const char *u2[] = {"u2", "b@example.com"};
    const char *dup[] = {"u3", "a@example.com"};
    const char *ins_user = "INSERT INTO users (id, email) VALUES ($1, $2)";
    assert_int_equal(run(f->d, ins_user, 2, u1), EM_OK);
    assert_int_equal(run(f->d, ins_user, 2, u2), EM_OK);
    assert_int_equal(run(f->d, ins_user, 2, dup), EM_E_CONFLICT);
    const char *badrole[] = {"u4", "c@example.com", "root"};
    assert_int_equal(run(f->d, "INSERT INTO users (id, email, role) VALUES ($1, $2, $3)", 3,
                         badrole),
                     EM_E_CONFLICT);

    /* Defaults: role, is_active, display_name, ISO timestamps. */
    db_stmt *st = NULL;
    em_error err = {0};
    assert_int_equal(db_prepare(f->d,
                                "SELECT role, is_active, display_name, created_at, password_hash "
                                "FROM users WHERE id = $1",
                                &st, &err),
                     EM_OK);
    assert_int_equal(db_bind_text(st, 1, "u1"), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), "student");
    assert_true(db_column_bool(st, 1));
    assert_string_equal(db_column_text(st, 2), "");
    const char *created = db_column_text(st, 3);
    assert_int_equal(strlen(created), 24);
    assert_int_equal(created[10], 'T');
    assert_int_equal(created[23], 'Z');
    assert_true(db_column_is_null(st, 4));
    db_finalize(st);

    const char *s1[] = {"s1", "u1", "{\"k\": 1}"};
    assert_int_equal(run(f->d,
                         "INSERT INTO study_sessions (id, user_id, metadata) VALUES ($1, $2, $3)",
                         3, s1),
                     EM_OK);
    const char *badjson[] = {"s2", "u1", "{not json"};
    int rc = run(f->d, "INSERT INTO study_sessions (id, user_id, metadata) VALUES ($1, $2, $3)",
                 3, badjson);
    assert_true(rc == EM_E_CONFLICT || rc == EM_E_INVAL); /* CHECK (sqlite) / bad jsonb (pg) */
    const char *nouser[] = {"s3", "nobody", "{}"};
    assert_int_equal(run(f->d,
                         "INSERT INTO study_sessions (id, user_id, metadata) VALUES ($1, $2, $3)",
                         3, nouser),
                     EM_E_CONFLICT);

    const char *ins_topic =
        "INSERT INTO topics (id, user_id, session_id, name, mastery_score) "
        "VALUES ($1, $2, $3, $4, $5)";
    const char *t1[] = {"t1", "u1", "s1", "Algebra", "0.5"};
    const char *t2[] = {"t2", "u1", NULL, "Loose", "0"};
    const char *other[] = {"t3", "u2", "s1", "Not yours", "0"}; /* u1's session */
    const char *toohigh[] = {"t4", "u1", "s1", "Over", "1.5"};
    assert_int_equal(run(f->d, ins_topic, 5, t1), EM_OK);
    assert_int_equal(run(f->d, ins_topic, 5, t2), EM_OK);
    assert_int_equal(run(f->d, ins_topic, 5, other), EM_E_CONFLICT);
    assert_int_equal(run(f->d, ins_topic, 5, toohigh), EM_E_CONFLICT);

    /* Accounts: token hashes are unique, nobody tutors themself, audit rows stay. */
    const char *ins_rt = "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) "
                         "VALUES ($1, $2, $3, $4, $5)";
    const char *rt1[] = {"r1", "u1", "f1", "hash-1", "2030-01-01T00:00:00.000Z"};
    const char *rt_dup[] = {"r2", "u1", "f1", "hash-1", "2030-01-01T00:00:00.000Z"};
    assert_int_equal(run(f->d, ins_rt, 5, rt1), EM_OK);
    assert_int_equal(run(f->d, ins_rt, 5, rt_dup), EM_E_CONFLICT);
    const char *ins_ts = "INSERT INTO tutor_students (tutor_id, student_id) VALUES ($1, $2)";
    const char *assign[] = {"u2", "u1"};
    const char *self[] = {"u1", "u1"};
    assert_int_equal(run(f->d, ins_ts, 2, assign), EM_OK);
    assert_int_equal(run(f->d, ins_ts, 2, assign), EM_E_CONFLICT);
    assert_int_equal(run(f->d, ins_ts, 2, self), EM_E_CONFLICT);
    const char *audit[] = {"a1", "login_ok", "u1", "{\"ip\":\"127.0.0.1\"}"};
    assert_int_equal(run(f->d, "INSERT INTO audit_log (id, event, user_id, detail) VALUES ($1, $2, $3, $4)",
                         4, audit),
                     EM_OK);

    /* Deleting the user removes everything it owns, and keeps the audit trail. */
    const char *who[] = {"u1"};
    assert_int_equal(run(f->d, "DELETE FROM users WHERE id = $1", 1, who), EM_OK);
    assert_int_equal(db_prepare(f->d,
                                "SELECT (SELECT count(*) FROM topics) + "
                                "(SELECT count(*) FROM study_sessions) + "
                                "(SELECT count(*) FROM refresh_tokens) + "
                                "(SELECT count(*) FROM tutor_students)",
                                &st, &err),
                     EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_int_equal(db_column_int64(st, 0), 0);
    db_finalize(st);
    assert_int_equal(db_prepare(f->d, "SELECT user_id, event FROM audit_log", &st, &err), EM_OK);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_true(db_column_is_null(st, 0));
    assert_string_equal(db_column_text(st, 1), "login_ok");
    db_finalize(st);
}

/* Several instances starting at once: each migration is applied exactly once. */
typedef struct racer {
    const char *url;
    int rc;                 /* OUT */
    int applied;            /* OUT */
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    db *d = NULL;
    em_error err = {0};
    db_options opts = {.timeout_ms = 10000};
    r->rc = db_open(r->url, &opts, &d, &err);
    if (r->rc == EM_OK)
        r->rc = migrate_up(d, 0, &r->applied, &err);
    db_close(d);
    return NULL;
}

static void test_migrate_concurrent_starters(void **state)
{
    fixture *f = fx(state);
    enum { N = 4 };
    racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){.url = f->url};
        assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(r[i].rc, EM_OK);
        total += r[i].applied;
    }
    assert_int_equal(total, LATEST);
    assert_schema_at(f->d, LATEST);
}

#define BOTH(fn)                                                                       \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                        \
    {"pg_" #fn, fn, setup, teardown, (void *)&kind_pg}

int main(void)
{
    if (getenv("EM_TEST_LOG") != NULL)
        log_configure(LOG_DEBUG, 2);
    else
        log_configure(LOG_DEBUG, -1); /* exercise the log paths, print nothing */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_latest),
        BOTH(test_migrate_up_to_latest),
        BOTH(test_migrate_status),
        BOTH(test_migrate_down_one),
        BOTH(test_migrate_down_all),
        BOTH(test_migrate_up_down_up),
        BOTH(test_migrate_bad_arguments),
        BOTH(test_migrate_failure_leaves_version),
        BOTH(test_migrate_down_restores_schema),
        BOTH(test_migrate_refuses_newer_schema),
        BOTH(test_migrate_schema_constraints),
        BOTH(test_migrate_concurrent_starters),
        BOTH(test_migrate_curricula_marks_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
