#!/usr/bin/env python3
"""databricks_standin.py — a Databricks workspace for tests, on local Spark.

No Databricks workspace is reachable from the machines sibyl is tested on,
so this server speaks the REST APIs sibyl's `databricks` fabric uses, the way
Databricks documents them (shared/reference/databricks.md), and really runs
the code it is given:

  Command Execution 1.2   contexts/create|status|destroy, commands/execute|
                          status|cancel. Each running cluster has one driver
                          process (a real pyspark 3.5 session, local mode);
                          each execution context is its own Python namespace
                          with its own SparkSession on that driver. Results
                          are text (with `Out[N]: ` for a last expression),
                          table (display(df), SQL) or error (IPython-style
                          ANSI traceback in `cause`, HTML in `summary`).
  Clusters 2.0 / 2.1      list (paged), get, create, start, restart, delete,
                          permanent-delete, spark-versions, list-node-types.
                          Starting takes a while (PENDING, then RUNNING when
                          the driver's Spark is up); a cluster can be set up
                          to fail starting (TERMINATED with a termination
                          reason).
  Jobs 2.1 / 2.2          runs/submit (spark_python_task, python_wheel_task
                          with a `whl` library from DBFS), runs/get,
                          runs/get-output, runs/cancel, runs/list (paged).
                          Every task runs as its own Python process on local
                          Spark.
  DBFS 2.0                put, create/add-block/close, read, get-status,
                          list, mkdirs, delete, move.
  Workspace 2.0           import, export, get-status, mkdirs, delete, list.

Authentication is a bearer token. Test knobs come from environment variables
at start and from POST /standin/control at run time (never needed by a
client of the real service):

  SIBYL_DBX_TOKENS          valid tokens, comma-separated (dapi-standin-token)
  SIBYL_DBX_EXPIRED_TOKENS  tokens that are refused as expired
  SIBYL_DBX_START_SECONDS   least time a cluster takes to start (3)
  SIBYL_DBX_FILLER          extra terminated clusters, for paged lists (23)
  SIBYL_DBX_THROTTLE        "N[:S]": the next N API requests get 429 with
                            Retry-After S
  SIBYL_DBX_UNAVAILABLE     "N[:S]": the next N API requests get 503
  SIBYL_DBX_NO_DRIVER       "1": do not start the driver of the running
                            cluster at start-up (tests without Spark)

  POST /standin/control  {"throttle": {"count", "retry_after", "path"},
                          "unavailable": {...}, "slow": {"path", "ms",
                          "count"}, "start_seconds", "cancel_outcome":
                          "cancelled" | "finished_error", "kill_driver":
                          cluster_id, "add_cluster": {...}, "reset": true}
  GET  /standin/state    clusters, live contexts, commands, runs, requests

Usage: databricks_standin.py [--port N] [--port-file F] [--state-dir D]
Prints "listening on http://127.0.0.1:PORT" when ready.
"""

import argparse
import base64
import ctypes
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SPARK_VERSION = "15.4.x-scala2.12"
SPARK_VERSIONS = [
    ("13.3.x-scala2.12", "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)"),
    ("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("16.4.x-scala2.12", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)"),
]
NODE_TYPES = ["i3.xlarge", "m5d.large", "Standard_DS3_v2", "n2-highmem-4"]
USER = "standin@example.com"
MAX_BLOCK = 1 << 20


# ---------------------------------------------------------------------------
# The driver of a cluster: one process, one JVM, many execution contexts.
# ---------------------------------------------------------------------------

ANSI_RED, ANSI_GREEN, ANSI_CYAN, ANSI_RESET = "\x1b[0;31m", "\x1b[0;32m", "\x1b[0;36m", "\x1b[0m"


class _ThreadStdout(io.TextIOBase):
    """sys.stdout / sys.stderr of the driver: text written by the thread that
    runs a command is that command's output; anything else goes to the log."""

    def __init__(self, inner, local):
        self.inner, self.local = inner, local

    def write(self, s):
        buf = getattr(self.local, "buf", None)
        if buf is not None:
            buf.write(s)
        else:
            self.inner.write(s)
        return len(s)

    def flush(self):
        self.inner.flush()

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


def _ipython_error(exc):
    """An error result the way a Databricks Python REPL shows it: `cause`
    is an IPython traceback with ANSI colours, `summary` a line of HTML."""
    ename = type(exc).__name__
    lines = [ANSI_RED + "-" * 75 + ANSI_RESET,
             "%s%s%s                         Traceback (most recent call last)"
             % (ANSI_RED, ename, ANSI_RESET)]
    for fs in traceback.extract_tb(exc.__traceback__):
        if fs.filename == os.path.abspath(__file__):
            continue  # the stand-in's own frames are not the user's business
        lines.append("File %s%s:%d%s, in %s%s%s" % (ANSI_GREEN, fs.filename, fs.lineno, ANSI_RESET,
                                                   ANSI_CYAN, fs.name, ANSI_RESET))
        if fs.line:
            lines.append("%s----> %d%s %s" % (ANSI_GREEN, fs.lineno, ANSI_RESET, fs.line))
        lines.append("")
    msg = str(exc)
    lines.append("%s%s%s: %s" % (ANSI_RED, ename, ANSI_RESET, msg))
    html_msg = msg.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    summary = "<span class='ansi-red-fg'>%s</span>: %s" % (ename, html_msg)
    return {"resultType": "error", "summary": summary, "cause": "\n".join(lines)}


def _table_result(df, limit=1000):
    rows = df.limit(limit + 1).collect()
    truncated = len(rows) > limit
    rows = rows[:limit]

    def cell(v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, (list, tuple)):
            return [cell(x) for x in v]
        if isinstance(v, dict):
            return {str(k): cell(x) for k, x in v.items()}
        if hasattr(v, "asDict"):
            return {k: cell(x) for k, x in v.asDict().items()}
        return str(v)

    schema = [{"name": f.name, "type": json.dumps(f.dataType.jsonValue()), "metadata": "{}"}
              for f in df.schema.fields]
    return {"resultType": "table", "data": [[cell(v) for v in r] for r in rows],
            "schema": schema, "truncated": truncated, "isJsonSchema": True}


def driver_main():
    """Runs a cluster's driver: reads requests on stdin, answers on the pipe
    named by STANDIN_REPLY_FD."""
    import ast
    import linecache

    proto = os.fdopen(int(os.environ.pop("STANDIN_REPLY_FD")), "w", buffering=1)
    proto_lock = threading.Lock()

    def send(obj):
        with proto_lock:
            proto.write(json.dumps(obj, default=str) + "\n")
            proto.flush()

    local = threading.local()
    sys.stdout = _ThreadStdout(sys.__stdout__, local)
    sys.stderr = _ThreadStdout(sys.__stderr__, local)
    # A stray interrupt must not stop the driver (PySpark installs its own
    # handler; commands are cancelled per thread, below).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master("local[2]").appName("standin-driver")
                 .config("spark.ui.enabled", "false")
                 .config("spark.sql.shuffle.partitions", "4")
                 .config("spark.sql.ansi.enabled", "false")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    except BaseException as e:  # the driver could not start
        send({"op": "failed", "message": "%s: %s" % (type(e).__name__, e)})
        return
    import platform
    send({"op": "ready", "spark": spark.version, "python": platform.python_version()})

    contexts = {}  # ctx id -> {"ns": dict, "n": int, "lock": Lock}
    running = {}  # cmd id -> {"thread": Thread, "cancelled": bool}
    running_lock = threading.Lock()

    def new_context(cid):
        session = spark.newSession()

        def display(obj, *args, **kwargs):
            local.table = obj

        ns = {"__name__": "__main__", "spark": session, "sc": session.sparkContext,
              "display": display, "displayHTML": lambda html: print(html)}
        contexts[cid] = {"ns": ns, "n": 0, "lock": threading.Lock()}

    def run_command(req):
        cmd, ctx = req["cmd"], contexts.get(req["ctx"])
        local.buf, local.table = io.StringIO(), None
        sc = spark.sparkContext
        sc.setJobGroup(cmd, "command " + cmd, interruptOnCancel=True)
        if ctx is not None:
            # In a notebook's own Python process, getOrCreate() answers the
            # notebook's session; here contexts share one process.
            SparkSession._instantiatedSession = ctx["ns"]["spark"]
            SparkSession._activeSession = ctx["ns"]["spark"]
        results = None
        try:
            if ctx is None:
                raise RuntimeError("the execution context does not exist")
            with ctx["lock"]:
                ctx["n"] += 1
                n, ns = ctx["n"], ctx["ns"]
                lang = req.get("language", "python")
                if lang == "sql":
                    results = _table_result(ns["spark"].sql(req["code"]))
                elif lang != "python":
                    raise RuntimeError("the stand-in runs python and sql commands, not %s" % lang)
                else:
                    # Named like Databricks names a command's cell, and known to
                    # linecache so that tracebacks show its lines.
                    name = "<command-%s>" % cmd[:12]
                    linecache.cache[name] = (len(req["code"]), None,
                                             req["code"].splitlines(True), name)
                    tree = ast.parse(req["code"], name, "exec")
                    last = None
                    if tree.body and isinstance(tree.body[-1], ast.Expr):
                        last = ast.Expression(tree.body.pop().value)
                    exec(compile(tree, name, "exec"), ns)
                    value = eval(compile(last, name, "eval"), ns) if last else None
                    if local.table is not None:
                        results = _table_result(local.table)
                    else:
                        text = local.buf.getvalue()
                        if value is not None:
                            text += "Out[%d]: %r" % (n, value)
                        results = {"resultType": "text", "data": text}
        except BaseException as e:  # KeyboardInterrupt from a cancel, too
            results = _ipython_error(e)
        finally:
            local.buf, local.table = None, None
        with running_lock:
            entry = running.pop(cmd, {})
        status = "Finished"
        if entry.get("cancelled"):
            status = "Cancelled"
        send({"op": "done", "cmd": cmd, "status": status, "results": results})

    def cancel(cmd):
        with running_lock:
            entry = running.get(cmd)
            if not entry:
                return
            entry["cancelled"] = True
        spark.sparkContext.cancelJobGroup(cmd)
        ident = entry["thread"].ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                                       ctypes.py_object(KeyboardInterrupt))

    for line in sys.stdin:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        op = req.get("op")
        if op == "context":
            new_context(req["ctx"])
        elif op == "drop":
            contexts.pop(req["ctx"], None)
        elif op == "run":
            t = threading.Thread(target=run_command, args=(req,), daemon=True)
            with running_lock:
                running[req["cmd"]] = {"thread": t, "cancelled": False}
            t.start()
        elif op == "cancel":
            cancel(req["cmd"])
    os._exit(0)


