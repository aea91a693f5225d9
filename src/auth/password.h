/* password: password hashing with argon2id (libsodium), the password policy,
 * and email normalisation.
 *
 * Hashes are libsodium's self-describing strings ("$argon2id$v=19$m=...,t=...,
 * p=1$salt$hash"), so the cost can be raised later: password_needs_rehash says
 * when a stored hash was made with weaker parameters than the current ones, and
 * the login path re-hashes then. Passwords are never logged or stored in clear. */
#ifndef EM_AUTH_PASSWORD_H
#define EM_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define PASSWORD_HASH_MAX 128   /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_LEN 10     /* characters (UTF-8 code points) */
#define PASSWORD_MAX_BYTES 256
#define EMAIL_MAX 254

/* The argon2id cost. ops is crypto_pwhash's opslimit (passes, >= 1), mem_kb its
 * memlimit in KiB (>= 8192). */
typedef struct password_cost {
    unsigned long long ops;
    size_t mem_kb;
} password_cost;

/* The production default: opslimit 4, 64 MiB. libsodium's INTERACTIVE level
 * (opslimit 2, 64 MiB) measured under 50 ms here; see docs/internals/auth.md. */
password_cost password_cost_default(void);

/* Initialise libsodium once per process (safe to call many times, from any
 * thread). EM_E_INTERNAL when libsodium cannot start. */
int password_init(void);

/* Hash `password` into out (NUL-terminated). EM_E_NOMEM when the memory cost
 * cannot be allocated; EM_E_INVAL for a password over PASSWORD_MAX_BYTES. */
int password_hash(const char *password, password_cost cost, char out[PASSWORD_HASH_MAX]);
/* Constant-time verification against a stored hash; false for a malformed hash. */
bool password_verify(const char *hash, const char *password);
/* True when `hash` was made with parameters other than `cost`. */
bool password_needs_rehash(const char *hash, password_cost cost);
/* password_hash and password_verify run at most this many at once (one a
 * core), whatever the number of threads calling them: each holds its memory
 * cost while it runs. The others wait their turn. */
long password_hashes_at_once(void);
/* How many are running now (for tests and diagnostics). */
long password_hashes_running(void);

/* The policy: at least PASSWORD_MIN_LEN characters, at most PASSWORD_MAX_BYTES
 * bytes, valid UTF-8 without control characters, not one of the most common
 * passwords (case-insensitive), and not the email or its local part. EM_E_INVAL
 * with a message safe to show (it never repeats the password). */
int password_check_policy(const char *password, const char *email, em_error *err);
/* True when `password` is on the embedded list of the most common passwords. */
bool password_is_common(const char *password);

/* Normalise an email: trim surrounding white space, lowercase all of it, and
 * check its shape (one '@', a non-empty local part of printable ASCII without
 * spaces, a domain with a dot, no empty labels, at most EMAIL_MAX bytes).
 * Writes the normalised form to out (EMAIL_MAX + 1 bytes). EM_E_INVAL with a
 * message safe to show. */
int email_normalize(const char *in, char out[EMAIL_MAX + 1], em_error *err);

#endif
