/* test_content_apparatus: which headings are about the document rather than
 * its subject (contents, indexes, lists, author lines, licences, one
 * character), which lines are table-of-contents entries, and the subjects'
 * headings that look like them but stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "content/apparatus.h"

static void assert_kind(const char *title, apparatus_kind want)
{
    apparatus_kind got = apparatus_heading(title, strlen(title));
    if (got != want)
        fail_msg("\"%s\": kind %d, want %d", title, (int)got, (int)want);
}

static void assert_toc(const char *line, bool want)
{
    if (apparatus_is_toc_entry(line, strlen(line)) != want)
        fail_msg("\"%s\" %s a table-of-contents entry", line, want ? "is" : "is not");
}

static void content_apparatus_toc_entries(void **state)
{
    (void)state;
    assert_toc("Introduction ........................................................ 1", true);
    assert_toc("Limitations .................................................... 22", true);
    assert_toc("    1.1  man-db .........................................................    1", true);
    assert_toc("2.1 ASN.1 syntax . . . . . . . . . . . . . . . . . . 5", true);
    assert_toc("Preface ........ vii", true);
    assert_toc("Preface \xe2\x80\xa6\xe2\x80\xa6 xii", true);          /* ellipses */
    assert_toc("Preface \xc2\xb7 \xc2\xb7 \xc2\xb7 \xc2\xb7 3", true); /* middle dots */
    assert_toc("Introduction.....1", true);
    /* a title that wrapped leaves its leader and number alone */
    assert_toc("         ................................................................   11", true);
    assert_toc("Introduction ........ 1   ", true);

    assert_toc("Introduction", false);
    assert_toc("Python 3.11.1", false); /* a version, not a leader */
    assert_toc("Chapter 2. Methods", false);
    assert_toc("Wait.. 3", false); /* two dots are no leader */
    assert_toc("Introduction ........ page", false);
    assert_toc("Introduction ........ 12345", false); /* five digits: no page number */
    assert_toc("A note on C", false);
    assert_toc("", false);
    assert_toc("...", false);
}

static void content_apparatus_contents_and_indexes(void **state)
{
    (void)state;
    /* a bare appendix label (GnuCOBOL's manual, its contents) */
    assert_kind("Appendix A", APPARATUS_LABEL);
    assert_kind("APPENDIX B", APPARATUS_LABEL);
    assert_kind("Appendix A Compiler cobc options", APPARATUS_NONE);
    /* front and back matter: about the book (the Debian Reference's) */
    assert_kind("Preface", APPARATUS_LIST);
    assert_kind("Disclaimer", APPARATUS_LIST);
    assert_kind("About this document", APPARATUS_LIST);
    assert_kind("Acknowledgements", APPARATUS_LIST);
    assert_kind("REVISION HISTORY", APPARATUS_LIST);
    assert_kind("What is Debian", APPARATUS_NONE);
    assert_kind("Introduction", APPARATUS_NONE);
    assert_kind("Disclaimers in contract law", APPARATUS_NONE);
    /* the part that holds a book's appendices (DocBook's "Appendix") */
    assert_kind("Appendix", APPARATUS_LABEL);
    assert_kind("Appendices", APPARATUS_LABEL);
    assert_kind("Appendix IV", APPARATUS_LABEL);
    assert_kind("Appendix Data", APPARATUS_NONE);
    assert_kind("Chapter 3", APPARATUS_NONE);
    /* a copyright notice (the Debian Reference as text: its title page) */
    assert_kind("Copyright \u00a9 2013-2021 Osamu Aoki", APPARATUS_LIST);
    assert_kind("Copyright (C) 1989-2022 by the Free Software Foundation", APPARATUS_LIST);
    assert_kind("COPYRIGHT 2004 The Authors", APPARATUS_LIST);
    assert_kind("\u00a9 2021 Example Press", APPARATUS_LIST);
    assert_kind("Copyright law", APPARATUS_NONE);
    assert_kind("Copyright and patents", APPARATUS_NONE);
    assert_kind("Copyright", APPARATUS_NONE);
    assert_kind("Contents", APPARATUS_LIST);
    assert_kind("Table of Contents", APPARATUS_LIST);
    assert_kind("TABLE OF CONTENTS", APPARATUS_LIST);
    assert_kind("Short Contents", APPARATUS_LIST);
    assert_kind("Contents:", APPARATUS_LIST);
    assert_kind("Index", APPARATUS_LIST);
    assert_kind("Concept Index", APPARATUS_LIST);
    assert_kind("Function and Data Index", APPARATUS_LIST);
    assert_kind("Variable, Function and Command Index", APPARATUS_LIST);
    assert_kind("Subject Index", APPARATUS_LIST);
    assert_kind("Index of Names", APPARATUS_LIST);
    assert_kind("Class Index", APPARATUS_LIST);
    assert_kind("List of Figures", APPARATUS_LIST);
    assert_kind("List of Tables", APPARATUS_LIST);
    assert_kind("List of Figures and Tables", APPARATUS_LIST);
    assert_kind("Introduction ........ 1", APPARATUS_LIST);

    /* subjects that share the words */
    assert_kind("Index structures", APPARATUS_NONE);
    assert_kind("Indexes", APPARATUS_NONE);
    assert_kind("Body Mass Index", APPARATUS_NONE);
    assert_kind("Clustered Index", APPARATUS_NONE);
    assert_kind("Consumer Price Index", APPARATUS_NONE);
    assert_kind("Index of Refraction", APPARATUS_NONE);
    assert_kind("Contents of an index database", APPARATUS_NONE);
    assert_kind("Stomach contents", APPARATUS_NONE);
    assert_kind("List of prime numbers", APPARATUS_NONE);
    assert_kind("Lists of tuples", APPARATUS_NONE);
}

