/* quizzes: see quizzes.h. */
#include "study/quizzes.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/authz.h"
#include "content/terms.h"
#include "content/topics.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/mem.h"
#include "core/words.h"
#include "learn/grade.h"
#include "learn/qgen.h"
#include "materials/curricula.h"
#include "materials/material.h"
#include "materials/quiz_pool.h"
#include "study/attempts.h"
#include "study/mastery.h"
#include "study/misconceptions.h"
#include "study/reviews.h"
#include "study/sessions.h"

#define FOCUS_MAX 16     /* misconceptions and weak topics that steer a quiz */
#define TOPIC_SPREAD 0.7 /* each further question on a topic weighs this much less */
#define MISCONCEPTION_BOOST 0.5
#define FINGERPRINT_MAX 400

/* ---- the request ---- */

typedef struct request {
    const char *session_id, *topic, *code;
    const char **material_ids; /* borrowed from the JSON; owned array */
    size_t n_materials;
    int count;
} request;

static int text_field(const json_t *fields, const char *name, size_t max, const char **out, em_error *err)
{
    json_t *v = json_object_get(fields, name);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return EM_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return em_error_set(err, EM_E_INVAL, "%s must be text of 1 to %zu bytes", name, max);
    *out = json_string_value(v);
    return EM_OK;
}

static int parse_request(const json_t *fields, request *r, em_error *err)
{
    memset(r, 0, sizeof *r);
    r->count = QUIZ_DEFAULT_QUESTIONS;
    if (!json_is_object(fields))
        return em_error_set(err, EM_E_INVAL, "the body must be a JSON object");
    int rc = text_field(fields, "session_id", 36, &r->session_id, err);
    if (rc == EM_OK)
        rc = text_field(fields, "topic", QUIZ_TOPIC_MAX, &r->topic, err);
    if (rc == EM_OK)
        rc = text_field(fields, "code", QUIZ_TOPIC_MAX, &r->code, err);
    if (rc != EM_OK)
        return rc;
    json_t *count = json_object_get(fields, "count");
    if (count != NULL && !json_is_null(count)) {
        if (!json_is_integer(count) || json_integer_value(count) < 1 ||
            json_integer_value(count) > QUIZ_MAX_QUESTIONS)
            return em_error_set(err, EM_E_INVAL, "count must be a whole number from 1 to %d",
                                QUIZ_MAX_QUESTIONS);
        r->count = (int)json_integer_value(count);
    }
    json_t *ids = json_object_get(fields, "material_ids");
    if (ids != NULL && !json_is_null(ids)) {
        if (!json_is_array(ids) || json_array_size(ids) > QUIZ_MATERIALS_MAX)
            return em_error_set(err, EM_E_INVAL, "material_ids must be an array of at most %d material ids",
                                QUIZ_MATERIALS_MAX);
        r->material_ids = em_calloc(json_array_size(ids) + 1, sizeof *r->material_ids);
        for (size_t i = 0; i < json_array_size(ids); i++) {
            const char *id = json_string_value(json_array_get(ids, i));
            if (id == NULL || !id_is_uuid(id)) {
                free(r->material_ids);
                r->material_ids = NULL;
                return em_error_set(err, EM_E_INVAL, "material_ids must be an array of material ids");
            }
            r->material_ids[r->n_materials++] = id;
        }
    }
    return EM_OK;
}

/* ---- what steers a quiz: mastery and misconceptions ---- */

typedef struct topic_weight {
    const char *name; /* owned */
    double mastery;
    bool misconception;
} topic_weight;

typedef struct steering {
    topic_weight *topics; /* sorted by name (strcmp) */
    size_t n, cap;
    char *focus[FOCUS_MAX]; /* owned: topics and terms of open misconceptions, then the weakest topics */
    size_t n_focus;
} steering;

static void add_topic(void *ctx, const mastery_topic *t)
{
    steering *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->topics = em_realloc(s->topics, s->cap * sizeof *s->topics);
    }
    s->topics[s->n++] = (topic_weight){em_strdup(t->name), t->mastery, false};
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const topic_weight *)a)->name, ((const topic_weight *)b)->name);
}

static int by_mastery(const void *a, const void *b)
{
    double x = ((const topic_weight *)a)->mastery, y = ((const topic_weight *)b)->mastery;
    return x < y ? -1 : x > y;
}

static topic_weight *find_topic(const steering *s, const char *name)
{
    if (name == NULL || s->n == 0)
        return NULL;
    topic_weight key = {name, 0, false};
    return bsearch(&key, s->topics, s->n, sizeof *s->topics, by_name);
}

static void steering_cleanup(steering *s)
{
    for (size_t i = 0; i < s->n; i++)
        free((char *)s->topics[i].name);
    free(s->topics);
    for (size_t i = 0; i < s->n_focus; i++)
        free(s->focus[i]);
    memset(s, 0, sizeof *s);
}

static void add_focus(steering *s, const char *name)
{
    for (size_t i = 0; i < s->n_focus; i++)
        if (strcasecmp(s->focus[i], name) == 0)
            return;
    if (s->n_focus < FOCUS_MAX)
        s->focus[s->n_focus++] = em_strdup(name);
}

static int load_steering(db *d, const char *user_id, steering *s, em_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = mastery_user_topics(d, user_id, add_topic, s, err);
    open_misconception *open = NULL;
    size_t n_open = 0;
    if (rc == EM_OK)
        rc = misconceptions__open(d, user_id, FOCUS_MAX / 2, &open, &n_open, err);
    if (rc != EM_OK)
        return rc;
    /* the weakest topics first, then by name for lookups */
    if (s->n > 0)
        qsort(s->topics, s->n, sizeof *s->topics, by_mastery);
    for (size_t i = 0; i < n_open; i++)
        add_focus(s, open[i].topic);
    for (size_t i = 0; i < s->n && s->n_focus < FOCUS_MAX; i++)
        if (s->topics[i].mastery < 0.95)
            add_focus(s, s->topics[i].name);
    if (s->n > 0)
        qsort(s->topics, s->n, sizeof *s->topics, by_name);
    for (size_t i = 0; i < n_open; i++) {
        topic_weight *t = find_topic(s, open[i].topic);
        if (t != NULL)
            t->misconception = true;
    }
    misconceptions__free(open, n_open);
    return EM_OK;
}

/* ---- the student's recent questions ---- */

/* A stem's words as bits: each content word sets the bit its first four
 * letters hash to (words of one stem share their first letters). Two stems
 * whose bits barely overlap cannot be near-duplicates, so the exact
 * similarity (which reads both into stems) runs only for those that do. */
typedef struct signature {
    uint64_t bits[2];
} signature;

static signature signature_of(const char *text)
{
    signature sig = {{0, 0}};
    words_tokenizer tk = words_tokenizer_make(text, strlen(text));
    words_word w;
    while (words_next(&tk, &w)) {
        if (w.len == 0 || words_is_stop(w.text, w.len))
            continue;
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < w.len && i < 4; i++)
            h = (h ^ (unsigned char)w.text[i]) * 1099511628211ULL;
        sig.bits[(h >> 7) & 1] |= 1ULL << (h & 63);
    }
    return sig;
}

static int popcount2(const uint64_t b[2])
{
    return __builtin_popcountll(b[0]) + __builtin_popcountll(b[1]);
}

/* Whether a and b may be near-duplicates: their bits overlap by at least half
 * of the smaller set (QGEN_NEAR_DUPLICATE is 0.8 of it in words). */
static bool may_be_near(const signature *a, const signature *b)
{
    uint64_t both[2] = {a->bits[0] & b->bits[0], a->bits[1] & b->bits[1]};
    int na = popcount2(a->bits), nb = popcount2(b->bits), n = popcount2(both);
    int least = na < nb ? na : nb;
    return least == 0 || 2 * n >= least;
}

typedef struct recent {
    char (*ids)[37];
    char **stems;
    signature *sigs;
    size_t n;
} recent;

