/*
 * check_query.c — type-checking SELECT queries (SQLStatement gems): FROM
 * items and joins, WHERE, GROUP BY / HAVING, select lists with * expansion,
 * ORDER BY, LIMIT, set operations and WITH. Produces the output schema the
 * way Spark's analyzer does; expressions are checked by check.c.
 */
#include "sql/check_internal.h"

#include <string.h>

static const sb_type *T(sb_type_kind k)
{
    return sb_type_of(k);
}

/* A named relation visible to expressions, and the columns `*` expands to. */
typedef struct star_col {
    size_t input;         /* index into inputs */
    size_t field;         /* field of that input's schema */
    bool hidden_for_star; /* USING duplicates: reachable by qualifier, not by * */
} star_col;

typedef struct from_env {
    sb_vec inputs;      /* sb_sql_input* */
    sb_vec cols;        /* star_col* in * order */
    sb_vec using_names; /* const char* */
} from_env;

typedef struct qctx {
    sb_arena *a;
    sb_diags *d;
    const sb_sql_scope *scope; /* the caller's scope (tables, config) */
    const sb_checker *outer;
    sb_vec ctes; /* sb_cte* with schemas in cte_schemas */
    sb_vec cte_schemas;
} qctx;

static const sb_type *check_query(qctx *qc, sb_query *q);

static void add_input(qctx *qc, from_env *env, const char *name, const sb_type *schema)
{
    sb_sql_input *in = sb_arena_alloc(qc->a, sizeof *in);
    in->name = name;
    in->schema = schema;
    size_t idx = env->inputs.len;
    sb_vec_push(qc->a, &env->inputs, in);
    for (size_t i = 0; i < schema->nfields; i++) {
        star_col *c = sb_arena_alloc(qc->a, sizeof *c);
        c->input = idx;
        c->field = i;
        sb_vec_push(qc->a, &env->cols, c);
    }
}

/* Rename a schema's columns with alias(c1, c2 ...). */
static const sb_type *apply_column_aliases(qctx *qc, const sb_type *s, const sb_vec *aliases,
                                           sb_span span)
{
    if (!aliases->len) return s;
    if (aliases->len != s->nfields) {
        sb_diags_error(qc->d, span, "column-count",
                       "%zu column names given for a relation with %zu columns", aliases->len,
                       s->nfields);
        return NULL;
    }
    sb_field *fs = sb_arena_alloc(qc->a, (s->nfields + 1) * sizeof *fs);
    for (size_t i = 0; i < s->nfields; i++) {
        fs[i] = s->fields[i];
        fs[i].name = aliases->items[i];
    }
    return sb_type_struct(qc->a, fs, s->nfields);
}

static const sb_type *find_cte(qctx *qc, const char *name)
{
    for (size_t i = qc->ctes.len; i-- > 0;) {
        const sb_cte *c = qc->ctes.items[i];
        if (sb_str_ieq(c->name, name)) return qc->cte_schemas.items[i];
    }
    return NULL;
}

static void scope_for(qctx *qc, const from_env *env, sb_sql_scope *sc, unsigned flags)
{
    memset(sc, 0, sizeof *sc);
    sc->inputs = env->inputs.len ? *(sb_sql_input **)env->inputs.items : NULL;
    sc->ninputs = env->inputs.len;
    sc->flags = flags;
    if (qc->scope) {
        sc->config_type = qc->scope->config_type;
        sc->config_ctx = qc->scope->config_ctx;
        sc->table_schema = qc->scope->table_schema;
        sc->table_ctx = qc->scope->table_ctx;
    }
}

/* The checker needs the inputs as one contiguous array. */
static sb_sql_input *flat_inputs(qctx *qc, const from_env *env)
{
    sb_sql_input *arr = sb_arena_alloc(qc->a, (env->inputs.len + 1) * sizeof *arr);
    for (size_t i = 0; i < env->inputs.len; i++) arr[i] = *(sb_sql_input *)env->inputs.items[i];
    return arr;
}

static void make_checker(qctx *qc, const from_env *env, sb_sql_scope *sc, sb_checker *ck,
                         unsigned flags)
{
    scope_for(qc, env, sc, flags);
    sc->inputs = flat_inputs(qc, env);
    sb_checker_init(ck, qc->a, sc, qc->d);
    ck->outer = qc->outer;
    for (size_t i = 0; i < env->using_names.len; i++)
        sb_vec_push(qc->a, &ck->using_names, env->using_names.items[i]);
}

