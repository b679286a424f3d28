/*
 * test_auth.c — passwords, bearer secrets, token and cookie shapes,
 * scopes, and sealing secrets at rest.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_passwords(void **state)
{
    sb_arena *a = sb_arena_new();
    char *h = sb_auth_password_hash(a, "correct horse");
    assert_non_null(h);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_true(sb_auth_password_verify(h, "correct horse"));
    assert_false(sb_auth_password_verify(h, "correct horsf"));
    assert_false(sb_auth_password_verify(NULL, "x"));
    const char *why;
    assert_false(sb_auth_password_ok("short", &why));
    assert_true(sb_auth_password_ok("long enough", &why));
    /* Characters are counted, not bytes (as JSON Schema's minLength does). */
    assert_false(sb_auth_password_ok("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", &why));
    assert_true(sb_auth_password_ok("p\xc3\xa4sswort", &why));
    sb_arena_free(a);
}

static void test_tokens_and_cookies(void **state)
{
    sb_arena *a = sb_arena_new();
    char *secret = sb_auth_random_text(a, 32);
    assert_int_equal(strlen(secret), 43);
    assert_string_not_equal(secret, sb_auth_random_text(a, 32));
    char *tok = sb_auth_token_compose(a, 42, secret);
    int64_t t;
    const char *s;
    assert_true(sb_auth_token_split(tok, &t, &s));
    assert_int_equal(t, 42);
    assert_string_equal(s, secret);
    assert_false(sb_auth_token_split("sbt_0_AAAAAAAAAAAAAAAAAAAA", &t, &s));
    assert_false(sb_auth_token_split("sbt_x_AAAAAAAAAAAAAAAAAAAA", &t, &s));
    assert_false(sb_auth_token_split("sbt_1_short", &t, &s));
    assert_false(sb_auth_token_split("sbt_1_AAAAAAAAAAAAAAAA AAAA", &t, &s));
    char *ck = sb_auth_cookie_compose(a, 7, secret);
    assert_true(sb_auth_cookie_split(ck, &t, &s));
    assert_int_equal(t, 7);
    assert_false(sb_auth_cookie_split("7", &t, &s));
    /* The stored hash is stable and not the secret. */
    char *h1 = sb_auth_secret_hash(a, secret), *h2 = sb_auth_secret_hash(a, secret);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    assert_null(strstr(h1, secret));
    assert_true(sb_auth_equal("abc", "abc"));
    assert_false(sb_auth_equal("abc", "abd"));
    assert_false(sb_auth_equal("abc", "abcd"));
    sb_arena_free(a);
}

static void test_scopes(void **state)
{
    sb_arena *a = sb_arena_new();
    unsigned sc;
    assert_true(sb_auth_scopes_parse("read  write", &sc));
    assert_int_equal(sc, SB_SCOPE_READ | SB_SCOPE_WRITE);
    assert_string_equal(sb_auth_scopes_format(a, sc), "read write");
    assert_false(sb_auth_scopes_parse("read everything", &sc));
    assert_false(sb_auth_scopes_parse("", &sc));
    sb_arena_free(a);
}

static void test_sealing(void **state)
{
    sb_arena *a = sb_arena_new();
    char dir[] = "/tmp/sibyl-keyXXXXXX";
    assert_non_null(mkdtemp(dir));
    unsetenv("SIBYL_MASTER_KEY");
    sb_buf err = SB_BUF_INIT;
    sb_auth_keyring k, k2;
    assert_int_equal(sb_auth_keyring_load(&k, dir, &err), 0);
    char *path = sb_arena_printf(a, "%s/master.key", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sb_auth_keyring_load(&k2, dir, &err), 0); /* the same key again */
    assert_string_equal(sb_auth_keyring_current(&k), sb_auth_keyring_current(&k2));

    unsigned char *ct;
    size_t n;
    sb_auth_seal(&k, a, "fabric:1", "dapi-secret", 11, &ct, &n);
    assert_null(memmem(ct, n, "dapi-secret", 11));
    char *plain;
    size_t pn;
    assert_int_equal(sb_auth_open(&k2, a, "fabric:1", sb_auth_keyring_current(&k), ct, n, &plain, &pn), 0);
    assert_string_equal(plain, "dapi-secret");
    /* Bound to its row, its key and its bytes. */
    assert_int_equal(sb_auth_open(&k, a, "fabric:2", sb_auth_keyring_current(&k), ct, n, &plain, &pn), -1);
    assert_int_equal(sb_auth_open(&k, a, "fabric:1", "0000000000000000", ct, n, &plain, &pn), -1);
    ct[n - 1] ^= 1;
    assert_int_equal(sb_auth_open(&k, a, "fabric:1", sb_auth_keyring_current(&k), ct, n, &plain, &pn), -1);

    /* A key file others can read is refused. */
    chmod(path, 0644);
    sb_buf_reset(&err);
    assert_int_equal(sb_auth_keyring_load(&k2, dir, &err), -1);
    assert_non_null(strstr(sb_buf_str(&err), "0600"));
    /* The environment wins over the file. */
    setenv("SIBYL_MASTER_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
    assert_int_equal(sb_auth_keyring_load(&k2, dir, &err), 0);
    assert_string_not_equal(sb_auth_keyring_current(&k2), sb_auth_keyring_current(&k));
    setenv("SIBYL_MASTER_KEY", "not a key", 1);
    assert_int_equal(sb_auth_keyring_load(&k2, dir, &err), -1);
    unsetenv("SIBYL_MASTER_KEY");
    unlink(path);
    rmdir(dir);
    sb_buf_free(&err);
    sb_arena_free(a);
}

int main(void)
{
    if (sb_auth_init() != 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_tokens_and_cookies),
        cmocka_unit_test(test_scopes),
        cmocka_unit_test(test_sealing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
