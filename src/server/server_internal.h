/*
 * server_internal.h — what the HTTP layer, the router and the API handlers
 * share: the request being served, the route table and the JSON helpers.
 */
#ifndef SB_SERVER_INTERNAL_H
#define SB_SERVER_INTERNAL_H

#include "base/json.h"
#include "server/server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

typedef struct sb_header {
    const char *name, *value;
} sb_header;

/* A response body produced piece by piece (libmicrohttpd's content reader):
 * `read` copies at most `max` bytes into `buf` and returns how many, 0 after
 * suspending the connection until there is more (it is resumed then), or
 * -1 at the end. `free` releases `cls` once the connection is done with it,
 * also when the response could not be sent. */
typedef struct sb_req_stream {
    ssize_t (*read)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*free)(void *cls);
    void *cls;
} sb_req_stream;

/* Who is calling: established by a session cookie or an API token. */
typedef struct sb_principal {
    int64_t tenant_id, user_id;
    const char *login;
    int64_t session_id; /* > 0: signed in with a cookie */
    int64_t token_id;   /* > 0: an API token */
    unsigned scopes;    /* SB_SCOPE_*; all for sessions */
} sb_principal;

typedef struct sb_req {
    struct sb_server *srv;
    sb_arena *a;
    sb_store *store;
    void *conn; /* the libmicrohttpd connection, for headers and arguments */
    const char *method, *path;
    const char *body;
    size_t body_len;
    const char *params[4]; /* path parameters ({id}, {name}, ...) in order */
    size_t nparams;
    const char *route; /* the matched pattern, for logs and metrics */
    bool authed;
    sb_principal who;
    /* the response */
    int status;
    sb_buf out;
    const char *content_type;
    sb_header headers[8];
    size_t nheaders;
    sb_req_stream stream; /* set: the body is streamed (Server-Sent Events) */
} sb_req;

typedef void (*sb_handler)(sb_req *r);

enum { SB_ROUTE_PUBLIC = 0, SB_ROUTE_AUTH = 1 };

typedef struct sb_route {
    const char *method;
    const char *pattern; /* "/api/v1/projects/{id}"; braces match one segment */
    sb_handler fn;
    int access;          /* SB_ROUTE_PUBLIC or SB_ROUTE_AUTH */
    unsigned scope;      /* scope an API token needs (SB_SCOPE_READ/WRITE/ADMIN) */
} sb_route;

const sb_route *sb_routes(size_t *n);

/* Match method and path against the table. Returns the route, or NULL with
 * *method_mismatch set when the path exists under another method. Path
 * parameters are copied into r. */
const sb_route *sb_route_match(sb_req *r, const char *method, const char *path,
                               bool *method_mismatch);
/* Match one pattern against one path (exported for tests). Up to 4 parameters. */
bool sb_route_match_pattern(sb_arena *a, const char *pattern, const char *path,
                            const char **params, size_t *nparams);
/* The methods `path` answers to, for a 405's Allow header: "GET, HEAD, POST". */
const char *sb_route_allow(sb_arena *a, const char *path);

struct sb_server {
    sb_server_config cfg;
    const sb_auth_keyring *keys;
    void *daemon;
    int port;
    const char *owner; /* this process in run records: host:pid */
    struct sb_runs *runs; /* interactive runs in this process (runs.c) */
    struct sb_watchdog *watchdog; /* cuts off requests that arrive too slowly (http.c) */
    /* The keys that seal credentials: a copy of `keys` that follows key
     * rotations (secrets.c). Go through sb_server_seal_credential and
     * sb_server_fabric_secret rather than `keys`, which may be stale. */
    sb_auth_keyring live_keys;
    pthread_rwlock_t keys_mu;
    atomic_long in_flight;
    atomic_bool stopping;
    /* metrics */
    atomic_long requests[6]; /* by status class: 1xx..5xx, [0] unused */
    atomic_long latency_buckets[12];
    atomic_long latency_sum_us;
    atomic_long bytes_out;
    int64_t started_ms;
};

/* ---- responses --------------------------------------------------------- */

/* A JSON error: {"error": {"code": code, "message": message}}. */
void sb_req_error(sb_req *r, int status, const char *code, const char *fmt, ...) SB_PRINTF(4, 5);
/* The error that a store status maps to (404, 409, 400, 403, 503, 500). */
void sb_req_store_error(sb_req *r, int store_status, const char *what);
/* Set a JSON body from a DOM. */
void sb_req_json(sb_req *r, int status, const sb_json *body);
void sb_req_add_header(sb_req *r, const char *name, const char *value);

/* ---- requests ---------------------------------------------------------- */

