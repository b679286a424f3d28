/*
 * test_print.c — the canonical printer and Spark's column names.
 *
 * The tables in test_parser.c already print and re-parse every case; this
 * file covers trees the parser never builds but other code may (a negated
 * literal, a field of a plain column, a lambda outside a call), identifier
 * quoting, and a list of tricky texts that must survive printing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/sexpr.h"
#include "sql/sql.h"

static sb_arena *A;

static int setup(void **state)
{
    (void)state;
    A = sb_arena_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sb_arena_free(A);
    return 0;
}

static sb_expr *node(sb_expr_kind k)
{
    sb_expr *e = sb_arena_alloc(A, sizeof *e);
    e->kind = k;
    return e;
}

static sb_expr *column(const char *name)
{
    sb_expr *e = node(SB_E_COLUMN);
    const char **parts = sb_arena_alloc(A, sizeof *parts);
    parts[0] = name;
    e->u.column.parts = parts;
    e->u.column.nparts = 1;
    return e;
}

static sb_expr *int_lit(const char *text)
{
    sb_expr *e = node(SB_E_LITERAL);
    e->u.lit.kind = SB_LIT_INTEGER;
    e->u.lit.text = text;
    e->u.lit.len = strlen(text);
    e->u.lit.type = sb_type_of(SB_T_INT);
    return e;
}

static sb_expr *unary(sb_unop op, sb_expr *arg)
{
    sb_expr *e = node(SB_E_UNARY);
    e->u.unary.op = op;
    e->u.unary.arg = arg;
    return e;
}

static sb_expr *binary(sb_binop op, sb_expr *l, sb_expr *r)
{
    sb_expr *e = node(SB_E_BINARY);
    e->u.binary.op = op;
    e->u.binary.left = l;
    e->u.binary.right = r;
    return e;
}

static const char *print(const sb_expr *e)
{
    sb_buf b = SB_BUF_INIT;
    sb_sql_print_expr(&b, e);
    const char *s = sb_arena_strdup(A, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static const char *dump(const sb_expr *e)
{
    sb_buf b = SB_BUF_INIT;
    sx_expr(&b, e);
    const char *s = sb_arena_strdup(A, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

/* Print e, parse the text, and check the tree is the same. */
static void assert_round_trip(const sb_expr *e, const char *want_text)
{
    const char *text = print(e);
    assert_string_equal(text, want_text);
    sb_diags d;
    sb_diags_init(&d, A);
    sb_expr *back = sb_sql_parse_expr(A, text, strlen(text), &d);
    if (!back) fail_msg("'%s' does not parse: %s", text, sb_diags_at(&d, 0)->message);
    assert_string_equal(dump(back), dump(e));
}

static void test_ident_quoting(void **state)
{
    (void)state;
    const struct {
        const char *name, *printed;
    } cases[] = {
        {"amount", "amount"},   {"_a1", "_a1"},          {"Order_ID", "Order_ID"},
        {"order", "`order`"},   {"SELECT", "`SELECT`"},  {"a b", "`a b`"},
        {"a`b", "`a``b`"},      {"1st", "`1st`"},        {"", "``"},
        {"größe", "`größe`"},   {"null", "`null`"},      {"date", "date"},
        {"user", "user"},       {"a.b", "`a.b`"},        {"interval", "`interval`"},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        sb_buf b = SB_BUF_INIT;
        sb_sql_print_ident(&b, cases[i].name);
        assert_string_equal(sb_buf_str(&b), cases[i].printed);
        sb_buf_free(&b);
        /* and a column with that name reads back as itself */
        if (cases[i].name[0]) assert_round_trip(column(cases[i].name), cases[i].printed);
    }
}

