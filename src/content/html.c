/* html: see html.h. */
#include "content/html.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content/text.h"
#include "core/ascii.h"
#include "core/mem.h"
#include "core/utf8.h"

#define TAG_NAME_MAX 16   /* longest tag name compared; longer ones are no tag of ours */
#define TAG_SCAN_MAX 4096 /* bytes a tag may take up to its '>'; past that its '<' is text */
#define NAMED_REF_MAX 12  /* longest reference name looked up */
#define TITLE_MAX 1024    /* bytes of a <title> kept */

typedef struct writer {
    buf *out;
    int rc;
    int pending;       /* line breaks owed before the next text: 0, 1 or 2 (a blank line) */
    bool space;        /* a space owed before the next text on the line */
    bool line_start;   /* nothing written on the current line yet */
    bool digits_only;  /* the line so far is digits ("1." would start a list) */
    int heading;       /* the level of the heading being read, 0 outside one */
    bool heading_open; /* its "## " is written */
    bool bullet;       /* a "- " owed before the next text */
    bool saw_h1;
} writer;

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_alnum(unsigned char c)
{
    return text_is_alpha((char)c) || text_is_digit((char)c);
}

static void put(writer *w, const char *s, size_t n)
{
    if (w->rc == EM_OK && n > 0)
        w->rc = buf_append(w->out, s, n);
}

static void put_char(writer *w, char c)
{
    put(w, &c, 1);
}

/* Line breaks (at most two) before what follows; none at the very start. */
static void owe_break(writer *w, int n)
{
    if (w->pending < n)
        w->pending = n;
}

/* Before the next character of text: the breaks, the heading marker or the
 * bullet owed, and a space between words. */
static void open_text(writer *w)
{
    if (w->pending > 0) {
        if (w->out->len > 0)
            put(w, "\n\n", (size_t)w->pending);
        w->line_start = true;
        w->pending = 0;
    }
    if (w->line_start) {
        w->digits_only = true;
        if (w->heading > 0 && !w->heading_open) {
            put(w, "######", (size_t)w->heading);
            put_char(w, ' ');
            w->heading_open = true;
            w->saw_h1 = w->saw_h1 || w->heading == 1;
        } else if (w->bullet) {
            put(w, "- ", 2);
        }
        w->bullet = false;
        w->line_start = false;
    } else if (w->space) {
        put_char(w, ' ');
        w->digits_only = false;
    }
    w->space = false;
}

/* Text outside <pre>: white space runs (and control characters) become one
 * space, and the characters Markdown would read as markup are escaped
 * (CommonMark lets any ASCII punctuation be). */
static void put_text(writer *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n && w->rc == EM_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c) || c < 0x20 || c == 0x7f) {
            w->space = true;
            continue;
        }
        /* a no-break space (&nbsp; indents, "10&nbsp;kg") is a space to a
           reader of the words */
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
            w->space = true;
            i++;
            continue;
        }
        open_text(w);
        /* "-", "+" or "=" first on a line, "." or ")" after its first digits */
        bool opens_block = w->digits_only && (c == '-' || c == '+' || c == '=' || c == '.' || c == ')');
        if (strchr("\\`*_[]<>#|&~!", (int)c) != NULL || opens_block)
            put_char(w, '\\');
        put_char(w, (char)c);
        w->digits_only = w->digits_only && text_is_digit((char)c);
    }
}

/* Raw text (inside <pre>): as written, control characters but tab and
 * newline as spaces. */
static void put_raw(writer *w, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
            put(w, s + from, i - from);
            if (c != '\r') /* CRLF is a newline */
                put_char(w, ' ');
            from = i + 1;
        }
    }
    put(w, s + from, n - from);
}

static void emit(writer *w, const char *s, size_t n, bool raw)
{
    if (raw)
        put_raw(w, s, n);
    else
        put_text(w, s, n);
}

/* ---- character references ---- */

