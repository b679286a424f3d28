/*
 * sqlgen.c — a pipeline as one Spark SQL script (`--target sql`).
 *
 * The script is a list of statements that spark-sql (or any runner that
 * executes statements in order) can run:
 *
 *   SET base_path=.;  SET run_date=2024-06-30;      configuration
 *   CREATE OR REPLACE TEMPORARY VIEW orders (...) USING csv OPTIONS (...);
 *   CREATE OR REPLACE TEMPORARY VIEW clean AS SELECT ... FROM orders;
 *   INSERT OVERWRITE DIRECTORY '...' USING parquet SELECT * FROM clean;
 *
 * One temporary view per gem output, in the planner's order, rather than
 * one WITH chain: a pipeline can write several targets and a
 * RowDistributor has several outputs, and views keep each gem readable on
 * its own. Expressions are printed back as Spark SQL; `${var}` becomes a
 * typed cast of spark-sql's own `${var}` text substitution.
 *
 * What plain Spark SQL cannot express is reported by gem name: Script gems
 * (Python code) and Targets in mode `ignore`.
 */
#include "codegen/codegen_internal.h"

#include <ctype.h>
#include <string.h>

typedef struct sqlgen {
    sb_arena *a;
    sb_diags *d;
    const sb_project *p;
    const sb_pipeline *pl;
    sb_buf out;
    bool failed;
} sqlgen;

static const char *ident(sqlgen *s, const char *name)
{
    return py_ddl_ident(s->a, name);
}

/* 'text' with quotes and backslashes escaped, as Spark SQL reads strings. */
static const char *sql_string(sb_arena *a, const char *text, size_t len)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_putc(&b, '\'');
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\'' || c == '\\') sb_buf_putc(&b, '\\');
        if (c == '\n') {
            sb_buf_puts(&b, "\\n");
            continue;
        }
        sb_buf_putc(&b, c);
    }
    sb_buf_putc(&b, '\'');
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

/* An expression as Spark SQL, with ${var} as a typed substitution. */
static const char *expr_sql(sqlgen *s, const sb_expr *e)
{
    sb_buf b = SB_BUF_INIT;
    sb_sql_print_expr(&b, e);
    const char *text = sb_buf_str(&b);
    sb_buf r = SB_BUF_INIT;
    for (const char *p = text; *p;) {
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p, '}');
            if (close) {
                char *name = sb_arena_strndup(s->a, p + 2, (size_t)(close - p - 2));
                const sb_config_var *v = s->p ? sb_project_var(s->p, name) : NULL;
                if (v && v->type && v->type->kind == SB_T_STRING)
                    sb_buf_printf(&r, "'${%s}'", name);
                else
                    sb_buf_printf(&r, "CAST('${%s}' AS %s)", name,
                                  v && v->type ? sb_type_str(s->a, v->type) : "string");
                p = close + 1;
                continue;
            }
        }
        sb_buf_putc(&r, *p++);
    }
    const char *res = sb_arena_strdup(s->a, sb_buf_str(&r));
    sb_buf_free(&b);
    sb_buf_free(&r);
    return res;
}

/* The view name of gem g's output port k (a subgraph's gems are prefixed). */
typedef struct scope {
    const sb_pipeline *pl;
    const char *prefix;             /* "" or "<gem>__" inside a subgraph */
    const char *const *sub_inputs;  /* view names of the subgraph's inputs */
    const sb_type *const *sub_schemas; /* and their schemas */
} scope;

static const sb_type *input_schema(const scope *sc, const sb_gem *g, size_t i)
{
    const sb_gem_input *in = &g->inputs[i];
    if (in->subgraph_input >= 0) return sc->sub_schemas ? sc->sub_schemas[in->subgraph_input] : NULL;
    return sb_plan_input_schema(g, i);
}

static const char *view_of(sqlgen *s, const scope *sc, const sb_gem *g, int port)
{
    const char *base = sb_arena_printf(s->a, "%s%s", sc->prefix, g->name);
    if (g->noutputs > 1) base = sb_arena_printf(s->a, "%s__%s", base, g->outputs[port]);
    return base;
}

static const char *input_view(sqlgen *s, const scope *sc, const sb_gem *g, size_t i)
{
    const sb_gem_input *in = &g->inputs[i];
    if (in->subgraph_input >= 0) return sc->sub_inputs ? sc->sub_inputs[in->subgraph_input] : "?";
    return view_of(s, sc, in->from, in->from_port);
}

static void fail_gem(sqlgen *s, const sb_gem *g, const char *msg)
{
    gen_error(s->d, s->pl, g, NULL, "codegen-sql-unsupported", "%s", msg);
    s->failed = true;
}

static void create_view(sqlgen *s, const char *name, const char *select)
{
    sb_buf_printf(&s->out, "CREATE OR REPLACE TEMPORARY VIEW %s AS\n%s;\n\n", ident(s, name), select);
}

