/*
 * runs.c — interactive runs inside `sibyl serve`.
 *
 * A run asked for over HTTP (api_runs.c) is queued here and executed by
 * one of a small pool of run workers, never on a request thread:
 *
 *   queued -> running -> succeeded | failed | cancelled | interrupted
 *
 * A worker builds the project from the snapshot taken when the run was
 * asked for, plans the pipeline, generates its instrumented package into a
 * scratch directory and runs it on the fabric (fabric.h). Every edge the
 * fabric reports becomes an event in the run's in-memory log, which event
 * streams (Server-Sent Events) read from the beginning, then live. When
 * the run ends, its row gets the status, the message and per-gem metrics,
 * its samples are kept only when the team turned samples on, and the run
 * leaves memory: later readers replay it from the store.
 *
 * Several processes may serve one store (PostgreSQL). A run belongs to the
 * process that queued it (its owner); everything another process needs of
 * it goes through the store:
 *   - events: every event of a live run is written to the store as well,
 *     sealed under the master key (the janitor and the end of the run
 *     flush them), and a stream asked of a process that does not run it
 *     relays them from there; they are dropped a lease after the run ends
 *     (a stream that connects after the end gets the replay instead);
 *   - cancel: a process that does not run it records the request in the
 *     run's row; the owner's janitor polls for requests (CANCEL_POLL_MS);
 *   - life: the owner stamps its live runs six times per lease (run_lease_s,
 *     a minute by default); twice per lease every process's janitor marks
 *     interrupted the live runs whose owner has not beaten for a lease;
 *   - limits: runs queued or running per tenant and per user are counted in
 *     the store when a run is admitted (api_runs.c).
 * Sample rows per edge and sample bytes per run are bounded here. Fabric
 * sessions (a local Spark driver, a Livy session) stay warm between the
 * runs of one user on one fabric until they have been idle for
 * fabric_idle_s.
 *
 * Threads and locks: one mutex guards the registry of live runs, the queue,
 * every live run's event log and every stream. A stream never blocks a
 * libmicrohttpd thread: with nothing to send it suspends its connection,
 * and whoever adds the next event resumes it (after releasing the mutex).
 * A janitor thread sends keep-alive comments, repeats pending cancels (a
 * fabric clears its cancel flag when a run begins) and closes idle fabric
 * sessions. Everything a live run owns is allocated in its arena, and only
 * with the mutex held once the run is visible to other threads.
 */
#define _GNU_SOURCE
#include "codegen/codegen.h"
#include "fabric/fabric.h"
#include "server/server_internal.h"
#include "spec/spec.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_LIVE_RUNS = 1024, /* queued + running in one process, all tenants */
    MAX_EDGES = 10000,    /* edge reports kept per run */
    MAX_NOTICES = 200,    /* notices kept per run */
    NOTICE_MAX_BYTES = 2000,
    DETAIL_MAX_BYTES = 16000, /* a traceback kept with a failed run */
    JANITOR_MS = 250,
    HEARTBEAT_MS = 15000,       /* an SSE comment on a quiet stream */
    CANCEL_POLL_MS = 500,       /* cancels asked of other processes */
    EVENTS_PER_READ = 100,      /* events a relaying stream reads at a time */
    RELAY_GRACE_MS = 3000,      /* a final row without its last events: wait this long */
};

typedef struct edge_rec {
    const char *gem, *port;
    int64_t count;      /* -1: not reported */
    double ms;          /* -1: not reported */
    const char *schema; /* JSON array of {name, type, nullable} */
    const char *rows;   /* JSON array of rows, each an array in column order */
    size_t nrows;
    bool truncated; /* rows were left out to stay within the sample budget */
} edge_rec;

typedef struct event {
    char *text; /* one Server-Sent Event, ready to send */
    size_t len;
} event;

typedef struct sb_runs sb_runs;

struct sb_live_run {
    sb_runs *m;
    int refs; /* the registry's, each stream's, a worker's */
    sb_arena *a;
    int64_t tenant_id, user_id, run_id;
    int64_t run_version; /* of the run's row, as last written */
    int64_t started_at, finished_at;
    sb_run_spec spec; /* copied into a */
    char *secret;     /* heap, wiped when the run no longer needs it */
    const char *status;
    bool queued, ended, cancel_requested, interrupted;
    sb_fabric *fabric; /* while the fabric runs it: for cancel */
    sb_vec events;     /* event* */
    size_t persisted;  /* events[0, persisted) are in the store */
    sb_vec edges;      /* edge_rec* */
    sb_vec notices;    /* char* */
    bool sample_limit_noted, edge_limit_noted;
    size_t sample_bytes; /* the worker's alone */
    /* the outcome */
    const char *message, *hint, *error_class, *detail, *session, *fabric_state;
    double wall_ms, spark_ms;
    struct sb_live_run *next;  /* the registry */
    struct sb_live_run *qnext; /* the queue */
};

typedef struct run_stream {
    sb_runs *m;
    struct MHD_Connection *conn;
    int refs;         /* the connection's, and the janitor's while it reads for it */
    bool closed;      /* the connection is gone */
    sb_live_run *run; /* NULL: only the fixed text, or relayed events */
    const char *text; /* sent first: a prelude, or a whole replay */
    size_t len, pos;
    bool owns_text;
    size_t next, off; /* the next event of the run and how much of it went */
    bool suspended;
    int64_t last_ms; /* when something was last sent */
    /* Relaying a run of another process (or one that ended) from the store. */
    bool relay, relay_done;
    int64_t tenant_id, run_id;
    int64_t seq;             /* the next event to read */
    int64_t final_since;     /* when the row was first seen ended without its last event */
    sb_buf pending;          /* read, not yet sent */
    size_t pending_pos;
    struct run_stream *prev, *nxt;
} run_stream;

/* A fabric session kept for one user's runs on one fabric. */
typedef struct warm_fabric {
    sb_runs *m;
    int64_t tenant_id, user_id;
    char *name, *def_text, *secret;
    sb_fabric *f;
    sb_live_run *current; /* the run it serves now (notices go there) */
    int64_t idle_since;
    struct warm_fabric *next;
} warm_fabric;

struct sb_runs {
    sb_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t work, tick;
    bool closing, stop_janitor;
    sb_live_run *live;
    sb_live_run *qhead, *qtail;
    run_stream *streams;
    warm_fabric *idle; /* most recently used first */
    pthread_t *workers;
    size_t nworkers;
    pthread_t janitor;
    bool janitor_started;
    sb_store *janitor_store;   /* the janitor's own connection */
    int64_t last_cancel_poll, last_beat, last_sweep;
    int64_t lease_ms;          /* no sign of life for this long: the owner is gone */
    char host[256];            /* this process's host, as in owner names */
    char *scratch; /* this process's directory for generated packages */
    int64_t heartbeat_ms;
    /* for /metrics */
    long ended[4]; /* by final status, as final_statuses */
    long refused;  /* runs refused over a limit */
};

static const char *const final_statuses[] = {"succeeded", "failed", "cancelled", "interrupted"};

bool sb_runs_status_final(const char *status)
{
    return strcmp(status, "queued") != 0 && strcmp(status, "running") != 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wipe_free(char *s)
{
    if (!s) return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* ---- events ------------------------------------------------------------- */

void sb_runs_sse(sb_buf *out, const char *ev, const char *data, size_t len)
{
    sb_buf_printf(out, "event: %s\ndata: ", ev);
    /* A line break inside the data starts another data line. */
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            sb_buf_puts(out, "\ndata: ");
        else if (data[i] != '\r')
            sb_buf_putc(out, data[i]);
    }
    sb_buf_puts(out, "\n\n");
}

/* Connections of streams waiting for more, to resume once the mutex is
 * released: those reading `lr` (every stream when lr is NULL). */
typedef struct wake_list {
    struct MHD_Connection **conns;
    size_t len, cap;
} wake_list;

static void wake_add(wake_list *w, struct MHD_Connection *c)
{
    if (w->len == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->conns = sb_xrealloc(w->conns, w->cap * sizeof *w->conns);
    }
    w->conns[w->len++] = c;
}

static void collect_waiting(sb_runs *m, sb_live_run *lr, wake_list *w)
{
    for (run_stream *st = m->streams; st; st = st->nxt) {
        if (!st->suspended || (lr && st->run != lr)) continue;
        st->suspended = false;
        wake_add(w, st->conn);
    }
}

/* A connection stays suspended (and so alive) until it is resumed, so
 * resuming after the mutex is released is safe. */
static void wake(wake_list *w)
{
    for (size_t i = 0; i < w->len; i++) MHD_resume_connection(w->conns[i]);
    free(w->conns);
    w->conns = NULL;
    w->len = w->cap = 0;
}

static void push_event_locked(sb_live_run *lr, const char *ev, const char *data, size_t len,
                              wake_list *w)
{
    sb_buf b = SB_BUF_INIT;
    sb_runs_sse(&b, ev, data, len);
    event *e = sb_arena_alloc(lr->a, sizeof *e);
    e->text = sb_arena_strndup(lr->a, b.data, b.len);
    e->len = b.len;
    sb_buf_free(&b);
    sb_vec_push(lr->a, &lr->events, e);
    collect_waiting(lr->m, lr, w);
}

static void status_json(sb_buf *out, const sb_live_run *lr, const char *status, const char *message)
{
    sb_buf_printf(out, "{\"run\":%lld,\"status\":\"%s\"", (long long)lr->run_id, status);
    if (message) {
        sb_buf_puts(out, ",\"message\":");
        sb_json_write_string(out, message, strlen(message));
    }
    sb_buf_putc(out, '}');
}

static void push_status_locked(sb_live_run *lr, const char *status, const char *message,
                               wake_list *w)
{
    sb_buf b = SB_BUF_INIT;
    status_json(&b, lr, status, message);
    push_event_locked(lr, "status", b.data, b.len, w);
    sb_buf_free(&b);
}

static void push_notice_locked(sb_live_run *lr, const char *message, wake_list *w)
{
    if (lr->notices.len >= MAX_NOTICES) return;
    size_t n = strlen(message);
    if (n > NOTICE_MAX_BYTES) n = NOTICE_MAX_BYTES;
    const char *msg = sb_arena_strndup(lr->a, message, n);
    sb_vec_push(lr->a, &lr->notices, (void *)msg);
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b, "{\"message\":");
    sb_json_write_string(&b, msg, strlen(msg));
    sb_buf_putc(&b, '}');
    push_event_locked(lr, "notice", b.data, b.len, w);
    sb_buf_free(&b);
}

