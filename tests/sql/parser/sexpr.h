/*
 * sexpr.h — S-expression dumps of SQL trees for the parser and printer
 * tests: `a + b * c` dumps as (+ a (* b c)), so a test states the tree it
 * expects in one line, and two trees are equal when their dumps are.
 *
 * Literals carry their type (1:int, 1.5:decimal(2,1)); function names are
 * lower-cased (Spark resolves them case-insensitively); spans are left out.
 */
#ifndef SB_TEST_SEXPR_H
#define SB_TEST_SEXPR_H

#include "sql/sql.h"

#include <string.h>

static void sx_expr(sb_buf *o, const sb_expr *e);
static void sx_query(sb_buf *o, const sb_query *q);

static void sx_name(sb_buf *o, const char *n)
{
    bool plain = n && *n;
    for (const char *c = n; c && *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            plain = false;
    if (plain) {
        sb_buf_puts(o, n);
        return;
    }
    sb_buf_putc(o, '`');
    sb_buf_puts(o, n ? n : "");
    sb_buf_putc(o, '`');
}

static void sx_str(sb_buf *o, const char *s, size_t n)
{
    sb_buf_putc(o, '\'');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '\\')
            sb_buf_printf(o, "\\%c", c);
        else if (c == '\n')
            sb_buf_puts(o, "\\n");
        else if (c == '\t')
            sb_buf_puts(o, "\\t");
        else if (c < 0x20 || c == 0x7F)
            sb_buf_printf(o, "\\x%02X", c);
        else
            sb_buf_putc(o, (char)c);
    }
    sb_buf_putc(o, '\'');
}

static void sx_type(sb_buf *o, const sb_type *t)
{
    sb_buf_putc(o, ':');
    sb_type_print(o, t);
}

static void sx_vec(sb_buf *o, const sb_vec *v)
{
    for (size_t i = 0; i < v->len; i++) {
        sb_buf_putc(o, ' ');
        sx_expr(o, v->items[i]);
    }
}

static void sx_sort(sb_buf *o, const sb_sort_key *k)
{
    sb_buf_puts(o, k->descending ? "(desc " : "(asc ");
    sx_expr(o, k->expr);
    if (k->nulls_explicit) sb_buf_puts(o, k->nulls_first ? " nulls-first" : " nulls-last");
    sb_buf_putc(o, ')');
}

static void sx_bound(sb_buf *o, const sb_frame_bound *b)
{
    switch (b->kind) {
    case SB_BOUND_UNBOUNDED_PRECEDING: sb_buf_puts(o, "unbounded-preceding"); break;
    case SB_BOUND_UNBOUNDED_FOLLOWING: sb_buf_puts(o, "unbounded-following"); break;
    case SB_BOUND_CURRENT_ROW: sb_buf_puts(o, "current-row"); break;
    case SB_BOUND_PRECEDING:
        sb_buf_puts(o, "(preceding ");
        sx_expr(o, b->offset);
        sb_buf_putc(o, ')');
        break;
    case SB_BOUND_FOLLOWING:
        sb_buf_puts(o, "(following ");
        sx_expr(o, b->offset);
        sb_buf_putc(o, ')');
        break;
    }
}

static void sx_window(sb_buf *o, const sb_window *w)
{
    sb_buf_puts(o, "(window");
    if (w->name) {
        sb_buf_putc(o, ' ');
        sx_name(o, w->name);
    }
    if (w->partition_by.len) {
        sb_buf_puts(o, " (partition");
        sx_vec(o, &w->partition_by);
        sb_buf_putc(o, ')');
    }
    if (w->order_by.len) {
        sb_buf_puts(o, " (order");
        for (size_t i = 0; i < w->order_by.len; i++) {
            sb_buf_putc(o, ' ');
            sx_sort(o, w->order_by.items[i]);
        }
        sb_buf_putc(o, ')');
    }
    if (w->frame != SB_FRAME_NONE) {
        sb_buf_puts(o, w->frame == SB_FRAME_ROWS ? " (rows " : " (range ");
        sx_bound(o, &w->start);
        sb_buf_putc(o, ' ');
        sx_bound(o, &w->end);
        sb_buf_putc(o, ')');
    }
    sb_buf_putc(o, ')');
}

static const char *sx_binop(sb_binop op)
{
    static const char *const N[] = {"+", "-", "*", "/", "%", "div", "||", "&", "|", "^", "=",
                                    "<=>", "!=", "<", "<=", ">", ">=", "and", "or"};
    return N[op];
}

