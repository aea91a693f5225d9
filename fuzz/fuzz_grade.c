/* libFuzzer target: grading an answer against a key, both arbitrary bytes,
 * through grade_answer and grade_normalize.
 *
 * Layout: byte 0 picks the kind (choice, true/false, short answer); the rest
 * is cut at 0xff bytes (never part of UTF-8) into the key, the given answer,
 * then the options (choice) or other accepted answers (short). Besides the
 * sanitizers' findings, a broken promise aborts: only EM_OK, EM_E_INVAL or
 * EM_E_TOO_LARGE; an answer over GRADE_ANSWER_MAX refused; the option chosen
 * within the options; feedback terminated and non-empty; the normalised form
 * terminated within its buffer.
 *
 * Run: ./fuzz_grade -max_total_time=60 fuzz/corpus/grade */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "learn/grade.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 14)
        return 0;
    grade_kind kind = (grade_kind)(data[0] % 3);
    char *copy = malloc(size);
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    char *parts[MAX_PARTS];
    size_t lens[MAX_PARTS], n = 0;
    char *start = copy;
    for (size_t i = 0; i + 1 < size && n < MAX_PARTS; i++) {
        if ((unsigned char)copy[i] == 0xff) {
            copy[i] = '\0';
            parts[n] = start;
            lens[n++] = (size_t)(copy + i - start);
            start = copy + i + 1;
        }
    }
    if (n < MAX_PARTS) {
        parts[n] = start;
        lens[n++] = strlen(start);
    }
    if (n < 2) {
        free(copy);
        return 0;
    }
    /* keys and options are NUL-terminated: a NUL inside cuts them */
    const char *extra[MAX_PARTS];
    size_t n_extra = 0;
    for (size_t i = 2; i < n; i++)
        extra[n_extra++] = parts[i];
    grade_key k = {.kind = kind, .answer = parts[0]};
    if (kind == GRADE_CHOICE) {
        k.options = extra;
        k.n_options = n_extra;
    } else if (kind == GRADE_SHORT) {
        k.also_accepted = extra;
        k.n_also = n_extra;
    }
    grade_result r;
    em_error err = {0};
    int rc = grade_answer(&k, parts[1], lens[1], &r, &err);
    if (rc != EM_OK && rc != EM_E_INVAL && rc != EM_E_TOO_LARGE)
        abort();
    if (lens[1] > GRADE_ANSWER_MAX && rc == EM_OK)
        abort();
    if (rc == EM_OK) {
        if (memchr(r.feedback, '\0', sizeof r.feedback) == NULL || r.feedback[0] == '\0')
            abort();
        if (kind == GRADE_CHOICE && (r.option < -1 || r.option >= (int)k.n_options))
            abort();
        if (kind == GRADE_CHOICE && r.correct && r.option < 0)
            abort();
    }
    char norm[64];
    size_t m = grade_normalize(parts[1], lens[1], norm, sizeof norm);
    if (m >= sizeof norm || norm[m] != '\0')
        abort();
    free(copy);
    return 0;
}
