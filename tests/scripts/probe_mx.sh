#!/usr/bin/env bash
# label: integration
# probe --mx on loopback (issue 18 item 2): a signed zone with MX hosts on distinct 127.0.0.x
# addresses (tests/scripts/lib/dns_harness.sh), a STARTTLS server per address
# (lib/starttls_server.py): every MX in preference order, every address probed, the domain's
# verdict; a host without STARTTLS, a host without an address and a bogus address record are
# findings naming the host and address; --json is one document whose per-address reports
# carry the single probe's schema; --dane judges each host's TLSA; probe -f takes --mx lines.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no unbound/ldnsutils).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/dns_harness.sh"
dns_require
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
t=$build_dir/it-probe-mx
rm -rf "$t" && mkdir -p "$t"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  dns_stop
}
trap cleanup EXIT
DNS_ADDR=127.0.0.54
dns_start "$t/dns"
cd "$t"
z=$DNS_ZONE

# One port free on every address the test uses (MX hosts listen on distinct addresses).
port=$(dns_common_port 127.0.0.31 127.0.0.32 127.0.0.33)
[[ -n $port ]] || fail "no port free on 127.0.0.31-33"

"$bin" ca init --dir ca --name 'MX test CA' --type ecdsa >/dev/null
serve() {  # serve NAME ADDR [--plain]: a STARTTLS server for NAME.$z on ADDR:$port
  local name=$1 addr=$2
  if [[ ${3:-} == --plain ]]; then
    python3 "$src/tests/scripts/lib/starttls_server.py" "$addr" "$port" --plain >"$name.out" 2>&1 &
  else
    "$bin" genkey --type ecdsa -o "$name.key" >/dev/null
    "$bin" csr --key "$name.key" --host "$name.$z" -o "$name.csr" >/dev/null
    "$bin" ca sign --dir ca "$name.csr" -o "$name.crt" >/dev/null
    python3 "$src/tests/scripts/lib/starttls_server.py" "$addr" "$port" "$name.crt" "$name.key" >"$name.out" 2>&1 &
  fi
  pids+=($!)
  for _ in $(seq 100); do grep -q ready "$name.out" 2>/dev/null && break; sleep 0.05; done
  grep -q ready "$name.out" || fail "server $name did not start: $(cat "$name.out")"
}
serve mx1 127.0.0.31
serve mx2 127.0.0.32
dns_add @ MX "20 mx2"
dns_add @ MX "10 mx1"
dns_add mx1 A 127.0.0.31
dns_add mx2 A 127.0.0.32
dns_sign
mx() {  # mx ARGS...: probe --mx $z; output in mx.out, exit code echoed
  local rc=0
  "$bin" probe --mx "$z" --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
    --cacert ca/ca.crt "$@" >mx.out 2>&1 || rc=$?
  echo $rc
}

# 1. Two good MX hosts: preference order, one report each, domain OK.
rc=$(mx)
[[ $rc == 0 ]] || fail "two good MX: exit $rc: $(cat mx.out)"
grep -q "^MX $z (secure): 10 mx1.$z, 20 mx2.$z$" mx.out || fail "MX line: $(cat mx.out)"
[[ $(grep -c '^\[' mx.out) == 2 ]] || fail "want 2 address reports: $(cat mx.out)"
[[ $(grep '^\[' mx.out | sed -n 1p) == *"[10] mx1.$z 127.0.0.31: OK"* ]] || fail "order or verdict: $(cat mx.out)"
grep -q "^Domain $z: OK: all 2 addresses of 2 MX hosts passed" mx.out || fail "domain verdict: $(cat mx.out)"
ok "two good MX hosts: preference order, a report per address, domain OK"

# 2. JSON: one document, per-address reports with the single probe's schema, the verdict.
"$bin" probe --mx "$z" --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" \
  --cacert ca/ca.crt --json >mx.json || fail "--json: exit $?"
