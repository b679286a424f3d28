/*
 * livy.c — the `livy` fabric: Apache Livy's REST API (see
 * ../shared/reference/livy.md), as MapR, CDP, HDP, EMR and Spark on
 * Kubernetes deploy it.
 *
 * Interactive runs use one pyspark session per fabric, kept warm and reused:
 * between runs of one process, and between processes through a small state
 * file that remembers the session id. Each run is one statement (the
 * bootstrap program), polled with back-off; its text/plain output carries
 * the SIBYL-EDGE lines.
 *
 * The pitfalls of reference/livy.md and what this file does about them:
 *   - CSRF protection: X-Requested-By on every request;
 *   - idle sessions are killed (404 "Session 'N' not found", 400 "Session
 *     isn't active"): the run starts a new session, retries once and says
 *     so in a notice;
 *   - long statements: POST /sessions/{id}/connect as a heartbeat, so the
 *     idle timeout does not kill a session that is working;
 *   - a failed statement ends `available` with output.status "error"; an
 *     evalue "Interpreter died" means the session is lost: it is deleted
 *     and the next run starts a new one;
 *   - finished sessions are forgotten after minutes and only the last 100
 *     statements are kept: statements are polled until they finish;
 *   - the 50 MB RPC limit: only samples and counts travel back;
 *   - sessions can sit in `starting` for minutes on a busy YARN: progress
 *     and the session log's last line are shown, with a clear time-out;
 *   - a session that fails to start, or whose start is cancelled or timed
 *     out, is deleted: nothing is left running on the cluster.
 *
 * Batch runs stage the package (a launcher and a zip of the package) in
 * staging_dir, a directory this machine can write and the Livy server can
 * read (the same host, a shared mount; whitelisted with
 * livy.file.local-dir-whitelist), then POST /batches.
 */
#define _GNU_SOURCE /* memmem */
#include "fabric/fabric_internal.h"
#include "fabric/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CANCEL_GRACE_MS = 15000, POLL_RETRIES = 2 };

typedef struct livy_impl {
    sb_http *http;
    long session; /* -1: none */
    char *session_label;
    bool session_from_state; /* adopted from the state file */
} livy_impl;

static livy_impl *impl_of(sb_fabric *f)
{
    if (!f->impl) {
        livy_impl *l = sb_xcalloc(1, sizeof(*l));
        l->session = -1;
        static const char *const headers[] = {"X-Requested-By: sibyl", NULL};
        sb_http_options o = {
            .base_url = f->def.url,
            .auth = f->def.auth,
            .user = f->def.user,
            .secret = f->def.secret,
            .ca_file = f->def.ca_file,
            .insecure = f->def.insecure,
            .connect_timeout = f->def.connect_timeout,
            .request_timeout = f->def.request_timeout,
            .cancel = &f->cancel,
            .headers = headers,
        };
        l->http = sb_http_new(&o);
        f->impl = l;
    }
    return f->impl;
}

/* ---- requests and their failures ------------------------------------------ */

typedef struct call {
    sb_http_response r;
    sb_json *json; /* parsed body, or NULL */
} call;

/* One request; the body is parsed as JSON into arena a. */
static int do_call(sb_fabric *f, sb_arena *a, const char *method, const char *path,
                   const char *body, call *c)
{
    livy_impl *l = impl_of(f);
    memset(c, 0, sizeof(*c));
    int rc = sb_http_request(l->http, method, path, body, &c->r);
    if (rc == 0 && c->r.body.len) {
        sb_diags d;
        sb_diags_init(&d, a);
        c->json = sb_json_parse(a, c->r.body.data, c->r.body.len, &d);
    }
    return rc;
}

static void call_free(call *c)
{
    sb_http_response_free(&c->r);
}

static const char *jstr(const sb_json *o, const char *key)
{
    const sb_json *v = sb_json_get(o, key);
    return v && v->kind == SB_JSON_STRING ? v->u.string.s : NULL;
}

static long jlong(const sb_json *o, const char *key, long dflt)
{
    const sb_json *v = sb_json_get(o, key);
    return v && v->kind == SB_JSON_NUMBER ? (long)v->u.number.value : dflt;
}

/* Livy's error body is {"msg": "..."}; some proxies answer HTML. */
static const char *server_msg(sb_arena *a, const call *c)
{
    const char *m = jstr(c->json, "msg");
    if (!m && c->json && c->json->kind == SB_JSON_STRING) m = c->json->u.string.s;
    if (m) return m;
    size_t n = c->r.body.len;
    if (n == 0) return "";
    if (n > 200) n = 200;
    return sb_arena_strndup(a, c->r.body.data, strcspn(c->r.body.data, "\n") < n
                                                   ? strcspn(c->r.body.data, "\n")
                                                   : n);
}

/* One sentence (and a hint) for a request that did not get the answer it
 * wanted. `what` says what sibyl was doing ("creating a session"). */
typedef struct failure {
    sb_run_state state;
    const char *message, *hint;
} failure;

