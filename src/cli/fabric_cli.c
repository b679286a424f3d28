/*
 * fabric_cli.c — the pieces `sibyl run`, `sibyl submit` and `sibyl fabric`
 * share (fabric_cli.h).
 *
 * A run never uses generated code from the project's own generated/
 * directory: the package is generated afresh from the checked specs into a
 * private temporary directory, so what runs is always what the files say,
 * and nothing is written into the user's project.
 */
#define _XOPEN_SOURCE 700
#include "cli/fabric_cli.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *sb_cli_opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc) return argv[++*i];
    return NULL;
}

double sb_cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- fabrics ------------------------------------------------------------------- */

const char *sb_cli_fabric_project(const char *dir)
{
    if (dir) return dir;
    struct stat st;
    return stat("sibyl.json", &st) == 0 ? "." : NULL;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *sb_cli_fabric_file(sb_arena *a, const char *project, const char *name, bool *in_project)
{
    if (project) {
        const char *p = sb_arena_printf(a, "%s/fabrics/%s.json", project, name);
        if (is_file(p)) {
            *in_project = true;
            return p;
        }
    }
    const char *u = sb_arena_printf(a, "%s/%s.json", sb_fabric_user_dir(a), name);
    *in_project = false;
    return is_file(u) ? u : NULL;
}

bool sb_cli_fabric_name_ok(const char *s)
{
    if (!*s) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

int sb_cli_fabric_unknown(const char *who, sb_arena *a, const char *project, const char *name)
{
    sb_vec names = {0};
    sb_fabric_def_list(a, project, &names);
    fprintf(stderr, "sibyl %s: no fabric named %s\n", who, name);
    const char *best = NULL;
    size_t dist = strlen(name) < 4 ? 2 : 3;
    for (size_t i = 0; i < names.len; i++) {
        size_t e = sb_edit_distance(name, names.items[i]);
        if (e < dist) dist = e, best = names.items[i];
    }
    if (best) {
        fprintf(stderr, "    hint: did you mean %s?\n", best);
    } else if (names.len) {
        fprintf(stderr, "    hint: the fabrics defined are");
        for (size_t i = 0; i < names.len; i++)
            fprintf(stderr, "%s %s", i ? "," : "", (const char *)names.items[i]);
        fputc('\n', stderr);
    } else {
        fprintf(stderr,
                "    hint: define one with `sibyl fabric add %s --kind spark` "
                "(see `sibyl help fabric`)\n",
                name);
    }
    return SB_EXIT_USAGE;
}

int sb_cli_fabric_load(const sb_command *cmd, sb_arena *a, const char *project, const char *name,
                       sb_fabric_def *def)
{
    if (!sb_cli_fabric_name_ok(name))
        return sb_cli_usage_error(cmd, "'%s' is not a fabric name (letters, digits, '_' and '-')",
                                  name);
    bool in_project;
    if (!sb_cli_fabric_file(a, project, name, &in_project))
        return sb_cli_fabric_unknown(cmd->name, a, project, name);
    sb_diags d;
    sb_diags_init(&d, a);
    if (sb_fabric_def_load(a, project, name, def, &d) != 0) {
        sb_cli_print_diags(&d, false);
        return SB_EXIT_PROBLEMS;
    }
    return 0;
}

void sb_cli_fabric_notice(void *ud, const char *message)
{
    fprintf(stderr, "sibyl %s: %s\n", ud ? (const char *)ud : "fabric", message);
}

/* ---- Ctrl-C ------------------------------------------------------------------------- */

static sb_fabric *volatile g_watched;
static volatile sig_atomic_t g_signals;

static void on_signal(int sig)
{
    if (g_signals++) {
        /* The second one: the user wants out now. A local driver ends with
         * its connection to sibyl. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    static const char msg[] = "\nsibyl: cancelling (press Ctrl-C again to quit at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)w;
    sb_fabric *f = g_watched;
    if (f) sb_fabric_cancel(f);
}

void sb_cli_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void sb_cli_interrupt_watch(sb_fabric *f)
{
    g_watched = f;
    /* A signal that came while nothing was watched still cancels. */
    if (f && g_signals) sb_fabric_cancel(f);
}

bool sb_cli_interrupted(void)
{
    return g_signals != 0;
}

/* ---- the project --------------------------------------------------------------------- */

int sb_cli_project_checked(const sb_command *cmd, sb_arena *a, const char *dir, const char *config,
                           bool json, sb_project **out)
{
    sb_diags d;
    sb_diags_init(&d, a);
    sb_project *p = sb_project_load(a, dir, &d);
    if (!p) {
        sb_cli_print_diags(&d, json);
        return SB_EXIT_IO;
    }
    if (config && !sb_plan_find_config(p, config)) {
        fprintf(stderr, "sibyl %s: project %s has no configuration `%s` (configs/%s.json)\n",
                cmd->name, p->name, config, config);
        return SB_EXIT_USAGE;
    }
    sb_plan_options opt = {.config = config};
    sb_plan_project(a, p, &opt, &d);
    if (d.errors) {
        sb_cli_print_diags(&d, json);
        fprintf(stderr, "sibyl %s: %s has %zu error%s; nothing was run (see `sibyl validate`)\n",
                cmd->name, p->name, d.errors, d.errors == 1 ? "" : "s");
        return SB_EXIT_PROBLEMS;
    }
    if (sb_diags_count(&d)) sb_cli_print_diags(&d, false);
    *out = p;
    return 0;
}

static int cmp_pipeline(const void *x, const void *y)
{
    const sb_pipeline *a = *(const sb_pipeline *const *)x, *b = *(const sb_pipeline *const *)y;
    return strcmp(a->name, b->name);
}

int sb_cli_select_pipelines(const sb_command *cmd, sb_arena *a, const sb_project *p,
                            const char *name, sb_vec *out)
{
    if (name) {
        const sb_pipeline *pl = sb_project_pipeline(p, name);
        if (!pl) {
            fprintf(stderr, "sibyl %s: project %s has no pipeline `%s`\n", cmd->name, p->name,
                    name);
            const char *best = NULL;
            size_t dist = 3;
            for (size_t i = 0; i < p->npipelines; i++) {
                size_t e = sb_edit_distance(name, p->pipelines[i]->name);
                if (e < dist) dist = e, best = p->pipelines[i]->name;
            }
            if (best) fprintf(stderr, "    hint: did you mean `%s`?\n", best);
            return SB_EXIT_USAGE;
        }
        sb_vec_push(a, out, (void *)pl);
        return 0;
    }
    size_t first = out->len;
    for (size_t i = 0; i < p->npipelines; i++) sb_vec_push(a, out, p->pipelines[i]);
    qsort(out->items + first, out->len - first, sizeof(void *), cmp_pipeline);
    if (out->len == first) {
        fprintf(stderr, "sibyl %s: project %s has no pipelines\n", cmd->name, p->name);
        return SB_EXIT_USAGE;
    }
    return 0;
}

int sb_cli_check_conf(const sb_command *cmd, const sb_project *p, const char *setting)
{
    const char *eq = strchr(setting, '=');
    if (!eq || eq == setting)
        return sb_cli_usage_error(cmd, "--conf %s: expected NAME=VALUE", setting);
    size_t n = (size_t)(eq - setting);
    if (n == strlen("base_path") && strncmp(setting, "base_path", n) == 0) return 0;
    for (size_t i = 0; i < p->nvars; i++)
        if (strlen(p->vars[i].name) == n && strncmp(p->vars[i].name, setting, n) == 0) return 0;
    char name[256];
    snprintf(name, sizeof(name), "%.*s", (int)(n < 255 ? n : 255), setting);
    fprintf(stderr, "sibyl %s: --conf %s: project %s has no configuration variable `%s`\n",
            cmd->name, setting, p->name, name);
    const char *best = NULL;
    size_t dist = sb_edit_distance(name, "base_path");
    if (dist < 3)
        best = "base_path";
    else
        dist = 3;
    for (size_t i = 0; i < p->nvars; i++) {
        size_t e = sb_edit_distance(name, p->vars[i].name);
        if (e < dist) dist = e, best = p->vars[i].name;
    }
    if (best) {
        fprintf(stderr, "    hint: did you mean `%s`?\n", best);
    } else {
        fprintf(stderr, "    hint: the variables are base_path");
        for (size_t i = 0; i < p->nvars; i++) fprintf(stderr, ", %s", p->vars[i].name);
        fputc('\n', stderr);
    }
    return SB_EXIT_USAGE;
}

bool sb_cli_project_has_relative_paths(const sb_project *p)
{
    for (size_t i = 0; i < p->ndatasets; i++) {
        const char *path = p->datasets[i]->path.text;
        if (!path || !*path || path[0] == '/' || strncmp(path, "${", 2) == 0) continue;
        /* a URI: s3a://, dbfs:/, abfss://, file:/ ... */
        const char *s = path;
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                   (*s >= '0' && *s <= '9') || *s == '+' || *s == '.' || *s == '-')
                s++;
            if (*s == ':') continue;
        }
        return true;
    }
    return false;
}

/* ---- the generated package ------------------------------------------------------------- */

const char *sb_cli_tempdir(sb_arena *a, const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *path = sb_arena_printf(a, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    return mkdtemp(path);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void sb_cli_rmtree(const char *path)
{
    if (path && *path) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p for the directories of a file path. */
static int make_parents(sb_arena *a, const char *path)
{
    char *buf = sb_arena_strdup(a, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    return 0;
}

int sb_cli_generate(sb_arena *a, const sb_project *p, const sb_pipeline *pl, bool instrumented,
                    const char *dir, sb_diags *d)
{
    sb_codegen_options opt = {.target = SB_CODEGEN_PYSPARK, .instrumented = instrumented};
    sb_gen_files files = {0};
    if (sb_codegen_pipeline(a, p, pl, &opt, &files, d) != 0) return -1;
    for (size_t i = 0; i < files.len; i++) {
        const sb_gen_file *f = &files.items[i];
        const char *path = sb_arena_printf(a, "%s/%s", dir, f->path);
        int r = make_parents(a, path);
        if (r == 0) r = sb_write_file_atomic(path, f->text, f->len);
        if (r != 0) {
            sb_diags_add(d, SB_SEV_ERROR, "run-write", "cannot write %s: %s", path, strerror(-r));
            return -1;
        }
    }
    return 0;
}

sb_pipeline *sb_cli_pipeline_until(sb_arena *a, const sb_pipeline *pl, const sb_gem *until)
{
    bool *keep = sb_arena_alloc(a, (pl->norder + 1) * sizeof(bool));
    memset(keep, 0, (pl->norder + 1) * sizeof(bool));
    size_t at = pl->norder;
    for (size_t i = 0; i < pl->norder; i++)
        if (pl->order[i] == until) at = i;
    if (at < pl->norder) keep[at] = true;
    /* Walking the topological order backwards reaches every ancestor. */
    for (size_t i = at + 1; i-- > 0;) {
        if (i >= pl->norder || !keep[i]) continue;
        const sb_gem *g = pl->order[i];
        for (size_t k = 0; k < g->ninputs; k++)
            for (size_t j = 0; j < i; j++)
                if (pl->order[j] == g->inputs[k].from) keep[j] = true;
    }
    sb_pipeline *out = sb_arena_alloc(a, sizeof(*out));
    *out = *pl;
    out->order = sb_arena_alloc(a, (pl->norder + 1) * sizeof(sb_gem *));
    out->gems = sb_arena_alloc(a, (pl->ngems + 1) * sizeof(sb_gem *));
    out->norder = out->ngems = 0;
    for (size_t i = 0; i < pl->norder; i++)
        if (keep[i]) out->order[out->norder++] = pl->order[i];
    /* gems stays sorted by name */
    for (size_t i = 0; i < pl->ngems; i++)
        for (size_t j = 0; j < out->norder; j++)
            if (out->order[j] == pl->gems[i]) {
                out->gems[out->ngems++] = pl->gems[i];
                break;
            }
    return out;
}
