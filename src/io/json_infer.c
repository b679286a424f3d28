/*
 * json_infer.c — the schema Spark 3.5 gives JSON data.
 *
 * Follows org.apache.spark.sql.catalyst.json.JsonInferSchema over the token
 * stream of Jackson configured as Spark configures it (JSONOptions): single
 * quotes allowed, NaN/Infinity/-INF allowed, no comments, no unquoted names,
 * no leading zeros, no trailing commas, nesting up to 1000 levels, numbers up
 * to 1000 characters.
 *
 *  - Without multiLine every line is one record; with it every file is one.
 *    Only the first value of a record is read (Jackson stops there).
 *  - Integers are bigint, or decimal(p,0) past bigint's range (double past
 *    38 digits); other numbers are double, or decimal with prefersDecimal;
 *    "" is null until merged; strings may be decimals (prefersDecimal) or
 *    timestamps (inferTimestamp); objects become structs with their fields
 *    sorted by name (Java's String order); arrays merge their elements.
 *  - Records merge with compatibleRootType: arrays at the top are unwrapped,
 *    anything that is not an object turns into the `_corrupt_record` string
 *    column, as a malformed record does (PERMISSIVE mode; DROPMALFORMED
 *    ignores it, FAILFAST is an error).
 *  - At the end NullType becomes string, structs without fields and fields
 *    with empty names disappear.
 */
#include "io/io_internal.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 1000
#define JSON_MAX_NUMBER_LEN 1000

enum { MODE_PERMISSIVE, MODE_DROP, MODE_FAILFAST };

typedef struct json_cfg {
    bool prefers_decimal, primitives_as_string, infer_timestamp, drop_all_null, multiline;
    int mode;
    const char *corrupt;
    sb_io_pattern *ts_pattern;
    bool has_ts_pattern;
} json_cfg;

typedef struct jp {
    sb_arena *a;
    const json_cfg *c;
    const char *s;
    size_t n, i;
    int depth;
    const char *err;   /* set when the record is malformed */
    const char *fatal; /* set when Spark's whole read would fail */
    sb_buf tmp;
} jp;

static const sb_type *T(sb_type_kind k)
{
    return sb_type_of(k);
}

static bool jws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(jp *p)
{
    while (p->i < p->n && jws(p->s[p->i])) p->i++;
}

static bool ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

static bool fail(jp *p, const char *msg)
{
    if (!p->err) p->err = msg;
    return false;
}

/* A literal such as true / NaN / -INF; Jackson rejects it when an
 * identifier character follows. */
