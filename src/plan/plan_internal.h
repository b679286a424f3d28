/*
 * plan_internal.h — what the planner's files share (internal to plan/).
 *
 *   plan.c     the driver: options, subgraph instances, the gem dispatch
 *   graph.c    input resolution, input counts, cycles, order, reachability
 *   config.c   ${var} in expressions (scope callback) and in paths
 *   expr.c     checking one expression field against a scope; AST walks
 *   schema.c   building and searching column lists
 *   gem_io.c         Source, Seed, Target
 *   gem_row.c        Reformat, SchemaTransform, Filter, OrderBy, Limit,
 *                    Deduplicate, RowDistributor
 *   gem_aggregate.c  Aggregate (and pivot)
 *   gem_join.c       Join, SetOperation
 *   gem_window.c     WindowFunction
 *   gem_sql.c        SQLStatement, Script (Subgraph is in plan.c)
 *   print.c    printSchema, and values printed as Spark prints them
 */
#ifndef SB_PLAN_INTERNAL_H
#define SB_PLAN_INTERNAL_H

#include "plan/plan.h"

/* ---- one planning run (a pipeline, or a whole project) --------------- */

typedef struct plan_infer {
    const sb_dataset *ds;
    const sb_type *schema; /* NULL when inference failed (reported once) */
} plan_infer;

typedef struct plan_run {
    sb_arena *a;
    sb_diags *d;
    const sb_project *project;
    const sb_config_instance *config;
    bool no_infer;
    size_t infer_max_rows;
    sb_vec inferred;              /* plan_infer*: one entry per dataset sampled */
    sb_vec graphs_checked;        /* sb_pipeline*: subgraphs whose graph was checked */
    const sb_pipeline *stack[16]; /* subgraph instances being checked (recursion) */
    size_t depth;
} plan_run;

/* A column list being built (case-insensitive names, as Spark). */
typedef struct plan_cols {
    sb_field *items;
    size_t len, cap;
} plan_cols;

/* ---- one gem being typed ---------------------------------------------- */

typedef struct plan_gem {
    plan_run *run;
    sb_pipeline *pl;
    sb_gem *gem;
    const sb_type **in; /* schema of each input (NULL: unknown) */
    size_t nin;
    const sb_type *const *bound; /* a subgraph instance's input schemas */
    size_t nbound;
} plan_gem;

/* A gem rule: compute gem->out_schemas from g->in (all known). */
typedef void (*plan_rule)(plan_gem *g);

/* ---- graph.c ------------------------------------------------------------ */

/* Resolve inputs, check counts, find cycles, set pl->order and warn about
 * unused outputs. `diagnose` false: compute silently (a subgraph already
 * reported once). */
void plan_graph(plan_run *run, sb_pipeline *pl, bool diagnose);

/* How many inputs a gem of this kind takes: [*min, *max] (max -1: any).
 * Subgraph gems: the subgraph's declared count when known. */
void plan_input_range(const sb_gem *g, long *min, long *max);

/* ---- plan.c ------------------------------------------------------------- */

/* Type the gems of pl in order with the given subgraph input schemas. */
void plan_propagate(plan_run *run, sb_pipeline *pl, const sb_type *const *bound, size_t nbound);

/* ---- context and diagnostics (expr.c) ---------------------------------- */

/* Attribute the next diagnostics to a field of the gem (its text's
 * position), or to the gem itself (field may be NULL). */
void plan_at_text(plan_gem *g, const sb_spec_text *t);
void plan_at_gem(plan_gem *g, const char *field);
/* Attribute to a gem of a pipeline outside of typing (graph checks). */
void plan_at(plan_run *run, const sb_pipeline *pl, const sb_gem *gem, const char *field,
             uint32_t line, uint32_t col);

/* The scope of a gem's expressions: its inputs named in0, in1, ... */
typedef struct plan_scope {
    sb_sql_input inputs[64];
    size_t n;
} plan_scope;

/* Input name "in<i>" (static for small i, else in the arena). */
const char *plan_in_name(sb_arena *a, size_t i);
/* All the gem's inputs, named in0.. */
void plan_scope_inputs(plan_gem *g, plan_scope *s);
/* Fill an sb_sql_scope with the inputs, flags and the config callback. */
sb_sql_scope plan_sql_scope(plan_gem *g, const plan_scope *s, unsigned flags);

