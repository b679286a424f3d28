/*
 * test_json_infer.c — JSON schema inference against Spark 3.5's answers.
 *
 * The table tests run every JSON row of tests/io/data/expected.tsv (written
 * by scripts/gen-io-cases.py from real Spark). The unit tests pin merging,
 * modes, limits and robustness on input Spark itself cannot be asked about
 * (nesting deep enough to overflow its stack).
 */
#include "io_cases.h"

#include "io/io_internal.h"

static const sb_type *infer(sb_arena *a, const char *text, const sb_io_options *o, size_t max_rows,
                            sb_diags *d)
{
    return sb_io_infer_json(a, text, strlen(text), o, max_rows, "mem.json", d);
}

static void expect_schema(const char *text, const sb_io_options *o, size_t max_rows,
                          const char *want)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = infer(a, text, o, max_rows, &d);
    if (!t) io_print_diags(&d);
    assert_non_null(t);
    sb_buf b = SB_BUF_INIT;
    io_full_form(&b, t);
    if (strcmp(sb_buf_str(&b), want) != 0) fprintf(stderr, "got %s\n", sb_buf_str(&b));
    assert_string_equal(sb_buf_str(&b), want);
    sb_buf_free(&b);
    sb_arena_free(a);
}

static void test_merging(void **state)
{
    (void)state;
    expect_schema("{\"b\":1,\"a\":\"x\"}\n", NULL, 0, "struct<a:string,b:bigint>");
    expect_schema("{\"a\":1}\n{\"a\":2.5}\n", NULL, 0, "struct<a:double>");
    expect_schema("{\"a\":1}\n{\"a\":\"x\"}\n", NULL, 0, "struct<a:string>");
    expect_schema("{\"a\":[1]}\n{\"a\":[\"x\"]}\n", NULL, 0, "struct<a:array<string>>");
    expect_schema("{\"a\":{\"y\":1}}\n{\"a\":{\"x\":true}}\n", NULL, 0,
                  "struct<a:struct<x:boolean,y:bigint>>");
    expect_schema("{\"a\":null}\n", NULL, 0, "struct<a:string>");
    expect_schema("{\"a\":\"\"}\n{\"a\":5}\n", NULL, 0, "struct<a:bigint>");
    /* max_rows: only the first record is sampled. */
    expect_schema("{\"a\":1}\n{\"a\":\"x\"}\n", NULL, 1, "struct<a:bigint>");
    sb_io_options dec = {.prefers_decimal = "true"};
    expect_schema("{\"a\":1}\n{\"a\":1.5}\n", &dec, 0, "struct<a:decimal(21,1)>");
}

static void test_corrupt_records(void **state)
{
    (void)state;
    expect_schema("{\"a\":1}\nnot json\n", NULL, 0, "struct<_corrupt_record:string,a:bigint>");
    sb_io_options drop = {.mode = "DROPMALFORMED"};
    expect_schema("{\"a\":1}\nnot json\n", &drop, 0, "struct<a:bigint>");
    sb_io_options name = {.column_name_of_corrupt_record = "_bad"};
    expect_schema("{\"a\":1}\n[\n", &name, 0, "struct<_bad:string,a:bigint>");

    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_io_options ff = {.mode = "FAILFAST"};
    assert_null(infer(a, "{\"a\":1}\n{\"a\":\n", &ff, 0, &d));
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "line 2"));
    /* A record that is not an object fails FAILFAST too, naming its line. */
    sb_diags_init(&d, a);
    assert_null(infer(a, "{\"a\":1}\n\n42\n", &ff, 0, &d));
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "line 3 of mem.json"));
    /* PERMISSIVE warns once with the count. */
    sb_diags_init(&d, a);
    assert_non_null(infer(a, "{\"a\":1}\nx\ny\n", NULL, 0, &d));
    assert_int_equal(d.warnings, 1);
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "2 malformed records"));
    sb_arena_free(a);
}

static void test_depth(void **state)
{
    (void)state;
    /* Jackson stops at 1000 levels: deeper records are malformed. Far deeper
     * input must not exhaust the stack. */
    size_t depths[] = {999, 1000, 1001, 200000};
    for (size_t k = 0; k < SB_COUNTOF(depths); k++) {
        size_t n = depths[k];
        sb_buf b = SB_BUF_INIT;
        sb_buf_puts(&b, "{\"a\":");
        sb_buf_fill(&b, '[', n - 1);
        sb_buf_fill(&b, ']', n - 1);
        sb_buf_puts(&b, "}\n");
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        const sb_type *t = infer(a, sb_buf_str(&b), NULL, 0, &d);
        assert_non_null(t);
        bool corrupt = strcmp(t->fields[0].name, "_corrupt_record") == 0;
        assert_true(corrupt == (n > 1000));
        sb_arena_free(a);
        sb_buf_free(&b);
    }
}

static void test_key_order(void **state)
{
    (void)state;
    /* Java's String.compareTo orders UTF-16 code units: a supplementary
     * character (surrogates D83D...) sorts before U+FF21. */
    expect_schema("{\"\xef\xbc\xa1\":1,\"\xf0\x9f\x98\x80\":2,\"b\":3}\n", NULL, 0,
                  "struct<b:bigint,\xf0\x9f\x98\x80:bigint,\xef\xbc\xa1:bigint>");
    assert_true(sb_io_utf16_cmp("\xf0\x9f\x98\x80", "\xef\xbc\xa1") < 0);
    assert_true(sb_io_utf16_cmp("a", "ab") < 0);
    assert_true(sb_io_utf16_cmp("", "") == 0);
    assert_true(sb_io_utf16_cmp("B", "a") < 0);
}

static void test_duplicates_are_errors(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    assert_null(infer(a, "{\"a\":{\"X\":1,\"x\":2}}\n", NULL, 0, &d));
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(sb_diags_at(&d, 0)->message, "COLUMN_ALREADY_EXISTS"));
    sb_arena_free(a);
}

static void test_hostile_input(void **state)
{
    (void)state;
    uint32_t x = 777;
    static const char alphabet[] = "{}[]\":,'1.e-+NaIfty nul\\u0\n\r\xff\xc3";
    for (int round = 0; round < 600; round++) {
        char buf[256];
        size_t n = (size_t)(round % 255);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
        }
        sb_io_options o = {.prefers_decimal = round & 1 ? "true" : NULL,
                           .multi_line = round & 2 ? "true" : NULL,
                           .infer_timestamp = round & 4 ? "true" : NULL,
                           .primitives_as_string = round & 8 ? "true" : NULL};
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        const sb_type *t = sb_io_infer_json(a, buf, n, &o, 0, "fuzz.json", &d);
        assert_true(t != NULL || d.errors > 0);
        sb_arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merging),
        cmocka_unit_test(test_corrupt_records),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_duplicates_are_errors),
        cmocka_unit_test(test_hostile_input),
    };
    int failed = cmocka_run_group_tests_name("json_units", tests, NULL, NULL);
    failed += io_run_table("json", NULL);
    return failed ? 1 : 0;
}