static bool match_word(jp *p, const char *w)
{
    size_t n = strlen(w);
    if (p->i + n > p->n || memcmp(p->s + p->i, w, n) != 0) return false;
    if (p->i + n < p->n && ident_char((unsigned char)p->s[p->i + n])) return false;
    p->i += n;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode a quoted string into p->tmp. */
static bool read_string(jp *p)
{
    char q = p->s[p->i++];
    sb_buf_reset(&p->tmp);
    for (;;) {
        if (p->i >= p->n) return fail(p, "unterminated string");
        unsigned char c = (unsigned char)p->s[p->i];
        if (c == (unsigned char)q) {
            p->i++;
            return true;
        }
        if (c < 0x20) return fail(p, "unescaped control character in a string");
        if (c == '\\') {
            if (p->i + 1 >= p->n) return fail(p, "unterminated string");
            char e = p->s[p->i + 1];
            p->i += 2;
            switch (e) {
            case '"':
                sb_buf_putc(&p->tmp, '"');
                break;
            case '\\':
                sb_buf_putc(&p->tmp, '\\');
                break;
            case '/':
                sb_buf_putc(&p->tmp, '/');
                break;
            case '\'':
                sb_buf_putc(&p->tmp, '\'');
                break; /* allowed with single quotes */
            case 'b':
                sb_buf_putc(&p->tmp, '\b');
                break;
            case 'f':
                sb_buf_putc(&p->tmp, '\f');
                break;
            case 'n':
                sb_buf_putc(&p->tmp, '\n');
                break;
            case 'r':
                sb_buf_putc(&p->tmp, '\r');
                break;
            case 't':
                sb_buf_putc(&p->tmp, '\t');
                break;
            case 'u': {
                uint32_t u = 0;
                for (int k = 0; k < 4; k++) {
                    if (p->i >= p->n || hexval(p->s[p->i]) < 0) return fail(p, "bad \\u escape");
                    u = u * 16 + (uint32_t)hexval(p->s[p->i++]);
                }
                if (u >= 0xD800 && u < 0xDC00 && p->i + 6 <= p->n && p->s[p->i] == '\\' &&
                    p->s[p->i + 1] == 'u') {
                    uint32_t v = 0;
                    bool ok = true;
                    for (int k = 0; k < 4 && ok; k++) {
                        int h = hexval(p->s[p->i + 2 + k]);
                        if (h < 0)
                            ok = false;
                        else
                            v = v * 16 + (uint32_t)h;
                    }
                    if (ok && v >= 0xDC00 && v < 0xE000) {
                        p->i += 6;
                        u = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
                    }
                }
                /* A lone surrogate is legal JSON; it cannot be UTF-8, so it
                 * reads as U+FFFD here. */
                if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;
                sb_buf_put_utf8(&p->tmp, u);
                break;
            }
            default:
                return fail(p, "unrecognized escape in a string");
            }
            continue;
        }
        if (c >= 0x80) {
            size_t ok = sb_utf8_valid_prefix(p->s + p->i, p->n - p->i);
            size_t run = 0;
            /* take one whole character */
            run = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
            if (ok < run) return fail(p, "invalid UTF-8 in a string");
            sb_buf_add(&p->tmp, p->s + p->i, run);
            p->i += run;
            continue;
        }
        sb_buf_putc(&p->tmp, (char)c);
        p->i++;
    }
}

static const sb_type *infer_value(jp *p, bool root);

typedef struct jfield {
    const char *name;
    const sb_type *type;
    size_t ix;
} jfield;

static int cmp_jfield(const void *x, const void *y)
{
    const jfield *a = x, *b = y;
    int c = sb_io_utf16_cmp(a->name, b->name);
    if (c) return c;
    return a->ix < b->ix ? -1 : a->ix > b->ix; /* Arrays.sort on objects is stable */
}

static const sb_type *make_struct(sb_arena *a, jfield *f, size_t n)
{
    qsort(f, n, sizeof *f, cmp_jfield);
    sb_field *sf = sb_arena_alloc(a, (n ? n : 1) * sizeof *sf);
    for (size_t i = 0; i < n; i++) {
        sf[i].name = f[i].name;
        sf[i].type = f[i].type;
        sf[i].nullable = true;
    }
    return sb_type_struct(a, sf, n);
}

static const sb_type *json_compatible(sb_arena *a, const sb_type *x, const sb_type *y);

/* The type of a number token at p->i (Jackson's getNumberType). */
static const sb_type *infer_number(jp *p, bool root)
{
    size_t start = p->i;
    size_t i = p->i;
    if (i < p->n && p->s[i] == '-') i++;
    if (i >= p->n || p->s[i] < '0' || p->s[i] > '9') {
        fail(p, "invalid number");
        return NULL;
    }
    bool leading_zero = p->s[i] == '0';
    size_t int_start = i;
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    if (leading_zero && i - int_start > 1) {
        fail(p, "leading zeroes are not allowed");
        return NULL;
    }
    bool is_float = false;
    if (i < p->n && p->s[i] == '.') {
        is_float = true;
        i++;
        size_t fs = i;
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == fs) {
            fail(p, "a decimal point must be followed by a digit");
            return NULL;
        }
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        is_float = true;
        i++;
        if (i < p->n && (p->s[i] == '+' || p->s[i] == '-')) i++;
        size_t es = i;
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == es) {
            fail(p, "an exponent must have digits");
            return NULL;
        }
    }
    if (i - start > JSON_MAX_NUMBER_LEN) {
        fail(p, "number too long");
        return NULL;
    }
    if (root && i < p->n && !jws(p->s[i])) {
        fail(p, "expected space after a top-level value");
        return NULL;
    }
    p->i = i;
    if (p->c->primitives_as_string) return T(SB_T_STRING);
    const char *text = p->s + start;
    size_t len = i - start;
    if (!is_float) {
        if (sb_io_java_long(text, len)) return T(SB_T_LONG);
        int prec;
        long scale;
        sb_io_java_bigdecimal(text, len, &prec, &scale);
        return prec <= SB_DECIMAL_MAX_PRECISION ? sb_type_decimal(p->a, prec, 0) : T(SB_T_DOUBLE);
    }
    if (!p->c->prefers_decimal) return T(SB_T_DOUBLE);
    int prec;
    long scale;
    sb_io_java_bigdecimal(text, len, &prec, &scale);
    long pmax = prec > scale ? prec : scale;
    if (pmax > SB_DECIMAL_MAX_PRECISION) return T(SB_T_DOUBLE);
    if (scale < 0) {
        /* DecimalType rejects a negative scale and the whole read fails. */
        p->fatal = sb_arena_printf(p->a,
                                   "prefersDecimal: the number %.*s has a negative scale (%ld), "
                                   "which Spark rejects and fails the read",
                                   (int)(len > 40 ? 40 : len), text, scale);
        fail(p, "negative scale");
        return NULL;
    }
    return sb_type_decimal(p->a, (int)pmax, (int)scale);
}

