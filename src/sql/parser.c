/*
 * parser.c — Spark SQL expressions and queries into the trees of ast.h.
 *
 * A hand-written recursive-descent parser over the token array from
 * lexer.c, following Spark 3.5's SqlBaseParser.g4 in its default
 * (non-ANSI) keyword mode: keywords are words that the parser recognises by
 * context, and most of them remain usable as column names.
 *
 * Operator precedence, lowest first (booleanExpression / valueExpression):
 *   OR; AND; NOT; one predicate after a value ([NOT] IN/BETWEEN/LIKE/ILIKE/
 *   RLIKE, IS ...); comparison (= == <=> <> != < <= > >=, left-associative);
 *   |; ^; &; + - ||; * / % DIV; unary - + ~; postfix [ ] and .
 *
 * Only the first syntax error is reported (later ones would be noise), at
 * the span of the offending token, saying what was expected. Nesting is
 * capped so that no input can exhaust the stack.
 */
#include "sql/sql.h"
#include "sql/check_internal.h"
#include "sql/lexer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Recursion limit of the parser itself (parentheses, unary chains,
 * subqueries), and of the depth of the finished tree (long operator chains
 * are built by loops but printed and checked recursively). */
#define MAX_NESTING 200
#define MAX_TREE_DEPTH 1000

typedef struct parser {
    sb_arena *a;
    sb_diags *d;
    const char *src;
    size_t srclen;
    sb_token *t;
    size_t n, pos;
    bool failed;
    int quiet; /* > 0 while trying an alternative: failures are not reported */
    int depth;
    /* per token, the alternatives already tried and failed there (TRY_*):
     * a failed guess is never repeated, so nested guesses cannot blow up */
    uint8_t *tried;
    sb_diags lex_warnings; /* kept apart until we know where the first error is */
    uint32_t error_at;     /* start of the reported error */
} parser;

/* ---- token helpers -------------------------------------------------- */

static sb_token *peek(parser *p)
{
    return &p->t[p->pos];
}

static sb_token *peekn(parser *p, size_t k)
{
    size_t i = p->pos + k;
    if (i >= p->n) i = p->n - 1;
    return &p->t[i];
}

static sb_token *advance(parser *p)
{
    sb_token *t = &p->t[p->pos];
    if (p->pos + 1 < p->n) p->pos++;
    return t;
}

static uint32_t prev_end(parser *p)
{
    return p->pos > 0 ? p->t[p->pos - 1].span.end : p->t[0].span.start;
}

/* Keyword tests compare the id the lexer gave each word (lexer.h). */
static bool tok_kw(const sb_token *t, sb_kw kw)
{
    return t->kw == kw && t->kind == SB_TK_WORD;
}

static bool is_kw(parser *p, sb_kw kw)
{
    return tok_kw(peek(p), kw);
}

static bool accept_kw(parser *p, sb_kw kw)
{
    if (!is_kw(p, kw)) return false;
    advance(p);
    return true;
}

static bool accept(parser *p, sb_tok_kind k)
{
    if (peek(p)->kind != k) return false;
    advance(p);
    return true;
}

static bool tok_is_ident(const sb_token *t)
{
    return t->kind == SB_TK_WORD || t->kind == SB_TK_QIDENT;
}

/* Is t one of the keywords of a list ended by SB_KW_NONE? */
static bool word_in(const sb_token *t, const sb_kw *list)
{
    if (t->kind != SB_TK_WORD || t->kw == SB_KW_NONE) return false;
    for (size_t i = 0; list[i] != SB_KW_NONE; i++)
        if (t->kw == list[i]) return true;
    return false;
}

/* ---- errors --------------------------------------------------------- */

static void fail_span(parser *p, sb_span span, const char *fmt, ...) SB_PRINTF(3, 4);

static void fail_span(parser *p, sb_span span, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = true;
    if (p->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(p->a, fmt, ap);
    va_end(ap);
    p->error_at = span.start;
    sb_diags_error(p->d, span, "syntax", "%s", msg);
}

/* Report that the current token is not what was expected. A token the
 * lexer rejected is reported with the lexer's own message. */
static void fail_expected(parser *p, const char *what)
{
    sb_token *t = peek(p);
    if (t->kind == SB_TK_ERROR) {
        fail_span(p, t->span, "%s", t->text);
    } else if (t->kind == SB_TK_EOF) {
        fail_span(p, t->span, "unexpected end of input, expected %s", what);
    } else {
        fail_span(p, t->span, "unexpected %s, expected %s", sb_sql_token_desc(p->a, t), what);
    }
}

static bool expect(parser *p, sb_tok_kind k, const char *what)
{
    if (accept(p, k)) return true;
    fail_expected(p, what);
    return false;
}

static bool expect_kw(parser *p, sb_kw kw, const char *what)
{
    if (accept_kw(p, kw)) return true;
    fail_expected(p, what);
    return false;
}

/* The operand is missing: say after what. */
static void fail_operand(parser *p)
{
    sb_token *t = peek(p);
    if (t->kind == SB_TK_ERROR) {
        fail_span(p, t->span, "%s", t->text);
        return;
    }
    const sb_token *prev = p->pos > 0 ? &p->t[p->pos - 1] : NULL;
    if (t->kind == SB_TK_EOF) {
        if (prev)
            fail_span(p, t->span, "unexpected end of expression, expected an operand after %s",
                      sb_sql_token_desc(p->a, prev));
        else
            fail_span(p, t->span, "empty expression");
        return;
    }
    if (prev)
        fail_span(p, t->span, "unexpected %s, expected an operand after %s",
                  sb_sql_token_desc(p->a, t), sb_sql_token_desc(p->a, prev));
    else
        fail_span(p, t->span, "unexpected %s, expected an expression", sb_sql_token_desc(p->a, t));
}

static bool enter(parser *p)
{
    if (p->depth >= MAX_NESTING) {
        fail_span(p, peek(p)->span, "expression nested too deeply (more than %d levels)",
                  MAX_NESTING);
        return false;
    }
    p->depth++;
    return true;
}

static void leave(parser *p)
{
    p->depth--;
}

enum { TRY_PAREN_QUERY = 1, TRY_UNIT_FORM = 2, TRY_POSITION = 4, TRY_OVERLAY = 8 };

/* ---- keyword sets --------------------------------------------------- */

/* Words that never start an operand: a bare use is a syntax error (Spark
 * would often be confused too); back-quote them to use them as names. */
static const sb_kw OPERAND_STOP[] = {
    SB_KW_AND, SB_KW_OR, SB_KW_NOT, SB_KW_IS, SB_KW_IN, SB_KW_BETWEEN, SB_KW_LIKE, SB_KW_ILIKE,
    SB_KW_RLIKE, SB_KW_REGEXP, SB_KW_DIV, SB_KW_WHEN, SB_KW_THEN, SB_KW_ELSE, SB_KW_END,
    SB_KW_FROM, SB_KW_WHERE, SB_KW_GROUP, SB_KW_HAVING, SB_KW_ORDER, SB_KW_LIMIT, SB_KW_UNION,
    SB_KW_INTERSECT, SB_KW_EXCEPT, SB_KW_MINUS, SB_KW_JOIN, SB_KW_ON, SB_KW_USING, SB_KW_SELECT,
    SB_KW_AS, SB_KW_ESCAPE, SB_KW_DISTINCT, SB_KW_ALL, SB_KW_INNER, SB_KW_CROSS, SB_KW_NATURAL,
    SB_KW_LATERAL, SB_KW_NONE};

/* Words that end a select item instead of being its alias (without AS). */
static const sb_kw ALIAS_STOP[] = {
    SB_KW_FROM, SB_KW_WHERE, SB_KW_GROUP, SB_KW_HAVING, SB_KW_ORDER, SB_KW_LIMIT, SB_KW_OFFSET,
    SB_KW_WINDOW, SB_KW_UNION, SB_KW_INTERSECT, SB_KW_EXCEPT, SB_KW_MINUS, SB_KW_CLUSTER,
    SB_KW_DISTRIBUTE, SB_KW_SORT, SB_KW_LATERAL, SB_KW_INTO, SB_KW_AS, SB_KW_JOIN, SB_KW_ON,
    SB_KW_USING, SB_KW_INNER, SB_KW_CROSS, SB_KW_NATURAL, SB_KW_LEFT, SB_KW_RIGHT, SB_KW_FULL,
    SB_KW_SEMI, SB_KW_ANTI, SB_KW_AND, SB_KW_OR, SB_KW_NOT, SB_KW_IS, SB_KW_IN, SB_KW_BETWEEN,
    SB_KW_LIKE, SB_KW_ILIKE, SB_KW_RLIKE, SB_KW_REGEXP, SB_KW_DIV, SB_KW_WHEN, SB_KW_THEN,
    SB_KW_ELSE, SB_KW_END, SB_KW_SELECT, SB_KW_ESCAPE, SB_KW_OVER, SB_KW_FILTER, SB_KW_IGNORE,
    SB_KW_RESPECT, SB_KW_ASC, SB_KW_DESC, SB_KW_NULLS, SB_KW_NONE};

/* Words that cannot be a table alias without AS (Spark's strict-non-reserved
 * keywords and the clauses that may follow a relation). */
static const sb_kw REL_ALIAS_STOP[] = {
    SB_KW_ANTI, SB_KW_CROSS, SB_KW_EXCEPT, SB_KW_FULL, SB_KW_INNER, SB_KW_INTERSECT, SB_KW_JOIN,
    SB_KW_LATERAL, SB_KW_LEFT, SB_KW_MINUS, SB_KW_NATURAL, SB_KW_ON, SB_KW_RIGHT, SB_KW_SEMI,
    SB_KW_UNION, SB_KW_USING, SB_KW_WHERE, SB_KW_GROUP, SB_KW_HAVING, SB_KW_ORDER, SB_KW_LIMIT,
    SB_KW_OFFSET, SB_KW_WINDOW, SB_KW_CLUSTER, SB_KW_DISTRIBUTE, SB_KW_SORT, SB_KW_TABLESAMPLE,
    SB_KW_PIVOT, SB_KW_UNPIVOT, SB_KW_AS, SB_KW_SELECT, SB_KW_FROM, SB_KW_FOR, SB_KW_NONE};

static const sb_kw DATETIME_UNITS[] = {
    SB_KW_YEAR, SB_KW_QUARTER, SB_KW_MONTH, SB_KW_WEEK, SB_KW_DAY, SB_KW_DAYOFYEAR, SB_KW_HOUR,
    SB_KW_MINUTE, SB_KW_SECOND, SB_KW_MILLISECOND, SB_KW_MICROSECOND, SB_KW_NONE};

/* ---- node constructors ---------------------------------------------- */

static sb_expr *new_expr(parser *p, sb_expr_kind k, uint32_t start, uint32_t end)
{
    sb_expr *e = sb_arena_alloc(p->a, sizeof *e);
    e->kind = k;
    e->span.start = start;
    e->span.end = end;
    return e;
}

static sb_expr *new_binary(parser *p, sb_binop op, sb_expr *l, sb_expr *r)
{
    sb_expr *e = new_expr(p, SB_E_BINARY, l->span.start, r->span.end);
    e->u.binary.op = op;
    e->u.binary.left = l;
    e->u.binary.right = r;
    return e;
}

static sb_expr *new_string_lit(parser *p, const char *s, size_t n, sb_span span)
{
    sb_expr *e = new_expr(p, SB_E_LITERAL, span.start, span.end);
    e->u.lit.kind = SB_LIT_STRING;
    e->u.lit.text = sb_arena_strndup(p->a, s, n);
    e->u.lit.len = n;
    e->u.lit.type = sb_type_of(SB_T_STRING);
    return e;
}

static sb_expr *new_func(parser *p, const char *name, sb_span name_span, uint32_t start)
{
    sb_expr *e = new_expr(p, SB_E_FUNC, start, start);
    e->u.func.name = name;
    e->u.func.name_span = name_span;
    return e;
}

/* ---- literals ------------------------------------------------------- */

/* Compare two strings of decimal digits (no leading zeros) by value. */
static int digits_cmp(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn) return an < bn ? -1 : 1;
    int c = memcmp(a, b, an);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static void strip_zeros(const char **s, size_t *n)
{
    while (*n > 1 && **s == '0') {
        (*s)++;
        (*n)--;
    }
}

typedef struct int_range {
    const char *type_name;
    const char *max;     /* largest positive value */
    const char *min_abs; /* magnitude of the smallest negative value */
    const char *min;
} int_range;

static const int_range RANGE_BYTE = {"tinyint", "127", "128", "-128"};
static const int_range RANGE_SHORT = {"smallint", "32767", "32768", "-32768"};
static const int_range RANGE_INT = {"int", "2147483647", "2147483648", "-2147483648"};
static const int_range RANGE_LONG = {"bigint", "9223372036854775807", "9223372036854775808",
                                     "-9223372036854775808"};

static bool fits(const char *digits, size_t n, bool neg, const int_range *r)
{
    return digits_cmp(digits, n, neg ? r->min_abs : r->max) <= 0;
}

/* Spark's literal types: an unsuffixed integer is int, else bigint, else
 * decimal(n,0); 1.5 is decimal(2,1); 1e3 is double; suffixes pick the rest. */
static sb_expr *number_literal(parser *p, const sb_token *t, bool neg, uint32_t start)
{
    sb_expr *e = new_expr(p, SB_E_LITERAL, start, t->span.end);
    const char *text = t->text;
    size_t len = t->len;
    e->u.lit.text = neg ? sb_arena_printf(p->a, "-%s", text) : text;
    e->u.lit.len = len + (neg ? 1 : 0);
    e->u.lit.suffix = t->suffix;
    sb_span span = {start, t->span.end};
    const char *shown = sb_arena_strndup(p->a, p->src + span.start, span.end - span.start);

    if (t->suffix == 'D' || t->suffix == 'F' || (t->has_exp && t->suffix == 0)) {
        e->u.lit.kind = t->suffix == 'F' ? SB_LIT_FLOAT : SB_LIT_DOUBLE;
        e->u.lit.type = sb_type_of(t->suffix == 'F' ? SB_T_FLOAT : SB_T_DOUBLE);
        errno = 0;
        double v = strtod(text, NULL);
        bool bad = !isfinite(v) || (t->suffix == 'F' && fabs(v) > 3.4028234663852886e38);
        if (bad) {
            const char *tn = t->suffix == 'F' ? "float" : "double";
            fail_span(p, span, "numeric literal %s is out of range for type %s", shown, tn);
            return NULL;
        }
        return e;
    }
    if (t->suffix == 'B' || t->has_dot) {
        /* Java BigDecimal of the digits: precision counts significant digits
         * of the unscaled value, scale the digits after the point. */
        e->u.lit.kind = SB_LIT_DECIMAL;
        int scale = 0, precision = 0, exp10 = 0;
        bool after_dot = false, significant = false;
        size_t i = 0;
        for (; i < len && text[i] != 'e' && text[i] != 'E'; i++) {
            char c = text[i];
            if (c == '.') {
                after_dot = true;
                continue;
            }
            if (after_dot) scale++;
            if (c != '0') significant = true;
            if (significant) precision++;
        }
        if (i < len) {
            /* clamp: a huge exponent only has to fail the precision check */
            long x = strtol(text + i + 1, NULL, 10);
            exp10 = x > 1000 ? 1000 : x < -1000 ? -1000 : (int)x;
        }
        if (precision == 0) precision = 1;
        scale -= exp10;
        if (scale < 0) {
            precision += -scale;
            scale = 0;
        }
        if (precision < scale) precision = scale;
        if (precision > SB_DECIMAL_MAX_PRECISION) {
            fail_span(p, span,
                      "decimal literal %s needs precision %d, more than the maximum %d",
                      shown, precision, SB_DECIMAL_MAX_PRECISION);
            return NULL;
        }
        e->u.lit.type = sb_type_decimal(p->a, precision, scale);
        return e;
    }
    /* integers */
    e->u.lit.kind = SB_LIT_INTEGER;
    const char *digits = text;
    size_t nd = len;
    strip_zeros(&digits, &nd);
    const int_range *r = NULL;
    sb_type_kind k = SB_T_INT;
    switch (t->suffix) {
    case 'Y': r = &RANGE_BYTE; k = SB_T_BYTE; break;
    case 'S': r = &RANGE_SHORT; k = SB_T_SHORT; break;
    case 'L': r = &RANGE_LONG; k = SB_T_LONG; break;
    default: break;
    }
    if (r) {
        if (!fits(digits, nd, neg, r)) {
            fail_span(p, span, "numeric literal %s does not fit in range [%s, %s] for type %s",
                      shown, r->min, r->max, r->type_name);
            return NULL;
        }
        e->u.lit.type = sb_type_of(k);
        return e;
    }
    if (fits(digits, nd, neg, &RANGE_INT)) {
        e->u.lit.type = sb_type_of(SB_T_INT);
    } else if (fits(digits, nd, neg, &RANGE_LONG)) {
        e->u.lit.type = sb_type_of(SB_T_LONG);
    } else if (nd <= SB_DECIMAL_MAX_PRECISION) {
        e->u.lit.type = sb_type_decimal(p->a, (int)nd, 0);
    } else {
        fail_span(p, span, "numeric literal %s has %zu digits, more than the %d of the widest "
                           "decimal",
                  shown, nd, SB_DECIMAL_MAX_PRECISION);
        return NULL;
    }
    return e;
}

/* 'a' 'b' -> 'ab' (Spark concatenates adjacent string literals). */
static sb_expr *string_literal(parser *p)
{
    sb_token *first = peek(p);
    sb_buf b = SB_BUF_INIT;
    sb_buf_add(&b, "", 0);
    uint32_t end = first->span.end;
    while (peek(p)->kind == SB_TK_STRING) {
        sb_token *t = advance(p);
        sb_buf_add(&b, t->text, t->len);
        end = t->span.end;
    }
    sb_span span = {first->span.start, end};
    sb_expr *e = new_string_lit(p, b.data, b.len, span);
    sb_buf_free(&b);
    return e;
}

static int days_in_month(long y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* Spark's stringToDate forms: [+-]yyyy[-[m]m[-[d]d]] optionally followed by
 * ' ' or 'T' and anything. Returns the length of the date part, or 0. */
static size_t scan_date(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t ys = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i - ys < 4 || i - ys > 7) return 0;
    long y = strtol(s + ys, NULL, 10);
    int m = 1, d = 1;
    if (i < n && s[i] == '-') {
        size_t ms = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i - ms < 1 || i - ms > 2) return 0;
        m = atoi(s + ms);
        if (i < n && s[i] == '-') {
            size_t ds = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9') i++;
            if (i - ds < 1 || i - ds > 2) return 0;
            d = atoi(s + ds);
        }
    }
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return 0;
    return i;
}