# ---------------------------------------------------------------------------
# The workspace: state, shared by the request threads.
# ---------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status, code, message, style="standard", headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.style = status, code, message, style
        self.headers = headers or {}


def bad(message, code="INVALID_PARAMETER_VALUE"):
    return ApiError(400, code, message)


def missing(message):
    return ApiError(404, "RESOURCE_DOES_NOT_EXIST", message)


def now_ms():
    return int(time.time() * 1000)


def spark_env(state_dir):
    """Environment of a process that runs Spark for a job task."""
    conf = os.path.join(state_dir, "spark-conf")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "log4j2.properties"), "w") as fh:
        fh.write("rootLogger.level = error\nrootLogger.appenderRef.stdout.ref = console\n"
                 "appender.console.type = Console\nappender.console.name = console\n"
                 "appender.console.target = SYSTEM_ERR\n"
                 "appender.console.layout.type = PatternLayout\n"
                 "appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n\n")
    env = dict(os.environ)
    env["SPARK_CONF_DIR"] = conf
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_SUBMIT_ARGS"] = ("--master local[2] --conf spark.ui.enabled=false "
                                  "--conf spark.sql.shuffle.partitions=4 pyspark-shell")
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Driver:
    """The driver process of a running cluster."""

    def __init__(self, ws, cluster):
        self.ws, self.cluster = ws, cluster
        self.ready = False
        self.failed = None
        self.dead = False
        self.spark_version = self.python_version = None
        d = os.path.join(ws.state_dir, "clusters", cluster["cluster_id"])
        os.makedirs(d, exist_ok=True)
        self.log_path = os.path.join(d, "driver.log")
        r, w = os.pipe()
        log = open(self.log_path, "ab")
        env = spark_env(ws.state_dir)
        env["STANDIN_REPLY_FD"] = str(w)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--driver"], stdin=subprocess.PIPE,
            stdout=log, stderr=log, pass_fds=(w,), start_new_session=True, env=env)
        os.close(w)
        log.close()
        self.reader = os.fdopen(r, "r")
        self.wlock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def send(self, obj):
        with self.wlock:
            try:
                self.proc.stdin.write((json.dumps(obj) + "\n").encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass

    def _read(self):
        for line in self.reader:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            self.ws.driver_message(self, msg)
        self.proc.wait()
        self.dead = True
        self.ws.driver_exited(self)

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Workspace:
    def __init__(self, state_dir):
        self.state_dir = state_dir
        self.lock = threading.RLock()
        self.dbfs_root = os.path.join(state_dir, "dbfs")
        self.ws_root = os.path.join(state_dir, "workspace")
        for d in (self.dbfs_root, self.ws_root):
            os.makedirs(d, exist_ok=True)
        os.makedirs(os.path.join(self.ws_root, "Users", USER), exist_ok=True)
        os.makedirs(os.path.join(self.ws_root, "Shared"), exist_ok=True)
        env = os.environ
        self.tokens = set(filter(None, env.get("SIBYL_DBX_TOKENS", "dapi-standin-token").split(",")))
        self.expired = set(filter(None, env.get("SIBYL_DBX_EXPIRED_TOKENS", "").split(",")))
        self.start_seconds = float(env.get("SIBYL_DBX_START_SECONDS", "3"))
        self.cancel_outcome = "cancelled"
        self.throttle = self._knob(env.get("SIBYL_DBX_THROTTLE"))
        self.unavailable = self._knob(env.get("SIBYL_DBX_UNAVAILABLE"))
        self.slow = None
        self.requests = []  # (method, path, status)
        self.clusters = {}
        self.drivers = {}  # cluster id -> Driver
        self.contexts = {}  # ctx id -> {...}
        self.commands = {}  # cmd id -> {...}
        self.runs = {}  # run id -> run (job runs and task runs)
        self.idempotency = {}
        self.handles = {}  # dbfs stream handle -> {...}
        self.next_id = 1000
        self._seed(int(env.get("SIBYL_DBX_FILLER", "23")), env.get("SIBYL_DBX_NO_DRIVER") == "1")
        threading.Thread(target=self._tick, daemon=True).start()

    @staticmethod
    def _knob(text):
        if not text:
            return None
        count, _, after = text.partition(":")
        return {"count": int(count), "retry_after": int(after) if after else None, "path": None}

    def new_id(self):
        with self.lock:
            self.next_id += 1
            return self.next_id

    # ---- clusters -----------------------------------------------------------

    def _cluster(self, cid, name, state, **kw):
        c = {"cluster_id": cid, "cluster_name": name, "spark_version": SPARK_VERSION,
             "node_type_id": "i3.xlarge", "driver_node_type_id": "i3.xlarge", "num_workers": 0,
             "autotermination_minutes": 60, "state": state, "state_message": "",
             "creator_user_name": USER, "cluster_source": "UI", "spark_conf": {},
             "custom_tags": {}, "default_tags": {"Vendor": "Databricks", "Creator": USER,
                                                 "ClusterName": name, "ClusterId": cid},
             "data_security_mode": "SINGLE_USER", "single_user_name": USER,
             "start_time": now_ms() - 86400000, "cluster_cores": 4.0,
             "cluster_memory_mb": 31232, "spark_context_id": random.randrange(1 << 62)}
        if state == "TERMINATED":
            c["terminated_time"] = now_ms() - 3600000
            c["termination_reason"] = {"code": "INACTIVITY", "type": "SUCCESS",
                                       "parameters": {"inactivity_duration_min": "60"}}
            c["state_message"] = "Inactive cluster terminated (inactive for 60 minutes)."
        c.update(kw)
        c["_fail_start"] = c.pop("fail_start", None)
        c["_pending_until"] = 0.0
        self.clusters[cid] = c
        return c

    def _seed(self, filler, no_driver):
        self._cluster("0101-000000-running0", "sibyl-running", "RUNNING")
        self._cluster("0101-000000-stopped0", "sibyl-stopped", "TERMINATED")
        self._cluster("0101-000000-broken00", "sibyl-broken", "TERMINATED",
                      fail_start="Cloud provider launch failure: the instance type i3.xlarge "
                                 "is not available in the availability zone (capacity).")
        for i in range(filler):
            self._cluster("0101-000000-fill%04d" % i, "team-cluster-%02d" % i, "TERMINATED")
        if not no_driver:
            self.drivers["0101-000000-running0"] = Driver(self, self.clusters["0101-000000-running0"])

    def public_cluster(self, c):
        return {k: v for k, v in c.items() if not k.startswith("_")}

    def get_cluster(self, cid):
        if not cid:
            raise bad("Missing required field: cluster_id")
        c = self.clusters.get(cid)
        if c is None:
            raise bad("Cluster %s does not exist" % cid)
        return c

    def start_cluster(self, c, message="Starting Spark"):
        """TERMINATED -> PENDING; the tick makes it RUNNING (or fails it)."""
        c["state"] = "PENDING"
        c["state_message"] = "Finding instances for new nodes, acquiring more instances if necessary"
        c["start_time"] = now_ms()
        c.pop("terminated_time", None)
        c.pop("termination_reason", None)
        c["_pending_until"] = time.monotonic() + self.start_seconds
        c["_phase"] = message
        if not c["_fail_start"]:
            self.drivers[c["cluster_id"]] = Driver(self, c)

    def terminate_cluster(self, c, reason):
        c["state"] = "TERMINATING"
        c["state_message"] = "Terminating the cluster"
        c["_terminate_at"] = time.monotonic() + 1.0
        c["_reason"] = reason
        d = self.drivers.pop(c["cluster_id"], None)
        if d:
            d.kill()
        self._fail_contexts(c["cluster_id"], "the cluster was terminated")

    def _tick(self):
        while True:
            time.sleep(0.1)
            with self.lock:
                t = time.monotonic()
                for c in self.clusters.values():
                    if c["state"] in ("PENDING", "RESTARTING") and t >= c["_pending_until"]:
                        if c["_fail_start"]:
                            c["state"] = "TERMINATING"
                            c["state_message"] = c["_fail_start"]
                            c["_terminate_at"] = t + 1.0
                            c["_reason"] = {"code": "CLOUD_PROVIDER_LAUNCH_FAILURE",
                                            "type": "CLOUD_FAILURE",
                                            "parameters": {"databricks_error_message":
                                                           c["_fail_start"]}}
                            continue
                        d = self.drivers.get(c["cluster_id"])
                        if d and d.failed:
                            c["state"] = "ERROR"
                            c["state_message"] = "Spark driver failed to start: " + d.failed
                        elif d and d.ready:
                            c["state"] = "RUNNING"
                            c["state_message"] = ""
                        else:
                            c["state_message"] = "Setting up Spark"
                    elif c["state"] == "TERMINATING" and t >= c.get("_terminate_at", 0):
                        c["state"] = "TERMINATED"
                        c["terminated_time"] = now_ms()
                        c["termination_reason"] = c.pop("_reason", None) or {
                            "code": "USER_REQUEST", "type": "SUCCESS",
                            "parameters": {"username": USER}}
                        if c["termination_reason"]["code"] == "USER_REQUEST":
                            c["state_message"] = "Terminated by user"
                self._tick_contexts()

    # ---- drivers, contexts, commands --------------------------------------------

    def driver_message(self, drv, msg):
        with self.lock:
            op = msg.get("op")
            if op == "ready":
                drv.ready = True
                drv.spark_version, drv.python_version = msg.get("spark"), msg.get("python")
            elif op == "failed":
                drv.failed = msg.get("message")
            elif op == "done":
                cmd = self.commands.get(msg["cmd"])
                if cmd and cmd["status"] not in ("Finished", "Cancelled", "Error"):
                    status, results = msg["status"], msg["results"]
                    if status == "Cancelled" or cmd["status"] == "Cancelling":
                        if self.cancel_outcome == "finished_error":
                            status = "Finished"
                            if not results or results.get("resultType") != "error":
                                results = _ipython_error(KeyboardInterrupt())
                        else:
                            status = "Cancelled"
                            results = {"resultType": "error", "summary": "Command cancelled",
                                       "cause": "com.databricks.backend.common.rpc."
                                                "CommandCancelledException"}
                    cmd["status"], cmd["results"] = status, results
                    cmd["finished"] = time.monotonic()

    def driver_exited(self, drv):
        with self.lock:
            cid = drv.cluster["cluster_id"]
            for cmd in self.commands.values():
                if cmd["cluster"] == cid and cmd["status"] in ("Queued", "Running", "Cancelling"):
                    cmd["status"] = "Finished"
                    cmd["results"] = {
                        "resultType": "error",
                        "summary": "<span class='ansi-red-fg'>Fatal error:</span> The spark "
                                   "driver has stopped unexpectedly and is restarting. Your "
                                   "notebook will be automatically reattached.",
                        "cause": "java.lang.Exception: The spark driver has stopped "
                                 "unexpectedly and is restarting."}
            self._fail_contexts(cid, "the Spark driver stopped unexpectedly")
            if self.drivers.get(cid) is drv:
                del self.drivers[cid]
                c = self.clusters.get(cid)
                if c and c["state"] == "RUNNING":
                    # Databricks restarts a driver that died.
                    self.drivers[cid] = Driver(self, c)

    def _fail_contexts(self, cid, why):
        for ctx in self.contexts.values():
            if ctx["cluster"] == cid and ctx["status"] != "Error":
                ctx["status"], ctx["error"] = "Error", why

    def _tick_contexts(self):
        for ctx in self.contexts.values():
            if ctx["status"] != "Pending":
                continue
            d = self.drivers.get(ctx["cluster"])
            if d and d.ready and d is ctx["driver"]:
                d.send({"op": "context", "ctx": ctx["id"]})
                ctx["status"] = "Running"
            elif d is None or d is not ctx["driver"] or d.failed:
                ctx["status"] = "Error"

    def live_contexts(self):
        # A context in Error died with its driver: it holds nothing.
        return [{"id": c["id"], "cluster": c["cluster"], "status": c["status"]}
                for c in self.contexts.values()
                if not c.get("destroyed") and c["status"] != "Error"]

    # ---- runs --------------------------------------------------------------

    def run_state(self, run):
        return {k: v for k, v in run.items() if not k.startswith("_")}


WS = None  # the Workspace of this process


# ---------------------------------------------------------------------------
# Request handling
# ---------------------------------------------------------------------------

ROUTES = {}


def route(method, *paths):
    def deco(fn):
        for p in paths:
            ROUTES[(method, p)] = fn
        return fn
    return deco


def truthy(v):
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def require(body, key, kind=str):
    v = body.get(key)
    if v is None or v == "":
        raise bad("Missing required field: %s" % key)
    if kind is not None and not isinstance(v, kind):
        raise bad("Invalid value for field %s: expected %s" % (key, kind.__name__))
    return v


# ---- Clusters ----------------------------------------------------------------

@route("GET", "/api/2.0/clusters/list", "/api/2.1/clusters/list")
def clusters_list(req, body):
    with WS.lock:
        items = sorted(WS.clusters.values(),
                       key=lambda c: (c["state"] != "RUNNING", c["cluster_name"], c["cluster_id"]))
        items = [WS.public_cluster(c) for c in items]
    if req.path.startswith("/api/2.0/"):
        return {"clusters": items}  # 2.0 lists everything at once
    size = int(body.get("page_size") or 20)
    if size < 1 or size > 100:
        raise bad("page_size must be between 1 and 100")
    start = 0
    tok = body.get("page_token")
    if tok:
        try:
            start = int(base64.urlsafe_b64decode(tok.encode()).decode().split(":")[1])
        except Exception:
            raise bad("Invalid page token: %s" % tok)
    page = items[start:start + size]
    out = {"clusters": page}
    if start + size < len(items):
        out["next_page_token"] = base64.urlsafe_b64encode(b"o:%d" % (start + size)).decode()
    if start > 0:
        out["prev_page_token"] = base64.urlsafe_b64encode(b"o:%d" % max(0, start - size)).decode()
    return out


@route("GET", "/api/2.0/clusters/get", "/api/2.1/clusters/get")
def clusters_get(req, body):
    with WS.lock:
        return WS.public_cluster(WS.get_cluster(body.get("cluster_id")))


@route("POST", "/api/2.0/clusters/create", "/api/2.1/clusters/create")
def clusters_create(req, body):
    version = require(body, "spark_version")
    if version not in [v for v, _ in SPARK_VERSIONS]:
        raise bad("Invalid spark version %s." % version)
    if not body.get("node_type_id") and not body.get("instance_pool_id"):
        raise bad("Missing required field: node_type_id")
    if body.get("node_type_id") and body["node_type_id"] not in NODE_TYPES:
        raise bad("Node type %s is not supported." % body["node_type_id"])
    if "num_workers" not in body and "autoscale" not in body:
        raise bad("Missing required field: num_workers or autoscale")
    name = body.get("cluster_name") or ""
    with WS.lock:
        cid = time.strftime("%m%d-%H%M%S-", time.gmtime()) + "".join(
            random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
        tags = body.get("custom_tags") or {}
        fail = tags.get("StandinFailStart")
        kw = {k: body[k] for k in ("node_type_id", "num_workers", "autoscale",
                                    "autotermination_minutes", "spark_conf", "custom_tags",
                                    "data_security_mode", "single_user_name", "spark_env_vars")
              if k in body}
        c = WS._cluster(cid, name, "TERMINATED", cluster_source="API",
                        fail_start=("Cloud provider launch failure: " + fail) if fail else None,
                        **kw)
        c["spark_version"] = version
        WS.start_cluster(c)
        return {"cluster_id": cid}


@route("POST", "/api/2.0/clusters/start", "/api/2.1/clusters/start")
def clusters_start(req, body):
    with WS.lock:
        c = WS.get_cluster(body.get("cluster_id"))
        if c["state"] != "TERMINATED":
            raise ApiError(400, "INVALID_STATE", "Cluster %s is in unexpected state %s."
                           % (c["cluster_id"], c["state"].capitalize()))
        WS.start_cluster(c)
    return {}


@route("POST", "/api/2.0/clusters/restart", "/api/2.1/clusters/restart")
def clusters_restart(req, body):
    with WS.lock:
        c = WS.get_cluster(body.get("cluster_id"))
        if c["state"] != "RUNNING":
            raise ApiError(400, "INVALID_STATE", "Cluster %s is in unexpected state %s."
                           % (c["cluster_id"], c["state"].capitalize()))
        d = WS.drivers.pop(c["cluster_id"], None)
        if d:
            d.kill()
        WS._fail_contexts(c["cluster_id"], "the cluster was restarted")
        WS.start_cluster(c)
        c["state"] = "RESTARTING"
    return {}


@route("POST", "/api/2.0/clusters/delete", "/api/2.1/clusters/delete")
def clusters_delete(req, body):
    with WS.lock:
        c = WS.get_cluster(body.get("cluster_id"))
        if c["state"] not in ("TERMINATED", "TERMINATING"):
            WS.terminate_cluster(c, None)
    return {}


@route("POST", "/api/2.0/clusters/permanent-delete", "/api/2.1/clusters/permanent-delete")
def clusters_permanent_delete(req, body):
    with WS.lock:
        c = WS.get_cluster(body.get("cluster_id"))
        d = WS.drivers.pop(c["cluster_id"], None)
        if d:
            d.kill()
        WS._fail_contexts(c["cluster_id"], "the cluster was deleted")
        del WS.clusters[c["cluster_id"]]
    return {}


@route("GET", "/api/2.0/clusters/spark-versions", "/api/2.1/clusters/spark-versions")
def clusters_spark_versions(req, body):
    return {"versions": [{"key": k, "name": n} for k, n in SPARK_VERSIONS]}


@route("GET", "/api/2.0/clusters/list-node-types", "/api/2.1/clusters/list-node-types")
def clusters_node_types(req, body):
    return {"node_types": [{"node_type_id": n, "memory_mb": 31232, "num_cores": 4.0,
                            "description": n, "instance_type_id": n, "category": "General Purpose"}
                           for n in NODE_TYPES]}


# ---- Command Execution 1.2 ------------------------------------------------------

def old_error(message, status=400):
    """API 1.2 answers errors as {"error": "..."}."""
    return ApiError(status, None, message, style="1.2")


def running_cluster(cid):
    if not cid:
        raise old_error("Missing required field: clusterId")
    c = WS.clusters.get(cid)
    if c is None:
        raise old_error("Cluster %s does not exist" % cid)
    if c["state"] in ("PENDING", "RESTARTING", "RESIZING"):
        # Clients retry this one: the cluster will be there in a moment.
        raise old_error("ClusterNotReadyException: Cluster %s is not ready yet (its state is "
                        "%s)." % (cid, c["state"]))
    if c["state"] != "RUNNING":
        raise old_error("Cluster %s is not running (its state is %s)." % (cid, c["state"]))
    return c


def get_context(body):
    cid, xid = body.get("clusterId"), body.get("contextId")
    if not xid:
        raise old_error("Missing required field: contextId")
    ctx = WS.contexts.get(xid)
    if ctx is None or ctx["cluster"] != cid or ctx.get("destroyed"):
        raise old_error("ContextNotFound: Context %s does not exist on cluster %s" % (xid, cid))
    return ctx


@route("POST", "/api/1.2/contexts/create")
def contexts_create(req, body):
    with WS.lock:
        c = running_cluster(body.get("clusterId"))
        lang = body.get("language") or "python"
        if lang not in ("python", "scala", "sql", "r"):
            raise old_error("Unsupported language %s" % lang)
        xid = str(random.randrange(10 ** 18, 10 ** 19))
        drv = WS.drivers.get(c["cluster_id"])
        WS.contexts[xid] = {"id": xid, "cluster": c["cluster_id"], "language": lang,
                            "status": "Pending", "driver": drv}
        WS._tick_contexts()
        return {"id": xid}


@route("GET", "/api/1.2/contexts/status")
def contexts_status(req, body):
    with WS.lock:
        ctx = get_context(body)
        return {"id": ctx["id"], "status": ctx["status"]}


@route("POST", "/api/1.2/contexts/destroy")
def contexts_destroy(req, body):
    with WS.lock:
        ctx = get_context(body)
        ctx["destroyed"] = True
        d = WS.drivers.get(ctx["cluster"])
        if d and d is ctx["driver"]:
            d.send({"op": "drop", "ctx": ctx["id"]})
            for cmd in WS.commands.values():
                if cmd["context"] == ctx["id"] and cmd["status"] in ("Queued", "Running"):
                    d.send({"op": "cancel", "cmd": cmd["id"]})
        return {"id": ctx["id"]}


@route("POST", "/api/1.2/commands/execute")
def commands_execute(req, body):
    with WS.lock:
        running_cluster(body.get("clusterId"))
        ctx = get_context(body)
        if ctx["status"] != "Running":
            raise old_error("Context %s is not ready (its status is %s)" % (ctx["id"], ctx["status"]))
        code = body.get("command")
        if code is None:
            raise old_error("Missing required field: command")
        lang = body.get("language") or ctx["language"]
        cmd_id = "%032x" % random.randrange(1 << 128)
        WS.commands[cmd_id] = {"id": cmd_id, "cluster": ctx["cluster"], "context": ctx["id"],
                               "status": "Running", "results": None,
                               "started": time.monotonic()}
        ctx["driver"].send({"op": "run", "ctx": ctx["id"], "cmd": cmd_id, "language": lang,
                            "code": code})
        return {"id": cmd_id}


def get_command(body):
    ctx = get_context(body)
    cmd = WS.commands.get(body.get("commandId") or "")
    if cmd is None or cmd["context"] != ctx["id"]:
        raise old_error("Command %s does not exist in context %s" % (body.get("commandId"), ctx["id"]))
    return cmd


@route("GET", "/api/1.2/commands/status")
def commands_status(req, body):
    with WS.lock:
        cmd = get_command(body)
        return {"id": cmd["id"], "status": cmd["status"], "results": cmd["results"]}


@route("POST", "/api/1.2/commands/cancel")
def commands_cancel(req, body):
    with WS.lock:
        cmd = get_command(body)
        if cmd["status"] in ("Queued", "Running"):
            cmd["status"] = "Cancelling"
            d = WS.drivers.get(cmd["cluster"])
            if d:
                d.send({"op": "cancel", "cmd": cmd["id"]})
        return {"id": cmd["id"]}


# ---- DBFS ----------------------------------------------------------------------

def dbfs_local(path):
    if not isinstance(path, str) or not path:
        raise bad("Missing required field: path")
    if path.startswith("dbfs:"):
        path = path[5:]
    if not path.startswith("/"):
        raise bad("Path must be absolute: %s" % path)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise bad("Invalid path: %s" % path)
    return os.path.join(WS.dbfs_root, *parts), "/" + "/".join(parts)


def b64(body, key):
    try:
        return base64.b64decode(body.get(key) or "", validate=True)
    except Exception:
        raise bad("The %s field is not valid base64" % key)


def file_info(local, path):
    st = os.stat(local)
    return {"path": path, "is_dir": os.path.isdir(local),
            "file_size": 0 if os.path.isdir(local) else st.st_size,
            "modification_time": int(st.st_mtime * 1000)}


def dbfs_prepare(local, path, overwrite):
    if os.path.isdir(local):
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS", "A directory already exists at %s" % path)
    if os.path.exists(local) and not overwrite:
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS",
                       "A file or directory already exists at the input path %s." % path)
    parent = os.path.dirname(local)
    if os.path.isfile(parent):
        raise bad("Parent of %s is a file" % path)
    os.makedirs(parent, exist_ok=True)


@route("POST", "/api/2.0/dbfs/put")
def dbfs_put(req, body):
    local, path = dbfs_local(body.get("path"))
    data = b64(body, "contents")
    if len(data) > MAX_BLOCK:
        raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED",
                       "File uploads using the contents field are limited to 1 MB; "
                       "use create, add-block and close.")
    with WS.lock:
        dbfs_prepare(local, path, truthy(body.get("overwrite")))
        with open(local, "wb") as fh:
            fh.write(data)
    return {}


