/*
 * gems_py.c — one Python function per gem, each in its own module
 * (`gems/<gem>.py`), written the way a data engineer would write it by
 * hand: `in0.select(...)`, `in0.where(...)`, `groupBy(...).agg(...)`,
 * joins of aliased inputs, a Window for window functions.
 *
 * Every function takes (spark, config, in0, in1, ...) and returns a
 * DataFrame, a tuple of DataFrames (RowDistributor) or None (Target), so
 * that pipeline.py can call them uniformly in the planner's order. Column
 * names and types come out exactly as the planner computed them; where the
 * DataFrame API would name a column differently from the spec's target, the
 * column gets an explicit alias.
 */
#include "codegen/codegen_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen {
    sb_arena *a;
    sb_diags *d;
    const sb_project *p;
    const sb_pipeline *pl; /* the pipeline (or subgraph) the gem belongs to */
    const sb_codegen_options *opt;
    py_imports imp;
    sb_buf consts; /* module-level constants, each followed by two blank lines */
    sb_buf funcs;  /* function definitions, separated by two blank lines */
    bool failed;
} gen;

void gen_error(sb_diags *d, const sb_pipeline *pl, const sb_gem *g, const char *field,
               const char *code, const char *fmt, ...)
{
    sb_diag_context ctx = {.file = pl ? pl->file : NULL,
                           .gem = g ? g->name : NULL,
                           .field = field,
                           .line = g ? g->line : 0,
                           .col = g ? g->col : 0};
    sb_diags_set_context(d, &ctx);
    va_list ap;
    va_start(ap, fmt);
    char *msg = sb_arena_vprintf(d->arena, fmt, ap);
    va_end(ap);
    sb_diags_add(d, SB_SEV_ERROR, code, "%s", msg);
    sb_diags_clear_context(d);
}

bool py_is_keyword(const char *name)
{
    static const char *const kws[] = {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield"};
    for (size_t i = 0; i < SB_COUNTOF(kws); i++)
        if (strcmp(name, kws[i]) == 0) return true;
    return false;
}

/* ---- DDL ------------------------------------------------------------ */

const char *py_ddl_ident(sb_arena *a, const char *name)
{
    bool plain = *name && !isdigit((unsigned char)*name);
    for (const char *p = name; *p && plain; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') plain = false;
    if (plain && !sb_sql_is_reserved(name)) return name;
    sb_buf b = SB_BUF_INIT;
    sb_buf_putc(&b, '`');
    for (const char *p = name; *p; p++) {
        if (*p == '`') sb_buf_putc(&b, '`');
        sb_buf_putc(&b, *p);
    }
    sb_buf_putc(&b, '`');
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

static void ddl_columns(sb_buf *b, sb_arena *a, const sb_type *schema, bool not_null, size_t i)
{
    const sb_field *f = &schema->fields[i];
    sb_buf_printf(b, "%s %s", py_ddl_ident(a, f->name), sb_type_str(a, f->type));
    if (not_null && !f->nullable) sb_buf_puts(b, " NOT NULL");
}

const char *py_schema_ddl(sb_arena *a, const sb_type *schema)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        if (i) sb_buf_puts(&b, ", ");
        ddl_columns(&b, a, schema, true, i);
    }
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

/* ---- writing statements --------------------------------------------- */

static void emit_stmt(sb_buf *out, py_stmt *s, int depth)
{
    py_format_stmt(out, s, depth);
}

static void stmt_return(gen *g, sb_buf *out, int depth, pyx *x)
{
    py_stmt s;
    py_stmt_init(&s, g->a);
    py_kw(&s, "return");
    py_invisible_open(&s);
    pyx_emit(&s, x);
    py_invisible_close(&s);
    emit_stmt(out, &s, depth);
}

static void stmt_assign(gen *g, sb_buf *out, int depth, const char *name, pyx *x)
{
    py_stmt s;
    py_stmt_init(&s, g->a);
    py_name(&s, name);
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, x);
    py_invisible_close(&s);
    emit_stmt(out, &s, depth);
}

/* A bare expression statement (a write): on one line when it fits, else in
 * parentheses so that black splits it one method call per line. */
static void stmt_expr(gen *g, sb_buf *out, int depth, pyx *x)
{
    py_stmt s;
    py_stmt_init(&s, g->a);
    pyx_emit(&s, x);
    sb_buf one = SB_BUF_INIT;
    emit_stmt(&one, &s, depth);
    size_t nl = 0;
    for (size_t i = 0; i < one.len; i++)
        if (one.data[i] == '\n') nl++;
    if (nl <= 1) {
        sb_buf_add(out, one.data, one.len);
        sb_buf_free(&one);
        return;
    }
    sb_buf_free(&one);
    py_stmt_init(&s, g->a);
    py_tok_add(&s, PY_LPAR, "(", PYF_ATOM);
    pyx_emit(&s, x);
    py_tok_add(&s, PY_RPAR, ")", 0);
    emit_stmt(out, &s, depth);
}

/* Wrap text to `width` columns at spaces. */
static void wrap_words(sb_buf *out, const char *text, size_t first_width, size_t width,
                       const char *indent)
{
    size_t col = 0, limit = first_width;
    const char *p = text;
    bool first_word = true;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *w = p;
        while (*p && *p != ' ') p++;
        size_t wl = (size_t)(p - w);
        if (!first_word && col + 1 + wl > limit) {
            sb_buf_putc(out, '\n');
            sb_buf_puts(out, indent);
            col = 0;
            limit = width;
            first_word = true;
        }
        if (!first_word) {
            sb_buf_putc(out, ' ');
            col++;
        }
        sb_buf_add(out, w, wl);
        col += wl;
        first_word = false;
    }
}

/* Text for a docstring: whitespace collapsed, backslashes and quotes made
 * safe inside triple quotes. */
static const char *docstring_text(sb_arena *a, const char *text)
{
    sb_buf b = SB_BUF_INIT;
    bool space = false;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = b.len > 0;
            continue;
        }
        if (space) sb_buf_putc(&b, ' ');
        space = false;
        if (c == '\\')
            sb_buf_puts(&b, "\\\\");
        else if (c == '"' && p[1] == '"' && p[2] == '"')
            sb_buf_puts(&b, "\\\"");
        else if (c < 0x20)
            continue;
        else
            sb_buf_putc(&b, (char)c);
    }
    /* black adds a space when a docstring ends with its quote character */
    if (b.len && b.data[b.len - 1] == '"') sb_buf_putc(&b, ' ');
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

