/*
 * expr.c — checking one expression field of a gem.
 *
 * Every field is checked with the diagnostic context set to the field (file,
 * gem, field path, the position of its value in the file), so that the SQL
 * layer's spans land inside the right string. Before type-checking, the
 * planner rejects what the gem cannot run — an aggregate in a Filter, a
 * window in a Join condition, explode in an OrderBy — with a message that
 * names the gem kind that can, which the generic checker cannot know.
 */
#include "plan/plan_internal.h"

#include <string.h>

void plan_at(plan_run *run, const sb_pipeline *pl, const sb_gem *gem, const char *field,
             uint32_t line, uint32_t col)
{
    sb_diag_context ctx = {.file = pl ? pl->file : NULL,
                           .gem = gem ? gem->name : NULL,
                           .field = field,
                           .line = line,
                           .col = col};
    sb_diags_set_context(run->d, &ctx);
}

void plan_at_text(plan_gem *g, const sb_spec_text *t)
{
    if (t->line)
        plan_at(g->run, g->pl, g->gem, t->field, t->line, t->col);
    else
        plan_at(g->run, g->pl, g->gem, t->field, g->gem->line, g->gem->col);
}

void plan_at_gem(plan_gem *g, const char *field)
{
    plan_at(g->run, g->pl, g->gem, field, g->gem->line, g->gem->col);
}

const char *plan_in_name(sb_arena *a, size_t i)
{
    static const char *const names[] = {"in0",  "in1",  "in2",  "in3", "in4",  "in5",
                                        "in6",  "in7",  "in8",  "in9", "in10", "in11",
                                        "in12", "in13", "in14", "in15"};
    if (i < SB_COUNTOF(names)) return names[i];
    return sb_arena_printf(a, "in%zu", i);
}

void plan_scope_inputs(plan_gem *g, plan_scope *s)
{
    s->n = 0;
    for (size_t i = 0; i < g->nin && s->n < SB_COUNTOF(s->inputs); i++) {
        s->inputs[s->n].name = plan_in_name(g->run->a, i);
        s->inputs[s->n].schema = g->in[i];
        s->n++;
    }
}

sb_sql_scope plan_sql_scope(plan_gem *g, const plan_scope *s, unsigned flags)
{
    sb_sql_scope scope = {0};
    scope.inputs = s ? s->inputs : NULL;
    scope.ninputs = s ? s->n : 0;
    scope.flags = flags;
    scope.config_type = plan_config_type;
    scope.config_ctx = g->run;
    return scope;
}

/* ---- walking expressions --------------------------------------------- */

typedef bool (*expr_pred)(sb_expr *e, void *ctx);

static sb_expr *walk(sb_expr *e, expr_pred pred, void *ctx);

static sb_expr *walk_vec(const sb_vec *v, expr_pred pred, void *ctx)
{
    for (size_t i = 0; i < v->len; i++) {
        sb_expr *hit = walk(v->items[i], pred, ctx);
        if (hit) return hit;
    }
    return NULL;
}

