/*
 * test_edge.c — reading what a run prints: SIBYL-EDGE lines (schema, typed
 * rows, counts, timings), SIBYL-ERROR / SIBYL-DONE, Livy statement outputs,
 * and the run result's JSON form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_internal.h"

static int parse_edge(sb_arena *a, const char *json, sb_fabric_edge *e, const char **err)
{
    *err = NULL;
    return sb_fabric_edge_parse(a, json, strlen(json), e, err);
}

static void test_edge_objects(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_fabric_edge e;
    const char *err;
    int rc = parse_edge(a,
                        "{\"gem\":\"clean_orders\",\"port\":\"out\",\"count\":123,"
                        "\"rows\":[{\"id\":1,\"amount\":\"12.50\",\"day\":\"2024-01-02\","
                        "\"x\":\"NaN\",\"tags\":[\"a\"],\"ok\":true},"
                        "{\"id\":null,\"amount\":null,\"day\":null,\"x\":1.5,\"tags\":[],\"ok\":false}],"
                        "\"schema\":[{\"name\":\"id\",\"type\":\"int\",\"nullable\":false},"
                        "{\"name\":\"amount\",\"type\":\"decimal(10,2)\",\"nullable\":true},"
                        "{\"name\":\"day\",\"type\":\"date\"},"
                        "{\"name\":\"x\",\"type\":\"double\",\"nullable\":true},"
                        "{\"name\":\"tags\",\"type\":\"array<string>\",\"nullable\":true},"
                        "{\"name\":\"ok\",\"type\":\"boolean\",\"nullable\":true}],\"ms\":12}",
                        &e, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(e.gem, "clean_orders");
    assert_string_equal(e.port, "out");
    assert_int_equal(e.count, 123);
    assert_true(e.ms == 12);
    assert_int_equal(e.schema->nfields, 6);
    assert_int_equal(e.schema->fields[1].type->kind, SB_T_DECIMAL);
    assert_int_equal(e.schema->fields[1].type->precision, 10);
    assert_false(e.schema->fields[0].nullable);
    assert_true(e.schema->fields[2].nullable); /* default */
    assert_int_equal(e.schema->fields[4].type->kind, SB_T_ARRAY);
    assert_int_equal(e.nrows, 2);
    /* Values are aligned to the schema's order, whatever the key order. */
    assert_int_equal(e.rows[0][0]->kind, SB_JSON_NUMBER);
    assert_true(e.rows[0][0]->u.number.value == 1);
    assert_string_equal(e.rows[0][1]->u.string.s, "12.50");
    assert_string_equal(e.rows[0][3]->u.string.s, "NaN");
    assert_int_equal(e.rows[1][0]->kind, SB_JSON_NULL);
    assert_true(e.rows[1][5]->kind == SB_JSON_BOOL && !e.rows[1][5]->u.boolean);
    sb_arena_free(a);
}

static void test_edge_arrays_and_defaults(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_fabric_edge e;
    const char *err;
    /* Two columns with one name: rows come as arrays. No port, count, ms. */
    int rc = parse_edge(a,
                        "{\"gem\":\"j\",\"rows\":[[1,\"a\"],[2,\"b\"]],"
                        "\"schema\":[{\"name\":\"k\",\"type\":\"bigint\"},"
                        "{\"name\":\"k\",\"type\":\"string\"}]}",
                        &e, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(e.port, "out");
    assert_int_equal(e.count, -1);
    assert_true(e.ms < 0);
    assert_int_equal(e.nrows, 2);
    assert_string_equal(e.rows[1][1]->u.string.s, "b");
    /* An empty sample is fine. */
    rc = parse_edge(a, "{\"gem\":\"g\",\"count\":0,\"rows\":[],\"schema\":[]}", &e, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(e.nrows, 0);
    assert_int_equal(e.count, 0);
    sb_arena_free(a);
}

static void expect_error(const char *json, const char *needle)
{
    sb_arena *a = sb_arena_new();
    sb_fabric_edge e;
    const char *err;
    int rc = parse_edge(a, json, &e, &err);
    assert_int_equal(rc, -1);
    assert_non_null(err);
    if (!strstr(err, needle)) fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
    sb_arena_free(a);
}

static void test_edge_errors(void **state)
{
    expect_error("{\"gem\":", "not valid JSON");
    expect_error("[1]", "not a JSON object");
    expect_error("{\"port\":\"out\",\"schema\":[]}", "gem");
    expect_error("{\"gem\":\"g\"}", "schema");
    expect_error("{\"gem\":\"g\",\"count\":-1,\"schema\":[]}", "count");
    expect_error("{\"gem\":\"g\",\"count\":1.5,\"schema\":[]}", "count");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"nosuchtype\"}]}",
                 "nosuchtype");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\"}]}", "type");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"int\"}],"
                 "\"rows\":[{\"a\":\"x\"}]}",
                 "row 1 column a: a string value where int was expected");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"int\"}],"
                 "\"rows\":[{\"a\":1.5}]}",
                 "where int was expected");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"double\"}],"
                 "\"rows\":[{\"a\":\"many\"}]}",
                 "where double was expected");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"int\"}],"
                 "\"rows\":[{\"b\":1}]}",
                 "no value for column a");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"int\"}],"
                 "\"rows\":[[1,2]]}",
                 "2 values for 1 columns");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"a\",\"type\":\"int\"}],\"rows\":[3]}",
                 "not an object or an array");
    expect_error("{\"gem\":\"g\",\"schema\":[{\"name\":\"d\",\"type\":\"date\"}],"
                 "\"rows\":[{\"d\":20240101}]}",
                 "where date was expected");
}

