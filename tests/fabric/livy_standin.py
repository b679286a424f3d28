#!/usr/bin/env python3
"""livy_standin.py — a stand-in for an Apache Livy server, for tests only.

No Livy release that runs Spark 3.5 can be installed on the test machines
(see ../shared/reference/livy.md), so the `livy` fabric is tested against
this server. It implements the REST behaviour a client sees from Livy 0.8,
following the server's own code where it and the docs differ, and executes
every pyspark statement in a real pyspark session:

  - one worker process per interactive session, holding a SparkSession and
    one Python namespace (with `spark`, `sc`, `sqlContext`), like Livy's
    PythonInterpreter; session states not_started -> starting -> idle ->
    busy -> idle, and error/dead when the worker fails or dies;
  - statements: waiting -> running -> available (or cancelling ->
    cancelled); output {"status":"ok","execution_count","data":{"text/plain"}}
    with stdout plus the repr of a final expression, %json magic, or
    {"status":"error","ename","evalue","traceback"}; "Interpreter died:"
    when the worker dies mid-statement; only the last 100 statements kept;
  - cancel: the statement's job group is cancelled (Spark jobs stop; pure
    Python code runs on, as in Livy);
  - GET /sessions?from&size -> {from,total,sessions}; /sessions/{id},
    /state, /log?from&size, /statements?from&size -> {total_statements,
    statements}; DELETE -> {"msg":"deleted"}; unknown ids 404
    {"msg":"Session 'N' not found."}; statements on a dead session 400
    "requirement failed: Session isn't active.";
  - POST /sessions/{id}/connect records activity; sessions idle longer than
    --session-timeout are deleted (then 404), as livy.server.session.timeout;
  - batches: POST /batches runs `spark-submit` of `file` with pyFiles,
    args and conf; states starting -> running -> success | dead, killed on
    DELETE; local files must be under --local-dir-whitelist (400 otherwise);
  - CSRF (--csrf): POST/DELETE/PUT without X-Requested-By get 400 "Missing
    Required Header for CSRF protection."; HTTP Basic (--basic user:pass)
    answers 401 with WWW-Authenticate; GET /version.

Test-only endpoints (no real Livy has them; tests that use them are skipped
against a real server): POST /_standin/expire/{id} deletes a session as the
idle timeout would; POST /_standin/stall {"seconds", "prefix"} makes the next
matching request hang; GET /_standin/processes lists live worker and batch
pids.

  python livy_standin.py --port 0 --port-file /tmp/port [--csrf] [--basic u:p]
"""
import argparse
import base64
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

VERSION = "0.8.0-incubating"
RETAINED_STATEMENTS = 100
SESSION_KINDS = ("spark", "pyspark", "sparkr", "sql", "shared")

