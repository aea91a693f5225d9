/* quiz_pool: the question bank as quizzes draw on it. Quizzes take a
 * student's approved questions that have an answer key (worksheet questions
 * with their key, generated questions that passed review or needed none), and
 * add the questions they generate to the bank, one copy per material and
 * normalised stem, waiting for a tutor's review when the material asks for it
 * (materials.review_generated). The question bank's own module
 * (materials/questions.h) shows and corrects them; this one is the quizzes'
 * door to the same table, so its SQL stays in the materials area.
 *
 * These take no caller: the quiz use case (study/quizzes.h) has already
 * checked that the materials are the student's own. */
#ifndef EM_MATERIALS_QUIZ_POOL_H
#define EM_MATERIALS_QUIZ_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "db/db.h"

#define QUIZ_POOL_PER_MATERIAL 400 /* most questions read of one material per quiz */

/* One question a quiz may serve, owned (free with quiz_pool_free). */
typedef struct pool_question {
    char id[37];
    char material_id[37];
    char *type; /* as served: multiple_choice, short_answer, cloze, true_false, definition */
    char *stem;
    char *options_json; /* JSON array of option texts ("[]" for none) */
    char *answer;       /* the key as text: the correct option's text for choices (a worksheet's
                           letter key is turned into its option), else the expected answer */
    char *topic;        /* what it is about: its topic, else the material's topic its heading tag
                           ("topic.<slug>", a worksheet's) names, else its section, else its
                           material's title */
    char *term;         /* the key term tested, NULL when unknown */
    char *section;      /* NULL when unknown */
    char *quote;        /* the source sentence, NULL for worksheet questions */
    char *explanation;  /* NULL when none */
    int page;           /* -1 when unknown */
    double difficulty;  /* 0..1, -1 when unknown */
    char *source;       /* "worksheet", "generated", ... */
} pool_question;
void quiz_pool_free(pool_question *q, size_t n);

/* Which questions to read. */
typedef struct pool_filter {
    const char *owner_id;
    const char *const *material_ids; /* the materials to draw on */
    size_t n_materials;
    const char *topic; /* NULL: any; else the question's topic or section equals it */
    const char *tag;   /* NULL: any; else a curriculum code: tagged with it or a code under it */
} pool_filter;

/* The approved, keyed questions matching f, by material then id; at most
 * QUIZ_POOL_PER_MATERIAL of each material. *out is owned (quiz_pool_free);
 * NULL when *n is 0. A choice question whose key names no option is left out
 * (it could not be graded). */
int quiz_pool_candidates(db *d, const pool_filter *f, pool_question **out /* OUT */, size_t *n /* OUT */,
                         em_error *err);

/* Whether the material's generated questions wait for a tutor's review. */
int quiz_pool_needs_review(db *d, const char *material_id, bool *review /* OUT */, em_error *err);

/* A generated question to add to the bank (everything borrowed). */
typedef struct pool_generated {
    const char *format; /* "cloze", "true_false", "definition", or NULL for plain multiple choice */
    const char *stem;
    const char *options_json; /* "[]" for none */
    const char *answer;
    const char *topic, *term, *section, *quote;
    int page; /* -1 unknown */
    double difficulty;
    const char *fingerprint; /* its identity in the material: the normalised stem */
} pool_generated;

/* Add g to owner_id's bank under material_id, pending review when `pending`,
 * unless the material already has a question with the same fingerprint. *id
 * and *approved describe the stored question either way. */
int quiz_pool_store_generated(db *d, const char *owner_id, const char *material_id, const pool_generated *g,
                              bool pending, char id[37] /* OUT */, bool *approved /* OUT */, em_error *err);

#endif
