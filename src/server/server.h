/*
 * server.h — `sibyl serve`: the HTTP/JSON API over the metadata store.
 *
 * The server is a thin shell over the library: it authenticates a request,
 * opens one store transaction for the caller's tenant, calls the store and
 * the validator, and writes JSON. It keeps no state of its own beyond
 * counters for /metrics, a short-lived sign-in rate limiter and the runs it
 * is executing, so several processes over one PostgreSQL database serve
 * the same tenants (a run's live events come from the process running it;
 * once it ends, any process replays them from the store).
 *
 * Requests are served by libmicrohttpd's internal thread pool; every
 * worker thread has its own store connection. Interactive runs execute on
 * a separate pool of run workers (runs.c), so that a request never waits
 * for Spark; their progress is kept in memory while they run and streamed
 * as Server-Sent Events.
 */
#ifndef SB_SERVER_H
#define SB_SERVER_H

#include "auth/auth.h"
#include "store/store.h"

typedef struct sb_server_config {
    const char *host;          /* listen address; default "127.0.0.1" */
    int port;                  /* 0: any free port (see sb_server_port) */
    const char *store_url;     /* NULL: SQLite in data_dir */
    const char *data_dir;      /* required: key file, SQLite database */
    size_t max_body;           /* bytes; larger bodies get 413 (default 4 MiB) */
    unsigned timeout_s;        /* idle connection timeout against slow clients (default 30) */
    unsigned threads;          /* request threads (default: the CPUs this process may use) */
    bool secure_cookies;       /* Secure attribute on cookies (default true; off for plain-HTTP localhost) */
    bool access_log;           /* one JSON line per request on stderr (default true) */
    const char *tls_cert;      /* PEM files; both set: HTTPS */
    const char *tls_key;
    sb_auth_policy policy;
    /* The tenant whose administrators administer the installation itself
     * (master keys: /api/v1/admin/...); other tenants do not see those
     * endpoints. NULL: nobody over HTTP (the `sibyl key` command only). */
    const char *operator_tenant;
    /* Interactive runs (api_runs.c, runs.c). */
    unsigned run_workers;      /* runs executing at once in this process (default 4) */
    unsigned runs_per_tenant;  /* queued + running runs of one tenant (default 8) */
    unsigned runs_per_user;    /* queued + running runs of one user (default 2) */
    unsigned run_sample_rows;  /* most sample rows per edge a run may ask for (default 200) */
    size_t run_sample_bytes;   /* sample data kept per run, all edges together (default 8 MiB) */
    unsigned fabric_idle_s;    /* warm fabric sessions idle this long are closed (default 300; 0: none kept) */
    unsigned run_lease_s;      /* a process whose runs showed no sign of life for this long is
                                  gone: any process marks them interrupted (default 60) */
} sb_server_config;

void sb_server_config_defaults(sb_server_config *c);

typedef struct sb_server sb_server;

/* Start listening. The store must already be opened and migrated by the
 * caller (which also runs the first-start bootstrap); `keys` must outlive
 * the server. Returns NULL with a message in `err`. */
sb_server *sb_server_start(const sb_server_config *c, const sb_auth_keyring *keys, sb_buf *err);
/* The port actually bound. */
int sb_server_port(const sb_server *s);
/* Graceful stop: refuse new connections, cancel the runs in flight, let
 * in-flight requests finish (at most `grace_ms`), mark this process's runs
 * interrupted, close. */
void sb_server_stop(sb_server *s, int grace_ms);

#endif
