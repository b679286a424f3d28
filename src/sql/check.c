/*
 * check.c — the type checker for Spark SQL expressions.
 *
 * Walks an expression tree against the columns of its inputs and gives every
 * node its Spark 3.5 type (non-ANSI) and nullability, reporting what Spark's
 * analyzer would reject: unknown or ambiguous columns, missing struct fields,
 * operands without a common type, functions called with the wrong arguments,
 * aggregates, windows and generators where they are not allowed, columns
 * outside the GROUP BY. The rules of each function live in functions.c and
 * the coercion rules in types.c; queries are checked in check_query.c.
 */
#include "sql/check_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sb_type *T(sb_type_kind k)
{
    return sb_type_of(k);
}

static const char *tstr(sb_checker *ck, const sb_type *t)
{
    return sb_type_str(ck->a, t);
}

void sb_checker_init(sb_checker *ck, sb_arena *a, const sb_sql_scope *scope, sb_diags *d)
{
    memset(ck, 0, sizeof *ck);
    ck->a = a;
    ck->d = d;
    ck->scope = scope;
    ck->flags = scope ? scope->flags : 0;
    if (scope && scope->group_by) {
        ck->grouped = true;
        ck->group_by = scope->group_by;
        ck->ngroup_by = scope->ngroup_by;
    }
}

static const sb_type *set(sb_expr *e, const sb_type *t, bool nullable)
{
    e->type = t;
    e->nullable = nullable;
    return t;
}

/* ---- structural equality ---------------------------------------------- */

static bool name_eq(const char *x, const char *y)
{
    if (!x || !y) return x == y;
    return sb_str_ieq(x, y);
}

static bool vec_same(const sb_vec *x, const sb_vec *y)
{
    if (x->len != y->len) return false;
    for (size_t i = 0; i < x->len; i++)
        if (!sb_expr_same(x->items[i], y->items[i])) return false;
    return true;
}

bool sb_expr_same(const sb_expr *x, const sb_expr *y)
{
    if (x == y) return true;
    if (!x || !y || x->kind != y->kind) return false;
    switch (x->kind) {
    case SB_E_LITERAL:
        if (x->u.lit.kind != y->u.lit.kind || x->u.lit.boolean != y->u.lit.boolean ||
            x->u.lit.len != y->u.lit.len || x->u.lit.suffix != y->u.lit.suffix)
            return false;
        if (x->u.lit.text && y->u.lit.text)
            return memcmp(x->u.lit.text, y->u.lit.text, x->u.lit.len) == 0;
        return x->u.lit.text == y->u.lit.text;
    case SB_E_COLUMN:
        /* Columns compare by what they resolved to when both are resolved. */
        if (x->type && y->type && x->u.column.used_parts && y->u.column.used_parts &&
            x->u.column.rel >= 0 && y->u.column.rel >= 0) {
            if (x->u.column.rel != y->u.column.rel || x->u.column.column != y->u.column.column)
                return false;
            size_t xe = x->u.column.nparts - x->u.column.used_parts;
            size_t ye = y->u.column.nparts - y->u.column.used_parts;
            if (xe != ye) return false;
            for (size_t i = 0; i < xe; i++)
                if (!name_eq(x->u.column.parts[x->u.column.used_parts + i],
                             y->u.column.parts[y->u.column.used_parts + i]))
                    return false;
            return true;
        }
        if (x->u.column.nparts != y->u.column.nparts) return false;
        for (size_t i = 0; i < x->u.column.nparts; i++)
            if (!name_eq(x->u.column.parts[i], y->u.column.parts[i])) return false;
        return true;
    case SB_E_STAR:
        return x->u.star.nqualifier == y->u.star.nqualifier;
    case SB_E_CONFIG:
        return name_eq(x->u.config.name, y->u.config.name);
    case SB_E_UNARY:
        return x->u.unary.op == y->u.unary.op && sb_expr_same(x->u.unary.arg, y->u.unary.arg);
    case SB_E_BINARY:
        return x->u.binary.op == y->u.binary.op &&
               sb_expr_same(x->u.binary.left, y->u.binary.left) &&
               sb_expr_same(x->u.binary.right, y->u.binary.right);
    case SB_E_FUNC:
        return name_eq(x->u.func.name, y->u.func.name) &&
               x->u.func.distinct == y->u.func.distinct && !x->u.func.over && !y->u.func.over &&
               sb_expr_same(x->u.func.filter, y->u.func.filter) &&
               vec_same(&x->u.func.args, &y->u.func.args);
    case SB_E_CASE: {
        if (!sb_expr_same(x->u.kase.operand, y->u.kase.operand) ||
            !sb_expr_same(x->u.kase.otherwise, y->u.kase.otherwise) ||
            x->u.kase.whens.len != y->u.kase.whens.len)
            return false;
        for (size_t i = 0; i < x->u.kase.whens.len; i++) {
            const sb_when *a = x->u.kase.whens.items[i], *b = y->u.kase.whens.items[i];
            if (!sb_expr_same(a->when, b->when) || !sb_expr_same(a->then, b->then)) return false;
        }
        return true;
    }
    case SB_E_CAST:
        return x->u.cast.try_cast == y->u.cast.try_cast &&
               sb_type_equal(x->u.cast.to, y->u.cast.to) &&
               sb_expr_same(x->u.cast.arg, y->u.cast.arg);
    case SB_E_IN:
        return x->u.in.negated == y->u.in.negated && !x->u.in.query && !y->u.in.query &&
               sb_expr_same(x->u.in.arg, y->u.in.arg) && vec_same(&x->u.in.list, &y->u.in.list);
    case SB_E_BETWEEN:
        return x->u.between.negated == y->u.between.negated &&
               sb_expr_same(x->u.between.arg, y->u.between.arg) &&
               sb_expr_same(x->u.between.low, y->u.between.low) &&
               sb_expr_same(x->u.between.high, y->u.between.high);
    case SB_E_LIKE:
        return x->u.like.kind == y->u.like.kind && x->u.like.negated == y->u.like.negated &&
               sb_expr_same(x->u.like.arg, y->u.like.arg) &&
               sb_expr_same(x->u.like.pattern, y->u.like.pattern);
    case SB_E_IS:
        return x->u.is.what == y->u.is.what && x->u.is.negated == y->u.is.negated &&
               sb_expr_same(x->u.is.arg, y->u.is.arg);
    case SB_E_DISTINCT:
        return x->u.distinct.negated == y->u.distinct.negated &&
               sb_expr_same(x->u.distinct.left, y->u.distinct.left) &&
               sb_expr_same(x->u.distinct.right, y->u.distinct.right);
    case SB_E_SUBSCRIPT:
        return sb_expr_same(x->u.subscript.base, y->u.subscript.base) &&
               sb_expr_same(x->u.subscript.index, y->u.subscript.index);
    case SB_E_FIELD:
        return name_eq(x->u.field.name, y->u.field.name) &&
               sb_expr_same(x->u.field.base, y->u.field.base);
    default:
        return false;
    }
}

/* ---- literals ------------------------------------------------------------ */

static int interval_unit(const char *w, size_t n, bool *ym)
{
    static const struct {
        const char *name;
        int field;
        bool ym;
    } units[] = {
        {"year", 0, true},          {"years", 0, true},        {"month", 1, true},
        {"months", 1, true},        {"week", 0, false},        {"weeks", 0, false},
        {"day", 0, false},          {"days", 0, false},        {"hour", 1, false},
        {"hours", 1, false},        {"minute", 2, false},      {"minutes", 2, false},
        {"second", 3, false},       {"seconds", 3, false},     {"millisecond", 3, false},
        {"milliseconds", 3, false}, {"microsecond", 3, false}, {"microseconds", 3, false},
    };
    for (size_t i = 0; i < SB_COUNTOF(units); i++)
        if (strlen(units[i].name) == n && sb_str_ieqn(w, n, units[i].name)) {
            *ym = units[i].ym;
            return units[i].field;
        }
    return -1;
}

/* INTERVAL literal type from its unit text ("DAY", "YEAR TO MONTH",
 * "1 DAY 2 HOURS" ...): the span of fields named; mixing year-month and
 * day-time units is Spark's legacy calendar interval, which 3.5 rejects in
 * literals. */
static const sb_type *interval_literal_type(sb_checker *ck, sb_expr *e)
{
    const char *u = e->u.lit.unit ? e->u.lit.unit : "";
    int lo[2] = {9, 9}, hi[2] = {-1, -1};
    bool saw[2] = {false, false};
    for (const char *p = u; *p;) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) p++;
        const char *w = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') p++;
        if (p == w) break;
        bool ym;
        int f = interval_unit(w, (size_t)(p - w), &ym);
        if (f < 0) continue; /* TO */
        int k = ym ? 1 : 0;
        saw[k] = true;
        if (f < lo[k]) lo[k] = f;
        if (f > hi[k]) hi[k] = f;
    }
    if (saw[0] && saw[1]) {
        sb_diags_error(ck->d, e->span, "bad-interval",
                       "an interval literal cannot mix year-month and day-time units");
        return NULL;
    }
    if (saw[1]) return sb_type_interval_ym(lo[1], hi[1]);
    if (saw[0]) return sb_type_interval_dt(lo[0], hi[0]);
    return T(SB_T_INTERVAL);
}

