/* chat: a study session's questions and answers (the `chat_messages` table).
 *
 * Every exchange is two rows, the student's question then the answer with its
 * citations (a JSON array) and whether the session's materials held it. Only
 * the session's owner adds to its history; reading follows the one rule
 * (auth/authz.h): the owner, the owner's tutors and admins. Everyone else gets
 * EM_E_NOT_FOUND "no such session". Ids are UUIDv7, so their order is the
 * order the messages were stored in. */
#ifndef EM_STUDY_CHAT_H
#define EM_STUDY_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

#define CHAT_TEXT_MAX (64 * 1024)       /* bytes of a question or an answer */
#define CHAT_CITATIONS_MAX (256 * 1024) /* bytes of an answer's citations (JSON) */
#define CHAT_RECENT_MAX 20              /* questions chat_recent_questions hands back */
#define CHAT_PAGE_MAX 200               /* messages of one chat_list page */
#define CHAT_KEPT_MAX 2000              /* messages a session keeps: the oldest go past it */

/* Store one exchange (the question, then the answer with its citations, a JSON array text,
 * and whether the materials held the answer) in session_id's history, one transaction;
 * past CHAT_KEPT_MAX messages the session's oldest are dropped in it.
 * Only the session's owner. EM_E_INVAL for an empty question or answer, text past
 * CHAT_TEXT_MAX or citations that are not a JSON array (NULL stores "[]"). */
int chat_append(db *d, const principal *who, const char *session_id, const char *question, const char *answer,
                const char *citations_json, bool answerable, em_error *err);

/* The last n (1..CHAT_RECENT_MAX) questions asked in the session, oldest first (for
 * follow-up questions). *questions is owned (free with session_ids_free from
 * study/sessions.h); *count may be less than n. */
int chat_recent_questions(db *d, const principal *who, const char *session_id, int n,
                          char ***questions /* OUT */, size_t *count /* OUT */, em_error *err);

/* One stored message, strings borrowed for the visit only. */
typedef struct chat_message {
    const char *id;
    const char *role; /* "user" or "assistant" */
    const char *content;
    const char *citations_json; /* a JSON array text */
    bool answerable;
    const char *created_at; /* ISO-8601 UTC */
} chat_message;

/* Visit up to `limit` (1..CHAT_PAGE_MAX) of the session's messages, oldest first:
 * the newest ones before the message `before` (NULL: the newest of all).
 * *more says whether older messages remain (the next page's `before` is the
 * first one visited). EM_E_INVAL for a limit out of range or a `before` that
 * is not a message id (UUID). */
int chat_list(db *d, const principal *who, const char *session_id, int limit, const char *before,
              void (*visit)(void *ctx, const chat_message *m), void *ctx, size_t *count /* OUT */,
              bool *more /* OUT */, em_error *err);

/* The times (ms since the epoch, oldest first) of the student's questions in
 * the session at or after since_ms, of its latest `max` questions: what the
 * autopilot reads to tell a learning step taken from one only suggested.
 * *times owned (NULL when none). No caller check: the session's own use. */
int chat__asked_since(db *d, const char *session_id, int64_t since_ms, size_t max, int64_t **times /* OUT */,
                      size_t *n /* OUT */, em_error *err);

#endif
