/*
 * cmd_submit.c — `sibyl submit`: run a pipeline as a batch application on
 * a fabric (spark-submit, a Livy batch, a Databricks job run) and follow it
 * to the end.
 *
 * What is submitted is the plain package `sibyl gen` writes (no
 * instrumentation), generated afresh from the checked project into a
 * private temporary directory; each driver stages it the way its cluster
 * needs (a zip for Livy, a wheel on DBFS for Databricks).
 */
#define _XOPEN_SOURCE 700
#include "cli/fabric_cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_LOG_LINES = 30 };

static void put_str_or_null(sb_buf *out, const char *key, const char *v)
{
    sb_buf_printf(out, ",\"%s\":", key);
    if (v)
        sb_json_write_string(out, v, strlen(v));
    else
        sb_buf_puts(out, "null");
}

/* --format json: one object on stdout when the command ends. */
static void print_json(const sb_project *p, const sb_pipeline *pl, const sb_fabric_def *def,
                       const sb_batch_status *st, bool waited, double seconds,
                       const sb_vec *log, long log_total)
{
    sb_buf out = SB_BUF_INIT;
    sb_buf_puts(&out, "{\"project\":");
    sb_json_write_string(&out, p->name, strlen(p->name));
    put_str_or_null(&out, "pipeline", pl->name);
    put_str_or_null(&out, "fabric", def->name);
    put_str_or_null(&out, "kind", sb_fabric_kind_name(def->kind));
    sb_buf_printf(&out, ",\"followed\":%s", waited ? "true" : "false");
    put_str_or_null(&out, "state", sb_batch_state_name(st->state));
    put_str_or_null(&out, "id", st->id);
    put_str_or_null(&out, "app_id", st->app_id);
    put_str_or_null(&out, "message", st->message);
    if (st->exit_code >= 0)
        sb_buf_printf(&out, ",\"exit_code\":%d", st->exit_code);
    else
        sb_buf_puts(&out, ",\"exit_code\":null");
    sb_buf_printf(&out, ",\"seconds\":%.3f,\"log_total\":%ld,\"log\":[", seconds, log_total);
    for (size_t i = 0; log && i < log->len; i++) {
        const char *line = log->items[i];
        if (i) sb_buf_putc(&out, ',');
        sb_json_write_string(&out, line, strlen(line));
    }
    sb_buf_puts(&out, "]}\n");
    fputs(sb_buf_str(&out), stdout);
    sb_buf_free(&out);
}