static void test_built_trees(void **state)
{
    (void)state;
    /* -(1): a negation of a literal must not become the literal -1 */
    assert_round_trip(unary(SB_OP_NEG, int_lit("1")), "-(1)");
    /* -(-1) and - -a must not turn into a -- comment */
    assert_round_trip(unary(SB_OP_NEG, int_lit("-1")), "-(-1)");
    assert_round_trip(unary(SB_OP_NEG, unary(SB_OP_NEG, column("a"))), "-(-a)");
    /* + and ~ of a negative literal are fine as they are */
    assert_round_trip(unary(SB_OP_BITNOT, int_lit("-1")), "~-1");
    /* (a).b: a field of a plain column keeps its parentheses */
    sb_expr *f = node(SB_E_FIELD);
    f->u.field.base = column("s");
    f->u.field.name = "x";
    assert_round_trip(f, "(s).x");
    /* a field of a negative literal */
    sb_expr *g = node(SB_E_SUBSCRIPT);
    g->u.subscript.base = int_lit("-1");
    g->u.subscript.index = int_lit("0");
    assert_round_trip(g, "(-1)[0]");
    /* right-nested operators of the same level keep their parentheses */
    assert_round_trip(binary(SB_OP_SUB, column("a"), binary(SB_OP_SUB, column("b"), column("c"))),
                      "a - (b - c)");
    assert_round_trip(binary(SB_OP_EQ, column("a"), binary(SB_OP_EQ, column("b"), column("c"))),
                      "a = (b = c)");
    assert_round_trip(binary(SB_OP_AND, column("a"), binary(SB_OP_OR, column("b"), column("c"))),
                      "a AND (b OR c)");
    /* a lambda outside a call is parenthesized */
    sb_expr *lam = node(SB_E_LAMBDA);
    const char **params = sb_arena_alloc(A, sizeof *params);
    params[0] = "x";
    lam->u.lambda.params = params;
    lam->u.lambda.nparams = 1;
    lam->u.lambda.body = binary(SB_OP_ADD, column("x"), int_lit("1"));
    assert_round_trip(binary(SB_OP_EQ, column("a"), lam), "a = (x -> x + 1)");
    /* a predicate under a comparison */
    sb_expr *is = node(SB_E_IS);
    is->u.is.arg = column("a");
    assert_round_trip(binary(SB_OP_EQ, is, column("b")), "(a IS NULL) = b");
    /* NOT under a comparison */
    assert_round_trip(binary(SB_OP_EQ, unary(SB_OP_NOT, column("a")), column("b")),
                      "(NOT a) = b");
    /* a string with control characters */
    sb_expr *s = node(SB_E_LITERAL);
    s->u.lit.kind = SB_LIT_STRING;
    s->u.lit.text = "a\x01\x7f'\\\r";
    s->u.lit.len = 6;
    s->u.lit.type = sb_type_of(SB_T_STRING);
    assert_round_trip(s, "'a\\u0001\\u007F\\'\\\\\\r'");
}

static void test_round_trip_texts(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "a - -1",
        "-a[0]",
        "~~a",
        "NOT NOT a",
        "(a, b) IN (struct(1, 2))",
        "(a BETWEEN b AND c) BETWEEN d AND e",
        "CASE WHEN a THEN (x -> x) END",
        "x -> y -> x + y",
        "transform(a, x -> transform(x, y -> y + 1))",
        "a.b.c[1].d",
        "`a.b`.c",
        "(a + b).c",
        "CAST(CAST(a AS INT) AS STRING)",
        "CAST(a AS STRUCT<`a b`: INT, c: ARRAY<MAP<STRING, DECIMAL(5,2)>>>)",
        "CAST(a AS INTERVAL DAY TO SECOND)",
        "(EXISTS (SELECT 1)) = TRUE",
        "a = (SELECT 1) + 1",
        "INTERVAL '1 day' + INTERVAL '-2' HOUR",
        "'\\u00e9\\n' || \"x\"",
        "count(DISTINCT a) FILTER (WHERE b) OVER w",
        "a NOT LIKE b ESCAPE '\\\\'",
        "a LIKE '%' || b || '%'",
        "(a IS NULL) = (b IS NULL)",
        "NOT a IS NULL",
        "1 - (2 - 3) - 4",
        "a * (b / c)",
        "(a AND b) OR (c AND d)",
        "a OR (b OR c)",
        "-9223372036854775808L",
        "0.000000001",
        "X'00FF'",
        "${a.b} = `${c}`",
        "trim(BOTH FROM s)",
        "position(a IN b) + position(c, d)",
        "timestampdiff(MONTH, a, b)",
        "any_value(x IGNORE NULLS)",
    };
    for (size_t i = 0; i < SB_COUNTOF(texts); i++) {
        sb_diags d;
        sb_diags_init(&d, A);
        sb_expr *e = sb_sql_parse_expr(A, texts[i], strlen(texts[i]), &d);
        if (!e) fail_msg("'%s' does not parse: %s", texts[i], sb_diags_at(&d, 0)->message);
        const char *p1 = print(e);
        sb_expr *e2 = sb_sql_parse_expr(A, p1, strlen(p1), &d);
        if (!e2) fail_msg("'%s' printed as '%s' does not parse", texts[i], p1);
        if (strcmp(dump(e), dump(e2)) != 0)
            fail_msg("'%s' printed as '%s' changed:\n%s\n%s", texts[i], p1, dump(e), dump(e2));
        assert_string_equal(print(e2), p1);
    }
}

