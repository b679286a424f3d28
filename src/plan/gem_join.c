/*
 * gem_join.c — gems that combine several inputs: Join (in0 joined with in1,
 * then the result with in2, ...) and SetOperation (union, intersect,
 * except by position, or unionByName).
 *
 * Nullability follows Spark: the side of an outer join that may find no
 * match becomes nullable; a union column is nullable when any input's is;
 * intersect keeps a column non-nullable when either input's is; except
 * keeps the first input's.
 */
#include "plan/plan_internal.h"

#include <string.h>

/* Does e only name inputs it can see? `upto` is the input being joined
 * (every input for the output expressions). Says why not, precisely. */
static bool input_available(plan_gem *g, sb_spec_expr *e, const plan_scope *s,
                            const bool *contributes, size_t upto)
{
    long k;
    sb_expr *ref = plan_find_input_ref(e->ast, s, &k);
    if (!ref) return true;
    plan_run *run = g->run;
    sb_gem *gem = g->gem;
    plan_at_text(g, &e->src);
    sb_diag *err;
    (void)contributes;
    if ((size_t)k >= g->nin) {
        err = sb_diags_error(run->d, ref->span, "unknown-input",
                             "the Join has no input `in%ld`: its inputs are in0..in%zu", k,
                             g->nin - 1);
    } else if ((size_t)k > upto) {
        err = sb_diags_error(run->d, ref->span, "unknown-input",
                             "this condition joins in%zu to the inputs before it; in%ld is joined "
                             "later (by joins[%ld])",
                             upto, k, k - 1);
        sb_diag_set_hint(run->d, err, "compare in%ld's columns in the condition of joins[%ld]", k,
                         k - 1);
    } else if (k >= 1) {
        const sb_join_spec *js = &gem->u.join.joins[k - 1];
        err = sb_diags_error(run->d, ref->span, "unknown-input",
                             "in%ld is joined with %s, which keeps only the rows of the inputs "
                             "before it: its columns are not in the result",
                             k, js->type == SB_JOIN_LEFT_SEMI ? "left_semi" : "left_anti");
        sb_diag_set_hint(run->d, err, "use an inner join to keep in%ld's columns", k);
    }
    return false;
}

