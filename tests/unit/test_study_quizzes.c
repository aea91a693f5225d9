/* quizzes, reviews, misconceptions and the autopilot on SQLite and
 * PostgreSQL, with questions from a worksheet bank (generated questions have
 * their own tests in test_learn_qgen.c and the API's): a quiz serves the
 * student's approved questions without their keys, to the student only;
 * submitting grades each answer, stores the attempts, moves mastery, makes
 * review cards and finds misconceptions, once; the next quiz avoids the
 * questions just served; due cards are graded on the student's day; the
 * autopilot chooses and records the next activity. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/clock.h"
#include "llm/provider.h"
#include "materials/passages.h"
#include "study/autopilot.h"
#include "learn/bkt.h"
#include "study/chat.h"
#include "study/mastery.h"
#include "study/misconceptions.h"
#include "study/performance.h"
#include "study/plans.h"
#include "study/quizzes.h"
#include "study/reviews.h"

#include "study_fixture.h"

/* 2026-12-07T10:00:00Z: day 20794 * 86400 + 10 h. */
#define NOW_MS ((20794LL * 86400 + 10 * 3600) * 1000)
#define DAY_MS 86400000LL

typedef struct bank {
    char material[37];
    char q_capital[37], q_organelle[37], q_division[37], q_meiosis[37];
} bank;

static void add_question(db *d, const char *user_id, const char *material, int number, const char *type,
                         const char *stem, const char *options, const char *answer, char id[37])
{
    id_uuid7(id);
    char num[16];
    snprintf(num, sizeof num, "%d", number);
    const char *p[] = {id, user_id, material, num, type, stem, options, answer};
    area_run(d,
             "INSERT INTO questions (id, user_id, material_id, number, type, stem, options, answer, source) "
             "VALUES ($1, $2, $3, CAST($4 AS INTEGER), $5, $6, $7, $8, 'worksheet')",
             p, 8);
    /* under the worksheet's heading, as extraction tags it (the fixture's topics' slug) */
    const char *t[] = {id};
    area_run(d, "INSERT INTO question_tags (tag, question_id, source) VALUES ('topic.slug', $1, 'heading')",
             t, 1);
}

/* A ready worksheet of the owner's with four keyed questions (two lettered
 * choices on cell division, one choice on organelles, one short answer). */
static void make_bank(db *d, const cast *c, bank *b)
{
    const fx_topic topics[] = {{"Cells", 200}};
    make_material(d, c->owner, "Biology worksheet", "ready", topics, 1, b->material);
    add_question(d, c->owner, b->material, 1, "short_answer", "Which organelle makes the cell's energy?",
                 "[]", "mitochondria", b->q_organelle);
    add_question(d, c->owner, b->material, 2, "multiple_choice", "Which process makes two identical cells?",
                 "[\"Meiosis\",\"Mitosis\",\"Osmosis\",\"Diffusion\"]", "B", b->q_division);
    add_question(d, c->owner, b->material, 3, "multiple_choice", "Which process makes sex cells?",
                 "[\"Mitosis\",\"Meiosis\",\"Osmosis\",\"Diffusion\"]", "B", b->q_meiosis);
    add_question(d, c->owner, b->material, 4, "multiple_choice", "What is the capital of France?",
                 "[\"Paris\",\"Rome\",\"Madrid\",\"Berlin\"]", "Paris", b->q_capital);
}

typedef struct env {
    passages_cache *cache;
    quiz_env q;
} env;

static void env_open(env *e)
{
    e->cache = passages_cache_new(0);
    e->q = (quiz_env){e->cache, &llm_builtin, NULL};
}

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (j == NULL)
        fail_msg("bad JSON in the test: %s", text);
    return j;
}

static int generate(db *d, const env *e, const principal *who, const char *body, int64_t now, json_t **out,
                    em_error *err)
{
    json_t *fields = parse(body);
    memset(err, 0, sizeof *err);
    int rc = quiz_generate(d, &e->q, who, fields, now, out, err);
    json_decref(fields);
    return rc;
}

static int submit(db *d, const principal *who, const char *quiz_id, const char *body, int64_t now,
                  json_t **out, em_error *err)
{
    json_t *fields = parse(body);
    memset(err, 0, sizeof *err);
    int rc = quiz_submit(d, who, quiz_id, fields, now, out, err);
    json_decref(fields);
    return rc;
}

