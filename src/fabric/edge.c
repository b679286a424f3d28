/*
 * edge.c — reading one SIBYL-EDGE line: the sample, count, schema and time
 * of one edge of the graph, as the instrumented code printed it.
 *
 * The line is produced by generated code on the Spark side, so it is checked
 * rather than trusted: the schema's types must parse as Spark types, every
 * row must have one value per column, and each value must have the JSON
 * shape the column's type gives it (the encoding of docs/fabrics.md: decimals
 * and dates as strings, NaN and infinities as strings, binary as hex). A
 * line that breaks these rules is reported, not half-read.
 */
#include "fabric/fabric.h"

#include <string.h>

static const char *jstr(const sb_json *v)
{
    return v && v->kind == SB_JSON_STRING ? v->u.string.s : NULL;
}

/* Does value `v` have the JSON shape Spark values of type `t` are printed
 * in? Nested values are checked one level deep: the engine that compares
 * samples with goldens checks the rest. */
static bool value_fits(const sb_type *t, const sb_json *v)
{
    if (v->kind == SB_JSON_NULL) return true;
    switch (t->kind) {
    case SB_T_NULL:
        return false;
    case SB_T_BOOLEAN:
        return v->kind == SB_JSON_BOOL;
    case SB_T_BYTE:
    case SB_T_SHORT:
    case SB_T_INT:
    case SB_T_LONG:
        return v->kind == SB_JSON_NUMBER && v->u.number.is_integer;
    case SB_T_FLOAT:
    case SB_T_DOUBLE:
        if (v->kind == SB_JSON_NUMBER) return true;
        /* JSON has no NaN or infinity: they travel as strings. */
        return v->kind == SB_JSON_STRING &&
               (strcmp(v->u.string.s, "NaN") == 0 || strcmp(v->u.string.s, "Infinity") == 0 ||
                strcmp(v->u.string.s, "-Infinity") == 0);
    case SB_T_DECIMAL:
        return v->kind == SB_JSON_STRING || v->kind == SB_JSON_NUMBER;
    case SB_T_STRING:
    case SB_T_BINARY:
    case SB_T_DATE:
    case SB_T_TIMESTAMP:
    case SB_T_TIMESTAMP_NTZ:
        return v->kind == SB_JSON_STRING;
    case SB_T_ARRAY:
        return v->kind == SB_JSON_ARRAY;
    case SB_T_MAP:
        return v->kind == SB_JSON_ARRAY || v->kind == SB_JSON_OBJECT;
    case SB_T_STRUCT:
        return v->kind == SB_JSON_OBJECT || v->kind == SB_JSON_ARRAY;
    case SB_T_INTERVAL_DT:
    case SB_T_INTERVAL_YM:
    case SB_T_INTERVAL:
        return true;
    }
    return true;
}

static const char *json_shape(const sb_json *v)
{
    if (v->kind == SB_JSON_NUMBER) return v->u.number.is_integer ? "integer" : "number";
    return sb_json_kind_name(v->kind);
}

