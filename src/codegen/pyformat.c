/*
 * pyformat.c — Python statements laid out exactly as the black formatter
 * (default mode, 88 columns) lays them out.
 *
 * Generated code must pass `black --check` unchanged, so instead of an
 * approximation this file follows black's own algorithm (linegen.py,
 * lines.py, brackets.py) for the statements the generator writes: a line
 * that does not fit is split at its last bracket pair ("right hand split"),
 * trying to keep trailing method calls together ("omitting trailers"),
 * preferring black's optional parentheses around a `return` or assignment
 * value when the value has several delimiters of one kind, and bodies inside
 * brackets are split at their highest-priority delimiter (commas, then
 * boolean and arithmetic operators, then `.method()` chains), with a
 * trailing comma when the split is at commas. A trailing comma already
 * present ("magic trailing comma") keeps a call exploded one argument per
 * line.
 *
 * Tokens are shared between the lines that are tried, and black's side
 * effects on them (optional parentheses becoming visible, bracket depths,
 * prefixes of tokens that start a line) are reproduced, because black's
 * result depends on them. Comments, multi-line strings, lambdas and
 * comprehensions are never passed through here.
 */
#include "codegen/codegen_internal.h"

#include <string.h>

#define LINE_LENGTH 88

enum {
    COMMA_PRIORITY = 18,
    LOGIC_PRIORITY = 14,
    STRING_PRIORITY = 12,
    COMPARATOR_PRIORITY = 10,
    DOT_PRIORITY = 1,
};

/* ---- statements ---------------------------------------------------- */

void py_stmt_init(py_stmt *s, sb_arena *a)
{
    memset(s, 0, sizeof(*s));
    s->a = a;
}

py_tok *py_tok_add(py_stmt *s, py_tok_type t, const char *value, unsigned flags)
{
    py_tok *k = sb_arena_alloc(s->a, sizeof(*k));
    k->type = t;
    k->value = value;
    k->flags = flags;
    sb_vec_push(s->a, &s->toks, k);
    return k;
}

void py_invisible_open(py_stmt *s)
{
    py_tok_add(s, PY_LPAR, "", PYF_INVISIBLE | PYF_ATOM);
}

void py_invisible_close(py_stmt *s)
{
    py_tok_add(s, PY_RPAR, "", PYF_INVISIBLE);
}

static bool is_opening(const py_tok *t)
{
    return t->type == PY_LPAR || t->type == PY_LSQB || t->type == PY_LBRACE;
}

static bool is_closing(const py_tok *t)
{
    return t->type == PY_RPAR || t->type == PY_RSQB || t->type == PY_RBRACE;
}

static bool is_bracket(const py_tok *t)
{
    return is_opening(t) || is_closing(t);
}

static py_tok_type closing_of(py_tok_type t)
{
    return t == PY_LPAR ? PY_RPAR : t == PY_LSQB ? PY_RSQB : PY_RBRACE;
}

/* Whitespace before a token, given the one before it (black's whitespace()
 * for the constructs the generator writes). */
static const char *whitespace(const py_tok *t, const py_tok *prev)
{
    if (!prev) return "";
    if (t->type == PY_COMMA || is_closing(t) || t->type == PY_DOT) return "";
    if (t->type == PY_COLON) return "";
    if (is_opening(prev)) return "";
    if (prev->type == PY_DOT) return "";
    if (is_opening(t) && !(t->flags & PYF_ATOM)) return ""; /* call or subscript */
    if (t->type == PY_EQUAL && (t->flags & PYF_KWARG)) return "";
    if (prev->type == PY_EQUAL && (prev->flags & PYF_KWARG)) return "";
    if (prev->type == PY_OP && (prev->flags & PYF_UNARY)) return "";
    return " ";
}

/* ---- lines ---------------------------------------------------------- */

typedef struct bmatch {
    int depth;
    py_tok_type closing;
    py_tok *open;
} bmatch;

typedef struct line {
    py_tok **t;
    int *prio; /* delimiter priority carried by each token, 0 none */
    size_t n, cap;
    int depth;
    bool inside, split_rhs;
    py_tok *magic;
    /* bracket tracker */
    int bt_depth;
    bmatch *match;
    size_t nmatch, capmatch;
    long prev;
    py_tok **invisible;
    size_t ninvisible, capinvisible;
} line;

typedef struct fmt {
    sb_arena *a;
} fmt;

typedef struct lines {
    line **items;
    size_t n, cap;
} lines;

static void lines_push(fmt *f, lines *ls, line *l)
{
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 8;
        ls->items = sb_arena_realloc(f->a, ls->items, ls->cap * sizeof(line *), cap * sizeof(line *));
        ls->cap = cap;
    }
    ls->items[ls->n++] = l;
}