static const sb_type *infer_string_value(jp *p)
{
    if (!read_string(p)) return NULL;
    if (p->tmp.len == 0) return T(SB_T_NULL);
    if (p->c->primitives_as_string) return T(SB_T_STRING);
    const char *s = sb_buf_str(&p->tmp);
    size_t n = p->tmp.len;
    if (p->c->prefers_decimal) {
        /* Spark's decimal parser for the US locale drops every ',' first. */
        char *clean = sb_arena_alloc(p->a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] != ',') clean[k++] = s[i];
        int prec;
        long scale;
        if (sb_io_java_bigdecimal(clean, k, &prec, &scale) && scale >= 0 && scale <= prec &&
            prec <= SB_DECIMAL_MAX_PRECISION)
            return sb_type_decimal(p->a, prec, (int)scale);
    }
    if (p->c->infer_timestamp) {
        bool ok = p->c->has_ts_pattern ? sb_io_pattern_match(p->c->ts_pattern, s, n)
                                       : sb_io_spark_timestamp(s, n, NULL, NULL);
        if (ok) return T(SB_T_TIMESTAMP);
    }
    return T(SB_T_STRING);
}

static const sb_type *infer_value(jp *p, bool root)
{
    skip_ws(p);
    if (p->i >= p->n) {
        if (root) return T(SB_T_NULL); /* no token at all: an empty record */
        fail(p, "unexpected end of input");
        return NULL;
    }
    char c = p->s[p->i];
    switch (c) {
    case '{': {
        if (++p->depth > JSON_MAX_DEPTH) {
            fail(p, "nesting too deep");
            return NULL;
        }
        p->i++;
        size_t cap = 8, n = 0;
        jfield *f = sb_arena_alloc(p->a, cap * sizeof *f);
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            p->depth--;
            return make_struct(p->a, f, 0);
        }
        for (;;) {
            skip_ws(p);
            if (p->i >= p->n || (p->s[p->i] != '"' && p->s[p->i] != '\'')) {
                fail(p, "expected a field name");
                return NULL;
            }
            if (!read_string(p)) return NULL;
            const char *name = sb_arena_strndup(p->a, sb_buf_str(&p->tmp), p->tmp.len);
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') {
                fail(p, "expected ':'");
                return NULL;
            }
            p->i++;
            const sb_type *t = infer_value(p, false);
            if (!t) return NULL;
            if (n == cap) {
                f = sb_arena_realloc(p->a, f, cap * sizeof *f, 2 * cap * sizeof *f);
                cap *= 2;
            }
            f[n].name = name;
            f[n].type = t;
            f[n].ix = n;
            n++;
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == '}') {
                p->i++;
                break;
            }
            fail(p, "expected ',' or '}'");
            return NULL;
        }
        p->depth--;
        return make_struct(p->a, f, n);
    }
    case '[': {
        if (++p->depth > JSON_MAX_DEPTH) {
            fail(p, "nesting too deep");
            return NULL;
        }
        p->i++;
        const sb_type *elem = T(SB_T_NULL);
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            p->depth--;
            return sb_type_array(p->a, elem, true);
        }
        for (;;) {
            const sb_type *t = infer_value(p, false);
            if (!t) return NULL;
            elem = json_compatible(p->a, elem, t);
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == ']') {
                p->i++;
                break;
            }
            fail(p, "expected ',' or ']'");
            return NULL;
        }
        p->depth--;
        return sb_type_array(p->a, elem, true);
    }
    case '"':
    case '\'':
        return infer_string_value(p);
    case 't':
    case 'f':
        if (match_word(p, c == 't' ? "true" : "false"))
            return p->c->primitives_as_string ? T(SB_T_STRING) : T(SB_T_BOOLEAN);
        fail(p, "unrecognized token");
        return NULL;
    case 'n':
        if (match_word(p, "null")) return T(SB_T_NULL);
        fail(p, "unrecognized token");
        return NULL;
    case 'N':
    case 'I':
    case '+':
    case '-': {
        /* Non-numeric numbers (ALLOW_NON_NUMERIC_NUMBERS): NaN, Infinity,
         * +/-Infinity, +/-INF. A '+' starts nothing else. */
        static const char *const words[] = {"NaN",       "Infinity", "-Infinity",
                                            "+Infinity", "-INF",     "+INF"};
        for (size_t k = 0; k < SB_COUNTOF(words); k++) {
            if (match_word(p, words[k])) {
                if (p->c->primitives_as_string) return T(SB_T_STRING);
                if (p->c->prefers_decimal) {
                    /* getDecimalValue throws on NaN / Infinity: a malformed record. */
                    fail(p, "not a decimal");
                    return NULL;
                }
                return T(SB_T_DOUBLE);
            }
        }
        if (c == '-') return infer_number(p, root);
        fail(p, "unrecognized token");
        return NULL;
    }
    default:
        if (c >= '0' && c <= '9') return infer_number(p, root);
        fail(p, "unexpected character");
        return NULL;
    }
}

