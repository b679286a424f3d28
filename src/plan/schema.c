/*
 * schema.c — building column lists and the small schema transformations
 * the gem rules share (nullability, suggestions, listing columns).
 *
 * Column names are matched case-insensitively, as Spark does with its
 * default spark.sql.caseSensitive=false.
 */
#include "plan/plan_internal.h"

#include <string.h>

void plan_cols_push(sb_arena *a, plan_cols *c, const char *name, const sb_type *t, bool nullable)
{
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        c->items = sb_arena_realloc(a, c->items, c->len * sizeof(sb_field), cap * sizeof(sb_field));
        c->cap = cap;
    }
    c->items[c->len++] = (sb_field){.name = name, .type = t, .nullable = nullable};
}

void plan_cols_from(sb_arena *a, plan_cols *c, const sb_type *schema)
{
    c->len = 0;
    for (size_t i = 0; schema && i < schema->nfields; i++)
        plan_cols_push(a, c, schema->fields[i].name, schema->fields[i].type,
                       schema->fields[i].nullable);
}

long plan_cols_find(const plan_cols *c, const char *name)
{
    for (size_t i = 0; i < c->len; i++)
        if (sb_str_ieq(c->items[i].name, name)) return (long)i;
    return -1;
}

const sb_type *plan_cols_struct(sb_arena *a, const plan_cols *c)
{
    return sb_type_struct(a, c->items, c->len);
}

const sb_type *plan_as_nullable(sb_arena *a, const sb_type *t)
{
    if (!t) return NULL;
    switch (t->kind) {
    case SB_T_ARRAY:
        return sb_type_array(a, plan_as_nullable(a, t->elem), true);
    case SB_T_MAP:
        return sb_type_map(a, plan_as_nullable(a, t->key), plan_as_nullable(a, t->value), true);
    case SB_T_STRUCT: {
        sb_field *f = sb_arena_alloc(a, (t->nfields ? t->nfields : 1) * sizeof(sb_field));
        for (size_t i = 0; i < t->nfields; i++) {
            f[i].name = t->fields[i].name;
            f[i].type = plan_as_nullable(a, t->fields[i].type);
            f[i].nullable = true;
        }
        return sb_type_struct(a, f, t->nfields);
    }
    default:
        return t;
    }
}

const sb_type *plan_columns_nullable(sb_arena *a, const sb_type *schema)
{
    if (!schema) return NULL;
    bool all = true;
    for (size_t i = 0; i < schema->nfields; i++) all &= schema->fields[i].nullable;
    if (all) return schema;
    sb_field *f = sb_arena_alloc(a, (schema->nfields ? schema->nfields : 1) * sizeof(sb_field));
    for (size_t i = 0; i < schema->nfields; i++) {
        f[i] = schema->fields[i];
        f[i].nullable = true;
    }
    return sb_type_struct(a, f, schema->nfields);
}

const char *plan_suggest_column(const sb_type *schema, const char *name)
{
    if (!schema || !name) return NULL;
    size_t best = (size_t)-1;
    const char *best_name = NULL;
    for (size_t i = 0; i < schema->nfields; i++) {
        size_t dist = sb_edit_distance(name, schema->fields[i].name);
        if (dist < best) best = dist, best_name = schema->fields[i].name;
    }
    size_t len = strlen(name);
    return best_name && best <= 3 && best < len ? best_name : NULL;
}

const char *plan_column_list(sb_arena *a, const sb_type *schema)
{
    if (!schema || schema->nfields == 0) return "(no columns)";
    sb_buf b = SB_BUF_INIT;
    size_t n = schema->nfields, shown = n > 12 ? 12 : n;
    for (size_t i = 0; i < shown; i++) {
        if (i) sb_buf_puts(&b, i + 1 == n ? " and " : ", ");
        sb_buf_printf(&b, "`%s`", schema->fields[i].name);
    }
    if (shown < n) sb_buf_printf(&b, " ... (%zu columns)", n);
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

void plan_set_out(plan_gem *g, const sb_type *schema)
{
    if (g->gem->noutputs > 0) g->gem->out_schemas[0] = schema;
}