const char *sb_req_header(sb_req *r, const char *name);
const char *sb_req_query(sb_req *r, const char *name);
const char *sb_req_cookie(sb_req *r, const char *name);
/* The body as a JSON object; NULL after answering 400 (not JSON, not an
 * object). */
sb_json *sb_req_body_object(sb_req *r);
/* Typed members of a request object. Each returns false after answering
 * 400 with a message naming the field when the member has the wrong type
 * (or is missing and required). Absent optional members leave *out alone. */
bool sb_req_field_str(sb_req *r, const sb_json *obj, const char *key, bool required,
                      const char **out);
bool sb_req_field_int(sb_req *r, const sb_json *obj, const char *key, bool required,
                      int64_t *out);
bool sb_req_field_bool(sb_req *r, const sb_json *obj, const char *key, bool required, bool *out);
/* A positive integer path parameter; false after answering 404. */
bool sb_req_param_id(sb_req *r, size_t i, int64_t *out);
/* The version a write is based on: If-Match, or `version` in the body.
 * false after answering 428 (missing) or 400 (malformed). */
bool sb_req_version(sb_req *r, const sb_json *body, int64_t *out);

/* ---- JSON building ------------------------------------------------------ */

sb_json *sb_js_str(sb_arena *a, const char *s); /* NULL s gives null */
void sb_js_set_str(sb_arena *a, sb_json *o, const char *k, const char *s);
void sb_js_set_int(sb_arena *a, sb_json *o, const char *k, int64_t v);
void sb_js_set_bool(sb_arena *a, sb_json *o, const char *k, bool v);
/* A time in ms since the epoch as RFC 3339 UTC text (null for 0). */
void sb_js_set_time(sb_arena *a, sb_json *o, const char *k, int64_t ms);

/* ---- authentication and roles ------------------------------------------ */

/* Authenticate from the Authorization header or the session cookie;
 * answers 401 / 403 (CSRF) and returns false when it cannot. */
bool sb_req_authenticate(sb_req *r, unsigned scope);
/* Does the caller have at least `role` on `team_id` (0: tenant-wide)?
 * Answers 403 and returns false otherwise. Uses the open transaction. */
bool sb_req_require_role(sb_req *r, sb_store_tx *tx, int64_t team_id, sb_store_role role);
/* Open a transaction for the caller; false after answering 500/503. */
bool sb_req_begin(sb_req *r, sb_store_mode mode, sb_store_tx **tx);
/* Commit; false after answering the store's error. */
bool sb_req_commit(sb_req *r, sb_store_tx *tx);

/* ---- handlers (api_*.c) ------------------------------------------------ */

void sb_api_healthz(sb_req *r);
void sb_api_readyz(sb_req *r);
void sb_api_metrics(sb_req *r);
void sb_api_openapi(sb_req *r);

void sb_api_login(sb_req *r);
void sb_api_logout(sb_req *r);
void sb_api_me(sb_req *r);
void sb_api_token_list(sb_req *r);
void sb_api_token_create(sb_req *r);
void sb_api_token_revoke(sb_req *r);

void sb_api_team_list(sb_req *r);
void sb_api_team_create(sb_req *r);
void sb_api_user_list(sb_req *r);
void sb_api_user_create(sb_req *r);
void sb_api_member_add(sb_req *r);

void sb_api_project_list(sb_req *r);
void sb_api_project_create(sb_req *r);
void sb_api_project_get(sb_req *r);
void sb_api_project_update(sb_req *r);
void sb_api_project_delete(sb_req *r);
void sb_api_project_validate(sb_req *r);

void sb_api_file_list(sb_req *r);
void sb_api_file_get(sb_req *r);
void sb_api_file_put(sb_req *r);
void sb_api_file_delete(sb_req *r);
void sb_api_pipeline_validate(sb_req *r);
void sb_api_pipeline_schema(sb_req *r);

void sb_api_pipeline_code(sb_req *r);
void sb_api_run_start(sb_req *r);
void sb_api_run_list(sb_req *r);
void sb_api_run_get(sb_req *r);
void sb_api_run_cancel(sb_req *r);
void sb_api_run_events(sb_req *r);

/* A project as sb_project_load builds it from a directory, from its
 * manifest and its files (sb_store_file* with content). `draft`, when set,
 * replaces the text of pipeline `draft_name`. Everything lives in `a`. */
struct sb_project *sb_api_project_from_files(sb_arena *a, const char *name,
                                             const char *manifest, const sb_vec *files,
                                             const char *draft_name, const char *draft,
                                             size_t draft_len, sb_diags *d);

sb_json *sb_api_user_json(sb_arena *a, const sb_store_user *u);
sb_json *sb_api_project_json(sb_arena *a, const sb_store_project *p);
/* A project the caller may use with at least `role`: false after answering
 * 404 (missing, or no role at all on its team) or 403 (a lower role). */
