/*
 * print.c — Spark SQL text from expression and query trees.
 *
 * Two printers live here:
 *
 *   sb_sql_print_expr / sb_sql_print_query write canonical SQL: upper-case
 *   keywords, the fewest parentheses that keep the tree, identifiers
 *   back-quoted only when needed. Parsing the output gives the same tree,
 *   so generated code and canonical files can carry it.
 *
 *   sb_sql_auto_name writes the column name Spark gives an unaliased select
 *   item: Spark's "pretty SQL" of the analysed expression (toPrettySQL),
 *   which differs from the canonical text: columns lose their qualifiers,
 *   literals lose their quotes, every operator is parenthesized, BETWEEN is
 *   expanded, some functions show their default arguments.
 */
#include "sql/sql.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- identifiers ---------------------------------------------------- */

static bool plain_ident(const char *s)
{
    if (!s || !*s) return false;
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return false;
    return true;
}

static void put_quoted_ident(sb_buf *out, const char *name)
{
    sb_buf_putc(out, '`');
    for (const char *c = name; *c; c++) {
        if (*c == '`') sb_buf_putc(out, '`');
        sb_buf_putc(out, *c);
    }
    sb_buf_putc(out, '`');
}

void sb_sql_print_ident(sb_buf *out, const char *name)
{
    if (!name) name = "";
    if (plain_ident(name) && !sb_sql_is_reserved(name))
        sb_buf_puts(out, name);
    else
        put_quoted_ident(out, name);
}

/* Function names: bare unless the parser would read the word differently. */
static void print_func_name(sb_buf *out, const char *name)
{
    static const char *const SPECIAL[] = {"CASE", "CAST", "TRY_CAST", "NOT", "EXISTS", "NULL",
                                          "TRUE", "FALSE", "AND", "OR", "IS", "IN", "BETWEEN",
                                          "DIV", "WHEN", "THEN", "ELSE", "END", "FROM", "WHERE",
                                          "GROUP", "HAVING", "ORDER", "LIMIT", "UNION",
                                          "INTERSECT", "EXCEPT", "MINUS", "JOIN", "ON", "USING",
                                          "SELECT", "AS", "ESCAPE", "DISTINCT", "ALL", "INNER",
                                          "CROSS", "NATURAL", "LATERAL", NULL};
    if (strchr(name, '.')) {
        /* db.func: print each part */
        const char *s = name;
        for (;;) {
            const char *e = strchr(s, '.');
            size_t n = e ? (size_t)(e - s) : strlen(s);
            char *part = sb_xmalloc(n + 1);
            memcpy(part, s, n);
            part[n] = 0;
            sb_sql_print_ident(out, part);
            free(part);
            if (!e) break;
            sb_buf_putc(out, '.');
            s = e + 1;
        }
        return;
    }
    bool special = false;
    for (size_t i = 0; SPECIAL[i]; i++)
        if (sb_str_ieq(name, SPECIAL[i])) special = true;
    if (plain_ident(name) && !special)
        sb_buf_puts(out, name);
    else
        put_quoted_ident(out, name);
}

/* ---- literals ------------------------------------------------------- */

static void put_string(sb_buf *out, const char *s, size_t n)
{
    sb_buf_putc(out, '\'');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\'': sb_buf_puts(out, "\\'"); break;
        case '\\': sb_buf_puts(out, "\\\\"); break;
        case '\n': sb_buf_puts(out, "\\n"); break;
        case '\r': sb_buf_puts(out, "\\r"); break;
        case '\t': sb_buf_puts(out, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7F)
                sb_buf_printf(out, "\\u%04X", c);
            else
                sb_buf_putc(out, (char)c);
        }
    }
    sb_buf_putc(out, '\'');
}

static void put_hex(sb_buf *out, const char *s, size_t n)
{
    static const char H[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        sb_buf_putc(out, H[c >> 4]);
        sb_buf_putc(out, H[c & 15]);
    }
}

static void print_literal(sb_buf *out, const sb_expr *e)
{
    const char *t = e->u.lit.text ? e->u.lit.text : "";
    switch (e->u.lit.kind) {
    case SB_LIT_NULL: sb_buf_puts(out, "NULL"); break;
    case SB_LIT_BOOLEAN: sb_buf_puts(out, e->u.lit.boolean ? "TRUE" : "FALSE"); break;
    case SB_LIT_INTEGER:
        sb_buf_puts(out, t);
        if (e->u.lit.suffix) sb_buf_putc(out, e->u.lit.suffix);
        break;
    case SB_LIT_DECIMAL:
        sb_buf_puts(out, t);
        if (e->u.lit.suffix == 'B') sb_buf_puts(out, "BD");
        break;
    case SB_LIT_DOUBLE:
        sb_buf_puts(out, t);
        if (e->u.lit.suffix == 'D' || !strpbrk(t, "eE")) sb_buf_putc(out, 'D');
        break;
    case SB_LIT_FLOAT:
        sb_buf_puts(out, t);
        sb_buf_putc(out, 'F');
        break;
    case SB_LIT_STRING: put_string(out, t, e->u.lit.len); break;
    case SB_LIT_DATE:
        sb_buf_puts(out, "DATE ");
        put_string(out, t, e->u.lit.len);
        break;
    case SB_LIT_TIMESTAMP:
        sb_buf_puts(out, "TIMESTAMP ");
        put_string(out, t, e->u.lit.len);
        break;
    case SB_LIT_TIMESTAMP_NTZ:
        sb_buf_puts(out, "TIMESTAMP_NTZ ");
        put_string(out, t, e->u.lit.len);
        break;
    case SB_LIT_BINARY:
        sb_buf_puts(out, "X'");
        put_hex(out, t, e->u.lit.len);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_INTERVAL:
        sb_buf_puts(out, "INTERVAL ");
        put_string(out, t, e->u.lit.len);
        if (e->u.lit.unit) {
            sb_buf_putc(out, ' ');
            sb_buf_puts(out, e->u.lit.unit);
        }
        break;
    }
}

static bool is_numeric_lit(const sb_expr *e)
{
    return e->kind == SB_E_LITERAL &&
           (e->u.lit.kind == SB_LIT_INTEGER || e->u.lit.kind == SB_LIT_DECIMAL ||
            e->u.lit.kind == SB_LIT_DOUBLE || e->u.lit.kind == SB_LIT_FLOAT);
}

/* ---- types as Spark SQL (DataType.sql) ------------------------------ */

