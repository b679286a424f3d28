/*
 * cmd_fabric.c — `sibyl fabric add|list|show|test|remove`: the fabric
 * definitions a project (fabrics/ in the repository) or a user
 * ($SIBYL_FABRICS_DIR, ~/.config/sibyl/fabrics) keeps, and a check that a
 * fabric can be reached and runs Spark.
 *
 * Definitions are written in canonical form by the library
 * (sb_fabric_def_write) after being parsed back, so `fabric add` accepts
 * exactly what a hand-written file may say and reports the same errors.
 * Secrets never go into a definition nor on the command line: `add`
 * refuses them and says where they go.
 */
#define _XOPEN_SOURCE 700
#include "cli/fabric_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const sb_command *const self = &sb_cmd_fabric;

/* The options of `fabric add` and the definition fields they set. */
typedef struct add_option {
    const char *option, *field;
    char type; /* 's' string, 'n' number */
} add_option;

static const add_option add_options[] = {
    {"--description", "description", 's'},
    {"--master", "master", 's'},
    {"--python", "python", 's'},
    {"--spark-home", "spark_home", 's'},
    {"--url", "url", 's'},
    {"--auth", "auth", 's'},
    {"--user", "user", 's'},
    {"--ca-file", "ca_file", 's'},
    {"--session-kind", "session_kind", 's'},
    {"--proxy-user", "proxy_user", 's'},
    {"--queue", "queue", 's'},
    {"--driver-memory", "driver_memory", 's'},
    {"--executor-memory", "executor_memory", 's'},
    {"--driver-cores", "driver_cores", 'n'},
    {"--executor-cores", "executor_cores", 'n'},
    {"--num-executors", "num_executors", 'n'},
    {"--staging-dir", "staging_dir", 's'},
    {"--cluster-id", "cluster_id", 's'},
    {"--profile", "profile", 's'},
    {"--connect-timeout", "connect_timeout", 'n'},
    {"--request-timeout", "request_timeout", 'n'},
    {"--start-timeout", "start_timeout", 'n'},
    {"--run-timeout", "run_timeout", 'n'},
    {"--heartbeat", "heartbeat", 'n'},
};

static const char *const secret_options[] = {"--password", "--token",        "--secret",
                                             "--pat",      "--access-token", "--api-token"};

/* SIBYL_FABRIC_<NAME>_<WHAT> */
static const char *secret_env(sb_arena *a, const char *name, const char *what)
{
    char *s = sb_arena_printf(a, "SIBYL_FABRIC_%s_%s", name, what);
    for (char *p = s; *p; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (*p == '-')
            *p = '_';
    }
    return s;
}

static const char *credentials_file(sb_arena *a)
{
    const char *p = getenv("SIBYL_CREDENTIALS");
    if (p && *p) return p;
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return sb_arena_printf(a, "%s/sibyl/credentials.json", xdg);
    return "~/.config/sibyl/credentials.json";
}

static bool is_project(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/sibyl.json", dir);
    struct stat st;
    return stat(path, &st) == 0;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-') s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9') s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9')) return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-') s++;
        if (!(*s >= '0' && *s <= '9')) return false;
        while (*s >= '0' && *s <= '9') s++;
    }
    return *s == '\0';
}

/* Parse a definition file without resolving its credential. */
static int parse_file(sb_arena *a, const char *name, const char *file, sb_fabric_def *def,
                      sb_diags *d)
{
    char *text = NULL;
    size_t len = 0;
    int r = sb_read_file(file, &text, &len);
    if (r != 0) {
        sb_diag_context ctx = {.file = file};
        sb_diags_set_context(d, &ctx);
        sb_diags_add(d, SB_SEV_ERROR, "fabric-read", "fabric %s: cannot read the definition: %s",
                     name, strerror(-r));
        sb_diags_clear_context(d);
        return -1;
    }
    char *copy = sb_arena_strndup(a, text, len);
    free(text);
    return sb_fabric_def_parse(a, name, file, copy, len, def, d);
}