static void recent_cleanup(recent *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->stems[i]);
    free(r->stems);
    free(r->sigs);
    free(r->ids);
    memset(r, 0, sizeof *r);
}

static int load_recent(db *d, const char *user_id, recent *r, em_error *err)
{
    memset(r, 0, sizeof *r);
    size_t max = (size_t)QUIZ_RECENT * QUIZ_MAX_QUESTIONS;
    r->ids = em_calloc(max, sizeof *r->ids);
    r->stems = em_calloc(max, sizeof *r->stems);
    r->sigs = em_calloc(max, sizeof *r->sigs);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "SELECT i.question_id, i.stem FROM quiz_items i WHERE i.quiz_id IN "
        "(SELECT id FROM quizzes WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, user_id);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 2, QUIZ_RECENT);
    while (db_next(st, &rc, err) && r->n < max) {
        const char *id = db_column_text(st, 0);
        snprintf(r->ids[r->n], 37, "%s", id != NULL ? id : "");
        r->stems[r->n] = db_column_strdup(st, 1);
        r->sigs[r->n] = signature_of(r->stems[r->n]);
        r->n++;
    }
    db_finalize(st);
    return rc;
}

/* Whether stem is a near-duplicate of one of stems[0..n) (sigs: theirs, may
 * be NULL to compare each exactly). */
static bool near_any(const char *stem, char *const *stems, const signature *sigs, size_t n)
{
    size_t len = strlen(stem);
    signature mine = signature_of(stem);
    for (size_t i = 0; i < n; i++)
        if (stems[i] != NULL && (sigs == NULL || may_be_near(&mine, &sigs[i])) &&
            qgen_similarity(stem, len, stems[i], strlen(stems[i])) >= QGEN_NEAR_DUPLICATE)
            return true;
    return false;
}

static bool recent_has(const recent *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->ids[i], id) == 0)
            return true;
    return false;
}

/* ---- generating from the materials ---- */

static size_t sisters(void *ctx, const char *term, char **out, size_t max)
{
    return wordnet_sisters(ctx, term, out, max);
}

