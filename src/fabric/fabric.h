/*
 * fabric.h — running generated PySpark where the data lives.
 *
 * A fabric is an execution environment: local Spark (`spark`), an Apache
 * Livy server (`livy`), a Databricks workspace (`databricks`). Every fabric
 * is reached through one driver interface, and this header is the only way
 * the rest of sibyl runs code on Spark:
 *
 *   interactive   sb_fabric_open -> sb_fabric_run (again and again; the
 *                 driver keeps a warm session between runs) -> sb_fabric_free
 *   batch         sb_fabric_submit -> sb_fabric_batch_poll / _wait / _log
 *                 -> sb_batch_free (sb_fabric_batch_cancel to stop it)
 *
 * An interactive run executes the instrumented variant of a generated
 * pipeline package (or, for tests and `fabric test`, a Python snippet). The
 * instrumented code prints one line per edge of the graph,
 *
 *   SIBYL-EDGE {"gem":"clean_orders","port":"out","count":123,
 *               "rows":[{...}, ...],"schema":[{"name":..,"type":..,"nullable":..}],"ms":12}
 *
 * and the driver turns those lines into an sb_run_result: per-edge samples
 * (typed rows held in memory, never written anywhere), counts and per-gem
 * timings. Whatever happens — the code fails, the user cancels, the Spark
 * side dies, a request times out — the result keeps every edge already
 * received and carries one sentence saying what went wrong.
 *
 * Threads: one thread drives a fabric at a time. sb_fabric_cancel is the
 * exception: it may be called from any thread or from a signal handler.
 */
#ifndef SB_FABRIC_H
#define SB_FABRIC_H

#include <signal.h>

#include "base/json.h"
#include "sql/types.h"

/* ---- fabric definitions ------------------------------------------------- */

typedef enum sb_fabric_kind {
    SB_FABRIC_SPARK,      /* local Spark, or spark://, yarn, k8s:// through spark-submit */
    SB_FABRIC_LIVY,       /* Apache Livy REST */
    SB_FABRIC_DATABRICKS, /* Databricks Command API 1.2 / Jobs 2.1 */
} sb_fabric_kind;

typedef enum sb_fabric_auth {
    SB_FABRIC_AUTH_NONE,
    SB_FABRIC_AUTH_BASIC,    /* HTTP Basic: user + password (LDAP, Knox) */
    SB_FABRIC_AUTH_KERBEROS, /* SPNEGO with the user's Kerberos ticket */
    SB_FABRIC_AUTH_TOKEN,    /* Authorization: Bearer (Databricks PAT) */
} sb_fabric_auth;

typedef struct sb_fabric_conf {
    const char *key, *value;
} sb_fabric_conf;

/* One fabric, as read from its definition file (fabric_def.c) with its
 * credential resolved (credentials.c). Strings are owned by whoever built
 * the definition (an arena); sb_fabric_open copies what it keeps. */
typedef struct sb_fabric_def {
    const char *name;
    sb_fabric_kind kind;
    const char *file; /* the definition file, for messages; may be NULL */
    const char *description;

    /* spark */
    const char *master;     /* "local[*]" (default), "spark://h:7077", "yarn", "k8s://..." */
    const char *python;     /* interpreter with pyspark; NULL: $SIBYL_PYTHON, else python3 */
    const char *spark_home; /* NULL: the pyspark package's own Spark */

    /* livy and databricks */
    const char *url; /* Livy: http(s)://host:8998[/gateway/x/livy/v1]; Databricks: workspace */
    sb_fabric_auth auth;
    const char *user;     /* Basic user */
    const char *secret;   /* password or token: never from the definition file */
    const char *secret_source; /* where the secret came from, for messages */
    const char *ca_file;  /* extra CA bundle for TLS */
    bool insecure;        /* skip TLS verification (test clusters only) */
    const char *session_kind; /* Livy session kind; "pyspark" */
    const char *proxy_user;
    const char *queue;
    const char *driver_memory, *executor_memory;
    int driver_cores, executor_cores, num_executors; /* 0: Livy's default */
    const char *staging_dir; /* batches: where the package is staged for the server */
    const char *cluster_id;  /* databricks */
    const char *profile;     /* databricks: ~/.databrickscfg profile */

    /* Spark configuration for every session and batch. */
    const sb_fabric_conf *conf;
    size_t nconf;

    /* Seconds; 0 means the default. */
    double connect_timeout; /* TCP/TLS connect (10) */
    double request_timeout; /* one HTTP request (60) */
    double start_timeout;   /* a session or driver becoming ready (600) */
    double run_timeout;     /* one interactive run (0: none) */
    double heartbeat;       /* Livy: keep-alive interval during long runs (300) */
} sb_fabric_def;

