/*
 * credentials.c — where a fabric's password or token comes from.
 *
 * Never from the definition (it may be in Git). In order:
 *   1. the environment: SIBYL_FABRIC_<NAME>_PASSWORD or SIBYL_FABRIC_<NAME>_TOKEN
 *      (NAME upper-cased, '-' as '_'), for CI and containers;
 *   2. the user's credentials file, $SIBYL_CREDENTIALS or
 *      ~/.config/sibyl/credentials.json, which must not be readable by
 *      group or others (like ssh refuses a private key with loose modes):
 *        {"fabrics": {"prod-livy": {"password": "..."}, "dbx": {"token": "..."}}}
 *   3. Databricks only: the profile in ~/.databrickscfg ($DATABRICKS_CONFIG_FILE)
 *      that the Databricks CLI already keeps (host and token).
 *
 * The secret is kept in memory only and never printed: messages say where
 * it came from (def->secret_source), never what it is.
 */
#include "fabric/fabric.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *env_name(sb_arena *a, const char *fabric, const char *what)
{
    char *s = sb_arena_printf(a, "SIBYL_FABRIC_%s_%s", fabric, what);
    for (char *p = s; *p; p++) {
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        else if (*p == '-') *p = '_';
    }
    return s;
}

static const char *credentials_path(sb_arena *a)
{
    const char *p = getenv("SIBYL_CREDENTIALS");
    if (p && *p) return sb_arena_strdup(a, p);
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return sb_arena_printf(a, "%s/sibyl/credentials.json", xdg);
    const char *home = getenv("HOME");
    return sb_arena_printf(a, "%s/.config/sibyl/credentials.json", home && *home ? home : ".");
}

/* Look the fabric up in the credentials file. Returns 0 (found or not),
 * -1 with a diagnostic when the file is unsafe or unreadable. */
static int from_file(sb_arena *a, sb_fabric_def *def, const char *key, sb_diags *d)
{
    const char *path = credentials_path(a);
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    sb_diag_context ctx = {.file = path};
    if (st.st_mode & 077) {
        sb_diags_set_context(d, &ctx);
        sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-credentials",
                                   "fabric %s: the credentials file is readable by others "
                                   "(mode %04o); sibyl will not use it",
                                   def->name, (unsigned)(st.st_mode & 07777));
        sb_diag_set_hint(d, dg, "chmod 600 %s", path);
        sb_diags_clear_context(d);
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = sb_read_file(path, &text, &len);
    if (rc != 0) {
        sb_diags_set_context(d, &ctx);
        sb_diags_add(d, SB_SEV_ERROR, "fabric-credentials", "fabric %s: cannot read: %s",
                     def->name, strerror(-rc));
        sb_diags_clear_context(d);
        return -1;
    }
    char *copy = sb_arena_strndup(a, text, len);
    /* The file holds secrets: wipe the heap copy. */
    memset(text, 0, len);
    free(text);
    sb_diags_set_context(d, &ctx);
    sb_json *root = sb_json_parse(a, copy, len, d);
    sb_diags_clear_context(d);
    if (!root) return -1;
    const sb_json *entry = sb_json_get(sb_json_get(root, "fabrics"), def->name);
    if (!entry) return 0;
    const sb_json *v = sb_json_get(entry, key);
    if (v && v->kind == SB_JSON_STRING) {
        def->secret = v->u.string.s;
        def->secret_source = sb_arena_printf(a, "%s (fabrics.%s.%s)", path, def->name, key);
    }
    const sb_json *user = sb_json_get(entry, "user");
    if (user && user->kind == SB_JSON_STRING && !def->user) def->user = user->u.string.s;
    return 0;
}

/* ~/.databrickscfg: INI sections of host = ..., token = ... */
static void from_databrickscfg(sb_arena *a, sb_fabric_def *def)
{
    const char *path = getenv("DATABRICKS_CONFIG_FILE");
    if (!path || !*path) {
        const char *home = getenv("HOME");
        path = sb_arena_printf(a, "%s/.databrickscfg", home && *home ? home : ".");
    }
    char *text = NULL;
    size_t len = 0;
    if (sb_read_file(path, &text, &len) != 0) return;
    const char *want = def->profile ? def->profile : "DEFAULT";
    bool in = false;
    const char *host = NULL, *token = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t') line++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
        if (*line == '#' || *line == ';' || !*line) continue;
        if (*line == '[') {
            in = n > 2 && line[n - 1] == ']' && strlen(want) == n - 2 &&
                 strncmp(line + 1, want, n - 2) == 0;
            continue;
        }
        if (!in) continue;
        char *eq = strchr(line, '=');
        if (!eq) continue;
        char *k = line, *v = eq + 1;
        char *ke = eq;
        while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
        *ke = 0;
        while (*v == ' ' || *v == '\t') v++;
        if (strcmp(k, "host") == 0) host = sb_arena_strdup(a, v);
        else if (strcmp(k, "token") == 0) token = sb_arena_strdup(a, v);
    }
    memset(text, 0, len);
    free(text);
    if (!def->url && host) def->url = host;
    if (!def->secret && token) {
        def->secret = token;
        def->secret_source = sb_arena_printf(a, "%s [%s]", path, want);
    }
}

int sb_fabric_credentials_resolve(sb_arena *a, sb_fabric_def *def, sb_diags *d)
{
    const char *key = NULL;
    if (def->kind == SB_FABRIC_DATABRICKS || def->auth == SB_FABRIC_AUTH_TOKEN) key = "token";
    else if (def->auth == SB_FABRIC_AUTH_BASIC) key = "password";
    if (!key) return 0; /* none, kerberos: the ticket cache is the credential */
    const char *env = env_name(a, def->name, strcmp(key, "token") == 0 ? "TOKEN" : "PASSWORD");
    const char *v = getenv(env);
    if (v && *v) {
        def->secret = sb_arena_strdup(a, v);
        def->secret_source = sb_arena_printf(a, "the environment (%s)", env);
        return 0;
    }
    if (from_file(a, def, key, d) != 0) return -1;
    if (!def->secret && def->kind == SB_FABRIC_DATABRICKS) {
        /* then what the Databricks CLI and SDK read: the environment, then
         * the profile in ~/.databrickscfg */
        static const char *const VARS[] = {"SIBYL_DATABRICKS_TOKEN", "DATABRICKS_TOKEN"};
        for (size_t i = 0; i < SB_COUNTOF(VARS) && !def->secret; i++) {
            const char *t = getenv(VARS[i]);
            if (t && *t) {
                def->secret = sb_arena_strdup(a, t);
                def->secret_source = sb_arena_printf(a, "the environment (%s)", VARS[i]);
            }
        }
        if (!def->secret) from_databrickscfg(a, def);
    }
    if (def->secret) return 0;
    sb_diag_context ctx = {.file = def->file, .field = "auth"};
    sb_diags_set_context(d, &ctx);
    sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-credentials",
                               "fabric %s: no %s found for it", def->name, key);
    sb_diag_set_hint(d, dg,
                     "set %s, or add {\"fabrics\": {\"%s\": {\"%s\": \"...\"}}} to %s (mode 0600)%s",
                     env, def->name, key, credentials_path(a),
                     def->kind == SB_FABRIC_DATABRICKS
                         ? ", or set DATABRICKS_TOKEN, or add a profile to ~/.databrickscfg"
                         : "");
    sb_diags_clear_context(d);
    return -1;
}
