"""Fabrics, per-user credentials and master-key rotation over the API of
`sibyl serve`, using only the standard library (and api_test.py's Client).

Starts the server with two tenants and checks: fabric CRUD, roles (viewers
read, members cannot manage, team admins can), tenant isolation (404 on
every route), version conflicts, malformed requests, definitions holding a
secret, credentials that are set, replaced and deleted but never come back
in any response, the server's log or the database files, key rotation
(`sibyl key rotate` and POST /api/v1/admin/keys/rotate) while requests keep
flowing, and `sibyl user` / `sibyl token` on the data of the running server.

Usage: fabrics_test.py SIBYL [--store URL]   (SQLite in a temporary data
directory unless a store is given, as for api_test.py)
"""
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_test  # noqa: E402  (the Client and how to start the server)
from api_test import Client, PASSWORD, SIBYL  # noqa: E402

failures = []
responses = []  # every response body, to look for secrets in


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


class Recording(Client):
    """A Client that keeps every response body."""

    def call(self, method, path, body=None, headers=None, raw=None):
        st, js, hdr, text = super().call(method, path, body, headers, raw)
        responses.append(text)
        return st, js, hdr, text


class Server:
    """`sibyl serve` with its stderr drained into memory (a full pipe would
    stall it)."""

    def __init__(self, data, *extra):
        self.proc, self.port, _, lines = api_test.start(data, *extra)
        self.lines = list(lines)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -1
        self.reader.join(timeout=10)
        return rc

    def log(self):
        return "".join(self.lines)


