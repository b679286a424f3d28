/*
 * test_csv_infer.c — CSV schema inference against Spark 3.5's answers.
 *
 * The table tests run every CSV row of tests/io/data/expected.tsv (written by
 * scripts/gen-io-cases.py from real Spark). The unit tests below pin the
 * pieces underneath: the JVM number parsers, Spark's timestamp parser and
 * DateTimeFormatter patterns (cases checked against Spark by hand), options,
 * errors, and robustness on hostile input.
 */
#include "io_cases.h"

#include "io/io_internal.h"

static bool java_int(const char *s)
{
    return sb_io_java_int(s, strlen(s));
}
static bool java_long(const char *s)
{
    return sb_io_java_long(s, strlen(s));
}
static bool java_double(const char *s)
{
    return sb_io_java_double(s, strlen(s));
}

static void test_java_integers(void **state)
{
    (void)state;
    assert_true(java_int("0"));
    assert_true(java_int("-0"));
    assert_true(java_int("+5"));
    assert_true(java_int("007"));
    assert_true(java_int("2147483647"));
    assert_true(java_int("-2147483648"));
    assert_false(java_int("2147483648"));
    assert_false(java_int("-2147483649"));
    assert_false(java_int(""));
    assert_false(java_int("-"));
    assert_false(java_int("+"));
    assert_false(java_int(" 1"));
    assert_false(java_int("1 "));
    assert_false(java_int("1.0"));
    assert_false(java_int("1e3"));
    assert_true(java_long("9223372036854775807"));
    assert_true(java_long("-9223372036854775808"));
    assert_false(java_long("9223372036854775808"));
    assert_false(java_long("-9223372036854775809"));
    assert_false(java_long("99999999999999999999"));
}

static void test_java_bigdecimal(void **state)
{
    (void)state;
    int p;
    long s;
    assert_true(sb_io_java_bigdecimal("100.", 4, &p, &s));
    assert_int_equal(p, 3);
    assert_int_equal(s, 0);
    assert_true(sb_io_java_bigdecimal("12e0", 4, &p, &s));
    assert_int_equal(p, 2);
    assert_int_equal(s, 0);
    assert_true(sb_io_java_bigdecimal("1.5e1", 5, &p, &s));
    assert_int_equal(p, 2);
    assert_int_equal(s, 0);
    assert_true(sb_io_java_bigdecimal("1e5", 3, &p, &s));
    assert_int_equal(s, -5);
    assert_true(sb_io_java_bigdecimal("0.001", 5, &p, &s));
    assert_int_equal(p, 1);
    assert_int_equal(s, 3);
    assert_true(sb_io_java_bigdecimal("-000.000", 8, &p, &s));
    assert_int_equal(p, 1);
    assert_int_equal(s, 3);
    assert_true(sb_io_java_bigdecimal(".5", 2, &p, &s));
    assert_false(sb_io_java_bigdecimal(".", 1, &p, &s));
    assert_false(sb_io_java_bigdecimal("1e", 2, &p, &s));
    assert_false(sb_io_java_bigdecimal("1.2.3", 5, &p, &s));
    assert_false(sb_io_java_bigdecimal(" 1", 2, &p, &s));
    assert_false(sb_io_java_bigdecimal("1e99999999999", 13, &p, &s));
}

static void test_java_double(void **state)
{
    (void)state;
    assert_true(java_double("1"));
    assert_true(java_double(" 1.5 "));
    assert_true(java_double("1."));
    assert_true(java_double(".5"));
    assert_true(java_double("-1e-5"));
    assert_true(java_double("1.5f"));
    assert_true(java_double("2D"));
    assert_true(java_double("NaN"));
    assert_true(java_double("-Infinity"));
    assert_true(java_double("0x1p3"));
    assert_true(java_double("0x1.8P-1d"));
    assert_false(java_double("0x10"));
    assert_false(java_double("inf"));
    assert_false(java_double("nan"));
    assert_false(java_double("1e"));
    assert_false(java_double("."));
    assert_false(java_double(""));
    assert_false(java_double("   "));
    assert_false(java_double("1,5"));
}

static bool ts(const char *s)
{
    return sb_io_spark_timestamp(s, strlen(s), NULL, NULL);
}

static void test_spark_timestamp(void **state)
{
    (void)state;
    /* Spark 3.5's stringToTimestamp, as CSV inference sees it. */
    assert_true(ts("2024-01-15"));
    assert_true(ts("2024-1-5"));
    assert_true(ts("2024-01"));
    assert_true(ts("2024"));
    assert_true(ts("2024-01-15 "));
    assert_true(ts("2024-01-15 10"));
    assert_true(ts("2024-01-15T10:30"));
    assert_true(ts("2024-01-15 10:30:00.123456789"));
    assert_true(ts("2024-01-15T10:30:00Z"));
    assert_true(ts("2024-01-15 10:30:00+02:00"));
    assert_true(ts("2024-01-15 10:30:00 UTC"));
    assert_true(ts("2024-01-15 10:30:00 Europe/Paris"));
    assert_true(ts("2024-01-15 10:30:00 PST"));
    assert_true(ts("2024-01-15 10:30:00 GMT+1"));
    assert_true(ts("10:30:00"));
    assert_true(ts("T10:30"));
    assert_true(ts("+12024-01-15"));
    assert_false(ts("2024-02-30"));
    assert_false(ts("2023-13-01"));
    assert_false(ts("2024-01-15 24:00:00"));
    assert_false(ts("2024-01-15 10:30:00 Mars/Base"));
    assert_false(ts("2024-01-15 10:30:00 XYZ"));
    assert_false(ts("2024-01-15 10:30Z"));
    assert_false(ts("today"));
    assert_false(ts("15/01/2024"));
    assert_false(ts(""));
    assert_false(ts("-"));
    assert_false(ts("1234567-01-01"));
}

