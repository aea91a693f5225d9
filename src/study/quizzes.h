/* quizzes: practice drawn from a student's materials. A quiz takes the
 * student's approved questions with a key (worksheet questions, reviewed or
 * unreviewed generated ones: materials/quiz_pool.h) and writes new ones from
 * the materials through the tutor engine's provider (llm/provider.h, the
 * built-in one by default: learn/qgen.h), checking each against the passage
 * it cites before it joins the bank (its key must stand in the quoted
 * sentence, the quote in the passage, a choice's key among distinct
 * options). A material whose generated questions need a tutor's review
 * keeps them out of quizzes until they are approved.
 *
 * The questions served avoid those of the student's QUIZ_RECENT latest
 * quizzes and near-duplicates (learn/qgen.h's similarity at
 * QGEN_NEAR_DUPLICATE), lean toward weak topics (low mastery) and open
 * misconceptions, and spread over easy, medium and hard.
 *
 * Submitting grades every answer (learn/grade.h), stores it as an attempt,
 * moves the topic's mastery (study/mastery.h), reviews the question's card
 * (study/reviews.h), and stores and resolves misconceptions (study/
 * misconceptions.h): all in one transaction, once per quiz.
 *
 * A quiz is its student's: only the student generates and submits; the
 * student's tutors and admins may read it (the one rule). Everyone else gets
 * EM_E_NOT_FOUND "no such quiz" (or "no such session"/"no such material"). */
#ifndef EM_STUDY_QUIZZES_H
#define EM_STUDY_QUIZZES_H

#include <jansson.h>
#include <stdint.h>

#include "auth/token.h"
#include "content/wordnet.h"
#include "core/err.h"
#include "db/db.h"
#include "llm/provider.h"
#include "materials/passages.h"

#define QUIZ_MAX_QUESTIONS 50
#define QUIZ_DEFAULT_QUESTIONS 10
#define QUIZ_RECENT 5      /* latest quizzes whose questions a new quiz avoids */
#define QUIZ_TOPIC_MAX 200 /* bytes of a topic or a code */
#define QUIZ_MATERIALS_MAX PASSAGES_MATERIALS_MAX
/* What the misconception rules read at a submission: the latest answers on
 * each topic answered now, and, for each wrong written answer, the keys of
 * other questions served to the student that equal it. */
#define QUIZ_MODEL_TOPIC_ATTEMPTS 16
#define QUIZ_MODEL_KEYS_PER_ANSWER 4

/* What quizzes are made with, shared by every request (borrowed). */
typedef struct quiz_env {
    passages_cache *passages;     /* the materials' built indexes */
    const llm_provider *provider; /* writes questions */
    const wordnet *wordnet;       /* sister terms for distractors; may be NULL */
} quiz_env;

/* A new quiz for `who` from the JSON object `fields`: "session_id" (the
 * session's materials), "material_ids" (these; default: the session's, else
 * every ready material of the student), "topic" (a section title or key term
 * of them), "code" (a curriculum code: questions tagged with it or a code
 * under it), "count" (1..QUIZ_MAX_QUESTIONS, default QUIZ_DEFAULT_QUESTIONS).
 * *out (owned): {"id", "session_id", "created_at", "requested", "questions":
 * [{"id", "type", "stem", "options"?, "topic", "difficulty"}],
 * "pending_review"}. Fewer questions than asked when the materials give no
 * more; none is EM_E_INVAL with reason validation_error, saying why. */
int quiz_generate(db *d, const quiz_env *env, const principal *who, const json_t *fields, int64_t now_ms,
                  json_t **out /* OUT */, em_error *err);

/* The quiz as its student sees it: without keys until it is submitted, then
 * with its score and every answer's result (as quiz_submit gives them). */
int quiz_get(db *d, const principal *who, const char *quiz_id, json_t **out /* OUT */, em_error *err);

/* user_id's quizzes (NULL: the caller's; with session_id and no user_id,
 * the session's student's), newest first, only session_id's when it is not
 * NULL; limit 1..QUIZ_PAGE_MAX from offset >= 0 (else EM_E_INVAL). Whoever
 * may see the student by the one rule may list them (else EM_E_NOT_FOUND "no
 * such user"; a session the caller may not see, or one that is not
 * user_id's: "no such session"). *items (owned) is a JSON array of {"id",
 * "session_id", "created_at", "submitted_at", "score", "question_count",
 * "topics": [name...] (in the order the quiz first asks them)}; *total the
 * count of all of them. */
#define QUIZ_PAGE_MAX 100
int quiz_list(db *d, const principal *who, const char *user_id, const char *session_id, int limit, int offset,
              json_t **items /* OUT */, int64_t *total /* OUT */, em_error *err);

/* Submit `fields` {"answers": [{"question_id", "answer", "seconds"?}]}: every
 * answer is checked before anything is stored (an unknown or repeated
 * question, an empty answer or one over GRADE_ANSWER_MAX bytes: EM_E_INVAL);
 * a quiz already submitted is EM_E_CONFLICT. *out (owned): {"quiz_id",
 * "score", "correct", "total", "results": [{"question_id", "given",
 * "correct", "expected", "feedback", "source": {"material_id", "section",
 * "page", "quote"}}], "mastery": [{"topic", "before", "after",
 * "mastered"}], "misconceptions": {"detected": [...], "resolved": [...]}}.
 * Questions left unanswered count as wrong and store no attempt. */
int quiz_submit(db *d, const principal *who, const char *quiz_id, const json_t *fields, int64_t now_ms,
                json_t **out /* OUT */, em_error *err);

#endif
