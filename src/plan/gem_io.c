/*
 * gem_io.c — the gems at the edges of a pipeline: Source (a dataset's
 * columns, declared or sampled from the file), Seed (an inline table) and
 * Target (what the format can hold, partition columns, the dataset's
 * declared schema).
 */
#include "plan/plan_internal.h"
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sb_dataset *gem_dataset(plan_gem *g, const sb_spec_text *ref, const sb_dataset *ds)
{
    if (ds) return ds;
    if (g->run->project && ref->text) return sb_project_dataset(g->run->project, ref->text);
    return NULL;
}

/* ---- Source ------------------------------------------------------------- */

static bool is_remote(const char *path)
{
    return strstr(path, "://") || strncmp(path, "dbfs:", 5) == 0;
}

/* A JSON option value as the string a Spark reader is given. */
static const char *option_text(sb_arena *a, const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_STRING:
        return v->u.string.s;
    case SB_JSON_NUMBER:
        return sb_arena_strndup(a, v->u.number.text, v->u.number.len);
    case SB_JSON_BOOL:
        return v->u.boolean ? "true" : "false";
    default:
        return NULL;
    }
}

static const sb_type *infer_schema(plan_gem *g, const sb_dataset *ds)
{
    plan_run *run = g->run;
    for (size_t i = 0; i < run->inferred.len; i++) {
        const plan_infer *c = run->inferred.items[i];
        if (c->ds == ds) return c->schema;
    }
    const sb_spec_text *dsref = &g->gem->u.source.dataset;
    if (run->no_infer) {
        plan_at_text(g, dsref);
        sb_diag *w = sb_diags_add(run->d, SB_SEV_WARNING, "schema-unknown",
                                  "dataset `%s` declares no schema and data files are not read "
                                  "in this check, so its columns are unknown",
                                  ds->name);
        sb_diag_set_hint(run->d, w, "declare the columns under `schema` in %s", ds->file);
        return NULL;
    }
    plan_infer *entry = sb_arena_alloc(run->a, sizeof(*entry));
    entry->ds = ds;
    sb_vec_push(run->a, &run->inferred, entry);
    if (!ds->path.text) return NULL; /* reported by the loader */

    /* ${var} in the path: errors point into the dataset file's path text. */
    sb_diag_context pctx = {
        .file = ds->file, .field = ds->path.field, .line = ds->path.line, .col = ds->path.col};
    sb_diags_set_context(run->d, &pctx);
    const char *path = sb_plan_substitute(run->a, run->project, run->config, ds->path.text, run->d);
    if (!path) return NULL;

    plan_at_text(g, dsref);
    size_t before = run->d->items.len;
    if (is_remote(path)) {
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "schema-unknown",
                                  "dataset `%s` declares no schema, and sibyl can only sample "
                                  "local files, not `%s`",
                                  ds->name, path);
        sb_diag_set_hint(run->d, e, "declare the columns under `schema` in %s", ds->file);
        return NULL;
    }
    const char *full = path;
    if (path[0] != '/' && run->project && run->project->root)
        full = sb_arena_printf(run->a, "%s/%s", run->project->root, path);
    sb_io_options opts = {0};
    if (ds->options) {
        for (size_t i = 0; i < ds->options->u.object.len; i++) {
            const sb_json_member *m = &ds->options->u.object.members[i];
            const char *v = option_text(run->a, m->value);
            if (v) (void)sb_io_options_set(&opts, run->a, m->key, v);
        }
    }
    const sb_type *schema = sb_io_infer_schema(run->a, sb_data_format_name(ds->format), full, &opts,
                                               run->infer_max_rows, run->d);
    if (!schema) {
        /* Point the user at the fix the data cannot give. */
        for (size_t i = before; i < run->d->items.len; i++) {
            sb_diag *e = run->d->items.items[i];
            if (e->severity == SB_SEV_ERROR && !e->hint) {
                sb_diag_set_hint(run->d, e,
                                 "declare the columns under `schema` in %s, or fix the path",
                                 ds->file);
                break;
            }
        }
        if (run->d->items.len == before)
            sb_diags_add(run->d, SB_SEV_ERROR, "schema-unknown",
                         "the schema of dataset `%s` could not be inferred from %s", ds->name,
                         path);
        return NULL;
    }
    entry->schema = plan_as_nullable(run->a, schema);
    return entry->schema;
}