/* ---- metrics -------------------------------------------------------------- */

static void put_key(sb_buf *out, const char *k)
{
    sb_json_write_string(out, k, strlen(k));
    sb_buf_putc(out, ':');
}

static void put_str_member(sb_buf *out, const char *k, const char *v)
{
    if (!v) return;
    sb_buf_putc(out, ',');
    put_key(out, k);
    sb_json_write_string(out, v, strlen(v));
}

static void put_num(sb_buf *out, double v)
{
    if (v < 0)
        sb_buf_puts(out, "null");
    else
        sb_buf_printf(out, "%.1f", v);
}

/* The run's metrics as stored in its row: per-gem rows and time, every
 * edge (count, time, schema, rows kept), notices and, for a failure, what
 * the fabric said. Call with the mutex held (or before the run is shared). */
static void write_metrics(sb_buf *out, const sb_live_run *lr)
{
    sb_buf_puts(out, "{\"gems\":{");
    /* A gem's rows are those of its "out" port (else the sum of its ports);
     * its time is the sum of its ports' times. */
    bool first = true;
    for (size_t i = 0; i < lr->edges.len; i++) {
        const edge_rec *e = lr->edges.items[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(((const edge_rec *)lr->edges.items[j])->gem, e->gem) == 0;
        if (seen) continue;
        int64_t rows = -1, out_rows = -1;
        double ms = -1;
        for (size_t j = i; j < lr->edges.len; j++) {
            const edge_rec *g = lr->edges.items[j];
            if (strcmp(g->gem, e->gem) != 0) continue;
            if (g->count >= 0) rows = (rows < 0 ? 0 : rows) + g->count;
            if (g->count >= 0 && strcmp(g->port, "out") == 0) out_rows = g->count;
            if (g->ms >= 0) ms = (ms < 0 ? 0 : ms) + g->ms;
        }
        if (out_rows >= 0) rows = out_rows;
        if (!first) sb_buf_putc(out, ',');
        first = false;
        put_key(out, e->gem);
        sb_buf_puts(out, "{\"rows\":");
        if (rows >= 0)
            sb_buf_printf(out, "%lld", (long long)rows);
        else
            sb_buf_puts(out, "null");
        sb_buf_puts(out, ",\"ms\":");
        put_num(out, ms);
        sb_buf_putc(out, '}');
    }
    sb_buf_puts(out, "},\"edges\":[");
    for (size_t i = 0; i < lr->edges.len; i++) {
        const edge_rec *e = lr->edges.items[i];
        if (i) sb_buf_putc(out, ',');
        sb_buf_puts(out, "{\"gem\":");
        sb_json_write_string(out, e->gem, strlen(e->gem));
        sb_buf_puts(out, ",\"port\":");
        sb_json_write_string(out, e->port, strlen(e->port));
        sb_buf_puts(out, ",\"count\":");
        if (e->count >= 0)
            sb_buf_printf(out, "%lld", (long long)e->count);
        else
            sb_buf_puts(out, "null");
        sb_buf_puts(out, ",\"ms\":");
        put_num(out, e->ms);
        sb_buf_printf(out, ",\"schema\":%s,\"sample_rows\":%zu,\"truncated\":%s}", e->schema,
                      e->nrows, e->truncated ? "true" : "false");
    }
    sb_buf_puts(out, "],\"notices\":[");
    for (size_t i = 0; i < lr->notices.len; i++) {
        const char *n = lr->notices.items[i];
        if (i) sb_buf_putc(out, ',');
        sb_json_write_string(out, n, strlen(n));
    }
    sb_buf_puts(out, "],\"wall_ms\":");
    put_num(out, lr->wall_ms);
    sb_buf_puts(out, ",\"spark_ms\":");
    put_num(out, lr->spark_ms);
    sb_buf_printf(out, ",\"sample_rows\":%d", lr->spec.sample_rows);
    put_str_member(out, "until", lr->spec.until);
    put_str_member(out, "session", lr->session);
    put_str_member(out, "fabric_state", lr->fabric_state);
    if (lr->hint || lr->error_class || lr->detail) {
        sb_buf_puts(out, ",\"error\":{");
        sb_buf_puts(out, "\"class\":");
        if (lr->error_class)
            sb_json_write_string(out, lr->error_class, strlen(lr->error_class));
        else
            sb_buf_puts(out, "null");
        put_str_member(out, "hint", lr->hint);
        put_str_member(out, "detail", lr->detail);
        sb_buf_putc(out, '}');
    }
    sb_buf_putc(out, '}');
}

/* ---- the registry ----------------------------------------------------------- */

static void run_free(sb_live_run *lr)
{
    wipe_free(lr->secret);
    sb_arena_free(lr->a);
    free(lr);
}

static void unref_locked(sb_live_run *lr)
{
    if (--lr->refs == 0) run_free(lr);
}

static void unlink_live_locked(sb_runs *m, sb_live_run *lr)
{
    for (sb_live_run **p = &m->live; *p; p = &(*p)->next) {
        if (*p == lr) {
            *p = lr->next;
            lr->next = NULL;
            return;
        }
    }
}

static sb_live_run *find_locked(sb_runs *m, int64_t tenant_id, int64_t run_id)
{
    for (sb_live_run *lr = m->live; lr; lr = lr->next)
        if (lr->run_id == run_id && lr->tenant_id == tenant_id) return lr;
    return NULL;
}

/* ---- the store -------------------------------------------------------------- */

static sb_store *open_store(sb_server *s)
{
    sb_store *st = NULL;
    sb_store_options opt = {.no_migrate = true};
    int rc = s->cfg.store_url ? sb_store_open(s->cfg.store_url, &opt, &st)
                              : sb_store_open_dir(s->cfg.data_dir, &opt, &st);
    if (rc != SB_STORE_OK) {
        fprintf(stderr, "sibyl serve: runs: cannot open the store: %s\n", sb_store_errmsg(st));
        sb_store_close(st);
        return NULL;
    }
    return st;
}

/* Write the run's row (and, when `samples`, its samples if the team keeps
 * them), retrying while the store is busy. */
static int write_run(sb_store *st, sb_live_run *lr, const char *status, const char *message,
                     const char *metrics, bool samples)
{
    int rc = SB_STORE_ERROR;
    for (int attempt = 0; attempt < 8; attempt++) {
        if (attempt) usleep((useconds_t)(100000 * attempt));
        sb_arena *a = sb_arena_new();
        sb_store_tx *tx;
        rc = sb_store_begin(st, a, lr->tenant_id, 0, SB_STORE_WRITE, &tx);
        if (rc == SB_STORE_OK) {
            sb_store_run r = {.id = lr->run_id,
                              .version = lr->run_version,
                              .status = status,
                              .message = message,
                              .metrics = metrics,
                              .owner = lr->m->srv->owner,
                              .started_at = lr->started_at,
                              .finished_at = lr->finished_at};
            rc = sb_store_run_update(tx, &r);
            if (rc == SB_STORE_CONFLICT) {
                /* Only this process writes its runs; a newer version means a
                 * retried commit did land. Take it and write again. */
                sb_store_run cur;
                sb_store_rollback(tx);
                tx = NULL;
                sb_store_begin(st, a, lr->tenant_id, 0, SB_STORE_READ, &tx);
                if (tx && sb_store_run_get(tx, lr->run_id, &cur) == SB_STORE_OK)
                    lr->run_version = cur.version;
                if (tx) sb_store_rollback(tx);
                sb_arena_free(a);
                continue;
            }
            sb_store_team team;
            if (rc == SB_STORE_OK && samples &&
                sb_store_team_get(tx, lr->spec.team_id, &team) == SB_STORE_OK &&
                team.samples_enabled) {
                for (size_t i = 0; i < lr->edges.len && rc == SB_STORE_OK; i++) {
                    const edge_rec *e = lr->edges.items[i];
                    sb_store_sample smp = {
                        .run_id = lr->run_id, .gem = e->gem, .port = e->port, .rows = e->rows};
                    rc = sb_store_sample_add(tx, &smp);
                }
            }
            if (rc == SB_STORE_OK) {
                rc = sb_store_commit(tx);
                if (rc == SB_STORE_OK) lr->run_version = r.version;
            } else {
                sb_store_rollback(tx);
            }
        }
        sb_arena_free(a);
        if (rc != SB_STORE_BUSY) break;
    }
    if (rc != SB_STORE_OK)
        fprintf(stderr, "sibyl serve: runs: cannot record run %lld as %s: %s\n",
                (long long)lr->run_id, status, sb_store_status_name(rc));
    return rc;
}

/* Events carry sample rows: they pass through the store sealed under the
 * master key, each bound to its tenant, run and place in the run. */
static const char *event_context(sb_arena *a, int64_t tenant, int64_t run, int64_t seq)
{
    return sb_arena_printf(a, "run-event:%lld:%lld:%lld", (long long)tenant, (long long)run,
                           (long long)seq);
}

static void seal_event(sb_server *s, sb_arena *a, int64_t tenant, int64_t run,
                       sb_store_run_event *e, const event *ev)
{
    unsigned char *ct;
    sb_server_seal(s, a, event_context(a, tenant, run, e->seq), ev->text, ev->len, &e->key_id,
                   &ct, &e->sealed_len);
    e->sealed = ct;
}

/* Write the run's events that are not in the store yet, for the streams
 * of other processes. A live run's events only grow and a seq already
 * written is ignored, so the worker and the janitor may both flush. The
 * caller holds a reference to the run, not the mutex. */
static void flush_events(sb_runs *m, sb_store *st, sb_live_run *lr)
{
    enum { BATCH = 200 };
    for (;;) {
        event *batch[BATCH];
        pthread_mutex_lock(&m->mu);
        size_t from = lr->persisted, to = lr->events.len;
        if (to - from > BATCH) to = from + BATCH;
        for (size_t i = from; i < to; i++) batch[i - from] = lr->events.items[i];
        int64_t tenant = lr->tenant_id, run = lr->run_id;
        pthread_mutex_unlock(&m->mu);
        if (from == to || !run) return;
        sb_arena *a = sb_arena_new();
        sb_store_tx *tx = NULL;
        int rc = sb_store_begin(st, a, tenant, 0, SB_STORE_WRITE, &tx);
        for (size_t i = from; rc == SB_STORE_OK && i < to; i++) {
            sb_store_run_event e = {.seq = (int64_t)i};
            seal_event(m->srv, a, tenant, run, &e, batch[i - from]);
            rc = sb_store_run_event_add(tx, &e, run);
        }
        if (rc == SB_STORE_OK)
            rc = sb_store_commit(tx);
        else if (tx)
            sb_store_rollback(tx);
        sb_arena_free(a);
        /* Not written: the janitor tries again on its next round. */
        if (rc != SB_STORE_OK) return;
        pthread_mutex_lock(&m->mu);
        if (lr->persisted < to) lr->persisted = to;
        pthread_mutex_unlock(&m->mu);
    }
}

/* Record the end of a run and tell its streams; the run leaves the
 * registry (streams reading it keep it alive). */
static void finish(sb_runs *m, sb_live_run *lr, sb_store *st, const char *status,
                   const char *message)
{
    wake_list w = {0};
    sb_buf metrics = SB_BUF_INIT;
    pthread_mutex_lock(&m->mu);
    lr->finished_at = sb_auth_now_ms();
    lr->message = message ? sb_arena_strdup(lr->a, message) : NULL;
    write_metrics(&metrics, lr);
    pthread_mutex_unlock(&m->mu);

    if (st) write_run(st, lr, status, message, metrics.data, true);

    pthread_mutex_lock(&m->mu);
    lr->status = status;
    lr->ended = true;
    for (size_t i = 0; i < SB_COUNTOF(final_statuses); i++)
        if (strcmp(status, final_statuses[i]) == 0) m->ended[i]++;
    push_status_locked(lr, status, lr->message, &w);
    sb_buf done = SB_BUF_INIT;
    status_json(&done, lr, status, lr->message);
    done.len--; /* reopen the object */
    put_str_member(&done, "hint", lr->hint);
    sb_buf_printf(&done, ",\"metrics\":%s}", metrics.data);
    push_event_locked(lr, "done", done.data, done.len, &w);
    sb_buf_free(&done);
    unlink_live_locked(m, lr);
    pthread_mutex_unlock(&m->mu);
    wake(&w);
    sb_buf_free(&metrics);
    if (st) flush_events(m, st, lr);
    pthread_mutex_lock(&m->mu);
    unref_locked(lr); /* the registry's */
    pthread_mutex_unlock(&m->mu);
}

/* ---- fabric sessions ---------------------------------------------------------- */

static void on_notice(void *ud, const char *message)
{
    warm_fabric *wf = ud;
    sb_runs *m = wf->m;
    wake_list w = {0};
    pthread_mutex_lock(&m->mu);
    if (wf->current) push_notice_locked(wf->current, message, &w);
    pthread_mutex_unlock(&m->mu);
    wake(&w);
}

static void warm_free(warm_fabric *wf)
{
    if (!wf) return;
    if (wf->f) sb_fabric_free(wf->f, false);
    free(wf->name);
    free(wf->def_text);
    wipe_free(wf->secret);
    free(wf);
}

static bool same_secret(const char *x, const char *y)
{
    if (!x || !y) return x == y;
    return sb_auth_equal(x, y);
}

/* A session for the run's fabric: a warm one of the same user, fabric
 * definition and credential, or a new one (not started yet). NULL with
 * one sentence in *err. */
static warm_fabric *checkout(sb_runs *m, sb_live_run *lr, sb_arena *a, const char **err)
{
    const sb_run_spec *sp = &lr->spec;
    pthread_mutex_lock(&m->mu);
    for (warm_fabric **p = &m->idle; *p; p = &(*p)->next) {
        warm_fabric *wf = *p;
        if (wf->tenant_id == lr->tenant_id && wf->user_id == lr->user_id &&
            strcmp(wf->name, sp->fabric_name) == 0 && strcmp(wf->def_text, sp->fabric_def) == 0 &&
            same_secret(wf->secret, lr->secret)) {
            *p = wf->next;
            wf->next = NULL;
            wf->current = lr;
            pthread_mutex_unlock(&m->mu);
            return wf;
        }
    }
    pthread_mutex_unlock(&m->mu);

    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric_def def;
    const char *file = sb_arena_printf(a, "fabric %s", sp->fabric_name);
    if (sb_fabric_def_parse(a, sp->fabric_name, file, sp->fabric_def, strlen(sp->fabric_def), &def,
                            &d) != 0) {
        *err = sb_diags_count(&d) ? sb_diags_at(&d, 0)->message : "the fabric does not load";
        return NULL;
    }
    def.secret = lr->secret;
    def.secret_source = sb_arena_printf(a, "your credential for fabric %s", sp->fabric_name);
    warm_fabric *wf = sb_xcalloc(1, sizeof *wf);
    wf->m = m;
    wf->tenant_id = lr->tenant_id;
    wf->user_id = lr->user_id;
    wf->name = sb_xstrdup(sp->fabric_name);
    wf->def_text = sb_xstrdup(sp->fabric_def);
    wf->secret = lr->secret ? sb_xstrdup(lr->secret) : NULL;
    /* No state file: a warm Livy session must never pass to another user. */
    sb_fabric_options opt = {.notice = on_notice, .notice_ud = wf, .state_dir = ""};
    if (sb_fabric_open(&def, &opt, &wf->f, &d) != 0) {
        *err = sb_diags_count(&d) ? sb_diags_at(&d, 0)->message : "the fabric cannot be opened";
        warm_free(wf);
        return NULL;
    }
    pthread_mutex_lock(&m->mu);
    wf->current = lr;
    pthread_mutex_unlock(&m->mu);
    return wf;
}

/* Keep the session warm for the user's next run, or close it. */
static void checkin(sb_runs *m, warm_fabric *wf)
{
    warm_fabric *victim = NULL;
    pthread_mutex_lock(&m->mu);
    wf->current = NULL;
    if (m->closing || m->srv->cfg.fabric_idle_s == 0) {
        victim = wf;
    } else {
        wf->idle_since = mono_ms();
        wf->next = m->idle;
        m->idle = wf;
        /* At most one idle session per worker: the least recently used goes. */
        size_t n = 0, keep = m->nworkers ? m->nworkers : 1;
        for (warm_fabric **p = &m->idle; *p; p = &(*p)->next) {
            if (++n > keep) {
                victim = *p;
                *p = NULL;
                break;
            }
        }
    }
    pthread_mutex_unlock(&m->mu);
    /* Closing a session can take seconds (a driver stops): not under the
     * mutex. A cut-off list tail holds at most one session. */
    while (victim) {
        warm_fabric *next = victim->next;
        warm_free(victim);
        victim = next;
    }
}

/* ---- one run ------------------------------------------------------------------ */

static void on_edge(void *ud, const sb_fabric_edge *e)
{
    sb_live_run *lr = ud;
    sb_runs *m = lr->m;
    size_t budget = m->srv->cfg.run_sample_bytes;
    sb_buf schema = SB_BUF_INIT, rows = SB_BUF_INIT, one = SB_BUF_INIT;
    sb_buf_putc(&schema, '[');
    for (size_t j = 0; e->schema && j < e->schema->nfields; j++) {
        const sb_field *f = &e->schema->fields[j];
        if (j) sb_buf_putc(&schema, ',');
        sb_buf_puts(&schema, "{\"name\":");
        sb_json_write_string(&schema, f->name, strlen(f->name));
        sb_buf_puts(&schema, ",\"type\":\"");
        sb_type_print(&schema, f->type);
        sb_buf_printf(&schema, "\",\"nullable\":%s}", f->nullable ? "true" : "false");
    }
    sb_buf_putc(&schema, ']');
    /* Rows go in while the run's sample budget lasts. */
    bool truncated = false, over_budget = false;
    size_t kept = 0;
    size_t nfields = e->schema ? e->schema->nfields : 0;
    sb_buf_putc(&rows, '[');
    for (size_t k = 0; k < e->nrows; k++) {
        if ((int)k >= lr->spec.sample_rows) {
            truncated = true;
            break;
        }
        sb_buf_reset(&one);
        sb_buf_putc(&one, '[');
        for (size_t j = 0; j < nfields; j++) {
            if (j) sb_buf_putc(&one, ',');
            sb_json_write_compact(&one, e->rows[k][j]);
        }
        sb_buf_putc(&one, ']');
        if (lr->sample_bytes + one.len > budget) {
            truncated = over_budget = true;
            break;
        }
        lr->sample_bytes += one.len;
        if (kept) sb_buf_putc(&rows, ',');
        sb_buf_add(&rows, one.data, one.len);
        kept++;
    }
    sb_buf_putc(&rows, ']');

    sb_buf ev = SB_BUF_INIT;
    sb_buf_puts(&ev, "{\"gem\":");
    sb_json_write_string(&ev, e->gem, strlen(e->gem));
    sb_buf_puts(&ev, ",\"port\":");
    sb_json_write_string(&ev, e->port, strlen(e->port));
    sb_buf_puts(&ev, ",\"count\":");
    if (e->count >= 0)
        sb_buf_printf(&ev, "%lld", (long long)e->count);
    else
        sb_buf_puts(&ev, "null");
    sb_buf_puts(&ev, ",\"ms\":");
    put_num(&ev, e->ms);
    sb_buf_printf(&ev, ",\"schema\":%s,\"rows\":%s,\"truncated\":%s}", schema.data, rows.data,
                  truncated ? "true" : "false");

    /* The session that runs it ("pid 1234", "livy session 7"), for GET
     * while it runs; asked on the worker thread, which drives the fabric. */
    const char *session = lr->fabric && !lr->session ? sb_fabric_session_name(lr->fabric) : NULL;

    wake_list w = {0};
    pthread_mutex_lock(&m->mu);
    if (session) lr->session = sb_arena_strdup(lr->a, session);
    if (lr->edges.len >= MAX_EDGES) {
        if (!lr->edge_limit_noted) {
            lr->edge_limit_noted = true;
            push_notice_locked(lr,
                               sb_arena_printf(lr->a,
                                               "the run reported more than %d edges; the rest "
                                               "are not shown",
                                               MAX_EDGES),
                               &w);
        }
    } else {
        edge_rec *r = sb_arena_alloc(lr->a, sizeof *r);
        r->gem = sb_arena_strdup(lr->a, e->gem);
        r->port = sb_arena_strdup(lr->a, e->port);
        r->count = e->count;
        r->ms = e->ms;
        r->schema = sb_arena_strndup(lr->a, schema.data, schema.len);
        r->rows = sb_arena_strndup(lr->a, rows.data, rows.len);
        r->nrows = kept;
        r->truncated = truncated;
        sb_vec_push(lr->a, &lr->edges, r);
        push_event_locked(lr, "edge", ev.data, ev.len, &w);
        if (over_budget && !lr->sample_limit_noted) {
            lr->sample_limit_noted = true;
            push_notice_locked(lr,
                               sb_arena_printf(lr->a,
                                               "the samples of this run reached %zu bytes; "
                                               "later edges carry counts and schemas only",
                                               budget),
                               &w);
        }
    }
    pthread_mutex_unlock(&m->mu);
    wake(&w);
    sb_buf_free(&ev);
    sb_buf_free(&schema);
    sb_buf_free(&rows);
    sb_buf_free(&one);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

/* Write the generated files under dir; find the package's src directory
 * and module ("<pkg>/src/<module>/__main__.py"). */
static const char *write_package(sb_arena *a, const char *dir, const sb_gen_files *files,
                                 const char **package_dir, const char **module)
{
    *package_dir = *module = NULL;
    for (size_t i = 0; i < files->len; i++) {
        const sb_gen_file *f = &files->items[i];
        char *path = sb_arena_printf(a, "%s/%s", dir, f->path);
        if (mkdirs(path) != 0)
            return sb_arena_printf(a, "cannot create %s: %s", path, strerror(errno));
        FILE *fp = fopen(path, "w");
        if (!fp) return sb_arena_printf(a, "cannot write %s: %s", path, strerror(errno));
        size_t n = fwrite(f->text, 1, f->len, fp);
        if (fclose(fp) != 0 || n != f->len)
            return sb_arena_printf(a, "cannot write %s: %s", path, strerror(errno));
        size_t pl = strlen(f->path);
        const char *main_py = "/__main__.py";
        size_t ml = strlen(main_py);
        if (pl > ml && strcmp(f->path + pl - ml, main_py) == 0) {
            const char *src = strstr(f->path, "/src/");
            if (src) {
                *package_dir =
                    sb_arena_printf(a, "%s/%.*s", dir, (int)(src + 4 - f->path), f->path);
                *module = sb_arena_strndup(a, src + 5, (size_t)(f->path + pl - ml - (src + 5)));
            }
        }
    }
    if (!*module) return "the generated package has no __main__ module";
    return NULL;
}

/* The first error of a plan as one line: "file:line:col: message". */
static const char *first_error(sb_arena *a, sb_diags *d)
{
    sb_diags_sort(d);
    for (size_t i = 0; i < sb_diags_count(d); i++) {
        const sb_diag *g = sb_diags_at(d, i);
        if (g->severity != SB_SEV_ERROR) continue;
        const char *where =
            g->file ? (g->line ? sb_arena_printf(a, "%s:%u:%u: ", g->file, g->line, g->col)
                               : sb_arena_printf(a, "%s: ", g->file))
                    : "";
        const char *gem = g->gem ? sb_arena_printf(a, "gem %s: ", g->gem) : "";
        const char *more =
            d->errors > 1 ? sb_arena_printf(a, " (and %zu more errors)", d->errors - 1) : "";
        return sb_arena_printf(a, "%s%s%s%s", where, gem, g->message, more);
    }
    return "the pipeline has errors";
}

static const char *state_status(const sb_live_run *lr, sb_run_state s)
{
    switch (s) {
    case SB_RUN_SUCCEEDED:
        return "succeeded";
    case SB_RUN_CANCELLED:
        return lr->interrupted ? "interrupted" : "cancelled";
    case SB_RUN_LOST:
        return lr->interrupted ? "interrupted" : "failed";
    case SB_RUN_FAILED:
    case SB_RUN_TIMED_OUT:
        return "failed";
    }
    return "failed";
}

static bool cancelled_before_fabric(sb_runs *m, sb_live_run *lr, sb_store *st)
{
    pthread_mutex_lock(&m->mu);
    bool c = lr->cancel_requested, intr = lr->interrupted;
    pthread_mutex_unlock(&m->mu);
    if (!c) return false;
    finish(m, lr, st, intr ? "interrupted" : "cancelled",
           intr ? "the server stopped before the run began" : "the run was cancelled");
    return true;
}

static void execute(sb_runs *m, sb_live_run *lr, sb_store *st)
{
    const sb_run_spec *sp = &lr->spec;
    sb_arena *a = sb_arena_new();
    wake_list w = {0};

    lr->started_at = sb_auth_now_ms();
    if (st) write_run(st, lr, "running", NULL, NULL, false);
    pthread_mutex_lock(&m->mu);
    lr->status = "running";
    push_status_locked(lr, "running", NULL, &w);
    pthread_mutex_unlock(&m->mu);
    wake(&w);
    if (cancelled_before_fabric(m, lr, st)) {
        sb_arena_free(a);
        return;
    }

    /* The project as it was when the run was asked for. */
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p =
        sb_api_project_from_files(a, sp->project_name, sp->manifest, sp->files, NULL, NULL, 0, &d);
    sb_pipeline *pl = NULL;
    for (size_t i = 0; p && i < p->npipelines && !pl; i++)
        if (strcmp(p->pipelines[i]->name, sp->pipeline) == 0) pl = p->pipelines[i];
    sb_plan_options popt = {.no_infer = true, .config = sp->config};
    sb_gen_files files = {0};
    sb_codegen_options copt = {.target = SB_CODEGEN_PYSPARK, .instrumented = true};
    if (!pl || d.errors || sb_plan_pipeline(a, p, pl, &popt, &d) != 0 ||
        sb_codegen_pipeline(a, p, pl, &copt, &files, &d) != 0) {
        const char *why = pl ? first_error(a, &d) : "the pipeline does not load";
        finish(m, lr, st, "failed", sb_arena_printf(a, "the pipeline does not validate: %s", why));
        sb_arena_free(a);
        return;
    }
    const char *dir = sb_arena_printf(a, "%s/%lld", m->scratch, (long long)lr->run_id);
    const char *package_dir, *module;
    const char *err = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        err = sb_arena_printf(a, "cannot create %s: %s", dir, strerror(errno));
    if (!err) err = write_package(a, dir, &files, &package_dir, &module);
    if (err) {
        finish(m, lr, st, "failed", sb_arena_printf(a, "the server cannot stage the run: %s", err));
        remove_tree(dir);
        sb_arena_free(a);
        return;
    }
    if (cancelled_before_fabric(m, lr, st)) {
        remove_tree(dir);
        sb_arena_free(a);
        return;
    }

    warm_fabric *wf = checkout(m, lr, a, &err);
    if (!wf) {
        finish(m, lr, st, "failed", sb_arena_printf(a, "fabric %s: %s", sp->fabric_name, err));
        remove_tree(dir);
        sb_arena_free(a);
        return;
    }
    pthread_mutex_lock(&m->mu);
    lr->fabric = wf->f;
    if (lr->cancel_requested) sb_fabric_cancel(wf->f);
    pthread_mutex_unlock(&m->mu);

    const char **args = sb_arena_alloc(a, (2 * sp->nconf + 3) * sizeof *args);
    size_t nargs = 0;
    for (size_t i = 0; i < sp->nconf; i++) {
        args[nargs++] = "--conf";
        args[nargs++] = sp->conf[i];
    }
    if (sp->sample_rows == 0) {
        /* Counts only (the package's own default is 20 rows). */
        args[nargs++] = "--conf";
        args[nargs++] = "sibyl_sample_rows=0";
    }
    sb_run_request req = {.package_dir = package_dir,
                          .module = module,
                          .args = args,
                          .nargs = nargs,
                          .config = sp->config,
                          .sample_rows = sp->sample_rows,
                          .ship = -1,
                          .on_edge = on_edge,
                          .ud = lr};
    sb_run_result res;
    sb_run_result_init(&res);
    sb_fabric_run(wf->f, &req, &res);

    pthread_mutex_lock(&m->mu);
    lr->fabric = NULL;
    bool interrupted = lr->interrupted;
    /* Edges arrived through on_edge; notices through on_notice. The result
     * adds what the driver knew at the end. */
    lr->fabric_state = sb_run_state_name(res.state);
    lr->wall_ms = res.wall_ms;
    lr->spark_ms = res.spark_ms;
    if (res.session) lr->session = sb_arena_strdup(lr->a, res.session);
    if (res.hint) lr->hint = sb_arena_strdup(lr->a, res.hint);
    if (res.error_class) lr->error_class = sb_arena_strdup(lr->a, res.error_class);
    if (res.detail) {
        size_t n = strlen(res.detail);
        /* The end of a traceback says the most. */
        const char *s = n > DETAIL_MAX_BYTES ? res.detail + n - DETAIL_MAX_BYTES : res.detail;
        lr->detail = sb_arena_strdup(lr->a, s);
    }
    pthread_mutex_unlock(&m->mu);
    checkin(m, wf);

    const char *status = state_status(lr, res.state);
    const char *message = res.error;
    if (interrupted && res.state != SB_RUN_SUCCEEDED) message = "the server stopped during the run";
    finish(m, lr, st, status, message);
    sb_run_result_free(&res);
    remove_tree(dir);
    sb_arena_free(a);
}

static void *worker_main(void *arg)
{
    sb_runs *m = arg;
    sb_store *st = NULL;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        while (!m->closing && !m->qhead) pthread_cond_wait(&m->work, &m->mu);
        if (m->closing) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        sb_live_run *lr = m->qhead;
        m->qhead = lr->qnext;
        if (!m->qhead) m->qtail = NULL;
        lr->qnext = NULL;
        lr->queued = false;
        lr->refs++;
        pthread_mutex_unlock(&m->mu);
        if (!st) st = open_store(m->srv);
        execute(m, lr, st);
        pthread_mutex_lock(&m->mu);
        /* The secret served its purpose (a warm session keeps its own copy). */
        wipe_free(lr->secret);
        lr->secret = NULL;
        unref_locked(lr);
        pthread_mutex_unlock(&m->mu);
    }
    if (st) sb_store_close(st);
    return NULL;
}

/* ---- the janitor ---------------------------------------------------------------- */

static void stream_unref_locked(run_stream *st);

/* The distinct tenants of the runs in the registry. */
static size_t live_tenants_locked(sb_runs *m, int64_t **out)
{
    size_t n = 0, cap = 0;
    int64_t *t = NULL;
    for (sb_live_run *lr = m->live; lr; lr = lr->next) {
        if (!lr->run_id || lr->ended) continue;
        size_t i = 0;
        while (i < n && t[i] != lr->tenant_id) i++;
        if (i < n) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            t = sb_xrealloc(t, cap * sizeof *t);
        }
        t[n++] = lr->tenant_id;
    }
    *out = t;
    return n;
}

