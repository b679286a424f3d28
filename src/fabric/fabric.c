/*
 * fabric.c — the one driver interface: opening a fabric picks its driver,
 * and every call goes through the driver table. What all drivers do alike
 * lives here: copying the definition, building the bootstrap program,
 * timing a run, waiting for a batch with back-off.
 */
#include "fabric/databricks.h"
#include "fabric/fabric_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sb_fabric_kind_name(sb_fabric_kind k)
{
    switch (k) {
    case SB_FABRIC_SPARK: return "spark";
    case SB_FABRIC_LIVY: return "livy";
    case SB_FABRIC_DATABRICKS: return "databricks";
    }
    return "unknown";
}

int sb_fabric_kind_parse(const char *s, sb_fabric_kind *out)
{
    static const sb_fabric_kind kinds[] = {SB_FABRIC_SPARK, SB_FABRIC_LIVY, SB_FABRIC_DATABRICKS};
    for (size_t i = 0; i < SB_COUNTOF(kinds); i++)
        if (s && strcmp(s, sb_fabric_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return 0;
        }
    return -1;
}

const char *sb_fabric_auth_name(sb_fabric_auth a)
{
    switch (a) {
    case SB_FABRIC_AUTH_NONE: return "none";
    case SB_FABRIC_AUTH_BASIC: return "basic";
    case SB_FABRIC_AUTH_KERBEROS: return "kerberos";
    case SB_FABRIC_AUTH_TOKEN: return "token";
    }
    return "unknown";
}

const char *sb_batch_state_name(sb_batch_state s)
{
    switch (s) {
    case SB_BATCH_STARTING: return "starting";
    case SB_BATCH_RUNNING: return "running";
    case SB_BATCH_SUCCEEDED: return "succeeded";
    case SB_BATCH_FAILED: return "failed";
    case SB_BATCH_KILLED: return "killed";
    }
    return "unknown";
}

double sb_fabric_timeout(double v, double dflt)
{
    return v > 0 ? v : dflt;
}

void sb_fabric_notice(sb_fabric *f, sb_run_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_buf b = SB_BUF_INIT;
    sb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (res) sb_vec_push(res->arena, &res->notices, sb_arena_strdup(res->arena, sb_buf_str(&b)));
    if (f->opt.notice) f->opt.notice(f->opt.notice_ud, sb_buf_str(&b));
    sb_buf_free(&b);
}

static const char *dup_or_null(sb_arena *a, const char *s)
{
    return s ? sb_arena_strdup(a, s) : NULL;
}

/* Deep copy: the caller's definition may live in a shorter arena. */
static void copy_def(sb_arena *a, sb_fabric_def *to, const sb_fabric_def *from)
{
    *to = *from;
    const char **strs[] = {&to->name,         &to->file,          &to->description,
                           &to->master,       &to->python,        &to->spark_home,
                           &to->url,          &to->user,          &to->secret,
                           &to->secret_source, &to->ca_file,      &to->session_kind,
                           &to->proxy_user,   &to->queue,         &to->driver_memory,
                           &to->executor_memory, &to->staging_dir, &to->cluster_id,
                           &to->profile};
    for (size_t i = 0; i < SB_COUNTOF(strs); i++) *strs[i] = dup_or_null(a, *strs[i]);
    sb_fabric_conf *conf = sb_arena_alloc(a, (from->nconf + 1) * sizeof(*conf));
    for (size_t i = 0; i < from->nconf; i++) {
        conf[i].key = sb_arena_strdup(a, from->conf[i].key);
        conf[i].value = sb_arena_strdup(a, from->conf[i].value);
    }
    to->conf = conf;
}

int sb_fabric_open(const sb_fabric_def *def, const sb_fabric_options *opt, sb_fabric **out,
                   sb_diags *d)
{
    const sb_fabric_driver *drv = NULL;
    switch (def->kind) {
    case SB_FABRIC_SPARK: drv = &sb_fabric_spark_driver; break;
    case SB_FABRIC_LIVY: drv = &sb_fabric_livy_driver; break;
    case SB_FABRIC_DATABRICKS: drv = &sb_fabric_databricks_driver; break;
    }
    if (!drv) {
        sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-kind",
                                   "fabric %s: the %s driver is not part of this build",
                                   def->name ? def->name : "?", sb_fabric_kind_name(def->kind));
        sb_diag_set_hint(d, dg, "use a spark or livy fabric");
        return -1;
    }
    sb_fabric *f = sb_xcalloc(1, sizeof(*f));
    f->drv = drv;
    f->arena = sb_arena_new();
    copy_def(f->arena, &f->def, def);
    if (opt) {
        f->opt = *opt;
        f->opt.state_dir = dup_or_null(f->arena, opt->state_dir);
    }
    *out = f;
    return 0;
}

