/*
 * databricks.c — the `databricks` fabric: a Databricks workspace reached
 * with the user's personal access token.
 *
 *   interactive  the Command Execution API 1.2 on a chosen all-purpose
 *                cluster: the cluster is started when it is terminated
 *                (its progress reported as notices), one Python execution
 *                context is created and kept for the fabric's life, every
 *                run is one command, polled with back-off;
 *   batch        Jobs 2.1 runs/submit: the generated package travels as a
 *                wheel uploaded to DBFS and runs as a python_wheel_task on
 *                the same cluster; its state, log and cancel map onto the
 *                batch interface.
 *
 * Every request goes through api(): 429 and 503 wait for Retry-After (and
 * transient gateway failures back off) within a bounded budget; a refused
 * token is asked once more of its token source; any other error body
 * becomes one plain sentence (databricks_answer.c).
 *
 * Databricks drops what a command printed when the command is cancelled or
 * fails, so every run's output is also kept in the execution context while
 * it runs (a tee on sys.stdout); after a cancel, a timeout or an error the
 * driver reads it back, and no edge the pipeline had reported is lost.
 */
#include "fabric/databricks.h"
#include "fabric/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RETRY_BUDGET_S = 300, CANCEL_GRACE_S = 30, DBFS_PUT_MAX = 700 * 1024,
       DBFS_BLOCK = 700 * 1024 };

typedef struct dbx {
    sb_dbx_token_source *ts;
    const char *token;       /* owned by ts */
    sb_http *http;
    const char *host;        /* f->arena */
    const char *cluster_id;  /* f->arena */
    const char *cluster;     /* "name (id)", for messages; f->arena */
    const char *context_id;  /* f->arena, NULL without a context */
    bool client_failed;
    unsigned seed;
} dbx;

/* What went wrong, ready to become a run result or a diagnostic. */
typedef struct failure {
    sb_run_state state;
    const char *message; /* one sentence */
    const char *hint;
    const char *detail;
} failure;

static void set_failure(failure *x, sb_run_state st, const char *hint, const char *message)
{
    x->state = st;
    x->message = message;
    x->hint = hint;
    x->detail = NULL;
}

static void fail_run(sb_run_result *res, const failure *x)
{
    sb_run_result_fail(res, x->state, x->hint, "%s", x->message);
    if (x->detail && !res->detail) res->detail = sb_arena_strdup(res->arena, x->detail);
}

static void fail_diag(sb_fabric *f, sb_diags *d, const failure *x)
{
    sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-databricks", "fabric %s: %s",
                               f->def.name ? f->def.name : "databricks", x->message);
    if (x->hint) sb_diag_set_hint(d, dg, "%s", x->hint);
}

static const char *jstr(const sb_json *o, const char *key)
{
    const sb_json *v = sb_json_get(o, key);
    return v && v->kind == SB_JSON_STRING ? v->u.string.s : NULL;
}

static double jnum(const sb_json *o, const char *key, double dflt)
{
    const sb_json *v = sb_json_get(o, key);
    return v && v->kind == SB_JSON_NUMBER ? v->u.number.value : dflt;
}

/* ---- the client: host, token source, HTTP ------------------------------------------------ */

static void rebuild_http(sb_fabric *f, dbx *x)
{
    sb_http_free(x->http);
    sb_http_options o = {
        .base_url = x->host,
        .auth = SB_FABRIC_AUTH_TOKEN,
        .secret = x->token,
        .ca_file = f->def.ca_file,
        .insecure = f->def.insecure,
        .connect_timeout = f->def.connect_timeout,
        .request_timeout = f->def.request_timeout,
        .cancel = &f->cancel,
    };
    x->http = sb_http_new(&o);
}

/* Work out host and token: the definition (with the credential that
 * sb_fabric_credentials_resolve found), then the environment the
 * Databricks tools use, then the ~/.databrickscfg profile. */
static int ensure_client(sb_fabric *f, failure *fx, sb_arena *a)
{
    dbx *x = f->impl;
    if (x->http) return 0;
    const sb_fabric_def *def = &f->def;
    const char *profile = def->profile ? def->profile : sb_dbx_cfg_default_profile();
    const char *cfg = sb_dbx_cfg_path(a);
    sb_dbx_profile prof = {0};
    const char *perr = NULL;
    bool have_prof = false;
    char *text = NULL;
    size_t len = 0;
    if (sb_read_file(cfg, &text, &len) == 0) {
        have_prof = sb_dbx_cfg_parse(a, cfg, text, len, profile, &prof, &perr) == 0;
        memset(text, 0, len);
        free(text);
    } else {
        perr = sb_arena_printf(a, "%s does not exist", cfg);
    }
    const char *host = def->url;
    if (!host || !*host) host = getenv("DATABRICKS_HOST");
    if ((!host || !*host) && have_prof) host = prof.host;
    if (!host || !*host) {
        set_failure(fx, SB_RUN_LOST,
                    sb_arena_printf(a, "set \"url\" in the fabric's definition, DATABRICKS_HOST, "
                                       "or host in the profile [%s] of %s",
                                    profile, cfg),
                    "no Databricks workspace URL is configured");
        return -1;
    }
    if (!strstr(host, "://")) host = sb_arena_printf(a, "https://%s", host);
    x->host = sb_arena_strdup(f->arena, host);
    if (!x->cluster_id) {
        const char *cid = def->cluster_id;
        if ((!cid || !*cid) && have_prof) cid = prof.cluster_id;
        if (cid && *cid) x->cluster_id = sb_arena_strdup(f->arena, cid);
    }
    if (def->secret && *def->secret)
        x->ts = sb_dbx_token_fixed(def->secret, def->secret_source);
    else if (!(x->ts = sb_dbx_token_env()) && have_prof)
        x->ts = sb_dbx_token_profile(cfg, profile);
    if (!x->ts) {
        set_failure(fx, SB_RUN_LOST,
                    sb_arena_printf(a, "set DATABRICKS_TOKEN (or SIBYL_FABRIC_<NAME>_TOKEN), or "
                                       "add a token to the profile [%s] of %s (%s)",
                                    profile, cfg, perr ? perr : "no such profile"),
                    sb_arena_printf(a, "no personal access token for the Databricks workspace %s",
                                    x->host));
        return -1;
    }
    const char *err = NULL;
    if (x->ts->get(x->ts, false, &x->token, &err) != 1) {
        set_failure(fx, SB_RUN_LOST, NULL,
                    sb_arena_printf(a, "no token from %s: %s", x->ts->name, err ? err : "?"));
        return -1;
    }
    rebuild_http(f, x);
    return 0;
}

