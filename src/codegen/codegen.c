/*
 * codegen.c — the code generator's entry points: check that a pipeline is
 * planned well enough to generate, then hand it to the PySpark package
 * writer or the Spark SQL script writer.
 */
#include "codegen/codegen_internal.h"

#include <string.h>

void gen_add_file(sb_arena *a, sb_gen_files *out, const char *path, const char *text, size_t len)
{
    if (out->len == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        out->items = sb_arena_realloc(a, out->items, out->cap * sizeof(sb_gen_file),
                                      cap * sizeof(sb_gen_file));
        out->cap = cap;
    }
    sb_gen_file *f = &out->items[out->len++];
    f->path = sb_arena_strdup(a, path);
    f->text = sb_arena_strndup(a, text, len);
    f->len = len;
}

const char *py_pipeline_package(const sb_pipeline *pl)
{
    return pl->name;
}

/* Every gem must have known output schemas: generation follows the plan. */
static bool planned(const sb_pipeline *pl, sb_diags *d)
{
    bool ok = true;
    if (!pl->checked || !pl->order) {
        gen_error(d, pl, NULL, NULL, "codegen-unplanned",
                  "pipeline %s has not been planned; run `sibyl validate` and fix its errors",
                  pl->name);
        return false;
    }
    for (size_t i = 0; i < pl->norder; i++) {
        const sb_gem *g = pl->order[i];
        for (size_t k = 0; k < g->noutputs; k++) {
            if (g->out_schemas && g->out_schemas[k]) continue;
            gen_error(d, pl, g, NULL, "codegen-unknown-schema",
                      "the schema of gem %s is unknown, so its code cannot be generated; fix the "
                      "errors `sibyl validate` reports first",
                      g->name);
            ok = false;
            break;
        }
    }
    return ok;
}

int sb_codegen_pipeline(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                        const sb_codegen_options *opt, sb_gen_files *out, sb_diags *d)
{
    sb_codegen_options defaults = {0};
    if (!opt) opt = &defaults;
    if (!planned(pl, d)) return -1;
    if (opt->target == SB_CODEGEN_SQL) return sql_pipeline_file(a, p, pl, out, d);
    return py_project_files(a, p, pl, opt, out, d, opt->project_dir ? opt->project_dir : "../../..");
}

int sb_codegen_gem_module(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                          const sb_gem *gem, const sb_codegen_options *opt, sb_buf *out,
                          sb_diags *d)
{
    sb_codegen_options defaults = {0};
    return py_gem_module(a, p, pl, gem, opt ? opt : &defaults, out, d);
}

int sb_codegen_py_expr(sb_arena *a, const sb_project *p, const sb_expr *e, bool qualified,
                       sb_buf *out, sb_diags *d)
{
    py_imports imp = {0};
    px_ctx c = {.a = a, .d = d, .p = p, .imp = &imp, .qualified = qualified};
    pyx *x = px_expr(&c, e);
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "x");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, x);
    py_invisible_close(&s);
    py_format_stmt(out, &s, 0);
    return c.failed ? -1 : 0;
}