/* What a fabric runs on, in a few words. */
static const char *target_of(const sb_fabric_def *def)
{
    switch (def->kind) {
    case SB_FABRIC_SPARK:
        return def->master ? def->master : "local[*]";
    case SB_FABRIC_LIVY:
        return def->url ? def->url : "?";
    case SB_FABRIC_DATABRICKS:
        if (def->url) return def->url;
        return def->profile ? def->profile : "~/.databrickscfg [DEFAULT]";
    }
    return "?";
}

/* Where a fabric's credential comes from, for `show` and `add`. */
static const char *credential_text(sb_arena *a, const sb_fabric_def *parsed)
{
    if (parsed->kind != SB_FABRIC_DATABRICKS) {
        if (parsed->auth == SB_FABRIC_AUTH_NONE) return "none needed (auth none)";
        if (parsed->auth == SB_FABRIC_AUTH_KERBEROS)
            return "your Kerberos ticket cache (run `kinit` first)";
    }
    sb_fabric_def def = *parsed;
    sb_diags d;
    sb_diags_init(&d, a);
    if (sb_fabric_credentials_resolve(a, &def, &d) == 0) {
        if (!def.secret) return "none needed";
        return sb_arena_printf(a, "%s from %s",
                               def.kind == SB_FABRIC_DATABRICKS || def.auth == SB_FABRIC_AUTH_TOKEN
                                   ? "token"
                                   : "password",
                               def.secret_source ? def.secret_source : "?");
    }
    const sb_diag *dg = sb_diags_at(&d, 0);
    const char *msg = dg->message;
    const char *prefix = sb_arena_printf(a, "fabric %s: ", def.name);
    if (strncmp(msg, prefix, strlen(prefix)) == 0) msg += strlen(prefix);
    return sb_arena_printf(a, "not available: %s%s%s", msg, dg->hint ? "; " : "",
                           dg->hint ? dg->hint : "");
}

/* ---- add ---------------------------------------------------------------------------------- */