static const sb_type *decimal_literal_type(sb_checker *ck, const char *text)
{
    /* 1.50 -> decimal(3,2); 0.001 -> (3,3); 123.0 -> (4,1); exponent shifts the scale. */
    int digits = 0, scale = 0, exp = 0;
    bool after_point = false, leading = true;
    const char *p = text ? text : "0";
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            after_point = true;
            continue;
        }
        if (*p < '0' || *p > '9') continue;
        if (after_point) scale++;
        if (leading && *p == '0' && !after_point) continue;
        leading = false;
        digits++;
    }
    if (*p == 'e' || *p == 'E') exp = atoi(p + 1);
    /* Leading zeros after the point count towards precision only as scale. */
    scale -= exp;
    int int_digits = digits - (scale > 0 ? scale : 0);
    if (scale < 0) {
        int_digits = digits - scale;
        scale = 0;
    }
    int prec = int_digits + scale;
    if (int_digits < 0) prec = scale;
    if (prec < scale) prec = scale;
    if (prec < 1) prec = 1;
    if (prec > SB_DECIMAL_MAX_PRECISION) {
        return NULL;
    }
    return sb_type_decimal(ck->a, prec, scale);
}

static const sb_type *integer_literal_type(sb_checker *ck, sb_expr *e)
{
    switch (e->u.lit.suffix) {
    case 'L':
        return T(SB_T_LONG);
    case 'S':
        return T(SB_T_SHORT);
    case 'Y':
        return T(SB_T_BYTE);
    case 'D':
        return T(SB_T_DOUBLE);
    case 'F':
        return T(SB_T_FLOAT);
    case 'B':
        return decimal_literal_type(ck, e->u.lit.text);
    default:
        break;
    }
    const char *s = e->u.lit.text ? e->u.lit.text : "0";
    bool neg = *s == '-';
    if (neg || *s == '+') s++;
    while (*s == '0' && s[1]) s++;
    size_t n = strlen(s);
    /* int if it fits, then bigint, then decimal(digits, 0) */
    const char *imax = neg ? "2147483648" : "2147483647";
    const char *lmax = neg ? "9223372036854775808" : "9223372036854775807";
    if (n < 10 || (n == 10 && strcmp(s, imax) <= 0)) return T(SB_T_INT);
    if (n < 19 || (n == 19 && strcmp(s, lmax) <= 0)) return T(SB_T_LONG);
    return sb_type_decimal(ck->a, n > 38 ? 38 : (int)n, 0);
}

static const sb_type *check_literal(sb_checker *ck, sb_expr *e)
{
    const sb_type *t = NULL;
    switch (e->u.lit.kind) {
    case SB_LIT_NULL:
        return set(e, T(SB_T_NULL), true);
    case SB_LIT_BOOLEAN:
        t = T(SB_T_BOOLEAN);
        break;
    case SB_LIT_INTEGER:
        t = integer_literal_type(ck, e);
        break;
    case SB_LIT_DECIMAL:
        t = e->u.lit.suffix == 'D'   ? T(SB_T_DOUBLE)
            : e->u.lit.suffix == 'F' ? T(SB_T_FLOAT)
                                     : decimal_literal_type(ck, e->u.lit.text);
        if (!t) {
            /* Spark reads a decimal literal too wide for decimal(38) as a double. */
            t = T(SB_T_DOUBLE);
        }
        break;
    case SB_LIT_DOUBLE:
        t = T(SB_T_DOUBLE);
        break;
    case SB_LIT_FLOAT:
        t = T(SB_T_FLOAT);
        break;
    case SB_LIT_STRING:
        t = T(SB_T_STRING);
        break;
    case SB_LIT_DATE:
        t = T(SB_T_DATE);
        break;
    case SB_LIT_TIMESTAMP:
        t = T(SB_T_TIMESTAMP);
        break;
    case SB_LIT_TIMESTAMP_NTZ:
        t = T(SB_T_TIMESTAMP_NTZ);
        break;
    case SB_LIT_BINARY:
        t = T(SB_T_BINARY);
        break;
    case SB_LIT_INTERVAL:
        t = e->u.lit.type ? e->u.lit.type : interval_literal_type(ck, e);
        if (!t) return NULL;
        break;
    }
    if (e->u.lit.type && e->u.lit.kind != SB_LIT_INTERVAL) t = e->u.lit.type;
    return set(e, t, false);
}

bool sb_expr_is_int_literal(const sb_expr *e)
{
    long long v;
    return e && e->type && sb_type_is_integral(e->type) && sb_expr_int_value(e, &v);
}

/* ---- columns ----------------------------------------------------------------- */

/* Follow struct fields (and arrays / maps of them) for the remaining parts. */
static const sb_type *access_field(sb_checker *ck, sb_span span, const sb_type *t, const char *name,
                                   bool *nullable)
{
    if (t->kind == SB_T_STRUCT) {
        bool amb;
        long i = sb_schema_find(t, name, &amb);
        if (amb) {
            sb_diags_error(ck->d, span, "ambiguous-field", "field `%s` is ambiguous in %s", name,
                           tstr(ck, t));
            return NULL;
        }
        if (i < 0) {
            sb_diag *dg = sb_diags_error(ck->d, span, "unknown-field",
                                         "struct %s has no field `%s`", tstr(ck, t), name);
            const char *best = NULL;
            size_t bd = 3;
            for (size_t k = 0; k < t->nfields; k++) {
                size_t dd = sb_edit_distance(name, t->fields[k].name);
                if (dd < bd) {
                    bd = dd;
                    best = t->fields[k].name;
                }
            }
            if (best) sb_diag_set_hint(ck->d, dg, "did you mean `%s`?", best);
            return NULL;
        }
        *nullable = *nullable || t->fields[i].nullable;
        return t->fields[i].type;
    }
    if (t->kind == SB_T_ARRAY && t->elem->kind == SB_T_STRUCT) {
        /* arr_of_structs.f is the array of every element's f */
        bool n2 = false;
        const sb_type *f = access_field(ck, span, t->elem, name, &n2);
        if (!f) return NULL;
        return sb_type_array(ck->a, f, t->contains_null || n2);
    }
    if (t->kind == SB_T_MAP) {
        if (!sb_type_implicit_castable(T(SB_T_STRING), t->key)) {
            sb_diags_error(ck->d, span, "bad-field", "cannot look up `%s` in %s", name,
                           tstr(ck, t));
            return NULL;
        }
        *nullable = true;
        return t->value;
    }
    sb_diags_error(ck->d, span, "bad-field", "cannot access field `%s` of a value of type %s", name,
                   tstr(ck, t));
    return NULL;
}

typedef struct col_match {
    int rel;
    long column;
    size_t used;
    const sb_type *type;
    bool nullable;
} col_match;

static bool lookup_in_inputs(const sb_checker *ck, const char *const *parts, size_t nparts,
                             col_match *m, int *nmatches, col_match *second)
{
    const sb_sql_scope *sc = ck->scope;
    *nmatches = 0;
    if (!sc) return false;
    /* Qualified: the first part names an input. */
    if (nparts >= 2) {
        for (size_t r = 0; r < sc->ninputs; r++) {
            const sb_sql_input *in = &sc->inputs[r];
            if (!in->name || !sb_str_ieq(in->name, parts[0])) continue;
            bool amb;
            long c = sb_schema_find(in->schema, parts[1], &amb);
            if (c < 0) continue;
            col_match cm = {(int)r, c, 2, in->schema->fields[c].type,
                            in->schema->fields[c].nullable};
            if (*nmatches == 0)
                *m = cm;
            else if (*nmatches == 1)
                *second = cm;
            (*nmatches)++;
        }
        if (*nmatches) return true;
    }
    for (size_t r = 0; r < sc->ninputs; r++) {
        const sb_sql_input *in = &sc->inputs[r];
        bool amb;
        long c = sb_schema_find(in->schema, parts[0], &amb);
        if (c < 0) continue;
        col_match cm = {(int)r, c, 1, in->schema->fields[c].type, in->schema->fields[c].nullable};
        if (*nmatches == 0)
            *m = cm;
        else if (*nmatches == 1)
            *second = cm;
        (*nmatches)++;
        if (amb) {
            if (*nmatches == 1) *second = cm;
            (*nmatches)++;
        }
    }
    return *nmatches > 0;
}

static bool is_using_name(const sb_checker *ck, const char *name)
{
    for (size_t i = 0; i < ck->using_names.len; i++)
        if (sb_str_ieq(ck->using_names.items[i], name)) return true;
    return false;
}

static void unknown_column(sb_checker *ck, sb_expr *e)
{
    const char *const *parts = e->u.column.parts;
    sb_buf full = SB_BUF_INIT;
    for (size_t i = 0; i < e->u.column.nparts; i++) {
        if (i) sb_buf_putc(&full, '.');
        sb_buf_puts(&full, parts[i]);
    }
    sb_diag *dg = sb_diags_error(ck->d, e->span, "unknown-column", "column `%s` does not exist",
                                 sb_buf_str(&full));
    /* Suggest the nearest column name; list what is there. */
    const char *want = parts[e->u.column.nparts >= 2 ? 1 : 0];
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    sb_buf avail = SB_BUF_INIT;
    size_t shown = 0, total = 0;
    const sb_sql_scope *sc = ck->scope;
    for (size_t r = 0; sc && r < sc->ninputs; r++) {
        const sb_type *s = sc->inputs[r].schema;
        for (size_t c = 0; s && c < s->nfields; c++) {
            const char *n = s->fields[c].name;
            size_t dd = sb_edit_distance(want, n);
            size_t d0 = sb_edit_distance(parts[0], n);
            if (d0 < dd) dd = d0;
            if (dd < best_d) {
                best_d = dd;
                best = n;
            }
            total++;
            if (shown < 12) {
                if (shown) sb_buf_puts(&avail, ", ");
                if (sc->ninputs > 1 && sc->inputs[r].name)
                    sb_buf_printf(&avail, "%s.", sc->inputs[r].name);
                sb_buf_puts(&avail, n);
                shown++;
            }
        }
    }
    if (total > shown) sb_buf_printf(&avail, ", ... (%zu columns)", total);
    size_t limit = strlen(want) / 3 + 1;
    if (limit > 3) limit = 3;
    if (best && best_d <= limit)
        sb_diag_set_hint(ck->d, dg, "did you mean `%s`? available columns: %s", best,
                         sb_buf_str(&avail));
    else if (total)
        sb_diag_set_hint(ck->d, dg, "available columns: %s", sb_buf_str(&avail));
    sb_buf_free(&full);
    sb_buf_free(&avail);
}

