"""Runs shared by two `sibyl serve` processes over one PostgreSQL database.

A run belongs to the process that queued it; everything another process
needs of it goes through the store. Checked here on real Spark (a `spark`
fabric on local pyspark):

- the event stream of a run asked of the other process relays the same
  events as the owner's own stream, ending with done;
- the per-user limit counts the runs of both processes;
- a cancel asked of the other process stops the run on its owner;
- when the owner is killed (kill -9) mid-run, the other process marks its
  run interrupted once the owner's lease (run_lease, 6 s here) runs out,
  and a stream open on the other process ends with it.

Usage: two_servers_runs_test.py SIBYL PYTHON_WITH_PYSPARK
(with SIBYL_TEST_PG set; tests/server/two_servers_runs.sh)
"""
import json
import os
import signal
import sys
import tempfile
import threading
import time

from serverlib import (SPARK_CONF, Checks, Client, Events, Server, done_of, edges, psql,
                       statuses, wait_ready)

SIBYL = os.path.abspath(sys.argv[1])
PY = sys.argv[2]
PG = os.environ["SIBYL_TEST_PG"]
LEASE_S = 6
check = Checks("runs across two servers")


def napping(seconds):
    """Three rows through a code gem that sleeps."""
    return {"gems": {
        "numbers": {"kind": "Seed", "schema": [{"name": "i", "type": "int"}],
                    "rows": [[1], [2], [3]]},
        "nap": {"kind": "Script", "inputs": ["numbers"],
                "schema": [{"name": "i", "type": "int"}],
                "code": "import time\n\n\ndef transform(spark, in0):\n"
                        f"    time.sleep({seconds})\n    return in0\n"},
    }}


