/*
 * spark_local.c — the `spark` fabric: Spark from the pyspark package or a
 * SPARK_HOME, master local[*] by default, or spark://, yarn, k8s://.
 *
 * Interactive runs go to a warm driver process (spark_driver_py.c) started
 * on the first run and kept between runs, so that only the first preview
 * waits for a JVM. sibyl talks to it over a socket pair, one JSON object per
 * line; edges stream back as the code prints them, so a run that dies half
 * way keeps the previews of the gems that finished.
 *
 * Failure handling:
 *   - the driver process dies (out of memory, killed): the run ends LOST
 *     with the tail of Spark's log; the next run starts a new driver and
 *     says so;
 *   - cancel or timeout: SIGINT (PySpark cancels the Spark jobs and raises
 *     KeyboardInterrupt); if the driver does not answer within a grace
 *     period its whole process group is killed;
 *   - every process runs in its own process group and is killed with it:
 *     no JVM outlives sibyl.
 *
 * Batch runs start spark-submit on the generated package (a small launcher
 * runs the package's __main__), with its output in a log file.
 */
#define _GNU_SOURCE
#include "fabric/fabric_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char sb_fabric_spark_driver_py[];

enum { CANCEL_GRACE_MS = 15000 };

typedef struct spark_impl {
    pid_t pid;        /* the warm driver, 0 when none */
    int sock;         /* our end of the socket pair */
    char *dir;        /* private scratch directory (heap) */
    char *log_path;   /* the driver's stdout/stderr (heap) */
    int log_fd;
    sb_buf in;        /* bytes read but not yet a whole line */
    long next_id;
    bool died;        /* the last driver died: say so when starting the next */
    char *spark_version, *python_version, *session_name; /* heap */
} spark_impl;

static spark_impl *impl_of(sb_fabric *f)
{
    if (!f->impl) {
        spark_impl *s = sb_xcalloc(1, sizeof(*s));
        s->sock = -1;
        s->log_fd = -1;
        f->impl = s;
    }
    return f->impl;
}

static const char *python_of(const sb_fabric *f)
{
    if (f->def.python && *f->def.python) return f->def.python;
    const char *env = getenv("SIBYL_PYTHON");
    return env && *env ? env : "python3";
}

static const char *master_of(const sb_fabric *f)
{
    return f->def.master && *f->def.master ? f->def.master : "local[*]";
}

static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = s ? sb_xstrdup(s) : NULL;
}

/* Forget the driver process (after it exited or was killed). */
static void reap(sb_fabric *f, spark_impl *s, bool kill_it)
{
    if (s->pid > 0) {
        if (kill_it) sb_fabric_kill_group(s->pid, 3000);
        else {
            waitpid(s->pid, NULL, 0);
            kill(-s->pid, SIGKILL); /* a JVM left in the group */
        }
    }
    s->pid = 0;
    if (s->sock >= 0) close(s->sock);
    s->sock = -1;
    sb_buf_reset(&s->in);
    f->session_name = NULL;
}

/* Read one event line; returns 1 with a line in *ev, 0 on timeout, -1 on
 * EOF (the driver is gone). wait_ms < 0 waits forever. */
static int read_event(sb_arena *a, spark_impl *s, double wait_ms, sb_json **ev)
{
    for (;;) {
        char *nl = s->in.data ? memchr(s->in.data, '\n', s->in.len) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - s->in.data);
            sb_diags d;
            sb_diags_init(&d, a);
            *ev = sb_json_parse(a, s->in.data, n, &d);
            memmove(s->in.data, nl + 1, s->in.len - n - 1);
            s->in.len -= n + 1;
            s->in.data[s->in.len] = 0;
            if (*ev) return 1;
            continue; /* not ours: ignore */
        }
        struct pollfd p = {s->sock, POLLIN, 0};
        int r = poll(&p, 1, wait_ms < 0 ? -1 : (int)wait_ms);
        if (r < 0 && errno == EINTR) return 0;
        if (r == 0) return 0;
        char buf[65536];
        ssize_t got = recv(s->sock, buf, sizeof(buf), 0);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
        if (got <= 0) return -1;
        sb_buf_add(&s->in, buf, (size_t)got);
    }
}

