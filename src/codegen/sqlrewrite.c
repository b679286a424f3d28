/*
 * sqlrewrite.c — a SQLStatement gem's query, rewritten for the code that
 * runs it.
 *
 * The query names its inputs in0, in1, ... and may use ${var}. Generated
 * PySpark passes the inputs as DataFrames to spark.sql (`{in0}`, which
 * pyspark turns into a temporary view of its own) and the variables as
 * named parameters (`:var`, typed by Python's value, cast where the
 * declared type differs); the Spark SQL script names the views of the
 * upstream gems and lets spark-sql substitute `${var}` as text inside a
 * typed cast. Only the spans of table references and variables change;
 * the rest of the text stays exactly as the user wrote it.
 */
#include "codegen/codegen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct edit {
    uint32_t start, end;
    const char *text;
} edit;

typedef struct sql_edits {
    sb_arena *a;
    const sb_project *p;
    const sb_gem *gem;
    const char *const *inputs;
    bool python;
    const char *src;
    sb_vec edits; /* edit* */
    sb_vec params; /* const char*: config variables used, in order of first use */
    sb_vec ctes;   /* sb_vec* of sb_cte*: the WITH lists in scope */
} sql_edits;

static void walk_query(sql_edits *se, const sb_query *q);

static void add_edit(sql_edits *se, uint32_t start, uint32_t end, const char *text)
{
    edit *e = sb_arena_alloc(se->a, sizeof(*e));
    e->start = start;
    e->end = end;
    e->text = text;
    sb_vec_push(se->a, &se->edits, e);
}

static void walk_expr(sql_edits *se, const sb_expr *e);

static void walk_exprs(sql_edits *se, const sb_vec *v)
{
    for (size_t i = 0; i < v->len; i++) walk_expr(se, v->items[i]);
}

static void walk_window(sql_edits *se, const sb_window *w)
{
    if (!w) return;
    walk_exprs(se, &w->partition_by);
    for (size_t i = 0; i < w->order_by.len; i++) walk_expr(se, ((sb_sort_key *)w->order_by.items[i])->expr);
}

static void walk_expr(sql_edits *se, const sb_expr *e)
{
    if (!e) return;
    switch (e->kind) {
    case SB_E_CONFIG: {
        const char *name = e->u.config.name;
        bool seen = false;
        for (size_t i = 0; i < se->params.len; i++)
            if (strcmp(se->params.items[i], name) == 0) seen = true;
        if (!seen) sb_vec_push(se->a, &se->params, (void *)name);
        const sb_config_var *v = se->p ? sb_project_var(se->p, name) : NULL;
        const char *text = sb_arena_printf(se->a, ":%s", name);
        if (!se->python) {
            /* spark-sql substitutes ${name} as text; give the value its type */
            if (v && v->type && v->type->kind == SB_T_STRING)
                text = sb_arena_printf(se->a, "'${%s}'", name);
            else
                text = sb_arena_printf(se->a, "CAST('${%s}' AS %s)", name,
                                       v && v->type ? sb_type_str(se->a, v->type) : "string");
        } else if (v && v->type) {
            switch (v->type->kind) {
            case SB_T_INT:
            case SB_T_DOUBLE:
            case SB_T_STRING:
            case SB_T_BOOLEAN:
            case SB_T_DATE:
            case SB_T_TIMESTAMP: break;
            default: text = sb_arena_printf(se->a, "CAST(:%s AS %s)", name, sb_type_str(se->a, v->type));
            }
        }
        add_edit(se, e->span.start, e->span.end, text);
        return;
    }
    case SB_E_UNARY: walk_expr(se, e->u.unary.arg); return;
    case SB_E_BINARY:
        walk_expr(se, e->u.binary.left);
        walk_expr(se, e->u.binary.right);
        return;
    case SB_E_FUNC:
        walk_exprs(se, &e->u.func.args);
        walk_expr(se, e->u.func.filter);
        walk_window(se, e->u.func.over);
        return;
    case SB_E_CASE:
        walk_expr(se, e->u.kase.operand);
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            sb_when *w = e->u.kase.whens.items[i];
            walk_expr(se, w->when);
            walk_expr(se, w->then);
        }
        walk_expr(se, e->u.kase.otherwise);
        return;
    case SB_E_CAST: walk_expr(se, e->u.cast.arg); return;
    case SB_E_IN:
        walk_expr(se, e->u.in.arg);
        walk_exprs(se, &e->u.in.list);
        if (e->u.in.query) walk_query(se, e->u.in.query);
        return;
    case SB_E_BETWEEN:
        walk_expr(se, e->u.between.arg);
        walk_expr(se, e->u.between.low);
        walk_expr(se, e->u.between.high);
        return;
    case SB_E_LIKE:
        walk_expr(se, e->u.like.arg);
        walk_expr(se, e->u.like.pattern);
        return;
    case SB_E_IS: walk_expr(se, e->u.is.arg); return;
    case SB_E_DISTINCT:
        walk_expr(se, e->u.distinct.left);
        walk_expr(se, e->u.distinct.right);
        return;
    case SB_E_SUBSCRIPT:
        walk_expr(se, e->u.subscript.base);
        walk_expr(se, e->u.subscript.index);
        return;
    case SB_E_FIELD: walk_expr(se, e->u.field.base); return;
    case SB_E_LAMBDA: walk_expr(se, e->u.lambda.body); return;
    case SB_E_SUBQUERY: walk_query(se, e->u.subquery.query); return;
    default: return;
    }
}

