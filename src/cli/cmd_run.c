/*
 * cmd_run.c — `sibyl run`: run a project's pipelines interactively on a
 * fabric and show what flowed along every edge of the graph.
 *
 * The project is checked first (a pipeline with errors never reaches
 * Spark), the instrumented package of each pipeline is generated into a
 * private temporary directory, and the fabric runs them one after the other
 * in one warm session. Edges are shown as they arrive (row count and time
 * per gem), then the sample of every edge as a table like Spark's show(),
 * or everything as JSON (the run result of fabric.h, one object per
 * pipeline). Ctrl-C cancels the run on the fabric and ends the session, so
 * nothing is left running.
 */
#define _XOPEN_SOURCE 700
#include "cli/fabric_cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_ROWS = 10, MAX_ROWS = 10000, CELL_WIDTH = 20 };

/* ---- values as text -------------------------------------------------------------- */

/* A value the way Spark's show() writes it: NULL, [a, b], {a, b}, {k -> v}. */
static void put_value(sb_buf *out, const sb_type *t, const sb_json *v)
{
    switch (v->kind) {
    case SB_JSON_NULL:
        sb_buf_puts(out, "NULL");
        return;
    case SB_JSON_BOOL:
        sb_buf_puts(out, v->u.boolean ? "true" : "false");
        return;
    case SB_JSON_NUMBER:
        sb_buf_add(out, v->u.number.text, v->u.number.len);
        return;
    case SB_JSON_STRING: {
        bool ts = t && (t->kind == SB_T_TIMESTAMP || t->kind == SB_T_TIMESTAMP_NTZ);
        for (size_t i = 0; i < v->u.string.len; i++) {
            char c = v->u.string.s[i];
            if (ts && c == 'T' && i == 10) c = ' ';
            /* a cell stays on one line */
            if (c == '\n')
                sb_buf_puts(out, "\\n");
            else if (c == '\r')
                sb_buf_puts(out, "\\r");
            else if (c == '\t')
                sb_buf_puts(out, "\\t");
            else if ((unsigned char)c < 0x20)
                sb_buf_putc(out, '?');
            else
                sb_buf_putc(out, c);
        }
        return;
    }
    case SB_JSON_ARRAY: {
        if (t && t->kind == SB_T_MAP) {
            /* [[key, value], ...] */
            sb_buf_putc(out, '{');
            for (size_t i = 0; i < v->u.array.len; i++) {
                const sb_json *pair = v->u.array.items[i];
                if (i) sb_buf_puts(out, ", ");
                if (pair->kind == SB_JSON_ARRAY && pair->u.array.len == 2) {
                    put_value(out, t->key, pair->u.array.items[0]);
                    sb_buf_puts(out, " -> ");
                    put_value(out, t->value, pair->u.array.items[1]);
                } else {
                    put_value(out, NULL, pair);
                }
            }
            sb_buf_putc(out, '}');
            return;
        }
        bool strct = t && t->kind == SB_T_STRUCT;
        sb_buf_putc(out, strct ? '{' : '[');
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i) sb_buf_puts(out, ", ");
            const sb_type *et = !t      ? NULL
                                : strct ? (i < t->nfields ? t->fields[i].type : NULL)
                                        : t->elem;
            put_value(out, et, v->u.array.items[i]);
        }
        sb_buf_putc(out, strct ? '}' : ']');
        return;
    }
    case SB_JSON_OBJECT: {
        sb_buf_putc(out, '{');
        if (t && t->kind == SB_T_STRUCT) {
            for (size_t i = 0; i < t->nfields; i++) {
                if (i) sb_buf_puts(out, ", ");
                const sb_json *fv = sb_json_get(v, t->fields[i].name);
                if (fv)
                    put_value(out, t->fields[i].type, fv);
                else
                    sb_buf_puts(out, "NULL");
            }
        } else {
            bool map = t && t->kind == SB_T_MAP;
            for (size_t i = 0; i < v->u.object.len; i++) {
                const sb_json_member *m = &v->u.object.members[i];
                if (i) sb_buf_puts(out, ", ");
                if (map) {
                    sb_buf_add(out, m->key, m->key_len);
                    sb_buf_puts(out, " -> ");
                }
                put_value(out, map ? t->value : NULL, m->value);
            }
        }
        sb_buf_putc(out, '}');
        return;
    }
    }
}

