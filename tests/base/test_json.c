/*
 * test_json.c — the JSON parser's positions and errors, and the canonical form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/json.h"

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

static sb_json *parse(fixture *f, const char *text)
{
    return sb_json_parse(f->a, text, strlen(text), &f->d);
}

static void test_positions(void **state)
{
    fixture *f = *state;
    sb_json *v = parse(f, "{\n  \"a\": [1, 2.5e3, \"x\"],\n  \"b\": {\"c\": null}\n}");
    assert_non_null(v);
    assert_int_equal(v->kind, SB_JSON_OBJECT);
    const sb_json_member *m = sb_json_member_get(v, "a");
    assert_non_null(m);
    assert_int_equal(m->line, 2);
    assert_int_equal(m->col, 3);
    sb_json *arr = m->value;
    assert_int_equal(arr->kind, SB_JSON_ARRAY);
    assert_int_equal(arr->u.array.len, 3);
    assert_int_equal(arr->u.array.items[1]->line, 2);
    assert_int_equal(arr->u.array.items[1]->col, 12);
    assert_true(arr->u.array.items[0]->u.number.is_integer);
    assert_false(arr->u.array.items[1]->u.number.is_integer);
    assert_string_equal(arr->u.array.items[1]->u.number.text, "2.5e3");
    assert_int_equal(sb_json_get(sb_json_get(v, "b"), "c")->kind, SB_JSON_NULL);
    assert_int_equal(f->d.errors, 0);
}

static void test_strings(void **state)
{
    fixture *f = *state;
    sb_json *v = parse(f, "\"a\\n\\u00e9\\ud83d\\ude00\\\"\\u0000z\"");
    assert_non_null(v);
    assert_int_equal(v->u.string.len, 11);
    assert_memory_equal(v->u.string.s, "a\n\xc3\xa9\xf0\x9f\x98\x80\"\0z", 11);
}

typedef struct error_case {
    const char *text;
    unsigned line, col;
    const char *message;
} error_case;

static void test_errors(void **state)
{
    fixture *f = *state;
    static const error_case cases[] = {
        {"", 1, 1, "unexpected end of file, expected a value"},
        {"{\"a\": 1,}", 1, 9, "trailing comma before '}'"},
        {"[1, 2,]", 1, 7, "trailing comma before ']'"},
        {"{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\" (first at line 1)"},
        {"{\"a\" 1}", 1, 6, "expected ':' after key \"a\", found '1'"},
        {"{'a': 1}", 1, 2, "expected a string key in object, found '''"},
        {"[01]", 1, 2, "invalid number: leading zeros are not allowed"},
        {"[1.]", 1, 2, "invalid number: expected digits after '.'"},
        {"\"abc", 1, 1, "unterminated string"},
        {"\"a\\x\"", 1, 3, "invalid escape \\x in string"},
        {"\"\xff\"", 1, 2, "invalid UTF-8 in string"},
        {"\"\xc0\xaf\"", 1, 2, "invalid UTF-8 in string"},
        {"\"\\ud800\"", 1, 2, "unpaired UTF-16 surrogate in \\u escape"},
        {"{\n  \"a\": tru\n}", 2, 8, "unexpected 't', expected a value (strings need double "
                                      "quotes)"},
        {"[1] x", 1, 5, "unexpected 'x' after the end of the document"},
        {"{\"a\": [1, 2}", 1, 12, "expected ',' or ']' in array, found '}'"},
        {"[\"a\tb\"]", 1, 4, "control character byte 0x09 in string (escape it as \\u0009)"},
    };
    for (size_t i = 0; i < SB_COUNTOF(cases); i++) {
        sb_diags_init(&f->d, f->a);
        sb_diag_context ctx = {.file = "x.json"};
        sb_diags_set_context(&f->d, &ctx);
        sb_json *v = parse(f, cases[i].text);
        if (v) fail_msg("case %zu parsed: %s", i, cases[i].text);
        assert_int_equal(sb_diags_count(&f->d), 1);
        sb_diag *g = sb_diags_at(&f->d, 0);
        if (strcmp(g->message, cases[i].message) != 0)
            fail_msg("case %zu: got \"%s\"", i, g->message);
        assert_string_equal(g->file, "x.json");
        if (g->line != cases[i].line || g->col != cases[i].col)
            fail_msg("case %zu: got %u:%u, want %u:%u", i, g->line, g->col, cases[i].line,
                     cases[i].col);
    }
}

static void test_deep_nesting(void **state)
{
    fixture *f = *state;
    char *deep = sb_xmalloc(100001);
    memset(deep, '[', 100000);
    deep[100000] = '\0';
    assert_null(sb_json_parse(f->a, deep, 100000, &f->d));
    assert_string_equal(sb_diags_at(&f->d, 0)->message, "nesting deeper than 256 levels");
    free(deep);
}

static const char *canonical(fixture *f, const char *text, sb_buf *out)
{
    sb_json *v = parse(f, text);
    assert_non_null(v);
    sb_buf_reset(out);
    sb_json_write_canonical(out, v);
    return sb_buf_str(out);
}

static void test_canonical(void **state)
{
    fixture *f = *state;
    sb_buf out = SB_BUF_INIT;
    assert_string_equal(canonical(f, "{\"b\":1,\"a\":{\"z\":[1,2],\"y\":[\"s\"]},\"c\":[]}", &out),
                        "{\n"
                        "  \"a\": {\n"
                        "    \"y\": [\n"
                        "      \"s\"\n"
                        "    ],\n"
                        "    \"z\": [1, 2]\n"
                        "  },\n"
                        "  \"b\": 1,\n"
                        "  \"c\": []\n"
                        "}\n");
    /* Number lexemes survive as written; strings are escaped minimally. */
    assert_string_equal(canonical(f, "[1.50, -0, 1E+3, \"\\u00e9\\/\\u001f\"]", &out),
                        "[\n  1.50,\n  -0,\n  1E+3,\n  \"\xc3\xa9/\\u001f\"\n]\n");
    assert_string_equal(canonical(f, "{}", &out), "{}\n");
    assert_string_equal(canonical(f, "{\"p\": {\"x\": 1, \"y\": true}}", &out),
                        "{\n  \"p\": {\"x\": 1, \"y\": true}\n}\n");
    /* Idempotence: canonical text formats to itself. */
    const char *samples[] = {
        "{\"gems\":{\"b\":{\"kind\":\"Filter\",\"condition\":\"a > 1\"},\"a\":{\"x\":[[1,2],[3]]}}}",
        "[[], {}, [null, false], \"tab\\there\"]",
    };
    for (size_t i = 0; i < SB_COUNTOF(samples); i++) {
        char *once = sb_xstrdup(canonical(f, samples[i], &out));
        assert_string_equal(canonical(f, once, &out), once);
        free(once);
    }
    sb_buf_free(&out);
}