static failure describe(sb_fabric *f, sb_arena *a, const call *c, const char *what)
{
    failure x = {SB_RUN_LOST, NULL, NULL};
    const char *url = f->def.url;
    switch (c->r.outcome) {
    case SB_HTTP_TIMEOUT:
        x.state = SB_RUN_TIMED_OUT;
        x.message = sb_arena_printf(a, "Livy at %s did not answer in time while %s (%s)", url,
                                    what, c->r.error);
        x.hint = "check that the server is up and not overloaded, or raise the fabric's "
                 "request_timeout";
        return x;
    case SB_HTTP_CANCELLED:
        x.state = SB_RUN_CANCELLED;
        x.message = sb_arena_printf(a, "cancelled while %s", what);
        return x;
    case SB_HTTP_NETWORK:
        x.message = sb_arena_printf(a, "cannot reach Livy at %s while %s: %s", url, what,
                                    c->r.error);
        x.hint = "check the fabric's url, the network and any proxy or VPN";
        return x;
    case SB_HTTP_OK:
        break;
    }
    long st = c->r.status;
    const char *msg = server_msg(a, c);
    if (st == 401) {
        x.message = sb_arena_printf(a, "Livy at %s refused the credentials (HTTP 401) while %s",
                                    url, what);
        if (f->def.auth == SB_FABRIC_AUTH_BASIC)
            x.hint = sb_arena_printf(a, "check the user \"%s\" and the password from %s",
                                     f->def.user ? f->def.user : "",
                                     f->def.secret_source ? f->def.secret_source : "the fabric");
        else if (f->def.auth == SB_FABRIC_AUTH_KERBEROS)
            x.hint = "run `kinit` (the Kerberos ticket may have expired) and check `klist`";
        else
            x.hint = "the server wants authentication: set the fabric's auth to basic or kerberos";
    } else if (st == 403) {
        x.message = sb_arena_printf(a, "Livy at %s refused access (HTTP 403) while %s: %s", url,
                                    what, msg);
        x.hint = f->def.proxy_user ? "check that your user may impersonate the proxy_user"
                                   : "check the server's access control lists";
    } else if (st == 400 && strstr(msg, "CSRF")) {
        x.message = sb_arena_printf(a, "Livy rejected the request as a CSRF risk: %s", msg);
        x.hint = "a proxy between sibyl and Livy drops the X-Requested-By header";
    } else if (st == 404) {
        x.message = sb_arena_printf(a, "Livy answered 404 while %s: %s", what, msg);
        x.hint = "check the fabric's url (a gateway such as Knox needs its full path, e.g. "
                 "https://host:8443/gateway/default/livy/v1)";
    } else {
        x.message = sb_arena_printf(a, "Livy answered HTTP %ld while %s%s%s", st, what,
                                    *msg ? ": " : "", msg);
    }
    return x;
}

static void fail_run(sb_run_result *res, const failure *x)
{
    sb_run_result_fail(res, x->state, x->hint, "%s", x->message);
}

static void fail_diag(sb_diags *d, const failure *x)
{
    sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR,
                               x->state == SB_RUN_TIMED_OUT   ? "fabric-timeout"
                               : x->state == SB_RUN_CANCELLED ? "fabric-cancelled"
                                                              : "fabric-livy",
                               "%s", x->message);
    if (x->hint) sb_diag_set_hint(d, dg, "%s", x->hint);
}

/* ---- remembering the warm session ------------------------------------------ */

static const char *state_path(sb_fabric *f, sb_arena *a)
{
    const char *dir = f->opt.state_dir;
    if (dir && !*dir) return NULL;
    if (!dir) {
        const char *xdg = getenv("XDG_STATE_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg) dir = sb_arena_printf(a, "%s/sibyl", xdg);
        else if (home && *home) dir = sb_arena_printf(a, "%s/.local/state/sibyl", home);
        else return NULL;
    }
    return sb_arena_printf(a, "%s/livy-%s.json", dir, f->def.name ? f->def.name : "default");
}

static void mkdirs(const char *path)
{
    char *p = sb_xstrdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(p, 0700);
            *s = '/';
        }
    free(p);
}

static void save_state(sb_fabric *f, long session)
{
    sb_arena *a = sb_arena_new();
    const char *path = state_path(f, a);
    if (path) {
        if (session < 0) {
            unlink(path);
        } else {
            mkdirs(path);
            sb_buf b = SB_BUF_INIT;
            sb_buf_puts(&b, "{\"session\":");
            sb_buf_printf(&b, "%ld,\"url\":", session);
            sb_json_write_string(&b, f->def.url, strlen(f->def.url));
            sb_buf_puts(&b, "}\n");
            sb_write_file_atomic(path, b.data, b.len);
            sb_buf_free(&b);
        }
    }
    sb_arena_free(a);
}

static long load_state(sb_fabric *f)
{
    sb_arena *a = sb_arena_new();
    long id = -1;
    const char *path = state_path(f, a);
    char *text = NULL;
    size_t len = 0;
    if (path && sb_read_file(path, &text, &len) == 0) {
        sb_diags d;
        sb_diags_init(&d, a);
        sb_json *v = sb_json_parse(a, text, len, &d);
        const char *url = jstr(v, "url");
        /* A session on another server is not ours to reuse. */
        if (url && f->def.url && strcmp(url, f->def.url) == 0) id = jlong(v, "session", -1);
        free(text);
    }
    sb_arena_free(a);
    return id;
}

