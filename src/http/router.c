/* router: a segment trie of the registered patterns.
 *
 * Each node is one path segment; a node has literal children (an unsorted
 * array: there are few per node), at most one parameter child ("{name}"), at
 * most one rest child ("{name...}", always a leaf), and the routes that end
 * there (the route row, its parameter names). Matching walks the trie depth
 * first, literal children before the parameter child before the rest, so a
 * literal wins over a parameter; it backtracks when a branch has no route for
 * the path. A trie node sits at one depth, so each is visited at most once per
 * match: matching is linear in the trie size whatever the patterns.
 *
 * Strictness, on purpose: "/health/" does not match "/health" (the empty last
 * segment matches nothing), literal segments compare bytes as sent (no
 * percent-decoding: "/heal%74h" is not "/health"), and a parameter value with a
 * malformed escape or one decoding to NUL does not match. Matching allocates
 * nothing but the winning route's parameter values, in the request arena. */
#include "http/router.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/err.h"
#include "core/mem.h"
#include "http/http_int.h"

#define ROUTER_MAX_PATH 2048
#define ROUTER_MAX_SEGMENTS 32
#define ROUTER_MAX_METHOD 16
/* Distinct methods reported in one Allow list. */
#define ROUTER_MAX_ALLOW 16

typedef struct route {
    http_route def; /* the row; its method and pattern point at the copies below */
    char method[ROUTER_MAX_METHOD + 1];
    char *pattern;                /* owned copy */
    char *names[HTTP_MAX_PARAMS]; /* owned: parameter names, in path order (a rest last) */
    int nnames;
} route;

typedef struct node node;

typedef struct literal_edge {
    char *seg; /* owned */
    size_t len;
    node *child; /* owned */
} literal_edge;

struct node {
    literal_edge *lits; /* owned array */
    size_t nlits;
    node *param;    /* owned; NULL when no pattern has a parameter here */
    node *rest;     /* owned; NULL when no pattern ends with a rest here */
    route **routes; /* owned array of owned routes: the patterns ending at this node */
    size_t nroutes;
};

struct router {
    node root;
};

/* One path segment during matching: borrowed from the path. */
typedef struct seg {
    const char *p;
    size_t len;
} seg;

/* State of one match (on the stack). */
typedef struct match_state {
    const char *method;
    const seg *segs;
    int nsegs;
    const seg *vals[HTTP_MAX_PARAMS]; /* parameter segments on the current branch */
    int nvals;
    seg rest;           /* the span a rest parameter matched */
    const route *found; /* the winner, when found */
    const seg *found_vals[HTTP_MAX_PARAMS];
    const char *allow[ROUTER_MAX_ALLOW]; /* methods of every pattern matching the path */
    int nallow;
} match_state;

router *router_new(void)
{
    router *r = em_calloc(1, sizeof *r);
    return r;
}

static void node_cleanup(node *n)
{
    for (size_t i = 0; i < n->nlits; i++) {
        free(n->lits[i].seg);
        node_cleanup(n->lits[i].child);
        free(n->lits[i].child);
    }
    free(n->lits);
    if (n->param != NULL) {
        node_cleanup(n->param);
        free(n->param);
    }
    if (n->rest != NULL) {
        node_cleanup(n->rest);
        free(n->rest);
    }
    for (size_t i = 0; i < n->nroutes; i++) {
        for (int k = 0; k < n->routes[i]->nnames; k++)
            free(n->routes[i]->names[k]);
        free(n->routes[i]->pattern);
        free(n->routes[i]);
    }
    free(n->routes);
}

void router_free(router *r)
{
    if (r == NULL)
        return;
    node_cleanup(&r->root);
    free(r);
}

static bool valid_method(const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n > ROUTER_MAX_METHOD)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    }
    return true;
}

static bool valid_param_name(const char *p, size_t n)
{
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
        if (!alpha && (i == 0 || ch < '0' || ch > '9'))
            return false;
    }
    return true;
}

/* Literal pattern segments hold visible ASCII without the characters that
 * would make them ambiguous ('{', '}', '%', '?', '#'). */
static bool valid_literal(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("{}%?#", ch) != NULL)
            return false;
    }
    return true;
}

