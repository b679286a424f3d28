/*
 * graph.c — a pipeline as a graph: which output feeds which input, whether
 * every gem has the inputs its kind takes, whether there is a cycle, the
 * order in which the gems run, and which gems compute something nobody
 * uses.
 *
 * Gems are kept sorted by name (the loader sorts them), so a gem's index is
 * its rank by name: names resolve by binary search, and a topological sort
 * that always takes the smallest ready index is deterministic and breaks
 * ties by name. Everything here is linear in gems + edges.
 */
#include "plan/plan_internal.h"

#include <stdlib.h>
#include <string.h>

/* Index of the gem called name, or -1. */
static long find_gem(const sb_pipeline *pl, const char *name)
{
    size_t lo = 0, hi = pl->ngems;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(pl->gems[mid]->name, name);
        if (c == 0) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* "in3" -> 3; -1 when name is not a subgraph input name. */
static long subgraph_input_index(const char *name)
{
    if (name[0] != 'i' || name[1] != 'n' || !name[2]) return -1;
    long v = 0;
    for (const char *p = name + 2; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000) return -1;
        v = v * 10 + (*p - '0');
    }
    if (name[2] == '0' && name[3]) return -1; /* "in01" is not an input name */
    return v;
}

static const char *nearest_gem(const sb_pipeline *pl, const char *name)
{
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; i < pl->ngems; i++) {
        size_t dist = sb_edit_distance(name, pl->gems[i]->name);
        if (dist < best) best = dist, best_name = pl->gems[i]->name;
    }
    size_t len = strlen(name);
    return best_name && best <= 3 && best < len ? best_name : NULL;
}

static const char *port_list(sb_arena *a, const sb_gem *g)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < g->noutputs; i++) {
        if (i) sb_buf_puts(&b, i + 1 == g->noutputs ? " and " : ", ");
        sb_buf_printf(&b, "`%s.%s`", g->name, g->outputs[i]);
    }
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

void plan_input_range(const sb_gem *g, long *min, long *max)
{
    switch (g->kind) {
    case SB_GEM_SOURCE:
    case SB_GEM_SEED:
        *min = 0, *max = 0;
        return;
    case SB_GEM_TARGET:
    case SB_GEM_REFORMAT:
    case SB_GEM_SCHEMA_TRANSFORM:
    case SB_GEM_FILTER:
    case SB_GEM_ORDER_BY:
    case SB_GEM_LIMIT:
    case SB_GEM_DEDUPLICATE:
    case SB_GEM_AGGREGATE:
    case SB_GEM_WINDOW_FUNCTION:
    case SB_GEM_ROW_DISTRIBUTOR:
        *min = 1, *max = 1;
        return;
    case SB_GEM_JOIN:
    case SB_GEM_SET_OPERATION:
        *min = 2, *max = -1;
        return;
    case SB_GEM_SUBGRAPH:
        if (g->u.subgraph.subgraph) {
            *min = *max = (long)g->u.subgraph.subgraph->ninputs;
            return;
        }
        *min = 0, *max = -1;
        return;
    case SB_GEM_SQL_STATEMENT:
    case SB_GEM_SCRIPT:
    case SB_GEM_KIND_COUNT:
        *min = 0, *max = -1;
        return;
    }
    *min = 0, *max = -1;
}

static void check_input_count(plan_run *run, const sb_pipeline *pl, const sb_gem *g)
{
    long min, max;
    plan_input_range(g, &min, &max);
    long n = (long)g->ninputs;
    if (n >= min && (max < 0 || n <= max)) return;
    const char *kind = sb_gem_kind_name(g->kind);
    /* Point at the first input too many, or at the gem when some are missing. */
    if (max >= 0 && n > max) {
        const sb_spec_text *ref = &g->inputs[max].ref;
        plan_at(run, pl, g, ref->field ? ref->field : "inputs", ref->line ? ref->line : g->line,
                ref->line ? ref->col : g->col);
    } else {
        plan_at(run, pl, g, "inputs", g->line, g->col);
    }
    sb_diag *e;
    if (g->kind == SB_GEM_SUBGRAPH)
        e = sb_diags_add(run->d, SB_SEV_ERROR, "input-count",
                         "subgraph `%s` takes %ld input%s, but the gem has %ld",
                         g->u.subgraph.name.text, min, min == 1 ? "" : "s", n);
    else if (max == 0)
        e = sb_diags_add(run->d, SB_SEV_ERROR, "input-count",
                         "a %s gem takes no inputs, but this one has %ld", kind, n);
    else if (max < 0)
        e = sb_diags_add(run->d, SB_SEV_ERROR, "input-count",
                         "a %s gem takes at least %ld inputs, but this one has %ld", kind, min, n);
    else
        e = sb_diags_add(run->d, SB_SEV_ERROR, "input-count",
                         "a %s gem takes exactly %ld input%s, but this one has %ld", kind, min,
                         min == 1 ? "" : "s", n);
    if (max == 0)
        sb_diag_set_hint(run->d, e, "remove its `inputs`");
    else if (n == 0)
        sb_diag_set_hint(run->d, e, "list the upstream gems under `inputs`, e.g. [\"orders\"]");
}

