/*
 * databricks_wheel.c — the generated package as a Python wheel, the form
 * in which Databricks Jobs installs code on a cluster (a `whl` library
 * with a python_wheel_task).
 *
 * A wheel is a zip archive (stored entries are valid) of the package's
 * files plus a `<name>-<version>.dist-info` directory: METADATA, WHEEL,
 * entry_points.txt and RECORD, which lists every file with its SHA-256.
 * The entry point starts the package the way `python -m <package>` does,
 * so the code that runs is the generated package unchanged.
 */
#include "fabric/databricks.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- SHA-256 (FIPS 180-4) ---------------------------------------------------------------- */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] +
                      w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void sb_dbx_sha256(const void *data, size_t len, unsigned char out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t n = len;
    while (n >= 64) {
        sha256_block(h, p);
        p += 64;
        n -= 64;
    }
    unsigned char tail[128] = {0};
    memcpy(tail, p, n);
    tail[n] = 0x80;
    size_t tl = n + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[tl - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha256_block(h, tail);
    if (tl == 128) sha256_block(h, tail + 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(h[i] >> 8);
        out[4 * i + 3] = (unsigned char)h[i];
    }
}

/* RECORD's hash form: urlsafe base64 without padding. */
static void put_b64url(sb_buf *b, const unsigned char *p, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63], al[v & 63]};
        sb_buf_add(b, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[2] = {al[v >> 18], al[(v >> 12) & 63]};
        sb_buf_add(b, q, 2);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        char q[3] = {al[v >> 18], al[(v >> 12) & 63], al[(v >> 6) & 63]};
        sb_buf_add(b, q, 3);
    }
}

/* ---- a stored zip, in memory --------------------------------------------------------------- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static void le16(sb_buf *b, unsigned v)
{
    char x[2] = {(char)(v & 0xFF), (char)((v >> 8) & 0xFF)};
    sb_buf_add(b, x, 2);
}

static void le32(sb_buf *b, uint32_t v)
{
    char x[4] = {(char)(v & 0xFF), (char)((v >> 8) & 0xFF), (char)((v >> 16) & 0xFF),
                 (char)(v >> 24)};
    sb_buf_add(b, x, 4);
}

typedef struct wheel {
    sb_buf *out; /* local headers and data */
    size_t start;
    sb_buf central;
    sb_buf record;
    unsigned count;
} wheel;

static void wheel_add(wheel *w, const char *name, const char *data, size_t len, bool in_record)
{
    uint32_t crc = crc32_of((const unsigned char *)data, len);
    uint32_t offset = (uint32_t)(w->out->len - w->start);
    size_t nl = strlen(name);
    /* Fixed date (1980-01-01): the same package gives the same bytes. */
    le32(w->out, 0x04034b50);
    le16(w->out, 20), le16(w->out, 0x0800), le16(w->out, 0), le16(w->out, 0), le16(w->out, 0x21);
    le32(w->out, crc), le32(w->out, (uint32_t)len), le32(w->out, (uint32_t)len);
    le16(w->out, (unsigned)nl), le16(w->out, 0);
    sb_buf_add(w->out, name, nl);
    sb_buf_add(w->out, data, len);
    le32(&w->central, 0x02014b50);
    le16(&w->central, 0x0314), le16(&w->central, 20), le16(&w->central, 0x0800);
    le16(&w->central, 0), le16(&w->central, 0), le16(&w->central, 0x21);
    le32(&w->central, crc), le32(&w->central, (uint32_t)len), le32(&w->central, (uint32_t)len);
    le16(&w->central, (unsigned)nl), le16(&w->central, 0), le16(&w->central, 0);
    le16(&w->central, 0), le16(&w->central, 0);
    le32(&w->central, 0100644u << 16);
    le32(&w->central, offset);
    sb_buf_add(&w->central, name, nl);
    w->count++;
    if (in_record) {
        unsigned char h[32];
        sb_dbx_sha256(data, len, h);
        sb_buf_printf(&w->record, "%s,sha256=", name);
        put_b64url(&w->record, h, 32);
        sb_buf_printf(&w->record, ",%zu\n", len);
    }
}

/* The package's files, sorted, skipping caches and hidden files. */
static int collect(sb_arena *a, const char *dir, const char *rel, sb_vec *paths, sb_vec *names,
                   const char **err)
{
    DIR *dh = opendir(dir);
    if (!dh) {
        *err = sb_arena_printf(a, "cannot read the package directory %s", dir);
        return -1;
    }
    sb_vec entries = {0};
    struct dirent *ent;
    while ((ent = readdir(dh)))
        if (ent->d_name[0] != '.' && strcmp(ent->d_name, "__pycache__") != 0)
            sb_vec_push(a, &entries, sb_arena_strdup(a, ent->d_name));
    closedir(dh);
    for (size_t i = 1; i < entries.len; i++)
        for (size_t j = i; j > 0 && strcmp(entries.items[j - 1], entries.items[j]) > 0; j--) {
            void *t = entries.items[j];
            entries.items[j] = entries.items[j - 1];
            entries.items[j - 1] = t;
        }
    for (size_t i = 0; i < entries.len; i++) {
        const char *n = entries.items[i];
        const char *path = sb_arena_printf(a, "%s/%s", dir, n);
        const char *r = sb_arena_printf(a, "%s/%s", rel, n);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t nl = strlen(n);
        if (S_ISDIR(st.st_mode)) {
            if (collect(a, path, r, paths, names, err) != 0) return -1;
        } else if (S_ISREG(st.st_mode) && !(nl > 4 && (strcmp(n + nl - 4, ".pyc") == 0 ||
                                                       strcmp(n + nl - 4, ".pyo") == 0))) {
            sb_vec_push(a, paths, (void *)path);
            sb_vec_push(a, names, (void *)r);
        }
    }
    return 0;
}

