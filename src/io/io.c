/*
 * io.c — the entry point of schema inference: options, files and text.
 *
 * sb_io_infer_schema turns a path into data the format readers can sample:
 * it lists the part files of a directory as Spark does, reads a bounded
 * prefix of each text file (decoded to UTF-8), reads only the footer of a
 * Parquet file, and hands them to csv_infer.c, json_infer.c or
 * parquet_footer.c. Every failure becomes a diagnostic that names the file.
 */
#include "io/io_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- options ------------------------------------------------------------- */

int sb_io_options_set(sb_io_options *o, sb_arena *a, const char *key, const char *value)
{
    static const struct {
        const char *name;
        size_t offset;
    } names[] = {
        {"header", offsetof(sb_io_options, header)},
        {"sep", offsetof(sb_io_options, sep)},
        {"delimiter", offsetof(sb_io_options, sep)},
        {"quote", offsetof(sb_io_options, quote)},
        {"escape", offsetof(sb_io_options, escape)},
        {"comment", offsetof(sb_io_options, comment)},
        {"nullValue", offsetof(sb_io_options, null_value)},
        {"nanValue", offsetof(sb_io_options, nan_value)},
        {"positiveInf", offsetof(sb_io_options, positive_inf)},
        {"negativeInf", offsetof(sb_io_options, negative_inf)},
        {"inferSchema", offsetof(sb_io_options, infer_schema)},
        {"preferDate", offsetof(sb_io_options, prefer_date)},
        {"ignoreLeadingWhiteSpace", offsetof(sb_io_options, ignore_leading_white_space)},
        {"ignoreTrailingWhiteSpace", offsetof(sb_io_options, ignore_trailing_white_space)},
        {"dateFormat", offsetof(sb_io_options, date_format)},
        {"timestampFormat", offsetof(sb_io_options, timestamp_format)},
        {"multiLine", offsetof(sb_io_options, multi_line)},
        {"encoding", offsetof(sb_io_options, encoding)},
        {"charset", offsetof(sb_io_options, encoding)},
        {"samplingRatio", offsetof(sb_io_options, sampling_ratio)},
        {"mode", offsetof(sb_io_options, mode)},
        {"columnNameOfCorruptRecord", offsetof(sb_io_options, column_name_of_corrupt_record)},
        {"prefersDecimal", offsetof(sb_io_options, prefers_decimal)},
        {"primitivesAsString", offsetof(sb_io_options, primitives_as_string)},
        {"inferTimestamp", offsetof(sb_io_options, infer_timestamp)},
        {"dropFieldIfAllNull", offsetof(sb_io_options, drop_field_if_all_null)},
        {"mergeSchema", offsetof(sb_io_options, merge_schema)},
    };
    for (size_t i = 0; i < SB_COUNTOF(names); i++) {
        if (sb_str_ieq(key, names[i].name)) {
            const char **slot = (const char **)((char *)o + names[i].offset);
            *slot = value ? sb_arena_strdup(a, value) : NULL;
            return 0;
        }
    }
    return -1;
}

bool sb_io_opt_bool(const char *value, bool dflt, const char *option, const char *name, sb_diags *d,
                    bool *ok)
{
    if (!value) return dflt;
    if (sb_str_ieq(value, "true")) return true;
    if (sb_str_ieq(value, "false")) return false;
    sb_diags_add(d, SB_SEV_ERROR, "bad-option", "%s: option %s must be true or false, not \"%s\"",
                 name, option, value);
    *ok = false;
    return dflt;
}

/* ---- text decoding -------------------------------------------------------- */

