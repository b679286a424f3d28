/*
 * http.h — a small HTTP client for the REST fabrics (Livy, Databricks),
 * on libcurl: JSON bodies, a base URL, auth (none, Basic, SPNEGO, Bearer),
 * connect and request timeouts, TLS options, and a cancel flag that aborts
 * a request in flight.
 */
#ifndef SB_FABRIC_HTTP_H
#define SB_FABRIC_HTTP_H

#include <signal.h>

#include "fabric/fabric.h"

typedef struct sb_http sb_http;

typedef struct sb_http_options {
    const char *base_url; /* no trailing slash needed */
    sb_fabric_auth auth;
    const char *user, *secret; /* Basic user/password, or the Bearer token */
    const char *ca_file;
    bool insecure;
    double connect_timeout, request_timeout; /* seconds */
    const volatile sig_atomic_t *cancel;     /* aborts a request when set */
    const char *const *headers;              /* extra "Name: value" lines, NULL-ended */
} sb_http_options;

typedef enum sb_http_outcome {
    SB_HTTP_OK,        /* a response arrived (any status) */
    SB_HTTP_TIMEOUT,   /* connect or request timed out */
    SB_HTTP_CANCELLED, /* the cancel flag was set */
    SB_HTTP_NETWORK,   /* could not connect, TLS failure, connection reset ... */
} sb_http_outcome;

typedef struct sb_http_response {
    sb_http_outcome outcome;
    long status;        /* HTTP status when outcome is SB_HTTP_OK */
    sb_buf body;        /* the response body */
    char error[320];    /* libcurl's message when outcome is not OK */
    double retry_after; /* seconds from a Retry-After header; -1 when absent */
    double ms;          /* time taken */
} sb_http_response;

sb_http *sb_http_new(const sb_http_options *opt);
void sb_http_free(sb_http *h);
/* method "GET", "POST", "DELETE"; path is appended to base_url; body is a
 * JSON text or NULL. Fills *r (free its body with sb_http_response_free).
 * Returns 0 when a response arrived, -1 otherwise (see r->outcome). */
int sb_http_request(sb_http *h, const char *method, const char *path, const char *body,
                    sb_http_response *r);
void sb_http_response_free(sb_http_response *r);

#endif