void py_docstring_text(sb_buf *out, sb_arena *a, const char *text, size_t width)
{
    wrap_words(out, docstring_text(a, text), width, 88, "");
}

/* A docstring at indentation depth: one line when it fits in 88 columns,
 * otherwise wrapped with the closing quotes on their own line. */
void py_docstring(sb_buf *out, sb_arena *a, int depth, const char *text)
{
    const char *t = docstring_text(a, text);
    size_t indent = (size_t)depth * 4;
    char *ind = sb_arena_alloc(a, indent + 1);
    memset(ind, ' ', indent);
    if (indent + 6 + py_str_width(t, strlen(t)) <= 88) {
        sb_buf_printf(out, "%s\"\"\"%s\"\"\"\n", ind, t);
        return;
    }
    sb_buf wrapped = SB_BUF_INIT;
    wrap_words(&wrapped, t, 88 - indent - 3, 88 - indent, ind);
    /* black keeps a one-line docstring on one line, however long */
    if (!strchr(sb_buf_str(&wrapped), '\n'))
        sb_buf_printf(out, "%s\"\"\"%s\"\"\"\n", ind, sb_buf_str(&wrapped));
    else
        sb_buf_printf(out, "%s\"\"\"%s\n%s\"\"\"\n", ind, sb_buf_str(&wrapped), ind);
    sb_buf_free(&wrapped);
}

/* ---- names --------------------------------------------------------- */

/* A local variable name that does not hide a parameter or a module name. */
static const char *local_name(gen *g, const char *want, const sb_gem *gem)
{
    static const char *const taken[] = {"spark", "config", "F", "Window", "DataFrame",
                                         "SparkSession", "Config", "Decimal", "datetime",
                                         "Tuple", "window", "joined"};
    bool clash = py_is_keyword(want);
    for (size_t i = 0; i < SB_COUNTOF(taken) && !clash; i++) clash = strcmp(want, taken[i]) == 0;
    for (size_t i = 0; i < gem->ninputs && !clash; i++)
        clash = strcmp(want, sb_arena_printf(g->a, "in%zu", i)) == 0;
    if (!clash) return want;
    return sb_arena_printf(g->a, "%s_df", want);
}

/* ---- expression helpers ------------------------------------------------ */

static px_ctx ctx_for(gen *g, const sb_gem *gem, bool qualified)
{
    px_ctx c = {.a = g->a, .d = g->d, .p = g->p, .imp = &g->imp, .qualified = qualified,
                .pl = g->pl, .gem = gem};
    return c;
}

static pyx *expr(gen *g, px_ctx *c, const sb_spec_expr *e)
{
    if (!e->ast) {
        g->failed = true;
        return pyx_name(g->a, "None");
    }
    pyx *x = px_expr(c, e->ast);
    if (c->failed) g->failed = true;
    return x;
}

/* The name Spark gives a column reference in a select (the schema's
 * spelling), or NULL when e is not a plain column of one of the inputs. */
static const char *column_output_name(const sb_gem *gem, const sb_expr *e)
{
    if (e->kind != SB_E_COLUMN || e->u.column.rel < 0) return NULL;
    size_t used = e->u.column.used_parts;
    if (used != e->u.column.nparts || used == 0) return NULL;
    const char *name = e->u.column.parts[used - 1];
    for (size_t i = 0; i < gem->ninputs; i++) {
        if (used == 2) {
            char want[32];
            snprintf(want, sizeof want, "in%zu", i);
            if (!sb_str_ieq(want, e->u.column.parts[0])) continue;
        }
        const sb_type *s = sb_plan_input_schema(gem, i);
        long k = s ? sb_schema_find(s, name, NULL) : -1;
        if (k >= 0) return s->fields[k].name;
    }
    return NULL;
}

/* expression.alias(target), unless the expression already has that name. */
static pyx *named(gen *g, px_ctx *c, const sb_gem *gem, const sb_spec_named_expr *x)
{
    pyx *v = expr(g, c, &x->expr);
    const char *target = x->target.text ? x->target.text : "";
    const char *own = x->expr.ast ? column_output_name(gem, x->expr.ast) : NULL;
    if (own && strcmp(own, target) == 0) return v;
    pyx *call = pyx_method(g->a, v, "alias", 1);
    pyx_arg(g->a, call, NULL, pyx_str(g->a, target));
    return call;
}

static pyx *in_name(gen *g, size_t i)
{
    return pyx_name(g->a, sb_arena_printf(g->a, "in%zu", i));
}

/* ---- paths and options -------------------------------------------------- */

static bool is_absolute_or_uri(const char *path)
{
    return path[0] == '/' || strstr(path, "://") || strncmp(path, "dbfs:", 5) == 0;
}

/* f"{config.base_path}/data/{config.run_date}/x.csv" for a dataset path. */
static pyx *path_value(gen *g, const sb_dataset *ds)
{
    const char *path = ds->path.text ? ds->path.text : "";
    sb_buf body = SB_BUF_INIT;
    bool fields = false;
    if (!is_absolute_or_uri(path)) {
        sb_buf_puts(&body, "{config.base_path}/");
        fields = true;
    }
    for (const char *p = path; *p;) {
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            if (close) {
                char *name = sb_arena_strndup(g->a, p + 2, (size_t)(close - p - 2));
                const sb_config_var *v = g->p ? sb_project_var(g->p, name) : NULL;
                if (v && v->type && v->type->kind == SB_T_BOOLEAN)
                    sb_buf_printf(&body, "{str(config.%s).lower()}", name);
                else if (v && v->type && (v->type->kind == SB_T_DOUBLE || v->type->kind == SB_T_FLOAT))
                    sb_buf_printf(&body, "{config.%s:g}", name);
                else
                    sb_buf_printf(&body, "{config.%s}", name);
                fields = true;
                p = close + 1;
                continue;
            }
        }
        if (*p == '{' || *p == '}') sb_buf_putc(&body, *p); /* doubled in f-strings */
        sb_buf_putc(&body, *p);
        p++;
    }
    pyx *x = pyx_new_str(g->a, fields ? py_str_literal(g->a, body.data ? body.data : "", body.len, "f")
                                      : py_str_literal(g->a, path, strlen(path), ""));
    sb_buf_free(&body);
    return x;
}

static bool option_keys_are_names(const sb_json *options)
{
    for (size_t i = 0; options && i < options->u.object.len; i++) {
        const char *k = options->u.object.members[i].key;
        if (!sb_spec_is_name(k)) return false;
    }
    return true;
}

