/*
 * test_keyring.c — the master keys: the key file and SIBYL_MASTER_KEY,
 * rotation (also by several processes at once), following a rotation made
 * elsewhere, retiring keys, and re-encrypting the credentials of a real
 * store under the new key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/auth.h"

#define OK(x) assert_int_equal((x), SB_STORE_OK)

static const char *KEY_A = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char *KEY_B = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

typedef struct env {
    char dir[64];
    char path[128];
    sb_arena *a;
    sb_buf err;
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/sibyl-keys-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->path, sizeof e->path, "%s/master.key", e->dir);
    e->a = sb_arena_new();
    unsetenv("SIBYL_MASTER_KEY");
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    int rc = system(cmd);
    unsetenv("SIBYL_MASTER_KEY");
    sb_buf_free(&e->err);
    sb_arena_free(e->a);
    free(e);
    return rc == 0 ? 0 : -1;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static char *read_text(sb_arena *a, const char *path)
{
    char *text;
    size_t n;
    assert_int_equal(sb_read_file(path, &text, &n), 0);
    char *out = sb_arena_strndup(a, text, n);
    free(text);
    return out;
}

static int count_key_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len == 64 && *p != '#') n++;
        p += len + (eol ? 1 : 0);
    }
    return n;
}

static void seal(sb_arena *a, const sb_auth_keyring *k, const char *ctx, const char *plain,
                 unsigned char **ct, size_t *n)
{
    sb_auth_seal(k, a, ctx, plain, strlen(plain), ct, n);
}

/* ---- loading --------------------------------------------------------------- */

static void test_first_start_creates_a_private_key_file(void **state)
{
    env *e = *state;
    sb_auth_keyring k, k2;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_int_equal(k.nkeys, 1);
    assert_int_equal(strlen(sb_auth_keyring_current(&k)), 16);
    struct stat st;
    assert_int_equal(stat(e->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *text = read_text(e->a, e->path);
    assert_int_equal(count_key_lines(text), 1);
    assert_true(text[0] == '#'); /* says what the file is */
    /* No temporary file left behind. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 1", e->dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(sb_auth_keyring_load(&k2, e->dir, &e->err), 0);
    assert_string_equal(sb_auth_keyring_current(&k), sb_auth_keyring_current(&k2));
    sb_auth_keyring_clear(&k);
    /* Cleared means wiped. */
    for (size_t i = 0; i < sizeof k.keys[0].key; i++) assert_int_equal(k.keys[0].key[i], 0);
    assert_int_equal(k.nkeys, 0);
}

static void test_key_file_formats(void **state)
{
    env *e = *state;
    sb_auth_keyring k;
    /* The format before rotation existed: one line of hex. */
    char *one = sb_arena_printf(e->a, "%s\n", KEY_A);
    write_text(e->path, one, 0600);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_int_equal(k.nkeys, 1);
    char id_a[17];
    snprintf(id_a, sizeof id_a, "%s", sb_auth_keyring_current(&k));
    /* Comments, blank lines, a duplicate, CRLF. */
    char *two = sb_arena_printf(e->a, "# keys\r\n\r\n%s\r\n  %s\n# old\n%s\n", KEY_B, KEY_A, KEY_B);
    write_text(e->path, two, 0600);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_int_equal(k.nkeys, 2);
    assert_string_not_equal(sb_auth_keyring_current(&k), id_a);
    assert_true(sb_auth_keyring_has(&k, id_a));
    assert_false(sb_auth_keyring_has(&k, "0000000000000000"));
    /* A line that is not a key names the line. */
    write_text(e->path, sb_arena_printf(e->a, "%s\nnot-a-key\n", KEY_A), 0600);
    sb_buf_reset(&e->err);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), -1);
    assert_non_null(strstr(sb_buf_str(&e->err), "master.key:2"));
    /* Only comments: no key. */
    write_text(e->path, "# nothing\n", 0600);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), -1);
    /* Readable by others: refused. */
    write_text(e->path, one, 0640);
    sb_buf_reset(&e->err);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), -1);
    assert_non_null(strstr(sb_buf_str(&e->err), "0600"));
    /* More keys than a keyring holds. */
    sb_buf many = SB_BUF_INIT;
    for (int i = 0; i <= SB_AUTH_MAX_KEYS; i++) sb_buf_printf(&many, "%064x\n", i + 1);
    write_text(e->path, sb_buf_str(&many), 0600);
    sb_buf_free(&many);
    sb_buf_reset(&e->err);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), -1);
    assert_non_null(strstr(sb_buf_str(&e->err), "prune"));
}