static void sx_literal(sb_buf *o, const sb_expr *e)
{
    const char *t = e->u.lit.text ? e->u.lit.text : "";
    switch (e->u.lit.kind) {
    case SB_LIT_NULL: sb_buf_puts(o, "null"); break;
    case SB_LIT_BOOLEAN: sb_buf_puts(o, e->u.lit.boolean ? "true" : "false"); break;
    case SB_LIT_INTEGER:
    case SB_LIT_DECIMAL:
    case SB_LIT_DOUBLE:
    case SB_LIT_FLOAT:
        sb_buf_puts(o, t);
        if (e->u.lit.suffix == 'B')
            sb_buf_puts(o, "BD");
        else if (e->u.lit.suffix)
            sb_buf_putc(o, e->u.lit.suffix);
        break;
    case SB_LIT_STRING: sx_str(o, t, e->u.lit.len); break;
    case SB_LIT_DATE: sb_buf_puts(o, "date"); sx_str(o, t, e->u.lit.len); break;
    case SB_LIT_TIMESTAMP: sb_buf_puts(o, "ts"); sx_str(o, t, e->u.lit.len); break;
    case SB_LIT_TIMESTAMP_NTZ: sb_buf_puts(o, "tsntz"); sx_str(o, t, e->u.lit.len); break;
    case SB_LIT_BINARY: {
        sb_buf_puts(o, "x'");
        for (size_t i = 0; i < e->u.lit.len; i++) sb_buf_printf(o, "%02X", (unsigned char)t[i]);
        sb_buf_putc(o, '\'');
        break;
    }
    case SB_LIT_INTERVAL:
        sb_buf_puts(o, "interval");
        sx_str(o, t, e->u.lit.len);
        if (e->u.lit.unit) sb_buf_puts(o, e->u.lit.unit);
        break;
    }
    sx_type(o, e->u.lit.type);
}

static void sx_expr(sb_buf *o, const sb_expr *e)
{
    if (!e) {
        sb_buf_puts(o, "<null>");
        return;
    }
    switch (e->kind) {
    case SB_E_LITERAL: sx_literal(o, e); break;
    case SB_E_COLUMN:
        for (size_t i = 0; i < e->u.column.nparts; i++) {
            if (i) sb_buf_putc(o, '.');
            sx_name(o, e->u.column.parts[i]);
        }
        break;
    case SB_E_STAR:
        for (size_t i = 0; i < e->u.star.nqualifier; i++) {
            sx_name(o, e->u.star.qualifier[i]);
            sb_buf_putc(o, '.');
        }
        sb_buf_putc(o, '*');
        break;
    case SB_E_CONFIG: sb_buf_printf(o, "${%s}", e->u.config.name); break;
    case SB_E_UNARY: {
        static const char *const U[] = {"neg", "pos", "~", "not"};
        sb_buf_printf(o, "(%s ", U[e->u.unary.op]);
        sx_expr(o, e->u.unary.arg);
        sb_buf_putc(o, ')');
        break;
    }
    case SB_E_BINARY:
        sb_buf_printf(o, "(%s ", sx_binop(e->u.binary.op));
        sx_expr(o, e->u.binary.left);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.binary.right);
        sb_buf_putc(o, ')');
        break;
    case SB_E_FUNC:
        sb_buf_putc(o, '(');
        for (const char *c = e->u.func.name; *c; c++)
            sb_buf_putc(o, (*c >= 'A' && *c <= 'Z') ? (char)(*c + 32) : *c);
        if (e->u.func.distinct) sb_buf_puts(o, " distinct");
        sx_vec(o, &e->u.func.args);
        if (e->u.func.filter) {
            sb_buf_puts(o, " :filter ");
            sx_expr(o, e->u.func.filter);
        }
        if (e->u.func.ignore_nulls) sb_buf_puts(o, " :ignore-nulls");
        if (e->u.func.respect_nulls) sb_buf_puts(o, " :respect-nulls");
        if (e->u.func.over) {
            sb_buf_puts(o, " :over ");
            sx_window(o, e->u.func.over);
        }
        sb_buf_putc(o, ')');
        break;
    case SB_E_CASE:
        sb_buf_puts(o, "(case");
        if (e->u.kase.operand) {
            sb_buf_putc(o, ' ');
            sx_expr(o, e->u.kase.operand);
        }
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            const sb_when *w = e->u.kase.whens.items[i];
            sb_buf_puts(o, " (when ");
            sx_expr(o, w->when);
            sb_buf_putc(o, ' ');
            sx_expr(o, w->then);
            sb_buf_putc(o, ')');
        }
        if (e->u.kase.otherwise) {
            sb_buf_puts(o, " (else ");
            sx_expr(o, e->u.kase.otherwise);
            sb_buf_putc(o, ')');
        }
        sb_buf_putc(o, ')');
        break;
    case SB_E_CAST:
        sb_buf_puts(o, e->u.cast.try_cast ? "(try_cast " : "(cast ");
        sx_expr(o, e->u.cast.arg);
        sb_buf_putc(o, ' ');
        sb_type_print(o, e->u.cast.to);
        sb_buf_putc(o, ')');
        break;
    case SB_E_IN:
        sb_buf_puts(o, e->u.in.negated ? "(not-in " : "(in ");
        sx_expr(o, e->u.in.arg);
        if (e->u.in.query) {
            sb_buf_putc(o, ' ');
            sx_query(o, e->u.in.query);
        } else {
            sx_vec(o, &e->u.in.list);
        }
        sb_buf_putc(o, ')');
        break;
    case SB_E_BETWEEN:
        sb_buf_puts(o, e->u.between.negated ? "(not-between " : "(between ");
        sx_expr(o, e->u.between.arg);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.between.low);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.between.high);
        sb_buf_putc(o, ')');
        break;
    case SB_E_LIKE: {
        static const char *const K[] = {"like", "ilike", "rlike"};
        sb_buf_printf(o, "(%s%s ", e->u.like.negated ? "not-" : "", K[e->u.like.kind]);
        sx_expr(o, e->u.like.arg);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.like.pattern);
        if (e->u.like.escape) {
            sb_buf_puts(o, " :escape ");
            sx_str(o, e->u.like.escape, strlen(e->u.like.escape));
        }
        sb_buf_putc(o, ')');
        break;
    }
    case SB_E_IS: {
        static const char *const W[] = {"null", "true", "false", "unknown"};
        sb_buf_printf(o, "(is-%s%s ", e->u.is.negated ? "not-" : "", W[e->u.is.what]);
        sx_expr(o, e->u.is.arg);
        sb_buf_putc(o, ')');
        break;
    }
    case SB_E_DISTINCT:
        sb_buf_puts(o, e->u.distinct.negated ? "(is-not-distinct " : "(is-distinct ");
        sx_expr(o, e->u.distinct.left);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.distinct.right);
        sb_buf_putc(o, ')');
        break;
    case SB_E_SUBSCRIPT:
        sb_buf_puts(o, "([] ");
        sx_expr(o, e->u.subscript.base);
        sb_buf_putc(o, ' ');
        sx_expr(o, e->u.subscript.index);
        sb_buf_putc(o, ')');
        break;
    case SB_E_FIELD:
        sb_buf_puts(o, "(. ");
        sx_expr(o, e->u.field.base);
        sb_buf_putc(o, ' ');
        sx_name(o, e->u.field.name);
        sb_buf_putc(o, ')');
        break;
    case SB_E_LAMBDA:
        sb_buf_puts(o, "(lambda (");
        for (size_t i = 0; i < e->u.lambda.nparams; i++) {
            if (i) sb_buf_putc(o, ' ');
            sx_name(o, e->u.lambda.params[i]);
        }
        sb_buf_puts(o, ") ");
        sx_expr(o, e->u.lambda.body);
        sb_buf_putc(o, ')');
        break;
    case SB_E_SUBQUERY:
        sb_buf_puts(o, e->u.subquery.exists ? "(exists " : "(subquery ");
        sx_query(o, e->u.subquery.query);
        sb_buf_putc(o, ')');
        break;
    }
}