static pyx *option_value(gen *g, const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_BOOL: return pyx_name(g->a, v->u.boolean ? "True" : "False");
    case SB_JSON_NUMBER: return pyx_name(g->a, sb_arena_strndup(g->a, v->u.number.text, v->u.number.len));
    case SB_JSON_STRING: return pyx_strn(g->a, v->u.string.s, v->u.string.len);
    default: return pyx_name(g->a, "None");
    }
}

/* .options(header=True, ...) or .option("key", value) for each. */
static pyx *with_options(gen *g, pyx *chain, const sb_json *options)
{
    if (!options || options->kind != SB_JSON_OBJECT || !options->u.object.len) return chain;
    /* Options in a fixed order: sorted by key, as in the canonical file. */
    size_t n = options->u.object.len;
    const sb_json_member **m = sb_arena_alloc(g->a, n * sizeof(*m));
    for (size_t i = 0; i < n; i++) m[i] = &options->u.object.members[i];
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(m[k - 1]->key, m[k]->key) > 0; k--) {
            const sb_json_member *t = m[k];
            m[k] = m[k - 1];
            m[k - 1] = t;
        }
    if (option_keys_are_names(options)) {
        pyx *call = pyx_method(g->a, chain, "options", 0);
        for (size_t i = 0; i < n; i++) pyx_arg(g->a, call, m[i]->key, option_value(g, m[i]->value));
        return call;
    }
    for (size_t i = 0; i < n; i++) {
        pyx *call = pyx_method(g->a, chain, "option", 2);
        pyx_arg(g->a, call, NULL, pyx_str(g->a, m[i]->key));
        pyx_arg(g->a, call, NULL, option_value(g, m[i]->value));
        chain = call;
    }
    return chain;
}

/* A module-level string constant, split into implicitly concatenated
 * pieces at ", " when it does not fit on one line. */
static void const_string(gen *g, const char *name, const char *text)
{
    sb_buf *out = &g->consts;
    const char *lit = py_str_literal(g->a, text, strlen(text), "");
    size_t one = strlen(name) + 3 + py_str_width(lit, strlen(lit));
    if (one <= 88) {
        sb_buf_printf(out, "%s = %s\n\n\n", name, lit);
        return;
    }
    sb_buf_printf(out, "%s = (\n", name);
    const char *p = text;
    while (*p) {
        /* take column definitions while the piece fits in 84 columns */
        const char *end = p, *best = NULL;
        while (*end) {
            const char *next = strstr(end, ", ");
            const char *stop = next ? next + 2 : end + strlen(end);
            const char *piece = py_str_literal(g->a, p, (size_t)(stop - p), "");
            if (best && 4 + py_str_width(piece, strlen(piece)) > 88) break;
            best = stop;
            end = stop;
            if (!next) break;
        }
        if (!best) best = p + strlen(p);
        const char *piece = py_str_literal(g->a, p, (size_t)(best - p), "");
        sb_buf_printf(out, "    %s\n", piece);
        p = best;
    }
    sb_buf_puts(out, ")\n\n\n");
}

/* ---- the gem kinds --------------------------------------------------------- */

static void gem_source(gen *g, sb_buf *out, const sb_gem *gem)
{
    const sb_dataset *ds = gem->u.source.ds;
    if (!ds && g->p && gem->u.source.dataset.text) ds = sb_project_dataset(g->p, gem->u.source.dataset.text);
    if (!ds) {
        gen_error(g->d, g->pl, gem, "dataset", "codegen-unknown", "the Source's dataset is unknown");
        g->failed = true;
        return;
    }
    sb_arena *a = g->a;
    pyx *chain = pyx_attr(a, pyx_name(a, "spark"), "read");
    pyx *call = pyx_method(a, chain, "format", 1);
    pyx_arg(a, call, NULL, pyx_str(a, sb_data_format_name(ds->format)));
    chain = with_options(g, call, ds->options);
    if (ds->schema) {
        const char *cname = "SCHEMA";
        sb_buf ddl = SB_BUF_INIT;
        for (size_t i = 0; i < ds->schema->nfields; i++) {
            if (i) sb_buf_puts(&ddl, ", ");
            /* Spark makes every column of a file source nullable. */
            ddl_columns(&ddl, a, ds->schema, false, i);
        }
        const_string(g, cname, sb_buf_str(&ddl));
        sb_buf_free(&ddl);
        call = pyx_method(a, chain, "schema", 1);
        pyx_arg(a, call, NULL, pyx_name(a, cname));
        chain = call;
    }
    call = pyx_method(a, chain, "load", 1);
    pyx_arg(a, call, NULL, path_value(g, ds));
    stmt_return(g, out, 1, call);
}

static void gem_seed(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    const sb_type *schema = gem->u.seed.schema;
    const sb_json *rows = gem->u.seed.rows;
    if (!schema) {
        g->failed = true;
        return;
    }
    const_string(g, "SCHEMA", py_schema_ddl(a, schema));
    px_ctx c = ctx_for(g, gem, false);
    pyx *list = pyx_list(a, PX_LIST, 0);
    for (size_t i = 0; rows && rows->kind == SB_JSON_ARRAY && i < rows->u.array.len; i++) {
        const sb_json *row = rows->u.array.items[i];
        pyx *t = pyx_list(a, PX_TUPLE, 0);
        for (size_t k = 0; row->kind == SB_JSON_ARRAY && k < row->u.array.len && k < schema->nfields; k++) {
            pyx *v = px_json_value(&c, row->u.array.items[k], schema->fields[k].type);
            if (!v) {
                gen_error(g->d, g->pl, gem, sb_arena_printf(a, "rows[%zu][%zu]", i, k), "codegen-seed",
                          "this value does not fit column `%s`", schema->fields[k].name);
                g->failed = true;
                v = pyx_name(a, "None");
            }
            pyx_arg(a, t, NULL, v);
        }
        pyx_arg(a, list, NULL, t);
    }
    if (list->nargs) list->magic_comma = true;
    py_stmt s;
    py_stmt_init(&s, a);
    py_name(&s, "ROWS");
    py_tok_add(&s, PY_EQUAL, "=", 0);
    py_invisible_open(&s);
    pyx_emit(&s, list);
    py_invisible_close(&s);
    py_format_stmt(&g->consts, &s, 0);
    sb_buf_puts(&g->consts, "\n\n");
    stmt_return(g, out, 1,
                pyx_call2(a, pyx_attr(a, pyx_name(a, "spark"), "createDataFrame"), pyx_name(a, "ROWS"),
                          pyx_name(a, "SCHEMA")));
}

