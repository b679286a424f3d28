/*
 * spec.h — sibyl projects as files: the manifest, pipelines, datasets,
 * configuration instances and subgraphs (docs/project-format.md).
 *
 * Loading turns the JSON files into the typed model below, checking every
 * field's presence and JSON type and parsing every Spark SQL expression, and
 * reports problems as diagnostics naming the file, gem, field and position.
 * Loading never stops at the first problem: a gem with a bad field is kept
 * (with the bad part NULL) so that later stages can still check the rest.
 *
 * Types and schemas are not propagated here; that is the planner's job
 * (plan/plan.h). Everything lives in the arena passed to the loader.
 */
#ifndef SB_SPEC_H
#define SB_SPEC_H

#include "base/json.h"
#include "sql/sql.h"

/* A string field with the place it came from. */
typedef struct sb_spec_text {
    const char *text; /* NULL when the field is missing or invalid */
    size_t len;
    const char *field; /* field path, e.g. "expressions[2].expression" */
    uint32_t line, col; /* position of the value in the file */
} sb_spec_text;

/* A Spark SQL expression field: its text and its parsed tree. */
typedef struct sb_spec_expr {
    sb_spec_text src;
    sb_expr *ast; /* NULL when missing or when it did not parse */
} sb_spec_expr;

/* {"target": name, "expression": sql} */
typedef struct sb_spec_named_expr {
    sb_spec_text target;
    sb_spec_expr expr;
} sb_spec_named_expr;

/* {"expression": sql, "direction": "asc"|"desc", "nulls": "first"|"last"} */
typedef struct sb_spec_sort {
    sb_spec_expr expr;
    bool descending;
    bool nulls_explicit;
    bool nulls_first; /* when not explicit: Spark's default (asc: first, desc: last) */
} sb_spec_sort;

typedef enum sb_gem_kind {
    SB_GEM_SOURCE,
    SB_GEM_SEED,
    SB_GEM_TARGET,
    SB_GEM_REFORMAT,
    SB_GEM_SCHEMA_TRANSFORM,
    SB_GEM_FILTER,
    SB_GEM_ORDER_BY,
    SB_GEM_LIMIT,
    SB_GEM_DEDUPLICATE,
    SB_GEM_AGGREGATE,
    SB_GEM_JOIN,
    SB_GEM_SET_OPERATION,
    SB_GEM_WINDOW_FUNCTION,
    SB_GEM_ROW_DISTRIBUTOR,
    SB_GEM_SQL_STATEMENT,
    SB_GEM_SCRIPT,
    SB_GEM_SUBGRAPH,
    SB_GEM_KIND_COUNT
} sb_gem_kind;

/* "Reformat" ... ; and back (case-sensitive, as written in files). */
const char *sb_gem_kind_name(sb_gem_kind k);
bool sb_gem_kind_parse(const char *name, sb_gem_kind *out);

typedef enum sb_data_format { SB_FORMAT_CSV, SB_FORMAT_JSON, SB_FORMAT_PARQUET } sb_data_format;
const char *sb_data_format_name(sb_data_format f); /* the Spark format name */

typedef enum sb_write_mode {
    SB_WRITE_ERROR, /* Spark's "error" / "errorifexists" */
    SB_WRITE_OVERWRITE,
    SB_WRITE_APPEND,
    SB_WRITE_IGNORE,
} sb_write_mode;
const char *sb_write_mode_name(sb_write_mode m);

typedef enum sb_dedup_mode { SB_DEDUP_DISTINCT, SB_DEDUP_ANY, SB_DEDUP_FIRST, SB_DEDUP_LAST } sb_dedup_mode;

typedef enum sb_setop_kind {
    SB_SETOP_UNION_ALL,
    SB_SETOP_UNION_BY_NAME,
    SB_SETOP_INTERSECT,
    SB_SETOP_INTERSECT_ALL,
    SB_SETOP_EXCEPT,
    SB_SETOP_EXCEPT_ALL,
} sb_setop_kind;
const char *sb_setop_kind_name(sb_setop_kind k); /* as written: "unionAll" ... */