/* Length of the maximal invalid subpart at s (at least 1 byte). */
static size_t invalid_subpart(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 1;
    }
    size_t i = 1;
    if (i < n && s[i] >= lo && s[i] <= hi) {
        i++;
        while (i <= need && i < n && (s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

static const uint16_t CP1252[32] = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

static bool enc_is(const char *enc, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sb_str_ieq(enc, names[i])) return true;
    return false;
}

bool sb_io_decode_text(sb_arena *a, const char *data, size_t len, const char *encoding, bool repair,
                       const char *name, sb_diags *d, sb_io_text *out)
{
    static const char *const utf8[] = {"UTF-8", "UTF8"};
    static const char *const latin1[] = {"ISO-8859-1", "ISO8859-1", "ISO8859_1", "ISO_8859_1",
                                         "latin1",     "l1",        "8859_1",    "ISO-LATIN-1"};
    static const char *const ascii[] = {"US-ASCII", "ASCII", "ASCII7", "646"};
    static const char *const cp1252[] = {"windows-1252", "cp1252"};
    static const char *const u16[] = {"UTF-16", "UTF16", "UTF_16"};
    static const char *const u16le[] = {"UTF-16LE", "UTF16LE", "UTF_16LE", "UnicodeLittleUnmarked"};
    static const char *const u16be[] = {"UTF-16BE", "UTF16BE", "UTF_16BE", "UnicodeBigUnmarked"};
    const unsigned char *s = (const unsigned char *)data;
    sb_buf b = SB_BUF_INIT;
    size_t bad_line = 0, bad = 0;

    memset(out, 0, sizeof *out);
    if (!encoding || enc_is(encoding, utf8, SB_COUNTOF(utf8))) {
        size_t i = 0, line = 1;
        if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) i = 3;
        size_t valid = sb_utf8_valid_prefix(data + i, len - i);
        if (valid == len - i || !repair) {
            out->data = data + i; /* nothing to convert: no copy */
            out->len = len - i;
            return true;
        }
        while (i < len) {
            size_t ok = sb_utf8_valid_prefix(data + i, len - i);
            for (size_t k = 0; k < ok; k++)
                if (data[i + k] == '\n') line++;
            sb_buf_add(&b, data + i, ok);
            i += ok;
            if (i >= len) break;
            if (!bad) bad_line = line;
            bad++;
            sb_buf_put_utf8(&b, 0xFFFD);
            i += invalid_subpart(s + i, len - i);
        }
    } else if (enc_is(encoding, latin1, SB_COUNTOF(latin1)) ||
               enc_is(encoding, ascii, SB_COUNTOF(ascii)) ||
               enc_is(encoding, cp1252, SB_COUNTOF(cp1252))) {
        bool is_ascii = enc_is(encoding, ascii, SB_COUNTOF(ascii));
        bool is_1252 = enc_is(encoding, cp1252, SB_COUNTOF(cp1252));
        for (size_t i = 0; i < len; i++) {
            uint32_t cp = s[i];
            if (cp >= 0x80 && is_ascii)
                cp = 0xFFFD, bad++;
            else if (cp >= 0x80 && cp < 0xA0 && is_1252)
                cp = CP1252[cp - 0x80];
            sb_buf_put_utf8(&b, cp);
        }
    } else if (enc_is(encoding, u16, SB_COUNTOF(u16)) ||
               enc_is(encoding, u16le, SB_COUNTOF(u16le)) ||
               enc_is(encoding, u16be, SB_COUNTOF(u16be))) {
        bool le = enc_is(encoding, u16le, SB_COUNTOF(u16le));
        size_t i = 0;
        if (enc_is(encoding, u16, SB_COUNTOF(u16)) && len >= 2) {
            if (s[0] == 0xFF && s[1] == 0xFE)
                le = true, i = 2;
            else if (s[0] == 0xFE && s[1] == 0xFF)
                i = 2;
        }
        for (; i + 1 < len; i += 2) {
            uint32_t u =
                le ? (uint32_t)(s[i] | (s[i + 1] << 8)) : (uint32_t)((s[i] << 8) | s[i + 1]);
            if (u >= 0xD800 && u < 0xDC00 && i + 3 < len) {
                uint32_t v = le ? (uint32_t)(s[i + 2] | (s[i + 3] << 8))
                                : (uint32_t)((s[i + 2] << 8) | s[i + 3]);
                if (v >= 0xDC00 && v < 0xE000) {
                    sb_buf_put_utf8(&b, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                    i += 2;
                    continue;
                }
            }
            if (u >= 0xD800 && u < 0xE000) u = 0xFFFD, bad++;
            sb_buf_put_utf8(&b, u);
        }
        if (i < len) sb_buf_put_utf8(&b, 0xFFFD), bad++;
    } else {
        sb_diag *g = sb_diags_add(d, SB_SEV_ERROR, "unsupported-encoding",
                                  "%s: sibyl cannot read the encoding \"%s\"", name, encoding);
        sb_diag_set_hint(d, g,
                         "supported: UTF-8, UTF-16, UTF-16LE, UTF-16BE, ISO-8859-1, US-ASCII, "
                         "windows-1252");
        return false;
    }
    size_t start = 0;
    if (b.len >= 3 && (unsigned char)b.data[0] == 0xEF && (unsigned char)b.data[1] == 0xBB &&
        (unsigned char)b.data[2] == 0xBF)
        start = 3;
    out->data = sb_arena_strndup(a, sb_buf_str(&b) + start, b.len - start);
    out->len = b.len - start;
    out->invalid = bad;
    out->invalid_line = bad ? (bad_line ? bad_line : 1) : 0;
    sb_buf_free(&b);
    return true;
}

bool sb_io_encoding_is_utf16(const char *encoding)
{
    return encoding &&
           (sb_str_ieq(encoding, "UTF-16") || sb_str_ieq(encoding, "UTF16") ||
            sb_str_ieq(encoding, "UTF_16") || sb_str_ieq(encoding, "UTF-16LE") ||
            sb_str_ieq(encoding, "UTF16LE") || sb_str_ieq(encoding, "UTF_16LE") ||
            sb_str_ieq(encoding, "UTF-16BE") || sb_str_ieq(encoding, "UTF16BE") ||
            sb_str_ieq(encoding, "UTF_16BE") || sb_str_ieq(encoding, "UnicodeLittleUnmarked") ||
            sb_str_ieq(encoding, "UnicodeBigUnmarked"));
}

void sb_io_warn_invalid(sb_diags *d, const char *name, size_t line, size_t count)
{
    if (!count) return;
    sb_diags_add(d, SB_SEV_WARNING, "invalid-encoding",
                 "%s: line %zu is not valid in its encoding; %zu invalid byte sequence%s read "
                 "as U+FFFD, as Spark reads them",
                 name, line, count, count == 1 ? "" : "s");
}

/* ---- files ------------------------------------------------------------------- */

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Spark's InMemoryFileIndex leaves out names starting with '_' (unless they
 * hold '=', a partition directory) or '.', and files being copied. */
static bool hidden_name(const char *n)
{
    size_t len = strlen(n);
    if (n[0] == '.') return true;
    if (n[0] == '_' && !strchr(n, '=')) return true;
    return len >= 10 && strcmp(n + len - 10, "._COPYING_") == 0;
}

static void walk(sb_arena *a, const char *dir, int depth, sb_vec *files)
{
    if (depth > 32 || files->len > 100000) return;
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (hidden_name(e->d_name)) continue;
        char *p = sb_arena_printf(a, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            walk(a, p, depth + 1, files);
        } else if (S_ISREG(st.st_mode)) {
            sb_vec_push(a, files, p);
        }
    }
    closedir(dh);
}

