#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>

#include "core/err.h"
#include "core/num.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "exammentor %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'exammentor %s --help' for usage.\n", cmd);
    return CLI_USAGE;
}

int cli_no_options(int argc, char **argv, const char *usage, int *done)
{
    *done = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            *done = 1;
            return CLI_OK;
        }
        if (argv[i][0] == '-')
            return cli_usage_error(argv[0], "unknown option '%s'", argv[i]);
        return cli_usage_error(argv[0], "unexpected argument '%s'", argv[i]);
    }
    return CLI_OK;
}

long cli_parse_count(const char *s, long max)
{
    int64_t n = 0;
    if (max < 1 || num_parse_int64(s, strlen(s), NUM_UNSIGNED, 1, max, &n) != EM_OK)
        return -1;
    return (long)n;
}
