/* mastery: a student's topics on SQLite and PostgreSQL: listing (oldest
 * first, limited), adding and inserting (validation, a missing user), and who
 * may see and add them by the one rule, a demoted tutor included; a study
 * session's topics kept in line with a list of names, their mastery kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "auth/authz.h"
#include "study/mastery.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"
#define REVIEW "2030-01-02T03:04:05.678Z"

typedef struct cast {
    char owner[37], tutor[37], idle_tutor[37], stranger[37], admin[37];
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
}

typedef struct rows {
    size_t n;
    char id[8][37], user_id[8][37], name[8][64], review[8][40];
    double mastery[8];
    bool has_review[8];
} rows;

static void collect(void *ctx, const mastery_topic *t)
{
    rows *r = ctx;
    assert_true(r->n < 8);
    size_t i = r->n++;
    snprintf(r->id[i], sizeof r->id[i], "%s", t->id);
    snprintf(r->user_id[i], sizeof r->user_id[i], "%s", t->user_id);
    snprintf(r->name[i], sizeof r->name[i], "%s", t->name);
    r->mastery[i] = t->mastery;
    r->has_review[i] = t->next_review_at != NULL;
    snprintf(r->review[i], sizeof r->review[i], "%s", t->next_review_at ? t->next_review_at : "");
}

static int list(db *d, const principal *who, const char *user_id, int limit, rows *r, em_error *err)
{
    memset(r, 0, sizeof *r);
    size_t count = 99;
    int rc = mastery_list(d, who, user_id, limit, collect, r, &count, err);
    assert_int_equal(count, rc == EM_OK ? r->n : 0);
    return rc;
}

static int64_t topics_of(db *d, const char *user_id)
{
    const char *p[] = {user_id};
    return area_int(d, "SELECT count(*) FROM topics WHERE user_id = $1", p, 1);
}

static void study_mastery_list_order_and_visibility(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    em_error err = {0};
    char ids[4][37], other[37];
    assert_int_equal(mastery_insert(f->d, c.owner, "Cells", 0.25, NULL, ids[0], &err), EM_OK);
    assert_int_equal(mastery_insert(f->d, c.owner, "Photosynthesis", 1.0, REVIEW, ids[1], &err), EM_OK);
    assert_int_equal(mastery_add(f->d, &owner, c.owner, "Respiration", 0.0, ids[2], &err), EM_OK);
    assert_int_equal(mastery_insert(f->d, c.stranger, "Not the owner's", 0.5, NULL, other, &err), EM_OK);
    assert_int_equal(mastery_add(f->d, &owner, c.owner, "Genetics", 0.75, ids[3], &err), EM_OK);
    /* oldest first, every field */
    rows r;
    assert_int_equal(list(f->d, &owner, c.owner, MASTERY_PAGE_MAX, &r, &err), EM_OK);
    assert_int_equal(r.n, 4);
    const char *names[] = {"Cells", "Photosynthesis", "Respiration", "Genetics"};
    const double values[] = {0.25, 1.0, 0.0, 0.75};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(r.id[i], ids[i]);
        assert_string_equal(r.user_id[i], c.owner);
        assert_string_equal(r.name[i], names[i]);
        assert_true(r.mastery[i] == values[i]);
    }
    assert_false(r.has_review[0]);
    assert_true(r.has_review[1]);
    assert_string_equal(r.review[1], REVIEW);
    assert_false(r.has_review[2]);
    /* limited */
    assert_int_equal(list(f->d, &owner, c.owner, 2, &r, &err), EM_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.id[1], ids[1]);
    assert_int_equal(list(f->d, &owner, c.owner, 1, &r, &err), EM_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.id[0], ids[0]);
    /* who may see them */
    principal tutor = area_principal(c.tutor, "tutor");
    principal admin = area_principal(c.admin, "admin");
    assert_int_equal(list(f->d, &tutor, c.owner, 10, &r, &err), EM_OK);
    assert_int_equal(r.n, 4);
    assert_int_equal(list(f->d, &admin, c.owner, 10, &r, &err), EM_OK);
    assert_int_equal(r.n, 4);
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal demoted = area_principal(c.tutor, "student"); /* the tutor's role now */
    const principal *refused[] = {&idle, &stranger, &demoted};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(list(f->d, refused[i], c.owner, 10, &r, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such user");
        assert_int_equal(r.n, 0);
    }
    /* the stranger sees their own, and only it */
    assert_int_equal(list(f->d, &stranger, c.stranger, 10, &r, &err), EM_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.id[0], other);
    /* a user without topics, and one that does not exist (as a refusal) */
    assert_int_equal(list(f->d, &admin, c.idle_tutor, 10, &r, &err), EM_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(list(f->d, &admin, NOBODY, 10, &r, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such user");
    assert_int_equal(list(f->d, &stranger, NOBODY, 10, &r, &err), EM_E_NOT_FOUND);
    /* malformed */
    assert_int_equal(list(f->d, &owner, "me", 10, &r, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, NULL, 10, &r, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, c.owner, 0, &r, &err), EM_E_INVAL);
    assert_int_equal(list(f->d, &owner, c.owner, MASTERY_PAGE_MAX + 1, &r, &err), EM_E_INVAL);
}

/* A refused add or insert: EM_E_INVAL, validation_error, the field named. */
static void expect_invalid(int rc, const em_error *err, const char *field)
{
    assert_int_equal(rc, EM_E_INVAL);
    assert_non_null(err->reason);
    assert_string_equal(err->reason, EM_REASON_VALIDATION);
    if (strstr(err->msg, field) == NULL)
        fail_msg("\"%s\" does not name %s", err->msg, field);
}

static void study_mastery_add_validates_and_checks_access(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    em_error err = {0};
    char id[37];
    char long_name[MASTERY_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    expect_invalid(mastery_add(f->d, &owner, c.owner, "", 0.5, id, &err), &err, "name");
    expect_invalid(mastery_add(f->d, &owner, c.owner, NULL, 0.5, id, &err), &err, "name");
    expect_invalid(mastery_add(f->d, &owner, c.owner, long_name, 0.5, id, &err), &err, "name");
    const double bad[] = {-0.01, 1.01, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_invalid(mastery_add(f->d, &owner, c.owner, "Cells", bad[i], id, &err), &err, "mastery");
    expect_invalid(mastery_add(f->d, &owner, "me", "Cells", 0.5, id, &err), &err, "user_id");
    expect_invalid(mastery_add(f->d, &owner, NULL, "Cells", 0.5, id, &err), &err, "user_id");
    assert_int_equal(topics_of(f->d, c.owner), 0);
    /* the bounds are in */
    long_name[MASTERY_NAME_MAX] = '\0';
    assert_int_equal(mastery_add(f->d, &owner, c.owner, long_name, 0.0, id, &err), EM_OK);
    assert_true(id_is_uuid(id));
    assert_int_equal(mastery_add(f->d, &owner, c.owner, "x", 1.0, id, &err), EM_OK);
    /* others: an assigned tutor and an admin may add, nobody else */
    principal tutor = area_principal(c.tutor, "tutor");
    principal admin = area_principal(c.admin, "admin");
    assert_int_equal(mastery_add(f->d, &tutor, c.owner, "From the tutor", 0.5, id, &err), EM_OK);
    const char *p[] = {id};
    char *who = area_text(f->d, "SELECT user_id FROM topics WHERE id = $1", p, 1);
    assert_string_equal(who, c.owner);
    free(who);
    assert_int_equal(mastery_add(f->d, &admin, c.owner, "From the admin", 0.5, id, &err), EM_OK);
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal demoted = area_principal(c.tutor, "student");
    const principal *refused[] = {&idle, &stranger, &demoted};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mastery_add(f->d, refused[i], c.owner, "Sneaky", 0.5, id, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such user");
    }
    assert_int_equal(topics_of(f->d, c.owner), 4);
    /* an admin naming an account that does not exist */
    assert_int_equal(mastery_add(f->d, &admin, NOBODY, "Orphan", 0.5, id, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such user");
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM topics", NULL, 0), 4);
}

static void study_mastery_insert(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    em_error err = {0};
    char id[37];
    assert_int_equal(mastery_insert(f->d, c.owner, "Cells", 0.5, REVIEW, id, &err), EM_OK);
    assert_true(id_is_uuid(id));
    const char *p[] = {id};
    char *review = area_text(f->d, "SELECT next_review_at FROM topics WHERE id = $1", p, 1);
    assert_string_equal(review, REVIEW);
    free(review);
    /* a user that does not exist (or no longer does) */
    assert_int_equal(mastery_insert(f->d, NOBODY, "Cells", 0.5, NULL, id, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such user");
    expect_invalid(mastery_insert(f->d, c.owner, "", 0.5, NULL, id, &err), &err, "name");
    expect_invalid(mastery_insert(f->d, c.owner, "Cells", 2.0, NULL, id, &err), &err, "mastery");
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM topics", NULL, 0), 1);
    /* topics go with their user */
    const char *u[] = {c.owner};
    area_run(f->d, "DELETE FROM users WHERE id = $1", u, 1);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM topics", NULL, 0), 0);
}

typedef struct names_seen {
    size_t n;
    char name[8][64], id[8][37];
    double mastery[8];
} names_seen;

static void collect_session_topic(void *ctx, const mastery_topic *t)
{
    names_seen *s = ctx;
    assert_true(s->n < 8);
    size_t i = s->n++;
    snprintf(s->name[i], sizeof s->name[i], "%s", t->name);
    snprintf(s->id[i], sizeof s->id[i], "%s", t->id);
    s->mastery[i] = t->mastery;
}

static void study_mastery_sync_session(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char session[37];
    id_uuid7(session);
    const char *sp[] = {session, c.owner};
    area_run(f->d, "INSERT INTO study_sessions (id, user_id) VALUES ($1, $2)", sp, 2);
    em_error err = {0};
    /* names once each; an empty one has no row */
    const char *first[] = {"Cells", "Genes", "Cells", ""};
    assert_int_equal(mastery_sync_session(f->d, c.owner, session, first, 4, &err), EM_OK);
    names_seen s = {0};
    assert_int_equal(mastery_session_topics(f->d, session, collect_session_topic, &s, &err), EM_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.name[0], "Cells");
    assert_string_equal(s.name[1], "Genes");
    assert_true(s.mastery[0] == 0.0);
    char cells_id[37];
    snprintf(cells_id, sizeof cells_id, "%s", s.id[0]);
    assert_int_equal(mastery_set_session_topic(f->d, session, "Cells", 0.5, &err), EM_OK);
    assert_int_equal(mastery_set_session_topic(f->d, session, "Cells", 1.5, &err), EM_E_INVAL);
    /* Genes goes, Optics comes, Cells stays with its row and mastery */
    const char *second[] = {"Optics", "Cells"};
    assert_int_equal(mastery_sync_session(f->d, c.owner, session, second, 2, &err), EM_OK);
    memset(&s, 0, sizeof s);
    assert_int_equal(mastery_session_topics(f->d, session, collect_session_topic, &s, &err), EM_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.name[0], "Cells");
    assert_string_equal(s.id[0], cells_id);
    assert_true(s.mastery[0] == 0.5);
    assert_string_equal(s.name[1], "Optics");
    /* the student's own list shows them too: one home for mastery */
    assert_int_equal(topics_of(f->d, c.owner), 2);
    /* nothing left */
    assert_int_equal(mastery_sync_session(f->d, c.owner, session, NULL, 0, &err), EM_OK);
    assert_int_equal(topics_of(f->d, c.owner), 0);
    /* a session that does not exist */
    assert_int_equal(mastery_sync_session(f->d, c.owner, NOBODY, first, 1, &err), EM_E_NOT_FOUND);
    assert_int_equal(topics_of(f->d, c.owner), 0);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_mastery_list_order_and_visibility),
        BOTH(study_mastery_add_validates_and_checks_access),
        BOTH(study_mastery_insert),
        BOTH(study_mastery_sync_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