/* ---- merging ---------------------------------------------------------------- */

static bool is_integral_kind(sb_type_kind k)
{
    return k == SB_T_BYTE || k == SB_T_SHORT || k == SB_T_INT || k == SB_T_LONG;
}

/* JsonInferSchema.compatibleType */
static const sb_type *json_compatible(sb_arena *a, const sb_type *x, const sb_type *y)
{
    const sb_type *t = sb_io_tightest(a, x, y);
    if (t) return t;
    if ((x->kind == SB_T_DOUBLE && y->kind == SB_T_DECIMAL) ||
        (x->kind == SB_T_DECIMAL && y->kind == SB_T_DOUBLE))
        return T(SB_T_DOUBLE);
    if (x->kind == SB_T_DECIMAL && y->kind == SB_T_DECIMAL) return sb_io_merge_decimals(a, x, y);
    if (x->kind == SB_T_STRUCT && y->kind == SB_T_STRUCT) {
        /* Both sorted by name: merge them like sorted lists. */
        sb_field *f = sb_arena_alloc(a, (x->nfields + y->nfields + 1) * sizeof *f);
        size_t i = 0, j = 0, n = 0;
        while (i < x->nfields && j < y->nfields) {
            int c = sb_io_utf16_cmp(x->fields[i].name, y->fields[j].name);
            if (c == 0) {
                f[n].name = x->fields[i].name;
                f[n].type = json_compatible(a, x->fields[i].type, y->fields[j].type);
                f[n++].nullable = true;
                i++, j++;
            } else if (c < 0) {
                f[n++] = x->fields[i++];
            } else {
                f[n++] = y->fields[j++];
            }
        }
        while (i < x->nfields) f[n++] = x->fields[i++];
        while (j < y->nfields) f[n++] = y->fields[j++];
        return sb_type_struct(a, f, n);
    }
    if (x->kind == SB_T_ARRAY && y->kind == SB_T_ARRAY)
        return sb_type_array(a, json_compatible(a, x->elem, y->elem),
                             x->contains_null || y->contains_null);
    if (is_integral_kind(x->kind) && y->kind == SB_T_DECIMAL)
        return json_compatible(a, sb_io_decimal_for(a, x), y);
    if (x->kind == SB_T_DECIMAL && is_integral_kind(y->kind))
        return json_compatible(a, x, sb_io_decimal_for(a, y));
    if ((x->kind == SB_T_TIMESTAMP_NTZ && y->kind == SB_T_TIMESTAMP) ||
        (x->kind == SB_T_TIMESTAMP && y->kind == SB_T_TIMESTAMP_NTZ))
        return T(SB_T_TIMESTAMP);
    return T(SB_T_STRING);
}

