/* submit: one upload as a material, on SQLite and PostgreSQL with a storage
 * directory the test inspects: the type comes from the bytes (never the
 * name), anything else is EM_E_UNSUPPORTED naming its type, an empty file is
 * refused, the title comes from the file name without its directories; a
 * storage failure leaves no row and a database failure leaves no file; the
 * limits (unfinished extraction jobs per user, a storage quota per user, free
 * disk space) refuse an upload with nothing stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

#include "content/storage.h"
#include "fixtures.h"
#include "materials/submit.h"

#include "area_fixture.h"

#define NOBODY "01900000-0000-7000-8000-00000000dead"

/* A 1x1 PNG image. */
static const unsigned char png[] = {
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};

static const char text[] =
    "Photosynthesis turns light into chemical energy. It happens in the chloroplasts.\n";

static int64_t count(db *d, const char *table)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return area_int(d, sql, NULL, 0);
}

static submit_input input(const char *user_id, const void *data, size_t len, const char *filename)
{
    return (submit_input){
        .user_id = user_id, .data = data, .len = len, .filename = filename, .enqueue = true};
}

static submit_output submit_ok(db *d, area_store *st, const submit_input *in)
{
    submit_output out;
    em_error err = {0};
    if (material_submit(d, st->s, in, &out, &err) != EM_OK)
        fail_msg("material_submit %s: %s", in->filename != NULL ? in->filename : "(no name)", err.msg);
    return out;
}

static material get(db *d, const char *id)
{
    material m;
    em_error err = {0};
    if (material_get(d, id, &m, &err) != EM_OK)
        fail_msg("material_get %s: %s", id, err.msg);
    return m;
}

/* The stored original equals data[0..len). */
static void expect_stored(area_store *st, const char *material_id, const void *data, size_t len)
{
    char key[128];
    material_storage_key(material_id, key, sizeof key);
    void *got = NULL;
    size_t n = 0;
    em_error err = {0};
    if (storage_get(st->s, key, &got, &n, len + 1, &err) != EM_OK)
        fail_msg("storage_get %s: %s", key, err.msg);
    assert_int_equal(n, len);
    assert_memory_equal(got, data, len);
    free(got);
}

static void materials_submit_type_from_bytes(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    unsigned char *pdf = NULL;
    size_t pdf_len = 0;
    em_error err = {0};
    assert_int_equal(fixture_build("headings.pdf", &pdf, &pdf_len, &err), EM_OK);

    /* a PDF named .txt is a PDF; everything about it is recorded */
    submit_input in = input(owner, pdf, pdf_len, "notes.txt");
    submit_output out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.kind, "pdf");
    assert_string_equal(out.mime, "application/pdf");
    assert_int_equal(strlen(out.job_id), 36);
    material m = get(f->d, out.material_id);
    assert_string_equal(m.user_id, owner);
    assert_string_equal(m.kind, "pdf");
    assert_string_equal(m.mime, "application/pdf");
    assert_string_equal(m.filename, "notes.txt");
    assert_string_equal(m.title, "notes");
    assert_string_equal(m.status, "pending");
    assert_string_equal(m.job_id, out.job_id);
    assert_int_equal(m.size_bytes, (int64_t)pdf_len);
    assert_false(m.is_worksheet);
    assert_string_equal(m.tags_json, "[]");
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(h, pdf, pdf_len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_string_equal(m.sha256, hex);
    char key[128];
    material_storage_key(out.material_id, key, sizeof key);
    assert_string_equal(m.storage_key, key);
    assert_non_null(strstr(key, out.material_id));
    material_cleanup(&m);
    expect_stored(&st, out.material_id, pdf, pdf_len);

    /* text named .pdf is text */
    in = input(owner, text, strlen(text), "scan.pdf");
    out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.kind, "text");
    assert_string_equal(out.mime, "text/plain");
    /* Markdown by its name, or by its look when it has no name */
    in = input(owner, text, strlen(text), "notes.md");
    out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.kind, "markdown");
    in = input(owner, fixture_notes_md, strlen(fixture_notes_md), NULL);
    out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.kind, "markdown");
    m = get(f->d, out.material_id);
    assert_string_equal(m.kind, "markdown");
    material_cleanup(&m);
    assert_int_equal(count(f->d, "materials"), 4);
    assert_int_equal(count(f->d, "jobs"), 4);
    assert_int_equal(area_store_files(&st), 4);

    /* an image named .pdf: refused naming what it is, nothing kept */
    in = input(owner, png, sizeof png, "notes.pdf");
    int rc = material_submit(f->d, st.s, &in, &out, &err);
    assert_int_equal(rc, EM_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "image/png"));
    assert_string_equal(out.material_id, "");
    /* so is anything else that is not PDF or text */
    static const unsigned char gzip[] = {
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b,
        0x04, 0x00, 0x43, 0xbe, 0xb7, 0xe8, 0x01, 0x00, 0x00, 0x00}; /* "a" */
    in = input(owner, gzip, sizeof gzip, "notes.txt");
    assert_int_equal(material_submit(f->d, st.s, &in, &out, &err), EM_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "application/gzip"));
    assert_int_equal(count(f->d, "materials"), 4);
    assert_int_equal(count(f->d, "jobs"), 4);
    assert_int_equal(area_store_files(&st), 4);
    free(pdf);
    area_store_close(&st);
}

