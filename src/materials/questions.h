/* questions: the question bank. Questions come from worksheets (ingest.h
 * stores them with the material) and later from other sources; each belongs
 * to the user who owns its material, and is visible by the one rule
 * (auth/authz.h): to the owner, the owner's tutors and admins. Everyone else,
 * and every function here, treats an invisible question as one that does not
 * exist (EM_E_NOT_FOUND).
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
} question;

typedef void (*question_visit)(void *ctx, const question *q);

/* Which questions to list; NULL members do not filter. */
typedef struct question_query {
    const char *tag;            /* a curriculum tag: it and everything under it (case-insensitive) */
    const char *text;           /* words in the stem, literal: ASCII letters in any case, other
                                   characters as written (alike on both databases) */
    const char *material_id;
    int limit;                  /* 1..QUESTIONS_PAGE_MAX */
    int offset;                 /* >= 0 */
} question_query;

/* Visit the page of questions `who` may see that match q, ordered by
 * material, number and id; *count receives how many were visited.
 * EM_E_INVAL (reason "validation_error" style message) for a malformed tag,
 * text or material id. */
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
 * visible. */
int questions_update(db *d, const principal *who, const char *id, const question_patch *p, em_error *err);

/* Confirm one tag of a question as it is (a suggestion keeps its source and
 * score): suggestion runs (materials/curricula.h) then leave it alone.
 * EM_E_NOT_FOUND when the question is absent or not visible, or does not
 * have the tag (compared lowercased). Confirming twice is no error. */
int questions_confirm_tag(db *d, const principal *who, const char *id, const char *tag, em_error *err);

#endif
