/*
 * csv_infer.c — the schema Spark 3.5 gives a CSV file.
 *
 * Follows org.apache.spark.sql.catalyst.csv.CSVInferSchema and the parts of
 * CSVDataSource / CSVUtils and the univocity parser that decide what the
 * columns are:
 *
 *  - Without multiLine, the text is cut into lines first (\n, \r\n, \r);
 *    blank lines and, with `comment`, comment lines are dropped; the first
 *    line left gives the columns (the header); with header=true every line
 *    equal to it is skipped. A quoted value cannot span lines: an unclosed
 *    quote ends at the end of its line. With multiLine, records are read
 *    from the whole text and quoted values may hold line breaks.
 *  - Header names: empty or nullValue -> `_c<i>`; names that repeat (case-
 *    insensitively) get their index appended ("a0", "a2"); no header ->
 *    `_c0`, `_c1`, ...
 *  - inferSchema=false: every column is a string. Otherwise each value is
 *    tried as Spark does, starting from the type found so far: int, bigint,
 *    decimal (an integer too long for bigint, no fraction), double, date
 *    (dateFormat, default yyyy-MM-dd, with preferDate), timestamp
 *    (timestampFormat, default Spark's ISO-8601 forms), boolean, string;
 *    the result is merged with the type so far by compatibleType. Empty
 *    values and nullValue leave the type alone; a column that never had a
 *    value is a string. Rows shorter than the header leave the last columns
 *    alone; extra values are ignored.
 */
#include "io/io_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct csv_cfg {
    const char *delim; /* one or more bytes */
    size_t delim_len;
    char quote;  /* '\0': no quoting */
    char escape; /* '\0': no escape */
    char comment;
    bool has_comment;
    bool header, infer, multiline, prefer_date, trim_lead, trim_trail;
    const char *null_value, *nan_value, *pos_inf, *neg_inf;
    sb_io_pattern *date_pattern;      /* NULL: dates never match */
    sb_io_pattern *timestamp_pattern; /* NULL with has_ts_pattern: never match */
    bool has_ts_pattern;
} csv_cfg;

/* A field as the parser returns it: NULL for an empty unquoted value. */
typedef struct csv_field {
    const char *s;
    size_t len;
    bool null;
} csv_field;

typedef struct csv_row {
    csv_field *f;
    size_t n, cap;
} csv_row;

/* ---- options ------------------------------------------------------------- */

/* CSVExprUtils.toChar for one (possibly escaped) delimiter character. */
static bool delim_char(const char *s, size_t n, char *out, const char **err)
{
    if (n == 1) {
        if (s[0] == '\\') {
            *err = "a single backslash is not allowed as a delimiter";
            return false;
        }
        *out = s[0];
        return true;
    }
    switch (s[1]) {
    case 't':
        *out = '\t';
        return true;
    case 'r':
        *out = '\r';
        return true;
    case 'b':
        *out = '\b';
        return true;
    case 'f':
        *out = '\f';
        return true;
    case '"':
        *out = '"';
        return true;
    case '\'':
        *out = '\'';
        return true;
    case '\\':
        *out = '\\';
        return true;
    case 'u':
        if (n == 6 && strcmp(s, "\\u0000") == 0) {
            *out = '\0';
            return true;
        }
        break;
    default:
        break;
    }
    *err = "unsupported special character for delimiter";
    return false;
}

/* CSVExprUtils.toDelimiterStr: "\t" and friends are escapes, the rest literal. */
static bool parse_delimiter(sb_arena *a, const char *sep, csv_cfg *c, const char **err)
{
    size_t n = strlen(sep);
    if (n == 0) {
        *err = "the delimiter cannot be empty";
        return false;
    }
    if (strcmp(sep, "\\u0000") == 0) {
        c->delim = "";
        c->delim_len = 1;
        return true;
    }
    char *out = sb_arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (sep[i] == '\\') {
            size_t take = i + 1 < n ? 2 : 1;
            char ch;
            if (!delim_char(sep + i, take, &ch, err)) return false;
            out[k++] = ch;
            i += take;
        } else {
            out[k++] = sep[i++];
        }
    }
    c->delim = out;
    c->delim_len = k;
    return true;
}

