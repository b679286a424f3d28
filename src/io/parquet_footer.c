/*
 * parquet_footer.c — a Parquet file's schema as Spark 3.5 reads it.
 *
 * The footer sits at the end of the file: FileMetaData (Thrift compact
 * protocol), its length as 4 little-endian bytes, then "PAR1". Its `schema`
 * is the schema tree flattened depth-first (SchemaElement: name, physical
 * type, repetition, number of children, converted type, logical type).
 *
 * Spark (ParquetFileFormat.readSchemaFromFooter) uses the Spark schema a
 * Spark writer keeps in the footer's key/value metadata
 * (org.apache.spark.sql.parquet.row.metadata) when there is one, and
 * otherwise converts the Parquet schema with ParquetToSparkSchemaConverter:
 *
 *   BOOLEAN boolean, FLOAT float, DOUBLE double, INT96 timestamp;
 *   INT32: int, INT(8/16) tinyint/smallint, unsigned INT(8/16/32)
 *          smallint/int/bigint, DATE date, DECIMAL decimal(p<=9,s);
 *   INT64: bigint, unsigned INT(64) decimal(20,0), DECIMAL decimal(p<=18,s),
 *          TIMESTAMP(MILLIS|MICROS) timestamp (UTC-adjusted) or timestamp_ntz;
 *   BYTE_ARRAY: STRING/ENUM/JSON string, DECIMAL decimal, else binary;
 *   FIXED_LEN_BYTE_ARRAY: DECIMAL decimal, else binary;
 *   LIST groups array (3-level, and the legacy 2-level forms), MAP and
 *   MAP_KEY_VALUE groups map, other groups struct; a REPEATED field outside
 *   a LIST or MAP is a non-null array of non-null elements; REQUIRED fields
 *   are not nullable, OPTIONAL ones are.
 *
 * Annotations are resolved as parquet-mr does: the logical type, unless a
 * converted type is present and disagrees with it. Types Spark 3.5 rejects
 * (TIME, TIMESTAMP(NANOS), INTERVAL, UUID, FLOAT16...) are errors here too.
 *
 * All of it is bounds-checked: a truncated or corrupt footer is a
 * diagnostic, never a crash (fuzz/fuzz_io_infer.c feeds it arbitrary bytes).
 */
#include "io/io_internal.h"
#include "io/thrift_compact.h"
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SPARK_SCHEMA_KEY "org.apache.spark.sql.parquet.row.metadata"
#define MAX_SCHEMA_ELEMENTS 1000000

/* Physical types */
enum {
    P_BOOLEAN,
    P_INT32,
    P_INT64,
    P_INT96,
    P_FLOAT,
    P_DOUBLE,
    P_BYTE_ARRAY,
    P_FIXED,
    P_NONE = -1
};
/* Repetition */
enum { R_REQUIRED, R_OPTIONAL, R_REPEATED };

/* Logical type annotations (LogicalTypeAnnotation in parquet-mr). */
typedef enum {
    A_NONE,
    A_STRING,
    A_MAP,
    A_MAP_KEY_VALUE,
    A_LIST,
    A_ENUM,
    A_DECIMAL,
    A_DATE,
    A_TIME,
    A_TIMESTAMP,
    A_INT,
    A_JSON,
    A_BSON,
    A_UUID,
    A_INTERVAL,
} ann_kind;

enum { U_MILLIS, U_MICROS, U_NANOS };

typedef struct ann {
    ann_kind kind;
    int precision, scale; /* decimal */
    bool utc;             /* time / timestamp isAdjustedToUTC */
    int unit;             /* time / timestamp */
    int bits;             /* int */
    bool is_signed;       /* int */
} ann;

typedef struct selem {
    const char *name;
    int type; /* P_* */
    int type_length;
    int repetition; /* -1 unset */
    int num_children;
    bool has_children;
    int converted; /* -1 unset */
    int scale, precision;
    bool has_logical;
    ann logical; /* A_NONE for UNKNOWN */
} selem;

typedef struct footer {
    selem *elems;
    size_t n;
    const char *spark_schema; /* JSON, or NULL */
    size_t spark_schema_len;
} footer;

/* ---- decoding FileMetaData ------------------------------------------------ */

static int read_time_unit(tc_reader *r)
{
    int unit = -1;
    if (!tc_struct_begin(r)) return -1;
    int16_t last = 0;
    tc_field f;
    while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
        if (f.type == TC_STRUCT && f.id >= 1 && f.id <= 3) {
            unit = f.id == 1 ? U_MILLIS : f.id == 2 ? U_MICROS : U_NANOS;
        }
        if (f.type != TC_TRUE && f.type != TC_FALSE) tc_skip(r, f.type);
    }
    tc_struct_end(r);
    if (unit < 0) tc_fail(r, "TimeUnit without a unit");
    return unit;
}