static bool check_relation(qctx *qc, sb_relation *r, from_env *env);

static const sb_field *env_field(const from_env *env, const star_col *c)
{
    const sb_sql_input *in = env->inputs.items[c->input];
    return &in->schema->fields[c->field];
}

static long find_visible(const from_env *env, size_t from, size_t to, const char *name)
{
    for (size_t i = 0; i < env->cols.len; i++) {
        const star_col *c = env->cols.items[i];
        if (c->input < from || c->input >= to || c->hidden_for_star) continue;
        if (sb_str_ieq(env_field(env, c)->name, name)) return (long)i;
    }
    return -1;
}

static bool check_join(qctx *qc, sb_relation *r, from_env *env)
{
    from_env left = {0}, right = {0};
    if (!check_relation(qc, r->u.join.left, &left)) return false;
    if (!check_relation(qc, r->u.join.right, &right)) return false;
    sb_join_type jt = r->u.join.type;
    size_t nl = left.inputs.len;

    /* Combined environment for ON / USING. */
    from_env both = {0};
    for (size_t i = 0; i < left.inputs.len; i++)
        sb_vec_push(qc->a, &both.inputs, left.inputs.items[i]);
    for (size_t i = 0; i < right.inputs.len; i++)
        sb_vec_push(qc->a, &both.inputs, right.inputs.items[i]);
    for (size_t i = 0; i < left.cols.len; i++) sb_vec_push(qc->a, &both.cols, left.cols.items[i]);
    for (size_t i = 0; i < right.cols.len; i++) {
        star_col *c = sb_arena_alloc(qc->a, sizeof *c);
        *c = *(star_col *)right.cols.items[i];
        c->input += nl;
        sb_vec_push(qc->a, &both.cols, c);
    }
    for (size_t i = 0; i < left.using_names.len; i++)
        sb_vec_push(qc->a, &both.using_names, left.using_names.items[i]);
    for (size_t i = 0; i < right.using_names.len; i++)
        sb_vec_push(qc->a, &both.using_names, right.using_names.items[i]);

    /* USING (a, b) or NATURAL: the key columns appear once, first. */
    sb_vec keys = {0};
    if (r->u.join.natural) {
        for (size_t i = 0; i < left.cols.len; i++) {
            const star_col *c = left.cols.items[i];
            if (c->hidden_for_star) continue;
            const char *n = env_field(&left, c)->name;
            if (find_visible(&both, nl, both.inputs.len, n) >= 0)
                sb_vec_push(qc->a, &keys, (void *)n);
        }
    } else {
        for (size_t i = 0; i < r->u.join.using_.len; i++)
            sb_vec_push(qc->a, &keys, r->u.join.using_.items[i]);
    }
    bool ok = true;
    if (keys.len) {
        sb_vec front = {0};
        for (size_t k = 0; k < keys.len; k++) {
            const char *n = keys.items[k];
            long li = find_visible(&both, 0, nl, n),
                 ri = find_visible(&both, nl, both.inputs.len, n);
            if (li < 0 || ri < 0) {
                sb_diags_error(qc->d, r->span, "unknown-column",
                               "USING column `%s` is not in the %s side of the join", n,
                               li < 0 ? "left" : "right");
                ok = false;
                continue;
            }
            star_col *lc = both.cols.items[li], *rc = both.cols.items[ri];
            const sb_type *lt = env_field(&both, lc)->type, *rt = env_field(&both, rc)->type;
            if (!sb_type_comparison_common(qc->a, lt, rt)) {
                sb_diags_error(qc->d, r->span, "type-mismatch",
                               "USING column `%s` is %s on the left and %s on the right", n,
                               sb_type_str(qc->a, lt), sb_type_str(qc->a, rt));
                ok = false;
                continue;
            }
            star_col *keep = jt == SB_JOIN_RIGHT ? rc : lc;
            star_col *key = sb_arena_alloc(qc->a, sizeof *key);
            *key = *keep;
            sb_vec_push(qc->a, &front, key);
            lc->hidden_for_star = true;
            rc->hidden_for_star = true;
            sb_vec_push(qc->a, &both.using_names, (void *)n);
        }
        sb_vec cols = {0};
        for (size_t i = 0; i < front.len; i++) sb_vec_push(qc->a, &cols, front.items[i]);
        for (size_t i = 0; i < both.cols.len; i++) sb_vec_push(qc->a, &cols, both.cols.items[i]);
        both.cols = cols;
    }
    if (r->u.join.on) {
        sb_sql_scope sc;
        sb_checker ck;
        make_checker(qc, &both, &sc, &ck, 0);
        const sb_type *t = sb_checker_expr(&ck, r->u.join.on);
        if (!t)
            ok = false;
        else if (t->kind != SB_T_BOOLEAN && t->kind != SB_T_NULL) {
            sb_diags_error(qc->d, r->u.join.on->span, "type-mismatch",
                           "a join condition must be a boolean, got %s", sb_type_str(qc->a, t));
            ok = false;
        }
    }
    if (!ok) return false;
    if (jt == SB_JOIN_LEFT_SEMI || jt == SB_JOIN_LEFT_ANTI) {
        *env = left;
        return true;
    }
    /* Outer joins make the other side's columns nullable. */
    if (jt == SB_JOIN_LEFT || jt == SB_JOIN_RIGHT || jt == SB_JOIN_FULL) {
        for (size_t i = 0; i < both.inputs.len; i++) {
            bool nullside = (jt == SB_JOIN_FULL) || (jt == SB_JOIN_LEFT && i >= nl) ||
                            (jt == SB_JOIN_RIGHT && i < nl);
            if (!nullside) continue;
            sb_sql_input *in = sb_arena_alloc(qc->a, sizeof *in);
            *in = *(sb_sql_input *)both.inputs.items[i];
            sb_field *fs = sb_arena_alloc(qc->a, (in->schema->nfields + 1) * sizeof *fs);
            for (size_t f = 0; f < in->schema->nfields; f++) {
                fs[f] = in->schema->fields[f];
                fs[f].nullable = true;
            }
            in->schema = sb_type_struct(qc->a, fs, in->schema->nfields);
            both.inputs.items[i] = in;
        }
    }
    *env = both;
    return true;
}