/* Pre-order search; subqueries have their own scope and are not entered. */
static sb_expr *walk(sb_expr *e, expr_pred pred, void *ctx)
{
    if (!e) return NULL;
    if (pred(e, ctx)) return e;
    sb_expr *hit = NULL;
    switch (e->kind) {
    case SB_E_LITERAL:
    case SB_E_COLUMN:
    case SB_E_STAR:
    case SB_E_CONFIG:
    case SB_E_SUBQUERY:
        return NULL;
    case SB_E_UNARY:
        return walk(e->u.unary.arg, pred, ctx);
    case SB_E_BINARY:
        hit = walk(e->u.binary.left, pred, ctx);
        return hit ? hit : walk(e->u.binary.right, pred, ctx);
    case SB_E_FUNC:
        hit = walk_vec(&e->u.func.args, pred, ctx);
        if (!hit) hit = walk(e->u.func.filter, pred, ctx);
        if (!hit && e->u.func.over) {
            hit = walk_vec(&e->u.func.over->partition_by, pred, ctx);
            for (size_t i = 0; !hit && i < e->u.func.over->order_by.len; i++)
                hit = walk(((sb_sort_key *)e->u.func.over->order_by.items[i])->expr, pred, ctx);
        }
        return hit;
    case SB_E_CASE:
        hit = walk(e->u.kase.operand, pred, ctx);
        for (size_t i = 0; !hit && i < e->u.kase.whens.len; i++) {
            sb_when *w = e->u.kase.whens.items[i];
            hit = walk(w->when, pred, ctx);
            if (!hit) hit = walk(w->then, pred, ctx);
        }
        return hit ? hit : walk(e->u.kase.otherwise, pred, ctx);
    case SB_E_CAST:
        return walk(e->u.cast.arg, pred, ctx);
    case SB_E_IN:
        hit = walk(e->u.in.arg, pred, ctx);
        return hit ? hit : walk_vec(&e->u.in.list, pred, ctx);
    case SB_E_BETWEEN:
        hit = walk(e->u.between.arg, pred, ctx);
        if (!hit) hit = walk(e->u.between.low, pred, ctx);
        return hit ? hit : walk(e->u.between.high, pred, ctx);
    case SB_E_LIKE:
        hit = walk(e->u.like.arg, pred, ctx);
        return hit ? hit : walk(e->u.like.pattern, pred, ctx);
    case SB_E_IS:
        return walk(e->u.is.arg, pred, ctx);
    case SB_E_DISTINCT:
        hit = walk(e->u.distinct.left, pred, ctx);
        return hit ? hit : walk(e->u.distinct.right, pred, ctx);
    case SB_E_SUBSCRIPT:
        hit = walk(e->u.subscript.base, pred, ctx);
        return hit ? hit : walk(e->u.subscript.index, pred, ctx);
    case SB_E_FIELD:
        return walk(e->u.field.base, pred, ctx);
    case SB_E_LAMBDA:
        return walk(e->u.lambda.body, pred, ctx);
    }
    return NULL;
}

typedef struct call_query {
    sb_func_class cls;
    bool with_over; /* also calls that have an OVER clause */
} call_query;

static bool is_call_of(sb_expr *e, void *ctx)
{
    const call_query *q = ctx;
    if (e->kind != SB_E_FUNC) return false;
    if (e->u.func.over && !q->with_over) return false;
    const sb_func *f = sb_sql_func_lookup(e->u.func.name);
    return f && f->cls == q->cls;
}

sb_expr *plan_find_call(sb_expr *e, sb_func_class cls, bool in_windows)
{
    call_query q = {.cls = cls, .with_over = in_windows};
    return walk(e, is_call_of, &q);
}

static bool is_window(sb_expr *e, void *ctx)
{
    (void)ctx;
    return e->kind == SB_E_FUNC && e->u.func.over;
}

sb_expr *plan_find_window(sb_expr *e)
{
    return walk(e, is_window, NULL);
}

static bool is_nested_aggregate(sb_expr *e, void *ctx)
{
    (void)ctx;
    if (e->kind != SB_E_FUNC || e->u.func.over) return false;
    const sb_func *f = sb_sql_func_lookup(e->u.func.name);
    if (!f || f->cls != SB_FUNC_AGGREGATE) return false;
    for (size_t i = 0; i < e->u.func.args.len; i++)
        if (plan_find_call(e->u.func.args.items[i], SB_FUNC_AGGREGATE, false)) return true;
    return e->u.func.filter && plan_find_call(e->u.func.filter, SB_FUNC_AGGREGATE, false);
}

sb_expr *plan_find_nested_aggregate(sb_expr *e)
{
    return walk(e, is_nested_aggregate, NULL);
}