static const char *ev_str(const sb_json *ev, const char *key)
{
    const sb_json *v = sb_json_get(ev, key);
    return v && v->kind == SB_JSON_STRING ? v->u.string.s : NULL;
}

static int send_line(spark_impl *s, const char *text, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(s->sock, text + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        off += (size_t)n;
    }
    return 0;
}

/* What happened to a driver that closed its socket. */
static const char *death_text(sb_arena *a, spark_impl *s)
{
    int status = 0;
    if (s->pid > 0 && waitpid(s->pid, &status, 0) == s->pid) {
        kill(-s->pid, SIGKILL);
        s->pid = 0;
        return sb_fabric_wait_text(a, status);
    }
    return "closed its connection";
}

static int spark_start(sb_fabric *f, sb_diags *d)
{
    spark_impl *s = impl_of(f);
    if (s->pid > 0) {
        /* Still there? A driver killed between runs is noticed here. */
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == 0) return 0;
        s->pid = 0;
        reap(f, s, false);
        s->died = true;
    }
    sb_arena *a = sb_arena_new();
    int rc = -1;
    if (!s->dir) {
        const char *dir = sb_fabric_tempdir(a, "sibyl-spark");
        if (!dir) {
            sb_diags_add(d, SB_SEV_ERROR, "fabric-start", "cannot create a scratch directory: %s",
                         strerror(errno));
            goto out;
        }
        s->dir = sb_xstrdup(dir);
        s->log_path = sb_xstrdup(sb_arena_printf(a, "%s/driver.log", dir));
    }
    if (s->log_fd < 0) s->log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (ftruncate(s->log_fd, 0) != 0) { /* a fresh log per driver */ }

    /* Settings for the driver program. */
    sb_buf cfg = SB_BUF_INIT;
    sb_buf_puts(&cfg, "{\"master\":");
    sb_json_write_string(&cfg, master_of(f), strlen(master_of(f)));
    const char *app = sb_arena_printf(a, "sibyl %s", f->def.name ? f->def.name : "spark");
    sb_buf_puts(&cfg, ",\"app\":");
    sb_json_write_string(&cfg, app, strlen(app));
    if (f->def.spark_home) {
        sb_buf_puts(&cfg, ",\"spark_home\":");
        sb_json_write_string(&cfg, f->def.spark_home, strlen(f->def.spark_home));
    }
    sb_buf_puts(&cfg, ",\"conf\":[[\"spark.ui.showConsoleProgress\",\"false\"]");
    for (size_t i = 0; i < f->def.nconf; i++) {
        sb_buf_puts(&cfg, ",[");
        sb_json_write_string(&cfg, f->def.conf[i].key, strlen(f->def.conf[i].key));
        sb_buf_putc(&cfg, ',');
        sb_json_write_string(&cfg, f->def.conf[i].value, strlen(f->def.conf[i].value));
        sb_buf_putc(&cfg, ']');
    }
    sb_buf_puts(&cfg, "]}");

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-start", "cannot create a socket pair: %s",
                     strerror(errno));
        sb_buf_free(&cfg);
        goto out;
    }
    const char *py = python_of(f);
    const char *argv[] = {py, "-u", "-c", sb_fabric_spark_driver_py, sb_buf_str(&cfg), NULL};
    const char *env[] = {sb_arena_printf(a, "PYSPARK_PYTHON=%s", py), NULL};
    if (s->died)
        sb_fabric_notice(f, NULL, "the previous local Spark driver had died; starting a new one");
    sb_fabric_notice(f, NULL, "starting a local Spark driver (%s, master %s)", py, master_of(f));
    double t0 = sb_fabric_now_ms();
    pid_t pid = sb_fabric_spawn(argv, env, NULL, sv[1], s->log_fd, sv[1]);
    int spawn_errno = errno;
    close(sv[1]);
    sb_buf_free(&cfg);
    if (pid < 0) {
        close(sv[0]);
        sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-start",
                                   "fabric %s: cannot start %s: %s", f->def.name, py,
                                   strerror(spawn_errno));
        sb_diag_set_hint(d, dg, "set the fabric's \"python\" (or SIBYL_PYTHON) to a Python with "
                                "pyspark installed");
        goto out;
    }
    s->pid = pid;
    s->sock = sv[0];
    s->died = false;
    double limit = sb_fabric_timeout(f->def.start_timeout, 600) * 1000;
    for (;;) {
        sb_json *ev = NULL;
        int r = read_event(a, s, 200, &ev);
        if (r < 0) {
            const char *how = death_text(a, s);
            const char *tail = sb_fabric_file_tail(a, s->log_path, 15);
            sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-start",
                                       "fabric %s: the Spark driver %s while starting%s%s",
                                       f->def.name, how, tail ? ":\n" : "", tail ? tail : "");
            sb_diag_set_hint(d, dg, "check that %s can `import pyspark` and that Java is installed",
                             py);
            reap(f, s, true);
            goto out;
        }
        if (r > 0) {
            const char *kind = ev_str(ev, "ev");
            if (kind && strcmp(kind, "ready") == 0) {
                set_str(&s->spark_version, ev_str(ev, "spark"));
                set_str(&s->python_version, ev_str(ev, "python"));
                set_str(&s->session_name,
                        sb_arena_printf(a, "local Spark driver pid %ld", (long)pid));
                f->spark_version = s->spark_version;
                f->python_version = s->python_version;
                f->session_name = s->session_name;
                sb_fabric_notice(f, NULL, "Spark %s ready in %.1f s", s->spark_version,
                                 (sb_fabric_now_ms() - t0) / 1000);
                rc = 0;
                goto out;
            }
            if (kind && strcmp(kind, "failed") == 0) {
                const char *ename = ev_str(ev, "ename");
                const char *evalue = ev_str(ev, "evalue");
                bool no_pyspark = ename && strcmp(ename, "ModuleNotFoundError") == 0;
                sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-start",
                                           "fabric %s: Spark did not start: %s: %s", f->def.name,
                                           ename ? ename : "error",
                                           sb_fabric_short_error(a, evalue));
                if (no_pyspark)
                    sb_diag_set_hint(d, dg,
                                     "%s has no pyspark: `%s -m pip install 'pyspark==3.5.*'`, or "
                                     "set the fabric's spark_home",
                                     py, py);
                else
                    sb_diag_set_hint(d, dg, "the driver log is %s", s->log_path);
                reap(f, s, true);
                goto out;
            }
        }
        if (f->cancel || sb_fabric_now_ms() - t0 > limit) {
            sb_diags_add(d, SB_SEV_ERROR, f->cancel ? "fabric-cancelled" : "fabric-timeout",
                         f->cancel ? "fabric %s: starting Spark was cancelled"
                                   : "fabric %s: Spark did not start within %.0f s",
                         f->def.name, limit / 1000);
            reap(f, s, true);
            goto out;
        }
    }
