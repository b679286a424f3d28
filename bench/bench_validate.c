/*
 * bench_validate.c — how long sibyl takes to load, check and type a large
 * pipeline: N gems (default 200) over a 12-column seed, cycling through
 * Reformat, Filter, SchemaTransform, WindowFunction, Join, Aggregate and
 * SQLStatement gems with realistic expressions.
 *
 *   build/bench/bench_validate [GEMS] [ITERATIONS]
 *   build/bench/bench_validate --dump DIR [GEMS]   write the pipeline as a project
 *
 * Prints the median and best time per validation (parse the file, parse
 * and type-check every expression, propagate schemas) and the arena bytes used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/plan.h"

static const char *const seed_columns =
    "[{\"name\": \"id\", \"type\": \"bigint\"}, {\"name\": \"customer\", \"type\": \"string\"},"
    " {\"name\": \"email\", \"type\": \"string\"}, {\"name\": \"amount\", \"type\": \"decimal(10,2)\"},"
    " {\"name\": \"qty\", \"type\": \"int\"}, {\"name\": \"price\", \"type\": \"double\"},"
    " {\"name\": \"ordered_at\", \"type\": \"timestamp\"}, {\"name\": \"day\", \"type\": \"date\"},"
    " {\"name\": \"status\", \"type\": \"string\"}, {\"name\": \"region\", \"type\": \"string\"},"
    " {\"name\": \"tags\", \"type\": \"array<string>\"}, {\"name\": \"flag\", \"type\": \"boolean\"}]";

/* A Reformat that keeps the 12 columns, each through a function. */
static const char *const reformat_exprs =
    "[{\"target\": \"id\", \"expression\": \"id + 1\"},"
    " {\"target\": \"customer\", \"expression\": \"initcap(trim(customer))\"},"
    " {\"target\": \"email\", \"expression\": \"lower(coalesce(email, concat(customer, '@example.com')))\"},"
    " {\"target\": \"amount\", \"expression\": \"CAST(round(amount * 1.1, 2) AS decimal(10,2))\"},"
    " {\"target\": \"qty\", \"expression\": \"CASE WHEN qty < 0 THEN 0 ELSE qty END\"},"
    " {\"target\": \"price\", \"expression\": \"price * qty / greatest(qty, 1)\"},"
    " {\"target\": \"ordered_at\", \"expression\": \"ordered_at\"},"
    " {\"target\": \"day\", \"expression\": \"date_add(to_date(ordered_at), 1)\"},"
    " {\"target\": \"status\", \"expression\": \"upper(status)\"},"
    " {\"target\": \"region\", \"expression\": \"regexp_replace(region, '[^A-Za-z]', '')\"},"
    " {\"target\": \"tags\", \"expression\": \"array_distinct(tags)\"},"
    " {\"target\": \"flag\", \"expression\": \"flag AND status IN ('OPEN', 'PAID')\"}]";

static void gem(sb_buf *b, int i, const char *prev, int ngems)
{
    if (i > 1) sb_buf_puts(b, ",\n");
    switch (i % 6) {
    case 0:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Filter\", \"inputs\": [\"%s\"], \"condition\": "
                         "\"amount > 10 AND day >= date'2024-01-01' AND customer LIKE 'A%%' "
                         "AND NOT flag IS NULL\"}", i, prev);
        break;
    case 1:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Reformat\", \"inputs\": [\"%s\"], \"expressions\": %s}",
                      i, prev, reformat_exprs);
        break;
    case 2:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"SchemaTransform\", \"inputs\": [\"%s\"], \"operations\": ["
                         "{\"op\": \"add\", \"target\": \"tmp\", \"expression\": \"sha2(concat_ws('|', customer, email), 256)\"},"
                         "{\"op\": \"drop\", \"column\": \"tmp\"}]}", i, prev);
        break;
    case 3:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"WindowFunction\", \"inputs\": [\"%s\"], "
                         "\"partitionBy\": [\"customer\"], \"orderBy\": [{\"expression\": \"ordered_at\"}],"
                         "\"expressions\": [{\"target\": \"flag\", \"expression\": \"lag(flag, 1, false)\"}]}",
                      i, prev);
        break;
    case 4:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"Join\", \"inputs\": [\"%s\", \"seed\"], \"joins\": ["
                         "{\"type\": \"left_semi\", \"condition\": \"in0.id = in1.id AND in0.region = in1.region\"}]}",
                      i, prev);
        break;
    case 5:
        sb_buf_printf(b, "\"g%d\": {\"kind\": \"SQLStatement\", \"inputs\": [\"%s\"], \"query\": "
                         "\"SELECT id, customer, email, amount, qty, price, ordered_at, day, status, region, tags, "
                         "flag FROM in0 WHERE qty BETWEEN 1 AND 100 ORDER BY id\"}", i, prev);
        break;
    }
    (void)ngems;
}

