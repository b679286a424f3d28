/*
 * partitions.c — the partition columns of a directory written with
 * partitionBy (`table/year=2024/country=FR/part-0.parquet`).
 *
 * Spark's file sources turn `name=value` directories into columns added
 * after the data columns (PartitioningUtils.parsePartitions):
 *
 *  - each leaf directory is read from the bottom up to the table's root;
 *    `name=value` segments are columns, and the first other segment above a
 *    column ends the walk (it must then be the same base for every leaf);
 *  - every partitioned leaf must have the same column names (ignoring case);
 *  - a value is int, bigint, decimal(p,0) (an integer too long for bigint),
 *    double, timestamp (yyyy-MM-dd HH:mm:ss[.S]), date (yyyy-MM-dd) or
 *    string, tried in that order; __HIVE_DEFAULT_PARTITION__ is a null;
 *  - the values of a column merge with findWiderTypeForPartitionColumn:
 *    findWiderTypeForTwo, except that double with bigint or decimal is a
 *    string (no precision is lost);
 *  - a data column with a partition column's name takes the partition
 *    column's type in place; the others are appended.
 */
#include "io/io_internal.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_PARTITION_NAME "__HIVE_DEFAULT_PARTITION__"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ExternalCatalogUtils.unescapePathName: %XX is the character U+00XX. */
static char *unescape(sb_arena *a, const char *s, size_t n)
{
    char *out = sb_arena_alloc(a, 2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            unsigned c = (unsigned)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            if (c < 0x80) {
                out[k++] = (char)c;
            } else {
                out[k++] = (char)(0xC0 | (c >> 6));
                out[k++] = (char)(0x80 | (c & 0x3F));
            }
            i += 2;
            continue;
        }
        out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

/* PartitioningUtils.inferPartitionColumnValue */
static const sb_type *infer_value(sb_arena *a, const char *raw, const sb_io_pattern *ts_pattern,
                                  const sb_io_pattern *date_pattern)
{
    size_t n = strlen(raw);
    if (sb_io_java_int(raw, n)) return sb_type_of(SB_T_INT);
    if (sb_io_java_long(raw, n)) return sb_type_of(SB_T_LONG);
    int precision;
    long scale;
    /* Decimal rejects a negative scale, so only integers qualify. */
    if (sb_io_java_bigdecimal(raw, n, &precision, &scale) && scale == 0 &&
        precision <= SB_DECIMAL_MAX_PRECISION)
        return sb_type_decimal(a, precision, 0);
    if (sb_io_java_double(raw, n)) return sb_type_of(SB_T_DOUBLE);
    const char *unescaped = unescape(a, raw, n);
    if (sb_io_pattern_match(ts_pattern, unescaped, strlen(unescaped)) &&
        sb_io_spark_timestamp(unescaped, strlen(unescaped), NULL, NULL))
        return sb_type_of(SB_T_TIMESTAMP);
    if (sb_io_pattern_match(date_pattern, raw, n)) return sb_type_of(SB_T_DATE);
    if (strcmp(raw, DEFAULT_PARTITION_NAME) == 0) return sb_type_of(SB_T_NULL);
    return sb_type_of(SB_T_STRING);
}

static bool is_numeric_kind(sb_type_kind k)
{
    return k == SB_T_BYTE || k == SB_T_SHORT || k == SB_T_INT || k == SB_T_LONG ||
           k == SB_T_FLOAT || k == SB_T_DOUBLE || k == SB_T_DECIMAL;
}

/* findWiderTypeForPartitionColumn over the atomic types values can have. */
static const sb_type *wider(sb_arena *a, const sb_type *x, const sb_type *y)
{
    const sb_type *str = sb_type_of(SB_T_STRING);
    if ((x->kind == SB_T_DOUBLE && (y->kind == SB_T_DECIMAL || y->kind == SB_T_LONG)) ||
        (y->kind == SB_T_DOUBLE && (x->kind == SB_T_DECIMAL || x->kind == SB_T_LONG)))
        return str;
    const sb_type *t = sb_io_tightest(a, x, y);
    if (t) return t;
    /* findWiderTypeForDecimal */
    if (is_numeric_kind(x->kind) && is_numeric_kind(y->kind) &&
        (x->kind == SB_T_DECIMAL || y->kind == SB_T_DECIMAL)) {
        if (x->kind == SB_T_DOUBLE || y->kind == SB_T_DOUBLE || x->kind == SB_T_FLOAT ||
            y->kind == SB_T_FLOAT)
            return sb_type_of(SB_T_DOUBLE);
        const sb_type *dx = sb_io_decimal_for(a, x), *dy = sb_io_decimal_for(a, y);
        int scale = dx->scale > dy->scale ? dx->scale : dy->scale;
        int rx = dx->precision - dx->scale, ry = dy->precision - dy->scale;
        int range = rx > ry ? rx : ry;
        int p = range + scale;
        if (p > SB_DECIMAL_MAX_PRECISION) {
            /* DecimalType.bounded */
            p = SB_DECIMAL_MAX_PRECISION;
            if (scale > p) scale = p;
        }
        return sb_type_decimal(a, p, scale);
    }
    return str; /* string promotion, or no common type: string */
}

typedef struct leaf {
    const char *dir;  /* relative directory of the files, "" for the root */
    const char *base; /* where the walk stopped */
    size_t ncols;
    const char **names;
    const char **values;
} leaf;

static bool parse_leaf(sb_arena *a, const char *rel, leaf *out, const char *name, sb_diags *d)
{
    /* Segments from the leaf upwards. */
    size_t nseg = 0;
    const char *segs[256];
    size_t lens[256];
    const char *p = rel;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (nseg == SB_COUNTOF(segs)) return true; /* too deep to be a table: no partitions */
        segs[nseg] = p;
        lens[nseg++] = len;
        p += len;
        if (*p == '/') p++;
    }
    out->dir = rel;
    out->ncols = 0;
    out->names = sb_arena_alloc(a, (nseg ? nseg : 1) * sizeof *out->names);
    out->values = sb_arena_alloc(a, (nseg ? nseg : 1) * sizeof *out->values);
    size_t stop = 0; /* segments [0, stop) are above the base */
    for (size_t k = nseg; k-- > 0;) {
        const char *eq = memchr(segs[k], '=', lens[k]);
        if (!eq) {
            if (out->ncols) {
                stop = k + 1;
                break;
            }
            continue;
        }
        size_t nl = (size_t)(eq - segs[k]);
        if (nl == 0 || nl + 1 == lens[k]) {
            sb_diags_add(d, SB_SEV_ERROR, "partition-directory",
                         "%s: empty partition column %s in the directory `%.*s`", name,
                         nl == 0 ? "name" : "value", (int)lens[k], segs[k]);
            return false;
        }
        out->names[out->ncols] = unescape(a, segs[k], nl);
        out->values[out->ncols] = sb_arena_strndup(a, eq + 1, lens[k] - nl - 1);
        out->ncols++;
    }
    /* Collected bottom-up; Spark lists them top-down. */
    for (size_t i = 0; i < out->ncols / 2; i++) {
        const char *t = out->names[i];
        out->names[i] = out->names[out->ncols - 1 - i];
        out->names[out->ncols - 1 - i] = t;
        t = out->values[i];
        out->values[i] = out->values[out->ncols - 1 - i];
        out->values[out->ncols - 1 - i] = t;
    }
    size_t blen = 0;
    for (size_t k = 0; k < stop; k++) blen = (size_t)(segs[k] - rel) + lens[k];
    out->base = out->ncols ? sb_arena_strndup(a, rel, blen) : rel;
    return true;
}

