"""Slow clients and connection floods against `sibyl serve --timeout 2`.

- Clients that send their headers, or their body, a byte a second are cut
  off once the timeout has passed, long before they would finish, while
  other clients are served promptly the whole time.
- A flood of connections (idle, half-sent requests, garbage, more than the
  connection limit) does not crash the server; once it is over the server
  answers again.

Usage: slow_clients_test.py SIBYL  (tests/server/slow_clients.sh)
"""
import os
import re
import resource
import socket
import sys
import tempfile
import threading
import time

from serverlib import Checks, Client, Server

SIBYL = os.path.abspath(sys.argv[1])
TIMEOUT = 2
check = Checks("slow clients")


def slow_sender(port, payload, result, i):
    """Send `payload` a byte a second; record when the server cut us off."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    try:
        for b in payload:
            s.sendall(bytes([b]))
            time.sleep(1)
            if time.monotonic() - t0 > 25:
                result[i] = ("never cut off", time.monotonic() - t0)
                return
        data = s.recv(4096)
        result[i] = ("answered" if data else "closed after the whole request",
                     time.monotonic() - t0)
    except OSError:
        # The server shut the connection down: a send fails (EPIPE / reset).
        result[i] = ("cut off", time.monotonic() - t0)
    finally:
        s.close()


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    data = tempfile.mkdtemp(prefix="sibyl-slow-")
    srv = Server(SIBYL, data, None, ["--timeout", str(TIMEOUT), "--threads", "2",
                                     "--no-access-log"])
    try:
        slow(srv)
        flood(srv)
    finally:
        rc = srv.stop()
    check(rc == 0, f"the server stops cleanly after all that ({rc})")
    one = Server(SIBYL, tempfile.mkdtemp(prefix="sibyl-keepalive-"), None,
                 ["--timeout", str(TIMEOUT), "--threads", "1", "--no-access-log"])
    try:
        keep_alive_crowd(one)
    finally:
        one.stop()
    check(not any("AddressSanitizer" in l or "runtime error" in l for l in srv.lines),
          "no sanitizer report")
    check.finish()


def slow(srv):
    admin = Client(srv, timeout=10)
    st, _ = admin.login("default", "admin")
    check(st == 200, "admin signs in")
    header_pad = b"X-Slow: " + b"a" * 60 + b"\r\n"
    payloads = [
        # Headers a byte a second (would take over a minute).
        b"GET /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + header_pad + b"\r\n",
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n" + header_pad + b"\r\n",
        # Whole headers, then the body a byte a second.
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 80\r\n\r\n" + b'{"tenant": "default", "login": "admin", "password": "'
        + b"x" * 26 + b'"}',
        b"PUT /api/v1/projects/1/pipelines/p HTTP/1.1\r\nHost: x\r\nContent-Length: 70\r\n\r\n"
        + b" " * 70,
    ]
    # The body senders get their headers out at once.
    results = [None] * len(payloads)
    threads = []
    for i, p in enumerate(payloads):
        if i >= 2:
            head, _, body = p.partition(b"\r\n\r\n")
            t = threading.Thread(target=fast_head_slow_body,
                                 args=(srv.port, head + b"\r\n\r\n", body, results, i))
        else:
            t = threading.Thread(target=slow_sender, args=(srv.port, p, results, i))
        t.start()
        threads.append(t)
    # Meanwhile other clients are served promptly.
    worst = 0.0
    t_end = time.monotonic() + TIMEOUT + 2
    n = 0
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        st1 = Client(srv, timeout=10).call("GET", "/healthz")[0]
        st2 = admin.call("GET", "/api/v1/projects")[0]
        worst = max(worst, time.monotonic() - t0)
        check(st1 == 200 and st2 == 200, "other clients are answered during the slow ones")
        n += 1
        time.sleep(0.1)
    check(worst < 1.0, f"other clients are answered promptly (slowest pair {worst:.3f} s)")
    print(f"{n} request pairs during the slow clients, slowest {worst * 1000:.0f} ms",
          file=sys.stderr)
    for t in threads:
        t.join(40)
    for i, r in enumerate(results):
        what, secs = r or ("no result", 0)
        check(what == "cut off" and TIMEOUT - 0.5 <= secs <= TIMEOUT + 4,
              f"slow client {i} is cut off after about {TIMEOUT} s (got {what} after {secs:.1f} s)")
    # A client that opens a connection and sends nothing is dropped too.
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.settimeout(TIMEOUT + 6)
    t0 = time.monotonic()
    try:
        closed = s.recv(10) == b""
    except OSError:
        closed = True
    s.close()
    check(closed and time.monotonic() - t0 < TIMEOUT + 4, "a silent connection is dropped")
    # A keep-alive connection serves several requests, each within the limit.
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.settimeout(10)
    ok = 0
    for _ in range(3):
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        if b"200 OK" in s.recv(4096):
            ok += 1
        time.sleep(TIMEOUT * 0.6)
    s.close()
    check(ok == 3, f"a keep-alive connection is not cut while it keeps up ({ok} of 3)")


def fast_head_slow_body(port, head, body, result, i):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    try:
        s.sendall(head)
        for b in body:
            time.sleep(1)
            s.sendall(bytes([b]))
            if time.monotonic() - t0 > 25:
                result[i] = ("never cut off", time.monotonic() - t0)
                return
        data = s.recv(4096)
        result[i] = ("answered" if data else "closed after the whole request",
                     time.monotonic() - t0)
    except OSError:
        result[i] = ("cut off", time.monotonic() - t0)
    finally:
        s.close()


def flood(srv):
    # Many connections at once, more than the server's limit of 1024: idle
    # ones, half-sent requests, garbage.
    socks = []
    refused = 0
    for i in range(1500):
        try:
            s = socket.socket()
            s.setblocking(True)
            s.settimeout(2)
            s.connect(("127.0.0.1", srv.port))
            kind = i % 3
            if kind == 1:
                s.send(b"POST /api/v1/projects HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{")
            elif kind == 2:
                s.send(os.urandom(64) + b"\r\n\r\n")
            socks.append(s)
        except OSError:
            refused += 1
    check(srv.alive(), f"alive with {len(socks)} flood connections open ({refused} refused)")
    print(f"flood: {len(socks)} connections open, {refused} refused", file=sys.stderr)
    # A burst of ordinary requests in parallel meanwhile: each is answered or
    # refused, none hangs the server.
    codes = []

    def one():
        try:
            codes.append(Client(srv, timeout=10).call("GET", "/healthz")[0])
        except OSError:
            codes.append("refused")
    ts = [threading.Thread(target=one) for _ in range(50)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    check(all(c in (200, "refused") for c in codes), f"requests during the flood: {set(codes)}")
    print(f"during the flood: {codes.count(200)} of 50 requests answered", file=sys.stderr)
    for s in socks:
        s.close()
    # Once the flood is gone the server answers again.
    deadline = time.monotonic() + TIMEOUT + 10
    ok = False
    while time.monotonic() < deadline and not ok:
        try:
            ok = Client(srv, timeout=5).call("GET", "/healthz")[0] == 200
        except OSError:
            time.sleep(0.2)
    check(ok, "the server answers after the flood")
    check(srv.alive(), "the server survived the flood")
    # Connections that keep opening and closing at once.
    for _ in range(2000):
        try:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
            s.close()
        except OSError:
            pass
    st = Client(srv, timeout=10).call("GET", "/readyz")[0]
    check(st == 200, "ready after 2000 connect-and-close clients")


def keep_alive_crowd(srv, conns=300, rounds=20):
    # Hundreds of keep-alive clients busy on one server thread: every request
    # is answered, round after round, and the server stays ready.
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        socks.append(s)
    req = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode()
    answered = 0
    started = time.monotonic()
    for _ in range(rounds):
        for s in socks:
            s.sendall(req)
        for s in socks:
            buf = b""
            try:
                while b"\r\n\r\n" not in buf:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
                while len(rest) < length:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    rest += chunk
                if head.startswith(b"HTTP/1.1 200"):
                    answered += 1
            except (OSError, AttributeError):
                pass
    secs = time.monotonic() - started
    check(answered == conns * rounds,
          f"{conns} keep-alive clients on one thread: {answered} of {conns * rounds} answered in {secs:.1f} s")
    for s in socks:
        s.close()
    st = Client(srv, timeout=10).call("GET", "/healthz")[0]
    check(st == 200, "healthy after the keep-alive crowd")


if __name__ == "__main__":
    main()