static void materials_submit_empty_file_and_titles(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    em_error err = {0};
    submit_output out;
    /* an empty file */
    submit_input in = input(owner, "", 0, "empty.txt");
    int rc = material_submit(f->d, st.s, &in, &out, &err);
    assert_int_equal(rc, EM_E_INVAL);
    assert_non_null(err.reason);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    assert_non_null(strstr(err.msg, "empty"));
    /* titles given: 1..SUBMIT_TITLE_MAX bytes */
    in = input(owner, text, strlen(text), "x.txt");
    in.title = "";
    assert_int_equal(material_submit(f->d, st.s, &in, &out, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    char long_title[SUBMIT_TITLE_MAX + 2];
    memset(long_title, 't', sizeof long_title - 1);
    long_title[sizeof long_title - 1] = '\0';
    in.title = long_title;
    assert_int_equal(material_submit(f->d, st.s, &in, &out, &err), EM_E_INVAL);
    assert_int_equal(count(f->d, "materials"), 0);
    assert_int_equal(area_store_files(&st), 0);
    long_title[SUBMIT_TITLE_MAX] = '\0';
    out = submit_ok(f->d, &st, &in);
    material m = get(f->d, out.material_id);
    assert_string_equal(m.title, long_title);
    assert_string_equal(m.filename, "x.txt");
    material_cleanup(&m);
    /* from the file name, without directories or extension */
    static const struct {
        const char *filename, *title, *kept;
    } names[] = {
        {"C:\\Users\\me\\Cell Biology.v2.txt", "Cell Biology.v2", "Cell Biology.v2.txt"},
        {"/home/me/notes", "notes", "notes"},
        {"../../etc/passwd.txt", "passwd", "passwd.txt"},
        {"mixed/dirs\\and/name.md", "name", "name.md"},
        {".bashrc", ".bashrc", ".bashrc"},
        {"chapter.", "chapter", "chapter."},
        {NULL, "Untitled material", NULL},
        {"", "Untitled material", NULL},
        {"dir/", "Untitled material", NULL},
        {"dir/.txt", ".txt", ".txt"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        in = input(owner, text, strlen(text), names[i].filename);
        out = submit_ok(f->d, &st, &in);
        m = get(f->d, out.material_id);
        if (strcmp(m.title, names[i].title) != 0)
            fail_msg("%s: title \"%s\", want \"%s\"", names[i].filename, m.title, names[i].title);
        if (names[i].kept == NULL)
            assert_null(m.filename);
        else
            assert_string_equal(m.filename, names[i].kept);
        material_cleanup(&m);
    }
    /* worksheet, tags, and no job when the caller extracts it itself */
    in = input(owner, text, strlen(text), "sheet.txt");
    in.is_worksheet = true;
    in.tags_json = "[\"math.algebra\"]";
    in.enqueue = false;
    int64_t jobs = count(f->d, "jobs");
    out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.job_id, "");
    assert_int_equal(count(f->d, "jobs"), jobs);
    m = get(f->d, out.material_id);
    assert_true(m.is_worksheet);
    assert_null(m.job_id);
    json_t *tags = json_loads(m.tags_json, 0, NULL);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "math.algebra");
    json_decref(tags);
    material_cleanup(&m);
    expect_stored(&st, out.material_id, text, strlen(text));
    area_store_close(&st);
}

static void materials_submit_storage_failure_leaves_no_row(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    /* a file where the materials directory would go: nothing can be stored */
    char blocker[128];
    snprintf(blocker, sizeof blocker, "%s/materials", st.dir);
    FILE *fp = fopen(blocker, "w");
    assert_non_null(fp);
    fclose(fp);
    submit_input in = input(owner, text, strlen(text), "notes.txt");
    submit_output out;
    em_error err = {0};
    assert_int_equal(material_submit(f->d, st.s, &in, &out, &err), EM_E_IO);
    assert_null(strstr(err.msg, st.dir)); /* no private path in the message */
    assert_int_equal(count(f->d, "materials"), 0);
    assert_int_equal(count(f->d, "jobs"), 0);
    assert_false(db_in_transaction(f->d));
    /* storage back: it works */
    assert_int_equal(remove(blocker), 0);
    out = submit_ok(f->d, &st, &in);
    assert_int_equal(count(f->d, "materials"), 1);
    area_store_close(&st);
}

static void materials_submit_database_failure_leaves_no_file(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    submit_output out;
    em_error err = {0};
    /* the rows are refused (no such user): the stored file is removed again */
    submit_input in = input(NOBODY, text, strlen(text), "notes.txt");
    assert_int_equal(material_submit(f->d, st.s, &in, &out, &err), EM_E_CONFLICT);
    assert_int_equal(area_store_files(&st), 0);
    assert_int_equal(count(f->d, "materials"), 0);
    /* the job cannot be written: neither row nor file */
    area_exec(f->d, "ALTER TABLE jobs RENAME TO jobs_away");
    in = input(owner, text, strlen(text), "notes.txt");
    assert_int_not_equal(material_submit(f->d, st.s, &in, &out, &err), EM_OK);
    area_exec(f->d, "ALTER TABLE jobs_away RENAME TO jobs");
    assert_int_equal(area_store_files(&st), 0);
    assert_int_equal(count(f->d, "materials"), 0);
    assert_int_equal(count(f->d, "jobs"), 0);
    /* the materials table is gone */
    area_exec(f->d, "ALTER TABLE materials RENAME TO materials_away");
    assert_int_not_equal(material_submit(f->d, st.s, &in, &out, &err), EM_OK);
    assert_int_equal(area_store_files(&st), 0);
    area_exec(f->d, "ALTER TABLE materials_away RENAME TO materials");
    assert_int_equal(count(f->d, "materials"), 0);
    assert_int_equal(count(f->d, "jobs"), 0);
    assert_false(db_in_transaction(f->d));
    /* and the same upload goes through once the database is well */
    out = submit_ok(f->d, &st, &in);
    assert_int_equal(area_store_files(&st), 1);
    expect_stored(&st, out.material_id, text, strlen(text));
    area_store_close(&st);
}

/* A file larger than the sniffed start, handed over as a range of an open
 * file (how a spooled upload and `exammentor ingest` arrive): stored and
 * hashed from the file, with characters split across the pieces it is read
 * in; a text that stops being UTF-8 after the sniffed start is refused
 * naming where, and nothing is stored. */
static void materials_submit_from_a_file_range(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    /* 600 KB of text in 2-, 3- and 4-byte characters after an ASCII start,
     * behind 100 bytes of something else in the same file. */
    size_t len = 0, cap = 700 * 1024;
    char *big = malloc(cap);
    const char *words[] = {"Énergie ", "光合作用 ", "\xf0\x9f\x8c\xb1 leaf ", "plain words. "};
    for (size_t i = 0; len + 32 < 600 * 1024; i++) {
        size_t n = strlen(words[i % 4]);
        memcpy(big + len, words[i % 4], n);
        len += n;
    }
    char path[] = "/tmp/submit-range-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    char junk[100];
    memset(junk, 'x', sizeof junk);
    assert_int_equal(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
    assert_int_equal(write(fd, big, len), (ssize_t)len);

    submit_input in = {.user_id = owner, .fd = fd, .offset = sizeof junk, .len = len, .filename = "big.txt",
                       .enqueue = true};
    submit_output out = submit_ok(f->d, &st, &in);
    assert_string_equal(out.kind, "text");
    expect_stored(&st, out.material_id, big, len);
    material m = get(f->d, out.material_id);
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(h, (const unsigned char *)big, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    assert_string_equal(m.sha256, hex);
    assert_int_equal(m.size_bytes, (int64_t)len);
    material_cleanup(&m);

    /* One Latin-1 byte at 500 KB, past what sniffing reads: still text (read
       as Windows-1252 when it is extracted) */
    big[500 * 1024] = (char)0xE9;
    assert_int_equal(pwrite(fd, big + 500 * 1024, 1, (off_t)(sizeof junk + 500 * 1024)), 1);
    submit_output latin1 = submit_ok(f->d, &st, &in);
    assert_string_equal(latin1.kind, "text");
    /* a bell byte there: not text */
    big[500 * 1024] = 0x07;
    assert_int_equal(pwrite(fd, big + 500 * 1024, 1, (off_t)(sizeof junk + 500 * 1024)), 1);
    int64_t before = count(f->d, "materials");
    submit_output bad;
    em_error err = {0};
    assert_int_equal(material_submit(f->d, st.s, &in, &bad, &err), EM_E_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "control characters"));
    assert_int_equal(count(f->d, "materials"), before);
    close(fd);
    free(big);
    area_store_close(&st);
}

/* A refused upload: the code, the reason, and nothing stored or written. */
static void refused(db *d, area_store *st, const submit_input *in, int code, const char *reason,
                    em_error *err)
{
    int64_t materials = count(d, "materials"), jobs = count(d, "jobs");
    size_t files = area_store_files(st);
    submit_output out;
    int rc = material_submit(d, st->s, in, &out, err);
    if (rc != code)
        fail_msg("material_submit: %d (%s), want %d", rc, err->msg, code);
    if ((reason == NULL) != (err->reason == NULL) || (reason != NULL && strcmp(reason, err->reason) != 0))
        fail_msg("reason %s, want %s", err->reason ? err->reason : "(none)", reason ? reason : "(none)");
    assert_int_equal(count(d, "materials"), materials);
    assert_int_equal(count(d, "jobs"), jobs);
    assert_int_equal(area_store_files(st), files);
    assert_false(db_in_transaction(d));
}

static void set_job_status(db *d, const char *job_id, const char *status)
{
    const char *p[] = {status, job_id};
    area_run(d, "UPDATE jobs SET status = $1 WHERE id = $2", p, 2);
}

/* At most max_pending unfinished extraction jobs per user (queued, running,
 * failed and waiting for a retry): beyond, EM_E_RATE_LIMITED with a retry
 * time; another user, and `ingest`'s uploads (no job), are not held back. */
static void materials_submit_pending_cap(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37], other[37];
    area_user(f->d, "owner@example.org", "student", owner);
    area_user(f->d, "other@example.org", "student", other);
    submit_limits lim = {.max_pending = 2};
    submit_input in = input(owner, text, strlen(text), "notes.txt");
    in.limits = &lim;
    submit_output a = submit_ok(f->d, &st, &in);
    submit_output b = submit_ok(f->d, &st, &in);
    em_error err = {0};
    refused(f->d, &st, &in, EM_E_RATE_LIMITED, NULL, &err);
    assert_int_equal(err.retry_after_s, SUBMIT_RETRY_AFTER_S);
    assert_non_null(strstr(err.msg, "2 of your uploads are still waiting"));
    submit_input theirs = input(other, text, strlen(text), "notes.txt");
    theirs.limits = &lim;
    submit_ok(f->d, &st, &theirs);
    submit_input no_job = in;
    no_job.enqueue = false;
    submit_ok(f->d, &st, &no_job);
    /* running and failed-awaiting-retry count; finished ones do not */
    set_job_status(f->d, a.job_id, "running");
    set_job_status(f->d, b.job_id, "failed");
    refused(f->d, &st, &in, EM_E_RATE_LIMITED, NULL, &err);
    set_job_status(f->d, a.job_id, "succeeded");
    submit_output c = submit_ok(f->d, &st, &in);
    refused(f->d, &st, &in, EM_E_RATE_LIMITED, NULL, &err);
    set_job_status(f->d, c.job_id, "dead");
    submit_ok(f->d, &st, &in);
    area_store_close(&st);
}

/* A user's originals, the upload counted, within the quota: beyond,
 * EM_E_TOO_LARGE with the reason quota_exceeded and what is left. */
static void materials_submit_quota(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37], other[37];
    area_user(f->d, "owner@example.org", "student", owner);
    area_user(f->d, "other@example.org", "student", other);
    size_t len = strlen(text); /* 81 bytes */
    submit_limits lim = {.user_quota_bytes = (int64_t)(2 * len + 10)};
    submit_input in = input(owner, text, len, "notes.txt");
    in.limits = &lim;
    submit_output a = submit_ok(f->d, &st, &in);
    submit_ok(f->d, &st, &in);
    em_error err = {0};
    refused(f->d, &st, &in, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED, &err);
    assert_non_null(strstr(err.msg, "10 bytes is left"));
    assert_non_null(strstr(err.msg, "(81 bytes)"));
    assert_non_null(strstr(err.msg, "quota of 172 bytes"));
    /* what fits still goes in, to the byte */
    submit_input small = input(owner, text, 10, "notes.txt");
    small.limits = &lim;
    submit_ok(f->d, &st, &small);
    small.len = 1;
    refused(f->d, &st, &small, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED, &err);
    assert_non_null(strstr(err.msg, "0 bytes is left"));
    /* someone else's quota is their own */
    submit_input theirs = input(other, text, len, "notes.txt");
    theirs.limits = &lim;
    submit_ok(f->d, &st, &theirs);
    /* deleting makes room */
    assert_int_equal(material_delete(f->d, a.material_id, &err), EM_OK);
    submit_ok(f->d, &st, &in);
    /* a quota in megabytes reads as such */
    submit_limits mb = {.user_quota_bytes = 3 * 1024 * 1024 / 2};
    in.limits = &mb;
    unsigned char *big = malloc(2 * 1024 * 1024);
    assert_non_null(big);
    memset(big, 'a', 2 * 1024 * 1024);
    submit_input large = input(owner, big, 2 * 1024 * 1024, "big.txt");
    large.limits = &mb;
    refused(f->d, &st, &large, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED, &err);
    assert_non_null(strstr(err.msg, "(2.0 MB)"));
    assert_non_null(strstr(err.msg, "quota of 1.5 MB"));
    free(big);
    area_store_close(&st);
}

