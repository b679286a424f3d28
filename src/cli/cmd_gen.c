/*
 * cmd_gen.c — `sibyl gen`: generate plain PySpark (a Python package per
 * pipeline) or Spark SQL scripts from a project, or check that generated
 * code committed to the repository is up to date.
 */
#include "cli/cli.h"
#include "codegen/codegen.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p for the directories of a file path. */
static int make_parents(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf) return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    return 0;
}

/* Directories and files a test run or build leaves beside generated code. */
static bool ignored(const char *name)
{
    static const char *const names[] = {"__pycache__", ".pytest_cache", "dist", "build",
                                        ".ruff_cache", "spark-warehouse", "metastore_db"};
    for (size_t i = 0; i < SB_COUNTOF(names); i++)
        if (strcmp(name, names[i]) == 0) return true;
    size_t n = strlen(name);
    if (n > 4 && strcmp(name + n - 4, ".pyc") == 0) return true;
    if (n > 9 && strcmp(name + n - 9, ".egg-info") == 0) return true;
    return name[0] == '.' && strcmp(name, ".") && strcmp(name, "..") && strcmp(name, ".gitignore");
}

typedef struct file_list {
    char **items;
    size_t len, cap;
} file_list;

static void list_files(const char *root, const char *rel, file_list *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *dir = opendir(path);
    if (!dir) return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || ignored(e->d_name)) continue;
        char sub[PATH_MAX];
        if (strlen(rel) + strlen(e->d_name) + 2 > sizeof sub) continue;
        strcpy(sub, rel);
        if (*rel) strcat(sub, "/");
        strcat(sub, e->d_name);
        char full[PATH_MAX * 2 + 2];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            list_files(root, sub, out);
        } else {
            if (out->len == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 32;
                out->items = sb_xrealloc(out->items, out->cap * sizeof(char *));
            }
            out->items[out->len++] = sb_xstrdup(sub);
        }
    }
    closedir(dir);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The project directory as seen from <out>/<pipeline>/tests, for the
 * generated tests; "../../.." for the default output directory. */
static const char *project_from_tests(sb_arena *a, const char *project, const char *out)
{
    char rp[PATH_MAX], ro[PATH_MAX];
    if (!realpath(project, rp)) return NULL;
    if (make_parents(sb_arena_printf(a, "%s/x", out)) != 0 || !realpath(out, ro)) return NULL;
    /* common prefix by path components */
    size_t i = 0, last = 0;
    while (rp[i] && ro[i] && rp[i] == ro[i]) {
        if (rp[i] == '/') last = i;
        i++;
    }
    if (!rp[i] && (!ro[i] || ro[i] == '/')) last = i;
    else if (!ro[i] && rp[i] == '/') last = i;
    sb_buf b = SB_BUF_INIT;
    sb_buf_puts(&b, "../..");
    for (const char *p = ro + last; *p; p++)
        if (*p == '/') sb_buf_puts(&b, "/..");
    const char *rest = rp + last;
    if (*rest == '/') rest++;
    if (*rest) sb_buf_printf(&b, "/%s", rest);
    const char *r = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return r;
}

