/* study_fixture: what the study area's tests share on top of area_fixture.h:
 * a cast of accounts (a student with a tutor, an unassigned tutor, another
 * student, an admin), materials made straight in SQL as extraction would
 * leave them (ready, with topics and chunks of a given number of words), and
 * sessions made through session_create from JSON text. Include once per test
 * file, after cmocka.h. */
#ifndef EM_TESTS_STUDY_FIXTURE_H
#define EM_TESTS_STUDY_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "auth/authz.h"
#include "study/sessions.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

typedef struct cast {
    char owner[37], tutor[37], idle_tutor[37], stranger[37], admin[37];
    principal p_owner, p_tutor, p_idle, p_stranger, p_admin;
} cast;

static inline void make_cast(db *d, cast *c)
{
    area_user(d, "owner@example.org", "student", c->owner);
    area_user(d, "tutor@example.org", "tutor", c->tutor);
    area_user(d, "idle@example.org", "tutor", c->idle_tutor);
    area_user(d, "stranger@example.org", "student", c->stranger);
    area_user(d, "admin@example.org", "admin", c->admin);
    em_error err = {0};
    bool created = false;
    assert_int_equal(authz_assign_student(d, c->tutor, c->owner, &created, &err), EM_OK);
    c->p_owner = area_principal(c->owner, "student");
    c->p_tutor = area_principal(c->tutor, "tutor");
    c->p_idle = area_principal(c->idle_tutor, "tutor");
    c->p_stranger = area_principal(c->stranger, "student");
    c->p_admin = area_principal(c->admin, "admin");
}

/* A topic of a made-up material: its name and words. */
typedef struct fx_topic {
    const char *name;
    int words;
} fx_topic;

/* A material of user_id in `status`, with headings topics[0..n) in that order,
 * each with one chunk of its words under its name; its id to id. */
static inline void make_material(db *d, const char *user_id, const char *title, const char *status,
                                 const fx_topic *topics, size_t n, char id[37])
{
    id_uuid7(id);
    const char *p[] = {id, user_id, title, status};
    area_run(
        d,
        "INSERT INTO materials (id, user_id, title, kind, mime, size_bytes, sha256, storage_key, status) "
        "VALUES ($1, $2, $3, 'text', 'text/plain', 10, 'x', 'k', $4)",
        p, 4);
    for (size_t i = 0; i < n; i++) {
        char pos[24], words[16];
        snprintf(pos, sizeof pos, "%zu", i);
        snprintf(words, sizeof words, "%d", topics[i].words);
        const char *t[] = {id, pos, topics[i].name};
        area_run(d,
                 "INSERT INTO material_topics (material_id, position, name, slug, source, page, weight) "
                 "VALUES ($1, CAST($2 AS INTEGER), $3, 'slug', 'heading', 1, 0.5)",
                 t, 3);
        const char *c[] = {id, user_id, pos, topics[i].name, words};
        area_run(
            d,
            "INSERT INTO material_chunks (material_id, user_id, position, section, page_start, page_end, "
            "words, body) VALUES ($1, $2, CAST($3 AS INTEGER), $4, 1, 1, CAST($5 AS INTEGER), 'text')",
            c, 5);
    }
}

/* session_create from JSON text as who: EM_OK asserted; the id to id. */
static inline void make_session(db *d, const principal *who, const char *json, char id[37])
{
    json_error_t e;
    json_t *body = json_loads(json, 0, &e);
    if (body == NULL)
        fail_msg("bad JSON in the test: %s", e.text);
    session s;
    em_error err = {0};
    int rc = session_create(d, who, body, &s, &err);
    if (rc != EM_OK)
        fail_msg("session_create %s: %d %s", json, rc, err.msg);
    snprintf(id, 37, "%s", s.id);
    session_cleanup(&s);
    json_decref(body);
}

/* session_create or session_update (id not NULL) from JSON text: rc, with err. */
static inline int try_session(db *d, const principal *who, const char *id, const char *json, session *out,
                              em_error *err)
{
    json_t *body = json_loads(json, 0, NULL);
    if (body == NULL)
        fail_msg("bad JSON in the test: %s", json);
    memset(err, 0, sizeof *err);
    int rc = id == NULL ? session_create(d, who, body, out, err) : session_update(d, who, id, body, out, err);
    json_decref(body);
    return rc;
}

static inline int64_t count_of(db *d, const char *sql, const char *arg)
{
    const char *p[] = {arg};
    return area_int(d, sql, p, 1);
}

#endif