/* LogicalType is a union: exactly one field, whose id says the kind. */
static void read_logical(tc_reader *r, ann *out)
{
    memset(out, 0, sizeof *out);
    bool set = false;
    if (!tc_struct_begin(r)) return;
    int16_t last = 0;
    tc_field f;
    while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
        if (f.type != TC_STRUCT) {
            if (f.type != TC_TRUE && f.type != TC_FALSE) tc_skip(r, f.type);
            continue;
        }
        set = true;
        switch (f.id) {
        case 1:
            out->kind = A_STRING;
            break;
        case 2:
            out->kind = A_MAP;
            break;
        case 3:
            out->kind = A_LIST;
            break;
        case 4:
            out->kind = A_ENUM;
            break;
        case 6:
            out->kind = A_DATE;
            break;
        case 11:
            out->kind = A_NONE;
            break; /* UNKNOWN: parquet-mr 1.13 has no annotation */
        case 12:
            out->kind = A_JSON;
            break;
        case 13:
            out->kind = A_BSON;
            break;
        case 14:
            out->kind = A_UUID;
            break;
        case 5:
        case 7:
        case 8:
        case 10: {
            out->kind = f.id == 5   ? A_DECIMAL
                        : f.id == 7 ? A_TIME
                        : f.id == 8 ? A_TIMESTAMP
                                    : A_INT;
            if (!tc_struct_begin(r)) return;
            int16_t l2 = 0;
            tc_field g;
            bool have_unit = false;
            while (tc_field_begin(r, &l2, &g) && g.type != TC_STOP) {
                if (out->kind == A_DECIMAL && (g.id == 1 || g.id == 2) &&
                    (g.type == TC_I32 || g.type == TC_I16 || g.type == TC_BYTE)) {
                    int v = (int)tc_read_int(r, g.type);
                    if (g.id == 1)
                        out->scale = v;
                    else
                        out->precision = v;
                } else if ((out->kind == A_TIME || out->kind == A_TIMESTAMP) && g.id == 1 &&
                           (g.type == TC_TRUE || g.type == TC_FALSE)) {
                    out->utc = tc_field_bool(&g);
                } else if ((out->kind == A_TIME || out->kind == A_TIMESTAMP) && g.id == 2 &&
                           g.type == TC_STRUCT) {
                    out->unit = read_time_unit(r);
                    have_unit = true;
                } else if (out->kind == A_INT && g.id == 1 && g.type == TC_BYTE) {
                    out->bits = (int)tc_read_int(r, g.type);
                } else if (out->kind == A_INT && g.id == 2 &&
                           (g.type == TC_TRUE || g.type == TC_FALSE)) {
                    out->is_signed = tc_field_bool(&g);
                } else if (g.type != TC_TRUE && g.type != TC_FALSE) {
                    tc_skip(r, g.type);
                }
            }
            tc_struct_end(r);
            if ((out->kind == A_TIME || out->kind == A_TIMESTAMP) && !have_unit)
                tc_fail(r, "time type without a unit");
            continue;
        }
        default:
            /* A logical type newer than Spark 3.5's Parquet library (FLOAT16,
             * VARIANT, GEOMETRY...): its reader fails on the footer. */
            tc_fail(r, "unknown logical type");
            return;
        }
        tc_skip(r, TC_STRUCT);
    }
    tc_struct_end(r);
    if (!set) tc_fail(r, "empty logical type");
}