/* Split a path into segments ("/" gives none; "/a//b/" gives "a", "", "b", "").
 * Returns the count, or -1 when the path does not start with '/' or has more
 * than `max` segments. */
static int split_path(const char *path, size_t len, seg *segs, int max)
{
    if (len == 0 || path[0] != '/')
        return -1;
    if (len == 1)
        return 0;
    int n = 0;
    size_t i = 1;
    for (;;) {
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        if (n == max)
            return -1;
        segs[n].p = path + start;
        segs[n].len = i - start;
        n++;
        if (i == len)
            return n;
        i++; /* past the '/': a trailing '/' yields a last empty segment */
    }
}

static node *child_literal(const node *n, const char *p, size_t len)
{
    for (size_t i = 0; i < n->nlits; i++) {
        if (n->lits[i].len == len && memcmp(n->lits[i].seg, p, len) == 0)
            return n->lits[i].child;
    }
    return NULL;
}

/* "{name...}": a rest parameter. */
static bool is_rest(const seg *s)
{
    return s->len > 5 && s->p[0] == '{' && memcmp(s->p + s->len - 4, "...}", 4) == 0;
}

/* Check a whole pattern before touching the trie, so a failed router_add leaves
 * the router as it was. Fills the segments and the parameter names' places. */
static int parse_pattern(const char *pattern, seg *segs, int *nsegs /* OUT */)
{
    size_t len = strlen(pattern);
    if (len > ROUTER_MAX_PATH)
        return EM_E_INVAL;
    int n = split_path(pattern, len, segs, ROUTER_MAX_SEGMENTS);
    if (n < 0)
        return EM_E_INVAL;
    int nparams = 0;
    for (int i = 0; i < n; i++) {
        const char *p = segs[i].p;
        size_t sl = segs[i].len;
        if (sl == 0)
            return EM_E_INVAL; /* "//" or a trailing '/' */
        if (p[0] == '{') {
            size_t name_len = sl >= 2 ? sl - 2 : 0;
            if (is_rest(&segs[i])) {
                name_len -= 3;
                if (i != n - 1)
                    return EM_E_INVAL; /* a rest is the last segment */
            }
            if (sl < 3 || p[sl - 1] != '}' || !valid_param_name(p + 1, name_len))
                return EM_E_INVAL;
            for (int k = 0; k < i; k++) { /* the same name twice */
                if (segs[k].p[0] == '{' && segs[k].len == sl && memcmp(segs[k].p, p, sl) == 0)
                    return EM_E_INVAL;
            }
            if (++nparams > HTTP_MAX_PARAMS)
                return EM_E_INVAL;
        } else if (!valid_literal(p, sl)) {
            return EM_E_INVAL;
        }
    }
    *nsegs = n;
    return EM_OK;
}

int router_add(router *r, const char *method, const char *pattern, http_handler handler)
{
    http_route rt = {method, pattern, handler, HTTP_PUBLIC, 0};
    return router_add_route(r, &rt);
}

int router_add_table(router *r, const http_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = router_add_route(r, &routes[i]);
        if (rc != EM_OK)
            return rc;
    }
    return EM_OK;
}

/* The child of `n` a pattern segment leads to (NULL when absent). */
static node *pattern_child(const node *n, const seg *s)
{
    if (is_rest(s))
        return n->rest;
    if (s->p[0] == '{')
        return n->param;
    return child_literal(n, s->p, s->len);
}

