/*
 * gems.c — reading each kind of gem from its JSON block (docs/project-format.md).
 *
 * One function per gem kind fills the kind's part of sb_gem. Fields are
 * checked for presence and JSON type and expressions are parsed; whether
 * the expressions make sense against the input schemas is the planner's
 * business.
 */
#include "spec/gems.h"

#include <string.h>

static const char *const common_keys[] = {"kind", "description", "inputs"};

/* Known keys: the common ones plus the kind's own. */
static void check_keys(sb_reader *r, const sb_json *obj, const char *const *own, const char *kind)
{
    const char *known[32];
    size_t n = 0;
    for (size_t i = 0; i < SB_COUNTOF(common_keys); i++) known[n++] = common_keys[i];
    for (size_t i = 0; own[i] && n < SB_COUNTOF(known) - 1; i++) known[n++] = own[i];
    known[n] = NULL;
    /* The description of the gem is only built when a key is unknown. */
    for (size_t i = 0; i < obj->u.object.len; i++) {
        bool found = false;
        for (size_t k = 0; known[k] && !found; k++)
            found = strcmp(obj->u.object.members[i].key, known[k]) == 0;
        if (!found) {
            sb_reader_unknown_keys(r, obj, "", known, sb_arena_printf(r->a, "a %s gem", kind));
            return;
        }
    }
}

/* An array field whose elements are objects; returns the array or NULL. */
static const sb_json *object_list(sb_reader *r, const sb_json *g, const char *key, bool required,
                                  size_t *n)
{
    *n = 0;
    const sb_json *arr = sb_reader_get(r, g, "", key, SB_JSON_ARRAY, required);
    if (!arr) return NULL;
    *n = arr->u.array.len;
    return arr;
}

static bool expect_object(sb_reader *r, const sb_json *v, const char *path, const char *what)
{
    if (v->kind == SB_JSON_OBJECT) return true;
    sb_reader_error(r, v, path, "wrong-json-type", "expected %s object, found %s", what,
                    sb_json_kind_name(v->kind));
    return false;
}

static sb_spec_named_expr *named_exprs(sb_reader *r, const sb_json *g, const char *key,
                                       bool required, size_t *count)
{
    size_t n;
    const sb_json *arr = object_list(r, g, key, required, &n);
    *count = 0;
    if (!arr) return NULL;
    sb_spec_named_expr *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
    static const char *const known[] = {"target", "expression", "description", NULL};
    for (size_t i = 0; i < n; i++) {
        const sb_json *item = arr->u.array.items[i];
        const char *path = sb_reader_index(r, key, i);
        out[i].target.field = sb_reader_path(r, path, "target");
        out[i].expr.src.field = sb_reader_path(r, path, "expression");
        if (!expect_object(r, item, path, "a {\"target\", \"expression\"}")) continue;
        sb_reader_unknown_keys(r, item, path, known, "a target/expression entry");
        out[i].target = sb_reader_text(r, item, path, "target", true);
        if (out[i].target.text && out[i].target.len == 0) {
            sb_reader_error(r, sb_json_get(item, "target"), out[i].target.field, "invalid-name",
                            "the target column name is empty");
            out[i].target.text = NULL;
        }
        out[i].expr = sb_reader_expr(r, item, path, "expression", true);
    }
    *count = n;
    return out;
}

static sb_spec_sort *sort_keys(sb_reader *r, const sb_json *g, const char *key, bool required,
                               size_t *count)
{
    size_t n;
    const sb_json *arr = object_list(r, g, key, required, &n);
    *count = 0;
    if (!arr) return NULL;
    sb_spec_sort *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
    static const char *const known[] = {"expression", "direction", "nulls", NULL};
    static const char *const directions[] = {"asc", "desc"};
    static const char *const nulls[] = {"first", "last"};
    for (size_t i = 0; i < n; i++) {
        const sb_json *item = arr->u.array.items[i];
        const char *path = sb_reader_index(r, key, i);
        out[i].expr.src.field = sb_reader_path(r, path, "expression");
        if (!expect_object(r, item, path, "a sort key {\"expression\", \"direction\"}")) continue;
        sb_reader_unknown_keys(r, item, path, known, "a sort key");
        out[i].expr = sb_reader_expr(r, item, path, "expression", true);
        out[i].descending = sb_reader_choice(r, item, path, "direction", directions, 2, 0) == 1;
        int nl = sb_reader_choice(r, item, path, "nulls", nulls, 2, 2);
        out[i].nulls_explicit = nl == 0 || nl == 1;
        /* Spark: ascending sorts put nulls first, descending sorts put them last. */
        out[i].nulls_first = out[i].nulls_explicit ? nl == 0 : !out[i].descending;
    }
    *count = n;
    return out;
}

