/*
 * test_types.c — Spark types: the DDL parser and printer, and the coercion
 * rules of Spark 3.5 (non-ANSI) called directly. The expected answers are
 * Spark's (the same rules are exercised end to end by test_check.c against
 * types.tsv, which real Spark wrote).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sql/types.h"

static sb_arena *A;

static const sb_type *P(const char *text)
{
    sb_diags d;
    sb_diags_init(&d, A);
    const sb_type *t = sb_type_parse(A, text, strlen(text), &d);
    if (!t) fail_msg("cannot parse `%s`: %s", text, sb_diags_at(&d, 0)->message);
    return t;
}

static const char *S(const sb_type *t)
{
    return t ? sb_type_str(A, t) : "(none)";
}

static void roundtrip(const char *in, const char *want)
{
    assert_string_equal(S(P(in)), want);
    /* The printed form parses back to an equal type. */
    assert_true(sb_type_equal(P(want), P(in)));
}

static void test_parse_print(void **state)
{
    (void)state;
    roundtrip("int", "int");
    roundtrip("INTEGER", "int");
    roundtrip("long", "bigint");
    roundtrip("tinyint", "tinyint");
    roundtrip("byte", "tinyint");
    roundtrip("short", "smallint");
    roundtrip("real", "float");
    roundtrip("Double", "double");
    roundtrip("bool", "boolean");
    roundtrip("decimal", "decimal(10,0)");
    roundtrip("decimal(5)", "decimal(5,0)");
    roundtrip("DECIMAL( 10 , 2 )", "decimal(10,2)");
    roundtrip("numeric(38,18)", "decimal(38,18)");
    roundtrip("varchar(20)", "string");
    roundtrip("char(3)", "string");
    roundtrip("timestamp_ltz", "timestamp");
    roundtrip("timestamp_ntz", "timestamp_ntz");
    roundtrip("void", "void");
    roundtrip("interval day", "interval day");
    roundtrip("interval day to second", "interval day to second");
    roundtrip("INTERVAL HOUR TO MINUTE", "interval hour to minute");
    roundtrip("interval year to month", "interval year to month");
    roundtrip("interval month", "interval month");
    roundtrip("array<string>", "array<string>");
    roundtrip("map<string, array<int>>", "map<string,array<int>>");
    roundtrip("struct<a:int,b:array<struct<c:string>>>", "struct<a:int,b:array<struct<c:string>>>");
    /* Like Spark's simpleString, field names are printed as they are. */
    assert_string_equal(S(P("struct<a int, `b c`: string>")), "struct<a:int,b c:string>");
    roundtrip("struct<>", "struct<>");
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned start;
    } bad[] = {
        {"integr", 0},       {"decimal(39,2)", 8}, {"decimal(5,6)", 8}, {"array<int", 9},
        {"map<string>", 10}, {"struct<a:>", 9},    {"int int", 4},      {"", 0},
        {"array<foo>", 6},
    };
    for (size_t i = 0; i < SB_COUNTOF(bad); i++) {
        sb_diags d;
        sb_diags_init(&d, A);
        const sb_type *t = sb_type_parse(A, bad[i].text, strlen(bad[i].text), &d);
        if (t) fail_msg("`%s` parsed as %s", bad[i].text, S(t));
        assert_int_equal(sb_diags_count(&d), 1);
        const sb_diag *dg = sb_diags_at(&d, 0);
        assert_true(dg->has_span);
        if (dg->span.start != bad[i].start)
            fail_msg("`%s`: error at %u, expected %u (%s)", bad[i].text, dg->span.start,
                     bad[i].start, dg->message);
    }
    sb_diags d;
    sb_diags_init(&d, A);
    assert_null(sb_type_parse(A, "integr", 6, &d));
    assert_string_equal(sb_diags_at(&d, 0)->message, "unknown type `integr`");
}

