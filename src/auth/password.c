/* password: argon2id hashing through libsodium, the password policy and email
 * normalisation. The list behind password_is_common lives in
 * common_passwords.c. */
#include "auth/password.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/ascii.h"
#include "core/log.h"
#include "core/utf8.h"

/* The buffer in password.h is sized by hand; keep it in step with libsodium. */
_Static_assert(PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES,
               "PASSWORD_HASH_MAX must be crypto_pwhash_STRBYTES");

#define HASH_PREFIX "$argon2id$"
#define EMAIL_LOCAL_MAX 64 /* RFC 5321, section 4.5.3.1.1 */
#define EMAIL_LABEL_MAX 63 /* RFC 1035, section 2.3.4 */

password_cost password_cost_default(void)
{
    /* libsodium's INTERACTIVE level is 2 passes over 64 MiB; on the reference
     * machine that took about 35 ms, under the 50 ms we want an online guess to
     * cost. Two more passes over the same 64 MiB measured about 65 ms and keep
     * the memory a worker thread needs per login where it was (numbers and the
     * command in docs/internals/auth.md). */
    password_cost c = {.ops = 4, .mem_kb = 64 * 1024};
    return c;
}

int password_init(void)
{
    /* sodium_init is thread-safe and returns 1 once libsodium is running. */
    if (sodium_init() < 0) {
        log_msg(LOG_ERROR, "libsodium failed to initialise");
        return EM_E_INTERNAL;
    }
    return EM_OK;
}

/* ---- how many hashes at once ----
 * Each hash holds its whole memory cost (64 MiB by default) while it runs,
 * and the server has more request threads than cores (they wait on the
 * database too). A hash only runs as fast as a core allows anyway, so at most
 * one per core runs at a time and the others wait their turn: a flood of
 * logins costs cores x 64 MiB at most, however many threads it occupies. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_free = PTHREAD_COND_INITIALIZER;
static long gate_running;

long password_hashes_at_once(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? cores : 1;
}

long password_hashes_running(void)
{
    pthread_mutex_lock(&gate_mu);
    long n = gate_running;
    pthread_mutex_unlock(&gate_mu);
    return n;
}

static void gate_enter(void)
{
    static long most;
    pthread_mutex_lock(&gate_mu);
    if (most == 0)
        most = password_hashes_at_once();
    while (gate_running >= most)
        pthread_cond_wait(&gate_free, &gate_mu);
    gate_running++;
    pthread_mutex_unlock(&gate_mu);
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_running--;
    pthread_cond_signal(&gate_free);
    pthread_mutex_unlock(&gate_mu);
}

static bool cost_is_valid(password_cost cost)
{
    return cost.ops >= crypto_pwhash_OPSLIMIT_MIN && cost.ops <= crypto_pwhash_OPSLIMIT_MAX &&
           cost.mem_kb >= 8192 && cost.mem_kb <= crypto_pwhash_MEMLIMIT_MAX / 1024;
}

/* True when s is a NUL-terminated hash string that fits PASSWORD_HASH_MAX and
 * names argon2id. libsodium would also verify argon2i strings; we never write
 * them, so a stored one is treated as malformed rather than trusted. */
static bool hash_is_plausible(const char *hash)
{
    return hash != NULL && strnlen(hash, PASSWORD_HASH_MAX) < PASSWORD_HASH_MAX &&
           strncmp(hash, HASH_PREFIX, sizeof HASH_PREFIX - 1) == 0;
}

int password_hash(const char *password, password_cost cost, char out[PASSWORD_HASH_MAX])
{
    size_t len;
    int rc;

    assert(password != NULL && out != NULL);
    out[0] = '\0';
    rc = password_init();
    if (rc != EM_OK)
        return rc;
    len = strnlen(password, PASSWORD_MAX_BYTES + 1);
    if (len > PASSWORD_MAX_BYTES)
        return EM_E_INVAL;
    if (!cost_is_valid(cost)) {
        log_msg(LOG_ERROR, "password_hash: invalid argon2id cost (ops %llu, mem %zu KiB)", cost.ops,
                cost.mem_kb);
        return EM_E_INVAL;
    }
    /* The only failure left is argon2 not getting its memory. */
    gate_enter();
    int hrc =
        crypto_pwhash_str_alg(out, password, len, cost.ops, cost.mem_kb * 1024, crypto_pwhash_ALG_ARGON2ID13);
    gate_leave();
    if (hrc != 0) {
        out[0] = '\0';
        return EM_E_NOMEM;
    }
    return EM_OK;
}

bool password_verify(const char *hash, const char *password)
{
    size_t len;

    if (!hash_is_plausible(hash) || password == NULL || password_init() != EM_OK)
        return false;
    len = strnlen(password, PASSWORD_MAX_BYTES + 1);
    if (len > PASSWORD_MAX_BYTES)
        return false;
    /* Constant time in the password; a malformed hash makes it return -1. */
    gate_enter();
    bool ok = crypto_pwhash_str_verify(hash, password, len) == 0;
    gate_leave();
    return ok;
}

