/*
 * cmd_user.c — `sibyl user add|list|disable|enable|reset-password`: the
 * accounts of a tenant, administered on the store directly (admin_cli.h).
 *
 * A generated password is printed once and never stored in clear; a
 * password given on standard input (--password-stdin) never appears on a
 * command line, where other users of the machine could read it.
 */
#include "cli/admin_cli.h"

#include <stdio.h>
#include <string.h>

typedef struct user_args {
    sb_cli_admin o;
    const char *sub, *login;
    const char *display_name, *email, *team, *role;
    bool admin, password_stdin;
} user_args;

static int fail_usage(const char *fmt, const char *arg)
{
    return sb_cli_usage_error(&sb_cmd_user, fmt, arg);
}

static int parse(int argc, char **argv, user_args *u)
{
    sb_cli_admin_defaults(&u->o);
    u->sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int got = sb_cli_admin_option(&sb_cmd_user, &u->o, argc, argv, &i);
        if (got < 0) return SB_EXIT_USAGE;
        if (got) continue;
        bool has = i + 1 < argc;
        if (strcmp(arg, "--display-name") == 0 && has)
            u->display_name = argv[++i];
        else if (strcmp(arg, "--email") == 0 && has)
            u->email = argv[++i];
        else if (strcmp(arg, "--team") == 0 && has)
            u->team = argv[++i];
        else if (strcmp(arg, "--role") == 0 && has)
            u->role = argv[++i];
        else if (strcmp(arg, "--admin") == 0)
            u->admin = true;
        else if (strcmp(arg, "--password-stdin") == 0)
            u->password_stdin = true;
        else if (arg[0] == '-')
            return fail_usage("unknown option or missing value: '%s'", arg);
        else if (u->login)
            return fail_usage("one login at a time, not also '%s'", arg);
        else
            u->login = arg;
    }
    return SB_EXIT_OK;
}

static int begin(user_args *u, sb_arena *a, sb_store **s, sb_store_mode mode, sb_store_tx **tx,
                 int64_t *tenant_id)
{
    return sb_cli_admin_begin(&sb_cmd_user, &u->o, a, s, mode, tx, tenant_id);
}

static int finish(sb_store *s, sb_store_tx *tx, int st, const char *what)
{
    if (st == SB_STORE_OK)
        st = sb_store_commit(tx);
    else
        sb_store_rollback(tx);
    if (st == SB_STORE_OK) return SB_EXIT_OK;
    return sb_cli_admin_store_error(&sb_cmd_user, s, st, what);
}

static int find_user(sb_store *s, sb_store_tx *tx, const user_args *u, sb_store_user *out)
{
    int st = sb_store_user_get_by_login(tx, u->login, out);
    if (st == SB_STORE_NOT_FOUND)
        fprintf(stderr, "sibyl user: no user `%s` in tenant `%s`\n", u->login, u->o.tenant);
    else if (st != SB_STORE_OK)
        sb_cli_admin_store_error(&sb_cmd_user, s, st, "cannot read the user");
    return st;
}

static void print_password(const char *login, const char *password)
{
    printf("password for %s: %s\n", login, password);
    fprintf(stderr, "sibyl user: the password is shown only now; pass it on safely\n");
}

