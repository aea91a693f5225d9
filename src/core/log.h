/* log: structured JSON logs, one object per line on stdout.
 *
 * Each line holds "ts" (ISO-8601 UTC), "level", "msg" and any extra fields the
 * caller gives. A line is written with a single write(2), so lines from several
 * threads never interleave. The level is set once at start (LOG_LEVEL) and read
 * without locking afterwards. */
#ifndef EM_CORE_LOG_H
#define EM_CORE_LOG_H

#include <jansson.h>
#include <stdbool.h>

typedef enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

/* Parse "debug", "info", "warning"/"warn", "error" (any case); 0 or EM_E_INVAL. */
int log_level_parse(const char *s, log_level *out /* OUT */);
const char *log_level_name(log_level level);

/* Set the threshold and the file descriptor lines go to (default stdout, 1). */
void log_configure(log_level threshold, int fd);
bool log_enabled(log_level level);

/* Emit msg with the fields of `fields` (a JSON object, may be NULL; the reference
 * is stolen). Does nothing below the threshold. */
void log_emit(log_level level, const char *msg, json_t *fields);
/* Write a line the caller already formatted as one JSON object (no newline; it
 * is added), in one write(2), when `level` is enabled. For hot paths such as the
 * access log, which format their fixed fields without building JSON objects. */
void log_write_line(log_level level, const char *line, size_t len);
/* printf-style message, no extra fields. */
void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
