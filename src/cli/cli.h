/*
 * cli.h — the `sibyl` command: one file per subcommand (cmd_<name>.c), like
 * git's builtins. Commands are thin: they parse arguments, call the library
 * and print what it returns.
 */
#ifndef SB_CLI_H
#define SB_CLI_H

#include "base/diag.h"

typedef struct sb_command {
    const char *name;
    const char *summary; /* one line for `sibyl --help` */
    const char *usage;   /* synopsis lines */
    const char *help;    /* the full text for `sibyl help <name>` */
    int (*run)(int argc, char **argv);
} sb_command;

extern const sb_command sb_cmd_validate;
extern const sb_command sb_cmd_schema;
extern const sb_command sb_cmd_fmt;
extern const sb_command sb_cmd_gen;
extern const sb_command sb_cmd_run;
extern const sb_command sb_cmd_submit;
extern const sb_command sb_cmd_fabric;
extern const sb_command sb_cmd_serve;
extern const sb_command sb_cmd_user;
extern const sb_command sb_cmd_token;
extern const sb_command sb_cmd_key;
extern const sb_command sb_cmd_help;

const sb_command *sb_cli_find(const char *name);
const sb_command *const *sb_cli_commands(size_t *n);

/* Exit codes: 0 ok, 1 problems found (diagnostics), 2 usage error, 3 I/O error. */
enum { SB_EXIT_OK = 0, SB_EXIT_PROBLEMS = 1, SB_EXIT_USAGE = 2, SB_EXIT_IO = 3 };

/* Print "sibyl <cmd>: message" and the usage line to stderr; returns SB_EXIT_USAGE. */
int sb_cli_usage_error(const sb_command *cmd, const char *fmt, ...) SB_PRINTF(2, 3);
/* Is argv[i] "-h" or "--help"? */
bool sb_cli_is_help(const char *arg);
/* Print the command's help to stdout; returns 0. */
int sb_cli_print_help(const sb_command *cmd);

/* Print diagnostics: text (compiler style, to stderr) or JSON (to stdout). */
void sb_cli_print_diags(sb_diags *d, bool json);
/* Whether to use colour on stderr (a terminal and NO_COLOR unset). */
bool sb_cli_color(void);

#endif
