/*
 * api_credentials.c — each user's own secrets: a token or password for a
 * fabric (every user brings their own Databricks PAT to a shared fabric),
 * a personal access token for a Git host.
 *
 * A secret arrives once, in a PUT, is sealed with the server's current key
 * (secrets.c) before it reaches the store, and never comes back: reads say
 * only whether one is set, when it was set and which key sealed it. Only
 * its owner can set, see or delete it; a tenant admin cannot read another
 * user's secret either. Messages name the credential, never the secret,
 * and the access log holds no bodies.
 */
#include "server/server_internal.h"

#include <sodium.h>
#include <string.h>

#define SECRET_MAX 8192

static sb_json *credential_json(sb_arena *a, const sb_store_credential *c)
{
    sb_json *o = sb_json_new_object(a);
    sb_js_set_bool(a, o, "set", c != NULL);
    if (!c) return o;
    if (c->kind == SB_CRED_GIT) sb_js_set_str(a, o, "host", c->target);
    sb_js_set_time(a, o, "created_at", c->created_at);
    sb_js_set_time(a, o, "updated_at", c->updated_at);
    sb_js_set_str(a, o, "key_id", c->key_id);
    return o;
}

/* The `secret` member of a PUT body; NULL after answering 400. The value is
 * never part of a message. */
static const char *secret_field(sb_req *r, const sb_json *b)
{
    const char *secret = NULL;
    if (!sb_req_field_str(r, b, "secret", true, &secret)) return NULL;
    size_t n = strlen(secret);
    if (n == 0 || sb_utf8_count(secret) > SECRET_MAX) {
        sb_req_error(r, 400, "invalid", "field `secret` must have 1 to %d characters", SECRET_MAX);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)secret[i];
        if (ch < 0x20 || ch == 0x7f) {
            sb_req_error(r, 400, "invalid",
                         "field `secret` must not contain control characters (a line break "
                         "copied with it?)");
            return NULL;
        }
    }
    if (sb_utf8_valid_prefix(secret, n) != n) {
        sb_req_error(r, 400, "invalid", "field `secret` must be UTF-8 text");
        return NULL;
    }
    return secret;
}

/* Create or replace the caller's credential `want` (kind and fabric or
 * target set) with `secret`, in the open write transaction, and answer.
 * The transaction is finished either way. A PUT carries no version: it
 * replaces whatever is there. So when the row changed between reading and
 * writing it (a key rotation re-encrypting it, the same user's other
 * request) and `may_retry`, nothing is answered and false comes back: the
 * caller tries again in a new transaction. */
static bool put_credential(sb_req *r, sb_store_tx *tx, sb_store_credential *want,
                           const char *secret, bool may_retry)
{
    sb_store_credential c;
    int rc = want->kind == SB_CRED_GIT
                 ? sb_store_credential_get_for_git(tx, r->who.user_id, want->target, &c)
                 : sb_store_credential_get_for_fabric(tx, r->who.user_id, want->fabric_id, &c);
    bool exists = rc == SB_STORE_OK;
    if (rc == SB_STORE_OK || rc == SB_STORE_NOT_FOUND) {
        if (!exists) c = *want;
        c.user_id = r->who.user_id;
        sb_server_seal_credential(r->srv, r->a, r->who.tenant_id, &c, secret);
        rc = exists ? sb_store_credential_update(tx, &c) : sb_store_credential_create(tx, &c);
    }
    if (rc == SB_STORE_OK)
        rc = sb_store_commit(tx);
    else
        sb_store_rollback(tx);
    if ((rc == SB_STORE_CONFLICT || rc == SB_STORE_EXISTS) && may_retry) return false;
    if (rc != SB_STORE_OK)
        sb_req_store_error(r, rc, "credential");
    else
        sb_req_json(r, exists ? 200 : 201, credential_json(r->a, &c));
    return true;
}

/* Delete the caller's credential, found with `rc` and `c`. */
static void delete_credential(sb_req *r, sb_store_tx *tx, int rc, const sb_store_credential *c,
                              const char *what)
{
    if (rc == SB_STORE_NOT_FOUND) {
        sb_store_rollback(tx);
        return sb_req_error(r, 404, "not_found", "you have no credential for %s", what);
    }
    if (rc == SB_STORE_OK) rc = sb_store_credential_delete(tx, c->id, c->version);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return sb_req_store_error(r, rc, "credential");
    }
    if (!sb_req_commit(r, tx)) return;
    r->status = 204;
}

/* ---- a fabric's credential ------------------------------------------------ */