static void gem_target(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    const sb_dataset *ds = gem->u.target.ds;
    if (!ds && g->p && gem->u.target.dataset.text) ds = sb_project_dataset(g->p, gem->u.target.dataset.text);
    if (!ds) {
        gen_error(g->d, g->pl, gem, "dataset", "codegen-unknown", "the Target's dataset is unknown");
        g->failed = true;
        return;
    }
    stmt_assign(g, out, 1, "path", path_value(g, ds));
    pyx *chain = pyx_attr(a, in_name(g, 0), "write");
    pyx *call = pyx_method(a, chain, "format", 1);
    pyx_arg(a, call, NULL, pyx_str(a, sb_data_format_name(ds->format)));
    chain = call;
    call = pyx_method(a, chain, "mode", 1);
    /* "error" is Spark's default; spelled out so the intent is visible */
    pyx_arg(a, call, NULL, pyx_str(a, sb_write_mode_name(gem->u.target.mode)));
    chain = with_options(g, call, ds->options);
    if (gem->u.target.npartition_by) {
        call = pyx_method(a, chain, "partitionBy", 0);
        for (size_t i = 0; i < gem->u.target.npartition_by; i++)
            pyx_arg(a, call, NULL, pyx_str(a, gem->u.target.partition_by[i].text ? gem->u.target.partition_by[i].text : ""));
        chain = call;
    }
    call = pyx_method(a, chain, "save", 1);
    pyx_arg(a, call, NULL, pyx_name(a, "path"));
    stmt_expr(g, out, 1, call);
}

static void gem_reformat(gen *g, sb_buf *out, const sb_gem *gem)
{
    px_ctx c = ctx_for(g, gem, false);
    pyx *call = pyx_method(g->a, in_name(g, 0), "select", 0);
    for (size_t i = 0; i < gem->u.reformat.nexprs; i++)
        pyx_arg(g->a, call, NULL, named(g, &c, gem, &gem->u.reformat.exprs[i]));
    stmt_return(g, out, 1, call);
}

static void gem_schema_transform(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, false);
    pyx *chain = in_name(g, 0);
    for (size_t i = 0; i < gem->u.schema_transform.nops; i++) {
        const sb_schema_op *op = &gem->u.schema_transform.ops[i];
        pyx *call;
        switch (op->op) {
        case SB_SCHEMA_OP_ADD:
            call = pyx_method(a, chain, "withColumn", 2);
            pyx_arg(a, call, NULL, pyx_str(a, op->target.text ? op->target.text : ""));
            pyx_arg(a, call, NULL, expr(g, &c, &op->expr));
            break;
        case SB_SCHEMA_OP_DROP:
            call = pyx_method(a, chain, "drop", 1);
            pyx_arg(a, call, NULL, pyx_str(a, op->column.text ? op->column.text : ""));
            break;
        case SB_SCHEMA_OP_RENAME:
            call = pyx_method(a, chain, "withColumnRenamed", 2);
            pyx_arg(a, call, NULL, pyx_str(a, op->column.text ? op->column.text : ""));
            pyx_arg(a, call, NULL, pyx_str(a, op->target.text ? op->target.text : ""));
            break;
        default: continue;
        }
        chain = call;
    }
    stmt_return(g, out, 1, chain);
}

static void gem_filter(gen *g, sb_buf *out, const sb_gem *gem)
{
    px_ctx c = ctx_for(g, gem, false);
    pyx *call = pyx_method(g->a, in_name(g, 0), "where", 1);
    pyx_arg(g->a, call, NULL, expr(g, &c, &gem->u.filter.condition));
    stmt_return(g, out, 1, call);
}

static pyx *sort_key(gen *g, px_ctx *c, const sb_spec_sort *k, bool reverse)
{
    if (!k->expr.ast) {
        g->failed = true;
        return pyx_name(g->a, "None");
    }
    bool desc = k->descending, nulls_first = k->nulls_explicit ? k->nulls_first : !k->descending;
    if (reverse) {
        desc = !desc;
        nulls_first = !nulls_first;
    }
    pyx *x = px_sort_key(c, k->expr.ast, desc, true, nulls_first);
    if (c->failed) g->failed = true;
    return x;
}

static void gem_order_by(gen *g, sb_buf *out, const sb_gem *gem)
{
    px_ctx c = ctx_for(g, gem, false);
    pyx *call = pyx_method(g->a, in_name(g, 0), "orderBy", 0);
    for (size_t i = 0; i < gem->u.order_by.nkeys; i++)
        pyx_arg(g->a, call, NULL, sort_key(g, &c, &gem->u.order_by.keys[i], false));
    stmt_return(g, out, 1, call);
}

static void gem_limit(gen *g, sb_buf *out, const sb_gem *gem)
{
    pyx *call = pyx_method(g->a, in_name(g, 0), "limit", 1);
    pyx_arg(g->a, call, NULL, pyx_name(g->a, sb_arena_printf(g->a, "%lld", (long long)gem->u.limit.count)));
    stmt_return(g, out, 1, call);
}

/* A column name that none of the input's columns has (case-insensitive). */
static const char *free_column(gen *g, const sb_type *schema, const char *want)
{
    const char *name = want;
    while (schema && sb_schema_find(schema, name, NULL) >= 0) name = sb_arena_printf(g->a, "_%s", name);
    return name;
}

