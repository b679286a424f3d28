/*
 * functions.c — the catalogue of Spark SQL built-in functions that sibyl
 * knows: names, argument counts, the argument types each accepts (with the
 * implicit casts of Spark's ImplicitCastInputTypes), result types exactly as
 * Spark 3.5 derives them, and the pyspark.sql.functions name for the code
 * generator.
 *
 * Most entries are described by a short code string per argument and one for
 * the result, checked by generic_rule(); functions whose typing needs more
 * (sum, round, array, transform ...) have their own rule below. The result
 * types were compared with real Spark (tests/sql/cases/types.tsv).
 *
 * Argument codes:  S string  X binary  B boolean  I int  L bigint  D double
 *   d date  t timestamp  N numeric (string -> double)  E decimal
 *   T any timestamp (date/string -> timestamp)  Q string or binary
 *   A anything  a array  m map  o orderable  n numeric or ANSI interval
 *   i integral  G array<string>  s string without implicit casts
 *   - not checked here
 * The last code repeats for further arguments.
 * Result codes: the same letters for fixed types, V void, z timestamp_ntz,
 *   Y interval day to second, M interval year to month, C calendar interval,
 *   K map<string,string>, y tinyint, h smallint, F float, 0-9 the (cast) type
 *   of that argument.
 */
#include "sql/check_internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef const sb_type *(*rule_fn)(const sb_func_call *c);

typedef struct fdef {
    sb_func f;
    const char *in;
    const char *out;
    sb_null_rule nulls;
} fdef;

static const fdef *def_of(const sb_func_call *c)
{
    /* Every sb_func handed out is the first member of a catalogue entry. */
    const sb_func *f = c->call->u.func.func;
    if (!f) f = sb_sql_func_lookup(c->call->u.func.name);
    return (const fdef *)f;
}

static const char *fname(const sb_func_call *c)
{
    const sb_func *f = c->call->u.func.func;
    return f ? f->name : c->call->u.func.name;
}

/* ---- helpers for rules ----------------------------------------------- */

static const char *expect_name(sb_expect_kind want, const sb_type *type, sb_arena *a)
{
    switch (want) {
    case SB_X_TYPE:
        return sb_type_str(a, type);
    case SB_X_ANY:
        return "any type";
    case SB_X_NUMERIC:
        return "a number";
    case SB_X_INTEGRAL:
        return "an integer";
    case SB_X_DECIMAL:
        return "a decimal";
    case SB_X_ANY_TS:
        return "a timestamp";
    case SB_X_STR_BIN:
        return "string or binary";
    case SB_X_ARRAY:
        return "an array";
    case SB_X_MAP:
        return "a map";
    case SB_X_STRUCT:
        return "a struct";
    case SB_X_ORDERABLE:
        return "an orderable type";
    case SB_X_NUM_OR_INTERVAL:
        return "a number or an interval";
    }
    return "?";
}

const sb_type *sb_fn_error(const sb_func_call *c, long argi, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(c->arena, fmt, ap);
    va_end(ap);
    sb_span span = c->call->span;
    if (argi >= 0 && (size_t)argi < c->nargs && c->args[argi]) span = c->args[argi]->span;
    sb_diags_error(c->diags, span, code, "%s", msg);
    return NULL;
}

static const char *ordinal(size_t i)
{
    static const char *const names[] = {"first", "second",  "third",  "fourth", "fifth",
                                        "sixth", "seventh", "eighth", "ninth",  "tenth"};
    return i < SB_COUNTOF(names) ? names[i] : "next";
}

const sb_type *sb_fn_arg(const sb_func_call *c, size_t i, sb_expect_kind want, const sb_type *type)
{
    if (i >= c->nargs || !c->args[i] || !c->args[i]->type) return NULL;
    const sb_type *in = c->args[i]->type;
    const sb_type *t = sb_type_implicit_cast(c->arena, in, want, type);
    if (t) return t;
    return sb_fn_error(c, (long)i, "type-mismatch", "%s expects %s as its %s argument, got %s",
                       fname(c), expect_name(want, type, c->arena), ordinal(i),
                       sb_type_str(c->arena, in));
}

static bool lit_of(const sb_expr *e, const sb_expr **lit, bool *neg)
{
    *neg = false;
    while (e && e->kind == SB_E_UNARY &&
           (e->u.unary.op == SB_OP_NEG || e->u.unary.op == SB_OP_PLUS)) {
        if (e->u.unary.op == SB_OP_NEG) *neg = !*neg;
        e = e->u.unary.arg;
    }
    if (!e || e->kind != SB_E_LITERAL) return false;
    *lit = e;
    return true;
}

bool sb_expr_int_value(const sb_expr *e, long long *out)
{
    const sb_expr *l;
    bool neg;
    if (!lit_of(e, &l, &neg) || l->u.lit.kind != SB_LIT_INTEGER || !l->u.lit.text) return false;
    const char *s = l->u.lit.text;
    if (*s == '-') {
        neg = !neg;
        s++;
    }
    long long v = strtoll(s, NULL, 10);
    *out = neg ? -v : v;
    return true;
}

bool sb_expr_string_value(const sb_expr *e, const char **out)
{
    if (!e || e->kind != SB_E_LITERAL || e->u.lit.kind != SB_LIT_STRING) return false;
    *out = e->u.lit.text ? e->u.lit.text : "";
    return true;
}

bool sb_expr_is_null_literal(const sb_expr *e)
{
    return e && e->kind == SB_E_LITERAL && e->u.lit.kind == SB_LIT_NULL;
}

static const sb_type *T(sb_type_kind k)
{
    return sb_type_of(k);
}

static const sb_type *arg_type(const sb_func_call *c, size_t i)
{
    return i < c->nargs && c->args[i] ? c->args[i]->type : NULL;
}

static bool is_foldable(const sb_expr *e)
{
    /* Literals and expressions of literals (what Spark constant-folds). */
    if (!e) return false;
    switch (e->kind) {
    case SB_E_LITERAL:
        return true;
    case SB_E_UNARY:
        return is_foldable(e->u.unary.arg);
    case SB_E_BINARY:
        return is_foldable(e->u.binary.left) && is_foldable(e->u.binary.right);
    case SB_E_CAST:
        return is_foldable(e->u.cast.arg);
    case SB_E_FUNC:
        if (e->u.func.over) return false;
        for (size_t i = 0; i < e->u.func.args.len; i++)
            if (!is_foldable(e->u.func.args.items[i])) return false;
        return e->u.func.func && e->u.func.func->cls == SB_FUNC_SCALAR &&
               !sb_str_ieq(e->u.func.func->name, "rand") &&
               !sb_str_ieq(e->u.func.func->name, "randn") &&
               !sb_str_ieq(e->u.func.func->name, "uuid");
    default:
        return false;
    }
}

/* ---- the generic rule -------------------------------------------------- */

static bool code_expect(char code, sb_expect_kind *want, const sb_type **type, sb_arena *a)
{
    *type = NULL;
    *want = SB_X_TYPE;
    switch (code) {
    case 'S':
        *type = T(SB_T_STRING);
        return true;
    case 'X':
        *type = T(SB_T_BINARY);
        return true;
    case 'B':
        *type = T(SB_T_BOOLEAN);
        return true;
    case 'I':
        *type = T(SB_T_INT);
        return true;
    case 'L':
        *type = T(SB_T_LONG);
        return true;
    case 'D':
        *type = T(SB_T_DOUBLE);
        return true;
    case 'd':
        *type = T(SB_T_DATE);
        return true;
    case 't':
        *type = T(SB_T_TIMESTAMP);
        return true;
    case 'G':
        *type = sb_type_array(a, T(SB_T_STRING), true);
        return true;
    case 'N':
        *want = SB_X_NUMERIC;
        return true;
    case 'E':
        *want = SB_X_DECIMAL;
        return true;
    case 'T':
        *want = SB_X_ANY_TS;
        return true;
    case 'Q':
        *want = SB_X_STR_BIN;
        return true;
    case 'A':
        *want = SB_X_ANY;
        return true;
    case 'a':
        *want = SB_X_ARRAY;
        return true;
    case 'm':
        *want = SB_X_MAP;
        return true;
    case 'o':
        *want = SB_X_ORDERABLE;
        return true;
    case 'n':
        *want = SB_X_NUM_OR_INTERVAL;
        return true;
    case 'i':
        *want = SB_X_INTEGRAL;
        return true;
    default:
        return false;
    }
}

static const sb_type *fixed_result(char code, sb_arena *a)
{
    switch (code) {
    case 'y':
        return T(SB_T_BYTE);
    case 'h':
        return T(SB_T_SHORT);
    case 'F':
        return T(SB_T_FLOAT);
    case 'S':
        return T(SB_T_STRING);
    case 'X':
        return T(SB_T_BINARY);
    case 'B':
        return T(SB_T_BOOLEAN);
    case 'I':
        return T(SB_T_INT);
    case 'L':
        return T(SB_T_LONG);
    case 'D':
        return T(SB_T_DOUBLE);
    case 'd':
        return T(SB_T_DATE);
    case 't':
        return T(SB_T_TIMESTAMP);
    case 'z':
        return T(SB_T_TIMESTAMP_NTZ);
    case 'V':
        return T(SB_T_NULL);
    case 'Y':
        return T(SB_T_INTERVAL_DT);
    case 'M':
        return T(SB_T_INTERVAL_YM);
    case 'C':
        return T(SB_T_INTERVAL);
    case 'G':
        return sb_type_array(a, T(SB_T_STRING), true);
    case 'K':
        return sb_type_map(a, T(SB_T_STRING), T(SB_T_STRING), true);
    case 'W':
        return sb_type_array(a, sb_type_array(a, T(SB_T_STRING), true), true);
    default:
        return NULL;
    }
}

/* Check every argument against the entry's codes; fills cast[] (may be NULL). */
static bool check_args(const sb_func_call *c, const char *codes, const sb_type **cast)
{
    size_t n = strlen(codes);
    bool ok = true;
    for (size_t i = 0; i < c->nargs; i++) {
        const sb_type *t = arg_type(c, i);
        if (n) {
            char code = codes[i < n ? i : n - 1];
            sb_expect_kind want;
            if (code == 's') {
                /* ExpectsInputTypes without implicit casts: a string or NULL. */
                if (t->kind != SB_T_STRING && t->kind != SB_T_NULL) {
                    sb_fn_error(c, (long)i, "type-mismatch",
                                "%s expects string as its %s argument, got %s", fname(c),
                                ordinal(i), sb_type_str(c->arena, t));
                    ok = false;
                }
                if (cast) cast[i] = T(SB_T_STRING);
                continue;
            }
            const sb_type *type;
            if (code != '-' && code_expect(code, &want, &type, c->arena)) {
                t = sb_fn_arg(c, i, want, type);
                if (!t) ok = false;
            }
        }
        if (cast) cast[i] = t;
    }
    return ok;
}

static const sb_type **cast_buf(const sb_func_call *c)
{
    return sb_arena_alloc(c->arena, (c->nargs + 1) * sizeof(const sb_type *));
}

static const sb_type *generic_rule(const sb_func_call *c)
{
    const fdef *fd = def_of(c);
    const sb_type **cast = cast_buf(c);
    if (!check_args(c, fd->in ? fd->in : "", cast)) return NULL;
    char o = fd->out ? fd->out[0] : 'V';
    if (o >= '0' && o <= '9') {
        size_t k = (size_t)(o - '0');
        return k < c->nargs ? cast[k] : T(SB_T_NULL);
    }
    return fixed_result(o, c->arena);
}

/* ---- rules: strings ---------------------------------------------------- */

static const sb_type *rule_concat(const sb_func_call *c)
{
    /* Concat: all binary -> binary; any array -> arrays of the wider element
     * type; otherwise everything is cast to string. */
    if (c->nargs == 0) return T(SB_T_STRING);
    bool all_binary = true, any_array = false, any_binary = false;
    for (size_t i = 0; i < c->nargs; i++) {
        const sb_type *t = arg_type(c, i);
        if (t->kind != SB_T_BINARY && t->kind != SB_T_NULL) all_binary = false;
        if (t->kind == SB_T_BINARY) any_binary = true;
        if (t->kind == SB_T_ARRAY) any_array = true;
    }
    if (any_array) {
        const sb_type **ts = cast_buf(c);
        for (size_t i = 0; i < c->nargs; i++) {
            const sb_type *t = arg_type(c, i);
            if (t->kind != SB_T_ARRAY && t->kind != SB_T_NULL)
                return sb_fn_error(c, (long)i, "type-mismatch", "%s cannot mix arrays with %s",
                                   fname(c), sb_type_str(c->arena, t));
            ts[i] = t;
        }
        const sb_type *w = sb_type_wider_common_list(c->arena, ts, c->nargs, true);
        if (!w)
            return sb_fn_error(c, -1, "type-mismatch", "%s: the arrays have no common type",
                               fname(c));
        return w;
    }
    if (all_binary && any_binary) return T(SB_T_BINARY);
    if (!check_args(c, "Q", NULL)) return NULL;
    return T(SB_T_STRING);
}

static const sb_type *rule_concat_ws(const sb_func_call *c)
{
    const sb_type *sep = arg_type(c, 0);
    if (!sb_type_implicit_cast(c->arena, sep, SB_X_TYPE, T(SB_T_STRING)))
        return sb_fn_error(c, 0, "type-mismatch", "concat_ws expects a string separator, got %s",
                           sb_type_str(c->arena, sep));
    for (size_t i = 1; i < c->nargs; i++) {
        const sb_type *t = arg_type(c, i);
        if (t->kind == SB_T_ARRAY) {
            if (!sb_type_implicit_cast(c->arena, t, SB_X_TYPE,
                                       sb_type_array(c->arena, T(SB_T_STRING), true)))
                return sb_fn_error(c, (long)i, "type-mismatch",
                                   "concat_ws expects strings or arrays of strings, got %s",
                                   sb_type_str(c->arena, t));
        } else if (!sb_type_implicit_cast(c->arena, t, SB_X_TYPE, T(SB_T_STRING))) {
            return sb_fn_error(c, (long)i, "type-mismatch",
                               "concat_ws expects strings or arrays of strings, got %s",
                               sb_type_str(c->arena, t));
        }
    }
    return T(SB_T_STRING);
}

/* substring, lpad, rpad ...: binary in, binary out; anything else is text. */
static const sb_type *rule_str_or_bin(const sb_func_call *c)
{
    const fdef *fd = def_of(c);
    if (!check_args(c, fd->in, NULL)) return NULL;
    for (size_t i = 0; i < c->nargs; i++) {
        char code = fd->in[i < strlen(fd->in) ? i : strlen(fd->in) - 1];
        if (code == 'Q' && arg_type(c, i)->kind != SB_T_BINARY && arg_type(c, i)->kind != SB_T_NULL)
            return T(SB_T_STRING);
    }
    return arg_type(c, 0)->kind == SB_T_BINARY ? T(SB_T_BINARY) : T(SB_T_STRING);
}