out:
    sb_arena_free(a);
    return rc;
}

static void spark_run(sb_fabric *f, const sb_run_request *req, const char *code,
                      sb_run_result *res)
{
    spark_impl *s = impl_of(f);
    bool was_dead = s->died;
    sb_diags d;
    sb_diags_init(&d, res->arena);
    if (spark_start(f, &d) != 0) {
        const sb_diag *dg = sb_diags_at(&d, 0);
        sb_run_result_fail(res, f->cancel ? SB_RUN_CANCELLED : SB_RUN_LOST, dg->hint, "%s",
                           dg->message);
        return;
    }
    res->session = sb_arena_strdup(res->arena, s->session_name);
    if (was_dead)
        sb_vec_push(res->arena, &res->notices,
                    "the previous local Spark driver had died; a new one was started");
    if (s->log_fd >= 0 && ftruncate(s->log_fd, 0) != 0) { /* keep the old log */ }

    long id = ++s->next_id;
    sb_buf msg = SB_BUF_INIT;
    sb_buf_printf(&msg, "{\"op\":\"run\",\"id\":%ld,\"code\":", id);
    sb_json_write_string(&msg, code, strlen(code));
    sb_buf_puts(&msg, "}\n");
    int sent = send_line(s, msg.data, msg.len);
    sb_buf_free(&msg);

    double t0 = sb_fabric_now_ms();
    double timeout = (req->timeout > 0 ? req->timeout : f->def.run_timeout) * 1000;
    double interrupted_at = -1;
    bool timed_out = false;
    for (;;) {
        sb_json *ev = NULL;
        int r = sent == 0 ? read_event(res->arena, s, 100, &ev) : -1;
        if (r < 0) {
            const char *how = death_text(res->arena, s);
            res->detail = sb_fabric_file_tail(res->arena, s->log_path, 20);
            sb_run_result_fail(res, SB_RUN_LOST,
                               "the next run starts a new driver; if it ran out of memory, raise "
                               "spark.driver.memory in the fabric's conf",
                               "the local Spark driver died during the run: it %s", how);
            reap(f, s, true);
            s->died = true;
            return;
        }
        if (r > 0) {
            const sb_json *rid = sb_json_get(ev, "id");
            if (!rid || rid->kind != SB_JSON_NUMBER || (long)rid->u.number.value != id) continue;
            const char *kind = ev_str(ev, "ev");
            if (kind && strcmp(kind, "out") == 0) {
                const char *line = ev_str(ev, "line");
                if (line) sb_run_result_line(res, req, line, strlen(line));
                continue;
            }
            if (kind && strcmp(kind, "done") == 0) {
                const char *status = ev_str(ev, "status");
                const sb_json *ms = sb_json_get(ev, "ms");
                if (res->spark_ms < 0 && ms && ms->kind == SB_JSON_NUMBER)
                    res->spark_ms = ms->u.number.value;
                if (interrupted_at >= 0) {
                    /* We stopped it: say so, not the KeyboardInterrupt or the
                     * "job cancelled" error the interruption raised. */
                    res->state = SB_RUN_SUCCEEDED;
                    if (timed_out)
                        sb_run_result_fail(res, SB_RUN_TIMED_OUT, "raise the fabric's run_timeout",
                                           "the run did not finish within %.0f s and was stopped",
                                           timeout / 1000);
                    else
                        sb_run_result_fail(res, SB_RUN_CANCELLED, NULL, "the run was cancelled");
                } else if (status && strcmp(status, "error") == 0) {
                    const char *ename = ev_str(ev, "ename");
                    sb_run_result_fail(res, SB_RUN_FAILED, NULL, "%s: %s",
                                       ename ? ename : "error",
                                       sb_fabric_short_error(res->arena, ev_str(ev, "evalue")));
                    if (!res->detail) res->detail = ev_str(ev, "traceback");
                } else if (status && strcmp(status, "cancelled") == 0) {
                    sb_run_result_fail(res, SB_RUN_CANCELLED, NULL, "the run was cancelled");
                }
                return;
            }
            continue;
        }
        double now = sb_fabric_now_ms();
        if (interrupted_at < 0 && (f->cancel || (timeout > 0 && now - t0 > timeout))) {
            timed_out = !f->cancel;
            sb_fabric_notice(f, res, timed_out ? "the run timed out; stopping its Spark jobs"
                                               : "cancelling the run");
            kill(s->pid, SIGINT);
            interrupted_at = now;
        } else if (interrupted_at >= 0 && now - interrupted_at > CANCEL_GRACE_MS) {
            /* The code did not give up (a long call outside Spark): stop the driver. */
            sb_fabric_notice(f, res, "the driver did not stop within %d s; killing it",
                             CANCEL_GRACE_MS / 1000);
            reap(f, s, true);
            res->state = SB_RUN_SUCCEEDED;
            if (timed_out)
                sb_run_result_fail(res, SB_RUN_TIMED_OUT, "raise the fabric's run_timeout",
                                   "the run did not finish within %.0f s and was stopped",
                                   timeout / 1000);
            else
                sb_run_result_fail(res, SB_RUN_CANCELLED, NULL,
                                   "the run was cancelled (its driver was restarted)");
            return;
        }
    }
}

