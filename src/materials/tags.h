/* tags: curriculum tags, "math.algebra.linear-equations": lowercase dotted
 * segments of letters, digits, '-' and '_'. One validator for uploads, the
 * question bank's PATCH and its ?tag= filter. */
#ifndef EM_MATERIALS_TAGS_H
#define EM_MATERIALS_TAGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define TAG_MAX_LEN 100
#define TAGS_MAX 20

/* True for a well-formed tag (already lowercase). */
bool tag_valid(const char *tag);

/* Tags from "a.b, c" (comma-separated text) or a JSON array of strings (exactly
 * one of text/array non-NULL). Lowercased, trimmed, deduplicated, in order.
 * *json_out is an owned JSON array text. EM_E_INVAL naming the bad tag. */
int tags_parse(const char *text, const json_t *array, char **json_out /* OUT */, em_error *err);

/* The half-open range [lo, hi) of the tags below `prefix`, its children: lo
 * is the prefix followed by '.', hi the prefix followed by '/' (the byte
 * after '.'). A tag is under the prefix when it equals the prefix or lies in
 * [lo, hi) ("math.algebra" covers "math.algebra" and "math.algebra.x", not
 * "math.algebraic"). The prefix is matched on its own: a range starting at it
 * would take siblings such as "math.algebra-2" ('-' sorts before '.'). */
void tags_child_range(const char *prefix, char *lo, char *hi, size_t cap);

#endif
