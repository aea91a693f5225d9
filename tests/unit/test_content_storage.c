/* storage: keys; the local backend (round trip, modes, atomic replacement,
 * concurrent use, errors); the fake S3 server's signature check against AWS's
 * published examples; the S3 backend end to end against that in-process fake
 * (tests/fixtures/fixtures_s3.h), which checks every request's payload hash and
 * signature; and, on both backends, the streaming calls (storage_put_fd,
 * storage_read, storage_size) with objects of 20 MB read through a bounded
 * buffer, and storage_local_path; storage_list on both (prefixes, sizes,
 * times, stopping, deleting while listing; local: temporary files, links and
 * names that are not keys left out; S3: pages followed through their
 * continuation tokens, the query signed as S3 reads it, XML entities). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "content/storage.h"
#include "core/err.h"
#include "core/mem.h"
#include "fixtures_s3.h"
#include "net/http_client.h"

/* ---- helpers ------------------------------------------------------------ */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
    char *d = em_strdup("/tmp/em_storage_test_XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

/* Names in dir that hold '~' (temporary files), counted recursively. */
static int count_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strchr(e->d_name, '~') != NULL)
            n++;
        char *sub = em_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_temp_files(sub);
        free(sub);
    }
    closedir(d);
    return n;
}

static storage *open_local(const char *data_dir)
{
    storage_options o = {.data_dir = data_dir};
    storage *s = NULL;
    em_error err = {0};
    int rc = storage_open(&o, &s, &err);
    if (rc != EM_OK)
        fail_msg("storage_open: %d %s", rc, err.msg);
    return s;
}

static void put_ok(storage *s, const char *key, const void *data, size_t len)
{
    em_error err = {0};
    int rc = storage_put(s, key, data, len, "application/octet-stream", &err);
    if (rc != EM_OK)
        fail_msg("put %s: %d %s", key, rc, err.msg);
}

static void get_equals(storage *s, const char *key, const void *want, size_t want_len)
{
    void *data = NULL;
    size_t len = 0;
    em_error err = {0};
    int rc = storage_get(s, key, &data, &len, 1 << 24, &err);
    if (rc != EM_OK)
        fail_msg("get %s: %d %s", key, rc, err.msg);
    assert_int_equal(len, want_len);
    assert_memory_equal(data, want, len);
    assert_int_equal(((char *)data)[len], '\0');
    free(data);
}

static void get_fails(storage *s, const char *key, size_t max_len, int want)
{
    void *data = (void *)1;
    size_t len = 99;
    em_error err = {0};
    int rc = storage_get(s, key, &data, &len, max_len, &err);
    if (rc != want)
        fail_msg("get %s: got %d (%s), want %d", key, rc, err.msg, want);
    assert_int_equal(err.code, want);
    assert_null(data);
    assert_int_equal(len, 0);
}

/* ---- keys ------------------------------------------------------------------ */

