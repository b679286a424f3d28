/*
 * cmd_key.c — `sibyl key status|rotate|reseal|prune`: the master keys that
 * seal the users' credentials at rest (src/auth/keyring.c), and rotating
 * them without stopping the servers.
 *
 *   rotate   a new current key in the key file, then every credential
 *            re-encrypted under it, in batches of short transactions;
 *            running servers notice the new file and follow
 *   reseal   the re-encryption alone (after changing SIBYL_MASTER_KEY)
 *   prune    remove previous keys that no credential needs any more
 *   status   the keys, and how many credentials each one seals
 *
 * The procedure, and what to do with several servers, is in
 * docs/security.md.
 */
#include "cli/admin_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct key_args {
    sb_cli_admin o;
    const char *sub;
    bool verify;
    size_t batch;
} key_args;

static int fail_usage(const char *fmt, const char *arg)
{
    return sb_cli_usage_error(&sb_cmd_key, fmt, arg);
}

static int load_keys(const key_args *k, sb_auth_keyring *ring)
{
    sb_buf err = SB_BUF_INIT;
    int rc = SB_EXIT_OK;
    /* Loading creates a key file when there is none, which is right for a
     * first start and wrong here: a missing key is an error to report. */
    const char *env = getenv("SIBYL_MASTER_KEY");
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/master.key", k->o.data);
    if (!(env && *env) && lstat(path, &st) != 0) {
        fprintf(stderr, "sibyl key: no master key: %s: %s, and SIBYL_MASTER_KEY is not set\n", path,
                strerror(errno));
        rc = SB_EXIT_IO;
    } else if (sb_auth_init() != 0) {
        fprintf(stderr, "sibyl key: libsodium failed to initialise\n");
        rc = SB_EXIT_IO;
    } else if (sb_auth_keyring_load(ring, k->o.data, &err) != 0) {
        fprintf(stderr, "sibyl key: %s\n", sb_buf_str(&err));
        rc = SB_EXIT_IO;
    }
    sb_buf_free(&err);
    return rc;
}

static void print_usage(const key_args *k, const sb_auth_keyring *ring, const sb_vec *usage,
                        int64_t unreadable)
{
    if (k->o.json) {
        sb_arena *a = sb_arena_new();
        sb_json *o = sb_json_new_object(a);
        const char *src = ring->path[0] ? "file" : "environment";
        sb_json_object_set(a, o, "source", sb_cli_admin_json_str(a, src));
        const char *cur = sb_auth_keyring_current(ring);
        sb_json_object_set(a, o, "current", sb_cli_admin_json_str(a, cur));
        sb_json *arr = sb_json_new_array(a);
        for (size_t i = 0; i < usage->len; i++) {
            const sb_auth_key_usage *u = usage->items[i];
            sb_json *kj = sb_json_new_object(a);
            sb_json_object_set(a, kj, "id", sb_cli_admin_json_str(a, u->key_id));
            sb_json_object_set(a, kj, "current", sb_json_new_bool(a, strcmp(u->key_id, cur) == 0));
            sb_json_object_set(a, kj, "known", sb_json_new_bool(a, u->known));
            sb_json_object_set(a, kj, "credentials", sb_json_new_int(a, u->credentials));
            sb_json_array_push(a, arr, kj);
        }
        sb_json_object_set(a, o, "keys", arr);
        sb_json_object_set(a, o, "unreadable", sb_json_new_int(a, unreadable));
        sb_cli_admin_print_json(o);
        sb_arena_free(a);
        return;
    }
    if (ring->path[0])
        printf("keys from %s\n", ring->path);
    else
        printf("keys from SIBYL_MASTER_KEY\n");
    for (size_t i = 0; i < usage->len; i++) {
        const sb_auth_key_usage *u = usage->items[i];
        const char *what = i == 0 ? "current" : u->known ? "previous" : "MISSING";
        printf("  %-16s  %-8s  %lld credential%s\n", u->key_id, what, (long long)u->credentials,
               u->credentials == 1 ? "" : "s");
    }
    if (unreadable)
        printf("%lld credential%s cannot be opened: %s\n", (long long)unreadable,
               unreadable == 1 ? "" : "s",
               "their key is missing or they are damaged; their owners must set them again");
}