static void content_apparatus_licences(void **state)
{
    (void)state;
    assert_kind("GNU Free Documentation License", APPARATUS_LICENCE);
    assert_kind("A.1 GNU Free Documentation License", APPARATUS_LICENCE);
    assert_kind("GNU GENERAL PUBLIC LICENSE", APPARATUS_LICENCE);
    assert_kind("GNU Lesser General Public License", APPARATUS_LICENCE);
    assert_kind("ADDENDUM: How to use this License for your documents", APPARATUS_LICENCE);
    assert_kind("How to Apply These Terms to Your New Programs", APPARATUS_LICENCE);
    assert_kind("Copying This Manual", APPARATUS_LICENCE);
    assert_kind("Copying Information", APPARATUS_LICENCE);

    /* narrow: named licences only */
    assert_kind("Licensing", APPARATUS_NONE);
    assert_kind("Software licenses", APPARATUS_NONE);
    assert_kind("Copying files", APPARATUS_NONE);
    assert_kind("Copying", APPARATUS_NONE);
    assert_kind("Terms and conditions", APPARATUS_NONE);
}

static void content_apparatus_labels(void **state)
{
    (void)state;
    /* an index's letter groups, one character of any script */
    assert_kind("A", APPARATUS_LABEL);
    assert_kind("T", APPARATUS_LABEL);
    assert_kind(" F ", APPARATUS_LABEL);
    assert_kind("#", APPARATUS_LABEL);
    assert_kind("\xc3\x84", APPARATUS_LABEL); /* Ä */
    /* an author's line */
    assert_kind("Fabio Fiorina Simon Josefsson Nikos Mavrogiannopoulos (help-libtasn1@gnu.org)",
                APPARATUS_LABEL);
    assert_kind("Colin Watson <cjwatson@debian.org>", APPARATUS_LABEL);
    /* a box's label (codeline_is_label) */
    assert_kind("See also", APPARATUS_LABEL);
    assert_kind("Note:", APPARATUS_LABEL);

    assert_kind("C++", APPARATUS_NONE);
    assert_kind("Go", APPARATUS_NONE);
    assert_kind("The @property decorator", APPARATUS_NONE);
    assert_kind("Mail to user@host", APPARATUS_NONE);
    assert_kind("Photosynthesis", APPARATUS_NONE);
    assert_kind("", APPARATUS_NONE);
    assert_int_equal(apparatus_heading(NULL, 0), APPARATUS_NONE);
}

/* Passages that list the document: by their section's heading, or by their
 * lines (a table of contents that a page break put under another heading,
 * as the Debian Reference's PDF sets its contents: number, title, leader). */
static void content_apparatus_listings(void **state)
{
    (void)state;
    assert_true(apparatus_is_contents("Contents", 8));
    assert_true(apparatus_is_contents("  Table of Contents:", 20));
    assert_false(apparatus_is_contents("Contents of a package", 21));
    assert_false(apparatus_is_contents("Index", 5));

    const char *body = "The kernel reads the boot loader's arguments.";
    assert_true(apparatus_is_listing("Contents", body, strlen(body)));
    assert_true(apparatus_is_listing("Concept Index", body, strlen(body)));
    assert_true(apparatus_is_listing("GNU Free Documentation License", body, strlen(body)));
    assert_false(apparatus_is_listing("The kernel", body, strlen(body)));
    assert_false(apparatus_is_listing(NULL, body, strlen(body)));

    const char *toc = "1.1.4\nThe root shell prompt . . . . . . . . . . . . 3\n\n"
                      "1.1.5\nGUI system administration tools . . . . . . . 3\n\n"
                      "1.1.6\nVirtual consoles . . . . . . . . . . . . . . . 4\n\n"
                      "1.1.7\nHow to leave the command prompt . . . . . . 4\n";
    assert_true(apparatus_is_listing("1.1 Console basics", toc, strlen(toc)));
    assert_true(apparatus_is_listing(NULL, toc, strlen(toc)));
    /* two entries quoted in a page of prose are not a listing */
    const char *prose = "The manual's contents begin like this:\n"
                        "Introduction . . . . . . 1\nInstallation . . . . . . 4\n"
                        "Each chapter ends with exercises.\nThe answers are at the end.\n"
                        "Read the chapters in order.\nThe first two are short.\n";
    assert_false(apparatus_is_listing("Reading this manual", prose, strlen(prose)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_apparatus_toc_entries),
        cmocka_unit_test(content_apparatus_contents_and_indexes),
        cmocka_unit_test(content_apparatus_licences),
        cmocka_unit_test(content_apparatus_labels),
        cmocka_unit_test(content_apparatus_listings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
