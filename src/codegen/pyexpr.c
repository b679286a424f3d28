/*
 * pyexpr.c — Spark SQL expressions as PySpark Column expressions.
 *
 * The DataFrame API builds the same Catalyst expressions as Spark SQL, and
 * the analyzer applies the same type coercion to both, so the translation is
 * structural: `a + b` is `F.col("a") + F.col("b")`, `CASE` is `F.when`,
 * `CAST` is `.cast`. What changes between the two is how *literals* get
 * their types, and that is where care is taken:
 *
 *   - Spark reads `1.5` as decimal(2,1); Python's 1.5 is a double. Decimal
 *     literals become `F.lit(Decimal("1.5"))`, which Spark types
 *     decimal(2,1) as well.
 *   - `1L`, `1S`, `1Y` and `1.5F` are cast to bigint, smallint, tinyint and
 *     float; `1D` and `1e3` are Python floats (doubles).
 *   - A literal on the left of an operator is wrapped in F.lit: Python would
 *     otherwise call the Column's reflected operator, which swaps the
 *     operands of + and *.
 *   - A string literal is never passed bare where pyspark expects a column:
 *     `F.upper("x")` would read the column x.
 *   - `${var}` becomes F.lit(config.var), cast to the declared type where
 *     Python's value would be typed otherwise (Decimal("1000") is
 *     decimal(4,0); a variable declared decimal(10,2) gets .cast).
 *
 * Python's operator precedence differs from SQL's (`&` binds tighter than
 * `==`), so expressions are built as pyx trees and parenthesized by Python's
 * rules when emitted. F.expr is used only for what pyspark has no API for
 * (intervals, lambdas, FILTER clauses, DISTINCT aggregates other than count
 * and sum, LIKE ... ESCAPE), with the expression printed back as Spark SQL.
 */
#include "codegen/codegen_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pyx construction ------------------------------------------------ */

static pyx *pyx_new(sb_arena *a, pyx_kind k)
{
    pyx *x = sb_arena_alloc(a, sizeof(*x));
    x->kind = k;
    return x;
}

pyx *pyx_name(sb_arena *a, const char *text)
{
    pyx *x = pyx_new(a, PX_NAME);
    x->text = text;
    return x;
}

pyx *pyx_strn(sb_arena *a, const char *text, size_t len)
{
    pyx *x = pyx_new(a, PX_STR);
    x->text = py_str_literal(a, text, len, "");
    return x;
}

pyx *pyx_str(sb_arena *a, const char *text)
{
    return pyx_strn(a, text, strlen(text));
}

pyx *pyx_attr(sb_arena *a, pyx *base, const char *name)
{
    pyx *x = pyx_new(a, PX_ATTR);
    x->a = base;
    x->text = name;
    return x;
}

pyx *pyx_call(sb_arena *a, pyx *fn, size_t nargs)
{
    pyx *x = pyx_new(a, PX_CALL);
    x->a = fn;
    (void)nargs;
    return x;
}

void pyx_arg(sb_arena *a, pyx *call, const char *kw, pyx *v)
{
    size_t n = call->nargs;
    call->args = sb_arena_realloc(a, call->args, n * sizeof(pyx *), (n + 1) * sizeof(pyx *));
    call->kw = sb_arena_realloc(a, call->kw, n * sizeof(char *), (n + 1) * sizeof(char *));
    call->args[n] = v;
    call->kw[n] = kw;
    call->nargs = n + 1;
}

pyx *pyx_call0(sb_arena *a, pyx *fn)
{
    return pyx_call(a, fn, 0);
}

pyx *pyx_call1(sb_arena *a, pyx *fn, pyx *v)
{
    pyx *c = pyx_call(a, fn, 1);
    pyx_arg(a, c, NULL, v);
    return c;
}

pyx *pyx_call2(sb_arena *a, pyx *fn, pyx *v, pyx *w)
{
    pyx *c = pyx_call(a, fn, 2);
    pyx_arg(a, c, NULL, v);
    pyx_arg(a, c, NULL, w);
    return c;
}

pyx *pyx_method(sb_arena *a, pyx *base, const char *name, size_t nargs)
{
    return pyx_call(a, pyx_attr(a, base, name), nargs);
}

pyx *pyx_bin(sb_arena *a, const char *op, pyx *l, pyx *r)
{
    pyx *x = pyx_new(a, PX_BIN);
    x->text = op;
    x->a = l;
    x->b = r;
    return x;
}

pyx *pyx_unary(sb_arena *a, const char *op, pyx *v)
{
    pyx *x = pyx_new(a, PX_UNARY);
    x->text = op;
    x->a = v;
    return x;
}

pyx *pyx_list(sb_arena *a, pyx_kind kind, size_t n)
{
    (void)n;
    return pyx_new(a, kind);
}

pyx *pyx_f(sb_arena *a, const char *name)
{
    return pyx_attr(a, pyx_name(a, "F"), name);
}

/* ---- emitting pyx as tokens ----------------------------------------- */

static int prec(const pyx *x)
{
    switch (x->kind) {
    case PX_BIN: {
        const char *op = x->text;
        if (!strcmp(op, "**")) return 14;
        if (!strcmp(op, "*") || !strcmp(op, "/") || !strcmp(op, "//") || !strcmp(op, "%")) return 12;
        if (!strcmp(op, "+") || !strcmp(op, "-")) return 11;
        if (!strcmp(op, "<<") || !strcmp(op, ">>")) return 10;
        if (!strcmp(op, "&")) return 9;
        if (!strcmp(op, "^")) return 8;
        if (!strcmp(op, "|")) return 7;
        if (!strcmp(op, "and")) return 4;
        if (!strcmp(op, "or")) return 3;
        return 6; /* comparisons */
    }
    case PX_UNARY: return !strcmp(x->text, "not") ? 5 : 13;
    case PX_LAMBDA: return 1;
    case PX_NAME:
        /* a negative number literal is a unary expression to Python */
        return x->text[0] == '-' ? 13 : 16;
    default: return 16;
    }
}

static void emit(py_stmt *s, const pyx *x);

static void emit_paren(py_stmt *s, const pyx *x, bool paren)
{
    if (paren) py_tok_add(s, PY_LPAR, "(", PYF_ATOM);
    emit(s, x);
    if (paren) py_tok_add(s, PY_RPAR, ")", 0);
}

static void emit_items(py_stmt *s, pyx *const *items, const char *const *kw, size_t n, bool trailing,
                       unsigned comma_flags)
{
    for (size_t i = 0; i < n; i++) {
        if (i) py_tok_add(s, PY_COMMA, ",", comma_flags);
        if (kw && kw[i]) {
            if (!strcmp(kw[i], "**")) {
                py_tok_add(s, PY_OP, "**", PYF_UNARY);
            } else {
                py_name(s, kw[i]);
                py_tok_add(s, PY_EQUAL, "=", PYF_KWARG);
            }
        }
        emit(s, items[i]);
    }
    if (trailing && n) py_tok_add(s, PY_COMMA, ",", comma_flags);
}