static void print_type_sql(sb_buf *out, const sb_type *t)
{
    static const char *const DT[] = {"DAY", "HOUR", "MINUTE", "SECOND"};
    static const char *const YM[] = {"YEAR", "MONTH"};
    if (!t) {
        sb_buf_puts(out, "?");
        return;
    }
    switch (t->kind) {
    case SB_T_NULL: sb_buf_puts(out, "VOID"); break;
    case SB_T_BOOLEAN: sb_buf_puts(out, "BOOLEAN"); break;
    case SB_T_BYTE: sb_buf_puts(out, "TINYINT"); break;
    case SB_T_SHORT: sb_buf_puts(out, "SMALLINT"); break;
    case SB_T_INT: sb_buf_puts(out, "INT"); break;
    case SB_T_LONG: sb_buf_puts(out, "BIGINT"); break;
    case SB_T_FLOAT: sb_buf_puts(out, "FLOAT"); break;
    case SB_T_DOUBLE: sb_buf_puts(out, "DOUBLE"); break;
    case SB_T_DECIMAL: sb_buf_printf(out, "DECIMAL(%d,%d)", t->precision, t->scale); break;
    case SB_T_STRING: sb_buf_puts(out, "STRING"); break;
    case SB_T_BINARY: sb_buf_puts(out, "BINARY"); break;
    case SB_T_DATE: sb_buf_puts(out, "DATE"); break;
    case SB_T_TIMESTAMP: sb_buf_puts(out, "TIMESTAMP"); break;
    case SB_T_TIMESTAMP_NTZ: sb_buf_puts(out, "TIMESTAMP_NTZ"); break;
    case SB_T_INTERVAL: sb_buf_puts(out, "INTERVAL"); break;
    case SB_T_INTERVAL_DT:
    case SB_T_INTERVAL_YM: {
        bool ym = t->kind == SB_T_INTERVAL_YM;
        int max = ym ? 1 : 3;
        int s = t->precision <= max ? t->precision : 0;
        int e = t->scale <= max ? t->scale : max;
        const char *const *names = ym ? YM : DT;
        sb_buf_printf(out, "INTERVAL %s", names[s]);
        if (e != s) sb_buf_printf(out, " TO %s", names[e]);
        break;
    }
    case SB_T_ARRAY:
        sb_buf_puts(out, "ARRAY<");
        print_type_sql(out, t->elem);
        sb_buf_putc(out, '>');
        break;
    case SB_T_MAP:
        sb_buf_puts(out, "MAP<");
        print_type_sql(out, t->key);
        sb_buf_puts(out, ", ");
        print_type_sql(out, t->value);
        sb_buf_putc(out, '>');
        break;
    case SB_T_STRUCT:
        sb_buf_puts(out, "STRUCT<");
        for (size_t i = 0; i < t->nfields; i++) {
            if (i) sb_buf_puts(out, ", ");
            const char *n = t->fields[i].name ? t->fields[i].name : "";
            if (plain_ident(n))
                sb_buf_puts(out, n);
            else
                put_quoted_ident(out, n);
            sb_buf_puts(out, ": ");
            print_type_sql(out, t->fields[i].type);
        }
        sb_buf_putc(out, '>');
        break;
    }
}

/* ---- canonical expressions ------------------------------------------ */

/* Precedence of the printed forms, loosest first. */
enum {
    P_LAMBDA,
    P_OR,
    P_AND,
    P_NOT,
    P_PRED,
    P_CMP,
    P_BITOR,
    P_BITXOR,
    P_BITAND,
    P_ADD,
    P_MUL,
    P_UNARY,
    P_PRIMARY,
};

static int binop_prec(sb_binop op)
{
    switch (op) {
    case SB_OP_OR: return P_OR;
    case SB_OP_AND: return P_AND;
    case SB_OP_EQ: case SB_OP_NSEQ: case SB_OP_NE: case SB_OP_LT: case SB_OP_LE: case SB_OP_GT:
    case SB_OP_GE: return P_CMP;
    case SB_OP_BITOR: return P_BITOR;
    case SB_OP_BITXOR: return P_BITXOR;
    case SB_OP_BITAND: return P_BITAND;
    case SB_OP_ADD: case SB_OP_SUB: case SB_OP_CONCAT: return P_ADD;
    case SB_OP_MUL: case SB_OP_DIV: case SB_OP_MOD: case SB_OP_INTDIV: return P_MUL;
    }
    return P_PRIMARY;
}

static const char *binop_text(sb_binop op)
{
    switch (op) {
    case SB_OP_ADD: return "+";
    case SB_OP_SUB: return "-";
    case SB_OP_MUL: return "*";
    case SB_OP_DIV: return "/";
    case SB_OP_MOD: return "%";
    case SB_OP_INTDIV: return "DIV";
    case SB_OP_CONCAT: return "||";
    case SB_OP_BITAND: return "&";
    case SB_OP_BITOR: return "|";
    case SB_OP_BITXOR: return "^";
    case SB_OP_EQ: return "=";
    case SB_OP_NSEQ: return "<=>";
    case SB_OP_NE: return "!=";
    case SB_OP_LT: return "<";
    case SB_OP_LE: return "<=";
    case SB_OP_GT: return ">";
    case SB_OP_GE: return ">=";
    case SB_OP_AND: return "AND";
    case SB_OP_OR: return "OR";
    }
    return "?";
}

static int expr_prec(const sb_expr *e)
{
    switch (e->kind) {
    case SB_E_BINARY: return binop_prec(e->u.binary.op);
    case SB_E_UNARY: return e->u.unary.op == SB_OP_NOT ? P_NOT : P_UNARY;
    case SB_E_IN:
    case SB_E_BETWEEN:
    case SB_E_LIKE:
    case SB_E_IS:
    case SB_E_DISTINCT: return P_PRED;
    case SB_E_SUBQUERY: return e->u.subquery.exists ? P_NOT : P_PRIMARY;
    case SB_E_LAMBDA: return P_LAMBDA;
    case SB_E_LITERAL:
        return is_numeric_lit(e) && e->u.lit.text && e->u.lit.text[0] == '-' ? P_UNARY : P_PRIMARY;
    default: return P_PRIMARY;
    }
}

static void print_expr(sb_buf *out, const sb_expr *e, int min);
static void print_query(sb_buf *out, const sb_query *q);

static void print_list(sb_buf *out, const sb_vec *v, int min)
{
    for (size_t i = 0; i < v->len; i++) {
        if (i) sb_buf_puts(out, ", ");
        print_expr(out, v->items[i], min);
    }
}

