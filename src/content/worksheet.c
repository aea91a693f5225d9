/* worksheet: see worksheet.h.
 *
 * The parser reads the pages line by line in one pass and is a small state
 * machine: the preamble (title, instructions, "Name: ____"), which is dropped;
 * the questions, where each line is a question marker, an option marker, an
 * inline answer or more text for whatever is being read (the stem or the last
 * option); and the answer key, where each line holds entries like "3. C".
 * The key section starts at a heading ("Answer Key", "Answers") or, with no
 * heading, at a line of letter entries whose first number goes backwards;
 * there a table's cells may come one a line, a number waiting for its
 * answer. Question numbers run in sequence (MAX_SKIP). Before the lines
 * are read, lines that repeat at the head or foot of neighbouring pages
 * (text files with form feeds) are set aside as running headers.
 *
 * A numbered list of instructions before the questions is recognised when the
 * numbering starts again at 1 and nothing read so far looked like a question
 * (no options, no answer, no '?'): it is dropped with the preamble.
 * Otherwise a number that goes backwards and is not a key is read as text of the
 * current question (a numbered list inside a stem), so the questions stay in
 * strictly increasing number order, which also lets key entries find their
 * question by binary search. Every line is scanned a bounded number of times,
 * so parsing is linear in the text. Text is normalised as it is copied: runs of white
 * space and control bytes become one space, and bytes that are not valid UTF-8
 * become U+FFFD, so every string handed out is valid UTF-8 that can go into
 * JSON as it is. */
#include "content/worksheet.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "content/text.h"

#define MAX_QUESTIONS 10000
#define MAX_NUMBER 9999
/* The longest stem or option text; a longer one is not a worksheet question
 * but extraction gone wrong, and is refused rather than stored. */
#define MAX_TEXT (64 * 1024)
/* How much of an answer's raw text is looked at: the answer keeps 63 bytes,
 * and 256 raw bytes always give at least that after normalising unless they
 * are mostly white space. */
#define ANSWER_RAW_MAX 256
/* How far a question number may run ahead of the last one: the next, or a
 * question or two skipped. A number further ahead ("...a mass number of" /
 * "23. How many neutrons") is text that wrapped onto a new line. */
#define MAX_SKIP 3
/* Question numbers of an answer key laid out as a table, read before their
 * answers ("1", "2", "3" down a column, then "B", "C", "A"). */
#define MAX_PENDING 64

typedef enum ws_mode {
    MODE_PREAMBLE,  /* before the first question: everything is dropped */
    MODE_QUESTIONS, /* reading questions */
    MODE_KEY        /* in the answer key section */
} ws_mode;

typedef enum ws_target {
    TARGET_NONE,  /* text is dropped (after an inline answer) */
    TARGET_STEM,  /* text goes to the stem of the last question */
    TARGET_OPTION /* text goes to the last option of the last question */
} ws_target;

/* The state of one parse; lives on worksheet_parse's stack. */
typedef struct ws_parser {
    ws_list *out; /* the list being built */
    size_t cap;   /* allocated items in out */
    ws_mode mode;
    ws_target target; /* where text in `text` belongs */
    int style;        /* how the option being read was marked (option_marker) */
    buf text;         /* the stem or option being read, normalised */
    int page;         /* number of the page being read */
    /* What read_instructions learnt: items[0..plain) are finished and look
     * like instructions, and `asked` says an earlier finished item looked
     * like a question. Only the last item can still change, so these hold
     * until forget_questions, and each item is looked at once. */
    size_t plain;
    bool asked;
    /* The key's question numbers whose answers have not been read yet (a
     * table's cells come one a line): a ring of n_pending from pending_at. */
    int pending[MAX_PENDING];
    size_t pending_at, n_pending;
    em_error *err;
} ws_parser;

/* ---- characters and UTF-8 ---- */

/* White space and control bytes, including NUL: all become one space. */
static bool is_space_byte(unsigned char c)
{
    return c <= 0x20 || c == 0x7f;
}

/* Append [p, end) to b with white space normalised: any run of white space or
 * control bytes becomes one space, none at the start or end of b, and text
 * appended to a non-empty b is separated from it by a space (it comes from
 * another line or after a marker). Invalid UTF-8 becomes U+FFFD. 0 or
 * EM_E_TOO_LARGE (b's maximum). */
