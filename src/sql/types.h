/*
 * types.h — Spark SQL's data types and Spark 3.5's coercion rules.
 *
 * A type is an immutable sb_type. Primitive types are static singletons
 * (compare with ==, or with sb_type_equal for any type); decimal, array,
 * map and struct types are built in an arena. A schema is a struct type:
 * the columns of a DataFrame are the fields of the struct.
 *
 * The coercion functions implement Spark 3.5 with spark.sql.ansi.enabled=false
 * (org.apache.spark.sql.catalyst.analysis.TypeCoercion and DecimalPrecision):
 * the widening used by comparisons, CASE/COALESCE/IN, set operations and
 * arithmetic, and the decimal precision rules for + - * / %.
 */
#ifndef SB_SQL_TYPES_H
#define SB_SQL_TYPES_H

#include "base/diag.h"

typedef enum sb_type_kind {
    SB_T_NULL, /* the type of a bare NULL literal (Spark's "void") */
    SB_T_BOOLEAN,
    SB_T_BYTE,  /* tinyint */
    SB_T_SHORT, /* smallint */
    SB_T_INT,
    SB_T_LONG, /* bigint */
    SB_T_FLOAT,
    SB_T_DOUBLE,
    SB_T_DECIMAL,
    SB_T_STRING,
    SB_T_BINARY,
    SB_T_DATE,
    SB_T_TIMESTAMP,     /* with local time zone */
    SB_T_TIMESTAMP_NTZ, /* without time zone */
    SB_T_INTERVAL_DT,   /* interval day to second */
    SB_T_INTERVAL_YM,   /* interval year to month */
    SB_T_INTERVAL,      /* calendar interval (legacy `interval 1 day 2 hours`) */
    SB_T_ARRAY,
    SB_T_MAP,
    SB_T_STRUCT,
} sb_type_kind;

typedef struct sb_type sb_type;

typedef struct sb_field {
    const char *name;
    const sb_type *type;
    bool nullable;
} sb_field;

struct sb_type {
    sb_type_kind kind;
    uint8_t precision, scale; /* decimal: 1..38, 0..precision */
    const sb_type *elem;      /* array element type */
    const sb_type *key;       /* map key type */
    const sb_type *value;     /* map value type */
    bool contains_null;       /* array elements / map values may be null */
    const sb_field *fields;   /* struct fields, in order */
    size_t nfields;
};

#define SB_DECIMAL_MAX_PRECISION 38

/* Singletons for types without parameters (NULL for parameterized kinds). */
const sb_type *sb_type_of(sb_type_kind k);
const sb_type *sb_type_decimal(sb_arena *a, int precision, int scale);
const sb_type *sb_type_array(sb_arena *a, const sb_type *elem, bool contains_null);
const sb_type *sb_type_map(sb_arena *a, const sb_type *key, const sb_type *value,
                           bool value_contains_null);
/* Fields are copied. */
const sb_type *sb_type_struct(sb_arena *a, const sb_field *fields, size_t n);

/* Parse a Spark DDL type: "int", "bigint", "decimal(10,2)", "array<string>",
 * "map<string,int>", "struct<a:int,b:array<string>>", also the long names
 * ("integer", "long", "tinyint", "smallint", "timestamp_ltz", "void" ...).
 * Case-insensitive. Returns NULL and adds a diagnostic with a span on error. */
const sb_type *sb_type_parse(sb_arena *a, const char *text, size_t len, sb_diags *d);
/* Parse a DDL column list "a int, b string" (as in a Spark schema string)
 * into a struct type. */
const sb_type *sb_type_parse_schema(sb_arena *a, const char *text, size_t len, sb_diags *d);

/* Spark's simpleString: "int", "bigint", "decimal(10,2)", "array<int>",
 * "map<string,int>", "struct<a:int,b:string>", "void" for null. */
void sb_type_print(sb_buf *out, const sb_type *t);
/* The same into an arena string. */
const char *sb_type_str(sb_arena *a, const sb_type *t);
/* A name for messages: "int", "string", "decimal(10,2)", "array<int>". */
const char *sb_type_kind_name(sb_type_kind k);

bool sb_type_equal(const sb_type *a, const sb_type *b);
/* Equal ignoring nullability flags inside complex types. */
bool sb_type_same_shape(const sb_type *a, const sb_type *b);

bool sb_type_is_numeric(const sb_type *t);  /* byte .. decimal */
bool sb_type_is_integral(const sb_type *t); /* byte, short, int, long */
bool sb_type_is_fractional(const sb_type *t);
bool sb_type_is_datetime(const sb_type *t); /* date, timestamp, timestamp_ntz */
bool sb_type_is_atomic(const sb_type *t);   /* not array/map/struct */
bool sb_type_is_orderable(const sb_type *t);
/* Can be a grouping/join/distinct key (no map anywhere inside). */
bool sb_type_is_hashable(const sb_type *t);

/* The decimal type Spark uses for an integral type: byte -> decimal(3,0),
 * short -> (5,0), int -> (10,0), long -> (20,0); float -> (14,7), double -> (30,15). */
const sb_type *sb_type_decimal_for(sb_arena *a, const sb_type *t);

/* Spark's findTightestCommonType: widening without loss (numeric promotion,
 * null to anything, date/timestamp). NULL when there is none. */
const sb_type *sb_type_tightest_common(sb_arena *a, const sb_type *x, const sb_type *y);
/* findWiderTypeForTwo: tightest, then decimal widening, then string promotion
 * (atomic with string -> string), recursively for arrays/maps/structs. Used by
 * CASE, COALESCE, IF, IN lists, GREATEST/LEAST (without string promotion), set
 * operations. NULL when there is none. */
const sb_type *sb_type_wider_common(sb_arena *a, const sb_type *x, const sb_type *y);
/* The same without promoting to string (greatest, least, array literals in ANSI...). */
const sb_type *sb_type_wider_common_no_string(sb_arena *a, const sb_type *x, const sb_type *y);
/* The type both sides of a binary comparison are cast to (Spark's
 * findCommonTypeForBinaryComparison + ImplicitTypeCasts), e.g. string vs int
 * compares as int... see implementation. NULL when they cannot be compared. */
const sb_type *sb_type_comparison_common(sb_arena *a, const sb_type *x, const sb_type *y);

/* Can `from` be implicitly cast to `to` when a function expects `to`
 * (ImplicitTypeCasts.implicitCast)? */
bool sb_type_implicit_castable(const sb_type *from, const sb_type *to);
/* Is CAST(from AS to) valid at all (Cast.canCast, non-ANSI)? */
bool sb_type_castable(const sb_type *from, const sb_type *to);

/* Result type of arithmetic (op is one of '+', '-', '*', '/', '%', 'D' for
 * DIV) after coercion, with Spark's decimal precision rules and
 * spark.sql.decimalOperations.allowPrecisionLoss=true. NULL when invalid. */
const sb_type *sb_type_arithmetic(sb_arena *a, char op, const sb_type *x, const sb_type *y);

/* Struct (schema) helpers. Field lookup is case-insensitive like Spark's
 * default (spark.sql.caseSensitive=false). Returns the index or -1; *ambiguous
 * is set when several fields match. */
long sb_schema_find(const sb_type *schema, const char *name, bool *ambiguous);

#endif
