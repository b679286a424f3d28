/*
 * codegen_internal.h — what the code generator's files share (internal to
 * codegen/).
 *
 *   pyformat.c   Python statements as tokens, laid out the way black does
 *   pyexpr.c     Spark SQL expression trees -> PySpark Column expressions
 *   pyfuncs.c    how each catalogue function is called from pyspark
 *   gems_py.c    one Python function per gem kind
 *   project_py.c the package around the gem functions (pipeline, config, ...)
 *   sqlgen.c     the Spark SQL script target
 *   codegen.c    entry points
 *
 * Python code is built in two steps: expressions become small trees of `pyx`
 * nodes (so that parentheses follow Python's precedence, not Spark's), and
 * statements become token lists that pyformat.c splits into lines exactly as
 * the black formatter would.
 */
#ifndef SB_CODEGEN_INTERNAL_H
#define SB_CODEGEN_INTERNAL_H

#include "codegen/codegen.h"

/* ---- Python tokens and statements (pyformat.c) ----------------------- */

typedef enum py_tok_type {
    PY_NAME,
    PY_NUMBER,
    PY_STRING,
    PY_OP, /* operators: + - * / % & | ^ ~ == != < <= > >= ** << >> // */
    PY_LPAR,
    PY_RPAR,
    PY_LSQB,
    PY_RSQB,
    PY_LBRACE,
    PY_RBRACE,
    PY_COMMA,
    PY_DOT,
    PY_COLON,
    PY_EQUAL, /* assignment or keyword argument */
    PY_RARROW,
    PY_KEYWORD, /* return def lambda not and or in is if else for import from as */
} py_tok_type;

enum {
    PYF_UNARY = 1 << 0,   /* a unary operator (no split before it, no space after) */
    PYF_ATOM = 1 << 1,    /* an opening bracket of a display or parenthesized expression */
    PYF_ARGS = 1 << 2,    /* a comma between call arguments or parameters */
    PYF_KWARG = 1 << 3,   /* `=` of a keyword argument or parameter default */
    PYF_INVISIBLE = 1 << 4, /* black's optional parentheses (statement level) */
    PYF_SUBSCRIPT = 1 << 5, /* `[` of a subscript */
};

typedef struct py_tok {
    py_tok_type type;
    const char *value; /* "" for invisible parentheses */
    unsigned flags;
    const char *ws;     /* whitespace before the token, as first computed */
    const char *prefix; /* current whitespace (reset when a split starts a line) */
    int depth;          /* bracket depth in the line being built */
    struct py_tok *opening; /* closing brackets: the matching opening bracket */
} py_tok;

/* A logical line (one statement) under construction. A `return` value or
 * the right-hand side of an assignment is wrapped in py_invisible_open /
 * py_invisible_close, as black wraps them. */
typedef struct py_stmt {
    sb_arena *a;
    sb_vec toks; /* py_tok* */
} py_stmt;

void py_stmt_init(py_stmt *s, sb_arena *a);
py_tok *py_tok_add(py_stmt *s, py_tok_type t, const char *value, unsigned flags);
static inline void py_name(py_stmt *s, const char *n) { py_tok_add(s, PY_NAME, n, 0); }
static inline void py_kw(py_stmt *s, const char *k) { py_tok_add(s, PY_KEYWORD, k, 0); }
/* Open / close black's optional parentheses around a statement's value. */
void py_invisible_open(py_stmt *s);
void py_invisible_close(py_stmt *s);

/* Lay out the statement at indentation `depth` (4 spaces each) and append
 * the resulting lines to out. Line length is 88, as black's default. */
void py_format_stmt(sb_buf *out, py_stmt *s, int depth);

/* A Python string literal for text, quoted the way black normalizes it
 * (double quotes unless that needs more escapes). `prefix` is "" or "f". */
const char *py_str_literal(sb_arena *a, const char *text, size_t len, const char *prefix);
/* Display width of a line as black measures it. */
size_t py_str_width(const char *s, size_t len);