static void read_schema_element(sb_arena *a, tc_reader *r, selem *e)
{
    memset(e, 0, sizeof *e);
    e->type = P_NONE;
    e->repetition = -1;
    e->converted = -1;
    bool have_name = false;
    if (!tc_struct_begin(r)) return;
    int16_t last = 0;
    tc_field f;
    while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
        bool is_int = f.type == TC_I32 || f.type == TC_I16 || f.type == TC_BYTE;
        switch (f.id) {
        case 1:
            if (!is_int) goto skip;
            e->type = (int)tc_read_int(r, f.type);
            if (e->type < P_BOOLEAN || e->type > P_FIXED) tc_fail(r, "unknown physical type");
            continue;
        case 2:
            if (!is_int) goto skip;
            e->type_length = (int)tc_read_int(r, f.type);
            continue;
        case 3:
            if (!is_int) goto skip;
            e->repetition = (int)tc_read_int(r, f.type);
            if (e->repetition < R_REQUIRED || e->repetition > R_REPEATED)
                tc_fail(r, "unknown repetition");
            continue;
        case 4: {
            if (f.type != TC_BINARY) goto skip;
            size_t len;
            const uint8_t *s = tc_read_binary(r, &len);
            if (!s && len) continue;
            e->name = sb_arena_strndup(a, s ? (const char *)s : "", len);
            if (memchr(s ? (const char *)s : "", '\0', len) ||
                sb_utf8_valid_prefix((const char *)s, len) != len)
                tc_fail(r, "a field name is not valid UTF-8");
            have_name = true;
            continue;
        }
        case 5:
            if (!is_int) goto skip;
            e->num_children = (int)tc_read_int(r, f.type);
            e->has_children = true;
            continue;
        case 6:
            if (!is_int) goto skip;
            e->converted = (int)tc_read_int(r, f.type);
            if (e->converted < 0 || e->converted > 21) tc_fail(r, "unknown converted type");
            continue;
        case 7:
            if (!is_int) goto skip;
            e->scale = (int)tc_read_int(r, f.type);
            continue;
        case 8:
            if (!is_int) goto skip;
            e->precision = (int)tc_read_int(r, f.type);
            continue;
        case 10:
            if (f.type != TC_STRUCT) goto skip;
            read_logical(r, &e->logical);
            e->has_logical = true;
            continue;
        default:
            break;
        }
    skip:
        if (f.type != TC_TRUE && f.type != TC_FALSE) tc_skip(r, f.type);
    }
    tc_struct_end(r);
    if (tc_ok(r) && !have_name) tc_fail(r, "a schema element has no name");
}

static void read_key_values(sb_arena *a, tc_reader *r, footer *ft)
{
    int et;
    size_t n = 0;
    if (!tc_read_list(r, &et, &n)) return;
    for (size_t i = 0; i < n && tc_ok(r); i++) {
        if (et != TC_STRUCT) {
            tc_skip(r, et);
            continue;
        }
        if (!tc_struct_begin(r)) return;
        int16_t last = 0;
        tc_field f;
        const uint8_t *key = NULL, *val = NULL;
        size_t klen = 0, vlen = 0;
        while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
            if (f.type == TC_BINARY && f.id == 1)
                key = tc_read_binary(r, &klen);
            else if (f.type == TC_BINARY && f.id == 2)
                val = tc_read_binary(r, &vlen);
            else if (f.type != TC_TRUE && f.type != TC_FALSE)
                tc_skip(r, f.type);
        }
        tc_struct_end(r);
        if (key && val && klen == strlen(SPARK_SCHEMA_KEY) &&
            memcmp(key, SPARK_SCHEMA_KEY, klen) == 0) {
            ft->spark_schema = sb_arena_strndup(a, (const char *)val, vlen);
            ft->spark_schema_len = vlen;
        }
    }
}

static bool read_file_metadata(sb_arena *a, tc_reader *r, footer *ft)
{
    bool have[5] = {false};
    if (!tc_struct_begin(r)) return false;
    int16_t last = 0;
    tc_field f;
    while (tc_field_begin(r, &last, &f) && f.type != TC_STOP) {
        if (f.id >= 1 && f.id <= 4) have[f.id] = true;
        if (f.id == 2 && f.type == TC_LIST) {
            int et;
            size_t n = 0;
            if (!tc_read_list(r, &et, &n)) break;
            if (et != TC_STRUCT && n) {
                tc_fail(r, "schema is not a list of structs");
                break;
            }
            if (n > MAX_SCHEMA_ELEMENTS) {
                tc_fail(r, "schema too large");
                break;
            }
            ft->elems = sb_arena_alloc(a, (n ? n : 1) * sizeof *ft->elems);
            for (size_t i = 0; i < n && tc_ok(r); i++) read_schema_element(a, r, &ft->elems[i]);
            ft->n = n;
        } else if (f.id == 5 && f.type == TC_LIST) {
            read_key_values(a, r, ft);
        } else if (f.type != TC_TRUE && f.type != TC_FALSE) {
            tc_skip(r, f.type);
        }
    }
    tc_struct_end(r);
    if (tc_ok(r) && (!have[1] || !have[2] || !have[3] || !have[4]))
        tc_fail(r, "a required field of FileMetaData is missing");
    return tc_ok(r);
}

/* ---- annotations as parquet-mr resolves them ----------------------------------- */

/* OriginalType names, by converted_type value. */
enum {
    CT_UTF8,
    CT_MAP,
    CT_MAP_KEY_VALUE,
    CT_LIST,
    CT_ENUM,
    CT_DECIMAL,
    CT_DATE,
    CT_TIME_MILLIS,
    CT_TIME_MICROS,
    CT_TIMESTAMP_MILLIS,
    CT_TIMESTAMP_MICROS,
    CT_UINT_8,
    CT_UINT_16,
    CT_UINT_32,
    CT_UINT_64,
    CT_INT_8,
    CT_INT_16,
    CT_INT_32,
    CT_INT_64,
    CT_JSON,
    CT_BSON,
    CT_INTERVAL
};