/* CSVOptions.getChar: unset -> default, "" -> '\0', one character, else an error.
 * sibyl reads single-byte characters only. */
static bool option_char(const char *v, char dflt, const char *option, const char *name, sb_diags *d,
                        char *out, bool *set)
{
    if (set) *set = v != NULL;
    if (!v) {
        *out = dflt;
        return true;
    }
    size_t n = strlen(v);
    if (n == 0) {
        *out = '\0';
        if (set) *set = false;
        return true;
    }
    if (n == 1) {
        *out = v[0];
        return true;
    }
    size_t cps = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)v[i] & 0xC0) != 0x80) cps++;
    if (cps == 1) {
        sb_diags_add(d, SB_SEV_ERROR, "bad-option",
                     "%s: option %s \"%s\" is not an ASCII character; sibyl supports ASCII only",
                     name, option, v);
    } else {
        sb_diags_add(d, SB_SEV_ERROR, "bad-option",
                     "%s: option %s cannot be more than one character (\"%s\")", name, option, v);
    }
    return false;
}

static bool csv_config(sb_arena *a, const sb_io_options *o, const char *name, sb_diags *d,
                       csv_cfg *c)
{
    bool ok = true;
    memset(c, 0, sizeof *c);
    const char *err = NULL;
    if (!parse_delimiter(a, o->sep ? o->sep : ",", c, &err)) {
        sb_diags_add(d, SB_SEV_ERROR, "bad-option", "%s: invalid sep \"%s\": %s", name, o->sep,
                     err);
        ok = false;
    }
    ok &= option_char(o->quote, '"', "quote", name, d, &c->quote, NULL);
    ok &= option_char(o->escape, '\\', "escape", name, d, &c->escape, NULL);
    if (o->comment && strlen(o->comment) == 1) {
        c->comment = o->comment[0];
        c->has_comment = true;
    } else if (o->comment && o->comment[0]) {
        ok &= option_char(o->comment, '\0', "comment", name, d, &c->comment, &c->has_comment);
    }
    c->header = sb_io_opt_bool(o->header, false, "header", name, d, &ok);
    c->infer = sb_io_opt_bool(o->infer_schema, false, "inferSchema", name, d, &ok);
    c->multiline = sb_io_opt_bool(o->multi_line, false, "multiLine", name, d, &ok);
    c->prefer_date = sb_io_opt_bool(o->prefer_date, true, "preferDate", name, d, &ok);
    c->trim_lead = sb_io_opt_bool(o->ignore_leading_white_space, false, "ignoreLeadingWhiteSpace",
                                  name, d, &ok);
    c->trim_trail = sb_io_opt_bool(o->ignore_trailing_white_space, false,
                                   "ignoreTrailingWhiteSpace", name, d, &ok);
    c->null_value = o->null_value ? o->null_value : "";
    c->nan_value = o->nan_value ? o->nan_value : "NaN";
    c->pos_inf = o->positive_inf ? o->positive_inf : "Inf";
    c->neg_inf = o->negative_inf ? o->negative_inf : "-Inf";
    if (c->infer) {
        /* Spark: with preferDate the date parser is strict yyyy-MM-dd unless
         * dateFormat says otherwise; without it dates are never inferred. */
        if (c->prefer_date) {
            const char *pat = o->date_format ? o->date_format : "yyyy-MM-dd";
            c->date_pattern = sb_io_pattern_compile(a, pat, &err);
            if (!c->date_pattern)
                sb_diags_add(d, SB_SEV_WARNING, "bad-option",
                             "%s: dateFormat \"%s\" is not a pattern Spark can parse with (%s); "
                             "no column is inferred as date",
                             name, pat, err);
        }
        if (o->timestamp_format) {
            c->has_ts_pattern = true;
            c->timestamp_pattern = sb_io_pattern_compile(a, o->timestamp_format, &err);
            if (!c->timestamp_pattern)
                sb_diags_add(d, SB_SEV_WARNING, "bad-option",
                             "%s: timestampFormat \"%s\" is not a pattern Spark can parse with "
                             "(%s); no column is inferred as timestamp",
                             name, o->timestamp_format, err);
        }
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
                         "%s: sibyl samples every row, not a random %g of them; Spark's "
                         "random sample may give a narrower type",
                         name, r);
        }
    }
    return ok;
}