/* Stamp this process's runs of each tenant as alive, and act on cancels
 * asked of other processes. */
static void beat_and_poll(sb_runs *m, sb_store *st, const int64_t *tenants, size_t n, bool beat,
                          bool poll)
{
    const char *owner = m->srv->owner;
    for (size_t i = 0; i < n; i++) {
        sb_arena *a = sb_arena_new();
        sb_store_tx *tx = NULL;
        if (beat && sb_store_begin(st, a, tenants[i], 0, SB_STORE_WRITE, &tx) == SB_STORE_OK) {
            if (sb_store_run_heartbeat(tx, owner, sb_auth_now_ms()) == SB_STORE_OK)
                sb_store_commit(tx);
            else
                sb_store_rollback(tx);
        }
        sb_vec ids = {0};
        if (poll && sb_store_begin(st, a, tenants[i], 0, SB_STORE_READ, &tx) == SB_STORE_OK) {
            sb_store_run_cancels_owned(tx, owner, &ids);
            sb_store_rollback(tx);
        }
        for (size_t k = 0; k < ids.len; k++)
            sb_runs_cancel(m->srv, st, tenants[i], *(const int64_t *)ids.items[k]);
        sb_arena_free(a);
    }
}

/* Runs whose owner stopped beating for a lease become interrupted; events
 * of runs that ended a lease ago go (streams that followed them live have
 * read them by then). Any process does it, for every tenant. */