static void test_schema(void **state)
{
    (void)state;
    sb_diags d;
    sb_diags_init(&d, A);
    const char *ddl = "id bigint NOT NULL, name string COMMENT 'the name', `Order Date` date, "
                      "tags array<string>";
    const sb_type *s = sb_type_parse_schema(A, ddl, strlen(ddl), &d);
    assert_non_null(s);
    assert_string_equal(S(s), "struct<id:bigint,name:string,Order Date:date,tags:array<string>>");
    assert_false(s->fields[0].nullable);
    assert_true(s->fields[1].nullable);
    bool amb;
    assert_int_equal(sb_schema_find(s, "ORDER date", &amb), 2);
    assert_false(amb);
    assert_int_equal(sb_schema_find(s, "nope", &amb), -1);
    const sb_type *dup = sb_type_parse_schema(A, "a int, A string", 15, &d);
    assert_int_equal(sb_schema_find(dup, "a", &amb), 0);
    assert_true(amb);
    const sb_type *st = sb_type_parse_schema(A, "struct<x:int>", 13, &d);
    assert_string_equal(S(st), "struct<x:int>");
    assert_int_equal(sb_type_parse_schema(A, "", 0, &d)->nfields, 0);
    assert_null(sb_type_parse_schema(A, "a int,", 6, &d));
}

static void test_constructors(void **state)
{
    (void)state;
    assert_ptr_equal(sb_type_of(SB_T_INT), sb_type_of(SB_T_INT));
    assert_null(sb_type_of(SB_T_ARRAY));
    assert_null(sb_type_of(SB_T_DECIMAL));
    const sb_type *d = sb_type_decimal(A, 12, 4);
    assert_string_equal(S(d), "decimal(12,4)");
    assert_string_equal(S(sb_type_decimal(A, 50, 4)), "decimal(38,4)");
    const sb_type *arr = sb_type_array(A, d, true);
    assert_true(sb_type_equal(arr, P("array<decimal(12,4)>")));
    assert_false(sb_type_equal(arr, sb_type_array(A, d, false)));
    assert_true(sb_type_same_shape(arr, sb_type_array(A, d, false)));
    sb_field fs[2] = {{"a", sb_type_of(SB_T_INT), true}, {"b", arr, false}};
    const sb_type *st = sb_type_struct(A, fs, 2);
    fs[0].name = "changed";
    assert_string_equal(S(st), "struct<a:int,b:array<decimal(12,4)>>");
    assert_string_equal(S(sb_type_map(A, sb_type_of(SB_T_STRING), st, true)),
                        "map<string,struct<a:int,b:array<decimal(12,4)>>>");
    assert_string_equal(sb_type_kind_name(SB_T_LONG), "bigint");
    assert_string_equal(sb_type_kind_name(SB_T_NULL), "void");
    assert_true(sb_type_is_numeric(d));
    assert_false(sb_type_is_integral(d));
    assert_true(sb_type_is_fractional(d));
    assert_true(sb_type_is_datetime(P("timestamp_ntz")));
    assert_false(sb_type_is_atomic(arr));
    assert_false(sb_type_is_orderable(P("map<string,int>")));
    assert_true(sb_type_is_orderable(P("array<struct<a:int>>")));
    assert_false(sb_type_is_hashable(P("array<map<string,int>>")));
    assert_string_equal(S(sb_type_decimal_for(A, P("int"))), "decimal(10,0)");
    assert_string_equal(S(sb_type_decimal_for(A, P("bigint"))), "decimal(20,0)");
    assert_string_equal(S(sb_type_decimal_for(A, P("double"))), "decimal(30,15)");
}