static int cmd_add(int argc, char **argv)
{
    const char *name = NULL, *kind = NULL, *project = NULL;
    bool user_level = false, force = false, insecure = false;
    const char *secret_opt = NULL;
    sb_arena *a = sb_arena_new();
    const char **values = sb_arena_alloc(a, SB_COUNTOF(add_options) * sizeof(char *));
    memset(values, 0, SB_COUNTOF(add_options) * sizeof(char *));
    sb_vec conf = {0};
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *arg = argv[i], *v;
        if (sb_cli_is_help(arg)) {
            sb_arena_free(a);
            return sb_cli_print_help(self);
        }
        bool secret = false;
        for (size_t k = 0; k < SB_COUNTOF(secret_options) && !secret; k++) {
            size_t n = strlen(secret_options[k]);
            if (strncmp(arg, secret_options[k], n) == 0 && (arg[n] == 0 || arg[n] == '=')) {
                secret = true;
                secret_opt = secret_options[k];
                if (arg[n] == 0 && i + 1 < argc) i++; /* its value is not the NAME */
            }
        }
        if (secret) continue;
        bool matched = false;
        for (size_t k = 0; k < SB_COUNTOF(add_options) && !matched; k++) {
            int j = i;
            if ((v = sb_cli_opt_value(argc, argv, &j, add_options[k].option))) {
                values[k] = v;
                i = j;
                matched = true;
            }
        }
        if (matched) continue;
        if ((v = sb_cli_opt_value(argc, argv, &i, "--kind")))
            kind = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--conf"))) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                rc = sb_cli_usage_error(self, "--conf %s: expected KEY=VALUE (a Spark setting)", v);
                break;
            }
            char *key = sb_arena_strndup(a, v, (size_t)(eq - v));
            char *lower = sb_arena_strdup(a, key);
            for (char *p = lower; *p; p++)
                if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
            if (strstr(lower, "password") || strstr(lower, "secret") || strstr(lower, "token")) {
                fprintf(stderr,
                        "sibyl fabric add: --conf %s: this setting looks like a secret, and a "
                        "fabric definition may be committed to Git\n"
                        "    hint: set it in the cluster's own Spark configuration "
                        "(spark-defaults.conf, the cluster's Spark config) instead\n",
                        key);
                rc = SB_EXIT_USAGE;
                break;
            }
            sb_vec_push(a, &conf, (void *)v);
        } else if ((v = sb_cli_opt_value(argc, argv, &i, "--project")))
            project = v;
        else if (strcmp(arg, "--user-level") == 0)
            user_level = true;
        else if (strcmp(arg, "--force") == 0)
            force = true;
        else if (strcmp(arg, "--insecure") == 0)
            insecure = true;
        else if (arg[0] == '-') {
            bool needs = strcmp(arg, "--kind") == 0 || strcmp(arg, "--conf") == 0 ||
                         strcmp(arg, "--project") == 0;
            for (size_t k = 0; k < SB_COUNTOF(add_options); k++)
                needs |= strcmp(arg, add_options[k].option) == 0;
            rc = needs ? sb_cli_usage_error(self, "%s needs a value", arg)
                       : sb_cli_usage_error(self, "unknown option '%s' for fabric add", arg);
        } else if (name)
            rc = sb_cli_usage_error(self, "fabric add takes one NAME ('%s' and '%s')", name, arg);
        else
            name = arg;
    }
    if (rc == 0 && secret_opt) {
        bool pw = strcmp(secret_opt, "--password") == 0;
        const char *n = name && sb_cli_fabric_name_ok(name) ? name : "NAME";
        fprintf(stderr,
                "sibyl fabric add: %s: a secret never goes on the command line (it would stay in "
                "your shell history) nor in a fabric definition\n"
                "    hint: set %s, or add {\"fabrics\": {\"%s\": {\"%s\": \"...\"}}} to %s "
                "(chmod 600)%s\n",
                secret_opt, secret_env(a, n, pw ? "PASSWORD" : "TOKEN"), n,
                pw ? "password" : "token", credentials_file(a),
                pw ? "" : "; Databricks tokens may also come from ~/.databrickscfg");
        rc = SB_EXIT_USAGE;
    }
    if (rc == 0 && !name) rc = sb_cli_usage_error(self, "fabric add needs a NAME");
    if (rc == 0 && !sb_cli_fabric_name_ok(name))
        rc = sb_cli_usage_error(self, "'%s' is not a fabric name (letters, digits, '_' and '-')",
                                name);
    if (rc == 0 && !kind)
        rc = sb_cli_usage_error(self, "fabric add needs --kind (spark, livy or databricks)");
    if (rc == 0 && project && user_level)
        rc = sb_cli_usage_error(self, "give --project DIR or --user-level, not both");
    if (rc == 0 && project && !is_project(project)) {
        fprintf(stderr, "sibyl fabric add: %s is not a sibyl project (no sibyl.json)\n", project);
        rc = SB_EXIT_USAGE;
    }
    if (rc != 0) {
        sb_arena_free(a);
        return rc;
    }

    /* The definition as JSON, parsed back the way a file is read. */
    sb_buf json = SB_BUF_INIT;
    sb_buf_puts(&json, "{\"kind\":");
    sb_json_write_string(&json, kind, strlen(kind));
    for (size_t k = 0; k < SB_COUNTOF(add_options); k++) {
        const char *v = values[k];
        if (!v) continue;
        sb_buf_putc(&json, ',');
        sb_json_write_string(&json, add_options[k].field, strlen(add_options[k].field));
        sb_buf_putc(&json, ':');
        /* A number stays a number; anything else is a string the parser
         * then reports as the wrong type for the field. */
        if (add_options[k].type == 'n' && is_json_number(v))
            sb_buf_puts(&json, v);
        else
            sb_json_write_string(&json, v, strlen(v));
    }
    if (insecure) sb_buf_puts(&json, ",\"insecure\":true");
    if (conf.len) {
        sb_buf_puts(&json, ",\"conf\":{");
        for (size_t i = 0; i < conf.len; i++) {
            const char *kv = conf.items[i], *eq = strchr(kv, '=');
            if (i) sb_buf_putc(&json, ',');
            sb_json_write_string(&json, kv, (size_t)(eq - kv));
            sb_buf_putc(&json, ':');
            sb_json_write_string(&json, eq + 1, strlen(eq + 1));
        }
        sb_buf_putc(&json, '}');
    }
    sb_buf_putc(&json, '}');
    sb_fabric_def def;
    sb_diags d;
    sb_diags_init(&d, a);
    int pr = sb_fabric_def_parse(a, name, NULL, json.data, json.len, &def, &d);
    sb_buf_free(&json);
    if (pr != 0) {
        for (size_t i = 0; i < sb_diags_count(&d); i++) {
            const sb_diag *dg = sb_diags_at(&d, i);
            const char *opt = NULL;
            for (size_t k = 0; k < SB_COUNTOF(add_options) && dg->field; k++)
                if (strcmp(add_options[k].field, dg->field) == 0) opt = add_options[k].option;
            if (dg->field && strcmp(dg->field, "kind") == 0) opt = "--kind";
            if (dg->field && strncmp(dg->field, "conf", 4) == 0) opt = "--conf";
            fprintf(stderr, "sibyl fabric add: %s%s%s%s\n", dg->message, opt ? " (" : "",
                    opt ? opt : "", opt ? ")" : "");
            if (dg->hint) fprintf(stderr, "    hint: %s\n", dg->hint);
        }
        sb_arena_free(a);
        return SB_EXIT_PROBLEMS;
    }

    const char *dir = project ? sb_arena_printf(a, "%s/fabrics", project) : sb_fabric_user_dir(a);
    const char *path = sb_arena_printf(a, "%s/%s.json", dir, name);
    struct stat st;
    if (!force && stat(path, &st) == 0) {
        fprintf(stderr,
                "sibyl fabric add: fabric %s is already defined in %s\n"
                "    hint: add --force to replace it, or `sibyl fabric remove %s` first\n",
                name, path, name);
        sb_arena_free(a);
        return SB_EXIT_PROBLEMS;
    }
    /* mkdir -p: the user directory may not exist yet */
    char *parent = sb_arena_strdup(a, dir);
    for (char *p = parent + 1;; p++) {
        if (*p != '/' && *p) continue;
        char c = *p;
        *p = 0;
        if (mkdir(parent, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "sibyl fabric add: cannot create %s: %s\n", parent, strerror(errno));
            sb_arena_free(a);
            return SB_EXIT_IO;
        }
        *p = c;
        if (!c) break;
    }
    sb_buf out = SB_BUF_INIT;
    sb_fabric_def_write(&out, &def);
    int wr = sb_write_file_atomic(path, out.data, out.len);
    sb_buf_free(&out);
    if (wr != 0) {
        fprintf(stderr, "sibyl fabric add: cannot write %s: %s\n", path, strerror(-wr));
        sb_arena_free(a);
        return SB_EXIT_IO;
    }
    printf("fabric %s (%s, %s) written to %s\n", name, sb_fabric_kind_name(def.kind),
           target_of(&def), path);
    def.file = path;
    printf("credential: %s\n", credential_text(a, &def));
    if (!project) {
        const char *here = sb_cli_fabric_project(NULL);
        bool in_project = false;
        const char *f = here ? sb_cli_fabric_file(a, here, name, &in_project) : NULL;
        if (f && in_project) printf("note: this project's %s is used instead of it here\n", f);
    }
    sb_arena_free(a);
    return SB_EXIT_OK;
}

