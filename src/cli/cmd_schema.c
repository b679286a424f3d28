/*
 * cmd_schema.c — `sibyl schema`: the schemas flowing into and out of the
 * gems of a pipeline, as Spark's printSchema shows them or as JSON.
 */
#include "cli/cli.h"
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static bool is_project_dir(const char *path, sb_arena *a)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
           stat(sb_arena_printf(a, "%s/sibyl.json", path), &st) == 0;
}

/* A schema as the JSON the dataset files use: [{"name", "type", "nullable"}]. */
static void schema_json(sb_buf *out, sb_arena *a, const sb_type *s)
{
    if (!s) {
        sb_buf_puts(out, "null");
        return;
    }
    sb_buf_putc(out, '[');
    for (size_t i = 0; i < s->nfields; i++) {
        const sb_field *f = &s->fields[i];
        if (i) sb_buf_putc(out, ',');
        sb_buf_puts(out, "{\"name\":");
        sb_json_write_string(out, f->name, strlen(f->name));
        sb_buf_puts(out, ",\"type\":");
        const char *t = sb_type_str(a, f->type);
        sb_json_write_string(out, t, strlen(t));
        sb_buf_printf(out, ",\"nullable\":%s}", f->nullable ? "true" : "false");
    }
    sb_buf_putc(out, ']');
}

static void print_gem_text(sb_buf *out, const sb_gem_schemas *gs)
{
    sb_buf_printf(out, "gem \"%s\" (%s)\n", gs->gem->name, sb_gem_kind_name(gs->gem->kind));
    for (size_t i = 0; i < gs->ninputs; i++) {
        sb_buf_printf(out, "input in%zu <- %s\n", i, gs->input_refs[i]);
        sb_plan_print_schema(out, gs->inputs[i]);
    }
    for (size_t i = 0; i < gs->noutputs; i++) {
        sb_buf_printf(out, "output %s\n", gs->output_names[i]);
        sb_plan_print_schema(out, gs->outputs[i]);
    }
}

static void print_gem_json(sb_buf *out, sb_arena *a, const sb_gem_schemas *gs)
{
    sb_buf_puts(out, "{\"gem\":");
    sb_json_write_string(out, gs->gem->name, strlen(gs->gem->name));
    const char *kind = sb_gem_kind_name(gs->gem->kind);
    sb_buf_puts(out, ",\"kind\":");
    sb_json_write_string(out, kind, strlen(kind));
    sb_buf_puts(out, ",\"inputs\":[");
    for (size_t i = 0; i < gs->ninputs; i++) {
        if (i) sb_buf_putc(out, ',');
        sb_buf_printf(out, "{\"port\":\"in%zu\",\"from\":", i);
        sb_json_write_string(out, gs->input_refs[i], strlen(gs->input_refs[i]));
        sb_buf_puts(out, ",\"schema\":");
        schema_json(out, a, gs->inputs[i]);
        sb_buf_putc(out, '}');
    }
    sb_buf_puts(out, "],\"outputs\":[");
    for (size_t i = 0; i < gs->noutputs; i++) {
        if (i) sb_buf_putc(out, ',');
        sb_buf_puts(out, "{\"port\":");
        sb_json_write_string(out, gs->output_names[i], strlen(gs->output_names[i]));
        sb_buf_puts(out, ",\"schema\":");
        schema_json(out, a, gs->outputs[i]);
        sb_buf_putc(out, '}');
    }
    sb_buf_puts(out, "]}");
}

