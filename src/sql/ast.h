/*
 * ast.h — syntax trees of Spark SQL expressions and queries.
 *
 * The parser (parser.c) builds these in an arena; the checker (check.c)
 * annotates each expression with its type. Every node carries the byte span
 * of its text in the source string so that diagnostics point at it.
 *
 * Names are kept as written (case preserved, backticks removed); Spark
 * resolves them case-insensitively, and so does the checker.
 */
#ifndef SB_SQL_AST_H
#define SB_SQL_AST_H

#include "sql/types.h"

typedef struct sb_expr sb_expr;
typedef struct sb_query sb_query;
typedef struct sb_relation sb_relation;

typedef enum sb_expr_kind {
    SB_E_LITERAL,
    SB_E_COLUMN,    /* a, in0.a, a.b.c (qualifier or struct fields: resolved by the checker) */
    SB_E_STAR,      /* *, in0.* (select lists, count(*)) */
    SB_E_CONFIG,    /* ${name}: a configuration variable */
    SB_E_UNARY,     /* -x, +x, ~x, NOT x */
    SB_E_BINARY,    /* arithmetic, comparison, logic, ||, bitwise */
    SB_E_FUNC,      /* f(args) [FILTER (WHERE ..)] [IGNORE NULLS] [OVER (...)] */
    SB_E_CASE,      /* CASE [operand] WHEN .. THEN .. [ELSE ..] END */
    SB_E_CAST,      /* CAST / TRY_CAST (x AS type) */
    SB_E_IN,        /* x [NOT] IN (list) | x [NOT] IN (subquery) */
    SB_E_BETWEEN,   /* x [NOT] BETWEEN lo AND hi */
    SB_E_LIKE,      /* x [NOT] LIKE|ILIKE|RLIKE|REGEXP pattern [ESCAPE c] */
    SB_E_IS,        /* x IS [NOT] NULL|TRUE|FALSE|UNKNOWN */
    SB_E_DISTINCT,  /* x IS [NOT] DISTINCT FROM y */
    SB_E_SUBSCRIPT, /* x[i] (array index, map key) */
    SB_E_FIELD,     /* x.name where x is not a plain name: (s).a, arr[0].b */
    SB_E_LAMBDA,    /* x -> body, (x, y) -> body (higher-order function arguments) */
    SB_E_SUBQUERY,  /* (SELECT ...) as a scalar, or EXISTS (SELECT ...) */
} sb_expr_kind;

typedef enum sb_literal_kind {
    SB_LIT_NULL,
    SB_LIT_BOOLEAN,
    SB_LIT_INTEGER, /* 1, 1L, 1S, 1Y: type is int/long/short/byte (or decimal if too large) */
    SB_LIT_DECIMAL, /* 1.5, 1.5BD, 1E10BD */
    SB_LIT_DOUBLE,  /* 1.5D, 1e3, 1.5E-2 */
    SB_LIT_FLOAT,   /* 1.5F */
    SB_LIT_STRING,  /* 'a', "a" (adjacent strings concatenated) */
    SB_LIT_DATE,    /* date'2024-01-01' */
    SB_LIT_TIMESTAMP,
    SB_LIT_TIMESTAMP_NTZ,
    SB_LIT_BINARY,   /* X'CAFE' */
    SB_LIT_INTERVAL, /* INTERVAL '1' DAY, INTERVAL 2 HOURS, INTERVAL '1-2' YEAR TO MONTH */
} sb_literal_kind;

typedef enum sb_binop {
    SB_OP_ADD, SB_OP_SUB, SB_OP_MUL, SB_OP_DIV, SB_OP_MOD, SB_OP_INTDIV, /* DIV */
    SB_OP_CONCAT,                                                       /* || */
    SB_OP_BITAND, SB_OP_BITOR, SB_OP_BITXOR,
    SB_OP_EQ,   /* = or == */
    SB_OP_NSEQ, /* <=> */
    SB_OP_NE,   /* != or <> */
    SB_OP_LT, SB_OP_LE, SB_OP_GT, SB_OP_GE,
    SB_OP_AND, SB_OP_OR,
} sb_binop;

typedef enum sb_unop { SB_OP_NEG, SB_OP_PLUS, SB_OP_BITNOT, SB_OP_NOT } sb_unop;