static void test_build_and_compact(void **state)
{
    fixture *f = *state;
    sb_json *o = sb_json_new_object(f->a);
    sb_json_object_set(f->a, o, "name", sb_json_new_string(f->a, "x\"y", 3));
    sb_json *arr = sb_json_new_array(f->a);
    sb_json_array_push(f->a, arr, sb_json_new_int(f->a, -42));
    sb_json_array_push(f->a, arr, sb_json_new_bool(f->a, true));
    sb_json_array_push(f->a, arr, sb_json_new_null(f->a));
    sb_json_object_set(f->a, o, "items", arr);
    sb_json_object_set(f->a, o, "name", sb_json_new_string(f->a, "z", 1));
    sb_buf out = SB_BUF_INIT;
    sb_json_write_compact(&out, o);
    assert_string_equal(sb_buf_str(&out), "{\"name\":\"z\",\"items\":[-42,true,null]}");
    sb_buf_free(&out);
}

/* Strings are written as UTF-8 whatever they hold: invalid bytes become
 * U+FFFD, valid sequences stay as they are. */
static void test_write_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a\xa4" "b", "\"a\xef\xbf\xbd" "b\""},
        {"caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\""},
        {"\xc3", "\"\xef\xbf\xbd\""},
        {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},   /* overlong '/' */
        {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, /* a surrogate */
        {"\xe2\x82\"", "\"\xef\xbf\xbd\xef\xbf\xbd\\\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sb_buf out = SB_BUF_INIT;
        sb_json_write_string(&out, cases[i].in, strlen(cases[i].in));
        assert_string_equal(sb_buf_str(&out), cases[i].out);
        assert_int_equal(sb_utf8_valid_prefix(out.data, out.len), out.len);
        sb_buf_free(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_and_compact, setup, teardown),
        cmocka_unit_test(test_write_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