static void print_sort_key(sb_buf *out, const sb_sort_key *k)
{
    print_expr(out, k->expr, P_OR);
    if (k->descending) sb_buf_puts(out, " DESC");
    if (k->nulls_explicit) sb_buf_puts(out, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
}

static void print_bound(sb_buf *out, const sb_frame_bound *b)
{
    switch (b->kind) {
    case SB_BOUND_UNBOUNDED_PRECEDING: sb_buf_puts(out, "UNBOUNDED PRECEDING"); break;
    case SB_BOUND_UNBOUNDED_FOLLOWING: sb_buf_puts(out, "UNBOUNDED FOLLOWING"); break;
    case SB_BOUND_CURRENT_ROW: sb_buf_puts(out, "CURRENT ROW"); break;
    case SB_BOUND_PRECEDING:
    case SB_BOUND_FOLLOWING:
        if (b->offset) print_expr(out, b->offset, P_OR);
        sb_buf_puts(out, b->kind == SB_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
        break;
    }
}

static void print_window_body(sb_buf *out, const sb_window *w)
{
    sb_buf_putc(out, '(');
    bool sp = false;
    if (w->partition_by.len) {
        sb_buf_puts(out, "PARTITION BY ");
        print_list(out, &w->partition_by, P_OR);
        sp = true;
    }
    if (w->order_by.len) {
        if (sp) sb_buf_putc(out, ' ');
        sb_buf_puts(out, "ORDER BY ");
        for (size_t i = 0; i < w->order_by.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            print_sort_key(out, w->order_by.items[i]);
        }
        sp = true;
    }
    if (w->frame != SB_FRAME_NONE) {
        if (sp) sb_buf_putc(out, ' ');
        sb_buf_puts(out, w->frame == SB_FRAME_ROWS ? "ROWS BETWEEN " : "RANGE BETWEEN ");
        print_bound(out, &w->start);
        sb_buf_puts(out, " AND ");
        print_bound(out, &w->end);
    }
    sb_buf_putc(out, ')');
}

static void print_window(sb_buf *out, const sb_window *w)
{
    if (w->name) {
        sb_sql_print_ident(out, w->name);
        return;
    }
    print_window_body(out, w);
}

static bool is_trim_family(const sb_expr *e, const char **how)
{
    if (e->u.func.args.len != 2) return false;
    const char *n = e->u.func.name;
    if (sb_str_ieq(n, "trim"))
        *how = "BOTH";
    else if (sb_str_ieq(n, "ltrim"))
        *how = "LEADING";
    else if (sb_str_ieq(n, "rtrim"))
        *how = "TRAILING";
    else
        return false;
    return true;
}

/* extract('YEAR', d) with a plain field name */
static bool is_extract_form(const sb_expr *e)
{
    if (!sb_str_ieq(e->u.func.name, "extract") || e->u.func.args.len != 2 || e->u.func.distinct)
        return false;
    const sb_expr *f = e->u.func.args.items[0];
    if (f->kind != SB_E_LITERAL || f->u.lit.kind != SB_LIT_STRING) return false;
    if (strlen(f->u.lit.text) != f->u.lit.len || !plain_ident(f->u.lit.text)) return false;
    return !sb_str_ieq(f->u.lit.text, "FROM");
}

static void print_func(sb_buf *out, const sb_expr *e)
{
    const char *how;
    /* Spark 3.5 reads IGNORE NULLS inside the call of first/last/any_value,
     * and after the call for the window functions */
    static const char *const INSIDE[] = {"first", "last", "any_value", "first_value",
                                         "last_value", NULL};
    bool inside_nulls = false;
    if (e->u.func.ignore_nulls && e->u.func.args.len == 1 && !e->u.func.distinct)
        for (size_t i = 0; INSIDE[i]; i++)
            if (sb_str_ieq(e->u.func.name, INSIDE[i])) inside_nulls = true;
    if (is_trim_family(e, &how) && !e->u.func.distinct) {
        /* trim(chars, str) is deprecated in call form: use the SQL syntax */
        sb_buf_printf(out, "TRIM(%s ", how);
        print_expr(out, e->u.func.args.items[0], P_OR);
        sb_buf_puts(out, " FROM ");
        print_expr(out, e->u.func.args.items[1], P_OR);
        sb_buf_putc(out, ')');
    } else if (is_extract_form(e)) {
        /* EXTRACT(YEAR FROM d): the form every Spark version reads */
        const sb_expr *field = e->u.func.args.items[0];
        sb_buf_printf(out, "EXTRACT(%s FROM ", field->u.lit.text);
        print_expr(out, e->u.func.args.items[1], P_CMP);
        sb_buf_putc(out, ')');
    } else {
        print_func_name(out, e->u.func.name ? e->u.func.name : "");
        sb_buf_putc(out, '(');
        if (e->u.func.distinct) sb_buf_puts(out, "DISTINCT ");
        print_list(out, &e->u.func.args, P_LAMBDA);
        if (inside_nulls) sb_buf_puts(out, " IGNORE NULLS");
        sb_buf_putc(out, ')');
    }
    if (e->u.func.filter) {
        sb_buf_puts(out, " FILTER (WHERE ");
        print_expr(out, e->u.func.filter, P_OR);
        sb_buf_putc(out, ')');
    }
    if (e->u.func.ignore_nulls && !inside_nulls) sb_buf_puts(out, " IGNORE NULLS");
    if (e->u.func.respect_nulls) sb_buf_puts(out, " RESPECT NULLS");
    if (e->u.func.over) {
        sb_buf_puts(out, " OVER ");
        print_window(out, e->u.func.over);
    }
}

/* Does printing e start with a character that would merge with a
 * preceding '-' (a number, or another minus that would make a comment)? */
static bool starts_like_number(const sb_expr *e)
{
    sb_buf tmp = SB_BUF_INIT;
    print_expr(&tmp, e, P_UNARY);
    const char *s = sb_buf_str(&tmp);
    bool r = (s[0] >= '0' && s[0] <= '9') || s[0] == '.' || s[0] == '-';
    sb_buf_free(&tmp);
    return r;
}

static void print_expr_inner(sb_buf *out, const sb_expr *e)
{
    switch (e->kind) {
    case SB_E_LITERAL: print_literal(out, e); break;
    case SB_E_COLUMN:
        for (size_t i = 0; i < e->u.column.nparts; i++) {
            if (i) sb_buf_putc(out, '.');
            sb_sql_print_ident(out, e->u.column.parts[i]);
        }
        break;
    case SB_E_STAR:
        for (size_t i = 0; i < e->u.star.nqualifier; i++) {
            sb_sql_print_ident(out, e->u.star.qualifier[i]);
            sb_buf_putc(out, '.');
        }
        sb_buf_putc(out, '*');
        break;
    case SB_E_CONFIG: sb_buf_printf(out, "${%s}", e->u.config.name); break;
    case SB_E_UNARY:
        switch (e->u.unary.op) {
        case SB_OP_NOT:
            sb_buf_puts(out, "NOT ");
            print_expr(out, e->u.unary.arg, P_NOT);
            break;
        case SB_OP_NEG:
        case SB_OP_PLUS:
        case SB_OP_BITNOT:
            sb_buf_putc(out, e->u.unary.op == SB_OP_NEG ? '-' : e->u.unary.op == SB_OP_PLUS ? '+'
                                                                                            : '~');
            if (e->u.unary.op == SB_OP_NEG && starts_like_number(e->u.unary.arg)) {
                sb_buf_putc(out, '(');
                print_expr(out, e->u.unary.arg, P_OR);
                sb_buf_putc(out, ')');
            } else {
                print_expr(out, e->u.unary.arg, P_UNARY);
            }
            break;
        }
        break;
    case SB_E_BINARY: {
        int p = binop_prec(e->u.binary.op);
        print_expr(out, e->u.binary.left, p);
        sb_buf_printf(out, " %s ", binop_text(e->u.binary.op));
        print_expr(out, e->u.binary.right, p + 1);
        break;
    }
    case SB_E_FUNC: print_func(out, e); break;
    case SB_E_CASE:
        sb_buf_puts(out, "CASE");
        if (e->u.kase.operand) {
            sb_buf_putc(out, ' ');
            print_expr(out, e->u.kase.operand, P_OR);
        }
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            sb_buf_puts(out, " WHEN ");
            print_expr(out, w->when, P_OR);
            sb_buf_puts(out, " THEN ");
            print_expr(out, w->then, P_OR);
        }
        if (e->u.kase.otherwise) {
            sb_buf_puts(out, " ELSE ");
            print_expr(out, e->u.kase.otherwise, P_OR);
        }
        sb_buf_puts(out, " END");
        break;
    case SB_E_CAST:
        sb_buf_puts(out, e->u.cast.try_cast ? "TRY_CAST(" : "CAST(");
        print_expr(out, e->u.cast.arg, P_OR);
        sb_buf_puts(out, " AS ");
        print_type_sql(out, e->u.cast.to);
        sb_buf_putc(out, ')');
        break;
    case SB_E_IN:
        print_expr(out, e->u.in.arg, P_CMP);
        sb_buf_puts(out, e->u.in.negated ? " NOT IN (" : " IN (");
        if (e->u.in.query)
            print_query(out, e->u.in.query);
        else
            print_list(out, &e->u.in.list, P_OR);
        sb_buf_putc(out, ')');
        break;
    case SB_E_BETWEEN:
        print_expr(out, e->u.between.arg, P_CMP);
        sb_buf_puts(out, e->u.between.negated ? " NOT BETWEEN " : " BETWEEN ");
        print_expr(out, e->u.between.low, P_CMP);
        sb_buf_puts(out, " AND ");
        print_expr(out, e->u.between.high, P_CMP);
        break;
    case SB_E_LIKE: {
        static const char *const K[] = {"LIKE", "ILIKE", "RLIKE"};
        print_expr(out, e->u.like.arg, P_CMP);
        sb_buf_printf(out, "%s %s ", e->u.like.negated ? " NOT" : "", K[e->u.like.kind]);
        print_expr(out, e->u.like.pattern, P_CMP);
        if (e->u.like.escape) {
            sb_buf_puts(out, " ESCAPE ");
            put_string(out, e->u.like.escape, strlen(e->u.like.escape));
        }
        break;
    }
    case SB_E_IS: {
        static const char *const W[] = {"NULL", "TRUE", "FALSE", "UNKNOWN"};
        print_expr(out, e->u.is.arg, P_CMP);
        sb_buf_printf(out, " IS %s%s", e->u.is.negated ? "NOT " : "", W[e->u.is.what]);
        break;
    }
    case SB_E_DISTINCT:
        print_expr(out, e->u.distinct.left, P_CMP);
        sb_buf_puts(out, e->u.distinct.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        print_expr(out, e->u.distinct.right, P_CMP);
        break;
    case SB_E_SUBSCRIPT:
        print_expr(out, e->u.subscript.base, P_PRIMARY);
        sb_buf_putc(out, '[');
        print_expr(out, e->u.subscript.index, P_CMP);
        sb_buf_putc(out, ']');
        break;
    case SB_E_FIELD: {
        const sb_expr *b = e->u.field.base;
        /* (a).b: without the parentheses a.b would read as one column name */
        bool paren = b->kind == SB_E_COLUMN || b->kind == SB_E_STAR || is_numeric_lit(b) ||
                     expr_prec(b) < P_PRIMARY;
        if (paren) sb_buf_putc(out, '(');
        print_expr(out, b, paren ? P_OR : P_PRIMARY);
        if (paren) sb_buf_putc(out, ')');
        sb_buf_putc(out, '.');
        sb_sql_print_ident(out, e->u.field.name);
        break;
    }
    case SB_E_LAMBDA:
        if (e->u.lambda.nparams == 1) {
            sb_sql_print_ident(out, e->u.lambda.params[0]);
        } else {
            sb_buf_putc(out, '(');
            for (size_t i = 0; i < e->u.lambda.nparams; i++) {
                if (i) sb_buf_puts(out, ", ");
                sb_sql_print_ident(out, e->u.lambda.params[i]);
            }
            sb_buf_putc(out, ')');
        }
        sb_buf_puts(out, " -> ");
        print_expr(out, e->u.lambda.body, P_OR);
        break;
    case SB_E_SUBQUERY:
        sb_buf_puts(out, e->u.subquery.exists ? "EXISTS (" : "(");
        print_query(out, e->u.subquery.query);
        sb_buf_putc(out, ')');
        break;
    }
}

static void print_expr(sb_buf *out, const sb_expr *e, int min)
{
    if (!e) {
        sb_buf_puts(out, "NULL");
        return;
    }
    if (expr_prec(e) < min) {
        sb_buf_putc(out, '(');
        print_expr_inner(out, e);
        sb_buf_putc(out, ')');
    } else {
        print_expr_inner(out, e);
    }
}

void sb_sql_print_expr(sb_buf *out, const sb_expr *e)
{
    print_expr(out, e, P_OR);
}

/* ---- canonical queries ---------------------------------------------- */

static void print_relation(sb_buf *out, const sb_relation *r);

static void print_rel_alias(sb_buf *out, const sb_relation *r)
{
    if (!r->alias) return;
    sb_buf_puts(out, " AS ");
    sb_sql_print_ident(out, r->alias);
    if (r->column_aliases.len) {
        sb_buf_putc(out, '(');
        for (size_t i = 0; i < r->column_aliases.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            sb_sql_print_ident(out, r->column_aliases.items[i]);
        }
        sb_buf_putc(out, ')');
    }
}

static void print_join_type(sb_buf *out, const sb_relation *r)
{
    if (r->u.join.natural) sb_buf_puts(out, "NATURAL ");
    switch (r->u.join.type) {
    case SB_JOIN_INNER: sb_buf_puts(out, "JOIN"); break;
    case SB_JOIN_LEFT: sb_buf_puts(out, "LEFT JOIN"); break;
    case SB_JOIN_RIGHT: sb_buf_puts(out, "RIGHT JOIN"); break;
    case SB_JOIN_FULL: sb_buf_puts(out, "FULL JOIN"); break;
    case SB_JOIN_LEFT_SEMI: sb_buf_puts(out, "LEFT SEMI JOIN"); break;
    case SB_JOIN_LEFT_ANTI: sb_buf_puts(out, "LEFT ANTI JOIN"); break;
    case SB_JOIN_CROSS: sb_buf_puts(out, "CROSS JOIN"); break;
    }
}

static void print_relation(sb_buf *out, const sb_relation *r)
{
    switch (r->kind) {
    case SB_REL_TABLE:
        for (size_t i = 0; i < r->u.table.nparts; i++) {
            if (i) sb_buf_putc(out, '.');
            sb_sql_print_ident(out, r->u.table.parts[i]);
        }
        print_rel_alias(out, r);
        break;
    case SB_REL_SUBQUERY:
        sb_buf_putc(out, '(');
        print_query(out, r->u.subquery.query);
        sb_buf_putc(out, ')');
        print_rel_alias(out, r);
        break;
    case SB_REL_VALUES:
        sb_buf_puts(out, "VALUES ");
        for (size_t i = 0; i < r->u.values.rows.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            sb_buf_putc(out, '(');
            print_list(out, r->u.values.rows.items[i], P_OR);
            sb_buf_putc(out, ')');
        }
        print_rel_alias(out, r);
        break;
    case SB_REL_JOIN: {
        if (r->alias) sb_buf_putc(out, '(');
        const sb_relation *l = r->u.join.left, *rt = r->u.join.right;
        /* joins are left-deep: a join on the left needs no parentheses
         * unless it carries an alias (then print_relation adds them) */
        print_relation(out, l);
        sb_buf_putc(out, ' ');
        print_join_type(out, r);
        sb_buf_putc(out, ' ');
        bool paren = rt->kind == SB_REL_JOIN && !rt->alias;
        if (paren) sb_buf_putc(out, '(');
        print_relation(out, rt);
        if (paren) sb_buf_putc(out, ')');
        if (r->u.join.on) {
            sb_buf_puts(out, " ON ");
            print_expr(out, r->u.join.on, P_OR);
        } else if (r->u.join.using_.len) {
            sb_buf_puts(out, " USING (");
            for (size_t i = 0; i < r->u.join.using_.len; i++) {
                if (i) sb_buf_puts(out, ", ");
                sb_sql_print_ident(out, r->u.join.using_.items[i]);
            }
            sb_buf_putc(out, ')');
        }
        if (r->alias) {
            sb_buf_putc(out, ')');
            print_rel_alias(out, r);
        }
        break;
    }
    }
}

static bool query_has_org(const sb_query *q)
{
    return q->ctes.len || q->order_by.len || q->limit || q->offset;
}

static int setop_prec(const sb_query *q)
{
    return q->u.setop.op == SB_SET_INTERSECT ? 2 : 1;
}

static void print_set_child(sb_buf *out, const sb_query *c, int min)
{
    bool paren = query_has_org(c) || (c->kind == SB_Q_SETOP && setop_prec(c) < min);
    if (paren) sb_buf_putc(out, '(');
    print_query(out, c);
    if (paren) sb_buf_putc(out, ')');
}

static void print_group_by(sb_buf *out, const sb_query *q)
{
    if (q->u.select.group_by_all) {
        sb_buf_puts(out, " GROUP BY ALL");
        return;
    }
    switch (q->u.select.group_kind) {
    case SB_GROUP_PLAIN:
        if (!q->u.select.group_by.len) return;
        sb_buf_puts(out, " GROUP BY ");
        print_list(out, &q->u.select.group_by, P_OR);
        break;
    case SB_GROUP_ROLLUP:
    case SB_GROUP_CUBE:
        sb_buf_puts(out, q->u.select.group_kind == SB_GROUP_ROLLUP ? " GROUP BY ROLLUP("
                                                                   : " GROUP BY CUBE(");
        print_list(out, &q->u.select.group_by, P_OR);
        sb_buf_putc(out, ')');
        break;
    case SB_GROUP_SETS:
        sb_buf_puts(out, " GROUP BY ");
        if (q->u.select.group_by.len) {
            print_list(out, &q->u.select.group_by, P_OR);
            sb_buf_putc(out, ' ');
        }
        sb_buf_puts(out, "GROUPING SETS (");
        for (size_t i = 0; i < q->u.select.grouping_sets.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            sb_buf_putc(out, '(');
            print_list(out, q->u.select.grouping_sets.items[i], P_OR);
            sb_buf_putc(out, ')');
        }
        sb_buf_putc(out, ')');
        break;
    }
}

static void print_query(sb_buf *out, const sb_query *q)
{
    if (q->ctes.len) {
        sb_buf_puts(out, "WITH ");
        for (size_t i = 0; i < q->ctes.len; i++) {
            const sb_cte *c = q->ctes.items[i];
            if (i) sb_buf_puts(out, ", ");
            sb_sql_print_ident(out, c->name);
            if (c->column_aliases.len) {
                sb_buf_puts(out, " (");
                for (size_t k = 0; k < c->column_aliases.len; k++) {
                    if (k) sb_buf_puts(out, ", ");
                    sb_sql_print_ident(out, c->column_aliases.items[k]);
                }
                sb_buf_putc(out, ')');
            }
            sb_buf_puts(out, " AS (");
            print_query(out, c->query);
            sb_buf_putc(out, ')');
        }
        sb_buf_putc(out, ' ');
    }
    if (q->kind == SB_Q_SETOP) {
        int p = setop_prec(q);
        print_set_child(out, q->u.setop.left, p);
        static const char *const OPS[] = {" UNION", " INTERSECT", " EXCEPT"};
        sb_buf_puts(out, OPS[q->u.setop.op]);
        if (q->u.setop.all) sb_buf_puts(out, " ALL");
        if (q->u.setop.by_name) sb_buf_puts(out, " BY NAME");
        sb_buf_putc(out, ' ');
        print_set_child(out, q->u.setop.right, p + 1);
    } else {
        sb_buf_puts(out, "SELECT ");
        if (q->u.select.distinct) sb_buf_puts(out, "DISTINCT ");
        for (size_t i = 0; i < q->u.select.items.len; i++) {
            const sb_select_item *it = q->u.select.items.items[i];
            if (i) sb_buf_puts(out, ", ");
            print_expr(out, it->expr, P_OR);
            if (it->alias) {
                sb_buf_puts(out, " AS ");
                sb_sql_print_ident(out, it->alias);
            }
        }
        if (q->u.select.from) {
            sb_buf_puts(out, " FROM ");
            print_relation(out, q->u.select.from);
        }
        if (q->u.select.where) {
            sb_buf_puts(out, " WHERE ");
            print_expr(out, q->u.select.where, P_OR);
        }
        print_group_by(out, q);
        if (q->u.select.having) {
            sb_buf_puts(out, " HAVING ");
            print_expr(out, q->u.select.having, P_OR);
        }
        for (size_t i = 0; i < q->u.select.windows.len; i++) {
            const sb_named_window *w = q->u.select.windows.items[i];
            sb_buf_puts(out, i ? ", " : " WINDOW ");
            sb_sql_print_ident(out, w->name);
            sb_buf_puts(out, " AS ");
            print_window(out, w->window);
        }
    }
    if (q->order_by.len) {
        sb_buf_puts(out, " ORDER BY ");
        for (size_t i = 0; i < q->order_by.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            print_sort_key(out, q->order_by.items[i]);
        }
    }
    if (q->limit) {
        sb_buf_puts(out, " LIMIT ");
        print_expr(out, q->limit, P_OR);
    }
    if (q->offset) {
        sb_buf_puts(out, " OFFSET ");
        print_expr(out, q->offset, P_OR);
    }
}

void sb_sql_print_query(sb_buf *out, const sb_query *q)
{
    print_query(out, q);
}

/* ---- Spark's column names (toPrettySQL) ----------------------------- */

/* Java's Double.toString / Float.toString: the shortest digits that read
 * back to the same value, plain between 1e-3 and 1e7, else d.dddE<n>. */
static void java_float(sb_buf *out, double v, bool is_float)
{
    if (isnan(v)) {
        sb_buf_puts(out, "NaN");
        return;
    }
    if (isinf(v)) {
        sb_buf_puts(out, v < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (v == 0) {
        sb_buf_puts(out, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char buf[64];
    int maxp = is_float ? 9 : 17;
    for (int prec = 1; prec <= maxp; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (is_float ? (strtof(buf, NULL) == (float)v) : (strtod(buf, NULL) == v)) break;
    }
    /* buf is [-]d[.ddd]e[+-]xx */
    bool neg = buf[0] == '-';
    char digits[40];
    size_t nd = 0;
    const char *c = buf + (neg ? 1 : 0);
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && nd < sizeof digits - 1) digits[nd++] = *c;
    digits[nd] = 0;
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = 0;
    int exp = atoi(c + 1);
    if (neg) sb_buf_putc(out, '-');
    double a = fabs(v);
    if (a >= 1e-3 && a < 1e7) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) sb_buf_putc(out, (size_t)i < nd ? digits[i] : '0');
            sb_buf_putc(out, '.');
            if ((size_t)exp + 1 < nd)
                sb_buf_puts(out, digits + exp + 1);
            else
                sb_buf_putc(out, '0');
        } else {
            sb_buf_puts(out, "0.");
            for (int i = 0; i < -exp - 1; i++) sb_buf_putc(out, '0');
            sb_buf_puts(out, digits);
        }
    } else {
        sb_buf_putc(out, digits[0]);
        sb_buf_putc(out, '.');
        sb_buf_puts(out, nd > 1 ? digits + 1 : "0");
        sb_buf_printf(out, "E%d", exp);
    }
}

/* Java's BigDecimal.toString of the literal's digits. */
static void java_decimal(sb_buf *out, const char *t)
{
    bool neg = *t == '-';
    if (neg) t++;
    char digits[128];
    size_t nd = 0;
    int scale = 0;
    bool dot = false;
    const char *c = t;
    for (; *c && *c != 'e' && *c != 'E'; c++) {
        if (*c == '.') {
            dot = true;
            continue;
        }
        if (nd < sizeof digits - 1) digits[nd++] = *c;
        if (dot) scale++;
    }
    digits[nd] = 0;
    if (*c) {
        long x = strtol(c + 1, NULL, 10);
        scale -= x > 1000 ? 1000 : x < -1000 ? -1000 : (int)x;
    }
    char *d = digits;
    while (nd > 1 && *d == '0') {
        d++;
        nd--;
    }
    if (nd == 0) {
        d = "0";
        nd = 1;
    }
    long adjusted = -(long)scale + (long)(nd - 1);
    bool zero = nd == 1 && d[0] == '0';
    if (neg && !zero) sb_buf_putc(out, '-');
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            sb_buf_puts(out, d);
        } else if ((size_t)scale < nd) {
            sb_buf_add(out, d, nd - (size_t)scale);
            sb_buf_putc(out, '.');
            sb_buf_puts(out, d + nd - (size_t)scale);
        } else {
            sb_buf_puts(out, "0.");
            for (size_t i = nd; i < (size_t)scale; i++) sb_buf_putc(out, '0');
            sb_buf_puts(out, d);
        }
    } else {
        sb_buf_putc(out, d[0]);
        if (nd > 1) {
            sb_buf_putc(out, '.');
            sb_buf_puts(out, d + 1);
        }
        sb_buf_printf(out, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
    }
}

static void java_integer(sb_buf *out, const char *t)
{
    bool neg = *t == '-';
    if (neg) t++;
    while (t[0] == '0' && t[1]) t++;
    if (neg && strcmp(t, "0") != 0) sb_buf_putc(out, '-');
    sb_buf_puts(out, t);
}

/* Digits at *p (between min and max of them) as a number, or -1. */
static long read_digits(const char **p, int min, int max)
{
    long v = 0;
    int n = 0;
    while (**p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n >= min ? v : -1;
}

/* yyyy[-m[-d]] at *p into y, m, d; false when it is not a date. */
static bool read_date(const char **p, long *y, long *m, long *d)
{
    *m = *d = 1;
    if ((*y = read_digits(p, 4, 7)) < 0) return false;
    if (**p == '-') {
        (*p)++;
        if ((*m = read_digits(p, 1, 2)) < 0) return false;
        if (**p == '-') {
            (*p)++;
            if ((*d = read_digits(p, 1, 2)) < 0) return false;
        }
    }
    return true;
}

/* TIMESTAMP '2024-1-2 3:04' -> '2024-01-02 03:04:00' as Spark formats it
 * (when the text has no zone; otherwise it is kept). */
static void pretty_timestamp(sb_buf *out, const char *t)
{
    long y, mo, d, h = 0, mi = 0, s = 0;
    char frac[8] = "";
    int fl = 0;
    while (*t == ' ') t++;
    const char *p = t;
    if (read_date(&p, &y, &mo, &d)) {
        bool ok = true;
        if (*p == ' ' || *p == 'T') {
            p++;
            h = read_digits(&p, 1, 2);
            if (h < 0 || *p != ':') ok = false;
            if (ok) {
                p++;
                mi = read_digits(&p, 1, 2);
                if (mi < 0) ok = false;
            }
            if (ok && *p == ':') {
                p++;
                s = read_digits(&p, 1, 2);
                if (s < 0) ok = false;
                if (ok && *p == '.') {
                    p++;
                    while (*p >= '0' && *p <= '9' && fl < 6) frac[fl++] = *p++;
                    while (*p >= '0' && *p <= '9') p++;
                    while (fl > 0 && frac[fl - 1] == '0') fl--;
                    frac[fl] = 0;
                }
            }
        }
        while (*p == ' ') p++;
        if (ok && *p == 0) {
            sb_buf_printf(out, "%04ld-%02ld-%02ld %02ld:%02ld:%02ld", y, mo, d, h, mi, s);
            if (fl) sb_buf_printf(out, ".%s", frac);
            return;
        }
    }
    sb_buf_puts(out, t);
}

static void pretty_date(sb_buf *out, const char *t)
{
    long y, mo, d;
    while (*t == ' ') t++;
    const char *p = t;
    if (read_date(&p, &y, &mo, &d)) {
        sb_buf_printf(out, "%04ld-%02ld-%02ld", y, mo, d);
        return;
    }
    sb_buf_puts(out, t);
}

typedef struct pretty_ctx {
    const char *const *lambda_vars[16];
    size_t nlambda_vars[16];
    size_t nscopes;
} pretty_ctx;

static void pretty(sb_buf *out, const sb_expr *e, pretty_ctx *c);

static void pretty_list(sb_buf *out, const sb_vec *v, pretty_ctx *c)
{
    for (size_t i = 0; i < v->len; i++) {
        if (i) sb_buf_puts(out, ", ");
        pretty(out, v->items[i], c);
    }
}

static void pretty_sort_key(sb_buf *out, const sb_sort_key *k, pretty_ctx *c)
{
    pretty(out, k->expr, c);
    sb_buf_puts(out, k->descending ? " DESC" : " ASC");
    sb_buf_puts(out, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
}

static void pretty_bound(sb_buf *out, const sb_frame_bound *b, pretty_ctx *c)
{
    switch (b->kind) {
    case SB_BOUND_UNBOUNDED_PRECEDING: sb_buf_puts(out, "UNBOUNDED PRECEDING"); break;
    case SB_BOUND_UNBOUNDED_FOLLOWING: sb_buf_puts(out, "UNBOUNDED FOLLOWING"); break;
    case SB_BOUND_CURRENT_ROW: sb_buf_puts(out, "CURRENT ROW"); break;
    case SB_BOUND_PRECEDING:
    case SB_BOUND_FOLLOWING:
        if (b->offset) pretty(out, b->offset, c);
        sb_buf_puts(out, b->kind == SB_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
        break;
    }
}

static bool name_in(const char *n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (sb_str_ieq(n, list[i])) return true;
    return false;
}

/* WindowSpecDefinition.sql, with the frame the analyser fills in. */
static void pretty_window(sb_buf *out, const sb_expr *f, pretty_ctx *c)
{
    const sb_window *w = f->u.func.over;
    if (w->name) {
        sb_buf_puts(out, w->name);
        return;
    }
    sb_buf_putc(out, '(');
    if (w->partition_by.len) {
        sb_buf_puts(out, "PARTITION BY ");
        pretty_list(out, &w->partition_by, c);
        sb_buf_putc(out, ' ');
    }
    if (w->order_by.len) {
        sb_buf_puts(out, "ORDER BY ");
        for (size_t i = 0; i < w->order_by.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            pretty_sort_key(out, w->order_by.items[i], c);
        }
        sb_buf_putc(out, ' ');
    }
    static const char *const ROW_FUNCS[] = {"row_number", "rank", "dense_rank", "percent_rank",
                                            "cume_dist", "ntile", NULL};
    const char *fn = f->u.func.name ? f->u.func.name : "";
    if (w->frame != SB_FRAME_NONE) {
        sb_buf_puts(out, w->frame == SB_FRAME_ROWS ? "ROWS BETWEEN " : "RANGE BETWEEN ");
        pretty_bound(out, &w->start, c);
        sb_buf_puts(out, " AND ");
        pretty_bound(out, &w->end, c);
    } else if (name_in(fn, ROW_FUNCS)) {
        sb_buf_puts(out, "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
    } else if (sb_str_ieq(fn, "lag") || sb_str_ieq(fn, "lead")) {
        bool lag = sb_str_ieq(fn, "lag");
        sb_buf_puts(out, "ROWS BETWEEN ");
        sb_buf off = SB_BUF_INIT;
        if (f->u.func.args.len > 1)
            pretty(&off, f->u.func.args.items[1], c);
        else
            sb_buf_puts(&off, "1");
        const char *o = sb_buf_str(&off);
        const char *sign = lag ? (o[0] == '-' ? "" : "-") : "";
        if (lag && o[0] == '-') o++;
        sb_buf_printf(out, "%s%s FOLLOWING AND %s%s FOLLOWING", sign, o, sign, o);
        sb_buf_free(&off);
    } else if (w->order_by.len) {
        sb_buf_puts(out, "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW");
    } else {
        sb_buf_puts(out, "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING");
    }
    sb_buf_putc(out, ')');
}

static void lower_name(sb_buf *out, const char *n)
{
    for (; *n; n++) sb_buf_putc(out, (*n >= 'A' && *n <= 'Z') ? (char)(*n + 32) : *n);
}

static void pretty_func(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    const char *n = e->u.func.name ? e->u.func.name : "";
    const sb_vec *args = &e->u.func.args;
    size_t na = args->len;
    const char *how;
    if (is_trim_family(e, &how)) {
        /* StringTrim*.sql: TRIM(BOTH chars FROM str) */
        sb_buf_printf(out, "TRIM(%s ", how);
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " FROM ");
        pretty(out, args->items[1], c);
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "if") && na == 3) {
        sb_buf_puts(out, "(IF(");
        pretty_list(out, args, c);
        sb_buf_puts(out, "))");
    } else if ((sb_str_ieq(n, "isnull") || sb_str_ieq(n, "isnotnull")) && na == 1) {
        sb_buf_putc(out, '(');
        pretty(out, args->items[0], c);
        sb_buf_puts(out, sb_str_ieq(n, "isnull") ? " IS NULL)" : " IS NOT NULL)");
    } else if ((sb_str_ieq(n, "rlike") || sb_str_ieq(n, "regexp")) && na == 2) {
        sb_buf_puts(out, "RLIKE(");
        pretty_list(out, args, c);
        sb_buf_putc(out, ')');
    } else if (sb_str_ieq(n, "like") && na == 2) {
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " LIKE ");
        pretty(out, args->items[1], c);
    } else if (sb_str_ieq(n, "extract") && na == 2) {
        sb_buf_puts(out, "extract(");
        pretty(out, args->items[0], c);
        sb_buf_puts(out, " FROM ");
        pretty(out, args->items[1], c);
        sb_buf_putc(out, ')');
    } else {
        lower_name(out, n);
        sb_buf_putc(out, '(');
        if (e->u.func.distinct) sb_buf_puts(out, "DISTINCT ");
        if (sb_str_ieq(n, "count") && na == 1 &&
            ((const sb_expr *)args->items[0])->kind == SB_E_STAR) {
            sb_buf_putc(out, '1'); /* Spark: count(*) is count(1) */
        } else {
            pretty_list(out, args, c);
        }
        /* arguments Spark fills in */
        if ((sb_str_ieq(n, "round") || sb_str_ieq(n, "bround")) && na == 1)
            sb_buf_puts(out, ", 0");
        else if ((sb_str_ieq(n, "substring") || sb_str_ieq(n, "substr")) && na == 2)
            sb_buf_puts(out, ", 2147483647");
        else if (sb_str_ieq(n, "split") && na == 2)
            sb_buf_puts(out, ", -1");
        else if ((sb_str_ieq(n, "regexp_replace") && na == 3) ||
                 (sb_str_ieq(n, "regexp_extract") && na == 2))
            sb_buf_puts(out, ", 1");
        else if ((sb_str_ieq(n, "locate") || sb_str_ieq(n, "position")) && na == 2)
            sb_buf_puts(out, ", 1");
        else if (sb_str_ieq(n, "lead") && na >= 1 && na < 3)
            sb_buf_puts(out, na == 1 ? ", 1, NULL" : ", NULL");
        else if (sb_str_ieq(n, "lag") && na >= 1 && na < 3)
            sb_buf_puts(out, na == 1 ? ", -1, NULL" : ", NULL");
        sb_buf_putc(out, ')');
    }
    if (e->u.func.filter) {
        sb_buf_puts(out, " FILTER (WHERE ");
        pretty(out, e->u.func.filter, c);
        sb_buf_putc(out, ')');
    }
    if (e->u.func.over) {
        sb_buf_puts(out, " OVER ");
        pretty_window(out, e, c);
    }
}

static bool is_lambda_var(const sb_expr *e, pretty_ctx *c)
{
    if (e->kind != SB_E_COLUMN || e->u.column.nparts != 1) return false;
    for (size_t s = 0; s < c->nscopes; s++)
        for (size_t i = 0; i < c->nlambda_vars[s]; i++)
            if (sb_str_ieq(c->lambda_vars[s][i], e->u.column.parts[0])) return true;
    return false;
}

static void pretty_literal(sb_buf *out, const sb_expr *e)
{
    const char *t = e->u.lit.text ? e->u.lit.text : "";
    switch (e->u.lit.kind) {
    case SB_LIT_NULL: sb_buf_puts(out, "NULL"); break;
    case SB_LIT_BOOLEAN: sb_buf_puts(out, e->u.lit.boolean ? "true" : "false"); break;
    case SB_LIT_INTEGER:
        if (e->u.lit.type && e->u.lit.type->kind == SB_T_DECIMAL)
            java_decimal(out, t);
        else
            java_integer(out, t);
        break;
    case SB_LIT_DECIMAL: java_decimal(out, t); break;
    case SB_LIT_DOUBLE: java_float(out, strtod(t, NULL), false); break;
    case SB_LIT_FLOAT: java_float(out, (double)strtof(t, NULL), true); break;
    case SB_LIT_STRING: sb_buf_add(out, t, e->u.lit.len); break;
    case SB_LIT_DATE:
        sb_buf_puts(out, "DATE '");
        pretty_date(out, t);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_TIMESTAMP:
    case SB_LIT_TIMESTAMP_NTZ:
        sb_buf_puts(out, e->u.lit.kind == SB_LIT_TIMESTAMP ? "TIMESTAMP '" : "TIMESTAMP_NTZ '");
        pretty_timestamp(out, t);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_BINARY:
        sb_buf_puts(out, "X'");
        put_hex(out, t, e->u.lit.len);
        sb_buf_putc(out, '\'');
        break;
    case SB_LIT_INTERVAL:
        sb_buf_printf(out, "INTERVAL '%s'", t);
        if (e->u.lit.unit) sb_buf_printf(out, " %s", e->u.lit.unit);
        break;
    }
}

static void pretty(sb_buf *out, const sb_expr *e, pretty_ctx *c)
{
    if (!e) return;
    switch (e->kind) {
    case SB_E_LITERAL: pretty_literal(out, e); break;
    case SB_E_COLUMN:
        if (is_lambda_var(e, c))
            sb_buf_puts(out, "namedlambdavariable()");
        else
            sb_buf_puts(out, e->u.column.parts[e->u.column.nparts - 1]);
        break;
    case SB_E_STAR:
        for (size_t i = 0; i < e->u.star.nqualifier; i++) {
            sb_buf_puts(out, e->u.star.qualifier[i]);
            sb_buf_putc(out, '.');
        }
        sb_buf_putc(out, '*');
        break;
    case SB_E_CONFIG: sb_buf_printf(out, "${%s}", e->u.config.name); break;
    case SB_E_UNARY:
        switch (e->u.unary.op) {
        case SB_OP_NOT: sb_buf_puts(out, "(NOT "); break;
        case SB_OP_NEG: sb_buf_puts(out, "(- "); break;
        case SB_OP_PLUS: sb_buf_puts(out, "(+ "); break;
        case SB_OP_BITNOT: sb_buf_putc(out, '~'); break;
        }
        pretty(out, e->u.unary.arg, c);
        if (e->u.unary.op != SB_OP_BITNOT) sb_buf_putc(out, ')');
        break;
    case SB_E_BINARY: {
        sb_binop op = e->u.binary.op;
        if (op == SB_OP_CONCAT) {
            sb_buf_puts(out, "concat(");
            pretty(out, e->u.binary.left, c);
            sb_buf_puts(out, ", ");
            pretty(out, e->u.binary.right, c);
            sb_buf_putc(out, ')');
            break;
        }
        if (op == SB_OP_NE) sb_buf_puts(out, "(NOT ");
        sb_buf_putc(out, '(');
        pretty(out, e->u.binary.left, c);
        const char *t = op == SB_OP_NE ? "=" : op == SB_OP_INTDIV ? "div" : binop_text(op);
        sb_buf_printf(out, " %s ", t);
        pretty(out, e->u.binary.right, c);
        sb_buf_putc(out, ')');
        if (op == SB_OP_NE) sb_buf_putc(out, ')');
        break;
    }
    case SB_E_FUNC: pretty_func(out, e, c); break;
    case SB_E_CASE:
        sb_buf_puts(out, "CASE");
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            sb_buf_puts(out, " WHEN ");
            if (e->u.kase.operand) {
                /* CASE x WHEN v is CASE WHEN (x = v) */
                sb_buf_putc(out, '(');
                pretty(out, e->u.kase.operand, c);
                sb_buf_puts(out, " = ");
                pretty(out, w->when, c);
                sb_buf_putc(out, ')');
            } else {
                pretty(out, w->when, c);
            }
            sb_buf_puts(out, " THEN ");
            pretty(out, w->then, c);
        }
        if (e->u.kase.otherwise) {
            sb_buf_puts(out, " ELSE ");
            pretty(out, e->u.kase.otherwise, c);
        }
        sb_buf_puts(out, " END");
        break;
    case SB_E_CAST:
        sb_buf_puts(out, e->u.cast.try_cast ? "TRY_CAST(" : "CAST(");
        pretty(out, e->u.cast.arg, c);
        sb_buf_puts(out, " AS ");
        print_type_sql(out, e->u.cast.to);
        sb_buf_putc(out, ')');
        break;
    case SB_E_IN:
        if (e->u.in.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_putc(out, '(');
        pretty(out, e->u.in.arg, c);
        sb_buf_puts(out, " IN (");
        if (e->u.in.query)
            sb_buf_puts(out, "listquery()");
        else
            pretty_list(out, &e->u.in.list, c);
        sb_buf_puts(out, "))");
        if (e->u.in.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_BETWEEN:
        /* Spark 3.5 parses BETWEEN into (x >= lo) AND (x <= hi) */
        if (e->u.between.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_puts(out, "((");
        pretty(out, e->u.between.arg, c);
        sb_buf_puts(out, " >= ");
        pretty(out, e->u.between.low, c);
        sb_buf_puts(out, ") AND (");
        pretty(out, e->u.between.arg, c);
        sb_buf_puts(out, " <= ");
        pretty(out, e->u.between.high, c);
        sb_buf_puts(out, "))");
        if (e->u.between.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_LIKE:
        if (e->u.like.negated) sb_buf_puts(out, "(NOT ");
        if (e->u.like.kind == SB_ILIKE) {
            sb_buf_puts(out, "ilike(");
            pretty(out, e->u.like.arg, c);
            sb_buf_puts(out, ", ");
            pretty(out, e->u.like.pattern, c);
            sb_buf_putc(out, ')');
        } else if (e->u.like.kind == SB_RLIKE) {
            /* RLike.sql: RLIKE(x, p) */
            sb_buf_puts(out, "RLIKE(");
            pretty(out, e->u.like.arg, c);
            sb_buf_puts(out, ", ");
            pretty(out, e->u.like.pattern, c);
            sb_buf_putc(out, ')');
        } else {
            pretty(out, e->u.like.arg, c);
            sb_buf_puts(out, " LIKE ");
            pretty(out, e->u.like.pattern, c);
            if (e->u.like.escape && strcmp(e->u.like.escape, "\\") != 0)
                sb_buf_printf(out, " ESCAPE '%s'", e->u.like.escape);
        }
        if (e->u.like.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_IS: {
        bool neg = e->u.is.negated;
        if (e->u.is.what == SB_IS_NULL || e->u.is.what == SB_IS_UNKNOWN) {
            sb_buf_putc(out, '(');
            pretty(out, e->u.is.arg, c);
            sb_buf_puts(out, neg ? " IS NOT NULL)" : " IS NULL)");
        } else {
            /* x IS TRUE is x <=> true */
            if (neg) sb_buf_puts(out, "(NOT ");
            sb_buf_putc(out, '(');
            pretty(out, e->u.is.arg, c);
            sb_buf_puts(out, e->u.is.what == SB_IS_TRUE ? " <=> true)" : " <=> false)");
            if (neg) sb_buf_putc(out, ')');
        }
        break;
    }
    case SB_E_DISTINCT:
        if (!e->u.distinct.negated) sb_buf_puts(out, "(NOT ");
        sb_buf_putc(out, '(');
        pretty(out, e->u.distinct.left, c);
        sb_buf_puts(out, " <=> ");
        pretty(out, e->u.distinct.right, c);
        sb_buf_putc(out, ')');
        if (!e->u.distinct.negated) sb_buf_putc(out, ')');
        break;
    case SB_E_SUBSCRIPT:
        pretty(out, e->u.subscript.base, c);
        sb_buf_putc(out, '[');
        pretty(out, e->u.subscript.index, c);
        sb_buf_putc(out, ']');
        break;
    case SB_E_FIELD:
        pretty(out, e->u.field.base, c);
        sb_buf_putc(out, '.');
        sb_buf_puts(out, e->u.field.name);
        break;
    case SB_E_LAMBDA: {
        /* LambdaFunction.sql: lambdafunction(body, x, y) */
        bool scoped = c->nscopes < SB_COUNTOF(c->lambda_vars);
        if (scoped) {
            c->lambda_vars[c->nscopes] = e->u.lambda.params;
            c->nlambda_vars[c->nscopes] = e->u.lambda.nparams;
            c->nscopes++;
        }
        sb_buf_puts(out, "lambdafunction(");
        pretty(out, e->u.lambda.body, c);
        for (size_t i = 0; i < e->u.lambda.nparams; i++) sb_buf_puts(out, ", namedlambdavariable()");
        sb_buf_putc(out, ')');
        if (scoped) c->nscopes--;
        break;
    }
    case SB_E_SUBQUERY: sb_buf_puts(out, e->u.subquery.exists ? "exists()" : "scalarsubquery()"); break;
    }
}

const char *sb_sql_auto_name(sb_arena *a, const sb_expr *e)
{
    if (!e) return "";
    if (e->kind == SB_E_COLUMN) return e->u.column.parts[e->u.column.nparts - 1];
    /* Spark (ResolveAliases): a cast of a column keeps the column's name */
    if (e->kind == SB_E_CAST && e->u.cast.arg && e->u.cast.arg->kind == SB_E_COLUMN)
        return e->u.cast.arg->u.column.parts[e->u.cast.arg->u.column.nparts - 1];
    sb_buf b = SB_BUF_INIT;
    pretty_ctx c = {0};
    pretty(&b, e, &c);
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}
