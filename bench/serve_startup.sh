#!/usr/bin/env bash
# Start-up time of `sibyl serve` on the embedded defaults (SQLite and the
# key file in a data directory): the time from exec to the first 200 from
# /readyz, polled every half millisecond. Two cases, each run RUNS times:
#   first  a new data directory (creates it, the key, the database and its
#          schema, and the tenant with its administrator)
#   again  the same directory on later starts
# Prints the median, best and worst of each, in milliseconds.
#   bench/serve_startup.sh [SIBYL] [RUNS]   (default build/sibyl, 20 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
sibyl=${1:-build/sibyl}
runs=${2:-20}
[ -x "$sibyl" ] || { echo "serve_startup: build $sibyl first (cmake --build build)" >&2; exit 1; }
exec python3 - "$sibyl" "$runs" <<'PY'
import os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

sibyl, runs = os.path.abspath(sys.argv[1]), int(sys.argv[2])
env = dict(os.environ, SIBYL_ADMIN_PASSWORD="startup-bench-password")
env.pop("SIBYL_MASTER_KEY", None)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def ready(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
    except OSError:
        return False
    try:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
    finally:
        s.close()

def once(data):
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([sibyl, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                          "--no-access-log"], env=env, stderr=subprocess.DEVNULL)
    while not ready(port):
        if p.poll() is not None:
            sys.exit(f"serve_startup: the server exited ({p.returncode})")
        if time.perf_counter() - t0 > 30:
            p.kill()
            sys.exit("serve_startup: not ready after 30 s")
        time.sleep(0.0005)
    ms = (time.perf_counter() - t0) * 1000
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)
    return ms

tmp = tempfile.mkdtemp(prefix="sibyl-startup-")
try:
    first, again = [], []
    for i in range(runs):
        data = os.path.join(tmp, f"d{i}")
        first.append(once(data))
        again.append(once(data))
    for name, xs in (("first start (new data directory)", first),
                     ("later start (existing data)", again)):
        print(f"{name}: median {statistics.median(xs):.1f} ms, best {min(xs):.1f} ms, "
              f"worst {max(xs):.1f} ms ({runs} runs, exec to /readyz 200)")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
PY
