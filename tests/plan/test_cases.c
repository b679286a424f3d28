/*
 * test_cases.c — the planner's table of cases: the files tests/plan/cases/NAME.case.
 *
 * A case file holds several cases. Each case is an in-memory project (the
 * files it lists; a default manifest when it has none), loaded and planned
 * like `sibyl validate` does, then compared with what the case expects:
 *
 *   === a name for the case
 *   --- pipeline                 (pipelines/p.json; or `--- file <path>`,
 *   { ...json... }                `--- dataset <name>`, `--- subgraph <name>`,
 *                                 `--- config <name>`, `--- manifest`)
 *   --- schema <gem>[.<port>]    printSchema of that output; `<pipeline>/<gem>`
 *   root                         for another pipeline or a subgraph
 *    |-- id: long (nullable = false)
 *   --- order                    the pipeline's topological order
 *   a b c
 *   --- errors                   the errors (with their hints), formatted and
 *   ...                          sorted; `--- diagnostics` compares warnings
 *                                and notes too. A line ending in "..." matches
 *                                any line that starts with the rest.
 *   --- options                  `config=<name>`, `no_infer`
 *
 * Without an `errors` or `diagnostics` section a case must have no errors.
 * Data files that Sources sample live in tests/plan/data (the project root;
 * the tests run from the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

#ifndef SIBYL_SOURCE_DIR
#define SIBYL_SOURCE_DIR "."
#endif

typedef struct section {
    const char *kind; /* "file", "schema", "order", "errors", "diagnostics", "options" */
    const char *arg;  /* file path, gem */
    const char *body; /* text up to the next header, with a final newline */
    uint32_t line;    /* of the header in the case file */
    char *actual;     /* what the run gave, for SIBYL_UPDATE_CASES */
} section;

typedef struct tcase {
    const char *path; /* case file on disk */
    const char *file; /* case file as messages name it */
    const char *name;
    uint32_t line;
    section sections[32];
    size_t nsections;
} tcase;

/* ---- reading case files ------------------------------------------------- */

/* The cases' text lives as long as the run. */
static sb_arena *g_arena;

static char *dupn(const char *s, size_t n)
{
    return sb_arena_strndup(g_arena, s, n);
}

static char *dup(const char *s)
{
    return sb_arena_strdup(g_arena, s);
}

static void add_section(tcase *c, const char *header, const char *body, size_t body_len,
                        uint32_t line)
{
    if (c->nsections == sizeof c->sections / sizeof c->sections[0]) {
        fprintf(stderr, "%s:%u: too many sections\n", c->file, line);
        abort();
    }
    section *s = &c->sections[c->nsections++];
    char word[64] = "", arg[256] = "";
    sscanf(header, "%63s %255s", word, arg);
    s->line = line;
    s->body = dupn(body, body_len);
    if (strcmp(word, "pipeline") == 0) {
        char path[300];
        snprintf(path, sizeof path, "pipelines/%s.json", arg[0] ? arg : "p");
        s->kind = "file";
        s->arg = dup(path);
    } else if (strcmp(word, "dataset") == 0 || strcmp(word, "subgraph") == 0 ||
               strcmp(word, "config") == 0) {
        char path[512];
        snprintf(path, sizeof path, "%ss/%s.json", word, arg);
        s->kind = "file";
        s->arg = dup(path);
    } else if (strcmp(word, "manifest") == 0) {
        s->kind = "file";
        s->arg = dup("sibyl.json");
    } else {
        s->kind = dup(word);
        s->arg = dup(arg);
    }
}

