/*
 * keyring.c — the master key that seals credentials at rest, and sealing
 * itself (libsodium's XChaCha20-Poly1305 AEAD).
 *
 * The key comes from SIBYL_MASTER_KEY, or from DATA_DIR/master.key, which
 * the first start creates with mode 0600. The key never leaves this file's
 * structures: it is not logged, and only its id (a hash prefix) is stored
 * beside each ciphertext so that rotation can find what an old key sealed.
 */
#include "auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_id(sb_auth_keyring *k)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, k->key, sizeof k->key, NULL, 0);
    sodium_bin2hex(k->key_id, sizeof k->key_id, h, sizeof h);
}

static int decode_key(sb_auth_keyring *k, const char *text, size_t n)
{
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) n--;
    size_t got = 0;
    if (n == 64 &&
        sodium_hex2bin(k->key, sizeof k->key, text, n, NULL, &got, NULL) == 0 && got == 32)
        return 0;
    if (sodium_base642bin(k->key, sizeof k->key, text, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        got == 32)
        return 0;
    return -1;
}

int sb_auth_keyring_load(sb_auth_keyring *k, const char *data_dir, sb_buf *err)
{
    memset(k, 0, sizeof *k);
    const char *env = getenv("SIBYL_MASTER_KEY");
    if (env && *env) {
        if (decode_key(k, env, strlen(env)) != 0) {
            sb_buf_puts(err, "SIBYL_MASTER_KEY must be 32 bytes as 64 hex digits or base64");
            return -1;
        }
        set_id(k);
        return 0;
    }
    sb_buf path = SB_BUF_INIT;
    sb_buf_printf(&path, "%s/master.key", data_dir);
    int rc = -1;
    int fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        char text[256];
        ssize_t n = 0;
        if (fstat(fd, &st) != 0) {
            sb_buf_printf(err, "cannot stat %s: %s", path.data, strerror(errno));
        } else if (st.st_mode & 077) {
            sb_buf_printf(err, "%s is readable by other users; make it mode 0600", path.data);
        } else if ((n = read(fd, text, sizeof text - 1)) <= 0 ||
                   decode_key(k, text, (size_t)n) != 0) {
            sb_buf_printf(err, "%s does not hold a key (64 hex digits)", path.data);
        } else {
            set_id(k);
            rc = 0;
        }
        sodium_memzero(text, sizeof text);
        close(fd);
    } else if (errno == ENOENT) {
        fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            sb_buf_printf(err, "cannot create %s: %s", path.data, strerror(errno));
        } else {
            char hex[65];
            randombytes_buf(k->key, sizeof k->key);
            sodium_bin2hex(hex, sizeof hex, k->key, sizeof k->key);
            hex[64] = '\n';
            if (write(fd, hex, 65) != 65 || fsync(fd) != 0) {
                sb_buf_printf(err, "cannot write %s: %s", path.data, strerror(errno));
                unlink(path.data);
            } else {
                set_id(k);
                rc = 0;
            }
            sodium_memzero(hex, sizeof hex);
            close(fd);
        }
    } else {
        sb_buf_printf(err, "cannot open %s: %s", path.data, strerror(errno));
    }
    if (rc != 0) sodium_memzero(k, sizeof *k);
    sb_buf_free(&path);
    return rc;
}

void sb_auth_keyring_clear(sb_auth_keyring *k)
{
    sodium_memzero(k, sizeof *k);
}

/* The associated data binds a ciphertext to its key id and its row. */
static char *assoc(sb_arena *a, const char *key_id, const char *context)
{
    return sb_arena_printf(a, "sibyl/1|%s|%s", key_id, context ? context : "");
}

void sb_auth_seal(const sb_auth_keyring *k, sb_arena *a, const char *context, const void *plain,
                  size_t len, unsigned char **out, size_t *out_len)
{
    size_t nn = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    unsigned char *buf =
        sb_arena_alloc(a, nn + len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    randombytes_buf(buf, nn);
    const char *ad = assoc(a, k->key_id, context);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + nn, &clen, plain, len,
                                               (const unsigned char *)ad, strlen(ad), NULL, buf,
                                               k->key);
    *out = buf;
    *out_len = nn + (size_t)clen;
}

int sb_auth_open(const sb_auth_keyring *k, sb_arena *a, const char *context, const char *key_id,
                 const unsigned char *ct, size_t ct_len, char **plain, size_t *plain_len)
{
    size_t nn = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (!key_id || strcmp(key_id, k->key_id) != 0) return -1;
    if (ct_len < nn + crypto_aead_xchacha20poly1305_ietf_ABYTES) return -1;
    char *out = sb_arena_alloc(a, ct_len - nn + 1);
    const char *ad = assoc(a, k->key_id, context);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, ct + nn,
                                                   ct_len - nn, (const unsigned char *)ad,
                                                   strlen(ad), ct, k->key) != 0)
        return -1;
    out[mlen] = 0;
    *plain = out;
    *plain_len = (size_t)mlen;
    return 0;
}
