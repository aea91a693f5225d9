/* tutor: the use case behind /api/tutor: a student asks a question (or for a
 * topic to be explained) about their own materials, and the configured
 * provider (llm/provider.h) answers through a sink, as the stream or as one
 * document.
 *
 * Which materials: the ones named (material_ids), else the study session's,
 * else all of the caller's ready materials (materials/passages.h says why only
 * the caller's own, and how the not ready ones are handled). With a study
 * session the caller must be able to write to it (its owner), the session's
 * recent questions make follow-ups understood, and the exchange is stored in
 * the session's chat history once the answer is complete (an answer cut short
 * by a client that left is not stored). */
#ifndef EM_TUTOR_TUTOR_H
#define EM_TUTOR_TUTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"
#include "llm/provider.h"
#include "materials/passages.h"

#define TUTOR_QUESTION_MAX 2000      /* bytes of a question or a topic */
#define TUTOR_ANSWER_MAX (64 * 1024) /* bytes of an answer stored in a session */

/* What the use case runs with, built once at start. Borrowed. */
typedef struct tutor_env {
    const llm_provider *llm;
    passages_cache *cache;
} tutor_env;

/* One request. Everything is borrowed for the call. */
typedef struct tutor_request {
    const char *text; /* the question, or the topic when `topic` */
    size_t len;
    bool topic;
    const char *session_id;          /* NULL: none */
    const char *const *material_ids; /* n_material_ids of them; 0: the default */
    size_t n_material_ids;
} tutor_request;

/* The cheap checks, without the database: text present, not empty, at most
 * TUTOR_QUESTION_MAX bytes, valid UTF-8; at most PASSAGES_MATERIALS_MAX ids.
 * EM_E_INVAL with a message safe to show. */
int tutor_request_check(const tutor_request *rq, em_error *err);

/* Whether `who` may ask in session_id (NULL: no session, EM_OK): EM_OK, or
 * EM_E_NOT_FOUND "no such session", as tutor_ask would find. A stream checks
 * it before it starts, so that a wrong session is a 404, not an error line
 * inside a 200. */
int tutor_session_check(db *d, const principal *who, const char *session_id, em_error *err);

/* Answer rq for `who` through sink. Timings in *out include loading the
 * passages (retrieval_ms). EM_E_NOT_FOUND "no such session" / "no such
 * material", EM_E_INVAL for a material not ready, EM_E_CANCELED when the sink
 * stopped, and the provider's and the database's errors. Nothing is written
 * to the sink before the passages are loaded, so a refusal found there
 * comes before any delta. */
int tutor_ask(db *d, const tutor_env *env, const principal *who, const tutor_request *rq,
              const llm_sink *sink, llm_explain_result *out /* OUT */, em_error *err);

#endif