/* Split a case file into cases. */
static size_t read_cases(const char *path, const char *display, tcase **out, size_t n)
{
    char *text;
    size_t len;
    if (sb_read_file(path, &text, &len) != 0) {
        fprintf(stderr, "cannot read %s\n", path);
        abort();
    }
    tcase *cur = NULL;
    const char *header = NULL, *body = NULL;
    uint32_t header_line = 0, line = 1;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        bool is_case = ll >= 4 && strncmp(p, "=== ", 4) == 0;
        bool is_section = ll >= 4 && strncmp(p, "--- ", 4) == 0;
        if (is_case || is_section) {
            if (cur && header) add_section(cur, header, body, (size_t)(p - body), header_line);
            header = NULL;
        }
        if (is_case) {
            *out = realloc(*out, (n + 1) * sizeof(tcase));
            cur = &(*out)[n++];
            memset(cur, 0, sizeof(*cur));
            cur->file = dup(display);
            cur->path = dup(path);
            cur->name = dupn(p + 4, ll - 4);
            cur->line = line;
        } else if (is_section) {
            header = dupn(p + 4, ll - 4);
            header_line = line;
            body = eol ? eol + 1 : p + ll;
        }
        p = eol ? eol + 1 : p + ll;
        line++;
    }
    if (cur && header) add_section(cur, header, body, (size_t)(p - body), header_line);
    free(text);
    return n;
}

/* ---- running one case ------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Does the actual text match the expected one line by line (with "..."
 * prefixes)? */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '\n') n--;
    return n;
}

static bool lines_match(const char *expected, const char *actual)
{
    /* Blank lines at the end (between cases) do not count. */
    char *e0 = dupn(expected, trimmed_len(expected)), *a0 = dupn(actual, trimmed_len(actual));
    const char *e = e0, *a = a0;
    bool ok = true;
    while (ok && (*e || *a)) {
        const char *ee = strchr(e, '\n'), *ae = strchr(a, '\n');
        size_t el = ee ? (size_t)(ee - e) : strlen(e);
        size_t al = ae ? (size_t)(ae - a) : strlen(a);
        if (!*e || !*a) {
            ok = false;
        } else if (el >= 3 && strncmp(e + el - 3, "...", 3) == 0) {
            ok = al >= el - 3 && strncmp(e, a, el - 3) == 0;
        } else {
            ok = el == al && strncmp(e, a, el) == 0;
        }
        e = ee ? ee + 1 : e + el;
        a = ae ? ae + 1 : a + al;
    }
    return ok;
}

static const sb_pipeline *find_pipeline(const sb_project *p, const char *name)
{
    const sb_pipeline *pl = sb_project_pipeline(p, name);
    return pl ? pl : sb_project_subgraph(p, name);
}

