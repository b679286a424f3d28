/*
 * test_check.c — the type checker against real Spark's answers.
 *
 * tests/sql/cases/types.tsv holds, for several hundred expressions, the type
 * Spark 3.5 gives `SELECT <expr> FROM t` (or that Spark rejects it); it is
 * written by scripts/gen-type-cases.py from types.in. Each expression is
 * parsed and checked here the same way and must get the same type, or a
 * diagnostic where Spark reports an error. The other tests check the
 * diagnostics people read: messages, hints and spans.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/sql.h"

/* The table every expression of types.tsv is evaluated over; the same DDL
 * as TABLE in scripts/gen-type-cases.py (the test checks they agree). */
static const char TABLE_DDL[] =
    "b boolean, ti tinyint, si smallint, i int, l bigint, f float, d double, "
    "dec decimal(10,2), dec5 decimal(5,3), big decimal(38,10), s string, s2 string, "
    "bin binary, dt date, ts timestamp, ntz timestamp_ntz, "
    "dti interval day to second, ymi interval year to month, "
    "arr array<int>, sarr array<string>, darr array<double>, m map<string,int>, "
    "st struct<a:int,b:string>, "
    "nested struct<x:struct<y:int,z:array<string>>,items:array<struct<k:string,v:double>>>, "
    "id bigint not null, CamelCol int";

/*
 * Known differences from Spark, kept out of the asserted set on purpose.
 * Each entry is an expression of types.in and why sibyl answers otherwise.
 */
static const char *const KNOWN_DIFFERENCES[] = {
    /* Spark types the legacy calendar interval of make_interval, but pyspark
     * cannot turn it into a schema, so the generator records an error. */
    "make_interval(1, 2)",
    /* Spark 3.5 does not parse `::` casts (Spark 4 does); sibyl's parser
     * accepts them for Spark 4 targets. */
    "i::string",
};

/*
 * Column names sibyl cannot know. Spark writes the message of assert_true
 * from the condition's internal form, attribute ids included (`b#0`): the ids
 * are numbered by the Spark session at run time (here 0, 1, ... because the
 * generator's table is the first thing its session creates). sibyl writes
 * the same message without ids, `assert_true(b, 'b' is not true!)`.
 */
static const char *const KNOWN_NAME_DIFFERENCES[] = {
    "assert_true(b)",
    "assert_true(i > 0)",
};

static bool in_list(const char *const *list, size_t n, const char *expr)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], expr) == 0) return true;
    return false;
}

static bool known_difference(const char *expr)
{
    return in_list(KNOWN_DIFFERENCES, SB_COUNTOF(KNOWN_DIFFERENCES), expr);
}

static bool known_name_difference(const char *expr)
{
    return in_list(KNOWN_NAME_DIFFERENCES, SB_COUNTOF(KNOWN_NAME_DIFFERENCES), expr);
}

/* The generator writes tabs, newlines and backslashes in names as \t, \n
 * and \\ so that a name stays one TSV field. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

static const sb_type *g_table;

static const sb_type *table_schema(void *ctx, const char *name)
{
    (void)ctx;
    return sb_str_ieq(name, "t") ? g_table : NULL;
}

typedef struct result {
    const sb_type *schema; /* NULL when rejected */
    const char *error;     /* first diagnostic */
} result;

static result check_select(sb_arena *a, const char *expr, sb_diags *d)
{
    result r = {0};
    const char *sql = sb_arena_printf(a, "SELECT %s FROM t", expr);
    sb_query *q = sb_sql_parse_query(a, sql, strlen(sql), d);
    if (q) {
        sb_sql_scope scope = {0};
        scope.table_schema = table_schema;
        r.schema = sb_sql_check_query(a, q, &scope, d);
    }
    if (!r.schema) r.error = sb_diags_count(d) ? sb_diags_at(d, 0)->message : "(no diagnostic)";
    return r;
}

