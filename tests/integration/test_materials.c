/* Study material end to end against the real binary: uploads (multipart and
 * JSON), extraction by the embedded worker, sections, topics, search, the
 * question bank, signed downloads, deletion, and every bad input ending in a
 * clear status with nothing left behind; the same life of a material with its
 * file in S3 (the fake S3 server of tests/fixtures/fixtures_s3.h), and S3
 * failing; the upload limits; orphaned files swept; and the crash test: the
 * server (or a standalone worker) killed with SIGKILL during every attempt of
 * an extraction, the material ending failed with the reason, never stuck in
 * "processing". Each case runs on SQLite and on PostgreSQL. */
#include "it_common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content/signed_url.h"
#include "content/topics.h"
#include "fixtures.h"
#include "fixtures_s3.h"

#define SECRET "materials-test-secret-that-is-long-enough-1234"

static const char *const env[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "MAX_UPLOAD_MB=1",
                                  "EXTRACTION_THREADS=2", NULL};

typedef struct ctx {
    it_backend b;
    it_server s;
    it_account alice, bob;
} ctx;

static void start_with(ctx *c, bool pg, const char *const *server_env)
{
    it_backend_setup(&c->b, pg);
    it_server_start(&c->s, &c->b, server_env);
    it_register(&c->s, "alice@example.org", &c->alice);
    it_register(&c->s, "bob@example.org", &c->bob);
}

static void start(ctx *c, bool pg)
{
    start_with(c, pg, env);
}

static void stop(ctx *c)
{
    assert_int_equal(it_server_stop(&c->s), 0);
    it_backend_teardown(&c->b);
}

/* GET/DELETE/... with the account's bearer token. */
static void call(const ctx *c, const it_account *as, const char *method, const char *path, const char *json,
                 it_response *r)
{
    char auth[1100];
    const char *h[] = {"Content-Type: application/json", it_bearer(as, auth, sizeof auth), NULL};
    it_http(&c->s, method, path, h, json, json != NULL ? strlen(json) : 0, r);
}

/* POST /api/materials as multipart/form-data: the file part and optional
 * worksheet and tags fields. */
static void upload(const ctx *c, const it_account *as, const char *filename, const void *data, size_t len,
                   const char *worksheet, const char *tags, it_response *r)
{
    static const char boundary[] = "----exammentor-test-boundary-7f3a";
    size_t cap = len + 4096;
    char *body = malloc(cap);
    size_t n = 0;
    if (worksheet != NULL)
        n += (size_t)snprintf(body + n, cap - n,
                              "--%s\r\nContent-Disposition: form-data; name=\"worksheet\"\r\n\r\n%s\r\n", boundary,
                              worksheet);
    if (tags != NULL)
        n += (size_t)snprintf(body + n, cap - n, "--%s\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n%s\r\n",
                              boundary, tags);
    n += (size_t)snprintf(body + n, cap - n,
                          "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n",
                          boundary, filename);
    memcpy(body + n, data, len);
    n += len;
    n += (size_t)snprintf(body + n, cap - n, "\r\n--%s--\r\n", boundary);
    char auth[1100], ct[128];
    snprintf(ct, sizeof ct, "Content-Type: multipart/form-data; boundary=%s", boundary);
    const char *h[] = {ct, it_bearer(as, auth, sizeof auth), NULL};
    it_http(&c->s, "POST", "/api/materials", h, body, n, r);
    free(body);
}

static void upload_fixture(const ctx *c, const it_account *as, const char *name, const char *worksheet,
                           const char *tags, it_response *r)
{
    unsigned char *data = NULL;
    size_t len = 0;
    em_error err = {0};
    if (fixture_build(name, &data, &len, &err) != EM_OK)
        fail_msg("fixture %s: %s", name, err.msg);
    upload(c, as, name, data, len, worksheet, tags, r);
    free(data);
}

/* The id of a 202 upload answer. */
static void accepted_id(it_response *r, char id[64])
{
    if (r->status != 202)
        fail_msg("upload: expected 202, got %ld %s", r->status, r->body);
    json_t *j = it_json(r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "pending");
    assert_non_null(json_string_value(json_object_get(j, "job_id")));
    snprintf(id, 64, "%s", json_string_value(json_object_get(j, "id")));
    json_decref(j);
    it_response_free(r);
}

/* Upload the fixture `name` and take the 202: its bytes (owned) and the id. */
static unsigned char *upload_accepted(const ctx *c, const it_account *as, const char *name, size_t *len,
                                      char id[64])
{
    unsigned char *data = NULL;
    em_error err = {0};
    if (fixture_build(name, &data, len, &err) != EM_OK)
        fail_msg("fixture %s: %s", name, err.msg);
    it_response r;
    upload(c, as, name, data, *len, NULL, NULL, &r);
    accepted_id(&r, id);
    return data;
}

/* Poll the material until it is ready or failed (30 s at most); its JSON. */
static json_t *wait_done(const ctx *c, const it_account *as, const char *id)
{
    char path[128];
    snprintf(path, sizeof path, "/api/materials/%s", id);
    for (int i = 0; i < 600; i++) {
        it_response r;
        call(c, as, "GET", path, NULL, &r);
        assert_int_equal(r.status, 200);
        json_t *j = it_json(&r);
        it_response_free(&r);
        const char *st = json_string_value(json_object_get(j, "status"));
        if (strcmp(st, "ready") == 0 || strcmp(st, "failed") == 0)
            return j;
        json_decref(j);
        usleep(50 * 1000);
    }
    fail_msg("material %s was not extracted within 30 s", id);
    return NULL;
}

static json_t *get_json(const ctx *c, const it_account *as, const char *path, long want)
{
    it_response r;
    call(c, as, "GET", path, NULL, &r);
    if (r.status != want)
        fail_msg("GET %s: expected %ld, got %ld %s", path, want, r.status, r.body);
    json_t *j = it_json(&r);
    it_response_free(&r);
    return j;
}

/* The page of the first headings.pdf paragraph that contains word. */
static int page_of_word(const char *word)
{
    for (size_t i = 0; i < fixture_headings_n_blocks; i++)
        if (strstr(fixture_headings_blocks[i].text, word) != NULL)
            return fixture_headings_blocks[i].page;
    fail_msg("no fixture paragraph has %s", word);
    return 0;
}

static int count_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            n += count_files(sub);
        else
            n++;
    }
    closedir(d);
    return n;
}

static int stored_files(const ctx *c)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/data/files", c->b.dir);
    return count_files(dir);
}

/* ---- cases ---- */