static ann from_converted(const selem *e)
{
    ann a = {0};
    switch (e->converted) {
    case CT_UTF8:
        a.kind = A_STRING;
        break;
    case CT_MAP:
        a.kind = A_MAP;
        break;
    case CT_MAP_KEY_VALUE:
        a.kind = A_MAP_KEY_VALUE;
        break;
    case CT_LIST:
        a.kind = A_LIST;
        break;
    case CT_ENUM:
        a.kind = A_ENUM;
        break;
    case CT_DECIMAL:
        a.kind = A_DECIMAL;
        a.precision = e->precision;
        a.scale = e->scale;
        break;
    case CT_DATE:
        a.kind = A_DATE;
        break;
    case CT_TIME_MILLIS:
    case CT_TIME_MICROS:
        a.kind = A_TIME;
        a.utc = true;
        a.unit = e->converted == CT_TIME_MILLIS ? U_MILLIS : U_MICROS;
        break;
    case CT_TIMESTAMP_MILLIS:
    case CT_TIMESTAMP_MICROS:
        a.kind = A_TIMESTAMP;
        a.utc = true;
        a.unit = e->converted == CT_TIMESTAMP_MILLIS ? U_MILLIS : U_MICROS;
        break;
    case CT_UINT_8:
    case CT_UINT_16:
    case CT_UINT_32:
    case CT_UINT_64:
        a.kind = A_INT;
        a.bits = 8 << (e->converted - CT_UINT_8);
        a.is_signed = false;
        break;
    case CT_INT_8:
    case CT_INT_16:
    case CT_INT_32:
    case CT_INT_64:
        a.kind = A_INT;
        a.bits = 8 << (e->converted - CT_INT_8);
        a.is_signed = true;
        break;
    case CT_JSON:
        a.kind = A_JSON;
        break;
    case CT_BSON:
        a.kind = A_BSON;
        break;
    case CT_INTERVAL:
        a.kind = A_INTERVAL;
        break;
    default:
        break;
    }
    return a;
}

/* LogicalTypeAnnotation.toOriginalType, or -1 for none. */
static int original_of(const ann *a)
{
    switch (a->kind) {
    case A_STRING:
        return CT_UTF8;
    case A_MAP:
        return CT_MAP;
    case A_MAP_KEY_VALUE:
        return CT_MAP_KEY_VALUE;
    case A_LIST:
        return CT_LIST;
    case A_ENUM:
        return CT_ENUM;
    case A_DECIMAL:
        return CT_DECIMAL;
    case A_DATE:
        return CT_DATE;
    case A_TIME:
        return a->unit == U_MILLIS ? CT_TIME_MILLIS : a->unit == U_MICROS ? CT_TIME_MICROS : -1;
    case A_TIMESTAMP:
        return a->unit == U_MILLIS   ? CT_TIMESTAMP_MILLIS
               : a->unit == U_MICROS ? CT_TIMESTAMP_MICROS
                                     : -1;
    case A_INT: {
        int base = a->is_signed ? CT_INT_8 : CT_UINT_8;
        switch (a->bits) {
        case 8:
            return base;
        case 16:
            return base + 1;
        case 32:
            return base + 2;
        case 64:
            return base + 3;
        default:
            return -1;
        }
    }
    case A_JSON:
        return CT_JSON;
    case A_BSON:
        return CT_BSON;
    case A_INTERVAL:
        return CT_INTERVAL;
    default:
        return -1;
    }
}

static ann annotation(const selem *e)
{
    ann logical = {0};
    if (e->has_logical) logical = e->logical;
    if (e->converted >= 0) {
        int lo = e->has_logical ? original_of(&logical) : -1;
        if (lo != e->converted) return from_converted(e);
    }
    return logical;
}

/* ---- conversion (ParquetToSparkSchemaConverter) ----------------------------------- */

typedef struct conv {
    sb_arena *a;
    const footer *ft;
    size_t next; /* next schema element */
    const char *file;
    sb_diags *d;
    bool failed;
    int depth;
} conv;

static const char *const PHYS_NAMES[] = {"BOOLEAN", "INT32",  "INT64",  "INT96",
                                         "FLOAT",   "DOUBLE", "BINARY", "FIXED_LEN_BYTE_ARRAY"};