/* ---- the record parser ---------------------------------------------------- */

static void row_push(sb_arena *a, csv_row *r, csv_field f)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        r->f = sb_arena_realloc(a, r->f, r->cap * sizeof *r->f, nc * sizeof *r->f);
        r->cap = nc;
    }
    r->f[r->n++] = f;
}

static bool at_delim(const csv_cfg *c, const char *s, size_t n, size_t i)
{
    return i + c->delim_len <= n && memcmp(s + i, c->delim, c->delim_len) == 0;
}

/* Parse one record starting at s[*pos], ending before the line break (or the
 * end of s). In multiLine mode quoted values may cross line breaks; *pos is
 * left after the record's line break. Fields that need unescaping are built
 * in the arena. */
static void parse_record(sb_arena *a, sb_arena *strings, const csv_cfg *c, const char *s, size_t n,
                         size_t *pos, csv_row *row, size_t max_fields)
{
    size_t i = *pos;
    row->n = 0;
    sb_buf val = SB_BUF_INIT;
    for (;;) {
        bool store = row->n < max_fields;
        if (c->trim_lead) {
            while (i < n && (unsigned char)s[i] <= ' ' && s[i] != '\n' && s[i] != '\r' &&
                   !at_delim(c, s, n, i))
                i++;
        }
        csv_field f = {0};
        if (c->quote && i < n && s[i] == c->quote) {
            size_t open = i;
            bool unquoted = false;
            sb_buf_reset(&val);
            i++;
            while (i < n) {
                char ch = s[i];
                if (c->escape && ch == c->escape && c->escape != c->quote && i + 1 < n &&
                    s[i + 1] == c->quote) {
                    sb_buf_putc(&val, c->quote);
                    i += 2;
                    continue;
                }
                if (ch == c->quote) {
                    if (c->escape == c->quote && i + 1 < n && s[i + 1] == c->quote) {
                        sb_buf_putc(&val, c->quote);
                        i += 2;
                        continue;
                    }
                    size_t after = i + 1;
                    if (c->trim_trail)
                        while (after < n && (s[after] == ' ' || s[after] == '\t')) after++;
                    if (after >= n || at_delim(c, s, n, after) || s[after] == '\n' ||
                        s[after] == '\r') {
                        i = after;
                        break;
                    }
                    /* An unescaped quote inside a quoted value: univocity's
                     * STOP_AT_DELIMITER reads the value again as unquoted text. */
                    unquoted = true;
                    break;
                }
                if (!c->multiline && (ch == '\n' || ch == '\r')) break;
                sb_buf_putc(&val, ch);
                i++;
            }
            if (unquoted) {
                i = open;
                while (i < n && !at_delim(c, s, n, i) && s[i] != '\n' && s[i] != '\r') i++;
                if (store) {
                    f.s = s + open;
                    f.len = i - open;
                }
            } else if (store) {
                f.s = sb_arena_strndup(strings, sb_buf_str(&val), val.len);
                f.len = val.len;
            }
        } else {
            size_t vs = i;
            while (i < n && !at_delim(c, s, n, i) && s[i] != '\n' && s[i] != '\r') i++;
            size_t ve = i;
            if (c->trim_trail)
                while (ve > vs && (unsigned char)s[ve - 1] <= ' ') ve--;
            f.s = s + vs;
            f.len = ve - vs;
            f.null = ve == vs;
        }
        if (store) row_push(a, row, f);
        if (at_delim(c, s, n, i)) {
            i += c->delim_len;
            continue;
        }
        break;
    }
    /* Skip to the end of the line. */
    while (i < n && s[i] != '\n' && s[i] != '\r') i++;
    if (i < n && s[i] == '\r') {
        i++;
        if (i < n && s[i] == '\n') i++;
    } else if (i < n && s[i] == '\n') {
        i++;
    }
    *pos = i;
    sb_buf_free(&val);
}

