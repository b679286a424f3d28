/*
 * plan.c — the planner's driver: check a pipeline's graph, then type its
 * gems in topological order, one rule per gem kind (gem_*.c).
 *
 * A subgraph is typed once per use, with the caller's input schemas bound
 * to its inputs in0, in1, ...; its graph is checked once per run. The same
 * subgraph used twice with the same inputs reports the same problem once.
 */
#include "plan/plan_internal.h"

#include <string.h>

static const plan_rule rules[SB_GEM_KIND_COUNT] = {
    [SB_GEM_SOURCE] = plan_source,
    [SB_GEM_SEED] = plan_seed,
    [SB_GEM_TARGET] = plan_target,
    [SB_GEM_REFORMAT] = plan_reformat,
    [SB_GEM_SCHEMA_TRANSFORM] = plan_schema_transform,
    [SB_GEM_FILTER] = plan_filter,
    [SB_GEM_ORDER_BY] = plan_order_by,
    [SB_GEM_LIMIT] = plan_limit,
    [SB_GEM_DEDUPLICATE] = plan_deduplicate,
    [SB_GEM_AGGREGATE] = plan_aggregate,
    [SB_GEM_JOIN] = plan_join,
    [SB_GEM_SET_OPERATION] = plan_set_operation,
    [SB_GEM_WINDOW_FUNCTION] = plan_window,
    [SB_GEM_ROW_DISTRIBUTOR] = plan_row_distributor,
    [SB_GEM_SQL_STATEMENT] = plan_sql_statement,
    [SB_GEM_SCRIPT] = plan_script,
    [SB_GEM_SUBGRAPH] = plan_subgraph,
};

static const sb_type *input_schema(const sb_gem *g, size_t i, const sb_type *const *bound,
                                   size_t nbound)
{
    const sb_gem_input *in = &g->inputs[i];
    if (in->subgraph_input >= 0)
        return (size_t)in->subgraph_input < nbound ? bound[in->subgraph_input] : NULL;
    const sb_gem *from = in->from;
    if (!from || !from->out_schemas || in->from_port < 0 || (size_t)in->from_port >= from->noutputs)
        return NULL;
    return from->out_schemas[in->from_port];
}

const sb_type *sb_plan_input_schema(const sb_gem *g, size_t i)
{
    if (!g || i >= g->ninputs) return NULL;
    return input_schema(g, i, NULL, 0);
}

static void plan_gem_one(plan_run *run, sb_pipeline *pl, sb_gem *gem, const sb_type *const *bound,
                         size_t nbound)
{
    if (gem->kind >= SB_GEM_KIND_COUNT) return; /* unknown kind: reported by the loader */
    long min, max;
    plan_input_range(gem, &min, &max);
    if ((long)gem->ninputs < min || (max >= 0 && (long)gem->ninputs > max)) return;
    plan_gem g = {.run = run, .pl = pl, .gem = gem, .bound = bound, .nbound = nbound};
    g.nin = gem->ninputs;
    g.in = sb_arena_alloc(run->a, (g.nin ? g.nin : 1) * sizeof(sb_type *));
    for (size_t i = 0; i < g.nin; i++) {
        g.in[i] = input_schema(gem, i, bound, nbound);
        /* Upstream is unknown (an error there, or an unresolved input):
         * checking against a guess would only repeat that error. */
        if (!g.in[i]) return;
    }
    rules[gem->kind](&g);
}

void plan_propagate(plan_run *run, sb_pipeline *pl, const sb_type *const *bound, size_t nbound)
{
    for (size_t i = 0; i < pl->ngems; i++) {
        sb_gem *g = pl->gems[i];
        g->out_schemas =
            sb_arena_alloc(run->a, (g->noutputs ? g->noutputs : 1) * sizeof(sb_type *));
    }
    for (size_t i = 0; i < pl->norder; i++) plan_gem_one(run, pl, pl->order[i], bound, nbound);
    pl->checked = true;
}

/* ---- subgraphs ----------------------------------------------------------- */

static bool graph_checked(plan_run *run, const sb_pipeline *pl)
{
    for (size_t i = 0; i < run->graphs_checked.len; i++)
        if (run->graphs_checked.items[i] == pl) return true;
    return false;
}