static bool same_text(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/* Whether needle occurs in hay[0..len) ignoring ASCII case. */
static bool contains_ci(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len)
        return false;
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)hay[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

/* The check every generated question passes before it joins the bank: it
 * cites a sentence inside its passage, its key term stands in that sentence,
 * and a choice's key is one of its options, which are distinct. */
static bool question_checks_out(const retrieve_index *ix, const qgen_question *q)
{
    if (q->stem == NULL || q->answer == NULL || q->term == NULL || q->stem[0] == '\0' || q->answer[0] == '\0')
        return false;
    if (q->passage >= retrieve_index_count(ix))
        return false;
    const retrieve_passage *p = retrieve_index_passage(ix, q->passage);
    if (q->quote_len == 0 || q->quote_offset > p->len || q->quote_len > p->len - q->quote_offset)
        return false;
    const char *quote = p->text + q->quote_offset;
    if (!contains_ci(quote, q->quote_len, q->term))
        return false;
    if (q->type == QGEN_CLOZE)
        return contains_ci(quote, q->quote_len, q->answer);
    bool key_listed = false;
    for (size_t i = 0; i < q->n_options; i++) {
        if (q->options[i] == NULL || q->options[i][0] == '\0')
            return false;
        key_listed = key_listed || strcmp(q->options[i], q->answer) == 0;
        for (size_t j = 0; j < i; j++)
            if (same_text(q->options[i], q->options[j]))
                return false;
    }
    return key_listed && q->n_options >= 2;
}

/* A generated question ready for the bank (owned strings). */
typedef struct generated {
    char material_id[37];
    char *format, *stem, *options_json, *answer, *topic, *term, *section, *quote, *fingerprint;
    int page;
    double difficulty;
} generated;

static void generated_cleanup(generated *g)
{
    free(g->format);
    free(g->stem);
    free(g->options_json);
    free(g->answer);
    free(g->topic);
    free(g->term);
    free(g->section);
    free(g->quote);
    free(g->fingerprint);
}

static char *options_json(const qgen_question *q)
{
    json_t *a = json_array();
    for (size_t i = 0; i < q->n_options; i++)
        json_array_append_new(a, json_string(q->options[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* A material's topics (content/topics.h), by where they come from: a
 * generated question is about one of them when it can be. */
typedef struct known_topics {
    char **headings, **terms;
    size_t n_headings, n_terms;
    const char **by_passage; /* the heading topic each passage falls under (place_passages) */
} known_topics;

static void note_topic(void *ctx, const material_topic *t)
{
    known_topics *kt = ctx;
    bool term = strcmp(t->source, "terms") == 0;
    char ***names = term ? &kt->terms : &kt->headings;
    size_t *n = term ? &kt->n_terms : &kt->n_headings;
    *names = em_realloc(*names, (*n + 1) * sizeof **names);
    (*names)[(*n)++] = em_strdup(t->name);
}

static void known_topics_cleanup(known_topics *kt)
{
    for (size_t i = 0; i < kt->n_headings; i++)
        free(kt->headings[i]);
    for (size_t i = 0; i < kt->n_terms; i++)
        free(kt->terms[i]);
    free(kt->headings);
    free(kt->terms);
    free(kt->by_passage);
}

static const char *listed(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return names[i];
    return NULL;
}

/* The heading topic of a section (by its name with numbering off), or NULL. */
static const char *topic_of_section(const char *section, const known_topics *kt)
{
    char name[TOPICS_NAME_MAX + 1];
    if (section == NULL || topics_clean_name(section, name, sizeof name) != EM_OK)
        return NULL;
    return listed(kt->headings, kt->n_headings, name);
}

/* The heading topic each passage of m falls under, in one pass: its
 * section's, or that of the nearest section before it that is a topic (a
 * subsection deeper than the topics' levels belongs to the topic above it);
 * text before the first topic (a title's introduction) counts for the first.
 * Left NULL when the material has no heading topics. */
static void place_passages(const passages_material *m, known_topics *kt)
{
    size_t n = retrieve_index_count(m->index);
    if (kt->n_headings == 0 || n == 0)
        return;
    kt->by_passage = em_calloc(n, sizeof *kt->by_passage);
    const char *current = NULL, *section = NULL;
    size_t first_placed = n;
    for (size_t i = 0; i < n; i++) {
        const char *s = retrieve_index_passage(m->index, i)->section;
        /* passages in a row share their section: look its name up once */
        if (s != NULL && (section == NULL || strcmp(s, section) != 0)) {
            section = s;
            const char *t = topic_of_section(s, kt);
            current = t != NULL ? t : current;
        }
        kt->by_passage[i] = current;
        if (current != NULL && first_placed == n)
            first_placed = i;
    }
    for (size_t i = 0; i < first_placed && first_placed < n; i++)
        kt->by_passage[i] = kt->by_passage[first_placed];
}

/* What a generated question is about, so that answering it moves the mastery
 * the planner reads: the topic asked for, else the heading topic its passage
 * falls under (named as the material's topics are: "2.3 Simple parsing" is
 * "Simple parsing"), else the key-term topic it tests, else its passage's
 * section, else the material. buf holds a section's name. */
static const char *topic_of(const passages_material *m, const qgen_question *q, const char *topic_override,
                            const known_topics *kt, char *buf, size_t len)
{
    if (topic_override != NULL)
        return topic_override;
    const char *named = kt->by_passage != NULL ? kt->by_passage[q->passage] : NULL;
    if (named == NULL)
        named = listed(kt->terms, kt->n_terms, q->term);
    if (named != NULL)
        return named;
    const char *section = retrieve_index_passage(m->index, q->passage)->section;
    if (section != NULL)
        return topics_clean_name(section, buf, len) == EM_OK ? buf : section;
    return m->title;
}

static void to_generated(const passages_material *m, const qgen_question *q, const char *topic_override,
                         const known_topics *kt, generated *g)
{
    const retrieve_passage *p = retrieve_index_passage(m->index, q->passage);
    memset(g, 0, sizeof *g);
    snprintf(g->material_id, sizeof g->material_id, "%s", m->id);
    g->format = q->type == QGEN_CLOZE        ? em_strdup("cloze")
                : q->type == QGEN_TRUE_FALSE ? em_strdup("true_false")
                : q->type == QGEN_DEFINITION ? em_strdup("definition")
                                             : NULL;
    g->stem = em_strdup(q->stem);
    g->options_json = options_json(q);
    g->answer = em_strdup(q->answer);
    g->term = em_strdup(q->term);
    g->section = p->section != NULL ? em_strdup(p->section) : NULL;
    char name[TOPICS_NAME_MAX + 1];
    g->topic = em_strdup(topic_of(m, q, topic_override, kt, name, sizeof name));
    g->quote = em_strndup(p->text + q->quote_offset, q->quote_len);
    g->page = p->page_start;
    g->difficulty = q->difficulty;
    /* One copy per material of a question and its key, however it is worded
     * in case and punctuation. */
    char stem[FINGERPRINT_MAX], key[FINGERPRINT_MAX / 2];
    grade_normalize(q->stem, strlen(q->stem), stem, sizeof stem);
    grade_normalize(q->answer, strlen(q->answer), key, sizeof key);
    size_t n = strlen(stem) + strlen(key) + 16;
    g->fingerprint = em_malloc(n);
    snprintf(g->fingerprint, n, "%s|%s|%s", g->format != NULL ? g->format : "choice", stem, key);
}

/* The section of m a topic names (as it is written, or as its topic is
 * named: numbering off), or NULL. */
static const char *section_named(const passages_material *m, const char *name)
{
    size_t n = retrieve_index_count(m->index);
    char clean[TOPICS_NAME_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        const char *s = retrieve_index_passage(m->index, i)->section;
        if (s == NULL)
            continue;
        if (strcasecmp(s, name) == 0 ||
            (topics_clean_name(s, clean, sizeof clean) == EM_OK && strcasecmp(clean, name) == 0))
            return s;
    }
    return NULL;
}

/* Key terms of m (of one section when section is not NULL). */
static int material_terms(const passages_material *m, const char *section, key_term **terms, size_t *n,
                          em_error *err)
{
    size_t count = retrieve_index_count(m->index), used = 0;
    const char **docs = em_calloc(count + 1, sizeof *docs);
    size_t *lens = em_calloc(count + 1, sizeof *lens);
    for (size_t i = 0; i < count; i++) {
        const retrieve_passage *p = retrieve_index_passage(m->index, i);
        if (section != NULL && (p->section == NULL || strcmp(p->section, section) != 0))
            continue;
        docs[used] = p->text;
        lens[used++] = p->len;
    }
    int rc = terms_key_terms(docs, lens, used, PASSAGES_KEY_TERMS, terms, n, err);
    free(docs);
    free(lens);
    return rc;
}

/* Generate from one material, appending checked questions to *out. */
static int generate_from(db *d, const quiz_env *env, const passages_material *m, const request *r,
                         const steering *s, uint64_t seed, generated **out, size_t *n, size_t *cap,
                         bool *topic_found, em_error *err)
{
    const char *section = NULL, *topic_term = NULL;
    if (r->topic != NULL) {
        section = section_named(m, r->topic);
        if (section == NULL)
            topic_term = r->topic;
    }
    /* the whole material's key terms are kept with its index; a section's are read here */
    key_term *own = NULL;
    size_t n_terms = 0;
    const char *const *cached = NULL;
    const char **names = NULL;
    int rc = section != NULL ? material_terms(m, section, &own, &n_terms, err)
                             : passages_key_terms(env->passages, m, &cached, &n_terms, err);
    if (rc != EM_OK)
        return rc;
    names = em_calloc(n_terms + 1, sizeof *names);
    bool covered = section != NULL; /* this material has the topic asked for */
    for (size_t i = 0; i < n_terms; i++) {
        names[i] = own != NULL ? own[i].term : cached[i];
        covered = covered || (topic_term != NULL && strcasecmp(names[i], topic_term) == 0);
    }
    *topic_found = *topic_found || covered;
    if (r->topic != NULL && !covered) {
        /* this material does not cover the topic */
        free(names);
        key_terms_free(own, own != NULL ? n_terms : 0);
        return EM_OK;
    }
    const char *focus[FOCUS_MAX + 1];
    size_t n_focus = 0;
    if (topic_term != NULL)
        focus[n_focus++] = topic_term;
    for (size_t i = 0; i < s->n_focus && n_focus < FOCUS_MAX; i++)
        focus[n_focus++] = s->focus[i];
    size_t want = (size_t)r->count * 2;
    llm_quiz_input in = {
        .source = &(llm_source){m->id, m->title, m->index},
        .terms = names,
        .n_terms = n_terms,
        .section = section,
        .focus_terms = focus,
        .n_focus = n_focus,
        .max = want > QGEN_MAX ? QGEN_MAX : want,
        .seed = seed,
        .sisters = env->wordnet != NULL ? sisters : NULL,
        .sisters_ctx = (void *)env->wordnet,
    };
    qgen_set set = {0};
    known_topics kt = {0};
    size_t n_topics = 0;
    rc = n_terms > 0 ? env->provider->generate_questions(env->provider, &in, &set, err) : EM_OK;
    if (rc == EM_OK && set.n > 0)
        rc = material_topics(d, m->id, note_topic, &kt, &n_topics, err);
    if (rc == EM_OK && set.n > 0)
        place_passages(m, &kt);
    for (size_t i = 0; rc == EM_OK && i < set.n; i++) {
        if (!question_checks_out(m->index, &set.items[i]))
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 32;
            *out = em_realloc(*out, *cap * sizeof **out);
        }
        to_generated(m, &set.items[i], topic_term, &kt, &(*out)[(*n)++]);
    }
    known_topics_cleanup(&kt);
    qgen_set_cleanup(&set);
    free(names);
    key_terms_free(own, own != NULL ? n_terms : 0);
    return rc;
}

/* ---- choosing the questions ---- */

static int bucket_of(double difficulty)
{
    if (difficulty < 0)
        return 1;
    return difficulty < 0.34 ? 0 : difficulty < 0.67 ? 1 : 2;
}

/* How much a candidate is wanted: weak topics and open misconceptions first,
 * with a little noise so that equal candidates take turns. */
static double base_weight(const steering *s, const pool_question *q, uint64_t *rng)
{
    const topic_weight *t = find_topic(s, q->topic);
    double w = 1.0 - (t != NULL ? t->mastery : 0.0);
    if (t != NULL && t->misconception)
        w += MISCONCEPTION_BOOST;
    for (size_t i = 0; i < s->n_focus; i++)
        if (same_text(s->focus[i], q->term) || same_text(s->focus[i], q->topic)) {
            w += 0.25;
            break;
        }
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return w + (double)(*rng % 1000) / 10000.0;
}

/* Pick up to `count` of the candidates into chosen[] (indexes), in turn
 * from the medium, easy and hard buckets, each time the best weighted
 * candidate left there (weights shrink by TOPIC_SPREAD for each question
 * already on the same topic), skipping questions of recent quizzes and
 * near-duplicates of recent and chosen ones. */
static size_t choose(const pool_question *cand, size_t n, const steering *s, const recent *rec, int count,
                     uint64_t seed, size_t *chosen)
{
    double *w = em_calloc(n + 1, sizeof *w);
    bool *out = em_calloc(n + 1, sizeof *out);
    uint64_t rng = seed | 1;
    for (size_t i = 0; i < n; i++) {
        w[i] = base_weight(s, &cand[i], &rng);
        out[i] = recent_has(rec, cand[i].id);
    }
    static const int order[] = {1, 0, 2};
    char **picked_stems = em_calloc((size_t)count + 1, sizeof *picked_stems);
    size_t k = 0;
    for (int turn = 0; k < (size_t)count; turn++) {
        int want = order[turn % 3];
        size_t best = n;
        double best_w = -1;
        for (int pass = 0; pass < 2 && best == n; pass++) {
            for (size_t i = 0; i < n; i++) {
                if (out[i] || (pass == 0 && bucket_of(cand[i].difficulty) != want))
                    continue;
                size_t same = 0;
                for (size_t j = 0; j < k; j++)
                    same += same_text(cand[chosen[j]].topic, cand[i].topic);
                double x = w[i] * pow(TOPIC_SPREAD, (double)same);
                if (x > best_w) {
                    best_w = x;
                    best = i;
                }
            }
        }
        if (best == n)
            break;
        out[best] = true;
        /* similarity is dear (it reads both stems into words): only for the one picked */
        if (near_any(cand[best].stem, picked_stems, NULL, k) ||
            near_any(cand[best].stem, rec->stems, rec->sigs, rec->n))
            continue;
        picked_stems[k] = cand[best].stem;
        chosen[k++] = best;
    }
    free(picked_stems);
    free(w);
    free(out);
    return k;
}

/* ---- storing a quiz ---- */

static bool is_choice(const char *type)
{
    return strcmp(type, "multiple_choice") == 0 || strcmp(type, "true_false") == 0 ||
           strcmp(type, "definition") == 0;
}

static int insert_quiz(db *d, const char *id, const char *user_id, const request *r, const json_t *fields,
                       size_t n, int64_t now_ms, em_error *err)
{
    char now[32];
    clock_iso8601(now_ms, now);
    json_t *req = json_deep_copy(fields);
    json_object_set_new(req, "count", json_integer(r->count));
    char *req_text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(req);
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO quizzes (id, user_id, session_id, request, question_count, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, user_id);
        r->session_id != NULL ? db_bind_text(st, 3, r->session_id) : db_bind_null(st, 3);
        db_bind_text(st, 4, req_text);
        db_bind_int64(st, 5, (int64_t)n);
        rc = db_bind_text(st, 6, now);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    free(req_text);
    return rc == DB_DONE ? EM_OK : rc;
}

static int insert_item(db *d, const char *quiz_id, const char *user_id, int position, const pool_question *q,
                       em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d,
        "INSERT INTO quiz_items (quiz_id, position, question_id, type, stem, options, answer, "
        "topic, term, material_id, section, page, quote, difficulty, answer_norm, user_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        &st, err);
    if (rc == EM_OK) {
        db_bind_text(st, 1, quiz_id);
        db_bind_int64(st, 2, position);
        db_bind_text(st, 3, q->id);
        db_bind_text(st, 4, q->type);
        db_bind_text(st, 5, q->stem);
        db_bind_text(st, 6, q->options_json);
        db_bind_text(st, 7, q->answer);
        db_bind_text(st, 8, q->topic != NULL ? q->topic : "");
        q->term != NULL ? db_bind_text(st, 9, q->term) : db_bind_null(st, 9);
        db_bind_text(st, 10, q->material_id);
        q->section != NULL ? db_bind_text(st, 11, q->section) : db_bind_null(st, 11);
        q->page >= 0 ? db_bind_int64(st, 12, q->page) : db_bind_null(st, 12);
        q->quote != NULL ? db_bind_text(st, 13, q->quote) : db_bind_null(st, 13);
        q->difficulty >= 0 ? db_bind_double(st, 14, q->difficulty) : db_bind_null(st, 14);
        char norm[ATTEMPTS_NORM_MAX];
        grade_normalize(q->answer, strlen(q->answer), norm, sizeof norm);
        db_bind_text(st, 15, norm);
        rc = db_bind_text(st, 16, user_id);
    }
    if (rc == EM_OK)
        rc = db_step(st, err);
    db_finalize(st);
    return rc == DB_DONE ? EM_OK : rc;
}

static json_t *served_json(const pool_question *q)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", q->id, "type", q->type, "stem", q->stem, "topic",
                          q->topic != NULL ? q->topic : "");
    if (is_choice(q->type)) {
        json_t *opts = json_loads(q->options_json, 0, NULL);
        json_object_set_new(o, "options", json_is_array(opts) ? opts : json_array());
        if (!json_is_array(opts))
            json_decref(opts);
    }
    json_object_set_new(o, "difficulty", q->difficulty >= 0 ? json_real(q->difficulty) : json_null());
    return o;
}

/* The materials a quiz draws on: those named, else the session's, else all
 * of the student's (NULL ids, n 0). *owned is what to free. */
static int quiz_materials(db *d, const principal *who, const request *r, char ***owned, size_t *n_owned,
                          const char *const **ids, size_t *n, bool *skip_not_ready, em_error *err)
{
    *owned = NULL;
    *n_owned = 0;
    *ids = r->material_ids;
    *n = r->n_materials;
    *skip_not_ready = false;
    if (r->session_id == NULL)
        return EM_OK;
    char owner[37];
    char **mine = NULL;
    size_t n_mine = 0;
    int rc = session_materials(d, who, r->session_id, true, owner, &mine, &n_mine, err);
    if (rc != EM_OK)
        return rc;
    *owned = mine;
    *n_owned = n_mine;
    if (r->n_materials == 0) {
        *ids = (const char *const *)mine;
        *n = n_mine;
        *skip_not_ready = true;
        if (n_mine == 0)
            return em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                   "the session has no materials: add material_ids to it or name them");
    }
    return EM_OK;
}

int quiz_generate(db *d, const quiz_env *env, const principal *who, const json_t *fields, int64_t now_ms,
                  json_t **out, em_error *err)
{
    *out = NULL;
    request r;
    int rc = parse_request(fields, &r, err);
    if (rc != EM_OK)
        return rc;
    if (r.code != NULL)
        for (const char *p = r.code; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_')) {
                free(r.material_ids);
                return em_error_set(err, EM_E_INVAL,
                                    "code must be a curriculum code (letters, digits, . - _)");
            }
    char **session_ids = NULL;
    size_t n_session_ids = 0, n_ids = 0;
    const char *const *ids = NULL;
    bool skip = false;
    rc = quiz_materials(d, who, &r, &session_ids, &n_session_ids, &ids, &n_ids, &skip, err);
    passages_set set = {0};
    if (rc == EM_OK)
        rc = passages_load(d, env->passages, who, ids, n_ids, skip, &set, err);
    if (rc == EM_OK && set.n == 0)
        rc = em_error_refuse(
            err, EM_E_INVAL, EM_REASON_VALIDATION,
            "there is no ready material to quiz on: upload material and wait until it is ready");
    steering s = {0};
    recent rec = {0};
    if (rc == EM_OK)
        rc = load_steering(d, who->user_id, &s, err);
    if (rc == EM_OK)
        rc = load_recent(d, who->user_id, &rec, err);

    uint64_t seed = 0;
    id_random_bytes(&seed, sizeof seed);
    generated *gen = NULL;
    size_t n_gen = 0, cap_gen = 0;
    bool topic_found = r.topic == NULL;
    for (size_t i = 0; rc == EM_OK && i < set.n; i++)
        rc =
            generate_from(d, env, &set.items[i], &r, &s, seed + i, &gen, &n_gen, &cap_gen, &topic_found, err);
    if (rc == EM_OK && !topic_found)
        rc = em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                             "no section or key term of these materials is called \"%s\"", r.topic);

    /* The new questions join the bank in their own transaction: a quiz that
     * cannot be served yet (its questions wait for review) keeps them. */
    size_t pending = 0;
    pool_question *cand = NULL;
    size_t n_cand = 0;
    char quiz_id[ID_UUID_LEN + 1];
    id_uuid7(quiz_id);
    size_t *chosen = em_calloc((size_t)r.count + 1, sizeof *chosen);
    size_t k = 0;
    bool began = false;
    if (rc == EM_OK && n_gen > 0 && (rc = db_begin(d, err)) == EM_OK)
        began = true;
    for (size_t i = 0; rc == EM_OK && i < n_gen; i++) {
        bool review = false, approved = false;
        char qid[37];
        rc = quiz_pool_needs_review(d, gen[i].material_id, &review, err);
        pool_generated g = {gen[i].format, gen[i].stem,       gen[i].options_json, gen[i].answer,
                            gen[i].topic,  gen[i].term,       gen[i].section,      gen[i].quote,
                            gen[i].page,   gen[i].difficulty, gen[i].fingerprint};
        if (rc == EM_OK)
            rc = quiz_pool_store_generated(d, who->user_id, gen[i].material_id, &g, review, qid, &approved,
                                           err);
        pending += rc == EM_OK && !approved;
    }
    if (began) {
        rc = rc == EM_OK ? db_commit(d, err) : rc;
        if (rc != EM_OK)
            db_rollback(d);
        began = false;
    }
    /* then the bank as it is now, and the quiz: one transaction */
    if (rc == EM_OK && (rc = db_begin(d, err)) == EM_OK)
        began = true;
    const char **set_ids = em_calloc(set.n + 1, sizeof *set_ids);
    for (size_t i = 0; i < set.n; i++)
        set_ids[i] = set.items[i].id;
    /* asked for a code: the new questions get their suggested codes first */
    for (size_t i = 0; rc == EM_OK && r.code != NULL && n_gen > 0 && i < set.n; i++) {
        size_t suggested = 0;
        rc = curricula_suggest_material(d, set.items[i].id, &suggested, err);
    }
    if (rc == EM_OK) {
        /* a topic that is a section or a term of it: bank questions match it by topic */
        pool_filter f = {who->user_id, set_ids, set.n, r.topic, r.code};
        rc = quiz_pool_candidates(d, &f, &cand, &n_cand, err);
    }
    if (rc == EM_OK)
        k = choose(cand, n_cand, &s, &rec, r.count, seed, chosen);
    if (rc == EM_OK && k == 0)
        rc = pending > 0 ? em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                           "no questions are ready yet: %zu generated questions wait for a "
                                           "tutor's review",
                                           pending)
                         : em_error_refuse(err, EM_E_INVAL, EM_REASON_VALIDATION,
                                           "these materials give no new questions%s: add material or try "
                                           "another topic",
                                           r.code != NULL ? " for that code" : "");
    if (rc == EM_OK)
        rc = insert_quiz(d, quiz_id, who->user_id, &r, fields, k, now_ms, err);
    for (size_t i = 0; rc == EM_OK && i < k; i++)
        rc = insert_item(d, quiz_id, who->user_id, (int)i, &cand[chosen[i]], err);
    if (rc == EM_OK)
        rc = db_commit(d, err);
    if (rc != EM_OK && began)
        db_rollback(d);
    if (rc == EM_OK) {
        char now[32];
        clock_iso8601(now_ms, now);
        json_t *qs = json_array();
        for (size_t i = 0; i < k; i++)
            json_array_append_new(qs, served_json(&cand[chosen[i]]));
        *out = json_pack("{s:s, s:o, s:s, s:i, s:o, s:i}", "id", quiz_id, "session_id",
                         r.session_id != NULL ? json_string(r.session_id) : json_null(), "created_at", now,
                         "requested", (json_int_t)r.count, "questions", qs, "pending_review",
                         (json_int_t)pending);
    }
    free(set_ids);
    free(chosen);
    quiz_pool_free(cand, n_cand);
    for (size_t i = 0; i < n_gen; i++)
        generated_cleanup(&gen[i]);
    free(gen);
    recent_cleanup(&rec);
    steering_cleanup(&s);
    passages_release(env->passages, &set);
    session_ids_free(session_ids, n_session_ids);
    free(r.material_ids);
    return rc;
}

