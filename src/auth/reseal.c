/*
 * reseal.c — credentials at rest across a key rotation: the context every
 * credential is sealed in, re-encrypting what older keys sealed, and
 * counting what each key still seals.
 *
 * Re-encryption runs while servers keep serving. It walks the tenants; in
 * each it lists the credentials sealed under another key than the current
 * one, then re-encrypts them a batch at a time, each batch one short write
 * transaction that reads every credential again first: a credential its
 * owner replaced meanwhile is left as the owner sealed it. Servers that
 * still sealed with the old key while the list was taken are caught by
 * listing again (a few passes at most).
 */
#include "auth/auth.h"

#include <sodium.h>
#include <string.h>

#define DEFAULT_BATCH 100
#define MAX_PASSES 4
#define MAX_RETRIES 5

char *sb_auth_credential_context(sb_arena *a, int64_t tenant_id, const sb_store_credential *c)
{
    if (c->kind == SB_CRED_GIT)
        return sb_arena_printf(a, "credential|tenant=%lld|user=%lld|git=%s", (long long)tenant_id,
                               (long long)c->user_id, c->target ? c->target : "");
    return sb_arena_printf(a, "credential|tenant=%lld|user=%lld|fabric=%lld", (long long)tenant_id,
                           (long long)c->user_id, (long long)c->fabric_id);
}

static bool has_id(const sb_vec *v, int64_t id)
{
    for (size_t i = 0; i < v->len; i++)
        if (*(const int64_t *)v->items[i] == id) return true;
    return false;
}

static void push_id(sb_arena *a, sb_vec *v, int64_t id)
{
    int64_t *p = sb_arena_alloc(a, sizeof *p);
    *p = id;
    sb_vec_push(a, v, p);
}

static int fail(sb_store *s, sb_buf *err, int rc, const char *what, int64_t tenant)
{
    sb_buf_printf(err, "%s (tenant %lld): %s", what, (long long)tenant,
                  *sb_store_errmsg(s) ? sb_store_errmsg(s) : sb_store_status_name(rc));
    return rc;
}

/* Re-encrypt one batch of credential ids in one write transaction. */
static int reseal_batch(sb_store *s, const sb_auth_keyring *k, int64_t tenant, const int64_t *ids,
                        size_t n, sb_arena *ta, sb_vec *bad, sb_auth_reseal_stats *st, sb_buf *err)
{
    sb_arena *a = sb_arena_new();
    sb_store_tx *tx;
    int rc = sb_store_begin(s, a, tenant, 0, SB_STORE_WRITE, &tx);
    if (rc != SB_STORE_OK) {
        fail(s, err, rc, "cannot open a transaction", tenant);
        sb_arena_free(a);
        return rc;
    }
    const char *current = sb_auth_keyring_current(k);
    int64_t done = 0, raced = 0;
    for (size_t i = 0; i < n && rc == SB_STORE_OK; i++) {
        sb_store_credential c;
        rc = sb_store_credential_get(tx, ids[i], &c);
        if (rc == SB_STORE_NOT_FOUND) { /* deleted by its owner meanwhile */
            rc = SB_STORE_OK;
            raced++;
            continue;
        }
        if (rc != SB_STORE_OK) break;
        if (strcmp(c.key_id, current) == 0) { /* set afresh meanwhile */
            raced++;
            continue;
        }
        const char *ctx = sb_auth_credential_context(a, tenant, &c);
        char *plain;
        size_t plen;
        if (sb_auth_open(k, a, ctx, c.key_id, c.ciphertext, c.ciphertext_len, &plain, &plen) != 0) {
            if (!has_id(bad, c.id)) push_id(ta, bad, c.id);
            continue;
        }
        unsigned char *ct;
        size_t ctlen;
        sb_auth_seal(k, a, ctx, plain, plen, &ct, &ctlen);
        sodium_memzero(plain, plen);
        c.key_id = current;
        c.ciphertext = ct;
        c.ciphertext_len = ctlen;
        rc = sb_store_credential_update(tx, &c);
        if (rc == SB_STORE_OK) done++;
    }
    if (rc == SB_STORE_OK)
        rc = sb_store_commit(tx);
    else
        sb_store_rollback(tx);
    if (rc != SB_STORE_OK) {
        fail(s, err, rc, "cannot re-encrypt credentials", tenant);
    } else {
        st->resealed += done;
        st->raced += raced;
    }
    sb_arena_free(a);
    return rc;
}