/* ---- lines (without multiLine) -------------------------------------------- */

typedef struct line {
    const char *s;
    size_t len;
} line;

/* Hadoop's LineRecordReader: \n, \r\n or \r ends a line. */
static size_t next_line(const char *s, size_t n, size_t *pos, line *out)
{
    size_t i = *pos, start = i;
    if (i >= n) return 0;
    while (i < n && s[i] != '\n' && s[i] != '\r') i++;
    out->s = s + start;
    out->len = i - start;
    if (i < n && s[i] == '\r') {
        i++;
        if (i < n && s[i] == '\n') i++;
    } else if (i < n && s[i] == '\n') {
        i++;
    }
    *pos = i;
    return 1;
}

/* CSVUtils.filterCommentAndEmpty */
static bool keep_line(const csv_cfg *c, const line *l)
{
    bool blank = true;
    for (size_t i = 0; i < l->len && blank; i++)
        if ((unsigned char)l->s[i] > ' ') blank = false;
    if (blank) return false;
    return !(c->has_comment && l->len && l->s[0] == c->comment);
}

/* ---- inference ------------------------------------------------------------- */

static bool is_inf_or_nan(const csv_cfg *c, const char *s, size_t n)
{
    return (strlen(c->nan_value) == n && memcmp(s, c->nan_value, n) == 0) ||
           (strlen(c->pos_inf) == n && memcmp(s, c->pos_inf, n) == 0) ||
           (strlen(c->neg_inf) == n && memcmp(s, c->neg_inf, n) == 0);
}

static const sb_type *T(sb_type_kind k)
{
    return sb_type_of(k);
}

static const sb_type *try_boolean(const char *s, size_t n)
{
    return sb_io_java_boolean(s, n) ? T(SB_T_BOOLEAN) : T(SB_T_STRING);
}

static const sb_type *try_timestamp(const csv_cfg *c, const char *s, size_t n)
{
    bool ok = c->has_ts_pattern ? sb_io_pattern_match(c->timestamp_pattern, s, n)
                                : sb_io_spark_timestamp(s, n, NULL, NULL);
    return ok ? T(SB_T_TIMESTAMP) : try_boolean(s, n);
}

static const sb_type *try_date(const csv_cfg *c, const char *s, size_t n)
{
    if (sb_io_pattern_match(c->date_pattern, s, n)) return T(SB_T_DATE);
    return try_timestamp(c, s, n);
}

static const sb_type *try_double(const csv_cfg *c, const char *s, size_t n)
{
    if (sb_io_java_double(s, n) || is_inf_or_nan(c, s, n)) return T(SB_T_DOUBLE);
    return c->prefer_date ? try_date(c, s, n) : try_timestamp(c, s, n);
}

static const sb_type *try_decimal(sb_arena *a, const csv_cfg *c, const char *s, size_t n)
{
    int precision;
    long scale;
    /* Spark keeps decimals for values without a fraction only (scale 0; a
     * negative scale is rejected by DecimalType and falls through). */
    if (sb_io_java_bigdecimal(s, n, &precision, &scale) && scale == 0 &&
        precision <= SB_DECIMAL_MAX_PRECISION)
        return sb_type_decimal(a, precision, 0);
    return try_double(c, s, n);
}

static const sb_type *try_long(sb_arena *a, const csv_cfg *c, const char *s, size_t n)
{
    return sb_io_java_long(s, n) ? T(SB_T_LONG) : try_decimal(a, c, s, n);
}

static const sb_type *try_int(sb_arena *a, const csv_cfg *c, const char *s, size_t n)
{
    return sb_io_java_int(s, n) ? T(SB_T_INT) : try_long(a, c, s, n);
}

static bool is_integral_kind(sb_type_kind k)
{
    return k == SB_T_BYTE || k == SB_T_SHORT || k == SB_T_INT || k == SB_T_LONG;
}

