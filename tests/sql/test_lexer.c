/*
 * test_lexer.c — Spark SQL tokens: kinds, spans, decoded text, numbers,
 * escapes, comments and the errors the lexer hands to the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sql/lexer.h"

typedef struct fixture {
    sb_arena *a;
    sb_diags d;
    sb_token_list toks;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
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

static void lex(fixture *f, const char *s)
{
    sb_diags_init(&f->d, f->a);
    f->toks = sb_sql_lex(f->a, s, strlen(s), &f->d);
}

static const sb_token *tok(fixture *f, size_t i)
{
    assert_true(i < f->toks.len);
    return &f->toks.items[i];
}

/* Kinds of all tokens, as a compact string for comparison. */
static const char *kinds(fixture *f)
{
    static char buf[256];
    size_t n = 0;
    for (size_t i = 0; i < f->toks.len && n + 2 < sizeof buf; i++) {
        static const char K[] = "EeWQSNC()[],.;:+-*/%~&|c^=xnLlGg!af";
        buf[n++] = K[f->toks.items[i].kind];
    }
    buf[n] = 0;
    return buf;
}

static void test_words_and_operators(void **state)
{
    fixture *f = *state;
    lex(f, "SELECT a.b, `x y` FROM t WHERE c <= 1 AND d <> 2 OR e != 3");
    assert_string_equal(kinds(f), "WW.W,QWWWWlNWWnNWWnNE");
    assert_string_equal(tok(f, 0)->text, "SELECT");
    assert_int_equal(tok(f, 0)->span.start, 0);
    assert_int_equal(tok(f, 0)->span.end, 6);
    assert_string_equal(tok(f, 5)->text, "x y");
    assert_int_equal(tok(f, 5)->span.start, 12);
    assert_int_equal(tok(f, 5)->span.end, 17);
    assert_true(tok(f, 1)->space_before);
    assert_false(tok(f, 2)->space_before);

    lex(f, "a<=>b==c=d<e>f>=g!<h!>i||j|k&l^m~n->o=>p");
    assert_string_equal(kinds(f), "WxW=W=WLWGWgWgWlWcW|W&W^W~WaWfWE");
    assert_int_equal(tok(f, 1)->span.end - tok(f, 1)->span.start, 3);
}

static void test_backquotes(void **state)
{
    fixture *f = *state;
    lex(f, "`a``b`");
    assert_int_equal(tok(f, 0)->kind, SB_TK_QIDENT);
    assert_string_equal(tok(f, 0)->text, "a`b");
    lex(f, "`unterminated");
    assert_int_equal(tok(f, 0)->kind, SB_TK_ERROR);
    assert_string_equal(tok(f, 0)->text, "unterminated back-quoted identifier");
}

static void test_numbers(void **state)
{
    fixture *f = *state;
    lex(f, "1 12L 3s 4Y 1.5 .5 5. 1e3 1.5E-2 2D 2.5F 1.5BD 7bd");
    const struct {
        const char *text;
        bool dot, exp;
        char suffix;
    } want[] = {
        {"1", 0, 0, 0},     {"12", 0, 0, 'L'},   {"3", 0, 0, 'S'},     {"4", 0, 0, 'Y'},
        {"1.5", 1, 0, 0},   {".5", 1, 0, 0},     {"5.", 1, 0, 0},      {"1e3", 0, 1, 0},
        {"1.5E-2", 1, 1, 0}, {"2", 0, 0, 'D'},   {"2.5", 1, 0, 'F'},   {"1.5", 1, 0, 'B'},
        {"7", 0, 0, 'B'},
    };
    for (size_t i = 0; i < SB_COUNTOF(want); i++) {
        const sb_token *t = tok(f, i);
        assert_int_equal(t->kind, SB_TK_NUMBER);
        assert_string_equal(t->text, want[i].text);
        assert_int_equal(t->has_dot, want[i].dot);
        assert_int_equal(t->has_exp, want[i].exp);
        assert_int_equal(t->suffix, want[i].suffix);
    }
    assert_int_equal(tok(f, SB_COUNTOF(want))->kind, SB_TK_EOF);
    /* digits then letters are an identifier, as in Spark */
    lex(f, "1a 2nd 1e");
    assert_string_equal(kinds(f), "WWWE");
    assert_string_equal(tok(f, 1)->text, "2nd");
    /* a dot right after a name is a dereference, not a decimal */
    lex(f, "t.1col");
    assert_string_equal(kinds(f), "W.WE");
    assert_string_equal(tok(f, 2)->text, "1col");
    lex(f, "a .5");
    assert_string_equal(kinds(f), "WNE");
    lex(f, "x 1.2.3 y");
    assert_string_equal(kinds(f), "We");
    assert_string_equal(tok(f, 1)->text, "invalid number 1.2.3");
    assert_int_equal(tok(f, 1)->span.start, 2);
    assert_int_equal(tok(f, 1)->span.end, 7);
    lex(f, "1.5q");
    assert_string_equal(kinds(f), "e");
    assert_string_equal(tok(f, 0)->text, "invalid number 1.5q");
    lex(f, "1L.5");
    assert_string_equal(tok(f, 0)->text, "invalid number 1L.5");
}

