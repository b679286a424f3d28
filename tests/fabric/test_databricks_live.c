/*
 * test_databricks_live.c — the `databricks` fabric driven through fabric.h
 * against a workspace: real PySpark runs, batch runs of the demo package,
 * and the failures a user meets (refused or expired token, a cluster that
 * does not start, a request that times out, a cancel, a run that errors,
 * throttling, the driver dying), each with one clear message, no context
 * left behind and no preview lost.
 *
 * tests/fabric/run_databricks.sh runs it against the Databricks stand-in
 * (tests/fabric/databricks_standin.py) with:
 *   SIBYL_TEST_DATABRICKS_URL      the workspace
 *   SIBYL_TEST_DATABRICKS_TOKEN    a valid token
 *   SIBYL_TEST_DATABRICKS_CLUSTER  a running all-purpose cluster
 *   SIBYL_TEST_DATABRICKS_STANDIN  "1": the stand-in's knobs may be used
 * Without SIBYL_TEST_DATABRICKS_URL every test is skipped (plain ctest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric/databricks.h"
#include "fabric/http.h"

static const char *url, *token, *cluster;
static bool standin;
static sb_arena *notes_arena;
static sb_vec notes;

static void on_notice(void *ud, const char *message)
{
    sb_vec_push(notes_arena, &notes, sb_arena_strdup(notes_arena, message));
    if (getenv("SIBYL_TEST_VERBOSE")) fprintf(stderr, "    notice: %s\n", message);
}

static bool noted(const char *needle)
{
    for (size_t i = 0; i < notes.len; i++)
        if (strstr(notes.items[i], needle)) return true;
    return false;
}

static void need_workspace(void)
{
    if (!url) skip();
}

static void need_standin(void)
{
    if (!url || !standin) skip();
}

static sb_fabric_def base_def(void)
{
    sb_fabric_def def = {0};
    def.name = "dbx-test";
    def.kind = SB_FABRIC_DATABRICKS;
    def.url = url;
    def.auth = SB_FABRIC_AUTH_TOKEN;
    def.secret = token;
    def.secret_source = "SIBYL_TEST_DATABRICKS_TOKEN";
    def.cluster_id = cluster;
    def.request_timeout = 30;
    def.start_timeout = 300;
    return def;
}

static sb_fabric *open_def(const sb_fabric_def *def)
{
    notes.len = 0;
    sb_fabric_options opt = {.notice = on_notice, .state_dir = ""};
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric *f = NULL;
    assert_int_equal(sb_fabric_open(def, &opt, &f, &d), 0);
    assert_string_equal(f->drv->kind, "databricks");
    sb_arena_free(a);
    return f;
}

/* ---- the stand-in's controls ------------------------------------------------------------- */

static sb_json *standin_call(sb_arena *a, const char *method, const char *path, const char *body)
{
    sb_http_options o = {.base_url = url, .request_timeout = 30};
    sb_http *h = sb_http_new(&o);
    sb_http_response r;
    int rc = sb_http_request(h, method, path, body, &r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.status, 200);
    sb_diags d;
    sb_diags_init(&d, a);
    sb_json *v = sb_json_parse(a, r.body.data, r.body.len, &d);
    sb_http_response_free(&r);
    sb_http_free(h);
    return v;
}

static void knob(const char *json)
{
    sb_arena *a = sb_arena_new();
    standin_call(a, "POST", "/standin/control", json);
    sb_arena_free(a);
}

/* Live execution contexts on the stand-in (polls a little: a destroy may
 * still be on its way when a test ends). */
static size_t live_contexts(void)
{
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        sb_arena *a = sb_arena_new();
        sb_json *st = standin_call(a, "GET", "/standin/state", NULL);
        const sb_json *c = sb_json_get(st, "contexts");
        n = c && c->kind == SB_JSON_ARRAY ? c->u.array.len : 0;
        sb_arena_free(a);
        if (n == 0) break;
        usleep(100 * 1000);
    }
    return n;
}

