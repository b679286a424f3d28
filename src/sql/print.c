/*
 * print.c — canonical Spark SQL text from expression and query trees.
 *
 * sb_sql_print_expr / sb_sql_print_query write upper-case keywords, the
 * fewest parentheses that keep the tree, and identifiers back-quoted only
 * when needed. Parsing the output gives the same tree, so generated code and
 * canonical files can carry it. The column names Spark derives from
 * expressions (a different, "pretty" rendering) are in colname.c.
 */
#include "sql/print_internal.h"

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
                                          "WHEN", "THEN", "ELSE", "END", "FROM", "WHERE",
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

void sb_sql_put_hex(sb_buf *out, const char *s, size_t n)
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
        sb_sql_put_hex(out, t, e->u.lit.len);
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

void sb_sql_print_type_sql(sb_buf *out, const sb_type *t)
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
        sb_sql_print_type_sql(out, t->elem);
        sb_buf_putc(out, '>');
        break;
    case SB_T_MAP:
        sb_buf_puts(out, "MAP<");
        sb_sql_print_type_sql(out, t->key);
        sb_buf_puts(out, ", ");
        sb_sql_print_type_sql(out, t->value);
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
            sb_sql_print_type_sql(out, t->fields[i].type);
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
        sb_sql_print_type_sql(out, e->u.cast.to);
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
