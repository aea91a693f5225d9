/* Handler tests for src/api/materials.c through the real route table in
 * process: uploads as JSON text and as multipart/form-data (202, the row, its
 * stored file and its extraction job), every refused upload leaving no row,
 * file or job, the list, the detail and the topics of a material once the
 * extraction (run here directly, as the worker would) made it ready, the one
 * rule for someone else's material, deletion, and signed download links:
 * valid, tampered, for another material, expired; the upload limits' answers
 * (429 rate_limited with Retry-After, 413 quota_exceeded, 507
 * insufficient_storage), each with nothing stored; the review_generated
 * setting (PATCH) by the owner, the owner's tutor and admins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

#include "api_fixture.h"
#include "content/signed_url.h"
#include "core/ids.h"
#include "fixtures.h"
#include "jobs/queue.h"

/* ---- multipart bodies ---- */

#define BOUNDARY "----exammentor-handler-test-7f3a"

typedef struct part {
    const char *name;
    const char *filename; /* NULL: a plain field */
    const void *data;
    size_t len;
} part;

/* A multipart/form-data body of parts[0..n). Owned (free()). */
static char *multipart_body(const part *parts, size_t n, size_t *len)
{
    size_t cap = 1024;
    for (size_t i = 0; i < n; i++)
        cap += parts[i].len + 256;
    char *body = malloc(cap);
    assert_non_null(body);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].filename != NULL)
            k += (size_t)snprintf(body + k, cap - k,
                                  "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                                  "Content-Type: application/octet-stream\r\n\r\n",
                                  BOUNDARY, parts[i].name, parts[i].filename);
        else
            k += (size_t)snprintf(body + k, cap - k,
                                  "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", BOUNDARY,
                                  parts[i].name);
        memcpy(body + k, parts[i].data, parts[i].len);
        k += parts[i].len;
        k += (size_t)snprintf(body + k, cap - k, "\r\n");
    }
    k += (size_t)snprintf(body + k, cap - k, "--%s--\r\n", BOUNDARY);
    *len = k;
    return body;
}

/* POST /api/materials as multipart/form-data, as `w`. */
static http_fake *upload_parts(api_fx *t, api_who w, const part *parts, size_t n)
{
    size_t len = 0;
    char *body = multipart_body(parts, n, &len);
    const char *h[] = {"Authorization", t->acct[w].bearer, "Content-Type",
                       "multipart/form-data; boundary=" BOUNDARY, NULL};
    http_fake *f = call_raw(t, "POST", "/api/materials", h, body, len);
    free(body);
    return f;
}

/* clang-format off */
#define TEXT_PART(field, value) {field, NULL, value, sizeof value - 1}
/* clang-format on */

/* ---- state ---- */

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

static int stored_files(api_fx *t)
{
    return count_files(t->dir);
}

static json_t *get_material(api_fx *t, api_who w, const char *id)
{
    char target[128];
    snprintf(target, sizeof target, "/api/materials/%s", id);
    return call_json(t, "GET", target, w, NULL, 200);
}

