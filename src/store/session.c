/*
 * session.c — sign-in sessions: the hash of the cookie's secret, what CSRF
 * tokens are checked against, and expiry. Sliding the expiry on each
 * request is bookkeeping (not audited); signing in and out are changes.
 */
#include "store/store_internal.h"

#include <stdio.h>

static void read_session(sb_store_tx *tx, st_cur *c, sb_store_session *ss)
{
    ss->id = st_col_int(c, 0);
    ss->user_id = st_col_int(c, 1);
    ss->hash = st_col_str(tx, c, 2);
    ss->csrf = st_col_str(tx, c, 3);
    ss->client = st_col_str(tx, c, 4);
    ss->expires_at = st_col_int(c, 5);
    ss->last_seen_at = st_col_int(c, 6);
    ss->version = st_col_int(c, 7);
    ss->created_at = st_col_int(c, 8);
    ss->updated_at = st_col_int(c, 9);
}

int sb_store_session_create(sb_store_tx *tx, sb_store_session *ss)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_name(tx->s, "a session hash", ss->hash);
    if (rc == SB_STORE_OK) rc = st_check_text(tx->s, "the CSRF value", ss->csrf, true);
    if (rc == SB_STORE_OK) rc = st_check_text(tx->s, "the client", ss->client, false);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_SESSION_CREATE, &id, "isssii", ss->user_id, ss->hash, ss->csrf, ss->client,
                   ss->expires_at, now);
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such user");
    if (rc != SB_STORE_OK) return rc;
    char name[48];
    snprintf(name, sizeof name, "user %lld", (long long)ss->user_id);
    rc = st_audit(tx, "create", "session", id, name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    ss->id = id;
    ss->version = 1;
    ss->last_seen_at = ss->created_at = ss->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_session_lookup(sb_store_tx *tx, const char *hash, sb_store_session *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!hash) return st_fail(tx->s, SB_STORE_INVALID, "no hash");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_SESSION_LOOKUP, &c, "s", hash), &c, "session");
    if (rc == SB_STORE_OK) read_session(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_session_list(sb_store_tx *tx, int64_t user_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_SESSION_LIST, &c, "i", user_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_session *ss = sb_arena_alloc(tx->a, sizeof *ss);
        read_session(tx, &c, ss);
        sb_vec_push(tx->a, out, ss);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_session_touch(sb_store_tx *tx, int64_t id, int64_t last_seen_at, int64_t expires_at)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    int64_t n = 0;
    rc = st_exec(tx, Q_SESSION_TOUCH, &n, "iii", last_seen_at, expires_at, id);
    if (rc == SB_STORE_OK && n == 0)
        rc = st_wdone(tx, st_fail(tx->s, SB_STORE_NOT_FOUND, "no such session"));
    return rc;
}

int sb_store_session_delete(sb_store_tx *tx, int64_t id)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_SESSION_DELETE, &c, "i", id), &c, "session");
    int64_t user_id = 0, version = 0;
    if (rc == SB_STORE_OK) {
        user_id = st_col_int(&c, 0);
        version = st_col_int(&c, 1);
    }
    st_done(&c);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    char name[48];
    snprintf(name, sizeof name, "user %lld", (long long)user_id);
    return st_audit(tx, "delete", "session", id, name, version, 0, NULL);
}

int sb_store_session_delete_user(sb_store_tx *tx, int64_t user_id, int64_t *count)
{
    *count = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_exec(tx, Q_SESSION_DELETE_USER, count, "i", user_id);
    if (rc != SB_STORE_OK || *count == 0) return rc;
    char name[48], detail[48];
    snprintf(name, sizeof name, "user %lld", (long long)user_id);
    snprintf(detail, sizeof detail, "{\"sessions\":%lld}", (long long)*count);
    return st_audit(tx, "delete_all", "session", user_id, name, 0, 0, detail);
}

int sb_store_session_purge(sb_store_tx *tx, int64_t now, int64_t *count)
{
    *count = 0;
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_exec(tx, Q_SESSION_PURGE, count, "i", now);
    if (rc != SB_STORE_OK || *count == 0) return rc;
    char detail[48];
    snprintf(detail, sizeof detail, "{\"sessions\":%lld}", (long long)*count);
    return st_audit(tx, "purge", "session", 0, "expired sessions", 0, 0, detail);
}
