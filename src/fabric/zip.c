/*
 * zip.c — a minimal zip writer (stored entries, no compression) for
 * shipping a generated package to a cluster as a --py-files / pyFiles
 * archive. Python's zipimport reads stored entries; packages are small text,
 * so compression would buy little and cost a dependency.
 */
#include "fabric/fabric_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    static uint32_t table[256];
    static bool ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = true;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void put16(sb_buf *b, unsigned v)
{
    char x[2] = {(char)(v & 0xFF), (char)((v >> 8) & 0xFF)};
    sb_buf_add(b, x, 2);
}

static void put32(sb_buf *b, uint32_t v)
{
    char x[4] = {(char)(v & 0xFF), (char)((v >> 8) & 0xFF), (char)((v >> 16) & 0xFF),
                 (char)((v >> 24) & 0xFF)};
    sb_buf_add(b, x, 4);
}

typedef struct zip_state {
    sb_buf data, central;
    unsigned count;
} zip_state;

static void add_entry(zip_state *z, const char *name, const char *content, size_t len)
{
    uint32_t crc = crc32_of((const unsigned char *)content, len);
    uint32_t offset = (uint32_t)z->data.len;
    size_t nlen = strlen(name);
    /* Local file header; date 1980-01-01 so that archives are reproducible. */
    put32(&z->data, 0x04034b50);
    put16(&z->data, 10);
    put16(&z->data, 0);
    put16(&z->data, 0);
    put16(&z->data, 0);
    put16(&z->data, 0x21);
    put32(&z->data, crc);
    put32(&z->data, (uint32_t)len);
    put32(&z->data, (uint32_t)len);
    put16(&z->data, (unsigned)nlen);
    put16(&z->data, 0);
    sb_buf_add(&z->data, name, nlen);
    sb_buf_add(&z->data, content, len);
    put32(&z->central, 0x02014b50);
    put16(&z->central, 20);
    put16(&z->central, 10);
    put16(&z->central, 0);
    put16(&z->central, 0);
    put16(&z->central, 0);
    put16(&z->central, 0x21);
    put32(&z->central, crc);
    put32(&z->central, (uint32_t)len);
    put32(&z->central, (uint32_t)len);
    put16(&z->central, (unsigned)nlen);
    put16(&z->central, 0);
    put16(&z->central, 0);
    put16(&z->central, 0);
    put16(&z->central, 0);
    put32(&z->central, 0100644u << 16);
    put32(&z->central, offset);
    sb_buf_add(&z->central, name, nlen);
    z->count++;
}

static int add_dir(zip_state *z, const char *dir, const char *rel)
{
    DIR *dh = opendir(dir);
    if (!dh) return -1;
    sb_arena *a = sb_arena_new();
    sb_vec names = {0};
    struct dirent *ent;
    while ((ent = readdir(dh)))
        if (ent->d_name[0] != '.' && strcmp(ent->d_name, "__pycache__") != 0)
            sb_vec_push(a, &names, sb_arena_strdup(a, ent->d_name));
    closedir(dh);
    for (size_t i = 1; i < names.len; i++)
        for (size_t j = i; j > 0 && strcmp(names.items[j - 1], names.items[j]) > 0; j--) {
            void *t = names.items[j];
            names.items[j] = names.items[j - 1];
            names.items[j - 1] = t;
        }
    int rc = 0;
    for (size_t i = 0; i < names.len && rc == 0; i++) {
        const char *path = sb_arena_printf(a, "%s/%s", dir, (char *)names.items[i]);
        const char *r = sb_arena_printf(a, "%s/%s", rel, (char *)names.items[i]);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = add_dir(z, path, r);
        } else if (S_ISREG(st.st_mode) && !strstr(path, ".pyc")) {
            char *text = NULL;
            size_t len = 0;
            if (sb_read_file(path, &text, &len) != 0) {
                rc = -1;
                break;
            }
            add_entry(z, r, text, len);
            free(text);
        }
    }
    sb_arena_free(a);
    return rc;
}

int sb_fabric_zip_dir(const char *dir, const char *prefix, const char *out_path)
{
    zip_state z = {SB_BUF_INIT, SB_BUF_INIT, 0};
    int rc = add_dir(&z, dir, prefix);
    if (rc == 0) {
        uint32_t cd_offset = (uint32_t)z.data.len;
        sb_buf_add(&z.data, z.central.data ? z.central.data : "", z.central.len);
        put32(&z.data, 0x06054b50);
        put16(&z.data, 0);
        put16(&z.data, 0);
        put16(&z.data, z.count);
        put16(&z.data, z.count);
        put32(&z.data, (uint32_t)z.central.len);
        put32(&z.data, cd_offset);
        put16(&z.data, 0);
        rc = sb_write_file_atomic(out_path, z.data.data, z.data.len) == 0 ? 0 : -1;
    }
    sb_buf_free(&z.data);
    sb_buf_free(&z.central);
    return rc;
}
