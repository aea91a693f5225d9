/* sessions: see sessions.h. */
#include "study/sessions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/authz.h"
#include "core/ids.h"
#include "core/mem.h"

#define SESSION_MATERIALS_MAX 200 /* materials of one session (learn/plan.h's PLAN_MAX_MATERIALS) */

int sessions__owner(db *d, const principal *who, const char *session_id, bool write, char owner_id[37],
                    em_error *err)
{
    owner_id[0] = '\0';
    if (session_id == NULL || !id_is_uuid(session_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d, "SELECT user_id FROM study_sessions WHERE id = $1", &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    if (rc == EM_OK)
        rc = db_step(st, err);
    if (rc == DB_ROW)
        snprintf(owner_id, 37, "%s", db_column_text(st, 0));
    db_finalize(st);
    if (rc == DB_DONE)
        return em_error_set(err, EM_E_NOT_FOUND, "no such session");
    if (rc != DB_ROW)
        return rc;
    if (write) {
        if (strcmp(owner_id, who->user_id) != 0) {
            owner_id[0] = '\0';
            return em_error_set(err, EM_E_NOT_FOUND, "no such session");
        }
        return EM_OK;
    }
    rc = authz_require_view(d, who, owner_id, "session", err);
    if (rc != EM_OK)
        owner_id[0] = '\0';
    return rc;
}

void session_ids_free(char **ids, size_t n)
{
    if (ids == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

int session_materials(db *d, const principal *who, const char *session_id, bool write, char owner_id[37],
                      char ***material_ids, size_t *n, em_error *err)
{
    *material_ids = NULL;
    *n = 0;
    int rc = sessions__owner(d, who, session_id, write, owner_id, err);
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT material_id FROM session_materials WHERE session_id = $1 "
                           "ORDER BY position, material_id",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, session_id);
    char **ids = NULL;
    size_t count = 0, cap = 0;
    while (db_next(st, &rc, err)) {
        if (count == cap) {
            cap = cap != 0 ? cap * 2 : 8;
            ids = em_realloc(ids, cap * sizeof *ids);
        }
        ids[count++] = db_column_strdup(st, 0);
    }
    db_finalize(st);
    if (rc != EM_OK) {
        session_ids_free(ids, count);
        owner_id[0] = '\0';
        return rc;
    }
    *material_ids = ids;
    *n = count;
    return EM_OK;
}