static void ann_text(sb_buf *b, const ann *a)
{
    static const char *const units[] = {"MILLIS", "MICROS", "NANOS"};
    switch (a->kind) {
    case A_NONE:
        break;
    case A_STRING:
        sb_buf_puts(b, " (STRING)");
        break;
    case A_MAP:
        sb_buf_puts(b, " (MAP)");
        break;
    case A_MAP_KEY_VALUE:
        sb_buf_puts(b, " (MAP_KEY_VALUE)");
        break;
    case A_LIST:
        sb_buf_puts(b, " (LIST)");
        break;
    case A_ENUM:
        sb_buf_puts(b, " (ENUM)");
        break;
    case A_DECIMAL:
        sb_buf_printf(b, " (DECIMAL(%d,%d))", a->precision, a->scale);
        break;
    case A_DATE:
        sb_buf_puts(b, " (DATE)");
        break;
    case A_TIME:
        sb_buf_printf(b, " (TIME(%s,%s))", units[a->unit], a->utc ? "true" : "false");
        break;
    case A_TIMESTAMP:
        sb_buf_printf(b, " (TIMESTAMP(%s,%s))", units[a->unit], a->utc ? "true" : "false");
        break;
    case A_INT:
        sb_buf_printf(b, " (INTEGER(%d,%s))", a->bits, a->is_signed ? "true" : "false");
        break;
    case A_JSON:
        sb_buf_puts(b, " (JSON)");
        break;
    case A_BSON:
        sb_buf_puts(b, " (BSON)");
        break;
    case A_UUID:
        sb_buf_puts(b, " (UUID)");
        break;
    case A_INTERVAL:
        sb_buf_puts(b, " (INTERVAL)");
        break;
    }
}

static const sb_type *conv_error(conv *c, const selem *e, const ann *a, const char *what)
{
    if (c->failed) return NULL;
    c->failed = true;
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b, e->type >= 0 ? PHYS_NAMES[e->type] : "group");
    ann_text(&b, a);
    sb_diags_add(c->d, SB_SEV_ERROR, "parquet-type", "%s: column `%s`: %s Parquet type: %s",
                 c->file, e->name, what, sb_buf_str(&b));
    sb_buf_free(&b);
    return NULL;
}

static const sb_type *decimal_of(conv *c, const selem *e, const ann *a, int max_precision)
{
    if (max_precision >= 0 && (a->precision < 1 || a->precision > max_precision)) {
        if (!c->failed) {
            c->failed = true;
            sb_diags_add(c->d, SB_SEV_ERROR, "parquet-type",
                         "%s: column `%s`: invalid decimal precision: %s cannot store %d digits "
                         "(max %d)",
                         c->file, e->name, PHYS_NAMES[e->type], a->precision, max_precision);
        }
        return NULL;
    }
    if (a->precision < 1 || a->precision > SB_DECIMAL_MAX_PRECISION || a->scale < 0 ||
        a->scale > a->precision)
        return conv_error(c, e, a, "unsupported decimal in");
    return sb_type_decimal(c->a, a->precision, a->scale);
}

/* floor(log10(2^(8n-1) - 1)): the digits a signed n-byte integer holds. */
static int max_precision_for_bytes(int n)
{
    if (n <= 0) return 0;
    if (n > 64) return 1000;
    return (int)floor(log10(pow(2.0, 8.0 * n - 1) - 1));
}

