/* material: the material store on SQLite and PostgreSQL: create with and
 * without its extraction job (one transaction), get and list (totals, newest
 * first), what owner, tutors, strangers and admins may see, the status changes
 * of extraction, the result replacing a previous one (and failing without a
 * trace), and delete removing every owned row, the full-text index entries
 * included (checked by searching). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>

#include "auth/authz.h"
#include "content/query.h"
#include "materials/material.h"
#include "materials/search.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"
#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

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

/* A material of user_id; its id to id, its job's to job (may be NULL). */
static int create(db *d, const char *user_id, const char *title, bool enqueue, char id[37], char job_id[37],
                  em_error *err)
{
    id_uuid7(id);
    char key[128];
    snprintf(key, sizeof key, "materials/%s/original", id);
    material_new m = {.user_id = user_id,
                      .title = title,
                      .filename = "notes.txt",
                      .kind = "text",
                      .mime = "text/plain",
                      .sha256 = SHA,
                      .storage_key = key,
                      .size_bytes = 1234,
                      .is_worksheet = true,
                      .tags_json = "[\"biology\",\"biology.cells\"]"};
    return material_create(d, id, &m, enqueue, job_id, err);
}

static void create_ok(db *d, const char *user_id, const char *title, bool enqueue, char id[37],
                      char job_id[37])
{
    em_error err = {0};
    if (create(d, user_id, title, enqueue, id, job_id, &err) != EM_OK)
        fail_msg("material_create: %s", err.msg);
}

static int64_t count_of(db *d, const char *table, const char *material_id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE material_id = $1", table);
    const char *p[] = {material_id};
    return area_int(d, sql, p, 1);
}

static int64_t materials_count(db *d)
{
    return area_int(d, "SELECT count(*) FROM materials", NULL, 0);
}

static int64_t jobs_count(db *d)
{
    return area_int(d, "SELECT count(*) FROM jobs", NULL, 0);
}

static material get(db *d, const char *id)
{
    material m;
    em_error err = {0};
    if (material_get(d, id, &m, &err) != EM_OK)
        fail_msg("material_get %s: %s", id, err.msg);
    return m;
}

/* ---- what extraction found, two versions ---- */

static chunk_heading headings_v1[] = {
    {.page = 1, .offset = 0, .level = 1, .title = "Photosynthesis"},
    {.page = 2, .offset = 0, .level = 2, .title = "Light reactions"},
    {.page = 3, .offset = 10, .level = 2, .title = "The Calvin cycle"},
};
static text_chunk chunks_v1[] = {
    {.text = "Chlorophyll absorbs red and blue light in the leaves.",
     .page_start = 1,
     .page_end = 1,
     .words = 9,
     .section = "Photosynthesis",
     .index = 0},
    {.text = "Thylakoid membranes hold the photosystems.",
     .page_start = 2,
     .page_end = 3,
     .words = 5,
     .section = "Light reactions",
     .index = 1},
    /* the highlight markers search uses never reach the index */
    {.text = "Rubisco fixes carbon \xEF\xB7\x90"
             "dioxide\xEF\xB7\x91 in the stroma.",
     .page_start = 3,
     .page_end = 3,
     .words = 7,
     .section = NULL,
     .index = 2},
};
static chunk_list chunk_list_v1 = {chunks_v1, 3};
static topic topics_v1[] = {
    {.name = "Light reactions", .source = "heading", .page = 2, .weight = 0.6},
    {.name = "The Calvin cycle", .source = "heading", .page = 3, .weight = 0.4},
};
static topic_list topic_list_v1 = {topics_v1, 2};
static ws_question questions_v1[] = {
    {.number = 1,
     .page = 1,
     .stem = "What absorbs light?",
     .options = {"Chlorophyll", "Water"},
     .n_options = 2,
     .answer = "A"},
    {.number = 2, .page = 3, .stem = "Which enzyme fixes carbon?", .n_options = 0, .answer = ""},
};
static ws_list question_list_v1 = {questions_v1, 2};

