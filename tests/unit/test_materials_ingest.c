/* ingest: the limits of one document's extraction, end to end (submit, then
 * ingest_material as the job runs it), on SQLite and PostgreSQL with a
 * storage directory: one deadline for every step, failing the material with
 * "extraction took longer than EXTRACTION_TIMEOUT_SECONDS (N s)" soon after
 * it passes, in MuPDF as in the text steps; a PDF past its memory budget
 * failing with "... (EXTRACTION_MEMORY_MB)"; and documents of many headings
 * (and a worksheet's questions under them) going through in seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <time.h>

#include "content/storage.h"
#include "core/buf.h"
#include "core/mem.h"
#include "fixtures.h"
#include "materials/ingest.h"
#include "materials/submit.h"

#include "area_fixture.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A store, an owner, and the ingest options of a server with timeout_s. */
typedef struct setup_ctx {
    fixture *f;
    area_store st;
    char owner[37];
    ingest_options o;
} setup_ctx;

static void open_ctx(void **state, setup_ctx *c, int timeout_s)
{
    c->f = area_db(state);
    area_store_open(&c->st);
    area_user(c->f->d, "owner@example.org", "student", c->owner);
    c->o = (ingest_options){.max_pages = 2000,
                            .timeout_s = timeout_s,
                            .threads = 2,
                            .max_file_bytes = 32u << 20,
                            .max_memory_bytes = 256u << 20};
}

/* Submit data as a file called name and extract it; the outcome, and the
 * seconds ingest_material took in *took. */
static ingest_outcome submit_and_ingest(setup_ctx *c, const void *data, size_t len, const char *name,
                                        bool worksheet, double *took)
{
    submit_input in = {.user_id = c->owner,
                       .data = data,
                       .len = len,
                       .filename = name,
                       .is_worksheet = worksheet,
                       .enqueue = false};
    submit_output sub;
    em_error err = {0};
    if (material_submit(c->f->d, c->st.s, &in, &sub, &err) != EM_OK)
        fail_msg("material_submit %s: %s", name, err.msg);
    ingest_outcome out;
    double t0 = now_s();
    if (ingest_material(c->f->d, c->st.s, sub.material_id, &c->o, &out, &err) != EM_OK)
        fail_msg("ingest_material %s: %s", name, err.msg);
    *took = now_s() - t0;
    material m;
    if (material_get(c->f->d, sub.material_id, &m, &err) != EM_OK)
        fail_msg("material_get: %s", err.msg);
    /* The row says what the outcome says. */
    if (out.status == INGEST_FAILED) {
        assert_string_equal(m.status, "failed");
        assert_string_equal(m.error, out.error);
    } else {
        assert_int_equal(out.status, INGEST_READY);
        assert_string_equal(m.status, "ready");
    }
    material_cleanup(&m);
    return out;
}

static void close_ctx(setup_ctx *c)
{
    area_store_close(&c->st);
}

/* The bound for a document whose extraction takes a second or less and whose
 * storing dominates: on PostgreSQL each section and question is an INSERT
 * of its own (material_store_result), 80,000 of them about 10 s. */
static double store_bound_s(const setup_ctx *c)
{
    return c->f->kind == DB_POSTGRES ? 60 : 20;
}

/* 16 GiB of white space in a PDF's content streams (70 s of MuPDF's lexer,
 * where no operator ever lets the cookie be checked) ends at the 1 s
 * limit. */
static void materials_ingest_time_limit_in_mupdf(void **state)
{
    setup_ctx c;
    open_ctx(state, &c, 1);
    unsigned char *pdf;
    size_t len;
    em_error err = {0};
    assert_int_equal(fixture_build("bomb_blank.pdf", &pdf, &len, &err), EM_OK);
    double took;
    ingest_outcome out = submit_and_ingest(&c, pdf, len, "blank.pdf", false, &took);
    print_message("bomb_blank.pdf with a 1 s limit: %.2f s\n", took);
    assert_int_equal(out.status, INGEST_FAILED);
    assert_string_equal(out.error, "extraction took longer than EXTRACTION_TIMEOUT_SECONDS (1 s)");
    assert_true(took < 10);
    free(pdf);
    close_ctx(&c);
}

