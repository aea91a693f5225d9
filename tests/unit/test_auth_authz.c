/* authz: the one authorization rule, on SQLite and PostgreSQL. Its two forms,
 * authz_can_view and AUTHZ_VISIBLE_SQL, give the same answer for every caller
 * (each role on each account), every owner and every relation (owner, assigned
 * tutor, unassigned tutor, stranger, admin); the caller's role is the current
 * one, so a demoted tutor sees nothing of former students; assignments check
 * roles and are idempotent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/authz.h"
#include "auth/users.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

/* The accounts of the matrix. */
typedef struct cast {
    char admin[37], tutor[37], idle_tutor[37], student[37], stranger[37], demoted[37];
} cast;

static void make_cast(db *d, cast *c)
{
    area_user(d, "admin@example.org", "admin", c->admin);
    area_user(d, "tutor@example.org", "tutor", c->tutor);
    area_user(d, "idle@example.org", "tutor", c->idle_tutor);
    area_user(d, "student@example.org", "student", c->student);
    area_user(d, "stranger@example.org", "student", c->stranger);
    area_user(d, "demoted@example.org", "tutor", c->demoted);
    em_error err = {0};
    bool created = false;
    assert_int_equal(authz_assign_student(d, c->tutor, c->student, &created, &err), EM_OK);
    assert_true(created);
    assert_int_equal(authz_assign_student(d, c->demoted, c->student, &created, &err), EM_OK);
    assert_int_equal(authz_assign_student(d, c->demoted, c->stranger, &created, &err), EM_OK);
}

/* A table of owned rows, one per owner. Owner columns are NOT NULL in the
 * schema (authz_can_view answers false for a NULL owner, even to an admin,
 * where the SQL form has no such row to answer for). */
static void make_things(db *d, const char *const *owners, size_t n)
{
    area_exec(d, "CREATE TABLE things (n INTEGER PRIMARY KEY, owner TEXT)");
    for (size_t i = 0; i < n; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu", i);
        const char *p[] = {num, owners[i]};
        area_run(d, "INSERT INTO things (n, owner) VALUES (CAST($1 AS INTEGER), $2)", p, 2);
    }
}

/* The rule's SQL form for one row. */
static bool sql_visible(db *d, const principal *who, size_t row)
{
    char num[24];
    snprintf(num, sizeof num, "%zu", row);
    const char *p[] = {who->user_id, who->role, num};
    return area_int(d,
                    "SELECT count(*) FROM things WHERE n = CAST($3 AS INTEGER) AND " AUTHZ_VISIBLE_SQL(
                        "owner", "$1", "$2"),
                    p, 3) == 1;
}

/* The rule's SQL form over the whole table: which rows a listing returns. */
static void sql_listing(db *d, const principal *who, bool *seen, size_t n)
{
    em_error err = {0};
    db_stmt *st = NULL;
    memset(seen, 0, n * sizeof *seen);
    int rc = db_prepare(d, "SELECT n FROM things WHERE " AUTHZ_VISIBLE_SQL("owner", "$1", "$2") " ORDER BY n",
                        &st, &err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, who->user_id);
    if (rc == EM_OK)
        rc = db_bind_text(st, 2, who->role);
    while (db_next(st, &rc, &err)) {
        int64_t i = db_column_int64(st, 0);
        assert_true(i >= 0 && (size_t)i < n);
        seen[i] = true;
    }
    db_finalize(st);
    if (rc != EM_OK)
        fail_msg("listing: %s", err.msg);
}

static bool can_view(db *d, const principal *who, const char *owner)
{
    em_error err = {0};
    bool allowed = true; /* must be set either way */
    if (authz_can_view(d, who, owner, &allowed, &err) != EM_OK)
        fail_msg("authz_can_view: %s", err.msg);
    return allowed;
}

static void auth_authz_forms_agree_for_every_caller_and_owner(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    const char *accounts[] = {c.admin, c.tutor, c.idle_tutor, c.student, c.stranger, c.demoted, NOBODY};
    const char *owners[] = {c.admin, c.tutor, c.idle_tutor, c.student, c.stranger, c.demoted, NOBODY};
    const size_t n_owners = sizeof owners / sizeof owners[0];
    make_things(f->d, owners, n_owners);
    const char *roles[] = {"student", "tutor", "admin"};
    int compared = 0;
    for (size_t a = 0; a < sizeof accounts / sizeof accounts[0]; a++) {
        for (size_t r = 0; r < 3; r++) {
            principal who = area_principal(accounts[a], roles[r]);
            bool listed[7];
            sql_listing(f->d, &who, listed, n_owners);
            for (size_t o = 0; o < n_owners; o++) {
                bool one = can_view(f->d, &who, owners[o]);
                bool sql = sql_visible(f->d, &who, o);
                if (one != sql || one != listed[o])
                    fail_msg("caller %s as %s, owner %s: authz_can_view %d, AUTHZ_VISIBLE_SQL %d, listing %d",
                             accounts[a], roles[r], owners[o], one, sql, listed[o]);
                /* and what the rule says, spelled out */
                bool want =
                    strcmp(roles[r], "admin") == 0 || strcmp(accounts[a], owners[o]) == 0 ||
                    (strcmp(roles[r], "tutor") == 0 &&
                     ((accounts[a] == c.tutor && owners[o] == c.student) ||
                      (accounts[a] == c.demoted && (owners[o] == c.student || owners[o] == c.stranger))));
                assert_int_equal(one, want);
                compared++;
            }
        }
    }
    assert_int_equal(compared, 7 * 3 * 7);
}

