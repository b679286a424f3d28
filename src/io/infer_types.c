/*
 * infer_types.c — merging the types seen in different records, as Spark's
 * schema inference does.
 *
 * CSV and JSON inference both start from TypeCoercion.findTightestCommonType
 * and add their own rules on top (in csv_infer.c and json_infer.c). The
 * functions here are the shared part: exact type equality (Scala's == on
 * DataType), the tightest common type, decimal widening, asNullable, and the
 * duplicate-column check Spark runs on every inferred schema.
 */
#include "io/io_internal.h"

#include <ctype.h>
#include <string.h>

bool sb_io_type_eq(const sb_type *x, const sb_type *y)
{
    if (x == y) return true;
    if (!x || !y || x->kind != y->kind) return false;
    switch (x->kind) {
    case SB_T_DECIMAL:
        return x->precision == y->precision && x->scale == y->scale;
    case SB_T_INTERVAL_DT:
    case SB_T_INTERVAL_YM:
        return x->precision == y->precision && x->scale == y->scale;
    case SB_T_ARRAY:
        return x->contains_null == y->contains_null && sb_io_type_eq(x->elem, y->elem);
    case SB_T_MAP:
        return x->contains_null == y->contains_null && sb_io_type_eq(x->key, y->key) &&
               sb_io_type_eq(x->value, y->value);
    case SB_T_STRUCT:
        if (x->nfields != y->nfields) return false;
        for (size_t i = 0; i < x->nfields; i++) {
            if (strcmp(x->fields[i].name, y->fields[i].name) != 0 ||
                x->fields[i].nullable != y->fields[i].nullable ||
                !sb_io_type_eq(x->fields[i].type, y->fields[i].type))
                return false;
        }
        return true;
    default:
        return true;
    }
}

static int integral_rank(sb_type_kind k)
{
    switch (k) {
    case SB_T_BYTE:
        return 1;
    case SB_T_SHORT:
        return 2;
    case SB_T_INT:
        return 3;
    case SB_T_LONG:
        return 4;
    case SB_T_FLOAT:
        return 5;
    case SB_T_DOUBLE:
        return 6;
    default:
        return 0;
    }
}

static bool is_integral(const sb_type *t)
{
    return t->kind == SB_T_BYTE || t->kind == SB_T_SHORT || t->kind == SB_T_INT ||
           t->kind == SB_T_LONG;
}

const sb_type *sb_io_decimal_for(sb_arena *a, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_BYTE:
        return sb_type_decimal(a, 3, 0);
    case SB_T_SHORT:
        return sb_type_decimal(a, 5, 0);
    case SB_T_INT:
        return sb_type_decimal(a, 10, 0);
    case SB_T_LONG:
        return sb_type_decimal(a, 20, 0);
    default:
        return t;
    }
}

/* DecimalType.isWiderThan */
static bool decimal_wider(const sb_type *d, const sb_type *other)
{
    int op = 0, os = 0;
    if (other->kind == SB_T_DECIMAL) {
        op = other->precision, os = other->scale;
    } else if (is_integral(other)) {
        static const int digits[] = {0, 3, 5, 10, 20};
        op = digits[integral_rank(other->kind)];
    } else {
        return false;
    }
    return (d->precision - d->scale) >= (op - os) && d->scale >= os;
}

const sb_type *sb_io_merge_decimals(sb_arena *a, const sb_type *x, const sb_type *y)
{
    int scale = x->scale > y->scale ? x->scale : y->scale;
    int rx = x->precision - x->scale, ry = y->precision - y->scale;
    int range = rx > ry ? rx : ry;
    if (range + scale > SB_DECIMAL_MAX_PRECISION) return sb_type_of(SB_T_DOUBLE);
    return sb_type_decimal(a, range + scale, scale);
}

const sb_type *sb_io_tightest(sb_arena *a, const sb_type *x, const sb_type *y)
{
    if (sb_io_type_eq(x, y)) return x;
    if (x->kind == SB_T_NULL) return y;
    if (y->kind == SB_T_NULL) return x;
    if (is_integral(x) && y->kind == SB_T_DECIMAL && decimal_wider(y, x)) return y;
    if (x->kind == SB_T_DECIMAL && is_integral(y) && decimal_wider(x, y)) return x;
    int rx = integral_rank(x->kind), ry = integral_rank(y->kind);
    if (rx && ry) return rx >= ry ? x : y;
    /* findWiderDateTimeType */
    bool dx = x->kind == SB_T_DATE || x->kind == SB_T_TIMESTAMP || x->kind == SB_T_TIMESTAMP_NTZ;
    bool dy = y->kind == SB_T_DATE || y->kind == SB_T_TIMESTAMP || y->kind == SB_T_TIMESTAMP_NTZ;
    if (dx && dy) {
        if (x->kind == SB_T_TIMESTAMP || y->kind == SB_T_TIMESTAMP)
            return sb_type_of(SB_T_TIMESTAMP);
        return sb_type_of(SB_T_TIMESTAMP_NTZ);
    }
    /* findTypeForComplex */
    if (x->kind == SB_T_ARRAY && y->kind == SB_T_ARRAY) {
        const sb_type *e = sb_io_tightest(a, x->elem, y->elem);
        return e ? sb_type_array(a, e, x->contains_null || y->contains_null) : NULL;
    }
    if (x->kind == SB_T_MAP && y->kind == SB_T_MAP) {
        const sb_type *k = sb_io_tightest(a, x->key, y->key);
        const sb_type *v = k ? sb_io_tightest(a, x->value, y->value) : NULL;
        return v ? sb_type_map(a, k, v, x->contains_null || y->contains_null) : NULL;
    }
    if (x->kind == SB_T_STRUCT && y->kind == SB_T_STRUCT && x->nfields == y->nfields) {
        sb_field *f = sb_arena_alloc(a, (x->nfields ? x->nfields : 1) * sizeof *f);
        for (size_t i = 0; i < x->nfields; i++) {
            /* Spark's default resolver compares names case-insensitively. */
            if (!sb_io_name_ieq(x->fields[i].name, y->fields[i].name)) return NULL;
            const sb_type *t = sb_io_tightest(a, x->fields[i].type, y->fields[i].type);
            if (!t) return NULL;
            f[i].name = x->fields[i].name;
            f[i].type = t;
            f[i].nullable = x->fields[i].nullable || y->fields[i].nullable;
        }
        return sb_type_struct(a, f, x->nfields);
    }
    return NULL;
}

