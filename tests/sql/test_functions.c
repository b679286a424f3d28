/*
 * test_functions.c — the function catalogue: lookup, "did you mean", the
 * pyspark names the code generator will use (checked against the list of
 * pyspark.sql.functions in pyspark 3.5), coverage of the functions sibyl
 * promises to know, and docs/functions.md, which is generated from the
 * catalogue (SIBYL_UPDATE_DOCS=1 rewrites it).
 *
 * Result types are tested against real Spark in test_check.c.
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

static void test_catalogue_shape(void **state)
{
    (void)state;
    size_t n;
    const sb_func *const *all = sb_sql_func_all(&n);
    assert_true(n >= 300);
    for (size_t i = 0; i < n; i++) {
        const sb_func *f = all[i];
        if (i) assert_true(strcmp(all[i - 1]->name, f->name) < 0); /* sorted, unique */
        for (const char *c = f->name; *c; c++)
            if (*c >= 'A' && *c <= 'Z') fail_msg("%s is not lower-case", f->name);
        assert_non_null(f->result);
        assert_non_null(f->signature);
        assert_non_null(f->summary);
        assert_true(f->min_args >= 0);
        if (f->max_args >= 0) assert_true(f->max_args >= f->min_args);
        assert_ptr_equal(sb_sql_func_lookup(f->name), f);
    }
}

static void test_lookup(void **state)
{
    (void)state;
    const sb_func *f = sb_sql_func_lookup("CONCAT_WS");
    assert_non_null(f);
    assert_string_equal(f->name, "concat_ws");
    assert_int_equal(f->cls, SB_FUNC_SCALAR);
    assert_int_equal(f->min_args, 1);
    assert_int_equal(f->max_args, -1);
    assert_int_equal(sb_sql_func_lookup("Sum")->cls, SB_FUNC_AGGREGATE);
    assert_int_equal(sb_sql_func_lookup("row_number")->cls, SB_FUNC_WINDOW);
    assert_int_equal(sb_sql_func_lookup("explode")->cls, SB_FUNC_GENERATOR);
    assert_non_null(sb_sql_func_lookup("ucase"));
    assert_non_null(sb_sql_func_lookup("nvl"));
    assert_null(sb_sql_func_lookup("no_such_function"));
    assert_null(sb_sql_func_lookup(""));
    assert_null(sb_sql_func_lookup(NULL));
    /* a name longer than any function name */
    assert_null(
        sb_sql_func_lookup("a_very_long_name_that_is_certainly_not_a_spark_function_at_all_x"));
}

static void test_suggest(void **state)
{
    (void)state;
    assert_string_equal(sb_sql_func_suggest("concatws"), "concat_ws");
    assert_string_equal(sb_sql_func_suggest("upperr"), "upper");
    assert_string_equal(sb_sql_func_suggest("date_formt"), "date_format");
    assert_string_equal(sb_sql_func_suggest("COLECT_LIST"), "collect_list");
    assert_string_equal(sb_sql_func_suggest("rownumber"), "row_number");
    assert_null(sb_sql_func_suggest("xyzzy"));
    assert_null(sb_sql_func_suggest(""));
}

/* Every function the platform promises to type-check. */
static const char *const REQUIRED[] = {
    "concat",
    "concat_ws",
    "upper",
    "ucase",
    "lower",
    "lcase",
    "trim",
    "ltrim",
    "rtrim",
    "substring",
    "substr",
    "length",
    "char_length",
    "replace",
    "regexp_replace",
    "regexp_extract",
    "regexp_extract_all",
    "split",
    "lpad",
    "rpad",
    "initcap",
    "instr",
    "locate",
    "reverse",
    "repeat",
    "translate",
    "left",
    "right",
    "format_number",
    "format_string",
    "ascii",
    "base64",
    "unbase64",
    "contains",
    "startswith",
    "endswith",
    "levenshtein",
    "soundex",
    "abs",
    "round",
    "bround",
    "floor",
    "ceil",
    "ceiling",
    "pow",
    "power",
    "sqrt",
    "cbrt",
    "exp",
    "ln",
    "log",
    "log10",
    "log2",
    "mod",
    "pmod",
    "greatest",
    "least",
    "sign",
    "signum",
    "rand",
    "randn",
    "negative",
    "positive",
    "e",
    "pi",
    "degrees",
    "radians",
    "sin",
    "cos",
    "tan",
    "if",
    "coalesce",
    "nvl",
    "nvl2",
    "ifnull",
    "nullif",
    "isnull",
    "isnotnull",
    "isnan",
    "nanvl",
    "assert_true",
    "current_date",
    "current_timestamp",
    "now",
    "to_date",
    "to_timestamp",
    "date_format",
    "year",
    "quarter",
    "month",
    "dayofmonth",
    "day",
    "dayofweek",
    "dayofyear",
    "weekofyear",
    "weekday",
    "hour",
    "minute",
    "second",
    "date_add",
    "date_sub",
    "datediff",
    "months_between",
    "add_months",
    "last_day",
    "next_day",
    "trunc",
    "date_trunc",
    "unix_timestamp",
    "from_unixtime",
    "to_unix_timestamp",
    "make_date",
    "make_timestamp",
    "from_utc_timestamp",
    "to_utc_timestamp",
    "count",
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "first",
    "first_value",
    "last",
    "last_value",
    "collect_list",
    "collect_set",
    "stddev",
    "stddev_samp",
    "stddev_pop",
    "variance",
    "var_samp",
    "var_pop",
    "approx_count_distinct",
    "count_if",
    "any_value",
    "bool_and",
    "every",
    "bool_or",
    "some",
    "max_by",
    "min_by",
    "percentile_approx",
    "median",
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "nth_value",
    "array",
    "map",
    "struct",
    "named_struct",
    "size",
    "array_contains",
    "element_at",
    "explode",
    "explode_outer",
    "posexplode",
    "inline",
    "array_distinct",
    "array_join",
    "sort_array",
    "flatten",
    "map_keys",
    "map_values",
    "transform",
    "filter",
    "exists",
    "aggregate",
    "md5",
    "sha1",
    "sha2",
    "hash",
    "xxhash64",
    "crc32",
    "to_json",
    "from_json",
    "get_json_object",
    "json_tuple",
    "uuid",
    "monotonically_increasing_id",
    "spark_partition_id",
    "input_file_name",
};

