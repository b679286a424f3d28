/*
 * plan.h — the planner: a loaded pipeline checked as a graph and typed.
 *
 * Given a pipeline from the loader (spec/spec.h), the planner
 *
 *   1. resolves every gem's inputs to the upstream gem and port (or to the
 *      enclosing subgraph's inputs in0, in1, ...), checks the number of
 *      inputs each kind takes, finds cycles and unused outputs, and puts the
 *      gems in a deterministic topological order (pipeline->order, ties
 *      broken by gem name);
 *   2. walks that order and computes the schema of every output port
 *      (gem->out_schemas) with Spark 3.5's rules for each kind of gem,
 *      type-checking every expression against the schemas of the gem's
 *      inputs (named in0, in1, ...; unqualified names resolve too).
 *
 * Problems are diagnostics naming the file, gem, field and position; the
 * planner never stops at the first one. A gem whose schema cannot be known
 * (an error in it or upstream) gets NULL out_schemas, and gems downstream
 * of it are not type-checked, so one mistake gives one error, not a cascade.
 *
 * Everything the planner allocates lives in the arena it is given, which
 * must live as long as the pipeline (schemas are referenced from gems).
 */
#ifndef SB_PLAN_H
#define SB_PLAN_H

#include "spec/spec.h"

typedef struct sb_plan_options {
    /* Name of the configuration instance (configs/<name>.json) whose values
     * override the manifest defaults in ${var} substitutions; NULL: defaults. */
    const char *config;
    /* Do not read data files: a Source whose dataset declares no schema
     * gets an unknown schema and a warning instead of an inferred one. */
    bool no_infer;
    /* Records sampled per file when inferring (0: all, as Spark does). */
    size_t infer_max_rows;
} sb_plan_options;

/* Check one pipeline (or subgraph file) of project p. p may be NULL for a
 * pipeline checked on its own (then Sources need resolved datasets, and
 * ${var} names no variable). opt may be NULL for defaults. Returns 0 when no
 * error was added, -1 otherwise. Sets pl->order/norder, every gem's inputs'
 * from/from_port/subgraph_input and out_schemas, and pl->checked. */
int sb_plan_pipeline(sb_arena *a, const sb_project *p, sb_pipeline *pl, const sb_plan_options *opt,
                     sb_diags *d);

/* Check every pipeline of the project, then every subgraph no pipeline
 * uses. Data files are sampled once per dataset. Returns 0 or -1 as above. */
int sb_plan_project(sb_arena *a, sb_project *p, const sb_plan_options *opt, sb_diags *d);

/* ---- what `sibyl schema PIPELINE GEM` shows ------------------------- */

typedef struct sb_gem_schemas {
    const sb_gem *gem;
    size_t ninputs;
    const char **input_refs; /* the upstream output as written: "orders", "split.big" */
    const sb_type **inputs;  /* NULL where unknown */
    size_t noutputs;
    const char **output_names; /* port names ("out" for single-output gems) */
    const sb_type **outputs;   /* NULL where unknown */
} sb_gem_schemas;

/* The schemas around gem `gem` of a planned pipeline. Returns 0, or -1
 * after adding an error (with a did-you-mean hint) when there is no such gem. */
int sb_plan_gem_schemas(sb_arena *a, const sb_pipeline *pl, const char *gem, sb_gem_schemas *out,
                        sb_diags *d);

/* The schema feeding input port i of a planned gem (NULL when unknown, or
 * when the input is a subgraph's own input). */
const sb_type *sb_plan_input_schema(const sb_gem *g, size_t i);

/* A schema as Spark's printSchema shows it, every line ending in '\n':
 *   root
 *    |-- order_id: integer (nullable = true)
 *    |-- items: array (nullable = true)
 *    |    |-- element: string (containsNull = true)
 * NULL prints "root (unknown)". */
void sb_plan_print_schema(sb_buf *out, const sb_type *schema);

/* The type name Spark's printSchema uses ("integer", "long", "decimal(10,2)",
 * "array", ...). */
const char *sb_plan_type_name(sb_arena *a, const sb_type *t);

/* ---- configuration -------------------------------------------------- */

/* The configuration instance called `name`, or NULL. */
const sb_config_instance *sb_plan_find_config(const sb_project *p, const char *name);

/* The value of variable `name`: the instance's value when it sets one,
 * else the manifest default; NULL when the variable is unknown or has
 * neither. */
const sb_json *sb_plan_config_value(const sb_project *p, const sb_config_instance *config,
                                    const char *name);

/* Substitute every ${var} in text (as in dataset paths) with the variable's
 * value as text (strings as they are, numbers as written, true/false).
 * Reports unknown variables, variables without a value and unterminated
 * `${` at the current diagnostic context with a span inside text, and
 * returns NULL; otherwise the substituted string in the arena. */
char *sb_plan_substitute(sb_arena *a, const sb_project *p, const sb_config_instance *config,
                         const char *text, sb_diags *d);

#endif