static void lines_append(fmt *f, lines *dst, const lines *src)
{
    for (size_t i = 0; i < src->n; i++) lines_push(f, dst, src->items[i]);
}

static line *line_new(fmt *f, int depth, bool inside)
{
    line *l = sb_arena_alloc(f->a, sizeof(*l));
    l->depth = depth;
    l->inside = inside;
    l->prev = -1;
    return l;
}

static bool find_match(const line *l, int depth, py_tok_type closing, size_t *at)
{
    for (size_t i = l->nmatch; i-- > 0;) {
        if (l->match[i].depth == depth && l->match[i].closing == closing) {
            if (at) *at = i;
            return true;
        }
    }
    return false;
}

static int math_priority(const char *op)
{
    if (!strcmp(op, "|")) return 9;
    if (!strcmp(op, "^")) return 8;
    if (!strcmp(op, "&")) return 7;
    if (!strcmp(op, "<<") || !strcmp(op, ">>")) return 6;
    if (!strcmp(op, "+") || !strcmp(op, "-")) return 5;
    if (!strcmp(op, "*") || !strcmp(op, "/") || !strcmp(op, "//") || !strcmp(op, "%") ||
        !strcmp(op, "@"))
        return 4;
    if (!strcmp(op, "~")) return 3;
    if (!strcmp(op, "**")) return 2;
    return 0;
}

static bool is_comparator(const char *op)
{
    return !strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, "==") || !strcmp(op, "!=") ||
           !strcmp(op, "<=") || !strcmp(op, ">=");
}

/* brackets.py: is_split_before_delimiter */
static int split_before(const py_tok *t, const py_tok *prev)
{
    if (t->type == PY_DOT && (!prev || is_closing(prev))) return DOT_PRIORITY;
    if (t->type == PY_OP && !(t->flags & PYF_UNARY)) {
        if (is_comparator(t->value)) return COMPARATOR_PRIORITY;
        return math_priority(t->value);
    }
    if (t->type == PY_STRING && prev && prev->type == PY_STRING) return STRING_PRIORITY;
    if (t->type == PY_KEYWORD) {
        if (!strcmp(t->value, "is")) return COMPARATOR_PRIORITY;
        if (!strcmp(t->value, "in") && !(prev && prev->type == PY_KEYWORD && !strcmp(prev->value, "not")))
            return COMPARATOR_PRIORITY;
        if (!strcmp(t->value, "not") && !(t->flags & PYF_UNARY) &&
            !(prev && prev->type == PY_KEYWORD && !strcmp(prev->value, "is")))
            return COMPARATOR_PRIORITY;
        if (!strcmp(t->value, "and") || !strcmp(t->value, "or")) return LOGIC_PRIORITY;
    }
    return 0;
}

static void mark(fmt *f, line *l, size_t idx)
{
    py_tok *t = l->t[idx];
    if (l->bt_depth == 0 && is_closing(t) && !find_match(l, 0, t->type, NULL)) return;
    if (is_closing(t)) {
        l->bt_depth--;
        size_t at;
        if (find_match(l, l->bt_depth, t->type, &at)) {
            t->opening = l->match[at].open;
            memmove(&l->match[at], &l->match[at + 1], (l->nmatch - at - 1) * sizeof(bmatch));
            l->nmatch--;
        }
        if (!*t->value) {
            if (l->ninvisible == l->capinvisible) {
                size_t cap = l->capinvisible ? l->capinvisible * 2 : 4;
                l->invisible = sb_arena_realloc(f->a, l->invisible, l->capinvisible * sizeof(py_tok *),
                                                cap * sizeof(py_tok *));
                l->capinvisible = cap;
            }
            l->invisible[l->ninvisible++] = t;
        }
    }
    t->depth = l->bt_depth;
    if (l->bt_depth == 0) {
        const py_tok *prev = l->prev >= 0 ? l->t[l->prev] : NULL;
        int d = split_before(t, prev);
        if (d && l->prev >= 0)
            l->prio[l->prev] = d;
        else if (t->type == PY_COMMA)
            l->prio[idx] = COMMA_PRIORITY;
    }
    if (is_opening(t)) {
        if (l->nmatch == l->capmatch) {
            size_t cap = l->capmatch ? l->capmatch * 2 : 8;
            l->match = sb_arena_realloc(f->a, l->match, l->capmatch * sizeof(bmatch), cap * sizeof(bmatch));
            l->capmatch = cap;
        }
        l->match[l->nmatch++] = (bmatch){l->bt_depth, closing_of(t->type), t};
        l->bt_depth++;
        if (!*t->value) {
            if (l->ninvisible == l->capinvisible) {
                size_t cap = l->capinvisible ? l->capinvisible * 2 : 4;
                l->invisible = sb_arena_realloc(f->a, l->invisible, l->capinvisible * sizeof(py_tok *),
                                                cap * sizeof(py_tok *));
                l->capinvisible = cap;
            }
            l->invisible[l->ninvisible++] = t;
        }
    }
    l->prev = (long)idx;
}