/* ---- a quiz as stored ---- */

typedef struct item {
    int position;
    char question_id[37]; /* its question in the bank; "" once that is deleted */
    char served_id[37];   /* the id the student sees and answers by: question_id,
                             or "item-<position>" when the bank's question is gone */
    char *type, *stem, *options_json, *answer, *topic, *term, *material_id, *section, *quote;
    char *answer_norm; /* the key's stems (learn/grade.h), as the misconception rules compare it */
    int page;
    double difficulty;
} item;

typedef struct stored_quiz {
    char id[37], user_id[37], created_at[40], submitted_at[40];
    char *session_id;
    double score;
    item *items;
    size_t n;
} stored_quiz;

static void stored_quiz_cleanup(stored_quiz *q)
{
    for (size_t i = 0; i < q->n; i++) {
        item *it = &q->items[i];
        free(it->type);
        free(it->stem);
        free(it->options_json);
        free(it->answer);
        free(it->topic);
        free(it->term);
        free(it->material_id);
        free(it->section);
        free(it->quote);
        free(it->answer_norm);
    }
    free(q->items);
    free(q->session_id);
    memset(q, 0, sizeof *q);
}

/* Read a quiz `who` may see (write: only its student). */
static int load_quiz(db *d, const principal *who, const char *quiz_id, bool write, stored_quiz *q,
                     em_error *err)
{
    memset(q, 0, sizeof *q);
    if (quiz_id == NULL || !id_is_uuid(quiz_id))
        return em_error_set(err, EM_E_NOT_FOUND, "no such quiz");
    db_stmt *st = NULL;
    int rc = db_prepare_cached(
        d, "SELECT user_id, session_id, created_at, submitted_at, score FROM quizzes WHERE id = $1", &st,
        err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, quiz_id);
    bool found = false;
    if (db_next(st, &rc, err)) {
        found = true;
        snprintf(q->id, sizeof q->id, "%s", quiz_id);
        snprintf(q->user_id, sizeof q->user_id, "%s", db_column_text(st, 0));
        q->session_id = db_column_strdup(st, 1);
        snprintf(q->created_at, sizeof q->created_at, "%s", db_column_text(st, 2));
        const char *sub = db_column_text(st, 3);
        snprintf(q->submitted_at, sizeof q->submitted_at, "%s", sub != NULL ? sub : "");
        q->score = db_column_is_null(st, 4) ? -1 : db_column_double(st, 4);
    }
    db_finalize(st);
    if (rc == EM_OK && !found)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such quiz");
    if (rc == EM_OK && write && strcmp(q->user_id, who->user_id) != 0)
        rc = em_error_set(err, EM_E_NOT_FOUND, "no such quiz");
    if (rc == EM_OK && !write)
        rc = authz_require_view(d, who, q->user_id, "quiz", err);
    if (rc == EM_OK)
        rc = db_prepare_cached(
            d,
            "SELECT position, question_id, type, stem, options, answer, topic, term, material_id, "
            "section, page, quote, difficulty, answer_norm FROM quiz_items WHERE quiz_id = $1 "
            "ORDER BY position",
            &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, quiz_id);
    size_t cap = 0;
    while (rc == EM_OK && db_next(st, &rc, err)) {
        if (q->n == cap) {
            cap = cap ? cap * 2 : 16;
            q->items = em_realloc(q->items, cap * sizeof *q->items);
        }
        item *it = &q->items[q->n++];
        memset(it, 0, sizeof *it);
        it->position = (int)db_column_int64(st, 0);
        const char *qid = db_column_text(st, 1);
        snprintf(it->question_id, sizeof it->question_id, "%s", qid != NULL ? qid : "");
        if (it->question_id[0] != '\0')
            snprintf(it->served_id, sizeof it->served_id, "%s", it->question_id);
        else /* its material was deleted: the quiz keeps the question */
            snprintf(it->served_id, sizeof it->served_id, "item-%d", it->position);
        it->type = db_column_strdup(st, 2);
        it->stem = db_column_strdup(st, 3);
        it->options_json = db_column_strdup(st, 4);
        it->answer = db_column_strdup(st, 5);
        it->topic = db_column_strdup(st, 6);
        it->term = db_column_strdup(st, 7);
        it->material_id = db_column_strdup(st, 8);
        it->section = db_column_strdup(st, 9);
        it->page = db_column_is_null(st, 10) ? -1 : (int)db_column_int64(st, 10);
        it->quote = db_column_strdup(st, 11);
        it->difficulty = db_column_is_null(st, 12) ? -1 : db_column_double(st, 12);
        it->answer_norm = db_column_strdup(st, 13);
    }
    if (st != NULL)
        db_finalize(st);
    if (rc != EM_OK)
        stored_quiz_cleanup(q);
    return rc;
}