# The interpreter inside a session's worker process: requests on stdin,
# replies on a pipe whose fd is in the settings, stdout/stderr (Spark's logs) into the session log.
WORKER = r'''
import ast, json, os, sys, threading, queue, traceback, io
cfg = json.loads(sys.argv[1])
proto = os.fdopen(cfg["fd"], "w", buffering=1)
lock = threading.Lock()
def send(obj):
    with lock:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()
try:
    from pyspark.sql import SparkSession, SQLContext
    b = SparkSession.builder.master(cfg["master"]).appName(cfg["name"])
    for k, v in cfg["conf"].items():
        b = b.config(k, str(v))
    spark = b.getOrCreate()
    sc = spark.sparkContext
except BaseException as e:
    send({"ev": "failed", "error": "%s: %s" % (type(e).__name__, e)})
    sys.exit(1)
ns = {"__name__": "__main__", "spark": spark, "sc": sc, "sqlContext": SQLContext(sc, spark)}
send({"ev": "ready", "appId": sc.applicationId})
work = queue.Queue()
def reader():
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "cancel":
            sc.cancelJobGroup(str(req["id"]))
        else:
            work.put(req)
    work.put(None)
threading.Thread(target=reader, daemon=True).start()
count = 0
def run_code(code):
    # Like Livy's fake_shell: run every statement, echo a final expression.
    lines = code.splitlines()
    magic = None
    if lines and lines[-1].strip().startswith("%"):
        magic = lines[-1].strip()
        code = "\n".join(lines[:-1])
    tree = ast.parse(code, "<stdin>", "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and magic is None:
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, "<stdin>", "exec"), ns)
    data = {}
    if last is not None:
        value = eval(compile(last, "<stdin>", "eval"), ns)
        if value is not None:
            print(repr(value))
    if magic:
        name, _, arg = magic[1:].partition(" ")
        if name == "json":
            data["application/json"] = ns[arg.strip()]
        else:
            raise ValueError("unknown magic %s" % name)
    return data
while True:
    req = work.get()
    if req is None:
        break
    count += 1
    out = io.StringIO()
    saved = sys.stdout
    sys.stdout = out
    try:
        sc.setJobGroup(str(req["id"]), "livy statement %d" % req["id"], True)
        data = run_code(req["code"])
        sys.stdout = saved
        data["text/plain"] = out.getvalue().rstrip("\n")
        result = {"status": "ok", "execution_count": count - 1, "data": data}
    except BaseException as e:
        sys.stdout = saved
        tb = traceback.format_exception(type(e), e, e.__traceback__)
        result = {"status": "error", "execution_count": count - 1, "ename": type(e).__name__,
                  "evalue": str(e), "traceback": tb}
    send({"ev": "result", "id": req["id"], "output": result})
'''


class Stall:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, seconds, prefix):
        with self.lock:
            self.rules.append((seconds, prefix))

    def take(self, method, path):
        with self.lock:
            for i, (seconds, prefix) in enumerate(self.rules):
                if (method + " " + path).startswith(prefix) or path.startswith(prefix):
                    del self.rules[i]
                    return seconds
        return 0


class Statement:
    def __init__(self, sid, code):
        self.id = sid
        self.code = code
        self.state = "waiting"
        self.output = None
        self.progress = 0.0
        self.started = 0
        self.completed = 0

    def view(self):
        return {"id": self.id, "code": self.code, "state": self.state, "output": self.output,
                "progress": self.progress, "started": self.started, "completed": self.completed}


