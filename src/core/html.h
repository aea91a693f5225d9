/* html: text for HTML, the one escaper of the project (the workers dashboard,
 * search snippets). */
#ifndef EM_CORE_HTML_H
#define EM_CORE_HTML_H

#include <stddef.h>

#include "core/buf.h"

/* Append s[0..n) with & < > " ' escaped; 0 or EM_E_TOO_LARGE (buf_append's). */
int html_append_text(buf *out, const char *s, size_t n);

#endif