/* ---- one API call, with retries ---------------------------------------------------------------- */

typedef struct answer {
    long status;
    sb_json *json; /* the parsed body of a 2xx answer (an empty object for an empty body) */
} answer;

/* `doing` names the request for messages ("starting the cluster"). */
static int api(sb_fabric *f, sb_arena *a, const char *method, const char *path,
               const char *body, const char *doing, answer *ans, failure *fx)
{
    dbx *x = f->impl;
    memset(ans, 0, sizeof(*ans));
    if (ensure_client(f, fx, a) != 0) return -1;
    bool idempotent = strcmp(method, "GET") == 0;
    bool refreshed = false, told = false;
    double deadline = sb_fabric_now_ms() + RETRY_BUDGET_S * 1000.0;
    double rto = sb_fabric_timeout(f->def.request_timeout, 60);
    for (int attempt = 1;; attempt++) {
        sb_http_response r;
        int rc = sb_http_request(x->http, method, path, body, &r);
        long status = rc == 0 ? r.status : 0;
        if (rc == 0 && status >= 200 && status < 300) {
            sb_diags d;
            sb_diags_init(&d, a);
            ans->status = status;
            ans->json = r.body.len ? sb_json_parse(a, r.body.data, r.body.len, &d) : NULL;
            if (!ans->json) ans->json = sb_json_new_object(a);
            sb_http_response_free(&r);
            return 0;
        }
        if (rc != 0 && r.outcome == SB_HTTP_CANCELLED) {
            sb_http_response_free(&r);
            set_failure(fx, SB_RUN_CANCELLED, NULL, sb_arena_printf(a, "cancelled while %s", doing));
            return -1;
        }
        if (rc != 0 && r.outcome == SB_HTTP_TIMEOUT) {
            set_failure(fx, SB_RUN_TIMED_OUT,
                        "the workspace may be overloaded; try again, or raise the fabric's "
                        "request_timeout",
                        sb_arena_printf(a, "the Databricks workspace %s did not answer within "
                                           "%.0f s while %s",
                                        x->host, rto, doing));
            sb_http_response_free(&r);
            return -1;
        }
        sb_dbx_error e = {0};
        if (rc == 0) sb_dbx_error_read(a, status, r.body.data, r.body.len, &e);
        double retry_after = rc == 0 ? r.retry_after : -1;
        const char *net = rc != 0 ? sb_arena_strdup(a, r.error) : NULL;
        sb_http_response_free(&r);

        if (status == 401 || status == 403) {
            const char *tok = NULL, *err = NULL;
            if (!refreshed && x->ts->get(x->ts, true, &tok, &err) == 1) {
                refreshed = true;
                x->token = tok;
                rebuild_http(f, x);
                sb_fabric_notice(f, NULL, "the workspace refused the token; trying the new one "
                                          "from %s", x->ts->name);
                continue;
            }
            bool expired = strstr(e.message, "xpired") != NULL;
            set_failure(fx, SB_RUN_LOST,
                        sb_arena_printf(a, "create a personal access token in the workspace "
                                           "(Settings > Developer > Access tokens) and put it in %s",
                                        x->ts->name),
                        expired ? sb_arena_printf(a, "the token from %s has expired (HTTP %ld: %s)",
                                                  x->ts->name, status, e.message)
                                : sb_arena_printf(a, "the Databricks workspace %s refused the token "
                                                     "from %s (HTTP %ld: %s)",
                                                  x->host, x->ts->name, status, e.message));
            return -1;
        }
        /* "ClusterNotReadyException" (API 1.2): the cluster is about to be ready. */
        bool not_ready = status == 400 && strstr(e.message, "ClusterNotReadyException");
        double jitter = (double)(rand_r(&x->seed) % 1000) / 1000.0;
        double wait = sb_dbx_retry_delay(not_ready ? 502 : status, retry_after, attempt,
                                         idempotent, jitter);
        if (rc != 0 && attempt > 3) wait = -1;
        if (wait >= 0 && sb_fabric_now_ms() + wait * 1000 < deadline) {
            if (!told) {
                if (status == 429)
                    sb_fabric_notice(f, NULL, "the Databricks workspace asks to slow down (HTTP 429); "
                                              "trying again in %.0f s", wait);
                else if (status)
                    sb_fabric_notice(f, NULL, "the Databricks workspace is unavailable (HTTP %ld); "
                                              "trying again in %.0f s", status, wait);
                else
                    sb_fabric_notice(f, NULL, "cannot reach the Databricks workspace (%s); "
                                              "trying again in %.0f s", net, wait);
                told = true;
            }
            sb_fabric_sleep(wait * 1000, &f->cancel);
            if (f->cancel) {
                set_failure(fx, SB_RUN_CANCELLED, NULL,
                            sb_arena_printf(a, "cancelled while %s", doing));
                return -1;
            }
            continue;
        }
        if (rc != 0) {
            set_failure(fx, SB_RUN_LOST, "check the workspace URL and the network (proxy, VPN)",
                        sb_arena_printf(a, "cannot reach the Databricks workspace %s: %s", x->host,
                                        net));
            return -1;
        }
        const char *hint = NULL;
        if (status == 429 || status == 503)
            hint = "the workspace is throttling requests; wait a little and run again";
        if (e.code)
            set_failure(fx, SB_RUN_LOST, hint,
                        sb_arena_printf(a, "%s failed: %s (HTTP %ld %s)", doing, e.message, status,
                                        e.code));
        else
            set_failure(fx, SB_RUN_LOST, hint,
                        sb_arena_printf(a, "%s failed: %s (HTTP %ld)", doing, e.message, status));
        ans->status = status;
        return -1;
    }
}

/* A JSON body built from key/value pairs: "k", "v", ... NULL. Values
 * starting with '\x01' are written raw (numbers, nested JSON). */