static int text_append(buf *b, const char *p, const char *end)
{
    const unsigned char *s = (const unsigned char *)p;
    const unsigned char *e = (const unsigned char *)end;
    bool pending_space = true;
    int rc = EM_OK;
    while (s < e) {
        /* U+00A0 (no-break space) counts as white space too. */
        bool nbsp = s[0] == 0xc2 && e - s >= 2 && s[1] == 0xa0;
        if (is_space_byte(*s) || nbsp) {
            pending_space = true;
            s += nbsp ? 2 : 1;
            continue;
        }
        if (pending_space && b->len > 0) {
            rc = buf_append(b, " ", 1);
            if (rc != EM_OK)
                goto done;
        }
        pending_space = false;
        if (*s < 0x80) {
            const unsigned char *run = s;
            while (s < e && *s < 0x80 && !is_space_byte(*s))
                s++;
            rc = buf_append(b, run, (size_t)(s - run));
        } else {
            size_t k = utf8_decode((const char *)s, (size_t)(e - s), NULL);
            if (k == 0) {
                rc = buf_append(b, UTF8_REPLACEMENT_STR, sizeof UTF8_REPLACEMENT_STR - 1);
                s++;
            } else {
                rc = buf_append(b, s, k);
                s += k;
            }
        }
        if (rc != EM_OK)
            goto done;
    }
done:
    return rc;
}

/* ---- recognising lines ---- */

/* Read 1..5 digits at *p as a number, advancing *p. Longer runs are not
 * numbers we accept (nor read: they could overflow); returns -1 for them and
 * when there is no digit. 0 is returned as 0 for the caller to refuse. */
static int read_number(const char **p, const char *end)
{
    const char *q = *p;
    int v = 0;
    while (q < end && text_is_digit(*q)) {
        if (q - *p >= 5)
            return -1;
        v = v * 10 + (*q - '0');
        q++;
    }
    if (q == *p)
        return -1;
    *p = q;
    return v;
}

/* A question marker at the start of a trimmed line: "1." "1)" "Q1." "Q1:"
 * "Q 1)" "Question 1:" "Question 1." (case-insensitive), followed by a blank
 * or the end of the line; "Question 1" alone on its line counts too. Bare
 * numbers take only '.' and ')', so "10:30" or "1.5 kg" are not questions.
 * Returns the marker's length and sets *number, or 0. */
static size_t question_marker(const char *p, const char *end, int *number /* OUT */)
{
    const char *q = p;
    bool prefixed = false;
    if (text_starts_with_ci(q, end, "question")) {
        q = text_skip_blanks(q + 8, end);
        prefixed = true;
    } else if (text_starts_with_ci(q, end, "q")) {
        q = text_skip_blanks(q + 1, end);
        prefixed = true;
    }
    int n = read_number(&q, end);
    if (n < 1 || n > MAX_NUMBER)
        return 0;
    if (q == end) {
        /* "Question 3" as a heading; a bare "3" is a page number. */
        if (!prefixed || !text_starts_with_ci(p, end, "question"))
            return 0;
    } else if (*q == '.' || *q == ')' || (prefixed && *q == ':')) {
        q++;
        if (q < end && !text_is_blank(*q))
            return 0;
    } else {
        return 0;
    }
    *number = n;
    return (size_t)(q - p);
}

/* An option marker for the letter with index `letter` (0 = A) at p: "A."
 * "A)" "A:" "(A)" in either case, followed by a blank or the end. Returns the
 * marker's length and sets *style (how it is written: the parenthesis, the
 * closing character and the case, so that "(a)" and "A." differ), or 0. */
static size_t option_marker(const char *p, const char *end, int letter, int *style /* OUT */)
{
    const char *q = p;
    bool paren = false;
    if (q < end && *q == '(') {
        paren = true;
        q++;
    }
    if (q == end || ascii_tolower(*q) != 'a' + letter)
        return 0;
    bool upper = *q != ascii_tolower(*q);
    q++;
    if (q == end)
        return 0;
    if (paren ? *q != ')' : (*q != '.' && *q != ')' && *q != ':'))
        return 0;
    *style = (paren ? 1 : 0) | (upper ? 2 : 0) | (unsigned char)*q << 2;
    q++;
    if (q < end && !text_is_blank(*q))
        return 0;
    return (size_t)(q - p);
}

/* A letter answer at p: "C", "c", "(c)", "C." or "C)" for letters a..h.
 * With `alone`, a bare letter must end the text ("Answer: a car" is text,
 * not "A"), while a marked one may be followed by a blank and an
 * explanation; without it, any answer may be followed by a blank, ',' or ';'
 * (key entries share a line). Returns the length and sets *letter (0 = A),
 * or 0. */