static bool check_values(qctx *qc, sb_relation *r, from_env *env)
{
    size_t nrows = r->u.values.rows.len;
    size_t ncols = nrows ? ((sb_vec *)r->u.values.rows.items[0])->len : 0;
    const sb_type **types = sb_arena_alloc(qc->a, (ncols + 1) * sizeof *types);
    bool *nullable = sb_arena_alloc(qc->a, ncols + 1);
    for (size_t c = 0; c < ncols; c++) types[c] = T(SB_T_NULL);
    sb_sql_scope sc;
    from_env none = {0};
    sb_checker ck;
    make_checker(qc, &none, &sc, &ck, 0);
    bool ok = true;
    for (size_t i = 0; i < nrows; i++) {
        sb_vec *row = r->u.values.rows.items[i];
        if (row->len != ncols) {
            sb_diags_error(qc->d, r->span, "column-count",
                           "VALUES rows have different numbers of columns (%zu and %zu)", ncols,
                           row->len);
            return false;
        }
        for (size_t c = 0; c < ncols; c++) {
            sb_expr *e = row->items[c];
            const sb_type *t = sb_checker_expr(&ck, e);
            if (!t) {
                ok = false;
                continue;
            }
            const sb_type *w = sb_type_wider_common(qc->a, types[c], t);
            if (!w) {
                sb_diags_error(qc->d, e->span, "type-mismatch", "VALUES column %zu mixes %s and %s",
                               c + 1, sb_type_str(qc->a, types[c]), sb_type_str(qc->a, t));
                ok = false;
                continue;
            }
            types[c] = w;
            nullable[c] = nullable[c] || e->nullable;
        }
    }
    if (!ok) return false;
    sb_field *fs = sb_arena_alloc(qc->a, (ncols + 1) * sizeof *fs);
    for (size_t c = 0; c < ncols; c++) {
        fs[c].name = sb_arena_printf(qc->a, "col%zu", c + 1);
        fs[c].type = types[c];
        fs[c].nullable = nullable[c];
    }
    const sb_type *s =
        apply_column_aliases(qc, sb_type_struct(qc->a, fs, ncols), &r->column_aliases, r->span);
    if (!s) return false;
    add_input(qc, env, r->alias, s);
    return true;
}

