/* test_content_worksheet: finding questions, options and answers in the text
 * of a worksheet (worksheet_parse). No I/O: pages are string literals or
 * made here. Hostile shapes must parse in linear time; the deadline stops
 * a parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "content/deadline.h"
#include "content/worksheet.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

/* ---- helpers ---- */

/* Parse up to three pages (NULL ends the list), numbered 1, 2, 3. */
static ws_list parse3(const char *p1, const char *p2, const char *p3)
{
    const char *texts[3] = {p1, p2, p3};
    chunk_page pages[3];
    size_t n = 0;
    for (; n < 3 && texts[n] != NULL; n++)
        pages[n] = (chunk_page){.number = (int)n + 1, .text = texts[n], .len = strlen(texts[n])};
    ws_list l;
    em_error err = {0};
    int rc = worksheet_parse(pages, n, &l, &err);
    if (rc != EM_OK)
        fail_msg("worksheet_parse = %d: %s", rc, err.msg);
    return l;
}

static ws_list parse1(const char *text)
{
    return parse3(text, NULL, NULL);
}

/* Check one question: number, page, stem, answer and the options (NULL
 * ends the list). */
static void check_q(const ws_question *q, int number, int page, const char *stem, const char *answer, ...)
{
    assert_int_equal(q->number, number);
    assert_int_equal(q->page, page);
    assert_string_equal(q->stem, stem);
    assert_string_equal(q->answer, answer);
    va_list ap;
    va_start(ap, answer);
    int n = 0;
    for (const char *o = va_arg(ap, const char *); o != NULL; o = va_arg(ap, const char *), n++) {
        assert_true(n < q->n_options);
        assert_string_equal(q->options[n], o);
    }
    va_end(ap);
    assert_int_equal(q->n_options, n);
}

/* Every string is valid UTF-8 (the parser's promise, so JSON takes it). */
static void assert_utf8(const char *s)
{
    assert_true(utf8_validate(s, strlen(s), NULL));
}

/* ---- a realistic worksheet ---- */

static const char *const page1 =
    "Grade 7 Science - Unit 3 Review\n"
    "Name: ______________   Date: ________\n"
    "Instructions: Circle the best answer for each question. You have 40 minutes.\n"
    "\n"
    "1. What is the chemical symbol for water?\n"
    "A. H2O   B. CO2   C. O2   D. NaCl\n"
    "Q2) Which planet is closest to the Sun?\n"
    "A) Venus\n"
    "B) Mercury\n"
    "C) Earth\n"
    "D) Mars\n"
    "3. The process by which plants make food\n"
    "   using sunlight is called:\n"
    "(a) respiration\n"
    "(b) digestion\n"
    "(c) photosynthesis\n"
    "(d) evaporation\n"
    "Q4. Which of these is a mammal?\n"
    "a. shark   b. whale   c. trout   d. eel\n"
    "5. Water boils at ___ degrees Celsius at sea level.\n"
    "a) 50  b) 90  c) 100  d) 120\n"
    "Q6) What gas do humans exhale?\n"
    "A. oxygen\tB. carbon dioxide\tC. nitrogen\tD. helium\n"
    "7. Which organ pumps blood?\n"
    "A: lungs\n"
    "B: liver\n"
    "C: heart\n"
    "D: kidney\n"
    "Q8. Which is a renewable energy source?\n"
    "A. coal   B. oil\n"
    "C. natural gas   D. wind\n"
    "9. The smallest unit of life is the\n"
    "A. atom   B. cell   C. organ   D. tissue\n"
    "Q10) Which force pulls objects toward Earth?\n"
    "(A) friction  (B) magnetism  (C) gravity  (D) tension\n"
    "11. Which layer of the Earth is\n"
    "Page 1 of 2\n";