static const char *body_of(sb_arena *a, ...)
{
    va_list ap;
    va_start(ap, a);
    sb_buf b = SB_BUF_INIT;
    sb_buf_putc(&b, '{');
    bool first = true;
    for (const char *k; (k = va_arg(ap, const char *));) {
        const char *v = va_arg(ap, const char *);
        if (!first) sb_buf_putc(&b, ',');
        first = false;
        sb_json_write_string(&b, k, strlen(k));
        sb_buf_putc(&b, ':');
        if (v && v[0] == '\x01') sb_buf_puts(&b, v + 1);
        else sb_json_write_string(&b, v ? v : "", v ? strlen(v) : 0);
    }
    va_end(ap);
    sb_buf_putc(&b, '}');
    char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static const char *q(sb_arena *a, const char *s)
{
    /* Query values: ids are [0-9a-zA-Z-]; escape anything else. */
    sb_buf b = SB_BUF_INIT;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '-' || c == '_' || c == '.')
            sb_buf_putc(&b, (char)c);
        else
            sb_buf_printf(&b, "%%%02X", c);
    }
    char *out = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return out;
}

/* ---- the cluster ---------------------------------------------------------------------------- */

/* Wait, polling with back-off, until a cancel; returns false on cancel. */
static bool pause_for(sb_fabric *f, double *delay, double max)
{
    sb_fabric_sleep(*delay, &f->cancel);
    *delay = *delay * 1.5 > max ? max : *delay * 1.5;
    return !f->cancel;
}

static int ensure_cluster(sb_fabric *f, sb_arena *a, sb_run_result *res, failure *fx)
{
    dbx *x = f->impl;
    if (ensure_client(f, fx, a) != 0) return -1;
    if (!x->cluster_id) {
        /* Name the clusters the user could pick. */
        answer ans;
        sb_buf names = SB_BUF_INIT;
        if (api(f, a, "GET", "/api/2.1/clusters/list?page_size=20", NULL, "listing clusters",
                &ans, fx) == 0) {
            const sb_json *cl = sb_json_get(ans.json, "clusters");
            size_t shown = 0;
            for (size_t i = 0; cl && cl->kind == SB_JSON_ARRAY && i < cl->u.array.len; i++) {
                const sb_json *c = cl->u.array.items[i];
                const char *src = jstr(c, "cluster_source");
                if (src && strcmp(src, "JOB") == 0) continue;
                if (shown++ == 5) break;
                sb_buf_printf(&names, "%s%s (%s)", names.len ? ", " : "",
                              jstr(c, "cluster_id") ? jstr(c, "cluster_id") : "?",
                              jstr(c, "cluster_name") ? jstr(c, "cluster_name") : "?");
            }
        }
        set_failure(fx, SB_RUN_LOST,
                    names.len ? sb_arena_printf(a, "set \"cluster_id\" in its definition; "
                                                   "clusters of this workspace: %s",
                                                names.data)
                              : "set \"cluster_id\" in its definition (an all-purpose cluster's "
                                "id, as the workspace shows it)",
                    "the fabric names no all-purpose cluster to run on");
        sb_buf_free(&names);
        return -1;
    }
    const char *path = sb_arena_printf(a, "/api/2.1/clusters/get?cluster_id=%s", q(a, x->cluster_id));
    double start = sb_fabric_now_ms(), delay = 1000;
    double limit = sb_fabric_timeout(f->def.start_timeout, 600);
    bool started = false;
    const char *said = NULL;
    for (;;) {
        answer ans;
        if (api(f, a, "GET", path, NULL, "looking up the cluster", &ans, fx) != 0) {
            if (ans.status == 400 || ans.status == 404)
                fx->hint = "check the fabric's cluster_id against the workspace's clusters";
            return -1;
        }
        const char *state = jstr(ans.json, "state");
        const char *name = jstr(ans.json, "cluster_name");
        const char *msg = jstr(ans.json, "state_message");
        x->cluster = sb_arena_printf(f->arena, "%s (%s)", name && *name ? name : "?", x->cluster_id);
        const char *plain = msg ? sb_dbx_plain_text(a, msg, strlen(msg), 300, 0) : "";
        sb_dbx_cluster_step step = sb_dbx_cluster_step_of(state);
        if (step == SB_DBX_CLUSTER_READY) {
            if (started || said) sb_fabric_notice(f, res, "the cluster %s is running", x->cluster);
            return 0;
        }
        if (step == SB_DBX_CLUSTER_BROKEN || (started && step == SB_DBX_CLUSTER_START)) {
            const sb_json *why = sb_json_get(ans.json, "termination_reason");
            const char *code = jstr(why, "code");
            set_failure(fx, SB_RUN_LOST,
                        "look at the cluster's event log in the workspace, fix its configuration "
                        "or pick another cluster",
                        started ? sb_arena_printf(a, "the Databricks cluster %s did not start: %s%s%s",
                                                  x->cluster, code ? code : "", code && *plain ? ": " : "",
                                                  plain)
                                : sb_arena_printf(a, "the Databricks cluster %s is in state %s%s%s",
                                                  x->cluster, state ? state : "UNKNOWN",
                                                  *plain ? ": " : "", plain));
            return -1;
        }
        if (step == SB_DBX_CLUSTER_START) {
            answer sa;
            sb_fabric_notice(f, res, "starting the Databricks cluster %s; this takes a few minutes",
                             x->cluster);
            if (api(f, a, "POST", "/api/2.1/clusters/start",
                    body_of(a, "cluster_id", x->cluster_id, NULL), "starting the cluster", &sa,
                    fx) != 0 &&
                sa.status != 400) /* INVALID_STATE: someone else started it */
                return -1;
            started = true;
            delay = 1000;
            continue;
        }
        const char *now = sb_arena_printf(a, "%s%s%s", state, *plain ? ": " : "", plain);
        if (!said || strcmp(said, now) != 0) {
            sb_fabric_notice(f, res, "the cluster %s is %s", x->cluster, now);
            said = now;
        }
        if (sb_fabric_now_ms() - start > limit * 1000) {
            set_failure(fx, SB_RUN_TIMED_OUT,
                        "start the cluster in the workspace first, or raise the fabric's "
                        "start_timeout",
                        sb_arena_printf(a, "the Databricks cluster %s did not start within %.0f s "
                                           "(it is still %s)",
                                        x->cluster, limit, state));
            return -1;
        }
        if (!pause_for(f, &delay, 10000)) {
            set_failure(fx, SB_RUN_CANCELLED, NULL,
                        sb_arena_printf(a, "cancelled while waiting for the cluster %s",
                                        x->cluster));
            return -1;
        }
    }
}

