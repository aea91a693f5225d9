/* chat: a session's history on SQLite and PostgreSQL: an exchange is stored
 * as two rows in one transaction, only by the session's owner; the recent
 * questions come oldest first; pages of the history with their cursor; the
 * history goes with its session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/authz.h"
#include "study/chat.h"
#include "study/sessions.h" /* session_ids_free */

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

static int64_t count_rows(db *d, const char *sql, const char *arg)
{
    const char *p[] = {arg};
    return area_int(d, sql, p, 1);
}

static void study_chat_append_and_recent(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    em_error err = {0};
    char q[32], a[32];
    for (int i = 1; i <= 4; i++) {
        snprintf(q, sizeof q, "question %d", i);
        snprintf(a, sizeof a, "answer %d", i);
        assert_int_equal(chat_append(f->d, &owner, c.session, q, a,
                                     i == 2 ? NULL : "[{\"material_id\":\"m\",\"page\":3}]", i != 3, &err),
                         EM_OK);
    }
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", c.session),
                     8);
    assert_int_equal(
        count_rows(f->d,
                   "SELECT count(*) FROM chat_messages WHERE session_id = $1 AND role = 'assistant' "
                   "AND answerable = FALSE",
                   c.session),
        1);

    char **qs = NULL;
    size_t n = 0;
    assert_int_equal(chat_recent_questions(f->d, &owner, c.session, 3, &qs, &n, &err), EM_OK);
    assert_int_equal(n, 3);
    assert_string_equal(qs[0], "question 2");
    assert_string_equal(qs[1], "question 3");
    assert_string_equal(qs[2], "question 4");
    session_ids_free(qs, n);
    assert_int_equal(chat_recent_questions(f->d, &owner, c.session, 20, &qs, &n, &err), EM_OK);
    assert_int_equal(n, 4);
    assert_string_equal(qs[0], "question 1");
    session_ids_free(qs, n);
    assert_int_equal(chat_recent_questions(f->d, &owner, c.session, 0, &qs, &n, &err), EM_E_INVAL);
    assert_int_equal(chat_recent_questions(f->d, &owner, c.session, 21, &qs, &n, &err), EM_E_INVAL);
    assert_null(qs);

    /* the tutor reads the questions; a stranger learns nothing */
    principal tutor = area_principal(c.tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    assert_int_equal(chat_recent_questions(f->d, &tutor, c.session, 1, &qs, &n, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(qs[0], "question 4");
    session_ids_free(qs, n);
    assert_int_equal(chat_recent_questions(f->d, &stranger, c.session, 1, &qs, &n, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such session");
}

static void study_chat_append_refuses(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal admin = area_principal(c.admin, "admin");
    principal stranger = area_principal(c.stranger, "student");
    em_error err = {0};
    /* only the owner writes */
    const principal *others[] = {&tutor, &admin, &stranger};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(chat_append(f->d, others[i], c.session, "q", "a", "[]", true, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    assert_int_equal(chat_append(f->d, &owner, NOBODY, "q", "a", "[]", true, &err), EM_E_NOT_FOUND);
    /* what is stored must be well formed */
    assert_int_equal(chat_append(f->d, &owner, c.session, "", "a", "[]", true, &err), EM_E_INVAL);
    assert_int_equal(chat_append(f->d, &owner, c.session, "q", NULL, "[]", true, &err), EM_E_INVAL);
    assert_int_equal(chat_append(f->d, &owner, c.session, "q", "a", "{}", true, &err), EM_E_INVAL);
    assert_int_equal(chat_append(f->d, &owner, c.session, "q", "a", "[1,", true, &err), EM_E_INVAL);
    char *big = malloc(CHAT_TEXT_MAX + 2);
    memset(big, 'x', CHAT_TEXT_MAX + 1);
    big[CHAT_TEXT_MAX + 1] = '\0';
    assert_int_equal(chat_append(f->d, &owner, c.session, big, "a", "[]", true, &err), EM_E_INVAL);
    big[CHAT_TEXT_MAX] = '\0';
    assert_int_equal(chat_append(f->d, &owner, c.session, big, "a", "[]", true, &err), EM_OK);
    free(big);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", c.session),
                     2);

    /* inside a caller's transaction that is rolled back, nothing stays */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    assert_int_equal(chat_append(f->d, &owner, c.session, "q", "a", "[]", true, &err), EM_OK);
    db_rollback(f->d);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", c.session),
                     2);
}

typedef struct page {
    size_t n;
    char id[8][37], role[8][16], content[8][32], citations[8][64];
    bool answerable[8];
} page;

static void collect(void *ctx, const chat_message *m)
{
    page *p = ctx;
    assert_true(p->n < 8);
    size_t i = p->n++;
    snprintf(p->id[i], sizeof p->id[i], "%s", m->id);
    snprintf(p->role[i], sizeof p->role[i], "%s", m->role);
    snprintf(p->content[i], sizeof p->content[i], "%s", m->content);
    snprintf(p->citations[i], sizeof p->citations[i], "%s", m->citations_json);
    p->answerable[i] = m->answerable;
    assert_int_equal(strlen(m->created_at), 24);
}

static void study_chat_list_pages_and_cascade(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal idle = area_principal(c.idle_tutor, "tutor");
    em_error err = {0};
    char q[32], a[32];
    for (int i = 1; i <= 3; i++) {
        snprintf(q, sizeof q, "q%d", i);
        snprintf(a, sizeof a, "a%d", i);
        assert_int_equal(chat_append(f->d, &owner, c.session, q, a, "[]", i != 2, &err), EM_OK);
    }
    page p = {0};
    size_t n = 0;
    bool more = true;
    /* newest last: the last page is the newest four */
    assert_int_equal(chat_list(f->d, &tutor, c.session, 4, NULL, collect, &p, &n, &more, &err), EM_OK);
    assert_int_equal(n, 4);
    assert_true(more);
    assert_string_equal(p.content[0], "q2");
    assert_string_equal(p.role[0], "user");
    assert_string_equal(p.content[1], "a2");
    assert_string_equal(p.role[1], "assistant");
    assert_false(p.answerable[1]);
    assert_string_equal(p.content[3], "a3");
    assert_true(p.answerable[3]);
    assert_string_equal(p.citations[3], "[]");
    for (size_t i = 1; i < 4; i++)
        assert_true(strcmp(p.id[i - 1], p.id[i]) < 0);
    /* the page before it */
    char cursor[37];
    snprintf(cursor, sizeof cursor, "%s", p.id[0]);
    memset(&p, 0, sizeof p);
    assert_int_equal(chat_list(f->d, &owner, c.session, 4, cursor, collect, &p, &n, &more, &err), EM_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_string_equal(p.content[0], "q1");
    assert_string_equal(p.content[1], "a1");
    /* refusals */
    assert_int_equal(chat_list(f->d, &owner, c.session, 0, NULL, collect, &p, &n, &more, &err), EM_E_INVAL);
    assert_int_equal(
        chat_list(f->d, &owner, c.session, CHAT_PAGE_MAX + 1, NULL, collect, &p, &n, &more, &err),
        EM_E_INVAL);
    assert_int_equal(chat_list(f->d, &owner, c.session, 5, "nope", collect, &p, &n, &more, &err), EM_E_INVAL);
    assert_int_equal(chat_list(f->d, &idle, c.session, 5, NULL, collect, &p, &n, &more, &err),
                     EM_E_NOT_FOUND);

    /* the history goes with its session */
    const char *sp[] = {c.session};
    area_run(f->d, "DELETE FROM study_sessions WHERE id = $1", sp, 1);
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", c.session),
                     0);
}

/* A session keeps its latest CHAT_KEPT_MAX messages: one exchange past them
 * drops the oldest exchange, and follow-ups still read the newest. */
static void study_chat_keeps_the_latest(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    em_error err = {0};
    char q[32];
    int exchanges = CHAT_KEPT_MAX / 2 + 1;
    for (int i = 1; i <= exchanges; i++) {
        snprintf(q, sizeof q, "q%d", i);
        assert_int_equal(chat_append(f->d, &owner, c.session, q, "a", "[]", true, &err), EM_OK);
    }
    assert_int_equal(count_rows(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", c.session),
                     CHAT_KEPT_MAX);
    assert_int_equal(count_rows(f->d,
                                "SELECT count(*) FROM chat_messages WHERE content = 'q1' AND session_id = $1",
                                c.session),
                     0);
    page p = {0};
    size_t n = 0;
    bool more = true;
    assert_int_equal(chat_list(f->d, &owner, c.session, 2, NULL, collect, &p, &n, &more, &err), EM_OK);
    snprintf(q, sizeof q, "q%d", exchanges);
    assert_string_equal(p.content[0], q);
    assert_true(more);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_chat_append_and_recent),
        BOTH(study_chat_append_refuses),
        BOTH(study_chat_list_pages_and_cascade),
        BOTH(study_chat_keeps_the_latest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