static void test_environment_keys(void **state)
{
    env *e = *state;
    sb_auth_keyring k, fa;
    write_text(e->path, sb_arena_printf(e->a, "%s\n", KEY_A), 0600);
    assert_int_equal(sb_auth_keyring_load(&fa, e->dir, &e->err), 0);
    /* The environment wins over the file; the first key is current. */
    setenv("SIBYL_MASTER_KEY", sb_arena_printf(e->a, "%s, %s", KEY_B, KEY_A), 1);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_int_equal(k.nkeys, 2);
    assert_string_equal(k.path, "");
    assert_string_not_equal(sb_auth_keyring_current(&k), sb_auth_keyring_current(&fa));
    assert_true(sb_auth_keyring_has(&k, sb_auth_keyring_current(&fa)));
    /* A rotation cannot change the environment. */
    sb_buf_reset(&e->err);
    assert_int_equal(sb_auth_keyring_rotate(&k, &e->err), -1);
    assert_non_null(strstr(sb_buf_str(&e->err), "SIBYL_MASTER_KEY"));
    assert_int_equal(sb_auth_keyring_refresh(&k, &e->err), 0);
    /* Base64 works too; garbage does not. */
    setenv("SIBYL_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_string_equal(sb_auth_keyring_current(&k), sb_auth_keyring_current(&fa));
    setenv("SIBYL_MASTER_KEY", sb_arena_printf(e->a, "%s,nonsense", KEY_A), 1);
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), -1);
}

/* ---- rotation ------------------------------------------------------------------ */

