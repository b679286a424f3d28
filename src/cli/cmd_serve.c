/*
 * cmd_serve.c — `sibyl serve`: open the store, make sure the first tenant
 * exists, load the master key, start the HTTP server, and stop it
 * gracefully on SIGTERM or SIGINT.
 */
#include "cli/cli.h"
#include "base/json.h"
#include "server/server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool parse_listen(const char *s, sb_arena *a, const char **host, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon) return false;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == 0 || p < 0 || p > 65535) return false;
    const char *h = s, *he = colon;
    if (*h == '[' && he > h && he[-1] == ']') h++, he--; /* [::1]:8080 */
    *host = he > h ? sb_arena_strndup(a, h, (size_t)(he - h)) : "127.0.0.1";
    *port = (int)p;
    return true;
}

/* --config FILE: a JSON object whose members mirror the options. */
static int read_config(const char *path, sb_arena *a, sb_server_config *c, const char **data,
                       const char **listen)
{
    char *text;
    size_t len;
    if (sb_read_file(path, &text, &len) != 0) {
        fprintf(stderr, "sibyl serve: cannot read %s\n", path);
        return SB_EXIT_IO;
    }
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *j = sb_json_parse(a, text, len, &d);
    free(text);
    if (!j || j->kind != SB_JSON_OBJECT) {
        fprintf(stderr, "sibyl serve: %s is not a JSON object\n", path);
        return SB_EXIT_USAGE;
    }
    for (size_t i = 0; i < j->u.object.len; i++) {
        const sb_json_member *m = &j->u.object.members[i];
        const sb_json *v = m->value;
        bool str = v->kind == SB_JSON_STRING, num = v->kind == SB_JSON_NUMBER,
             boolean = v->kind == SB_JSON_BOOL;
        if (strcmp(m->key, "data") == 0 && str) *data = v->u.string.s;
        else if (strcmp(m->key, "listen") == 0 && str) *listen = v->u.string.s;
        else if (strcmp(m->key, "store") == 0 && str) c->store_url = v->u.string.s;
        else if (strcmp(m->key, "tls_cert") == 0 && str) c->tls_cert = v->u.string.s;
        else if (strcmp(m->key, "tls_key") == 0 && str) c->tls_key = v->u.string.s;
        else if (strcmp(m->key, "max_body") == 0 && num && v->u.number.value > 0)
            c->max_body = (size_t)v->u.number.value;
        else if (strcmp(m->key, "timeout") == 0 && num && v->u.number.value > 0)
            c->timeout_s = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "threads") == 0 && num && v->u.number.value >= 1)
            c->threads = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "secure_cookies") == 0 && boolean)
            c->secure_cookies = v->u.boolean;
        else if (strcmp(m->key, "access_log") == 0 && boolean) c->access_log = v->u.boolean;
        else if (strcmp(m->key, "run_workers") == 0 && num && v->u.number.value >= 1)
            c->run_workers = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "runs_per_tenant") == 0 && num && v->u.number.value >= 1)
            c->runs_per_tenant = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "runs_per_user") == 0 && num && v->u.number.value >= 1)
            c->runs_per_user = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "run_sample_rows") == 0 && num && v->u.number.value >= 0 &&
                 v->u.number.value <= 100000)
            c->run_sample_rows = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "run_sample_bytes") == 0 && num && v->u.number.value >= 0)
            c->run_sample_bytes = (size_t)v->u.number.value;
        else if (strcmp(m->key, "fabric_idle_timeout") == 0 && num && v->u.number.value >= 0)
            c->fabric_idle_s = (unsigned)v->u.number.value;
        else if (strcmp(m->key, "run_lease") == 0 && num && v->u.number.value >= 3 &&
                 v->u.number.value <= 86400)
            c->run_lease_s = (unsigned)v->u.number.value;
        else {
            fprintf(stderr, "sibyl serve: %s:%u:%u: unknown or mistyped setting `%s`\n", path,
                    m->line, m->col, m->key);
            return SB_EXIT_USAGE;
        }
    }
    return SB_EXIT_OK;
}