python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas" mx.json || fail "--json does not validate: $(cat mx.json)"
python3 - mx.json <<'PY' || fail "--json content: $(cat mx.json)"
import json, sys
r = json.load(open(sys.argv[1]))["result"]
assert [m["host"] for m in r["mx"]] == ["mx1.mtlscert.example", "mx2.mtlscert.example"], r["mx"]
assert len(r["reports"]) == 2 and all(x["probe"]["schema"] == "mtlscert.probe/1" for x in r["reports"])
assert r["reports"][1]["address"] == "127.0.0.32" and r["reports"][1]["probe"]["verification"], r["reports"][1]
assert r["domain_verdict"]["ok"] is True and r["domain_verdict"]["addresses"] == 2
# No AAAA: a NODATA the zone's NSEC proves (secure), not a failure.
assert r["mx"][0]["aaaa"] == {"dns": "nodata", "dnssec": "secure"}, r["mx"][0]
assert r["mx"][0]["a"] == {"dns": "answer", "dnssec": "secure"}, r["mx"][0]
PY
ok "--json: one document, 2 per-address probe reports (mtlscert.probe/1), domain verdict ok"

# 3. A third MX without STARTTLS, a fourth without an address: findings naming each, exit 1.
serve mx3 127.0.0.33 --plain
dns_add @ MX "30 mx3"
dns_add @ MX "40 mx4"
dns_add mx3 A 127.0.0.33
dns_add mx4 TXT '"no address here"'
dns_sign
rc=$(mx)
[[ $rc == 1 ]] || fail "bad MX hosts: exit $rc, want 1: $(cat mx.out)"
grep -q "mx3.$z (127.0.0.33): .*STARTTLS" mx.out || fail "mx3 without STARTTLS not named: $(cat mx.out)"
grep -q "mx-no-address" mx.out && grep -q "mx4.$z has no A or AAAA record" mx.out || fail "mx4: $(cat mx.out)"
grep -q "^Domain $z: PROBLEM: 2 of 3 addresses failed: mx3.$z (127.0.0.33): no-starttls; mx4.$z (no address)" mx.out ||
  fail "domain verdict: $(cat mx.out)"
ok "an MX without STARTTLS and one without an address: findings naming them, exit 1"

# 4. A bogus address record: refused as such.
dns_del @ MX && dns_del mx3 && dns_del mx4
dns_add @ MX "10 mx1"
dns_add @ MX "20 mx2"
dns_sign
dns_bogus mx2 A
rc=$(mx)
[[ $rc == 1 ]] && grep -q "address-bogus" mx.out || fail "bogus A of mx2: exit $rc: $(cat mx.out)"
ok "a bogus A record: address-bogus, exit 1"

# 5. --dane per host: mx1 has a matching record, mx2 a stale one.
dns_add "_$port._tcp.mx1" TLSA "$("$bin" tlsa mx1.crt --host "mx1.$z" | sed -n 's/.* IN TLSA //p')"
dns_add "_$port._tcp.mx2" TLSA "$("$bin" tlsa mx1.crt --host "mx2.$z" | sed -n 's/.* IN TLSA //p')"
dns_sign
rc=$(mx --dane)
[[ $rc == 1 ]] || fail "--dane, mx2 stale: exit $rc: $(cat mx.out)"
grep -A1 "^\[10\] mx1" mx.out | grep "DANE: matched 3 1 1" >/dev/null || fail "--dane mx1: $(cat mx.out)"
grep -A1 "^\[20\] mx2" mx.out | grep "DANE: STALE" >/dev/null || fail "--dane mx2: $(cat mx.out)"
grep -q "mx2.$z (127.0.0.32): dane-stale" mx.out || fail "--dane verdict: $(cat mx.out)"
ok "--dane: each MX host's TLSA judged (mx1 matched, mx2 stale: exit 1)"