/* What a field may contain beyond scalar expressions. */
enum {
    PLAN_ALLOW_AGG = 1 << 0,
    PLAN_ALLOW_WINDOW = 1 << 1,
    PLAN_ALLOW_GENERATOR = 1 << 2,
};

/* Check one expression field: set the context, reject aggregates, windows
 * and generators where the gem does not take them (with a hint naming the
 * gem that does), then type-check. Returns the type, or NULL when the field
 * is missing, did not parse or has errors. `group_by` as in sb_sql_scope. */
const sb_type *plan_check(plan_gem *g, sb_spec_expr *e, const plan_scope *s, unsigned allow,
                          sb_expr *const *group_by, size_t ngroup_by);

/* Report at the current context that the expression of type t is not
 * boolean (what: "the condition", "the join condition"). */
void plan_require_boolean(plan_gem *g, const sb_spec_expr *e, const sb_type *t, const char *what);

/* AST walk (subqueries not entered): the first call of a function of the
 * catalogue class cls; calls with an OVER clause count only when
 * in_windows. NULL when there is none. */
sb_expr *plan_find_call(sb_expr *e, sb_func_class cls, bool in_windows);
/* The first OVER (...) expression. */
sb_expr *plan_find_window(sb_expr *e);
/* The first aggregate call with another aggregate inside its arguments. */
sb_expr *plan_find_nested_aggregate(sb_expr *e);
/* The first column qualified by an input name in<k> that the scope does
 * not hold (k in *index), or NULL. */
sb_expr *plan_find_input_ref(sb_expr *e, const plan_scope *s, long *index);

/* Columns produced by a generator that is the whole expression (2 for
 * posexplode, ...); 1 for anything else, with that column's type and
 * nullability. Needs e typed. */
size_t plan_generator_columns(const sb_expr *e, const sb_type **col, bool *nullable);
/* Append target/expression x of type t (NULL: failed) to out, reporting
 * duplicate targets and multi-column generators. False when not added. */
bool plan_named_column(plan_gem *g, sb_spec_named_expr *x, const sb_type *t, plan_cols *out);

/* ---- schemas (schema.c) ------------------------------------------------ */

void plan_cols_push(sb_arena *a, plan_cols *c, const char *name, const sb_type *t, bool nullable);
void plan_cols_from(sb_arena *a, plan_cols *c, const sb_type *schema);
/* Case-insensitive position of name, or -1. */
long plan_cols_find(const plan_cols *c, const char *name);
const sb_type *plan_cols_struct(sb_arena *a, const plan_cols *c);

/* Every field, element and value nullable (Spark's asNullable). */
const sb_type *plan_as_nullable(sb_arena *a, const sb_type *t);
/* The same schema with every top-level column nullable. */
const sb_type *plan_columns_nullable(sb_arena *a, const sb_type *schema);

/* The nearest name among a schema's columns for a did-you-mean, or NULL. */
const char *plan_suggest_column(const sb_type *schema, const char *name);
/* "`a`, `b` and `c`" (at most 12, then "..."). */
const char *plan_column_list(sb_arena *a, const sb_type *schema);

/* Set the single output schema (NULL: unknown). */
void plan_set_out(plan_gem *g, const sb_type *schema);

/* ---- config.c ----------------------------------------------------------- */

const sb_type *plan_config_type(void *ctx, const char *name);

/* ---- gem rules ---------------------------------------------------------- */

void plan_source(plan_gem *g);
void plan_seed(plan_gem *g);
void plan_target(plan_gem *g);
void plan_reformat(plan_gem *g);
void plan_schema_transform(plan_gem *g);
void plan_filter(plan_gem *g);
void plan_order_by(plan_gem *g);
void plan_limit(plan_gem *g);
void plan_deduplicate(plan_gem *g);
void plan_row_distributor(plan_gem *g);
void plan_aggregate(plan_gem *g);
void plan_join(plan_gem *g);
void plan_set_operation(plan_gem *g);
void plan_window(plan_gem *g);
void plan_sql_statement(plan_gem *g);
void plan_script(plan_gem *g);
void plan_subgraph(plan_gem *g);

/* Spark's text for a pivot value in column names (Cast(value, StringType)). */
const char *plan_pivot_value_name(sb_arena *a, const sb_json *v);
/* Java's Double.toString, which Spark uses to print doubles. */
void plan_java_double(sb_buf *out, double v);

#endif
