/* `exammentor fsrs replay|evaluate`: the FSRS scheduler (learn/fsrs.h) over a
 * review log read from stdin, one JSON object a line:
 *   {"card":"ID","review_at":"ISO-8601","grade":1-4}
 * Reviews come in time order for each card; cards may interleave. replay
 * writes each review's card state after it, one JSON line each, as it goes;
 * evaluate prints how well the recall predicted before each review (after a
 * card's first) matched what happened. Cards are kept in a hash table keyed
 * by id, so memory grows with the distinct cards, not the log's length
 * (evaluate also keeps one small record per prediction, for the AUC). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/jsonw.h"
#include "core/mem.h"
#include "learn/fsrs.h"

static const char usage[] =
    "Usage: exammentor fsrs replay [--retention R] [--weights W0,...,W20] < LOG\n"
    "       exammentor fsrs evaluate [--retention R] [--weights W0,...,W20] < LOG\n"
    "\n"
    "LOG holds one review a line: {\"card\":\"ID\",\"review_at\":\"2026-01-31T08:00:00Z\",\"grade\":3}\n"
    "(grade 1 again, 2 hard, 3 good, 4 easy), in time order for each card.\n"
    "\n"
    "  replay     schedule every review with FSRS-6 (no interval fuzz) and write, one\n"
    "             JSON line each: card, review_at, grade, stability, difficulty,\n"
    "             scheduled_days, due, state\n"
    "  evaluate   the recall predicted at each review after a card's first against\n"
    "             the grade (recalled: grade 2-4): log loss, RMSE (bins) and AUC as\n"
    "             the srs-benchmark computes them, and the count, as JSON\n"
    "\n"
    "  --retention R   desired retention, strictly between 0 and 1 (default 0.9)\n"
    "  --weights W     the 21 FSRS-6 weights, comma-separated (default: FSRS-6's)\n";

/* ---- cards by id ---- */

typedef struct card_slot {
    char *id; /* owned; NULL: an empty slot */
    size_t id_len;
    uint64_t hash;
    fsrs_card card;
    int32_t day_reviews; /* reviews a whole day or more after the one before */
    int32_t day_lapses;  /* of those, graded again */
} card_slot;

typedef struct card_table {
    card_slot *slots; /* owned; cap entries, a power of two */
    size_t cap, n;
} card_table;

static uint64_t hash_id(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static card_slot *table_probe(card_slot *slots, size_t cap, uint64_t h, const char *id, size_t n)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].id != NULL &&
           !(slots[i].hash == h && slots[i].id_len == n && memcmp(slots[i].id, id, n) == 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* The slot of card id, added (a new card) when absent; *added says which. */
static card_slot *table_get(card_table *t, const char *id, size_t n, bool *added)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        card_slot *slots = em_calloc(cap, sizeof *slots);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].id != NULL)
                *table_probe(slots, cap, t->slots[i].hash, t->slots[i].id, t->slots[i].id_len) = t->slots[i];
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    uint64_t h = hash_id(id, n);
    card_slot *s = table_probe(t->slots, t->cap, h, id, n);
    *added = s->id == NULL;
    if (*added) {
        s->id = em_strndup(id, n);
        s->id_len = n;
        s->hash = h;
        t->n++;
    }
    return s;
}

static void table_cleanup(card_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].id);
    free(t->slots);
}

/* ---- input and output ---- */

/* Read one line (without its newline or a CR before it) into text, which holds
 * FSRS_LINE_MAX + 1 bytes. 1 with *len set; 0 at the end of input; -1 for a
 * line over FSRS_LINE_MAX bytes (the rest of it is left unread). */
static int read_line(FILE *in, char *text, size_t *len)
{
    size_t n = 0;
    int c;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (n == FSRS_LINE_MAX)
            return -1;
        text[n++] = (char)c;
    }
    if (c == EOF && n == 0)
        return 0;
    if (n > 0 && text[n - 1] == '\r')
        n--;
    *len = n;
    return 1;
}