static int64_t rows(api_fx *t, const char *table, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE material_id = '%s'", table, id);
    return sql_int(t, sql);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* The fields every material has, in a list or alone. */
static const char *const material_keys[] = {
    "id",         "owner_id",   "title",         "filename",    "kind",           "mime",
    "size_bytes", "sha256",     "is_worksheet",  "tags",        "status",         "error",
    "page_count", "pages_done", "section_count", "chunk_count", "question_count", "job_id",
    "created_at", "updated_at", "ready_at",      "review_generated",
};
#define N_MATERIAL_KEYS (sizeof material_keys / sizeof material_keys[0])

static void expect_material_keys(const json_t *m, size_t extra)
{
    for (size_t i = 0; i < N_MATERIAL_KEYS; i++)
        if (json_object_get(m, material_keys[i]) == NULL)
            fail_msg("material without %s", material_keys[i]);
    assert_int_equal(json_object_size(m), N_MATERIAL_KEYS + extra);
}

/* ---- cases ---- */

static void api_materials_upload_json_text(void **state)
{
    api_fx *t = api_fx_of(state);
    json_t *req = json_pack("{s:s, s:s, s:s, s:[s,s]}", "title", "Revision notes", "format", "markdown",
                            "text", fixture_notes_md, "tags", "Biology.Cells", " exam ");
    char *text = json_dumps(req, 0);
    json_decref(req);
    http_fake *f = call(t, "POST", "/api/materials", WHO_STUDENT, text);
    free(text);
    expect_status(f, 202);
    json_t *j = fake_json(f);
    char id[MATERIAL_ID_LEN + 1], job_id[JOB_ID_LEN + 1], location[96];
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    snprintf(job_id, sizeof job_id, "%s", jstr(j, "job_id"));
    assert_true(id_is_uuid(id));
    assert_true(id_is_uuid(job_id));
    assert_int_equal(json_object_size(j), 6);
    assert_string_equal(jstr(j, "status"), "pending");
    assert_string_equal(jstr(j, "kind"), "markdown");
    assert_string_equal(jstr(j, "mime"), "text/markdown");
    assert_false(json_is_true(json_object_get(j, "is_worksheet")));
    snprintf(location, sizeof location, "/api/materials/%s", id);
    assert_string_equal(http_fake_header(f, "Location"), location);
    json_decref(j);
    http_fake_free(f);
    /* The worker was told, and the job waits for it. */
    assert_int_equal(t->wakes, 1);
    job_info ji;
    em_error err = {0};
    assert_int_equal(queue_get(api_fx_db(t), job_id, &ji, &err), EM_OK);
    assert_string_equal(ji.kind, "extraction");
    assert_string_equal(ji.status, "queued");
    assert_non_null(strstr(ji.payload, id));
    job_info_cleanup(&ji);

    /* As stored: pending until extracted. */
    json_t *m = get_material(t, WHO_STUDENT, id);
    expect_material_keys(m, 1);
    char sha[65];
    sha256_hex(fixture_notes_md, strlen(fixture_notes_md), sha);
    assert_string_equal(jstr(m, "id"), id);
    assert_string_equal(jstr(m, "owner_id"), api_fx_id(t, WHO_STUDENT));
    assert_string_equal(jstr(m, "title"), "Revision notes");
    assert_string_equal(jstr(m, "filename"), "text.md");
    assert_string_equal(jstr(m, "status"), "pending");
    assert_string_equal(jstr(m, "job_id"), job_id);
    assert_string_equal(jstr(m, "sha256"), sha);
    assert_int_equal(jint(m, "size_bytes"), (json_int_t)strlen(fixture_notes_md));
    assert_true(json_is_null(json_object_get(m, "error")));
    assert_true(json_is_null(json_object_get(m, "ready_at")));
    assert_int_equal(jint(m, "chunk_count"), 0);
    assert_int_equal(json_array_size(json_object_get(m, "sections")), 0);
    json_t *tags = json_object_get(m, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "biology.cells");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "exam");
    json_decref(m);
    assert_int_equal(stored_files(t), 1);

    /* Extracted: ready, with its sections in order and its topics. */
    ingest_ready(t, id);
    m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "status"), "ready");
    assert_non_null(jstr(m, "ready_at"));
    assert_true(jint(m, "chunk_count") >= 1);
    assert_int_equal(jint(m, "section_count"), (json_int_t)fixture_notes_n_headings);
    assert_int_equal(jint(m, "pages_done"), jint(m, "page_count"));
    json_t *sections = json_object_get(m, "sections");
    assert_int_equal(json_array_size(sections), fixture_notes_n_headings);
    for (size_t i = 0; i < fixture_notes_n_headings; i++) {
        json_t *s = json_array_get(sections, i);
        assert_string_equal(jstr(s, "title"), fixture_notes_headings[i].title);
        assert_int_equal(jint(s, "level"), fixture_notes_headings[i].level);
        assert_int_equal(json_object_size(s), 3);
    }
    json_decref(m);
    char target[128];
    snprintf(target, sizeof target, "/api/materials/%s/topics", id);
    j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_string_equal(jstr(j, "material_id"), id);
    assert_string_equal(jstr(j, "status"), "ready");
    json_t *items = json_object_get(j, "items");
    assert_true(json_array_size(items) >= 1);
    assert_int_equal(jint(j, "count"), (json_int_t)json_array_size(items));
    json_t *top = json_array_get(items, 0);
    assert_string_equal(jstr(top, "source"), "heading");
    assert_non_null(jstr(top, "name"));
    assert_non_null(jstr(top, "slug"));
    assert_true(json_is_number(json_object_get(top, "weight")));
    json_decref(j);

    /* Plain text, no title: the kind follows the content; a title is made up. */
    f = call(t, "POST", "/api/materials", WHO_STUDENT,
             "{\"text\":\"Osmosis moves water across a membrane.\"}");
    expect_status(f, 202);
    j = fake_json(f);
    assert_string_equal(jstr(j, "kind"), "text");
    assert_string_equal(jstr(j, "mime"), "text/plain");
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    m = get_material(t, WHO_STUDENT, id);
    assert_true(strlen(jstr(m, "title")) > 0);
    assert_int_equal(json_array_size(json_object_get(m, "tags")), 0);
    json_decref(m);
    assert_int_equal(t->wakes, 2);
}

