/* remove: taking a material away, on SQLite and PostgreSQL with a storage
 * directory the test inspects: its rows (the index entries included) and its
 * file go; a material the caller may not see is EM_E_NOT_FOUND and nothing is
 * removed; a file that cannot be removed once the rows are gone is logged with
 * its key and is not an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "auth/authz.h"
#include "content/query.h"
#include "content/storage.h"
#include "materials/material.h"
#include "materials/remove.h"
#include "materials/search.h"
#include "materials/submit.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

static const char text[] = "Osmosis moves water across a membrane. Diffusion spreads solutes.\n";

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

static text_chunk chunks[] = {
    {.text = "Osmosis moves water across a membrane.",
     .page_start = 1,
     .page_end = 1,
     .words = 6,
     .section = "Transport",
     .index = 0},
    {.text = "Diffusion spreads solutes.",
     .page_start = 1,
     .page_end = 1,
     .words = 3,
     .section = "Transport",
     .index = 1},
};
static chunk_list chunk_list_1 = {chunks, 2};
static chunk_heading headings[] = {{.page = 1, .offset = 0, .level = 1, .title = "Transport"}};
static topic topics[] = {{.name = "Transport", .source = "heading", .page = 1, .weight = 1.0}};
static topic_list topic_list_1 = {topics, 1};
static ws_question questions[] = {
    {.number = 1, .page = 1, .stem = "What crosses the membrane?", .answer = "water"}};
static ws_list question_list_1 = {questions, 1};

/* A submitted material of user_id with its extraction result stored. */
static void add_material(db *d, area_store *st, const char *user_id, char id[37])
{
    submit_input in = {.user_id = user_id,
                       .data = text,
                       .len = strlen(text),
                       .filename = "transport.txt",
                       .tags_json = "[\"biology\"]",
                       .is_worksheet = true,
                       .enqueue = true};
    submit_output out;
    em_error err = {0};
    if (material_submit(d, st->s, &in, &out, &err) != EM_OK)
        fail_msg("material_submit: %s", err.msg);
    snprintf(id, 37, "%s", out.material_id);
    material m;
    assert_int_equal(material_get(d, id, &m, &err), EM_OK);
    material_result r = {.page_count = 1,
                         .headings = headings,
                         .n_headings = 1,
                         .chunks = &chunk_list_1,
                         .topics = &topic_list_1,
                         .questions = &question_list_1};
    if (material_store_result(d, &m, &r, &err) != EM_OK)
        fail_msg("material_store_result: %s", err.msg);
    material_cleanup(&m);
}

/* Rows of material `id` in every table that holds them. */
static int64_t rows_of(db *d, const char *id)
{
    const char *p[] = {id};
    return area_int(d,
                    "SELECT (SELECT count(*) FROM materials WHERE id = $1) "
                    "+ (SELECT count(*) FROM material_sections WHERE material_id = $1) "
                    "+ (SELECT count(*) FROM material_chunks WHERE material_id = $1) "
                    "+ (SELECT count(*) FROM material_topics WHERE material_id = $1) "
                    "+ (SELECT count(*) FROM questions WHERE material_id = $1) "
                    "+ (SELECT count(*) FROM question_tags t JOIN questions q ON q.id = t.question_id "
                    "WHERE q.material_id = $1)",
                    p, 1);
}

static bool file_exists(area_store *st, const char *id)
{
    char key[128];
    material_storage_key(id, key, sizeof key);
    void *data = NULL;
    size_t n = 0;
    em_error err = {0};
    int rc = storage_get(st->s, key, &data, &n, 1 << 20, &err);
    free(data);
    return rc == EM_OK;
}

static size_t hits_for(db *d, const principal *who, const char *q_text)
{
    search_query *q = NULL;
    em_error err = {0};
    assert_int_equal(query_parse(q_text, strlen(q_text), &q, &err), EM_OK);
    search_hit *hits = NULL;
    size_t n = 0;
    assert_int_equal(search_passages(d, who, q, NULL, SEARCH_LIMIT_MAX, 0, &hits, &n, &err), EM_OK);
    query_free(q);
    search_hits_free(hits, n);
    return n;
}

