/* jsonw: see jsonw.h. */
#include "core/jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utf8.h"

size_t json_utf8_sanitize(char *dst, size_t cap, const char *s, size_t n)
{
    assert(cap > 0);
    size_t o = 0, i = 0;
    while (i < n) {
        size_t len = utf8_decode(s + i, n - i, NULL);
        const char *src = s + i;
        size_t out_len = len;
        if (len == 0 || s[i] == '\0') {
            src = UTF8_REPLACEMENT_STR;
            out_len = sizeof UTF8_REPLACEMENT_STR - 1;
            len = 1;
        }
        if (cap - 1 - o < out_len)
            break;
        memcpy(dst + o, src, out_len);
        o += out_len;
        i += len;
    }
    dst[o] = '\0';
    return o;
}

/* True for bytes copied as they are inside a JSON string. */
static inline bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

size_t json_escape(char *dst, size_t cap, const char *s, size_t n, size_t *consumed)
{
    static const char hex[] = "0123456789abcdef";
    assert(cap > 0);
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        /* Runs of plain ASCII, the common case, are copied in one go. */
        size_t run = i;
        while (run < n && plain_byte(u[run]))
            run++;
        if (run > i) {
            size_t take = run - i;
            if (take > cap - 1 - o)
                take = cap - 1 - o;
            memcpy(dst + o, s + i, take);
            o += take;
            i += take;
            if (i < run)
                break; /* dst is full */
            continue;
        }
        char esc[8];
        const char *src;
        size_t out_len;
        size_t len = utf8_decode(s + i, n - i, NULL);
        if (len == 0) {
            src = UTF8_REPLACEMENT_STR;
            out_len = sizeof UTF8_REPLACEMENT_STR - 1;
            len = 1;
        } else if (len == 1) { /* a quote, a backslash or a control character */
            esc[0] = '\\';
            out_len = 2;
            switch (u[i]) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[u[i] >> 4];
                esc[5] = hex[u[i] & 15];
                out_len = 6;
                break;
            }
            src = esc;
        } else {
            src = s + i;
            out_len = len;
        }
        if (cap - 1 - o < out_len)
            break;
        memcpy(dst + o, src, out_len);
        o += out_len;
        i += len;
    }
    dst[o] = '\0';
    if (consumed != NULL)
        *consumed = i;
    return o;
}

/* ---- streaming writer ---- */

void jsonw_init(jsonw *w, buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->first[0] = true;
}

static void put(jsonw *w, const char *s, size_t n)
{
    if (w->rc == EM_OK)
        w->rc = buf_append(w->out, s, n);
}

/* Before any value: the comma between members, and a check that a key was
 * given inside an object (and that the top level holds one value). */