/* ---- Python expression trees (pyexpr.c) ------------------------------ */

typedef enum pyx_kind {
    PX_NAME, /* a name or literal token: F, config, True, None, 1, 2.5 */
    PX_STR,  /* a string literal (text holds the Python source, quoted) */
    PX_ATTR, /* a.name */
    PX_CALL, /* f(args, kw=...) */
    PX_BIN,  /* a op b */
    PX_UNARY,
    PX_SUB,   /* a[b] */
    PX_LIST,  /* [a, b] */
    PX_TUPLE, /* (a, b) */
    PX_DICT,  /* {k: v} (args alternate key, value) */
    PX_LAMBDA, /* lambda <text>: a (text holds the parameter list) */
} pyx_kind;

typedef struct pyx pyx;
struct pyx {
    pyx_kind kind;
    const char *text; /* name, literal, attribute name or operator */
    pyx *a, *b;       /* ATTR/CALL/SUB: a is the base; BIN: a op b; UNARY: op a */
    pyx **args;
    const char **kw; /* CALL: keyword of each argument, NULL for positional */
    size_t nargs;
    bool magic_comma; /* CALL/LIST/TUPLE/DICT: always one element per line */
};

pyx *pyx_name(sb_arena *a, const char *text);
pyx *pyx_str(sb_arena *a, const char *text); /* quotes text */
pyx *pyx_strn(sb_arena *a, const char *text, size_t len);
/* A string node from Python source that is already quoted (f-strings). */
pyx *pyx_new_str(sb_arena *a, const char *literal);
pyx *pyx_attr(sb_arena *a, pyx *base, const char *name);
pyx *pyx_call(sb_arena *a, pyx *fn, size_t nargs); /* args filled by the caller */
pyx *pyx_call0(sb_arena *a, pyx *fn);
pyx *pyx_call1(sb_arena *a, pyx *fn, pyx *x);
pyx *pyx_call2(sb_arena *a, pyx *fn, pyx *x, pyx *y);
pyx *pyx_method(sb_arena *a, pyx *base, const char *name, size_t nargs);
pyx *pyx_bin(sb_arena *a, const char *op, pyx *l, pyx *r);
pyx *pyx_unary(sb_arena *a, const char *op, pyx *x);
pyx *pyx_list(sb_arena *a, pyx_kind kind, size_t n);
/* F.<name> */
pyx *pyx_f(sb_arena *a, const char *name);
/* Append an argument to a call built with pyx_call(.., 0): grows args. */
void pyx_arg(sb_arena *a, pyx *call, const char *kw, pyx *x);

/* Emit x into a statement's tokens. */
void pyx_emit(py_stmt *s, const pyx *x);

/* ---- translating Spark SQL expressions ------------------------------- */

/* What a module needs imported (set while translating). */
typedef struct py_imports {
    bool F, Window, DataFrame, SparkSession, Decimal, datetime, Config;
} py_imports;

/* A lambda parameter in scope while translating a lambda's body. */
typedef struct px_lambda_var {
    const struct px_lambda_var *up;
    const char *sql; /* as written in the expression */
    const char *py;  /* the Python parameter name */
} px_lambda_var;

typedef struct px_ctx {
    sb_arena *a;
    sb_diags *d;
    const sb_project *p;
    py_imports *imp;
    /* Join gems: keep `in<k>.` qualifiers (the inputs are aliased in<k>). */
    bool qualified;
    /* Set when something could not be translated (a diagnostic was added). */
    bool failed;
    /* The gem being generated, for diagnostics. */
    const sb_pipeline *pl;
    const sb_gem *gem;
    /* Lambda parameters in scope, innermost first; F.expr fallbacks so far. */
    const px_lambda_var *lambdas;
    int fallbacks;
} px_ctx;

/* The Column expression for e (typed by the checker). */
pyx *px_expr(px_ctx *c, const sb_expr *e);
/* A Python literal for a JSON value of Spark type t (seed rows, config
 * values, pivot values). NULL when the value does not fit the type. */