static const sb_type *convert_primitive(conv *c, const selem *e)
{
    ann a = annotation(e);
    switch (e->type) {
    case P_BOOLEAN:
        return sb_type_of(SB_T_BOOLEAN);
    case P_FLOAT:
        return sb_type_of(SB_T_FLOAT);
    case P_DOUBLE:
        return sb_type_of(SB_T_DOUBLE);
    case P_INT96:
        return sb_type_of(SB_T_TIMESTAMP);
    case P_INT32:
        switch (a.kind) {
        case A_NONE:
            return sb_type_of(SB_T_INT);
        case A_INT:
            if (a.is_signed) {
                if (a.bits == 8) return sb_type_of(SB_T_BYTE);
                if (a.bits == 16) return sb_type_of(SB_T_SHORT);
                if (a.bits == 32) return sb_type_of(SB_T_INT);
            } else {
                if (a.bits == 8) return sb_type_of(SB_T_SHORT);
                if (a.bits == 16) return sb_type_of(SB_T_INT);
                if (a.bits == 32) return sb_type_of(SB_T_LONG);
            }
            return conv_error(c, e, &a, "illegal");
        case A_DATE:
            return sb_type_of(SB_T_DATE);
        case A_DECIMAL:
            return decimal_of(c, e, &a, 9);
        case A_TIMESTAMP:
            if (a.unit == U_MILLIS) return conv_error(c, e, &a, "unsupported (not implemented)");
            return conv_error(c, e, &a, "illegal");
        default:
            return conv_error(c, e, &a, "illegal");
        }
    case P_INT64:
        switch (a.kind) {
        case A_NONE:
            return sb_type_of(SB_T_LONG);
        case A_INT:
            if (a.bits == 64)
                return a.is_signed ? sb_type_of(SB_T_LONG) : sb_type_decimal(c->a, 20, 0);
            return conv_error(c, e, &a, "illegal");
        case A_DECIMAL:
            return decimal_of(c, e, &a, 18);
        case A_TIMESTAMP:
            if (a.unit == U_MICROS || a.unit == U_MILLIS)
                return sb_type_of(a.utc ? SB_T_TIMESTAMP : SB_T_TIMESTAMP_NTZ);
            return conv_error(c, e, &a, "illegal");
        default:
            return conv_error(c, e, &a, "illegal");
        }
    case P_BYTE_ARRAY:
        switch (a.kind) {
        case A_STRING:
        case A_ENUM:
        case A_JSON:
            return sb_type_of(SB_T_STRING);
        case A_NONE:
        case A_BSON:
            return sb_type_of(SB_T_BINARY);
        case A_DECIMAL:
            return decimal_of(c, e, &a, -1);
        default:
            return conv_error(c, e, &a, "illegal");
        }
    case P_FIXED:
        switch (a.kind) {
        case A_DECIMAL:
            return decimal_of(c, e, &a, max_precision_for_bytes(e->type_length));
        case A_INTERVAL:
            return conv_error(c, e, &a, "unsupported (not implemented)");
        case A_NONE:
            return sb_type_of(SB_T_BINARY);
        default:
            return conv_error(c, e, &a, "illegal");
        }
    default:
        return conv_error(c, e, &a, "illegal");
    }
}

/* The schema tree. */
typedef struct pnode {
    const selem *e;
    struct pnode **kids;
    size_t nkids;
} pnode;

static bool corrupt(conv *c, const char *fmt, const char *name)
{
    if (!c->failed)
        sb_diags_add(c->d, SB_SEV_ERROR, "corrupt-parquet", "%s: corrupt Parquet footer: %s%s%s",
                     c->file, fmt, name ? " " : "", name ? name : "");
    c->failed = true;
    return false;
}

/* The subtree at element c->next with `nkids` children read after it
 * (parquet-mr's buildChildren). */
static pnode *build(conv *c, bool root)
{
    const footer *ft = c->ft;
    if (c->next >= ft->n) {
        corrupt(c, "the schema ends inside a group", NULL);
        return NULL;
    }
    if (++c->depth > 200) {
        corrupt(c, "the schema is nested more than 200 levels deep", NULL);
        return NULL;
    }
    pnode *n = sb_arena_alloc(c->a, sizeof *n);
    n->e = &ft->elems[c->next++];
    bool group = root || n->e->type == P_NONE;
    if (group) {
        int count = n->e->has_children ? n->e->num_children : 0;
        if (count < 0 || (!root && count == 0)) {
            corrupt(c, "empty group", n->e->name);
            return NULL;
        }
        if ((size_t)count > ft->n - c->next) {
            corrupt(c, "a group claims more fields than the schema holds:", n->e->name);
            return NULL;
        }
        n->nkids = (size_t)count;
        n->kids = sb_arena_alloc(c->a, (n->nkids ? n->nkids : 1) * sizeof *n->kids);
        for (size_t i = 0; i < n->nkids; i++) {
            n->kids[i] = build(c, false);
            if (!n->kids[i]) return NULL;
        }
    }
    if (!root && n->e->repetition < 0) {
        corrupt(c, "no repetition for", n->e->name);
        return NULL;
    }
    c->depth--;
    return n;
}

static bool is_group(const pnode *n)
{
    return n->e->type == P_NONE;
}

static const sb_type *convert_field(conv *c, const pnode *n);

/* convertInternal: the fields of a group. */
static const sb_type *convert_struct(conv *c, const pnode *n)
{
    sb_field *f = sb_arena_alloc(c->a, (n->nkids ? n->nkids : 1) * sizeof *f);
    for (size_t i = 0; i < n->nkids; i++) {
        const pnode *k = n->kids[i];
        const sb_type *t = convert_field(c, k);
        if (!t) return NULL;
        f[i].name = k->e->name;
        if (k->e->repetition == R_REPEATED) {
            /* A repeated field outside LIST/MAP: a required list of required elements. */
            f[i].type = sb_type_array(c->a, t, false);
            f[i].nullable = false;
        } else {
            f[i].type = t;
            f[i].nullable = k->e->repetition == R_OPTIONAL;
        }
    }
    return sb_type_struct(c->a, f, n->nkids);
}

