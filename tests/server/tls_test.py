"""`sibyl serve` over HTTPS: a self-signed certificate made with openssl,
the API called over TLS (sign-in, a CSRF-protected write, an API token),
cookies marked Secure, and what must not work: a client that does not
trust the certificate, plain HTTP on the TLS port, garbage and a stalled
handshake (which must not hurt the server), and a key that does not match
the certificate (the server refuses to start).

Usage: tls_test.py SIBYL  (tests/server/tls.sh)
"""
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from serverlib import PASSWORD, Checks, Client, Server

SIBYL = os.path.abspath(sys.argv[1])
check = Checks("tls")


def make_cert(d, name):
    cert, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def main():
    tmp = tempfile.mkdtemp(prefix="sibyl-tls-")
    cert, key = make_cert(tmp, "server")
    _, other_key = make_cert(tmp, "other")
    data = os.path.join(tmp, "data")

    srv = Server(SIBYL, data, None, ["--tls-cert", cert, "--tls-key", key, "--timeout", "2"],
                 tls=True)
    try:
        check(any("listening on https://" in l for l in srv.lines), "the log says https")
        run(srv, cert)
    finally:
        rc = srv.stop()
    check(rc == 0, f"the server stops cleanly ({rc})")

    # A key that does not belong to the certificate: no start, a clear reason.
    p = subprocess.run([SIBYL, "serve", "--data", data, "--listen", "127.0.0.1:0",
                        "--tls-cert", cert, "--tls-key", other_key],
                       capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, SIBYL_ADMIN_PASSWORD=PASSWORD))
    check(p.returncode != 0 and "do not match" in p.stderr,
          f"a mismatched key is refused at start (exit {p.returncode}): {p.stderr.strip()[-200:]}")
    p = subprocess.run([SIBYL, "serve", "--data", data, "--listen", "127.0.0.1:0",
                        "--tls-cert", cert], capture_output=True, text=True, timeout=30)
    check(p.returncode != 0 and "both" in p.stderr, "a certificate without a key is refused")
    check.finish()


def run(srv, cert):
    anon = Client(srv, cafile=cert)
    st, _, _, text = anon.call("GET", "/healthz")
    check(st == 200 and text == b"ok\n", "healthz over https")

    admin = Client(srv, cafile=cert)
    st, js = admin.login("default", "admin")
    check(st == 200, "sign-in over https")
    cookies = {line.split("=", 1)[0]: line for line in admin.set_cookie_lines}
    for name in ("sibyl_session", "sibyl_csrf"):
        attrs = [a.strip() for a in cookies.get(name, "").split(";")]
        check("Secure" in attrs, f"cookie {name} is Secure: {cookies.get(name)}")
    check("HttpOnly" in cookies.get("sibyl_session", ""), "the session cookie is HttpOnly")
    st, me, _, _ = admin.call("GET", "/api/v1/auth/me")
    check(st == 200 and me["user"]["login"] == "admin", "the session works over https")
    st, teams, _, _ = admin.call("GET", "/api/v1/teams")
    st, proj, _, _ = admin.call("POST", "/api/v1/projects",
                                {"team_id": teams["teams"][0]["id"], "name": "tls"})
    check(st == 201, "a signed-in write (with its CSRF token) over https")
    st, tok, _, _ = admin.call("POST", "/api/v1/tokens", {"name": "t", "scopes": "read"})
    reader = Client(srv, cafile=cert)
    reader.token = tok["token"]
    st, _, _, _ = reader.call("GET", f"/api/v1/projects/{proj['id']}")
    check(st == 200, "an API token over https")

    # Without trusting the certificate, a client refuses the connection.
    untrusting = Client(srv)
    try:
        untrusting.call("GET", "/healthz")
        check(False, "a client without the certificate refuses the server")
    except ssl.SSLCertVerificationError:
        check(True, "a client without the certificate refuses the server")

    # Plain HTTP on the TLS port gets no answer in the clear.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        answer = s.recv(4096)
    except OSError:
        answer = b""
    s.close()
    check(b"200 OK" not in answer and b"ok\n" not in answer, "plain HTTP gets no answer")

    # Garbage where a handshake should be, and a handshake that stalls
    # halfway (cut off by the timeout like any slow request).
    for junk in (os.urandom(300), b"\x16\x03\x01\x02\x00" + os.urandom(100)):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            s.sendall(junk)
            s.recv(100)
        except OSError:
            pass
        s.close()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
    t0 = time.monotonic()
    cut = False
    try:
        for b in b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 20:
            s.sendall(bytes([b]))
            time.sleep(0.5)
    except OSError:
        cut = True
    s.close()
    check(cut and time.monotonic() - t0 < 8, "a stalled handshake is cut off")
    st, _, _, _ = anon.call("GET", "/readyz")
    check(st == 200 and srv.alive(), "the server is unharmed")


if __name__ == "__main__":
    main()