static void content_storage_keys(void **state)
{
    const char *good[] = {"a", "materials/3f1e2d4c/original", "x/y.z/w-v_u", ".hidden", "a.b", "A/B/C"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(storage_check_key(good[i], NULL), EM_OK);
    const char *bad[] = {
        "",     "/abs", "a/",    "a//b",     "..",   "a/../b", "a..b", "./a", "a/./b", "a b",
        "a\\b", "a~b",  "a%2fb", "\xc3\xbc", "a\nb", "a:b",    "a?b",  ".",   "/",     NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        em_error err = {0};
        if (storage_check_key(bad[i], &err) != EM_E_INVAL)
            fail_msg("key \"%s\" accepted", bad[i] != NULL ? bad[i] : "(null)");
        assert_int_equal(err.code, EM_E_INVAL);
    }
    char key[STORAGE_KEY_MAX + 2];
    memset(key, 'k', STORAGE_KEY_MAX);
    key[STORAGE_KEY_MAX] = '\0';
    assert_int_equal(storage_check_key(key, NULL), EM_OK);
    key[STORAGE_KEY_MAX] = 'k';
    key[STORAGE_KEY_MAX + 1] = '\0';
    assert_int_equal(storage_check_key(key, NULL), EM_E_INVAL);
}

/* ---- the local backend ----------------------------------------------------------- */

static void content_storage_local_round_trip(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = open_local(tmp);
    assert_string_equal(storage_kind(s), "local");

    /* DATA_DIR/files was made, mode 0700 */
    char *root = em_asprintf("%s/files", tmp);
    struct stat st;
    assert_int_equal(stat(root, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);

    static const char bin[] = "\0\x01\xff binary\r\n\0end";
    put_ok(s, "materials/abc/original", bin, sizeof bin);
    get_equals(s, "materials/abc/original", bin, sizeof bin);
    char *path = em_asprintf("%s/materials/abc/original", root);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *dir = em_asprintf("%s/materials/abc", root);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    /* replace, empty objects */
    put_ok(s, "materials/abc/original", "new", 3);
    get_equals(s, "materials/abc/original", "new", 3);
    put_ok(s, "empty", "", 0);
    get_equals(s, "empty", "", 0);
    em_error err = {0};
    assert_int_equal(storage_put(s, "nulldata", NULL, 0, NULL, &err), EM_OK);
    get_equals(s, "nulldata", "", 0);
    assert_int_equal(storage_put(s, "nulldata", NULL, 5, NULL, &err), EM_E_INVAL);

    /* limits */
    get_fails(s, "materials/abc/original", 2, EM_E_TOO_LARGE);
    void *data;
    size_t len;
    assert_int_equal(storage_get(s, "materials/abc/original", &data, &len, 3, &err), EM_OK);
    free(data);

    /* missing, delete, delete again; empty directories go, the root stays */
    get_fails(s, "materials/nope", 100, EM_E_NOT_FOUND);
    get_fails(s, "materials/abc/original/deeper", 100, EM_E_NOT_FOUND);
    get_fails(s, "materials", 100, EM_E_NOT_FOUND); /* a directory is not an object */
    assert_int_equal(storage_delete(s, "materials/abc/original", &err), EM_OK);
    get_fails(s, "materials/abc/original", 100, EM_E_NOT_FOUND);
    assert_int_equal(storage_delete(s, "materials/abc/original", &err), EM_OK);
    assert_int_equal(storage_delete(s, "never/was/here", &err), EM_OK);
    assert_int_not_equal(stat(dir, &st), 0);
    char *mat = em_asprintf("%s/materials", root);
    assert_int_not_equal(stat(mat, &st), 0);
    assert_int_equal(stat(root, &st), 0);

    /* bad keys are refused before anything is touched */
    assert_int_equal(storage_put(s, "../escape", "x", 1, NULL, &err), EM_E_INVAL);
    assert_int_equal(storage_put(s, "/etc/passwd", "x", 1, NULL, &err), EM_E_INVAL);
    assert_int_equal(storage_get(s, "a/../../b", &data, &len, 10, &err), EM_E_INVAL);
    assert_int_equal(storage_delete(s, "", &err), EM_E_INVAL);

    assert_int_equal(count_temp_files(root), 0);
    storage_close(s);
    storage_close(NULL);
    rm_rf(tmp);
    free(mat);
    free(dir);
    free(path);
    free(root);
    free(tmp);
}

static void content_storage_local_failed_put_leaves_nothing(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = open_local(tmp);
    char *root = em_asprintf("%s/files", tmp);
    em_error err = {0};

    /* a file where a directory must go */
    put_ok(s, "a", "file", 4);
    assert_int_equal(storage_put(s, "a/b", "x", 1, NULL, &err), EM_E_IO);
    assert_int_equal(err.code, EM_E_IO);
    assert_null(strstr(err.msg, tmp)); /* no paths in user-facing messages */
    /* a directory where the file must go: the rename fails after the write */
    put_ok(s, "d/inner", "x", 1);
    assert_int_equal(storage_put(s, "d", "y", 1, NULL, &err), EM_E_IO);
    assert_int_equal(count_temp_files(root), 0);
    get_equals(s, "a", "file", 4);
    get_equals(s, "d/inner", "x", 1);

    storage_close(s);
    rm_rf(tmp);
    free(root);
    free(tmp);
}

/* Replace one key with two contents in turn while readers check they only
 * ever see one whole content or the other. */
typedef struct atomic_ctx {
    storage *s;
    atomic_bool done;
    atomic_int reads;
    atomic_int bad;
    size_t len_a, len_b;
} atomic_ctx;

static void *atomic_reader(void *arg)
{
    atomic_ctx *c = arg;
    while (!atomic_load(&c->done)) {
        void *data = NULL;
        size_t len = 0;
        em_error err = {0};
        if (storage_get(c->s, "obj/key", &data, &len, 1 << 24, &err) != EM_OK) {
            atomic_fetch_add(&c->bad, 1);
            continue;
        }
        const unsigned char *p = data;
        unsigned char want = len == c->len_a ? 'a' : len == c->len_b ? 'b' : 0;
        bool ok = want != 0;
        for (size_t i = 0; ok && i < len; i++)
            ok = p[i] == want;
        if (!ok)
            atomic_fetch_add(&c->bad, 1);
        atomic_fetch_add(&c->reads, 1);
        free(data);
    }
    return NULL;
}

static void content_storage_local_atomic_replace(void **state)
{
    char *tmp = make_tmpdir();
    atomic_ctx c = {.s = open_local(tmp), .len_a = 1 << 20, .len_b = 3 << 19};
    unsigned char *a = em_malloc(c.len_a), *b = em_malloc(c.len_b);
    memset(a, 'a', c.len_a);
    memset(b, 'b', c.len_b);
    put_ok(c.s, "obj/key", a, c.len_a);
    atomic_init(&c.done, false);
    atomic_init(&c.reads, 0);
    atomic_init(&c.bad, 0);
    pthread_t readers[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&readers[i], NULL, atomic_reader, &c), 0);
    for (int i = 0; i < 40; i++)
        put_ok(c.s, "obj/key", i % 2 ? a : b, i % 2 ? c.len_a : c.len_b);
    /* let the readers see the last content too */
    while (atomic_load(&c.reads) < 10)
        usleep(1000);
    atomic_store(&c.done, true);
    for (int i = 0; i < 2; i++)
        pthread_join(readers[i], NULL);
    assert_int_equal(atomic_load(&c.bad), 0);
    char *root = em_asprintf("%s/files", tmp);
    assert_int_equal(count_temp_files(root), 0);
    storage_close(c.s);
    rm_rf(tmp);
    free(root);
    free(a);
    free(b);
    free(tmp);
}

/* Threads that put and delete keys in one directory, which deleting removes
 * whenever it becomes empty. */
typedef struct churn_ctx {
    storage *s;
    int id;
    int rounds;
    int failures;
} churn_ctx;

static void *churn(void *arg)
{
    churn_ctx *c = arg;
    char key[64];
    snprintf(key, sizeof key, "race/shared/k%d", c->id);
    for (int i = 0; i < c->rounds; i++) {
        em_error err = {0};
        if (storage_put(c->s, key, "data", 4, NULL, &err) != EM_OK)
            c->failures++;
        void *d;
        size_t n;
        if (storage_get(c->s, key, &d, &n, 100, &err) != EM_OK)
            c->failures++;
        else
            free(d);
        if (storage_delete(c->s, key, &err) != EM_OK)
            c->failures++;
    }
    return NULL;
}

/* Four churning threads on s, rounds each; none may fail. */
static void churn_all(storage *s, int rounds)
{
    churn_ctx c[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (churn_ctx){s, i, rounds, 0};
        assert_int_equal(pthread_create(&t[i], NULL, churn, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].failures, 0);
    }
}

static void content_storage_local_concurrent(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = open_local(tmp);
    churn_all(s, 300);
    storage_close(s);
    rm_rf(tmp);
    free(tmp);
}

static void content_storage_open_options(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = NULL;
    em_error err = {0};

    /* file:///abs/dir, created with its parents */
    char *url = em_asprintf("file://%s/deep/er/store/", tmp);
    storage_options o = {.url = url};
    assert_int_equal(storage_open(&o, &s, &err), EM_OK);
    put_ok(s, "k", "v", 1);
    storage_close(s);
    char *p = em_asprintf("%s/deep/er/store/k", tmp);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);

    /* refusals name the variable */
    storage_options none = {0};
    assert_int_equal(storage_open(&none, &s, &err), EM_E_CONFIG);
    assert_null(s);
    assert_non_null(strstr(err.msg, "DATA_DIR"));
    storage_options rel = {.url = "file://relative/dir"};
    assert_int_equal(storage_open(&rel, &s, &err), EM_E_CONFIG);
    assert_non_null(strstr(err.msg, "STORAGE_URL"));
    storage_options ftp = {.url = "ftp://host/x"};
    assert_int_equal(storage_open(&ftp, &s, &err), EM_E_CONFIG);
    assert_non_null(strstr(err.msg, "STORAGE_URL"));
    /* a file where the directory should be */
    char *file = em_asprintf("%s/plainfile", tmp);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    storage_options blocked = {.data_dir = file};
    assert_int_equal(storage_open(&blocked, &s, &err), EM_E_IO);
    assert_null(s);

    rm_rf(tmp);
    free(file);
    free(p);
    free(url);
    free(tmp);
}

