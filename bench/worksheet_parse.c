/* bench/worksheet_parse.c: worksheet_parse on a generated worksheet of N
 * questions as teachers write them (a wrapped line that starts with a
 * number in every question, four options on one line, an answer key laid
 * out as a table of one cell per line), parsed ITERS times; prints what was
 * found and the mean time of one parse. Built and run by bench/worksheet.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "content/worksheet.h"
#include "core/buf.h"
int main(int argc, char **argv)
{
    int nq = argc > 1 ? atoi(argv[1]) : 200;
    buf b;
    buf_init(&b, 64 << 20);
    char line[512];
    for (int i = 1; i <= nq; i++) {
        int n = snprintf(line, sizeof line,
                         "%d. Which of these numbers is the answer to question number %d, which wraps onto\n"
                         "%d. a second line here?\nA) %d apples B) %d pears C) %d plums D) none of these\n",
                         i, i, i + 40, i, i + 1, i + 2);
        buf_append(&b, line, (size_t)n);
    }
    buf_append(&b, "Answer Key\nQuestion\nAnswer\n", 27);
    for (int i = 1; i <= nq; i++) {
        int n = snprintf(line, sizeof line, "%d\n%c\n", i, 'A' + i % 4);
        buf_append(&b, line, (size_t)n);
    }
    chunk_page pages[1] = {{.number = 1, .text = b.data, .len = b.len}};
    int iters = argc > 2 ? atoi(argv[2]) : 2000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t found = 0, keys = 0;
    for (int k = 0; k < iters; k++) {
        ws_list l;
        em_error err = {0};
        if (worksheet_parse(pages, 1, &l, &err) != 0)
            return 1;
        found = l.n;
        keys = 0;
        for (size_t i = 0; i < l.n; i++)
            keys += l.items[i].answer[0] != 0 && l.items[i].n_options == 4;
        ws_list_cleanup(&l);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / iters;
    printf("%d questions, %zu bytes: %zu found, %zu with 4 options and a key; %.1f us a parse\n", nq, b.len,
           found, keys, us);
    return 0;
}