static void study_quiz_from_the_bank(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    env e;
    env_open(&e);
    json_t *quiz = NULL;
    em_error err;
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":10}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    json_t *qs = json_object_get(quiz, "questions");
    assert_int_equal(json_array_size(qs), 4); /* all the bank has */
    assert_int_equal(json_integer_value(json_object_get(quiz, "requested")), 10);
    for (size_t i = 0; i < json_array_size(qs); i++) {
        json_t *q = json_array_get(qs, i);
        assert_null(json_object_get(q, "answer")); /* no keys before submission */
        const char *type = json_string_value(json_object_get(q, "type"));
        assert_true(strcmp(type, "multiple_choice") == 0 || strcmp(type, "short_answer") == 0);
        assert_true((strcmp(type, "multiple_choice") == 0) == (json_object_get(q, "options") != NULL));
    }
    const char *quiz_id = json_string_value(json_object_get(quiz, "id"));

    /* the student, the student's tutor and an admin read it; no one else */
    json_t *got = NULL;
    assert_int_equal(quiz_get(d, &c.p_tutor, quiz_id, &got, &err), EM_OK);
    assert_true(json_is_null(json_object_get(got, "score")));
    assert_null(json_object_get(got, "results"));
    json_decref(got);
    assert_int_equal(quiz_get(d, &c.p_admin, quiz_id, &got, &err), EM_OK);
    json_decref(got);
    assert_int_equal(quiz_get(d, &c.p_stranger, quiz_id, &got, &err), EM_E_NOT_FOUND);
    assert_int_equal(quiz_get(d, &c.p_idle, quiz_id, &got, &err), EM_E_NOT_FOUND);
    assert_int_equal(quiz_get(d, &c.p_owner, NOBODY, &got, &err), EM_E_NOT_FOUND);
    /* another's material cannot be quizzed on, even by their tutor */
    assert_int_equal(generate(d, &e, &c.p_stranger, body, NOW_MS, &got, &err), EM_E_NOT_FOUND);
    assert_int_equal(generate(d, &e, &c.p_tutor, body, NOW_MS, &got, &err), EM_E_NOT_FOUND);
    /* malformed requests */
    const char *bad[] = {"{\"count\":0}",
                         "{\"count\":51}",
                         "{\"count\":\"ten\"}",
                         "{\"material_ids\":\"x\"}",
                         "{\"material_ids\":[\"not-an-id\"]}",
                         "{\"topic\":\"\"}",
                         "{\"code\":\"a b\"}",
                         "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(generate(d, &e, &c.p_owner, bad[i], NOW_MS, &got, &err), EM_E_INVAL);
    /* only the student submits */
    assert_int_equal(submit(d, &c.p_tutor, quiz_id, "{\"answers\":[]}", NOW_MS, &got, &err), EM_E_NOT_FOUND);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

/* A question worded like another (one word more) is not served beside it,
 * nor in the next quiz after it. */
static void study_quiz_no_near_duplicates(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    char twin[37];
    add_question(d, c.owner, b.material, 6, "short_answer", "Which organelle makes the cell's energy supply?",
                 "[]", "mitochondria", twin);
    env e;
    env_open(&e);
    json_t *quiz = NULL;
    em_error err;
    char body[256];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"],\"count\":10}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    json_t *qs = json_object_get(quiz, "questions");
    assert_int_equal(json_array_size(qs), 4); /* five in the bank, two of them twins */
    size_t organelle = 0;
    for (size_t i = 0; i < json_array_size(qs); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(qs, i), "id"));
        organelle += strcmp(id, b.q_organelle) == 0 || strcmp(id, twin) == 0;
    }
    assert_int_equal(organelle, 1);
    json_decref(quiz);
    /* the twin left out is as good as served: nothing new for the next quiz */
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS + 60000, &quiz, &err), EM_E_INVAL);
    passages_cache_free(e.cache);
}

