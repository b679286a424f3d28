/*
 * request.c — reading requests and writing JSON answers: typed fields with
 * messages that name the field, errors in one shape, versions for writes.
 */
#include "server/server_internal.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sb_req_add_header(sb_req *r, const char *name, const char *value)
{
    if (r->nheaders < SB_COUNTOF(r->headers))
        r->headers[r->nheaders++] = (sb_header){name, sb_arena_strdup(r->a, value)};
}

void sb_req_json(sb_req *r, int status, const sb_json *body)
{
    r->status = status;
    r->content_type = "application/json";
    sb_buf_reset(&r->out);
    sb_json_write_compact(&r->out, body);
    sb_buf_putc(&r->out, '\n');
}

void sb_req_error(sb_req *r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(r->a, fmt, ap);
    va_end(ap);
    sb_json *err = sb_json_new_object(r->a);
    sb_js_set_str(r->a, err, "code", code);
    sb_js_set_str(r->a, err, "message", msg);
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "error", err);
    sb_req_json(r, status, o);
}

void sb_req_store_error(sb_req *r, int st, const char *what)
{
    switch (st) {
    case SB_STORE_NOT_FOUND: sb_req_error(r, 404, "not_found", "no such %s", what); break;
    case SB_STORE_CONFLICT:
        sb_req_error(r, 409, "conflict",
                     "the %s was changed by someone else; fetch it again and reapply your change",
                     what);
        break;
    case SB_STORE_EXISTS:
        sb_req_error(r, 409, "exists", "a %s with that name already exists", what);
        break;
    case SB_STORE_INVALID: sb_req_error(r, 400, "invalid", "invalid %s", what); break;
    case SB_STORE_DISABLED: sb_req_error(r, 403, "disabled", "not enabled for this team"); break;
    case SB_STORE_BUSY:
        sb_req_add_header(r, "Retry-After", "1");
        sb_req_error(r, 503, "busy", "the store is busy; retry");
        break;
    default: sb_req_error(r, 500, "internal", "the store failed"); break;
    }
}