static long index_of(const line *l, const py_tok *t)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->t[i] == t) return (long)i;
    return -1;
}

/* nodes.py: is_one_sequence_between (call arguments count as more than one). */
static bool one_sequence_between(const py_tok *open, const py_tok *close, const line *l)
{
    if (open->type != PY_LPAR || close->type != PY_RPAR) return false;
    int depth = close->depth + 1;
    long at = index_of(l, open);
    if (at < 0) return false;
    int commas = 0;
    for (size_t i = (size_t)at + 1; i < l->n; i++) {
        const py_tok *t = l->t[i];
        if (t == close) break;
        if (t->depth == depth && t->type == PY_COMMA) {
            commas++;
            if (t->flags & PYF_ARGS) {
                commas++;
                break;
            }
        }
    }
    return commas < 2;
}

static bool has_magic_trailing_comma(const line *l, const py_tok *closing)
{
    if (!is_closing(closing) || l->n == 0 || l->t[l->n - 1]->type != PY_COMMA) return false;
    if (closing->type == PY_RBRACE) return true;
    if (closing->type == PY_RSQB) {
        if (closing->opening && (closing->opening->flags & PYF_SUBSCRIPT)) return false;
        return true;
    }
    if (closing->opening && !one_sequence_between(closing->opening, closing, l)) return true;
    return false;
}

static void line_append(fmt *f, line *l, py_tok *t, bool preformatted, bool track)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        l->t = sb_arena_realloc(f->a, l->t, l->cap * sizeof(py_tok *), cap * sizeof(py_tok *));
        l->prio = sb_arena_realloc(f->a, l->prio, l->cap * sizeof(int), cap * sizeof(int));
        l->cap = cap;
    }
    if (l->n && !preformatted) t->prefix = t->ws;
    size_t idx = l->n;
    l->t[idx] = t;
    l->prio[idx] = 0;
    /* mark() may look at the token being added through l->t; count it after. */
    if (l->inside || !preformatted || track) {
        l->n = idx; /* not yet part of the line for the magic comma check */
        mark(f, l, idx);
        if (has_magic_trailing_comma(l, t)) l->magic = t;
    }
    l->n = idx + 1;
}

static size_t utf8_next(const char *s, size_t len, size_t i, unsigned *cp)
{
    unsigned char c = (unsigned char)s[i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + n > len) n = len - i;
    unsigned v = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; k++) v = (v << 6) | ((unsigned char)s[i + k] & 0x3F);
    *cp = v;
    return n;
}

/* black's str_width: east Asian wide and full-width characters count 2,
 * combining marks 0. */
size_t py_str_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        unsigned cp;
        i += utf8_next(s, len, i, &cp);
        if (cp < 0x80) {
            w++;
        } else if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F)) {
            /* combining / zero width */
        } else if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                   (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
            w += 2;
        } else {
            w++;
        }
    }
    return w;
}

/* Characters as Python's len() counts them (code points). */
static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static size_t tok_length(const py_tok *t)
{
    return code_points(t->prefix ? t->prefix : "") + code_points(t->value);
}

static void line_render(sb_buf *b, const line *l)
{
    if (!l->n) return;
    sb_buf_puts(b, l->t[0]->prefix ? l->t[0]->prefix : "");
    sb_buf_fill(b, ' ', (size_t)l->depth * 4);
    sb_buf_puts(b, l->t[0]->value);
    for (size_t i = 1; i < l->n; i++) {
        sb_buf_puts(b, l->t[i]->prefix ? l->t[i]->prefix : "");
        sb_buf_puts(b, l->t[i]->value);
    }
}

static char *line_str(fmt *f, const line *l)
{
    sb_buf b = SB_BUF_INIT;
    line_render(&b, l);
    char *s = sb_arena_strdup(f->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static bool short_enough(fmt *f, const line *l, size_t limit)
{
    char *s = line_str(f, l);
    return py_str_width(s, strlen(s)) <= limit;
}

/* ---- splits --------------------------------------------------------- */

typedef struct rhs_result {
    line *head, *body, *tail;
    py_tok *opening, *closing;
} rhs_result;

enum component { HEAD, BODY, TAIL };

typedef struct toks {
    py_tok **t;
    size_t n, cap;
} toks;

static void toks_push(fmt *f, toks *v, py_tok *t)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        v->t = sb_arena_realloc(f->a, v->t, v->cap * sizeof(py_tok *), cap * sizeof(py_tok *));
        v->cap = cap;
    }
    v->t[v->n++] = t;
}

