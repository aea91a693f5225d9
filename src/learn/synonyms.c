/* synonyms: the table of common English synonym groups (see synonyms.h).
 *
 * The table was first written for learn/retrieve (docs/internals/learn.md,
 * "Words"): everyday English only, written before the retrieval evaluation
 * questions and not changed for them. Each entry carries its word and the
 * word's Snowball English stem (libstemmer 2.2); test_learn_grade checks the
 * stems against core/words, so a stemmer that reads a word differently is
 * caught there rather than silently missing a synonym. */
#include "learn/synonyms.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define GROUP_MAX 6 /* words in a group, its NULL included */

typedef struct group {
    const char *words[GROUP_MAX]; /* NULL-terminated */
    const char *stems[GROUP_MAX]; /* stem of words[i], NULL-terminated */
} group;

/* Common English synonym groups, the everyday word a learner reaches for
 * beside the one a textbook uses. General language only: nothing here is
 * about one subject. Matched by stem, so inflections come along. */
static const group groups[] = {
    {{"begin", "start", "commence", "initiate", NULL}, {"begin", "start", "commenc", "initi", NULL}},
    {{"end", "finish", "terminate", "complete", NULL}, {"end", "finish", "termin", "complet", NULL}},
    {{"leave", "exit", "quit", "break", NULL}, {"leav", "exit", "quit", "break", NULL}},
    {{"stop", "halt", "abort", "terminate", NULL}, {"stop", "halt", "abort", "termin", NULL}},
    {{"run", "execute", "invoke", "launch", NULL}, {"run", "execut", "invok", "launch", NULL}},
    {{"show", "display", "print", "list", NULL}, {"show", "display", "print", "list", NULL}},
    {{"remove", "delete", "erase", "clear", NULL}, {"remov", "delet", "eras", "clear", NULL}},
    {{"change", "modify", "alter", "edit", "update", NULL},
     {"chang", "modifi", "alter", "edit", "updat", NULL}},
    {{"create", "build", "construct", "generate", NULL}, {"creat", "build", "construct", "generat", NULL}},
    {{"find", "search", "locate", "look", NULL}, {"find", "search", "locat", "look", NULL}},
    {{"mistake", "error", "fault", "failure", NULL}, {"mistak", "error", "fault", "failur", NULL}},
    {{"fail", "failure", "unsuccessful", NULL}, {"fail", "failur", "unsuccess", NULL}},
    {{"repeat", "loop", "iterate", "iteration", "cycle", NULL},
     {"repeat", "loop", "iter", "iter", "cycl", NULL}},
    {{"choose", "select", "pick", NULL}, {"choos", "select", "pick", NULL}},
    {{"combine", "join", "merge", "concatenate", NULL}, {"combin", "join", "merg", "concaten", NULL}},
    {{"split", "divide", "separate", NULL}, {"split", "divid", "separ", NULL}},
    {{"copy", "duplicate", "replicate", NULL}, {"copi", "duplic", "replic", NULL}},
    {{"move", "transfer", "relocate", NULL}, {"move", "transfer", "reloc", NULL}},
    {{"compare", "comparison", "contrast", NULL}, {"compar", "comparison", "contrast", NULL}},
    {{"check", "test", "verify", "examine", NULL}, {"check", "test", "verifi", "examin", NULL}},
    {{"save", "store", "keep", "preserve", NULL}, {"save", "store", "keep", "preserv", NULL}},
    {{"send", "transmit", "pass", NULL}, {"send", "transmit", "pass", NULL}},
    {{"argument", "parameter", NULL}, {"argument", "paramet", NULL}},
    {{"folder", "directory", NULL}, {"folder", "directori", NULL}},
    {{"command", "instruction", NULL}, {"command", "instruct", NULL}},
    {{"fast", "quick", "rapid", "speed", NULL}, {"fast", "quick", "rapid", "speed", NULL}},
    {{"big", "large", "huge", NULL}, {"big", "larg", "huge", NULL}},
    {{"small", "little", "tiny", NULL}, {"small", "littl", "tini", NULL}},
    {{"allow", "permit", "enable", NULL}, {"allow", "permit", "enabl", NULL}},
    {{"prevent", "block", "forbid", "disable", NULL}, {"prevent", "block", "forbid", "disabl", NULL}},
    {{"wait", "pause", "delay", NULL}, {"wait", "paus", "delay", NULL}},
    {{"ignore", "skip", "omit", "disregard", NULL}, {"ignor", "skip", "omit", "disregard", NULL}},
    {{"hide", "conceal", "suppress", NULL}, {"hide", "conceal", "suppress", NULL}},
    {{"cause", "reason", NULL}, {"caus", "reason", NULL}},
    {{"occur", "arise", NULL}, {"occur", "aris", NULL}},
    {{"answer", "reply", "response", NULL}, {"answer", "repli", "respons", NULL}},
    {{"kind", "type", "category", NULL}, {"kind", "type", "categori", NULL}},
    {{"part", "piece", "component", "portion", NULL}, {"part", "piec", "compon", "portion", NULL}},
    {{"many", "multiple", "several", NULL}, {"mani", "multipl", "sever", NULL}},
    {{"require", "necessary", "mandatory", NULL}, {"requir", "necessari", "mandatori", NULL}},
    {{"help", "assist", "aid", NULL}, {"help", "assist", "aid", NULL}},
    {{"increase", "grow", "raise", NULL}, {"increas", "grow", "rais", NULL}},
    {{"decrease", "reduce", "shrink", "lower", NULL}, {"decreas", "reduc", "shrink", "lower", NULL}},
    {{"previous", "prior", "earlier", NULL}, {"previous", "prior", "earlier", NULL}},
    {{"later", "subsequent", "following", NULL}, {"later", "subsequ", "follow", NULL}},
    {{"ask", "prompt", "request", NULL}, {"ask", "prompt", "request", NULL}},
    {{"name", "label", "identifier", NULL}, {"name", "label", "identifi", NULL}},
    {{"rule", "law", "principle", NULL}, {"rule", "law", "principl", NULL}},
    {{"buy", "purchase", NULL}, {"buy", "purchas", NULL}},
    {{"energy", "power", NULL}, {"energi", "power", NULL}},
    {{"same", "identical", "equal", NULL}, {"same", "ident", "equal", NULL}},
    {{"value", "amount", "quantity", NULL}, {"valu", "amount", "quantiti", NULL}},
    {{"forever", "indefinitely", "infinite", NULL}, {"forev", "indefinit", "infinit", NULL}},
    {{"background", "behind", NULL}, {"background", "behind", NULL}},
    {{"replace", "substitute", "swap", NULL}, {"replac", "substitut", "swap", NULL}},
    {{"shorten", "abbreviate", "alias", NULL}, {"shorten", "abbrevi", "alia", NULL}},
};

