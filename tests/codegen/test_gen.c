/*
 * test_gen.c — generating whole pipelines of tests/codegen/project: the
 * package's files, their content for each gem kind, determinism, the
 * instrumented variant and the Spark SQL target (including the errors for
 * what SQL cannot express).
 *
 * The same project is run on real Spark by hand (see docs/codegen.md,
 * "Checking generated code"); these tests pin down what is generated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"

#define PROJECT SIBYL_SOURCE_DIR "/tests/codegen/project"

typedef struct run {
    sb_arena *a;
    sb_diags d;
    sb_project *p;
    sb_gen_files files;
    int rc;
} run;

static void generate(run *r, const char *pipeline, sb_codegen_target target, bool instrumented)
{
    memset(r, 0, sizeof(*r));
    r->a = sb_arena_new();
    sb_diags_init(&r->d, r->a);
    r->p = sb_project_load(r->a, PROJECT, &r->d);
    assert_non_null(r->p);
    sb_pipeline *pl = (sb_pipeline *)sb_project_pipeline(r->p, pipeline);
    assert_non_null(pl);
    assert_int_equal(sb_plan_pipeline(r->a, r->p, pl, NULL, &r->d), 0);
    sb_codegen_options opt = {.target = target, .instrumented = instrumented};
    r->rc = sb_codegen_pipeline(r->a, r->p, pl, &opt, &r->files, &r->d);
}

static const char *file(const run *r, const char *path)
{
    for (size_t i = 0; i < r->files.len; i++)
        if (strcmp(r->files.items[i].path, path) == 0) return r->files.items[i].text;
    fail_msg("no generated file %s", path);
    return NULL;
}

static void contains(const char *text, const char *want)
{
    if (!strstr(text, want)) fail_msg("expected\n%s\nin\n%s", want, text);
}

static void test_package_files(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_PYSPARK, false);
    assert_int_equal(r.rc, 0);
    static const char *const expected[] = {
        "orders/pyproject.toml",
        "orders/README.md",
        "orders/src/orders/__init__.py",
        "orders/src/orders/__main__.py",
        "orders/src/orders/gems/__init__.py",
        "orders/src/orders/pipeline.py",
        "orders/src/orders/config.py",
        "orders/src/orders/gems/big.py",
        "orders/src/orders/gems/big_orders_out.py",
        "orders/src/orders/gems/custom.py",
        "orders/src/orders/gems/low_count.py",
        "orders/src/orders/gems/named.py",
        "orders/src/orders/gems/orders.py",
        "orders/src/orders/gems/regions.py",
        "orders/src/orders/gems/split.py",
        "orders/tests/test_orders.py",
    };
    assert_int_equal(r.files.len, SB_COUNTOF(expected));
    for (size_t i = 0; i < SB_COUNTOF(expected); i++) file(&r, expected[i]);
    contains(file(&r, "orders/pyproject.toml"), "version = \"1.2.3\"");
    contains(file(&r, "orders/pyproject.toml"), "dependencies = [\"pyspark>=3.5\"]");
    contains(file(&r, "orders/pyproject.toml"), "orders = \"orders.pipeline:main\"");
    contains(file(&r, "orders/src/orders/__main__.py"), "from orders.pipeline import main\n");
    sb_arena_free(r.a);
}

static void test_pipeline_runs_gems_in_order(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_PYSPARK, false);
    const char *py = file(&r, "orders/src/orders/pipeline.py");
    contains(py, "    orders = gems.orders(spark, config)\n"
                 "    big = gems.big(spark, config, orders)\n"
                 "    regions = gems.regions(spark, config)\n"
                 "    named = gems.named(spark, config, big, regions)\n"
                 "    gems.big_orders_out(spark, config, named)\n"
                 "    split_high, split_low = gems.split(spark, config, named)\n"
                 /* outputs nothing reads are not kept */
                 "    gems.custom(spark, config, split_high)\n"
                 "    gems.low_count(spark, config, split_low)\n");
    contains(py, "spark = SparkSession.builder.appName(\"orders\").getOrCreate()");
    assert_null(strstr(py, "SIBYL-EDGE"));
    sb_arena_free(r.a);
}