static void toks_reverse(toks *v)
{
    for (size_t i = 0; i < v->n / 2; i++) {
        py_tok *x = v->t[i];
        v->t[i] = v->t[v->n - 1 - i];
        v->t[v->n - 1 - i] = x;
    }
}

static bool in_set(py_tok *const *set, size_t n, const py_tok *t)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == t) return true;
    return false;
}

/* brackets.py: get_leaves_inside_matching_brackets */
static void inside_matching(fmt *f, const toks *v, toks *out)
{
    size_t start = 0;
    while (start < v->n && !is_opening(v->t[start])) start++;
    if (start == v->n) return;
    typedef struct level {
        py_tok_type closing;
        toks ids;
    } level;
    level *stack = sb_arena_alloc(f->a, (v->n + 1) * sizeof(level));
    size_t depth = 0;
    for (size_t i = start; i < v->n; i++) {
        py_tok *t = v->t[i];
        if (is_opening(t)) {
            stack[depth] = (level){closing_of(t->type), {0}};
            toks_push(f, &stack[depth].ids, t);
            depth++;
        } else if (is_closing(t)) {
            if (depth && t->type == stack[depth - 1].closing) {
                depth--;
                toks_push(f, &stack[depth].ids, t);
                for (size_t k = 0; k < stack[depth].ids.n; k++) toks_push(f, out, stack[depth].ids.t[k]);
            } else {
                break;
            }
        } else if (depth) {
            toks_push(f, &stack[depth - 1].ids, t);
        }
    }
}

static bool line_is_def(const line *l)
{
    return l->n && l->t[0]->type == PY_KEYWORD && strcmp(l->t[0]->value, "def") == 0;
}

static bool ensure_trailing_comma(const toks *v, const line *original, const py_tok *opening)
{
    if (!v->n) return false;
    if (!line_is_def(original)) return false;
    if (strcmp(opening->value, "(") != 0) return false;
    for (size_t i = 0; i < v->n; i++)
        if (v->t[i]->type == PY_COMMA) return false;
    return true;
}

/* linegen.py: should_split_line */
static bool should_split_line(const line *l, const py_tok *opening)
{
    if (!l->n) return false;
    bool trailing = l->t[l->n - 1]->type == PY_COMMA;
    int max = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (trailing && i == l->n - 1) continue;
        if (l->prio[i] > max) max = l->prio[i];
    }
    if (!max) return false;
    return max == COMMA_PRIORITY && (trailing || (opening->flags & PYF_ATOM));
}

static py_tok *new_comma(fmt *f)
{
    py_tok *c = sb_arena_alloc(f->a, sizeof(*c));
    c->type = PY_COMMA;
    c->value = ",";
    c->ws = "";
    c->prefix = "";
    return c;
}

static line *build_line(fmt *f, toks *v, const line *original, const py_tok *opening, enum component comp)
{
    line *r = line_new(f, original->depth, false);
    if (comp == BODY) {
        r->inside = true;
        r->depth++;
        if (ensure_trailing_comma(v, original, opening)) {
            if (v->t[v->n - 1]->type != PY_COMMA) toks_push(f, v, new_comma(f));
        }
    }
    toks track = {0};
    if (comp == HEAD) inside_matching(f, v, &track);
    for (size_t i = 0; i < v->n; i++)
        line_append(f, r, v->t[i], true, in_set(track.t, track.n, v->t[i]));
    if (comp == BODY && should_split_line(r, opening)) r->split_rhs = true;
    return r;
}

typedef enum { SPLIT_OK, CANNOT_SPLIT } split_rc;

static split_rc succeeded_or_raise(fmt *f, const line *head, const line *body, const line *tail)
{
    (void)head;
    char *s = line_str(f, tail);
    while (*s == ' ') s++;
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ') len--;
    if (!body->n) {
        if (len == 0) return CANNOT_SPLIT;
        if (len < 3) return CANNOT_SPLIT;
    }
    return SPLIT_OK;
}