/* Names Spark resolves as functions when written without parentheses. */
static const char *const NILADIC[] = {"current_date", "current_timestamp", "current_user",
                                      "user"};

static const sb_type *check_column(sb_checker *ck, sb_expr *e)
{
    const char *const *parts = e->u.column.parts;
    size_t nparts = e->u.column.nparts;
    e->u.column.rel = -1;
    e->u.column.column = -1;
    e->u.column.used_parts = 0;
    if (!nparts) return NULL;
    const sb_type *t = NULL;
    bool nullable = false;
    size_t used = 0;

    /* Lambda parameters shadow columns, innermost first. */
    for (size_t i = ck->lambdas.len; i-- > 0 && !t;) {
        const sb_check_name *n = ck->lambdas.items[i];
        if (sb_str_ieq(n->name, parts[0])) {
            t = n->type;
            nullable = n->nullable;
            used = 1;
        }
    }
    /* Select-list aliases (ORDER BY, HAVING) come before the inputs. */
    for (size_t i = 0; i < ck->aliases.len && !t; i++) {
        const sb_check_name *n = ck->aliases.items[i];
        if (sb_str_ieq(n->name, parts[0])) {
            t = n->type;
            nullable = n->nullable;
            used = 1;
        }
    }
    if (!t) {
        col_match m, second;
        int nm;
        const sb_checker *level = ck;
        while (level) {
            if (lookup_in_inputs(level, parts, nparts, &m, &nm, &second)) break;
            level = level->outer;
        }
        if (level && nm > 0) {
            if (nm > 1 && !(m.used == 1 && is_using_name(level, parts[0]))) {
                const sb_sql_scope *sc = level->scope;
                const char *r1 = sc->inputs[m.rel].name, *r2 = sc->inputs[second.rel].name;
                sb_diag *dg;
                if (r1 && r2 && m.rel != second.rel)
                    dg = sb_diags_error(ck->d, e->span, "ambiguous-column",
                                        "column `%s` is ambiguous: it is in both `%s` and `%s`",
                                        parts[m.used - 1], r1, r2);
                else
                    dg = sb_diags_error(ck->d, e->span, "ambiguous-column",
                                        "column `%s` is ambiguous", parts[m.used - 1]);
                if (r1 && r2 && m.rel != second.rel)
                    sb_diag_set_hint(ck->d, dg, "qualify it: `%s.%s` or `%s.%s`", r1,
                                     parts[m.used - 1], r2, parts[m.used - 1]);
                return NULL;
            }
            t = m.type;
            nullable = m.nullable;
            used = m.used;
            if (level == ck) {
                e->u.column.rel = m.rel;
                e->u.column.column = (int)m.column;
            }
        }
    }
    for (size_t i = 0; i < ck->late_aliases.len && !t && nparts >= 1; i++) {
        const sb_check_name *n = ck->late_aliases.items[i];
        if (sb_str_ieq(n->name, parts[0])) {
            t = n->type;
            nullable = n->nullable;
            used = 1;
        }
    }
    if (!t) {
        if (nparts == 1) {
            for (size_t i = 0; i < SB_COUNTOF(NILADIC); i++)
                if (sb_str_ieq(parts[0], NILADIC[i])) {
                    const sb_func *f = sb_sql_func_lookup(parts[0]);
                    if (f && f->result) {
                        const char *nm = f->name;
                        if (strcmp(nm, "current_date") == 0) return set(e, T(SB_T_DATE), false);
                        if (strcmp(nm, "current_timestamp") == 0)
                            return set(e, T(SB_T_TIMESTAMP), false);
                        if (strcmp(nm, "localtimestamp") == 0)
                            return set(e, T(SB_T_TIMESTAMP_NTZ), false);
                    }
                    return set(e, T(SB_T_STRING), false);
                }
        }
        unknown_column(ck, e);
        return NULL;
    }
    e->u.column.used_parts = used;
    for (size_t i = used; i < nparts; i++) {
        t = access_field(ck, e->span, t, parts[i], &nullable);
        if (!t) return NULL;
    }
    return set(e, t, nullable);
}

/* ---- grouping --------------------------------------------------------------- */

static bool matches_group_key(const sb_checker *ck, const sb_expr *e)
{
    for (size_t i = 0; i < ck->ngroup_by; i++)
        if (sb_expr_same(ck->group_by[i], e)) return true;
    return false;
}

static bool refers_to_input(const sb_expr *e)
{
    return e->kind == SB_E_COLUMN && e->u.column.rel >= 0;
}

/* ---- operators ---------------------------------------------------------------- */

static const char *binop_text(sb_binop op)
{
    static const char *const names[] = {"+", "-",   "*",  "/", "%",  "div", "||", "&",   "|", "^",
                                        "=", "<=>", "!=", "<", "<=", ">",   ">=", "AND", "OR"};
    return (size_t)op < SB_COUNTOF(names) ? names[op] : "?";
}

static const sb_type *literal_decimal(sb_arena *a, const sb_expr *e)
{
    long long v;
    if (!sb_expr_int_value(e, &v)) return NULL;
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v < 0 ? -v : v);
    return sb_type_decimal_for_digits(a, buf);
}

const sb_type *sb_check_arith(sb_arena *a, sb_diags *d, sb_span at, char op, const sb_expr *l,
                              const sb_expr *r)
{
    const sb_type *lt = l->type, *rt = r->type;
    /* DecimalPrecision: an integer literal beside a decimal counts only its digits. */
    if (op != 'D') {
        if (rt->kind == SB_T_DECIMAL && sb_type_is_integral(lt) && sb_expr_is_int_literal(l))
            lt = literal_decimal(a, l);
        if (lt->kind == SB_T_DECIMAL && sb_type_is_integral(rt) && sb_expr_is_int_literal(r))
            rt = literal_decimal(a, r);
    }
    const sb_type *t = sb_type_arithmetic(a, op, lt, rt);
    if (!t && d) {
        const char *opname = op == 'D' ? "div" : (char[]){op, 0};
        sb_diags_error(d, at, "type-mismatch", "cannot apply `%s` to %s and %s",
                       op == 'D' ? "div" : sb_arena_strdup(a, opname), sb_type_str(a, l->type),
                       sb_type_str(a, r->type));
    }
    return t;
}

static bool is_small_int(const sb_type *t)
{
    return t->kind == SB_T_INT || t->kind == SB_T_SHORT || t->kind == SB_T_BYTE ||
           t->kind == SB_T_NULL;
}

static bool is_ts(const sb_type *t)
{
    return t->kind == SB_T_TIMESTAMP || t->kind == SB_T_TIMESTAMP_NTZ;
}

static bool is_ansi_interval(const sb_type *t)
{
    return t->kind == SB_T_INTERVAL_DT || t->kind == SB_T_INTERVAL_YM;
}

/* Date, timestamp and interval arithmetic (Analyzer.ResolveBinaryArithmetic).
 * Returns NULL with *handled=false when the operands are not of this family. */
