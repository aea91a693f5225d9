/* `exammentor ingest FILE...`: add study material from the command line, the
 * same way an upload does (materials/submit.h), then extract it right here
 * instead of through the queue, showing progress: a bar with pages done, total
 * and rate on a terminal, one line per file otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "auth/users.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "materials/ingest.h"
#include "materials/submit.h"
#include "materials/tags.h"

static const char usage[] =
    "Usage: exammentor ingest FILE... [--user EMAIL] [--worksheet] [--tags a,b] [--title T]\n"
    "\n"
    "Add each FILE (PDF, plain text, Markdown or HTML; the type is read from the content)\n"
    "as study material of the user, extract it, and print one line per file:\n"
    "  <material id> ready|failed <file> pages=N sections=N chunks=N topics=N questions=N\n"
    "Pending migrations are applied first. Exit status 1 when any file failed.\n"
    "\n"
    "  --user EMAIL  the owner (default FIRST_SUPERUSER)\n"
    "  --worksheet   the files are worksheets: their questions go to the question bank\n"
    "  --tags a,b    curriculum tags for the files' questions (e.g. math.algebra)\n"
    "  --title T     title (only with one FILE; default: the file name)\n";

/* The progress display of one file; the extractor calls it from its threads. */
typedef struct progress {
    pthread_mutex_t mu;
    const char *name;
    bool tty;
    int64_t start_us;
    int64_t last_draw_us;
    int done, total;
} progress;

static void draw(progress *p, bool final)
{
    double s = (double)(clock_mono_us() - p->start_us) / 1e6;
    double rate = s > 0 ? p->done / s : 0;
    int width = 30;
    int fill = p->total > 0 ? p->done * width / p->total : 0;
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %d/%d pages  %.0f pages/s  %.40s%s", bar, p->done, p->total, rate, p->name,
            final ? "\n" : "");
    fflush(stderr);
}

static void on_progress(void *ctx, int done, int total)
{
    progress *p = ctx;
    pthread_mutex_lock(&p->mu);
    if (done > p->done)
        p->done = done;
    p->total = total;
    int64_t now = clock_mono_us();
    /* At most ten redraws a second: a fast PDF does thousands of pages. */
    if (p->tty && (now - p->last_draw_us > 100000 || done == total)) {
        p->last_draw_us = now;
        draw(p, false);
    }
    pthread_mutex_unlock(&p->mu);
}

typedef struct ingest_args {
    const char *user_id;
    bool worksheet;
    const char *tags_json;
    const char *title;
} ingest_args;

