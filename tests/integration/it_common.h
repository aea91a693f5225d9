/* Shared bits of the integration tests: run each case on SQLite and PostgreSQL. */
#ifndef EM_TESTS_IT_COMMON_H
#define EM_TESTS_IT_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static bool it_on_sqlite = false;
static bool it_on_pg = true;

/* Both variants of one case: name.sqlite and name.postgresql. */
#define IT_BOTH(fn)                                     \
    {#fn ".sqlite", fn, NULL, NULL, &it_on_sqlite},     \
    {#fn ".postgresql", fn, NULL, NULL, &it_on_pg}

#define IT_PG(state) (*(bool *)*(state))

/* Parse a response body as JSON (fails the test when it is not). */
static inline json_t *it_json(const it_response *r)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, r->body);
    return j;
}

#endif