static void set_session(sb_fabric *f, long id)
{
    livy_impl *l = impl_of(f);
    l->session = id;
    free(l->session_label);
    l->session_label = NULL;
    if (id >= 0) {
        sb_buf b = SB_BUF_INIT;
        sb_buf_printf(&b, "livy session %ld", id);
        l->session_label = sb_buf_detach(&b);
    }
    f->session_name = l->session_label;
    save_state(f, id);
}

/* ---- sessions ------------------------------------------------------------------ */

static bool state_is_terminal(const char *s)
{
    return s && (strcmp(s, "error") == 0 || strcmp(s, "dead") == 0 || strcmp(s, "killed") == 0 ||
                 strcmp(s, "success") == 0 || strcmp(s, "shutting_down") == 0);
}

static void delete_session(sb_fabric *f, long id)
{
    if (id < 0) return;
    sb_arena *a = sb_arena_new();
    char path[64];
    snprintf(path, sizeof(path), "/sessions/%ld", id);
    call c;
    /* Best effort, and even after a cancel: nothing may be left running. */
    sig_atomic_t saved = f->cancel;
    f->cancel = 0;
    do_call(f, a, "DELETE", path, NULL, &c);
    f->cancel = saved;
    call_free(&c);
    sb_arena_free(a);
}

/* The last line of a session's log (for progress and failure messages). */
static const char *session_log_tail(sb_fabric *f, sb_arena *a, long id, int lines)
{
    char path[96];
    snprintf(path, sizeof(path), "/sessions/%ld/log?size=%d", id, lines);
    call c;
    const char *tail = NULL;
    if (do_call(f, a, "GET", path, NULL, &c) == 0 && c.r.status == 200) {
        const sb_json *log = sb_json_get(c.json, "log");
        if (log && log->kind == SB_JSON_ARRAY && log->u.array.len) {
            sb_buf b = SB_BUF_INIT;
            for (size_t i = 0; i < log->u.array.len; i++)
                if (log->u.array.items[i]->kind == SB_JSON_STRING) {
                    if (b.len) sb_buf_putc(&b, '\n');
                    sb_buf_puts(&b, log->u.array.items[i]->u.string.s);
                }
            tail = sb_arena_strdup(a, sb_buf_str(&b));
            sb_buf_free(&b);
        }
    }
    call_free(&c);
    return tail;
}

/* Wait for session `id` to be idle. Returns 0, or -1 with *x filled. */
static int wait_idle(sb_fabric *f, sb_arena *a, long id, sb_run_result *res, failure *x)
{
    double t0 = sb_fabric_now_ms(), delay = 250, last_note = t0;
    double limit = sb_fabric_timeout(f->def.start_timeout, 600) * 1000;
    char path[64];
    snprintf(path, sizeof(path), "/sessions/%ld/state", id);
    const char *seen = NULL;
    int transient = 0;
    for (;;) {
        call c;
        do_call(f, a, "GET", path, NULL, &c);
        if (c.r.outcome != SB_HTTP_OK || c.r.status != 200) {
            if (c.r.outcome == SB_HTTP_OK && c.r.status == 404) {
                x->state = SB_RUN_LOST;
                x->message = sb_arena_printf(a, "Livy session %ld disappeared while starting", id);
                x->hint = "the server may have been restarted; run again";
                call_free(&c);
                return -1;
            }
            if (c.r.outcome == SB_HTTP_TIMEOUT && ++transient <= POLL_RETRIES) {
                call_free(&c);
                continue;
            }
            *x = describe(f, a, &c, "waiting for the session to start");
            call_free(&c);
            delete_session(f, id);
            return -1;
        }
        transient = 0;
        const char *st = jstr(c.json, "state");
        st = st ? sb_arena_strdup(a, st) : "unknown";
        call_free(&c);
        if (strcmp(st, "idle") == 0) return 0;
        if (state_is_terminal(st)) {
            const char *tail = session_log_tail(f, a, id, 20);
            x->state = SB_RUN_LOST;
            x->message = sb_arena_printf(a, "Livy session %ld failed to start (state %s)", id, st);
            x->hint = "see the session log below: typical causes are a wrong queue, too much "
                      "driver or executor memory, or a missing Python on the cluster";
            if (res && tail) res->detail = sb_arena_strdup(res->arena, tail);
            else if (tail)
                x->message = sb_arena_printf(a, "%s:\n%s", x->message, tail);
            delete_session(f, id);
            return -1;
        }
        double now = sb_fabric_now_ms();
        if (!seen || strcmp(seen, st) != 0) {
            sb_fabric_notice(f, res, "Livy session %ld is %s", id, st);
            seen = st;
        } else if (now - last_note > 30000) {
            const char *tail = session_log_tail(f, a, id, 1);
            sb_fabric_notice(f, res, "Livy session %ld is still %s after %.0f s%s%s", id, st,
                             (now - t0) / 1000, tail ? "; log: " : "", tail ? tail : "");
            last_note = now;
        }
        if (f->cancel) {
            x->state = SB_RUN_CANCELLED;
            x->message = sb_arena_printf(a, "starting Livy session %ld was cancelled", id);
            x->hint = NULL;
            delete_session(f, id);
            return -1;
        }
        if (now - t0 > limit) {
            x->state = SB_RUN_TIMED_OUT;
            x->message = sb_arena_printf(a, "Livy session %ld was still %s after %.0f s; it was "
                                            "deleted",
                                         id, st, limit / 1000);
            x->hint = "the cluster may be short of resources (a busy YARN queue); raise the "
                      "fabric's start_timeout or pick another queue";
            delete_session(f, id);
            return -1;
        }
        sb_fabric_sleep(delay, &f->cancel);
        delay = delay * 1.5 > 2000 ? 2000 : delay * 1.5;
    }
}