static sb_spec_expr *expr_list(sb_reader *r, const sb_json *g, const char *key, bool required,
                               size_t *count)
{
    *count = 0;
    const sb_json *arr = sb_reader_get(r, g, "", key, SB_JSON_ARRAY, required);
    if (!arr) return NULL;
    size_t n = arr->u.array.len;
    sb_spec_expr *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = sb_reader_expr_value(r, arr->u.array.items[i], sb_reader_index(r, key, i));
    *count = n;
    return out;
}

static void read_source(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"dataset", NULL};
    check_keys(r, g, own, "Source");
    gem->u.source.dataset = sb_reader_name(r, g, "", "dataset", true);
}

static void read_seed(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"schema", "rows", NULL};
    check_keys(r, g, own, "Seed");
    gem->u.seed.schema = sb_reader_schema(r, g, "", "schema", true);
    const sb_json *rows = sb_reader_get(r, g, "", "rows", SB_JSON_ARRAY, true);
    gem->u.seed.rows = rows;
    const sb_type *s = gem->u.seed.schema;
    if (!rows || !s) return;
    for (size_t i = 0; i < rows->u.array.len; i++) {
        const sb_json *row = rows->u.array.items[i];
        const char *path = sb_reader_index(r, "rows", i);
        if (row->kind != SB_JSON_ARRAY) {
            sb_reader_error(r, row, path, "wrong-json-type",
                            "expected a row (an array of values), found %s",
                            sb_json_kind_name(row->kind));
            continue;
        }
        if (row->u.array.len != s->nfields) {
            sb_reader_error(r, row, path, "seed-arity",
                            "the row has %zu values but the schema has %zu columns",
                            row->u.array.len, s->nfields);
            continue;
        }
        for (size_t c = 0; c < s->nfields; c++) {
            const sb_json *v = row->u.array.items[c];
            const sb_field *f = &s->fields[c];
            const char *vpath = sb_reader_index(r, path, c);
            if (v->kind == SB_JSON_NULL) {
                if (!f->nullable)
                    sb_reader_error(r, v, vpath, "seed-null",
                                    "column `%s` is not nullable but the value is null", f->name);
                continue;
            }
            if (!sb_reader_value_fits(v, f->type))
                sb_reader_error(r, v, vpath, "seed-type",
                                "column `%s` has type %s; a JSON %s does not fit it%s", f->name,
                                sb_type_str(r->a, f->type), sb_json_kind_name(v->kind),
                                sb_type_is_datetime(f->type) ? " (write dates and timestamps as "
                                                               "strings)"
                                                             : "");
        }
    }
}

static void read_target(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"dataset", "mode", "partitionBy", NULL};
    static const char *const modes[] = {"error", "overwrite", "append", "ignore"};
    check_keys(r, g, own, "Target");
    gem->u.target.dataset = sb_reader_name(r, g, "", "dataset", true);
    int m = sb_reader_choice(r, g, "", "mode", modes, 4, 0);
    gem->u.target.mode = m < 0 ? SB_WRITE_ERROR : (sb_write_mode)m;
    const sb_json *pb = sb_reader_get(r, g, "", "partitionBy", SB_JSON_ARRAY, false);
    if (pb) {
        size_t n = pb->u.array.len;
        gem->u.target.partition_by = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(sb_spec_text));
        for (size_t i = 0; i < n; i++)
            gem->u.target.partition_by[i] = sb_reader_text_value(
                r, pb->u.array.items[i], sb_reader_index(r, "partitionBy", i));
        gem->u.target.npartition_by = n;
    }
    gem->noutputs = 0;
}