static const char *columns(sqlgen *s, const sb_type *schema, const char *qualifier)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        if (i) sb_buf_puts(&b, ", ");
        if (qualifier) sb_buf_printf(&b, "%s.", qualifier);
        sb_buf_puts(&b, ident(s, schema->fields[i].name));
    }
    const char *r = sb_arena_strdup(s->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

static const char *options_sql(sqlgen *s, const sb_json *options, const char *path)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "OPTIONS (path %s", sql_string(s->a, path, strlen(path)));
    for (size_t i = 0; options && options->kind == SB_JSON_OBJECT && i < options->u.object.len; i++) {
        const sb_json_member *m = &options->u.object.members[i];
        const sb_json *v = m->value;
        const char *val = v->kind == SB_JSON_STRING   ? sb_arena_strndup(s->a, v->u.string.s, v->u.string.len)
                          : v->kind == SB_JSON_NUMBER ? sb_arena_strndup(s->a, v->u.number.text, v->u.number.len)
                          : v->kind == SB_JSON_BOOL   ? (v->u.boolean ? "true" : "false")
                                                      : "";
        sb_buf_printf(&b, ", %s %s", sb_spec_is_name(m->key) ? m->key : sql_string(s->a, m->key, strlen(m->key)),
                      sql_string(s->a, val, strlen(val)));
    }
    sb_buf_putc(&b, ')');
    const char *r = sb_arena_strdup(s->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

/* A dataset path with ${base_path}/ in front of relative ones. */
static const char *dataset_path(sqlgen *s, const sb_dataset *ds)
{
    const char *path = ds->path.text ? ds->path.text : "";
    if (path[0] == '/' || strstr(path, "://") || strncmp(path, "dbfs:", 5) == 0) return path;
    return sb_arena_printf(s->a, "${base_path}/%s", path);
}

static const char *ddl_columns(sqlgen *s, const sb_type *schema)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        if (i) sb_buf_puts(&b, ", ");
        sb_buf_printf(&b, "%s %s", ident(s, schema->fields[i].name), sb_type_str(s->a, schema->fields[i].type));
    }
    const char *r = sb_arena_strdup(s->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

/* A JSON seed value as a SQL literal of type t. */
static const char *sql_value(sqlgen *s, const sb_json *v, const sb_type *t)
{
    sb_arena *a = s->a;
    if (!v || v->kind == SB_JSON_NULL) return sb_arena_printf(a, "CAST(NULL AS %s)", sb_type_str(a, t));
    switch (v->kind) {
    case SB_JSON_BOOL: return v->u.boolean ? "true" : "false";
    case SB_JSON_NUMBER:
        return sb_arena_printf(a, "CAST(%.*s AS %s)", (int)v->u.number.len, v->u.number.text, sb_type_str(a, t));
    case SB_JSON_STRING:
        if (t->kind == SB_T_STRING) return sql_string(a, v->u.string.s, v->u.string.len);
        return sb_arena_printf(a, "CAST(%s AS %s)", sql_string(a, v->u.string.s, v->u.string.len),
                               sb_type_str(a, t));
    case SB_JSON_ARRAY: {
        sb_buf b = SB_BUF_INIT;
        sb_buf_puts(&b, "array(");
        for (size_t i = 0; i < v->u.array.len; i++)
            sb_buf_printf(&b, "%s%s", i ? ", " : "", sql_value(s, v->u.array.items[i], t->elem ? t->elem : t));
        sb_buf_putc(&b, ')');
        const char *r = sb_arena_strdup(a, sb_buf_str(&b));
        sb_buf_free(&b);
        return r;
    }
    case SB_JSON_OBJECT: {
        sb_buf b = SB_BUF_INIT;
        sb_buf_puts(&b, "to_json(named_struct())"); /* replaced below */
        sb_buf_reset(&b);
        if (t->kind == SB_T_STRUCT) {
            sb_buf_puts(&b, "named_struct(");
            for (size_t f = 0; f < t->nfields; f++) {
                const sb_json *fv = sb_json_get(v, t->fields[f].name);
                sb_buf_printf(&b, "%s%s, %s", f ? ", " : "", sql_string(a, t->fields[f].name, strlen(t->fields[f].name)),
                              sql_value(s, fv, t->fields[f].type));
            }
        } else {
            sb_buf_puts(&b, "map(");
            for (size_t i = 0; i < v->u.object.len; i++) {
                const sb_json_member *m = &v->u.object.members[i];
                sb_buf_printf(&b, "%sCAST(%s AS %s), %s", i ? ", " : "", sql_string(a, m->key, m->key_len),
                              sb_type_str(a, t->key), sql_value(s, m->value, t->value));
            }
        }
        sb_buf_putc(&b, ')');
        const char *r = sb_arena_strdup(a, sb_buf_str(&b));
        sb_buf_free(&b);
        return r;
    }
    default: return "NULL";
    }
}

static const char *sort_keys(sqlgen *s, const sb_spec_sort *keys, size_t n, bool reverse)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        bool desc = keys[i].descending, nulls_first = keys[i].nulls_explicit ? keys[i].nulls_first : !desc;
        if (reverse) desc = !desc, nulls_first = !nulls_first;
        sb_buf_printf(&b, "%s%s %s NULLS %s", i ? ", " : "", keys[i].expr.ast ? expr_sql(s, keys[i].expr.ast) : "?",
                      desc ? "DESC" : "ASC", nulls_first ? "FIRST" : "LAST");
    }
    const char *r = sb_arena_strdup(s->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

static const char *named_list(sqlgen *s, const sb_spec_named_expr *x, size_t n)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *e = x[i].expr.ast ? expr_sql(s, x[i].expr.ast) : "?";
        const char *t = ident(s, x[i].target.text ? x[i].target.text : "?");
        /* a column keeps its name: no alias needed when it is the target */
        const sb_expr *ast = x[i].expr.ast;
        bool same = ast && ast->kind == SB_E_COLUMN && ast->u.column.used_parts == ast->u.column.nparts &&
                    ast->u.column.nparts == 1 && strcmp(ast->u.column.parts[0], x[i].target.text ? x[i].target.text : "") == 0;
        sb_buf_printf(&b, "%s%s", i ? ",\n  " : "  ", e);
        if (!same) sb_buf_printf(&b, " AS %s", t);
    }
    const char *r = sb_arena_strdup(s->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

static void gem_sql_script(sqlgen *s, const scope *sc, const sb_gem *g);

/* The input columns an expression reads (names, first use first). */
static void collect_columns(sb_arena *a, const sb_expr *e, sb_vec *out);

static void collect_vec(sb_arena *a, const sb_vec *v, sb_vec *out)
{
    for (size_t i = 0; i < v->len; i++) collect_columns(a, v->items[i], out);
}

static void collect_columns(sb_arena *a, const sb_expr *e, sb_vec *out)
{
    if (!e) return;
    switch (e->kind) {
    case SB_E_COLUMN: {
        if (e->u.column.rel < 0 || !e->u.column.used_parts) return;
        const char *name = e->u.column.parts[e->u.column.used_parts - 1];
        for (size_t i = 0; i < out->len; i++)
            if (sb_str_ieq(out->items[i], name)) return;
        sb_vec_push(a, out, (void *)name);
        return;
    }
    case SB_E_UNARY: collect_columns(a, e->u.unary.arg, out); return;
    case SB_E_BINARY:
        collect_columns(a, e->u.binary.left, out);
        collect_columns(a, e->u.binary.right, out);
        return;
    case SB_E_FUNC:
        collect_vec(a, &e->u.func.args, out);
        collect_columns(a, e->u.func.filter, out);
        return;
    case SB_E_CASE:
        collect_columns(a, e->u.kase.operand, out);
        for (size_t i = 0; i < e->u.kase.whens.len; i++) {
            sb_when *w = e->u.kase.whens.items[i];
            collect_columns(a, w->when, out);
            collect_columns(a, w->then, out);
        }
        collect_columns(a, e->u.kase.otherwise, out);
        return;
    case SB_E_CAST: collect_columns(a, e->u.cast.arg, out); return;
    case SB_E_IN:
        collect_columns(a, e->u.in.arg, out);
        collect_vec(a, &e->u.in.list, out);
        return;
    case SB_E_BETWEEN:
        collect_columns(a, e->u.between.arg, out);
        collect_columns(a, e->u.between.low, out);
        collect_columns(a, e->u.between.high, out);
        return;
    case SB_E_LIKE:
        collect_columns(a, e->u.like.arg, out);
        collect_columns(a, e->u.like.pattern, out);
        return;
    case SB_E_IS: collect_columns(a, e->u.is.arg, out); return;
    case SB_E_DISTINCT:
        collect_columns(a, e->u.distinct.left, out);
        collect_columns(a, e->u.distinct.right, out);
        return;
    case SB_E_SUBSCRIPT:
        collect_columns(a, e->u.subscript.base, out);
        collect_columns(a, e->u.subscript.index, out);
        return;
    case SB_E_FIELD: collect_columns(a, e->u.field.base, out); return;
    case SB_E_LAMBDA: collect_columns(a, e->u.lambda.body, out); return;
    default: return;
    }
}

static void target(sqlgen *s, const scope *sc, const sb_gem *g)
{
    sb_arena *a = s->a;
    const sb_dataset *ds = g->u.target.ds;
    if (!ds && s->p && g->u.target.dataset.text) ds = sb_project_dataset(s->p, g->u.target.dataset.text);
    if (!ds) {
        fail_gem(s, g, "the Target's dataset is unknown");
        return;
    }
    const char *fmt = sb_data_format_name(ds->format);
    const char *in = input_view(s, sc, g, 0);
    const sb_type *schema = input_schema(sc, g, 0);
    const char *path = dataset_path(s, ds);
    sb_write_mode mode = g->u.target.mode;
    size_t np = g->u.target.npartition_by;
    if (mode == SB_WRITE_IGNORE) {
        fail_gem(s, g, "Spark SQL has no statement for mode `ignore`; use the pyspark target");
        return;
    }
    if (mode == SB_WRITE_OVERWRITE && !np) {
        const char *all = options_sql(s, ds->options, path);
        const char *rest = strstr(all, ", ");
        sb_buf_printf(&s->out, "INSERT OVERWRITE DIRECTORY %s\nUSING %s\n", sql_string(a, path, strlen(path)), fmt);
        if (rest) sb_buf_printf(&s->out, "OPTIONS (%s\n", rest + 2);
        sb_buf_printf(&s->out, "SELECT * FROM %s;\n\n", ident(s, in));
        return;
    }
    /* Other modes and partitioned writes go through a table over the
     * dataset's location, dropped afterwards (the files stay). Partition
     * columns come last, as Spark stores them. */
    const char *table = sb_arena_printf(a, "sibyl_%s_%s", s->pl->name, g->name);
    sb_buf cols = SB_BUF_INIT, parts = SB_BUF_INIT;
    size_t nc = 0;
    for (size_t i = 0; schema && i < schema->nfields; i++) {
        bool part = false;
        for (size_t k = 0; k < np; k++)
            if (g->u.target.partition_by[k].text && sb_str_ieq(g->u.target.partition_by[k].text, schema->fields[i].name)) part = true;
        if (part) continue;
        sb_buf_printf(&cols, "%s%s", nc++ ? ", " : "", ident(s, schema->fields[i].name));
    }
    for (size_t k = 0; k < np; k++) {
        sb_buf_printf(&parts, "%s%s", k ? ", " : "", ident(s, g->u.target.partition_by[k].text ? g->u.target.partition_by[k].text : "?"));
        sb_buf_printf(&cols, "%s%s", nc++ ? ", " : "", ident(s, g->u.target.partition_by[k].text ? g->u.target.partition_by[k].text : "?"));
    }
    const char *options = options_sql(s, ds->options, path);
    /* the path goes to LOCATION, not OPTIONS */
    const char *opts = strstr(options, ", ") ? sb_arena_printf(a, "OPTIONS (%s", strstr(options, ", ") + 2) : NULL;
    if (mode == SB_WRITE_ERROR) {
        /* CTAS fails when the location already holds data, as mode error does */
        sb_buf_printf(&s->out, "CREATE TABLE %s\nUSING %s\n", ident(s, table), fmt);
        if (np) sb_buf_printf(&s->out, "PARTITIONED BY (%s)\n", sb_buf_str(&parts));
        if (opts) sb_buf_printf(&s->out, "%s\n", opts);
        sb_buf_printf(&s->out, "LOCATION %s\nAS SELECT %s FROM %s;\n\n", sql_string(a, path, strlen(path)),
                      sb_buf_str(&cols), ident(s, in));
    } else {
        sb_buf_printf(&s->out, "CREATE TABLE %s (%s)\nUSING %s\n", ident(s, table), ddl_columns(s, schema), fmt);
        if (np) sb_buf_printf(&s->out, "PARTITIONED BY (%s)\n", sb_buf_str(&parts));
        if (opts) sb_buf_printf(&s->out, "%s\n", opts);
        sb_buf_printf(&s->out, "LOCATION %s;\n\n", sql_string(a, path, strlen(path)));
        sb_buf_printf(&s->out, "INSERT %s %s\nSELECT %s FROM %s;\n\n",
                      mode == SB_WRITE_OVERWRITE ? "OVERWRITE TABLE" : "INTO", ident(s, table),
                      sb_buf_str(&cols), ident(s, in));
    }
    sb_buf_printf(&s->out, "DROP TABLE %s;\n\n", ident(s, table));
    sb_buf_free(&cols);
    sb_buf_free(&parts);
}

static void gem_sql_script(sqlgen *s, const scope *sc, const sb_gem *g)
{
    sb_arena *a = s->a;
    const char *view = g->noutputs ? view_of(s, sc, g, 0) : NULL;
    const char *in0 = g->ninputs ? ident(s, input_view(s, sc, g, 0)) : NULL;
    const sb_type *schema0 = g->ninputs ? input_schema(sc, g, 0) : NULL;
    if (g->description && *g->description) sb_buf_printf(&s->out, "-- %s: %s\n", g->name, g->description);
    switch (g->kind) {
    case SB_GEM_SOURCE: {
        const sb_dataset *ds = g->u.source.ds;
        if (!ds && s->p && g->u.source.dataset.text) ds = sb_project_dataset(s->p, g->u.source.dataset.text);
        if (!ds) {
            fail_gem(s, g, "the Source's dataset is unknown");
            return;
        }
        sb_buf_printf(&s->out, "CREATE OR REPLACE TEMPORARY VIEW %s", ident(s, view));
        if (ds->schema) sb_buf_printf(&s->out, " (%s)", ddl_columns(s, ds->schema));
        sb_buf_printf(&s->out, "\nUSING %s\n%s;\n\n", sb_data_format_name(ds->format),
                      options_sql(s, ds->options, dataset_path(s, ds)));
        return;
    }
    case SB_GEM_SEED: {
        const sb_type *t = g->u.seed.schema;
        const sb_json *rows = g->u.seed.rows;
        sb_buf b = SB_BUF_INIT;
        size_t n = rows && rows->kind == SB_JSON_ARRAY ? rows->u.array.len : 0;
        if (!n) {
            sb_buf_puts(&b, "SELECT ");
            for (size_t i = 0; t && i < t->nfields; i++)
                sb_buf_printf(&b, "%sCAST(NULL AS %s) AS %s", i ? ", " : "", sb_type_str(a, t->fields[i].type), ident(s, t->fields[i].name));
            sb_buf_puts(&b, "\nWHERE false");
        } else {
            sb_buf_puts(&b, "SELECT * FROM VALUES\n");
            for (size_t r = 0; r < n; r++) {
                const sb_json *row = rows->u.array.items[r];
                sb_buf_puts(&b, r ? ",\n  (" : "  (");
                for (size_t k = 0; t && k < t->nfields; k++) {
                    const sb_json *v = row->kind == SB_JSON_ARRAY && k < row->u.array.len ? row->u.array.items[k] : NULL;
                    sb_buf_printf(&b, "%s%s", k ? ", " : "", sql_value(s, v, t->fields[k].type));
                }
                sb_buf_putc(&b, ')');
            }
            sb_buf_printf(&b, "\nAS t(%s)", columns(s, t, NULL));
        }
        create_view(s, view, sb_buf_str(&b));
        sb_buf_free(&b);
        return;
    }
    case SB_GEM_TARGET: target(s, sc, g); return;
    case SB_GEM_REFORMAT:
        create_view(s, view, sb_arena_printf(a, "SELECT\n%s\nFROM %s", named_list(s, g->u.reformat.exprs, g->u.reformat.nexprs), in0));
        return;
    case SB_GEM_SCHEMA_TRANSFORM: {
        /* each operation sees the columns the ones before left: a CTE each */
        sb_buf b = SB_BUF_INIT;
        const sb_type *cur = schema0;
        const char *from = in0;
        /* rebuild the column list step by step from the planner's rules */
        size_t ncols = cur ? cur->nfields : 0;
        const char **names = sb_arena_alloc(a, (ncols + g->u.schema_transform.nops + 1) * sizeof(char *));
        const char **exprs = sb_arena_alloc(a, (ncols + g->u.schema_transform.nops + 1) * sizeof(char *));
        for (size_t i = 0; i < ncols; i++) names[i] = cur->fields[i].name;
        sb_buf_puts(&b, "WITH");
        for (size_t o = 0; o < g->u.schema_transform.nops; o++) {
            const sb_schema_op *op = &g->u.schema_transform.ops[o];
            for (size_t i = 0; i < ncols; i++) exprs[i] = ident(s, names[i]);
            if (op->op == SB_SCHEMA_OP_ADD) {
                long at = -1;
                for (size_t i = 0; i < ncols; i++)
                    if (sb_str_ieq(names[i], op->target.text)) at = (long)i;
                const char *e = sb_arena_printf(a, "%s AS %s", op->expr.ast ? expr_sql(s, op->expr.ast) : "?", ident(s, op->target.text));
                if (at >= 0) {
                    exprs[at] = e;
                    names[at] = op->target.text;
                } else {
                    names[ncols] = op->target.text;
                    exprs[ncols++] = e;
                }
            } else if (op->op == SB_SCHEMA_OP_DROP) {
                size_t keep = 0;
                for (size_t i = 0; i < ncols; i++)
                    if (!sb_str_ieq(names[i], op->column.text)) names[keep] = names[i], exprs[keep++] = exprs[i];
                ncols = keep;
            } else {
                for (size_t i = 0; i < ncols; i++)
                    if (sb_str_ieq(names[i], op->column.text)) {
                        exprs[i] = sb_arena_printf(a, "%s AS %s", ident(s, names[i]), ident(s, op->target.text));
                        names[i] = op->target.text;
                    }
            }
            sb_buf_printf(&b, "%s step%zu AS (\n  SELECT ", o ? "," : "", o + 1);
            for (size_t i = 0; i < ncols; i++) sb_buf_printf(&b, "%s%s", i ? ", " : "", exprs[i]);
            sb_buf_printf(&b, "\n  FROM %s\n)", from);
            from = sb_arena_printf(a, "step%zu", o + 1);
        }
        sb_buf_printf(&b, "\nSELECT * FROM %s", from);
        create_view(s, view, g->u.schema_transform.nops ? sb_buf_str(&b) : sb_arena_printf(a, "SELECT * FROM %s", in0));
        sb_buf_free(&b);
        return;
    }
    case SB_GEM_FILTER:
        create_view(s, view, sb_arena_printf(a, "SELECT * FROM %s\nWHERE %s", in0,
                                             g->u.filter.condition.ast ? expr_sql(s, g->u.filter.condition.ast) : "?"));
        return;
    case SB_GEM_ORDER_BY:
        create_view(s, view, sb_arena_printf(a, "SELECT * FROM %s\nORDER BY %s", in0, sort_keys(s, g->u.order_by.keys, g->u.order_by.nkeys, false)));
        return;
    case SB_GEM_LIMIT:
        create_view(s, view, sb_arena_printf(a, "SELECT * FROM %s\nLIMIT %lld", in0, (long long)g->u.limit.count));
        return;
    case SB_GEM_DEDUPLICATE: {
        if (g->u.dedup.mode == SB_DEDUP_DISTINCT) {
            create_view(s, view, sb_arena_printf(a, "SELECT DISTINCT * FROM %s", in0));
            return;
        }
        sb_buf keys = SB_BUF_INIT;
        for (size_t i = 0; i < g->u.dedup.nkeys; i++)
            sb_buf_printf(&keys, "%s%s", i ? ", " : "", g->u.dedup.keys[i].ast ? expr_sql(s, g->u.dedup.keys[i].ast) : "?");
        const char *order = g->u.dedup.mode == SB_DEDUP_ANY ? sb_buf_str(&keys)
                            : sort_keys(s, g->u.dedup.order, g->u.dedup.norder, g->u.dedup.mode == SB_DEDUP_LAST);
        const char *rn = "sibyl_row_number";
        create_view(s, view, sb_arena_printf(a, "SELECT %s FROM (\n  SELECT *, row_number() OVER (PARTITION BY %s ORDER BY %s) AS %s\n  FROM %s\n)\nWHERE %s = 1",
                                             columns(s, schema0, NULL), sb_buf_str(&keys), order, rn, in0, rn));
        sb_buf_free(&keys);
        return;
    }
    case SB_GEM_AGGREGATE: {
        const char *groups = named_list(s, g->u.aggregate.group_by, g->u.aggregate.ngroup_by);
        const char *aggs = named_list(s, g->u.aggregate.aggregates, g->u.aggregate.naggregates);
        sb_buf gb = SB_BUF_INIT;
        for (size_t i = 0; i < g->u.aggregate.ngroup_by; i++)
            sb_buf_printf(&gb, "%s%s", i ? ", " : "", g->u.aggregate.group_by[i].expr.ast ? expr_sql(s, g->u.aggregate.group_by[i].expr.ast) : "?");
        if (!g->u.aggregate.has_pivot) {
            create_view(s, view, sb_arena_printf(a, "SELECT\n%s%s%s\nFROM %s%s%s", groups, *groups ? ",\n" : "", aggs, in0,
                                                 gb.len ? "\nGROUP BY " : "", sb_buf_str(&gb)));
        } else {
            /* PIVOT groups by every other column of its input: select the
             * group columns, the pivot value and the aggregates' inputs */
            sb_buf vals = SB_BUF_INIT;
            const sb_json *pv = g->u.aggregate.pivot_values;
            for (size_t i = 0; pv && pv->kind == SB_JSON_ARRAY && i < pv->u.array.len; i++) {
                const sb_json *v = pv->u.array.items[i];
                const char *lit = v->kind == SB_JSON_STRING ? sql_string(a, v->u.string.s, v->u.string.len)
                                  : v->kind == SB_JSON_NUMBER ? sb_arena_strndup(a, v->u.number.text, v->u.number.len)
                                  : v->kind == SB_JSON_BOOL ? (v->u.boolean ? "true" : "false") : "NULL";
                sb_buf_printf(&vals, "%s%s", i ? ", " : "", lit);
            }
            sb_buf aggcols = SB_BUF_INIT;
            sb_vec used = {0};
            for (size_t i = 0; i < g->u.aggregate.naggregates; i++) {
                const sb_spec_named_expr *x = &g->u.aggregate.aggregates[i];
                sb_buf_printf(&aggcols, "%s%s AS %s", i ? ", " : "", x->expr.ast ? expr_sql(s, x->expr.ast) : "?",
                              ident(s, x->target.text ? x->target.text : "?"));
                collect_columns(a, x->expr.ast, &used);
            }
            sb_buf inner = SB_BUF_INIT;
            sb_buf_printf(&inner, "%s%s%s AS sibyl_pivot", groups, *groups ? ",\n  " : "  ",
                          g->u.aggregate.pivot_column.ast ? expr_sql(s, g->u.aggregate.pivot_column.ast) : "?");
            for (size_t i = 0; i < used.len; i++) {
                bool dup = false;
                for (size_t k = 0; k < g->u.aggregate.ngroup_by; k++)
                    if (g->u.aggregate.group_by[k].target.text && sb_str_ieq(g->u.aggregate.group_by[k].target.text, used.items[i])) dup = true;
                if (!dup) sb_buf_printf(&inner, ",\n  %s", ident(s, used.items[i]));
            }
            create_view(s, view, sb_arena_printf(a, "SELECT * FROM (\nSELECT\n%s\nFROM %s\n)\nPIVOT (\n  %s\n  FOR sibyl_pivot IN (%s)\n)",
                                                 sb_buf_str(&inner), in0, sb_buf_str(&aggcols), sb_buf_str(&vals)));
            sb_buf_free(&inner);
            sb_buf_free(&vals);
            sb_buf_free(&aggcols);
        }
        sb_buf_free(&gb);
        return;
    }
    case SB_GEM_JOIN: {
        sb_buf b = SB_BUF_INIT;
        sb_buf hints = SB_BUF_INIT;
        for (size_t i = 0; i < g->u.join.njoins; i++)
            if (g->u.join.joins[i].broadcast) sb_buf_printf(&hints, "%sBROADCAST(in%zu)", hints.len ? ", " : "", i + 1);
        sb_buf_printf(&b, "SELECT%s%s%s\n", hints.len ? " /*+ " : "", sb_buf_str(&hints), hints.len ? " */" : "");
        if (g->u.join.nexprs) {
            sb_buf_puts(&b, named_list(s, g->u.join.exprs, g->u.join.nexprs));
        } else {
            bool first = true;
            for (size_t i = 0; i < g->ninputs; i++) {
                if (i && (g->u.join.joins[i - 1].type == SB_JOIN_LEFT_SEMI || g->u.join.joins[i - 1].type == SB_JOIN_LEFT_ANTI)) continue;
                sb_buf_printf(&b, "%sin%zu.*", first ? "  " : ", ", i);
                first = false;
            }
        }
        sb_buf_printf(&b, "\nFROM %s AS in0", in0);
        static const char *const kw[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "LEFT SEMI JOIN", "LEFT ANTI JOIN", "CROSS JOIN"};
        for (size_t i = 1; i < g->ninputs && i - 1 < g->u.join.njoins; i++) {
            const sb_join_spec *js = &g->u.join.joins[i - 1];
            sb_buf_printf(&b, "\n%s %s AS in%zu", kw[js->type], ident(s, input_view(s, sc, g, i)), i);
            if (js->condition.ast) sb_buf_printf(&b, " ON %s", expr_sql(s, js->condition.ast));
        }
        create_view(s, view, sb_buf_str(&b));
        sb_buf_free(&b);
        sb_buf_free(&hints);
        return;
    }
    case SB_GEM_SET_OPERATION: {
        const sb_type *outs = g->out_schemas ? g->out_schemas[0] : NULL;
        const char *op = "UNION ALL";
        switch (g->u.setop.op) {
        case SB_SETOP_UNION_ALL:
        case SB_SETOP_UNION_BY_NAME: op = "UNION ALL"; break;
        case SB_SETOP_INTERSECT: op = "INTERSECT"; break;
        case SB_SETOP_INTERSECT_ALL: op = "INTERSECT ALL"; break;
        case SB_SETOP_EXCEPT: op = "EXCEPT"; break;
        case SB_SETOP_EXCEPT_ALL: op = "EXCEPT ALL"; break;
        }
        sb_buf b = SB_BUF_INIT;
        for (size_t i = 0; i < g->ninputs; i++) {
            if (i) sb_buf_printf(&b, "\n%s\n", op);
            const char *src = ident(s, input_view(s, sc, g, i));
            if (g->u.setop.op != SB_SETOP_UNION_BY_NAME) {
                sb_buf_printf(&b, "SELECT * FROM %s", src);
                continue;
            }
            /* by name: the output's columns, null where this input has none */
            const sb_type *in = input_schema(sc, g, i);
            sb_buf_puts(&b, "SELECT ");
            for (size_t c = 0; outs && c < outs->nfields; c++) {
                const char *n = outs->fields[c].name;
                bool has = in && sb_schema_find(in, n, NULL) >= 0;
                if (has)
                    sb_buf_printf(&b, "%s%s", c ? ", " : "", ident(s, n));
                else
                    sb_buf_printf(&b, "%sCAST(NULL AS %s) AS %s", c ? ", " : "", sb_type_str(a, outs->fields[c].type), ident(s, n));
            }
            sb_buf_printf(&b, " FROM %s", src);
        }
        create_view(s, view, sb_buf_str(&b));
        sb_buf_free(&b);
        return;
    }
    case SB_GEM_WINDOW_FUNCTION: {
        sb_buf w = SB_BUF_INIT;
        for (size_t i = 0; i < g->u.window.npartition_by; i++)
            sb_buf_printf(&w, "%s%s", i ? ", " : "PARTITION BY ", g->u.window.partition_by[i].ast ? expr_sql(s, g->u.window.partition_by[i].ast) : "?");
        if (g->u.window.norder_by)
            sb_buf_printf(&w, "%sORDER BY %s", w.len ? " " : "", sort_keys(s, g->u.window.order_by, g->u.window.norder_by, false));
        const sb_frame_spec *fr = &g->u.window.frame;
        if (fr->present) {
            const char *st = fr->start_unbounded ? "UNBOUNDED PRECEDING" : fr->start == 0 ? "CURRENT ROW"
                             : fr->start < 0 ? sb_arena_printf(a, "%lld PRECEDING", -(long long)fr->start)
                                             : sb_arena_printf(a, "%lld FOLLOWING", (long long)fr->start);
            const char *en = fr->end_unbounded ? "UNBOUNDED FOLLOWING" : fr->end == 0 ? "CURRENT ROW"
                             : fr->end < 0 ? sb_arena_printf(a, "%lld PRECEDING", -(long long)fr->end)
                                           : sb_arena_printf(a, "%lld FOLLOWING", (long long)fr->end);
            sb_buf_printf(&w, " %s BETWEEN %s AND %s", fr->type == SB_FRAME_RANGE ? "RANGE" : "ROWS", st, en);
        }
        const sb_type *outs = g->out_schemas ? g->out_schemas[0] : NULL;
        sb_buf b = SB_BUF_INIT;
        sb_buf_puts(&b, "SELECT\n  ");
        for (size_t c = 0; outs && c < outs->nfields; c++) {
            const char *n = outs->fields[c].name;
            const sb_spec_named_expr *x = NULL;
            for (size_t i = 0; i < g->u.window.nexprs; i++)
                if (g->u.window.exprs[i].target.text && sb_str_ieq(g->u.window.exprs[i].target.text, n)) x = &g->u.window.exprs[i];
            if (c) sb_buf_puts(&b, ",\n  ");
            if (x)
                sb_buf_printf(&b, "%s OVER (%s) AS %s", x->expr.ast ? expr_sql(s, x->expr.ast) : "?", sb_buf_str(&w), ident(s, n));
            else
                sb_buf_puts(&b, ident(s, n));
        }
        sb_buf_printf(&b, "\nFROM %s", in0);
        create_view(s, view, sb_buf_str(&b));
        sb_buf_free(&b);
        sb_buf_free(&w);
        return;
    }
    case SB_GEM_ROW_DISTRIBUTOR:
        for (size_t i = 0; i < g->u.distributor.noutputs; i++) {
            const sb_distributor_output *o = &g->u.distributor.outputs[i];
            long port = -1;
            for (size_t k = 0; k < g->noutputs; k++)
                if (o->port.text && strcmp(g->outputs[k], o->port.text) == 0) port = (long)k;
            if (port < 0) continue;
            create_view(s, view_of(s, sc, g, (int)port),
                        sb_arena_printf(a, "SELECT * FROM %s\nWHERE %s", in0, o->condition.ast ? expr_sql(s, o->condition.ast) : "?"));
        }
        return;
    case SB_GEM_SQL_STATEMENT: {
        if (!g->u.sql.query) {
            s->failed = true;
            return;
        }
        const char **inputs = sb_arena_alloc(a, (g->ninputs + 1) * sizeof(char *));
        for (size_t i = 0; i < g->ninputs; i++) inputs[i] = ident(s, input_view(s, sc, g, i));
        create_view(s, view, sql_rewrite_query(a, s->p, g, inputs, false, NULL));
        return;
    }
    case SB_GEM_SCRIPT:
        fail_gem(s, g, "a Script gem runs Python code, which a Spark SQL script cannot; use the pyspark target");
        return;
    case SB_GEM_SUBGRAPH: {
        const sb_pipeline *sub = g->u.subgraph.subgraph;
        if (!sub && s->p && g->u.subgraph.name.text) sub = sb_project_subgraph(s->p, g->u.subgraph.name.text);
        if (!sub || !sub->order) {
            fail_gem(s, g, "the subgraph is unknown or was not planned");
            return;
        }
        const char **ins = sb_arena_alloc(a, (g->ninputs + 1) * sizeof(char *));
        const sb_type **schemas = sb_arena_alloc(a, (g->ninputs + 1) * sizeof(sb_type *));
        for (size_t i = 0; i < g->ninputs; i++) {
            ins[i] = input_view(s, sc, g, i);
            schemas[i] = input_schema(sc, g, i);
        }
        scope inner = {sub, sb_arena_printf(a, "%s%s__", sc->prefix, g->name), ins, schemas};
        for (size_t i = 0; i < sub->norder; i++) gem_sql_script(s, &inner, sub->order[i]);
        const sb_gem *outg = sub->output.text ? sb_pipeline_gem(sub, sub->output.text) : NULL;
        if (outg) create_view(s, view, sb_arena_printf(a, "SELECT * FROM %s", ident(s, view_of(s, &inner, outg, 0))));
        return;
    }
    default: return;
    }
}

int sql_pipeline_file(sb_arena *a, const sb_project *p, const sb_pipeline *pl, sb_gen_files *out,
                      sb_diags *d)
{
    sqlgen s = {.a = a, .d = d, .p = p, .pl = pl};
    sb_buf_printf(&s.out, "-- Pipeline %s of project %s, as Spark SQL.\n", pl->name, p && p->name ? p->name : "?");
    if (pl->description && *pl->description) sb_buf_printf(&s.out, "-- %s\n", pl->description);
    sb_buf_printf(&s.out,
                  "--\n-- Generated by sibyl from %s; do not edit. Run the statements in order,\n"
                  "-- e.g. spark-sql -f %s.sql, from the project directory (or set base_path).\n"
                  "-- ${name} is substituted by Spark (spark.sql.variable.substitute): change\n"
                  "-- the SET lines below to run with other configuration values.\n\n",
                  pl->file ? pl->file : "?", pl->name);
    sb_buf_puts(&s.out, "SET base_path=.;\n");
    for (size_t i = 0; p && i < p->nvars; i++) {
        const sb_json *v = sb_plan_config_value(p, NULL, p->vars[i].name);
        if (!v) continue;
        sb_buf val = SB_BUF_INIT;
        if (v->kind == SB_JSON_STRING) sb_buf_add(&val, v->u.string.s, v->u.string.len);
        else if (v->kind == SB_JSON_NUMBER) sb_buf_add(&val, v->u.number.text, v->u.number.len);
        else if (v->kind == SB_JSON_BOOL) sb_buf_puts(&val, v->u.boolean ? "true" : "false");
        sb_buf_printf(&s.out, "SET %s=%s;\n", p->vars[i].name, sb_buf_str(&val));
        sb_buf_free(&val);
    }
    sb_buf_putc(&s.out, '\n');
    scope top = {pl, "", NULL, NULL};
    for (size_t i = 0; i < pl->norder; i++) gem_sql_script(&s, &top, pl->order[i]);
    /* one blank line at the end at most */
    while (s.out.len >= 2 && s.out.data[s.out.len - 1] == '\n' && s.out.data[s.out.len - 2] == '\n') s.out.len--;
    gen_add_file(a, out, sb_arena_printf(a, "%s.sql", pl->name), sb_buf_str(&s.out), s.out.len);
    sb_buf_free(&s.out);
    return s.failed ? -1 : 0;
}