int sb_fabric_edge_parse(sb_arena *a, const char *json, size_t len, sb_fabric_edge *out,
                         const char **err)
{
    memset(out, 0, sizeof(*out));
    out->count = -1;
    out->ms = -1;
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *root = sb_json_parse(a, json, len, &d);
    if (!root) {
        *err = sb_arena_printf(a, "not valid JSON: %s", sb_diags_at(&d, 0)->message);
        return -1;
    }
    if (root->kind != SB_JSON_OBJECT) {
        *err = "not a JSON object";
        return -1;
    }
    out->gem = jstr(sb_json_get(root, "gem"));
    if (!out->gem || !*out->gem) {
        *err = "no \"gem\" (a string)";
        return -1;
    }
    const sb_json *port = sb_json_get(root, "port");
    if (port && !jstr(port)) {
        *err = sb_arena_printf(a, "edge %s: \"port\" is not a string", out->gem);
        return -1;
    }
    out->port = port ? jstr(port) : "out";
    const char *where = sb_arena_printf(a, "edge %s.%s", out->gem, out->port);

    const sb_json *count = sb_json_get(root, "count");
    if (count && count->kind != SB_JSON_NULL) {
        if (count->kind != SB_JSON_NUMBER || !count->u.number.is_integer ||
            count->u.number.value < 0) {
            *err = sb_arena_printf(a, "%s: \"count\" is not a non-negative integer", where);
            return -1;
        }
        out->count = (int64_t)count->u.number.value;
    }
    const sb_json *ms = sb_json_get(root, "ms");
    if (ms && ms->kind != SB_JSON_NULL) {
        if (ms->kind != SB_JSON_NUMBER || ms->u.number.value < 0) {
            *err = sb_arena_printf(a, "%s: \"ms\" is not a non-negative number", where);
            return -1;
        }
        out->ms = ms->u.number.value;
    }

    /* The schema: [{"name", "type", "nullable"}] */
    const sb_json *schema = sb_json_get(root, "schema");
    if (!schema || schema->kind != SB_JSON_ARRAY) {
        *err = sb_arena_printf(a, "%s: no \"schema\" (an array of columns)", where);
        return -1;
    }
    size_t ncols = schema->u.array.len;
    sb_field *fields = sb_arena_alloc(a, (ncols ? ncols : 1) * sizeof(*fields));
    for (size_t j = 0; j < ncols; j++) {
        const sb_json *col = schema->u.array.items[j];
        const char *name = jstr(sb_json_get(col, "name"));
        const char *type = jstr(sb_json_get(col, "type"));
        if (!name || !type) {
            *err = sb_arena_printf(a, "%s: schema column %zu needs a \"name\" and a \"type\"",
                                   where, j + 1);
            return -1;
        }
        sb_diags td;
        sb_diags_init(&td, a);
        const sb_type *t = sb_type_parse(a, type, strlen(type), &td);
        if (!t) {
            *err = sb_arena_printf(a, "%s: column %s has a type sibyl does not know: %s", where,
                                   name, type);
            return -1;
        }
        const sb_json *nullable = sb_json_get(col, "nullable");
        fields[j].name = name;
        fields[j].type = t;
        fields[j].nullable = !nullable || nullable->kind != SB_JSON_BOOL || nullable->u.boolean;
    }
    out->schema = sb_type_struct(a, fields, ncols);

    /* The sample rows, aligned to the schema's columns. */
    const sb_json *rows = sb_json_get(root, "rows");
    if (rows && rows->kind == SB_JSON_NULL) rows = NULL;
    if (rows && rows->kind != SB_JSON_ARRAY) {
        *err = sb_arena_printf(a, "%s: \"rows\" is not an array", where);
        return -1;
    }
    out->nrows = rows ? rows->u.array.len : 0;
    out->rows = sb_arena_alloc(a, (out->nrows ? out->nrows : 1) * sizeof(*out->rows));
    for (size_t i = 0; i < out->nrows; i++) {
        const sb_json *row = rows->u.array.items[i];
        sb_json **vals = sb_arena_alloc(a, (ncols ? ncols : 1) * sizeof(*vals));
        if (row->kind == SB_JSON_ARRAY) {
            if (row->u.array.len != ncols) {
                *err = sb_arena_printf(a, "%s: row %zu has %zu values for %zu columns", where,
                                       i + 1, row->u.array.len, ncols);
                return -1;
            }
            for (size_t j = 0; j < ncols; j++) vals[j] = row->u.array.items[j];
        } else if (row->kind == SB_JSON_OBJECT) {
            if (row->u.object.len != ncols) {
                *err = sb_arena_printf(a, "%s: row %zu has %zu values for %zu columns", where,
                                       i + 1, row->u.object.len, ncols);
                return -1;
            }
            for (size_t j = 0; j < ncols; j++) {
                /* Exact names: the row's keys are the schema's names as printed. */
                vals[j] = sb_json_get(row, fields[j].name);
                if (!vals[j]) {
                    *err = sb_arena_printf(a, "%s: row %zu has no value for column %s", where,
                                           i + 1, fields[j].name);
                    return -1;
                }
            }
        } else {
            *err = sb_arena_printf(a, "%s: row %zu is not an object or an array", where, i + 1);
            return -1;
        }
        for (size_t j = 0; j < ncols; j++) {
            if (!value_fits(fields[j].type, vals[j])) {
                *err = sb_arena_printf(a, "%s: row %zu column %s: a %s value where %s was expected",
                                       where, i + 1, fields[j].name, json_shape(vals[j]),
                                       sb_type_str(a, fields[j].type));
                return -1;
            }
        }
        out->rows[i] = vals;
    }
    return 0;
}