/* A min-heap of gem indices: the ready gem with the smallest name first. */
typedef struct heap {
    size_t *v;
    size_t len;
} heap;

static void heap_push(heap *h, size_t x)
{
    size_t i = h->len++;
    h->v[i] = x;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent] <= h->v[i]) break;
        size_t t = h->v[parent];
        h->v[parent] = h->v[i];
        h->v[i] = t;
        i = parent;
    }
}

static size_t heap_pop(heap *h)
{
    size_t top = h->v[0];
    h->v[0] = h->v[--h->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->v[l] < h->v[m]) m = l;
        if (r < h->len && h->v[r] < h->v[m]) m = r;
        if (m == i) break;
        size_t t = h->v[m];
        h->v[m] = h->v[i];
        h->v[i] = t;
        i = m;
    }
    return top;
}

/* Edges of the graph in compressed form: the readers of gem j are
 * rd_gem[rd_start[j] .. rd_start[j+1]) (reading through their input rd_in). */
typedef struct graph {
    size_t n;
    long **from;      /* from[i][k]: index of the gem feeding input k of gem i, or -1 */
    size_t *rd_start; /* n + 1 */
    size_t *rd_gem;
    size_t *rd_in;
} graph;

/* Report the cycle through the gems of one strongly connected component,
 * starting at its first gem by name: a -> b -> ... -> a, in data-flow order. */
static void report_cycle(plan_run *run, const sb_pipeline *pl, const graph *gr, const size_t *comp,
                         size_t comp_id, size_t start)
{
    /* Breadth-first search from start along reader edges inside the
     * component, back to start: the shortest cycle through it. */
    size_t n = gr->n;
    long *prev = sb_arena_alloc(run->a, n * sizeof(long));
    size_t *queue = sb_arena_alloc(run->a, n * sizeof(size_t));
    for (size_t i = 0; i < n; i++) prev[i] = -2;
    size_t qh = 0, qt = 0;
    queue[qt++] = start;
    prev[start] = -1;
    long last = -1; /* the gem whose reader edge returns to start */
    while (qh < qt && last < 0) {
        size_t j = queue[qh++];
        for (size_t e = gr->rd_start[j]; e < gr->rd_start[j + 1]; e++) {
            size_t r = gr->rd_gem[e];
            if (comp[r] != comp_id) continue;
            if (r == start) {
                last = (long)j;
                break;
            }
            if (prev[r] != -2) continue;
            prev[r] = (long)j;
            queue[qt++] = r;
        }
    }
    if (last < 0) return; /* not reachable: cannot happen inside a component */
    /* Walk back from last to start, then print forwards. */
    size_t len = 0;
    size_t *path = sb_arena_alloc(run->a, (n + 1) * sizeof(size_t));
    for (long j = last; j >= 0; j = prev[j]) path[len++] = (size_t)j;
    sb_buf b = SB_BUF_INIT;
    for (size_t i = len; i-- > 0;) sb_buf_printf(&b, "`%s` -> ", pl->gems[path[i]]->name);
    sb_buf_printf(&b, "`%s`", pl->gems[start]->name);
    /* Attribute it to start's input that closes the cycle. */
    const sb_gem *g = pl->gems[start];
    const sb_spec_text *ref = NULL;
    for (size_t k = 0; k < g->ninputs; k++)
        if (gr->from[start][k] == last) {
            ref = &g->inputs[k].ref;
            break;
        }
    if (ref)
        plan_at(run, pl, g, ref->field, ref->line, ref->col);
    else
        plan_at(run, pl, g, "inputs", g->line, g->col);
    sb_diag *e;
    if ((size_t)last == start)
        e = sb_diags_add(run->d, SB_SEV_ERROR, "cycle", "gem `%s` reads its own output", g->name);
    else
        e = sb_diags_add(run->d, SB_SEV_ERROR, "cycle", "the gems form a cycle: %s",
                         sb_buf_str(&b));
    sb_diag_set_hint(run->d, e, "a pipeline is a graph without cycles; remove one of these inputs");
    sb_buf_free(&b);
}