static void test_queries(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "SELECT a FROM t",
        "SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x",
        "SELECT * FROM (a JOIN b ON a.x = b.x) AS j",
        "SELECT 1 UNION ALL (SELECT 2 UNION SELECT 3)",
        "(SELECT 1 UNION SELECT 2) EXCEPT SELECT 3",
        "SELECT 1 INTERSECT (SELECT 2 INTERSECT SELECT 3)",
        "SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 1) UNION SELECT 1",
        "WITH a AS (SELECT 1) (WITH b AS (SELECT 2) SELECT * FROM b)",
        "SELECT a FROM t ORDER BY a LIMIT 1 OFFSET 2",
        "(SELECT a FROM t LIMIT 3) LIMIT 2",
        "(SELECT a FROM t LIMIT 3) OFFSET 1",
        "SELECT `from`.`select` AS `where` FROM t AS `from`",
        "SELECT a FROM VALUES (1), (2) AS v(a) WHERE a > (SELECT 1)",
    };
    for (size_t i = 0; i < SB_COUNTOF(texts); i++) {
        sb_diags d;
        sb_diags_init(&d, A);
        sb_query *q = sb_sql_parse_query(A, texts[i], strlen(texts[i]), &d);
        if (!q) fail_msg("'%s' does not parse: %s", texts[i], sb_diags_at(&d, 0)->message);
        sb_buf b = SB_BUF_INIT, x1 = SB_BUF_INIT, x2 = SB_BUF_INIT;
        sb_sql_print_query(&b, q);
        sb_query *q2 = sb_sql_parse_query(A, b.data, b.len, &d);
        if (!q2) fail_msg("'%s' printed as '%s' does not parse", texts[i], b.data);
        sx_query(&x1, q);
        sx_query(&x2, q2);
        if (strcmp(sb_buf_str(&x1), sb_buf_str(&x2)) != 0)
            fail_msg("'%s' printed as '%s' changed:\n%s\n%s", texts[i], b.data, x1.data, x2.data);
        sb_buf_free(&b);
        sb_buf_free(&x1);
        sb_buf_free(&x2);
    }
    /* the wrapping of a LIMIT over a LIMIT is visible in the print */
    sb_diags d;
    sb_diags_init(&d, A);
    const char *t = "(SELECT a FROM t LIMIT 3) LIMIT 2";
    sb_query *q = sb_sql_parse_query(A, t, strlen(t), &d);
    sb_buf b = SB_BUF_INIT;
    sb_sql_print_query(&b, q);
    assert_string_equal(b.data, "SELECT * FROM (SELECT a FROM t LIMIT 3) LIMIT 2");
    sb_buf_free(&b);
}

static void test_auto_names(void **state)
{
    (void)state;
    const struct {
        const char *text, *name;
    } cases[] = {
        {"in0.amount", "amount"},
        {"sum(amount)", "sum(amount)"},
        {"a + b", "(a + b)"},
        {"upper(name)", "upper(name)"},
        {"count(*)", "count(1)"},
        {"COUNT(*)", "count(1)"},
        {"CAST(x AS int)", "x"}, /* a cast of a column keeps its name */
        {"cast(t.x as decimal(10,2))", "x"},
        {"cast(x + 1 as decimal(10,2))", "CAST((x + 1) AS DECIMAL(10,2))"},
        {"CAST(CAST(x AS INT) AS STRING)", "CAST(CAST(x AS INT) AS STRING)"},
        {"amount * 1.2", "(amount * 1.2)"},
        {"price * 1e2", "(price * 100.0)"},
        {"1.0E7D", "1.0E7"},
        {"123456.789D", "123456.789"},
        {"0.001D", "0.001"},
        {"0.0001D", "1.0E-4"},
        {"0.1F", "0.1"},
        {"0.0000001", "1E-7"},
        {"100.00", "100.00"},
        {"coalesce(a, 'n/a')", "coalesce(a, n/a)"},
        {"a.b.c", "c"},
        {"s['k'].f", "s[k].f"},
        {"x = NULL", "(x = NULL)"},
        {"current_date()", "current_date()"},
        {"date_format(ts, 'yyyy-MM-dd')", "date_format(ts, yyyy-MM-dd)"},
        {"datediff(day, a, b)", "timestampdiff(day, a, b)"},
        {"-x", "(- x)"},
        {"~x", "~x"},
        {"a % b", "(a % b)"},
        {"a IN (SELECT b FROM t)", "(a IN (listquery()))"},
        {"EXISTS (SELECT 1)", "exists()"},
        {"ltrim(s)", "ltrim(s)"},
        {"ltrim('x', s)", "TRIM(LEADING x FROM s)"},
        {"split(s, ',')", "split(s, ,, -1)"},
        {"lag(x) OVER (ORDER BY t)",
         "lag(x, 1, NULL) OVER (ORDER BY t ASC NULLS FIRST ROWS BETWEEN -1 FOLLOWING AND -1 "
         "FOLLOWING)"},
        {"avg(x) OVER (PARTITION BY k ORDER BY t)",
         "avg(x) OVER (PARTITION BY k ORDER BY t ASC NULLS FIRST RANGE BETWEEN UNBOUNDED "
         "PRECEDING AND CURRENT ROW)"},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        sb_diags d;
        sb_diags_init(&d, A);
        sb_expr *e = sb_sql_parse_expr(A, cases[i].text, strlen(cases[i].text), &d);
        if (!e) fail_msg("'%s' does not parse", cases[i].text);
        const char *n = sb_sql_auto_name(A, e);
        if (strcmp(n, cases[i].name) != 0)
            fail_msg("name of '%s': expected '%s', got '%s'", cases[i].text, cases[i].name, n);
    }
    assert_string_equal(sb_sql_auto_name(A, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident_quoting),   cmocka_unit_test(test_built_trees),
        cmocka_unit_test(test_round_trip_texts), cmocka_unit_test(test_queries),
        cmocka_unit_test(test_auto_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