static chunk_heading headings_v2[] = {{.page = 1, .offset = 0, .level = 1, .title = "Respiration"}};
static text_chunk chunks_v2[] = {
    {.text = "Mitochondria release energy from glucose.",
     .page_start = 1,
     .page_end = 1,
     .words = 5,
     .section = "Respiration",
     .index = 0},
};
static chunk_list chunk_list_v2 = {chunks_v2, 1};

static material_result result_v1(json_t **question_tags)
{
    question_tags[0] = json_pack("[s, s]", "topic.light", "biology");
    question_tags[1] = NULL;
    return (material_result){.page_count = 3,
                             .headings = headings_v1,
                             .n_headings = 3,
                             .chunks = &chunk_list_v1,
                             .topics = &topic_list_v1,
                             .questions = &question_list_v1,
                             .question_tags = question_tags};
}

static material_result result_v2(void)
{
    return (material_result){
        .page_count = 1, .headings = headings_v2, .n_headings = 1, .chunks = &chunk_list_v2};
}

static void store(db *d, const char *id, const material_result *r)
{
    material m = get(d, id);
    em_error err = {0};
    if (material_store_result(d, &m, r, &err) != EM_OK)
        fail_msg("material_store_result: %s", err.msg);
    material_cleanup(&m);
}

static void store_v1(db *d, const char *id)
{
    json_t *qt[2];
    material_result r = result_v1(qt);
    store(d, id, &r);
    json_decref(qt[0]);
}

/* Passages `who` finds for `text` (optionally in one material). */
static size_t hits_for(db *d, const principal *who, const char *text, const char *material_id)
{
    search_query *q = NULL;
    em_error err = {0};
    assert_int_equal(query_parse(text, strlen(text), &q, &err), EM_OK);
    search_hit *hits = NULL;
    size_t n = 0;
    int rc = search_passages(d, who, q, material_id, SEARCH_LIMIT_MAX, 0, &hits, &n, &err);
    query_free(q);
    if (rc != EM_OK)
        fail_msg("search %s: %s", text, err.msg);
    search_hits_free(hits, n);
    return n;
}

/* Entries of the engine's own index that match `word`, whatever search joins
 * them to: SQLite's FTS5 table, PostgreSQL's tsvector column. */
static int64_t index_entries(db *d, const char *word)
{
    const char *p[] = {word};
    if (db_dialect_of(d) == DB_SQLITE)
        return area_int(d, "SELECT count(*) FROM material_chunks_fts WHERE material_chunks_fts MATCH $1", p,
                        1);
    return area_int(d, "SELECT count(*) FROM material_chunks WHERE tsv @@ to_tsquery('english', $1)", p, 1);
}

/* SQLite: the FTS5 index agrees with its content table. */
static void index_consistent(db *d)
{
    if (db_dialect_of(d) == DB_SQLITE)
        area_exec(d, "INSERT INTO material_chunks_fts (material_chunks_fts) VALUES ('integrity-check')");
}

/* ---- create ---- */