static sb_run_request no_request = {0};

static void test_result_lines(void **state)
{
    sb_run_result r;
    sb_run_result_init(&r);
    const char *text =
        "hello\n"
        "SIBYL-EDGE {\"gem\":\"a\",\"count\":2,\"rows\":[{\"x\":1}],\"schema\":[{\"name\":\"x\","
        "\"type\":\"int\"}],\"ms\":5}\n"
        "SIBYL-EDGE {\"gem\":\"b\",\"count\":oops}\n"
        "SIBYL-ERROR {\"ename\":\"AnalysisException\",\"evalue\":\"[UNRESOLVED_COLUMN] x is "
        "not there\\nmore\",\"traceback\":[\"Traceback\\n\",\"  line 1\\n\"]}\n"
        "SIBYL-DONE {\"status\":\"error\",\"ms\":42.5}\n";
    sb_run_result_text(&r, &no_request, text, strlen(text));
    assert_int_equal(r.edges.len, 1);
    const sb_fabric_edge *e = sb_run_result_edge(&r, "a", NULL);
    assert_non_null(e);
    assert_int_equal(e->count, 2);
    assert_null(sb_run_result_edge(&r, "b", "out"));
    assert_int_equal(r.notices.len, 1); /* the unreadable line */
    assert_int_equal(r.output.len, 1);
    assert_string_equal(r.output.items[0], "hello");
    assert_int_equal(r.state, SB_RUN_FAILED);
    assert_string_equal(r.error, "AnalysisException: [UNRESOLVED_COLUMN] x is not there");
    assert_string_equal(r.error_class, "AnalysisException");
    assert_string_equal(r.detail, "Traceback\n  line 1\n");
    assert_true(r.spark_ms == 42.5);
    /* The first failure wins. */
    sb_run_result_fail(&r, SB_RUN_LOST, NULL, "later");
    assert_int_equal(r.state, SB_RUN_FAILED);
    sb_run_result_free(&r);
}

static void test_short_error(void **state)
{
    sb_arena *a = sb_arena_new();
    assert_string_equal(
        sb_fabric_short_error(a, "An error occurred while calling o42.count.\n: "
                                 "org.apache.spark.SparkException: Job aborted.\n\tat x"),
        "org.apache.spark.SparkException: Job aborted.");
    assert_string_equal(sb_fabric_short_error(a, "plain message  \nsecond"), "plain message");
    assert_string_equal(sb_fabric_short_error(a, NULL), "");
    sb_arena_free(a);
}

static sb_json *json(sb_arena *a, const char *text)
{
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *v = sb_json_parse(a, text, strlen(text), &d);
    assert_non_null(v);
    return v;
}