const char *sb_req_header(sb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *sb_req_query(sb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sb_req_cookie(sb_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

sb_json *sb_req_body_object(sb_req *r)
{
    sb_diags d;
    sb_diags_init(&d, r->a);
    sb_diags_set_context(&d, &(sb_diag_context){.file = "request body"});
    if (r->body_len == 0) {
        sb_req_error(r, 400, "bad_json", "the request needs a JSON object body");
        return NULL;
    }
    sb_json *j = sb_json_parse(r->a, r->body, r->body_len, &d);
    if (!j) {
        const sb_diag *g = sb_diags_count(&d) ? sb_diags_at(&d, 0) : NULL;
        sb_req_error(r, 400, "bad_json", "the request body is not valid JSON: line %u, column %u: %s",
                     g ? g->line : 0, g ? g->col : 0, g ? g->message : "syntax error");
        return NULL;
    }
    if (j->kind != SB_JSON_OBJECT) {
        sb_req_error(r, 400, "bad_json", "the request body must be a JSON object, not %s",
                     sb_json_kind_name(j->kind));
        return NULL;
    }
    return j;
}

static bool wrong_type(sb_req *r, const char *key, const char *want, const sb_json *v)
{
    sb_req_error(r, 400, "wrong_type", "field `%s` must be %s, not %s", key, want,
                 sb_json_kind_name(v->kind));
    return false;
}

static bool missing(sb_req *r, const char *key)
{
    sb_req_error(r, 400, "missing_field", "field `%s` is required", key);
    return false;
}

bool sb_req_field_str(sb_req *r, const sb_json *obj, const char *key, bool required,
                      const char **out)
{
    const sb_json *v = sb_json_get(obj, key);
    if (!v || (v->kind == SB_JSON_NULL && !required)) return required ? missing(r, key) : true;
    if (v->kind != SB_JSON_STRING) return wrong_type(r, key, "a string", v);
    if (strlen(v->u.string.s) != v->u.string.len) {
        sb_req_error(r, 400, "invalid", "field `%s` must not contain NUL characters", key);
        return false;
    }
    *out = v->u.string.s;
    return true;
}

bool sb_req_field_int(sb_req *r, const sb_json *obj, const char *key, bool required,
                      int64_t *out)
{
    const sb_json *v = sb_json_get(obj, key);
    if (!v || (v->kind == SB_JSON_NULL && !required)) return required ? missing(r, key) : true;
    /* A JSON number is a value, however it is written: 3, 3.0 and 3e0 are
     * the same integer (as JSON Schema has it, and JavaScript sends it). */
    if (v->kind != SB_JSON_NUMBER || v->u.number.value > 9.0e15 ||
        v->u.number.value < -9.0e15 || v->u.number.value != (double)(int64_t)v->u.number.value)
        return wrong_type(r, key, "an integer", v);
    *out = (int64_t)v->u.number.value;
    return true;
}

bool sb_req_field_bool(sb_req *r, const sb_json *obj, const char *key, bool required, bool *out)
{
    const sb_json *v = sb_json_get(obj, key);
    if (!v || (v->kind == SB_JSON_NULL && !required)) return required ? missing(r, key) : true;
    if (v->kind != SB_JSON_BOOL) return wrong_type(r, key, "true or false", v);
    *out = v->u.boolean;
    return true;
}

static bool parse_pos(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 18) return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0) return false;
    *out = v;
    return true;
}

bool sb_req_param_id(sb_req *r, size_t i, int64_t *out)
{
    if (i < r->nparams && parse_pos(r->params[i], out)) return true;
    sb_req_error(r, 404, "not_found", "no such object");
    return false;
}

bool sb_req_version(sb_req *r, const sb_json *body, int64_t *out)
{
    /* Both may be there; then they must agree. */
    bool in_body = body && sb_json_get(body, "version");
    int64_t body_version = 0;
    if (in_body) {
        if (!sb_req_field_int(r, body, "version", true, &body_version)) return false;
        if (body_version <= 0) {
            sb_req_error(r, 400, "bad_version", "field `version` must be positive");
            return false;
        }
        *out = body_version;
    }
    const char *im = sb_req_header(r, "If-Match");
    if (im) {
        size_t n = strlen(im);
        char buf[24];
        /* An ETag is "N" (quoted) or W/"N" (the ETags this server sends
         * have no leading zeros); accept a bare N too. */
        if (strncmp(im, "W/", 2) == 0) im += 2, n -= 2;
        if (n >= 2 && im[0] == '"' && im[n - 1] == '"') im++, n -= 2;
        if (n < sizeof buf && im[0] != '0') {
            memcpy(buf, im, n);
            buf[n] = 0;
            if (parse_pos(buf, out)) {
                if (!in_body || body_version == *out) return true;
                /* At most one of them is the object's version: the
                 * request is stale in the other. */
                sb_req_error(r, 409, "conflict",
                             "If-Match says version %lld and field `version` says %lld: at "
                             "least one is not the object's version; send one, or the same in "
                             "both",
                             (long long)*out, (long long)body_version);
                return false;
            }
        }
        sb_req_error(r, 400, "bad_version", "If-Match must hold the object's version, e.g. \"3\"");
        return false;
    }
    if (in_body) return true;
    sb_req_error(r, 428, "version_required",
                 "say which version you are changing: an If-Match header (the ETag you read) or "
                 "a `version` field");
    return false;
}

sb_json *sb_js_str(sb_arena *a, const char *s)
{
    return s ? sb_json_new_string(a, s, strlen(s)) : sb_json_new_null(a);
}

void sb_js_set_str(sb_arena *a, sb_json *o, const char *k, const char *s)
{
    sb_json_object_set(a, o, k, sb_js_str(a, s));
}

void sb_js_set_int(sb_arena *a, sb_json *o, const char *k, int64_t v)
{
    sb_json_object_set(a, o, k, sb_json_new_int(a, v));
}

void sb_js_set_bool(sb_arena *a, sb_json *o, const char *k, bool v)
{
    sb_json_object_set(a, o, k, sb_json_new_bool(a, v));
}

void sb_js_set_time(sb_arena *a, sb_json *o, const char *k, int64_t ms)
{
    if (!ms) {
        sb_json_object_set(a, o, k, sb_json_new_null(a));
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    sb_js_set_str(a, o, k, buf);
}

bool sb_req_begin(sb_req *r, sb_store_mode mode, sb_store_tx **tx)
{
    int rc = sb_store_begin(r->store, r->a, r->who.tenant_id, r->who.user_id, mode, tx);
    if (rc == SB_STORE_OK) return true;
    /* The caller's user vanished between authentication and now. */
    if (rc == SB_STORE_NOT_FOUND) {
        sb_req_error(r, 401, "unauthenticated", "sign in again");
        return false;
    }
    sb_req_store_error(r, rc, "object");
    return false;
}

bool sb_req_commit(sb_req *r, sb_store_tx *tx)
{
    int rc = sb_store_commit(tx);
    if (rc == SB_STORE_OK) return true;
    sb_req_store_error(r, rc, "object");
    return false;
}

bool sb_req_require_role(sb_req *r, sb_store_tx *tx, int64_t team_id, sb_store_role role)
{
    sb_store_role have = SB_ROLE_NONE;
    if (sb_store_role_for(tx, r->who.user_id, team_id, &have) != SB_STORE_OK) have = SB_ROLE_NONE;
    if (have >= role) return true;
    sb_req_error(r, 403, "forbidden", "this needs the %s role%s", sb_store_role_name(role),
                 team_id ? " on the team" : "");
    return false;
}
