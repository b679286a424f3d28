"""Helpers shared by the server suites that run `sibyl serve` processes:
starting and stopping servers, a small HTTP(S) client that keeps cookies,
counted checks, and the consistency checks of a store after a crash.

Standard library only; PostgreSQL is reached with Debian's `psql`.
"""
import http.client
import json
import os
import re
import signal
import sqlite3
import ssl
import subprocess
import sys
import threading
import time

PASSWORD = "correct-horse-battery"

# Spark settings of the goldens (docs/testing.md), for the `spark` fabrics
# the suites define.
SPARK_CONF = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
}


class Checks:
    """Counted checks: every failure is printed at once and summed up at the end."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = []

    def __call__(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print("FAIL:", what, file=sys.stderr, flush=True)
        return cond

    def finish(self):
        print(f"{self.suite}: {self.passed} passed, {len(self.failed)} failed", flush=True)
        sys.exit(1 if self.failed else 0)


class Server:
    """One `sibyl serve` process. Its stderr is drained by a thread into
    `lines`, so that access logs never fill the pipe and stall the server."""

    def __init__(self, sibyl, data, store=None, extra=(), env=None, tls=False):
        e = dict(os.environ, SIBYL_ADMIN_PASSWORD=PASSWORD)
        e.pop("SIBYL_MASTER_KEY", None)
        e.update(env or {})
        args = [sibyl, "serve", "--data", data, "--listen", "127.0.0.1:0"]
        if store:
            args += ["--store", store]
        if not tls:
            args.append("--insecure-cookies")
        args += list(extra)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=e)
        self.lines = []
        self.port = None
        self.scheme = "https" if tls else "http"
        ready = threading.Event()

        def drain():
            pat = re.compile(r"listening on https?://127\.0\.0\.1:(\d+)")
            for line in self.proc.stderr:
                self.lines.append(line)
                m = pat.search(line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.drainer = threading.Thread(target=drain, daemon=True)
        self.drainer.start()
        ready.wait(60)
        if self.port is None:
            self.proc.kill()
            self.drainer.join(5)
            raise SystemExit("server did not start:\n" + "".join(self.lines))
        self.startup_s = time.monotonic() - self.t0

    def log(self):
        return "".join(self.lines)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM and wait; the exit status (-1 when it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = -1
        self.drainer.join(5)
        return rc

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.drainer.join(5)


class Client:
    """A client of one server: keeps the session cookies and CSRF token of
    its sign-in, or sends an API token."""

    def __init__(self, server, cafile=None, timeout=30):
        self.server = server
        self.cookies = {}
        self.csrf = None
        self.token = None
        self.timeout = timeout
        self.set_cookie_lines = []
        self.ctx = None
        if server.scheme == "https":
            # Verifies the certificate and that it names 127.0.0.1.
            self.ctx = ssl.create_default_context(cafile=cafile)

    def connect(self):
        if self.ctx:
            return http.client.HTTPSConnection("127.0.0.1", self.server.port,
                                               timeout=self.timeout, context=self.ctx)
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout)

    def call(self, method, path, body=None, headers=None, raw=None):
        """(status, parsed JSON or None, lower-cased headers, raw body)."""
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
        conn = self.connect()
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            text = resp.read()
        finally:
            conn.close()
        self.set_cookie_lines = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
        for v in self.set_cookie_lines:
            name, _, rest = v.partition("=")
            self.cookies[name] = rest.split(";")[0]
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return resp.status, js, {k.lower(): v for k, v in resp.getheaders()}, text

    def login(self, tenant, login, password=PASSWORD):
        st, js, _, _ = self.call("POST", "/api/v1/auth/login",
                                 {"tenant": tenant, "login": login, "password": password})
        if st == 200:
            self.csrf = js["csrf_token"]
        return st, js


# ---- Server-Sent Events ------------------------------------------------------

class Events:
    """One event stream: GET /api/v1/runs/{id}/events, read event by event."""

    def __init__(self, client, run_id, timeout=300):
        self.conn = client.connect()
        self.conn.timeout = timeout
        h = {}
        if client.token:
            h["Authorization"] = "Bearer " + client.token
        elif client.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        self.conn.request("GET", f"/api/v1/runs/{run_id}/events", headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("Content-Type", "")
        self.events = []
        self.comments = 0
        self.ended = False
        if self.status != 200:
            self.resp.read()
            self.ended = True

    def next(self):
        """(event, data) of the next event, or None at the end of the stream."""
        name, data = None, []
        while not self.ended:
            line = self.resp.readline()
            if not line:
                self.ended = True
                break
            line = line.decode().rstrip("\r\n")
            if line == "":
                if data:
                    ev = (name or "message", json.loads("\n".join(data)))
                    self.events.append(ev)
                    return ev
                name = None
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        return None

    def until(self, pred):
        """Read until an event satisfies pred (returned) or the stream ends (None)."""
        while True:
            ev = self.next()
            if ev is None or pred(ev):
                return ev

    def rest(self):
        while self.next() is not None:
            pass
        self.close()
        return self.events

    def close(self):
        self.conn.close()


def edges(events):
    return [d for e, d in events if e == "edge"]


def statuses(events):
    return [d["status"] for e, d in events if e == "status"]


def done_of(events):
    d = [d for e, d in events if e == "done"]
    return d[-1] if d else None


def wait_ready(server, seconds=30):
    """Poll /readyz until it answers 200."""
    deadline = time.monotonic() + seconds
    c = Client(server, timeout=5)
    while time.monotonic() < deadline:
        try:
            if c.call("GET", "/readyz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


# ---- stores ------------------------------------------------------------------

def psql(conninfo, sql):
    """Run SQL with psql; the rows as lists of text fields."""
    out = subprocess.run(["psql", conninfo, "-qAtX", "-v", "ON_ERROR_STOP=1", "-F", "\t",
                          "-c", sql], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


# What the schema cannot say by itself (as sb_store_check): versions start
# at 1, and the file history holds each file's current text.
_VERSIONED = ["tenants", "teams", "users", "memberships", "projects", "project_files",
              "api_tokens", "sessions"]
_FILE_HISTORY = ("SELECT COUNT(*) FROM project_files f "
                 "LEFT JOIN project_file_versions v ON v.tenant_id = f.tenant_id "
                 "AND v.file_id = f.id AND v.version = f.version "
                 "WHERE v.file_id IS NULL OR v.content <> f.content OR v.name <> f.name")


def check_sqlite(path):
    """Problems of an SQLite store (empty when consistent): the integrity
    and foreign-key checks and the store's own invariants."""
    problems = []
    db = sqlite3.connect(path, timeout=10)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
        if rows != [("ok",)]:
            problems.append(f"integrity_check: {rows}")
        rows = db.execute("PRAGMA foreign_key_check").fetchall()
        if rows:
            problems.append(f"foreign_key_check: {rows[:10]}")
        for t in _VERSIONED:
            n = db.execute(f"SELECT COUNT(*) FROM {t} WHERE version < 1").fetchone()[0]
            if n:
                problems.append(f"{t}: {n} rows with a version below 1")
        n = db.execute(_FILE_HISTORY).fetchone()[0]
        if n:
            problems.append(f"{n} files whose history lacks their current text")
    finally:
        db.close()
    return problems


