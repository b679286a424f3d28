/*
 * databricks_auth.c — where a Databricks fabric's token comes from.
 *
 * Three token sources today: a fixed token (what the credentials file or
 * SIBYL_FABRIC_<NAME>_TOKEN gave), the environment the Databricks tools
 * use (DATABRICKS_TOKEN, or SIBYL_DATABRICKS_TOKEN to keep sibyl's apart),
 * and a profile of the Databricks CLI's ~/.databrickscfg. They share one
 * interface so that a source that mints short-lived tokens (Azure AD) can
 * be added without touching the driver.
 *
 * The .databrickscfg reader follows Python's configparser, which is what
 * the Databricks SDK and CLI read the file with, so a file that works for
 * them works here.
 */
#include "fabric/databricks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ~/.databrickscfg ---------------------------------------------------------- */

const char *sb_dbx_cfg_path(sb_arena *a)
{
    const char *p = getenv("DATABRICKS_CONFIG_FILE");
    if (p && *p) return sb_arena_strdup(a, p);
    const char *home = getenv("HOME");
    return sb_arena_printf(a, "%s/.databrickscfg", home && *home ? home : ".");
}

const char *sb_dbx_cfg_default_profile(void)
{
    const char *p = getenv("DATABRICKS_CONFIG_PROFILE");
    return p && *p ? p : "DEFAULT";
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Trim blanks at both ends of [s, s+n). */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && is_blank(*s)) s++, (*n)--;
    while (*n > 0 && is_blank(s[*n - 1])) (*n)--;
    return s;
}

int sb_dbx_cfg_parse(sb_arena *a, const char *file, const char *text, size_t len,
                     const char *profile, sb_dbx_profile *out, const char **err)
{
    memset(out, 0, sizeof(*out));
    out->name = sb_arena_strdup(a, profile);
    sb_buf seen = SB_BUF_INIT; /* the profile names, for the message */
    bool in = false, found = false;
    const char **last = NULL; /* the value a continuation line extends */
    bool after_key = false;   /* the line above was `key = value` */
    size_t i = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (i < len && rc == 0) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        const char *line = text + i;
        i += n + (nl ? 1 : 0);
        lineno++;
        size_t tn = n;
        const char *t = trim(line, &tn);
        if (tn == 0 || *t == '#' || *t == ';') {
            continue; /* configparser keeps blank lines in values; tokens have none */
        }
        if (is_blank(*line) && after_key) {
            /* An indented line continues the value above it. */
            if (last) *last = sb_arena_printf(a, "%s\n%.*s", *last, (int)tn, t);
            continue;
        }
        last = NULL;
        after_key = false;
        if (*t == '[') {
            const char *close = memchr(t, ']', tn);
            if (!close) {
                *err = sb_arena_printf(a, "%s:%u: a section header without its closing ']'",
                                       file, lineno);
                rc = -1;
                break;
            }
            size_t sn = (size_t)(close - t - 1);
            const char *name = trim(t + 1, &sn);
            if (seen.len) sb_buf_puts(&seen, ", ");
            sb_buf_add(&seen, name, sn);
            bool match = strlen(profile) == sn && memcmp(name, profile, sn) == 0;
            if (match && found) {
                *err = sb_arena_printf(a, "%s:%u: the profile [%s] appears twice", file, lineno,
                                       profile);
                rc = -1;
                break;
            }
            in = match;
            found = found || match;
            continue;
        }
        const char *sep = NULL;
        for (size_t k = 0; k < tn; k++)
            if (t[k] == '=' || t[k] == ':') {
                sep = t + k;
                break;
            }
        if (!sep) {
            *err = sb_arena_printf(a, "%s:%u: expected `key = value`", file, lineno);
            rc = -1;
            break;
        }
        after_key = true;
        if (!in) continue;
        size_t kn = (size_t)(sep - t), vn = tn - kn - 1;
        const char *key = trim(t, &kn);
        const char *val = trim(sep + 1, &vn);
        const char **slot = NULL;
        if (sb_str_ieqn(key, kn, "host")) slot = &out->host;
        else if (sb_str_ieqn(key, kn, "token")) slot = &out->token;
        else if (sb_str_ieqn(key, kn, "cluster_id")) slot = &out->cluster_id;
        else if (sb_str_ieqn(key, kn, "auth_type")) slot = &out->auth_type;
        if (slot) {
            *slot = sb_arena_strndup(a, val, vn);
            last = slot;
        }
    }
    if (rc == 0 && !found) {
        *err = seen.len ? sb_arena_printf(a, "%s has no profile [%s] (it has %s)", file, profile,
                                          sb_buf_str(&seen))
                        : sb_arena_printf(a, "%s has no profile [%s] (it has none)", file,
                                          profile);
        rc = -1;
    }
    sb_buf_free(&seen);
    /* A host written without its scheme is taken as https, as the CLI does. */
    if (rc == 0 && out->host && *out->host && !strstr(out->host, "://"))
        out->host = sb_arena_printf(a, "https://%s", out->host);
    return rc;
}

/* ---- token sources ----------------------------------------------------------------- */

typedef struct fixed_source {
    sb_dbx_token_source base;
    char *token;
    char *name;
} fixed_source;

