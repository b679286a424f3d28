"""Runs suite for `sibyl serve`: pipeline work over HTTP, on real Spark.

Starts the server with two tenants, imports examples/retail as a project,
defines `spark` fabrics (local pyspark from scripts/spark-env.sh), a
`livy` fabric on the Livy stand-in and a `databricks` fabric on the
Databricks stand-in (both run the code on local pyspark), and drives runs
the way a client does:
the generated code; a run of clean_orders streamed as Server-Sent Events,
whose per-edge counts, schemas and sample rows must match the Spark goldens
in tests/golden/retail/clean_orders; a second stream that joins late; the
replay after the end; a failing pipeline; limits (429); cancelling queued
and running runs; roles and tenant isolation; samples kept only for a team
that turned them on; a client that disconnects; runs on Livy and on
Databricks with the user's own credential (a wrong one: one sentence, the
secret never in an answer or the server's log); and SIGTERM with a run in
flight (interrupted, no Spark process left).

    python3 runs_test.py SIBYL PYTHON_WITH_PYSPARK [--store URL]

With SIBYL_RUNS_QUICK=1 (the PostgreSQL variant, runs_pg.sh) it leaves out
the generated code, the samples team's Spark run with the client that
disconnects, and SIGTERM with a run in flight: what remains is the main
run and its events, failures, limits and cancel, roles and isolation, and
the Livy and Databricks runs.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from serverlib import (SPARK_CONF, Checks, Client, Events, Server, done_of, edges,  # noqa: E402
                       statuses)

SIBYL = os.path.abspath(sys.argv[1])
PY = sys.argv[2]
STORE = sys.argv[sys.argv.index("--store") + 1] if "--store" in sys.argv else None
QUICK = os.environ.get("SIBYL_RUNS_QUICK") == "1"
GOLDEN = os.path.join(ROOT, "tests", "golden", "retail", "clean_orders")
SAMPLE_BYTES = 1500
DBX_CLUSTER = "0101-000000-running0"  # the stand-in's running cluster
check = Checks("runs suite")


SLOW = {
    "gems": {
        "numbers": {"kind": "Seed", "schema": [{"name": "i", "type": "int"}],
                    "rows": [[1], [2], [3]]},
        "nap": {"kind": "Script", "inputs": ["numbers"],
                "schema": [{"name": "i", "type": "int"}],
                "code": "import time\n\n\ndef transform(spark, in0):\n"
                        "    time.sleep(600)\n    return in0\n"},
    }
}

BROKEN = {
    "gems": {
        "numbers": {"kind": "Seed", "schema": [{"name": "i", "type": "int"}],
                    "rows": [[1], [2]]},
        "boom": {"kind": "Script", "inputs": ["numbers"],
                 "schema": [{"name": "i", "type": "int"}],
                 "code": "def transform(spark, in0):\n"
                         "    raise ValueError(\"boom on purpose\")\n"},
    }
}


# ---- goldens ---------------------------------------------------------------

def load_goldens():
    """{gem: (header, [row dicts])} for the edges of clean_orders."""
    meta = json.load(open(os.path.join(GOLDEN, "pipeline.json")))
    out = {}
    for gem, e in meta["edges"].items():
        with open(os.path.join(GOLDEN, e["file"])) as f:
            header = json.loads(f.readline())
            rows = [json.loads(line) for line in f if line.strip()]
        out[gem] = (header, rows)
    return out


def golden_value(v):
    """A sample value in the goldens' encoding: the instrumented code prints
    timestamps as Python's isoformat ("2024-01-06T12:09:12"), the goldens
    with a space (sparkutil.encode_value)."""
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[7] == "-" and v[10] == "T" \
            and v[13] == ":":
        return v[:10] + " " + v[11:]
    return v


def struct_of(schema):
    return "struct<" + ",".join(f"{c['name']}:{c['type']}" for c in schema) + ">"


def check_edges_against_goldens(what, got, goldens, max_rows, expect_gems=None):
    """Counts, schemas and sample rows of every edge equal Spark's goldens."""
    gems = [e["gem"] for e in got]
    want = expect_gems if expect_gems is not None else list(goldens)
    check(sorted(gems) == sorted(want) and len(set(gems)) == len(gems),
          f"{what}: one edge per gem {sorted(want)} (got {gems})")
    for e in got:
        if e["gem"] not in goldens:
            continue
        header, rows = goldens[e["gem"]]
        check(e["port"] == "out", f"{what}: {e['gem']} reports its out port")
        check(e["count"] == header["count"],
              f"{what}: {e['gem']} count {e['count']} == golden {header['count']}")
        check(struct_of(e["schema"]) == header["schema"],
              f"{what}: {e['gem']} schema {struct_of(e['schema'])} == golden {header['schema']}")
        if e["rows"] is None:
            continue
        check(0 < len(e["rows"]) <= max_rows or (e["truncated"] and len(e["rows"]) < max_rows),
              f"{what}: {e['gem']} has 1..{max_rows} sample rows, fewer only when truncated")
        if header.get("stable", True):
            cols = [c["name"] for c in e["schema"]]
            missing = [r for r in e["rows"]
                       if dict(zip(cols, map(golden_value, r))) not in rows]
            check(not missing, f"{what}: {e['gem']} sample rows are rows of the golden "
                               f"(first not found: {missing[:1]})")