static void test_tightest_and_wider(void **state)
{
    (void)state;
    static const struct {
        const char *x, *y, *tightest, *wider, *wider_no_string;
    } cases[] = {
        {"int", "bigint", "bigint", "bigint", "bigint"},
        {"tinyint", "smallint", "smallint", "smallint", "smallint"},
        {"int", "double", "double", "double", "double"},
        {"float", "bigint", "float", "float", "float"},
        {"void", "date", "date", "date", "date"},
        {"int", "decimal(12,2)", "decimal(12,2)", "decimal(12,2)", "decimal(12,2)"},
        {"int", "decimal(10,2)", NULL, "decimal(12,2)", "decimal(12,2)"},
        {"bigint", "decimal(10,2)", NULL, "decimal(22,2)", "decimal(22,2)"},
        {"decimal(10,2)", "decimal(5,3)", NULL, "decimal(11,3)", "decimal(11,3)"},
        {"decimal(38,10)", "decimal(38,2)", NULL, "decimal(38,10)", "decimal(38,10)"},
        {"decimal(10,2)", "double", NULL, "double", "double"},
        {"date", "timestamp", "timestamp", "timestamp", "timestamp"},
        {"timestamp", "timestamp_ntz", "timestamp", "timestamp", "timestamp"},
        {"date", "timestamp_ntz", "timestamp_ntz", "timestamp_ntz", "timestamp_ntz"},
        {"string", "int", NULL, "string", NULL},
        {"date", "string", NULL, "string", NULL},
        {"boolean", "string", NULL, NULL, NULL},
        {"binary", "string", NULL, NULL, NULL},
        {"boolean", "int", NULL, NULL, NULL},
        {"array<int>", "array<double>", "array<double>", "array<double>", "array<double>"},
        {"array<int>", "array<string>", NULL, "array<string>", NULL},
        {"map<string,int>", "map<string,bigint>", "map<string,bigint>", "map<string,bigint>",
         "map<string,bigint>"},
        {"struct<a:int>", "struct<A:bigint>", "struct<a:bigint>", "struct<a:bigint>",
         "struct<a:bigint>"},
        {"struct<a:int>", "struct<b:int>", NULL, NULL, NULL},
        {"interval day", "interval hour to second", "interval day to second",
         "interval day to second", "interval day to second"},
        {"interval day", "interval year", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        const sb_type *x = P(cases[i].x), *y = P(cases[i].y);
        const char *want[3] = {cases[i].tightest, cases[i].wider, cases[i].wider_no_string};
        const sb_type *got[3] = {sb_type_tightest_common(A, x, y), sb_type_wider_common(A, x, y),
                                 sb_type_wider_common_no_string(A, x, y)};
        const sb_type *sym[3] = {sb_type_tightest_common(A, y, x), sb_type_wider_common(A, y, x),
                                 sb_type_wider_common_no_string(A, y, x)};
        for (int k = 0; k < 3; k++) {
            const char *w = want[k] ? want[k] : "(none)";
            if (strcmp(S(got[k]), w) != 0)
                fail_msg("%s rule %d of %s, %s: got %s, want %s", k == 0 ? "tightest" : "wider", k,
                         cases[i].x, cases[i].y, S(got[k]), w);
            /* The rules are symmetric up to struct field name case. */
            if (!got[k] != !sym[k])
                fail_msg("rule %d is not symmetric for %s, %s", k, cases[i].x, cases[i].y);
        }
    }
}

static void test_comparison(void **state)
{
    (void)state;
    static const struct {
        const char *x, *y, *want;
    } cases[] = {
        {"int", "bigint", "bigint"},
        {"string", "int", "int"},
        {"int", "string", "int"},
        {"string", "date", "date"},
        {"timestamp", "string", "timestamp"},
        {"string", "decimal(10,2)", "double"},
        {"date", "timestamp", "timestamp"},
        {"decimal(10,2)", "decimal(5,3)", "decimal(11,3)"},
        {"decimal(10,2)", "int", "decimal(12,2)"},
        {"decimal(10,2)", "double", "double"},
        {"string", "void", "string"},
        {"boolean", "string", "boolean"},
        {"binary", "string", "binary"},
        {"date", "boolean", NULL},
        {"array<int>", "int", NULL},
        {"array<int>", "array<bigint>", "array<bigint>"},
        {"interval day", "interval year", NULL},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        const sb_type *t = sb_type_comparison_common(A, P(cases[i].x), P(cases[i].y));
        const char *w = cases[i].want ? cases[i].want : "(none)";
        if (strcmp(S(t), w) != 0)
            fail_msg("compare %s with %s: got %s, want %s", cases[i].x, cases[i].y, S(t), w);
    }
}

static void test_casts(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
        bool cast, implicit;
    } cases[] = {
        {"int", "string", true, true},
        {"string", "int", true, true},
        {"string", "date", true, true},
        {"string", "boolean", true, false},
        {"boolean", "string", true, true},
        {"int", "date", false, false},
        {"date", "int", true, false},
        {"date", "timestamp", true, true},
        {"timestamp", "date", true, true},
        {"int", "binary", true, false},
        {"double", "binary", false, false},
        {"string", "binary", true, true},
        {"array<int>", "string", true, false},
        {"array<int>", "array<string>", true, true},
        {"array<int>", "int", false, false},
        {"struct<a:int>", "struct<b:bigint>", true, false},
        {"struct<a:int>", "struct<a:int,b:int>", false, false},
        {"map<string,int>", "map<string,bigint>", true, false},
        {"bigint", "interval day", true, false},
        {"interval day to second", "bigint", true, false},
        {"void", "array<int>", true, true},
        {"decimal(10,2)", "int", true, true},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        const sb_type *f = P(cases[i].from), *t = P(cases[i].to);
        if (sb_type_castable(f, t) != cases[i].cast)
            fail_msg("CAST(%s AS %s): got %d", cases[i].from, cases[i].to, !cases[i].cast);
        if (sb_type_implicit_castable(f, t) != cases[i].implicit)
            fail_msg("implicit %s -> %s: got %d", cases[i].from, cases[i].to, !cases[i].implicit);
    }
}