/* The grading key of an item; *opts is owned (free with json_decref). */
static grade_key key_of(const item *it, json_t **opts, const char **texts, size_t max)
{
    grade_key k = {.answer = it->answer};
    *opts = json_loads(it->options_json != NULL ? it->options_json : "[]", 0, NULL);
    size_t n = 0;
    for (size_t i = 0; json_is_array(*opts) && i < json_array_size(*opts) && n < max; i++)
        if (json_is_string(json_array_get(*opts, i)))
            texts[n++] = json_string_value(json_array_get(*opts, i));
    if (strcmp(it->type, "true_false") == 0) {
        k.kind = GRADE_TRUE_FALSE;
        k.options = texts;
        k.n_options = n;
    } else if (is_choice(it->type)) {
        k.kind = GRADE_CHOICE;
        k.options = texts;
        k.n_options = n;
    } else {
        k.kind = GRADE_SHORT;
    }
    return k;
}

static int grade_item(const item *it, const char *given, size_t len, grade_result *res, em_error *err)
{
    json_t *opts = NULL;
    const char *texts[16];
    grade_key k = key_of(it, &opts, texts, sizeof texts / sizeof texts[0]);
    int rc = grade_answer(&k, given, len, res, err);
    json_decref(opts);
    return rc;
}

static json_t *source_json(const item *it)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "material_id",
                     it->material_id != NULL ? json_string(it->material_id) : json_null(), "section",
                     it->section != NULL ? json_string(it->section) : json_null(), "page",
                     it->page >= 0 ? json_integer(it->page) : json_null(), "quote",
                     it->quote != NULL ? json_string(it->quote) : json_null());
}

