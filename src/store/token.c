/*
 * token.c — API tokens: what the store keeps of them is a hash (the secret
 * is shown once by the auth layer and never stored), scopes, expiry and
 * revocation. A lookup returns expired and revoked tokens too, so that the
 * caller can say which it was.
 */
#include "store/store_internal.h"

static void read_token(sb_store_tx *tx, st_cur *c, sb_store_token *t)
{
    t->id = st_col_int(c, 0);
    t->user_id = st_col_int(c, 1);
    t->name = st_col_str(tx, c, 2);
    t->hash = st_col_str(tx, c, 3);
    t->scopes = st_col_str(tx, c, 4);
    t->expires_at = st_col_int(c, 5);
    t->revoked_at = st_col_int(c, 6);
    t->last_used_at = st_col_int(c, 7);
    t->version = st_col_int(c, 8);
    t->created_at = st_col_int(c, 9);
    t->updated_at = st_col_int(c, 10);
}

int sb_store_token_create(sb_store_tx *tx, sb_store_token *t)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = st_check_name(tx->s, "a token name", t->name);
    if (rc == SB_STORE_OK) rc = st_check_name(tx->s, "a token hash", t->hash);
    if (rc == SB_STORE_OK) rc = st_check_text(tx->s, "the scopes", t->scopes, true);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_TOKEN_CREATE, &id, "isssii", t->user_id, t->name, t->hash, t->scopes,
                   t->expires_at, now);
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such user");
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "token", id, t->name, 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    t->id = id;
    t->version = 1;
    t->revoked_at = t->last_used_at = 0;
    t->created_at = t->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_token_get(sb_store_tx *tx, int64_t id, sb_store_token *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_TOKEN_GET, &c, "i", id), &c, "token");
    if (rc == SB_STORE_OK) read_token(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_token_lookup(sb_store_tx *tx, const char *hash, sb_store_token *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!hash) return st_fail(tx->s, SB_STORE_INVALID, "no hash");
    st_cur c;
    rc = st_first(tx, st_query(tx, Q_TOKEN_LOOKUP, &c, "s", hash), &c, "token");
    if (rc == SB_STORE_OK) read_token(tx, &c, out);
    st_done(&c);
    return rc;
}

int sb_store_token_list(sb_store_tx *tx, int64_t user_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_TOKEN_LIST, &c, "i", user_id);
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(&c)) == 1) {
        sb_store_token *t = sb_arena_alloc(tx->a, sizeof *t);
        read_token(tx, &c, t);
        sb_vec_push(tx->a, out, t);
    }
    st_done(&c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_token_revoke(sb_store_tx *tx, int64_t id)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_query(tx, Q_TOKEN_REVOKE, &c, "ii", st_now_ms(), id);
    if (rc != SB_STORE_OK) return rc;
    rc = st_next(&c);
    int64_t version = rc == 1 ? st_col_int(&c, 0) : 0;
    const char *name = rc == 1 ? st_col_str(tx, &c, 1) : NULL;
    st_done(&c);
    if (rc < 0) return rc;
    if (rc == 0) {
        /* Already revoked is fine; missing is not. */
        rc = st_first(tx, st_query(tx, Q_TOKEN_VERSION, &c, "i", id), &c, "token");
        st_done(&c);
        return st_wdone(tx, rc);
    }
    return st_audit(tx, "revoke", "token", id, name, version - 1, version, NULL);
}

int sb_store_token_touch(sb_store_tx *tx, int64_t id, int64_t when)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    int64_t n = 0;
    rc = st_exec(tx, Q_TOKEN_TOUCH, &n, "ii", when, id);
    if (rc == SB_STORE_OK && n == 0)
        rc = st_wdone(tx, st_fail(tx->s, SB_STORE_NOT_FOUND, "no such token"));
    return rc;
}

int sb_store_token_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_TOKEN_DELETE, Q_TOKEN_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    const char *name = st_col_str(tx, &c, 0);
    st_done(&c);
    return st_audit(tx, "delete", "token", id, name, version, 0, NULL);
}
