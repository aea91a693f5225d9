#include "core/html.h"

#include "core/err.h"

int html_append_text(buf *out, const char *s, size_t n)
{
    int rc = EM_OK;
    size_t plain = 0; /* start of the run of bytes that need no escape */
    for (size_t i = 0; rc == EM_OK && i < n; i++) {
        const char *esc;
        switch (s[i]) {
        case '<': esc = "&lt;"; break;
        case '>': esc = "&gt;"; break;
        case '&': esc = "&amp;"; break;
        case '"': esc = "&quot;"; break;
        case '\'': esc = "&#39;"; break;
        default: continue;
        }
        rc = buf_append(out, s + plain, i - plain);
        if (rc == EM_OK)
            rc = buf_append_str(out, esc);
        plain = i + 1;
    }
    return rc == EM_OK ? buf_append(out, s + plain, n - plain) : rc;
}