static void emit(py_stmt *s, const pyx *x)
{
    switch (x->kind) {
    case PX_NAME:
        if (x->text[0] == '-') {
            py_tok_add(s, PY_OP, "-", PYF_UNARY);
            py_tok_add(s, PY_NUMBER, x->text + 1, 0);
        } else {
            py_tok_add(s, isdigit((unsigned char)x->text[0]) || x->text[0] == '.' ? PY_NUMBER : PY_NAME,
                       x->text, 0);
        }
        return;
    case PX_STR: py_tok_add(s, PY_STRING, x->text, 0); return;
    case PX_ATTR:
        emit_paren(s, x->a, prec(x->a) < 16);
        py_tok_add(s, PY_DOT, ".", 0);
        py_name(s, x->text);
        return;
    case PX_CALL:
        emit_paren(s, x->a, prec(x->a) < 16);
        py_tok_add(s, PY_LPAR, "(", 0);
        emit_items(s, x->args, x->kw, x->nargs, x->magic_comma, PYF_ARGS);
        py_tok_add(s, PY_RPAR, ")", 0);
        return;
    case PX_SUB:
        emit_paren(s, x->a, prec(x->a) < 16);
        py_tok_add(s, PY_LSQB, "[", PYF_SUBSCRIPT);
        emit(s, x->b);
        py_tok_add(s, PY_RSQB, "]", 0);
        return;
    case PX_BIN: {
        int p = prec(x);
        bool cmp = p == 6;
        emit_paren(s, x->a, prec(x->a) < p || (cmp && prec(x->a) == p));
        if (!strcmp(x->text, "and") || !strcmp(x->text, "or"))
            py_kw(s, x->text);
        else
            py_tok_add(s, PY_OP, x->text, 0);
        emit_paren(s, x->b, prec(x->b) <= p);
        return;
    }
    case PX_UNARY:
        if (!strcmp(x->text, "not"))
            py_tok_add(s, PY_KEYWORD, "not", PYF_UNARY);
        else
            py_tok_add(s, PY_OP, x->text, PYF_UNARY);
        emit_paren(s, x->a, prec(x->a) < prec(x));
        return;
    case PX_LIST:
        py_tok_add(s, PY_LSQB, "[", PYF_ATOM);
        emit_items(s, x->args, NULL, x->nargs, x->magic_comma, 0);
        py_tok_add(s, PY_RSQB, "]", 0);
        return;
    case PX_TUPLE:
        py_tok_add(s, PY_LPAR, "(", PYF_ATOM);
        emit_items(s, x->args, NULL, x->nargs, x->magic_comma || x->nargs == 1, 0);
        py_tok_add(s, PY_RPAR, ")", 0);
        return;
    case PX_DICT:
        py_tok_add(s, PY_LBRACE, "{", PYF_ATOM);
        for (size_t i = 0; i + 1 < x->nargs; i += 2) {
            if (i) py_tok_add(s, PY_COMMA, ",", 0);
            emit(s, x->args[i]);
            py_tok_add(s, PY_COLON, ":", 0);
            emit(s, x->args[i + 1]);
        }
        if (x->magic_comma && x->nargs) py_tok_add(s, PY_COMMA, ",", 0);
        py_tok_add(s, PY_RBRACE, "}", 0);
        return;
    case PX_LAMBDA:
        /* The parameter list is one token: black never splits it either. */
        py_kw(s, "lambda");
        py_name(s, x->text);
        py_tok_add(s, PY_COLON, ":", 0);
        emit(s, x->a);
        return;
    }
}

void pyx_emit(py_stmt *s, const pyx *x)
{
    emit(s, x);
}

/* ---- helpers ------------------------------------------------------- */

static void fail(px_ctx *c, const char *fmt, ...) SB_PRINTF(2, 3);

static void fail(px_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(c->a, fmt, ap);
    va_end(ap);
    gen_error(c->d, c->pl, c->gem, NULL, "codegen-unsupported", "%s", msg);
    c->failed = true;
}

