/*
 * api_auth.c — sign-in, sign-out, "who am I", and API tokens.
 *
 * Sign-in answers the same for an unknown tenant, an unknown user, a wrong
 * password and a disabled account, so that it reveals nothing. Attempts are
 * limited per client address here (a short in-memory window) and per
 * account in the store (lockout after repeated failures).
 */
#include "server/server_internal.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <string.h>

/* ---- per-address attempt window -------------------------------------------- */

#define RL_SLOTS 1024
#define RL_WINDOW_MS 60000
#define RL_MAX 20

static struct {
    uint64_t key;
    int64_t window_start;
    int count;
} rl[RL_SLOTS];
static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;

static bool rate_ok(sb_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint64_t key = 0;
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            key = sb_hash_bytes(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        else if (sa->sa_family == AF_INET6)
            key = sb_hash_bytes(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    }
    int64_t now = sb_auth_now_ms();
    pthread_mutex_lock(&rl_mu);
    size_t i = key % RL_SLOTS;
    if (rl[i].key != key || now - rl[i].window_start > RL_WINDOW_MS) {
        rl[i].key = key;
        rl[i].window_start = now;
        rl[i].count = 0;
    }
    bool ok = ++rl[i].count <= RL_MAX;
    pthread_mutex_unlock(&rl_mu);
    return ok;
}

/* ---- users as JSON ---------------------------------------------------------- */

sb_json *sb_api_user_json(sb_arena *a, const sb_store_user *u)
{
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", u->id);
    sb_js_set_int(a, o, "version", u->version);
    sb_js_set_str(a, o, "login", u->login);
    sb_js_set_str(a, o, "display_name", u->display_name);
    sb_js_set_str(a, o, "email", u->email);
    sb_js_set_bool(a, o, "disabled", u->disabled);
    sb_js_set_time(a, o, "created_at", u->created_at);
    return o;
}

static void set_cookies(sb_req *r, const char *session, const char *csrf, int64_t max_age_s)
{
    const char *secure = r->srv->cfg.secure_cookies ? "; Secure" : "";
    sb_req_add_header(r, "Set-Cookie",
                      sb_arena_printf(r->a,
                                      "sibyl_session=%s; Path=/; Max-Age=%lld; HttpOnly; "
                                      "SameSite=Strict%s",
                                      session, (long long)max_age_s, secure));
    /* Readable by the browser UI, which echoes it in X-CSRF-Token. */
    sb_req_add_header(r, "Set-Cookie",
                      sb_arena_printf(r->a, "sibyl_csrf=%s; Path=/; Max-Age=%lld; SameSite=Strict%s",
                                      csrf, (long long)max_age_s, secure));
}

void sb_api_login(sb_req *r)
{
    if (!rate_ok(r)) {
        sb_req_add_header(r, "Retry-After", "60");
        sb_req_error(r, 429, "rate_limited", "too many sign-in attempts; wait a minute");
        return;
    }
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    const char *tenant = NULL, *login = NULL, *password = NULL;
    if (!sb_req_field_str(r, b, "tenant", true, &tenant) ||
        !sb_req_field_str(r, b, "login", true, &login) ||
        !sb_req_field_str(r, b, "password", true, &password))
        return;
    int64_t tenant_id = 0, user_id = 0;
    int rc = sb_store_tenant_find(r->store, tenant, &tenant_id);
    if (rc != SB_STORE_OK && rc != SB_STORE_NOT_FOUND) {
        sb_req_store_error(r, rc, "tenant");
        return;
    }
    int64_t now = sb_auth_now_ms();
    sb_auth_login_result res =
        rc == SB_STORE_NOT_FOUND
            ? SB_LOGIN_BAD
            : sb_auth_login(r->store, r->a, &r->srv->cfg.policy, tenant_id, login, password, now,
                            &user_id);
    if (res == SB_LOGIN_BAD) {
        sb_req_error(r, 401, "bad_credentials", "wrong tenant, login or password");
        return;
    }
    if (res == SB_LOGIN_LOCKED) {
        sb_req_error(r, 423, "locked",
                     "too many failed sign-ins: the account is locked for a while");
        return;
    }
    if (res != SB_LOGIN_OK) {
        sb_req_error(r, 500, "internal", "the store failed");
        return;
    }
    const char *secret = sb_auth_random_text(r->a, 32);
    const char *csrf = sb_auth_random_text(r->a, 24);
    const char *ua = sb_req_header(r, "User-Agent");
    int64_t ttl = r->srv->cfg.policy.session_ttl_ms;
    sb_store_session ss = {.user_id = user_id,
                           .hash = sb_auth_secret_hash(r->a, secret),
                           .csrf = sb_auth_secret_hash(r->a, csrf),
                           .client = ua ? sb_arena_strndup(r->a, ua, 200) : NULL,
                           .expires_at = now + ttl,
                           .last_seen_at = now};
    r->who = (sb_principal){.tenant_id = tenant_id, .user_id = user_id};
    r->authed = true;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_user u;
    rc = sb_store_session_create(tx, &ss);
    if (rc == SB_STORE_OK) rc = sb_store_user_get(tx, user_id, &u);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_req_store_error(r, rc, "session");
        return;
    }
    if (!sb_req_commit(r, tx)) return;
    set_cookies(r, sb_auth_cookie_compose(r->a, tenant_id, secret), csrf, ttl / 1000);
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "user", sb_api_user_json(r->a, &u));
    sb_js_set_int(r->a, o, "tenant_id", tenant_id);
    sb_js_set_str(r->a, o, "csrf_token", csrf);
    sb_js_set_time(r->a, o, "expires_at", ss.expires_at);
    sb_req_json(r, 200, o);
}

