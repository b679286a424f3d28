/*
 * api_ops.c — endpoints for operators and load balancers: liveness,
 * readiness (the store answers), Prometheus metrics, the OpenAPI document.
 */
#include "server/server_internal.h"

#include <string.h>

void sb_api_healthz(sb_req *r)
{
    r->content_type = "text/plain; charset=utf-8";
    sb_buf_puts(&r->out, "ok\n");
}

void sb_api_readyz(sb_req *r)
{
    int v = 0;
    if (atomic_load(&r->srv->stopping)) {
        sb_req_error(r, 503, "stopping", "the server is shutting down");
        return;
    }
    if (sb_store_schema_version(r->store, &v) != SB_STORE_OK || v != sb_store_latest_version()) {
        sb_req_error(r, 503, "unready", "the store is not reachable or not migrated");
        return;
    }
    r->content_type = "text/plain; charset=utf-8";
    sb_buf_puts(&r->out, "ready\n");
}

void sb_api_metrics(sb_req *r)
{
    static const char *bounds[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                   "0.05",   "0.1",   "0.25",   "0.5",   "1",     "+Inf"};
    sb_server *s = r->srv;
    sb_buf *o = &r->out;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    sb_buf_puts(o, "# HELP sibyl_http_requests_total HTTP requests answered, by status class.\n"
                   "# TYPE sibyl_http_requests_total counter\n");
    for (int c = 1; c <= 5; c++)
        sb_buf_printf(o, "sibyl_http_requests_total{code=\"%dxx\"} %ld\n", c,
                      atomic_load(&s->requests[c]));
    sb_buf_puts(o, "# HELP sibyl_http_request_duration_seconds Time to answer a request.\n"
                   "# TYPE sibyl_http_request_duration_seconds histogram\n");
    long cum = 0;
    for (size_t i = 0; i < SB_COUNTOF(bounds); i++) {
        cum += atomic_load(&s->latency_buckets[i]);
        sb_buf_printf(o, "sibyl_http_request_duration_seconds_bucket{le=\"%s\"} %ld\n", bounds[i],
                      cum);
    }
    sb_buf_printf(o, "sibyl_http_request_duration_seconds_sum %.6f\n",
                  (double)atomic_load(&s->latency_sum_us) / 1e6);
    sb_buf_printf(o, "sibyl_http_request_duration_seconds_count %ld\n", cum);
    sb_buf_printf(o,
                  "# HELP sibyl_http_response_bytes_total Bytes of response bodies sent.\n"
                  "# TYPE sibyl_http_response_bytes_total counter\n"
                  "sibyl_http_response_bytes_total %ld\n",
                  atomic_load(&s->bytes_out));
    /* This request is itself in flight. */
    sb_buf_printf(o,
                  "# HELP sibyl_http_requests_in_flight Requests being answered.\n"
                  "# TYPE sibyl_http_requests_in_flight gauge\n"
                  "sibyl_http_requests_in_flight %ld\n",
                  atomic_load(&s->in_flight));
    sb_buf_printf(o,
                  "# HELP sibyl_start_time_seconds When the server started.\n"
                  "# TYPE sibyl_start_time_seconds gauge\n"
                  "sibyl_start_time_seconds %.3f\n",
                  (double)s->started_ms / 1000.0);
    sb_runs_metrics(s, o);
}

void sb_api_openapi(sb_req *r)
{
    r->content_type = "application/json";
    sb_buf_add(&r->out, sb_openapi_json, sb_openapi_json_len);
}
