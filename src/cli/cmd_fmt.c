/*
 * cmd_fmt.c — `sibyl fmt`: rewrite project files in canonical form.
 */
#include "cli/cli.h"
#include "spec/spec.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct fmt_state {
    bool check;
    int changed, failed;
    sb_arena *arena;
    sb_diags diags;
} fmt_state;

static void fmt_file(fmt_state *st, const char *path)
{
    char *text;
    size_t len;
    int rc = sb_read_file(path, &text, &len);
    if (rc != 0) {
        fprintf(stderr, "sibyl fmt: cannot read %s: %s\n", path, strerror(-rc));
        st->failed++;
        return;
    }
    sb_buf out = SB_BUF_INIT;
    sb_diag_context ctx = {.file = path};
    sb_diags_set_context(&st->diags, &ctx);
    if (sb_spec_format(text, len, &out, &st->diags) != 0) {
        st->failed++;
    } else if (out.len != len || memcmp(out.data, text, len) != 0) {
        st->changed++;
        if (st->check) {
            printf("%s\n", path);
        } else if ((rc = sb_write_file_atomic(path, out.data, out.len)) != 0) {
            fprintf(stderr, "sibyl fmt: cannot write %s: %s\n", path, strerror(-rc));
            st->failed++;
        }
    }
    sb_diags_clear_context(&st->diags);
    sb_buf_free(&out);
    free(text);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void fmt_dir_json(fmt_state *st, const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 && e->d_name[0] != '.') {
            names = sb_xrealloc(names, (n + 1) * sizeof(char *));
            names[n++] = sb_xstrdup(e->d_name);
        }
    }
    closedir(dh);
    qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path = sb_arena_printf(st->arena, "%s/%s", dir, names[i]);
        fmt_file(st, path);
        free(names[i]);
    }
    free(names);
}

static void fmt_path(fmt_state *st, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "sibyl fmt: cannot open %s: %s\n", path, strerror(errno));
        st->failed++;
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fmt_file(st, path);
        return;
    }
    char *manifest = sb_arena_printf(st->arena, "%s/sibyl.json", path);
    if (stat(manifest, &sb) != 0) {
        fprintf(stderr, "sibyl fmt: %s is not a sibyl project (no sibyl.json)\n", path);
        st->failed++;
        return;
    }
    fmt_file(st, manifest);
    static const char *const dirs[] = {"pipelines", "datasets", "configs", "subgraphs"};
    for (size_t i = 0; i < SB_COUNTOF(dirs); i++)
        fmt_dir_json(st, sb_arena_printf(st->arena, "%s/%s", path, dirs[i]));
}

static int run_fmt(int argc, char **argv)
{
    fmt_state st = {0};
    int first_path = argc;
    for (int i = 1; i < argc; i++) {
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_fmt);
        if (strcmp(argv[i], "--check") == 0) {
            st.check = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return sb_cli_usage_error(&sb_cmd_fmt, "unknown option '%s'", argv[i]);
        } else {
            first_path = i;
            break;
        }
    }
    st.arena = sb_arena_new();
    sb_diags_init(&st.diags, st.arena);
    if (first_path >= argc) {
        fmt_path(&st, ".");
    } else {
        for (int i = first_path; i < argc; i++) fmt_path(&st, argv[i]);
    }
    sb_cli_print_diags(&st.diags, false);
    int rc = st.failed ? SB_EXIT_PROBLEMS : (st.check && st.changed) ? SB_EXIT_PROBLEMS : 0;
    if (st.check && st.changed)
        fprintf(stderr, "sibyl fmt: %d file%s not in canonical form\n", st.changed,
                st.changed == 1 ? " is" : "s are");
    sb_arena_free(st.arena);
    return rc;
}

const sb_command sb_cmd_fmt = {
    .name = "fmt",
    .summary = "Rewrite project files in canonical form",
    .usage = "sibyl fmt [--check] [PATH...]",
    .help = "Rewrites the JSON files of a project (sibyl.json, pipelines/, datasets/,\n"
            "configs/, subgraphs/) or the given files in canonical form: keys sorted,\n"
            "two-space indentation, one member per line, a final newline. Canonical\n"
            "files merge cleanly in Git; formatting a canonical file changes no byte.\n"
            "PATH defaults to the current directory.\n\n"
            "Options:\n"
            "  --check   change nothing; list the files that are not canonical and exit 1\n\n"
            "Exit status: 0 when all files are (now) canonical, 1 when a file is not valid\n"
            "JSON or, with --check, not canonical, 2 on a usage error.\n",
    .run = run_fmt,
};
