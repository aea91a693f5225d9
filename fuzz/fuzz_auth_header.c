/* fuzz_auth_header: libFuzzer target for the parsers of credentials and limits:
 * http_parse_bearer and http_parse_cookie (the input up to the first NUL or
 * newline is the header value, the rest the cookie name), the same through the
 * accessors of a fake request (with X-Forwarded-For and trust_proxy), and
 * config_parse_rate; then the input drives a small rate-limit table as a list of
 * hits and resets. Besides crashes it checks what the parsers promise: results
 * point inside the header, hold only allowed characters, stay within bounds.
 *
 * Run: ./fuzz_auth_header -max_total_time=60 fuzz/corpus/auth_header */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/ratelimit.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/http_fake.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_ERROR, 2);
    return 0;
}

/* NUL-terminated copy of p[0..n). */
static char *copy(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void check_bearer(const char *header)
{
    const char *tok;
    size_t len;
    int rc = http_parse_bearer(header, &tok, &len);
    if (rc == EM_OK) {
        size_t hlen = strlen(header);
        if (tok < header || tok + len > header + hlen || len == 0 || len > 2048)
            abort();
        for (size_t i = 0; i < len; i++) {
            if (strchr("\"; \t,\\", tok[i]) != NULL || (unsigned char)tok[i] < 0x21 ||
                (unsigned char)tok[i] > 0x7e)
                abort();
        }
    } else if (rc != EM_E_NOT_FOUND && rc != EM_E_INVAL) {
        abort();
    }
}

static void check_cookie(const char *header, const char *name)
{
    const char *v;
    size_t len;
    int rc = http_parse_cookie(header, name, &v, &len);
    if (rc == EM_OK) {
        size_t hlen = strlen(header);
        if (v < header || v + len > header + hlen || len > 4096)
            abort();
        if (memchr(v, ';', len) != NULL || memchr(v, '"', len) != NULL || memchr(v, ' ', len) != NULL)
            abort();
    } else if (rc != EM_E_NOT_FOUND && rc != EM_E_INVAL) {
        abort();
    }
}

static void check_accessors(const char *header, const char *name)
{
    const char *const headers[] = {
        "Authorization", header, "Cookie", header, "X-Forwarded-For", header, NULL,
    };
    http_fake *f = http_fake_new("GET", "/", headers, NULL, 0);
    http_fake_set_peer(f, "192.0.2.1");
    http_fake_set_trust_proxy(f, true);
    http_req *req = http_fake_req(f);
    (void)http_req_bearer(req);
    (void)http_req_cookie(req, name);
    const char *ip = http_req_client_ip(req);
    unsigned char bin[16];
    if (ip == NULL || (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1))
        abort(); /* always an address: the forwarded one or the peer */
    http_fake_free(f);
}

static void check_parse(const char *spec)
{
    int n = -1, w = -1;
    if (config_parse_rate(spec, &n, &w) == EM_OK) {
        if (n < 1 || n > 100000 || w < 1 || w > 86400)
            abort();
    } else if (n != -1 || w != -1) {
        abort();
    }
}

/* Each byte is one step: the two high bits pick hit (0-2) or reset (3), the
 * low four the key, bits 4-5 how far the clock moves first. */
static void drive_table(const uint8_t *data, size_t size)
{
    ratelimit *rl = ratelimit_new(3, 10, 16);
    int64_t now = 1700000000000LL;
    for (size_t i = 0; i < size; i++) {
        uint8_t b = data[i];
        char key[8] = {'k', (char)('a' + (b & 15)), '\0'};
        now += (int64_t)((b >> 4) & 3) * 1700;
        if ((b >> 6) == 3) {
            ratelimit_reset(rl, key);
        } else {
            int retry = -1;
            bool ok = ratelimit_hit(rl, key, now, &retry);
            if ((ok && retry != 0) || (!ok && (retry < 1 || retry > 10)))
                abort();
        }
        if (ratelimit_size(rl) > 16)
            abort();
    }
    ratelimit_free(rl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cut = 0;
    while (cut < size && data[cut] != '\0' && data[cut] != '\n')
        cut++;
    char *header = copy(data, cut);
    char *name = cut < size ? copy(data + cut + 1, size - cut - 1) : copy(data, 0);

    check_bearer(header);
    check_cookie(header, name);
    check_accessors(header, name);
    check_parse(header);
    check_parse(name);
    drive_table(data, size < 4096 ? size : 4096);

    free(name);
    free(header);
    return 0;
}
