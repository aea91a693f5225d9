/* passages: a student's materials as built retrieval indexes, through the
 * cache, on SQLite and PostgreSQL: what is loaded (the caller's own ready
 * materials; named ones checked, default ones filtered), who may not load
 * (a tutor, an admin, a stranger: not found), hits, eviction within the byte
 * budget (an index in use survives it), and a material that changes or is
 * deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/authz.h"
#include "content/storage.h"
#include "learn/retrieve.h"
#include "materials/material.h"
#include "materials/passages.h"
#include "materials/remove.h"
#include "materials/submit.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

typedef struct cast {
    char owner[37], tutor[37], stranger[37], admin[37];
    principal p_owner, p_tutor, p_stranger, p_admin;
} cast;

static void make_cast(db *d, cast *c)
{
    area_user(d, "owner@example.org", "student", c->owner);
    area_user(d, "tutor@example.org", "tutor", c->tutor);
    area_user(d, "stranger@example.org", "student", c->stranger);
    area_user(d, "admin@example.org", "admin", c->admin);
    em_error err = {0};
    bool created = false;
    assert_int_equal(authz_assign_student(d, c->tutor, c->owner, &created, &err), EM_OK);
    c->p_owner = area_principal(c->owner, "student");
    c->p_tutor = area_principal(c->tutor, "tutor");
    c->p_stranger = area_principal(c->stranger, "student");
    c->p_admin = area_principal(c->admin, "admin");
}

static text_chunk chunks[] = {
    {.text = "Osmosis moves water across a membrane.",
     .page_start = 1,
     .page_end = 1,
     .words = 6,
     .section = "Transport",
     .index = 0},
    {.text = "Diffusion spreads solutes.",
     .page_start = 2,
     .page_end = 3,
     .words = 3,
     .section = "Transport",
     .index = 1},
};
static chunk_list chunk_list_1 = {chunks, 2};
static chunk_heading headings[] = {{.page = 1, .offset = 0, .level = 1, .title = "Transport"}};
static topic topics[] = {{.name = "Transport", .source = "heading", .page = 1, .weight = 1.0}};
static topic_list topic_list_1 = {topics, 1};

/* A material of user_id, its extraction stored (ready) when `ready`. */
static void add_material(db *d, area_store *st, const char *user_id, const char *title, bool ready,
                         char id[37])
{
    char text[128];
    snprintf(text, sizeof text, "%s: osmosis moves water.\n", title);
    submit_input in = {.user_id = user_id,
                       .data = text,
                       .len = strlen(text),
                       .filename = "t.txt",
                       .tags_json = "[]",
                       .enqueue = true};
    submit_output out;
    em_error err = {0};
    if (material_submit(d, st->s, &in, &out, &err) != EM_OK)
        fail_msg("material_submit: %s", err.msg);
    snprintf(id, 37, "%s", out.material_id);
    const char *p[] = {title, id};
    area_run(d, "UPDATE materials SET title = $1 WHERE id = $2", p, 2);
    if (!ready)
        return;
    material m;
    assert_int_equal(material_get(d, id, &m, &err), EM_OK);
    material_result r = {.page_count = 3,
                         .headings = headings,
                         .n_headings = 1,
                         .chunks = &chunk_list_1,
                         .topics = &topic_list_1};
    if (material_store_result(d, &m, &r, &err) != EM_OK)
        fail_msg("material_store_result: %s", err.msg);
    material_cleanup(&m);
}

static int load(db *d, passages_cache *c, const principal *who, const char *id, passages_set *s)
{
    em_error err = {0};
    const char *ids[] = {id};
    return passages_load(d, c, who, ids, id != NULL ? 1 : 0, false, s, &err);
}

