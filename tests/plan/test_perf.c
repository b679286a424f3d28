/*
 * test_perf.c — checking a large pipeline stays fast: a 200-gem pipeline of
 * every single-pipeline gem kind (with fan-in through joins and unions)
 * is resolved, ordered and type-checked well under 10 ms, and 2000 gems
 * take about ten times as long, not a hundred (no per-gem rescans).
 *
 * Only planning is timed (the file is parsed beforehand); the best of a
 * few runs is used so that a busy machine does not fail the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"

static const char *const columns =
    "[{\"name\": \"id\", \"type\": \"bigint\", \"nullable\": false},"
    " {\"name\": \"customer\", \"type\": \"string\"}, {\"name\": \"amount\", \"type\": \"decimal(10,2)\"},"
    " {\"name\": \"qty\", \"type\": \"int\"}, {\"name\": \"price\", \"type\": \"double\"},"
    " {\"name\": \"ordered_at\", \"type\": \"timestamp\"}, {\"name\": \"day\", \"type\": \"date\"},"
    " {\"name\": \"status\", \"type\": \"string\"}, {\"name\": \"region\", \"type\": \"string\"},"
    " {\"name\": \"tags\", \"type\": \"array<string>\"}, {\"name\": \"flag\", \"type\": \"boolean\"},"
    " {\"name\": \"email\", \"type\": \"string\"}]";

static const char *const keep_all =
    "[{\"target\": \"id\", \"expression\": \"id + 1\"},"
    " {\"target\": \"customer\", \"expression\": \"initcap(trim(customer))\"},"
    " {\"target\": \"amount\", \"expression\": \"CAST(round(amount * 1.1, 2) AS decimal(10,2))\"},"
    " {\"target\": \"qty\", \"expression\": \"CASE WHEN qty < 0 THEN 0 ELSE qty END\"},"
    " {\"target\": \"price\", \"expression\": \"price * qty / greatest(qty, 1)\"},"
    " {\"target\": \"ordered_at\", \"expression\": \"ordered_at\"},"
    " {\"target\": \"day\", \"expression\": \"date_add(to_date(ordered_at), 1)\"},"
    " {\"target\": \"status\", \"expression\": \"upper(status)\"},"
    " {\"target\": \"region\", \"expression\": \"regexp_replace(region, '[^A-Za-z]', '')\"},"
    " {\"target\": \"tags\", \"expression\": \"array_distinct(tags)\"},"
    " {\"target\": \"flag\", \"expression\": \"flag AND status IN ('OPEN', 'PAID')\"},"
    " {\"target\": \"email\", \"expression\": \"lower(coalesce(email, concat(customer, '@x.org')))\"}]";

/* One gem reading `prev` (and the seed, for gems with two inputs). */
static void gem(sb_buf *b, int i, const char *prev)
{
    switch (i % 10) {
    case 0:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Filter\", \"inputs\": [\"%s\"], \"condition\": "
                         "\"amount > 10 AND day >= date'2024-01-01' AND customer LIKE 'A%%'\"}",
                      i, prev);
        break;
    case 1:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Reformat\", \"inputs\": [\"%s\"], \"expressions\": %s}",
                      i, prev, keep_all);
        break;
    case 2:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"SchemaTransform\", \"inputs\": [\"%s\"], \"operations\": ["
                         "{\"op\": \"add\", \"target\": \"tmp\", \"expression\": \"sha2(concat_ws('|', customer, email), 256)\"},"
                         "{\"op\": \"rename\", \"column\": \"tmp\", \"target\": \"tmp2\"},"
                         "{\"op\": \"drop\", \"column\": \"tmp2\"}]}",
                      i, prev);
        break;
    case 3:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"WindowFunction\", \"inputs\": [\"%s\"], "
                         "\"partitionBy\": [\"customer\"], \"orderBy\": [{\"expression\": \"ordered_at\"}],"
                         "\"expressions\": [{\"target\": \"flag\", \"expression\": \"lag(flag, 1, false)\"},"
                         "{\"target\": \"price\", \"expression\": \"avg(price)\"}]}",
                      i, prev);
        break;
    case 4:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Join\", \"inputs\": [\"%s\", \"seed\"], \"joins\": ["
                         "{\"type\": \"left_semi\", \"condition\": \"in0.id = in1.id AND in0.region = in1.region\"}]}",
                      i, prev);
        break;
    case 5:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"SQLStatement\", \"inputs\": [\"%s\"], \"query\": "
                         "\"SELECT id, customer, amount, qty, price, ordered_at, day, status, region, tags, "
                         "flag, email FROM in0 WHERE qty BETWEEN 1 AND 100\"}",
                      i, prev);
        break;
    case 6:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"SetOperation\", \"operation\": \"unionAll\", "
                         "\"inputs\": [\"%s\", \"seed\"]}",
                      i, prev);
        break;
    case 7:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"OrderBy\", \"inputs\": [\"%s\"], \"keys\": ["
                         "{\"expression\": \"day\", \"direction\": \"desc\"}, {\"expression\": \"id\"}]}",
                      i, prev);
        break;
    case 8:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Deduplicate\", \"inputs\": [\"%s\"], \"mode\": \"first\", "
                         "\"keys\": [\"id\"], \"orderBy\": [{\"expression\": \"ordered_at\"}]}",
                      i, prev);
        break;
    case 9:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Limit\", \"inputs\": [\"%s\"], \"count\": 1000}", i,
                      prev);
        break;
    }
}

