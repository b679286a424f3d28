/*
 * bench_fabric.c — drive a fabric through the C API from the command line:
 * the integration tests (tests/fabric/run_spark.sh, run_livy.sh) and the
 * fabric timings in bench/RESULTS.md use it.
 *
 *   bench_fabric [fabric options] run [--code-file F | --package DIR --module M]
 *                [--rows N] [--repeat K] [--timeout S] [--cancel-after S]
 *                [--cancel-on-edge 1] [--between CMD] [-- ARGS...]
 *   bench_fabric [fabric options] submit --package DIR --module M [--wait S]
 *                [--cancel-after S] [-- ARGS...]
 *
 * Fabric options: --kind spark|livy, --name NAME, --master M, --python P,
 * --url U, --auth none|basic|kerberos, --user U, --password P, --conf k=v,
 * --state-dir D, --request-timeout S, --start-timeout S, --staging-dir D,
 * --keep-warm, --fabric NAME (load a definition; --project DIR).
 *
 * Each run prints one JSON line: the run result plus "overhead_ms" (wall
 * time minus the code's own time on the Spark side). A submit prints the
 * final status and the log tail as JSON.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric/fabric.h"

static sb_fabric *g_fabric;
static double g_cancel_after;
static bool g_cancel_on_edge, g_cancel_started;
static pthread_t g_edge_thread;

static void *cancel_thread(void *arg)
{
    (void)arg;
    usleep((useconds_t)(g_cancel_after * 1e6));
    sb_fabric_cancel(g_fabric);
    return NULL;
}

/* --cancel-on-edge: the cancel clock starts when the first edge arrives, so
 * that the cancel lands in the work after it, however long start-up took. */
static void on_edge(void *ud, const sb_fabric_edge *e)
{
    (void)ud;
    (void)e;
    if (g_cancel_on_edge && !g_cancel_started) {
        g_cancel_started = true;
        pthread_create(&g_edge_thread, NULL, cancel_thread, NULL);
    }
}

static void notice(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "bench_fabric: %s\n", msg);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_fabric [fabric options] run|submit [options]\n");
    return 2;
}