void sb_api_logout(sb_req *r)
{
    if (r->who.session_id) {
        sb_store_tx *tx;
        if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
        int rc = sb_store_session_delete(tx, r->who.session_id);
        if (rc != SB_STORE_OK && rc != SB_STORE_NOT_FOUND) {
            sb_store_rollback(tx);
            sb_req_store_error(r, rc, "session");
            return;
        }
        if (!sb_req_commit(r, tx)) return;
    }
    set_cookies(r, "", "", 0);
    r->status = 204;
}

void sb_api_me(sb_req *r)
{
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_store_user u;
    sb_store_tenant t;
    sb_vec ms = {0};
    int rc = sb_store_user_get(tx, r->who.user_id, &u);
    if (rc == SB_STORE_OK) rc = sb_store_tenant_get(tx, &t);
    if (rc == SB_STORE_OK) rc = sb_store_membership_list(tx, r->who.user_id, 0, &ms);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "user");
        return;
    }
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "user", sb_api_user_json(r->a, &u));
    sb_json *tj = sb_json_new_object(r->a);
    sb_js_set_int(r->a, tj, "id", t.id);
    sb_js_set_str(r->a, tj, "slug", t.slug);
    sb_js_set_str(r->a, tj, "name", t.name);
    sb_json_object_set(r->a, o, "tenant", tj);
    sb_json *roles = sb_json_new_array(r->a);
    for (size_t i = 0; i < ms.len; i++) {
        const sb_store_membership *m = ms.items[i];
        sb_json *mj = sb_json_new_object(r->a);
        if (m->team_id)
            sb_js_set_int(r->a, mj, "team_id", m->team_id);
        else
            sb_json_object_set(r->a, mj, "team_id", sb_json_new_null(r->a));
        sb_js_set_str(r->a, mj, "role", sb_store_role_name(m->role));
        sb_json_array_push(r->a, roles, mj);
    }
    sb_json_object_set(r->a, o, "roles", roles);
    sb_js_set_str(r->a, o, "auth", r->who.session_id ? "session" : "token");
    sb_req_json(r, 200, o);
}

/* ---- API tokens ------------------------------------------------------------- */