/* Latin-1's named characters, U+00A0 to U+00FF in order (HTML 4). */
static const char *const latin1_names[96] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",    "copy",
    "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",
    "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12",
    "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde",
    "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",
    "Uuml",   "Yacute", "THORN",  "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",
    "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml",
};

/* The other names pages use most: markup, punctuation, arrows, mathematics,
 * Greek. 0 stands for nothing (joiners). */
static const struct {
    const char *name;
    uint32_t cp;
} other_names[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},      {"apos", '\''},
    {"hellip", 0x2026}, {"mdash", 0x2014},  {"ndash", 0x2013},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201a},  {"ldquo", 0x201c},  {"rdquo", 0x201d},  {"bdquo", 0x201e},  {"bull", 0x2022},
    {"trade", 0x2122},  {"euro", 0x20ac},   {"larr", 0x2190},   {"uarr", 0x2191},   {"rarr", 0x2192},
    {"darr", 0x2193},   {"harr", 0x2194},   {"lArr", 0x21d0},   {"rArr", 0x21d2},   {"hArr", 0x21d4},
    {"le", 0x2264},     {"ge", 0x2265},     {"ne", 0x2260},     {"asymp", 0x2248},  {"equiv", 0x2261},
    {"infin", 0x221e},  {"minus", 0x2212},  {"sum", 0x2211},    {"prod", 0x220f},   {"radic", 0x221a},
    {"part", 0x2202},   {"int", 0x222b},    {"isin", 0x2208},   {"forall", 0x2200}, {"exist", 0x2203},
    {"empty", 0x2205},  {"and", 0x2227},    {"or", 0x2228},     {"cap", 0x2229},    {"cup", 0x222a},
    {"sub", 0x2282},    {"sup", 0x2283},    {"alpha", 0x3b1},   {"beta", 0x3b2},    {"gamma", 0x3b3},
    {"delta", 0x3b4},   {"epsilon", 0x3b5}, {"zeta", 0x3b6},    {"eta", 0x3b7},     {"theta", 0x3b8},
    {"iota", 0x3b9},    {"kappa", 0x3ba},   {"lambda", 0x3bb},  {"mu", 0x3bc},      {"nu", 0x3bd},
    {"xi", 0x3be},      {"omicron", 0x3bf}, {"pi", 0x3c0},      {"rho", 0x3c1},     {"sigma", 0x3c3},
    {"tau", 0x3c4},     {"upsilon", 0x3c5}, {"phi", 0x3c6},     {"chi", 0x3c7},     {"psi", 0x3c8},
    {"omega", 0x3c9},   {"Gamma", 0x393},   {"Delta", 0x394},   {"Theta", 0x398},   {"Lambda", 0x39b},
    {"Pi", 0x3a0},      {"Sigma", 0x3a3},   {"Phi", 0x3a6},     {"Psi", 0x3a8},     {"Omega", 0x3a9},
    {"ensp", ' '},      {"emsp", ' '},      {"thinsp", ' '},    {"zwnj", 0},        {"zwj", 0},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"permil", 0x2030}, {"prime", 0x2032},  {"Prime", 0x2033},
    {"oelig", 0x153},   {"OElig", 0x152},   {"scaron", 0x161},  {"Scaron", 0x160},  {"circ", 0x2c6},
    {"tilde", 0x2dc},   {"fnof", 0x192},
};

static bool named_reference(const char *name, size_t n, uint32_t *cp)
{
    for (size_t i = 0; i < sizeof latin1_names / sizeof latin1_names[0]; i++)
        if (strlen(latin1_names[i]) == n && memcmp(latin1_names[i], name, n) == 0) {
            *cp = 0xa0 + (uint32_t)i;
            return true;
        }
    for (size_t i = 0; i < sizeof other_names / sizeof other_names[0]; i++)
        if (strlen(other_names[i].name) == n && memcmp(other_names[i].name, name, n) == 0) {
            *cp = other_names[i].cp;
            return true;
        }
    return false;
}

/* The reference at s[0..n) (s[0] is '&'): its length, its code point in
 * *cp (0: nothing); 0 when it is no reference, and the '&' is text. */
