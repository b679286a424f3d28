/*
 * fabric_def.c — fabric definitions: `fabrics/<name>.json` files, in a
 * project (shared through Git) or in the user's configuration directory.
 *
 *   {
 *     "auth": "basic",
 *     "conf": {"spark.sql.shuffle.partitions": "8"},
 *     "kind": "livy",
 *     "url": "https://edge.example.com:8998",
 *     "user": "etl"
 *   }
 *
 * A definition holds connection fields only. Passwords and tokens never sit
 * in it (it may be committed): a file that has one is refused with a pointer
 * to where secrets go (credentials.c). Every problem names the file, the
 * fabric, the field and the line.
 */
#include "fabric/fabric.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef enum { F_STR, F_BOOL, F_INT, F_NUM, F_CONF } field_type;

typedef struct field_spec {
    const char *name;
    field_type type;
    size_t offset;
} field_spec;

#define STR(n) {#n, F_STR, offsetof(sb_fabric_def, n)}
#define INT(n) {#n, F_INT, offsetof(sb_fabric_def, n)}
#define NUM(n) {#n, F_NUM, offsetof(sb_fabric_def, n)}

static const field_spec fields[] = {
    STR(description),  STR(master),          STR(python),         STR(spark_home),
    STR(url),          STR(user),            STR(ca_file),        STR(session_kind),
    STR(proxy_user),   STR(queue),           STR(driver_memory),  STR(executor_memory),
    INT(driver_cores), INT(executor_cores),  INT(num_executors),  STR(staging_dir),
    STR(cluster_id),   STR(profile),         NUM(connect_timeout), NUM(request_timeout),
    NUM(start_timeout), NUM(run_timeout),    NUM(heartbeat),
    {"insecure", F_BOOL, offsetof(sb_fabric_def, insecure)},
    {"conf", F_CONF, 0},
    {"kind", F_STR, 0},
    {"auth", F_STR, 0},
};

static const char *const secret_fields[] = {"password", "token", "secret", "pat", "access_token"};

static sb_diag *def_error(sb_diags *d, const char *file, const char *name, const char *field,
                          const sb_json *at, const char *code, const char *fmt, ...)
    SB_PRINTF(7, 8);

static sb_diag *def_error(sb_diags *d, const char *file, const char *name, const char *field,
                          const sb_json *at, const char *code, const char *fmt, ...)
{
    sb_diag_context ctx = {.file = file,
                           .field = field,
                           .line = at ? at->line : 0,
                           .col = at ? at->col : 0};
    sb_diags_set_context(d, &ctx);
    va_list ap;
    va_start(ap, fmt);
    sb_buf b = SB_BUF_INIT;
    sb_buf_printf(&b, "fabric %s: ", name);
    sb_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, code, "%s", sb_buf_str(&b));
    sb_buf_free(&b);
    sb_diags_clear_context(d);
    return dg;
}