static void materials_material_create_with_and_without_job(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char id[37], jid[37] = "x";
    create_ok(f->d, c.owner, "Cells", true, id, jid);
    assert_int_equal(strlen(jid), 36);
    material m = get(f->d, id);
    assert_string_equal(m.job_id, jid);
    assert_string_equal(m.status, "pending");
    material_cleanup(&m);
    job_info j;
    em_error err = {0};
    assert_int_equal(queue_get(f->d, jid, &j, &err), EM_OK);
    assert_string_equal(j.kind, MATERIAL_JOB_KIND);
    assert_string_equal(j.queue, MATERIAL_JOB_QUEUE);
    assert_string_equal(j.status, "queued");
    assert_int_equal(j.max_attempts, 3);
    json_t *payload = json_loads(j.payload, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(payload, "material_id")), id);
    json_decref(payload);
    job_info_cleanup(&j);
    /* without a job (the ingest command extracts itself) */
    char id2[37], job2[37] = "x";
    create_ok(f->d, c.owner, "Cells 2", false, id2, job2);
    assert_string_equal(job2, "");
    m = get(f->d, id2);
    assert_null(m.job_id);
    material_cleanup(&m);
    char id3[37];
    create_ok(f->d, c.owner, "Cells 3", true, id3, NULL);
    assert_int_equal(jobs_count(f->d), 2);
    assert_int_equal(materials_count(f->d), 3);

    /* the job cannot be written: no material either */
    area_exec(f->d, "ALTER TABLE jobs RENAME TO jobs_away");
    char id4[37], job4[37] = "x";
    assert_int_not_equal(create(f->d, c.owner, "Cells 4", true, id4, job4, &err), EM_OK);
    assert_string_equal(job4, "x");
    assert_false(db_in_transaction(f->d));
    area_exec(f->d, "ALTER TABLE jobs_away RENAME TO jobs");
    assert_int_equal(materials_count(f->d), 3);
    assert_int_equal(material_get(f->d, id4, &m, &err), EM_E_NOT_FOUND);
    /* the material cannot be written: no job either */
    char ghost[37];
    assert_int_equal(create(f->d, NOBODY, "Nobody's", true, ghost, NULL, &err), EM_E_CONFLICT);
    material_new dup = {.user_id = c.owner,
                        .title = "Again",
                        .kind = "text",
                        .mime = "text/plain",
                        .sha256 = SHA,
                        .storage_key = "materials/x/original",
                        .size_bytes = 1};
    assert_int_equal(material_create(f->d, id, &dup, true, NULL, &err), EM_E_CONFLICT);
    assert_int_equal(jobs_count(f->d), 2);
    assert_int_equal(materials_count(f->d), 3);
    /* inside a caller's transaction: both go with its rollback */
    assert_int_equal(db_begin(f->d, &err), EM_OK);
    char id5[37];
    create_ok(f->d, c.owner, "Cells 5", true, id5, NULL);
    db_rollback(f->d);
    assert_int_equal(jobs_count(f->d), 2);
    assert_int_equal(materials_count(f->d), 3);
}

/* ---- read ---- */

