/*
 * io_cases.h — the table of Spark's answers shared by the io tests.
 *
 * tests/io/data/expected.tsv is written by scripts/gen-io-cases.py from real
 * Spark 3.5: for every data file and reader options, the schema Spark infers
 * (or the error it raises). Each row becomes one cmocka test that runs sibyl's
 * inference on the same file with the same options and compares the schema
 * in Spark's simpleString form and in a "full" form that spells out
 * nullability (" not null" after every non-nullable field, array element and
 * map value).
 */
#ifndef SB_TESTS_IO_CASES_H
#define SB_TESTS_IO_CASES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"
#include "io/io.h"

typedef struct io_case {
    char *id, *format, *path, *options, *status, *simple, *full, *converter;
} io_case;

/* The full form: simpleString plus " not null" markers. */
static void io_full_form(sb_buf *b, const sb_type *t)
{
    switch (t->kind) {
    case SB_T_STRUCT:
        sb_buf_puts(b, "struct<");
        for (size_t i = 0; i < t->nfields; i++) {
            if (i) sb_buf_putc(b, ',');
            sb_buf_printf(b, "%s:", t->fields[i].name);
            io_full_form(b, t->fields[i].type);
            if (!t->fields[i].nullable) sb_buf_puts(b, " not null");
        }
        sb_buf_putc(b, '>');
        break;
    case SB_T_ARRAY:
        sb_buf_puts(b, "array<");
        io_full_form(b, t->elem);
        if (!t->contains_null) sb_buf_puts(b, " not null");
        sb_buf_putc(b, '>');
        break;
    case SB_T_MAP:
        sb_buf_puts(b, "map<");
        io_full_form(b, t->key);
        sb_buf_putc(b, ',');
        io_full_form(b, t->value);
        if (!t->contains_null) sb_buf_puts(b, " not null");
        sb_buf_putc(b, '>');
        break;
    default:
        sb_type_print(b, t);
        break;
    }
}

static char *io_strsep_tab(char **s)
{
    char *start = *s;
    if (!start) return NULL;
    char *tab = strchr(start, '\t');
    if (tab) {
        *tab = '\0';
        *s = tab + 1;
    } else {
        *s = NULL;
    }
    return start;
}

/* Rows of expected.tsv for one format ("csv", "json", "parquet"). */
static size_t io_load_cases(const char *format, io_case **out, char **text_out)
{
    char *text;
    size_t len;
    int rc = sb_read_file(SIBYL_SOURCE_DIR "/tests/io/data/expected.tsv", &text, &len);
    if (rc != 0) {
        fprintf(stderr,
                "cannot read tests/io/data/expected.tsv (%d); run scripts/gen-io-cases.py\n", rc);
        *out = NULL;
        *text_out = NULL;
        return 0;
    }
    size_t cap = 64, n = 0;
    io_case *cases = sb_xmalloc(cap * sizeof *cases);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0]) continue;
        char *rest = line;
        io_case c;
        c.id = io_strsep_tab(&rest);
        c.format = io_strsep_tab(&rest);
        c.path = io_strsep_tab(&rest);
        c.options = io_strsep_tab(&rest);
        c.status = io_strsep_tab(&rest);
        c.simple = io_strsep_tab(&rest);
        c.full = io_strsep_tab(&rest);
        c.converter = io_strsep_tab(&rest);
        if (!c.converter || strcmp(c.format, format) != 0) continue;
        if (n == cap) cases = sb_xrealloc(cases, (cap *= 2) * sizeof *cases);
        cases[n++] = c;
    }
    /* The strings in `cases` point into `text`. */
    *out = cases;
    *text_out = text;
    return n;
}

