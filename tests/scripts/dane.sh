#!/usr/bin/env bash
# label: integration
# DANE end to end on loopback (issue 17 items 4-5): a zone signed at test time and a validating
# unbound (tests/scripts/lib/dns_harness.sh), a STARTTLS server on 127.0.0.21
# (lib/starttls_server.py, Python's TLS), and `mtlscert tlsa` / `probe --dane` against them:
# the record equals openssl's SPKI SHA-256; a matching 3 1 1 record passes even without PKIX
# trust; a 2 1 1 record of the private CA passes; a stale record fails (exit 1, dane-stale); a
# corrupted signature is refused (exit 1, dane-bogus); a rollover (current + next published,
# then the switch, then the old record removed) passes at every step.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no unbound/ldnsutils).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/dns_harness.sh"
dns_require
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
t=$build_dir/it-dane
rm -rf "$t" && mkdir -p "$t"
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
  dns_stop
}
trap cleanup EXIT
DNS_ADDR=127.0.0.53
dns_start "$t/dns"
cd "$t"
host=mx1.$DNS_ZONE
addr=127.0.0.21
port=$(dns_free_port $addr)

# A private CA and the server's certificate for $host.
"$bin" ca init --dir ca --name 'DANE test CA' --type ecdsa >/dev/null
issue() {  # issue KEY CHAIN: a certificate for $host on KEY, served as leaf + CA
  "$bin" csr --key "$1" --host "$host" -o "$1.csr" >/dev/null
  "$bin" ca sign --dir ca "$1.csr" -o "$1.crt" >/dev/null
  cat "$1.crt" ca/ca.crt >"$2.tmp" && mv "$2.tmp" "$2"
}
"$bin" genkey --type ecdsa -o cur.key >/dev/null
issue cur.key cur.chain
cp cur.chain served.chain && cp cur.key served.key
python3 "$src/tests/scripts/lib/starttls_server.py" $addr "$port" served.chain served.key >server.out 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q ready server.out 2>/dev/null && break; sleep 0.05; done
grep -q ready server.out || fail "the STARTTLS server did not start: $(cat server.out)"

# 1. tlsa prints openssl's SPKI SHA-256.
want=$(openssl x509 -in cur.key.crt -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64)
line=$("$bin" tlsa cur.key.crt --host "$host" --port "$port")
[[ $line == "_$port._tcp.$host. IN TLSA 3 1 1 $want" ]] || fail "tlsa printed '$line', want the hash $want"
ok "tlsa 3 1 1 equals openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum"

owner="_$port._tcp.$host."
publish() {  # publish RECORD...: the TLSA RRset is exactly these records ("3 1 1 HEX")
  dns_del "$owner" TLSA
  local r
  for r in "$@"; do dns_add "$owner" TLSA "$r"; done
  dns_sign
}
dns_add mx1 A $addr
record() { "$bin" tlsa "$@" --host "$host" --port "$port" | sed -n 's/.* IN TLSA //p'; }
probe() {  # probe: probe --dane of the served certificate; output in probe.out, exit code echoed
  local rc=0
  "$bin" probe "$addr:$port" --servername "$host" --dane --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" \
    --timeout 5 "$@" >probe.out 2>&1 || rc=$?
  echo $rc
}

# 2. A matching DANE-EE record: passes although no PKIX trust anchor is given.
publish "$(record cur.key.crt)"
rc=$(probe)
[[ $rc == 0 ]] || fail "matching 3 1 1: exit $rc: $(cat probe.out) $(dns_query "$owner" TLSA)"
grep -q "DANE: *matched 3 1 1" probe.out || fail "matching 3 1 1: no 'matched': $(cat probe.out)"
grep -q "dnssec\|secure" probe.out || fail "matching 3 1 1: the DNSSEC status is not shown: $(cat probe.out)"
"$bin" probe "$addr:$port" --servername "$host" --dane --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" \
  --json >probe.json || fail "matching 3 1 1 --json: exit $?"
python3 - probe.json <<'PY' || fail "matching 3 1 1 --json: $(cat probe.json)"
import json, sys
d = json.load(open(sys.argv[1]))["result"]["dane"]
assert d["status"] == "matched" and d["dnssec"] == "secure" and d["matched_depth"] == 0, d
PY
ok "a secure matching 3 1 1 record: matched (exit 0), PKIX verdict replaced by DANE"

# 3. DANE-TA: the private CA's 2 1 1 record, the CA served in the chain.
publish "$(record ca/ca.crt)"
rc=$(probe)
[[ $rc == 0 ]] && grep -q "DANE: *matched 2 1 1.* at depth 1" probe.out || fail "2 1 1 of the CA: exit $rc: $(cat probe.out)"
ok "a secure 2 1 1 record of the private CA: matched at depth 1"