/* A user's materials under the cap however small they are: at it,
 * EM_E_TOO_LARGE quota_exceeded with a count; deleting one makes room. */
static void materials_submit_count_cap(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37], other[37];
    area_user(f->d, "owner@example.org", "student", owner);
    area_user(f->d, "other@example.org", "student", other);
    submit_limits lim = {.max_materials = 3};
    submit_input in = input(owner, text, 1, "one-byte.txt");
    in.limits = &lim;
    submit_output a = submit_ok(f->d, &st, &in);
    submit_ok(f->d, &st, &in);
    submit_ok(f->d, &st, &in);
    em_error err = {0};
    refused(f->d, &st, &in, EM_E_TOO_LARGE, SUBMIT_QUOTA_EXCEEDED, &err);
    assert_non_null(strstr(err.msg, "you have 3 materials"));
    submit_input theirs = input(other, text, 1, "one-byte.txt");
    theirs.limits = &lim;
    submit_ok(f->d, &st, &theirs);
    assert_int_equal(material_delete(f->d, a.material_id, &err), EM_OK);
    submit_ok(f->d, &st, &in);
    area_store_close(&st);
}

/* Less free space under DATA_DIR than the reserve plus the upload:
 * EM_E_UNAVAILABLE, reason insufficient_storage, with a message for users. */
