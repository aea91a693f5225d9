/* html: an HTML page as Markdown, so the Markdown reader (content/doctext.h)
 * reads it with its headings, lists and code.
 *
 * Much study material is HTML: the manuals Debian installs under
 * /usr/share/doc, a saved web page, a course's notes. This is a tag reader,
 * not an HTML5 tree builder: it walks the text once, keeps the text, and
 * turns the structure that matters for studying into Markdown:
 *
 *   <h1>..<h6>                      ATX headings ("## Title"), on one line
 *   <p> <div> <br> <tr> <dt> <dd> <blockquote> <section> <table>...
 *                                   paragraph and line breaks
 *   <li>                            "- " list items
 *   <pre>                           a fenced code block, its text as written
 *   <title>                         a level-1 heading when the page has no <h1>
 *   <script> <style> <head> <nav> <noscript> <template> <svg> <math>,
 *   DocBook's navigation bars (div navheader, navfooter; Publican's ul
 *   docnav) and chapter contents (div toc)
 *                                   left out with what they hold
 *   comments, <!DOCTYPE>, <?...?>   left out
 *   any other tag                   left out, its text kept
 *
 * Character references (&amp;, &#233;, &#xE9;, and the named ones pages use
 * most) are decoded; an unknown one stays as written. Outside <pre>, runs of
 * white space (no-break spaces too) are one space and the characters Markdown would read as markup
 * are escaped, so the text reads as the page shows it. Malformed markup is
 * never an error: what is not a tag is text.
 *
 * Time and output are linear in the input (the output is at most
 * HTML_MARKDOWN_MAX of it). Pure function but for the deadline: no I/O. */
#ifndef EM_CONTENT_HTML_H
#define EM_CONTENT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "content/deadline.h"
#include "core/buf.h"
#include "core/err.h"

/* The most Markdown a page of n bytes gives: each byte at most twice
 * (escaped), a little more around a short tag, and the title's heading. */
#define HTML_MARKDOWN_MAX(n) (3 * (size_t)(n) + 2048)

/* Append the Markdown of html[0..len) (UTF-8; other bytes pass through as
 * they are) to out. EM_OK; EM_E_TOO_LARGE when out's maximum is reached
 * (out then holds what fitted); EM_E_TIMEOUT when dl passes (dl may be
 * NULL). */
int html_to_markdown(const char *html, size_t len, deadline *dl, buf *out, em_error *err);

/* Whether data[0..len) starts like an HTML document: after white space and
 * a byte order mark, "<!DOCTYPE html", "<html", "<head", "<body", or an HTML
 * comment followed by one of those (case aside). */
bool html_looks_like(const char *data, size_t len);

#endif