static const sb_type *rule_reverse(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind == SB_T_ARRAY) return t;
    if (!check_args(c, "S", NULL)) return NULL;
    return T(SB_T_STRING);
}

static const sb_type *rule_format_number(const sb_func_call *c)
{
    /* FormatNumber expects its input types without implicit casts. */
    const sb_type *x = arg_type(c, 0), *f = arg_type(c, 1);
    if (!sb_type_is_numeric(x) && x->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "format_number expects a number, got %s",
                           sb_type_str(c->arena, x));
    if (f->kind != SB_T_INT && f->kind != SB_T_STRING && f->kind != SB_T_NULL &&
        !sb_type_is_integral(f))
        return sb_fn_error(c, 1, "type-mismatch",
                           "format_number expects an int or a format string, got %s",
                           sb_type_str(c->arena, f));
    return T(SB_T_STRING);
}

static const sb_type *rule_atomic_pred(const sb_func_call *c)
{
    /* contains, startswith, endswith: string or binary on both sides. */
    bool bin = true;
    for (size_t i = 0; i < c->nargs; i++)
        if (arg_type(c, i)->kind != SB_T_BINARY && arg_type(c, i)->kind != SB_T_NULL) bin = false;
    if (bin) return T(SB_T_BOOLEAN);
    if (!check_args(c, "S", NULL)) return NULL;
    return T(SB_T_BOOLEAN);
}

static const sb_type *rule_hex(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (sb_type_is_integral(t) || t->kind == SB_T_STRING || t->kind == SB_T_BINARY ||
        t->kind == SB_T_NULL)
        return T(SB_T_STRING);
    if (!check_args(c, "L", NULL)) return NULL;
    return T(SB_T_STRING);
}

static const sb_type *rule_elt(const sb_func_call *c)
{
    if (!check_args(c, "I", NULL)) return NULL;
    bool bin = c->nargs > 1;
    for (size_t i = 1; i < c->nargs; i++)
        if (arg_type(c, i)->kind != SB_T_BINARY) bin = false;
    if (bin) return T(SB_T_BINARY);
    for (size_t i = 1; i < c->nargs; i++)
        if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    return T(SB_T_STRING);
}

/* ---- rules: math --------------------------------------------------------- */

static const sb_type *rule_same_numeric(const sb_func_call *c)
{
    /* abs, negative, positive: the input's type (string -> double). */
    return sb_fn_arg(c, 0, SB_X_NUM_OR_INTERVAL, NULL);
}

/* RoundBase / RoundCeil / RoundFloor result for a decimal and a scale. */
static const sb_type *round_decimal(sb_arena *a, const sb_type *d, long long scale)
{
    int p = d->precision, s = d->scale;
    int int_digits = p - s + 1;
    if (scale < 0) {
        long long np = -scale + 1;
        if (np < int_digits) np = int_digits;
        return sb_type_decimal(
            a, np > SB_DECIMAL_MAX_PRECISION ? SB_DECIMAL_MAX_PRECISION : (int)np, 0);
    }
    int ns = scale < s ? (int)scale : s;
    int np = int_digits + ns;
    return sb_type_decimal(a, np > SB_DECIMAL_MAX_PRECISION ? SB_DECIMAL_MAX_PRECISION : np, ns);
}

static bool scale_arg(const sb_func_call *c, size_t i, long long *scale)
{
    *scale = 0;
    if (c->nargs <= i) return true;
    if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_INT))) return false;
    if (!sb_expr_int_value(c->args[i], scale) && !is_foldable(c->args[i])) {
        sb_fn_error(c, (long)i, "not-constant", "%s expects a constant scale", fname(c));
        return false;
    }
    return true;
}

static const sb_type *rule_round(const sb_func_call *c)
{
    const sb_type *t = sb_fn_arg(c, 0, SB_X_NUMERIC, NULL);
    long long scale;
    if (!t || !scale_arg(c, 1, &scale)) return NULL;
    if (t->kind == SB_T_DECIMAL) return round_decimal(c->arena, t, scale);
    return t;
}

static const sb_type *rule_floor_ceil(const sb_func_call *c)
{
    const sb_type *t = sb_fn_arg(c, 0, SB_X_NUMERIC, NULL);
    if (!t) return NULL;
    if (c->nargs == 1) {
        if (t->kind == SB_T_DECIMAL) return round_decimal(c->arena, t, 0);
        return T(SB_T_LONG);
    }
    long long scale;
    if (!scale_arg(c, 1, &scale)) return NULL;
    return round_decimal(c->arena, sb_type_decimal_for(c->arena, t), scale);
}

static const sb_type *rule_arith2(const sb_func_call *c, char op, bool literal_rule)
{
    if (literal_rule)
        return sb_check_arith(c->arena, c->diags, c->call->span, op, c->args[0], c->args[1]);
    const sb_type *t = sb_type_arithmetic(c->arena, op, arg_type(c, 0), arg_type(c, 1));
    if (!t)
        return sb_fn_error(c, -1, "type-mismatch", "%s cannot combine %s and %s", fname(c),
                           sb_type_str(c->arena, arg_type(c, 0)),
                           sb_type_str(c->arena, arg_type(c, 1)));
    return t;
}

static const sb_type *rule_try_datetime(const sb_func_call *c, sb_binop op, char aop)
{
    bool handled;
    const sb_type *t = sb_check_datetime_arith(op, arg_type(c, 0), arg_type(c, 1), &handled);
    if (handled) {
        if (!t)
            sb_fn_error(c, -1, "type-mismatch", "%s cannot combine %s and %s", fname(c),
                        sb_type_str(c->arena, arg_type(c, 0)),
                        sb_type_str(c->arena, arg_type(c, 1)));
        return t;
    }
    return rule_arith2(c, aop, true);
}

static const sb_type *rule_mod(const sb_func_call *c)
{
    return rule_arith2(c, '%', true);
}
static const sb_type *rule_pmod(const sb_func_call *c)
{
    return rule_arith2(c, '%', true);
}
static const sb_type *rule_try_add(const sb_func_call *c)
{
    return rule_try_datetime(c, SB_OP_ADD, '+');
}
static const sb_type *rule_try_sub(const sb_func_call *c)
{
    return rule_try_datetime(c, SB_OP_SUB, '-');
}
static const sb_type *rule_try_mul(const sb_func_call *c)
{
    return rule_arith2(c, '*', true);
}
static const sb_type *rule_try_div(const sb_func_call *c)
{
    return rule_arith2(c, '/', true);
}
static const sb_type *rule_try_datetime(const sb_func_call *c, sb_binop op, char aop);

static const sb_type *rule_div(const sb_func_call *c)
{
    return rule_try_datetime(c, SB_OP_INTDIV, 'D');
}

static const sb_type *rule_greatest(const sb_func_call *c)
{
    const sb_type **ts = cast_buf(c);
    for (size_t i = 0; i < c->nargs; i++) ts[i] = arg_type(c, i);
    const sb_type *w = sb_type_wider_common_list(c->arena, ts, c->nargs, false);
    if (!w) {
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < c->nargs; i++) {
            if (i) sb_buf_puts(&b, ", ");
            sb_type_print(&b, ts[i]);
        }
        sb_fn_error(c, -1, "type-mismatch", "%s expects arguments of one type, got %s", fname(c),
                    sb_buf_str(&b));
        sb_buf_free(&b);
        return NULL;
    }
    if (!sb_type_is_orderable(w))
        return sb_fn_error(c, -1, "type-mismatch", "%s cannot order values of type %s", fname(c),
                           sb_type_str(c->arena, w));
    return w;
}

static const sb_type *rule_rand(const sb_func_call *c)
{
    if (c->nargs == 1) {
        const sb_type *t = arg_type(c, 0);
        if (t->kind != SB_T_INT && t->kind != SB_T_LONG && t->kind != SB_T_NULL)
            return sb_fn_error(c, 0, "type-mismatch", "%s expects an int or bigint seed, got %s",
                               fname(c), sb_type_str(c->arena, t));
        if (!is_foldable(c->args[0]))
            return sb_fn_error(c, 0, "not-constant", "%s expects a constant seed", fname(c));
    }
    return T(SB_T_DOUBLE);
}

static const sb_type *rule_shift(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (!check_args(c, "-I", NULL)) return NULL;
    if (t->kind == SB_T_LONG) return t;
    if (!sb_fn_arg(c, 0, SB_X_TYPE, T(SB_T_INT))) return NULL;
    return T(SB_T_INT);
}

static const sb_type *rule_nanvl(const sb_func_call *c)
{
    if (arg_type(c, 0)->kind == SB_T_FLOAT && arg_type(c, 1)->kind == SB_T_FLOAT)
        return T(SB_T_FLOAT);
    if (!check_args(c, "D", NULL)) return NULL;
    return T(SB_T_DOUBLE);
}

static const sb_type *rule_bitagg(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind == SB_T_NULL) return T(SB_T_INT);
    if (!sb_type_is_integral(t))
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an integer, got %s", fname(c),
                           sb_type_str(c->arena, t));
    return t;
}

/* ---- rules: conditional -------------------------------------------------- */

static const sb_type *wider_args(const sb_func_call *c, size_t from, size_t to, bool strings)
{
    const sb_type **ts = cast_buf(c);
    size_t n = 0;
    for (size_t i = from; i < to && i < c->nargs; i++) ts[n++] = arg_type(c, i);
    const sb_type *w = sb_type_wider_common_list(c->arena, ts, n, strings);
    if (!w) {
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (i) sb_buf_puts(&b, ", ");
            sb_type_print(&b, ts[i]);
        }
        sb_fn_error(c, -1, "type-mismatch", "%s expects arguments with a common type, got %s",
                    fname(c), sb_buf_str(&b));
        sb_buf_free(&b);
    }
    return w;
}

static const sb_type *rule_coalesce(const sb_func_call *c)
{
    return wider_args(c, 0, c->nargs, true);
}

static const sb_type *rule_if(const sb_func_call *c)
{
    const sb_type *p = arg_type(c, 0);
    if (p->kind != SB_T_BOOLEAN && p->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "if expects a boolean condition, got %s",
                           sb_type_str(c->arena, p));
    return wider_args(c, 1, 3, true);
}

static const sb_type *rule_nvl2(const sb_func_call *c)
{
    return wider_args(c, 1, 3, true);
}

static const sb_type *rule_nullif(const sb_func_call *c)
{
    if (!sb_type_comparison_common(c->arena, arg_type(c, 0), arg_type(c, 1)))
        return sb_fn_error(c, -1, "type-mismatch", "nullif cannot compare %s with %s",
                           sb_type_str(c->arena, arg_type(c, 0)),
                           sb_type_str(c->arena, arg_type(c, 1)));
    return arg_type(c, 0);
}

static const sb_type *rule_assert_true(const sb_func_call *c)
{
    const sb_type *p = arg_type(c, 0);
    if (p->kind != SB_T_BOOLEAN && p->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "assert_true expects a boolean, got %s",
                           sb_type_str(c->arena, p));
    if (c->nargs > 1 && !sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    return T(SB_T_NULL);
}

/* ---- rules: date and time -------------------------------------------- */

static const sb_type *rule_date_add(const sb_func_call *c)
{
    /* DateAdd/DateSub expect a date and an int/smallint/tinyint; strings are
     * cast by StringLiteralCoercion, timestamps to date. No other casts. */
    const sb_type *s = arg_type(c, 0), *n = arg_type(c, 1);
    sb_type_kind k = s->kind;
    if (k != SB_T_DATE && k != SB_T_STRING && k != SB_T_TIMESTAMP && k != SB_T_TIMESTAMP_NTZ &&
        k != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects a date as its first argument, got %s",
                           fname(c), sb_type_str(c->arena, s));
    k = n->kind;
    if (k != SB_T_INT && k != SB_T_SHORT && k != SB_T_BYTE && k != SB_T_STRING && k != SB_T_NULL)
        return sb_fn_error(c, 1, "type-mismatch", "%s expects an int number of days, got %s",
                           fname(c), sb_type_str(c->arena, n));
    return T(SB_T_DATE);
}

static const sb_type *rule_unix_ts(const sb_func_call *c)
{
    if (c->nargs >= 1) {
        const sb_type *t = arg_type(c, 0);
        sb_type_kind k = t->kind;
        if (k != SB_T_STRING && k != SB_T_DATE && k != SB_T_TIMESTAMP && k != SB_T_TIMESTAMP_NTZ &&
            k != SB_T_NULL && !sb_type_implicit_cast(c->arena, t, SB_X_TYPE, T(SB_T_STRING)))
            return sb_fn_error(c, 0, "type-mismatch",
                               "%s expects a string, date or timestamp, got %s", fname(c),
                               sb_type_str(c->arena, t));
    }
    if (c->nargs >= 2 && !sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    return T(SB_T_LONG);
}

static const sb_type *rule_to_date(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (!sb_type_is_atomic(t) && t->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects a string, date or timestamp, got %s",
                           fname(c), sb_type_str(c->arena, t));
    if (c->nargs > 1 && !sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    const fdef *fd = def_of(c);
    return fixed_result(fd->out[0], c->arena);
}

static const char *field_name(const sb_expr *e)
{
    const char *s;
    if (sb_expr_string_value(e, &s)) return s;
    if (e && e->kind == SB_E_COLUMN && e->u.column.nparts == 1) return e->u.column.parts[0];
    return NULL;
}

/* date_part / extract: the type depends on the field. */
static const sb_type *rule_date_part(const sb_func_call *c)
{
    const char *f = field_name(c->args[0]);
    const sb_type *src = arg_type(c, 1);
    if (!f) return sb_fn_error(c, 0, "not-constant", "%s expects a constant field name", fname(c));
    static const char *const secs[] = {"second", "s", "sec", "seconds", "secs"};
    bool second = false;
    for (size_t i = 0; i < SB_COUNTOF(secs); i++)
        if (sb_str_ieq(f, secs[i])) second = true;
    if (src->kind == SB_T_INTERVAL_DT) {
        if (second) return sb_type_decimal(c->arena, 8, 6);
        if (sb_str_ieq(f, "day") || sb_str_ieq(f, "d") || sb_str_ieq(f, "days")) return T(SB_T_INT);
        return T(SB_T_BYTE);
    }
    if (src->kind == SB_T_INTERVAL_YM) {
        if (sb_str_ieq(f, "year") || sb_str_ieq(f, "y") || sb_str_ieq(f, "years"))
            return T(SB_T_INT);
        return T(SB_T_BYTE);
    }
    if (second) return sb_type_decimal(c->arena, 8, 6);
    if (sb_str_ieq(f, "epoch")) return sb_type_decimal(c->arena, 20, 6);
    if (!sb_fn_arg(c, 1, SB_X_ANY_TS, NULL)) return NULL;
    return T(SB_T_INT);
}

static const sb_type *rule_window_fn(const sb_func_call *c)
{
    if (!sb_fn_arg(c, 0, SB_X_ANY_TS, NULL)) return NULL;
    for (size_t i = 1; i < c->nargs; i++)
        if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    sb_field fs[2] = {{"start", T(SB_T_TIMESTAMP), true}, {"end", T(SB_T_TIMESTAMP), true}};
    return sb_type_struct(c->arena, fs, 2);
}

/* ---- rules: aggregates --------------------------------------------------- */

static const sb_type *rule_sum(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind == SB_T_INTERVAL_DT || t->kind == SB_T_INTERVAL_YM) return t;
    t = sb_fn_arg(c, 0, SB_X_NUMERIC, NULL);
    if (!t) return NULL;
    if (t->kind == SB_T_DECIMAL) {
        int p = t->precision + 10;
        return sb_type_decimal(c->arena, p > 38 ? 38 : p, t->scale);
    }
    if (sb_type_is_integral(t)) return T(SB_T_LONG);
    return T(SB_T_DOUBLE);
}

static const sb_type *rule_avg(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind == SB_T_INTERVAL_DT || t->kind == SB_T_INTERVAL_YM) return t;
    t = sb_fn_arg(c, 0, SB_X_NUMERIC, NULL);
    if (!t) return NULL;
    if (t->kind == SB_T_DECIMAL) {
        int p = t->precision + 4, s = t->scale + 4;
        return sb_type_decimal(c->arena, p > 38 ? 38 : p, s > 38 ? 38 : s);
    }
    return T(SB_T_DOUBLE);
}

static const sb_type *rule_minmax(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (!sb_type_is_orderable(t))
        return sb_fn_error(c, 0, "type-mismatch", "%s cannot order values of type %s", fname(c),
                           sb_type_str(c->arena, t));
    return t;
}

static const sb_type *rule_first(const sb_func_call *c)
{
    if (c->nargs > 1) {
        const sb_expr *e = c->args[1];
        if (!(e->kind == SB_E_LITERAL && e->u.lit.kind == SB_LIT_BOOLEAN))
            return sb_fn_error(
                c, 1, "not-constant",
                "%s expects a constant boolean (ignore nulls) as its second argument", fname(c));
    }
    return arg_type(c, 0);
}

static const sb_type *rule_collect(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (sb_str_ieq(fname(c), "collect_set") && !sb_type_is_hashable(t))
        return sb_fn_error(c, 0, "type-mismatch", "collect_set cannot collect values of type %s",
                           sb_type_str(c->arena, t));
    return sb_type_array(c->arena, t, false);
}

static const sb_type *rule_by(const sb_func_call *c)
{
    const sb_type *o = arg_type(c, 1);
    if (!sb_type_is_orderable(o))
        return sb_fn_error(c, 1, "type-mismatch", "%s cannot order by values of type %s", fname(c),
                           sb_type_str(c->arena, o));
    return arg_type(c, 0);
}

static const sb_type *rule_percentile_approx(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    sb_type_kind k = t->kind;
    if (!sb_type_is_numeric(t) && k != SB_T_DATE && k != SB_T_TIMESTAMP &&
        k != SB_T_TIMESTAMP_NTZ && k != SB_T_INTERVAL_DT && k != SB_T_INTERVAL_YM) {
        t = sb_fn_arg(c, 0, SB_X_NUMERIC, NULL);
        if (!t) return NULL;
    }
    if (c->nargs > 2 && !sb_fn_arg(c, 2, SB_X_TYPE, T(SB_T_INT))) return NULL;
    const sb_type *p = arg_type(c, 1);
    if (p->kind == SB_T_ARRAY) return sb_type_array(c->arena, t, false);
    if (!sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_DOUBLE))) return NULL;
    return t;
}