@route("POST", "/api/2.0/dbfs/create")
def dbfs_create(req, body):
    local, path = dbfs_local(body.get("path"))
    with WS.lock:
        dbfs_prepare(local, path, truthy(body.get("overwrite")))
        handle = WS.new_id()
        WS.handles[handle] = {"local": local, "path": path, "data": bytearray(),
                              "used": time.monotonic()}
    return {"handle": handle}


def get_handle(body):
    h = body.get("handle")
    st = WS.handles.get(h) if isinstance(h, int) else None
    if st is None:
        raise missing("No file handle %s was found (handles expire after 10 minutes)" % h)
    return h, st


@route("POST", "/api/2.0/dbfs/add-block")
def dbfs_add_block(req, body):
    data = b64(body, "data")
    if len(data) > MAX_BLOCK:
        raise ApiError(400, "MAX_BLOCK_SIZE_EXCEEDED", "A block is limited to 1 MB.")
    with WS.lock:
        _, st = get_handle(body)
        st["data"] += data
        st["used"] = time.monotonic()
    return {}


@route("POST", "/api/2.0/dbfs/close")
def dbfs_close(req, body):
    with WS.lock:
        h, st = get_handle(body)
        with open(st["local"], "wb") as fh:
            fh.write(st["data"])
        del WS.handles[h]
    return {}


