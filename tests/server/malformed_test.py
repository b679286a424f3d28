"""Requests a browser or a well-behaved client would not send, written on a
raw socket: the server answers each with a well-formed error (JSON that is
UTF-8, a 405 that says what is allowed) and keeps serving. Some of these
were found by fuzzing (fuzz/fuzz_api_request.c) and schemathesis.

Usage: malformed_test.py SIBYL  (tests/server/malformed.sh)
"""
import json
import os
import socket
import sys
import tempfile

from serverlib import Checks, Client, Server

SIBYL = os.path.abspath(sys.argv[1])
check = Checks("malformed requests")


def raw(srv, data):
    """Send bytes, read until the server closes; (status, headers, body).
    Status 0: closed without an answer; -1: still open after 10 s."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    out = b""
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        return -1, {}, out
    except OSError:
        pass
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        status = 0
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
    return status, headers, body


def is_json_utf8(body):
    try:
        json.loads(body.decode("utf-8"))
        return True
    except (UnicodeDecodeError, ValueError):
        return False


def main():
    data = tempfile.mkdtemp(prefix="sibyl-malformed-")
    # A short timeout: what the server cannot make sense of is dropped soon.
    srv = Server(SIBYL, data, None, ["--no-access-log", "--timeout", "3"])
    admin = Client(srv)
    admin.login("default", "admin")
    st, tok, _, _ = admin.call("POST", "/api/v1/tokens", {"name": "t"})
    auth = b"Authorization: Bearer " + tok["token"].encode() + b"\r\n"
    try:
        # A path that is not UTF-8 once unescaped is echoed in the error as
        # U+FFFD: the answer stays valid JSON.
        for path in (b"/api/%A41/teams", b"/api/v1/projects/1/pipelines/%FF%FE",
                     b"/api/v1/projects/%C0%AF"):
            st, _, body = raw(srv, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                              b"Connection: close\r\n\r\n")
            check(st in (400, 404) and is_json_utf8(body),
                  f"GET {path.decode()}: {st} with UTF-8 JSON ({body[:80]!r})")
        # 405 says what the path allows (RFC 9110).
        for method, path, allow in ((b"TRACE", b"/api/v1/teams", "GET, HEAD, POST"),
                                    (b"PUT", b"/healthz", "GET, HEAD"),
                                    (b"GET", b"/api/v1/projects/1/validate", None)):
            st, hdr, body = raw(srv, method + b" " + path + b" HTTP/1.1\r\nHost: x\r\n" + auth +
                                b"Connection: close\r\n\r\n")
            if allow:
                check(st == 405 and hdr.get("allow") == allow,
                      f"{method.decode()} {path.decode()}: 405 with Allow: {allow} "
                      f"(got {st}, {hdr.get('allow')!r})")
            else:
                check(st == 404, f"{method.decode()} {path.decode()}: 404 (got {st})")
        st, hdr, _ = raw(srv, b"OPTIONS /api/v1/projects/1/validate HTTP/1.1\r\nHost: x\r\n" +
                         auth + b"Connection: close\r\n\r\n")
        check(st == 405 and hdr.get("allow") == "POST",
              f"OPTIONS of a literal route: Allow lists its own methods ({hdr.get('allow')!r})")
        # Bodies that are not UTF-8, or hold NUL characters.
        for body in (b'{"name": "\xff\xfe"}', b'{"name": "a\\u0000b"}', b'{"na\x00me": 1}',
                     b"\xef\xbb\xbf{}", b"{" * 10000):
            st, _, rb = raw(srv, b"POST /api/v1/projects HTTP/1.1\r\nHost: x\r\n" + auth +
                            b"Content-Type: application/json\r\nContent-Length: " +
                            str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            check(st == 400 and is_json_utf8(rb), f"body {body[:20]!r}: 400 with JSON (got {st})")
        # Broken HTTP.
        for junk in (b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
                     b"POST /api/v1/teams HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                     b"POST /api/v1/teams HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                     b"\r\nzz\r\n"):
            st, _, _ = raw(srv, junk)
            # (505: libmicrohttpd's answer to an HTTP version it does not speak)
            check(st == 0 or 400 <= st < 500 or st == 505,
                  f"broken request {junk[:30]!r}: a 4xx or a close (got {st})")
        st, _, _, _ = admin.call("GET", "/readyz")
        check(st == 200 and srv.alive(), "the server still serves")
    finally:
        rc = srv.stop()
    check(rc == 0, f"the server stops cleanly ({rc})")
    check.finish()


if __name__ == "__main__":
    main()