/* Submit and extract one file; prints its result line. False when it failed. */
static bool ingest_one(app *a, db *d, const ingest_args *args, const char *path, bool tty)
{
    em_error err = {0};
    /* The file is read in pieces from where it is, never whole into memory. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int rc = EM_OK;
    if (fd < 0 || fstat(fd, &st) != 0)
        rc = em_error_set(&err, EM_E_IO, "cannot open it: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = em_error_set(&err, EM_E_INVAL, "not a regular file");
    else if ((uint64_t)st.st_size > (uint64_t)a->cfg.max_upload_mb * 1024 * 1024)
        rc = em_error_set(&err, EM_E_TOO_LARGE, "the file is larger than MAX_UPLOAD_MB (%ld MB)",
                          a->cfg.max_upload_mb);
    submit_output sub;
    if (rc == EM_OK) {
        submit_input in = {.user_id = args->user_id, .fd = fd, .offset = 0, .len = (size_t)st.st_size,
                           .filename = path, .title = args->title, .is_worksheet = args->worksheet,
                           .tags_json = args->tags_json, .enqueue = false};
        rc = material_submit(d, a->files, &in, &sub, &err);
    }
    if (fd >= 0)
        close(fd);
    if (rc != EM_OK) {
        printf("- failed %s: %s\n", path, err.msg[0] ? err.msg : em_strerror(rc));
        fflush(stdout);
        return false;
    }
    progress p = {.name = path, .tty = tty, .start_us = clock_mono_us()};
    pthread_mutex_init(&p.mu, NULL);
    ingest_options o = a->extraction.limits;
    o.progress = on_progress;
    o.progress_ctx = &p;
    ingest_outcome out;
    rc = ingest_material(d, a->files, sub.material_id, &o, &out, &err);
    if (tty && p.total > 0)
        draw(&p, true);
    pthread_mutex_destroy(&p.mu);
    double s = (double)(clock_mono_us() - p.start_us) / 1e6;
    if (rc != EM_OK) {
        em_error ferr = {0};
        material_set_failed(d, sub.material_id, err.msg, &ferr);
        printf("%s failed %s: %s\n", sub.material_id, path, err.msg[0] ? err.msg : em_strerror(rc));
    } else if (out.status == INGEST_FAILED) {
        printf("%s failed %s: %s\n", sub.material_id, path, out.error);
    } else {
        printf("%s ready %s pages=%d sections=%d chunks=%d topics=%d questions=%d seconds=%.3f\n",
               sub.material_id, path, out.page_count, out.section_count, out.chunk_count, out.topic_count,
               out.question_count, s);
    }
    fflush(stdout);
    return rc == EM_OK && out.status == INGEST_READY;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {"worksheet", no_argument, NULL, 'w'},
        {"tags", required_argument, NULL, 't'},
        {"title", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *email = NULL, *tags = NULL;
    ingest_args args = {0};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'u': email = optarg; break;
        case 'w': args.worksheet = true; break;
        case 't': tags = optarg; break;
        case 'T': args.title = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        case ':': return cli_usage_error("ingest", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("ingest", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("ingest", "name at least one FILE");
    if (args.title != NULL && argc - optind > 1)
        return cli_usage_error("ingest", "--title needs exactly one FILE");
    em_error err = {0};
    char *tags_json = NULL;
    if (tags != NULL && tags_parse(tags, NULL, &tags_json, &err) != EM_OK)
        return cli_usage_error("ingest", "--tags: %s", err.msg);
    args.tags_json = tags_json;

    config cfg;
    if (app_load_config(&cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor ingest: %s\n", err.msg);
        free(tags_json);
        return CLI_FAIL;
    }
    log_configure(LOG_WARN, 2);
    app a;
    if (app_init(&a, &cfg, &err) != EM_OK) {
        fprintf(stderr, "exammentor ingest: cannot start: %s\n", err.msg);
        free(tags_json);
        return CLI_FAIL;
    }
    int result = CLI_FAIL;
    db *d = NULL;
    user owner;
    if (app_migrate(&a, &err) != EM_OK || dbpool_get(a.db, &d, &err) != EM_OK) {
        fprintf(stderr, "exammentor ingest: %s\n", err.msg);
        goto out;
    }
    if (email == NULL)
        email = a.cfg.first_superuser;
    if (email == NULL) {
        fprintf(stderr, "exammentor ingest: name the owner with --user EMAIL (FIRST_SUPERUSER is not set)\n");
        goto out;
    }
    if (app_ensure_superuser(&a, &err) != EM_OK || users_get_by_email(d, email, &owner, &err) != EM_OK) {
        fprintf(stderr, "exammentor ingest: no account %s%s%s\n", email, err.msg[0] ? ": " : "", err.msg);
        goto out;
    }
    args.user_id = owner.id;
    bool tty = isatty(STDERR_FILENO) == 1;
    int failed = 0;
    for (int i = optind; i < argc; i++)
        failed += !ingest_one(&a, d, &args, argv[i], tty);
    if (failed > 0)
        fprintf(stderr, "%d of %d file%s failed\n", failed, argc - optind, argc - optind == 1 ? "" : "s");
    result = failed > 0 ? CLI_FAIL : CLI_OK;
out:
    dbpool_release(a.db);
    app_cleanup(&a);
    free(tags_json);
    return result;
}