# ---- setup -------------------------------------------------------------------

def upload_project(c, team, name, src):
    manifest = json.load(open(os.path.join(src, "sibyl.json")))
    st, p, _, _ = c.call("POST", "/api/v1/projects", {"team_id": team, "name": name,
                                                      "manifest": manifest})
    check(st == 201, f"create project {name} ({st})")
    for kind in ("datasets", "configs", "pipelines"):
        for f in sorted(os.listdir(os.path.join(src, kind))):
            with open(os.path.join(src, kind, f), "rb") as fh:
                st, js, _, _ = c.call("PUT", f"/api/v1/projects/{p['id']}/{kind}/{f[:-5]}",
                                      raw=fh.read())
            check(st == 201 and js["errors"] == 0, f"upload {kind}/{f} ({st})")
    for pname, spec in (("slow", SLOW), ("broken", BROKEN)):
        st, js, _, _ = c.call("PUT", f"/api/v1/projects/{p['id']}/pipelines/{pname}", spec)
        check(st == 201 and js["errors"] == 0, f"upload pipeline {pname} ({st}, {js})")
    return p["id"]


def spark_fabric(c, team, name="local"):
    st, js, _, _ = c.call("POST", f"/api/v1/teams/{team}/fabrics",
                          {"name": name, "definition": {"kind": "spark", "python": PY,
                                                        "conf": SPARK_CONF}})
    check(st == 201, f"create spark fabric {name} in team {team} ({st}, {js})")
    return js


def start_run(c, pid, pipeline, body):
    return c.call("POST", f"/api/v1/projects/{pid}/pipelines/{pipeline}/runs", body)


