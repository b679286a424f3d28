/*
 * test_api.c — the planner's functions as their callers use them: where a
 * diagnostic points (file, gem, field, line, column, span, as fields of
 * sb_diag), the schemas `sibyl schema` shows, printSchema's text, ${var}
 * substitution, planning a pipeline on its own or twice.
 *
 * The gem rules themselves are covered by the table in tests/plan/cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
    sb_project *p;
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
    sb_pipeline *pl = sb_spec_parse_pipeline(f->a, "orders", "pipelines/orders.json", text,
                                             strlen(text), false, &f->d);
    assert_non_null(pl);
    return pl;
}

static const char *all_diags(fixture *f)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < sb_diags_count(&f->d); i++) sb_diag_format(&b, sb_diags_at(&f->d, i));
    const char *s = sb_arena_strdup(f->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

/* The only error (fails when there is not exactly one). */
static const sb_diag *only_error(fixture *f)
{
    const sb_diag *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < sb_diags_count(&f->d); i++)
        if (sb_diags_at(&f->d, i)->severity == SB_SEV_ERROR) found = sb_diags_at(&f->d, i), n++;
    if (n != 1) fail_msg("expected one error, got %zu:\n%s", n, all_diags(f));
    return found;
}

static const char *schema_text(fixture *f, const sb_type *t)
{
    sb_buf b = SB_BUF_INIT;
    sb_plan_print_schema(&b, t);
    const char *s = sb_arena_strdup(f->a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static const char *const orders_seed =
    "    \"orders\": {\"kind\": \"Seed\", \"rows\": [], \"schema\": [\n"
    "      {\"name\": \"order_id\", \"type\": \"int\", \"nullable\": false},\n"
    "      {\"name\": \"status\", \"type\": \"string\"},\n"
    "      {\"name\": \"amount\", \"type\": \"double\"}]}";

/* The diagnostic carries the place as data, not only as text: the
 * editor underlines the span inside the field at that line. */
static void test_error_attribution(void **state)
{
    fixture *f = *state;
    char *text =
        sb_arena_printf(f->a,
                        "{\n"
                        "  \"gems\": {\n"
                        "%s,\n"
                        "    \"clean_orders\": {\"kind\": \"Reformat\", \"inputs\": [\"orders\"],\n"
                        "      \"expressions\": [\n"
                        "        {\"target\": \"id\", \"expression\": \"order_id\"},\n"
                        "        {\"target\": \"paid\", \"expression\": \"status = array(1)\"}\n"
                        "      ]}\n"
                        "  }\n"
                        "}\n",
                        orders_seed);
    sb_pipeline *pl = pipeline(f, text);
    assert_int_equal(sb_plan_pipeline(f->a, NULL, pl, NULL, &f->d), -1);
    const sb_diag *e = only_error(f);
    assert_string_equal(e->file, "pipelines/orders.json");
    assert_string_equal(e->gem, "clean_orders");
    assert_string_equal(e->field, "expressions[1].expression");
    assert_int_equal(e->line, 10);
    assert_int_equal(e->col, 42); /* the opening quote of the expression's string */
    assert_true(e->has_span);
    /* `status = array(1)`: the whole comparison. */
    assert_int_equal(e->span.start, 0);
    assert_int_equal(e->span.end, 17);
    sb_buf b = SB_BUF_INIT;
    sb_diag_format(&b, e);
    assert_non_null(strstr(sb_buf_str(&b),
                           "pipelines/orders.json:10:42: gem \"clean_orders\" field "
                           "expressions[1].expression: 1-17: error: "));
    sb_buf_free(&b);
}

static void test_graph_error_attribution(void **state)
{
    fixture *f = *state;
    char *text = sb_arena_printf(f->a,
                                 "{\"gems\": {\n%s,\n"
                                 "  \"f\": {\"kind\": \"Filter\", \"inputs\": [\"ordres\"], "
                                 "\"condition\": \"true\"}}}\n",
                                 orders_seed);
    sb_pipeline *pl = pipeline(f, text);
    sb_plan_pipeline(f->a, NULL, pl, NULL, &f->d);
    const sb_diag *e = only_error(f);
    assert_string_equal(e->code, "unknown-gem");
    assert_string_equal(e->gem, "f");
    assert_string_equal(e->field, "inputs[0]");
    assert_int_equal(e->line, 6);
    assert_int_equal(e->col, 38);
    assert_false(e->has_span);
    assert_string_equal(e->hint, "did you mean `orders`?");
}

static void test_gem_schemas(void **state)
{
    fixture *f = *state;
    char *text = sb_arena_printf(
        f->a,
        "{\"gems\": {\n%s,\n"
        "  \"split\": {\"kind\": \"RowDistributor\", \"inputs\": [\"orders\"], \"outputs\": [\n"
        "     {\"port\": \"big\", \"condition\": \"amount > 100\"},\n"
        "     {\"port\": \"small\", \"condition\": \"amount <= 100\"}]},\n"
        "  \"r\": {\"kind\": \"Reformat\", \"inputs\": [\"split.big\"], \"expressions\": [\n"
        "     {\"target\": \"id\", \"expression\": \"order_id\"}]}}}\n",
        orders_seed);
    sb_pipeline *pl = pipeline(f, text);
    sb_plan_pipeline(f->a, NULL, pl, NULL, &f->d);
    assert_int_equal(f->d.errors, 0);

    sb_gem_schemas gs;
    assert_int_equal(sb_plan_gem_schemas(f->a, pl, "split", &gs, &f->d), 0);
    assert_int_equal(gs.ninputs, 1);
    assert_string_equal(gs.input_refs[0], "orders");
    assert_int_equal(gs.noutputs, 2);
    assert_string_equal(gs.output_names[0], "big");
    assert_string_equal(gs.output_names[1], "small");
    assert_ptr_equal(gs.outputs[0], gs.inputs[0]);
    assert_string_equal(schema_text(f, gs.outputs[1]), "root\n"
                                                       " |-- order_id: integer (nullable = false)\n"
                                                       " |-- status: string (nullable = true)\n"
                                                       " |-- amount: double (nullable = true)\n");

    assert_int_equal(sb_plan_gem_schemas(f->a, pl, "r", &gs, &f->d), 0);
    assert_string_equal(gs.input_refs[0], "split.big");
    assert_string_equal(schema_text(f, gs.outputs[0]),
                        "root\n |-- id: integer (nullable = false)\n");
    assert_ptr_equal(sb_plan_input_schema(gs.gem, 0), pl->gems[2]->out_schemas[0]);

    assert_int_equal(sb_plan_gem_schemas(f->a, pl, "spilt", &gs, &f->d), -1);
    const sb_diag *e = only_error(f);
    assert_string_equal(e->message, "pipeline `orders` has no gem `spilt`");
    assert_string_equal(e->hint, "did you mean `split`?");
}

static void test_print_schema_nested(void **state)
{
    fixture *f = *state;
    const char *ddl = "id bigint not null, tags array<string>, m map<string,array<int>>, "
                      "s struct<a:decimal(10,2),b:struct<c:timestamp_ntz>>, t timestamp, "
                      "n void, iv interval day, ym interval year to month, by tinyint, "
                      "sh smallint, f float, bin binary, d date, bo boolean";
    const sb_type *t = sb_type_parse_schema(f->a, ddl, strlen(ddl), &f->d);
    if (!t) fail_msg("%s", all_diags(f));
    assert_string_equal(schema_text(f, t), "root\n"
                                           " |-- id: long (nullable = false)\n"
                                           " |-- tags: array (nullable = true)\n"
                                           " |    |-- element: string (containsNull = true)\n"
                                           " |-- m: map (nullable = true)\n"
                                           " |    |-- key: string\n"
                                           " |    |-- value: array (valueContainsNull = true)\n"
                                           " |    |    |-- element: integer (containsNull = true)\n"
                                           " |-- s: struct (nullable = true)\n"
                                           " |    |-- a: decimal(10,2) (nullable = true)\n"
                                           " |    |-- b: struct (nullable = true)\n"
                                           " |    |    |-- c: timestamp_ntz (nullable = true)\n"
                                           " |-- t: timestamp (nullable = true)\n"
                                           " |-- n: void (nullable = true)\n"
                                           " |-- iv: interval day (nullable = true)\n"
                                           " |-- ym: interval year to month (nullable = true)\n"
                                           " |-- by: byte (nullable = true)\n"
                                           " |-- sh: short (nullable = true)\n"
                                           " |-- f: float (nullable = true)\n"
                                           " |-- bin: binary (nullable = true)\n"
                                           " |-- d: date (nullable = true)\n"
                                           " |-- bo: boolean (nullable = true)\n");
    assert_string_equal(schema_text(f, NULL), "root (unknown)\n");
    assert_string_equal(sb_plan_type_name(f->a, sb_type_of(SB_T_INT)), "integer");
    assert_string_equal(sb_plan_type_name(f->a, sb_type_of(SB_T_LONG)), "long");
}

static sb_project *project(fixture *f, const char *manifest)
{
    sb_project *p = sb_project_new(f->a, "proj");
    assert_int_equal(
        sb_project_parse_manifest(f->a, p, "sibyl.json", manifest, strlen(manifest), &f->d), 0);
    return p;
}

static void test_substitute(void **state)
{
    fixture *f = *state;
    sb_project *p = project(f, "{\"name\": \"t\", \"version\": \"1.0.0\", \"config\": {"
                               "\"region\": {\"type\": \"string\", \"default\": \"eu\"},"
                               "\"year\": {\"type\": \"int\", \"default\": 2024},"
                               "\"full\": {\"type\": \"boolean\", \"default\": false},"
                               "\"day\": {\"type\": \"date\"}}}");
    const char *cfg = "{\"values\": {\"region\": \"us\", \"day\": \"2024-05-01\"}}";
    sb_config_instance *prod =
        sb_spec_parse_config(f->a, p, "prod", "configs/prod.json", cfg, strlen(cfg), &f->d);
    assert_non_null(prod);
    p->configs = sb_arena_alloc(f->a, sizeof(sb_config_instance *));
    p->configs[0] = prod;
    p->nconfigs = 1;
    assert_ptr_equal(sb_plan_find_config(p, "prod"), prod);
    assert_null(sb_plan_find_config(p, "dev"));

    assert_string_equal(
        sb_plan_substitute(f->a, p, NULL, "data/${region}/${year}/x_${full}.csv", &f->d),
        "data/eu/2024/x_false.csv");
    assert_string_equal(sb_plan_substitute(f->a, p, prod, "data/${region}/${day}", &f->d),
                        "data/us/2024-05-01");
    assert_string_equal(sb_plan_substitute(f->a, p, NULL, "plain/path.csv", &f->d),
                        "plain/path.csv");
    assert_int_equal(f->d.errors, 0);

    /* `day` has no default: an error with a span over `${day}`. */
    assert_null(sb_plan_substitute(f->a, p, NULL, "x/${day}", &f->d));
    const sb_diag *e = only_error(f);
    assert_string_equal(e->code, "config-no-value");
    assert_int_equal(e->span.start, 2);
    assert_int_equal(e->span.end, 8);

    sb_diags_init(&f->d, f->a);
    assert_null(sb_plan_substitute(f->a, p, NULL, "${regoin}", &f->d));
    e = only_error(f);
    assert_string_equal(e->hint, "did you mean `region`?");

    sb_diags_init(&f->d, f->a);
    assert_null(sb_plan_substitute(f->a, p, NULL, "a/${region", &f->d));
    e = only_error(f);
    assert_string_equal(e->code, "config-syntax");
    assert_int_equal(e->span.start, 2);

    const sb_json *v = sb_plan_config_value(p, prod, "year");
    assert_non_null(v);
    assert_int_equal(v->kind, SB_JSON_NUMBER);
    assert_null(sb_plan_config_value(p, prod, "nope"));
}

/* Planning the same pipeline again gives the same result and no new
 * problems; a pipeline without its project still gets its graph checked. */
static void test_plan_twice_and_alone(void **state)
{
    fixture *f = *state;
    const char *text =
        "{\"gems\": {"
        "\"src\": {\"kind\": \"Source\", \"dataset\": \"orders\"},"
        "\"b\": {\"kind\": \"Filter\", \"inputs\": [\"a\"], \"condition\": \"x\"},"
        "\"a\": {\"kind\": \"Filter\", \"inputs\": [\"src\"], \"condition\": \"x\"}}}";
    sb_pipeline *pl = pipeline(f, text);
    assert_int_equal(sb_plan_pipeline(f->a, NULL, pl, NULL, &f->d), 0);
    assert_true(pl->checked);
    assert_int_equal(pl->norder, 3);
    assert_string_equal(pl->order[0]->name, "src");
    assert_string_equal(pl->order[1]->name, "a");
    assert_string_equal(pl->order[2]->name, "b");
    /* The Source's dataset is unknown without the project: a warning, and
     * nothing downstream is type-checked against a guess. */
    size_t n = sb_diags_count(&f->d);
    assert_int_equal(f->d.errors, 0);
    assert_non_null(strstr(all_diags(f), "dataset `orders` is not known outside its project"));
    assert_int_equal(sb_plan_pipeline(f->a, NULL, pl, NULL, &f->d), 0);
    assert_int_equal(sb_diags_count(&f->d), 2 * n);
    assert_int_equal(pl->norder, 3);
    assert_null(pl->gems[0]->out_schemas[0]);
}

static void test_unknown_config_option(void **state)
{
    fixture *f = *state;
    sb_project *p = project(f, "{\"name\": \"t\", \"version\": \"1.0.0\"}");
    sb_plan_options opt = {.config = "prod"};
    assert_int_equal(sb_plan_project(f->a, p, &opt, &f->d), -1);
    const sb_diag *e = only_error(f);
    assert_string_equal(e->code, "unknown-config");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error_attribution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_error_attribution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gem_schemas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_schema_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_substitute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_twice_and_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_config_option, setup, teardown),
    };
    return cmocka_run_group_tests_name("plan api", tests, NULL, NULL);
}
