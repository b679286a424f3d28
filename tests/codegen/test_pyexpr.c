/*
 * test_pyexpr.c — Spark SQL expressions translated to PySpark Column code:
 * the table in expr_cases.h (each pair checked on Spark), configuration
 * variables, qualified columns, and the diagnostics for what PySpark
 * cannot say.
 *
 * SIBYL_PRINT_EXPR_CASES=1 prints "sql<TAB>python" for every case instead
 * of checking, which is how the table is refreshed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "expr_cases.h"

static const char MANIFEST[] = "{\"name\": \"t\", \"version\": \"0.1.0\", \"config\": {"
                               "\"min_date\": {\"type\": \"date\", \"default\": \"2024-01-01\"},"
                               "\"limit\": {\"type\": \"decimal(10,2)\", \"default\": 1000},"
                               "\"top_n\": {\"type\": \"int\", \"default\": 3},"
                               "\"big\": {\"type\": \"bigint\", \"default\": 3},"
                               "\"label\": {\"type\": \"string\", \"default\": \"x\"}}}";

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
    sb_project *p;
    const sb_type *schema;
} fixture;

static const sb_type *config_type(void *ctx, const char *name)
{
    const sb_config_var *v = sb_project_var(ctx, name);
    return v ? v->type : NULL;
}

static void setup(fixture *f)
{
    f->a = sb_arena_new();
    sb_diags_init(&f->d, f->a);
    f->p = sb_project_new(f->a, ".");
    assert_int_equal(sb_project_parse_manifest(f->a, f->p, "sibyl.json", MANIFEST, strlen(MANIFEST), &f->d), 0);
    f->schema = sb_type_parse_schema(f->a, EXPR_SCHEMA, strlen(EXPR_SCHEMA), &f->d);
    assert_non_null(f->schema);
}

/* The Python for sql (the right-hand side of `x = ...` as black lays it
 * out), or NULL when translation failed. */
static const char *translate(fixture *f, const char *sql, bool two_inputs)
{
    sb_expr *e = sb_sql_parse_expr(f->a, sql, strlen(sql), &f->d);
    if (!e) return NULL;
    sb_sql_input in[2] = {{"in0", f->schema}, {"in1", f->schema}};
    sb_sql_scope scope = {.inputs = in,
                          .ninputs = two_inputs ? 2 : 1,
                          .flags = SB_CHECK_AGGREGATES | SB_CHECK_WINDOWS | SB_CHECK_GENERATORS,
                          .config_type = config_type,
                          .config_ctx = f->p};
    if (!sb_sql_check_expr(f->a, e, &scope, &f->d)) return NULL;
    sb_buf out = SB_BUF_INIT;
    int rc = sb_codegen_py_expr(f->a, f->p, e, two_inputs, &out, &f->d);
    const char *text = sb_buf_str(&out);
    if (strncmp(text, "x = ", 4) == 0) text += 4;
    char *r = sb_arena_strdup(f->a, text);
    size_t n = strlen(r);
    if (n && r[n - 1] == '\n') r[n - 1] = '\0';
    sb_buf_free(&out);
    return rc == 0 ? r : NULL;
}

static void test_table(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    bool print = getenv("SIBYL_PRINT_EXPR_CASES") != NULL;
    size_t failures = 0;
    for (size_t i = 0; i < SB_COUNTOF(EXPR_CASES); i++) {
        const char *got = translate(&f, EXPR_CASES[i].sql, false);
        if (print) {
            printf("%s\t%s\n", EXPR_CASES[i].sql, got ? got : "(error)");
            continue;
        }
        if (!got || strcmp(got, EXPR_CASES[i].py) != 0) {
            fprintf(stderr, "case %zu: %s\n  want %s\n  got  %s\n", i, EXPR_CASES[i].sql,
                    EXPR_CASES[i].py, got ? got : "(error)");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
    sb_arena_free(f.a);
}

static void expect(fixture *f, const char *sql, bool qualified, const char *want)
{
    const char *got = translate(f, sql, qualified);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s\n  want %s\n  got  %s", sql, want, got ? got : "(error)");
}

static void test_config_variables(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    /* Python values that pyspark types like the declared type need no cast. */
    expect(&f, "d >= ${min_date}", false, "F.col(\"d\") >= F.lit(config.min_date)");
    expect(&f, "a <= ${top_n}", false, "F.col(\"a\") <= F.lit(config.top_n)");
    expect(&f, "s = ${label}", false, "F.col(\"s\") == F.lit(config.label)");
    /* Decimal("1000") would be decimal(4,0); bigint values would be ints. */
    expect(&f, "amount >= ${limit}", false,
           "F.col(\"amount\") >= F.lit(config.limit).cast(\"decimal(10,2)\")");
    expect(&f, "n > ${big}", false, "F.col(\"n\") > F.lit(config.big).cast(\"bigint\")");
    sb_arena_free(f.a);
}

static void test_qualified_columns(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    expect(&f, "in0.a = in1.b", true, "F.col(\"in0.a\") == F.col(\"in1.b\")");
    /* a single input drops the qualifier: its DataFrame is not aliased */
    expect(&f, "in0.a + 1", false, "F.col(\"a\") + 1");
    expect(&f, "IN1.a", true, "F.col(\"in1.a\")");
    sb_arena_free(f.a);
}

static void test_long_expressions_are_split(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const char *got = translate(&f,
                                "CASE WHEN a > 100000 THEN 'very large amount' WHEN a > 1000 THEN "
                                "'large amount' ELSE 'other amount' END",
                                false);
    assert_non_null(got);
    assert_string_equal(got, "(\n"
                             "    F.when(F.col(\"a\") > 100000, \"very large amount\")\n"
                             "    .when(F.col(\"a\") > 1000, \"large amount\")\n"
                             "    .otherwise(\"other amount\")\n"
                             ")");
    sb_arena_free(f.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_config_variables),
        cmocka_unit_test(test_qualified_columns),
        cmocka_unit_test(test_long_expressions_are_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