static void sweep(sb_store *st, int64_t lease_ms)
{
    sb_arena *a = sb_arena_new();
    int64_t *ids = NULL;
    size_t n = 0;
    int64_t now = sb_auth_now_ms();
    if (sb_store_tenant_ids(st, a, &ids, &n) != SB_STORE_OK) n = 0;
    for (size_t i = 0; i < n; i++) {
        sb_store_tx *tx = NULL;
        if (sb_store_begin(st, a, ids[i], 0, SB_STORE_WRITE, &tx) != SB_STORE_OK) continue;
        int64_t stale = 0, purged = 0;
        int rc = sb_store_run_interrupt_stale(
            tx, now - lease_ms, "the server process running it stopped answering", &stale);
        if (rc == SB_STORE_OK) rc = sb_store_run_event_purge(tx, now - lease_ms, &purged);
        if (rc == SB_STORE_OK && (stale || purged))
            rc = sb_store_commit(tx);
        else
            sb_store_rollback(tx);
        if (rc == SB_STORE_OK && stale)
            fprintf(stderr,
                    "sibyl serve: runs: %lld run%s of tenant %lld marked interrupted: the server "
                    "process running them stopped answering\n",
                    (long long)stale, stale == 1 ? "" : "s", (long long)ids[i]);
    }
    sb_arena_free(a);
}

