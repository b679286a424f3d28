/*
 * codegen.h — the code generator: a planned pipeline as plain PySpark (a
 * Python package per pipeline) or as one Spark SQL script.
 *
 *   sb_project_load -> sb_plan_pipeline -> sb_codegen_pipeline -> files
 *
 * The generator reads the typed model the planner leaves behind (gem order,
 * output schemas, the type of every expression node) and writes text only;
 * it never touches the disk. The same spec always gives byte-identical files:
 * everything is emitted in a fixed order and formatted the way the black
 * formatter (88 columns) would format it, so `black --check` and `ruff check`
 * pass on the output.
 *
 * What a generated package looks like is documented in docs/codegen.md.
 */
#ifndef SB_CODEGEN_H
#define SB_CODEGEN_H

#include "plan/plan.h"

typedef enum sb_codegen_target {
    SB_CODEGEN_PYSPARK, /* a Python package per pipeline */
    SB_CODEGEN_SQL,     /* one Spark SQL script per pipeline */
} sb_codegen_target;

typedef struct sb_codegen_options {
    sb_codegen_target target;
    /* PySpark only: after every gem, print one `SIBYL-EDGE {json}` line per
     * output port (row count, sample rows, schema, milliseconds) to stdout. */
    bool instrumented;
    /* The project directory relative to a generated package's tests/
     * directory, for the tests that read the project's data; NULL means
     * "../../.." (packages in PROJECT/generated/<pipeline>/). */
    const char *project_dir;
} sb_codegen_options;

/* One generated file; `path` is relative to the output directory and uses
 * '/' separators ("clean_orders/src/clean_orders/pipeline.py"). */
typedef struct sb_gen_file {
    const char *path;
    const char *text;
    size_t len;
} sb_gen_file;

typedef struct sb_gen_files {
    sb_gen_file *items;
    size_t len, cap;
} sb_gen_files;

/* Generate the files of pipeline `pl` of project `p`. The pipeline must have
 * been planned without errors (sb_plan_pipeline returned 0); gems whose
 * schemas are unknown are reported, not guessed. Files are appended to
 * `out` (arena-allocated, in a fixed order). Returns 0, or -1 after adding
 * diagnostics (e.g. an expression the target cannot express). */
int sb_codegen_pipeline(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                        const sb_codegen_options *opt, sb_gen_files *out, sb_diags *d);

/* The Python source of one gem's function module (what
 * `gems/<gem>.py` holds), for tests and the API. */
int sb_codegen_gem_module(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                          const sb_gem *gem, const sb_codegen_options *opt, sb_buf *out,
                          sb_diags *d);

/* The PySpark Column expression for a typed expression, as black would
 * format `x = <expression>` (for tests and the editor's "show code" view).
 * `qualified` keeps `in0.` qualifiers (Join gems alias their inputs). */
int sb_codegen_py_expr(sb_arena *a, const sb_project *p, const sb_expr *e, bool qualified,
                       sb_buf *out, sb_diags *d);

#endif
