/*
 * login.c — password sign-in with lockout, and the first start's tenant.
 *
 * Failure counters and locks live in the user's row, not in the server, so
 * that every server process over one database enforces the same lock.
 */
#include "auth/auth.h"

#include <string.h>

void sb_auth_policy_defaults(sb_auth_policy *p)
{
    p->max_failed_logins = 5;
    p->lockout_ms = 15 * 60 * 1000;
    p->session_ttl_ms = 12 * 3600 * 1000LL;
    p->token_max_ttl_ms = 0;
}

sb_auth_login_result sb_auth_login(sb_store *s, sb_arena *a, const sb_auth_policy *pol,
                                   int64_t tenant_id, const char *login, const char *password,
                                   int64_t now_ms, int64_t *user_id)
{
    sb_store_tx *tx;
    sb_store_user u;
    /* Read first and verify outside any transaction: argon2id takes tens of
     * milliseconds, which must not be spent holding the write lock. */
    int rc = sb_store_begin(s, a, tenant_id, 0, SB_STORE_READ, &tx);
    if (rc == SB_STORE_NOT_FOUND) return SB_LOGIN_BAD;
    if (rc != SB_STORE_OK) return SB_LOGIN_ERROR;
    rc = sb_store_user_get_by_login(tx, login, &u);
    sb_store_rollback(tx);
    if (rc == SB_STORE_NOT_FOUND) return SB_LOGIN_BAD;
    if (rc != SB_STORE_OK) return SB_LOGIN_ERROR;
    if (u.locked_until > now_ms) return SB_LOGIN_LOCKED;
    bool ok = !u.disabled && u.password_hash && sb_auth_password_verify(u.password_hash, password);

    /* A failure is counted by the store, not from the row read above:
     * attempts verified at the same time, here or in another process,
     * must all count towards the lock. */
    bool locked = false;
    if (sb_store_begin(s, a, tenant_id, 0, SB_STORE_WRITE, &tx) != SB_STORE_OK)
        return SB_LOGIN_ERROR;
    rc = ok ? sb_store_user_record_login(tx, u.id, true, 0, 0)
            : sb_store_user_login_failed(tx, u.id, pol->max_failed_logins,
                                         now_ms + pol->lockout_ms, &locked);
    if (rc == SB_STORE_OK && locked) {
        int64_t n;
        rc = sb_store_session_delete_user(tx, u.id, &n);
    }
    if (rc != SB_STORE_OK) {
        sb_store_rollback(tx);
        return SB_LOGIN_ERROR;
    }
    if (sb_store_commit(tx) != SB_STORE_OK) return SB_LOGIN_ERROR;
    if (!ok) return locked ? SB_LOGIN_LOCKED : SB_LOGIN_BAD;
    *user_id = u.id;
    return SB_LOGIN_OK;
}

int sb_auth_bootstrap_tenant(sb_store *s, sb_arena *a, sb_auth_bootstrap *b, sb_buf *err)
{
    b->created = false;
    b->generated_password = NULL;
    int64_t id;
    int rc = sb_store_tenant_find(s, b->tenant_slug, &id);
    if (rc == SB_STORE_OK) {
        b->tenant_id = id;
        return SB_STORE_OK;
    }
    if (rc != SB_STORE_NOT_FOUND) {
        sb_buf_printf(err, "cannot look up tenant %s: %s", b->tenant_slug, sb_store_errmsg(s));
        return rc;
    }
    const char *password = b->admin_password;
    if (!password || !*password) password = b->generated_password = sb_auth_random_text(a, 18);
    const char *why;
    if (!sb_auth_password_ok(password, &why)) {
        sb_buf_printf(err, "SIBYL_ADMIN_PASSWORD: %s", why);
        return SB_STORE_INVALID;
    }
    char *hash = sb_auth_password_hash(a, password);
    if (!hash) {
        sb_buf_puts(err, "cannot hash the admin password (out of memory)");
        return SB_STORE_ERROR;
    }
    sb_store_tenant t = {.slug = b->tenant_slug, .name = b->tenant_slug};
    rc = sb_store_tenant_create(s, a, &t);
    if (rc == SB_STORE_EXISTS) { /* another process won the race */
        b->generated_password = NULL;
        return sb_store_tenant_find(s, b->tenant_slug, &b->tenant_id);
    }
    if (rc != SB_STORE_OK) {
        sb_buf_printf(err, "cannot create tenant %s: %s", b->tenant_slug, sb_store_errmsg(s));
        return rc;
    }
    b->tenant_id = t.id;
    sb_store_tx *tx;
    rc = sb_store_begin(s, a, t.id, 0, SB_STORE_WRITE, &tx);
    if (rc != SB_STORE_OK) {
        sb_buf_printf(err, "cannot open tenant %s: %s", b->tenant_slug, sb_store_errmsg(s));
        return rc;
    }
    sb_store_user u = {.login = b->admin_login, .display_name = "Administrator",
                       .password_hash = hash, .auth_source = "local"};
    sb_store_team team = {.name = b->team_name};
    rc = sb_store_user_create(tx, &u);
    if (rc == SB_STORE_OK) rc = sb_store_team_create(tx, &team);
    sb_store_membership m = {.user_id = u.id, .team_id = 0, .role = SB_ROLE_TENANT_ADMIN};
    if (rc == SB_STORE_OK) rc = sb_store_membership_create(tx, &m);
    if (rc == SB_STORE_OK) rc = sb_store_commit(tx);
    else sb_store_rollback(tx);
    if (rc != SB_STORE_OK) {
        sb_buf_printf(err, "cannot create the admin of %s: %s", b->tenant_slug,
                      sb_store_errmsg(s));
        return rc;
    }
    b->created = true;
    b->admin_id = u.id;
    b->team_id = team.id;
    return SB_STORE_OK;
}