/* Tarjan's strongly connected components over the gems left unordered by
 * the topological sort (iterative, so deep graphs do not recurse). */
static void find_cycles(plan_run *run, const sb_pipeline *pl, const graph *gr, const bool *ordered)
{
    size_t n = gr->n;
    size_t *index = sb_arena_alloc(run->a, n * sizeof(size_t)); /* 0: unvisited */
    size_t *low = sb_arena_alloc(run->a, n * sizeof(size_t));
    size_t *comp = sb_arena_alloc(run->a, n * sizeof(size_t));
    bool *on_stack = sb_arena_alloc(run->a, n * sizeof(bool));
    size_t *stack = sb_arena_alloc(run->a, n * sizeof(size_t));
    size_t *call = sb_arena_alloc(run->a, n * sizeof(size_t));
    size_t *edge = sb_arena_alloc(run->a, n * sizeof(size_t));
    size_t sp = 0, counter = 0, ncomp = 0;
    for (size_t i = 0; i < n; i++) comp[i] = (size_t)-1;
    for (size_t root = 0; root < n; root++) {
        if (ordered[root] || index[root]) continue;
        size_t depth = 0;
        call[depth] = root;
        edge[depth] = gr->rd_start[root];
        index[root] = low[root] = ++counter;
        stack[sp++] = root;
        on_stack[root] = true;
        while (depth != (size_t)-1) {
            size_t v = call[depth];
            if (edge[depth] < gr->rd_start[v + 1]) {
                size_t w = gr->rd_gem[edge[depth]++];
                if (ordered[w]) continue;
                if (!index[w]) {
                    index[w] = low[w] = ++counter;
                    stack[sp++] = w;
                    on_stack[w] = true;
                    depth++;
                    call[depth] = w;
                    edge[depth] = gr->rd_start[w];
                } else if (on_stack[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                /* v is the root of a component: pop it. */
                size_t size = 0, first = v;
                bool self_loop = false;
                size_t w;
                do {
                    w = stack[--sp];
                    on_stack[w] = false;
                    comp[w] = ncomp;
                    if (w < first) first = w;
                    size++;
                } while (w != v);
                for (size_t e = gr->rd_start[v]; e < gr->rd_start[v + 1]; e++)
                    if (gr->rd_gem[e] == v) self_loop = true;
                if (size > 1 || self_loop) report_cycle(run, pl, gr, comp, ncomp, first);
                ncomp++;
            }
            depth--;
            if (depth != (size_t)-1) {
                size_t parent = call[depth];
                if (low[v] < low[parent]) low[parent] = low[v];
            }
        }
    }
}

/* Resolve input k of gem i; returns the upstream index or -1. */
static long resolve_input(plan_run *run, sb_pipeline *pl, size_t i, size_t k, bool diagnose)
{
    sb_gem *g = pl->gems[i];
    sb_gem_input *in = &g->inputs[k];
    in->from = NULL;
    in->from_port = -1;
    in->subgraph_input = -1;
    if (!in->gem) return -1; /* the loader reported the malformed reference */
    const sb_spec_text *ref = &in->ref;
    long j = find_gem(pl, in->gem);
    if (j < 0) {
        long sub = pl->is_subgraph ? subgraph_input_index(in->gem) : -1;
        if (sub >= 0 && (size_t)sub < pl->ninputs) {
            if (strcmp(in->port, "out") != 0 && diagnose) {
                plan_at(run, pl, g, ref->field, ref->line, ref->col);
                sb_diags_add(run->d, SB_SEV_ERROR, "unknown-port",
                             "subgraph input `%s` has no ports; write `%s`", in->gem, in->gem);
                return -1;
            }
            in->subgraph_input = (int)sub;
            return -1;
        }
        if (!diagnose) return -1;
        plan_at(run, pl, g, ref->field, ref->line, ref->col);
        if (sub >= 0) {
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-input",
                                      "input %zu names subgraph input `%s`, but the subgraph "
                                      "takes %zu input%s",
                                      k, in->gem, pl->ninputs, pl->ninputs == 1 ? "" : "s");
            sb_diag_set_hint(run->d, e, "raise the subgraph's `inputs` count, or use in0..in%zu",
                             pl->ninputs ? pl->ninputs - 1 : 0);
            return -1;
        }
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-gem",
                                  "input %zu names gem `%s`, which does not exist", k, in->gem);
        const char *near = nearest_gem(pl, in->gem);
        if (near)
            sb_diag_set_hint(run->d, e, "did you mean `%s`?", near);
        else if (pl->is_subgraph && pl->ninputs)
            sb_diag_set_hint(run->d, e, "the subgraph's own inputs are in0..in%zu",
                             pl->ninputs - 1);
        return -1;
    }
    sb_gem *from = pl->gems[j];
    if (from->kind >= SB_GEM_KIND_COUNT) return -1; /* its kind is unknown: reported */
    for (size_t p = 0; p < from->noutputs; p++) {
        if (strcmp(from->outputs[p], in->port) == 0) {
            in->from = from;
            in->from_port = (int)p;
            return j;
        }
    }
    if (diagnose) {
        plan_at(run, pl, g, ref->field, ref->line, ref->col);
        if (from->noutputs == 0) {
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-port",
                                      "input %zu reads gem `%s`, which has no output (a %s "
                                      "writes data and ends the flow)",
                                      k, from->name, sb_gem_kind_name(from->kind));
            sb_diag_set_hint(run->d, e, "read the gem that feeds `%s` instead", from->name);
        } else if (strcmp(in->port, "out") == 0 && ref->text && !strchr(ref->text, '.')) {
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-port",
                                      "gem `%s` has several outputs; input %zu must name one",
                                      from->name, k);
            sb_diag_set_hint(run->d, e, "write one of %s", port_list(run->a, from));
        } else {
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-port",
                                      "gem `%s` has no output `%s`", from->name, in->port);
            sb_diag_set_hint(run->d, e, "its output%s %s", from->noutputs == 1 ? " is" : "s are",
                             from->noutputs == 1 ? sb_arena_printf(run->a, "`%s`", from->name)
                                                 : port_list(run->a, from));
        }
    }
    return -1;
}