size_t sb_io_list_files(sb_arena *a, const char *path, const char ***out, sb_diags *d)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: %s", path, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        const char **one = sb_arena_alloc(a, sizeof *one);
        one[0] = path;
        *out = one;
        return 1;
    }
    sb_vec files = {0};
    size_t plen = strlen(path);
    char *root = sb_arena_strdup(a, path);
    while (plen > 1 && root[plen - 1] == '/') root[--plen] = '\0';
    walk(a, root, 0, &files);
    if (files.len == 0) {
        sb_diags_add(d, SB_SEV_ERROR, "no-data-files",
                     "%s: the directory holds no data files to infer a schema from", path);
        return 0;
    }
    qsort(files.items, files.len, sizeof(void *), cmp_str);
    *out = (const char **)files.items;
    return files.len;
}

/* Read at most `cap` bytes from the start of a file. */
static bool read_prefix(sb_arena *a, const char *path, size_t cap, char **data, size_t *len,
                        bool *truncated, sb_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    sb_buf b = SB_BUF_INIT;
    char chunk[65536];
    size_t n;
    *truncated = false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > cap) {
            sb_buf_add(&b, chunk, cap - b.len);
            *truncated = true;
            break;
        }
        sb_buf_add(&b, chunk, n);
    }
    bool err = ferror(f);
    int e = errno;
    fclose(f);
    if (err) {
        sb_buf_free(&b);
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: %s", path, strerror(e));
        return false;
    }
    if (*truncated) {
        /* Keep whole lines only. */
        while (b.len && b.data[b.len - 1] != '\n') b.len--;
    }
    *data = sb_arena_strndup(a, sb_buf_str(&b), b.len);
    *len = b.len;
    sb_buf_free(&b);
    return true;
}