static void materials_remove_takes_rows_and_file(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    principal tutor = area_principal(c.tutor, "tutor");
    principal admin = area_principal(c.admin, "admin");
    char a[37], b[37], k[37];
    add_material(f->d, &st, c.owner, a);
    add_material(f->d, &st, c.owner, b);
    add_material(f->d, &st, c.owner, k);
    assert_int_equal(rows_of(f->d, a), 1 + 1 + 2 + 1 + 1 + 1);
    assert_true(file_exists(&st, a));
    assert_int_equal(hits_for(f->d, &owner, "osmosis"), 3);
    em_error err = {0};
    /* the owner, an assigned tutor and an admin may each remove one */
    assert_int_equal(material_remove(f->d, st.s, &owner, a, &err), EM_OK);
    assert_int_equal(material_remove(f->d, st.s, &tutor, b, &err), EM_OK);
    assert_int_equal(rows_of(f->d, a), 0);
    assert_int_equal(rows_of(f->d, b), 0);
    assert_false(file_exists(&st, a));
    assert_false(file_exists(&st, b));
    assert_int_equal(hits_for(f->d, &owner, "osmosis"), 1);
    assert_int_equal(area_store_files(&st), 1);
    assert_int_equal(material_remove(f->d, st.s, &admin, k, &err), EM_OK);
    assert_int_equal(rows_of(f->d, k), 0);
    assert_int_equal(area_store_files(&st), 0);
    assert_int_equal(hits_for(f->d, &owner, "osmosis OR diffusion"), 0);
    /* gone is gone */
    assert_int_equal(material_remove(f->d, st.s, &owner, a, &err), EM_E_NOT_FOUND);
    assert_false(db_in_transaction(f->d));
    area_store_close(&st);
}

static void materials_remove_invisible_is_not_found(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char id[37];
    add_material(f->d, &st, c.owner, id);
    int64_t rows = rows_of(f->d, id);
    principal idle = area_principal(c.idle_tutor, "tutor");
    principal stranger = area_principal(c.stranger, "student");
    principal demoted = area_principal(c.tutor, "student");
    principal admin = area_principal(c.admin, "admin");
    const principal *callers[] = {&idle, &stranger, &demoted};
    em_error err = {0};
    for (size_t i = 0; i < sizeof callers / sizeof callers[0]; i++) {
        assert_int_equal(material_remove(f->d, st.s, callers[i], id, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such material");
    }
    assert_int_equal(material_remove(f->d, st.s, &admin, NOBODY, &err), EM_E_NOT_FOUND);
    assert_string_equal(err.msg, "no such material");
    assert_int_equal(material_remove(f->d, st.s, &admin, "../../etc", &err), EM_E_NOT_FOUND);
    assert_int_equal(material_remove(f->d, st.s, &admin, NULL, &err), EM_E_NOT_FOUND);
    assert_int_equal(rows_of(f->d, id), rows);
    assert_true(file_exists(&st, id));
    assert_int_equal(area_store_files(&st), 1);
    area_store_close(&st);
}

static void materials_remove_file_failure_is_logged(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    principal owner = area_principal(c.owner, "student");
    char id[37];
    add_material(f->d, &st, c.owner, id);
    /* the original is now a directory with something in it: it cannot be
     * unlinked, even by root */
    char path[256];
    snprintf(path, sizeof path, "%s/materials/%s/original", st.dir, id);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    char inner[300];
    snprintf(inner, sizeof inner, "%s/keep", path);
    FILE *fp = fopen(inner, "w");
    assert_non_null(fp);
    fclose(fp);
    /* the log goes to a file the test reads */
    char log_path[] = "/tmp/em_log_XXXXXX";
    int fd = mkstemp(log_path);
    assert_true(fd >= 0);
    log_configure(LOG_ERROR, fd);
    em_error err = {0};
    int rc = material_remove(f->d, st.s, &owner, id, &err);
    area_log_setup();
    assert_int_equal(rc, EM_OK);
    assert_int_equal(rows_of(f->d, id), 0);
    char logged[4096] = "";
    ssize_t n = pread(fd, logged, sizeof logged - 1, 0);
    assert_true(n > 0);
    logged[n] = '\0';
    close(fd);
    unlink(log_path);
    char key[128];
    material_storage_key(id, key, sizeof key);
    if (strstr(logged, "was not removed") == NULL || strstr(logged, key) == NULL)
        fail_msg("the log does not name the file left behind: %s", logged);
    assert_true(access(inner, F_OK) == 0);
    area_store_close(&st);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_remove_takes_rows_and_file),
        BOTH(materials_remove_invisible_is_not_found),
        BOTH(materials_remove_file_failure_is_logged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