static size_t letter_answer(const char *p, const char *end, bool alone, int *letter /* OUT */)
{
    const char *q = p;
    bool marked = false;
    if (q < end && *q == '(') {
        marked = true;
        q++;
    }
    if (q == end)
        return 0;
    char c = (char)ascii_tolower(*q);
    if (c < 'a' || c > 'h')
        return 0;
    q++;
    if (marked) {
        if (q == end || *q != ')')
            return 0;
        q++;
    } else if (q < end && (*q == '.' || *q == ')')) {
        marked = true;
        q++;
    }
    if (q < end) {
        bool sep = text_is_blank(*q) || (!alone && (*q == ',' || *q == ';'));
        if (!sep || (alone && !marked))
            return 0;
    }
    *letter = c - 'a';
    return (size_t)(q - p);
}

/* Page furniture: "3", "- 3 -", "Page 3", "Page 3 of 4", "3 / 4". */
static bool is_page_number(const char *p, const char *end)
{
    const char *q = p;
    if (q < end && *q == '-')
        q = text_skip_blanks(q + 1, end);
    if (text_starts_with_ci(q, end, "page"))
        q = text_skip_blanks(q + 4, end);
    if (read_number(&q, end) < 0)
        return false;
    q = text_skip_blanks(q, end);
    if (text_starts_with_ci(q, end, "of") || (q < end && *q == '/')) {
        q = text_skip_blanks(q + (*q == '/' ? 1 : 2), end);
        if (read_number(&q, end) < 0)
            return false;
        q = text_skip_blanks(q, end);
    }
    if (q < end && *q == '-')
        q = text_skip_blanks(q + 1, end);
    return q == end;
}

/* A line of only rule characters ("________", "-----", "....."): answer
 * blanks and separators, never content. */
static bool is_rule_line(const char *p, const char *end)
{
    for (; p < end; p++)
        if (!text_is_blank(*p) && *p != '_' && *p != '-' && *p != '.' && *p != '=' && *p != '*' && *p != '|' &&
            *p != ':' && *p != '+')
            return false;
    return true;
}

/* A form field of the page's head: "Name: ______" (maybe with "Class 9B"
 * or "Date: ____" beside it). It is furniture wherever it is, also when a
 * page break puts it among the options of a question. */
static bool is_form_line(const char *p, const char *end)
{
    if (!text_starts_with_ci(p, end, "name"))
        return false;
    const char *q = text_skip_blanks(p + 4, end);
    if (q == end || *q != ':')
        return false;
    q = text_skip_blanks(q + 1, end);
    return end - q >= 2 && q[0] == '_' && q[1] == '_';
}

/* A cell of a key table's header row: "Question", "Answer", "No.", "Q",
 * "Ans" ... A line of only these (and rules) is dropped in the key. */
static bool is_key_header_line(const char *p, const char *end)
{
    static const char *const words[] = {"questions", "question", "answers", "answer", "ans.", "ans",
                                        "no.",       "no",       "key",     "q.",     "q",   "#"};
    bool any = false;
    for (;;) {
        while (p < end && (text_is_blank(*p) || *p == '|'))
            p++;
        if (p == end)
            return any;
        size_t i = 0, n = sizeof words / sizeof words[0];
        for (; i < n; i++) {
            size_t k = strlen(words[i]);
            if (text_starts_with_ci(p, end, words[i]) &&
                (p + k == end || text_is_blank(p[k]) || p[k] == '|'))
                break;
        }
        if (i == n)
            return false;
        p += strlen(words[i]);
        any = true;
    }
}

/* An answer key heading: "Answer Key", "Answers", "Answer key:" ...
 * (case-insensitive). Alone on its line, *rest is set to the end; a heading
 * followed by ':' and more text ("Answers: 1-C 2-A") sets *rest to that text
 * for the caller to read as entries. */
static bool is_key_heading(const char *p, const char *end, const char **rest /* OUT */)
{
    static const char *const headings[] = {"answer keys", "answer key", "answer sheet", "answers"};
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++) {
        if (!text_starts_with_ci(p, end, headings[i]))
            continue;
        const char *q = text_skip_blanks(p + strlen(headings[i]), end);
        if (q < end && *q == ':')
            q = text_skip_blanks(q + 1, end);
        else if (q < end)
            return false; /* "Answers to part B are ..." */
        *rest = q;
        return true;
    }
    return false;
}

bool worksheet_is_key_heading(const char *title)
{
    const char *end = title + strlen(title);
    const char *rest = NULL;
    return is_key_heading(text_skip_blanks(title, end), end, &rest) && rest == end;
}

/* An inline answer line: "Answer: C", "Ans: C", "Ans. C", "Answer - C",
 * "Correct answer: (c)". Sets *rest to the text after the separator. */