static const char *const page2 = "the outermost?\n"
                                 "A. mantle\n"
                                 "B. outer core\n"
                                 "C. inner core\n"
                                 "D. crust\n"
                                 "Q12. Sound travels fastest through\n"
                                 "A. air   B. water   C. steel   D. a vacuum\n"
                                 "13. What is the boiling point of water in Fahrenheit?\n"
                                 "a) 100  b) 180  c) 212  d) 32\n"
                                 "Q14) Which blood cells fight infection?\n"
                                 "A) red  B) white  C) platelets  D) plasma\n"
                                 "15. Which is NOT a state of matter?\n"
                                 "A. solid   B. liquid   C. gas   D. energy\n"
                                 "Q16. The Moon shines because it\n"
                                 "(a) makes its own light\n"
                                 "(b) reflects sunlight\n"
                                 "(c) is on fire\n"
                                 "(d) absorbs heat\n"
                                 "17. Which simple machine is a ramp?\n"
                                 "A. lever   B. pulley   C. inclined plane   D. wheel\n"
                                 "Q18) What do bees collect from flowers?\n"
                                 "A. nectar   B. sap   C. seeds   D. bark\n"
                                 "19. An animal that eats only plants is a\n"
                                 "A. carnivore   B. herbivore   C. omnivore   D. decomposer\n"
                                 "Q20. Which instrument measures temperature?\n"
                                 "A. barometer   B. ruler   C. thermometer   D. scale\n"
                                 "\n"
                                 "Answer Key\n"
                                 "1. A  2. B  3. C  4. B  5. C\n"
                                 "6-B, 7-C, 8-D, 9-B, 10-C\n"
                                 "11) D; 12) C; 13) C; 14) B; 15) D\n"
                                 "16: b 17: c 18 - a 19 - B 20. (c)\n"
                                 "2\n";

static void test_content_worksheet_realistic(void **state)
{
    ws_list l = parse3(page1, page2, NULL);
    assert_int_equal(l.n, 20);
    for (size_t i = 0; i < l.n; i++) {
        assert_int_equal(l.items[i].number, (int)i + 1);
        assert_int_equal(l.items[i].n_options, 4);
    }
    check_q(&l.items[0], 1, 1, "What is the chemical symbol for water?", "A", "H2O", "CO2", "O2", "NaCl",
            NULL);
    check_q(&l.items[1], 2, 1, "Which planet is closest to the Sun?", "B", "Venus", "Mercury", "Earth",
            "Mars", NULL);
    check_q(&l.items[2], 3, 1, "The process by which plants make food using sunlight is called:", "C",
            "respiration", "digestion", "photosynthesis", "evaporation", NULL);
    check_q(&l.items[3], 4, 1, "Which of these is a mammal?", "B", "shark", "whale", "trout", "eel", NULL);
    check_q(&l.items[4], 5, 1, "Water boils at ___ degrees Celsius at sea level.", "C", "50", "90", "100",
            "120", NULL);
    check_q(&l.items[5], 6, 1, "What gas do humans exhale?", "B", "oxygen", "carbon dioxide", "nitrogen",
            "helium", NULL);
    check_q(&l.items[6], 7, 1, "Which organ pumps blood?", "C", "lungs", "liver", "heart", "kidney", NULL);
    check_q(&l.items[7], 8, 1, "Which is a renewable energy source?", "D", "coal", "oil", "natural gas",
            "wind", NULL);
    check_q(&l.items[9], 10, 1, "Which force pulls objects toward Earth?", "C", "friction", "magnetism",
            "gravity", "tension", NULL);
    /* Crosses the page break, past the "Page 1 of 2" footer: keeps page 1. */
    check_q(&l.items[10], 11, 1, "Which layer of the Earth is the outermost?", "D", "mantle", "outer core",
            "inner core", "crust", NULL);
    check_q(&l.items[11], 12, 2, "Sound travels fastest through", "C", "air", "water", "steel", "a vacuum",
            NULL);
    check_q(&l.items[15], 16, 2, "The Moon shines because it", "B", "makes its own light",
            "reflects sunlight", "is on fire", "absorbs heat", NULL);
    check_q(&l.items[17], 18, 2, "What do bees collect from flowers?", "A", "nectar", "sap", "seeds", "bark",
            NULL);
    check_q(&l.items[19], 20, 2, "Which instrument measures temperature?", "C", "barometer", "ruler",
            "thermometer", "scale", NULL);
    const char *keys = "ABCBCBCDBCDCCBDBCABC";
    for (size_t i = 0; i < l.n; i++) {
        char want[2] = {keys[i], '\0'};
        assert_string_equal(l.items[i].answer, want);
    }
    ws_list_cleanup(&l);
}

