/*
 * credential.c — each user's own secrets: a token for a shared fabric
 * (every user brings their own Databricks PAT), a token for a Git host.
 *
 * The store holds only what the auth layer sealed (libsodium AEAD):
 * ciphertext bytes and the id of the key that sealed them, so that key
 * rotation can find what still needs re-encrypting. No plaintext ever
 * reaches this file, and the audit log names the credential, never its
 * bytes.
 */
#include "store/store_internal.h"

#include <stdio.h>
#include <string.h>

static void read_cred(sb_store_tx *tx, st_cur *c, sb_store_credential *k)
{
    k->id = st_col_int(c, 0);
    k->user_id = st_col_int(c, 1);
    size_t n;
    const char *kind = st_col_strn(tx->a, c, 2, &n);
    k->kind = kind && strcmp(kind, "git") == 0 ? SB_CRED_GIT : SB_CRED_FABRIC;
    k->fabric_id = st_col_null(c, 3) ? 0 : st_col_int(c, 3);
    k->target = st_col_str(tx, c, 4);
    k->key_id = st_col_str(tx, c, 5);
    k->ciphertext = st_col_blob(tx, c, 6, &k->ciphertext_len);
    k->version = st_col_int(c, 7);
    k->created_at = st_col_int(c, 8);
    k->updated_at = st_col_int(c, 9);
}

/* What the audit log calls a credential: "fabric 12 of user 3". */
static const char *label(sb_store_tx *tx, int64_t user_id, bool git, int64_t fabric_id,
                         const char *target)
{
    if (git)
        return sb_arena_printf(tx->a, "git %s of user %lld", target ? target : "?",
                               (long long)user_id);
    return sb_arena_printf(tx->a, "fabric %lld of user %lld", (long long)fabric_id,
                           (long long)user_id);
}

static int check_sealed(sb_store *s, const sb_store_credential *k)
{
    int rc = SB_STORE_OK;
    size_t n = k->key_id ? strlen(k->key_id) : 0;
    if (n == 0 || n > 64)
        rc = st_fail(s, SB_STORE_INVALID, "a credential needs a key id of 1 to 64 bytes");
    for (size_t i = 0; rc == SB_STORE_OK && i < n; i++) {
        char ch = k->key_id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == ':'))
            rc = st_fail(s, SB_STORE_INVALID, "a key id is letters, digits and - _ . :");
    }
    if (rc == SB_STORE_OK && (!k->ciphertext || k->ciphertext_len == 0))
        rc = st_fail(s, SB_STORE_INVALID, "a credential needs its sealed bytes");
    return rc;
}

int sb_store_credential_create(sb_store_tx *tx, sb_store_credential *k)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    bool git = k->kind == SB_CRED_GIT;
    if (k->kind != SB_CRED_GIT && k->kind != SB_CRED_FABRIC)
        rc = st_fail(tx->s, SB_STORE_INVALID, "no such kind of credential");
    else if (git && (!k->target || !*k->target))
        rc = st_fail(tx->s, SB_STORE_INVALID, "a Git credential needs a target");
    else if (!git && k->fabric_id <= 0)
        rc = st_fail(tx->s, SB_STORE_INVALID, "a fabric credential needs a fabric");
    if (rc == SB_STORE_OK && git) rc = st_check_text(tx->s, "the target", k->target, true);
    if (rc == SB_STORE_OK) rc = check_sealed(tx->s, k);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms(), id = 0;
    rc = st_insert(tx, Q_CRED_CREATE, &id, "iszssxi", k->user_id, git ? "git" : "fabric",
                   git ? (int64_t)0 : k->fabric_id, git ? k->target : NULL, k->key_id,
                   (const void *)k->ciphertext, k->ciphertext_len, now);
    if (rc == SB_STORE_EXISTS) st_fail(tx->s, rc, "the user already has this credential");
    if (rc == SB_STORE_NOT_FOUND) st_fail(tx->s, rc, "no such user or fabric");
    if (rc != SB_STORE_OK) return rc;
    rc = st_audit(tx, "create", "credential", id,
                  label(tx, k->user_id, git, k->fabric_id, k->target), 0, 1, NULL);
    if (rc != SB_STORE_OK) return rc;
    k->id = id;
    k->version = 1;
    if (git)
        k->fabric_id = 0;
    else
        k->target = NULL;
    k->created_at = k->updated_at = now;
    return SB_STORE_OK;
}