static split_rc first_rhs(fmt *f, const line *l, py_tok *const *omit, size_t nomit, rhs_result *r)
{
    toks tail = {0}, body = {0}, head = {0};
    enum component cur = TAIL;
    py_tok *opening = NULL, *closing = NULL;
    for (size_t i = l->n; i-- > 0;) {
        py_tok *t = l->t[i];
        if (cur == BODY && t == opening) cur = body.n ? HEAD : TAIL;
        toks_push(f, cur == TAIL ? &tail : cur == BODY ? &body : &head, t);
        if (cur == TAIL && is_closing(t) && !in_set(omit, nomit, t)) {
            opening = t->opening;
            closing = t;
            cur = BODY;
        }
    }
    if (!opening || !closing || !head.n) return CANNOT_SPLIT;
    toks_reverse(&tail);
    toks_reverse(&body);
    toks_reverse(&head);
    r->head = build_line(f, &head, l, opening, HEAD);
    r->body = build_line(f, &body, l, opening, BODY);
    r->tail = build_line(f, &tail, l, opening, TAIL);
    r->opening = opening;
    r->closing = closing;
    return succeeded_or_raise(f, r->head, r->body, r->tail);
}

static int max_priority(const line *l, const py_tok *exclude, size_t *count)
{
    int max = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (exclude && l->t[i] == exclude) continue;
        if (l->prio[i] > max) max = l->prio[i];
    }
    if (count) {
        *count = 0;
        for (size_t i = 0; i < l->n; i++)
            if (max && l->prio[i] == max) (*count)++;
    }
    return max;
}

static bool can_omit_opening_paren(const line *l, const py_tok *first)
{
    bool remainder = false;
    size_t length = (size_t)l->depth * 4;
    size_t i;
    for (i = 0; i < l->n; i++) {
        const py_tok *t = l->t[i];
        if (is_closing(t) && t->opening == first) remainder = true;
        if (remainder) {
            length += tok_length(t);
            if (length > LINE_LENGTH) break;
            if (is_opening(t)) remainder = false;
        }
    }
    if (i == l->n) return true; /* checked everything without exceeding the length */
    return false;
}

static bool can_omit_closing_paren(const line *l, const py_tok *last)
{
    size_t length = (size_t)l->depth * 4;
    bool seen_other = false;
    for (size_t i = 0; i < l->n; i++) {
        const py_tok *t = l->t[i];
        length += tok_length(t);
        if (t == last->opening) {
            if (seen_other || length <= LINE_LENGTH) return true;
        } else if (is_opening(t)) {
            seen_other = true;
        }
    }
    return false;
}

/* lines.py: can_omit_invisible_parens */
static bool can_omit_invisible_parens(const rhs_result *r)
{
    const line *l = r->body;
    size_t count;
    int max = max_priority(l, NULL, &count);
    if (!max) return true;
    if (count > 1) return false;
    if (max == DOT_PRIORITY) return true;
    if (l->n < 2) return false;
    const py_tok *first = l->t[0], *second = l->t[1];
    if (is_opening(first) && !is_closing(second)) {
        if (can_omit_opening_paren(l, first)) return true;
    }
    const py_tok *penultimate = l->t[l->n - 2], *last = l->t[l->n - 1];
    if (last->type == PY_RPAR || last->type == PY_RBRACE ||
        (last->type == PY_RSQB && !(last->opening && (last->opening->flags & PYF_SUBSCRIPT)))) {
        if (is_opening(penultimate)) return false;
        if (can_omit_closing_paren(l, last)) return true;
    }
    return false;
}

static size_t count_equal(const line *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->t[i]->type == PY_EQUAL) n++;
    return n;
}

static bool prefer_rhs_oop(fmt *f, const rhs_result *oop, const rhs_result *rhs)
{
    const line *h = rhs->head;
    if (!(h->n >= 2 && h->t[h->n - 2]->type == PY_EQUAL)) return true;
    bool brackets = false;
    for (size_t i = 0; i + 1 < h->n; i++)
        if (is_bracket(h->t[i])) brackets = true;
    if (!brackets) return true;
    if (!short_enough(f, h, LINE_LENGTH - 1)) return true;
    if (h->magic) return true;
    size_t rhs_eq = count_equal(h), oop_eq = count_equal(oop->head);
    if (rhs_eq > 1 && rhs_eq > oop_eq) return false;
    bool closing_after_assign = false;
    for (size_t i = oop->head->n; i-- > 0;) {
        const py_tok *t = oop->head->t[i];
        if (t->type == PY_EQUAL) break;
        if (is_closing(t)) {
            closing_after_assign = true;
            break;
        }
    }
    return closing_after_assign || (oop_eq > 0 && short_enough(f, oop->head, LINE_LENGTH));
}

/* lines.py: can_be_split */
static bool can_be_split(const line *l)
{
    if (l->n < 2) return false;
    if (l->t[0]->type == PY_STRING && l->t[1]->type == PY_DOT) {
        int calls = 0, dots = 0;
        const py_tok *next = l->t[l->n - 1];
        for (size_t i = l->n - 1; i-- > 0;) {
            const py_tok *t = l->t[i];
            if (is_opening(t)) {
                if (!is_closing(next)) return false;
                calls++;
            } else if (t->type == PY_DOT) {
                dots++;
            } else if (t->type == PY_NAME) {
                if (!(next->type == PY_DOT || is_opening(next))) return false;
            } else if (!is_closing(t)) {
                return false;
            }
            if (dots > 1 && calls > 1) return false;
        }
    }
    return true;
}