/* ---- list ----------------------------------------------------------------------------------- */

static int parse_common(int argc, char **argv, const char *sub, const char **name,
                        const char **project, bool *user_level, bool *verbose)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (sb_cli_is_help(arg)) return sb_cli_print_help(self), -1;
        if ((v = sb_cli_opt_value(argc, argv, &i, "--project")))
            *project = v;
        else if (user_level && strcmp(arg, "--user-level") == 0)
            *user_level = true;
        else if (verbose && (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0))
            *verbose = true;
        else if (arg[0] == '-')
            return sb_cli_usage_error(self, "unknown option '%s' for fabric %s", arg, sub);
        else if (!name)
            return sb_cli_usage_error(self, "fabric %s takes no NAME", sub);
        else if (*name)
            return sb_cli_usage_error(self, "fabric %s takes one NAME", sub);
        else
            *name = arg;
    }
    if (name && !*name) return sb_cli_usage_error(self, "fabric %s needs a NAME", sub);
    if (name && !sb_cli_fabric_name_ok(*name))
        return sb_cli_usage_error(self, "'%s' is not a fabric name (letters, digits, '_' and '-')",
                                  *name);
    if (*project && !is_project(*project)) {
        fprintf(stderr, "sibyl fabric %s: %s is not a sibyl project (no sibyl.json)\n", sub,
                *project);
        return SB_EXIT_USAGE;
    }
    return 0;
}