static char *make_pipeline(int ngems)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "{\"gems\": {\n\"seed\": {\"kind\": \"Seed\", \"rows\": [], \"schema\": %s}",
                  columns);
    char prev[32] = "seed";
    for (int i = 1; i < ngems - 1; i++) {
        sb_buf_puts(&b, ",\n");
        gem(&b, i, prev);
        snprintf(prev, sizeof prev, "g%d", i);
    }
    sb_buf_printf(&b, ",\n\"total\": {\"kind\": \"Aggregate\", \"inputs\": [\"%s\"], "
                      "\"groupBy\": [{\"target\": \"region\", \"expression\": \"region\"}],"
                      "\"aggregates\": [{\"target\": \"revenue\", \"expression\": \"sum(amount)\"},"
                      "{\"target\": \"orders\", \"expression\": \"count(DISTINCT id)\"}]}\n}}\n",
                  prev);
    return sb_buf_detach(&b);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Best planning time over `runs`, each on a freshly parsed pipeline. */
static double plan_ms(int ngems, int runs)
{
    char *text = make_pipeline(ngems);
    double best = 1e9;
    for (int r = 0; r < runs; r++) {
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        sb_pipeline *pl =
            sb_spec_parse_pipeline(a, "big", "pipelines/big.json", text, strlen(text), false, &d);
        assert_non_null(pl);
        double t0 = now_ms();
        int rc = sb_plan_pipeline(a, NULL, pl, NULL, &d);
        double t = now_ms() - t0;
        if (rc != 0 || d.errors) {
            sb_buf out = SB_BUF_INIT;
            for (size_t i = 0; i < sb_diags_count(&d) && i < 5; i++)
                sb_diag_format(&out, sb_diags_at(&d, i));
            fail_msg("the generated pipeline has errors:\n%s", sb_buf_str(&out));
        }
        assert_int_equal(pl->norder, (size_t)ngems);
        /* Every gem is typed. */
        for (size_t i = 0; i < pl->ngems; i++)
            if (pl->gems[i]->noutputs) assert_non_null(pl->gems[i]->out_schemas[0]);
        if (t < best) best = t;
        sb_arena_free(a);
    }
    free(text);
    return best;
}

static void test_200_gems_fast(void **state)
{
    (void)state;
    double t = plan_ms(200, 5);
    printf("    planning 200 gems: %.3f ms (best of 5)\n", t);
    assert_true(t < 10.0);
}

static void test_linear_in_gems(void **state)
{
    (void)state;
    double small = plan_ms(200, 3), big = plan_ms(2000, 3);
    printf("    planning 200 gems: %.3f ms, 2000 gems: %.3f ms\n", small, big);
    /* Ten times the gems: roughly ten times the work; a quadratic step
     * would make it a hundred. */
    assert_true(big < 100.0);
    assert_true(big < 50.0 * small + 10.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_200_gems_fast),
        cmocka_unit_test(test_linear_in_gems),
    };
    return cmocka_run_group_tests_name("plan performance", tests, NULL, NULL);
}