typedef enum sb_schema_op_kind { SB_SCHEMA_OP_ADD, SB_SCHEMA_OP_DROP, SB_SCHEMA_OP_RENAME } sb_schema_op_kind;

typedef struct sb_schema_op {
    sb_schema_op_kind op;
    sb_spec_text column; /* drop, rename: the existing column */
    sb_spec_text target; /* add, rename: the new name */
    sb_spec_expr expr;   /* add */
} sb_schema_op;

typedef struct sb_join_spec {
    sb_join_type type;
    sb_spec_expr condition; /* absent (ast NULL, src.text NULL) for cross joins */
    bool broadcast;
    sb_spec_text type_text;
} sb_join_spec;

/* Window frame bounds: SB_FRAME_UNBOUNDED (preceding for start, following
 * for end), SB_FRAME_CURRENT, or an offset (negative = preceding). */
#define SB_FRAME_UNBOUNDED INT64_MIN
#define SB_FRAME_CURRENT 0

typedef struct sb_frame_spec {
    bool present;
    sb_frame_type type; /* SB_FRAME_ROWS or SB_FRAME_RANGE */
    int64_t start, end;
    bool start_unbounded, end_unbounded;
} sb_frame_spec;

typedef struct sb_distributor_output {
    sb_spec_text port;
    sb_spec_expr condition;
} sb_distributor_output;

typedef struct sb_dataset sb_dataset;
typedef struct sb_pipeline sb_pipeline;
typedef struct sb_gem sb_gem;

/* One input port: the upstream output that feeds it. */
typedef struct sb_gem_input {
    sb_spec_text ref;  /* "gem" or "gem.port" as written */
    const char *gem;   /* upstream gem name (or subgraph input "in0" ...) */
    const char *port;  /* upstream port name, "out" by default */
    sb_gem *from;      /* resolved by the planner; NULL for subgraph inputs */
    int from_port;     /* index into from->outputs */
    int subgraph_input; /* >= 0 when it names the enclosing subgraph's input */
} sb_gem_input;

struct sb_gem {
    const char *name;
    sb_gem_kind kind;
    const char *description;
    uint32_t line, col; /* position of the gem's name in the file */
    sb_gem_input *inputs;
    size_t ninputs;
    const char **outputs; /* port names; "out" for single-output gems; none for Target */
    size_t noutputs;

    union {
        struct {
            sb_spec_text dataset;
            const sb_dataset *ds; /* resolved while loading the project */
        } source;
        struct {
            const sb_type *schema; /* struct */
            const sb_json *rows;   /* array of arrays, checked against the schema */
        } seed;
        struct {
            sb_spec_text dataset;
            const sb_dataset *ds;
            sb_write_mode mode;
            sb_spec_text *partition_by;
            size_t npartition_by;
        } target;
        struct {
            sb_spec_named_expr *exprs;
            size_t nexprs;
        } reformat;
        struct {
            sb_schema_op *ops;
            size_t nops;
        } schema_transform;
        struct {
            sb_spec_expr condition;
        } filter;
        struct {
            sb_spec_sort *keys;
            size_t nkeys;
        } order_by;
        struct {
            int64_t count;
        } limit;
        struct {
            sb_dedup_mode mode;
            sb_spec_expr *keys;
            size_t nkeys;
            sb_spec_sort *order;
            size_t norder;
        } dedup;
        struct {
            sb_spec_named_expr *group_by;
            size_t ngroup_by;
            sb_spec_named_expr *aggregates;
            size_t naggregates;
            bool has_pivot;
            sb_spec_expr pivot_column;
            const sb_json *pivot_values; /* array of scalars */
        } aggregate;
        struct {
            sb_join_spec *joins; /* ninputs - 1 entries */
            size_t njoins;
            sb_spec_named_expr *exprs; /* optional */
            size_t nexprs;
        } join;
        struct {
            sb_setop_kind op;
            bool allow_missing;
        } setop;
        struct {
            sb_spec_expr *partition_by;
            size_t npartition_by;
            sb_spec_sort *order_by;
            size_t norder_by;
            sb_frame_spec frame;
            sb_spec_named_expr *exprs;
            size_t nexprs;
        } window;
        struct {
            sb_distributor_output *outputs;
            size_t noutputs;
        } distributor;
        struct {
            sb_spec_text query_text;
            sb_query *query; /* NULL if it did not parse */
        } sql;
        struct {
            sb_spec_text code;
            const sb_type *schema;
        } script;
        struct {
            sb_spec_text name;
            const sb_pipeline *subgraph; /* resolved while loading the project */
        } subgraph;
    } u;

