/*
 * admin_cli.h — what the administration commands (`sibyl user`, `sibyl
 * token`, `sibyl key`) share: the options that say where the data lives,
 * the same as `sibyl serve`'s (--data DIR, --store URL), the tenant they
 * act in (--tenant SLUG), opening the store, and small printing helpers.
 *
 * These commands work on the store directly, as sibyl itself (actor 0 in
 * the audit log), for whoever can read the data directory: they are for
 * the administrators of the installation, and work while servers run.
 */
#ifndef SB_CLI_ADMIN_CLI_H
#define SB_CLI_ADMIN_CLI_H

#include "auth/auth.h"
#include "base/json.h"
#include "cli/cli.h"

typedef struct sb_cli_admin {
    const char *data;      /* --data DIR; default $SIBYL_DATA, else ./sibyl-data */
    const char *store_url; /* --store URL; NULL: SQLite in the data directory */
    const char *tenant;    /* --tenant SLUG; default "default" */
    bool json;             /* --format json */
} sb_cli_admin;

void sb_cli_admin_defaults(sb_cli_admin *o);
/* Take a shared option at argv[*i] (and its value, moving *i past it).
 * Returns 1 when it was one, 0 when it was not, -1 after printing a usage
 * error (a value missing or wrong). */
int sb_cli_admin_option(const sb_command *cmd, sb_cli_admin *o, int argc, char **argv, int *i);
/* Open the store the options name. A data directory without a database is
 * refused (nothing to administer: `sibyl serve` creates it). Prints why
 * and returns SB_EXIT_IO on failure. */
int sb_cli_admin_open(const sb_command *cmd, const sb_cli_admin *o, sb_store **out);
/* The id of the options' tenant; prints why and returns SB_EXIT_USAGE
 * when there is no such tenant (SB_EXIT_IO when the store fails). */
int sb_cli_admin_tenant(const sb_command *cmd, sb_store *s, const sb_cli_admin *o,
                        int64_t *tenant_id);
/* Print a store failure as "sibyl <cmd>: <what>: <message>"; returns
 * SB_EXIT_IO, or SB_EXIT_USAGE for a missing object. */
int sb_cli_admin_store_error(const sb_command *cmd, sb_store *s, int rc, const char *what);
/* Open the store, find the tenant and begin a transaction in it (read or
 * write). On failure the message is printed and an exit code returned; *s
 * may then be open and is the caller's to close. */
int sb_cli_admin_begin(const sb_command *cmd, const sb_cli_admin *o, sb_arena *a, sb_store **s,
                       sb_store_mode mode, sb_store_tx **tx, int64_t *tenant_id);
/* A new password: one line read from stdin (`--password-stdin`), or a
 * random one (*generated set). NULL after printing why not. */
const char *sb_cli_admin_password(const sb_command *cmd, sb_arena *a, bool from_stdin,
                                  bool *generated);
/* A JSON string, or null for NULL. */
sb_json *sb_cli_admin_json_str(sb_arena *a, const char *s);
/* Print a JSON value in canonical form on stdout. */
void sb_cli_admin_print_json(const sb_json *v);
/* A time in ms since the epoch as "2026-01-31 17:05 UTC", or "-" for 0. */
const char *sb_cli_admin_time(sb_arena *a, int64_t ms);

#endif
