"""app.py — the yardstick for bench/http.sh: a FastAPI + SQLite service of
the same shape as the two `sibyl serve` endpoints the HTTP benchmark drives,
written the way a Python team would write it (FastAPI, a dependency for
authentication, the standard library's sqlite3 and json).

Per request it does the work sibyl does, with the same data layout:

  authentication  `Authorization: Bearer sbt_<tenant>_<secret>`; the secret
                  is hashed with BLAKE2b-256 (libsodium's crypto_generichash,
                  which sibyl uses) and looked up inside the tenant
                  (api_tokens UNIQUE (tenant_id, hash)), then its user, in
                  one read transaction; revoked, expired, disabled and scope
                  are checked, and last use is written at most once a minute.
  GET file        a second read transaction: the project (tenant-scoped),
                  the caller's role on its team (the same LEFT JOIN as
                  sibyl's Q_ROLE_FOR), the file by (tenant, project, kind,
                  name); answers the stored text with an ETag.
  POST validate   the same transaction, then every file of the project
                  (as sibyl loads the whole project), the body replacing
                  the stored pipeline as a draft; every file is parsed as
                  JSON and walked: gem kinds, inputs naming existing gems,
                  cycles, Source/Target datasets, `${name}` configuration
                  references, dataset schemas. It answers diagnostics in
                  sibyl's shape. It does NOT parse or type-check Spark SQL
                  or propagate schemas, which is most of what sibyl's
                  validation costs: this is the honest equivalent a service
                  without a Spark SQL front end can do.

    python app.py seed DB PROJECT_DIR   create DB, load the project, print
                                        "TOKEN PROJECT_ID"
    YARDSTICK_DB=DB uvicorn app:app ...  serve
"""
import base64
import hashlib
import json
import os
import re
import secrets
import sqlite3
import sys
import time

SCHEMA = """
CREATE TABLE tenants (id INTEGER PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE teams (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL, version INTEGER NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, UNIQUE (tenant_id, id), UNIQUE (tenant_id, name));
CREATE TABLE users (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  login TEXT NOT NULL, display_name TEXT, email TEXT, password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, UNIQUE (tenant_id, id), UNIQUE (tenant_id, login));
CREATE TABLE memberships (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL, team_id INTEGER, role TEXT NOT NULL, version INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE UNIQUE INDEX memberships_user_team ON memberships (tenant_id, user_id, team_id);
CREATE TABLE projects (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
  team_id INTEGER NOT NULL, name TEXT NOT NULL, description TEXT, manifest TEXT,
  version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (tenant_id, id), UNIQUE (tenant_id, team_id, name));
CREATE TABLE project_files (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
  project_id INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
  updated_by INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, project_id, kind, name));
CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL, scopes TEXT NOT NULL,
  expires_at INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (tenant_id, hash));
"""

TOKEN_COLS = "id, user_id, name, hash, scopes, expires_at, revoked_at, last_used_at, version"
USER_COLS = "id, login, display_name, email, disabled, version"
PROJECT_COLS = "id, team_id, name, description, manifest, version"
FILE_COLS = "id, project_id, kind, name, content, updated_by, version, created_at, updated_at"
ROLE_FOR = ("SELECT u.disabled, m.role FROM users u LEFT JOIN memberships m "
            "ON m.tenant_id = u.tenant_id AND m.user_id = u.id "
            "AND (m.team_id IS NULL OR m.team_id = ?3) WHERE u.tenant_id = ?1 AND u.id = ?2")
ROLES = {"viewer": 1, "member": 2, "team_admin": 3, "tenant_admin": 4}
KINDS = {"pipelines": "pipeline", "datasets": "dataset", "configs": "config",
         "subgraphs": "subgraph"}
GEM_KINDS = {"Source", "Seed", "Target", "Reformat", "SchemaTransform", "Filter", "OrderBy",
             "Limit", "Deduplicate", "Aggregate", "Join", "SetOperation", "WindowFunction",
             "RowDistributor", "SQLStatement", "Script", "Subgraph"}
TOUCH_EVERY_MS = 60000
CONFIG_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def now_ms():
    return int(time.time() * 1000)