static void put_str(sb_buf *b, const char *key, const char *val)
{
    if (!val) return;
    sb_buf_printf(b, ",\"%s\":", key);
    sb_json_write_string(b, val, strlen(val));
}

/* Create a session and wait until it is idle. */
static int create_session(sb_fabric *f, sb_arena *a, sb_run_result *res, failure *x)
{
    const sb_fabric_def *def = &f->def;
    sb_buf body = SB_BUF_INIT;
    sb_buf_puts(&body, "{\"kind\":");
    const char *kind = def->session_kind ? def->session_kind : "pyspark";
    sb_json_write_string(&body, kind, strlen(kind));
    /* Livy refuses duplicate session names: make this one unique. */
    char name[128];
    snprintf(name, sizeof(name), "sibyl-%s-%ld-%ld", def->name ? def->name : "fabric",
             (long)getpid(), (long)(sb_fabric_now_ms()) % 100000);
    put_str(&body, "name", name);
    put_str(&body, "proxyUser", def->proxy_user);
    put_str(&body, "queue", def->queue);
    put_str(&body, "driverMemory", def->driver_memory);
    put_str(&body, "executorMemory", def->executor_memory);
    if (def->driver_cores) sb_buf_printf(&body, ",\"driverCores\":%d", def->driver_cores);
    if (def->executor_cores) sb_buf_printf(&body, ",\"executorCores\":%d", def->executor_cores);
    if (def->num_executors) sb_buf_printf(&body, ",\"numExecutors\":%d", def->num_executors);
    if (def->nconf) {
        sb_buf_puts(&body, ",\"conf\":{");
        for (size_t i = 0; i < def->nconf; i++) {
            if (i) sb_buf_putc(&body, ',');
            sb_json_write_string(&body, def->conf[i].key, strlen(def->conf[i].key));
            sb_buf_putc(&body, ':');
            sb_json_write_string(&body, def->conf[i].value, strlen(def->conf[i].value));
        }
        sb_buf_putc(&body, '}');
    }
    sb_buf_putc(&body, '}');
    sb_fabric_notice(f, res, "starting a Livy session at %s", def->url);
    call c;
    do_call(f, a, "POST", "/sessions", body.data, &c);
    sb_buf_free(&body);
    if (c.r.outcome != SB_HTTP_OK || (c.r.status != 201 && c.r.status != 200)) {
        *x = describe(f, a, &c, "creating a session");
        call_free(&c);
        return -1;
    }
    long id = jlong(c.json, "id", -1);
    call_free(&c);
    if (id < 0) {
        x->state = SB_RUN_LOST;
        x->message = "Livy created a session but did not say its id";
        x->hint = NULL;
        return -1;
    }
    set_session(f, id);
    if (wait_idle(f, a, id, res, x) != 0) {
        set_session(f, -1);
        return -1;
    }
    sb_fabric_notice(f, res, "Livy session %ld is ready", id);
    return 0;
}

/* Have an idle session: the one held, the one a previous process left warm,
 * or a new one. */
static int ensure_session(sb_fabric *f, sb_arena *a, sb_run_result *res, failure *x)
{
    livy_impl *l = impl_of(f);
    if (l->session >= 0) return 0;
    long old = load_state(f);
    if (old >= 0) {
        char path[64];
        snprintf(path, sizeof(path), "/sessions/%ld", old);
        call c;
        do_call(f, a, "GET", path, NULL, &c);
        if (c.r.outcome != SB_HTTP_OK) {
            *x = describe(f, a, &c, "looking up the warm session");
            call_free(&c);
            return -1;
        }
        if (c.r.status == 401 || c.r.status == 403) {
            *x = describe(f, a, &c, "looking up the warm session");
            call_free(&c);
            return -1;
        }
        const char *st = c.r.status == 200 ? jstr(c.json, "state") : NULL;
        st = st ? sb_arena_strdup(a, st) : NULL;
        call_free(&c);
        if (st && !state_is_terminal(st)) {
            set_session(f, old);
            l->session_from_state = true;
            if (strcmp(st, "idle") != 0 && wait_idle(f, a, old, res, x) != 0) {
                set_session(f, -1);
                return -1;
            }
            sb_fabric_notice(f, res, "reusing the warm Livy session %ld", old);
            return 0;
        }
        sb_fabric_notice(f, res,
                         "the Livy session %ld left from an earlier run is gone (Livy expires "
                         "idle sessions); starting a new one",
                         old);
        save_state(f, -1);
    }
    return create_session(f, a, res, x);
}