void plan_source(plan_gem *g)
{
    const sb_spec_text *ref = &g->gem->u.source.dataset;
    const sb_dataset *ds = gem_dataset(g, ref, g->gem->u.source.ds);
    if (!ds) {
        if (!g->run->project && ref->text) {
            plan_at_text(g, ref);
            sb_diags_add(g->run->d, SB_SEV_WARNING, "schema-unknown",
                         "dataset `%s` is not known outside its project, so the Source's "
                         "columns are unknown",
                         ref->text);
        }
        return;
    }
    /* Spark reads every file source with its schema made nullable
     * (DataSource.resolveRelation uses dataSchema.asNullable). */
    const sb_type *schema =
        ds->schema ? plan_as_nullable(g->run->a, ds->schema) : infer_schema(g, ds);
    plan_set_out(g, schema);
}

/* ---- Seed --------------------------------------------------------------- */

static bool parse_int64(const sb_json *v, long long *out)
{
    char buf[64];
    if (v->u.number.len >= sizeof buf) return false;
    memcpy(buf, v->u.number.text, v->u.number.len);
    buf[v->u.number.len] = '\0';
    errno = 0;
    char *end;
    *out = strtoll(buf, &end, 10);
    return errno == 0 && *end == '\0';
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return days[m - 1];
}

/* "YYYY-MM-DD"; returns the characters used, 0 when invalid. */
static size_t scan_date(const char *s)
{
    int y, m, d, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10) return 0;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return 0;
    return 10;
}

/* Date, then optionally [ T]HH:MM[:SS[.fraction]] and, with a zone allowed,
 * Z or +HH:MM. */
static bool valid_timestamp(const char *s, bool zone)
{
    size_t n = scan_date(s);
    if (!n) return false;
    s += n;
    if (!*s) return true;
    if (*s != ' ' && *s != 'T') return false;
    s++;
    int h, mi, used = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &mi, &used) != 2 || used != 5 || h > 23 || mi > 59) return false;
    s += used;
    if (*s == ':') {
        int sec;
        if (sscanf(s + 1, "%2d%n", &sec, &used) != 1 || used != 2 || sec > 59) return false;
        s += 3;
        if (*s == '.') {
            size_t digits = strspn(s + 1, "0123456789");
            if (digits == 0 || digits > 9) return false;
            s += 1 + digits;
        }
    }
    if (!*s) return true;
    if (!zone) return false;
    if (strcmp(s, "Z") == 0) return true;
    if ((*s == '+' || *s == '-') && sscanf(s + 1, "%2d:%2d%n", &h, &mi, &used) == 2 && used == 5 &&
        !s[6])
        return h <= 18 && mi <= 59;
    return false;
}

/* Does decimal text fit decimal(p,s)? Only the integer digits can overflow;
 * extra fraction digits are rounded, as Spark does. */
static bool decimal_fits(const char *s, size_t len, const sb_type *t, bool *valid)
{
    size_t i = 0, int_digits = 0, frac = 0;
    bool seen_digit = false, point = false;
    *valid = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) i++;
    while (i < len && s[i] == '0') i++, seen_digit = true;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            seen_digit = true;
            if (point)
                frac++;
            else
                int_digits++;
        } else if (s[i] == '.' && !point) {
            point = true;
        } else {
            return false; /* exponents and junk: not a plain decimal */
        }
    }
    (void)frac;
    *valid = seen_digit;
    return int_digits <= (size_t)(t->precision - t->scale);
}

typedef struct seed_ctx {
    plan_gem *g;
    sb_buf path;
} seed_ctx;

static void seed_error(seed_ctx *c, const sb_json *v, const char *fmt, ...) SB_PRINTF(3, 4);

static void seed_error(seed_ctx *c, const sb_json *v, const char *fmt, ...)
{
    plan_run *run = c->g->run;
    plan_at(run, c->g->pl, c->g->gem, sb_buf_str(&c->path), v->line, v->col);
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(run->a, fmt, ap);
    va_end(ap);
    sb_diags_add(run->d, SB_SEV_ERROR, "seed-value", "%s", msg);
}

static void seed_value(seed_ctx *c, const sb_json *v, const sb_type *t, bool nullable,
                       const char *column);