static const sb_type *rule_percentile(const sb_func_call *c)
{
    /* percentile and median of intervals are intervals, of numbers double. */
    const sb_type *t = arg_type(c, 0);
    const sb_type *r = T(SB_T_DOUBLE);
    if (t->kind == SB_T_INTERVAL_DT || t->kind == SB_T_INTERVAL_YM)
        r = t;
    else if (!sb_fn_arg(c, 0, SB_X_NUMERIC, NULL))
        return NULL;
    if (c->nargs < 2) return r; /* median */
    const sb_type *p = arg_type(c, 1);
    if (p->kind == SB_T_ARRAY) return sb_type_array(c->arena, r, false);
    if (!sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_DOUBLE))) return NULL;
    return r;
}

static const sb_type *rule_bool_agg(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind != SB_T_BOOLEAN && t->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects a boolean, got %s", fname(c),
                           sb_type_str(c->arena, t));
    const fdef *fd = def_of(c);
    return fixed_result(fd->out[0], c->arena);
}

/* ---- rules: windows ------------------------------------------------------- */

static const sb_type *rule_ntile(const sb_func_call *c)
{
    /* NTile expects an int without implicit casts. */
    sb_type_kind k = arg_type(c, 0)->kind;
    if (k != SB_T_INT && k != SB_T_SHORT && k != SB_T_BYTE)
        return sb_fn_error(c, 0, "type-mismatch", "ntile expects an int number of buckets, got %s",
                           sb_type_str(c->arena, arg_type(c, 0)));
    if (!is_foldable(c->args[0]))
        return sb_fn_error(c, 0, "not-constant", "ntile expects a constant number of buckets");
    return T(SB_T_INT);
}

static const sb_type *rule_lag(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (c->nargs > 1) {
        if (!sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_INT))) return NULL;
        if (!is_foldable(c->args[1]))
            return sb_fn_error(c, 1, "not-constant", "%s expects a constant offset", fname(c));
    }
    if (c->nargs > 2 && !sb_fn_arg(c, 2, SB_X_TYPE, t)) return NULL;
    return t;
}

static const sb_type *rule_nth_value(const sb_func_call *c)
{
    if (!sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_INT))) return NULL;
    if (c->nargs > 2 && !sb_fn_arg(c, 2, SB_X_TYPE, T(SB_T_BOOLEAN))) return NULL;
    return arg_type(c, 0);
}

/* ---- rules: collections ----------------------------------------------- */

static bool any_nullable(const sb_func_call *c, size_t from, size_t step)
{
    for (size_t i = from; i < c->nargs; i += step)
        if (c->args[i]->nullable) return true;
    return false;
}

static const sb_type *rule_array(const sb_func_call *c)
{
    if (c->nargs == 0) return sb_type_array(c->arena, T(SB_T_NULL), false);
    const sb_type *w = wider_args(c, 0, c->nargs, true);
    return w ? sb_type_array(c->arena, w, any_nullable(c, 0, 1)) : NULL;
}

static const sb_type *rule_map(const sb_func_call *c)
{
    if (c->nargs % 2)
        return sb_fn_error(c, -1, "wrong-arg-count",
                           "map expects an even number of arguments (key, value, ...), got %zu",
                           c->nargs);
    if (c->nargs == 0) return sb_type_map(c->arena, T(SB_T_NULL), T(SB_T_NULL), false);
    const sb_type **ks = cast_buf(c), **vs = cast_buf(c);
    size_t n = 0;
    for (size_t i = 0; i + 1 < c->nargs; i += 2, n++) {
        ks[n] = arg_type(c, i);
        vs[n] = arg_type(c, i + 1);
    }
    const sb_type *k = sb_type_wider_common_list(c->arena, ks, n, true);
    const sb_type *v = sb_type_wider_common_list(c->arena, vs, n, true);
    if (!k) return sb_fn_error(c, -1, "type-mismatch", "map keys have no common type");
    if (!v) return sb_fn_error(c, -1, "type-mismatch", "map values have no common type");
    if (!sb_type_is_hashable(k))
        return sb_fn_error(c, 0, "type-mismatch", "a map key cannot be of type %s",
                           sb_type_str(c->arena, k));
    return sb_type_map(c->arena, k, v, any_nullable(c, 1, 2));
}

/* The name Spark gives a struct field made from an expression. */
static const char *struct_field_name(const sb_func_call *c, size_t i)
{
    const sb_expr *e = c->args[i];
    if (e->kind == SB_E_COLUMN && e->u.column.nparts)
        return e->u.column.parts[e->u.column.nparts - 1];
    if (e->kind == SB_E_FIELD) return e->u.field.name;
    return sb_arena_printf(c->arena, "col%zu", i + 1);
}

static const sb_type *rule_struct(const sb_func_call *c)
{
    sb_field *fs = sb_arena_alloc(c->arena, (c->nargs + 1) * sizeof *fs);
    for (size_t i = 0; i < c->nargs; i++) {
        fs[i].name = struct_field_name(c, i);
        fs[i].type = arg_type(c, i);
        fs[i].nullable = c->args[i]->nullable;
    }
    return sb_type_struct(c->arena, fs, c->nargs);
}

static const sb_type *rule_named_struct(const sb_func_call *c)
{
    if (c->nargs % 2)
        return sb_fn_error(c, -1, "wrong-arg-count",
                           "named_struct expects name, value pairs, got %zu arguments", c->nargs);
    sb_field *fs = sb_arena_alloc(c->arena, (c->nargs / 2 + 1) * sizeof *fs);
    for (size_t i = 0; i < c->nargs; i += 2) {
        const char *name;
        if (!sb_expr_string_value(c->args[i], &name))
            return sb_fn_error(c, (long)i, "not-constant",
                               "named_struct expects a constant string field name");
        fs[i / 2].name = name;
        fs[i / 2].type = arg_type(c, i + 1);
        fs[i / 2].nullable = c->args[i + 1]->nullable;
    }
    return sb_type_struct(c->arena, fs, c->nargs / 2);
}

static const sb_type *rule_size(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind != SB_T_ARRAY && t->kind != SB_T_MAP && t->kind != SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an array or a map, got %s", fname(c),
                           sb_type_str(c->arena, t));
    return T(SB_T_INT);
}

static const sb_type *need_array(const sb_func_call *c, size_t i)
{
    const sb_type *t = arg_type(c, i);
    if (t && t->kind == SB_T_ARRAY) return t;
    if (t && t->kind == SB_T_NULL) return sb_type_array(c->arena, T(SB_T_NULL), true);
    return sb_fn_error(c, (long)i, "type-mismatch",
                       "%s expects an array as its %s argument, got %s", fname(c), ordinal(i),
                       sb_type_str(c->arena, t));
}

static const sb_type *need_map(const sb_func_call *c, size_t i)
{
    const sb_type *t = arg_type(c, i);
    if (t && t->kind == SB_T_MAP) return t;
    if (t && t->kind == SB_T_NULL) return sb_type_map(c->arena, T(SB_T_NULL), T(SB_T_NULL), true);
    return sb_fn_error(c, (long)i, "type-mismatch", "%s expects a map as its %s argument, got %s",
                       fname(c), ordinal(i), sb_type_str(c->arena, t));
}

static const sb_type *rule_array_contains(const sb_func_call *c)
{
    if (arg_type(c, 0)->kind == SB_T_NULL)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an array, got NULL", fname(c));
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    const sb_type *v = arg_type(c, 1);
    if (!sb_type_tightest_common(c->arena, a->elem, v))
        return sb_fn_error(c, 1, "type-mismatch", "%s: cannot look for %s in %s", fname(c),
                           sb_type_str(c->arena, v), sb_type_str(c->arena, a));
    return T(SB_T_BOOLEAN);
}

static const sb_type *rule_element_at(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind == SB_T_MAP) {
        const sb_type *k = arg_type(c, 1);
        if (!sb_type_tightest_common(c->arena, t->key, k) ||
            (k->kind != t->key->kind && k->kind != SB_T_NULL &&
             !(sb_type_is_numeric(k) && sb_type_is_numeric(t->key))))
            return sb_fn_error(c, 1, "type-mismatch",
                               "%s: the keys of %s cannot be compared with %s", fname(c),
                               sb_type_str(c->arena, t), sb_type_str(c->arena, k));
        return t->value;
    }
    if (t->kind != SB_T_ARRAY)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an array or a map, got %s", fname(c),
                           sb_type_str(c->arena, t));
    const sb_type *i = arg_type(c, 1);
    if (!sb_type_is_integral(i) && i->kind != SB_T_NULL)
        return sb_fn_error(c, 1, "type-mismatch", "%s expects an integer index, got %s", fname(c),
                           sb_type_str(c->arena, i));
    return t->elem;
}

static const sb_type *rule_explode(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    bool pos = strncmp(fname(c), "posexplode", 10) == 0;
    /* the _outer forms add a row of nulls for an empty input */
    bool outer = strstr(fname(c), "_outer") != NULL;
    sb_field fs[3];
    size_t n = 0;
    if (pos) fs[n++] = (sb_field){"pos", T(SB_T_INT), outer};
    if (t->kind == SB_T_ARRAY) {
        if (!pos) return t->elem;
        fs[n++] = (sb_field){"col", t->elem, outer || t->contains_null};
    } else if (t->kind == SB_T_MAP) {
        fs[n++] = (sb_field){"key", t->key, outer};
        fs[n++] = (sb_field){"value", t->value, outer || t->contains_null};
    } else {
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an array or a map, got %s", fname(c),
                           sb_type_str(c->arena, t));
    }
    return sb_type_struct(c->arena, fs, n);
}

static const sb_type *rule_inline(const sb_func_call *c)
{
    const sb_type *t = arg_type(c, 0);
    if (t->kind != SB_T_ARRAY || t->elem->kind != SB_T_STRUCT)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects an array of structs, got %s",
                           fname(c), sb_type_str(c->arena, t));
    if (!strstr(fname(c), "_outer")) return t->elem;
    /* inline_outer adds a row of nulls for an empty array */
    const sb_type *st = t->elem;
    sb_field *fs = sb_arena_alloc(c->arena, (st->nfields ? st->nfields : 1) * sizeof *fs);
    for (size_t i = 0; i < st->nfields; i++) {
        fs[i] = st->fields[i];
        fs[i].nullable = true;
    }
    return sb_type_struct(c->arena, fs, st->nfields);
}

static const sb_type *rule_stack(const sb_func_call *c)
{
    long long n;
    if (!sb_expr_int_value(c->args[0], &n) || n < 1)
        return sb_fn_error(c, 0, "not-constant", "stack expects a constant positive row count");
    size_t rows = (size_t)n, vals = c->nargs - 1;
    size_t cols = (vals + rows - 1) / rows;
    sb_field *fs = sb_arena_alloc(c->arena, (cols + 1) * sizeof *fs);
    for (size_t j = 0; j < cols; j++) {
        const sb_type *t = NULL;
        for (size_t r = 0; r < rows; r++) {
            size_t i = 1 + r * cols + j;
            if (i >= c->nargs) continue;
            const sb_type *u = arg_type(c, i);
            if (u->kind == SB_T_NULL) continue;
            if (!t)
                t = u;
            else if (!sb_type_same_shape(t, u))
                return sb_fn_error(c, (long)i, "type-mismatch",
                                   "stack expects column %zu to have one type, got %s and %s",
                                   j + 1, sb_type_str(c->arena, t), sb_type_str(c->arena, u));
        }
        fs[j].name = sb_arena_printf(c->arena, "col%zu", j);
        fs[j].type = t ? t : T(SB_T_NULL);
        fs[j].nullable = true;
    }
    return sb_type_struct(c->arena, fs, cols);
}