static void pdf_extracted_and_searchable(void **state)
{
    ctx c;
    start(&c, IT_PG(state));
    it_response r;
    char id[64];
    upload_fixture(&c, &c.alice, "headings.pdf", NULL, NULL, &r);
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ready");
    assert_string_equal(json_string_value(json_object_get(m, "kind")), "pdf");
    assert_int_equal(json_integer_value(json_object_get(m, "page_count")), FIXTURE_HEADINGS_PAGES);
    assert_int_equal(json_integer_value(json_object_get(m, "pages_done")), FIXTURE_HEADINGS_PAGES);
    assert_true(json_integer_value(json_object_get(m, "chunk_count")) >= 2);
    /* Every heading of the fixture is a section, on its page, in order; the
     * running footer is not. */
    json_t *sections = json_object_get(m, "sections");
    size_t k = 0;
    for (size_t i = 0; i < fixture_headings_n_blocks; i++) {
        const fixture_block *fb = &fixture_headings_blocks[i];
        if (fb->level == 0)
            continue;
        json_t *s = json_array_get(sections, k++);
        if (s == NULL)
            fail_msg("heading %s missing from %s", fb->text, json_dumps(sections, 0));
        assert_string_equal(json_string_value(json_object_get(s, "title")), fb->text);
        assert_int_equal(json_integer_value(json_object_get(s, "page")), fb->page);
        assert_int_equal(json_integer_value(json_object_get(s, "level")), fb->level);
    }
    assert_int_equal(json_array_size(sections), k);
    json_decref(m);

    /* Topics come from the headings. */
    char path[256];
    snprintf(path, sizeof path, "/api/materials/%s/topics", id);
    json_t *t = get_json(&c, &c.alice, path, 200);
    json_t *items = json_object_get(t, "items");
    assert_true(json_array_size(items) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "source")), "heading");
    json_decref(t);

    /* Search ranks the passage with the words first, with its page and a
     * highlighted snippet. */
    json_t *s = get_json(&c, &c.alice, "/api/search?q=chlorophyll", 200);
    items = json_object_get(s, "items");
    assert_true(json_array_size(items) >= 1);
    json_t *top = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(top, "material_id")), id);
    int want = page_of_word("chlorophyll");
    assert_true(json_integer_value(json_object_get(top, "page")) <= want);
    assert_true(json_integer_value(json_object_get(top, "page_end")) >= want);
    assert_non_null(strstr(json_string_value(json_object_get(top, "snippet")), "<mark>chlorophyll</mark>"));
    json_decref(s);

    s = get_json(&c, &c.alice, "/api/search?q=phospholipid%20bilayer", 200);
    top = json_array_get(json_object_get(s, "items"), 0);
    assert_non_null(top);
    assert_true(json_integer_value(json_object_get(top, "page")) <= page_of_word("phospholipid bilayer"));
    json_decref(s);

    /* Words no passage has: nothing; a syntax error: 400. */
    s = get_json(&c, &c.alice, "/api/search?q=xylophone", 200);
    assert_int_equal(json_array_size(json_object_get(s, "items")), 0);
    json_decref(s);
    call(&c, &c.alice, "GET", "/api/search?q=%22unbalanced", NULL, &r);
    it_assert_error(&r, 400, "invalid_query");
    it_response_free(&r);
    call(&c, &c.alice, "GET", "/api/search?q=OR", NULL, &r);
    it_assert_error(&r, 400, "invalid_query");
    it_response_free(&r);
    call(&c, &c.alice, "GET", "/api/search", NULL, &r);
    it_assert_error(&r, 400, "invalid_query");
    it_response_free(&r);

    /* Another user neither sees, searches nor downloads it. */
    snprintf(path, sizeof path, "/api/materials/%s", id);
    call(&c, &c.bob, "GET", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    s = get_json(&c, &c.bob, "/api/search?q=chlorophyll", 200);
    assert_int_equal(json_array_size(json_object_get(s, "items")), 0);
    json_decref(s);
    snprintf(path, sizeof path, "/api/search?q=chlorophyll&material_id=%s", id);
    call(&c, &c.bob, "GET", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    stop(&c);
}

static void worksheet_question_bank(void **state)
{
    ctx c;
    start(&c, IT_PG(state));
    it_response r;
    char id[64];
    upload_fixture(&c, &c.alice, "worksheet.pdf", "true", "Math.Algebra.Linear-Equations, exam.unit-2", &r);
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ready");
    assert_int_equal(json_integer_value(json_object_get(m, "question_count")), FIXTURE_WORKSHEET_QUESTIONS);
    assert_true(json_is_true(json_object_get(m, "is_worksheet")));
    json_decref(m);

    /* Tag prefix match: the parent tag finds all 20, with stems, options,
     * keys and pages as printed. */
    char slug[TOPICS_SLUG_MAX + 1], section_tag[TOPICS_SLUG_MAX + 8];
    assert_int_equal(topics_tag_slug(FIXTURE_WORKSHEET_HEADING, slug, sizeof slug), EM_OK);
    snprintf(section_tag, sizeof section_tag, "topic.%s", slug);
    json_t *q = get_json(&c, &c.alice, "/api/questions?tag=math.algebra&limit=100", 200);
    json_t *items = json_object_get(q, "items");
    assert_int_equal(json_array_size(items), FIXTURE_WORKSHEET_QUESTIONS);
    for (size_t i = 0; i < FIXTURE_WORKSHEET_QUESTIONS; i++) {
        const fixture_question *fq = &fixture_worksheet_questions[i];
        json_t *it = json_array_get(items, i);
        assert_int_equal(json_integer_value(json_object_get(it, "number")), (json_int_t)i + 1);
        assert_string_equal(json_string_value(json_object_get(it, "stem")), fq->stem);
        assert_string_equal(json_string_value(json_object_get(it, "type")), "multiple_choice");
        json_t *opts = json_object_get(it, "options");
        assert_int_equal(json_array_size(opts), 4);
        for (size_t o = 0; o < 4; o++)
            assert_string_equal(json_string_value(json_array_get(opts, o)), fq->options[o]);
        char key[2] = {fq->answer, '\0'};
        assert_string_equal(json_string_value(json_object_get(it, "answer")), key);
        assert_int_equal(json_integer_value(json_object_get(it, "page")), fq->page);
        /* The given tags, and the section it sits in as an inferred one. */
        json_t *tags = json_object_get(it, "tags");
        bool has_given = false, has_section = false;
        for (size_t t = 0; t < json_array_size(tags); t++) {
            const char *tag = json_string_value(json_array_get(tags, t));
            has_given = has_given || strcmp(tag, "math.algebra.linear-equations") == 0;
            has_section = has_section || strcmp(tag, section_tag) == 0;
        }
        assert_true(has_given);
        if (!has_section)
            fail_msg("question %zu lacks %s: %s", i + 1, section_tag, json_dumps(tags, 0));
    }
    char qid[64];
    snprintf(qid, sizeof qid, "%s", json_string_value(json_object_get(json_array_get(items, 0), "id")));
    json_decref(q);

    q = get_json(&c, &c.alice, "/api/questions?tag=math.algebra.linear-equations&limit=100", 200);
    assert_int_equal(json_array_size(json_object_get(q, "items")), FIXTURE_WORKSHEET_QUESTIONS);
    json_decref(q);
    q = get_json(&c, &c.alice, "/api/questions?tag=math.alg", 200); /* a prefix of a segment is not a parent */
    assert_int_equal(json_array_size(json_object_get(q, "items")), 0);
    json_decref(q);
    q = get_json(&c, &c.alice, "/api/questions?tag=exam", 200);
    assert_int_equal(json_integer_value(json_object_get(q, "count")), FIXTURE_WORKSHEET_QUESTIONS);
    json_decref(q);
    /* Text filter on the stem. */
    char path[256];
    char word[64];
    sscanf(fixture_worksheet_questions[3].stem, "%*s %63s", word); /* the stem's second word */
    snprintf(path, sizeof path, "/api/questions?q=%s", word);
    q = get_json(&c, &c.alice, path, 200);
    assert_true(json_array_size(json_object_get(q, "items")) >= 1);
    json_decref(q);
    call(&c, &c.alice, "GET", "/api/questions?tag=Not%20A%20Tag!", NULL, &r);
    it_assert_error(&r, 400, "invalid_request");
    it_response_free(&r);

    /* A tutor fixes a question; the owner sees the fix; a stranger gets 404. */
    it_account tutor;
    it_register(&c.s, "tutor@example.org", &tutor);
    it_set_role(&c.b, &tutor, "tutor");
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO tutor_students (tutor_id, student_id) VALUES ('%s', '%s')", tutor.id,
             c.alice.id);
    it_backend_sql(&c.b, false, sql);
    snprintf(path, sizeof path, "/api/questions/%s", qid);
    call(&c, &tutor, "PATCH", path,
         "{\"stem\":\"Solve 3x + 2 = 11 for x.\",\"options\":[\"1\",\"2\",\"3\",\"4\"],\"answer\":\"C\","
         "\"tags\":[\"math.algebra.equations\",\"review.week-1\"]}",
         &r);
    if (r.status != 200)
        fail_msg("PATCH as tutor: %ld %s", r.status, r.body);
    it_response_free(&r);
    json_t *fixed = get_json(&c, &c.alice, path, 200);
    assert_string_equal(json_string_value(json_object_get(fixed, "stem")), "Solve 3x + 2 = 11 for x.");
    assert_string_equal(json_string_value(json_object_get(fixed, "answer")), "C");
    assert_string_equal(json_string_value(json_array_get(json_object_get(fixed, "options"), 2)), "3");
    assert_int_equal(json_array_size(json_object_get(fixed, "tags")), 2);
    json_decref(fixed);
    q = get_json(&c, &c.alice, "/api/questions?tag=review", 200);
    assert_int_equal(json_array_size(json_object_get(q, "items")), 1);
    json_decref(q);
    call(&c, &c.bob, "PATCH", path, "{\"stem\":\"hijacked\"}", &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    call(&c, &tutor, "PATCH", path, "{\"stem\":\"\"}", &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    call(&c, &tutor, "PATCH", path, "{\"tags\":[\"Bad Tag\"]}", &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    q = get_json(&c, &c.bob, "/api/questions", 200);
    assert_int_equal(json_array_size(json_object_get(q, "items")), 0);
    json_decref(q);
    stop(&c);
}

/* Download links: the original comes back byte for byte; tampered and expired
 * links are 403 before anything is read. */
static void signed_downloads(void **state)
{
    ctx c;
    start(&c, IT_PG(state));
    size_t len = 0;
    char id[64];
    unsigned char *data = upload_accepted(&c, &c.alice, "headings.pdf", &len, id);
    it_response r;
    char path[256];
    snprintf(path, sizeof path, "/api/materials/%s/download-url", id);
    json_t *u = get_json(&c, &c.alice, path, 200);
    const char *url = json_string_value(json_object_get(u, "url"));
    assert_non_null(url);
    const char *expires_at = json_string_value(json_object_get(u, "expires_at"));
    assert_non_null(expires_at);
    /* 7 days by default */
    assert_int_equal(json_integer_value(json_object_get(u, "expires_in")), 7 * 86400);
    it_http(&c.s, "GET", url, NULL, NULL, 0, &r); /* no session needed */
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, data, len);
    char ct[128];
    assert_non_null(it_header(&r, "Content-Type", ct, sizeof ct));
    assert_string_equal(ct, "application/pdf");
    it_response_free(&r);

    /* Tampered: one character of the signature changed. */
    char bad[512];
    snprintf(bad, sizeof bad, "%s", url);
    char *last = bad + strlen(bad) - 1;
    *last = *last == 'A' ? 'B' : 'A';
    it_http(&c.s, "GET", bad, NULL, NULL, 0, &r);
    it_assert_error(&r, 403, "invalid_link");
    it_response_free(&r);
    /* Another material's link does not open this one. */
    char other[512];
    snprintf(other, sizeof other, "/api/materials/01900000-0000-7000-8000-000000000000/download?token=%s",
             strstr(url, "token=") + 6);
    it_http(&c.s, "GET", other, NULL, NULL, 0, &r);
    it_assert_error(&r, 403, "invalid_link");
    it_response_free(&r);
    /* Expired: a genuine signature whose time has passed. */
    char token[128];
    assert_int_equal(signed_url_make(SECRET, id, (int64_t)time(NULL) - 10, token, sizeof token), EM_OK);
    snprintf(path, sizeof path, "/api/materials/%s/download?token=%s", id, token);
    it_http(&c.s, "GET", path, NULL, NULL, 0, &r);
    it_assert_error(&r, 403, "link_expired");
    it_response_free(&r);
    snprintf(path, sizeof path, "/api/materials/%s/download", id);
    it_http(&c.s, "GET", path, NULL, NULL, 0, &r);
    it_assert_error(&r, 403, "invalid_link");
    it_response_free(&r);
    /* Only who may see the material gets a link. */
    snprintf(path, sizeof path, "/api/materials/%s/download-url", id);
    call(&c, &c.bob, "GET", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    json_decref(u);
    free(data);
    json_decref(wait_done(&c, &c.alice, id));
    stop(&c);
}

/* Every bad input ends in a clear status, and leaves no row or file behind
 * where it was refused. */
static void bad_inputs(void **state)
{
    ctx c;
    start(&c, IT_PG(state));
    it_response r;
    char id[64];

    /* Refused at the door: nothing stored. */
    upload_fixture(&c, &c.alice, "image.pdf", NULL, NULL, &r);
    it_assert_error(&r, 415, "unsupported_media_type");
    assert_non_null(strstr(r.body, "image/png"));
    it_response_free(&r);
    char *big = malloc(2 * 1024 * 1024);
    memset(big, 'a', 2 * 1024 * 1024);
    upload(&c, &c.alice, "big.txt", big, 2 * 1024 * 1024, NULL, NULL, &r);
    it_assert_error(&r, 413, "payload_too_large");
    it_response_free(&r);
    free(big);
    upload(&c, &c.alice, "empty.txt", "", 0, NULL, NULL, &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    upload(&c, &c.alice, "bad-tags.txt", "Some text.", 10, NULL, "math..algebra", &r);
    it_assert_error(&r, 422, "validation_error");
    it_response_free(&r);
    upload(&c, &c.alice, "latin1.txt", "caf\xe9 au lait", 13, NULL, NULL, &r);
    assert_true(r.status == 415 || r.status == 202);
    if (r.status == 202) {
        accepted_id(&r, id);
        json_t *m = wait_done(&c, &c.alice, id);
        assert_string_equal(json_string_value(json_object_get(m, "status")), "failed");
        json_decref(m);
        char path[128];
        snprintf(path, sizeof path, "/api/materials/%s", id);
        call(&c, &c.alice, "DELETE", path, NULL, &r);
        assert_int_equal(r.status, 204);
    }
    it_response_free(&r);
    {
        char auth[1100];
        const char *h[] = {"Content-Type: multipart/form-data; boundary=xyz", it_bearer(&c.alice, auth, sizeof auth),
                           NULL};
        const char body[] = "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nno end";
        it_http(&c.s, "POST", "/api/materials", h, body, strlen(body), &r);
        it_assert_error(&r, 400, "invalid_multipart");
        it_response_free(&r);
        const char nofile[] = "--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--xyz--\r\n";
        it_http(&c.s, "POST", "/api/materials", h, nofile, strlen(nofile), &r);
        it_assert_error(&r, 422, "validation_error");
        it_response_free(&r);
        const char *h2[] = {"Content-Type: text/plain", it_bearer(&c.alice, auth, sizeof auth), NULL};
        it_http(&c.s, "POST", "/api/materials", h2, "hello", 5, &r);
        it_assert_error(&r, 415, "unsupported_media_type");
        it_response_free(&r);
    }
    it_http(&c.s, "POST", "/api/materials", NULL, "x", 1, &r);
    assert_int_equal(r.status, 401);
    it_response_free(&r);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM materials"), 0);
    assert_int_equal(stored_files(&c), 0);

    /* Accepted, then failed with the reason: encrypted, broken, no text. */
    static const struct { const char *name; const char *reason; } broken[] = {
        {"encrypted.pdf", "encrypted"},
        {"empty.pdf", "no extractable text"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        upload_fixture(&c, &c.alice, broken[i].name, NULL, NULL, &r);
        accepted_id(&r, id);
        json_t *m = wait_done(&c, &c.alice, id);
        assert_string_equal(json_string_value(json_object_get(m, "status")), "failed");
        const char *why = json_string_value(json_object_get(m, "error"));
        if (why == NULL || strstr(why, broken[i].reason) == NULL)
            fail_msg("%s: expected a reason with \"%s\", got %s", broken[i].name, broken[i].reason, why);
        assert_int_equal(json_integer_value(json_object_get(m, "chunk_count")), 0);
        json_decref(m);
    }
    /* Truncated: either the recovered pages or a clear failure, never stuck. */
    upload_fixture(&c, &c.alice, "truncated.pdf", NULL, NULL, &r);
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    const char *st = json_string_value(json_object_get(m, "status"));
    if (strcmp(st, "failed") == 0)
        assert_non_null(json_string_value(json_object_get(m, "error")));
    else
        assert_true(json_integer_value(json_object_get(m, "page_count")) >= 1);
    json_decref(m);
    /* A material whose job ran dry stays visible with its reason; the queue
     * never keeps retrying a bad file. (The material is told before its job's
     * own row is finished, in the worker's next transaction: a moment to wait.) */
    long long unfinished = -1;
    for (int i = 0; i < 200 && unfinished != 0; i++) {
        if (i > 0)
            usleep(50 * 1000);
        unfinished = it_query_int(
            &c.b, "SELECT count(*) FROM jobs WHERE kind = 'extraction' AND status <> 'succeeded'");
    }
    assert_int_equal(unfinished, 0);
    stop(&c);
}

/* The configured limits reach the extraction: a PDF longer than MAX_PDF_PAGES
 * fails with the reason instead of holding a worker. */
static void pdf_page_limit(void **state)
{
    static const char *const limited[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "MAX_PDF_PAGES=3", NULL};
    ctx c;
    start_with(&c, IT_PG(state), limited);
    it_response r;
    char id[64];
    upload_fixture(&c, &c.alice, "headings.pdf", NULL, NULL, &r);
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(m, "error")), "the PDF has 4 pages; the limit is 3");
    json_decref(m);
    stop(&c);
}

/* JSON text uploads (Markdown), listing, and deletion removing everything. */
static void text_upload_list_delete(void **state)
{
    ctx c;
    start(&c, IT_PG(state));
    json_t *body = json_pack("{s:s, s:s, s:s, s:b}", "title", "Revision notes", "format", "markdown", "text",
                             fixture_notes_md, "worksheet", 0);
    char *text = json_dumps(body, 0);
    json_decref(body);
    it_response r;
    call(&c, &c.alice, "POST", "/api/materials", text, &r);
    free(text);
    char id[64];
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ready");
    assert_string_equal(json_string_value(json_object_get(m, "kind")), "markdown");
    assert_string_equal(json_string_value(json_object_get(m, "title")), "Revision notes");
    json_t *sections = json_object_get(m, "sections");
    assert_int_equal(json_array_size(sections), fixture_notes_n_headings);
    for (size_t i = 0; i < fixture_notes_n_headings; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(sections, i), "title")),
                            fixture_notes_headings[i].title);
    json_decref(m);

    /* A second one, then the list: newest first, paginated. */
    call(&c, &c.alice, "POST", "/api/materials", "{\"text\":\"Osmosis moves water across a membrane.\"}", &r);
    char id2[64];
    accepted_id(&r, id2);
    json_decref(wait_done(&c, &c.alice, id2));
    json_t *l = get_json(&c, &c.alice, "/api/materials?limit=1", 200);
    assert_int_equal(json_integer_value(json_object_get(l, "total")), 2);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(l, "items"), 0), "id")), id2);
    json_decref(l);
    l = get_json(&c, &c.bob, "/api/materials", 200);
    assert_int_equal(json_integer_value(json_object_get(l, "total")), 0);
    json_decref(l);
    call(&c, &c.alice, "GET", "/api/materials?limit=0", NULL, &r);
    it_assert_error(&r, 400, "invalid_request");
    it_response_free(&r);

    /* Bob cannot delete it; Alice can, and everything it owned goes. */
    int files_before = stored_files(&c);
    assert_int_equal(files_before, 2);
    char path[128];
    snprintf(path, sizeof path, "/api/materials/%s", id);
    call(&c, &c.bob, "DELETE", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    call(&c, &c.alice, "DELETE", path, NULL, &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    call(&c, &c.alice, "GET", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    call(&c, &c.alice, "DELETE", path, NULL, &r);
    it_assert_error(&r, 404, "not_found");
    it_response_free(&r);
    assert_int_equal(stored_files(&c), files_before - 1);
    char sql[256];
    static const char *const tables[] = {"material_chunks", "material_sections", "material_topics", "questions"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE material_id = '%s'", tables[i], id);
        assert_int_equal(it_query_int(&c.b, sql), 0);
    }
    if (!c.b.pg) /* the FTS5 index still matches its chunks exactly (fails the test otherwise) */
        it_backend_sql(&c.b, false, "INSERT INTO material_chunks_fts (material_chunks_fts) VALUES ('integrity-check')");
    json_t *s = get_json(&c, &c.alice, "/api/search?q=osmosis", 200);
    assert_int_equal(json_array_size(json_object_get(s, "items")), 1);
    json_decref(s);
    stop(&c);
}

/* A file a killed upload left without its row is swept by the schedule the
 * materials area declares (here every second instead of hourly); a
 * material's own file stays. */
static void orphans_swept(void **state)
{
    static const char orphan_id[] = "0190aaaa-0000-7000-8000-00000000beef";
    it_backend b;
    it_backend_setup(&b, IT_PG(state));
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/data/files/materials/%s", b.dir, orphan_id);
    char mk[700];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
    assert_int_equal(system(mk), 0);
    snprintf(path, sizeof path, "%s/original", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("%PDF-1.4 left behind", fp);
    fclose(fp);
    struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);

    static const char *const sweeping[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET,
                                           "SCHEDULE_MATERIALS_SWEEP_ORPHANS=* * * * * *", NULL};
    ctx c;
    c.b = b;
    it_server_start(&c.s, &c.b, sweeping);
    it_register(&c.s, "alice@example.org", &c.alice);
    it_response r;
    call(&c, &c.alice, "POST", "/api/materials", "{\"text\":\"Osmosis moves water across a membrane.\"}", &r);
    char id[64];
    accepted_id(&r, id);
    json_decref(wait_done(&c, &c.alice, id));
    struct stat sb;
    for (int i = 0; i < 200 && stat(path, &sb) == 0; i++)
        usleep(50 * 1000);
    assert_int_equal(stat(path, &sb), -1);
    assert_int_equal(stored_files(&c), 1); /* the material's own */
    /* the sweep that removed it is marked done once it has finished (a moment
       after the file went) */
    const char *done_sql = "SELECT count(*) FROM jobs WHERE kind = 'materials.sweep_orphans' "
                           "AND status = 'succeeded'";
    for (int i = 0; i < 200 && it_query_int(&c.b, done_sql) < 1; i++)
        usleep(50 * 1000);
    assert_true(it_query_int(&c.b, done_sql) >= 1);
    stop(&c);
}

/* The limits from the configuration: unfinished extractions per user
 * (MAX_PENDING_EXTRACTIONS, with the worker away from their queue), a
 * storage quota (USER_STORAGE_MB), free disk under DATA_DIR
 * (MIN_FREE_DISK_MB); each refusal stores nothing. */
static void upload_limits(void **state)
{
    static const char *const limited[] = {
        IT_FAST_HASH,        "SECRET_KEY=" SECRET,      "MAX_PENDING_EXTRACTIONS=2",
        "USER_STORAGE_MB=1", "WORKER_QUEUES=elsewhere", NULL};
    ctx c;
    start_with(&c, IT_PG(state), limited);
    it_response r;
    char id[64];
    for (int i = 0; i < 2; i++) {
        call(&c, &c.alice, "POST", "/api/materials", "{\"text\":\"Osmosis moves water.\"}", &r);
        accepted_id(&r, id);
    }
    call(&c, &c.alice, "POST", "/api/materials", "{\"text\":\"Osmosis moves water.\"}", &r);
    it_assert_error(&r, 429, "rate_limited");
    char v[32];
    assert_non_null(it_header(&r, "Retry-After", v, sizeof v));
    assert_string_equal(v, "30");
    it_response_free(&r);
    /* Bob's quota: 1 MB */
    size_t n = 700 * 1024;
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = i % 80 == 79 ? '\n' : 'a' + (char)(i % 26);
    text[n] = '\0';
    json_t *body = json_pack("{s:s}", "text", text);
    char *json = json_dumps(body, 0);
    json_decref(body);
    free(text);
    call(&c, &c.bob, "POST", "/api/materials", json, &r);
    accepted_id(&r, id);
    call(&c, &c.bob, "POST", "/api/materials", json, &r);
    it_assert_error(&r, 413, "quota_exceeded");
    assert_non_null(strstr(r.body, "324.0 KB is left"));
    it_response_free(&r);
    free(json);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM materials"), 3);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM jobs WHERE kind = 'extraction'"), 3);
    assert_int_equal(stored_files(&c), 3);
    assert_int_equal(it_server_stop(&c.s), 0);

    /* a disk that keeps more free than it has */
    static const char *const full[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "MIN_FREE_DISK_MB=16777216", NULL};
    it_server_start(&c.s, &c.b, full);
    it_login(&c.s, &c.alice);
    call(&c, &c.alice, "POST", "/api/materials", "{\"text\":\"Anything at all.\"}", &r);
    it_assert_error(&r, 507, "insufficient_storage");
    assert_non_null(strstr(r.body, "disk space"));
    it_response_free(&r);
    assert_int_equal(stored_files(&c), 3);
    stop(&c);
}