static bool is_answer_line(const char *p, const char *end, const char **rest /* OUT */)
{
    const char *q;
    if (text_starts_with_ci(p, end, "correct answer"))
        q = p + 14;
    else if (text_starts_with_ci(p, end, "answer"))
        q = p + 6;
    else if (text_starts_with_ci(p, end, "ans"))
        q = p + 3;
    else
        return false;
    bool abbreviated = q == p + 3;
    q = text_skip_blanks(q, end);
    if (q == end || !(*q == ':' || *q == '-' || (abbreviated && *q == '.')))
        return false;
    *rest = text_skip_blanks(q + 1, end);
    return true;
}

/* ---- building the list ---- */

static ws_question *current(ws_parser *ps)
{
    return ps->out->n > 0 ? &ps->out->items[ps->out->n - 1] : NULL;
}

/* Hand the text read so far to the stem or option it belongs to. */
static void flush(ws_parser *ps)
{
    ws_question *q = current(ps);
    if (ps->target == TARGET_STEM)
        q->stem = buf_steal(&ps->text);
    else if (ps->target == TARGET_OPTION)
        q->options[q->n_options - 1] = buf_steal(&ps->text);
    buf_reset(&ps->text);
    ps->target = TARGET_NONE;
}

static int question_start(ws_parser *ps, int number)
{
    int rc = EM_OK;
    ws_list *l = ps->out;
    flush(ps);
    if (l->n == MAX_QUESTIONS) {
        rc = em_error_set(ps->err, EM_E_TOO_LARGE, "the worksheet has more than %d questions", MAX_QUESTIONS);
        goto done;
    }
    if (l->n == ps->cap) {
        ps->cap = ps->cap == 0 ? 32 : ps->cap * 2;
        l->items = em_realloc(l->items, ps->cap * sizeof l->items[0]);
    }
    memset(&l->items[l->n], 0, sizeof l->items[0]);
    l->items[l->n].number = number;
    l->items[l->n].page = ps->page;
    l->n++;
    ps->mode = MODE_QUESTIONS;
    ps->target = TARGET_STEM;
done:
    return rc;
}

static void option_start(ws_parser *ps)
{
    ws_question *q = current(ps);
    assert(q != NULL && q->n_options < WORKSHEET_MAX_OPTIONS);
    flush(ps);
    q->n_options++;
    ps->target = TARGET_OPTION;
}

/* Add text to what is being read; dropped when nothing is. */
static int append(ws_parser *ps, const char *p, const char *end)
{
    if (ps->target == TARGET_NONE)
        return EM_OK;
    int rc = text_append(&ps->text, p, end);
    if (rc != EM_OK)
        em_error_set(ps->err, rc, "question %d has a text longer than %d bytes", current(ps)->number,
                     MAX_TEXT);
    return rc;
}

/* Text of a question line: besides being appended, it may hold further
 * options on the same line ("A) 1485 B) 1509 C) 1547 D) 1558", "(a) 3.5
 * (b) 3"). PDF text has lost the spaces between them, so the evidence is
 * the markers themselves: only the next letters in order start options, in
 * the way the first was written ("A. x C. y" leaves "C. y" in A's text, and
 * "B." in "A) vitamin B. C" is text), or any marker of the next letter after
 * two spaces or a tab. After an option, that is enough. In a stem, where a
 * letter in prose ("Tom has a) 3 apples b) 4 pears") must stay text, the
 * markers must start at A and either be three or more, or the first follow
 * a '?' or ':' or a wide gap. One pass over the line. */
static int feed(ws_parser *ps, const char *p, const char *end)
{
    int rc = EM_OK;
    const char *cut[WORKSHEET_MAX_OPTIONS], *next[WORKSHEET_MAX_OPTIONS];
    int styles[WORKSHEET_MAX_OPTIONS];
    int n = 0;
    ws_question *q = current(ps);
    if (ps->target != TARGET_NONE) {
        int style = ps->target == TARGET_OPTION ? ps->style : -1;
        bool evidence = ps->target == TARGET_OPTION;
        for (const char *s = p; s < end && q->n_options + n < WORKSHEET_MAX_OPTIONS; s++) {
            if (!text_is_blank(*s))
                continue;
            const char *m = s;
            bool tab = false;
            while (m < end && text_is_blank(*m))
                tab |= *m++ == '\t';
            bool wide = m - s >= 2 || tab;
            int st = 0;
            size_t k = option_marker(m, end, q->n_options + n, &st);
            if (k > 0 && (wide || style < 0 || st == style)) {
                if (n == 0 && !evidence) {
                    const char *b = s;
                    while (b > p && text_is_blank(b[-1]))
                        b--;
                    evidence = wide || (b > p && (b[-1] == '?' || b[-1] == ':'));
                }
                style = st;
                cut[n] = s;
                next[n] = m + k;
                styles[n++] = st;
            }
            s = m - 1; /* past the run; the loop's s++ lands on m */
        }
        if (!evidence && n < 3)
            n = 0;
    }
    for (int i = 0; i <= n; i++) {
        const char *from = i == 0 ? p : next[i - 1];
        rc = append(ps, from, i < n ? cut[i] : end);
        if (rc != EM_OK || i == n)
            break;
        option_start(ps);
        ps->style = styles[i];
    }
    return rc;
}

