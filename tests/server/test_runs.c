/*
 * test_runs.c — the parts of interactive runs that need no server: the
 * Server-Sent Events format, the replay of a finished run from what the
 * store kept, cutting a pipeline down to a gem and its upstream, and which
 * fabric definitions the server accepts. The runs themselves, on real
 * Spark, are tests/server/runs_test.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server_internal.h"
#include "spec/spec.h"

#include <string.h>

static void test_sse_format(void **state)
{
    sb_buf b = SB_BUF_INIT;
    sb_runs_sse(&b, "edge", "{\"gem\":\"a\"}", 11);
    assert_string_equal(b.data, "event: edge\ndata: {\"gem\":\"a\"}\n\n");
    sb_buf_reset(&b);
    /* A line break inside the data must not end the event early. */
    const char *two = "line one\nline two\r\n";
    sb_runs_sse(&b, "notice", two, strlen(two));
    assert_string_equal(b.data, "event: notice\ndata: line one\ndata: line two\ndata: \n\n");
    sb_buf_free(&b);
}

/* The events of a text, as (event, data) pairs. */
static size_t split_events(sb_arena *a, const char *text, const char **names, const char **data,
                           size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < max) {
        const char *end = strstr(p, "\n\n");
        assert_non_null(end);
        assert_true(strncmp(p, "event: ", 7) == 0);
        const char *nl = strchr(p, '\n');
        names[n] = sb_arena_strndup(a, p + 7, (size_t)(nl - p - 7));
        assert_true(strncmp(nl + 1, "data: ", 6) == 0);
        data[n] = sb_arena_strndup(a, nl + 7, (size_t)(end - nl - 7));
        n++;
        p = end + 2;
    }
    return n;
}

static sb_json *parse(sb_arena *a, const char *s)
{
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *j = sb_json_parse(a, s, strlen(s), &d);
    assert_non_null(j);
    return j;
}

static void test_replay(void **state)
{
    sb_arena *a = sb_arena_new();
    const char *metrics =
        "{\"gems\":{\"orders\":{\"rows\":3,\"ms\":10.0},\"big\":{\"rows\":1,\"ms\":2.0}},"
        "\"edges\":[{\"gem\":\"orders\",\"port\":\"out\",\"count\":3,\"ms\":10.0,"
        "\"schema\":[{\"name\":\"id\",\"type\":\"int\",\"nullable\":true}],\"sample_rows\":2,"
        "\"truncated\":true},"
        "{\"gem\":\"big\",\"port\":\"out\",\"count\":1,\"ms\":2.0,"
        "\"schema\":[{\"name\":\"id\",\"type\":\"int\",\"nullable\":true}],\"sample_rows\":1,"
        "\"truncated\":false}],"
        "\"notices\":[\"starting a local Spark driver\"],\"wall_ms\":50.0,\"spark_ms\":40.0,"
        "\"sample_rows\":2,\"error\":{\"class\":\"ValueError\",\"hint\":\"look at gem big\"}}";
    sb_store_run run = {
        .id = 7, .status = "failed", .message = "ValueError: no", .metrics = metrics};
    /* The team kept the samples of one edge only (the other was added
     * after samples were turned off, say). */
    sb_store_sample smp = {.run_id = 7, .gem = "orders", .port = "out", .rows = "[[1],[2]]"};
    sb_vec samples = {0};
    sb_vec_push(a, &samples, &smp);
    sb_buf out = SB_BUF_INIT;
    sb_runs_replay(&out, &run, &samples, true);
    const char *names[16], *data[16];
    size_t n = split_events(a, out.data, names, data, 16);
    assert_int_equal(n, 5);
    assert_string_equal(names[0], "edge");
    assert_string_equal(names[1], "edge");
    assert_string_equal(names[2], "notice");
    assert_string_equal(names[3], "status");
    assert_string_equal(names[4], "done");
    sb_json *e0 = parse(a, data[0]), *e1 = parse(a, data[1]);
    assert_string_equal(sb_json_get(e0, "gem")->u.string.s, "orders");
    assert_int_equal((int)sb_json_get(e0, "count")->u.number.value, 3);
    assert_int_equal(sb_json_get(e0, "rows")->u.array.len, 2);
    assert_true(sb_json_get(e0, "truncated")->u.boolean);
    assert_true(sb_json_get(e0, "replay")->u.boolean);
    assert_string_equal(
        sb_json_get(sb_json_get(e0, "schema")->u.array.items[0], "type")->u.string.s, "int");
    /* No sample kept: rows are null, not an empty list. */
    assert_int_equal(sb_json_get(e1, "rows")->kind, SB_JSON_NULL);
    assert_false(sb_json_get(e1, "truncated")->u.boolean);
    sb_json *notice = parse(a, data[2]);
    assert_string_equal(sb_json_get(notice, "message")->u.string.s,
                        "starting a local Spark driver");
    sb_json *st = parse(a, data[3]);
    assert_int_equal((int)sb_json_get(st, "run")->u.number.value, 7);
    assert_string_equal(sb_json_get(st, "status")->u.string.s, "failed");
    assert_string_equal(sb_json_get(st, "message")->u.string.s, "ValueError: no");
    sb_json *done = parse(a, data[4]);
    assert_string_equal(sb_json_get(done, "status")->u.string.s, "failed");
    assert_string_equal(sb_json_get(done, "hint")->u.string.s, "look at gem big");
    assert_int_equal((int)sb_json_get(sb_json_get(sb_json_get(done, "metrics"), "gems"), "orders")
                         ->u.object.members[0]
                         .value->u.number.value,
                     3);

    /* A run that ended before it reported anything (cancelled in the queue,
     * or a row without metrics): status and done only. */
    sb_store_run bare = {.id = 8, .status = "cancelled"};
    sb_buf_reset(&out);
    sb_runs_replay(&out, &bare, NULL, true);
    n = split_events(a, out.data, names, data, 16);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "status");
    assert_string_equal(names[1], "done");
    assert_int_equal(sb_json_get(parse(a, data[1]), "metrics")->kind, SB_JSON_NULL);

    /* The end only (a relayed stream that already sent the edges). */
    sb_buf_reset(&out);
    sb_runs_replay(&out, &run, &samples, false);
    n = split_events(a, out.data, names, data, 16);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "status");
    assert_string_equal(names[1], "done");
    assert_string_equal(sb_json_get(parse(a, data[1]), "hint")->u.string.s, "look at gem big");
    sb_buf_free(&out);
    sb_arena_free(a);
}