/* Options from the JSON object in the table. */
static void io_options_from_json(sb_arena *a, const char *json, sb_io_options *o)
{
    sb_diags d;
    sb_diags_init(&d, a);
    memset(o, 0, sizeof *o);
    sb_json *j = sb_json_parse(a, json, strlen(json), &d);
    assert_non_null(j);
    assert_int_equal(j->kind, SB_JSON_OBJECT);
    for (size_t i = 0; i < j->u.object.len; i++) {
        const sb_json_member *m = &j->u.object.members[i];
        assert_int_equal(m->value->kind, SB_JSON_STRING);
        assert_int_equal(sb_io_options_set(o, a, m->key, m->value->u.string.s), 0);
    }
}

static void io_print_diags(const sb_diags *d)
{
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < sb_diags_count(d); i++) sb_diag_format(&b, sb_diags_at(d, i));
    if (b.len) fprintf(stderr, "%s", sb_buf_str(&b));
    sb_buf_free(&b);
}

/* Run one row: sibyl's inference must give Spark's schema or fail where
 * Spark fails. */
static void io_run_case(void **state)
{
    const io_case *c = *state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_io_options o;
    io_options_from_json(a, c->options, &o);
    char *path = sb_arena_printf(a, "%s/tests/io/data/%s", SIBYL_SOURCE_DIR, c->path);
    const sb_type *t = sb_io_infer_schema(a, c->format, path, &o, 0, &d);
    if (strcmp(c->status, "ok") == 0) {
        if (!t) {
            io_print_diags(&d);
            fail_msg("%s: sibyl failed where Spark gives %s", c->id, c->simple);
        }
        sb_buf simple = SB_BUF_INIT, full = SB_BUF_INIT;
        sb_type_print(&simple, t);
        io_full_form(&full, t);
        if (strcmp(sb_buf_str(&simple), c->simple) != 0 ||
            strcmp(sb_buf_str(&full), c->full) != 0) {
            io_print_diags(&d);
            fprintf(stderr, "case %s (%s %s)\n  spark: %s\n  sibyl: %s\n", c->id, c->path,
                    c->options, c->full, sb_buf_str(&full));
            sb_buf_free(&simple);
            sb_buf_free(&full);
            sb_arena_free(a);
            fail_msg("%s: schema differs from Spark's", c->id);
        }
        sb_buf_free(&simple);
        sb_buf_free(&full);
    } else {
        if (t) {
            fprintf(stderr, "case %s: Spark fails (%s) but sibyl gives %s\n", c->id, c->simple,
                    sb_type_str(a, t));
            sb_arena_free(a);
            fail_msg("%s: expected an error", c->id);
        }
        assert_true(d.errors > 0);
    }
    sb_arena_free(a);
}

/* One cmocka test per row of the given format. */
static int io_run_table(const char *format, void (*extra_check)(void **state))
{
    io_case *cases;
    char *text;
    size_t n = io_load_cases(format, &cases, &text);
    if (n == 0) {
        fprintf(stderr, "no %s cases in tests/io/data/expected.tsv\n", format);
        free(cases);
        free(text);
        return 1;
    }
    struct CMUnitTest *tests = sb_xcalloc(n * (extra_check ? 2 : 1), sizeof *tests);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tests[k].name = cases[i].id;
        tests[k].test_func = io_run_case;
        tests[k].initial_state = &cases[i];
        k++;
        if (extra_check) {
            size_t nl = strlen(cases[i].id) + 16;
            char *name = sb_xmalloc(nl);
            snprintf(name, nl, "%s/converter", cases[i].id);
            tests[k].name = name;
            tests[k].test_func = extra_check;
            tests[k].initial_state = &cases[i];
            k++;
        }
    }
    char *group = sb_xmalloc(strlen(format) + 16);
    snprintf(group, strlen(format) + 16, "spark_%s_cases", format);
    int failed = _cmocka_run_group_tests(group, tests, k, NULL, NULL);
    if (extra_check)
        for (size_t i = 1; i < k; i += 2) free((char *)tests[i].name);
    free(group);
    free(tests);
    free(cases);
    free(text);
    return failed;
}

#endif