/* Characters (UTF-8 code points) in s. */
static size_t width_of(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Cut s to `max` characters, the last three "...", as show() does. */
static const char *cell_text(sb_arena *a, const char *s, size_t max)
{
    if (width_of(s) <= max) return s;
    size_t keep = max - 3, n = 0;
    const char *p = s;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (n == keep) break;
            n++;
        }
    }
    return sb_arena_printf(a, "%.*s...", (int)(p - s), s);
}

static void pad_left(sb_buf *out, const char *s, size_t w)
{
    size_t n = width_of(s);
    if (n < w) sb_buf_fill(out, ' ', w - n);
    sb_buf_puts(out, s);
}

/* The sample of an edge as a table: +---+ borders, cells right-aligned and
 * cut at 20 characters, like Spark's DataFrame.show(). */
static void print_table(FILE *fp, const sb_fabric_edge *e)
{
    sb_arena *a = sb_arena_new();
    size_t ncols = e->schema ? e->schema->nfields : 0;
    if (ncols == 0) {
        fputs("(no columns)\n", fp);
        sb_arena_free(a);
        return;
    }
    const char ***cells = sb_arena_alloc(a, (e->nrows + 1) * sizeof(char **));
    size_t *w = sb_arena_alloc(a, ncols * sizeof(size_t));
    cells[0] = sb_arena_alloc(a, ncols * sizeof(char *));
    for (size_t j = 0; j < ncols; j++) {
        cells[0][j] = cell_text(a, e->schema->fields[j].name, CELL_WIDTH);
        w[j] = width_of(cells[0][j]) < 3 ? 3 : width_of(cells[0][j]);
    }
    sb_buf tmp = SB_BUF_INIT;
    for (size_t i = 0; i < e->nrows; i++) {
        cells[i + 1] = sb_arena_alloc(a, ncols * sizeof(char *));
        for (size_t j = 0; j < ncols; j++) {
            sb_buf_reset(&tmp);
            put_value(&tmp, e->schema->fields[j].type, e->rows[i][j]);
            cells[i + 1][j] = cell_text(a, sb_arena_strdup(a, sb_buf_str(&tmp)), CELL_WIDTH);
            size_t n = width_of(cells[i + 1][j]);
            if (n > w[j]) w[j] = n;
        }
    }
    sb_buf line = SB_BUF_INIT;
    sb_buf_putc(&line, '+');
    for (size_t j = 0; j < ncols; j++) {
        sb_buf_fill(&line, '-', w[j]);
        sb_buf_putc(&line, '+');
    }
    sb_buf_putc(&line, '\n');
    sb_buf out = SB_BUF_INIT;
    sb_buf_puts(&out, sb_buf_str(&line));
    for (size_t i = 0; i <= e->nrows; i++) {
        sb_buf_putc(&out, '|');
        for (size_t j = 0; j < ncols; j++) {
            pad_left(&out, cells[i][j], w[j]);
            sb_buf_putc(&out, '|');
        }
        sb_buf_putc(&out, '\n');
        if (i == 0) sb_buf_puts(&out, sb_buf_str(&line));
    }
    if (e->nrows) sb_buf_puts(&out, sb_buf_str(&line));
    fputs(sb_buf_str(&out), fp);
    sb_buf_free(&out);
    sb_buf_free(&line);
    sb_buf_free(&tmp);
    sb_arena_free(a);
}

/* ---- the per-edge summary ----------------------------------------------------------- */

static const char *edge_name(sb_arena *a, const char *gem, const char *port)
{
    return !port || strcmp(port, "out") == 0 ? gem : sb_arena_printf(a, "%s.%s", gem, port);
}

/* 1234567 -> "1,234,567" */
static const char *count_text(sb_arena *a, int64_t n)
{
    if (n < 0) return "?";
    char digits[32];
    snprintf(digits, sizeof(digits), "%lld", (long long)n);
    size_t len = strlen(digits);
    sb_buf b = SB_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) sb_buf_putc(&b, ',');
        sb_buf_putc(&b, digits[i]);
    }
    const char *s = sb_arena_strdup(a, sb_buf_str(&b));
    sb_buf_free(&b);
    return s;
}

static const char *ms_text(sb_arena *a, double ms)
{
    if (ms < 0) return "-";
    if (ms < 1000) return sb_arena_printf(a, "%.0f ms", ms);
    return sb_arena_printf(a, "%.1f s", ms / 1000);
}