static void api_materials_upload_multipart(void **state)
{
    api_fx *t = api_fx_of(state);
    static const char text[] = "Linear equations have one variable.\n\nSolve 2x + 3 = 7 by subtracting 3.\n";
    part parts[] = {
        TEXT_PART("title", "Algebra notes"),
        TEXT_PART("worksheet", "true"),
        TEXT_PART("tags", "Math.Algebra, exam.unit-2"),
        {"file", "C:\\Users\\me\\notes\\algebra.txt", text, sizeof text - 1},
    };
    http_fake *f = upload_parts(t, WHO_STUDENT, parts, 4);
    expect_status(f, 202);
    json_t *j = fake_json(f);
    assert_string_equal(jstr(j, "kind"), "text");
    assert_true(json_is_true(json_object_get(j, "is_worksheet")));
    char id[MATERIAL_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    json_t *m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "title"), "Algebra notes");
    assert_string_equal(jstr(m, "filename"), "algebra.txt"); /* without the client's directories */
    assert_true(json_is_true(json_object_get(m, "is_worksheet")));
    assert_int_equal(jint(m, "size_bytes"), (json_int_t)(sizeof text - 1));
    json_t *tags = json_object_get(m, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "math.algebra");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "exam.unit-2");
    json_decref(m);

    /* Only the file: the title is its name; "worksheet" may say no. */
    static const char md[] = "# Cells\n\nSome text.\n";
    part only[] = {TEXT_PART("worksheet", "no"), {"file", "/home/me/Cell Notes.md", md, sizeof md - 1}};
    f = upload_parts(t, WHO_STUDENT, only, 2);
    expect_status(f, 202);
    j = fake_json(f);
    assert_false(json_is_true(json_object_get(j, "is_worksheet")));
    assert_string_equal(jstr(j, "kind"), "markdown");
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "title"), "Cell Notes");
    assert_string_equal(jstr(m, "filename"), "Cell Notes.md");
    json_decref(m);

    /* A PDF, extracted. */
    unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    em_error err = {0};
    assert_int_equal(fixture_build("headings.pdf", &pdf, &pdf_len, &err), EM_OK);
    part with_pdf[] = {{"file", "headings.pdf", pdf, pdf_len}};
    f = upload_parts(t, WHO_STUDENT, with_pdf, 1);
    free(pdf);
    expect_status(f, 202);
    j = fake_json(f);
    assert_string_equal(jstr(j, "kind"), "pdf");
    assert_string_equal(jstr(j, "mime"), "application/pdf");
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    ingest_ready(t, id);
    m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "status"), "ready");
    assert_int_equal(jint(m, "page_count"), FIXTURE_HEADINGS_PAGES);
    json_t *sections = json_object_get(m, "sections");
    size_t k = 0;
    for (size_t i = 0; i < fixture_headings_n_blocks; i++) {
        const fixture_block *fb = &fixture_headings_blocks[i];
        if (fb->level == 0)
            continue;
        json_t *s = json_array_get(sections, k++);
        assert_non_null(s);
        assert_string_equal(jstr(s, "title"), fb->text);
        assert_int_equal(jint(s, "page"), fb->page);
    }
    assert_int_equal(json_array_size(sections), k);
    json_decref(m);
    assert_int_equal(stored_files(t), 3);
    assert_int_equal(t->wakes, 3);
}

/* A saved web page and a text in Latin-1 are read as the reader sees them:
 * the page's headings are its sections, without its navigation; the 8-bit
 * text's letters are the letters it meant. */
static void api_materials_upload_pages_and_8bit_text(void **state)
{
    api_fx *t = api_fx_of(state);
    static const char page[] =
        "<!DOCTYPE html><html><head><title>Cells &amp; tissues</title><style>h1{}</style></head><body>"
        "<div class=\"navheader\"><a href=\"prev.html\">Prev</a></div>"
        "<h1>Cells</h1><p>Cells are the units of life. Each cell has a membrane.</p>"
        "<h2>1.1. The nucleus</h2><p>The nucleus holds the <b>DNA</b> of the cell.</p>"
        "<h2>1.2. Mitochondria</h2><p>Mitochondria make ATP &ndash; the cell&rsquo;s energy.</p>"
        "</body></html>";
    part parts[] = {{"file", "cells.html", page, sizeof page - 1}};
    http_fake *f = upload_parts(t, WHO_STUDENT, parts, 1);
    expect_status(f, 202);
    json_t *j = fake_json(f);
    assert_string_equal(jstr(j, "kind"), "markdown");
    assert_string_equal(jstr(j, "mime"), "text/html");
    char id[MATERIAL_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    ingest_ready(t, id);
    json_t *m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "status"), "ready");
    json_t *sections = json_object_get(m, "sections");
    assert_int_equal(json_array_size(sections), 3);
    assert_string_equal(jstr(json_array_get(sections, 0), "title"), "Cells");
    assert_string_equal(jstr(json_array_get(sections, 1), "title"), "1.1. The nucleus");
    assert_string_equal(jstr(json_array_get(sections, 2), "title"), "1.2. Mitochondria");
    json_decref(m);
    json_t *hits = call_json(t, "GET", "/api/search?q=energy", WHO_STUDENT, NULL, 200);
    char *text = json_dumps(hits, 0);
    assert_non_null(strstr(text, "Mitochondria make ATP \u2013 the cell\u2019s "));
    assert_null(strstr(text, "Prev"));
    free(text);
    json_decref(hits);

    static const char latin1[] = "1 Caf\xe9 culture\n\nThe caf\xe9 serves cr\xe8me br\xfbl\xe9"
                                 "e and \x93"
                                 "fresh\x94 bread.\n";
    part text_part[] = {{"file", "menu.txt", latin1, sizeof latin1 - 1}};
    f = upload_parts(t, WHO_STUDENT, text_part, 1);
    expect_status(f, 202);
    j = fake_json(f);
    assert_string_equal(jstr(j, "kind"), "text");
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    ingest_ready(t, id);
    m = get_material(t, WHO_STUDENT, id);
    assert_string_equal(jstr(m, "status"), "ready");
    assert_string_equal(jstr(json_array_get(json_object_get(m, "sections"), 0), "title"),
                        "1 Caf\u00e9 culture");
    json_decref(m);
    hits = call_json(t, "GET", "/api/search?q=bread", WHO_STUDENT, NULL, 200);
    text = json_dumps(hits, JSON_ENSURE_ASCII);
    assert_non_null(strstr(text, "cr\\u00E8me br\\u00FBl\\u00E9e and \\u201Cfresh\\u201D "));
    free(text);
    json_decref(hits);
}

