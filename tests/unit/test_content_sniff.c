/* test_content_sniff: the type of an upload from its bytes (sniff_content):
 * PDFs whatever their name, images and archives refused with their MIME
 * type, text told from Markdown by hint and by structure, text that is not
 * UTF-8, and libmagic used from several threads at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "content/sniff.h"
#include "fixtures.h"

/* ---- helpers ---- */

typedef struct sniffed {
    content_type type;
    char mime[128];
} sniffed;

static sniffed sniff(const void *data, size_t len, const char *hint)
{
    sniffed s;
    em_error err = {0};
    int rc = sniff_content(data, len, hint, &s.type, s.mime, sizeof s.mime, &err);
    if (rc != EM_OK)
        fail_msg("sniff_content = %d: %s", rc, err.msg);
    return s;
}

static sniffed sniff_str(const char *text, const char *hint)
{
    return sniff(text, strlen(text), hint);
}

static sniffed sniff_fixture(const char *name, const char *hint)
{
    unsigned char *data;
    size_t len;
    em_error err = {0};
    if (fixture_build(name, &data, &len, &err) != EM_OK)
        fail_msg("fixture %s: %s", name, err.msg);
    sniffed s = sniff(data, len, hint);
    free(data);
    return s;
}

/* ---- PDFs and binary files ---- */

static void content_sniff_pdf(void **state)
{
    (void)state;
    static const char *const pdfs[] = {"headings.pdf", "worksheet.pdf", "encrypted.pdf", "truncated.pdf"};
    for (size_t i = 0; i < sizeof pdfs / sizeof pdfs[0]; i++) {
        sniffed s = sniff_fixture(pdfs[i], "notes.txt"); /* the name does not matter */
        assert_int_equal(s.type, CONTENT_PDF);
        assert_string_equal(s.mime, "application/pdf");
    }
    /* A header after some junk, as readers accept it. */
    static const char junk[] = "\x00\x01\x02garbage\n%PDF-1.4\n1 0 obj\n<< >>\nendobj\n";
    sniffed s = sniff(junk, sizeof junk - 1, NULL);
    assert_int_equal(s.type, CONTENT_PDF);
}

static void content_sniff_image_named_pdf(void **state)
{
    (void)state;
    sniffed s = sniff_fixture("image.pdf", "image.pdf");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
    assert_string_equal(s.mime, "image/png");
}

static void content_sniff_other_binaries(void **state)
{
    (void)state;
    static const unsigned char gzip[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                         0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    sniffed s = sniff(gzip, sizeof gzip, "notes.md");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
    assert_string_equal(s.mime, "application/gzip");
    static const unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01};
    s = sniff(jpeg, sizeof jpeg, "scan.pdf");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
    assert_string_equal(s.mime, "image/jpeg");
    static const unsigned char bytes[] = {0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0x00, 0x10, 0x80, 0x81};
    s = sniff(bytes, sizeof bytes, "notes.txt");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
    assert_true(s.mime[0] != '\0');
}

/* ---- text and Markdown ---- */

static void content_sniff_markdown(void **state)
{
    (void)state;
    sniffed s = sniff_str(fixture_notes_md, "notes.md");
    assert_int_equal(s.type, CONTENT_MARKDOWN);
    assert_string_equal(s.mime, "text/markdown");
    s = sniff_str(fixture_notes_md, NULL); /* its structure says Markdown */
    assert_int_equal(s.type, CONTENT_MARKDOWN);
    s = sniff_str(fixture_notes_md, "upload.bin");
    assert_int_equal(s.type, CONTENT_MARKDOWN);
    s = sniff_str(fixture_notes_md, "NOTES.TXT"); /* a .txt name says text */
    assert_int_equal(s.type, CONTENT_TEXT);
    assert_string_equal(s.mime, "text/plain");
    s = sniff_str("Title\n=====\n\nSome words.\n", NULL);
    assert_int_equal(s.type, CONTENT_MARKDOWN);
}

static void content_sniff_plain_text(void **state)
{
    (void)state;
    const char *prose = "The mitochondrion is the site of aerobic respiration in the cell.\n"
                        "Photosynthesis happens in the chloroplasts of green plants.\n";
    sniffed s = sniff_str(prose, NULL);
    assert_int_equal(s.type, CONTENT_TEXT);
    assert_string_equal(s.mime, "text/plain");
    s = sniff_str(prose, "biology.markdown");
    assert_int_equal(s.type, CONTENT_MARKDOWN);
    s = sniff_str("Caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80\n", "a.txt");
    assert_int_equal(s.type, CONTENT_TEXT);
    s = sniff_str("\xef\xbb\xbfWith a byte-order mark.\n", NULL);
    assert_int_equal(s.type, CONTENT_TEXT);
}

/* A manual page saved from man or nroff: bold and underline as overstrike,
 * SGR escapes. It is text (the reader strips the formatting); other
 * control bytes still are not. */
static void content_sniff_terminal_text(void **state)
{
    (void)state;
    const char *man = "\x1b[1mNAME\x1b[0m\n"
                      "       man - an interface to the system reference manuals\n"
                      "\n"
                      "N\bNA\bAM\bME\bE\n"
                      "       _\bm_\ba_\bn - an interface to the system reference manuals\n";
    sniffed s = sniff_str(man, "man.txt");
    assert_int_equal(s.type, CONTENT_TEXT);
    assert_string_equal(s.mime, "text/plain");
    s = sniff_str(man, NULL);
    assert_int_equal(s.type, CONTENT_TEXT);
    assert_true(sniff_text_piece(man, strlen(man)));
    const char *bell = "Some text that rings a bell \x07 in the middle of it.\n";
    assert_false(sniff_text_piece(bell, strlen(bell)));
    s = sniff_str(bell, "bell.txt");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
}