const char *px_col_ref_text(sb_arena *a, const char *qualifier, const char *name)
{
    sb_buf b = SB_BUF_INIT;
    if (qualifier) sb_buf_printf(&b, "%s.", qualifier);
    /* F.col splits names at dots; a name holding a dot or a backquote is
     * back-quoted (backquotes doubled). */
    if (strchr(name, '.') || strchr(name, '`')) {
        sb_buf_putc(&b, '`');
        for (const char *p = name; *p; p++) {
            if (*p == '`') sb_buf_putc(&b, '`');
            sb_buf_putc(&b, *p);
        }
        sb_buf_putc(&b, '`');
    } else {
        sb_buf_puts(&b, name);
    }
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

pyx *px_col(px_ctx *c, const char *qualifier, const char *name)
{
    c->imp->F = true;
    return pyx_call1(c->a, pyx_f(c->a, "col"), pyx_str(c->a, px_col_ref_text(c->a, qualifier, name)));
}

static pyx *lit(px_ctx *c, pyx *v)
{
    c->imp->F = true;
    return pyx_call1(c->a, pyx_f(c->a, "lit"), v);
}

static pyx *cast(px_ctx *c, pyx *v, const sb_type *t)
{
    pyx *call = pyx_method(c->a, v, "cast", 1);
    pyx_arg(c->a, call, NULL, pyx_str(c->a, sb_type_str(c->a, t)));
    return call;
}

static pyx *cast_name(px_ctx *c, pyx *v, const char *tname)
{
    pyx *call = pyx_method(c->a, v, "cast", 1);
    pyx_arg(c->a, call, NULL, pyx_str(c->a, tname));
    return call;
}

/* Python float text for a numeric literal's digits ("1e3", "1.5", "2"). */
static const char *py_float_text(sb_arena *a, const char *text)
{
    sb_buf b = SB_BUF_INIT;
    const char *p = text;
    if (*p == '.') sb_buf_putc(&b, '0');
    bool has_point_or_exp = false;
    for (; *p; p++) {
        char ch = *p;
        if (ch == 'E') ch = 'e';
        if (ch == '.' || ch == 'e') has_point_or_exp = true;
        if (ch == 'e' && p[1] == '+') {
            sb_buf_putc(&b, 'e');
            p++;
            continue;
        }
        if (ch == '.' && !isdigit((unsigned char)p[1])) {
            sb_buf_puts(&b, ".0");
            continue;
        }
        sb_buf_putc(&b, ch);
    }
    if (!has_point_or_exp) sb_buf_puts(&b, ".0");
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

/* Integer digits without leading zeros (Python rejects 007). */
static const char *py_int_text(sb_arena *a, const char *text)
{
    const char *p = text;
    while (*p == '0' && p[1]) p++;
    return sb_arena_strdup(a, p);
}

/* Year, month and day of "YYYY-MM-DD", or false. */
static bool parse_date(const char *s, int *y, int *m, int *d)
{
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", y, m, d, &n) != 3 || n != 10 || s[10]) return false;
    return *y >= 1600 && *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

static pyx *date_value(px_ctx *c, int y, int m, int d)
{
    c->imp->datetime = true;
    pyx *call = pyx_call(c->a, pyx_attr(c->a, pyx_name(c->a, "datetime"), "date"), 3);
    pyx_arg(c->a, call, NULL, pyx_name(c->a, sb_arena_printf(c->a, "%d", y)));
    pyx_arg(c->a, call, NULL, pyx_name(c->a, sb_arena_printf(c->a, "%d", m)));
    pyx_arg(c->a, call, NULL, pyx_name(c->a, sb_arena_printf(c->a, "%d", d)));
    return call;
}

/* A decimal's Python value: Decimal(1000) for whole numbers (linters ask for
 * that), Decimal("1.50") otherwise (the text keeps the scale). */
pyx *py_decimal(sb_arena *a, pyx *fn, const char *text, size_t len)
{
    size_t i = 0;
    if (i < len && (text[i] == '-' || text[i] == '+')) i++;
    bool whole = i < len;
    for (size_t k = i; k < len; k++)
        if (!isdigit((unsigned char)text[k])) whole = false;
    if (whole) {
        const char *digits = py_int_text(a, sb_arena_strndup(a, text + i, len - i));
        const char *v = text[0] == '-' && strcmp(digits, "0") ? sb_arena_printf(a, "-%s", digits) : digits;
        return pyx_call1(a, fn, pyx_name(a, v));
    }
    return pyx_call1(a, fn, pyx_strn(a, text, len));
}

static pyx *decimal_value(px_ctx *c, const char *text, size_t len)
{
    c->imp->Decimal = true;
    return py_decimal(c->a, pyx_name(c->a, "Decimal"), text, len);
}

static bool is_literal(const sb_expr *e, sb_literal_kind k)
{
    return e && e->kind == SB_E_LITERAL && e->u.lit.kind == k;
}

/* A negative numeric literal written as -<literal>. */
static bool is_negated_number(const sb_expr *e)
{
    return e && e->kind == SB_E_UNARY && e->u.unary.op == SB_OP_NEG &&
           e->u.unary.arg->kind == SB_E_LITERAL &&
           (e->u.unary.arg->u.lit.kind == SB_LIT_INTEGER || e->u.unary.arg->u.lit.kind == SB_LIT_DECIMAL ||
            e->u.unary.arg->u.lit.kind == SB_LIT_DOUBLE);
}

/* The Python int for an int-typed integer literal (or its negation), else NULL. */
static pyx *py_int_literal(px_ctx *c, const sb_expr *e)
{
    bool neg = false;
    if (is_negated_number(e)) {
        neg = true;
        e = e->u.unary.arg;
    }
    if (!is_literal(e, SB_LIT_INTEGER) || !e->u.lit.type || e->u.lit.type->kind != SB_T_INT) return NULL;
    const char *digits = py_int_text(c->a, e->u.lit.text);
    return pyx_name(c->a, neg ? sb_arena_printf(c->a, "-%s", digits) : digits);
}

/* Any integral literal as a Python int (for parameters typed int). */
static pyx *py_any_int(px_ctx *c, const sb_expr *e)
{
    bool neg = false;
    if (is_negated_number(e)) {
        neg = true;
        e = e->u.unary.arg;
    }
    if (!is_literal(e, SB_LIT_INTEGER) || !e->u.lit.type || !sb_type_is_integral(e->u.lit.type))
        return NULL;
    const char *digits = py_int_text(c->a, e->u.lit.text);
    return pyx_name(c->a, neg ? sb_arena_printf(c->a, "-%s", digits) : digits);
}

static pyx *py_float_literal(px_ctx *c, const sb_expr *e)
{
    bool neg = false;
    if (is_negated_number(e)) {
        neg = true;
        e = e->u.unary.arg;
    }
    if (!e || e->kind != SB_E_LITERAL) return NULL;
    sb_literal_kind k = e->u.lit.kind;
    if (k != SB_LIT_INTEGER && k != SB_LIT_DECIMAL && k != SB_LIT_DOUBLE && k != SB_LIT_FLOAT)
        return NULL;
    const char *t = py_float_text(c->a, e->u.lit.text);
    return pyx_name(c->a, neg ? sb_arena_printf(c->a, "-%s", t) : t);
}

static pyx *py_str_lit(px_ctx *c, const sb_expr *e)
{
    if (!is_literal(e, SB_LIT_STRING)) return NULL;
    return pyx_strn(c->a, e->u.lit.text, e->u.lit.len);
}

static pyx *py_bool_lit(px_ctx *c, const sb_expr *e)
{
    if (!is_literal(e, SB_LIT_BOOLEAN)) return NULL;
    return pyx_name(c->a, e->u.lit.boolean ? "True" : "False");
}

/* A Python value that pyspark turns into the same literal Spark SQL has:
 * str, int (int-typed), bool, None. NULL when there is none. */
static pyx *py_bare(px_ctx *c, const sb_expr *e, bool allow_bool_none)
{
    pyx *x = py_str_lit(c, e);
    if (!x) x = py_int_literal(c, e);
    if (!x && allow_bool_none) x = py_bool_lit(c, e);
    if (!x && allow_bool_none && is_literal(e, SB_LIT_NULL)) x = pyx_name(c->a, "None");
    return x;
}

/* A decimal or double literal (or its negation) as the plain Python value
 * pyspark turns into the same Spark literal: Decimal("-1.0") is
 * decimal(2,1), -1.5e0 a double. NULL for anything else. */
static pyx *py_number_value(px_ctx *c, const sb_expr *e)
{
    bool neg = is_negated_number(e);
    const sb_expr *l = neg ? e->u.unary.arg : e;
    if (!l || l->kind != SB_E_LITERAL) return NULL;
    const char *text = l->u.lit.text ? l->u.lit.text : "";
    if (l->u.lit.kind == SB_LIT_DECIMAL) {
        const char *t = neg ? sb_arena_printf(c->a, "-%s", text) : text;
        return decimal_value(c, t, strlen(t));
    }
    if (l->u.lit.kind == SB_LIT_DOUBLE) {
        const char *t = py_float_text(c->a, text);
        return pyx_name(c->a, neg ? sb_arena_printf(c->a, "-%s", t) : t);
    }
    return NULL;
}

static bool contains_config(const sb_expr *e);

static bool vec_contains_config(const sb_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (contains_config(v->items[i])) return true;
    return false;
}

static bool contains_config(const sb_expr *e)
{
    if (!e) return false;
    switch (e->kind) {
    case SB_E_CONFIG: return true;
    case SB_E_UNARY: return contains_config(e->u.unary.arg);
    case SB_E_BINARY: return contains_config(e->u.binary.left) || contains_config(e->u.binary.right);
    case SB_E_FUNC:
        if (vec_contains_config(&e->u.func.args) || contains_config(e->u.func.filter)) return true;
        if (e->u.func.over) {
            if (vec_contains_config(&e->u.func.over->partition_by)) return true;
            for (size_t i = 0; i < e->u.func.over->order_by.len; i++)
                if (contains_config(((sb_sort_key *)e->u.func.over->order_by.items[i])->expr))
                    return true;
        }
        return false;
    case SB_E_CASE:
        if (contains_config(e->u.kase.operand) || contains_config(e->u.kase.otherwise)) return true;
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            sb_when *w = e->u.kase.whens.items[i];
            if (contains_config(w->when) || contains_config(w->then)) return true;
        }
        return false;
    case SB_E_CAST: return contains_config(e->u.cast.arg);
    case SB_E_IN: return contains_config(e->u.in.arg) || vec_contains_config(&e->u.in.list);
    case SB_E_BETWEEN:
        return contains_config(e->u.between.arg) || contains_config(e->u.between.low) ||
               contains_config(e->u.between.high);
    case SB_E_LIKE: return contains_config(e->u.like.arg) || contains_config(e->u.like.pattern);
    case SB_E_IS: return contains_config(e->u.is.arg);
    case SB_E_DISTINCT: return contains_config(e->u.distinct.left) || contains_config(e->u.distinct.right);
    case SB_E_SUBSCRIPT: return contains_config(e->u.subscript.base) || contains_config(e->u.subscript.index);
    case SB_E_FIELD: return contains_config(e->u.field.base);
    case SB_E_LAMBDA: return contains_config(e->u.lambda.body);
    default: return false;
    }
}

/* F.expr("<the expression as Spark SQL>") for what pyspark cannot say. */
static pyx *fallback_expr(px_ctx *c, const sb_expr *e, const char *what)
{
    c->fallbacks++;
    if (contains_config(e)) {
        fail(c, "cannot generate %s that uses a ${variable} in PySpark; compute the variable's "
                "part in a separate column first",
             what);
        return pyx_name(c->a, "None");
    }
    sb_buf b = SB_BUF_INIT;
    sb_sql_print_expr(&b, e);
    pyx *x = pyx_call1(c->a, pyx_f(c->a, "expr"), pyx_strn(c->a, b.data ? b.data : "", b.len));
    sb_buf_free(&b);
    c->imp->F = true;
    return x;
}

/* ---- config variables ---------------------------------------------- */

pyx *px_config_ref(px_ctx *c, const char *name)
{
    const sb_config_var *v = c->p ? sb_project_var(c->p, name) : NULL;
    pyx *value = lit(c, pyx_attr(c->a, pyx_name(c->a, "config"), name));
    if (!v || !v->type) return value;
    /* Python values pyspark types the same way as the declared type need
     * no cast: int, float (double), str, bool, date, datetime. */
    switch (v->type->kind) {
    case SB_T_INT:
    case SB_T_DOUBLE:
    case SB_T_STRING:
    case SB_T_BOOLEAN:
    case SB_T_DATE:
    case SB_T_TIMESTAMP: return value;
    default: return cast(c, value, v->type);
    }
}

/* ---- literals ---------------------------------------------------- */

static pyx *literal(px_ctx *c, const sb_expr *e)
{
    sb_arena *a = c->a;
    const char *text = e->u.lit.text ? e->u.lit.text : "";
    switch (e->u.lit.kind) {
    case SB_LIT_NULL: return lit(c, pyx_name(a, "None"));
    case SB_LIT_BOOLEAN: return lit(c, pyx_name(a, e->u.lit.boolean ? "True" : "False"));
    case SB_LIT_INTEGER: {
        const sb_type *t = e->u.lit.type ? e->u.lit.type : e->type;
        const char *digits = py_int_text(a, text);
        if (!t || t->kind == SB_T_INT) return lit(c, pyx_name(a, digits));
        if (t->kind == SB_T_DECIMAL) return lit(c, decimal_value(c, digits, strlen(digits)));
        /* Python ints beyond int's range are bigints to pyspark already. */
        if (t->kind == SB_T_LONG) {
            long long v = strtoll(digits, NULL, 10);
            if (v > 2147483647LL || v < -2147483648LL) return lit(c, pyx_name(a, digits));
        }
        return cast(c, lit(c, pyx_name(a, digits)), t);
    }
    case SB_LIT_DECIMAL: return lit(c, decimal_value(c, text, strlen(text)));
    case SB_LIT_DOUBLE: return lit(c, pyx_name(a, py_float_text(a, text)));
    case SB_LIT_FLOAT: return cast_name(c, lit(c, pyx_name(a, py_float_text(a, text))), "float");
    case SB_LIT_STRING: return lit(c, pyx_strn(a, text, e->u.lit.len));
    case SB_LIT_DATE: {
        int y, m, d;
        if (parse_date(text, &y, &m, &d)) return lit(c, date_value(c, y, m, d));
        return cast_name(c, lit(c, pyx_str(a, text)), "date");
    }
    /* Spark reads timestamp literals in the session time zone, as a cast of
     * the text does; a Python datetime would use the driver's zone. */
    case SB_LIT_TIMESTAMP: return cast_name(c, lit(c, pyx_str(a, text)), "timestamp");
    case SB_LIT_TIMESTAMP_NTZ: return cast_name(c, lit(c, pyx_str(a, text)), "timestamp_ntz");
    case SB_LIT_BINARY:
    case SB_LIT_INTERVAL: return fallback_expr(c, e, "this literal");
    }
    return fallback_expr(c, e, "this literal");
}

/* An operand on the right of a Column operator: str and int literals may
 * stay plain Python values there. */
static pyx *operand_right(px_ctx *c, const sb_expr *e)
{
    pyx *x = py_bare(c, e, false);
    return x ? x : px_expr(c, e);
}

/* ---- columns ------------------------------------------------------- */

static pyx *column(px_ctx *c, const sb_expr *e)
{
    const char *const *parts = e->u.column.parts;
    size_t n = e->u.column.nparts, used = e->u.column.used_parts;
    if (e->u.column.rel < 0 && used == 0) {
        /* current_date and friends written without parentheses */
        return pyx_call0(c->a, pyx_f(c->a, parts[0]));
    }
    if (e->u.column.rel < 0) {
        /* A lambda parameter (innermost first, case-insensitive as in Spark),
         * then struct fields of it. */
        for (const px_lambda_var *v = c->lambdas; v; v = v->up) {
            if (!sb_str_ieq(v->sql, parts[0])) continue;
            pyx *x = pyx_name(c->a, v->py);
            for (size_t i = 1; i < n; i++) {
                pyx *sub = pyx_list(c->a, PX_SUB, 0);
                sub->a = x;
                sub->b = pyx_str(c->a, parts[i]);
                x = sub;
            }
            return x;
        }
        return fallback_expr(c, e, "a lambda variable");
    }
    const char *qualifier = NULL;
    size_t first = 0;
    if (used == 2) {
        first = 1;
        if (c->qualified) {
            /* Inputs are aliased in0, in1, ... (lower case). */
            char *q = sb_arena_strdup(c->a, parts[0]);
            for (char *p = q; *p; p++) *p = (char)tolower((unsigned char)*p);
            qualifier = q;
        }
    }
    /* Struct fields after the column: a.b.c reads field b then c, as in SQL. */
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b, px_col_ref_text(c->a, qualifier, parts[first]));
    for (size_t i = first + 1; i < n; i++) {
        sb_buf_putc(&b, '.');
        sb_buf_puts(&b, px_col_ref_text(c->a, NULL, parts[i]));
    }
    c->imp->F = true;
    pyx *x = pyx_call1(c->a, pyx_f(c->a, "col"), pyx_str(c->a, sb_buf_str(&b)));
    sb_buf_free(&b);
    return x;
}

/* ---- operators ----------------------------------------------------- */

static pyx *binary(px_ctx *c, const sb_expr *e)
{
    sb_arena *a = c->a;
    const sb_expr *l = e->u.binary.left, *r = e->u.binary.right;
    const char *op = NULL;
    switch (e->u.binary.op) {
    case SB_OP_ADD: op = "+"; break;
    case SB_OP_SUB: op = "-"; break;
    case SB_OP_MUL: op = "*"; break;
    case SB_OP_DIV: op = "/"; break;
    case SB_OP_MOD: op = "%"; break;
    case SB_OP_EQ: op = "=="; break;
    case SB_OP_NE: op = "!="; break;
    case SB_OP_LT: op = "<"; break;
    case SB_OP_LE: op = "<="; break;
    case SB_OP_GT: op = ">"; break;
    case SB_OP_GE: op = ">="; break;
    case SB_OP_AND: op = "&"; break;
    case SB_OP_OR: op = "|"; break;
    case SB_OP_INTDIV: {
        /* no Column operator for DIV: the function of that name */
        pyx *call = pyx_call(a, pyx_f(a, "call_function"), 0);
        pyx_arg(a, call, NULL, pyx_str(a, "div"));
        pyx_arg(a, call, NULL, px_expr(c, l));
        pyx_arg(a, call, NULL, px_expr(c, r));
        return call;
    }
    case SB_OP_CONCAT: {
        /* a || b || c is one concat of three. */
        pyx *call = pyx_call(a, pyx_f(a, "concat"), 0);
        const sb_expr *stack[64];
        size_t n = 0;
        const sb_expr *cur = e;
        while (cur->kind == SB_E_BINARY && cur->u.binary.op == SB_OP_CONCAT && n < 63) {
            stack[n++] = cur->u.binary.right;
            cur = cur->u.binary.left;
        }
        pyx_arg(a, call, NULL, px_expr(c, cur));
        while (n) pyx_arg(a, call, NULL, px_expr(c, stack[--n]));
        return call;
    }
    case SB_OP_NSEQ: {
        pyx *m = pyx_method(a, px_expr(c, l), "eqNullSafe", 1);
        pyx_arg(a, m, NULL, px_expr(c, r));
        return m;
    }
    case SB_OP_BITAND:
    case SB_OP_BITOR:
    case SB_OP_BITXOR: {
        const char *name = e->u.binary.op == SB_OP_BITAND  ? "bitwiseAND"
                           : e->u.binary.op == SB_OP_BITOR ? "bitwiseOR"
                                                           : "bitwiseXOR";
        pyx *m = pyx_method(a, px_expr(c, l), name, 1);
        pyx_arg(a, m, NULL, operand_right(c, r));
        return m;
    }
    }
    /* Comparisons with True/None would read as `== True` (flagged by
     * linters); literals of those kinds go through F.lit. */
    return pyx_bin(a, op, px_expr(c, l), operand_right(c, r));
}

/* ---- function calls ------------------------------------------------- */

static const sb_expr *arg_at(const sb_expr *e, size_t i)
{
    return e->u.func.args.items[i];
}

/* F.call_function("name", cols...): any built-in function by name, with
 * Columns, resolved exactly as the SQL call (pyspark 3.5+). */
static pyx *call_by_name(px_ctx *c, const sb_expr *e, const char *name)
{
    pyx *call = pyx_call(c->a, pyx_f(c->a, "call_function"), 0);
    pyx_arg(c->a, call, NULL, pyx_str(c->a, name));
    for (size_t i = 0; i < e->u.func.args.len; i++) pyx_arg(c->a, call, NULL, px_expr(c, arg_at(e, i)));
    c->imp->F = true;
    return call;
}

/* Arguments by the codes of a py_func_conv; false when one does not fit. */
static bool convert_args(px_ctx *c, const sb_expr *e, const char *codes, pyx *call)
{
    size_t n = e->u.func.args.len, ncodes = strlen(codes);
    for (size_t i = 0; i < n; i++) {
        char code;
        if (i < ncodes)
            code = codes[i];
        else if (ncodes && isupper((unsigned char)codes[ncodes - 1]))
            code = codes[ncodes - 1];
        else
            return false; /* more arguments than pyspark takes */
        code = (char)tolower((unsigned char)code);
        const sb_expr *arg = arg_at(e, i);
        if (arg->kind == SB_E_STAR) return false;
        pyx *x = NULL;
        switch (code) {
        case 'c': x = px_expr(c, arg); break;
        case 's': x = py_str_lit(c, arg); break;
        case 'i': x = py_any_int(c, arg); break;
        case 'f': x = py_float_literal(c, arg); break;
        case 'b': x = py_bool_lit(c, arg); break;
        case 'n':
            x = py_int_literal(c, arg);
            if (!x) x = px_expr(c, arg);
            break;
        case 'p':
            x = py_str_lit(c, arg);
            if (!x) x = px_expr(c, arg);
            break;
        case 'a':
            x = py_bare(c, arg, true);
            if (!x) x = py_number_value(c, arg);
            if (!x) x = px_expr(c, arg);
            break;
        default: return false;
        }
        if (!x) return false;
        pyx_arg(c->a, call, NULL, x);
    }
    return true;
}

static pyx *window_spec(px_ctx *c, const sb_window *w);

/* ---- higher-order functions ------------------------------------------ */

static bool is_py_keyword(const char *s)
{
    static const char *const KW[] = {
        "False", "None",  "True",  "and",    "as",       "assert", "async",  "await",
        "break", "class", "continue", "def", "del",      "elif",   "else",   "except",
        "finally", "for", "from",  "global", "if",       "import", "in",     "is",
        "lambda", "nonlocal", "not", "or",   "pass",     "raise",  "return", "try",
        "while", "with",  "yield",
        /* names the generated module itself uses */
        "F", "Window", "Decimal", "datetime", "config", "spark", "df"};
    for (size_t i = 0; i < SB_COUNTOF(KW); i++)
        if (!strcmp(s, KW[i])) return true;
    return false;
}

/* A Python identifier for a lambda parameter written `sql`. */
static const char *lambda_param_name(sb_arena *a, const char *sql, size_t index)
{
    size_t n = strlen(sql);
    char *py = sb_arena_alloc(a, n + 2);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)sql[i];
        py[k++] = (char)(isalnum(ch) && ch < 128 ? ch : '_');
    }
    py[k] = 0;
    if (!k || isdigit((unsigned char)py[0])) return sb_arena_printf(a, "v%zu_%s", index, py);
    if (is_py_keyword(py)) return sb_arena_printf(a, "%s_", py);
    return py;
}

