#!/usr/bin/env bash
# HTTP server benchmark, side by side: `sibyl serve` and the yardstick
# (bench/yardstick: FastAPI + SQLite, the same two endpoints with the same
# per-request work), each pinned to one core, driven by wrk pinned to the
# other, in the same run:
#   get       GET /api/v1/projects/{id}/pipelines/customer_revenue with an
#             API token (auth + tenant-scoped store read, 8.4 KB answer)
#   validate  POST .../pipelines/customer_revenue/validate, the pipeline as
#             the body (an unsaved draft)
# Both servers hold the retail example project: sibyl loads it through its
# API (scripts/load-examples.py) and makes an API token there; the yardstick
# is seeded with the same files and a token hashed the same way.
#
# Prints, per endpoint and connection count: requests/s, p50 and p99
# latency, and server CPU per request (user+sys time of the server process
# over the run / requests: the figure the machine's other load moves least;
# 1e6 / it is what one free core would serve), how long sibyl's threads
# were on a CPU per second of the run, and how busy the server core was
# with everything on it (/proc/stat): on a shared machine the difference is
# the other load's share of the server's core. Then idle RSS (after set-up,
# before load), peak RSS under load (VmHWM, reset before the load), and the
# time from exec to the first 200 from /readyz. Ratios are sibyl/yardstick.
#
#   bench/http.sh [SIBYL]        (default build/sibyl)
# Environment: DURATION (seconds per measurement, default 10), CONNS
# (connection counts, default "1 16 64 256"), REPEAT (measurements of each
# case, sibyl and yardstick alternating; best and range are shown; default
# 2), SERVER_CPU / CLIENT_CPU (default 0 / 1), SIBYL_THREADS (--threads of
# sibyl serve; default: its own default), ENDPOINTS (default "get validate").
# STARTUP_RUNS (starts timed by bench/serve_startup.sh when present; 0: none;
# default 5).
# Needs wrk (apt-get install wrk) and taskset; the yardstick's virtualenv is
# made in .venv-bench from bench/yardstick/requirements.txt on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
sibyl=${1:-build/sibyl}
[ -x "$sibyl" ] || { echo "http.sh: build $sibyl first (cmake --build build)" >&2; exit 1; }
command -v wrk >/dev/null ||
  { echo "http.sh: needs wrk: apt-get install wrk (Debian's package)" >&2; exit 1; }
command -v taskset >/dev/null ||
  { echo "http.sh: needs taskset: apt-get install util-linux" >&2; exit 1; }
venv=.venv-bench
if ! "$venv/bin/python" -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null; then
  echo "http.sh: making $venv for the yardstick (pip install -r bench/yardstick/requirements.txt)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/yardstick/requirements.txt
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy: a rebuild of build/sibyl during the run does not swap it.
cp "$sibyl" "$work/sibyl"
python3 - "$work" "$venv" <<'PY'
import atexit, json, os, platform, re, signal, socket, subprocess, sys, time, urllib.request

work, venv = sys.argv[1], os.path.abspath(sys.argv[2])
root = os.getcwd()
duration = int(os.environ.get("DURATION", "10"))
conns = [int(c) for c in os.environ.get("CONNS", "1 16 64 256").split()]
repeat = int(os.environ.get("REPEAT", "2"))
server_cpu = os.environ.get("SERVER_CPU", "0")
client_cpu = os.environ.get("CLIENT_CPU", "1")
threads = os.environ.get("SIBYL_THREADS")
endpoints = os.environ.get("ENDPOINTS", "get validate").split()
project_dir = os.path.join(root, "examples/retail")
pipeline = "customer_revenue"
password = "http-bench-password"
tick = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


started = []


@atexit.register
def stop_all():
    """No server outlives the script, whatever stops it."""
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait()