static bool valid_module(const char *m)
{
    if (!m || !*m || (*m >= '0' && *m <= '9')) return false;
    for (const char *p = m; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

int sb_dbx_wheel_build(sb_arena *a, const char *dir, const char *module, sb_buf *out,
                       const char **filename, const char **err)
{
    if (!valid_module(module)) {
        *err = sb_arena_printf(a, "\"%s\" is not a Python package name", module ? module : "");
        return -1;
    }
    const char *pkg_dir = sb_arena_printf(a, "%s/%s", dir, module);
    sb_vec paths = {0}, names = {0};
    if (collect(a, pkg_dir, module, &paths, &names, err) != 0) return -1;
    if (names.len == 0) {
        *err = sb_arena_printf(a, "the package directory %s has no files", pkg_dir);
        return -1;
    }
    /* Read everything first: the version is a hash of the contents. */
    char **texts = sb_arena_alloc(a, names.len * sizeof(char *));
    size_t *lens = sb_arena_alloc(a, names.len * sizeof(size_t));
    uint64_t hash = sb_hash_bytes(module, strlen(module));
    for (size_t i = 0; i < names.len; i++) {
        if (sb_read_file(paths.items[i], &texts[i], &lens[i]) != 0) {
            for (size_t j = 0; j < i; j++) free(texts[j]);
            *err = sb_arena_printf(a, "cannot read %s", (char *)paths.items[i]);
            return -1;
        }
        hash = hash * 1099511628211ull ^ sb_hash_bytes(names.items[i], strlen(names.items[i]));
        hash = hash * 1099511628211ull ^ sb_hash_bytes(texts[i], lens[i]);
    }
    const char *version = sb_arena_printf(a, "0.0.0+sibyl%016llx", (unsigned long long)hash);
    const char *dist = sb_arena_printf(a, "%s-%s.dist-info", module, version);
    *filename = sb_arena_printf(a, "%s-%s-py3-none-any.whl", module, version);

    wheel w = {out, out->len, SB_BUF_INIT, SB_BUF_INIT, 0};
    for (size_t i = 0; i < names.len; i++) {
        wheel_add(&w, names.items[i], texts[i], lens[i], true);
        free(texts[i]);
    }
    /* The entry point: `python -m module` with the task's parameters. */
    const char *entry_mod = sb_arena_printf(a, "%s_sibyl_entry", module);
    const char *entry = sb_arena_printf(
        a,
        "\"\"\"Starts the %s pipeline the way `python -m %s` does (Databricks Jobs entry "
        "point).\"\"\"\n"
        "import runpy\n\n\n"
        "def main():\n"
        "    runpy.run_module(\"%s\", run_name=\"__main__\", alter_sys=True)\n",
        module, module, module);
    wheel_add(&w, sb_arena_printf(a, "%s.py", entry_mod), entry, strlen(entry), true);
    const char *meta = sb_arena_printf(a,
                                       "Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
                                       "Summary: the %s pipeline, generated by sibyl\n",
                                       module, version, module);
    wheel_add(&w, sb_arena_printf(a, "%s/METADATA", dist), meta, strlen(meta), true);
    const char *whl = "Wheel-Version: 1.0\nGenerator: sibyl " SIBYL_VERSION
                      "\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    wheel_add(&w, sb_arena_printf(a, "%s/WHEEL", dist), whl, strlen(whl), true);
    const char *eps =
        sb_arena_printf(a, "[console_scripts]\n%s = %s:main\n", module, entry_mod);
    wheel_add(&w, sb_arena_printf(a, "%s/entry_points.txt", dist), eps, strlen(eps), true);
    const char *record_name = sb_arena_printf(a, "%s/RECORD", dist);
    sb_buf_printf(&w.record, "%s,,\n", record_name);
    wheel_add(&w, record_name, w.record.data, w.record.len, false);

    uint32_t cd_offset = (uint32_t)(out->len - w.start);
    sb_buf_add(out, w.central.data, w.central.len);
    le32(out, 0x06054b50);
    le16(out, 0), le16(out, 0), le16(out, w.count), le16(out, w.count);
    le32(out, (uint32_t)w.central.len);
    le32(out, cd_offset);
    le16(out, 0);
    sb_buf_free(&w.central);
    sb_buf_free(&w.record);
    return 0;
}