bool password_needs_rehash(const char *hash, password_cost cost)
{
    if (!hash_is_plausible(hash))
        return true;
    /* An invalid cost cannot hash anything (password_hash refuses it), so
     * asking for a rehash with it would only make every login fail. */
    if (!cost_is_valid(cost))
        return false;
    /* 0: same parameters; 1: different; -1: the string does not parse. */
    return crypto_pwhash_str_needs_rehash(hash, cost.ops, cost.mem_kb * 1024) != 0;
}

/* ---- policy ---- */

/* C0 controls, DEL and the C1 controls: invisible, and some (CR, LF, NUL's
 * neighbours) are typed differently on different devices. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* True when the password is the email, or its local part, ignoring ASCII
 * case. */
static bool matches_email(const char *password, const char *email)
{
    const char *at;

    if (email == NULL || email[0] == '\0')
        return false;
    if (ascii_casecmp(email, password) == 0)
        return true;
    at = strchr(email, '@');
    if (at == NULL || at == email)
        return false;
    size_t n = (size_t)(at - email);
    return ascii_ncasecmp(email, password, n) == 0 && password[n] == '\0';
}

int password_check_policy(const char *password, const char *email, em_error *err)
{
    size_t len, chars = 0;
    uint32_t first = 0;
    bool one_char = true;

    /* The messages below are shown to the user and must never quote the
     * password (or part of it): they end up in logs and screenshots. */
    if (password == NULL || password[0] == '\0')
        return em_error_set(err, EM_E_INVAL, "a password is required");
    len = strnlen(password, PASSWORD_MAX_BYTES + 1);
    if (len > PASSWORD_MAX_BYTES)
        return em_error_set(err, EM_E_INVAL, "the password must be at most %d bytes long",
                            PASSWORD_MAX_BYTES);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(password + i, len - i, &cp);
        if (n == 0)
            return em_error_set(err, EM_E_INVAL, "the password is not valid UTF-8 text");
        if (is_control(cp))
            return em_error_set(err, EM_E_INVAL, "the password must not contain control characters");
        if (chars == 0)
            first = cp;
        else if (cp != first)
            one_char = false;
        chars++;
        i += n;
    }
    if (chars < PASSWORD_MIN_LEN)
        return em_error_set(err, EM_E_INVAL, "the password must be at least %d characters long",
                            PASSWORD_MIN_LEN);
    if (one_char)
        return em_error_set(err, EM_E_INVAL, "the password must not be one character repeated");
    if (password_is_common(password))
        return em_error_set(err, EM_E_INVAL, "this password is too common; choose another one");
    if (matches_email(password, email))
        return em_error_set(err, EM_E_INVAL, "the password must not be your email address");
    return EM_OK;
}

/* ---- email ---- */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Checks a lowercased domain: at least two labels separated by dots, each
 * 1..63 characters of letters, digits and hyphens, not starting or ending
 * with a hyphen (a host name, RFC 1123; IDNs arrive in their ASCII form).
 * Address literals ("[192.0.2.1]") are not accepted. */
static bool domain_is_valid(const char *d, size_t n)
{
    size_t label = 0, dots = 0;

    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? d[i] : '.';
        if (c == '.') {
            if (label == 0 || label > EMAIL_LABEL_MAX || d[i - 1] == '-')
                return false;
            if (i < n)
                dots++;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
            if (label == 0 && c == '-')
                return false;
            label++;
        } else {
            return false;
        }
    }
    return dots > 0;
}

int email_normalize(const char *in, char out[EMAIL_MAX + 1], em_error *err)
{
    char tmp[EMAIL_MAX + 1];
    const char *start;
    size_t len, at = SIZE_MAX;

    assert(out != NULL);
    out[0] = '\0';
    if (in == NULL)
        return em_error_set(err, EM_E_INVAL, "an email address is required");
    start = in;
    while (is_space(*start))
        start++;
    len = strlen(start);
    while (len > 0 && is_space(start[len - 1]))
        len--;
    if (len == 0)
        return em_error_set(err, EM_E_INVAL, "an email address is required");
    if (len > EMAIL_MAX)
        return em_error_set(err, EM_E_INVAL, "the email address must be at most %d characters long",
                            EMAIL_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)start[i];
        /* Printable ASCII without space: internationalised local parts are
         * rare and each mail system treats them differently. */
        if (c < 0x21 || c > 0x7e)
            return em_error_set(
                err, EM_E_INVAL,
                "the email address may contain only printable ASCII characters, without spaces");
        if (c == '@') {
            if (at != SIZE_MAX)
                return em_error_set(err, EM_E_INVAL, "the email address must contain exactly one @");
            at = i;
        }
        tmp[i] = (char)ascii_tolower(c);
    }
    tmp[len] = '\0';
    if (at == SIZE_MAX)
        return em_error_set(err, EM_E_INVAL, "the email address must contain an @");
    if (at == 0)
        return em_error_set(err, EM_E_INVAL, "the email address needs a name before the @");
    if (at > EMAIL_LOCAL_MAX)
        return em_error_set(err, EM_E_INVAL, "the part of the email address before the @ is too long");
    if (!domain_is_valid(tmp + at + 1, len - at - 1))
        return em_error_set(err, EM_E_INVAL,
                            "the email address needs a domain such as example.com after the @");
    memcpy(out, tmp, len + 1);
    return EM_OK;
}