static json_t *result_json(const item *it, const char *given, const grade_result *g)
{
    return json_pack("{s:s, s:o, s:b, s:s, s:s, s:b, s:b, s:o}", "question_id", it->served_id, "given",
                     given != NULL ? json_string(given) : json_null(), "correct", g != NULL && g->correct,
                     "expected", it->answer, "feedback", g != NULL ? g->feedback : "Not answered.",
                     "typo_forgiven", g != NULL && g->typo_forgiven, "synonym", g != NULL && g->synonym,
                     "source", source_json(it));
}

static json_t *item_json(const item *it)
{
    pool_question q = {.type = it->type,
                       .stem = it->stem,
                       .options_json = it->options_json,
                       .topic = it->topic,
                       .difficulty = it->difficulty};
    snprintf(q.id, sizeof q.id, "%s", it->served_id);
    return served_json(&q);
}

int quiz_get(db *d, const principal *who, const char *quiz_id, json_t **out, em_error *err)
{
    *out = NULL;
    stored_quiz q;
    int rc = load_quiz(d, who, quiz_id, false, &q, err);
    if (rc != EM_OK)
        return rc;
    json_t *qs = json_array(), *results = json_array();
    for (size_t i = 0; i < q.n; i++)
        json_array_append_new(qs, item_json(&q.items[i]));
    bool submitted = q.submitted_at[0] != '\0';
    if (submitted) {
        /* each item with its stored answer, graded again for its feedback */
        char **given = em_calloc(q.n + 1, sizeof *given);
        db_stmt *st = NULL;
        rc = db_prepare_cached(d, "SELECT position, given FROM attempts WHERE quiz_id = $1 AND kind = 'quiz'",
                               &st, err);
        if (rc == EM_OK)
            rc = db_bind_text(st, 1, quiz_id);
        while (db_next(st, &rc, err)) {
            int64_t pos = db_column_int64(st, 0);
            if (pos >= 0 && (size_t)pos < q.n && given[pos] == NULL)
                given[pos] = db_column_strdup(st, 1);
        }
        db_finalize(st);
        for (size_t i = 0; i < q.n; i++) {
            grade_result g;
            em_error e = {0};
            bool graded =
                given[i] != NULL && grade_item(&q.items[i], given[i], strlen(given[i]), &g, &e) == EM_OK;
            json_array_append_new(results, result_json(&q.items[i], given[i], graded ? &g : NULL));
            free(given[i]);
        }
        free(given);
    }
    if (rc == EM_OK)
        *out =
            json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "id", q.id, "user_id", q.user_id, "session_id",
                      q.session_id != NULL ? json_string(q.session_id) : json_null(), "created_at",
                      q.created_at, "submitted_at", submitted ? json_string(q.submitted_at) : json_null(),
                      "score", submitted && q.score >= 0 ? json_real(q.score) : json_null(), "questions", qs);
    else
        json_decref(qs);
    if (rc == EM_OK && submitted)
        json_object_set_new(*out, "results", results);
    else
        json_decref(results);
    stored_quiz_cleanup(&q);
    return rc;
}

/* ---- listing ---- */

/* The topics of quiz_id, in the order the quiz first asks them, into `out`. */
static int quiz_topics(db *d, const char *quiz_id, json_t *out, em_error *err)
{
    db_stmt *st = NULL;
    int rc = db_prepare_cached(d,
                               "SELECT topic, min(position) AS first FROM quiz_items WHERE quiz_id = $1 "
                               "GROUP BY topic ORDER BY first, topic",
                               &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, quiz_id);
    while (db_next(st, &rc, err))
        json_array_append_new(out, json_string(db_column_text(st, 0)));
    db_finalize(st);
    return rc;
}

int quiz_list(db *d, const principal *who, const char *user_id, const char *session_id, int limit, int offset,
              json_t **items, int64_t *total, em_error *err)
{
    *items = NULL;
    *total = 0;
    if (limit < 1 || limit > QUIZ_PAGE_MAX || offset < 0)
        return em_error_set(err, EM_E_INVAL, "limit must be a whole number from 1 to %d, offset 0 or more",
                            QUIZ_PAGE_MAX);
    if (user_id != NULL && !id_is_uuid(user_id))
        return em_error_set(err, EM_E_INVAL, "user_id must be a user id (UUID)");
    char owner[ID_UUID_LEN + 1];
    int rc = EM_OK;
    if (session_id != NULL) {
        /* the session's student; a session of someone else is none of user_id's */
        rc = sessions__owner(d, who, session_id, false, owner, err);
        if (rc == EM_OK && user_id != NULL && strcmp(user_id, owner) != 0)
            rc = em_error_set(err, EM_E_NOT_FOUND, "no such session");
    } else {
        snprintf(owner, sizeof owner, "%s", user_id != NULL ? user_id : who->user_id);
        rc = authz_require_view(d, who, owner, "user", err);
    }
    if (rc != EM_OK)
        return rc;
    db_stmt *st = NULL;
    rc = db_prepare_cached(d,
                           "SELECT count(*) FROM quizzes WHERE user_id = $1 "
                           "AND (CAST($2 AS TEXT) IS NULL OR session_id = $2)",
                           &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner);
    if (rc == EM_OK)
        rc = session_id != NULL ? db_bind_text(st, 2, session_id) : db_bind_null(st, 2);
    if (db_next(st, &rc, err))
        *total = db_column_int64(st, 0);
    db_finalize(st);
    if (rc != EM_OK)
        return rc;
    rc = db_prepare_cached(
        d,
        "SELECT id, session_id, created_at, submitted_at, score, question_count FROM quizzes "
        "WHERE user_id = $1 AND (CAST($2 AS TEXT) IS NULL OR session_id = $2) "
        "ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4",
        &st, err);
    if (rc == EM_OK)
        rc = db_bind_text(st, 1, owner);
    if (rc == EM_OK)
        rc = session_id != NULL ? db_bind_text(st, 2, session_id) : db_bind_null(st, 2);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 3, limit);
    if (rc == EM_OK)
        rc = db_bind_int64(st, 4, offset);
    json_t *list = json_array();
    while (db_next(st, &rc, err)) {
        const char *sid = db_column_text(st, 1), *sub = db_column_text(st, 3);
        json_array_append_new(
            list, json_pack("{s:s, s:o, s:s, s:o, s:o, s:I, s:[]}", "id", db_column_text(st, 0), "session_id",
                            sid != NULL ? json_string(sid) : json_null(), "created_at", db_column_text(st, 2),
                            "submitted_at", sub != NULL ? json_string(sub) : json_null(), "score",
                            db_column_is_null(st, 4) ? json_null() : json_real(db_column_double(st, 4)),
                            "question_count", (json_int_t)db_column_int64(st, 5), "topics"));
    }
    db_finalize(st);
    /* the topics after the page is read: one statement at a time on the connection */
    for (size_t i = 0; rc == EM_OK && i < json_array_size(list); i++) {
        json_t *q = json_array_get(list, i);
        rc = quiz_topics(d, json_string_value(json_object_get(q, "id")), json_object_get(q, "topics"), err);
    }
    if (rc != EM_OK) {
        json_decref(list);
        return rc;
    }
    *items = list;
    return EM_OK;
}