const char *sb_fabric_kind_name(sb_fabric_kind k); /* "spark", "livy", "databricks" */
int sb_fabric_kind_parse(const char *s, sb_fabric_kind *out);
const char *sb_fabric_auth_name(sb_fabric_auth a); /* "none", "basic", "kerberos", "token" */

/* Parse a definition (JSON text of a file `fabrics/<name>.json`). `name` is
 * the fabric's name (from the file name); `file` is used in diagnostics.
 * Secrets in the file are refused: they belong in the credentials file or
 * the environment. Returns 0, or -1 after adding diagnostics that name the
 * file, the fabric and the field. */
int sb_fabric_def_parse(sb_arena *a, const char *name, const char *file, const char *text,
                        size_t len, sb_fabric_def *out, sb_diags *d);
/* The definition as canonical JSON (what `sibyl fabric add` writes). */
void sb_fabric_def_write(sb_buf *out, const sb_fabric_def *def);

/* Where user-level fabric definitions live: $SIBYL_FABRICS_DIR, else
 * $XDG_CONFIG_HOME/sibyl/fabrics, else ~/.config/sibyl/fabrics. */
const char *sb_fabric_user_dir(sb_arena *a);
/* Load fabric `name`: `<project>/fabrics/<name>.json` first (when project_dir
 * is not NULL), then the user directory; then resolve its credential
 * (sb_fabric_credentials_resolve). Returns 0 or -1 with diagnostics. */
int sb_fabric_def_load(sb_arena *a, const char *project_dir, const char *name,
                       sb_fabric_def *out, sb_diags *d);
/* Names of the fabrics defined in the project and user directories, sorted,
 * without duplicates (char*). */
void sb_fabric_def_list(sb_arena *a, const char *project_dir, sb_vec *names);

/* Fill def->secret (and def->url/user for Databricks profiles) from, in
 * order: the environment (SIBYL_FABRIC_<NAME>_PASSWORD / _TOKEN, NAME upper
 * case with '-' as '_'), the user credentials file ($SIBYL_CREDENTIALS, else
 * ~/.config/sibyl/credentials.json, which must not be readable by others),
 * and for Databricks the profile in ~/.databrickscfg ($DATABRICKS_CONFIG_FILE).
 * A fabric whose auth needs no secret resolves to none. Returns 0, or -1
 * with a diagnostic naming the file and field (e.g. a credentials file with
 * mode 0644, or basic auth without any password). */
int sb_fabric_credentials_resolve(sb_arena *a, sb_fabric_def *def, sb_diags *d);

/* ---- per-edge samples ---------------------------------------------------- */

/* One edge of the graph as the instrumented code reported it. */
typedef struct sb_fabric_edge {
    const char *gem;
    const char *port;
    int64_t count;         /* rows on the edge; -1 when not reported */
    double ms;             /* time the gem took on Spark; -1 when not reported */
    const sb_type *schema; /* a struct type: the edge's columns */
    size_t nrows;
    /* rows[i][j]: the value of column j in sample row i, checked against the
     * column's type: null, a JSON boolean/number/string, or for arrays, maps
     * and structs the JSON the code printed. */
    sb_json ***rows;
} sb_fabric_edge;

/* Parse the JSON part of a SIBYL-EDGE line (the text after the prefix).
 * Rows may be objects keyed by column name or arrays in column order. On
 * error returns -1 and sets *err to a message (arena string). */