/* ---- the fake S3 server's signature check ------------------------------------------ */

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define AWS_KEY "AKIAIOSFODNN7EXAMPLE"
#define AWS_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

/* The fake computes the signatures of "Signature Calculations for the
 * Authorization Header" (AWS S3 API reference, sig-v4-header-based-auth:
 * bucket examplebucket, 2013-05-24, us-east-1), so what it accepts is what S3
 * accepts. */
static void content_storage_fake_s3_sign_aws_examples(void **state)
{
    char out[512];
    /* GET Object with a Range header */
    fake_s3_header get_h[] = {
        {"Host", "examplebucket.s3.amazonaws.com"},
        {"Range", "bytes=0-9"},
        {"x-amz-content-sha256", EMPTY_SHA256},
        {"x-amz-date", "20130524T000000Z"},
    };
    fake_s3_request get = {"GET",        "/test.txt",        "",          get_h,   4,
                           EMPTY_SHA256, "20130524T000000Z", "us-east-1", AWS_KEY, AWS_SECRET};
    assert_int_equal(fake_s3_sign(&get, out, sizeof out), 0);
    assert_string_equal(out,
                        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

    /* the header order given does not matter, nor does the case of names, nor
     * blanks around values */
    fake_s3_header shuffled[] = {
        {"X-Amz-Date", "20130524T000000Z"},
        {"RANGE", "  bytes=0-9 "},
        {"x-amz-content-sha256", EMPTY_SHA256},
        {"host", "examplebucket.s3.amazonaws.com"},
    };
    char out2[512];
    get.headers = shuffled;
    assert_int_equal(fake_s3_sign(&get, out2, sizeof out2), 0);
    assert_string_equal(out, out2);

    /* GET Bucket lifecycle: a query parameter without a value */
    fake_s3_header bucket_h[] = {
        {"Host", "examplebucket.s3.amazonaws.com"},
        {"x-amz-content-sha256", EMPTY_SHA256},
        {"x-amz-date", "20130524T000000Z"},
    };
    fake_s3_request lifecycle = {"GET",   "/",          "lifecycle",        bucket_h,
                                 3,       EMPTY_SHA256, "20130524T000000Z", "us-east-1",
                                 AWS_KEY, AWS_SECRET};
    assert_int_equal(fake_s3_sign(&lifecycle, out, sizeof out), 0);
    assert_non_null(strstr(out,
                           ",SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                           "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));

    /* GET Bucket (list objects): query parameters, sorted */
    fake_s3_request list = {"GET",   "/",          "prefix=J&max-keys=2", bucket_h,
                            3,       EMPTY_SHA256, "20130524T000000Z",    "us-east-1",
                            AWS_KEY, AWS_SECRET};
    assert_int_equal(fake_s3_sign(&list, out, sizeof out), 0);
    assert_non_null(
        strstr(out, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));

    /* anything that changes the request changes the signature */
    fake_s3_request other = get;
    other.headers = get_h;
    other.method = "PUT";
    assert_int_equal(fake_s3_sign(&other, out2, sizeof out2), 0);
    assert_string_not_equal(out, out2);
}

static void content_storage_fake_s3_sign_errors(void **state)
{
    fake_s3_header h[] = {{"host", "h"}};
    fake_s3_request r = {"GET",       "/b/k", NULL, h, 1, EMPTY_SHA256, "20130524T000000Z",
                         "us-east-1", "AK",   "SK"};
    char out[512];
    assert_int_equal(fake_s3_sign(&r, out, sizeof out), 0);
    char small[40];
    assert_int_equal(fake_s3_sign(&r, small, sizeof small), -1);
    assert_string_equal(small, "");
    const char *dates[] = {"20130524", "2013-05-24T000000Z", "20130524T000000", "20130524X000000Z", NULL};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        fake_s3_request bad = r;
        bad.amz_date = dates[i];
        assert_int_equal(fake_s3_sign(&bad, out, sizeof out), -1);
    }
    fake_s3_request bad = r;
    bad.secret_key = NULL;
    assert_int_equal(fake_s3_sign(&bad, out, sizeof out), -1);
    bad = r;
    bad.n_headers = 33;
    assert_int_equal(fake_s3_sign(&bad, out, sizeof out), -1);
    fake_s3_header noname[] = {{"", "v"}};
    bad = r;
    bad.headers = noname;
    assert_int_equal(fake_s3_sign(&bad, out, sizeof out), -1);
}

/* ---- the fake S3 server (tests/fixtures/fixtures_s3.h) ------------------------- */

#define FAKE_KEY "AKIDFAKEEXAMPLE"
#define FAKE_SECRET "fake/secret+key"
#define FAKE_REGION "eu-test-1"

static fake_s3 *fake_start(void)
{
    fake_s3 *f = fake_s3_start(FAKE_KEY, FAKE_SECRET, FAKE_REGION);
    if (f == NULL)
        fail_msg("fake S3: %s", strerror(errno));
    return f;
}

/* The fake's last request target and stored content type. */
static void assert_last_path(fake_s3 *f, const char *want)
{
    char got[1024];
    fake_s3_last_path(f, got, sizeof got);
    assert_string_equal(got, want);
}

static void assert_last_content_type(fake_s3 *f, const char *want)
{
    char got[1024];
    fake_s3_last_content_type(f, got, sizeof got);
    assert_string_equal(got, want);
}

static storage *open_s3(const fake_s3 *f, const char *url, const char *secret, int timeout_ms)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d/", fake_s3_port(f));
    storage_options o = {
        .url = url,
        .s3_endpoint = endpoint,
        .s3_region = FAKE_REGION,
        .s3_access_key = FAKE_KEY,
        .s3_secret_key = secret,
        .timeout_ms = timeout_ms,
    };
    storage *s = NULL;
    em_error err = {0};
    int rc = storage_open(&o, &s, &err);
    if (rc != EM_OK)
        fail_msg("storage_open: %d %s", rc, err.msg);
    assert_string_equal(storage_kind(s), "s3");
    return s;
}

/* ---- the S3 backend ------------------------------------------------------------- */

