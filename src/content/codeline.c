/* codeline: see codeline.h. */
#include "content/codeline.h"

#include <string.h>

#include "core/ascii.h"
#include "content/text.h"

static bool is_ident(char c)
{
    return text_is_alpha(c) || text_is_digit(c) || c == '_';
}

/* Whether p..end starts with the word w followed by a blank, '(' , ':' or
 * the end (case-sensitive: statements are lowercase, headings are not). */
static bool keyword(const char *p, const char *end, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(end - p) < n || memcmp(p, w, n) != 0)
        return false;
    return p + n == end || p[n] == ' ' || p[n] == '\t' || p[n] == '(' || p[n] == ':';
}

static bool contains(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    for (; (size_t)(end - p) >= n; p++)
        if (memcmp(p, s, n) == 0)
            return true;
    return false;
}

/* An identifier, optionally dotted ("self.name"), at p; returns its end or p. */
static const char *ident_end(const char *p, const char *end)
{
    const char *q = p;
    if (q < end && (text_is_digit(*q) || *q == '.'))
        return p;
    while (q < end && (is_ident(*q) || (*q == '.' && q + 1 < end && is_ident(q[1]))))
        q++;
    return q;
}

/* "name = value", "a, b = 1, 2", "self.x, self.y = x, y": identifiers (and
 * commas) up to " = ". A sentence ("The answer = 42 in this case.") has
 * spaces between words before the '='. */
static bool assignment(const char *p, const char *end)
{
    const char *q = p;
    for (;;) {
        const char *e = ident_end(q, end);
        if (e == q)
            return false;
        q = e;
        if (end - q >= 2 && q[0] == ',' && q[1] == ' ') {
            q += 2;
            continue;
        }
        break;
    }
    if (q < end && *q == '[') { /* a[i] = ... */
        const char *r = memchr(q, ']', (size_t)(end - q));
        if (r == NULL)
            return false;
        q = r + 1;
    }
    return end - q >= 3 && q[0] == ' ' && q[1] == '=' && q[2] == ' ';
}

/* Characters a condition has and a sentence rarely does. */
static bool has_operator(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == '=' || *p == '<' || *p == '>' || *p == '(' || *p == '[' || *p == '!' || *p == '%')
            return true;
    return false;
}

bool codeline_is_code(const char *line, size_t len)
{
    const char *p = text_skip_blanks(line, line + len), *end = line + len;
    while (end > p && text_is_blank(end[-1]))
        end--;
    if (p == end)
        return false;
    char last = end[-1];
    if (last == ';' || last == '{' || last == '}')
        return true;
    if (end - p == 1 && (last == ')' || last == ']'))
        return true;
    if (keyword(p, end, "def") || keyword(p, end, "import") || keyword(p, end, "return") ||
        keyword(p, end, "elif") || keyword(p, end, "except") || keyword(p, end, "#include") ||
        keyword(p, end, "#define") || keyword(p, end, "lambda") || keyword(p, end, "yield") ||
        keyword(p, end, "raise"))
        return true;
    if ((keyword(p, end, "else") || keyword(p, end, "try") || keyword(p, end, "finally")) && last == ':')
        return true;
    /* Statements that open a block, in their own shape: a sentence may
     * start "for the reasons below:" or "class keyword:". */
    if (last == ':' || last == '{') {
        if (keyword(p, end, "class")) {
            const char *q = text_skip_blanks(p + 5, end);
            const char *e = ident_end(q, end);
            if (e > q && *q >= 'A' && *q <= 'Z' && e < end && (*e == ':' || *e == '(' || *e == ' '))
                return true;
        }
        if (keyword(p, end, "for") && contains(p, end, " in "))
            return true;
        if ((keyword(p, end, "if") || keyword(p, end, "while")) && has_operator(p, end))
            return true;
        if (keyword(p, end, "with") && (contains(p, end, " as ") || contains(p, end, "(")))
            return true;
        if (keyword(p, end, "async") && contains(p, end, "def "))
            return true;
    }
    if (keyword(p, end, "from") && contains(p, end, " import "))
        return true;
    if (*p == '@' && end - p >= 2 && text_is_alpha(p[1]) && memchr(p, ' ', (size_t)(end - p)) == NULL)
        return true;
    if (contains(p, end, "==") || contains(p, end, "!=") || contains(p, end, "+=") ||
        contains(p, end, "-=") || contains(p, end, "->") || contains(p, end, "=>") ||
        contains(p, end, "::") || contains(p, end, "()") || contains(p, end, "\"\"\""))
        return true;
    if (assignment(p, end))
        return true;
    /* A call: "print(x)", "fido.bark()", "print(i, dogs[i].bark())". */
    const char *q = ident_end(p, end);
    return q > p && q < end && *q == '(' && last == ')';
}

bool codeline_is_label(const char *line, size_t len)
{
    static const char *const labels[] = {"note",      "notes",    "warning",   "caution",
                                         "tip",       "hint",     "important", "danger",
                                         "attention", "see also", "footnotes", "footnote"};
    const char *p = text_skip_blanks(line, line + len), *end = line + len;
    while (end > p && (text_is_blank(end[-1]) || end[-1] == ':'))
        end--;
    size_t n = (size_t)(end - p);
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strlen(labels[i]) == n && ascii_ncasecmp(p, labels[i], n) == 0)
            return true;
    return false;
}
