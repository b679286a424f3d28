/*
 * auth.h — who is calling, and what they may keep secret.
 *
 *   passwords   argon2id (libsodium's crypto_pwhash_str), encoded strings
 *               that carry their own salt and cost parameters.
 *   secrets     random bearer secrets for API tokens and sign-in sessions;
 *               the store keeps only a BLAKE2b hash of each. Lookups in the
 *               store need a tenant, so the tenant id travels in clear in
 *               front of the secret: tokens are "sbt_<tenant>_<secret>",
 *               session cookies "<tenant>.<secret>".
 *   sealing     credentials at rest: XChaCha20-Poly1305 under a master key
 *               from SIBYL_MASTER_KEY or a 0600 key file; every ciphertext
 *               is stored with the id of the key that sealed it, so that a
 *               rotation can re-encrypt what older keys sealed while the
 *               servers keep running (keyring.c, reseal.c).
 *   bootstrap   the first start creates a tenant, a team and an admin.
 *   lockout     the policy for failed sign-ins (kept in the store, so that
 *               several server processes agree).
 *
 * The seam for single sign-on: a principal is a (tenant, user) pair plus how
 * it was established; OIDC, SAML and LDAP will establish one the same way a
 * password does and then open an ordinary session.
 */
#ifndef SB_AUTH_H
#define SB_AUTH_H

#include "base/base.h"
#include "store/store.h"

/* Call once before anything else here (safe to call again). Returns 0 or -1. */
int sb_auth_init(void);

/* ---- passwords ---------------------------------------------------------- */

/* An encoded argon2id hash of `password` in the arena, or NULL when the
 * hashing failed (out of memory for the cost parameters). */
char *sb_auth_password_hash(sb_arena *a, const char *password);
bool sb_auth_password_verify(const char *encoded, const char *password);
/* Is the password acceptable for a new account (length 8..1024)? */
bool sb_auth_password_ok(const char *password, const char **why);

/* ---- bearer secrets ----------------------------------------------------- */

/* `nbytes` random bytes as unpadded base64url text. */
char *sb_auth_random_text(sb_arena *a, size_t nbytes);
/* The hex BLAKE2b-256 hash under which a secret is stored. */
char *sb_auth_secret_hash(sb_arena *a, const char *secret);
/* Compare two strings in time independent of where they differ. */
bool sb_auth_equal(const char *x, const char *y);

/* Compose and split API tokens ("sbt_<tenant>_<secret>") and session
 * cookie values ("<tenant>.<secret>"). Split returns false on any other
 * shape; *secret points into the input. */
char *sb_auth_token_compose(sb_arena *a, int64_t tenant_id, const char *secret);
bool sb_auth_token_split(const char *token, int64_t *tenant_id, const char **secret);
char *sb_auth_cookie_compose(sb_arena *a, int64_t tenant_id, const char *secret);
bool sb_auth_cookie_split(const char *value, int64_t *tenant_id, const char **secret);

/* Token scopes: what a token may do beyond its user's role. */
enum { SB_SCOPE_READ = 1, SB_SCOPE_WRITE = 2, SB_SCOPE_ADMIN = 4 };
/* Parse "read write" (space-separated; unknown words are an error). */
bool sb_auth_scopes_parse(const char *s, unsigned *out);
const char *sb_auth_scopes_format(sb_arena *a, unsigned scopes);

/* ---- sealing secrets at rest ------------------------------------------- */

/* A keyring holds the current key, which seals everything new, and the
 * previous keys, which still open what they sealed until every credential
 * has been re-encrypted (sb_auth_reseal) and they are retired. */
#define SB_AUTH_MAX_KEYS 16

typedef struct sb_auth_key {
    unsigned char key[32];
    char id[17]; /* hex of the first 8 bytes of BLAKE2b(key): names the key, reveals nothing */
} sb_auth_key;

typedef struct sb_auth_keyring {
    sb_auth_key keys[SB_AUTH_MAX_KEYS]; /* [0] is the current key, then older ones, newest first */
    size_t nkeys;
    /* Where the keys came from: the key file (its path, and its identity
     * when read, to notice a rotation by another process), or
     * SIBYL_MASTER_KEY (path empty). */
    char path[1024];
    int64_t file_dev, file_ino, file_size, file_mtime_ns;
} sb_auth_keyring;

/* Load the keys: SIBYL_MASTER_KEY when set (one or more keys separated by
 * commas or white space, each 64 hex digits or base64 of 32 bytes; the
 * first is current), else DATA_DIR/master.key (one key per line, the first
 * current; lines starting with '#' are comments), created with one new key
 * and mode 0600 when missing. A key file readable by others is refused. On
 * failure returns -1 with one sentence in `err`. */
int sb_auth_keyring_load(sb_auth_keyring *k, const char *data_dir, sb_buf *err);
/* Wipe the keys from memory. */
void sb_auth_keyring_clear(sb_auth_keyring *k);
/* The id of the current key. */
const char *sb_auth_keyring_current(const sb_auth_keyring *k);
/* Does the keyring hold the key with this id? */
bool sb_auth_keyring_has(const sb_auth_keyring *k, const char *key_id);
/* Did the key file change since `k` was read (a rotation elsewhere)? Then
 * read it again into `k`. Returns 1 when reloaded, 0 when unchanged or the
 * keys come from the environment, -1 (k untouched, message in err) when the
 * new file cannot be read. */