static void gem_deduplicate(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, false);
    switch (gem->u.dedup.mode) {
    case SB_DEDUP_DISTINCT: stmt_return(g, out, 1, pyx_method(a, in_name(g, 0), "distinct", 0)); return;
    case SB_DEDUP_ANY: {
        pyx *keys = pyx_list(a, PX_LIST, 0);
        for (size_t i = 0; i < gem->u.dedup.nkeys; i++) {
            const sb_expr *k = gem->u.dedup.keys[i].ast;
            const char *name = k && k->kind == SB_E_COLUMN ? k->u.column.parts[k->u.column.nparts - 1] : "";
            pyx_arg(a, keys, NULL, pyx_str(a, name));
        }
        pyx *call = pyx_method(a, in_name(g, 0), "dropDuplicates", 1);
        pyx_arg(a, call, NULL, keys);
        stmt_return(g, out, 1, call);
        return;
    }
    case SB_DEDUP_FIRST:
    case SB_DEDUP_LAST: {
        bool last = gem->u.dedup.mode == SB_DEDUP_LAST;
        g->imp.Window = true;
        g->imp.F = true;
        pyx *spec = pyx_method(a, pyx_name(a, "Window"), "partitionBy", 0);
        for (size_t i = 0; i < gem->u.dedup.nkeys; i++) pyx_arg(a, spec, NULL, expr(g, &c, &gem->u.dedup.keys[i]));
        pyx *ordered = pyx_method(a, spec, "orderBy", 0);
        /* the last row by an order is the first by the reversed order */
        for (size_t i = 0; i < gem->u.dedup.norder; i++)
            pyx_arg(a, ordered, NULL, sort_key(g, &c, &gem->u.dedup.order[i], last));
        stmt_assign(g, out, 1, "window", ordered);
        const char *rn = free_column(g, sb_plan_input_schema(gem, 0), "row_number");
        pyx *with = pyx_method(a, in_name(g, 0), "withColumn", 2);
        pyx_arg(a, with, NULL, pyx_str(a, rn));
        pyx *over = pyx_method(a, pyx_call0(a, pyx_f(a, "row_number")), "over", 1);
        pyx_arg(a, over, NULL, pyx_name(a, "window"));
        pyx_arg(a, with, NULL, over);
        pyx *where = pyx_method(a, with, "where", 1);
        pyx_arg(a, where, NULL, pyx_bin(a, "==", pyx_call1(a, pyx_f(a, "col"), pyx_str(a, rn)), pyx_name(a, "1")));
        pyx *drop = pyx_method(a, where, "drop", 1);
        pyx_arg(a, drop, NULL, pyx_str(a, rn));
        stmt_return(g, out, 1, drop);
        return;
    }
    }
}

/* A plain column of the input used as a pivot column: its name. */
static const char *plain_column(const sb_expr *e)
{
    if (!e || e->kind != SB_E_COLUMN || e->u.column.rel < 0) return NULL;
    if (e->u.column.used_parts != e->u.column.nparts) return NULL;
    return e->u.column.parts[e->u.column.nparts - 1];
}

static void gem_aggregate(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, false);
    pyx *base = in_name(g, 0);
    bool pivot = gem->u.aggregate.has_pivot;
    const char *pivot_name = NULL;
    if (pivot) {
        pivot_name = plain_column(gem->u.aggregate.pivot_column.ast);
        if (!pivot_name) {
            /* pivot() takes a column name: compute the expression first */
            pivot_name = free_column(g, sb_plan_input_schema(gem, 0), "pivot_value");
            pyx *with = pyx_method(a, base, "withColumn", 2);
            pyx_arg(a, with, NULL, pyx_str(a, pivot_name));
            pyx_arg(a, with, NULL, expr(g, &c, &gem->u.aggregate.pivot_column));
            base = with;
        }
    }
    pyx *grouped;
    if (!gem->u.aggregate.ngroup_by && !pivot) {
        grouped = base;
    } else {
        grouped = pyx_method(a, base, "groupBy", 0);
        for (size_t i = 0; i < gem->u.aggregate.ngroup_by; i++)
            pyx_arg(a, grouped, NULL, named(g, &c, gem, &gem->u.aggregate.group_by[i]));
    }
    if (pivot) {
        pyx *call = pyx_method(a, grouped, "pivot", 2);
        pyx_arg(a, call, NULL, pyx_str(a, pivot_name));
        pyx *values = pyx_list(a, PX_LIST, 0);
        const sb_json *vals = gem->u.aggregate.pivot_values;
        for (size_t i = 0; vals && vals->kind == SB_JSON_ARRAY && i < vals->u.array.len; i++)
            pyx_arg(a, values, NULL, option_value(g, vals->u.array.items[i]));
        pyx_arg(a, call, NULL, values);
        grouped = call;
    }
    pyx *agg = pyx_method(a, grouped, "agg", 0);
    for (size_t i = 0; i < gem->u.aggregate.naggregates; i++)
        pyx_arg(a, agg, NULL, named(g, &c, gem, &gem->u.aggregate.aggregates[i]));
    stmt_return(g, out, 1, agg);
}

static const char *join_how(sb_join_type t)
{
    switch (t) {
    case SB_JOIN_INNER: return "inner";
    case SB_JOIN_LEFT: return "left";
    case SB_JOIN_RIGHT: return "right";
    case SB_JOIN_FULL: return "full";
    case SB_JOIN_LEFT_SEMI: return "left_semi";
    case SB_JOIN_LEFT_ANTI: return "left_anti";
    case SB_JOIN_CROSS: return "cross";
    }
    return "inner";
}

static void gem_join(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, true);
    pyx *chain = pyx_method(a, in_name(g, 0), "alias", 1);
    pyx_arg(a, chain, NULL, pyx_str(a, "in0"));
    for (size_t i = 1; i < gem->ninputs && i - 1 < gem->u.join.njoins; i++) {
        const sb_join_spec *js = &gem->u.join.joins[i - 1];
        pyx *right = pyx_method(a, in_name(g, i), "alias", 1);
        pyx_arg(a, right, NULL, pyx_str(a, sb_arena_printf(a, "in%zu", i)));
        if (js->broadcast) {
            right = pyx_call1(a, pyx_f(a, "broadcast"), right);
            g->imp.F = true;
        }
        pyx *call;
        if (!js->condition.ast && js->type == SB_JOIN_CROSS) {
            call = pyx_method(a, chain, "crossJoin", 1);
            pyx_arg(a, call, NULL, right);
        } else {
            call = pyx_method(a, chain, "join", 3);
            pyx_arg(a, call, NULL, right);
            pyx_arg(a, call, NULL, expr(g, &c, &js->condition));
            pyx_arg(a, call, NULL, pyx_str(a, join_how(js->type)));
        }
        chain = call;
    }
    if (!gem->u.join.nexprs) {
        stmt_return(g, out, 1, chain);
        return;
    }
    stmt_assign(g, out, 1, "joined", chain);
    pyx *sel = pyx_method(a, pyx_name(a, "joined"), "select", 0);
    for (size_t i = 0; i < gem->u.join.nexprs; i++) pyx_arg(a, sel, NULL, named(g, &c, gem, &gem->u.join.exprs[i]));
    stmt_return(g, out, 1, sel);
}