static int livy_start(sb_fabric *f, sb_diags *d)
{
    sb_arena *a = sb_arena_new();
    failure x;
    int rc = ensure_session(f, a, NULL, &x);
    if (rc != 0) fail_diag(d, &x);
    sb_arena_free(a);
    return rc;
}

/* ---- statements ----------------------------------------------------------- */

/* Does this answer say the session is gone (expired, killed, dead)? */
static bool session_gone(const call *c)
{
    if (c->r.outcome != SB_HTTP_OK) return false;
    if (c->r.status == 404) return true;
    if (c->r.status == 400 || c->r.status == 500) {
        const char *m = jstr(c->json, "msg");
        return m && (strstr(m, "isn't active") || strstr(m, "is not active") ||
                     strstr(m, "not found") || strstr(m, "has been stopped"));
    }
    return false;
}

/* Read a finished statement's output (Livy's {"status":"ok","data":{...}}
 * or {"status":"error","ename","evalue","traceback"}) into the result.
 * Returns true when the output says the session's interpreter died. */
bool sb_fabric_livy_output(sb_run_result *res, const sb_run_request *req, const sb_json *output)
{
    const char *status = jstr(output, "status");
    if (status && strcmp(status, "ok") == 0) {
        const sb_json *data = sb_json_get(output, "data");
        const sb_json *text = sb_json_get(data, "text/plain");
        if (text && text->kind == SB_JSON_STRING)
            sb_run_result_text(res, req, text->u.string.s, text->u.string.len);
        return false;
    }
    const char *ename = jstr(output, "ename");
    const char *evalue = jstr(output, "evalue");
    const sb_json *tb = sb_json_get(output, "traceback");
    if (tb && tb->kind == SB_JSON_ARRAY) {
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < tb->u.array.len; i++)
            if (tb->u.array.items[i]->kind == SB_JSON_STRING)
                sb_buf_puts(&b, tb->u.array.items[i]->u.string.s);
        res->detail = sb_arena_strdup(res->arena, sb_buf_str(&b));
        sb_buf_free(&b);
    }
    if (evalue && strncmp(evalue, "Interpreter died", 16) == 0) {
        res->detail = sb_arena_strdup(res->arena, evalue);
        sb_run_result_fail(res, SB_RUN_LOST,
                           "the session was deleted; the next run starts a new one (if the "
                           "driver ran out of memory, raise driver_memory)",
                           "the Python interpreter of the Livy session died during the run");
        return true;
    }
    res->error_class = ename ? sb_arena_strdup(res->arena, ename) : NULL;
    sb_run_result_fail(res, SB_RUN_FAILED, NULL, "%s: %s", ename ? ename : "error",
                       sb_fabric_short_error(res->arena, evalue));
    return false;
}

static void cancel_statement(sb_fabric *f, sb_arena *a, long session, long sid)
{
    char path[96];
    snprintf(path, sizeof(path), "/sessions/%ld/statements/%ld/cancel", session, sid);
    call c;
    sig_atomic_t saved = f->cancel;
    f->cancel = 0;
    do_call(f, a, "POST", path, "{}", &c);
    f->cancel = saved;
    call_free(&c);
}

