/*
 * api_keys.c — administering the master keys over HTTP: what each key
 * seals, rotation (a new current key, then every credential re-encrypted
 * under it), and re-encryption alone (after the keys were changed in
 * SIBYL_MASTER_KEY). The same operations as `sibyl key`.
 *
 * The keys belong to the installation, not to a tenant: only the tenant
 * administrators of the operator tenant (the first tenant `sibyl serve`
 * was started with) may use these endpoints; for every other tenant they
 * do not exist (404). Re-encryption runs in batches of short transactions,
 * so the server keeps serving while it runs.
 */
#include "server/server_internal.h"

#include <stdio.h>
#include <string.h>

/* The operator tenant's administrators only: false after answering 404
 * (another tenant) or 403. */
static bool operator_only(sb_req *r)
{
    const char *slug = r->srv->cfg.operator_tenant;
    int64_t id = 0;
    if (!slug || sb_store_tenant_find(r->store, slug, &id) != SB_STORE_OK ||
        id != r->who.tenant_id) {
        sb_req_error(r, 404, "not_found", "no such endpoint: %s", r->path);
        return false;
    }
    sb_store_tx *tx;
    if (!sb_req_begin(r, SB_STORE_READ, &tx)) return false;
    bool ok = sb_req_require_role(r, tx, 0, SB_ROLE_TENANT_ADMIN);
    sb_store_rollback(tx);
    return ok;
}

static sb_json *key_ids(sb_arena *a, const sb_auth_keyring *k, size_t from)
{
    sb_json *arr = sb_json_new_array(a);
    for (size_t i = from; i < k->nkeys; i++)
        sb_json_array_push(a, arr, sb_js_str(a, k->keys[i].id));
    return arr;
}

static void answer_reseal(sb_req *r, const sb_auth_keyring *k, const sb_auth_reseal_stats *st,
                          bool rotated)
{
    sb_json *o = sb_json_new_object(r->a);
    sb_js_set_bool(r->a, o, "rotated", rotated);
    sb_js_set_str(r->a, o, "current", sb_auth_keyring_current(k));
    sb_json_object_set(r->a, o, "previous", key_ids(r->a, k, 1));
    sb_js_set_int(r->a, o, "tenants", st->tenants);
    sb_js_set_int(r->a, o, "resealed", st->resealed);
    sb_js_set_int(r->a, o, "unreadable", st->unreadable);
    sb_js_set_int(r->a, o, "changed_meanwhile", st->raced);
    sb_req_json(r, 200, o);
}

static void reseal(sb_req *r, const sb_auth_keyring *k, bool rotated)
{
    sb_auth_reseal_stats st;
    sb_buf err = SB_BUF_INIT;
    int rc = sb_auth_reseal(r->store, k, 0, &st, &err);
    if (rc != SB_STORE_OK) {
        fprintf(stderr, "sibyl serve: re-encrypting credentials: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        if (rc == SB_STORE_BUSY) return sb_req_store_error(r, rc, "credential");
        return sb_req_error(r, 500, "internal",
                            "re-encrypting stopped after %lld credentials; the store failed (see "
                            "the server log); run it again",
                            (long long)st.resealed);
    }
    sb_buf_free(&err);
    answer_reseal(r, k, &st, rotated);
}

void sb_api_keys_get(sb_req *r)
{
    if (!operator_only(r)) return;
    const char *q = sb_req_query(r, "verify");
    if (q && strcmp(q, "true") != 0 && strcmp(q, "false") != 0)
        return sb_req_error(r, 400, "invalid", "query parameter `verify` is true or false");
    bool verify = q && strcmp(q, "true") == 0;
    sb_auth_keyring k;
    sb_server_keys_snapshot(r->srv, &k);
    sb_vec usage = {0};
    int64_t unreadable = 0;
    sb_buf err = SB_BUF_INIT;
    int rc = sb_auth_key_usage_list(r->store, r->a, &k, verify, &usage, &unreadable, &err);
    if (rc != SB_STORE_OK) {
        sb_auth_keyring_clear(&k);
        fprintf(stderr, "sibyl serve: counting credentials by key: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        return sb_req_store_error(r, rc, "credential");
    }
    sb_buf_free(&err);
    sb_json *o = sb_json_new_object(r->a);
    sb_js_set_str(r->a, o, "source", k.path[0] ? "file" : "environment");
    sb_js_set_str(r->a, o, "current", sb_auth_keyring_current(&k));
    sb_json *keys = sb_json_new_array(r->a);
    for (size_t i = 0; i < usage.len; i++) {
        const sb_auth_key_usage *u = usage.items[i];
        sb_json *kj = sb_json_new_object(r->a);
        sb_js_set_str(r->a, kj, "id", u->key_id);
        sb_js_set_bool(r->a, kj, "current", strcmp(u->key_id, sb_auth_keyring_current(&k)) == 0);
        sb_js_set_bool(r->a, kj, "known", u->known);
        sb_js_set_int(r->a, kj, "credentials", u->credentials);
        sb_json_array_push(r->a, keys, kj);
    }
    sb_json_object_set(r->a, o, "keys", keys);
    sb_js_set_int(r->a, o, "unreadable", unreadable);
    sb_js_set_bool(r->a, o, "verified", verify);
    sb_auth_keyring_clear(&k);
    sb_req_json(r, 200, o);
}

void sb_api_keys_rotate(sb_req *r)
{
    if (!operator_only(r)) return;
    sb_auth_keyring k;
    sb_buf err = SB_BUF_INIT;
    if (sb_server_keys_rotate(r->srv, &k, &err) != 0) {
        sb_req_error(r, 409, "cannot_rotate", "%s", sb_buf_str(&err));
        sb_buf_free(&err);
        return;
    }
    sb_buf_free(&err);
    fprintf(stderr, "sibyl serve: user %lld rotated the master key: the current key is now %s\n",
            (long long)r->who.user_id, sb_auth_keyring_current(&k));
    reseal(r, &k, true);
    sb_auth_keyring_clear(&k);
}

void sb_api_keys_reseal(sb_req *r)
{
    if (!operator_only(r)) return;
    sb_auth_keyring k;
    sb_server_keys_snapshot(r->srv, &k);
    reseal(r, &k, false);
    sb_auth_keyring_clear(&k);
}