static void gem_set_operation(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    pyx *chain = in_name(g, 0);
    const char *method = "union";
    switch (gem->u.setop.op) {
    case SB_SETOP_UNION_ALL: method = "union"; break;
    case SB_SETOP_UNION_BY_NAME: method = "unionByName"; break;
    case SB_SETOP_INTERSECT: method = "intersect"; break;
    case SB_SETOP_INTERSECT_ALL: method = "intersectAll"; break;
    case SB_SETOP_EXCEPT: method = "subtract"; break; /* EXCEPT DISTINCT */
    case SB_SETOP_EXCEPT_ALL: method = "exceptAll"; break;
    }
    for (size_t i = 1; i < gem->ninputs; i++) {
        pyx *call = pyx_method(a, chain, method, 1);
        pyx_arg(a, call, NULL, in_name(g, i));
        if (gem->u.setop.op == SB_SETOP_UNION_BY_NAME && gem->u.setop.allow_missing)
            pyx_arg(a, call, "allowMissingColumns", pyx_name(a, "True"));
        chain = call;
    }
    stmt_return(g, out, 1, chain);
}

static pyx *frame_value(gen *g, int64_t v, bool unbounded, bool start)
{
    sb_arena *a = g->a;
    if (unbounded || v == SB_FRAME_UNBOUNDED)
        return pyx_attr(a, pyx_name(a, "Window"), start ? "unboundedPreceding" : "unboundedFollowing");
    if (v == 0) return pyx_attr(a, pyx_name(a, "Window"), "currentRow");
    return pyx_name(a, sb_arena_printf(a, "%lld", (long long)v));
}

static void gem_window(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, false);
    g->imp.Window = true;
    pyx *spec = pyx_name(a, "Window");
    if (gem->u.window.npartition_by || !gem->u.window.norder_by) {
        pyx *call = pyx_method(a, spec, "partitionBy", 0);
        for (size_t i = 0; i < gem->u.window.npartition_by; i++)
            pyx_arg(a, call, NULL, expr(g, &c, &gem->u.window.partition_by[i]));
        spec = call;
    }
    if (gem->u.window.norder_by) {
        pyx *call = pyx_method(a, spec, "orderBy", 0);
        for (size_t i = 0; i < gem->u.window.norder_by; i++)
            pyx_arg(a, call, NULL, sort_key(g, &c, &gem->u.window.order_by[i], false));
        spec = call;
    }
    const sb_frame_spec *fr = &gem->u.window.frame;
    if (fr->present) {
        pyx *call = pyx_method(a, spec, fr->type == SB_FRAME_RANGE ? "rangeBetween" : "rowsBetween", 2);
        pyx_arg(a, call, NULL, frame_value(g, fr->start, fr->start_unbounded, true));
        pyx_arg(a, call, NULL, frame_value(g, fr->end, fr->end_unbounded, false));
        spec = call;
    }
    stmt_assign(g, out, 1, "window", spec);
    pyx *chain = in_name(g, 0);
    for (size_t i = 0; i < gem->u.window.nexprs; i++) {
        const sb_spec_named_expr *x = &gem->u.window.exprs[i];
        pyx *over = pyx_method(a, expr(g, &c, &x->expr), "over", 1);
        pyx_arg(a, over, NULL, pyx_name(a, "window"));
        pyx *call = pyx_method(a, chain, "withColumn", 2);
        pyx_arg(a, call, NULL, pyx_str(a, x->target.text ? x->target.text : ""));
        pyx_arg(a, call, NULL, over);
        chain = call;
    }
    stmt_return(g, out, 1, chain);
}

static void gem_distributor(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    px_ctx c = ctx_for(g, gem, false);
    pyx *ret = pyx_list(a, PX_TUPLE, 0);
    for (size_t i = 0; i < gem->u.distributor.noutputs; i++) {
        const sb_distributor_output *o = &gem->u.distributor.outputs[i];
        const char *var = local_name(g, o->port.text ? o->port.text : "out", gem);
        pyx *call = pyx_method(a, in_name(g, 0), "where", 1);
        pyx_arg(a, call, NULL, expr(g, &c, &o->condition));
        stmt_assign(g, out, 1, var, call);
        pyx_arg(a, ret, NULL, pyx_name(a, var));
    }
    /* return a, b, c: a bare tuple, as black prints a returned tuple */
    py_stmt s;
    py_stmt_init(&s, a);
    py_kw(&s, "return");
    py_invisible_open(&s);
    for (size_t i = 0; i < ret->nargs; i++) {
        if (i) py_tok_add(&s, PY_COMMA, ",", 0);
        pyx_emit(&s, ret->args[i]);
    }
    if (ret->nargs == 1) py_tok_add(&s, PY_COMMA, ",", 0);
    py_invisible_close(&s);
    py_format_stmt(out, &s, 1);
}

static void gem_sql(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    if (!gem->u.sql.query_text.text || !gem->u.sql.query) {
        g->failed = true;
        return;
    }
    const char **inputs = sb_arena_alloc(a, (gem->ninputs + 1) * sizeof(char *));
    for (size_t i = 0; i < gem->ninputs; i++) inputs[i] = sb_arena_printf(a, "{in%zu}", i);
    sb_vec params = {0};
    const char *q = sql_rewrite_query(a, g->p, gem, inputs, true, &params);
    /* QUERY = """...""" (a multi-line string is written as is) */
    sb_buf_puts(&g->consts, "QUERY = \"\"\"\n");
    for (const char *p = q; *p; p++) {
        if (*p == '\\')
            sb_buf_puts(&g->consts, "\\\\");
        else if (*p == '"' && p[1] == '"' && p[2] == '"')
            sb_buf_puts(&g->consts, "\\\"");
        else if (*p != '\r')
            sb_buf_putc(&g->consts, *p);
    }
    sb_buf_puts(&g->consts, "\n\"\"\"\n\n\n");

    pyx *call = pyx_method(a, pyx_name(a, "spark"), "sql", 0);
    pyx_arg(a, call, NULL, pyx_name(a, "QUERY"));
    if (params.len) {
        pyx *d = pyx_list(a, PX_DICT, 0);
        for (size_t i = 0; i < params.len; i++) {
            const char *name = params.items[i];
            pyx_arg(a, d, NULL, pyx_str(a, name));
            pyx_arg(a, d, NULL, pyx_attr(a, pyx_name(a, "config"), name));
        }
        pyx_arg(a, call, "args", d);
    }
    for (size_t i = 0; i < gem->ninputs; i++) {
        const char *nm = sb_arena_printf(a, "in%zu", i);
        pyx_arg(a, call, nm, pyx_name(a, nm));
    }
    stmt_return(g, out, 1, call);
}