static void study_quiz_submit_grades_once(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    em_error err;
    char body[1024];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    const char *quiz_id = json_string_value(json_object_get(quiz, "id"));

    /* refused answers change nothing */
    /* each refused body: what follows {"answers": */
    const char *q = b.q_division;
    json_t *refused[] = {
        json_pack("[{s:s, s:s}]", "question_id", q, "answer", ""),
        json_pack("[{s:s, s:s}]", "question_id", q, "answer", "   "),
        json_pack("[{s:s, s:s}, {s:s, s:s}]", "question_id", q, "answer", "B", "question_id", q, "answer",
                  "B"),
        json_pack("[{s:s, s:i}]", "question_id", q, "answer", 7),
        json_pack("[{s:s, s:s, s:i}]", "question_id", q, "answer", "B", "seconds", -1),
        json_object(),
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        json_t *fields = json_pack("{s:o}", "answers", refused[i]);
        memset(&err, 0, sizeof err);
        assert_int_equal(quiz_submit(d, &c.p_owner, quiz_id, fields, NOW_MS, &out, &err), EM_E_INVAL);
        json_decref(fields);
    }
    snprintf(body, sizeof body, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"x\"}]}", NOBODY);
    assert_int_equal(submit(d, &c.p_owner, quiz_id, body, NOW_MS, &out, &err), EM_E_INVAL);
    char *big = malloc(1100);
    memset(big, 'a', 1099);
    big[1099] = '\0';
    char *big_body = malloc(1400);
    snprintf(big_body, 1400, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"%s\"}]}", b.q_organelle,
             big);
    assert_int_equal(submit(d, &c.p_owner, quiz_id, big_body, NOW_MS, &out, &err), EM_E_INVAL);
    free(big);
    free(big_body);
    assert_int_equal(count_of(d, "SELECT count(*) FROM attempts WHERE quiz_id = $1", quiz_id), 0);

    /* a typo forgiven, a letter, a wrong choice; the capital left unanswered */
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"Mitochondira\",\"seconds\":12},"
             "{\"question_id\":\"%s\",\"answer\":\"b\",\"seconds\":8},"
             "{\"question_id\":\"%s\",\"answer\":\"Mitosis\"}]}",
             b.q_organelle, b.q_division, b.q_meiosis);
    assert_int_equal(submit(d, &c.p_owner, quiz_id, body, NOW_MS, &out, &err), EM_OK);
    assert_int_equal(json_integer_value(json_object_get(out, "correct")), 2);
    assert_int_equal(json_integer_value(json_object_get(out, "total")), 4);
    assert_true(json_real_value(json_object_get(out, "score")) == 0.5);
    json_t *results = json_object_get(out, "results");
    assert_int_equal(json_array_size(results), 4);
    size_t checked = 0;
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        const char *qid = json_string_value(json_object_get(r, "question_id"));
        json_t *src = json_object_get(r, "source");
        assert_string_equal(json_string_value(json_object_get(src, "material_id")), b.material);
        if (strcmp(qid, b.q_organelle) == 0) {
            assert_true(json_is_true(json_object_get(r, "correct")));
            assert_true(json_is_true(json_object_get(r, "typo_forgiven")));
            checked++;
        } else if (strcmp(qid, b.q_division) == 0) {
            assert_true(json_is_true(json_object_get(r, "correct")));
            assert_string_equal(json_string_value(json_object_get(r, "expected")), "Mitosis");
            checked++;
        } else if (strcmp(qid, b.q_meiosis) == 0) {
            assert_false(json_is_true(json_object_get(r, "correct")));
            assert_string_equal(json_string_value(json_object_get(r, "expected")), "Meiosis");
            checked++;
        } else {
            assert_true(json_is_null(json_object_get(r, "given")));
            assert_false(json_is_true(json_object_get(r, "correct")));
            checked++;
        }
    }
    assert_int_equal(checked, 4);
    /* every answer stored, every answered question a card, mastery moved */
    assert_int_equal(count_of(d, "SELECT count(*) FROM attempts WHERE quiz_id = $1", quiz_id), 3);
    assert_int_equal(count_of(d, "SELECT count(*) FROM review_cards WHERE user_id = $1", c.owner), 3);
    assert_int_equal(count_of(d, "SELECT count(*) FROM review_logs WHERE user_id = $1", c.owner), 3);
    json_t *mastery = json_object_get(out, "mastery");
    assert_int_equal(json_array_size(mastery), 1); /* one topic: the worksheet's heading */
    json_t *m = json_array_get(mastery, 0);
    assert_string_equal(json_string_value(json_object_get(m, "topic")), "Cells");
    double mastered = 0;
    bool found = false;
    assert_int_equal(mastery_of(d, c.owner, "Cells", &mastered, &found, &err), EM_OK);
    assert_true(found);
    assert_true(mastered == json_real_value(json_object_get(m, "after")));
    json_decref(out);

    /* once (nothing answered is refused before that) */
    assert_int_equal(submit(d, &c.p_owner, quiz_id, "{\"answers\":[]}", NOW_MS, &out, &err), EM_E_INVAL);
    snprintf(body, sizeof body, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"Paris\"}]}", b.q_capital);
    assert_int_equal(submit(d, &c.p_owner, quiz_id, body, NOW_MS, &out, &err), EM_E_CONFLICT);
    assert_int_equal(count_of(d, "SELECT count(*) FROM attempts WHERE quiz_id = $1", quiz_id), 3);
    /* the quiz now shows its results, to its tutor too */
    json_t *got = NULL;
    assert_int_equal(quiz_get(d, &c.p_tutor, quiz_id, &got, &err), EM_OK);
    assert_true(json_real_value(json_object_get(got, "score")) == 0.5);
    assert_int_equal(json_array_size(json_object_get(got, "results")), 4);
    json_decref(got);
    /* the next quiz avoids what this one served: the bank has nothing new */
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS + 60000, &got, &err), EM_E_INVAL);
    assert_string_equal(err.reason, EM_REASON_VALIDATION);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