bool sb_api_project_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_role role,
                           sb_store_project *out);

/* ---- interactive runs (runs.c) ------------------------------------------ */

/* Everything a run needs, copied when it is submitted: the project as it
 * was when the run was asked for (the files at the versions recorded in
 * the run), the fabric's definition and the caller's secret for it. */
typedef struct sb_run_spec {
    int64_t tenant_id, user_id, team_id, project_id, run_id, run_version;
    const char *project_name, *manifest;
    const sb_vec *files; /* sb_store_file* with content */
    const char *pipeline;
    const char *config;  /* configuration instance, or NULL */
    const char *until;   /* the run stops at this gem (files hold the cut-down pipeline) */
    int sample_rows;     /* rows per edge */
    const char *const *conf; /* NAME=VALUE configuration overrides */
    size_t nconf;
    const char *fabric_name;
    const char *fabric_def; /* canonical fabric JSON */
    const char *secret;     /* the caller's credential for the fabric, or NULL */
} sb_run_spec;

typedef struct sb_live_run sb_live_run;

/* Start the run workers (sb_server_start); false with a message in err. */
bool sb_runs_init(sb_server *s, sb_buf *err);
/* Stop admitting runs, cancel every run in flight and end every event
 * stream (the first step of a graceful stop). */
void sb_runs_shutdown(sb_server *s);
/* Wait for the workers (each marks its run interrupted), close warm fabric
 * sessions and free everything. After the HTTP daemon stopped. */
void sb_runs_free(sb_server *s);

/* Check a fabric definition for use by the server: NULL when it can be
 * used, else one sentence why not (allocated in `a`). *needs_secret says
 * whether the caller's credential is required. */
const char *sb_runs_fabric_check(sb_arena *a, const char *name, const char *def_text,
                                 bool *needs_secret);
/* Hold a place in this process for a run of (tenant, user), before its
 * row exists (the per-tenant and per-user limits are counted in the store
 * when the row is written). NULL with the status to answer (429 when the
 * process holds its most runs, 503 while stopping) and one sentence why. */
sb_live_run *sb_runs_reserve(sb_server *s, int64_t tenant_id, int64_t user_id, sb_arena *a,
                             int *http_status, const char **why);
/* Give the place back (the run row could not be written). */
void sb_runs_unreserve(sb_server *s, sb_live_run *lr);
/* A run with this status has ended (anything but queued and running). */
bool sb_runs_status_final(const char *status);
/* Count a run refused over a limit (for /metrics). */
void sb_runs_refused(sb_server *s);
/* Queue the run held by `lr`; the spec is copied. */
void sb_runs_submit(sb_server *s, sb_live_run *lr, const sb_run_spec *spec);

typedef enum sb_runs_cancel_result {
    SB_RUNS_NOT_HERE,   /* not running in this process */
    SB_RUNS_CANCELLED,  /* it was queued: cancelled now */
    SB_RUNS_CANCELLING, /* it is running: asked to stop */
} sb_runs_cancel_result;
/* Cancel a run of this process. `store` writes the status of a queued run. */
sb_runs_cancel_result sb_runs_cancel(sb_server *s, sb_store *store, int64_t tenant_id,
                                     int64_t run_id);
/* The status and metrics JSON of a run live in this process, or false. */
bool sb_runs_live_state(sb_server *s, int64_t tenant_id, int64_t run_id, sb_arena *a,
                        const char **status, const char **metrics);
/* Answer with the run's event stream when it is live in this process
 * (false otherwise, nothing answered). */
bool sb_runs_stream_live(sb_req *r, int64_t tenant_id, int64_t run_id);
/* Answer with the run's events as the store relays them (a run of another
 * server process, or one that ended a moment ago), ending with its end. */
void sb_runs_stream_relay(sb_req *r, int64_t tenant_id, int64_t run_id);
/* Answer with a fixed event stream (a finished run replayed). */
void sb_runs_stream_text(sb_req *r, const char *text, size_t len);
/* The events of a finished run from what the store kept: its row (status,
 * message, metrics) and its samples (sb_store_sample*); without
 * `with_edges`, only its status and done events. */
void sb_runs_replay(sb_buf *out, const sb_store_run *run, const sb_vec *samples, bool with_edges);
/* One Server-Sent Event. */
void sb_runs_sse(sb_buf *out, const char *event, const char *data, size_t len);
/* Run counters and gauges in the Prometheus text format (for /metrics). */
void sb_runs_metrics(sb_server *s, sb_buf *out);
/* The text of a pipeline file cut down to gem `until` and the gems it
 * reads from, directly or not: what runs when a run stops at `until`
 * (gems downstream of it, or on other branches, are not computed). The
 * result is canonical (sb_spec_format). NULL with one sentence in *why when
 * `until` is not a gem of the pipeline. */