static char *next_field(char **p)
{
    char *s = *p;
    if (!s) return NULL;
    char *tab = strchr(s, '\t');
    if (tab) {
        *tab = 0;
        *p = tab + 1;
    } else {
        *p = NULL;
    }
    return s;
}

static void test_types_tsv(void **state)
{
    (void)state;
    char *text;
    size_t len;
    int rc = sb_read_file("tests/sql/cases/types.tsv", &text, &len);
    assert_int_equal(rc, 0);

    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    g_table = sb_type_parse_schema(a, TABLE_DDL, strlen(TABLE_DDL), &d);
    assert_non_null(g_table);

    size_t cases = 0, agree = 0, rejected = 0, skipped = 0, name_diff = 0, null_diff = 0,
           skipped_names = 0;
    size_t mismatches = 0;
    bool saw_table = false;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "#table\t", 7) == 0) {
            assert_string_equal(line + 7, TABLE_DDL);
            saw_table = true;
            continue;
        }
        if (line[0] == '#' || !line[0]) continue;
        char *p = line;
        char *expr = next_field(&p), *want = next_field(&p), *third = next_field(&p),
             *fourth = next_field(&p);
        assert_non_null(want);
        if (known_difference(expr)) {
            skipped++;
            continue;
        }
        cases++;
        sb_arena *ca = sb_arena_new();
        sb_diags cd;
        sb_diags_init(&cd, ca);
        result r = check_select(ca, expr, &cd);
        bool spark_error = strcmp(want, "ERROR") == 0;
        if (spark_error) {
            if (r.schema) {
                printf(
                    "MISMATCH %s: Spark rejects it (%s), sibyl says %s\n", expr, third,
                    sb_type_str(ca, r.schema->nfields == 1 ? r.schema->fields[0].type : r.schema));
                mismatches++;
            } else {
                agree++;
                rejected++;
                if (getenv("SIBYL_VERBOSE")) printf("rejected %s: %s | %s\n", expr, third, r.error);
            }
        } else if (!r.schema) {
            printf("MISMATCH %s: Spark says %s, sibyl rejects it: %s\n", expr, want, r.error);
            mismatches++;
        } else {
            const sb_type *got = r.schema->nfields == 1 ? r.schema->fields[0].type : r.schema;
            const char *gs = sb_type_str(ca, got);
            if (strcmp(gs, want) != 0) {
                printf("MISMATCH %s: Spark says %s, sibyl says %s\n", expr, want, gs);
                mismatches++;
            } else {
                agree++;
                /* The output column's name: Spark's for one column, the
                 * names joined with commas for a generator's several. */
                sb_buf names = SB_BUF_INIT;
                for (size_t i = 0; i < r.schema->nfields; i++) {
                    if (i) sb_buf_putc(&names, ',');
                    sb_buf_puts(&names, r.schema->fields[i].name);
                }
                if (fourth) unescape(fourth);
                if (fourth && strcmp(sb_buf_str(&names), fourth) != 0) {
                    if (known_name_difference(expr)) {
                        skipped_names++;
                    } else {
                        name_diff++;
                        printf("NAME %s: Spark `%s`, sibyl `%s`\n", expr, fourth,
                               sb_buf_str(&names));
                    }
                }
                sb_buf_free(&names);
                bool sn = third && third[0] == '1';
                bool nullable = false;
                for (size_t i = 0; i < r.schema->nfields; i++)
                    nullable = nullable || r.schema->fields[i].nullable;
                if (sn != nullable) {
                    null_diff++;
                    printf("NULLABLE %s: Spark %d, sibyl %d\n", expr, sn, nullable);
                }
            }
        }
        sb_arena_free(ca);
    }
    printf("types.tsv: %zu cases, %zu agree with Spark (%zu rejected by both), %zu differ, "
           "%zu known differences skipped; %zu output names (%zu known) and %zu nullabilities "
           "differ\n",
           cases, agree, rejected, mismatches, skipped, name_diff, skipped_names, null_diff);
    assert_true(saw_table);
    assert_true(cases >= 400);
    assert_int_equal(mismatches, 0);
    assert_int_equal(name_diff, 0);
    assert_int_equal(null_diff, 0);
    free(text);
    sb_arena_free(a);
}