static void materials_material_get_and_list(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char ids[4][37], other[37];
    for (int i = 0; i < 4; i++) {
        char title[32];
        snprintf(title, sizeof title, "Material %d", i);
        create_ok(f->d, c.owner, title, true, ids[i], NULL);
    }
    create_ok(f->d, c.stranger, "Someone else's", true, other, NULL);
    material m = get(f->d, ids[0]);
    assert_string_equal(m.id, ids[0]);
    assert_string_equal(m.user_id, c.owner);
    assert_string_equal(m.title, "Material 0");
    assert_string_equal(m.filename, "notes.txt");
    assert_string_equal(m.kind, "text");
    assert_string_equal(m.mime, "text/plain");
    assert_string_equal(m.sha256, SHA);
    char key[128];
    snprintf(key, sizeof key, "materials/%s/original", ids[0]);
    assert_string_equal(m.storage_key, key);
    assert_int_equal(m.size_bytes, 1234);
    assert_true(m.is_worksheet);
    json_t *tags = json_loads(m.tags_json, 0, NULL);
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "biology.cells");
    json_decref(tags);
    assert_string_equal(m.status, "pending");
    assert_null(m.error);
    assert_int_equal(m.page_count + m.pages_done + m.section_count + m.chunk_count + m.question_count, 0);
    assert_int_equal(strlen(m.created_at), 24);
    assert_string_equal(m.created_at, m.updated_at);
    assert_string_equal(m.ready_at, "");
    material_cleanup(&m);
    material_cleanup(&m); /* cleaning twice is harmless */
    em_error err = {0};
    assert_int_equal(material_get(f->d, NOBODY, &m, &err), EM_E_NOT_FOUND);
    assert_int_equal(material_get(f->d, "not-a-uuid", &m, &err), EM_E_NOT_FOUND);
    /* newest first, paged, with the total of the user's */
    material *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(material_list(f->d, c.owner, 3, 0, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 3);
    assert_int_equal(total, 4);
    assert_string_equal(items[0].id, ids[3]);
    assert_string_equal(items[1].id, ids[2]);
    assert_string_equal(items[2].id, ids[1]);
    assert_string_equal(items[0].title, "Material 3");
    for (size_t i = 0; i < n; i++)
        material_cleanup(&items[i]);
    free(items);
    assert_int_equal(material_list(f->d, c.owner, 3, 3, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 4);
    assert_string_equal(items[0].id, ids[0]);
    material_cleanup(&items[0]);
    free(items);
    assert_int_equal(material_list(f->d, c.owner, 3, 10, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 4);
    free(items);
    assert_int_equal(material_list(f->d, c.admin, 10, 0, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);
    free(items);
}

static void expect_visible(db *d, const principal *who, const char *id, bool visible)
{
    material m;
    em_error err = {0};
    int rc = material_get_visible(d, who, id, &m, &err);
    if (visible) {
        if (rc != EM_OK)
            fail_msg("%s (%s) should see %s: %s", who->user_id, who->role, id, err.msg);
        assert_string_equal(m.id, id);
        material_cleanup(&m);
    } else {
        assert_int_equal(rc, EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such material");
        assert_null(m.title);
    }
}

static void expect_listed(db *d, const principal *who, const char *owner, int64_t want)
{
    material *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    em_error err = {0};
    int rc = material_list_visible(d, who, owner, 10, 0, &items, &n, &total, &err);
    if (want < 0) {
        assert_int_equal(rc, EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such user");
        assert_null(items);
        return;
    }
    if (rc != EM_OK)
        fail_msg("%s (%s) should list %s: %s", who->user_id, who->role, owner, err.msg);
    assert_int_equal(total, want);
    assert_int_equal(n, (size_t)want);
    for (size_t i = 0; i < n; i++)
        material_cleanup(&items[i]);
    free(items);
}

static void materials_material_visibility(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char id[37], id2[37];
    create_ok(f->d, c.owner, "Cells", true, id, NULL);
    create_ok(f->d, c.owner, "Cells 2", true, id2, NULL);
    principal owner = area_principal(c.owner, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal admin = area_principal(c.admin, "admin");
    principal demoted = area_principal(c.tutor, "student"); /* the tutor's role now */
    expect_visible(f->d, &owner, id, true);
    expect_visible(f->d, &tutor, id, true);
    expect_visible(f->d, &admin, id, true);
    expect_visible(f->d, &idle, id, false);
    expect_visible(f->d, &stranger, id, false);
    expect_visible(f->d, &demoted, id, false);
    expect_visible(f->d, &admin, NOBODY, false);
    expect_visible(f->d, &admin, "not-a-uuid", false);
    expect_visible(f->d, &admin, NULL, false);
    expect_listed(f->d, &owner, c.owner, 2);
    expect_listed(f->d, &tutor, c.owner, 2);
    expect_listed(f->d, &admin, c.owner, 2);
    expect_listed(f->d, &idle, c.owner, -1);
    expect_listed(f->d, &stranger, c.owner, -1);
    expect_listed(f->d, &demoted, c.owner, -1);
    expect_listed(f->d, &stranger, c.stranger, 0);
    /* malformed paging and owners */
    material *items = (material *)1;
    size_t n = 9;
    int64_t total = 9;
    em_error err = {0};
    assert_int_equal(material_list_visible(f->d, &owner, c.owner, 0, 0, &items, &n, &total, &err),
                     EM_E_INVAL);
    assert_null(items);
    assert_int_equal(n, 0);
    assert_int_equal(
        material_list_visible(f->d, &owner, c.owner, MATERIALS_PAGE_MAX + 1, 0, &items, &n, &total, &err),
        EM_E_INVAL);
    assert_int_equal(material_list_visible(f->d, &owner, c.owner, 10, -1, &items, &n, &total, &err),
                     EM_E_INVAL);
    assert_int_equal(material_list_visible(f->d, &owner, "me", 10, 0, &items, &n, &total, &err), EM_E_INVAL);
    assert_int_equal(material_list_visible(f->d, &owner, NULL, 10, 0, &items, &n, &total, &err), EM_E_INVAL);
    assert_int_equal(
        material_list_visible(f->d, &owner, c.owner, MATERIALS_PAGE_MAX, 1, &items, &n, &total, &err), EM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 2);
    assert_string_equal(items[0].id, id);
    material_cleanup(&items[0]);
    free(items);
}

/* ---- extraction's status ---- */

static void materials_material_status_changes(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    char id[37];
    create_ok(f->d, c.owner, "Cells", true, id, NULL);
    em_error err = {0};
    assert_int_equal(material_set_processing(f->d, id, &err), EM_OK);
    material m = get(f->d, id);
    assert_string_equal(m.status, "processing");
    assert_int_equal(m.pages_done, 0);
    assert_true(strcmp(m.updated_at, m.created_at) >= 0);
    material_cleanup(&m);
    assert_int_equal(material_set_progress(f->d, id, 3, 10, &err), EM_OK);
    m = get(f->d, id);
    assert_int_equal(m.pages_done, 3);
    assert_int_equal(m.page_count, 10);
    material_cleanup(&m);
    assert_int_equal(material_set_failed(f->d, id, "the PDF is encrypted", &err), EM_OK);
    m = get(f->d, id);
    assert_string_equal(m.status, "failed");
    assert_string_equal(m.error, "the PDF is encrypted");
    material_cleanup(&m);
    /* progress only counts while processing */
    assert_int_equal(material_set_progress(f->d, id, 7, 10, &err), EM_OK);
    m = get(f->d, id);
    assert_int_equal(m.pages_done, 3);
    material_cleanup(&m);
    /* a retry starts over */
    assert_int_equal(material_set_processing(f->d, id, &err), EM_OK);
    m = get(f->d, id);
    assert_string_equal(m.status, "processing");
    assert_null(m.error);
    assert_int_equal(m.pages_done, 0);
    material_cleanup(&m);
    /* a material that is gone */
    assert_int_equal(material_set_processing(f->d, NOBODY, &err), EM_E_NOT_FOUND);
    assert_int_equal(material_set_failed(f->d, NOBODY, "whatever", &err), EM_OK);
    assert_int_equal(material_set_progress(f->d, NOBODY, 1, 2, &err), EM_OK);
    assert_int_equal(materials_count(f->d), 1);
}

/* ---- the result ---- */

static void collect_section(void *ctx, const material_section *s)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%d:%d:%s|", s->level, s->page, s->title);
}

static void collect_topic(void *ctx, const material_topic *t)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%s:%d:%.1f|", t->name, t->slug, t->source, t->page, t->weight);
}

/* The tags of question `number` of a material, sorted, joined by ','. */
static char *question_tags(db *d, const char *material_id, const char *number)
{
    const char *p[] = {material_id, number};
    return area_text(
        d,
        db_dialect_of(d) == DB_SQLITE
            ? "SELECT group_concat(tag, ',') FROM (SELECT t.tag FROM question_tags t JOIN questions q "
              "ON q.id = t.question_id WHERE q.material_id = $1 AND q.number = CAST($2 AS INTEGER) "
              "ORDER BY t.tag)"
            : "SELECT string_agg(t.tag, ',' ORDER BY t.tag) FROM question_tags t JOIN questions q "
              "ON q.id = t.question_id WHERE q.material_id = $1 AND q.number = CAST($2 AS INTEGER)",
        p, 2);
}

static void materials_material_store_result_replaces_the_previous(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    char id[37];
    create_ok(f->d, c.owner, "Plants", true, id, NULL);
    em_error err = {0};
    assert_int_equal(material_set_processing(f->d, id, &err), EM_OK);
    store_v1(f->d, id);
    material m = get(f->d, id);
    assert_string_equal(m.status, "ready");
    assert_null(m.error);
    assert_int_equal(m.page_count, 3);
    assert_int_equal(m.pages_done, 3);
    assert_int_equal(m.section_count, 3);
    assert_int_equal(m.chunk_count, 3);
    assert_int_equal(m.question_count, 2);
    assert_int_equal(strlen(m.ready_at), 24);
    material_cleanup(&m);
    /* sections in document order, topics in theirs */
    char seen[512] = "";
    assert_int_equal(material_sections(f->d, id, collect_section, seen, &err), EM_OK);
    assert_string_equal(seen, "1:1:Photosynthesis|2:2:Light reactions|2:3:The Calvin cycle|");
    seen[0] = '\0';
    size_t count = 0;
    assert_int_equal(material_topics(f->d, id, collect_topic, seen, &count, &err), EM_OK);
    assert_int_equal(count, 2);
    assert_string_equal(seen, "Light reactions:light-reactions:heading:2:0.6|"
                              "The Calvin cycle:the-calvin-cycle:heading:3:0.4|");
    /* questions: the material's tags plus their own */
    char *tags = question_tags(f->d, id, "1");
    assert_string_equal(tags, "biology,biology.cells,topic.light");
    free(tags);
    tags = question_tags(f->d, id, "2");
    assert_string_equal(tags, "biology,biology.cells");
    free(tags);
    const char *p[] = {id};
    char *type = area_text(f->d, "SELECT type FROM questions WHERE material_id = $1 AND number = 1", p, 1);
    assert_string_equal(type, "multiple_choice");
    free(type);
    char *answer =
        area_text(f->d, "SELECT answer FROM questions WHERE material_id = $1 AND number = 2", p, 1);
    assert_null(answer);
    /* the chunks are searchable, without the markers */
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll", NULL), 1);
    assert_int_equal(hits_for(f->d, &owner, "rubisco", id), 1);
    assert_int_equal(area_int(f->d,
                              "SELECT count(*) FROM material_chunks WHERE body LIKE '%\xEF\xB7\x90%' "
                              "OR body LIKE '%\xEF\xB7\x91%'",
                              NULL, 0),
                     0);
    char *body =
        area_text(f->d, "SELECT body FROM material_chunks WHERE material_id = $1 AND position = 2", p, 1);
    assert_string_equal(body, "Rubisco fixes carbon dioxide in the stroma.");
    free(body);

    /* the second result replaces the first entirely (a retried job) */
    material_result r2 = result_v2();
    store(f->d, id, &r2);
    m = get(f->d, id);
    assert_string_equal(m.status, "ready");
    assert_int_equal(m.page_count, 1);
    assert_int_equal(m.section_count, 1);
    assert_int_equal(m.chunk_count, 1);
    assert_int_equal(m.question_count, 0);
    material_cleanup(&m);
    assert_int_equal(count_of(f->d, "material_sections", id), 1);
    assert_int_equal(count_of(f->d, "material_chunks", id), 1);
    assert_int_equal(count_of(f->d, "material_topics", id), 0);
    assert_int_equal(count_of(f->d, "questions", id), 0);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM question_tags", NULL, 0), 0);
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll", NULL), 0);
    assert_int_equal(index_entries(f->d, "chlorophyll"), 0);
    assert_int_equal(hits_for(f->d, &owner, "mitochondria", NULL), 1);
    index_consistent(f->d);
    /* storing the same again changes nothing */
    store(f->d, id, &r2);
    assert_int_equal(count_of(f->d, "material_chunks", id), 1);
    assert_int_equal(hits_for(f->d, &owner, "mitochondria", NULL), 1);
    index_consistent(f->d);
}

static void materials_material_store_result_fails_cleanly(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    char id[37];
    create_ok(f->d, c.owner, "Plants", true, id, NULL);
    store_v1(f->d, id);
    /* a result that fails half-way (a topic the table refuses, written after
     * the old rows were cleared and the new sections and chunks written)
     * leaves the previous result as it was */
    topic bad_topics[] = {{.name = "Respiration", .source = "invented", .page = 1, .weight = 1.0}};
    topic_list bad_list = {bad_topics, 1};
    material_result bad = result_v2();
    bad.topics = &bad_list;
    material m = get(f->d, id);
    em_error err = {0};
    assert_int_not_equal(material_store_result(f->d, &m, &bad, &err), EM_OK);
    assert_false(db_in_transaction(f->d));
    material_cleanup(&m);
    m = get(f->d, id);
    assert_string_equal(m.status, "ready");
    assert_int_equal(m.chunk_count, 3);
    material_cleanup(&m);
    assert_int_equal(count_of(f->d, "material_sections", id), 3);
    assert_int_equal(count_of(f->d, "material_chunks", id), 3);
    assert_int_equal(count_of(f->d, "material_topics", id), 2);
    assert_int_equal(count_of(f->d, "questions", id), 2);
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll", NULL), 1);
    assert_int_equal(hits_for(f->d, &owner, "mitochondria", NULL), 0);
    index_consistent(f->d);
    /* a material deleted while it was extracted: EM_E_NOT_FOUND, nothing stored */
    char gone[37];
    create_ok(f->d, c.owner, "Deleted meanwhile", true, gone, NULL);
    m = get(f->d, gone);
    assert_int_equal(material_delete(f->d, gone, &err), EM_OK);
    json_t *qt[2];
    material_result r1 = result_v1(qt);
    assert_int_equal(material_store_result(f->d, &m, &r1, &err), EM_E_NOT_FOUND);
    json_decref(qt[0]);
    material_cleanup(&m);
    assert_false(db_in_transaction(f->d));
    assert_int_equal(count_of(f->d, "material_sections", gone), 0);
    assert_int_equal(count_of(f->d, "material_chunks", gone), 0);
    assert_int_equal(count_of(f->d, "material_topics", gone), 0);
    assert_int_equal(count_of(f->d, "questions", gone), 0);
    assert_int_equal(index_entries(f->d, "chlorophyll"), 1);
    index_consistent(f->d);
}

/* ---- delete ---- */

static void materials_material_delete_removes_every_owned_row(void **state)
{
    fixture *f = area_db(state);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    char id[37], kept[37];
    create_ok(f->d, c.owner, "Plants", true, id, NULL);
    create_ok(f->d, c.owner, "Respiration", true, kept, NULL);
    store_v1(f->d, id);
    material_result r2 = result_v2();
    store(f->d, kept, &r2);
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll OR thylakoid OR rubisco", NULL), 3);
    assert_int_equal(index_entries(f->d, "chlorophyll"), 1);
    em_error err = {0};
    assert_int_equal(material_delete(f->d, id, &err), EM_OK);
    material m;
    assert_int_equal(material_get(f->d, id, &m, &err), EM_E_NOT_FOUND);
    assert_int_equal(count_of(f->d, "material_sections", id), 0);
    assert_int_equal(count_of(f->d, "material_chunks", id), 0);
    assert_int_equal(count_of(f->d, "material_topics", id), 0);
    assert_int_equal(count_of(f->d, "questions", id), 0);
    assert_int_equal(area_int(f->d, "SELECT count(*) FROM question_tags", NULL, 0), 0);
    /* the index has nothing left of it: search finds nothing, and the engine's
     * own index holds no entry for its words */
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll OR thylakoid OR rubisco", NULL), 0);
    assert_int_equal(index_entries(f->d, "chlorophyll"), 0);
    assert_int_equal(index_entries(f->d, "rubisco"), 0);
    index_consistent(f->d);
    /* a new chunk after it (which may take a freed row id) is not confused
     * with the deleted ones */
    material_result again = result_v2();
    store(f->d, kept, &again);
    assert_int_equal(hits_for(f->d, &owner, "chlorophyll", NULL), 0);
    /* the other material is untouched */
    assert_int_equal(hits_for(f->d, &owner, "mitochondria", NULL), 1);
    assert_int_equal(count_of(f->d, "material_chunks", kept), 1);
    /* the job stays for the record; deleting again is EM_E_NOT_FOUND */
    assert_int_equal(jobs_count(f->d), 2);
    assert_int_equal(material_delete(f->d, id, &err), EM_E_NOT_FOUND);
    assert_false(db_in_transaction(f->d));
    assert_int_equal(materials_count(f->d), 1);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_material_create_with_and_without_job),
        BOTH(materials_material_get_and_list),
        BOTH(materials_material_visibility),
        BOTH(materials_material_status_changes),
        BOTH(materials_material_store_result_replaces_the_previous),
        BOTH(materials_material_store_result_fails_cleanly),
        BOTH(materials_material_delete_removes_every_owned_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