/* Every refused upload: its status and code, and nothing stored, no row, no
 * job, no worker woken. */
static void api_materials_upload_refused(void **state)
{
    api_fx *t = api_fx_of(state);
    /* Neither multipart nor JSON. */
    const char *plain[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type", "text/plain", NULL};
    http_fake *f = call_raw(t, "POST", "/api/materials", plain, "hello", 5);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    f = call_raw(t, "POST", "/api/materials", t->acct[WHO_STUDENT].h_bearer[0], "hello", 5);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);
    /* A type the content gives away: an image under a PDF's name. */
    unsigned char *png = NULL;
    size_t png_len = 0;
    em_error err = {0};
    assert_int_equal(fixture_build("image.pdf", &png, &png_len, &err), EM_OK);
    part image[] = {{"file", "image.pdf", png, png_len}};
    f = upload_parts(t, WHO_STUDENT, image, 1);
    expect_error(f, 415, "unsupported_media_type");
    assert_non_null(strstr(error_message(f), "image/png"));
    http_fake_free(f);
    free(png);
    /* Text with a NUL in it is binary, whatever its name. */
    part binary[] = {{"file", "notes.txt", "ab\0cd", 5}};
    f = upload_parts(t, WHO_STUDENT, binary, 1);
    expect_error(f, 415, "unsupported_media_type");
    http_fake_free(f);

    char long_title[300];
    memset(long_title, 't', 201);
    long_title[201] = '\0';
    char with_long_title[400];
    snprintf(with_long_title, sizeof with_long_title, "{\"text\":\"Some text.\",\"title\":\"%s\"}",
             long_title);
    const char *json_cases[] = {
        "{}",
        "{\"text\":\"\"}",
        "{\"text\":5}",
        "{\"title\":\"No text\"}",
        "[\"Some text.\"]",
        "{\"text\":\"Some text.\",\"title\":5}",
        "{\"text\":\"Some text.\",\"title\":\"\"}",
        with_long_title,
        "{\"text\":\"Some text.\",\"format\":\"pdf\"}",
        "{\"text\":\"Some text.\",\"format\":1}",
        "{\"text\":\"Some text.\",\"worksheet\":\"yes\"}",
        "{\"text\":\"Some text.\",\"tags\":\"math..algebra\"}",
        "{\"text\":\"Some text.\",\"tags\":[1]}",
        "{\"text\":\"Some text.\",\"tags\":[\"Not A Tag!\"]}",
    };
    for (size_t i = 0; i < sizeof json_cases / sizeof json_cases[0]; i++) {
        f = call(t, "POST", "/api/materials", WHO_STUDENT, json_cases[i]);
        if (http_fake_status(f) != 422)
            fail_msg("upload %s: expected 422, got %d %s", json_cases[i], http_fake_status(f),
                     http_fake_body(f, NULL));
        expect_error(f, 422, "validation_error");
        http_fake_free(f);
    }
    call_error(t, "POST", "/api/materials", WHO_STUDENT, "{\"text\":", 400, "invalid_json");

    /* Multipart forms that say too little or too much. */
    part no_file[] = {TEXT_PART("title", "x")};
    part two_files[] = {{"file", "a.txt", "one", 3}, {"file", "b.txt", "two", 3}};
    part bad_flag[] = {TEXT_PART("worksheet", "maybe"), {"file", "a.txt", "text", 4}};
    part empty_file[] = {{"file", "a.txt", "", 0}};
    part bad_tags[] = {TEXT_PART("tags", "math..algebra"), {"file", "a.txt", "text", 4}};
    part empty_title[] = {TEXT_PART("title", ""), {"file", "a.txt", "text", 4}};
    struct {
        const part *parts;
        size_t n;
    } forms[] = {{no_file, 1},    {two_files, 2}, {bad_flag, 2},
                 {empty_file, 1}, {bad_tags, 2},  {empty_title, 2}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        f = upload_parts(t, WHO_STUDENT, forms[i].parts, forms[i].n);
        expect_error(f, 422, "validation_error");
        http_fake_free(f);
    }
    /* Broken multipart: 400; more parts than an upload has: 413. */
    const char unterminated[] =
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nno end";
    const char *mp[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type",
                        "multipart/form-data; boundary=" BOUNDARY, NULL};
    f = call_raw(t, "POST", "/api/materials", mp, unterminated, sizeof unterminated - 1);
    expect_error(f, 400, "invalid_multipart");
    http_fake_free(f);
    const char *no_boundary[] = {"Authorization", t->acct[WHO_STUDENT].bearer, "Content-Type",
                                 "multipart/form-data", NULL};
    f = call_raw(t, "POST", "/api/materials", no_boundary, unterminated, sizeof unterminated - 1);
    expect_error(f, 400, "invalid_multipart");
    http_fake_free(f);
    part many[17];
    for (size_t i = 0; i < 16; i++)
        many[i] = (part)TEXT_PART("note", "x");
    many[16] = (part){"file", "a.txt", "text", 4};
    f = upload_parts(t, WHO_STUDENT, many, 17);
    expect_error(f, 413, "invalid_multipart");
    http_fake_free(f);

    json_t *l = call_json(t, "GET", "/api/materials", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 0);
    json_decref(l);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM materials"), 0);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM jobs"), 0);
    assert_int_equal(stored_files(t), 0);
    assert_int_equal(t->wakes, 0);
}