/* CSVInferSchema.compatibleType; NULL when there is none (string then). */
static const sb_type *csv_compatible(sb_arena *a, const sb_type *x, const sb_type *y)
{
    const sb_type *t = sb_io_tightest(a, x, y);
    if (t) return t;
    if (x->kind == SB_T_STRING || y->kind == SB_T_STRING) return T(SB_T_STRING);
    if (is_integral_kind(x->kind) && y->kind == SB_T_DECIMAL)
        return csv_compatible(a, sb_io_decimal_for(a, x), y);
    if (x->kind == SB_T_DECIMAL && is_integral_kind(y->kind))
        return csv_compatible(a, x, sb_io_decimal_for(a, y));
    if ((x->kind == SB_T_DOUBLE && y->kind == SB_T_DECIMAL) ||
        (x->kind == SB_T_DECIMAL && y->kind == SB_T_DOUBLE))
        return T(SB_T_DOUBLE);
    if (x->kind == SB_T_DECIMAL && y->kind == SB_T_DECIMAL) return sb_io_merge_decimals(a, x, y);
    return NULL;
}

/* CSVInferSchema.inferField */
static const sb_type *infer_field(sb_arena *a, const csv_cfg *c, const sb_type *so_far,
                                  const csv_field *f)
{
    if (f->null || f->len == 0 ||
        (strlen(c->null_value) == f->len && memcmp(f->s, c->null_value, f->len) == 0))
        return so_far;
    const char *s = f->s;
    size_t n = f->len;
    const sb_type *t;
    switch (so_far->kind) {
    case SB_T_NULL:
    case SB_T_INT:
        t = try_int(a, c, s, n);
        break;
    case SB_T_LONG:
        t = try_long(a, c, s, n);
        break;
    case SB_T_DECIMAL:
        t = try_decimal(a, c, s, n);
        break;
    case SB_T_DOUBLE:
        t = try_double(c, s, n);
        break;
    case SB_T_DATE:
        t = try_date(c, s, n);
        break;
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ:
        t = try_timestamp(c, s, n);
        break;
    case SB_T_BOOLEAN:
        t = try_boolean(s, n);
        break;
    default:
        return T(SB_T_STRING);
    }
    const sb_type *m = csv_compatible(a, so_far, t);
    return m ? m : T(SB_T_STRING);
}

/* ---- header names ---------------------------------------------------------- */

typedef struct name_ix {
    char *lower;
    size_t ix;
} name_ix;

static int cmp_name_ix(const void *x, const void *y)
{
    const name_ix *p = x, *q = y;
    int c = strcmp(p->lower, q->lower);
    if (c) return c;
    return p->ix < q->ix ? -1 : p->ix > q->ix;
}

/* CSVUtils.makeSafeHeader (spark.sql.caseSensitive=false): names that occur
 * more than once, ignoring case, get their index appended. */