/* ---- queries.tsv: output schemas of whole queries ---------------------------- */

static const char U_DDL[] = "id bigint, s string, v double, dt date, tags array<string>";
static const sb_type *g_u;

static const sb_type *two_tables(void *ctx, const char *name)
{
    (void)ctx;
    if (sb_str_ieq(name, "t")) return g_table;
    if (sb_str_ieq(name, "u")) return g_u;
    return NULL;
}

/* The types of a simpleString struct, one per top-level field, without the
 * names (which may contain any character). */
static size_t split_field_types(char *s, char **names, char **types, size_t max)
{
    /* s is "struct<name:type,name:type>" */
    size_t n = 0, len = strlen(s);
    if (len < 8 || strncmp(s, "struct<", 7) != 0) return 0;
    s[len - 1] = 0;
    char *p = s + 7;
    while (*p && n < max) {
        /* the name runs to the first ':' at depth 0 that is followed by a type */
        int depth = 0;
        char *colon = NULL;
        for (char *q = p; *q; q++) {
            if (*q == '(' || *q == '<')
                depth++;
            else if (*q == ')' || *q == '>')
                depth--;
            else if (*q == ':' && depth == 0) {
                colon = q;
                break;
            }
        }
        if (!colon) break;
        char *t = colon + 1, *q = t;
        depth = 0;
        while (*q && !(*q == ',' && depth == 0)) {
            if (*q == '<' || *q == '(')
                depth++;
            else if (*q == '>' || *q == ')')
                depth--;
            q++;
        }
        char save = *q;
        *q = 0;
        *colon = 0;
        names[n] = p;
        types[n++] = t;
        if (!save) break;
        p = q + 1;
    }
    return n;
}

static void test_queries_tsv(void **state)
{
    (void)state;
    char *text;
    size_t len;
    assert_int_equal(sb_read_file("tests/sql/cases/queries.tsv", &text, &len), 0);
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    g_table = sb_type_parse_schema(a, TABLE_DDL, strlen(TABLE_DDL), &d);
    g_u = sb_type_parse_schema(a, U_DDL, strlen(U_DDL), &d);
    assert_non_null(g_table);
    assert_non_null(g_u);
    size_t cases = 0, agree = 0, mismatches = 0, name_diff = 0, null_diff = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "#table u\t", 9) == 0) assert_string_equal(line + 9, U_DDL);
        if (strncmp(line, "#table t\t", 9) == 0) assert_string_equal(line + 9, TABLE_DDL);
        if (line[0] == '#' || !line[0]) continue;
        char *p = line;
        char *sql = next_field(&p), *want = next_field(&p), *third = next_field(&p);
        (void)third;
        cases++;
        sb_arena *ca = sb_arena_new();
        sb_diags cd;
        sb_diags_init(&cd, ca);
        const sb_type *got = NULL;
        sb_query *q = sb_sql_parse_query(ca, sql, strlen(sql), &cd);
        if (q) {
            sb_sql_scope scope = {0};
            scope.table_schema = two_tables;
            got = sb_sql_check_query(ca, q, &scope, &cd);
        }
        const char *err = sb_diags_count(&cd) ? sb_diags_at(&cd, 0)->message : "(none)";
        if (strcmp(want, "ERROR") == 0) {
            if (got) {
                printf("MISMATCH %s: Spark rejects it (%s), sibyl says %s\n", sql, third,
                       sb_type_str(ca, got));
                mismatches++;
            } else {
                agree++;
                if (getenv("SIBYL_VERBOSE")) printf("rejected %s: %s | %s\n", sql, third, err);
            }
        } else if (!got) {
            printf("MISMATCH %s: Spark says %s, sibyl rejects it: %s\n", sql, want, err);
            mismatches++;
        } else {
            bool nd = false;
            char *types[256], *names[256];
            char *wcopy = sb_arena_strdup(ca, want);
            size_t nt = split_field_types(wcopy, names, types, 256);
            bool ok = nt == got->nfields;
            for (size_t i = 0; ok && i < nt; i++)
                ok = strcmp(types[i], sb_type_str(ca, got->fields[i].type)) == 0;
            for (size_t i = 0; ok && i < nt; i++)
                if (strcmp(names[i], got->fields[i].name) != 0) {
                    nd = true;
                    printf("NAME %s: column %zu Spark `%s`, sibyl `%s`\n", sql, i + 1, names[i],
                           got->fields[i].name);
                }
            if (nd) name_diff++;
            for (size_t i = 0; ok && third && i < got->nfields && third[i]; i++)
                if ((third[i] == '1') != got->fields[i].nullable) {
                    null_diff++;
                    printf("NULLABLE %s: column %zu Spark %c\n", sql, i + 1, third[i]);
                    break;
                }
            if (!ok) {
                printf("MISMATCH %s: Spark says %s, sibyl says %s\n", sql, want,
                       sb_type_str(ca, got));
                mismatches++;
            } else {
                agree++;
            }
        }
        sb_arena_free(ca);
    }
    printf("queries.tsv: %zu queries, %zu agree with Spark, %zu differ; %zu differ in names, "
           "%zu in nullability\n",
           cases, agree, mismatches, name_diff, null_diff);
    assert_true(cases >= 100);
    assert_int_equal(mismatches, 0);
    assert_int_equal(name_diff, 0);
    assert_int_equal(null_diff, 0);
    free(text);
    sb_arena_free(a);
}