static void test_gem_modules(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_PYSPARK, false);
    /* Source: declared schema, options, a path under base_path */
    const char *src = file(&r, "orders/src/orders/gems/orders.py");
    contains(src, "SCHEMA = \"order_id int, region string, amount decimal(10,2)\"");
    contains(src, "spark.read.format(\"csv\")");
    contains(src, ".options(header=True)");
    contains(src, ".load(f\"{config.base_path}/data/orders.csv\")");
    /* Filter with a decimal variable: cast to the declared type */
    contains(file(&r, "orders/src/orders/gems/big.py"),
             "    return in0.where(F.col(\"amount\") >= "
             "F.lit(config.min_amount).cast(\"decimal(10,2)\"))\n");
    /* Seed: NOT NULL kept, rows as tuples */
    const char *seed = file(&r, "orders/src/orders/gems/regions.py");
    contains(seed, "SCHEMA = \"region string NOT NULL, region_name string\"");
    contains(seed, "ROWS = [\n    (\"north\", \"North\"),\n    (\"south\", \"South\"),\n]");
    contains(seed, "return spark.createDataFrame(ROWS, SCHEMA)");
    /* Join: aliased inputs, broadcast, decimal literal, aliases only where needed */
    const char *join = file(&r, "orders/src/orders/gems/named.py");
    contains(join, "from decimal import Decimal\n");
    contains(join, "F.broadcast(in1.alias(\"in1\"))");
    contains(join, "F.col(\"in0.order_id\"),\n");
    contains(join, "(F.col(\"in0.amount\") * F.lit(Decimal(\"1.2\"))).alias(\"gross\")");
    /* RowDistributor: a tuple */
    const char *split = file(&r, "orders/src/orders/gems/split.py");
    contains(split, ") -> tuple[DataFrame, DataFrame]:");
    contains(split, "    return high, low\n");
    /* Target: the path with the run date, the write */
    const char *target = file(&r, "orders/src/orders/gems/big_orders_out.py");
    contains(target, "path = f\"{config.base_path}/out/{config.run_date}/big_orders\"");
    contains(target, "in0.write.format(\"parquet\").mode(\"overwrite\").save(path)");
    /* Script: the user's code, then a wrapper without imports of its own */
    const char *script = file(&r, "orders/src/orders/gems/custom.py");
    contains(script, "\n\n\ndef transform(spark, in0):\n    return in0\n\n\ndef custom(spark, config, in0):");
    contains(script, "    return transform(spark, in0)\n");
    /* Aggregate without groups: count(*) */
    contains(file(&r, "orders/src/orders/gems/low_count.py"),
             "return in0.agg(F.count(F.lit(1)).alias(\"orders\"))");
    sb_arena_free(r.a);
}

static void test_config_module(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_PYSPARK, false);
    const char *cfg = file(&r, "orders/src/orders/config.py");
    contains(cfg, "    base_path: str = \".\"\n");
    contains(cfg, "    # Orders below this amount are left out\n"
                  "    min_amount: decimal.Decimal = decimal.Decimal(10)\n");
    contains(cfg, "    run_date: datetime.date = datetime.date(2024, 6, 30)\n");
    contains(cfg, "    \"dev\": {\n"
                  "        \"min_amount\": decimal.Decimal(\"5.5\"),\n"
                  "        \"run_date\": datetime.date(2024, 1, 31),\n"
                  "    },\n");
    contains(cfg, "\"min_amount\": \"decimal(10,2)\",");
    contains(cfg, "SIBYL_CONF_");
    sb_arena_free(r.a);
}

static void test_deterministic(void **state)
{
    (void)state;
    run x, y;
    generate(&x, "orders", SB_CODEGEN_PYSPARK, false);
    generate(&y, "orders", SB_CODEGEN_PYSPARK, false);
    assert_int_equal(x.files.len, y.files.len);
    for (size_t i = 0; i < x.files.len; i++) {
        assert_string_equal(x.files.items[i].path, y.files.items[i].path);
        assert_int_equal(x.files.items[i].len, y.files.items[i].len);
        assert_memory_equal(x.files.items[i].text, y.files.items[i].text, x.files.items[i].len);
    }
    sb_arena_free(x.a);
    sb_arena_free(y.a);
}

