/* libFuzzer target: ics_calendar with arbitrary bytes as an event's summary,
 * description and the calendar's name (the input split at NUL bytes). Besides
 * the sanitizers' findings, a broken promise aborts: every line ends with
 * CRLF and holds no other CR or LF, no line is longer than 75 octets, a line
 * of valid UTF-8 text is never cut inside a character, and the summary read
 * back (folds removed, escapes undone) is the text given, line breaks as \n
 * and other control characters as spaces. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ics.h"
#include "core/utf8.h"

static void check_lines(const char *t, size_t len, bool utf8)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\n')
            abort();
        if (t[i] != '\r')
            continue;
        if (i + 1 >= len || t[i + 1] != '\n' || i - start > ICS_LINE_MAX)
            abort();
        const char *p = t + start;
        size_t n = i - start;
        if (start > 0 && p[0] == ' ') {
            p++;
            n--;
        }
        size_t bad = 0;
        if (utf8 && !utf8_validate(p, n, &bad))
            abort();
        start = i + 2;
        i++;
    }
    if (start != len)
        abort();
}

/* What the summary must read back as. */
static size_t expected(const char *s, size_t n, char *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
            continue;
        if (c == '\r' || c == '\n')
            out[m++] = '\n';
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            out[m++] = ' ';
        else
            out[m++] = (char)c;
    }
    return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *in = malloc(size + 3);
    if (in == NULL)
        return 0;
    memcpy(in, data, size);
    in[size] = in[size + 1] = in[size + 2] = '\0';
    const char *summary = in;
    const char *description = summary + strlen(summary) + 1;
    const char *name = description + strlen(description) + 1;
    if (description > in + size)
        description = "";
    if (name > in + size)
        name = "";
    size_t bad = 0;
    bool utf8 = utf8_validate(summary, strlen(summary), &bad) &&
                utf8_validate(description, strlen(description), &bad) &&
                utf8_validate(name, strlen(name), &bad);
    ics_event ev = {.date = {2027, 1, 12}, .uid = "u@x", .summary = summary, .description = description};
    buf b;
    buf_init(&b, 1 << 20);
    if (ics_calendar(&b, "-//fuzz//EN", name, 0, &ev, 1) != 0)
        abort(); /* 64 KiB of text escapes into well under 1 MiB */
    check_lines(b.data, b.len, utf8);
    /* the summary, read back */
    char *unfolded = malloc(b.len + 1);
    size_t u = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] == '\r' && i + 2 < b.len && b.data[i + 1] == '\n' && b.data[i + 2] == ' ') {
            i += 2;
            continue;
        }
        unfolded[u++] = b.data[i];
    }
    unfolded[u] = '\0';
    const char *line = strstr(unfolded, "\r\nSUMMARY:");
    if (line == NULL)
        abort();
    line += strlen("\r\nSUMMARY:");
    const char *end = strstr(line, "\r\n");
    char *back = malloc((size_t)(end - line) + 1);
    size_t m = 0;
    for (const char *p = line; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
            back[m++] = *p == 'n' ? '\n' : *p;
        } else {
            back[m++] = *p;
        }
    }
    char *want = malloc(strlen(summary) + 1);
    size_t w = expected(summary, strlen(summary), want);
    if (w != m || memcmp(want, back, m) != 0)
        abort();
    free(want);
    free(back);
    free(unfolded);
    buf_cleanup(&b);
    free(in);
    return 0;
}