/* Read the next events of a relayed run from the store, or learn that it
 * ended. The janitor holds a reference to the stream, not the mutex. */
static void relay_read(sb_runs *m, sb_store *st, run_stream *rs, int64_t now)
{
    sb_arena *a = sb_arena_new();
    sb_buf got = SB_BUF_INIT;
    int64_t seq = rs->seq, final_since = rs->final_since;
    bool done = false;
    sb_store_tx *tx = NULL;
    if (sb_store_begin(st, a, rs->tenant_id, 0, SB_STORE_READ, &tx) == SB_STORE_OK) {
        sb_vec ev = {0};
        int rc = sb_store_run_event_list(tx, rs->run_id, seq, EVENTS_PER_READ, &ev);
        for (size_t i = 0; rc == SB_STORE_OK && i < ev.len && !done; i++) {
            const sb_store_run_event *e = ev.items[i];
            char *text;
            size_t len;
            seq = e->seq + 1;
            if (sb_server_open(m->srv, a, event_context(a, rs->tenant_id, rs->run_id, e->seq),
                               e->key_id, e->sealed, e->sealed_len, &text, &len) != 0) {
                /* Sealed with a key this process does not have (retired
                 * meanwhile): say so and go on. */
                static const char lost[] = "{\"message\":\"an event of the run cannot be read "
                                           "here: it was sealed with a key this server does not "
                                           "have\"}";
                sb_runs_sse(&got, "notice", lost, sizeof lost - 1);
                continue;
            }
            sb_buf_add(&got, text, len);
            done = strncmp(text, "event: done\n", 12) == 0;
        }
        sb_store_run run;
        if (rc == SB_STORE_OK && !done && ev.len == 0) {
            rc = sb_store_run_get(tx, rs->run_id, &run);
            if (rc == SB_STORE_NOT_FOUND) {
                done = true; /* deleted meanwhile */
            } else if (rc == SB_STORE_OK && sb_runs_status_final(run.status)) {
                /* Ended, and its last events never came (its process
                 * stopped, or they were dropped): end with the row. */
                if (!final_since) final_since = now;
                if (now - final_since >= RELAY_GRACE_MS) {
                    sb_vec samples = {0};
                    if (seq == 0) sb_store_sample_list(tx, rs->run_id, &samples);
                    sb_runs_replay(&got, &run, &samples, seq == 0);
                    done = true;
                }
            }
        }
        sb_store_rollback(tx);
    }
    sb_arena_free(a);
    wake_list w = {0};
    pthread_mutex_lock(&m->mu);
    if (!rs->closed) {
        sb_buf_add(&rs->pending, got.data, got.len);
        rs->seq = seq;
        rs->final_since = final_since;
        rs->relay_done = done;
        if ((got.len || done) && rs->suspended) {
            rs->suspended = false;
            wake_add(&w, rs->conn);
        }
    }
    stream_unref_locked(rs);
    pthread_mutex_unlock(&m->mu);
    wake(&w);
    sb_buf_free(&got);
}