static size_t reference(const char *s, size_t n, uint32_t *cp)
{
    size_t i = 1;
    if (i < n && s[i] == '#') {
        bool hex = i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X');
        i += hex ? 2 : 1;
        size_t first = i;
        uint32_t v = 0;
        for (; i < n && i - first < 8; i++) {
            int d = hex ? ascii_hex_value((unsigned char)s[i]) : (text_is_digit(s[i]) ? s[i] - '0' : -1);
            if (d < 0)
                break;
            v = v * (hex ? 16u : 10u) + (uint32_t)d;
        }
        if (i == first)
            return 0;
        if (i < n && s[i] == ';')
            i++;
        /* HTML reads 0x80..0x9F as Windows-1252; nothing, surrogates and what
           lies past Unicode are U+FFFD */
        if (v >= 0x80 && v < 0xa0)
            v = utf8_cp1252_code_point((unsigned char)v);
        else if (v == 0 || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
            v = UTF8_REPLACEMENT;
        *cp = v;
        return i;
    }
    size_t first = i;
    while (i < n && i - first < NAMED_REF_MAX && is_alnum((unsigned char)s[i]))
        i++;
    if (i == first || i >= n || s[i] != ';' || !named_reference(s + first, i - first, cp))
        return 0;
    return i + 1;
}

/* s[0..n) with its references decoded. */
static void emit_decoded(writer *w, const char *s, size_t n, bool raw)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '&')
            continue;
        uint32_t cp = 0;
        size_t len = reference(s + i, n - i, &cp);
        if (len == 0)
            continue;
        emit(w, s + from, i - from, raw);
        char enc[UTF8_MAX_LEN];
        size_t el = cp != 0 ? utf8_encode(cp, enc) : 0;
        emit(w, enc, el, raw); /* a control character becomes a space in emit */
        i += len - 1;
        from = i + 1;
    }
    emit(w, s + from, n - from, raw);
}

/* ---- tags ---- */

typedef struct tag {
    char name[TAG_NAME_MAX + 1]; /* lowercase; "" for a name too long to be ours */
    bool end;                    /* </name> */
    bool self_closing;           /* <name/> */
    const char *cls;             /* the class attribute's value, NULL when none */
    size_t cls_len;
    const char *role; /* the role attribute's value, NULL when none */
    size_t role_len;
    size_t len; /* bytes from '<' to after '>' */
} tag;

/* The tag at s[0..n) (s[0] == '<', s[1] a letter or '/' and a letter) into
 * *t; false when no '>' closes it within TAG_SCAN_MAX bytes (quotes kept). */
static bool read_tag(const char *s, size_t n, tag *t)
{
    memset(t, 0, sizeof *t);
    size_t i = 1;
    if (s[i] == '/') {
        t->end = true;
        i++;
    }
    size_t name_at = i, limit = n < TAG_SCAN_MAX ? n : TAG_SCAN_MAX;
    while (i < limit && (is_alnum((unsigned char)s[i]) || s[i] == '-' || s[i] == ':'))
        i++;
    size_t name_len = i - name_at;
    if (name_len <= TAG_NAME_MAX) {
        for (size_t k = 0; k < name_len; k++)
            t->name[k] = (char)ascii_tolower((unsigned char)s[name_at + k]);
    }
    while (i < limit) {
        unsigned char c = (unsigned char)s[i];
        if (c == '>') {
            t->self_closing = i > 1 && s[i - 1] == '/';
            t->len = i + 1;
            return true;
        }
        if (is_space(c) || c == '/') {
            i++;
            continue;
        }
        /* an attribute: name, and a value after '=' */
        size_t an = i;
        while (i < limit && !is_space((unsigned char)s[i]) && s[i] != '=' && s[i] != '>' && s[i] != '/')
            i++;
        size_t an_len = i - an;
        while (i < limit && is_space((unsigned char)s[i]))
            i++;
        if (i >= limit || s[i] != '=')
            continue;
        i++;
        while (i < limit && is_space((unsigned char)s[i]))
            i++;
        size_t v = i, v_len;
        if (i < limit && (s[i] == '"' || s[i] == '\'')) {
            char q = s[i++];
            v = i;
            while (i < limit && s[i] != q)
                i++;
            if (i >= limit)
                return false;
            v_len = i - v;
            i++;
        } else {
            while (i < limit && !is_space((unsigned char)s[i]) && s[i] != '>')
                i++;
            v_len = i - v;
        }
        if (an_len == 5 && ascii_ncasecmp(s + an, "class", 5) == 0) {
            t->cls = s + v;
            t->cls_len = v_len;
        } else if (an_len == 4 && ascii_ncasecmp(s + an, "role", 4) == 0) {
            t->role = s + v;
            t->role_len = v_len;
        }
    }
    return false;
}