typedef struct root_state {
    sb_arena *a;
    const json_cfg *c;
    bool failed; /* FAILFAST met a bad record */
} root_state;

static const sb_type *with_corrupt_field(root_state *st, const sb_type *s)
{
    if (st->c->mode == MODE_DROP) return s;
    if (st->c->mode == MODE_FAILFAST) {
        st->failed = true;
        return s;
    }
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, st->c->corrupt) == 0) return s;
    jfield *f = sb_arena_alloc(st->a, (s->nfields + 1) * sizeof *f);
    f[0].name = st->c->corrupt;
    f[0].type = T(SB_T_STRING);
    f[0].ix = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        f[i + 1].name = s->fields[i].name;
        f[i + 1].type = s->fields[i].type;
        f[i + 1].ix = i + 1;
    }
    return make_struct(st->a, f, s->nfields + 1);
}

/* JsonInferSchema.compatibleRootType */
static const sb_type *root_merge(root_state *st, const sb_type *x, const sb_type *y)
{
    if (x->kind == SB_T_ARRAY) return root_merge(st, x->elem, y);
    if (y->kind == SB_T_ARRAY) return root_merge(st, x, y->elem);
    if (x->kind == SB_T_STRUCT && y->kind == SB_T_NULL) return x;
    if (x->kind == SB_T_NULL && y->kind == SB_T_STRUCT) return y;
    if (x->kind == SB_T_STRUCT && y->kind != SB_T_STRUCT) return with_corrupt_field(st, x);
    if (x->kind != SB_T_STRUCT && y->kind == SB_T_STRUCT) return with_corrupt_field(st, y);
    return json_compatible(st->a, x, y);
}

/* JsonInferSchema.canonicalizeType; NULL for "drop it". */
static const sb_type *canonicalize(sb_arena *a, const json_cfg *c, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_ARRAY: {
        const sb_type *e = canonicalize(a, c, t->elem);
        return e ? sb_type_array(a, e, t->contains_null) : NULL;
    }
    case SB_T_STRUCT: {
        sb_field *f = sb_arena_alloc(a, (t->nfields ? t->nfields : 1) * sizeof *f);
        size_t n = 0;
        for (size_t i = 0; i < t->nfields; i++) {
            if (!t->fields[i].name[0]) continue;
            const sb_type *ft = canonicalize(a, c, t->fields[i].type);
            if (!ft) continue;
            f[n] = t->fields[i];
            f[n++].type = ft;
        }
        return n ? sb_type_struct(a, f, n) : NULL;
    }
    case SB_T_NULL:
        return c->drop_all_null ? NULL : T(SB_T_STRING);
    default:
        return t;
    }
}

/* ---- records ------------------------------------------------------------------- */

static bool json_config(sb_arena *a, const sb_io_options *o, const char *name, sb_diags *d,
                        json_cfg *c)
{
    bool ok = true;
    memset(c, 0, sizeof *c);
    c->prefers_decimal = sb_io_opt_bool(o->prefers_decimal, false, "prefersDecimal", name, d, &ok);
    c->primitives_as_string =
        sb_io_opt_bool(o->primitives_as_string, false, "primitivesAsString", name, d, &ok);
    c->infer_timestamp = sb_io_opt_bool(o->infer_timestamp, false, "inferTimestamp", name, d, &ok);
    c->drop_all_null =
        sb_io_opt_bool(o->drop_field_if_all_null, false, "dropFieldIfAllNull", name, d, &ok);
    c->multiline = sb_io_opt_bool(o->multi_line, false, "multiLine", name, d, &ok);
    c->corrupt =
        o->column_name_of_corrupt_record ? o->column_name_of_corrupt_record : "_corrupt_record";
    c->mode = MODE_PERMISSIVE;
    if (o->mode) {
        if (sb_str_ieq(o->mode, "PERMISSIVE"))
            c->mode = MODE_PERMISSIVE;
        else if (sb_str_ieq(o->mode, "DROPMALFORMED"))
            c->mode = MODE_DROP;
        else if (sb_str_ieq(o->mode, "FAILFAST"))
            c->mode = MODE_FAILFAST;
        else
            /* Spark falls back to PERMISSIVE for an unknown mode, with a warning. */
            sb_diags_add(d, SB_SEV_WARNING, "bad-option",
                         "%s: unknown mode \"%s\"; Spark reads it as PERMISSIVE", name, o->mode);
    }
    if (o->timestamp_format && c->infer_timestamp) {
        const char *err;
        c->has_ts_pattern = true;
        c->ts_pattern = sb_io_pattern_compile(a, o->timestamp_format, &err);
        if (!c->ts_pattern)
            sb_diags_add(d, SB_SEV_WARNING, "bad-option",
                         "%s: timestampFormat \"%s\" is not a pattern Spark can parse with (%s); "
                         "no field is inferred as timestamp",
                         name, o->timestamp_format, err);
    }
    if (o->sampling_ratio) {
        char *end;
        double r = strtod(o->sampling_ratio, &end);
        if (*end || r <= 0) {
            sb_diags_add(d, SB_SEV_ERROR, "bad-option", "%s: samplingRatio \"%s\" is not a ratio",
                         name, o->sampling_ratio);
            ok = false;
        } else if (r < 1.0) {
            sb_diags_add(d, SB_SEV_NOTE, "sampling-ratio",
                         "%s: sibyl samples every record, not a random %g of them", name, r);
        }
    }
    return ok;
}