void plan_join(plan_gem *g)
{
    plan_run *run = g->run;
    sb_gem *gem = g->gem;
    size_t n = g->nin;
    if (!gem->u.join.joins) return; /* missing `joins`: reported by the loader */
    if (gem->u.join.njoins != n - 1) {
        plan_at_gem(g, "joins");
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "join-count",
                                  "a Join of %zu inputs needs %zu entries in `joins`, one for each "
                                  "input after in0; found %zu",
                                  n, n - 1, gem->u.join.njoins);
        sb_diag_set_hint(run->d, e, "entry i joins input in<i+1> to the inputs before it");
        return;
    }
    bool *contributes = sb_arena_alloc(run->a, n * sizeof(bool));
    bool *nullable = sb_arena_alloc(run->a, n * sizeof(bool));
    contributes[0] = true;
    bool ok = true;
    for (size_t i = 1; i < n; i++) {
        sb_join_spec *js = &gem->u.join.joins[i - 1];
        /* The condition sees the inputs joined so far and the new one;
         * a semi or anti join's right side is gone after its own join. */
        plan_scope s = {0};
        for (size_t j = 0; j <= i && s.n < SB_COUNTOF(s.inputs); j++) {
            if (j < i && !contributes[j]) continue;
            s.inputs[s.n].name = plan_in_name(run->a, j);
            s.inputs[s.n].schema = g->in[j];
            s.n++;
        }
        if (js->condition.ast && !input_available(g, &js->condition, &s, contributes, i)) {
            ok = false;
        } else if (js->condition.ast) {
            const sb_type *t = plan_check(g, &js->condition, &s, 0, NULL, 0);
            if (!t) ok = false;
            plan_require_boolean(g, &js->condition, t, "a join condition");
            if (t && t->kind != SB_T_BOOLEAN) ok = false;
        } else if (js->type != SB_JOIN_CROSS) {
            ok = false; /* missing condition: reported by the loader */
        }
        contributes[i] = true;
        switch (js->type) {
        case SB_JOIN_LEFT:
            nullable[i] = true;
            break;
        case SB_JOIN_RIGHT:
            for (size_t j = 0; j < i; j++) nullable[j] = true;
            break;
        case SB_JOIN_FULL:
            for (size_t j = 0; j <= i; j++) nullable[j] = true;
            break;
        case SB_JOIN_LEFT_SEMI:
        case SB_JOIN_LEFT_ANTI:
            contributes[i] = false;
            break;
        default:
            break;
        }
    }

    /* The inputs as they come out of the joins. */
    const sb_type **adj = sb_arena_alloc(run->a, n * sizeof(sb_type *));
    for (size_t j = 0; j < n; j++)
        adj[j] = nullable[j] ? plan_columns_nullable(run->a, g->in[j]) : g->in[j];

    plan_cols out = {0};
    if (gem->u.join.nexprs > 0) {
        plan_scope s = {0};
        for (size_t j = 0; j < n && s.n < SB_COUNTOF(s.inputs); j++) {
            if (!contributes[j]) continue;
            s.inputs[s.n].name = plan_in_name(run->a, j);
            s.inputs[s.n].schema = adj[j];
            s.n++;
        }
        for (size_t i = 0; i < gem->u.join.nexprs; i++) {
            sb_spec_named_expr *x = &gem->u.join.exprs[i];
            if (x->expr.ast && !input_available(g, &x->expr, &s, contributes, n)) {
                ok = false;
                continue;
            }
            const sb_type *t = plan_check(g, &x->expr, &s, PLAN_ALLOW_WINDOW, NULL, 0);
            ok &= plan_named_column(g, x, t, &out);
        }
    } else {
        size_t *origin = NULL;
        size_t total = 0;
        for (size_t j = 0; j < n; j++)
            if (contributes[j]) total += adj[j]->nfields;
        origin = sb_arena_alloc(run->a, (total ? total : 1) * sizeof(size_t));
        for (size_t j = 0; j < n; j++) {
            if (!contributes[j]) continue;
            for (size_t c = 0; c < adj[j]->nfields; c++) {
                const sb_field *f = &adj[j]->fields[c];
                long clash = plan_cols_find(&out, f->name);
                if (clash >= 0) {
                    plan_at_gem(g, "expressions");
                    sb_diag *e = sb_diags_add(
                        run->d, SB_SEV_ERROR, "duplicate-column",
                        "column `%s` is in both in%zu and in%zu; without `expressions` the "
                        "Join's output would have two columns of that name",
                        f->name, origin[clash], j);
                    sb_diag_set_hint(run->d, e,
                                     "add `expressions` to choose and name the output columns, "
                                     "e.g. {\"target\": \"%s\", \"expression\": \"in%zu.%s\"}",
                                     f->name, origin[clash], f->name);
                    ok = false;
                    continue;
                }
                origin[out.len] = j;
                plan_cols_push(run->a, &out, f->name, f->type, f->nullable);
            }
        }
    }
    plan_set_out(g, ok ? plan_cols_struct(run->a, &out) : NULL);
}

/* ---- SetOperation ------------------------------------------------------------ */

static const char *op_label(sb_setop_kind op)
{
    return sb_setop_kind_name(op);
}

static void widen(plan_gem *g, plan_cols *cols, size_t c, const sb_field *f, size_t input, bool *ok)
{
    plan_run *run = g->run;
    const sb_type *w = sb_type_wider_common(run->a, cols->items[c].type, f->type);
    if (w) {
        cols->items[c].type = w;
        return;
    }
    plan_at_text(g, &g->gem->inputs[input].ref);
    sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "incompatible-types",
                              "column `%s` has type %s in in0 but %s in in%zu, and Spark has no "
                              "common type for them",
                              cols->items[c].name, sb_type_str(run->a, cols->items[c].type),
                              sb_type_str(run->a, f->type), input);
    if (sb_type_castable(f->type, cols->items[c].type))
        sb_diag_set_hint(run->d, e, "cast it before the SetOperation, e.g. `CAST(%s AS %s)`",
                         f->name, sb_type_str(run->a, cols->items[c].type));
    else
        sb_diag_set_hint(run->d, e, "make the columns' types match before the SetOperation");
    *ok = false;
}

