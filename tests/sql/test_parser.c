/*
 * test_parser.c — the Spark SQL parser, table-driven.
 *
 * The tables are the .txt files in tests/sql/parser/: each case gives an input (expr:,
 * query: or sortkey:) and either the tree it parses to (tree:, an
 * S-expression, see parser/sexpr.h) or the one error it reports (error:
 * <start>-<end> <message>). Optional lines check the canonical print
 * (print:), Spark's column name (name:) and a warning (warn:). Every
 * successful case is also printed, re-parsed and compared with itself.
 *
 * Inputs that a text table cannot hold (NUL bytes, invalid UTF-8, huge
 * nesting) are tested in C below.
 *
 * SB_TEST_SHOW=1 prints what each case actually gave, for writing tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parser/sexpr.h"
#include "sql/sql.h"

typedef enum { IN_EXPR, IN_QUERY, IN_SORTKEY } input_kind;

typedef struct tcase {
    input_kind kind;
    const char *input;
    const char *tree, *error, *print, *name, *warn;
    int line;
} tcase;

static char *trim_dup(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    char *r = malloc(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

/* Parse the table file into cases. */
static size_t load_cases(const char *path, tcase **out)
{
    char *text;
    size_t len;
    int rc = sb_read_file(path, &text, &len);
    if (rc != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        fail();
    }
    size_t cap = 64, n = 0;
    tcase *cases = calloc(cap, sizeof *cases);
    tcase cur = {0};
    bool have = false;
    int lineno = 0;
    const char *p = text, *end = text + len;
    while (p <= end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        size_t ll = (size_t)(le - p);
        bool blank = ll == 0 || (ll == 1 && p[0] == '\r');
        if (blank || p >= end) {
            if (have) {
                if (n == cap) {
                    cap *= 2;
                    cases = realloc(cases, cap * sizeof *cases);
                }
                cases[n++] = cur;
                memset(&cur, 0, sizeof cur);
                have = false;
            }
        } else if (p[0] != '#') {
            const char *colon = memchr(p, ':', ll);
            assert_non_null(colon);
            size_t kl = (size_t)(colon - p);
            const char *v = colon + 1;
            if (v < le && *v == ' ') v++;
            char *val = trim_dup(v, (size_t)(le - v));
            if (kl == 4 && !memcmp(p, "expr", 4)) {
                cur.kind = IN_EXPR, cur.input = val, cur.line = lineno, have = true;
            } else if (kl == 5 && !memcmp(p, "query", 5)) {
                cur.kind = IN_QUERY, cur.input = val, cur.line = lineno, have = true;
            } else if (kl == 7 && !memcmp(p, "sortkey", 7)) {
                cur.kind = IN_SORTKEY, cur.input = val, cur.line = lineno, have = true;
            } else if (kl == 4 && !memcmp(p, "tree", 4)) {
                cur.tree = val;
            } else if (kl == 5 && !memcmp(p, "error", 5)) {
                cur.error = val;
            } else if (kl == 5 && !memcmp(p, "print", 5)) {
                cur.print = val;
            } else if (kl == 4 && !memcmp(p, "name", 4)) {
                cur.name = val;
            } else if (kl == 4 && !memcmp(p, "warn", 4)) {
                cur.warn = val;
            } else {
                fprintf(stderr, "%s:%d: unknown key\n", path, lineno);
                fail();
            }
        }
        if (!nl) break;
        p = nl + 1;
    }
    if (have) cases[n++] = cur;
    free(text);
    *out = cases;
    return n;
}

typedef struct parsed {
    const sb_expr *expr;
    const sb_query *query;
    const sb_sort_key *key;
} parsed;

