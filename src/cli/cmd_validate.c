/*
 * cmd_validate.c — `sibyl validate [PATH]`: load a project, check every
 * pipeline, print diagnostics like a compiler.
 */
#include "cli/cli.h"
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>

static int run_validate(int argc, char **argv)
{
    bool json = false;
    const char *path = NULL;
    sb_plan_options opt = {0};
    for (int i = 1; i < argc; i++) {
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_validate);
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                json = true;
            else if (strcmp(f, "text") != 0)
                return sb_cli_usage_error(&sb_cmd_validate, "unknown format '%s' (text or json)",
                                          f);
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            const char *f = argv[i] + 9;
            if (strcmp(f, "json") == 0)
                json = true;
            else if (strcmp(f, "text") != 0)
                return sb_cli_usage_error(&sb_cmd_validate, "unknown format '%s' (text or json)",
                                          f);
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            opt.config = argv[++i];
        } else if (strcmp(argv[i], "--no-infer") == 0) {
            opt.no_infer = true;
        } else if (argv[i][0] == '-') {
            return sb_cli_usage_error(&sb_cmd_validate, "unknown option '%s'", argv[i]);
        } else if (path) {
            return sb_cli_usage_error(&sb_cmd_validate, "more than one project given");
        } else {
            path = argv[i];
        }
    }
    if (!path) path = ".";
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_load(a, path, &d);
    if (p && opt.config && !sb_plan_find_config(p, opt.config)) {
        sb_cli_print_diags(&d, json);
        fprintf(stderr, "sibyl validate: no configuration `%s` (configs/%s.json)\n", opt.config,
                opt.config);
        sb_arena_free(a);
        return SB_EXIT_USAGE;
    }
    if (p) sb_plan_project(a, p, &opt, &d);
    sb_cli_print_diags(&d, json);
    int rc = !p ? SB_EXIT_IO : d.errors ? SB_EXIT_PROBLEMS : SB_EXIT_OK;
    if (!json && p) {
        fprintf(stderr, "%s: %zu pipeline%s, %zu error%s, %zu warning%s\n", p->name,
                p->npipelines, p->npipelines == 1 ? "" : "s", d.errors, d.errors == 1 ? "" : "s",
                d.warnings, d.warnings == 1 ? "" : "s");
    }
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_validate = {
    .name = "validate",
    .summary = "Check a project's pipelines, schemas and expressions",
    .usage = "sibyl validate [--format text|json] [--config NAME] [--no-infer] [PATH]",
    .help = "Loads the project at PATH (default: the current directory), checks every\n"
            "file, gem and Spark SQL expression, propagates schemas through every\n"
            "pipeline, and prints what is wrong like a compiler:\n\n"
            "  pipelines/orders.json:14:23: gem \"clean_orders\" field expressions[2].expression: "
            "14-22: error: ...\n\n"
            "The numbers after the field are the character positions inside the field's\n"
            "text (an expression), first to last.\n\n"
            "Options:\n"
            "  --format json   print the diagnostics as a JSON array on stdout\n"
            "  --config NAME   substitute ${var} with the values of configs/NAME.json\n"
            "                  (default: the defaults in sibyl.json)\n"
            "  --no-infer      do not read data files to infer undeclared source schemas\n\n"
            "Exit status: 0 when there are no errors (warnings allowed), 1 when there are\n"
            "errors, 2 on a usage error, 3 when the project cannot be read.\n",
    .run = run_validate,
};