static int cmd_list(int argc, char **argv)
{
    const char *project = NULL;
    int rc = parse_common(argc, argv, "list", NULL, &project, NULL, NULL);
    if (rc) return rc < 0 ? SB_EXIT_OK : rc;
    sb_arena *a = sb_arena_new();
    project = sb_cli_fabric_project(project);
    sb_vec names = {0};
    sb_fabric_def_list(a, project, &names);
    if (!names.len) {
        fprintf(stderr,
                "no fabrics defined (looked in %s%s%s)\n    hint: `sibyl fabric add local "
                "--kind spark` defines local Spark\n",
                project ? sb_arena_printf(a, "%s/fabrics", project) : "", project ? " and " : "",
                sb_fabric_user_dir(a));
        sb_arena_free(a);
        return SB_EXIT_OK;
    }
    const char **kind = sb_arena_alloc(a, names.len * sizeof(char *));
    const char **target = sb_arena_alloc(a, names.len * sizeof(char *));
    const char **where = sb_arena_alloc(a, names.len * sizeof(char *));
    sb_diags d;
    sb_diags_init(&d, a);
    size_t wn = 4, wk = 4, wt = 6;
    for (size_t i = 0; i < names.len; i++) {
        const char *n = names.items[i];
        bool in_project = false;
        const char *file = sb_cli_fabric_file(a, project, n, &in_project);
        sb_fabric_def def;
        if (file && parse_file(a, n, file, &def, &d) == 0) {
            kind[i] = sb_fabric_kind_name(def.kind);
            target[i] = target_of(&def);
        } else {
            kind[i] = "?";
            target[i] = "(invalid definition)";
        }
        const char *user = sb_arena_printf(a, "%s/%s.json", sb_fabric_user_dir(a), n);
        struct stat st;
        where[i] = !file ? "?"
                   : in_project && stat(user, &st) == 0
                       ? sb_arena_printf(a, "%s (project; %s is not used)", file, user)
                   : in_project ? sb_arena_printf(a, "%s (project)", file)
                                : file;
        if (strlen(n) > wn) wn = strlen(n);
        if (strlen(kind[i]) > wk) wk = strlen(kind[i]);
        if (strlen(target[i]) > wt) wt = strlen(target[i]);
    }
    printf("%-*s  %-*s  %-*s  %s\n", (int)wn, "NAME", (int)wk, "KIND", (int)wt, "TARGET",
           "DEFINED IN");
    for (size_t i = 0; i < names.len; i++)
        printf("%-*s  %-*s  %-*s  %s\n", (int)wn, (const char *)names.items[i], (int)wk, kind[i],
               (int)wt, target[i], where[i]);
    fflush(stdout);
    rc = SB_EXIT_OK;
    if (d.errors) {
        sb_cli_print_diags(&d, false);
        rc = SB_EXIT_PROBLEMS;
    }
    sb_arena_free(a);
    return rc;
}

/* ---- show
 * ---------------------------------------------------------------------------------------- */