static void run_case(void **state)
{
    const tcase *c = *state;
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    /* Relative, so that messages naming data files are the same on every
     * machine: the tests run from the repository root. */
    sb_project *p = sb_project_new(a, "tests/plan/data");
    sb_plan_options opt = {0};

    /* Files, in the loader's order: manifest, datasets, configs, subgraphs, pipelines. */
    const char *manifest = "{\"name\": \"t\", \"version\": \"0.1.0\"}\n";
    for (size_t i = 0; i < c->nsections; i++)
        if (strcmp(c->sections[i].kind, "file") == 0 &&
            strcmp(c->sections[i].arg, "sibyl.json") == 0)
            manifest = c->sections[i].body;
    sb_project_parse_manifest(a, p, "sibyl.json", manifest, strlen(manifest), &d);
    static const char *const dirs[] = {"datasets/", "configs/", "subgraphs/", "pipelines/"};
    for (size_t k = 0; k < 4; k++) {
        const section *files[32];
        size_t nf = 0;
        for (size_t i = 0; i < c->nsections; i++) {
            const section *s = &c->sections[i];
            if (strcmp(s->kind, "file") == 0 && strncmp(s->arg, dirs[k], strlen(dirs[k])) == 0)
                files[nf++] = s;
        }
        void **slots = sb_arena_alloc(a, (nf + 1) * sizeof(void *));
        size_t count = 0;
        /* Sorted by path, as the loader lists a directory. */
        const char *paths[32];
        for (size_t i = 0; i < nf; i++) paths[i] = files[i]->arg;
        qsort(paths, nf, sizeof(char *), cmp_str);
        for (size_t i = 0; i < nf; i++) {
            const section *s = NULL;
            for (size_t j = 0; j < nf; j++)
                if (files[j]->arg == paths[i]) s = files[j];
            const char *base = s->arg + strlen(dirs[k]);
            char *name = sb_arena_strndup(a, base, strlen(base) - 5);
            size_t len = strlen(s->body);
            void *item = NULL;
            switch (k) {
            case 0:
                item = sb_spec_parse_dataset(a, name, s->arg, s->body, len, &d);
                break;
            case 1:
                item = sb_spec_parse_config(a, p, name, s->arg, s->body, len, &d);
                break;
            case 2:
                item = sb_spec_parse_pipeline(a, name, s->arg, s->body, len, true, &d);
                break;
            case 3:
                item = sb_spec_parse_pipeline(a, name, s->arg, s->body, len, false, &d);
                break;
            }
            if (item) slots[count++] = item;
        }
        switch (k) {
        case 0:
            p->datasets = (sb_dataset **)slots, p->ndatasets = count;
            break;
        case 1:
            p->configs = (sb_config_instance **)slots, p->nconfigs = count;
            break;
        case 2:
            p->subgraphs = (sb_pipeline **)slots, p->nsubgraphs = count;
            break;
        case 3:
            p->pipelines = (sb_pipeline **)slots, p->npipelines = count;
            break;
        }
    }
    sb_project_resolve(a, p, &d);

    for (size_t i = 0; i < c->nsections; i++) {
        const section *s = &c->sections[i];
        if (strcmp(s->kind, "options") != 0) continue;
        char key[64], val[64];
        const char *q = s->body;
        int used;
        while (sscanf(q, " %63[^= \n]%n", key, &used) == 1) {
            q += used;
            val[0] = '\0';
            if (*q == '=' && sscanf(q + 1, "%63s%n", val, &used) == 1) q += 1 + used;
            if (strcmp(key, "config") == 0) opt.config = sb_arena_strdup(a, val);
            if (strcmp(key, "no_infer") == 0) opt.no_infer = true;
        }
    }
    sb_plan_project(a, p, &opt, &d);
    sb_diags_sort(&d);

    bool failed = false;
    sb_buf report = SB_BUF_INIT;
    const sb_pipeline *main_pl = p->npipelines ? p->pipelines[0] : NULL;
    bool errors_expected = false;
    for (size_t i = 0; i < c->nsections; i++) {
        const section *s = &c->sections[i];
        sb_buf actual = SB_BUF_INIT;
        bool compare = true;
        if (strcmp(s->kind, "schema") == 0) {
            char *target = sb_arena_strdup(a, s->arg);
            const sb_pipeline *pl = main_pl;
            char *slash = strchr(target, '/');
            if (slash) {
                *slash = '\0';
                pl = find_pipeline(p, target);
                target = slash + 1;
            }
            char *dot = strchr(target, '.');
            const char *port = NULL;
            if (dot) *dot = '\0', port = dot + 1;
            const sb_gem *g = pl ? sb_pipeline_gem(pl, target) : NULL;
            if (!g) {
                sb_buf_printf(&actual, "(no gem %s)\n", s->arg);
            } else {
                size_t k = 0;
                if (port)
                    for (k = 0; k < g->noutputs && strcmp(g->outputs[k], port) != 0; k++) {
                    }
                sb_plan_print_schema(&actual,
                                     g->out_schemas && k < g->noutputs ? g->out_schemas[k] : NULL);
            }
        } else if (strcmp(s->kind, "order") == 0) {
            for (size_t k = 0; main_pl && k < main_pl->norder; k++)
                sb_buf_printf(&actual, "%s%s", k ? " " : "", main_pl->order[k]->name);
            sb_buf_putc(&actual, '\n');
        } else if (strcmp(s->kind, "errors") == 0 || strcmp(s->kind, "diagnostics") == 0) {
            bool all = strcmp(s->kind, "diagnostics") == 0;
            errors_expected = true;
            for (size_t k = 0; k < sb_diags_count(&d); k++) {
                const sb_diag *g = sb_diags_at(&d, k);
                if (all || g->severity == SB_SEV_ERROR) sb_diag_format(&actual, g);
            }
        } else {
            compare = false;
        }
        if (compare) ((section *)s)->actual = dup(sb_buf_str(&actual));
        if (compare && !lines_match(s->body, sb_buf_str(&actual))) {
            failed = true;
            sb_buf_printf(&report, "%s:%u: %s %s differs.\nexpected:\n%sactual:\n%s", c->file,
                          s->line, s->kind, s->arg, s->body, sb_buf_str(&actual));
        }
        sb_buf_free(&actual);
    }
    if (!errors_expected && d.errors) {
        failed = true;
        sb_buf_printf(&report, "%s:%u: unexpected errors:\n", c->file, c->line);
        for (size_t k = 0; k < sb_diags_count(&d); k++) sb_diag_format(&report, sb_diags_at(&d, k));
    }
    if (failed) {
        fprintf(stderr, "case \"%s\" failed:\n%s", c->name, sb_buf_str(&report));
        sb_buf_free(&report);
        sb_arena_free(a);
        fail();
    }
    sb_buf_free(&report);
    sb_arena_free(a);
}

