/*
 * http.c — the HTTP layer on libmicrohttpd: connections, body limits,
 * timeouts, per-thread store connections, dispatch to the route table,
 * access logs, counters for /metrics and the graceful stop.
 *
 * A request's memory is one arena, freed when libmicrohttpd reports the
 * request complete. Bodies are collected up to the configured limit; a
 * larger Content-Length is refused before its body is read, and a chunked
 * body that grows past the limit is drained and answered with 413.
 */
#define _GNU_SOURCE
#include "server/server_internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct req_ctx {
    sb_arena *a;
    sb_buf body;
    bool too_large;
    bool answered;
    struct timespec start;
} req_ctx;

/* ---- per-thread store connections --------------------------------------- */

static pthread_mutex_t stores_mu = PTHREAD_MUTEX_INITIALIZER;
static sb_store **stores;
static size_t nstores, cap_stores;
static _Thread_local sb_store *thread_store;
static _Thread_local sb_server *thread_store_owner;

static sb_store *store_for_thread(sb_server *s)
{
    if (thread_store && thread_store_owner == s) return thread_store;
    sb_store *st = NULL;
    sb_store_options opt = {.no_migrate = true};
    int rc = s->cfg.store_url ? sb_store_open(s->cfg.store_url, &opt, &st)
                              : sb_store_open_dir(s->cfg.data_dir, &opt, &st);
    if (rc != SB_STORE_OK) {
        fprintf(stderr, "sibyl serve: cannot open the store: %s\n", sb_store_errmsg(st));
        sb_store_close(st);
        return NULL;
    }
    pthread_mutex_lock(&stores_mu);
    if (nstores == cap_stores) {
        cap_stores = cap_stores ? cap_stores * 2 : 8;
        stores = sb_xrealloc(stores, cap_stores * sizeof *stores);
    }
    stores[nstores++] = st;
    pthread_mutex_unlock(&stores_mu);
    thread_store = st;
    thread_store_owner = s;
    return st;
}

static void close_stores(void)
{
    pthread_mutex_lock(&stores_mu);
    for (size_t i = 0; i < nstores; i++) sb_store_close(stores[i]);
    free(stores);
    stores = NULL;
    nstores = cap_stores = 0;
    pthread_mutex_unlock(&stores_mu);
}

/* ---- requests that arrive too slowly ------------------------------------- */

/* libmicrohttpd drops a connection only after `timeout` seconds without a
 * byte, so a client sending its headers or body a byte a second would hold
 * its connection (and a share of the connection limit) for ever. Every
 * connection therefore has `timeout` seconds to deliver a whole request,
 * counted from its opening or from the end of its previous request; a
 * watchdog thread shuts down the socket of one that overruns, and
 * libmicrohttpd closes it as if the client had gone. Answering has no such
 * limit (an event stream lasts as long as its run). */

typedef struct conn_watch {
    struct conn_watch *prev, *next;
    MHD_socket fd;
    int64_t deadline_ms; /* monotonic; 0 while a request is being answered */
} conn_watch;

struct sb_watchdog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    conn_watch *head;
    int64_t limit_ms;
    bool stop;
    pthread_t thread;
};

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *watchdog_main(void *arg)
{
    struct sb_watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        int64_t now = mono_ms();
        /* The socket stays open while its entry is listed: libmicrohttpd
         * reports a connection closed (and unlists it under this mutex)
         * before it closes the socket. */
        for (conn_watch *cw = w->head; cw; cw = cw->next)
            if (cw->deadline_ms && now > cw->deadline_ms && cw->fd != MHD_INVALID_SOCKET) {
                shutdown(cw->fd, SHUT_RDWR);
                cw->deadline_ms = 0;
            }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static struct sb_watchdog *watchdog_start(unsigned timeout_s)
{
    struct sb_watchdog *w = sb_xcalloc(1, sizeof *w);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    w->limit_ms = (int64_t)timeout_s * 1000;
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return NULL;
    }
    return w;
}

/* After the daemon stopped: every connection is closed and unlisted. */
static void watchdog_stop(struct sb_watchdog *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct sb_watchdog *w = ((sb_server *)cls)->watchdog;
    if (!w) return;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_watch *cw = sb_xcalloc(1, sizeof *cw);
        cw->fd = ci ? ci->connect_fd : MHD_INVALID_SOCKET;
        cw->deadline_ms = mono_ms() + w->limit_ms;
        pthread_mutex_lock(&w->mu);
        cw->next = w->head;
        if (w->head) w->head->prev = cw;
        w->head = cw;
        pthread_mutex_unlock(&w->mu);
        *socket_context = cw;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        conn_watch *cw = *socket_context;
        pthread_mutex_lock(&w->mu);
        if (cw->prev) cw->prev->next = cw->next;
        else w->head = cw->next;
        if (cw->next) cw->next->prev = cw->prev;
        pthread_mutex_unlock(&w->mu);
        free(cw);
        *socket_context = NULL;
    }
}