/* The end of a Parquet file: the footer, its length and the magic. */
static bool read_parquet_tail(sb_arena *a, const char *path, unsigned char **out, size_t *len,
                              sb_diags *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: %s", path, strerror(errno));
        close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    if (size < 12) {
        sb_diags_add(d, SB_SEV_ERROR, "not-parquet",
                     "%s: not a Parquet file (%zu bytes is too short for a footer)", path, size);
        close(fd);
        return false;
    }
    unsigned char end[8];
    if (pread(fd, end, 8, (off_t)(size - 8)) != 8) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: short read", path);
        close(fd);
        return false;
    }
    uint32_t mlen = (uint32_t)end[0] | ((uint32_t)end[1] << 8) | ((uint32_t)end[2] << 16) |
                    ((uint32_t)end[3] << 24);
    size_t want = 8;
    /* A bad length is diagnosed by the footer decoder; read what exists. */
    if (memcmp(end + 4, "PAR1", 4) == 0 && (size_t)mlen <= size - 8 && mlen <= (256u << 20))
        want = (size_t)mlen + 8;
    unsigned char *buf = sb_arena_alloc(a, want);
    ssize_t got = pread(fd, buf, want, (off_t)(size - want));
    close(fd);
    if (got != (ssize_t)want) {
        sb_diags_add(d, SB_SEV_ERROR, "cannot-read", "cannot read %s: short read", path);
        return false;
    }
    *out = buf;
    *len = want;
    return true;
}

/* StructType.merge for Parquet's mergeSchema. */
static const sb_type *merge_struct(sb_arena *a, const sb_type *x, const sb_type *y, bool *ok);

static const sb_type *merge_type(sb_arena *a, const sb_type *x, const sb_type *y, bool *ok)
{
    if (x->kind == SB_T_STRUCT && y->kind == SB_T_STRUCT) return merge_struct(a, x, y, ok);
    if (x->kind == SB_T_ARRAY && y->kind == SB_T_ARRAY)
        return sb_type_array(a, merge_type(a, x->elem, y->elem, ok),
                             x->contains_null || y->contains_null);
    if (x->kind == SB_T_MAP && y->kind == SB_T_MAP)
        return sb_type_map(a, merge_type(a, x->key, y->key, ok),
                           merge_type(a, x->value, y->value, ok),
                           x->contains_null || y->contains_null);
    if (!sb_io_type_eq(x, y)) *ok = false;
    return x;
}

static const sb_type *merge_struct(sb_arena *a, const sb_type *x, const sb_type *y, bool *ok)
{
    size_t n = x->nfields;
    sb_field *f = sb_arena_alloc(a, (x->nfields + y->nfields + 1) * sizeof *f);
    for (size_t i = 0; i < x->nfields; i++) {
        f[i] = x->fields[i];
        for (size_t j = 0; j < y->nfields; j++) {
            if (strcmp(x->fields[i].name, y->fields[j].name) == 0) {
                f[i].type = merge_type(a, x->fields[i].type, y->fields[j].type, ok);
                f[i].nullable = x->fields[i].nullable || y->fields[j].nullable;
            }
        }
    }
    for (size_t j = 0; j < y->nfields; j++) {
        bool seen = false;
        for (size_t i = 0; i < x->nfields && !seen; i++)
            seen = strcmp(x->fields[i].name, y->fields[j].name) == 0;
        if (!seen) {
            f[n] = y->fields[j];
            f[n++].nullable = true;
        }
    }
    return sb_type_struct(a, f, n);
}

typedef struct sized_path {
    const char *path;
    size_t size;
} sized_path;

static int cmp_size_desc(const void *x, const void *y)
{
    const sized_path *p = x, *q = y;
    if (p->size != q->size) return p->size > q->size ? -1 : 1;
    return strcmp(p->path, q->path);
}