static void auth_authz_relations(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.student, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal admin = area_principal(c.admin, "admin");
    assert_true(can_view(f->d, &owner, c.student));
    assert_true(can_view(f->d, &tutor, c.student));
    assert_false(can_view(f->d, &idle, c.student));
    assert_false(can_view(f->d, &stranger, c.student));
    assert_true(can_view(f->d, &admin, c.student));
    assert_true(can_view(f->d, &admin, NOBODY));
    /* an assignment is one way: the student does not see the tutor's things */
    assert_false(can_view(f->d, &owner, c.tutor));
    assert_false(can_view(f->d, &tutor, c.idle_tutor));
    assert_false(can_view(f->d, &owner, NULL));
    assert_false(can_view(f->d, &admin, NULL));
    assert_true(authz_is_admin(&admin));
    assert_false(authz_is_admin(&tutor));
    /* the refusal form answers like a missing thing */
    em_error err = {0};
    assert_int_equal(authz_require_view(f->d, &tutor, c.student, "material", &err), EM_OK);
    assert_int_equal(authz_require_view(f->d, &idle, c.student, "material", &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such material");
    assert_int_equal(authz_require_view(f->d, &stranger, c.student, "question", &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such question");
}

/* The principal of an account as a request would see it: its stored role. */
static principal as_now(db *d, const char *id)
{
    user u;
    em_error err = {0};
    assert_int_equal(users_get_by_id(d, id, &u, &err), EM_OK);
    return area_principal(u.id, u.role);
}

static void auth_authz_demoted_tutor_sees_nothing(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    const char *owners[] = {c.student, c.stranger};
    make_things(f->d, owners, 2);
    principal before = as_now(f->d, c.demoted);
    assert_true(can_view(f->d, &before, c.student));
    assert_true(sql_visible(f->d, &before, 0));
    assert_true(sql_visible(f->d, &before, 1));
    /* demoted: the assignments are still there, the role is not */
    em_error err = {0};
    assert_int_equal(users_set_role_active(f->d, c.demoted, "student", -1, &err), EM_OK);
    principal after = as_now(f->d, c.demoted);
    assert_string_equal(after.role, "student");
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM tutor_students", NULL, 0), 3);
    assert_false(can_view(f->d, &after, c.student));
    assert_false(can_view(f->d, &after, c.stranger));
    assert_false(sql_visible(f->d, &after, 0));
    assert_false(sql_visible(f->d, &after, 1));
    assert_int_equal(authz_require_view(f->d, &after, c.student, "user", &err), EM_E_NOT_FOUND);
    /* and a tutor again: the assignments count again */
    assert_int_equal(users_set_role_active(f->d, c.demoted, "tutor", -1, &err), EM_OK);
    principal again = as_now(f->d, c.demoted);
    assert_true(can_view(f->d, &again, c.student));
    assert_true(sql_visible(f->d, &again, 0));
}

static void auth_authz_assign_student_checks_roles(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    em_error err = {0};
    bool created = true;
    const char *p[] = {c.idle_tutor};
    /* idempotent */
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, c.stranger, &created, &err), EM_OK);
    assert_true(created);
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, c.stranger, &created, &err), EM_OK);
    assert_false(created);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM tutor_students WHERE tutor_id = $1", p, 1), 1);
    /* the tutor must be a tutor, the student a student */
    created = true;
    assert_int_equal(authz_assign_student(f->d, c.student, c.stranger, &created, &err), EM_E_INVAL);
    assert_false(created);
    assert_non_null(strstr(err.msg, "not a tutor"));
    assert_int_equal(authz_assign_student(f->d, c.admin, c.stranger, &created, &err), EM_E_INVAL);
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, c.tutor, &created, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "not a student"));
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, c.admin, &created, &err), EM_E_INVAL);
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, c.idle_tutor, &created, &err), EM_E_INVAL);
    /* both must exist */
    assert_int_equal(authz_assign_student(f->d, NOBODY, c.stranger, &created, &err), EM_E_NOT_FOUND);
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, NOBODY, &created, &err), EM_E_NOT_FOUND);
    assert_int_equal(authz_assign_student(f->d, c.idle_tutor, "not-a-uuid", &created, &err), EM_E_NOT_FOUND);
    assert_false(created);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM tutor_students", NULL, 0), 4);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(auth_authz_forms_agree_for_every_caller_and_owner),
        BOTH(auth_authz_relations),
        BOTH(auth_authz_demoted_tutor_sees_nothing),
        BOTH(auth_authz_assign_student_checks_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
