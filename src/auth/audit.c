#include "auth/audit.h"

#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "core/log.h"

void audit_record(db *d, const char *event, const char *user_id, const char *actor_id, const char *ip,
                  json_t *detail)
{
    if (detail == NULL)
        detail = json_object();
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    char id[ID_UUID_LEN + 1];
    id_uuid7(id);
    em_error err = {0};
    const char *params[] = {id, event, user_id, actor_id, ip, text != NULL ? text : "{}"};
    /* A level of its own: inside a caller's transaction a failed insert is
     * rolled back to here and the caller's work goes on (PostgreSQL would
     * otherwise abort the whole transaction). */
    int rc = db_begin(d, &err);
    if (rc == EM_OK) {
        rc = db_run(d,
                    "INSERT INTO audit_log (id, event, user_id, actor_id, ip, detail) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    params, 6, &err);
        if (rc == DB_DONE)
            rc = db_commit(d, &err) == EM_OK ? DB_DONE : EM_E_DB;
        if (rc != DB_DONE)
            db_rollback(d);
    }
    json_t *fields = json_pack("{s:s, s:s?, s:s?, s:s?}", "event", event, "user_id", user_id, "actor_id",
                               actor_id, "ip", ip);
    if (fields != NULL)
        json_object_set(fields, "detail", detail);
    log_emit(strncmp(event, "login_failed", 12) == 0 || strcmp(event, "token_reuse") == 0 ? LOG_WARN
                                                                                          : LOG_INFO,
             "audit", fields);
    if (rc != DB_DONE)
        log_msg(LOG_ERROR, "audit: could not record %s: %s", event, err.msg[0] ? err.msg : em_strerror(rc));
    free(text);
    json_decref(detail);
}