static bool named(const tag *t, const char *name)
{
    return strcmp(t->name, name) == 0;
}

/* Whether the class attribute holds word w. */
static bool has_class(const tag *t, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; t->cls != NULL && i + wl <= t->cls_len; i++) {
        bool starts = i == 0 || is_space((unsigned char)t->cls[i - 1]);
        bool ends = i + wl == t->cls_len || is_space((unsigned char)t->cls[i + wl]);
        if (starts && ends && memcmp(t->cls + i, w, wl) == 0)
            return true;
    }
    return false;
}

/* Whether the role attribute is r ("navigation"), in any case. */
static bool has_role(const tag *t, const char *r)
{
    size_t rl = strlen(r);
    return t->role != NULL && t->role_len == rl && ascii_ncasecmp(t->role, r, rl) == 0;
}

/* Elements left out with all they hold. */
static bool is_left_out(const tag *t)
{
    static const char *const names[] = {"script", "style", "noscript", "template", "svg",
                                        "math",   "nav",   "iframe",   "object"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (named(t, names[i]))
            return true;
    /* Navigation that is no <nav> but says what it is (ARIA): Sphinx's bars
     * above and below the page (div.related, "Navigation") and its sidebar
     * ("Previous topic", "Next topic", "This Page"), which were topics of
     * every page of Python's documentation; a search form. And Sphinx's
     * permalink after every heading (a.headerlink, "¶"): "Iterators¶" was
     * the topic's name. */
    if (has_role(t, "navigation") || has_role(t, "search") || (named(t, "a") && has_class(t, "headerlink")))
        return true;
    /* DocBook's navigation bars above and below each page (Publican's as a
     * list), and the table of contents it sets at the top of a chapter:
     * a list of the headings that follow, which would otherwise be a
     * passage of section numbers and titles */
    return (named(t, "div") &&
            (has_class(t, "navheader") || has_class(t, "navfooter") || has_class(t, "toc"))) ||
           (named(t, "ul") && has_class(t, "docnav"));
}

/* Elements whose text is not markup: read up to their end tag as a whole. */
static bool is_raw_text(const tag *t)
{
    return named(t, "script") || named(t, "style") || named(t, "title") || named(t, "pre") ||
           named(t, "textarea") || named(t, "xmp");
}

static bool is_block(const tag *t)
{
    static const char *const names[] = {
        "p",       "div",     "section", "article", "header", "footer",  "main",    "aside",    "blockquote",
        "table",   "tr",      "ul",      "ol",      "dl",     "hr",      "form",    "fieldset", "figure",
        "caption", "address", "center",  "body",    "html",   "details", "summary",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (named(t, names[i]))
            return true;
    return false;
}

/* Where the end tag </name> starts in s[0..n) (case aside), or n. */
static size_t find_end_tag(const char *s, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + 2 + nl <= n; i++) {
        if (s[i] != '<' || s[i + 1] != '/' || ascii_ncasecmp(s + i + 2, name, nl) != 0)
            continue;
        if (i + 2 + nl == n || !is_alnum((unsigned char)s[i + 2 + nl]))
            return i;
    }
    return n;
}

/* Past the '>' of the end tag at s[at] (or n). */
static size_t past_tag(const char *s, size_t n, size_t at)
{
    const char *gt = at < n ? memchr(s + at, '>', n - at) : NULL;
    return gt != NULL ? (size_t)(gt - s) + 1 : n;
}

/* Whether s[0..n) (s[0] == '<') starts a start or end tag: a letter after
 * '<' or "</". */
static bool starts_tag(const char *s, size_t n)
{
    size_t at = n > 1 && s[1] == '/' ? 2 : 1;
    return at < n && text_is_alpha(s[at]);
}

/* A <pre>'s text: a fenced code block, the fence longer than any run of
 * backquotes in it. Tags inside (<b>, <a>) are left out. */
static void put_pre(writer *w, const char *s, size_t n)
{
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    size_t fence = longest >= 3 ? longest + 1 : 3;
    if (n > 0 && s[0] == '\n') /* HTML drops a newline right after <pre> */
        s++, n--;
    else if (n > 1 && s[0] == '\r' && s[1] == '\n')
        s += 2, n -= 2;
    owe_break(w, 2);
    w->space = false;
    open_text(w);
    for (size_t k = 0; k < fence; k++)
        put_char(w, '`');
    put_char(w, '\n');
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '<')
            continue;
        tag t;
        if (starts_tag(s + i, n - i) && read_tag(s + i, n - i, &t)) {
            emit_decoded(w, s + from, i - from, true);
            i += t.len - 1;
            from = i + 1;
        }
    }
    emit_decoded(w, s + from, n - from, true);
    if (w->out->len == 0 || w->out->data[w->out->len - 1] != '\n')
        put_char(w, '\n');
    for (size_t k = 0; k < fence; k++)
        put_char(w, '`');
    w->line_start = true;
    owe_break(w, 2);
}

