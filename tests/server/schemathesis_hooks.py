"""Schemathesis hooks for tests/server/schemathesis.sh (SCHEMATHESIS_HOOKS).

- Half of the generated path parameters are replaced by objects that exist
  (a project with a pipeline, a team, a fabric, a Git host; their ids come
  from the environment), so that operations reach their logic instead of
  answering 404 to random ids.
- Those objects have to last the whole run: a delete aimed at one of them
  (or at the run's own API token, which would turn every later request
  into a 401) goes to a spare made for the purpose, and a write of the
  pipeline goes to another name.
Everything else goes out as generated.
"""
import json
import os

import hypothesis.strategies as st
import schemathesis

KNOWN = json.loads(os.environ.get("SIBYL_ST_KNOWN", "{}"))

IDS = (("/api/v1/projects/", "project"), ("/api/v1/teams/", "team"),
       ("/api/v1/fabrics/", "fabric"), ("/api/v1/tokens/", "spare_token"),
       ("/api/v1/runs/", "run"))

# operation path -> (the kept object, its spare)
PROTECTED = {"/api/v1/projects/{id}": ("project", "spare_project"),
             "/api/v1/fabrics/{id}": ("fabric", "spare_fabric"),
             "/api/v1/tokens/{id}": ("own_token", "spare_token")}


def _id_for(path):
    for prefix, key in IDS:
        if path.startswith(prefix):
            return KNOWN.get(key)
    return None


@schemathesis.hook
def flatmap_path_parameters(context, params):
    if not params or context.operation is None:
        return st.just(params)
    known = dict(params)
    for k in params:
        if k == "id" and _id_for(context.operation.path) is not None:
            known[k] = _id_for(context.operation.path)
        elif k in ("name", "kind", "gem", "host") and k in KNOWN:
            known[k] = KNOWN[k]
    return st.sampled_from([params, known])


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters
    if not params:
        return
    path, method = case.operation.path, case.method.upper()
    if method == "DELETE" and path in PROTECTED:
        kept, spare = PROTECTED[path]
        if str(params.get("id")) == str(KNOWN.get(kept)):
            params["id"] = KNOWN.get(spare, 999999)
    if (method in ("PUT", "DELETE") and path == "/api/v1/projects/{id}/{kind}/{name}"
            and str(params.get("id")) == str(KNOWN.get("project"))
            and params.get("kind") == KNOWN.get("kind") and params.get("name") == KNOWN.get("name")):
        params["name"] = "scratch"