/* ---- crashes ---- */

/* Extraction slow enough to be caught in the act (a heavy PDF, heavy_pdf, on
 * one thread) and leases short enough to notice a dead worker quickly. */
#define CRASH_PAGES 400
#define FAIR_PAGES 60
#define CRASH_ENV IT_FAST_HASH, "SECRET_KEY=" SECRET, "EXTRACTION_THREADS=1", "JOB_LEASE_SECONDS=2"
#define LOST_REASON                                                                                          \
    "extraction did not finish after 3 attempts: the worker running it stopped responding (its lease "       \
    "expired) during its last attempt"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the backend until `sql` gives want (fails after timeout_ms). */
static void wait_sql(const it_backend *b, const char *sql, long long want, int timeout_ms)
{
    long long got = -1;
    for (long long t0 = now_ms(); now_ms() - t0 < timeout_ms; usleep(20 * 1000)) {
        got = it_query_int(b, sql);
        if (got == want)
            return;
    }
    fail_msg("%s: wanted %lld, still %lld after %d ms", sql, want, got, timeout_ms);
}

/* SIGKILL a process: no goodbye, no release, its lease is left to expire. */
static void kill_hard(pid_t pid, const char *log_path)
{
    it_proc p = {.pid = pid};
    snprintf(p.log_path, sizeof p.log_path, "%s", log_path);
    it_proc_signal(&p, SIGKILL);
    assert_int_equal(it_proc_wait(&p, 10000), 128 + SIGKILL);
}