static char *make_pipeline(int ngems)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "{\"gems\": {\n\"seed\": {\"kind\": \"Seed\", \"rows\": [], \"schema\": %s},\n",
                  seed_columns);
    char prev[32] = "seed";
    for (int i = 1; i < ngems - 1; i++) {
        gem(&b, i, prev, ngems);
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

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* A project holding the benchmark pipeline, for peers to check the same thing. */
static int dump_project(const char *dir, int ngems)
{
    char path[4096];
    snprintf(path, sizeof path, "mkdir -p '%s/pipelines'", dir);
    if (system(path) != 0) return 1;
    snprintf(path, sizeof path, "%s/sibyl.json", dir);
    const char *manifest = "{\n  \"name\": \"bench\",\n  \"version\": \"0.1.0\"\n}\n";
    if (sb_write_file_atomic(path, manifest, strlen(manifest)) != 0) return 1;
    char *text = make_pipeline(ngems);
    snprintf(path, sizeof path, "%s/pipelines/bench.json", dir);
    int rc = sb_write_file_atomic(path, text, strlen(text));
    free(text);
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "--dump") == 0)
        return dump_project(argv[2], argc > 3 ? atoi(argv[3]) : 200);
    int ngems = argc > 1 ? atoi(argv[1]) : 200;
    int iterations = argc > 2 ? atoi(argv[2]) : 200;
    if (ngems < 3 || iterations < 1) {
        fprintf(stderr, "usage: bench_validate [GEMS>=3] [ITERATIONS>=1]\n");
        return 2;
    }
    char *text = make_pipeline(ngems);
    size_t len = strlen(text);
    double *times = malloc(sizeof(double) * (size_t)iterations);
    size_t arena_bytes = 0, exprs_errors = 0;
    for (int it = 0; it < iterations; it++) {
        double t0 = now_ms();
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        sb_pipeline *pl = sb_spec_parse_pipeline(a, "bench", "pipelines/bench.json", text, len,
                                                 false, &d);
        if (pl) sb_plan_pipeline(a, NULL, pl, NULL, &d);
        times[it] = now_ms() - t0;
        arena_bytes = sb_arena_used(a);
        exprs_errors = d.errors;
        if (it == 0 && d.errors) {
            sb_buf out = SB_BUF_INIT;
            for (size_t i = 0; i < sb_diags_count(&d) && i < 5; i++)
                sb_diag_format(&out, sb_diags_at(&d, i));
            fprintf(stderr, "%s", sb_buf_str(&out));
            sb_buf_free(&out);
        }
        sb_arena_free(a);
    }
    qsort(times, (size_t)iterations, sizeof(double), cmp_double);
    printf("validate %d-gem pipeline (%zu bytes of JSON): median %.3f ms, best %.3f ms, "
           "p90 %.3f ms over %d runs; arena %zu KiB; %zu errors\n",
           ngems, len, times[iterations / 2], times[0], times[(iterations * 9) / 10], iterations,
           arena_bytes / 1024, exprs_errors);
    free(times);
    free(text);
    return exprs_errors ? 1 : 0;
}
