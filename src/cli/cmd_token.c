/*
 * cmd_token.c — `sibyl token create|list|revoke`: API tokens of a tenant's
 * users, administered on the store directly (admin_cli.h), e.g. for a CI
 * job or the first automation of a fresh installation.
 *
 * A token is printed once, when it is created; the store keeps only its
 * hash, exactly as for tokens made over the API.
 */
#include "cli/admin_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct token_args {
    sb_cli_admin o;
    const char *sub, *user, *name, *scopes, *id;
    int64_t days;
} token_args;

static int fail_usage(const char *fmt, const char *arg)
{
    return sb_cli_usage_error(&sb_cmd_token, fmt, arg);
}

static bool parse_pos(const char *s, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0 || v > max) return false;
    *out = v;
    return true;
}

static int parse(int argc, char **argv, token_args *t)
{
    sb_cli_admin_defaults(&t->o);
    t->sub = argv[1];
    t->scopes = "read write";
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int got = sb_cli_admin_option(&sb_cmd_token, &t->o, argc, argv, &i);
        if (got < 0) return SB_EXIT_USAGE;
        if (got) continue;
        bool has = i + 1 < argc;
        if (strcmp(arg, "--user") == 0 && has)
            t->user = argv[++i];
        else if (strcmp(arg, "--name") == 0 && has)
            t->name = argv[++i];
        else if (strcmp(arg, "--scopes") == 0 && has)
            t->scopes = argv[++i];
        else if (strcmp(arg, "--expires-in-days") == 0 && has) {
            if (!parse_pos(argv[++i], 3650, &t->days))
                return fail_usage("--expires-in-days is a number of days from 1 to 3650, not '%s'",
                                  argv[i]);
        } else if (arg[0] == '-')
            return fail_usage("unknown option or missing value: '%s'", arg);
        else if (t->id)
            return fail_usage("one token at a time, not also '%s'", arg);
        else
            t->id = arg;
    }
    return SB_EXIT_OK;
}

static int begin(token_args *t, sb_arena *a, sb_store **s, sb_store_mode mode, sb_store_tx **tx,
                 int64_t *tenant_id)
{
    return sb_cli_admin_begin(&sb_cmd_token, &t->o, a, s, mode, tx, tenant_id);
}