/* Notices are shown as they come; the ones a driver only kept in the run
 * result (a preview line it could not read ...) are shown after the run. */
typedef struct notices {
    sb_arena *a;
    sb_vec seen; /* char*: shown during the current run */
} notices;

static void on_notice(void *ud, const char *message)
{
    notices *n = ud;
    fprintf(stderr, "sibyl run: %s\n", message);
    sb_vec_push(n->a, &n->seen, sb_arena_strdup(n->a, message));
}

static void print_unseen_notices(notices *n, const sb_run_result *res)
{
    for (size_t i = 0; i < res->notices.len; i++) {
        const char *m = res->notices.items[i];
        bool seen = false;
        for (size_t k = 0; k < n->seen.len && !seen; k++) seen = strcmp(n->seen.items[k], m) == 0;
        if (!seen) fprintf(stderr, "sibyl run: %s\n", m);
    }
    n->seen.len = 0;
}

typedef struct printer {
    sb_fabric *f;
    bool json;
    size_t name_w;
    sb_arena *a;
    sb_vec shown; /* edges already printed as they arrived */
} printer;

static void print_edge_row(printer *pr, const sb_fabric_edge *e)
{
    printf("  %-*s %12s %9s\n", (int)pr->name_w, edge_name(pr->a, e->gem, e->port),
           count_text(pr->a, e->count), ms_text(pr->a, e->ms));
    fflush(stdout);
}

static void on_edge(void *ud, const sb_fabric_edge *e)
{
    printer *pr = ud;
    /* a Ctrl-C that came just as the run began */
    if (sb_cli_interrupted()) sb_fabric_cancel(pr->f);
    if (pr->json) return;
    print_edge_row(pr, e);
    sb_vec_push(pr->a, &pr->shown, (void *)e);
}

/* ---- one pipeline ------------------------------------------------------------------ */

typedef struct run_opts {
    const char *project, *fabric, *pipeline, *until, *config;
    int rows;
    bool json, keep_warm;
    double timeout;
    sb_vec conf; /* "NAME=VALUE" */
} run_opts;

static void print_text_result(printer *pr, const sb_run_result *res, int rows)
{
    /* edges the driver delivered without streaming them */
    for (size_t i = 0; i < res->edges.len; i++) {
        bool seen = false;
        for (size_t k = 0; k < pr->shown.len && !seen; k++)
            seen = pr->shown.items[k] == res->edges.items[i];
        if (!seen) print_edge_row(pr, res->edges.items[i]);
    }
    if (res->output.len) {
        printf("printed by the pipeline:\n");
        for (size_t i = 0; i < res->output.len; i++)
            printf("  %s\n", (const char *)res->output.items[i]);
    }
    const char *state = sb_run_state_name(res->state);
    if (res->state == SB_RUN_SUCCEEDED) {
        printf("succeeded in %s", ms_text(pr->a, res->wall_ms));
        if (res->spark_ms >= 0) printf(" (%s on Spark)", ms_text(pr->a, res->spark_ms));
        printf("\n");
    } else {
        printf("%s after %s: %s\n", strcmp(state, "timed_out") == 0 ? "timed out" : state,
               ms_text(pr->a, res->wall_ms), res->error ? res->error : "no reason given");
        if (res->hint) printf("    hint: %s\n", res->hint);
        /* the traceback of a failure; a cancelled or timed-out run's says nothing */
        if (res->detail && (res->state == SB_RUN_FAILED || res->state == SB_RUN_LOST)) {
            fflush(stdout);
            fprintf(stderr, "%s%s", res->detail,
                    res->detail[0] && res->detail[strlen(res->detail) - 1] == '\n' ? "" : "\n");
        }
    }
    if (rows <= 0) return;
    for (size_t i = 0; i < res->edges.len; i++) {
        const sb_fabric_edge *e = res->edges.items[i];
        int64_t shown = (int64_t)e->nrows;
        printf("\n%s: %s row%s", edge_name(pr->a, e->gem, e->port), count_text(pr->a, e->count),
               e->count == 1 ? "" : "s");
        if (e->count > shown && shown > 0) printf(", the first %lld", (long long)shown);
        printf("\n");
        print_table(stdout, e);
    }
}

