#!/usr/bin/env bash
# label: net
# `mtlscert probe -f LIST --jobs N` against real STARTTLS servers on distinct 127.0.0.x
# addresses (tests/scripts/lib/fleet_server.py, certificates made with the openssl CLI):
# good, no STARTTLS, expired, wrong name, self-signed, refused, silent, trickling. Asserts: one result a
# target in the list's order, the outcome of each, the summary table, exit codes 0/1/2, JSON
# Lines each valid against the single probe's schema, the per-target deadline, and that a list
# split in two gives the same lines as the whole.
# Args: $1 = mtlscert binary, $2 = source dir.
set -euo pipefail
bin=$1
src=$2
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
command -v python3 >/dev/null && command -v openssl >/dev/null ||
  { echo "*** SKIPPED: python3 and openssl needed ***" >&2; exit 77; }
source "$src/tests/scripts/lib/tls_servers.sh"
dir=$(mktemp -d)
silent_pid=
trickle_pid=
cleanup() {
  ts_cleanup
  [[ -n $silent_pid ]] && kill "$silent_pid" 2>/dev/null
  [[ -n $trickle_pid ]] && kill "$trickle_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
ts_init "$dir"
ts_cert good mx.test.example
ts_cert expired mx.test.example 20200101000000Z 20210101000000Z
ts_cert wrongname other.test.example
ts_self_signed selfsigned mx.test.example

ts_start 127.0.0.2 good && good=$TS_ADDR
ts_start 127.0.0.3 good --no-starttls && nostarttls=$TS_ADDR
ts_start 127.0.0.4 expired && expired=$TS_ADDR
ts_start 127.0.0.5 wrongname && wrongname=$TS_ADDR
ts_start 127.0.0.6 selfsigned && selfsigned=$TS_ADDR
# Accepts connections (the kernel's backlog) and never says a word.
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.7",0)); s.listen(8); print(s.getsockname()[1], flush=True); time.sleep(3600)' \
  >"$dir/silent.port" 2>/dev/null &
silent_pid=$!
for _ in $(seq 100); do [[ -s $dir/silent.port ]] && break; sleep 0.05; done
silent=127.0.0.7:$(cat "$dir/silent.port")
# Answers every connection with a greeting that never ends, a byte every 0.2 s: no single
# wait times out, only the target's deadline ends it.
python3 -c 'import socket,threading,time
def drip(c):
    try:
        c.send(b"220-trickle.test.example")
        while True:
            time.sleep(0.2)
            c.send(b"x")
    except OSError:
        pass
s=socket.socket(); s.bind(("127.0.0.9",0)); s.listen(8); print(s.getsockname()[1], flush=True)
while True:
    threading.Thread(target=drip, args=(s.accept()[0],), daemon=True).start()' >"$dir/trickle.port" 2>/dev/null &
trickle_pid=$!
for _ in $(seq 100); do [[ -s $dir/trickle.port ]] && break; sleep 0.05; done
trickle=127.0.0.9:$(cat "$dir/trickle.port")

cat >"$dir/list" <<LIST
# the fleet
$good
$nostarttls   # plain SMTP only
$expired
$wrongname

$selfsigned
127.0.0.8:1
$silent
$trickle
not:a:target
$good
LIST
common=(--cacert "$dir/ca/ca.crt" --servername mx.test.example --ehlo fleet.test.example --timeout 3 --jobs 4)

set +e
start=$(date +%s%N)
"$bin" probe -f "$dir/list" "${common[@]}" >"$dir/out.txt" 2>"$dir/err.txt"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
set -e
[[ $rc -eq 1 ]] || { cat "$dir/out.txt" "$dir/err.txt" >&2; fail "probe -f exit $rc, want 1 (some targets failed)"; }
ok "probe -f: exit 1 when some targets fail"
# One verdict line per target, in list order (the silent and trickling ones take the longest
# but keep their places).
mapfile -t lines < <(grep -E '^(OK|PROBLEM|FAILED): ' "$dir/out.txt")
((${#lines[@]} == 10)) || { cat "$dir/out.txt" >&2; fail "${#lines[@]} verdict lines, want 10"; }
expect() {  # expect INDEX PREFIX SUBSTRING
  [[ ${lines[$1]} == "$2"* && ${lines[$1]} == *"$3"* ]] ||
    { cat "$dir/out.txt" >&2; fail "line $1: '${lines[$1]}', want '$2...$3...'"; }
}
expect 0 "OK: $good offers STARTTLS" "verifies for mx.test.example"
expect 1 "PROBLEM: " "$nostarttls does not offer STARTTLS"
expect 2 "PROBLEM: $expired" "certificate has expired"
expect 3 "PROBLEM: $wrongname" "mx.test.example"
expect 4 "PROBLEM: $selfsigned" "self-signed"
expect 5 "FAILED: " "127.0.0.8:1"
expect 6 "FAILED: " "the target's deadline of 3 s passed"
expect 7 "FAILED: " "the target's deadline of 3 s passed"
expect 8 "FAILED: $dir/list line 11: 'not:a:target'" "neither HOST:PORT nor an IPv6 address"
expect 9 "OK: $good" "verifies"
ok "one verdict a target, in the list's order, each the expected one"
# The summary table counts each outcome.
table() { grep -E "^  $1 +$2\$" "$dir/out.txt" >/dev/null || { cat "$dir/out.txt" >&2; fail "summary: no row '$1 $2'"; }; }
grep -q '^10 targets in .* s, 4 at once: 2 ok, 8 failed$' "$dir/out.txt" || { cat "$dir/out.txt" >&2; fail "summary line"; }
table ok 2
table no-starttls 1
table verify-failed 2
table name-mismatch 1
table refused 1
table timeout 2
table invalid-target 1
ok "summary: 10 targets, 2 ok, outcomes counted"
# The silent and the trickling targets wait out their deadlines (at the same time, 4 jobs)
# while the others go on: well under 2 x 3 s, let alone 10 x 3 s.
((elapsed_ms < 6000)) || fail "the run took $elapsed_ms ms: the deadline or the parallelism does not hold"
ok "per-target deadline: the run took $elapsed_ms ms"

# JSON Lines: one envelope a line, each valid against the single probe's schema, same order.
set +e
"$bin" probe -f - "${common[@]}" --json <"$dir/list" >"$dir/out.jsonl" 2>/dev/null
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "probe -f --json exit $rc, want 1"
(($(wc -l <"$dir/out.jsonl") == 10)) || fail "$(wc -l <"$dir/out.jsonl") JSON lines, want 10"
i=0
while IFS= read -r doc; do
  printf '%s\n' "$doc" >"$dir/doc.$i.json"
  i=$((i + 1))
done <"$dir/out.jsonl"
python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas" "$dir"/doc.*.json ||
  fail "a JSON line is not valid against the probe schema"
python3 - "$dir/out.jsonl" "$good" "$nostarttls" "$expired" "$wrongname" "$selfsigned" <<'PY' || fail "JSON Lines fields"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
good, nostarttls, expired, wrongname, selfsigned = sys.argv[2:7]
def target(d):
    t = d["result"]["target"] if d["result"] else None
    return f'{t["host"]}:{t["port"]}' if t else None
want = [(good, 0, "ok"), (nostarttls, 1, "findings"), (expired, 1, "findings"), (wrongname, 1, "findings"),
        (selfsigned, 1, "findings"), ("127.0.0.8:1", 2, "error"), (None, 2, "error"), (None, 2, "error"),
        (None, 2, "error"), (good, 0, "ok")]
for i, (d, (t, code, verdict)) in enumerate(zip(docs, want)):
    assert d["schema"].startswith("mtlscert.probe/"), d["schema"]
    if t is not None:
        assert target(d) == t, (i, target(d), t)
    assert d["exit_code"] == code and d["verdict"] == verdict, (i, d["exit_code"], d["verdict"])
assert docs[0]["result"]["verification"]["verified"] is True
assert docs[3]["result"]["name"]["matches"] is False
assert docs[5]["result"]["error"]["code"] == "refused"
assert docs[6]["result"]["error"]["code"] == "timeout"
assert docs[7]["result"]["error"]["code"] == "timeout" and docs[7]["result"]["error"]["stage"] == "greeting"
assert "not:a:target" in docs[8]["error"]["message"]
PY
ok "JSON Lines: 10 envelopes, valid, in order, exit codes and verdicts per target"

# Shards: the list split in two gives the same outcomes, in the same order, as the whole.
grep -v '^#' "$dir/list" | grep -v -e "$silent" -e "$trickle" | grep . >"$dir/flat"
head -n 4 "$dir/flat" >"$dir/shard1"
tail -n +5 "$dir/flat" >"$dir/shard2"
summarise() { python3 -c 'import json,sys
for l in sys.stdin: d=json.loads(l); print(d["exit_code"], d["verdict"], (d["result"] or {}).get("target", {}).get("port"))'; }
set +e
whole=$("$bin" probe -f "$dir/flat" "${common[@]}" --jobs 8 --json 2>/dev/null | summarise)
parts=$({ "$bin" probe -f "$dir/shard1" "${common[@]}" --json; "$bin" probe -f "$dir/shard2" "${common[@]}" --jobs 1 --json; } 2>/dev/null | summarise)
set -e
[[ -n $whole && $whole == "$parts" ]] || { diff <(echo "$whole") <(echo "$parts") >&2; fail "shards differ from the whole"; }
ok "the list split in two shards gives the same lines as the whole"

# All good: exit 0. A list that cannot be read, or an unreadable CA file: exit 2, nothing probed.
printf '%s\n%s\n' "$good" "$good" >"$dir/good.list"
"$bin" probe -f "$dir/good.list" "${common[@]}" -q >"$dir/q.txt" || fail "all good: exit $?, want 0"
! grep -q '^OK' "$dir/q.txt" || fail "--quiet printed the OK lines"
ok "every target OK: exit 0 (--quiet prints only the summary)"
set +e
"$bin" probe -f "$dir/missing.list" "${common[@]}" >/dev/null 2>"$dir/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "target list '$dir/missing.list': cannot open it" "$dir/err.txt" ||
  { cat "$dir/err.txt" >&2; fail "missing list: exit $rc"; }
set +e
"$bin" probe -f "$dir/good.list" --cacert "$dir/nope.pem" >/dev/null 2>"$dir/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] || { cat "$dir/err.txt" >&2; fail "missing CA file: exit $rc, want 2"; }
set +e
"$bin" probe "$good" -f "$dir/good.list" >/dev/null 2>"$dir/err.txt"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q 'both a target' "$dir/err.txt" || fail "target and -f together: exit $rc"
ok "exit 2: missing list, missing CA file, a target and -f together"

# Order under load: 1,500 refused targets at 16 jobs come back numbered in order.
for p in $(seq 1 1500); do echo "127.0.0.9:$((p % 3 + 1))"; done >"$dir/many.list"
set +e
"$bin" probe -f "$dir/many.list" --jobs 16 --timeout 5 --json 2>/dev/null >"$dir/many.jsonl"
set -e
python3 - "$dir/many.jsonl" <<'PY' || fail "1,500 targets: not one line each in order"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert len(docs) == 1500, len(docs)
for i, d in enumerate(docs):
    assert d["result"]["target"]["port"] == (i + 1) % 3 + 1, (i, d["result"]["target"]["port"])
PY
ok "1,500 targets at 16 jobs: one line each, in the list's order"
