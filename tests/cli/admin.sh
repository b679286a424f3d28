#!/usr/bin/env bash
# The administration commands on a real data directory: `sibyl user`,
# `sibyl token` and `sibyl key` (tests/server/fabrics_test.py runs them
# against a live server too).
set -euo pipefail
sibyl=${1:?usage: admin.sh path/to/sibyl}
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset SIBYL_MASTER_KEY SIBYL_DATA
data=$work/data
db=$data/sibyl.db
# Run a command expecting exit status $1; its stdout in $work/out, stderr in $work/err.
expect() {
  local want=$1; shift
  set +e
  "$sibyl" "$@" >"$work/out" 2>"$work/err" <"${STDIN:-/dev/null}"
  local rc=$?
  set -e
  [ "$rc" -eq "$want" ] || { cat "$work/out" "$work/err" >&2; fail "sibyl $* exited $rc, not $want"; }
}
# A value from the database, read with Python's sqlite3.
sql() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }

# Help, and nothing to administer yet.
for cmd in user token key; do
  "$sibyl" help "$cmd" | grep -q "^usage: sibyl $cmd" || fail "help $cmd"
  "$sibyl" "$cmd" --help | grep -q "^usage: sibyl $cmd" || fail "$cmd --help"
  "$sibyl" --help | grep -qE "^   $cmd " || fail "--help does not list $cmd"
done
expect 2 user
expect 2 user frobnicate --data "$data"
expect 3 user list --data "$data"
grep -q "no sibyl database in $data" "$work/err" || fail "missing data directory message"
[ ! -e "$data" ] || fail "a missing data directory is not created"

# A data directory as the first `sibyl serve` leaves it.
SIBYL_ADMIN_PASSWORD=first-admin-password "$sibyl" serve --data "$data" --listen 127.0.0.1:0 \
  --no-access-log 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
grep -q "listening on" "$work/serve.log" || { cat "$work/serve.log" >&2; fail "serve did not start"; }
kill -TERM "$server"; wait "$server" || fail "serve did not stop cleanly"; server=

# Users.
echo "alice-password-1" >"$work/pw1"
echo "alice-password-2" >"$work/pw2"
echo "short" >"$work/pw-short"
STDIN=$work/pw1 expect 0 user add alice --data "$data" --password-stdin \
  --display-name "Alice A" --email alice@example.com --team default --role team_admin
grep -q "^created user alice (id [0-9]*) in tenant default, team_admin of team default$" "$work/out" \
  || fail "user add output: $(cat "$work/out")"
! grep -q "alice-password-1" "$work/out" "$work/err" || fail "a password from stdin is echoed"
[ "$(sql "select count(*) from users where login='alice' and password_hash like '\$argon2id\$%'")" = 1 ] \
  || fail "alice's password is not stored as an argon2id hash"