static void livy_run(sb_fabric *f, const sb_run_request *req, const char *code,
                     sb_run_result *res)
{
    livy_impl *l = impl_of(f);
    sb_arena *a = res->arena;
    failure x;
    sb_buf body = SB_BUF_INIT;
    sb_buf_puts(&body, "{\"code\":");
    sb_json_write_string(&body, code, strlen(code));
    sb_buf_puts(&body, ",\"kind\":\"pyspark\"}");

    long sid = -1, session = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ensure_session(f, a, res, &x) != 0) {
            fail_run(res, &x);
            sb_buf_free(&body);
            return;
        }
        session = l->session;
        char path[64];
        snprintf(path, sizeof(path), "/sessions/%ld/statements", session);
        call c;
        do_call(f, a, "POST", path, body.data, &c);
        if (session_gone(&c) && attempt == 0) {
            sb_fabric_notice(f, res,
                             "Livy session %ld had expired or been killed (%s); starting a new "
                             "one",
                             session, server_msg(a, &c));
            call_free(&c);
            set_session(f, -1);
            continue;
        }
        if (c.r.outcome != SB_HTTP_OK || (c.r.status != 201 && c.r.status != 200)) {
            x = describe(f, a, &c, "submitting the run");
            call_free(&c);
            fail_run(res, &x);
            sb_buf_free(&body);
            return;
        }
        sid = jlong(c.json, "id", -1);
        call_free(&c);
        break;
    }
    sb_buf_free(&body);
    if (sid < 0) {
        sb_run_result_fail(res, SB_RUN_LOST, NULL, "Livy accepted the run but gave no statement id");
        return;
    }

    char path[96];
    snprintf(path, sizeof(path), "/sessions/%ld/statements/%ld", session, sid);
    double t0 = sb_fabric_now_ms(), delay = 50, beat = t0;
    double timeout = (req->timeout > 0 ? req->timeout : f->def.run_timeout) * 1000;
    double heartbeat = sb_fabric_timeout(f->def.heartbeat, 300) * 1000;
    double stop_at = -1;
    bool timed_out = false;
    int transient = 0;
    for (;;) {
        call c;
        do_call(f, a, "GET", path, NULL, &c);
        if (c.r.outcome == SB_HTTP_CANCELLED) {
            call_free(&c);
            goto check_stop; /* the cancel flag aborted the poll */
        }
        if (c.r.outcome == SB_HTTP_TIMEOUT && ++transient <= POLL_RETRIES) {
            sb_fabric_notice(f, res, "Livy did not answer a poll in time; asking again");
            call_free(&c);
            continue;
        }
        if (session_gone(&c)) {
            sb_run_result_fail(res, SB_RUN_LOST, "run again: sibyl starts a new session",
                               "Livy session %ld was lost during the run (expired, killed or "
                               "the server restarted): %s",
                               session, server_msg(a, &c));
            call_free(&c);
            set_session(f, -1);
            return;
        }
        if (c.r.outcome != SB_HTTP_OK || c.r.status != 200) {
            x = describe(f, a, &c, "following the run");
            call_free(&c);
            if (x.state == SB_RUN_TIMED_OUT) {
                /* Do not leave a statement running that nobody follows. */
                cancel_statement(f, a, session, sid);
                x.message = sb_arena_printf(a, "%s; the statement was cancelled", x.message);
            }
            fail_run(res, &x);
            return;
        }
        transient = 0;
        const char *st = jstr(c.json, "state");
        const sb_json *output = sb_json_get(c.json, "output");
        if (output && output->kind == SB_JSON_NULL) output = NULL;
        if (st && (strcmp(st, "available") == 0 || strcmp(st, "cancelled") == 0 ||
                   strcmp(st, "error") == 0)) {
            bool cancelled = strcmp(st, "cancelled") == 0;
            if (output && sb_fabric_livy_output(res, req, output)) {
                delete_session(f, session);
                set_session(f, -1);
            }
            call_free(&c);
            if (stop_at >= 0 || cancelled) {
                res->state = SB_RUN_SUCCEEDED;
                if (timed_out)
                    sb_run_result_fail(res, SB_RUN_TIMED_OUT, "raise the fabric's run_timeout",
                                       "the run did not finish within %.0f s and was stopped",
                                       timeout / 1000);
                else
                    sb_run_result_fail(res, SB_RUN_CANCELLED, NULL, "the run was cancelled");
            } else if (!output) {
                sb_run_result_fail(res, SB_RUN_LOST, NULL,
                                   "Livy statement %ld ended without output", sid);
            }
            return;
        }
        call_free(&c);
    check_stop:;
        double now = sb_fabric_now_ms();
        if (stop_at < 0 && (f->cancel || (timeout > 0 && now - t0 > timeout))) {
            timed_out = !f->cancel;
            sb_fabric_notice(f, res, timed_out ? "the run timed out; cancelling the statement"
                                               : "cancelling the run");
            cancel_statement(f, a, session, sid);
            stop_at = now;
            f->cancel = 0;
        } else if (stop_at >= 0 && now - stop_at > CANCEL_GRACE_MS) {
            /* The statement keeps running (Python code Livy cannot interrupt):
             * the session is unusable until it ends, so drop it. */
            sb_fabric_notice(f, res, "the statement did not stop; deleting Livy session %ld",
                             session);
            delete_session(f, session);
            set_session(f, -1);
            res->state = SB_RUN_SUCCEEDED;
            sb_run_result_fail(res, timed_out ? SB_RUN_TIMED_OUT : SB_RUN_CANCELLED, NULL,
                               timed_out ? "the run timed out and its session was deleted"
                                         : "the run was cancelled and its session was deleted");
            return;
        }
        if (now - beat > heartbeat) {
            /* Keep the idle-session timer from killing a working session. */
            char hb[64];
            snprintf(hb, sizeof(hb), "/sessions/%ld/connect", session);
            call h;
            do_call(f, a, "POST", hb, "{}", &h);
            call_free(&h);
            beat = now;
        }
        sb_fabric_sleep(delay, &f->cancel);
        delay = delay * 1.5 > 1000 ? 1000 : delay * 1.5;
    }
}

static void livy_stop(sb_fabric *f)
{
    livy_impl *l = f->impl;
    if (!l || l->session < 0) return;
    delete_session(f, l->session);
    set_session(f, -1);
}

static void livy_free(sb_fabric *f, bool keep_warm)
{
    livy_impl *l = f->impl;
    if (!l) return;
    if (!keep_warm) livy_stop(f);
    sb_http_free(l->http);
    free(l->session_label);
    free(l);
    f->impl = NULL;
}

/* ---- batches --------------------------------------------------------------- */

typedef struct livy_batch {
    long id;
    const char *staged; /* a directory we created, removed when the batch ends */
} livy_batch;