static int user_add(user_args *u, sb_arena *a)
{
    if (!u->login) return fail_usage("%s needs a login", "add");
    size_t n = strlen(u->login);
    if (n == 0 || n > 200) return fail_usage("a login has 1 to 200 characters: '%s'", u->login);
    sb_store_role role = SB_ROLE_NONE;
    if (u->role && !u->team) return fail_usage("%s goes with --team NAME", "--role");
    if (u->team) {
        if (sb_store_role_parse(u->role ? u->role : "member", &role) != SB_STORE_OK ||
            role == SB_ROLE_NONE || role == SB_ROLE_TENANT_ADMIN)
            return fail_usage("--role is viewer, member or team_admin, not '%s'", u->role);
    }
    if (sb_auth_init() != 0) return SB_EXIT_IO;
    bool generated;
    const char *password = sb_cli_admin_password(&sb_cmd_user, a, u->password_stdin, &generated);
    if (!password) return SB_EXIT_USAGE;
    sb_store_user nu = {.login = u->login,
                        .display_name = u->display_name,
                        .email = u->email,
                        .auth_source = "local",
                        .password_hash = sb_auth_password_hash(a, password)};
    if (!nu.password_hash) {
        fprintf(stderr, "sibyl user: cannot hash the password (out of memory)\n");
        return SB_EXIT_IO;
    }
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(u, a, &s, SB_STORE_WRITE, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_store_team team = {0};
    int st = SB_STORE_OK;
    if (u->team) {
        st = sb_store_team_get_by_name(tx, u->team, &team);
        if (st == SB_STORE_NOT_FOUND) {
            sb_store_rollback(tx);
            sb_store_close(s);
            fprintf(stderr, "sibyl user: no team `%s` in tenant `%s`\n", u->team, u->o.tenant);
            return SB_EXIT_USAGE;
        }
    }
    if (st == SB_STORE_OK) st = sb_store_user_create(tx, &nu);
    if (st == SB_STORE_EXISTS) {
        sb_store_rollback(tx);
        sb_store_close(s);
        fprintf(stderr, "sibyl user: tenant `%s` already has a user `%s`\n", u->o.tenant, u->login);
        return SB_EXIT_PROBLEMS;
    }
    if (st == SB_STORE_OK && u->admin) {
        sb_store_membership m = {.user_id = nu.id, .team_id = 0, .role = SB_ROLE_TENANT_ADMIN};
        st = sb_store_membership_create(tx, &m);
    }
    if (st == SB_STORE_OK && u->team) {
        sb_store_membership m = {.user_id = nu.id, .team_id = team.id, .role = role};
        st = sb_store_membership_create(tx, &m);
    }
    rc = finish(s, tx, st, "cannot create the user");
    sb_store_close(s);
    if (rc != SB_EXIT_OK) return rc;
    printf("created user %s (id %lld) in tenant %s", nu.login, (long long)nu.id, u->o.tenant);
    if (u->admin) printf(", tenant administrator");
    if (u->team) printf(", %s of team %s", sb_store_role_name(role), team.name);
    printf("\n");
    if (generated) print_password(nu.login, password);
    return SB_EXIT_OK;
}

static const char *status_of(const sb_store_user *u, int64_t now)
{
    if (u->disabled) return "disabled";
    if (u->locked_until > now) return "locked";
    return "active";
}

static int user_list(user_args *u, sb_arena *a)
{
    if (u->login) return fail_usage("list takes no login ('%s')", u->login);
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(u, a, &s, SB_STORE_READ, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_vec users = {0}, members = {0}, teams = {0};
    int st = sb_store_user_list(tx, &users);
    if (st == SB_STORE_OK) st = sb_store_membership_list(tx, 0, 0, &members);
    if (st == SB_STORE_OK) st = sb_store_team_list(tx, &teams);
    sb_store_rollback(tx);
    if (st != SB_STORE_OK) {
        rc = sb_cli_admin_store_error(&sb_cmd_user, s, st, "cannot list users");
        sb_store_close(s);
        return rc;
    }
    sb_store_close(s);
    int64_t now = sb_auth_now_ms();
    sb_json *arr = sb_json_new_array(a);
    size_t wlogin = 5;
    const char **roles = sb_arena_alloc(a, (users.len + 1) * sizeof *roles);
    for (size_t i = 0; i < users.len; i++) {
        const sb_store_user *usr = users.items[i];
        sb_buf b = SB_BUF_INIT;
        sb_json *rj = sb_json_new_array(a);
        for (size_t k = 0; k < members.len; k++) {
            const sb_store_membership *m = members.items[k];
            if (m->user_id != usr->id) continue;
            const char *tname = NULL;
            for (size_t t = 0; t < teams.len; t++) {
                const sb_store_team *tm = teams.items[t];
                if (tm->id == m->team_id) tname = tm->name;
            }
            if (b.len) sb_buf_puts(&b, ", ");
            if (m->team_id) sb_buf_printf(&b, "%s:", tname ? tname : "?");
            sb_buf_puts(&b, sb_store_role_name(m->role));
            sb_json *o = sb_json_new_object(a);
            sb_json_object_set(a, o, "team", sb_cli_admin_json_str(a, m->team_id ? tname : NULL));
            sb_json_object_set(a, o, "role", sb_cli_admin_json_str(a, sb_store_role_name(m->role)));
            sb_json_array_push(a, rj, o);
        }
        roles[i] = sb_arena_strdup(a, b.len ? b.data : "-");
        sb_buf_free(&b);
        if (strlen(usr->login) > wlogin) wlogin = strlen(usr->login);
        sb_json *o = sb_json_new_object(a);
        sb_json_object_set(a, o, "id", sb_json_new_int(a, usr->id));
        sb_json_object_set(a, o, "login", sb_cli_admin_json_str(a, usr->login));
        sb_json_object_set(a, o, "display_name", sb_cli_admin_json_str(a, usr->display_name));
        sb_json_object_set(a, o, "email", sb_cli_admin_json_str(a, usr->email));
        sb_json_object_set(a, o, "status", sb_cli_admin_json_str(a, status_of(usr, now)));
        sb_json_object_set(a, o, "last_login_at", sb_json_new_int(a, usr->last_login_at));
        sb_json_object_set(a, o, "roles", rj);
        sb_json_array_push(a, arr, o);
    }
    if (u->o.json) {
        sb_cli_admin_print_json(arr);
        return SB_EXIT_OK;
    }
    printf("%-6s %-*s %-9s %-20s %s\n", "ID", (int)wlogin, "LOGIN", "STATUS", "LAST SIGN-IN",
           "ROLES");
    for (size_t i = 0; i < users.len; i++) {
        const sb_store_user *usr = users.items[i];
        printf("%-6lld %-*s %-9s %-20s %s\n", (long long)usr->id, (int)wlogin, usr->login,
               status_of(usr, now), sb_cli_admin_time(a, usr->last_login_at), roles[i]);
    }
    return SB_EXIT_OK;
}

static int user_enable(user_args *u, sb_arena *a, bool disable)
{
    if (!u->login) return fail_usage("%s needs a login", disable ? "disable" : "enable");
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(u, a, &s, SB_STORE_WRITE, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_store_user usr;
    int st = find_user(s, tx, u, &usr);
    if (st != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_store_close(s);
        return st == SB_STORE_NOT_FOUND ? SB_EXIT_USAGE : SB_EXIT_IO;
    }
    int64_t ended = 0;
    bool changed = usr.disabled != disable;
    if (changed) {
        usr.disabled = disable;
        st = sb_store_user_update(tx, &usr);
    }
    /* A disabled account's sessions end now; its tokens are refused while
     * it stays disabled. */
    if (st == SB_STORE_OK && disable) st = sb_store_session_delete_user(tx, usr.id, &ended);
    rc = finish(s, tx, st, "cannot change the user");
    sb_store_close(s);
    if (rc != SB_EXIT_OK) return rc;
    if (!changed)
        printf("user %s was already %s\n", usr.login, disable ? "disabled" : "enabled");
    else if (disable)
        printf("disabled user %s (%lld session%s ended; API tokens refused while disabled)\n",
               usr.login, (long long)ended, ended == 1 ? "" : "s");
    else
        printf("enabled user %s\n", usr.login);
    return SB_EXIT_OK;
}

static int user_reset_password(user_args *u, sb_arena *a)
{
    if (!u->login) return fail_usage("%s needs a login", "reset-password");
    if (sb_auth_init() != 0) return SB_EXIT_IO;
    bool generated;
    const char *password = sb_cli_admin_password(&sb_cmd_user, a, u->password_stdin, &generated);
    if (!password) return SB_EXIT_USAGE;
    const char *hash = sb_auth_password_hash(a, password);
    if (!hash) {
        fprintf(stderr, "sibyl user: cannot hash the password (out of memory)\n");
        return SB_EXIT_IO;
    }
    sb_store *s = NULL;
    sb_store_tx *tx = NULL;
    int64_t tenant_id;
    int rc = begin(u, a, &s, SB_STORE_WRITE, &tx, &tenant_id);
    if (rc != SB_EXIT_OK) {
        sb_store_close(s);
        return rc;
    }
    sb_store_user usr;
    int st = find_user(s, tx, u, &usr);
    if (st != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_store_close(s);
        return st == SB_STORE_NOT_FOUND ? SB_EXIT_USAGE : SB_EXIT_IO;
    }
    int64_t version = usr.version, ended = 0;
    st = sb_store_user_set_password(tx, usr.id, &version, hash);
    /* Whoever held the old password is signed out, and a lock from failed
     * attempts ends with it. */
    if (st == SB_STORE_OK) st = sb_store_session_delete_user(tx, usr.id, &ended);
    bool unlocked = usr.locked_until > sb_auth_now_ms() || usr.failed_logins > 0;
    if (st == SB_STORE_OK && unlocked) st = sb_store_user_record_login(tx, usr.id, false, 0, 0);
    rc = finish(s, tx, st, "cannot set the password");
    sb_store_close(s);
    if (rc != SB_EXIT_OK) return rc;
    printf("new password set for %s (%lld session%s ended%s)\n", usr.login, (long long)ended,
           ended == 1 ? "" : "s", unlocked ? "; failed sign-ins cleared" : "");
    if (generated) print_password(usr.login, password);
    return SB_EXIT_OK;
}

static int run_user(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_user);
    if (argc < 2)
        return sb_cli_usage_error(&sb_cmd_user,
                                  "which action? add, list, disable, enable or reset-password");
    user_args u = {0};
    int rc = parse(argc, argv, &u);
    if (rc != SB_EXIT_OK) return rc;
    sb_arena *a = sb_arena_new();
    if (strcmp(u.sub, "add") == 0)
        rc = user_add(&u, a);
    else if (strcmp(u.sub, "list") == 0)
        rc = user_list(&u, a);
    else if (strcmp(u.sub, "disable") == 0)
        rc = user_enable(&u, a, true);
    else if (strcmp(u.sub, "enable") == 0)
        rc = user_enable(&u, a, false);
    else if (strcmp(u.sub, "reset-password") == 0)
        rc = user_reset_password(&u, a);
    else
        rc = fail_usage("unknown action '%s' (add, list, disable, enable, reset-password)", u.sub);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_user = {
    .name = "user",
    .summary = "Administer the accounts of a tenant",
    .usage = "sibyl user add LOGIN [--display-name NAME] [--email EMAIL] [--password-stdin]\n"
             "                  [--admin] [--team TEAM [--role viewer|member|team_admin]]\n"
             "       sibyl user list [--format text|json]\n"
             "       sibyl user disable|enable LOGIN\n"
             "       sibyl user reset-password LOGIN [--password-stdin]\n"
             "       (each with [--data DIR] [--store URL] [--tenant SLUG])",
    .help = "Administers accounts directly in the store of `sibyl serve`, for whoever can\n"
            "read its data directory (the server may be running). Changes are audited as\n"
            "made by sibyl itself.\n\n"
            "  add             create a local account; --admin makes it a tenant\n"
            "                  administrator, --team/--role gives it a role on a team\n"
            "                  (default member)\n"
            "  list            the accounts with their status and roles\n"
            "  disable         refuse the account's sign-ins and API tokens, and end its\n"
            "                  sessions; `enable` lifts that\n"
            "  reset-password  a new password; ends the account's sessions and clears a\n"
            "                  lock after failed sign-ins\n\n"
            "Passwords: with --password-stdin, the first line of standard input (so that\n"
            "it never shows on a command line); otherwise a random one, printed once.\n\n"
            "Options:\n"
            "  --data DIR       the data directory of `sibyl serve` (default $SIBYL_DATA,\n"
            "                   else ./sibyl-data)\n"
            "  --store URL      the store, when it is not SQLite in DIR (e.g. postgresql://...)\n"
            "  --tenant SLUG    the tenant (default `default`)\n"
            "  --format json    `list` as a JSON array\n",
    .run = run_user,
};