/* Warn about outputs nobody reads and gems whose results never reach a
 * Target (or, in a subgraph, its output gem). */
static void check_usage(plan_run *run, const sb_pipeline *pl, const graph *gr)
{
    size_t n = gr->n;
    long sink = -1;
    if (pl->is_subgraph) {
        if (!pl->output.text) return;
        sink = find_gem(pl, pl->output.text);
        if (sink < 0) return; /* reported by the loader */
        const sb_gem *out = pl->gems[sink];
        if (out->kind != SB_GEM_KIND_COUNT && out->noutputs != 1) {
            plan_at(run, pl, NULL, pl->output.field ? pl->output.field : "output", pl->output.line,
                    pl->output.col);
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "subgraph-output",
                                      "the subgraph's output must be a gem with one output, but "
                                      "`%s` is a %s with %zu",
                                      out->name, sb_gem_kind_name(out->kind), out->noutputs);
            sb_diag_set_hint(run->d, e, "add a gem after it (e.g. a Reformat) and name that one");
        }
    }
    bool any_target = false;
    for (size_t i = 0; i < n; i++)
        if (pl->gems[i]->kind == SB_GEM_TARGET) any_target = true;
    if (!pl->is_subgraph && !any_target && n > 0) {
        plan_at(run, pl, NULL, NULL, 0, 0);
        sb_diag *e = sb_diags_add(run->d, SB_SEV_WARNING, "no-target",
                                  "the pipeline has no Target gem, so nothing it computes is "
                                  "written");
        sb_diag_set_hint(run->d, e, "add a Target gem to write the result to a dataset");
    }

    /* Reverse reachability from the sinks. */
    bool *useful = sb_arena_alloc(run->a, n * sizeof(bool));
    size_t *queue = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(size_t));
    size_t qh = 0, qt = 0;
    for (size_t i = 0; i < n; i++) {
        bool is_sink = pl->is_subgraph ? (long)i == sink : pl->gems[i]->kind == SB_GEM_TARGET;
        if (is_sink) useful[i] = true, queue[qt++] = i;
    }
    while (qh < qt) {
        size_t i = queue[qh++];
        const sb_gem *g = pl->gems[i];
        for (size_t k = 0; k < g->ninputs; k++) {
            long j = gr->from[i][k];
            if (j >= 0 && !useful[j]) useful[j] = true, queue[qt++] = (size_t)j;
        }
    }

    /* Without any Target the pipeline is unfinished: one warning says so,
     * rather than one per gem. */
    if (!pl->is_subgraph && !any_target) return;
    for (size_t i = 0; i < n; i++) {
        const sb_gem *g = pl->gems[i];
        if (g->kind == SB_GEM_TARGET || (long)i == sink) continue;
        /* Which ports have readers? */
        size_t nread = 0;
        for (size_t p = 0; p < g->noutputs; p++) {
            bool read = false;
            for (size_t e = gr->rd_start[i]; e < gr->rd_start[i + 1] && !read; e++) {
                const sb_gem *r = pl->gems[gr->rd_gem[e]];
                if (r->inputs[gr->rd_in[e]].from_port == (int)p) read = true;
            }
            if (read) {
                nread++;
                continue;
            }
            plan_at(run, pl, g, NULL, g->line, g->col);
            sb_diag *w;
            if (g->noutputs == 1)
                w = sb_diags_add(run->d, SB_SEV_WARNING, "unused-output",
                                 "the output of gem `%s` is not used by any gem", g->name);
            else
                w = sb_diags_add(run->d, SB_SEV_WARNING, "unused-output",
                                 "output `%s` of gem `%s` is not used by any gem", g->outputs[p],
                                 g->name);
            sb_diag_set_hint(run->d, w,
                             pl->is_subgraph ? "connect it to the gems that lead to the output, "
                                               "or remove it"
                                             : "connect it to a gem that leads to a Target, or "
                                               "remove it");
        }
        if (nread > 0 && !useful[i]) {
            plan_at(run, pl, g, NULL, g->line, g->col);
            sb_diags_add(run->d, SB_SEV_WARNING, "unreachable-target",
                         pl->is_subgraph ? "gem `%s` does not lead to the subgraph's output"
                                         : "gem `%s` does not lead to any Target: what it "
                                           "computes is never written",
                         g->name);
        }
    }

    /* A subgraph input nobody reads. */
    if (pl->is_subgraph) {
        bool *read = sb_arena_alloc(run->a, (pl->ninputs ? pl->ninputs : 1) * sizeof(bool));
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < pl->gems[i]->ninputs; k++) {
                int s = pl->gems[i]->inputs[k].subgraph_input;
                if (s >= 0 && (size_t)s < pl->ninputs) read[s] = true;
            }
        for (size_t s = 0; s < pl->ninputs; s++) {
            if (read[s]) continue;
            plan_at(run, pl, NULL, "inputs", 0, 0);
            sb_diags_add(run->d, SB_SEV_WARNING, "unused-input",
                         "subgraph input `in%zu` is not read by any gem", s);
        }
    }
}

