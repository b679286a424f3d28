/*
 * cmd_help.c — `sibyl help [COMMAND]`.
 */
#include "cli/cli.h"

#include <stdio.h>

int sb_cli_overview(void);

static int run_help(int argc, char **argv)
{
    if (argc < 2) return sb_cli_overview();
    if (sb_cli_is_help(argv[1])) return sb_cli_print_help(&sb_cmd_help);
    const sb_command *cmd = sb_cli_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "sibyl help: no such command '%s'. See 'sibyl --help'.\n", argv[1]);
        return SB_EXIT_USAGE;
    }
    return sb_cli_print_help(cmd);
}

const sb_command sb_cmd_help = {
    .name = "help",
    .summary = "Show help for sibyl or one of its commands",
    .usage = "sibyl help [COMMAND]",
    .help = "Without a command, lists the commands. With one, prints its manual.\n",
    .run = run_help,
};