/* The backward-compatibility rules for 2-level lists. */
static bool is_element_type(const pnode *repeated, const char *parent)
{
    if (!is_group(repeated)) return true;
    if (repeated->nkids > 1) return true;
    if (strcmp(repeated->e->name, "array") == 0) return true;
    size_t pl = strlen(parent);
    return strncmp(repeated->e->name, parent, pl) == 0 &&
           strcmp(repeated->e->name + pl, "_tuple") == 0;
}

static const sb_type *convert_field(conv *c, const pnode *n)
{
    if (c->failed) return NULL;
    const selem *e = n->e;
    if (!is_group(n)) return convert_primitive(c, e);
    ann a = annotation(e);
    switch (a.kind) {
    case A_NONE:
        return convert_struct(c, n);
    case A_LIST: {
        if (n->nkids != 1 || n->kids[0]->e->repetition != R_REPEATED)
            return conv_error(c, e, &a, "invalid list type:");
        const pnode *rep = n->kids[0];
        if (is_element_type(rep, e->name)) {
            const sb_type *t = convert_field(c, rep);
            return t ? sb_type_array(c->a, t, false) : NULL;
        }
        const pnode *elem = rep->kids[0];
        const sb_type *t = convert_field(c, elem);
        return t ? sb_type_array(c->a, t, elem->e->repetition == R_OPTIONAL) : NULL;
    }
    case A_MAP:
    case A_MAP_KEY_VALUE: {
        if (n->nkids != 1 || !is_group(n->kids[0]))
            return conv_error(c, e, &a, "invalid map type:");
        const pnode *kv = n->kids[0];
        if (kv->e->repetition != R_REPEATED || kv->nkids != 2)
            return conv_error(c, e, &a, "invalid map type:");
        const sb_type *k = convert_field(c, kv->kids[0]);
        const sb_type *v = k ? convert_field(c, kv->kids[1]) : NULL;
        if (!v) return NULL;
        return sb_type_map(c->a, k, v, kv->kids[1]->e->repetition == R_OPTIONAL);
    }
    default:
        return conv_error(c, e, &a, "unrecognized");
    }
}

/* ---- the Spark schema a Spark writer stored (DataType.fromJson) ----------------------- */

static const sb_type *spark_json_type(sb_arena *a, const sb_json *j, int depth)
{
    if (!j || depth > 100) return NULL;
    if (j->kind == SB_JSON_STRING) {
        const char *s = j->u.string.s;
        static const struct {
            const char *name;
            sb_type_kind kind;
        } names[] = {
            {"boolean", SB_T_BOOLEAN},     {"byte", SB_T_BYTE},
            {"short", SB_T_SHORT},         {"integer", SB_T_INT},
            {"long", SB_T_LONG},           {"float", SB_T_FLOAT},
            {"double", SB_T_DOUBLE},       {"string", SB_T_STRING},
            {"binary", SB_T_BINARY},       {"date", SB_T_DATE},
            {"timestamp", SB_T_TIMESTAMP}, {"timestamp_ntz", SB_T_TIMESTAMP_NTZ},
            {"null", SB_T_NULL},           {"void", SB_T_NULL},
            {"interval", SB_T_INTERVAL},
        };
        for (size_t i = 0; i < SB_COUNTOF(names); i++)
            if (strcmp(s, names[i].name) == 0) return sb_type_of(names[i].kind);
        if (strcmp(s, "decimal") == 0) return sb_type_decimal(a, 10, 0);
        int p, sc, used = 0;
        if (sscanf(s, "decimal(%d,%d)%n", &p, &sc, &used) == 2 && s[used] == '\0' && p >= 1 &&
            p <= SB_DECIMAL_MAX_PRECISION && sc >= 0 && sc <= p)
            return sb_type_decimal(a, p, sc);
        if ((strncmp(s, "char(", 5) == 0 || strncmp(s, "varchar(", 8) == 0))
            return sb_type_of(SB_T_STRING); /* Spark reads char/varchar as string */
        if (strncmp(s, "interval ", 9) == 0) {
            sb_diags scratch;
            sb_diags_init(&scratch, a);
            return sb_type_parse(a, s, strlen(s), &scratch);
        }
        return NULL;
    }
    if (j->kind != SB_JSON_OBJECT) return NULL;
    const sb_json *type = sb_json_get(j, "type");
    if (!type || type->kind != SB_JSON_STRING) return NULL;
    const char *k = type->u.string.s;
    if (strcmp(k, "array") == 0) {
        const sb_json *cn = sb_json_get(j, "containsNull");
        const sb_type *e = spark_json_type(a, sb_json_get(j, "elementType"), depth + 1);
        if (!e || !cn || cn->kind != SB_JSON_BOOL) return NULL;
        return sb_type_array(a, e, cn->u.boolean);
    }
    if (strcmp(k, "map") == 0) {
        const sb_json *vn = sb_json_get(j, "valueContainsNull");
        const sb_type *kt = spark_json_type(a, sb_json_get(j, "keyType"), depth + 1);
        const sb_type *vt = spark_json_type(a, sb_json_get(j, "valueType"), depth + 1);
        if (!kt || !vt || !vn || vn->kind != SB_JSON_BOOL) return NULL;
        return sb_type_map(a, kt, vt, vn->u.boolean);
    }
    if (strcmp(k, "struct") == 0) {
        const sb_json *fields = sb_json_get(j, "fields");
        if (!fields || fields->kind != SB_JSON_ARRAY) return NULL;
        size_t n = fields->u.array.len;
        sb_field *f = sb_arena_alloc(a, (n ? n : 1) * sizeof *f);
        for (size_t i = 0; i < n; i++) {
            const sb_json *fj = fields->u.array.items[i];
            const sb_json *name = sb_json_get(fj, "name");
            const sb_json *nullable = sb_json_get(fj, "nullable");
            const sb_type *t = spark_json_type(a, sb_json_get(fj, "type"), depth + 1);
            if (!name || name->kind != SB_JSON_STRING || !t) return NULL;
            f[i].name = name->u.string.s;
            f[i].type = t;
            f[i].nullable = !nullable || nullable->kind != SB_JSON_BOOL || nullable->u.boolean;
        }
        return sb_type_struct(a, f, n);
    }
    return NULL; /* user-defined types and the unknown: use the Parquet schema */
}