static bool parse_any(sb_arena *a, input_kind k, const char *s, size_t n, sb_diags *d, parsed *out)
{
    memset(out, 0, sizeof *out);
    switch (k) {
    case IN_EXPR: out->expr = sb_sql_parse_expr(a, s, n, d); return out->expr != NULL;
    case IN_QUERY: out->query = sb_sql_parse_query(a, s, n, d); return out->query != NULL;
    case IN_SORTKEY: out->key = sb_sql_parse_sort_key(a, s, n, d); return out->key != NULL;
    }
    return false;
}

static void dump_any(sb_buf *b, const parsed *p)
{
    if (p->expr) sx_expr(b, p->expr);
    if (p->query) sx_query(b, p->query);
    if (p->key) sx_sort(b, p->key);
}

static void print_any(sb_buf *b, const parsed *p)
{
    if (p->expr) sb_sql_print_expr(b, p->expr);
    if (p->query) sb_sql_print_query(b, p->query);
    if (p->key) {
        sb_sql_print_expr(b, p->key->expr);
        if (p->key->descending) sb_buf_puts(b, " DESC");
        if (p->key->nulls_explicit)
            sb_buf_puts(b, p->key->nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
}

static size_t count_errors(const sb_diags *d)
{
    size_t n = 0;
    for (size_t i = 0; i < sb_diags_count(d); i++)
        if (sb_diags_at(d, i)->severity == SB_SEV_ERROR) n++;
    return n;
}

/* Run one case; returns the number of failed checks (and prints them). */
static int run_case(const char *file, const tcase *c, bool show)
{
    int failures = 0;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    parsed p;
    bool ok = parse_any(a, c->kind, c->input, strlen(c->input), &d, &p);
    sb_buf b = SB_BUF_INIT;
#define FAILF(...)                                                                                 \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: [%s] ", file, c->line, c->input);                                  \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        failures++;                                                                                \
    } while (0)
    if (show) {
        if (ok) {
            dump_any(&b, &p);
            printf("%s:%d\n  tree: %s\n", file, c->line, sb_buf_str(&b));
            sb_buf_reset(&b);
            print_any(&b, &p);
            printf("  print: %s\n", sb_buf_str(&b));
            if (p.expr) printf("  name: %s\n", sb_sql_auto_name(a, p.expr));
            sb_buf_reset(&b);
        } else {
            for (size_t i = 0; i < sb_diags_count(&d); i++) {
                sb_diag *g = sb_diags_at(&d, i);
                printf("%s:%d\n  error: %u-%u %s\n", file, c->line, g->span.start, g->span.end,
                       g->message);
            }
        }
    }
    if (c->error) {
        if (ok) {
            dump_any(&b, &p);
            FAILF("expected error '%s' but parsed: %s", c->error, sb_buf_str(&b));
        } else if (count_errors(&d) != 1) {
            FAILF("expected exactly one error, got %zu", count_errors(&d));
        } else {
            sb_diag *g = NULL;
            for (size_t i = 0; i < sb_diags_count(&d); i++)
                if (sb_diags_at(&d, i)->severity == SB_SEV_ERROR) g = sb_diags_at(&d, i);
            char got[1024];
            snprintf(got, sizeof got, "%u-%u %s", g->span.start, g->span.end, g->message);
            if (strcmp(got, c->error) != 0 || !g->has_span)
                FAILF("error mismatch\n   expected: %s\n   got:      %s", c->error, got);
        }
    } else {
        if (!ok) {
            sb_diag *g = sb_diags_count(&d) ? sb_diags_at(&d, 0) : NULL;
            FAILF("did not parse: %u-%u %s", g ? g->span.start : 0, g ? g->span.end : 0,
                  g ? g->message : "?");
        } else {
            dump_any(&b, &p);
            if (c->tree && strcmp(sb_buf_str(&b), c->tree) != 0)
                FAILF("tree mismatch\n   expected: %s\n   got:      %s", c->tree, sb_buf_str(&b));
            if (!c->tree) FAILF("case has neither tree: nor error:");
            char *tree = sb_buf_detach(&b);
            /* printing gives text that parses back to the same tree */
            print_any(&b, &p);
            char *printed = sb_buf_detach(&b);
            if (c->print && strcmp(printed, c->print) != 0)
                FAILF("print mismatch\n   expected: %s\n   got:      %s", c->print, printed);
            sb_diags d2;
            sb_diags_init(&d2, a);
            parsed p2;
            if (!parse_any(a, c->kind, printed, strlen(printed), &d2, &p2)) {
                FAILF("printed text does not parse: %s -> %s", printed,
                      sb_diags_count(&d2) ? sb_diags_at(&d2, 0)->message : "?");
            } else {
                dump_any(&b, &p2);
                if (strcmp(sb_buf_str(&b), tree) != 0)
                    FAILF("round trip changed the tree\n   printed: %s\n   before:  %s\n"
                          "   after:   %s",
                          printed, tree, sb_buf_str(&b));
                sb_buf_reset(&b);
                print_any(&b, &p2);
                if (strcmp(sb_buf_str(&b), printed) != 0)
                    FAILF("printing is not stable: %s then %s", printed, sb_buf_str(&b));
                sb_buf_reset(&b);
            }
            free(tree);
            free(printed);
            if (c->name) {
                if (!p.expr)
                    FAILF("name: only applies to expressions");
                else if (strcmp(sb_sql_auto_name(a, p.expr), c->name) != 0)
                    FAILF("auto name mismatch\n   expected: %s\n   got:      %s", c->name,
                          sb_sql_auto_name(a, p.expr));
            }
        }
    }
    if (c->warn) {
        bool found = false;
        for (size_t i = 0; i < sb_diags_count(&d); i++) {
            sb_diag *g = sb_diags_at(&d, i);
            if (g->severity == SB_SEV_WARNING && strstr(g->message, c->warn)) found = true;
        }
        if (!found) FAILF("expected a warning containing '%s'", c->warn);
    } else if (ok && sb_diags_count(&d) > 0) {
        FAILF("unexpected diagnostic: %s", sb_diags_at(&d, 0)->message);
    }
#undef FAILF
    sb_buf_free(&b);
    sb_arena_free(a);
    return failures;
}

static void run_table(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/sql/parser/%s", SIBYL_SOURCE_DIR, name);
    tcase *cases;
    size_t n = load_cases(path, &cases);
    const char *show_env = getenv("SB_TEST_SHOW");
    bool show = show_env && *show_env == '1';
    int failures = 0;
    for (size_t i = 0; i < n; i++) failures += run_case(name, &cases[i], show);
    fprintf(stderr, "%s: %zu cases, %d failed checks\n", name, n, failures);
    for (size_t i = 0; i < n; i++) {
        free((void *)cases[i].input);
        free((void *)cases[i].tree);
        free((void *)cases[i].error);
        free((void *)cases[i].print);
        free((void *)cases[i].name);
        free((void *)cases[i].warn);
    }
    free(cases);
    assert_true(n > 0);
    assert_int_equal(failures, 0);
}

static void test_expression_table(void **state)
{
    (void)state;
    run_table("expressions.txt");
}

static void test_query_table(void **state)
{
    (void)state;
    run_table("queries.txt");
}

static void test_error_table(void **state)
{
    (void)state;
    run_table("errors.txt");
}

/* ---- cases a text table cannot hold --------------------------------- */

static const sb_diag *only_error(const sb_diags *d)
{
    assert_int_equal(count_errors(d), 1);
    for (size_t i = 0; i < sb_diags_count(d); i++)
        if (sb_diags_at(d, i)->severity == SB_SEV_ERROR) return sb_diags_at(d, i);
    return NULL;
}

static void test_nul_bytes(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    /* a NUL inside a string literal is kept */
    const char in[] = "'a\0b' = x";
    sb_expr *e = sb_sql_parse_expr(a, in, sizeof in - 1, &d);
    assert_non_null(e);
    const sb_expr *s = e->u.binary.left;
    assert_int_equal(s->kind, SB_E_LITERAL);
    assert_int_equal(s->u.lit.len, 3);
    assert_memory_equal(s->u.lit.text, "a\0b", 3);
    /* and printed so that it reads back */
    sb_buf b = SB_BUF_INIT;
    sb_sql_print_expr(&b, e);
    assert_string_equal(sb_buf_str(&b), "'a\\u0000b' = x");
    sb_expr *e2 = sb_sql_parse_expr(a, b.data, b.len, &d);
    assert_non_null(e2);
    assert_int_equal(e2->u.binary.left->u.lit.len, 3);
    assert_memory_equal(e2->u.binary.left->u.lit.text, "a\0b", 3);
    sb_buf_free(&b);
    /* a NUL outside strings is an error at its byte */
    const char in2[] = "a +\0 b";
    assert_null(sb_sql_parse_expr(a, in2, sizeof in2 - 1, &d));
    const sb_diag *g = only_error(&d);
    assert_int_equal(g->span.start, 3);
    assert_int_equal(g->span.end, 4);
    assert_string_equal(g->message, "unexpected control character 0x00");
    sb_arena_free(a);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const char in[] = "concat(a, '\xff')";
    assert_null(sb_sql_parse_expr(a, in, sizeof in - 1, &d));
    const sb_diag *g = only_error(&d);
    assert_int_equal(g->span.start, 11);
    assert_string_equal(g->message, "invalid UTF-8 byte 0xFF in the text");
    /* an earlier syntax error is reported instead: the first problem wins */
    sb_diags_init(&d, a);
    const char in2[] = "a + + ) \xc3";
    assert_null(sb_sql_parse_expr(a, in2, sizeof in2 - 1, &d));
    g = only_error(&d);
    assert_int_equal(g->span.start, 6);
    /* valid UTF-8 in strings and quoted names is fine */
    sb_diags_init(&d, a);
    const char in3[] = "`größe` = 'ß'";
    sb_expr *e = sb_sql_parse_expr(a, in3, sizeof in3 - 1, &d);
    assert_non_null(e);
    assert_string_equal(e->u.binary.left->u.column.parts[0], "größe");
    sb_arena_free(a);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    size_t n = 100000;
    char *s = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) s[i] = '(';
    s[n] = '1';
    for (size_t i = 0; i < n; i++) s[n + 1 + i] = ')';
    assert_null(sb_sql_parse_expr(a, s, 2 * n + 1, &d));
    const sb_diag *g = only_error(&d);
    assert_non_null(strstr(g->message, "nested too deeply"));
    /* 150 levels are fine */
    sb_diags_init(&d, a);
    size_t m = 150;
    char *t = malloc(2 * m + 2);
    for (size_t i = 0; i < m; i++) t[i] = '(';
    t[m] = '1';
    for (size_t i = 0; i < m; i++) t[m + 1 + i] = ')';
    assert_non_null(sb_sql_parse_expr(a, t, 2 * m + 1, &d));
    /* unary chains, NOT chains and subqueries count too */
    for (size_t i = 0; i < n; i++) s[i] = '~';
    s[n] = 'x';
    sb_diags_init(&d, a);
    assert_null(sb_sql_parse_expr(a, s, n + 1, &d));
    assert_non_null(strstr(only_error(&d)->message, "nested too deeply"));
    sb_buf q = SB_BUF_INIT;
    for (int i = 0; i < 300; i++) sb_buf_puts(&q, "SELECT * FROM (");
    sb_buf_puts(&q, "SELECT 1");
    for (int i = 0; i < 300; i++) sb_buf_puts(&q, ")");
    sb_diags_init(&d, a);
    assert_null(sb_sql_parse_query(a, q.data, q.len, &d));
    assert_non_null(strstr(only_error(&d)->message, "nested too deeply"));
    sb_buf_free(&q);
    free(s);
    free(t);
    sb_arena_free(a);
}