static int cmd_show(int argc, char **argv)
{
    const char *name = NULL, *project = NULL;
    int rc = parse_common(argc, argv, "show", &name, &project, NULL, NULL);
    if (rc) return rc < 0 ? SB_EXIT_OK : rc;
    sb_arena *a = sb_arena_new();
    project = sb_cli_fabric_project(project);
    bool in_project = false;
    const char *file = sb_cli_fabric_file(a, project, name, &in_project);
    if (!file) {
        rc = sb_cli_fabric_unknown("fabric show", a, project, name);
        sb_arena_free(a);
        return rc;
    }
    sb_fabric_def def;
    sb_diags d;
    sb_diags_init(&d, a);
    if (parse_file(a, name, file, &def, &d) != 0) {
        sb_cli_print_diags(&d, false);
        sb_arena_free(a);
        return SB_EXIT_PROBLEMS;
    }
    printf("fabric %s (%s)\n", name, sb_fabric_kind_name(def.kind));
    printf("  file        %s%s\n", file, in_project ? " (the project's, shared through Git)" : "");
    printf("  runs on     %s\n", target_of(&def));
    printf("  credential  %s\n", credential_text(a, &def));
    sb_buf out = SB_BUF_INIT;
    sb_fabric_def_write(&out, &def);
    printf("  definition\n");
    for (const char *p = sb_buf_str(&out); *p;) {
        size_t n = strcspn(p, "\n");
        printf("    %.*s\n", (int)n, p);
        p += n + (p[n] ? 1 : 0);
    }
    sb_buf_free(&out);
    sb_arena_free(a);
    return SB_EXIT_OK;
}

/* ---- test
 * ---------------------------------------------------------------------------------------- */

/* Spark's and Python's versions, from a job that counts a few rows. */
static const char VERSION_PROBE[] =
    "import json, platform\n"
    "assert spark.range(100).count() == 100\n"
    "print('SIBYL-VERSIONS ' + json.dumps({'spark': spark.version,\n"
    "                                     'python': platform.python_version()}))\n";

/* The failure of `fabric test` as one sentence: what is wrong; how to fix it. */
static void test_failed(sb_arena *a, const char *fabric, const char *msg, const char *hint,
                        bool verbose)
{
    size_t n = strcspn(msg, "\n");
    while (n && (msg[n - 1] == ':' || msg[n - 1] == '.' || msg[n - 1] == ' ')) n--;
    const char *prefix = sb_arena_printf(a, "fabric %s: ", fabric);
    bool named = strncmp(msg, prefix, strlen(prefix)) == 0;
    fprintf(stderr, "sibyl fabric test: %s%.*s%s%s\n", named ? "" : prefix, (int)n, msg,
            hint ? "; " : "", hint ? hint : "");
    if (verbose && msg[strcspn(msg, "\n")]) fprintf(stderr, "%s\n", msg + strcspn(msg, "\n") + 1);
}

static int cmd_test(int argc, char **argv)
{
    const char *name = NULL, *project = NULL;
    bool verbose = false;
    int rc = parse_common(argc, argv, "test", &name, &project, NULL, &verbose);
    if (rc) return rc < 0 ? SB_EXIT_OK : rc;
    sb_arena *a = sb_arena_new();
    project = sb_cli_fabric_project(project);
    sb_fabric_def def;
    if ((rc = sb_cli_fabric_load(self, a, project, name, &def)) != 0) {
        sb_arena_free(a);
        return rc;
    }
    sb_fabric *f = NULL;
    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric_options fo = {.notice = sb_cli_fabric_notice, .notice_ud = (void *)"fabric test"};
    if (sb_fabric_open(&def, &fo, &f, &d) != 0) {
        sb_cli_print_diags(&d, false);
        sb_arena_free(a);
        return SB_EXIT_PROBLEMS;
    }
    sb_cli_interrupt_install();
    sb_cli_interrupt_watch(f);
    double t0 = sb_cli_now_s();
    if (sb_fabric_start(f, &d) != 0) {
        const sb_diag *dg = sb_diags_at(&d, 0);
        test_failed(a, def.name, dg->message, dg->hint, verbose);
        rc = SB_EXIT_PROBLEMS;
    } else {
        double ready = sb_cli_now_s() - t0;
        /* A small Spark job proves the session runs code, and reports the
         * versions where starting the session did not. */
        sb_run_request req = {.code = VERSION_PROBE, .ship = -1};
        sb_run_result res;
        sb_run_result_init(&res);
        double t1 = sb_cli_now_s();
        if (sb_fabric_run(f, &req, &res) != 0) {
            test_failed(a, def.name, res.error ? res.error : "a Spark job failed", res.hint,
                        verbose);
            if (verbose && res.detail) fprintf(stderr, "%s\n", res.detail);
            rc = SB_EXIT_PROBLEMS;
        } else {
            const char *spark = sb_fabric_spark_version(f), *python = sb_fabric_python_version(f);
            for (size_t i = 0; i < res.output.len; i++) {
                const char *line = res.output.items[i];
                if (strncmp(line, "SIBYL-VERSIONS ", 15) != 0) continue;
                sb_diags jd;
                sb_diags_init(&jd, a);
                sb_json *v = sb_json_parse(a, line + 15, strlen(line + 15), &jd);
                const sb_json *sv = sb_json_get(v, "spark"), *pv = sb_json_get(v, "python");
                if (!spark && sv && sv->kind == SB_JSON_STRING)
                    spark = sb_arena_strdup(a, sv->u.string.s);
                if (!python && pv && pv->kind == SB_JSON_STRING)
                    python = sb_arena_strdup(a, pv->u.string.s);
            }
            const char *session = sb_fabric_session_name(f);
            printf("fabric %s (%s, %s): ok\n", def.name, sb_fabric_kind_name(def.kind),
                   target_of(&def));
            if (def.secret_source) printf("  credential  accepted, from %s\n", def.secret_source);
            printf("  Spark       %s\n", spark ? spark : "unknown");
            printf("  Python      %s\n", python ? python : "unknown");
            if (session) printf("  session     %s, ready in %.1f s\n", session, ready);
            printf("  Spark job   ran in %.1f s\n", sb_cli_now_s() - t1);
            rc = SB_EXIT_OK;
        }
        sb_run_result_free(&res);
    }
    fflush(stdout);
    sb_cli_interrupt_watch(NULL);
    sb_fabric_free(f, false);
    sb_arena_free(a);
    return rc;
}

