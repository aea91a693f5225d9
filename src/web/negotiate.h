/* negotiate: the two request headers that decide how an asset is answered,
 * read from untrusted text: Accept-Encoding (may it be gzip?) and
 * If-None-Match (does the client already hold this version? then 304).
 *
 * Pure: no allocation; NULL headers are absent ones. */
#ifndef EM_WEB_NEGOTIATE_H
#define EM_WEB_NEGOTIATE_H

#include <stdbool.h>

/* Whether an Accept-Encoding value admits gzip (RFC 9110 12.5.3): "gzip" or
 * "x-gzip" with a weight above zero, or "*" above zero when gzip is not
 * named. An element whose weight does not parse admits nothing. Case-
 * insensitive; NULL: false. */
bool negotiate_accepts_gzip(const char *accept_encoding);

/* Whether an If-None-Match value matches `etag` (a quoted entity tag, as
 * asset.h writes it): "*", or a comma-separated list of entity tags of which
 * one is equal to it, a "W/" prefix ignored (the weak comparison RFC 9110
 * 13.1.2 asks for). A malformed list matches nothing. NULL: false. */
bool negotiate_etag_matches(const char *if_none_match, const char *etag);

#endif
