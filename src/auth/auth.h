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
 *               is stored with the id of the key that sealed it.
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

typedef struct sb_auth_keyring {
    unsigned char key[32];
    char key_id[17]; /* hex of the first 8 bytes of BLAKE2b(key): names the key, reveals nothing */
} sb_auth_keyring;

/* Load the master key: SIBYL_MASTER_KEY (64 hex digits or base64 of 32
 * bytes) when set, else DATA_DIR/master.key, created with mode 0600 when
 * missing. A key file readable by others is refused. On failure returns -1
 * with one sentence in `err`. */
int sb_auth_keyring_load(sb_auth_keyring *k, const char *data_dir, sb_buf *err);
/* Wipe the key from memory. */
void sb_auth_keyring_clear(sb_auth_keyring *k);
/* Seal plaintext (nonce || ciphertext, bound to the key id and `context`,
 * e.g. "fabric:12" so that a ciphertext cannot be moved to another row). */
void sb_auth_seal(const sb_auth_keyring *k, sb_arena *a, const char *context,
                  const void *plain, size_t len, unsigned char **out, size_t *out_len);
/* Open; -1 when the key id differs or the ciphertext was tampered with.
 * The plaintext is NUL-terminated. */
int sb_auth_open(const sb_auth_keyring *k, sb_arena *a, const char *context, const char *key_id,
                 const unsigned char *ct, size_t ct_len, char **plain, size_t *plain_len);

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