const sb_type *sb_check_datetime_arith(sb_binop op, const sb_type *l, const sb_type *r,
                                       bool *handled)
{
    *handled = true;
    sb_type_kind lk = l->kind, rk = r->kind;
    bool interval_l = is_ansi_interval(l) || lk == SB_T_INTERVAL;
    bool interval_r = is_ansi_interval(r) || rk == SB_T_INTERVAL;
    if (op == SB_OP_ADD || op == SB_OP_SUB) {
        /* NULL +- an ANSI interval is that interval */
        if (lk == SB_T_NULL && is_ansi_interval(r)) return r;
        if (rk == SB_T_NULL && is_ansi_interval(l)) return l;
        /* string - date: SubtractDates, the string read as a date */
        if (op == SB_OP_SUB && lk == SB_T_STRING && rk == SB_T_DATE)
            return sb_type_interval_dt(0, 0);
        /* date +- days */
        if (lk == SB_T_DATE && is_small_int(r)) return T(SB_T_DATE);
        if (op == SB_OP_ADD && rk == SB_T_DATE && is_small_int(l)) return T(SB_T_DATE);
        if (op == SB_OP_SUB) {
            if (lk == SB_T_DATE && rk == SB_T_DATE) return sb_type_interval_dt(0, 0);
            if ((sb_type_is_datetime(l) && sb_type_is_datetime(r)) && (is_ts(l) || is_ts(r)))
                return sb_type_interval_dt(0, 3);
        }
        /* datetime +- interval */
        const sb_type *dt = NULL, *iv = NULL;
        if (interval_r && (sb_type_is_datetime(l) || lk == SB_T_STRING))
            dt = l, iv = r;
        else if (op == SB_OP_ADD && interval_l && (sb_type_is_datetime(r) || rk == SB_T_STRING))
            dt = r, iv = l;
        if (dt) {
            /* a string is read as a timestamp for day-time intervals only */
            if (dt->kind == SB_T_STRING)
                return iv->kind == SB_T_INTERVAL_YM ? NULL : T(SB_T_STRING);
            if (iv->kind == SB_T_INTERVAL_YM) return dt;
            if (iv->kind == SB_T_INTERVAL_DT) {
                if (dt->kind == SB_T_DATE) return iv->scale == 0 ? T(SB_T_DATE) : T(SB_T_TIMESTAMP);
                return dt;
            }
            /* DateAddInterval keeps a date (and fails at run time on a
             * time part); timestamps keep their type. */
            return dt;
        }
        if (interval_l && interval_r) {
            if (lk == rk && lk != SB_T_INTERVAL) {
                int s = l->precision < r->precision ? l->precision : r->precision;
                int en = l->scale > r->scale ? l->scale : r->scale;
                return lk == SB_T_INTERVAL_DT ? sb_type_interval_dt(s, en)
                                              : sb_type_interval_ym(s, en);
            }
            if (lk == SB_T_INTERVAL && rk == SB_T_INTERVAL) return l;
            return NULL;
        }
        if (interval_l || interval_r) return NULL;
        if (sb_type_is_datetime(l) || sb_type_is_datetime(r)) return NULL;
        *handled = false;
        return NULL;
    }
    if (op == SB_OP_MUL || op == SB_OP_DIV) {
        if (interval_l && (sb_type_is_numeric(r) || rk == SB_T_NULL)) return l;
        if (op == SB_OP_MUL && interval_r && (sb_type_is_numeric(l) || lk == SB_T_NULL)) return r;
        if (interval_l || interval_r || sb_type_is_datetime(l) || sb_type_is_datetime(r))
            return NULL;
    }
    /* IntegralDivide takes two intervals of one kind too */
    if (op == SB_OP_INTDIV && lk == rk && is_ansi_interval(l)) return T(SB_T_LONG);
    if (interval_l || interval_r || sb_type_is_datetime(l) || sb_type_is_datetime(r)) return NULL;
    *handled = false;
    return NULL;
}

static const sb_type *datetime_arith(sb_checker *ck, sb_expr *e, const sb_type *l, const sb_type *r,
                                     bool *handled)
{
    sb_binop op = e->u.binary.op;
    const sb_type *t = sb_check_datetime_arith(op, l, r, handled);
    if (*handled && !t)
        sb_diags_error(ck->d, e->span, "type-mismatch", "cannot apply `%s` to %s and %s",
                       binop_text(op), tstr(ck, l), tstr(ck, r));
    return t;
}

static const sb_type *check_compare(sb_checker *ck, sb_span span, sb_binop op, const sb_type *l,
                                    const sb_type *r)
{
    bool equality = op == SB_OP_EQ || op == SB_OP_NSEQ || op == SB_OP_NE;
    /* BooleanEquality: booleans compare for equality with numbers. */
    if (equality && ((l->kind == SB_T_BOOLEAN && sb_type_is_numeric(r)) ||
                     (r->kind == SB_T_BOOLEAN && sb_type_is_numeric(l))))
        return T(SB_T_BOOLEAN);
    const sb_type *c = sb_type_comparison_common(ck->a, l, r);
    if (!c) {
        sb_diags_error(ck->d, span, "type-mismatch", "cannot compare %s with %s", tstr(ck, l),
                       tstr(ck, r));
        return NULL;
    }
    if (!sb_type_is_orderable(c)) {
        sb_diags_error(ck->d, span, "type-mismatch", "values of type %s cannot be compared",
                       tstr(ck, c));
        return NULL;
    }
    return T(SB_T_BOOLEAN);
}

static bool need_boolean(sb_checker *ck, const sb_expr *e, const char *what)
{
    if (!e->type) return false;
    if (e->type->kind == SB_T_BOOLEAN || e->type->kind == SB_T_NULL) return true;
    sb_diags_error(ck->d, e->span, "type-mismatch", "%s must be a boolean, got %s", what,
                   tstr(ck, e->type));
    return false;
}

static const sb_type *concat_types(sb_checker *ck, sb_span span, const sb_type *l, const sb_type *r)
{
    if (l->kind == SB_T_ARRAY || r->kind == SB_T_ARRAY) {
        const sb_type *w = (l->kind == SB_T_ARRAY || l->kind == SB_T_NULL) &&
                                   (r->kind == SB_T_ARRAY || r->kind == SB_T_NULL)
                               ? sb_type_wider_common(ck->a, l, r)
                               : NULL;
        if (!w)
            sb_diags_error(ck->d, span, "type-mismatch", "cannot concatenate %s and %s",
                           tstr(ck, l), tstr(ck, r));
        return w;
    }
    if ((l->kind == SB_T_BINARY || l->kind == SB_T_NULL) &&
        (r->kind == SB_T_BINARY || r->kind == SB_T_NULL) &&
        !(l->kind == SB_T_NULL && r->kind == SB_T_NULL))
        return T(SB_T_BINARY);
    if (!sb_type_is_atomic(l) && l->kind != SB_T_NULL) goto bad;
    if (!sb_type_is_atomic(r) && r->kind != SB_T_NULL) goto bad;
    return T(SB_T_STRING);
bad:
    sb_diags_error(ck->d, span, "type-mismatch", "cannot concatenate %s and %s", tstr(ck, l),
                   tstr(ck, r));
    return NULL;
}

static const sb_type *check_sub(sb_checker *ck, sb_expr *e)
{
    if (!e) return NULL;
    ck->depth++;
    const sb_type *t = sb_checker_expr(ck, e);
    ck->depth--;
    return t;
}

static const sb_type *check_binary(sb_checker *ck, sb_expr *e)
{
    sb_expr *l = e->u.binary.left, *r = e->u.binary.right;
    const sb_type *lt = check_sub(ck, l), *rt = check_sub(ck, r);
    if (!lt || !rt) return NULL;
    bool nullable = l->nullable || r->nullable;
    sb_binop op = e->u.binary.op;
    switch (op) {
    case SB_OP_ADD:
    case SB_OP_SUB:
    case SB_OP_MUL:
    case SB_OP_DIV:
    case SB_OP_MOD:
    case SB_OP_INTDIV: {
        bool handled;
        const sb_type *t = datetime_arith(ck, e, lt, rt, &handled);
        if (handled) return t ? set(e, t, nullable) : NULL;
        static const char ops[] = {'+', '-', '*', '/', '%', 'D'};
        t = sb_check_arith(ck->a, ck->d, e->span, ops[op], l, r);
        if (!t) return NULL;
        /* x / 0 and x % 0 are null (non-ANSI) */
        if (op == SB_OP_DIV || op == SB_OP_MOD || op == SB_OP_INTDIV) nullable = true;
        if (lt->kind == SB_T_STRING || rt->kind == SB_T_STRING) nullable = true;
        if (t->kind == SB_T_DECIMAL) nullable = true;
        return set(e, t, nullable);
    }
    case SB_OP_CONCAT: {
        const sb_type *t = concat_types(ck, e->span, lt, rt);
        return t ? set(e, t, nullable) : NULL;
    }
    case SB_OP_BITAND:
    case SB_OP_BITOR:
    case SB_OP_BITXOR: {
        const sb_type *t = sb_type_tightest_common(ck->a, lt, rt);
        if (t && t->kind == SB_T_NULL) t = T(SB_T_INT);
        if (!t || !sb_type_is_integral(t)) {
            sb_diags_error(ck->d, e->span, "type-mismatch",
                           "`%s` expects integers of one type, got %s and %s", binop_text(op),
                           tstr(ck, lt), tstr(ck, rt));
            return NULL;
        }
        return set(e, t, nullable);
    }
    case SB_OP_EQ:
    case SB_OP_NSEQ:
    case SB_OP_NE:
    case SB_OP_LT:
    case SB_OP_LE:
    case SB_OP_GT:
    case SB_OP_GE:
        if (!check_compare(ck, e->span, op, lt, rt)) return NULL;
        if (op == SB_OP_NSEQ) {
            /* b <=> 1 is (b IS NOT NULL) AND b: null when b is */
            if (lt->kind == SB_T_BOOLEAN && sb_type_is_numeric(rt) && sb_expr_bool_number(r) >= 0)
                return set(e, T(SB_T_BOOLEAN), l->nullable);
            if (rt->kind == SB_T_BOOLEAN && sb_type_is_numeric(lt) && sb_expr_bool_number(l) >= 0)
                return set(e, T(SB_T_BOOLEAN), r->nullable);
            nullable = false;
        }
        return set(e, T(SB_T_BOOLEAN), nullable);
    case SB_OP_AND:
    case SB_OP_OR: {
        bool ok = need_boolean(ck, l, op == SB_OP_AND ? "an operand of AND" : "an operand of OR");
        ok = need_boolean(ck, r, op == SB_OP_AND ? "an operand of AND" : "an operand of OR") && ok;
        return ok ? set(e, T(SB_T_BOOLEAN), nullable) : NULL;
    }
    }
    return NULL;
}