static int key_status(key_args *k, sb_arena *a, sb_auth_keyring *ring, sb_store *s)
{
    sb_vec usage = {0};
    int64_t unreadable = 0;
    sb_buf err = SB_BUF_INIT;
    int st = sb_auth_key_usage_list(s, a, ring, k->verify, &usage, &unreadable, &err);
    if (st != SB_STORE_OK) {
        fprintf(stderr, "sibyl key: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        return SB_EXIT_IO;
    }
    sb_buf_free(&err);
    print_usage(k, ring, &usage, unreadable);
    return unreadable ? SB_EXIT_PROBLEMS : SB_EXIT_OK;
}

static int reseal(key_args *k, sb_auth_keyring *ring, sb_store *s)
{
    sb_auth_reseal_stats st;
    sb_buf err = SB_BUF_INIT;
    int rc = sb_auth_reseal(s, ring, k->batch, &st, &err);
    if (rc != SB_STORE_OK) {
        fprintf(stderr,
                "sibyl key: %s\nsibyl key: %lld credential%s re-encrypted before that; run "
                "`sibyl key reseal` again to finish\n",
                sb_buf_str(&err), (long long)st.resealed, st.resealed == 1 ? "" : "s");
        sb_buf_free(&err);
        return SB_EXIT_IO;
    }
    sb_buf_free(&err);
    printf("re-encrypted %lld credential%s under key %s (%lld tenant%s)\n", (long long)st.resealed,
           st.resealed == 1 ? "" : "s", sb_auth_keyring_current(ring), (long long)st.tenants,
           st.tenants == 1 ? "" : "s");
    if (st.raced)
        printf("%lld credential%s set again by their owners meanwhile\n", (long long)st.raced,
               st.raced == 1 ? " was" : "s were");
    if (st.unreadable) {
        printf("%lld credential%s cannot be opened with the keys at hand and stay as they are "
               "(see `sibyl key status`)\n",
               (long long)st.unreadable, st.unreadable == 1 ? "" : "s");
        return SB_EXIT_PROBLEMS;
    }
    return SB_EXIT_OK;
}

static int key_rotate(key_args *k, sb_auth_keyring *ring, sb_store *s)
{
    sb_buf err = SB_BUF_INIT;
    char old[17];
    snprintf(old, sizeof old, "%s", sb_auth_keyring_current(ring));
    if (sb_auth_keyring_rotate(ring, &err) != 0) {
        fprintf(stderr, "sibyl key: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        return SB_EXIT_IO;
    }
    sb_buf_free(&err);
    printf("new current key %s in %s (the previous key %s still opens what it sealed)\n",
           sb_auth_keyring_current(ring), ring->path, old);
    return reseal(k, ring, s);
}

static int key_prune(key_args *k, sb_arena *a, sb_auth_keyring *ring, sb_store *s)
{
    sb_vec usage = {0};
    int64_t unreadable = 0;
    sb_buf err = SB_BUF_INIT;
    int st = sb_auth_key_usage_list(s, a, ring, false, &usage, &unreadable, &err);
    if (st != SB_STORE_OK) {
        fprintf(stderr, "sibyl key: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        return SB_EXIT_IO;
    }
    const char **unused = sb_arena_alloc(a, (usage.len + 1) * sizeof *unused);
    size_t n = 0;
    for (size_t i = 1; i < usage.len; i++) {
        const sb_auth_key_usage *u = usage.items[i];
        if (u->known && u->credentials == 0)
            unused[n++] = u->key_id;
        else if (u->known)
            printf("keeping key %s: it still seals %lld credential%s (`sibyl key reseal`)\n",
                   u->key_id, (long long)u->credentials, u->credentials == 1 ? "" : "s");
    }
    size_t removed = 0;
    if (n && sb_auth_keyring_retire(ring, unused, n, &removed, &err) != 0) {
        fprintf(stderr, "sibyl key: %s\n", sb_buf_str(&err));
        sb_buf_free(&err);
        return SB_EXIT_IO;
    }
    sb_buf_free(&err);
    for (size_t i = 0; i < n; i++) printf("retired key %s\n", unused[i]);
    if (!removed) printf("no unused previous keys\n");
    return SB_EXIT_OK;
}

static int run_key(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (sb_cli_is_help(argv[i])) return sb_cli_print_help(&sb_cmd_key);
    if (argc < 2)
        return sb_cli_usage_error(&sb_cmd_key, "which action? status, rotate, reseal or prune");
    key_args k = {.sub = argv[1]};
    sb_cli_admin_defaults(&k.o);
    for (int i = 2; i < argc; i++) {
        int got = sb_cli_admin_option(&sb_cmd_key, &k.o, argc, argv, &i);
        if (got < 0) return SB_EXIT_USAGE;
        if (got) continue;
        if (strcmp(argv[i], "--verify") == 0)
            k.verify = true;
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            int v = atoi(argv[++i]);
            if (v <= 0 || v > 100000)
                return fail_usage("--batch is 1 to 100000, not '%s'", argv[i]);
            k.batch = (size_t)v;
        } else
            return fail_usage("unknown option or missing value: '%s'", argv[i]);
    }
    bool known = strcmp(k.sub, "status") == 0 || strcmp(k.sub, "rotate") == 0 ||
                 strcmp(k.sub, "reseal") == 0 || strcmp(k.sub, "prune") == 0;
    if (!known) return fail_usage("unknown action '%s' (status, rotate, reseal, prune)", k.sub);
    sb_auth_keyring ring;
    memset(&ring, 0, sizeof ring);
    sb_store *s = NULL;
    int rc = sb_cli_admin_open(&sb_cmd_key, &k.o, &s);
    if (rc == SB_EXIT_OK) rc = load_keys(&k, &ring);
    if (rc == SB_EXIT_OK) {
        sb_arena *a = sb_arena_new();
        if (strcmp(k.sub, "status") == 0)
            rc = key_status(&k, a, &ring, s);
        else if (strcmp(k.sub, "rotate") == 0)
            rc = key_rotate(&k, &ring, s);
        else if (strcmp(k.sub, "reseal") == 0)
            rc = reseal(&k, &ring, s);
        else
            rc = key_prune(&k, a, &ring, s);
        sb_arena_free(a);
    }
    sb_store_close(s);
    sb_auth_keyring_clear(&ring);
    return rc;
}

const sb_command sb_cmd_key = {
    .name = "key",
    .summary = "Rotate the master keys that seal credentials",
    .usage = "sibyl key status [--verify] [--format text|json]\n"
             "       sibyl key rotate [--batch N]\n"
             "       sibyl key reseal [--batch N]\n"
             "       sibyl key prune\n"
             "       (each with [--data DIR] [--store URL])",
    .help = "The users' credentials (fabric tokens, Git tokens) are sealed at rest with the\n"
            "master key in DIR/master.key (or SIBYL_MASTER_KEY). The key file holds the\n"
            "current key, which seals, and previous keys, which open what they sealed.\n\n"
            "  status   the keys and how many credentials each one seals; --verify also\n"
            "           opens every credential (exit 1 when some cannot be opened)\n"
            "  rotate   put a new current key in the key file, then re-encrypt every\n"
            "           credential under it, N per transaction (default 100); servers\n"
            "           keep serving and pick up the new key by themselves\n"
            "  reseal   re-encrypt under the current key only (after SIBYL_MASTER_KEY\n"
            "           changed, or to finish an interrupted rotation)\n"
            "  prune    remove previous keys that no credential is sealed with any more\n\n"
            "With the keys in SIBYL_MASTER_KEY, sibyl cannot change them: put a new key in\n"
            "front of the old ones in the variable (comma-separated), restart the servers\n"
            "one by one, run `sibyl key reseal`, and later drop the old key. See\n"
            "docs/security.md.\n\n"
            "Options:\n"
            "  --data DIR       the data directory of `sibyl serve` (default $SIBYL_DATA,\n"
            "                   else ./sibyl-data): its master.key and, unless --store, its\n"
            "                   database\n"
            "  --store URL      the store, when it is not SQLite in DIR (e.g. postgresql://...)\n",
    .run = run_key,
};