/* ---- commands ------------------------------------------------------------------------------ */

typedef struct command_out {
    const char *status;   /* Finished, Cancelled, Error */
    const char *type;     /* text, table, error, ... */
    const char *text;     /* text data */
    const char *summary;  /* plain text of an error's summary */
    const char *cause;    /* plain text of an error's cause */
    bool truncated;
    bool asked_cancel;    /* we cancelled it (user or timeout) */
    bool rejected;        /* the workspace refused to take the command (HTTP 4xx) */
    sb_run_state why;     /* CANCELLED or TIMED_OUT when asked_cancel */
} command_out;

/* Execute Python in the context and wait for it. timeout_s 0: none.
 * Returns 0 when the command ended (whatever its outcome, see out), -1
 * when it could not be run or followed (fx). */
static int run_command(sb_fabric *f, sb_arena *a, const char *code, double timeout_s,
                       command_out *out, failure *fx)
{
    dbx *x = f->impl;
    memset(out, 0, sizeof(*out));
    answer ans;
    if (api(f, a, "POST", "/api/1.2/commands/execute",
            body_of(a, "clusterId", x->cluster_id, "contextId", x->context_id, "language", "python",
                    "command", code, NULL),
            "sending the run to the cluster", &ans, fx) != 0) {
        out->rejected = ans.status >= 400 && ans.status < 500;
        return -1;
    }
    const char *cmd = jstr(ans.json, "id");
    if (!cmd) {
        set_failure(fx, SB_RUN_LOST, NULL, "the workspace accepted the run but gave no command id");
        return -1;
    }
    const char *status_path =
        sb_arena_printf(a, "/api/1.2/commands/status?clusterId=%s&contextId=%s&commandId=%s",
                        q(a, x->cluster_id), q(a, x->context_id), q(a, cmd));
    const char *cancel_body =
        body_of(a, "clusterId", x->cluster_id, "contextId", x->context_id, "commandId", cmd, NULL);
    double t0 = sb_fabric_now_ms(), delay = 100, cancel_at = 0;
    for (;;) {
        bool user_cancel = f->cancel;
        bool late = timeout_s > 0 && sb_fabric_now_ms() - t0 > timeout_s * 1000;
        if ((user_cancel || late) && !out->asked_cancel) {
            /* The request that asks for the cancel must not itself be aborted. */
            f->cancel = 0;
            out->asked_cancel = true;
            out->why = user_cancel ? SB_RUN_CANCELLED : SB_RUN_TIMED_OUT;
            cancel_at = sb_fabric_now_ms();
            answer ca;
            failure ignored;
            sb_fabric_notice(f, NULL, "cancelling the command on the cluster %s", x->cluster);
            (void)api(f, a, "POST", "/api/1.2/commands/cancel", cancel_body, "cancelling the run",
                      &ca, &ignored);
        } else if (user_cancel && out->asked_cancel) {
            /* Cancelled twice: stop waiting for the cluster to confirm. */
            f->cancel = 0;
            out->status = "Cancelled";
            return 0;
        }
        if (out->asked_cancel && sb_fabric_now_ms() - cancel_at > CANCEL_GRACE_S * 1000.0) {
            out->status = "Cancelled";
            sb_fabric_notice(f, NULL, "the cluster has not confirmed the cancel after %d s; the "
                                      "command may still be running there", CANCEL_GRACE_S);
            return 0;
        }
        if (api(f, a, "GET", status_path, NULL, "following the run", &ans, fx) != 0) {
            if (fx->state == SB_RUN_CANCELLED) {
                continue; /* the cancel flag aborted the poll: ask for the cancel next */
            }
            if (!out->asked_cancel) {
                /* Do not leave the command running when we stop following it. */
                f->cancel = 0;
                answer ca;
                failure ignored;
                (void)api(f, a, "POST", "/api/1.2/commands/cancel", cancel_body,
                          "cancelling the run", &ca, &ignored);
                if (fx->state == SB_RUN_TIMED_OUT)
                    fx->message = sb_arena_printf(a, "%s; the command was cancelled", fx->message);
            }
            return -1;
        }
        const char *st = jstr(ans.json, "status");
        if (st && (strcmp(st, "Finished") == 0 || strcmp(st, "Cancelled") == 0 ||
                   strcmp(st, "Error") == 0)) {
            out->status = sb_arena_strdup(a, st);
            const sb_json *r = sb_json_get(ans.json, "results");
            out->type = jstr(r, "resultType");
            const sb_json *data = sb_json_get(r, "data");
            if (data && data->kind == SB_JSON_STRING) out->text = data->u.string.s;
            const sb_json *tr = sb_json_get(r, "truncated");
            out->truncated = tr && tr->kind == SB_JSON_BOOL && tr->u.boolean;
            const char *summary = jstr(r, "summary"), *cause = jstr(r, "cause");
            if (summary) out->summary = sb_dbx_plain_text(a, summary, strlen(summary), 400, SB_DBX_HTML);
            if (cause) out->cause = sb_dbx_plain_text(a, cause, strlen(cause), 20000, SB_DBX_KEEP_LINES);
            return 0;
        }
        sb_fabric_sleep(delay, &f->cancel);
        delay = delay * 1.5 > 1000 ? 1000 : delay * 1.5;
    }
}

/* ---- the execution context -------------------------------------------------------------------- */

static void destroy_context(sb_fabric *f)
{
    dbx *x = f->impl;
    if (!x || !x->context_id || !x->http) return;
    sb_arena *a = sb_arena_new();
    answer ans;
    failure ignored;
    f->cancel = 0;
    (void)api(f, a, "POST", "/api/1.2/contexts/destroy",
              body_of(a, "clusterId", x->cluster_id, "contextId", x->context_id, NULL),
              "closing the execution context", &ans, &ignored);
    sb_arena_free(a);
    x->context_id = NULL;
    f->session_name = NULL;
}