class Session:
    def __init__(self, server, sid, req, owner):
        self.server = server
        self.id = sid
        self.name = req.get("name")
        self.kind = req.get("kind") or "shared"
        self.owner = owner
        self.proxy_user = req.get("proxyUser") or owner
        self.conf = dict(req.get("conf") or {})
        self.state = "not_started"
        self.app_id = None
        self.lock = threading.Condition()
        self.statements = []
        self.next_statement = 0
        self.pending = []
        self.current = None
        self.log = []
        self.last_activity = time.time()
        self.proc = None
        self.proto = None
        self.log_path = None
        threading.Thread(target=self._start, daemon=True).start()

    # -- lifecycle --------------------------------------------------------
    def _start(self):
        with self.lock:
            self.state = "starting"
        if self.server.args.start_delay:
            time.sleep(self.server.args.start_delay)
        conf = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                "spark.sql.shuffle.partitions": "2"}
        conf.update(self.conf)
        cfg = {"master": self.server.args.master, "name": self.name or "livy-session-%d" % self.id,
               "conf": conf}
        r, w = os.pipe()
        cfg["fd"] = w
        fd, self.log_path = tempfile.mkstemp(prefix="livy-session-%d-" % self.id, suffix=".log")
        env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
        with self.lock:
            if self.state != "starting":  # deleted while starting
                os.close(r), os.close(w), os.close(fd)
                return
            self.proc = subprocess.Popen(
                [sys.executable, "-u", "-c", WORKER, json.dumps(cfg)], stdin=subprocess.PIPE,
                stdout=fd, stderr=fd, pass_fds=(w,), env=env, start_new_session=True)
        os.close(w)
        os.close(fd)
        self.proto = os.fdopen(r, "r")
        threading.Thread(target=self._events, daemon=True).start()

    def _events(self):
        for line in self.proto:
            ev = json.loads(line)
            with self.lock:
                if ev["ev"] == "ready":
                    self.app_id = ev["appId"]
                    if self.state == "starting":
                        self.state = "idle"
                    self._next()
                elif ev["ev"] == "failed":
                    self.log.append(ev["error"])
                    self.state = "error"
                elif ev["ev"] == "result":
                    st = self.current
                    if st is not None and st.id == ev["id"]:
                        st.output = ev["output"]
                        st.state = "cancelled" if st.state == "cancelling" else "available"
                        st.progress = 1.0
                        st.completed = int(time.time() * 1000)
                        self.current = None
                        self.last_activity = time.time()
                        if self.state == "busy":
                            self.state = "idle"
                        self._next()
                self.lock.notify_all()
        # The worker is gone.
        code = self.proc.wait() if self.proc else None
        with self.lock:
            self._read_log()
            if self.state in ("shutting_down", "killed"):
                return
            tail = "\n".join(self.log[-20:])
            if self.current is not None:
                st = self.current
                st.output = {"status": "error", "execution_count": st.id, "ename": "Error",
                             "evalue": "Interpreter died:\n" + tail, "traceback": []}
                st.state = "available"
                st.completed = int(time.time() * 1000)
                self.current = None
            for st in self.pending:
                st.state = "cancelled"
            self.pending = []
            self.state = "dead" if self.state != "error" else "error"
            self.log.append("worker exited with %s" % code)
            self.lock.notify_all()

    def _read_log(self):
        if self.log_path and os.path.exists(self.log_path):
            with open(self.log_path, errors="replace") as fh:
                self.log = [l.rstrip("\n") for l in fh]

    def _next(self):
        # Called with the lock held: start the next waiting statement.
        if self.current is not None or self.state != "idle" or not self.pending:
            return
        st = self.pending.pop(0)
        st.state = "running"
        st.started = int(time.time() * 1000)
        self.current = st
        self.state = "busy"
        self._send({"op": "exec", "id": st.id, "code": st.code})

    def _send(self, obj):
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, AttributeError):
            pass

    def stop(self, final_state="killed"):
        with self.lock:
            self.state = "shutting_down"
            proc = self.proc
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the JVM
            except ProcessLookupError:
                pass
        with self.lock:
            self.state = final_state
        if self.log_path:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    # -- statements --------------------------------------------------------
    def active(self):
        return self.state in ("not_started", "starting", "idle", "busy", "running", "recovering")

    def submit(self, code):
        with self.lock:
            st = Statement(self.next_statement, code)
            self.next_statement += 1
            self.statements.append(st)
            del self.statements[:-RETAINED_STATEMENTS]
            self.pending.append(st)
            self.last_activity = time.time()
            self._next()
            return st

    def statement(self, sid):
        with self.lock:
            for st in self.statements:
                if st.id == sid:
                    return st
        return None

    def cancel(self, sid):
        with self.lock:
            st = None
            for s in self.statements:
                if s.id == sid:
                    st = s
            if st is None:
                return False
            if st.state == "waiting":
                st.state = "cancelled"
                self.pending.remove(st)
            elif st.state == "running":
                st.state = "cancelling"
                self._send({"op": "cancel", "id": sid})
            return True

    def view(self):
        self._read_log()
        return {"id": self.id, "name": self.name, "appId": self.app_id, "owner": self.owner,
                "proxyUser": self.proxy_user, "state": self.state, "kind": self.kind,
                "appInfo": {"driverLogUrl": None, "sparkUiUrl": None}, "log": self.log[-10:]}