static const sb_type *spark_schema(sb_arena *a, const footer *ft)
{
    if (!ft->spark_schema) return NULL;
    sb_diags scratch;
    sb_diags_init(&scratch, a);
    sb_json *j = sb_json_parse(a, ft->spark_schema, ft->spark_schema_len, &scratch);
    const sb_type *t = spark_json_type(a, j, 0);
    return t && t->kind == SB_T_STRUCT ? t : NULL;
}

/* ---- entry points -------------------------------------------------------------- */

const sb_type *sb_io_parquet_footer_schema(sb_arena *a, const unsigned char *tail, size_t len,
                                           const char *name, bool use_spark_schema, sb_diags *d)
{
    if (len < 8 || memcmp(tail + len - 4, "PAR1", 4) != 0) {
        if (len >= 4 && memcmp(tail + len - 4, "PARE", 4) == 0) {
            sb_diags_add(d, SB_SEV_ERROR, "not-parquet",
                         "%s: the Parquet footer is encrypted; sibyl cannot read its schema", name);
            return NULL;
        }
        sb_diags_add(d, SB_SEV_ERROR, "not-parquet", "%s: not a Parquet file (missing PAR1 magic)",
                     name);
        return NULL;
    }
    uint32_t mlen = (uint32_t)tail[len - 8] | ((uint32_t)tail[len - 7] << 8) |
                    ((uint32_t)tail[len - 6] << 16) | ((uint32_t)tail[len - 5] << 24);
    if ((size_t)mlen > len - 8 || mlen == 0) {
        sb_diags_add(d, SB_SEV_ERROR, "corrupt-parquet",
                     "%s: corrupt Parquet file: the footer length (%u bytes) does not fit in the "
                     "file",
                     name, mlen);
        return NULL;
    }
    tc_reader r;
    tc_init(&r, tail + len - 8 - mlen, mlen);
    footer ft = {0};
    if (!read_file_metadata(a, &r, &ft)) {
        sb_diags_add(
            d, SB_SEV_ERROR, "corrupt-parquet", "%s: corrupt Parquet footer (%s at byte %zu of %u)",
            name, r.err ? r.err : "cannot decode", (size_t)(r.p - (tail + len - 8 - mlen)), mlen);
        return NULL;
    }
    if (ft.n == 0) {
        sb_diags_add(d, SB_SEV_ERROR, "corrupt-parquet", "%s: corrupt Parquet footer: empty schema",
                     name);
        return NULL;
    }
    conv c = {.a = a, .ft = &ft, .file = name, .d = d};
    pnode *root = build(&c, true);
    if (!root) return NULL;
    /* The footer's structure is checked when it is read; the conversion
     * only runs when there is no usable Spark schema. */
    if (use_spark_schema) {
        const sb_type *s = spark_schema(a, &ft);
        if (s) return s;
    }
    return convert_struct(&c, root);
}

const sb_type *sb_io_parquet_schema(sb_arena *a, const unsigned char *tail, size_t len,
                                    const char *name, sb_diags *d)
{
    return sb_io_parquet_footer_schema(a, tail, len, name, true, d);
}