static void *janitor_main(void *arg)
{
    sb_runs *m = arg;
    pthread_mutex_lock(&m->mu);
    while (!m->stop_janitor) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += JANITOR_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&m->tick, &m->mu, &ts);
        if (m->stop_janitor) break;
        int64_t now = mono_ms();
        for (sb_live_run *lr = m->live; lr; lr = lr->next)
            if (lr->cancel_requested && lr->fabric) sb_fabric_cancel(lr->fabric);
        wake_list w = {0};
        for (run_stream *st = m->streams; st; st = st->nxt) {
            if (st->suspended && now - st->last_ms >= m->heartbeat_ms) {
                st->suspended = false;
                wake_add(&w, st->conn);
            }
        }
        warm_fabric *expired = NULL;
        int64_t idle_ms = (int64_t)m->srv->cfg.fabric_idle_s * 1000;
        for (warm_fabric **p = &m->idle; *p;) {
            warm_fabric *wf = *p;
            if (now - wf->idle_since >= idle_ms) {
                *p = wf->next;
                wf->next = expired;
                expired = wf;
            } else {
                p = &wf->next;
            }
        }
        /* Store work, done without the mutex: events to flush, relayed
         * streams to feed, signs of life, cancels from elsewhere, runs of
         * processes that are gone. */
        sb_vec flush = {0}, relay = {0};
        sb_arena *a = sb_arena_new();
        for (sb_live_run *lr = m->live; lr; lr = lr->next) {
            if (!lr->run_id || lr->persisted >= lr->events.len) continue;
            lr->refs++;
            sb_vec_push(a, &flush, lr);
        }
        for (run_stream *st = m->streams; st; st = st->nxt) {
            if (!st->relay || st->relay_done || st->closed || st->pending.len) continue;
            st->refs++;
            sb_vec_push(a, &relay, st);
        }
        bool poll = now - m->last_cancel_poll >= CANCEL_POLL_MS;
        bool beat = now - m->last_beat >= m->lease_ms / 6;
        bool do_sweep = now - m->last_sweep >= m->lease_ms / 2;
        if (poll) m->last_cancel_poll = now;
        if (beat) m->last_beat = now;
        if (do_sweep) m->last_sweep = now;
        int64_t *tenants = NULL;
        size_t ntenants = poll || beat ? live_tenants_locked(m, &tenants) : 0;
        pthread_mutex_unlock(&m->mu);
        wake(&w);
        while (expired) {
            warm_fabric *next = expired->next;
            warm_free(expired);
            expired = next;
        }
        if (!m->janitor_store && (flush.len || relay.len || ntenants || do_sweep))
            m->janitor_store = open_store(m->srv);
        sb_store *jst = m->janitor_store;
        for (size_t i = 0; i < flush.len; i++) {
            if (jst) flush_events(m, jst, flush.items[i]);
            pthread_mutex_lock(&m->mu);
            unref_locked(flush.items[i]);
            pthread_mutex_unlock(&m->mu);
        }
        for (size_t i = 0; i < relay.len; i++) {
            if (jst) {
                relay_read(m, jst, relay.items[i], now);
            } else {
                pthread_mutex_lock(&m->mu);
                stream_unref_locked(relay.items[i]);
                pthread_mutex_unlock(&m->mu);
            }
        }
        if (jst && ntenants) beat_and_poll(m, jst, tenants, ntenants, beat, poll);
        if (jst && do_sweep) sweep(jst, m->lease_ms);
        free(tenants);
        sb_arena_free(a);
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* ---- streams -------------------------------------------------------------------- */

static const char keep_alive[] = ": keep-alive\n\n";

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    run_stream *st = cls;
    sb_runs *m = st->m;
    size_t n = 0;
    pthread_mutex_lock(&m->mu);
    while (n < max) {
        if (st->pos < st->len) {
            size_t k = st->len - st->pos;
            if (k > max - n) k = max - n;
            memcpy(buf + n, st->text + st->pos, k);
            st->pos += k;
            n += k;
            continue;
        }
        if (st->pending_pos < st->pending.len) {
            size_t k = st->pending.len - st->pending_pos;
            if (k > max - n) k = max - n;
            memcpy(buf + n, st->pending.data + st->pending_pos, k);
            st->pending_pos += k;
            n += k;
            if (st->pending_pos == st->pending.len) {
                sb_buf_reset(&st->pending);
                st->pending_pos = 0;
            }
            continue;
        }
        if (!st->run || st->next >= st->run->events.len) break;
        const event *e = st->run->events.items[st->next];
        size_t k = e->len - st->off;
        if (k > max - n) k = max - n;
        memcpy(buf + n, e->text + st->off, k);
        st->off += k;
        n += k;
        if (st->off == e->len) st->next++, st->off = 0;
    }
    int64_t now = mono_ms();
    if (n) {
        st->last_ms = now;
        pthread_mutex_unlock(&m->mu);
        return (ssize_t)n;
    }
    bool over = st->relay ? st->relay_done : !st->run || st->run->ended;
    if (over || m->closing) {
        pthread_mutex_unlock(&m->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (now - st->last_ms >= m->heartbeat_ms && max >= sizeof keep_alive - 1) {
        memcpy(buf, keep_alive, sizeof keep_alive - 1);
        st->last_ms = now;
        pthread_mutex_unlock(&m->mu);
        return (ssize_t)(sizeof keep_alive - 1);
    }
    /* Nothing yet: wait, without holding the thread, for the next event
     * (or the janitor's keep-alive). */
    st->suspended = true;
    MHD_suspend_connection(st->conn);
    pthread_mutex_unlock(&m->mu);
    return 0;
}

static void stream_unref_locked(run_stream *st)
{
    if (--st->refs) return;
    if (st->owns_text) free((char *)st->text);
    sb_buf_free(&st->pending);
    free(st);
}

/* The connection is gone (libmicrohttpd's free callback). */
static void stream_free(void *cls)
{
    run_stream *st = cls;
    sb_runs *m = st->m;
    pthread_mutex_lock(&m->mu);
    if (st->prev)
        st->prev->nxt = st->nxt;
    else
        m->streams = st->nxt;
    if (st->nxt) st->nxt->prev = st->prev;
    st->prev = st->nxt = NULL;
    if (st->run) unref_locked(st->run);
    st->run = NULL;
    st->closed = true;
    stream_unref_locked(st);
    pthread_mutex_unlock(&m->mu);
}

static run_stream *stream_new_locked(sb_runs *m, sb_req *r)
{
    run_stream *st = sb_xcalloc(1, sizeof *st);
    st->m = m;
    st->refs = 1;
    st->conn = r->conn;
    st->last_ms = mono_ms();
    st->nxt = m->streams;
    if (m->streams) m->streams->prev = st;
    m->streams = st;
    return st;
}

static void answer_stream(sb_req *r, run_stream *st)
{
    r->status = 200;
    r->content_type = "text/event-stream";
    sb_buf_reset(&r->out);
    r->stream = (sb_req_stream){.read = stream_read, .free = stream_free, .cls = st};
}

/* How long an EventSource waits before reconnecting after the stream ends
 * early (the server stopping, a proxy timing out). */
static const char prelude[] = "retry: 3000\n\n";

bool sb_runs_stream_live(sb_req *r, int64_t tenant_id, int64_t run_id)
{
    sb_runs *m = r->srv->runs;
    pthread_mutex_lock(&m->mu);
    sb_live_run *lr = find_locked(m, tenant_id, run_id);
    if (!lr) {
        pthread_mutex_unlock(&m->mu);
        return false;
    }
    run_stream *st = stream_new_locked(m, r);
    st->run = lr;
    lr->refs++;
    st->text = prelude;
    st->len = sizeof prelude - 1;
    pthread_mutex_unlock(&m->mu);
    answer_stream(r, st);
    return true;
}

void sb_runs_stream_relay(sb_req *r, int64_t tenant_id, int64_t run_id)
{
    sb_runs *m = r->srv->runs;
    pthread_mutex_lock(&m->mu);
    run_stream *st = stream_new_locked(m, r);
    st->relay = true;
    st->tenant_id = tenant_id;
    st->run_id = run_id;
    st->text = prelude;
    st->len = sizeof prelude - 1;
    pthread_cond_broadcast(&m->tick); /* read it now rather than on the next round */
    pthread_mutex_unlock(&m->mu);
    answer_stream(r, st);
}

void sb_runs_stream_text(sb_req *r, const char *text, size_t len)
{
    sb_runs *m = r->srv->runs;
    char *copy = sb_xmalloc(len + sizeof prelude);
    memcpy(copy, prelude, sizeof prelude - 1);
    memcpy(copy + sizeof prelude - 1, text, len);
    pthread_mutex_lock(&m->mu);
    run_stream *st = stream_new_locked(m, r);
    st->text = copy;
    st->len = len + sizeof prelude - 1;
    st->owns_text = true;
    pthread_mutex_unlock(&m->mu);
    answer_stream(r, st);
}

/* ---- replay from the store -------------------------------------------------------- */

static const sb_store_sample *find_sample(const sb_vec *samples, const char *gem, const char *port)
{
    for (size_t i = 0; samples && i < samples->len; i++) {
        const sb_store_sample *s = samples->items[i];
        if (strcmp(s->gem, gem) == 0 && strcmp(s->port, port) == 0) return s;
    }
    return NULL;
}

void sb_runs_replay(sb_buf *out, const sb_store_run *run, const sb_vec *samples, bool with_edges)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_json *metrics =
        run->metrics ? sb_json_parse(a, run->metrics, strlen(run->metrics), &d) : NULL;
    sb_buf b = SB_BUF_INIT;
    const sb_json *edges = with_edges ? sb_json_get(metrics, "edges") : NULL;
    for (size_t i = 0; edges && edges->kind == SB_JSON_ARRAY && i < edges->u.array.len; i++) {
        const sb_json *e = edges->u.array.items[i];
        const sb_json *gem = sb_json_get(e, "gem"), *port = sb_json_get(e, "port");
        if (!gem || gem->kind != SB_JSON_STRING || !port || port->kind != SB_JSON_STRING) continue;
        const sb_store_sample *smp = find_sample(samples, gem->u.string.s, port->u.string.s);
        const sb_json *trunc = sb_json_get(e, "truncated");
        sb_buf_reset(&b);
        sb_buf_puts(&b, "{\"gem\":");
        sb_json_write_compact(&b, gem);
        sb_buf_puts(&b, ",\"port\":");
        sb_json_write_compact(&b, port);
        const char *keys[] = {"count", "ms", "schema"};
        for (size_t k = 0; k < SB_COUNTOF(keys); k++) {
            const sb_json *v = sb_json_get(e, keys[k]);
            sb_buf_printf(&b, ",\"%s\":", keys[k]);
            if (v)
                sb_json_write_compact(&b, v);
            else
                sb_buf_puts(&b, "null");
        }
        /* rows null: the team keeps no samples, so there are none to show. */
        sb_buf_printf(&b, ",\"rows\":%s,\"truncated\":%s,\"replay\":true}",
                      smp ? smp->rows : "null",
                      trunc && trunc->kind == SB_JSON_BOOL && trunc->u.boolean ? "true" : "false");
        sb_runs_sse(out, "edge", b.data, b.len);
    }
    const sb_json *notices = with_edges ? sb_json_get(metrics, "notices") : NULL;
    for (size_t i = 0; notices && notices->kind == SB_JSON_ARRAY && i < notices->u.array.len; i++) {
        sb_buf_reset(&b);
        sb_buf_puts(&b, "{\"message\":");
        sb_json_write_compact(&b, notices->u.array.items[i]);
        sb_buf_putc(&b, '}');
        sb_runs_sse(out, "notice", b.data, b.len);
    }
    sb_buf_reset(&b);
    sb_buf_printf(&b, "{\"run\":%lld,\"status\":", (long long)run->id);
    sb_json_write_string(&b, run->status, strlen(run->status));
    if (run->message) {
        sb_buf_puts(&b, ",\"message\":");
        sb_json_write_string(&b, run->message, strlen(run->message));
    }
    sb_buf_putc(&b, '}');
    sb_runs_sse(out, "status", b.data, b.len);
    b.len--;
    const sb_json *err = sb_json_get(metrics, "error");
    const sb_json *hint = sb_json_get(err, "hint");
    if (hint && hint->kind == SB_JSON_STRING) {
        sb_buf_puts(&b, ",\"hint\":");
        sb_json_write_compact(&b, hint);
    }
    sb_buf_puts(&b, ",\"metrics\":");
    if (metrics)
        sb_json_write_compact(&b, metrics);
    else
        sb_buf_puts(&b, "null");
    sb_buf_putc(&b, '}');
    sb_runs_sse(out, "done", b.data, b.len);
    sb_buf_free(&b);
    sb_arena_free(a);
}