/* ---- answers ---- */

static void test_content_worksheet_inline_answers(void **state)
{
    ws_list l = parse1("1. Pick one.\n"
                       "A. red\n"
                       "B. blue\n"
                       "Answer: B\n"
                       "Explanation: the sky is blue.\n"
                       "2. Pick again.  A. up  B. down  C. left\n"
                       "Correct answer: (c)\n"
                       "3. Name the capital of France.\n"
                       "Ans: Paris, on the Seine\n"
                       "4. Short answer with a blank.\n"
                       "Answer: ________\n"
                       "5. What is a word?\n"
                       "ANSWER - a car\n");
    assert_int_equal(l.n, 5);
    /* The explanation after the answer belongs to no option. */
    check_q(&l.items[0], 1, 1, "Pick one.", "B", "red", "blue", NULL);
    check_q(&l.items[1], 2, 1, "Pick again.", "C", "up", "down", "left", NULL);
    check_q(&l.items[2], 3, 1, "Name the capital of France.", "Paris, on the Seine", NULL);
    /* A blank to fill in is no answer; the stem keeps the question only. */
    check_q(&l.items[3], 4, 1, "Short answer with a blank.", "", NULL);
    check_q(&l.items[4], 5, 1, "What is a word?", "a car", NULL);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_short_answer_and_no_key(void **state)
{
    ws_list l = parse1("Vocabulary quiz\n"
                       "Question 1: Define photosynthesis.\n"
                       "\n"
                       "___________________________\n"
                       "Question 2. Explain why the sky is blue in\n"
                       "two sentences.\n"
                       "Question 3\n"
                       "What is 6 x 7?\n");
    assert_int_equal(l.n, 3);
    check_q(&l.items[0], 1, 1, "Define photosynthesis.", "", NULL);
    check_q(&l.items[1], 2, 1, "Explain why the sky is blue in two sentences.", "", NULL);
    check_q(&l.items[2], 3, 1, "What is 6 x 7?", "", NULL);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_backwards_key(void **state)
{
    ws_list l = parse3("1. First?\nA. a1  B. b1\n2. Second?\nA. a2  B. b2\n",
                       "3. Third, with a list:\n1. mix\n2. stir\nA. yes  B. no\n"
                       "4. Capital of Italy?\n",
                       "1. B\n2) a\n3 - A, 4. Rome\n");
    assert_int_equal(l.n, 4);
    check_q(&l.items[0], 1, 1, "First?", "B", "a1", "b1", NULL);
    check_q(&l.items[1], 2, 1, "Second?", "A", "a2", "b2", NULL);
    /* A numbered list inside a stem (numbers going back, no letter answers)
     * stays in the stem. */
    check_q(&l.items[2], 3, 2, "Third, with a list: 1. mix 2. stir", "A", "yes", "no", NULL);
    /* "4. Rome" shares a line with other entries: a text answer runs to
     * the next entry's number, here the end of the line. */
    check_q(&l.items[3], 4, 2, "Capital of Italy?", "Rome", NULL);
    ws_list_cleanup(&l);

    l = parse1("1. Capital of Italy?\n2. Capital of Spain?\nAnswers:\n1. Rome\n2. Madrid\n");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].answer, "Rome");
    assert_string_equal(l.items[1].answer, "Madrid");
    assert_string_equal(l.items[1].stem, "Capital of Spain?");
    ws_list_cleanup(&l);

    /* A key on the heading's line; entries for unknown numbers are dropped. */
    l = parse1("1. x?\nA. p  B. q\n3. y?\nA. r  B. s\nANSWER KEY: 1-b; 2-a; 3-A; 99-B\n");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].answer, "B");
    assert_string_equal(l.items[1].answer, "A");
    ws_list_cleanup(&l);
}