int sb_fabric_start(sb_fabric *f, sb_diags *d)
{
    f->cancel = 0;
    return f->drv->start(f, d);
}

int sb_fabric_run(sb_fabric *f, const sb_run_request *req, sb_run_result *res)
{
    double t0 = sb_fabric_now_ms();
    f->cancel = 0;
    bool ship = req->ship < 0 ? !f->drv->local_files : req->ship > 0;
    sb_buf code = SB_BUF_INIT;
    sb_diags d;
    sb_diags_init(&d, res->arena);
    if (sb_fabric_bootstrap(&code, req, ship, &d) != 0) {
        sb_run_result_fail(res, SB_RUN_FAILED, NULL, "%s", sb_diags_at(&d, 0)->message);
    } else {
        f->drv->run(f, req, sb_buf_str(&code), res);
    }
    sb_buf_free(&code);
    if (f->session_name && !res->session) res->session = sb_arena_strdup(res->arena, f->session_name);
    res->wall_ms = sb_fabric_now_ms() - t0;
    return res->state == SB_RUN_SUCCEEDED ? 0 : -1;
}

void sb_fabric_cancel(sb_fabric *f)
{
    f->cancel = 1;
}

void sb_fabric_stop(sb_fabric *f)
{
    f->drv->stop(f);
}

void sb_fabric_free(sb_fabric *f, bool keep_warm)
{
    if (!f) return;
    f->drv->free(f, keep_warm);
    sb_arena_free(f->arena);
    free(f);
}

const char *sb_fabric_spark_version(const sb_fabric *f)
{
    return f->spark_version;
}

const char *sb_fabric_python_version(const sb_fabric *f)
{
    return f->python_version;
}

const char *sb_fabric_session_name(const sb_fabric *f)
{
    return f->session_name;
}

/* ---- batches ---------------------------------------------------------- */

int sb_fabric_submit(sb_fabric *f, const sb_batch_request *req, sb_batch **out, sb_diags *d)
{
    f->cancel = 0;
    if (!req->module || !req->package_dir) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-request",
                     "a batch run needs the generated package's directory and module");
        return -1;
    }
    sb_batch *b = sb_xcalloc(1, sizeof(*b));
    b->arena = sb_arena_new();
    b->fabric = f;
    b->last.exit_code = -1;
    if (f->drv->submit(f, req, b, d) != 0) {
        sb_batch_free(b);
        return -1;
    }
    *out = b;
    return 0;
}

int sb_fabric_batch_poll(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d)
{
    if (sb_batch_state_is_final(b->last.state) && b->last.id) {
        *st = b->last;
        return 0;
    }
    int rc = f->drv->poll(f, b, &b->last, d);
    *st = b->last;
    return rc;
}

int sb_fabric_batch_wait(sb_fabric *f, sb_batch *b, double timeout, sb_batch_status *st,
                         sb_diags *d)
{
    double start = sb_fabric_now_ms(), delay = 200;
    sb_batch_state seen = (sb_batch_state)-1;
    for (;;) {
        if (f->cancel) {
            sb_fabric_notice(f, NULL, "cancelling %s", b->last.id ? b->last.id : "the batch");
            f->cancel = 0;
            if (sb_fabric_batch_cancel(f, b, d) != 0) return -1;
        }
        if (sb_fabric_batch_poll(f, b, st, d) != 0) return -1;
        if (sb_batch_state_is_final(st->state)) return 0;
        if (f->cancel) continue;
        if (st->state != seen) {
            sb_fabric_notice(f, NULL, "%s is %s", st->id ? st->id : "the batch",
                             sb_batch_state_name(st->state));
            seen = st->state;
        }
        if (timeout > 0 && sb_fabric_now_ms() - start > timeout * 1000) {
            sb_diags_add(d, SB_SEV_ERROR, "fabric-timeout",
                         "%s did not finish within %.0f s; it is still %s", st->id,
                         timeout, sb_batch_state_name(st->state));
            return -1;
        }
        sb_fabric_sleep(delay, &f->cancel);
        /* Back off: quick answers for short jobs, few requests for long ones. */
        delay = delay * 1.5 > 5000 ? 5000 : delay * 1.5;
    }
}

int sb_fabric_batch_log(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a,
                        sb_vec *lines, long *total, sb_diags *d)
{
    return f->drv->log(f, b, from, size, a, lines, total, d);
}

int sb_fabric_batch_cancel(sb_fabric *f, sb_batch *b, sb_diags *d)
{
    return f->drv->cancel(f, b, d);
}

void sb_batch_free(sb_batch *b)
{
    if (!b) return;
    if (b->fabric && b->fabric->drv->batch_free) b->fabric->drv->batch_free(b);
    sb_arena_free(b->arena);
    free(b);
}