static void trim_span(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\n' ||
                      (*s)[*n - 1] == '\r'))
        (*n)--;
}

static bool valid_date(const char *s, size_t n)
{
    trim_span(&s, &n);
    size_t k = scan_date(s, n);
    if (k == 0) return false;
    return k == n || s[k] == ' ' || s[k] == 'T';
}

/* [h]h:[m]m[:[s]s[.fraction]] followed by an optional zone. */
static bool valid_time(const char *s, size_t n)
{
    size_t i = 0, st = 0;
    int part = 0, vals[3] = {0, 0, 0};
    for (;;) {
        st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i - st < 1 || i - st > 2) return false;
        vals[part++] = atoi(s + st);
        if (part < 3 && i < n && s[i] == ':') {
            i++;
            continue;
        }
        break;
    }
    if (part < 2) return false;
    if (vals[0] > 23 || vals[1] > 59 || vals[2] > 59) return false;
    if (part == 3 && i < n && s[i] == '.') {
        i++;
        st = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i - st > 9) return false;
    }
    /* the rest is a zone: Z, +hh:mm, UTC, Region/City ... */
    while (i < n && s[i] == ' ') i++;
    for (; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == ':' || c == '/' || c == '_'))
            return false;
    }
    return true;
}

static bool valid_timestamp(const char *s, size_t n)
{
    trim_span(&s, &n);
    if (n > 0 && s[0] == 'T') return valid_time(s + 1, n - 1);
    size_t k = scan_date(s, n);
    if (k == 0) return false;
    if (k == n) return true;
    if (s[k] != ' ' && s[k] != 'T') return false;
    if (k + 1 == n) return true;
    return valid_time(s + k + 1, n - k - 1);
}

/* Interval units: singular upper-case name and its field; year-month
 * fields are YEAR=0 MONTH=1, day-time DAY=0 HOUR=1 MINUTE=2 SECOND=3. */
typedef struct interval_unit {
    const char *name;
    bool ym;
    int field;
} interval_unit;

static const interval_unit INTERVAL_UNITS[] = {
    {"YEAR", true, 0},   {"MONTH", true, 1},   {"WEEK", false, 0},
    {"DAY", false, 0},   {"HOUR", false, 1},   {"MINUTE", false, 2},
    {"SECOND", false, 3}, {"MILLISECOND", false, 3}, {"MICROSECOND", false, 3},
};

static const interval_unit *find_unit(const char *w, size_t n, bool allow_plural)
{
    for (size_t i = 0; i < SB_COUNTOF(INTERVAL_UNITS); i++) {
        const char *u = INTERVAL_UNITS[i].name;
        size_t un = strlen(u);
        if (n == un && sb_str_ieqn(w, n, u)) return &INTERVAL_UNITS[i];
        if (allow_plural && n == un + 1 && (w[un] == 's' || w[un] == 'S') && sb_str_ieqn(w, un, u))
            return &INTERVAL_UNITS[i];
    }
    return NULL;
}

/* The words of an interval string such as '1 day 2 hours' (Spark's
 * stringToInterval): optional "interval", then [sign]number unit pairs.
 * Sets *ym / *dt for the kinds of units seen. */
static bool scan_interval_string(const char *s, size_t n, bool *ym, bool *dt, int *lo, int *hi)
{
    size_t i = 0;
    bool any = false;
    trim_span(&s, &n);
    if (n >= 8 && sb_str_ieqn(s, 8, "interval") && (n == 8 || s[8] == ' ')) i = 8;
    for (;;) {
        while (i < n && s[i] == ' ') i++;
        if (i >= n) break;
        if (s[i] == '+' || s[i] == '-') i++;
        size_t st = i;
        while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) i++;
        if (i == st) return false;
        while (i < n && s[i] == ' ') i++;
        st = i;
        while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) i++;
        const interval_unit *u = find_unit(s + st, i - st, true);
        if (!u) return false;
        if (u->ym)
            *ym = true;
        else
            *dt = true;
        if (u->field < *lo) *lo = u->field;
        if (u->field > *hi) *hi = u->field;
        any = true;
    }
    return any;
}

/* Spark rejects fractions of units other than seconds and ranged strings
 * whose fields are out of form or range. */
static sb_expr *checked_interval(parser *p, sb_expr *e)
{
    if (sb_interval_literal_valid(e)) return e;
    static const struct {
        const char *unit, *form;
    } FORMS[] = {
        {"YEAR TO MONTH", "'y-m' with months 0-11"},
        {"DAY TO HOUR", "'d h' with hours 0-23"},
        {"DAY TO MINUTE", "'d h:m' with hours 0-23, minutes 0-59"},
        {"DAY TO SECOND", "'d h:m:s.f' with hours 0-23, minutes and seconds 0-59"},
        {"HOUR TO MINUTE", "'h:m' with minutes 0-59"},
        {"HOUR TO SECOND", "'h:m:s.f' with minutes and seconds 0-59"},
        {"MINUTE TO SECOND", "'m:s.f' with seconds 0-59"},
    };
    const char *unit = e->u.lit.unit;
    for (size_t i = 0; unit && i < SB_COUNTOF(FORMS); i++)
        if (strcmp(unit, FORMS[i].unit) == 0) {
            fail_span(p, e->span, "invalid INTERVAL '%s' %s: expected %s", e->u.lit.text, unit,
                      FORMS[i].form);
            return NULL;
        }
    fail_span(p, e->span, "invalid interval literal: only seconds can have a fraction, and a "
                          "single unit takes a single number");
    return NULL;
}

static sb_expr *typed_literal(parser *p)
{
    sb_token *kw = advance(p);
    sb_token *str = advance(p);
    sb_span span = {kw->span.start, str->span.end};
    sb_expr *e = new_expr(p, SB_E_LITERAL, span.start, span.end);
    e->u.lit.text = str->text;
    e->u.lit.len = str->len;
    sb_kw w = (sb_kw)kw->kw;
    if (w == SB_KW_DATE) {
        e->u.lit.kind = SB_LIT_DATE;
        e->u.lit.type = sb_type_of(SB_T_DATE);
        if (!valid_date(str->text, str->len)) {
            fail_span(p, span, "invalid DATE literal: '%s' is not a date like '2024-01-31'",
                      str->text);
            return NULL;
        }
    } else if (w == SB_KW_TIMESTAMP || w == SB_KW_TIMESTAMP_LTZ || w == SB_KW_TIMESTAMP_NTZ) {
        bool ntz = w == SB_KW_TIMESTAMP_NTZ;
        e->u.lit.kind = ntz ? SB_LIT_TIMESTAMP_NTZ : SB_LIT_TIMESTAMP;
        e->u.lit.type = sb_type_of(ntz ? SB_T_TIMESTAMP_NTZ : SB_T_TIMESTAMP);
        if (!valid_timestamp(str->text, str->len)) {
            fail_span(p, span,
                      "invalid %s literal: '%s' is not a timestamp like '2024-01-31 12:00:00'",
                      ntz ? "TIMESTAMP_NTZ" : "TIMESTAMP", str->text);
            return NULL;
        }
    } else if (w == SB_KW_X) {
        /* X'CAFE': hex digits to bytes; an odd count gets a leading 0 */
        e->u.lit.kind = SB_LIT_BINARY;
        e->u.lit.type = sb_type_of(SB_T_BINARY);
        size_t n = str->len;
        char *out = sb_arena_alloc(p->a, n / 2 + 2);
        size_t o = 0, i = 0;
        for (size_t k = 0; k < n; k++) {
            char c = str->text[k];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                fail_span(p, span, "invalid binary literal: X'...' takes hexadecimal digits only");
                return NULL;
            }
        }
        int acc = 0, half = (int)(n % 2);
        for (; i < n; i++) {
            char c = str->text[i];
            int v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
            acc = acc * 16 + v;
            if (++half == 2) {
                out[o++] = (char)acc;
                acc = 0;
                half = 0;
            }
        }
        e->u.lit.text = out;
        e->u.lit.len = o;
    } else { /* INTERVAL 'string' */
        e->u.lit.kind = SB_LIT_INTERVAL;
        bool ym = false, dt = false;
        int lo = 9, hi = -1;
        if (!scan_interval_string(str->text, str->len, &ym, &dt, &lo, &hi)) {
            fail_span(p, span, "invalid INTERVAL literal: '%s' is not an interval like "
                               "'1 day 2 hours'",
                      str->text);
            return NULL;
        }
        if (ym && dt) {
            fail_span(p, span, "cannot mix year-month and day-time fields in INTERVAL '%s'",
                      str->text);
            return NULL;
        }
        /* the fields the string names, as for INTERVAL 1 DAY 2 HOURS */
        e->u.lit.type = ym ? sb_type_interval_ym(lo, hi) : sb_type_interval_dt(lo, hi);
        return checked_interval(p, e);
    }
    return e;
}

/* Does an interval value ([+-] number-or-string) followed by a unit start
 * at token offset k? */
static bool interval_value_at(parser *p, size_t k, size_t *vlen)
{
    size_t i = k;
    if (peekn(p, i)->kind == SB_TK_PLUS || peekn(p, i)->kind == SB_TK_MINUS) i++;
    sb_token *v = peekn(p, i);
    if (v->kind == SB_TK_STRING) {
        *vlen = i - k + 1;
        return true;
    }
    if (v->kind == SB_TK_NUMBER && !v->has_exp && v->suffix == 0) {
        *vlen = i - k + 1;
        return true;
    }
    return false;
}

/* Another value-and-unit pair follows (a multi-unit interval)? */
static bool is_interval_value_next(parser *p)
{
    size_t vlen;
    if (!interval_value_at(p, 0, &vlen)) return false;
    sb_token *u = peekn(p, vlen);
    return u->kind == SB_TK_WORD && find_unit(u->text, u->len, true);
}

/* INTERVAL '1' DAY, INTERVAL 2 HOURS 30 MINUTES, INTERVAL '1-2' YEAR TO MONTH,
 * INTERVAL '1 day'. */