/* Forms the parser has to guess at (a unit first argument, POSITION(a IN b),
 * a parenthesized query) nested inside each other must not take time
 * exponential in the nesting. */
static void test_nested_guesses(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    static const char *const opens[] = {"datediff(day, (a, ", "position((a, ", "overlay((a, ",
                                        "((("};
    for (size_t k = 0; k < SB_COUNTOF(opens); k++) {
        sb_buf b = SB_BUF_INIT;
        for (int i = 0; i < 60; i++) sb_buf_puts(&b, opens[k]);
        sb_buf_puts(&b, "x");
        sb_diags_init(&d, a);
        /* unbalanced on purpose: it must fail, and fail fast */
        assert_null(sb_sql_parse_expr(a, b.data, b.len, &d));
        assert_int_equal(sb_diags_count(&d), 1);
        assert_true(sb_arena_used(a) < 64u * 1024 * 1024);
        sb_buf_free(&b);
    }
    sb_arena_free(a);
}

static void test_long_chains(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    /* 500 ORs are a normal generated filter */
    sb_buf b = SB_BUF_INIT;
    for (int i = 0; i < 500; i++) sb_buf_printf(&b, "%sx = %d", i ? " OR " : "", i);
    sb_expr *e = sb_sql_parse_expr(a, b.data, b.len, &d);
    assert_non_null(e);
    sb_buf out = SB_BUF_INIT;
    sb_sql_print_expr(&out, e);
    assert_string_equal(out.data, b.data);
    sb_buf_free(&out);
    /* a chain longer than the tree depth limit is refused, not a crash */
    sb_buf_reset(&b);
    for (int i = 0; i < 50000; i++) sb_buf_printf(&b, "%s1", i ? "+" : "");
    sb_diags_init(&d, a);
    assert_null(sb_sql_parse_expr(a, b.data, b.len, &d));
    assert_non_null(strstr(only_error(&d)->message, "nested too deeply"));
    sb_buf_free(&b);
    sb_arena_free(a);
}