static void test_required_functions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof REQUIRED / sizeof *REQUIRED; i++)
        if (!sb_sql_func_lookup(REQUIRED[i])) fail_msg("function %s is missing", REQUIRED[i]);
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

static void test_pyspark_names(void **state)
{
    (void)state;
    char *text;
    size_t len;
    assert_int_equal(sb_read_file("tests/sql/cases/pyspark_functions.txt", &text, &len), 0);
    /* Put the names in a vector of lines. */
    size_t cap = 1024, nnames = 0;
    const char **names = malloc(cap * sizeof *names);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#' || !l[0]) continue;
        if (nnames == cap) names = realloc(names, (cap *= 2) * sizeof *names);
        names[nnames++] = l;
    }
    assert_true(nnames > 300);
    size_t n;
    const sb_func *const *all = sb_sql_func_all(&n);
    size_t mapped = 0;
    for (size_t i = 0; i < n; i++) {
        const sb_func *f = all[i];
        if (f->pyspark) {
            if (!in_list(f->pyspark, names, nnames))
                fail_msg("%s: pyspark.sql.functions has no %s", f->name, f->pyspark);
            mapped++;
        } else if (in_list(f->name, names, nnames)) {
            fail_msg("%s: pyspark.sql.functions.%s exists but the catalogue does not name it",
                     f->name, f->name);
        }
    }
    assert_true(mapped >= 250);
    free(names);
    free(text);
}

/* ---- docs/functions.md ---------------------------------------------------- */

static void md_escape(sb_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            sb_buf_puts(b, "\\|");
        else
            sb_buf_putc(b, *s);
    }
}

static void render_docs(sb_buf *b)
{
    static const struct {
        sb_func_class cls;
        const char *title;
        const char *intro;
    } sections[] = {
        {SB_FUNC_SCALAR, "Scalar functions", "One value per row."},
        {SB_FUNC_AGGREGATE, "Aggregate functions",
         "Allowed in Aggregate gems and grouped queries, and with OVER (...) as window "
         "aggregates."},
        {SB_FUNC_WINDOW, "Window functions", "Only with OVER (...)."},
        {SB_FUNC_GENERATOR, "Generators",
         "One input row to many output rows; alone in a select item (Reformat, SELECT)."},
    };
    size_t n;
    const sb_func *const *all = sb_sql_func_all(&n);
    sb_buf_puts(b, "# Spark SQL functions\n\n"
                   "The built-in functions that sibyl type-checks, with the result types of "
                   "Spark 3.5\n(`spark.sql.ansi.enabled=false`). Other names are reported as "
                   "unknown functions.\nThe pyspark column gives the `pyspark.sql.functions` "
                   "function of the same meaning\n(its Python arguments may differ: some take "
                   "Python values rather than columns);\nwhere it is empty, generated code "
                   "uses `F.expr(...)`.\n\n"
                   "This file is generated from `src/sql/functions.c`; regenerate it with\n"
                   "`SIBYL_UPDATE_DOCS=1 build/tests/sql_test_functions` (run from the "
                   "repository root).\n");
    for (size_t s = 0; s < sizeof sections / sizeof *sections; s++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++) count += all[i]->cls == sections[s].cls;
        sb_buf_printf(b, "\n## %s (%zu)\n\n%s\n\n", sections[s].title, count, sections[s].intro);
        sb_buf_puts(b, "| function | pyspark | description |\n|---|---|---|\n");
        for (size_t i = 0; i < n; i++) {
            const sb_func *f = all[i];
            if (f->cls != sections[s].cls) continue;
            sb_buf_puts(b, "| `");
            md_escape(b, f->signature);
            sb_buf_puts(b, "` | ");
            if (f->pyspark) sb_buf_printf(b, "`F.%s`", f->pyspark);
            sb_buf_puts(b, " | ");
            md_escape(b, f->summary);
            sb_buf_puts(b, " |\n");
        }
    }
}

static void test_docs_up_to_date(void **state)
{
    (void)state;
    sb_buf b = SB_BUF_INIT;
    render_docs(&b);
    const char *path = "docs/functions.md";
    if (getenv("SIBYL_UPDATE_DOCS")) {
        assert_int_equal(sb_write_file_atomic(path, b.data, b.len), 0);
        printf("wrote %s\n", path);
    }
    char *text = NULL;
    size_t len = 0;
    int rc = sb_read_file(path, &text, &len);
    if (rc != 0) fail_msg("%s is missing; run with SIBYL_UPDATE_DOCS=1", path);
    if (len != b.len || memcmp(text, b.data, len) != 0)
        fail_msg("%s is out of date with src/sql/functions.c; run with SIBYL_UPDATE_DOCS=1", path);
    free(text);
    sb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_shape), cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_suggest),         cmocka_unit_test(test_required_functions),
        cmocka_unit_test(test_pyspark_names),   cmocka_unit_test(test_docs_up_to_date),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