/* The PySpark functions that take Python lambdas, with the number of
 * parameters each lambda argument may have (a bit per count). */
static const struct {
    const char *name;
    unsigned arity[4]; /* per argument: bit k set when k parameters are accepted */
} HOF[] = {
    {"transform", {0, 1u << 1 | 1u << 2}},
    {"filter", {0, 1u << 1 | 1u << 2}},
    {"exists", {0, 1u << 1}},
    {"forall", {0, 1u << 1}},
    {"aggregate", {0, 0, 1u << 2, 1u << 1}},
    {"reduce", {0, 0, 1u << 2, 1u << 1}},
    {"zip_with", {0, 0, 1u << 2}},
    {"transform_keys", {0, 1u << 2}},
    {"transform_values", {0, 1u << 2}},
    {"map_filter", {0, 1u << 2}},
    {"map_zip_with", {0, 0, 1u << 3}},
    {"array_sort", {0, 1u << 2}},
};

static pyx *lambda_fn(px_ctx *c, const sb_expr *l)
{
    size_t np = l->u.lambda.nparams;
    px_lambda_var *vars = sb_arena_alloc(c->a, (np ? np : 1) * sizeof *vars);
    const px_lambda_var *saved = c->lambdas;
    sb_buf params = SB_BUF_INIT;
    for (size_t i = 0; i < np; i++) {
        vars[i].sql = l->u.lambda.params[i];
        vars[i].py = lambda_param_name(c->a, vars[i].sql, i);
        /* two parameters that read the same in Python get their position */
        for (size_t j = 0; j < i; j++)
            if (!strcmp(vars[j].py, vars[i].py))
                vars[i].py = sb_arena_printf(c->a, "%s_%zu", vars[i].py, i);
        vars[i].up = c->lambdas;
        c->lambdas = &vars[i];
        sb_buf_printf(&params, "%s%s", i ? ", " : "", vars[i].py);
    }
    pyx *fn = pyx_list(c->a, PX_LAMBDA, 0);
    fn->text = sb_arena_strdup(c->a, sb_buf_str(&params));
    sb_buf_free(&params);
    fn->a = px_expr(c, l->u.lambda.body);
    c->lambdas = saved;
    return fn;
}

