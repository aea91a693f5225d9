#include "materials/tags.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/mem.h"

bool tag_valid(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > TAG_MAX_LEN)
        return false;
    bool segment_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = tag[i];
        if (c == '.') {
            if (segment_start)
                return false; /* empty segment */
            segment_start = true;
            continue;
        }
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!word && !(c == '-' || c == '_'))
            return false;
        if (segment_start && !word)
            return false; /* a segment starts with a letter or digit */
        segment_start = false;
    }
    return !segment_start;
}

/* Add one tag (trimmed, lowercased) unless already there. */
static int add_tag(json_t *out, const char *s, size_t n, em_error *err)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return EM_OK;
    if (n > TAG_MAX_LEN)
        return em_error_set(err, EM_E_INVAL, "a tag is longer than %d characters", TAG_MAX_LEN);
    char tag[TAG_MAX_LEN + 1];
    ascii_lower_copy(tag, s, n);
    tag[n] = '\0';
    if (!tag_valid(tag))
        return em_error_set(err, EM_E_INVAL,
                            "tag \"%.100s\" is not a curriculum tag (dotted lowercase words, e.g. "
                            "math.algebra.linear-equations)",
                            tag);
    size_t i;
    json_t *v;
    json_array_foreach(out, i, v) {
        if (strcmp(json_string_value(v), tag) == 0)
            return EM_OK;
    }
    if (json_array_size(out) >= TAGS_MAX)
        return em_error_set(err, EM_E_INVAL, "at most %d tags", TAGS_MAX);
    json_array_append_new(out, json_string(tag));
    return EM_OK;
}

int tags_parse(const char *text, const json_t *array, char **json_out, em_error *err)
{
    *json_out = NULL;
    json_t *out = json_array();
    int rc = EM_OK;
    if (text != NULL) {
        const char *p = text;
        while (rc == EM_OK) {
            const char *comma = strchr(p, ',');
            size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
            rc = add_tag(out, p, n, err);
            if (comma == NULL)
                break;
            p = comma + 1;
        }
    } else if (array != NULL) {
        if (!json_is_array(array))
            rc = em_error_set(err, EM_E_INVAL, "tags must be an array of strings");
        size_t i;
        json_t *v;
        json_array_foreach(array, i, v) {
            if (rc != EM_OK)
                break;
            if (!json_is_string(v))
                rc = em_error_set(err, EM_E_INVAL, "tags must be an array of strings");
            else
                rc = add_tag(out, json_string_value(v), json_string_length(v), err);
        }
    }
    if (rc == EM_OK) {
        char *text_out = json_dumps(out, JSON_COMPACT);
        *json_out = em_strdup(text_out != NULL ? text_out : "[]");
        free(text_out);
    }
    json_decref(out);
    return rc;
}

void tags_child_range(const char *prefix, char *lo, char *hi, size_t cap)
{
    snprintf(lo, cap, "%s.", prefix);
    snprintf(hi, cap, "%s/", prefix);
}
