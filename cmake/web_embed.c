/* web_embed: compile the web UI's files into a C source (run at build time).
 *
 *   web_embed <web dir> <list file> <output .c> [<symbol prefix>]
 *
 * The list file names the files to embed, one path relative to the web dir
 * per line (CMake writes it from its glob of web/, dotfiles left out). The
 * output defines what src/web/embedded_int.h declares: every file's bytes,
 * content type, ETag and, when compressible and smaller, a gzip copy, in
 * strcmp order of their paths, and the bundle hash (src/web/asset.h); with a
 * prefix P the arrays are P_files, P_count and P_hash instead (a test's own
 * bundle, given to webstore_new_table). The
 * output is rewritten only when it changes. Exits non-zero, naming the file,
 * when a path is not one the server would serve or a file cannot be read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "web/asset.h"

typedef struct file {
    char *path;
    unsigned char *data;
    size_t len;
    unsigned char *gz;
    size_t gz_len;
} file;

static void die(const char *what, const char *name)
{
    fprintf(stderr, "web_embed: %s: %s\n", name, what);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL)
        die("out of memory", "malloc");
    return p;
}

/* The whole file at path, or exit. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(strerror(errno), path);
    size_t cap = 4096, n = 0;
    unsigned char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            unsigned char *b = realloc(buf, cap);
            if (b == NULL)
                die("out of memory", path);
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f))
        die("read error", path);
    fclose(f);
    *len = n;
    return buf;
}

/* gzip at the highest level; NULL when it is not smaller. The header's
 * mtime is 0, so the same input gives the same bytes. */
static unsigned char *gzip(const unsigned char *data, size_t len, size_t *out_len, const char *name)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2 failed", name);
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    unsigned char *out = xmalloc(cap);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        die("deflate failed", name);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (*out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const file *)a)->path, ((const file *)b)->path);
}

/* A C string literal of s (printable ASCII as is, the rest octal). */
static void put_literal(FILE *o, const char *s)
{
    fputc('"', o);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '?')
            fprintf(o, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(o, "\\%03o", *p);
        else
            fputc(*p, o);
    }
    fputc('"', o);
}

static void put_bytes(FILE *o, const char *name, size_t i, const unsigned char *b, size_t n)
{
    fprintf(o, "static const unsigned char %s%zu[%zu] = {", name, i, n == 0 ? 1 : n);
    for (size_t k = 0; k < n; k++)
        fprintf(o, "%s%u,", k % 24 == 0 ? "\n    " : "", b[k]);
    fputs(n == 0 ? "0};\n" : "\n};\n", o);
}

/* Whether the files at a and b hold the same bytes (b may not exist). */
static int same_file(const char *a, const char *b)
{
    FILE *f = fopen(b, "rb");
    if (f == NULL)
        return 0;
    fclose(f);
    size_t la = 0, lb = 0;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);
    int same = la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: web_embed <web dir> <list file> <output .c> [<symbol prefix>]\n");
        return 2;
    }
    char sym_files[128] = "web__embedded", sym_count[128] = "web__embedded_count",
         sym_hash[128] = "web__embedded_hash";
    if (argc == 5) {
        snprintf(sym_files, sizeof sym_files, "%s_files", argv[4]);
        snprintf(sym_count, sizeof sym_count, "%s_count", argv[4]);
        snprintf(sym_hash, sizeof sym_hash, "%s_hash", argv[4]);
    }
    const char *dir = argv[1], *list = argv[2], *out = argv[3];
    size_t list_len = 0;
    char *text = (char *)slurp(list, &list_len);
    file *files = NULL;
    size_t n = 0, cap = 0;
    char *save = NULL;
    char *z = xmalloc(list_len + 1);
    memcpy(z, text, list_len);
    z[list_len] = '\0';
    free(text);
    for (char *line = strtok_r(z, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        size_t ll = strlen(line);
        if (ll > 0 && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (ll == 0)
            continue;
        if (!asset_path_ok(line))
            die("not a path the server serves (empty segment, dot segment or control byte)", line);
        if (n == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            file *f = realloc(files, cap * sizeof *files);
            if (f == NULL)
                die("out of memory", line);
            files = f;
        }
        size_t pl = strlen(dir) + 1 + ll + 1;
        char *full = xmalloc(pl);
        snprintf(full, pl, "%s/%s", dir, line);
        file *f = &files[n++];
        memset(f, 0, sizeof *f);
        f->path = strdup(line);
        if (f->path == NULL)
            die("out of memory", line);
        f->data = slurp(full, &f->len);
        free(full);
        if (asset_compressible(asset_content_type(f->path)))
            f->gz = gzip(f->data, f->len, &f->gz_len, f->path);
    }
    free(z);
    if (n > 0)
        qsort(files, n, sizeof *files, by_path);
    for (size_t i = 1; i < n; i++)
        if (strcmp(files[i - 1].path, files[i].path) == 0)
            die("listed twice", files[i].path);

    size_t tl = strlen(out) + 5;
    char *tmp = xmalloc(tl);
    snprintf(tmp, tl, "%s.tmp", out);
    FILE *o = fopen(tmp, "wb");
    if (o == NULL)
        die(strerror(errno), tmp);
    fputs("/* Generated by cmake/web_embed.c from web/: do not edit. */\n", o);
    fputs("#include \"web/embedded_int.h\"\n\n", o);
    asset_hasher h;
    asset_hasher_init(&h);
    for (size_t i = 0; i < n; i++) {
        asset_hasher_add(&h, files[i].path, files[i].data, files[i].len);
        put_bytes(o, "d", i, files[i].data, files[i].len);
        if (files[i].gz != NULL)
            put_bytes(o, "g", i, files[i].gz, files[i].gz_len);
    }
    char hash[ASSET_HASH_HEX + 1];
    asset_hasher_final(&h, hash);
    if (n == 0)
        fprintf(o, "const asset %s[1] = {{0}};\n", sym_files);
    else
        fprintf(o, "const asset %s[] = {\n", sym_files);
    for (size_t i = 0; i < n; i++) {
        char etag[ASSET_ETAG_MAX], etag_gz[ASSET_ETAG_MAX];
        asset_etag(files[i].data, files[i].len, false, etag);
        asset_etag(files[i].data, files[i].len, true, etag_gz);
        fputs("    {", o);
        put_literal(o, files[i].path);
        fputs(", ", o);
        put_literal(o, asset_content_type(files[i].path));
        fprintf(o, ", d%zu, %zu, ", i, files[i].len);
        if (files[i].gz != NULL)
            fprintf(o, "g%zu, %zu, ", i, files[i].gz_len);
        else
            fputs("NULL, 0, ", o);
        put_literal(o, etag);
        fputs(", ", o);
        if (files[i].gz != NULL)
            put_literal(o, etag_gz);
        else
            fputs("NULL", o);
        fputs("},\n", o);
    }
    if (n > 0)
        fputs("};\n", o);
    fprintf(o, "const size_t %s = %zu;\n", sym_count, n);
    fprintf(o, "const char %s[] = \"%s\";\n", sym_hash, hash);
    if (fclose(o) != 0)
        die("write error", tmp);
    if (same_file(tmp, out)) {
        remove(tmp);
    } else if (rename(tmp, out) != 0) {
        die(strerror(errno), out);
    }
    free(tmp);
    for (size_t i = 0; i < n; i++) {
        free(files[i].path);
        free(files[i].data);
        free(files[i].gz);
    }
    free(files);
    printf("web_embed: %zu files, bundle %s\n", n, hash);
    return 0;
}
