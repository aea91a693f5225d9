/* search: the snippet HTML (escaping, the engines' match markers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "core/html.h"
#include "materials/search.h"

#define OPEN "\xEF\xB7\x90"
#define CLOSE "\xEF\xB7\x91"

static void expect_snippet(const char *marked, const char *want)
{
    char *got = search_snippet_html(marked);
    assert_string_equal(got, want);
    free(got);
}

static void materials_search_snippet_html(void **state)
{
    (void)state;
    expect_snippet("", "");
    expect_snippet("plain text", "plain text");
    expect_snippet("a<b & \"c\" 'd' >", "a&lt;b &amp; &quot;c&quot; &#39;d&#39; &gt;");
    expect_snippet("the " OPEN "chlorophyll" CLOSE " of " OPEN "<leaves>" CLOSE,
                   "the <mark>chlorophyll</mark> of <mark>&lt;leaves&gt;</mark>");
    expect_snippet(CLOSE "x" OPEN, "</mark>x<mark>"); /* markers map one to one, even unpaired */
    expect_snippet("caf\xc3\xa9 " OPEN "\xf0\x9f\x98\x80" CLOSE, "caf\xc3\xa9 <mark>\xf0\x9f\x98\x80</mark>");
}

static void core_html_append_text_limit(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 8);
    assert_int_equal(html_append_text(&b, "ab<", 3), 0);
    assert_string_equal(b.data, "ab&lt;");
    assert_int_equal(html_append_text(&b, "&", 1), EM_E_TOO_LARGE);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(materials_search_snippet_html),
        cmocka_unit_test(core_html_append_text_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