static int livy_submit(sb_fabric *f, const sb_batch_request *req, sb_batch *b, sb_diags *d)
{
    sb_arena *a = b->arena;
    livy_batch *lb = sb_arena_alloc(a, sizeof(*lb));
    lb->id = -1;
    b->impl = lb;
    const char *dir;
    if (f->def.staging_dir) {
        mkdirs(sb_arena_printf(a, "%s/x", f->def.staging_dir));
        dir = mkdtemp(sb_arena_printf(a, "%s/sibyl-batch-XXXXXX", f->def.staging_dir));
    } else {
        dir = sb_fabric_tempdir(a, "sibyl-batch");
    }
    if (!dir) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "fabric %s: cannot create a staging "
                     "directory: %s", f->def.name, strerror(errno));
        return -1;
    }
    /* The server runs the files as another user: let it read them. */
    chmod(dir, 0755);
    lb->staged = dir;
    const char *launcher = sb_arena_printf(a, "%s/sibyl_launch_%s.py", dir, req->module);
    const char *zip = sb_arena_printf(a, "%s/%s.zip", dir, req->module);
    sb_buf text = SB_BUF_INIT;
    sb_buf_puts(&text, "import runpy\nimport sys\n\nsys.argv[0] = ");
    sb_json_write_string(&text, req->module, strlen(req->module));
    sb_buf_puts(&text, "\nrunpy.run_module(sys.argv[0], run_name=\"__main__\", alter_sys=True)\n");
    int wr = sb_write_file_atomic(launcher, text.data, text.len);
    sb_buf_free(&text);
    const char *pkg = sb_arena_printf(a, "%s/%s", req->package_dir, req->module);
    if (wr != 0 || sb_fabric_zip_dir(pkg, req->module, zip) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "fabric %s: cannot stage the package %s "
                     "in %s", f->def.name, pkg, dir);
        return -1;
    }
    chmod(launcher, 0644);
    chmod(zip, 0644);

    sb_buf body = SB_BUF_INIT;
    sb_buf_puts(&body, "{\"file\":");
    sb_json_write_string(&body, launcher, strlen(launcher));
    sb_buf_puts(&body, ",\"pyFiles\":[");
    sb_json_write_string(&body, zip, strlen(zip));
    sb_buf_puts(&body, "],\"args\":[");
    sb_run_request rr = {.args = req->args, .nargs = req->nargs, .config = req->config};
    sb_vec argv = {0};
    sb_fabric_package_args(a, &rr, &argv);
    for (size_t i = 0; i < argv.len; i++) {
        if (i) sb_buf_putc(&body, ',');
        sb_json_write_string(&body, argv.items[i], strlen(argv.items[i]));
    }
    sb_buf_putc(&body, ']');
    char name[160];
    snprintf(name, sizeof(name), "%s-%ld", req->name ? req->name : req->module,
             (long)sb_fabric_now_ms() % 1000000);
    put_str(&body, "name", name);
    put_str(&body, "proxyUser", f->def.proxy_user);
    put_str(&body, "queue", f->def.queue);
    put_str(&body, "driverMemory", f->def.driver_memory);
    put_str(&body, "executorMemory", f->def.executor_memory);
    if (f->def.nconf) {
        sb_buf_puts(&body, ",\"conf\":{");
        for (size_t i = 0; i < f->def.nconf; i++) {
            if (i) sb_buf_putc(&body, ',');
            sb_json_write_string(&body, f->def.conf[i].key, strlen(f->def.conf[i].key));
            sb_buf_putc(&body, ':');
            sb_json_write_string(&body, f->def.conf[i].value, strlen(f->def.conf[i].value));
        }
        sb_buf_putc(&body, '}');
    }
    sb_buf_putc(&body, '}');
    call c;
    do_call(f, a, "POST", "/batches", body.data, &c);
    sb_buf_free(&body);
    if (c.r.outcome != SB_HTTP_OK || (c.r.status != 201 && c.r.status != 200)) {
        failure x = describe(f, a, &c, "submitting the batch");
        const char *msg = server_msg(a, &c);
        if (c.r.outcome == SB_HTTP_OK && c.r.status == 400 && strstr(msg, "whitelist"))
            x.hint = sb_arena_printf(a, "add %s to the server's livy.file.local-dir-whitelist, "
                                        "or set staging_dir to a directory it allows",
                                     f->def.staging_dir ? f->def.staging_dir : "the staging dir");
        call_free(&c);
        fail_diag(d, &x);
        return -1;
    }
    lb->id = jlong(c.json, "id", -1);
    call_free(&c);
    b->last.state = SB_BATCH_STARTING;
    b->last.id = sb_arena_printf(a, "livy batch %ld", lb->id);
    sb_fabric_notice(f, NULL, "submitted %s as %s", req->module, b->last.id);
    return 0;
}

static sb_batch_state map_batch_state(const char *s)
{
    if (!s) return SB_BATCH_STARTING;
    if (strcmp(s, "success") == 0) return SB_BATCH_SUCCEEDED;
    if (strcmp(s, "dead") == 0 || strcmp(s, "error") == 0) return SB_BATCH_FAILED;
    if (strcmp(s, "killed") == 0) return SB_BATCH_KILLED;
    if (strcmp(s, "running") == 0 || strcmp(s, "busy") == 0 || strcmp(s, "idle") == 0)
        return SB_BATCH_RUNNING;
    return SB_BATCH_STARTING;
}

static const char *batch_failure_line(sb_fabric *f, sb_batch *b);