/* "in3" -> 3, or -1. */
static long input_index(const char *name)
{
    if ((name[0] != 'i' && name[0] != 'I') || (name[1] != 'n' && name[1] != 'N') || !name[2])
        return -1;
    long v = 0;
    for (const char *p = name + 2; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000) return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

typedef struct input_query {
    const plan_scope *scope;
    long *index;
} input_query;

static bool is_missing_input_ref(sb_expr *e, void *ctx)
{
    input_query *q = ctx;
    if (e->kind != SB_E_COLUMN || e->u.column.nparts < 2) return false;
    long k = input_index(e->u.column.parts[0]);
    if (k < 0) return false;
    for (size_t i = 0; i < q->scope->n; i++) {
        const sb_sql_input *in = &q->scope->inputs[i];
        if (in->name && sb_str_ieq(in->name, e->u.column.parts[0])) return false;
        /* A struct column that happens to be called in2 is not an input. */
        if (sb_schema_find(in->schema, e->u.column.parts[0], NULL) >= 0) return false;
    }
    *q->index = k;
    return true;
}

sb_expr *plan_find_input_ref(sb_expr *e, const plan_scope *s, long *index)
{
    input_query q = {s, index};
    return walk(e, is_missing_input_ref, &q);
}

/* ---- checking a field ------------------------------------------------- */

/* Where each construct belongs, for hints. */
static const char *agg_hint(sb_gem_kind k)
{
    if (k == SB_GEM_WINDOW_FUNCTION) return NULL;
    return "aggregate in an Aggregate gem (groupBy + aggregates), or compute running totals "
           "in a WindowFunction gem";
}

/* What to do about an unknown ${name}: the nearest declared variable. */
static void config_hint(plan_gem *g, sb_diag *x)
{
    const sb_project *p = g->run->project;
    const char *open = strstr(x->message, "${"), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) return;
    char *name = sb_arena_strndup(g->run->a, open + 2, (size_t)(close - open - 2));
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; p && i < p->nvars; i++) {
        size_t dist = sb_edit_distance(name, p->vars[i].name);
        if (dist < best) best = dist, best_name = p->vars[i].name;
    }
    if (best_name && best <= 3 && best < strlen(name))
        sb_diag_set_hint(g->run->d, x, "did you mean `${%s}`?", best_name);
    else
        sb_diag_set_hint(g->run->d, x, "declare it under \"config\" in sibyl.json");
}

const sb_type *plan_check(plan_gem *g, sb_spec_expr *e, const plan_scope *s, unsigned allow,
                          sb_expr *const *group_by, size_t ngroup_by)
{
    if (!e->ast) return NULL; /* missing or unparsable: the loader reported it */
    plan_at_text(g, &e->src);
    sb_diags *d = g->run->d;
    const char *kind = sb_gem_kind_name(g->gem->kind);
    if (!(allow & PLAN_ALLOW_AGG)) {
        sb_expr *x = plan_find_call(e->ast, SB_FUNC_AGGREGATE, false);
        if (x && g->gem->kind == SB_GEM_AGGREGATE) {
            sb_diag *err = sb_diags_error(d, x->span, "aggregate-not-allowed",
                                          "aggregate function `%s` is not allowed in a group-by "
                                          "expression",
                                          x->u.func.name);
            sb_diag_set_hint(d, err,
                             "aggregates go under `aggregates`; group by columns or "
                             "row-level expressions");
            return NULL;
        }
        if (x) {
            sb_diag *err =
                sb_diags_error(d, x->span, "aggregate-not-allowed",
                               "aggregate function `%s` is not allowed in %s %s gem",
                               x->u.func.name, strchr("AEIOU", kind[0]) ? "an" : "a", kind);
            const char *hint = agg_hint(g->gem->kind);
            if (hint) sb_diag_set_hint(d, err, "%s", hint);
            return NULL;
        }
    }
    if (!(allow & PLAN_ALLOW_WINDOW)) {
        sb_expr *x = plan_find_window(e->ast);
        if (x) {
            sb_diag *err = sb_diags_error(d, x->span, "window-not-allowed",
                                          "window function `%s(...) OVER` is not allowed here",
                                          x->u.func.name);
            sb_diag_set_hint(d, err,
                             "compute it as a column in a WindowFunction (or Reformat) gem "
                             "before this one, then use that column");
            return NULL;
        }
    }
    if (!(allow & PLAN_ALLOW_GENERATOR)) {
        sb_expr *x = plan_find_call(e->ast, SB_FUNC_GENERATOR, true);
        if (x) {
            sb_diag *err = sb_diags_error(d, x->span, "generator-not-allowed",
                                          "`%s` turns one row into many and is not allowed here",
                                          x->u.func.name);
            sb_diag_set_hint(d, err,
                             "use it in a Reformat gem or a SchemaTransform `add` operation");
            return NULL;
        }
    }
    unsigned flags = 0;
    if (allow & PLAN_ALLOW_AGG) flags |= SB_CHECK_AGGREGATES;
    if (allow & PLAN_ALLOW_WINDOW) flags |= SB_CHECK_WINDOWS;
    if (allow & PLAN_ALLOW_GENERATOR) flags |= SB_CHECK_GENERATORS;
    sb_sql_scope scope = plan_sql_scope(g, s, flags);
    scope.group_by = group_by;
    scope.ngroup_by = ngroup_by;
    size_t errors = d->errors, before = d->items.len;
    const sb_type *t = sb_sql_check_expr(g->run->a, e->ast, &scope, d);
    if (d->errors == errors) return t;
    for (size_t i = before; i < d->items.len; i++) {
        sb_diag *x = d->items.items[i];
        if (x->code && strcmp(x->code, "unknown-config") == 0 && !x->hint) config_hint(g, x);
    }
    return NULL;
}

