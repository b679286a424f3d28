/*
 * fuzz_sql_parse.c — libFuzzer target for the Spark SQL lexer, parser and
 * printer.
 *
 * Each input is parsed as an expression, a query and a sort key. Whatever
 * parses is printed, and the printed text must parse again to the same
 * tree and print the same way (the printer's promise). A failed parse must
 * leave exactly one error. What parses is also type-checked over a table
 * with a column of every type, and named (the column name Spark would give
 * it, which depends on the types). Crashes, sanitizer reports and aborts
 * are bugs.
 *
 *   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DSIBYL_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_sql_parse
 *   build-fuzz/fuzz/fuzz_sql_parse -max_total_time=120 CORPUS_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/sql/parser/sexpr.h"
#include "sql/sql.h"

static size_t errors(const sb_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < sb_diags_count(d); i++)
        if (sb_diags_at(d, i)->severity == SB_SEV_ERROR) n++;
    return n;
}

static void check(bool ok, const char *what, const char *text)
{
    if (ok) return;
    fprintf(stderr, "fuzz_sql_parse: %s\n  text: %s\n", what, text);
    abort();
}

static const char TABLE_DDL[] =
    "b boolean, ti tinyint, i int, l bigint, d double, dec decimal(10,2), s string, "
    "bin binary, dt date, ts timestamp, ntz timestamp_ntz, dti interval day to second, "
    "ymi interval year to month, arr array<int>, m map<string,int>, "
    "st struct<a:int,b:string>, nested struct<x:struct<y:int>,items:array<struct<k:string>>>";

static const sb_type *g_table;

static const sb_type *table_schema(void *ctx, const char *name)
{
    (void)ctx;
    return sb_str_ieq(name, "t") ? g_table : NULL;
}

static const sb_type *table(void)
{
    if (!g_table) {
        static sb_arena *keep;
        keep = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, keep);
        g_table = sb_type_parse_schema(keep, TABLE_DDL, strlen(TABLE_DDL), &d);
    }
    return g_table;
}

/* Type-check e as a column of t in every context, and name it. */
static void check_and_name_expr(sb_arena *a, sb_expr *e)
{
    sb_sql_input in = {"t", table()};
    sb_sql_scope scope = {0};
    scope.inputs = &in;
    scope.ninputs = 1;
    scope.flags = SB_CHECK_AGGREGATES | SB_CHECK_WINDOWS | SB_CHECK_GENERATORS;
    sb_diags d;
    sb_diags_init(&d, a);
    const sb_type *t = sb_sql_check_expr(a, e, &scope, &d);
    check(t != NULL || errors(&d) >= 1, "a rejected expression must report an error", "");
    (void)sb_sql_auto_name(a, e);
}

static void round_trip_expr(sb_arena *a, const sb_expr *e)
{
    sb_buf p1 = SB_BUF_INIT, p2 = SB_BUF_INIT, t1 = SB_BUF_INIT, t2 = SB_BUF_INIT;
    sb_sql_print_expr(&p1, e);
    (void)sb_sql_auto_name(a, e);
    sb_diags d;
    sb_diags_init(&d, a);
    sb_expr *e2 = sb_sql_parse_expr(a, sb_buf_str(&p1), p1.len, &d);
    check(e2 != NULL, "printed expression does not parse", sb_buf_str(&p1));
    sx_expr(&t1, e);
    sx_expr(&t2, e2);
    check(strcmp(sb_buf_str(&t1), sb_buf_str(&t2)) == 0, "printed expression changed the tree",
          sb_buf_str(&p1));
    sb_sql_print_expr(&p2, e2);
    check(strcmp(sb_buf_str(&p1), sb_buf_str(&p2)) == 0, "printing is not stable",
          sb_buf_str(&p1));
    sb_buf_free(&p1);
    sb_buf_free(&p2);
    sb_buf_free(&t1);
    sb_buf_free(&t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    sb_arena *a = sb_arena_new();
    sb_diags d;

    sb_diags_init(&d, a);
    sb_expr *e = sb_sql_parse_expr(a, text, size, &d);
    if (e) {
        round_trip_expr(a, e);
        check_and_name_expr(a, e);
    } else
        check(errors(&d) == 1, "a failed expression parse must report one error", "");

    sb_diags_init(&d, a);
    sb_query *q = sb_sql_parse_query(a, text, size, &d);
    if (q) {
        sb_buf p1 = SB_BUF_INIT, t1 = SB_BUF_INIT, t2 = SB_BUF_INIT;
        sb_sql_print_query(&p1, q);
        sb_diags d2;
        sb_diags_init(&d2, a);
        sb_query *q2 = sb_sql_parse_query(a, sb_buf_str(&p1), p1.len, &d2);
        check(q2 != NULL, "printed query does not parse", sb_buf_str(&p1));
        sx_query(&t1, q);
        sx_query(&t2, q2);
        check(strcmp(sb_buf_str(&t1), sb_buf_str(&t2)) == 0, "printed query changed the tree",
              sb_buf_str(&p1));
        sb_buf_free(&p1);
        sb_buf_free(&t1);
        sb_buf_free(&t2);
        /* the original tree: checking fills in types and names the columns */
        sb_sql_scope scope = {0};
        scope.table_schema = table_schema;
        (void)table();
        sb_diags_init(&d2, a);
        const sb_type *st = sb_sql_check_query(a, q, &scope, &d2);
        check(st != NULL || errors(&d2) >= 1, "a rejected query must report an error", "");
    } else {
    }

    sb_diags_init(&d, a);
    sb_sort_key *k = sb_sql_parse_sort_key(a, text, size, &d);
    if (k) round_trip_expr(a, k->expr);

    sb_arena_free(a);
    return 0;
}