/* ---- submitting ---- */

typedef struct answer_in {
    const char *given; /* borrowed from the body; NULL: not answered */
    double seconds;
    grade_result g;
} answer_in;

/* Check and grade every answer before anything is stored. */
static int read_answers(const stored_quiz *q, const json_t *fields, answer_in *in, em_error *err)
{
    json_t *answers = json_is_object(fields) ? json_object_get(fields, "answers") : NULL;
    if (!json_is_array(answers))
        return em_error_set(err, EM_E_INVAL, "answers must be an array of {question_id, answer, seconds}");
    if (json_array_size(answers) > q->n)
        return em_error_set(err, EM_E_INVAL, "the quiz has %zu questions", q->n);
    /* a quiz is submitted once: an empty submission would close it unanswered */
    if (json_array_size(answers) == 0)
        return em_error_set(err, EM_E_INVAL, "answers must hold at least one answer");
    for (size_t i = 0; i < json_array_size(answers); i++) {
        json_t *a = json_array_get(answers, i);
        const char *qid = json_string_value(json_object_get(a, "question_id"));
        json_t *given = json_object_get(a, "answer");
        json_t *secs = json_object_get(a, "seconds");
        if (!json_is_object(a) || qid == NULL)
            return em_error_set(err, EM_E_INVAL, "answers[%zu] needs a question_id", i);
        size_t pos = q->n;
        for (size_t k = 0; k < q->n && pos == q->n; k++)
            if (strcmp(q->items[k].served_id, qid) == 0)
                pos = k;
        if (pos == q->n)
            return em_error_set(err, EM_E_INVAL, "answers[%zu]: question %s is not in this quiz", i, qid);
        if (in[pos].given != NULL)
            return em_error_set(err, EM_E_INVAL, "answers[%zu]: question %s is answered twice", i, qid);
        if (!json_is_string(given))
            return em_error_set(err, EM_E_INVAL, "answers[%zu]: answer must be text", i);
        if (secs != NULL && !json_is_null(secs) &&
            (!json_is_number(secs) || json_number_value(secs) < 0 || json_number_value(secs) > 86400))
            return em_error_set(err, EM_E_INVAL, "answers[%zu]: seconds must be a number from 0 to 86400", i);
        em_error e = {0};
        int rc =
            grade_item(&q->items[pos], json_string_value(given), json_string_length(given), &in[pos].g, &e);
        if (rc != EM_OK) /* empty, too long, not UTF-8: the answer's fault */
            return em_error_set(err, EM_E_INVAL, "answers[%zu]: %s", i, e.msg);
        in[pos].given = json_string_value(given);
        in[pos].seconds = secs != NULL && json_is_number(secs) ? json_number_value(secs) : -1;
    }
    return EM_OK;
}

/* The text of option `option` of an item, owned; NULL when none. */
static char *option_text(const item *it, int option)
{
    if (option < 0 || !is_choice(it->type))
        return NULL;
    json_t *opts = json_loads(it->options_json != NULL ? it->options_json : "[]", 0, NULL);
    const char *t = json_string_value(json_array_get(opts, (size_t)option));
    char *out = t != NULL ? em_strdup(t) : NULL;
    json_decref(opts);
    return out;
}

/* The grade a quiz answer gives the question's review card. */
static fsrs_grade card_grade(const grade_result *g)
{
    if (!g->correct)
        return FSRS_AGAIN;
    return g->typo_forgiven ? FSRS_HARD : FSRS_GOOD;
}

/* Per-topic mastery before the first and after the last answer of a quiz. */
typedef struct topic_change {
    const char *topic;
    double before, after;
} topic_change;

static void note_change(topic_change *c, size_t *n, const char *name, double before, double after)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(c[i].topic, name) == 0) {
            c[i].after = after;
            return;
        }
    c[(*n)++] = (topic_change){name, before, after};
}

/* What a submission writes, worked out before: one unit of a group commit
 * (db_write_grouped), so it reads nothing of the caller's but this. */
typedef struct submit_writes {
    const char *user_id, *quiz_id;
    const stored_quiz *q;
    const answer_in *in;
    char *const *chosen;
    const char (*norms)[ATTEMPTS_NORM_MAX];
    double score;
    const fsrs_params *fsrs;
    const review_plan *reviews; /* per item; question_id NULL: none */
    const mc_changes *mc;
    int64_t now_ms;
    /* out: the topics' mastery moves and the misconceptions detected and
       resolved (owned; left for the caller to free, also on failure) */
    topic_change *changes;
    size_t n_changes;
    json_t *added, *resolved;
} submit_writes;

/* The quiz marked submitted, its answers stored, each topic's mastery
 * moved, each question's card reviewed, misconceptions stored and resolved. */
static int write_submission(db *d, void *ctx, em_error *err)
{
    submit_writes *w = ctx;
    const stored_quiz *q = w->q;
    const answer_in *in = w->in;
    w->n_changes = 0;
    json_decref(w->added);
    json_decref(w->resolved);
    w->added = w->resolved = NULL;
    char now[32], score_text[32];
    clock_iso8601(w->now_ms, now);
    snprintf(score_text, sizeof score_text, "%.17g", w->score);
    const char *params[] = {now, score_text, w->quiz_id};
    int rc = mastery__lock_student(d, w->user_id, err);
    if (rc == EM_OK)
        rc = db_run_cached(d,
                           "UPDATE quizzes SET submitted_at = $1, score = CAST($2 AS DOUBLE PRECISION) "
                           "WHERE id = $3 AND submitted_at IS NULL",
                           params, 3, err);
    rc = rc == DB_DONE ? EM_OK : rc;
    if (rc == EM_OK && db_changes(d) != 1)
        rc = em_error_set(err, EM_E_CONFLICT, "the quiz was submitted already");
    for (size_t i = 0; rc == EM_OK && i < q->n; i++) {
        const item *it = &q->items[i];
        if (in[i].given == NULL)
            continue;
        attempt_row a = {.quiz_id = w->quiz_id,
                         .position = it->position,
                         .question_id = it->question_id[0] ? it->question_id : NULL,
                         .topic = it->topic,
                         .term = it->term,
                         .kind = "quiz",
                         .given = in[i].given,
                         .given_option = is_choice(it->type) ? in[i].g.option : -1,
                         .chosen = w->chosen[i],
                         .choice = is_choice(it->type),
                         .expected = it->answer,
                         .given_norm = w->norms[i],
                         .expected_norm = it->answer_norm,
                         .correct = in[i].g.correct,
                         .seconds = in[i].seconds,
                         .at_ms = w->now_ms};
        rc = attempts__insert(d, w->user_id, &a, err);
        double before = 0, after = 0;
        if (rc == EM_OK)
            rc = mastery_observe(d, w->user_id, it->topic, in[i].g.correct, &before, &after, err);
        if (rc == EM_OK)
            note_change(w->changes, &w->n_changes, it->topic, before, after);
        if (rc == EM_OK && w->reviews[i].question_id != NULL)
            rc = reviews__apply(d, w->user_id, w->fsrs, &w->reviews[i], "quiz", err);
    }
    if (rc == EM_OK)
        rc = misconceptions__apply(d, w->user_id, w->mc, w->now_ms, &w->added, &w->resolved, err);
    return rc;
}