/* ---- runs up to a gem ------------------------------------------------------------ */

const char *sb_runs_pipeline_until(sb_arena *a, const char *text, size_t len, const char *until,
                                   const char **why)
{
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *root = sb_json_parse(a, text, len, &d);
    const sb_json *gems = sb_json_get(root, "gems");
    if (!gems || gems->kind != SB_JSON_OBJECT) {
        *why = "the pipeline has no gems";
        return NULL;
    }
    if (!sb_json_get(gems, until)) {
        *why = sb_arena_printf(a, "no gem `%s` in the pipeline", until);
        return NULL;
    }
    size_t n = gems->u.object.len;
    bool *keep = sb_arena_alloc(a, n ? n : 1);
    size_t *stack = sb_arena_alloc(a, (n ? n : 1) * sizeof *stack), top = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(gems->u.object.members[i].key, until) == 0) keep[i] = true, stack[top++] = i;
    while (top) {
        const sb_json *inputs = sb_json_get(gems->u.object.members[stack[--top]].value, "inputs");
        for (size_t k = 0; inputs && inputs->kind == SB_JSON_ARRAY && k < inputs->u.array.len;
             k++) {
            const sb_json *in = inputs->u.array.items[k];
            if (in->kind != SB_JSON_STRING) continue;
            /* "gem" or "gem.port" */
            size_t gl = strcspn(in->u.string.s, ".");
            for (size_t i = 0; i < n; i++) {
                const char *key = gems->u.object.members[i].key;
                if (!keep[i] && strlen(key) == gl && strncmp(key, in->u.string.s, gl) == 0)
                    keep[i] = true, stack[top++] = i;
            }
        }
    }
    sb_json *out = sb_json_new_object(a);
    for (size_t m = 0; m < root->u.object.len; m++) {
        const sb_json_member *rm = &root->u.object.members[m];
        bool by_gem = strcmp(rm->key, "gems") == 0 || strcmp(rm->key, "canvas") == 0;
        if (!by_gem || rm->value->kind != SB_JSON_OBJECT) {
            sb_json_object_set(a, out, rm->key, rm->value);
            continue;
        }
        sb_json *sub = sb_json_new_object(a);
        for (size_t i = 0; i < rm->value->u.object.len; i++) {
            const sb_json_member *gm = &rm->value->u.object.members[i];
            for (size_t j = 0; j < n; j++)
                if (keep[j] && strcmp(gems->u.object.members[j].key, gm->key) == 0)
                    sb_json_object_set(a, sub, gm->key, gm->value);
        }
        sb_json_object_set(a, out, rm->key, sub);
    }
    sb_buf compact = SB_BUF_INIT, canon = SB_BUF_INIT;
    sb_json_write_compact(&compact, out);
    const char *result = NULL;
    if (sb_spec_format(compact.data, compact.len, &canon, &d) == 0)
        result = sb_arena_strndup(a, canon.data, canon.len);
    else
        *why = "the pipeline cannot be cut down";
    sb_buf_free(&compact);
    sb_buf_free(&canon);
    return result;
}

/* ---- admission, cancel, state ---------------------------------------------------- */

const char *sb_runs_fabric_check(sb_arena *a, const char *name, const char *def_text,
                                 bool *needs_secret)
{
    *needs_secret = false;
    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric_def def;
    const char *file = sb_arena_printf(a, "fabric %s", name);
    if (sb_fabric_def_parse(a, name, file, def_text, strlen(def_text), &def, &d) != 0)
        return sb_diags_count(&d) ? sb_diags_at(&d, 0)->message : "the fabric does not load";
    switch (def.kind) {
    case SB_FABRIC_SPARK:
        return NULL;
    case SB_FABRIC_LIVY:
        if (def.auth == SB_FABRIC_AUTH_KERBEROS)
            return sb_arena_printf(a,
                                   "fabric %s signs in with Kerberos, which the server cannot do "
                                   "on behalf of its users; use basic auth with a credential",
                                   name);
        *needs_secret = def.auth == SB_FABRIC_AUTH_BASIC || def.auth == SB_FABRIC_AUTH_TOKEN;
        return NULL;
    case SB_FABRIC_DATABRICKS:
        /* The server never reads its own ~/.databrickscfg or environment
         * on behalf of a user. */
        if (!def.url || !*def.url || !def.cluster_id || !*def.cluster_id)
            return sb_arena_printf(a,
                                   "fabric %s needs \"url\" and \"cluster_id\" in its definition "
                                   "to run from the server",
                                   name);
        *needs_secret = true;
        return NULL;
    }
    return NULL;
}

sb_live_run *sb_runs_reserve(sb_server *s, int64_t tenant_id, int64_t user_id, sb_arena *a,
                             int *http_status, const char **why)
{
    sb_runs *m = s->runs;
    size_t total = 0;
    pthread_mutex_lock(&m->mu);
    if (m->closing) {
        pthread_mutex_unlock(&m->mu);
        *http_status = 503;
        *why = "the server is stopping; start the run again in a moment";
        return NULL;
    }
    for (sb_live_run *lr = m->live; lr; lr = lr->next) total++;
    if (total >= MAX_LIVE_RUNS) {
        m->refused++;
        pthread_mutex_unlock(&m->mu);
        *http_status = 429;
        *why = sb_arena_printf(a, "the server already has %d runs queued or running; retry later",
                               MAX_LIVE_RUNS);
        return NULL;
    }
    sb_live_run *lr = sb_xcalloc(1, sizeof *lr);
    lr->m = m;
    lr->a = sb_arena_new();
    lr->refs = 1; /* the registry's */
    lr->tenant_id = tenant_id;
    lr->user_id = user_id;
    lr->status = "queued";
    lr->wall_ms = lr->spark_ms = -1;
    lr->next = m->live;
    m->live = lr;
    pthread_mutex_unlock(&m->mu);
    *http_status = 0;
    return lr;
}

void sb_runs_refused(sb_server *s)
{
    sb_runs *m = s->runs;
    pthread_mutex_lock(&m->mu);
    m->refused++;
    pthread_mutex_unlock(&m->mu);
}

void sb_runs_unreserve(sb_server *s, sb_live_run *lr)
{
    sb_runs *m = s->runs;
    pthread_mutex_lock(&m->mu);
    unlink_live_locked(m, lr);
    unref_locked(lr);
    pthread_mutex_unlock(&m->mu);
}

void sb_runs_submit(sb_server *s, sb_live_run *lr, const sb_run_spec *spec)
{
    sb_runs *m = s->runs;
    /* Nobody else reads the reservation until it has a run id: copy
     * without the mutex. */
    sb_arena *a = lr->a;
    sb_run_spec *c = &lr->spec;
    *c = *spec;
    c->project_name = sb_arena_strdup(a, spec->project_name);
    c->manifest = spec->manifest ? sb_arena_strdup(a, spec->manifest) : NULL;
    sb_vec *files = sb_arena_alloc(a, sizeof *files);
    for (size_t i = 0; i < spec->files->len; i++) {
        const sb_store_file *f = spec->files->items[i];
        sb_store_file *g = sb_arena_alloc(a, sizeof *g);
        *g = *f;
        g->name = sb_arena_strdup(a, f->name);
        g->content = sb_arena_strndup(a, f->content, f->content_len);
        sb_vec_push(a, files, g);
    }
    c->files = files;
    c->pipeline = sb_arena_strdup(a, spec->pipeline);
    c->config = spec->config ? sb_arena_strdup(a, spec->config) : NULL;
    c->until = spec->until ? sb_arena_strdup(a, spec->until) : NULL;
    const char **conf = sb_arena_alloc(a, (spec->nconf + 1) * sizeof *conf);
    for (size_t i = 0; i < spec->nconf; i++) conf[i] = sb_arena_strdup(a, spec->conf[i]);
    c->conf = conf;
    c->fabric_name = sb_arena_strdup(a, spec->fabric_name);
    c->fabric_def = sb_arena_strdup(a, spec->fabric_def);
    c->secret = NULL;
    lr->secret = spec->secret ? sb_xstrdup(spec->secret) : NULL;

    wake_list w = {0};
    pthread_mutex_lock(&m->mu);
    lr->run_id = spec->run_id;
    lr->run_version = spec->run_version;
    lr->queued = true;
    push_status_locked(lr, "queued", NULL, &w);
    if (m->qtail)
        m->qtail->qnext = lr;
    else
        m->qhead = lr;
    m->qtail = lr;
    pthread_cond_signal(&m->work);
    pthread_mutex_unlock(&m->mu);
    wake(&w);
}