int sb_fabric_edge_parse(sb_arena *a, const char *json, size_t len, sb_fabric_edge *out,
                         const char **err);

/* ---- interactive runs ------------------------------------------------------ */

typedef struct sb_fabric sb_fabric;

typedef enum sb_run_state {
    SB_RUN_SUCCEEDED,
    SB_RUN_FAILED,    /* the pipeline's code raised an error */
    SB_RUN_CANCELLED, /* sb_fabric_cancel */
    SB_RUN_TIMED_OUT, /* run_timeout, or a request to the fabric timed out */
    SB_RUN_LOST,      /* the fabric failed: unreachable, refused, session or driver died */
} sb_run_state;

const char *sb_run_state_name(sb_run_state s); /* "succeeded", "failed", ... */

/* Called for every edge as it arrives (the local driver streams; Livy
 * delivers all edges when the statement completes). */
typedef void (*sb_fabric_edge_fn)(void *ud, const sb_fabric_edge *edge);
/* Called with progress and notices ("starting a Livy session", "the Livy
 * session 4 had expired; started session 5"). */
typedef void (*sb_fabric_notice_fn)(void *ud, const char *message);

typedef struct sb_run_request {
    /* What to run: a generated package ... */
    const char *package_dir; /* the directory that holds the package (its "src") */
    const char *module;      /* the pipeline package's name */
    const char *const *args; /* arguments after the module: --config NAME, --conf k=v */
    size_t nargs;
    const char *config;      /* --config NAME, or NULL */
    const char *until;       /* run up to this gem (--until GEM), or NULL */
    int sample_rows;         /* > 0: --conf sibyl_sample_rows=N */
    const char *cwd;         /* working directory on the Spark side (the project), or NULL */
    /* ... or a Python snippet (tests, `fabric test`); takes precedence. */
    const char *code;
    /* Ship the package's files with the code (needed when the Spark driver
     * cannot see this machine's disk: Livy, Databricks). -1: the driver
     * decides, 0 no, 1 yes. */
    int ship;
    double timeout; /* seconds, 0: the fabric's run_timeout */
    sb_fabric_edge_fn on_edge;
    void *ud;
} sb_run_request;

typedef struct sb_run_result {
    sb_arena *arena; /* owns everything below */
    sb_run_state state;
    sb_vec edges;    /* sb_fabric_edge*, in arrival order */
    sb_vec output;   /* char*: other lines the code printed */
    sb_vec notices;  /* char*: what the driver had to do (session re-created ...) */
    const char *error;  /* one sentence; NULL when succeeded */
    const char *hint;   /* what to do about it, or NULL */
    const char *detail; /* traceback or log tail, or NULL */
    const char *error_class; /* Python exception class name, when the code raised */
    const char *session;     /* the session that ran it ("livy session 7", "pid 1234") */
    double wall_ms;  /* as seen by the caller */
    double spark_ms; /* the code's own running time on the Spark side; -1 unknown */
} sb_run_result;

void sb_run_result_init(sb_run_result *r);
void sb_run_result_free(sb_run_result *r);
/* The edge for (gem, port), or NULL. */
const sb_fabric_edge *sb_run_result_edge(const sb_run_result *r, const char *gem,
                                         const char *port);
/* The result as one JSON object (state, error, edges with schema, rows, count, ms). */
void sb_run_result_write_json(sb_buf *out, const sb_run_result *r);

typedef struct sb_fabric_options {
    sb_fabric_notice_fn notice;
    void *notice_ud;
    /* Where a driver may remember a warm session between processes (the
     * Livy session id); NULL: $XDG_STATE_HOME/sibyl or ~/.local/state/sibyl;
     * "" disables. */
    const char *state_dir;
} sb_fabric_options;

/* A driver for the fabric. Opening starts nothing yet (cheap); the first
 * run or sb_fabric_start starts the session. Returns 0, or -1 with a
 * diagnostic (unknown kind, a kind whose driver is not built in). */