static bool value_start(jsonw *w)
{
    if (w->rc != EM_OK)
        return false;
    if (w->in_object[w->depth]) {
        if (!w->key_done) {
            w->rc = EM_E_INVAL;
            return false;
        }
        w->key_done = false;
        return true;
    }
    if (w->depth == 0 && !w->first[0]) {
        w->rc = EM_E_INVAL; /* a second top-level value */
        return false;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = false;
    return w->rc == EM_OK;
}

static void put_string(jsonw *w, const char *s, size_t n)
{
    char chunk[512];
    size_t done = 0;
    put(w, "\"", 1);
    while (done < n && plain_byte((unsigned char)s[done]))
        done++;
    put(w, s, done); /* the plain prefix (often all of it) needs no escaping */
    while (done < n && w->rc == EM_OK) {
        size_t used = 0;
        size_t len = json_escape(chunk, sizeof chunk, s + done, n - done, &used);
        put(w, chunk, len);
        done += used;
    }
    put(w, "\"", 1);
}

static void open_level(jsonw *w, bool object)
{
    if (!value_start(w))
        return;
    if (w->depth + 1 >= JSONW_MAX_DEPTH) {
        w->rc = EM_E_INVAL;
        return;
    }
    put(w, object ? "{" : "[", 1);
    w->depth++;
    w->first[w->depth] = true;
    w->in_object[w->depth] = object;
    w->key_done = false;
}

static void close_level(jsonw *w, bool object)
{
    if (w->rc != EM_OK)
        return;
    if (w->depth == 0 || w->in_object[w->depth] != object || w->key_done) {
        w->rc = EM_E_INVAL;
        return;
    }
    w->depth--;
    put(w, object ? "}" : "]", 1);
}

void jsonw_object_begin(jsonw *w)
{
    open_level(w, true);
}

void jsonw_object_end(jsonw *w)
{
    close_level(w, true);
}

void jsonw_array_begin(jsonw *w)
{
    open_level(w, false);
}

void jsonw_array_end(jsonw *w)
{
    close_level(w, false);
}

void jsonw_key(jsonw *w, const char *key)
{
    if (w->rc != EM_OK)
        return;
    if (!w->in_object[w->depth] || w->key_done) {
        w->rc = EM_E_INVAL;
        return;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = false;
    put_string(w, key, strlen(key));
    put(w, ":", 1);
    w->key_done = true;
}

void jsonw_string(jsonw *w, const char *s)
{
    if (s == NULL) {
        jsonw_null(w);
        return;
    }
    if (value_start(w))
        put_string(w, s, strlen(s));
}

void jsonw_string_n(jsonw *w, const char *s, size_t n)
{
    if (s == NULL) {
        jsonw_null(w);
        return;
    }
    if (value_start(w))
        put_string(w, s, n);
}

void jsonw_int(jsonw *w, int64_t v)
{
    if (!value_start(w))
        return;
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", (long long)v);
    put(w, num, (size_t)n);
}

/* Exact short decimals (mastery 0.25, scores 87.5) without printf: when
 * v == m / 10^k for an integer m < 2^53 and k <= 6, the text "m with a point k
 * digits from the right" reads back as v, because both strtod and the division
 * round the same exact rational to the nearest double. Returns 0 when v is not
 * such a number. */
static int short_decimal(double v, char out[32])
{
    static const double pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    double a = v < 0 ? -v : v;
    if (a >= 1e9)
        return 0;
    for (int k = 0; k <= 6; k++) {
        double scaled = a * pow10[k];
        double m = (double)(int64_t)(scaled + 0.5);
        if (m / pow10[k] != a)
            continue;
        char digits[24];
        int nd = snprintf(digits, sizeof digits, "%lld", (long long)m);
        int o = 0;
        if (v < 0)
            out[o++] = '-';
        int whole = nd - k; /* digits before the point */
        if (whole <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int z = 0; z < -whole; z++)
                out[o++] = '0';
            memcpy(out + o, digits, (size_t)nd);
            o += nd;
        } else {
            memcpy(out + o, digits, (size_t)whole);
            o += whole;
            out[o++] = '.';
            if (k == 0) {
                out[o++] = '0';
            } else {
                memcpy(out + o, digits + whole, (size_t)k);
                o += k;
            }
        }
        out[o] = '\0';
        return o;
    }
    return 0;
}

void jsonw_double(jsonw *w, double v)
{
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    if (!value_start(w))
        return;
    char num[32];
    int n = short_decimal(v, num);
    if (n > 0) {
        put(w, num, (size_t)n);
        return;
    }
    /* The shortest of %.15g, %.16g, %.17g that reads back exactly: 0.1 stays
     * "0.1" instead of jansson's "0.10000000000000001". */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(num, sizeof num, "%.*g", prec, v);
        if (strtod(num, NULL) == v)
            break;
    }
    /* keep it a JSON number that reads back as a real, as jansson does */
    if (strspn(num, "-0123456789") == (size_t)n && n + 2 < (int)sizeof num) {
        memcpy(num + n, ".0", 3);
        n += 2;
    }
    put(w, num, (size_t)n);
}

void jsonw_bool(jsonw *w, bool v)
{
    if (value_start(w))
        put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(jsonw *w)
{
    if (value_start(w))
        put(w, "null", 4);
}

void jsonw_raw(jsonw *w, const char *json)
{
    if (json == NULL) {
        jsonw_null(w);
        return;
    }
    if (value_start(w))
        put(w, json, strlen(json));
}

void jsonw_value(jsonw *w, const json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;
    if (w->rc != EM_OK)
        return; /* stop at the first error (nesting too deep) */
    if (v == NULL) {
        jsonw_null(w);
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        jsonw_object_begin(w);
        json_object_foreach((json_t *)v, key, member) {
            jsonw_key(w, key);
            jsonw_value(w, member);
        }
        jsonw_object_end(w);
        break;
    case JSON_ARRAY:
        jsonw_array_begin(w);
        json_array_foreach(v, i, member)
            jsonw_value(w, member);
        jsonw_array_end(w);
        break;
    case JSON_STRING:
        /* Strings may hold NUL: jsonw_string stops at it, so escape by length. */
        jsonw_string_n(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        jsonw_int(w, json_integer_value(v));
        break;
    case JSON_REAL:
        jsonw_double(w, json_real_value(v));
        break;
    case JSON_TRUE:
        jsonw_bool(w, true);
        break;
    case JSON_FALSE:
        jsonw_bool(w, false);
        break;
    default: /* JSON_NULL, or no value */
        jsonw_null(w);
        break;
    }
}

int jsonw_finish(const jsonw *w)
{
    if (w->rc != EM_OK)
        return w->rc;
    if (w->depth != 0 || w->first[0] || w->key_done)
        return EM_E_INVAL;
    return EM_OK;
}