static bool check_relation(qctx *qc, sb_relation *r, from_env *env)
{
    memset(env, 0, sizeof *env);
    switch (r->kind) {
    case SB_REL_TABLE: {
        const char *name = r->u.table.parts[r->u.table.nparts - 1];
        const sb_type *s = r->u.table.nparts == 1 ? find_cte(qc, name) : NULL;
        if (!s && qc->scope && qc->scope->table_schema) {
            /* Try the full dotted name, then the last part. */
            sb_buf full = SB_BUF_INIT;
            for (size_t i = 0; i < r->u.table.nparts; i++) {
                if (i) sb_buf_putc(&full, '.');
                sb_buf_puts(&full, r->u.table.parts[i]);
            }
            s = qc->scope->table_schema(qc->scope->table_ctx, sb_buf_str(&full));
            sb_buf_free(&full);
        }
        if (!s) {
            sb_diag *dg = sb_diags_error(qc->d, r->span, "unknown-table",
                                         "table or view `%s` does not exist", name);
            if (qc->scope && qc->scope->ninputs) {
                sb_buf b = SB_BUF_INIT;
                for (size_t i = 0; i < qc->scope->ninputs; i++) {
                    if (i) sb_buf_puts(&b, ", ");
                    sb_buf_puts(&b, qc->scope->inputs[i].name ? qc->scope->inputs[i].name : "?");
                }
                sb_diag_set_hint(qc->d, dg, "the inputs are: %s", sb_buf_str(&b));
                sb_buf_free(&b);
            }
            return false;
        }
        s = apply_column_aliases(qc, s, &r->column_aliases, r->span);
        if (!s) return false;
        add_input(qc, env, r->alias ? r->alias : name, s);
        return true;
    }
    case SB_REL_SUBQUERY: {
        qctx sub = *qc;
        const sb_type *s = check_query(&sub, r->u.subquery.query);
        if (!s) return false;
        s = apply_column_aliases(qc, s, &r->column_aliases, r->span);
        if (!s) return false;
        add_input(qc, env, r->alias, s);
        return true;
    }
    case SB_REL_JOIN:
        return check_join(qc, r, env);
    case SB_REL_VALUES:
        return check_values(qc, r, env);
    }
    return false;
}

/* ---- select ------------------------------------------------------------------ */

static const char *item_name(qctx *qc, const sb_select_item *it)
{
    return it->alias ? it->alias : sb_sql_auto_name(qc->a, it->expr);
}

static bool expr_has_aggregate_anywhere(const sb_query *q)
{
    for (size_t i = 0; i < q->u.select.items.len; i++) {
        const sb_select_item *it = q->u.select.items.items[i];
        if (sb_sql_has_aggregate(it->expr)) return true;
    }
    return q->u.select.having && true;
}

static bool qualifier_matches(const sb_expr *star, const sb_sql_input *in)
{
    if (!star->u.star.qualifier || !star->u.star.nqualifier) return true;
    const char *q = star->u.star.qualifier[star->u.star.nqualifier - 1];
    return in->name && sb_str_ieq(in->name, q);
}