static void study_quiz_finds_misconceptions(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    char q2[37];
    /* a second question where the same wrong option tempts */
    add_question(d, c.owner, b.material, 5, "multiple_choice", "Which process halves the chromosomes?",
                 "[\"Mitosis\",\"Meiosis\",\"Osmosis\"]", "B", q2);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    em_error err;
    char body[1024];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"Mitosis\"},"
             "{\"question_id\":\"%s\",\"answer\":\"A\"}]}",
             b.q_meiosis, q2);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, NOW_MS, &out, &err),
        EM_OK);
    json_t *detected = json_object_get(json_object_get(out, "misconceptions"), "detected");
    assert_true(json_array_size(detected) >= 1);
    bool repeated = false;
    for (size_t i = 0; i < json_array_size(detected); i++) {
        json_t *m = json_array_get(detected, i);
        if (strcmp(json_string_value(json_object_get(m, "kind")), "repeated_wrong_option") == 0) {
            repeated = true;
            assert_non_null(strstr(json_string_value(json_object_get(m, "description")), "Mitosis"));
        }
    }
    assert_true(repeated);
    json_decref(out);
    /* stored once, listed to the student and the tutor, not to others */
    json_t *list = NULL;
    assert_int_equal(misconceptions_list(d, &c.p_owner, NULL, NULL, 50, &list, &err), EM_OK);
    size_t open = json_array_size(list);
    assert_true(open >= 1);
    json_decref(list);
    assert_int_equal(misconceptions_list(d, &c.p_tutor, c.owner, "open", 50, &list, &err), EM_OK);
    assert_int_equal(json_array_size(list), open);
    json_decref(list);
    assert_int_equal(misconceptions_list(d, &c.p_stranger, c.owner, NULL, 50, &list, &err), EM_E_NOT_FOUND);
    assert_int_equal(misconceptions_list(d, &c.p_owner, NULL, "closed", 50, &list, &err), EM_E_INVAL);
    /* an analysis finds the same ones and stores no copy */
    json_t *fields = parse("{}");
    assert_int_equal(performance_analyze(d, &llm_builtin, &c.p_owner, fields, NOW_MS, &out, &err), EM_OK);
    assert_int_equal(json_array_size(json_object_get(json_object_get(out, "misconceptions"), "detected")), 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(out, "misconceptions"), "open")), open);
    assert_int_equal(json_integer_value(json_object_get(out, "attempts")), 2);
    assert_int_equal(json_array_size(json_object_get(out, "weakest")), 1);
    json_decref(out);
    /* the tutor may analyse the student; a stranger may not */
    json_t *for_owner = json_pack("{s:s}", "user_id", c.owner);
    assert_int_equal(performance_analyze(d, &llm_builtin, &c.p_tutor, for_owner, NOW_MS, &out, &err), EM_OK);
    json_decref(out);
    assert_int_equal(performance_analyze(d, &llm_builtin, &c.p_stranger, for_owner, NOW_MS, &out, &err),
                     EM_E_NOT_FOUND);
    json_decref(for_owner);
    json_decref(fields);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

/* The kinds in a submission's "misconceptions.detected". */
static bool detected_kind(const json_t *out, const char *kind)
{
    json_t *detected = json_object_get(json_object_get(out, "misconceptions"), "detected");
    for (size_t i = 0; i < json_array_size(detected); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(detected, i), "kind")), kind) == 0)
            return true;
    return false;
}

/* What an earlier quiz showed counts at the next one: the same wrong option
 * chosen again on the topic (read from the topic's stored answers), and a
 * written answer that is the key of a question served in an earlier quiz
 * (found by the stored keys' stems). */
