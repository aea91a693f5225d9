/* questions: the question bank. Questions come from worksheets (ingest.h
 * stores them with the material) and later from other sources; each belongs
 * to the user who owns its material, and is visible by the one rule
 * (auth/authz.h): to the owner, the owner's tutors and admins. Everyone else,
 * and every function here, treats an invisible question as one that does not
 * exist (EM_E_NOT_FOUND).
 *
 * Review. A generated question of a material that asks for review
 * (materials.review_generated) is stored `pending` until a tutor approves or
 * rejects it; every other question is `approved`. On top of the one rule,
 * every read here (list with any filter, get, versions) and every change
 * made through a read's visibility (corrections, tag confirmation) applies
 * ONE more condition, in one place (QUESTION_SEEN_SQL in questions.c): a
 * caller whose role is neither tutor nor admin (a student, the owner
 * included) sees approved questions only, and a pending or rejected one is
 * to them a question that does not exist. Tutors of the owner and admins see
 * every status. Reviewing (questions_review) is for them only: the owner, who
 * may see the question but not review it, is refused EM_E_FORBIDDEN.
 *
 * Versions. A question's stem, options, answer and explanation are its text;
 * every change of them (a correction, a review's edit) first copies the text
 * as it was into question_versions with the version it had, who replaced it
 * and when, and counts questions.version up by one, in the transaction of the
 * change (the row's version is bumped first, which locks it on PostgreSQL, so
 * two concurrent edits number their versions one after the other).
 *
 * Reads hand each question to a visitor with borrowed strings, so callers
 * write them out without copying (a page is up to QUESTIONS_PAGE_MAX rows). */
#ifndef EM_MATERIALS_QUESTIONS_H
#define EM_MATERIALS_QUESTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "core/err.h"
#include "db/db.h"

#define QUESTIONS_PAGE_MAX 200
#define QUESTION_STEM_MAX 4000
#define QUESTION_OPTION_MAX 1000
#define QUESTION_ANSWER_MAX 1000
#define QUESTION_EXPLANATION_MAX 8000
#define QUESTION_SEARCH_MAX 200

/* One question as stored. Strings are borrowed for the visit only. */
typedef struct question {
    const char *id, *owner_id, *material_id;
    bool has_number, has_page;
    int64_t number, page;       /* its number on the worksheet, the page it is on */
    const char *type;           /* "multiple_choice" or "short_answer" */
    const char *stem;
    const char *options_json;   /* JSON array of strings */
    const char *answer;         /* NULL when unknown */
    const char *explanation;    /* NULL when none */
    const char *source;
    const char *created_at, *updated_at;
    const char *tags_json;      /* JSON array of strings, sorted */
    const char *tag_details_json; /* JSON array of {"tag", "source", "score", "confirmed"}, sorted by tag:
                                     source "uploader", "heading", "suggested" or "tutor"; score a number
                                     for suggested tags, else null */
    const char *review_status;    /* "pending", "approved" or "rejected" */
    int64_t version;              /* 1, then one more for every edit of its text */
    /* What a generated question says of itself; NULL (has_difficulty false) when not set. */
    const char *format; /* "cloze", "true_false", "definition" */
    const char *topic, *term, *section, *quote;
    bool has_difficulty;
    double difficulty;
} question;

typedef void (*question_visit)(void *ctx, const question *q);

/* Which questions to list; NULL members do not filter. */
typedef struct question_query {
    const char *tag;            /* a curriculum tag: it and everything under it (case-insensitive) */
    const char *text;           /* words in the stem, literal: ASCII letters in any case, other
                                   characters as written (alike on both databases) */
    const char *material_id;
    const char *review_status;  /* "pending", "approved" or "rejected" (students: approved only, so
                                   anything else lists nothing for them) */
    int limit;                  /* 1..QUESTIONS_PAGE_MAX */
    int offset;                 /* >= 0 */
} question_query;

