/* refresh: refresh token families (rotation, reuse detection, expiry,
 * logout), on SQLite and PostgreSQL. The authorization rule's tests are in
 * test_auth_authz.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "auth/refresh.h"
#include "auth/users.h"
#include "core/clock.h"
#include "core/log.h"
#include "db/migrate.h"

#include "db_fixture.h"

#define DAY_MS (86400LL * 1000)

/* A migrated database with three accounts: a student, a tutor, another student. */
static void accounts(fixture *f, user *student, user *tutor, user *other)
{
    em_error err = {0};
    int applied = 0;
    if (migrate_up(f->d, 0, &applied, &err) != EM_OK)
        fail_msg("migrate: %s", err.msg);
    assert_int_equal(users_create(f->d, "s@example.org", NULL, "S", "student", student, &err), EM_OK);
    assert_int_equal(users_create(f->d, "t@example.org", NULL, "T", "tutor", tutor, &err), EM_OK);
    assert_int_equal(users_create(f->d, "o@example.org", NULL, "O", "student", other, &err), EM_OK);
}

static void auth_sessions_rotate_and_detect_reuse(void **state)
{
    fixture *f = fx(state);
    user s, t, o;
    accounts(f, &s, &t, &o);
    em_error err = {0};
    int64_t now = clock_now_ms();
    char first[REFRESH_TOKEN_LEN + 1], second[REFRESH_TOKEN_LEN + 1], third[REFRESH_TOKEN_LEN + 1];
    char owner[37];
    assert_int_equal(refresh_start(f->d, s.id, now, 30, first, NULL, &err), EM_OK);
    assert_int_equal(strlen(first), REFRESH_TOKEN_LEN);
    assert_int_equal(refresh_rotate(f->d, first, now + 1000, 30, second, owner, NULL, &err), EM_OK);
    assert_string_equal(owner, s.id);
    assert_string_not_equal(first, second);
    assert_int_equal(refresh_rotate(f->d, second, now + 2000, 30, third, owner, NULL, &err), EM_OK);
    /* the first token again: reuse, the family is revoked, its owner named */
    memset(owner, 0, sizeof owner);
    assert_int_equal(refresh_rotate(f->d, first, now + 3000, 30, second, owner, NULL, &err), EM_E_CONFLICT);
    assert_string_equal(owner, s.id);
    /* ... so the newest one is dead too */
    assert_int_equal(refresh_rotate(f->d, third, now + 4000, 30, second, owner, NULL, &err), EM_E_NOT_FOUND);
    /* only hashes are stored */
    db_stmt *st = NULL;
    assert_int_equal(db_prepare(f->d, "SELECT count(*) FROM refresh_tokens WHERE token_hash = $1 OR token_hash = $2",
                                &st, &err),
                     EM_OK);
    db_bind_text(st, 1, first);
    db_bind_text(st, 2, third);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_int_equal(db_column_int64(st, 0), 0);
    db_finalize(st);
}

static void auth_sessions_expiry_logout_and_garbage(void **state)
{
    fixture *f = fx(state);
    user s, t, o;
    accounts(f, &s, &t, &o);
    em_error err = {0};
    int64_t now = clock_now_ms();
    char tok[REFRESH_TOKEN_LEN + 1], next[REFRESH_TOKEN_LEN + 1], owner[37];
    /* expired after its days */
    assert_int_equal(refresh_start(f->d, s.id, now, 1, tok, NULL, &err), EM_OK);
    assert_int_equal(refresh_rotate(f->d, tok, now + 2 * DAY_MS, 1, next, owner, NULL, &err), EM_E_NOT_FOUND);
    /* logout revokes the family and names its owner */
    assert_int_equal(refresh_start(f->d, s.id, now, 30, tok, NULL, &err), EM_OK);
    assert_int_equal(refresh_revoke(f->d, tok, now, owner, &err), EM_OK);
    assert_string_equal(owner, s.id);
    assert_int_equal(refresh_rotate(f->d, tok, now, 30, next, owner, NULL, &err), EM_E_NOT_FOUND);
    /* revoking every session of a user */
    char a[REFRESH_TOKEN_LEN + 1], b[REFRESH_TOKEN_LEN + 1], c[REFRESH_TOKEN_LEN + 1];
    assert_int_equal(refresh_start(f->d, s.id, now, 30, a, NULL, &err), EM_OK);
    assert_int_equal(refresh_start(f->d, s.id, now, 30, b, NULL, &err), EM_OK);
    assert_int_equal(refresh_start(f->d, o.id, now, 30, c, NULL, &err), EM_OK);
    assert_int_equal(refresh_revoke_user(f->d, s.id, now, &err), EM_OK);
    assert_int_equal(refresh_rotate(f->d, a, now, 30, next, owner, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(refresh_rotate(f->d, b, now, 30, next, owner, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(refresh_rotate(f->d, c, now, 30, next, owner, NULL, &err), EM_OK); /* someone else's: fine */
    /* the owner of any known token, even a revoked one */
    assert_int_equal(refresh_owner(f->d, a, owner, &err), EM_OK);
    assert_string_equal(owner, s.id);
    assert_int_equal(refresh_owner(f->d, "unknown-token", owner, &err), EM_E_NOT_FOUND);
    /* garbage */
    assert_int_equal(refresh_rotate(f->d, "", now, 30, next, owner, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(refresh_rotate(f->d, "x' OR '1'='1", now, 30, next, owner, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(refresh_revoke(f->d, "nope", now, NULL, &err), EM_E_NOT_FOUND);
}

#define BOTH(fn)                                                                       \
    {"sqlite_" #fn, fn, setup, teardown, (void *)&kind_sqlite},                        \
    {"pg_" #fn, fn, setup, teardown, (void *)&kind_pg}

int main(void)
{
    log_configure(LOG_ERROR, -1);
    const struct CMUnitTest tests[] = {
        BOTH(auth_sessions_rotate_and_detect_reuse),
        BOTH(auth_sessions_expiry_logout_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