static void study_quiz_misconceptions_across_quizzes(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    char q_golgi[37], q_gametes[37], q_power[37];
    add_question(d, c.owner, b.material, 5, "short_answer", "Which organelle packages proteins?", "[]",
                 "Golgi apparatus", q_golgi);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    em_error err;
    char body[1024];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    /* Mitosis where the answer was Meiosis, once: no pattern yet */
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"Mitosis\"},"
             "{\"question_id\":\"%s\",\"answer\":\"golgi apparatus\"}]}",
             b.q_meiosis, q_golgi);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, NOW_MS, &out, &err),
        EM_OK);
    assert_false(detected_kind(out, "repeated_wrong_option"));
    json_decref(out);
    json_decref(quiz);

    /* a week later, new questions on the same topic */
    add_question(d, c.owner, b.material, 6, "multiple_choice", "Which process makes gametes?",
                 "[\"Mitosis\",\"Meiosis\",\"Osmosis\"]", "B", q_gametes);
    add_question(d, c.owner, b.material, 7, "short_answer", "Which organelle is the cell's powerhouse?", "[]",
                 "mitochondria", q_power);
    int64_t later = NOW_MS + 7 * 86400000LL;
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, later, &quiz, &err), EM_OK);
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"A\"},"
             "{\"question_id\":\"%s\",\"answer\":\"The Golgi apparatus\"}]}",
             q_gametes, q_power);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, later, &out, &err),
        EM_OK);
    assert_true(detected_kind(out, "repeated_wrong_option"));
    assert_true(detected_kind(out, "other_questions_key"));
    json_decref(out);
    json_decref(quiz);

    /* then the topic mastered: eight right answers resolve what was open on it */
    static const char *const stems[] = {
        "Name the organelle that makes ATP.",
        "Where in the cell does respiration happen?",
        "Which organelle has its own DNA and a double membrane?",
        "What is the powerhouse of a muscle cell?",
        "Which structure turns glucose into usable energy?",
        "In which organelle does the Krebs cycle run?",
        "Which organelle is most numerous in heart cells?",
        "What do sperm cells pack near their tail for swimming?",
    };
    char extra[8][37];
    for (int i = 0; i < 8; i++)
        add_question(d, c.owner, b.material, 8 + i, "short_answer", stems[i], "[]", "mitochondria", extra[i]);
    int64_t last = later + 86400000LL;
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, last, &quiz, &err), EM_OK);
    json_t *fields = json_pack("{s:[]}", "answers");
    json_t *served = json_object_get(quiz, "questions");
    for (size_t i = 0; i < json_array_size(served); i++)
        json_array_append_new(json_object_get(fields, "answers"),
                              json_pack("{s:O, s:s}", "question_id",
                                        json_object_get(json_array_get(served, i), "id"), "answer",
                                        "mitochondria"));
    assert_true(json_array_size(served) >= 6);
    memset(&err, 0, sizeof err);
    assert_int_equal(
        quiz_submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), fields, last, &out, &err),
        EM_OK);
    json_decref(fields);
    json_t *gone = json_object_get(json_object_get(out, "misconceptions"), "resolved");
    assert_true(json_array_size(gone) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(gone, 0), "status")), "resolved");
    /* what the submission said is what is stored */
    json_t *list = NULL;
    assert_int_equal(misconceptions_list(d, &c.p_owner, NULL, "resolved", 50, &list, &err), EM_OK);
    assert_int_equal(json_array_size(list), json_array_size(gone));
    json_decref(list);
    json_decref(out);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