/* ---- diagnostics people read ------------------------------------------------ */

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
    sb_sql_input inputs[2];
    sb_sql_scope scope;
} fixture;

static const sb_type *config_type(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "min_date") == 0) return sb_type_of(SB_T_DATE);
    if (strcmp(name, "limit") == 0) return sb_type_of(SB_T_INT);
    return NULL;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->a = sb_arena_new();
    sb_diags_init(&f->d, f->a);
    const char *s0 = "order_id bigint, customer_id bigint, amount decimal(12,2), "
                     "order_date date, status string, tags array<string>, "
                     "address struct<city:string,zip:string>";
    const char *s1 = "customer_id bigint, name string, signup_date date";
    f->inputs[0].name = "in0";
    f->inputs[0].schema = sb_type_parse_schema(f->a, s0, strlen(s0), &f->d);
    f->inputs[1].name = "in1";
    f->inputs[1].schema = sb_type_parse_schema(f->a, s1, strlen(s1), &f->d);
    f->scope.inputs = f->inputs;
    f->scope.ninputs = 2;
    f->scope.config_type = config_type;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_arena_free(f->a);
    free(f);
    return 0;
}

/* Check `text`; returns the type, or NULL with f->d holding diagnostics. */
static const sb_type *check(fixture *f, const char *text, unsigned flags)
{
    sb_diags_init(&f->d, f->a);
    sb_expr *e = sb_sql_parse_expr(f->a, text, strlen(text), &f->d);
    assert_non_null(e);
    f->scope.flags = flags;
    return sb_sql_check_expr(f->a, e, &f->scope, &f->d);
}

static const sb_diag *only_error(fixture *f)
{
    assert_true(sb_diags_count(&f->d) >= 1);
    return sb_diags_at(&f->d, 0);
}

static void assert_type(fixture *f, const char *text, const char *want)
{
    const sb_type *t = check(f, text, SB_CHECK_AGGREGATES | SB_CHECK_WINDOWS);
    if (!t) fail_msg("%s: %s", text, only_error(f)->message);
    assert_string_equal(sb_type_str(f->a, t), want);
}

