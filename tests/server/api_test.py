"""API suite for `sibyl serve`, using only the standard library.

Starts the server on a free port with a temporary data directory and two
tenants, then exercises it as a client: sign-in, CSRF, tokens, projects and
pipelines, validation, schemas, version conflicts, malformed requests,
oversized bodies, roles, tenant isolation and graceful shutdown.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SIBYL = os.path.abspath(sys.argv[1])
# The store: SQLite in the data directory unless `--store URL` (after the
# binary) or SIBYL_TEST_STORE names another, e.g. a PostgreSQL database.
STORE = os.environ.get("SIBYL_TEST_STORE") or None
if len(sys.argv) > 3 and sys.argv[2] == "--store":
    STORE = sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "correct-horse-battery"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf = None
        self.token = None

    def call(self, method, path, body=None, headers=None, raw=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        elif self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if self.csrf and "X-CSRF-Token" not in h:
                h["X-CSRF-Token"] = self.csrf
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read()
        self.set_cookie_lines = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";")[0]
        conn.close()
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return resp.status, js, dict((k.lower(), v) for k, v in resp.getheaders()), text

    def login(self, tenant, login, password):
        st, js, hdr, _ = self.call("POST", "/api/v1/auth/login",
                                   {"tenant": tenant, "login": login, "password": password})
        if st == 200:
            self.csrf = js["csrf_token"]
        return st, js, hdr


def start(data, *extra):
    env = dict(os.environ, SIBYL_ADMIN_PASSWORD=PASSWORD)
    env.pop("SIBYL_MASTER_KEY", None)
    t0 = time.monotonic()
    p = subprocess.Popen([SIBYL, "serve", "--data", data, "--listen", "127.0.0.1:0",
                          "--insecure-cookies", "--max-body", "65536",
                          *(["--store", STORE] if STORE else []), *extra],
                         stderr=subprocess.PIPE, text=True, env=env)
    port = None
    lines = []
    while port is None:
        line = p.stderr.readline()
        if not line:
            raise SystemExit("server exited early:\n" + "".join(lines))
        lines.append(line)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    return p, port, time.monotonic() - t0, lines


PIPELINE = {
    "gems": {
        "orders": {"kind": "Seed", "schema": [{"name": "id", "type": "int"},
                                               {"name": "amount", "type": "double"}],
                   "rows": [[1, 2.5], [2, 3.0]]},
        "big": {"kind": "Filter", "inputs": ["orders"], "condition": "amount > 2"},
        "out": {"kind": "Reformat", "inputs": ["big"],
                "expressions": [{"target": "id", "expression": "id"},
                                {"target": "doubled", "expression": "amount * 2"}]},
    }
}


def main():
    tmp = tempfile.mkdtemp(prefix="sibyl-api-")
    data = os.path.join(tmp, "data")
    proc, port, secs, _ = start(data, "--tenant", "acme", "--tenant", "other")
    try:
        check(os.stat(os.path.join(data, "master.key")).st_mode & 0o777 == 0o600,
              "master key file is 0600")
        if STORE:
            check(not os.path.exists(os.path.join(data, "sibyl.db")),
                  "with --store, no SQLite database in the data directory")
        run(port, data)
    finally:
        # Graceful shutdown: SIGTERM, exit 0, "stopped" in the log.
        proc.send_signal(signal.SIGTERM)
        try:
            rest = proc.stderr.read()
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc, rest = -1, ""
        check(rc == 0, f"graceful shutdown exits 0 (got {rc})")
        check("stopped" in rest, "shutdown is logged")
        check('"status":' in rest, "access log lines are JSON with a status")
        check(PASSWORD not in rest, "the admin password is never logged")
    # A restart is fast and finds the same tenants.
    proc, port, secs, lines = start(data, "--tenant", "acme")
    try:
        check(not any("created tenant" in l for l in lines), "restart does not recreate tenants")
        c = Client(port)
        st, _, _ = c.login("acme", "admin", PASSWORD)
        check(st == 200, "sign-in works after a restart")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    print(f"startup on existing data: {secs*1000:.0f} ms", file=sys.stderr)
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("api suite: all checks passed")


def run(port, data):
    anon = Client(port)
    st, _, _, text = anon.call("GET", "/healthz")
    check(st == 200 and text == b"ok\n", "healthz")
    st, _, _, _ = anon.call("GET", "/readyz")
    check(st == 200, "readyz")
    st, doc, _, _ = anon.call("GET", "/api/v1/openapi.json")
    check(st == 200 and doc["openapi"].startswith("3."), "openapi document served")
    st, js, _, _ = anon.call("GET", "/api/v1/projects")
    check(st == 401 and js["error"]["code"] == "unauthenticated", "no credentials: 401")
    st, _, _, _ = anon.call("GET", "/api/v1/nothing")
    check(st == 404, "unknown endpoint: 404")
    st, _, _, _ = anon.call("DELETE", "/api/v1/projects")
    check(st == 405, "wrong method: 405")

    # Sign-in.
    st, js, _ = Client(port).login("acme", "admin", "wrong-password")
    check(st == 401, "wrong password: 401")
    st, js, _ = Client(port).login("nosuch", "admin", PASSWORD)
    check(st == 401, "unknown tenant: 401 (same answer)")
    admin = Client(port)
    st, js, hdr = admin.login("acme", "admin", PASSWORD)
    check(st == 200, "admin signs in")
    cookie = [c for c in admin.set_cookie_lines if c.startswith("sibyl_session=")][0]
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie, "session cookie flags")
    check(re.match(r"^\d+\.", admin.cookies.get("sibyl_session", "")) is not None,
          "cookie carries the tenant id in clear")
    st, me, _, _ = admin.call("GET", "/api/v1/auth/me")
    check(st == 200 and me["user"]["login"] == "admin" and me["tenant"]["slug"] == "acme", "me")
    check(any(r["role"] == "tenant_admin" for r in me["roles"]), "admin is tenant_admin")

    # CSRF: a signed-in write without the header is refused.
    st, js, _, _ = admin.call("POST", "/api/v1/teams", {"name": "x"},
                              headers={"X-CSRF-Token": "forged"})
    check(st == 403 and js["error"]["code"] == "csrf", "forged CSRF token: 403")

    # Bad requests.
    st, js, _, _ = admin.call("POST", "/api/v1/projects", raw=b"{not json")
    check(st == 400 and js["error"]["code"] == "bad_json" and "line 1" in js["error"]["message"],
          "bad JSON: 400 with a position")
    st, js, _, _ = admin.call("POST", "/api/v1/projects", {"team_id": "one", "name": "p"})
    check(st == 400 and js["error"]["code"] == "wrong_type" and "team_id" in js["error"]["message"],
          "wrong type: 400 naming the field")
    st, js, _, _ = admin.call("POST", "/api/v1/projects", {"name": "p"})
    check(st == 400 and js["error"]["code"] == "missing_field", "missing field: 400")
    st, js, _, _ = admin.call("POST", "/api/v1/projects", raw=b"[1,2]")
    check(st == 400, "array body: 400")
    st, js, _, _ = admin.call("POST", "/api/v1/projects", raw=b"x" * 70000)
    check(st == 413, "oversized body: 413")

    # Lengths count characters (as the OpenAPI document's maxLength does).
    st, js, _, _ = admin.call("POST", "/api/v1/teams", {"name": "é" * 200})
    check(st == 201, f"a team name of 200 two-byte characters: 201 ({st}, {js})")
    st, js, _, _ = admin.call("POST", "/api/v1/teams", {"name": "é" * 201})
    check(st == 400 and "200 characters" in js["error"]["message"],
          f"201 characters: 400 ({st}, {js})")

    # Teams and projects.
    st, teams, _, _ = admin.call("GET", "/api/v1/teams")
    team = teams["teams"][0]["id"]
    st, proj, hdr, _ = admin.call("POST", "/api/v1/projects", {"team_id": team, "name": "shop",
                                                               "description": "d"})
    check(st == 201 and proj["name"] == "shop" and proj["version"] == 1, "create project")
    pid = proj["id"]
    st, _, _, _ = admin.call("POST", "/api/v1/projects", {"team_id": team, "name": "shop"})
    check(st == 409, "duplicate project name: 409")
    st, _, _, _ = admin.call("PATCH", f"/api/v1/projects/{pid}", {"description": "e"})
    check(st == 428, "update without a version: 428")
    st, p2, _, _ = admin.call("PATCH", f"/api/v1/projects/{pid}", {"description": "e", "version": 1})
    check(st == 200 and p2["version"] == 2, "update with the version")
    st, js, _, _ = admin.call("PATCH", f"/api/v1/projects/{pid}", {"description": "f", "version": 1})
    check(st == 409 and js["error"]["code"] == "conflict", "stale version: 409")
    st, js, _, _ = admin.call("PATCH", f"/api/v1/projects/{pid}", {"description": "g", "version": 1},
                              headers={"If-Match": '"2"'})
    check(st == 409 and js["error"]["code"] == "conflict",
          f"If-Match and a body version that disagree: 409 ({st}, {js})")
    st, p3, _, _ = admin.call("GET", f"/api/v1/projects/{pid}")
    check(st == 200 and p3["description"] == "e", "the stale update changed nothing")

    # Pipelines: stored canonical, validated.
    base = f"/api/v1/projects/{pid}/pipelines"
    st, js, hdr, _ = admin.call("PUT", base + "/orders", PIPELINE)
    check(st == 201 and js["errors"] == 0 and hdr.get("etag") == '"1"', "create pipeline")
    st, _, hdr, text = admin.call("GET", base + "/orders")
    check(st == 200 and text.startswith(b"{\n  \"gems\"") and text.endswith(b"}\n"),
          "pipeline stored in canonical form")
    st, lst, _, _ = admin.call("GET", base)
    check(st == 200 and [f["name"] for f in lst["files"]] == ["orders"], "list pipelines")
    st, _, _, _ = admin.call("PUT", base + "/orders", PIPELINE)
    check(st == 409, "create over an existing pipeline: 409")
    broken = json.loads(json.dumps(PIPELINE))
    broken["gems"]["out"]["expressions"][1]["expression"] = "amount * nosuch"
    st, js, _, _ = admin.call("PUT", base + "/orders", broken, headers={"If-Match": '"1"'})
    check(st == 200 and js["version"] == 2, "replace pipeline with If-Match")
    st, js, _, _ = admin.call("PUT", base + "/orders", PIPELINE, headers={"If-Match": '"1"'})
    check(st == 409, "stale pipeline write: 409")
    st, js, _, _ = admin.call("POST", base + "/orders/validate")
    check(st == 200 and js["errors"] >= 1, "validate finds the unknown column")
    d = [x for x in js.get("diagnostics", []) if x.get("severity") == "error"]
    check(d and d[0].get("gem") == "out" and "span" in json.dumps(d[0]),
          "diagnostic names the gem and carries a span")
    st, js, _, _ = admin.call("POST", base + "/orders/validate", PIPELINE)
    check(st == 200 and js["errors"] == 0, "validate a draft in the body")
    st, js, _, _ = admin.call("POST", f"/api/v1/projects/{pid}/validate")
    check(st == 200 and js["errors"] >= 1, "validate the project")
    st, js, _, _ = admin.call("PUT", base + "/orders", PIPELINE, headers={"If-Match": '"2"'})
    check(st == 200 and js["version"] == 3, "fix the pipeline")
    st, js, _, _ = admin.call("GET", base + "/orders/gems/out/schema")
    check(st == 200 and [c["name"] for c in js["outputs"][0]["schema"]] == ["id", "doubled"]
          and js["outputs"][0]["schema"][1]["type"] == "double", "schema at a gem")
    st, _, _, _ = admin.call("GET", base + "/orders/gems/nosuch/schema")
    check(st == 404, "schema of an unknown gem: 404")
    st, js, _, _ = admin.call("PUT", base + "/bad", raw=b"{\"gems\": ")
    check(st == 400, "pipeline that is not JSON: 400")
    st, _, _, _ = admin.call("PUT", base + "/not-a-name", PIPELINE)
    check(st == 400, "invalid pipeline name: 400")

    # Tokens: shown once, scoped, revocable.
    st, tok, _, _ = admin.call("POST", "/api/v1/tokens", {"name": "ci", "scopes": "read"})
    check(st == 201 and tok["token"].startswith("sbt_"), "create token")
    st, toks, _, _ = admin.call("GET", "/api/v1/tokens")
    check(st == 200 and "token" not in toks["tokens"][0] and tok["token"] not in json.dumps(toks),
          "token secret never listed")
    reader = Client(port)
    reader.token = tok["token"]
    st, _, _, _ = reader.call("GET", f"/api/v1/projects/{pid}")
    check(st == 200, "read token reads")
    st, js, _, _ = reader.call("PUT", base + "/other", PIPELINE)
    check(st == 403 and js["error"]["code"] == "insufficient_scope", "read token cannot write")
    st, _, _, _ = admin.call("DELETE", f"/api/v1/tokens/{tok['id']}")
    check(st == 204, "revoke token")
    st, _, _, _ = reader.call("GET", f"/api/v1/projects/{pid}")
    check(st == 401, "revoked token: 401")
    bad = Client(port)
    bad.token = "sbt_1_" + "A" * 43
    st, _, _, _ = bad.call("GET", "/api/v1/projects")
    check(st == 401, "unknown token: 401")

    # Roles: a viewer reads but cannot write; a stranger sees nothing.
    st, u, _, _ = admin.call("POST", "/api/v1/users", {"login": "vera", "password": PASSWORD})
    check(st == 201, "create user")
    st, u2, _, _ = admin.call("POST", "/api/v1/users", {"login": "sam", "password": PASSWORD})
    st, _, _, _ = admin.call("POST", f"/api/v1/teams/{team}/members",
                             {"user_id": u["id"], "role": "viewer"})
    check(st == 201, "add viewer")
    vera = Client(port)
    vera.login("acme", "vera", PASSWORD)
    st, _, _, _ = vera.call("GET", base + "/orders")
    check(st == 200, "viewer reads a pipeline")
    st, _, _, _ = vera.call("POST", base + "/orders/validate")
    check(st == 200, "viewer validates")
    st, js, _, _ = vera.call("PUT", base + "/orders", PIPELINE, headers={"If-Match": '"3"'})
    check(st == 403, "viewer cannot write: 403")
    st, _, _, _ = vera.call("POST", "/api/v1/teams", {"name": "t2"})
    check(st == 403, "viewer cannot create teams")
    sam = Client(port)
    sam.login("acme", "sam", PASSWORD)
    st, _, _, _ = sam.call("GET", f"/api/v1/projects/{pid}")
    check(st == 404, "user without a role on the team: 404")
    st, js, _, _ = sam.call("GET", "/api/v1/projects")
    check(st == 200 and js["projects"] == [], "user without a role lists nothing")

    # Tenant isolation: the other tenant's admin gets 404 on everything.
    other = Client(port)
    st, _, _ = other.login("other", "admin", PASSWORD)
    check(st == 200, "other tenant's admin signs in")
    for method, path, body in [
        ("GET", f"/api/v1/projects/{pid}", None),
        ("PATCH", f"/api/v1/projects/{pid}", {"version": 3, "description": "x"}),
        ("DELETE", f"/api/v1/projects/{pid}", None),
        ("GET", base, None),
        ("GET", base + "/orders", None),
        ("PUT", base + "/orders", PIPELINE),
        ("DELETE", base + "/orders", None),
        ("POST", base + "/orders/validate", None),
        ("GET", base + "/orders/gems/out/schema", None),
        ("POST", f"/api/v1/projects/{pid}/validate", None),
        ("POST", f"/api/v1/teams/{team}/members", {"user_id": u["id"], "role": "member"}),
        ("DELETE", f"/api/v1/tokens/{tok['id']}", None),
    ]:
        st, _, _, _ = other.call(method, path, body, headers={"If-Match": '"3"'})
        check(st == 404, f"other tenant: {method} {path} -> 404 (got {st})")
    st, js, _, _ = other.call("GET", "/api/v1/projects")
    check(st == 200 and js["projects"] == [], "other tenant lists no projects")
    st, js, _, _ = other.call("GET", "/api/v1/users")
    check(st == 200 and all(x["login"] != "vera" for x in js["users"]), "other tenant's users only")
    # A cookie of one tenant presented as another's is useless.
    forged = Client(port)
    tid, _, secret = admin.cookies["sibyl_session"].partition(".")
    forged.cookies = {"sibyl_session": str(int(tid) + 1) + "." + secret}
    st, _, _, _ = forged.call("GET", "/api/v1/auth/me")
    check(st == 401, "session secret under another tenant id: 401")

    # Deletes need the current version.
    st, _, _, _ = admin.call("DELETE", base + "/orders", headers={"If-Match": '"2"'})
    check(st == 409, "delete with a stale version: 409")
    st, _, _, _ = admin.call("DELETE", base + "/orders", headers={"If-Match": '"3"'})
    check(st == 204, "delete pipeline")
    st, _, _, _ = admin.call("GET", base + "/orders")
    check(st == 404, "deleted pipeline: 404")

    # Lockout after repeated failures.
    for _ in range(5):
        Client(port).login("acme", "sam", "wrong-password")
    st, js, _ = Client(port).login("acme", "sam", PASSWORD)
    check(st == 423, "account locked after five failures")

    # Metrics.
    st, _, _, text = anon.call("GET", "/metrics")
    check(st == 200 and b"sibyl_http_requests_total{code=\"2xx\"}" in text, "metrics")

    # Sign-out ends the session.
    st, _, _, _ = vera.call("POST", "/api/v1/auth/logout")
    check(st == 204, "logout")
    vera.csrf = None
    st, _, _, _ = vera.call("GET", "/api/v1/auth/me")
    check(st == 401, "after logout: 401")


if __name__ == "__main__":
    main()
