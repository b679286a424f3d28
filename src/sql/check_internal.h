/*
 * check_internal.h — helpers shared by the type system (types.c), the
 * function catalogue (functions*.c) and the type checker (check*.c). Not part
 * of the public SQL API in sql.h.
 */
#ifndef SB_SQL_CHECK_INTERNAL_H
#define SB_SQL_CHECK_INTERNAL_H

#include "sql/sql.h"

/* ANSI interval types with explicit fields: day=0 hour=1 minute=2 second=3,
 * year=0 month=1 (start <= end). NULL for an invalid combination. */
const sb_type *sb_type_interval_dt(int start, int end);
const sb_type *sb_type_interval_ym(int start, int end);

/* The smallest decimal holding an integer literal's digits
 * (DecimalType.fromLiteral): `100` -> decimal(3,0). */
const sb_type *sb_type_decimal_for_digits(sb_arena *a, const char *digits);

/* Expected input types of functions, Spark's AbstractDataType. A concrete
 * type, or one of these classes. */
typedef enum sb_expect_kind {
    SB_X_TYPE,            /* exactly `type` (implicit casts allowed) */
    SB_X_ANY,             /* anything */
    SB_X_NUMERIC,         /* NumericType: string -> double */
    SB_X_INTEGRAL,        /* IntegralType */
    SB_X_DECIMAL,         /* DecimalType: numeric -> decimal for its type */
    SB_X_ANY_TS,          /* AnyTimestampType: date/string -> timestamp */
    SB_X_STR_BIN,         /* TypeCollection(StringType, BinaryType) */
    SB_X_ARRAY,           /* ArrayType of anything */
    SB_X_MAP,             /* MapType of anything */
    SB_X_STRUCT,          /* StructType */
    SB_X_ORDERABLE,       /* any orderable type */
    SB_X_NUM_OR_INTERVAL, /* NumericType or an ANSI interval */
} sb_expect_kind;

/* ImplicitTypeCasts.implicitCast: the type `in` is cast to when the
 * function expects `want` (`type` for SB_X_TYPE), or NULL when it cannot be. */
const sb_type *sb_type_implicit_cast(sb_arena *a, const sb_type *in, sb_expect_kind want,
                                     const sb_type *type);

/* Wider common type of several types with Spark's findWiderCommonType
 * (string-typed inputs first so the result does not depend on order). */
const sb_type *sb_type_wider_common_list(sb_arena *a, const sb_type *const *types, size_t n,
                                         bool string_promotion);

/* Does an ANSI interval literal hold a value Spark accepts: fractions only
 * of seconds, `d h:m:s` forms with their fields in range (colname.c, which
 * also normalizes them)? */
bool sb_interval_literal_valid(const sb_expr *lit);

/* 1 or 0 when e is that integer or decimal literal (Spark's BooleanEquality
 * reads `b = 1` as b and `b = 0` as NOT b), else -1. */
int sb_expr_bool_number(const sb_expr *e);

/* Is the expression a literal integer (for DecimalPrecision's literal rule)? */
bool sb_expr_is_int_literal(const sb_expr *e);

/* Checker entry used by higher-order function rules: check a lambda body
 * with its parameters bound to `types`. Returns the body's type or NULL. */
const sb_type *sb_check_lambda(const sb_func_call *call, sb_expr *lambda,
                               const sb_type *const *types, size_t ntypes);

/* ---- helpers for function result rules (functions.c) ---------------- */

/* The implicit cast of argument i to the expected type, or NULL after a
 * diagnostic naming the function, the argument and both types. */
const sb_type *sb_fn_arg(const sb_func_call *c, size_t i, sb_expect_kind want, const sb_type *type);
/* An error about the call (argi < 0) or one of its arguments. Returns NULL. */
const sb_type *sb_fn_error(const sb_func_call *c, long argi, const char *code, const char *fmt, ...)
    SB_PRINTF(4, 5);
/* Literal values of arguments (after unary minus folding); false if the
 * argument is not such a literal. */
bool sb_expr_int_value(const sb_expr *e, long long *out);
bool sb_expr_string_value(const sb_expr *e, const char **out);
bool sb_expr_is_null_literal(const sb_expr *e);

/* Result type of arithmetic between two typed expressions with Spark's
 * literal rule (an integer literal next to a decimal takes its own digits'
 * precision). Adds a diagnostic at `at` and returns NULL when invalid. */
const sb_type *sb_check_arith(sb_arena *a, sb_diags *d, sb_span at, char op, const sb_expr *l,
                              const sb_expr *r);

/* Date, timestamp and interval arithmetic (+ - * /) without diagnostics:
 * *handled is false when neither side is a datetime or interval. */
const sb_type *sb_check_datetime_arith(sb_binop op, const sb_type *l, const sb_type *r,
                                       bool *handled);

/* Nullability rules of catalogue entries (see functions.c). */
typedef enum sb_null_rule {
    SB_NULL_ANY,    /* null when any argument is (null-intolerant) */
    SB_NULL_NEVER,  /* never null */
    SB_NULL_ALWAYS, /* may be null whatever the inputs */
    SB_NULL_ALL,    /* null only when every argument is (coalesce) */
    SB_NULL_FIRST,  /* null when the first argument is (concat_ws, format_string) */
    SB_NULL_SECOND, /* null when the second argument is (array_repeat) */
    SB_NULL_TAIL,   /* null when a branch is: every argument but the first (if, nvl2) */
} sb_null_rule;
sb_null_rule sb_func_null_rule(const sb_func *f);

/* ---- the checker's state (check.c, check_query.c) --------------------- */

/* A name visible before the inputs: lambda parameters, and select-list
 * aliases in ORDER BY / HAVING. */
typedef struct sb_check_name {
    const char *name;
    const sb_type *type;
    bool nullable;
    const sb_expr *expr; /* the aliased expression (select aliases), or NULL */
} sb_check_name;

typedef struct sb_checker sb_checker;
struct sb_checker {
    sb_arena *a;
    sb_diags *d;
    const sb_sql_scope *scope;
    unsigned flags;
    sb_vec lambdas;          /* sb_check_name*: innermost last */
    sb_vec aliases;          /* sb_check_name*: consulted for single-part names first */
    sb_vec late_aliases;     /* sb_check_name*: consulted when the inputs have no such name */
    sb_vec using_names;      /* const char*: USING/NATURAL join keys (not ambiguous) */
    sb_vec windows;          /* sb_named_window*: WINDOW clause of the current query */
    const sb_checker *outer; /* enclosing query, for correlated references */
    bool grouped;            /* aggregate context: group_by lists the keys */
    sb_expr *const *group_by;
    size_t ngroup_by;
    int in_aggregate; /* depth inside aggregate function arguments */
    int depth;        /* expression nesting (generators only at depth 0) */
    bool in_window_spec;
};

void sb_checker_init(sb_checker *ck, sb_arena *a, const sb_sql_scope *scope, sb_diags *d);
const sb_type *sb_checker_expr(sb_checker *ck, sb_expr *e);
/* Check a query in the context of an enclosing query (or NULL). */
const sb_type *sb_checker_query(sb_arena *a, sb_query *q, const sb_sql_scope *scope,
                                const sb_checker *outer, sb_diags *d);
/* Structural equality of expressions (names case-insensitive, spans ignored). */
bool sb_expr_same(const sb_expr *x, const sb_expr *y);

#endif