/* Binary search: items are in strictly increasing number order. */
static ws_question *find_question(ws_list *l, int number)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->items[mid].number == number)
            return &l->items[mid];
        if (l->items[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Set a question's answer from text: normalised, at most 63 bytes, cut at a
 * character boundary. Blanks ("____") leave the answer as it was. */
static void set_answer_text(ws_question *q, const char *p, const char *end)
{
    buf b;
    /* Normalising can triple invalid bytes (U+FFFD), never more. */
    buf_init(&b, ANSWER_RAW_MAX * 3);
    while (end > p && (text_is_blank(end[-1]) || end[-1] == '|'))
        end--;
    if (end - p > ANSWER_RAW_MAX)
        end = p + utf8_cut(p, (size_t)(end - p), ANSWER_RAW_MAX);
    if (is_rule_line(p, end) || text_append(&b, p, end) != EM_OK || b.len == 0)
        goto done;
    size_t n = utf8_cut(b.data, b.len, sizeof q->answer - 1);
    memcpy(q->answer, b.data, n);
    q->answer[n] = '\0';
done:
    buf_cleanup(&b);
}

/* The answer of an inline "Answer: ..." line: an uppercase letter when it
 * names one ("C", "(c)", "C. Paris"), else its text. */
static void set_answer(ws_question *q, const char *p, const char *end)
{
    int letter;
    if (letter_answer(p, end, true, &letter) > 0) {
        q->answer[0] = (char)('A' + letter);
        q->answer[1] = '\0';
    } else {
        set_answer_text(q, p, end);
    }
}

/* The separator after a key entry's number: '.', ')', ':', '-' or an en or
 * em dash. Returns its length, or 0. */
static size_t key_separator(const char *q, const char *end)
{
    if (q < end && (*q == '.' || *q == ')' || *q == ':' || *q == '-'))
        return 1;
    if (end - q >= 3 && memcmp(q, "\xe2\x80", 2) == 0 && (q[2] == '\x93' || q[2] == '\x94'))
        return 3;
    return 0;
}

/* Where a text answer of entry `number` ends on a key line: at the next
 * entry, a word that is a number a little after it (number + 1 ..
 * number + MAX_SKIP) with its separator ("9. C8  10. ValueError"), else at
 * the end. */
static const char *text_answer_end(const char *p, const char *end, int number)
{
    for (const char *s = p; s < end; s++) {
        if (!text_is_blank(*s))
            continue;
        const char *q = text_skip_blanks(s, end);
        const char *r = q;
        int n = read_number(&r, end);
        if (n > number && n <= number + MAX_SKIP) {
            size_t k = key_separator(r, end);
            if (k > 0 && (r + k == end || text_is_blank(r[k]))) {
                while (s > p && text_is_blank(s[-1]))
                    s--;
                return s;
            }
        }
        s = q > s ? q - 1 : s;
    }
    return end;
}

/* Store a letter answer for question `number` (when apply and it exists). */
static void key_letter(ws_parser *ps, bool apply, int number, int letter)
{
    ws_question *item = apply ? find_question(ps->out, number) : NULL;
    if (item != NULL) {
        item->answer[0] = (char)('A' + letter);
        item->answer[1] = '\0';
    }
}

/* Read key entries on a line: "1. C 2. A", "1-C, 2-D; 3 - B", "4) (b)",
 * "5. Paris" and "9. C8  10. ValueError  11. d" (a text answer runs to the
 * next entry's number). In a key section (`cells`), a table's row reads too:
 * "| 1 | b |", "1 (b) 2 (c)" without separators, and a number alone on its
 * line is a cell whose answer comes on a later line (ps->pending). With
 * `apply` the answers are stored. Returns the number of entries read;
 * *first is the number of the first, and *letters_only says whether the
 * whole line was letter entries (what a key without heading must look
 * like). */
static int key_line(ws_parser *ps, const char *p, const char *end, bool apply, bool cells, int *first /* OUT */,
                    bool *letters_only /* OUT */)
{
    int n = 0;
    *letters_only = true;
    *first = 0;
    for (;;) {
        while (p < end && (text_is_blank(*p) || *p == ',' || *p == ';' || (cells && *p == '|')))
            p++;
        if (p == end)
            break;
        const char *q = p;
        int number = read_number(&q, end);
        if (number < 1 || number > MAX_NUMBER)
            break;
        if (q < end && !text_is_blank(*q) && *q != '|' && key_separator(q, end) == 0)
            break; /* "12kg", "3,5" */
        q = text_skip_blanks(q, end);
        size_t sep = key_separator(q, end);
        q = text_skip_blanks(q + sep, end);
        while (cells && q < end && (*q == '|' || text_is_blank(*q)))
            q++;
        if (q == end) {
            /* A number alone: a table's cell, its answer on a later line. */
            if (!cells || sep > 0 || n > 0)
                break;
            if (apply) {
                if (ps->n_pending == MAX_PENDING) {
                    ps->pending_at = (ps->pending_at + 1) % MAX_PENDING;
                    ps->n_pending--;
                }
                ps->pending[(ps->pending_at + ps->n_pending++) % MAX_PENDING] = number;
            }
            *first = number;
            n++;
            p = end;
            break;
        }
        /* Every entry has its separator, "2 a" in running text is no key;
         * only a table's cells go without. */
        if (sep == 0 && !cells)
            break;
        int letter;
        size_t k = letter_answer(q, end, false, &letter);
        if (k > 0 && (q + k == end || q[k] != '|' || cells)) {
            key_letter(ps, apply, number, letter);
            p = q + k;
        } else if (sep > 0 || cells) {
            const char *stop = text_answer_end(q, end, number);
            ws_question *item = apply ? find_question(ps->out, number) : NULL;
            if (item != NULL)
                set_answer_text(item, q, stop);
            *letters_only = false;
            p = stop;
        } else {
            break;
        }
        if (n == 0)
            *first = number;
        n++;
    }
    if (p != end || n == 0)
        *letters_only = false;
    return n;
}

/* A line of the key section that is no entry: the answer cell of a number
 * read alone before it ("1" then "(b)"), when one waits. Returns whether
 * the line was taken. */
static bool key_cell(ws_parser *ps, const char *p, const char *end)
{
    if (ps->n_pending == 0)
        return false;
    while (p < end && (text_is_blank(*p) || *p == '|'))
        p++;
    while (end > p && (text_is_blank(end[-1]) || end[-1] == '|'))
        end--;
    int number = ps->pending[ps->pending_at];
    ps->pending_at = (ps->pending_at + 1) % MAX_PENDING;
    ps->n_pending--;
    ws_question *item = find_question(ps->out, number);
    if (item == NULL || p == end)
        return true;
    int letter;
    size_t k = letter_answer(p, end, false, &letter);
    if (k > 0 && text_skip_blanks(p + k, end) == end)
        key_letter(ps, true, number, letter);
    else if (item->answer[0] == '\0')
        set_answer_text(item, p, end);
    return true;
}

/* Whether item i looks like a question: it has options or an answer, or its
 * stem ends in '?'. The last stem may still be in the text being read. */
static bool looks_asked(const ws_parser *ps, size_t i)
{
    const ws_list *l = ps->out;
    const ws_question *q = &l->items[i];
    const char *stem = q->stem;
    size_t n = stem != NULL ? strlen(stem) : 0;
    if (i + 1 == l->n && ps->target == TARGET_STEM) {
        stem = ps->text.data;
        n = ps->text.len;
    }
    while (n > 0 && stem[n - 1] == ' ')
        n--;
    return q->n_options > 0 || q->answer[0] != '\0' || (n > 0 && stem[n - 1] == '?');
}

/* Whether the items read so far were a numbered list of instructions rather
 * than questions ("1. Answer all questions. 2. Show your work."): none looks
 * like a question. Called when the numbering starts again at 1, which a
 * hostile text can do on every line: the finished items are checked once
 * (ps->plain, ps->asked), only the last one each time. */
static bool read_instructions(ws_parser *ps)
{
    const ws_list *l = ps->out;
    if (l->n == 0)
        return true;
    while (!ps->asked && ps->plain + 1 < l->n) {
        if (looks_asked(ps, ps->plain))
            ps->asked = true;
        else
            ps->plain++;
    }
    return !ps->asked && !looks_asked(ps, l->n - 1);
}

/* Drop what was read as questions: it was part of the preamble. */
static void forget_questions(ws_parser *ps)
{
    flush(ps);
    ws_list *l = ps->out;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].stem);
        for (int j = 0; j < l->items[i].n_options; j++)
            free(l->items[i].options[j]);
    }
    l->n = 0;
    ps->plain = 0;
    ps->asked = false;
}