static void materials_passages_load_and_hit(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char a[37];
    add_material(f->d, &st, c.owner, "Biology", true, a);
    passages_cache *cache = passages_cache_new(1 << 20);
    passages_set s;
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.items[0].id, a);
    assert_string_equal(s.items[0].title, "Biology");
    assert_int_equal(retrieve_index_count(s.items[0].index), 2);
    const retrieve_passage *p = retrieve_index_passage(s.items[0].index, 1);
    assert_string_equal(p->text, "Diffusion spreads solutes.");
    assert_string_equal(p->section, "Transport");
    assert_string_equal(p->material_id, a);
    assert_int_equal(p->page_start, 2);
    assert_int_equal(p->page_end, 3);
    const retrieve_index *first = s.items[0].index;
    passages_stats ps;
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.misses, 1);
    assert_int_equal(ps.hits, 0);
    assert_int_equal(ps.entries, 1);
    assert_true(ps.bytes > 0);
    passages_release(cache, &s);
    /* Asked again: the same index, not read again. */
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    assert_ptr_equal(s.items[0].index, first);
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.misses, 1);
    assert_int_equal(ps.hits, 1);
    passages_release(cache, &s);
    passages_cache_free(cache);
    area_store_close(&st);
}

/* By default all of the caller's ready materials; named ones must be ready. */
static void materials_passages_default_and_not_ready(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char a[37], b[37], pending[37], theirs[37];
    add_material(f->d, &st, c.owner, "Biology", true, a);
    add_material(f->d, &st, c.owner, "Chemistry", true, b);
    add_material(f->d, &st, c.owner, "Physics", false, pending);
    add_material(f->d, &st, c.stranger, "Secret", true, theirs);
    passages_cache *cache = passages_cache_new(1 << 20);
    passages_set s;
    assert_int_equal(load(f->d, cache, &c.p_owner, NULL, &s), EM_OK);
    assert_int_equal(s.n, 2);
    bool has_a = false, has_b = false;
    for (size_t i = 0; i < s.n; i++) {
        has_a = has_a || strcmp(s.items[i].id, a) == 0;
        has_b = has_b || strcmp(s.items[i].id, b) == 0;
    }
    assert_true(has_a && has_b);
    passages_release(cache, &s);
    em_error err = {0};
    const char *ids[] = {a, pending};
    assert_int_equal(passages_load(f->d, cache, &c.p_owner, ids, 2, false, &s, &err), EM_E_INVAL);
    assert_string_equal(err.reason, "validation_error");
    assert_non_null(strstr(err.msg, "not ready"));
    assert_int_equal(s.n, 0);
    /* A session's materials: the pending one is left out. */
    assert_int_equal(passages_load(f->d, cache, &c.p_owner, ids, 2, true, &s, &err), EM_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.items[0].id, a);
    passages_release(cache, &s);
    /* Someone with nothing ready gets an empty set. */
    assert_int_equal(load(f->d, cache, &c.p_tutor, NULL, &s), EM_OK);
    assert_int_equal(s.n, 0);
    passages_release(cache, &s);
    passages_cache_free(cache);
    area_store_close(&st);
}

/* Only the owner asks about a material: to a tutor who may see it, an admin,
 * a stranger, it does not exist, like an id nobody has. */
static void materials_passages_only_the_owner(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char a[37];
    add_material(f->d, &st, c.owner, "Biology", true, a);
    passages_cache *cache = passages_cache_new(1 << 20);
    passages_set s;
    const principal *others[] = {&c.p_tutor, &c.p_admin, &c.p_stranger};
    for (size_t i = 0; i < 3; i++) {
        em_error err = {0};
        const char *ids[] = {a};
        assert_int_equal(passages_load(f->d, cache, others[i], ids, 1, false, &s, &err), EM_E_NOT_FOUND);
        assert_string_equal(err.msg, "no such material");
        assert_int_equal(s.n, 0);
        assert_int_equal(passages_load(f->d, cache, others[i], ids, 1, true, &s, &err), EM_E_NOT_FOUND);
    }
    assert_int_equal(load(f->d, cache, &c.p_owner, NOBODY, &s), EM_E_NOT_FOUND);
    assert_int_equal(load(f->d, cache, &c.p_owner, "not-an-id", &s), EM_E_NOT_FOUND);
    passages_stats ps;
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.entries, 0); /* nothing was read for them */
    passages_cache_free(cache);
    area_store_close(&st);
}