static void print_json_result(const sb_project *p, const sb_pipeline *pl, const char *fabric,
                              const sb_run_result *res)
{
    sb_buf out = SB_BUF_INIT, body = SB_BUF_INIT;
    sb_buf_puts(&out, "{\"project\":");
    sb_json_write_string(&out, p->name, strlen(p->name));
    sb_buf_puts(&out, ",\"pipeline\":");
    sb_json_write_string(&out, pl->name, strlen(pl->name));
    sb_buf_puts(&out, ",\"fabric\":");
    sb_json_write_string(&out, fabric, strlen(fabric));
    sb_run_result_write_json(&body, res);
    /* the result's own members follow */
    sb_buf_putc(&out, ',');
    sb_buf_add(&out, body.data + 1, body.len - 1);
    sb_buf_putc(&out, '\n');
    fputs(sb_buf_str(&out), stdout);
    fflush(stdout);
    sb_buf_free(&out);
    sb_buf_free(&body);
}

/* ---- the command ------------------------------------------------------------------ */

static int parse_args(int argc, char **argv, sb_arena *a, run_opts *o)
{
    const sb_command *cmd = &sb_cmd_run;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (sb_cli_is_help(arg)) return sb_cli_print_help(cmd), -1;
        if ((v = sb_cli_opt_value(argc, argv, &i, "--fabric")))
            o->fabric = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--pipeline")))
            o->pipeline = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--until")))
            o->until = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--config")))
            o->config = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--conf")))
            sb_vec_push(a, &o->conf, (void *)v);
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--rows"))) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || end == v || n < 0 || n > MAX_ROWS)
                return sb_cli_usage_error(cmd, "--rows takes a number from 0 to %d, not '%s'",
                                          MAX_ROWS, v);
            o->rows = (int)n;
        } else if ((v = sb_cli_opt_value(argc, argv, &i, "--timeout"))) {
            char *end;
            double t = strtod(v, &end);
            if (*end || end == v || t <= 0)
                return sb_cli_usage_error(cmd, "--timeout takes a number of seconds, not '%s'", v);
            o->timeout = t;
        } else if ((v = sb_cli_opt_value(argc, argv, &i, "--format"))) {
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                return sb_cli_usage_error(cmd, "unknown format '%s' (text or json)", v);
            o->json = strcmp(v, "json") == 0;
        } else if (strcmp(arg, "--keep-warm") == 0) {
            o->keep_warm = true;
        } else if (arg[0] == '-') {
            static const char *const valued[] = {"--fabric", "--pipeline", "--until",   "--config",
                                                 "--conf",   "--rows",     "--timeout", "--format"};
            for (size_t k = 0; k < SB_COUNTOF(valued); k++)
                if (strcmp(arg, valued[k]) == 0)
                    return sb_cli_usage_error(cmd, "%s needs a value", arg);
            return sb_cli_usage_error(cmd, "unknown option '%s'", arg);
        } else if (o->project) {
            return sb_cli_usage_error(cmd, "more than one project given ('%s' and '%s')",
                                      o->project, arg);
        } else {
            o->project = arg;
        }
    }
    if (!o->fabric)
        return sb_cli_usage_error(cmd,
                                  "which fabric? give --fabric NAME (see `sibyl fabric list`)");
    if (!o->project) o->project = ".";
    return 0;
}

