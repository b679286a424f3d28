"""livy_client_check.py — hold the Livy stand-in to a real client: the
`livy` package from the Python registry (pylivy) drives it the way users
drive Livy: interactive session, statements, an error, a DataFrame download,
session listing, a batch with its log, and deletes.

  python livy_client_check.py URL USER:PASSWORD STAGING_DIR
Prints "N passed, N failed".
"""
import os
import sys
import time

import requests
from livy import LivyBatch, LivySession, SessionKind
from livy.client import LivyClient
from livy.models import SessionState, SparkRuntimeError

url, userpass, staging = sys.argv[1], sys.argv[2], sys.argv[3]
auth = tuple(userpass.split(":", 1))
# CSRF protection is on: the header goes on every request, as with real Livy.
http = requests.Session()
http.headers["X-Requested-By"] = "livy-client-check"
passed = failed = 0


def check(name, cond):
    global passed, failed
    if cond:
        passed += 1
        print("ok  ", name)
    else:
        failed += 1
        print("FAIL", name)


client = LivyClient(url, auth=auth, requests_session=http)
check("server version", str(client.server_version()).startswith("Version(0.8"))
check("legacy server detection", client.legacy_server() is False)

with LivySession.create(url, auth=auth, requests_session=http, kind=SessionKind.PYSPARK,
                        echo=False, spark_conf={"spark.sql.shuffle.partitions": "3"}) as s:
    check("session reaches idle", s.state == SessionState.IDLE)
    out = s.run("x = 40 + 2\nprint('hello')\nx")
    check("stdout and the last value in text/plain", out.text == "hello\n42")
    out = s.run("spark.conf.get('spark.sql.shuffle.partitions')")
    check("session conf applied", out.text == "'3'")
    s.run("df = spark.range(4).selectExpr('id', 'id * 2 as twice')")
    pdf = s.download("df")
    check("download a DataFrame", list(pdf["twice"]) == [0, 2, 4, 6])
    try:
        s.run("1 / 0")
        check("errors raise SparkRuntimeError", False)
    except SparkRuntimeError as e:
        check("errors raise SparkRuntimeError", e.ename == "ZeroDivisionError" and
              "division by zero" in e.evalue)
    out = s.run("y = {'a': [1, 2]}\n%json y")
    check("%json magic", out.json == {"a": [1, 2]})
    check("namespace kept between statements", s.run("x + 1").text == "43")
    stmts = client.list_statements(s.session_id)
    check("statements listed", len(stmts) >= 6 and stmts[0].code.startswith("x = 40"))
    listed = [x.session_id for x in client.list_sessions()]
    check("session listed", s.session_id in listed)
    sid = s.session_id
check("session deleted on exit", client.get_session(sid) is None)

# A batch: the launcher reads the package from a zip passed as pyFiles.
os.makedirs(staging, exist_ok=True)
main = os.path.join(staging, "check_batch.py")
with open(main, "w") as fh:
    fh.write("import sys\nfrom pyspark.sql import SparkSession\n"
             "spark = SparkSession.builder.getOrCreate()\n"
             "print('rows', spark.range(int(sys.argv[1])).count())\nspark.stop()\n")
b = LivyBatch.create(url, main, auth=auth, requests_session=http, args=["7"], name="check")
b.wait()
check("batch succeeds", b.state == SessionState.SUCCESS)
log = client.get_batch_log(b.batch_id, from_=0, size=10000)
check("batch log has the output", any(l.strip() == "rows 7" for l in log.lines))
bad = os.path.join("/", "not-whitelisted", "x.py")
try:
    client.create_batch(bad)
    check("non-whitelisted local file refused", False)
except requests.HTTPError as e:
    check("non-whitelisted local file refused", e.response.status_code == 400)
client.delete_batch(b.batch_id)
check("batch deleted", client.get_batch(b.batch_id) is None)

# Without the CSRF header, Livy says so.
r = requests.post(url + "/sessions", json={"kind": "pyspark"}, auth=auth)
check("CSRF header required", r.status_code == 400 and "CSRF" in r.json()["msg"])
r = requests.get(url + "/sessions", auth=("nobody", "wrong"))
check("wrong credentials 401", r.status_code == 401)
client.close()
print("livy client: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
