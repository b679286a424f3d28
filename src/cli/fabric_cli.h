/*
 * fabric_cli.h — what `sibyl run`, `sibyl submit` and `sibyl fabric` share:
 * finding and loading a fabric by name, checking a project before anything
 * runs, generating a pipeline's package into a private directory, the
 * pipeline's --conf settings, and Ctrl-C (which cancels the run on the
 * fabric instead of killing sibyl half way).
 */
#ifndef SB_CLI_FABRIC_CLI_H
#define SB_CLI_FABRIC_CLI_H

#include "cli/cli.h"
#include "codegen/codegen.h"
#include "fabric/fabric.h"

/* The project whose fabrics/ directory is searched: `dir` when given,
 * else the current directory when it holds a sibyl.json, else NULL. */
const char *sb_cli_fabric_project(const char *dir);

/* The definition file of fabric `name` and where it was found (project
 * first, then the user directory), or NULL. *in_project tells which. */
const char *sb_cli_fabric_file(sb_arena *a, const char *project, const char *name,
                               bool *in_project);

/* Is s a fabric name (letters, digits, '_' and '-')? */
bool sb_cli_fabric_name_ok(const char *s);

/* Say that there is no fabric `name` ("sibyl <who>: no fabric named ..."),
 * with the closest name defined or how to define one. Returns
 * SB_EXIT_USAGE. */
int sb_cli_fabric_unknown(const char *who, sb_arena *a, const char *project, const char *name);

/* Load fabric `name` with its credential. An unknown name is a usage error
 * (with the names that exist, or how to define one); a broken definition
 * or credential prints its diagnostics. Returns 0, SB_EXIT_USAGE or
 * SB_EXIT_PROBLEMS. */
int sb_cli_fabric_load(const sb_command *cmd, sb_arena *a, const char *project, const char *name,
                       sb_fabric_def *def);

/* The value of option `name` at argv[*i], given as "--name=value" or as
 * "--name value" (then *i moves past it); NULL when argv[*i] is another
 * option or the value is missing. */
const char *sb_cli_opt_value(int argc, char **argv, int *i, const char *name);
/* Seconds on a monotonic clock. */
double sb_cli_now_s(void);

/* Print a fabric's notices on stderr as "sibyl <ud>: message" (ud: the
 * command's name, a const char *). */
void sb_cli_fabric_notice(void *ud, const char *message);

/* ---- Ctrl-C ---------------------------------------------------------------- */

/* SIGINT and SIGTERM cancel the fabric being watched (sb_fabric_cancel)
 * and are remembered; a second one ends sibyl at once. */
void sb_cli_interrupt_install(void);
/* The fabric a signal cancels (NULL: none). Clear it before freeing it. */
void sb_cli_interrupt_watch(sb_fabric *f);
bool sb_cli_interrupted(void);

/* ---- the project ---------------------------------------------------------------- */

/* Load the project at `dir` and check it as `sibyl validate` does, with
 * configuration `config` (NULL: the defaults). On errors prints them (text
 * on stderr, or the JSON array on stdout) and returns SB_EXIT_PROBLEMS
 * (SB_EXIT_IO when the project cannot be read, SB_EXIT_USAGE for an
 * unknown configuration); warnings are printed on stderr. */
int sb_cli_project_checked(const sb_command *cmd, sb_arena *a, const char *dir, const char *config,
                           bool json, sb_project **out);

/* The pipelines to run: the one named (did-you-mean when there is no
 * such pipeline: SB_EXIT_USAGE), else every pipeline of the project in
 * name order. Appends sb_pipeline* to `out`. Returns 0 or SB_EXIT_USAGE. */
int sb_cli_select_pipelines(const sb_command *cmd, sb_arena *a, const sb_project *p,
                            const char *name, sb_vec *out);

/* Check a --conf NAME=VALUE argument: NAME must be a configuration
 * variable of the project or base_path. Returns 0 or SB_EXIT_USAGE. */
int sb_cli_check_conf(const sb_command *cmd, const sb_project *p, const char *setting);

/* Does any dataset of the project have a relative path (one that starts
 * from base_path)? */
bool sb_cli_project_has_relative_paths(const sb_project *p);

/* ---- the generated package --------------------------------------------------------- */

/* A new private directory (mode 0700) under $TMPDIR, or NULL. */
const char *sb_cli_tempdir(sb_arena *a, const char *prefix);
/* Remove a directory tree (best effort). */
void sb_cli_rmtree(const char *path);

/* Generate pipeline `pl` (planned without errors) into `dir`: the package
 * is dir/<pipeline>/src/<pipeline>. Returns 0, or -1 with diagnostics. */
int sb_cli_generate(sb_arena *a, const sb_project *p, const sb_pipeline *pl, bool instrumented,
                    const char *dir, sb_diags *d);

/* The part of a planned pipeline that `--until GEM` runs: GEM and every gem
 * upstream of it, in the pipeline's order (gems downstream of GEM, Targets
 * included, are left out). */
sb_pipeline *sb_cli_pipeline_until(sb_arena *a, const sb_pipeline *pl, const sb_gem *until);

#endif