@route("GET", "/api/2.0/dbfs/get-status")
def dbfs_get_status(req, body):
    local, path = dbfs_local(body.get("path"))
    if not os.path.exists(local):
        raise missing("No file or directory exists on path %s." % path)
    return file_info(local, path)


@route("GET", "/api/2.0/dbfs/list")
def dbfs_list(req, body):
    local, path = dbfs_local(body.get("path"))
    if not os.path.exists(local):
        raise missing("No file or directory exists on path %s." % path)
    if not os.path.isdir(local):
        return {"files": [file_info(local, path)]}
    base = path.rstrip("/")
    return {"files": [file_info(os.path.join(local, n), base + "/" + n)
                      for n in sorted(os.listdir(local))]}


@route("GET", "/api/2.0/dbfs/read")
def dbfs_read(req, body):
    local, path = dbfs_local(body.get("path"))
    if not os.path.isfile(local):
        raise missing("No file exists on path %s." % path)
    offset = int(body.get("offset") or 0)
    length = int(body.get("length") or MAX_BLOCK)
    if length > MAX_BLOCK:
        raise ApiError(400, "MAX_READ_SIZE_EXCEEDED", "Reads are limited to 1 MB.")
    with open(local, "rb") as fh:
        fh.seek(offset)
        data = fh.read(length)
    return {"bytes_read": len(data), "data": base64.b64encode(data).decode()}