/* 24 MB of text and no headings: reading, chunking and key terms take a few
 * seconds in all, so a 1 s limit stops them on the way, whichever step is
 * running, and the material fails with the reason. */
static void materials_ingest_time_limit_in_text_steps(void **state)
{
    setup_ctx c;
    open_ctx(state, &c, 1);
    size_t len;
    char *text = fixture_prose(24u << 20, 0, ".\n", &len);
    double took;
    ingest_outcome out = submit_and_ingest(&c, text, len, "words.txt", true, &took);
    print_message("24 MB of text with a 1 s limit: %.2f s\n", took);
    assert_int_equal(out.status, INGEST_FAILED);
    assert_string_equal(out.error, "extraction took longer than EXTRACTION_TIMEOUT_SECONDS (1 s)");
    assert_true(took < 5);
    free(text);
    close_ctx(&c);
}

/* A PDF past EXTRACTION_MEMORY_MB fails with the reason in its words. */
static void materials_ingest_memory_limit(void **state)
{
    setup_ctx c;
    open_ctx(state, &c, 60);
    c.o.max_memory_bytes = 32u << 20;
    unsigned char *pdf;
    size_t len;
    em_error err = {0};
    assert_int_equal(fixture_build("bomb_gstate.pdf", &pdf, &len, &err), EM_OK);
    double took;
    ingest_outcome out = submit_and_ingest(&c, pdf, len, "gstate.pdf", false, &took);
    assert_int_equal(out.status, INGEST_FAILED);
    assert_string_equal(out.error, "the PDF needs more than 32 MB of memory to extract (EXTRACTION_MEMORY_MB)");
    free(pdf);
    close_ctx(&c);
}

/* 80,000 Markdown headings (13 s before) are ready in well under the bound,
 * stored sections included; 24 MB of them (3.3 million, hours before) fail
 * at once. */
static void materials_ingest_many_headings(void **state)
{
    setup_ctx c;
    open_ctx(state, &c, 60);
    buf b;
    buf_init(&b, 32u << 20);
    for (int i = 0; i < 80000; i++)
        buf_printf(&b, "# H%d\n", i);
    double took;
    ingest_outcome out = submit_and_ingest(&c, b.data, b.len, "headings.md", false, &took);
    print_message("80,000 headings: %.2f s\n", took);
    assert_int_equal(out.status, INGEST_READY);
    assert_int_equal(out.section_count, 80000);
    assert_true(took < store_bound_s(&c));
    buf_reset(&b);
    for (int i = 0; b.len + 16 < (24u << 20); i++)
        buf_printf(&b, "# H%d\n", i);
    out = submit_and_ingest(&c, b.data, b.len, "headings24.md", false, &took);
    print_message("24 MB of headings: %.2f s\n", took);
    assert_int_equal(out.status, INGEST_FAILED);
    assert_string_equal(out.error, "the document has more than 100000 headings");
    assert_true(took < 20);
    buf_cleanup(&b);
    close_ctx(&c);
}

/* A worksheet of 9,999 questions among 50,000 headings: each question's
 * section was found by scanning every heading (and its tags). */
static void materials_ingest_worksheet_many_headings(void **state)
{
    setup_ctx c;
    open_ctx(state, &c, 60);
    buf b;
    buf_init(&b, 32u << 20);
    for (int i = 1; i <= 50000; i++) {
        buf_printf(&b, "## Part %d\n\n", i);
        if (i % 5 == 0 && i / 5 < 10000)
            buf_printf(&b, "%d. What does enzyme %d catalyse?\nA. starch\nB. protein\nAnswer: A\n\n", i / 5, i);
    }
    double took;
    ingest_outcome out = submit_and_ingest(&c, b.data, b.len, "worksheet.md", true, &took);
    print_message("9,999 questions under 50,000 headings: %.2f s\n", took);
    assert_int_equal(out.status, INGEST_READY);
    assert_int_equal(out.question_count, 9999);
    assert_true(took < store_bound_s(&c));
    buf_cleanup(&b);
    close_ctx(&c);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(materials_ingest_time_limit_in_mupdf),
        BOTH(materials_ingest_time_limit_in_text_steps),
        BOTH(materials_ingest_memory_limit),
        BOTH(materials_ingest_many_headings),
        BOTH(materials_ingest_worksheet_many_headings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