static void seed_nested(seed_ctx *c, const char *suffix, const sb_json *v, const sb_type *t,
                        bool nullable, const char *column)
{
    size_t mark = c->path.len;
    sb_buf_puts(&c->path, suffix);
    seed_value(c, v, t, nullable, column);
    c->path.len = mark;
    c->path.data[mark] = '\0';
}

/* Check a value against its type; kinds that do not fit at the top level
 * of a row were reported by the loader and are checked here only inside
 * arrays, maps and structs. */
static void seed_value(seed_ctx *c, const sb_json *v, const sb_type *t, bool nullable,
                       const char *column)
{
    sb_arena *a = c->g->run->a;
    const char *tname = sb_type_str(a, t);
    if (v->kind == SB_JSON_NULL) {
        if (!nullable) seed_error(c, v, "column `%s`: a %s here cannot be null", column, tname);
        return;
    }
    switch (t->kind) {
    case SB_T_BOOLEAN:
        if (v->kind != SB_JSON_BOOL)
            seed_error(c, v, "column `%s`: expected true or false", column);
        return;
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG: {
        long long x;
        if (v->kind != SB_JSON_NUMBER || !v->u.number.is_integer) {
            seed_error(c, v, "column `%s`: expected an integer (%s)", column, tname);
            return;
        }
        long long lo = t->kind == SB_T_BYTE    ? -128
                       : t->kind == SB_T_SHORT ? -32768
                       : t->kind == SB_T_INT   ? -2147483648LL
                                               : INT64_MIN;
        long long hi = t->kind == SB_T_BYTE    ? 127
                       : t->kind == SB_T_SHORT ? 32767
                       : t->kind == SB_T_INT   ? 2147483647LL
                                               : INT64_MAX;
        if (!parse_int64(v, &x) || x < lo || x > hi)
            seed_error(c, v, "column `%s`: %.*s is out of range for %s (%lld to %lld)", column,
                       (int)v->u.number.len, v->u.number.text, tname, lo, hi);
        return;
    }
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
        if (v->kind != SB_JSON_NUMBER)
            seed_error(c, v, "column `%s`: expected a number (%s)", column, tname);
        else if (t->kind == SB_T_FLOAT && fabs(v->u.number.value) > 3.4028234663852886e38)
            seed_error(c, v, "column `%s`: %.*s is out of range for float", column,
                       (int)v->u.number.len, v->u.number.text);
        return;
    case SB_T_DECIMAL: {
        const char *s;
        size_t len;
        if (v->kind == SB_JSON_NUMBER)
            s = v->u.number.text, len = v->u.number.len;
        else if (v->kind == SB_JSON_STRING)
            s = v->u.string.s, len = v->u.string.len;
        else {
            seed_error(c, v, "column `%s`: expected a decimal number (%s)", column, tname);
            return;
        }
        bool valid;
        bool fits = decimal_fits(s, len, t, &valid);
        if (!valid)
            seed_error(c, v, "column `%s`: `%.*s` is not a decimal number", column, (int)len, s);
        else if (!fits)
            seed_error(c, v,
                       "column `%s`: %.*s does not fit %s (at most %d digits before the "
                       "point)",
                       column, (int)len, s, tname, t->precision - t->scale);
        return;
    }
    case SB_T_STRING:
    case SB_T_BINARY:
        if (v->kind != SB_JSON_STRING) seed_error(c, v, "column `%s`: expected a string", column);
        return;
    case SB_T_DATE:
        if (v->kind != SB_JSON_STRING || strlen(v->u.string.s) != 10 || !scan_date(v->u.string.s))
            seed_error(c, v, "column `%s`: expected a date written \"YYYY-MM-DD\"", column);
        return;
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ:
        if (v->kind != SB_JSON_STRING || !valid_timestamp(v->u.string.s, t->kind == SB_T_TIMESTAMP))
            seed_error(c, v, "column `%s`: expected a timestamp written \"YYYY-MM-DD HH:MM:SS\"%s",
                       column, t->kind == SB_T_TIMESTAMP ? " (optionally with Z or +HH:MM)" : "");
        return;
    case SB_T_ARRAY:
        if (v->kind != SB_JSON_ARRAY) {
            seed_error(c, v, "column `%s`: expected an array (%s)", column, tname);
            return;
        }
        for (size_t i = 0; i < v->u.array.len; i++)
            seed_nested(c, sb_arena_printf(a, "[%zu]", i), v->u.array.items[i], t->elem,
                        t->contains_null, column);
        return;
    case SB_T_MAP:
        if (v->kind != SB_JSON_OBJECT) {
            seed_error(c, v, "column `%s`: expected an object (%s)", column, tname);
            return;
        }
        for (size_t i = 0; i < v->u.object.len; i++) {
            const sb_json_member *m = &v->u.object.members[i];
            /* Keys are JSON strings; check them as values of the key type. */
            sb_json key = {.kind = SB_JSON_STRING, .line = m->line, .col = m->col};
            key.u.string.s = m->key;
            key.u.string.len = m->key_len;
            if (t->key->kind != SB_T_STRING) {
                bool ok = sb_type_is_numeric(t->key) || t->key->kind == SB_T_BOOLEAN ||
                          t->key->kind == SB_T_DATE;
                if (!ok)
                    seed_error(c, &key,
                               "column `%s`: a seed map's keys must be strings, numbers, "
                               "booleans or dates, not %s",
                               column, sb_type_str(a, t->key));
            }
            seed_nested(c, sb_arena_printf(a, ".%s", m->key), m->value, t->value, t->contains_null,
                        column);
        }
        return;
    case SB_T_STRUCT:
        if (v->kind != SB_JSON_OBJECT) {
            seed_error(c, v, "column `%s`: expected an object with fields (%s)", column, tname);
            return;
        }
        for (size_t i = 0; i < v->u.object.len; i++) {
            const sb_json_member *m = &v->u.object.members[i];
            long f = sb_schema_find(t, m->key, NULL);
            if (f < 0) {
                sb_json at = {.line = m->line, .col = m->col};
                seed_error(c, &at, "column `%s`: the struct has no field `%s`", column, m->key);
                continue;
            }
            seed_nested(c, sb_arena_printf(a, ".%s", m->key), m->value, t->fields[f].type,
                        t->fields[f].nullable, column);
        }
        for (size_t f = 0; f < t->nfields; f++) {
            if (t->fields[f].nullable) continue;
            bool present = false;
            for (size_t i = 0; i < v->u.object.len && !present; i++)
                present = sb_str_ieq(v->u.object.members[i].key, t->fields[f].name);
            if (!present)
                seed_error(c, v, "column `%s`: field `%s` is not nullable and is missing", column,
                           t->fields[f].name);
        }
        return;
    default:
        seed_error(c, v, "column `%s`: a seed cannot hold values of type %s", column, tname);
        return;
    }
}