/* Text libmagic names in an 8-bit encoding is text (read later as
 * Windows-1252), its charset kept in the MIME type; UTF-16 and text with
 * control bytes are not. */
static void content_sniff_8bit_text(void **state)
{
    (void)state;
    sniffed s = sniff_str("Caf\xe9 au lait, cr\xe8me br\xfbl\xe9"
                          "e et g\xe2teau.\n",
                          "menu.txt");
    assert_int_equal(s.type, CONTENT_TEXT);
    assert_true(strncmp(s.mime, "text/plain; charset=", 20) == 0);
    static const char utf16[] = "\xff\xfeH\0e\0l\0l\0o\0\n\0";
    s = sniff(utf16, sizeof utf16 - 1, "hello.txt");
    assert_int_equal(s.type, CONTENT_UNSUPPORTED);
    assert_true(sniff_text_piece_8bit("caf\xe9\tau lait\r\n", 14));
    assert_false(sniff_text_piece_8bit("caf\xe9\x07!", 6));
    assert_false(sniff_text_piece("caf\xe9", 4));
}

/* Pages: by libmagic's text/html, by their start, or by their name. */
static void content_sniff_html(void **state)
{
    (void)state;
    const char *page = "<!DOCTYPE html>\n<html><head><title>Shells</title></head>\n"
                       "<body><h1>Shells</h1><p>A shell reads commands.</p></body></html>\n";
    sniffed s = sniff_str(page, "notes.txt");
    assert_int_equal(s.type, CONTENT_HTML);
    assert_string_equal(s.mime, "text/html");
    s = sniff_str("<p>A fragment of a page, saved.</p>\n", "part.html");
    assert_int_equal(s.type, CONTENT_HTML);
    s = sniff_str(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML "
        "1.0 Strict//EN\">\n<html><body><p>Caf\xe9</p></body></html>\n",
        NULL);
    assert_int_equal(s.type, CONTENT_HTML);
    /* Markdown with a tag in it stays Markdown */
    s = sniff_str("# Title\n\nSome <b>bold</b> words.\n", NULL);
    assert_int_equal(s.type, CONTENT_MARKDOWN);
    assert_string_equal(content_type_name(CONTENT_HTML), "html");
}

static void content_sniff_arguments(void **state)
{
    (void)state;
    content_type t = CONTENT_PDF;
    char mime[8] = "x";
    em_error err = {0};
    assert_int_equal(sniff_content("", 0, NULL, &t, mime, sizeof mime, &err), EM_E_INVAL);
    assert_int_equal(t, CONTENT_UNSUPPORTED);
    assert_string_equal(mime, "");
    assert_int_equal(sniff_content(NULL, 4, NULL, &t, NULL, 0, &err), EM_E_INVAL);
    /* A short buffer gets a cut, terminated type. */
    assert_int_equal(sniff_content("plain words\n", 12, NULL, &t, mime, 5, &err), EM_OK);
    assert_int_equal(t, CONTENT_TEXT);
    assert_string_equal(mime, "text");
    assert_string_equal(content_type_name(CONTENT_PDF), "pdf");
    assert_string_equal(content_type_name(CONTENT_TEXT), "text");
    assert_string_equal(content_type_name(CONTENT_MARKDOWN), "markdown");
    assert_string_equal(content_type_name(CONTENT_UNSUPPORTED), "unsupported");
}

/* ---- threads ---- */

static void *sniff_many(void *arg)
{
    (void)arg;
    unsigned char *pdf, *png;
    size_t pdf_len, png_len;
    em_error err = {0};
    bool ok = fixture_build("worksheet.pdf", &pdf, &pdf_len, &err) == EM_OK &&
              fixture_build("image.pdf", &png, &png_len, &err) == EM_OK;
    for (int i = 0; ok && i < 200; i++) {
        content_type t;
        char mime[64];
        ok = sniff_content(pdf, pdf_len, NULL, &t, mime, sizeof mime, &err) == EM_OK && t == CONTENT_PDF;
        ok = ok && sniff_content(png, png_len, NULL, &t, mime, sizeof mime, &err) == EM_OK &&
             t == CONTENT_UNSUPPORTED && strcmp(mime, "image/png") == 0;
        ok = ok &&
             sniff_content(fixture_notes_md, strlen(fixture_notes_md), "n.md", &t, mime, sizeof mime, &err) ==
                 EM_OK &&
             t == CONTENT_MARKDOWN;
    }
    free(pdf);
    free(png);
    return ok ? arg : NULL;
}

static void content_sniff_threads(void **state)
{
    (void)state;
    pthread_t tids[4];
    int tags[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&tids[i], NULL, sniff_many, &tags[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(tids[i], &ret);
        assert_ptr_equal(ret, &tags[i]);
    }
    /* This thread's handle can be closed and is opened again. */
    sniffed s = sniff_str("hello\n", NULL);
    sniff_thread_cleanup();
    sniff_thread_cleanup();
    s = sniff_str("hello again\n", NULL);
    assert_int_equal(s.type, CONTENT_TEXT);
    sniff_thread_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_sniff_pdf),
        cmocka_unit_test(content_sniff_image_named_pdf),
        cmocka_unit_test(content_sniff_other_binaries),
        cmocka_unit_test(content_sniff_markdown),
        cmocka_unit_test(content_sniff_plain_text),
        cmocka_unit_test(content_sniff_terminal_text),
        cmocka_unit_test(content_sniff_8bit_text),
        cmocka_unit_test(content_sniff_html),
        cmocka_unit_test(content_sniff_arguments),
        cmocka_unit_test(content_sniff_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