/* Least recently used out past the budget; an index in use stays valid. */
static void materials_passages_eviction_by_budget(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char a[37], b[37];
    add_material(f->d, &st, c.owner, "Biology", true, a);
    add_material(f->d, &st, c.owner, "Chemistry", true, b);
    /* The size of one index, then a budget that holds one and a half. */
    passages_cache *probe = passages_cache_new(1 << 20);
    passages_set s, t;
    assert_int_equal(load(f->d, probe, &c.p_owner, a, &s), EM_OK);
    passages_release(probe, &s);
    passages_stats ps;
    passages_cache_stats(probe, &ps);
    size_t one = ps.bytes;
    passages_cache_free(probe);

    passages_cache *cache = passages_cache_new(one + one / 2);
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK); /* held */
    assert_int_equal(load(f->d, cache, &c.p_owner, b, &t), EM_OK); /* evicts a */
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.evictions, 1);
    assert_int_equal(ps.entries, 1);
    assert_true(ps.bytes <= one + one / 2);
    /* a's index is still whole for the set that holds it. */
    assert_int_equal(retrieve_index_count(s.items[0].index), 2);
    assert_string_equal(retrieve_index_passage(s.items[0].index, 0)->text,
                        "Osmosis moves water across a membrane.");
    passages_release(cache, &s);
    passages_release(cache, &t);
    /* b is cached (a hit), a is not any more (a miss, which evicts b). */
    assert_int_equal(load(f->d, cache, &c.p_owner, b, &t), EM_OK);
    passages_release(cache, &t);
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.hits, 1);
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    passages_release(cache, &s);
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.misses, 3);
    assert_int_equal(ps.evictions, 2);
    passages_cache_free(cache);

    /* A budget smaller than one index: built, used, never kept. */
    cache = passages_cache_new(one / 2);
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    assert_int_equal(retrieve_index_count(s.items[0].index), 2);
    passages_release(cache, &s);
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.entries, 0);
    assert_int_equal(ps.bytes, 0);
    passages_cache_free(cache);
    area_store_close(&st);
}

/* A material that changed is read again; one deleted is gone. */
static void materials_passages_change_and_delete(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    cast c;
    make_cast(f->d, &c);
    char a[37];
    add_material(f->d, &st, c.owner, "Biology", true, a);
    passages_cache *cache = passages_cache_new(1 << 20);
    passages_set s;
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    passages_release(cache, &s);
    /* Extracted again: new text and a new stamp. */
    const char *p[] = {a};
    area_run(f->d,
             "UPDATE material_chunks SET body = 'Active transport pumps ions.' WHERE material_id = $1 "
             "AND position = 0",
             p, 1);
    const char *q[] = {"2031-01-02T03:04:05Z", a};
    area_run(f->d, "UPDATE materials SET updated_at = $1 WHERE id = $2", q, 2);
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_OK);
    assert_string_equal(retrieve_index_passage(s.items[0].index, 0)->text, "Active transport pumps ions.");
    passages_release(cache, &s);
    passages_stats ps;
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.misses, 2);
    assert_int_equal(ps.entries, 1); /* the stale one was dropped */
    /* Deleted: not found, and forgetting it gives its memory back. */
    em_error err = {0};
    assert_int_equal(material_remove(f->d, st.s, &c.p_owner, a, &err), EM_OK);
    assert_int_equal(load(f->d, cache, &c.p_owner, a, &s), EM_E_NOT_FOUND);
    passages_cache_forget(cache, a);
    passages_cache_stats(cache, &ps);
    assert_int_equal(ps.entries, 0);
    assert_int_equal(ps.bytes, 0);
    passages_cache_forget(NULL, a);
    passages_cache_free(cache);
    area_store_close(&st);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_passages_load_and_hit),      BOTH(materials_passages_default_and_not_ready),
        BOTH(materials_passages_only_the_owner),    BOTH(materials_passages_eviction_by_budget),
        BOTH(materials_passages_change_and_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