@route("POST", "/api/2.0/dbfs/mkdirs")
def dbfs_mkdirs(req, body):
    local, path = dbfs_local(body.get("path"))
    if os.path.isfile(local):
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS", "A file exists at %s" % path)
    os.makedirs(local, exist_ok=True)
    return {}


@route("POST", "/api/2.0/dbfs/delete")
def dbfs_delete(req, body):
    local, path = dbfs_local(body.get("path"))
    if path == "/":
        raise bad("Cannot delete the root directory")
    if os.path.isdir(local):
        if os.listdir(local) and not truthy(body.get("recursive")):
            raise ApiError(400, "IO_ERROR", "Directory %s is not empty; use recursive." % path)
        shutil.rmtree(local)
    elif os.path.exists(local):
        os.unlink(local)
    return {}


@route("POST", "/api/2.0/dbfs/move")
def dbfs_move(req, body):
    src, sp = dbfs_local(body.get("source_path"))
    dst, dp = dbfs_local(body.get("destination_path"))
    if not os.path.exists(src):
        raise missing("No file or directory exists on path %s." % sp)
    if os.path.exists(dst):
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS", "%s already exists" % dp)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.rename(src, dst)
    return {}


# ---- Workspace ---------------------------------------------------------------------

def ws_local(path):
    if not isinstance(path, str) or not path:
        raise bad("Missing required field: path")
    if path.startswith("/Workspace/"):
        path = path[len("/Workspace"):]
    if not path.startswith("/"):
        raise bad("Path (%s) must be absolute" % path)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise bad("Invalid path: %s" % path)
    return os.path.join(WS.ws_root, *parts), "/" + "/".join(parts)


@route("POST", "/api/2.0/workspace/import")
def workspace_import(req, body):
    local, path = ws_local(body.get("path"))
    fmt = body.get("format") or "SOURCE"
    if fmt not in ("SOURCE", "AUTO", "RAW", "HTML", "JUPYTER", "DBC", "R_MARKDOWN"):
        raise bad("Unknown format %s" % fmt)
    if fmt == "SOURCE" and not body.get("language"):
        raise bad("The language field is required when the format is SOURCE.")
    data = b64(body, "content")
    if len(data) > 10 << 20:
        raise ApiError(400, "MAX_NOTEBOOK_SIZE_EXCEEDED", "Content is limited to 10 MB.")
    with WS.lock:
        if not os.path.isdir(os.path.dirname(local)):
            raise missing("The parent folder (%s) does not exist." % os.path.dirname(path))
        if os.path.exists(local) and not truthy(body.get("overwrite")):
            raise ApiError(400, "RESOURCE_ALREADY_EXISTS", "%s already exists." % path)
        with open(local, "wb") as fh:
            fh.write(data)
    return {}


@route("GET", "/api/2.0/workspace/export")
def workspace_export(req, body):
    local, path = ws_local(body.get("path"))
    if not os.path.isfile(local):
        raise missing("Path (%s) doesn't exist." % path)
    with open(local, "rb") as fh:
        return {"content": base64.b64encode(fh.read()).decode(), "file_type": "py"}


@route("POST", "/api/2.0/workspace/mkdirs")
def workspace_mkdirs(req, body):
    local, path = ws_local(body.get("path"))
    if os.path.isfile(local):
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS", "%s exists and is not a directory" % path)
    os.makedirs(local, exist_ok=True)
    return {}


def ws_info(local, path):
    st = os.stat(local)
    return {"path": path, "object_type": "DIRECTORY" if os.path.isdir(local) else "FILE",
            "object_id": st.st_ino, "size": st.st_size,
            "modified_at": int(st.st_mtime * 1000)}


@route("GET", "/api/2.0/workspace/get-status")
def workspace_get_status(req, body):
    local, path = ws_local(body.get("path"))
    if not os.path.exists(local):
        raise missing("Path (%s) doesn't exist." % path)
    return ws_info(local, path)


@route("GET", "/api/2.0/workspace/list")
def workspace_list(req, body):
    local, path = ws_local(body.get("path"))
    if not os.path.isdir(local):
        raise missing("Path (%s) doesn't exist." % path)
    base = path.rstrip("/")
    return {"objects": [ws_info(os.path.join(local, n), base + "/" + n)
                        for n in sorted(os.listdir(local))]}


@route("POST", "/api/2.0/workspace/delete")
def workspace_delete(req, body):
    local, path = ws_local(body.get("path"))
    if not os.path.exists(local):
        raise missing("Path (%s) doesn't exist." % path)
    if os.path.isdir(local):
        if os.listdir(local) and not truthy(body.get("recursive")):
            raise ApiError(400, "DIRECTORY_NOT_EMPTY", "Folder (%s) is not empty." % path)
        shutil.rmtree(local)
    else:
        os.unlink(local)
    return {}


