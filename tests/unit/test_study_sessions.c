/* sessions: study sessions on SQLite and PostgreSQL: a session's owner and
 * materials by the one rule (write only for the owner). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/authz.h"
#include "study/sessions.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

typedef struct cast {
    char owner[37], tutor[37], idle_tutor[37], stranger[37], admin[37];
    char session[37];
} cast;

static void make_cast(db *d, cast *c)
{
    area_user(d, "owner@example.org", "student", c->owner);
    area_user(d, "tutor@example.org", "tutor", c->tutor);
    area_user(d, "idle@example.org", "tutor", c->idle_tutor);
    area_user(d, "stranger@example.org", "student", c->stranger);
    area_user(d, "admin@example.org", "admin", c->admin);
    em_error err = {0};
    bool created = false;
    assert_int_equal(authz_assign_student(d, c->tutor, c->owner, &created, &err), EM_OK);
    id_uuid7(c->session);
    const char *p[] = {c->session, c->owner};
    area_run(d, "INSERT INTO study_sessions (id, user_id, title) VALUES ($1, $2, 'Biology')", p, 2);
}

/* A material of user_id straight in SQL; its id to id. */
static void make_material(db *d, const char *user_id, const char *title, char id[37])
{
    id_uuid7(id);
    const char *p[] = {id, user_id, title};
    area_run(
        d,
        "INSERT INTO materials (id, user_id, title, kind, mime, size_bytes, sha256, storage_key, status) "
        "VALUES ($1, $2, $3, 'text', 'text/plain', 10, 'x', 'k', 'ready')",
        p, 3);
}

static void link_material(db *d, const char *session, const char *material, const char *user_id,
                          const char *pos)
{
    const char *p[] = {session, material, user_id, pos};
    area_run(d,
             "INSERT INTO session_materials (session_id, material_id, user_id, position) "
             "VALUES ($1, $2, $3, CAST($4 AS INTEGER))",
             p, 4);
}

static void study_sessions_materials_by_the_rule(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char m1[37], m2[37];
    make_material(f->d, c.owner, "Cells", m1);
    make_material(f->d, c.owner, "Genes", m2);
    link_material(f->d, c.session, m2, c.owner, "0");
    link_material(f->d, c.session, m1, c.owner, "1");

    principal owner = area_principal(c.owner, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal admin = area_principal(c.admin, "admin");
    principal demoted = area_principal(c.tutor, "student");
    char who[37];
    char **ids = NULL;
    size_t n = 0;
    em_error err = {0};

    /* the owner reads and writes; ids come in the student's order */
    for (int write = 0; write < 2; write++) {
        assert_int_equal(session_materials(f->d, &owner, c.session, write, who, &ids, &n, &err), EM_OK);
        assert_string_equal(who, c.owner);
        assert_int_equal(n, 2);
        assert_string_equal(ids[0], m2);
        assert_string_equal(ids[1], m1);
        session_ids_free(ids, n);
    }
    /* the assigned tutor and an admin read, never write */
    const principal *readers[] = {&tutor, &admin};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(session_materials(f->d, readers[i], c.session, false, who, &ids, &n, &err), EM_OK);
        assert_string_equal(who, c.owner);
        assert_int_equal(n, 2);
        session_ids_free(ids, n);
        assert_int_equal(session_materials(f->d, readers[i], c.session, true, who, &ids, &n, &err),
                         EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
        assert_null(ids);
        assert_int_equal(n, 0);
    }
    /* everyone else: the same answer as for a session that does not exist */
    const principal *others[] = {&idle, &stranger, &demoted};
    for (size_t i = 0; i < 3; i++) {
        for (int write = 0; write < 2; write++) {
            memset(&err, 0, sizeof err);
            assert_int_equal(session_materials(f->d, others[i], c.session, write, who, &ids, &n, &err),
                             EM_E_NOT_FOUND);
            assert_string_equal(err.msg, "no such session");
            assert_string_equal(who, "");
            assert_null(ids);
        }
    }
    const char *bad[] = {NOBODY, "not-an-id", "", NULL};
    for (size_t i = 0; i < 4; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(session_materials(f->d, &owner, bad[i], false, who, &ids, &n, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    /* a deleted material leaves the session */
    const char *p[] = {m2};
    area_run(f->d, "DELETE FROM materials WHERE id = $1", p, 1);
    assert_int_equal(session_materials(f->d, &owner, c.session, false, who, &ids, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], m1);
    session_ids_free(ids, n);
    session_ids_free(NULL, 0);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_sessions_materials_by_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
