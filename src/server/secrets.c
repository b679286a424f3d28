/*
 * secrets.c — the server's keyring and the per-user credentials it seals
 * and opens.
 *
 * The server starts with the keyring `sibyl serve` loaded and keeps its own
 * copy, which follows key rotations without a restart: before sealing it
 * checks whether the key file changed (`sibyl key rotate` in another
 * process, or another server), and a ciphertext under a key it does not
 * know yet makes it look again. The copy is shared by the worker threads
 * behind a read-write lock.
 *
 * Plaintext secrets live only in request arenas, are wiped after sealing,
 * and are never logged: messages here name the credential, never its
 * bytes.
 */
#include "server/server_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void sb_server_keys_init(sb_server *s, const sb_auth_keyring *keys)
{
    s->live_keys = *keys;
    pthread_rwlock_init(&s->keys_mu, NULL);
}

void sb_server_keys_free(sb_server *s)
{
    sb_auth_keyring_clear(&s->live_keys);
    pthread_rwlock_destroy(&s->keys_mu);
}

/* Re-read the key file when it changed; a failure keeps the keys in use. */
static void refresh(sb_server *s)
{
    sb_buf err = SB_BUF_INIT;
    pthread_rwlock_wrlock(&s->keys_mu);
    int rc = sb_auth_keyring_refresh(&s->live_keys, &err);
    pthread_rwlock_unlock(&s->keys_mu);
    if (rc < 0) fprintf(stderr, "sibyl serve: keeping the keys in use: %s\n", sb_buf_str(&err));
    sb_buf_free(&err);
}

void sb_server_keys_snapshot(sb_server *s, sb_auth_keyring *out)
{
    refresh(s);
    pthread_rwlock_rdlock(&s->keys_mu);
    *out = s->live_keys;
    pthread_rwlock_unlock(&s->keys_mu);
}

int sb_server_keys_rotate(sb_server *s, sb_auth_keyring *out, sb_buf *err)
{
    pthread_rwlock_wrlock(&s->keys_mu);
    int rc = sb_auth_keyring_rotate(&s->live_keys, err);
    if (rc == 0) *out = s->live_keys;
    pthread_rwlock_unlock(&s->keys_mu);
    return rc;
}

void sb_server_seal(sb_server *s, sb_arena *a, const char *context, const void *plain,
                    size_t len, const char **key_id, unsigned char **ct, size_t *ct_len)
{
    refresh(s);
    pthread_rwlock_rdlock(&s->keys_mu);
    sb_auth_seal(&s->live_keys, a, context, plain, len, ct, ct_len);
    *key_id = sb_arena_strdup(a, sb_auth_keyring_current(&s->live_keys));
    pthread_rwlock_unlock(&s->keys_mu);
}

int sb_server_open(sb_server *s, sb_arena *a, const char *context, const char *key_id,
                   const unsigned char *ct, size_t ct_len, char **plain, size_t *len)
{
    pthread_rwlock_rdlock(&s->keys_mu);
    bool known = sb_auth_keyring_has(&s->live_keys, key_id);
    pthread_rwlock_unlock(&s->keys_mu);
    /* Sealed by a newer key than ours: another process rotated. */
    if (!known) refresh(s);
    pthread_rwlock_rdlock(&s->keys_mu);
    int rc = sb_auth_open(&s->live_keys, a, context, key_id, ct, ct_len, plain, len);
    pthread_rwlock_unlock(&s->keys_mu);
    return rc;
}

void sb_server_seal_credential(sb_server *s, sb_arena *a, int64_t tenant_id, sb_store_credential *c,
                               const char *secret)
{
    const char *ctx = sb_auth_credential_context(a, tenant_id, c);
    unsigned char *ct;
    size_t n;
    sb_server_seal(s, a, ctx, secret, strlen(secret), &c->key_id, &ct, &n);
    c->ciphertext = ct;
    c->ciphertext_len = n;
}

int sb_server_open_credential(sb_server *s, sb_arena *a, int64_t tenant_id,
                              const sb_store_credential *c, char **secret)
{
    const char *ctx = sb_auth_credential_context(a, tenant_id, c);
    size_t n;
    return sb_server_open(s, a, ctx, c->key_id, c->ciphertext, c->ciphertext_len, secret, &n);
}

static int secret_of(sb_server *s, sb_store_tx *tx, sb_arena *a, int rc,
                     const sb_store_credential *c, const char **secret)
{
    *secret = NULL;
    if (rc != SB_STORE_OK) return rc;
    char *plain;
    if (sb_server_open_credential(s, a, sb_store_tx_tenant(tx), c, &plain) != 0) {
        fprintf(stderr,
                "sibyl serve: credential %lld of user %lld (tenant %lld) does not open with the "
                "keys in use (sealed with key %s)\n",
                (long long)c->id, (long long)c->user_id, (long long)sb_store_tx_tenant(tx),
                c->key_id);
        return SB_SECRET_UNREADABLE;
    }
    *secret = plain;
    return SB_STORE_OK;
}

int sb_server_fabric_secret(sb_server *s, sb_store_tx *tx, sb_arena *a, int64_t user_id,
                            int64_t fabric_id, const char **secret)
{
    sb_store_credential c;
    int rc = sb_store_credential_get_for_fabric(tx, user_id, fabric_id, &c);
    return secret_of(s, tx, a, rc, &c, secret);
}

int sb_server_git_secret(sb_server *s, sb_store_tx *tx, sb_arena *a, int64_t user_id,
                         const char *host, const char **secret)
{
    sb_store_credential c;
    int rc = sb_store_credential_get_for_git(tx, user_id, host, &c);
    return secret_of(s, tx, a, rc, &c, secret);
}