class Batch:
    def __init__(self, server, bid, req, owner):
        self.id = bid
        self.name = req.get("name")
        self.owner = owner
        self.proxy_user = req.get("proxyUser") or owner
        self.state = "starting"
        self.app_id = None
        self.log = []
        fd, self.log_path = tempfile.mkstemp(prefix="livy-batch-%d-" % bid, suffix=".log")
        submit = os.path.join(os.path.dirname(__import__("pyspark").__file__), "bin",
                              "spark-submit")
        cmd = [submit, "--master", server.args.master, "--name", self.name or "batch-%d" % bid,
               "--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false"]
        for k, v in (req.get("conf") or {}).items():
            cmd += ["--conf", "%s=%s" % (k, v)]
        if req.get("pyFiles"):
            cmd += ["--py-files", ",".join(req["pyFiles"])]
        cmd.append(req["file"])
        cmd += [str(a) for a in req.get("args") or []]
        env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
        self.proc = subprocess.Popen(cmd, stdout=fd, stderr=fd, env=env, start_new_session=True)
        os.close(fd)
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        time.sleep(0.3)
        if self.state == "starting":
            self.state = "running"
        code = self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._read_log()
        if self.state != "killed":
            self.state = "success" if code == 0 else "dead"

    def _read_log(self):
        if os.path.exists(self.log_path):
            with open(self.log_path, errors="replace") as fh:
                self.log = [l.rstrip("\n") for l in fh]
            for l in self.log:
                if "local-" in l and "app" in l.lower() and self.app_id is None:
                    for word in l.split():
                        if word.startswith("local-"):
                            self.app_id = word.strip(".,")

    def kill(self):
        if self.proc.poll() is None:
            self.state = "killed"
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
        try:
            os.unlink(self.log_path)
        except OSError:
            pass

    def view(self):
        self._read_log()
        return {"id": self.id, "name": self.name, "owner": self.owner,
                "proxyUser": self.proxy_user, "state": self.state, "appId": self.app_id,
                "appInfo": {"driverLogUrl": None, "sparkUiUrl": None}, "log": self.log[-10:]}


