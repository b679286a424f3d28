#!/usr/bin/env python3
"""test_databricks_sdk.py — hold the Databricks stand-in to the official client.

Databricks' own Python SDK (databricks-sdk from PyPI) drives the stand-in
the way a user's script drives a real workspace: clusters (paged list, get,
start, create, a start that fails), command execution (contexts, commands,
text / table / error results, cancel), jobs (runs/submit with a Python file
and with a wheel, get_run, get_run_output, cancel, paged list), DBFS upload,
workspace import, and the SDK's own handling of 401/403, 429 and 503. When
the SDK accepts every answer, sibyl's driver is tested against the same
behaviour.

    PY=$(scripts/spark-env.sh)
    "$PY" -m pip install -r tests/fabric/requirements-databricks.txt
    "$PY" tests/fabric/test_databricks_sdk.py
"""

import base64
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zipfile
from datetime import timedelta

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (DatabricksError, InvalidParameterValue, OperationFailed,
                                   PermissionDenied, ResourceDoesNotExist)
from databricks.sdk.service import compute, jobs, workspace

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "dapi-standin-token"
RUNNING, STOPPED, BROKEN = "0101-000000-running0", "0101-000000-stopped0", "0101-000000-broken00"

SERVER = {}


def setUpModule():
    state = tempfile.mkdtemp(prefix="dbx-sdk-")
    port_file = os.path.join(state, "port")
    env = dict(os.environ, SIBYL_DBX_START_SECONDS="2", SIBYL_DBX_EXPIRED_TOKENS="dapi-expired")
    with open(os.path.join(state, "log"), "w") as log:
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "databricks_standin.py"),
                                 "--port-file", port_file, "--state-dir", state], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(200):
        if os.path.exists(port_file):
            break
        time.sleep(0.05)
    with open(port_file) as fh:
        port = int(fh.read())
    SERVER.update(proc=proc, host="http://127.0.0.1:%d" % port, state=state)


def tearDownModule():
    proc = SERVER["proc"]
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def client(token=TOKEN, **kw):
    return WorkspaceClient(host=SERVER["host"], token=token, auth_type="pat", **kw)


def control(**knobs):
    req = urllib.request.Request(SERVER["host"] + "/standin/control",
                                 data=json.dumps(knobs).encode(), method="POST")
    with urllib.request.urlopen(req) as resp:
        return json.load(resp)


def standin_state():
    with urllib.request.urlopen(SERVER["host"] + "/standin/state") as resp:
        return json.load(resp)