/* Nothing stored by a refused upload: rows, jobs and files as before. */
static void expect_nothing_new(api_fx *t, int64_t materials, int files)
{
    assert_int_equal(sql_int(t, "SELECT count(*) FROM materials"), materials);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM jobs"), materials);
    assert_int_equal(stored_files(t), files);
}

static void api_materials_upload_limits(void **state)
{
    api_fx *t = api_fx_of(state);
    char id[MATERIAL_ID_LEN + 1];
    /* two unfinished extractions at most per user: the third is 429, with
     * when to try again, whatever form it comes in */
    t->ctx.upload_limits = (submit_limits){.max_pending = 2};
    upload_json(t, WHO_STUDENT, "{\"text\":\"Osmosis moves water.\"}", id);
    upload_json(t, WHO_STUDENT, "{\"text\":\"Diffusion moves solutes.\"}", id);
    http_fake *f = call(t, "POST", "/api/materials", WHO_STUDENT, "{\"text\":\"One too many.\"}");
    expect_error(f, 429, "rate_limited");
    assert_string_equal(http_fake_header(f, "Retry-After"), "30");
    assert_non_null(strstr(error_message(f), "still waiting"));
    http_fake_free(f);
    part file[] = {{"file", "notes.txt", "Mitosis divides a cell.", 23}};
    f = upload_parts(t, WHO_STUDENT, file, 1);
    expect_error(f, 429, "rate_limited");
    http_fake_free(f);
    expect_nothing_new(t, 2, 2);
    upload_json(t, WHO_STUDENT2, "{\"text\":\"Someone else's notes.\"}", id);
    /* once one is done, there is room again */
    assert_int_equal(sql_int(t, "SELECT count(*) FROM jobs WHERE status = 'queued'"), 3);
    db *d = api_fx_db(t);
    em_error err = {0};
    const char *owner[] = {api_fx_id(t, WHO_STUDENT)};
    assert_int_equal(db_run(d,
                            "UPDATE jobs SET status = 'succeeded' WHERE id = (SELECT min(id) FROM jobs "
                            "WHERE owner_id = $1)",
                            owner, 1, &err),
                     EM_OK);
    f = upload_parts(t, WHO_STUDENT, file, 1);
    expect_status(f, 202);
    http_fake_free(f);

    /* a storage quota: past it, 413 quota_exceeded saying what is left */
    t->ctx.upload_limits = (submit_limits){.user_quota_bytes = 100};
    int64_t used = sql_int(t, "SELECT sum(size_bytes) FROM materials WHERE user_id = (SELECT id FROM users "
                              "WHERE email = 'student@example.org')");
    assert_int_equal(used, 20 + 24 + 23);
    char big[64];
    snprintf(big, sizeof big, "{\"text\":\"%040d\"}", 7);
    f = call(t, "POST", "/api/materials", WHO_STUDENT, big);
    expect_error(f, 413, "quota_exceeded");
    assert_non_null(strstr(error_message(f), "33 bytes is left"));
    assert_null(http_fake_header(f, "Retry-After"));
    http_fake_free(f);
    expect_nothing_new(t, 4, 4);
    upload_json(t, WHO_STUDENT, "{\"text\":\"Short.\"}", id); /* what fits goes in */

    /* the disk under DATA_DIR nearly full: 507 for everyone */
    t->ctx.upload_limits = (submit_limits){.data_dir = t->dir, .min_free_bytes = (int64_t)1 << 60};
    f = call(t, "POST", "/api/materials", WHO_STUDENT2, "{\"text\":\"Any text.\"}");
    expect_error(f, 507, "insufficient_storage");
    assert_non_null(strstr(error_message(f), "disk space"));
    assert_null(strstr(error_message(f), t->dir));
    http_fake_free(f);
    expect_nothing_new(t, 5, 5);
    t->ctx.upload_limits = (submit_limits){0};
}