static void study_reviews_due_and_graded(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    em_error err;
    char body[1024];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"mitochondria\"},"
             "{\"question_id\":\"%s\",\"answer\":\"A\"}]}",
             b.q_organelle, b.q_division);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, NOW_MS, &out, &err),
        EM_OK);
    json_decref(out);
    /* nothing is due the same day: a wrong answer comes back after a day at least */
    json_t *due = NULL;
    assert_int_equal(reviews_due(d, &c.p_owner, 50, NOW_MS, &due, &err), EM_OK);
    assert_int_equal(json_integer_value(json_object_get(due, "due_count")), 0);
    assert_string_equal(json_string_value(json_object_get(due, "day")), "2026-12-07");
    json_decref(due);
    /* ten days on both are due, and overdue */
    assert_int_equal(reviews_due(d, &c.p_owner, 50, NOW_MS + 10 * DAY_MS, &due, &err), EM_OK);
    json_t *cards = json_object_get(due, "cards");
    assert_int_equal(json_array_size(cards), 2);
    assert_int_equal(json_integer_value(json_object_get(due, "overdue_count")), 2);
    json_t *card = json_array_get(cards, 0);
    assert_true(json_is_true(json_object_get(card, "overdue")));
    json_t *next = json_object_get(card, "next");
    int64_t again = json_integer_value(json_object_get(json_object_get(next, "again"), "scheduled_days"));
    int64_t easy = json_integer_value(json_object_get(json_object_get(next, "easy"), "scheduled_days"));
    assert_true(easy > again);
    char card_id[37];
    snprintf(card_id, sizeof card_id, "%s", json_string_value(json_object_get(card, "id")));
    double r = json_real_value(json_object_get(card, "retrievability"));
    assert_true(r > 0 && r < 1);
    json_decref(due);
    /* graded easy: due later, as the preview said */
    json_t *graded = NULL;
    assert_int_equal(reviews_grade(d, &c.p_stranger, card_id, FSRS_EASY, NOW_MS + 10 * DAY_MS, &graded, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(reviews_grade(d, &c.p_tutor, card_id, FSRS_EASY, NOW_MS + 10 * DAY_MS, &graded, &err),
                     EM_E_NOT_FOUND);
    assert_int_equal(reviews_grade(d, &c.p_owner, card_id, FSRS_EASY, NOW_MS + 10 * DAY_MS, &graded, &err),
                     EM_OK);
    assert_int_equal(json_integer_value(json_object_get(graded, "scheduled_days")), easy);
    assert_true(json_real_value(json_object_get(graded, "retrievability")) == r);
    assert_true(json_real_value(json_object_get(graded, "stability")) > 0);
    assert_string_equal(json_string_value(json_object_get(graded, "state")), "review");
    json_decref(graded);
    assert_int_equal(reviews_due(d, &c.p_owner, 50, NOW_MS + 10 * DAY_MS, &due, &err), EM_OK);
    assert_int_equal(json_array_size(json_object_get(due, "cards")), 1);
    json_decref(due);
    assert_int_equal(
        count_of(d, "SELECT count(*) FROM attempts WHERE user_id = $1 AND kind = 'review'", c.owner), 1);
    json_t *g = json_string("so-so");
    fsrs_grade grade;
    assert_int_equal(reviews_parse_grade(g, &grade, &err), EM_E_INVAL);
    json_decref(g);
    g = json_integer(4);
    assert_int_equal(reviews_parse_grade(g, &grade, &err), EM_OK);
    assert_int_equal(grade, FSRS_EASY);
    json_decref(g);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

/* What quizzes do to mastery is what the planner reads: the session's topic
 * moves, and the same session asks for a new plan. */
static void study_mastery_reaches_the_planner(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    char sid[37], body[512];
    snprintf(
        body, sizeof body,
        "{\"title\":\"Biology\",\"exam_date\":\"2027-01-20\",\"daily_minutes\":60,\"material_ids\":[\"%s\"]}",
        b.material);
    make_session(d, &c.p_owner, body, sid);
    plan_record before, after;
    em_error err = {0};
    assert_int_equal(plans_generate(d, &llm_builtin, &c.p_owner, sid, NOW_MS, &before, NULL, &err), EM_OK);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    snprintf(body, sizeof body, "{\"session_id\":\"%s\"}", sid);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    snprintf(body, sizeof body,
             "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"mitochondria\"},"
             "{\"question_id\":\"%s\",\"answer\":\"Meiosis\"}]}",
             b.q_organelle, b.q_meiosis);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, NOW_MS, &out, &err),
        EM_OK);
    /* the session's topic, stored at 0 until answered, starts from the prior:
       two right answers lift it as they would any topic (from 0 itself the
       first answer would count for nothing) */
    json_t *moved = json_array_get(json_object_get(out, "mastery"), 0);
    bkt_params p = bkt_default_params();
    assert_string_equal(json_string_value(json_object_get(moved, "topic")), "Cells");
    assert_true(fabs(json_real_value(json_object_get(moved, "before")) - p.prior) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(moved, "after")) -
                     bkt_update(&p, bkt_update(&p, p.prior, true), true)) < 1e-9);
    json_decref(out);
    assert_int_equal(
        count_of(d,
                 "SELECT count(*) FROM topics WHERE session_id = $1 AND name = 'Cells' AND mastery_score > 0",
                 sid),
        1);
    assert_int_equal(plans_generate(d, &llm_builtin, &c.p_owner, sid, NOW_MS, &after, NULL, &err), EM_OK);
    assert_false(after.cached);
    assert_string_not_equal(before.id, after.id);
    plan_record_cleanup(&before);
    plan_record_cleanup(&after);
    json_decref(quiz);
    passages_cache_free(e.cache);
}