#define N_GROUPS (sizeof groups / sizeof groups[0])

size_t synonyms_count(void)
{
    return N_GROUPS;
}

const char *const *synonyms_group(size_t g)
{
    return g < N_GROUPS ? groups[g].words : NULL;
}

const char *const *synonyms_group_stems(size_t g)
{
    return g < N_GROUPS ? groups[g].stems : NULL;
}

/* Whether the entry is w[0..n), n > 0 (the first letter tells most apart). */
static bool same(const char *entry, const char *w, size_t n)
{
    return entry[0] == w[0] && strncmp(entry, w, n) == 0 && entry[n] == '\0';
}

/* Whether w[0..n) is one of group g's words or stems. */
static bool in_group(const group *g, const char *w, size_t n)
{
    for (size_t k = 0; g->words[k] != NULL; k++) {
        if (same(g->words[k], w, n) || same(g->stems[k], w, n))
            return true;
    }
    return false;
}

bool synonyms_equivalent(const char *a, size_t alen, const char *b, size_t blen)
{
    if (a == NULL || b == NULL || alen == 0 || blen == 0)
        return false;
    for (size_t g = 0; g < N_GROUPS; g++) {
        if (in_group(&groups[g], a, alen) && in_group(&groups[g], b, blen))
            return true;
    }
    return false;
}