/* A PDF heavy enough that extracting, chunking and indexing it takes a good
 * while (seconds, on one thread): `pages` pages of 80 lines of varied prose
 * in base-14 Helvetica, with a correct cross-reference table. Owned (free()). */
static char *heavy_pdf(int pages, size_t *len)
{
    static const char *const words[] = {
        "cell",    "membrane", "protein",  "energy",   "osmosis",  "enzyme",   "nucleus",   "ribosome",
        "glucose", "oxygen",   "carbon",   "light",    "water",    "gradient", "transport", "diffusion",
        "mitosis", "genome",   "sequence", "reaction", "catalyst", "storage",  "signal",    "receptor"};
    size_t nw = sizeof words / sizeof words[0];
    size_t cap = (size_t)pages * 9000 + 4096, n = 0;
    char *pdf = malloc(cap);
    long *offs = calloc((size_t)(3 + 2 * pages + 1), sizeof *offs);
    assert_true(pdf != NULL && offs != NULL);
    n += (size_t)snprintf(pdf + n, cap - n, "%%PDF-1.4\n");
    /* 1: catalog, 2: pages, 3: font, then page k at 4+2k and its content at 5+2k */
    offs[1] = (long)n;
    n += (size_t)snprintf(pdf + n, cap - n, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offs[2] = (long)n;
    n += (size_t)snprintf(pdf + n, cap - n, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", pages);
    for (int k = 0; k < pages; k++)
        n += (size_t)snprintf(pdf + n, cap - n, "%d 0 R ", 4 + 2 * k);
    n += (size_t)snprintf(pdf + n, cap - n, "] >>\nendobj\n");
    offs[3] = (long)n;
    n += (size_t)snprintf(pdf + n, cap - n,
                          "3 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
    unsigned seed = 7;
    for (int k = 0; k < pages; k++) {
        char stream[8192];
        size_t sl = (size_t)snprintf(stream, sizeof stream, "BT /F1 8 Tf 10 TL 36 806 Td\n");
        for (int line = 0; line < 80; line++) {
            sl += (size_t)snprintf(stream + sl, sizeof stream - sl, "(");
            for (int w = 0; w < 12; w++) {
                seed = seed * 1103515245u + 12345u;
                sl += (size_t)snprintf(stream + sl, sizeof stream - sl, "%s%s", w ? " " : "",
                                       words[(seed >> 16) % nw]);
            }
            sl += (size_t)snprintf(stream + sl, sizeof stream - sl, ".) '\n");
        }
        sl += (size_t)snprintf(stream + sl, sizeof stream - sl, "ET");
        offs[4 + 2 * k] = (long)n;
        n += (size_t)snprintf(pdf + n, cap - n,
                              "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
                              "/Font << /F1 3 0 R >> >> /Contents %d 0 R >>\nendobj\n",
                              4 + 2 * k, 5 + 2 * k);
        offs[5 + 2 * k] = (long)n;
        n +=
            (size_t)snprintf(pdf + n, cap - n, "%d 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
                             5 + 2 * k, sl, stream);
    }
    int objs = 3 + 2 * pages;
    long xref = (long)n;
    n += (size_t)snprintf(pdf + n, cap - n, "xref\n0 %d\n0000000000 65535 f \n", objs + 1);
    for (int o = 1; o <= objs; o++)
        n += (size_t)snprintf(pdf + n, cap - n, "%010ld 00000 n \n", offs[o]);
    n += (size_t)snprintf(pdf + n, cap - n, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
                          objs + 1, xref);
    assert_true(n < cap);
    free(offs);
    *len = n;
    return pdf;
}

/* Upload a heavy PDF as alice: the material's and its job's ids. */
static void upload_long(ctx *c, char id[64], char job_id[64])
{
    it_response r;
    size_t len = 0;
    char *pdf = heavy_pdf(CRASH_PAGES, &len);
    upload(c, &c->alice, "heavy.pdf", pdf, len, NULL, NULL, &r);
    free(pdf);
    if (r.status != 202)
        fail_msg("upload: %ld %s", r.status, r.body);
    json_t *j = it_json(&r);
    snprintf(id, 64, "%s", json_string_value(json_object_get(j, "id")));
    snprintf(job_id, 64, "%s", json_string_value(json_object_get(j, "job_id")));
    json_decref(j);
    it_response_free(&r);
}

/* The material after its job gave up: failed with the reason, the job dead
 * with nothing owed, within bound_ms of `since`. */
static void expect_given_up(ctx *c, const char *id, const char *job_id, long long since, int bound_ms)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM materials WHERE id = '%s' AND status = 'failed'", id);
    wait_sql(&c->b, sql, 1, bound_ms);
    long long took = now_ms() - since;
    json_t *m = wait_done(c, &c->alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "failed");
    assert_string_equal(json_string_value(json_object_get(m, "error")), LOST_REASON);
    json_decref(m);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'dead' AND attempts = 3 "
             "AND gave_up_due IS NULL",
             job_id);
    assert_int_equal(it_query_int(&c->b, sql), 1);
    fprintf(stderr, "  the material was failed %lld ms after the last restart\n", took);
}

/* `serve --no-worker` as an it_server: the port from its log. */
static void start_without_worker(it_server *s, it_proc *p, const it_backend *b, const char *const *extra)
{
    const char *argv[] = {"x", "serve", "--no-worker", NULL};
    it_spawn(p, argv, b, extra);
    it_proc_wait_log(p, "\"listening\"", 30000);
    FILE *fp = fopen(p->log_path, "r");
    assert_non_null(fp);
    char line[2048];
    int port = 0;
    while (port == 0 && fgets(line, sizeof line, fp) != NULL) {
        const char *at = strstr(line, "\"msg\":\"listening\"");
        const char *pp = at != NULL ? strstr(at, "\"port\":") : NULL;
        if (pp != NULL)
            port = (int)strtol(pp + 7, NULL, 10);
    }
    fclose(fp);
    assert_true(port > 0);
    memset(s, 0, sizeof *s);
    s->pid = p->pid;
    s->port = port;
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", port);
    snprintf(s->log_path, sizeof s->log_path, "%s", p->log_path);
}

/* One student's eight PDFs queued before another student's one-line text,
 * then one worker thread starts: the text is extracted second, about one
 * PDF's time after the worker began, not after all eight (owners take
 * turns). */
static void students_take_turns(void **state)
{
    static const char *const quiet[] = {IT_FAST_HASH, "SECRET_KEY=" SECRET, "PORT=0", NULL};
    ctx c;
    it_backend_setup(&c.b, IT_PG(state));
    it_proc server;
    start_without_worker(&c.s, &server, &c.b, quiet);
    it_register(&c.s, "alice@example.org", &c.alice);
    it_register(&c.s, "bob@example.org", &c.bob);
    size_t len = 0;
    char *pdf = heavy_pdf(FAIR_PAGES, &len);
    char id[64];
    it_response r;
    for (int i = 0; i < 8; i++) {
        upload(&c, &c.alice, "chapter.pdf", pdf, len, NULL, NULL, &r);
        accepted_id(&r, id);
    }
    free(pdf);
    call(&c, &c.bob, "POST", "/api/materials", "{\"text\":\"Osmosis moves water across a membrane.\"}", &r);
    accepted_id(&r, id);
    const char *argv[] = {"x", "worker", "--concurrency", "1", NULL};
    it_proc w;
    it_spawn(&w, argv, &c.b, quiet);
    wait_sql(&c.b, "SELECT count(*) FROM jobs WHERE kind = 'extraction' AND status = 'succeeded'", 9, 60000);
    it_proc_signal(&w, SIGTERM);
    assert_int_equal(it_proc_wait(&w, 30000), 0);
    /* how many of Alice's ran before Bob's, when Bob's started after the
     * worker's first, and how long one of Alice's takes */
    char sql[600];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM job_runs r JOIN materials m ON m.job_id = r.job_id WHERE m.user_id = '%s' "
             "AND r.started_at < (SELECT r2.started_at FROM job_runs r2 "
             "JOIN materials m2 ON m2.job_id = r2.job_id WHERE m2.user_id = '%s')",
             c.alice.id, c.bob.id);
    long long before = it_query_int(&c.b, sql);
    snprintf(
        sql, sizeof sql,
        "SELECT CAST(avg(duration_ms) AS INTEGER) FROM job_runs r JOIN materials m ON m.job_id = r.job_id "
        "WHERE m.user_id = '%s'",
        c.alice.id);
    long long pdf_ms = it_query_int(&c.b, sql);
    snprintf(
        sql, sizeof sql,
        c.b.pg
            ? "SELECT CAST(extract(epoch FROM r.started_at - (SELECT min(started_at) FROM job_runs)) * 1000 "
              "AS BIGINT) FROM job_runs r JOIN materials m ON m.job_id = r.job_id WHERE m.user_id = '%s'"
            : "SELECT CAST((julianday(r.started_at) - julianday((SELECT min(started_at) FROM job_runs))) "
              "* 86400000 AS INTEGER) FROM job_runs r JOIN materials m ON m.job_id = r.job_id "
              "WHERE m.user_id = '%s'",
        c.bob.id);
    long long waited = it_query_int(&c.b, sql);
    fprintf(stderr,
            "  the text started %lld ms after the worker's first job, after %lld of the 8 PDFs; "
            "one PDF takes %lld ms\n",
            waited, before, pdf_ms);
    assert_int_equal(before, 1);
    it_proc_signal(&server, SIGTERM);
    assert_int_equal(it_proc_wait(&server, 30000), 0);
    it_backend_teardown(&c.b);
}