def descendants(pid):
    """Every process below `pid` (the fabric's drivers run in their own
    process groups, so a killed server leaves them behind)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def wait_status(c, rid, want, seconds):
    deadline = time.monotonic() + seconds
    js = None
    while time.monotonic() < deadline:
        st, js, _, _ = c.call("GET", f"/api/v1/runs/{rid}")
        if st == 200 and js["status"] in want:
            return js
        time.sleep(0.25)
    return js


def start(c, pid, pipeline):
    return c.call("POST", f"/api/v1/projects/{pid}/pipelines/{pipeline}/runs",
                  {"fabric": "local", "rows": 5})


def read_all(ev, into):
    into.extend(ev.rest())


def main():
    data = tempfile.mkdtemp(prefix="sibyl-two-runs-")
    config = os.path.join(data, "serve.json")
    with open(config, "w") as f:
        json.dump({"run_lease": LEASE_S}, f)
    extra = ["--tenant", "acme", "--run-workers", "1", "--runs-per-user", "2",
             "--runs-per-tenant", "4", "--config", config]
    a = Server(SIBYL, data, PG, extra)
    b = Server(SIBYL, data, PG, extra)
    leftovers = []
    try:
        check(wait_ready(a) and wait_ready(b), "both servers are ready")
        ca, cb = Client(a), Client(b)
        ca.login("acme", "admin")
        cb.login("acme", "admin")
        st, teams, _, _ = ca.call("GET", "/api/v1/teams")
        team = teams["teams"][0]["id"]
        st, js, _, _ = ca.call("POST", f"/api/v1/teams/{team}/fabrics",
                               {"name": "local", "definition": {"kind": "spark", "python": PY,
                                                                "conf": SPARK_CONF}})
        check(st == 201, f"a spark fabric ({st}, {js})")
        st, p, _, _ = ca.call("POST", "/api/v1/projects", {"team_id": team, "name": "shared"})
        check(st == 201, f"a project ({st}, {p})")
        pid = p["id"]
        for name, spec in (("short", napping(3)), ("long", napping(600))):
            st, js, _, _ = ca.call("PUT", f"/api/v1/projects/{pid}/pipelines/{name}", spec)
            check(st == 201 and js["errors"] == 0, f"pipeline {name} ({st}, {js})")

        # 1. One run on A, streamed from A and from B at once.
        st, run, _, _ = start(ca, pid, "short")
        check(st == 202, f"a run started on A ({st}, {run})")
        rid = run["id"]
        got_a, got_b = [], []
        ea, eb = Events(ca, rid), Events(cb, rid)
        check(ea.status == 200 and eb.status == 200, "both processes stream the run")
        threads = [threading.Thread(target=read_all, args=(ea, got_a)),
                   threading.Thread(target=read_all, args=(eb, got_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        da, db = done_of(got_a), done_of(got_b)
        check(da is not None and da["status"] == "succeeded", f"A's stream ends done ({da})")
        check(db == da, f"B relays the same done event ({db})")
        check(statuses(got_b)[-2:] == ["running", "succeeded"] or
              statuses(got_b)[-1:] == ["succeeded"], f"B relays the statuses ({statuses(got_b)})")
        ga = [(e["gem"], e["count"], e["rows"]) for e in edges(got_a)]
        gb = [(e["gem"], e["count"], e["rows"]) for e in edges(got_b)]
        check(ga == gb and [g for g, _, _ in ga] == ["numbers", "nap"],
              f"B relays the edges with their rows ({gb})")
        check(gb and gb[0][2] == [[1], [2], [3]], f"the relayed sample rows ({gb[:1]})")
        st, js, _, _ = cb.call("GET", f"/api/v1/runs/{rid}")
        check(st == 200 and js["status"] == "succeeded" and not js["live"],
              f"B reads the run as ended ({js})")
        # In the store, the events are sealed: no sample row in clear.
        stored = None
        for _ in range(20):
            stored = psql(PG, f"SELECT COUNT(*) FROM run_events WHERE run_id = {rid}")[0][0]
            if stored == str(len(got_a)):
                break
            time.sleep(0.25)
        check(stored == str(len(got_a)), f"every event passed through the store ({stored})")
        clear = psql(PG, "SELECT COUNT(*) FROM run_events WHERE run_id = "
                     f"{rid} AND position('numbers'::bytea in sealed) > 0")[0][0]
        check(clear == "0", f"the events in the store are sealed ({clear} in clear)")
        # A stream opened later on B replays it.
        late = Events(cb, rid).rest()
        check(done_of(late) == da, "a later stream on B ends with the same done")

        # 2. The per-user limit counts both processes' runs.
        st, r1, _, _ = start(ca, pid, "long")
        check(st == 202, f"a long run on A ({st})")
        st, r2, _, _ = start(cb, pid, "long")
        check(st == 202, f"a long run on B ({st})")
        st, js, _, _ = start(ca, pid, "long")
        check(st == 429 and "you already have 2 runs" in js["error"]["message"],
              f"a third run of the user is refused, counting both processes ({st}, {js})")
        check(wait_status(ca, r1["id"], ("running",), 120) is not None, "A's run is running")

        # 3. Cancel asked of the process that does not run it.
        st, js, _, _ = cb.call("POST", f"/api/v1/runs/{r1['id']}/cancel")
        check(st == 202 and js["cancel_requested"] and not js["live"],
              f"B takes the cancel of A's run ({st}, {js})")
        js = wait_status(cb, r1["id"], ("cancelled", "failed", "succeeded", "interrupted"), 120)
        check(js and js["status"] == "cancelled", f"A cancelled its run ({js})")
        st, js, _, _ = ca.call("POST", f"/api/v1/runs/{r2['id']}/cancel")
        check(st in (200, 202), f"A takes the cancel of B's run ({st}, {js})")
        js = wait_status(ca, r2["id"], ("cancelled", "failed", "succeeded", "interrupted"), 120)
        check(js and js["status"] == "cancelled", f"B cancelled its run ({js})")
        st, js, _, _ = ca.call("POST", f"/api/v1/runs/{r2['id']}/cancel")
        check(st == 409 or (st == 200 and js["status"] == "cancelled"),
              f"cancelling it again: already ended ({st})")

        # 4. A dies mid-run: B marks the run interrupted after the lease.
        st, r3, _, _ = start(ca, pid, "long")
        check(st == 202, f"another long run on A ({st})")
        check(wait_status(cb, r3["id"], ("running",), 120) is not None,
              "B sees A's run running")
        eb = Events(cb, r3["id"])
        first = eb.until(lambda ev: ev[0] == "edge")
        check(first is not None and first[1]["gem"] == "numbers",
              f"B relays the first edge of A's run ({first})")
        leftovers = descendants(a.proc.pid)
        t0 = time.monotonic()
        a.kill9()
        js = wait_status(cb, r3["id"], ("interrupted",), 4 * LEASE_S + 30)
        took = time.monotonic() - t0
        check(js and js["status"] == "interrupted"
              and js["message"] == "the server process running it stopped answering",
              f"B marks the dead process's run interrupted ({js})")
        check(took >= LEASE_S - 1, f"not before the lease ran out ({took:.1f} s)")
        print(f"  the run was marked interrupted {took:.1f} s after its process was killed "
              f"(lease {LEASE_S} s)", flush=True)
        rest = eb.rest()
        d = done_of(rest)
        check(d is not None and d["status"] == "interrupted",
              f"B's open stream ends with the interruption ({d})")
        st, js, _, _ = start(cb, pid, "short")
        check(st == 202, f"the interrupted run no longer counts against the limit ({st}, {js})")
        if st == 202:
            js = wait_status(cb, js["id"], ("succeeded", "failed", "cancelled"), 300)
            check(js and js["status"] == "succeeded", f"B runs it ({js})")
        # The events of the first run leave the store a lease after its end.
        deadline = time.monotonic() + 3 * LEASE_S
        left = None
        while time.monotonic() < deadline:
            left = psql(PG, f"SELECT COUNT(*) FROM run_events WHERE run_id = {rid}")[0][0]
            if left == "0":
                break
            time.sleep(0.5)
        check(left == "0", f"the ended run's events are dropped after the lease ({left} left)")
    finally:
        for s in (a, b):
            if s.alive():
                rc = s.stop()
                check(rc == 0, f"a server stops cleanly ({rc})")
            bad = [l for l in s.lines if "Sanitizer" in l or "runtime error:" in l]
            check(not bad, "no sanitizer report:\n" + "".join(bad[:20]))
        for p in leftovers:
            try:
                os.killpg(p, signal.SIGKILL)
            except OSError:
                pass
    check.finish()


if __name__ == "__main__":
    main()