/* ---- odd input ---- */

/* A numbered list of instructions before the questions is preamble, not
 * questions, when the numbering starts again; a numbered list inside a
 * question is not mistaken for one. */
static void test_content_worksheet_numbered_instructions(void **state)
{
    ws_list l = parse1("Algebra Quiz\nInstructions\n1. Answer all questions.\n2. Show your work.\n\n"
                       "1. What is 2 + 3?\nA. 4\nB. 5\n2. What is 10 - 4?\nA. 5\nB. 6\n"
                       "Answer Key\n1. B\n2. B\n");
    assert_int_equal(l.n, 2);
    check_q(&l.items[0], 1, 1, "What is 2 + 3?", "B", "4", "5", NULL);
    check_q(&l.items[1], 2, 1, "What is 10 - 4?", "B", "5", "6", NULL);
    ws_list_cleanup(&l);

    /* Short-answer questions after the instructions. */
    l = parse1("1. Write in pen.\n2. No calculators\n1. Name a prime number?\n2. Define a factor?\n");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].stem, "Name a prime number?");
    assert_string_equal(l.items[1].stem, "Define a factor?");
    ws_list_cleanup(&l);

    /* A list inside a short-answer question stays in its stem. */
    l = parse1("1. Name three fruits?\n2. Put in order:\n1. wash\n2. cut\n3. What is a root?\n");
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].stem, "Name three fruits?");
    assert_string_equal(l.items[1].stem, "Put in order: 1. wash 2. cut");
    assert_string_equal(l.items[2].stem, "What is a root?");
    ws_list_cleanup(&l);
}

static void test_content_worksheet_empty_and_title_only(void **state)
{
    ws_list l = parse1("");
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    ws_list_cleanup(&l);

    l = parse1("Worksheet: Fractions\nName: ____\nPage 1 of 1\n");
    assert_int_equal(l.n, 0);
    ws_list_cleanup(&l);

    em_error err = {0};
    assert_int_equal(worksheet_parse(NULL, 0, &l, &err), EM_OK);
    assert_int_equal(l.n, 0);
    ws_list_cleanup(&l);
    ws_list_cleanup(NULL);

    chunk_page blank = {.number = 1, .text = NULL, .len = 0};
    assert_int_equal(worksheet_parse(&blank, 1, &l, &err), EM_OK);
    assert_int_equal(l.n, 0);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_markers_without_text(void **state)
{
    ws_list l = parse1("1.");
    assert_int_equal(l.n, 1);
    check_q(&l.items[0], 1, 1, "", "", NULL);
    ws_list_cleanup(&l);

    l = parse1("1.\nA.\nB)\n(c)\nAnswer:\n");
    assert_int_equal(l.n, 1);
    check_q(&l.items[0], 1, 1, "", "", "", "", "", NULL);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_huge_numbers(void **state)
{
    ws_list l = parse1("99999999999. not a question\n10000. nor this\n0. nor this\n"
                       "9999. the last number\n1.5 kg is not a question\n10:30 is a time\n");
    assert_int_equal(l.n, 1);
    check_q(&l.items[0], 9999, 1, "the last number 1.5 kg is not a question 10:30 is a time", "", NULL);
    ws_list_cleanup(&l);

    l = parse1("1. a?\n99999999999. C\n");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].stem, "a? 99999999999. C");
    ws_list_cleanup(&l);
}