STDIN=$work/pw1 expect 1 user add alice --data "$data" --password-stdin
grep -q "already has a user \`alice\`" "$work/err" || fail "duplicate user message"
expect 0 user add bob --data "$data"
pw=$(sed -n 's/^password for bob: //p' "$work/out")
[ ${#pw} -ge 20 ] || fail "no generated password for bob: $(cat "$work/out")"
grep -q "shown only now" "$work/err" || fail "generated password not flagged as shown once"
[ "$(sql "select count(*) from users where password_hash like '%$pw%'")" = 0 ] || fail "password in clear"
expect 0 user add carol --data "$data" --admin
grep -q "tenant administrator" "$work/out" || fail "--admin"
STDIN=$work/pw-short expect 2 user add dave --data "$data" --password-stdin
grep -q "password" "$work/err" || fail "short password message"
expect 2 user add dave --data "$data" --team nosuch
grep -q "no team \`nosuch\`" "$work/err" || fail "unknown team message"
expect 2 user add dave --data "$data" --team default --role owner
expect 2 user add dave --data "$data" --role member
expect 2 user add --data "$data"
expect 2 user list --data "$data" --tenant nosuch
grep -q "no tenant \`nosuch\`" "$work/err" || fail "unknown tenant message"
[ "$(sql "select count(*) from users where login='dave'")" = 0 ] || fail "a refused add left a user"

expect 0 user list --data "$data"
grep -qE "^[0-9]+ +admin +active .*tenant_admin$" "$work/out" || fail "list: admin: $(cat "$work/out")"
grep -qE "^[0-9]+ +alice +active .*default:team_admin$" "$work/out" || fail "list: alice"
grep -qE "^[0-9]+ +carol +active .*tenant_admin$" "$work/out" || fail "list: carol"
expect 0 user list --data "$data" --format json
python3 - "$work/out" <<'PY' || fail "user list --format json"
import json, sys
users = {u["login"]: u for u in json.load(open(sys.argv[1]))}
assert set(users) == {"admin", "alice", "bob", "carol"}, users
a = users["alice"]
assert a["display_name"] == "Alice A" and a["email"] == "alice@example.com", a
assert a["roles"] == [{"role": "team_admin", "team": "default"}], a
assert users["bob"]["roles"] == [] and users["bob"]["status"] == "active"
assert "password_hash" not in json.dumps(users)
PY

expect 0 user disable bob --data "$data"
grep -q "^disabled user bob" "$work/out" || fail "disable output"
[ "$(sql "select disabled from users where login='bob'")" = 1 ] || fail "bob is not disabled"
expect 0 user disable bob --data "$data"
grep -q "already disabled" "$work/out" || fail "disable twice"
expect 0 user list --data "$data"
grep -qE "^[0-9]+ +bob +disabled" "$work/out" || fail "list shows bob disabled"
expect 0 user enable bob --data "$data"
[ "$(sql "select disabled from users where login='bob'")" = 0 ] || fail "bob is not enabled again"
expect 2 user disable nobody --data "$data"
grep -q "no user \`nobody\`" "$work/err" || fail "unknown user message"

# A lock from failed sign-ins ends with a new password.
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("update users set failed_logins=3, locked_until=9999999999999 where login=?", ("alice",)); c.commit()' "$db"
old=$(sql "select password_hash from users where login='alice'")
STDIN=$work/pw2 expect 0 user reset-password alice --data "$data" --password-stdin
grep -q "failed sign-ins cleared" "$work/out" || fail "reset-password output: $(cat "$work/out")"
[ "$(sql "select password_hash from users where login='alice'")" != "$old" ] || fail "password unchanged"
[ "$(sql "select locked_until from users where login='alice'")" = 0 ] || fail "lock not cleared"
expect 0 user list --data "$data"
grep -qE "^[0-9]+ +alice +active" "$work/out" || fail "alice is still locked"
expect 0 user reset-password bob --data "$data"
grep -q "^password for bob: " "$work/out" || fail "reset-password generates and shows a password"
[ "$(sql "select count(*) from audit where kind='user' and action='set_password' and actor_id=0")" = 2 ] \
  || fail "password changes are audited as sibyl itself"

# Tokens.
expect 0 token create --data "$data" --user alice --name ci --scopes "read" --expires-in-days 30
tok=$(cat "$work/out")
[[ "$tok" =~ ^sbt_[0-9]+_[A-Za-z0-9_-]{40,}$ ]] || fail "token create prints the token alone: $tok"
grep -q "shown only now" "$work/err" || fail "the token is flagged as shown once"
secret=${tok#sbt_*_}
python3 - "$db" "$secret" <<'PY' || fail "the token is stored in clear"
import sys
blob = b"".join(open(sys.argv[1] + s, "rb").read() for s in ["", "-wal"] if __import__("os").path.exists(sys.argv[1] + s))
assert sys.argv[2].encode() not in blob
PY
expect 0 token create --data "$data" --user bob --name deploy
expect 2 token create --data "$data" --user nobody --name x
expect 2 token create --data "$data" --user alice
expect 2 token create --data "$data" --user alice --name x --scopes "everything"
expect 2 token create --data "$data" --user alice --name x --expires-in-days 0
expect 0 token list --data "$data"
grep -qE "^[0-9]+ +alice +ci +read +live " "$work/out" || fail "token list: $(cat "$work/out")"
grep -qE "^[0-9]+ +bob +deploy +read write +live " "$work/out" || fail "token list: bob"
! grep -q "$secret" "$work/out" || fail "token list shows the secret"
expect 0 token list --data "$data" --user bob --format json
id=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); assert [x["name"] for x in t]==["deploy"], t; print(t[0]["id"])' "$work/out")
expect 0 token revoke "$id" --data "$data"
grep -q "^revoked token $id \`deploy\`" "$work/out" || fail "revoke output"
expect 0 token revoke "$id" --data "$data"
grep -q "already revoked" "$work/out" || fail "revoke twice"
expect 0 token list --data "$data" --user bob
grep -qE " revoked " "$work/out" || fail "the revoked token is listed as revoked"
expect 2 token revoke 999999 --data "$data"
expect 2 token revoke abc --data "$data"

# Keys.
expect 0 key status --data "$data"
cur=$(sed -n 's/^  \([0-9a-f]\{16\}\)  current .*/\1/p' "$work/out")
[ -n "$cur" ] || fail "key status: $(cat "$work/out")"
expect 0 key rotate --data "$data"
grep -q "^new current key [0-9a-f]\{16\} in $data/master.key (the previous key $cur still opens" "$work/out" \
  || fail "key rotate: $(cat "$work/out")"
[ "$(stat -c %a "$data/master.key")" = 600 ] || fail "master.key mode after rotation"
expect 0 key status --data "$data" --format json
python3 - "$work/out" "$cur" <<'PY' || fail "key status after rotation"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["current"] != sys.argv[2] and [k["id"] for k in s["keys"]][1:] == [sys.argv[2]], s
assert s["unreadable"] == 0 and s["source"] == "file"
PY
expect 0 key prune --data "$data"
grep -q "^retired key $cur$" "$work/out" || fail "key prune: $(cat "$work/out")"
[ "$(grep -c '^[0-9a-f]\{64\}$' "$data/master.key")" = 1 ] || fail "one key left after prune"
SIBYL_MASTER_KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
  expect 3 key rotate --data "$data"
grep -q "SIBYL_MASTER_KEY" "$work/err" || fail "rotation with keys in the environment is refused"
rm "$data/master.key"
expect 3 key status --data "$data"
grep -q "no master key" "$work/err" || fail "a missing key file is an error"
[ ! -e "$data/master.key" ] || fail "key status created a key file"
echo "admin commands: all checks passed"
