/*
 * password.c — argon2id password hashes through libsodium, and the shape a
 * new password must have.
 */
#include "auth/auth.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

int sb_auth_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

int64_t sb_auth_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *sb_auth_password_hash(sb_arena *a, const char *password)
{
    char out[crypto_pwhash_STRBYTES];
    /* The interactive limits (64 MiB, 2 passes) keep a sign-in well under a
     * tenth of a second while making offline guessing expensive. */
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return NULL;
    return sb_arena_strdup(a, out);
}

bool sb_auth_password_verify(const char *encoded, const char *password)
{
    if (!encoded || !password) return false;
    if (strlen(encoded) >= crypto_pwhash_STRBYTES) return false;
    return crypto_pwhash_str_verify(encoded, password, strlen(password)) == 0;
}

bool sb_auth_password_ok(const char *password, const char **why)
{
    /* Characters, not bytes: "pässwört" has eight. */
    size_t n = 0;
    for (const char *p = password; p && *p; p++) n += ((unsigned char)*p & 0xC0) != 0x80;
    if (n < 8) {
        *why = "a password needs at least 8 characters";
        return false;
    }
    if (n > 1024) {
        *why = "a password may have at most 1024 characters";
        return false;
    }
    return true;
}