static const sb_type *check_unary(sb_checker *ck, sb_expr *e)
{
    sb_expr *x = e->u.unary.arg;
    /* -<integer literal> is one literal in Spark: -2147483648 is an int. */
    if (e->u.unary.op == SB_OP_NEG && x->kind == SB_E_LITERAL && x->u.lit.kind == SB_LIT_INTEGER &&
        x->u.lit.suffix == 0 && x->u.lit.text && x->u.lit.text[0] != '-') {
        sb_expr tmp = *x;
        tmp.u.lit.text = sb_arena_printf(ck->a, "-%s", x->u.lit.text);
        const sb_type *t = check_literal(ck, &tmp);
        set(x, t, false);
        return set(e, t, false);
    }
    const sb_type *t = check_sub(ck, x);
    if (!t) return NULL;
    switch (e->u.unary.op) {
    case SB_OP_NEG:
    case SB_OP_PLUS:
        if (t->kind == SB_T_STRING || t->kind == SB_T_NULL) t = T(SB_T_DOUBLE);
        if (!sb_type_is_numeric(t) && !is_ansi_interval(t) && t->kind != SB_T_INTERVAL) {
            sb_diags_error(ck->d, e->span, "type-mismatch", "cannot negate a value of type %s",
                           tstr(ck, t));
            return NULL;
        }
        return set(e, t, x->nullable);
    case SB_OP_BITNOT:
        if (t->kind == SB_T_NULL) t = T(SB_T_INT);
        if (!sb_type_is_integral(t)) {
            sb_diags_error(ck->d, e->span, "type-mismatch", "`~` expects an integer, got %s",
                           tstr(ck, t));
            return NULL;
        }
        return set(e, t, x->nullable);
    case SB_OP_NOT:
        if (!need_boolean(ck, x, "the operand of NOT")) return NULL;
        return set(e, T(SB_T_BOOLEAN), x->nullable);
    }
    return NULL;
}

/* ---- CASE, IN, BETWEEN, LIKE, IS ---------------------------------------------- */

static const sb_type *wider_list(sb_checker *ck, sb_span span, const sb_type *const *ts, size_t n,
                                 const char *what)
{
    const sb_type *w = sb_type_wider_common_list(ck->a, ts, n, true);
    if (!w) {
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            if (i) sb_buf_puts(&b, ", ");
            sb_type_print(&b, ts[i]);
        }
        sb_diags_error(ck->d, span, "type-mismatch", "%s have no common type: %s", what,
                       sb_buf_str(&b));
        sb_buf_free(&b);
    }
    return w;
}

static const sb_type *check_case(sb_checker *ck, sb_expr *e)
{
    sb_expr *operand = e->u.kase.operand;
    bool ok = true;
    const sb_type *ot = NULL;
    if (operand && !(ot = check_sub(ck, operand))) ok = false;
    size_t n = e->u.kase.whens.len;
    const sb_type **ts = sb_arena_alloc(ck->a, (n + 2) * sizeof *ts);
    size_t nt = 0;
    bool nullable = !e->u.kase.otherwise;
    for (size_t i = 0; i < n; i++) {
        sb_when *w = e->u.kase.whens.items[i];
        const sb_type *wt = check_sub(ck, w->when);
        if (!wt)
            ok = false;
        else if (operand) {
            if (ot && !check_compare(ck, w->when->span, SB_OP_EQ, ot, wt)) ok = false;
        } else if (!need_boolean(ck, w->when, "a WHEN condition")) {
            ok = false;
        }
        const sb_type *tt = check_sub(ck, w->then);
        if (!tt)
            ok = false;
        else {
            ts[nt++] = tt;
            nullable = nullable || w->then->nullable;
        }
    }
    if (e->u.kase.otherwise) {
        const sb_type *et = check_sub(ck, e->u.kase.otherwise);
        if (!et)
            ok = false;
        else {
            ts[nt++] = et;
            nullable = nullable || e->u.kase.otherwise->nullable;
        }
    }
    if (!ok) return NULL;
    const sb_type *t = wider_list(ck, e->span, ts, nt, "the branches of CASE");
    return t ? set(e, t, nullable) : NULL;
}

static const sb_type *check_in(sb_checker *ck, sb_expr *e)
{
    const sb_type *at = check_sub(ck, e->u.in.arg);
    if (!at) return NULL;
    if (e->u.in.query) {
        const sb_type *s = sb_checker_query(ck->a, e->u.in.query, ck->scope, ck, ck->d);
        if (!s) return NULL;
        const sb_type *qt = s->nfields == 1 ? s->fields[0].type : s;
        if (!check_compare(ck, e->span, SB_OP_EQ, at, qt)) return NULL;
        return set(e, T(SB_T_BOOLEAN), true);
    }
    size_t n = e->u.in.list.len;
    const sb_type **ts = sb_arena_alloc(ck->a, (n + 1) * sizeof *ts);
    ts[0] = at;
    bool ok = true, nullable = e->u.in.arg->nullable;
    for (size_t i = 0; i < n; i++) {
        sb_expr *x = e->u.in.list.items[i];
        if (!(ts[i + 1] = check_sub(ck, x)))
            ok = false;
        else
            nullable = nullable || x->nullable;
    }
    if (!ok) return NULL;
    /* InConversion widens the value and the list to one type. */
    const sb_type *w = wider_list(ck, e->span, ts, n + 1, "the value and the IN list");
    if (!w) return NULL;
    if (!sb_type_is_orderable(w)) {
        sb_diags_error(ck->d, e->span, "type-mismatch", "values of type %s cannot be compared",
                       tstr(ck, w));
        return NULL;
    }
    return set(e, T(SB_T_BOOLEAN), nullable);
}

static const sb_type *check_between(sb_checker *ck, sb_expr *e)
{
    const sb_type *a = check_sub(ck, e->u.between.arg), *lo = check_sub(ck, e->u.between.low),
                  *hi = check_sub(ck, e->u.between.high);
    if (!a || !lo || !hi) return NULL;
    if (!check_compare(ck, e->span, SB_OP_GE, a, lo) ||
        !check_compare(ck, e->span, SB_OP_LE, a, hi))
        return NULL;
    return set(e, T(SB_T_BOOLEAN),
               e->u.between.arg->nullable || e->u.between.low->nullable ||
                   e->u.between.high->nullable);
}

static const sb_type *check_like(sb_checker *ck, sb_expr *e)
{
    sb_expr *x = e->u.like.arg, *p = e->u.like.pattern;
    const sb_type *xt = check_sub(ck, x), *pt = check_sub(ck, p);
    if (!xt || !pt) return NULL;
    const char *kw = e->u.like.kind == SB_LIKE    ? "LIKE"
                     : e->u.like.kind == SB_ILIKE ? "ILIKE"
                                                  : "RLIKE";
    if (!sb_type_implicit_castable(xt, T(SB_T_STRING))) {
        sb_diags_error(ck->d, x->span, "type-mismatch", "%s expects a string, got %s", kw,
                       tstr(ck, xt));
        return NULL;
    }
    if (!sb_type_implicit_castable(pt, T(SB_T_STRING))) {
        sb_diags_error(ck->d, p->span, "type-mismatch", "%s expects a string pattern, got %s", kw,
                       tstr(ck, pt));
        return NULL;
    }
    return set(e, T(SB_T_BOOLEAN), x->nullable || p->nullable);
}

static const sb_type *check_is(sb_checker *ck, sb_expr *e)
{
    const sb_type *t = check_sub(ck, e->u.is.arg);
    if (!t) return NULL;
    if (e->u.is.what != SB_IS_NULL &&
        !need_boolean(ck, e->u.is.arg,
                      e->u.is.what == SB_IS_UNKNOWN ? "the operand of IS UNKNOWN"
                                                    : "the operand of IS TRUE/FALSE"))
        return NULL;
    return set(e, T(SB_T_BOOLEAN), false);
}

static const sb_type *check_cast(sb_checker *ck, sb_expr *e)
{
    const sb_type *t = check_sub(ck, e->u.cast.arg);
    if (!t) return NULL;
    const sb_type *to = e->u.cast.to;
    if (!to) return NULL;
    if (!sb_type_castable(t, to)) {
        sb_diags_error(ck->d, e->span, "bad-cast", "cannot cast %s to %s", tstr(ck, t),
                       tstr(ck, to));
        return NULL;
    }
    bool nullable =
        e->u.cast.arg->nullable || e->u.cast.try_cast ||
        (t->kind == SB_T_STRING && to->kind != SB_T_STRING && to->kind != SB_T_BINARY) ||
        (to->kind == SB_T_DECIMAL && t->kind != SB_T_DECIMAL);
    return set(e, to, nullable);
}

static const sb_type *check_subscript(sb_checker *ck, sb_expr *e)
{
    const sb_type *bt = check_sub(ck, e->u.subscript.base);
    const sb_type *it = check_sub(ck, e->u.subscript.index);
    if (!bt || !it) return NULL;
    sb_expr *idx = e->u.subscript.index;
    switch (bt->kind) {
    case SB_T_ARRAY:
        if (!sb_type_is_integral(it) && it->kind != SB_T_NULL) {
            sb_diags_error(ck->d, idx->span, "type-mismatch",
                           "an array index must be an integer, got %s", tstr(ck, it));
            return NULL;
        }
        return set(e, bt->elem, true);
    case SB_T_MAP:
        if (!sb_type_implicit_castable(it, bt->key)) {
            sb_diags_error(ck->d, idx->span, "type-mismatch", "the key of %s cannot be a %s",
                           tstr(ck, bt), tstr(ck, it));
            return NULL;
        }
        return set(e, bt->value, true);
    case SB_T_STRUCT: {
        const char *name;
        if (!sb_expr_string_value(idx, &name)) {
            sb_diags_error(ck->d, idx->span, "type-mismatch",
                           "a struct field must be named by a string literal, got %s",
                           tstr(ck, it));
            return NULL;
        }
        bool nullable = e->u.subscript.base->nullable;
        const sb_type *t = access_field(ck, idx->span, bt, name, &nullable);
        return t ? set(e, t, nullable) : NULL;
    }
    default:
        sb_diags_error(ck->d, e->span, "type-mismatch",
                       "cannot subscript a value of type %s (only arrays, maps and structs)",
                       tstr(ck, bt));
        return NULL;
    }
}