def sibyl(*args, stdin=None):
    """Run an administration command on the suite's store."""
    env = dict(os.environ)
    env.pop("SIBYL_MASTER_KEY", None)
    store = ["--store", api_test.STORE] if api_test.STORE else []
    p = subprocess.run([SIBYL, *args, *store], input=stdin, capture_output=True, text=True, env=env,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def user(admin, port, login, team, role):
    st, u, _, _ = admin.call("POST", "/api/v1/users", {"login": login, "password": PASSWORD})
    check(st == 201, f"create user {login}")
    if role:
        st, _, _, _ = admin.call("POST", f"/api/v1/teams/{team}/members",
                                 {"user_id": u["id"], "role": role})
        check(st == 201, f"{login} becomes {role}")
    c = Recording(port)
    st, _, _ = c.login("acme", login, PASSWORD)
    check(st == 200, f"{login} signs in")
    return c


DBX = {"kind": "databricks", "url": "https://dbc-1234.cloud.databricks.com",
       "cluster_id": "0123-456789-abcdef", "conf": {"spark.sql.shuffle.partitions": "8"}}
LIVY = {"kind": "livy", "url": "https://edge.example.com:8998", "auth": "basic", "user": "etl"}


def fabrics(port, team):
    admin = Recording(port)
    st, _, _ = admin.login("acme", "admin", PASSWORD)
    check(st == 200, "admin signs in")
    tara = user(admin, port, "tara", team, "team_admin")
    mel = user(admin, port, "mel", team, "member")
    vic = user(admin, port, "vic", team, "viewer")
    sam = user(admin, port, "sam", team, None)
    base = f"/api/v1/teams/{team}/fabrics"

    # Create: canonical definition, kind, whether each user needs a secret.
    st, f, hdr, _ = admin.call("POST", base, {"name": "dbx", "definition": DBX})
    check(st == 201 and f["name"] == "dbx" and f["version"] == 1 and f["kind"] == "databricks",
          f"create a fabric (got {st} {f})")
    check(hdr.get("etag") == '"1"' and hdr.get("location") == f"/api/v1/fabrics/{f['id']}",
          "create answers ETag and Location")
    check(f["credential"] == {"required": True, "set": False}, "a Databricks fabric needs a token")
    check(f["definition"]["cluster_id"] == DBX["cluster_id"] and "name" not in f["definition"],
          "the definition is stored as given")
    dbx = f["id"]
    st, f2, _, _ = tara.call("POST", base, {"name": "edge", "definition": LIVY})
    check(st == 201 and f2["credential"]["required"], "a team admin creates a fabric")
    edge = f2["id"]
    st, f3, _, _ = tara.call("POST", base, {"name": "local", "definition": {"kind": "spark"}})
    check(st == 201 and f3["credential"]["required"] is False, "local Spark needs no secret")
    st, js, _, _ = tara.call("POST", base, {"name": "dbx", "definition": DBX})
    check(st == 409 and js["error"]["code"] == "exists", "a taken name: 409")

    # Reading: every role on the team; nobody else.
    st, js, _, _ = vic.call("GET", base)
    check(st == 200 and [x["name"] for x in js["fabrics"]] == ["dbx", "edge", "local"],
          "a viewer lists the team's fabrics by name")
    for who, name in [(vic, "viewer"), (mel, "member"), (tara, "team admin")]:
        st, js, hdr, _ = who.call("GET", f"/api/v1/fabrics/{dbx}")
        check(st == 200 and hdr.get("etag") == '"1"', f"a {name} reads a fabric")
    for method, path, body in [("GET", base, None),
                               ("POST", base, {"name": "x", "definition": {"kind": "spark"}}),
                               ("GET", f"/api/v1/fabrics/{dbx}", None),
                               ("PUT", f"/api/v1/fabrics/{dbx}", {"definition": DBX, "version": 1}),
                               ("DELETE", f"/api/v1/fabrics/{dbx}", None),
                               ("GET", f"/api/v1/fabrics/{dbx}/credential", None),
                               ("PUT", f"/api/v1/fabrics/{dbx}/credential", {"secret": "x" * 20}),
                               ("DELETE", f"/api/v1/fabrics/{dbx}/credential", None)]:
        st, _, _, _ = sam.call(method, path, body, headers={"If-Match": '"1"'})
        check(st == 404, f"no role on the team: {method} {path} -> 404 (got {st})")

    # Managing: team admins only.
    for who, name in [(vic, "viewer"), (mel, "member")]:
        st, js, _, _ = who.call("POST", base, {"name": "mine", "definition": {"kind": "spark"}})
        check(st == 403 and js["error"]["code"] == "forbidden", f"a {name} cannot create (got {st})")
        st, _, _, _ = who.call("PUT", f"/api/v1/fabrics/{dbx}", {"definition": DBX, "version": 1})
        check(st == 403, f"a {name} cannot change a fabric")
        st, _, _, _ = who.call("DELETE", f"/api/v1/fabrics/{dbx}", headers={"If-Match": '"1"'})
        check(st == 403, f"a {name} cannot delete a fabric")

    # Versions.
    changed = dict(DBX, cluster_id="9999-000000-zzzzzz")
    st, js, _, _ = tara.call("PUT", f"/api/v1/fabrics/{dbx}", {"definition": changed})
    check(st == 428, "change without a version: 428")
    st, js, hdr, _ = tara.call("PUT", f"/api/v1/fabrics/{dbx}", {"definition": changed},
                               headers={"If-Match": '"1"'})
    check(st == 200 and js["version"] == 2 and hdr.get("etag") == '"2"', "change with If-Match")
    st, js, _, _ = admin.call("PUT", f"/api/v1/fabrics/{dbx}", {"definition": DBX, "version": 1})
    check(st == 409 and js["error"]["code"] == "conflict", "stale change: 409")
    st, js, _, _ = vic.call("GET", f"/api/v1/fabrics/{dbx}")
    check(js["definition"]["cluster_id"] == "9999-000000-zzzzzz" and js["version"] == 2,
          "the stale change changed nothing")
    st, js, _, _ = tara.call("PUT", f"/api/v1/fabrics/{f3['id']}",
                             {"name": "local_spark", "definition": {"kind": "spark"}, "version": 1})
    check(st == 200 and js["name"] == "local_spark", "rename with the version in the body")

    # Malformed requests name the field.
    for body, raw, code, field in [
            (None, b"{not json", "bad_json", None),
            (None, b"[]", "bad_json", None),
            ({"name": 5, "definition": DBX}, None, "wrong_type", "name"),
            ({"name": "x"}, None, "missing_field", "definition"),
            ({"name": "x", "definition": "spark"}, None, "wrong_type", "definition"),
            ({"name": "not-a-name", "definition": {"kind": "spark"}}, None, "invalid", "name"),
            ({"name": "x", "definition": {"kind": "spark", "colour": "red"}}, None,
             "invalid_definition", "definition.colour"),
            ({"name": "x", "definition": {"kind": "hadoop"}}, None, "invalid_definition",
             "definition.kind"),
            ({"name": "x", "definition": {"kind": "livy", "url": "https://h",
                                          "driver_cores": "two"}}, None, "invalid_definition",
             "definition.driver_cores")]:
        st, js, _, _ = tara.call("POST", base, body, raw=raw)
        ok = st == 400 and js and js["error"]["code"] == code
        if field:
            ok = ok and f"`{field}`" in js["error"]["message"]
        check(ok, f"bad request {body or raw!r}: 400 {code} naming {field} (got {st} {js})")
    st, js, _, _ = tara.call("POST", base, {"name": "x", "definition": {"kind": "spark",
                                                                        "colour": "red"}})
    check(js.get("error", {}).get("field") == "definition.colour" and js.get("diagnostics"),
          "a bad definition comes with the checker's diagnostics")

    # Secrets never sit in a definition; the answer names the field, not the value.
    leak = "dapi" + secrets.token_hex(16)
    for definition, field in [
            (dict(DBX, token=leak), "definition.token"),
            (dict(LIVY, password=leak), "definition.password"),
            (dict(DBX, url=f"https://token:{leak}@dbc.example.com"), "definition.url"),
            (dict(DBX, conf={"spark.hadoop.fs.s3a.secret.key": leak}),
             "definition.conf.spark.hadoop.fs.s3a.secret.key"),
            (dict(DBX, conf={"fs.azure.account.key.acct.dfs.core.windows.net": leak}),
             "definition.conf.fs.azure.account.key.acct.dfs.core.windows.net")]:
        st, js, _, text = tara.call("POST", base, {"name": "leaky", "definition": definition})
        check(st == 400 and js["error"]["code"] == "secret_in_definition"
              and js["error"]["field"] == field and f"`{field}`" in js["error"]["message"],
              f"secret in {field}: 400 naming it (got {st} {js})")
        check(leak.encode() not in text, f"the refused secret in {field} is not echoed")
    st, js, _, _ = tara.call("GET", base)
    check("leaky" not in [x["name"] for x in js["fabrics"]], "no leaky fabric was stored")

    # Delete.
    st, _, _, _ = tara.call("DELETE", f"/api/v1/fabrics/{edge}")
    check(st == 428, "delete without a version: 428")
    st, _, _, _ = tara.call("DELETE", f"/api/v1/fabrics/{edge}", headers={"If-Match": '"7"'})
    check(st == 409, "delete with a stale version: 409")
    st, _, _, _ = tara.call("DELETE", f"/api/v1/fabrics/{edge}", headers={"If-Match": '"1"'})
    check(st == 204, "delete a fabric")
    st, _, _, _ = vic.call("GET", f"/api/v1/fabrics/{edge}")
    check(st == 404, "a deleted fabric: 404")
    st, _, _, _ = tara.call("GET", f"/api/v1/fabrics/999999")
    check(st == 404, "no such fabric: 404")
    st, _, _, _ = tara.call("GET", "/api/v1/teams/999999/fabrics")
    check(st == 404, "no such team: 404")
    return admin, tara, mel, vic, sam, dbx, leak


def credentials(port, dbx, mel, vic, sam, secrets_seen):
    path = f"/api/v1/fabrics/{dbx}/credential"
    pat = "dapi" + secrets.token_hex(20)
    secrets_seen.append(pat)
    st, js, _, _ = mel.call("GET", path)
    check(st == 200 and js == {"set": False}, "no credential yet: set false")
    st, js, _, text = mel.call("PUT", path, {"secret": pat})
    check(st == 201 and js["set"] is True and len(js["key_id"]) == 16 and js["updated_at"],
          f"set a credential: 201 (got {st} {js})")
    check(set(js) <= {"set", "created_at", "updated_at", "key_id"}, "only state comes back")
    st, js, _, _ = mel.call("GET", path)
    check(st == 200 and js["set"] is True, "the credential is set")
    st, js, _, _ = mel.call("GET", f"/api/v1/fabrics/{dbx}")
    check(js["credential"] == {"required": True, "set": True}, "the fabric says mine is set")
    st, js, _, _ = vic.call("GET", path)
    check(st == 200 and js["set"] is False, "another user's credential is not mine")
    st, js, _, _ = vic.call("GET", f"/api/v1/fabrics/{dbx}")
    check(js["credential"]["set"] is False, "the fabric tells each user about their own")
    pat2 = "dapi" + secrets.token_hex(20)
    secrets_seen.append(pat2)
    st, js, _, _ = mel.call("PUT", path, {"secret": pat2})
    check(st == 200 and js["set"], "replace a credential: 200")
    vsec = "viewer-" + secrets.token_hex(8)
    secrets_seen.append(vsec)
    st, js, _, _ = vic.call("PUT", path, {"secret": vsec})
    check(st == 201, "a viewer keeps their own credential too")
    for body, raw, code in [({}, None, "missing_field"), ({"secret": 12345}, None, "wrong_type"),
                            ({"secret": ""}, None, "invalid"),
                            ({"secret": pat + "\n"}, None, "invalid"),
                            ({"secret": "x" * 9000}, None, "invalid"),
                            (None, b'{"secret": "' + pat.encode(), "bad_json")]:
        st, js, _, text = mel.call("PUT", path, body, raw=raw)
        check(st == 400 and js["error"]["code"] == code, f"bad secret {code}: 400 (got {st})")
        if code != "bad_json":
            check(pat.encode() not in text, "a refused secret is not echoed")
    st, js, _, _ = mel.call("GET", path)
    check(js["set"], "refused writes left the credential alone")

    # A read-only token cannot set secrets.
    st, tok, _, _ = mel.call("POST", "/api/v1/tokens", {"name": "ro", "scopes": "read"})
    ro = Recording(port)
    ro.token = tok["token"]
    st, js, _, _ = ro.call("PUT", path, {"secret": pat})
    check(st == 403 and js["error"]["code"] == "insufficient_scope", "read token cannot set")
    st, js, _, _ = ro.call("GET", path)
    check(st == 200 and js["set"], "read token reads the state")

    # Delete, then set again for the rotation below.
    st, _, _, _ = mel.call("DELETE", path)
    check(st == 204, "delete my credential")
    st, js, _, _ = mel.call("GET", path)
    check(js == {"set": False}, "deleted")
    st, js, _, _ = mel.call("DELETE", path)
    check(st == 404, "delete it again: 404")
    st, _, _, _ = mel.call("PUT", path, {"secret": pat2})
    check(st == 201, "set it again")

    # Git hosts.
    ghp = "ghp_" + secrets.token_hex(18)
    secrets_seen.append(ghp)
    st, js, _, _ = mel.call("PUT", "/api/v1/credentials/git/GitHub.com", {"secret": ghp})
    check(st == 201 and js["host"] == "github.com" and js["set"], "set a Git token (host lower-cased)")
    st, js, _, _ = mel.call("GET", "/api/v1/credentials/git/github.com")
    check(st == 200 and js["set"] and js["host"] == "github.com", "read its state")
    st, js, _, _ = mel.call("PUT", "/api/v1/credentials/git/git.example.com:8443", {"secret": ghp})
    check(st == 201, "a host with a port")
    st, js, _, _ = mel.call("GET", "/api/v1/credentials/git")
    check(st == 200 and sorted(c["host"] for c in js["credentials"])
          == ["git.example.com:8443", "github.com"], "list my Git tokens")
    st, js, _, _ = vic.call("GET", "/api/v1/credentials/git")
    check(st == 200 and js["credentials"] == [], "another user has none")
    st, js, _, _ = vic.call("GET", "/api/v1/credentials/git/github.com")
    check(st == 200 and js["set"] is False, "another user's state for the host: not set")
    for bad in ["bad_host", "-x.com", "a%20b"]:
        st, js, _, _ = mel.call("PUT", f"/api/v1/credentials/git/{bad}", {"secret": ghp})
        check(st == 400, f"invalid Git host {bad}: 400 (got {st})")
    st, _, _, _ = mel.call("DELETE", "/api/v1/credentials/git/git.example.com:8443")
    check(st == 204, "delete a Git token")
    st, _, _, _ = mel.call("DELETE", "/api/v1/credentials/git/git.example.com:8443")
    check(st == 404, "delete it again: 404")


def isolation(port, team, dbx):
    other = Recording(port)
    st, _, _ = other.login("other", "admin", PASSWORD)
    check(st == 200, "the other tenant's admin signs in")
    for method, path, body in [
            ("GET", f"/api/v1/teams/{team}/fabrics", None),
            ("POST", f"/api/v1/teams/{team}/fabrics", {"name": "x", "definition": {"kind": "spark"}}),
            ("GET", f"/api/v1/fabrics/{dbx}", None),
            ("PUT", f"/api/v1/fabrics/{dbx}", {"definition": DBX}),
            ("DELETE", f"/api/v1/fabrics/{dbx}", None),
            ("GET", f"/api/v1/fabrics/{dbx}/credential", None),
            ("PUT", f"/api/v1/fabrics/{dbx}/credential", {"secret": "x" * 20}),
            ("DELETE", f"/api/v1/fabrics/{dbx}/credential", None),
            ("GET", "/api/v1/admin/keys", None),
            ("POST", "/api/v1/admin/keys/rotate", None),
            ("POST", "/api/v1/admin/keys/reseal", None)]:
        st, _, _, _ = other.call(method, path, body, headers={"If-Match": '"2"'})
        check(st == 404, f"other tenant: {method} {path} -> 404 (got {st})")
    st, js, _, _ = other.call("GET", "/api/v1/credentials/git")
    check(st == 200 and js["credentials"] == [], "other tenant: no Git tokens of ours")
    st, js, _, _ = other.call("GET", "/api/v1/credentials/git/github.com")
    check(st == 200 and js["set"] is False, "other tenant: our Git token is not theirs")


class Load:
    """Requests in a loop from another thread while keys rotate: reads of
    fabrics and credential states, and credentials set afresh (sealed with
    whatever key is current at that moment)."""

    def __init__(self, port, client, dbx):
        self.client, self.dbx, self.stop_flag = client, dbx, False
        self.count, self.bad = 0, []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        i = 0
        while not self.stop_flag:
            i += 1
            for method, path, body in [
                    ("GET", f"/api/v1/fabrics/{self.dbx}", None),
                    ("GET", f"/api/v1/fabrics/{self.dbx}/credential", None),
                    ("PUT", f"/api/v1/credentials/git/load{i % 7}.example.com",
                     {"secret": "load-" + secrets.token_hex(8)})]:
                try:
                    st, _, _, _ = self.client.call(method, path, body)
                except Exception as e:  # a dropped connection is a failure too
                    st = repr(e)
                self.count += 1
                if st not in (200, 201):
                    self.bad.append((method, path, st))

    def stop(self):
        self.stop_flag = True
        self.thread.join(timeout=60)


def keys(admin, verify=True):
    st, js, _, _ = admin.call("GET", "/api/v1/admin/keys" + ("?verify=true" if verify else ""))
    check(st == 200, f"GET /api/v1/admin/keys (got {st} {js})")
    return js


def rotation(port, data, admin, mel, vic, dbx):
    st, js, _, _ = mel.call("GET", "/api/v1/admin/keys")
    check(st == 403, "a member cannot see the keys")
    for i in range(40):
        st, _, _, _ = vic.call("PUT", f"/api/v1/credentials/git/h{i}.example.com",
                               {"secret": "ghp_" + secrets.token_hex(10)})
        check(st == 201, f"Git token {i}")
    k0 = keys(admin)
    total = sum(k["credentials"] for k in k0["keys"])
    check(k0["source"] == "file" and k0["unreadable"] == 0 and k0["verified"], "keys before")
    check(k0["keys"][0]["current"] and k0["keys"][0]["credentials"] == total and total >= 43,
          f"one key seals everything ({k0})")

    # The command line rotates while the server serves.
    load = Load(port, mel, dbx)
    time.sleep(0.3)
    rc, out, err = sibyl("key", "rotate", "--data", data, "--batch", "5")
    time.sleep(0.3)
    load.stop()
    check(rc == 0 and "re-encrypted" in out, f"sibyl key rotate (rc {rc}: {out} {err})")
    check(load.count > 0 and not load.bad, f"requests during the rotation all succeeded "
          f"({load.count} requests, failures {load.bad[:5]})")
    k1 = keys(admin)
    check(k1["current"] != k0["current"] and k1["unreadable"] == 0,
          f"the server follows the new key and opens every credential ({k1})")
    check([k["id"] for k in k1["keys"]][:2] == [k1["current"], k0["current"]],
          "the new key first, the old one kept")
    st, js, _, _ = admin.call("POST", "/api/v1/admin/keys/reseal")
    check(st == 200 and js["unreadable"] == 0 and js["rotated"] is False, f"reseal ({js})")
    k1 = keys(admin)
    old = [k for k in k1["keys"] if k["id"] == k0["current"]]
    check(old and old[0]["credentials"] == 0, "the old key seals nothing any more")
    st, js, _, _ = mel.call("GET", f"/api/v1/fabrics/{dbx}/credential")
    check(js["set"] and js["key_id"] == k1["current"], "a credential now under the new key")

    # The API rotates while the server serves.
    load = Load(port, mel, dbx)
    time.sleep(0.3)
    st, js, _, _ = admin.call("POST", "/api/v1/admin/keys/rotate")
    time.sleep(0.3)
    load.stop()
    check(st == 200 and js["rotated"] and js["current"] != k1["current"]
          and js["previous"][:1] == [k1["current"]] and js["unreadable"] == 0,
          f"POST /api/v1/admin/keys/rotate ({st} {js})")
    check(load.count > 0 and not load.bad, f"requests during the API rotation all succeeded "
          f"({load.count} requests, failures {load.bad[:5]})")
    k2 = keys(admin)
    check(k2["unreadable"] == 0 and len(k2["keys"]) == 3, f"three keys ({k2})")

    # The command line sees the same, and prunes the unused keys.
    st, again, _, _ = admin.call("POST", "/api/v1/admin/keys/reseal")
    # At most what the load sealed with the old key just before the rotation
    # and committed after the rotation's last pass.
    check(st == 200 and again["resealed"] <= 2, f"nothing left to re-encrypt ({again})")
    rc, out, err = sibyl("key", "status", "--data", data, "--verify", "--format", "json")
    status = json.loads(out) if rc == 0 else {}
    check(rc == 0 and status.get("current") == k2["current"] and status.get("unreadable") == 0
          and status.get("keys") == k2["keys"], f"sibyl key status agrees ({rc} {out} {err} {k2})")
    rc, out, err = sibyl("key", "prune", "--data", data)
    check(rc == 0 and out.count("retired key") == 2,
          f"sibyl key prune ({rc} {out} {err}; rotate answered {js}; reseal {again}; {k2})")
    k3 = keys(admin)
    check([k["id"] for k in k3["keys"]] == [k2["current"]] and k3["unreadable"] == 0,
          f"one key left, every credential opens ({k3})")
    with open(os.path.join(data, "master.key")) as f:
        lines = [l for l in f.read().splitlines() if l and not l.startswith("#")]
    check(len(lines) == 1 and os.stat(os.path.join(data, "master.key")).st_mode & 0o777 == 0o600,
          "the key file holds one key, mode 0600")
    return k3["current"]


def admin_commands(port, data):
    """`sibyl user` and `sibyl token` on the data directory of a running
    server: the server sees their changes at once."""
    rc, out, err = sibyl("user", "add", "cli_user", "--data", data, "--tenant", "acme",
                         "--team", "default", "--role", "member")
    check(rc == 0 and "password for cli_user: " in out, f"sibyl user add ({rc} {out} {err})")
    pw = out.split("password for cli_user: ")[-1].strip()
    c = Recording(port)
    st, _, _ = c.login("acme", "cli_user", pw)
    check(st == 200, "a user added by the command line signs in")
    rc, out, err = sibyl("token", "create", "--data", data, "--tenant", "acme",
                         "--user", "cli_user", "--name", "ci", "--scopes", "read")
    check(rc == 0 and out.startswith("sbt_"), f"sibyl token create ({rc} {out} {err})")
    t = Recording(port)
    t.token = out.strip()
    st, me, _, _ = t.call("GET", "/api/v1/auth/me")
    check(st == 200 and me["user"]["login"] == "cli_user", "the token works against the server")
    rc, out, err = sibyl("token", "list", "--data", data, "--tenant", "acme", "--user", "cli_user",
                         "--format", "json")
    tid = json.loads(out)[0]["id"] if rc == 0 else 0
    rc, out, err = sibyl("token", "revoke", str(tid), "--data", data, "--tenant", "acme")
    check(rc == 0, f"sibyl token revoke ({rc} {out} {err})")
    st, _, _, _ = t.call("GET", "/api/v1/auth/me")
    check(st == 401, "a revoked token is refused at once")
    rc, out, err = sibyl("user", "disable", "cli_user", "--data", data, "--tenant", "acme")
    check(rc == 0, f"sibyl user disable ({rc} {out} {err})")
    st, _, _, _ = c.call("GET", "/api/v1/auth/me")
    check(st == 401, "a disabled user's session ends")
    st, _, _ = Recording(port).login("acme", "cli_user", pw)
    check(st == 401, "a disabled user cannot sign in")


def main():
    tmp = tempfile.mkdtemp(prefix="sibyl-fabrics-")
    data = os.path.join(tmp, "data")
    srv = Server(data, "--tenant", "acme", "--tenant", "other")
    seen = []
    try:
        admin = Recording(srv.port)
        admin.login("acme", "admin", PASSWORD)
        st, teams, _, _ = admin.call("GET", "/api/v1/teams")
        team = teams["teams"][0]["id"]
        admin, tara, mel, vic, sam, dbx, leak = fabrics(srv.port, team)
        seen.append(leak)
        credentials(srv.port, dbx, mel, vic, sam, seen)
        isolation(srv.port, team, dbx)
        admin_commands(srv.port, data)
        current = rotation(srv.port, data, admin, mel, vic, dbx)
    finally:
        rc = srv.stop()
    check(rc == 0, f"the server stops cleanly (exit {rc})")
    log = srv.log()
    check('"status":' in log and "/credential" in log, "the access log has the requests")
    secrets_only = [s for s in seen if s]
    for s in secrets_only:
        check(s not in log, "a secret never appears in the server's log")
        check(all(s.encode() not in body for body in responses),
              "a secret never comes back in a response")
    # Sealed at rest: no secret in the database files.
    for name in os.listdir(data):
        if not os.path.isfile(os.path.join(data, name)):
            continue
        with open(os.path.join(data, name), "rb") as f:
            blob = f.read()
        for s in secrets_only:
            check(s.encode() not in blob, f"no secret in clear in {name}")

    # After a restart the same key opens the same credentials.
    srv = Server(data, "--tenant", "acme")
    try:
        admin = Recording(srv.port)
        admin.login("acme", "admin", PASSWORD)
        k = keys(admin)
        check(k["current"] == current and k["unreadable"] == 0, "after a restart: same key")
        st, js, _, _ = admin.call("GET", f"/api/v1/fabrics/{dbx}")
        check(st == 200, "fabrics survive a restart")
    finally:
        rc = srv.stop()
    check(rc == 0, f"the restarted server stops cleanly (exit {rc})")
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        sys.exit(1)
    print("fabrics suite: all checks passed")


if __name__ == "__main__":
    main()