static void materials_submit_free_disk(void **state)
{
    fixture *f = area_db(state);
    area_store st;
    area_store_open(&st);
    char owner[37];
    area_user(f->d, "owner@example.org", "student", owner);
    submit_limits lim = {.data_dir = st.dir, .min_free_bytes = (int64_t)1 << 60}; /* an exabyte */
    submit_input in = input(owner, text, strlen(text), "notes.txt");
    in.limits = &lim;
    em_error err = {0};
    refused(f->d, &st, &in, EM_E_UNAVAILABLE, SUBMIT_INSUFFICIENT_STORAGE, &err);
    assert_non_null(strstr(err.msg, "disk space"));
    assert_null(strstr(err.msg, st.dir));
    lim.min_free_bytes = 1;
    submit_ok(f->d, &st, &in);
    lim.data_dir = NULL; /* no directory: no check */
    lim.min_free_bytes = (int64_t)1 << 60;
    submit_ok(f->d, &st, &in);
    area_store_close(&st);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_submit_type_from_bytes),
        BOTH(materials_submit_empty_file_and_titles),
        BOTH(materials_submit_storage_failure_leaves_no_row),
        BOTH(materials_submit_database_failure_leaves_no_file),
        BOTH(materials_submit_from_a_file_range),
        BOTH(materials_submit_pending_cap),
        BOTH(materials_submit_quota),
        BOTH(materials_submit_count_cap),
        BOTH(materials_submit_free_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