static void test_strings(void **state)
{
    fixture *f = *state;
    lex(f, "'a\\'b' \"c\\\"d\" 'e\"f' \"g'h\"");
    assert_string_equal(kinds(f), "SSSSE");
    assert_string_equal(tok(f, 0)->text, "a'b");
    assert_string_equal(tok(f, 1)->text, "c\"d");
    assert_string_equal(tok(f, 2)->text, "e\"f");
    assert_string_equal(tok(f, 3)->text, "g'h");
    assert_int_equal(sb_diags_count(&f->d), 0);

    lex(f, "'\\n\\t\\r\\b\\Z\\\\'");
    assert_string_equal(tok(f, 0)->text, "\n\t\r\b\x1a\\");

    /* \% and \_ keep their backslash for LIKE patterns */
    lex(f, "'\\%\\_'");
    assert_string_equal(tok(f, 0)->text, "\\%\\_");

    /* unicode and octal escapes */
    lex(f, "'\\u00e9\\U0001F600\\101\\0'");
    assert_int_equal(tok(f, 0)->len, 2 + 4 + 1 + 1);
    assert_memory_equal(tok(f, 0)->text, "\xc3\xa9\xf0\x9f\x98\x80" "A\0", 8);
    /* a surrogate pair in \u form joins into one character */
    lex(f, "'\\uD83D\\uDE00'");
    assert_string_equal(tok(f, 0)->text, "\xf0\x9f\x98\x80");
    /* \u without four hex digits is just u */
    lex(f, "'\\uZZ'");
    assert_string_equal(tok(f, 0)->text, "uZZ");

    /* raw strings keep backslashes */
    lex(f, "r'a\\nb' R\"c\\d\"");
    assert_string_equal(tok(f, 0)->text, "a\\nb");
    assert_true(tok(f, 0)->raw);
    assert_string_equal(tok(f, 1)->text, "c\\d");

    /* an unknown escape is Spark's character itself, with a warning */
    lex(f, "'\\d'");
    assert_string_equal(tok(f, 0)->text, "d");
    assert_int_equal(sb_diags_count(&f->d), 1);
    sb_diag *w = sb_diags_at(&f->d, 0);
    assert_int_equal(w->severity, SB_SEV_WARNING);
    assert_string_equal(w->code, "unknown-escape");
    assert_int_equal(w->span.start, 1);
    assert_int_equal(w->span.end, 3);

    lex(f, "x = 'open");
    assert_string_equal(kinds(f), "W=e");
    assert_string_equal(tok(f, 2)->text, "unterminated string literal");
    assert_int_equal(tok(f, 2)->span.start, 4);
    assert_int_equal(tok(f, 2)->span.end, 9);
    lex(f, "'ends with backslash\\");
    assert_string_equal(tok(f, 0)->text, "unterminated string literal");
}

static void test_comments_and_space(void **state)
{
    fixture *f = *state;
    lex(f, "a -- comment\n+ /* block /* nested */ still */ b /*+ hint */");
    assert_string_equal(kinds(f), "W+WE");
    assert_true(tok(f, 1)->space_before);
    lex(f, "a /* open");
    assert_string_equal(kinds(f), "We");
    assert_int_equal(tok(f, 1)->span.start, 2);
    /* no-break space and ideographic space are whitespace to Spark */
    lex(f, "a\xc2\xa0+\xe3\x80\x80" "b");
    assert_string_equal(kinds(f), "W+WE");
    /* a minus followed by a minus starts a comment */
    lex(f, "1--2");
    assert_string_equal(kinds(f), "NE");
}