/* The shortest %g text that reads back as v. */
static void fmt_double(char *out, size_t cap, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static void write_review(const fsrs_log_entry *e, const fsrs_card *c)
{
    char id[FSRS_CARD_ID_MAX * 6 + 1], at[FSRS_TIME_TEXT_MAX], due[FSRS_TIME_TEXT_MAX], s[32], d[32];
    json_escape(id, sizeof id, e->card, e->card_len, NULL);
    fsrs_format_time(e->review_ms, at);
    fsrs_format_time(c->due_ms, due);
    fmt_double(s, sizeof s, c->stability);
    fmt_double(d, sizeof d, c->difficulty);
    printf("{\"card\":\"%s\",\"review_at\":\"%s\",\"grade\":%d,\"stability\":%s,\"difficulty\":%s,"
           "\"scheduled_days\":%d,\"due\":\"%s\",\"state\":%d}\n",
           id, at, (int)e->grade, s, d, (int)c->scheduled_days, due, (int)c->state);
}

static void write_number(const char *key, double v, bool last)
{
    char num[32];
    if (isnan(v))
        printf("\"%s\":null%s", key, last ? "}\n" : ",");
    else {
        fmt_double(num, sizeof num, v);
        printf("\"%s\":%s%s", key, num, last ? "}\n" : ",");
    }
}

static int line_error(size_t line, const char *msg)
{
    fflush(stdout);
    fprintf(stderr, "exammentor fsrs: line %zu: %s\n", line, msg);
    return CLI_FAIL;
}

/* Replay (evaluate false) or evaluate the log on stdin. */
static int run(const fsrs_params *p, bool evaluate)
{
    card_table cards = {0};
    fsrs_prediction *preds = NULL;
    size_t n_preds = 0, cap_preds = 0;
    char *line = em_malloc(FSRS_LINE_MAX + 1);
    size_t line_no = 0, len = 0;
    int rc = CLI_OK, got;
    em_error err = {0};
    while ((got = read_line(stdin, line, &len)) != 0) {
        line_no++;
        if (got < 0) {
            rc = line_error(line_no, "line longer than 65536 bytes");
            break;
        }
        if (len == 0)
            continue;
        fsrs_log_entry e;
        if (fsrs_log_parse_line(line, len, &e, &err) != EM_OK) {
            rc = line_error(line_no, err.msg);
            break;
        }
        bool added;
        card_slot *slot = table_get(&cards, e.card, e.card_len, &added);
        if (added)
            fsrs_card_init(&slot->card, e.review_ms);
        else if (e.review_ms < slot->card.last_review_ms) {
            rc = line_error(line_no, "review_at is earlier than this card's previous review");
            break;
        }
        fsrs_card next;
        if (fsrs_review(p, &slot->card, e.review_ms, e.grade, 0, &next, &err) != EM_OK) {
            rc = line_error(line_no, err.msg);
            break;
        }
        bool day_gap = !added && next.elapsed_days > 0;
        if (evaluate && !added) {
            if (n_preds == cap_preds) {
                cap_preds = cap_preds ? cap_preds * 2 : 4096;
                preds = em_realloc(preds, cap_preds * sizeof *preds);
            }
            preds[n_preds++] = (fsrs_prediction){
                .r = fsrs_retrievability(p, &slot->card, e.review_ms),
                .recalled = e.grade > FSRS_AGAIN,
                .elapsed_days = next.elapsed_days,
                .i = 1 + slot->day_reviews + (day_gap ? 1 : 0),
                .lapses = slot->day_lapses,
            };
        }
        if (day_gap) {
            slot->day_reviews++;
            if (e.grade == FSRS_AGAIN)
                slot->day_lapses++;
        }
        slot->card = next;
        if (!evaluate)
            write_review(&e, &next);
    }
    if (rc == CLI_OK && ferror(stdin)) {
        fprintf(stderr, "exammentor fsrs: cannot read stdin\n");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && evaluate) {
        fsrs_metrics m;
        if (fsrs_metrics_compute(preds, n_preds, &m, &err) != EM_OK) {
            fprintf(stderr, "exammentor fsrs: %s\n", err.msg);
            rc = CLI_FAIL;
        } else {
            printf("{\"count\":%zu,", m.n);
            write_number("log_loss", m.log_loss, false);
            write_number("rmse_bins", m.rmse_bins, false);
            write_number("auc", m.auc, true);
        }
    }
    if (fflush(stdout) != 0 && rc == CLI_OK) {
        fprintf(stderr, "exammentor fsrs: cannot write the output\n");
        rc = CLI_FAIL;
    }
    free(preds);
    free(line);
    table_cleanup(&cards);
    return rc;
}

int cmd_fsrs(int argc, char **argv)
{
    static const struct option opts[] = {
        {"retention", required_argument, NULL, 'r'},
        {"weights", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fsrs_params p;
    fsrs_default_params(&p);
    p.enable_fuzz = false;
    em_error err = {0};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': {
            char *end = NULL;
            double v = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(v > 0 && v < 1))
                return cli_usage_error("fsrs", "--retention must be a number strictly between 0 and 1");
            p.request_retention = v;
            break;
        }
        case 'w':
            if (fsrs_parse_weights(optarg, p.w, &err) != EM_OK)
                return cli_usage_error("fsrs", "--%s", err.msg);
            break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        case ':': return cli_usage_error("fsrs", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("fsrs", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("fsrs", "expected replay or evaluate");
    const char *action = argv[optind];
    bool evaluate = strcmp(action, "evaluate") == 0;
    if (!evaluate && strcmp(action, "replay") != 0)
        return cli_usage_error("fsrs", "unknown action '%s' (expected replay or evaluate)", action);
    if (optind + 1 < argc)
        return cli_usage_error("fsrs", "unexpected argument '%s'", argv[optind + 1]);
    if (fsrs_params_check(&p, &err) != EM_OK)
        return cli_usage_error("fsrs", "--weights: %s", err.msg);
    return run(&p, evaluate);
}
