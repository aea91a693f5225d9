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
    db_stmt *st = NULL;
    int rc = db_prepare(d,
                        "INSERT INTO audit_log (id, event, user_id, actor_id, ip, detail) "
                        "VALUES ($1, $2, $3, $4, $5, $6)",
                        &st, &err);
    const char *params[] = {id, event, user_id, actor_id, ip, text != NULL ? text : "{}"};
    for (int i = 0; rc == EM_OK && i < 6; i++)
        rc = params[i] != NULL ? db_bind_text(st, i + 1, params[i]) : db_bind_null(st, i + 1);
    if (rc == EM_OK)
        rc = db_step(st, &err);
    db_finalize(st);
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