/* How many answers with HTTP `status` the stand-in gave to `path`. */
static int answers(const char *path, long status)
{
    sb_arena *a = sb_arena_new();
    sb_json *st = standin_call(a, "GET", "/standin/state", NULL);
    const sb_json *reqs = sb_json_get(st, "requests");
    int n = 0;
    for (size_t i = 0; reqs && i < reqs->u.array.len; i++) {
        const sb_json *r = reqs->u.array.items[i];
        if (r->kind != SB_JSON_ARRAY || r->u.array.len != 3) continue;
        if (strcmp(r->u.array.items[1]->u.string.s, path) == 0 &&
            (long)r->u.array.items[2]->u.number.value == status)
            n++;
    }
    sb_arena_free(a);
    return n;
}

/* ---- runs ----------------------------------------------------------------------------------- */

static const char *pkg_dir(void)
{
    return SIBYL_SOURCE_DIR "/tests/fabric/pkg";
}

static int run_pkg(sb_fabric *f, sb_run_result *res, const char *const *args, size_t nargs)
{
    sb_run_request req = {.package_dir = pkg_dir(), .module = "fabric_demo", .args = args,
                          .nargs = nargs, .sample_rows = 3, .ship = -1};
    sb_run_result_init(res);
    return sb_fabric_run(f, &req, res);
}

static int run_code(sb_fabric *f, sb_run_result *res, const char *code, double timeout)
{
    sb_run_request req = {.code = code, .ship = -1, .timeout = timeout};
    sb_run_result_init(res);
    return sb_fabric_run(f, &req, res);
}

static void show(const sb_run_result *r)
{
    if (r->state == SB_RUN_SUCCEEDED && !getenv("SIBYL_TEST_VERBOSE")) return;
    sb_buf b = SB_BUF_INIT;
    sb_run_result_write_json(&b, r);
    fprintf(stderr, "    result: %.3000s\n", sb_buf_str(&b));
    sb_buf_free(&b);
}

static const char *edge_gems(sb_arena *a, const sb_run_result *r)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < r->edges.len; i++) {
        const sb_fabric_edge *e = r->edges.items[i];
        sb_buf_printf(&b, "%s%s=%lld", i ? " " : "", e->gem, (long long)e->count);
    }
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

/* A snippet that reports one edge, then runs a Spark job for a minute. */
static const char slow_code[] =
    "from pyspark.sql import SparkSession\n"
    "import time\n"
    "spark = SparkSession.builder.getOrCreate()\n"
    "n = spark.range(7).count()\n"
    "print('SIBYL-EDGE {\"gem\": \"first\", \"count\": %d, \"schema\": []}' % n, flush=True)\n"
    "spark.sparkContext.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x).count()\n"
    "print('SIBYL-EDGE {\"gem\": \"never\", \"count\": 0, \"schema\": []}')\n";

typedef struct canceller {
    sb_fabric *f;
    double after_s;
} canceller;

