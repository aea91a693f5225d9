/* remove: see remove.h. */
#include "materials/remove.h"

#include "core/log.h"
#include "materials/material.h"

int material_remove(db *d, storage *files, const principal *who, const char *id, em_error *err)
{
    material m;
    int rc = material_get_visible(d, who, id, &m, err);
    if (rc != EM_OK)
        return rc;
    rc = material_delete(d, m.id, err);
    if (rc == EM_OK) {
        em_error serr = {0};
        if (storage_delete(files, m.storage_key, &serr) != EM_OK)
            log_msg(LOG_ERROR, "material %s deleted but its file %s was not removed: %s", m.id, m.storage_key,
                    serr.msg);
    }
    material_cleanup(&m);
    return rc;
}
