/* libFuzzer target: the .env parser (config_parse_dotenv) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/config.h"

static void count_entry(void *ctx, const char *name, const char *value)
{
    size_t *n = ctx;
    *n += strlen(name) + strlen(value); /* touch both strings */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    em_error err = {0};
    config_parse_dotenv((const char *)data, size, "fuzz", count_entry, &n, &err);
    return 0;
}
