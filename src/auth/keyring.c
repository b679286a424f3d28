/*
 * keyring.c — the master keys that seal credentials at rest, and sealing
 * itself (libsodium's XChaCha20-Poly1305 AEAD).
 *
 * A keyring is the current key, which seals everything new, and the keys
 * before it, which only open what they sealed. The keys come from
 * SIBYL_MASTER_KEY, or from DATA_DIR/master.key, which the first start
 * creates with mode 0600:
 *
 *   # sibyl master keys ...
 *   <64 hex digits>      the current key
 *   <64 hex digits>      the key before it
 *
 * Rotation puts a new key in front (sb_auth_keyring_rotate); reseal.c then
 * re-encrypts what the older keys sealed, and retiring removes them. The
 * file is only ever replaced whole (write, fsync, rename) under a lock
 * file, so a reader sees either the old or the new list and two rotations
 * at once cannot lose a key. A server notices the new file by its identity
 * (sb_auth_keyring_refresh) and follows without a restart.
 *
 * The keys never leave these structures: they are not logged, and only a
 * key's id (a hash prefix) is stored beside each ciphertext.
 */
#include "auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_MAX 65536

static void key_set_id(sb_auth_key *key)
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, key->key, sizeof key->key, NULL, 0);
    sodium_bin2hex(key->id, sizeof key->id, h, sizeof h);
}

static int decode_key(unsigned char out[32], const char *text, size_t n)
{
    size_t got = 0;
    if (n == 64 && sodium_hex2bin(out, 32, text, n, NULL, &got, NULL) == 0 && got == 32) return 0;
    if (sodium_base642bin(out, 32, text, n, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) ==
            0 &&
        got == 32)
        return 0;
    return -1;
}

static const sb_auth_key *find(const sb_auth_keyring *k, const char *id)
{
    for (size_t i = 0; id && i < k->nkeys; i++)
        if (strcmp(k->keys[i].id, id) == 0) return &k->keys[i];
    return NULL;
}

/* Append one key (a duplicate of one already held is skipped). */
static int add_key(sb_auth_keyring *k, const unsigned char key[32], sb_buf *err, const char *where)
{
    sb_auth_key cand;
    memcpy(cand.key, key, 32);
    key_set_id(&cand);
    int rc = 0;
    if (find(k, cand.id)) {
        /* the same key twice: once is enough */
    } else if (k->nkeys == SB_AUTH_MAX_KEYS) {
        sb_buf_printf(err, "%s holds more than %d keys; retire unused ones (`sibyl key prune`)",
                      where, SB_AUTH_MAX_KEYS);
        rc = -1;
    } else {
        k->keys[k->nkeys++] = cand;
    }
    sodium_memzero(&cand, sizeof cand);
    return rc;
}

/* Keys separated by white space or commas; in a file, '#' starts a comment
 * line. */