static void test_rotate_keeps_old_keys_opening(void **state)
{
    env *e = *state;
    sb_auth_keyring k, other;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    assert_int_equal(sb_auth_keyring_load(&other, e->dir, &e->err), 0);
    char old[17];
    snprintf(old, sizeof old, "%s", sb_auth_keyring_current(&k));
    unsigned char *ct;
    size_t n;
    seal(e->a, &k, "ctx", "dapi-old-secret", &ct, &n);

    assert_int_equal(sb_auth_keyring_rotate(&k, &e->err), 0);
    assert_int_equal(k.nkeys, 2);
    assert_string_not_equal(sb_auth_keyring_current(&k), old);
    assert_string_equal(k.keys[1].id, old);
    struct stat st;
    assert_int_equal(stat(e->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_key_lines(read_text(e->a, e->path)), 2);

    /* What the old key sealed still opens; new seals use the new key. */
    char *plain;
    size_t pn;
    assert_int_equal(sb_auth_open(&k, e->a, "ctx", old, ct, n, &plain, &pn), 0);
    assert_string_equal(plain, "dapi-old-secret");
    unsigned char *ct2;
    size_t n2;
    seal(e->a, &k, "ctx", "dapi-new-secret", &ct2, &n2);
    assert_int_equal(
        sb_auth_open(&k, e->a, "ctx", sb_auth_keyring_current(&k), ct2, n2, &plain, &pn), 0);
    /* Under the wrong key id, nothing opens. */
    assert_int_equal(sb_auth_open(&k, e->a, "ctx", old, ct2, n2, &plain, &pn), -1);

    /* Another process's keyring follows the rotation. */
    assert_false(sb_auth_keyring_has(&other, sb_auth_keyring_current(&k)));
    assert_int_equal(sb_auth_keyring_refresh(&other, &e->err), 1);
    assert_string_equal(sb_auth_keyring_current(&other), sb_auth_keyring_current(&k));
    assert_int_equal(
        sb_auth_open(&other, e->a, "ctx", sb_auth_keyring_current(&k), ct2, n2, &plain, &pn), 0);
    assert_string_equal(plain, "dapi-new-secret");
    assert_int_equal(sb_auth_keyring_refresh(&other, &e->err), 0);

    /* A broken file is not taken: the keys in use stay. */
    unlink(e->path);
    write_text(e->path, "garbage\n", 0600);
    sb_buf_reset(&e->err);
    assert_int_equal(sb_auth_keyring_refresh(&other, &e->err), -1);
    assert_string_equal(sb_auth_keyring_current(&other), sb_auth_keyring_current(&k));
}

static void test_concurrent_rotations_lose_no_key(void **state)
{
    env *e = *state;
    sb_auth_keyring k;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    enum { PROCS = 4, EACH = 3 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            sb_auth_keyring mine;
            sb_buf err = SB_BUF_INIT;
            int bad = sb_auth_keyring_load(&mine, e->dir, &err) != 0;
            for (int i = 0; i < EACH && !bad; i++) bad = sb_auth_keyring_rotate(&mine, &err) != 0;
            _exit(bad);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    sb_auth_keyring after;
    assert_int_equal(sb_auth_keyring_load(&after, e->dir, &e->err), 0);
    assert_int_equal(after.nkeys, 1 + PROCS * EACH);
    assert_true(sb_auth_keyring_has(&after, sb_auth_keyring_current(&k)));
    assert_string_equal(after.keys[after.nkeys - 1].id, sb_auth_keyring_current(&k));
}

static void test_retire(void **state)
{
    env *e = *state;
    sb_auth_keyring k;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    char first[17];
    snprintf(first, sizeof first, "%s", sb_auth_keyring_current(&k));
    assert_int_equal(sb_auth_keyring_rotate(&k, &e->err), 0);
    assert_int_equal(sb_auth_keyring_rotate(&k, &e->err), 0);
    char second[17], current[17];
    snprintf(second, sizeof second, "%s", k.keys[1].id);
    snprintf(current, sizeof current, "%s", sb_auth_keyring_current(&k));
    /* The current key is never retired; unknown ids are ignored. */
    const char *ids[] = {first, current, "ffffffffffffffff"};
    size_t removed = 9;
    assert_int_equal(sb_auth_keyring_retire(&k, ids, 3, &removed, &e->err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(k.nkeys, 2);
    assert_false(sb_auth_keyring_has(&k, first));
    assert_string_equal(sb_auth_keyring_current(&k), current);
    sb_auth_keyring again;
    assert_int_equal(sb_auth_keyring_load(&again, e->dir, &e->err), 0);
    assert_int_equal(again.nkeys, 2);
    assert_true(sb_auth_keyring_has(&again, second));
    assert_false(sb_auth_keyring_has(&again, first));
    /* Nothing to retire: the file stays as it is. */
    assert_int_equal(sb_auth_keyring_retire(&k, ids, 1, &removed, &e->err), 0);
    assert_int_equal(removed, 0);
}

/* ---- re-encrypting a store -------------------------------------------------------- */

typedef struct world {
    int64_t tenant, user, fabric;
} world;

static void make_tenant(env *e, sb_store *s, const char *slug, world *w)
{
    sb_store_tenant t = {.slug = slug, .name = slug};
    OK(sb_store_tenant_create(s, e->a, &t));
    w->tenant = t.id;
    sb_store_tx *tx;
    OK(sb_store_begin(s, e->a, t.id, 0, SB_STORE_WRITE, &tx));
    sb_store_user u = {.login = "ann", .auth_source = "local"};
    OK(sb_store_user_create(tx, &u));
    sb_store_team team = {.name = "data"};
    OK(sb_store_team_create(tx, &team));
    sb_store_fabric f = {
        .team_id = team.id, .name = "dbx", .definition = "{\n  \"kind\": \"databricks\"\n}\n"};
    OK(sb_store_fabric_create(tx, &f));
    OK(sb_store_commit(tx));
    w->user = u.id;
    w->fabric = f.id;
}

/* A credential sealed under `k`: the fabric one when i < 0, else Git host i. */
static int64_t add_credential(env *e, sb_store *s, const world *w, const sb_auth_keyring *k, int i,
                              const char *secret)
{
    sb_store_credential c = {.user_id = w->user,
                             .kind = i < 0 ? SB_CRED_FABRIC : SB_CRED_GIT,
                             .fabric_id = i < 0 ? w->fabric : 0,
                             .target =
                                 i < 0 ? NULL : sb_arena_printf(e->a, "git%d.example.com", i)};
    unsigned char *ct;
    size_t n;
    seal(e->a, k, sb_auth_credential_context(e->a, w->tenant, &c), secret, &ct, &n);
    c.key_id = sb_auth_keyring_current(k);
    c.ciphertext = ct;
    c.ciphertext_len = n;
    sb_store_tx *tx;
    OK(sb_store_begin(s, e->a, w->tenant, 0, SB_STORE_WRITE, &tx));
    OK(sb_store_credential_create(tx, &c));
    OK(sb_store_commit(tx));
    return c.id;
}

static const char *secret_for(sb_arena *a, const world *w, const sb_store_credential *c)
{
    if (c->kind == SB_CRED_FABRIC) return sb_arena_printf(a, "dapi-%lld", (long long)w->tenant);
    return sb_arena_printf(a, "ghp-%lld-%s", (long long)w->tenant, c->target);
}

static void test_reseal_store(void **state)
{
    env *e = *state;
    sb_store *s = NULL;
    OK(sb_store_open_dir(e->dir, NULL, &s));
    sb_auth_keyring k;
    assert_int_equal(sb_auth_keyring_load(&k, e->dir, &e->err), 0);
    char old[17];
    snprintf(old, sizeof old, "%s", sb_auth_keyring_current(&k));
    world w[2];
    make_tenant(e, s, "acme", &w[0]);
    make_tenant(e, s, "globex", &w[1]);
    enum { GIT = 230 };
    for (int t = 0; t < 2; t++) {
        sb_store_credential probe = {.kind = SB_CRED_FABRIC};
        add_credential(e, s, &w[t], &k, -1, secret_for(e->a, &w[t], &probe));
        for (int i = 0; i < GIT; i++) {
            probe = (sb_store_credential){.kind = SB_CRED_GIT,
                                          .target = sb_arena_printf(e->a, "git%d.example.com", i)};
            add_credential(e, s, &w[t], &k, i, secret_for(e->a, &w[t], &probe));
        }
    }
    /* One credential under a key nobody has any more. */
    sb_auth_keyring lost;
    memset(&lost, 0, sizeof lost);
    lost.nkeys = 1;
    memset(lost.keys[0].key, 7, 32);
    snprintf(lost.keys[0].id, sizeof lost.keys[0].id, "0123456789abcdef");
    int64_t lost_id = add_credential(e, s, &w[1], &lost, 999, "gone");

    sb_vec usage = {0};
    int64_t unreadable = -1;
    OK(sb_auth_key_usage_list(s, e->a, &k, true, &usage, &unreadable, &e->err));
    assert_int_equal(unreadable, 1);
    assert_int_equal(usage.len, 2);
    assert_int_equal(((sb_auth_key_usage *)usage.items[0])->credentials, 2 * (GIT + 1));

    assert_int_equal(sb_auth_keyring_rotate(&k, &e->err), 0);
    sb_auth_reseal_stats st;
    OK(sb_auth_reseal(s, &k, 100, &st, &e->err));
    assert_int_equal(st.tenants, 2);
    assert_int_equal(st.resealed, 2 * (GIT + 1));
    assert_int_equal(st.unreadable, 1);
    assert_int_equal(st.raced, 0);

    /* Every credential is under the new key and opens to what it was. */
    for (int t = 0; t < 2; t++) {
        sb_store_tx *tx;
        sb_vec v = {0};
        OK(sb_store_begin(s, e->a, w[t].tenant, 0, SB_STORE_READ, &tx));
        OK(sb_store_credential_list(tx, 0, &v));
        sb_store_rollback(tx);
        assert_int_equal(v.len, GIT + 1 + (t == 1));
        for (size_t i = 0; i < v.len; i++) {
            const sb_store_credential *c = v.items[i];
            if (c->id == lost_id) {
                assert_string_equal(c->key_id, "0123456789abcdef");
                continue;
            }
            assert_string_equal(c->key_id, sb_auth_keyring_current(&k));
            assert_int_equal(c->version, 2);
            char *plain;
            size_t pn;
            assert_int_equal(sb_auth_open(&k, e->a,
                                          sb_auth_credential_context(e->a, w[t].tenant, c),
                                          c->key_id, c->ciphertext, c->ciphertext_len, &plain, &pn),
                             0);
            assert_string_equal(plain, secret_for(e->a, &w[t], c));
            /* Bound to its row: another user's or tenant's context does not open it. */
            sb_store_credential moved = *c;
            moved.user_id++;
            assert_int_equal(sb_auth_open(&k, e->a,
                                          sb_auth_credential_context(e->a, w[t].tenant, &moved),
                                          c->key_id, c->ciphertext, c->ciphertext_len, &plain, &pn),
                             -1);
            assert_int_equal(sb_auth_open(&k, e->a,
                                          sb_auth_credential_context(e->a, w[t].tenant + 7, c),
                                          c->key_id, c->ciphertext, c->ciphertext_len, &plain, &pn),
                             -1);
        }
    }
    /* The old key seals nothing now, so it can go; a second pass has no work. */
    sb_vec after = {0};
    OK(sb_auth_key_usage_list(s, e->a, &k, false, &after, &unreadable, &e->err));
    assert_int_equal(after.len, 3);
    const sb_auth_key_usage *u_old = after.items[1];
    assert_string_equal(u_old->key_id, old);
    assert_int_equal(u_old->credentials, 0);
    const sb_auth_key_usage *u_lost = after.items[2];
    assert_false(u_lost->known);
    assert_int_equal(unreadable, 1);
    OK(sb_auth_reseal(s, &k, 0, &st, &e->err));
    assert_int_equal(st.resealed, 0);
    assert_int_equal(st.unreadable, 1);

    /* The audit log records each re-encryption as sibyl itself, with the key. */
    sb_store_tx *tx;
    sb_vec log = {0};
    OK(sb_store_begin(s, e->a, w[0].tenant, 0, SB_STORE_READ, &tx));
    OK(sb_store_audit_list(tx, &(sb_store_audit_filter){.kind = "credential"}, NULL, &log));
    sb_store_rollback(tx);
    size_t updates = 0;
    for (size_t i = 0; i < log.len; i++) {
        const sb_store_audit *au = log.items[i];
        if (strcmp(au->action, "update") != 0) continue;
        updates++;
        assert_int_equal(au->actor_id, 0);
        assert_non_null(strstr(au->detail, sb_auth_keyring_current(&k)));
    }
    assert_int_equal(updates, GIT + 1);
    sb_store_close(s);
}

int main(void)
{
    if (sb_auth_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_start_creates_a_private_key_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_key_file_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_environment_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_keeps_old_keys_opening, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_rotations_lose_no_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reseal_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
