/* remove: take a material away, the reverse of submit.h: its rows in one
 * transaction (material, sections, chunks and their index entries, topics,
 * questions), then its stored original. The order means a failure never
 * leaves a row pointing at a missing file; a file that cannot be removed once
 * the rows are gone is logged with its key for the operator (nothing can
 * reach it any more). */
#ifndef EM_MATERIALS_REMOVE_H
#define EM_MATERIALS_REMOVE_H

#include "auth/token.h"
#include "content/storage.h"
#include "core/err.h"
#include "db/db.h"

/* Remove material `id` when `who` may see it (EM_E_NOT_FOUND otherwise). */
int material_remove(db *d, storage *files, const principal *who, const char *id, em_error *err);

#endif
