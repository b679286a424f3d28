/*
 * fuzz_api_request.c — libFuzzer target for the API server's request
 * handling: the HTTP layer, the router and every handler with its JSON
 * parsing, in-process against a temporary SQLite store.
 *
 * The first input starts the server (sb_server_start, two worker threads) on
 * a loopback port of this process, over a new data directory (in /dev/shm
 * where there is one, so that commits cost no disk flush) with two tenants,
 * a project with a pipeline, a dataset and a configuration, and a second
 * user. Each input then becomes one HTTP request to it:
 *
 *   byte 0        who calls: 0 nobody, 1 the tenant administrator with an
 *                 API token of every scope, 2 the administrator signed in
 *                 (session cookie and CSRF token), 3 a read-only token,
 *                 4 a session cookie without the CSRF token
 *   line 1        METHOD PATH (the path may carry a query string)
 *   lines 2..     headers, "Name: value", up to an empty line
 *   the rest      the body
 *
 * Bytes that cannot appear in a request line or a header are escaped, and
 * the harness sets Host, Content-Length and Connection itself, so that the
 * server sees a well-formed request and the fuzzer's effort goes into the
 * handlers. The server must answer every request, never with a 5xx other
 * than 503 (busy), and a JSON answer must be JSON. Tokens and sessions the
 * input revokes (or a lockout ends) are made again directly in the store.
 *
 *   build-fuzz/fuzz/fuzz_api_request fuzz/corpus/api_request
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/json.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *PASSWORD = "fuzz-password-123";

static struct {
    bool ready;
    char dir[64];
    sb_auth_keyring keys;
    sb_server *srv;
    sb_store *store; /* the harness's own connection, for minting credentials */
    int port;
    int64_t tenant, admin;
    char token[128], read_token[128], cookie[128], csrf[64];
} H;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_api_request: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* ---- credentials, made in the store ------------------------------------------ */

static void mint_token(char *out, size_t n, const char *scopes)
{
    sb_arena *a = sb_arena_new();
    const char *secret = sb_auth_random_text(a, 32);
    sb_store_token t = {.user_id = H.admin,
                        .name = "fuzz",
                        .scopes = scopes,
                        .hash = sb_auth_secret_hash(a, secret)};
    sb_store_tx *tx;
    if (sb_store_begin(H.store, a, H.tenant, H.admin, SB_STORE_WRITE, &tx) != SB_STORE_OK ||
        sb_store_token_create(tx, &t) != SB_STORE_OK || sb_store_commit(tx) != SB_STORE_OK)
        die("cannot make a token", sb_store_errmsg(H.store));
    snprintf(out, n, "%s", sb_auth_token_compose(a, H.tenant, secret));
    sb_arena_free(a);
}

static void mint_session(void)
{
    sb_arena *a = sb_arena_new();
    const char *secret = sb_auth_random_text(a, 32), *csrf = sb_auth_random_text(a, 24);
    int64_t now = sb_auth_now_ms();
    sb_store_session ss = {.user_id = H.admin,
                           .hash = sb_auth_secret_hash(a, secret),
                           .csrf = sb_auth_secret_hash(a, csrf),
                           .expires_at = now + 3600 * 1000,
                           .last_seen_at = now};
    sb_store_tx *tx;
    if (sb_store_begin(H.store, a, H.tenant, H.admin, SB_STORE_WRITE, &tx) != SB_STORE_OK ||
        sb_store_session_create(tx, &ss) != SB_STORE_OK || sb_store_commit(tx) != SB_STORE_OK)
        die("cannot make a session", sb_store_errmsg(H.store));
    snprintf(H.cookie, sizeof H.cookie, "%s", sb_auth_cookie_compose(a, H.tenant, secret));
    snprintf(H.csrf, sizeof H.csrf, "%s", csrf);
    sb_arena_free(a);
}

/* ---- one HTTP exchange ----------------------------------------------------- */

typedef struct answer {
    int status;
    bool json;
    const char *body;
    size_t body_len;
} answer;