/* ---- the page ---- */

static int heading_level(const tag *t)
{
    return t->name[0] == 'h' && t->name[1] >= '1' && t->name[1] <= '6' && t->name[2] == '\0'
               ? t->name[1] - '0'
               : 0;
}

/* What tag t does to the text around it. */
static void apply_tag(writer *w, const tag *t)
{
    int level = heading_level(t);
    if (level > 0) {
        if (!t->end) {
            owe_break(w, 2);
            w->heading = level;
            w->heading_open = false;
        } else if (w->heading > 0) {
            w->heading = 0;
            w->heading_open = false;
            owe_break(w, 2);
        }
    } else if (named(t, "br")) {
        if (w->heading > 0)
            w->space = true;
        else
            owe_break(w, 1);
    } else if (named(t, "li")) {
        owe_break(w, 1);
        w->bullet = !t->end;
    } else if (named(t, "dt") || named(t, "dd")) {
        owe_break(w, 1);
    } else if (named(t, "td") || named(t, "th")) {
        w->space = true;
    } else if (is_block(t)) {
        owe_break(w, 2);
    }
}

/* Insert "# title" and a blank line at out[at]. */
static int insert_title(buf *out, size_t at, const buf *title)
{
    size_t tail_len = out->len - at;
    char *tail = tail_len > 0 ? em_malloc(tail_len) : NULL;
    if (tail != NULL)
        memcpy(tail, out->data + at, tail_len);
    out->len = at;
    int rc = buf_append(out, "# ", 2);
    if (rc == EM_OK)
        rc = buf_append(out, title->data, title->len);
    if (rc == EM_OK)
        rc = buf_append(out, "\n\n", tail_len > 0 ? 2 : 1);
    if (rc == EM_OK)
        rc = buf_append(out, tail, tail_len);
    free(tail);
    return rc;
}