static void test_names_and_spans(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    const char *in = "Upper(`My Col`) || in0.Amount";
    sb_expr *e = sb_sql_parse_expr(a, in, strlen(in), &d);
    assert_non_null(e);
    assert_int_equal(e->span.start, 0);
    assert_int_equal(e->span.end, strlen(in));
    const sb_expr *f = e->u.binary.left;
    assert_string_equal(f->u.func.name, "Upper"); /* case preserved */
    assert_int_equal(f->u.func.name_span.start, 0);
    assert_int_equal(f->u.func.name_span.end, 5);
    assert_int_equal(f->span.end, 15);
    const sb_expr *col = f->u.func.args.items[0];
    assert_string_equal(col->u.column.parts[0], "My Col");
    assert_int_equal(col->span.start, 6);
    assert_int_equal(col->span.end, 14);
    const sb_expr *q = e->u.binary.right;
    assert_int_equal(q->u.column.nparts, 2);
    assert_string_equal(q->u.column.parts[1], "Amount");
    assert_int_equal(q->span.start, 19);
    /* cast type span */
    const char *in2 = "CAST(x AS decimal(10, 2))";
    e = sb_sql_parse_expr(a, in2, strlen(in2), &d);
    assert_non_null(e);
    assert_int_equal(e->u.cast.type_span.start, 10);
    assert_int_equal(e->u.cast.type_span.end, 24);
    assert_int_equal(e->u.cast.to->precision, 10);
    /* an error inside the type points into the CAST's text */
    const char *in3 = "CAST(x AS decimal(10, 2, 3))";
    sb_diags_init(&d, a);
    assert_null(sb_sql_parse_expr(a, in3, strlen(in3), &d));
    const sb_diag *g = only_error(&d);
    assert_true(g->span.start >= 10 && g->span.end <= 27);
    sb_arena_free(a);
}