/* The loader's check of the top level (JSON kind per column type). */
static bool top_level_fits(const sb_json *v, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_BOOLEAN:
        return v->kind == SB_JSON_BOOL;
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG:
        return v->kind == SB_JSON_NUMBER && v->u.number.is_integer;
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
        return v->kind == SB_JSON_NUMBER;
    case SB_T_DECIMAL:
        return v->kind == SB_JSON_NUMBER || v->kind == SB_JSON_STRING;
    case SB_T_STRING:
    case SB_T_BINARY:
    case SB_T_DATE:
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ:
        return v->kind == SB_JSON_STRING;
    case SB_T_ARRAY:
        return v->kind == SB_JSON_ARRAY;
    case SB_T_MAP:
    case SB_T_STRUCT:
        return v->kind == SB_JSON_OBJECT;
    default:
        return true;
    }
}

void plan_seed(plan_gem *g)
{
    const sb_type *schema = g->gem->u.seed.schema;
    if (!schema) return; /* reported by the loader */
    const sb_json *rows = g->gem->u.seed.rows;
    size_t errors = g->run->d->errors;
    seed_ctx c = {.g = g};
    for (size_t i = 0; rows && rows->kind == SB_JSON_ARRAY && i < rows->u.array.len; i++) {
        const sb_json *row = rows->u.array.items[i];
        if (row->kind != SB_JSON_ARRAY || row->u.array.len != schema->nfields) continue;
        for (size_t k = 0; k < schema->nfields; k++) {
            const sb_json *v = row->u.array.items[k];
            const sb_field *f = &schema->fields[k];
            if (v->kind == SB_JSON_NULL || !top_level_fits(v, f->type)) continue;
            sb_buf_reset(&c.path);
            sb_buf_printf(&c.path, "rows[%zu][%zu]", i, k);
            seed_value(&c, v, f->type, f->nullable, f->name);
        }
    }
    sb_buf_free(&c.path);
    (void)errors;
    /* createDataFrame keeps the declared nullability. */
    plan_set_out(g, schema);
}

