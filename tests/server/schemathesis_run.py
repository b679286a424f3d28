"""Runs schemathesis against a live `sibyl serve` (tests/server/schemathesis.sh).

Starts the server with a temporary data directory, makes an API token with
every scope for the tenant administrator, puts a project with a few files
in place so that generated ids and names sometimes hit real objects, and
runs `st run` over every operation of the served OpenAPI document with
every check: no answer is a 5xx, every answer (status, content type,
headers, body) is one the document allows, and the document's input
schemas are exact (a request they allow is not refused with 400, one they
forbid is not accepted). Then the server must stop cleanly (and, under the
sanitizers, without a report).

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
# Every check (SIBYL_ST_CHECKS=a,b runs only those).
CHECKS = "all"

# Statuses that the checks of input validation take from a fixed list, not
# from the document, and that the server gives well-formed requests for
# reasons no schema can state; allowed where it gives them, in a
# schemathesis.toml given with --config-file (each is documented as a
# response of its operation too):
# - 428 Precondition Required (RFC 6585), the answer to a delete without
#   If-Match: missing_required_header expects 400, 401, 403, 406, 415 or
#   422 for a missing required header, so the three deletes that require
#   it say 428 here.
# - 428 again for PUT /fabrics/{id} and PATCH /projects/{id}, which take the
#   version from If-Match or from a `version` member of the body: either
#   will do, so the document marks both optional, and OpenAPI cannot say
#   "one of a header and a body member"; a request with neither is valid
#   to the schemas and answered 428.
# - 422 from the operations that plan a stored pipeline (its code, a gem's
#   schemas, a run): a request about a pipeline that has errors, or that
#   names a configuration the project lacks, gets 422 with the diagnostics.
#   It depends on the project's files, not on the request.
# - 423 from sign-in to an account locked after failed sign-ins.
DEFAULT_POSITIVE = '"2xx", "3xx", "401", "403", "404", "409", "429", "5xx"'
CONFIG = f"""
[[operations]]
include-operation-id = ["deleteFabric", "deleteProject", "deleteFile"]
checks.missing_required_header.expected-statuses = ["400", "401", "403", "406", "415", "422", "428"]

[[operations]]
include-operation-id = ["updateFabric", "updateProject"]
checks.positive_data_acceptance.expected-statuses = [{DEFAULT_POSITIVE}, "428"]

[[operations]]
include-operation-id = ["pipelineCode", "gemSchema", "startRun"]
checks.positive_data_acceptance.expected-statuses = [{DEFAULT_POSITIVE}, "422"]

[[operations]]
include-operation-id = ["login"]
checks.positive_data_acceptance.expected-statuses = [{DEFAULT_POSITIVE}, "423"]
"""

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
        config = os.path.join(data, "schemathesis.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        cmd = [ST, "--config-file", config, "run", f"{url}/api/v1/openapi.json", "--url", url,
               "-H", f"Authorization: Bearer {tok['token']}",
               "--checks", os.environ.get("SIBYL_ST_CHECKS", CHECKS),
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
