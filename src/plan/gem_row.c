/*
 * gem_row.c — gems that work row by row on one input: Reformat (a select),
 * SchemaTransform (withColumn / drop / withColumnRenamed in order), Filter,
 * OrderBy, Limit, Deduplicate and RowDistributor.
 *
 * Filter, OrderBy, Limit, Deduplicate and RowDistributor pass their input's
 * columns through, so their output is known even when an expression in them
 * is wrong; downstream gems are still checked.
 */
#include "plan/plan_internal.h"

#include <string.h>

void plan_reformat(plan_gem *g)
{
    plan_scope s;
    plan_scope_inputs(g, &s);
    plan_cols out = {0};
    bool ok = true;
    for (size_t i = 0; i < g->gem->u.reformat.nexprs; i++) {
        sb_spec_named_expr *x = &g->gem->u.reformat.exprs[i];
        const sb_type *t =
            plan_check(g, &x->expr, &s, PLAN_ALLOW_WINDOW | PLAN_ALLOW_GENERATOR, NULL, 0);
        ok &= plan_named_column(g, x, t, &out);
    }
    plan_set_out(g, ok ? plan_cols_struct(g->run->a, &out) : NULL);
}

/* ---- SchemaTransform ------------------------------------------------------ */

static void missing_column(plan_gem *g, const sb_spec_text *col, const sb_type *schema,
                           const char *what)
{
    plan_run *run = g->run;
    plan_at_text(g, col);
    sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-column",
                              "cannot %s column `%s`: there is no such column", what, col->text);
    const char *near = plan_suggest_column(schema, col->text);
    sb_diag_set_hint(run->d, e,
                     "%s%s%sSpark would silently do nothing here, which usually hides a typo; "
                     "the columns are %s",
                     near ? "did you mean `" : "", near ? near : "", near ? "`? " : "",
                     plan_column_list(run->a, schema));
}

void plan_schema_transform(plan_gem *g)
{
    plan_run *run = g->run;
    plan_cols cur = {0};
    plan_cols_from(run->a, &cur, g->in[0]);
    const sb_type *schema = g->in[0];
    bool ok = true;
    for (size_t i = 0; i < g->gem->u.schema_transform.nops && ok; i++) {
        sb_schema_op *op = &g->gem->u.schema_transform.ops[i];
        switch (op->op) {
        case SB_SCHEMA_OP_ADD: {
            /* withColumn sees the columns as the operations before left them. */
            plan_scope s = {.n = 1};
            s.inputs[0].name = "in0";
            s.inputs[0].schema = schema;
            const sb_type *t =
                plan_check(g, &op->expr, &s, PLAN_ALLOW_WINDOW | PLAN_ALLOW_GENERATOR, NULL, 0);
            if (!t || !op->target.text) {
                ok = false;
                break;
            }
            bool nullable;
            size_t ncols = plan_generator_columns(op->expr.ast, &t, &nullable);
            if (ncols != 1) {
                plan_at_text(g, &op->expr.src);
                sb_diags_error(run->d, op->expr.ast->span, "generator-columns",
                               "`%s` produces %zu columns, but an add operation makes one",
                               op->expr.ast->u.func.name, ncols);
                ok = false;
                break;
            }
            /* Spark: withColumn on an existing name replaces it in place,
             * taking the new spelling of the name. */
            long c = plan_cols_find(&cur, op->target.text);
            if (c >= 0)
                cur.items[c] = (sb_field){op->target.text, t, nullable};
            else
                plan_cols_push(run->a, &cur, op->target.text, t, nullable);
            break;
        }
        case SB_SCHEMA_OP_DROP: {
            if (!op->column.text) {
                ok = false;
                break;
            }
            if (plan_cols_find(&cur, op->column.text) < 0) {
                missing_column(g, &op->column, schema, "drop");
                ok = false;
                break;
            }
            /* drop removes every column with that name. */
            size_t keep = 0;
            for (size_t k = 0; k < cur.len; k++)
                if (!sb_str_ieq(cur.items[k].name, op->column.text))
                    cur.items[keep++] = cur.items[k];
            cur.len = keep;
            break;
        }
        case SB_SCHEMA_OP_RENAME: {
            if (!op->column.text || !op->target.text) {
                ok = false;
                break;
            }
            long c = plan_cols_find(&cur, op->column.text);
            if (c < 0) {
                missing_column(g, &op->column, schema, "rename");
                ok = false;
                break;
            }
            long clash = plan_cols_find(&cur, op->target.text);
            if (clash >= 0 && !sb_str_ieq(cur.items[clash].name, op->column.text)) {
                plan_at_text(g, &op->target);
                sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column",
                                          "renaming `%s` to `%s` would give two columns named "
                                          "`%s`",
                                          op->column.text, op->target.text, op->target.text);
                sb_diag_set_hint(run->d, e, "drop or rename the existing `%s` first",
                                 cur.items[clash].name);
                ok = false;
                break;
            }
            for (size_t k = 0; k < cur.len; k++)
                if (sb_str_ieq(cur.items[k].name, op->column.text))
                    cur.items[k].name = op->target.text;
            break;
        }
        default:
            ok = false;
            break; /* an unknown op: reported by the loader */
        }
        if (ok) schema = plan_cols_struct(run->a, &cur);
    }
    plan_set_out(g, ok ? schema : NULL);
}