/* Send `req` and read the answer until the server closes; `resp` holds it. */
static answer exchange(const sb_buf *req, sb_buf *resp)
{
    answer an = {0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket", NULL);
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)H.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("cannot connect", NULL);
    size_t off = 0;
    while (off < req->len) {
        ssize_t n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (n <= 0) break; /* answered early (413) and closed */
        off += (size_t)n;
    }
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) die("no answer within 20 s", NULL);
        if (n == 0) break;
        sb_buf_add(resp, buf, (size_t)n);
    }
    close(fd);
    sb_buf_putc(resp, 0);
    resp->len--;
    const char *t = resp->data ? resp->data : "";
    /* Skip interim 100 Continue answers. */
    while (strncmp(t, "HTTP/1.1 100", 12) == 0) {
        const char *e = strstr(t, "\r\n\r\n");
        if (!e) break;
        t = e + 4;
    }
    if (strncmp(t, "HTTP/1.", 7) != 0 || strlen(t) < 12) return an;
    an.status = atoi(t + 9);
    const char *head_end = strstr(t, "\r\n\r\n");
    if (!head_end) return an;
    for (const char *l = t; l < head_end; l = strstr(l, "\r\n") + 2)
        if (strncasecmp(l, "Content-Type: application/json", 30) == 0) an.json = true;
    an.body = head_end + 4;
    an.body_len = (size_t)(resp->data + resp->len - an.body);
    return an;
}

/* A request the harness itself makes while setting up (as the admin). */
static answer call(const char *method, const char *path, const char *body, sb_buf *resp)
{
    sb_buf req = SB_BUF_INIT;
    sb_buf_printf(&req,
                  "%s %s HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
                  "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\n\r\n%s",
                  method, path, H.token, strlen(body), body);
    answer an = exchange(&req, resp);
    sb_buf_free(&req);
    return an;
}

/* ---- setting up ------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* At exit, not after a crash: a crash leaves the store to look at. */
static void remove_dir(void)
{
    nftw(H.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(H.dir, sizeof H.dir, "%s/sibyl-fuzz-api-XXXXXX", base);
    if (!mkdtemp(H.dir)) die("mkdtemp", NULL);
    atexit(remove_dir);
    sb_buf err = SB_BUF_INIT;
    if (sb_auth_init() != 0) die("libsodium", NULL);
    if (sb_auth_keyring_load(&H.keys, H.dir, &err) != 0) die("keyring", sb_buf_str(&err));
    if (sb_store_open_dir(H.dir, NULL, &H.store) != SB_STORE_OK)
        die("store", sb_store_errmsg(H.store));
    sb_arena *a = sb_arena_new();
    const char *tenants[] = {"other", "default"};
    for (size_t i = 0; i < 2; i++) {
        sb_auth_bootstrap b = {.tenant_slug = tenants[i],
                               .admin_login = "admin",
                               .admin_password = PASSWORD,
                               .team_name = "default"};
        if (sb_auth_bootstrap_tenant(H.store, a, &b, &err) != SB_STORE_OK)
            die("bootstrap", sb_buf_str(&err));
        H.tenant = b.tenant_id;
        H.admin = b.admin_id;
    }
    sb_arena_free(a);

    sb_server_config cfg;
    sb_server_config_defaults(&cfg);
    cfg.port = 0;
    cfg.data_dir = H.dir;
    cfg.threads = 2;
    cfg.timeout_s = 10;
    cfg.max_body = 1 << 16;
    cfg.access_log = false;
    cfg.secure_cookies = false;
    H.srv = sb_server_start(&cfg, &H.keys, &err);
    if (!H.srv) die("server", sb_buf_str(&err));
    H.port = sb_server_port(H.srv);
    sb_buf_free(&err);

    mint_token(H.token, sizeof H.token, "read write admin");
    mint_token(H.read_token, sizeof H.read_token, "read");
    mint_session();

    /* Something for the handlers to find: ids 1 are these objects. */
    static const char *const seed[][3] = {
        {"POST", "/api/v1/projects", "{\"team_id\": 2, \"name\": \"shop\"}"},
        {"PUT", "/api/v1/projects/1/pipelines/orders",
         "{\"gems\": {\"o\": {\"kind\": \"Seed\", \"schema\": [{\"name\": \"id\", \"type\": "
         "\"int\"}, {\"name\": \"amount\", \"type\": \"double\"}], \"rows\": [[1, 2.5]]}, "
         "\"big\": {\"kind\": \"Filter\", \"inputs\": [\"o\"], \"condition\": \"amount > 2\"}}}"},
        {"PUT", "/api/v1/projects/1/datasets/sales",
         "{\"format\": \"csv\", \"path\": \"data/sales.csv\"}"},
        {"PUT", "/api/v1/projects/1/configs/prod", "{\"values\": {}}"},
        {"POST", "/api/v1/users", "{\"login\": \"vera\", \"password\": \"fuzz-password-123\"}"},
    };
    for (size_t i = 0; i < SB_COUNTOF(seed); i++) {
        sb_buf resp = SB_BUF_INIT;
        answer an = call(seed[i][0], seed[i][1], seed[i][2], &resp);
        if (an.status >= 500) die("seeding the store failed", resp.data);
        sb_buf_free(&resp);
    }
    H.ready = true;
}

/* ---- the input as a request ------------------------------------------------ */

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void put_escaped_path(sb_buf *b, const char *s, size_t n)
{
    if (n == 0 || s[0] != '/') sb_buf_putc(b, '/');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f)
            sb_buf_printf(b, "%%%02X", c);
        else
            sb_buf_putc(b, (char)c);
    }
}