static void by_position(plan_gem *g, plan_cols *cols, bool *ok)
{
    plan_run *run = g->run;
    sb_setop_kind op = g->gem->u.setop.op;
    for (size_t i = 1; i < g->nin; i++) {
        const sb_type *in = g->in[i];
        if (in->nfields != cols->len) {
            plan_at_text(g, &g->gem->inputs[i].ref);
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "column-count",
                                      "%s needs the same number of columns in every input: in0 "
                                      "has %zu, in%zu has %zu",
                                      op_label(op), cols->len, i, in->nfields);
            if (op == SB_SETOP_UNION_ALL)
                sb_diag_set_hint(run->d, e,
                                 "columns are matched by position; use unionByName "
                                 "with allowMissingColumns to match them by name");
            *ok = false;
            continue;
        }
        for (size_t c = 0; c < cols->len; c++) {
            const sb_field *f = &in->fields[c];
            widen(g, cols, c, f, i, ok);
            if (op == SB_SETOP_UNION_ALL)
                cols->items[c].nullable |= f->nullable;
            else if (op == SB_SETOP_INTERSECT || op == SB_SETOP_INTERSECT_ALL)
                cols->items[c].nullable &= f->nullable;
        }
    }
}

static void by_name(plan_gem *g, plan_cols *cols, bool *ok)
{
    plan_run *run = g->run;
    bool allow = g->gem->u.setop.allow_missing;
    for (size_t i = 1; i < g->nin; i++) {
        const sb_type *in = g->in[i];
        size_t before = cols->len;
        bool *seen = sb_arena_alloc(run->a, (before + in->nfields + 1) * sizeof(bool));
        for (size_t k = 0; k < in->nfields; k++) {
            const sb_field *f = &in->fields[k];
            long c = plan_cols_find(cols, f->name);
            if (c >= 0 && (size_t)c < before) {
                seen[c] = true;
                widen(g, cols, (size_t)c, f, i, ok);
                cols->items[c].nullable |= f->nullable;
                continue;
            }
            if (allow) {
                /* Spark appends a column the first input lacks, null there. */
                seen[cols->len] = true;
                plan_cols_push(run->a, cols, f->name, f->type, true);
                continue;
            }
            plan_at_text(g, &g->gem->inputs[i].ref);
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-column",
                                      "column `%s` of in%zu is not a column of in0", f->name, i);
            const char *near = plan_suggest_column(g->in[0], f->name);
            if (near)
                sb_diag_set_hint(run->d, e,
                                 "did you mean `%s`? unionByName matches names "
                                 "(without case)",
                                 near);
            else
                sb_diag_set_hint(run->d, e,
                                 "set allowMissingColumns to fill columns an input "
                                 "lacks with nulls");
            *ok = false;
        }
        for (size_t c = 0; c < before; c++) {
            if (seen[c]) continue;
            if (allow) {
                cols->items[c].nullable = true;
                continue;
            }
            plan_at_text(g, &g->gem->inputs[i].ref);
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "missing-column",
                                      "in%zu has no column `%s`, which unionByName needs", i,
                                      cols->items[c].name);
            sb_diag_set_hint(run->d, e, "set allowMissingColumns to fill it with nulls");
            *ok = false;
        }
    }
}

void plan_set_operation(plan_gem *g)
{
    plan_run *run = g->run;
    sb_setop_kind op = g->gem->u.setop.op;
    plan_cols cols = {0};
    plan_cols_from(run->a, &cols, g->in[0]);
    bool ok = true;
    if (op == SB_SETOP_UNION_BY_NAME)
        by_name(g, &cols, &ok);
    else
        by_position(g, &cols, &ok);
    if (ok && op != SB_SETOP_UNION_ALL && op != SB_SETOP_UNION_BY_NAME) {
        /* Spark: SET_OPERATION_ON_MAP_TYPE — intersect and except compare rows. */
        for (size_t c = 0; c < cols.len; c++) {
            if (sb_type_is_hashable(cols.items[c].type)) continue;
            plan_at_gem(g, "operation");
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "map-not-comparable",
                                      "%s compares whole rows, but column `%s` has type %s and "
                                      "maps cannot be compared",
                                      op_label(op), cols.items[c].name,
                                      sb_type_str(run->a, cols.items[c].type));
            sb_diag_set_hint(run->d, e, "drop or convert the map column first");
            ok = false;
        }
    }
    plan_set_out(g, ok ? plan_cols_struct(run->a, &cols) : NULL);
}
