/* utf8: the one reading of UTF-8 in the project, RFC 3629 strict.
 *
 * A well-formed sequence is one of the byte patterns of RFC 3629, section 4:
 * no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no surrogates (ED A0..BF),
 * nothing above U+10FFFF (F4 90.., F5..FF), no stray continuation byte and no
 * sequence cut short. Every parser that checks, decodes, re-encodes, counts or
 * cuts UTF-8 text goes through here, so "valid UTF-8" means one thing from the
 * upload check to the JSON writer. Pure functions on caller-owned bytes; none
 * allocates. */
#ifndef EM_CORE_UTF8_H
#define EM_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX_LEN 4                  /* bytes in the longest sequence */
#define UTF8_REPLACEMENT 0xfffdu        /* U+FFFD REPLACEMENT CHARACTER */
#define UTF8_REPLACEMENT_STR "\xef\xbf\xbd" /* the same, encoded (3 bytes) */

/* ---- one character ---- */

/* Decode the sequence at s[0..n), n >= 1: returns its length (1-4) and sets
 * *cp to its code point, or returns 0 and sets *cp to U+FFFD when the bytes
 * there do not start a well-formed sequence (including one that n cuts
 * short). cp may be NULL when only the length is wanted. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp /* OUT */);

/* Write cp into out and return its length (1-4), or 0 (nothing written) when
 * cp is not a Unicode scalar value: a surrogate or above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char out[UTF8_MAX_LEN]);

/* ---- a buffer ---- */

/* Whether s[0..n) is well-formed UTF-8 throughout. When it is not and bad is
 * not NULL, *bad is the offset of the first byte that does not start a
 * well-formed sequence. NUL is a character like any other here. */
bool utf8_validate(const char *s, size_t n, size_t *bad /* OUT */);

/* The number of characters in s[0..n): well-formed sequences, and each byte
 * that does not start one (what would each become U+FFFD). */
size_t utf8_count(const char *s, size_t n);

/* Where to cut s[0..len) to at most n bytes without splitting a character:
 * n itself when n >= len or s[n] starts a character, else n moved back over
 * the continuation bytes at s[n] (at most UTF8_MAX_LEN - 1 of them, so a run
 * of stray ones in invalid text is not walked back any further). */
size_t utf8_cut(const char *s, size_t len, size_t n);

/* For text read in pieces: the length of s[0..n) without a character its last
 * bytes only begin (a lead byte followed by fewer continuation bytes than it
 * announces), which the next piece may complete. n itself when s ends on a
 * whole character or on bytes no continuation could make valid. */
size_t utf8_complete(const char *s, size_t n);

/* ---- legacy 8-bit text ---- */

/* The code point of byte c in Windows-1252, the encoding of most 8-bit
 * text (it is ISO-8859-1 with printable characters in 0x80..0x9F, which
 * HTML also reads character references of): c itself below 0x80 and from
 * 0xA0, the Windows-1252 character in 0x80..0x9F, U+FFFD for the five
 * bytes it leaves undefined. */
uint32_t utf8_cp1252_code_point(unsigned char c);

/* Windows-1252 text in[0..n) as UTF-8 into out, which holds at least 3 * n
 * bytes (no character takes more); returns the length written. */
size_t utf8_from_cp1252(const char *in, size_t n, char *out /* OUT */);

#endif