static sb_expr *interval_literal(parser *p)
{
    sb_token *kw = advance(p);
    sb_expr *e = new_expr(p, SB_E_LITERAL, kw->span.start, kw->span.end);
    e->u.lit.kind = SB_LIT_INTERVAL;
    sb_buf text = SB_BUF_INIT;
    int count = 0;
    bool ym = false, dt = false;
    int lo = 9, hi = -1;
    const char *single_unit = NULL;
    const char *single_value = NULL;
    for (;;) {
        size_t vlen;
        if (!interval_value_at(p, 0, &vlen)) break;
        sb_token *ut = peekn(p, vlen);
        const interval_unit *unit =
            ut->kind == SB_TK_WORD ? find_unit(ut->text, ut->len, true) : NULL;
        if (!unit) {
            if (count > 0) break;
            if (vlen == 1 && peek(p)->kind == SB_TK_STRING) {
                /* INTERVAL 'string' without units */
                p->pos--;
                sb_buf_free(&text);
                return typed_literal(p);
            }
            p->pos += vlen;
            fail_expected(p, "an interval unit (YEAR, MONTH, WEEK, DAY, HOUR, MINUTE, SECOND, "
                             "MILLISECOND, MICROSECOND)");
            sb_buf_free(&text);
            return NULL;
        }
        bool neg = false;
        if (peek(p)->kind == SB_TK_MINUS || peek(p)->kind == SB_TK_PLUS)
            neg = advance(p)->kind == SB_TK_MINUS;
        sb_token *v = advance(p);
        const char *value = sb_arena_printf(p->a, "%s%s", neg ? "-" : "", v->text);
        sb_token *u = advance(p);
        if (count == 0 && is_kw(p, SB_KW_TO)) {
            /* unit TO unit */
            advance(p);
            sb_token *u2 = peek(p);
            const interval_unit *to = u2->kind == SB_TK_WORD ? find_unit(u2->text, u2->len, false)
                                                             : NULL;
            if (!to || !find_unit(u->text, u->len, false)) {
                fail_expected(p, "an interval unit after TO");
                sb_buf_free(&text);
                return NULL;
            }
            advance(p);
            /* YEAR TO MONTH, DAY TO HOUR|MINUTE|SECOND, HOUR TO MINUTE|SECOND,
             * MINUTE TO SECOND */
            bool ok = unit->ym == to->ym && unit->field < to->field &&
                      find_unit(u->text, u->len, false) == unit &&
                      strcmp(unit->name, "WEEK") != 0 && strcmp(to->name, "MILLISECOND") != 0 &&
                      strcmp(to->name, "MICROSECOND") != 0;
            if (!ok) {
                fail_span(p, (sb_span){u->span.start, u2->span.end},
                          "invalid interval range %s TO %s: use YEAR TO MONTH, DAY TO HOUR, "
                          "DAY TO MINUTE, DAY TO SECOND, HOUR TO MINUTE, HOUR TO SECOND or "
                          "MINUTE TO SECOND",
                          unit->name, to->name);
                sb_buf_free(&text);
                return NULL;
            }
            e->u.lit.text = value;
            e->u.lit.len = strlen(value);
            e->u.lit.unit = sb_arena_printf(p->a, "%s TO %s", unit->name, to->name);
            e->u.lit.type = unit->ym ? sb_type_interval_ym(unit->field, to->field)
                                     : sb_type_interval_dt(unit->field, to->field);
            e->span.end = prev_end(p);
            sb_buf_free(&text);
            return checked_interval(p, e);
        }
        if (count > 0 || (vlen && is_interval_value_next(p))) {
            const char *vv = value;
            if (*vv == '-' || *vv == '+') vv++;
            size_t dl = strspn(vv, "0123456789.");
            if (dl == 0 || vv[dl] != '\0') {
                fail_span(p, v->span, "invalid interval value '%s': a value followed by more "
                                      "units must be a number",
                          v->text);
                sb_buf_free(&text);
                return NULL;
            }
        }
        if (count) sb_buf_putc(&text, ' ');
        sb_buf_printf(&text, "%s %s", value, unit->name);
        if (unit->ym)
            ym = true;
        else
            dt = true;
        if (unit->field < lo) lo = unit->field;
        if (unit->field > hi) hi = unit->field;
        single_unit = unit->name;
        single_value = value;
        count++;
    }
    e->span.end = prev_end(p);
    if (count == 0) {
        sb_buf_free(&text);
        fail_expected(p, "an interval value such as '1' or 2 after INTERVAL");
        return NULL;
    }
    if (ym && dt) {
        sb_buf_free(&text);
        fail_span(p, e->span, "cannot mix year-month and day-time fields in an interval literal");
        return NULL;
    }
    if (count == 1) {
        e->u.lit.text = single_value;
        e->u.lit.len = strlen(single_value);
        e->u.lit.unit = single_unit;
    } else {
        e->u.lit.text = sb_arena_strndup(p->a, text.data, text.len);
        e->u.lit.len = text.len;
        e->u.lit.unit = NULL;
    }
    e->u.lit.type = ym ? sb_type_interval_ym(lo, hi) : sb_type_interval_dt(lo, hi);
    sb_buf_free(&text);
    return checked_interval(p, e);
}

/* ---- expressions ---------------------------------------------------- */

static sb_expr *parse_expr(parser *p);
static sb_expr *parse_value(parser *p);
static sb_expr *parse_unary(parser *p);
static sb_query *parse_query(parser *p);
static sb_window *parse_window_spec(parser *p);
static sb_sort_key *parse_sort_item(parser *p);

/* Does the token at offset k start a query: SELECT or WITH? */
static bool query_starts_at(parser *p, size_t k)
{
    sb_token *t = peekn(p, k);
    return tok_kw(t, SB_KW_SELECT) || tok_kw(t, SB_KW_WITH);
}

/* '(' already at the current token: is this '(' ... a parenthesized query?
 * For '((' ... we have to try. */
static bool paren_query_ahead(parser *p)
{
    size_t k = 1;
    while (peekn(p, k)->kind == SB_TK_LPAREN) k++;
    return query_starts_at(p, k);
}

/* Parse "(query)" at the current '(' if it is one, without reporting a
 * failure: returns NULL and restores the position when it is not. */
static sb_query *try_paren_query(parser *p)
{
    size_t save = p->pos;
    if (p->tried[save] & TRY_PAREN_QUERY) return NULL;
    bool failed = p->failed;
    int depth = p->depth;
    p->quiet++;
    advance(p);
    sb_query *q = parse_query(p);
    bool ok = q && !p->failed && peek(p)->kind == SB_TK_RPAREN;
    p->quiet--;
    if (ok) {
        advance(p);
        return q;
    }
    p->pos = save;
    p->failed = failed;
    p->depth = depth;
    p->tried[save] |= TRY_PAREN_QUERY;
    return NULL;
}

static bool parse_call_args(parser *p, sb_expr *f, const char *shown_name, uint32_t open_at);

/* After the closing ')' of a call: FILTER (WHERE ...), IGNORE/RESPECT NULLS, OVER ... */
static bool parse_call_tail(parser *p, sb_expr *f)
{
    if (is_kw(p, SB_KW_FILTER) && peekn(p, 1)->kind == SB_TK_LPAREN &&
        tok_kw(peekn(p, 2), SB_KW_WHERE)) {
        advance(p);
        advance(p);
        advance(p);
        f->u.func.filter = parse_expr(p);
        if (!f->u.func.filter) return false;
        if (!expect(p, SB_TK_RPAREN, "')' to close FILTER (WHERE ...")) return false;
    }
    while ((is_kw(p, SB_KW_IGNORE) || is_kw(p, SB_KW_RESPECT)) &&
           tok_kw(peekn(p, 1), SB_KW_NULLS)) {
        if (is_kw(p, SB_KW_IGNORE))
            f->u.func.ignore_nulls = true;
        else
            f->u.func.respect_nulls = true;
        advance(p);
        advance(p);
    }
    if (is_kw(p, SB_KW_OVER)) {
        advance(p);
        f->u.func.over = parse_window_spec(p);
        if (!f->u.func.over) return false;
    }
    f->span.end = prev_end(p);
    return true;
}

static bool close_call(parser *p, const char *shown_name, uint32_t open_at)
{
    if (accept(p, SB_TK_RPAREN)) return true;
    sb_token *t = peek(p);
    if (t->kind == SB_TK_ERROR) {
        fail_span(p, t->span, "%s", t->text);
    } else if (t->kind == SB_TK_EOF) {
        fail_span(p, t->span, "expected ')' to close the call of %s opened at %u", shown_name,
                  open_at + 1);
    } else {
        fail_span(p, t->span, "expected ')' to close the call of %s opened at %u, found %s",
                  shown_name, open_at + 1, sb_sql_token_desc(p->a, t));
    }
    return false;
}

/* The rest of an ordinary call after its first argument was parsed. */
static sb_expr *finish_call(parser *p, sb_expr *f, sb_expr *first, uint32_t open_at)
{
    sb_vec_push(p->a, &f->u.func.args, first);
    while (accept(p, SB_TK_COMMA)) {
        sb_expr *arg = parse_expr(p);
        if (!arg) return NULL;
        sb_vec_push(p->a, &f->u.func.args, arg);
    }
    if ((is_kw(p, SB_KW_IGNORE) || is_kw(p, SB_KW_RESPECT)) && tok_kw(peekn(p, 1), SB_KW_NULLS)) {
        if (is_kw(p, SB_KW_IGNORE))
            f->u.func.ignore_nulls = true;
        else
            f->u.func.respect_nulls = true;
        advance(p);
        advance(p);
    }
    if (!close_call(p, f->u.func.name, open_at)) return NULL;
    if (!parse_call_tail(p, f)) return NULL;
    return f;
}

/* The name Spark gives an unnamed struct field. */
static const char *struct_field_name(parser *p, const sb_expr *e, size_t i)
{
    if (e->kind == SB_E_COLUMN) return e->u.column.parts[e->u.column.nparts - 1];
    if (e->kind == SB_E_FIELD) return e->u.field.name;
    return sb_arena_printf(p->a, "col%zu", i + 1);
}

/* Arguments of an ordinary call f(...) from the '(' on. */
static bool parse_call_args(parser *p, sb_expr *f, const char *shown_name, uint32_t open_at)
{
    advance(p); /* ( */
    bool is_struct = sb_str_ieq(f->u.func.name, "struct");
    bool any_alias = false;
    sb_vec aliases = {0};
    sb_vec alias_spans = {0}; /* sb_span* of each written alias, NULL when none */
    if (!accept(p, SB_TK_RPAREN)) {
        if (is_kw(p, SB_KW_DISTINCT) || (is_kw(p, SB_KW_ALL) && peekn(p, 1)->kind != SB_TK_COMMA &&
                                     peekn(p, 1)->kind != SB_TK_RPAREN)) {
            f->u.func.distinct = is_kw(p, SB_KW_DISTINCT);
            advance(p);
        }
        for (;;) {
            if (tok_is_ident(peek(p)) && peekn(p, 1)->kind == SB_TK_FAT_ARROW) {
                fail_span(p, peek(p)->span, "named arguments (name => value) are not supported");
                return false;
            }
            sb_expr *arg = parse_expr(p);
            if (!arg) return false;
            sb_vec_push(p->a, &f->u.func.args, arg);
            const char *alias = NULL;
            sb_span *alias_span = NULL;
            if (is_struct) {
                /* struct(a AS x, b): named struct fields */
                if (accept_kw(p, SB_KW_AS)) {
                    if (!tok_is_ident(peek(p))) {
                        fail_expected(p, "a field name after AS");
                        return false;
                    }
                    alias_span = &peek(p)->span;
                    alias = advance(p)->text;
                } else if ((peek(p)->kind == SB_TK_WORD && !word_in(peek(p), ALIAS_STOP)) ||
                           peek(p)->kind == SB_TK_QIDENT) {
                    alias_span = &peek(p)->span;
                    alias = advance(p)->text;
                }
                if (alias) any_alias = true;
                sb_vec_push(p->a, &aliases, (void *)alias);
                sb_vec_push(p->a, &alias_spans, alias_span);
            }
            if (!accept(p, SB_TK_COMMA)) break;
        }
        if ((is_kw(p, SB_KW_IGNORE) || is_kw(p, SB_KW_RESPECT)) &&
            tok_kw(peekn(p, 1), SB_KW_NULLS)) {
            if (is_kw(p, SB_KW_IGNORE))
                f->u.func.ignore_nulls = true;
            else
                f->u.func.respect_nulls = true;
            advance(p);
            advance(p);
        }
        if (!close_call(p, shown_name, open_at)) return false;
    }
    if (any_alias) {
        /* Spark: struct(a AS x, b) is named_struct('x', a, 'b', b). A written
         * alias keeps its own span and a derived name the value's, so the
         * column name (print.c) can show `a AS x` for the first only. */
        sb_vec args = {0};
        for (size_t i = 0; i < f->u.func.args.len; i++) {
            sb_expr *arg = f->u.func.args.items[i];
            const char *name = aliases.items[i] ? (const char *)aliases.items[i]
                                                : struct_field_name(p, arg, i);
            const sb_span *nspan = alias_spans.items[i];
            sb_vec_push(p->a, &args,
                        new_string_lit(p, name, strlen(name), nspan ? *nspan : arg->span));
            sb_vec_push(p->a, &args, arg);
        }
        f->u.func.args = args;
        f->u.func.name = "named_struct";
    }
    return parse_call_tail(p, f);
}

/* CAST(x AS type) / TRY_CAST(x AS type) */
static sb_expr *parse_cast(parser *p)
{
    sb_token *kw = advance(p);
    uint32_t open_at = kw->span.start;
    const char *shown = kw->kw == SB_KW_TRY_CAST ? "TRY_CAST" : "CAST";
    advance(p); /* ( */
    sb_expr *e = new_expr(p, SB_E_CAST, kw->span.start, kw->span.end);
    e->u.cast.try_cast = kw->kw == SB_KW_TRY_CAST;
    e->u.cast.arg = parse_expr(p);
    if (!e->u.cast.arg) return NULL;
    if (!expect_kw(p, SB_KW_AS, sb_arena_printf(p->a, "AS and a type in %s", shown))) return NULL;
    /* the type's text runs to the ')' that closes the CAST */
    size_t first = p->pos;
    int parens = 0;
    for (;;) {
        sb_token *t = peek(p);
        if (t->kind == SB_TK_EOF || t->kind == SB_TK_ERROR) break;
        if (t->kind == SB_TK_RPAREN && parens == 0) break;
        if (t->kind == SB_TK_LPAREN) parens++;
        if (t->kind == SB_TK_RPAREN) parens--;
        advance(p);
    }
    if (p->pos == first) {
        fail_expected(p, "a type after AS");
        return NULL;
    }
    uint32_t ts = p->t[first].span.start, te = prev_end(p);
    e->u.cast.type_span = (sb_span){ts, te};
    sb_diags tmp;
    sb_diags_init(&tmp, p->a);
    e->u.cast.to = sb_type_parse(p->a, p->src + ts, te - ts, &tmp);
    if (!e->u.cast.to) {
        if (!p->failed && !p->quiet) {
            p->failed = true;
            if (sb_diags_count(&tmp) > 0) {
                sb_diag *dg = sb_diags_at(&tmp, 0);
                sb_span sp = dg->has_span ? (sb_span){ts + dg->span.start, ts + dg->span.end}
                                          : (sb_span){ts, te};
                if (sp.end > te) sp.end = te;
                if (sp.start > sp.end) sp.start = sp.end;
                p->error_at = sp.start;
                sb_diag *out = sb_diags_error(p->d, sp, "syntax", "%s", dg->message);
                if (dg->hint) sb_diag_set_hint(p->d, out, "%s", dg->hint);
            } else {
                p->error_at = ts;
                sb_diags_error(p->d, e->u.cast.type_span, "syntax", "invalid type in %s", shown);
            }
        }
        p->failed = true;
        return NULL;
    }
    if (!close_call(p, shown, open_at)) return NULL;
    e->span.end = prev_end(p);
    return e;
}

/* CASE [operand] WHEN .. THEN .. [ELSE ..] END */
static sb_expr *parse_case(parser *p)
{
    sb_token *kw = advance(p);
    sb_expr *e = new_expr(p, SB_E_CASE, kw->span.start, kw->span.end);
    if (!is_kw(p, SB_KW_WHEN)) {
        e->u.kase.operand = parse_expr(p);
        if (!e->u.kase.operand) return NULL;
    }
    if (!is_kw(p, SB_KW_WHEN)) {
        fail_expected(p, "WHEN in CASE");
        return NULL;
    }
    while (accept_kw(p, SB_KW_WHEN)) {
        sb_when *w = sb_arena_alloc(p->a, sizeof *w);
        w->when = parse_expr(p);
        if (!w->when) return NULL;
        if (!expect_kw(p, SB_KW_THEN, "THEN after the WHEN condition")) return NULL;
        w->then = parse_expr(p);
        if (!w->then) return NULL;
        sb_vec_push(p->a, &e->u.kase.whens, w);
    }
    if (accept_kw(p, SB_KW_ELSE)) {
        e->u.kase.otherwise = parse_expr(p);
        if (!e->u.kase.otherwise) return NULL;
    }
    if (!accept_kw(p, SB_KW_END)) {
        sb_token *t = peek(p);
        if (t->kind == SB_TK_ERROR)
            fail_span(p, t->span, "%s", t->text);
        else
            fail_span(p, t->span,
                      "expected WHEN, ELSE or END to continue the CASE opened at %u%s%s",
                      kw->span.start + 1, t->kind == SB_TK_EOF ? "" : ", found ",
                      t->kind == SB_TK_EOF ? "" : sb_sql_token_desc(p->a, t));
        return NULL;
    }
    e->span.end = prev_end(p);
    return e;
}