int quiz_submit(db *d, const principal *who, const char *quiz_id, const json_t *fields, int64_t now_ms,
                json_t **out, em_error *err)
{
    *out = NULL;
    /* everything the submission reads, on one snapshot (and, on SQLite, one
       warm page cache), before its writes */
    int rc = db_read_begin(d, err);
    if (rc != EM_OK)
        return rc;
    stored_quiz q;
    rc = load_quiz(d, who, quiz_id, true, &q, err);
    if (rc != EM_OK) {
        db_read_end(d);
        return rc;
    }
    answer_in *in = em_calloc(q.n + 1, sizeof *in);
    topic_change *changes = em_calloc(q.n + 1, sizeof *changes);
    size_t n_changes = 0;
    rc = read_answers(&q, fields, in, err);
    size_t correct = 0;
    for (size_t i = 0; i < q.n; i++)
        correct += in[i].given != NULL && in[i].g.correct;
    double score = q.n > 0 ? (double)correct / (double)q.n : 0;
    fsrs_params fsrs;
    if (rc == EM_OK)
        rc = reviews__params(d, who->user_id, &fsrs, err);
    /* What the answers so far show the student misunderstands, or no longer
     * does: read and worked out before the transaction, so the database's
     * write lock is held for the writes alone. The history read here plus
     * this quiz's answers is what the transaction would have read. */
    attempt_history h = {0};
    key_history keys = {0};
    mc_list found = {0};
    json_t *added = NULL, *resolved = NULL;
    bkt_params p = bkt_default_params();
    char(*norms)[ATTEMPTS_NORM_MAX] = em_calloc(q.n + 1, sizeof *norms);
    char **chosen = em_calloc(q.n + 1, sizeof *chosen);
    const char **touched = em_calloc(q.n + 1, sizeof *touched);
    size_t n_touched = 0;
    /* the answers' stems, and the topics answered now: only these topics'
       misconceptions can appear or go */
    const char **wrong_norms = em_calloc(q.n + 1, sizeof *wrong_norms);
    const char **wrong_ids = em_calloc(q.n + 1, sizeof *wrong_ids);
    size_t n_wrong = 0;
    for (size_t i = 0; rc == EM_OK && i < q.n; i++) {
        const item *it = &q.items[i];
        if (in[i].given == NULL)
            continue;
        chosen[i] = option_text(it, in[i].g.option);
        const char *compared = chosen[i] != NULL ? chosen[i] : in[i].given;
        grade_normalize(compared, strlen(compared), norms[i], sizeof norms[i]);
        /* another question's key matters only for a wrong written answer */
        if (!in[i].g.correct && !is_choice(it->type)) {
            wrong_norms[n_wrong] = norms[i];
            wrong_ids[n_wrong++] = it->question_id[0] ? it->question_id : NULL;
        }
        bool seen = false;
        for (size_t t = 0; t < n_touched && !seen; t++)
            seen = strcmp(touched[t], it->topic) == 0;
        if (!seen)
            touched[n_touched++] = it->topic;
    }
    if (rc == EM_OK)
        rc = attempts__topic_history(d, who->user_id, touched, n_touched, QUIZ_MODEL_TOPIC_ATTEMPTS, &h, err);
    if (rc == EM_OK && n_wrong > 0)
        rc = attempts__keys_matching(d, who->user_id, wrong_norms, wrong_ids, n_wrong,
                                     QUIZ_MODEL_KEYS_PER_ANSWER, &keys, err);
    free(wrong_norms);
    free(wrong_ids);
    size_t n_before = h.n;
    if (rc == EM_OK) {
        h.items = em_realloc(h.items, (h.n + q.n + 1) * sizeof *h.items);
        for (size_t i = 0; i < q.n; i++) {
            const item *it = &q.items[i];
            if (in[i].given == NULL)
                continue;
            h.items[h.n++] = (mc_attempt){.question_id = it->question_id[0] ? it->question_id : NULL,
                                          .topic = it->topic,
                                          .term = it->term,
                                          .correct = in[i].g.correct,
                                          .choice = is_choice(it->type),
                                          .option = is_choice(it->type) ? in[i].g.option : -1,
                                          .given_text = chosen[i] != NULL ? chosen[i] : in[i].given,
                                          .given_norm = norms[i],
                                          .expected_text = it->answer,
                                          .expected_norm = it->answer_norm,
                                          .at_ms = now_ms,
                                          .seconds = in[i].seconds};
        }
        rc = mc_detect(&p, h.items, h.n, keys.items, keys.n, &found, err);
    }
    if (rc == EM_OK)
        mc_list_keep_since(&found, n_before);
    /* each answered question's card, scheduled now, written in the transaction */
    review_plan *reviews = em_calloc(q.n + 1, sizeof *reviews);
    for (size_t i = 0; rc == EM_OK && i < q.n; i++)
        if (in[i].given != NULL && q.items[i].question_id[0] != '\0')
            rc = reviews__plan(d, who->user_id, &fsrs, q.items[i].question_id, q.items[i].topic,
                               card_grade(&in[i].g), now_ms, &reviews[i], err);
    /* only the topics answered now can have been mastered now */
    mc_changes mc = {0};
    if (rc == EM_OK)
        rc = misconceptions__plan(d, who->user_id, &p, &found, &h, touched, n_touched, now_ms, &mc, err);
    submit_writes w = {.user_id = who->user_id,
                       .quiz_id = quiz_id,
                       .q = &q,
                       .in = in,
                       .chosen = chosen,
                       .norms = norms,
                       .score = score,
                       .fsrs = &fsrs,
                       .reviews = reviews,
                       .mc = &mc,
                       .now_ms = now_ms,
                       .changes = changes};
    db_read_end(d);
    if (rc == EM_OK)
        rc = db_write_grouped(d, write_submission, &w, err);
    n_changes = w.n_changes;
    added = w.added;
    resolved = w.resolved;
    if (rc == EM_OK) {
        json_t *results = json_array(), *mastery = json_array();
        for (size_t i = 0; i < q.n; i++)
            json_array_append_new(results,
                                  result_json(&q.items[i], in[i].given, in[i].given ? &in[i].g : NULL));
        for (size_t i = 0; i < n_changes; i++)
            json_array_append_new(mastery, json_pack("{s:s, s:f, s:f, s:b}", "topic", changes[i].topic,
                                                     "before", changes[i].before, "after", changes[i].after,
                                                     "mastered", changes[i].after >= BKT_MASTERED));
        *out = json_pack("{s:s, s:f, s:i, s:i, s:o, s:o, s:{s:o, s:o}}", "quiz_id", quiz_id, "score", score,
                         "correct", (json_int_t)correct, "total", (json_int_t)q.n, "results", results,
                         "mastery", mastery, "misconceptions", "detected", added, "resolved", resolved);
        added = resolved = NULL;
    }
    json_decref(added);
    json_decref(resolved);
    misconceptions__changes_cleanup(&mc);
    mc_list_cleanup(&found);
    attempt_history_cleanup(&h);
    key_history_cleanup(&keys);
    for (size_t i = 0; i < q.n; i++)
        free(chosen[i]);
    free(chosen);
    free(norms);
    free(reviews);
    free(touched);
    free(changes);
    free(in);
    stored_quiz_cleanup(&q);
    return rc;
}
