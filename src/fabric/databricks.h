/*
 * databricks.h — the parts of the `databricks` fabric that stand on their
 * own: where the personal access token comes from (token sources, the
 * Databricks CLI's ~/.databrickscfg), how an answer of the workspace is
 * read (error bodies as one sentence, Retry-After and back-off, the states
 * of clusters, commands and job runs), and the wheel a batch run ships.
 *
 * The driver itself (databricks.c) is reached through fabric.h like every
 * other driver; these functions are here so that they can be tested alone
 * and reused (`sibyl fabric test`, a future Azure AD token source).
 */
#ifndef SB_FABRIC_DATABRICKS_H
#define SB_FABRIC_DATABRICKS_H

#include "fabric/fabric_internal.h"

extern const sb_fabric_driver sb_fabric_databricks_driver;

/* ---- token sources ---------------------------------------------------------- */

/* Where the workspace's bearer token comes from. A source may hand out the
 * same token for ever (a PAT) or mint new ones (an Azure AD token source,
 * later): the driver asks again with `refresh` set when the workspace
 * refuses a token, and stops when the source has nothing new to give. */
typedef struct sb_dbx_token_source sb_dbx_token_source;
struct sb_dbx_token_source {
    /* Where the token comes from, for messages: "the environment
     * (DATABRICKS_TOKEN)", "/home/me/.databrickscfg [dev]". Never the token. */
    const char *name;
    /* Set *token (owned by the source, valid until the next call or free).
     * Returns 1 with a token, 0 when `refresh` was asked and the source has
     * no other token, -1 with *err (one sentence, owned by the source). */
    int (*get)(sb_dbx_token_source *ts, bool refresh, const char **token, const char **err);
    void (*free)(sb_dbx_token_source *ts);
};

/* A fixed token (a PAT resolved by sb_fabric_credentials_resolve). */
sb_dbx_token_source *sb_dbx_token_fixed(const char *token, const char *name);
/* SIBYL_DATABRICKS_TOKEN, else DATABRICKS_TOKEN; read again on refresh.
 * NULL when neither is set. */
sb_dbx_token_source *sb_dbx_token_env(void);
/* A profile of a ~/.databrickscfg file; the file is read again on refresh
 * (the user may have pasted a new token meanwhile). */
sb_dbx_token_source *sb_dbx_token_profile(const char *path, const char *profile);
static inline void sb_dbx_token_free(sb_dbx_token_source *ts)
{
    if (ts) ts->free(ts);
}

/* ---- ~/.databrickscfg ----------------------------------------------------------- */

/* One profile of the file. Strings live in the arena; NULL when absent. */
typedef struct sb_dbx_profile {
    const char *name;
    const char *host;
    const char *token;
    const char *cluster_id;
    const char *auth_type; /* set for profiles that use OAuth, Azure CLI ... */
} sb_dbx_profile;

/* $DATABRICKS_CONFIG_FILE, else ~/.databrickscfg. */
const char *sb_dbx_cfg_path(sb_arena *a);
/* The profile to use when a fabric names none: $DATABRICKS_CONFIG_PROFILE,
 * else "DEFAULT". */
const char *sb_dbx_cfg_default_profile(void);
/* Read profile `profile` from the INI text of a .databrickscfg, the way
 * the Databricks tools read it (Python's configparser): [section] headers,
 * `key = value` or `key: value`, keys case-insensitive, `#` and `;` comment
 * lines, indented lines continuing a value; DEFAULT is a profile like any
 * other. Returns 0, or -1 with *err: a sentence naming the file (`file` is
 * only used in messages) and, for a missing profile, the ones it has. */
int sb_dbx_cfg_parse(sb_arena *a, const char *file, const char *text, size_t len,
                     const char *profile, sb_dbx_profile *out, const char **err);

/* ---- answers of the workspace ------------------------------------------------------ */

/* Text meant for a terminal or a browser as plain text: ANSI escape
 * sequences and control characters dropped; with SB_DBX_HTML also tags
 * dropped and entities decoded. One line (whitespace runs made one space)
 * unless SB_DBX_KEEP_LINES, which keeps lines and their indentation
 * (tracebacks). Trimmed; at most `max` bytes, cut at a character boundary
 * with "...". */
enum { SB_DBX_HTML = 1, SB_DBX_KEEP_LINES = 2 };
char *sb_dbx_plain_text(sb_arena *a, const char *s, size_t len, size_t max, unsigned flags);

/* An error answer (any status) read into its parts. The body may be the
 * standard {"error_code", "message"}, API 1.2's {"error"}, an HTML error
 * page (<pre> or <title>), "CODE: message" text, or empty. */
typedef struct sb_dbx_error {
    long status;
    const char *code;    /* "INVALID_STATE", or NULL */
    const char *message; /* plain text, never NULL ("HTTP 502" when the body says nothing) */
} sb_dbx_error;
void sb_dbx_error_read(sb_arena *a, long status, const char *body, size_t len, sb_dbx_error *out);

/* How long to wait before trying a request again, in seconds, or -1 when it
 * must not be tried again. `status` is the HTTP status (0 for a network
 * failure), `retry_after` the Retry-After header in seconds (-1 when
 * absent), `attempt` counts from 1, `jitter` is in [0, 1). 429 and 503
 * wait Retry-After (1 s when absent, at most 60 s); 502 and 504 and network
 * failures of idempotent requests back off 1, 2, 4 ... s up to 10 s plus
 * up to 1 s of jitter; everything else is final. The caller keeps a total
 * budget. */
double sb_dbx_retry_delay(long status, double retry_after, int attempt, bool idempotent,
                          double jitter);

/* A Jobs run's state as a batch state: life_cycle_state QUEUED / PENDING /
 * BLOCKED / WAITING_FOR_RETRY are starting, RUNNING / TERMINATING running;
 * TERMINATED / SKIPPED / INTERNAL_ERROR end the run, as succeeded when
 * result_state is SUCCESS (or SUCCESS_WITH_FAILURES), killed when CANCELED,
 * failed otherwise. Unknown states count as running (Databricks adds new
 * ones; a final state always carries a result_state). */
sb_batch_state sb_dbx_run_state(const char *life_cycle_state, const char *result_state);

/* A cluster state: what starting an interactive session has to do. */
typedef enum sb_dbx_cluster_step {
    SB_DBX_CLUSTER_READY,     /* RUNNING (RESIZING still runs commands) */
    SB_DBX_CLUSTER_WAIT,      /* PENDING, RESTARTING: wait for it */
    SB_DBX_CLUSTER_START,     /* TERMINATED: start it */
    SB_DBX_CLUSTER_WAIT_STOP, /* TERMINATING: wait, then start it */
    SB_DBX_CLUSTER_BROKEN,    /* ERROR, UNKNOWN, anything else */
} sb_dbx_cluster_step;
sb_dbx_cluster_step sb_dbx_cluster_step_of(const char *state);

/* ---- the wheel a batch run ships ------------------------------------------------------- */

/* Build a pure-Python wheel of the package directory `dir` (a Python
 * package named `module`), with a console-script entry point named like
 * the module that runs `python -m module` with the task's parameters.
 * The version is 0.0.0+ a hash of the contents, so that a changed package
 * is never taken for one a cluster has installed already. Appends the
 * wheel's bytes to `out` and sets *filename (arena). Returns 0 or -1 with
 * *err. */
int sb_dbx_wheel_build(sb_arena *a, const char *dir, const char *module, sb_buf *out,
                       const char **filename, const char **err);

/* SHA-256 of data (the wheel's RECORD lists one per file). */
void sb_dbx_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