static void test_arithmetic(void **state)
{
    (void)state;
    static const struct {
        char op;
        const char *x, *y, *want;
    } cases[] = {
        {'+', "int", "int", "int"},
        {'+', "tinyint", "smallint", "smallint"},
        {'+', "int", "bigint", "bigint"},
        {'/', "int", "int", "double"},
        {'/', "bigint", "tinyint", "double"},
        {'D', "int", "int", "bigint"},
        {'D', "decimal(10,2)", "int", "bigint"},
        {'D', "double", "int", NULL},
        {'%', "bigint", "int", "bigint"},
        {'+', "float", "int", "float"},
        {'*', "float", "double", "double"},
        {'+', "string", "int", "double"},
        {'+', "decimal(10,2)", "decimal(10,2)", "decimal(11,2)"},
        {'+', "decimal(10,2)", "decimal(5,3)", "decimal(12,3)"},
        {'*', "decimal(10,2)", "decimal(10,2)", "decimal(21,4)"},
        {'/', "decimal(10,2)", "decimal(10,2)", "decimal(23,13)"},
        {'/', "decimal(10,2)", "decimal(5,3)", "decimal(19,8)"},
        {'%', "decimal(10,2)", "decimal(5,3)", "decimal(5,3)"},
        {'+', "decimal(10,2)", "int", "decimal(13,2)"},
        {'+', "decimal(10,2)", "double", "double"},
        /* allowPrecisionLoss: the scale gives way, keeping at least 6 digits */
        {'+', "decimal(38,10)", "decimal(38,10)", "decimal(38,9)"},
        {'*', "decimal(38,10)", "decimal(38,10)", "decimal(38,6)"},
        {'/', "decimal(38,10)", "decimal(38,10)", "decimal(38,6)"},
        {'/', "decimal(38,10)", "decimal(10,2)", "decimal(38,8)"},
        {'+', "int", "boolean", NULL},
        {'+', "date", "date", NULL},
        {'+', "array<int>", "int", NULL},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        const sb_type *t = sb_type_arithmetic(A, cases[i].op, P(cases[i].x), P(cases[i].y));
        const char *w = cases[i].want ? cases[i].want : "(none)";
        if (strcmp(S(t), w) != 0)
            fail_msg("%s %c %s: got %s, want %s", cases[i].x, cases[i].op, cases[i].y, S(t), w);
    }
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_print),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_constructors),
        cmocka_unit_test(test_tightest_and_wider),
        cmocka_unit_test(test_comparison),
        cmocka_unit_test(test_casts),
        cmocka_unit_test(test_arithmetic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