const sb_type *sb_io_as_nullable(sb_arena *a, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_ARRAY:
        return sb_type_array(a, sb_io_as_nullable(a, t->elem), true);
    case SB_T_MAP:
        return sb_type_map(a, sb_io_as_nullable(a, t->key), sb_io_as_nullable(a, t->value), true);
    case SB_T_STRUCT: {
        sb_field *f = sb_arena_alloc(a, (t->nfields ? t->nfields : 1) * sizeof *f);
        for (size_t i = 0; i < t->nfields; i++) {
            f[i].name = t->fields[i].name;
            f[i].type = sb_io_as_nullable(a, t->fields[i].type);
            f[i].nullable = true;
        }
        return sb_type_struct(a, f, t->nfields);
    }
    default:
        return t;
    }
}

/* ---- names ---------------------------------------------------------------- */

/* Next code point of a UTF-8 string (invalid bytes count as themselves). */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int len = 1;
    if (c >= 0xF0 && c < 0xF8 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
        (s[3] & 0xC0) == 0x80) {
        c = ((c & 0x07) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
        len = 4;
    } else if (c >= 0xE0 && c < 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        c = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        len = 3;
    } else if (c >= 0xC0 && c < 0xE0 && (s[1] & 0xC0) == 0x80) {
        c = ((c & 0x1F) << 6) | (s[1] & 0x3Fu);
        len = 2;
    }
    *p = s + len;
    return c;
}

int sb_io_utf16_cmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    uint16_t pend = 0, qend = 0; /* pending low surrogates */
    for (;;) {
        uint32_t x, y;
        if (pend)
            x = pend, pend = 0;
        else if (!*p)
            x = UINT32_MAX;
        else {
            x = next_cp(&p);
            if (x > 0xFFFF) {
                pend = (uint16_t)(0xDC00 + ((x - 0x10000) & 0x3FF));
                x = 0xD800 + ((x - 0x10000) >> 10);
            }
        }
        if (qend)
            y = qend, qend = 0;
        else if (!*q)
            y = UINT32_MAX;
        else {
            y = next_cp(&q);
            if (y > 0xFFFF) {
                qend = (uint16_t)(0xDC00 + ((y - 0x10000) & 0x3FF));
                y = 0xD800 + ((y - 0x10000) >> 10);
            }
        }
        if (x == UINT32_MAX || y == UINT32_MAX) {
            if (x == y) return 0;
            return x == UINT32_MAX ? -1 : 1;
        }
        if (x != y) return x < y ? -1 : 1;
    }
}

bool sb_io_name_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x < 0x80) x = (unsigned char)tolower(x);
        if (y < 0x80) y = (unsigned char)tolower(y);
        if (x != y) return false;
        if (!x) return true;
    }
}

static bool check_dups(const sb_type *t, const char *name, sb_diags *d)
{
    switch (t->kind) {
    case SB_T_ARRAY:
        return check_dups(t->elem, name, d);
    case SB_T_MAP:
        return check_dups(t->key, name, d) && check_dups(t->value, name, d);
    case SB_T_STRUCT:
        for (size_t i = 0; i < t->nfields; i++) {
            for (size_t j = 0; j < i; j++) {
                if (sb_io_name_ieq(t->fields[i].name, t->fields[j].name)) {
                    sb_diag *g = sb_diags_add(
                        d, SB_SEV_ERROR, "duplicate-column",
                        "%s: the inferred schema has the column `%s` twice (as `%s` and `%s`); "
                        "Spark fails with COLUMN_ALREADY_EXISTS",
                        name, t->fields[i].name, t->fields[j].name, t->fields[i].name);
                    sb_diag_set_hint(d, g, "declare the schema of this source explicitly");
                    return false;
                }
            }
            if (!check_dups(t->fields[i].type, name, d)) return false;
        }
        return true;
    default:
        return true;
    }
}

bool sb_io_check_duplicates(const sb_type *t, const char *name, sb_diags *d)
{
    return check_dups(t, name, d);
}