    /* Set by the planner: the schema of each output port (NULL if unknown). */
    const sb_type **out_schemas;
};

/* A pipeline file, or a subgraph file (is_subgraph). */
struct sb_pipeline {
    const char *name;
    const char *file; /* project-relative path */
    const char *description;
    sb_gem **gems;    /* sorted by name */
    size_t ngems;
    bool is_subgraph;
    size_t ninputs;       /* subgraph inputs in0..in(n-1) */
    sb_spec_text output;  /* subgraph output gem */
    /* Set by the planner: gems in a deterministic topological order. */
    sb_gem **order;
    size_t norder;
    bool checked;
};

struct sb_dataset {
    const char *name;
    const char *file;
    sb_data_format format;
    sb_spec_text path;
    const sb_json *options; /* object of scalars, or NULL */
    const sb_type *schema;  /* declared, or NULL to infer */
    uint32_t line, col;
};

typedef struct sb_config_var {
    const char *name;
    const sb_type *type;
    const sb_json *default_value; /* or NULL */
    const char *description;
    uint32_t line, col;
} sb_config_var;

typedef struct sb_config_instance {
    const char *name;
    const char *file;
    const sb_json *values; /* object: variable -> value */
} sb_config_instance;

typedef struct sb_project {
    const char *root; /* directory as given */
    const char *name;
    const char *version;
    const char *spark;
    const char *description;
    sb_config_var *vars;
    size_t nvars;
    sb_config_instance **configs;
    size_t nconfigs;
    sb_dataset **datasets;
    size_t ndatasets;
    sb_pipeline **pipelines;
    size_t npipelines;
    sb_pipeline **subgraphs;
    size_t nsubgraphs;
} sb_project;

/* Load a project directory. Returns NULL only when the directory or its
 * manifest cannot be read at all; otherwise the project, with problems in d. */
sb_project *sb_project_load(sb_arena *a, const char *root, sb_diags *d);

/* The pieces the loader is made of, for callers that hold files in memory
 * (the server's store). `file` is the project-relative path used in diagnostics. */
sb_project *sb_project_new(sb_arena *a, const char *root);
int sb_project_parse_manifest(sb_arena *a, sb_project *p, const char *file, const char *text,
                              size_t len, sb_diags *d);
sb_pipeline *sb_spec_parse_pipeline(sb_arena *a, const char *name, const char *file,
                                    const char *text, size_t len, bool is_subgraph, sb_diags *d);
sb_dataset *sb_spec_parse_dataset(sb_arena *a, const char *name, const char *file,
                                  const char *text, size_t len, sb_diags *d);
sb_config_instance *sb_spec_parse_config(sb_arena *a, const sb_project *p, const char *name,
                                         const char *file, const char *text, size_t len,
                                         sb_diags *d);
/* Link datasets and subgraphs referenced by gems; check config values. */
void sb_project_resolve(sb_arena *a, sb_project *p, sb_diags *d);

const sb_pipeline *sb_project_pipeline(const sb_project *p, const char *name);
const sb_dataset *sb_project_dataset(const sb_project *p, const char *name);
const sb_config_var *sb_project_var(const sb_project *p, const char *name);
const sb_pipeline *sb_project_subgraph(const sb_project *p, const char *name);
sb_gem *sb_pipeline_gem(const sb_pipeline *pl, const char *name);

/* Is s a valid name for a gem, pipeline, dataset or port (an identifier
 * that is also usable as a Python name)? */
bool sb_spec_is_name(const char *s);

/* Rewrite a JSON file's text in canonical form. Returns 0, or -1 with a
 * diagnostic when the text is not valid JSON. */
int sb_spec_format(const char *text, size_t len, sb_buf *out, sb_diags *d);

#endif
