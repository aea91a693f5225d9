/* sweep: see sweep.h. The listing only collects candidates (old enough, no
 * row); they are removed after it, so the walk never sees its own
 * deletions. */
#include "materials/sweep.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "materials/extraction_job.h"

typedef struct sweep_walk {
    db *d;
    int64_t before_s; /* files last written before this are old enough */
    sweep_result *out;
    char **orphans; /* owned keys */
    size_t n, cap;
    em_error *err;
} sweep_walk;

static int visit(void *ctx, const char *key, uint64_t size, int64_t mtime_s)
{
    sweep_walk *w = ctx;
    (void)size;
    w->out->seen++;
    if (mtime_s >= w->before_s || w->n >= SWEEP_MAX_PER_RUN)
        return EM_OK;
    const char *p[] = {key};
    int rc = db_run_cached(w->d, "SELECT 1 FROM materials WHERE storage_key = $1", p, 1, w->err);
    if (rc == DB_ROW)
        return EM_OK; /* a material's file */
    if (rc != EM_OK)
        return rc;
    if (w->n == w->cap) {
        w->cap = w->cap > 0 ? 2 * w->cap : 16;
        w->orphans = em_realloc(w->orphans, w->cap * sizeof *w->orphans);
    }
    w->orphans[w->n++] = em_strdup(key);
    return EM_OK;
}

int sweep_orphans(db *d, storage *files, int64_t now_s, int64_t min_age_s, sweep_result *out, em_error *err)
{
    memset(out, 0, sizeof *out);
    sweep_walk w = {.d = d, .before_s = now_s - min_age_s, .out = out, .err = err};
    int rc = storage_list(files, SWEEP_PREFIX, visit, &w, err);
    /* What was found is removed even when the listing stopped early. */
    for (size_t i = 0; i < w.n; i++) {
        out->orphans++;
        em_error derr = {0};
        if (storage_delete(files, w.orphans[i], &derr) == EM_OK) {
            out->removed++;
            log_emit(LOG_INFO, "orphaned original removed", json_pack("{s:s}", "key", w.orphans[i]));
        } else {
            out->failed++;
            log_msg(LOG_WARN, "sweep: the orphaned original %s could not be removed: %s", w.orphans[i],
                    derr.msg);
        }
        free(w.orphans[i]);
    }
    free(w.orphans);
    return rc;
}

int sweep_job_run(job_ctx *ctx, em_error *err)
{
    const extraction_env *env = ctx->env;
    json_t *age = json_object_get(ctx->payload, "min_age_s");
    int64_t min_age_s = json_is_integer(age) ? (int64_t)json_integer_value(age) : SWEEP_MIN_AGE_S;
    if (min_age_s < 0)
        return em_error_set(err, EM_E_INVAL, "min_age_s must be 0 or more");
    sweep_result r;
    int rc = sweep_orphans(ctx->db, env->files, clock_now_ms() / 1000, min_age_s, &r, err);
    if (rc == EM_OK)
        log_emit(r.removed > 0 || r.failed > 0 ? LOG_INFO : LOG_DEBUG, "orphaned originals swept",
                 json_pack("{s:I, s:I, s:I, s:I}", "seen", (json_int_t)r.seen, "orphans",
                           (json_int_t)r.orphans, "removed", (json_int_t)r.removed, "failed",
                           (json_int_t)r.failed));
    return rc;
}