sb_runs_cancel_result sb_runs_cancel(sb_server *s, sb_store *store, int64_t tenant_id,
                                     int64_t run_id)
{
    sb_runs *m = s->runs;
    pthread_mutex_lock(&m->mu);
    sb_live_run *lr = find_locked(m, tenant_id, run_id);
    if (!lr || lr->ended) {
        pthread_mutex_unlock(&m->mu);
        return SB_RUNS_NOT_HERE;
    }
    lr->cancel_requested = true;
    if (!lr->queued) {
        if (lr->fabric) sb_fabric_cancel(lr->fabric);
        pthread_mutex_unlock(&m->mu);
        return SB_RUNS_CANCELLING;
    }
    /* Still waiting for a worker: take it out of the queue and end it here. */
    sb_live_run **p = &m->qhead, *prev = NULL;
    while (*p && *p != lr) prev = *p, p = &(*p)->qnext;
    if (*p) {
        *p = lr->qnext;
        if (m->qtail == lr) m->qtail = prev;
    }
    lr->qnext = NULL;
    lr->queued = false;
    lr->refs++;
    pthread_mutex_unlock(&m->mu);
    finish(m, lr, store, "cancelled", "the run was cancelled before it started");
    pthread_mutex_lock(&m->mu);
    wipe_free(lr->secret);
    lr->secret = NULL;
    unref_locked(lr);
    pthread_mutex_unlock(&m->mu);
    return SB_RUNS_CANCELLED;
}

bool sb_runs_live_state(sb_server *s, int64_t tenant_id, int64_t run_id, sb_arena *a,
                        const char **status, const char **metrics)
{
    sb_runs *m = s->runs;
    pthread_mutex_lock(&m->mu);
    sb_live_run *lr = find_locked(m, tenant_id, run_id);
    if (!lr) {
        pthread_mutex_unlock(&m->mu);
        return false;
    }
    sb_buf b = SB_BUF_INIT;
    write_metrics(&b, lr);
    *status = lr->status;
    *metrics = sb_arena_strndup(a, b.data, b.len);
    pthread_mutex_unlock(&m->mu);
    sb_buf_free(&b);
    return true;
}

void sb_runs_metrics(sb_server *s, sb_buf *o)
{
    sb_runs *m = s->runs;
    long queued = 0, running = 0, streams = 0, warm = 0;
    pthread_mutex_lock(&m->mu);
    for (sb_live_run *lr = m->live; lr; lr = lr->next) {
        if (lr->ended || !lr->run_id) continue;
        if (lr->queued)
            queued++;
        else
            running++;
    }
    for (run_stream *st = m->streams; st; st = st->nxt) streams++;
    for (warm_fabric *wf = m->idle; wf; wf = wf->next) warm++;
    sb_buf_puts(o, "# HELP sibyl_runs_total Runs of this process that ended, by status.\n"
                   "# TYPE sibyl_runs_total counter\n");
    for (size_t i = 0; i < SB_COUNTOF(final_statuses); i++)
        sb_buf_printf(o, "sibyl_runs_total{status=\"%s\"} %ld\n", final_statuses[i], m->ended[i]);
    sb_buf_printf(o,
                  "# HELP sibyl_runs_refused_total Runs refused over a per-user or per-tenant "
                  "limit.\n"
                  "# TYPE sibyl_runs_refused_total counter\n"
                  "sibyl_runs_refused_total %ld\n"
                  "# HELP sibyl_runs Runs of this process now, queued or running.\n"
                  "# TYPE sibyl_runs gauge\n"
                  "sibyl_runs{status=\"queued\"} %ld\n"
                  "sibyl_runs{status=\"running\"} %ld\n"
                  "# HELP sibyl_run_event_streams Event streams open.\n"
                  "# TYPE sibyl_run_event_streams gauge\n"
                  "sibyl_run_event_streams %ld\n"
                  "# HELP sibyl_fabric_sessions_idle Warm fabric sessions waiting for a run.\n"
                  "# TYPE sibyl_fabric_sessions_idle gauge\n"
                  "sibyl_fabric_sessions_idle %ld\n",
                  m->refused, queued, running, streams, warm);
    pthread_mutex_unlock(&m->mu);
}

/* ---- start and stop -------------------------------------------------------------- */

bool sb_runs_init(sb_server *s, sb_buf *err)
{
    sb_runs *m = sb_xcalloc(1, sizeof *m);
    m->srv = s;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->work, NULL);
    pthread_cond_init(&m->tick, NULL);
    m->heartbeat_ms = HEARTBEAT_MS;
    m->lease_ms = (int64_t)(s->cfg.run_lease_s ? s->cfg.run_lease_s : 60) * 1000;
    if (s->cfg.timeout_s && (int64_t)s->cfg.timeout_s * 500 < m->heartbeat_ms)
        m->heartbeat_ms = (int64_t)s->cfg.timeout_s * 500;
    /* Generated packages go to DATA/runs/<this process>/<run id>: absolute,
     * because the fabric's driver does not share our working directory. */
    char real[PATH_MAX];
    const char *data = s->cfg.data_dir ? s->cfg.data_dir : ".";
    if (!realpath(data, real)) {
        sb_buf_printf(err, "cannot resolve the data directory %s: %s", data, strerror(errno));
        goto fail;
    }
    char *base = sb_xmalloc(strlen(real) + 64);
    sprintf(base, "%s/runs", real);
    if (mkdir(base, 0700) != 0 && errno != EEXIST) {
        sb_buf_printf(err, "cannot create %s: %s", base, strerror(errno));
        free(base);
        goto fail;
    }
    sprintf(base + strlen(base), "/%ld-XXXXXX", (long)getpid());
    if (!mkdtemp(base)) {
        sb_buf_printf(err, "cannot create a directory under %s/runs: %s", real, strerror(errno));
        free(base);
        goto fail;
    }
    m->scratch = base;
    s->runs = m;
    m->nworkers = s->cfg.run_workers ? s->cfg.run_workers : 1;
    m->workers = sb_xcalloc(m->nworkers, sizeof *m->workers);
    for (size_t i = 0; i < m->nworkers; i++) {
        if (pthread_create(&m->workers[i], NULL, worker_main, m) != 0) {
            m->nworkers = i;
            sb_buf_puts(err, "cannot start the run workers");
            sb_runs_shutdown(s);
            sb_runs_free(s);
            return false;
        }
    }
    if (pthread_create(&m->janitor, NULL, janitor_main, m) != 0) {
        sb_buf_puts(err, "cannot start the run janitor");
        sb_runs_shutdown(s);
        sb_runs_free(s);
        return false;
    }
    m->janitor_started = true;
    return true;
fail:
    pthread_cond_destroy(&m->tick);
    pthread_cond_destroy(&m->work);
    pthread_mutex_destroy(&m->mu);
    free(m);
    return false;
}

void sb_runs_shutdown(sb_server *s)
{
    sb_runs *m = s->runs;
    if (!m) return;
    wake_list w = {0};
    pthread_mutex_lock(&m->mu);
    if (!m->closing) {
        m->closing = true;
        for (sb_live_run *lr = m->live; lr; lr = lr->next) {
            if (lr->ended) continue;
            lr->cancel_requested = true;
            lr->interrupted = true;
            if (lr->fabric) sb_fabric_cancel(lr->fabric);
        }
        collect_waiting(m, NULL, &w);
        pthread_cond_broadcast(&m->work);
        pthread_cond_broadcast(&m->tick);
    }
    pthread_mutex_unlock(&m->mu);
    wake(&w);
}

void sb_runs_free(sb_server *s)
{
    sb_runs *m = s->runs;
    if (!m) return;
    sb_runs_shutdown(s);
    for (size_t i = 0; i < m->nworkers; i++) pthread_join(m->workers[i], NULL);
    free(m->workers);
    if (m->janitor_started) {
        pthread_mutex_lock(&m->mu);
        m->stop_janitor = true;
        pthread_cond_broadcast(&m->tick);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->janitor, NULL);
    }
    while (m->idle) {
        warm_fabric *wf = m->idle;
        m->idle = wf->next;
        warm_free(wf);
    }
    /* Runs that never left the queue stay `queued` in the store until the
     * server marks this process's runs interrupted. */
    pthread_mutex_lock(&m->mu);
    while (m->live) {
        sb_live_run *lr = m->live;
        m->live = lr->next;
        lr->next = NULL;
        unref_locked(lr);
    }
    m->qhead = m->qtail = NULL;
    pthread_mutex_unlock(&m->mu);
    sb_store_close(m->janitor_store);
    m->janitor_store = NULL;
    remove_tree(m->scratch);
    free(m->scratch);
    /* Streams are gone with the HTTP daemon; any left would still point here. */
    if (!m->streams) {
        pthread_cond_destroy(&m->tick);
        pthread_cond_destroy(&m->work);
        pthread_mutex_destroy(&m->mu);
        free(m);
        s->runs = NULL;
    }
}