static bool pat(const char *pattern, const char *s)
{
    sb_arena *a = sb_arena_new();
    const char *err;
    sb_io_pattern *p = sb_io_pattern_compile(a, pattern, &err);
    bool ok = p && sb_io_pattern_match(p, s, strlen(s));
    sb_arena_free(a);
    return ok;
}

static void test_patterns(void **state)
{
    (void)state;
    assert_true(pat("yyyy-MM-dd", "2024-01-15"));
    assert_false(pat("yyyy-MM-dd", "2024-1-5"));
    assert_false(pat("yyyy-MM-dd", "12024-01-15"));
    assert_true(pat("yyyy-MM-dd", "+12024-01-15"));
    assert_false(pat("yyyy-MM-dd", "+2024-01-15"));
    assert_false(pat("yyyy-MM-dd", "2024-02-30"));
    assert_true(pat("yyyy-MM-dd", "2024-02-29"));
    assert_false(pat("yyyy-MM-dd", "2023-02-29"));
    assert_false(pat("yyyy-MM-dd", "2024-01-15 "));
    assert_true(pat("d/M/yyyy", "15/1/2024"));
    assert_false(pat("dd/MM/yyyy", "15/1/2024"));
    assert_true(pat("dd.MM.yy", "15.01.24"));
    assert_true(pat("MMM dd yyyy", "Jan 15 2024"));
    assert_true(pat("MMM dd yyyy", "jan 15 2024"));
    assert_true(pat("MM/dd/yyyy hh:mm a", "01/15/2024 10:30 PM"));
    assert_false(pat("MM/dd/yyyy hh:mm a", "01/15/2024 13:30 PM"));
    assert_true(pat("dd/MM/yyyy HH:mm:ss.SSS", "15/01/2024 10:30:00.1"));
    assert_false(pat("dd/MM/yyyy HH:mm:ss.SSS", "15/01/2024 10:30:00"));
    assert_false(pat("dd/MM/yyyy HH:mm:ss.SSS", "15/01/2024 10:30:00.1234"));
    assert_true(pat("yyyy-MM-dd'T'HH:mm:ssZ", "2024-01-15T10:30:00+0200"));
    assert_true(pat("yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-15T10:30:00Z"));
    assert_true(pat("yyyyMMdd", "20240115"));
    assert_true(pat("yyyy-MM-dd[ HH:mm]", "2024-01-15"));
    assert_true(pat("yyyy-MM-dd[ HH:mm]", "2024-01-15 10:30"));
    assert_false(pat("yyyy-MM-dd HH:mm", "2024-01-15 10:30xyz"));
    /* Patterns Spark refuses never match. */
    assert_false(pat("YYYY-ww", "2024-03"));
    assert_false(pat("EEE yyyy", "Mon 2024"));
    assert_false(pat("yyyy-MM-dd'", "2024-01-15"));
}

static const sb_type *infer_text(sb_arena *a, const char *text, const sb_io_options *o,
                                 size_t max_rows, sb_diags *d)
{
    return sb_io_infer_csv(a, text, strlen(text), o, max_rows, "mem.csv", d);
}

static void expect_schema(const char *text, const sb_io_options *o, size_t max_rows,
                          const char *want)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = infer_text(a, text, o, max_rows, &d);
    if (!t) io_print_diags(&d);
    assert_non_null(t);
    sb_buf b = SB_BUF_INIT;
    io_full_form(&b, t);
    assert_string_equal(sb_buf_str(&b), want);
    sb_buf_free(&b);
    sb_arena_free(a);
}

static void test_in_memory(void **state)
{
    (void)state;
    sb_io_options o = {.header = "true", .infer_schema = "true"};
    expect_schema("a,b\n1,x\n2,3\n", &o, 0, "struct<a:int,b:string>");
    /* max_rows stops the sample early. */
    expect_schema("a\n1\n2\nx\n", &o, 2, "struct<a:int>");
    expect_schema("a\n1\n2\nx\n", &o, 0, "struct<a:string>");
    /* Merging: int then long then decimal then double. */
    expect_schema("a\n1\n3000000000\n", &o, 0, "struct<a:bigint>");
    expect_schema("a\n1\n99999999999999999999\n", &o, 0, "struct<a:decimal(20,0)>");
    expect_schema("a\n99999999999999999999\n1.5\n", &o, 0, "struct<a:double>");
    expect_schema("a\n2024-01-15\n2024-01-15 10:00:00\n", &o, 0, "struct<a:timestamp>");
    expect_schema("a\n2024-01-15 10:00:00\n2024-01-15\n", &o, 0, "struct<a:timestamp>");
    expect_schema("a\ntrue\n1\n", &o, 0, "struct<a:string>");
    sb_io_options none = {0};
    expect_schema("x,y\n", &none, 0, "struct<_c0:string,_c1:string>");
    sb_io_options sep = {.sep = "\\t", .infer_schema = "true"};
    expect_schema("1\t2.5\n", &sep, 0, "struct<_c0:int,_c1:double>");
}