/* The fabric's Spark settings for the context's session. A cluster only
 * lets a session change runtime settings (spark.sql.*, most others are fixed
 * when the cluster starts): those it refuses are named in a notice. */
static void apply_conf(sb_fabric *f, sb_arena *a, sb_run_result *res)
{
    sb_buf pairs = SB_BUF_INIT;
    sb_buf_putc(&pairs, '[');
    for (size_t i = 0; i < f->def.nconf; i++) {
        const sb_fabric_conf *c = &f->def.conf[i];
        sb_buf_puts(&pairs, i ? ",[" : "[");
        sb_json_write_string(&pairs, c->key, strlen(c->key));
        sb_buf_putc(&pairs, ',');
        sb_json_write_string(&pairs, c->value, strlen(c->value));
        sb_buf_putc(&pairs, ']');
    }
    sb_buf_putc(&pairs, ']');
    sb_buf code = SB_BUF_INIT;
    sb_buf_puts(&code, "import json as _sibyl_json\n_sibyl_refused = []\n"
                       "for _sibyl_k, _sibyl_v in _sibyl_json.loads(");
    sb_json_write_string(&code, pairs.data, pairs.len);
    sb_buf_puts(&code, "):\n"
                       "    try:\n"
                       "        spark.conf.set(_sibyl_k, _sibyl_v)\n"
                       "    except Exception:\n"
                       "        _sibyl_refused.append(_sibyl_k)\n"
                       "print(', '.join(_sibyl_refused), end='')\n");
    command_out co;
    failure fx;
    if (run_command(f, a, sb_buf_str(&code), 60, &co, &fx) != 0 || !co.type ||
        strcmp(co.type, "text") != 0)
        sb_fabric_notice(f, res, "could not apply the fabric's Spark settings to the session");
    else if (co.text && *co.text)
        sb_fabric_notice(f, res, "the cluster does not let a session change %s: such settings "
                                 "belong in the cluster's Spark config",
                         co.text);
    sb_buf_free(&pairs);
    sb_buf_free(&code);
}

static int create_context(sb_fabric *f, sb_arena *a, sb_run_result *res, failure *fx)
{
    dbx *x = f->impl;
    if (ensure_cluster(f, a, res, fx) != 0) return -1;
    answer ans;
    if (api(f, a, "POST", "/api/1.2/contexts/create",
            body_of(a, "clusterId", x->cluster_id, "language", "python", NULL),
            "creating an execution context", &ans, fx) != 0)
        return -1;
    const char *id = jstr(ans.json, "id");
    if (!id) {
        set_failure(fx, SB_RUN_LOST, NULL, "the workspace created a context but gave no id");
        return -1;
    }
    x->context_id = sb_arena_strdup(f->arena, id);
    const char *path = sb_arena_printf(a, "/api/1.2/contexts/status?clusterId=%s&contextId=%s",
                                       q(a, x->cluster_id), q(a, id));
    double t0 = sb_fabric_now_ms(), delay = 300;
    double limit = sb_fabric_timeout(f->def.start_timeout, 600);
    for (;;) {
        if (api(f, a, "GET", path, NULL, "waiting for the execution context", &ans, fx) != 0) {
            destroy_context(f);
            return -1;
        }
        const char *st = jstr(ans.json, "status");
        if (st && strcmp(st, "Running") == 0) break;
        if (st && strcmp(st, "Error") == 0) {
            destroy_context(f);
            set_failure(fx, SB_RUN_LOST, "restart the cluster in the workspace and run again",
                        sb_arena_printf(a, "the execution context on the cluster %s failed to "
                                           "start",
                                        x->cluster));
            return -1;
        }
        if (sb_fabric_now_ms() - t0 > limit * 1000) {
            destroy_context(f);
            set_failure(fx, SB_RUN_TIMED_OUT, "raise the fabric's start_timeout",
                        sb_arena_printf(a, "the execution context on the cluster %s was not ready "
                                           "within %.0f s",
                                        x->cluster, limit));
            return -1;
        }
        if (!pause_for(f, &delay, 2000)) {
            destroy_context(f);
            set_failure(fx, SB_RUN_CANCELLED, NULL, "cancelled while the execution context started");
            return -1;
        }
    }
    /* Versions, for `fabric test` and the run's notices. */
    command_out co;
    failure vf;
    if (run_command(f, a,
                    "import platform as _sibyl_p\n"
                    "print(spark.version)\nprint(_sibyl_p.python_version())\n"
                    "del _sibyl_p\n",
                    60, &co, &vf) == 0 &&
        co.text && co.type && strcmp(co.type, "text") == 0) {
        size_t n = strcspn(co.text, "\n");
        f->spark_version = sb_arena_strndup(f->arena, co.text, n);
        if (co.text[n]) {
            const char *py = co.text + n + 1;
            f->python_version = sb_arena_strndup(f->arena, py, strcspn(py, "\n"));
        }
    }
    if (f->def.nconf > 0) apply_conf(f, a, res);
    f->session_name = sb_arena_printf(f->arena, "databricks context %s on cluster %s",
                                      x->context_id, x->cluster);
    sb_fabric_notice(f, res, "execution context %s is ready on the cluster %s (Spark %s)",
                     x->context_id, x->cluster, f->spark_version ? f->spark_version : "?");
    return 0;
}

static int ensure_context(sb_fabric *f, sb_arena *a, sb_run_result *res, failure *fx)
{
    dbx *x = f->impl;
    if (x->context_id) return 0;
    return create_context(f, a, res, fx);
}

/* ---- the driver ---------------------------------------------------------------------------------- */

static dbx *impl_of(sb_fabric *f)
{
    if (!f->impl) {
        dbx *x = sb_xcalloc(1, sizeof(*x));
        x->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)f;
        f->impl = x;
    }
    return f->impl;
}