/* ---- Target ------------------------------------------------------------- */

/* The part of t the format cannot store, or NULL. */
static const sb_type *unwritable(const sb_type *t, sb_data_format f)
{
    if (!t) return NULL;
    if (t->kind == SB_T_INTERVAL) return t; /* no format stores calendar intervals */
    switch (f) {
    case SB_FORMAT_CSV:
        switch (t->kind) {
        case SB_T_ARRAY:
        case SB_T_MAP:
        case SB_T_STRUCT:
        case SB_T_NULL:
        case SB_T_BINARY:
            return t;
        default:
            return NULL;
        }
    case SB_FORMAT_JSON:
    case SB_FORMAT_PARQUET:
        if (f == SB_FORMAT_PARQUET && t->kind == SB_T_NULL) return t;
        switch (t->kind) {
        case SB_T_ARRAY:
            return unwritable(t->elem, f);
        case SB_T_MAP: {
            const sb_type *k = unwritable(t->key, f);
            return k ? k : unwritable(t->value, f);
        }
        case SB_T_STRUCT:
            for (size_t i = 0; i < t->nfields; i++) {
                const sb_type *x = unwritable(t->fields[i].type, f);
                if (x) return x;
            }
            return NULL;
        default:
            return NULL;
        }
    }
    return NULL;
}

static void check_writable(plan_gem *g, const sb_type *in, const sb_dataset *ds,
                           const sb_spec_text *at)
{
    plan_run *run = g->run;
    const char *fmt = sb_data_format_name(ds->format);
    for (size_t i = 0; i < in->nfields; i++) {
        const sb_field *col = &in->fields[i];
        const sb_type *bad = unwritable(col->type, ds->format);
        if (!bad) continue;
        plan_at_text(g, at);
        const char *tname = sb_type_str(run->a, col->type);
        sb_diag *e;
        if (bad->kind == SB_T_INTERVAL) {
            e = sb_diags_add(run->d, SB_SEV_ERROR, "unwritable-type",
                             "column `%s` has type %s: Spark cannot save interval values to "
                             "files",
                             col->name, tname);
            sb_diag_set_hint(run->d, e,
                             "cast it to a string, or use an `interval day to second` "
                             "value (e.g. from `make_dt_interval`)");
        } else if (bad->kind == SB_T_NULL) {
            e = sb_diags_add(run->d, SB_SEV_ERROR, "unwritable-type",
                             "the %s format cannot write column `%s` of type %s", fmt, col->name,
                             tname);
            sb_diag_set_hint(run->d, e,
                             "a bare NULL has no type; give it one, e.g. `CAST(NULL AS string)`");
        } else {
            e = sb_diags_add(run->d, SB_SEV_ERROR, "unwritable-type",
                             "the %s format cannot write column `%s` of type %s", fmt, col->name,
                             tname);
            if (bad->kind == SB_T_BINARY)
                sb_diag_set_hint(run->d, e,
                                 "encode it first, e.g. `base64(%s)`, or write json "
                                 "or parquet",
                                 col->name);
            else
                sb_diag_set_hint(run->d, e,
                                 "CSV holds only simple values: turn it into text, "
                                 "e.g. `to_json(%s)`, or write json or parquet",
                                 col->name);
        }
    }
}

static void check_duplicates(plan_gem *g, const sb_type *in)
{
    for (size_t i = 0; i < in->nfields; i++) {
        for (size_t k = 0; k < i; k++) {
            if (!sb_str_ieq(in->fields[i].name, in->fields[k].name)) continue;
            plan_at_text(g, &g->gem->inputs[0].ref);
            sb_diag *e;
            if (strcmp(in->fields[i].name, in->fields[k].name) == 0)
                e = sb_diags_add(g->run->d, SB_SEV_ERROR, "duplicate-column",
                                 "the data has two columns named `%s`; Spark cannot write "
                                 "duplicate column names",
                                 in->fields[i].name);
            else
                e = sb_diags_add(g->run->d, SB_SEV_ERROR, "duplicate-column",
                                 "the data has columns `%s` and `%s`, the same name to Spark; it "
                                 "cannot write duplicate column names",
                                 in->fields[k].name, in->fields[i].name);
            sb_diag_set_hint(g->run->d, e,
                             "rename one of them before the Target (Reformat or "
                             "SchemaTransform)");
            break;
        }
    }
}