static int run_run(int argc, char **argv)
{
    const sb_command *cmd = &sb_cmd_run;
    sb_arena *a = sb_arena_new();
    run_opts o = {.rows = DEFAULT_ROWS};
    int rc = parse_args(argc, argv, a, &o);
    if (rc != 0) {
        sb_arena_free(a);
        return rc < 0 ? SB_EXIT_OK : rc;
    }

    sb_project *p = NULL;
    sb_vec pipelines = {0};
    const sb_gem *until = NULL;
    const char *tmp = NULL;
    sb_fabric *f = NULL;
    sb_fabric_def def;

    if ((rc = sb_cli_project_checked(cmd, a, o.project, o.config, o.json, &p)) != 0) goto done;
    if ((rc = sb_cli_select_pipelines(cmd, a, p, o.pipeline, &pipelines)) != 0) goto done;
    if (o.until) {
        if (pipelines.len != 1) {
            rc = sb_cli_usage_error(cmd, "--until needs --pipeline: project %s has %zu pipelines",
                                    p->name, pipelines.len);
            goto done;
        }
        const sb_pipeline *pl = pipelines.items[0];
        until = sb_pipeline_gem(pl, o.until);
        if (!until) {
            fprintf(stderr, "sibyl run: pipeline %s has no gem `%s`\n", pl->name, o.until);
            const char *best = NULL;
            size_t dist = 3;
            for (size_t i = 0; i < pl->ngems; i++) {
                size_t e = sb_edit_distance(o.until, pl->gems[i]->name);
                if (e < dist) dist = e, best = pl->gems[i]->name;
            }
            if (best) fprintf(stderr, "    hint: did you mean `%s`?\n", best);
            rc = SB_EXIT_USAGE;
            goto done;
        }
    }
    bool base_path_given = false;
    for (size_t i = 0; i < o.conf.len; i++) {
        if ((rc = sb_cli_check_conf(cmd, p, o.conf.items[i])) != 0) goto done;
        if (strncmp(o.conf.items[i], "base_path=", 10) == 0) base_path_given = true;
    }
    if ((rc = sb_cli_fabric_load(cmd, a, o.project, o.fabric, &def)) != 0) goto done;

    /* Where the Spark side finds the project's data. A local driver's JVM
     * keeps the directory it started in, so relative paths are anchored at
     * the project through base_path rather than the working directory. */
    const char *cwd = NULL;
    if (def.kind == SB_FABRIC_SPARK) {
        char real[PATH_MAX];
        if (!realpath(o.project, real)) {
            fprintf(stderr, "sibyl run: cannot resolve the project directory %s\n", o.project);
            rc = SB_EXIT_IO;
            goto done;
        }
        cwd = sb_arena_strdup(a, real);
        if (!base_path_given) sb_vec_push(a, &o.conf, sb_arena_printf(a, "base_path=%s", cwd));
    } else if (!base_path_given && sb_cli_project_has_relative_paths(p)) {
        fprintf(stderr,
                "sibyl run: note: fabric %s runs on a cluster: relative dataset paths start from "
                "its working directory; pass --conf base_path=DIR to say where the data is\n",
                def.name);
    }

    sb_cli_interrupt_install();
    tmp = sb_cli_tempdir(a, "sibyl-run");
    if (!tmp) {
        fprintf(stderr, "sibyl run: cannot create a temporary directory\n");
        rc = SB_EXIT_IO;
        goto done;
    }
    /* Generate every package before starting Spark. */
    sb_diags d;
    sb_diags_init(&d, a);
    for (size_t i = 0; i < pipelines.len; i++) {
        const sb_pipeline *pl = pipelines.items[i];
        if (until) pl = sb_cli_pipeline_until(a, pl, until);
        if (sb_cli_generate(a, p, pl, true, tmp, &d) != 0) {
            sb_cli_print_diags(&d, o.json);
            rc = SB_EXIT_PROBLEMS;
            goto done;
        }
    }

    notices seen = {.a = a};
    sb_fabric_options fo = {.notice = on_notice, .notice_ud = &seen};
    if (sb_fabric_open(&def, &fo, &f, &d) != 0) {
        sb_cli_print_diags(&d, false);
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }
    sb_cli_interrupt_watch(f);

    const char **args = sb_arena_alloc(a, (2 * o.conf.len + 2) * sizeof(char *));
    size_t nargs = 0;
    for (size_t i = 0; i < o.conf.len; i++) {
        args[nargs++] = "--conf";
        args[nargs++] = o.conf.items[i];
    }
    if (o.rows == 0) {
        /* counts only */
        args[nargs++] = "--conf";
        args[nargs++] = "sibyl_sample_rows=0";
    }

    size_t failed = 0, ran = 0;
    for (size_t i = 0; i < pipelines.len && !sb_cli_interrupted(); i++) {
        const sb_pipeline *pl = pipelines.items[i];
        printer pr = {.f = f, .json = o.json, .a = a, .name_w = 3};
        for (size_t k = 0; k < pl->ngems; k++) {
            const sb_gem *g = pl->gems[k];
            for (size_t q = 0; q < g->noutputs; q++) {
                size_t n = strlen(edge_name(a, g->name, g->outputs[q]));
                if (n > pr.name_w) pr.name_w = n;
            }
        }
        if (!o.json) {
            printf("%s%s/%s on fabric %s (%s)%s%s\n", i ? "\n" : "", p->name, pl->name, def.name,
                   sb_fabric_kind_name(def.kind), until ? ", until " : "",
                   until ? until->name : "");
            printf("  %-*s %12s %9s\n", (int)pr.name_w, "gem", "rows", "time");
            fflush(stdout);
        }
        sb_run_request req = {
            .package_dir = sb_arena_printf(a, "%s/%s/src", tmp, pl->name),
            .module = pl->name,
            .args = args,
            .nargs = nargs,
            .config = o.config,
            .sample_rows = o.rows > 0 ? o.rows : 0,
            .cwd = cwd,
            .ship = -1,
            .timeout = o.timeout,
            .on_edge = on_edge,
            .ud = &pr,
        };
        sb_run_result res;
        sb_run_result_init(&res);
        if (sb_fabric_run(f, &req, &res) != 0) failed++;
        ran++;
        fflush(stdout);
        print_unseen_notices(&seen, &res);
        if (o.json)
            print_json_result(p, pl, def.name, &res);
        else
            print_text_result(&pr, &res, o.rows);
        sb_run_result_free(&res);
    }
    if (ran < pipelines.len) {
        fprintf(stderr, "sibyl run: cancelled; %zu pipeline%s not run\n", pipelines.len - ran,
                pipelines.len - ran == 1 ? "" : "s");
        failed++;
    }
    rc = failed ? SB_EXIT_PROBLEMS : SB_EXIT_OK;

done:
    if (f) {
        sb_cli_interrupt_watch(NULL);
        sb_fabric_free(f, o.keep_warm && !sb_cli_interrupted());
    }
    if (tmp) sb_cli_rmtree(tmp);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_run = {
    .name = "run",
    .summary = "Run pipelines on a fabric and show every edge's rows",
    .usage = "sibyl run [PROJECT] --fabric NAME [--pipeline P] [--until GEM] [--rows N] "
             "[--config C] [--conf NAME=VALUE] [--format text|json] [--timeout S] [--keep-warm]",
    .help = "Checks the project at PROJECT (default: the current directory) as\n"
            "`sibyl validate` does and refuses to run when it has errors; then generates\n"
            "the instrumented package of each pipeline into a private temporary\n"
            "directory and runs it on the fabric NAME (see `sibyl fabric`). For every\n"
            "edge of the graph it shows the row count, the time the gem took and the\n"
            "first rows:\n\n"
            "  retail/clean_orders on fabric local (spark)\n"
            "    gem                  rows      time\n"
            "    orders                201    1.2 s\n"
            "    recent_orders         173    310 ms\n"
            "    ...\n"
            "  succeeded in 6.4 s (5.9 s on Spark)\n\n"
            "followed by each edge's sample as a table, as Spark's show() prints it.\n"
            "Without --pipeline every pipeline of the project runs, in name order, in one\n"
            "session of the fabric; a failed pipeline does not stop the others.\n"
            "Targets write their data as in any run.\n\n"
            "Options:\n"
            "  --fabric NAME      the fabric to run on (required)\n"
            "  --pipeline P       only pipeline P\n"
            "  --until GEM        run GEM and the gems upstream of it only (needs one\n"
            "                     pipeline); gems downstream, Targets included, do not run\n"
            "  --rows N           sample rows per edge (default 10; 0: counts only)\n"
            "  --config C         the configuration configs/C.json\n"
            "  --conf NAME=VALUE  set a configuration variable (repeatable). On a spark\n"
            "                     fabric base_path defaults to the project directory; on\n"
            "                     livy and databricks set it to where the cluster finds the\n"
            "                     project's data\n"
            "  --format json      one JSON object per pipeline: the run's state, error,\n"
            "                     and every edge's schema, count, time and rows\n"
            "  --timeout S        stop a pipeline that runs longer than S seconds\n"
            "  --keep-warm        leave a Livy session running for the next `sibyl run`\n\n"
            "Ctrl-C cancels the running Spark jobs and ends the session; nothing is left\n"
            "running (press it twice to quit at once).\n\n"
            "Exit status: 0 when every pipeline succeeded, 1 when the project has errors\n"
            "or a run failed, timed out or was cancelled, 2 on a usage error, 3 when the\n"
            "project cannot be read.\n",
    .run = run_run,
};