static void expect_error(const char *text, const sb_io_options *o, const char *needle)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = infer_text(a, text, o, 0, &d);
    assert_null(t);
    assert_true(d.errors > 0);
    bool found = false;
    for (size_t i = 0; i < sb_diags_count(&d); i++)
        if (strstr(sb_diags_at(&d, i)->message, needle)) found = true;
    if (!found) io_print_diags(&d);
    assert_true(found);
    sb_arena_free(a);
}

static void test_bad_options(void **state)
{
    (void)state;
    sb_io_options o = {.header = "yes"};
    expect_error("a\n", &o, "option header must be true or false");
    sb_io_options q = {.quote = "ab"};
    expect_error("a\n", &q, "quote cannot be more than one character");
    sb_io_options s = {.sep = ""};
    expect_error("a\n", &s, "delimiter cannot be empty");
    sb_io_options s2 = {.sep = "\\x"};
    expect_error("a\n", &s2, "unsupported special character");
    sb_io_options e = {.encoding = "KOI8-R"};
    expect_error("a\n", &e, "cannot read the encoding \"KOI8-R\"");
}

static void test_options_set(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_io_options o = {0};
    assert_int_equal(sb_io_options_set(&o, a, "INFERSCHEMA", "true"), 0);
    assert_int_equal(sb_io_options_set(&o, a, "delimiter", ";"), 0);
    assert_int_equal(sb_io_options_set(&o, a, "charset", "latin1"), 0);
    assert_int_equal(sb_io_options_set(&o, a, "nosuchoption", "x"), -1);
    assert_string_equal(o.infer_schema, "true");
    assert_string_equal(o.sep, ";");
    assert_string_equal(o.encoding, "latin1");
    sb_arena_free(a);
}

static void test_missing_file_message(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = sb_io_infer_schema(a, "csv", "data/orders-missing.csv", NULL, 0, &d);
    assert_null(t);
    assert_int_equal(sb_diags_count(&d), 1);
    assert_string_equal(sb_diags_at(&d, 0)->message,
                        "cannot read data/orders-missing.csv: No such file or directory");
    sb_diags_init(&d, a);
    assert_null(sb_io_infer_schema(a, "avro", "x.avro", NULL, 0, &d));
    assert_true(d.errors == 1);
    sb_arena_free(a);
}

static void test_invalid_utf8_warns(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_io_options o = {.header = "true"};
    const char text[] = "a\xff,b\n1,2\n";
    const sb_type *t = sb_io_infer_csv(a, text, sizeof text - 1, &o, 0, "bad.csv", &d);
    assert_non_null(t);
    assert_string_equal(t->fields[0].name, "a\xef\xbf\xbd");
    assert_int_equal(d.warnings, 1);
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "bad.csv: line 1"));
    sb_arena_free(a);
}

/* Deterministic garbage through every option combination: no crash, no
 * sanitizer report, always a schema or an error. */
static void test_hostile_input(void **state)
{
    (void)state;
    uint32_t x = 12345;
    static const char alphabet[] = "a1,\"\\\n\r;#' \t.-e+:T\xff\xc3";
    for (int round = 0; round < 400; round++) {
        char buf[300];
        size_t n = (size_t)(round % 299);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
        }
        sb_io_options o = {.header = round & 1 ? "true" : "false",
                           .infer_schema = "true",
                           .multi_line = round & 2 ? "true" : "false",
                           .escape = round & 4 ? "\"" : NULL,
                           .comment = round & 8 ? "#" : NULL,
                           .sep = round & 16 ? ";" : NULL,
                           .ignore_leading_white_space = round & 32 ? "true" : NULL};
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        const sb_type *t = sb_io_infer_csv(a, buf, n, &o, 0, "fuzz.csv", &d);
        assert_true(t != NULL || d.errors > 0);
        sb_arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_integers),
        cmocka_unit_test(test_java_bigdecimal),
        cmocka_unit_test(test_java_double),
        cmocka_unit_test(test_spark_timestamp),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_in_memory),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_options_set),
        cmocka_unit_test(test_missing_file_message),
        cmocka_unit_test(test_invalid_utf8_warns),
        cmocka_unit_test(test_hostile_input),
    };
    int failed = cmocka_run_group_tests_name("csv_units", tests, NULL, NULL);
    failed += io_run_table("csv", NULL);
    return failed ? 1 : 0;
}
