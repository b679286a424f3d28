/*
 * gem_window.c — the WindowFunction gem: one window (partitionBy, orderBy,
 * frame) and a list of window or aggregate functions evaluated over it,
 * added to the input's columns (a target naming an input column replaces
 * it, as withColumn does).
 *
 * Each expression is written without OVER; it is type-checked as if the
 * gem's window were its OVER clause. The frame is checked here with
 * Spark's rules (WindowFrame / ResolveWindowFrame / CheckAnalysis):
 *   - a range frame needs an orderBy; one with offsets needs exactly one
 *     numeric orderBy key;
 *   - row_number, rank, dense_rank, percent_rank, cume_dist and ntile take
 *     only `rows between unboundedPreceding and currentRow`; lag and lead
 *     only the single row at their offset;
 *   - ranking and offset functions need an orderBy.
 */
#include "plan/plan_internal.h"

#include <stdlib.h>
#include <string.h>

static bool is_rank_like(const char *name)
{
    static const char *const names[] = {"row_number",   "rank",      "dense_rank",
                                        "percent_rank", "cume_dist", "ntile"};
    for (size_t i = 0; i < SB_COUNTOF(names); i++)
        if (sb_str_ieq(name, names[i])) return true;
    return false;
}

/* lag(x[, offset]) / lead(x[, offset]): the offset when written as an
 * integer literal (default 1); false when not literal. */
static bool offset_of(const sb_expr *call, long long *out)
{
    *out = 1;
    if (call->u.func.args.len < 2) return true;
    const sb_expr *o = call->u.func.args.items[1];
    bool neg = false;
    if (o->kind == SB_E_UNARY && o->u.unary.op == SB_OP_NEG) {
        neg = true;
        o = o->u.unary.arg;
    }
    if (o->kind != SB_E_LITERAL || o->u.lit.kind != SB_LIT_INTEGER || !o->u.lit.text) return false;
    *out = strtoll(o->u.lit.text, NULL, 10);
    if (neg) *out = -*out;
    return true;
}

static const char *frame_text(sb_arena *a, const sb_frame_spec *f)
{
    const char *start = f->start_unbounded ? "unboundedPreceding"
                        : f->start == 0    ? "currentRow"
                                           : sb_arena_printf(a, "%lld", (long long)f->start);
    const char *end = f->end_unbounded ? "unboundedFollowing"
                      : f->end == 0    ? "currentRow"
                                       : sb_arena_printf(a, "%lld", (long long)f->end);
    return sb_arena_printf(a, "%s from %s to %s", f->type == SB_FRAME_RANGE ? "range" : "rows",
                           start, end);
}

/* The frame against the order keys; false after an error. */
static bool check_frame(plan_gem *g, const sb_type *const *order_types, size_t norder,
                        const sb_spec_sort *order)
{
    plan_run *run = g->run;
    const sb_frame_spec *f = &g->gem->u.window.frame;
    if (!f->present) return true;
    if (f->type == SB_FRAME_ROWS) {
        bool big = (!f->start_unbounded && llabs(f->start) > 2147483647LL) ||
                   (!f->end_unbounded && llabs(f->end) > 2147483647LL);
        if (big) {
            plan_at_gem(g, "frame");
            sb_diags_add(run->d, SB_SEV_ERROR, "invalid-frame",
                         "a rows frame's offsets must fit in an int");
            return false;
        }
        if (norder == 0) {
            plan_at_gem(g, "frame");
            sb_diag *w = sb_diags_add(run->d, SB_SEV_WARNING, "unordered-frame",
                                      "a rows frame without orderBy counts rows in no particular "
                                      "order, so results can change between runs");
            sb_diag_set_hint(run->d, w, "add orderBy keys");
        }
        return true;
    }
    if (norder == 0) {
        plan_at_gem(g, "frame");
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "invalid-frame",
                                  "a range frame needs orderBy: its bounds are values of the "
                                  "order key");
        sb_diag_set_hint(run->d, e, "add an orderBy key, or use a rows frame");
        return false;
    }
    bool offsets = (!f->start_unbounded && f->start != 0) || (!f->end_unbounded && f->end != 0);
    if (!offsets) return true;
    if (norder != 1) {
        plan_at_gem(g, "frame");
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "invalid-frame",
                                  "a range frame with offsets needs exactly one orderBy key, "
                                  "found %zu",
                                  norder);
        sb_diag_set_hint(run->d, e, "use a rows frame, or order by a single numeric column");
        return false;
    }
    if (order_types[0] && !sb_type_is_numeric(order_types[0])) {
        plan_at_gem(g, "frame");
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "invalid-frame",
                                  "a range frame with offsets needs a numeric orderBy key, but "
                                  "it has type %s",
                                  sb_type_str(run->a, order_types[0]));
        if (sb_type_is_datetime(order_types[0]))
            sb_diag_set_hint(run->d, e,
                             "order by a number of days, e.g. "
                             "`datediff(%s, date'1970-01-01')`",
                             order[0].expr.src.text ? order[0].expr.src.text : "day");
        return false;
    }
    return true;
}