void plan_require_boolean(plan_gem *g, const sb_spec_expr *e, const sb_type *t, const char *what)
{
    if (!t || t->kind == SB_T_BOOLEAN) return;
    plan_at_text(g, &e->src);
    sb_diag *err = sb_diags_error(g->run->d, e->ast->span, "not-boolean",
                                  "%s must be a boolean, but this expression has type %s", what,
                                  sb_type_str(g->run->a, t));
    if (t->kind == SB_T_STRING || sb_type_is_numeric(t))
        sb_diag_set_hint(g->run->d, err,
                         "Spark does not treat %s values as true or false; compare them, e.g. "
                         "`%s`",
                         t->kind == SB_T_STRING ? "string" : "numeric",
                         t->kind == SB_T_STRING ? "status = 'open'" : "amount > 0");
}

/* ---- select-like lists ------------------------------------------------- */

/* Columns a generator call produces when it is the whole expression:
 * explode(array) gives one, explode(map) and posexplode two, inline one
 * per field of its structs (the checker types several columns as a struct
 * of them). *col and *nullable describe the column when there is one. */
size_t plan_generator_columns(const sb_expr *e, const sb_type **col, bool *nullable)
{
    *col = e->type;
    *nullable = e->nullable;
    if (e->kind != SB_E_FUNC || e->u.func.over || !e->type) return 1;
    const sb_func *f = sb_sql_func_lookup(e->u.func.name);
    if (!f || f->cls != SB_FUNC_GENERATOR) return 1;
    const sb_expr *arg = e->u.func.args.len == 1 ? e->u.func.args.items[0] : NULL;
    bool outer = strstr(f->name, "_outer") != NULL;
    if (arg && arg->type && arg->type->kind == SB_T_ARRAY &&
        (sb_str_ieq(f->name, "explode") || sb_str_ieq(f->name, "explode_outer"))) {
        /* Spark: the element column is nullable when the array may hold
         * nulls, or for the _outer form, which adds a null row. */
        *nullable = arg->type->contains_null || outer;
        return 1;
    }
    if (e->type->kind != SB_T_STRUCT) return 1;
    if (e->type->nfields == 1) {
        *col = e->type->fields[0].type;
        *nullable = e->type->fields[0].nullable;
    }
    return e->type->nfields;
}

/* One target/expression of a select-like list: its column, or false. */
bool plan_named_column(plan_gem *g, sb_spec_named_expr *x, const sb_type *t, plan_cols *out)
{
    plan_run *run = g->run;
    if (!x->target.text || !t) return false;
    bool nullable;
    size_t ncols = plan_generator_columns(x->expr.ast, &t, &nullable);
    if (ncols != 1) {
        plan_at_text(g, &x->expr.src);
        sb_diag *e = sb_diags_error(run->d, x->expr.ast->span, "generator-columns",
                                    "`%s` produces %zu columns (%s), but a target names one",
                                    x->expr.ast->u.func.name, ncols,
                                    plan_column_list(run->a, x->expr.ast->type));
        sb_diag_set_hint(run->d, e,
                         "use a SQLStatement gem (`SELECT %s(...) AS (a, b) FROM in0`), or a "
                         "function with one output column such as explode over an array",
                         x->expr.ast->u.func.name);
        return false;
    }
    if (plan_cols_find(out, x->target.text) >= 0) {
        plan_at_text(g, &x->target);
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column",
                                  "column `%s` is produced twice", x->target.text);
        sb_diag_set_hint(run->d, e,
                         "every target must be a different name (names are "
                         "compared without case, as in Spark)");
        return false;
    }
    plan_cols_push(run->a, out, x->target.text, t, nullable);
    return true;
}