/* ---- Filter, OrderBy, Limit ------------------------------------------------ */

void plan_filter(plan_gem *g)
{
    plan_scope s;
    plan_scope_inputs(g, &s);
    sb_spec_expr *cond = &g->gem->u.filter.condition;
    const sb_type *t = plan_check(g, cond, &s, 0, NULL, 0);
    /* Spark's analyzer requires a boolean: a string or number is not cast. */
    plan_require_boolean(g, cond, t, "a Filter condition");
    plan_set_out(g, g->in[0]);
}

/* Sort keys (OrderBy, Deduplicate's orderBy): each must be orderable. */
static void check_sort_keys(plan_gem *g, const plan_scope *s, sb_spec_sort *keys, size_t n)
{
    plan_run *run = g->run;
    for (size_t i = 0; i < n; i++) {
        const sb_type *t = plan_check(g, &keys[i].expr, s, 0, NULL, 0);
        if (!t || sb_type_is_orderable(t)) continue;
        sb_diag *e = sb_diags_error(run->d, keys[i].expr.ast->span, "not-orderable",
                                    "cannot sort by a value of type %s", sb_type_str(run->a, t));
        sb_diag_set_hint(run->d, e,
                         "maps (and calendar intervals) have no order; sort by one "
                         "of their parts instead");
    }
}

void plan_order_by(plan_gem *g)
{
    plan_scope s;
    plan_scope_inputs(g, &s);
    check_sort_keys(g, &s, g->gem->u.order_by.keys, g->gem->u.order_by.nkeys);
    plan_set_out(g, g->in[0]);
}

void plan_limit(plan_gem *g)
{
    /* The loader only accepts counts >= 0; a gem built another way is
     * held to the same rule (Spark: "The limit expression must be equal to
     * or greater than 0"). */
    if (g->gem->u.limit.count < 0) {
        plan_at_gem(g, "count");
        sb_diags_add(g->run->d, SB_SEV_ERROR, "invalid-limit",
                     "the limit must be 0 or more, not %lld", (long long)g->gem->u.limit.count);
    }
    plan_set_out(g, g->in[0]);
}

/* ---- Deduplicate ----------------------------------------------------------- */

static bool has_map(const sb_type *t)
{
    return t && !sb_type_is_hashable(t);
}

void plan_deduplicate(plan_gem *g)
{
    plan_run *run = g->run;
    const sb_type *in = g->in[0];
    plan_scope s;
    plan_scope_inputs(g, &s);
    sb_dedup_mode mode = g->gem->u.dedup.mode;
    if (mode == SB_DEDUP_DISTINCT) {
        /* Spark: distinct compares whole rows, and maps cannot be compared. */
        for (size_t i = 0; i < in->nfields; i++) {
            if (!has_map(in->fields[i].type)) continue;
            plan_at_gem(g, "mode");
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "map-not-comparable",
                                      "cannot deduplicate whole rows: column `%s` has type %s, "
                                      "and maps cannot be compared",
                                      in->fields[i].name, sb_type_str(run->a, in->fields[i].type));
            sb_diag_set_hint(run->d, e,
                             "deduplicate by key columns (mode `any`), or drop the "
                             "map column first");
        }
    }
    for (size_t i = 0; i < g->gem->u.dedup.nkeys; i++) {
        sb_spec_expr *k = &g->gem->u.dedup.keys[i];
        if (!k->ast) continue;
        if (k->ast->kind != SB_E_COLUMN) {
            plan_at_text(g, &k->src);
            sb_diag *e = sb_diags_error(run->d, k->ast->span, "dedup-key",
                                        "a Deduplicate key must be a column name");
            sb_diag_set_hint(run->d, e,
                             "compute the value as a column first (Reformat or "
                             "SchemaTransform), then deduplicate on that column");
            continue;
        }
        const sb_type *t = plan_check(g, k, &s, 0, NULL, 0);
        if (t && mode == SB_DEDUP_ANY && has_map(t)) {
            sb_diags_error(run->d, k->ast->span, "map-not-comparable",
                           "cannot deduplicate on a column of type %s: maps cannot be compared",
                           sb_type_str(run->a, t));
        }
    }
    if (mode == SB_DEDUP_FIRST || mode == SB_DEDUP_LAST)
        check_sort_keys(g, &s, g->gem->u.dedup.order, g->gem->u.dedup.norder);
    plan_set_out(g, in);
}

/* ---- RowDistributor -------------------------------------------------------- */

void plan_row_distributor(plan_gem *g)
{
    plan_scope s;
    plan_scope_inputs(g, &s);
    for (size_t i = 0; i < g->gem->u.distributor.noutputs; i++) {
        sb_spec_expr *cond = &g->gem->u.distributor.outputs[i].condition;
        const sb_type *t = plan_check(g, cond, &s, 0, NULL, 0);
        plan_require_boolean(g, cond, t, "an output condition");
    }
    /* Every port carries the input's rows that match, with its columns. */
    for (size_t p = 0; p < g->gem->noutputs; p++) g->gem->out_schemas[p] = g->in[0];
}