pyx *px_json_value(px_ctx *c, const sb_json *v, const sb_type *t);
/* fn(1000) or fn("1.50") for a decimal's text (fn is Decimal or decimal.Decimal). */
pyx *py_decimal(sb_arena *a, pyx *fn, const char *text, size_t len);
/* F.lit(config.<name>) with the cast that gives it the declared type. */
pyx *px_config_ref(px_ctx *c, const char *name);
/* A Column for `F.col(name)` (backquoted when needed). */
pyx *px_col(px_ctx *c, const char *qualifier, const char *name);
/* A Python str literal holding `name` as a column reference string. */
const char *px_col_ref_text(sb_arena *a, const char *qualifier, const char *name);
/* A sort key: col.asc() / .desc() / .asc_nulls_last() ... */
pyx *px_sort_key(px_ctx *c, const sb_expr *e, bool descending, bool nulls_explicit,
                 bool nulls_first);

/* ---- pyspark function conventions (pyfuncs.c) ------------------------ */

/* How pyspark.sql.functions.<py> takes its arguments: one code per
 * parameter. 'c' a Column; 's' a Python str literal; 'i' an int literal;
 * 'f' a float literal; 'b' a bool literal; 'n' an int literal or a Column;
 * 'a' a Python literal (str, int, bool, None) or a Column. A capital letter
 * repeats for the remaining arguments. */
typedef struct py_func_conv {
    const char *sql;  /* catalogue name */
    const char *py;   /* pyspark.sql.functions name */
    const char *args; /* parameter codes */
    int min_args;     /* fewest SQL arguments the pyspark function takes */
} py_func_conv;

const py_func_conv *py_func_lookup(const char *sql_name);

/* ---- the Python files (gems_py.c, project_py.c) ---------------------- */

/* The function that computes one gem, with its imports, as a module. */
int py_gem_module(sb_arena *a, const sb_project *p, const sb_pipeline *pl, const sb_gem *g,
                  const sb_codegen_options *opt, sb_buf *out, sb_diags *d);

/* Names used in generated code. */
const char *py_pipeline_package(const sb_pipeline *pl);
bool py_is_keyword(const char *name);

/* Spark DDL for a schema ("order_id int NOT NULL, amount decimal(10,2)"). */
const char *py_schema_ddl(sb_arena *a, const sb_type *schema);
/* A column name as DDL writes it (back-quoted when needed). */
const char *py_ddl_ident(sb_arena *a, const char *name);

/* A docstring at indentation depth (wrapped at 88 columns). */
void py_docstring(sb_buf *out, sb_arena *a, int depth, const char *text);

/* Docstring text (escaped, wrapped at 88 columns, first line `first`
 * columns wide), without the quotes, at indentation 0. */
void py_docstring_text(sb_buf *out, sb_arena *a, const char *text, size_t first);

/* Add a file to the output. */
void gen_add_file(sb_arena *a, sb_gen_files *out, const char *path, const char *text, size_t len);

/* The package files of a pipeline. */
int py_project_files(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                     const sb_codegen_options *opt, sb_gen_files *out, sb_diags *d,
                     const char *project_dir);

/* A SQLStatement's query with input `inK` written as inputs[k] (with
 * `AS inK` when it had no alias) and ${var} as a named parameter (python) or
 * a typed spark-sql substitution; params receives the variables used. */
const char *sql_rewrite_query(sb_arena *a, const sb_project *p, const sb_gem *gem,
                              const char *const *inputs, bool python, sb_vec *params);

/* The SQL script of a pipeline. */
int sql_pipeline_file(sb_arena *a, const sb_project *p, const sb_pipeline *pl,
                      sb_gen_files *out, sb_diags *d);

/* Report a generation problem at a gem. */
void gen_error(sb_diags *d, const sb_pipeline *pl, const sb_gem *g, const char *field,
               const char *code, const char *fmt, ...) SB_PRINTF(6, 7);

#endif