static const sb_type *check_field(sb_checker *ck, sb_expr *e)
{
    const sb_type *bt = check_sub(ck, e->u.field.base);
    if (!bt) return NULL;
    bool nullable = e->u.field.base->nullable;
    const sb_type *t = access_field(ck, e->span, bt, e->u.field.name, &nullable);
    return t ? set(e, t, nullable) : NULL;
}

/* ---- function calls ------------------------------------------------------------- */

typedef struct call_ctx {
    sb_func_call call;
    sb_checker *ck;
} call_ctx;

const sb_type *sb_check_lambda(const sb_func_call *call, sb_expr *lambda,
                               const sb_type *const *types, size_t ntypes)
{
    const call_ctx *cc = (const call_ctx *)call;
    sb_checker *ck = cc->ck;
    size_t mark = ck->lambdas.len;
    for (size_t i = 0; i < lambda->u.lambda.nparams && i < ntypes; i++) {
        sb_check_name *n = sb_arena_alloc(ck->a, sizeof *n);
        n->name = lambda->u.lambda.params[i];
        n->type = types[i];
        n->nullable = true;
        sb_vec_push(ck->a, &ck->lambdas, n);
    }
    const sb_type *t = check_sub(ck, lambda->u.lambda.body);
    ck->lambdas.len = mark;
    if (!t) return NULL;
    return set(lambda, t, lambda->u.lambda.body->nullable);
}