/* `exammentor serve` with its embedded worker, killed three times during the
 * extraction's three attempts: the server started after the last kill buries
 * the job and the material ends failed with the reason, in about a lease.
 * Then an operator's retry brings it back to pending, and it is extracted. */
static void crash_kills_the_server_in_every_attempt(void **state)
{
    static const char *const crash_env[] = {CRASH_ENV, NULL};
    ctx c;
    start_with(&c, IT_PG(state), crash_env);
    char id[64], job_id[64], sql[256];
    upload_long(&c, id, job_id);
    for (int attempt = 1; attempt <= 3; attempt++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'running' AND attempts = %d", job_id,
                 attempt);
        wait_sql(&c.b, sql, 1, 30000);
        kill_hard(c.s.pid, c.s.log_path);
        it_server_start(&c.s, &c.b, crash_env);
    }
    long long restarted = now_ms();
    expect_given_up(&c, id, job_id, restarted, 15000);
    /* the operator sends it back: no longer failed, its job queued again */
    char *out = NULL;
    const char *retry[] = {"x", "jobs", "retry", job_id, NULL};
    const char *const cli_env[] = {CRASH_ENV, NULL};
    assert_int_equal(it_run(retry, &c.b, cli_env, &out), 0);
    free(out);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM materials WHERE id = '%s' AND status <> 'failed' AND error IS NULL", id);
    assert_int_equal(it_query_int(&c.b, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM jobs WHERE id = '%s' AND status IN ('queued', 'running', "
             "'succeeded')",
             job_id);
    assert_int_equal(it_query_int(&c.b, sql), 1);
    stop(&c);
}

/* `serve --no-worker` stays up; a standalone `exammentor worker` is killed
 * during each attempt and started again: the one after the last kill buries
 * the job, and the material ends failed, never processing. */
static void crash_kills_the_worker_in_every_attempt(void **state)
{
    static const char *const crash_env[] = {CRASH_ENV, "PORT=0", NULL};
    ctx c;
    it_backend_setup(&c.b, IT_PG(state));
    it_proc server;
    start_without_worker(&c.s, &server, &c.b, crash_env);
    it_register(&c.s, "alice@example.org", &c.alice);
    char id[64], job_id[64], sql[256];
    upload_long(&c, id, job_id);
    const char *argv[] = {"x", "worker", "--concurrency", "1", NULL};
    it_proc w;
    for (int attempt = 1; attempt <= 3; attempt++) {
        it_spawn(&w, argv, &c.b, crash_env);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM jobs WHERE id = '%s' AND status = 'running' AND attempts = %d", job_id,
                 attempt);
        wait_sql(&c.b, sql, 1, 30000);
        kill_hard(w.pid, w.log_path);
    }
    /* the material was processing when the last worker died */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM materials WHERE id = '%s' AND status IN ('pending', 'processing')", id);
    assert_int_equal(it_query_int(&c.b, sql), 1);
    long long restarted = now_ms();
    it_spawn(&w, argv, &c.b, crash_env);
    expect_given_up(&c, id, job_id, restarted, 15000);
    it_proc_signal(&w, SIGTERM);
    assert_int_equal(it_proc_wait(&w, 30000), 0);
    it_proc_signal(&server, SIGTERM);
    assert_int_equal(it_proc_wait(&server, 30000), 0);
    it_backend_teardown(&c.b);
}