static int dbx_start(sb_fabric *f, sb_diags *d)
{
    impl_of(f);
    sb_arena *a = sb_arena_new();
    failure fx = {0};
    int rc = ensure_context(f, a, NULL, &fx);
    if (rc != 0) fail_diag(f, d, &fx);
    sb_arena_free(a);
    return rc;
}

/* The run's program, wrapped so that what it prints is also kept in the
 * context (read back after a cancel, a timeout or an error). */
static char *wrap(sb_arena *a, const char *code)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b,
                "import sys as _sibyl_sys\n"
                "_sibyl_kept = []\n"
                "class _SibylTee(object):\n"
                "    def __init__(self, inner, kept):\n"
                "        self._inner, self._kept = inner, kept\n"
                "    def write(self, s):\n"
                "        self._kept.append(s)\n"
                "        return self._inner.write(s)\n"
                "    def __getattr__(self, name):\n"
                "        return getattr(self._inner, name)\n"
                "_sibyl_out = _sibyl_sys.stdout\n"
                "_sibyl_sys.stdout = _SibylTee(_sibyl_out, _sibyl_kept)\n"
                "try:\n"
                "    exec(compile(");
    /* A JSON string literal is a valid Python string literal. */
    sb_json_write_string(&b, code, strlen(code));
    sb_buf_puts(&b, ", '<sibyl>', 'exec'), globals())\n"
                    "finally:\n"
                    "    _sibyl_sys.stdout = _sibyl_out\n");
    char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

/* Read back what the run printed before it was stopped. */
static void recover_output(sb_fabric *f, sb_arena *a, const sb_run_request *req, sb_run_result *res)
{
    command_out co;
    failure fx;
    f->cancel = 0;
    if (run_command(f, a, "print(''.join(globals().get('_sibyl_kept', [])), end='')\n", 60, &co,
                    &fx) != 0 ||
        !co.text || !co.type || strcmp(co.type, "text") != 0)
        return;
    size_t before = res->edges.len;
    sb_run_result_text(res, req, co.text, strlen(co.text));
    if (res->edges.len > before)
        sb_fabric_notice(f, res, "kept %zu preview(s) the run had produced before it stopped",
                         res->edges.len - before);
}

static bool driver_restarted(const command_out *co)
{
    const char *s = co->summary ? co->summary : "";
    const char *c = co->cause ? co->cause : "";
    return strstr(s, "driver has stopped unexpectedly") || strstr(c, "driver has stopped unexpectedly") ||
           strstr(s, "kernel is unresponsive") || strstr(s, "Python interpreter is unresponsive");
}

static void dbx_run(sb_fabric *f, const sb_run_request *req, const char *code, sb_run_result *res)
{
    dbx *x = impl_of(f);
    sb_arena *a = sb_arena_new();
    failure fx = {0};
    if (ensure_context(f, a, res, &fx) != 0) {
        fail_run(res, &fx);
        sb_arena_free(a);
        return;
    }
    const char *program = wrap(a, code);
    double timeout = req->timeout > 0 ? req->timeout : f->def.run_timeout;
    command_out co;
    int rc = run_command(f, a, program, timeout, &co, &fx);
    if (rc != 0 && co.rejected) {
        /* The context went away between runs (the cluster auto-terminated,
         * its driver restarted): the cluster is started again if need be,
         * a new context made, and the run sent once more. */
        sb_fabric_notice(f, res, "the cluster %s refused the run (%s); starting a new execution "
                                 "context",
                         x->cluster, fx.message);
        destroy_context(f);
        if (create_context(f, a, res, &fx) == 0) rc = run_command(f, a, program, timeout, &co, &fx);
    }
    if (rc != 0) {
        fail_run(res, &fx);
        if (fx.state == SB_RUN_TIMED_OUT || fx.state == SB_RUN_CANCELLED)
            recover_output(f, a, req, res);
        sb_arena_free(a);
        return;
    }
    if (co.asked_cancel) {
        if (co.why == SB_RUN_TIMED_OUT)
            sb_run_result_fail(res, SB_RUN_TIMED_OUT, "raise the fabric's run_timeout",
                               "the run did not finish within %.0f s; it was cancelled", timeout);
        else
            sb_run_result_fail(res, SB_RUN_CANCELLED, NULL, "the run was cancelled");
        recover_output(f, a, req, res);
    } else if (strcmp(co.status, "Finished") == 0 && co.type && strcmp(co.type, "error") != 0) {
        if (co.text) sb_run_result_text(res, req, co.text, strlen(co.text));
        if (co.truncated)
            sb_fabric_notice(f, res, "Databricks cut the run's output short; some previews may "
                                     "be missing (ask for fewer sample rows)");
    } else if (strcmp(co.status, "Cancelled") == 0) {
        sb_run_result_fail(res, SB_RUN_LOST, "run again",
                           "the command was cancelled on the cluster %s (by someone else, or "
                           "by the cluster)",
                           x->cluster);
        recover_output(f, a, req, res);
    } else if (driver_restarted(&co)) {
        sb_run_result_fail(res, SB_RUN_LOST,
                           "run again; if it happens again, the driver may be short of memory",
                           "the Spark driver of the cluster %s stopped unexpectedly and is "
                           "restarting",
                           x->cluster);
        if (co.cause) res->detail = sb_arena_strdup(res->arena, co.cause);
        destroy_context(f); /* it went with the driver; say goodbye anyway */
    } else {
        /* An error the bootstrap could not catch, or an Error status. */
        const char *what = co.summary && *co.summary ? co.summary : co.status;
        sb_run_result_fail(res, strcmp(co.status, "Error") == 0 ? SB_RUN_LOST : SB_RUN_FAILED,
                           NULL, "%s", what);
        if (co.cause) res->detail = sb_arena_strdup(res->arena, co.cause);
        recover_output(f, a, req, res);
    }
    sb_arena_free(a);
}

static void dbx_stop(sb_fabric *f)
{
    if (f->impl) destroy_context(f);
}

static void dbx_free(sb_fabric *f, bool keep_warm)
{
    dbx *x = f->impl;
    if (!x) return;
    /* An execution context holds memory on a shared cluster: never left
     * behind, whatever keep_warm says (a new one takes seconds). */
    destroy_context(f);
    sb_http_free(x->http);
    sb_dbx_token_free(x->ts);
    free(x);
    f->impl = NULL;
}