static const char **header_names(sb_arena *a, const csv_cfg *c, const csv_row *r)
{
    const char **names = sb_arena_alloc(a, (r->n ? r->n : 1) * sizeof *names);
    bool *dup = sb_arena_alloc(a, (r->n ? r->n : 1) * sizeof *dup);
    name_ix *ix = sb_arena_alloc(a, (r->n ? r->n : 1) * sizeof *ix);
    size_t m = 0;
    for (size_t i = 0; i < r->n && c->header; i++) {
        if (r->f[i].null) continue;
        char *l = sb_arena_strndup(a, r->f[i].s, r->f[i].len);
        for (char *p = l; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        ix[m].lower = l;
        ix[m++].ix = i;
    }
    qsort(ix, m, sizeof *ix, cmp_name_ix);
    for (size_t i = 0; i + 1 < m; i++) {
        if (strcmp(ix[i].lower, ix[i + 1].lower) == 0) dup[ix[i].ix] = dup[ix[i + 1].ix] = true;
    }
    for (size_t i = 0; i < r->n; i++) {
        const csv_field *f = &r->f[i];
        if (!c->header || f->null || f->len == 0 ||
            (strlen(c->null_value) == f->len && memcmp(f->s, c->null_value, f->len) == 0)) {
            names[i] = sb_arena_printf(a, "_c%zu", i);
            continue;
        }
        const char *v = sb_arena_strndup(a, f->s, f->len);
        names[i] = dup[i] ? sb_arena_printf(a, "%s%zu", v, i) : v;
    }
    return names;
}

/* Spark caps a record at maxColumns (20480) columns. */
#define CSV_MAX_COLUMNS 20480

typedef struct csv_state {
    sb_arena *a;       /* the result */
    sb_arena *scratch; /* values and types of the rows being read, recycled */
    const csv_cfg *c;
    const sb_type **types;
    size_t ncols;
    size_t rows, max_rows;
} csv_state;

/* Rows between two recyclings of the scratch arena. */
#define CSV_SCRATCH_ROWS 4096

static void infer_row(csv_state *st, const csv_row *r)
{
    size_t n = r->n < st->ncols ? r->n : st->ncols;
    for (size_t i = 0; i < n; i++) {
        const sb_type *prev = st->types[i];
        const sb_type *t = infer_field(st->scratch, st->c, prev, &r->f[i]);
        /* Only decimals are built per value; keep them out of the scratch arena. */
        if (t != prev && !sb_io_type_eq(t, prev))
            st->types[i] =
                t->kind == SB_T_DECIMAL ? sb_type_decimal(st->a, t->precision, t->scale) : t;
    }
    if (++st->rows % CSV_SCRATCH_ROWS == 0) {
        sb_arena_free(st->scratch);
        st->scratch = sb_arena_new();
    }
}

static bool done(const csv_state *st)
{
    return st->max_rows && st->rows >= st->max_rows;
}

const sb_type *sb_io_csv_infer_inputs(sb_arena *a, const sb_io_input *in, size_t nin,
                                      const sb_io_options *opts, size_t max_rows, const char *name,
                                      sb_diags *d)
{
    static const sb_io_options none;
    if (!opts) opts = &none;
    csv_cfg c;
    if (!csv_config(a, opts, name, d, &c)) return NULL;

    /* Spark's line reader cuts UTF-16 text at raw \n and \r bytes and decodes
     * each piece on its own; for the other encodings that is the same as
     * decoding first. */
    bool wide = !c.multiline && sb_io_encoding_is_utf16(opts->encoding);
    sb_io_text *texts = sb_arena_alloc(a, (nin ? nin : 1) * sizeof *texts);
    for (size_t k = 0; k < nin; k++) {
        if (wide) {
            sb_buf joined = SB_BUF_INIT;
            size_t pos = 0, lines = 0, bad = 0, bad_line = 0;
            line raw;
            while (next_line(in[k].data, in[k].len, &pos, &raw)) {
                sb_io_text t;
                lines++;
                if (!sb_io_decode_text(a, raw.s, raw.len, opts->encoding, true, in[k].name, d,
                                       &t)) {
                    sb_buf_free(&joined);
                    return NULL;
                }
                if (t.invalid && !bad) bad_line = lines;
                bad += t.invalid;
                sb_buf_add(&joined, t.data, t.len);
                sb_buf_putc(&joined, '\n');
            }
            texts[k].data = sb_arena_strndup(a, sb_buf_str(&joined), joined.len);
            texts[k].len = joined.len;
            texts[k].invalid = bad;
            texts[k].invalid_line = bad_line;
            sb_buf_free(&joined);
        } else if (!sb_io_decode_text(a, in[k].data, in[k].len, opts->encoding, true, in[k].name, d,
                                      &texts[k])) {
            return NULL;
        }
        sb_io_warn_invalid(d, in[k].name, texts[k].invalid_line, texts[k].invalid);
    }

    csv_row row = {0};
    csv_row head = {0};
    bool have_head = false;
    line first = {0};
    csv_state st = {.a = a, .scratch = sb_arena_new(), .c = &c, .max_rows = max_rows};

    for (size_t k = 0; k < nin && !done(&st); k++) {
        const char *s = texts[k].data;
        size_t n = texts[k].len, pos = 0;
        if (!c.multiline) {
            line l;
            while (!done(&st) && next_line(s, n, &pos, &l)) {
                if (!keep_line(&c, &l)) continue;
                if (!have_head) {
                    size_t p = 0;
                    parse_record(a, a, &c, l.s, l.len, &p, &head, CSV_MAX_COLUMNS + 1);
                    have_head = true;
                    first = l;
                    st.ncols = head.n;
                    if (st.ncols > CSV_MAX_COLUMNS) goto too_wide;
                    st.types = sb_arena_alloc(a, (st.ncols ? st.ncols : 1) * sizeof *st.types);
                    for (size_t i = 0; i < st.ncols; i++) st.types[i] = T(SB_T_NULL);
                    if (c.header) continue;
                }
                /* CSVUtils.filterHeaderLine: every line equal to the header. */
                if (c.header && l.len == first.len && memcmp(l.s, first.s, l.len) == 0) continue;
                if (!c.infer) continue;
                size_t p = 0;
                parse_record(a, st.scratch, &c, l.s, l.len, &p, &row, st.ncols);
                infer_row(&st, &row);
            }
        } else {
            bool file_head_dropped = false;
            while (!done(&st) && pos < n) {
                /* univocity skips empty lines and, with `comment`, comment lines. */
                if (s[pos] == '\n' || s[pos] == '\r') {
                    pos++;
                    continue;
                }
                if (c.has_comment && s[pos] == c.comment) {
                    while (pos < n && s[pos] != '\n' && s[pos] != '\r') pos++;
                    continue;
                }
                if (!have_head) {
                    parse_record(a, a, &c, s, n, &pos, &head, CSV_MAX_COLUMNS + 1);
                    have_head = true;
                    file_head_dropped = true;
                    st.ncols = head.n;
                    if (st.ncols > CSV_MAX_COLUMNS) goto too_wide;
                    st.types = sb_arena_alloc(a, (st.ncols ? st.ncols : 1) * sizeof *st.types);
                    for (size_t i = 0; i < st.ncols; i++) st.types[i] = T(SB_T_NULL);
                    if (c.header) continue;
                    if (c.infer) infer_row(&st, &head);
                    continue;
                }
                parse_record(a, st.scratch, &c, s, n, &pos, &row, st.ncols);
                /* Each file's first record is its header. */
                if (c.header && !file_head_dropped) {
                    file_head_dropped = true;
                    continue;
                }
                file_head_dropped = true;
                if (c.infer) infer_row(&st, &row);
            }
        }
    }

    if (!have_head) {
        sb_diags_add(d, SB_SEV_WARNING, "empty-data",
                     "%s: no data to infer a schema from; the schema has no columns", name);
        sb_arena_free(st.scratch);
        return sb_type_struct(a, NULL, 0);
    }
    const char **names = header_names(a, &c, &head);
    sb_field *fields = sb_arena_alloc(a, (st.ncols ? st.ncols : 1) * sizeof *fields);
    for (size_t i = 0; i < st.ncols; i++) {
        fields[i].name = names[i];
        const sb_type *t = c.infer ? st.types[i] : T(SB_T_STRING);
        fields[i].type = t->kind == SB_T_NULL ? T(SB_T_STRING) : t;
        fields[i].nullable = true;
    }
    sb_arena_free(st.scratch);
    return sb_type_struct(a, fields, st.ncols);

too_wide:
    sb_arena_free(st.scratch);
    sb_diags_add(d, SB_SEV_ERROR, "too-many-columns",
                 "%s: the first record has more than %d columns (Spark's maxColumns)", name,
                 CSV_MAX_COLUMNS);
    return NULL;
}

const sb_type *sb_io_infer_csv(sb_arena *a, const char *data, size_t len, const sb_io_options *opts,
                               size_t max_rows, const char *name, sb_diags *d)
{
    sb_io_input in = {.name = name, .data = data, .len = len};
    return sb_io_csv_infer_inputs(a, &in, 1, opts, max_rows, name, d);
}