static void spark_stop(sb_fabric *f)
{
    spark_impl *s = f->impl;
    if (!s || s->pid <= 0) return;
    static const char bye[] = "{\"op\":\"exit\"}\n";
    if (send_line(s, bye, strlen(bye)) == 0) {
        double end = sb_fabric_now_ms() + 10000;
        while (sb_fabric_now_ms() < end) {
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                kill(-s->pid, SIGKILL);
                s->pid = 0;
                break;
            }
            sb_fabric_sleep(20, NULL);
        }
    }
    reap(f, s, true);
}

static void spark_free(sb_fabric *f, bool keep_warm)
{
    spark_impl *s = f->impl;
    if (!s) return;
    spark_stop(f);
    if (s->log_fd >= 0) close(s->log_fd);
    if (s->dir) sb_fabric_rmtree(s->dir);
    free(s->dir);
    free(s->log_path);
    free(s->spark_version);
    free(s->python_version);
    free(s->session_name);
    sb_buf_free(&s->in);
    free(s);
    f->impl = NULL;
}

/* ---- batches: spark-submit ---------------------------------------------- */

typedef struct spark_batch {
    pid_t pid;
    const char *dir, *log_path;
    bool killed;
    int status;
    bool ended;
} spark_batch;

/* Run a short command and return its first line of output, or NULL. */
static const char *capture(sb_arena *a, const char *const *argv)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return NULL;
    pid_t pid = sb_fabric_spawn(argv, NULL, NULL, -1, p[1], -1);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return NULL;
    }
    sb_buf b = SB_BUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) sb_buf_add(&b, buf, (size_t)n);
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const char *line = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && b.len) {
        size_t len = strcspn(b.data, "\n");
        line = sb_arena_strndup(a, b.data, len);
    }
    sb_buf_free(&b);
    return line;
}

