"""load-examples.py — put sample projects into a running `sibyl serve`
through its HTTP API, the way any client would, and validate them there.

    python3 scripts/load-examples.py URL LOGIN PASSWORD PROJECT_DIR...

Signs in to the `default` tenant, creates each project in the first team
(skipping projects that already exist), uploads its pipelines, datasets,
configurations and subgraphs, and prints the server's validation summary.
"""
import http.cookiejar
import json
import os
import sys
import urllib.error
import urllib.request


def main():
    url, login, password, *projects = sys.argv[1:]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    csrf = None

    def call(method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if csrf:
            req.add_header("X-CSRF-Token", csrf)
        try:
            with opener.open(req) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    status, me = call("POST", "/api/v1/auth/login",
                      {"tenant": "default", "login": login, "password": password})
    if status != 200:
        sys.exit(f"sign-in failed ({status}): {me}")
    csrf = me["csrf_token"]
    status, teams = call("GET", "/api/v1/teams")
    team_id = teams["teams"][0]["id"]
    for root in projects:
        with open(os.path.join(root, "sibyl.json")) as f:
            manifest = json.load(f)
        status, proj = call("POST", "/api/v1/projects",
                            {"team_id": team_id, "name": manifest["name"], "manifest": manifest})
        if status == 409:
            print(f"{manifest['name']}: already loaded")
            continue
        if status != 201:
            sys.exit(f"{manifest['name']}: cannot create the project ({status}): {proj}")
        pid = proj["id"]
        files = 0
        for kind in ("datasets", "configs", "subgraphs", "pipelines"):
            folder = os.path.join(root, kind)
            if not os.path.isdir(folder):
                continue
            for name in sorted(os.listdir(folder)):
                if not name.endswith(".json"):
                    continue
                with open(os.path.join(folder, name), "rb") as f:
                    status, body = call("PUT", f"/api/v1/projects/{pid}/{kind}/{name[:-5]}", raw=f.read())
                if status not in (200, 201):
                    sys.exit(f"{root}/{kind}/{name}: upload failed ({status}): {body}")
                files += 1
        status, result = call("POST", f"/api/v1/projects/{pid}/validate")
        print(f"{manifest['name']}: {files} files, validation: {result.get('errors')} errors, "
              f"{result.get('warnings')} warnings (the server reads no data files, so undeclared "
              f"source schemas show as unknown)")


if __name__ == "__main__":
    main()