/* ---- batch runs: Jobs runs/submit ----------------------------------------------------------------- */

typedef struct dbx_batch {
    long long run_id;
    long long task_run_id; /* the task's own run, for get-output */
} dbx_batch;

static int upload_dbfs(sb_fabric *f, sb_arena *a, const char *path, const sb_buf *data,
                       failure *fx)
{
    answer ans;
    sb_buf b64 = SB_BUF_INIT;
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t off = 0;
    long long handle = -1;
    int rc = 0;
    const char *doing = sb_arena_printf(a, "uploading the package to %s", path);
    if (data->len > DBFS_PUT_MAX) {
        if (api(f, a, "POST", "/api/2.0/dbfs/create",
                body_of(a, "path", path, "overwrite", "\x01true", NULL), doing, &ans, fx) != 0)
            return -1;
        handle = (long long)jnum(ans.json, "handle", -1);
    }
    do {
        size_t n = data->len - off;
        if (handle >= 0 && n > DBFS_BLOCK) n = DBFS_BLOCK;
        sb_buf_reset(&b64);
        const unsigned char *p = (const unsigned char *)data->data + off;
        size_t i = 0;
        for (; i + 3 <= n; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
            char o[4] = {al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63], al[v & 63]};
            sb_buf_add(&b64, o, 4);
        }
        if (n - i == 1) {
            uint32_t v = (uint32_t)p[i] << 16;
            char o[4] = {al[v >> 18], al[(v >> 12) & 63], '=', '='};
            sb_buf_add(&b64, o, 4);
        } else if (n - i == 2) {
            uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
            char o[4] = {al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63], '='};
            sb_buf_add(&b64, o, 4);
        }
        if (handle >= 0) {
            rc = api(f, a, "POST", "/api/2.0/dbfs/add-block",
                     body_of(a, "handle", sb_arena_printf(a, "\x01%lld", handle), "data",
                             sb_buf_str(&b64), NULL),
                     doing, &ans, fx);
        } else {
            rc = api(f, a, "POST", "/api/2.0/dbfs/put",
                     body_of(a, "path", path, "contents", sb_buf_str(&b64), "overwrite", "\x01true",
                             NULL),
                     doing, &ans, fx);
        }
        off += n;
    } while (rc == 0 && off < data->len);
    sb_buf_free(&b64);
    if (rc == 0 && handle >= 0)
        rc = api(f, a, "POST", "/api/2.0/dbfs/close",
                 body_of(a, "handle", sb_arena_printf(a, "\x01%lld", handle), NULL), doing, &ans, fx);
    return rc;
}

static int dbx_submit(sb_fabric *f, const sb_batch_request *req, sb_batch *b, sb_diags *d)
{
    dbx *x = impl_of(f);
    sb_arena *a = b->arena;
    failure fx = {0};
    if (ensure_client(f, &fx, a) != 0) {
        fail_diag(f, d, &fx);
        return -1;
    }
    if (!x->cluster_id) {
        set_failure(&fx, SB_RUN_LOST, "set \"cluster_id\" in its definition",
                    "the fabric names no cluster for the batch run");
        fail_diag(f, d, &fx);
        return -1;
    }
    sb_buf whl = SB_BUF_INIT;
    const char *file = NULL, *err = NULL;
    if (sb_dbx_wheel_build(a, req->package_dir, req->module, &whl, &file, &err) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-package", "fabric %s: %s", f->def.name, err);
        sb_buf_free(&whl);
        return -1;
    }
    const char *stage = f->def.staging_dir && *f->def.staging_dir ? f->def.staging_dir
                                                                   : "dbfs:/tmp/sibyl/packages";
    size_t sl = strlen(stage);
    while (sl > 0 && stage[sl - 1] == '/') sl--;
    const char *path = sb_arena_printf(a, "%.*s/%s", (int)sl, stage, file);
    int rc = upload_dbfs(f, a, path, &whl, &fx);
    sb_buf_free(&whl);
    if (rc != 0) {
        fail_diag(f, d, &fx);
        return -1;
    }
    /* The package's argv, as for an interactive run. */
    sb_run_request rr = {.args = req->args, .nargs = req->nargs, .config = req->config};
    sb_vec argv = {0};
    sb_fabric_package_args(a, &rr, &argv);
    sb_buf params = SB_BUF_INIT;
    sb_buf_putc(&params, '\x01');
    sb_buf_putc(&params, '[');
    for (size_t i = 0; i < argv.len; i++) {
        if (i) sb_buf_putc(&params, ',');
        sb_json_write_string(&params, argv.items[i], strlen(argv.items[i]));
    }
    sb_buf_putc(&params, ']');
    sb_buf task = SB_BUF_INIT;
    sb_buf_puts(&task, "\x01[{\"task_key\":");
    sb_json_write_string(&task, req->module, strlen(req->module));
    sb_buf_puts(&task, ",\"existing_cluster_id\":");
    sb_json_write_string(&task, x->cluster_id, strlen(x->cluster_id));
    sb_buf_puts(&task, ",\"libraries\":[{\"whl\":");
    sb_json_write_string(&task, path, strlen(path));
    sb_buf_puts(&task, "}],\"python_wheel_task\":{\"package_name\":");
    sb_json_write_string(&task, req->module, strlen(req->module));
    sb_buf_puts(&task, ",\"entry_point\":");
    sb_json_write_string(&task, req->module, strlen(req->module));
    sb_buf_printf(&task, ",\"parameters\":%s}}]", params.data + 1);
    /* A retried submit must not start the run twice. */
    unsigned char h[32];
    char tok[40];
    const char *seed = sb_arena_printf(a, "%s|%s|%f|%u", path, task.data, sb_fabric_now_ms(),
                                       (unsigned)rand_r(&x->seed));
    sb_dbx_sha256(seed, strlen(seed), h);
    for (int i = 0; i < 16; i++) snprintf(tok + 2 * i, 3, "%02x", h[i]);
    const char *name = req->name ? req->name : sb_arena_printf(a, "sibyl %s", req->module);
    answer ans;
    rc = api(f, a, "POST", "/api/2.1/jobs/runs/submit",
             body_of(a, "run_name", name, "idempotency_token", tok, "tasks", task.data, NULL),
             "submitting the batch run", &ans, &fx);
    sb_buf_free(&params);
    sb_buf_free(&task);
    if (rc != 0) {
        fail_diag(f, d, &fx);
        return -1;
    }
    dbx_batch *db = sb_arena_alloc(a, sizeof(*db));
    db->run_id = (long long)jnum(ans.json, "run_id", -1);
    db->task_run_id = -1;
    b->impl = db;
    b->last.state = SB_BATCH_STARTING;
    b->last.id = sb_arena_printf(a, "databricks run %lld", db->run_id);
    return 0;
}