static void check_graph_once(plan_run *run, sb_pipeline *pl)
{
    if (graph_checked(run, pl)) return;
    sb_vec_push(run->a, &run->graphs_checked, pl);
    plan_graph(run, pl, true);
}

static bool same_str(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

static bool same_diag(const sb_diag *x, const sb_diag *y)
{
    return x->severity == y->severity && x->line == y->line && x->col == y->col &&
           x->has_span == y->has_span &&
           (!x->has_span || (x->span.start == y->span.start && x->span.end == y->span.end)) &&
           same_str(x->file, y->file) && same_str(x->gem, y->gem) && same_str(x->field, y->field) &&
           same_str(x->message, y->message);
}

/* Drop diagnostics added since `from` that repeat an earlier one (a
 * subgraph used twice with the same problem). */
static void drop_repeats(sb_diags *d, size_t from)
{
    size_t keep = from;
    for (size_t i = from; i < d->items.len; i++) {
        sb_diag *x = d->items.items[i];
        bool repeat = false;
        for (size_t j = 0; j < keep && !repeat; j++) repeat = same_diag(d->items.items[j], x);
        if (repeat) {
            if (x->severity == SB_SEV_ERROR) d->errors--;
            if (x->severity == SB_SEV_WARNING) d->warnings--;
            continue;
        }
        d->items.items[keep++] = x;
    }
    d->items.len = keep;
}

void plan_subgraph(plan_gem *g)
{
    plan_run *run = g->run;
    const sb_spec_text *name = &g->gem->u.subgraph.name;
    const sb_pipeline *sub = g->gem->u.subgraph.subgraph;
    if (!sub && run->project && name->text) sub = sb_project_subgraph(run->project, name->text);
    if (!sub) return; /* reported by the loader */
    for (size_t i = 0; i < run->depth; i++) {
        if (run->stack[i] != sub) continue;
        sb_buf chain = SB_BUF_INIT;
        for (size_t k = i; k < run->depth; k++)
            sb_buf_printf(&chain, "`%s` -> ", run->stack[k]->name);
        sb_buf_printf(&chain, "`%s`", sub->name);
        plan_at_text(g, name);
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "recursive-subgraph",
                                  "subgraph `%s` uses itself: %s", sub->name, sb_buf_str(&chain));
        sb_diag_set_hint(run->d, e, "a subgraph cannot contain itself, directly or through others");
        sb_buf_free(&chain);
        return;
    }
    if (run->depth == SB_COUNTOF(run->stack)) {
        plan_at_text(g, name);
        sb_diags_add(run->d, SB_SEV_ERROR, "subgraph-depth",
                     "subgraphs are nested more than %zu deep", SB_COUNTOF(run->stack));
        return;
    }
    /* The planner owns the order and schemas of every pipeline it checks,
     * subgraphs included; the loader hands them out as const only because
     * gems refer to them. */
    sb_pipeline *sp = (sb_pipeline *)sub;
    check_graph_once(run, sp);
    size_t before = run->d->items.len, errors = run->d->errors;
    run->stack[run->depth++] = sub;
    plan_propagate(run, sp, g->in, g->nin);
    run->depth--;
    bool failed = run->d->errors > errors;
    drop_repeats(run->d, before);
    sb_gem *out = sp->output.text ? sb_pipeline_gem(sp, sp->output.text) : NULL;
    const sb_type *schema =
        out && out->noutputs == 1 && out->out_schemas ? out->out_schemas[0] : NULL;
    if (failed) {
        plan_at_text(g, name);
        sb_diags_add(run->d, SB_SEV_NOTE, "subgraph-errors",
                     "subgraph `%s` has errors when given this gem's inputs (see %s)", sub->name,
                     sub->file);
    }
    plan_set_out(g, schema);
}

/* ---- entry points ------------------------------------------------------- */

