/*
 * gem_sql.c — gems whose logic is written as a whole program: SQLStatement
 * (a Spark SQL query over the views in0, in1, ...) and Script (PySpark code
 * sibyl cannot see into, trusted to return its declared schema).
 */
#include "plan/plan_internal.h"

#include <string.h>

/* The relations a SQLStatement's FROM can name: its inputs, and nothing
 * else (the generated code registers exactly these temporary views). */
static const sb_type *view_schema(void *ctx, const char *name)
{
    plan_gem *g = ctx;
    for (size_t i = 0; i < g->nin; i++)
        if (sb_str_ieq(name, plan_in_name(g->run->a, i))) return g->in[i];
    return NULL;
}

static bool is_unknown_table(const sb_diag *x)
{
    return x->code && strcmp(x->code, "unknown-table") == 0;
}

void plan_sql_statement(plan_gem *g)
{
    plan_run *run = g->run;
    sb_query *q = g->gem->u.sql.query;
    if (!q) return; /* missing, or did not parse: reported by the loader */
    plan_at_text(g, &g->gem->u.sql.query_text);
    sb_sql_scope scope =
        plan_sql_scope(g, NULL, SB_CHECK_AGGREGATES | SB_CHECK_WINDOWS | SB_CHECK_GENERATORS);
    scope.table_schema = view_schema;
    scope.table_ctx = g;
    size_t before = run->d->items.len, errors = run->d->errors;
    const sb_type *t = sb_sql_check_query(run->a, q, &scope, run->d);
    /* Say which views exist: the checker only knows the name was unknown. */
    for (size_t i = before; i < run->d->items.len; i++) {
        sb_diag *x = run->d->items.items[i];
        if (!is_unknown_table(x) || x->hint) continue;
        if (g->nin == 0) {
            sb_diag_set_hint(run->d, x,
                             "this gem has no inputs, so there are no views to read; "
                             "connect an input and read it as in0");
            continue;
        }
        sb_buf b = SB_BUF_INIT;
        for (size_t k = 0; k < g->nin; k++)
            sb_buf_printf(&b, "%s%s", k ? (k + 1 == g->nin ? " and " : ", ") : "",
                          plan_in_name(run->a, k));
        sb_diag_set_hint(run->d, x, "the query can read the gem's inputs: %s", sb_buf_str(&b));
        sb_buf_free(&b);
    }
    plan_set_out(g, run->d->errors == errors ? t : NULL);
}

void plan_script(plan_gem *g)
{
    /* The code is not analysed; its declared schema is the contract. */
    plan_set_out(g, g->gem->u.script.schema);
}