/* F.transform(F.col("xs"), lambda x: x + 1) and friends, or NULL when the
 * call has no direct PySpark form (then it stays Spark SQL in F.expr: a
 * lambda body cannot mix Python lambdas with F.expr text). */
static pyx *higher_order(px_ctx *c, const sb_expr *e, const char *name)
{
    size_t k = 0, n = e->u.func.args.len;
    while (k < SB_COUNTOF(HOF) && strcmp(HOF[k].name, name)) k++;
    if (k == SB_COUNTOF(HOF) || n > 4 || e->u.func.over) return NULL;
    int before = c->fallbacks;
    pyx *call = pyx_call(c->a, pyx_f(c->a, name), 0);
    for (size_t i = 0; i < n; i++) {
        const sb_expr *arg = arg_at(e, i);
        if (arg->kind == SB_E_LAMBDA) {
            size_t np = arg->u.lambda.nparams;
            if (np >= 32 || !(HOF[k].arity[i] >> np & 1u)) return NULL;
            pyx_arg(c->a, call, NULL, lambda_fn(c, arg));
        } else {
            if (HOF[k].arity[i]) return NULL;
            pyx_arg(c->a, call, NULL, px_expr(c, arg));
        }
    }
    if (c->fallbacks != before) {
        c->fallbacks = before;
        return NULL;
    }
    return call;
}

static pyx *func_call(px_ctx *c, const sb_expr *e);

/* agg(x) FILTER (WHERE cond) as F.agg(F.when(cond, x)): the same for the
 * aggregates that skip nulls, since rows failing the condition become null.
 * NULL for the others. */