static void study_autopilot_chooses_and_records(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    char sid[37], body[512];
    snprintf(
        body, sizeof body,
        "{\"title\":\"Biology\",\"exam_date\":\"2027-01-20\",\"daily_minutes\":60,\"material_ids\":[\"%s\"]}",
        b.material);
    make_session(d, &c.p_owner, body, sid);
    json_t *out = NULL;
    em_error err;
    /* a fresh session: learn its (only) topic */
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS, &out, &err), EM_OK);
    assert_string_equal(json_string_value(json_object_get(out, "activity")), "learn");
    assert_string_equal(json_string_value(json_object_get(out, "topic")), "Cells");
    assert_string_equal(json_string_value(json_object_get(out, "previous_state")), "created");
    assert_true(strlen(json_string_value(json_object_get(out, "reason"))) > 10);
    const char *state_after = json_string_value(json_object_get(out, "state"));
    char first_state[32];
    snprintf(first_state, sizeof first_state, "%s", state_after);
    json_decref(out);
    assert_int_equal(
        count_of(d, "SELECT count(*) FROM study_sessions WHERE id = $1 AND current_state <> 'created'", sid),
        1);
    /* asked again before going to the tutor: the same step, and no minutes
       counted for a step not taken */
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS + 30000, &out, &err), EM_OK);
    assert_string_equal(json_string_value(json_object_get(out, "activity")), "learn");
    assert_string_equal(json_string_value(json_object_get(out, "topic")), "Cells");
    assert_int_equal(json_integer_value(json_object_get(out, "minutes_today")), 0);
    json_decref(out);
    /* the student asks the tutor; then a quiz on what was just learned */
    assert_int_equal(
        chat_append(d, &c.p_owner, sid, "What do mitochondria do?", "They make energy.", NULL, true, &err),
        EM_OK);
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS + 60000, &out, &err), EM_OK);
    assert_string_equal(json_string_value(json_object_get(out, "activity")), "quiz");
    assert_true(json_integer_value(json_object_get(out, "minutes_today")) > 0);
    assert_string_equal(json_string_value(json_object_get(out, "previous_state")), first_state);
    json_t *next = json_object_get(out, "next");
    assert_string_equal(json_string_value(json_object_get(next, "path")), "/api/quiz/generate");
    json_decref(out);
    char *history =
        area_text(d, "SELECT agent_history FROM study_sessions WHERE id = $1", (const char *const[]){sid}, 1);
    json_t *h = parse(history);
    assert_int_equal(json_array_size(h), 3);
    json_decref(h);
    free(history);
    /* an open misconception on a topic of none of this session's materials is
       no remedy here (its quiz could not be made); one on the session's is */
    char mid[37];
    id_uuid7(mid);
    area_run(d,
             "INSERT INTO misconceptions (id, user_id, topic, kind, description, key, detected_at) "
             "VALUES ($1, $2, 'Thermodynamics', 'repeated_option', 'Picks heat for work', 'k-other', "
             "'2026-12-07T09:00:00Z')",
             (const char *const[]){mid, c.owner}, 2);
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS + 120000, &out, &err), EM_OK);
    assert_string_not_equal(json_string_value(json_object_get(out, "activity")), "misconception");
    json_decref(out);
    id_uuid7(mid);
    area_run(d,
             "INSERT INTO misconceptions (id, user_id, topic, kind, description, key, detected_at) "
             "VALUES ($1, $2, 'Cells', 'repeated_option', 'Takes meiosis for mitosis', 'k-cells', "
             "'2026-12-07T09:30:00Z')",
             (const char *const[]){mid, c.owner}, 2);
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS + 180000, &out, &err), EM_OK);
    assert_string_equal(json_string_value(json_object_get(out, "activity")), "misconception");
    assert_string_equal(json_string_value(json_object_get(out, "topic")), "Cells");
    json_decref(out);
    /* only the student drives it */
    assert_int_equal(autopilot_session_next(d, &c.p_tutor, sid, NOW_MS, &out, &err), EM_E_NOT_FOUND);
    assert_int_equal(autopilot_session_next(d, &c.p_stranger, sid, NOW_MS, &out, &err), EM_E_NOT_FOUND);
    /* past the exam: done */
    assert_int_equal(autopilot_session_next(d, &c.p_owner, sid, NOW_MS + 60 * DAY_MS, &out, &err), EM_OK);
    assert_string_equal(json_string_value(json_object_get(out, "activity")), "done");
    json_decref(out);
}

/* A card is read and scheduled before the transaction that writes it; when
 * another request reviewed or made the card in between, the write does not
 * overwrite that review but reviews the card as it is now: every review is
 * counted, on the latest state. */