def start(args, port, env, cwd=None):
    """Start a server pinned to the server core; returns (process, ms to ready)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(["taskset", "-c", server_cpu] + args, env=env, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, f"{port}.log"), "w"))
    started.append(p)
    while not ready(port):
        if p.poll() is not None:
            sys.exit(f"http.sh: {args[0]} exited ({p.returncode}); see its log:\n" +
                     open(os.path.join(work, f"{port}.log")).read())
        if time.perf_counter() - t0 > 60:
            p.kill()
            sys.exit(f"http.sh: {args[0]} not ready after 60 s")
        time.sleep(0.001)
    return p, (time.perf_counter() - t0) * 1000


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
    return 0


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime + stime, all threads


def sched_s(pid):
    """Seconds on a CPU and runnable but waiting for one, summed over threads."""
    run = wait = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                a = f.read().split()
            run, wait = run + int(a[0]), wait + int(a[1])
        except OSError:
            pass
    return run / 1e9, wait / 1e9


def core_s(cpu):
    """Seconds core `cpu` was busy (anything but idle and iowait, steal
    included) and seconds elapsed, from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith(f"cpu{cpu} "):
                v = [int(x) for x in line.split()[1:]]
                total = sum(v[:8])
                return (total - v[3] - v[4]) / tick, total / tick
    return 0.0, 0.0