/* Is name one of the gem's inputs (in0, in1, ...)? */
static long input_of(const sql_edits *se, const char *name)
{
    for (size_t i = 0; i < se->gem->ninputs; i++) {
        char want[32];
        snprintf(want, sizeof want, "in%zu", i);
        if (sb_str_ieq(want, name)) return (long)i;
    }
    return -1;
}

static bool is_cte(const sql_edits *se, const char *name)
{
    for (size_t k = 0; k < se->ctes.len; k++) {
        const sb_vec *list = se->ctes.items[k];
        for (size_t i = 0; i < list->len; i++)
            if (sb_str_ieq(((sb_cte *)list->items[i])->name, name)) return true;
    }
    return false;
}

static void walk_relation(sql_edits *se, const sb_relation *r)
{
    if (!r) return;
    switch (r->kind) {
    case SB_REL_TABLE: {
        if (r->u.table.nparts != 1) return;
        const char *name = r->u.table.parts[0];
        if (is_cte(se, name)) return;
        long k = input_of(se, name);
        if (k < 0) return;
        size_t len = strlen(name);
        /* the name is the first thing in the relation's text (maybe quoted) */
        uint32_t start = r->span.start, end = start + (uint32_t)len;
        if (se->src[start] == '`') end += 2;
        /* {in0} is a view with a generated name: keep `in0` usable as a qualifier */
        const char *text = r->alias ? se->inputs[k] : sb_arena_printf(se->a, "%s AS %s", se->inputs[k], name);
        add_edit(se, start, end, text);
        return;
    }
    case SB_REL_SUBQUERY: walk_query(se, r->u.subquery.query); return;
    case SB_REL_JOIN:
        walk_relation(se, r->u.join.left);
        walk_relation(se, r->u.join.right);
        walk_expr(se, r->u.join.on);
        return;
    case SB_REL_VALUES:
        for (size_t i = 0; i < r->u.values.rows.len; i++) walk_exprs(se, r->u.values.rows.items[i]);
        return;
    }
}

static void walk_query(sql_edits *se, const sb_query *q)
{
    if (!q) return;
    size_t depth = se->ctes.len;
    if (q->ctes.len) sb_vec_push(se->a, &se->ctes, (void *)&q->ctes);
    for (size_t i = 0; i < q->ctes.len; i++) walk_query(se, ((sb_cte *)q->ctes.items[i])->query);
    if (q->kind == SB_Q_SELECT) {
        for (size_t i = 0; i < q->u.select.items.len; i++)
            walk_expr(se, ((sb_select_item *)q->u.select.items.items[i])->expr);
        walk_relation(se, q->u.select.from);
        walk_expr(se, q->u.select.where);
        if (q->u.select.group_kind == SB_GROUP_SETS) {
            for (size_t i = 0; i < q->u.select.grouping_sets.len; i++) walk_exprs(se, q->u.select.grouping_sets.items[i]);
        }
        walk_exprs(se, &q->u.select.group_by);
        walk_expr(se, q->u.select.having);
        for (size_t i = 0; i < q->u.select.windows.len; i++)
            walk_window(se, ((sb_named_window *)q->u.select.windows.items[i])->window);
    } else {
        walk_query(se, q->u.setop.left);
        walk_query(se, q->u.setop.right);
    }
    for (size_t i = 0; i < q->order_by.len; i++) walk_expr(se, ((sb_sort_key *)q->order_by.items[i])->expr);
    walk_expr(se, q->limit);
    walk_expr(se, q->offset);
    se->ctes.len = depth;
}

static int edit_cmp(const void *x, const void *y)
{
    const edit *a = *(edit *const *)x, *b = *(edit *const *)y;
    return a->start < b->start ? -1 : a->start > b->start;
}


const char *sql_rewrite_query(sb_arena *a, const sb_project *p, const sb_gem *gem,
                              const char *const *inputs, bool python, sb_vec *params)
{
    const char *src = gem->u.sql.query_text.text;
    sql_edits se = {.a = a, .p = p, .gem = gem, .inputs = inputs, .python = python, .src = src};
    walk_query(&se, gem->u.sql.query);
    qsort(se.edits.items, se.edits.len, sizeof(void *), edit_cmp);
    sb_buf q = SB_BUF_INIT;
    size_t len = strlen(src), pos = 0;
    for (size_t i = 0; i <= se.edits.len; i++) {
        size_t stop = i < se.edits.len ? ((edit *)se.edits.items[i])->start : len;
        for (; pos < stop && pos < len; pos++) {
            /* str.format reads braces: double the query's own */
            if (python && gem->ninputs && (src[pos] == '{' || src[pos] == '}')) sb_buf_putc(&q, src[pos]);
            sb_buf_putc(&q, src[pos]);
        }
        if (i < se.edits.len) {
            const edit *e = se.edits.items[i];
            sb_buf_puts(&q, e->text);
            pos = e->end;
        }
    }
    /* no trailing semicolon: the caller adds its own statement end */
    size_t n = q.len;
    while (n && (q.data[n - 1] == ';' || q.data[n - 1] == ' ' || q.data[n - 1] == '\n' || q.data[n - 1] == '\t')) n--;
    const char *r = sb_arena_strndup(a, q.data ? q.data : "", n);
    sb_buf_free(&q);
    if (params) *params = se.params;
    return r;
}
