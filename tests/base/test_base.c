/*
 * test_base.c — arena, buffers, UTF-8 validation, edit distance, diagnostics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

static void test_arena(void **state)
{
    sb_arena *a = sb_arena_new();
    char *small = sb_arena_alloc(a, 3);
    assert_int_equal(((uintptr_t)small) % 16, 0);
    char *big = sb_arena_alloc(a, 1 << 20);
    big[(1 << 20) - 1] = 'x';
    char *after = sb_arena_alloc(a, 8);
    assert_int_equal(after[0], 0);
    assert_string_equal(sb_arena_printf(a, "%s-%d", "a", 7), "a-7");
    assert_string_equal(sb_arena_strndup(a, "hello", 3), "hel");
    sb_vec v = {0};
    for (intptr_t i = 0; i < 1000; i++) sb_vec_push(a, &v, (void *)i);
    assert_int_equal(v.len, 1000);
    assert_int_equal((intptr_t)v.items[999], 999);
    assert_true(sb_arena_used(a) >= (1 << 20));
    sb_arena_free(a);
}

static void test_buf(void **state)
{
    sb_buf b = SB_BUF_INIT;
    assert_string_equal(sb_buf_str(&b), "");
    for (int i = 0; i < 1000; i++) sb_buf_printf(&b, "%d,", i);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    sb_buf_reset(&b);
    sb_buf_fill(&b, ' ', 3);
    sb_buf_putc(&b, 'x');
    assert_string_equal(sb_buf_str(&b), "   x");
    char *s = sb_buf_detach(&b);
    assert_string_equal(s, "   x");
    free(s);
    assert_null(b.data);
}

static void test_utf8(void **state)
{
    assert_int_equal(sb_utf8_valid_prefix("abc", 3), 3);
    assert_int_equal(sb_utf8_valid_prefix("a\xc3\xa9", 3), 3);
    assert_int_equal(sb_utf8_valid_prefix("a\xc3", 2), 1);            /* truncated */
    assert_int_equal(sb_utf8_valid_prefix("a\xe0\x80\xaf", 4), 1);    /* overlong */
    assert_int_equal(sb_utf8_valid_prefix("\xed\xa0\x80", 3), 0);     /* surrogate */
    assert_int_equal(sb_utf8_valid_prefix("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
    assert_int_equal(sb_utf8_valid_prefix("\xf0\x9f\x98\x80!", 5), 5);
}

static void test_put_utf8(void **state)
{
    sb_buf b = SB_BUF_INIT;
    sb_buf_put_utf8(&b, 'A');
    sb_buf_put_utf8(&b, 0xE9);
    sb_buf_put_utf8(&b, 0x20AC);
    sb_buf_put_utf8(&b, 0x1F600);
    assert_string_equal(sb_buf_str(&b), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    assert_int_equal(sb_utf8_valid_prefix(b.data, b.len), b.len);
    sb_buf_free(&b);
}

static void test_edit_distance(void **state)
{
    assert_int_equal(sb_edit_distance("concat_ws", "concat_ws"), 0);
    assert_int_equal(sb_edit_distance("concat_wz", "CONCAT_WS"), 1);
    assert_int_equal(sb_edit_distance("amout", "amount"), 1);
    assert_int_equal(sb_edit_distance("", "abc"), 3);
    assert_int_equal(sb_edit_distance("kitten", "sitting"), 3);
    assert_true(sb_str_ieq("Amount", "aMOUNT"));
    assert_true(sb_str_ieqn("inX", 2, "IN"));
}

static void test_diag_format(void **state)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_diag_context ctx = {.file = "pipelines/orders.json",
                           .gem = "clean_orders",
                           .field = "expressions[2].expression",
                           .line = 14,
                           .col = 23};
    sb_diags_set_context(&d, &ctx);
    sb_span span = {13, 22};
    sb_diag *g = sb_diags_error(&d, span, "type-mismatch", "cannot compare %s with %s", "string",
                                "boolean");
    sb_diag_set_hint(&d, g, "cast one side");
    sb_diags_clear_context(&d);
    sb_diags_add(&d, SB_SEV_WARNING, "w", "plain");
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.warnings, 1);
    sb_buf out = SB_BUF_INIT;
    sb_diag_format(&out, g);
    assert_string_equal(sb_buf_str(&out),
                        "pipelines/orders.json:14:23: gem \"clean_orders\" field "
                        "expressions[2].expression: 14-22: error: cannot compare string with "
                        "boolean\n    hint: cast one side\n");
    sb_buf_reset(&out);
    sb_diags_format_json(&out, &d);
    assert_non_null(strstr(sb_buf_str(&out), "\"span\":{\"start\":13,\"end\":22}"));
    assert_non_null(strstr(sb_buf_str(&out), "\"line\":14,\"column\":23"));
    assert_non_null(strstr(sb_buf_str(&out), "{\"severity\":\"warning\",\"code\":\"w\""));
    sb_buf_free(&out);
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena),      cmocka_unit_test(test_buf),
        cmocka_unit_test(test_utf8),       cmocka_unit_test(test_put_utf8),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_diag_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