/* A request is complete and being answered (no deadline), or answered
 * (the next one has `timeout` seconds to arrive). */
static void watch_request(sb_server *s, struct MHD_Connection *c, bool answering)
{
    struct sb_watchdog *w = s->watchdog;
    const union MHD_ConnectionInfo *ci =
        w ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    conn_watch *cw = ci ? ci->socket_context : NULL;
    if (!cw) return;
    pthread_mutex_lock(&w->mu);
    cw->deadline_ms = answering ? 0 : mono_ms() + w->limit_ms;
    pthread_mutex_unlock(&w->mu);
}

/* ---- logs and counters ----------------------------------------------------- */

static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1.0};

static void record(sb_server *s, sb_req *r, double secs, const char *remote)
{
    int cls = r->status / 100;
    if (cls >= 1 && cls <= 5) atomic_fetch_add(&s->requests[cls], 1);
    size_t b = 0;
    while (b < SB_COUNTOF(latency_bounds) && secs > latency_bounds[b]) b++;
    atomic_fetch_add(&s->latency_buckets[b], 1);
    atomic_fetch_add(&s->latency_sum_us, (long)(secs * 1e6));
    atomic_fetch_add(&s->bytes_out, (long)r->out.len);
    if (!s->cfg.access_log) return;
    /* One JSON object per line; never the query string, headers or body,
     * which may hold secrets. */
    sb_buf line = SB_BUF_INIT;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sb_buf_printf(&line, "{\"ts\":%lld.%03ld,\"method\":", (long long)now.tv_sec,
                  now.tv_nsec / 1000000);
    sb_json_write_string(&line, r->method, strlen(r->method));
    sb_buf_puts(&line, ",\"path\":");
    sb_json_write_string(&line, r->path, strlen(r->path));
    if (r->route) {
        sb_buf_puts(&line, ",\"route\":");
        sb_json_write_string(&line, r->route, strlen(r->route));
    }
    sb_buf_printf(&line, ",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f", r->status, r->out.len,
                  secs * 1000);
    if (r->authed)
        sb_buf_printf(&line, ",\"tenant\":%lld,\"user\":%lld", (long long)r->who.tenant_id,
                      (long long)r->who.user_id);
    sb_buf_puts(&line, ",\"remote\":");
    sb_json_write_string(&line, remote, strlen(remote));
    sb_buf_puts(&line, "}\n");
    fputs(line.data, stderr);
    sb_buf_free(&line);
}

static const char *remote_of(struct MHD_Connection *c, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, n, "?");
    if (!ci || !ci->client_addr) return buf;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)n);
    return buf;
}

/* ---- dispatch ---------------------------------------------------------- */

static void dispatch(sb_req *r)
{
    bool mismatch = false;
    const sb_route *rt = sb_route_match(r, r->method, r->path, &mismatch);
    if (!rt && strcmp(r->method, "HEAD") == 0) rt = sb_route_match(r, "GET", r->path, &mismatch);
    if (!rt) {
        if (mismatch) {
            sb_req_add_header(r, "Allow", sb_route_allow(r->a, r->path));
            sb_req_error(r, 405, "method_not_allowed", "%s is not allowed on %s", r->method,
                         r->path);
        } else {
            sb_req_error(r, 404, "not_found", "no such endpoint: %s", r->path);
        }
        return;
    }
    r->route = rt->pattern;
    if (!r->store) {
        sb_req_error(r, 503, "unavailable", "the store cannot be reached");
        return;
    }
    if (rt->access == SB_ROUTE_AUTH && !sb_req_authenticate(r, rt->scope)) return;
    rt->fn(r);
}