def wait_final(c, rid, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        st, js, _, _ = c.call("GET", f"/api/v1/runs/{rid}")
        if st == 200 and js["status"] not in ("queued", "running"):
            return js
        time.sleep(0.5)
    return None


def dbx_contexts(url):
    """The live execution contexts on the Databricks stand-in."""
    with urllib.request.urlopen(url + "/standin/state", timeout=30) as r:
        return json.load(r)["contexts"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sanitizer_clean(srv):
    """Under ASan/UBSan the server's own reports end up in its log."""
    bad = [l for l in srv.lines if "Sanitizer" in l or "runtime error:" in l]
    check(not bad, "no sanitizer report from the server:\n" + "".join(bad[:20]))


# ---- the suite ---------------------------------------------------------------

def main():
    tmp = tempfile.mkdtemp(prefix="sibyl-runs-")
    proj = os.path.join(tmp, "retail")
    # Targets write under the project: a copy keeps the checkout clean.
    shutil.copytree(os.path.join(ROOT, "examples", "retail"), proj,
                    ignore=shutil.ignore_patterns("out"))
    data = os.path.join(tmp, "data")
    # A small sample budget, so that the main run reaches it.
    config = os.path.join(tmp, "serve.json")
    with open(config, "w") as f:
        json.dump({"run_sample_bytes": SAMPLE_BYTES}, f)
    limits = ["--run-workers", "1", "--runs-per-user", "2", "--runs-per-tenant", "3",
              "--config", config]
    srv = Server(SIBYL, data, store=STORE,
                 extra=["--tenant", "acme", "--tenant", "other", *limits])
    state = {}
    try:
        suite(srv, proj, tmp, state)
        if not QUICK:
            interrupt_on_stop(srv, state)
    finally:
        if srv.alive():
            rc = srv.stop()
            check(rc == 0, f"the server stops cleanly ({rc})")
        sanitizer_clean(srv)
        leaked = [s for s in state.get("secrets", []) if s in srv.log()]
        check(not leaked, f"no credential in the server's log ({len(leaked)} found)")
        if state.get("dbx_url"):
            try:
                left = dbx_contexts(state["dbx_url"])
            except OSError as e:
                left = [f"the stand-in does not answer: {e}"]
            check(left == [],
                  f"the stopped server left no execution context on Databricks ({left})")
        for standin in ("livy", "dbx"):
            if state.get(standin):
                state[standin].terminate()
                state[standin].wait(30)
    # After a restart the interrupted run reads as such, and replays.
    if "interrupted" in state:
        srv = Server(SIBYL, data, store=STORE, extra=["--tenant", "acme", *limits])
        try:
            c = Client(srv)
            c.login("acme", "admin")
            rid = state["interrupted"]
            st, js, _, _ = c.call("GET", f"/api/v1/runs/{rid}")
            check(st == 200 and js["status"] == "interrupted"
                  and js["message"] == "the server stopped during the run",
                  f"after a restart the run in flight reads interrupted ({js})")
            ev = Events(c, rid)
            evs = ev.rest()
            d = done_of(evs)
            check(d is not None and d["status"] == "interrupted",
                  "the interrupted run replays, ending with done")
            check([e["gem"] for e in edges(evs)] == ["numbers"],
                  "the edge reported before the stop is kept")
        finally:
            rc = srv.stop()
            check(rc == 0, f"second server stops cleanly ({rc})")
            sanitizer_clean(srv)
    shutil.rmtree(tmp, ignore_errors=True)
    check.finish()


def suite(srv, proj, tmp, state):
    goldens = load_goldens()
    admin = Client(srv)
    st, _ = admin.login("acme", "admin")
    check(st == 200, "admin signs in")
    st, teams, _, _ = admin.call("GET", "/api/v1/teams")
    team = teams["teams"][0]["id"]
    for login, role in (("vera", "viewer"), ("mia", "member")):
        st, u, _, _ = admin.call("POST", "/api/v1/users", {"login": login,
                                                          "password": "correct-horse-battery"})
        st2, _, _, _ = admin.call("POST", f"/api/v1/teams/{team}/members",
                                  {"user_id": u["id"], "role": role})
        check(st == 201 and st2 == 201, f"user {login} is a {role}")
    vera, mia, other = Client(srv), Client(srv), Client(srv)
    vera.login("acme", "vera")
    mia.login("acme", "mia")
    st, _ = other.login("other", "admin")
    check(st == 200, "the other tenant's admin signs in")

    pid = upload_project(admin, team, "retail", proj)
    base = f"/api/v1/projects/{pid}/pipelines"

    # ---- generated code -------------------------------------------------------
    if not QUICK:
        generated_code(admin, vera, other, base)

    spark_fabric(admin, team)

    # ---- refused runs ---------------------------------------------------------
    body = {"fabric": "local", "rows": 5, "conf": {"base_path": proj}}
    for what, b, pipeline, want in [
        ("missing fabric", {"rows": 5}, "clean_orders", 400),
        ("unknown fabric", {"fabric": "nosuch"}, "clean_orders", 404),
        ("unknown pipeline", body, "nosuch", 404),
        ("unknown gem in until", dict(body, until="nosuch"), "clean_orders", 400),
        ("too many rows", dict(body, rows=100000), "clean_orders", 400),
        ("unknown field", dict(body, color="red"), "clean_orders", 400),
        ("conf with a bad name", dict(body, conf={"not a name": "x"}), "clean_orders", 400),
        ("conf with an object value", dict(body, conf={"x": {}}), "clean_orders", 400),
    ]:
        st, js, _, _ = start_run(admin, pid, pipeline, b)
        check(st == want, f"run refused: {what} -> {want} (got {st}: {js})")
    st, js, _, _ = start_run(vera, pid, "clean_orders", body)
    check(st == 403, f"a viewer cannot start a run ({st})")
    st, js, _, _ = start_run(other, pid, "clean_orders", body)
    check(st == 404, f"another tenant cannot start a run ({st})")
    st, js, _, _ = admin.call("POST", base + "/clean_orders/runs", raw=b"{nope")
    check(st == 400 and js["error"]["code"] == "bad_json", "run with bad JSON: 400")

    # ---- a run of clean_orders, streamed ---------------------------------------
    st, run, hdr, _ = start_run(admin, pid, "clean_orders", body)
    check(st == 202 and run["status"] == "queued" and run["pipeline_version"] == 1
          and hdr.get("location") == f"/api/v1/runs/{run['id']}", f"run started: 202 ({run})")
    rid = run["id"]
    a = Events(admin, rid)
    check(a.status == 200 and a.content_type.startswith("text/event-stream"),
          "events: 200 text/event-stream")
    first = a.until(lambda ev: ev[0] == "edge")
    # A client joining now gets what happened so far, then the rest live.
    b = Events(vera, rid)
    a_events = a.rest()
    b_events = b.rest()
    check(first is not None, "events: an edge arrives")
    check(statuses(a_events) == ["queued", "running", "succeeded"],
          f"events: status queued, running, succeeded ({statuses(a_events)})")
    check(a_events and a_events[-1][0] == "done", "events: the stream ends with done")
    check(any(e == "notice" for e, _ in a_events), "events: notices from the fabric")
    check_edges_against_goldens("live run", edges(a_events), goldens, 5)
    kept = sum(len(json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode())
               for e in edges(a_events)
               for r in e["rows"])
    check(kept <= SAMPLE_BYTES and any(e["truncated"] for e in edges(a_events))
          and any(e == "notice" and "samples of this run reached" in d["message"]
                  for e, d in a_events),
          f"samples stop at the run's budget, with a notice ({kept} bytes kept)")
    check([e["gem"] for e in edges(b_events)] == [e["gem"] for e in edges(a_events)]
          and edges(b_events) == edges(a_events) and done_of(b_events) == done_of(a_events),
          "a late client (a viewer) gets the same edges and end")
    d = done_of(a_events)
    check(d and d["status"] == "succeeded" and d["metrics"]["gems"]["dedup_orders"]["rows"] ==
          goldens["dedup_orders"][0]["count"], "done carries per-gem metrics")
    check(os.path.exists(os.path.join(proj, "out", "2024-06-30", "clean_orders", "_SUCCESS")),
          "the run wrote the target under base_path")

    st, js, hdr, _ = admin.call("GET", f"/api/v1/runs/{rid}")
    gems = js["metrics"]["gems"] if st == 200 and js["metrics"] else {}
    check(st == 200 and js["status"] == "succeeded" and js["message"] is None
          and js["started_at"] and js["finished_at"] and js["live"] is False
          and js["fabric"] == "local" and js["user_id"] == run["user_id"],
          f"GET run: succeeded ({js})")
    check(all(gems.get(g, {}).get("rows") == h["count"] and gems[g]["ms"] >= 0
              for g, (h, _) in goldens.items()), "GET run: rows and ms per gem")
    check(all("rows" not in e for e in js["metrics"]["edges"]), "metrics keep no data rows")

    # After the end the events replay from the store; this team keeps no samples.
    c_events = Events(admin, rid).rest()
    check([(e["gem"], e["count"]) for e in edges(c_events)] ==
          [(e["gem"], e["count"]) for e in edges(a_events)]
          and all(e["rows"] is None and e["replay"] for e in edges(c_events)),
          "replay: the same edges, without rows (samples off)")
    check(done_of(c_events)["status"] == "succeeded" and c_events[-1][0] == "done",
          "replay: ends with done")

    # Lists.
    st, js, _, _ = admin.call("GET", f"/api/v1/runs?project={pid}&pipeline=clean_orders")
    check(st == 200 and [r["id"] for r in js["runs"]] == [rid], "list by project and pipeline")
    st, js, _, _ = vera.call("GET", "/api/v1/runs")
    check(st == 200 and rid in [r["id"] for r in js["runs"]], "a viewer lists the team's runs")
    st, js, _, _ = admin.call("GET", "/api/v1/runs?status=bogus")
    check(st == 400, "list with an unknown status: 400")

    # Tenant isolation and roles.
    for method, path in [("GET", f"/api/v1/runs/{rid}"), ("GET", f"/api/v1/runs/{rid}/events"),
                         ("POST", f"/api/v1/runs/{rid}/cancel"),
                         ("GET", f"/api/v1/runs?project={pid}")]:
        st, _, _, _ = other.call(method, path)
        check(st == 404, f"another tenant: {method} {path} -> 404 (got {st})")
    ev = Events(other, rid)
    check(ev.status == 404, "another tenant cannot open the event stream")
    st, js, _, _ = other.call("GET", "/api/v1/runs")
    check(st == 200 and js["runs"] == [], "another tenant lists no runs")
    st, js, _, _ = vera.call("POST", f"/api/v1/runs/{rid}/cancel")
    check(st == 403, "a viewer cannot cancel")
    st, js, _, _ = admin.call("POST", f"/api/v1/runs/{rid}/cancel")
    check(st == 409 and js["error"]["code"] == "ended", "cancelling a finished run: 409")

    # ---- a pipeline that fails ---------------------------------------------------
    st, run, _, _ = start_run(admin, pid, "broken", {"fabric": "local", "rows": 2})
    evs = Events(admin, run["id"]).rest()
    d = done_of(evs)
    check(d and d["status"] == "failed" and d["message"] == "ValueError: boom on purpose",
          f"failing code: failed with one sentence ({d and d.get('message')})")
    check([e["gem"] for e in edges(evs)] == ["numbers"], "failing code: earlier edges kept")
    err = d["metrics"].get("error", {}) if d else {}
    check(err.get("class") == "ValueError" and "Traceback" in err.get("detail", ""),
          "failing code: the class and the traceback are kept")

    # ---- limits and cancel ------------------------------------------------------------
    slow = {"fabric": "local", "rows": 2}
    st, r1, _, _ = start_run(admin, pid, "slow", slow)
    st2, r2, _, _ = start_run(admin, pid, "slow", slow)
    check(st == 202 and st2 == 202, "two runs of one user are admitted")
    st, js, hdr, _ = start_run(admin, pid, "slow", slow)
    check(st == 429 and js["error"]["code"] == "too_many_runs"
          and "you already have 2 runs" in js["error"]["message"] and hdr.get("retry-after"),
          f"a third run of the user: 429 with a clear message ({js})")
    st, r3, _, _ = start_run(mia, pid, "slow", slow)
    check(st == 202, "another user of the tenant is admitted")
    st, js, _, _ = start_run(mia, pid, "slow", slow)
    check(st == 429 and "your organisation already has 3 runs" in js["error"]["message"],
          f"over the tenant's limit: 429 ({js})")
    st, js, _, _ = mia.call("POST", f"/api/v1/runs/{r1['id']}/cancel")
    check(st == 403, "a member cannot cancel another user's run")
    # Queued runs (one worker) are cancelled at once.
    for who, r in ((admin, r2), (admin, r3)):
        st, js, _, _ = who.call("POST", f"/api/v1/runs/{r['id']}/cancel")
        check(st == 200 and js["status"] == "cancelled", f"queued run cancelled at once ({st} {js})")
    evs = Events(admin, r2["id"]).rest()
    check(statuses(evs)[-1:] == ["cancelled"] and done_of(evs)["status"] == "cancelled",
          "a cancelled queued run replays as cancelled")
    # The running one stops when the fabric stops it.
    ev = Events(admin, r1["id"])
    check(ev.until(lambda e: e[0] == "edge") is not None, "slow run: the first edge arrives")
    t0 = time.monotonic()
    st, js, _, _ = admin.call("POST", f"/api/v1/runs/{r1['id']}/cancel")
    check(st == 202 and js["cancel_requested"], f"running run: cancel accepted with 202 ({st})")
    evs = ev.rest()
    took = time.monotonic() - t0
    d = done_of(evs)
    check(d and d["status"] == "cancelled" and took < 30,
          f"running run cancelled within seconds ({took:.1f} s, {d and d['status']})")
    check([e["gem"] for e in edges(evs)] == ["numbers"], "cancelled run keeps its edges")
    st, js, _, _ = start_run(mia, pid, "slow", dict(slow, rows=0))
    check(st == 202, "after the cancels a run is admitted again")
    if st == 202:
        ev = Events(mia, js["id"])
        e = ev.until(lambda e: e[0] == "edge")
        check(e is not None and e[1]["rows"] == [] and e[1]["count"] == 3,
              "rows 0: counts without sample rows")
        st, _, _, _ = mia.call("POST", f"/api/v1/runs/{js['id']}/cancel")
        check(st == 202, "the user cancels their own run")
        check(done_of(ev.rest())["status"] == "cancelled", "and it ends cancelled")

    st, _, _, text = Client(srv).call("GET", "/metrics")
    text = text.decode()
    check(st == 200 and "sibyl_runs_refused_total 2\n" in text
          and 'sibyl_runs_total{status="cancelled"} 4\n' in text
          and 'sibyl_runs_total{status="succeeded"} 1\n' in text
          and 'sibyl_runs_total{status="failed"} 1\n' in text
          and 'sibyl_runs{status="running"} 0\n' in text,
          "metrics count runs by status and refusals:\n"
          + "".join(l + "\n" for l in text.splitlines() if "sibyl_run" in l))

    databricks_run(admin, team, pid, proj, tmp, goldens, state)

    # ---- a team that keeps samples ---------------------------------------------------
    st, lab, _, _ = admin.call("POST", "/api/v1/teams", {"name": "lab", "samples_enabled": True})
    check(st == 201 and lab["samples_enabled"], "team with samples on")
    lab_pid = upload_project(admin, lab["id"], "retail_lab", proj)
    state["lab_pid"] = lab_pid
    livy_run(admin, lab["id"], lab_pid, proj, tmp, goldens, state)
    if QUICK:
        return
    spark_fabric(admin, lab["id"])
    st, run, _, _ = start_run(admin, lab_pid, "clean_orders",
                              {"fabric": "local", "rows": 4, "until": "standardize",
                               "conf": {"base_path": proj}})
    check(st == 202, "run in the samples team")
    # The client goes away after the first event; the run carries on.
    ev = Events(admin, run["id"])
    ev.next()
    ev.close()
    js = wait_final(admin, run["id"])
    check(js is not None and js["status"] == "succeeded",
          f"the run finishes after its client disconnected ({js and js['status']})")
    evs = Events(admin, run["id"]).rest()
    check_edges_against_goldens("samples replay", edges(evs), goldens, 4,
                                expect_gems=["orders", "standardize"])
    check(all(e["rows"] for e in edges(evs)), "replay: the stored sample rows come back")


def generated_code(admin, vera, other, base):
    """The files `sibyl gen` writes, as the API gives them."""
    st, js, _, _ = admin.call("GET", base + "/clean_orders/code")
    files = js.get("files", {}) if js else {}
    check(st == 200 and js["target"] == "pyspark"
          and "clean_orders/src/clean_orders/pipeline.py" in files
          and "def run(spark" in files.get("clean_orders/src/clean_orders/pipeline.py", "")
          and "SIBYL-EDGE" not in json.dumps(files), "code: the PySpark package")
    st, js, _, _ = admin.call("GET", base + "/clean_orders/code?target=pyspark&instrumented=true")
    check(st == 200 and "SIBYL-EDGE" in json.dumps(js["files"]), "code: the instrumented variant")
    st, js, _, _ = vera.call("GET", base + "/clean_orders/code?target=sql")
    check(st == 200 and list(js["files"]) == ["clean_orders.sql"]
          and "INSERT OVERWRITE DIRECTORY" in js["files"]["clean_orders.sql"],
          "code: a viewer reads the Spark SQL script")
    st, js, _, _ = admin.call("GET", base + "/clean_orders/code?target=scala")
    check(st == 400, "code: unknown target is 400")
    st, js, _, _ = admin.call("GET", base + "/nosuch/code")
    check(st == 404, "code: unknown pipeline is 404")
    st, js, _, _ = admin.call("GET", base + "/broken/code?target=sql")
    check(st == 422 and js["error"]["code"] == "not_generated" and js["errors"] >= 1,
          "code: a Script gem has no SQL form: 422 with diagnostics")
    st, _, _, _ = other.call("GET", base + "/clean_orders/code")
    check(st == 404, "code: another tenant gets 404")


def livy_run(admin, team, pid, proj, tmp, goldens, state):
    """A run on the Livy stand-in with the user's own Basic credential."""
    state.setdefault("secrets", []).extend(["wrong-password", "s3cret"])
    port = free_port()
    port_file = os.path.join(tmp, "livy.port")
    log = open(os.path.join(tmp, "livy.log"), "w")
    state["livy"] = subprocess.Popen(
        [PY, os.path.join(ROOT, "tests", "fabric", "livy_standin.py"), "--port", str(port),
         "--port-file", port_file, "--csrf", "--basic", "etl:s3cret"],
        stdout=log, stderr=log)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            break
        time.sleep(0.1)
    url = f"http://127.0.0.1:{port}"
    st, fab, _, _ = admin.call("POST", f"/api/v1/teams/{team}/fabrics",
                               {"name": "livy", "definition": {"kind": "livy", "url": url,
                                                               "auth": "basic", "user": "etl",
                                                               "conf": SPARK_CONF}})
    check(st == 201 and fab["credential"]["required"], f"livy fabric created ({st}, {fab})")
    body = {"fabric": "livy", "rows": 3, "until": "standardize", "conf": {"base_path": proj}}
    st, js, _, _ = start_run(admin, pid, "clean_orders", body)
    check(st == 409 and js["error"]["code"] == "no_credential",
          f"livy without the user's credential: 409 naming it ({js})")
    st, _, _, _ = admin.call("PUT", f"/api/v1/fabrics/{fab['id']}/credential",
                             {"secret": "wrong-password"})
    check(st in (200, 201), "credential set")
    st, run, _, _ = start_run(admin, pid, "clean_orders", body)
    d = done_of(Events(admin, run["id"]).rest())
    check(d and d["status"] == "failed" and "refused the credentials (HTTP 401)" in d["message"]
          and "wrong-password" not in json.dumps(d),
          f"a wrong password: failed with one sentence, the secret never shown ({d})")
    st, _, _, _ = admin.call("PUT", f"/api/v1/fabrics/{fab['id']}/credential",
                             {"secret": "s3cret"})
    st, run, _, _ = start_run(admin, pid, "clean_orders", body)
    evs = Events(admin, run["id"]).rest()
    d = done_of(evs)
    check(d and d["status"] == "succeeded", f"run on Livy succeeded ({d and d.get('message')})")
    check_edges_against_goldens("livy run", edges(evs), goldens, 3,
                                expect_gems=["orders", "standardize"])
    # This team keeps samples: the replay has the rows Livy sent.
    replay = Events(admin, run["id"]).rest()
    check([(e["gem"], e["count"], e["rows"]) for e in edges(replay)] ==
          [(e["gem"], e["count"], e["rows"]) for e in edges(evs)]
          and all(e["rows"] and e["replay"] for e in edges(replay)),
          "livy replay: the same edges with their stored sample rows")


def databricks_run(admin, team, pid, proj, tmp, goldens, state):
    """A run on the Databricks stand-in with the user's own token: the
    whole of clean_orders, each edge as Spark's goldens have it."""
    token, wrong = "dapi" + secrets.token_hex(16), "dapi" + secrets.token_hex(16)
    state.setdefault("secrets", []).extend([token, wrong])
    port_file = os.path.join(tmp, "dbx.port")
    log = open(os.path.join(tmp, "dbx.log"), "w")
    state["dbx"] = subprocess.Popen(
        [PY, os.path.join(ROOT, "tests", "fabric", "databricks_standin.py"),
         "--port-file", port_file, "--state-dir", os.path.join(tmp, "dbx-state")],
        stdout=log, stderr=log, env=dict(os.environ, SIBYL_DBX_TOKENS=token))
    for _ in range(600):
        if os.path.exists(port_file) or state["dbx"].poll() is not None:
            break
        time.sleep(0.1)
    if not check(os.path.exists(port_file), "the Databricks stand-in starts (log: dbx.log)"):
        return
    url = "http://127.0.0.1:" + open(port_file).read().strip()
    state["dbx_url"] = url
    answers = []  # every answer of this part, none of which may hold a token

    def call(method, path, body=None):
        st, js, _, text = admin.call(method, path, body)
        answers.append(text.decode())
        return st, js

    st, fab = call("POST", f"/api/v1/teams/{team}/fabrics",
                   {"name": "dbx", "definition": {"kind": "databricks", "url": url,
                                                  "cluster_id": DBX_CLUSTER, "conf": SPARK_CONF}})
    check(st == 201 and fab["kind"] == "databricks" and fab["credential"]["required"]
          and not fab["credential"]["set"], f"databricks fabric created ({st}, {fab})")
    body = {"fabric": "dbx", "rows": 5, "conf": {"base_path": proj}}
    st, js = call("POST", f"/api/v1/projects/{pid}/pipelines/clean_orders/runs", body)
    check(st == 409 and js["error"]["code"] == "no_credential",
          f"databricks without the user's token: 409 naming it ({js})")

    st, _ = call("PUT", f"/api/v1/fabrics/{fab['id']}/credential", {"secret": wrong})
    check(st == 201, f"a wrong token set as the credential ({st})")
    st, run = call("POST", f"/api/v1/projects/{pid}/pipelines/clean_orders/runs", body)
    evs = Events(admin, run["id"]).rest()
    answers.append(json.dumps(evs))
    d = done_of(evs)
    msg = (d or {}).get("message") or ""
    check(d and d["status"] == "failed"
          and msg.startswith(f"the Databricks workspace {url} refused the token from your "
                             "credential for fabric dbx (HTTP 403")
          and "\n" not in msg and "personal access token" in (d.get("hint") or ""),
          f"a wrong token: failed with one sentence naming it and a hint ({d})")
    check(edges(evs) == [], "a wrong token: no edge")
    st, js = call("GET", f"/api/v1/runs/{run['id']}")
    check(st == 200 and js["status"] == "failed" and js["message"] == msg,
          f"GET run: the same sentence ({js})")

    # The right token: the whole pipeline; the target is written anew.
    shutil.rmtree(os.path.join(proj, "out"), ignore_errors=True)
    st, _ = call("PUT", f"/api/v1/fabrics/{fab['id']}/credential", {"secret": token})
    check(st == 200, f"the credential replaced ({st})")
    st, js = call("GET", f"/api/v1/fabrics/{fab['id']}")
    check(st == 200 and js["credential"]["set"], "the fabric says the credential is set")
    st, run = call("POST", f"/api/v1/projects/{pid}/pipelines/clean_orders/runs", body)
    check(st == 202, f"run on databricks started ({st})")
    evs = Events(admin, run["id"]).rest()
    answers.append(json.dumps(evs))
    d = done_of(evs)
    check(statuses(evs) == ["queued", "running", "succeeded"],
          f"databricks run: queued, running, succeeded ({d and d.get('message')})")
    check_edges_against_goldens("databricks run", edges(evs), goldens, 5)
    check(os.path.exists(os.path.join(proj, "out", "2024-06-30", "clean_orders", "_SUCCESS")),
          "the databricks run wrote the target under base_path")
    st, js = call("GET", f"/api/v1/runs/{run['id']}")
    gems = js["metrics"]["gems"] if st == 200 and js["metrics"] else {}
    check(st == 200 and js["status"] == "succeeded" and js["fabric"] == "dbx"
          and all(gems.get(g, {}).get("rows") == h["count"] for g, (h, _) in goldens.items()),
          f"GET run: succeeded on dbx with the golden rows per gem ({js and js.get('message')})")
    left = dbx_contexts(url)
    check(len(left) == 1 and left[0]["cluster"] == DBX_CLUSTER,
          f"the warm session keeps one execution context on the cluster ({left})")
    replay = Events(admin, run["id"]).rest()
    answers.append(json.dumps(replay))
    check([(e["gem"], e["count"]) for e in edges(replay)] ==
          [(e["gem"], e["count"]) for e in edges(evs)], "databricks replay: the same edges")
    for path in (f"/api/v1/fabrics/{fab['id']}/credential", f"/api/v1/teams/{team}/fabrics",
                 f"/api/v1/runs?project={pid}"):
        st, _ = call("GET", path)
        check(st == 200, f"GET {path} ({st})")
    leaked = [a for a in answers if token in a or wrong in a]
    check(not leaked, f"no answer holds a token ({leaked[:1]})")


def interrupt_on_stop(srv, state):
    """SIGTERM with a run in flight: the server cancels it, records it
    interrupted, exits 0, and leaves no Spark process behind."""
    if "lab_pid" not in state:
        return
    admin = Client(srv)
    admin.login("acme", "admin")
    st, run, _, _ = start_run(admin, state["lab_pid"], "slow", {"fabric": "local", "rows": 1})
    check(st == 202, "a slow run before the stop")
    ev = Events(admin, run["id"])
    check(ev.until(lambda e: e[0] == "edge") is not None, "it is running")
    st, js, _, _ = admin.call("GET", f"/api/v1/runs/{run['id']}")
    session = (js.get("metrics") or {}).get("session") or ""
    pids = [int(w) for w in session.split() if w.isdigit()]
    t0 = time.monotonic()
    rc = srv.stop(timeout=60)
    took = time.monotonic() - t0
    ev.rest()
    check(rc == 0 and took < 40, f"SIGTERM with a run in flight: exit 0 in {took:.1f} s ({rc})")
    check("stopped" in srv.log(), "the stop is logged")
    for p in pids:
        alive = True
        for _ in range(40):
            try:
                os.kill(p, 0)
            except ProcessLookupError:
                alive = False
                break
            time.sleep(0.25)
        check(not alive, f"the Spark driver (pid {p}) is gone after the stop")
    state["interrupted"] = run["id"]


if __name__ == "__main__":
    main()