const char *sb_runs_pipeline_until(sb_arena *a, const char *text, size_t len, const char *until,
                                   const char **why);

/* ---- fabrics, credentials and keys (api_fabrics.c, api_credentials.c,
 *      api_keys.c, secrets.c) ---------------------------------------------- */

void sb_api_fabric_list(sb_req *r);
void sb_api_fabric_create(sb_req *r);
void sb_api_fabric_get(sb_req *r);
void sb_api_fabric_update(sb_req *r);
void sb_api_fabric_delete(sb_req *r);
void sb_api_fabric_credential_get(sb_req *r);
void sb_api_fabric_credential_put(sb_req *r);
void sb_api_fabric_credential_delete(sb_req *r);
void sb_api_git_credential_list(sb_req *r);
void sb_api_git_credential_get(sb_req *r);
void sb_api_git_credential_put(sb_req *r);
void sb_api_git_credential_delete(sb_req *r);
void sb_api_keys_get(sb_req *r);
void sb_api_keys_rotate(sb_req *r);
void sb_api_keys_reseal(sb_req *r);

/* A fabric the caller may use with at least `role` on its team: false
 * after answering 404 (missing, or no role at all on its team) or 403 (a
 * lower role). Viewers read fabrics and keep their own credential for
 * them; team admins create, change and delete them. */
bool sb_api_fabric_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_role role,
                          sb_store_fabric *out);

/* The server's keyring: sb_server_start copies the keyring it is given,
 * sb_server_stop wipes the copy. */
void sb_server_keys_init(sb_server *s, const sb_auth_keyring *keys);
void sb_server_keys_free(sb_server *s);
/* The keys in use (after re-reading the key file if it changed). */
void sb_server_keys_snapshot(sb_server *s, sb_auth_keyring *out);
/* A new current key in the key file (sb_auth_keyring_rotate); *out receives
 * the new keyring. -1 with one sentence in err. */
int sb_server_keys_rotate(sb_server *s, sb_auth_keyring *out, sb_buf *err);
/* Seal `len` bytes under the current master key, bound to `context`: the
 * key's id and the ciphertext in `a`. */
void sb_server_seal(sb_server *s, sb_arena *a, const char *context, const void *plain,
                    size_t len, const char **key_id, unsigned char **ct, size_t *ct_len);
/* Open what sb_server_seal sealed: 0 with the NUL-terminated plaintext in
 * `a`, -1 when no key in use opens it. */
int sb_server_open(sb_server *s, sb_arena *a, const char *context, const char *key_id,
                   const unsigned char *ct, size_t ct_len, char **plain, size_t *len);
/* Seal `secret` as credential `c` of tenant `tenant_id` (its user, kind and
 * fabric or target set): fills key_id, ciphertext and ciphertext_len (in
 * `a`). */
void sb_server_seal_credential(sb_server *s, sb_arena *a, int64_t tenant_id,
                               sb_store_credential *c, const char *secret);
/* Open credential `c` of tenant `tenant_id`: 0 with the NUL-terminated
 * plaintext in `a`, -1 when no key in use opens it. */
int sb_server_open_credential(sb_server *s, sb_arena *a, int64_t tenant_id,
                              const sb_store_credential *c, char **secret);

/* A credential sealed with a key this server does not have (a lost or
 * retired key) or damaged: its owner has to set it again. */
enum { SB_SECRET_UNREADABLE = -100 };

/* THE way server code gets a user's secret for a fabric, e.g. to run on
 * Databricks as the user who started a run: the credential that `user_id`
 * set with PUT /api/v1/fabrics/{id}/credential, decrypted. Reads through
 * `tx` (an open transaction of the user's tenant, read or write) and
 * returns SB_STORE_OK with *secret set (NUL-terminated, in `a`),
 * SB_STORE_NOT_FOUND when the user set none, SB_SECRET_UNREADABLE, or
 * another store status. The secret must never be logged, stored or put in
 * a response; pass it to the fabric driver (sb_fabric_def.secret) only,
 * and wipe it (sodium_memzero) when it outlives the request. */
int sb_server_fabric_secret(sb_server *s, sb_store_tx *tx, sb_arena *a, int64_t user_id,
                            int64_t fabric_id, const char **secret);
/* The same for the user's token for a Git host (PUT /api/v1/credentials/git/{host}). */
int sb_server_git_secret(sb_server *s, sb_store_tx *tx, sb_arena *a, int64_t user_id,
                         const char *host, const char **secret);

/* The embedded OpenAPI document (generated from src/server/openapi.json). */
extern const unsigned char sb_openapi_json[];
extern const size_t sb_openapi_json_len;

#endif
