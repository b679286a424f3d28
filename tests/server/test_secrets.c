/*
 * test_secrets.c — the server's sealed credentials (src/server/secrets.c):
 * what sb_server_fabric_secret gives the code that runs pipelines, and how
 * the server's keyring follows a rotation made by another process.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/server_internal.h"

#define OK(x) assert_int_equal((x), SB_STORE_OK)

typedef struct env {
    char dir[64];
    sb_arena *a;
    sb_store *store;
    sb_server srv; /* only its keyring is used */
    int64_t tenant, ann, bob, fabric;
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/sibyl-secrets-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    unsetenv("SIBYL_MASTER_KEY");
    e->a = sb_arena_new();
    sb_auth_keyring k;
    sb_buf err = SB_BUF_INIT;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &err), 0);
    sb_server_keys_init(&e->srv, &k);
    sb_auth_keyring_clear(&k);
    sb_buf_free(&err);
    OK(sb_store_open_dir(e->dir, NULL, &e->store));
    sb_store_tenant t = {.slug = "acme", .name = "Acme"};
    OK(sb_store_tenant_create(e->store, e->a, &t));
    e->tenant = t.id;
    sb_store_tx *tx;
    OK(sb_store_begin(e->store, e->a, t.id, 0, SB_STORE_WRITE, &tx));
    sb_store_user ann = {.login = "ann"}, bob = {.login = "bob"};
    OK(sb_store_user_create(tx, &ann));
    OK(sb_store_user_create(tx, &bob));
    sb_store_team team = {.name = "data"};
    OK(sb_store_team_create(tx, &team));
    sb_store_fabric f = {
        .team_id = team.id, .name = "dbx", .definition = "{\n  \"kind\": \"databricks\"\n}\n"};
    OK(sb_store_fabric_create(tx, &f));
    OK(sb_store_commit(tx));
    e->ann = ann.id;
    e->bob = bob.id;
    e->fabric = f.id;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    sb_store_close(e->store);
    sb_server_keys_free(&e->srv);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    int rc = system(cmd);
    sb_arena_free(e->a);
    free(e);
    return rc == 0 ? 0 : -1;
}

/* Set a user's credential as PUT /api/v1/fabrics/{id}/credential does. */
static void put(env *e, int64_t user, bool git, const char *secret)
{
    sb_store_tx *tx;
    OK(sb_store_begin(e->store, e->a, e->tenant, user, SB_STORE_WRITE, &tx));
    sb_store_credential c = {.user_id = user,
                             .kind = git ? SB_CRED_GIT : SB_CRED_FABRIC,
                             .fabric_id = git ? 0 : e->fabric,
                             .target = git ? "github.com" : NULL};
    sb_server_seal_credential(&e->srv, e->a, e->tenant, &c, secret);
    assert_string_equal(c.key_id, sb_auth_keyring_current(&e->srv.live_keys));
    assert_null(memmem(c.ciphertext, c.ciphertext_len, secret, strlen(secret)));
    OK(sb_store_credential_create(tx, &c));
    OK(sb_store_commit(tx));
}

static int secret(env *e, int64_t user, bool git, const char **out)
{
    sb_store_tx *tx;
    OK(sb_store_begin(e->store, e->a, e->tenant, 0, SB_STORE_READ, &tx));
    int rc = git ? sb_server_git_secret(&e->srv, tx, e->a, user, "github.com", out)
                 : sb_server_fabric_secret(&e->srv, tx, e->a, user, e->fabric, out);
    sb_store_rollback(tx);
    return rc;
}

static void test_each_user_gets_their_own(void **state)
{
    env *e = *state;
    put(e, e->ann, false, "dapi-ann");
    put(e, e->ann, true, "ghp_ann");
    put(e, e->bob, false, "dapi-bob");
    const char *s = NULL;
    OK(secret(e, e->ann, false, &s));
    assert_string_equal(s, "dapi-ann");
    OK(secret(e, e->bob, false, &s));
    assert_string_equal(s, "dapi-bob");
    OK(secret(e, e->ann, true, &s));
    assert_string_equal(s, "ghp_ann");
    assert_int_equal(secret(e, e->bob, true, &s), SB_STORE_NOT_FOUND);
    assert_null(s);
}

static void test_follows_a_rotation_elsewhere(void **state)
{
    env *e = *state;
    put(e, e->ann, false, "dapi-ann");
    char before[17];
    snprintf(before, sizeof before, "%s", sb_auth_keyring_current(&e->srv.live_keys));
    /* Another process (`sibyl key rotate`) rotates and re-encrypts. */
    sb_auth_keyring other;
    sb_buf err = SB_BUF_INIT;
    assert_int_equal(sb_auth_keyring_load(&other, e->dir, &err), 0);
    assert_int_equal(sb_auth_keyring_rotate(&other, &err), 0);
    sb_auth_reseal_stats st;
    OK(sb_auth_reseal(e->store, &other, 0, &st, &err));
    assert_int_equal(st.resealed, 1);
    /* The server has not seen the new key yet, and opens the credential. */
    assert_string_equal(sb_auth_keyring_current(&e->srv.live_keys), before);
    const char *s = NULL;
    OK(secret(e, e->ann, false, &s));
    assert_string_equal(s, "dapi-ann");
    assert_string_equal(sb_auth_keyring_current(&e->srv.live_keys),
                        sb_auth_keyring_current(&other));
    /* New secrets are sealed with the new key after a rotation elsewhere. */
    assert_int_equal(sb_auth_keyring_rotate(&other, &err), 0);
    put(e, e->bob, false, "dapi-bob");
    OK(secret(e, e->bob, false, &s));
    assert_string_equal(s, "dapi-bob");
    /* What the server cannot open it says so. */
    sb_store_tx *tx;
    OK(sb_store_begin(e->store, e->a, e->tenant, 0, SB_STORE_WRITE, &tx));
    sb_store_credential c;
    OK(sb_store_credential_get_for_fabric(tx, e->ann, e->fabric, &c));
    unsigned char *bad = sb_arena_alloc(e->a, c.ciphertext_len);
    memcpy(bad, c.ciphertext, c.ciphertext_len);
    bad[c.ciphertext_len - 1] ^= 1;
    c.ciphertext = bad;
    OK(sb_store_credential_update(tx, &c));
    OK(sb_store_commit(tx));
    assert_int_equal(secret(e, e->ann, false, &s), SB_SECRET_UNREADABLE);
    assert_null(s);
    sb_auth_keyring_clear(&other);
    sb_buf_free(&err);
}

int main(void)
{
    if (sb_auth_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_user_gets_their_own, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follows_a_rotation_elsewhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