static int parse_keys(sb_auth_keyring *k, const char *text, size_t n, bool file, const char *where,
                      sb_buf *err)
{
    size_t i = 0;
    int line = 1;
    while (i < n) {
        size_t eol = i;
        while (eol < n && text[eol] != '\n') eol++;
        size_t p = i;
        while (p < eol && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r')) p++;
        if (!(file && p < eol && text[p] == '#')) {
            while (p < eol) {
                while (p < eol && strchr(" \t\r,", text[p])) p++;
                size_t q = p;
                while (q < eol && !strchr(" \t\r,", text[q])) q++;
                if (q > p) {
                    unsigned char key[32];
                    if (decode_key(key, text + p, q - p) != 0) {
                        sodium_memzero(key, sizeof key);
                        if (file)
                            sb_buf_printf(err, "%s:%d does not hold a key (64 hex digits)", where,
                                          line);
                        else
                            sb_buf_printf(err,
                                          "%s must hold keys of 32 bytes as 64 hex digits or "
                                          "base64, separated by commas",
                                          where);
                        return -1;
                    }
                    int rc = add_key(k, key, err, where);
                    sodium_memzero(key, sizeof key);
                    if (rc != 0) return -1;
                }
                p = q;
            }
        }
        i = eol + 1;
        line++;
    }
    if (k->nkeys == 0) {
        sb_buf_printf(err, "%s does not hold a key (64 hex digits)", where);
        return -1;
    }
    return 0;
}

static void remember_file(sb_auth_keyring *k, const struct stat *st)
{
    k->file_dev = (int64_t)st->st_dev;
    k->file_ino = (int64_t)st->st_ino;
    k->file_size = (int64_t)st->st_size;
    k->file_mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

static bool same_file(const sb_auth_keyring *k, const struct stat *st)
{
    return k->file_dev == (int64_t)st->st_dev && k->file_ino == (int64_t)st->st_ino &&
           k->file_size == (int64_t)st->st_size &&
           k->file_mtime_ns == (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* Read the key file at k->path into k (its keys are replaced). -ENOENT
 * when it does not exist (nothing in err), -1 otherwise on failure. */
static int read_file(sb_auth_keyring *k, sb_buf *err)
{
    int fd = open(k->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return -ENOENT;
        sb_buf_printf(err, "cannot open %s: %s", k->path, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = -1;
    char *text = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        sb_buf_printf(err, "cannot stat %s: %s", k->path, strerror(errno));
    } else if (st.st_mode & 077) {
        sb_buf_printf(err, "%s is readable by other users; make it mode 0600", k->path);
    } else if (st.st_size > KEY_FILE_MAX) {
        sb_buf_printf(err, "%s is too large to be a key file", k->path);
    } else {
        text = sodium_malloc(KEY_FILE_MAX + 1);
        if (!text) {
            sb_buf_puts(err, "out of memory");
        } else {
            ssize_t got;
            rc = 0;
            while (n < KEY_FILE_MAX && (got = read(fd, text + n, KEY_FILE_MAX - n)) != 0) {
                if (got < 0) {
                    if (errno == EINTR) continue;
                    sb_buf_printf(err, "cannot read %s: %s", k->path, strerror(errno));
                    rc = -1;
                    break;
                }
                n += (size_t)got;
            }
        }
    }
    if (rc == 0) {
        sodium_memzero(k->keys, sizeof k->keys);
        k->nkeys = 0;
        rc = parse_keys(k, text, n, true, k->path, err);
        if (rc == 0) remember_file(k, &st);
    }
    if (text) sodium_free(text);
    close(fd);
    return rc;
}

static int fsync_dir_of(const char *path)
{
    char dir[sizeof((sb_auth_keyring *)0)->path];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = 0;
    else if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Write the keyring's keys to a new private file beside k->path and put it
 * in place: by rename when `replace`, else by link, which fails when
 * another process created the file first (-EEXIST, nothing in err). */
static int write_file(sb_auth_keyring *k, bool replace, sb_buf *err)
{
    char tmp[sizeof k->path + 48];
    snprintf(tmp, sizeof tmp, "%s.new.%ld", k->path, (long)getpid());
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        sb_buf_printf(err, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    static const char head[] =
        "# sibyl master keys (docs/security.md). The first key seals new credentials;\n"
        "# every key opens what it sealed. Keep this file mode 0600, and back it up\n"
        "# apart from the database: without it the sealed credentials are lost.\n";
    size_t cap = sizeof head + k->nkeys * 65;
    char *text = sodium_malloc(cap);
    if (!text) {
        close(fd);
        unlink(tmp);
        sb_buf_puts(err, "out of memory");
        return -1;
    }
    memcpy(text, head, sizeof head - 1);
    size_t n = sizeof head - 1;
    for (size_t i = 0; i < k->nkeys; i++) {
        sodium_bin2hex(text + n, 65, k->keys[i].key, 32);
        n += 64;
        text[n++] = '\n';
    }
    size_t off = 0;
    int rc = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            rc = -1;
            break;
        }
        off += (size_t)w;
    }
    sodium_free(text);
    if (rc == 0 && fsync(fd) != 0) rc = -1;
    if (rc != 0) sb_buf_printf(err, "cannot write %s: %s", tmp, strerror(errno));
    close(fd);
    if (rc == 0) {
        if (replace) {
            if (rename(tmp, k->path) != 0) {
                sb_buf_printf(err, "cannot replace %s: %s", k->path, strerror(errno));
                rc = -1;
            }
        } else if (link(tmp, k->path) != 0) {
            rc = errno == EEXIST ? -EEXIST : -1;
            if (rc == -1) sb_buf_printf(err, "cannot create %s: %s", k->path, strerror(errno));
        }
    }
    if (rc != 0 || !replace) unlink(tmp);
    if (rc == 0) {
        fsync_dir_of(k->path);
        struct stat st;
        if (stat(k->path, &st) == 0) remember_file(k, &st);
    }
    return rc;
}

int sb_auth_keyring_load(sb_auth_keyring *k, const char *data_dir, sb_buf *err)
{
    memset(k, 0, sizeof *k);
    const char *env = getenv("SIBYL_MASTER_KEY");
    if (env && *env) {
        if (parse_keys(k, env, strlen(env), false, "SIBYL_MASTER_KEY", err) != 0) {
            sb_auth_keyring_clear(k);
            return -1;
        }
        return 0;
    }
    int n = snprintf(k->path, sizeof k->path, "%s/master.key", data_dir);
    if (n < 0 || (size_t)n >= sizeof k->path) {
        sb_buf_puts(err, "the data directory's path is too long");
        return -1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = read_file(k, err);
        if (rc == 0) return 0;
        if (rc != -ENOENT) break;
        /* The first start: a new key. Two processes starting at once race
         * to link their file in place; the loser reads the winner's. */
        randombytes_buf(k->keys[0].key, 32);
        key_set_id(&k->keys[0]);
        k->nkeys = 1;
        rc = write_file(k, false, err);
        if (rc == 0) return 0;
        if (rc != -EEXIST) break;
    }
    sb_auth_keyring_clear(k);
    return -1;
}

void sb_auth_keyring_clear(sb_auth_keyring *k)
{
    sodium_memzero(k, sizeof *k);
}

const char *sb_auth_keyring_current(const sb_auth_keyring *k)
{
    return k->nkeys ? k->keys[0].id : "";
}

bool sb_auth_keyring_has(const sb_auth_keyring *k, const char *key_id)
{
    return find(k, key_id) != NULL;
}

int sb_auth_keyring_refresh(sb_auth_keyring *k, sb_buf *err)
{
    if (!k->path[0]) return 0;
    struct stat st;
    if (stat(k->path, &st) != 0) {
        sb_buf_printf(err, "cannot stat %s: %s", k->path, strerror(errno));
        return -1;
    }
    if (same_file(k, &st)) return 0;
    sb_auth_keyring fresh;
    memset(&fresh, 0, sizeof fresh);
    memcpy(fresh.path, k->path, sizeof fresh.path);
    int rc = read_file(&fresh, err);
    if (rc == -ENOENT) sb_buf_printf(err, "%s disappeared", k->path);
    if (rc != 0) {
        sb_auth_keyring_clear(&fresh);
        return -1;
    }
    *k = fresh;
    sb_auth_keyring_clear(&fresh);
    return 1;
}

/* The lock that serialises changes to the key file, between processes. */
static int lock_file(const sb_auth_keyring *k, sb_buf *err)
{
    char path[sizeof k->path + 8];
    snprintf(path, sizeof path, "%s.lock", k->path);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        sb_buf_printf(err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        sb_buf_printf(err, "cannot lock %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void unlock_file(int fd)
{
    flock(fd, LOCK_UN);
    close(fd);
}

static bool from_file(const sb_auth_keyring *k, sb_buf *err, const char *what)
{
    if (k->path[0]) return true;
    sb_buf_printf(err,
                  "the keys come from SIBYL_MASTER_KEY, which sibyl cannot change: to %s, edit "
                  "the variable on every server and restart them one by one (docs/security.md)",
                  what);
    return false;
}

int sb_auth_keyring_rotate(sb_auth_keyring *k, sb_buf *err)
{
    if (!from_file(k, err, "rotate, put a new key in front of the old ones")) return -1;
    int lock = lock_file(k, err);
    if (lock < 0) return -1;
    sb_auth_keyring next;
    memset(&next, 0, sizeof next);
    memcpy(next.path, k->path, sizeof next.path);
    sb_auth_keyring cur;
    memset(&cur, 0, sizeof cur);
    memcpy(cur.path, k->path, sizeof cur.path);
    int rc = read_file(&cur, err);
    if (rc == -ENOENT) sb_buf_printf(err, "%s disappeared", k->path);
    if (rc == 0 && cur.nkeys == SB_AUTH_MAX_KEYS) {
        sb_buf_printf(err,
                      "%s already holds %d keys; retire the unused ones first (`sibyl key prune`)",
                      k->path, SB_AUTH_MAX_KEYS);
        rc = -1;
    }
    if (rc == 0) {
        randombytes_buf(next.keys[0].key, 32);
        key_set_id(&next.keys[0]);
        next.nkeys = 1;
        for (size_t i = 0; i < cur.nkeys; i++) next.keys[next.nkeys++] = cur.keys[i];
        rc = write_file(&next, true, err);
    }
    unlock_file(lock);
    if (rc == 0) *k = next;
    sb_auth_keyring_clear(&next);
    sb_auth_keyring_clear(&cur);
    return rc == 0 ? 0 : -1;
}

int sb_auth_keyring_retire(sb_auth_keyring *k, const char *const *ids, size_t n, size_t *removed,
                           sb_buf *err)
{
    if (removed) *removed = 0;
    if (!from_file(k, err, "retire a key, remove it from the list")) return -1;
    int lock = lock_file(k, err);
    if (lock < 0) return -1;
    sb_auth_keyring cur, next;
    memset(&cur, 0, sizeof cur);
    memset(&next, 0, sizeof next);
    memcpy(cur.path, k->path, sizeof cur.path);
    memcpy(next.path, k->path, sizeof next.path);
    int rc = read_file(&cur, err);
    if (rc == -ENOENT) sb_buf_printf(err, "%s disappeared", k->path);
    size_t gone = 0;
    if (rc == 0) {
        for (size_t i = 0; i < cur.nkeys; i++) {
            bool drop = false;
            for (size_t j = 0; i > 0 && j < n; j++)
                if (strcmp(cur.keys[i].id, ids[j]) == 0) drop = true;
            if (drop)
                gone++;
            else
                next.keys[next.nkeys++] = cur.keys[i];
        }
        rc = gone ? write_file(&next, true, err) : 0;
    }
    unlock_file(lock);
    if (rc == 0) {
        *k = gone ? next : cur;
        if (removed) *removed = gone;
    }
    sb_auth_keyring_clear(&next);
    sb_auth_keyring_clear(&cur);
    return rc == 0 ? 0 : -1;
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
    unsigned char *buf = sb_arena_alloc(a, nn + len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    randombytes_buf(buf, nn);
    const sb_auth_key *key = &k->keys[0];
    const char *ad = assoc(a, key->id, context);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        buf + nn, &clen, plain, len, (const unsigned char *)ad, strlen(ad), NULL, buf, key->key);
    *out = buf;
    *out_len = nn + (size_t)clen;
}

int sb_auth_open(const sb_auth_keyring *k, sb_arena *a, const char *context, const char *key_id,
                 const unsigned char *ct, size_t ct_len, char **plain, size_t *plain_len)
{
    size_t nn = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const sb_auth_key *key = find(k, key_id);
    if (!key) return -1;
    if (ct_len < nn + crypto_aead_xchacha20poly1305_ietf_ABYTES) return -1;
    char *out = sb_arena_alloc(a, ct_len - nn + 1);
    const char *ad = assoc(a, key->id, context);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out, &mlen, NULL, ct + nn,
                                                   ct_len - nn, (const unsigned char *)ad,
                                                   strlen(ad), ct, key->key) != 0)
        return -1;
    out[mlen] = 0;
    *plain = out;
    *plain_len = (size_t)mlen;
    return 0;
}