@route("GET", "/api/2.0/preview/scim/v2/Me")
def scim_me(req, body):
    return {"id": "4242", "userName": USER, "displayName": "Stand-in User", "active": True,
            "emails": [{"value": USER, "primary": True, "type": "work"}]}


# ---- Jobs ---------------------------------------------------------------------------

WHEEL_LAUNCHER = r"""
import importlib, importlib.metadata as md, re, sys
lib, pkg, ep = sys.argv[1:4]
sys.path.insert(0, lib)
sys.argv = [pkg] + sys.argv[4:]
norm = lambda s: re.sub(r"[-_.]+", "_", s).lower()
fn = None
for dist in md.distributions(path=[lib]):
    if norm(dist.metadata["Name"] or "") == norm(pkg):
        for e in dist.entry_points:
            if e.name == ep:
                fn = e.load()
if fn is None:
    fn = getattr(importlib.import_module(pkg), ep)
rc = fn()
sys.exit(rc if isinstance(rc, int) else 0)
"""


def task_settings(t):
    keep = ("task_key", "depends_on", "existing_cluster_id", "new_cluster", "libraries",
            "spark_python_task", "python_wheel_task", "timeout_seconds", "description")
    return {k: t[k] for k in keep if k in t}


def resolve_file(path):
    """A python_file reference (dbfs:/..., /Workspace/..., /Users/...) as a local path."""
    if path.startswith("dbfs:/"):
        local, _ = dbfs_local(path)
    elif path.startswith("/"):
        local, _ = ws_local(path)
    else:
        raise bad("python_file must be a dbfs:/ or workspace path: %s" % path)
    return local


def set_run_state(target, life, result=None, message=""):
    with WS.lock:
        target["state"] = {"life_cycle_state": life, "state_message": message,
                           "user_cancelled_or_timedout": False}
        if result:
            target["state"]["result_state"] = result
            target["end_time"] = now_ms()
            if result in ("CANCELED", "TIMEDOUT"):
                target["state"]["user_cancelled_or_timedout"] = True
        status = {"PENDING": "PENDING", "QUEUED": "QUEUED", "RUNNING": "RUNNING",
                  "TERMINATING": "TERMINATING", "TERMINATED": "TERMINATED",
                  "SKIPPED": "TERMINATED", "INTERNAL_ERROR": "TERMINATED"}[life]
        target["status"] = {"state": status}
        if result or life == "INTERNAL_ERROR":
            target["status"]["termination_details"] = {
                "code": "INTERNAL_ERROR" if life == "INTERNAL_ERROR" else {"SUCCESS": "SUCCESS", "FAILED": "RUN_EXECUTION_ERROR",
                         "CANCELED": "USER_CANCELED", "TIMEDOUT": "TIMED_OUT",
                         "UPSTREAM_FAILED": "SKIPPED"}.get(result, "INTERNAL_ERROR"),
                "type": "SUCCESS" if result == "SUCCESS" else "CLIENT_ERROR",
                "message": message}


class JobRun(threading.Thread):
    """One runs/submit run: its tasks, one after another in dependency order."""

    def __init__(self, run):
        super().__init__(daemon=True)
        self.run_ = run
        self.proc = None
        self.cancelled = False

    def set_state(self, target, life, result=None, message=""):
        set_run_state(target, life, result, message)

    def run(self):
        run = self.run_
        outcome = {}
        for task in run["_order"]:
            if any(outcome.get(dep["task_key"]) != "SUCCESS" for dep in task.get("depends_on", [])):
                self.set_state(task, "SKIPPED", "UPSTREAM_FAILED", "Upstream task failed.")
                outcome[task["task_key"]] = "UPSTREAM_FAILED"
                continue
            outcome[task["task_key"]] = self.run_task(task)
        results = list(outcome.values())
        if self.cancelled:
            final, msg = "CANCELED", "Run cancelled."
        elif all(r == "SUCCESS" for r in results):
            final, msg = "SUCCESS", ""
        elif "TIMEDOUT" in results:
            final, msg = "TIMEDOUT", "Run timed out."
        else:
            final, msg = "FAILED", "Task %s failed with message: Workload failed, see run " \
                "output for details. This caused all downstream tasks to get skipped." % next(
                    t["task_key"] for t in run["_order"]
                    if t["state"].get("result_state") not in ("SUCCESS", "UPSTREAM_FAILED"))
        if any(t["state"]["life_cycle_state"] == "INTERNAL_ERROR" for t in run["_order"]):
            self.set_state(run, "INTERNAL_ERROR", "FAILED", next(
                t["state"]["state_message"] for t in run["_order"]
                if t["state"]["life_cycle_state"] == "INTERNAL_ERROR"))
            return
        self.set_state(run, "TERMINATING", None, "")
        time.sleep(0.3)
        self.set_state(run, "TERMINATED", final, msg)

    def wait_cluster(self, task):
        """Existing cluster: start it when terminated; new cluster: a start delay."""
        cid = task.get("existing_cluster_id")
        if not cid:
            deadline = time.monotonic() + WS.start_seconds
            while time.monotonic() < deadline and not self.cancelled:
                time.sleep(0.1)
            return None
        with WS.lock:
            c = WS.clusters.get(cid)
            if c is None:
                return "Cluster %s does not exist" % cid
            if c["state"] == "TERMINATED":
                WS.start_cluster(c)
        while not self.cancelled:
            with WS.lock:
                state, msg = c["state"], c["state_message"]
            if state == "RUNNING":
                return None
            if state in ("TERMINATED", "ERROR", "TERMINATING"):
                return "Cluster %s was terminated during the run. Reason: %s" % (cid, msg)
            time.sleep(0.2)
        return None

    def run_task(self, task):
        run_dir = os.path.join(WS.state_dir, "runs", str(task["run_id"]))
        os.makedirs(run_dir, exist_ok=True)
        task["_log"] = os.path.join(run_dir, "stdout")
        task["start_time"] = now_ms()
        self.set_state(task, "PENDING", None, "Waiting for cluster")
        self.set_state(self.run_, "RUNNING", None, "In run")
        problem = self.wait_cluster(task)
        if self.cancelled:
            self.set_state(task, "TERMINATED", "CANCELED", "Run cancelled.")
            return "CANCELED"
        if problem:
            self.set_state(task, "INTERNAL_ERROR", "FAILED", problem)
            return "FAILED"
        env = spark_env(WS.state_dir)
        try:
            argv = self.command(task, run_dir, env)
        except Exception as e:
            message = e.message if isinstance(e, ApiError) else str(e)
            self.set_state(task, "INTERNAL_ERROR", "FAILED",
                           "Library installation failed for library due to user error. "
                           "Error messages: %s" % message)
            return "FAILED"
        self.set_state(task, "RUNNING", None, "In run")
        timeout = task.get("timeout_seconds") or self.run_.get("_timeout") or 0
        with open(task["_log"], "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         cwd=run_dir, start_new_session=True)
            started = time.monotonic()
            timed_out = False
            while self.proc.poll() is None:
                if self.cancelled or (timeout and time.monotonic() - started > timeout):
                    timed_out = not self.cancelled
                    os.killpg(self.proc.pid, signal.SIGTERM)
                    try:
                        self.proc.wait(5)
                    except subprocess.TimeoutExpired:
                        os.killpg(self.proc.pid, signal.SIGKILL)
                        self.proc.wait()
                    break
                time.sleep(0.1)
            rc = self.proc.returncode
        self.proc = None
        self.set_state(task, "TERMINATING", None, "")
        if self.cancelled:
            self.set_state(task, "TERMINATED", "CANCELED", "Run cancelled.")
            return "CANCELED"
        if timed_out:
            self.set_state(task, "TERMINATED", "TIMEDOUT", "Run timed out.")
            return "TIMEDOUT"
        if rc == 0:
            self.set_state(task, "TERMINATED", "SUCCESS", "")
            return "SUCCESS"
        self.set_state(task, "TERMINATED", "FAILED", "Workload failed, see run output for details")
        return "FAILED"

    def command(self, task, run_dir, env):
        if "spark_python_task" in task:
            spt = task["spark_python_task"]
            local = resolve_file(spt["python_file"])
            if not os.path.isfile(local):
                raise bad("File %s does not exist" % spt["python_file"])
            return [sys.executable, local] + [str(p) for p in spt.get("parameters") or []]
        pwt = task["python_wheel_task"]
        lib = os.path.join(run_dir, "lib")
        for spec in task.get("libraries") or []:
            if "whl" not in spec:
                continue
            whl = spec["whl"]
            local = resolve_file(whl)
            if not os.path.isfile(local):
                raise bad("Library %s does not exist" % whl)
            # pip wants the wheel's own file name.
            named = os.path.join(run_dir, os.path.basename(whl))
            shutil.copyfile(local, named)
            out = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                                  "--disable-pip-version-check", "--no-index", "--target", lib,
                                  named], capture_output=True, text=True, env=env)
            if out.returncode != 0:
                raise RuntimeError("pip could not install %s: %s" % (whl, out.stderr.strip()[-2000:]))
        if pwt.get("named_parameters"):
            params = ["--%s=%s" % (k, v) for k, v in pwt["named_parameters"].items()]
        else:
            params = [str(p) for p in pwt.get("parameters") or []]
        return [sys.executable, "-c", WHEEL_LAUNCHER, lib, pwt["package_name"],
                pwt["entry_point"]] + params