void sb_api_fabric_credential_get(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_fabric f;
    if (!sb_api_fabric_access(r, tx, id, SB_ROLE_VIEWER, &f)) return sb_store_rollback(tx);
    sb_store_credential c;
    int rc = sb_store_credential_get_for_fabric(tx, r->who.user_id, f.id, &c);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK && rc != SB_STORE_NOT_FOUND)
        return sb_req_store_error(r, rc, "credential");
    sb_req_json(r, 200, credential_json(r->a, rc == SB_STORE_OK ? &c : NULL));
}

void sb_api_fabric_credential_put(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    const char *secret = secret_field(r, b);
    if (!secret) return;
    for (int attempt = 0;; attempt++) {
        sb_store_tx *tx;
        if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) break;
        sb_store_fabric f;
        if (!sb_api_fabric_access(r, tx, id, SB_ROLE_VIEWER, &f)) {
            sb_store_rollback(tx);
            break;
        }
        sb_store_credential want = {.kind = SB_CRED_FABRIC, .fabric_id = f.id};
        if (put_credential(r, tx, &want, secret, attempt < 3)) break;
    }
    sodium_memzero((char *)secret, strlen(secret));
}

void sb_api_fabric_credential_delete(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_fabric f;
    if (!sb_api_fabric_access(r, tx, id, SB_ROLE_VIEWER, &f)) return sb_store_rollback(tx);
    sb_store_credential c;
    int rc = sb_store_credential_get_for_fabric(tx, r->who.user_id, f.id, &c);
    delete_credential(r, tx, rc, &c, "this fabric");
}

/* ---- Git hosts ------------------------------------------------------------- */

/* A Git host as a credential's target: a DNS name or address, optionally
 * with a port, in lower case ("github.com", "git.example.com:8443"). NULL
 * after answering 400. */
static const char *git_host(sb_req *r)
{
    const char *h = r->nparams ? r->params[0] : "";
    size_t n = strlen(h);
    bool ok = n > 0 && n <= 253;
    char *low = sb_arena_strdup(r->a, h);
    for (size_t i = 0; ok && i < n; i++) {
        char ch = low[i];
        if (ch >= 'A' && ch <= 'Z') low[i] = ch = (char)(ch - 'A' + 'a');
        ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
             ch == ':' || ch == '[' || ch == ']';
    }
    if (ok && (low[0] == '.' || low[0] == '-' || low[0] == ':')) ok = false;
    if (!ok) {
        sb_req_error(r, 400, "invalid",
                     "a Git host is a host name with an optional port, e.g. github.com or "
                     "git.example.com:8443");
        return NULL;
    }
    return low;
}

void sb_api_git_credential_list(sb_req *r)
{
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_vec v = {0};
    int rc = sb_store_credential_list(tx, r->who.user_id, &v);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) return sb_req_store_error(r, rc, "credential");
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++) {
        const sb_store_credential *c = v.items[i];
        if (c->kind == SB_CRED_GIT) sb_json_array_push(r->a, arr, credential_json(r->a, c));
    }
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "credentials", arr);
    sb_req_json(r, 200, o);
}

void sb_api_git_credential_get(sb_req *r)
{
    const char *host = git_host(r);
    if (!host) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_credential c;
    int rc = sb_store_credential_get_for_git(tx, r->who.user_id, host, &c);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK && rc != SB_STORE_NOT_FOUND)
        return sb_req_store_error(r, rc, "credential");
    sb_json *o = credential_json(r->a, rc == SB_STORE_OK ? &c : NULL);
    if (rc != SB_STORE_OK) sb_js_set_str(r->a, o, "host", host);
    sb_req_json(r, 200, o);
}

void sb_api_git_credential_put(sb_req *r)
{
    const char *host = git_host(r);
    if (!host) return;
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    const char *secret = secret_field(r, b);
    if (!secret) return;
    for (int attempt = 0;; attempt++) {
        sb_store_tx *tx;
        if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) break;
        sb_store_credential want = {.kind = SB_CRED_GIT, .target = host};
        if (put_credential(r, tx, &want, secret, attempt < 3)) break;
    }
    sodium_memzero((char *)secret, strlen(secret));
}

void sb_api_git_credential_delete(sb_req *r)
{
    const char *host = git_host(r);
    if (!host) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_credential c;
    int rc = sb_store_credential_get_for_git(tx, r->who.user_id, host, &c);
    delete_credential(r, tx, rc, &c, sb_arena_printf(r->a, "%s", host));
}