/* ---- S3 storage ---- */

#define S3_ACCESS_KEY "AKIDEXAMMENTORTEST"
#define S3_SECRET_KEY "exammentor/fake+s3-secret"
#define S3_BUCKET_URL "s3://exam-bucket/uploads"
#define S3_KEY_PREFIX "/exam-bucket/uploads/" /* the request path of a key */

/* A fake S3 and the server storing its files there. */
static fake_s3 *start_s3(ctx *c, bool pg)
{
    fake_s3 *f = fake_s3_start(S3_ACCESS_KEY, S3_SECRET_KEY, "us-east-1");
    if (f == NULL)
        fail_msg("fake S3: %s", strerror(errno));
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "S3_ENDPOINT=http://127.0.0.1:%d", fake_s3_port(f));
    const char *const s3_env[] = {IT_FAST_HASH,
                                  "SECRET_KEY=" SECRET,
                                  "MAX_UPLOAD_MB=1",
                                  "EXTRACTION_THREADS=2",
                                  "STORAGE_URL=" S3_BUCKET_URL,
                                  endpoint,
                                  "S3_REGION=us-east-1",
                                  "S3_ACCESS_KEY_ID=" S3_ACCESS_KEY,
                                  "S3_SECRET_ACCESS_KEY=" S3_SECRET_KEY,
                                  NULL};
    start_with(c, pg, s3_env);
    return f;
}