@route("POST", "/api/2.1/jobs/runs/submit", "/api/2.2/jobs/runs/submit")
def runs_submit(req, body):
    tasks = body.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise bad("At least one task is required.")
    token = body.get("idempotency_token")
    if token is not None:
        if len(token) > 64:
            raise bad("idempotency_token must be at most 64 characters")
        with WS.lock:
            if token in WS.idempotency:
                return {"run_id": WS.idempotency[token]}
    keys = set()
    for t in tasks:
        key = t.get("task_key")
        if not key or not re.fullmatch(r"[\w\-]{1,100}", key):
            raise bad("Invalid task_key: %r" % key)
        if key in keys:
            raise bad("Task key %s is not unique" % key)
        keys.add(key)
        kinds = [k for k in ("spark_python_task", "python_wheel_task", "notebook_task",
                             "spark_jar_task", "spark_submit_task", "sql_task") if k in t]
        if len(kinds) != 1:
            raise bad("Task %s must have exactly one task type" % key)
        if kinds[0] not in ("spark_python_task", "python_wheel_task"):
            raise bad("The stand-in runs spark_python_task and python_wheel_task tasks only")
        if kinds[0] == "spark_python_task":
            require(t["spark_python_task"], "python_file")
        else:
            require(t["python_wheel_task"], "package_name")
            require(t["python_wheel_task"], "entry_point")
        compute = [k for k in ("existing_cluster_id", "new_cluster", "job_cluster_key") if k in t]
        if len(compute) != 1 or compute[0] == "job_cluster_key":
            raise bad("Task %s must specify exactly one of existing_cluster_id or new_cluster" % key)
        if "existing_cluster_id" in t and t["existing_cluster_id"] not in WS.clusters:
            raise bad("Cluster %s does not exist" % t["existing_cluster_id"])
        if "new_cluster" in t:
            require(t["new_cluster"], "spark_version")
    for t in tasks:
        for dep in t.get("depends_on") or []:
            if dep.get("task_key") not in keys:
                raise bad("Task %s depends on %s, which is not defined" % (t["task_key"],
                                                                          dep.get("task_key")))
    # Dependency order (the test runs are small; a simple repeated scan will do).
    order, done = [], set()
    while len(order) < len(tasks):
        progress = False
        for t in tasks:
            if t["task_key"] not in done and all(d["task_key"] in done
                                                 for d in t.get("depends_on") or []):
                order.append(t)
                done.add(t["task_key"])
                progress = True
        if not progress:
            raise bad("The tasks' dependencies form a cycle")
    with WS.lock:
        run_id = WS.new_id()
        run = {"run_id": run_id, "job_id": None, "run_name": body.get("run_name") or "Untitled",
               "number_in_job": run_id, "creator_user_name": USER, "run_type": "SUBMIT_RUN",
               "start_time": now_ms(), "setup_duration": 0, "execution_duration": 0,
               "cleanup_duration": 0, "tasks": [],
               "run_page_url": "%s/#job/0/run/%d" % (req.base_url(), run_id),
               "_timeout": body.get("timeout_seconds") or 0}
        run_tasks = []
        for t in order:
            tid = WS.new_id()
            rt = dict(task_settings(t), run_id=tid, attempt_number=0, start_time=0,
                      state={"life_cycle_state": "PENDING", "state_message": ""})
            if "existing_cluster_id" in t:
                rt["cluster_instance"] = {"cluster_id": t["existing_cluster_id"]}
            rt["_parent"] = run_id
            WS.runs[tid] = rt
            run_tasks.append(rt)
        run["_order"] = run_tasks
        run["tasks"] = run_tasks
        set_run_state(run, "PENDING", None, "Waiting for cluster")
        WS.runs[run_id] = run
        if token is not None:
            WS.idempotency[token] = run_id
        job = JobRun(run)
        run["_job"] = job
    job.start()
    return {"run_id": run_id}


def public_run(r):
    out = {k: v for k, v in r.items() if not k.startswith("_")}
    if "tasks" in out:
        out["tasks"] = [public_run(t) for t in out["tasks"]]
    return out


def get_run(body):
    rid = body.get("run_id")
    try:
        rid = int(rid)
    except (TypeError, ValueError):
        raise bad("Missing required field: run_id")
    r = WS.runs.get(rid)
    if r is None:
        raise bad("Run %s does not exist." % rid)
    return r


@route("GET", "/api/2.1/jobs/runs/get", "/api/2.2/jobs/runs/get")
def runs_get(req, body):
    with WS.lock:
        r = get_run(body)
        return public_run(r)


@route("GET", "/api/2.1/jobs/runs/get-output", "/api/2.2/jobs/runs/get-output")
def runs_get_output(req, body):
    with WS.lock:
        r = get_run(body)
        if "_parent" not in r:
            raise bad("Retrieving the output of runs with multiple tasks is not supported. "
                      "Please retrieve the output of each individual task run instead.")
        out = {"metadata": public_run(r)}
        log_path = r.get("_log")
    text = ""
    if log_path and os.path.exists(log_path):
        with open(log_path, "rb") as fh:
            data = fh.read()
        truncated = len(data) > 5 << 20
        text = data[-(5 << 20):].decode("utf-8", "replace")
        out["logs"] = text
        out["logs_truncated"] = truncated
    state = r["state"]
    if state.get("life_cycle_state") == "INTERNAL_ERROR":
        out["error"] = state.get("state_message")
    elif state.get("result_state") == "FAILED":
        # The Python exception: the first unindented line after the last
        # traceback header.
        at = text.rfind("Traceback (most recent call last):")
        error = None
        if at >= 0:
            for line in text[at:].splitlines()[1:]:
                if line and not line[0].isspace():
                    error = line
                    break
        out["error"] = error or state.get("state_message")
        if at >= 0:
            out["error_trace"] = text[at:]
    return out


@route("POST", "/api/2.1/jobs/runs/cancel", "/api/2.2/jobs/runs/cancel")
def runs_cancel(req, body):
    with WS.lock:
        r = get_run(body)
        parent = WS.runs.get(r.get("_parent"), r)
        job = parent.get("_job")
        if job and parent["state"]["life_cycle_state"] not in ("TERMINATED", "INTERNAL_ERROR",
                                                                "SKIPPED"):
            job.cancelled = True
    return {}


@route("GET", "/api/2.1/jobs/runs/list", "/api/2.2/jobs/runs/list")
def runs_list(req, body):
    limit = int(body.get("limit") or 20)
    if limit < 1 or limit > 25:
        raise bad("limit must be between 1 and 25")
    offset = int(body.get("offset") or 0)
    if body.get("page_token"):
        try:
            offset = int(base64.urlsafe_b64decode(body["page_token"].encode()).decode()[2:])
        except Exception:
            raise bad("Invalid page token")

    def flag(name):
        return str(body.get(name, "")).lower() == "true"

    with WS.lock:
        runs = [r for r in WS.runs.values() if "_parent" not in r]
        if flag("active_only"):
            runs = [r for r in runs if "result_state" not in r["state"]
                    and r["state"]["life_cycle_state"] != "INTERNAL_ERROR"]
        if flag("completed_only"):
            runs = [r for r in runs if "result_state" in r["state"]
                    or r["state"]["life_cycle_state"] == "INTERNAL_ERROR"]
        if body.get("run_type"):
            runs = [r for r in runs if r["run_type"] == body["run_type"]]
        runs.sort(key=lambda r: (-r["start_time"], -r["run_id"]))
        page = runs[offset:offset + limit]
        expand = flag("expand_tasks")
        items = []
        for r in page:
            p = public_run(r)
            if not expand:
                p.pop("tasks", None)
            items.append(p)
    out = {"runs": items, "has_more": offset + limit < len(runs)}
    if out["has_more"]:
        out["next_page_token"] = base64.urlsafe_b64encode(b"o:%d" % (offset + limit)).decode()
    if offset > 0:
        out["prev_page_token"] = base64.urlsafe_b64encode(b"o:%d" % max(0, offset - limit)).decode()
    return out


