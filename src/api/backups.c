/* backups: what an admin sees of the backups (ops/backup.h) and how one asks
 * for one now (ops/ops_jobs.h); making, checking and restoring stay with the
 * operator's command line, which runs where the files are. */
#include "api/api.h"
#include "ops/backup.h"
#include "ops/ops_jobs.h"

static void add_backup(void *ctx, const backup_summary *s)
{
    json_array_append_new(ctx,
                          json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I}", "name", s->name, "created_at",
                                    s->created_at, "dialect", s->dialect, "schema_version", s->schema_version,
                                    "database_bytes", (json_int_t)s->database_bytes, "files",
                                    (json_int_t)s->files, "file_bytes", (json_int_t)s->file_bytes));
}

void api_admin_backups_list(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    json_t *items = json_array();
    em_error err = {0};
    if (c->backup_dir != NULL && backup_list(c->backup_dir, add_backup, items, NULL, &err) != EM_OK) {
        json_decref(items);
        api_error(res, EM_E_IO, &err);
        return;
    }
    http_res_json(res, 200, json_pack("{s:s?, s:o}", "dir", c->backup_dir, "items", items));
}

void api_admin_backups_request(http_req *req, http_res *res)
{
    api_ctx *c = req->ctx;
    db *d = api_db(req, res);
    if (d == NULL)
        return;
    char id[JOB_ID_LEN + 1];
    em_error err = {0};
    int rc = ops_request_backup(d, id, &err);
    if (rc != EM_OK) {
        api_error(res, rc, &err);
        return;
    }
    if (c->wake_worker != NULL)
        c->wake_worker(c->wake_ctx);
    http_res_json(res, 202, json_pack("{s:s, s:s}", "job_id", id, "status", "queued"));
}