static void test_resolution(void **state)
{
    fixture *f = *state;
    assert_type(f, "amount", "decimal(12,2)");
    assert_type(f, "AMOUNT * 2", "decimal(14,2)");
    assert_type(f, "in0.amount", "decimal(12,2)");
    assert_type(f, "address.city", "string");
    assert_type(f, "in0.address.zip", "string");
    assert_type(f, "in1.customer_id = in0.customer_id", "boolean");
    assert_type(f, "name", "string");
    assert_type(f, "${min_date} <= order_date", "boolean");
    assert_type(f, "transform(tags, t -> upper(t))", "array<string>");
    assert_type(f, "filter(tags, amount -> amount = 'x')", "array<string>");
}

static void test_unknown_column(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "amout + 1", 0));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "unknown-column");
    assert_string_equal(dg->message, "column `amout` does not exist");
    assert_non_null(dg->hint);
    assert_non_null(strstr(dg->hint, "did you mean `amount`?"));
    assert_non_null(strstr(dg->hint, "in0.order_id"));
    assert_int_equal(dg->span.start, 0);
    assert_int_equal(dg->span.end, 5);
}

static void test_ambiguous_column(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "customer_id + 1", 0));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "ambiguous-column");
    assert_non_null(strstr(dg->message, "`in0`"));
    assert_non_null(strstr(dg->message, "`in1`"));
}

static void test_unknown_field(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "address.citty", 0));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "unknown-field");
    assert_non_null(dg->hint);
    assert_string_equal(dg->hint, "did you mean `city`?");
}

static void test_unknown_function(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "concatws(',', status)", 0));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "unknown-function");
    assert_string_equal(dg->message, "unknown function `concatws`");
    assert_string_equal(dg->hint, "did you mean `concat_ws`?");
}

static void test_function_arguments(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "concat_ws(tags, status)", 0));
    assert_string_equal(only_error(f)->message,
                        "concat_ws expects a string separator, got array<string>");
    assert_null(check(f, "upper(status, status)", 0));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "wrong-arg-count");
    assert_string_equal(dg->message, "upper expects 1 argument, got 2");
    assert_null(check(f, "year(order_id)", 0));
    assert_string_equal(only_error(f)->message,
                        "year expects date as its first argument, got bigint");
    /* a lambda only where a higher-order function takes one */
    assert_null(check(f, "upper(x -> x)", 0));
    assert_string_equal(only_error(f)->code, "bad-lambda");
    assert_null(check(f, "transform(x -> x, tags)", 0));
    assert_string_equal(only_error(f)->message,
                        "transform does not take a lambda function as its argument 1");
    assert_non_null(check(f, "transform(tags, x -> upper(x))", 0));
}

static void test_aggregate_contexts(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "sum(amount)", 0));
    assert_string_equal(only_error(f)->code, "aggregate-not-allowed");
    assert_non_null(check(f, "sum(amount)", SB_CHECK_AGGREGATES));
    assert_null(check(f, "sum(max(amount))", SB_CHECK_AGGREGATES));
    assert_string_equal(only_error(f)->code, "nested-aggregate");
    assert_null(check(f, "row_number()", SB_CHECK_WINDOWS));
    assert_string_equal(only_error(f)->code, "window-needs-over");
    assert_null(check(f, "rank() OVER (PARTITION BY status)", SB_CHECK_WINDOWS));
    assert_string_equal(only_error(f)->code, "window-needs-order");
    assert_null(check(f, "sum(amount) OVER (PARTITION BY status)", SB_CHECK_AGGREGATES));
    assert_string_equal(only_error(f)->code, "window-not-allowed");
    assert_null(check(f, "explode(tags)", 0));
    assert_string_equal(only_error(f)->code, "generator-not-allowed");
    assert_non_null(check(f, "explode(tags)", SB_CHECK_GENERATORS));
    assert_null(check(f, "upper(explode(tags))", SB_CHECK_GENERATORS));
    assert_string_equal(only_error(f)->code, "generator-nested");
}