static void ensure_visible(py_tok *t)
{
    if (t->type == PY_LPAR) t->value = "(";
    if (t->type == PY_RPAR) t->value = ")";
}

static split_rc maybe_omitting(fmt *f, rhs_result *rhs, const line *l, bool force, py_tok *const *omit,
                               size_t nomit, lines *out)
{
    if (!force && rhs->opening->type == PY_LPAR && !*rhs->opening->value &&
        rhs->closing->type == PY_RPAR && !*rhs->closing->value && can_omit_invisible_parens(rhs)) {
        py_tok **omit2 = sb_arena_alloc(f->a, (nomit + 1) * sizeof(py_tok *));
        if (nomit) memcpy(omit2, omit, nomit * sizeof(py_tok *));
        omit2[nomit] = rhs->closing;
        rhs_result oop;
        bool failed = true;
        if (first_rhs(f, l, omit2, nomit + 1, &oop) == SPLIT_OK) {
            if (prefer_rhs_oop(f, &oop, rhs)) {
                lines sub = {0};
                if (maybe_omitting(f, &oop, l, force, omit2, nomit + 1, &sub) == SPLIT_OK) {
                    lines_append(f, out, &sub);
                    return SPLIT_OK;
                }
            } else {
                failed = false;
            }
        }
        if (failed) {
            if (count_equal(l) > 1) {
                /* chained assignment (black counts every `=`): keep this split */
            } else if (!can_be_split(rhs->body) && !short_enough(f, rhs->body, LINE_LENGTH)) {
                return CANNOT_SPLIT;
            }
        }
    }
    ensure_visible(rhs->opening);
    ensure_visible(rhs->closing);
    if (rhs->head->n) lines_push(f, out, rhs->head);
    if (rhs->body->n) lines_push(f, out, rhs->body);
    if (rhs->tail->n) lines_push(f, out, rhs->tail);
    return SPLIT_OK;
}

static split_rc right_hand_split(fmt *f, const line *l, bool force, py_tok *const *omit, size_t nomit,
                                 lines *out)
{
    rhs_result r;
    if (first_rhs(f, l, omit, nomit, &r) != SPLIT_OK) return CANNOT_SPLIT;
    return maybe_omitting(f, &r, l, force, omit, nomit, out);
}

typedef struct omit_set {
    py_tok **t;
    size_t n;
} omit_set;

typedef struct omit_list {
    omit_set *items;
    size_t n, cap;
} omit_list;

static void omit_yield(fmt *f, omit_list *ol, const toks *cur)
{
    if (ol->n == ol->cap) {
        size_t cap = ol->cap ? ol->cap * 2 : 8;
        ol->items = sb_arena_realloc(f->a, ol->items, ol->cap * sizeof(omit_set), cap * sizeof(omit_set));
        ol->cap = cap;
    }
    omit_set s = {sb_arena_alloc(f->a, (cur->n + 1) * sizeof(py_tok *)), cur->n};
    if (cur->n) memcpy(s.t, cur->t, cur->n * sizeof(py_tok *));
    ol->items[ol->n++] = s;
}

/* linegen.py: generate_trailers_to_omit */
static void trailers_to_omit(fmt *f, const line *l, omit_list *ol)
{
    toks omit = {0};
    if (!l->magic) omit_yield(f, ol, &omit);
    size_t length = (size_t)l->depth * 4;
    py_tok *opening = NULL, *closing = NULL;
    toks inner = {0};
    for (size_t i = l->n; i-- > 0;) {
        py_tok *t = l->t[i];
        length += tok_length(t);
        if (length > LINE_LENGTH) break;
        if (opening) {
            if (t == opening) {
                opening = NULL;
            } else if (is_closing(t)) {
                const py_tok *prev = i > 0 ? l->t[i - 1] : NULL;
                if (prev && prev->type == PY_COMMA && t->opening &&
                    !one_sequence_between(t->opening, t, l))
                    break;
                toks_push(f, &inner, t);
            }
        } else if (is_closing(t)) {
            const py_tok *prev = i > 0 ? l->t[i - 1] : NULL;
            if (prev && is_opening(prev)) {
                toks_push(f, &inner, t);
                continue;
            }
            if (closing) {
                toks_push(f, &omit, closing);
                for (size_t k = 0; k < inner.n; k++) toks_push(f, &omit, inner.t[k]);
                inner.n = 0;
                omit_yield(f, ol, &omit);
            }
            if (prev && prev->type == PY_COMMA && t->opening && !one_sequence_between(t->opening, t, l))
                break;
            if (*t->value) {
                opening = t->opening;
                closing = t;
            }
        }
    }
}