typedef enum sb_like_kind { SB_LIKE, SB_ILIKE, SB_RLIKE } sb_like_kind; /* REGEXP = RLIKE */

typedef enum sb_is_kind { SB_IS_NULL, SB_IS_TRUE, SB_IS_FALSE, SB_IS_UNKNOWN } sb_is_kind;

typedef enum sb_frame_type { SB_FRAME_NONE, SB_FRAME_ROWS, SB_FRAME_RANGE } sb_frame_type;

typedef enum sb_bound_kind {
    SB_BOUND_UNBOUNDED_PRECEDING,
    SB_BOUND_PRECEDING, /* <offset> PRECEDING */
    SB_BOUND_CURRENT_ROW,
    SB_BOUND_FOLLOWING,
    SB_BOUND_UNBOUNDED_FOLLOWING,
} sb_bound_kind;

typedef struct sb_frame_bound {
    sb_bound_kind kind;
    sb_expr *offset; /* PRECEDING / FOLLOWING */
} sb_frame_bound;

typedef struct sb_sort_key {
    sb_expr *expr;
    bool descending;
    bool nulls_explicit; /* NULLS FIRST/LAST was written */
    bool nulls_first;    /* Spark default: first for ASC, last for DESC */
    sb_span span;
} sb_sort_key;

typedef struct sb_window {
    const char *name;       /* OVER w (a named window), else NULL */
    sb_vec partition_by;    /* sb_expr* */
    sb_vec order_by;        /* sb_sort_key* */
    sb_frame_type frame;
    sb_frame_bound start, end;
    sb_span span;
} sb_window;

typedef struct sb_when {
    sb_expr *when, *then;
} sb_when;

struct sb_expr {
    sb_expr_kind kind;
    sb_span span;
    const sb_type *type; /* set by the checker */
    bool nullable;       /* set by the checker */
    union {
        struct {
            sb_literal_kind kind;
            const char *text;  /* decoded value: string contents, digits without suffix, ... */
            size_t len;        /* strings may contain NUL */
            char suffix;       /* integer/number suffix as written upper-cased: 'L','S','Y','D','F','B'(BD), or 0 */
            bool boolean;
            const sb_type *type; /* the literal's type, set by the parser */
            /* INTERVAL: units as written, e.g. "DAY", "YEAR TO MONTH", or the
             * multi-unit form kept as text */
            const char *unit;
        } lit;
        struct {
            const char **parts; /* a.b.c -> {"a","b","c"} */
            size_t nparts;
            /* set by the checker: the input relation index (-1 for outer/lambda) and
             * the number of leading parts that named the relation and column */
            int rel;
            int column;
            size_t used_parts;
        } column;
        struct {
            const char **qualifier; /* in0.* -> {"in0"}; NULL for bare * */
            size_t nqualifier;
        } star;
        struct {
            const char *name;
        } config;
        struct {
            sb_unop op;
            sb_expr *arg;
        } unary;
        struct {
            sb_binop op;
            sb_expr *left, *right;
        } binary;
        struct {
            const char *name; /* as written, may be qualified like "a.b" only for udfs */
            sb_vec args;      /* sb_expr* (a SB_E_STAR arg for count(*)) */
            bool distinct;
            bool ignore_nulls;  /* IGNORE NULLS (first, last, lag, lead...) */
            bool respect_nulls; /* RESPECT NULLS written */
            sb_expr *filter;    /* FILTER (WHERE ...) */
            sb_window *over;    /* OVER (...) or OVER name */
            sb_span name_span;
            const struct sb_func *func; /* set by the checker */
        } func;
        struct {
            sb_expr *operand; /* CASE x WHEN ... (NULL for searched CASE) */
            sb_vec whens;     /* sb_when* */
            sb_expr *otherwise;
        } kase;
        struct {
            sb_expr *arg;
            const sb_type *to;
            bool try_cast;
            sb_span type_span;
        } cast;
        struct {
            sb_expr *arg;
            sb_vec list;       /* sb_expr* */
            sb_query *query;   /* IN (SELECT ...) */
            bool negated;
        } in;
        struct {
            sb_expr *arg, *low, *high;
            bool negated;
        } between;
        struct {
            sb_like_kind kind;
            sb_expr *arg, *pattern;
            const char *escape; /* ESCAPE 'c', or NULL */
            bool negated;
        } like;
        struct {
            sb_is_kind what;
            sb_expr *arg;
            bool negated;
        } is;
        struct {
            sb_expr *left, *right;
            bool negated; /* IS NOT DISTINCT FROM */
        } distinct;
        struct {
            sb_expr *base, *index;
        } subscript;
        struct {
            sb_expr *base;
            const char *name;
        } field;
        struct {
            const char **params;
            size_t nparams;
            sb_expr *body;
        } lambda;
        struct {
            sb_query *query;
            bool exists;
        } subquery;
    } u;
};