static bool is_ranking(const char *name)
{
    static const char *const names[] = {"row_number", "rank",  "dense_rank", "percent_rank",
                                        "cume_dist",  "ntile", "lag",        "lead"};
    for (size_t i = 0; i < SB_COUNTOF(names); i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

static const sb_window *resolve_window(sb_checker *ck, const sb_window *w)
{
    if (!w || !w->name || w->partition_by.len || w->order_by.len || w->frame != SB_FRAME_NONE)
        return w;
    for (size_t i = 0; i < ck->windows.len; i++) {
        const sb_named_window *nw = ck->windows.items[i];
        if (sb_str_ieq(nw->name, w->name)) return nw->window;
    }
    sb_diags_error(ck->d, w->span, "unknown-window", "window `%s` is not defined", w->name);
    return NULL;
}

static bool check_window(sb_checker *ck, sb_expr *e, const sb_func *f)
{
    const sb_window *w = resolve_window(ck, e->u.func.over);
    if (!w) return false;
    bool ok = true;
    bool saved = ck->in_window_spec;
    ck->in_window_spec = true;
    for (size_t i = 0; i < w->partition_by.len; i++)
        if (!check_sub(ck, w->partition_by.items[i])) ok = false;
    for (size_t i = 0; i < w->order_by.len; i++) {
        sb_sort_key *k = w->order_by.items[i];
        const sb_type *t = check_sub(ck, k->expr);
        if (!t)
            ok = false;
        else if (!sb_type_is_orderable(t)) {
            sb_diags_error(ck->d, k->expr->span, "type-mismatch",
                           "cannot order by a value of type %s", tstr(ck, t));
            ok = false;
        }
    }
    if (w->start.offset && !check_sub(ck, w->start.offset)) ok = false;
    if (w->end.offset && !check_sub(ck, w->end.offset)) ok = false;
    ck->in_window_spec = saved;
    if (ok && f->cls == SB_FUNC_WINDOW && is_ranking(f->name) && w->order_by.len == 0) {
        sb_diags_error(ck->d, e->span, "window-needs-order", "%s() needs an ORDER BY in its window",
                       f->name);
        ok = false;
    }
    bool offsets = w->start.kind == SB_BOUND_PRECEDING || w->start.kind == SB_BOUND_FOLLOWING ||
                   w->end.kind == SB_BOUND_PRECEDING || w->end.kind == SB_BOUND_FOLLOWING;
    if (ok && w->frame == SB_FRAME_RANGE && offsets) {
        if (w->order_by.len != 1) {
            sb_diags_error(ck->d, w->span, "bad-frame",
                           "a RANGE frame with offsets needs exactly one ORDER BY expression");
            ok = false;
        } else {
            const sb_type *kt = ((sb_sort_key *)w->order_by.items[0])->expr->type;
            if (!sb_type_is_numeric(kt) && !sb_type_is_datetime(kt) &&
                kt->kind != SB_T_INTERVAL_DT && kt->kind != SB_T_INTERVAL_YM) {
                sb_diags_error(ck->d, w->span, "bad-frame",
                               "a RANGE frame with offsets needs a numeric, date or timestamp "
                               "ORDER BY, got %s",
                               tstr(ck, kt));
                ok = false;
            }
        }
    }
    return ok;
}

static bool star_takes(const sb_expr *star, const sb_sql_input *in)
{
    if (!star->u.star.nqualifier) return true;
    return in->name && sb_str_ieq(in->name, star->u.star.qualifier[star->u.star.nqualifier - 1]);
}

static size_t star_width(const sb_checker *ck, const sb_expr *star)
{
    size_t n = 0;
    for (size_t r = 0; ck->scope && r < ck->scope->ninputs; r++)
        if (star_takes(star, &ck->scope->inputs[r])) n += ck->scope->inputs[r].schema->nfields;
    return n;
}

/* Column references for every column a `*` argument stands for. */
static void expand_star(sb_checker *ck, const sb_expr *star, sb_vec *out)
{
    for (size_t r = 0; ck->scope && r < ck->scope->ninputs; r++) {
        const sb_sql_input *in = &ck->scope->inputs[r];
        if (!star_takes(star, in)) continue;
        for (size_t c = 0; c < in->schema->nfields; c++) {
            sb_expr *col = sb_arena_alloc(ck->a, sizeof *col);
            col->kind = SB_E_COLUMN;
            col->span = star->span;
            const char **parts = sb_arena_alloc(ck->a, 2 * sizeof *parts);
            size_t np = 0;
            if (in->name) parts[np++] = in->name;
            parts[np++] = in->schema->fields[c].name;
            col->u.column.parts = parts;
            col->u.column.nparts = np;
            sb_vec_push(ck->a, out, col);
        }
    }
}

/* Can argument i of f be a lambda function? */
static bool lambda_allowed(const sb_func *f, size_t i)
{
    static const struct {
        const char *name;
        size_t from; /* the first argument that is a lambda */
    } HIGHER_ORDER[] = {
        {"aggregate", 2}, {"array_sort", 1}, {"exists", 1},           {"filter", 1},
        {"forall", 1},    {"map_filter", 1}, {"reduce", 2},           {"transform", 1},
        {"transform_keys", 1}, {"transform_values", 1}, {"zip_with", 2},
    };
    for (size_t k = 0; k < SB_COUNTOF(HIGHER_ORDER); k++)
        if (strcmp(f->name, HIGHER_ORDER[k].name) == 0) return i >= HIGHER_ORDER[k].from;
    return false;
}

/* The unit of TIMESTAMPADD(unit, n, ts) / TIMESTAMPDIFF(unit, a, b): the
 * parser keeps the keyword as a one-part column. */
static bool is_unit_arg(const sb_func *f, const sb_expr *a)
{
    static const char *const UNITS[] = {"YEAR", "QUARTER", "MONTH",  "WEEK",        "DAY",
                                        "DAYOFYEAR", "HOUR", "MINUTE", "SECOND",
                                        "MILLISECOND", "MICROSECOND"};
    if (strcmp(f->name, "timestampadd") != 0 && strcmp(f->name, "timestampdiff") != 0) return false;
    if (a->kind != SB_E_COLUMN || a->u.column.nparts != 1) return false;
    for (size_t i = 0; i < SB_COUNTOF(UNITS); i++)
        if (sb_str_ieq(a->u.column.parts[0], UNITS[i])) return true;
    return false;
}

/* The columns a `*` argument stands for, as a struct type on the star node:
 * the column name of struct(*) and count(DISTINCT *) lists them. */
static void note_star_columns(sb_checker *ck, sb_expr *star)
{
    size_t n = star_width(ck, star), k = 0;
    sb_field *fields = sb_arena_alloc(ck->a, (n ? n : 1) * sizeof *fields);
    for (size_t r = 0; ck->scope && r < ck->scope->ninputs; r++) {
        const sb_sql_input *in = &ck->scope->inputs[r];
        if (!star_takes(star, in)) continue;
        for (size_t c = 0; c < in->schema->nfields && k < n; c++)
            fields[k++] = in->schema->fields[c];
    }
    star->type = sb_type_struct(ck->a, fields, k);
}

static const sb_type *check_func(sb_checker *ck, sb_expr *e)
{
    const char *name = e->u.func.name;
    const sb_func *f = sb_sql_func_lookup(name);
    e->u.func.func = f;
    sb_span nspan =
        e->u.func.name_span.end > e->u.func.name_span.start ? e->u.func.name_span : e->span;
    if (!f) {
        sb_diag *dg =
            sb_diags_error(ck->d, nspan, "unknown-function", "unknown function `%s`", name);
        const char *s = sb_sql_func_suggest(name);
        if (s) sb_diag_set_hint(ck->d, dg, "did you mean `%s`?", s);
        /* Still check the arguments so their errors are reported too. */
        for (size_t i = 0; i < e->u.func.args.len; i++) {
            sb_expr *a = e->u.func.args.items[i];
            if (a->kind != SB_E_LAMBDA && a->kind != SB_E_STAR) check_sub(ck, a);
        }
        return NULL;
    }
    size_t nargs = e->u.func.args.len;
    bool star = nargs == 1 && ((sb_expr *)e->u.func.args.items[0])->kind == SB_E_STAR &&
                strcmp(f->name, "count") == 0;
    if (!star) {
        /* f(*) and f(t.*) take every column as arguments (struct(*), hash(*)). */
        size_t n = 0;
        for (size_t i = 0; i < nargs; i++) {
            sb_expr *a = e->u.func.args.items[i];
            n += a->kind == SB_E_STAR ? star_width(ck, a) : 1;
        }
        nargs = n;
    }
    if (!star && ((int)nargs < f->min_args || (f->max_args >= 0 && (int)nargs > f->max_args))) {
        sb_diag *dg;
        if (f->min_args == f->max_args)
            dg = sb_diags_error(ck->d, e->span, "wrong-arg-count",
                                "%s expects %d argument%s, got %zu", f->name, f->min_args,
                                f->min_args == 1 ? "" : "s", nargs);
        else if (f->max_args < 0)
            dg = sb_diags_error(ck->d, e->span, "wrong-arg-count",
                                "%s expects at least %d argument%s, got %zu", f->name, f->min_args,
                                f->min_args == 1 ? "" : "s", nargs);
        else
            dg = sb_diags_error(ck->d, e->span, "wrong-arg-count",
                                "%s expects %d to %d arguments, got %zu", f->name, f->min_args,
                                f->max_args, nargs);
        sb_diag_set_hint(ck->d, dg, "%s", f->signature);
        return NULL;
    }
    if (!star && strcmp(f->name, "count") == 0 && nargs == 0) {
        sb_diags_error(ck->d, e->span, "wrong-arg-count", "count expects * or arguments");
        return NULL;
    }

    /* Where the call may appear. */
    bool windowed = e->u.func.over != NULL;
    if (windowed && !(ck->flags & SB_CHECK_WINDOWS)) {
        sb_diags_error(ck->d, e->span, "window-not-allowed",
                       "window functions (OVER) are not allowed here");
        return NULL;
    }
    switch (f->cls) {
    case SB_FUNC_AGGREGATE:
        if (ck->in_aggregate) {
            sb_diags_error(ck->d, e->span, "nested-aggregate",
                           "aggregate function %s cannot be used inside another aggregate "
                           "function",
                           f->name);
            return NULL;
        }
        if (!windowed && !(ck->flags & SB_CHECK_AGGREGATES)) {
            sb_diags_error(ck->d, e->span, "aggregate-not-allowed",
                           "aggregate function %s is not allowed here", f->name);
            return NULL;
        }
        break;
    case SB_FUNC_WINDOW:
        if (!windowed) {
            sb_diag *dg = sb_diags_error(ck->d, e->span, "window-needs-over",
                                         "window function %s requires an OVER clause", f->name);
            sb_diag_set_hint(ck->d, dg, "%s() OVER (PARTITION BY ... ORDER BY ...)", f->name);
            return NULL;
        }
        break;
    case SB_FUNC_GENERATOR:
        if (!(ck->flags & SB_CHECK_GENERATORS)) {
            sb_diags_error(ck->d, e->span, "generator-not-allowed",
                           "generator %s is not allowed here", f->name);
            return NULL;
        }
        if (ck->depth > 0 || ck->in_aggregate) {
            sb_diags_error(ck->d, e->span, "generator-nested",
                           "generator %s cannot be used inside another expression; use it "
                           "alone in a select item",
                           f->name);
            return NULL;
        }
        if (windowed) goto not_window;
        break;
    case SB_FUNC_SCALAR:
        if (windowed) goto not_window;
        break;
    }
    if (e->u.func.distinct && windowed) {
        sb_diags_error(ck->d, e->span, "bad-distinct",
                       "DISTINCT is not supported in window functions");
        return NULL;
    }
    if (e->u.func.distinct && f->cls != SB_FUNC_AGGREGATE) {
        sb_diags_error(ck->d, e->span, "bad-distinct", "DISTINCT is only allowed in aggregates");
        return NULL;
    }

    /* Arguments: aggregate arguments are row-level again. */
    /* A windowed aggregate's arguments are evaluated in the current context
     * (after grouping, like any select item); a plain aggregate's per row. */
    bool agg = f->cls == SB_FUNC_AGGREGATE && !windowed;
    bool saved_grouped = ck->grouped;
    unsigned saved_flags = ck->flags;
    if (agg) {
        ck->in_aggregate++;
        ck->grouped = false;
    }
    if (f->cls == SB_FUNC_WINDOW || windowed) ck->flags &= ~(unsigned)SB_CHECK_WINDOWS;
    bool ok = true;
    bool nullable_any = false, nullable_all = nargs > 0;
    sb_vec argv = {0};
    for (size_t i = 0; i < e->u.func.args.len; i++) {
        sb_expr *a = e->u.func.args.items[i];
        if (a->kind == SB_E_STAR && !star) {
            expand_star(ck, a, &argv);
            note_star_columns(ck, a);
        } else
            sb_vec_push(ck->a, &argv, a);
    }
    nargs = argv.len;
    sb_expr **args = sb_arena_alloc(ck->a, (nargs + 1) * sizeof *args);
    for (size_t i = 0; i < nargs; i++) {
        sb_expr *a = argv.items[i];
        args[i] = a;
        if (a->kind == SB_E_LAMBDA) continue;
        if (a->kind == SB_E_STAR) {
            set(a, T(SB_T_INT), false);
            if (e->u.func.distinct) note_star_columns(ck, a);
            continue;
        }
        if (i == 0 && is_unit_arg(f, a)) {
            set(a, T(SB_T_STRING), false); /* a keyword, not a value */
            continue;
        }
        if (!check_sub(ck, a))
            ok = false;
        else {
            nullable_any = nullable_any || a->nullable;
            nullable_all = nullable_all && a->nullable;
        }
    }
    if (e->u.func.filter) {
        if (!agg) {
            sb_diags_error(ck->d, e->u.func.filter->span, "bad-filter",
                           "FILTER (WHERE ...) is only allowed on aggregate functions");
            ok = false;
        } else if (!check_sub(ck, e->u.func.filter) ||
                   !need_boolean(ck, e->u.func.filter, "a FILTER condition")) {
            ok = false;
        }
    }
    if (agg) {
        ck->in_aggregate--;
        ck->grouped = saved_grouped;
    }
    if (ok && windowed && !check_window(ck, e, f)) ok = false;
    ck->flags = saved_flags;
    if (!ok) return NULL;

    for (size_t i = 0; i < nargs; i++) {
        if (args[i]->kind == SB_E_LAMBDA && !f->result) ok = false;
    }
    /* A lambda is an argument only where a higher-order function takes one;
     * the rules read the other arguments' types. */
    for (size_t i = 0; i < nargs; i++)
        if (args[i]->kind == SB_E_LAMBDA && !lambda_allowed(f, i)) {
            sb_diags_error(ck->d, args[i]->span, "bad-lambda",
                           "%s does not take a lambda function as its argument %zu", f->name,
                           i + 1);
            return NULL;
        }
    call_ctx cc = {{ck->a, ck->d, e, args, nargs}, ck};
    /* Lambdas only make sense as arguments of higher-order functions, whose
     * rules check them; any other rule leaves them untyped. */
    const sb_type *t = f->result(&cc.call);
    if (!t) return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (args[i]->kind == SB_E_LAMBDA && !args[i]->type) {
            sb_diags_error(ck->d, args[i]->span, "bad-lambda", "%s does not take a lambda function",
                           f->name);
            return NULL;
        }
    bool nullable;
    switch (sb_func_null_rule(f)) {
    case SB_NULL_NEVER:
        nullable = false;
        break;
    case SB_NULL_ALWAYS:
        nullable = true;
        break;
    case SB_NULL_ALL:
        nullable = nullable_all;
        break;
    case SB_NULL_FIRST:
        nullable = nargs > 0 && args[0]->nullable;
        break;
    case SB_NULL_SECOND:
        nullable = nargs > 1 && args[1]->nullable;
        break;
    case SB_NULL_TAIL:
        nullable = false;
        for (size_t i = 1; i < nargs; i++) nullable = nullable || args[i]->nullable;
        break;
    default:
        nullable = nullable_any;
        break;
    }
    if (f->cls == SB_FUNC_AGGREGATE && sb_func_null_rule(f) != SB_NULL_NEVER) nullable = true;
    /* A sliding window is computed through an array of windows, whose
     * elements Spark types nullable. */
    if (strcmp(f->name, "window") == 0 && nargs >= 3) nullable = true;
    /* Nullability that follows the argument's element type. */
    const sb_type *a0 = nargs == 1 ? args[0]->type : NULL;
    if (a0 && a0->kind == SB_T_ARRAY) {
        if (strcmp(f->name, "explode") == 0)
            nullable = a0->contains_null; /* one row per element */
        else if (strcmp(f->name, "flatten") == 0)
            nullable = args[0]->nullable || a0->contains_null; /* a null inner array */
    }
    return set(e, t, nullable);

not_window:
    sb_diags_error(ck->d, e->span, "not-a-window-function",
                   "%s is not a window or aggregate function and cannot have OVER", f->name);
    return NULL;
}

/* ---- the walk ------------------------------------------------------------------ */

static const sb_type *check_config(sb_checker *ck, sb_expr *e)
{
    const char *name = e->u.config.name;
    const sb_type *t = NULL;
    if (ck->scope && ck->scope->config_type)
        t = ck->scope->config_type(ck->scope->config_ctx, name);
    if (!t) {
        sb_diags_error(ck->d, e->span, "unknown-config",
                       "configuration variable `${%s}` is not declared", name);
        return NULL;
    }
    return set(e, t, false);
}

const sb_type *sb_checker_expr(sb_checker *ck, sb_expr *e)
{
    if (!e) return NULL;
    /* In a grouped context an expression equal to a group key is a value of
     * the group, whatever it contains. */
    if (ck->grouped && !ck->in_aggregate && e->kind != SB_E_LITERAL && ck->ngroup_by &&
        matches_group_key(ck, e)) {
        ck->grouped = false;
        const sb_type *t = sb_checker_expr(ck, e);
        ck->grouped = true;
        return t;
    }
    e->type = NULL;
    const sb_type *t = NULL;
    switch (e->kind) {
    case SB_E_LITERAL:
        t = check_literal(ck, e);
        break;
    case SB_E_COLUMN:
        t = check_column(ck, e);
        if (t && ck->grouped && !ck->in_aggregate && refers_to_input(e) &&
            !matches_group_key(ck, e)) {
            sb_diag *dg = sb_diags_error(
                ck->d, e->span, "not-grouped",
                "column `%s` is neither in the GROUP BY nor inside an aggregate function",
                e->u.column.parts[e->u.column.nparts - 1]);
            sb_diag_set_hint(ck->d, dg,
                             "add it to the GROUP BY, or wrap it in an aggregate such as "
                             "first(...) or max(...)");
            return NULL;
        }
        break;
    case SB_E_STAR:
        sb_diags_error(ck->d, e->span, "bad-star",
                       "`*` is only allowed in a select list or in count(*)");
        return NULL;
    case SB_E_CONFIG:
        t = check_config(ck, e);
        break;
    case SB_E_UNARY:
        t = check_unary(ck, e);
        break;
    case SB_E_BINARY:
        t = check_binary(ck, e);
        break;
    case SB_E_FUNC:
        t = check_func(ck, e);
        break;
    case SB_E_CASE:
        t = check_case(ck, e);
        break;
    case SB_E_CAST:
        t = check_cast(ck, e);
        break;
    case SB_E_IN:
        t = check_in(ck, e);
        break;
    case SB_E_BETWEEN:
        t = check_between(ck, e);
        break;
    case SB_E_LIKE:
        t = check_like(ck, e);
        break;
    case SB_E_IS:
        t = check_is(ck, e);
        break;
    case SB_E_DISTINCT: {
        const sb_type *l = check_sub(ck, e->u.distinct.left);
        const sb_type *r = check_sub(ck, e->u.distinct.right);
        if (!l || !r || !check_compare(ck, e->span, SB_OP_NSEQ, l, r)) return NULL;
        t = set(e, T(SB_T_BOOLEAN), false);
        break;
    }
    case SB_E_SUBSCRIPT:
        t = check_subscript(ck, e);
        break;
    case SB_E_FIELD:
        t = check_field(ck, e);
        break;
    case SB_E_LAMBDA:
        sb_diags_error(ck->d, e->span, "bad-lambda",
                       "a lambda function (x -> ...) is only allowed as an argument of a "
                       "higher-order function such as transform or filter");
        return NULL;
    case SB_E_SUBQUERY: {
        const sb_type *s = sb_checker_query(ck->a, e->u.subquery.query, ck->scope, ck, ck->d);
        if (!s) return NULL;
        if (e->u.subquery.exists) {
            t = set(e, T(SB_T_BOOLEAN), false);
            break;
        }
        if (s->nfields != 1) {
            sb_diags_error(ck->d, e->span, "bad-subquery",
                           "a scalar subquery must return one column, this one returns %zu",
                           s->nfields);
            return NULL;
        }
        t = set(e, s->fields[0].type, true);
        break;
    }
    }
    return t;
}

const sb_type *sb_sql_check_expr(sb_arena *a, sb_expr *e, const sb_sql_scope *scope, sb_diags *d)
{
    sb_checker ck;
    sb_checker_init(&ck, a, scope, d);
    return sb_checker_expr(&ck, e);
}

/* ---- tree questions -------------------------------------------------------- */

typedef bool (*expr_pred)(const sb_expr *e, void *ctx);
static bool any_expr(const sb_expr *e, expr_pred pred, void *ctx);

/* Visit e and its sub-expressions (not into subqueries); stop when pred is true. */
static bool any_expr(const sb_expr *e, expr_pred pred, void *ctx)
{
    if (!e) return false;
    if (pred(e, ctx)) return true;
    switch (e->kind) {
    case SB_E_UNARY:
        return any_expr(e->u.unary.arg, pred, ctx);
    case SB_E_BINARY:
        return any_expr(e->u.binary.left, pred, ctx) || any_expr(e->u.binary.right, pred, ctx);
    case SB_E_FUNC:
        for (size_t i = 0; i < e->u.func.args.len; i++)
            if (any_expr(e->u.func.args.items[i], pred, ctx)) return true;
        return any_expr(e->u.func.filter, pred, ctx);
    case SB_E_CASE:
        if (any_expr(e->u.kase.operand, pred, ctx) || any_expr(e->u.kase.otherwise, pred, ctx))
            return true;
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            if (any_expr(w->when, pred, ctx) || any_expr(w->then, pred, ctx)) return true;
        }
        return false;
    case SB_E_CAST:
        return any_expr(e->u.cast.arg, pred, ctx);
    case SB_E_IN:
        if (any_expr(e->u.in.arg, pred, ctx)) return true;
        for (size_t i = 0; i < e->u.in.list.len; i++)
            if (any_expr(e->u.in.list.items[i], pred, ctx)) return true;
        return false;
    case SB_E_BETWEEN:
        return any_expr(e->u.between.arg, pred, ctx) || any_expr(e->u.between.low, pred, ctx) ||
               any_expr(e->u.between.high, pred, ctx);
    case SB_E_LIKE:
        return any_expr(e->u.like.arg, pred, ctx) || any_expr(e->u.like.pattern, pred, ctx);
    case SB_E_IS:
        return any_expr(e->u.is.arg, pred, ctx);
    case SB_E_DISTINCT:
        return any_expr(e->u.distinct.left, pred, ctx) || any_expr(e->u.distinct.right, pred, ctx);
    case SB_E_SUBSCRIPT:
        return any_expr(e->u.subscript.base, pred, ctx) ||
               any_expr(e->u.subscript.index, pred, ctx);
    case SB_E_FIELD:
        return any_expr(e->u.field.base, pred, ctx);
    case SB_E_LAMBDA:
        return any_expr(e->u.lambda.body, pred, ctx);
    default:
        return false;
    }
}

static const sb_func *func_of(const sb_expr *e)
{
    return e->u.func.func ? e->u.func.func : sb_sql_func_lookup(e->u.func.name);
}

static bool is_plain_aggregate(const sb_expr *e, void *ctx)
{
    if (e->kind != SB_E_FUNC) return false;
    if (e->u.func.over) {
        /* PARTITION BY / ORDER BY expressions are evaluated per group too. */
        const sb_window *w = e->u.func.over;
        for (size_t i = 0; i < w->partition_by.len; i++)
            if (any_expr(w->partition_by.items[i], is_plain_aggregate, ctx)) return true;
        for (size_t i = 0; i < w->order_by.len; i++)
            if (any_expr(((sb_sort_key *)w->order_by.items[i])->expr, is_plain_aggregate, ctx))
                return true;
        return false;
    }
    const sb_func *f = func_of(e);
    return f && f->cls == SB_FUNC_AGGREGATE;
}

static bool is_window(const sb_expr *e, void *ctx)
{
    return e->kind == SB_E_FUNC && e->u.func.over;
}

static bool is_nondeterministic(const sb_expr *e, void *ctx)
{
    if (e->kind != SB_E_FUNC) return false;
    /* Random values, row identities, and aggregates whose answer depends on
     * the order rows arrive in. current_timestamp() is fixed per query. */
    static const char *const names[] = {"rand",
                                        "randn",
                                        "random",
                                        "uuid",
                                        "shuffle",
                                        "monotonically_increasing_id",
                                        "spark_partition_id",
                                        "input_file_name",
                                        "first",
                                        "last",
                                        "first_value",
                                        "last_value",
                                        "any_value",
                                        "collect_list",
                                        "array_agg"};
    const char *n = e->u.func.name;
    for (size_t i = 0; i < SB_COUNTOF(names); i++)
        if (sb_str_ieq(n, names[i])) return true;
    return false;
}

bool sb_sql_has_aggregate(const sb_expr *e)
{
    /* Aggregates inside an OVER window are window expressions, not grouping. */
    return any_expr(e, is_plain_aggregate, NULL);
}

bool sb_sql_has_window(const sb_expr *e)
{
    return any_expr(e, is_window, NULL);
}

bool sb_sql_is_deterministic(const sb_expr *e)
{
    return !any_expr(e, is_nondeterministic, NULL);
}