/* Enter the key section (the answers of the questions read so far). */
static void key_start(ws_parser *ps)
{
    flush(ps);
    ps->mode = MODE_KEY;
}

/* One line of a page, without its line break. */
static int parse_line(ws_parser *ps, const char *p, const char *end)
{
    int rc = EM_OK;
    int number = 0, first = 0;
    bool letters_only;
    const char *rest;
    while (p < end && is_space_byte((unsigned char)*p))
        p++;
    while (end > p && is_space_byte((unsigned char)end[-1]))
        end--;
    if (p == end || is_rule_line(p, end) || is_form_line(p, end))
        goto done;
    if (ps->mode == MODE_KEY) {
        /* A number alone is a table's cell here, not a page number. */
        if (key_line(ps, p, end, true, true, &first, &letters_only) == 0 && !is_key_header_line(p, end))
            key_cell(ps, p, end);
        goto done;
    }
    if (is_page_number(p, end))
        goto done;
    ws_question *q = current(ps);
    if (q != NULL && is_key_heading(p, end, &rest)) {
        key_start(ps);
        key_line(ps, rest, end, true, true, &first, &letters_only);
        goto done;
    }
    /* No heading, but "1. C" after question 20: the key has started. */
    if (q != NULL && text_is_digit(*p) && key_line(ps, p, end, false, false, &first, &letters_only) > 0 &&
        letters_only && first <= q->number) {
        key_start(ps);
        key_line(ps, p, end, true, false, &first, &letters_only);
        goto done;
    }
    size_t k = question_marker(p, end, &number);
    /* Numbering that starts again at 1 after a numbered list of
     * instructions: those were the preamble, the questions start here. */
    if (k > 0 && q != NULL && number == 1 && read_instructions(ps)) {
        forget_questions(ps);
        q = NULL;
    }
    /* Numbering is a sequence: a number far ahead of the last is text. */
    if (k > 0 && (q == NULL || (number > q->number && number <= q->number + MAX_SKIP))) {
        rc = question_start(ps, number);
        if (rc == EM_OK)
            rc = feed(ps, p + k, end);
        goto done;
    }
    if (q == NULL)
        goto done; /* the preamble */
    if (is_answer_line(p, end, &rest)) {
        if (rest < end && !is_rule_line(rest, end)) {
            set_answer(q, rest, end);
            flush(ps); /* what follows an answer ("Explanation: ...") belongs to no option */
        }
        goto done;
    }
    if (q->n_options < WORKSHEET_MAX_OPTIONS) {
        int style = 0;
        k = option_marker(p, end, q->n_options, &style);
        if (k > 0) {
            option_start(ps);
            ps->style = style;
            rc = feed(ps, p + k, end);
            goto done;
        }
    }
    rc = feed(ps, p, end);
done:
    return rc;
}