static const sb_type *check_select(qctx *qc, sb_query *q)
{
    from_env env = {0};
    if (q->u.select.from && !check_relation(qc, q->u.select.from, &env)) return NULL;

    bool ok = true;
    sb_sql_scope sc;
    sb_checker ck;

    /* WHERE: row level. */
    if (q->u.select.where) {
        make_checker(qc, &env, &sc, &ck, 0);
        const sb_type *t = sb_checker_expr(&ck, q->u.select.where);
        if (!t)
            ok = false;
        else if (t->kind != SB_T_BOOLEAN && t->kind != SB_T_NULL) {
            sb_diags_error(qc->d, q->u.select.where->span, "type-mismatch",
                           "WHERE must be a boolean condition, got %s", sb_type_str(qc->a, t));
            ok = false;
        }
    }

    /* GROUP BY keys (ordinals refer to select items). */
    sb_vec keys = {0};
    bool grouped = q->u.select.group_by.len || q->u.select.group_by_all ||
                   q->u.select.grouping_sets.len || expr_has_aggregate_anywhere(q);
    for (size_t i = 0; i < q->u.select.group_by.len; i++) {
        sb_expr *g = q->u.select.group_by.items[i];
        long long ord;
        if (g->kind == SB_E_LITERAL && sb_expr_int_value(g, &ord)) {
            if (ord < 1 || (size_t)ord > q->u.select.items.len) {
                sb_diags_error(qc->d, g->span, "bad-ordinal",
                               "GROUP BY position %lld is not in the select list (1..%zu)", ord,
                               q->u.select.items.len);
                ok = false;
                continue;
            }
            sb_select_item *it = q->u.select.items.items[ord - 1];
            g = it->expr;
        }
        make_checker(qc, &env, &sc, &ck, 0);
        /* A GROUP BY name that is not a column may be a select alias. */
        if (g->kind == SB_E_COLUMN && g->u.column.nparts == 1) {
            bool amb;
            bool found = false;
            for (size_t r = 0; r < sc.ninputs && !found; r++)
                found = sb_schema_find(sc.inputs[r].schema, g->u.column.parts[0], &amb) >= 0;
            if (!found)
                for (size_t k = 0; k < q->u.select.items.len; k++) {
                    sb_select_item *it = q->u.select.items.items[k];
                    if (it->alias && sb_str_ieq(it->alias, g->u.column.parts[0])) {
                        g = it->expr;
                        break;
                    }
                }
        }
        const sb_type *gt = sb_checker_expr(&ck, g);
        if (!gt)
            ok = false;
        else if (!sb_type_is_hashable(gt)) {
            sb_diags_error(qc->d, g->span, "type-mismatch",
                           "cannot group by a value of type %s (maps cannot be compared)",
                           sb_type_str(qc->a, gt));
            ok = false;
        }
        sb_vec_push(qc->a, &keys, g);
    }
    if (q->u.select.group_by_all) {
        for (size_t k = 0; k < q->u.select.items.len; k++) {
            sb_select_item *it = q->u.select.items.items[k];
            if (it->expr->kind == SB_E_STAR || sb_sql_has_aggregate(it->expr)) continue;
            make_checker(qc, &env, &sc, &ck, 0);
            if (sb_checker_expr(&ck, it->expr)) sb_vec_push(qc->a, &keys, it->expr);
        }
    }
    for (size_t s = 0; s < q->u.select.grouping_sets.len; s++) {
        sb_vec *set = q->u.select.grouping_sets.items[s];
        for (size_t i = 0; i < set->len; i++) {
            make_checker(qc, &env, &sc, &ck, 0);
            if (!sb_checker_expr(&ck, set->items[i])) ok = false;
            sb_vec_push(qc->a, &keys, set->items[i]);
        }
    }
    if (!ok) return NULL;

    unsigned flags = SB_CHECK_AGGREGATES | SB_CHECK_WINDOWS | SB_CHECK_GENERATORS;
    /* Select list. */
    sb_vec fields = {0};
    sb_vec aliases = {0};
    for (size_t i = 0; i < q->u.select.items.len; i++) {
        sb_select_item *it = q->u.select.items.items[i];
        sb_expr *e = it->expr;
        if (e->kind == SB_E_STAR) {
            size_t before = fields.len;
            for (size_t c = 0; c < env.cols.len; c++) {
                const star_col *col = env.cols.items[c];
                if (col->hidden_for_star) continue;
                const sb_sql_input *in = env.inputs.items[col->input];
                if (!qualifier_matches(e, in)) continue;
                const sb_field *f = &in->schema->fields[col->field];
                if (grouped) {
                    /* `*` in a grouped query must consist of group keys. */
                    bool is_key = false;
                    for (size_t k = 0; k < keys.len && !is_key; k++) {
                        const sb_expr *g = keys.items[k];
                        is_key = g->kind == SB_E_COLUMN && g->u.column.rel == (int)col->input &&
                                 g->u.column.column == (int)col->field &&
                                 g->u.column.used_parts == g->u.column.nparts;
                    }
                    if (!is_key) {
                        sb_diags_error(qc->d, e->span, "not-grouped",
                                       "column `%s` (from *) is neither in the GROUP BY nor "
                                       "inside an aggregate function",
                                       f->name);
                        ok = false;
                        break;
                    }
                }
                sb_field *nf = sb_arena_alloc(qc->a, sizeof *nf);
                *nf = *f;
                sb_vec_push(qc->a, &fields, nf);
            }
            if (fields.len == before && e->u.star.nqualifier && ok) {
                /* s.* where s is a struct column: its fields. */
                sb_expr col = {0};
                col.kind = SB_E_COLUMN;
                col.span = e->span;
                col.u.column.parts = e->u.star.qualifier;
                col.u.column.nparts = e->u.star.nqualifier;
                make_checker(qc, &env, &sc, &ck, 0);
                if (grouped) {
                    ck.grouped = true;
                    ck.group_by = (sb_expr *const *)keys.items;
                    ck.ngroup_by = keys.len;
                }
                sb_diags probe;
                sb_diags_init(&probe, qc->a);
                ck.d = &probe;
                const sb_type *st = sb_checker_expr(&ck, &col);
                if (st && st->kind == SB_T_STRUCT) {
                    for (size_t k = 0; k < st->nfields; k++) {
                        sb_field *nf = sb_arena_alloc(qc->a, sizeof *nf);
                        *nf = st->fields[k];
                        nf->nullable = nf->nullable || col.nullable;
                        sb_vec_push(qc->a, &fields, nf);
                    }
                    continue;
                }
                sb_diags_error(qc->d, e->span, "unknown-table",
                               "`%s.*` names neither an input nor a struct column",
                               e->u.star.qualifier[e->u.star.nqualifier - 1]);
                ok = false;
            }
            continue;
        }
        make_checker(qc, &env, &sc, &ck, flags);
        if (grouped) {
            ck.grouped = true;
            ck.group_by = (sb_expr *const *)keys.items;
            ck.ngroup_by = keys.len;
        }
        for (size_t w = 0; w < q->u.select.windows.len; w++)
            sb_vec_push(qc->a, &ck.windows, q->u.select.windows.items[w]);
        const sb_type *t = sb_checker_expr(&ck, e);
        if (!t) {
            ok = false;
            continue;
        }
        bool is_gen =
            e->kind == SB_E_FUNC && e->u.func.func && e->u.func.func->cls == SB_FUNC_GENERATOR;
        if (is_gen && t->kind == SB_T_STRUCT && strcmp(e->u.func.func->name, "explode") != 0 &&
            strcmp(e->u.func.func->name, "explode_outer") != 0) {
            /* A multi-column generator adds each of its columns. */
            for (size_t f = 0; f < t->nfields; f++) {
                sb_field *nf = sb_arena_alloc(qc->a, sizeof *nf);
                *nf = t->fields[f];
                sb_vec_push(qc->a, &fields, nf);
            }
            continue;
        }
        if (is_gen && t->kind == SB_T_STRUCT && e->u.func.args.len &&
            ((sb_expr *)e->u.func.args.items[0])->type->kind == SB_T_MAP) {
            for (size_t f = 0; f < t->nfields; f++) {
                sb_field *nf = sb_arena_alloc(qc->a, sizeof *nf);
                *nf = t->fields[f];
                sb_vec_push(qc->a, &fields, nf);
            }
            continue;
        }
        sb_field *nf = sb_arena_alloc(qc->a, sizeof *nf);
        nf->name = is_gen && !it->alias ? "col" : item_name(qc, it);
        nf->type = t;
        nf->nullable = e->nullable;
        sb_vec_push(qc->a, &fields, nf);
        sb_check_name *an = sb_arena_alloc(qc->a, sizeof *an);
        an->name = nf->name;
        an->type = t;
        an->nullable = e->nullable;
        an->expr = e;
        sb_vec_push(qc->a, &aliases, an);
    }
    if (!ok) return NULL;

    /* HAVING: grouped, may use select aliases. */
    if (q->u.select.having) {
        make_checker(qc, &env, &sc, &ck, SB_CHECK_AGGREGATES);
        ck.grouped = true;
        ck.group_by = (sb_expr *const *)keys.items;
        ck.ngroup_by = keys.len;
        /* Names not found among the inputs may be select aliases. */
        ck.late_aliases = aliases;
        const sb_type *t = sb_checker_expr(&ck, q->u.select.having);
        if (!t) {
            ok = false;
        } else if (t->kind != SB_T_BOOLEAN && t->kind != SB_T_NULL) {
            sb_diags_error(qc->d, q->u.select.having->span, "type-mismatch",
                           "HAVING must be a boolean condition, got %s", sb_type_str(qc->a, t));
            ok = false;
        }
    }
    if (!ok) return NULL;

    sb_field *arr = sb_arena_alloc(qc->a, (fields.len + 1) * sizeof *arr);
    for (size_t i = 0; i < fields.len; i++) arr[i] = *(sb_field *)fields.items[i];
    const sb_type *schema = sb_type_struct(qc->a, arr, fields.len);

    if (q->u.select.distinct)
        for (size_t i = 0; i < schema->nfields; i++)
            if (!sb_type_is_hashable(schema->fields[i].type)) {
                sb_diags_error(qc->d, q->span, "type-mismatch",
                               "SELECT DISTINCT cannot compare column `%s` of type %s",
                               schema->fields[i].name, sb_type_str(qc->a, schema->fields[i].type));
                return NULL;
            }

    /* ORDER BY: output names first, then the inputs. */
    for (size_t i = 0; i < q->order_by.len; i++) {
        sb_sort_key *k = q->order_by.items[i];
        long long ord;
        if (k->expr->kind == SB_E_LITERAL && sb_expr_int_value(k->expr, &ord)) {
            if (ord < 1 || (size_t)ord > schema->nfields) {
                sb_diags_error(qc->d, k->expr->span, "bad-ordinal",
                               "ORDER BY position %lld is not in the select list (1..%zu)", ord,
                               schema->nfields);
                ok = false;
            }
            continue;
        }
        make_checker(qc, &env, &sc, &ck, flags & ~(unsigned)SB_CHECK_GENERATORS);
        if (grouped) {
            ck.grouped = true;
            ck.group_by = (sb_expr *const *)keys.items;
            ck.ngroup_by = keys.len;
        }
        for (size_t a = 0; a < aliases.len; a++) sb_vec_push(qc->a, &ck.aliases, aliases.items[a]);
        const sb_type *t = sb_checker_expr(&ck, k->expr);
        if (!t)
            ok = false;
        else if (!sb_type_is_orderable(t)) {
            sb_diags_error(qc->d, k->expr->span, "type-mismatch",
                           "cannot order by a value of type %s", sb_type_str(qc->a, t));
            ok = false;
        }
    }
    if (!ok) return NULL;
    return schema;
}