def check_pg(conninfo):
    """Problems of a PostgreSQL store: every foreign key of the schema has no
    orphan, every index passes amcheck (when installed), and the store's
    own invariants hold."""
    problems = []
    fks = psql(conninfo, """
        SELECT c.conrelid::regclass, c.confrelid::regclass,
               (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.i)
                  FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
               (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY k.i)
                  FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
          FROM pg_constraint c
          JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE c.contype = 'f' AND n.nspname = current_schema()""")
    if not fks:
        problems.append("no foreign keys found: not sibyl's schema?")
    for child, parent, ccols, pcols in fks:
        cond = " AND ".join(f"p.{p} = c.{q}" for p, q in zip(pcols.split(","), ccols.split(",")))
        notnull = " AND ".join(f"c.{q} IS NOT NULL" for q in ccols.split(","))
        n = int(psql(conninfo, f"SELECT COUNT(*) FROM {child} c WHERE {notnull} AND NOT EXISTS "
                               f"(SELECT 1 FROM {parent} p WHERE {cond})")[0][0])
        if n:
            problems.append(f"{child}({ccols}) -> {parent}: {n} orphan rows")
    has_amcheck = psql(conninfo, "SELECT COUNT(*) FROM pg_extension WHERE extname = 'amcheck'")
    if has_amcheck[0][0] == "1":
        try:
            psql(conninfo, """
                SELECT bt_index_check(i.indexrelid, true) FROM pg_index i
                  JOIN pg_class c ON c.oid = i.indexrelid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  JOIN pg_am am ON am.oid = c.relam
                 WHERE n.nspname = current_schema() AND am.amname = 'btree'""")
        except subprocess.CalledProcessError as e:
            problems.append("amcheck: " + e.stderr.strip())
    for t in _VERSIONED:
        n = int(psql(conninfo, f"SELECT COUNT(*) FROM {t} WHERE version < 1")[0][0])
        if n:
            problems.append(f"{t}: {n} rows with a version below 1")
    n = int(psql(conninfo, _FILE_HISTORY)[0][0])
    if n:
        problems.append(f"{n} files whose history lacks their current text")
    return problems


def pg_available():
    return bool(os.environ.get("SIBYL_TEST_PG"))
