/*
 * secrets.c — bearer secrets for API tokens and sessions: generation, the
 * hash the store keeps, the clear tenant prefix, and token scopes.
 */
#include "auth/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sb_auth_random_text(sb_arena *a, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw) nbytes = sizeof raw;
    randombytes_buf(raw, nbytes);
    size_t cap = sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = sb_arena_alloc(a, cap);
    sodium_bin2base64(out, cap, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return out;
}

char *sb_auth_secret_hash(sb_arena *a, const char *secret)
{
    unsigned char h[32];
    /* A secret carries 256 random bits, so a fast unsalted hash suffices:
     * the hash only has to keep a stolen database from being a key ring. */
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret), NULL, 0);
    char *out = sb_arena_alloc(a, 65);
    sodium_bin2hex(out, 65, h, sizeof h);
    return out;
}

bool sb_auth_equal(const char *x, const char *y)
{
    if (!x || !y) return false;
    size_t n = strlen(x);
    if (n != strlen(y)) return false;
    return sodium_memcmp(x, y, n) == 0;
}

static bool parse_tenant(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0) return false;
    *out = v;
    return true;
}

static bool secret_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 16 || n > 128) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

char *sb_auth_token_compose(sb_arena *a, int64_t tenant_id, const char *secret)
{
    return sb_arena_printf(a, "sbt_%lld_%s", (long long)tenant_id, secret);
}

bool sb_auth_token_split(const char *token, int64_t *tenant_id, const char **secret)
{
    if (!token || strncmp(token, "sbt_", 4) != 0) return false;
    const char *p = token + 4;
    const char *us = strchr(p, '_');
    if (!us || !parse_tenant(p, (size_t)(us - p), tenant_id)) return false;
    if (!secret_ok(us + 1)) return false;
    *secret = us + 1;
    return true;
}

char *sb_auth_cookie_compose(sb_arena *a, int64_t tenant_id, const char *secret)
{
    return sb_arena_printf(a, "%lld.%s", (long long)tenant_id, secret);
}

bool sb_auth_cookie_split(const char *value, int64_t *tenant_id, const char **secret)
{
    if (!value) return false;
    const char *dot = strchr(value, '.');
    if (!dot || !parse_tenant(value, (size_t)(dot - value), tenant_id)) return false;
    if (!secret_ok(dot + 1)) return false;
    *secret = dot + 1;
    return true;
}

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {{"read", SB_SCOPE_READ}, {"write", SB_SCOPE_WRITE}, {"admin", SB_SCOPE_ADMIN}};

bool sb_auth_scopes_parse(const char *s, unsigned *out)
{
    unsigned v = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *e = p;
        while (*e && *e != ' ') e++;
        bool known = false;
        for (size_t i = 0; i < SB_COUNTOF(scope_names); i++) {
            if (strlen(scope_names[i].name) == (size_t)(e - p) &&
                memcmp(scope_names[i].name, p, (size_t)(e - p)) == 0) {
                v |= scope_names[i].bit;
                known = true;
            }
        }
        if (!known) return false;
        p = e;
    }
    if (!v) return false;
    *out = v;
    return true;
}

const char *sb_auth_scopes_format(sb_arena *a, unsigned scopes)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < SB_COUNTOF(scope_names); i++) {
        if (!(scopes & scope_names[i].bit)) continue;
        if (b.len) sb_buf_putc(&b, ' ');
        sb_buf_puts(&b, scope_names[i].name);
    }
    char *out = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return out;
}