/* ---- set operations ------------------------------------------------------------ */

static const char *setop_name(sb_setop op)
{
    return op == SB_SET_UNION ? "UNION" : op == SB_SET_INTERSECT ? "INTERSECT" : "EXCEPT";
}

static const sb_type *check_setop(qctx *qc, sb_query *q)
{
    const sb_type *l = check_query(qc, q->u.setop.left);
    const sb_type *r = check_query(qc, q->u.setop.right);
    if (!l || !r) return NULL;
    const char *opn = setop_name(q->u.setop.op);
    if (q->u.setop.by_name) {
        /* Columns matched by name; the right side's extra columns are an error. */
        if (l->nfields != r->nfields) {
            sb_diags_error(qc->d, q->span, "column-count",
                           "%s BY NAME needs the same columns on both sides (%zu and %zu)", opn,
                           l->nfields, r->nfields);
            return NULL;
        }
        sb_field *fs = sb_arena_alloc(qc->a, (l->nfields + 1) * sizeof *fs);
        for (size_t i = 0; i < l->nfields; i++) {
            bool amb;
            long j = sb_schema_find(r, l->fields[i].name, &amb);
            if (j < 0) {
                sb_diags_error(qc->d, q->span, "unknown-column",
                               "%s BY NAME: column `%s` is missing on the right", opn,
                               l->fields[i].name);
                return NULL;
            }
            const sb_type *w = sb_type_wider_common(qc->a, l->fields[i].type, r->fields[j].type);
            if (!w) {
                sb_diags_error(qc->d, q->span, "type-mismatch",
                               "%s: column `%s` is %s on the left and %s on the right", opn,
                               l->fields[i].name, sb_type_str(qc->a, l->fields[i].type),
                               sb_type_str(qc->a, r->fields[j].type));
                return NULL;
            }
            fs[i] = l->fields[i];
            fs[i].type = w;
            fs[i].nullable = l->fields[i].nullable || r->fields[j].nullable;
        }
        return sb_type_struct(qc->a, fs, l->nfields);
    }
    if (l->nfields != r->nfields) {
        sb_diags_error(qc->d, q->span, "column-count",
                       "%s needs the same number of columns on both sides, got %zu and %zu", opn,
                       l->nfields, r->nfields);
        return NULL;
    }
    sb_field *fs = sb_arena_alloc(qc->a, (l->nfields + 1) * sizeof *fs);
    for (size_t i = 0; i < l->nfields; i++) {
        const sb_type *w = sb_type_wider_common(qc->a, l->fields[i].type, r->fields[i].type);
        if (!w) {
            sb_diags_error(qc->d, q->span, "type-mismatch",
                           "%s: column %zu (`%s`) is %s on the left and %s on the right", opn,
                           i + 1, l->fields[i].name, sb_type_str(qc->a, l->fields[i].type),
                           sb_type_str(qc->a, r->fields[i].type));
            return NULL;
        }
        if (q->u.setop.op != SB_SET_UNION || !q->u.setop.all) {
            if (!sb_type_is_hashable(w)) {
                sb_diags_error(qc->d, q->span, "type-mismatch",
                               "%s cannot compare column `%s` of type %s", opn, l->fields[i].name,
                               sb_type_str(qc->a, w));
                return NULL;
            }
        }
        fs[i].name = l->fields[i].name;
        fs[i].type = w;
        /* INTERSECT keeps a column nullable only when both sides are. */
        fs[i].nullable =
            q->u.setop.op == SB_SET_INTERSECT ? l->fields[i].nullable && r->fields[i].nullable
            : q->u.setop.op == SB_SET_EXCEPT  ? l->fields[i].nullable
                                              : l->fields[i].nullable || r->fields[i].nullable;
    }
    const sb_type *schema = sb_type_struct(qc->a, fs, l->nfields);
    /* ORDER BY on a set operation sees only its output columns. */
    for (size_t i = 0; i < q->order_by.len; i++) {
        sb_sort_key *k = q->order_by.items[i];
        long long ord;
        if (k->expr->kind == SB_E_LITERAL && sb_expr_int_value(k->expr, &ord)) continue;
        from_env env = {0};
        add_input(qc, &env, NULL, schema);
        sb_sql_scope sc;
        sb_checker ck;
        make_checker(qc, &env, &sc, &ck, 0);
        if (!sb_checker_expr(&ck, k->expr)) return NULL;
    }
    return schema;
}