static bool is_local_master(const char *m)
{
    return strncmp(m, "local", 5) == 0 || strncmp(m, "spark://", 8) == 0;
}

static int spark_submit(sb_fabric *f, const sb_batch_request *req, sb_batch *b, sb_diags *d)
{
    sb_arena *a = b->arena;
    const char *py = python_of(f);
    const char *home = f->def.spark_home;
    if (!home) {
        const char *argv[] = {py, "-c",
                              "import os, pyspark; print(os.path.dirname(pyspark.__file__))", NULL};
        home = capture(a, argv);
        if (!home) {
            sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-submit",
                                       "fabric %s: %s cannot import pyspark", f->def.name, py);
            sb_diag_set_hint(d, dg, "install pyspark for it, or set the fabric's spark_home");
            return -1;
        }
    }
    const char *submit = sb_arena_printf(a, "%s/bin/spark-submit", home);
    if (access(submit, X_OK) != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "fabric %s: %s is not executable",
                     f->def.name, submit);
        return -1;
    }
    const char *dir = sb_fabric_tempdir(a, "sibyl-batch");
    if (!dir) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "cannot create a scratch directory: %s",
                     strerror(errno));
        return -1;
    }
    /* The launcher: spark-submit wants a file; the package wants `-m`. */
    const char *launcher = sb_arena_printf(a, "%s/sibyl_launch.py", dir);
    sb_buf text = SB_BUF_INIT;
    sb_buf_puts(&text, "import runpy\nimport sys\n\nsys.argv[0] = ");
    sb_json_write_string(&text, req->module, strlen(req->module));
    sb_buf_puts(&text, "\nrunpy.run_module(sys.argv[0], run_name=\"__main__\", alter_sys=True)\n");
    int wr = sb_write_file_atomic(launcher, text.data, text.len);
    sb_buf_free(&text);
    if (wr != 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "cannot write %s", launcher);
        sb_fabric_rmtree(dir);
        return -1;
    }
    const char *master = master_of(f);
    sb_vec argv = {0};
    sb_vec_push(a, &argv, (void *)submit);
    sb_vec_push(a, &argv, "--master");
    sb_vec_push(a, &argv, (void *)master);
    sb_vec_push(a, &argv, "--name");
    sb_vec_push(a, &argv, (void *)(req->name ? req->name : req->module));
    for (size_t i = 0; i < f->def.nconf; i++) {
        sb_vec_push(a, &argv, "--conf");
        sb_vec_push(a, &argv,
                    sb_arena_printf(a, "%s=%s", f->def.conf[i].key, f->def.conf[i].value));
    }
    if (!is_local_master(master)) {
        /* The cluster's driver and executors need the package: ship it zipped. */
        const char *zip = sb_arena_printf(a, "%s/%s.zip", dir, req->module);
        const char *pkg = sb_arena_printf(a, "%s/%s", req->package_dir, req->module);
        const char *zargv[] = {py, "-m", "zipfile", "-c", zip, pkg, NULL};
        int st = 0;
        pid_t zp = sb_fabric_spawn(zargv, NULL, NULL, -1, -1, -1);
        if (zp > 0) waitpid(zp, &st, 0);
        if (zp < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "cannot zip the package %s", pkg);
            sb_fabric_rmtree(dir);
            return -1;
        }
        sb_vec_push(a, &argv, "--py-files");
        sb_vec_push(a, &argv, (void *)zip);
    }
    sb_vec_push(a, &argv, (void *)launcher);
    sb_run_request rr = {.args = req->args, .nargs = req->nargs, .config = req->config};
    sb_fabric_package_args(a, &rr, &argv);
    sb_vec_push(a, &argv, NULL);

    const char *old_pp = getenv("PYTHONPATH");
    const char *env[] = {
        sb_arena_printf(a, "PYSPARK_PYTHON=%s", py),
        sb_arena_printf(a, "PYSPARK_DRIVER_PYTHON=%s", py),
        sb_arena_printf(a, "PYTHONPATH=%s%s%s", req->package_dir, old_pp && *old_pp ? ":" : "",
                        old_pp ? old_pp : ""),
        sb_arena_printf(a, "SPARK_HOME=%s", home),
        NULL,
    };
    spark_batch *sb = sb_arena_alloc(a, sizeof(*sb));
    sb->dir = dir;
    sb->log_path = sb_arena_printf(a, "%s/batch.log", dir);
    int logfd = open(sb->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t pid = sb_fabric_spawn((const char *const *)argv.items, env, req->cwd, -1, logfd, -1);
    int e = errno;
    if (logfd >= 0) close(logfd);
    if (pid < 0) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-submit", "fabric %s: cannot start %s: %s",
                     f->def.name, submit, strerror(e));
        sb_fabric_rmtree(dir);
        return -1;
    }
    sb->pid = pid;
    b->impl = sb;
    b->last.state = SB_BATCH_RUNNING;
    b->last.id = sb_arena_printf(a, "spark-submit pid %ld", (long)pid);
    sb_fabric_notice(f, NULL, "submitted %s as %s (master %s)", req->module, b->last.id, master);
    return 0;
}