typedef struct json_run {
    sb_arena *a;       /* the result */
    sb_arena *scratch; /* the types of the records being read, recycled */
    const json_cfg *c;
    root_state root;
    const sb_type *acc; /* NULL until the first record */
    size_t records, malformed, first_bad_line, max_rows;
    const char *first_bad_file, *first_bad_msg, *fatal;
    sb_buf tmp;
} json_run;

/* A copy of t in arena a (types of the scratch arena outlive it this way). */
static const sb_type *copy_type(sb_arena *a, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_DECIMAL:
        return sb_type_decimal(a, t->precision, t->scale);
    case SB_T_ARRAY:
        return sb_type_array(a, copy_type(a, t->elem), t->contains_null);
    case SB_T_MAP:
        return sb_type_map(a, copy_type(a, t->key), copy_type(a, t->value), t->contains_null);
    case SB_T_STRUCT: {
        sb_field *f = sb_arena_alloc(a, (t->nfields ? t->nfields : 1) * sizeof *f);
        for (size_t i = 0; i < t->nfields; i++) {
            f[i] = t->fields[i];
            f[i].type = copy_type(a, t->fields[i].type);
        }
        return sb_type_struct(a, f, t->nfields); /* copies the names */
    }
    default:
        return t; /* singletons */
    }
}

/* Records between two recyclings of the scratch arena. */
#define JSON_SCRATCH_RECORDS 1024

static void merge_record(json_run *r, const char *s, size_t n, const char *file, size_t line)
{
    jp p = {.a = r->scratch, .c = r->c, .s = s, .n = n, .tmp = r->tmp};
    const sb_type *t = infer_value(&p, true);
    r->tmp = p.tmp;
    r->records++;
    if (!t) {
        if (p.fatal && !r->fatal) r->fatal = sb_arena_strdup(r->a, p.fatal);
        if (!r->malformed) {
            r->first_bad_line = line;
            r->first_bad_file = file;
            r->first_bad_msg = p.err;
        }
        r->malformed++;
        if (r->c->mode == MODE_DROP) return;
        if (r->c->mode == MODE_FAILFAST) {
            r->root.failed = true;
            return;
        }
        sb_field f = {.name = r->c->corrupt, .type = T(SB_T_STRING), .nullable = true};
        t = sb_type_struct(r->scratch, &f, 1);
    }
    r->root.a = r->scratch;
    const sb_type *merged = r->acc ? root_merge(&r->root, r->acc, t) : t;
    if (r->root.failed && !r->first_bad_file) {
        r->first_bad_line = line;
        r->first_bad_file = file;
        r->first_bad_msg = "not a JSON object";
    }
    if (!r->acc || !sb_io_type_eq(merged, r->acc)) r->acc = copy_type(r->a, merged);
}

static void add_record(json_run *r, const char *s, size_t n, const char *file, size_t line)
{
    merge_record(r, s, n, file, line);
    if (r->records % JSON_SCRATCH_RECORDS == 0) {
        /* r->acc lives in r->a, so the scratch arena can go. */
        sb_arena_free(r->scratch);
        r->scratch = sb_arena_new();
    }
}

