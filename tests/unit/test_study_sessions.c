/* sessions: study sessions on SQLite and PostgreSQL: creating one (every
 * field checked, materials the caller's own), reading and listing by the one
 * rule, changing it (the owner only; material_ids replaces the set and the
 * topics follow, keeping their mastery), its topics from its ready
 * materials, deleting it with everything that hangs on it, and
 * session_materials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "study/chat.h"
#include "study/mastery.h"
#include "study/sessions.h"

#include "study_fixture.h"

static const fx_topic cells_topics[] = {{"Cells", 1200}, {"Membranes", 800}, {"Mitosis", 500}};
static const fx_topic genes_topics[] = {{"DNA", 900}, {"Inheritance", 600}};

typedef struct topics_seen {
    size_t n;
    char name[16][64], material[16][37], id[16][37];
    int64_t words[16];
    double mastery[16];
} topics_seen;

static void collect_topic(void *ctx, const session_topic *t)
{
    topics_seen *s = ctx;
    assert_true(s->n < 16);
    size_t i = s->n++;
    snprintf(s->name[i], sizeof s->name[i], "%s", t->name);
    snprintf(s->material[i], sizeof s->material[i], "%s", t->material_id);
    snprintf(s->id[i], sizeof s->id[i], "%s", t->topic_id);
    s->words[i] = t->words;
    s->mastery[i] = t->mastery;
    assert_string_equal(t->source, "heading");
}

/* collect_topic without the source check. */
static void collect_topic_any(void *ctx, const session_topic *t)
{
    topics_seen *s = ctx;
    assert_true(s->n < 16);
    size_t i = s->n++;
    snprintf(s->name[i], sizeof s->name[i], "%s", t->name);
    s->words[i] = t->words;
}