static void api_materials_list_pages(void **state)
{
    api_fx *t = api_fx_of(state);
    char ids[3][MATERIAL_ID_LEN + 1];
    for (int i = 0; i < 3; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"title\":\"Material %d\",\"text\":\"Text number %d.\"}", i, i);
        upload_json(t, WHO_STUDENT, body, ids[i]);
    }
    json_t *l = call_json(t, "GET", "/api/materials", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 3);
    assert_int_equal(jint(l, "limit"), 20);
    assert_int_equal(jint(l, "offset"), 0);
    json_t *items = json_object_get(l, "items");
    assert_int_equal(json_array_size(items), 3);
    for (int i = 0; i < 3; i++) { /* newest first */
        json_t *m = json_array_get(items, (size_t)i);
        expect_material_keys(m, 0);
        assert_string_equal(jstr(m, "id"), ids[2 - i]);
        assert_string_equal(jstr(m, "status"), "pending");
    }
    json_decref(l);
    l = call_json(t, "GET", "/api/materials?limit=1&offset=1", WHO_STUDENT, NULL, 200);
    assert_int_equal(jint(l, "total"), 3);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
    assert_string_equal(jstr(json_array_get(json_object_get(l, "items"), 0), "id"), ids[1]);
    json_decref(l);

    /* Someone else's list: the owner's tutor and admins; nobody else. */
    char target[128], ghost[ID_UUID_LEN + 1];
    snprintf(target, sizeof target, "/api/materials?user_id=%s", api_fx_id(t, WHO_STUDENT));
    l = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    assert_int_equal(jint(l, "total"), 3);
    json_decref(l);
    l = call_json(t, "GET", target, WHO_ADMIN, NULL, 200);
    assert_int_equal(jint(l, "total"), 3);
    json_decref(l);
    http_fake *f = call(t, "GET", target, WHO_STUDENT2, NULL);
    expect_error(f, 404, "not_found");
    id_uuid7(ghost);
    snprintf(target, sizeof target, "/api/materials?user_id=%s", ghost);
    http_fake *g = call(t, "GET", target, WHO_STUDENT2, NULL);
    expect_error(g, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    l = call_json(t, "GET", "/api/materials", WHO_STUDENT2, NULL, 200);
    assert_int_equal(jint(l, "total"), 0);
    assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
    json_decref(l);

    static const char *const bad[] = {"/api/materials?limit=0", "/api/materials?limit=101",
                                      "/api/materials?offset=-1", "/api/materials?limit=x",
                                      "/api/materials?user_id=not-a-user"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        call_error(t, "GET", bad[i], WHO_STUDENT, NULL, 400, "invalid_request");
}

/* The one rule on a material and its topics. */
static void api_materials_visibility(void **state)
{
    api_fx *t = api_fx_of(state);
    char id[MATERIAL_ID_LEN + 1], ghost[ID_UUID_LEN + 1];
    upload_json(t, WHO_STUDENT, "{\"title\":\"Mine\",\"text\":\"# Cells\\n\\nCells are small.\\n\"}", id);
    ingest_ready(t, id);
    id_uuid7(ghost);
    static const char *const paths[] = {"", "/topics", "/download-url"}; /* after /api/materials/{id} */
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++) {
        char target[128], missing[128];
        snprintf(target, sizeof target, "/api/materials/%s%s", id, paths[p]);
        snprintf(missing, sizeof missing, "/api/materials/%s%s", ghost, paths[p]);
        json_decref(call_json(t, "GET", target, WHO_STUDENT, NULL, 200));
        json_decref(call_json(t, "GET", target, WHO_TUTOR, NULL, 200));
        json_decref(call_json(t, "GET", target, WHO_ADMIN, NULL, 200));
        http_fake *f = call(t, "GET", target, WHO_STUDENT2, NULL);
        http_fake *g = call(t, "GET", missing, WHO_STUDENT2, NULL);
        expect_error(f, 404, "not_found");
        expect_error(g, 404, "not_found");
        assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
        http_fake_free(f);
        http_fake_free(g);
        snprintf(missing, sizeof missing, "/api/materials/not-an-id%s", paths[p]);
        call_error(t, "GET", missing, WHO_STUDENT, NULL, 404, "not_found");
    }
    /* A tutor demoted to student sees it no more. */
    char target[128];
    snprintf(target, sizeof target, "/api/admin/users/%s", api_fx_id(t, WHO_TUTOR));
    json_decref(call_json(t, "PATCH", target, WHO_ADMIN, "{\"role\":\"student\"}", 200));
    snprintf(target, sizeof target, "/api/materials/%s", id);
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
    snprintf(target, sizeof target, "/api/materials?user_id=%s", api_fx_id(t, WHO_STUDENT));
    call_error(t, "GET", target, WHO_TUTOR, NULL, 404, "not_found");
}