static void sx_names(sb_buf *o, const sb_vec *v)
{
    sb_buf_putc(o, '(');
    for (size_t i = 0; i < v->len; i++) {
        if (i) sb_buf_putc(o, ' ');
        sx_name(o, v->items[i]);
    }
    sb_buf_putc(o, ')');
}

static void sx_rel(sb_buf *o, const sb_relation *r)
{
    switch (r->kind) {
    case SB_REL_TABLE:
        sb_buf_puts(o, "(table ");
        for (size_t i = 0; i < r->u.table.nparts; i++) {
            if (i) sb_buf_putc(o, '.');
            sx_name(o, r->u.table.parts[i]);
        }
        break;
    case SB_REL_SUBQUERY:
        sb_buf_puts(o, "(subq ");
        sx_query(o, r->u.subquery.query);
        break;
    case SB_REL_VALUES:
        sb_buf_puts(o, "(values");
        for (size_t i = 0; i < r->u.values.rows.len; i++) {
            sb_buf_puts(o, " (");
            const sb_vec *row = r->u.values.rows.items[i];
            for (size_t k = 0; k < row->len; k++) {
                if (k) sb_buf_putc(o, ' ');
                sx_expr(o, row->items[k]);
            }
            sb_buf_putc(o, ')');
        }
        break;
    case SB_REL_JOIN: {
        static const char *const J[] = {"inner", "left", "right", "full", "semi", "anti", "cross"};
        sb_buf_printf(o, "(join %s%s ", r->u.join.natural ? "natural-" : "", J[r->u.join.type]);
        sx_rel(o, r->u.join.left);
        sb_buf_putc(o, ' ');
        sx_rel(o, r->u.join.right);
        if (r->u.join.on) {
            sb_buf_puts(o, " :on ");
            sx_expr(o, r->u.join.on);
        }
        if (r->u.join.using_.len) {
            sb_buf_puts(o, " :using ");
            sx_names(o, &r->u.join.using_);
        }
        break;
    }
    }
    if (r->alias) {
        sb_buf_puts(o, " :as ");
        sx_name(o, r->alias);
        if (r->column_aliases.len) {
            sb_buf_putc(o, ' ');
            sx_names(o, &r->column_aliases);
        }
    }
    sb_buf_putc(o, ')');
}