def reset_peak(pid):
    # Writing 5 resets VmHWM to the current RSS (Linux 4.0+).
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def api(port, method, path, body=None, token=None, cookie=None, csrf=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if cookie:
        req.add_header("Cookie", cookie)
    if csrf:
        req.add_header("X-CSRF-Token", csrf)
    with urllib.request.urlopen(req) as r:
        return r.headers, json.loads(r.read())


# ---- the two servers ---------------------------------------------------------

env = dict(os.environ, SIBYL_ADMIN_PASSWORD=password)
env.pop("SIBYL_MASTER_KEY", None)
sport = free_port()
sargs = [os.path.join(work, "sibyl"), "serve", "--data", os.path.join(work, "data"),
         "--listen", f"127.0.0.1:{sport}", "--no-access-log", "--insecure-cookies"]
if threads:
    sargs += ["--threads", threads]
sib, sib_start_ms = start(sargs, sport, env)
sib_rss_start = status(sib.pid, "VmRSS")
subprocess.run([sys.executable, os.path.join(root, "scripts/load-examples.py"),
                f"http://127.0.0.1:{sport}", "admin", password, project_dir],
               check=True, stdout=subprocess.DEVNULL)
hdrs, me = api(sport, "POST", "/api/v1/auth/login",
               {"tenant": "default", "login": "admin", "password": password})
cookie = "; ".join(c.split(";", 1)[0] for c in hdrs.get_all("Set-Cookie"))
_, tok = api(sport, "POST", "/api/v1/tokens",
             {"name": "http-bench", "scopes": "read", "expires_in_days": 1},
             cookie=cookie, csrf=me["csrf_token"])
sib_token = tok["token"]
_, projects = api(sport, "GET", "/api/v1/projects", token=sib_token)
sib_pid = next(p["id"] for p in projects["projects"] if p["name"] == "retail")
sib_setup_hwm = status(sib.pid, "VmHWM")

ydb = os.path.join(work, "yardstick.db")
out = subprocess.run([os.path.join(venv, "bin/python"), "bench/yardstick/app.py", "seed", ydb,
                      project_dir], check=True, capture_output=True, text=True).stdout.split()
y_token, y_pid = out[0], int(out[1])
yport = free_port()
yenv = dict(os.environ, YARDSTICK_DB=ydb)
yard, yard_start_ms = start([os.path.join(venv, "bin/uvicorn"), "app:app", "--host", "127.0.0.1",
                             "--port", str(yport), "--workers", "1", "--loop", "uvloop",
                             "--http", "httptools", "--no-access-log", "--log-level", "warning"],
                            yport, yenv, cwd=os.path.join(root, "bench/yardstick"))
yard_rss_start = status(yard.pid, "VmRSS")

servers = {
    "sibyl": {"proc": sib, "port": sport, "token": sib_token, "project": sib_pid},
    "yardstick": {"proc": yard, "port": yport, "token": y_token, "project": y_pid},
}

# Both answer the same: a check before anything is measured.
body_path = os.path.join(project_dir, "pipelines", pipeline + ".json")
with open(body_path, "rb") as f:
    body = f.read()
for name, s in servers.items():
    base = f"http://127.0.0.1:{s['port']}/api/v1/projects/{s['project']}/pipelines/{pipeline}"
    req = urllib.request.Request(base, headers={"Authorization": f"Bearer {s['token']}"})
    with urllib.request.urlopen(req) as r:
        assert r.read() == body, f"{name}: GET does not answer the stored pipeline"
    req = urllib.request.Request(base + "/validate", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {s['token']}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        v = json.loads(r.read())
    s["diags"] = (v["errors"], v["warnings"])

time.sleep(1)
for s in servers.values():
    s["idle_rss"] = status(s["proc"].pid, "VmRSS")
    s["peak_ok"] = reset_peak(s["proc"].pid)

# ---- load ------------------------------------------------------------------------

LUA_DONE = r'''
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("SB-RESULT %.0f %.0f %.0f %.0f %.0f %.0f\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.status + e.timeout))
end
'''


def lua(name, s, endpoint):
    path = os.path.join(work, f"{name}-{endpoint}.lua")
    with open(path, "w") as f:
        f.write(f'wrk.headers["Authorization"] = "Bearer {s["token"]}"\n')
        if endpoint == "validate":
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
            f.write(f'local f = io.open("{body_path}", "rb")\nwrk.body = f:read("*a")\nf:close()\n')
        f.write(LUA_DONE)
    url = f"http://127.0.0.1:{s['port']}/api/v1/projects/{s['project']}/pipelines/{pipeline}"
    return path, url + ("/validate" if endpoint == "validate" else "")


def settle():
    """Wait until neither server is still working off the previous load (an
    overloaded server answers queued requests after wrk has gone, on the
    core the next measurement uses)."""
    t0 = time.time()
    while time.time() - t0 < 60:
        before = [cpu_s(s["proc"].pid) for s in servers.values()]
        time.sleep(0.25)
        after = [cpu_s(s["proc"].pid) for s in servers.values()]
        if all(a - b <= 0.01 for a, b in zip(after, before)):
            return


def wrk(name, endpoint, c, secs):
    s = servers[name]
    settle()
    script, url = lua(name, s, endpoint)
    c0 = cpu_s(s["proc"].pid)
    w0 = sched_s(s["proc"].pid)[1]
    k0 = core_s(server_cpu)
    r = subprocess.run(["taskset", "-c", client_cpu, "wrk", "-t1", f"-c{c}", f"-d{secs}s",
                        "--timeout", "5s", "-s", script, url],
                       capture_output=True, text=True, check=True)
    cpu = cpu_s(s["proc"].pid) - c0
    waited = sched_s(s["proc"].pid)[1] - w0
    k1 = core_s(server_cpu)
    core_busy = (k1[0] - k0[0]) / max(k1[1] - k0[1], 1e-9)
    m = re.search(r"SB-RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", r.stdout)
    if not m:
        sys.exit(f"http.sh: no result from wrk:\n{r.stdout}\n{r.stderr}")
    n, dur, p50, p99, mx, errors = (int(x) for x in m.groups())
    if n == 0:
        print(f"# {name} {endpoint} c={c}: no request answered; wrk said:\n" +
              "\n".join("#   " + l for l in r.stdout.splitlines()), flush=True)
        return {"rps": 0.0, "p50": 0.0, "p99": 0.0, "max": 0.0, "errors": errors,
                "cpu_us": float("inf"), "busy": 0.0, "waited": 0.0, "core": core_busy}
    return {"rps": n / (dur / 1e6), "p50": p50 / 1000, "p99": p99 / 1000, "max": mx / 1000,
            "errors": errors, "cpu_us": cpu / n * 1e6 if n else 0.0,
            "busy": cpu / (dur / 1e6), "waited": waited / (dur / 1e6), "core": core_busy}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


model = "?"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores ({model}), "
      f"Linux {platform.release()}, load average {loadavg()} at the start")
print(f"# servers on CPU {server_cpu}, wrk -t1 on CPU {client_cpu}; {duration} s per "
      f"measurement, best of {repeat}; sibyl --threads {threads or 'default'}; "
      f"uvicorn 1 worker, uvloop + httptools")
print(f"# validate answers: sibyl {servers['sibyl']['diags'][0]} errors "
      f"{servers['sibyl']['diags'][1]} warnings, yardstick {servers['yardstick']['diags'][0]} "
      f"errors {servers['yardstick']['diags'][1]} warnings")
rows = []
for endpoint in endpoints:
    for name in servers:
        wrk(name, endpoint, 16, 1)  # warm-up, not counted
    for c in conns:
        runs = {name: [] for name in servers}
        for _ in range(repeat):
            for name in servers:
                runs[name].append(wrk(name, endpoint, c, duration))
        rows.append((endpoint, c, runs))
        best = {n: max(rs, key=lambda x: x["rps"]) for n, rs in runs.items()}
        print(f"#   {endpoint} c={c}: " + ", ".join(
            f"{n} {b['rps']:.0f}/s p99 {b['p99']:.2f} ms (on CPU {b['busy']:.2f} s/s, "
            f"runnable waiting {b['waited']:.2f} s/s, core {server_cpu} busy {b['core']:.0%})"
            for n, b in best.items()), flush=True)

for s in servers.values():
    s["peak_rss"] = status(s["proc"].pid, "VmHWM")
load_end = loadavg()
for s in servers.values():
    s["proc"].send_signal(signal.SIGTERM)
for s in servers.values():
    try:
        s["proc"].wait(timeout=30)
    except subprocess.TimeoutExpired:
        s["proc"].kill()


def rng(rs, key, fmt):
    lo, hi = min(r[key] for r in rs), max(r[key] for r in rs)
    return fmt.format(lo) if len(rs) == 1 else f"{fmt.format(lo)}-{fmt.format(hi)}"


print()
print("| endpoint | conns | sibyl req/s (range) | yardstick req/s (range) | ratio | "
      "sibyl p50 / p99 ms | yardstick p50 / p99 ms | sibyl CPU us/req | "
      "yardstick CPU us/req | CPU ratio | sibyl on CPU, s per s / core busy |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for endpoint, c, runs in rows:
    b = {n: max(rs, key=lambda x: x["rps"]) for n, rs in runs.items()}
    cpu = {n: min(r["cpu_us"] for r in rs) for n, rs in runs.items()}
    errs = {n: sum(r["errors"] for r in rs) for n, rs in runs.items()}
    note = "".join(f" ({n}: {e} errors)" for n, e in errs.items() if e)
    sb, yd = b["sibyl"], b["yardstick"]
    print(f"| {endpoint}{note} | {c} | {sb['rps']:.0f} ({rng(runs['sibyl'], 'rps', '{:.0f}')}) | "
          f"{yd['rps']:.0f} ({rng(runs['yardstick'], 'rps', '{:.0f}')}) | "
          f"{sb['rps'] / yd['rps']:.1f}x | {sb['p50']:.2f} / {sb['p99']:.2f} | "
          f"{yd['p50']:.2f} / {yd['p99']:.2f} | {cpu['sibyl']:.0f} | {cpu['yardstick']:.0f} | "
          f"{cpu['sibyl'] / cpu['yardstick']:.2f} | {sb['busy']:.2f} / {sb['core']:.0%} |")
print()
print("| | sibyl | yardstick | ratio |")
print("|---|---|---|---|")
sb, yd = servers["sibyl"], servers["yardstick"]
print(f"| RSS after start | {sib_rss_start / 1024:.1f} MB | {yard_rss_start / 1024:.1f} MB | "
      f"{sib_rss_start / yard_rss_start:.2f} |")
print(f"| idle RSS (after set-up, before load) | {sb['idle_rss'] / 1024:.1f} MB | "
      f"{yd['idle_rss'] / 1024:.1f} MB | {sb['idle_rss'] / yd['idle_rss']:.2f} |")
peak_note = "" if sb["peak_ok"] and yd["peak_ok"] else " (VmHWM could not be reset: includes set-up)"
print(f"| peak RSS under load{peak_note} | {sb['peak_rss'] / 1024:.1f} MB | "
      f"{yd['peak_rss'] / 1024:.1f} MB | {sb['peak_rss'] / yd['peak_rss']:.2f} |")
print(f"| exec to /readyz 200 (first start) | {sib_start_ms:.0f} ms | {yard_start_ms:.0f} ms | "
      f"{sib_start_ms / yard_start_ms:.2f} |")
print(f"\n# sibyl's peak during set-up (sign-in hashes the password with argon2id): "
      f"{sib_setup_hwm / 1024:.1f} MB; load average {load_end} at the end")
PY
# Start-up of sibyl serve over several starts, when bench/serve_startup.sh is there.
if [ -f bench/serve_startup.sh ] && [ "${STARTUP_RUNS:-5}" -gt 0 ]; then
  echo
  bash bench/serve_startup.sh "$work/sibyl" "${STARTUP_RUNS:-5}"
fi