static void test_instrumented(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_PYSPARK, true);
    assert_int_equal(r.rc, 0);
    const char *py = file(&r, "orders/src/orders/pipeline.py");
    contains(py, "def _edge(gem: str, port: str, df: DataFrame, config: Config) -> None:");
    contains(py, "print(\"SIBYL-EDGE \" + json.dumps(record, separators=(\",\", \":\")), flush=True)");
    contains(py, "        _edge(\"split\", \"high\", split_high, config)\n"
                 "        _edge(\"split\", \"low\", split_low, config)\n");
    /* --until GEM runs that gem and what it reads from */
    contains(py, "    needed = _needed(config.sibyl_until)\n"
                 "    if needed is None or \"orders\" in needed:\n");
    contains(py, "    \"custom\": (\"split\",),\n");
    /* every output is kept for its edge */
    contains(py, "        custom = gems.custom(spark, config, split_high)\n");
    assert_null(strstr(py, "sparkContext"));
    assert_null(strstr(py, ".rdd"));
    contains(file(&r, "orders/src/orders/config.py"), "    sibyl_sample_rows: int = 20\n");
    contains(file(&r, "orders/src/orders/config.py"), "    sibyl_until: str = \"\"\n");
    contains(file(&r, "orders/src/orders/config.py"), "        values[\"sibyl_until\"] = args.until\n");
    sb_arena_free(r.a);
}

static void test_sql_target(void **state)
{
    (void)state;
    run r;
    generate(&r, "totals", SB_CODEGEN_SQL, false);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.files.len, 1);
    const char *sql = file(&r, "totals.sql");
    contains(sql, "SET base_path=.;\nSET min_amount=10;\nSET run_date=2024-06-30;\n");
    contains(sql, "CREATE OR REPLACE TEMPORARY VIEW orders (order_id int, region string, amount "
                  "decimal(10,2))\nUSING csv\nOPTIONS (path '${base_path}/data/orders.csv', header "
                  "'true');");
    contains(sql, "GROUP BY upper(region);");
    /* partitioned: a table over the location, partition columns last */
    contains(sql, "PARTITIONED BY (region)");
    contains(sql, "INSERT OVERWRITE TABLE sibyl_totals_totals_out\nSELECT amount, orders, region FROM by_region;");
    contains(sql, "DROP TABLE sibyl_totals_totals_out;");
    sb_arena_free(r.a);
}

static void test_sql_target_refuses_script(void **state)
{
    (void)state;
    run r;
    generate(&r, "orders", SB_CODEGEN_SQL, false);
    assert_int_equal(r.rc, -1);
    bool named = false;
    for (size_t i = 0; i < sb_diags_count(&r.d); i++) {
        const sb_diag *x = sb_diags_at(&r.d, i);
        if (x->severity == SB_SEV_ERROR && x->gem && strcmp(x->gem, "custom") == 0 &&
            strstr(x->message, "Script"))
            named = true;
    }
    assert_true(named);
    sb_arena_free(r.a);
}

static void test_unplanned_pipeline_is_refused(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_load(a, PROJECT, &d);
    assert_non_null(p);
    sb_gen_files files = {0};
    const sb_pipeline *pl = sb_project_pipeline(p, "orders");
    assert_int_equal(sb_codegen_pipeline(a, p, pl, NULL, &files, &d), -1);
    assert_int_equal(files.len, 0);
    assert_true(d.errors > 0);
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_package_files),
        cmocka_unit_test(test_pipeline_runs_gems_in_order),
        cmocka_unit_test(test_gem_modules),
        cmocka_unit_test(test_config_module),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_instrumented),
        cmocka_unit_test(test_sql_target),
        cmocka_unit_test(test_sql_target_refuses_script),
        cmocka_unit_test(test_unplanned_pipeline_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