static void test_livy_outputs(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_run_result r;

    /* Success: text/plain carries the edge lines. */
    sb_run_result_init(&r);
    bool died = sb_fabric_livy_output(
        &r, &no_request,
        json(a, "{\"status\":\"ok\",\"execution_count\":3,\"data\":{\"text/plain\":"
                "\"SIBYL-EDGE {\\\"gem\\\":\\\"g\\\",\\\"count\\\":7,\\\"rows\\\":[],"
                "\\\"schema\\\":[]}\\nSIBYL-DONE {\\\"status\\\":\\\"ok\\\",\\\"ms\\\":9}\"}}"));
    assert_false(died);
    assert_int_equal(r.state, SB_RUN_SUCCEEDED);
    assert_int_equal(r.edges.len, 1);
    assert_int_equal(((sb_fabric_edge *)r.edges.items[0])->count, 7);
    assert_true(r.spark_ms == 9);
    sb_run_result_free(&r);

    /* A statement error. */
    sb_run_result_init(&r);
    died = sb_fabric_livy_output(
        &r, &no_request,
        json(a, "{\"status\":\"error\",\"execution_count\":1,\"ename\":\"NameError\","
                "\"evalue\":\"name 'x' is not defined\",\"traceback\":[\"a\\n\",\"b\\n\"]}"));
    assert_false(died);
    assert_int_equal(r.state, SB_RUN_FAILED);
    assert_string_equal(r.error, "NameError: name 'x' is not defined");
    assert_string_equal(r.detail, "a\nb\n");
    sb_run_result_free(&r);

    /* The interpreter died: the session is lost. */
    sb_run_result_init(&r);
    died = sb_fabric_livy_output(
        &r, &no_request,
        json(a, "{\"status\":\"error\",\"ename\":\"Error\",\"evalue\":\"Interpreter died:\\n"
                "java.lang.OutOfMemoryError\",\"traceback\":[]}"));
    assert_true(died);
    assert_int_equal(r.state, SB_RUN_LOST);
    assert_non_null(strstr(r.detail, "OutOfMemoryError"));
    sb_run_result_free(&r);
    sb_arena_free(a);
}

static void test_result_json(void **state)
{
    sb_run_result r;
    sb_run_result_init(&r);
    const char *line = "SIBYL-EDGE {\"gem\":\"a\",\"count\":1,\"rows\":[{\"x\":1,\"s\":\"q\\\"\"}],"
                       "\"schema\":[{\"name\":\"x\",\"type\":\"int\",\"nullable\":false},"
                       "{\"name\":\"s\",\"type\":\"string\"}],\"ms\":2}";
    sb_run_result_line(&r, &no_request, line, strlen(line));
    sb_buf out = SB_BUF_INIT;
    sb_run_result_write_json(&out, &r);
    /* It is valid JSON and says what it should. */
    sb_arena *a = sb_arena_new();
    sb_json *v = json(a, out.data);
    assert_string_equal(sb_json_get(v, "state")->u.string.s, "succeeded");
    const sb_json *edges = sb_json_get(v, "edges");
    assert_int_equal(edges->u.array.len, 1);
    const sb_json *rows = sb_json_get(edges->u.array.items[0], "rows");
    assert_string_equal(rows->u.array.items[0]->u.array.items[1]->u.string.s, "q\"");
    assert_non_null(strstr(out.data, "\"type\":\"int\",\"nullable\":false"));
    sb_buf_free(&out);
    sb_arena_free(a);
    sb_run_result_free(&r);
}

static void on_edge(void *ud, const sb_fabric_edge *e)
{
    (*(int *)ud)++;
}

static void test_edge_callback(void **state)
{
    int seen = 0;
    sb_run_request req = {.on_edge = on_edge, .ud = &seen};
    sb_run_result r;
    sb_run_result_init(&r);
    const char *text = "SIBYL-EDGE {\"gem\":\"a\",\"schema\":[]}\r\n"
                       "SIBYL-EDGE {\"gem\":\"b\",\"schema\":[]}";
    sb_run_result_text(&r, &req, text, strlen(text));
    assert_int_equal(seen, 2);
    assert_int_equal(r.output.len, 0);
    sb_run_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_objects),     cmocka_unit_test(test_edge_arrays_and_defaults),
        cmocka_unit_test(test_edge_errors),      cmocka_unit_test(test_result_lines),
        cmocka_unit_test(test_short_error),      cmocka_unit_test(test_livy_outputs),
        cmocka_unit_test(test_result_json),      cmocka_unit_test(test_edge_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