static int run_gen(int argc, char **argv)
{
    const char *project = NULL, *pipeline = NULL, *outdir = NULL;
    bool check = false, json = false;
    sb_codegen_options opt = {0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (sb_cli_is_help(arg)) return sb_cli_print_help(&sb_cmd_gen);
        if (strcmp(arg, "--pipeline") == 0 && i + 1 < argc) {
            pipeline = argv[++i];
        } else if (strcmp(arg, "--out") == 0 && i + 1 < argc) {
            outdir = argv[++i];
        } else if (strcmp(arg, "--check") == 0) {
            check = true;
        } else if (strcmp(arg, "--instrumented") == 0) {
            opt.instrumented = true;
        } else if (strcmp(arg, "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") != 0 && strcmp(f, "text") != 0)
                return sb_cli_usage_error(&sb_cmd_gen, "unknown format '%s' (text or json)", f);
            json = strcmp(f, "json") == 0;
        } else if (strcmp(arg, "--target") == 0 && i + 1 < argc) {
            const char *t = argv[++i];
            if (strcmp(t, "pyspark") == 0)
                opt.target = SB_CODEGEN_PYSPARK;
            else if (strcmp(t, "sql") == 0)
                opt.target = SB_CODEGEN_SQL;
            else
                return sb_cli_usage_error(&sb_cmd_gen, "unknown target '%s' (pyspark or sql)", t);
        } else if (arg[0] == '-') {
            return sb_cli_usage_error(&sb_cmd_gen, "unknown option '%s'", arg);
        } else if (project) {
            return sb_cli_usage_error(&sb_cmd_gen, "more than one project given");
        } else {
            project = arg;
        }
    }
    if (!project) project = ".";
    if (opt.instrumented && opt.target == SB_CODEGEN_SQL)
        return sb_cli_usage_error(&sb_cmd_gen, "--instrumented applies to the pyspark target only");

    sb_arena *a = sb_arena_new();
    if (!outdir) outdir = sb_arena_printf(a, "%s/generated", project);
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_load(a, project, &d);
    if (!p) {
        sb_cli_print_diags(&d, json);
        sb_arena_free(a);
        return SB_EXIT_IO;
    }
    if (pipeline && !sb_project_pipeline(p, pipeline)) {
        sb_cli_print_diags(&d, json);
        fprintf(stderr, "sibyl gen: project %s has no pipeline `%s`\n", p->name, pipeline);
        sb_arena_free(a);
        return SB_EXIT_USAGE;
    }
    if (opt.target == SB_CODEGEN_PYSPARK && !check) {
        opt.project_dir = project_from_tests(a, project, outdir);
    } else if (opt.target == SB_CODEGEN_PYSPARK) {
        /* --check must not create the output directory */
        struct stat st;
        opt.project_dir = stat(outdir, &st) == 0 ? project_from_tests(a, project, outdir) : NULL;
    }

    sb_gen_files files = {0};
    size_t errors = d.errors;
    for (size_t i = 0; i < p->npipelines; i++) {
        sb_pipeline *pl = p->pipelines[i];
        if (pipeline && strcmp(pl->name, pipeline) != 0) continue;
        size_t before = d.errors;
        sb_plan_pipeline(a, p, pl, NULL, &d);
        if (d.errors > before) continue;
        sb_codegen_pipeline(a, p, pl, &opt, &files, &d);
    }
    int rc = SB_EXIT_OK;
    if (d.errors > errors || d.errors) {
        sb_cli_print_diags(&d, json);
        fprintf(stderr, "sibyl gen: nothing written: %zu error%s\n", d.errors, d.errors == 1 ? "" : "s");
        sb_arena_free(a);
        return SB_EXIT_PROBLEMS;
    }
    sb_cli_print_diags(&d, json);

    if (check) {
        /* stale or missing files, then files that generation would not write */
        size_t problems = 0;
        for (size_t i = 0; i < files.len; i++) {
            const sb_gen_file *f = &files.items[i];
            const char *path = sb_arena_printf(a, "%s/%s", outdir, f->path);
            char *text = NULL;
            size_t len = 0;
            int r = sb_read_file(path, &text, &len);
            if (r != 0) {
                printf("missing %s\n", path);
                problems++;
            } else if (len != f->len || memcmp(text, f->text, len) != 0) {
                printf("stale %s\n", path);
                problems++;
            }
            free(text);
        }
        /* extra files in the generated packages (or scripts) */
        file_list have = {0};
        list_files(outdir, "", &have);
        qsort(have.items, have.len, sizeof(char *), cmp_str);
        for (size_t i = 0; i < have.len; i++) {
            const char *rel = have.items[i];
            bool known = false;
            for (size_t k = 0; k < files.len && !known; k++) known = strcmp(files.items[k].path, rel) == 0;
            /* only within what this run generates: a pipeline's package, or .sql scripts */
            bool ours = false;
            for (size_t k = 0; k < p->npipelines && !ours; k++) {
                const char *name = p->pipelines[k]->name;
                if (pipeline && strcmp(name, pipeline) != 0) continue;
                size_t n = strlen(name);
                if (opt.target == SB_CODEGEN_SQL)
                    ours = strcmp(rel + (strlen(rel) > 4 ? strlen(rel) - 4 : 0), ".sql") == 0 && !strchr(rel, '/');
                else
                    ours = strncmp(rel, name, n) == 0 && rel[n] == '/';
            }
            if (!pipeline && opt.target == SB_CODEGEN_PYSPARK && !ours) {
                /* a package of a pipeline that no longer exists */
                const char *slash = strchr(rel, '/');
                if (slash && strcmp(slash + 1, "pyproject.toml") == 0) ours = true;
            }
            if (ours && !known) {
                printf("extra %s/%s\n", outdir, rel);
                problems++;
            }
            free(have.items[i]);
        }
        free(have.items);
        if (problems) {
            fprintf(stderr, "sibyl gen --check: %zu file%s out of date; run `sibyl gen%s%s`\n", problems,
                    problems == 1 ? "" : "s", opt.target == SB_CODEGEN_SQL ? " --target sql" : "",
                    "");
            rc = SB_EXIT_PROBLEMS;
        }
        sb_arena_free(a);
        return rc;
    }

    size_t written = 0;
    for (size_t i = 0; i < files.len; i++) {
        const sb_gen_file *f = &files.items[i];
        const char *path = sb_arena_printf(a, "%s/%s", outdir, f->path);
        char *old = NULL;
        size_t len = 0;
        if (sb_read_file(path, &old, &len) == 0 && len == f->len && memcmp(old, f->text, len) == 0) {
            free(old);
            continue; /* unchanged: keep the file's timestamp */
        }
        free(old);
        int r = make_parents(path);
        if (r == 0) r = sb_write_file_atomic(path, f->text, f->len);
        if (r != 0) {
            fprintf(stderr, "sibyl gen: cannot write %s: %s\n", path, strerror(-r));
            sb_arena_free(a);
            return SB_EXIT_IO;
        }
        written++;
    }
    fprintf(stderr, "%s: %zu file%s generated in %s (%zu changed)\n", p->name, files.len,
            files.len == 1 ? "" : "s", outdir, written);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_gen = {
    .name = "gen",
    .summary = "Generate plain PySpark (or Spark SQL) from a project's pipelines",
    .usage = "sibyl gen [--pipeline NAME] [--out DIR] [--check] [--target pyspark|sql] "
             "[--instrumented] [PROJECT]",
    .help = "Plans every pipeline of PROJECT (default: the current directory) and writes\n"
            "its code into DIR (default: PROJECT/generated):\n\n"
            "  pyspark  a Python package per pipeline, DIR/<pipeline>/: pyproject.toml,\n"
            "           src/<pipeline>/{pipeline,config,__main__}.py, one module per gem\n"
            "           in gems/, README.md and tests/test_<pipeline>.py\n"
            "  sql      one Spark SQL script per pipeline, DIR/<pipeline>.sql\n\n"
            "Generation is deterministic: the same project always gives the same bytes,\n"
            "formatted as black formats Python. See docs/codegen.md.\n\n"
            "Options:\n"
            "  --pipeline NAME  only this pipeline\n"
            "  --out DIR        write into DIR instead of PROJECT/generated\n"
            "  --check          write nothing; list missing, stale and extra files and\n"
            "                   exit 1 when the files in DIR differ from what gen writes\n"
            "  --target T       pyspark (default) or sql\n"
            "  --instrumented   after every gem, print `SIBYL-EDGE {json}` lines with row\n"
            "                   counts and sample rows (for interactive runs; not for commit)\n"
            "  --format json    print diagnostics as JSON\n\n"
            "Exit status: 0, 1 when a pipeline has errors or --check finds differences,\n"
            "2 on a usage error, 3 when the project or a file cannot be read or written.\n",
    .run = run_gen,
};