static const sb_type *rule_same_array(const sb_func_call *c)
{
    /* array_distinct, shuffle, array_compact, slice, sort_array ... */
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    const fdef *fd = def_of(c);
    if (fd->in && strlen(fd->in) > 1) {
        for (size_t i = 1; i < c->nargs; i++) {
            char code = fd->in[i < strlen(fd->in) ? i : strlen(fd->in) - 1];
            sb_expect_kind want;
            const sb_type *type;
            if (code_expect(code, &want, &type, c->arena) && !sb_fn_arg(c, i, want, type))
                return NULL;
        }
    }
    if (sb_str_ieq(fname(c), "array_sort") && c->nargs > 1) {
        sb_expr *l = c->args[1];
        if (l->kind != SB_E_LAMBDA || l->u.lambda.nparams != 2)
            return sb_fn_error(
                c, 1, "type-mismatch",
                "array_sort expects a comparator (x, y) -> int as its second argument");
        const sb_type *ps[2] = {a->elem, a->elem};
        const sb_type *body = sb_check_lambda(c, l, ps, 2);
        if (!body) return NULL;
        if (body->kind != SB_T_INT && body->kind != SB_T_NULL && !sb_type_is_integral(body))
            return sb_fn_error(c, 1, "type-mismatch",
                               "the comparator of array_sort must return an int, got %s",
                               sb_type_str(c->arena, body));
        return a;
    }
    if (sb_str_ieq(fname(c), "sort_array") || sb_str_ieq(fname(c), "array_sort")) {
        if (!sb_type_is_orderable(a->elem))
            return sb_fn_error(c, 0, "type-mismatch", "%s cannot sort values of type %s", fname(c),
                               sb_type_str(c->arena, a->elem));
    }
    return a;
}

static const sb_type *rule_array_elem(const sb_func_call *c)
{
    /* array_max, array_min, get, try_element_at on arrays */
    if (arg_type(c, 0)->kind == SB_T_MAP) return rule_element_at(c);
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    for (size_t i = 1; i < c->nargs; i++)
        if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_INT))) return NULL;
    return a->elem;
}

static const sb_type *rule_array_join(const sb_func_call *c)
{
    if (!need_array(c, 0)) return NULL;
    if (!sb_fn_arg(c, 0, SB_X_TYPE, sb_type_array(c->arena, T(SB_T_STRING), true))) return NULL;
    for (size_t i = 1; i < c->nargs; i++)
        if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    return T(SB_T_STRING);
}

static const sb_type *rule_flatten(const sb_func_call *c)
{
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    if (a->elem->kind != SB_T_ARRAY)
        return sb_fn_error(c, 0, "type-mismatch", "flatten expects an array of arrays, got %s",
                           sb_type_str(c->arena, a));
    return a->elem;
}

static const sb_type *rule_array_set(const sb_func_call *c)
{
    /* array_union, array_intersect, array_except, arrays_overlap, array_append,
     * array_remove, array_position: the arrays' element types must widen. */
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    const char *n = fname(c);
    const sb_type *other = arg_type(c, 1);
    bool elem_arg = sb_str_ieq(n, "array_append") || sb_str_ieq(n, "array_remove") ||
                    sb_str_ieq(n, "array_position") || sb_str_ieq(n, "array_prepend");
    const sb_type *oe = elem_arg ? other : (other->kind == SB_T_ARRAY ? other->elem : NULL);
    if (!oe)
        return sb_fn_error(c, 1, "type-mismatch",
                           "%s expects an array as its second argument, got %s", n,
                           sb_type_str(c->arena, other));
    const sb_type *w = sb_type_tightest_common(c->arena, a->elem, oe);
    if (!w)
        return sb_fn_error(c, 1, "type-mismatch", "%s: %s and %s have no common element type", n,
                           sb_type_str(c->arena, a), sb_type_str(c->arena, other));
    if (sb_str_ieq(n, "arrays_overlap")) return T(SB_T_BOOLEAN);
    if (sb_str_ieq(n, "array_position")) return T(SB_T_LONG);
    if (sb_str_ieq(n, "array_remove")) return a;
    bool cn = a->contains_null || (elem_arg ? c->args[1]->nullable : other->contains_null);
    return sb_type_array(c->arena, w, cn);
}

static const sb_type *rule_arrays_zip(const sb_func_call *c)
{
    sb_field *fs = sb_arena_alloc(c->arena, (c->nargs + 1) * sizeof *fs);
    for (size_t i = 0; i < c->nargs; i++) {
        const sb_type *a = need_array(c, i);
        if (!a) return NULL;
        const sb_expr *e = c->args[i];
        fs[i].name = e->kind == SB_E_COLUMN ? e->u.column.parts[e->u.column.nparts - 1]
                                            : sb_arena_printf(c->arena, "%zu", i);
        fs[i].type = a->elem;
        fs[i].nullable = true;
    }
    return sb_type_array(c->arena, sb_type_struct(c->arena, fs, c->nargs), false);
}

static const sb_type *rule_array_repeat(const sb_func_call *c)
{
    if (!sb_fn_arg(c, 1, SB_X_TYPE, T(SB_T_INT))) return NULL;
    return sb_type_array(c->arena, arg_type(c, 0), c->args[0]->nullable);
}

static const sb_type *rule_sequence(const sb_func_call *c)
{
    const sb_type *w = sb_type_tightest_common(c->arena, arg_type(c, 0), arg_type(c, 1));
    if (!w || (!sb_type_is_integral(w) && !sb_type_is_datetime(w)))
        return sb_fn_error(
            c, -1, "type-mismatch", "sequence expects integers, dates or timestamps, got %s and %s",
            sb_type_str(c->arena, arg_type(c, 0)), sb_type_str(c->arena, arg_type(c, 1)));
    return sb_type_array(c->arena, w, false);
}

static const sb_type *rule_map_keys(const sb_func_call *c)
{
    const sb_type *m = need_map(c, 0);
    if (!m) return NULL;
    const char *n = fname(c);
    if (sb_str_ieq(n, "map_keys")) return sb_type_array(c->arena, m->key, false);
    if (sb_str_ieq(n, "map_values")) return sb_type_array(c->arena, m->value, m->contains_null);
    sb_field fs[2] = {{"key", m->key, false}, {"value", m->value, m->contains_null}};
    return sb_type_array(c->arena, sb_type_struct(c->arena, fs, 2), false);
}

static const sb_type *rule_map_contains_key(const sb_func_call *c)
{
    const sb_type *m = need_map(c, 0);
    if (!m) return NULL;
    if (!sb_type_tightest_common(c->arena, m->key, arg_type(c, 1)))
        return sb_fn_error(c, 1, "type-mismatch", "%s: the keys of %s cannot be compared with %s",
                           fname(c), sb_type_str(c->arena, m),
                           sb_type_str(c->arena, arg_type(c, 1)));
    return T(SB_T_BOOLEAN);
}

static const sb_type *rule_map_from_arrays(const sb_func_call *c)
{
    const sb_type *k = need_array(c, 0), *v = k ? need_array(c, 1) : NULL;
    if (!v) return NULL;
    return sb_type_map(c->arena, k->elem, v->elem, v->contains_null);
}

static const sb_type *rule_map_from_entries(const sb_func_call *c)
{
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    if (a->elem->kind != SB_T_STRUCT || a->elem->nfields != 2)
        return sb_fn_error(c, 0, "type-mismatch",
                           "map_from_entries expects an array of two-field structs, got %s",
                           sb_type_str(c->arena, a));
    return sb_type_map(c->arena, a->elem->fields[0].type, a->elem->fields[1].type,
                       a->elem->fields[1].nullable);
}

static const sb_type *rule_map_concat(const sb_func_call *c)
{
    if (c->nargs == 0) return sb_type_map(c->arena, T(SB_T_STRING), T(SB_T_STRING), false);
    for (size_t i = 0; i < c->nargs; i++)
        if (!need_map(c, i)) return NULL;
    return wider_args(c, 0, c->nargs, true);
}

/* ---- rules: higher-order functions --------------------------------------- */

static const sb_type *lambda_arg(const sb_func_call *c, size_t i, const sb_type *const *types,
                                 size_t n, size_t min_params)
{
    sb_expr *l = c->args[i];
    if (!l || l->kind != SB_E_LAMBDA)
        return sb_fn_error(c, (long)i, "type-mismatch",
                           "%s expects a lambda function (x -> ...) as its %s argument", fname(c),
                           ordinal(i));
    if (l->u.lambda.nparams < min_params || l->u.lambda.nparams > n)
        return sb_fn_error(
            c, (long)i, "wrong-arg-count", "the lambda of %s takes %s%zu parameter%s, got %zu",
            fname(c), min_params == n ? "" : "up to ", n, n == 1 ? "" : "s", l->u.lambda.nparams);
    return sb_check_lambda(c, l, types, l->u.lambda.nparams);
}

static const sb_type *rule_transform(const sb_func_call *c)
{
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    const sb_type *ps[2] = {a->elem, T(SB_T_INT)};
    const sb_type *body = lambda_arg(c, 1, ps, 2, 1);
    if (!body) return NULL;
    const char *n = fname(c);
    if (sb_str_ieq(n, "transform")) return sb_type_array(c->arena, body, c->args[1]->nullable);
    if (body->kind != SB_T_BOOLEAN && body->kind != SB_T_NULL)
        return sb_fn_error(c, 1, "type-mismatch", "the lambda of %s must return a boolean, got %s",
                           n, sb_type_str(c->arena, body));
    if (sb_str_ieq(n, "filter")) return a;
    return T(SB_T_BOOLEAN); /* exists, forall */
}

static const sb_type *rule_aggregate(const sb_func_call *c)
{
    const sb_type *a = need_array(c, 0);
    if (!a) return NULL;
    const sb_type *zero = arg_type(c, 1);
    const sb_type *ps[2] = {zero, a->elem};
    const sb_type *merged = lambda_arg(c, 2, ps, 2, 2);
    if (!merged) return NULL;
    if (!sb_type_same_shape(merged, zero) && zero->kind != SB_T_NULL)
        return sb_fn_error(
            c, 2, "type-mismatch",
            "the merge lambda of %s must return the type of the initial value (%s), got %s",
            fname(c), sb_type_str(c->arena, zero), sb_type_str(c->arena, merged));
    if (c->nargs > 3) {
        const sb_type *fs[1] = {merged};
        return lambda_arg(c, 3, fs, 1, 1);
    }
    return merged;
}

static const sb_type *rule_zip_with(const sb_func_call *c)
{
    const sb_type *x = need_array(c, 0), *y = x ? need_array(c, 1) : NULL;
    if (!y) return NULL;
    const sb_type *ps[2] = {x->elem, y->elem};
    const sb_type *body = lambda_arg(c, 2, ps, 2, 2);
    return body ? sb_type_array(c->arena, body, true) : NULL;
}

static const sb_type *rule_map_hof(const sb_func_call *c)
{
    const sb_type *m = need_map(c, 0);
    if (!m) return NULL;
    const sb_type *ps[2] = {m->key, m->value};
    const sb_type *body = lambda_arg(c, 1, ps, 2, 2);
    if (!body) return NULL;
    const char *n = fname(c);
    if (sb_str_ieq(n, "transform_keys"))
        return sb_type_map(c->arena, body, m->value, m->contains_null);
    if (sb_str_ieq(n, "transform_values"))
        return sb_type_map(c->arena, m->key, body, c->args[1]->nullable);
    if (body->kind != SB_T_BOOLEAN && body->kind != SB_T_NULL)
        return sb_fn_error(c, 1, "type-mismatch", "the lambda of %s must return a boolean, got %s",
                           n, sb_type_str(c->arena, body));
    return m;
}

/* ---- rules: hashing, json, casts ----------------------------------------- */

static const sb_type *rule_hash(const sb_func_call *c)
{
    for (size_t i = 0; i < c->nargs; i++)
        if (!sb_type_is_hashable(arg_type(c, i)))
            return sb_fn_error(c, (long)i, "type-mismatch", "%s cannot hash values of type %s",
                               fname(c), sb_type_str(c->arena, arg_type(c, i)));
    return sb_str_ieq(fname(c), "xxhash64") ? T(SB_T_LONG) : T(SB_T_INT);
}

static const sb_type *rule_to_json(const sb_func_call *c)
{
    sb_type_kind k = arg_type(c, 0)->kind;
    if (k != SB_T_STRUCT && k != SB_T_MAP && k != SB_T_ARRAY)
        return sb_fn_error(c, 0, "type-mismatch", "%s expects a struct, map or array, got %s",
                           fname(c), sb_type_str(c->arena, arg_type(c, 0)));
    return T(SB_T_STRING);
}