/* The checks Spark makes on a window function against its window; false
 * after an error. */
static bool check_function(plan_gem *g, sb_spec_named_expr *x, const sb_func *f, size_t norder,
                           bool frame_ok)
{
    plan_run *run = g->run;
    sb_expr *call = x->expr.ast;
    const sb_frame_spec *fr = &g->gem->u.window.frame;
    if (call->u.func.over) {
        sb_diag *e = sb_diags_error(run->d, call->span, "window-over",
                                    "write `%s(...)` without OVER: the gem's partitionBy, orderBy "
                                    "and frame are its window",
                                    call->u.func.name);
        sb_diag_set_hint(run->d, e, "for a different window, use another WindowFunction gem");
        return false;
    }
    for (size_t i = 0; i < call->u.func.args.len; i++) {
        sb_expr *arg = call->u.func.args.items[i];
        sb_expr *inner = plan_find_call(arg, SB_FUNC_AGGREGATE, false);
        if (!inner) inner = plan_find_call(arg, SB_FUNC_WINDOW, true);
        if (!inner) inner = plan_find_window(arg);
        if (inner) {
            sb_diags_error(run->d, inner->span, "nested-window",
                           "`%s` cannot be used inside the arguments of `%s`", inner->u.func.name,
                           call->u.func.name);
            return false;
        }
    }
    if (f->cls != SB_FUNC_WINDOW) return true;
    if (norder == 0) {
        sb_diag *e = sb_diags_error(run->d, call->span, "window-needs-order",
                                    "`%s()` needs the window to be ordered", f->name);
        sb_diag_set_hint(run->d, e, "add orderBy keys to the gem");
        return false;
    }
    if (!fr->present || !frame_ok) return true;
    bool rank = is_rank_like(f->name);
    bool lag = sb_str_ieq(f->name, "lag"), lead = sb_str_ieq(f->name, "lead");
    if (!rank && !lag && !lead) return true;
    bool matches;
    const char *required;
    if (rank) {
        matches =
            fr->type == SB_FRAME_ROWS && fr->start_unbounded && !fr->end_unbounded && fr->end == 0;
        required = "rows from unboundedPreceding to currentRow";
    } else {
        long long off;
        if (!offset_of(call, &off)) return true; /* the checker judges a computed offset */
        long long at = lag ? -off : off;
        matches = fr->type == SB_FRAME_ROWS && !fr->start_unbounded && !fr->end_unbounded &&
                  fr->start == at && fr->end == at;
        required = sb_arena_printf(run->a, "rows from %lld to %lld", at, at);
    }
    if (matches) return true;
    sb_diag *e = sb_diags_error(run->d, call->span, "window-frame",
                                "`%s()` cannot use the frame %s: Spark requires %s", f->name,
                                frame_text(run->a, fr), required);
    sb_diag_set_hint(run->d, e, "remove `frame`, or put `%s` in a WindowFunction gem of its own",
                     f->name);
    return false;
}

