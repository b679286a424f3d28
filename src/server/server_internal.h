/*
 * server_internal.h — what the HTTP layer, the router and the API handlers
 * share: the request being served, the route table and the JSON helpers.
 */
#ifndef SB_SERVER_INTERNAL_H
#define SB_SERVER_INTERNAL_H

#include "base/json.h"
#include "server/server.h"

#include <stdatomic.h>

typedef struct sb_header {
    const char *name, *value;
} sb_header;

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

struct sb_server {
    sb_server_config cfg;
    const sb_auth_keyring *keys;
    void *daemon;
    int port;
    const char *owner; /* this process in run records: host:pid */
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

sb_json *sb_api_user_json(sb_arena *a, const sb_store_user *u);
sb_json *sb_api_project_json(sb_arena *a, const sb_store_project *p);
/* A project the caller may use with at least `role`: false after answering
 * 404 (missing, or no role at all on its team) or 403 (a lower role). */
bool sb_api_project_access(sb_req *r, sb_store_tx *tx, int64_t id, sb_store_role role,
                           sb_store_project *out);

/* The embedded OpenAPI document (generated from src/server/openapi.json). */
extern const unsigned char sb_openapi_json[];
extern const size_t sb_openapi_json_len;

#endif