/* Special call syntaxes that Spark maps onto ordinary functions:
 *   EXTRACT(field FROM x)            -> extract('field', x)
 *   SUBSTRING(x FROM a [FOR b])      -> substring(x, a[, b])
 *   TRIM([BOTH|LEADING|TRAILING] [c] FROM x) -> trim|ltrim|rtrim([c, ]x)
 *   POSITION(a IN b)                 -> position(a, b)
 *   OVERLAY(x PLACING y FROM a [FOR b]) -> overlay(x, y, a[, b])
 *   TIMESTAMPADD(unit, n, ts), DATEDIFF(unit, a, b) ... -> timestampadd/timestampdiff
 * Returns NULL with *handled false when the call is an ordinary one. */
static sb_expr *parse_special_call(parser *p, bool *handled)
{
    sb_token *kw = peek(p);
    sb_kw w = kw->kind == SB_TK_WORD ? (sb_kw)kw->kw : SB_KW_NONE;
    uint32_t open_at = kw->span.start;
    *handled = true;
    if (w == SB_KW_EXTRACT && tok_is_ident(peekn(p, 2)) && tok_kw(peekn(p, 3), SB_KW_FROM)) {
        advance(p);
        advance(p);
        sb_token *field = advance(p);
        advance(p); /* FROM */
        sb_expr *f = new_func(p, "extract", kw->span, kw->span.start);
        sb_vec_push(p->a, &f->u.func.args, new_string_lit(p, field->text, field->len, field->span));
        sb_expr *src = parse_value(p);
        if (!src) return NULL;
        sb_vec_push(p->a, &f->u.func.args, src);
        if (!close_call(p, "EXTRACT", open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    if (w == SB_KW_SUBSTRING || w == SB_KW_SUBSTR) {
        advance(p);
        advance(p);
        sb_expr *f = new_func(p, kw->text, kw->span, kw->span.start);
        if (peek(p)->kind == SB_TK_RPAREN || is_kw(p, SB_KW_DISTINCT)) {
            p->pos -= 1;
            *handled = false;
            return NULL;
        }
        sb_expr *str = parse_expr(p);
        if (!str) return NULL;
        if (!accept_kw(p, SB_KW_FROM)) return finish_call(p, f, str, open_at);
        sb_vec_push(p->a, &f->u.func.args, str);
        sb_expr *pos = parse_expr(p);
        if (!pos) return NULL;
        sb_vec_push(p->a, &f->u.func.args, pos);
        if (accept_kw(p, SB_KW_FOR) || accept(p, SB_TK_COMMA)) {
            sb_expr *len = parse_expr(p);
            if (!len) return NULL;
            sb_vec_push(p->a, &f->u.func.args, len);
        }
        if (!close_call(p, kw->text, open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    if (w == SB_KW_TRIM) {
        advance(p);
        advance(p);
        const char *name = "trim";
        bool special = false;
        sb_token *o = peek(p);
        if ((tok_kw(o, SB_KW_BOTH) || tok_kw(o, SB_KW_LEADING) || tok_kw(o, SB_KW_TRAILING)) &&
            peekn(p, 1)->kind != SB_TK_COMMA && peekn(p, 1)->kind != SB_TK_RPAREN) {
            name = tok_kw(o, SB_KW_LEADING)    ? "ltrim"
                   : tok_kw(o, SB_KW_TRAILING) ? "rtrim"
                                               : "trim";
            special = true;
            advance(p);
        }
        sb_expr *f = new_func(p, name, kw->span, kw->span.start);
        sb_expr *chars = NULL;
        if (!(special && is_kw(p, SB_KW_FROM))) {
            if (!special && (peek(p)->kind == SB_TK_RPAREN || is_kw(p, SB_KW_DISTINCT))) {
                p->pos -= 1;
                *handled = false;
                return NULL;
            }
            chars = parse_expr(p);
            if (!chars) return NULL;
        }
        if (!special && !is_kw(p, SB_KW_FROM)) {
            f->u.func.name = kw->text;
            return finish_call(p, f, chars, open_at);
        }
        if (!expect_kw(p, SB_KW_FROM, "FROM in TRIM")) return NULL;
        sb_expr *src = parse_expr(p);
        if (!src) return NULL;
        /* the function-call form takes the characters first: trim(chars, str) */
        if (chars) sb_vec_push(p->a, &f->u.func.args, chars);
        sb_vec_push(p->a, &f->u.func.args, src);
        if (!close_call(p, "TRIM", open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    if (w == SB_KW_POSITION) {
        advance(p);
        advance(p);
        sb_expr *f = new_func(p, kw->text, kw->span, kw->span.start);
        if (peek(p)->kind == SB_TK_RPAREN) {
            p->pos -= 1;
            *handled = false;
            return NULL;
        }
        /* POSITION(a IN b) needs IN right after a value; anything else is
         * the ordinary call position(a, b[, pos]) */
        size_t save = p->pos;
        bool was_failed = p->failed;
        int depth = p->depth;
        if (p->tried[save] & TRY_POSITION) {
            *handled = false;
            return NULL;
        }
        p->quiet++;
        sb_expr *sub = parse_value(p);
        bool in = sub && !p->failed && is_kw(p, SB_KW_IN);
        p->quiet--;
        if (!in) {
            p->failed = was_failed;
            p->depth = depth;
            p->pos = save;
            p->tried[save] |= TRY_POSITION;
            *handled = false;
            return NULL;
        }
        advance(p);
        f->u.func.name = "locate"; /* Spark's StringLocate, as locate(a, b) */
        sb_vec_push(p->a, &f->u.func.args, sub);
        sb_expr *str = parse_value(p);
        if (!str) return NULL;
        sb_vec_push(p->a, &f->u.func.args, str);
        if (!close_call(p, "POSITION", open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    if (w == SB_KW_OVERLAY) {
        advance(p);
        advance(p);
        sb_expr *f = new_func(p, kw->text, kw->span, kw->span.start);
        if (peek(p)->kind == SB_TK_RPAREN) {
            p->pos -= 1;
            *handled = false;
            return NULL;
        }
        size_t save = p->pos;
        bool was_failed = p->failed;
        int depth = p->depth;
        if (p->tried[save] & TRY_OVERLAY) {
            *handled = false;
            return NULL;
        }
        p->quiet++;
        sb_expr *in = parse_value(p);
        bool placing = in && !p->failed && is_kw(p, SB_KW_PLACING);
        p->quiet--;
        if (!placing) {
            p->failed = was_failed;
            p->depth = depth;
            p->pos = save;
            p->tried[save] |= TRY_OVERLAY;
            *handled = false;
            return NULL;
        }
        advance(p);
        f->u.func.name = "overlay";
        sb_vec_push(p->a, &f->u.func.args, in);
        sb_expr *rep = parse_value(p);
        if (!rep) return NULL;
        sb_vec_push(p->a, &f->u.func.args, rep);
        if (!expect_kw(p, SB_KW_FROM, "FROM in OVERLAY")) return NULL;
        sb_expr *pos = parse_value(p);
        if (!pos) return NULL;
        sb_vec_push(p->a, &f->u.func.args, pos);
        if (accept_kw(p, SB_KW_FOR)) {
            sb_expr *len = parse_value(p);
            if (!len) return NULL;
            sb_vec_push(p->a, &f->u.func.args, len);
        }
        if (!close_call(p, "OVERLAY", open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    static const sb_kw ADD_NAMES[] = {SB_KW_TIMESTAMPADD, SB_KW_DATEADD, SB_KW_NONE};
    static const sb_kw DIFF_NAMES[] = {SB_KW_TIMESTAMPDIFF, SB_KW_DATEDIFF, SB_KW_NONE};
    bool is_add = word_in(kw, ADD_NAMES), is_diff = word_in(kw, DIFF_NAMES);
    if ((is_add || is_diff) && word_in(peekn(p, 2), DATETIME_UNITS) &&
        peekn(p, 3)->kind == SB_TK_COMMA) {
        advance(p);
        advance(p);
        sb_token *u = advance(p);
        sb_expr *f = new_func(p, is_add ? "timestampadd" : "timestampdiff", kw->span,
                              kw->span.start);
        /* the unit is a keyword, kept as written in a one-part column the
         * checker does not resolve (Spark's name shows it as written) */
        sb_expr *unit = new_expr(p, SB_E_COLUMN, u->span.start, u->span.end);
        const char **parts = sb_arena_alloc(p->a, sizeof *parts);
        parts[0] = u->text;
        unit->u.column.parts = parts;
        unit->u.column.nparts = 1;
        unit->u.column.rel = -1;
        unit->u.column.column = -1;
        advance(p); /* , */
        /* datediff(day, x) with a column named day is the ordinary two-argument
         * call: only three arguments make the unit form */
        size_t save = p->pos;
        bool was_failed = p->failed;
        int depth = p->depth;
        if (p->tried[save] & TRY_UNIT_FORM) {
            *handled = false;
            return NULL;
        }
        p->quiet++;
        sb_expr *a1 = parse_value(p);
        sb_expr *a2 = a1 && !p->failed && accept(p, SB_TK_COMMA) ? parse_value(p) : NULL;
        bool three = a2 && !p->failed && peek(p)->kind == SB_TK_RPAREN;
        p->quiet--;
        if (!three) {
            p->failed = was_failed;
            p->depth = depth;
            p->pos = save;
            p->tried[save] |= TRY_UNIT_FORM;
            *handled = false;
            return NULL;
        }
        sb_vec_push(p->a, &f->u.func.args, unit);
        sb_vec_push(p->a, &f->u.func.args, a1);
        sb_vec_push(p->a, &f->u.func.args, a2);
        if (!close_call(p, kw->text, open_at)) return NULL;
        if (!parse_call_tail(p, f)) return NULL;
        return f;
    }
    *handled = false;
    return NULL;
}

/* A chain of identifiers a.b.c (at least one), for columns and names. */
static bool parse_name_parts(parser *p, sb_vec *parts)
{
    for (;;) {
        sb_token *t = peek(p);
        if (!tok_is_ident(t)) {
            fail_expected(p, "a name after '.'");
            return false;
        }
        sb_vec_push(p->a, parts, (void *)advance(p)->text);
        if (peek(p)->kind == SB_TK_DOT && tok_is_ident(peekn(p, 1))) {
            advance(p);
            continue;
        }
        return true;
    }
}

static sb_expr *parse_lambda_body(parser *p, sb_expr *lam)
{
    advance(p); /* -> */
    lam->u.lambda.body = parse_expr(p);
    if (!lam->u.lambda.body) return NULL;
    lam->span.end = lam->u.lambda.body->span.end;
    return lam;
}

/* '(' at the current token: (x, y) -> body? */
static bool lambda_params_ahead(parser *p)
{
    size_t k = 1;
    for (;;) {
        if (!tok_is_ident(peekn(p, k))) return false;
        k++;
        if (peekn(p, k)->kind == SB_TK_COMMA) {
            k++;
            continue;
        }
        if (peekn(p, k)->kind != SB_TK_RPAREN) return false;
        return peekn(p, k + 1)->kind == SB_TK_ARROW;
    }
}

static sb_expr *parse_paren(parser *p)
{
    sb_token *open = peek(p);
    if (lambda_params_ahead(p)) {
        advance(p);
        sb_vec params = {0};
        for (;;) {
            sb_vec_push(p->a, &params, (void *)advance(p)->text);
            if (!accept(p, SB_TK_COMMA)) break;
        }
        advance(p); /* ) */
        sb_expr *lam = new_expr(p, SB_E_LAMBDA, open->span.start, open->span.end);
        lam->u.lambda.params = (const char **)params.items;
        lam->u.lambda.nparams = params.len;
        return parse_lambda_body(p, lam);
    }
    if (query_starts_at(p, 1) || (peekn(p, 1)->kind == SB_TK_LPAREN && paren_query_ahead(p))) {
        sb_query *q = NULL;
        if (query_starts_at(p, 1)) {
            advance(p);
            q = parse_query(p);
            if (!q) return NULL;
            if (!expect(p, SB_TK_RPAREN, "')' to close the subquery")) return NULL;
        } else {
            q = try_paren_query(p);
        }
        if (q) {
            sb_expr *e = new_expr(p, SB_E_SUBQUERY, open->span.start, prev_end(p));
            e->u.subquery.query = q;
            return e;
        }
    }
    advance(p);
    if (peek(p)->kind == SB_TK_STAR) {
        fail_operand(p); /* (*) is not an expression */
        return NULL;
    }
    sb_expr *first = parse_expr(p);
    if (!first) return NULL;
    if (peek(p)->kind == SB_TK_COMMA) {
        /* (a, b): a row, Spark's struct(a, b) */
        sb_expr *f = new_func(p, "struct", open->span, open->span.start);
        sb_vec_push(p->a, &f->u.func.args, first);
        while (accept(p, SB_TK_COMMA)) {
            sb_expr *e = parse_expr(p);
            if (!e) return NULL;
            sb_vec_push(p->a, &f->u.func.args, e);
        }
        if (!expect(p, SB_TK_RPAREN, "')' to close the row (a, b, ...)")) return NULL;
        f->span.end = prev_end(p);
        return f;
    }
    if (!accept(p, SB_TK_RPAREN)) {
        sb_token *t = peek(p);
        if (t->kind == SB_TK_ERROR)
            fail_span(p, t->span, "%s", t->text);
        else if (t->kind == SB_TK_EOF)
            fail_span(p, t->span, "expected ')' to close the '(' opened at %u",
                      open->span.start + 1);
        else
            fail_span(p, t->span, "expected ')' to close the '(' opened at %u, found %s",
                      open->span.start + 1, sb_sql_token_desc(p->a, t));
        return NULL;
    }
    /* (x) -> body is accepted too */
    if (peek(p)->kind == SB_TK_ARROW && first->kind == SB_E_COLUMN && first->u.column.nparts == 1) {
        sb_expr *lam = new_expr(p, SB_E_LAMBDA, open->span.start, open->span.end);
        lam->u.lambda.params = first->u.column.parts;
        lam->u.lambda.nparams = 1;
        return parse_lambda_body(p, lam);
    }
    return first;
}

static const sb_kw TYPED_LITERALS[] = {
    SB_KW_DATE, SB_KW_TIMESTAMP, SB_KW_TIMESTAMP_LTZ, SB_KW_TIMESTAMP_NTZ, SB_KW_X, SB_KW_NONE};

static sb_expr *parse_primary(parser *p)
{
    sb_token *t = peek(p);
    switch (t->kind) {
    case SB_TK_NUMBER: advance(p); return number_literal(p, t, false, t->span.start);
    case SB_TK_STRING: return string_literal(p);
    case SB_TK_CONFIG: {
        advance(p);
        sb_expr *e = new_expr(p, SB_E_CONFIG, t->span.start, t->span.end);
        e->u.config.name = t->text;
        return e;
    }
    case SB_TK_STAR: {
        /* a bare * is a whole select item or argument, never an operand */
        if (p->pos > 0) {
            const sb_token *prev = &p->t[p->pos - 1];
            if (prev->kind != SB_TK_LPAREN && prev->kind != SB_TK_COMMA &&
                !tok_kw(prev, SB_KW_SELECT) && !tok_kw(prev, SB_KW_DISTINCT) &&
                !tok_kw(prev, SB_KW_ALL)) {
                fail_operand(p);
                return NULL;
            }
        }
        advance(p);
        return new_expr(p, SB_E_STAR, t->span.start, t->span.end);
    }
    case SB_TK_LPAREN: return parse_paren(p);
    case SB_TK_WORD:
    case SB_TK_QIDENT: break;
    default: fail_operand(p); return NULL;
    }
    sb_token *next = peekn(p, 1);
    /* x -> body */
    if (next->kind == SB_TK_ARROW) {
        advance(p);
        sb_expr *lam = new_expr(p, SB_E_LAMBDA, t->span.start, t->span.end);
        const char **params = sb_arena_alloc(p->a, sizeof *params);
        params[0] = t->text;
        lam->u.lambda.params = params;
        lam->u.lambda.nparams = 1;
        return parse_lambda_body(p, lam);
    }
    if (t->kind == SB_TK_WORD) {
        if (tok_kw(t, SB_KW_NULL) || tok_kw(t, SB_KW_TRUE) || tok_kw(t, SB_KW_FALSE)) {
            advance(p);
            sb_expr *e = new_expr(p, SB_E_LITERAL, t->span.start, t->span.end);
            if (tok_kw(t, SB_KW_NULL)) {
                e->u.lit.kind = SB_LIT_NULL;
                e->u.lit.type = sb_type_of(SB_T_NULL);
                e->u.lit.text = "NULL";
            } else {
                e->u.lit.kind = SB_LIT_BOOLEAN;
                e->u.lit.boolean = tok_kw(t, SB_KW_TRUE);
                e->u.lit.type = sb_type_of(SB_T_BOOLEAN);
                e->u.lit.text = e->u.lit.boolean ? "true" : "false";
            }
            e->u.lit.len = strlen(e->u.lit.text);
            return e;
        }
        if (tok_kw(t, SB_KW_CASE)) return parse_case(p);
        if (next->kind == SB_TK_LPAREN) {
            if (tok_kw(t, SB_KW_CAST) || tok_kw(t, SB_KW_TRY_CAST)) return parse_cast(p);
            bool handled;
            size_t save = p->pos;
            sb_expr *e = parse_special_call(p, &handled);
            if (handled) return e;
            p->pos = save;
        }
        if (next->kind == SB_TK_STRING && word_in(t, TYPED_LITERALS)) return typed_literal(p);
        if (tok_kw(t, SB_KW_INTERVAL)) {
            size_t vlen;
            if (interval_value_at(p, 1, &vlen)) return interval_literal(p);
        }
        static const sb_kw FUNC_OK[] = {
            SB_KW_LIKE, SB_KW_ILIKE, SB_KW_RLIKE, SB_KW_REGEXP, SB_KW_DIV, SB_KW_NONE};
        if (word_in(t, OPERAND_STOP) && !(next->kind == SB_TK_LPAREN && word_in(t, FUNC_OK))) {
            fail_operand(p);
            return NULL;
        }
    }
    /* a name: column a.b.c, star a.*, or a call f(...) / db.f(...) */
    uint32_t start = t->span.start;
    sb_vec parts = {0};
    if (!parse_name_parts(p, &parts)) return NULL;
    if (peek(p)->kind == SB_TK_DOT && peekn(p, 1)->kind == SB_TK_STAR) {
        advance(p);
        advance(p);
        sb_expr *e = new_expr(p, SB_E_STAR, start, prev_end(p));
        e->u.star.qualifier = (const char **)parts.items;
        e->u.star.nqualifier = parts.len;
        return e;
    }
    if (peek(p)->kind == SB_TK_LPAREN) {
        sb_buf name = SB_BUF_INIT;
        for (size_t i = 0; i < parts.len; i++) {
            if (i) sb_buf_putc(&name, '.');
            sb_buf_puts(&name, parts.items[i]);
        }
        const char *fname = sb_arena_strdup(p->a, sb_buf_str(&name));
        sb_buf_free(&name);
        sb_span ns = {start, prev_end(p)};
        sb_expr *f = new_func(p, fname, ns, start);
        if (!parse_call_args(p, f, fname, start)) return NULL;
        return f;
    }
    sb_expr *e = new_expr(p, SB_E_COLUMN, start, prev_end(p));
    e->u.column.parts = (const char **)parts.items;
    e->u.column.nparts = parts.len;
    e->u.column.rel = -1;
    e->u.column.column = -1;
    return e;
}

static sb_expr *parse_postfix_ops(parser *p, sb_expr *e)
{
    for (;;) {
        if (peek(p)->kind == SB_TK_LBRACKET) {
            sb_token *open = advance(p);
            sb_expr *idx = parse_value(p);
            if (!idx) return NULL;
            if (!accept(p, SB_TK_RBRACKET)) {
                sb_token *t = peek(p);
                if (t->kind == SB_TK_ERROR)
                    fail_span(p, t->span, "%s", t->text);
                else
                    fail_span(p, t->span, "expected ']' to close the '[' opened at %u",
                              open->span.start + 1);
                return NULL;
            }
            sb_expr *s = new_expr(p, SB_E_SUBSCRIPT, e->span.start, prev_end(p));
            s->u.subscript.base = e;
            s->u.subscript.index = idx;
            e = s;
        } else if (peek(p)->kind == SB_TK_DOT) {
            advance(p);
            if (!tok_is_ident(peek(p))) {
                fail_expected(p, "a field name after '.'");
                return NULL;
            }
            sb_token *name = advance(p);
            sb_expr *f = new_expr(p, SB_E_FIELD, e->span.start, name->span.end);
            f->u.field.base = e;
            f->u.field.name = name->text;
            e = f;
        } else {
            return e;
        }
    }
}

static sb_expr *parse_unary(parser *p)
{
    sb_token *t = peek(p);
    if (t->kind == SB_TK_MINUS || t->kind == SB_TK_PLUS || t->kind == SB_TK_TILDE) {
        if (!enter(p)) return NULL;
        advance(p);
        sb_expr *e;
        if (t->kind == SB_TK_MINUS && peek(p)->kind == SB_TK_NUMBER) {
            /* Spark: `-1` is a negative literal, not a negation */
            sb_token *num = advance(p);
            e = number_literal(p, num, true, t->span.start);
            if (e) e = parse_postfix_ops(p, e);
        } else {
            sb_expr *arg = parse_unary(p);
            if (!arg) {
                leave(p);
                return NULL;
            }
            e = new_expr(p, SB_E_UNARY, t->span.start, arg->span.end);
            e->u.unary.op = t->kind == SB_TK_MINUS ? SB_OP_NEG
                            : t->kind == SB_TK_PLUS ? SB_OP_PLUS
                                                    : SB_OP_BITNOT;
            e->u.unary.arg = arg;
        }
        leave(p);
        return e;
    }
    sb_expr *e = parse_primary(p);
    if (!e || e->kind == SB_E_STAR) return e;
    return parse_postfix_ops(p, e);
}

/* Binary operator levels inside valueExpression, loosest first. */
enum { LV_CMP, LV_BITOR, LV_BITXOR, LV_BITAND, LV_ADD, LV_MUL, LV_UNARY };

static bool binop_at(parser *p, int level, sb_binop *op)
{
    sb_token *t = peek(p);
    switch (level) {
    case LV_CMP:
        switch (t->kind) {
        case SB_TK_EQ: *op = SB_OP_EQ; return true;
        case SB_TK_NSEQ: *op = SB_OP_NSEQ; return true;
        case SB_TK_NE: *op = SB_OP_NE; return true;
        case SB_TK_LT: *op = SB_OP_LT; return true;
        case SB_TK_LE: *op = SB_OP_LE; return true;
        case SB_TK_GT: *op = SB_OP_GT; return true;
        case SB_TK_GE: *op = SB_OP_GE; return true;
        default: return false;
        }
    case LV_BITOR: *op = SB_OP_BITOR; return t->kind == SB_TK_PIPE;
    case LV_BITXOR: *op = SB_OP_BITXOR; return t->kind == SB_TK_CARET;
    case LV_BITAND: *op = SB_OP_BITAND; return t->kind == SB_TK_AMP;
    case LV_ADD:
        if (t->kind == SB_TK_PLUS) *op = SB_OP_ADD;
        else if (t->kind == SB_TK_MINUS) *op = SB_OP_SUB;
        else if (t->kind == SB_TK_CONCAT) *op = SB_OP_CONCAT;
        else return false;
        return true;
    case LV_MUL:
        if (t->kind == SB_TK_STAR) *op = SB_OP_MUL;
        else if (t->kind == SB_TK_SLASH) *op = SB_OP_DIV;
        else if (t->kind == SB_TK_PERCENT) *op = SB_OP_MOD;
        else if (tok_kw(t, SB_KW_DIV)) *op = SB_OP_INTDIV;
        else return false;
        return true;
    default: return false;
    }
}

static sb_expr *parse_level(parser *p, int level)
{
    if (level == LV_UNARY) return parse_unary(p);
    sb_expr *left = parse_level(p, level + 1);
    if (!left) return NULL;
    sb_binop op;
    while (binop_at(p, level, &op)) {
        advance(p);
        sb_expr *right = parse_level(p, level + 1);
        if (!right) return NULL;
        left = new_binary(p, op, left, right);
    }
    return left;
}

/* valueExpression: everything up to and including comparisons */
static sb_expr *parse_value(parser *p)
{
    return parse_level(p, LV_CMP);
}

/* valueExpression predicate? */
static sb_expr *parse_predicated(parser *p)
{
    sb_expr *v = parse_value(p);
    if (!v) return NULL;
    bool negated = false;
    size_t k = 0;
    if (is_kw(p, SB_KW_NOT) || peek(p)->kind == SB_TK_BANG) {
        sb_token *n1 = peekn(p, 1);
        static const sb_kw NEGATABLE[] = {
            SB_KW_BETWEEN, SB_KW_IN, SB_KW_LIKE, SB_KW_ILIKE, SB_KW_RLIKE, SB_KW_REGEXP,
            SB_KW_NONE};
        if (!word_in(n1, NEGATABLE)) return v;
        negated = true;
        k = 1;
    }
    sb_token *t = peekn(p, k);
    if (tok_kw(t, SB_KW_BETWEEN)) {
        p->pos += k + 1;
        sb_expr *e = new_expr(p, SB_E_BETWEEN, v->span.start, v->span.end);
        e->u.between.arg = v;
        e->u.between.negated = negated;
        e->u.between.low = parse_value(p);
        if (!e->u.between.low) return NULL;
        if (!expect_kw(p, SB_KW_AND, "AND in BETWEEN")) return NULL;
        e->u.between.high = parse_value(p);
        if (!e->u.between.high) return NULL;
        e->span.end = e->u.between.high->span.end;
        return e;
    }
    if (tok_kw(t, SB_KW_IN)) {
        p->pos += k + 1;
        sb_expr *e = new_expr(p, SB_E_IN, v->span.start, v->span.end);
        e->u.in.arg = v;
        e->u.in.negated = negated;
        sb_token *open = peek(p);
        if (!expect(p, SB_TK_LPAREN, "'(' after IN")) return NULL;
        if (query_starts_at(p, 0)) {
            e->u.in.query = parse_query(p);
            if (!e->u.in.query) return NULL;
            if (!expect(p, SB_TK_RPAREN, "')' to close the IN subquery")) return NULL;
        } else {
            if (peek(p)->kind == SB_TK_RPAREN) {
                fail_span(p, peek(p)->span, "expected a value in the IN list: IN () is empty");
                return NULL;
            }
            for (;;) {
                sb_expr *x = parse_expr(p);
                if (!x) return NULL;
                sb_vec_push(p->a, &e->u.in.list, x);
                if (!accept(p, SB_TK_COMMA)) break;
            }
            if (!accept(p, SB_TK_RPAREN)) {
                sb_token *c = peek(p);
                if (c->kind == SB_TK_ERROR)
                    fail_span(p, c->span, "%s", c->text);
                else
                    fail_span(p, c->span, "expected ',' or ')' in the IN list opened at %u%s%s",
                              open->span.start + 1, c->kind == SB_TK_EOF ? "" : ", found ",
                              c->kind == SB_TK_EOF ? "" : sb_sql_token_desc(p->a, c));
                return NULL;
            }
        }
        e->span.end = prev_end(p);
        return e;
    }
    if (tok_kw(t, SB_KW_LIKE) || tok_kw(t, SB_KW_ILIKE) || tok_kw(t, SB_KW_RLIKE) ||
        tok_kw(t, SB_KW_REGEXP)) {
        p->pos += k + 1;
        sb_expr *e = new_expr(p, SB_E_LIKE, v->span.start, v->span.end);
        e->u.like.kind = tok_kw(t, SB_KW_LIKE)    ? SB_LIKE
                         : tok_kw(t, SB_KW_ILIKE) ? SB_ILIKE
                                                  : SB_RLIKE;
        e->u.like.arg = v;
        e->u.like.negated = negated;
        if (e->u.like.kind != SB_RLIKE &&
            (is_kw(p, SB_KW_ANY) || is_kw(p, SB_KW_SOME) || is_kw(p, SB_KW_ALL)) &&
            peekn(p, 1)->kind == SB_TK_LPAREN) {
            fail_span(p, peek(p)->span, "LIKE %s (...) is not supported: combine LIKE "
                                        "conditions with OR / AND",
                      peek(p)->text);
            return NULL;
        }
        e->u.like.pattern = parse_value(p);
        if (!e->u.like.pattern) return NULL;
        if (e->u.like.kind != SB_RLIKE && accept_kw(p, SB_KW_ESCAPE)) {
            sb_token *s = peek(p);
            if (s->kind != SB_TK_STRING) {
                fail_expected(p, "a one-character string after ESCAPE");
                return NULL;
            }
            advance(p);
            size_t cl = s->len > 0 ? (size_t)1 : 0;
            if (s->len > 0) {
                unsigned char c0 = (unsigned char)s->text[0];
                cl = c0 < 0x80 ? 1 : (c0 & 0xE0) == 0xC0 ? 2 : (c0 & 0xF0) == 0xE0 ? 3 : 4;
            }
            if (s->len == 0 || cl != s->len) {
                fail_span(p, s->span, "the ESCAPE string must be exactly one character");
                return NULL;
            }
            e->u.like.escape = s->text;
        }
        e->span.end = prev_end(p);
        return e;
    }
    if (k == 0 && tok_kw(t, SB_KW_IS)) {
        advance(p);
        bool neg = accept_kw(p, SB_KW_NOT) || accept(p, SB_TK_BANG);
        if (accept_kw(p, SB_KW_DISTINCT)) {
            if (!expect_kw(p, SB_KW_FROM, "FROM after IS DISTINCT")) return NULL;
            sb_expr *r = parse_value(p);
            if (!r) return NULL;
            sb_expr *e = new_expr(p, SB_E_DISTINCT, v->span.start, r->span.end);
            e->u.distinct.left = v;
            e->u.distinct.right = r;
            e->u.distinct.negated = neg;
            return e;
        }
        sb_is_kind what;
        if (is_kw(p, SB_KW_NULL))
            what = SB_IS_NULL;
        else if (is_kw(p, SB_KW_TRUE))
            what = SB_IS_TRUE;
        else if (is_kw(p, SB_KW_FALSE))
            what = SB_IS_FALSE;
        else if (is_kw(p, SB_KW_UNKNOWN))
            what = SB_IS_UNKNOWN;
        else {
            fail_expected(p, neg ? "NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS NOT"
                                 : "NULL, TRUE, FALSE, UNKNOWN, NOT or DISTINCT FROM after IS");
            return NULL;
        }
        advance(p);
        sb_expr *e = new_expr(p, SB_E_IS, v->span.start, prev_end(p));
        e->u.is.what = what;
        e->u.is.arg = v;
        e->u.is.negated = neg;
        return e;
    }
    return v;
}

/* NOT / ! / EXISTS (query) / predicated */
static sb_expr *parse_not(parser *p)
{
    sb_token *t = peek(p);
    if (tok_kw(t, SB_KW_NOT) || t->kind == SB_TK_BANG) {
        if (!enter(p)) return NULL;
        advance(p);
        sb_expr *arg = parse_not(p);
        leave(p);
        if (!arg) return NULL;
        sb_expr *e = new_expr(p, SB_E_UNARY, t->span.start, arg->span.end);
        e->u.unary.op = SB_OP_NOT;
        e->u.unary.arg = arg;
        return e;
    }
    if (tok_kw(t, SB_KW_EXISTS) && peekn(p, 1)->kind == SB_TK_LPAREN && query_starts_at(p, 2)) {
        advance(p);
        advance(p);
        sb_query *q = parse_query(p);
        if (!q) return NULL;
        if (!expect(p, SB_TK_RPAREN, "')' to close EXISTS (...")) return NULL;
        sb_expr *e = new_expr(p, SB_E_SUBQUERY, t->span.start, prev_end(p));
        e->u.subquery.query = q;
        e->u.subquery.exists = true;
        return e;
    }
    return parse_predicated(p);
}

static sb_expr *parse_and(parser *p)
{
    sb_expr *left = parse_not(p);
    if (!left) return NULL;
    while (is_kw(p, SB_KW_AND)) {
        advance(p);
        sb_expr *right = parse_not(p);
        if (!right) return NULL;
        left = new_binary(p, SB_OP_AND, left, right);
    }
    return left;
}

static sb_expr *parse_expr(parser *p)
{
    if (!enter(p)) return NULL;
    sb_expr *left = parse_and(p);
    while (left && is_kw(p, SB_KW_OR)) {
        advance(p);
        sb_expr *right = parse_and(p);
        if (!right) {
            left = NULL;
            break;
        }
        left = new_binary(p, SB_OP_OR, left, right);
    }
    leave(p);
    return left;
}

/* ---- windows and sort keys ------------------------------------------ */

static sb_sort_key *parse_sort_item(parser *p)
{
    sb_sort_key *k = sb_arena_alloc(p->a, sizeof *k);
    k->expr = parse_expr(p);
    if (!k->expr) return NULL;
    if (accept_kw(p, SB_KW_DESC))
        k->descending = true;
    else
        accept_kw(p, SB_KW_ASC);
    k->nulls_first = !k->descending;
    if (is_kw(p, SB_KW_NULLS)) {
        advance(p);
        if (accept_kw(p, SB_KW_FIRST))
            k->nulls_first = true;
        else if (accept_kw(p, SB_KW_LAST))
            k->nulls_first = false;
        else {
            fail_expected(p, "FIRST or LAST after NULLS");
            return NULL;
        }
        k->nulls_explicit = true;
    }
    k->span = (sb_span){k->expr->span.start, prev_end(p)};
    return k;
}

static bool parse_sort_list(parser *p, sb_vec *out)
{
    for (;;) {
        sb_sort_key *k = parse_sort_item(p);
        if (!k) return false;
        sb_vec_push(p->a, out, k);
        if (!accept(p, SB_TK_COMMA)) return true;
    }
}

static bool parse_expr_list(parser *p, sb_vec *out)
{
    for (;;) {
        sb_expr *e = parse_expr(p);
        if (!e) return false;
        sb_vec_push(p->a, out, e);
        if (!accept(p, SB_TK_COMMA)) return true;
    }
}

static bool parse_frame_bound(parser *p, sb_frame_bound *b)
{
    if (is_kw(p, SB_KW_UNBOUNDED)) {
        advance(p);
        if (accept_kw(p, SB_KW_PRECEDING))
            b->kind = SB_BOUND_UNBOUNDED_PRECEDING;
        else if (accept_kw(p, SB_KW_FOLLOWING))
            b->kind = SB_BOUND_UNBOUNDED_FOLLOWING;
        else {
            fail_expected(p, "PRECEDING or FOLLOWING after UNBOUNDED");
            return false;
        }
        return true;
    }
    if (is_kw(p, SB_KW_CURRENT) && tok_kw(peekn(p, 1), SB_KW_ROW)) {
        advance(p);
        advance(p);
        b->kind = SB_BOUND_CURRENT_ROW;
        return true;
    }
    if (peek(p)->kind == SB_TK_RPAREN || peek(p)->kind == SB_TK_EOF || is_kw(p, SB_KW_AND)) {
        fail_expected(p, "UNBOUNDED PRECEDING, CURRENT ROW or an offset and PRECEDING or "
                         "FOLLOWING");
        return false;
    }
    b->offset = parse_expr(p);
    if (!b->offset) return false;
    if (accept_kw(p, SB_KW_PRECEDING))
        b->kind = SB_BOUND_PRECEDING;
    else if (accept_kw(p, SB_KW_FOLLOWING))
        b->kind = SB_BOUND_FOLLOWING;
    else {
        fail_expected(p, "PRECEDING or FOLLOWING after the frame offset");
        return false;
    }
    return true;
}

/* OVER name | OVER (name) | OVER ([PARTITION BY ..] [ORDER BY ..] [frame]) */
static sb_window *parse_window_spec(parser *p)
{
    sb_window *w = sb_arena_alloc(p->a, sizeof *w);
    sb_token *t = peek(p);
    w->span.start = t->span.start;
    if (tok_is_ident(t)) {
        w->name = advance(p)->text;
        w->span.end = prev_end(p);
        return w;
    }
    if (!expect(p, SB_TK_LPAREN, "a window name or '(' after OVER")) return NULL;
    if (tok_is_ident(peek(p)) && peekn(p, 1)->kind == SB_TK_RPAREN &&
        !is_kw(p, SB_KW_PARTITION) && !is_kw(p, SB_KW_ORDER)) {
        w->name = advance(p)->text;
        advance(p);
        w->span.end = prev_end(p);
        return w;
    }
    if ((is_kw(p, SB_KW_PARTITION) || is_kw(p, SB_KW_DISTRIBUTE) || is_kw(p, SB_KW_CLUSTER)) &&
        tok_kw(peekn(p, 1), SB_KW_BY)) {
        advance(p);
        advance(p);
        if (!parse_expr_list(p, &w->partition_by)) return NULL;
    }
    if ((is_kw(p, SB_KW_ORDER) || is_kw(p, SB_KW_SORT)) && tok_kw(peekn(p, 1), SB_KW_BY)) {
        advance(p);
        advance(p);
        if (!parse_sort_list(p, &w->order_by)) return NULL;
    }
    if (is_kw(p, SB_KW_ROWS) || is_kw(p, SB_KW_RANGE)) {
        w->frame = is_kw(p, SB_KW_ROWS) ? SB_FRAME_ROWS : SB_FRAME_RANGE;
        advance(p);
        if (accept_kw(p, SB_KW_BETWEEN)) {
            if (!parse_frame_bound(p, &w->start)) return NULL;
            if (!expect_kw(p, SB_KW_AND, "AND between the frame bounds")) return NULL;
            if (!parse_frame_bound(p, &w->end)) return NULL;
        } else {
            if (!parse_frame_bound(p, &w->start)) return NULL;
            w->end.kind = SB_BOUND_CURRENT_ROW;
        }
    }
    if (!expect(p, SB_TK_RPAREN,
                w->frame ? "')' to close the window"
                : w->order_by.len ? "ROWS, RANGE or ')' to close the window"
                                  : "PARTITION BY, ORDER BY, ROWS, RANGE or ')' in the window"))
        return NULL;
    w->span.end = prev_end(p);
    return w;
}

/* ---- queries -------------------------------------------------------- */

static bool parse_ident(parser *p, const char **out, const char *what)
{
    if (!tok_is_ident(peek(p))) {
        fail_expected(p, what);
        return false;
    }
    *out = advance(p)->text;
    return true;
}

/* (a, b, c) */
static bool parse_ident_list(parser *p, sb_vec *out, const char *what)
{
    if (!expect(p, SB_TK_LPAREN, "'('")) return false;
    for (;;) {
        const char *s;
        if (!parse_ident(p, &s, what)) return false;
        sb_vec_push(p->a, out, (void *)s);
        if (!accept(p, SB_TK_COMMA)) break;
    }
    return expect(p, SB_TK_RPAREN, "',' or ')'");
}

static sb_relation *parse_relation(parser *p);

static bool parse_rel_alias(parser *p, sb_relation *r)
{
    if (accept_kw(p, SB_KW_AS)) {
        if (!parse_ident(p, &r->alias, "an alias after AS")) return false;
    } else if ((peek(p)->kind == SB_TK_WORD && !word_in(peek(p), REL_ALIAS_STOP)) ||
               peek(p)->kind == SB_TK_QIDENT) {
        r->alias = advance(p)->text;
    } else {
        return true;
    }
    if (peek(p)->kind == SB_TK_LPAREN && tok_is_ident(peekn(p, 1)))
        return parse_ident_list(p, &r->column_aliases, "a column alias");
    return true;
}

/* VALUES (1, 'a'), (2, 'b') */
static bool parse_values_rows(parser *p, sb_vec *rows)
{
    for (;;) {
        sb_vec *row = sb_arena_alloc(p->a, sizeof *row);
        if (peek(p)->kind == SB_TK_LPAREN && !query_starts_at(p, 1)) {
            advance(p);
            if (!parse_expr_list(p, row)) return false;
            if (!expect(p, SB_TK_RPAREN, "',' or ')' in the VALUES row")) return false;
        } else {
            sb_expr *e = parse_expr(p);
            if (!e) return false;
            sb_vec_push(p->a, row, e);
        }
        sb_vec_push(p->a, rows, row);
        if (!accept(p, SB_TK_COMMA)) return true;
    }
}

static sb_relation *parse_relation_primary(parser *p)
{
    sb_token *t = peek(p);
    sb_relation *r = sb_arena_alloc(p->a, sizeof *r);
    r->span.start = t->span.start;
    if (t->kind == SB_TK_LPAREN) {
        sb_query *q = NULL;
        if (query_starts_at(p, 1) || tok_kw(peekn(p, 1), SB_KW_VALUES)) {
            advance(p);
            q = parse_query(p);
            if (!q) return NULL;
            if (!expect(p, SB_TK_RPAREN, "')' to close the subquery")) return NULL;
        } else if (peekn(p, 1)->kind == SB_TK_LPAREN) {
            q = try_paren_query(p);
        }
        if (q) {
            r->kind = SB_REL_SUBQUERY;
            r->u.subquery.query = q;
        } else {
            advance(p);
            sb_relation *inner = parse_relation(p);
            if (!inner) return NULL;
            if (!expect(p, SB_TK_RPAREN, "')' to close the parenthesized relation")) return NULL;
            r = inner;
        }
        if (!parse_rel_alias(p, r)) return NULL;
        r->span = (sb_span){t->span.start, prev_end(p)};
        return r;
    }
    if (tok_kw(t, SB_KW_VALUES)) {
        advance(p);
        r->kind = SB_REL_VALUES;
        if (!parse_values_rows(p, &r->u.values.rows)) return NULL;
        if (!parse_rel_alias(p, r)) return NULL;
        r->span.end = prev_end(p);
        return r;
    }
    if (tok_kw(t, SB_KW_LATERAL)) {
        fail_span(p, t->span, "LATERAL subqueries are not supported");
        return NULL;
    }
    if (!tok_is_ident(t) || (t->kind == SB_TK_WORD && word_in(t, OPERAND_STOP))) {
        fail_expected(p, "a table name, '(' or VALUES");
        return NULL;
    }
    sb_vec parts = {0};
    if (!parse_name_parts(p, &parts)) return NULL;
    if (peek(p)->kind == SB_TK_LPAREN) {
        fail_span(p, (sb_span){t->span.start, peek(p)->span.end},
                  "table-valued functions such as %s(...) are not supported in FROM",
                  (const char *)parts.items[parts.len - 1]);
        return NULL;
    }
    if (is_kw(p, SB_KW_TABLESAMPLE) ||
        ((is_kw(p, SB_KW_FOR) || is_kw(p, SB_KW_VERSION) || is_kw(p, SB_KW_TIMESTAMP)) &&
         (tok_kw(peekn(p, 1), SB_KW_AS) || tok_kw(peekn(p, 1), SB_KW_SYSTEM_TIME) ||
          tok_kw(peekn(p, 1), SB_KW_SYSTEM_VERSION)))) {
        fail_span(p, peek(p)->span, "%s is not supported here", peek(p)->text);
        return NULL;
    }
    r->kind = SB_REL_TABLE;
    r->u.table.parts = (const char **)parts.items;
    r->u.table.nparts = parts.len;
    if (!parse_rel_alias(p, r)) return NULL;
    r->span.end = prev_end(p);
    return r;
}

/* Is a join keyword sequence next? Sets type/natural and the number of tokens. */
static bool join_ahead(parser *p, sb_join_type *type, bool *natural, size_t *ntok)
{
    size_t k = 0;
    *natural = false;
    if (tok_kw(peekn(p, k), SB_KW_NATURAL)) {
        *natural = true;
        k++;
    }
    sb_token *t = peekn(p, k);
    sb_token *t1 = peekn(p, k + 1);
    sb_token *t2 = peekn(p, k + 2);
    if (tok_kw(t, SB_KW_JOIN)) {
        *type = SB_JOIN_INNER;
        *ntok = k + 1;
    } else if (tok_kw(t, SB_KW_INNER) && tok_kw(t1, SB_KW_JOIN)) {
        *type = SB_JOIN_INNER;
        *ntok = k + 2;
    } else if (tok_kw(t, SB_KW_CROSS) && tok_kw(t1, SB_KW_JOIN)) {
        *type = SB_JOIN_CROSS;
        *ntok = k + 2;
    } else if ((tok_kw(t, SB_KW_LEFT) || tok_kw(t, SB_KW_RIGHT) || tok_kw(t, SB_KW_FULL))) {
        sb_join_type jt = tok_kw(t, SB_KW_LEFT)    ? SB_JOIN_LEFT
                          : tok_kw(t, SB_KW_RIGHT) ? SB_JOIN_RIGHT
                                                   : SB_JOIN_FULL;
        if (tok_kw(t1, SB_KW_JOIN)) {
            *ntok = k + 2;
        } else if (tok_kw(t1, SB_KW_OUTER) && tok_kw(t2, SB_KW_JOIN)) {
            *ntok = k + 3;
        } else if (jt == SB_JOIN_LEFT && (tok_kw(t1, SB_KW_SEMI) || tok_kw(t1, SB_KW_ANTI)) &&
                   tok_kw(t2, SB_KW_JOIN)) {
            jt = tok_kw(t1, SB_KW_SEMI) ? SB_JOIN_LEFT_SEMI : SB_JOIN_LEFT_ANTI;
            *ntok = k + 3;
        } else {
            return false;
        }
        *type = jt;
    } else if ((tok_kw(t, SB_KW_SEMI) || tok_kw(t, SB_KW_ANTI)) && tok_kw(t1, SB_KW_JOIN)) {
        *type = tok_kw(t, SB_KW_SEMI) ? SB_JOIN_LEFT_SEMI : SB_JOIN_LEFT_ANTI;
        *ntok = k + 2;
    } else {
        return false;
    }
    return true;
}

static sb_relation *parse_relation(parser *p)
{
    if (!enter(p)) return NULL;
    sb_relation *left = parse_relation_primary(p);
    sb_join_type type;
    bool natural;
    size_t ntok;
    while (left && join_ahead(p, &type, &natural, &ntok)) {
        p->pos += ntok;
        if (is_kw(p, SB_KW_LATERAL)) {
            fail_span(p, peek(p)->span, "LATERAL joins are not supported");
            left = NULL;
            break;
        }
        sb_relation *right = parse_relation_primary(p);
        if (!right) {
            left = NULL;
            break;
        }
        sb_relation *j = sb_arena_alloc(p->a, sizeof *j);
        j->kind = SB_REL_JOIN;
        j->u.join.type = type;
        j->u.join.natural = natural;
        j->u.join.left = left;
        j->u.join.right = right;
        if (!natural && accept_kw(p, SB_KW_ON)) {
            j->u.join.on = parse_expr(p);
            if (!j->u.join.on) {
                left = NULL;
                break;
            }
        } else if (!natural && is_kw(p, SB_KW_USING)) {
            advance(p);
            if (!parse_ident_list(p, &j->u.join.using_, "a column name in USING")) {
                left = NULL;
                break;
            }
        }
        j->span = (sb_span){left->span.start, prev_end(p)};
        left = j;
    }
    leave(p);
    return left;
}

static bool parse_from(parser *p, sb_relation **out)
{
    sb_relation *r = parse_relation(p);
    if (!r) return false;
    while (accept(p, SB_TK_COMMA)) {
        sb_relation *right = parse_relation(p);
        if (!right) return false;
        /* FROM a, b is a cross join */
        sb_relation *j = sb_arena_alloc(p->a, sizeof *j);
        j->kind = SB_REL_JOIN;
        j->u.join.type = SB_JOIN_CROSS;
        j->u.join.left = r;
        j->u.join.right = right;
        j->span = (sb_span){r->span.start, right->span.end};
        r = j;
    }
    *out = r;
    return true;
}

/* ROLLUP (a, b) / CUBE (a, b): single expressions, not composite groups */
static bool parse_grouping_list(parser *p, sb_vec *out, const char *what)
{
    if (!expect(p, SB_TK_LPAREN, sb_arena_printf(p->a, "'(' after %s", what))) return false;
    for (;;) {
        if (peek(p)->kind == SB_TK_LPAREN && !query_starts_at(p, 1)) {
            /* (a, b) inside ROLLUP/CUBE would be a composite column */
            size_t save = p->pos;
            advance(p);
            sb_expr *e = parse_expr(p);
            if (!e) return false;
            if (peek(p)->kind == SB_TK_COMMA) {
                fail_span(p, p->t[save].span,
                          "composite columns like (a, b) inside %s are not supported", what);
                return false;
            }
            p->pos = save;
        }
        sb_expr *e = parse_expr(p);
        if (!e) return false;
        sb_vec_push(p->a, out, e);
        if (!accept(p, SB_TK_COMMA)) break;
    }
    return expect(p, SB_TK_RPAREN, "',' or ')'");
}

static bool parse_grouping_sets(parser *p, sb_vec *sets)
{
    if (!expect(p, SB_TK_LPAREN, "'(' after GROUPING SETS")) return false;
    for (;;) {
        sb_vec *set = sb_arena_alloc(p->a, sizeof *set);
        if (peek(p)->kind == SB_TK_LPAREN && !query_starts_at(p, 1)) {
            advance(p);
            if (!accept(p, SB_TK_RPAREN)) {
                if (!parse_expr_list(p, set)) return false;
                if (!expect(p, SB_TK_RPAREN, "',' or ')' in the grouping set")) return false;
            }
        } else {
            sb_expr *e = parse_expr(p);
            if (!e) return false;
            sb_vec_push(p->a, set, e);
        }
        sb_vec_push(p->a, sets, set);
        if (!accept(p, SB_TK_COMMA)) break;
    }
    return expect(p, SB_TK_RPAREN, "',' or ')' after the grouping sets");
}

static bool clause_end(parser *p)
{
    static const sb_kw ENDS[] = {
        SB_KW_HAVING, SB_KW_ORDER, SB_KW_LIMIT, SB_KW_OFFSET, SB_KW_WINDOW, SB_KW_UNION,
        SB_KW_INTERSECT, SB_KW_EXCEPT, SB_KW_MINUS, SB_KW_SORT, SB_KW_CLUSTER, SB_KW_DISTRIBUTE,
        SB_KW_NONE};
    sb_token *t = peek(p);
    return t->kind == SB_TK_EOF || t->kind == SB_TK_RPAREN || t->kind == SB_TK_SEMI ||
           word_in(t, ENDS);
}

static bool parse_group_by(parser *p, sb_query *q)
{
    if (is_kw(p, SB_KW_ALL)) {
        advance(p);
        if (clause_end(p)) {
            q->u.select.group_by_all = true;
            return true;
        }
        p->pos--;
    }
    if (is_kw(p, SB_KW_GROUPING) && tok_kw(peekn(p, 1), SB_KW_SETS)) {
        advance(p);
        advance(p);
        q->u.select.group_kind = SB_GROUP_SETS;
        return parse_grouping_sets(p, &q->u.select.grouping_sets);
    }
    if ((is_kw(p, SB_KW_ROLLUP) || is_kw(p, SB_KW_CUBE)) && peekn(p, 1)->kind == SB_TK_LPAREN) {
        bool rollup = is_kw(p, SB_KW_ROLLUP);
        advance(p);
        q->u.select.group_kind = rollup ? SB_GROUP_ROLLUP : SB_GROUP_CUBE;
        if (!parse_grouping_list(p, &q->u.select.group_by, rollup ? "ROLLUP" : "CUBE"))
            return false;
        if (peek(p)->kind == SB_TK_COMMA) {
            fail_span(p, peek(p)->span, "mixing %s with other grouping expressions is not "
                                        "supported",
                      rollup ? "ROLLUP" : "CUBE");
            return false;
        }
        return true;
    }
    for (;;) {
        sb_token *t = peek(p);
        if ((tok_kw(t, SB_KW_ROLLUP) || tok_kw(t, SB_KW_CUBE)) &&
            peekn(p, 1)->kind == SB_TK_LPAREN) {
            fail_span(p, t->span, "mixing %s with other grouping expressions is not supported",
                      t->text);
            return false;
        }
        if (tok_kw(t, SB_KW_GROUPING) && tok_kw(peekn(p, 1), SB_KW_SETS) &&
            q->u.select.group_by.len == 0) {
            fail_expected(p, "an expression");
            return false;
        }
        sb_expr *e = parse_expr(p);
        if (!e) return false;
        sb_vec_push(p->a, &q->u.select.group_by, e);
        if (!accept(p, SB_TK_COMMA)) break;
    }
    if (is_kw(p, SB_KW_WITH) &&
        (tok_kw(peekn(p, 1), SB_KW_ROLLUP) || tok_kw(peekn(p, 1), SB_KW_CUBE))) {
        advance(p);
        q->u.select.group_kind = is_kw(p, SB_KW_ROLLUP) ? SB_GROUP_ROLLUP : SB_GROUP_CUBE;
        advance(p);
    } else if (is_kw(p, SB_KW_GROUPING) && tok_kw(peekn(p, 1), SB_KW_SETS)) {
        advance(p);
        advance(p);
        q->u.select.group_kind = SB_GROUP_SETS;
        return parse_grouping_sets(p, &q->u.select.grouping_sets);
    }
    return true;
}

static sb_query *parse_select(parser *p)
{
    sb_token *kw = advance(p); /* SELECT */
    sb_query *q = sb_arena_alloc(p->a, sizeof *q);
    q->kind = SB_Q_SELECT;
    q->span.start = kw->span.start;
    if ((is_kw(p, SB_KW_DISTINCT) || is_kw(p, SB_KW_ALL)) && peekn(p, 1)->kind != SB_TK_COMMA &&
        !tok_kw(peekn(p, 1), SB_KW_FROM) && peekn(p, 1)->kind != SB_TK_EOF) {
        q->u.select.distinct = is_kw(p, SB_KW_DISTINCT);
        advance(p);
    }
    for (;;) {
        sb_select_item *it = sb_arena_alloc(p->a, sizeof *it);
        if (is_kw(p, SB_KW_FROM) || peek(p)->kind == SB_TK_EOF) {
            fail_expected(p, q->u.select.items.len ? "an expression after ','"
                                                   : "an expression after SELECT");
            return NULL;
        }
        it->expr = parse_expr(p);
        if (!it->expr) return NULL;
        if (accept_kw(p, SB_KW_AS)) {
            if (peek(p)->kind == SB_TK_LPAREN) {
                fail_span(p, peek(p)->span, "multiple aliases AS (a, b) are not supported: "
                                            "alias the generator's columns in a later step");
                return NULL;
            }
            if (!parse_ident(p, &it->alias, "an alias after AS")) return NULL;
        } else if ((peek(p)->kind == SB_TK_WORD && !word_in(peek(p), ALIAS_STOP)) ||
                   peek(p)->kind == SB_TK_QIDENT) {
            it->alias = advance(p)->text;
        }
        it->span = (sb_span){it->expr->span.start, prev_end(p)};
        sb_vec_push(p->a, &q->u.select.items, it);
        if (!accept(p, SB_TK_COMMA)) break;
    }
    if (accept_kw(p, SB_KW_FROM)) {
        if (!parse_from(p, &q->u.select.from)) return NULL;
    }
    if (is_kw(p, SB_KW_LATERAL) && tok_kw(peekn(p, 1), SB_KW_VIEW)) {
        fail_span(p, peek(p)->span, "LATERAL VIEW is not supported: use explode() in the "
                                    "select list");
        return NULL;
    }
    if (accept_kw(p, SB_KW_WHERE)) {
        q->u.select.where = parse_expr(p);
        if (!q->u.select.where) return NULL;
    }
    if (is_kw(p, SB_KW_GROUP)) {
        advance(p);
        if (!expect_kw(p, SB_KW_BY, "BY after GROUP")) return NULL;
        if (!parse_group_by(p, q)) return NULL;
    }
    if (accept_kw(p, SB_KW_HAVING)) {
        q->u.select.having = parse_expr(p);
        if (!q->u.select.having) return NULL;
    }
    if (accept_kw(p, SB_KW_WINDOW)) {
        for (;;) {
            sb_named_window *nw = sb_arena_alloc(p->a, sizeof *nw);
            if (!parse_ident(p, &nw->name, "a window name after WINDOW")) return NULL;
            if (!expect_kw(p, SB_KW_AS, "AS after the window name")) return NULL;
            nw->window = parse_window_spec(p);
            if (!nw->window) return NULL;
            sb_vec_push(p->a, &q->u.select.windows, nw);
            if (!accept(p, SB_TK_COMMA)) break;
        }
    }
    q->span.end = prev_end(p);
    return q;
}

static sb_query *parse_query_primary(parser *p)
{
    sb_token *t = peek(p);
    if (tok_kw(t, SB_KW_SELECT)) return parse_select(p);
    if (t->kind == SB_TK_LPAREN) {
        advance(p);
        sb_query *q = parse_query(p);
        if (!q) return NULL;
        if (!expect(p, SB_TK_RPAREN, "')' to close the parenthesized query")) return NULL;
        return q;
    }
    if (tok_kw(t, SB_KW_VALUES) || tok_kw(t, SB_KW_TABLE)) {
        /* VALUES ... and TABLE t are SELECT * FROM them */
        bool values = tok_kw(t, SB_KW_VALUES);
        advance(p);
        sb_query *q = sb_arena_alloc(p->a, sizeof *q);
        q->kind = SB_Q_SELECT;
        q->span.start = t->span.start;
        sb_select_item *it = sb_arena_alloc(p->a, sizeof *it);
        it->expr = new_expr(p, SB_E_STAR, t->span.start, t->span.end);
        it->span = t->span;
        sb_vec_push(p->a, &q->u.select.items, it);
        sb_relation *r = sb_arena_alloc(p->a, sizeof *r);
        r->span.start = t->span.start;
        if (values) {
            r->kind = SB_REL_VALUES;
            if (!parse_values_rows(p, &r->u.values.rows)) return NULL;
        } else {
            sb_vec parts = {0};
            r->kind = SB_REL_TABLE;
            if (!parse_name_parts(p, &parts)) return NULL;
            r->u.table.parts = (const char **)parts.items;
            r->u.table.nparts = parts.len;
        }
        r->span.end = prev_end(p);
        q->u.select.from = r;
        q->span.end = prev_end(p);
        return q;
    }
    if (tok_kw(t, SB_KW_FROM)) {
        fail_span(p, t->span, "FROM-first queries are not supported: start with SELECT");
        return NULL;
    }
    fail_expected(p, "SELECT, VALUES or '('");
    return NULL;
}

static bool setop_ahead(parser *p, bool intersect_only, sb_setop *op)
{
    sb_token *t = peek(p);
    if (tok_kw(t, SB_KW_INTERSECT)) {
        *op = SB_SET_INTERSECT;
        return true;
    }
    if (intersect_only) return false;
    if (tok_kw(t, SB_KW_UNION)) {
        *op = SB_SET_UNION;
        return true;
    }
    if (tok_kw(t, SB_KW_EXCEPT) || tok_kw(t, SB_KW_MINUS)) {
        *op = SB_SET_EXCEPT;
        return true;
    }
    return false;
}

/* Spark: INTERSECT binds tighter than UNION and EXCEPT; all left-associative. */
static sb_query *parse_set_level(parser *p, bool intersect_level)
{
    sb_query *left = intersect_level ? parse_query_primary(p) : parse_set_level(p, true);
    sb_setop op;
    while (left && setop_ahead(p, intersect_level, &op)) {
        advance(p);
        sb_query *q = sb_arena_alloc(p->a, sizeof *q);
        q->kind = SB_Q_SETOP;
        q->u.setop.op = op;
        if (accept_kw(p, SB_KW_ALL))
            q->u.setop.all = true;
        else
            accept_kw(p, SB_KW_DISTINCT);
        if (is_kw(p, SB_KW_BY) && tok_kw(peekn(p, 1), SB_KW_NAME)) {
            advance(p);
            advance(p);
            q->u.setop.by_name = true;
        }
        q->u.setop.left = left;
        if (!enter(p)) return NULL;
        q->u.setop.right = intersect_level ? parse_query_primary(p) : parse_set_level(p, true);
        leave(p);
        if (!q->u.setop.right) return NULL;
        q->span = (sb_span){left->span.start, prev_end(p)};
        left = q;
    }
    return left;
}

/* A SELECT * FROM (q): for ORDER BY / LIMIT / WITH applied to a query that
 * already has its own. */
static sb_query *wrap_query(parser *p, sb_query *inner)
{
    sb_query *q = sb_arena_alloc(p->a, sizeof *q);
    q->kind = SB_Q_SELECT;
    q->span = inner->span;
    sb_select_item *it = sb_arena_alloc(p->a, sizeof *it);
    it->expr = new_expr(p, SB_E_STAR, inner->span.start, inner->span.start);
    it->span = it->expr->span;
    sb_vec_push(p->a, &q->u.select.items, it);
    sb_relation *r = sb_arena_alloc(p->a, sizeof *r);
    r->kind = SB_REL_SUBQUERY;
    r->span = inner->span;
    r->u.subquery.query = inner;
    q->u.select.from = r;
    return q;
}

static sb_query *parse_query(parser *p)
{
    if (!enter(p)) return NULL;
    sb_token *first = peek(p);
    sb_vec ctes = {0};
    if (accept_kw(p, SB_KW_WITH)) {
        if (is_kw(p, SB_KW_RECURSIVE) && tok_is_ident(peekn(p, 1)) &&
            !tok_kw(peekn(p, 1), SB_KW_AS)) {
            fail_span(p, peek(p)->span, "WITH RECURSIVE is not supported");
            leave(p);
            return NULL;
        }
        for (;;) {
            sb_cte *c = sb_arena_alloc(p->a, sizeof *c);
            c->span.start = peek(p)->span.start;
            if (!parse_ident(p, &c->name, "a name for the WITH query")) goto fail;
            if (peek(p)->kind == SB_TK_LPAREN && !query_starts_at(p, 1)) {
                if (!parse_ident_list(p, &c->column_aliases, "a column name")) goto fail;
            }
            accept_kw(p, SB_KW_AS);
            if (!expect(p, SB_TK_LPAREN, sb_arena_printf(p->a, "'(' and the query of %s",
                                                         c->name)))
                goto fail;
            c->query = parse_query(p);
            if (!c->query) goto fail;
            if (!expect(p, SB_TK_RPAREN, "')' to close the WITH query")) goto fail;
            c->span.end = prev_end(p);
            sb_vec_push(p->a, &ctes, c);
            if (!accept(p, SB_TK_COMMA)) break;
        }
    }
    sb_query *q = parse_set_level(p, false);
    if (!q) goto fail;
    if (ctes.len) {
        if (q->ctes.len) q = wrap_query(p, q);
        q->ctes = ctes;
    }
    /* ORDER BY / LIMIT / OFFSET on a parenthesized query that has its own:
     * combine them when the meaning stays, else wrap it in SELECT * FROM (q) */
    bool had_order = q->order_by.len > 0, had_limit = q->limit != NULL,
         had_offset = q->offset != NULL;
    if (is_kw(p, SB_KW_ORDER) && tok_kw(peekn(p, 1), SB_KW_BY)) {
        if (had_order || had_limit || had_offset) {
            q = wrap_query(p, q);
            had_order = had_limit = had_offset = false;
        }
        advance(p);
        advance(p);
        if (!parse_sort_list(p, &q->order_by)) goto fail;
    }
    if ((is_kw(p, SB_KW_SORT) || is_kw(p, SB_KW_CLUSTER) || is_kw(p, SB_KW_DISTRIBUTE)) &&
        tok_kw(peekn(p, 1), SB_KW_BY)) {
        fail_span(p, peek(p)->span, "%s BY is not supported: use ORDER BY or a repartition step",
                  peek(p)->text);
        goto fail;
    }
    if (is_kw(p, SB_KW_LIMIT)) {
        if (had_limit || had_offset) {
            q = wrap_query(p, q);
            had_order = had_limit = had_offset = false;
        }
        advance(p);
        if (!accept_kw(p, SB_KW_ALL)) {
            q->limit = parse_expr(p);
            if (!q->limit) goto fail;
        }
    }
    if (is_kw(p, SB_KW_OFFSET)) {
        if (had_limit || had_offset) q = wrap_query(p, q);
        advance(p);
        q->offset = parse_expr(p);
        if (!q->offset) goto fail;
    }
    q->span = (sb_span){first->span.start, prev_end(p)};
    leave(p);
    return q;
fail:
    leave(p);
    return NULL;
}

/* ---- tree depth ----------------------------------------------------- */

static bool depth_query(parser *p, const sb_query *q, int d);
static bool depth_expr(parser *p, const sb_expr *e, int d);

static bool too_deep(parser *p, sb_span span)
{
    fail_span(p, span, "expression nested too deeply (more than %d levels)", MAX_TREE_DEPTH);
    return false;
}

static bool depth_vec(parser *p, const sb_vec *v, int d)
{
    for (size_t i = 0; i < v->len; i++)
        if (!depth_expr(p, v->items[i], d)) return false;
    return true;
}

static bool depth_window(parser *p, const sb_window *w, int d)
{
    if (!w) return true;
    if (!depth_vec(p, &w->partition_by, d)) return false;
    for (size_t i = 0; i < w->order_by.len; i++)
        if (!depth_expr(p, ((sb_sort_key *)w->order_by.items[i])->expr, d)) return false;
    return depth_expr(p, w->start.offset, d) && depth_expr(p, w->end.offset, d);
}

static bool depth_expr(parser *p, const sb_expr *e, int d)
{
    if (!e) return true;
    if (d > MAX_TREE_DEPTH) return too_deep(p, e->span);
    d++;
    switch (e->kind) {
    case SB_E_UNARY: return depth_expr(p, e->u.unary.arg, d);
    case SB_E_BINARY:
        return depth_expr(p, e->u.binary.left, d) && depth_expr(p, e->u.binary.right, d);
    case SB_E_FUNC:
        return depth_vec(p, &e->u.func.args, d) && depth_expr(p, e->u.func.filter, d) &&
               depth_window(p, e->u.func.over, d);
    case SB_E_CASE:
        if (!depth_expr(p, e->u.kase.operand, d)) return false;
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            sb_when *w = e->u.kase.whens.items[i];
            if (!depth_expr(p, w->when, d) || !depth_expr(p, w->then, d)) return false;
        }
        return depth_expr(p, e->u.kase.otherwise, d);
    case SB_E_CAST: return depth_expr(p, e->u.cast.arg, d);
    case SB_E_IN:
        return depth_expr(p, e->u.in.arg, d) && depth_vec(p, &e->u.in.list, d) &&
               (!e->u.in.query || depth_query(p, e->u.in.query, d));
    case SB_E_BETWEEN:
        return depth_expr(p, e->u.between.arg, d) && depth_expr(p, e->u.between.low, d) &&
               depth_expr(p, e->u.between.high, d);
    case SB_E_LIKE: return depth_expr(p, e->u.like.arg, d) && depth_expr(p, e->u.like.pattern, d);
    case SB_E_IS: return depth_expr(p, e->u.is.arg, d);
    case SB_E_DISTINCT:
        return depth_expr(p, e->u.distinct.left, d) && depth_expr(p, e->u.distinct.right, d);
    case SB_E_SUBSCRIPT:
        return depth_expr(p, e->u.subscript.base, d) && depth_expr(p, e->u.subscript.index, d);
    case SB_E_FIELD: return depth_expr(p, e->u.field.base, d);
    case SB_E_LAMBDA: return depth_expr(p, e->u.lambda.body, d);
    case SB_E_SUBQUERY: return depth_query(p, e->u.subquery.query, d);
    default: return true;
    }
}

static bool depth_rel(parser *p, const sb_relation *r, int d)
{
    if (!r) return true;
    if (d > MAX_TREE_DEPTH) return too_deep(p, r->span);
    d++;
    switch (r->kind) {
    case SB_REL_SUBQUERY: return depth_query(p, r->u.subquery.query, d);
    case SB_REL_JOIN:
        return depth_rel(p, r->u.join.left, d) && depth_rel(p, r->u.join.right, d) &&
               depth_expr(p, r->u.join.on, d);
    case SB_REL_VALUES:
        for (size_t i = 0; i < r->u.values.rows.len; i++)
            if (!depth_vec(p, r->u.values.rows.items[i], d)) return false;
        return true;
    default: return true;
    }
}

static bool depth_query(parser *p, const sb_query *q, int d)
{
    if (!q) return true;
    if (d > MAX_TREE_DEPTH) return too_deep(p, q->span);
    d++;
    for (size_t i = 0; i < q->ctes.len; i++)
        if (!depth_query(p, ((sb_cte *)q->ctes.items[i])->query, d)) return false;
    if (q->kind == SB_Q_SETOP) {
        if (!depth_query(p, q->u.setop.left, d) || !depth_query(p, q->u.setop.right, d))
            return false;
    } else {
        for (size_t i = 0; i < q->u.select.items.len; i++)
            if (!depth_expr(p, ((sb_select_item *)q->u.select.items.items[i])->expr, d))
                return false;
        if (!depth_rel(p, q->u.select.from, d) || !depth_expr(p, q->u.select.where, d) ||
            !depth_vec(p, &q->u.select.group_by, d) || !depth_expr(p, q->u.select.having, d))
            return false;
        for (size_t i = 0; i < q->u.select.grouping_sets.len; i++)
            if (!depth_vec(p, q->u.select.grouping_sets.items[i], d)) return false;
        for (size_t i = 0; i < q->u.select.windows.len; i++)
            if (!depth_window(p, ((sb_named_window *)q->u.select.windows.items[i])->window, d))
                return false;
    }
    for (size_t i = 0; i < q->order_by.len; i++)
        if (!depth_expr(p, ((sb_sort_key *)q->order_by.items[i])->expr, d)) return false;
    return depth_expr(p, q->limit, d) && depth_expr(p, q->offset, d);
}

/* ---- entry points --------------------------------------------------- */

static void init(parser *p, sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    memset(p, 0, sizeof *p);
    p->a = a;
    p->d = d;
    p->src = text ? text : "";
    p->srclen = text ? len : 0;
    sb_diags_init(&p->lex_warnings, a);
    sb_token_list toks = sb_sql_lex(a, p->src, p->srclen, &p->lex_warnings);
    p->t = toks.items;
    p->n = toks.len;
    p->tried = sb_arena_alloc(a, p->n);
}

/* Hand over the lexer's warnings: all of them, or after a syntax error only
 * those before it (text after the error was never really read). */
static void flush_warnings(parser *p)
{
    for (size_t i = 0; i < sb_diags_count(&p->lex_warnings); i++) {
        sb_diag *w = sb_diags_at(&p->lex_warnings, i);
        if (p->failed && (!w->has_span || w->span.start >= p->error_at)) continue;
        sb_diag *c = sb_diags_add_span(p->d, w->severity, w->span, w->code, "%s", w->message);
        if (w->hint) sb_diag_set_hint(p->d, c, "%s", w->hint);
    }
}

static bool finish(parser *p, const char *what)
{
    if (p->failed) return false;
    if (peek(p)->kind != SB_TK_EOF) {
        sb_token *t = peek(p);
        if (t->kind == SB_TK_ERROR)
            fail_span(p, t->span, "%s", t->text);
        else
            fail_span(p, t->span, "unexpected %s after the end of the %s",
                      sb_sql_token_desc(p->a, t), what);
        return false;
    }
    return true;
}

sb_expr *sb_sql_parse_expr(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    parser p;
    init(&p, a, text, len, d);
    if (peek(&p)->kind == SB_TK_EOF) {
        fail_span(&p, peek(&p)->span, "empty expression");
        return NULL;
    }
    sb_expr *e = parse_expr(&p);
    if (e && finish(&p, "expression")) depth_expr(&p, e, 0);
    flush_warnings(&p);
    return p.failed ? NULL : e;
}

sb_query *sb_sql_parse_query(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    parser p;
    init(&p, a, text, len, d);
    if (peek(&p)->kind == SB_TK_EOF) {
        fail_span(&p, peek(&p)->span, "empty query");
        return NULL;
    }
    sb_query *q = parse_query(&p);
    if (q) {
        accept(&p, SB_TK_SEMI);
        if (finish(&p, "query")) depth_query(&p, q, 0);
    }
    flush_warnings(&p);
    return p.failed ? NULL : q;
}

sb_sort_key *sb_sql_parse_sort_key(sb_arena *a, const char *text, size_t len, sb_diags *d)
{
    parser p;
    init(&p, a, text, len, d);
    if (peek(&p)->kind == SB_TK_EOF) {
        fail_span(&p, peek(&p)->span, "empty sort key");
        return NULL;
    }
    sb_sort_key *k = parse_sort_item(&p);
    if (k && finish(&p, "sort key")) depth_expr(&p, k->expr, 0);
    flush_warnings(&p);
    return p.failed ? NULL : k;
}

/* Words that must be back-quoted to be read as names: Spark's ANSI reserved
 * words, its strict-non-reserved words (join keywords), and the words this
 * parser gives a meaning wherever they appear. The niladic functions
 * (current_date, user ...) are left out: written bare they are columns that
 * fall back to the function, which is what users mean. */
static const sb_kw RESERVED[] = {
    SB_KW_ALL, SB_KW_AND, SB_KW_ANTI, SB_KW_ANY, SB_KW_AS, SB_KW_AUTHORIZATION, SB_KW_BETWEEN,
    SB_KW_BOTH, SB_KW_CASE, SB_KW_CAST, SB_KW_CHECK, SB_KW_COLLATE, SB_KW_COLUMN, SB_KW_CONSTRAINT,
    SB_KW_CREATE, SB_KW_CROSS, SB_KW_DISTINCT, SB_KW_DIV, SB_KW_ELSE, SB_KW_END, SB_KW_ESCAPE,
    SB_KW_EXCEPT, SB_KW_FALSE, SB_KW_FETCH, SB_KW_FILTER, SB_KW_FOR, SB_KW_FOREIGN, SB_KW_FROM,
    SB_KW_FULL, SB_KW_GRANT, SB_KW_GROUP, SB_KW_HAVING, SB_KW_ILIKE, SB_KW_IN, SB_KW_INNER,
    SB_KW_INTERSECT, SB_KW_INTERVAL, SB_KW_INTO, SB_KW_IS, SB_KW_JOIN, SB_KW_LATERAL,
    SB_KW_LEADING, SB_KW_LEFT, SB_KW_LIKE, SB_KW_LIMIT, SB_KW_MINUS, SB_KW_NATURAL, SB_KW_NOT,
    SB_KW_NULL, SB_KW_OFFSET, SB_KW_ON, SB_KW_ONLY, SB_KW_OR, SB_KW_ORDER, SB_KW_OUTER,
    SB_KW_OVERLAPS, SB_KW_PRIMARY, SB_KW_REFERENCES, SB_KW_REGEXP, SB_KW_RIGHT, SB_KW_RLIKE,
    SB_KW_SELECT, SB_KW_SEMI, SB_KW_SETMINUS, SB_KW_SOME, SB_KW_TABLE, SB_KW_THEN, SB_KW_TIME,
    SB_KW_TO, SB_KW_TRAILING, SB_KW_TRUE, SB_KW_UNION, SB_KW_UNIQUE, SB_KW_UNKNOWN, SB_KW_USING,
    SB_KW_VALUES, SB_KW_WHEN, SB_KW_WHERE, SB_KW_WITH, SB_KW_NONE};

bool sb_sql_is_reserved(const char *name)
{
    if (!name) return false;
    sb_kw kw = sb_sql_keyword(name, strlen(name));
    for (size_t i = 0; kw != SB_KW_NONE && RESERVED[i] != SB_KW_NONE; i++)
        if (kw == RESERVED[i]) return true;
    return false;
}