def log_slice(lines, q):
    # SessionServlet.serializeLogs: size defaults to 100, from to the last `size`.
    size = int(q.get("size", ["100"])[0])
    frm = int(q.get("from", ["-1"])[0])
    if size < 0:
        size = len(lines)
    if frm < 0:
        frm = max(0, len(lines) - size)
    return frm, len(lines), lines[frm:frm + size]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LivyStandin/" + VERSION

    def log_message(self, fmt, *args):
        if self.server.args.verbose:
            sys.stderr.write("standin: " + fmt % args + "\n")

    def reply(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw.strip():
            return {}
        return json.loads(raw)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        srv = self.server
        url = urlparse(self.path)
        path = url.path.rstrip("/") or "/"
        q = parse_qs(url.query)
        try:
            payload = self.body() if method in ("POST", "PUT") else {}
        except ValueError:
            return self.reply(400, {"msg": "Rejected, Reason: invalid JSON body"})
        if path.startswith("/_standin/"):
            return self.control(method, path, payload)
        delay = srv.stall.take(method, path)
        if delay:
            time.sleep(delay)
        user = None
        if srv.args.basic:
            auth = self.headers.get("Authorization") or ""
            ok = False
            if auth.startswith("Basic "):
                try:
                    ok = base64.b64decode(auth[6:]).decode() == srv.args.basic
                    user = srv.args.basic.split(":", 1)[0]
                except ValueError:
                    ok = False
            if not ok:
                return self.reply(401, {"msg": "Authentication required"},
                                  {"WWW-Authenticate": 'Basic realm="livy"'})
        if srv.args.csrf and method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if self.headers.get("X-Requested-By") is None:
                return self.reply(400, {"msg": "Missing Required Header for CSRF protection."})
        parts = [p for p in path.split("/") if p]
        if parts == ["version"]:
            return self.reply(200, {"version": VERSION, "user": "standin", "revision": "standin",
                                    "branch": "standin", "date": "", "url": ""})
        if parts and parts[0] == "sessions":
            return self.sessions(method, parts[1:], q, payload, user)
        if parts and parts[0] == "batches":
            return self.batches(method, parts[1:], q, payload, user)
        return self.reply(404, {"msg": "Not found"})

    def control(self, method, path, payload):
        srv = self.server
        parts = [p for p in path.split("/") if p][1:]
        if method == "POST" and parts[:1] == ["expire"]:
            sid = int(parts[1])
            s = srv.sessions.pop(sid, None)
            if s is None:
                return self.reply(404, {"msg": "no such session"})
            s.stop()
            return self.reply(200, {"msg": "expired"})
        if method == "POST" and parts == ["stall"]:
            srv.stall.add(float(payload.get("seconds", 30)), payload.get("prefix", ""))
            return self.reply(200, {"msg": "ok"})
        if method == "GET" and parts == ["processes"]:
            pids = [s.proc.pid for s in srv.sessions.values()
                    if s.proc is not None and s.proc.poll() is None]
            pids += [b.proc.pid for b in srv.batches.values() if b.proc.poll() is None]
            return self.reply(200, {"pids": pids, "sessions": sorted(srv.sessions)})
        return self.reply(404, {"msg": "Not found"})

    def session_or_404(self, sid):
        s = self.server.sessions.get(sid)
        if s is None:
            self.reply(404, {"msg": "Session '%d' not found." % sid})
        return s

    def sessions(self, method, parts, q, payload, user):
        srv = self.server
        if not parts:
            if method == "GET":
                frm = int(q.get("from", ["0"])[0])
                size = int(q.get("size", ["100"])[0])
                items = [srv.sessions[k] for k in sorted(srv.sessions)]
                return self.reply(200, {"from": frm, "total": len(items),
                                        "sessions": [s.view() for s in items[frm:frm + size]]})
            if method == "POST":
                kind = payload.get("kind")
                if kind is not None and kind not in SESSION_KINDS:
                    return self.reply(400, {"msg": "Invalid kind: %s" % kind})
                name = payload.get("name")
                with srv.lock:
                    if name and any(s.name == name for s in srv.sessions.values()):
                        return self.reply(400, {"msg": "Duplicate session name: %s" % name})
                    sid = next(srv.ids)
                    s = Session(srv, sid, payload, user)
                    srv.sessions[sid] = s
                return self.reply(201, s.view(), {"Location": "/sessions/%d" % sid})
            return self.reply(405, {"msg": "Method not allowed"})
        try:
            sid = int(parts[0])
        except ValueError:
            return self.reply(404, {"msg": "Session '%s' not found." % parts[0]})
        s = self.session_or_404(sid)
        if s is None:
            return
        rest = parts[1:]
        if not rest:
            if method == "GET":
                return self.reply(200, s.view())
            if method == "DELETE":
                srv.sessions.pop(sid, None)
                s.stop()
                return self.reply(200, {"msg": "deleted"})
        if rest == ["state"] and method == "GET":
            return self.reply(200, {"id": sid, "state": s.state})
        if rest == ["log"] and method == "GET":
            s.view()
            frm, total, lines = log_slice(s.log, q)
            return self.reply(200, {"id": sid, "from": frm, "total": total, "log": lines})
        if rest == ["connect"] and method == "POST":
            s.last_activity = time.time()
            return self.reply(200, s.view())
        if rest == ["statements"]:
            if method == "GET":
                with s.lock:
                    items = list(s.statements)
                frm = int(q.get("from", ["0"])[0])
                size = int(q.get("size", [str(len(items))])[0])
                return self.reply(200, {"total_statements": len(items),
                                        "statements": [x.view() for x in items[frm:frm + size]]})
            if method == "POST":
                if not s.active():
                    return self.reply(400, {"msg": "requirement failed: Session isn't active."})
                code = payload.get("code")
                if code is None:
                    return self.reply(400, {"msg": "Rejected, Reason: no code"})
                kind = payload.get("kind") or s.kind
                if kind not in ("pyspark", "shared"):
                    st = s.submit("raise NotImplementedError('the stand-in runs pyspark only')")
                else:
                    st = s.submit(code)
                return self.reply(201, st.view(),
                                  {"Location": "/sessions/%d/statements/%d" % (sid, st.id)})
        if len(rest) >= 2 and rest[0] == "statements":
            try:
                stid = int(rest[1])
            except ValueError:
                return self.reply(404, {"msg": "Statement not found"})
            if len(rest) == 2 and method == "GET":
                st = s.statement(stid)
                if st is None:
                    return self.reply(404, {"msg": "Statement not found"})
                with s.lock:
                    return self.reply(200, st.view())
            if rest[2:] == ["cancel"] and method == "POST":
                if not s.cancel(stid):
                    return self.reply(404, {"msg": "Statement not found"})
                return self.reply(200, {"msg": "canceled"})
        return self.reply(404, {"msg": "Not found"})

    def batches(self, method, parts, q, payload, user):
        srv = self.server
        if not parts:
            if method == "GET":
                frm = int(q.get("from", ["0"])[0])
                size = int(q.get("size", ["100"])[0])
                items = [srv.batches[k] for k in sorted(srv.batches)]
                return self.reply(200, {"from": frm, "total": len(items),
                                        "sessions": [b.view() for b in items[frm:frm + size]]})
            if method == "POST":
                f = payload.get("file")
                if not f:
                    return self.reply(400, {"msg": "requirement failed: File is required."})
                for p in [f] + list(payload.get("pyFiles") or []):
                    local = urlparse(p).scheme in ("", "file")
                    path = urlparse(p).path
                    allowed = any(os.path.abspath(path).startswith(os.path.abspath(d) + os.sep)
                                  for d in srv.args.local_dir_whitelist)
                    if local and not allowed:
                        return self.reply(400, {"msg": "Local path %s cannot be added to user "
                                                       "sessions." % p})
                with srv.lock:
                    bid = next(srv.batch_ids)
                    b = Batch(srv, bid, payload, user)
                    srv.batches[bid] = b
                return self.reply(201, b.view(), {"Location": "/batches/%d" % bid})
        try:
            bid = int(parts[0])
        except ValueError:
            return self.reply(404, {"msg": "Session '%s' not found." % parts[0]})
        b = srv.batches.get(bid)
        if b is None:
            return self.reply(404, {"msg": "Session '%d' not found." % bid})
        rest = parts[1:]
        if not rest and method == "GET":
            return self.reply(200, b.view())
        if not rest and method == "DELETE":
            srv.batches.pop(bid, None)
            b.kill()
            return self.reply(200, {"msg": "deleted"})
        if rest == ["state"] and method == "GET":
            return self.reply(200, {"id": bid, "state": b.state})
        if rest == ["log"] and method == "GET":
            b.view()
            frm, total, lines = log_slice(b.log, q)
            return self.reply(200, {"id": bid, "from": frm, "total": total, "log": lines})
        return self.reply(404, {"msg": "Not found"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, args):
        super().__init__(addr, Handler)
        self.args = args
        self.lock = threading.Lock()
        self.sessions = {}
        self.batches = {}
        self.ids = itertools.count()
        self.batch_ids = itertools.count()
        self.stall = Stall()
        threading.Thread(target=self._gc, daemon=True).start()

    def _gc(self):
        # livy.server.session.timeout: idle sessions are deleted.
        while True:
            time.sleep(0.5)
            now = time.time()
            for sid, s in list(self.sessions.items()):
                idle = s.state not in ("busy", "starting", "not_started") or \
                    not self.args.timeout_skip_busy
                if idle and now - s.last_activity > self.args.session_timeout:
                    self.sessions.pop(sid, None)
                    s.stop()

    def shutdown_all(self):
        for s in list(self.sessions.values()):
            s.stop()
        for b in list(self.batches.values()):
            b.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8998)
    ap.add_argument("--port-file")
    ap.add_argument("--csrf", action="store_true")
    ap.add_argument("--basic", help="user:password")
    ap.add_argument("--session-timeout", type=float, default=3600)
    ap.add_argument("--timeout-skip-busy", action="store_true")
    ap.add_argument("--start-delay", type=float, default=0)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--local-dir-whitelist", action="append", default=[])
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    srv = Server((args.host, args.port), args)

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as fh:
            fh.write(str(srv.server_address[1]))
        os.replace(args.port_file + ".tmp", args.port_file)
    sys.stderr.write("livy stand-in on http://%s:%d\n" % srv.server_address[:2])
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.shutdown_all()


if __name__ == "__main__":
    main()