/* ---- running headers of text pages ---- */

/* How many lines at the top and at the bottom of a page may be a running
 * header or footer. */
#define RUNNING_LINES 2

/* The first and last lines of a page, where running headers and footers
 * sit. PDF extraction has taken them out already; a text file with
 * form-feed pages still has them. */
typedef struct page_edge {
    const char *raw[2 * RUNNING_LINES];  /* where the line starts in the page: the first lines, then the last */
    const char *text[2 * RUNNING_LINES]; /* the line without its white space at either end; NULL: none */
    size_t len[2 * RUNNING_LINES];
    unsigned skip; /* bit i: line i repeats on the page before or after */
} page_edge;

/* Whether two edge lines are the same, runs of digits counting as equal
 * ("Page 2" and "Page 3"). */
static bool same_running(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
    while (a < ae && b < be) {
        if (text_is_digit(*a) && text_is_digit(*b)) {
            while (a < ae && text_is_digit(*a))
                a++;
            while (b < be && text_is_digit(*b))
                b++;
            continue;
        }
        if (*a != *b)
            return false;
        a++;
        b++;
    }
    return a == ae && b == be;
}

/* Note line [p, eol) in slot k of e unless it is blank; returns whether it
 * was not. Only lines with words can be furniture, and never lines that
 * start a question, an option, an answer or the key ("Question 3" atop each
 * page of a one-question-a-page worksheet, "A. True" / "B. False" at its
 * foot). */