# 4. A stale record (another key's): exit 1, dane-stale.
"$bin" genkey --type ecdsa -o other.key >/dev/null
publish "$(record other.key)"
rc=$(probe)
[[ $rc == 1 ]] || fail "stale record: exit $rc, want 1: $(cat probe.out)"
grep -q "dane-stale" probe.out && grep -q "DANE: *STALE" probe.out || fail "stale record: $(cat probe.out)"
ok "a stale record: exit 1, dane-stale"

# 5. A bogus signature over a matching record: refused (exit 1, dane-bogus).
publish "$(record cur.key.crt)"
dns_bogus "$owner" TLSA
rc=$(probe)
[[ $rc == 1 ]] || fail "bogus signature: exit $rc, want 1: $(cat probe.out)"
grep -q "dane-bogus" probe.out && grep -qi "signature" probe.out || fail "bogus signature: $(cat probe.out)"
ok "a matching record under a corrupted RRSIG: refused (exit 1, dane-bogus, unbound's reason)"

# 6. No TLSA record: DANE does not apply (a notice, exit 0 with --cacert for PKIX).
dns_del "$owner" TLSA && dns_sign
rc=$(probe --cacert ca/ca.crt)
[[ $rc == 0 ]] && grep -q "dane-no-tlsa" probe.out || fail "no TLSA: exit $rc: $(cat probe.out)"
ok "no TLSA record: dane-no-tlsa notice, exit 0"

# 7. Rollover: publish current + next (tlsa --next), switch the server, drop the old record.
"$bin" tlsa cur.key.crt --host "$host" --port "$port" --next next.key >tlsa.out
[[ $(stat -c %a next.key) == 600 ]] || fail "tlsa --next: next.key mode $(stat -c %a next.key)"
mapfile -t both < <(sed -n 's/.* IN TLSA //p' tlsa.out)
((${#both[@]} == 2)) || fail "tlsa --next printed ${#both[@]} records: $(cat tlsa.out)"
publish "${both[@]}"
rc=$(probe); [[ $rc == 0 ]] || fail "rollover, both published, old key served: exit $rc: $(cat probe.out)"
issue next.key next.chain
cp next.chain served.chain.new && cp next.key served.key.new && mv served.key.new served.key && mv served.chain.new served.chain
rc=$(probe); [[ $rc == 0 ]] || fail "rollover, both published, new key served: exit $rc: $(cat probe.out)"
publish "${both[1]}"
rc=$(probe); [[ $rc == 0 ]] || fail "rollover, only the next record, new key served: exit $rc: $(cat probe.out)"
[[ ${both[1]} == "3 1 1 $(openssl pkey -in next.key -pubout -outform DER | sha256sum | cut -c1-64)" ]] ||
  fail "the next record is not next.key's SPKI hash"
ok "rollover: current+next published, switch, old record removed: no failed probe"

# 8. install-cert --dane: a certificate whose key no published record names is refused (exit 2,
# nothing written), --force overrides it with a warning, and once its record is published it
# passes. install-cert checks _25._tcp.HOST, the name DANE senders look up for an MX.
"$bin" init "$host" --dir inst --ca private --ca-dir ca --type ecdsa >/dev/null
"$bin" genkey --type ecdsa -o new.key >/dev/null
issue new.key new.chain
mx_owner="_25._tcp.$host."
dns_del "$mx_owner" TLSA
dns_add "$mx_owner" TLSA "$(record inst/$host.crt)"
dns_sign
install() {  # install ARGS...: install-cert new.key.crt --dane (dry run); output in install.out, exit echoed
  local rc=0
  "$bin" install-cert --cert new.key.crt --key new.key --dir inst --cacert ca/ca.crt -n --dane \
    --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" "$@" >install.out 2>&1 || rc=$?
  echo $rc
}
before=$(sha256sum "inst/$host.crt")
rc=$(install)
[[ $rc == 2 ]] || fail "install-cert --dane, new key unpublished: exit $rc, want 2: $(cat install.out)"
grep -q "install-cert --dane: no TLSA record published at _25._tcp.$host matches new.key.crt" install.out ||
  fail "install-cert --dane refusal: $(cat install.out)"
grep -q "IN TLSA 3 1 1 $(openssl pkey -in new.key -pubout -outform DER | sha256sum | cut -c1-64)" install.out ||
  fail "install-cert --dane refusal does not give the record to publish: $(cat install.out)"
[[ $(sha256sum "inst/$host.crt") == "$before" ]] || fail "install-cert --dane refusal changed the certificate"
rc=$(install --force)
[[ $rc == 0 ]] && grep -q "DANE (--force): no TLSA record published" install.out ||
  fail "install-cert --dane --force: exit $rc: $(cat install.out)"
dns_add "$mx_owner" TLSA "$(record new.key)"
dns_sign
rc=$(install)
[[ $rc == 0 ]] && grep -q "DANE: new.key.crt matches the published TLSA record 3 1 1" install.out ||
  fail "install-cert --dane, record published: exit $rc: $(cat install.out)"
ok "install-cert --dane: refused while unpublished (exit 2), --force warns, passes once published"
echo "dane: all checks passed"