static void test_group_by_scope(void **state)
{
    fixture *f = *state;
    sb_diags_init(&f->d, f->a);
    sb_expr *key = sb_sql_parse_expr(f->a, "status", 6, &f->d);
    f->scope.flags = 0;
    assert_non_null(sb_sql_check_expr(f->a, key, &f->scope, &f->d));
    sb_expr *keys[1] = {key};
    f->scope.group_by = keys;
    f->scope.ngroup_by = 1;
    assert_type(f, "upper(status)", "string");
    assert_type(f, "count(*)", "bigint");
    assert_null(check(f, "amount + sum(amount)", SB_CHECK_AGGREGATES));
    const sb_diag *dg = only_error(f);
    assert_string_equal(dg->code, "not-grouped");
    assert_non_null(strstr(dg->message, "`amount`"));
    f->scope.group_by = NULL;
    f->scope.ngroup_by = 0;
}

static void test_config_and_boolean(void **state)
{
    fixture *f = *state;
    assert_null(check(f, "order_date > ${max_date}", 0));
    assert_string_equal(only_error(f)->code, "unknown-config");
    assert_null(check(f, "status AND amount > 0", 0));
    assert_string_equal(only_error(f)->message, "an operand of AND must be a boolean, got string");
    assert_null(check(f, "order_date = true", 0));
    assert_string_equal(only_error(f)->message, "cannot compare date with boolean");
    /* Spark casts the string to a date for the comparison. */
    assert_type(f, "order_date >= '2024-01-01'", "boolean");
}

static void test_tree_questions(void **state)
{
    fixture *f = *state;
    sb_diags_init(&f->d, f->a);
    const char *x = "sum(amount) + max(order_id) OVER (PARTITION BY status)";
    sb_expr *e = sb_sql_parse_expr(f->a, x, strlen(x), &f->d);
    assert_non_null(e);
    assert_true(sb_sql_has_aggregate(e));
    assert_true(sb_sql_has_window(e));
    assert_true(sb_sql_is_deterministic(e));
    e = sb_sql_parse_expr(f->a, "amount * rand()", 15, &f->d);
    assert_false(sb_sql_has_aggregate(e));
    assert_false(sb_sql_has_window(e));
    assert_false(sb_sql_is_deterministic(e));
}

/* ---- queries ------------------------------------------------------------------ */

static const sb_type *table_inputs(void *ctx, const char *name)
{
    fixture *f = ctx;
    for (size_t i = 0; i < 2; i++)
        if (sb_str_ieq(f->inputs[i].name, name)) return f->inputs[i].schema;
    return NULL;
}

static const sb_type *query(fixture *f, const char *sql)
{
    sb_diags_init(&f->d, f->a);
    sb_query *q = sb_sql_parse_query(f->a, sql, strlen(sql), &f->d);
    if (!q) fail_msg("parse %s: %s", sql, only_error(f)->message);
    sb_sql_scope sc = {0};
    sc.table_schema = table_inputs;
    sc.table_ctx = f;
    sc.config_type = config_type;
    return sb_sql_check_query(f->a, q, &sc, &f->d);
}

static void assert_schema(fixture *f, const char *sql, const char *want)
{
    const sb_type *t = query(f, sql);
    if (!t) fail_msg("%s: %s", sql, only_error(f)->message);
    assert_string_equal(sb_type_str(f->a, t), want);
}