static pyx *filtered_aggregate(px_ctx *c, const sb_expr *e, const char *name)
{
    static const char *const SKIP_NULLS[] = {
        "count", "sum", "avg", "mean", "min", "max", "collect_list", "collect_set",
        "stddev", "stddev_samp", "stddev_pop", "std", "variance", "var_samp", "var_pop",
        "approx_count_distinct", "bool_and", "bool_or", "every", "some", "any"};
    size_t k = 0;
    while (k < SB_COUNTOF(SKIP_NULLS) && strcmp(SKIP_NULLS[k], name)) k++;
    if (k == SB_COUNTOF(SKIP_NULLS) || e->u.func.args.len != 1 || e->u.func.over) return NULL;
    sb_expr *plain = sb_arena_alloc(c->a, sizeof *plain);
    *plain = *e;
    plain->u.func.filter = NULL;
    int before = c->fallbacks;
    pyx *call = func_call(c, plain);
    if (c->fallbacks != before || call->kind != PX_CALL || call->nargs != 1 ||
        (call->kw && call->kw[0])) {
        c->fallbacks = before;
        return NULL;
    }
    call->args[0] = pyx_call2(c->a, pyx_f(c->a, "when"), px_expr(c, e->u.func.filter), call->args[0]);
    return call;
}

static pyx *func_call(px_ctx *c, const sb_expr *e)
{
    sb_arena *a = c->a;
    const sb_func *f = e->u.func.func ? e->u.func.func : sb_sql_func_lookup(e->u.func.name);
    size_t n = e->u.func.args.len;
    c->imp->F = true;
    if (!f) return call_by_name(c, e, e->u.func.name);
    const char *name = f->name;
    for (size_t i = 0; i < n; i++)
        if (arg_at(e, i)->kind == SB_E_LAMBDA) {
            pyx *hof = higher_order(c, e, name);
            return hof ? hof : fallback_expr(c, e, "this higher-order function");
        }
    if (e->u.func.filter) {
        pyx *x = filtered_aggregate(c, e, name);
        return x ? x : fallback_expr(c, e, "an aggregate with FILTER (WHERE ...)");
    }
    if (e->u.func.respect_nulls) return fallback_expr(c, e, "RESPECT NULLS");

    if (!strcmp(name, "count")) {
        if (e->u.func.distinct) {
            pyx *call = pyx_call(a, pyx_f(a, "count_distinct"), 0);
            if (!convert_args(c, e, "C", call)) return fallback_expr(c, e, "this count");
            return call;
        }
        if (n == 1 && arg_at(e, 0)->kind == SB_E_STAR)
            return pyx_call1(a, pyx_f(a, "count"), lit(c, pyx_name(a, "1")));
        if (n == 1) return pyx_call1(a, pyx_f(a, "count"), px_expr(c, arg_at(e, 0)));
        return call_by_name(c, e, "count");
    }
    if (e->u.func.distinct) {
        if (!strcmp(name, "sum") && n == 1)
            return pyx_call1(a, pyx_f(a, "sum_distinct"), px_expr(c, arg_at(e, 0)));
        return fallback_expr(c, e, "a DISTINCT aggregate");
    }
    if (e->u.func.ignore_nulls) {
        if ((!strcmp(name, "first") || !strcmp(name, "last")) && n == 1) {
            pyx *call = pyx_call1(a, pyx_f(a, name), px_expr(c, arg_at(e, 0)));
            pyx_arg(a, call, "ignorenulls", pyx_name(a, "True"));
            return call;
        }
        return fallback_expr(c, e, "IGNORE NULLS");
    }
    if (!strcmp(name, "if") && n == 3) {
        pyx *w = pyx_call2(a, pyx_f(a, "when"), px_expr(c, arg_at(e, 0)),
                           py_bare(c, arg_at(e, 1), true) ? py_bare(c, arg_at(e, 1), true)
                                                          : px_expr(c, arg_at(e, 1)));
        pyx *o = pyx_method(a, w, "otherwise", 1);
        pyx *v = py_bare(c, arg_at(e, 2), true);
        pyx_arg(a, o, NULL, v ? v : px_expr(c, arg_at(e, 2)));
        return o;
    }
    if ((!strcmp(name, "isnull") || !strcmp(name, "isnotnull")) && n == 1)
        return pyx_method(a, px_expr(c, arg_at(e, 0)), !strcmp(name, "isnull") ? "isNull" : "isNotNull",
                          0);
    if (!strcmp(name, "sha2") && n == 2) {
        /* F.sha2 rejects a bit length Spark SQL answers with null. */
        const sb_expr *bits = arg_at(e, 1);
        long v = is_literal(bits, SB_LIT_INTEGER) ? strtol(bits->u.lit.text, NULL, 10) : -1;
        if (v != 0 && v != 224 && v != 256 && v != 384 && v != 512)
            return fallback_expr(c, e, "sha2 with a bit length other than 0, 224, 256, 384 or 512");
    }
    if (!strcmp(name, "mod") && n == 2)
        return pyx_bin(a, "%", px_expr(c, arg_at(e, 0)), operand_right(c, arg_at(e, 1)));
    if (!strcmp(name, "log") && n == 2) {
        pyx *base = py_float_literal(c, arg_at(e, 0));
        if (base) return pyx_call2(a, pyx_f(a, "log"), base, px_expr(c, arg_at(e, 1)));
        return call_by_name(c, e, name);
    }
    if (!strcmp(name, "log") && n == 1) return pyx_call1(a, pyx_f(a, "log"), px_expr(c, arg_at(e, 0)));
    /* Casting functions: int(x), decimal(x), date(x), ... */
    if (!f->pyspark && f->cls == SB_FUNC_SCALAR && n == 1 && e->type &&
        (!strcmp(name, "bigint") || !strcmp(name, "binary") || !strcmp(name, "boolean") ||
         !strcmp(name, "date") || !strcmp(name, "decimal") || !strcmp(name, "double") ||
         !strcmp(name, "float") || !strcmp(name, "int") || !strcmp(name, "smallint") ||
         !strcmp(name, "string") || !strcmp(name, "timestamp") || !strcmp(name, "tinyint")))
        return cast(c, px_expr(c, arg_at(e, 0)), e->type);

    pyx *result = NULL;
    const py_func_conv *conv = f->pyspark ? py_func_lookup(name) : NULL;
    if (conv) {
        pyx *call = pyx_call(a, pyx_f(a, conv->py), 0);
        bool ok = convert_args(c, e, conv->args, call);
        /* SQL defaults that pyspark wants spelled out. */
        if (ok && !strcmp(name, "regexp_extract") && n == 2) pyx_arg(a, call, NULL, pyx_name(a, "1"));
        if (ok && (!strcmp(name, "lpad") || !strcmp(name, "rpad")) && n == 2)
            pyx_arg(a, call, NULL, pyx_str(a, " "));
        if (ok && (int)call->nargs >= conv->min_args) result = call;
    }
    if (!result) result = call_by_name(c, e, name);
    return result;
}

static pyx *over(px_ctx *c, const sb_expr *e, pyx *fn)
{
    pyx *call = pyx_method(c->a, fn, "over", 1);
    pyx_arg(c->a, call, NULL, window_spec(c, e->u.func.over));
    return call;
}

pyx *px_sort_key(px_ctx *c, const sb_expr *e, bool descending, bool nulls_explicit, bool nulls_first)
{
    pyx *x = px_expr(c, e);
    bool default_nulls = !nulls_explicit || nulls_first == !descending;
    const char *m = descending ? (default_nulls ? "desc" : "desc_nulls_first")
                               : (default_nulls ? "asc" : "asc_nulls_last");
    return pyx_method(c->a, x, m, 0);
}