static sb_json *token_json(sb_arena *a, const sb_store_token *t)
{
    sb_json *o = sb_json_new_object(a);
    sb_js_set_int(a, o, "id", t->id);
    sb_js_set_int(a, o, "user_id", t->user_id);
    sb_js_set_str(a, o, "name", t->name);
    sb_js_set_str(a, o, "scopes", t->scopes);
    sb_js_set_time(a, o, "expires_at", t->expires_at);
    sb_js_set_time(a, o, "revoked_at", t->revoked_at);
    sb_js_set_time(a, o, "last_used_at", t->last_used_at);
    sb_js_set_time(a, o, "created_at", t->created_at);
    return o;
}

void sb_api_token_list(sb_req *r)
{
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return;
    sb_vec v = {0};
    int rc = sb_store_token_list(tx, r->who.user_id, &v);
    sb_store_rollback(tx);
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "token");
        return;
    }
    sb_json *arr = sb_json_new_array(r->a);
    for (size_t i = 0; i < v.len; i++) sb_json_array_push(r->a, arr, token_json(r->a, v.items[i]));
    sb_json *o = sb_json_new_object(r->a);
    sb_json_object_set(r->a, o, "tokens", arr);
    sb_req_json(r, 200, o);
}

void sb_api_token_create(sb_req *r)
{
    sb_json *b = sb_req_body_object(r);
    if (!b) return;
    const char *name = NULL, *scopes_text = "read write";
    int64_t days = 0;
    if (!sb_req_field_str(r, b, "name", true, &name) ||
        !sb_req_field_str(r, b, "scopes", false, &scopes_text) ||
        !sb_req_field_int(r, b, "expires_in_days", false, &days))
        return;
    unsigned scopes;
    if (!*name || sb_utf8_count(name) > 200) {
        sb_req_error(r, 400, "invalid", "field `name` must have 1 to 200 characters");
        return;
    }
    if (!sb_auth_scopes_parse(scopes_text, &scopes)) {
        sb_req_error(r, 400, "invalid",
                     "field `scopes` must be space-separated words among read, write, admin");
        return;
    }
    /* A token never grants more than the credential that made it. */
    if ((scopes & ~r->who.scopes) != 0) {
        sb_req_error(r, 403, "insufficient_scope", "a token cannot have scopes its creator lacks");
        return;
    }
    if (days < 0 || days > 3650) {
        sb_req_error(r, 400, "invalid", "field `expires_in_days` must be between 0 and 3650");
        return;
    }
    int64_t now = sb_auth_now_ms();
    const char *secret = sb_auth_random_text(r->a, 32);
    sb_store_token t = {.user_id = r->who.user_id,
                        .name = name,
                        .hash = sb_auth_secret_hash(r->a, secret),
                        .scopes = sb_auth_scopes_format(r->a, scopes),
                        .expires_at = days ? now + days * 86400000LL : 0};
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    int rc = sb_store_token_create(tx, &t);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_req_store_error(r, rc, "token");
        return;
    }
    if (!sb_req_commit(r, tx)) return;
    sb_json *o = token_json(r->a, &t);
    /* The only time the secret is shown. */
    sb_js_set_str(r->a, o, "token", sb_auth_token_compose(r->a, r->who.tenant_id, secret));
    sb_req_json(r, 201, o);
}

void sb_api_token_revoke(sb_req *r)
{
    int64_t id;
    if (!sb_req_param_id(r, 0, &id)) return;
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_WRITE, &tx)) return;
    sb_store_token t;
    int rc = sb_store_token_get(tx, id, &t);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_req_store_error(r, rc, "token");
        return;
    }
    if (t.user_id != r->who.user_id) {
        sb_store_role role = SB_ROLE_NONE;
        sb_store_role_for(tx, r->who.user_id, 0, &role);
        if (role < SB_ROLE_TENANT_ADMIN) {
            sb_store_rollback(tx);
            sb_req_error(r, 404, "not_found", "no such token");
            return;
        }
    }
    rc = sb_store_token_revoke(tx, id);
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        sb_req_store_error(r, rc, "token");
        return;
    }
    if (!sb_req_commit(r, tx)) return;
    r->status = 204;
}