/* The line that says why a batch failed: the last exception line of its log. */
static const char *failure_line(sb_arena *a, const char *path)
{
    const char *tail = sb_fabric_file_tail(a, path, 60);
    if (!tail) return NULL;
    const char *best = NULL;
    size_t best_len = 0;
    for (const char *p = tail; *p;) {
        size_t n = strcspn(p, "\n");
        const char *colon = memchr(p, ':', n);
        if (colon && colon > p && (memmem(p, (size_t)(colon - p), "Error", 5) ||
                                   memmem(p, (size_t)(colon - p), "Exception", 9))) {
            best = p;
            best_len = n;
        }
        p += n;
        if (*p) p++;
    }
    return best ? sb_arena_strndup(a, best, best_len > 300 ? 300 : best_len) : NULL;
}

static int spark_poll(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d)
{
    spark_batch *sb = b->impl;
    if (!sb->ended) {
        int status = 0;
        pid_t r = waitpid(sb->pid, &status, WNOHANG);
        if (r == sb->pid) {
            sb->ended = true;
            sb->status = status;
            kill(-sb->pid, SIGKILL);
        }
    }
    if (!sb->ended) {
        st->state = SB_BATCH_RUNNING;
        return 0;
    }
    st->exit_code = WIFEXITED(sb->status) ? WEXITSTATUS(sb->status) : -1;
    if (sb->killed) {
        st->state = SB_BATCH_KILLED;
        st->message = "the batch was cancelled";
    } else if (WIFEXITED(sb->status) && WEXITSTATUS(sb->status) == 0) {
        st->state = SB_BATCH_SUCCEEDED;
    } else {
        st->state = SB_BATCH_FAILED;
        const char *why = failure_line(b->arena, sb->log_path);
        st->message = sb_arena_printf(b->arena, "spark-submit %s%s%s",
                                      sb_fabric_wait_text(b->arena, sb->status),
                                      why ? ": " : "", why ? why : "");
    }
    return 0;
}

