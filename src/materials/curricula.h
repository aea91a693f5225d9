/* curricula: curriculum standards as data. An admin imports a standard (a
 * title, a slug that names it across imports, and its codes: each a code, a
 * title, a description and a parent code) from CSV or JSON; everyone signed
 * in lists and reads them; a material is linked to the standards it is taught
 * against, and its questions then get the best-matching codes as suggested
 * tags (learn/codematch.h), with a score.
 *
 * A code is a curriculum tag (tags.h: dotted lowercase words, such as
 * "cs1.control.loops"), stored lowercased, so a tag of a question is a code
 * and the question bank's ?tag= prefix query finds a code's questions and
 * those of the codes under it.
 *
 * Suggestions are derived data: every suggestion run for a material replaces
 * its questions' unconfirmed suggested tags, and never touches a confirmed
 * tag or a tag from another source (the uploader's, a heading's, a tutor's).
 * A tutor confirms a suggestion (questions.h, questions_confirm_tag) or sets
 * the tags (questions_update). A re-import of a standard (the same slug)
 * replaces its codes and runs the suggestions of the materials linked to it
 * again; a confirmed tag whose code is gone stays as it is, and the import
 * reports how many there are. docs/internals/curricula.md has the details. */
#ifndef EM_MATERIALS_CURRICULA_H
#define EM_MATERIALS_CURRICULA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "core/ids.h"
#include "db/db.h"

#define CURRICULUM_CODES_MAX 5000       /* codes of one standard */
#define CURRICULUM_TITLE_MAX 300        /* bytes of a standard's or a code's title */
#define CURRICULUM_DESCRIPTION_MAX 4000 /* bytes of a code's description */
#define CURRICULUM_SLUG_MAX 64
#define CURRICULUM_VERSION_MAX 100
#define CURRICULA_PAGE_MAX 200
#define CURRICULA_LINKS_MAX 20          /* standards one material is linked to */
#define CURRICULA_SUGGESTIONS 3         /* suggested codes per question, at most */

/* Reasons of refusals, as the API's error codes. */
#define CURRICULA_INVALID_CSV "invalid_csv"

/* ---- import (admins) ---- */

/* What a CSV import is named by (the JSON body carries these itself). */
typedef struct curriculum_meta {
    const char *title;   /* required, 1..CURRICULUM_TITLE_MAX bytes */
    const char *slug;    /* NULL: made from the title */
    const char *version; /* NULL: none */
} curriculum_meta;

/* What an import did. removed_codes is an owned JSON array of the codes the
 * standard no longer has (json_decref it; NULL on failure). */
typedef struct curriculum_report {
    char id[ID_UUID_LEN + 1];
    char slug[CURRICULUM_SLUG_MAX + 1];
    bool created;           /* a new standard, not an update */
    size_t codes, added, changed, removed;
    int64_t confirmed_kept; /* confirmed question tags whose code was removed (kept) */
    size_t materials;       /* linked materials whose suggestions ran again */
    json_t *removed_codes;
} curriculum_report;

/* Import a standard from CSV (header: code,title and optionally description,
 * parent_code, in any order; RFC 4180, core/csv.h) named by meta, or from a
 * JSON object {"title", "slug"?, "version"?, "codes": [{"code", "title",
 * "description"?, "parent_code"?}]}. Everything is checked before anything is
 * written, and then it is one transaction: a malformed file is EM_E_PARSE
 * (reason CURRICULA_INVALID_CSV for CSV) naming its line; a missing code or
 * title, a code that is not a tag, a duplicate code, a parent_code that is
 * not a code of the file, a cycle of parent codes are EM_E_INVAL (reason
 * validation_error) naming the CSV line or the JSON index ("codes[3]"). Only
 * admins (EM_E_FORBIDDEN otherwise). */
int curricula_import_csv(db *d, const principal *who, const curriculum_meta *meta, const char *data, size_t len,
                         curriculum_report *out /* OUT */, em_error *err);
int curricula_import_json(db *d, const principal *who, const json_t *body, curriculum_report *out /* OUT */,
                          em_error *err);

/* ---- reads (anyone signed in) ---- */

/* One standard in a list. Strings borrowed for the visit. */
typedef struct curriculum_row {
    const char *id, *slug, *title, *version; /* version may be NULL */
    int64_t code_count;
    const char *created_at, *updated_at;
} curriculum_row;

/* Visit a page of the standards, by title then id; *total is how many there
 * are. limit 1..CURRICULA_PAGE_MAX, offset >= 0. */
int curricula_list(db *d, int limit, int offset, void (*visit)(void *ctx, const curriculum_row *c), void *ctx,
                   int64_t *total /* OUT */, em_error *err);

/* One standard as a JSON object: its row's fields and "codes", the codes
 * without a parent, each {"code","title","description","children":[...]}
 * nested by parent_code, in the file's order. *out is owned. EM_E_NOT_FOUND
 * when there is no such standard. */
int curricula_get(db *d, const char *id, json_t **out /* OUT */, em_error *err);

/* ---- materials and suggestions ---- */

/* Link material_id to exactly the standards ids (a JSON array of at most
 * CURRICULA_LINKS_MAX ids; [] unlinks them all), then run its suggestions,
 * in one transaction. Whoever may see the material may link it (the one rule,
 * auth/authz.h, as for correcting its questions); EM_E_NOT_FOUND otherwise.
 * An id that is not a standard is EM_E_INVAL naming it. *suggested receives
 * the number of suggested tags written. */
int curricula_link_material(db *d, const principal *who, const char *material_id, const json_t *ids,
                            size_t *suggested /* OUT */, em_error *err);

/* The ids of the standards material_id is linked to, as an owned JSON array
 * (no visibility check: the caller has made it). */
int curricula_of_material(db *d, const char *material_id, json_t **out /* OUT */, em_error *err);

/* Replace the unconfirmed suggested tags of the material's questions with
 * new ones from its linked standards (none when it has none), in one
 * transaction (nested in the caller's when there is one). *suggested (may be
 * NULL) receives the number written. No visibility check: for the extraction
 * job and the use cases above. */
int curricula_suggest_material(db *d, const char *material_id, size_t *suggested /* OUT */, em_error *err);

#endif