static void test_content_worksheet_options_out_of_order(void **state)
{
    ws_list l = parse1("1. Pick.\nA. x   C. y\nB. z\nD. w\nE. v\n");
    assert_int_equal(l.n, 1);
    /* C is not next after A, so it stays in A's text; D is not next after B. */
    check_q(&l.items[0], 1, 1, "Pick.", "", "x C. y", "z D. w E. v", NULL);
    ws_list_cleanup(&l);

    /* At most eight options (A..H); "I." is text. */
    l = parse1("1. Many.\nA. 1  B. 2  C. 3  D. 4  E. 5  F. 6  G. 7  H. 8  I. 9\n");
    check_q(&l.items[0], 1, 1, "Many.", "", "1", "2", "3", "4", "5", "6", "7", "8 I. 9", NULL);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_invalid_utf8(void **state)
{
    const char text[] = "T\xff\xfe title\n"
                        "1. Caf\xc3\xa9 or caf\xe9?\xc0\xaf \xed\xa0\x80\n"
                        "A. \xf0\x9f\x98\x80 smile\n"
                        "B. nul\0byte \xe2\x82\n"
                        "Answer: \xff\xff\n";
    chunk_page page = {.number = 1, .text = text, .len = sizeof text - 1};
    ws_list l;
    em_error err = {0};
    assert_int_equal(worksheet_parse(&page, 1, &l, &err), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].stem, "Caf\xc3\xa9 or caf\xef\xbf\xbd?\xef\xbf\xbd\xef\xbf\xbd "
                                         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(l.items[0].options[0], "\xf0\x9f\x98\x80 smile");
    assert_string_equal(l.items[0].options[1], "nul byte \xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(l.items[0].answer, "\xef\xbf\xbd\xef\xbf\xbd");
    assert_utf8(l.items[0].stem);
    assert_utf8(l.items[0].options[1]);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_long_lines(void **state)
{
    size_t n = 200000;
    char *text = em_malloc(n + 64 + 60000);
    /* A long preamble line is dropped; a long stem within the limit is kept. */
    memset(text, 'x', n);
    size_t len = n;
    len += (size_t)snprintf(text + len, 64, "\n1. ");
    memset(text + len, 'y', 60000);
    len += 60000;
    text[len] = '\0';
    ws_list l = parse1(text);
    assert_int_equal(l.n, 1);
    assert_int_equal(strlen(l.items[0].stem), 60000);
    ws_list_cleanup(&l);

    /* A stem past 64 KiB is refused, and the list is left empty. */
    memcpy(text, "1. ", 3);
    memset(text + 3, 'y', n - 3);
    text[n] = '\0';
    chunk_page page = {.number = 1, .text = text, .len = n};
    em_error err = {0};
    assert_int_equal(worksheet_parse(&page, 1, &l, &err), EM_E_TOO_LARGE);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    assert_non_null(strstr(err.msg, "question 1"));
    free(text);

    /* A long answer keeps 63 bytes, cut at a character boundary. */
    char answer[400] = "1. q\nAnswer: ";
    len = strlen(answer);
    for (int i = 0; i < 100; i++) {
        memcpy(answer + len, "\xc3\xa9", 2); /* é */
        len += 2;
    }
    answer[len] = '\0';
    l = parse1(answer);
    assert_int_equal(strlen(l.items[0].answer), 62);
    assert_utf8(l.items[0].answer);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_page_numbers(void **state)
{
    ws_list l = parse3("1. One\nA. a\n3\n- 3 -\nPage 3\nB. b\n", "Page 2 of 9\n2 / 9\nC. c\n2. Two\n", NULL);
    assert_int_equal(l.n, 2);
    check_q(&l.items[0], 1, 1, "One", "", "a", "b", "c", NULL);
    check_q(&l.items[1], 2, 2, "Two", "", NULL);
    ws_list_cleanup(&l);
}

static void test_content_worksheet_many_questions(void **state)
{
    /* 9999 questions: the most a strictly increasing 1..9999 can give. */
    size_t cap = 9999 * 16;
    char *text = em_malloc(cap);
    size_t len = 0;
    for (int i = 1; i <= 9999; i++)
        len += (size_t)snprintf(text + len, cap - len, "%d. q%d\n", i, i);
    chunk_page page = {.number = 1, .text = text, .len = len};
    ws_list l;
    em_error err = {0};
    assert_int_equal(worksheet_parse(&page, 1, &l, &err), EM_OK);
    assert_int_equal(l.n, 9999);
    assert_string_equal(l.items[9998].stem, "q9999");
    ws_list_cleanup(&l);
    free(text);
}

/* ---- time ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse one page of text; the time it took. *rc and *n are the result. */
static double timed_parse(const char *text, size_t len, int *rc, size_t *n)
{
    chunk_page page = {.number = 1, .text = text, .len = len};
    ws_list l;
    em_error err = {0};
    double t0 = now_s();
    *rc = worksheet_parse(&page, 1, &l, &err);
    double t = now_s() - t0;
    *n = l.n;
    ws_list_cleanup(&l);
    return t;
}

/* 9,999 plain numbered items, the last with an option and an answer, then
 * a million lines "1. x": each such line asked whether all the items read
 * so far were instructions (the numbering starting again), and each
 * answer took the whole list: 10^10 steps. */
static void test_content_worksheet_restarted_numbering(void **state)
{
    (void)state;
    buf b;
    buf_init(&b, 16u << 20);
    for (int i = 1; i < 9999; i++)
        buf_printf(&b, "%d. Item %d\n", i, i);
    buf_append_str(&b, "9999. Which?\nA. this\nB. that\nAnswer: A\n");
    for (int i = 0; i < 1000000; i++)
        buf_append_str(&b, "1. x\n");
    int rc;
    size_t n;
    double t = timed_parse(b.data, b.len, &rc, &n);
    print_message("a million restarts after 9,999 items: %.2f s\n", t);
    assert_int_equal(rc, EM_OK);
    assert_int_equal(n, 9999);
    assert_true(t < 5);
    buf_cleanup(&b);
}

/* Hostile shapes, each linear: a 24 MB preamble line; a 24 MB line of
 * options, and 12 million short lines, after an answer (read and dropped);
 * numbering a million levels deep; 24 MB of answer-key entries; two million
 * lines each starting the questions again. */
static void test_content_worksheet_hostile_shapes(void **state)
{
    (void)state;
    size_t len = 24u << 20;
    char *text = em_malloc(len + 1);
    struct {
        const char *what, *head, *unit;
    } shapes[] = {{"a 24 MB preamble line", "", "Name: ____ "},
                  {"a 24 MB line after an answer", "1. Q\nAnswer: A\n", "A. a  B. b  "},
                  {"12 million short lines after an answer", "1. Q\nAnswer: A\n", "a\n"},
                  {"numbering a million levels deep", "", "1.1."},
                  {"an answer key of 24 MB", "1. Q\n2. R\nAnswer Key\n", "1. A 2. B "},
                  {"two million restarts", "", "Question 1:\n"}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        size_t h = strlen(shapes[k].head), u = strlen(shapes[k].unit);
        memcpy(text, shapes[k].head, h);
        for (size_t i = h; i < len; i++)
            text[i] = shapes[k].unit[(i - h) % u];
        text[len] = '\0';
        int rc;
        size_t n;
        double t = timed_parse(text, len, &rc, &n);
        print_message("%s: %.2f s, rc %d, %zu questions\n", shapes[k].what, t, rc, n);
        assert_true(rc == EM_OK || rc == EM_E_TOO_LARGE);
        assert_true(t < 20);
    }
    free(text);
}

/* Past the deadline, EM_E_TIMEOUT and an empty list. */
static void test_content_worksheet_deadline(void **state)
{
    (void)state;
    const char *text = "1. What is 2 + 2?\nA. 3\nB. 4\nAnswer: B\n";
    chunk_page page = {.number = 1, .text = text, .len = strlen(text)};
    ws_list l;
    em_error err = {0};
    deadline past = deadline_at(clock_mono_us() - 1);
    assert_int_equal(worksheet_parse_until(&page, 1, &past, &l, &err), EM_E_TIMEOUT);
    assert_string_equal(err.reason, DEADLINE_REASON);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    deadline later = deadline_in_ms(60000);
    assert_int_equal(worksheet_parse_until(&page, 1, &later, &l, &err), EM_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].answer, "B");
    ws_list_cleanup(&l);
}

/* Options on one line are split on their markers in sequence, however
 * many spaces are between; letters in prose without that evidence stay. */
static void test_content_worksheet_marker_sequence(void **state)
{
    (void)state;
    ws_list l = parse1("1. When did Henry VII become king?\nA) 1485 B) 1509 C) 1547 D) 1558\n"
                       "2. Which is heavier?\n(a) 3.5 kg (b) 3 kg\n(c) 4 kg (d) 2 kg\n"
                       "3. Tom has a) 3 apples b) 4 pears. How many fruits?\nA. 7 B. 1\n"
                       "4. Vitamins? A) vitamin B. C B) iron\n");
    assert_int_equal(l.n, 4);
    check_q(&l.items[0], 1, 1, "When did Henry VII become king?", "", "1485", "1509", "1547", "1558", NULL);
    check_q(&l.items[1], 2, 1, "Which is heavier?", "", "3.5 kg", "3 kg", "4 kg", "2 kg", NULL);
    check_q(&l.items[2], 3, 1, "Tom has a) 3 apples b) 4 pears. How many fruits?", "", "7", "1", NULL);
    /* "B." is written unlike "A)": text of A. */
    check_q(&l.items[3], 4, 1, "Vitamins?", "", "vitamin B. C", "iron", NULL);
    ws_list_cleanup(&l);
}

/* Numbering is a sequence: a number far ahead is text, one skipped
 * question is allowed, and a bad guess does not swallow what follows. */
static void test_content_worksheet_number_sequence(void **state)
{
    (void)state;
    ws_list l = parse1("1. A sodium atom has a mass number of\n23. How many neutrons?\nA) 11 B) 12\n"
                       "2. Next?\nA) x B) y\n4. Skipped one?\nA) p B) q\n5. Last?\nAnswers\n1. B 2. A 4. B\n");
    assert_int_equal(l.n, 4);
    check_q(&l.items[0], 1, 1, "A sodium atom has a mass number of 23. How many neutrons?", "B", "11", "12", NULL);
    check_q(&l.items[1], 2, 1, "Next?", "A", "x", "y", NULL);
    check_q(&l.items[2], 4, 1, "Skipped one?", "B", "p", "q", NULL);
    check_q(&l.items[3], 5, 1, "Last?", "", NULL);
    ws_list_cleanup(&l);
}

/* A key as a table's cells, row-wise or column-wise, with a header row,
 * "|" rows, several pairs a row and text answers. */
static void test_content_worksheet_table_keys(void **state)
{
    (void)state;
    const char *qs = "1. a?\nA. x B. y\n2. b?\nA. x B. y\n3. c?\n4. d?\nA. x B. y\n";
    ws_list l = parse3(qs, "Answer Key\nQuestion\nAnswer\n1\n(b)\n2\nA\n3\nParis\n", "4\nb\n");
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].answer, "B");
    assert_string_equal(l.items[1].answer, "A");
    assert_string_equal(l.items[2].answer, "Paris");
    assert_string_equal(l.items[3].answer, "B");
    ws_list_cleanup(&l);
    l = parse3(qs, "Answers\n1\n2\n3\n4\nB\nA\nRome\nA\n", NULL);
    assert_string_equal(l.items[0].answer, "B");
    assert_string_equal(l.items[2].answer, "Rome");
    assert_string_equal(l.items[3].answer, "A");
    ws_list_cleanup(&l);
    l = parse3(qs, "Answer Key\n| Question | Answer |\n|---|---|\n| 1 | b |\n| 2 | a |\n| 3 | Oslo |\n",
               "Answers\nQ Ans Q Ans\n1 B 4 A\n");
    assert_string_equal(l.items[0].answer, "B");
    assert_string_equal(l.items[1].answer, "A");
    assert_string_equal(l.items[2].answer, "Oslo");
    assert_string_equal(l.items[3].answer, "A");
    ws_list_cleanup(&l);
    l = parse1("1. a?\n2. b?\n3. c?\n4. d?\nAnswers: 1. C8  2. ValueError  3. d  4. the prime meridian\n");
    assert_string_equal(l.items[0].answer, "C8");
    assert_string_equal(l.items[1].answer, "ValueError");
    assert_string_equal(l.items[2].answer, "D");
    assert_string_equal(l.items[3].answer, "the prime meridian");
    ws_list_cleanup(&l);
}

/* Text pages (form feeds): a header repeated atop each page and "Name:
 * ____" are furniture, not option text; "Question 2" atop its page is not. */
static void test_content_worksheet_text_page_headers(void **state)
{
    (void)state;
    ws_list l = parse3("Science Quiz    Class 9B\nName: ________\n1. Largest ocean?\nA) Atlantic\nB) Indian\n",
                       "Science Quiz    Class 9B\nName: ________\nC) Pacific\n2. Next?\nA) x B) y\n", NULL);
    assert_int_equal(l.n, 2);
    check_q(&l.items[0], 1, 1, "Largest ocean?", "", "Atlantic", "Indian", "Pacific", NULL);
    check_q(&l.items[1], 2, 2, "Next?", "", "x", "y", NULL);
    ws_list_cleanup(&l);
    l = parse3("Question 1\nLargest ocean?\nA. True\nB. False\n", "Question 2\nSmallest?\nA. True\nB. False\n",
               NULL);
    assert_int_equal(l.n, 2);
    check_q(&l.items[0], 1, 1, "Largest ocean?", "", "True", "False", NULL);
    check_q(&l.items[1], 2, 2, "Smallest?", "", "True", "False", NULL);
    ws_list_cleanup(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_worksheet_realistic),
        cmocka_unit_test(test_content_worksheet_inline_answers),
        cmocka_unit_test(test_content_worksheet_short_answer_and_no_key),
        cmocka_unit_test(test_content_worksheet_backwards_key),
        cmocka_unit_test(test_content_worksheet_numbered_instructions),
        cmocka_unit_test(test_content_worksheet_empty_and_title_only),
        cmocka_unit_test(test_content_worksheet_markers_without_text),
        cmocka_unit_test(test_content_worksheet_huge_numbers),
        cmocka_unit_test(test_content_worksheet_options_out_of_order),
        cmocka_unit_test(test_content_worksheet_invalid_utf8),
        cmocka_unit_test(test_content_worksheet_long_lines),
        cmocka_unit_test(test_content_worksheet_restarted_numbering),
        cmocka_unit_test(test_content_worksheet_hostile_shapes),
        cmocka_unit_test(test_content_worksheet_deadline),
        cmocka_unit_test(test_content_worksheet_page_numbers),
        cmocka_unit_test(test_content_worksheet_many_questions),
        cmocka_unit_test(test_content_worksheet_marker_sequence),
        cmocka_unit_test(test_content_worksheet_number_sequence),
        cmocka_unit_test(test_content_worksheet_table_keys),
        cmocka_unit_test(test_content_worksheet_text_page_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