/* Every request the fake saw was well signed. */
static void assert_none_rejected(fake_s3 *f)
{
    if (fake_s3_rejected(f) != 0) {
        char why[1200];
        fake_s3_last_error(f, why, sizeof why);
        fail_msg("the fake S3 refused %d request(s), the last: %s", fake_s3_rejected(f), why);
    }
}

/* A material's whole life with its file in S3: stored under the bucket's
 * prefix, read back by the extraction, downloaded through a signed link,
 * removed with the material; nothing on the local disk. */
static void s3_storage(void **state)
{
    ctx c;
    fake_s3 *f = start_s3(&c, IT_PG(state));
    size_t len = 0;
    char id[64];
    unsigned char *data = upload_accepted(&c, &c.alice, "headings.pdf", &len, id);
    it_response r;
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ready");
    assert_int_equal(json_integer_value(json_object_get(m, "page_count")), FIXTURE_HEADINGS_PAGES);
    json_decref(m);
    json_t *s = get_json(&c, &c.alice, "/api/search?q=chlorophyll", 200);
    json_t *top = json_array_get(json_object_get(s, "items"), 0);
    assert_non_null(top);
    assert_string_equal(json_string_value(json_object_get(top, "material_id")), id);
    json_decref(s);

    /* The one object is the upload, byte for byte. */
    assert_int_equal(fake_s3_object_count(f), 1);
    char key[256];
    snprintf(key, sizeof key, S3_KEY_PREFIX "materials/%s/original", id);
    void *stored = NULL;
    size_t stored_len = 0;
    if (!fake_s3_get(f, key, &stored, &stored_len))
        fail_msg("the fake S3 has no object %s", key);
    assert_int_equal(stored_len, len);
    assert_memory_equal(stored, data, len);
    free(stored);
    assert_int_equal(stored_files(&c), 0);

    char path[256];
    snprintf(path, sizeof path, "/api/materials/%s/download-url", id);
    json_t *u = get_json(&c, &c.alice, path, 200);
    it_http(&c.s, "GET", json_string_value(json_object_get(u, "url")), NULL, NULL, 0, &r);
    json_decref(u);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, len);
    assert_memory_equal(r.body, data, len);
    it_response_free(&r);

    snprintf(path, sizeof path, "/api/materials/%s", id);
    call(&c, &c.alice, "DELETE", path, NULL, &r);
    assert_int_equal(r.status, 204);
    it_response_free(&r);
    assert_int_equal(fake_s3_object_count(f), 0);
    assert_none_rejected(f);
    free(data);
    stop(&c);
    fake_s3_stop(f);
}