def secret_hash(secret):
    return hashlib.blake2b(secret.encode(), digest_size=32).hexdigest()


def connect(path):
    db = sqlite3.connect(path, isolation_level=None, cached_statements=256)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


# ---- validation: parse and walk ------------------------------------------------


def walk(v):
    """Visit every value once (what a loader does before it looks at fields)."""
    n = 1
    if isinstance(v, dict):
        for x in v.values():
            n += walk(x)
    elif isinstance(v, list):
        for x in v:
            n += walk(x)
    return n


def check_pipeline(name, doc, datasets, config_names, diags):
    file = f"pipelines/{name}.json"

    def diag(sev, code, gem, field, msg):
        diags.append({"severity": sev, "code": code, "file": file, "gem": gem, "field": field,
                      "message": msg})

    if not isinstance(doc, dict) or not isinstance(doc.get("gems"), dict):
        diag("error", "missing-field", None, "gems", "a pipeline has an object `gems`")
        return
    gems = doc["gems"]
    edges = {}
    for gname, g in gems.items():
        if not isinstance(g, dict):
            diag("error", "wrong-type", gname, None, f"gem `{gname}` is not an object")
            continue
        kind = g.get("kind")
        if kind not in GEM_KINDS:
            diag("error", "unknown-kind", gname, "kind", f"unknown gem kind `{kind}`")
        inputs = g.get("inputs", [])
        if not isinstance(inputs, list):
            diag("error", "wrong-type", gname, "inputs", "`inputs` is a list of gem names")
            inputs = []
        edges[gname] = []
        for i, ref in enumerate(inputs):
            src = ref.split(".", 1)[0] if isinstance(ref, str) else None
            if src not in gems:
                diag("error", "unknown-gem", gname, f"inputs[{i}]", f"no gem `{ref}`")
            else:
                edges[gname].append(src)
        if kind in ("Source", "Target"):
            ds = g.get("dataset")
            if ds not in datasets:
                diag("error", "unknown-dataset", gname, "dataset", f"no dataset `{ds}`")
            elif kind == "Source" and not isinstance(datasets[ds].get("schema"), list):
                diag("warning", "schema-unknown", gname, "dataset",
                     f"dataset `{ds}` declares no schema and data files are not read in this "
                     f"check, so its columns are unknown")
        # Every string of the gem: configuration references must be declared.
        stack = [(g, "")]
        while stack:
            v, path = stack.pop()
            if isinstance(v, dict):
                stack.extend((x, f"{path}.{k}" if path else k) for k, x in v.items())
            elif isinstance(v, list):
                stack.extend((x, f"{path}[{i}]") for i, x in enumerate(v))
            elif isinstance(v, str) and "${" in v:
                for m in CONFIG_REF.finditer(v):
                    if m.group(1) not in config_names:
                        diag("error", "unknown-config", gname, path,
                             f"configuration `{m.group(1)}` is not declared in sibyl.json")
    # Cycles (depth-first, colouring).
    state = {}
    for start in edges:
        stack = [(start, iter(edges[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                diag("error", "cycle", node, "inputs", f"gem `{node}` is part of a cycle")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(edges.get(nxt, ()))))


def validate(manifest_text, files, draft_name, draft):
    """Diagnostics of pipeline `draft_name`, with `draft` (bytes or None)
    replacing its stored text."""
    diags = []
    manifest = json.loads(manifest_text or "{}")
    walk(manifest)
    config_names = set(manifest.get("config", {}))
    datasets, pipelines = {}, {}
    for kind, name, content in files:
        if kind == "pipeline" and name == draft_name and draft is not None:
            continue
        try:
            doc = json.loads(content)
        except ValueError as e:
            diags.append({"severity": "error", "code": "bad-json",
                          "file": f"{kind}s/{name}.json", "message": str(e)})
            continue
        walk(doc)
        if kind == "dataset":
            datasets[name] = doc if isinstance(doc, dict) else {}
            for i, col in enumerate(datasets[name].get("schema") or []):
                if not isinstance(col, dict) or "name" not in col or "type" not in col:
                    diags.append({"severity": "error", "code": "missing-field",
                                  "file": f"datasets/{name}.json", "field": f"schema[{i}]",
                                  "message": "a column has a name and a type"})
        elif kind in ("pipeline", "subgraph"):
            pipelines[(kind, name)] = doc
    if draft is not None:
        try:
            pipelines[("pipeline", draft_name)] = json.loads(draft)
            walk(pipelines[("pipeline", draft_name)])
        except ValueError as e:
            diags.append({"severity": "error", "code": "bad-json",
                          "file": f"pipelines/{draft_name}.json", "message": str(e)})
    if ("pipeline", draft_name) in pipelines:
        check_pipeline(draft_name, pipelines[("pipeline", draft_name)], datasets, config_names,
                       diags)
    # Keep what concerns this pipeline, as sibyl does.
    own = f"pipelines/{draft_name}.json"
    diags = [d for d in diags if not d["file"].startswith("pipelines/") or d["file"] == own]
    errors = sum(d["severity"] == "error" for d in diags)
    return {"errors": errors, "warnings": len(diags) - errors, "diagnostics": diags}


# ---- the service -----------------------------------------------------------------


def make_app(db_path):
    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import JSONResponse, Response

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    db = connect(db_path)
    SECURITY = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

    class Fail(Exception):
        def __init__(self, status, code, message, headers=None):
            self.status, self.code, self.message, self.headers = status, code, message, headers

    @app.exception_handler(Fail)
    async def on_fail(request, e):
        return JSONResponse({"error": {"code": e.code, "message": e.message}}, e.status,
                            headers={**SECURITY, **(e.headers or {})})

    def unauthenticated(why):
        return Fail(401, "unauthenticated", why, {"WWW-Authenticate": 'Bearer realm="sibyl"'})

    # An async dependency runs on the event loop thread, the only one that
    # touches the connection.
    async def principal(request: Request):
        authz = request.headers.get("authorization")
        if not authz or not authz.startswith("Bearer "):
            raise unauthenticated("sign in, or send an API token")
        token = authz[7:].strip()
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "sbt" or not parts[1].isdigit() or len(parts[2]) < 16:
            raise unauthenticated("the API token is malformed")
        tenant = int(parts[1])
        h = secret_hash(parts[2])
        db.execute("BEGIN")
        try:
            t = db.execute(f"SELECT {TOKEN_COLS} FROM api_tokens WHERE tenant_id = ?1 AND hash = ?2",
                           (tenant, h)).fetchone()
            u = t and db.execute(f"SELECT {USER_COLS} FROM users WHERE tenant_id = ?1 AND id = ?2",
                                 (tenant, t[1])).fetchone()
        finally:
            db.execute("ROLLBACK")
        if not t or not u:
            raise unauthenticated("the API token is not valid")
        now = now_ms()
        if t[6]:
            raise unauthenticated("the API token was revoked")
        if t[5] and t[5] <= now:
            raise unauthenticated("the API token expired")
        if u[4]:
            raise unauthenticated("the account is disabled")
        if "read" not in t[4].split():
            raise Fail(403, "insufficient_scope", "the API token lacks the `read` scope")
        if now - t[7] > TOUCH_EVERY_MS:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE api_tokens SET last_used_at = ?2 WHERE tenant_id = ?1 AND id = ?3",
                       (tenant, now, t[0]))
            db.execute("COMMIT")
        return {"tenant": tenant, "user": u[0], "login": u[1], "token": t[0]}

    def project_access(who, pid):
        p = db.execute(f"SELECT {PROJECT_COLS} FROM projects WHERE tenant_id = ?1 AND id = ?2",
                       (who["tenant"], pid)).fetchone()
        if not p:
            raise Fail(404, "not_found", "no such project")
        r = db.execute(ROLE_FOR, (who["tenant"], who["user"], p[1])).fetchone()
        if not r or r[0] or ROLES.get(r[1], 0) < ROLES["viewer"]:
            raise Fail(404, "not_found", "no such project")
        return p

    @app.get("/readyz")
    async def readyz():
        db.execute("SELECT 1").fetchone()
        return Response("ready\n", media_type="text/plain")

    @app.get("/api/v1/projects/{pid}/{kind}/{name}")
    async def file_get(pid: int, kind: str, name: str, who=Depends(principal)):
        if kind not in KINDS:
            raise Fail(404, "not_found", f"no such kind of file: {kind}")
        db.execute("BEGIN")
        try:
            project_access(who, pid)
            f = db.execute(f"SELECT {FILE_COLS} FROM project_files WHERE tenant_id = ?1 "
                           "AND project_id = ?2 AND kind = ?3 AND name = ?4",
                           (who["tenant"], pid, KINDS[kind], name)).fetchone()
        finally:
            db.execute("ROLLBACK")
        if not f:
            raise Fail(404, "not_found", f"no such {KINDS[kind]}")
        return Response(f[4], media_type="application/json",
                        headers={**SECURITY, "ETag": f'"{f[6]}"'})

    @app.post("/api/v1/projects/{pid}/pipelines/{name}/validate")
    async def pipeline_validate(pid: int, name: str, request: Request,
                                who=Depends(principal)):
        body = await request.body()
        db.execute("BEGIN")
        try:
            p = project_access(who, pid)
            files = db.execute("SELECT kind, name, content FROM project_files WHERE tenant_id = ?1 "
                               "AND project_id = ?2 ORDER BY kind, name",
                               (who["tenant"], pid)).fetchall()
        finally:
            db.execute("ROLLBACK")
        if not body and not any(k == "pipeline" and n == name for k, n, _ in files):
            raise Fail(404, "not_found", "no such pipeline")
        result = validate(p[4], files, name, body or None)
        return Response(json.dumps(result, separators=(",", ":")) + "\n",
                        media_type="application/json", headers=SECURITY)

    return app


def seed(db_path, project_dir):
    """A tenant, a team, a tenant administrator, the project and its files,
    and a read/write API token; prints "TOKEN PROJECT_ID"."""
    if os.path.exists(db_path):
        os.remove(db_path)
    db = connect(db_path)
    db.executescript(SCHEMA)
    t = now_ms()
    db.execute("BEGIN")
    db.execute("INSERT INTO tenants VALUES (1, 'default', 'default', 1, ?1, ?1)", (t,))
    db.execute("INSERT INTO teams VALUES (1, 1, 'default', 1, ?1, ?1)", (t,))
    db.execute("INSERT INTO users (id, tenant_id, login, display_name, version, created_at, "
               "updated_at) VALUES (1, 1, 'admin', 'Administrator', 1, ?1, ?1)", (t,))
    db.execute("INSERT INTO memberships (tenant_id, user_id, team_id, role, version, created_at, "
               "updated_at) VALUES (1, 1, NULL, 'tenant_admin', 1, ?1, ?1)", (t,))
    with open(os.path.join(project_dir, "sibyl.json")) as f:
        manifest = json.load(f)
    db.execute("INSERT INTO projects VALUES (1, 1, 1, ?1, NULL, ?2, 1, ?3, ?3)",
               (manifest["name"], json.dumps(manifest, indent=2, sort_keys=True), t))
    for folder, kind in KINDS.items():
        d = os.path.join(project_dir, folder)
        if not os.path.isdir(d):
            continue
        for fn in sorted(os.listdir(d)):
            if fn.endswith(".json"):
                with open(os.path.join(d, fn)) as f:
                    db.execute("INSERT INTO project_files (tenant_id, project_id, kind, name, "
                               "content, version, created_at, updated_at) "
                               "VALUES (1, 1, ?1, ?2, ?3, 1, ?4, ?4)", (kind, fn[:-5], f.read(), t))
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    db.execute("INSERT INTO api_tokens (tenant_id, user_id, name, hash, scopes, expires_at, "
               "version, created_at, updated_at) VALUES (1, 1, 'bench', ?1, 'read write', ?2, 1, "
               "?3, ?3)", (secret_hash(secret), t + 86400000, t))
    db.execute("COMMIT")
    db.close()
    print(f"sbt_1_{secret} 1")


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "seed":
    seed(sys.argv[2], sys.argv[3])
elif __name__ == "__main__":
    sys.exit(__doc__)
else:
    app = make_app(os.environ.get("YARDSTICK_DB", "yardstick.db"))