/* Rewrite the case files with what the runs gave (SIBYL_UPDATE_CASES=1):
 * for writing new cases, whose output must then be read and checked by eye. */
static void update_files(tcase *cases, size_t ncases)
{
    for (size_t i = 0; i < ncases; i++) {
        if (i > 0 && strcmp(cases[i].path, cases[i - 1].path) == 0) continue;
        char *text;
        size_t len;
        if (sb_read_file(cases[i].path, &text, &len) != 0) continue;
        sb_buf out = SB_BUF_INIT;
        uint32_t line = 1;
        const char *p = text;
        const section *skipping = NULL;
        while (*p) {
            const char *eol = strchr(p, '\n');
            size_t ll = eol ? (size_t)(eol - p) + 1 : strlen(p);
            bool header = ll >= 4 && (strncmp(p, "--- ", 4) == 0 || strncmp(p, "=== ", 4) == 0);
            if (header) skipping = NULL;
            /* Keep cases apart by a blank line. */
            if (strncmp(p, "=== ", 4) == 0 && out.len > 0 &&
                !(out.len >= 2 && out.data[out.len - 1] == '\n' && out.data[out.len - 2] == '\n'))
                sb_buf_putc(&out, '\n');
            if (!skipping) sb_buf_add(&out, p, ll);
            if (header) {
                for (size_t k = i; k < ncases && strcmp(cases[k].path, cases[i].path) == 0; k++)
                    for (size_t j = 0; j < cases[k].nsections; j++)
                        if (cases[k].sections[j].line == line && cases[k].sections[j].actual) {
                            skipping = &cases[k].sections[j];
                            sb_buf_puts(&out, skipping->actual);
                        }
            }
            p += ll;
            line++;
        }
        sb_write_file_atomic(cases[i].path, out.data, out.len);
        sb_buf_free(&out);
        free(text);
    }
}

int main(int argc, char **argv)
{
    g_arena = sb_arena_new();
    const char *dir = SIBYL_SOURCE_DIR "/tests/plan/cases";
    DIR *dh = opendir(dir);
    if (!dh) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 1;
    }
    char *names[256];
    size_t nnames = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL && nnames < 256)
        if (ends_with(e->d_name, ".case")) names[nnames++] = dup(e->d_name);
    closedir(dh);
    qsort(names, nnames, sizeof(char *), cmp_str);
    tcase *cases = NULL;
    size_t ncases = 0;
    for (size_t i = 0; i < nnames; i++) {
        /* An argument selects case files by name. */
        if (argc > 1 && !strstr(names[i], argv[1])) continue;
        char path[1024], display[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(display, sizeof display, "tests/plan/cases/%s", names[i]);
        ncases = read_cases(path, display, &cases, ncases);
    }
    struct CMUnitTest *tests = calloc(ncases + 1, sizeof(*tests));
    for (size_t i = 0; i < ncases; i++) {
        char *label =
            sb_arena_printf(g_arena, "%s:%u %s", cases[i].file + strlen("tests/plan/cases/"),
                            cases[i].line, cases[i].name);
        tests[i].name = label;
        tests[i].test_func = run_case;
        tests[i].initial_state = &cases[i];
    }
    int rc = _cmocka_run_group_tests("plan cases", tests, ncases, NULL, NULL);
    if (getenv("SIBYL_UPDATE_CASES")) update_files(cases, ncases);
    free(tests);
    free(cases);
    sb_arena_free(g_arena);
    return rc;
}