/* ---- Script -------------------------------------------------------------- */

static void gem_script_call(gen *g, sb_buf *out, const sb_gem *gem)
{
    sb_arena *a = g->a;
    pyx *call = pyx_call(a, pyx_name(a, "transform"), 0);
    pyx_arg(a, call, NULL, pyx_name(a, "spark"));
    for (size_t i = 0; i < gem->ninputs; i++) pyx_arg(a, call, NULL, in_name(g, i));
    stmt_return(g, out, 1, call);
}

/* ---- a function per gem -------------------------------------------------- */

static const char *summary(gen *g, const sb_gem *gem)
{
    sb_arena *a = g->a;
    if (gem->description && *gem->description) return gem->description;
    switch (gem->kind) {
    case SB_GEM_SOURCE: return sb_arena_printf(a, "Read dataset %s.", gem->u.source.dataset.text ? gem->u.source.dataset.text : "?");
    case SB_GEM_SEED: return "An inline table.";
    case SB_GEM_TARGET: return sb_arena_printf(a, "Write dataset %s.", gem->u.target.dataset.text ? gem->u.target.dataset.text : "?");
    case SB_GEM_REFORMAT: return "Select and compute columns.";
    case SB_GEM_SCHEMA_TRANSFORM: return "Add, replace, rename and drop columns.";
    case SB_GEM_FILTER: return "Keep the rows where the condition holds.";
    case SB_GEM_ORDER_BY: return "Sort the rows.";
    case SB_GEM_LIMIT: return sb_arena_printf(a, "The first %lld rows.", (long long)gem->u.limit.count);
    case SB_GEM_DEDUPLICATE: return "Remove duplicate rows.";
    case SB_GEM_AGGREGATE: return "Group and aggregate.";
    case SB_GEM_JOIN: return "Join the inputs.";
    case SB_GEM_SET_OPERATION: return sb_arena_printf(a, "%s of the inputs.", sb_setop_kind_name(gem->u.setop.op));
    case SB_GEM_WINDOW_FUNCTION: return "Window functions over the rows.";
    case SB_GEM_ROW_DISTRIBUTOR: return "Split the rows into several outputs.";
    case SB_GEM_SQL_STATEMENT: return "A Spark SQL query over the inputs.";
    case SB_GEM_SCRIPT: return "Custom PySpark code.";
    case SB_GEM_SUBGRAPH: return sb_arena_printf(a, "Subgraph %s.", gem->u.subgraph.name.text ? gem->u.subgraph.name.text : "?");
    default: return "A gem.";
    }
}

static void def_line(gen *g, sb_buf *out, const char *fname, const sb_gem *gem, bool annotate)
{
    sb_arena *a = g->a;
    py_stmt s;
    py_stmt_init(&s, a);
    py_kw(&s, "def");
    py_name(&s, fname);
    py_tok_add(&s, PY_LPAR, "(", 0);
    const char *params[3] = {"spark", "config", NULL};
    const char *types[3] = {"SparkSession", "Config", NULL};
    size_t np = 0;
    for (size_t i = 0; i < 2; i++, np++) {
        if (np) py_tok_add(&s, PY_COMMA, ",", PYF_ARGS);
        py_name(&s, params[i]);
        if (annotate) {
            py_tok_add(&s, PY_COLON, ":", 0);
            py_name(&s, types[i]);
        }
    }
    for (size_t i = 0; i < gem->ninputs; i++) {
        py_tok_add(&s, PY_COMMA, ",", PYF_ARGS);
        py_name(&s, sb_arena_printf(a, "in%zu", i));
        if (annotate) {
            py_tok_add(&s, PY_COLON, ":", 0);
            py_name(&s, "DataFrame");
        }
    }
    py_tok_add(&s, PY_RPAR, ")", 0);
    if (annotate) {
        py_tok_add(&s, PY_RARROW, "->", 0);
        if (gem->kind == SB_GEM_TARGET) {
            py_name(&s, "None");
        } else if (gem->kind == SB_GEM_ROW_DISTRIBUTOR) {
            py_name(&s, "tuple");
            py_tok_add(&s, PY_LSQB, "[", PYF_SUBSCRIPT);
            for (size_t i = 0; i < gem->noutputs; i++) {
                if (i) py_tok_add(&s, PY_COMMA, ",", 0);
                py_name(&s, "DataFrame");
            }
            py_tok_add(&s, PY_RSQB, "]", 0);
        } else {
            py_name(&s, "DataFrame");
        }
        g->imp.DataFrame = true;
        g->imp.SparkSession = true;
        g->imp.Config = true;
    }
    py_tok_add(&s, PY_COLON, ":", 0);
    py_format_stmt(out, &s, 0);
}

static void gem_body(gen *g, sb_buf *out, const sb_gem *gem);

/* The functions of a subgraph's gems (prefixed names), then the gem's own
 * function calling them in order. */
