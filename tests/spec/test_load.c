/*
 * test_load.c — reading pipeline, dataset, manifest and configuration files
 * into the typed model, and the diagnostics for fields that are wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
} fixture;

static int setup(void **state)
{
    fixture *f = sb_xcalloc(1, sizeof(*f));
    f->a = sb_arena_new();
    sb_diags_init(&f->d, f->a);
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

static sb_pipeline *pipeline(fixture *f, const char *text)
{
    return sb_spec_parse_pipeline(f->a, "p", "pipelines/p.json", text, strlen(text), false, &f->d);
}

/* The formatted diagnostics, one per line. */
static const char *diags_text(fixture *f)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < sb_diags_count(&f->d); i++) sb_diag_format(&b, sb_diags_at(&f->d, i));
    const char *s = sb_arena_strdup(f->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static void expect_diag(fixture *f, const char *needle)
{
    const char *all = diags_text(f);
    if (!strstr(all, needle)) fail_msg("expected diagnostic containing\n  %s\ngot:\n%s", needle, all);
}

static void test_every_gem_kind(void **state)
{
    fixture *f = *state;
    sb_pipeline *pl = pipeline(f, "{\"gems\": {"
        "\"src\": {\"kind\": \"Source\", \"dataset\": \"orders\"},"
        "\"seed\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"id\", \"type\": \"int\"},"
        "           {\"name\": \"d\", \"type\": \"date\", \"nullable\": false}],"
        "           \"rows\": [[1, \"2024-01-01\"], [null, \"2024-02-29\"]]},"
        "\"tgt\": {\"kind\": \"Target\", \"inputs\": [\"f\"], \"dataset\": \"out\", \"mode\": \"overwrite\","
        "          \"partitionBy\": [\"d\"]},"
        "\"ref\": {\"kind\": \"Reformat\", \"inputs\": [\"src\"], \"expressions\": ["
        "          {\"target\": \"x\", \"expression\": \"a + 1\"}]},"
        "\"st\": {\"kind\": \"SchemaTransform\", \"inputs\": [\"ref\"], \"operations\": ["
        "          {\"op\": \"add\", \"target\": \"y\", \"expression\": \"x * 2\"},"
        "          {\"op\": \"drop\", \"column\": \"x\"}, {\"op\": \"rename\", \"column\": \"y\", \"target\": \"z\"}]},"
        "\"f\": {\"kind\": \"Filter\", \"inputs\": [\"st\"], \"condition\": \"z > 0\"},"
        "\"ob\": {\"kind\": \"OrderBy\", \"inputs\": [\"f\"], \"keys\": ["
        "          {\"expression\": \"z\", \"direction\": \"desc\"}, {\"expression\": \"z\", \"nulls\": \"last\"}]},"
        "\"lim\": {\"kind\": \"Limit\", \"inputs\": [\"ob\"], \"count\": 10},"
        "\"dd\": {\"kind\": \"Deduplicate\", \"inputs\": [\"f\"], \"mode\": \"last\", \"keys\": [\"z\"],"
        "         \"orderBy\": [{\"expression\": \"z\"}]},"
        "\"agg\": {\"kind\": \"Aggregate\", \"inputs\": [\"f\"], \"groupBy\": [{\"target\": \"k\", \"expression\": \"z\"}],"
        "          \"aggregates\": [{\"target\": \"n\", \"expression\": \"count(*)\"}],"
        "          \"pivot\": {\"column\": \"z\", \"values\": [1, \"a\", null]}},"
        "\"j\": {\"kind\": \"Join\", \"inputs\": [\"f\", \"seed\"], \"joins\": ["
        "        {\"type\": \"left_anti\", \"condition\": \"in0.z = in1.id\", \"broadcast\": true}]},"
        "\"so\": {\"kind\": \"SetOperation\", \"inputs\": [\"f\", \"f\"], \"operation\": \"unionByName\","
        "         \"allowMissingColumns\": true},"
        "\"w\": {\"kind\": \"WindowFunction\", \"inputs\": [\"f\"], \"partitionBy\": [\"z\"],"
        "        \"orderBy\": [{\"expression\": \"z\"}], \"frame\": {\"type\": \"rows\", \"start\": \"unboundedPreceding\", \"end\": 0},"
        "        \"expressions\": [{\"target\": \"rn\", \"expression\": \"row_number()\"}]},"
        "\"rd\": {\"kind\": \"RowDistributor\", \"inputs\": [\"f\"], \"outputs\": ["
        "         {\"port\": \"big\", \"condition\": \"z > 10\"}, {\"port\": \"small\", \"condition\": \"z <= 10\"}]},"
        "\"sql\": {\"kind\": \"SQLStatement\", \"inputs\": [\"rd.big\"], \"query\": \"SELECT z FROM in0\"},"
        "\"sc\": {\"kind\": \"Script\", \"inputs\": [\"f\"], \"code\": \"def transform(spark, in0):\\n    return in0\\n\","
        "         \"schema\": [{\"name\": \"z\", \"type\": \"bigint\"}]},"
        "\"sg\": {\"kind\": \"Subgraph\", \"inputs\": [\"f\"], \"subgraph\": \"clean\"}"
        "}, \"canvas\": {\"src\": [0, 0]}}");
    assert_non_null(pl);
    if (f->d.errors) fail_msg("%s", diags_text(f));
    assert_int_equal(pl->ngems, 17);
    /* Gems are kept sorted by name. */
    for (size_t i = 1; i < pl->ngems; i++)
        assert_true(strcmp(pl->gems[i - 1]->name, pl->gems[i]->name) < 0);
    sb_gem *g = sb_pipeline_gem(pl, "seed");
    assert_int_equal(g->kind, SB_GEM_SEED);
    assert_int_equal(g->u.seed.schema->nfields, 2);
    assert_false(g->u.seed.schema->fields[1].nullable);
    g = sb_pipeline_gem(pl, "tgt");
    assert_int_equal(g->u.target.mode, SB_WRITE_OVERWRITE);
    assert_int_equal(g->noutputs, 0);
    assert_string_equal(g->u.target.partition_by[0].text, "d");
    g = sb_pipeline_gem(pl, "ref");
    assert_int_equal(g->u.reformat.nexprs, 1);
    assert_non_null(g->u.reformat.exprs[0].expr.ast);
    assert_string_equal(g->u.reformat.exprs[0].expr.src.field, "expressions[0].expression");
    g = sb_pipeline_gem(pl, "st");
    assert_int_equal(g->u.schema_transform.nops, 3);
    assert_int_equal(g->u.schema_transform.ops[2].op, SB_SCHEMA_OP_RENAME);
    g = sb_pipeline_gem(pl, "ob");
    assert_true(g->u.order_by.keys[0].descending);
    assert_false(g->u.order_by.keys[0].nulls_first); /* Spark: DESC puts nulls last */
    assert_true(g->u.order_by.keys[1].nulls_explicit);
    g = sb_pipeline_gem(pl, "lim");
    assert_int_equal(g->u.limit.count, 10);
    g = sb_pipeline_gem(pl, "dd");
    assert_int_equal(g->u.dedup.mode, SB_DEDUP_LAST);
    g = sb_pipeline_gem(pl, "agg");
    assert_true(g->u.aggregate.has_pivot);
    assert_int_equal(g->u.aggregate.pivot_values->u.array.len, 3);
    g = sb_pipeline_gem(pl, "j");
    assert_int_equal(g->u.join.joins[0].type, SB_JOIN_LEFT_ANTI);
    assert_true(g->u.join.joins[0].broadcast);
    g = sb_pipeline_gem(pl, "so");
    assert_int_equal(g->u.setop.op, SB_SETOP_UNION_BY_NAME);
    g = sb_pipeline_gem(pl, "w");
    assert_true(g->u.window.frame.present);
    assert_true(g->u.window.frame.start_unbounded);
    assert_int_equal(g->u.window.frame.end, 0);
    g = sb_pipeline_gem(pl, "rd");
    assert_int_equal(g->noutputs, 2);
    assert_string_equal(g->outputs[1], "small");
    g = sb_pipeline_gem(pl, "sql");
    assert_non_null(g->u.sql.query);
    assert_string_equal(g->inputs[0].gem, "rd");
    assert_string_equal(g->inputs[0].port, "big");
    g = sb_pipeline_gem(pl, "sg");
    assert_string_equal(g->u.subgraph.name.text, "clean");
}

typedef struct bad_case {
    const char *gems; /* the "gems" object's members */
    const char *expected;
} bad_case;

static void test_field_errors(void **state)
{
    fixture *f = *state;
    static const bad_case cases[] = {
        {"\"a\": {\"kind\": \"Filter\", \"inputs\": [\"b\"], \"condition\": 1}",
         "gem \"a\" field condition: error: expected a string, found a number"},
        {"\"a\": {\"kind\": \"Filter\", \"inputs\": [\"b\"], \"condition\": \"x >\"}",
         "gem \"a\" field condition:"},
        {"\"a\": {\"kind\": \"Filter\", \"inputs\": [\"b\"], \"condition\": \"  \"}",
         "gem \"a\" field condition: error: the expression is empty"},
        {"\"a\": {\"kind\": \"Limit\", \"inputs\": [\"b\"], \"count\": -1}",
         "field count: error: expected an integer between 0 and 2147483647, found -1"},
        {"\"a\": {\"kind\": \"Limit\", \"inputs\": [\"b\"], \"count\": 1.5}",
         "expected an integer between 0 and 2147483647, found 1.5"},
        {"\"a\": {\"kind\": \"Target\", \"inputs\": [\"b\"], \"dataset\": \"o\", \"mode\": \"overwrit\"}",
         "field mode: error: `overwrit` is not one of `error`, `overwrite`, `append` or `ignore`"},
        {"\"a\": {\"kind\": \"Join\", \"inputs\": [\"b\", \"c\"], \"joins\": [{\"type\": \"outer\"}]}",
         "field joins[0].type: error: `outer` is not one of"},
        {"\"a\": {\"kind\": \"Join\", \"inputs\": [\"b\", \"c\"], \"joins\": [{\"type\": \"left\"}]}",
         "field joins[0].condition: error: required field `condition` is missing"},
        {"\"a\": {\"kind\": \"Reformat\", \"inputs\": [\"b\"], \"expressions\": [{\"target\": \"x\"}]}",
         "field expressions[0].expression: error: required field `expression` is missing"},
        {"\"a\": {\"kind\": \"Reformat\", \"inputs\": [\"b.c.d\"], \"expressions\": []}",
         "field inputs[0]: error: `b.c.d` does not name an output"},
        {"\"a\": {\"kind\": \"Deduplicate\", \"inputs\": [\"b\"], \"mode\": \"first\", \"keys\": [\"k\"]}",
         "field orderBy: error: required field `orderBy` is missing"},
        {"\"a\": {\"kind\": \"WindowFunction\", \"inputs\": [\"b\"], \"expressions\": [],"
         " \"frame\": {\"type\": \"rows\", \"start\": 2, \"end\": -1}}",
         "field frame: error: the frame starts after it ends (start 2 > end -1)"},
        {"\"a\": {\"kind\": \"WindowFunction\", \"inputs\": [\"b\"], \"expressions\": [],"
         " \"frame\": {\"type\": \"rows\", \"start\": \"unboundedFollowing\", \"end\": 0}}",
         "field frame.start: error: expected \"unboundedPreceding\", \"currentRow\" or an integer"},
        {"\"a\": {\"kind\": \"RowDistributor\", \"inputs\": [\"b\"], \"outputs\": ["
         "{\"port\": \"x\", \"condition\": \"true\"}, {\"port\": \"x\", \"condition\": \"false\"}]}",
         "field outputs[1].port: error: port `x` is declared twice"},
        {"\"a\": {\"kind\": \"Script\", \"code\": \"print(1)\", \"schema\": []}",
         "field code: error: the script must define `def transform(spark, in0, ...)`"},
        {"\"a\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"d\", \"type\": \"date\"}], \"rows\": [[20240101]]}",
         "field rows[0][0]: error: column `d` has type date; a JSON number does not fit it"},
        {"\"a\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"d\", \"type\": \"int\"},"
         " {\"name\": \"D\", \"type\": \"int\"}], \"rows\": []}",
         "field schema[1].name: error: column `D` is declared twice"},
        {"\"a\": {\"kind\": \"SetOperation\", \"inputs\": [\"b\", \"c\"], \"operation\": \"union\"}",
         "hint: did you mean `unionAll`?"},
        {"\"a\": []", "gem \"a\": error: a gem must be an object, found array"},
        {"\"a\": {\"inputs\": []}", "gem \"a\" field kind: error: required field `kind` is missing"},
        {"\"import\": {\"kind\": \"Seed\"}", "`import` is not a valid gem name"},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        sb_diags_init(&f->d, f->a);
        const char *text = sb_arena_printf(f->a, "{\"gems\": {%s}}", cases[i].gems);
        pipeline(f, text);
        const char *all = diags_text(f);
        if (!strstr(all, cases[i].expected))
            fail_msg("case %zu: expected\n  %s\ngot:\n%s", i, cases[i].expected, all);
    }
}

static void test_positions(void **state)
{
    fixture *f = *state;
    pipeline(f, "{\n"
                "  \"gems\": {\n"
                "    \"keep\": {\n"
                "      \"condition\": 42,\n"
                "      \"inputs\": [\"x\"],\n"
                "      \"kind\": \"Filter\"\n"
                "    }\n"
                "  }\n"
                "}\n");
    expect_diag(f, "pipelines/p.json:4:20: gem \"keep\" field condition: error: expected a string");
}

static void test_dataset(void **state)
{
    fixture *f = *state;
    const char *text = "{\"format\": \"csv\", \"path\": \"data/o.csv\","
                       " \"options\": {\"header\": true, \"delimeter\": \";\"},"
                       " \"schema\": [{\"name\": \"id\", \"type\": \"bigint\"},"
                       "            {\"name\": \"amount\", \"type\": \"decimal(10,2)\"}]}";
    sb_dataset *ds = sb_spec_parse_dataset(f->a, "o", "datasets/o.json", text, strlen(text), &f->d);
    assert_non_null(ds);
    assert_int_equal(ds->format, SB_FORMAT_CSV);
    assert_string_equal(ds->path.text, "data/o.csv");
    assert_int_equal(ds->schema->nfields, 2);
    assert_int_equal(ds->schema->fields[1].type->kind, SB_T_DECIMAL);
    assert_int_equal(f->d.errors, 0);
    assert_int_equal(f->d.warnings, 1);
    expect_diag(f, "field options.delimeter: warning: `delimeter` is not a csv option Spark knows");
    expect_diag(f, "hint: did you mean `delimiter`?");
}

static void test_manifest_and_config(void **state)
{
    fixture *f = *state;
    sb_project *p = sb_project_new(f->a, ".");
    const char *m = "{\"name\": \"retail\", \"version\": \"1.0.0\", \"config\": {"
                    "\"min_date\": {\"type\": \"date\", \"default\": \"2024-01-01\"},"
                    "\"limit\": {\"type\": \"int\", \"default\": 3.5},"
                    "\"bad\": {\"type\": \"array<int>\"}}}";
    assert_int_equal(sb_project_parse_manifest(f->a, p, "sibyl.json", m, strlen(m), &f->d), 0);
    assert_string_equal(p->name, "retail");
    assert_string_equal(p->spark, "3.5");
    assert_non_null(sb_project_var(p, "min_date"));
    assert_int_equal(sb_project_var(p, "min_date")->type->kind, SB_T_DATE);
    expect_diag(f, "field config.limit.default: error: variable `limit` has type int; this number "
                   "does not fit it");
    expect_diag(f, "field config.bad.type: error: a configuration variable has a simple type");
    sb_diags_init(&f->d, f->a);
    const char *c = "{\"values\": {\"min_date\": \"2024-13-01\", \"min_dat\": \"x\"}}";
    sb_config_instance *ci = sb_spec_parse_config(f->a, p, "dev", "configs/dev.json", c, strlen(c), &f->d);
    assert_non_null(ci);
    expect_diag(f, "field values.min_date: error: variable `min_date` has type date");
    expect_diag(f, "hint: a date is written \"YYYY-MM-DD\"");
    expect_diag(f, "field values.min_dat: error: `min_dat` is not a configuration variable");
    expect_diag(f, "hint: did you mean `min_date`?");
}

static void test_subgraph(void **state)
{
    fixture *f = *state;
    const char *text = "{\"inputs\": 1, \"output\": \"clean\", \"gems\": {"
                       "\"clean\": {\"kind\": \"Filter\", \"inputs\": [\"in0\"], \"condition\": \"x\"},"
                       "\"in1\": {\"kind\": \"Filter\", \"inputs\": [\"in0\"], \"condition\": \"x\"}}}";
    sb_pipeline *sg = sb_spec_parse_pipeline(f->a, "s", "subgraphs/s.json", text, strlen(text), true, &f->d);
    assert_non_null(sg);
    assert_true(sg->is_subgraph);
    assert_int_equal(sg->ninputs, 1);
    assert_string_equal(sg->output.text, "clean");
    expect_diag(f, "`in1` names a subgraph input; choose another gem name");
}

static void test_format(void **state)
{
    fixture *f = *state;
    sb_buf out = SB_BUF_INIT;
    const char *in = "{\"gems\":{\"b\":{\"kind\":\"Limit\",\"count\":5},\"a\":{}},\"canvas\":{\"b\":[10,20]}}";
    assert_int_equal(sb_spec_format(in, strlen(in), &out, &f->d), 0);
    assert_string_equal(sb_buf_str(&out), "{\n"
                                          "  \"canvas\": {\n"
                                          "    \"b\": [10, 20]\n"
                                          "  },\n"
                                          "  \"gems\": {\n"
                                          "    \"a\": {},\n"
                                          "    \"b\": {\n"
                                          "      \"count\": 5,\n"
                                          "      \"kind\": \"Limit\"\n"
                                          "    }\n"
                                          "  }\n"
                                          "}\n");
    sb_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_gem_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dataset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manifest_and_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subgraph, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