/* ---- queries (SQLStatement gems) ------------------------------------ */

typedef enum sb_join_type {
    SB_JOIN_INNER,
    SB_JOIN_LEFT,
    SB_JOIN_RIGHT,
    SB_JOIN_FULL,
    SB_JOIN_LEFT_SEMI,
    SB_JOIN_LEFT_ANTI,
    SB_JOIN_CROSS,
} sb_join_type;

typedef enum sb_relation_kind {
    SB_REL_TABLE,    /* name [AS alias] (an input view in0.., a CTE) */
    SB_REL_SUBQUERY, /* (query) [AS] alias */
    SB_REL_JOIN,
    SB_REL_VALUES,   /* VALUES (..), (..) [AS] alias(cols) */
} sb_relation_kind;

struct sb_relation {
    sb_relation_kind kind;
    sb_span span;
    const char *alias; /* NULL if none */
    sb_vec column_aliases; /* const char*: alias(c1, c2) */
    union {
        struct {
            const char **parts; /* db.table -> {"db","table"} */
            size_t nparts;
        } table;
        struct {
            sb_query *query;
        } subquery;
        struct {
            sb_join_type type;
            bool natural;
            sb_relation *left, *right;
            sb_expr *on;   /* ON condition, or NULL */
            sb_vec using_; /* const char*: USING (a, b) */
        } join;
        struct {
            sb_vec rows; /* sb_vec* of sb_expr* */
        } values;
    } u;
};

typedef struct sb_select_item {
    sb_expr *expr;      /* may be SB_E_STAR */
    const char *alias;  /* AS name, or NULL */
    sb_span span;
} sb_select_item;

typedef enum sb_group_kind { SB_GROUP_PLAIN, SB_GROUP_ROLLUP, SB_GROUP_CUBE, SB_GROUP_SETS } sb_group_kind;

typedef struct sb_cte {
    const char *name;
    sb_vec column_aliases; /* const char* */
    sb_query *query;
    sb_span span;
} sb_cte;

typedef struct sb_named_window {
    const char *name;
    sb_window *window;
} sb_named_window;

typedef enum sb_query_kind { SB_Q_SELECT, SB_Q_SETOP } sb_query_kind;

typedef enum sb_setop {
    SB_SET_UNION,
    SB_SET_INTERSECT,
    SB_SET_EXCEPT, /* EXCEPT or MINUS */
} sb_setop;

struct sb_query {
    sb_query_kind kind;
    sb_span span;
    sb_vec ctes; /* sb_cte*: WITH ... (on the outermost query of a WITH) */
    union {
        struct {
            bool distinct;
            sb_vec items;      /* sb_select_item* */
            sb_relation *from; /* comma-separated FROM items become CROSS joins; NULL if no FROM */
            sb_expr *where;
            sb_group_kind group_kind;
            sb_vec group_by;   /* sb_expr*; for GROUPING SETS, sb_vec* of sb_expr* in grouping_sets */
            sb_vec grouping_sets;
            bool group_by_all; /* GROUP BY ALL */
            sb_expr *having;
            sb_vec windows;    /* sb_named_window*: WINDOW w AS (...) */
        } select;
        struct {
            sb_setop op;
            bool all;     /* UNION ALL ...; otherwise DISTINCT */
            bool by_name; /* UNION [ALL] BY NAME (Spark 4) */
            sb_query *left, *right;
        } setop;
    } u;
    sb_vec order_by; /* sb_sort_key* */
    sb_expr *limit;
    sb_expr *offset;
    const sb_type *schema; /* output schema, set by the checker */
};

#endif
