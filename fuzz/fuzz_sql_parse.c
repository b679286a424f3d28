/*
 * fuzz_sql_parse.c — libFuzzer target for the Spark SQL lexer, parser and
 * printer.
 *
 * Each input is parsed as an expression, a query and a sort key. Whatever
 * parses is printed, and the printed text must parse again to the same
 * tree and print the same way (the printer's promise). A failed parse must
 * leave exactly one error. Crashes, sanitizer reports and aborts are bugs.
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
    if (e)
        round_trip_expr(a, e);
    else
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
    } else {
        check(errors(&d) == 1, "a failed query parse must report one error", "");
    }

    sb_diags_init(&d, a);
    sb_sort_key *k = sb_sql_parse_sort_key(a, text, size, &d);
    if (k) round_trip_expr(a, k->expr);

    sb_arena_free(a);
    return 0;
}