static int spark_log(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a,
                     sb_vec *lines, long *total, sb_diags *d)
{
    spark_batch *sb = b->impl;
    char *text = NULL;
    size_t len = 0;
    if (sb_read_file(sb->log_path, &text, &len) != 0) {
        *total = 0;
        return 0;
    }
    sb_vec all = {0};
    for (size_t i = 0; i < len;) {
        size_t n = strcspn(text + i, "\n");
        sb_vec_push(a, &all, sb_arena_strndup(a, text + i, n));
        i += n + 1;
    }
    free(text);
    *total = (long)all.len;
    if (size < 0) size = (long)all.len;
    if (from < 0) from = (long)all.len > size ? (long)all.len - size : 0;
    for (long i = from; i < (long)all.len && i < from + size; i++)
        sb_vec_push(a, lines, all.items[i]);
    return 0;
}

static int spark_cancel(sb_fabric *f, sb_batch *b, sb_diags *d)
{
    spark_batch *sb = b->impl;
    if (sb->ended) return 0;
    sb->killed = true;
    int status = 0;
    kill(-sb->pid, SIGTERM);
    double end = sb_fabric_now_ms() + 5000;
    while (sb_fabric_now_ms() < end) {
        if (waitpid(sb->pid, &status, WNOHANG) == sb->pid) {
            sb->ended = true;
            break;
        }
        sb_fabric_sleep(20, NULL);
    }
    if (!sb->ended) {
        kill(-sb->pid, SIGKILL);
        waitpid(sb->pid, &status, 0);
        sb->ended = true;
    }
    kill(-sb->pid, SIGKILL);
    sb->status = status;
    return 0;
}

static void spark_batch_free(sb_batch *b)
{
    spark_batch *sb = b->impl;
    if (!sb) return;
    /* No orphans: a batch nobody follows any more is stopped. */
    if (!sb->ended) spark_cancel(b->fabric, b, NULL);
    sb_fabric_rmtree(sb->dir);
}

const sb_fabric_driver sb_fabric_spark_driver = {
    .kind = "spark",
    .start = spark_start,
    .run = spark_run,
    .stop = spark_stop,
    .free = spark_free,
    .local_files = true,
    .submit = spark_submit,
    .poll = spark_poll,
    .log = spark_log,
    .cancel = spark_cancel,
    .batch_free = spark_batch_free,
};