int sb_auth_keyring_refresh(sb_auth_keyring *k, sb_buf *err);
/* Put a new random key in front of the key file's keys: it becomes current,
 * the others stay to open what they sealed. The file is rewritten
 * atomically (mode 0600) under a lock, after reading it again, so that two
 * rotations at once cannot lose a key. Refused (-1) when the keys come from
 * SIBYL_MASTER_KEY. On success `k` holds the new keyring. */
int sb_auth_keyring_rotate(sb_auth_keyring *k, sb_buf *err);
/* Remove previous keys (never the current one) from the key file, under the
 * same lock. Ids the file does not hold are ignored; *removed (may be NULL)
 * receives how many went. The caller makes sure nothing sealed with them
 * remains (sb_auth_key_usage). */
int sb_auth_keyring_retire(sb_auth_keyring *k, const char *const *ids, size_t n, size_t *removed,
                           sb_buf *err);

/* Seal plaintext under the current key (nonce || ciphertext, bound to the
 * key id and `context`, e.g. sb_auth_credential_context, so that a
 * ciphertext cannot be moved to another row). */
void sb_auth_seal(const sb_auth_keyring *k, sb_arena *a, const char *context,
                  const void *plain, size_t len, unsigned char **out, size_t *out_len);
/* Open with the key named `key_id`, current or previous; -1 when the
 * keyring lacks that key or the ciphertext was tampered with. The plaintext
 * is NUL-terminated. */
int sb_auth_open(const sb_auth_keyring *k, sb_arena *a, const char *context, const char *key_id,
                 const unsigned char *ct, size_t ct_len, char **plain, size_t *plain_len);

/* ---- credentials at rest ------------------------------------------------ */

/* The sealing context of a user's credential: its tenant, user and what it
 * is for (a fabric, or a Git host), so that a sealed secret copied onto
 * another user's or another fabric's row does not open. */
char *sb_auth_credential_context(sb_arena *a, int64_t tenant_id, const sb_store_credential *c);

typedef struct sb_auth_reseal_stats {
    int64_t tenants;    /* tenants visited */
    int64_t resealed;   /* credentials re-encrypted under the current key */
    int64_t unreadable; /* sealed with a key the keyring lacks, or damaged: left as they are */
    int64_t raced;      /* changed by their owner meanwhile (and so sealed afresh) */
} sb_auth_reseal_stats;

/* Re-encrypt every credential of every tenant that is not sealed under the
 * keyring's current key, `batch` credentials per write transaction (0: 100)
 * so that servers keep serving between batches. A credential its owner
 * changes meanwhile is left to its new sealing. Returns 0, or a store
 * status with one sentence in `err`; the stats count what was done either
 * way. */
int sb_auth_reseal(sb_store *s, const sb_auth_keyring *k, size_t batch,
                   sb_auth_reseal_stats *stats, sb_buf *err);

/* How many credentials each key sealed, across all tenants. */
typedef struct sb_auth_key_usage {
    const char *key_id;
    int64_t credentials;
    bool known; /* the keyring holds this key */
} sb_auth_key_usage;

/* Count credentials by key id (sb_auth_key_usage* items in `a`, the
 * keyring's keys first, in keyring order, even when unused). *unreadable
 * counts those sealed with a key the keyring lacks and, with `verify`
 * (which opens every credential), those that do not open. Returns 0 or a
 * store status (message in err). */
int sb_auth_key_usage_list(sb_store *s, sb_arena *a, const sb_auth_keyring *k, bool verify,
                           sb_vec *usage, int64_t *unreadable, sb_buf *err);

/* ---- sign-in policy ---------------------------------------------------- */

typedef struct sb_auth_policy {
    int max_failed_logins;      /* consecutive failures before a lock (default 5) */
    int64_t lockout_ms;         /* how long a lock lasts (default 15 minutes) */
    int64_t session_ttl_ms;     /* sliding session lifetime (default 12 hours) */
    int64_t token_max_ttl_ms;   /* longest allowed token lifetime; 0: unlimited */
} sb_auth_policy;

void sb_auth_policy_defaults(sb_auth_policy *p);

typedef enum sb_auth_login_result {
    SB_LOGIN_OK,
    SB_LOGIN_BAD,    /* unknown tenant or user, wrong password, disabled: one answer */
    SB_LOGIN_LOCKED, /* too many failures: wait */
    SB_LOGIN_ERROR,  /* the store failed */
} sb_auth_login_result;

/* Check a password sign-in and record its outcome in the store (counters,
 * lock, audit). On success *user_id is set. Runs its own write transaction. */
sb_auth_login_result sb_auth_login(sb_store *s, sb_arena *a, const sb_auth_policy *pol,
                                   int64_t tenant_id, const char *login, const char *password,
                                   int64_t now_ms, int64_t *user_id);

/* ---- first start ------------------------------------------------------- */

typedef struct sb_auth_bootstrap {
    const char *tenant_slug;    /* e.g. "default" */
    const char *admin_login;    /* e.g. "admin" */
    const char *admin_password; /* NULL: generate one */
    const char *team_name;      /* the first team, e.g. "default" */
    /* out */
    bool created;
    int64_t tenant_id, admin_id, team_id;
    const char *generated_password; /* set when one was generated: print it once */
} sb_auth_bootstrap;

/* Make sure the tenant exists; when it does not, create it with a team and
 * a tenant admin. Returns 0 or a store status (message in `err`). */
int sb_auth_bootstrap_tenant(sb_store *s, sb_arena *a, sb_auth_bootstrap *b, sb_buf *err);

/* Milliseconds since the epoch. */
int64_t sb_auth_now_ms(void);

#endif
