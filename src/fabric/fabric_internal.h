/*
 * fabric_internal.h — what the fabric drivers share: the driver table that
 * fabric.c dispatches through, the handle every driver extends, the code
 * that wraps a run for the Spark side (bootstrap.c), the reading of the
 * lines a run prints (run_result.c) and small process and clock helpers
 * (proc.c).
 */
#ifndef SB_FABRIC_INTERNAL_H
#define SB_FABRIC_INTERNAL_H

#include <sys/types.h>

#include "fabric/fabric.h"

/* Lines the Spark-side code prints besides SIBYL-EDGE (bootstrap.c). */
#define SB_EDGE_PREFIX "SIBYL-EDGE "
#define SB_ERROR_PREFIX "SIBYL-ERROR "
#define SB_DONE_PREFIX "SIBYL-DONE "

typedef struct sb_fabric_driver {
    const char *kind;
    int (*start)(sb_fabric *f, sb_diags *d);
    /* `code` is the bootstrap built by fabric.c from the request. */
    void (*run)(sb_fabric *f, const sb_run_request *req, const char *code, sb_run_result *res);
    void (*stop)(sb_fabric *f);
    void (*free)(sb_fabric *f, bool keep_warm);
    /* Does the Spark side see this machine's files? (decides shipping) */
    bool local_files;
    int (*submit)(sb_fabric *f, const sb_batch_request *req, sb_batch *b, sb_diags *d);
    int (*poll)(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d);
    int (*log)(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a, sb_vec *lines,
               long *total, sb_diags *d);
    int (*cancel)(sb_fabric *f, sb_batch *b, sb_diags *d);
    void (*batch_free)(sb_batch *b);
} sb_fabric_driver;

struct sb_fabric {
    const sb_fabric_driver *drv;
    sb_arena *arena; /* the copied definition and driver state */
    sb_fabric_def def;
    sb_fabric_options opt;
    volatile sig_atomic_t cancel;
    const char *spark_version, *python_version, *session_name; /* arena or impl-owned */
    void *impl;
};

struct sb_batch {
    sb_arena *arena;
    sb_fabric *fabric;
    sb_batch_status last;
    void *impl;
};

extern const sb_fabric_driver sb_fabric_spark_driver;
extern const sb_fabric_driver sb_fabric_livy_driver;

/* Tell the user something through the notice callback (and keep it in the
 * run result when res is not NULL). */
void sb_fabric_notice(sb_fabric *f, sb_run_result *res, const char *fmt, ...) SB_PRINTF(3, 4);

/* Defaults applied to the fabric's timeouts (seconds). */
double sb_fabric_timeout(double v, double dflt);

/* ---- bootstrap.c ---------------------------------------------------------- */

/* The Python program that runs a request on the Spark side: sets argv, runs
 * the package's __main__ (or the snippet) with the active SparkSession,
 * keeps the session alive across runs, and reports a failure as a
 * SIBYL-ERROR line and the end as SIBYL-DONE so that output printed before
 * a failure is never lost. With `ship`, the package's .py files travel
 * inside the program. Returns 0 or -1 with a diagnostic (unreadable package). */
int sb_fabric_bootstrap(sb_buf *out, const sb_run_request *req, bool ship, sb_diags *d);
/* The argument vector a request gives the package (args, --config,
 * --until, --conf sibyl_sample_rows=N), appended to `argv` (const char*). */
void sb_fabric_package_args(sb_arena *a, const sb_run_request *req, sb_vec *argv);

/* ---- run_result.c ----------------------------------------------------------- */

/* Feed one line the run printed: SIBYL-EDGE lines become edges (and are
 * passed to on_edge), SIBYL-ERROR sets the error, SIBYL-DONE the Spark time;
 * other lines are kept as output. Returns true for SIBYL-DONE. */
bool sb_run_result_line(sb_run_result *r, const sb_run_request *req, const char *line,
                        size_t len);
/* Feed a block of text (many lines). */
void sb_run_result_text(sb_run_result *r, const sb_run_request *req, const char *text,
                        size_t len);
/* Set the outcome unless one is already set (the first failure wins: a
 * later "session lost" does not hide the error that caused it). */
void sb_run_result_fail(sb_run_result *r, sb_run_state state, const char *hint,
                        const char *fmt, ...) SB_PRINTF(4, 5);
/* The first line of a Python exception text without the Java noise. */
const char *sb_fabric_short_error(sb_arena *a, const char *evalue);

/* ---- livy.c ------------------------------------------------------------- */

/* Read a finished Livy statement's `output` object into the result; true
 * when it says the session's interpreter died. */
bool sb_fabric_livy_output(sb_run_result *res, const sb_run_request *req, const sb_json *output);

/* ---- proc.c ------------------------------------------------------------- */

double sb_fabric_now_ms(void);
/* Sleep up to ms milliseconds, returning early when *cancel is set. */
void sb_fabric_sleep(double ms, const volatile sig_atomic_t *cancel);
/* Start argv[0] (searched in PATH) in a new process group with stdin from
 * `in_fd` (-1: /dev/null), stdout and stderr to `out_fd` (-1: /dev/null),
 * `extra_fd` (-1: none) as fd 3, the environment plus `env` ("K=V", may be
 * NULL) and working directory `cwd` (may be NULL). Returns the pid or -1
 * with errno set. */
pid_t sb_fabric_spawn(const char *const *argv, const char *const *env, const char *cwd,
                      int in_fd, int out_fd, int extra_fd);
/* Describe a wait status: "exited with status 1", "was killed by signal 9". */
const char *sb_fabric_wait_text(sb_arena *a, int status);
/* Kill a process group: SIGTERM, then SIGKILL after grace_ms; reaps pid. */
void sb_fabric_kill_group(pid_t pid, double grace_ms);
/* The last `max` lines of a file (for "what did the driver say before it
 * died"), or NULL. */
const char *sb_fabric_file_tail(sb_arena *a, const char *path, size_t max);
/* A fresh private directory under $TMPDIR (0700). */
const char *sb_fabric_tempdir(sb_arena *a, const char *prefix);
/* Remove a directory tree (best effort). */
void sb_fabric_rmtree(const char *path);

/* ---- zip.c --------------------------------------------------------------- */

/* Write the files under `dir` into a zip archive at out_path, with names
 * starting `prefix/` (the package's name). Returns 0 or -1. */
int sb_fabric_zip_dir(const char *dir, const char *prefix, const char *out_path);

#endif