/* The data columns: one Parquet footer (all of them with mergeSchema), or a
 * sample of the text of every file. */
static const sb_type *infer_data(sb_arena *a, bool csv, bool json, const char **files,
                                 size_t nfiles, const char *path, const sb_io_options *opts,
                                 size_t max_rows, sb_diags *d)
{
    if (!csv && !json) {
        bool ok = true;
        bool merge = sb_io_opt_bool(opts->merge_schema, false, "mergeSchema", path, d, &ok);
        if (!ok) return NULL;
        /* Spark reads one footer (the first part file) unless asked to merge. */
        size_t use = merge ? nfiles : 1;
        const sb_type *schema = NULL;
        for (size_t i = 0; i < use; i++) {
            unsigned char *tail;
            size_t len;
            if (!read_parquet_tail(a, files[i], &tail, &len, d)) return NULL;
            const sb_type *t = sb_io_parquet_schema(a, tail, len, files[i], d);
            if (!t) return NULL;
            if (!schema) {
                schema = t;
                continue;
            }
            bool same = true;
            schema = merge_struct(a, schema, t, &same);
            if (!same) {
                sb_diags_add(d, SB_SEV_ERROR, "merge-schema",
                             "%s: cannot merge the schema of %s with the other part files "
                             "(a column has different types)",
                             path, files[i]);
                return NULL;
            }
        }
        return schema ? sb_io_as_nullable(a, schema) : NULL;
    }

    /* Spark plans text files largest first; the first line it meets (the
     * header) comes from the largest file. */
    sized_path *sp = sb_arena_alloc(a, nfiles * sizeof *sp);
    for (size_t i = 0; i < nfiles; i++) {
        struct stat st;
        sp[i].path = files[i];
        sp[i].size = stat(files[i], &st) == 0 ? (size_t)st.st_size : 0;
    }
    if (nfiles > 1) qsort(sp, nfiles, sizeof *sp, cmp_size_desc);
    sb_io_input *in = sb_arena_alloc(a, nfiles * sizeof *in);
    size_t budget = SB_IO_MAX_SAMPLE_BYTES, nin = 0;
    for (size_t i = 0; i < nfiles && budget > 0; i++) {
        bool truncated;
        char *data;
        size_t len;
        if (!read_prefix(a, sp[i].path, budget, &data, &len, &truncated, d)) return NULL;
        budget -= len;
        in[nin].name = sp[i].path;
        in[nin].data = data;
        in[nin].len = len;
        nin++;
        if (truncated) {
            sb_diags_add(d, SB_SEV_NOTE, "sampled",
                         "%s: the schema is inferred from the first %zu MiB of the data", path,
                         SB_IO_MAX_SAMPLE_BYTES >> 20);
            break;
        }
    }
    if (csv) return sb_io_csv_infer_inputs(a, in, nin, opts, max_rows, path, d);
    return sb_io_json_infer_inputs(a, in, nin, opts, max_rows, path, d);
}

const sb_type *sb_io_infer_schema(sb_arena *a, const char *format, const char *path,
                                  const sb_io_options *opts, size_t max_rows, sb_diags *d)
{
    static const sb_io_options none;
    if (!opts) opts = &none;
    bool csv = sb_str_ieq(format, "csv"), json = sb_str_ieq(format, "json"),
         parquet = sb_str_ieq(format, "parquet");
    if (!csv && !json && !parquet) {
        sb_diags_add(d, SB_SEV_ERROR, "unsupported-format",
                     "%s: sibyl cannot infer the schema of format \"%s\"", path, format);
        return NULL;
    }
    const char **files;
    size_t nfiles = sb_io_list_files(a, path, &files, d);
    if (nfiles == 0) return NULL;
    const sb_type *parts = NULL;
    struct stat pst;
    if (stat(path, &pst) == 0 && S_ISDIR(pst.st_mode)) {
        char *root = sb_arena_strdup(a, path);
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/') root[--rl] = '\0';
        bool ok;
        parts = sb_io_partition_columns(a, root, files, nfiles, path, d, &ok);
        if (!ok) return NULL;
    }
    const sb_type *data = infer_data(a, csv, json, files, nfiles, path, opts, max_rows, d);
    if (!data) return NULL;
    return sb_io_add_partition_columns(a, data, parts);
}
