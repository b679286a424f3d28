#!/usr/bin/env bash
# Instructions per request of `sibyl serve`, counted by callgrind: the
# figure of bench/http.sh that the machine's other load does not move.
# Starts the server under valgrind with instrumentation off, loads the
# retail example through the API, makes an API token, warms up, then counts
# N keep-alive requests of each kind (GET of a pipeline, POST validate with
# the pipeline as the body) and prints the user-space instructions per
# request (kernel time — the TCP loopback — is not counted) with the
# functions that cost most, inclusive.
#   bench/http_callgrind.sh [SIBYL] [N]   (default build/sibyl, 500)
# Callgrind counts a `rep stos`/`rep movs` byte by byte, so memset and
# memcpy weigh more here than in time; see bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sibyl=${1:-build/sibyl}
n=${2:-500}
[ -x "$sibyl" ] || { echo "http_callgrind: build $sibyl first (cmake --build build)" >&2; exit 1; }
command -v valgrind >/dev/null ||
  { echo "http_callgrind: needs valgrind: apt-get install valgrind" >&2; exit 1; }
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password=callgrind-bench-password
SIBYL_ADMIN_PASSWORD=$password valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$work/cg.out" "$sibyl" serve --data "$work/data" \
  --listen "127.0.0.1:$port" --no-access-log --insecure-cookies 2>"$work/serve.log" &
pid=$!
python3 - "$port" "$password" "$n" "$pid" "$work" <<'PY'
import http.client, json, os, subprocess, sys, time, urllib.request

port, password, n, pid, work = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
t0 = time.time()
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            if r.status == 200:
                break
    except OSError:
        pass
    if time.time() - t0 > 120:
        sys.exit("http_callgrind: the server did not start:\n" + open(f"{work}/serve.log").read())
    time.sleep(0.2)
subprocess.run([sys.executable, "scripts/load-examples.py", f"http://127.0.0.1:{port}", "admin",
                password, "examples/retail"], check=True, stdout=subprocess.DEVNULL)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def call(method, path, body=None, headers=None):
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    return r.status, r.getheader("Set-Cookie"), r.read()


# Sign in (http.client keeps no cookies: urllib does it once) and make a token.
req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/auth/login", method="POST",
                             data=json.dumps({"tenant": "default", "login": "admin",
                                              "password": password}).encode(),
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req) as r:
    cookie = "; ".join(v.split(";", 1)[0] for v in r.headers.get_all("Set-Cookie"))
    csrf = json.loads(r.read())["csrf_token"]
st, _, tok = call("POST", "/api/v1/tokens",
                  json.dumps({"name": "callgrind", "scopes": "read", "expires_in_days": 1}),
                  {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf})
token = json.loads(tok)["token"]
auth = {"Authorization": f"Bearer {token}"}
path = "/api/v1/projects/1/pipelines/customer_revenue"
body = open("examples/retail/pipelines/customer_revenue.json", "rb").read()
post = dict(auth, **{"Content-Type": "application/json"})
cases = [("get", "GET", path, None, auth), ("validate", "POST", path + "/validate", body, post)]
for _, method, p, b, h in cases:  # warm-up: statements prepared, caches filled
    for _ in range(20):
        assert call(method, p, b, h)[0] == 200
ctl = lambda *a: subprocess.run(["callgrind_control", *a, pid], check=True,
                                stdout=subprocess.DEVNULL)
ctl("-i", "on")
for name, method, p, b, h in cases:
    ctl("-z")
    for _ in range(n):
        assert call(method, p, b, h)[0] == 200
    ctl("-d", name)
ctl("-i", "off")
PY
for f in "$work"/cg.out.*; do
  name=$(sed -n 's/^desc: Trigger: Client Request: //p; s/^desc: Trigger: dump //p' "$f")
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  echo "== $name: $((total / n)) instructions per request (user space, $n requests)"
  callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
    awk -v n="$n" -v t="$total" '/\?\?\?:|\.c:|\.S:/ && $1 ~ /^[0-9,]+$/ {
      v = $1; gsub(",", "", v); if (v / t < 0.03) next
      name = $0; sub(/^[^:]*:/, "", name); sub(/ \[.*/, "", name)
      lib = $0; sub(/.*\//, "", lib); sub(/\]$/, "", lib)
      if (index(name, sprintf("%c", 39))) next  # skip recursion levels
      if (name ~ /^0x/) name = name " (" lib ")"
      printf "  %6.0f  %5.1f%%  %s\n", v / n, 100 * v / t, name }' | head -40
done
