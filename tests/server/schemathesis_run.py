"""Runs schemathesis against a live `sibyl serve` (tests/server/schemathesis.sh).

Starts the server with a temporary data directory, makes an API token with
every scope for the tenant administrator, puts a project with a few files
in place so that generated ids and names sometimes hit real objects, and
runs `st run` over every operation of the served OpenAPI document, checking
that no answer is a 5xx and that every answer (status, content type,
headers, body) is one the document allows. Then the server must stop
cleanly (and, under the sanitizers, without a report).

Usage: schemathesis_run.py ST SIBYL [ST-OPTIONS...]
"""
import json
import os
import subprocess
import sys
import tempfile

from serverlib import Checks, Client, Server

ST, SIBYL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
EXTRA = sys.argv[3:]
HERE = os.path.dirname(os.path.abspath(__file__))
check = Checks("schemathesis")
# Every check except the two that measure how precisely the document
# describes input validation (positive_data_acceptance: a request the
# schemas allow is refused with 400; negative_data_rejection: one they
# forbid is accepted), and missing_required_header, which does not accept
# 428 Precondition Required (RFC 6585), the answer to a write without
# If-Match. SIBYL_ST_CHECKS=all runs them all.
CHECKS = "all"
EXCLUDE = "positive_data_acceptance,negative_data_rejection,missing_required_header"

PIPELINE = {"gems": {
    "orders": {"kind": "Seed", "schema": [{"name": "id", "type": "int"},
                                          {"name": "amount", "type": "double"}],
               "rows": [[1, 2.5], [2, 3.0]]},
    "big": {"kind": "Filter", "inputs": ["orders"], "condition": "amount > 2"}}}


def main():
    data = tempfile.mkdtemp(prefix="sibyl-st-")
    srv = Server(SIBYL, data, None, ["--no-access-log"])
    try:
        admin = Client(srv)
        st, _ = admin.login("default", "admin")
        check(st == 200, "admin signs in")
        st, teams, _, _ = admin.call("GET", "/api/v1/teams")
        team = teams["teams"][0]["id"]
        st, proj, _, _ = admin.call("POST", "/api/v1/projects", {"team_id": team, "name": "shop"})
        pid = proj["id"]
        admin.call("PUT", f"/api/v1/projects/{pid}/pipelines/orders", PIPELINE)
        admin.call("PUT", f"/api/v1/projects/{pid}/datasets/sales",
                   {"format": "csv", "path": "data/sales.csv"})
        st, fab, _, _ = admin.call("POST", f"/api/v1/teams/{team}/fabrics",
                                   {"name": "local", "definition": {"kind": "spark"}})
        check(st == 201, f"a fabric to find ({st})")
        # Spares for the deletes aimed at the objects above (schemathesis_hooks.py).
        st, spare_proj, _, _ = admin.call("POST", "/api/v1/projects",
                                          {"team_id": team, "name": "spare"})
        st, spare_fab, _, _ = admin.call("POST", f"/api/v1/teams/{team}/fabrics",
                                         {"name": "spare", "definition": {"kind": "spark"}})
        admin.call("PUT", "/api/v1/credentials/git/github.com", {"secret": "ghp_example"})
        st, spare, _, _ = admin.call("POST", "/api/v1/tokens", {"name": "spare"})
        st, tok, _, _ = admin.call("POST", "/api/v1/tokens",
                                   {"name": "schemathesis", "scopes": "read write admin"})
        check(st == 201, "token for the run")
        known = {"project": pid, "team": team, "fabric": (fab or {}).get("id", 1),
                 "spare_project": spare_proj["id"], "spare_fabric": (spare_fab or {}).get("id"),
                 "spare_token": spare["id"], "own_token": tok["id"], "run": 1,
                 "name": "orders", "kind": "pipelines", "gem": "big", "host": "github.com"}
        env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
                   PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   SIBYL_ST_KNOWN=json.dumps(known))
        url = f"http://127.0.0.1:{srv.port}"
        cmd = [ST, "run", f"{url}/api/v1/openapi.json", "--url", url,
               "-H", f"Authorization: Bearer {tok['token']}",
               "--checks", os.environ.get("SIBYL_ST_CHECKS", CHECKS),
               *([] if os.environ.get("SIBYL_ST_CHECKS") else ["--exclude-checks", EXCLUDE]),
               "--request-timeout", "30", "--no-color", *EXTRA]
        p = subprocess.run(cmd, env=env, cwd=data)
        check(p.returncode == 0, f"schemathesis finds no failure (exit {p.returncode})")
        check(srv.alive(), "the server is still running")
    finally:
        rc = srv.stop()
    check(rc == 0, f"the server stops cleanly ({rc})")
    check(not any("AddressSanitizer" in l or "runtime error" in l or "LeakSanitizer" in l
                  for l in srv.lines), "no sanitizer report")
    check.finish()


if __name__ == "__main__":
    main()
