/*
 * http.c — the libcurl wrapper behind the REST fabrics (see http.h).
 *
 * One easy handle per client, reused between requests so that connections
 * (and TLS sessions) stay open while a run is polled. Secrets are handed to
 * libcurl only; nothing here prints them.
 */
#include "fabric/http.h"
#include "fabric/fabric_internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb_http {
    CURL *curl;
    sb_http_options opt;
    char *base_url;
    char *userpwd;
    struct curl_slist *headers;
    double retry_after;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

sb_http *sb_http_new(const sb_http_options *opt)
{
    pthread_once(&curl_once, curl_init_once);
    sb_http *h = sb_xcalloc(1, sizeof(*h));
    h->opt = *opt;
    h->base_url = sb_xstrdup(opt->base_url ? opt->base_url : "");
    size_t n = strlen(h->base_url);
    while (n > 0 && h->base_url[n - 1] == '/') h->base_url[--n] = 0;
    h->curl = curl_easy_init();
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    h->headers = curl_slist_append(h->headers, "Accept: application/json");
    if (opt->auth == SB_FABRIC_AUTH_TOKEN && opt->secret) {
        sb_buf b = SB_BUF_INIT;
        sb_buf_printf(&b, "Authorization: Bearer %s", opt->secret);
        h->headers = curl_slist_append(h->headers, b.data);
        memset(b.data, 0, b.len);
        sb_buf_free(&b);
    }
    if (opt->headers)
        for (const char *const *p = opt->headers; *p; p++)
            h->headers = curl_slist_append(h->headers, *p);
    if (opt->auth == SB_FABRIC_AUTH_BASIC) {
        sb_buf b = SB_BUF_INIT;
        sb_buf_printf(&b, "%s:%s", opt->user ? opt->user : "", opt->secret ? opt->secret : "");
        h->userpwd = sb_buf_detach(&b);
    }
    return h;
}

void sb_http_free(sb_http *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    if (h->userpwd) {
        memset(h->userpwd, 0, strlen(h->userpwd));
        free(h->userpwd);
    }
    free(h->base_url);
    free(h);
}

void sb_http_response_free(sb_http_response *r)
{
    sb_buf_free(&r->body);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    sb_buf_add(ud, ptr, size * nmemb);
    return size * nmemb;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    sb_http *h = ud;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && sb_str_ieqn(ptr, sizeof(name) - 1, name)) {
        char tmp[64];
        size_t m = n - (sizeof(name) - 1);
        if (m >= sizeof(tmp)) m = sizeof(tmp) - 1;
        memcpy(tmp, ptr + sizeof(name) - 1, m);
        tmp[m] = 0;
        char *end;
        double v = strtod(tmp, &end);
        if (end != tmp && v >= 0) h->retry_after = v;
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const volatile sig_atomic_t *cancel = ud;
    return cancel && *cancel ? 1 : 0;
}

int sb_http_request(sb_http *h, const char *method, const char *path, const char *body,
                    sb_http_response *r)
{
    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
    h->retry_after = -1;
    CURL *c = h->curl;
    curl_easy_reset(c);
    sb_buf url = SB_BUF_INIT;
    sb_buf_puts(&url, h->base_url);
    sb_buf_puts(&url, path);
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sibyl/" SIBYL_VERSION);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    long cto = (long)(sb_fabric_timeout(h->opt.connect_timeout, 10) * 1000);
    long rto = (long)(sb_fabric_timeout(h->opt.request_timeout, 60) * 1000);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, cto);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rto);
    if (h->opt.cancel) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)h->opt.cancel);
    }
    if (h->opt.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, h->opt.ca_file);
    if (h->opt.insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    switch (h->opt.auth) {
    case SB_FABRIC_AUTH_BASIC:
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
        break;
    case SB_FABRIC_AUTH_KERBEROS:
        /* SPNEGO with the ticket cache: libcurl wants an empty user. */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_NEGOTIATE);
        curl_easy_setopt(c, CURLOPT_USERPWD, ":");
        break;
    default:
        break;
    }
    if (strcmp(method, "GET") != 0) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    double t0 = sb_fabric_now_ms();
    CURLcode rc = curl_easy_perform(c);
    r->ms = sb_fabric_now_ms() - t0;
    sb_buf_free(&url);
    if (!r->body.data) sb_buf_puts(&r->body, "");
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        r->outcome = SB_HTTP_OK;
        r->retry_after = h->retry_after;
        return 0;
    }
    if (!r->error[0]) snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
    if (rc == CURLE_OPERATION_TIMEDOUT) r->outcome = SB_HTTP_TIMEOUT;
    else if (rc == CURLE_ABORTED_BY_CALLBACK) r->outcome = SB_HTTP_CANCELLED;
    else r->outcome = SB_HTTP_NETWORK;
    return -1;
}
