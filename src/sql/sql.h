/*
 * sql.h — the Spark SQL component: parse, print and type-check the
 * expressions and queries that data engineers write in gems.
 *
 *   text --sb_sql_parse_expr--> sb_expr --sb_sql_check_expr--> typed sb_expr
 *   text --sb_sql_parse_query-> sb_query --sb_sql_check_query-> output schema
 *
 * Errors are reported into sb_diags with byte spans in the text; the caller
 * sets the file/gem/field context.
 */
#ifndef SB_SQL_H
#define SB_SQL_H

#include "sql/ast.h"

/* ---- parsing -------------------------------------------------------- */

/* Parse one expression (the whole text). NULL on error, with diagnostics
 * saying what was expected at which span. */
sb_expr *sb_sql_parse_expr(sb_arena *a, const char *text, size_t len, sb_diags *d);
/* Parse one query: [WITH ...] SELECT ... / set operations; an optional
 * trailing semicolon is accepted. */
sb_query *sb_sql_parse_query(sb_arena *a, const char *text, size_t len, sb_diags *d);
/* Parse "name [ASC|DESC] [NULLS FIRST|LAST]"-style sort keys, for gems
 * whose fields hold one sort key per entry. */
sb_sort_key *sb_sql_parse_sort_key(sb_arena *a, const char *text, size_t len, sb_diags *d);

/* Is `name` a reserved word that must be quoted with backticks as an identifier? */
bool sb_sql_is_reserved(const char *name);

/* ---- printing ------------------------------------------------------- */

/* Canonical Spark SQL text (keywords upper-case, minimal parentheses,
 * identifiers back-quoted when needed); re-parsing it gives the same tree. */
void sb_sql_print_expr(sb_buf *out, const sb_expr *e);
void sb_sql_print_query(sb_buf *out, const sb_query *q);
/* Append an identifier, back-quoted when it is not a plain identifier or is reserved. */
void sb_sql_print_ident(sb_buf *out, const char *name);
/* The column name Spark gives an unaliased expression in a select list
 * (e.g. `amount` for a column, `sum(amount)`, `(a + b)`). */
const char *sb_sql_auto_name(sb_arena *a, const sb_expr *e);

/* ---- the function catalogue ----------------------------------------- */

typedef enum sb_func_class {
    SB_FUNC_SCALAR,
    SB_FUNC_AGGREGATE, /* also usable as a window function */
    SB_FUNC_WINDOW,    /* row_number, rank, lag ...: only with OVER */
    SB_FUNC_GENERATOR, /* explode, posexplode, inline: one row to many */
} sb_func_class;

typedef struct sb_func_call {
    sb_arena *arena;
    sb_diags *diags;
    sb_expr *call;           /* the SB_E_FUNC node (span for messages) */
    sb_expr **args;          /* typed arguments */
    size_t nargs;
} sb_func_call;

typedef struct sb_func {
    const char *name;        /* lower-case Spark name */
    sb_func_class cls;
    int min_args, max_args;  /* max_args -1: variadic */
    /* Checks the argument types and returns the result type, or NULL after
     * adding a diagnostic. May insert implicit casts by retyping. */
    const sb_type *(*result)(const sb_func_call *call);
    const char *pyspark;     /* pyspark.sql.functions name, or NULL (use F.expr) */
    const char *signature;   /* for messages and docs: "concat_ws(sep, str, ...)" */
    const char *summary;     /* one line for docs */
} sb_func;

/* Case-insensitive lookup; also finds aliases (e.g. "ucase", "nvl"). */
const sb_func *sb_sql_func_lookup(const char *name);
/* The nearest catalogue name for an unknown one, or NULL if none is close. */
const char *sb_sql_func_suggest(const char *name);
/* All catalogue entries (for docs and the API), sorted by name. */
const sb_func *const *sb_sql_func_all(size_t *count);

/* ---- type checking -------------------------------------------------- */

/* One named input of an expression: a gem input port (in0, in1...) or a FROM item. */
typedef struct sb_sql_input {
    const char *name;      /* qualifier: "in0", a table alias; NULL for unnamed */
    const sb_type *schema; /* struct type */
} sb_sql_input;

enum {
    SB_CHECK_AGGREGATES = 1 << 0, /* aggregate functions allowed (Aggregate gem, SELECT with GROUP BY) */
    SB_CHECK_WINDOWS = 1 << 1,    /* OVER (...) allowed */
    SB_CHECK_GENERATORS = 1 << 2, /* explode & co allowed (Reformat, select lists) */
};

typedef struct sb_sql_scope {
    const sb_sql_input *inputs;
    size_t ninputs;
    unsigned flags; /* SB_CHECK_* */
    /* The declared type of configuration variable `name`, or NULL if it is unknown. */
    const sb_type *(*config_type)(void *ctx, const char *name);
    void *config_ctx;
    /* Relations a query's FROM can name (in0, in1 ... for SQLStatement):
     * returns the schema or NULL if unknown. */
    const sb_type *(*table_schema)(void *ctx, const char *name);
    void *table_ctx;
    /* Set when checking grouped expressions: the group-by expressions, so
     * that non-aggregated column references outside them are reported. */
    sb_expr *const *group_by;
    size_t ngroup_by;
} sb_sql_scope;

/* Type-check e against the scope; sets e->type (and the types of every
 * sub-expression). Returns the type, or NULL after adding diagnostics. */
const sb_type *sb_sql_check_expr(sb_arena *a, sb_expr *e, const sb_sql_scope *scope, sb_diags *d);
/* Check a query and return its output schema (a struct type), or NULL. */
const sb_type *sb_sql_check_query(sb_arena *a, sb_query *q, const sb_sql_scope *scope, sb_diags *d);

/* Does e contain an aggregate function call (outside of OVER windows)? */
bool sb_sql_has_aggregate(const sb_expr *e);
/* Does e contain a window (OVER) expression? */
bool sb_sql_has_window(const sb_expr *e);
/* Is e deterministic (no rand(), current_timestamp() is fine per query)? */
bool sb_sql_is_deterministic(const sb_expr *e);

#endif