/* ---- remove ------------------------------------------------------------------------------------
 */

static int cmd_remove(int argc, char **argv)
{
    const char *name = NULL, *project = NULL;
    bool user_level = false;
    int rc = parse_common(argc, argv, "remove", &name, &project, &user_level, NULL);
    if (rc) return rc < 0 ? SB_EXIT_OK : rc;
    if (project && user_level)
        return sb_cli_usage_error(self, "give --project DIR or --user-level, not both");
    sb_arena *a = sb_arena_new();
    bool explicit_project = project != NULL;
    project = sb_cli_fabric_project(project);
    const char *pfile =
        project && !user_level ? sb_arena_printf(a, "%s/fabrics/%s.json", project, name) : NULL;
    const char *ufile =
        explicit_project ? NULL : sb_arena_printf(a, "%s/%s.json", sb_fabric_user_dir(a), name);
    struct stat st;
    bool has_p = pfile && stat(pfile, &st) == 0, has_u = ufile && stat(ufile, &st) == 0;
    const char *victim = NULL;
    if (has_p && has_u) {
        fprintf(stderr,
                "sibyl fabric remove: fabric %s is defined in %s and in %s\n"
                "    hint: say which with --project %s or --user-level\n",
                name, pfile, ufile, project);
        sb_arena_free(a);
        return SB_EXIT_USAGE;
    }
    victim = has_p ? pfile : has_u ? ufile : NULL;
    if (!victim) {
        rc = sb_cli_fabric_unknown("fabric remove", a, user_level ? NULL : project, name);
        sb_arena_free(a);
        return rc;
    }
    if (unlink(victim) != 0) {
        fprintf(stderr, "sibyl fabric remove: cannot remove %s: %s\n", victim, strerror(errno));
        sb_arena_free(a);
        return SB_EXIT_IO;
    }
    printf("fabric %s removed (%s)\n", name, victim);
    sb_arena_free(a);
    return SB_EXIT_OK;
}

/* ---- dispatch -----------------------------------------------------------------------------------
 */

