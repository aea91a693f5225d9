/* misconceptions: what a student's answers show they misunderstand (the
 * `misconceptions` table: user, topic, description, detected_at, as the seeds
 * have it, with its kind, the advice, an identity so that one misconception
 * is stored once while open, and when later answers resolved it). The
 * detection rules are learn/misconceptions.h's; this module stores what they
 * find after each quiz and each analysis, resolves what the student has
 * since mastered, and lists them.
 *
 * A student's misconceptions are visible by the one rule (auth/authz.h): to
 * the student, the student's tutors and admins. */
#ifndef EM_STUDY_MISCONCEPTIONS_H
#define EM_STUDY_MISCONCEPTIONS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"
#include "learn/bkt.h"
#include "learn/misconceptions.h"
#include "study/attempts.h"

#define MISCONCEPTIONS_PAGE_MAX 200

/* user_id's misconceptions (NULL: the caller's), newest first; status
 * "open" (default when NULL), "resolved" or "all"; at most limit
 * (1..MISCONCEPTIONS_PAGE_MAX). *out is an owned JSON array of {"id",
 * "topic", "kind", "description", "advice", "detected_at", "resolved_at",
 * "status"}. EM_E_NOT_FOUND "no such user" when the caller may not see them. */
int misconceptions_list(db *d, const principal *who, const char *user_id, const char *status, int limit,
                        json_t **out /* OUT */, em_error *err);

/* ---- inside the study area ---- */

/* What a set of findings changes, worked out before the transaction that
 * stores it (misconceptions__plan), so the write lock is held for the writes
 * alone: the findings not open already (borrowed from the mc_list given),
 * and the open ones to resolve, as misconceptions_list shows them once
 * resolved. Clean with misconceptions__changes_cleanup. */
typedef struct mc_changes {
    const mc_found **add;
    size_t n_add;
    json_t *resolve; /* owned array of rows (their "id" names the row to resolve) */
} mc_changes;
void misconceptions__changes_cleanup(mc_changes *c);

/* What `found` holds that is not open already, and the open ones the history
 * shows mastered since: those on topics[0..n_topics) (the topics just
 * answered: no other can have changed), or all when topics is NULL. Reads
 * only. */
int misconceptions__plan(db *d, const char *user_id, const bkt_params *p, const mc_list *found,
                         const attempt_history *h, const char *const *topics, size_t n_topics, int64_t now_ms,
                         mc_changes *out /* OUT */, em_error *err);
/* Inside the caller's transaction: store the new ones (mastery at detection:
 * the topic's now; one opened meanwhile is left alone) and resolve the others
 * (one resolved meanwhile is left alone). *added and *resolved (owned JSON
 * arrays, may be NULL) receive what changed as misconceptions_list shows
 * them. */
int misconceptions__apply(db *d, const char *user_id, const mc_changes *c, int64_t now_ms,
                          json_t **added /* OUT */, json_t **resolved /* OUT */, em_error *err);
/* Both, in the caller's transaction. */
int misconceptions__update(db *d, const char *user_id, const bkt_params *p, const mc_list *found,
                           const attempt_history *h, const char *const *topics, size_t n_topics,
                           int64_t now_ms, json_t **added /* OUT */, json_t **resolved /* OUT */,
                           em_error *err);

/* One open misconception (owned strings). */
typedef struct open_misconception {
    char id[37];
    char *topic, *description;
} open_misconception;
/* user_id's open misconceptions, oldest first, at most max. Free with
 * misconceptions__free. */
int misconceptions__open(db *d, const char *user_id, size_t max, open_misconception **out /* OUT */,
                         size_t *n /* OUT */, em_error *err);
void misconceptions__free(open_misconception *m, size_t n);

#endif