static const char *task_error(sb_fabric *f, sb_arena *a, dbx_batch *db)
{
    if (db->task_run_id < 0) return NULL;
    answer ans;
    failure fx;
    if (api(f, a, "GET", sb_arena_printf(a, "/api/2.1/jobs/runs/get-output?run_id=%lld",
                                         db->task_run_id),
            NULL, "reading the run's output", &ans, &fx) != 0)
        return NULL;
    const char *e = jstr(ans.json, "error");
    return e ? sb_dbx_plain_text(a, e, strlen(e), 400, 0) : NULL;
}

static int dbx_poll(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d)
{
    dbx_batch *db = b->impl;
    sb_arena *a = sb_arena_new();
    failure fx = {0};
    answer ans;
    int rc = api(f, a, "GET", sb_arena_printf(a, "/api/2.1/jobs/runs/get?run_id=%lld", db->run_id),
                 NULL, "following the batch run", &ans, &fx);
    if (rc != 0 && fx.state == SB_RUN_CANCELLED) {
        /* A cancel cut the poll short: the state is the last one seen, and
         * the caller goes on to cancel the run. */
        sb_arena_free(a);
        return 0;
    }
    if (rc != 0) {
        fail_diag(f, d, &fx);
        sb_arena_free(a);
        return -1;
    }
    const sb_json *state = sb_json_get(ans.json, "state");
    const char *life = jstr(state, "life_cycle_state");
    const char *result = jstr(state, "result_state");
    const char *msg = jstr(state, "state_message");
    const sb_json *tasks = sb_json_get(ans.json, "tasks");
    if (tasks && tasks->kind == SB_JSON_ARRAY && tasks->u.array.len > 0)
        db->task_run_id = (long long)jnum(tasks->u.array.items[0], "run_id", -1);
    st->state = sb_dbx_run_state(life, result);
    const char *page = jstr(ans.json, "run_page_url");
    if (page && !st->app_id) st->app_id = sb_arena_strdup(b->arena, page);
    if (st->state == SB_BATCH_FAILED) {
        const char *why = task_error(f, a, db);
        const char *plain = msg ? sb_dbx_plain_text(a, msg, strlen(msg), 400, 0) : "";
        if (why && *plain)
            st->message = sb_arena_printf(b->arena, "%s (%s: %s)", why,
                                          life ? life : "?", plain);
        else
            st->message = sb_arena_printf(b->arena, "%s", why ? why : *plain ? plain : "the run failed");
    } else if (st->state == SB_BATCH_KILLED) {
        st->message = sb_arena_strdup(b->arena, "the run was cancelled");
    }
    sb_arena_free(a);
    return 0;
}

static int dbx_log(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a, sb_vec *lines,
                   long *total, sb_diags *d)
{
    dbx_batch *db = b->impl;
    *total = 0;
    if (db->task_run_id < 0) {
        sb_batch_status st;
        if (dbx_poll(f, b, &st, d) != 0) return -1;
        if (db->task_run_id < 0) return 0;
    }
    sb_arena *t = sb_arena_new();
    failure fx = {0};
    answer ans;
    if (api(f, t, "GET", sb_arena_printf(t, "/api/2.1/jobs/runs/get-output?run_id=%lld",
                                         db->task_run_id),
            NULL, "reading the run's log", &ans, &fx) != 0) {
        fail_diag(f, d, &fx);
        sb_arena_free(t);
        return -1;
    }
    sb_buf text = SB_BUF_INIT;
    const char *logs = jstr(ans.json, "logs");
    if (logs) sb_buf_puts(&text, logs);
    const char *trace = jstr(ans.json, "error_trace");
    if (trace && (!logs || !strstr(logs, trace))) {
        if (text.len && text.data[text.len - 1] != '\n') sb_buf_putc(&text, '\n');
        sb_buf_puts(&text, sb_dbx_plain_text(t, trace, strlen(trace), 1 << 20, SB_DBX_KEEP_LINES));
    }
    sb_vec all = {0};
    const char *s = sb_buf_str(&text);
    for (size_t i = 0; i < text.len;) {
        size_t n = strcspn(s + i, "\n");
        sb_vec_push(t, &all, sb_arena_strndup(t, s + i, n));
        i += n + 1;
    }
    sb_buf_free(&text);
    long count = (long)all.len;
    *total = count;
    long start = from < 0 ? count - size : from;
    if (start < 0) start = 0;
    for (long i = start; i < count && i < start + size; i++)
        sb_vec_push(a, lines, sb_arena_strdup(a, all.items[i]));
    sb_arena_free(t);
    return 0;
}

static int dbx_cancel(sb_fabric *f, sb_batch *b, sb_diags *d)
{
    dbx_batch *db = b->impl;
    sb_arena *a = sb_arena_new();
    failure fx = {0};
    answer ans;
    int rc = api(f, a, "POST", "/api/2.1/jobs/runs/cancel",
                 body_of(a, "run_id", sb_arena_printf(a, "\x01%lld", db->run_id), NULL),
                 "cancelling the batch run", &ans, &fx);
    if (rc != 0) fail_diag(f, d, &fx);
    sb_arena_free(a);
    return rc;
}

const sb_fabric_driver sb_fabric_databricks_driver = {
    .kind = "databricks",
    .start = dbx_start,
    .run = dbx_run,
    .stop = dbx_stop,
    .free = dbx_free,
    .local_files = false,
    .submit = dbx_submit,
    .poll = dbx_poll,
    .log = dbx_log,
    .cancel = dbx_cancel,
    .batch_free = NULL,
};