static void read_reformat(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"expressions", NULL};
    check_keys(r, g, own, "Reformat");
    gem->u.reformat.exprs = named_exprs(r, g, "expressions", true, &gem->u.reformat.nexprs);
}

static void read_schema_transform(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"operations", NULL};
    static const char *const ops[] = {"add", "drop", "rename"};
    check_keys(r, g, own, "SchemaTransform");
    size_t n;
    const sb_json *arr = object_list(r, g, "operations", true, &n);
    if (!arr) return;
    sb_schema_op *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        const sb_json *item = arr->u.array.items[i];
        const char *path = sb_reader_index(r, "operations", i);
        out[i].op = (sb_schema_op_kind)-1;
        if (!expect_object(r, item, path, "an operation")) continue;
        int op = sb_reader_choice(r, item, path, "op", ops, 3, -1);
        if (op < 0) continue;
        out[i].op = (sb_schema_op_kind)op;
        static const char *const add_keys[] = {"op", "target", "expression", NULL};
        static const char *const drop_keys[] = {"op", "column", NULL};
        static const char *const rename_keys[] = {"op", "column", "target", NULL};
        switch (out[i].op) {
        case SB_SCHEMA_OP_ADD:
            sb_reader_unknown_keys(r, item, path, add_keys, "an add operation");
            out[i].target = sb_reader_text(r, item, path, "target", true);
            out[i].expr = sb_reader_expr(r, item, path, "expression", true);
            break;
        case SB_SCHEMA_OP_DROP:
            sb_reader_unknown_keys(r, item, path, drop_keys, "a drop operation");
            out[i].column = sb_reader_text(r, item, path, "column", true);
            break;
        case SB_SCHEMA_OP_RENAME:
            sb_reader_unknown_keys(r, item, path, rename_keys, "a rename operation");
            out[i].column = sb_reader_text(r, item, path, "column", true);
            out[i].target = sb_reader_text(r, item, path, "target", true);
            break;
        }
    }
    gem->u.schema_transform.ops = out;
    gem->u.schema_transform.nops = n;
}

static void read_filter(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"condition", NULL};
    check_keys(r, g, own, "Filter");
    gem->u.filter.condition = sb_reader_expr(r, g, "", "condition", true);
}

static void read_order_by(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"keys", NULL};
    check_keys(r, g, own, "OrderBy");
    gem->u.order_by.keys = sort_keys(r, g, "keys", true, &gem->u.order_by.nkeys);
    if (gem->u.order_by.keys && gem->u.order_by.nkeys == 0)
        sb_reader_error(r, sb_json_get(g, "keys"), "keys", "empty-list",
                        "an OrderBy gem needs at least one sort key");
}

static void read_limit(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"count", NULL};
    check_keys(r, g, own, "Limit");
    gem->u.limit.count = sb_reader_int(r, g, "", "count", 0, 0, INT32_MAX, true, NULL);
}

static void read_deduplicate(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"mode", "keys", "orderBy", NULL};
    static const char *const modes[] = {"distinct", "any", "first", "last"};
    check_keys(r, g, own, "Deduplicate");
    int m = sb_reader_choice(r, g, "", "mode", modes, 4, 0);
    gem->u.dedup.mode = m < 0 ? SB_DEDUP_DISTINCT : (sb_dedup_mode)m;
    bool by_key = gem->u.dedup.mode != SB_DEDUP_DISTINCT;
    gem->u.dedup.keys = expr_list(r, g, "keys", by_key, &gem->u.dedup.nkeys);
    bool ordered = gem->u.dedup.mode == SB_DEDUP_FIRST || gem->u.dedup.mode == SB_DEDUP_LAST;
    gem->u.dedup.order = sort_keys(r, g, "orderBy", ordered, &gem->u.dedup.norder);
    if (!by_key && gem->u.dedup.nkeys)
        sb_reader_error(r, sb_json_get(g, "keys"), "keys", "dedup-keys",
                        "mode `distinct` compares whole rows and takes no keys");
    if (by_key && gem->u.dedup.keys && gem->u.dedup.nkeys == 0)
        sb_reader_error(r, sb_json_get(g, "keys"), "keys", "empty-list",
                        "mode `%s` needs at least one key column", modes[m < 0 ? 0 : m]);
    if (ordered && gem->u.dedup.order && gem->u.dedup.norder == 0)
        sb_reader_error(r, sb_json_get(g, "orderBy"), "orderBy", "empty-list",
                        "mode `%s` needs orderBy to say which row is %s", modes[m],
                        modes[m]);
}