static const char *pipeline_text =
    "{\"canvas\": {\"a\": [0, 0], \"b\": [1, 0], \"c\": [2, 0], \"d\": [3, 0], \"x\": [4, 0]},\n"
    " \"description\": \"two branches\",\n"
    " \"gems\": {\n"
    "  \"a\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"i\", \"type\": \"int\"}], \"rows\": "
    "[[1]]},\n"
    "  \"x\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"i\", \"type\": \"int\"}], \"rows\": "
    "[[2]]},\n"
    "  \"b\": {\"kind\": \"RowDistributor\", \"inputs\": [\"a\"],\n"
    "        \"outputs\": [{\"name\": \"low\", \"condition\": \"i < 5\"},\n"
    "                    {\"name\": \"high\", \"condition\": \"i >= 5\"}]},\n"
    "  \"c\": {\"kind\": \"SetOperation\", \"inputs\": [\"b.low\", \"x\"], \"operation\": "
    "\"union\"},\n"
    "  \"d\": {\"kind\": \"Filter\", \"inputs\": [\"c\"], \"condition\": \"i > 0\"}\n"
    " }\n"
    "}\n";

static void test_pipeline_until(void **state)
{
    sb_arena *a = sb_arena_new();
    const char *why = NULL;
    /* c reads b (through a port) and x; d is downstream and goes. */
    const char *cut = sb_runs_pipeline_until(a, pipeline_text, strlen(pipeline_text), "c", &why);
    assert_non_null(cut);
    sb_json *j = parse(a, cut);
    const sb_json *gems = sb_json_get(j, "gems");
    assert_int_equal(gems->u.object.len, 4);
    assert_non_null(sb_json_get(gems, "a"));
    assert_non_null(sb_json_get(gems, "b"));
    assert_non_null(sb_json_get(gems, "c"));
    assert_non_null(sb_json_get(gems, "x"));
    assert_null(sb_json_get(gems, "d"));
    assert_null(sb_json_get(sb_json_get(j, "canvas"), "d"));
    assert_int_equal(sb_json_get(j, "canvas")->u.object.len, 4);
    assert_string_equal(sb_json_get(j, "description")->u.string.s, "two branches");
    /* The result is the canonical form the store keeps. */
    sb_buf canon = SB_BUF_INIT;
    sb_diags d;
    sb_diags_init(&d, a);
    assert_int_equal(sb_spec_format(cut, strlen(cut), &canon, &d), 0);
    assert_string_equal(canon.data, cut);
    sb_buf_free(&canon);

    /* A source alone: nothing upstream. */
    cut = sb_runs_pipeline_until(a, pipeline_text, strlen(pipeline_text), "x", &why);
    gems = sb_json_get(parse(a, cut), "gems");
    assert_int_equal(gems->u.object.len, 1);
    assert_non_null(sb_json_get(gems, "x"));

    assert_null(sb_runs_pipeline_until(a, pipeline_text, strlen(pipeline_text), "nosuch", &why));
    assert_string_equal(why, "no gem `nosuch` in the pipeline");
    assert_null(sb_runs_pipeline_until(a, "[1, 2]", 6, "a", &why));
    sb_arena_free(a);
}

static void test_fabric_check(void **state)
{
    sb_arena *a = sb_arena_new();
    bool secret = true;
    assert_null(sb_runs_fabric_check(a, "local", "{\"kind\": \"spark\"}", &secret));
    assert_false(secret);
    assert_null(sb_runs_fabric_check(
        a, "edge",
        "{\"kind\": \"livy\", \"url\": \"http://h:8998\", \"auth\": \"basic\", \"user\": \"u\"}",
        &secret));
    assert_true(secret);
    assert_null(sb_runs_fabric_check(a, "open", "{\"kind\": \"livy\", \"url\": \"http://h:8998\"}",
                                     &secret));
    assert_false(secret);
    const char *why = sb_runs_fabric_check(
        a, "krb", "{\"kind\": \"livy\", \"url\": \"https://h:8998\", \"auth\": \"kerberos\"}",
        &secret);
    assert_non_null(why);
    assert_non_null(strstr(why, "Kerberos"));
    why =
        sb_runs_fabric_check(a, "dbx", "{\"kind\": \"databricks\", \"profile\": \"dev\"}", &secret);
    assert_non_null(why);
    assert_non_null(strstr(why, "\"url\" and \"cluster_id\""));
    assert_null(sb_runs_fabric_check(a, "dbx",
                                     "{\"kind\": \"databricks\", \"url\": \"https://x.cloud\", "
                                     "\"cluster_id\": \"0923-1\"}",
                                     &secret));
    assert_true(secret);
    why = sb_runs_fabric_check(a, "bad", "{\"kind\": \"spark\", \"queu\": \"x\"}", &secret);
    assert_non_null(why);
    assert_non_null(strstr(why, "queu"));
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sse_format),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_pipeline_until),
        cmocka_unit_test(test_fabric_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