static bool valid_name(const char *s)
{
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

int sb_fabric_def_parse(sb_arena *a, const char *name, const char *file, const char *text,
                        size_t len, sb_fabric_def *out, sb_diags *d)
{
    memset(out, 0, sizeof(*out));
    out->name = sb_arena_strdup(a, name);
    out->file = file ? sb_arena_strdup(a, file) : NULL;
    size_t errors = d->errors;
    if (!valid_name(name)) {
        def_error(d, file, name, NULL, NULL, "fabric-name",
                  "a fabric name is letters, digits, '_' and '-'");
        return -1;
    }
    sb_diag_context ctx = {.file = file};
    sb_diags_set_context(d, &ctx);
    sb_json *root = sb_json_parse(a, text, len, d);
    sb_diags_clear_context(d);
    if (!root) return -1;
    if (root->kind != SB_JSON_OBJECT) {
        def_error(d, file, name, NULL, root, "fabric-type", "a definition is a JSON object");
        return -1;
    }
    const char *kind = NULL, *auth = NULL;
    sb_vec conf = {0};
    for (size_t i = 0; i < root->u.object.len; i++) {
        const sb_json_member *m = &root->u.object.members[i];
        const sb_json *v = m->value;
        bool secret = false;
        for (size_t k = 0; k < SB_COUNTOF(secret_fields); k++)
            if (strcmp(m->key, secret_fields[k]) == 0) secret = true;
        if (secret) {
            sb_diag *dg = def_error(d, file, name, m->key, v, "fabric-secret",
                                    "\"%s\" is a credential and never sits in a fabric definition",
                                    m->key);
            char *env = sb_arena_printf(a, "SIBYL_FABRIC_%s_%s", name,
                                        strcmp(m->key, "password") == 0 ? "PASSWORD" : "TOKEN");
            for (char *p = env; *p; p++) {
                if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
                if (*p == '-') *p = '_';
            }
            sb_diag_set_hint(d, dg,
                             "remove it; put it in the environment (%s) or in the credentials "
                             "file (~/.config/sibyl/credentials.json, mode 0600)",
                             env);
            continue;
        }
        const field_spec *fs = NULL;
        for (size_t k = 0; k < SB_COUNTOF(fields); k++)
            if (strcmp(m->key, fields[k].name) == 0) fs = &fields[k];
        if (!fs) {
            sb_diag *dg = def_error(d, file, name, m->key, v, "fabric-field",
                                    "unknown field \"%s\"", m->key);
            const char *best = NULL;
            size_t dist = 3;
            for (size_t k = 0; k < SB_COUNTOF(fields); k++) {
                size_t e = sb_edit_distance(m->key, fields[k].name);
                if (e < dist) dist = e, best = fields[k].name;
            }
            if (best) sb_diag_set_hint(d, dg, "did you mean \"%s\"?", best);
            continue;
        }
        char *slot = (char *)out + fs->offset;
        switch (fs->type) {
        case F_STR:
            if (v->kind != SB_JSON_STRING) {
                def_error(d, file, name, m->key, v, "fabric-type", "\"%s\" must be a string",
                          m->key);
                break;
            }
            if (strcmp(m->key, "kind") == 0) kind = v->u.string.s;
            else if (strcmp(m->key, "auth") == 0) auth = v->u.string.s;
            else *(const char **)slot = v->u.string.s;
            break;
        case F_BOOL:
            if (v->kind != SB_JSON_BOOL)
                def_error(d, file, name, m->key, v, "fabric-type", "\"%s\" must be true or false",
                          m->key);
            else *(bool *)slot = v->u.boolean;
            break;
        case F_INT:
            if (v->kind != SB_JSON_NUMBER || !v->u.number.is_integer || v->u.number.value < 0 ||
                v->u.number.value > 100000)
                def_error(d, file, name, m->key, v, "fabric-type",
                          "\"%s\" must be a non-negative integer", m->key);
            else *(int *)slot = (int)v->u.number.value;
            break;
        case F_NUM:
            if (v->kind != SB_JSON_NUMBER || v->u.number.value < 0)
                def_error(d, file, name, m->key, v, "fabric-type",
                          "\"%s\" must be a number of seconds", m->key);
            else *(double *)slot = v->u.number.value;
            break;
        case F_CONF:
            if (v->kind != SB_JSON_OBJECT) {
                def_error(d, file, name, m->key, v, "fabric-type",
                          "\"conf\" must be an object of Spark settings");
                break;
            }
            for (size_t k = 0; k < v->u.object.len; k++) {
                const sb_json_member *cm = &v->u.object.members[k];
                const sb_json *cv = cm->value;
                sb_fabric_conf *c = sb_arena_alloc(a, sizeof(*c));
                c->key = cm->key;
                if (cv->kind == SB_JSON_STRING) c->value = cv->u.string.s;
                else if (cv->kind == SB_JSON_NUMBER)
                    c->value = sb_arena_strndup(a, cv->u.number.text, cv->u.number.len);
                else if (cv->kind == SB_JSON_BOOL) c->value = cv->u.boolean ? "true" : "false";
                else {
                    def_error(d, file, name, sb_arena_printf(a, "conf.%s", cm->key), cv,
                              "fabric-type", "a Spark setting must be a string, number or boolean");
                    continue;
                }
                sb_vec_push(a, &conf, c);
            }
            break;
        }
    }
    if (!kind) {
        def_error(d, file, name, "kind", root, "fabric-kind",
                  "no \"kind\" (spark, livy or databricks)");
    } else if (sb_fabric_kind_parse(kind, &out->kind) != 0) {
        const sb_json_member *m = sb_json_member_get(root, "kind");
        def_error(d, file, name, "kind", m->value, "fabric-kind",
                  "unknown kind \"%s\" (spark, livy or databricks)", kind);
    }
    out->auth = out->kind == SB_FABRIC_DATABRICKS ? SB_FABRIC_AUTH_TOKEN : SB_FABRIC_AUTH_NONE;
    if (auth) {
        const sb_json_member *m = sb_json_member_get(root, "auth");
        if (strcmp(auth, "none") == 0) out->auth = SB_FABRIC_AUTH_NONE;
        else if (strcmp(auth, "basic") == 0) out->auth = SB_FABRIC_AUTH_BASIC;
        else if (strcmp(auth, "kerberos") == 0) out->auth = SB_FABRIC_AUTH_KERBEROS;
        else if (strcmp(auth, "token") == 0) out->auth = SB_FABRIC_AUTH_TOKEN;
        else
            def_error(d, file, name, "auth", m->value, "fabric-auth",
                      "unknown auth \"%s\" (none, basic, kerberos or token)", auth);
    }
    if (out->kind == SB_FABRIC_LIVY || out->kind == SB_FABRIC_DATABRICKS) {
        const sb_json_member *m = sb_json_member_get(root, "url");
        if (!out->url && !(out->kind == SB_FABRIC_DATABRICKS)) {
            def_error(d, file, name, "url", root, "fabric-url",
                      "a %s fabric needs a \"url\"", kind);
        } else if (out->url && strncmp(out->url, "http://", 7) != 0 &&
                   strncmp(out->url, "https://", 8) != 0) {
            def_error(d, file, name, "url", m ? m->value : root, "fabric-url",
                      "\"url\" must start with http:// or https://");
        }
    }
    if (out->auth == SB_FABRIC_AUTH_BASIC && !out->user) {
        def_error(d, file, name, "user", root, "fabric-auth", "basic auth needs a \"user\"");
    }
    sb_fabric_conf *cv = sb_arena_alloc(a, (conf.len + 1) * sizeof(*cv));
    for (size_t i = 0; i < conf.len; i++) cv[i] = *(sb_fabric_conf *)conf.items[i];
    out->conf = cv;
    out->nconf = conf.len;
    return d->errors > errors ? -1 : 0;
}

void sb_fabric_def_write(sb_buf *out, const sb_fabric_def *def)
{
    sb_arena *a = sb_arena_new();
    sb_json *o = sb_json_new_object(a);
    sb_json_object_set(a, o, "kind",
                       sb_json_new_string(a, sb_fabric_kind_name(def->kind),
                                          strlen(sb_fabric_kind_name(def->kind))));
    bool default_auth = def->auth == (def->kind == SB_FABRIC_DATABRICKS ? SB_FABRIC_AUTH_TOKEN
                                                                         : SB_FABRIC_AUTH_NONE);
    if (!default_auth) {
        const char *an = sb_fabric_auth_name(def->auth);
        sb_json_object_set(a, o, "auth", sb_json_new_string(a, an, strlen(an)));
    }
    for (size_t k = 0; k < SB_COUNTOF(fields); k++) {
        const field_spec *fs = &fields[k];
        const char *slot = (const char *)def + fs->offset;
        if (fs->type == F_STR && fs->offset) {
            const char *s = *(const char *const *)slot;
            if (s) sb_json_object_set(a, o, fs->name, sb_json_new_string(a, s, strlen(s)));
        } else if (fs->type == F_INT && *(const int *)slot) {
            sb_json_object_set(a, o, fs->name, sb_json_new_int(a, *(const int *)slot));
        } else if (fs->type == F_NUM && *(const double *)slot > 0) {
            char num[64];
            snprintf(num, sizeof(num), "%g", *(const double *)slot);
            sb_json_object_set(a, o, fs->name, sb_json_new_number_text(a, num));
        } else if (fs->type == F_BOOL && *(const bool *)slot) {
            sb_json_object_set(a, o, fs->name, sb_json_new_bool(a, true));
        }
    }
    if (def->nconf) {
        sb_json *c = sb_json_new_object(a);
        for (size_t i = 0; i < def->nconf; i++)
            sb_json_object_set(a, c, def->conf[i].key,
                               sb_json_new_string(a, def->conf[i].value,
                                                  strlen(def->conf[i].value)));
        sb_json_object_set(a, o, "conf", c);
    }
    sb_json_write_canonical(out, o);
    sb_arena_free(a);
}

const char *sb_fabric_user_dir(sb_arena *a)
{
    const char *dir = getenv("SIBYL_FABRICS_DIR");
    if (dir && *dir) return sb_arena_strdup(a, dir);
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return sb_arena_printf(a, "%s/sibyl/fabrics", xdg);
    const char *home = getenv("HOME");
    return sb_arena_printf(a, "%s/.config/sibyl/fabrics", home && *home ? home : ".");
}

int sb_fabric_def_load(sb_arena *a, const char *project_dir, const char *name,
                       sb_fabric_def *out, sb_diags *d)
{
    if (!valid_name(name)) {
        sb_diags_add(d, SB_SEV_ERROR, "fabric-name",
                     "\"%s\" is not a fabric name (letters, digits, '_' and '-')", name);
        return -1;
    }
    const char *candidates[2] = {
        project_dir ? sb_arena_printf(a, "%s/fabrics/%s.json", project_dir, name) : NULL,
        sb_arena_printf(a, "%s/%s.json", sb_fabric_user_dir(a), name),
    };
    for (size_t i = 0; i < 2; i++) {
        if (!candidates[i]) continue;
        char *text = NULL;
        size_t len = 0;
        int rc = sb_read_file(candidates[i], &text, &len);
        if (rc == -ENOENT) continue;
        if (rc != 0) {
            sb_diag_context ctx = {.file = candidates[i]};
            sb_diags_set_context(d, &ctx);
            sb_diags_add(d, SB_SEV_ERROR, "fabric-read", "fabric %s: cannot read the definition: %s",
                         name, strerror(-rc));
            sb_diags_clear_context(d);
            return -1;
        }
        char *copy = sb_arena_strndup(a, text, len);
        free(text);
        if (sb_fabric_def_parse(a, name, candidates[i], copy, len, out, d) != 0) return -1;
        return sb_fabric_credentials_resolve(a, out, d);
    }
    sb_diag *dg = sb_diags_add(d, SB_SEV_ERROR, "fabric-unknown", "no fabric named %s", name);
    sb_diag_set_hint(d, dg, "define it with `sibyl fabric add %s --kind ...` (looked in %s%s%s)",
                     name, candidates[0] ? candidates[0] : "", candidates[0] ? " and " : "",
                     candidates[1]);
    return -1;
}

static void list_dir(sb_arena *a, const char *dir, sb_vec *names)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *ent;
    while ((ent = readdir(dh))) {
        size_t n = strlen(ent->d_name);
        if (n <= 5 || strcmp(ent->d_name + n - 5, ".json") != 0 || ent->d_name[0] == '.') continue;
        char *name = sb_arena_strndup(a, ent->d_name, n - 5);
        bool dup = false;
        for (size_t i = 0; i < names->len; i++)
            if (strcmp(names->items[i], name) == 0) dup = true;
        if (!dup) sb_vec_push(a, names, name);
    }
    closedir(dh);
}

void sb_fabric_def_list(sb_arena *a, const char *project_dir, sb_vec *names)
{
    if (project_dir) list_dir(a, sb_arena_printf(a, "%s/fabrics", project_dir), names);
    list_dir(a, sb_fabric_user_dir(a), names);
    for (size_t i = 1; i < names->len; i++)
        for (size_t j = i; j > 0 && strcmp(names->items[j - 1], names->items[j]) > 0; j--) {
            void *t = names->items[j];
            names->items[j] = names->items[j - 1];
            names->items[j - 1] = t;
        }
}
