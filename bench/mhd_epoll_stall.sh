#!/usr/bin/env bash
# Reproduces, without sibyl, the stall bench/RESULTS.md describes: a
# libmicrohttpd server with `sibyl serve`'s flags (internal polling thread,
# epoll, ITC, suspend/resume), one thread, an 8 KB answer, driven by wrk on
# CONNS connections; then the same server with poll instead of epoll. Prints
# requests/s and how many server sockets were left in CLOSE-WAIT.
#   bench/mhd_epoll_stall.sh [CONNS]   (default 256)
set -euo pipefail
conns=${1:-256}
command -v wrk >/dev/null || { echo "mhd_epoll_stall: needs wrk: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/m.c" <<'C'
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char body[8360];

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *up,
                              size_t *upsz, void **cc)
{
    if (!*cc) {
        *cc = (void *)1;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body, body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ok = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

int main(int argc, char **argv)
{
    memset(body, 'x', sizeof body);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
                     (strcmp(argv[2], "epoll") == 0 ? MHD_USE_EPOLL : MHD_USE_POLL);
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)atoi(argv[1]), NULL, NULL, on_req, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        30u, MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)65536, MHD_OPTION_END);
    if (!d) return 1;
    pause();
    return 0;
}
C
cc -O2 -o "$work/m" "$work/m.c" $(pkg-config --cflags --libs libmicrohttpd)
echo "libmicrohttpd $(pkg-config --modversion libmicrohttpd), $conns connections, 5 s each"
for mode in epoll poll; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$work/m" "$port" "$mode" & pid=$!
  sleep 0.3
  rps=$(wrk -t1 -c"$conns" -d5s --timeout 3s "http://127.0.0.1:$port/" | sed -n 's/Requests\/sec: *//p')
  cw=$(ss -tan "( sport = :$port )" | grep -c CLOSE-WAIT || true)
  echo "$mode: $rps requests/s, $cw server sockets left in CLOSE-WAIT"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
