/*
 * admin_cli.c — the options, store opening and printing shared by the
 * administration commands (admin_cli.h).
 */
#include "cli/admin_cli.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void sb_cli_admin_defaults(sb_cli_admin *o)
{
    memset(o, 0, sizeof *o);
    const char *env = getenv("SIBYL_DATA");
    o->data = env && *env ? env : "sibyl-data";
    o->tenant = "default";
}

int sb_cli_admin_option(const sb_command *cmd, sb_cli_admin *o, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *const names[] = {"--data", "--store", "--tenant", "--format"};
    for (size_t k = 0; k < SB_COUNTOF(names); k++) {
        size_t n = strlen(names[k]);
        const char *value = NULL;
        if (strcmp(arg, names[k]) == 0) {
            if (*i + 1 >= argc) {
                sb_cli_usage_error(cmd, "%s needs a value", names[k]);
                return -1;
            }
            value = argv[++*i];
        } else if (strncmp(arg, names[k], n) == 0 && arg[n] == '=') {
            value = arg + n + 1;
        } else {
            continue;
        }
        if (k == 0)
            o->data = value;
        else if (k == 1)
            o->store_url = value;
        else if (k == 2)
            o->tenant = value;
        else if (strcmp(value, "json") == 0)
            o->json = true;
        else if (strcmp(value, "text") == 0)
            o->json = false;
        else {
            sb_cli_usage_error(cmd, "unknown format '%s' (text or json)", value);
            return -1;
        }
        return 1;
    }
    return 0;
}

int sb_cli_admin_open(const sb_command *cmd, const sb_cli_admin *o, sb_store **out)
{
    *out = NULL;
    if (sb_auth_init() != 0) {
        fprintf(stderr, "sibyl %s: libsodium failed to initialise\n", cmd->name);
        return SB_EXIT_IO;
    }
    sb_store *s = NULL;
    int rc;
    if (o->store_url) {
        rc = sb_store_open(o->store_url, NULL, &s);
    } else {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/sibyl.db", o->data);
        if (stat(path, &st) != 0) {
            fprintf(stderr,
                    "sibyl %s: no sibyl database in %s (%s): give the data directory of `sibyl "
                    "serve` with --data DIR, or its database with --store URL\n",
                    cmd->name, o->data, strerror(errno));
            return SB_EXIT_IO;
        }
        rc = sb_store_open_dir(o->data, NULL, &s);
    }
    if (rc != SB_STORE_OK) {
        fprintf(stderr, "sibyl %s: cannot open the store: %s\n", cmd->name, sb_store_errmsg(s));
        sb_store_close(s);
        return SB_EXIT_IO;
    }
    *out = s;
    return SB_EXIT_OK;
}

int sb_cli_admin_tenant(const sb_command *cmd, sb_store *s, const sb_cli_admin *o,
                        int64_t *tenant_id)
{
    int rc = sb_store_tenant_find(s, o->tenant, tenant_id);
    if (rc == SB_STORE_NOT_FOUND) {
        fprintf(stderr, "sibyl %s: no tenant `%s` (--tenant SLUG)\n", cmd->name, o->tenant);
        return SB_EXIT_USAGE;
    }
    if (rc != SB_STORE_OK) return sb_cli_admin_store_error(cmd, s, rc, "cannot find the tenant");
    return SB_EXIT_OK;
}

int sb_cli_admin_store_error(const sb_command *cmd, sb_store *s, int rc, const char *what)
{
    const char *msg = sb_store_errmsg(s);
    fprintf(stderr, "sibyl %s: %s: %s\n", cmd->name, what,
            msg && *msg ? msg : sb_store_status_name(rc));
    return rc == SB_STORE_NOT_FOUND ? SB_EXIT_USAGE : SB_EXIT_IO;
}

const char *sb_cli_admin_password(const sb_command *cmd, sb_arena *a, bool from_stdin,
                                  bool *generated)
{
    *generated = false;
    if (!from_stdin) {
        *generated = true;
        return sb_auth_random_text(a, 18);
    }
    char line[1100];
    if (!fgets(line, sizeof line, stdin)) {
        fprintf(stderr, "sibyl %s: --password-stdin: nothing on standard input\n", cmd->name);
        return NULL;
    }
    size_t n = strcspn(line, "\r\n");
    line[n] = 0;
    const char *why;
    if (!sb_auth_password_ok(line, &why)) {
        sodium_memzero(line, sizeof line);
        fprintf(stderr, "sibyl %s: the password: %s\n", cmd->name, why);
        return NULL;
    }
    char *out = sb_arena_strdup(a, line);
    sodium_memzero(line, sizeof line);
    return out;
}

const char *sb_cli_admin_time(sb_arena *a, int64_t ms)
{
    if (!ms) return "-";
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    return sb_arena_printf(a, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday, tm.tm_hour, tm.tm_min);
}

sb_json *sb_cli_admin_json_str(sb_arena *a, const char *s)
{
    return s ? sb_json_new_string(a, s, strlen(s)) : sb_json_new_null(a);
}

void sb_cli_admin_print_json(const sb_json *v)
{
    sb_buf out = SB_BUF_INIT;
    sb_json_write_canonical(&out, v);
    fputs(sb_buf_str(&out), stdout);
    sb_buf_free(&out);
}

int sb_cli_admin_begin(const sb_command *cmd, const sb_cli_admin *o, sb_arena *a, sb_store **s,
                       sb_store_mode mode, sb_store_tx **tx, int64_t *tenant_id)
{
    int rc = sb_cli_admin_open(cmd, o, s);
    if (rc != SB_EXIT_OK) return rc;
    rc = sb_cli_admin_tenant(cmd, *s, o, tenant_id);
    if (rc != SB_EXIT_OK) return rc;
    int st = sb_store_begin(*s, a, *tenant_id, 0, mode, tx);
    if (st != SB_STORE_OK) return sb_cli_admin_store_error(cmd, *s, st, "cannot begin");
    return SB_EXIT_OK;
}