static void api_materials_delete_removes_everything(void **state)
{
    api_fx *t = api_fx_of(state);
    char mine[MATERIAL_ID_LEN + 1], by_tutor[MATERIAL_ID_LEN + 1], by_admin[MATERIAL_ID_LEN + 1],
        q[MATERIAL_ID_LEN + 1];
    worksheet_ready(t, WHO_STUDENT, mine, q);
    upload_json(t, WHO_STUDENT, "{\"text\":\"Second material.\"}", by_tutor);
    upload_json(t, WHO_STUDENT, "{\"text\":\"Third material.\"}", by_admin);
    assert_int_equal(stored_files(t), 3);
    assert_true(rows(t, "material_chunks", mine) > 0);
    assert_int_equal(rows(t, "questions", mine), 1);
    char target[128], link_target[128];
    snprintf(target, sizeof target, "/api/materials/%s/download-url", mine);
    json_t *link = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    snprintf(link_target, sizeof link_target, "%s", jstr(link, "url"));
    json_decref(link);

    /* Someone who may not see it cannot delete it. */
    snprintf(target, sizeof target, "/api/materials/%s", mine);
    call_error(t, "DELETE", target, WHO_STUDENT2, NULL, 404, "not_found");
    json_decref(get_material(t, WHO_STUDENT, mine));
    assert_int_equal(stored_files(t), 3);

    http_fake *f = call(t, "DELETE", target, WHO_STUDENT, NULL);
    expect_status(f, 204);
    size_t len = 1;
    http_fake_body(f, &len);
    assert_int_equal(len, 0);
    http_fake_free(f);
    call_error(t, "GET", target, WHO_STUDENT, NULL, 404, "not_found");
    call_error(t, "DELETE", target, WHO_STUDENT, NULL, 404, "not_found");
    static const char *const owned[] = {"material_chunks", "material_sections", "material_topics",
                                        "questions"};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        assert_int_equal(rows(t, owned[i], mine), 0);
    char question[128];
    snprintf(question, sizeof question, "/api/questions/%s", q);
    call_error(t, "GET", question, WHO_STUDENT, NULL, 404, "not_found");
    assert_int_equal(stored_files(t), 2);
    /* A link made before is a link to nothing. */
    f = call(t, "GET", link_target, WHO_ANON, NULL);
    expect_error(f, 404, "not_found");
    http_fake_free(f);

    /* The owner's tutor and admins may delete too. */
    snprintf(target, sizeof target, "/api/materials/%s", by_tutor);
    f = call(t, "DELETE", target, WHO_TUTOR, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    snprintf(target, sizeof target, "/api/materials/%s", by_admin);
    f = call(t, "DELETE", target, WHO_ADMIN, NULL);
    expect_status(f, 204);
    http_fake_free(f);
    assert_int_equal(stored_files(t), 0);
    assert_int_equal(sql_int(t, "SELECT count(*) FROM materials"), 0);
    call_error(t, "DELETE", "/api/materials/not-an-id", WHO_STUDENT, NULL, 404, "not_found");
}

static void api_materials_signed_download(void **state)
{
    api_fx *t = api_fx_of(state);
    static const char text[] = "Photosynthesis turns light into sugar.\n";
    part parts[] = {{"file", "photo.txt", text, sizeof text - 1}};
    http_fake *f = upload_parts(t, WHO_STUDENT, parts, 1);
    expect_status(f, 202);
    json_t *j = fake_json(f);
    char id[MATERIAL_ID_LEN + 1], other[MATERIAL_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", jstr(j, "id"));
    json_decref(j);
    http_fake_free(f);
    upload_json(t, WHO_STUDENT, "{\"text\":\"Another one.\"}", other);

    char target[256];
    snprintf(target, sizeof target, "/api/materials/%s/download-url", id);
    int64_t before = clock_now_ms() / 1000;
    j = call_json(t, "GET", target, WHO_STUDENT, NULL, 200);
    assert_int_equal(json_object_size(j), 3);
    assert_int_equal(jint(j, "expires_in"), API_FX_LINK_TTL_S);
    const char *expires_at = jstr(j, "expires_at");
    assert_int_equal(strlen(expires_at), 24); /* 2026-01-01T00:00:00.000Z */
    char url[512];
    snprintf(url, sizeof url, "%s", jstr(j, "url"));
    json_decref(j);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "/api/materials/%s/download?token=", id);
    assert_true(strncmp(url, prefix, strlen(prefix)) == 0);

    /* The link needs no session and gives the original back, byte for byte. */
    f = call(t, "GET", url, WHO_ANON, NULL);
    expect_status(f, 200);
    size_t len = 0;
    const char *body = http_fake_body(f, &len);
    assert_int_equal(len, sizeof text - 1);
    assert_memory_equal(body, text, len);
    assert_string_equal(http_fake_header(f, "Content-Type"), "text/plain");
    assert_string_equal(http_fake_header(f, "Content-Disposition"), "attachment; filename=\"photo.txt\"");
    assert_string_equal(http_fake_header(f, "Cache-Control"), "private, no-store");
    http_fake_free(f);

    /* A shorter life on request, within bounds. */
    snprintf(target, sizeof target, "/api/materials/%s/download-url?expires_in=60", id);
    j = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    assert_int_equal(jint(j, "expires_in"), 60);
    json_decref(j);
    static const char *const bad_ttl[] = {"59", "604801", "soon", "-1"};
    for (size_t i = 0; i < sizeof bad_ttl / sizeof bad_ttl[0]; i++) {
        snprintf(target, sizeof target, "/api/materials/%s/download-url?expires_in=%s", id, bad_ttl[i]);
        call_error(t, "GET", target, WHO_STUDENT, NULL, 400, "invalid_request");
    }
    snprintf(target, sizeof target, "/api/materials/%s/download-url", id);
    call_error(t, "GET", target, WHO_STUDENT2, NULL, 404, "not_found");

    /* Tampered: one character of the signature changed. */
    char bad[512];
    snprintf(bad, sizeof bad, "%s", url);
    char *last = bad + strlen(bad) - 1;
    *last = *last == 'A' ? 'B' : 'A';
    f = call(t, "GET", bad, WHO_ANON, NULL);
    expect_error(f, 403, "invalid_link");
    http_fake_free(f);
    /* This material's token does not open another one, existing or not. */
    const char *token = strstr(url, "token=") + 6;
    snprintf(bad, sizeof bad, "/api/materials/%s/download?token=%s", other, token);
    f = call(t, "GET", bad, WHO_STUDENT, NULL);
    expect_error(f, 403, "invalid_link");
    http_fake_free(f);
    snprintf(bad, sizeof bad, "/api/materials/01900000-0000-7000-8000-000000000000/download?token=%s", token);
    f = call(t, "GET", bad, WHO_ANON, NULL);
    expect_error(f, 403, "invalid_link");
    http_fake_free(f);
    /* No token, an empty one, or a made-up one. */
    static const char *const tokens[] = {"", "?token=", "?token=abc", "?token=AAAA.BBBB"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        snprintf(bad, sizeof bad, "/api/materials/%s/download%s", id, tokens[i]);
        f = call(t, "GET", bad, WHO_ANON, NULL);
        expect_error(f, 403, "invalid_link");
        http_fake_free(f);
    }
    /* Expired: a genuine signature whose time has passed. */
    char expired[SIGNED_URL_TOKEN_MAX + 1];
    assert_int_equal(signed_url_make(API_FX_SECRET, id, before - 10, expired, sizeof expired), EM_OK);
    snprintf(bad, sizeof bad, "/api/materials/%s/download?token=%s", id, expired);
    f = call(t, "GET", bad, WHO_ANON, NULL);
    expect_error(f, 403, "link_expired");
    http_fake_free(f);
    /* Signed with another key. */
    assert_int_equal(signed_url_make("another-secret-of-at-least-thirty-two-bytes", id, before + 600, expired,
                                     sizeof expired),
                     EM_OK);
    snprintf(bad, sizeof bad, "/api/materials/%s/download?token=%s", id, expired);
    f = call(t, "GET", bad, WHO_ANON, NULL);
    expect_error(f, 403, "invalid_link");
    http_fake_free(f);
}

static void api_materials_review_setting(void **state)
{
    api_fx *t = api_fx_of(state);
    char id[MATERIAL_ID_LEN + 1], ghost[ID_UUID_LEN + 1], target[128], missing[128];
    upload_json(t, WHO_STUDENT, "{\"title\":\"Mine\",\"text\":\"# Cells\\n\\nCells are small.\\n\"}", id);
    ingest_ready(t, id);
    snprintf(target, sizeof target, "/api/materials/%s", id);
    id_uuid7(ghost);
    snprintf(missing, sizeof missing, "/api/materials/%s", ghost);
    /* off until someone turns it on */
    json_t *m = get_material(t, WHO_STUDENT, id);
    assert_true(json_is_false(json_object_get(m, "review_generated")));
    char before[40];
    snprintf(before, sizeof before, "%s", jstr(m, "updated_at"));
    json_decref(m);
    /* the owner, the owner's tutor, an admin: each answer is the material as it is now */
    static const struct {
        api_who who;
        const char *body;
        bool on;
    } turns[] = {
        {WHO_STUDENT, "{\"review_generated\":true}", true},
        {WHO_TUTOR, "{\"review_generated\":false,\"title\":\"ignored\"}", false},
        {WHO_ADMIN, "{\"review_generated\":true}", true},
        {WHO_TUTOR, "{\"review_generated\":true}", true}, /* again: no error */
    };
    for (size_t i = 0; i < sizeof turns / sizeof turns[0]; i++) {
        m = call_json(t, "PATCH", target, turns[i].who, turns[i].body, 200);
        expect_material_keys(m, 0);
        assert_true(json_is_boolean(json_object_get(m, "review_generated")));
        assert_int_equal(json_is_true(json_object_get(m, "review_generated")), turns[i].on);
        assert_string_equal(jstr(m, "title"), "Mine");
        assert_true(strcmp(jstr(m, "updated_at"), before) >= 0);
        json_decref(m);
        m = get_material(t, WHO_STUDENT, id);
        assert_int_equal(json_is_true(json_object_get(m, "review_generated")), turns[i].on);
        json_decref(m);
    }
    snprintf(target, sizeof target, "/api/materials?user_id=%s", api_fx_id(t, WHO_STUDENT));
    m = call_json(t, "GET", target, WHO_TUTOR, NULL, 200);
    assert_true(
        json_is_true(json_object_get(json_array_get(json_object_get(m, "items"), 0), "review_generated")));
    json_decref(m);
    snprintf(target, sizeof target, "/api/materials/%s", id);
    /* someone else: the 404 of a material that does not exist */
    http_fake *f = call(t, "PATCH", target, WHO_STUDENT2, "{\"review_generated\":false}");
    http_fake *g = call(t, "PATCH", missing, WHO_STUDENT2, "{\"review_generated\":false}");
    expect_error(f, 404, "not_found");
    expect_error(g, 404, "not_found");
    assert_string_equal(http_fake_body(f, NULL), http_fake_body(g, NULL));
    http_fake_free(f);
    http_fake_free(g);
    call_error(t, "PATCH", "/api/materials/not-an-id", WHO_ADMIN, "{\"review_generated\":false}", 404,
               "not_found");
    /* bodies that are not settings */
    static const char *const bad[] = {
        "{\"review_generated\":\"yes\"}", "{\"review_generated\":1}",
        "{\"review_generated\":null}",    "{}",
        "{\"title\":\"only unknown\"}",   "[true]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        call_error(t, "PATCH", target, WHO_STUDENT, bad[i], 400, "invalid_request");
    call_error(t, "PATCH", target, WHO_STUDENT, "{\"review_generated\":", 400, "invalid_json");
    call_error(t, "PATCH", target, WHO_STUDENT, "true", 400, "invalid_json");
    /* nothing refused changed it */
    m = get_material(t, WHO_STUDENT, id);
    assert_true(json_is_true(json_object_get(m, "review_generated")));
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        API_BOTH(api_materials_upload_json_text),
        API_BOTH(api_materials_upload_multipart),
        API_BOTH(api_materials_upload_pages_and_8bit_text),
        API_BOTH(api_materials_upload_refused),
        API_BOTH(api_materials_list_pages),
        API_BOTH(api_materials_visibility),
        API_BOTH(api_materials_delete_removes_everything),
        API_BOTH(api_materials_signed_download),
        API_BOTH(api_materials_upload_limits),
        API_BOTH(api_materials_review_setting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