/* The upload's 503 when S3 fails, with no endpoint in it. */
static void assert_storage_unavailable(const it_response *r)
{
    it_assert_error(r, 503, "unavailable");
    assert_non_null(strstr(r->body, "S3"));
    assert_null(strstr(r->body, "127.0.0.1"));
}

/* S3 answering 503, then gone: uploads are a clear 503 that leaves no row,
 * job or object; a stored file that cannot be read is a 503 too. */
static void s3_unavailable(void **state)
{
    ctx c;
    fake_s3 *f = start_s3(&c, IT_PG(state));
    it_response r;
    fake_s3_force_status(f, 503, "SlowDown");
    upload_fixture(&c, &c.alice, "headings.pdf", NULL, NULL, &r);
    assert_storage_unavailable(&r);
    assert_non_null(strstr(r.body, "SlowDown"));
    it_response_free(&r);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM materials"), 0);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM jobs"), 0);
    assert_int_equal(fake_s3_object_count(f), 0);

    /* S3 back: the next upload goes through. */
    fake_s3_force_status(f, 0, NULL);
    char id[64];
    upload_fixture(&c, &c.alice, "headings.pdf", NULL, NULL, &r);
    accepted_id(&r, id);
    json_t *m = wait_done(&c, &c.alice, id);
    assert_string_equal(json_string_value(json_object_get(m, "status")), "ready");
    json_decref(m);
    assert_none_rejected(f);

    /* S3 gone. */
    fake_s3_stop(f);
    upload_fixture(&c, &c.alice, "headings.pdf", NULL, NULL, &r);
    assert_storage_unavailable(&r);
    it_response_free(&r);
    assert_int_equal(it_query_int(&c.b, "SELECT count(*) FROM materials"), 1);
    char path[256];
    snprintf(path, sizeof path, "/api/materials/%s/download-url", id);
    json_t *u = get_json(&c, &c.alice, path, 200);
    it_http(&c.s, "GET", json_string_value(json_object_get(u, "url")), NULL, NULL, 0, &r);
    json_decref(u);
    assert_storage_unavailable(&r);
    it_response_free(&r);
    stop(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IT_BOTH(pdf_extracted_and_searchable),
        IT_BOTH(worksheet_question_bank),
        IT_BOTH(signed_downloads),
        IT_BOTH(bad_inputs),
        IT_BOTH(text_upload_list_delete),
        IT_BOTH(pdf_page_limit),
        IT_BOTH(orphans_swept),
        IT_BOTH(upload_limits),
        IT_BOTH(students_take_turns),
        IT_BOTH(crash_kills_the_server_in_every_attempt),
        IT_BOTH(crash_kills_the_worker_in_every_attempt),
        IT_BOTH(s3_storage),
        IT_BOTH(s3_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
