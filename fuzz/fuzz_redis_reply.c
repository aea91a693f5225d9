/* libFuzzer target: redis_parse_reply on arbitrary bytes (what a Redis
 * server, or whatever answers on its port, may send). Besides the
 * sanitizers' findings, a broken invariant aborts: a parsed reply used some
 * bytes but no more than given, and its strings hold their stated lengths; a
 * refusal used none.
 *
 * Run: ./fuzz_redis_reply -max_total_time=60 fuzz/corpus/redis_reply */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/redis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const redis_reply *r, int depth)
{
    if (depth > REDIS_DEPTH_MAX + 1)
        abort();
    if ((r->type == REDIS_STATUS || r->type == REDIS_ERROR || r->type == REDIS_STRING) &&
        (r->str == NULL || r->str[r->len] != '\0'))
        abort();
    if (r->type == REDIS_ARRAY && r->n > REDIS_ELEMS_MAX)
        abort();
    for (size_t i = 0; i < r->n; i++)
        check(&r->elems[i], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redis_reply r;
    size_t used = 7;
    em_error err = {0};
    int rc = redis_parse_reply((const char *)data, size, &used, &r, &err);
    if (rc == EM_OK) {
        if (used == 0 || used > size)
            abort();
        check(&r, 0);
        redis_reply_cleanup(&r);
    } else if (used != 0 || (rc != REDIS_INCOMPLETE && rc != EM_E_PARSE)) {
        abort();
    }
    return 0;
}
