"""Two `sibyl serve` processes over one PostgreSQL database serve the same
tenants: both start at once on an empty database, then a write through one
is read through the other, versions conflict across them, a session or an
API token made on one works on the other (and ends on both), and failed
sign-ins are counted together, also when they arrive at once.

Usage: two_servers_test.py SIBYL  (with SIBYL_TEST_PG set; tests/server/two_servers.sh)
"""
import concurrent.futures
import os
import sys
import tempfile

from serverlib import PASSWORD, Checks, Client, Server, check_pg, psql, wait_ready

SIBYL = os.path.abspath(sys.argv[1])
PG = os.environ["SIBYL_TEST_PG"]
check = Checks("two servers")

PIPELINE = {"gems": {"orders": {"kind": "Seed",
                                "schema": [{"name": "id", "type": "int"}],
                                "rows": [[1], [2]]}}}


def main():
    data = tempfile.mkdtemp(prefix="sibyl-two-")
    # Both start at once on an empty database: they take turns migrating and
    # creating the tenant, and the later one finds the work done. They share
    # the data directory for its master key only.
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fa = ex.submit(Server, SIBYL, data, PG, ["--tenant", "acme"])
        fb = ex.submit(Server, SIBYL, data, PG, ["--tenant", "acme"])
        a, b = fa.result(), fb.result()
    try:
        check(wait_ready(a) and wait_ready(b), "both servers are ready")
        created = sum("created tenant `acme`" in s.log() for s in (a, b))
        check(created == 1, f"the tenant is created once (by {created} servers)")
        n = psql(PG, "SELECT COUNT(*) FROM tenants WHERE slug = 'acme'")[0][0]
        check(n == "1", "one tenant row")
        run(a, b)
    finally:
        rca, rcb = a.stop(), b.stop()
    check(rca == 0 and rcb == 0, f"both stop cleanly ({rca}, {rcb})")
    problems = check_pg(PG)
    check(not problems, "the store is consistent: " + "; ".join(problems))
    check.finish()