static int livy_poll(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d)
{
    livy_batch *lb = b->impl;
    sb_arena *a = b->arena;
    char path[64];
    snprintf(path, sizeof(path), "/batches/%ld", lb->id);
    call c;
    do_call(f, a, "GET", path, NULL, &c);
    if (c.r.outcome == SB_HTTP_CANCELLED) {
        /* A cancel arrived during the poll: the caller handles it. */
        call_free(&c);
        return 0;
    }
    if (c.r.outcome == SB_HTTP_OK && c.r.status == 404) {
        call_free(&c);
        sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-livy",
                                   "Livy no longer knows batch %ld (it forgets finished batches "
                                   "after a few minutes, and all of them when it restarts)",
                                   lb->id);
        sb_diag_set_hint(d, dg, "look the application up in the cluster's Spark history server");
        return -1;
    }
    if (c.r.outcome != SB_HTTP_OK || c.r.status != 200) {
        failure x = describe(f, a, &c, "following the batch");
        call_free(&c);
        fail_diag(d, &x);
        return -1;
    }
    const char *state = jstr(c.json, "state");
    const char *app = jstr(c.json, "appId");
    st->state = map_batch_state(state);
    if (app) st->app_id = sb_arena_strdup(a, app);
    call_free(&c);
    if (st->state == SB_BATCH_FAILED) {
        const char *why = batch_failure_line(f, b);
        st->message = sb_arena_printf(a, "Livy batch %ld ended %s%s%s", lb->id, state,
                                      why ? ": " : "", why ? why : "");
    } else if (st->state == SB_BATCH_KILLED) {
        st->message = sb_arena_printf(a, "Livy batch %ld was killed", lb->id);
    }
    if (sb_batch_state_is_final(st->state) && lb->staged) {
        sb_fabric_rmtree(lb->staged);
        lb->staged = NULL;
    }
    return 0;
}

static int livy_log(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a,
                    sb_vec *lines, long *total, sb_diags *d)
{
    livy_batch *lb = b->impl;
    char path[128];
    if (size < 0) size = 100000;
    if (from < 0)
        snprintf(path, sizeof(path), "/batches/%ld/log?size=%ld", lb->id, size);
    else
        snprintf(path, sizeof(path), "/batches/%ld/log?from=%ld&size=%ld", lb->id, from, size);
    call c;
    do_call(f, a, "GET", path, NULL, &c);
    if (c.r.outcome != SB_HTTP_OK || c.r.status != 200) {
        failure x = describe(f, a, &c, "reading the batch log");
        call_free(&c);
        fail_diag(d, &x);
        return -1;
    }
    *total = jlong(c.json, "total", 0);
    const sb_json *log = sb_json_get(c.json, "log");
    if (log && log->kind == SB_JSON_ARRAY)
        for (size_t i = 0; i < log->u.array.len; i++)
            if (log->u.array.items[i]->kind == SB_JSON_STRING)
                sb_vec_push(a, lines, sb_arena_strdup(a, log->u.array.items[i]->u.string.s));
    call_free(&c);
    return 0;
}

static const char *batch_failure_line(sb_fabric *f, sb_batch *b)
{
    sb_arena *a = b->arena;
    sb_diags d;
    sb_diags_init(&d, a);
    sb_vec lines = {0};
    long total = 0;
    if (livy_log(f, b, -1, 80, a, &lines, &total, &d) != 0) return NULL;
    const char *best = NULL;
    for (size_t i = 0; i < lines.len; i++) {
        const char *s = lines.items[i];
        const char *colon = strchr(s, ':');
        if (colon && colon > s &&
            (memmem(s, (size_t)(colon - s), "Error", 5) ||
             memmem(s, (size_t)(colon - s), "Exception", 9)))
            best = s;
    }
    return best;
}

static int livy_cancel(sb_fabric *f, sb_batch *b, sb_diags *d)
{
    livy_batch *lb = b->impl;
    char path[64];
    snprintf(path, sizeof(path), "/batches/%ld", lb->id);
    call c;
    sig_atomic_t saved = f->cancel;
    f->cancel = 0;
    do_call(f, b->arena, "DELETE", path, NULL, &c);
    f->cancel = saved;
    int rc = 0;
    if (c.r.outcome != SB_HTTP_OK || (c.r.status != 200 && c.r.status != 404)) {
        failure x = describe(f, b->arena, &c, "cancelling the batch");
        fail_diag(d, &x);
        rc = -1;
    } else {
        /* Livy forgets a deleted batch at once: remember how it ended. */
        b->last.state = SB_BATCH_KILLED;
        b->last.message = sb_arena_printf(b->arena, "Livy batch %ld was cancelled", lb->id);
        if (lb->staged) sb_fabric_rmtree(lb->staged);
        lb->staged = NULL;
    }
    call_free(&c);
    return rc;
}

static void livy_batch_free(sb_batch *b)
{
    livy_batch *lb = b->impl;
    /* A batch still starting may not have read its files yet: keep them. */
    if (lb && lb->staged && sb_batch_state_is_final(b->last.state)) sb_fabric_rmtree(lb->staged);
}

const sb_fabric_driver sb_fabric_livy_driver = {
    .kind = "livy",
    .start = livy_start,
    .run = livy_run,
    .stop = livy_stop,
    .free = livy_free,
    .local_files = false,
    .submit = livy_submit,
    .poll = livy_poll,
    .log = livy_log,
    .cancel = livy_cancel,
    .batch_free = livy_batch_free,
};