static void test_reserved(void **state)
{
    (void)state;
    assert_true(sb_sql_is_reserved("select"));
    assert_true(sb_sql_is_reserved("FROM"));
    assert_true(sb_sql_is_reserved("order"));
    assert_true(sb_sql_is_reserved("null"));
    assert_true(sb_sql_is_reserved("true"));
    assert_true(sb_sql_is_reserved("interval"));
    assert_true(sb_sql_is_reserved("join"));
    assert_true(sb_sql_is_reserved("left"));
    assert_false(sb_sql_is_reserved("date"));
    assert_false(sb_sql_is_reserved("year"));
    assert_false(sb_sql_is_reserved("user"));
    assert_false(sb_sql_is_reserved("current_date"));
    assert_false(sb_sql_is_reserved("value"));
    assert_false(sb_sql_is_reserved("amount"));
    assert_false(sb_sql_is_reserved(NULL));
    /* every reserved word, written bare as a column, is refused or read
     * as something else, and back-quoted it is a column */
    static const char *const words[] = {"select", "from", "where", "and", "or", "not", "case",
                                        "end", "null", "true", "false", "between", "like", "in",
                                        "is", "distinct", "all", "join", "on", "order", "group"};
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    for (size_t i = 0; i < SB_COUNTOF(words); i++) {
        assert_true(sb_sql_is_reserved(words[i]));
        char *q = sb_arena_printf(a, "`%s`", words[i]);
        sb_expr *e = sb_sql_parse_expr(a, q, strlen(q), &d);
        assert_non_null(e);
        assert_int_equal(e->kind, SB_E_COLUMN);
        sb_expr *bare = sb_sql_parse_expr(a, words[i], strlen(words[i]), &d);
        assert_true(bare == NULL || bare->kind != SB_E_COLUMN);
    }
    sb_arena_free(a);
}