def run(a, b):
    admin_a = Client(a)
    st, _ = admin_a.login("acme", "admin")
    check(st == 200, "admin signs in on A")

    # The session made on A works on B, reads and writes (CSRF included).
    admin_b = Client(b)
    admin_b.cookies, admin_b.csrf = dict(admin_a.cookies), admin_a.csrf
    st, me, _, _ = admin_b.call("GET", "/api/v1/auth/me")
    check(st == 200 and me["user"]["login"] == "admin", "A's session is valid on B")
    st, teams, _, _ = admin_b.call("GET", "/api/v1/teams")
    team = teams["teams"][0]["id"]
    st, proj, _, _ = admin_b.call("POST", "/api/v1/projects", {"team_id": team, "name": "shop"})
    check(st == 201, "B accepts a write under A's session")
    pid = proj["id"]

    # Written on B, read on A; written on A, read on B.
    st, p, hdr, _ = admin_a.call("GET", f"/api/v1/projects/{pid}")
    check(st == 200 and p["name"] == "shop" and hdr.get("etag") == '"1"', "A reads B's project")
    base = f"/api/v1/projects/{pid}/pipelines"
    st, _, _, _ = admin_a.call("PUT", base + "/orders", PIPELINE)
    check(st == 201, "A creates a pipeline")
    st_a, _, ha, text_a = admin_a.call("GET", base + "/orders")
    st_b, _, hb, text_b = admin_b.call("GET", base + "/orders")
    check(st_b == 200 and text_b == text_a and hb.get("etag") == ha.get("etag") == '"1"',
          "B reads A's pipeline byte for byte, same version")

    # Versions conflict across the servers.
    st, p2, _, _ = admin_b.call("PATCH", f"/api/v1/projects/{pid}",
                                {"description": "from B", "version": 1})
    check(st == 200 and p2["version"] == 2, "B updates version 1")
    st, js, _, _ = admin_a.call("PATCH", f"/api/v1/projects/{pid}",
                                {"description": "from A", "version": 1})
    check(st == 409 and js["error"]["code"] == "conflict", "A's update of version 1: 409")
    st, p3, _, _ = admin_a.call("GET", f"/api/v1/projects/{pid}")
    check(p3["description"] == "from B" and p3["version"] == 2, "A sees B's change, not its own")
    st, _, _, _ = admin_a.call("PUT", base + "/orders", PIPELINE, headers={"If-Match": '"1"'})
    check(st == 200, "A replaces the pipeline at version 1")
    st, _, _, _ = admin_b.call("PUT", base + "/orders", PIPELINE, headers={"If-Match": '"1"'})
    check(st == 409, "B's replace of version 1: 409")
    st, _, _, _ = admin_b.call("DELETE", base + "/orders", headers={"If-Match": '"2"'})
    check(st == 204, "B deletes version 2")
    st, _, _, _ = admin_a.call("GET", base + "/orders")
    check(st == 404, "A no longer finds it")

    # Concurrent read-modify-write of one object through both servers: every
    # acknowledged update is one version step, none is lost.
    def bump(i):
        c = Client(a if i % 2 else b)
        c.cookies, c.csrf = dict(admin_a.cookies), admin_a.csrf
        ok = 0
        for k in range(6):
            st, cur, _, _ = c.call("GET", f"/api/v1/projects/{pid}")
            st, _, _, _ = c.call("PATCH", f"/api/v1/projects/{pid}",
                                 {"description": f"w{i}.{k}", "version": cur["version"]})
            if st == 200:
                ok += 1
            elif st not in (409, 503):
                return -1000
        return ok
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        oks = list(ex.map(bump, range(6)))
    st, p4, _, _ = admin_b.call("GET", f"/api/v1/projects/{pid}")
    check(min(oks) >= 0, "concurrent updates get 200, 409 or 503 only")
    check(p4["version"] == 2 + sum(oks),
          f"every acknowledged update is one version (version {p4['version']}, "
          f"{sum(oks)} acknowledged)")

    # A token made on B works on A; revoked on A, it is dead on B.
    st, tok, _, _ = admin_b.call("POST", "/api/v1/tokens", {"name": "ci", "scopes": "read"})
    check(st == 201, "B creates a token")
    ta, tb = Client(a), Client(b)
    ta.token = tb.token = tok["token"]
    st, _, _, _ = ta.call("GET", f"/api/v1/projects/{pid}")
    check(st == 200, "B's token reads on A")
    st, _, _, _ = admin_a.call("DELETE", f"/api/v1/tokens/{tok['id']}")
    check(st == 204, "A revokes it")
    st, _, _, _ = tb.call("GET", f"/api/v1/projects/{pid}")
    check(st == 401, "the revoked token fails on B")

    # A user made on A signs in on B.
    for login in ("sam", "sue", "tim"):
        st, _, _, _ = admin_a.call("POST", "/api/v1/users", {"login": login, "password": PASSWORD})
        check(st == 201, f"A creates {login}")
    sam_b = Client(b)
    st, _ = sam_b.login("acme", "sam")
    check(st == 200, "a user made on A signs in on B")
    # Signing out on B ends the session on A too.
    sam_a = Client(a)
    sam_a.cookies, sam_a.csrf = dict(sam_b.cookies), sam_b.csrf
    st, _, _, _ = sam_a.call("GET", "/api/v1/auth/me")
    check(st == 200, "B's session works on A")
    st, _, _, _ = sam_b.call("POST", "/api/v1/auth/logout")
    check(st == 204, "sign out on B")
    sam_a.csrf = None
    st, _, _, _ = sam_a.call("GET", "/api/v1/auth/me")
    check(st == 401, "the session is over on A too")

    # Failed sign-ins count across both servers: five, alternating, lock
    # the account on both.
    for i in range(5):
        st, _ = Client(a if i % 2 == 0 else b).login("acme", "sue", "wrong-password")
        check(st in (401, 423), f"failed sign-in {i + 1} refused")
    for s, name in ((a, "A"), (b, "B")):
        st, _ = Client(s).login("acme", "sue")
        check(st == 423, f"sue is locked on {name} after five failures across both (got {st})")

    # ... also when the failures arrive at once: ten simultaneous wrong
    # passwords, five on each server, are at least five failures.
    def wrong(i):
        return Client(a if i % 2 else b).login("acme", "tim", f"wrong-{i}")[0]
    with concurrent.futures.ThreadPoolExecutor(10) as ex:
        codes = list(ex.map(wrong, range(10)))
    check(all(c in (401, 423) for c in codes), f"simultaneous failures refused ({codes})")
    st, _ = Client(b).login("acme", "tim")
    check(st == 423, f"tim is locked after ten simultaneous failures (got {st})")


if __name__ == "__main__":
    main()