const sb_type *sb_io_json_infer_inputs(sb_arena *a, const sb_io_input *in, size_t nin,
                                       const sb_io_options *opts, size_t max_rows, const char *name,
                                       sb_diags *d)
{
    static const sb_io_options none;
    if (!opts) opts = &none;
    json_cfg c;
    if (!json_config(a, opts, name, d, &c)) return NULL;
    json_run r = {.a = a, .scratch = sb_arena_new(), .c = &c, .max_rows = max_rows};
    r.root.a = a;
    r.root.c = &c;
    r.tmp = (sb_buf)SB_BUF_INIT;
    for (size_t k = 0; k < nin; k++) {
        sb_io_text text;
        /* Invalid UTF-8 is Jackson's to find (a malformed record), so keep it. */
        if (!sb_io_decode_text(a, in[k].data, in[k].len, opts->encoding, false, in[k].name, d,
                               &text)) {
            sb_buf_free(&r.tmp);
            sb_arena_free(r.scratch);
            return NULL;
        }
        if (c.multiline) {
            add_record(&r, text.data, text.len, in[k].name, 1);
            continue;
        }
        size_t pos = 0, line = 0;
        while (pos < text.len && !(max_rows && r.records >= max_rows)) {
            size_t start = pos;
            while (pos < text.len && text.data[pos] != '\n' && text.data[pos] != '\r') pos++;
            size_t end = pos;
            if (pos < text.len && text.data[pos] == '\r') {
                pos++;
                if (pos < text.len && text.data[pos] == '\n') pos++;
            } else if (pos < text.len && text.data[pos] == '\n') {
                pos++;
            }
            line++;
            add_record(&r, text.data + start, end - start, in[k].name, line);
        }
    }
    sb_buf_free(&r.tmp);
    sb_arena_free(r.scratch);
    r.root.a = a;
    if (r.fatal) {
        sb_diags_add(d, SB_SEV_ERROR, "infer-failed", "%s: %s", name, r.fatal);
        return NULL;
    }
    if (r.root.failed) {
        sb_diag *g =
            sb_diags_add(d, SB_SEV_ERROR, "malformed-record",
                         "%s: line %zu of %s is a malformed record (%s) and mode is "
                         "FAILFAST",
                         name, r.first_bad_line, r.first_bad_file ? r.first_bad_file : name,
                         r.first_bad_msg ? r.first_bad_msg : "not a JSON object");
        sb_diag_set_hint(d, g, "Spark fails the read too; use mode PERMISSIVE or DROPMALFORMED");
        return NULL;
    }
    if (r.malformed && c.mode == MODE_PERMISSIVE) {
        sb_diags_add(d, SB_SEV_WARNING, "malformed-record",
                     "%s: %zu malformed record%s (first: line %zu of %s, %s); Spark adds the "
                     "column %s for them",
                     name, r.malformed, r.malformed == 1 ? "" : "s", r.first_bad_line,
                     r.first_bad_file, r.first_bad_msg, c.corrupt);
    }
    /* The fold Spark finishes with starts from an empty struct. */
    const sb_type *empty = sb_type_struct(a, NULL, 0);
    const sb_type *root = r.acc ? root_merge(&r.root, empty, r.acc) : empty;
    if (r.root.failed) {
        sb_diags_add(d, SB_SEV_ERROR, "malformed-record",
                     "%s: a record is not a JSON object and mode is FAILFAST", name);
        return NULL;
    }
    const sb_type *t = canonicalize(a, &c, root);
    if (!t || t->kind != SB_T_STRUCT) {
        sb_diags_add(d, SB_SEV_WARNING, "empty-data",
                     "%s: no fields to infer a schema from; the schema has no columns", name);
        return empty;
    }
    if (!sb_io_check_duplicates(t, name, d)) return NULL;
    return t;
}

const sb_type *sb_io_infer_json(sb_arena *a, const char *data, size_t len,
                                const sb_io_options *opts, size_t max_rows, const char *name,
                                sb_diags *d)
{
    sb_io_input in = {.name = name, .data = data, .len = len};
    return sb_io_json_infer_inputs(a, &in, 1, opts, max_rows, name, d);
}