static const sb_type *rule_from_json(const sb_func_call *c)
{
    if (!sb_fn_arg(c, 0, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    const char *schema;
    if (!sb_expr_string_value(c->args[1], &schema))
        return sb_fn_error(c, 1, "not-constant", "%s expects a constant schema string", fname(c));
    /* Both DDL forms: "a INT, b STRING" and a single type "array<int>". */
    sb_diags tmp;
    sb_diags_init(&tmp, c->arena);
    const sb_type *t = sb_type_parse(c->arena, schema, strlen(schema), &tmp);
    if (!t || t->kind == SB_T_BOOLEAN || sb_type_is_atomic(t)) {
        sb_diags_init(&tmp, c->arena);
        t = sb_type_parse_schema(c->arena, schema, strlen(schema), &tmp);
    }
    if (!t) return sb_fn_error(c, 1, "bad-schema", "%s: invalid schema `%s`", fname(c), schema);
    if (sb_str_ieq(fname(c), "from_csv") && t->kind != SB_T_STRUCT)
        return sb_fn_error(c, 1, "bad-schema", "from_csv expects a struct schema");
    return t;
}

static const sb_type *rule_json_tuple(const sb_func_call *c)
{
    if (c->nargs < 2)
        return sb_fn_error(c, -1, "wrong-arg-count",
                           "json_tuple expects a json string and field names");
    for (size_t i = 0; i < c->nargs; i++)
        if (!sb_fn_arg(c, i, SB_X_TYPE, T(SB_T_STRING))) return NULL;
    sb_field *fs = sb_arena_alloc(c->arena, c->nargs * sizeof *fs);
    for (size_t i = 1; i < c->nargs; i++) {
        fs[i - 1].name = sb_arena_printf(c->arena, "c%zu", i - 1);
        fs[i - 1].type = T(SB_T_STRING);
        fs[i - 1].nullable = true;
    }
    return sb_type_struct(c->arena, fs, c->nargs - 1);
}

static const sb_type *cast_to(const sb_func_call *c, const sb_type *to)
{
    const sb_type *t = arg_type(c, 0);
    if (!sb_type_castable(t, to))
        return sb_fn_error(c, 0, "bad-cast", "cannot cast %s to %s", sb_type_str(c->arena, t),
                           sb_type_str(c->arena, to));
    return to;
}

static const sb_type *rule_cast_fn(const sb_func_call *c)
{
    const fdef *fd = def_of(c);
    if (fd->out[0] == 'E') return cast_to(c, sb_type_decimal(c->arena, 10, 0)); /* USER_DEFAULT */
    static const struct {
        char code;
        sb_type_kind k;
    } more[] = {{'F', SB_T_FLOAT}, {'h', SB_T_SHORT}, {'y', SB_T_BYTE}};
    for (size_t i = 0; i < SB_COUNTOF(more); i++)
        if (fd->out[0] == more[i].code) return cast_to(c, T(more[i].k));
    return cast_to(c, fixed_result(fd->out[0], c->arena));
}

static const sb_type *rule_count(const sb_func_call *c)
{
    return T(SB_T_LONG);
}

static const sb_type *rule_typeof(const sb_func_call *c)
{
    return T(SB_T_STRING);
}

/* ---- the catalogue ------------------------------------------------------ */

#define S_ SB_FUNC_SCALAR
#define A_ SB_FUNC_AGGREGATE
#define W_ SB_FUNC_WINDOW
#define G_ SB_FUNC_GENERATOR
#define NA SB_NULL_ANY
#define NN SB_NULL_NEVER
#define NU SB_NULL_ALWAYS
#define NL SB_NULL_ALL
#define NF SB_NULL_FIRST
#define NS SB_NULL_SECOND
#define NT SB_NULL_TAIL

/* name, class, min, max, in, out, null rule, rule, pyspark, signature, summary */
#define F(name, cls, lo, hi, in, out, nl, rule, py, sig, sum)                                      \
    {                                                                                              \
        {name, cls, lo, hi, rule, py, sig, sum}, in, out, nl                                       \
    }

static const fdef CATALOGUE[] = {
    /* strings */
    F("ascii", S_, 1, 1, "S", "I", NA, generic_rule, "ascii", "ascii(str)",
      "Code point of the first character"),
    F("base64", S_, 1, 1, "X", "S", NA, generic_rule, "base64", "base64(bin)",
      "Base64 text of binary data"),
    F("bin", S_, 1, 1, "L", "S", NA, generic_rule, "bin", "bin(n)", "Binary digits of a number"),
    F("bit_length", S_, 1, 1, "Q", "I", NA, generic_rule, "bit_length", "bit_length(str)",
      "Length in bits"),
    F("btrim", S_, 1, 2, "S", "S", NA, generic_rule, "btrim", "btrim(str [, chars])",
      "Trim both ends"),
    F("char", S_, 1, 1, "L", "S", NA, generic_rule, "char", "char(n)",
      "Character with the code point n"),
    F("char_length", S_, 1, 1, "Q", "I", NA, generic_rule, "char_length", "char_length(str)",
      "Length in characters"),
    F("character_length", S_, 1, 1, "Q", "I", NA, generic_rule, "character_length",
      "character_length(str)", "Length in characters"),
    F("chr", S_, 1, 1, "L", "S", NA, generic_rule, NULL, "chr(n)",
      "Character with the code point n"),
    F("concat", S_, 0, -1, "", "S", NA, rule_concat, "concat", "concat(a, b, ...)",
      "Concatenate strings, binaries or arrays"),
    F("concat_ws", S_, 1, -1, "", "S", NF, rule_concat_ws, "concat_ws", "concat_ws(sep, str, ...)",
      "Concatenate with a separator, skipping nulls"),
    F("contains", S_, 2, 2, "", "B", NA, rule_atomic_pred, "contains", "contains(str, sub)",
      "Does str contain sub?"),
    F("conv", S_, 3, 3, "SII", "S", NA, generic_rule, "conv", "conv(num, from_base, to_base)",
      "Convert between number bases"),
    F("decode", S_, 2, 2, "XS", "S", NA, generic_rule, "decode", "decode(bin, charset)",
      "Decode binary to text"),
    F("elt", S_, 2, -1, "", "S", NA, rule_elt, "elt", "elt(n, a, b, ...)", "The n-th argument"),
    F("encode", S_, 2, 2, "SS", "X", NA, generic_rule, "encode", "encode(str, charset)",
      "Encode text to binary"),
    F("endswith", S_, 2, 2, "", "B", NA, rule_atomic_pred, "endswith", "endswith(str, suffix)",
      "Does str end with suffix?"),
    F("find_in_set", S_, 2, 2, "SS", "I", NA, generic_rule, "find_in_set", "find_in_set(str, list)",
      "1-based position in a comma-separated list"),
    F("format_number", S_, 2, 2, "", "S", NA, rule_format_number, "format_number",
      "format_number(x, d)", "Format with grouping and d decimals"),
    F("format_string", S_, 1, -1, "SA", "S", NF, generic_rule, "format_string",
      "format_string(fmt, ...)", "printf-style formatting"),
    F("hex", S_, 1, 1, "", "S", NA, rule_hex, "hex", "hex(x)", "Hexadecimal text"),
    F("initcap", S_, 1, 1, "S", "S", NA, generic_rule, "initcap", "initcap(str)",
      "Capitalize each word"),
    F("instr", S_, 2, 2, "SS", "I", NA, generic_rule, "instr", "instr(str, sub)",
      "1-based position of sub"),
    F("lcase", S_, 1, 1, "S", "S", NA, generic_rule, "lcase", "lcase(str)", "Lower-case"),
    F("left", S_, 2, 2, "SI", "S", NA, generic_rule, "left", "left(str, n)", "First n characters"),
    F("len", S_, 1, 1, "Q", "I", NA, generic_rule, NULL, "len(str)", "Length in characters"),
    F("length", S_, 1, 1, "Q", "I", NA, generic_rule, "length", "length(str)",
      "Length in characters (bytes for binary)"),
    F("levenshtein", S_, 2, 3, "SSI", "I", NA, generic_rule, "levenshtein",
      "levenshtein(a, b [, max])", "Edit distance"),
    F("locate", S_, 2, 3, "SSI", "I", NA, generic_rule, "locate", "locate(sub, str [, pos])",
      "1-based position of sub"),
    F("lower", S_, 1, 1, "S", "S", NA, generic_rule, "lower", "lower(str)", "Lower-case"),
    F("lpad", S_, 2, 3, "QIQ", "S", NA, rule_str_or_bin, "lpad", "lpad(str, len [, pad])",
      "Pad on the left"),
    F("ltrim", S_, 1, 2, "S", "S", NA, generic_rule, "ltrim", "ltrim(str)", "Trim leading spaces"),
    F("mask", S_, 1, 5, "S", "S", NA, generic_rule, "mask",
      "mask(str [, upper, lower, digit, other])", "Mask characters"),
    F("octet_length", S_, 1, 1, "Q", "I", NA, generic_rule, "octet_length", "octet_length(str)",
      "Length in bytes"),
    F("overlay", S_, 3, 4, "QQII", "S", NA, rule_str_or_bin, "overlay",
      "overlay(str, repl, pos [, len])", "Replace a part of str"),
    F("position", S_, 2, 3, "SSI", "I", NA, generic_rule, "position", "position(sub, str [, pos])",
      "1-based position of sub"),
    F("printf", S_, 1, -1, "SA", "S", NF, generic_rule, "printf", "printf(fmt, ...)",
      "printf-style formatting"),
    F("regexp", S_, 2, 2, "SS", "B", NA, generic_rule, "regexp", "regexp(str, regex)",
      "Does str match regex?"),
    F("regexp_count", S_, 2, 2, "SS", "I", NA, generic_rule, "regexp_count",
      "regexp_count(str, regex)", "Number of matches"),
    F("regexp_extract", S_, 2, 3, "SSI", "S", NA, generic_rule, "regexp_extract",
      "regexp_extract(str, regex [, group])", "The group of the first match"),
    F("regexp_extract_all", S_, 2, 3, "SSI", "G", NA, generic_rule, "regexp_extract_all",
      "regexp_extract_all(str, regex [, group])", "The group of every match"),
    F("regexp_like", S_, 2, 2, "SS", "B", NA, generic_rule, "regexp_like",
      "regexp_like(str, regex)", "Does str match regex?"),
    F("regexp_replace", S_, 3, 4, "SSSI", "S", NA, generic_rule, "regexp_replace",
      "regexp_replace(str, regex, rep [, pos])", "Replace every match"),
    F("regexp_substr", S_, 2, 2, "SS", "S", NA, generic_rule, "regexp_substr",
      "regexp_substr(str, regex)", "The first match"),
    F("repeat", S_, 2, 2, "SI", "S", NA, generic_rule, "repeat", "repeat(str, n)",
      "str repeated n times"),
    F("replace", S_, 2, 3, "SSS", "S", NA, generic_rule, "replace", "replace(str, search [, rep])",
      "Replace every occurrence"),
    F("reverse", S_, 1, 1, "", "S", NA, rule_reverse, "reverse", "reverse(str_or_array)",
      "Reverse a string or an array"),
    F("right", S_, 2, 2, "SI", "S", NA, generic_rule, "right", "right(str, n)",
      "Last n characters"),
    F("rlike", S_, 2, 2, "SS", "B", NA, generic_rule, "rlike", "rlike(str, regex)",
      "Does str match regex?"),
    F("like", S_, 2, 3, "SSS", "B", NA, generic_rule, "like", "like(str, pattern [, escape])",
      "SQL LIKE as a function"),
    F("ilike", S_, 2, 3, "SSS", "B", NA, generic_rule, "ilike", "ilike(str, pattern [, escape])",
      "Case-insensitive LIKE"),
    F("regexp_instr", S_, 2, 3, "SSI", "I", NA, generic_rule, "regexp_instr",
      "regexp_instr(str, regex [, group])", "Position of the first match"),
    F("to_char", S_, 2, 2, "NS", "S", NA, generic_rule, "to_char", "to_char(num, fmt)",
      "A number formatted"),
    F("to_varchar", S_, 2, 2, "NS", "S", NA, generic_rule, "to_varchar", "to_varchar(num, fmt)",
      "A number formatted"),
    F("rpad", S_, 2, 3, "QIQ", "S", NA, rule_str_or_bin, "rpad", "rpad(str, len [, pad])",
      "Pad on the right"),
    F("rtrim", S_, 1, 2, "S", "S", NA, generic_rule, "rtrim", "rtrim(str)", "Trim trailing spaces"),
    F("sentences", S_, 1, 3, "S", "W", NA, generic_rule, "sentences",
      "sentences(str [, lang, country])", "Split into sentences of words"),
    F("soundex", S_, 1, 1, "S", "S", NA, generic_rule, "soundex", "soundex(str)", "Soundex code"),
    F("space", S_, 1, 1, "I", "S", NA, generic_rule, NULL, "space(n)", "n spaces"),
    F("split", S_, 2, 3, "SSI", "G", NA, generic_rule, "split", "split(str, regex [, limit])",
      "Split around matches of regex"),
    F("split_part", S_, 3, 3, "SSI", "S", NA, generic_rule, "split_part",
      "split_part(str, delim, n)", "The n-th part"),
    F("startswith", S_, 2, 2, "", "B", NA, rule_atomic_pred, "startswith",
      "startswith(str, prefix)", "Does str start with prefix?"),
    F("substr", S_, 2, 3, "QII", "S", NA, rule_str_or_bin, "substr", "substr(str, pos [, len])",
      "Substring from 1-based pos"),
    F("substring", S_, 2, 3, "QII", "S", NA, rule_str_or_bin, "substring",
      "substring(str, pos [, len])", "Substring from 1-based pos"),
    F("substring_index", S_, 3, 3, "SSI", "S", NA, generic_rule, "substring_index",
      "substring_index(str, delim, count)", "Part before count delimiters"),
    F("to_binary", S_, 1, 2, "SS", "X", NA, generic_rule, "to_binary", "to_binary(str [, fmt])",
      "Parse binary from text"),
    F("translate", S_, 3, 3, "SSS", "S", NA, generic_rule, "translate", "translate(str, from, to)",
      "Replace characters"),
    F("trim", S_, 1, 2, "S", "S", NA, generic_rule, "trim", "trim(str)", "Trim both ends"),
    F("ucase", S_, 1, 1, "S", "S", NA, generic_rule, "ucase", "ucase(str)", "Upper-case"),
    F("unbase64", S_, 1, 1, "S", "X", NA, generic_rule, "unbase64", "unbase64(str)",
      "Decode base64"),
    F("unhex", S_, 1, 1, "S", "X", NA, generic_rule, "unhex", "unhex(str)", "Decode hexadecimal"),
    F("upper", S_, 1, 1, "S", "S", NA, generic_rule, "upper", "upper(str)", "Upper-case"),
    F("uuid", S_, 0, 0, "", "S", NN, generic_rule, NULL, "uuid()", "A random UUID"),

    /* math: Spark's one-argument math functions (UnaryMathExpression) and
     * the rounding family are nullable whatever their input */
    F("abs", S_, 1, 1, "", "0", NA, rule_same_numeric, "abs", "abs(x)", "Absolute value"),
    F("acos", S_, 1, 1, "D", "D", NU, generic_rule, "acos", "acos(x)", "Inverse cosine"),
    F("acosh", S_, 1, 1, "D", "D", NU, generic_rule, "acosh", "acosh(x)",
      "Inverse hyperbolic cosine"),
    F("asin", S_, 1, 1, "D", "D", NU, generic_rule, "asin", "asin(x)", "Inverse sine"),
    F("asinh", S_, 1, 1, "D", "D", NU, generic_rule, "asinh", "asinh(x)",
      "Inverse hyperbolic sine"),
    F("atan", S_, 1, 1, "D", "D", NU, generic_rule, "atan", "atan(x)", "Inverse tangent"),
    F("atan2", S_, 2, 2, "D", "D", NA, generic_rule, "atan2", "atan2(y, x)", "Angle of (x, y)"),
    F("atanh", S_, 1, 1, "D", "D", NU, generic_rule, "atanh", "atanh(x)",
      "Inverse hyperbolic tangent"),
    F("bit_count", S_, 1, 1, "i", "I", NA, generic_rule, "bit_count", "bit_count(x)",
      "Number of bits set"),
    F("bit_get", S_, 2, 2, "iI", "y", NA, generic_rule, "bit_get", "bit_get(x, pos)",
      "The bit at a position"),
    F("getbit", S_, 2, 2, "iI", "y", NA, generic_rule, "getbit", "getbit(x, pos)",
      "The bit at a position"),
    F("bround", S_, 1, 2, "", "0", NU, rule_round, "bround", "bround(x [, d])",
      "Round half to even"),
    F("cbrt", S_, 1, 1, "D", "D", NU, generic_rule, "cbrt", "cbrt(x)", "Cube root"),
    F("ceil", S_, 1, 2, "", "L", NU, rule_floor_ceil, "ceil", "ceil(x [, d])", "Round up"),
    F("ceiling", S_, 1, 2, "", "L", NU, rule_floor_ceil, "ceiling", "ceiling(x [, d])", "Round up"),
    F("cos", S_, 1, 1, "D", "D", NU, generic_rule, "cos", "cos(x)", "Cosine"),
    F("cosh", S_, 1, 1, "D", "D", NU, generic_rule, "cosh", "cosh(x)", "Hyperbolic cosine"),
    F("cot", S_, 1, 1, "D", "D", NU, generic_rule, "cot", "cot(x)", "Cotangent"),
    F("csc", S_, 1, 1, "D", "D", NU, generic_rule, "csc", "csc(x)", "Cosecant"),
    F("degrees", S_, 1, 1, "D", "D", NU, generic_rule, "degrees", "degrees(x)",
      "Radians to degrees"),
    F("div", S_, 2, 2, "", "L", NA, rule_div, NULL, "div(a, b)", "Integral division"),
    F("e", S_, 0, 0, "", "D", NN, generic_rule, "e", "e()", "Euler's number"),
    F("exp", S_, 1, 1, "D", "D", NU, generic_rule, "exp", "exp(x)", "e to the power x"),
    F("expm1", S_, 1, 1, "D", "D", NU, generic_rule, "expm1", "expm1(x)", "exp(x) - 1"),
    F("factorial", S_, 1, 1, "I", "L", NU, generic_rule, "factorial", "factorial(n)",
      "n! for 0..20"),
    F("floor", S_, 1, 2, "", "L", NU, rule_floor_ceil, "floor", "floor(x [, d])", "Round down"),
    F("greatest", S_, 2, -1, "", "0", NL, rule_greatest, "greatest", "greatest(a, b, ...)",
      "Largest non-null argument"),
    F("hypot", S_, 2, 2, "D", "D", NA, generic_rule, "hypot", "hypot(a, b)", "sqrt(a^2 + b^2)"),
    F("least", S_, 2, -1, "", "0", NL, rule_greatest, "least", "least(a, b, ...)",
      "Smallest non-null argument"),
    F("ln", S_, 1, 1, "D", "D", NU, generic_rule, "ln", "ln(x)", "Natural logarithm"),
    F("log", S_, 1, 2, "D", "D", NU, generic_rule, "log", "log([base,] x)", "Logarithm"),
    F("log10", S_, 1, 1, "D", "D", NU, generic_rule, "log10", "log10(x)", "Base-10 logarithm"),
    F("log1p", S_, 1, 1, "D", "D", NU, generic_rule, "log1p", "log1p(x)", "ln(1 + x)"),
    F("log2", S_, 1, 1, "D", "D", NU, generic_rule, "log2", "log2(x)", "Base-2 logarithm"),
    F("mod", S_, 2, 2, "", "0", NU, rule_mod, NULL, "mod(a, b)", "Remainder"),
    F("negative", S_, 1, 1, "", "0", NA, rule_same_numeric, "negative", "negative(x)", "-x"),
    F("pi", S_, 0, 0, "", "D", NN, generic_rule, "pi", "pi()", "Pi"),
    F("pmod", S_, 2, 2, "", "0", NU, rule_pmod, "pmod", "pmod(a, b)", "Positive remainder"),
    F("positive", S_, 1, 1, "", "0", NA, rule_same_numeric, "positive", "positive(x)", "x"),
    F("pow", S_, 2, 2, "D", "D", NA, generic_rule, "pow", "pow(x, y)", "x to the power y"),
    F("power", S_, 2, 2, "D", "D", NA, generic_rule, "power", "power(x, y)", "x to the power y"),
    F("radians", S_, 1, 1, "D", "D", NU, generic_rule, "radians", "radians(x)",
      "Degrees to radians"),
    F("rand", S_, 0, 1, "", "D", NN, rule_rand, "rand", "rand([seed])", "Uniform random in [0, 1)"),
    F("randn", S_, 0, 1, "", "D", NN, rule_rand, "randn", "randn([seed])",
      "Standard normal random"),
    F("random", S_, 0, 1, "", "D", NN, rule_rand, NULL, "random([seed])",
      "Uniform random in [0, 1)"),
    F("rint", S_, 1, 1, "D", "D", NU, generic_rule, "rint", "rint(x)", "Nearest integer as double"),
    F("round", S_, 1, 2, "", "0", NU, rule_round, "round", "round(x [, d])", "Round half up"),
    F("sec", S_, 1, 1, "D", "D", NU, generic_rule, "sec", "sec(x)", "Secant"),
    F("shiftleft", S_, 2, 2, "", "0", NA, rule_shift, "shiftleft", "shiftleft(x, n)",
      "Bitwise left shift"),
    F("shiftright", S_, 2, 2, "", "0", NA, rule_shift, "shiftright", "shiftright(x, n)",
      "Bitwise signed right shift"),
    F("shiftrightunsigned", S_, 2, 2, "", "0", NA, rule_shift, "shiftrightunsigned",
      "shiftrightunsigned(x, n)", "Bitwise unsigned right shift"),
    F("sign", S_, 1, 1, "D", "D", NU, generic_rule, "sign", "sign(x)", "-1, 0 or 1"),
    F("signum", S_, 1, 1, "D", "D", NU, generic_rule, "signum", "signum(x)", "-1, 0 or 1"),
    F("sin", S_, 1, 1, "D", "D", NU, generic_rule, "sin", "sin(x)", "Sine"),
    F("sinh", S_, 1, 1, "D", "D", NU, generic_rule, "sinh", "sinh(x)", "Hyperbolic sine"),
    F("sqrt", S_, 1, 1, "D", "D", NU, generic_rule, "sqrt", "sqrt(x)", "Square root"),
    F("tan", S_, 1, 1, "D", "D", NU, generic_rule, "tan", "tan(x)", "Tangent"),
    F("tanh", S_, 1, 1, "D", "D", NU, generic_rule, "tanh", "tanh(x)", "Hyperbolic tangent"),
    F("try_add", S_, 2, 2, "", "0", NU, rule_try_add, "try_add", "try_add(a, b)",
      "a + b, null on overflow"),
    F("try_divide", S_, 2, 2, "", "0", NU, rule_try_div, "try_divide", "try_divide(a, b)",
      "a / b, null on error"),
    F("try_multiply", S_, 2, 2, "", "0", NU, rule_try_mul, "try_multiply", "try_multiply(a, b)",
      "a * b, null on overflow"),
    F("try_subtract", S_, 2, 2, "", "0", NU, rule_try_sub, "try_subtract", "try_subtract(a, b)",
      "a - b, null on overflow"),
    F("width_bucket", S_, 4, 4, "DDDL", "L", NU, generic_rule, "width_bucket",
      "width_bucket(x, min, max, n)", "Histogram bucket number"),

    /* conditional and null handling */
    F("assert_true", S_, 1, 2, "", "V", NU, rule_assert_true, "assert_true",
      "assert_true(cond [, msg])", "Fail when cond is false"),
    F("coalesce", S_, 1, -1, "", "0", NL, rule_coalesce, "coalesce", "coalesce(a, b, ...)",
      "First non-null argument"),
    F("equal_null", S_, 2, 2, "AA", "B", NN, generic_rule, "equal_null", "equal_null(a, b)",
      "Null-safe equality"),
    F("if", S_, 3, 3, "", "1", NT, rule_if, NULL, "if(cond, then, else)",
      "then if cond is true, else else"),
    F("ifnull", S_, 2, 2, "", "0", NL, rule_coalesce, "ifnull", "ifnull(a, b)", "b when a is null"),
    F("isnan", S_, 1, 1, "D", "B", NN, generic_rule, "isnan", "isnan(x)", "Is x NaN?"),
    F("isnotnull", S_, 1, 1, "A", "B", NN, generic_rule, "isnotnull", "isnotnull(x)",
      "Is x not null?"),
    F("isnull", S_, 1, 1, "A", "B", NN, generic_rule, "isnull", "isnull(x)", "Is x null?"),
    F("nanvl", S_, 2, 2, "", "D", NA, rule_nanvl, "nanvl", "nanvl(a, b)", "b when a is NaN"),
    F("nullif", S_, 2, 2, "", "0", NU, rule_nullif, "nullif", "nullif(a, b)",
      "null when a = b, else a"),
    F("nvl", S_, 2, 2, "", "0", NL, rule_coalesce, "nvl", "nvl(a, b)", "b when a is null"),
    F("nvl2", S_, 3, 3, "", "1", NT, rule_nvl2, "nvl2", "nvl2(a, b, c)",
      "b when a is not null, else c"),
    F("raise_error", S_, 1, 1, "S", "V", NU, generic_rule, "raise_error", "raise_error(msg)",
      "Fail with msg"),

    /* date and time */
    F("add_months", S_, 2, 2, "dI", "d", NA, generic_rule, "add_months", "add_months(date, n)",
      "Date n months later"),
    F("convert_timezone", S_, 2, 3, "S", "z", NA, generic_rule, "convert_timezone",
      "convert_timezone([from,] to, ts)", "Convert a timestamp between zones"),
    F("curdate", S_, 0, 0, "", "d", NN, generic_rule, "curdate", "curdate()", "Today"),
    F("current_date", S_, 0, 0, "", "d", NN, generic_rule, "current_date", "current_date()",
      "Today (at query start)"),
    F("current_timestamp", S_, 0, 0, "", "t", NN, generic_rule, "current_timestamp",
      "current_timestamp()", "Now (at query start)"),
    F("current_timezone", S_, 0, 0, "", "S", NN, generic_rule, "current_timezone",
      "current_timezone()", "The session time zone"),
    F("date_add", S_, 2, 2, "", "d", NA, rule_date_add, "date_add", "date_add(date, days)",
      "Date days later"),
    F("date_diff", S_, 2, 2, "dd", "I", NA, generic_rule, "date_diff", "date_diff(end, start)",
      "Days between"),
    F("date_format", S_, 2, 2, "TS", "S", NA, generic_rule, "date_format", "date_format(ts, fmt)",
      "Format a timestamp"),
    F("date_from_unix_date", S_, 1, 1, "I", "d", NA, generic_rule, "date_from_unix_date",
      "date_from_unix_date(days)", "Date from days since 1970-01-01"),
    F("date_part", S_, 2, 2, "", "I", NA, rule_date_part, "date_part", "date_part(field, source)",
      "A field of a date, timestamp or interval"),
    F("date_sub", S_, 2, 2, "", "d", NA, rule_date_add, "date_sub", "date_sub(date, days)",
      "Date days earlier"),
    F("date_trunc", S_, 2, 2, "ST", "t", NU, generic_rule, "date_trunc", "date_trunc(unit, ts)",
      "Truncate a timestamp"),
    F("dateadd", S_, 2, 2, "", "d", NA, rule_date_add, "dateadd", "dateadd(date, days)",
      "Date days later"),
    F("datediff", S_, 2, 2, "dd", "I", NA, generic_rule, "datediff", "datediff(end, start)",
      "Days between"),
    F("datepart", S_, 2, 2, "", "I", NA, rule_date_part, "datepart", "datepart(field, source)",
      "A field of a date or timestamp"),
    /* TIMESTAMPADD(unit, n, ts) / TIMESTAMPDIFF(unit, a, b): the parser keeps
     * the unit keyword as a column the checker does not resolve */
    F("timestampadd", S_, 3, 3, "-LT", "2", NA, generic_rule, NULL, "timestampadd(unit, n, ts)",
      "A timestamp n units later"),
    F("timestampdiff", S_, 3, 3, "-TT", "L", NA, generic_rule, NULL,
      "timestampdiff(unit, start, end)", "Whole units between two timestamps"),
    F("day", S_, 1, 1, "d", "I", NA, generic_rule, "day", "day(date)", "Day of month"),
    F("dayofmonth", S_, 1, 1, "d", "I", NA, generic_rule, "dayofmonth", "dayofmonth(date)",
      "Day of month"),
    F("dayofweek", S_, 1, 1, "d", "I", NA, generic_rule, "dayofweek", "dayofweek(date)",
      "1 = Sunday ... 7 = Saturday"),
    F("dayofyear", S_, 1, 1, "d", "I", NA, generic_rule, "dayofyear", "dayofyear(date)",
      "Day of year"),
    F("extract", S_, 2, 2, "", "I", NA, rule_date_part, "extract", "extract(field FROM source)",
      "A field of a date, timestamp or interval"),
    F("from_unixtime", S_, 1, 2, "LS", "S", NA, generic_rule, "from_unixtime",
      "from_unixtime(secs [, fmt])", "Format epoch seconds"),
    F("from_utc_timestamp", S_, 2, 2, "TS", "t", NA, generic_rule, "from_utc_timestamp",
      "from_utc_timestamp(ts, tz)", "UTC to a zone's wall clock"),
    F("hour", S_, 1, 1, "T", "I", NA, generic_rule, "hour", "hour(ts)", "Hour"),
    F("last_day", S_, 1, 1, "d", "d", NA, generic_rule, "last_day", "last_day(date)",
      "Last day of the month"),
    F("localtimestamp", S_, 0, 0, "", "z", NN, generic_rule, "localtimestamp", "localtimestamp()",
      "Now without time zone"),
    F("make_date", S_, 3, 3, "III", "d", NU, generic_rule, "make_date", "make_date(y, m, d)",
      "Date from fields"),
    F("make_dt_interval", S_, 0, 4, "IIIE", "Y", NA, generic_rule, "make_dt_interval",
      "make_dt_interval(days, hours, mins, secs)", "Day-time interval from fields"),
    F("make_interval", S_, 0, 7, "IIIIIIE", "C", NU, generic_rule, "make_interval",
      "make_interval(y, m, w, d, h, mi, s)", "Calendar interval from fields"),
    F("make_timestamp", S_, 6, 7, "IIIIIES", "t", NU, generic_rule, "make_timestamp",
      "make_timestamp(y, m, d, h, mi, s [, tz])", "Timestamp from fields"),
    F("make_timestamp_ltz", S_, 6, 7, "IIIIIES", "t", NU, generic_rule, "make_timestamp_ltz",
      "make_timestamp_ltz(y, m, d, h, mi, s [, tz])", "Timestamp from fields"),
    F("make_timestamp_ntz", S_, 6, 6, "IIIIIE", "z", NU, generic_rule, "make_timestamp_ntz",
      "make_timestamp_ntz(y, m, d, h, mi, s)", "Timestamp without zone from fields"),
    F("make_ym_interval", S_, 0, 2, "II", "M", NA, generic_rule, "make_ym_interval",
      "make_ym_interval(years, months)", "Year-month interval from fields"),
    F("minute", S_, 1, 1, "T", "I", NA, generic_rule, "minute", "minute(ts)", "Minute"),
    F("month", S_, 1, 1, "d", "I", NA, generic_rule, "month", "month(date)", "Month"),
    F("months_between", S_, 2, 3, "TTB", "D", NA, generic_rule, "months_between",
      "months_between(end, start [, round])", "Months between"),
    F("next_day", S_, 2, 2, "dS", "d", NU, generic_rule, "next_day", "next_day(date, dow)",
      "First such weekday after date"),
    F("now", S_, 0, 0, "", "t", NN, generic_rule, "now", "now()", "Now (at query start)"),
    F("quarter", S_, 1, 1, "d", "I", NA, generic_rule, "quarter", "quarter(date)", "Quarter 1..4"),
    F("second", S_, 1, 1, "T", "I", NA, generic_rule, "second", "second(ts)", "Second"),
    F("timestamp_micros", S_, 1, 1, "i", "t", NA, generic_rule, "timestamp_micros",
      "timestamp_micros(n)", "Timestamp from epoch microseconds"),
    F("timestamp_millis", S_, 1, 1, "i", "t", NA, generic_rule, "timestamp_millis",
      "timestamp_millis(n)", "Timestamp from epoch milliseconds"),
    F("timestamp_seconds", S_, 1, 1, "N", "t", NA, generic_rule, "timestamp_seconds",
      "timestamp_seconds(n)", "Timestamp from epoch seconds"),
    F("to_date", S_, 1, 2, "", "d", NU, rule_to_date, "to_date", "to_date(str [, fmt])",
      "Parse a date"),
    F("to_timestamp", S_, 1, 2, "", "t", NU, rule_to_date, "to_timestamp",
      "to_timestamp(str [, fmt])", "Parse a timestamp"),
    F("to_timestamp_ltz", S_, 1, 2, "", "t", NU, rule_to_date, "to_timestamp_ltz",
      "to_timestamp_ltz(str [, fmt])", "Parse a timestamp"),
    F("to_timestamp_ntz", S_, 1, 2, "", "z", NU, rule_to_date, "to_timestamp_ntz",
      "to_timestamp_ntz(str [, fmt])", "Parse a timestamp without zone"),
    F("to_unix_timestamp", S_, 1, 2, "", "L", NU, rule_unix_ts, "to_unix_timestamp",
      "to_unix_timestamp(ts [, fmt])", "Epoch seconds"),
    F("to_utc_timestamp", S_, 2, 2, "TS", "t", NA, generic_rule, "to_utc_timestamp",
      "to_utc_timestamp(ts, tz)", "A zone's wall clock to UTC"),
    F("trunc", S_, 2, 2, "dS", "d", NU, generic_rule, "trunc", "trunc(date, unit)",
      "Truncate a date"),
    F("unix_date", S_, 1, 1, "d", "I", NA, generic_rule, "unix_date", "unix_date(date)",
      "Days since 1970-01-01"),
    F("unix_micros", S_, 1, 1, "t", "L", NA, generic_rule, "unix_micros", "unix_micros(ts)",
      "Epoch microseconds"),
    F("unix_millis", S_, 1, 1, "t", "L", NA, generic_rule, "unix_millis", "unix_millis(ts)",
      "Epoch milliseconds"),
    F("unix_seconds", S_, 1, 1, "t", "L", NA, generic_rule, "unix_seconds", "unix_seconds(ts)",
      "Epoch seconds"),
    F("unix_timestamp", S_, 0, 2, "", "L", NU, rule_unix_ts, "unix_timestamp",
      "unix_timestamp([ts [, fmt]])", "Epoch seconds"),
    F("weekday", S_, 1, 1, "d", "I", NA, generic_rule, "weekday", "weekday(date)",
      "0 = Monday ... 6 = Sunday"),
    F("weekofyear", S_, 1, 1, "d", "I", NA, generic_rule, "weekofyear", "weekofyear(date)",
      "ISO week of year"),
    F("window", S_, 2, 4, "", "t", NN, rule_window_fn, "window",
      "window(ts, duration [, slide, start])", "Tumbling or sliding time window"),
    F("session_window", S_, 2, 2, "", "t", NN, rule_window_fn, "session_window",
      "session_window(ts, gap)", "The session window a timestamp falls in"),
    F("year", S_, 1, 1, "d", "I", NA, generic_rule, "year", "year(date)", "Year"),

    /* aggregates */
    F("any", A_, 1, 1, "", "B", NU, rule_bool_agg, NULL, "any(cond)", "Is cond true for some row?"),
    F("any_value", A_, 1, 2, "", "0", NU, rule_first, "any_value", "any_value(x)",
      "Some value of x"),
    F("approx_count_distinct", A_, 1, 2, "AD", "L", NN, generic_rule, "approx_count_distinct",
      "approx_count_distinct(x [, rsd])", "Approximate distinct count"),
    F("approx_percentile", A_, 2, 3, "", "0", NU, rule_percentile_approx, "approx_percentile",
      "approx_percentile(x, p [, accuracy])", "Approximate percentile"),
    F("array_agg", A_, 1, 1, "", "0", NN, rule_collect, "array_agg", "array_agg(x)",
      "Values as an array"),
    F("avg", A_, 1, 1, "", "D", NU, rule_avg, "avg", "avg(x)", "Mean"),
    F("bit_and", A_, 1, 1, "", "0", NU, rule_bitagg, "bit_and", "bit_and(x)",
      "Bitwise AND of all values"),
    F("bit_or", A_, 1, 1, "", "0", NU, rule_bitagg, "bit_or", "bit_or(x)",
      "Bitwise OR of all values"),
    F("bit_xor", A_, 1, 1, "", "0", NU, rule_bitagg, "bit_xor", "bit_xor(x)",
      "Bitwise XOR of all values"),
    F("bool_and", A_, 1, 1, "", "B", NU, rule_bool_agg, "bool_and", "bool_and(cond)",
      "Is cond true for every row?"),
    F("bool_or", A_, 1, 1, "", "B", NU, rule_bool_agg, "bool_or", "bool_or(cond)",
      "Is cond true for some row?"),
    F("collect_list", A_, 1, 1, "", "0", NN, rule_collect, "collect_list", "collect_list(x)",
      "Values as an array"),
    F("collect_set", A_, 1, 1, "", "0", NN, rule_collect, "collect_set", "collect_set(x)",
      "Distinct values as an array"),
    F("corr", A_, 2, 2, "D", "D", NU, generic_rule, "corr", "corr(x, y)", "Pearson correlation"),
    F("count", A_, 0, -1, "", "L", NN, rule_count, "count", "count(*) | count([DISTINCT] x, ...)",
      "Number of rows (with non-null x)"),
    F("count_if", A_, 1, 1, "", "L", NN, rule_bool_agg, "count_if", "count_if(cond)",
      "Number of rows where cond is true"),
    F("covar_pop", A_, 2, 2, "D", "D", NU, generic_rule, "covar_pop", "covar_pop(x, y)",
      "Population covariance"),
    F("covar_samp", A_, 2, 2, "D", "D", NU, generic_rule, "covar_samp", "covar_samp(x, y)",
      "Sample covariance"),
    F("every", A_, 1, 1, "", "B", NU, rule_bool_agg, "every", "every(cond)",
      "Is cond true for every row?"),
    F("first", A_, 1, 2, "", "0", NU, rule_first, "first", "first(x [, ignore_nulls])",
      "First value"),
    F("first_value", A_, 1, 2, "", "0", NU, rule_first, "first_value",
      "first_value(x [, ignore_nulls])", "First value"),
    F("kurtosis", A_, 1, 1, "D", "D", NU, generic_rule, "kurtosis", "kurtosis(x)", "Kurtosis"),
    F("last", A_, 1, 2, "", "0", NU, rule_first, "last", "last(x [, ignore_nulls])", "Last value"),
    F("last_value", A_, 1, 2, "", "0", NU, rule_first, "last_value",
      "last_value(x [, ignore_nulls])", "Last value"),
    F("max", A_, 1, 1, "", "0", NU, rule_minmax, "max", "max(x)", "Largest value"),
    F("max_by", A_, 2, 2, "", "0", NU, rule_by, "max_by", "max_by(x, ord)", "x at the largest ord"),
    F("mean", A_, 1, 1, "", "D", NU, rule_avg, "mean", "mean(x)", "Mean"),
    F("median", A_, 1, 1, "", "D", NU, rule_percentile, "median", "median(x)", "Median"),
    F("min", A_, 1, 1, "", "0", NU, rule_minmax, "min", "min(x)", "Smallest value"),
    F("min_by", A_, 2, 2, "", "0", NU, rule_by, "min_by", "min_by(x, ord)",
      "x at the smallest ord"),
    F("mode", A_, 1, 1, "", "0", NU, rule_first, "mode", "mode(x)", "Most frequent value"),
    F("percentile", A_, 2, 3, "", "D", NU, rule_percentile, "percentile",
      "percentile(x, p [, freq])", "Exact percentile"),
    F("percentile_approx", A_, 2, 3, "", "0", NU, rule_percentile_approx, "percentile_approx",
      "percentile_approx(x, p [, accuracy])", "Approximate percentile"),
    F("skewness", A_, 1, 1, "D", "D", NU, generic_rule, "skewness", "skewness(x)", "Skewness"),
    F("some", A_, 1, 1, "", "B", NU, rule_bool_agg, "some", "some(cond)",
      "Is cond true for some row?"),
    F("std", A_, 1, 1, "D", "D", NU, generic_rule, "std", "std(x)", "Sample standard deviation"),
    F("stddev", A_, 1, 1, "D", "D", NU, generic_rule, "stddev", "stddev(x)",
      "Sample standard deviation"),
    F("stddev_pop", A_, 1, 1, "D", "D", NU, generic_rule, "stddev_pop", "stddev_pop(x)",
      "Population standard deviation"),
    F("stddev_samp", A_, 1, 1, "D", "D", NU, generic_rule, "stddev_samp", "stddev_samp(x)",
      "Sample standard deviation"),
    F("sum", A_, 1, 1, "", "L", NU, rule_sum, "sum", "sum(x)", "Sum"),
    F("try_avg", A_, 1, 1, "", "D", NU, rule_avg, "try_avg", "try_avg(x)",
      "Mean, null on overflow"),
    F("try_sum", A_, 1, 1, "", "L", NU, rule_sum, "try_sum", "try_sum(x)", "Sum, null on overflow"),
    F("var_pop", A_, 1, 1, "D", "D", NU, generic_rule, "var_pop", "var_pop(x)",
      "Population variance"),
    F("var_samp", A_, 1, 1, "D", "D", NU, generic_rule, "var_samp", "var_samp(x)",
      "Sample variance"),
    F("variance", A_, 1, 1, "D", "D", NU, generic_rule, "variance", "variance(x)",
      "Sample variance"),

    /* window functions */
    F("cume_dist", W_, 0, 0, "", "D", NN, generic_rule, "cume_dist", "cume_dist()",
      "Cumulative distribution"),
    F("dense_rank", W_, 0, -1, "", "I", NN, generic_rule, "dense_rank", "dense_rank()",
      "Rank without gaps"),
    F("lag", W_, 1, 3, "", "0", NU, rule_lag, "lag", "lag(x [, offset [, default]])",
      "x offset rows before"),
    F("lead", W_, 1, 3, "", "0", NU, rule_lag, "lead", "lead(x [, offset [, default]])",
      "x offset rows after"),
    F("nth_value", W_, 2, 3, "", "0", NU, rule_nth_value, "nth_value", "nth_value(x, n)",
      "x at the n-th row of the frame"),
    F("ntile", W_, 1, 1, "", "I", NN, rule_ntile, "ntile", "ntile(n)", "Bucket number 1..n"),
    F("percent_rank", W_, 0, -1, "", "D", NN, generic_rule, "percent_rank", "percent_rank()",
      "Relative rank"),
    F("rank", W_, 0, -1, "", "I", NN, generic_rule, "rank", "rank()", "Rank with gaps"),
    F("row_number", W_, 0, 0, "", "I", NN, generic_rule, "row_number", "row_number()",
      "Row number in the partition"),

    /* collections */
    F("aggregate", S_, 3, 4, "", "0", NU, rule_aggregate, "aggregate",
      "aggregate(arr, zero, (acc, x) -> .. [, acc -> ..])", "Fold an array"),
    F("array", S_, 0, -1, "", "0", NN, rule_array, "array", "array(a, b, ...)",
      "An array of the arguments"),
    F("array_append", S_, 2, 2, "", "0", NA, rule_array_set, "array_append", "array_append(arr, x)",
      "Add x at the end"),
    F("array_compact", S_, 1, 1, "", "0", NA, rule_same_array, "array_compact",
      "array_compact(arr)", "Remove nulls"),
    F("array_contains", S_, 2, 2, "", "B", NU, rule_array_contains, "array_contains",
      "array_contains(arr, x)", "Does arr contain x?"),
    F("array_distinct", S_, 1, 1, "", "0", NA, rule_same_array, "array_distinct",
      "array_distinct(arr)", "Remove duplicates"),
    F("array_except", S_, 2, 2, "", "0", NA, rule_array_set, "array_except", "array_except(a, b)",
      "Elements of a not in b"),
    F("array_intersect", S_, 2, 2, "", "0", NA, rule_array_set, "array_intersect",
      "array_intersect(a, b)", "Elements in both"),
    F("array_join", S_, 2, 3, "", "S", NA, rule_array_join, "array_join",
      "array_join(arr, sep [, null_rep])", "Join elements with sep"),
    F("array_max", S_, 1, 1, "", "0", NU, rule_array_elem, "array_max", "array_max(arr)",
      "Largest element"),
    F("array_min", S_, 1, 1, "", "0", NU, rule_array_elem, "array_min", "array_min(arr)",
      "Smallest element"),
    F("array_position", S_, 2, 2, "", "L", NA, rule_array_set, "array_position",
      "array_position(arr, x)", "1-based position of x, or 0"),
    F("array_prepend", S_, 2, 2, "", "0", NA, rule_array_set, "array_prepend",
      "array_prepend(arr, x)", "Add x at the front"),
    F("array_remove", S_, 2, 2, "", "0", NA, rule_array_set, "array_remove", "array_remove(arr, x)",
      "Remove every x"),
    F("array_repeat", S_, 2, 2, "", "0", NS, rule_array_repeat, "array_repeat",
      "array_repeat(x, n)", "x repeated n times"),
    F("array_size", S_, 1, 1, "a", "I", NA, generic_rule, "array_size", "array_size(arr)",
      "Number of elements"),
    F("array_sort", S_, 1, 2, "a-", "0", NA, rule_same_array, "array_sort", "array_sort(arr)",
      "Sort ascending, nulls last"),
    F("array_union", S_, 2, 2, "", "0", NA, rule_array_set, "array_union", "array_union(a, b)",
      "Distinct elements of both"),
    F("arrays_overlap", S_, 2, 2, "", "B", NU, rule_array_set, "arrays_overlap",
      "arrays_overlap(a, b)", "Do a and b share an element?"),
    F("arrays_zip", S_, 1, -1, "", "0", NA, rule_arrays_zip, "arrays_zip", "arrays_zip(a, b, ...)",
      "Zip arrays into an array of structs"),
    F("cardinality", S_, 1, 1, "", "I", NN, rule_size, "cardinality", "cardinality(x)",
      "Size of an array or map"),
    F("element_at", S_, 2, 2, "", "0", NU, rule_element_at, "element_at",
      "element_at(arr_or_map, i_or_key)", "Element at a 1-based index or key"),
    F("exists", S_, 2, 2, "", "B", NU, rule_transform, "exists", "exists(arr, x -> cond)",
      "Is cond true for some element?"),
    F("explode", G_, 1, 1, "", "0", NU, rule_explode, "explode", "explode(arr_or_map)",
      "One row per element"),
    F("explode_outer", G_, 1, 1, "", "0", NU, rule_explode, "explode_outer",
      "explode_outer(arr_or_map)", "One row per element, a null row for empty"),
    F("filter", S_, 2, 2, "", "0", NA, rule_transform, "filter", "filter(arr, x -> cond)",
      "Elements where cond is true"),
    F("flatten", S_, 1, 1, "", "0", NU, rule_flatten, "flatten", "flatten(arr_of_arrs)",
      "Concatenate nested arrays"),
    F("forall", S_, 2, 2, "", "B", NU, rule_transform, "forall", "forall(arr, x -> cond)",
      "Is cond true for every element?"),
    F("get", S_, 2, 2, "", "0", NU, rule_array_elem, "get", "get(arr, i)",
      "Element at a 0-based index, or null"),
    F("inline", G_, 1, 1, "", "0", NU, rule_inline, "inline", "inline(arr_of_structs)",
      "One row per struct"),
    F("inline_outer", G_, 1, 1, "", "0", NU, rule_inline, "inline_outer",
      "inline_outer(arr_of_structs)", "One row per struct, a null row for empty"),
    F("map", S_, 0, -1, "", "0", NN, rule_map, "create_map", "map(k1, v1, ...)",
      "A map of key, value pairs"),
    F("map_concat", S_, 0, -1, "", "0", NA, rule_map_concat, "map_concat",
      "map_concat(m1, m2, ...)", "Union of maps"),
    F("map_contains_key", S_, 2, 2, "", "B", NA, rule_map_contains_key, "map_contains_key",
      "map_contains_key(m, k)", "Does m have key k?"),
    F("map_entries", S_, 1, 1, "", "0", NA, rule_map_keys, "map_entries", "map_entries(m)",
      "Array of key, value structs"),
    F("map_filter", S_, 2, 2, "", "0", NA, rule_map_hof, "map_filter",
      "map_filter(m, (k, v) -> cond)", "Entries where cond is true"),
    F("map_from_arrays", S_, 2, 2, "", "0", NA, rule_map_from_arrays, "map_from_arrays",
      "map_from_arrays(keys, values)", "Map from two arrays"),
    F("map_from_entries", S_, 1, 1, "", "0", NA, rule_map_from_entries, "map_from_entries",
      "map_from_entries(arr)", "Map from key, value structs"),
    F("map_keys", S_, 1, 1, "", "0", NA, rule_map_keys, "map_keys", "map_keys(m)",
      "Keys as an array"),
    F("map_values", S_, 1, 1, "", "0", NA, rule_map_keys, "map_values", "map_values(m)",
      "Values as an array"),
    F("named_struct", S_, 0, -1, "", "0", NN, rule_named_struct, "named_struct",
      "named_struct(name1, v1, ...)", "A struct with the given field names"),
    F("posexplode", G_, 1, 1, "", "0", NU, rule_explode, "posexplode", "posexplode(arr_or_map)",
      "One row per element with its position"),
    F("posexplode_outer", G_, 1, 1, "", "0", NU, rule_explode, "posexplode_outer",
      "posexplode_outer(arr_or_map)", "posexplode with a null row for empty"),
    F("reduce", S_, 3, 4, "", "0", NU, rule_aggregate, "reduce",
      "reduce(arr, zero, (acc, x) -> .. [, acc -> ..])", "Fold an array"),
    F("sequence", S_, 2, 3, "", "0", NA, rule_sequence, "sequence",
      "sequence(start, stop [, step])", "Array from start to stop"),
    F("shuffle", S_, 1, 1, "", "0", NA, rule_same_array, "shuffle", "shuffle(arr)",
      "Random permutation"),
    F("size", S_, 1, 1, "", "I", NN, rule_size, "size", "size(x)", "Size of an array or map"),
    F("slice", S_, 3, 3, "aII", "0", NA, rule_same_array, "slice", "slice(arr, start, len)",
      "Sub-array"),
    F("sort_array", S_, 1, 2, "aB", "0", NA, rule_same_array, "sort_array",
      "sort_array(arr [, asc])", "Sort an array"),
    F("stack", G_, 2, -1, "", "0", NU, rule_stack, "stack", "stack(n, v1, ...)",
      "Values as n rows"),
    F("str_to_map", S_, 1, 3, "SSS", "K", NA, generic_rule, "str_to_map",
      "str_to_map(str [, pair_sep, kv_sep])", "Parse key:value pairs"),
    F("struct", S_, 0, -1, "", "0", NN, rule_struct, "struct", "struct(a, b, ...)",
      "A struct of the arguments"),
    F("transform", S_, 2, 2, "", "0", NA, rule_transform, "transform", "transform(arr, x -> ..)",
      "Apply a function to each element"),
    F("transform_keys", S_, 2, 2, "", "0", NA, rule_map_hof, "transform_keys",
      "transform_keys(m, (k, v) -> ..)", "New keys"),
    F("transform_values", S_, 2, 2, "", "0", NA, rule_map_hof, "transform_values",
      "transform_values(m, (k, v) -> ..)", "New values"),
    F("try_element_at", S_, 2, 2, "", "0", NU, rule_array_elem, "try_element_at",
      "try_element_at(arr_or_map, i_or_key)", "element_at, null when out of range"),
    F("zip_with", S_, 3, 3, "", "0", NA, rule_zip_with, "zip_with", "zip_with(a, b, (x, y) -> ..)",
      "Combine two arrays element-wise"),

    /* hashing */
    F("crc32", S_, 1, 1, "X", "L", NA, generic_rule, "crc32", "crc32(bin)", "CRC-32 checksum"),
    F("hash", S_, 1, -1, "", "I", NN, rule_hash, "hash", "hash(a, ...)", "Murmur3 hash"),
    F("md5", S_, 1, 1, "X", "S", NA, generic_rule, "md5", "md5(bin)", "MD5 hex digest"),
    F("sha", S_, 1, 1, "X", "S", NA, generic_rule, "sha", "sha(bin)", "SHA-1 hex digest"),
    F("sha1", S_, 1, 1, "X", "S", NA, generic_rule, "sha1", "sha1(bin)", "SHA-1 hex digest"),
    F("sha2", S_, 2, 2, "XI", "S", NU, generic_rule, "sha2", "sha2(bin, bits)", "SHA-2 hex digest"),
    F("xxhash64", S_, 1, -1, "", "L", NN, rule_hash, "xxhash64", "xxhash64(a, ...)",
      "xxHash64 hash"),

    /* json, csv */
    F("from_csv", S_, 2, 3, "", "0", NU, rule_from_json, "from_csv",
      "from_csv(str, schema [, options])", "Parse CSV text"),
    F("from_json", S_, 2, 3, "", "0", NU, rule_from_json, "from_json",
      "from_json(str, schema [, options])", "Parse JSON text"),
    F("get_json_object", S_, 2, 2, "ss", "S", NU, generic_rule, "get_json_object",
      "get_json_object(json, path)", "Extract by JSON path"),
    F("json_array_length", S_, 1, 1, "S", "I", NU, generic_rule, "json_array_length",
      "json_array_length(json)", "Length of a JSON array"),
    F("json_object_keys", S_, 1, 1, "S", "G", NU, generic_rule, "json_object_keys",
      "json_object_keys(json)", "Keys of a JSON object"),
    F("json_tuple", G_, 2, -1, "", "0", NU, rule_json_tuple, "json_tuple",
      "json_tuple(json, name, ...)", "Fields of a JSON object as columns"),
    F("schema_of_csv", S_, 1, 2, "Sm", "S", NN, generic_rule, "schema_of_csv",
      "schema_of_csv(csv)", "DDL schema of a CSV sample"),
    F("schema_of_json", S_, 1, 2, "Sm", "S", NN, generic_rule, "schema_of_json",
      "schema_of_json(json)", "DDL schema of a JSON sample"),
    F("to_csv", S_, 1, 2, "", "S", NA, rule_to_json, "to_csv", "to_csv(struct [, options])",
      "CSV text"),
    F("to_json", S_, 1, 2, "", "S", NA, rule_to_json, "to_json", "to_json(x [, options])",
      "JSON text"),

    /* misc */
    F("current_catalog", S_, 0, 0, "", "S", NN, generic_rule, "current_catalog",
      "current_catalog()", "Current catalog"),
    F("current_database", S_, 0, 0, "", "S", NN, generic_rule, "current_database",
      "current_database()", "Current database"),
    F("current_schema", S_, 0, 0, "", "S", NN, generic_rule, "current_schema", "current_schema()",
      "Current database"),
    F("current_user", S_, 0, 0, "", "S", NN, generic_rule, "current_user", "current_user()",
      "Current user"),
    F("user", S_, 0, 0, "", "S", NN, generic_rule, "user", "user()", "Current user"),
    F("input_file_name", S_, 0, 0, "", "S", NN, generic_rule, "input_file_name",
      "input_file_name()", "File of the current row"),
    F("monotonically_increasing_id", S_, 0, 0, "", "L", NN, generic_rule,
      "monotonically_increasing_id", "monotonically_increasing_id()", "Unique increasing row id"),
    F("spark_partition_id", S_, 0, 0, "", "I", NN, generic_rule, "spark_partition_id",
      "spark_partition_id()", "Partition of the current row"),
    F("typeof", S_, 1, 1, "", "S", NN, rule_typeof, "typeof", "typeof(x)", "Type name of x"),
    F("version", S_, 0, 0, "", "S", NN, generic_rule, "version", "version()", "Spark version"),

    /* cast functions */
    F("bigint", S_, 1, 1, "", "L", NA, rule_cast_fn, NULL, "bigint(x)", "CAST(x AS BIGINT)"),
    F("binary", S_, 1, 1, "", "X", NA, rule_cast_fn, NULL, "binary(x)", "CAST(x AS BINARY)"),
    F("boolean", S_, 1, 1, "", "B", NA, rule_cast_fn, NULL, "boolean(x)", "CAST(x AS BOOLEAN)"),
    F("date", S_, 1, 1, "", "d", NA, rule_cast_fn, NULL, "date(x)", "CAST(x AS DATE)"),
    F("decimal", S_, 1, 1, "", "E", NA, rule_cast_fn, NULL, "decimal(x)", "CAST(x AS DECIMAL)"),
    F("double", S_, 1, 1, "", "D", NA, rule_cast_fn, NULL, "double(x)", "CAST(x AS DOUBLE)"),
    F("float", S_, 1, 1, "", "F", NA, rule_cast_fn, NULL, "float(x)", "CAST(x AS FLOAT)"),
    F("int", S_, 1, 1, "", "I", NA, rule_cast_fn, NULL, "int(x)", "CAST(x AS INT)"),
    F("smallint", S_, 1, 1, "", "h", NA, rule_cast_fn, NULL, "smallint(x)", "CAST(x AS SMALLINT)"),
    F("string", S_, 1, 1, "", "S", NA, rule_cast_fn, NULL, "string(x)", "CAST(x AS STRING)"),
    F("timestamp", S_, 1, 1, "", "t", NA, rule_cast_fn, NULL, "timestamp(x)",
      "CAST(x AS TIMESTAMP)"),
    F("tinyint", S_, 1, 1, "", "y", NA, rule_cast_fn, NULL, "tinyint(x)", "CAST(x AS TINYINT)"),
};

/* ---- lookup ----------------------------------------------------------------- */

static const sb_func *SORTED[SB_COUNTOF(CATALOGUE)];
_Static_assert(SB_COUNTOF(CATALOGUE) < 512, "the name hash table needs free slots");
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int cmp_func(const void *a, const void *b)
{
    const sb_func *x = *(const sb_func *const *)a, *y = *(const sb_func *const *)b;
    return strcmp(x->name, y->name);
}

/* Names by hash, open addressing (slot value: index in SORTED + 1), so a
 * lookup costs one hash and usually one comparison. */
#define FUNC_SLOTS 1024
static uint16_t func_slots[FUNC_SLOTS];

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void sort_catalogue(void)
{
    for (size_t i = 0; i < SB_COUNTOF(CATALOGUE); i++) SORTED[i] = &CATALOGUE[i].f;
    qsort(SORTED, SB_COUNTOF(CATALOGUE), sizeof SORTED[0], cmp_func);
    for (size_t i = 0; i < SB_COUNTOF(CATALOGUE); i++) {
        uint32_t h = name_hash(SORTED[i]->name) % FUNC_SLOTS;
        while (func_slots[h]) h = (h + 1) % FUNC_SLOTS;
        func_slots[h] = (uint16_t)(i + 1);
    }
}

static void ensure_sorted(void)
{
    pthread_once(&sorted_once, sort_catalogue);
}

const sb_func *sb_sql_func_lookup(const char *name)
{
    if (!name) return NULL;
    char low[64];
    size_t n = strlen(name);
    if (n >= sizeof low) return NULL;
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)name[i]);
    ensure_sorted();
    for (uint32_t h = name_hash(low) % FUNC_SLOTS; func_slots[h]; h = (h + 1) % FUNC_SLOTS) {
        const sb_func *f = SORTED[func_slots[h] - 1];
        if (strcmp(f->name, low) == 0) return f;
    }
    return NULL;
}

const char *sb_sql_func_suggest(const char *name)
{
    if (!name || !*name) return NULL;
    size_t len = strlen(name);
    /* Allow about one edit per three characters, at least one. */
    size_t limit = len / 3 < 1 ? 1 : len / 3;
    if (limit > 3) limit = 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    ensure_sorted();
    for (size_t i = 0; i < SB_COUNTOF(CATALOGUE); i++) {
        size_t d = sb_edit_distance(name, SORTED[i]->name);
        if (d < best_d) {
            best_d = d;
            best = SORTED[i]->name;
        }
    }
    return best_d <= limit ? best : NULL;
}

const sb_func *const *sb_sql_func_all(size_t *count)
{
    ensure_sorted();
    if (count) *count = SB_COUNTOF(CATALOGUE);
    return SORTED;
}

sb_null_rule sb_func_null_rule(const sb_func *f)
{
    const fdef *d = (const fdef *)f;
    if (d >= CATALOGUE && d < CATALOGUE + SB_COUNTOF(CATALOGUE)) return d->nulls;
    return SB_NULL_ANY;
}