static bool check_limit(qctx *qc, sb_expr *e, const char *what)
{
    if (!e) return true;
    from_env none = {0};
    sb_sql_scope sc;
    sb_checker ck;
    make_checker(qc, &none, &sc, &ck, 0);
    const sb_type *t = sb_checker_expr(&ck, e);
    if (!t) return false;
    if (!sb_type_is_integral(t)) {
        sb_diags_error(qc->d, e->span, "type-mismatch", "%s must be an integer, got %s", what,
                       sb_type_str(qc->a, t));
        return false;
    }
    return true;
}

static const sb_type *check_query(qctx *qc, sb_query *q)
{
    size_t mark = qc->ctes.len;
    for (size_t i = 0; i < q->ctes.len; i++) {
        sb_cte *c = q->ctes.items[i];
        const sb_type *s = check_query(qc, c->query);
        if (!s) {
            qc->ctes.len = qc->cte_schemas.len = mark;
            return NULL;
        }
        s = apply_column_aliases(qc, s, &c->column_aliases, c->span);
        if (!s) {
            qc->ctes.len = qc->cte_schemas.len = mark;
            return NULL;
        }
        sb_vec_push(qc->a, &qc->ctes, c);
        sb_vec_push(qc->a, &qc->cte_schemas, (void *)s);
    }
    const sb_type *s = q->kind == SB_Q_SELECT ? check_select(qc, q) : check_setop(qc, q);
    if (s && (!check_limit(qc, q->limit, "LIMIT") || !check_limit(qc, q->offset, "OFFSET")))
        s = NULL;
    qc->ctes.len = qc->cte_schemas.len = mark;
    q->schema = s;
    return s;
}

const sb_type *sb_checker_query(sb_arena *a, sb_query *q, const sb_sql_scope *scope,
                                const sb_checker *outer, sb_diags *d)
{
    qctx qc = {0};
    qc.a = a;
    qc.d = d;
    qc.scope = scope;
    qc.outer = outer;
    return check_query(&qc, q);
}

const sb_type *sb_sql_check_query(sb_arena *a, sb_query *q, const sb_sql_scope *scope, sb_diags *d)
{
    return sb_checker_query(a, q, scope, NULL, d);
}