static void content_storage_s3_round_trip(void **state)
{
    fake_s3 *f = fake_start();
    storage *s = open_s3(f, "s3://my-bucket/pre/fix/", FAKE_SECRET, 0);
    em_error err = {0};

    unsigned char data[3000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7);
    assert_int_equal(storage_put(s, "materials/3f1e/original", data, sizeof data, "application/pdf", &err),
                     EM_OK);
    assert_last_path(f, "/my-bucket/pre/fix/materials/3f1e/original");
    assert_last_content_type(f, "application/pdf");
    get_equals(s, "materials/3f1e/original", data, sizeof data);

    /* replace; no type; an empty object */
    assert_int_equal(storage_put(s, "materials/3f1e/original", "v2", 2, NULL, &err), EM_OK);
    assert_last_content_type(f, "application/octet-stream");
    get_equals(s, "materials/3f1e/original", "v2", 2);
    /* a header-breaking content type is not sent as given */
    assert_int_equal(storage_put(s, "empty", "", 0, "text/plain\r\nX-Evil: 1", &err), EM_OK);
    assert_last_content_type(f, "application/octet-stream");
    get_equals(s, "empty", "", 0);

    /* missing, delete, delete again */
    void *d = (void *)1;
    size_t n = 1;
    assert_int_equal(storage_get(s, "materials/none", &d, &n, 100, &err), EM_E_NOT_FOUND);
    assert_non_null(strstr(err.msg, "NoSuchKey"));
    assert_null(d);
    assert_int_equal(storage_delete(s, "materials/3f1e/original", &err), EM_OK);
    get_fails(s, "materials/3f1e/original", 100, EM_E_NOT_FOUND);
    assert_int_equal(storage_delete(s, "materials/3f1e/original", &err), EM_OK);

    /* bad keys never reach the server */
    int before = fake_s3_requests(f);
    assert_int_equal(storage_put(s, "../x", "x", 1, NULL, &err), EM_E_INVAL);
    assert_int_equal(fake_s3_requests(f), before);
    assert_int_equal(fake_s3_rejected(f), 0);
    storage_close(s);

    /* no prefix */
    s = open_s3(f, "s3://bucket2", FAKE_SECRET, 0);
    assert_int_equal(storage_put(s, "k", "v", 1, NULL, &err), EM_OK);
    assert_last_path(f, "/bucket2/k");
    storage_close(s);
    fake_s3_stop(f);
}

static void content_storage_s3_errors(void **state)
{
    fake_s3 *f = fake_start();
    em_error err = {0};
    void *d;
    size_t n;

    /* a wrong secret: the server's signature check refuses it */
    storage *s = open_s3(f, "s3://bucket", "not-the-secret", 0);
    assert_int_equal(storage_put(s, "k", "v", 1, NULL, &err), EM_E_IO);
    assert_non_null(strstr(err.msg, "403"));
    assert_non_null(strstr(err.msg, "SignatureDoesNotMatch"));
    assert_int_equal(fake_s3_rejected(f), 1);
    char why[1200];
    fake_s3_last_error(f, why, sizeof why);
    assert_string_equal(why, "PUT /bucket/k: SignatureDoesNotMatch");
    storage_close(s);

    s = open_s3(f, "s3://bucket", FAKE_SECRET, 0);
    fake_s3_force_status(f, 500, "InternalError");
    assert_int_equal(storage_put(s, "k", "v", 1, NULL, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "InternalError"));
    assert_int_equal(storage_get(s, "k", &d, &n, 100, &err), EM_E_UNAVAILABLE);
    assert_int_equal(storage_delete(s, "k", &err), EM_E_UNAVAILABLE);

    fake_s3_force_status(f, 403, "AccessDenied");
    assert_int_equal(storage_get(s, "k", &d, &n, 100, &err), EM_E_IO);
    assert_non_null(strstr(err.msg, "AccessDenied"));

    /* deleting from a missing bucket is an error, a missing object is not */
    fake_s3_force_status(f, 404, "NoSuchBucket");
    assert_int_equal(storage_delete(s, "k", &err), EM_E_NOT_FOUND);
    fake_s3_force_status(f, 404, "NoSuchKey");
    assert_int_equal(storage_delete(s, "k", &err), EM_OK);

    fake_s3_force_status(f, 0, NULL);
    assert_int_equal(fake_s3_rejected(f), 1);

    /* answers larger than max_len, with and without Content-Length */
    unsigned char big[5000];
    memset(big, 'x', sizeof big);
    assert_int_equal(storage_put(s, "big", big, sizeof big, NULL, &err), EM_OK);
    get_fails(s, "big", 4999, EM_E_TOO_LARGE);
    get_equals(s, "big", big, sizeof big);
    fake_s3_set_omit_length(f, true);
    get_fails(s, "big", 100, EM_E_TOO_LARGE);
    get_equals(s, "big", big, sizeof big);
    storage_close(s);

    /* a server that never answers */
    fake_s3_set_hang(f, true);
    s = open_s3(f, "s3://bucket", FAKE_SECRET, 300);
    assert_int_equal(storage_get(s, "k", &d, &n, 100, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "timed out"));
    storage_close(s);
    fake_s3_stop(f);

    /* nobody listening */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", ntohs(a.sin_port));
    storage_options o = {
        .url = "s3://bucket", .s3_endpoint = endpoint, .s3_access_key = "AK", .s3_secret_key = "SK"};
    assert_int_equal(storage_open(&o, &s, &err), EM_OK);
    assert_int_equal(storage_put(s, "k", "v", 1, NULL, &err), EM_E_UNAVAILABLE);
    assert_null(strstr(err.msg, endpoint)); /* the endpoint goes to the log only */
    storage_close(s);
}

/* Threads sharing one handle, each with its own key: every request goes
 * through whole and signed. */
static void content_storage_s3_concurrent(void **state)
{
    fake_s3 *f = fake_start();
    storage *s = open_s3(f, "s3://bucket", FAKE_SECRET, 0);
    churn_all(s, 25);
    assert_int_equal(fake_s3_requests(f), 4 * 25 * 3);
    assert_int_equal(fake_s3_rejected(f), 0);
    assert_int_equal(fake_s3_object_count(f), 0);
    storage_close(s);
    fake_s3_stop(f);
}