static void test_config_and_errors(void **state)
{
    fixture *f = *state;
    lex(f, "${env.name} + ${x-y:z}");
    assert_string_equal(kinds(f), "C+CE");
    assert_string_equal(tok(f, 0)->text, "env.name");
    assert_string_equal(tok(f, 2)->text, "x-y:z");
    lex(f, "a # b");
    assert_string_equal(kinds(f), "We");
    assert_string_equal(tok(f, 1)->text, "unexpected character '#'");
    lex(f, "a \x01");
    assert_string_equal(tok(f, 1)->text, "unexpected control character 0x01");
    /* invalid UTF-8 stops the stream where it is */
    const char bad[] = "a + \xe2\x28";
    f->toks = sb_sql_lex(f->a, bad, sizeof bad - 1, &f->d);
    assert_string_equal(kinds(f), "W+e");
    assert_int_equal(tok(f, 2)->span.start, 4);
    assert_string_equal(tok(f, 2)->text, "invalid UTF-8 byte 0xE2 in the text");
    /* empty input is one EOF token */
    f->toks = sb_sql_lex(f->a, NULL, 0, &f->d);
    assert_int_equal(f->toks.len, 1);
    assert_int_equal(f->toks.items[0].kind, SB_TK_EOF);
}

static void test_token_desc(void **state)
{
    fixture *f = *state;
    lex(f, "foo `bar` 'x' 12 ) ${v}");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 0)), "'foo'");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 1)), "identifier `bar`");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 2)), "string literal");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 3)), "number");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 4)), "')'");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 5)), "${v}");
    assert_string_equal(sb_sql_token_desc(f->a, tok(f, 6)), "end of input");
}

/* Every word gets its keyword id once, whatever its case; names and quoted
 * identifiers get none. */
static void test_keywords(void **state)
{
    fixture *f = *state;
    lex(f, "select Sum(y) FROM t where `from` = fromage AND try_cast");
    static const sb_kw want[] = {SB_KW_SELECT, SB_KW_NONE,  SB_KW_NONE, SB_KW_NONE, SB_KW_NONE,
                                 SB_KW_FROM,   SB_KW_NONE,  SB_KW_WHERE, SB_KW_NONE, SB_KW_NONE,
                                 SB_KW_NONE,   SB_KW_AND,   SB_KW_TRY_CAST};
    assert_int_equal(f->toks.len, SB_COUNTOF(want) + 1);
    for (size_t i = 0; i < SB_COUNTOF(want); i++) assert_int_equal(f->toks.items[i].kw, want[i]);
    assert_int_equal(f->toks.items[8].kind, SB_TK_QIDENT); /* `from` is a name */

    /* every keyword is found from its text in any case, and only from it */
    for (int k = SB_KW_NONE + 1; k < SB_KW_COUNT; k++) {
        const char *t = sb_sql_keyword_text((sb_kw)k);
        size_t n = strlen(t);
        assert_int_equal(sb_sql_keyword(t, n), k);
        char low[32];
        assert_true(n < sizeof low);
        for (size_t i = 0; i <= n; i++)
            low[i] = (t[i] >= 'A' && t[i] <= 'Z') ? (char)(t[i] + 32) : t[i];
        assert_int_equal(sb_sql_keyword(low, n), k);
        assert_int_not_equal(sb_sql_keyword(t, n - 1), k);
        if (k > 1) assert_true(strcmp(sb_sql_keyword_text((sb_kw)(k - 1)), t) < 0);
    }
    assert_int_equal(sb_sql_keyword("amount", 6), SB_KW_NONE);
    assert_int_equal(sb_sql_keyword("FROMX", 5), SB_KW_NONE);
    assert_int_equal(sb_sql_keyword("FROM", 3), SB_KW_NONE);
    assert_int_equal(sb_sql_keyword("a_very_long_column_name", 23), SB_KW_NONE);
    assert_int_equal(sb_sql_keyword("", 0), SB_KW_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_words_and_operators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backquotes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comments_and_space, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_desc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