static void study_sessions_create_read_list(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], genes[37], pending[37];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    make_material(f->d, c.owner, "Genes", "ready", genes_topics, 2, genes);
    make_material(f->d, c.owner, "Later", "pending", NULL, 0, pending);
    char json[512];
    snprintf(json, sizeof json,
             "{\"title\":\"Biology final\",\"exam_type\":\"A-level\",\"exam_date\":\"2027-06-01\","
             "\"daily_minutes\":90,\"study_days\":[\"mon\",\"Wednesday\",5,0],"
             "\"free_dates\":[\"2027-01-02\",\"2026-12-25\",\"2027-01-02\"],"
             "\"material_ids\":[\"%s\",\"%s\",\"%s\"],\"ignored\":true}",
             genes, pending, cells);
    session s;
    em_error err = {0};
    assert_int_equal(try_session(f->d, &c.p_owner, NULL, json, &s, &err), EM_OK);
    assert_true(id_is_uuid(s.id));
    assert_string_equal(s.user_id, c.owner);
    assert_string_equal(s.title, "Biology final");
    assert_string_equal(s.exam_type, "A-level");
    assert_string_equal(s.exam_date, "2027-06-01");
    assert_int_equal(s.daily_minutes, 90);
    assert_int_equal(s.study_days, (1u << 1) | (1u << 3) | (1u << 5) | (1u << 0));
    json_t *free_dates = json_loads(s.free_dates_json, 0, NULL);
    assert_int_equal(json_array_size(free_dates), 2); /* sorted, once each */
    assert_string_equal(json_string_value(json_array_get(free_dates, 0)), "2026-12-25");
    assert_string_equal(json_string_value(json_array_get(free_dates, 1)), "2027-01-02");
    json_decref(free_dates);
    assert_int_equal(s.n_materials, 3);
    assert_string_equal(s.material_ids[0], genes);
    assert_string_equal(s.material_ids[1], pending);
    assert_string_equal(s.material_ids[2], cells);
    assert_int_equal(strlen(s.created_at), 24);
    char id[37];
    snprintf(id, sizeof id, "%s", s.id);
    session_cleanup(&s);

    /* its topics: ready materials only, in the student's order, each in document order,
     * with a row of their own (mastery 0) */
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM topics WHERE session_id = $1", id), 5);
    topics_seen seen = {0};
    assert_int_equal(session_get(f->d, &c.p_tutor, id, &s, collect_topic, &seen, &err), EM_OK);
    session_cleanup(&s);
    assert_int_equal(seen.n, 5);
    const char *order[] = {"DNA", "Inheritance", "Cells", "Membranes", "Mitosis"};
    const int64_t words[] = {900, 600, 1200, 800, 500};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(seen.name[i], order[i]);
        assert_int_equal(seen.words[i], words[i]);
        assert_true(id_is_uuid(seen.id[i]));
        assert_true(seen.mastery[i] == 0.0);
        assert_string_equal(seen.material[i], i < 2 ? genes : cells);
    }

    /* defaults */
    snprintf(json, sizeof json, "{\"title\":\"Second\",\"exam_date\":\"2027-02-03\"}");
    assert_int_equal(try_session(f->d, &c.p_owner, NULL, json, &s, &err), EM_OK);
    assert_string_equal(s.exam_type, "");
    assert_int_equal(s.daily_minutes, SESSION_DEFAULT_MINUTES);
    assert_int_equal(s.study_days, SESSION_ALL_DAYS);
    assert_string_equal(s.free_dates_json, "[]");
    assert_int_equal(s.n_materials, 0);
    char second[37];
    snprintf(second, sizeof second, "%s", s.id);
    session_cleanup(&s);

    /* reading by the one rule */
    const principal *readers[] = {&c.p_owner, &c.p_tutor, &c.p_admin};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(session_get(f->d, readers[i], id, &s, NULL, NULL, &err), EM_OK);
        assert_string_equal(s.title, "Biology final");
        session_cleanup(&s);
    }
    const principal *others[] = {&c.p_idle, &c.p_stranger};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(session_get(f->d, others[i], id, &s, NULL, NULL, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    assert_int_equal(session_get(f->d, &c.p_owner, NOBODY, &s, NULL, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(session_get(f->d, &c.p_owner, "x", &s, NULL, NULL, &err), EM_E_NOT_FOUND);

    /* lists: newest first, paged, by the one rule */
    session *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(session_list(f->d, &c.p_owner, c.owner, 10, 0, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_string_equal(items[0].id, second);
    assert_string_equal(items[1].id, id);
    assert_int_equal(items[1].n_materials, 3);
    for (size_t i = 0; i < n; i++)
        session_cleanup(&items[i]);
    free(items);
    assert_int_equal(session_list(f->d, &c.p_tutor, c.owner, 1, 1, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 2);
    assert_string_equal(items[0].id, id);
    session_cleanup(&items[0]);
    free(items);
    assert_int_equal(session_list(f->d, &c.p_idle, c.owner, 10, 0, &items, &n, &total, &err), EM_E_NOT_FOUND);
    assert_int_equal(session_list(f->d, &c.p_stranger, c.owner, 10, 0, &items, &n, &total, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(session_list(f->d, &c.p_stranger, c.stranger, 10, 0, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 0);
    free(items);
    assert_int_equal(session_list(f->d, &c.p_owner, c.owner, 0, 0, &items, &n, &total, &err), EM_E_INVAL);
    assert_int_equal(session_list(f->d, &c.p_owner, "nope", 10, 0, &items, &n, &total, &err), EM_E_INVAL);
}

/* A topic's words when no chunk carries its name: key terms share the
 * material's words evenly; a heading gets its weight's share. */
static void study_sessions_topic_words_without_sections(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char terms[37], numbered[37];
    make_material(f->d, c.owner, "Terms", "ready", NULL, 0, terms);
    make_material(f->d, c.owner, "Numbered", "ready", NULL, 0, numbered);
    const char *t[] = {terms, c.owner, numbered};
    const char *m[] = {terms, numbered};
    area_run(
        f->d,
        "INSERT INTO material_topics (material_id, position, name, slug, source, page, weight) VALUES "
        "($1, 0, 'osmosis', 'osmosis', 'terms', 1, 0.6), ($1, 1, 'diffusion', 'diffusion', 'terms', 1, 0.3), "
        "($1, 2, 'gradient', 'gradient', 'terms', 1, 0.1), "
        "($2, 0, 'Cells', 'cells', 'heading', 1, 0.25), ($2, 1, 'Genes', 'genes', 'heading', 2, 0.75)",
        m, 2);
    area_run(
        f->d,
        "INSERT INTO material_chunks (material_id, user_id, position, section, page_start, page_end, words, "
        "body) VALUES ($1, $2, 0, NULL, 1, 1, 700, 'x'), ($1, $2, 1, NULL, 1, 1, 200, 'y'), "
        "($3, $2, 0, '1. Cells', 1, 1, 100, 'x'), ($3, $2, 1, '2. Genes', 2, 2, 300, 'y')",
        t, 3);
    char json[256], id[37];
    snprintf(json, sizeof json,
             "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\",\"%s\"]}", terms,
             numbered);
    make_session(f->d, &c.p_owner, json, id);
    topics_seen seen = {0};
    em_error err = {0};
    assert_int_equal(session_topics(f->d, &c.p_owner, id, collect_topic_any, &seen, &err), EM_OK);
    assert_int_equal(seen.n, 5);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(seen.words[i], 300); /* 900 words, three terms */
    assert_string_equal(seen.name[3], "Cells");
    assert_int_equal(seen.words[3], 100); /* a quarter of 400 */
    assert_int_equal(seen.words[4], 300);
}

static void study_sessions_refuses_bad_fields(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char mine[37], theirs[37];
    make_material(f->d, c.owner, "Mine", "ready", cells_topics, 1, mine);
    make_material(f->d, c.stranger, "Theirs", "ready", cells_topics, 1, theirs);
    static const struct {
        const char *json;
        const char *field; /* the message names it */
    } bad[] = {
        {"{\"exam_date\":\"2027-01-01\"}", "title"},
        {"{\"title\":\"\",\"exam_date\":\"2027-01-01\"}", "title"},
        {"{\"title\":7,\"exam_date\":\"2027-01-01\"}", "title"},
        {"{\"title\":\"T\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-02-30\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"27-01-01\"}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":20270101}", "exam_date"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"exam_type\":[]}", "exam_type"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":0}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":1441}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":30.5}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"daily_minutes\":\"30\"}", "daily_minutes"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":[]}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":[\"funday\"]}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":[8]}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"study_days\":\"mon\"}", "study_days"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"free_dates\":[\"2027-13-01\"]}", "free_dates"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"free_dates\":\"2027-01-01\"}", "free_dates"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"nope\"]}", "material_ids"},
        {"{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":{}}", "material_ids"},
        {"[\"title\"]", "body"},
    };
    session s;
    em_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = try_session(f->d, &c.p_owner, NULL, bad[i].json, &s, &err);
        if (rc != EM_E_INVAL || err.reason != NULL || strstr(err.msg, bad[i].field) == NULL)
            fail_msg("%s: %d %s (%s)", bad[i].json, rc, err.msg, err.reason ? err.reason : "no reason");
    }
    char json[256];
    /* the same material twice */
    snprintf(json, sizeof json,
             "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\",\"%s\"]}", mine, mine);
    assert_int_equal(try_session(f->d, &c.p_owner, NULL, json, &s, &err), EM_E_INVAL);
    assert_non_null(strstr(err.msg, "material_ids"));
    /* someone else's material: as if it did not exist */
    snprintf(json, sizeof json, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             theirs);
    assert_int_equal(try_session(f->d, &c.p_owner, NULL, json, &s, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such material");
    snprintf(json, sizeof json, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             NOBODY);
    assert_int_equal(try_session(f->d, &c.p_owner, NULL, json, &s, &err), EM_E_NOT_FOUND);
    /* a tutor sees the student's material, and still may not build on it */
    snprintf(json, sizeof json, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             mine);
    assert_int_equal(try_session(f->d, &c.p_tutor, NULL, json, &s, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    assert_non_null(strstr(err.msg, "material_ids"));
    /* nothing was made */
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM study_sessions", NULL, 0), 0);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM topics", NULL, 0), 0);
}

static void study_sessions_update_keeps_mastery(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], genes[37];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    make_material(f->d, c.owner, "Genes", "ready", genes_topics, 2, genes);
    char json[256], id[37];
    snprintf(json, sizeof json, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             cells);
    make_session(f->d, &c.p_owner, json, id);
    em_error err = {0};
    assert_int_equal(mastery_set_session_topic(f->d, id, "Membranes", 0.75, &err), EM_OK);
    assert_int_equal(mastery_set_session_topic(f->d, id, "Nope", 0.5, &err), EM_E_NOT_FOUND);

    /* fields one by one; the rest stays */
    session s;
    assert_int_equal(
        try_session(f->d, &c.p_owner, id, "{\"daily_minutes\":45,\"title\":\"Renamed\"}", &s, &err), EM_OK);
    assert_int_equal(s.daily_minutes, 45);
    assert_string_equal(s.title, "Renamed");
    assert_string_equal(s.exam_date, "2027-01-01");
    assert_int_equal(s.n_materials, 1);
    session_cleanup(&s);
    assert_int_equal(
        try_session(f->d, &c.p_owner, id, "{\"study_days\":[\"sat\",\"sun\"],\"free_dates\":[]}", &s, &err),
        EM_OK);
    assert_int_equal(s.study_days, (1u << 6) | 1u);
    assert_string_equal(s.title, "Renamed");
    session_cleanup(&s);

    /* material_ids replaces the set: topics follow, a kept topic keeps its mastery */
    snprintf(json, sizeof json, "{\"material_ids\":[\"%s\",\"%s\"]}", genes, cells);
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    assert_int_equal(s.n_materials, 2);
    assert_string_equal(s.material_ids[0], genes);
    session_cleanup(&s);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM topics WHERE session_id = $1", id), 5);
    topics_seen seen = {0};
    assert_int_equal(session_topics(f->d, &c.p_owner, id, collect_topic, &seen, &err), EM_OK);
    assert_int_equal(seen.n, 5);
    assert_string_equal(seen.name[0], "DNA");
    assert_string_equal(seen.name[3], "Membranes");
    assert_true(seen.mastery[3] == 0.75);
    snprintf(json, sizeof json, "{\"material_ids\":[\"%s\"]}", genes);
    assert_int_equal(try_session(f->d, &c.p_owner, id, json, &s, &err), EM_OK);
    session_cleanup(&s);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM topics WHERE session_id = $1", id), 2);

    /* nothing to change, a bad field, and callers who may not write */
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{}", &s, &err), EM_E_INVAL);
    assert_int_equal(try_session(f->d, &c.p_owner, id, "{\"daily_minutes\":-1}", &s, &err), EM_E_INVAL);
    const principal *no_write[] = {&c.p_tutor, &c.p_admin, &c.p_idle, &c.p_stranger};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(try_session(f->d, no_write[i], id, "{\"title\":\"Mine now\"}", &s, &err),
                         EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    assert_int_equal(session_get(f->d, &c.p_owner, id, &s, NULL, NULL, &err), EM_OK);
    assert_string_equal(s.title, "Renamed");
    assert_int_equal(s.daily_minutes, 45);
    session_cleanup(&s);
}

/* An account keeps at most SESSIONS_PER_USER_MAX sessions: one more is
 * EM_E_CONFLICT saying so, with nothing stored; deleting one makes room,
 * and another student's count is their own. */
static void study_sessions_per_user_cap(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    const char *json = "{\"title\":\"T\",\"exam_date\":\"2027-01-01\"}";
    char id[37], first[37];
    for (int i = 0; i < SESSIONS_PER_USER_MAX; i++)
        make_session(f->d, &c.p_owner, json, i == 0 ? first : id);
    json_t *body = json_loads(json, 0, NULL);
    em_error err = {0};
    assert_int_equal(session_create(f->d, &c.p_owner, body, NULL, &err), EM_E_CONFLICT);
    assert_non_null(strstr(err.msg, "you have 200 study sessions"));
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM study_sessions WHERE user_id = $1", c.owner),
                     SESSIONS_PER_USER_MAX);
    assert_int_equal(session_create(f->d, &c.p_stranger, body, NULL, &err), EM_OK);
    assert_int_equal(session_delete(f->d, &c.p_owner, first, &err), EM_OK);
    assert_int_equal(session_create(f->d, &c.p_owner, body, NULL, &err), EM_OK);
    json_decref(body);
}

static void study_sessions_delete_takes_everything(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char cells[37], json[256], id[37], other[37];
    make_material(f->d, c.owner, "Cells", "ready", cells_topics, 3, cells);
    snprintf(json, sizeof json, "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\"]}",
             cells);
    make_session(f->d, &c.p_owner, json, id);
    make_session(f->d, &c.p_owner, json, other);
    em_error err = {0};
    assert_int_equal(
        chat_append(f->d, &c.p_owner, id, "What is a cell?", "The unit of life.", "[]", true, &err), EM_OK);
    const principal *no_write[] = {&c.p_tutor, &c.p_admin, &c.p_idle, &c.p_stranger};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(session_delete(f->d, no_write[i], id, &err), EM_E_NOT_FOUND);
    assert_int_equal(session_delete(f->d, &c.p_owner, id, &err), EM_OK);
    assert_int_equal(session_delete(f->d, &c.p_owner, id, &err), EM_E_NOT_FOUND);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM study_sessions WHERE id = $1", id), 0);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM topics WHERE session_id = $1", id), 0);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM session_materials WHERE session_id = $1", id), 0);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM chat_messages WHERE session_id = $1", id), 0);
    /* the material and the other session stay */
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM materials WHERE id = $1", cells), 1);
    assert_int_equal(count_of(f->d, "SELECT count(*) FROM topics WHERE session_id = $1", other), 3);
    /* a deleted material leaves the sessions that named it */
    const char *p[] = {cells};
    area_run(f->d, "DELETE FROM materials WHERE id = $1", p, 1);
    session s;
    assert_int_equal(session_get(f->d, &c.p_owner, other, &s, NULL, NULL, &err), EM_OK);
    assert_int_equal(s.n_materials, 0);
    session_cleanup(&s);
}

static void study_sessions_materials_by_the_rule(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char m1[37], m2[37], json[256], session_id[37];
    make_material(f->d, c.owner, "Cells", "ready", NULL, 0, m1);
    make_material(f->d, c.owner, "Genes", "ready", NULL, 0, m2);
    snprintf(json, sizeof json,
             "{\"title\":\"T\",\"exam_date\":\"2027-01-01\",\"material_ids\":[\"%s\",\"%s\"]}", m2, m1);
    make_session(f->d, &c.p_owner, json, session_id);
    principal demoted = area_principal(c.tutor, "student");
    char who[37];
    char **ids = NULL;
    size_t n = 0;
    em_error err = {0};

    /* the owner reads and writes; ids come in the student's order */
    for (int write = 0; write < 2; write++) {
        assert_int_equal(session_materials(f->d, &c.p_owner, session_id, write, who, &ids, &n, &err), EM_OK);
        assert_string_equal(who, c.owner);
        assert_int_equal(n, 2);
        assert_string_equal(ids[0], m2);
        assert_string_equal(ids[1], m1);
        session_ids_free(ids, n);
    }
    /* the assigned tutor and an admin read, never write */
    const principal *readers[] = {&c.p_tutor, &c.p_admin};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(session_materials(f->d, readers[i], session_id, false, who, &ids, &n, &err), EM_OK);
        assert_string_equal(who, c.owner);
        assert_int_equal(n, 2);
        session_ids_free(ids, n);
        assert_int_equal(session_materials(f->d, readers[i], session_id, true, who, &ids, &n, &err),
                         EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
        assert_null(ids);
        assert_int_equal(n, 0);
    }
    /* everyone else: the same answer as for a session that does not exist */
    const principal *others[] = {&c.p_idle, &c.p_stranger, &demoted};
    for (size_t i = 0; i < 3; i++) {
        for (int write = 0; write < 2; write++) {
            memset(&err, 0, sizeof err);
            assert_int_equal(session_materials(f->d, others[i], session_id, write, who, &ids, &n, &err),
                             EM_E_NOT_FOUND);
            assert_string_equal(err.msg, "no such session");
            assert_string_equal(who, "");
            assert_null(ids);
        }
    }
    const char *bad[] = {NOBODY, "not-an-id", "", NULL};
    for (size_t i = 0; i < 4; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(session_materials(f->d, &c.p_owner, bad[i], false, who, &ids, &n, &err),
                         EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such session");
    }
    session_ids_free(NULL, 0);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_sessions_create_read_list),      BOTH(study_sessions_refuses_bad_fields),
        BOTH(study_sessions_update_keeps_mastery),  BOTH(study_sessions_delete_takes_everything),
        BOTH(study_sessions_materials_by_the_rule), BOTH(study_sessions_topic_words_without_sections),
        BOTH(study_sessions_per_user_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