static int reseal_tenant(sb_store *s, const sb_auth_keyring *k, int64_t tenant, size_t batch,
                         sb_auth_reseal_stats *st, sb_buf *err)
{
    sb_arena *ta = sb_arena_new();
    sb_vec bad = {0}; /* ids that do not open: listed again, never retried */
    int rc = SB_STORE_OK;
    for (int pass = 0; pass < MAX_PASSES && rc == SB_STORE_OK; pass++) {
        sb_arena *pa = sb_arena_new();
        sb_store_tx *tx;
        sb_vec stale = {0};
        rc = sb_store_begin(s, pa, tenant, 0, SB_STORE_READ, &tx);
        if (rc == SB_STORE_NOT_FOUND) { /* the tenant was deleted meanwhile */
            sb_arena_free(pa);
            rc = SB_STORE_OK;
            break;
        }
        if (rc == SB_STORE_OK) {
            rc = sb_store_credential_list_stale(tx, sb_auth_keyring_current(k), &stale);
            sb_store_rollback(tx);
        }
        if (rc != SB_STORE_OK) {
            fail(s, err, rc, "cannot list credentials", tenant);
            sb_arena_free(pa);
            break;
        }
        int64_t *todo = sb_arena_alloc(pa, (stale.len + 1) * sizeof *todo);
        size_t ntodo = 0;
        for (size_t i = 0; i < stale.len; i++) {
            const sb_store_credential *c = stale.items[i];
            if (has_id(&bad, c->id)) continue;
            if (!sb_auth_keyring_has(k, c->key_id))
                push_id(ta, &bad, c->id);
            else
                todo[ntodo++] = c->id;
        }
        for (size_t i = 0; i < ntodo && rc == SB_STORE_OK; i += batch) {
            size_t n = ntodo - i < batch ? ntodo - i : batch;
            /* A credential changed by its owner between our read and our
             * write (PostgreSQL lets both run) fails the batch: run it
             * again, reading everything afresh. */
            sb_buf why = SB_BUF_INIT;
            for (int attempt = 0;; attempt++) {
                sb_buf_reset(&why);
                rc = reseal_batch(s, k, tenant, todo + i, n, ta, &bad, st, &why);
                if (!(rc == SB_STORE_CONFLICT || rc == SB_STORE_BUSY) || attempt == MAX_RETRIES)
                    break;
            }
            if (rc != SB_STORE_OK) sb_buf_puts(err, sb_buf_str(&why));
            sb_buf_free(&why);
        }
        sb_arena_free(pa);
        if (ntodo == 0) break;
    }
    st->unreadable += (int64_t)bad.len;
    sb_arena_free(ta);
    return rc;
}

int sb_auth_reseal(sb_store *s, const sb_auth_keyring *k, size_t batch, sb_auth_reseal_stats *stats,
                   sb_buf *err)
{
    memset(stats, 0, sizeof *stats);
    if (batch == 0) batch = DEFAULT_BATCH;
    sb_arena *a = sb_arena_new();
    int64_t *ids;
    size_t n;
    int rc = sb_store_tenant_ids(s, a, &ids, &n);
    if (rc != SB_STORE_OK) {
        sb_buf_printf(err, "cannot list tenants: %s", sb_store_errmsg(s));
    } else {
        for (size_t i = 0; i < n && rc == SB_STORE_OK; i++) {
            stats->tenants++;
            rc = reseal_tenant(s, k, ids[i], batch, stats, err);
        }
    }
    sb_arena_free(a);
    return rc;
}

static sb_auth_key_usage *usage_of(sb_arena *a, sb_vec *usage, const char *id, bool known)
{
    for (size_t i = 0; i < usage->len; i++) {
        sb_auth_key_usage *u = usage->items[i];
        if (strcmp(u->key_id, id) == 0) return u;
    }
    sb_auth_key_usage *u = sb_arena_alloc(a, sizeof *u);
    *u = (sb_auth_key_usage){.key_id = sb_arena_strdup(a, id), .known = known};
    sb_vec_push(a, usage, u);
    return u;
}

int sb_auth_key_usage_list(sb_store *s, sb_arena *a, const sb_auth_keyring *k, bool verify,
                           sb_vec *usage, int64_t *unreadable, sb_buf *err)
{
    *unreadable = 0;
    for (size_t i = 0; i < k->nkeys; i++) usage_of(a, usage, k->keys[i].id, true);
    sb_arena *ta = sb_arena_new();
    int64_t *ids;
    size_t n;
    int rc = sb_store_tenant_ids(s, ta, &ids, &n);
    if (rc != SB_STORE_OK) sb_buf_printf(err, "cannot list tenants: %s", sb_store_errmsg(s));
    for (size_t t = 0; rc == SB_STORE_OK && t < n; t++) {
        sb_arena *pa = sb_arena_new();
        sb_store_tx *tx;
        sb_vec v = {0};
        rc = sb_store_begin(s, pa, ids[t], 0, SB_STORE_READ, &tx);
        if (rc == SB_STORE_NOT_FOUND) {
            rc = SB_STORE_OK;
            sb_arena_free(pa);
            continue;
        }
        if (rc == SB_STORE_OK) {
            rc = sb_store_credential_list(tx, 0, &v);
            sb_store_rollback(tx);
        }
        if (rc != SB_STORE_OK) fail(s, err, rc, "cannot list credentials", ids[t]);
        for (size_t i = 0; rc == SB_STORE_OK && i < v.len; i++) {
            const sb_store_credential *c = v.items[i];
            bool known = sb_auth_keyring_has(k, c->key_id);
            usage_of(a, usage, c->key_id, known)->credentials++;
            char *plain;
            size_t plen;
            if (!known) {
                (*unreadable)++;
            } else if (verify) {
                if (sb_auth_open(k, pa, sb_auth_credential_context(pa, ids[t], c), c->key_id,
                                 c->ciphertext, c->ciphertext_len, &plain, &plen) != 0)
                    (*unreadable)++;
                else
                    sodium_memzero(plain, plen);
            }
        }
        sb_arena_free(pa);
    }
    sb_arena_free(ta);
    return rc;
}