static int run_submit(int argc, char **argv)
{
    const sb_command *cmd = &sb_cmd_submit;
    const char *project = NULL, *fabric = NULL, *pipeline = NULL, *config = NULL;
    bool no_wait = false, json = false;
    long log_lines = DEFAULT_LOG_LINES;
    double timeout = 0;
    sb_arena *a = sb_arena_new();
    sb_vec conf = {0};
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *arg = argv[i], *v;
        if (sb_cli_is_help(arg)) {
            sb_arena_free(a);
            return sb_cli_print_help(cmd);
        }
        if ((v = sb_cli_opt_value(argc, argv, &i, "--fabric")))
            fabric = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--pipeline")))
            pipeline = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--config")))
            config = v;
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--conf")))
            sb_vec_push(a, &conf, (void *)v);
        else if ((v = sb_cli_opt_value(argc, argv, &i, "--log-lines"))) {
            char *end;
            log_lines = strtol(v, &end, 10);
            if (*end || end == v || log_lines < 0 || log_lines > 100000)
                rc = sb_cli_usage_error(cmd,
                                        "--log-lines takes a number from 0 to 100000, not '%s'", v);
        } else if ((v = sb_cli_opt_value(argc, argv, &i, "--timeout"))) {
            char *end;
            timeout = strtod(v, &end);
            if (*end || end == v || timeout <= 0)
                rc = sb_cli_usage_error(cmd, "--timeout takes a number of seconds, not '%s'", v);
        } else if ((v = sb_cli_opt_value(argc, argv, &i, "--format"))) {
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)
                rc = sb_cli_usage_error(cmd, "unknown format '%s' (text or json)", v);
            json = strcmp(v, "json") == 0;
        } else if (strcmp(arg, "--no-wait") == 0) {
            no_wait = true;
        } else if (arg[0] == '-') {
            static const char *const valued[] = {"--fabric",    "--pipeline", "--config", "--conf",
                                                 "--log-lines", "--timeout",  "--format"};
            bool needs = false;
            for (size_t k = 0; k < SB_COUNTOF(valued); k++) needs |= strcmp(arg, valued[k]) == 0;
            rc = needs ? sb_cli_usage_error(cmd, "%s needs a value", arg)
                       : sb_cli_usage_error(cmd, "unknown option '%s'", arg);
        } else if (project) {
            rc = sb_cli_usage_error(cmd, "more than one project given ('%s' and '%s')", project,
                                    arg);
        } else {
            project = arg;
        }
    }
    if (rc == 0 && !fabric)
        rc = sb_cli_usage_error(cmd, "which fabric? give --fabric NAME (see `sibyl fabric list`)");
    if (rc != 0) {
        sb_arena_free(a);
        return rc;
    }
    if (!project) project = ".";

    sb_project *p = NULL;
    sb_vec pipelines = {0};
    const char *tmp = NULL;
    sb_fabric *f = NULL;
    sb_batch *b = NULL;
    sb_fabric_def def;
    sb_diags d;
    sb_diags_init(&d, a);

    if ((rc = sb_cli_project_checked(cmd, a, project, config, json, &p)) != 0) goto done;
    if (!pipeline && p->npipelines != 1) {
        rc = sb_cli_usage_error(cmd, "which pipeline? give --pipeline P (project %s has %zu)",
                                p->name, p->npipelines);
        goto done;
    }
    if ((rc = sb_cli_select_pipelines(cmd, a, p, pipeline, &pipelines)) != 0) goto done;
    const sb_pipeline *pl = pipelines.items[0];
    bool base_path_given = false;
    for (size_t i = 0; i < conf.len; i++) {
        if ((rc = sb_cli_check_conf(cmd, p, conf.items[i])) != 0) goto done;
        if (strncmp(conf.items[i], "base_path=", 10) == 0) base_path_given = true;
    }
    if ((rc = sb_cli_fabric_load(cmd, a, project, fabric, &def)) != 0) goto done;
    if (no_wait && def.kind == SB_FABRIC_SPARK) {
        rc = sb_cli_usage_error(cmd,
                                "--no-wait needs a livy or databricks fabric: on fabric %s "
                                "(spark) the batch is a spark-submit process that ends with "
                                "sibyl",
                                def.name);
        goto done;
    }
    const char *cwd = NULL;
    if (def.kind == SB_FABRIC_SPARK) {
        char real[PATH_MAX];
        if (!realpath(project, real)) {
            fprintf(stderr, "sibyl submit: cannot resolve the project directory %s\n", project);
            rc = SB_EXIT_IO;
            goto done;
        }
        cwd = sb_arena_strdup(a, real);
        if (!base_path_given) sb_vec_push(a, &conf, sb_arena_printf(a, "base_path=%s", cwd));
    } else if (!base_path_given && sb_cli_project_has_relative_paths(p)) {
        fprintf(stderr,
                "sibyl submit: note: fabric %s runs on a cluster: relative dataset paths start "
                "from its working directory; pass --conf base_path=DIR to say where the data is\n",
                def.name);
    }

    sb_cli_interrupt_install();
    tmp = sb_cli_tempdir(a, "sibyl-submit");
    if (!tmp) {
        fprintf(stderr, "sibyl submit: cannot create a temporary directory\n");
        rc = SB_EXIT_IO;
        goto done;
    }
    if (sb_cli_generate(a, p, pl, false, tmp, &d) != 0) {
        sb_cli_print_diags(&d, json);
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }
    sb_fabric_options fo = {.notice = sb_cli_fabric_notice, .notice_ud = (void *)"submit"};
    if (sb_fabric_open(&def, &fo, &f, &d) != 0) {
        sb_cli_print_diags(&d, json);
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }
    sb_cli_interrupt_watch(f);
    if (sb_cli_interrupted()) {
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }

    const char **args = sb_arena_alloc(a, (2 * conf.len + 1) * sizeof(char *));
    size_t nargs = 0;
    for (size_t i = 0; i < conf.len; i++) {
        args[nargs++] = "--conf";
        args[nargs++] = conf.items[i];
    }
    sb_batch_request req = {
        .package_dir = sb_arena_printf(a, "%s/%s/src", tmp, pl->name),
        .module = pl->name,
        .args = args,
        .nargs = nargs,
        .config = config,
        .cwd = cwd,
        .name = sb_arena_printf(a, "%s.%s", p->name, pl->name),
    };
    double t0 = sb_cli_now_s();
    if (sb_fabric_submit(f, &req, &b, &d) != 0) {
        sb_cli_print_diags(&d, json);
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }
    /* Ctrl-C while submitting: the batch exists now, so stop it. */
    if (sb_cli_interrupted()) {
        sb_fabric_cancel(f);
        no_wait = false;
    }
    sb_batch_status st = {.exit_code = -1};
    if (sb_fabric_batch_poll(f, b, &st, &d) != 0) st.id = NULL;
    if (!json)
        printf("%s/%s submitted to fabric %s (%s)%s%s\n", p->name, pl->name, def.name,
               sb_fabric_kind_name(def.kind), st.id ? ": " : "", st.id ? st.id : "");
    fflush(stdout);
    if (no_wait) {
        if (json) print_json(p, pl, &def, &st, false, sb_cli_now_s() - t0, NULL, 0);
        rc = SB_EXIT_OK;
        goto done;
    }

    if (sb_fabric_batch_wait(f, b, timeout, &st, &d) != 0) {
        const sb_diag *dg = sb_diags_at(&d, sb_diags_count(&d) - 1);
        bool timed_out = dg->code && strcmp(dg->code, "fabric-timeout") == 0;
        if (timed_out) {
            /* Nobody follows it any more: stop it rather than leave it running. */
            sb_diags cd;
            sb_diags_init(&cd, a);
            sb_fabric_batch_cancel(f, b, &cd);
            if (json) {
                st.state = SB_BATCH_KILLED;
                st.message = sb_arena_printf(a, "did not finish within %.0f s; it was cancelled",
                                             timeout);
                print_json(p, pl, &def, &st, true, sb_cli_now_s() - t0, NULL, 0);
            } else {
                printf("%s/%s on fabric %s: did not finish within %.0f s; it was cancelled\n",
                       p->name, pl->name, def.name, timeout);
            }
        } else {
            sb_cli_print_diags(&d, json);
        }
        rc = SB_EXIT_PROBLEMS;
        goto done;
    }
    double took = sb_cli_now_s() - t0;
    sb_vec lines = {0};
    long total = 0;
    if (log_lines > 0) {
        sb_diags ld;
        sb_diags_init(&ld, a);
        if (sb_fabric_batch_log(f, b, -1, log_lines, a, &lines, &total, &ld) != 0) {
            sb_cli_print_diags(&ld, json);
        } else if (lines.len && !json) {
            printf("--- the last %zu of %ld log line%s ---\n", lines.len, total,
                   total == 1 ? "" : "s");
            for (size_t i = 0; i < lines.len; i++) printf("%s\n", (const char *)lines.items[i]);
            printf("---\n");
        }
    }
    rc = st.state == SB_BATCH_SUCCEEDED ? SB_EXIT_OK : SB_EXIT_PROBLEMS;
    if (json) {
        print_json(p, pl, &def, &st, true, took, &lines, total);
        goto done;
    }
    printf("%s/%s on fabric %s: %s in %.1f s", p->name, pl->name, def.name,
           sb_batch_state_name(st.state), took);
    if (st.id || st.app_id) {
        /* an application id, or (Databricks) the run's page */
        bool url = st.app_id && strstr(st.app_id, "://");
        printf(" (%s%s%s)", st.id ? st.id : "",
               st.id && st.app_id ? (url ? ", " : ", application ") : "",
               st.app_id ? st.app_id : "");
    }
    printf("\n");
    if (st.state != SB_BATCH_SUCCEEDED && st.message) printf("    %s\n", st.message);