static void content_storage_s3_options(void **state)
{
    storage *s = NULL;
    em_error err = {0};
    struct {
        storage_options o;
        const char *variable;
    } cases[] = {
        {{.url = "s3://bucket", .s3_secret_key = "SK"}, "S3_ACCESS_KEY_ID"},
        {{.url = "s3://bucket", .s3_access_key = "", .s3_secret_key = "SK"}, "S3_ACCESS_KEY_ID"},
        {{.url = "s3://bucket", .s3_access_key = "A K", .s3_secret_key = "SK"}, "S3_ACCESS_KEY_ID"},
        {{.url = "s3://bucket", .s3_access_key = "AK"}, "S3_SECRET_ACCESS_KEY"},
        {{.url = "s3://bucket", .s3_access_key = "AK", .s3_secret_key = "SK", .s3_endpoint = "ftp://h"},
         "S3_ENDPOINT"},
        {{.url = "s3://bucket", .s3_access_key = "AK", .s3_secret_key = "SK", .s3_endpoint = "http://h/path"},
         "S3_ENDPOINT"},
        {{.url = "s3://bucket", .s3_access_key = "AK", .s3_secret_key = "SK", .s3_endpoint = "http://"},
         "S3_ENDPOINT"},
        {{.url = "s3://bucket", .s3_access_key = "AK", .s3_secret_key = "SK", .s3_region = "US_EAST"},
         "S3_REGION"},
        {{.url = "s3://", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
        {{.url = "s3://ab", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
        {{.url = "s3://Bucket", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
        {{.url = "s3://-bucket", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
        {{.url = "s3://bucket/a/../b", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
        {{.url = "s3://bucket/a b", .s3_access_key = "AK", .s3_secret_key = "SK"}, "STORAGE_URL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = storage_open(&cases[i].o, &s, &err);
        if (rc != EM_E_CONFIG || strstr(err.msg, cases[i].variable) == NULL)
            fail_msg("case %zu: %d \"%s\", want EM_E_CONFIG naming %s", i, rc, err.msg, cases[i].variable);
        assert_null(s);
    }
    /* defaults: AWS's endpoint for the region */
    storage_options ok = {.url = "s3://my.bucket-1", .s3_access_key = "AK", .s3_secret_key = "SK"};
    assert_int_equal(storage_open(&ok, &s, &err), EM_OK);
    assert_string_equal(storage_kind(s), "s3");
    storage_close(s);
}

/* ---- streaming, on both backends ----------------------------------------------- */

/* An unlinked temporary file of n random bytes (also in *data when data is
 * not NULL; free it): the source of storage_put_fd. */
static int source_file(size_t n, unsigned char **data)
{
    char path[] = "/tmp/em_storage_src_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    unsigned char *b = em_malloc(1 << 20);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (1 << 20) ? n - done : (1 << 20);
        randombytes_buf(b, k);
        assert_int_equal(pwrite(fd, b, k, (off_t)done), (ssize_t)k);
        done += k;
    }
    free(b);
    if (data != NULL) {
        *data = em_malloc(n + 1);
        assert_int_equal(pread(fd, *data, n, 0), (ssize_t)n);
    }
    return fd;
}

/* The SHA-256 of [offset, offset + len) of fd, read in pieces. */
static void file_sha256(int fd, off_t offset, size_t len, unsigned char out[crypto_hash_sha256_BYTES])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char *b = em_malloc(1 << 16);
    while (len > 0) {
        size_t k = len < (1 << 16) ? len : (1 << 16);
        assert_int_equal(pread(fd, b, k, offset), (ssize_t)k);
        crypto_hash_sha256_update(&st, b, k);
        offset += (off_t)k;
        len -= k;
    }
    free(b);
    crypto_hash_sha256_final(&st, out);
}

/* A sink that hashes what it gets, counts it, and can stop. */
typedef struct hash_sink {
    crypto_hash_sha256_state st;
    size_t total;
    size_t largest; /* piece */
    int calls;
    int stop_at;    /* stop on this call (1-based); 0: never */
    int stop_rc;
} hash_sink;

static int hash_sink_fn(void *ctx, const void *data, size_t n)
{
    hash_sink *h = ctx;
    h->calls++;
    if (h->stop_at > 0 && h->calls >= h->stop_at)
        return h->stop_rc;
    crypto_hash_sha256_update(&h->st, data, n);
    h->total += n;
    if (n > h->largest)
        h->largest = n;
    return 0;
}

/* Read key through a hash_sink, expecting it to hold the digest of len bytes. */
static void read_equals(storage *s, const char *key, size_t len,
                        const unsigned char want[crypto_hash_sha256_BYTES])
{
    hash_sink h = {0};
    crypto_hash_sha256_init(&h.st);
    em_error err = {0};
    int rc = storage_read(s, key, len, hash_sink_fn, &h, &err);
    if (rc != EM_OK)
        fail_msg("read %s: %d %s", key, rc, err.msg);
    unsigned char got[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h.st, got);
    assert_int_equal(h.total, len);
    assert_true(h.largest <= STORAGE_CHUNK_MAX);
    assert_memory_equal(got, want, sizeof got);
}

static void size_equals(storage *s, const char *key, uint64_t want)
{
    uint64_t size = 1;
    em_error err = {0};
    int rc = storage_size(s, key, &size, &err);
    if (rc != EM_OK)
        fail_msg("size %s: %d %s", key, rc, err.msg);
    assert_int_equal(size, want);
}

/* What both backends must do with the streaming calls. */
static void streaming_checks(storage *s)
{
    em_error err = {0};
    unsigned char *data = NULL;
    int fd = source_file(300000, &data);
    assert_int_equal(lseek(fd, 11, SEEK_SET), 11);

    /* a range of a file, then the whole of it; the file's offset stays */
    assert_int_equal(storage_put_fd(s, "stream/part", fd, 1000, 200000, "application/pdf", &err), EM_OK);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 11);
    unsigned char want[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(want, data + 1000, 200000);
    read_equals(s, "stream/part", 200000, want);
    size_equals(s, "stream/part", 200000);
    get_equals(s, "stream/part", data + 1000, 200000);
    assert_int_equal(storage_put_fd(s, "stream/whole", fd, 0, 300000, NULL, &err), EM_OK);
    get_equals(s, "stream/whole", data, 300000);
    /* empty ranges, at the start and at the very end */
    assert_int_equal(storage_put_fd(s, "stream/empty", fd, 0, 0, NULL, &err), EM_OK);
    get_equals(s, "stream/empty", "", 0);
    size_equals(s, "stream/empty", 0);
    assert_int_equal(storage_put_fd(s, "stream/empty", fd, 300000, 0, NULL, &err), EM_OK);
    /* what storage_put wrote reads back through storage_read too */
    put_ok(s, "stream/small", "abc", 3);
    crypto_hash_sha256(want, (const unsigned char *)"abc", 3);
    read_equals(s, "stream/small", 3, want);

    /* too large: refused before the sink sees a byte */
    hash_sink h = {0};
    crypto_hash_sha256_init(&h.st);
    assert_int_equal(storage_read(s, "stream/part", 199999, hash_sink_fn, &h, &err), EM_E_TOO_LARGE);
    assert_int_equal(err.code, EM_E_TOO_LARGE);
    assert_int_equal(h.calls, 0);
    assert_int_equal(storage_read(s, "stream/small", 0, hash_sink_fn, &h, &err), EM_E_TOO_LARGE);
    assert_int_equal(h.calls, 0);
    assert_int_equal(storage_read(s, "stream/empty", 0, hash_sink_fn, &h, &err), EM_OK);
    get_fails(s, "stream/part", 199999, EM_E_TOO_LARGE);

    /* the sink stops the read: its code comes back */
    h = (hash_sink){.stop_at = 2, .stop_rc = EM_E_IO};
    crypto_hash_sha256_init(&h.st);
    assert_int_equal(storage_read(s, "stream/whole", 300000, hash_sink_fn, &h, &err), EM_E_IO);
    assert_int_equal(h.calls, 2);
    h = (hash_sink){.stop_at = 1, .stop_rc = EM_E_CANCELED};
    crypto_hash_sha256_init(&h.st);
    assert_int_equal(storage_read(s, "stream/whole", 300000, hash_sink_fn, &h, &err), EM_E_CANCELED);
    assert_int_equal(err.code, EM_E_CANCELED);

    /* absent objects */
    h = (hash_sink){0};
    assert_int_equal(storage_read(s, "stream/none", 100, hash_sink_fn, &h, &err), EM_E_NOT_FOUND);
    assert_int_equal(h.calls, 0);
    uint64_t size = 7;
    assert_int_equal(storage_size(s, "stream/none", &size, &err), EM_E_NOT_FOUND);
    assert_int_equal(size, 0);

    /* bad arguments, refused before anything is touched */
    assert_int_equal(storage_put_fd(s, "stream/x", fd, 299990, 11, NULL, &err), EM_E_IO); /* past the end */
    assert_int_equal(storage_put_fd(s, "stream/x", fd, -1, 1, NULL, &err), EM_E_INVAL);
    assert_int_equal(storage_put_fd(s, "stream/x", -1, 0, 1, NULL, &err), EM_E_INVAL);
    assert_int_equal(storage_put_fd(s, "../x", fd, 0, 1, NULL, &err), EM_E_INVAL);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    assert_int_equal(write(pipefd[1], "abc", 3), 3);
    assert_int_equal(storage_put_fd(s, "stream/x", pipefd[0], 0, 3, NULL, &err), EM_E_INVAL);
    close(pipefd[0]);
    close(pipefd[1]);
    assert_int_equal(storage_read(s, "a/../b", 10, hash_sink_fn, &h, &err), EM_E_INVAL);
    assert_int_equal(storage_read(s, "stream/part", 10, NULL, NULL, &err), EM_E_INVAL);
    assert_int_equal(storage_size(s, "/abs", &size, &err), EM_E_INVAL);
    get_fails(s, "stream/x", 100, EM_E_NOT_FOUND);

    static const char *const keys[] = {"stream/part", "stream/whole", "stream/empty", "stream/small"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(storage_delete(s, keys[i], &err), EM_OK);
    close(fd);
    free(data);
}

/* A 20 MB object stored from a file and read back through the sink: never
 * more than a piece at a time in the test's hands. */
static void large_checks(storage *s)
{
    size_t n = 20u << 20;
    int fd = source_file(n, NULL);
    unsigned char want[crypto_hash_sha256_BYTES];
    file_sha256(fd, 4096, n - 4096, want);
    em_error err = {0};
    assert_int_equal(storage_put_fd(s, "large/object", fd, 4096, n - 4096, NULL, &err), EM_OK);
    size_equals(s, "large/object", n - 4096);
    read_equals(s, "large/object", n - 4096, want);
    assert_int_equal(storage_delete(s, "large/object", &err), EM_OK);
    close(fd);
}

static void content_storage_local_streaming(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = open_local(tmp);
    char *root = em_asprintf("%s/files", tmp);
    streaming_checks(s);
    large_checks(s);
    em_error err = {0};

    /* a source on another file system (memfd): copy_file_range refuses, the
     * copy goes through user space */
    int mfd = memfd_create("em_storage_test", MFD_CLOEXEC);
    assert_true(mfd >= 0);
    unsigned char bytes[200000];
    randombytes_buf(bytes, sizeof bytes);
    assert_int_equal(write(mfd, bytes, sizeof bytes), (ssize_t)sizeof bytes);
    assert_int_equal(storage_put_fd(s, "mem/obj", mfd, 5, sizeof bytes - 5, NULL, &err), EM_OK);
    get_equals(s, "mem/obj", bytes + 5, sizeof bytes - 5);
    close(mfd);

    /* the path of an object, for those that open files themselves */
    char path[4096];
    assert_int_equal(storage_local_path(s, "mem/obj", path, sizeof path), EM_OK);
    char *want = em_asprintf("%s/mem/obj", root);
    assert_string_equal(path, want);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, sizeof bytes - 5);
    assert_int_equal(storage_local_path(s, "mem/../x", path, sizeof path), EM_E_INVAL);
    char tiny[8];
    assert_int_equal(storage_local_path(s, "mem/obj", tiny, sizeof tiny), EM_E_TOO_LARGE);
    assert_string_equal(tiny, "");
    free(want);

    /* a target that cannot be written (a directory is in the way, found
     * after the whole copy): no temporary file is left behind */
    int fd = source_file(100000, NULL);
    put_ok(s, "d/inner", "x", 1);
    assert_int_equal(storage_put_fd(s, "d", fd, 0, 100000, NULL, &err), EM_E_IO);
    assert_null(strstr(err.msg, tmp));
    close(fd);
    assert_int_equal(count_temp_files(root), 0);

    /* directories are not objects */
    uint64_t size;
    assert_int_equal(storage_size(s, "d", &size, &err), EM_E_NOT_FOUND);

    storage_close(s);
    rm_rf(tmp);
    free(root);
    free(tmp);
}

static void content_storage_s3_streaming(void **state)
{
    fake_s3 *f = fake_start();
    storage *s = open_s3(f, "s3://bucket/pre", FAKE_SECRET, 0);
    streaming_checks(s);
    large_checks(s);
    em_error err = {0};

    /* the PUT from a file carries the type and the bytes */
    unsigned char *data;
    int fd = source_file(70000, &data);
    assert_int_equal(storage_put_fd(s, "typed", fd, 0, 70000, "text/plain", &err), EM_OK);
    assert_last_path(f, "/bucket/pre/typed");
    assert_last_content_type(f, "text/plain");
    void *stored;
    size_t stored_len;
    assert_true(fake_s3_get(f, "/bucket/pre/typed", &stored, &stored_len));
    assert_int_equal(stored_len, 70000);
    assert_memory_equal(stored, data, 70000);
    free(stored);

    /* no Content-Length in the answer: stopped as soon as it goes past */
    fake_s3_set_omit_length(f, true);
    hash_sink h = {0};
    crypto_hash_sha256_init(&h.st);
    assert_int_equal(storage_read(s, "typed", 1000, hash_sink_fn, &h, &err), EM_E_TOO_LARGE);
    assert_true(h.total <= 1000);
    unsigned char want[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(want, data, 70000);
    read_equals(s, "typed", 70000, want);
    fake_s3_set_omit_length(f, false);

    /* no files here */
    char path[256];
    assert_int_equal(storage_local_path(s, "typed", path, sizeof path), EM_E_UNSUPPORTED);
    assert_string_equal(path, "");

    /* S3 failing: 503 for every call */
    fake_s3_force_status(f, 503, "SlowDown");
    uint64_t size;
    assert_int_equal(storage_put_fd(s, "typed", fd, 0, 10, NULL, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "SlowDown"));
    assert_int_equal(storage_read(s, "typed", 70000, hash_sink_fn, &h, &err), EM_E_UNAVAILABLE);
    assert_int_equal(storage_size(s, "typed", &size, &err), EM_E_UNAVAILABLE);
    assert_int_equal(storage_put_fd(s, "fresh", fd, 0, 70000, NULL, &err), EM_E_UNAVAILABLE);
    assert_false(fake_s3_get(f, "/bucket/pre/fresh", &stored, &stored_len)); /* nothing half-stored */
    fake_s3_force_status(f, 0, NULL);
    assert_int_equal(storage_delete(s, "typed", &err), EM_OK);
    assert_int_equal(fake_s3_rejected(f), 0);
    storage_close(s);
    fake_s3_stop(f);

    /* S3 gone: every call is EM_E_UNAVAILABLE, naming S3 and not where it was */
    f = fake_start();
    s = open_s3(f, "s3://bucket", FAKE_SECRET, 0);
    fake_s3_stop(f);
    h = (hash_sink){0};
    assert_int_equal(storage_put_fd(s, "k", fd, 0, 70000, NULL, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "S3"));
    assert_null(strstr(err.msg, "127.0.0.1"));
    assert_int_equal(storage_put(s, "k", "v", 1, NULL, &err), EM_E_UNAVAILABLE);
    assert_int_equal(storage_read(s, "k", 100, hash_sink_fn, &h, &err), EM_E_UNAVAILABLE);
    assert_int_equal(h.calls, 0);
    assert_int_equal(storage_size(s, "k", &size, &err), EM_E_UNAVAILABLE);
    assert_int_equal(storage_delete(s, "k", &err), EM_E_UNAVAILABLE);
    storage_close(s);
    close(fd);
    free(data);
}

/* ---- listing, both backends ---------------------------------------------- */

#define LIST_MAX 64

typedef struct listed {
    storage *s;
    char keys[LIST_MAX][STORAGE_KEY_MAX + 1];
    uint64_t sizes[LIST_MAX];
    int64_t mtimes[LIST_MAX];
    int n;
    int stop_after; /* > 0: stop the listing after this many */
    bool remove;    /* delete each object as it is seen */
} listed;

static int collect(void *ctx, const char *key, uint64_t size, int64_t mtime_s)
{
    listed *l = ctx;
    if (l->n == LIST_MAX)
        return EM_E_TOO_LARGE;
    snprintf(l->keys[l->n], sizeof l->keys[0], "%s", key);
    l->sizes[l->n] = size;
    l->mtimes[l->n] = mtime_s;
    l->n++;
    if (l->remove) {
        em_error err = {0};
        if (storage_delete(l->s, key, &err) != EM_OK)
            return EM_E_IO;
    }
    return l->stop_after > 0 && l->n == l->stop_after ? EM_E_CANCELED : EM_OK;
}

/* Where key is in l, or -1. */
static int listed_at(const listed *l, const char *key)
{
    for (int i = 0; i < l->n; i++) {
        if (strcmp(l->keys[i], key) == 0)
            return i;
    }
    return -1;
}

static void list_ok(storage *s, const char *prefix, listed *l)
{
    memset(l, 0, sizeof *l);
    l->s = s;
    em_error err = {0};
    int rc = storage_list(s, prefix, collect, l, &err);
    if (rc != EM_OK)
        fail_msg("list \"%s\": %d %s", prefix, rc, err.msg);
}

/* Exactly the keys want[0..n) (in any order), each once, with its size. */
static void listed_exactly(const listed *l, const char *const *want, const uint64_t *sizes, int n)
{
    if (l->n != n) {
        for (int i = 0; i < l->n; i++)
            fprintf(stderr, "listed: %s\n", l->keys[i]);
        fail_msg("listed %d objects, want %d", l->n, n);
    }
    for (int i = 0; i < n; i++) {
        int at = listed_at(l, want[i]);
        if (at < 0)
            fail_msg("%s was not listed", want[i]);
        assert_int_equal(l->sizes[at], sizes[i]);
    }
}

static void list_checks(storage *s)
{
    static const char *const keys[] = {"materials/a1/original",
                                       "materials/b2/original",
                                       "materials/b2/extra",
                                       "materials-other/x",
                                       "other/y",
                                       "top"};
    static const uint64_t sizes[] = {3, 5, 1, 2, 4, 0};
    for (size_t i = 0; i < 6; i++)
        put_ok(s, keys[i], "abcde", (size_t)sizes[i]);
    int64_t now = (int64_t)time(NULL);
    listed l;
    list_ok(s, "materials/", &l);
    listed_exactly(&l, keys, sizes, 3);
    for (int i = 0; i < l.n; i++)
        assert_true(l.mtimes[i] > now - 120 && l.mtimes[i] < now + 120);
    list_ok(s, "", &l);
    listed_exactly(&l, keys, sizes, 6);
    list_ok(s, "materials", &l); /* a prefix, not a directory */
    listed_exactly(&l, keys, sizes, 4);
    static const char *const b2[] = {"materials/b2/original", "materials/b2/extra"};
    static const uint64_t b2_sizes[] = {5, 1};
    list_ok(s, "materials/b", &l);
    listed_exactly(&l, b2, b2_sizes, 2);
    list_ok(s, "materials/b2/", &l);
    listed_exactly(&l, b2, b2_sizes, 2);
    list_ok(s, "top", &l);
    listed_exactly(&l, keys + 5, sizes + 5, 1);
    list_ok(s, "nothing/", &l);
    assert_int_equal(l.n, 0);

    /* bad prefixes and visitors never reach the store */
    em_error err = {0};
    const char *bad[] = {"../", "/materials", "a//", "a/../b", "a b", "/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(storage_list(s, bad[i], collect, &l, &err), EM_E_INVAL);
    assert_int_equal(storage_list(s, NULL, collect, &l, &err), EM_E_INVAL);
    assert_int_equal(storage_list(s, "", NULL, &l, &err), EM_E_INVAL);

    /* the visitor stops it: its code comes back */
    memset(&l, 0, sizeof l);
    l.stop_after = 2;
    assert_int_equal(storage_list(s, "", collect, &l, &err), EM_E_CANCELED);
    assert_int_equal(l.n, 2);

    /* the visitor may delete what it is given */
    memset(&l, 0, sizeof l);
    l.s = s;
    l.remove = true;
    assert_int_equal(storage_list(s, "materials/", collect, &l, &err), EM_OK);
    assert_int_equal(l.n, 3);
    list_ok(s, "", &l);
    listed_exactly(&l, keys + 3, sizes + 3, 3);
    for (size_t i = 3; i < 6; i++)
        assert_int_equal(storage_delete(s, keys[i], &err), EM_OK);
    list_ok(s, "", &l);
    assert_int_equal(l.n, 0);
}

static void content_storage_local_list(void **state)
{
    char *tmp = make_tmpdir();
    storage *s = open_local(tmp);
    list_checks(s);

    /* what is not an object: a write's temporary file, a link, a name that
     * is not a key, a directory */
    char *root = em_asprintf("%s/files", tmp);
    put_ok(s, "materials/c3/original", "xyz", 3);
    char *p = em_asprintf("%s/materials/c3/.original~Ab12Cd", root);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    free(p);
    p = em_asprintf("%s/materials/c3/link", root);
    assert_int_equal(symlink("/etc/hostname", p), 0);
    free(p);
    p = em_asprintf("%s/materials/c3/not a key", root);
    fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    free(p);
    p = em_asprintf("%s/materials/empty-dir", root);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
    /* a file's time is when it was last written */
    p = em_asprintf("%s/materials/c3/original", root);
    struct timespec times[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    assert_int_equal(utimensat(AT_FDCWD, p, times, 0), 0);
    free(p);
    listed l;
    list_ok(s, "materials/", &l);
    static const char *const only[] = {"materials/c3/original"};
    static const uint64_t only_size[] = {3};
    listed_exactly(&l, only, only_size, 1);
    assert_int_equal(l.mtimes[0], 1000000000);
    /* a store with nothing in it yet */
    char *empty = make_tmpdir();
    storage *e = open_local(empty);
    list_ok(e, "materials/", &l);
    assert_int_equal(l.n, 0);
    storage_close(e);
    rm_rf(empty);
    free(empty);

    storage_close(s);
    rm_rf(tmp);
    free(root);
    free(tmp);
}

static void content_storage_s3_list(void **state)
{
    fake_s3 *f = fake_start();
    storage *s = open_s3(f, "s3://bucket/pre", FAKE_SECRET, 0);
    list_checks(s);
    assert_int_equal(fake_s3_rejected(f), 0);

    /* pages of two keys: the continuation tokens (which hold '+', '/' and
     * '=') are followed to the end, each request signed as S3 reads it */
    char key[64];
    for (int i = 0; i < 7; i++) {
        snprintf(key, sizeof key, "materials/m%d/original", i);
        put_ok(s, key, "12345678", (size_t)i);
    }
    fake_s3_set_list_page(f, 2);
    int before = fake_s3_lists(f);
    listed l;
    list_ok(s, "materials/", &l);
    assert_int_equal(l.n, 7);
    for (int i = 0; i < 7; i++) {
        snprintf(key, sizeof key, "materials/m%d/original", i);
        int at = listed_at(&l, key);
        assert_true(at >= 0);
        assert_int_equal(l.sizes[at], (uint64_t)i);
    }
    assert_int_equal(fake_s3_lists(f) - before, 4);
    assert_int_equal(fake_s3_rejected(f), 0);

    /* objects that are not ours are skipped: outside the store's prefix, a
     * name (entities decoded) that is not a key; times come from S3 */
    fake_s3_put(f, "/bucket/elsewhere/materials/x", "x", 1);
    fake_s3_put(f, "/bucket/pre/materials/a&b<c>", "x", 1);
    assert_true(fake_s3_set_mtime(f, "/bucket/pre/materials/m3/original", 1000000000));
    list_ok(s, "materials/", &l);
    assert_int_equal(l.n, 7);
    assert_int_equal(l.mtimes[listed_at(&l, "materials/m3/original")], 1000000000);
    fake_s3_set_list_page(f, 0);

    /* S3 failing */
    em_error err = {0};
    fake_s3_force_status(f, 503, "SlowDown");
    assert_int_equal(storage_list(s, "materials/", collect, &l, &err), EM_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "SlowDown"));
    fake_s3_force_status(f, 403, "AccessDenied");
    assert_int_equal(storage_list(s, "materials/", collect, &l, &err), EM_E_IO);
    fake_s3_force_status(f, 0, NULL);
    assert_int_equal(fake_s3_rejected(f), 0);
    storage_close(s);

    /* a wrong secret: refused, not an empty listing */
    s = open_s3(f, "s3://bucket/pre", "not-the-secret", 0);
    assert_int_equal(storage_list(s, "materials/", collect, &l, &err), EM_E_IO);
    assert_non_null(strstr(err.msg, "SignatureDoesNotMatch"));
    storage_close(s);
    fake_s3_stop(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_storage_keys),
        cmocka_unit_test(content_storage_local_round_trip),
        cmocka_unit_test(content_storage_local_failed_put_leaves_nothing),
        cmocka_unit_test(content_storage_local_atomic_replace),
        cmocka_unit_test(content_storage_local_concurrent),
        cmocka_unit_test(content_storage_open_options),
        cmocka_unit_test(content_storage_fake_s3_sign_aws_examples),
        cmocka_unit_test(content_storage_fake_s3_sign_errors),
        cmocka_unit_test(content_storage_s3_round_trip),
        cmocka_unit_test(content_storage_s3_errors),
        cmocka_unit_test(content_storage_s3_concurrent),
        cmocka_unit_test(content_storage_s3_options),
        cmocka_unit_test(content_storage_local_streaming),
        cmocka_unit_test(content_storage_s3_streaming),
        cmocka_unit_test(content_storage_local_list),
        cmocka_unit_test(content_storage_s3_list),
    };
    if (net_global_init() != EM_OK) {
        fprintf(stderr, "net_global_init failed\n");
        return 1;
    }
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    net_global_cleanup();
    return failed;
}