static int get_one(sb_store_tx *tx, int rc, st_cur *c, sb_store_credential *out)
{
    rc = st_first(tx, rc, c, "credential");
    if (rc == SB_STORE_OK) read_cred(tx, c, out);
    st_done(c);
    return rc;
}

int sb_store_credential_get(sb_store_tx *tx, int64_t id, sb_store_credential *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    return get_one(tx, st_query(tx, Q_CRED_GET, &c, "i", id), &c, out);
}

int sb_store_credential_get_for_fabric(sb_store_tx *tx, int64_t user_id, int64_t fabric_id,
                                       sb_store_credential *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    return get_one(tx, st_query(tx, Q_CRED_GET_FABRIC, &c, "ii", user_id, fabric_id), &c, out);
}

int sb_store_credential_get_for_git(sb_store_tx *tx, int64_t user_id, const char *target,
                                    sb_store_credential *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!target) return st_fail(tx->s, SB_STORE_INVALID, "no target");
    st_cur c;
    return get_one(tx, st_query(tx, Q_CRED_GET_GIT, &c, "is", user_id, target), &c, out);
}

static int list(sb_store_tx *tx, int rc, st_cur *c, sb_vec *out)
{
    if (rc != SB_STORE_OK) return rc;
    while ((rc = st_next(c)) == 1) {
        sb_store_credential *k = sb_arena_alloc(tx->a, sizeof *k);
        read_cred(tx, c, k);
        sb_vec_push(tx->a, out, k);
    }
    st_done(c);
    return rc < 0 ? rc : SB_STORE_OK;
}

int sb_store_credential_list(sb_store_tx *tx, int64_t user_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    return list(tx, st_query(tx, Q_CRED_LIST, &c, "i", user_id), &c, out);
}

int sb_store_credential_list_stale(sb_store_tx *tx, const char *key_id, sb_vec *out)
{
    int rc = st_tx_read(tx);
    if (rc != SB_STORE_OK) return rc;
    if (!key_id) return st_fail(tx->s, SB_STORE_INVALID, "no key id");
    st_cur c;
    return list(tx, st_query(tx, Q_CRED_LIST_STALE, &c, "s", key_id), &c, out);
}

int sb_store_credential_update(sb_store_tx *tx, sb_store_credential *k)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    rc = check_sealed(tx->s, k);
    if (rc != SB_STORE_OK) return st_wdone(tx, rc);
    int64_t now = st_now_ms();
    st_cur c;
    rc = st_guarded(tx, Q_CRED_UPDATE, Q_CRED_VERSION, k->id, &c, "sxiii", k->key_id,
                    (const void *)k->ciphertext, k->ciphertext_len, now, k->id, k->version);
    if (rc != SB_STORE_OK) return rc;
    size_t n;
    const char *kind = st_col_strn(tx->a, &c, 0, &n);
    bool git = kind && strcmp(kind, "git") == 0;
    int64_t fabric_id = st_col_null(&c, 1) ? 0 : st_col_int(&c, 1);
    const char *target = st_col_str(tx, &c, 2);
    int64_t user_id = st_col_int(&c, 3);
    st_done(&c);
    char detail[96];
    snprintf(detail, sizeof detail, "{\"key_id\":\"%s\"}", k->key_id);
    rc = st_audit(tx, "update", "credential", k->id, label(tx, user_id, git, fabric_id, target),
                  k->version, k->version + 1, detail);
    if (rc != SB_STORE_OK) return rc;
    k->user_id = user_id;
    k->kind = git ? SB_CRED_GIT : SB_CRED_FABRIC;
    k->fabric_id = fabric_id;
    k->target = target;
    k->version++;
    k->updated_at = now;
    return SB_STORE_OK;
}

int sb_store_credential_delete(sb_store_tx *tx, int64_t id, int64_t version)
{
    int rc = st_tx_write(tx);
    if (rc != SB_STORE_OK) return rc;
    st_cur c;
    rc = st_guarded(tx, Q_CRED_DELETE, Q_CRED_VERSION, id, &c, "ii", id, version);
    if (rc != SB_STORE_OK) return rc;
    size_t n;
    const char *kind = st_col_strn(tx->a, &c, 0, &n);
    bool git = kind && strcmp(kind, "git") == 0;
    int64_t fabric_id = st_col_null(&c, 1) ? 0 : st_col_int(&c, 1);
    const char *target = st_col_str(tx, &c, 2);
    int64_t user_id = st_col_int(&c, 3);
    st_done(&c);
    return st_audit(tx, "delete", "credential", id, label(tx, user_id, git, fabric_id, target),
                    version, 0, NULL);
}
