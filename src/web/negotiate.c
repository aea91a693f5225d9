/* negotiate: Accept-Encoding and If-None-Match. */
#include "web/negotiate.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A qvalue: "0", "0.ddd", "1", "1.000" (up to three decimals). Sets *pos
 * (weight above zero); false when malformed. */
static bool qvalue(const char *p, size_t n, bool *pos)
{
    if (n == 0 || (p[0] != '0' && p[0] != '1'))
        return false;
    bool nonzero = p[0] == '1';
    if (n > 1) {
        if (p[1] != '.' || n > 5)
            return false;
        for (size_t i = 2; i < n; i++) {
            if (p[i] < '0' || p[i] > '9')
                return false;
            if (p[0] == '1' && p[i] != '0')
                return false;
            nonzero = nonzero || p[i] != '0';
        }
    }
    *pos = nonzero;
    return true;
}

/* One element "coding *( OWS ';' OWS param )" of [p, p+n): its coding and
 * whether its weight is above zero; false when malformed. */
static bool element(const char *p, size_t n, const char **coding, size_t *coding_len, bool *pos)
{
    size_t i = 0;
    while (i < n && tchar(p[i]))
        i++;
    if (i == 0)
        return false;
    *coding = p;
    *coding_len = i;
    *pos = true;
    while (i < n) {
        while (i < n && ows(p[i]))
            i++;
        if (i == n)
            break;
        if (p[i] != ';')
            return false;
        i++;
        while (i < n && ows(p[i]))
            i++;
        size_t name = i;
        while (i < n && tchar(p[i]))
            i++;
        if (i == name || i == n || p[i] != '=')
            return false;
        size_t name_len = i - name;
        i++;
        size_t val = i;
        while (i < n && tchar(p[i]))
            i++;
        if (name_len == 1 && (p[name] == 'q' || p[name] == 'Q') && !qvalue(p + val, i - val, pos))
            return false;
    }
    return true;
}

bool negotiate_accepts_gzip(const char *h)
{
    if (h == NULL)
        return false;
    int gzip = -1, star = -1; /* -1: not named; 0: refused; 1: admitted */
    const char *p = h;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        while (n > 0 && ows(*p)) {
            p++;
            n--;
        }
        while (n > 0 && ows(p[n - 1]))
            n--;
        const char *c;
        size_t cl;
        bool pos;
        if (n > 0 && element(p, n, &c, &cl, &pos)) {
            if ((cl == 4 && strncasecmp(c, "gzip", 4) == 0) || (cl == 6 && strncasecmp(c, "x-gzip", 6) == 0))
                gzip = gzip == 1 ? 1 : pos;
            else if (cl == 1 && c[0] == '*')
                star = star == 1 ? 1 : pos;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return gzip == 1 || (gzip == -1 && star == 1);
}

bool negotiate_etag_matches(const char *h, const char *etag)
{
    if (h == NULL || etag == NULL)
        return false;
    size_t el = strlen(etag);
    const char *p = h;
    while (ows(*p))
        p++;
    if (p[0] == '*') {
        p++;
        while (ows(*p))
            p++;
        return *p == '\0';
    }
    for (;;) {
        while (ows(*p) || *p == ',')
            p++;
        if (*p == '\0')
            return false;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *close = strchr(p + 1, '"');
        if (close == NULL)
            return false;
        size_t n = (size_t)(close - p) + 1;
        if (n == el && memcmp(p, etag, el) == 0)
            return true;
        p = close + 1;
        while (ows(*p))
            p++;
        if (*p != ',' && *p != '\0')
            return false;
    }
}
