/*
 * user.c — users of a tenant: identity, the (hashed) local password and
 * sign-in bookkeeping. Hashing and lockout policy belong to the auth
 * layer; the store keeps what it decides.
 */
#include "store/store_internal.h"

#include <stdio.h>

static void read_user(sb_store_tx *tx, st_cur *c, sb_store_user *u)
{
    u->id = st_col_int(c, 0);
    u->login = st_col_str(tx, c, 1);
    u->display_name = st_col_str(tx, c, 2);
    u->email = st_col_str(tx, c, 3);
    u->password_hash = st_col_str(tx, c, 4);
    u->auth_source = st_col_str(tx, c, 5);
    u->external_id = st_col_str(tx, c, 6);
    u->disabled = st_col_int(c, 7) != 0;
    u->failed_logins = st_col_int(c, 8);
    u->locked_until = st_col_int(c, 9);
    u->last_login_at = st_col_int(c, 10);
    u->version = st_col_int(c, 11);
    u->created_at = st_col_int(c, 12);
    u->updated_at = st_col_int(c, 13);
}

static int check_user(sb_store *s, const sb_store_user *u)
{
    int rc = st_check_name(s, "a login", u->login);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the display name", u->display_name, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the email", u->email, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the auth source", u->auth_source, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the external id", u->external_id, false);
    if (rc == SB_STORE_OK) rc = st_check_text(s, "the password hash", u->password_hash, false);
    return rc;
}

int sb_store_user_create(sb_store_tx *tx, sb_store_user *u)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_user(tx->s, u);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    if (!u->auth_source) u->auth_source = "local";
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_USER_CREATE, &id, "ssssssbi", u->login, u->display_name, u->email,
                   u->password_hash, u->auth_source, u->external_id, (int)u->disabled, now);
    if (rc == SB_STORE_EXISTS)
        st_fail(tx->s, rc, "the login `%s` is already taken in this tenant", u->login);
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "user", id, u->login, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    u->id = id;
    u->version = 1;
    u->failed_logins = u->locked_until = u->last_login_at = 0;
    u->created_at = u->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_user_get(sb_store_tx *tx, int64_t id, sb_store_user *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_USER_GET, &c, "i", id), &c, "user");
    if (rc == SB_STORE_OK) read_user(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_user_get_by_login(sb_store_tx *tx, const char *login, sb_store_user *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!login) return st_fail(tx->s, SB_STORE_INVALID, "no login");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_USER_GET_BY_LOGIN, &c, "s", login), &c, "user");
    if (rc == SB_STORE_OK) read_user(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_user_list(sb_store_tx *tx, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_USER_LIST, &c, "");
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_user *u = sb_arena_alloc(tx->a, sizeof *u);
        read_user(tx, &c, u);
        sb_vec_push(tx->a, out, u);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_user_update(sb_store_tx *tx, sb_store_user *u)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_user(tx->s, u);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    if (!u->auth_source) u->auth_source = "local";
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_USER_UPDATE, Q_USER_VERSION, u->id, &c, "sssbssiii", u->login,
                    u->display_name, u->email, (int)u->disabled, u->auth_source, u->external_id,
                    now, u->id, u->version);
    if (rc != SB_STORE_OK) return rc;
    st_done(&c);
    rc = st_audit(tx, "update", "user", u->id, u->login, u->version, u->version + 1,
                  u->disabled ? "{\"disabled\":true}" : NULL);
    if (rc != SB_STORE_OK) return rc;
    u->version++;
    u->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_user_set_password(sb_store_tx *tx, int64_t id, int64_t *version,
                               const char *password_hash)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_text(tx->s, "the password hash", password_hash, false);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    st_cur c;
    rc = st_guarded(tx, Q_USER_SET_PASSWORD, Q_USER_VERSION, id, &c, "siii", password_hash,
                    st_now_ms(), id, *version);
    if (rc != SB_STORE_OK) return rc;
    const char *login = st_col_str(tx, &c, 0);
    st_done(&c);
    rc = st_audit(tx, "set_password", "user", id, login, *version, *version + 1, NULL);
    if (rc == SB_STORE_OK) (*version)++;
    return rc;
}

int sb_store_user_record_login(sb_store_tx *tx, int64_t id, bool ok, int64_t failed_logins,
                               int64_t locked_until)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    if (ok)
        rc =
            st_query(tx, Q_USER_LOGIN_OK, &c, "iiii", failed_logins, locked_until, st_now_ms(), id);
    else
        rc = st_query(tx, Q_USER_LOGIN_FAILED, &c, "iii", failed_logins, locked_until, id);
    rc = st_first(tx, rc, &c, "user");
    if (rc != SB_STORE_OK) {
        st_done(&c);
        return st_wdone(tx, rc);
    }
    const char *login = st_col_str(tx, &c, 0);
    int64_t version = st_col_int(&c, 1);
    st_done(&c);
    char detail[96];
    snprintf(detail, sizeof detail, "{\"failed_logins\":%lld,\"locked_until\":%lld}",
             (long long)failed_logins, (long long)locked_until);
    return st_audit(tx, ok ? "login" : "login_failed", "user", id, login, version, version, detail);
}

int sb_store_user_login_failed(sb_store_tx *tx, int64_t id, int64_t max_failed,
                               int64_t lock_until, bool *locked)
{
    *locked = false;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_USER_LOGIN_COUNT_FAILURE, &c, "iii", max_failed, lock_until, id);
    rc = st_first(tx, rc, &c, "user");
    if (rc != SB_STORE_OK) {
        st_done(&c);
        return st_wdone(tx, rc);
    }
    const char *login = st_col_str(tx, &c, 0);
    int64_t version = st_col_int(&c, 1), failed = st_col_int(&c, 2), until = st_col_int(&c, 3);
    st_done(&c);
    *locked = failed == 0 && until == lock_until;
    char detail[96];
    snprintf(detail, sizeof detail, "{\"failed_logins\":%lld,\"locked_until\":%lld}",
             (long long)failed, (long long)until);
    return st_audit(tx, "login_failed", "user", id, login, version, version, detail);
}

int sb_store_user_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_USER_DELETE, Q_USER_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *login = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "user", id, login, version, 0, NULL);
}