static enum MHD_Result respond(struct MHD_Connection *c, sb_server *s, sb_req *r)
{
    struct MHD_Response *resp;
    if (r->stream.read) {
        /* A streamed body (run events): libmicrohttpd asks for it piece by
         * piece and frees the stream with the response. */
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, r->stream.read,
                                                 r->stream.cls, r->stream.free);
        if (!resp) {
            r->stream.free(r->stream.cls);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    } else {
        resp = MHD_create_response_from_buffer(r->out.len, r->out.data ? r->out.data : (void *)"",
                                               MHD_RESPMEM_MUST_COPY);
    }
    if (!resp) return MHD_NO;
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
    if (atomic_load(&s->stopping)) MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static void finish(sb_server *s, struct MHD_Connection *c, req_ctx *ctx, sb_req *r)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (double)(end.tv_sec - ctx->start.tv_sec) +
                  (double)(end.tv_nsec - ctx->start.tv_nsec) / 1e9;
    char remote[64];
    record(s, r, secs, remote_of(c, remote, sizeof remote));
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Percent-decoding of the path and of query arguments, but for %00: a
 * decoded NUL would end the string early, and /pipelines/ab%00cd would
 * name `ab`. Left as it is, it is a '%' that no name or value takes. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    char *w = s;
    for (const char *p = s; *p; p++) {
        int hi = p[0] == '%' ? hex_digit(p[1]) : -1, lo = hi >= 0 ? hex_digit(p[2]) : -1;
        if (lo >= 0 && (hi || lo)) {
            *w++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    sb_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = sb_xcalloc(1, sizeof *ctx);
        ctx->a = sb_arena_new();
        clock_gettime(CLOCK_MONOTONIC, &ctx->start);
        *con_cls = ctx;
        atomic_fetch_add(&s->in_flight, 1);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) {
            /* Answer before reading the body; libmicrohttpd then closes
             * the connection instead of reading what follows. */
            sb_req r = {.srv = s, .a = ctx->a, .conn = c, .method = method, .path = url};
            sb_req_error(&r, 413, "too_large", "the request body is larger than %zu bytes",
                         s->cfg.max_body);
            ctx->answered = true;
            watch_request(s, c, true);
            finish(s, c, ctx, &r);
            enum MHD_Result ok = respond(c, s, &r);
            sb_buf_free(&r.out);
            return ok;
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!ctx->answered && !ctx->too_large) {
            if (ctx->body.len + *upload_size > s->cfg.max_body) {
                ctx->too_large = true;
                sb_buf_free(&ctx->body);
            } else {
                sb_buf_add(&ctx->body, upload_data, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (ctx->answered) return MHD_YES;
    ctx->answered = true;
    watch_request(s, c, true);
    sb_req r = {.srv = s,
                .a = ctx->a,
                .conn = c,
                .method = method,
                .path = url,
                .body = ctx->body.data ? ctx->body.data : "",
                .body_len = ctx->body.len,
                .status = 200};
    if (ctx->too_large) {
        sb_req_error(&r, 413, "too_large", "the request body is larger than %zu bytes",
                     s->cfg.max_body);
        sb_req_add_header(&r, "Connection", "close");
    } else {
        r.store = store_for_thread(s);
        dispatch(&r);
    }
    finish(s, c, ctx, &r);
    if (strcmp(method, "HEAD") == 0) r.out.len = 0;
    enum MHD_Result ok = respond(c, s, &r);
    sb_buf_free(&r.out);
    /* The answer is libmicrohttpd's copy now: what the handler built goes
     * at once, not when the client has read the answer (a few hundred slow
     * readers would otherwise hold a few hundred handlers' memory). */
    sb_buf_free(&ctx->body);
    sb_arena_free(ctx->a);
    ctx->a = NULL;
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    sb_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    watch_request(s, c, false);
    sb_buf_free(&ctx->body);
    sb_arena_free(ctx->a);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    fputs("sibyl serve: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ----------------------------------------------------- */

/* The CPUs this process may run on (a server pinned to one core gets one
 * request thread: more would only queue behind each other there). */
static unsigned usable_cpus(void)
{
    long n = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n <= 0) n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0) n = 1;
    return n > 64 ? 64 : (unsigned)n;
}

void sb_server_config_defaults(sb_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->host = "127.0.0.1";
    c->port = 8080;
    c->max_body = 4u << 20;
    c->timeout_s = 30;
    c->threads = usable_cpus();
    c->secure_cookies = true;
    c->access_log = true;
    sb_auth_policy_defaults(&c->policy);
    c->run_workers = 4;
    c->runs_per_tenant = 8;
    c->runs_per_user = 2;
    c->run_sample_rows = 200;
    c->run_sample_bytes = 8u << 20;
    c->fabric_idle_s = 300;
    c->run_lease_s = 60;
}

sb_server *sb_server_start(const sb_server_config *cfg, const sb_auth_keyring *keys, sb_buf *err)
{
    sb_server *s = sb_xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    s->keys = keys;
    sb_server_keys_init(s, keys);
    s->started_ms = sb_auth_now_ms();
    char host[256];
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "sibyl");
    host[sizeof host - 1] = 0;
    static char owner[300];
    /* Host, pid and start time: two processes never share a name, even
     * in containers that share a host name and a pid. */
    snprintf(owner, sizeof owner, "%s:%ld:%llx", host, (long)getpid(),
             (unsigned long long)s->started_ms);
    s->owner = owner;

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* poll(), not epoll: with epoll, libmicrohttpd 0.9.75 (Debian 12) stops
     * reading from connections once a few hundred keep-alive clients share
     * a thread, until the connection limit is reached and the server
     * answers nothing (bench/mhd_epoll_stall.sh reproduces it without
     * sibyl). poll costs the same per request here. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const char *h = cfg->host && *cfg->host ? cfg->host : "127.0.0.1";
    if (strcmp(h, "localhost") == 0) h = "127.0.0.1";
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, h, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, h, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        sb_buf_printf(err, "cannot listen on `%s`: give a numeric IPv4 or IPv6 address", h);
        free(s);
        return NULL;
    }
    char *cert = NULL, *key = NULL;
    size_t len;
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key) {
            sb_buf_puts(err, "TLS needs both a certificate and a key");
            free(s);
            return NULL;
        }
        if (sb_read_file(cfg->tls_cert, &cert, &len) != 0 ||
            sb_read_file(cfg->tls_key, &key, &len) != 0) {
            sb_buf_puts(err, "cannot read the TLS certificate or key");
            free(cert);
            free(key);
            free(s);
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    if (!sb_runs_init(s, err)) {
        free(cert);
        free(key);
        sb_server_keys_free(s);
        free(s);
        return NULL;
    }
    unsigned threads = cfg->threads ? cfg->threads : 1;
    struct MHD_OptionItem tls_opts[] = {
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {key ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->watchdog = watchdog_start(cfg->timeout_s ? cfg->timeout_s : 30);
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->timeout_s, MHD_OPTION_CONNECTION_LIMIT, 1024u,
        /* headers and read buffer only (bodies stream to the handler);
         * the pool is cleared on every keep-alive request, so smaller is faster */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_ARRAY,
        tls_opts, MHD_OPTION_END);
    if (key) memset(key, 0, strlen(key));
    free(cert);
    free(key);
    if (!s->daemon) {
        sb_buf_printf(err, "cannot listen on %s:%d (in use, or not permitted)", h, cfg->port);
        watchdog_stop(s->watchdog);
        sb_runs_shutdown(s);
        sb_runs_free(s);
        sb_server_keys_free(s);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    return s;
}

int sb_server_port(const sb_server *s)
{
    return s->port;
}

static void interrupt_runs(sb_server *s)
{
    sb_store *st = NULL;
    sb_store_options opt = {.no_migrate = true};
    int rc = s->cfg.store_url ? sb_store_open(s->cfg.store_url, &opt, &st)
                              : sb_store_open_dir(s->cfg.data_dir, &opt, &st);
    if (rc != SB_STORE_OK) {
        sb_store_close(st);
        return;
    }
    sb_arena *a = sb_arena_new();
    int64_t *ids;
    size_t n;
    if (sb_store_tenant_ids(st, a, &ids, &n) == SB_STORE_OK) {
        for (size_t i = 0; i < n; i++) {
            sb_store_tx *tx;
            if (sb_store_begin(st, a, ids[i], 0, SB_STORE_WRITE, &tx) != SB_STORE_OK) continue;
            int64_t count = 0;
            if (sb_store_run_interrupt_owned(tx, s->owner, "the server stopped", &count) ==
                    SB_STORE_OK &&
                count)
                sb_store_commit(tx);
            else
                sb_store_rollback(tx);
        }
    }
    sb_arena_free(a);
    sb_store_close(st);
}

void sb_server_stop(sb_server *s, int grace_ms)
{
    if (!s) return;
    atomic_store(&s->stopping, true);
    /* Stop accepting; connections already open finish what they started. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    /* Runs in flight are cancelled and event streams end, so that the
     * connections they hold close with the others. */
    sb_runs_shutdown(s);
    int waited = 0;
    while (atomic_load(&s->in_flight) > 0 && waited < grace_ms) {
        usleep(10 * 1000);
        waited += 10;
    }
    MHD_stop_daemon(s->daemon);
    watchdog_stop(s->watchdog);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    /* The workers record their runs as interrupted; what never started is
     * marked below. */
    sb_runs_free(s);
    interrupt_runs(s);
    close_stores();
    sb_server_keys_free(s);
    free(s);
}
