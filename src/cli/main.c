/*
 * main.c — the entry point of the `sibyl` command: global options and
 * dispatch to the subcommands.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const sb_command *const commands[] = {
    &sb_cmd_validate,
    &sb_cmd_schema,
    &sb_cmd_fmt,
    &sb_cmd_gen,
    &sb_cmd_run,
    &sb_cmd_submit,
    &sb_cmd_fabric,
    &sb_cmd_serve,
    &sb_cmd_user,
    &sb_cmd_token,
    &sb_cmd_key,
    &sb_cmd_help,
};

const sb_command *const *sb_cli_commands(size_t *n)
{
    *n = SB_COUNTOF(commands);
    return commands;
}

const sb_command *sb_cli_find(const char *name)
{
    for (size_t i = 0; i < SB_COUNTOF(commands); i++)
        if (strcmp(commands[i]->name, name) == 0) return commands[i];
    return NULL;
}

bool sb_cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int sb_cli_usage_error(const sb_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sibyl %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n", cmd->usage);
    return SB_EXIT_USAGE;
}

int sb_cli_print_help(const sb_command *cmd)
{
    printf("usage: %s\n\n%s", cmd->usage, cmd->help);
    return SB_EXIT_OK;
}

bool sb_cli_color(void)
{
    const char *no = getenv("NO_COLOR");
    return isatty(STDERR_FILENO) && !(no && *no);
}

void sb_cli_print_diags(sb_diags *d, bool json)
{
    sb_diags_sort(d);
    sb_buf out = SB_BUF_INIT;
    if (json) {
        sb_diags_format_json(&out, d);
        fputs(sb_buf_str(&out), stdout);
    } else {
        for (size_t i = 0; i < sb_diags_count(d); i++) sb_diag_format(&out, sb_diags_at(d, i));
        fputs(sb_buf_str(&out), stderr);
    }
    sb_buf_free(&out);
}

static void print_overview(FILE *f)
{
    fprintf(f, "usage: sibyl [--version] [--help] <command> [<args>]\n\n"
               "sibyl checks, generates and runs Spark data pipelines.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < SB_COUNTOF(commands); i++)
        fprintf(f, "   %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "\nSee 'sibyl help <command>' to read about a specific command.\n");
}

int sb_cli_overview(void);
int sb_cli_overview(void)
{
    print_overview(stdout);
    return SB_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return SB_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (sb_cli_is_help(name)) return sb_cli_overview();
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("sibyl %s\n", SIBYL_VERSION);
        return SB_EXIT_OK;
    }
    const sb_command *cmd = sb_cli_find(name);
    if (!cmd) {
        fprintf(stderr, "sibyl: '%s' is not a sibyl command. See 'sibyl --help'.\n", name);
        size_t best = (size_t)-1;
        const char *best_name = NULL;
        for (size_t i = 0; i < SB_COUNTOF(commands); i++) {
            size_t dist = sb_edit_distance(name, commands[i]->name);
            if (dist < best) best = dist, best_name = commands[i]->name;
        }
        if (best <= 2) fprintf(stderr, "\nThe most similar command is\n\t%s\n", best_name);
        return SB_EXIT_USAGE;
    }
    return cmd->run(argc - 1, argv + 1);
}
