/*
 * gem_aggregate.c — the Aggregate gem: groupBy(...).agg(...), optionally
 * with pivot(column, values).
 *
 * Output: the group columns, then the aggregates. With a pivot, one column
 * per pivot value (named as Spark prints the value), or with several
 * aggregates one per value and aggregate, named `<value>_<target>` — the
 * names Spark's ResolvePivot gives aliased aggregates.
 */
#include "plan/plan_internal.h"

#include <string.h>

/* The type Spark gives a Python/JSON scalar passed as a pivot value. */
static const sb_type *pivot_value_type(const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_NULL:
        return sb_type_of(SB_T_NULL);
    case SB_JSON_BOOL:
        return sb_type_of(SB_T_BOOLEAN);
    case SB_JSON_STRING:
        return sb_type_of(SB_T_STRING);
    case SB_JSON_NUMBER:
        if (!v->u.number.is_integer) return sb_type_of(SB_T_DOUBLE);
        /* A Python int becomes an int literal when it fits, else a bigint. */
        return v->u.number.value >= -2147483648.0 && v->u.number.value <= 2147483647.0
                   ? sb_type_of(SB_T_INT)
                   : sb_type_of(SB_T_LONG);
    default:
        return NULL;
    }
}

/* Spark pivots with PivotFirst (every output nullable) when every aggregate
 * has one of these types; otherwise each aggregate is evaluated with
 * `if(pivot = value, x, null)` and keeps its own nullability. */
static bool pivot_first_type(const sb_type *t)
{
    switch (t->kind) {
    case SB_T_BOOLEAN:
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG:
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
    case SB_T_DECIMAL:
        return true;
    default:
        return false;
    }
}

static bool pivot_columns(plan_gem *g, const sb_type *pivot_type, plan_cols *out,
                          const plan_cols *aggs)
{
    plan_run *run = g->run;
    const sb_json *values = g->gem->u.aggregate.pivot_values;
    if (!values || values->kind != SB_JSON_ARRAY) return false;
    bool ok = true, first = true;
    for (size_t k = 0; k < aggs->len; k++) first &= pivot_first_type(aggs->items[k].type);
    for (size_t i = 0; i < values->u.array.len; i++) {
        const sb_json *v = values->u.array.items[i];
        const sb_type *vt = pivot_value_type(v);
        if (!vt) {
            ok = false; /* reported by the loader */
            continue;
        }
        const char *field = sb_arena_printf(run->a, "pivot.values[%zu]", i);
        if (pivot_type && !sb_type_castable(vt, pivot_type)) {
            plan_at(run, g->pl, g->gem, field, v->line, v->col);
            sb_diags_add(run->d, SB_SEV_ERROR, "pivot-value",
                         "pivot value %s (%s) cannot be compared with the pivot column, which "
                         "has type %s",
                         plan_pivot_value_name(run->a, v), sb_type_str(run->a, vt),
                         sb_type_str(run->a, pivot_type));
            ok = false;
            continue;
        }
        const char *vname = plan_pivot_value_name(run->a, v);
        for (size_t k = 0; k < aggs->len; k++) {
            const sb_field *agg = &aggs->items[k];
            const char *name =
                aggs->len == 1 ? vname : sb_arena_printf(run->a, "%s_%s", vname, agg->name);
            if (plan_cols_find(out, name) >= 0) {
                plan_at(run, g->pl, g->gem, field, v->line, v->col);
                sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column",
                                          "the pivot makes column `%s` twice", name);
                sb_diag_set_hint(run->d, e,
                                 "pivot values and group columns must give distinct "
                                 "names");
                ok = false;
                continue;
            }
            plan_cols_push(run->a, out, name, agg->type, first ? true : agg->nullable);
        }
    }
    return ok;
}

void plan_aggregate(plan_gem *g)
{
    plan_run *run = g->run;
    sb_gem *gem = g->gem;
    plan_scope s;
    plan_scope_inputs(g, &s);
    plan_cols out = {0};
    bool ok = true;

    size_t ngroups = gem->u.aggregate.ngroup_by;
    sb_expr **groups = sb_arena_alloc(run->a, (ngroups ? ngroups : 1) * sizeof(sb_expr *));
    size_t nvalid = 0;
    for (size_t i = 0; i < ngroups; i++) {
        sb_spec_named_expr *x = &gem->u.aggregate.group_by[i];
        const sb_type *t = plan_check(g, &x->expr, &s, 0, NULL, 0);
        if (t && !sb_type_is_orderable(t)) {
            /* Spark: GROUP_EXPRESSION_TYPE_IS_NOT_ORDERABLE. */
            sb_diag *e =
                sb_diags_error(run->d, x->expr.ast->span, "not-groupable",
                               "cannot group by a value of type %s", sb_type_str(run->a, t));
            sb_diag_set_hint(run->d, e,
                             "maps cannot be compared; group by one of their parts, "
                             "e.g. `map_keys(...)` sorted, or `to_json(...)`");
            t = NULL;
        }
        ok &= plan_named_column(g, x, t, &out);
        if (x->expr.ast) groups[nvalid++] = x->expr.ast;
    }

    const sb_type *pivot_type = NULL;
    if (gem->u.aggregate.has_pivot) {
        pivot_type = plan_check(g, &gem->u.aggregate.pivot_column, &s, 0, NULL, 0);
        if (!pivot_type) ok = false;
    }

    plan_cols aggs = {0};
    for (size_t i = 0; i < gem->u.aggregate.naggregates; i++) {
        sb_spec_named_expr *x = &gem->u.aggregate.aggregates[i];
        if (x->expr.ast) {
            sb_expr *nested = plan_find_nested_aggregate(x->expr.ast);
            if (nested) {
                plan_at_text(g, &x->expr.src);
                sb_diag *e = sb_diags_error(run->d, nested->span, "nested-aggregate",
                                            "an aggregate function cannot contain another "
                                            "aggregate function");
                sb_diag_set_hint(run->d, e,
                                 "aggregate in two Aggregate gems, one after the "
                                 "other");
                ok = false;
                continue;
            }
        }
        const sb_type *t = plan_check(g, &x->expr, &s, PLAN_ALLOW_AGG, groups, nvalid);
        if (gem->u.aggregate.has_pivot) {
            /* Pivoted aggregates are named by value; only their targets
             * must be distinct. */
            if (!t || !x->target.text) {
                ok = false;
                continue;
            }
            if (plan_cols_find(&aggs, x->target.text) >= 0) {
                plan_at_text(g, &x->target);
                sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column",
                             "column `%s` is produced twice", x->target.text);
                ok = false;
                continue;
            }
            plan_cols_push(run->a, &aggs, x->target.text, t, x->expr.ast->nullable);
        } else {
            ok &= plan_named_column(g, x, t, &out);
        }
    }
    if (ok && gem->u.aggregate.has_pivot) ok = pivot_columns(g, pivot_type, &out, &aggs);
    plan_set_out(g, ok ? plan_cols_struct(run->a, &out) : NULL);
}