static void study_review_plan_meets_a_changed_card(void **state)
{
    db *d = area_db(state)->d;
    cast c;
    make_cast(d, &c);
    bank b;
    make_bank(d, &c, &b);
    env e;
    env_open(&e);
    json_t *quiz = NULL, *out = NULL;
    em_error err;
    char body[512];
    snprintf(body, sizeof body, "{\"material_ids\":[\"%s\"]}", b.material);
    assert_int_equal(generate(d, &e, &c.p_owner, body, NOW_MS, &quiz, &err), EM_OK);
    snprintf(body, sizeof body, "{\"answers\":[{\"question_id\":\"%s\",\"answer\":\"mitochondria\"}]}",
             b.q_organelle);
    assert_int_equal(
        submit(d, &c.p_owner, json_string_value(json_object_get(quiz, "id")), body, NOW_MS, &out, &err),
        EM_OK);
    json_decref(out);
    json_decref(quiz);
    const char *sql = "SELECT count(*) FROM review_logs l JOIN review_cards c ON c.id = l.card_id "
                      "WHERE c.question_id = $1";
    assert_int_equal(count_of(d, sql, b.q_organelle), 1);
    fsrs_params p;
    fsrs_default_params(&p);
    /* planned on the card as it is (one review) ... */
    review_plan planned;
    assert_int_equal(reviews__plan(d, c.owner, &p, b.q_organelle, "Cells", FSRS_GOOD, NOW_MS + 10 * DAY_MS,
                                   &planned, &err),
                     EM_OK);
    assert_false(planned.made);
    assert_int_equal(planned.seen_reps, 1);
    assert_int_equal(planned.after.reps, 2);
    /* ... which is graded before the plan is written */
    char *card_id = area_text(d, "SELECT id FROM review_cards WHERE question_id = $1",
                              (const char *const[]){b.q_organelle}, 1);
    json_t *graded = NULL;
    assert_int_equal(reviews_grade(d, &c.p_owner, card_id, FSRS_EASY, NOW_MS + 10 * DAY_MS, &graded, &err),
                     EM_OK);
    json_decref(graded);
    assert_int_equal(db_begin(d, &err), EM_OK);
    assert_int_equal(reviews__apply(d, c.owner, &p, &planned, "quiz", &err), EM_OK);
    assert_int_equal(db_commit(d, &err), EM_OK);
    assert_int_equal(count_of(d, sql, b.q_organelle), 3);
    assert_int_equal(count_of(d, "SELECT reps FROM review_cards WHERE question_id = $1", b.q_organelle), 3);
    free(card_id);
    /* two plans for a question without a card: the first written makes it,
       the second reviews that card rather than making another */
    review_plan first, second;
    assert_int_equal(reviews__plan(d, c.owner, &p, b.q_capital, "Cells", FSRS_GOOD, NOW_MS, &first, &err),
                     EM_OK);
    assert_int_equal(reviews__plan(d, c.owner, &p, b.q_capital, "Cells", FSRS_AGAIN, NOW_MS, &second, &err),
                     EM_OK);
    assert_true(first.made && second.made);
    assert_string_not_equal(first.card_id, second.card_id);
    assert_int_equal(db_begin(d, &err), EM_OK);
    assert_int_equal(reviews__apply(d, c.owner, &p, &second, "quiz", &err), EM_OK);
    assert_int_equal(reviews__apply(d, c.owner, &p, &first, "quiz", &err), EM_OK);
    assert_int_equal(db_commit(d, &err), EM_OK);
    assert_int_equal(count_of(d, "SELECT count(*) FROM review_cards WHERE question_id = $1", b.q_capital), 1);
    assert_int_equal(count_of(d, "SELECT reps FROM review_cards WHERE question_id = $1", b.q_capital), 2);
    assert_int_equal(count_of(d, "SELECT lapses FROM review_cards WHERE question_id = $1", b.q_capital), 0);
    assert_int_equal(count_of(d, sql, b.q_capital), 2);
    /* a plan nobody raced is written as planned */
    review_plan alone;
    assert_int_equal(reviews__plan(d, c.owner, &p, b.q_division, "Cells", FSRS_HARD, NOW_MS, &alone, &err),
                     EM_OK);
    assert_int_equal(db_begin(d, &err), EM_OK);
    assert_int_equal(reviews__apply(d, c.owner, &p, &alone, "quiz", &err), EM_OK);
    assert_int_equal(db_commit(d, &err), EM_OK);
    char due[32];
    clock_iso8601(alone.after.due_ms, due);
    char *stored = area_text(d, "SELECT due_at FROM review_cards WHERE question_id = $1",
                             (const char *const[]){b.q_division}, 1);
    assert_string_equal(stored, due);
    free(stored);
    assert_int_equal(count_of(d, "SELECT reps FROM review_cards WHERE question_id = $1", b.q_division), 1);
    passages_cache_free(e.cache);
}

int main(void)
{
    area_log_setup();
    const struct CMUnitTest tests[] = {
        BOTH(study_quiz_from_the_bank),
        BOTH(study_quiz_no_near_duplicates),
        BOTH(study_quiz_submit_grades_once),
        BOTH(study_quiz_finds_misconceptions),
        BOTH(study_quiz_misconceptions_across_quizzes),
        BOTH(study_reviews_due_and_graded),
        BOTH(study_review_plan_meets_a_changed_card),
        BOTH(study_mastery_reaches_the_planner),
        BOTH(study_autopilot_chooses_and_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