static void read_aggregate(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"groupBy", "aggregates", "pivot", NULL};
    check_keys(r, g, own, "Aggregate");
    gem->u.aggregate.group_by = named_exprs(r, g, "groupBy", false, &gem->u.aggregate.ngroup_by);
    gem->u.aggregate.aggregates =
        named_exprs(r, g, "aggregates", true, &gem->u.aggregate.naggregates);
    if (gem->u.aggregate.aggregates && gem->u.aggregate.naggregates == 0)
        sb_reader_error(r, sb_json_get(g, "aggregates"), "aggregates", "empty-list",
                        "an Aggregate gem needs at least one aggregate expression");
    const sb_json *pivot = sb_reader_get(r, g, "", "pivot", SB_JSON_OBJECT, false);
    if (!pivot) return;
    static const char *const pkeys[] = {"column", "values", NULL};
    sb_reader_unknown_keys(r, pivot, "pivot", pkeys, "a pivot");
    gem->u.aggregate.has_pivot = true;
    gem->u.aggregate.pivot_column = sb_reader_expr(r, pivot, "pivot", "column", true);
    const sb_json *values = sb_reader_get(r, pivot, "pivot", "values", SB_JSON_ARRAY, true);
    gem->u.aggregate.pivot_values = values;
    if (!values) return;
    if (values->u.array.len == 0)
        sb_reader_error(r, values, "pivot.values", "empty-list",
                        "list the pivot values: Spark needs them to know the output columns");
    for (size_t i = 0; i < values->u.array.len; i++) {
        const sb_json *v = values->u.array.items[i];
        if (v->kind == SB_JSON_ARRAY || v->kind == SB_JSON_OBJECT)
            sb_reader_error(r, v, sb_reader_index(r, "pivot.values", i), "wrong-json-type",
                            "a pivot value must be a string, number, boolean or null");
    }
}

static void read_join(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"joins", "expressions", NULL};
    static const char *const types[] = {"inner",     "left",      "right", "full",
                                        "left_semi", "left_anti", "cross"};
    check_keys(r, g, own, "Join");
    size_t n;
    const sb_json *arr = object_list(r, g, "joins", true, &n);
    if (arr) {
        sb_join_spec *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
        static const char *const known[] = {"type", "condition", "broadcast", NULL};
        for (size_t i = 0; i < n; i++) {
            const sb_json *item = arr->u.array.items[i];
            const char *path = sb_reader_index(r, "joins", i);
            out[i].condition.src.field = sb_reader_path(r, path, "condition");
            if (!expect_object(r, item, path, "a join {\"type\", \"condition\"}")) continue;
            sb_reader_unknown_keys(r, item, path, known, "a join");
            out[i].type_text = sb_reader_text(r, item, path, "type", false);
            int t = sb_reader_choice(r, item, path, "type", types, 7, 0);
            out[i].type = t < 0 ? SB_JOIN_INNER : (sb_join_type)t;
            out[i].condition =
                sb_reader_expr(r, item, path, "condition", out[i].type != SB_JOIN_CROSS);
            out[i].broadcast = sb_reader_bool(r, item, path, "broadcast", false);
        }
        gem->u.join.joins = out;
        gem->u.join.njoins = n;
    }
    gem->u.join.exprs = named_exprs(r, g, "expressions", false, &gem->u.join.nexprs);
}

static void read_set_operation(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"operation", "allowMissingColumns", NULL};
    static const char *const ops[] = {"unionAll", "unionByName", "intersect",
                                      "intersectAll", "except", "exceptAll"};
    check_keys(r, g, own, "SetOperation");
    int op = sb_reader_choice(r, g, "", "operation", ops, 6, -1);
    gem->u.setop.op = op < 0 ? SB_SETOP_UNION_ALL : (sb_setop_kind)op;
    gem->u.setop.allow_missing = sb_reader_bool(r, g, "", "allowMissingColumns", false);
    if (gem->u.setop.allow_missing && op >= 0 && gem->u.setop.op != SB_SETOP_UNION_BY_NAME)
        sb_reader_error(r, sb_json_get(g, "allowMissingColumns"), "allowMissingColumns",
                        "setop-option", "allowMissingColumns applies only to unionByName");
}