static split_rc rhs_with_omits(fmt *f, const line *l, bool force, lines *out)
{
    omit_list ol = {0};
    trailers_to_omit(f, l, &ol);
    /* prefix length of every token */
    size_t *prefix_len = sb_arena_alloc(f->a, (l->n + 1) * sizeof(size_t));
    size_t cur = (size_t)l->depth * 4;
    for (size_t i = 0; i < l->n; i++) {
        prefix_len[i] = cur;
        cur += tok_length(l->t[i]);
    }
    lines first = {0};
    bool have_first = false;
    for (size_t k = 0; k < ol.n; k++) {
        omit_set *o = &ol.items[k];
        if (o->n) {
            py_tok *target = NULL;
            for (size_t i = l->n; i-- > 0;) {
                if (is_closing(l->t[i]) && !in_set(o->t, o->n, l->t[i])) {
                    target = l->t[i]->opening;
                    break;
                }
            }
            if (target && *target->value) {
                long at = index_of(l, target);
                if (at >= 0 && prefix_len[at] > LINE_LENGTH) continue;
            }
        }
        lines got = {0};
        if (right_hand_split(f, l, force, o->t, o->n, &got) != SPLIT_OK) return CANNOT_SPLIT;
        if (!have_first && !o->n) {
            first = got;
            have_first = true;
        }
        if (got.n && short_enough(f, got.items[0], LINE_LENGTH)) {
            lines_append(f, out, &got);
            return SPLIT_OK;
        }
    }
    if (have_first) {
        lines_append(f, out, &first);
        return SPLIT_OK;
    }
    return right_hand_split(f, l, force, NULL, 0, out);
}

static split_rc delimiter_split(fmt *f, const line *l, lines *out)
{
    if (!l->n) return CANNOT_SPLIT;
    const py_tok *last = l->t[l->n - 1];
    int max = max_priority(l, last, NULL);
    if (!max) return CANNOT_SPLIT;
    size_t count = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->prio[i] == max) count++;
    if (max == DOT_PRIORITY && count == 1) return CANNOT_SPLIT;
    line *cur = line_new(f, l->depth, l->inside);
    for (size_t i = 0; i < l->n; i++) {
        py_tok *t = l->t[i];
        line_append(f, cur, t, true, false);
        if (l->prio[i] == max) {
            cur->t[0]->prefix = ""; /* black: dont_increase_indentation */
            lines_push(f, out, cur);
            cur = line_new(f, l->depth, l->inside);
        }
    }
    if (cur->n) {
        if (max == COMMA_PRIORITY && cur->t[cur->n - 1]->type != PY_COMMA)
            line_append(f, cur, new_comma(f), false, false);
        cur->t[0]->prefix = "";
        lines_push(f, out, cur);
    }
    return SPLIT_OK;
}

static split_rc left_hand_split(fmt *f, const line *l, lines *out)
{
    toks head = {0}, body = {0}, tail = {0};
    toks *cur = &head;
    py_tok *matching = NULL;
    for (size_t i = 0; i < l->n; i++) {
        py_tok *t = l->t[i];
        if (cur == &body && is_closing(t) && t->opening == matching && matching) {
            ensure_visible(t);
            ensure_visible(matching);
            cur = body.n ? &tail : &head;
        }
        toks_push(f, cur, t);
        if (cur == &head && t->type == PY_LPAR) {
            matching = t;
            cur = &body;
        }
    }
    if (!matching || !tail.n) return CANNOT_SPLIT;
    line *h = build_line(f, &head, l, matching, HEAD);
    line *b = build_line(f, &body, l, matching, BODY);
    line *t = build_line(f, &tail, l, matching, TAIL);
    if (succeeded_or_raise(f, h, b, t) != SPLIT_OK) return CANNOT_SPLIT;
    if (h->n) lines_push(f, out, h);
    if (b->n) lines_push(f, out, b);
    if (t->n) lines_push(f, out, t);
    return SPLIT_OK;
}

/* ---- the driver (linegen.py: transform_line, run_transformer) -------- */

typedef enum { T_DELIMITER, T_RHS, T_LHS } transform;

static void transform_line(fmt *f, line *l, lines *out, bool force);

static line *clone_line(fmt *f, const line *l)
{
    line *c = line_new(f, l->depth, l->inside);
    c->split_rhs = l->split_rhs;
    c->magic = l->magic;
    for (size_t i = 0; i < l->n; i++) {
        py_tok *t = sb_arena_alloc(f->a, sizeof(*t));
        *t = *l->t[i];
        t->opening = NULL;
        t->prefix = i == 0 ? "" : t->ws;
        line_append(f, c, t, false, false);
    }
    /* closing brackets' links must point at the copies */
    return c;
}