static bool run_init(plan_run *run, sb_arena *a, const sb_project *p, const sb_plan_options *opt,
                     sb_diags *d)
{
    memset(run, 0, sizeof(*run));
    run->a = a;
    run->d = d;
    run->project = p;
    if (opt) {
        run->no_infer = opt->no_infer;
        run->infer_max_rows = opt->infer_max_rows;
    }
    if (opt && opt->config) {
        run->config = sb_plan_find_config(p, opt->config);
        if (!run->config) {
            sb_diags_clear_context(d);
            sb_diag *e = sb_diags_add(d, SB_SEV_ERROR, "unknown-config",
                                      "configuration `%s` does not exist (no configs/%s.json)",
                                      opt->config, opt->config);
            if (p && p->nconfigs) {
                sb_buf b = SB_BUF_INIT;
                for (size_t i = 0; i < p->nconfigs; i++)
                    sb_buf_printf(&b, "%s`%s`", i ? ", " : "", p->configs[i]->name);
                sb_diag_set_hint(d, e, "the configurations are %s", sb_buf_str(&b));
                sb_buf_free(&b);
            }
            return false;
        }
    }
    return true;
}

static void plan_one(plan_run *run, sb_pipeline *pl)
{
    check_graph_once(run, pl);
    if (pl->is_subgraph) run->stack[run->depth++] = pl;
    plan_propagate(run, pl, NULL, 0);
    if (pl->is_subgraph) run->depth--;
}

int sb_plan_pipeline(sb_arena *a, const sb_project *p, sb_pipeline *pl, const sb_plan_options *opt,
                     sb_diags *d)
{
    size_t errors = d->errors;
    plan_run run;
    if (run_init(&run, a, p, opt, d)) plan_one(&run, pl);
    sb_diags_clear_context(d);
    return d->errors > errors ? -1 : 0;
}

int sb_plan_project(sb_arena *a, sb_project *p, const sb_plan_options *opt, sb_diags *d)
{
    size_t errors = d->errors;
    plan_run run;
    if (run_init(&run, a, p, opt, d)) {
        for (size_t i = 0; i < p->npipelines; i++) plan_one(&run, p->pipelines[i]);
        /* Subgraphs no pipeline uses still get their own checks, with
         * unknown inputs. */
        for (size_t i = 0; i < p->nsubgraphs; i++)
            if (!graph_checked(&run, p->subgraphs[i])) plan_one(&run, p->subgraphs[i]);
    }
    sb_diags_clear_context(d);
    return d->errors > errors ? -1 : 0;
}

int sb_plan_gem_schemas(sb_arena *a, const sb_pipeline *pl, const char *gem, sb_gem_schemas *out,
                        sb_diags *d)
{
    memset(out, 0, sizeof(*out));
    const sb_gem *g = sb_pipeline_gem(pl, gem);
    if (!g) {
        sb_diag_context ctx = {.file = pl->file};
        sb_diags_set_context(d, &ctx);
        sb_diag *e = sb_diags_add(d, SB_SEV_ERROR, "unknown-gem", "pipeline `%s` has no gem `%s`",
                                  pl->name, gem);
        size_t best = (size_t)-1;
        const char *best_name = NULL;
        for (size_t i = 0; i < pl->ngems; i++) {
            size_t dist = sb_edit_distance(gem, pl->gems[i]->name);
            if (dist < best) best = dist, best_name = pl->gems[i]->name;
        }
        if (best_name && best <= 3 && best < strlen(gem))
            sb_diag_set_hint(d, e, "did you mean `%s`?", best_name);
        sb_diags_clear_context(d);
        return -1;
    }
    out->gem = g;
    out->ninputs = g->ninputs;
    out->input_refs = sb_arena_alloc(a, (g->ninputs ? g->ninputs : 1) * sizeof(char *));
    out->inputs = sb_arena_alloc(a, (g->ninputs ? g->ninputs : 1) * sizeof(sb_type *));
    for (size_t i = 0; i < g->ninputs; i++) {
        out->input_refs[i] = g->inputs[i].ref.text ? g->inputs[i].ref.text : "?";
        out->inputs[i] = sb_plan_input_schema(g, i);
    }
    out->noutputs = g->noutputs;
    out->output_names = sb_arena_alloc(a, (g->noutputs ? g->noutputs : 1) * sizeof(char *));
    out->outputs = sb_arena_alloc(a, (g->noutputs ? g->noutputs : 1) * sizeof(sb_type *));
    for (size_t i = 0; i < g->noutputs; i++) {
        out->output_names[i] = g->outputs[i];
        out->outputs[i] = g->out_schemas ? g->out_schemas[i] : NULL;
    }
    return 0;
}