void plan_graph(plan_run *run, sb_pipeline *pl, bool diagnose)
{
    size_t n = pl->ngems;
    graph gr = {.n = n};
    gr.from = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(long *));
    gr.rd_start = sb_arena_alloc(run->a, (n + 1) * sizeof(size_t));
    size_t nedges = 0;
    for (size_t i = 0; i < n; i++) {
        sb_gem *g = pl->gems[i];
        gr.from[i] = sb_arena_alloc(run->a, (g->ninputs ? g->ninputs : 1) * sizeof(long));
        for (size_t k = 0; k < g->ninputs; k++) {
            long j = resolve_input(run, pl, i, k, diagnose);
            gr.from[i][k] = j;
            if (j >= 0) gr.rd_start[j + 1]++, nedges++;
        }
        if (diagnose) check_input_count(run, pl, g);
    }
    for (size_t j = 0; j < n; j++) gr.rd_start[j + 1] += gr.rd_start[j];
    gr.rd_gem = sb_arena_alloc(run->a, (nedges ? nedges : 1) * sizeof(size_t));
    gr.rd_in = sb_arena_alloc(run->a, (nedges ? nedges : 1) * sizeof(size_t));
    size_t *fill = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(size_t));
    size_t *indeg = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(size_t));
    for (size_t j = 0; j < n; j++) fill[j] = gr.rd_start[j];
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < pl->gems[i]->ninputs; k++) {
            long j = gr.from[i][k];
            if (j < 0) continue;
            gr.rd_gem[fill[j]] = i;
            gr.rd_in[fill[j]] = k;
            fill[j]++;
            indeg[i]++;
        }
    }

    /* Kahn's algorithm, smallest name first among the ready gems. */
    heap h = {.v = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(size_t))};
    bool *ordered = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(bool));
    pl->order = sb_arena_alloc(run->a, (n ? n : 1) * sizeof(sb_gem *));
    pl->norder = 0;
    for (size_t i = 0; i < n; i++)
        if (indeg[i] == 0) heap_push(&h, i);
    while (h.len) {
        size_t j = heap_pop(&h);
        ordered[j] = true;
        pl->order[pl->norder++] = pl->gems[j];
        for (size_t e = gr.rd_start[j]; e < gr.rd_start[j + 1]; e++)
            if (--indeg[gr.rd_gem[e]] == 0) heap_push(&h, gr.rd_gem[e]);
    }
    if (pl->norder < n && diagnose) find_cycles(run, pl, &gr, ordered);
    if (diagnose) check_usage(run, pl, &gr);
}