static int run_serve(int argc, char **argv)
{
    sb_arena *a = sb_arena_new();
    sb_server_config cfg;
    sb_server_config_defaults(&cfg);
    const char *data = getenv("SIBYL_DATA");
    const char *listen = NULL, *config = NULL;
    const char *tenants[16];
    size_t ntenants = 0;
    int rc = SB_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (sb_cli_is_help(argv[i])) {
            sb_arena_free(a);
            return sb_cli_print_help(&sb_cmd_serve);
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
    }
    if (config && (rc = read_config(config, a, &cfg, &data, &listen)) != SB_EXIT_OK) {
        sb_arena_free(a);
        return rc;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(arg, "--config") == 0 && has) i++;
        else if (strcmp(arg, "--data") == 0 && has) data = argv[++i];
        else if (strcmp(arg, "--listen") == 0 && has) listen = argv[++i];
        else if (strcmp(arg, "--store") == 0 && has) cfg.store_url = argv[++i];
        else if (strcmp(arg, "--tenant") == 0 && has && ntenants < SB_COUNTOF(tenants))
            tenants[ntenants++] = argv[++i];
        else if (strcmp(arg, "--threads") == 0 && has) cfg.threads = (unsigned)atoi(argv[++i]);
        else if (strcmp(arg, "--max-body") == 0 && has)
            cfg.max_body = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(arg, "--timeout") == 0 && has) cfg.timeout_s = (unsigned)atoi(argv[++i]);
        else if (strcmp(arg, "--tls-cert") == 0 && has) cfg.tls_cert = argv[++i];
        else if (strcmp(arg, "--tls-key") == 0 && has) cfg.tls_key = argv[++i];
        else if (strcmp(arg, "--insecure-cookies") == 0) cfg.secure_cookies = false;
        else if (strcmp(arg, "--no-access-log") == 0) cfg.access_log = false;
        else if (strcmp(arg, "--run-workers") == 0 && has)
            cfg.run_workers = (unsigned)atoi(argv[++i]);
        else if (strcmp(arg, "--runs-per-tenant") == 0 && has)
            cfg.runs_per_tenant = (unsigned)atoi(argv[++i]);
        else if (strcmp(arg, "--runs-per-user") == 0 && has)
            cfg.runs_per_user = (unsigned)atoi(argv[++i]);
        else {
            sb_arena_free(a);
            return sb_cli_usage_error(&sb_cmd_serve, "unknown option or missing value: '%s'",
                                      arg);
        }
    }
    if (!data) data = "sibyl-data";
    cfg.data_dir = data;
    if (listen && !parse_listen(listen, a, &cfg.host, &cfg.port)) {
        sb_arena_free(a);
        return sb_cli_usage_error(&sb_cmd_serve, "--listen wants HOST:PORT, not '%s'", listen);
    }
    if (cfg.run_workers == 0 || cfg.runs_per_tenant == 0 || cfg.runs_per_user == 0) {
        sb_arena_free(a);
        return sb_cli_usage_error(&sb_cmd_serve,
                                  "--run-workers, --runs-per-tenant and --runs-per-user must be "
                                  "positive");
    }
    if (cfg.max_body == 0 || cfg.threads == 0 || cfg.timeout_s == 0) {
        sb_arena_free(a);
        return sb_cli_usage_error(&sb_cmd_serve, "--max-body, --threads and --timeout must be positive");
    }
    if (ntenants == 0) tenants[ntenants++] = "default";
    /* The first tenant's administrators also administer the installation
     * (the master keys, /api/v1/admin/...). */
    cfg.operator_tenant = tenants[0];
    if (sb_auth_init() != 0) {
        fprintf(stderr, "sibyl serve: libsodium failed to initialise\n");
        sb_arena_free(a);
        return SB_EXIT_IO;
    }
    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "sibyl serve: cannot create %s: %s\n", data, strerror(errno));
        sb_arena_free(a);
        return SB_EXIT_IO;
    }

    sb_buf err = SB_BUF_INIT;
    sb_auth_keyring keys;
    sb_store *store = NULL;
    sb_server *srv = NULL;
    if (sb_auth_keyring_load(&keys, data, &err) != 0) {
        fprintf(stderr, "sibyl serve: %s\n", sb_buf_str(&err));
        rc = SB_EXIT_IO;
        goto out;
    }
    int st = cfg.store_url ? sb_store_open(cfg.store_url, NULL, &store)
                           : sb_store_open_dir(data, NULL, &store);
    if (st != SB_STORE_OK) {
        fprintf(stderr, "sibyl serve: cannot open the store: %s\n", sb_store_errmsg(store));
        rc = SB_EXIT_IO;
        goto out;
    }
    for (size_t i = 0; i < ntenants; i++) {
        sb_auth_bootstrap b = {.tenant_slug = tenants[i],
                               .admin_login = "admin",
                               .admin_password = getenv("SIBYL_ADMIN_PASSWORD"),
                               .team_name = "default"};
        if (sb_auth_bootstrap_tenant(store, a, &b, &err) != SB_STORE_OK) {
            fprintf(stderr, "sibyl serve: %s\n", sb_buf_str(&err));
            rc = SB_EXIT_IO;
            goto out;
        }
        if (b.created) {
            fprintf(stderr, "sibyl serve: created tenant `%s` with administrator `admin`\n",
                    tenants[i]);
            if (b.generated_password)
                fprintf(stderr,
                        "sibyl serve: the administrator's password is %s (shown only now; "
                        "change it after signing in)\n",
                        b.generated_password);
        }
    }
    sb_store_close(store);
    store = NULL;

    /* Block the stop signals before the server's threads exist, so that
     * they inherit the mask and only this thread receives them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    srv = sb_server_start(&cfg, &keys, &err);
    if (!srv) {
        fprintf(stderr, "sibyl serve: %s\n", sb_buf_str(&err));
        rc = SB_EXIT_IO;
        goto out;
    }
    bool v6 = strchr(cfg.host, ':') != NULL;
    fprintf(stderr, "sibyl serve: listening on %s://%s%s%s:%d (data in %s)\n",
            cfg.tls_cert ? "https" : "http", v6 ? "[" : "", cfg.host, v6 ? "]" : "",
            sb_server_port(srv), data);
    fflush(stderr);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "sibyl serve: %s received, finishing requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    sb_server_stop(srv, 10000);
    fprintf(stderr, "sibyl serve: stopped\n");

out:
    if (store) sb_store_close(store);
    sb_auth_keyring_clear(&keys);
    sb_buf_free(&err);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_serve = {
    .name = "serve",
    .summary = "Run the HTTP/JSON API server",
    .usage = "sibyl serve [--data DIR] [--listen HOST:PORT] [--config FILE] [--store URL]\n"
             "                   [--tenant SLUG]... [--insecure-cookies] [--threads N]\n"
             "                   [--max-body BYTES] [--timeout SECONDS] [--tls-cert PEM --tls-key PEM]\n"
             "                   [--run-workers N] [--runs-per-tenant N] [--runs-per-user N]",
    .help = "Serves the API described in docs/api.md (and at /api/v1/openapi.json).\n\n"
            "The embedded default keeps everything in DIR (default: $SIBYL_DATA or\n"
            "./sibyl-data): the SQLite database sibyl.db and the master key master.key\n"
            "(mode 0600) that seals credentials; SIBYL_MASTER_KEY overrides the file.\n"
            "--store postgresql://... uses PostgreSQL instead.\n\n"
            "The first start creates the tenant `default` (or each --tenant SLUG) with a\n"
            "team `default` and an administrator `admin` whose password is\n"
            "SIBYL_ADMIN_PASSWORD, or generated and printed once. The administrators of the\n"
            "first tenant also administer the installation: the master keys\n"
            "(/api/v1/admin/keys; `sibyl key` does the same from the command line).\n\n"
            "Options:\n"
            "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; port 0: any)\n"
            "  --config FILE        JSON settings: data, listen, store, max_body, timeout,\n"
            "                       threads, secure_cookies, access_log, tls_cert, tls_key,\n"
            "                       run_workers, runs_per_tenant, runs_per_user,\n"
            "                       run_sample_rows, run_sample_bytes, fabric_idle_timeout,\n"
            "                       run_lease (seconds without a sign of life after which\n"
            "                       another process marks a process's runs interrupted)\n"
            "  --insecure-cookies   leave the Secure attribute off cookies (plain-HTTP localhost)\n"
            "  --max-body BYTES     largest request body (default 4194304); larger gets 413\n"
            "  --timeout SECONDS    drop connections idle this long, and requests that take\n"
            "                       longer to arrive (default 30)\n"
            "  --threads N          request threads (default: the CPUs the server may run on;\n"
            "                       a sign-in hashes its password for ~0.1 s on one of them)\n"
            "  --no-access-log      no per-request JSON lines on stderr\n"
            "  --run-workers N      pipeline runs executing at once (default 4); more wait queued\n"
            "  --runs-per-tenant N  runs queued or running per tenant (default 8); more get 429\n"
            "  --runs-per-user N    runs queued or running per user (default 2); more get 429\n\n"
            "SIGTERM or SIGINT stops the server gracefully: it stops accepting, cancels\n"
            "the runs in flight, lets requests in flight finish, and marks its runs\n"
            "interrupted.\n",
    .run = run_serve,
};