static int run_fabric(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {{"add", cmd_add},
                {"list", cmd_list},
                {"show", cmd_show},
                {"test", cmd_test},
                {"remove", cmd_remove}};
    if (argc < 2)
        return sb_cli_usage_error(self, "which subcommand? add, list, show, test or remove");
    if (sb_cli_is_help(argv[1])) return sb_cli_print_help(self);
    for (size_t i = 0; i < SB_COUNTOF(subs); i++)
        if (strcmp(argv[1], subs[i].name) == 0) return subs[i].run(argc - 1, argv + 1);
    const char *best = NULL;
    size_t dist = 3;
    for (size_t i = 0; i < SB_COUNTOF(subs); i++) {
        size_t e = sb_edit_distance(argv[1], subs[i].name);
        if (e < dist) dist = e, best = subs[i].name;
    }
    if (best)
        return sb_cli_usage_error(self, "'%s' is not a fabric subcommand; did you mean '%s'?",
                                  argv[1], best);
    return sb_cli_usage_error(self,
                              "'%s' is not a fabric subcommand (add, list, show, test, "
                              "remove)",
                              argv[1]);
}

const sb_command sb_cmd_fabric = {
    .name = "fabric",
    .summary = "Define, list, show and test the fabrics pipelines run on",
    .usage = "sibyl fabric add NAME --kind spark|livy|databricks [OPTIONS] "
             "[--project DIR | --user-level]\n"
             "       sibyl fabric list [--project DIR]\n"
             "       sibyl fabric show NAME [--project DIR]\n"
             "       sibyl fabric test NAME [--project DIR] [-v]\n"
             "       sibyl fabric remove NAME [--project DIR | --user-level]",
    .help =
        "A fabric is a Spark environment: local Spark (spark), an Apache Livy server\n"
        "(livy) or a Databricks workspace (databricks). Its definition is a file\n"
        "fabrics/NAME.json in a project (shared through Git) or in your own directory\n"
        "($SIBYL_FABRICS_DIR, else ~/.config/sibyl/fabrics); the project's wins. The\n"
        "project is --project DIR, else the current directory when it is one.\n"
        "See docs/fabrics.md.\n\n"
        "  add NAME     write a definition (to your own directory, or with --project DIR\n"
        "               to the project's fabrics/); --force replaces one\n"
        "  list         the fabrics, their kind, what they run on and where defined\n"
        "  show NAME    the definition and where its credential comes from (never\n"
        "               the secret itself)\n"
        "  test NAME    start a session: is the fabric reachable, are the credentials\n"
        "               accepted, which Spark and Python does it run; on failure one\n"
        "               sentence says what is wrong and how to fix it (-v: the log)\n"
        "  remove NAME  delete the definition\n\n"
        "Options of add (each sets the definition field of the same name):\n"
        "  --kind K                 spark, livy or databricks (required)\n"
        "  --master M               spark: local[*] (default), spark://..., yarn, k8s://...\n"
        "  --python P, --spark-home D\n"
        "  --url U                  livy: the server; databricks: the workspace\n"
        "  --auth A                 none, basic, kerberos (livy) or token\n"
        "  --user U                 the Basic auth user\n"
        "  --cluster-id ID, --profile P   databricks: the cluster, the ~/.databrickscfg profile\n"
        "  --staging-dir D          livy batches: where the package is staged\n"
        "  --queue, --proxy-user, --session-kind, --driver-memory, --executor-memory,\n"
        "  --driver-cores, --executor-cores, --num-executors    livy sessions and batches\n"
        "  --ca-file F, --insecure  TLS\n"
        "  --connect-timeout, --request-timeout, --start-timeout, --run-timeout,\n"
        "  --heartbeat S            seconds\n"
        "  --conf KEY=VALUE         a Spark setting (repeatable)\n"
        "  --description TEXT\n\n"
        "Passwords and tokens are never accepted on the command line. They come from\n"
        "SIBYL_FABRIC_<NAME>_PASSWORD or _TOKEN, or from ~/.config/sibyl/credentials.json\n"
        "(mode 0600): {\"fabrics\": {\"NAME\": {\"password\": \"...\"}}}; Databricks tokens also\n"
        "from ~/.databrickscfg.\n\n"
        "Exit status: 0, 1 when a definition is invalid or `test` fails, 2 on a usage\n"
        "error (an unknown fabric included), 3 when a file cannot be written.\n",
    .run = run_fabric,
};