int main(int argc, char **argv)
{
    sb_arena *a = sb_arena_new();
    sb_diags d;
    sb_diags_init(&d, a);
    sb_fabric_def def = {.name = "bench", .kind = SB_FABRIC_SPARK};
    sb_fabric_options opt = {.notice = notice, .state_dir = ""};
    sb_fabric_conf conf[32];
    size_t nconf = 0;
    const char *fabric_name = NULL, *project = NULL;
    bool keep_warm = false;
    int i = 1;
    for (; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(o, "run") == 0 || strcmp(o, "submit") == 0) break;
        if (strcmp(o, "--keep-warm") == 0) {
            keep_warm = true;
            continue;
        }
        if (!v) return usage();
        i++;
        if (strcmp(o, "--kind") == 0) {
            if (sb_fabric_kind_parse(v, &def.kind) != 0) return usage();
        } else if (strcmp(o, "--name") == 0) def.name = v;
        else if (strcmp(o, "--master") == 0) def.master = v;
        else if (strcmp(o, "--python") == 0) def.python = v;
        else if (strcmp(o, "--url") == 0) def.url = v;
        else if (strcmp(o, "--user") == 0) def.user = v;
        else if (strcmp(o, "--password") == 0) def.secret = v;
        else if (strcmp(o, "--staging-dir") == 0) def.staging_dir = v;
        else if (strcmp(o, "--state-dir") == 0) opt.state_dir = v;
        else if (strcmp(o, "--request-timeout") == 0) def.request_timeout = atof(v);
        else if (strcmp(o, "--start-timeout") == 0) def.start_timeout = atof(v);
        else if (strcmp(o, "--fabric") == 0) fabric_name = v;
        else if (strcmp(o, "--project") == 0) project = v;
        else if (strcmp(o, "--auth") == 0) {
            if (strcmp(v, "basic") == 0) def.auth = SB_FABRIC_AUTH_BASIC;
            else if (strcmp(v, "kerberos") == 0) def.auth = SB_FABRIC_AUTH_KERBEROS;
            else def.auth = SB_FABRIC_AUTH_NONE;
        } else if (strcmp(o, "--conf") == 0 && nconf < SB_COUNTOF(conf)) {
            const char *eq = strchr(v, '=');
            if (!eq) return usage();
            conf[nconf].key = sb_arena_strndup(a, v, (size_t)(eq - v));
            conf[nconf].value = eq + 1;
            nconf++;
        } else return usage();
    }
    if (i >= argc) return usage();
    def.conf = conf;
    def.nconf = nconf;
    if (fabric_name) {
        if (sb_fabric_def_load(a, project, fabric_name, &def, &d) != 0) {
            for (size_t k = 0; k < sb_diags_count(&d); k++)
                fprintf(stderr, "bench_fabric: %s\n", sb_diags_at(&d, k)->message);
            return 1;
        }
    }
    const char *cmd = argv[i++];
    const char *code_file = NULL, *package = NULL, *module = NULL, *cwd = NULL, *between = NULL;
    int rows = 0, repeat = 1;
    double timeout = 0, wait = 0;
    sb_vec extra = {0};
    for (; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--") == 0) {
            for (i++; i < argc; i++) sb_vec_push(a, &extra, argv[i]);
            break;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        i++;
        if (strcmp(o, "--code-file") == 0) code_file = v;
        else if (strcmp(o, "--package") == 0) package = v;
        else if (strcmp(o, "--module") == 0) module = v;
        else if (strcmp(o, "--cwd") == 0) cwd = v;
        else if (strcmp(o, "--rows") == 0) rows = atoi(v);
        else if (strcmp(o, "--repeat") == 0) repeat = atoi(v);
        else if (strcmp(o, "--timeout") == 0) timeout = atof(v);
        else if (strcmp(o, "--wait") == 0) wait = atof(v);
        else if (strcmp(o, "--cancel-after") == 0) g_cancel_after = atof(v);
        else if (strcmp(o, "--between") == 0) between = v;
        else if (strcmp(o, "--cancel-on-edge") == 0) g_cancel_on_edge = atoi(v) != 0;
        else return usage();
    }

    sb_fabric *f = NULL;
    if (sb_fabric_open(&def, &opt, &f, &d) != 0) {
        fprintf(stderr, "bench_fabric: %s\n", sb_diags_at(&d, 0)->message);
        return 1;
    }
    g_fabric = f;
    pthread_t th;
    bool have_thread = false;
    int status = 0;
    if (strcmp(cmd, "run") == 0) {
        char *code = NULL;
        if (code_file) {
            size_t len;
            if (sb_read_file(code_file, &code, &len) != 0) {
                fprintf(stderr, "bench_fabric: cannot read %s\n", code_file);
                return 1;
            }
        }
        for (int r = 0; r < repeat; r++) {
            if (r > 0 && between && system(between) != 0)
                fprintf(stderr, "bench_fabric: `%s` failed\n", between);
            /* --cancel-after stops the first run; later runs show the fabric recovered. */
            if (g_cancel_after > 0 && r == 0 && !g_cancel_on_edge) {
                pthread_create(&th, NULL, cancel_thread, NULL);
                have_thread = true;
            }
            sb_run_request req = {.code = code,
                                  .package_dir = package,
                                  .module = module,
                                  .args = (const char *const *)extra.items,
                                  .nargs = extra.len,
                                  .sample_rows = rows,
                                  .cwd = cwd,
                                  .ship = -1,
                                  .timeout = timeout,
                                  .on_edge = r == 0 ? on_edge : NULL};
            sb_run_result res;
            sb_run_result_init(&res);
            if (sb_fabric_run(f, &req, &res) != 0) status = 1;
            sb_buf out = SB_BUF_INIT;
            sb_run_result_write_json(&out, &res);
            /* Splice the overhead in before the closing brace. */
            out.data[--out.len] = 0;
            sb_buf_printf(&out, ",\"run\":%d,\"overhead_ms\":%.2f}\n", r + 1,
                          res.spark_ms >= 0 ? res.wall_ms - res.spark_ms : -1.0);
            fputs(sb_buf_str(&out), stdout);
            fflush(stdout);
            sb_buf_free(&out);
            sb_run_result_free(&res);
            if (have_thread) {
                pthread_join(th, NULL);
                have_thread = false;
            }
            if (g_cancel_started && r == 0) pthread_join(g_edge_thread, NULL);
        }
        free(code);
    } else if (strcmp(cmd, "submit") == 0) {
        sb_batch_request req = {.package_dir = package,
                                .module = module,
                                .args = (const char *const *)extra.items,
                                .nargs = extra.len,
                                .cwd = cwd};
        sb_batch *b = NULL;
        if (sb_fabric_submit(f, &req, &b, &d) != 0) {
            fprintf(stderr, "bench_fabric: %s\n", sb_diags_at(&d, 0)->message);
            sb_fabric_free(f, keep_warm);
            return 1;
        }
        if (g_cancel_after > 0) {
            pthread_create(&th, NULL, cancel_thread, NULL);
            have_thread = true;
        }
        sb_batch_status st;
        if (sb_fabric_batch_wait(f, b, wait, &st, &d) != 0) {
            fprintf(stderr, "bench_fabric: %s\n", sb_diags_at(&d, 0)->message);
            status = 1;
        }
        if (have_thread) pthread_join(th, NULL);
        sb_vec lines = {0};
        long total = 0;
        sb_fabric_batch_log(f, b, -1, 400, a, &lines, &total, &d);
        sb_buf out = SB_BUF_INIT;
        sb_buf_printf(&out, "{\"state\":\"%s\",\"exit_code\":%d,\"id\":",
                      sb_batch_state_name(st.state), st.exit_code);
        sb_json_write_string(&out, st.id ? st.id : "", st.id ? strlen(st.id) : 0);
        sb_buf_puts(&out, ",\"message\":");
        sb_json_write_string(&out, st.message ? st.message : "", st.message ? strlen(st.message) : 0);
        sb_buf_printf(&out, ",\"log_total\":%ld,\"log\":[", total);
        for (size_t k = 0; k < lines.len; k++) {
            if (k) sb_buf_putc(&out, ',');
            sb_json_write_string(&out, lines.items[k], strlen(lines.items[k]));
        }
        sb_buf_puts(&out, "]}\n");
        fputs(sb_buf_str(&out), stdout);
        sb_buf_free(&out);
        if (st.state != SB_BATCH_SUCCEEDED) status = 1;
        sb_batch_free(b);
    } else {
        return usage();
    }
    sb_fabric_free(f, keep_warm);
    sb_arena_free(a);
    return status;
}
