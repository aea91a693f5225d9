/* passages: a student's materials as built retrieval indexes (learn/retrieve),
 * for the tutor, with a cache so that a material is read and indexed once and
 * not for every question.
 *
 * passages_load takes material ids (or none: all the caller's ready
 * materials), checks each by the one rule (auth/authz.h) and, for the tutor,
 * that the caller owns it: asking the tutor is studying, and one studies one's
 * own materials. A tutor or an admin may see a student's material (search,
 * download) but does not ask the tutor about it: such an id is EM_E_NOT_FOUND
 * "no such material", the same as one that does not exist, so nothing is
 * learnt about what exists. A named material that is not ready (pending,
 * processing, failed) is EM_E_INVAL "material ... is not ready" (422): the
 * student asked about it by name and should hear why it cannot answer;
 * materials taken by default (all of them, or a study session's) that are not
 * ready are skipped.
 *
 * The cache holds built indexes keyed by material id and the material's
 * stamp (its updated_at and ready_at: re-extraction changes them), least
 * recently used first out, within a byte budget. An index is estimated at
 * PASSAGES_BYTES_PER_TEXT_BYTE times its text plus a fixed cost per passage
 * (learn/retrieve.h measures about 12 bytes per word besides the text). A
 * loaded set holds its indexes (reference counted), so eviction never frees
 * an index in use; one larger than the whole budget is built, used and freed,
 * never cached. Thread-safe: one mutex guards the table, indexes are built
 * outside it (two threads missing the same material at once both build it,
 * and the second copy is dropped). */
#ifndef EM_MATERIALS_PASSAGES_H
#define EM_MATERIALS_PASSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"
#include "learn/retrieve.h"

#define PASSAGES_MATERIALS_MAX 100     /* materials one question may draw on */
#define PASSAGES_BYTES_PER_TEXT_BYTE 3 /* the cache's estimate of an index's size */
#define PASSAGES_BYTES_PER_PASSAGE 256

typedef struct passages_cache passages_cache;

/* A cache of at most budget_bytes of indexes (0: nothing is kept; every load
 * builds). Free with passages_cache_free once no set is loaded from it
 * (NULL: no-op). */
passages_cache *passages_cache_new(size_t budget_bytes);
void passages_cache_free(passages_cache *c);

typedef struct passages_stats {
    uint64_t hits, misses, evictions;
    size_t entries, bytes; /* what is cached now */
} passages_stats;
void passages_cache_stats(passages_cache *c, passages_stats *out /* OUT */);
/* Drop every cached index of material_id (a deleted material): memory comes
 * back now rather than when the entry ages out. Sets holding it keep it.
 * c NULL: no-op. */
void passages_cache_forget(passages_cache *c, const char *material_id);

/* One material of a loaded set. */
typedef struct passages_material {
    char id[37];
    char *title;                 /* owned by the set */
    const retrieve_index *index; /* built; held until passages_release */
    struct passages_entry *hold; /* internal */
} passages_material;

typedef struct passages_set {
    passages_material *items; /* owned, n of them, in the order asked (default: newest first) */
    size_t n;
} passages_set;

/* Load the indexes of ids[0..n_ids) for `who` (n_ids 0: all of who's ready
 * materials, newest first, at most PASSAGES_MATERIALS_MAX), through the cache
 * c (which may not be NULL). skip_not_ready: ids that are not ready are left
 * out rather than refused (a study session's materials). Duplicated ids count
 * once. Errors: EM_E_NOT_FOUND "no such material" (not visible, not who's own,
 * or no such id), EM_E_INVAL (reason validation_error) for a named material
 * not ready or more than PASSAGES_MATERIALS_MAX ids, EM_E_DB. *out is empty
 * on failure; release it with passages_release (also when empty). */
int passages_load(db *d, passages_cache *c, const principal *who, const char *const *ids, size_t n_ids,
                  bool skip_not_ready, passages_set *out /* OUT */, em_error *err);
void passages_release(passages_cache *c, passages_set *s);

#define PASSAGES_KEY_TERMS 60 /* key terms kept per material */
/* The key terms of a loaded material (content/terms.h over its passages, best
 * first, at most PASSAGES_KEY_TERMS), read on first asking and kept with its
 * index: a quiz does not read a whole textbook again. *terms is borrowed from
 * the set and valid until passages_release. */
int passages_key_terms(passages_cache *c, const passages_material *m, const char *const **terms /* OUT */,
                       size_t *n /* OUT */, em_error *err);

/* ---- reading one material's passages, as text ----
 *
 * What a search hit or a citation opens: the whole passage (a chunk of the
 * material: whole sentences, a few hundred words), with its section and
 * pages. Search hits carry the passage's position; citations carry pages
 * and a section, so the passages can be read by the page they cover and
 * their section. Whoever may see the
 * material by the one rule may read them (a tutor, an admin too); anyone
 * else, and a material that does not exist, is EM_E_NOT_FOUND "no such
 * material". A material not yet extracted has none. */

#define PASSAGES_PAGE_MAX 50

/* One passage (owned strings; free with passage_cleanup). */
typedef struct passage {
    int64_t chunk_id; /* as search hits give it */
    int position;     /* its place in the material, from 0 */
    char *section;    /* NULL outside any heading */
    int page_start, page_end;
    int words;
    char *text;
} passage;
void passage_cleanup(passage *p);

/* The passage at `position` of material_id for `who`: EM_E_NOT_FOUND "no
 * such passage" when the material has none there. */
int passages_get(db *d, const principal *who, const char *material_id, int64_t position,
                 passage *out /* OUT */, em_error *err);
/* The passages of material_id in order, only those covering page `page`
 * (page_start <= page <= page_end) when page > 0, and only those of
 * `section` (its title exactly) when it is not NULL: a citation's pages and
 * section; limit 1..PASSAGES_PAGE_MAX from offset >= 0 (else EM_E_INVAL).
 * *items is owned: free with passages_free; *total counts all that match. */
int passages_list(db *d, const principal *who, const char *material_id, int64_t page, const char *section,
                  int limit, int offset, passage **items /* OUT */, size_t *n /* OUT */,
                  int64_t *total /* OUT */, em_error *err);
void passages_free(passage *items, size_t n);

#endif