static void sx_query(sb_buf *o, const sb_query *q)
{
    if (!q) {
        sb_buf_puts(o, "<null>");
        return;
    }
    if (q->kind == SB_Q_SETOP) {
        static const char *const S[] = {"union", "intersect", "except"};
        sb_buf_printf(o, "(%s%s%s ", S[q->u.setop.op], q->u.setop.all ? "-all" : "",
                      q->u.setop.by_name ? "-by-name" : "");
        sx_query(o, q->u.setop.left);
        sb_buf_putc(o, ' ');
        sx_query(o, q->u.setop.right);
    } else {
        sb_buf_puts(o, q->u.select.distinct ? "(select-distinct" : "(select");
        for (size_t i = 0; i < q->u.select.items.len; i++) {
            const sb_select_item *it = q->u.select.items.items[i];
            sb_buf_putc(o, ' ');
            if (it->alias) sb_buf_puts(o, "(as ");
            sx_expr(o, it->expr);
            if (it->alias) {
                sb_buf_putc(o, ' ');
                sx_name(o, it->alias);
                sb_buf_putc(o, ')');
            }
        }
        if (q->u.select.from) {
            sb_buf_puts(o, " :from ");
            sx_rel(o, q->u.select.from);
        }
        if (q->u.select.where) {
            sb_buf_puts(o, " :where ");
            sx_expr(o, q->u.select.where);
        }
        if (q->u.select.group_by_all) sb_buf_puts(o, " :group-all");
        static const char *const G[] = {":group", ":rollup", ":cube", ":group"};
        if (q->u.select.group_by.len) {
            sb_buf_printf(o, " %s (", G[q->u.select.group_kind]);
            for (size_t i = 0; i < q->u.select.group_by.len; i++) {
                if (i) sb_buf_putc(o, ' ');
                sx_expr(o, q->u.select.group_by.items[i]);
            }
            sb_buf_putc(o, ')');
        }
        if (q->u.select.group_kind == SB_GROUP_SETS) {
            sb_buf_puts(o, " :sets (");
            for (size_t i = 0; i < q->u.select.grouping_sets.len; i++) {
                const sb_vec *set = q->u.select.grouping_sets.items[i];
                if (i) sb_buf_putc(o, ' ');
                sb_buf_putc(o, '(');
                for (size_t k = 0; k < set->len; k++) {
                    if (k) sb_buf_putc(o, ' ');
                    sx_expr(o, set->items[k]);
                }
                sb_buf_putc(o, ')');
            }
            sb_buf_putc(o, ')');
        }
        if (q->u.select.having) {
            sb_buf_puts(o, " :having ");
            sx_expr(o, q->u.select.having);
        }
        for (size_t i = 0; i < q->u.select.windows.len; i++) {
            const sb_named_window *w = q->u.select.windows.items[i];
            sb_buf_puts(o, " :window (");
            sx_name(o, w->name);
            sb_buf_putc(o, ' ');
            sx_window(o, w->window);
            sb_buf_putc(o, ')');
        }
    }
    if (q->ctes.len) {
        sb_buf_puts(o, " :with (");
        for (size_t i = 0; i < q->ctes.len; i++) {
            const sb_cte *c = q->ctes.items[i];
            if (i) sb_buf_putc(o, ' ');
            sb_buf_putc(o, '(');
            sx_name(o, c->name);
            if (c->column_aliases.len) {
                sb_buf_putc(o, ' ');
                sx_names(o, &c->column_aliases);
            }
            sb_buf_putc(o, ' ');
            sx_query(o, c->query);
            sb_buf_putc(o, ')');
        }
        sb_buf_putc(o, ')');
    }
    if (q->order_by.len) {
        sb_buf_puts(o, " :order (");
        for (size_t i = 0; i < q->order_by.len; i++) {
            if (i) sb_buf_putc(o, ' ');
            sx_sort(o, q->order_by.items[i]);
        }
        sb_buf_putc(o, ')');
    }
    if (q->limit) {
        sb_buf_puts(o, " :limit ");
        sx_expr(o, q->limit);
    }
    if (q->offset) {
        sb_buf_puts(o, " :offset ");
        sx_expr(o, q->offset);
    }
    sb_buf_putc(o, ')');
}

#endif
