"""Crash safety of `sibyl serve`: the server is killed with SIGKILL in the
middle of a burst of writes from several clients, then started again on the
same store. Every write that was acknowledged (a 2xx answer received) must
be there with its content; a write whose answer never came is either wholly
there or wholly absent; nothing that was never sent appears; and the store
passes its consistency checks (SQLite: integrity and foreign-key checks;
PostgreSQL: no orphan rows, amcheck; both: versions and file history).

Usage: crash_test.py SIBYL [--store URL]   (SQLite in a temporary data
directory unless a store is given; tests/server/crash.sh, crash_pg.sh)
"""
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time

from serverlib import Checks, Client, Server, check_pg, check_sqlite, wait_ready

SIBYL = os.path.abspath(sys.argv[1])
STORE = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--store" else None
check = Checks("crash" + (" (postgresql)" if STORE else " (sqlite)"))

ROUNDS = 3
WORKERS = 6


def pipeline(tag, n):
    """A pipeline whose content names the write that made it."""
    return {"gems": {"seed": {"kind": "Seed",
                              "schema": [{"name": "tag", "type": "string"},
                                         {"name": "n", "type": "int"}],
                              "rows": [[tag, n]]}}}


class Ledger:
    """What the clients sent and what was acknowledged, per object."""

    def __init__(self):
        self.mu = threading.Lock()
        self.created = {}   # path -> (content, acknowledged?)
        self.chains = {}    # path -> {"acked": (version, content), "doubt": (version, content)}


def worker(srv, token, pid, rnd, w, ledger, stop):
    c = Client(srv, timeout=10)
    c.token = token
    base = f"/api/v1/projects/{pid}"
    chain_file = f"{base}/pipelines/chain_{rnd}_{w}"
    chain_proj = None
    k = 0
    try:
        # Objects updated again and again with If-Match: their history must
        # end at the last acknowledged version, or one past it.
        body = pipeline(f"chain {rnd}.{w}", 1)
        with ledger.mu:
            ledger.chains[chain_file] = {"acked": None, "doubt": (1, body)}
        st, _, _, _ = c.call("PUT", chain_file, body)
        if st != 201:
            return
        with ledger.mu:
            ledger.chains[chain_file] = {"acked": (1, body), "doubt": None}
        while not stop.is_set():
            k += 1
            op = k % 3
            if op == 0:
                # A new pipeline.
                path = f"{base}/pipelines/new_{rnd}_{w}_{k}"
                body = pipeline(f"new {rnd}.{w}.{k}", k)
                with ledger.mu:
                    ledger.created[path] = (body, False)
                st, _, _, _ = c.call("PUT", path, body)
                if st == 201:
                    with ledger.mu:
                        ledger.created[path] = (body, True)
            elif op == 1:
                # The next version of the chain.
                with ledger.mu:
                    v, _ = ledger.chains[chain_file]["acked"]
                body = pipeline(f"chain {rnd}.{w}", v + 1)
                with ledger.mu:
                    ledger.chains[chain_file]["doubt"] = (v + 1, body)
                st, js, _, _ = c.call("PUT", chain_file, body, headers={"If-Match": f'"{v}"'})
                if st == 200:
                    with ledger.mu:
                        ledger.chains[chain_file] = {"acked": (js["version"], body), "doubt": None}
            else:
                # A project, then updates of its description.
                if chain_proj is None:
                    name = f"proj-{rnd}-{w}"
                    with ledger.mu:
                        ledger.created["project:" + name] = (None, False)
                    st, js, _, _ = c.call("POST", "/api/v1/projects",
                                          {"team_id": TEAM, "name": name, "description": "0"})
                    if st == 201:
                        chain_proj = f"/api/v1/projects/{js['id']}"
                        with ledger.mu:
                            ledger.created["project:" + name] = (js["id"], True)
                            ledger.chains[chain_proj] = {"acked": (1, "0"), "doubt": None}
                else:
                    with ledger.mu:
                        v, _ = ledger.chains[chain_proj]["acked"]
                    with ledger.mu:
                        ledger.chains[chain_proj]["doubt"] = (v + 1, str(v + 1))
                    st, js, _, _ = c.call("PATCH", chain_proj,
                                          {"description": str(v + 1), "version": v})
                    if st == 200:
                        with ledger.mu:
                            ledger.chains[chain_proj] = {"acked": (js["version"], str(v + 1)),
                                                         "doubt": None}
            if st >= 500 and st != 503:
                check(False, f"unexpected {st} during the burst")
    except (OSError, http.client.HTTPException):
        return  # the server died


TEAM = None