static pyx *frame_bound(px_ctx *c, const sb_frame_bound *b, bool start)
{
    sb_arena *a = c->a;
    pyx *W = pyx_name(a, "Window");
    switch (b->kind) {
    case SB_BOUND_UNBOUNDED_PRECEDING: return pyx_attr(a, W, "unboundedPreceding");
    case SB_BOUND_UNBOUNDED_FOLLOWING: return pyx_attr(a, W, "unboundedFollowing");
    case SB_BOUND_CURRENT_ROW: return pyx_attr(a, W, "currentRow");
    case SB_BOUND_PRECEDING:
    case SB_BOUND_FOLLOWING: {
        pyx *v = py_any_int(c, b->offset);
        if (!v) {
            fail(c, "window frame offsets must be integer literals in generated PySpark");
            return pyx_name(a, "0");
        }
        if (b->kind == SB_BOUND_PRECEDING) {
            const char *t = v->text[0] == '-' ? v->text + 1 : sb_arena_printf(a, "-%s", v->text);
            if (!strcmp(t, "-0")) t = "0";
            return pyx_name(a, t);
        }
        return v;
    }
    }
    (void)start;
    return pyx_name(a, "0");
}

static pyx *window_spec(px_ctx *c, const sb_window *w)
{
    sb_arena *a = c->a;
    c->imp->Window = true;
    if (w->name) {
        fail(c, "named windows (OVER %s) are only supported in SQLStatement gems", w->name);
        return pyx_name(a, "None");
    }
    pyx *spec = pyx_name(a, "Window");
    pyx *call;
    if (w->partition_by.len || !w->order_by.len) {
        call = pyx_method(a, spec, "partitionBy", 0);
        for (size_t i = 0; i < w->partition_by.len; i++) pyx_arg(a, call, NULL, px_expr(c, w->partition_by.items[i]));
        spec = call;
    }
    if (w->order_by.len) {
        call = pyx_method(a, spec, "orderBy", 0);
        for (size_t i = 0; i < w->order_by.len; i++) {
            const sb_sort_key *k = w->order_by.items[i];
            pyx_arg(a, call, NULL, px_sort_key(c, k->expr, k->descending, k->nulls_explicit, k->nulls_first));
        }
        spec = call;
    }
    if (w->frame != SB_FRAME_NONE) {
        call = pyx_method(a, spec, w->frame == SB_FRAME_ROWS ? "rowsBetween" : "rangeBetween", 2);
        pyx_arg(a, call, NULL, frame_bound(c, &w->start, true));
        pyx_arg(a, call, NULL, frame_bound(c, &w->end, false));
        spec = call;
    }
    return spec;
}

/* ---- the dispatcher ------------------------------------------------- */

static pyx *case_value(px_ctx *c, const sb_expr *e)
{
    pyx *x = py_bare(c, e, false);
    return x ? x : px_expr(c, e);
}

pyx *px_expr(px_ctx *c, const sb_expr *e)
{
    sb_arena *a = c->a;
    if (!e) return pyx_name(a, "None");
    switch (e->kind) {
    case SB_E_LITERAL: return literal(c, e);
    case SB_E_COLUMN: return column(c, e);
    case SB_E_STAR: return fallback_expr(c, e, "`*`");
    case SB_E_CONFIG: return px_config_ref(c, e->u.config.name);
    case SB_E_UNARY:
        switch (e->u.unary.op) {
        case SB_OP_NEG:
            if (is_negated_number(e) && is_literal(e->u.unary.arg, SB_LIT_INTEGER)) {
                pyx *v = py_int_literal(c, e);
                if (v) return lit(c, v);
            }
            return pyx_unary(a, "-", px_expr(c, e->u.unary.arg));
        case SB_OP_PLUS: return px_expr(c, e->u.unary.arg);
        case SB_OP_NOT: return pyx_unary(a, "~", px_expr(c, e->u.unary.arg));
        case SB_OP_BITNOT: return pyx_call1(a, pyx_f(a, "bitwise_not"), px_expr(c, e->u.unary.arg));
        }
        break;
    case SB_E_BINARY: return binary(c, e);
    case SB_E_FUNC: {
        pyx *fn = func_call(c, e);
        return e->u.func.over ? over(c, e, fn) : fn;
    }
    case SB_E_CASE: {
        pyx *chain = NULL;
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            pyx *cond;
            if (e->u.kase.operand)
                cond = pyx_bin(a, "==", px_expr(c, e->u.kase.operand), operand_right(c, w->when));
            else
                cond = px_expr(c, w->when);
            pyx *call = chain ? pyx_method(a, chain, "when", 2) : pyx_call(a, pyx_f(a, "when"), 2);
            pyx_arg(a, call, NULL, cond);
            pyx_arg(a, call, NULL, case_value(c, w->then));
            chain = call;
        }
        if (e->u.kase.otherwise && !is_literal(e->u.kase.otherwise, SB_LIT_NULL)) {
            pyx *o = pyx_method(a, chain, "otherwise", 1);
            pyx_arg(a, o, NULL, case_value(c, e->u.kase.otherwise));
            chain = o;
        }
        c->imp->F = true;
        return chain;
    }
    case SB_E_CAST:
        if (e->u.cast.try_cast) return fallback_expr(c, e, "TRY_CAST");
        return cast(c, px_expr(c, e->u.cast.arg), e->u.cast.to);
    case SB_E_IN: {
        if (e->u.in.query) return fallback_expr(c, e, "IN (subquery)");
        pyx *call = pyx_method(a, px_expr(c, e->u.in.arg), "isin", 0);
        for (size_t i = 0; i < e->u.in.list.len; i++) {
            const sb_expr *v = e->u.in.list.items[i];
            pyx *x = py_bare(c, v, false);
            pyx_arg(a, call, NULL, x ? x : px_expr(c, v));
        }
        return e->u.in.negated ? pyx_unary(a, "~", call) : call;
    }
    case SB_E_BETWEEN: {
        pyx *call = pyx_method(a, px_expr(c, e->u.between.arg), "between", 2);
        pyx_arg(a, call, NULL, operand_right(c, e->u.between.low));
        pyx_arg(a, call, NULL, operand_right(c, e->u.between.high));
        return e->u.between.negated ? pyx_unary(a, "~", call) : call;
    }
    case SB_E_LIKE: {
        pyx *pat = py_str_lit(c, e->u.like.pattern);
        if (e->u.like.escape || !pat) {
            if (e->u.like.escape) return fallback_expr(c, e, "LIKE ... ESCAPE");
            const char *fn = e->u.like.kind == SB_LIKE ? "like" : e->u.like.kind == SB_ILIKE ? "ilike" : "rlike";
            pyx *call = pyx_call(a, pyx_f(a, "call_function"), 0);
            pyx_arg(a, call, NULL, pyx_str(a, fn));
            pyx_arg(a, call, NULL, px_expr(c, e->u.like.arg));
            pyx_arg(a, call, NULL, px_expr(c, e->u.like.pattern));
            return e->u.like.negated ? pyx_unary(a, "~", call) : call;
        }
        const char *m = e->u.like.kind == SB_LIKE ? "like" : e->u.like.kind == SB_ILIKE ? "ilike" : "rlike";
        pyx *call = pyx_method(a, px_expr(c, e->u.like.arg), m, 1);
        pyx_arg(a, call, NULL, pat);
        return e->u.like.negated ? pyx_unary(a, "~", call) : call;
    }
    case SB_E_IS: {
        pyx *x = px_expr(c, e->u.is.arg);
        pyx *r;
        switch (e->u.is.what) {
        case SB_IS_NULL:
        case SB_IS_UNKNOWN: return pyx_method(a, x, e->u.is.negated ? "isNotNull" : "isNull", 0);
        case SB_IS_TRUE:
        case SB_IS_FALSE:
            /* Spark: x IS TRUE is x <=> true */
            r = pyx_method(a, x, "eqNullSafe", 1);
            pyx_arg(a, r, NULL, lit(c, pyx_name(a, e->u.is.what == SB_IS_TRUE ? "True" : "False")));
            return e->u.is.negated ? pyx_unary(a, "~", r) : r;
        }
        break;
    }
    case SB_E_DISTINCT: {
        pyx *r = pyx_method(a, px_expr(c, e->u.distinct.left), "eqNullSafe", 1);
        pyx_arg(a, r, NULL, px_expr(c, e->u.distinct.right));
        /* IS DISTINCT FROM is the negation of <=> */
        return e->u.distinct.negated ? r : pyx_unary(a, "~", r);
    }
    case SB_E_SUBSCRIPT: {
        pyx *x = pyx_new(a, PX_SUB);
        x->a = px_expr(c, e->u.subscript.base);
        pyx *idx = py_bare(c, e->u.subscript.index, false);
        x->b = idx ? idx : px_expr(c, e->u.subscript.index);
        return x;
    }
    case SB_E_FIELD: {
        pyx *call = pyx_method(a, px_expr(c, e->u.field.base), "getField", 1);
        pyx_arg(a, call, NULL, pyx_str(a, e->u.field.name));
        return call;
    }
    case SB_E_LAMBDA: return fallback_expr(c, e, "a lambda");
    case SB_E_SUBQUERY: return fallback_expr(c, e, "a subquery");
    }
    return fallback_expr(c, e, "this expression");
}