const sb_type *sb_io_partition_columns(sb_arena *a, const char *root, const char *const *files,
                                       size_t n, const char *name, sb_diags *d, bool *ok)
{
    *ok = true;
    size_t rl = strlen(root);
    leaf *leaves = sb_arena_alloc(a, (n ? n : 1) * sizeof *leaves);
    size_t nleaves = 0;
    const char *base = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(files[i], root, rl) != 0 || files[i][rl] != '/') continue;
        const char *rel = files[i] + rl + 1;
        const char *last = strrchr(rel, '/');
        char *dir = sb_arena_strndup(a, rel, last ? (size_t)(last - rel) : 0);
        if (nleaves && strcmp(leaves[nleaves - 1].dir, dir) == 0) continue;
        leaf l;
        if (!parse_leaf(a, dir, &l, name, d)) {
            *ok = false;
            return NULL;
        }
        if (l.ncols == 0) continue;
        if (base && strcmp(base, l.base) != 0) {
            sb_diags_add(d, SB_SEV_ERROR, "partition-directory",
                         "%s: conflicting directory structures: partition directories under "
                         "`%s` and `%s`",
                         name, base[0] ? base : ".", l.base[0] ? l.base : ".");
            *ok = false;
            return NULL;
        }
        base = l.base;
        leaves[nleaves++] = l;
    }
    if (nleaves == 0) return NULL;
    const leaf *first = &leaves[0];
    for (size_t i = 1; i < nleaves; i++) {
        bool same = leaves[i].ncols == first->ncols;
        for (size_t k = 0; same && k < first->ncols; k++)
            same = sb_io_name_ieq(leaves[i].names[k], first->names[k]);
        if (!same) {
            sb_diags_add(d, SB_SEV_ERROR, "partition-directory",
                         "%s: conflicting partition column names in `%s` and `%s`; every leaf "
                         "directory must have the same name=value levels",
                         name, first->dir, leaves[i].dir);
            *ok = false;
            return NULL;
        }
    }
    const char *err;
    sb_io_pattern *ts = sb_io_pattern_compile(a, "yyyy-MM-dd HH:mm:ss[.SSSSSSSSS]", &err);
    sb_io_pattern *date = sb_io_pattern_compile(a, "yyyy-MM-dd", &err);
    sb_field *f = sb_arena_alloc(a, first->ncols * sizeof *f);
    for (size_t k = 0; k < first->ncols; k++) {
        const sb_type *t = NULL;
        for (size_t i = 0; i < nleaves; i++) {
            const sb_type *v = infer_value(a, leaves[i].values[k], ts, date);
            t = t ? wider(a, t, v) : v;
        }
        f[k].name = first->names[k];
        f[k].type = t;
        f[k].nullable = true;
    }
    return sb_type_struct(a, f, first->ncols);
}

const sb_type *sb_io_add_partition_columns(sb_arena *a, const sb_type *data, const sb_type *parts)
{
    if (!parts || parts->nfields == 0) return data;
    sb_field *f = sb_arena_alloc(a, (data->nfields + parts->nfields) * sizeof *f);
    bool *used = sb_arena_alloc(a, parts->nfields * sizeof *used);
    size_t n = 0;
    for (size_t i = 0; i < data->nfields; i++) {
        f[n] = data->fields[i];
        for (size_t k = 0; k < parts->nfields; k++) {
            if (sb_io_name_ieq(data->fields[i].name, parts->fields[k].name)) {
                f[n] = parts->fields[k];
                used[k] = true;
                break;
            }
        }
        n++;
    }
    for (size_t k = 0; k < parts->nfields; k++)
        if (!used[k]) f[n++] = parts->fields[k];
    return sb_type_struct(a, f, n);
}
