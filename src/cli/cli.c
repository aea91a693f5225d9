#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 1 || n > max)
        return -1;
    return n;
}