static int token_create(token_args *t, sb_arena *a)
{
    if (t->id) return fail_usage("create takes --user and --name, not '%s'", t->id);
    if (!t->user) return fail_usage("%s needs --user LOGIN", "create");
    if (!t->name) return fail_usage("%s needs --name NAME (what the token is for)", "create");
    size_t n = strlen(t->name);
    if (n == 0 || n > 200)
        return fail_usage("a token's name has 1 to 200 characters: '%s'", t->name);
    unsigned scopes;
    if (!sb_auth_scopes_parse(t->scopes, &scopes))
        return fail_usage("--scopes is space-separated words among read, write, admin, not '%s'",
                          t->scopes);
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(t, a, &s, SB_STORE_WRITE, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_store_user u;
    int st = sb_store_user_get_by_login(tx, t->user, &u);
    if (st == SB_STORE_NOT_FOUND) {
        sb_store_rollback(tx);
        sb_store_close(s);
        fprintf(stderr, "sibyl token: no user `%s` in tenant `%s`\n", t->user, t->o.tenant);
        return SB_EXIT_USAGE;
    }
    const char *secret = sb_auth_random_text(a, 32);
    int64_t now = sb_auth_now_ms();
    sb_store_token tok = {.user_id = u.id,
                          .name = t->name,
                          .hash = sb_auth_secret_hash(a, secret),
                          .scopes = sb_auth_scopes_format(a, scopes),
                          .expires_at = t->days ? now + t->days * 86400000LL : 0};
    if (st == SB_STORE_OK) st = sb_store_token_create(tx, &tok);
    if (st == SB_STORE_OK)
        st = sb_store_commit(tx);
    else
        sb_store_rollback(tx);
    if (st != SB_STORE_OK) {
        rc = sb_cli_admin_store_error(&sb_cmd_token, s, st, "cannot create the token");
        sb_store_close(s);
        return rc;
    }
    sb_store_close(s);
    /* The token alone on stdout, for TOKEN=$(sibyl token create ...). */
    printf("%s\n", sb_auth_token_compose(a, tenant_id, secret));
    fprintf(stderr,
            "sibyl token: token %lld `%s` for %s (%s%s%s): shown only now; send it as "
            "`Authorization: Bearer <token>`\n",
            (long long)tok.id, tok.name, u.login, tok.scopes, t->days ? ", expires " : "",
            t->days ? sb_cli_admin_time(a, tok.expires_at) : "");
    return SB_EXIT_OK;
}

static const char *status_of(const sb_store_token *tok, int64_t now)
{
    if (tok->revoked_at) return "revoked";
    if (tok->expires_at && tok->expires_at <= now) return "expired";
    return "live";
}

static int token_list(token_args *t, sb_arena *a)
{
    if (t->id) return fail_usage("list takes no token id ('%s')", t->id);
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(t, a, &s, SB_STORE_READ, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    int64_t user_id = 0;
    sb_store_user u;
    int st = SB_STORE_OK;
    if (t->user) {
        st = sb_store_user_get_by_login(tx, t->user, &u);
        if (st == SB_STORE_NOT_FOUND) {
            sb_store_rollback(tx);
            sb_store_close(s);
            fprintf(stderr, "sibyl token: no user `%s` in tenant `%s`\n", t->user, t->o.tenant);
            return SB_EXIT_USAGE;
        }
        user_id = u.id;
    }
    sb_vec tokens = {0}, users = {0};
    if (st == SB_STORE_OK) st = sb_store_token_list(tx, user_id, &tokens);
    if (st == SB_STORE_OK) st = sb_store_user_list(tx, &users);
    sb_store_rollback(tx);
    if (st != SB_STORE_OK) {
        rc = sb_cli_admin_store_error(&sb_cmd_token, s, st, "cannot list tokens");
        sb_store_close(s);
        return rc;
    }
    sb_store_close(s);
    int64_t now = sb_auth_now_ms();
    sb_json *arr = sb_json_new_array(a);
    if (!t->o.json)
        printf("%-6s %-16s %-24s %-18s %-8s %-20s %s\n", "ID", "USER", "NAME", "SCOPES", "STATUS",
               "EXPIRES", "LAST USED");
    for (size_t i = 0; i < tokens.len; i++) {
        const sb_store_token *tok = tokens.items[i];
        const char *login = "?";
        for (size_t k = 0; k < users.len; k++) {
            const sb_store_user *usr = users.items[k];
            if (usr->id == tok->user_id) login = usr->login;
        }
        const char *status = status_of(tok, now);
        if (!t->o.json) {
            printf("%-6lld %-16s %-24s %-18s %-8s %-20s %s\n", (long long)tok->id, login, tok->name,
                   tok->scopes, status, sb_cli_admin_time(a, tok->expires_at),
                   sb_cli_admin_time(a, tok->last_used_at));
            continue;
        }
        sb_json *o = sb_json_new_object(a);
        sb_json_object_set(a, o, "id", sb_json_new_int(a, tok->id));
        sb_json_object_set(a, o, "user", sb_cli_admin_json_str(a, login));
        sb_json_object_set(a, o, "name", sb_cli_admin_json_str(a, tok->name));
        sb_json_object_set(a, o, "scopes", sb_cli_admin_json_str(a, tok->scopes));
        sb_json_object_set(a, o, "status", sb_cli_admin_json_str(a, status));
        sb_json_object_set(a, o, "expires_at", sb_json_new_int(a, tok->expires_at));
        sb_json_object_set(a, o, "last_used_at", sb_json_new_int(a, tok->last_used_at));
        sb_json_object_set(a, o, "created_at", sb_json_new_int(a, tok->created_at));
        sb_json_array_push(a, arr, o);
    }
    if (t->o.json) sb_cli_admin_print_json(arr);
    return SB_EXIT_OK;
}

static int token_revoke(token_args *t, sb_arena *a)
{
    int64_t id;
    if (!t->id) return fail_usage("%s needs a token id (see `sibyl token list`)", "revoke");
    if (!parse_pos(t->id, INT64_MAX, &id)) return fail_usage("'%s' is not a token id", t->id);
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(t, a, &s, SB_STORE_WRITE, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_store_token tok;
    int st = sb_store_token_get(tx, id, &tok);
    if (st == SB_STORE_NOT_FOUND) {
        sb_store_rollback(tx);
        sb_store_close(s);
        fprintf(stderr, "sibyl token: no token %lld in tenant `%s`\n", (long long)id, t->o.tenant);
        return SB_EXIT_USAGE;
    }
    bool was = st == SB_STORE_OK && tok.revoked_at != 0;
    if (st == SB_STORE_OK && !was) st = sb_store_token_revoke(tx, id);
    if (st == SB_STORE_OK)
        st = sb_store_commit(tx);
    else
        sb_store_rollback(tx);
    if (st != SB_STORE_OK) {
        rc = sb_cli_admin_store_error(&sb_cmd_token, s, st, "cannot revoke the token");
        sb_store_close(s);
        return rc;
    }
    sb_store_close(s);
    printf("%s token %lld `%s`\n", was ? "already revoked:" : "revoked", (long long)id, tok.name);
    return SB_EXIT_OK;
}

static int run_token(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_token);
    if (argc < 2) return sb_cli_usage_error(&sb_cmd_token, "which action? create, list or revoke");
    token_args t = {0};
    int rc = parse(argc, argv, &t);
    if (rc != SB_EXIT_OK) return rc;
    sb_arena *a = sb_arena_new();
    if (strcmp(t.sub, "create") == 0)
        rc = token_create(&t, a);
    else if (strcmp(t.sub, "list") == 0)
        rc = token_list(&t, a);
    else if (strcmp(t.sub, "revoke") == 0)
        rc = token_revoke(&t, a);
    else
        rc = fail_usage("unknown action '%s' (create, list, revoke)", t.sub);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_token = {
    .name = "token",
    .summary = "Administer API tokens",
    .usage = "sibyl token create --user LOGIN --name NAME [--scopes \"read write\"]\n"
             "                   [--expires-in-days N]\n"
             "       sibyl token list [--user LOGIN] [--format text|json]\n"
             "       sibyl token revoke ID\n"
             "       (each with [--data DIR] [--store URL] [--tenant SLUG])",
    .help = "Administers API tokens directly in the store of `sibyl serve`, for whoever\n"
            "can read its data directory (the server may be running).\n\n"
            "  create   a token for a user, printed once on standard output (only its hash\n"
            "           is kept); scopes among read, write and admin (default \"read write\"),\n"
            "           on top of what the user's roles allow\n"
            "  list     the tokens of the tenant (or of --user), never their secrets\n"
            "  revoke   refuse a token from now on\n\n"
            "Options:\n"
            "  --data DIR       the data directory of `sibyl serve` (default $SIBYL_DATA,\n"
            "                   else ./sibyl-data)\n"
            "  --store URL      the store, when it is not SQLite in DIR (e.g. postgresql://...)\n"
            "  --tenant SLUG    the tenant (default `default`)\n"
            "  --format json    `list` as a JSON array\n",
    .run = run_token,
};