# ---- the stand-in's own controls ---------------------------------------------------------

def control(body):
    with WS.lock:
        for key in ("throttle", "unavailable"):
            if key in body:
                v = body[key]
                setattr(WS, key, None if not v else {"count": int(v.get("count", 1)),
                                                     "retry_after": v.get("retry_after"),
                                                     "path": v.get("path")})
        if "slow" in body:
            v = body["slow"]
            WS.slow = None if not v else {"path": v.get("path"), "ms": int(v.get("ms", 1000)),
                                          "count": int(v.get("count", -1))}
        if "start_seconds" in body:
            WS.start_seconds = float(body["start_seconds"])
        if "cancel_outcome" in body:
            WS.cancel_outcome = body["cancel_outcome"]
        if "tokens" in body:
            WS.tokens = set(body["tokens"])
        if "expired_tokens" in body:
            WS.expired = set(body["expired_tokens"])
        if body.get("add_cluster"):
            spec = dict(body["add_cluster"])
            cid, name = spec.pop("cluster_id"), spec.pop("cluster_name", "added")
            initial = spec.pop("state", "TERMINATED")
            c = WS._cluster(cid, name, initial, **spec)
            if initial == "RUNNING":
                WS.drivers[cid] = Driver(WS, c)
        if body.get("terminate"):
            c = WS.clusters.get(body["terminate"])
            if c and c["state"] not in ("TERMINATED", "TERMINATING"):
                WS.terminate_cluster(c, None)
        if body.get("kill_driver"):
            d = WS.drivers.get(body["kill_driver"])
            if d:
                d.kill()
        if body.get("reset_requests"):
            WS.requests = []
    return state()


def state():
    with WS.lock:
        return {
            "clusters": {cid: {"state": c["state"], "driver_ready": bool(
                WS.drivers.get(cid) and WS.drivers[cid].ready)} for cid, c in WS.clusters.items()
                if not cid.startswith("0101-000000-fill")},
            "contexts": WS.live_contexts(),
            "commands": [{"id": c["id"], "context": c["context"], "status": c["status"]}
                         for c in WS.commands.values()],
            "runs": [{"run_id": r["run_id"], "state": r["state"]} for r in WS.runs.values()
                     if "_parent" not in r],
            "running_processes": sum(1 for r in WS.runs.values()
                                     if r.get("_job") and r["_job"].proc is not None),
            "requests": WS.requests[-500:],
        }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"

    def log_message(self, fmt, *args):
        pass

    def base_url(self):
        return "http://%s" % (self.headers.get("Host") or "localhost")

    def reply(self, status, obj=None, headers=None, raw=None, ctype="application/json"):
        data = raw if raw is not None else json.dumps(obj if obj is not None else {}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, str(v))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with WS.lock:
            WS.requests.append([self.command, self.path.split("?")[0], status])
            del WS.requests[:-2000]

    def fail(self, e):
        if e.style == "1.2":
            self.reply(e.status, {"error": e.message}, e.headers)
        elif e.style == "html":
            page = ("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;"
                    "charset=utf-8\"/>\n<title>Error %d %s</title>\n</head>\n<body><h2>HTTP "
                    "ERROR %d</h2>\n<p>Problem accessing %s. Reason:\n<pre>    %s</pre></p>\n"
                    "</body>\n</html>\n" % (e.status, e.message, e.status,
                                            self.path.split("?")[0], e.message))
            self.reply(e.status, raw=page.encode(), headers=e.headers,
                       ctype="text/html;charset=utf-8")
        else:
            self.reply(e.status, {"error_code": e.code, "message": e.message}, e.headers)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        if not data:
            return {}
        ctype = self.headers.get("Content-Type") or ""
        if ctype.startswith("multipart/form-data"):
            return self.read_form(ctype, data)
        try:
            body = json.loads(data)
        except ValueError:
            raise ApiError(400, "MALFORMED_REQUEST", "Could not parse request object: "
                           "invalid JSON in the request body")
        if not isinstance(body, dict):
            raise ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object")
        return body

    @staticmethod
    def read_form(ctype, data):
        """A multipart form (workspace/import with a file): fields as strings,
        file parts base64-encoded the way the JSON form carries them."""
        import email.parser
        import email.policy
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + data)
        body = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None or name == "content":
                body[name] = base64.b64encode(payload).decode()
            else:
                body[name] = payload.decode("utf-8", "replace")
        return body

    def authenticate(self):
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise ApiError(401, "UNAUTHENTICATED",
                           "Credential was not sent or was of an unsupported type for this API.")
        token = auth[7:].strip()
        if token in WS.expired:
            raise ApiError(403, "PERMISSION_DENIED", "Invalid access token. The token has expired.",
                           style="html")
        if token not in WS.tokens:
            raise ApiError(403, "PERMISSION_DENIED", "Invalid access token.")

    def gate(self, path):
        """The knobs: slow answers, throttling, unavailability."""
        with WS.lock:
            slow = WS.slow
            delay = 0
            if slow and (not slow["path"] or path.startswith(slow["path"])) and slow["count"] != 0:
                delay = slow["ms"]
                if slow["count"] > 0:
                    slow["count"] -= 1
            for key, status, code, msg in (
                    ("throttle", 429, "REQUEST_LIMIT_EXCEEDED",
                     "Too many requests. Please wait a moment and try again. If the issue "
                     "persists, consider adjusting your request frequency or reaching out to "
                     "support for assistance."),
                    ("unavailable", 503, "TEMPORARILY_UNAVAILABLE",
                     "The service at %s is temporarily unavailable. Please try again later."
                     % path)):
                k = getattr(WS, key)
                if k and k["count"] > 0 and (not k["path"] or path.startswith(k["path"])):
                    k["count"] -= 1
                    headers = {}
                    if k["retry_after"] is not None:
                        headers["Retry-After"] = k["retry_after"]
                    err = ApiError(status, code, msg, headers=headers)
                    break
            else:
                err = None
        if delay:
            time.sleep(delay / 1000.0)
        if err:
            raise err

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            body = self.read_body()
            if path == "/standin/control" and method == "POST":
                return self.reply(200, control(body))
            if path == "/standin/state":
                return self.reply(200, state())
            if path == "/.well-known/databricks-config":
                return self.reply(200, {"oidc_endpoint": self.base_url() + "/oidc",
                                        "workspace_id": "1234567890123456"})
            if not path.startswith("/api/"):
                raise ApiError(404, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'"
                               % (method, path))
            self.gate(path)
            self.authenticate()
            fn = ROUTES.get((method, path))
            if fn is None:
                if any(p == path for _, p in ROUTES):
                    raise ApiError(405, "BAD_REQUEST", "Method %s is not allowed on %s"
                                   % (method, path))
                raise ApiError(404, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'"
                               % (method, path))
            merged = dict(query)
            merged.update(body)
            self.reply(200, fn(self, merged))
        except ApiError as e:
            self.fail(e)
        except Exception as e:  # a bug in the stand-in: say so like a server would
            traceback.print_exc()
            self.reply(500, {"error_code": "INTERNAL_ERROR", "message": "%s: %s"
                             % (type(e).__name__, e)})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_PATCH(self):
        self.handle_any("PATCH")


def shutdown(*_):
    """End every process the stand-in started."""
    if WS:
        for d in list(WS.drivers.values()):
            d.kill()
        for r in list(WS.runs.values()):
            job = r.get("_job")
            if job and job.proc is not None:
                try:
                    os.killpg(job.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    os._exit(0)


def main():
    global WS
    if len(sys.argv) > 1 and sys.argv[1] == "--driver":
        return driver_main()
    ap = argparse.ArgumentParser(description="Databricks REST stand-in for tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--state-dir")
    args = ap.parse_args()
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="dbx-standin-")
    os.makedirs(state_dir, exist_ok=True)
    WS = Workspace(state_dir)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as fh:
            fh.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    try:
        server.serve_forever()
    finally:
        shutdown()


if __name__ == "__main__":
    main()