pyx *pyx_new_str(sb_arena *a, const char *literal)
{
    pyx *x = pyx_new(a, PX_STR);
    x->text = literal;
    return x;
}

/* ---- JSON values as Python values (seeds, configuration) --------------- */

static bool json_text(const sb_json *v, const char **s, size_t *len)
{
    if (v->kind == SB_JSON_STRING) {
        *s = v->u.string.s;
        *len = v->u.string.len;
        return true;
    }
    if (v->kind == SB_JSON_NUMBER) {
        *s = v->u.number.text;
        *len = v->u.number.len;
        return true;
    }
    return false;
}

/* datetime.datetime(...) for "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+HH:MM]". */
static pyx *datetime_value(px_ctx *c, const char *s, bool zone_allowed)
{
    sb_arena *a = c->a;
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return NULL;
    const char *p = s + 10;
    long micros = 0;
    if (*p == ' ' || *p == 'T') {
        int used = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &used) != 2) return NULL;
        p += 1 + used;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &used) != 1) return NULL;
            p += 1 + used;
            if (*p == '.') {
                p++;
                int digits = 0;
                while (isdigit((unsigned char)*p)) {
                    if (digits < 6) micros = micros * 10 + (*p - '0');
                    digits++;
                    p++;
                }
                for (; digits < 6; digits++) micros *= 10;
            }
        }
    }
    pyx *tz = NULL;
    if (*p) {
        if (!zone_allowed) return NULL;
        c->imp->datetime = true;
        if (!strcmp(p, "Z")) {
            tz = pyx_attr(a, pyx_attr(a, pyx_name(a, "datetime"), "timezone"), "utc");
        } else {
            int zh, zm;
            if ((p[0] != '+' && p[0] != '-') || sscanf(p + 1, "%2d:%2d", &zh, &zm) != 2) return NULL;
            int minutes = (zh * 60 + zm) * (p[0] == '-' ? -1 : 1);
            pyx *delta = pyx_call(a, pyx_attr(a, pyx_name(a, "datetime"), "timedelta"), 0);
            pyx_arg(a, delta, "minutes", pyx_name(a, sb_arena_printf(a, "%d", minutes)));
            tz = pyx_call1(a, pyx_attr(a, pyx_name(a, "datetime"), "timezone"), delta);
        }
    }
    c->imp->datetime = true;
    pyx *call = pyx_call(a, pyx_attr(a, pyx_name(a, "datetime"), "datetime"), 0);
    int parts[6] = {y, mo, d, h, mi, sec};
    for (int i = 0; i < 6; i++) pyx_arg(a, call, NULL, pyx_name(a, sb_arena_printf(a, "%d", parts[i])));
    if (micros) pyx_arg(a, call, NULL, pyx_name(a, sb_arena_printf(a, "%ld", micros)));
    if (tz) pyx_arg(a, call, "tzinfo", tz);
    return call;
}

pyx *px_json_value(px_ctx *c, const sb_json *v, const sb_type *t)
{
    sb_arena *a = c->a;
    if (!v || v->kind == SB_JSON_NULL) return pyx_name(a, "None");
    const char *s;
    size_t len;
    switch (t->kind) {
    case SB_T_BOOLEAN:
        if (v->kind != SB_JSON_BOOL) return NULL;
        return pyx_name(a, v->u.boolean ? "True" : "False");
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG:
        if (v->kind != SB_JSON_NUMBER || !v->u.number.is_integer) return NULL;
        return pyx_name(a, py_int_text(a, sb_arena_strndup(a, v->u.number.text, v->u.number.len)));
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
        if (v->kind != SB_JSON_NUMBER) return NULL;
        return pyx_name(a, py_float_text(a, sb_arena_strndup(a, v->u.number.text, v->u.number.len)));
    case SB_T_DECIMAL:
        if (!json_text(v, &s, &len)) return NULL;
        return decimal_value(c, s, len);
    case SB_T_STRING:
        if (v->kind != SB_JSON_STRING) return NULL;
        return pyx_strn(a, v->u.string.s, v->u.string.len);
    case SB_T_BINARY:
        if (v->kind != SB_JSON_STRING) return NULL;
        return pyx_method(a, pyx_strn(a, v->u.string.s, v->u.string.len), "encode", 0);
    case SB_T_DATE: {
        int y, m, d;
        if (v->kind != SB_JSON_STRING || !parse_date(v->u.string.s, &y, &m, &d)) return NULL;
        return date_value(c, y, m, d);
    }
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ:
        if (v->kind != SB_JSON_STRING) return NULL;
        return datetime_value(c, v->u.string.s, t->kind == SB_T_TIMESTAMP);
    case SB_T_ARRAY: {
        if (v->kind != SB_JSON_ARRAY) return NULL;
        pyx *l = pyx_list(a, PX_LIST, 0);
        for (size_t i = 0; i < v->u.array.len; i++) {
            pyx *x = px_json_value(c, v->u.array.items[i], t->elem);
            if (!x) return NULL;
            pyx_arg(a, l, NULL, x);
        }
        return l;
    }
    case SB_T_MAP: {
        if (v->kind != SB_JSON_OBJECT) return NULL;
        pyx *dct = pyx_list(a, PX_DICT, 0);
        for (size_t i = 0; i < v->u.object.len; i++) {
            const sb_json_member *m = &v->u.object.members[i];
            sb_json key = {.kind = SB_JSON_STRING};
            key.u.string.s = m->key;
            key.u.string.len = m->key_len;
            if (t->key->kind != SB_T_STRING && t->key->kind != SB_T_DATE) {
                key.kind = SB_JSON_NUMBER;
                key.u.number.text = m->key;
                key.u.number.len = m->key_len;
                key.u.number.is_integer = !strpbrk(m->key, ".eE");
                if (t->key->kind == SB_T_BOOLEAN) {
                    key.kind = SB_JSON_BOOL;
                    key.u.boolean = !strcmp(m->key, "true");
                }
            }
            pyx *k = px_json_value(c, &key, t->key);
            pyx *x = px_json_value(c, m->value, t->value);
            if (!k || !x) return NULL;
            pyx_arg(a, dct, NULL, k);
            pyx_arg(a, dct, NULL, x);
        }
        return dct;
    }
    case SB_T_STRUCT: {
        if (v->kind != SB_JSON_OBJECT) return NULL;
        pyx *dct = pyx_list(a, PX_DICT, 0);
        for (size_t f = 0; f < t->nfields; f++) {
            const sb_json *fv = NULL;
            for (size_t i = 0; i < v->u.object.len; i++)
                if (sb_str_ieq(v->u.object.members[i].key, t->fields[f].name)) fv = v->u.object.members[i].value;
            pyx *x = px_json_value(c, fv, t->fields[f].type);
            if (!x) return NULL;
            pyx_arg(a, dct, NULL, pyx_str(a, t->fields[f].name));
            pyx_arg(a, dct, NULL, x);
        }
        return dct;
    }
    default: return NULL;
    }
}