static bool frame_bound(sb_reader *r, const sb_json *frame, const char *key, bool is_start,
                        int64_t *out, bool *unbounded)
{
    const char *path = sb_reader_path(r, "frame", key);
    const sb_json *v = sb_json_get(frame, key);
    *unbounded = false;
    if (!v) {
        sb_reader_error(r, frame, path, "missing-field", "required field `%s` is missing", key);
        return false;
    }
    if (v->kind == SB_JSON_NUMBER && v->u.number.is_integer && v->u.number.value > -1e15 &&
        v->u.number.value < 1e15) {
        *out = (int64_t)v->u.number.value;
        return true;
    }
    if (v->kind == SB_JSON_STRING) {
        const char *s = v->u.string.s;
        if (strcmp(s, "currentRow") == 0) {
            *out = SB_FRAME_CURRENT;
            return true;
        }
        if (strcmp(s, is_start ? "unboundedPreceding" : "unboundedFollowing") == 0) {
            *out = SB_FRAME_UNBOUNDED;
            *unbounded = true;
            return true;
        }
    }
    sb_reader_error(r, v, path, "invalid-frame-bound",
                    "expected \"%s\", \"currentRow\" or an integer offset (negative = preceding)",
                    is_start ? "unboundedPreceding" : "unboundedFollowing");
    return false;
}

static void read_window(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"partitionBy", "orderBy", "frame", "expressions", NULL};
    check_keys(r, g, own, "WindowFunction");
    gem->u.window.partition_by =
        expr_list(r, g, "partitionBy", false, &gem->u.window.npartition_by);
    gem->u.window.order_by = sort_keys(r, g, "orderBy", false, &gem->u.window.norder_by);
    gem->u.window.exprs = named_exprs(r, g, "expressions", true, &gem->u.window.nexprs);
    const sb_json *frame = sb_reader_get(r, g, "", "frame", SB_JSON_OBJECT, false);
    if (!frame) return;
    static const char *const fkeys[] = {"type", "start", "end", NULL};
    static const char *const ftypes[] = {"rows", "range"};
    sb_reader_unknown_keys(r, frame, "frame", fkeys, "a window frame");
    sb_frame_spec *f = &gem->u.window.frame;
    int t = sb_reader_choice(r, frame, "frame", "type", ftypes, 2, -1);
    bool ok = t >= 0;
    f->type = t == 1 ? SB_FRAME_RANGE : SB_FRAME_ROWS;
    ok &= frame_bound(r, frame, "start", true, &f->start, &f->start_unbounded);
    ok &= frame_bound(r, frame, "end", false, &f->end, &f->end_unbounded);
    if (ok && !f->start_unbounded && !f->end_unbounded && f->start > f->end) {
        sb_reader_error(r, frame, "frame", "invalid-frame",
                        "the frame starts after it ends (start %lld > end %lld)",
                        (long long)f->start, (long long)f->end);
        ok = false;
    }
    f->present = ok;
}