static void wipe_free(char *s)
{
    if (!s) return;
    memset(s, 0, strlen(s));
    free(s);
}

static int fixed_get(sb_dbx_token_source *ts, bool refresh, const char **token, const char **err)
{
    fixed_source *s = (fixed_source *)ts;
    if (refresh) return 0; /* a PAT does not change by asking again */
    *token = s->token;
    return 1;
}

static void fixed_free(sb_dbx_token_source *ts)
{
    fixed_source *s = (fixed_source *)ts;
    wipe_free(s->token);
    free(s->name);
    free(s);
}

sb_dbx_token_source *sb_dbx_token_fixed(const char *token, const char *name)
{
    fixed_source *s = sb_xcalloc(1, sizeof(*s));
    s->token = sb_xstrdup(token);
    s->name = sb_xstrdup(name ? name : "the fabric's credentials");
    s->base.name = s->name;
    s->base.get = fixed_get;
    s->base.free = fixed_free;
    return &s->base;
}

/* The environment: read at every call, so that a refresh sees a variable
 * the embedding program has just updated. */
typedef struct env_source {
    sb_dbx_token_source base;
    char *last;
    char name[64];
} env_source;

static const char *env_token(const char **var)
{
    static const char *const vars[] = {"SIBYL_DATABRICKS_TOKEN", "DATABRICKS_TOKEN"};
    for (size_t i = 0; i < SB_COUNTOF(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            *var = vars[i];
            return v;
        }
    }
    return NULL;
}

static int env_get(sb_dbx_token_source *ts, bool refresh, const char **token, const char **err)
{
    env_source *s = (env_source *)ts;
    const char *var = NULL;
    const char *v = env_token(&var);
    if (!v) {
        *err = "neither SIBYL_DATABRICKS_TOKEN nor DATABRICKS_TOKEN is set";
        return -1;
    }
    if (refresh && s->last && strcmp(s->last, v) == 0) return 0;
    wipe_free(s->last);
    s->last = sb_xstrdup(v);
    snprintf(s->name, sizeof(s->name), "the environment (%s)", var);
    *token = s->last;
    return 1;
}

static void env_free(sb_dbx_token_source *ts)
{
    env_source *s = (env_source *)ts;
    wipe_free(s->last);
    free(s);
}

sb_dbx_token_source *sb_dbx_token_env(void)
{
    const char *var = NULL;
    if (!env_token(&var)) return NULL;
    env_source *s = sb_xcalloc(1, sizeof(*s));
    snprintf(s->name, sizeof(s->name), "the environment (%s)", var);
    s->base.name = s->name;
    s->base.get = env_get;
    s->base.free = env_free;
    return &s->base;
}

/* A .databrickscfg profile, read again on refresh. */
typedef struct profile_source {
    sb_dbx_token_source base;
    char *path, *profile, *name;
    char *last;
    char err[512];
} profile_source;

static int profile_get(sb_dbx_token_source *ts, bool refresh, const char **token,
                       const char **err)
{
    profile_source *s = (profile_source *)ts;
    char *text = NULL;
    size_t len = 0;
    int e = sb_read_file(s->path, &text, &len);
    if (e != 0) {
        snprintf(s->err, sizeof(s->err), "cannot read %s: %s", s->path, strerror(-e));
        *err = s->err;
        return -1;
    }
    sb_arena *a = sb_arena_new();
    sb_dbx_profile p;
    const char *perr = NULL;
    int rc = sb_dbx_cfg_parse(a, s->path, text, len, s->profile, &p, &perr);
    memset(text, 0, len);
    free(text);
    if (rc == 0 && (!p.token || !*p.token)) {
        perr = p.auth_type
                   ? sb_arena_printf(a, "the profile [%s] in %s signs in with auth_type = %s, "
                                        "which sibyl cannot use yet; add a personal access "
                                        "token (token = ...) to it",
                                     s->profile, s->path, p.auth_type)
                   : sb_arena_printf(a, "the profile [%s] in %s has no token", s->profile,
                                     s->path);
        rc = -1;
    }
    int out = -1;
    if (rc != 0) {
        snprintf(s->err, sizeof(s->err), "%s", perr);
        *err = s->err;
    } else if (refresh && s->last && strcmp(s->last, p.token) == 0) {
        out = 0;
    } else {
        wipe_free(s->last);
        s->last = sb_xstrdup(p.token);
        *token = s->last;
        out = 1;
    }
    sb_arena_free(a);
    return out;
}

static void profile_free(sb_dbx_token_source *ts)
{
    profile_source *s = (profile_source *)ts;
    wipe_free(s->last);
    free(s->path);
    free(s->profile);
    free(s->name);
    free(s);
}

sb_dbx_token_source *sb_dbx_token_profile(const char *path, const char *profile)
{
    profile_source *s = sb_xcalloc(1, sizeof(*s));
    s->path = sb_xstrdup(path);
    s->profile = sb_xstrdup(profile);
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "%s [%s]", path, profile);
    s->name = sb_buf_detach(&b);
    s->base.name = s->name;
    s->base.get = profile_get;
    s->base.free = profile_free;
    return &s->base;
}