static bool run_transformer(fmt *f, line *l, transform tf, bool force, const char *line_s, lines *result)
{
    size_t noptional = 0;
    py_tok **optional = sb_arena_alloc(f->a, (l->ninvisible + 1) * sizeof(py_tok *));
    for (size_t i = 0; i < l->ninvisible; i++)
        if (l->invisible[i]->depth == 0) optional[noptional++] = l->invisible[i];
    lines got = {0};
    split_rc rc = tf == T_DELIMITER ? delimiter_split(f, l, &got)
                  : tf == T_LHS     ? left_hand_split(f, l, &got)
                                    : rhs_with_omits(f, l, force, &got);
    if (rc != SPLIT_OK) return false;
    lines res = {0};
    for (size_t i = 0; i < got.n; i++) {
        if (strcmp(line_str(f, got.items[i]), line_s) == 0) return false;
        transform_line(f, got.items[i], &res, force);
    }
    bool any_visible = false;
    for (size_t i = 0; i < noptional; i++)
        if (*optional[i]->value) any_visible = true;
    if (force || tf != T_RHS || !l->ninvisible || any_visible || !res.n ||
        short_enough(f, res.items[0], LINE_LENGTH)) {
        *result = res;
        return true;
    }
    line *copy = clone_line(f, l);
    lines second = {0};
    if (run_transformer(f, copy, tf, true, line_s, &second)) {
        bool all_short = true;
        for (size_t i = 0; i < second.n; i++)
            if (!short_enough(f, second.items[i], LINE_LENGTH)) all_short = false;
        if (all_short) res = second;
    }
    *result = res;
    return true;
}

static void transform_line(fmt *f, line *l, lines *out, bool force)
{
    char *s = line_str(f, l);
    if (!l->split_rhs && !l->magic && py_str_width(s, strlen(s)) <= LINE_LENGTH) {
        lines_push(f, out, l);
        return;
    }
    transform tfs[2];
    size_t ntf = 0;
    if (line_is_def(l)) {
        tfs[ntf++] = T_LHS;
    } else if (l->inside) {
        tfs[ntf++] = T_DELIMITER;
        tfs[ntf++] = T_RHS;
    } else {
        tfs[ntf++] = T_RHS;
    }
    for (size_t i = 0; i < ntf; i++) {
        lines res = {0};
        if (run_transformer(f, l, tfs[i], force, s, &res)) {
            lines_append(f, out, &res);
            return;
        }
    }
    lines_push(f, out, l);
}

void py_format_stmt(sb_buf *out, py_stmt *s, int depth)
{
    fmt f = {sb_arena_new()};
    line *l = line_new(&f, depth, false);
    const py_tok *prev = NULL;
    for (size_t i = 0; i < s->toks.len; i++) {
        py_tok *t = s->toks.items[i];
        t->ws = whitespace(t, prev);
        t->prefix = i == 0 ? "" : t->ws;
        t->opening = NULL;
        t->depth = 0;
        prev = t;
    }
    for (size_t i = 0; i < s->toks.len; i++) line_append(&f, l, s->toks.items[i], false, false);
    lines res = {0};
    transform_line(&f, l, &res, false);
    for (size_t i = 0; i < res.n; i++) {
        line_render(out, res.items[i]);
        sb_buf_putc(out, '\n');
    }
    sb_arena_free(f.a);
}

/* ---- string literals ------------------------------------------------ */

const char *py_str_literal(sb_arena *a, const char *text, size_t len, const char *prefix)
{
    size_t dq = 0, sq = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"') dq++;
        if (text[i] == '\'') sq++;
    }
    /* black prefers double quotes unless they need more escapes. f-strings
     * generated here never hold quotes inside their replacement fields. */
    char q = sq < dq ? '\'' : '"';
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b, prefix);
    sb_buf_putc(&b, q);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        switch (c) {
        case '\\': sb_buf_puts(&b, "\\\\"); break;
        case '\n': sb_buf_puts(&b, "\\n"); break;
        case '\r': sb_buf_puts(&b, "\\r"); break;
        case '\t': sb_buf_puts(&b, "\\t"); break;
        default:
            if (c == (unsigned char)q) {
                sb_buf_putc(&b, '\\');
                sb_buf_putc(&b, (char)c);
            } else if (c < 0x20 || c == 0x7f) {
                sb_buf_printf(&b, "\\x%02x", c);
            } else {
                sb_buf_putc(&b, (char)c);
            }
        }
    }
    sb_buf_putc(&b, q);
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}