static int run_schema(int argc, char **argv)
{
    bool json = false;
    const char *project_dir = NULL;
    const char *pos[3];
    int npos = 0;
    sb_plan_options opt = {0};
    for (int i = 1; i < argc; i++) {
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_schema);
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0)
                return sb_cli_usage_error(&sb_cmd_schema, "unknown format '%s' (text or json)", f);
            json = strcmp(f, "json") == 0;
        } else if ((strcmp(argv[i], "--project") == 0 || strcmp(argv[i], "-C") == 0) &&
                   i + 1 < argc) {
            project_dir = argv[++i];
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            opt.config = argv[++i];
        } else if (argv[i][0] == '-') {
            return sb_cli_usage_error(&sb_cmd_schema, "unknown option '%s'", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return sb_cli_usage_error(&sb_cmd_schema, "too many arguments");
        }
    }
    sb_arena *a = sb_arena_new();
    const char *pipeline = NULL, *gem = NULL;
    /* Accept PROJECT PIPELINE [GEM], path/to/pipelines/P.json [GEM], or PIPELINE [GEM]
     * in the project given by --project or the current directory. */
    if (npos >= 1 && !project_dir && is_project_dir(pos[0], a)) {
        project_dir = pos[0];
        pipeline = npos >= 2 ? pos[1] : NULL;
        gem = npos >= 3 ? pos[2] : NULL;
    } else if (npos >= 1 && strlen(pos[0]) > 5 && !strcmp(pos[0] + strlen(pos[0]) - 5, ".json")) {
        char *path = sb_arena_strdup(a, pos[0]);
        char *slash = strrchr(path, '/');
        char *base = slash ? slash + 1 : path;
        base[strlen(base) - 5] = '\0';
        pipeline = base;
        if (slash) {
            *slash = '\0';
            char *up = strrchr(path, '/');
            project_dir = up ? (*up = '\0', path) : ".";
        } else {
            project_dir = "..";
        }
        gem = npos >= 2 ? pos[1] : NULL;
        if (npos > 2) return sb_arena_free(a), sb_cli_usage_error(&sb_cmd_schema, "too many arguments");
    } else {
        pipeline = npos >= 1 ? pos[0] : NULL;
        gem = npos >= 2 ? pos[1] : NULL;
        if (npos > 2) return sb_arena_free(a), sb_cli_usage_error(&sb_cmd_schema, "too many arguments");
    }
    if (!project_dir) project_dir = ".";
    if (!pipeline) {
        sb_arena_free(a);
        return sb_cli_usage_error(&sb_cmd_schema, "name a pipeline");
    }
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_load(a, project_dir, &d);
    if (!p) {
        sb_cli_print_diags(&d, false);
        sb_arena_free(a);
        return SB_EXIT_IO;
    }
    const sb_pipeline *cpl = sb_project_pipeline(p, pipeline);
    if (!cpl) {
        fprintf(stderr, "sibyl schema: project %s has no pipeline `%s`", p->name, pipeline);
        if (p->npipelines) {
            fprintf(stderr, " (it has:");
            for (size_t i = 0; i < p->npipelines; i++)
                fprintf(stderr, " %s", p->pipelines[i]->name);
            fprintf(stderr, ")");
        }
        fprintf(stderr, "\n");
        sb_arena_free(a);
        return SB_EXIT_USAGE;
    }
    sb_pipeline *pl = (sb_pipeline *)cpl;
    /* Only this pipeline's problems matter here; the loader already reported
     * problems in the files it read, which may explain an unknown schema. */
    sb_plan_pipeline(a, p, pl, &opt, &d);
    sb_buf out = SB_BUF_INIT;
    int rc = SB_EXIT_OK;
    if (json) sb_buf_putc(&out, '[');
    size_t shown = 0;
    for (size_t i = 0; i < pl->norder; i++) {
        const sb_gem *g = pl->order[i];
        if (gem && strcmp(g->name, gem) != 0) continue;
        sb_gem_schemas gs;
        if (sb_plan_gem_schemas(a, pl, g->name, &gs, &d) != 0) continue;
        if (json) {
            if (shown) sb_buf_putc(&out, ',');
            print_gem_json(&out, a, &gs);
        } else {
            if (shown) sb_buf_putc(&out, '\n');
            print_gem_text(&out, &gs);
        }
        shown++;
    }
    if (gem && !shown) {
        sb_gem_schemas gs;
        sb_diag_context ctx = {.file = pl->file};
        sb_diags_set_context(&d, &ctx);
        sb_plan_gem_schemas(a, pl, gem, &gs, &d);
        rc = SB_EXIT_USAGE;
    }
    if (json) sb_buf_puts(&out, "]\n");
    fputs(sb_buf_str(&out), stdout);
    sb_buf_free(&out);
    /* Diagnostics go to stderr so that stdout stays parseable. */
    sb_cli_print_diags(&d, false);
    if (rc == SB_EXIT_OK && d.errors) rc = SB_EXIT_PROBLEMS;
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_schema = {
    .name = "schema",
    .summary = "Show the schemas flowing through a pipeline's gems",
    .usage = "sibyl schema [--format text|json] [--config NAME] [PROJECT] PIPELINE [GEM]",
    .help = "Prints the schema of every input and output of GEM in PIPELINE, or of every\n"
            "gem in topological order when GEM is left out, the way Spark's printSchema\n"
            "shows them. PROJECT defaults to the current directory (or --project DIR);\n"
            "PIPELINE may also be the path of a pipeline file.\n\n"
            "  $ sibyl schema examples/retail clean_orders dedup_orders\n"
            "  gem \"dedup_orders\" (Deduplicate)\n"
            "  input in0 <- recent_orders\n"
            "  root\n"
            "   |-- order_id: integer (nullable = true)\n"
            "  ...\n\n"
            "Options:\n"
            "  --format json   print [{gem, kind, inputs: [{port, from, schema}], outputs}]\n"
            "  --config NAME   use configs/NAME.json for ${var} values\n\n"
            "Exit status: 0, 1 when the pipeline has errors (schemas that depend on them\n"
            "print as unknown), 2 on a usage error or an unknown pipeline or gem.\n",
    .run = run_schema,
};