def make_wheel(path, package, version, files, entry_points):
    """A pure-Python wheel, written by hand (what `pip wheel` would make)."""
    dist = "%s-%s.dist-info" % (package, version)
    meta = {
        dist + "/METADATA": "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (package, version),
        dist + "/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        dist + "/entry_points.txt": entry_points,
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in list(files.items()) + list(meta.items()):
            z.writestr(name, text)
        z.writestr(dist + "/RECORD", "".join("%s,,\n" % n for n in list(files) + list(meta))
                   + dist + "/RECORD,,\n")


class Clusters(unittest.TestCase):
    def test_list_follows_pages(self):
        control(reset_requests=True)
        clusters = list(client().clusters.list(page_size=10))
        ids = [c.cluster_id for c in clusters]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn(RUNNING, ids)
        self.assertGreaterEqual(len(ids), 26)
        pages = [r for r in standin_state()["requests"] if r[1] == "/api/2.1/clusters/list"]
        self.assertGreaterEqual(len(pages), 3)

    def test_get(self):
        c = client().clusters.get(RUNNING)
        self.assertEqual(c.state, compute.State.RUNNING)
        self.assertEqual(c.cluster_name, "sibyl-running")
        # Databricks answers 400 INVALID_PARAMETER_VALUE here; the SDK knows
        # it means "not found".
        with self.assertRaises(ResourceDoesNotExist) as cm:
            client().clusters.get("0000-000000-nothere0")
        self.assertIn("does not exist", str(cm.exception))

    def test_start_a_terminated_cluster(self):
        w = client()
        self.assertEqual(w.clusters.get(STOPPED).state, compute.State.TERMINATED)
        seen = []
        waiter = w.clusters.start(STOPPED)
        self.assertEqual(w.clusters.get(STOPPED).state, compute.State.PENDING)
        c = waiter.result(timeout=timedelta(minutes=5), callback=lambda c: seen.append(c.state))
        self.assertEqual(c.state, compute.State.RUNNING)
        self.assertIn(compute.State.PENDING, seen)
        # Starting a running cluster is refused with INVALID_STATE.
        with self.assertRaises(DatabricksError) as cm:
            w.clusters.start(STOPPED)
        self.assertEqual(cm.exception.error_code, "INVALID_STATE")
        w.clusters.delete(STOPPED).result(timeout=timedelta(minutes=1))
        self.assertEqual(w.clusters.get(STOPPED).termination_reason.code,
                         compute.TerminationReasonCode.USER_REQUEST)

    def test_a_cluster_that_fails_to_start(self):
        w = client()
        with self.assertRaises(OperationFailed) as cm:
            w.clusters.start_and_wait(BROKEN, timeout=timedelta(minutes=1))
        self.assertIn("Cloud provider launch failure", str(cm.exception))
        c = w.clusters.get(BROKEN)
        self.assertEqual(c.state, compute.State.TERMINATED)
        self.assertEqual(c.termination_reason.code,
                         compute.TerminationReasonCode.CLOUD_PROVIDER_LAUNCH_FAILURE)

    def test_create(self):
        w = client()
        with self.assertRaises(InvalidParameterValue):
            w.clusters.create(spark_version="1.0.x-scala2.10", cluster_name="bad",
                              node_type_id="i3.xlarge", num_workers=1)
        version = w.clusters.select_spark_version(latest=True, long_term_support=True)
        self.assertEqual(version, "16.4.x-scala2.12")
        waiter = w.clusters.create(spark_version=version, cluster_name="sdk-made",
                                   node_type_id="i3.xlarge", num_workers=1,
                                   autotermination_minutes=30,
                                   custom_tags={"StandinFailStart": "no capacity"})
        c = w.clusters.get(waiter.cluster_id)
        self.assertEqual(c.cluster_name, "sdk-made")
        self.assertIn(c.state, (compute.State.PENDING, compute.State.TERMINATING))
        with self.assertRaises(OperationFailed):
            waiter.result(timeout=timedelta(minutes=1))
        w.clusters.permanent_delete(waiter.cluster_id)
        self.assertNotIn(waiter.cluster_id, [c.cluster_id for c in w.clusters.list()])


class CommandExecution(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = client()
        cls.ctx = cls.w.command_execution.create_and_wait(
            cluster_id=RUNNING, language=compute.Language.PYTHON, timeout=timedelta(minutes=5))

    @classmethod
    def tearDownClass(cls):
        cls.w.command_execution.destroy(cluster_id=RUNNING, context_id=cls.ctx.id)
        live = [c["id"] for c in standin_state()["contexts"]]
        assert cls.ctx.id not in live, "the context outlived destroy"

    def execute(self, code, language=compute.Language.PYTHON):
        return self.w.command_execution.execute_and_wait(
            cluster_id=RUNNING, context_id=self.ctx.id, language=language, command=code,
            timeout=timedelta(minutes=5))

    def test_text_result_runs_on_spark(self):
        r = self.execute("df = spark.range(100).selectExpr('id % 7 AS k')\n"
                         "print('groups', df.distinct().count())\n"
                         "df.count()")
        self.assertEqual(r.status, compute.CommandStatus.FINISHED)
        self.assertEqual(r.results.result_type, compute.ResultType.TEXT)
        self.assertRegex(r.results.data, r"^groups 7\nOut\[\d+\]: 100$")
        # The context keeps its variables between commands.
        r = self.execute("print(df.count())")
        self.assertEqual(r.results.data, "100\n")

    def test_table_result(self):
        r = self.execute("display(spark.range(3).selectExpr('id', 'cast(id AS string) AS s'))")
        self.assertEqual(r.results.result_type, compute.ResultType.TABLE)
        self.assertEqual(r.results.data, [[0, "0"], [1, "1"], [2, "2"]])
        self.assertEqual([c["name"] for c in r.results.schema], ["id", "s"])
        self.assertEqual(json.loads(r.results.schema[0]["type"]), "long")
        r = self.execute("SELECT 1 AS one, 'x' AS two", language=compute.Language.SQL)
        self.assertEqual(r.results.data, [[1, "x"]])

    def test_error_result(self):
        r = self.execute("def f():\n    return 1 / 0\nf()")
        self.assertEqual(r.status, compute.CommandStatus.FINISHED)
        self.assertEqual(r.results.result_type, compute.ResultType.ERROR)
        self.assertIn("\x1b[0;31mZeroDivisionError\x1b[0m", r.results.cause)
        self.assertIn("return 1 / 0", r.results.cause)
        self.assertIn("<span class='ansi-red-fg'>ZeroDivisionError</span>", r.results.summary)
        r = self.execute("spark.sql('SELECT nope FROM range(1)').collect()")
        self.assertIn("AnalysisException", r.results.summary)

    def test_cancel(self):
        ex = self.w.command_execution
        started = time.monotonic()
        cmd = ex.execute(cluster_id=RUNNING, context_id=self.ctx.id,
                         language=compute.Language.PYTHON,
                         command="import time\nfor _ in range(600):\n    time.sleep(0.1)\n")
        time.sleep(1)
        st = ex.command_status(cluster_id=RUNNING, context_id=self.ctx.id, command_id=cmd.command_id)
        self.assertEqual(st.status, compute.CommandStatus.RUNNING)
        r = ex.cancel_and_wait(cluster_id=RUNNING, context_id=self.ctx.id,
                               command_id=cmd.command_id, timeout=timedelta(minutes=1))
        self.assertEqual(r.status, compute.CommandStatus.CANCELLED)
        self.assertLess(time.monotonic() - started, 30)
        # The context is still usable.
        self.assertRegex(self.execute("1 + 1").results.data, r"Out\[\d+\]: 2")

    def test_unknown_context(self):
        with self.assertRaises(DatabricksError) as cm:
            self.w.command_execution.context_status(cluster_id=RUNNING, context_id="42")
        self.assertIn("does not exist", str(cm.exception))

    def test_context_on_a_terminated_cluster(self):
        with self.assertRaises(DatabricksError) as cm:
            self.w.command_execution.create(cluster_id=BROKEN, language=compute.Language.PYTHON)
        self.assertIn("not running", str(cm.exception))


class Jobs(unittest.TestCase):
    def test_runs(self):
        w = client()
        root = "dbfs:/sibyl-sdk-test"
        w.dbfs.mkdirs(root)
        ok = ("import sys\nfrom pyspark.sql import SparkSession\n"
              "spark = SparkSession.builder.getOrCreate()\n"
              "n = spark.range(int(sys.argv[1])).filter('id % 2 = 0').count()\n"
              "print('even numbers:', n)\n")
        w.dbfs.upload(root + "/ok.py", io.BytesIO(ok.encode()), overwrite=True)
        self.assertEqual(w.dbfs.get_status(root + "/ok.py").file_size, len(ok))
        w.dbfs.upload(root + "/fail.py", io.BytesIO(b"raise ValueError('bad input data')\n"),
                      overwrite=True)
        w.dbfs.upload(root + "/slow.py", io.BytesIO(b"import time\ntime.sleep(300)\n"),
                      overwrite=True)
        # A wheel with an entry point, installed as a library from DBFS.
        whl = os.path.join(SERVER["state"], "tally-0.1.0-py3-none-any.whl")
        make_wheel(whl, "tally", "0.1.0", {
            "tally/__init__.py": "",
            "tally/main.py": "import sys\nfrom pyspark.sql import SparkSession\n"
                             "def run():\n"
                             "    spark = SparkSession.builder.getOrCreate()\n"
                             "    print('tally', sys.argv[1:], spark.range(5).count())\n",
        }, "[console_scripts]\ntally-run = tally.main:run\n")
        with open(whl, "rb") as fh:
            w.dbfs.upload(root + "/tally-0.1.0-py3-none-any.whl", fh, overwrite=True)
        # A file in the workspace, imported the way `databricks workspace import` does.
        w.workspace.mkdirs("/Users/standin@example.com/sdk")
        w.workspace.import_("/Users/standin@example.com/sdk/hello.py",
                            content=base64.b64encode(b"print('hello from the workspace')\n").decode(),
                            format=workspace.ImportFormat.SOURCE,
                            language=workspace.Language.PYTHON, overwrite=True)

        def submit(name, **task):
            return w.jobs.submit(run_name=name, tasks=[jobs.SubmitTask(
                task_key="main", existing_cluster_id=RUNNING, **task)])

        runs = {
            "ok": submit("ok", spark_python_task=jobs.SparkPythonTask(
                python_file=root + "/ok.py", parameters=["10"])),
            "fail": submit("fail", spark_python_task=jobs.SparkPythonTask(
                python_file=root + "/fail.py")),
            "slow": submit("slow", spark_python_task=jobs.SparkPythonTask(
                python_file=root + "/slow.py")),
            "wheel": submit("wheel", python_wheel_task=jobs.PythonWheelTask(
                package_name="tally", entry_point="tally-run", parameters=["a", "b"]),
                libraries=[compute.Library(whl=root + "/tally-0.1.0-py3-none-any.whl")]),
            "ws": submit("ws", spark_python_task=jobs.SparkPythonTask(
                python_file="/Users/standin@example.com/sdk/hello.py",
                source=jobs.Source.WORKSPACE)),
        }
        # Cancel the slow one once it runs.
        for _ in range(300):
            r = w.jobs.get_run(runs["slow"].run_id)
            if r.tasks[0].state.life_cycle_state == jobs.RunLifeCycleState.RUNNING:
                break
            time.sleep(0.2)
        cancelled = w.jobs.cancel_run(runs["slow"].run_id).result(timeout=timedelta(minutes=2))
        self.assertEqual(cancelled.state.result_state, jobs.RunResultState.CANCELED)

        done = {k: v.result(timeout=timedelta(minutes=10)) for k, v in runs.items() if k != "slow"}

        def output(name):
            return w.jobs.get_run_output(done[name].tasks[0].run_id)

        self.assertEqual(done["ok"].state.result_state, jobs.RunResultState.SUCCESS)
        self.assertIn("even numbers: 5", output("ok").logs)
        self.assertEqual(done["fail"].state.result_state, jobs.RunResultState.FAILED)
        self.assertEqual(output("fail").error, "ValueError: bad input data")
        self.assertIn("Traceback", output("fail").error_trace)
        self.assertEqual(done["wheel"].state.result_state, jobs.RunResultState.SUCCESS,
                         output("wheel").logs)
        self.assertIn("tally ['a', 'b'] 5", output("wheel").logs)
        self.assertIn("hello from the workspace", output("ws").logs)
        # The output of a whole multi-task run is refused; each task has its own.
        with self.assertRaises(InvalidParameterValue):
            w.jobs.get_run_output(done["ok"].run_id)

        # Paged listing: one run per page still finds them all.
        listed = [r.run_id for r in w.jobs.list_runs(limit=1)]
        for r in runs.values():
            self.assertIn(r.run_id, listed)
        self.assertEqual(standin_state()["running_processes"], 0)


class Transport(unittest.TestCase):
    def test_429_and_503_are_retried_after_retry_after(self):
        control(reset_requests=True, throttle={"count": 2, "retry_after": 1,
                                               "path": "/api/2.1/clusters/get"})
        t0 = time.monotonic()
        self.assertEqual(client().clusters.get(RUNNING).cluster_id, RUNNING)
        self.assertGreaterEqual(time.monotonic() - t0, 2.0)
        statuses = [r[2] for r in standin_state()["requests"] if r[1] == "/api/2.1/clusters/get"]
        self.assertEqual(statuses, [429, 429, 200])
        control(reset_requests=True, unavailable={"count": 1, "path": "/api/2.1/clusters/get"})
        self.assertEqual(client().clusters.get(RUNNING).cluster_id, RUNNING)
        statuses = [r[2] for r in standin_state()["requests"] if r[1] == "/api/2.1/clusters/get"]
        self.assertEqual(statuses, [503, 200])

    def test_tokens(self):
        with self.assertRaises(PermissionDenied) as cm:
            client(token="dapi-wrong").clusters.get(RUNNING)
        self.assertIn("Invalid access token", str(cm.exception))
        # An expired token gets the gateway's HTML page, which the SDK reads too.
        with self.assertRaises(PermissionDenied) as cm:
            client(token="dapi-expired").clusters.get(RUNNING)
        self.assertIn("expired", str(cm.exception))
        me = client().current_user.me()
        self.assertEqual(me.user_name, "standin@example.com")


if __name__ == "__main__":
    unittest.main(verbosity=2)