def verify(srv, token, pid, ledger):
    c = Client(srv)
    c.token = token
    with ledger.mu:
        created = dict(ledger.created)
        chains = {k: dict(v) for k, v in ledger.chains.items()}
    acked = lost = present_doubt = 0
    st, lst, _, _ = c.call("GET", f"/api/v1/projects/{pid}/pipelines")
    names = {f["name"] for f in lst["files"]}
    st, plist, _, _ = c.call("GET", "/api/v1/projects")
    projects = {p["name"]: p for p in plist["projects"]}
    for path, (content, ok) in created.items():
        if path.startswith("project:"):
            name = path[len("project:"):]
            there = name in projects
            if ok:
                acked += 1
                if not there:
                    lost += 1
                    check(False, f"acknowledged project {name} is missing")
            elif there:
                present_doubt += 1
            continue
        st, _, _, text = c.call("GET", path)
        if ok:
            acked += 1
            if st != 200:
                lost += 1
                check(False, f"acknowledged {path} is missing ({st})")
            else:
                check(json.loads(text) == content, f"acknowledged {path} has its content")
        elif st == 200:
            present_doubt += 1
            check(json.loads(text) == content, f"unacknowledged {path} is whole")
        else:
            check(st == 404, f"unacknowledged {path}: 404 or 200 (got {st})")
    for path, ch in chains.items():
        st, js, hdr, text = c.call("GET", path)
        if ch["acked"] is None:
            check(st in (200, 404), f"{path} never acknowledged: present or absent")
            continue
        v, content = ch["acked"]
        acked += 1
        if not check(st == 200, f"acknowledged {path} exists ({st})"):
            lost += 1
            continue
        if "/pipelines/" in path:
            got_v, got = int(hdr["etag"].strip('"')), json.loads(text)
        else:
            got_v, got = js["version"], js["description"]
        if got_v == v:
            check(got == content, f"{path} at the acknowledged version {v} has its content")
        elif ch["doubt"] and got_v == ch["doubt"][0]:
            present_doubt += 1
            check(got == ch["doubt"][1], f"{path} at unacknowledged version {got_v} is whole")
        else:
            lost += 1
            check(False, f"{path}: version {got_v}, acknowledged {v}")
    # Nothing appears that no client sent.
    sent = {p.rsplit("/", 1)[1] for p in list(created) + list(chains)
            if p.startswith(f"/api/v1/projects/{pid}/pipelines/")}
    check(names <= sent, f"no pipeline that was never sent: {sorted(names - sent)[:5]}")
    sent_projects = {p[len("project:"):] for p in created if p.startswith("project:")}
    check(set(projects) <= sent_projects | {"crash"}, "no project that was never sent")
    return acked, lost, present_doubt


def consistency(data):
    problems = check_pg(STORE) if STORE else check_sqlite(os.path.join(data, "sibyl.db"))
    check(not problems, "the store is consistent: " + "; ".join(problems))


def main():
    global TEAM
    data = tempfile.mkdtemp(prefix="sibyl-crash-")
    srv = Server(SIBYL, data, STORE, ["--no-access-log", "--threads", "4"])
    admin = Client(srv)
    st, _ = admin.login("default", "admin")
    check(st == 200, "admin signs in")
    st, tok, _, _ = admin.call("POST", "/api/v1/tokens", {"name": "crash", "scopes": "read write"})
    token = tok["token"]
    st, teams, _, _ = admin.call("GET", "/api/v1/teams")
    TEAM = teams["teams"][0]["id"]
    st, proj, _, _ = admin.call("POST", "/api/v1/projects", {"team_id": TEAM, "name": "crash"})
    pid = proj["id"]
    ledger = Ledger()
    rng = random.Random(7)
    total_acked = 0
    for rnd in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(srv, token, pid, rnd, w, ledger, stop))
                   for w in range(WORKERS)]
        for t in threads:
            t.start()
        time.sleep(0.4 + rng.random())
        srv.kill9()
        stop.set()
        for t in threads:
            t.join(30)
        srv = Server(SIBYL, data, STORE, ["--no-access-log", "--threads", "4"])
        check(wait_ready(srv), f"round {rnd}: the server is ready after the crash")
        consistency(data)
        acked, lost, doubt = verify(srv, token, pid, ledger)
        check(lost == 0, f"round {rnd}: no acknowledged write lost ({lost} of {acked})")
        total_acked = acked
        print(f"round {rnd}: {acked} acknowledged writes checked, {doubt} unacknowledged "
              f"ones present", file=sys.stderr, flush=True)
    check(total_acked > 30, f"the burst wrote something ({total_acked} acknowledged)")
    rc = srv.stop()
    check(rc == 0, "a clean stop after the crashes")
    consistency(data)
    check.finish()


if __name__ == "__main__":
    main()