static bool edge_line(page_edge *e, int k, const char *p, const char *eol)
{
    const char *t = p, *te = eol, *rest;
    int number;
    while (t < te && is_space_byte((unsigned char)*t))
        t++;
    while (te > t && is_space_byte((unsigned char)te[-1]))
        te--;
    if (t == te)
        return false;
    int letters = 0;
    for (const char *c = t; c < te && letters < 3; c++)
        letters += text_is_alpha(*c);
    /* An option at the same place on every page ("A. True" / "B. False"). */
    int letter = ascii_tolower(t[0] == '(' && te - t > 1 ? t[1] : t[0]) - 'a', style;
    bool option = letter >= 0 && letter < WORKSHEET_MAX_OPTIONS && option_marker(t, te, letter, &style) > 0;
    /* Numbers and letters alone are page numbers or a table's cells. */
    if (letters >= 3 && !option && question_marker(t, te, &number) == 0 && !is_key_heading(t, te, &rest) &&
        !is_answer_line(t, te, &rest)) {
        e->raw[k] = p;
        e->text[k] = t;
        e->len[k] = (size_t)(te - t);
    }
    return true;
}

/* Find each page's first and last lines and mark those that repeat at the
 * same place on the page before or after. Linear in the pages' text. */
static void find_running(const chunk_page *pages, size_t n_pages, page_edge *edges)
{
    for (size_t i = 0; i < n_pages; i++) {
        page_edge *e = &edges[i];
        const char *start = pages[i].text, *end = start == NULL ? start : start + pages[i].len;
        int k = 0;
        for (const char *p = start; p < end && k < RUNNING_LINES;) {
            const char *eol = p;
            while (eol < end && *eol != '\n' && *eol != '\r')
                eol++;
            k += edge_line(e, k, p, eol);
            p = eol < end ? eol + 1 : end;
        }
        k = RUNNING_LINES;
        for (const char *eol = end; eol > start && k < 2 * RUNNING_LINES;) {
            const char *p = eol;
            while (p > start && p[-1] != '\n' && p[-1] != '\r')
                p--;
            if (p > start + 0 && e->raw[0] != NULL && p <= e->raw[RUNNING_LINES - 1])
                break; /* reached the top lines */
            k += edge_line(e, k, p, eol);
            eol = p > start ? p - 1 : start;
        }
    }
    for (size_t i = 0; i < n_pages; i++) {
        for (int k = 0; k < 2 * RUNNING_LINES; k++) {
            const page_edge *e = &edges[i];
            if (e->text[k] == NULL)
                continue;
            for (size_t j = i > 0 ? i - 1 : i + 1; j <= i + 1 && j < n_pages; j += 2) {
                const page_edge *o = &edges[j];
                if (o->text[k] != NULL && same_running(e->text[k], e->len[k], o->text[k], o->len[k]))
                    edges[i].skip |= 1u << k;
            }
        }
    }
}

/* Whether the line starting at p is a running header or footer of its page. */
static bool is_running(const page_edge *e, const char *p)
{
    for (int k = 0; k < 2 * RUNNING_LINES; k++)
        if ((e->skip & (1u << k)) != 0 && e->raw[k] == p)
            return true;
    return false;
}

/* ---- public ---- */

int worksheet_parse(const chunk_page *pages, size_t n_pages, ws_list *out /* OUT */, em_error *err)
{
    return worksheet_parse_until(pages, n_pages, NULL, out, err);
}

int worksheet_parse_until(const chunk_page *pages, size_t n_pages, deadline *dl, ws_list *out /* OUT */,
                          em_error *err)
{
    assert(out != NULL);
    int rc = EM_OK;
    ws_parser ps = {.out = out, .mode = MODE_PREAMBLE, .target = TARGET_NONE, .err = err};
    page_edge *edges = NULL; /* with two pages or more */
    out->items = NULL;
    out->n = 0;
    buf_init(&ps.text, MAX_TEXT);
    if (pages == NULL && n_pages > 0) {
        rc = em_error_set(err, EM_E_INVAL, "no pages");
        goto fail;
    }
    if (n_pages >= 2) {
        edges = em_calloc(n_pages, sizeof edges[0]);
        find_running(pages, n_pages, edges);
    }
    for (size_t i = 0; i < n_pages; i++) {
        const char *p = pages[i].text;
        const char *end = p == NULL ? p : p + pages[i].len;
        ps.page = pages[i].number;
        while (p < end) {
            if (deadline_check(dl)) {
                rc = deadline_error(err);
                goto fail;
            }
            const char *eol = p;
            while (eol < end && *eol != '\n' && *eol != '\r')
                eol++;
            if (edges == NULL || !is_running(&edges[i], p))
                rc = parse_line(&ps, p, eol);
            if (rc != EM_OK)
                goto fail;
            p = eol < end ? eol + 1 : end;
        }
    }
    flush(&ps);
    buf_cleanup(&ps.text);
    free(edges);
    return EM_OK;

fail:
    free(edges);
    buf_cleanup(&ps.text);
    ws_list_cleanup(out);
    return rc;
}

void ws_list_cleanup(ws_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].stem);
        for (int j = 0; j < l->items[i].n_options; j++)
            free(l->items[i].options[j]);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