done:
    fflush(stdout);
    if (f) sb_cli_interrupt_watch(NULL);
    if (b) sb_batch_free(b);
    if (f) sb_fabric_free(f, false);
    if (tmp) sb_cli_rmtree(tmp);
    sb_arena_free(a);
    return rc;
}

const sb_command sb_cmd_submit = {
    .name = "submit",
    .summary = "Run a pipeline as a batch application on a fabric",
    .usage = "sibyl submit [PROJECT] --fabric NAME --pipeline P [--config C] "
             "[--conf NAME=VALUE] [--no-wait] [--timeout S] [--log-lines N]\n"
             "                    [--format text|json]",
    .help = "Checks the project at PROJECT (default: the current directory) as\n"
            "`sibyl validate` does, generates the plain package of pipeline P (what\n"
            "`sibyl gen` writes) into a private temporary directory and submits it to the\n"
            "fabric NAME as a batch application:\n\n"
            "  spark       spark-submit with the fabric's master\n"
            "  livy        a Livy batch (POST /batches), the package staged in staging_dir\n"
            "  databricks  a one-off Jobs run of a wheel uploaded to DBFS\n\n"
            "Then it follows the batch, printing every change of its state, and prints\n"
            "the end of its log and its final state:\n\n"
            "  retail/clean_orders submitted to fabric prod (livy): livy batch 12\n"
            "  sibyl submit: livy batch 12 is running\n"
            "  --- the last 30 of 212 log lines ---\n"
            "  ...\n"
            "  retail/clean_orders on fabric prod: succeeded in 48.3 s (livy batch 12, ...)\n\n"
            "--pipeline may be left out when the project has one pipeline.\n\n"
            "Options:\n"
            "  --fabric NAME      the fabric to run on (required)\n"
            "  --pipeline P       the pipeline to run\n"
            "  --config C         the configuration configs/C.json\n"
            "  --conf NAME=VALUE  set a configuration variable (repeatable); on a spark\n"
            "                     fabric base_path defaults to the project directory\n"
            "  --no-wait          submit and exit (livy and databricks fabrics)\n"
            "  --timeout S        stop following after S seconds and cancel the batch\n"
            "  --log-lines N      how much of the log to print at the end (default 30)\n"
            "  --format json      one JSON object at the end instead of the text: project,\n"
            "                     pipeline, fabric, kind, followed, state, id,\n"
            "                     app_id, message, exit_code, seconds, log_total and log\n"
            "                     (the last --log-lines lines); diagnostics as JSON too\n\n"
            "Ctrl-C cancels the batch (kills the spark-submit process, deletes the Livy\n"
            "batch, cancels the Databricks run).\n\n"
            "Exit status: 0 when the batch succeeded (or was submitted, with --no-wait),\n"
            "1 when it failed or was cancelled or the project has errors, 2 on a usage\n"
            "error, 3 when the project cannot be read.\n",
    .run = run_submit,
};