static void check_partitions(plan_gem *g, const sb_type *in)
{
    plan_run *run = g->run;
    const sb_spec_text *pb = g->gem->u.target.partition_by;
    size_t n = g->gem->u.target.npartition_by, valid = 0;
    for (size_t i = 0; i < n; i++) {
        const sb_spec_text *t = &pb[i];
        if (!t->text) continue;
        long c = sb_schema_find(in, t->text, NULL);
        if (c < 0) {
            plan_at_text(g, t);
            sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "unknown-column",
                                      "partition column `%s` is not a column of the data", t->text);
            const char *near = plan_suggest_column(in, t->text);
            if (near)
                sb_diag_set_hint(run->d, e, "did you mean `%s`?", near);
            else
                sb_diag_set_hint(run->d, e, "the columns are %s", plan_column_list(run->a, in));
            continue;
        }
        bool dup = false;
        for (size_t k = 0; k < i && !dup; k++) dup = pb[k].text && sb_str_ieq(pb[k].text, t->text);
        if (dup) {
            plan_at_text(g, t);
            sb_diags_add(run->d, SB_SEV_ERROR, "duplicate-column",
                         "partition column `%s` is listed twice", t->text);
            continue;
        }
        const sb_type *ct = in->fields[c].type;
        if (!sb_type_is_atomic(ct) || ct->kind == SB_T_NULL) {
            plan_at_text(g, t);
            sb_diags_add(run->d, SB_SEV_ERROR, "partition-type",
                         "cannot partition by column `%s` of type %s: partition values become "
                         "directory names and must be simple values",
                         t->text, sb_type_str(run->a, ct));
            continue;
        }
        valid++;
    }
    if (n > 0 && valid == n && valid >= in->nfields) {
        plan_at_gem(g, "partitionBy");
        sb_diag *e = sb_diags_add(run->d, SB_SEV_ERROR, "partition-all",
                                  "every column is a partition column; Spark needs at least one "
                                  "column to write into the files");
        sb_diag_set_hint(run->d, e, "remove one column from `partitionBy`");
    }
}

/* The data against the dataset's declared schema: a difference is not an
 * error (Spark writes what it is given), but the next reader of the dataset
 * will see columns the declaration does not promise. */
static void check_declared(plan_gem *g, const sb_type *in, const sb_dataset *ds,
                           const sb_spec_text *at)
{
    plan_run *run = g->run;
    const sb_type *decl = ds->schema;
    for (size_t i = 0; i < decl->nfields; i++) {
        const sb_field *f = &decl->fields[i];
        long c = sb_schema_find(in, f->name, NULL);
        plan_at_text(g, at);
        if (c < 0) {
            sb_diags_add(run->d, SB_SEV_WARNING, "target-schema",
                         "dataset `%s` declares column `%s`, which the data does not have",
                         ds->name, f->name);
            continue;
        }
        if (!sb_type_same_shape(in->fields[c].type, f->type))
            sb_diags_add(run->d, SB_SEV_WARNING, "target-schema",
                         "column `%s` is written as %s, but dataset `%s` declares %s", f->name,
                         sb_type_str(run->a, in->fields[c].type), ds->name,
                         sb_type_str(run->a, f->type));
    }
    for (size_t i = 0; i < in->nfields; i++) {
        if (sb_schema_find(decl, in->fields[i].name, NULL) >= 0) continue;
        plan_at_text(g, at);
        sb_diags_add(run->d, SB_SEV_WARNING, "target-schema",
                     "column `%s` is written, but dataset `%s` does not declare it",
                     in->fields[i].name, ds->name);
    }
}

void plan_target(plan_gem *g)
{
    const sb_type *in = g->in[0];
    const sb_spec_text *ref = &g->gem->u.target.dataset;
    const sb_dataset *ds = gem_dataset(g, ref, g->gem->u.target.ds);
    check_duplicates(g, in);
    check_partitions(g, in);
    if (!ds) return; /* reported by the loader */
    check_writable(g, in, ds, ref);
    if (ds->schema) check_declared(g, in, ds, ref);
}