static void *cancel_later(void *p)
{
    canceller *c = p;
    usleep((useconds_t)(c->after_s * 1e6));
    sb_fabric_cancel(c->f);
    return NULL;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_preview_and_reuse(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r1, r2;
    int rc = run_pkg(f, &r1, NULL, 0);
    show(&r1);
    assert_int_equal(rc, 0);
    assert_string_equal(edge_gems(a, &r1), "numbers=10 evens=5 labelled=5");
    const sb_fabric_edge *e = sb_run_result_edge(&r1, "labelled", "out");
    assert_non_null(e);
    assert_int_equal(e->nrows, 3);
    sb_buf row = SB_BUF_INIT;
    for (size_t j = 0; j < e->schema->nfields; j++) sb_json_write_compact(&row, e->rows[2][j]);
    assert_string_equal(sb_buf_str(&row), "4\"#4\"\"1.00\"");
    sb_buf_free(&row);
    assert_true(r1.spark_ms >= 0);
    assert_non_null(sb_fabric_spark_version(f));
    assert_true(strncmp(sb_fabric_spark_version(f), "3.", 2) == 0 ||
                strncmp(sb_fabric_spark_version(f), "4.", 2) == 0);
    assert_non_null(sb_fabric_python_version(f));
    /* The second run reuses the context: no new notices, same session. */
    notes.len = 0;
    rc = run_pkg(f, &r2, NULL, 0);
    show(&r2);
    assert_int_equal(rc, 0);
    assert_string_equal(r1.session, r2.session);
    assert_int_equal(r2.notices.len, 0);
    fprintf(stderr, "    first run %.0f ms, second %.0f ms (Spark side %.0f ms)\n", r1.wall_ms,
            r2.wall_ms, r2.spark_ms);
    sb_run_result_free(&r1);
    sb_run_result_free(&r2);
    sb_fabric_free(f, false);
    if (standin) assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_spark_settings(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    static const sb_fabric_conf conf[] = {{"spark.sql.shuffle.partitions", "3"},
                                          {"spark.driver.memory", "1g"}};
    def.conf = conf;
    def.nconf = 2;
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    /* The package's own getOrCreate() sees the context's session. */
    assert_int_equal(run_code(f, &r,
                              "from pyspark.sql import SparkSession\n"
                              "n = SparkSession.builder.getOrCreate().conf.get("
                              "'spark.sql.shuffle.partitions')\n"
                              "print('SIBYL-EDGE {\"gem\": \"p\", \"count\": %s, \"schema\": []}' % n)\n",
                              0),
                     0);
    show(&r);
    assert_string_equal(edge_gems(a, &r), "p=3");
    assert_true(noted("does not let a session change spark.driver.memory"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    sb_arena_free(a);
}

static void test_code_error_keeps_earlier_edges(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    static const char *const args[] = {"--conf", "fail_at=labelled"};
    sb_run_result r;
    assert_int_equal(run_pkg(f, &r, args, 2), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_FAILED);
    assert_string_equal(r.error, "ValueError: gem labelled failed on purpose");
    assert_string_equal(r.error_class, "ValueError");
    assert_non_null(strstr(r.detail, "Traceback"));
    assert_string_equal(edge_gems(a, &r), "numbers=10 evens=5");
    sb_run_result_free(&r);
    /* A snippet with a syntax error fails the same way. */
    assert_int_equal(run_code(f, &r, "def broken(:\n", 0), -1);
    assert_int_equal(r.state, SB_RUN_FAILED);
    assert_non_null(strstr(r.error, "SyntaxError"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    if (standin) assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_cancel_keeps_what_ran(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    /* Warm the context first, so that the cancel hits the Spark job. */
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), 0);
    sb_run_result_free(&r);
    canceller c = {f, 8};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    double t0 = sb_fabric_now_ms();
    assert_int_equal(run_code(f, &r, slow_code, 0), -1);
    pthread_join(t, NULL);
    show(&r);
    assert_int_equal(r.state, SB_RUN_CANCELLED);
    assert_string_equal(r.error, "the run was cancelled");
    assert_string_equal(edge_gems(a, &r), "first=7");
    assert_true(sb_fabric_now_ms() - t0 < 40000);
    sb_run_result_free(&r);
    /* The context is still good. */
    assert_int_equal(run_code(f, &r, "print('SIBYL-EDGE {\"gem\": \"g\", \"count\": 1, \"schema\": []}')\n", 0), 0);
    assert_string_equal(edge_gems(a, &r), "g=1");
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    if (standin) assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_run_timeout(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), 0);
    sb_run_result_free(&r);
    assert_int_equal(run_code(f, &r, slow_code, 6), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_TIMED_OUT);
    assert_string_equal(r.error, "the run did not finish within 6 s; it was cancelled");
    assert_string_equal(r.hint, "raise the fabric's run_timeout");
    assert_string_equal(edge_gems(a, &r), "first=7");
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    if (standin) assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_request_timeout(void **state)
{
    need_standin();
    sb_fabric_def def = base_def();
    def.request_timeout = 2;
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), 0);
    sb_run_result_free(&r);
    knob("{\"slow\": {\"path\": \"/api/1.2/commands/status\", \"ms\": 4000, \"count\": 1}}");
    assert_int_equal(run_code(f, &r, slow_code, 0), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_TIMED_OUT);
    assert_non_null(strstr(r.error, "did not answer within 2 s while following the run; the "
                                    "command was cancelled"));
    assert_non_null(strstr(r.hint, "request_timeout"));
    sb_run_result_free(&r);
    knob("{\"slow\": null}");
    /* The next run works. */
    assert_int_equal(run_code(f, &r, "print('SIBYL-EDGE {\"gem\": \"g\", \"count\": 2, \"schema\": []}')\n", 0), 0);
    assert_string_equal(edge_gems(a, &r), "g=2");
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_throttling_is_waited_out(void **state)
{
    need_standin();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), 0);
    sb_run_result_free(&r);
    knob("{\"reset_requests\": true, \"throttle\": {\"count\": 2, \"retry_after\": 1, "
         "\"path\": \"/api/1.2/commands/status\"}, \"unavailable\": {\"count\": 1, "
         "\"path\": \"/api/1.2/commands/execute\"}}");
    double t0 = sb_fabric_now_ms();
    assert_int_equal(run_code(f, &r, "print('SIBYL-EDGE {\"gem\": \"g\", \"count\": 3, \"schema\": []}')\n", 0), 0);
    show(&r);
    assert_string_equal(edge_gems(a, &r), "g=3");
    assert_true(sb_fabric_now_ms() - t0 >= 2000); /* two Retry-After: 1 */
    assert_int_equal(answers("/api/1.2/commands/status", 429), 2);
    assert_int_equal(answers("/api/1.2/commands/execute", 503), 1);
    assert_true(noted("asks to slow down (HTTP 429)"));
    assert_true(noted("unavailable (HTTP 503)"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static void test_refused_tokens(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    def.secret = "dapi-wrong";
    sb_fabric *f = open_def(&def);
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_LOST);
    assert_non_null(strstr(r.error, "refused the token from SIBYL_TEST_DATABRICKS_TOKEN (HTTP 403"));
    assert_non_null(strstr(r.hint, "create a personal access token"));
    assert_null(strstr(r.error, "dapi-wrong"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    if (!standin) return;
    def.secret = "dapi-expired";
    f = open_def(&def);
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_LOST);
    assert_string_equal(r.error,
                        "the token from SIBYL_TEST_DATABRICKS_TOKEN has expired (HTTP 403: Invalid "
                        "access token. The token has expired.)");
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
}

static void test_cluster_that_does_not_start(void **state)
{
    need_standin();
    sb_fabric_def def = base_def();
    def.cluster_id = "0101-000000-broken00";
    sb_fabric *f = open_def(&def);
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), -1);
    show(&r);
    assert_int_equal(r.state, SB_RUN_LOST);
    assert_string_equal(r.error,
                        "the Databricks cluster sibyl-broken (0101-000000-broken00) did not start: "
                        "CLOUD_PROVIDER_LAUNCH_FAILURE: Cloud provider launch failure: the instance "
                        "type i3.xlarge is not available in the availability zone (capacity).");
    assert_non_null(strstr(r.hint, "event log"));
    assert_true(noted("starting the Databricks cluster sibyl-broken"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    assert_int_equal(live_contexts(), 0);

    /* A cluster id that does not exist, and none at all. */
    def.cluster_id = "0000-000000-nothere0";
    f = open_def(&def);
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), -1);
    assert_string_equal(r.error, "looking up the cluster failed: Cluster 0000-000000-nothere0 does "
                                 "not exist (HTTP 400 INVALID_PARAMETER_VALUE)");
    assert_non_null(strstr(r.hint, "cluster_id"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    def.cluster_id = NULL;
    setenv("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg", 1);
    f = open_def(&def);
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), -1);
    show(&r);
    assert_string_equal(r.error, "the fabric names no all-purpose cluster to run on");
    assert_non_null(strstr(r.hint, "0101-000000-running0 (sibyl-running)"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    unsetenv("DATABRICKS_CONFIG_FILE");
}

static void test_terminated_cluster_is_started(void **state)
{
    need_standin();
    /* The token and cluster come from a ~/.databrickscfg profile. */
    char path[] = "/tmp/sibyl-dbx-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fh = fdopen(fd, "w");
    fprintf(fh, "[DEFAULT]\nhost = http://127.0.0.1:9\ntoken = nope\n\n[ci]\nhost = %s\n"
                "token = %s\ncluster_id = 0101-000000-stopped0\n",
            url, token);
    fclose(fh);
    setenv("DATABRICKS_CONFIG_FILE", path, 1);
    unsetenv("DATABRICKS_TOKEN");
    sb_fabric_def def = {.name = "from-profile", .kind = SB_FABRIC_DATABRICKS,
                         .auth = SB_FABRIC_AUTH_TOKEN, .profile = "ci", .start_timeout = 300};
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    double t0 = sb_fabric_now_ms();
    int rc = run_code(f, &r, "from pyspark.sql import SparkSession\n"
                             "n = SparkSession.builder.getOrCreate().range(12).count()\n"
                             "print('SIBYL-EDGE {\"gem\": \"g\", \"count\": %d, \"schema\": []}' % n)\n",
                      0);
    show(&r);
    assert_int_equal(rc, 0);
    assert_string_equal(edge_gems(a, &r), "g=12");
    assert_true(noted("starting the Databricks cluster sibyl-stopped (0101-000000-stopped0)"));
    assert_true(noted("the cluster sibyl-stopped (0101-000000-stopped0) is PENDING"));
    assert_true(noted("is running"));
    fprintf(stderr, "    cold start (cluster start + context + run): %.1f s\n",
            (sb_fabric_now_ms() - t0) / 1000);
    sb_run_result_free(&r);
    /* The cluster auto-terminates between two runs: the next run starts it
     * again in a new context. */
    knob("{\"terminate\": \"0101-000000-stopped0\"}");
    notes.len = 0;
    rc = run_code(f, &r, "print('SIBYL-EDGE {\"gem\": \"again\", \"count\": 1, \"schema\": []}')\n", 0);
    show(&r);
    assert_int_equal(rc, 0);
    assert_string_equal(edge_gems(a, &r), "again=1");
    assert_true(noted("refused the run"));
    assert_true(noted("starting the Databricks cluster sibyl-stopped"));
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    assert_int_equal(live_contexts(), 0);
    knob("{\"terminate\": \"0101-000000-stopped0\"}");
    unsetenv("DATABRICKS_CONFIG_FILE");
    unlink(path);
    sb_arena_free(a);
}

static void *kill_driver_later(void *p)
{
    usleep(6 * 1000 * 1000);
    knob("{\"kill_driver\": \"0101-000000-running0\"}");
    return NULL;
}

static void test_driver_dies_mid_run(void **state)
{
    need_standin();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_run_result r;
    assert_int_equal(run_code(f, &r, "x = 1\n", 0), 0);
    sb_run_result_free(&r);
    pthread_t t;
    pthread_create(&t, NULL, kill_driver_later, NULL);
    assert_int_equal(run_code(f, &r, slow_code, 0), -1);
    pthread_join(t, NULL);
    show(&r);
    assert_int_equal(r.state, SB_RUN_LOST);
    assert_string_equal(r.error, "the Spark driver of the cluster sibyl-running "
                                 "(0101-000000-running0) stopped unexpectedly and is restarting");
    assert_non_null(r.hint);
    sb_run_result_free(&r);
    /* The next run gets a new context once the driver is back. */
    assert_int_equal(run_code(f, &r, "print('SIBYL-EDGE {\"gem\": \"g\", \"count\": 4, \"schema\": []}')\n", 0), 0);
    show(&r);
    assert_string_equal(edge_gems(a, &r), "g=4");
    sb_run_result_free(&r);
    sb_fabric_free(f, false);
    assert_int_equal(live_contexts(), 0);
    sb_arena_free(a);
}

static int submit_pkg(sb_fabric *f, const char *const *args, size_t nargs, double cancel_after,
                      sb_batch_status *st, sb_arena *a, sb_vec *log)
{
    sb_batch_request req = {.package_dir = pkg_dir(), .module = "fabric_demo", .args = args,
                            .nargs = nargs, .config = "dev", .name = "sibyl test"};
    sb_diags d;
    sb_diags_init(&d, a);
    sb_batch *b = NULL;
    if (sb_fabric_submit(f, &req, &b, &d) != 0) {
        fprintf(stderr, "    submit: %s\n", sb_diags_at(&d, 0)->message);
        return -1;
    }
    pthread_t t;
    canceller c = {f, cancel_after};
    if (cancel_after > 0) pthread_create(&t, NULL, cancel_later, &c);
    int rc = sb_fabric_batch_wait(f, b, 600, st, &d);
    if (cancel_after > 0) pthread_join(t, NULL);
    if (rc != 0) fprintf(stderr, "    wait: %s\n", sb_diags_at(&d, 0)->message);
    st->id = sb_arena_strdup(a, st->id);
    if (st->message) st->message = sb_arena_strdup(a, st->message);
    long total = 0;
    if (rc == 0) rc = sb_fabric_batch_log(f, b, -1, 200, a, log, &total, &d);
    sb_batch_free(b);
    return rc;
}

static bool log_has(const sb_vec *log, const char *needle)
{
    for (size_t i = 0; i < log->len; i++)
        if (strstr(log->items[i], needle)) return true;
    return false;
}

static void test_batch_runs(void **state)
{
    need_workspace();
    sb_fabric_def def = base_def();
    sb_fabric *f = open_def(&def);
    sb_arena *a = sb_arena_new();
    sb_batch_status st;
    sb_vec log = {0};
    assert_int_equal(submit_pkg(f, NULL, 0, 0, &st, a, &log), 0);
    if (st.state != SB_BATCH_SUCCEEDED)
        for (size_t i = 0; i < log.len; i++) fprintf(stderr, "    | %s\n", (char *)log.items[i]);
    assert_int_equal(st.state, SB_BATCH_SUCCEEDED);
    assert_true(strncmp(st.id, "databricks run ", 15) == 0);
    assert_true(log_has(&log, "config dev"));

    static const char *const fail[] = {"--conf", "fail_at=evens"};
    log.len = 0;
    assert_int_equal(submit_pkg(f, fail, 2, 0, &st, a, &log), 0);
    assert_int_equal(st.state, SB_BATCH_FAILED);
    assert_non_null(st.message);
    assert_non_null(strstr(st.message, "ValueError: gem evens failed on purpose"));
    assert_true(log_has(&log, "Traceback"));

    static const char *const slow[] = {"--conf", "sleep=120"};
    log.len = 0;
    double t0 = sb_fabric_now_ms();
    assert_int_equal(submit_pkg(f, slow, 2, 10, &st, a, &log), 0);
    assert_int_equal(st.state, SB_BATCH_KILLED);
    assert_true(sb_fabric_now_ms() - t0 < 90000);
    sb_fabric_free(f, false);
    if (standin) {
        sb_arena *s = sb_arena_new();
        sb_json *js = standin_call(s, "GET", "/standin/state", NULL);
        assert_int_equal((int)sb_json_get(js, "running_processes")->u.number.value, 0);
        sb_arena_free(s);
    }
    sb_arena_free(a);
}

int main(void)
{
    url = getenv("SIBYL_TEST_DATABRICKS_URL");
    token = getenv("SIBYL_TEST_DATABRICKS_TOKEN");
    cluster = getenv("SIBYL_TEST_DATABRICKS_CLUSTER");
    standin = getenv("SIBYL_TEST_DATABRICKS_STANDIN") &&
              strcmp(getenv("SIBYL_TEST_DATABRICKS_STANDIN"), "1") == 0;
    if (url && !*url) url = NULL;
    notes_arena = sb_arena_new();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preview_and_reuse),
        cmocka_unit_test(test_spark_settings),
        cmocka_unit_test(test_code_error_keeps_earlier_edges),
        cmocka_unit_test(test_cancel_keeps_what_ran),
        cmocka_unit_test(test_run_timeout),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_throttling_is_waited_out),
        cmocka_unit_test(test_refused_tokens),
        cmocka_unit_test(test_cluster_that_does_not_start),
        cmocka_unit_test(test_terminated_cluster_is_started),
        cmocka_unit_test(test_driver_dies_mid_run),
        cmocka_unit_test(test_batch_runs),
    };
    /* SIBYL_TEST_FILTER=test_batch* runs some of them. */
    if (getenv("SIBYL_TEST_FILTER")) cmocka_set_test_filter(getenv("SIBYL_TEST_FILTER"));
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sb_arena_free(notes_arena);
    return rc;
}