void plan_window(plan_gem *g)
{
    plan_run *run = g->run;
    sb_gem *gem = g->gem;
    plan_scope s;
    plan_scope_inputs(g, &s);
    bool ok = true;

    sb_window *w = sb_arena_alloc(run->a, sizeof(*w));
    for (size_t i = 0; i < gem->u.window.npartition_by; i++) {
        sb_spec_expr *p = &gem->u.window.partition_by[i];
        if (!plan_check(g, p, &s, 0, NULL, 0)) ok = false;
        if (p->ast) sb_vec_push(run->a, &w->partition_by, p->ast);
    }
    size_t norder = gem->u.window.norder_by;
    const sb_type **order_types = sb_arena_alloc(run->a, (norder ? norder : 1) * sizeof(sb_type *));
    for (size_t i = 0; i < norder; i++) {
        sb_spec_sort *k = &gem->u.window.order_by[i];
        const sb_type *t = plan_check(g, &k->expr, &s, 0, NULL, 0);
        order_types[i] = t;
        if (!t) {
            ok = false;
        } else if (!sb_type_is_orderable(t)) {
            sb_diags_error(run->d, k->expr.ast->span, "not-orderable",
                           "cannot order a window by a value of type %s", sb_type_str(run->a, t));
            ok = false;
        }
        if (!k->expr.ast) continue;
        sb_sort_key *key = sb_arena_alloc(run->a, sizeof(*key));
        key->expr = k->expr.ast;
        key->descending = k->descending;
        key->nulls_explicit = k->nulls_explicit;
        key->nulls_first = k->nulls_first;
        key->span = k->expr.ast->span;
        sb_vec_push(run->a, &w->order_by, key);
    }
    bool frame_ok = check_frame(g, order_types, norder, gem->u.window.order_by);
    ok &= frame_ok;
    /* The frame is not handed to the expression checker: it was checked
     * above, and its bounds have no place in the expression's text. */
    w->frame = SB_FRAME_NONE;

    plan_cols cur = {0};
    plan_cols_from(run->a, &cur, g->in[0]);
    plan_cols added = {0};
    for (size_t i = 0; i < gem->u.window.nexprs; i++) {
        sb_spec_named_expr *x = &gem->u.window.exprs[i];
        sb_expr *call = x->expr.ast;
        if (!call || !x->target.text) {
            ok = false;
            continue;
        }
        const sb_func *f = call->kind == SB_E_FUNC ? sb_sql_func_lookup(call->u.func.name) : NULL;
        if (call->kind == SB_E_FUNC && !f) {
            /* Unknown function: let the checker say so, with its suggestion. */
            plan_check(g, &x->expr, &s, PLAN_ALLOW_WINDOW, NULL, 0);
            ok = false;
            continue;
        }
        plan_at_text(g, &x->expr.src);
        if (!f || (f->cls != SB_FUNC_WINDOW && f->cls != SB_FUNC_AGGREGATE)) {
            sb_diag *e = sb_diags_error(run->d, call->span, "not-window-function",
                                        "a WindowFunction expression must be a window function "
                                        "(row_number(), rank(), lag(x, 1), ...) or an aggregate "
                                        "(sum(x), count(*), ...)");
            sb_diag_set_hint(run->d, e,
                             "compute other expressions from its result in a "
                             "Reformat or SchemaTransform after this gem");
            ok = false;
            continue;
        }
        if (!check_function(g, x, f, norder, frame_ok)) {
            ok = false;
            continue;
        }
        /* Check a copy that has the gem's window as its OVER clause, then
         * copy the results back so the spec's tree stays as written. */
        sb_expr *copy = sb_arena_alloc(run->a, sizeof(*copy));
        *copy = *call;
        copy->u.func.over = w;
        sb_spec_expr with_over = {.src = x->expr.src, .ast = copy};
        const sb_type *t = plan_check(g, &with_over, &s, PLAN_ALLOW_WINDOW, NULL, 0);
        sb_window *own = call->u.func.over;
        *call = *copy;
        call->u.func.over = own;
        if (!t) {
            ok = false;
            continue;
        }
        if (plan_cols_find(&added, x->target.text) >= 0) {
            plan_at_text(g, &x->target);
            sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column", "column `%s` is produced twice",
                         x->target.text);
            ok = false;
            continue;
        }
        plan_cols_push(run->a, &added, x->target.text, t, copy->nullable);
        long c = plan_cols_find(&cur, x->target.text);
        if (c >= 0)
            cur.items[c] = (sb_field){x->target.text, t, copy->nullable};
        else
            plan_cols_push(run->a, &cur, x->target.text, t, copy->nullable);
    }
    plan_set_out(g, ok ? plan_cols_struct(run->a, &cur) : NULL);
}