int sb_fabric_open(const sb_fabric_def *def, const sb_fabric_options *opt, sb_fabric **out,
                   sb_diags *d);
/* Start (or reattach to) the interactive session now: local Spark driver
 * process, Livy session. Returns 0 or -1 with a diagnostic. */
int sb_fabric_start(sb_fabric *f, sb_diags *d);
/* Run code interactively. Always fills `res` (initialise it first with
 * sb_run_result_init); returns 0 when the run succeeded, -1 otherwise. */
int sb_fabric_run(sb_fabric *f, const sb_run_request *req, sb_run_result *res);
/* Ask the current run (or start, or batch wait) to stop. Safe from any thread
 * and from a signal handler. The flag is cleared when the next call begins. */
void sb_fabric_cancel(sb_fabric *f);
/* End the interactive session (the Livy session is deleted, the local
 * driver process exits). */
void sb_fabric_stop(sb_fabric *f);
/* Free the driver. keep_warm: leave a remote session running for the next
 * process to reuse (Livy); local processes always end. */
void sb_fabric_free(sb_fabric *f, bool keep_warm);

/* Versions seen by the last start: Spark, Python; NULL when unknown. */
const char *sb_fabric_spark_version(const sb_fabric *f);
const char *sb_fabric_python_version(const sb_fabric *f);
/* The session currently held ("livy session 7", "pid 1234"), or NULL. */
const char *sb_fabric_session_name(const sb_fabric *f);

/* ---- batch runs ---------------------------------------------------------- */

typedef struct sb_batch sb_batch;

typedef enum sb_batch_state {
    SB_BATCH_STARTING,
    SB_BATCH_RUNNING,
    SB_BATCH_SUCCEEDED,
    SB_BATCH_FAILED,
    SB_BATCH_KILLED,
} sb_batch_state;

const char *sb_batch_state_name(sb_batch_state s);
static inline bool sb_batch_state_is_final(sb_batch_state s)
{
    return s == SB_BATCH_SUCCEEDED || s == SB_BATCH_FAILED || s == SB_BATCH_KILLED;
}

typedef struct sb_batch_request {
    const char *package_dir; /* as in sb_run_request */
    const char *module;
    const char *const *args;
    size_t nargs;
    const char *config;
    const char *cwd;  /* local batches: the working directory */
    const char *name; /* a name for the application */
} sb_batch_request;

typedef struct sb_batch_status {
    sb_batch_state state;
    const char *id;      /* "livy batch 12", "pid 4242" */
    const char *app_id;  /* Spark application id when known */
    const char *message; /* for a failed batch: one sentence */
    int exit_code;       /* local batches: the process's exit status; -1 unknown */
} sb_batch_status;

/* Submit the generated package as a batch application. Returns 0 or -1 with
 * a diagnostic. The batch's strings live as long as the batch. */
int sb_fabric_submit(sb_fabric *f, const sb_batch_request *req, sb_batch **out, sb_diags *d);
/* The batch's current state. Returns 0, or -1 with a diagnostic when the
 * fabric cannot be asked. */
int sb_fabric_batch_poll(sb_fabric *f, sb_batch *b, sb_batch_status *st, sb_diags *d);
/* Poll with back-off until the batch ends, `timeout` seconds pass (0: no
 * limit) or sb_fabric_cancel is called (which kills the batch). Returns 0
 * when the batch ended (whatever its state), -1 otherwise. */
int sb_fabric_batch_wait(sb_fabric *f, sb_batch *b, double timeout, sb_batch_status *st,
                         sb_diags *d);
/* Log lines [from, from+size) (from < 0: the last `size` lines) appended to
 * `lines` (char*, in the arena). *total receives the number of lines. */
int sb_fabric_batch_log(sb_fabric *f, sb_batch *b, long from, long size, sb_arena *a,
                        sb_vec *lines, long *total, sb_diags *d);
int sb_fabric_batch_cancel(sb_fabric *f, sb_batch *b, sb_diags *d);
void sb_batch_free(sb_batch *b);

#endif