static const char *next_line(const char *p, const char *end, size_t *len)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    *len = (size_t)(e - p);
    if (*len && p[*len - 1] == '\r') (*len)--;
    return nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!H.ready) setup();
    if (size < 1) return 0;
    unsigned who = data[0] % 5;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    sb_buf req = SB_BUF_INIT;

    size_t n;
    const char *line = p;
    p = next_line(p, end, &n);
    const char *sp = memchr(line, ' ', n);
    size_t mlen = sp ? (size_t)(sp - line) : n;
    if (mlen == 0 || mlen > 16) sb_buf_puts(&req, "GET");
    for (size_t i = 0; i < mlen && mlen <= 16; i++)
        sb_buf_putc(&req, is_tchar((unsigned char)line[i]) ? line[i] : 'X');
    sb_buf_putc(&req, ' ');
    if (sp)
        put_escaped_path(&req, sp + 1, n - mlen - 1);
    else
        sb_buf_putc(&req, '/');
    sb_buf_puts(&req, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
    /* The harness's credentials come first: the server reads the first of
     * repeated headers, so the input's own cannot shadow them. */
    if (who == 1) sb_buf_printf(&req, "Authorization: Bearer %s\r\n", H.token);
    if (who == 3) sb_buf_printf(&req, "Authorization: Bearer %s\r\n", H.read_token);
    if (who == 2 || who == 4) sb_buf_printf(&req, "Cookie: sibyl_session=%s\r\n", H.cookie);
    if (who == 2) sb_buf_printf(&req, "X-CSRF-Token: %s\r\n", H.csrf);

    while (p < end) {
        line = p;
        p = next_line(p, end, &n);
        if (n == 0) break;
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line) continue;
        size_t nlen = (size_t)(colon - line);
        static const char *const ours[] = {"host", "connection", "content-length",
                                           "transfer-encoding"};
        bool skip = false;
        for (size_t i = 0; i < SB_COUNTOF(ours); i++)
            skip = skip || (nlen == strlen(ours[i]) && strncasecmp(line, ours[i], nlen) == 0);
        if (skip) continue;
        for (size_t i = 0; i < nlen; i++)
            sb_buf_putc(&req, is_tchar((unsigned char)line[i]) ? line[i] : 'X');
        sb_buf_puts(&req, ": ");
        for (const char *v = colon + 1; v < line + n; v++) {
            unsigned char c = (unsigned char)*v;
            sb_buf_putc(&req, (c < 0x20 && c != '\t') || c == 0x7f ? ' ' : (char)c);
        }
        sb_buf_puts(&req, "\r\n");
    }
    size_t body_len = (size_t)(end - p);
    sb_buf_printf(&req, "Content-Length: %zu\r\n\r\n", body_len);
    sb_buf_add(&req, p, body_len);

    sb_buf resp = SB_BUF_INIT;
    answer an = exchange(&req, &resp);
    if (an.status == 0) die("no HTTP answer to", req.data);
    if (an.status >= 500 && an.status != 503) {
        fprintf(stderr, "request:\n%.*s\n\nanswer:\n%s\n", (int)req.len, req.data, resp.data);
        die("a 5xx answer", NULL);
    }
    if (an.json && an.body_len) {
        sb_arena *a = sb_arena_new();
        sb_diags d;
        sb_diags_init(&d, a);
        if (!sb_json_parse(a, an.body, an.body_len, &d)) {
            fprintf(stderr, "request:\n%.*s\n\nanswer:\n%s\n", (int)req.len, req.data, resp.data);
            die("a JSON answer that is not JSON", NULL);
        }
        sb_arena_free(a);
    }
    /* Credentials the request revoked, or a lockout ended, are made again. */
    if (an.status == 401 && (who == 1 || who == 3)) {
        mint_token(H.token, sizeof H.token, "read write admin");
        mint_token(H.read_token, sizeof H.read_token, "read");
    }
    if (an.status == 401 && (who == 2 || who == 4)) mint_session();
    sb_buf_free(&resp);
    sb_buf_free(&req);
    return 0;
}