static void gem_subgraph_body(gen *g, sb_buf *out, const sb_gem *gem, const char *prefix)
{
    sb_arena *a = g->a;
    const sb_pipeline *sub = gem->u.subgraph.subgraph;
    if (!sub && g->p && gem->u.subgraph.name.text) sub = sb_project_subgraph(g->p, gem->u.subgraph.name.text);
    if (!sub || !sub->order) {
        gen_error(g->d, g->pl, gem, "subgraph", "codegen-unknown", "the subgraph is unknown or was not planned");
        g->failed = true;
        return;
    }
    const sb_pipeline *outer = g->pl;
    g->pl = sub;
    /* variables for each inner gem's outputs */
    const char **vars = sb_arena_alloc(a, (sub->norder + 1) * sizeof(char *));
    for (size_t i = 0; i < sub->norder; i++) {
        const sb_gem *inner = sub->order[i];
        const char *fname = sb_arena_printf(a, "%s_%s", prefix, inner->name);
        sb_buf fn = SB_BUF_INIT;
        def_line(g, &fn, fname, inner, true);
        py_docstring(&fn, a, 1, summary(g, inner));
        if (inner->kind == SB_GEM_SUBGRAPH)
            gem_subgraph_body(g, &fn, inner, fname);
        else
            gem_body(g, &fn, inner);
        sb_buf_add(&g->funcs, fn.data ? fn.data : "", fn.len);
        sb_buf_puts(&g->funcs, "\n\n");
        sb_buf_free(&fn);
        vars[i] = local_name(g, inner->name, gem);
    }
    g->pl = outer;
    /* the calls, in order */
    const char *result = NULL;
    for (size_t i = 0; i < sub->norder; i++) {
        const sb_gem *inner = sub->order[i];
        pyx *call = pyx_call(a, pyx_name(a, sb_arena_printf(a, "%s_%s", prefix, inner->name)), 0);
        pyx_arg(a, call, NULL, pyx_name(a, "spark"));
        pyx_arg(a, call, NULL, pyx_name(a, "config"));
        for (size_t k = 0; k < inner->ninputs; k++) {
            const sb_gem_input *in = &inner->inputs[k];
            const char *v;
            if (in->subgraph_input >= 0) {
                v = sb_arena_printf(a, "in%d", in->subgraph_input);
            } else {
                v = "None";
                for (size_t j = 0; j < sub->norder; j++)
                    if (sub->order[j] == in->from) {
                        v = vars[j];
                        if (in->from->noutputs > 1)
                            v = sb_arena_printf(a, "%s[%d]", vars[j], in->from_port);
                    }
            }
            pyx_arg(a, call, NULL, pyx_name(a, v));
        }
        bool is_output = sub->output.text && strcmp(sub->output.text, inner->name) == 0;
        if (is_output) {
            result = vars[i];
            if (i + 1 == sub->norder) {
                stmt_return(g, out, 1, call);
                return;
            }
        }
        if (inner->kind == SB_GEM_TARGET)
            stmt_expr(g, out, 1, call);
        else
            stmt_assign(g, out, 1, vars[i], call);
    }
    stmt_return(g, out, 1, pyx_name(a, result ? result : "None"));
}

static void gem_body(gen *g, sb_buf *out, const sb_gem *gem)
{
    switch (gem->kind) {
    case SB_GEM_SOURCE: gem_source(g, out, gem); break;
    case SB_GEM_SEED: gem_seed(g, out, gem); break;
    case SB_GEM_TARGET: gem_target(g, out, gem); break;
    case SB_GEM_REFORMAT: gem_reformat(g, out, gem); break;
    case SB_GEM_SCHEMA_TRANSFORM: gem_schema_transform(g, out, gem); break;
    case SB_GEM_FILTER: gem_filter(g, out, gem); break;
    case SB_GEM_ORDER_BY: gem_order_by(g, out, gem); break;
    case SB_GEM_LIMIT: gem_limit(g, out, gem); break;
    case SB_GEM_DEDUPLICATE: gem_deduplicate(g, out, gem); break;
    case SB_GEM_AGGREGATE: gem_aggregate(g, out, gem); break;
    case SB_GEM_JOIN: gem_join(g, out, gem); break;
    case SB_GEM_SET_OPERATION: gem_set_operation(g, out, gem); break;
    case SB_GEM_WINDOW_FUNCTION: gem_window(g, out, gem); break;
    case SB_GEM_ROW_DISTRIBUTOR: gem_distributor(g, out, gem); break;
    case SB_GEM_SQL_STATEMENT: gem_sql(g, out, gem); break;
    case SB_GEM_SCRIPT: gem_script_call(g, out, gem); break;
    case SB_GEM_SUBGRAPH: gem_subgraph_body(g, out, gem, sb_arena_printf(g->a, "_%s", gem->name)); break;
    default: break;
    }
}

int py_gem_module(sb_arena *a, const sb_project *p, const sb_pipeline *pl, const sb_gem *gem,
                  const sb_codegen_options *opt, sb_buf *out, sb_diags *d)
{
    gen g = {.a = a, .d = d, .p = p, .pl = pl, .opt = opt};
    sb_buf fn = SB_BUF_INIT;
    bool script = gem->kind == SB_GEM_SCRIPT;
    /* Script gems carry the user's code, which has its own imports; the
     * wrapper is left unannotated so it needs none of its own. */
    def_line(&g, &fn, gem->name, gem, !script);
    py_docstring(&fn, a, 1, summary(&g, gem));
    gem_body(&g, &fn, gem);

    const char *doc = sb_arena_printf(a, "Gem %s (%s) of pipeline %s.", gem->name,
                                      sb_gem_kind_name(gem->kind), pl->name);
    py_docstring(out, a, 0, doc);
    if (script) {
        const char *code = gem->u.script.code.text ? gem->u.script.code.text : "";
        while (*code == '\n' || *code == '\r') code++;
        /* black: two blank lines before a def (and the comments above it),
         * one before anything else after the module docstring */
        const char *first = code;
        while (*first == '#' || *first == '\n') {
            if (*first == '\n') {
                first++;
                continue;
            }
            first = strchr(first, '\n');
            if (!first) first = "";
        }
        bool def = !strncmp(first, "def ", 4) || !strncmp(first, "class ", 6) || first[0] == '@' ||
                   !strncmp(first, "async def ", 10);
        sb_buf_puts(out, def ? "\n\n" : "\n");
        sb_buf_puts(out, code);
        size_t n = strlen(code);
        if (n && code[n - 1] != '\n') sb_buf_putc(out, '\n');
        sb_buf_puts(out, "\n\n");
    } else {
        sb_buf_putc(out, '\n');
        bool std = false;
        if (g.imp.datetime) sb_buf_puts(out, "import datetime\n"), std = true;
        if (g.imp.Decimal) sb_buf_puts(out, "from decimal import Decimal\n"), std = true;
        if (std) sb_buf_putc(out, '\n');
        sb_buf_puts(out, "from pyspark.sql import DataFrame, SparkSession");
        if (g.imp.Window) sb_buf_puts(out, ", Window");
        sb_buf_putc(out, '\n');
        if (g.imp.F) sb_buf_puts(out, "from pyspark.sql import functions as F\n");
        /* black: one blank line after imports before a constant, two before a def */
        sb_buf_puts(out, g.consts.len ? "\nfrom ..config import Config\n\n" : "\nfrom ..config import Config\n\n\n");
    }
    sb_buf_add(out, g.consts.data ? g.consts.data : "", g.consts.len);
    sb_buf_add(out, g.funcs.data ? g.funcs.data : "", g.funcs.len);
    sb_buf_add(out, fn.data ? fn.data : "", fn.len);
    sb_buf_free(&fn);
    sb_buf_free(&g.consts);
    sb_buf_free(&g.funcs);
    return g.failed ? -1 : 0;
}