int router_add_route(router *r, const http_route *def)
{
    assert(r != NULL && def != NULL);
    seg segs[ROUTER_MAX_SEGMENTS];
    int nsegs = 0;
    if (def->method == NULL || def->pattern == NULL || def->handler == NULL || !valid_method(def->method) ||
        def->access < HTTP_PUBLIC || def->access > HTTP_ADMIN)
        return EM_E_INVAL;
    int rc = parse_pattern(def->pattern, segs, &nsegs);
    if (rc != EM_OK)
        return rc;

    /* Find the end node without creating anything, to detect a duplicate. */
    const node *n = &r->root;
    for (int i = 0; i < nsegs && n != NULL; i++)
        n = pattern_child(n, &segs[i]);
    if (n != NULL) {
        for (size_t k = 0; k < n->nroutes; k++) {
            if (strcmp(n->routes[k]->method, def->method) == 0)
                return EM_E_CONFLICT;
        }
    }

    /* Create the missing nodes. */
    node *cur = &r->root;
    for (int i = 0; i < nsegs; i++) {
        node *next;
        if (is_rest(&segs[i])) {
            if (cur->rest == NULL)
                cur->rest = em_calloc(1, sizeof(node));
            next = cur->rest;
        } else if (segs[i].p[0] == '{') {
            if (cur->param == NULL)
                cur->param = em_calloc(1, sizeof(node));
            next = cur->param;
        } else {
            next = child_literal(cur, segs[i].p, segs[i].len);
            if (next == NULL) {
                cur->lits = em_realloc(cur->lits, (cur->nlits + 1) * sizeof *cur->lits);
                literal_edge *e = &cur->lits[cur->nlits++];
                e->seg = em_strndup(segs[i].p, segs[i].len);
                e->len = segs[i].len;
                e->child = em_calloc(1, sizeof(node));
                next = e->child;
            }
        }
        cur = next;
    }

    route *rt = em_calloc(1, sizeof *rt);
    memcpy(rt->method, def->method, strlen(def->method) + 1);
    rt->pattern = em_strdup(def->pattern);
    rt->def = *def;
    rt->def.method = rt->method;
    rt->def.pattern = rt->pattern;
    cur->routes = em_realloc(cur->routes, (cur->nroutes + 1) * sizeof *cur->routes);
    cur->routes[cur->nroutes++] = rt;
    for (int i = 0; i < nsegs; i++) {
        if (segs[i].p[0] != '{')
            continue;
        size_t name_len = segs[i].len - 2 - (is_rest(&segs[i]) ? 3 : 0);
        rt->names[rt->nnames++] = em_strndup(segs[i].p + 1, name_len);
    }
    return EM_OK;
}

/* A parameter segment matches when it is non-empty, its escapes are
 * well-formed and none decodes to NUL. */
static bool param_ok(const seg *s)
{
    if (s->len == 0)
        return false;
    for (size_t i = 0; i < s->len; i++) {
        if (s->p[i] == '\0')
            return false;
        if (s->p[i] != '%')
            continue;
        if (i + 2 >= s->len)
            return false;
        const char *h = s->p + i + 1;
        if (ascii_hex_value((unsigned char)h[0]) < 0 || ascii_hex_value((unsigned char)h[1]) < 0 ||
            (h[0] == '0' && h[1] == '0'))
            return false;
        i += 2;
    }
    return true;
}

static void allow_add(match_state *st, const char *method)
{
    for (int i = 0; i < st->nallow; i++) {
        if (strcmp(st->allow[i], method) == 0)
            return;
    }
    if (st->nallow < ROUTER_MAX_ALLOW)
        st->allow[st->nallow++] = method;
}

/* The routes ending at a node that the whole path reached: pick the one for the
 * method (HEAD falls back to GET) unless a better one was found, and collect
 * every method for the Allow list. */
static void visit_end(match_state *st, const node *n)
{
    const route *exact = NULL, *get = NULL;
    for (size_t i = 0; i < n->nroutes; i++) {
        const route *rt = n->routes[i];
        /* a fallback answers its method only: it makes no other method 405 */
        if ((rt->def.flags & ROUTE_FALLBACK) == 0) {
            allow_add(st, rt->method);
            if (strcmp(rt->method, "GET") == 0)
                allow_add(st, "HEAD");
        }
        if (strcmp(rt->method, "GET") == 0)
            get = rt;
        if (strcmp(rt->method, st->method) == 0)
            exact = rt;
    }
    if (st->found != NULL)
        return;
    if (exact == NULL && get != NULL && strcmp(st->method, "HEAD") == 0)
        exact = get;
    if (exact != NULL) {
        st->found = exact;
        memcpy(st->found_vals, st->vals, sizeof st->vals);
    }
}

/* A rest parameter at `depth`: every remaining segment must be a well-formed
 * parameter (so no empty segment, no "//", no trailing '/'); its value is the
 * whole span. */
static void visit_rest(match_state *st, const node *rest, int depth)
{
    if (st->nvals >= HTTP_MAX_PARAMS)
        return;
    for (int i = depth; i < st->nsegs; i++) {
        if (!param_ok(&st->segs[i]))
            return;
    }
    const seg *last = &st->segs[st->nsegs - 1];
    st->rest.p = st->segs[depth].p;
    st->rest.len = (size_t)(last->p + last->len - st->rest.p);
    st->vals[st->nvals++] = &st->rest;
    visit_end(st, rest);
    st->nvals--;
}