int html_to_markdown(const char *html, size_t len, deadline *dl, buf *out, em_error *err)
{
    writer w = {.out = out, .rc = EM_OK, .line_start = true};
    buf title;
    buf_init(&title, TITLE_MAX);
    writer tw = {.out = &title, .rc = EM_OK, .line_start = true};
    size_t start = out->len, i = 0, text_from = 0, text_only_until = 0, skip_depth = 0;
    char skipping[TAG_NAME_MAX + 1] = "";
    bool timed_out = false;
    while (i < len && w.rc == EM_OK) {
        if (deadline_check(dl)) {
            timed_out = true;
            break;
        }
        if (html[i] != '<' || i < text_only_until) {
            i++;
            continue;
        }
        size_t next = 0; /* where reading goes on after a construct left out */
        tag t = {0};
        bool is_tag = false;
        if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
            const char *e = NULL;
            for (size_t k = i + 4; k + 3 <= len && e == NULL; k++)
                if (memcmp(html + k, "-->", 3) == 0)
                    e = html + k;
            next = e != NULL ? (size_t)(e - html) + 3 : len;
        } else if (len - i >= 2 && (html[i + 1] == '!' || html[i + 1] == '?')) {
            next = past_tag(html, len, i);
        } else if (!starts_tag(html + i, len - i)) {
            i++;
            continue;
        } else if (read_tag(html + i, len - i, &t)) {
            is_tag = true;
            next = i + t.len;
        } else {
            /* no '>' near: this '<' and what follows it up to there are text */
            text_only_until = i + TAG_SCAN_MAX;
            i++;
            continue;
        }
        if (skip_depth == 0)
            emit_decoded(&w, html + text_from, i - text_from, false);
        i = next;
        text_from = i;
        if (!is_tag || t.name[0] == '\0')
            continue;
        if (skip_depth > 0) {
            if (strcmp(t.name, skipping) == 0)
                skip_depth = t.end ? skip_depth - 1 : skip_depth + (t.self_closing ? 0 : 1);
            continue;
        }
        if (t.end) {
            apply_tag(&w, &t);
            continue;
        }
        if (is_raw_text(&t) && !t.self_closing) {
            size_t e = i + find_end_tag(html + i, len - i, t.name);
            if (named(&t, "pre") || named(&t, "xmp") || named(&t, "textarea"))
                put_pre(&w, html + i, e - i);
            else if (named(&t, "title") && title.len == 0)
                emit_decoded(&tw, html + i, e - i, false);
            i = past_tag(html, len, e);
            text_from = i;
            continue;
        }
        if (is_left_out(&t)) {
            if (!t.self_closing) {
                skip_depth = 1;
                memcpy(skipping, t.name, sizeof skipping);
            }
            continue;
        }
        apply_tag(&w, &t);
    }
    if (!timed_out && skip_depth == 0)
        emit_decoded(&w, html + text_from, len - text_from, false);
    int rc = w.rc;
    if (rc == EM_OK && !timed_out && !w.saw_h1 && title.len > 0 && tw.rc == EM_OK)
        rc = insert_title(out, start, &title);
    buf_cleanup(&title);
    if (timed_out)
        return deadline_error(err);
    if (rc != EM_OK)
        return em_error_set(err, rc, "the page's text is too large");
    return EM_OK;
}

bool html_looks_like(const char *data, size_t len)
{
    size_t i = 0, n = len < 4096 ? len : 4096;
    if (n >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    for (;;) {
        while (i < n && is_space((unsigned char)data[i]))
            i++;
        /* an XML declaration or a comment before the page */
        if (n - i >= 5 && memcmp(data + i, "<?xml", 5) == 0) {
            i = past_tag(data, n, i);
            continue;
        }
        if (n - i >= 4 && memcmp(data + i, "<!--", 4) == 0) {
            size_t k = i + 4;
            while (k + 3 <= n && memcmp(data + k, "-->", 3) != 0)
                k++;
            if (k + 3 > n)
                return false;
            i = k + 3;
            continue;
        }
        break;
    }
    static const char *const starts[] = {"<!doctype html", "<html", "<head", "<body"};
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        size_t sl = strlen(starts[k]);
        if (n - i >= sl && ascii_ncasecmp(data + i, starts[k], sl) == 0 &&
            (n - i == sl || !is_alnum((unsigned char)data[i + sl])))
            return true;
    }
    return false;
}