# 6. probe -f with "--mx DOMAIN" lines beside a host line (issue 18 item 3): each line one result
# in list order, the domain's the same as probe --mx gives, --dane applied to both kinds.
cat >list <<LIST
# a domain, a host, a domain that does not exist
--mx $z
127.0.0.31:$port
--mx nx.$z
LIST
fleet() {  # fleet ARGS...: probe -f list; output in fleet.out, exit code echoed
  local rc=0
  "$bin" probe -f list --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
    --cacert ca/ca.crt --servername "mx1.$z" --dane --jobs 3 "$@" >fleet.out 2>&1 || rc=$?
  echo $rc
}
rc=$(fleet)
[[ $rc == 1 ]] || fail "-f with --mx lines: exit $rc, want 1: $(cat fleet.out)"
sed -n '/^MX /,/^Domain /p' fleet.out >fleet.domain
grep -q "^\[20\] mx2.$z 127.0.0.32: " fleet.domain && grep -q "DANE: STALE" fleet.domain &&
  grep -q "^Domain $z: PROBLEM: 1 of 2 addresses failed: mx2.$z (127.0.0.32): dane-stale" fleet.domain ||
  fail "the --mx line's report: $(cat fleet.out)"
grep -A1 "^OK: .*127.0.0.31:$port" fleet.out | grep "DANE: matched 3 1 1" >/dev/null || fail "the host line: $(cat fleet.out)"
grep -q "list line 4: --mx nx.$z: the domain does not exist" fleet.out || fail "the NXDOMAIN line: $(cat fleet.out)"
for row in "dane-stale  *1" "mx-lookup-failed  *1" "ok  *1"; do
  grep -qE "^  $row\$" fleet.out || fail "summary row '$row': $(cat fleet.out)"
done
rc=$(fleet --json)
[[ $rc == 1 ]] || fail "-f --json: exit $rc: $(cat fleet.out)"
python3 - fleet.out "$z" <<'PY' || fail "-f --json lines: $(cat fleet.out)"
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
z = sys.argv[2]
assert len(docs) == 3, len(docs)
d, h, nx = docs
assert d["result"]["domain"] == z and d["result"]["domain_verdict"]["ok"] is False and d["exit_code"] == 1, d
assert [r["dane"]["status"] for r in d["result"]["reports"]] == ["matched", "stale"], d["result"]["reports"]
assert h["result"]["dane"]["status"] == "matched" and h["exit_code"] == 0, h
assert nx["exit_code"] == 2 and "does not exist" in nx["error"]["message"], nx
for i, doc in enumerate(docs):
    open(f"fleet.{i}.json", "w").write(json.dumps(doc))
PY
python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas" fleet.*.json || fail "-f --json lines do not validate"
# probe --mx alone gives the domain's document the same findings as its line in the list.
"$bin" probe --mx "$z" --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
  --cacert ca/ca.crt --dane --json >single.json || true
python3 - single.json fleet.0.json <<'PY' || fail "--mx line differs from probe --mx"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["findings"] == b["findings"] and a["result"]["domain_verdict"] == b["result"]["domain_verdict"], (a, b)
PY
ok "-f with --mx lines: domain, host and NXDOMAIN lines in order, summary rows, JSON Lines valid (exit 1)"

# 6b. --dane needs a host name: an address target without --servername is refused, alone (exit 2)
# and as a line of -f (that line fails, naming why).
rc=0
"$bin" probe "127.0.0.31:$port" --dane --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --cacert ca/ca.crt \
  >addr.out 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "'127.0.0.31' is an address; TLSA records are found by host name" addr.out ||
  fail "--dane on an address: exit $rc: $(cat addr.out)"
printf '127.0.0.31:%s\n' "$port" >addr.list
rc=0
"$bin" probe -f addr.list --dane --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --cacert ca/ca.crt \
  >addr.out 2>&1 || rc=$?
[[ $rc == 1 ]] && grep -q "addr.list line 1: --dane: '127.0.0.31' is an address" addr.out ||
  fail "-f --dane on an address: exit $rc: $(cat addr.out)"
ok "--dane on an address target: refused alone (exit 2) and as a list line (exit 1)"

# 7. An unknown domain: exit 2 naming it.
rc=0
"$bin" probe --mx "nx.$z" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" >nx.out 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "nx.$z: the domain does not exist" nx.out || fail "NXDOMAIN: exit $rc: $(cat nx.out)"
ok "an unknown domain: exit 2, NXDOMAIN named"
echo "probe_mx: all checks passed"