/* Depth-first walk, literal before parameter before rest. Keeps going after a
 * find so the Allow list is complete only when nothing was found (it is not
 * needed otherwise). */
static void walk(match_state *st, const node *n, int depth)
{
    if (st->found != NULL)
        return;
    if (depth == st->nsegs) {
        visit_end(st, n);
        return;
    }
    const seg *s = &st->segs[depth];
    const node *lit = child_literal(n, s->p, s->len);
    if (lit != NULL)
        walk(st, lit, depth + 1);
    if (n->param != NULL && st->found == NULL && st->nvals < HTTP_MAX_PARAMS && param_ok(s)) {
        st->vals[st->nvals++] = s;
        walk(st, n->param, depth + 1);
        st->nvals--;
    }
    if (n->rest != NULL && st->found == NULL)
        visit_rest(st, n->rest, depth);
}

/* Write the Allow list in a stable order: the common methods first in their
 * usual order, then the others as registered. */
static void format_allow(const match_state *st, char *allow, size_t allow_len)
{
    static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    const size_t norder = sizeof order / sizeof order[0];
    size_t o = 0;
    bool first = true;
    allow[0] = '\0';
    for (size_t pass = 0; pass <= norder; pass++) {
        for (int i = 0; i < st->nallow; i++) {
            const char *m = st->allow[i];
            bool common = false;
            for (size_t k = 0; k < norder; k++)
                common = common || strcmp(m, order[k]) == 0;
            if (pass < norder ? strcmp(m, order[pass]) != 0 : common)
                continue;
            size_t ml = strlen(m);
            size_t need = ml + (first ? 0 : 2);
            if (allow_len - 1 - o < need)
                return;
            if (!first) {
                memcpy(allow + o, ", ", 2);
                o += 2;
            }
            memcpy(allow + o, m, ml);
            o += ml;
            allow[o] = '\0';
            first = false;
        }
    }
}

/* Split and walk `path`; false when the path is too long or malformed. */
static bool find(const router *r, const char *method, const char *path, seg *segs, match_state *st)
{
    size_t len = strnlen(path, ROUTER_MAX_PATH + 1);
    if (len > ROUTER_MAX_PATH)
        return false;
    int nsegs = split_path(path, len, segs, ROUTER_MAX_SEGMENTS);
    if (nsegs < 0)
        return false;
    memset(st, 0, sizeof *st);
    st->method = method;
    st->segs = segs;
    st->nsegs = nsegs;
    walk(st, &r->root, 0);
    return true;
}

route_result router_match(const router *r, const char *method, const char *path, arena *a,
                          const http_route **route_out, http_param *params, int *nparams, char *allow,
                          size_t allow_len)
{
    assert(r != NULL && method != NULL && path != NULL);
    seg segs[ROUTER_MAX_SEGMENTS];
    match_state st;
    if (allow != NULL && allow_len > 0)
        allow[0] = '\0';
    *nparams = 0;
    if (!find(r, method, path, segs, &st))
        return ROUTE_NOT_FOUND;
    if (st.found != NULL) {
        const route *rt = st.found;
        for (int i = 0; i < rt->nnames; i++) {
            const seg *v = st.found_vals[i];
            params[i].name = rt->names[i];
            params[i].value = http__pct_decode(a, v->p, v->len, false, true, NULL);
            assert(params[i].value != NULL); /* param_ok checked the escapes */
        }
        *nparams = rt->nnames;
        *route_out = &rt->def;
        return ROUTE_FOUND;
    }
    if (st.nallow == 0)
        return ROUTE_NOT_FOUND;
    if (allow != NULL && allow_len > 0)
        format_allow(&st, allow, allow_len);
    return ROUTE_METHOD_NOT_ALLOWED;
}

const http_route *router_lookup(const router *r, const char *method, const char *path)
{
    seg segs[ROUTER_MAX_SEGMENTS];
    match_state st;
    if (!find(r, method, path, segs, &st) || st.found == NULL)
        return NULL;
    return &st.found->def;
}