static void test_queries(void **state)
{
    fixture *f = *state;
    assert_schema(f, "SELECT order_id, amount * 2 AS twice FROM in0",
                  "struct<order_id:bigint,twice:decimal(14,2)>");
    assert_schema(f, "SELECT * FROM in1",
                  "struct<customer_id:bigint,name:string,signup_date:date>");
    assert_schema(
        f, "SELECT o.order_id, c.name FROM in0 o JOIN in1 c ON o.customer_id = c.customer_id",
        "struct<order_id:bigint,name:string>");
    assert_schema(f, "SELECT * FROM in0 JOIN in1 USING (customer_id)",
                  "struct<customer_id:bigint,order_id:bigint,amount:decimal(12,2),"
                  "order_date:date,status:string,tags:array<string>,"
                  "address:struct<city:string,zip:string>,name:string,signup_date:date>");
    assert_schema(f, "SELECT customer_id FROM in0 JOIN in1 USING (customer_id)",
                  "struct<customer_id:bigint>");
    assert_schema(f, "SELECT * FROM in1 LEFT SEMI JOIN in0 ON in0.customer_id = in1.customer_id",
                  "struct<customer_id:bigint,name:string,signup_date:date>");
    assert_schema(f, "SELECT in1.* FROM in0 JOIN in1 ON in0.customer_id = in1.customer_id",
                  "struct<customer_id:bigint,name:string,signup_date:date>");
    assert_schema(f,
                  "SELECT status, sum(amount) AS total, count(*) AS n FROM in0 GROUP BY status "
                  "HAVING sum(amount) > 10 ORDER BY total DESC",
                  "struct<status:string,total:decimal(22,2),n:bigint>");
    assert_schema(f, "SELECT status AS s, avg(amount) AS a FROM in0 GROUP BY 1",
                  "struct<s:string,a:decimal(16,6)>");
    assert_schema(f,
                  "WITH big AS (SELECT * FROM in0 WHERE amount > 100) "
                  "SELECT customer_id, max(order_date) AS last FROM big GROUP BY customer_id",
                  "struct<customer_id:bigint,last:date>");
    assert_schema(f, "SELECT order_id AS id FROM in0 UNION ALL SELECT customer_id FROM in1",
                  "struct<id:bigint>");
    assert_schema(f, "SELECT amount FROM in0 UNION SELECT 1.5 FROM in1",
                  "struct<amount:decimal(12,2)>");
    assert_schema(f, "SELECT x FROM (SELECT order_id AS x FROM in0) sub WHERE x > 0",
                  "struct<x:bigint>");
    assert_schema(f, "SELECT * FROM VALUES (1, 'a'), (2L, NULL) AS v(n, s)",
                  "struct<n:bigint,s:string>");
    assert_schema(f,
                  "SELECT order_id, row_number() OVER (PARTITION BY customer_id ORDER BY "
                  "order_date) AS rn FROM in0",
                  "struct<order_id:bigint,rn:int>");
    assert_schema(f, "SELECT order_id, explode(tags) AS tag FROM in0",
                  "struct<order_id:bigint,tag:string>");
    assert_schema(f, "SELECT name FROM in1 WHERE customer_id IN (SELECT customer_id FROM in0)",
                  "struct<name:string>");
}

static void test_query_errors(void **state)
{
    fixture *f = *state;
    assert_null(query(f, "SELECT status, amount FROM in0 GROUP BY status"));
    assert_string_equal(only_error(f)->code, "not-grouped");
    assert_null(
        query(f, "SELECT customer_id FROM in0 JOIN in1 ON in0.customer_id = in1.customer_id"));
    assert_string_equal(only_error(f)->code, "ambiguous-column");
    assert_null(query(f, "SELECT order_id, status FROM in0 UNION SELECT customer_id FROM in1"));
    assert_string_equal(only_error(f)->code, "column-count");
    assert_null(query(f, "SELECT * FROM orders"));
    assert_string_equal(only_error(f)->code, "unknown-table");
    assert_null(query(f, "SELECT order_id FROM in0 WHERE amount"));
    assert_string_equal(only_error(f)->code, "type-mismatch");
    assert_null(query(f, "SELECT sum(amount) + order_id FROM in0"));
    assert_string_equal(only_error(f)->code, "not-grouped");
    assert_null(query(f, "SELECT order_date FROM in0 UNION SELECT tags FROM in0"));
    assert_string_equal(only_error(f)->code, "type-mismatch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_tsv),
        cmocka_unit_test(test_queries_tsv),
        cmocka_unit_test_setup_teardown(test_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ambiguous_column, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_function, setup, teardown),
        cmocka_unit_test_setup_teardown(test_function_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_contexts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_by_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_and_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_questions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
