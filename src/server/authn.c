/*
 * authn.c — establishing who a request comes from: an API token in the
 * Authorization header, or a sign-in session cookie plus, for anything but
 * a read, the CSRF token in the X-CSRF-Token header.
 *
 * Both carry the tenant id in clear in front of the secret: the store can
 * only be asked inside one tenant, and the secret's hash is looked up there.
 */
#include "server/server_internal.h"

#include <string.h>

/* Bookkeeping writes (last use, sliding expiry) at most once a minute, so
 * that a burst of reads stays read-only. */
#define TOUCH_EVERY_MS 60000

static bool unauthenticated(sb_req *r, const char *why)
{
    sb_req_add_header(r, "WWW-Authenticate", "Bearer realm=\"sibyl\"");
    sb_req_error(r, 401, "unauthenticated", "%s", why);
    return false;
}

static bool is_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

static bool by_token(sb_req *r, const char *token, unsigned scope)
{
    int64_t tenant;
    const char *secret;
    if (!sb_auth_token_split(token, &tenant, &secret))
        return unauthenticated(r, "the API token is malformed");
    char *hash = sb_auth_secret_hash(r->a, secret);
    sb_store_tx *tx;
    int rc = sb_store_begin(r->store, r->a, tenant, 0, SB_STORE_READ, &tx);
    if (rc == SB_STORE_NOT_FOUND) return unauthenticated(r, "the API token is not valid");
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "token");
        return false;
    }
    sb_store_token t;
    sb_store_user u;
    rc = sb_store_token_lookup(tx, hash, &t);
    if (rc == SB_STORE_OK) rc = sb_store_user_get(tx, t.user_id, &u);
    sb_store_rollback(tx);
    if (rc == SB_STORE_NOT_FOUND) return unauthenticated(r, "the API token is not valid");
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "token");
        return false;
    }
    int64_t now = sb_auth_now_ms();
    if (t.revoked_at) return unauthenticated(r, "the API token was revoked");
    if (t.expires_at && t.expires_at <= now) return unauthenticated(r, "the API token expired");
    if (u.disabled) return unauthenticated(r, "the account is disabled");
    unsigned scopes = 0;
    if (!sb_auth_scopes_parse(t.scopes ? t.scopes : "", &scopes)) scopes = 0;
    if (scope && !(scopes & scope)) {
        sb_req_error(r, 403, "insufficient_scope", "the API token lacks the `%s` scope",
                     sb_auth_scopes_format(r->a, scope));
        return false;
    }
    if (now - t.last_used_at > TOUCH_EVERY_MS &&
        sb_store_begin(r->store, r->a, tenant, 0, SB_STORE_WRITE, &tx) == SB_STORE_OK) {
        if (sb_store_token_touch(tx, t.id, now) == SB_STORE_OK)
            sb_store_commit(tx);
        else
            sb_store_rollback(tx);
    }
    r->who = (sb_principal){.tenant_id = tenant, .user_id = u.id, .login = u.login,
                            .token_id = t.id, .scopes = scopes};
    r->authed = true;
    return true;
}

static bool by_session(sb_req *r, const char *cookie)
{
    int64_t tenant;
    const char *secret;
    if (!sb_auth_cookie_split(cookie, &tenant, &secret))
        return unauthenticated(r, "sign in first");
    char *hash = sb_auth_secret_hash(r->a, secret);
    sb_store_tx *tx;
    int rc = sb_store_begin(r->store, r->a, tenant, 0, SB_STORE_READ, &tx);
    if (rc == SB_STORE_NOT_FOUND) return unauthenticated(r, "sign in first");
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "session");
        return false;
    }
    sb_store_session ss;
    sb_store_user u;
    rc = sb_store_session_lookup(tx, hash, &ss);
    if (rc == SB_STORE_OK) rc = sb_store_user_get(tx, ss.user_id, &u);
    sb_store_rollback(tx);
    if (rc == SB_STORE_NOT_FOUND) return unauthenticated(r, "the session ended; sign in again");
    if (rc != SB_STORE_OK) {
        sb_req_store_error(r, rc, "session");
        return false;
    }
    int64_t now = sb_auth_now_ms();
    if (ss.expires_at <= now) return unauthenticated(r, "the session expired; sign in again");
    if (u.disabled) return unauthenticated(r, "the account is disabled");
    if (!is_safe_method(r->method)) {
        /* Synchronizer token: the session row holds the hash of the token
         * handed out at sign-in; a cross-site form cannot read or send it. */
        const char *csrf = sb_req_header(r, "X-CSRF-Token");
        if (!csrf || !sb_auth_equal(sb_auth_secret_hash(r->a, csrf), ss.csrf)) {
            sb_req_error(r, 403, "csrf",
                         "a signed-in request that changes something needs the X-CSRF-Token "
                         "header from sign-in");
            return false;
        }
    }
    if (now - ss.last_seen_at > TOUCH_EVERY_MS &&
        sb_store_begin(r->store, r->a, tenant, 0, SB_STORE_WRITE, &tx) == SB_STORE_OK) {
        if (sb_store_session_touch(tx, ss.id, now, now + r->srv->cfg.policy.session_ttl_ms) ==
            SB_STORE_OK)
            sb_store_commit(tx);
        else
            sb_store_rollback(tx);
    }
    r->who = (sb_principal){.tenant_id = tenant, .user_id = u.id, .login = u.login,
                            .session_id = ss.id,
                            .scopes = SB_SCOPE_READ | SB_SCOPE_WRITE | SB_SCOPE_ADMIN};
    r->authed = true;
    return true;
}

bool sb_req_authenticate(sb_req *r, unsigned scope)
{
    const char *authz = sb_req_header(r, "Authorization");
    if (authz) {
        if (strncmp(authz, "Bearer ", 7) != 0)
            return unauthenticated(r, "use `Authorization: Bearer <API token>`");
        const char *t = authz + 7;
        while (*t == ' ') t++;
        return by_token(r, t, scope);
    }
    const char *cookie = sb_req_cookie(r, "sibyl_session");
    if (cookie) return by_session(r, cookie);
    return unauthenticated(r, "sign in, or send an API token");
}