static void test_warnings_before_errors(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    /* a warning before the error is kept; one after it is not: the text
     * after a syntax error was never really read */
    const char *in = "'\\q' || '\\w' + + ) || '\\e'";
    assert_null(sb_sql_parse_expr(a, in, strlen(in), &d));
    size_t warnings = 0, errors = 0;
    for (size_t i = 0; i < sb_diags_count(&d); i++) {
        if (sb_diags_at(&d, i)->severity == SB_SEV_WARNING) warnings++;
        if (sb_diags_at(&d, i)->severity == SB_SEV_ERROR) errors++;
    }
    assert_int_equal(errors, 1);
    assert_int_equal(warnings, 2);
    /* on success every warning is there */
    sb_diags_init(&d, a);
    const char *ok = "'\\q' = '\\w'";
    assert_non_null(sb_sql_parse_expr(a, ok, strlen(ok), &d));
    assert_int_equal(sb_diags_count(&d), 2);
    assert_int_equal(d.warnings, 2);
    sb_arena_free(a);
}

static void test_sort_key_defaults(void **state)
{
    (void)state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_sort_key *k = sb_sql_parse_sort_key(a, "amount", 6, &d);
    assert_non_null(k);
    assert_false(k->descending);
    assert_true(k->nulls_first); /* Spark: ASC puts nulls first */
    assert_false(k->nulls_explicit);
    k = sb_sql_parse_sort_key(a, "amount desc", 11, &d);
    assert_true(k->descending);
    assert_false(k->nulls_first); /* DESC puts them last */
    k = sb_sql_parse_sort_key(a, "amount DESC NULLS FIRST", 23, &d);
    assert_true(k->nulls_first);
    assert_true(k->nulls_explicit);
    assert_int_equal(k->span.start, 0);
    assert_int_equal(k->span.end, 23);
    sb_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expression_table), cmocka_unit_test(test_query_table),
        cmocka_unit_test(test_error_table),      cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_invalid_utf8),     cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_long_chains),      cmocka_unit_test(test_names_and_spans),
        cmocka_unit_test(test_reserved),         cmocka_unit_test(test_sort_key_defaults),
        cmocka_unit_test(test_warnings_before_errors), cmocka_unit_test(test_nested_guesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