/* Visit the page of questions `who` may see that match q, ordered by
 * material, number (questions without one, such as generated ones, after the
 * numbered, alike on both databases) and id; *count receives how many were visited.
 * EM_E_INVAL (reason "validation_error" style message) for a malformed tag,
 * text, material id or review status. */
int questions_list(db *d, const principal *who, const question_query *q, question_visit visit, void *ctx,
                   size_t *count /* OUT */, em_error *err);
/* Visit one question (EM_E_NOT_FOUND when absent or not visible). */
int questions_get(db *d, const principal *who, const char *id, question_visit visit, void *ctx, em_error *err);

/* A correction; members left NULL (or their has_ false) are kept. */
typedef struct question_patch {
    bool has_stem, has_answer, has_explanation;
    const char *stem;           /* 1..QUESTION_STEM_MAX bytes */
    const char *answer;         /* NULL clears it */
    const char *explanation;    /* NULL clears it */
    const json_t *options;      /* array of at most WORKSHEET_MAX_OPTIONS strings; [] makes it short answer */
    const json_t *tags;         /* array of curriculum tags (tags.h), replacing the set: a tag the
                                   question had keeps its source and score and becomes confirmed, a new
                                   one is a confirmed "tutor" tag; tags left out are removed */
} question_patch;

/* Apply a correction in one transaction, after checking every field
 * (EM_E_INVAL naming the first bad one); EM_E_NOT_FOUND when absent or not
 * visible. A correction that sets the stem, options, answer or explanation
 * (even to what it was) keeps the text as it was as a version, edited_by
 * who->user_id; tags alone make no version. */
int questions_update(db *d, const principal *who, const char *id, const question_patch *p, em_error *err);

/* Confirm one tag of a question as it is (a suggestion keeps its source and
 * score): suggestion runs (materials/curricula.h) then leave it alone.
 * EM_E_NOT_FOUND when the question is absent or not visible, or does not
 * have the tag (compared lowercased). Confirming twice is no error. */
int questions_confirm_tag(db *d, const principal *who, const char *id, const char *tag, em_error *err);

/* ---- review ---- */

typedef enum question_decision {
    QUESTION_APPROVE, /* review_status becomes approved */
    QUESTION_REJECT,  /* review_status becomes rejected */
    QUESTION_EDIT     /* correct the text and approve, in one step */
} question_decision;

/* Review a question: `who` must see it (EM_E_NOT_FOUND otherwise) and be a
 * tutor or an admin (EM_E_FORBIDDEN otherwise: the owner-student). Approve
 * and reject set the status whatever it was (again is no error; updated_at
 * moves only when the status changes). An edit applies `edit` as
 * questions_update does (its tags member must be NULL; at least one of stem,
 * options, answer, explanation; EM_E_INVAL otherwise), with a version, and
 * approves, all in one transaction; any question may be edited so. `edit` is
 * borrowed and ignored unless decision is QUESTION_EDIT. */
int questions_review(db *d, const principal *who, const char *id, question_decision decision,
                     const question_patch *edit, em_error *err);

/* ---- versions ---- */

/* An earlier version of a question's text, borrowed for the visit. */
typedef struct question_version {
    int64_t version; /* the version it was, from 1 */
    const char *stem;
    const char *options_json; /* JSON array of strings */
    const char *answer;       /* NULL when none */
    const char *explanation;  /* NULL when none */
    const char *edited_by;    /* the user id of who replaced it */
    const char *edited_at;    /* when it was replaced, ISO-8601 */
} question_version;

typedef void (*question_version_visit)(void *ctx, const question_version *v);

/* Visit a page of the earlier versions of question `id`, newest first
 * (limit 1..QUESTIONS_PAGE_MAX, offset >= 0, else EM_E_INVAL); *count
 * receives how many were visited. EM_E_NOT_FOUND when the question is absent
 * or `who` may not see it (a student: also when it is not approved). */
int questions_versions(db *d, const principal *who, const char *id, int limit, int offset,
                       question_version_visit visit, void *ctx, size_t *count /* OUT */, em_error *err);

#endif