static void read_row_distributor(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"outputs", NULL};
    check_keys(r, g, own, "RowDistributor");
    size_t n;
    const sb_json *arr = object_list(r, g, "outputs", true, &n);
    gem->noutputs = 0;
    if (!arr) return;
    if (n == 0)
        sb_reader_error(r, arr, "outputs", "empty-list",
                        "a RowDistributor needs at least one output");
    sb_distributor_output *out = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(*out));
    gem->outputs = sb_arena_alloc(r->a, (n ? n : 1) * sizeof(char *));
    static const char *const known[] = {"port", "condition", NULL};
    for (size_t i = 0; i < n; i++) {
        const sb_json *item = arr->u.array.items[i];
        const char *path = sb_reader_index(r, "outputs", i);
        out[i].condition.src.field = sb_reader_path(r, path, "condition");
        gem->outputs[i] = sb_arena_printf(r->a, "out%zu", i);
        if (!expect_object(r, item, path, "an output {\"port\", \"condition\"}")) continue;
        sb_reader_unknown_keys(r, item, path, known, "a RowDistributor output");
        out[i].port = sb_reader_name(r, item, path, "port", true);
        out[i].condition = sb_reader_expr(r, item, path, "condition", true);
        if (out[i].port.text) {
            for (size_t k = 0; k < i; k++) {
                if (out[k].port.text && strcmp(out[k].port.text, out[i].port.text) == 0)
                    sb_reader_error(r, sb_json_get(item, "port"), out[i].port.field,
                                    "duplicate-port", "port `%s` is declared twice",
                                    out[i].port.text);
            }
            gem->outputs[i] = out[i].port.text;
        }
    }
    gem->u.distributor.outputs = out;
    gem->u.distributor.noutputs = n;
    gem->noutputs = n;
}

static void read_sql_statement(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"query", NULL};
    check_keys(r, g, own, "SQLStatement");
    sb_spec_text q = sb_reader_text(r, g, "", "query", true);
    gem->u.sql.query_text = q;
    if (!q.text) return;
    const sb_json *v = sb_json_get(g, "query");
    sb_diag_context ctx = {.file = r->file, .gem = r->gem, .field = q.field, .line = v->line,
                           .col = v->col};
    sb_diags_set_context(r->d, &ctx);
    gem->u.sql.query = sb_sql_parse_query(r->a, q.text, q.len, r->d);
    sb_diags_clear_context(r->d);
}

static void read_script(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"code", "schema", NULL};
    check_keys(r, g, own, "Script");
    gem->u.script.code = sb_reader_text(r, g, "", "code", true);
    gem->u.script.schema = sb_reader_schema(r, g, "", "schema", true);
    if (gem->u.script.code.text && !strstr(gem->u.script.code.text, "def transform("))
        sb_reader_error(r, sb_json_get(g, "code"), "code", "script-entry",
                        "the script must define `def transform(spark, in0, ...)` returning a "
                        "DataFrame");
}

static void read_subgraph(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    static const char *const own[] = {"subgraph", NULL};
    check_keys(r, g, own, "Subgraph");
    gem->u.subgraph.name = sb_reader_name(r, g, "", "subgraph", true);
}

void sb_spec_read_gem_fields(sb_reader *r, sb_gem *gem, const sb_json *g)
{
    gem->outputs = sb_arena_alloc(r->a, sizeof(char *));
    gem->outputs[0] = "out";
    gem->noutputs = 1;
    switch (gem->kind) {
    case SB_GEM_SOURCE: read_source(r, gem, g); break;
    case SB_GEM_SEED: read_seed(r, gem, g); break;
    case SB_GEM_TARGET: read_target(r, gem, g); break;
    case SB_GEM_REFORMAT: read_reformat(r, gem, g); break;
    case SB_GEM_SCHEMA_TRANSFORM: read_schema_transform(r, gem, g); break;
    case SB_GEM_FILTER: read_filter(r, gem, g); break;
    case SB_GEM_ORDER_BY: read_order_by(r, gem, g); break;
    case SB_GEM_LIMIT: read_limit(r, gem, g); break;
    case SB_GEM_DEDUPLICATE: read_deduplicate(r, gem, g); break;
    case SB_GEM_AGGREGATE: read_aggregate(r, gem, g); break;
    case SB_GEM_JOIN: read_join(r, gem, g); break;
    case SB_GEM_SET_OPERATION: read_set_operation(r, gem, g); break;
    case SB_GEM_WINDOW_FUNCTION: read_window(r, gem, g); break;
    case SB_GEM_ROW_DISTRIBUTOR: read_row_distributor(r, gem, g); break;
    case SB_GEM_SQL_STATEMENT: read_sql_statement(r, gem, g); break;
    case SB_GEM_SCRIPT: read_script(r, gem, g); break;
    case SB_GEM_SUBGRAPH: read_subgraph(r, gem, g); break;
    case SB_GEM_KIND_COUNT: break;
    }
}
