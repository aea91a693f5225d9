#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ascii.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "core/mem.h"

/* Configuration read once at start, then only read (STYLE rule 15 allows it). */
static log_level g_threshold = LOG_INFO;
static int g_fd = 1;

int log_level_parse(const char *s, log_level *out)
{
    static const struct { const char *name; log_level level; } names[] = {
        {"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warning", LOG_WARN},
        {"warn", LOG_WARN},   {"error", LOG_ERROR}, {"critical", LOG_ERROR},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (ascii_casecmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return EM_OK;
        }
    }
    return EM_E_INVAL;
}

const char *log_level_name(log_level level)
{
    switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_WARN: return "warning";
    default: return "error";
    }
}

void log_configure(log_level threshold, int fd)
{
    g_threshold = threshold;
    g_fd = fd;
}

bool log_enabled(log_level level)
{
    return level >= g_threshold;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return; /* nowhere left to report a logging failure */
        p += w;
        n -= (size_t)w;
    }
}

/* The longest line log_emit writes; a longer one is dropped. */
#define LOG_LINE_MAX (1024 * 1024)

void log_emit(log_level level, const char *msg, json_t *fields)
{
    if (!log_enabled(level)) {
        json_decref(fields);
        return;
    }
    char ts[32];
    clock_iso8601(clock_now_ms(), ts);
    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(log_level_name(level)));
    json_object_set_new(line, "msg", json_string(msg));
    if (fields != NULL) {
        json_object_update(line, fields);
        json_decref(fields);
    }
    /* jsonw, not json_dumps: numbers in their shortest exact form. */
    buf out;
    buf_init(&out, LOG_LINE_MAX);
    jsonw w;
    jsonw_init(&w, &out);
    jsonw_value(&w, line);
    json_decref(line);
    if (jsonw_finish(&w) == EM_OK && buf_append(&out, "\n", 1) == EM_OK)
        write_all(g_fd, out.data, out.len);
    buf_cleanup(&out);
}

void log_write_line(log_level level, const char *line, size_t len)
{
    if (!log_enabled(level))
        return;
    char stack[2048];
    if (len < sizeof stack) {
        memcpy(stack, line, len);
        stack[len] = '\n';
        write_all(g_fd, stack, len + 1);
        return;
    }
    char *copy = em_malloc(len + 1);
    memcpy(copy, line, len);
    copy[len] = '\n';
    write_all(g_fd, copy, len + 1);
    free(copy);
}

void log_msg(log_level level, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_emit(level, msg, NULL);
}
