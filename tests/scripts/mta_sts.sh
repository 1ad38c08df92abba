#!/usr/bin/env bash
# label: integration
# probe --mx --mta-sts on loopback (issue 18 items 4 and 5): the signed test zone
# (lib/dns_harness.sh) publishes _mta-sts and _smtp._tls TXT records and mta-sts.ZONE's address;
# a python3 HTTPS server (lib/https_policy_server.py, certificates from `mtlscert ca`) serves
# the policy honestly or hostilely (too large, slow, silent, wrong Content-Type, redirect, 404,
# a certificate for another name or from an unknown CA, an invalid policy); STARTTLS servers
# (lib/starttls_server.py) are the MX hosts. Each case asserts the exit code, the finding's code
# and message, and --json fields (python3 json, the schema).
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no unbound/ldnsutils).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/dns_harness.sh"
dns_require
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
t=$build_dir/it-mta-sts
rm -rf "$t" && mkdir -p "$t"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  dns_stop
}
trap cleanup EXIT
DNS_ADDR=127.0.0.70
dns_start "$t/dns"
cd "$t"
z=$DNS_ZONE
WEB=127.0.0.71

# One SMTP port free on every MX address (hosts listen on distinct addresses), one HTTPS port.
port=$(dns_common_port 127.0.0.72 127.0.0.73 127.0.0.74)
[[ -n $port ]] || fail "no port free on 127.0.0.72-74"
web_port=$(dns_free_port $WEB)

"$bin" ca init --dir ca --name 'MTA-STS test CA' --type ecdsa >/dev/null
"$bin" ca init --dir ca2 --name 'Unknown CA' --type ecdsa >/dev/null
cert() {  # cert NAME HOST [CA]: NAME.key, NAME.crt for HOST signed by CA (default ca)
  "$bin" genkey --type ecdsa -o "$1.key" >/dev/null
  "$bin" csr --key "$1.key" --host "$2" -o "$1.csr" >/dev/null
  "$bin" ca sign --dir "${3:-ca}" "$1.csr" -o "$1.crt" >/dev/null
}
wait_ready() {
  for _ in $(seq 100); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.05; done
  fail "server did not start: $(cat "$1")"
}
smtp() {  # smtp NAME ADDR CERTNAME: a STARTTLS server on ADDR:$port serving CERTNAME.crt
  python3 "$src/tests/scripts/lib/starttls_server.py" "$2" "$port" "$3.crt" "$3.key" >"$1.out" 2>&1 &
  pids+=($!)
  wait_ready "$1.out"
}
cert mx1 "mx1.$z"
cert mx2 "mx2.$z"
cert other "other.$z"
smtp mx1 127.0.0.72 mx1
smtp mx2 127.0.0.73 mx2
smtp mx3 127.0.0.74 other

# The policy server: its certificate files are web.crt/web.key, swapped by copying.
cert good-web "mta-sts.$z"
cert wrong-web "www.$z"
cert stranger-web "mta-sts.$z" ca2
cp good-web.crt web.crt && cp good-web.key web.key
mkdir ctl
python3 "$src/tests/scripts/lib/https_policy_server.py" $WEB "$web_port" web.crt web.key ctl >web.out 2>&1 &
pids+=($!)
wait_ready web.out
policy() {  # policy MODE MX...: the policy file served
  local mode=$1 m
  shift
  { printf 'version: STSv1\r\nmode: %s\r\n' "$mode"; for m; do printf 'mx: %s\r\n' "$m"; done
    printf 'max_age: 604800\r\n'; } >ctl/policy
}
serve_mode() { printf '%s\n' "$1" >ctl/mode; }

dns_add @ MX "10 mx1"
dns_add @ MX "20 mx2"
dns_add mx1 A 127.0.0.72
dns_add mx2 A 127.0.0.73
dns_add mx3 A 127.0.0.74
dns_add mta-sts A $WEB
dns_add _mta-sts TXT '"v=STSv1; id=20261203T080000;"'
dns_add _smtp._tls TXT "\"v=TLSRPTv1; rua=mailto:tlsrpt@$z,https://report.$z/tlsrpt\""
dns_sign
policy enforce "mx1.$z" "*.$z"
serve_mode good

sts() {  # sts ARGS...: probe --mx $z --mta-sts; output in sts.out, exit code echoed
  local rc=0
  "$bin" probe --mx "$z" --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
    --cacert ca/ca.crt --mta-sts --mta-sts-port "$web_port" "$@" >sts.out 2>&1 || rc=$?
  echo $rc
}
want() {  # want RC PATTERN WHAT: the last run exited RC and its output holds PATTERN (grep -E)
  [[ $rc == "$1" ]] || fail "$3: exit $rc, want $1: $(cat sts.out)"
  grep -Eq -- "$2" sts.out || fail "$3: no /$2/ in: $(cat sts.out)"
}

# 1. A good enforce policy, both MX hosts valid: exit 0, each host judged, TLS-RPT listed.
rc=$(sts)
want 0 "^MTA-STS: TXT _mta-sts.$z: id 20261203T080000 \(secure\)$" "good policy"
want 0 "policy https://mta-sts.$z:$web_port/.well-known/mta-sts.txt \(from $WEB\): mode enforce, max_age 604800" \
  "good policy"
want 0 "mx patterns: mx1.$z, \*.$z$" "good policy"
want 0 "\[10\] mx1.$z: OK \(matches mx1.$z, certificate valid\)" "good policy"
want 0 "\[20\] mx2.$z: OK \(matches \*.$z, certificate valid\)" "good policy"
want 0 "^TLS-RPT: _smtp._tls.$z: rua mailto:tlsrpt@$z, https://report.$z/tlsrpt$" "good policy"
want 0 "^Domain $z: OK: all 2 addresses of 2 MX hosts passed; MTA-STS enforce: 2 of 2 MX hosts comply$" "good policy"
# The request a sender makes: SNI and Host are the policy host, the path the well-known one.
[[ $(tail -n1 ctl/requests.log) == "mta-sts.$z"$'\t'"GET /.well-known/mta-sts.txt HTTP/1.1"$'\t'"mta-sts.$z:$web_port" ]] ||
  fail "request seen by the server: $(cat -A ctl/requests.log)"
ok "enforce, both MX hosts comply: exit 0, SNI and Host mta-sts.$z, TLS-RPT rua listed"

# 2. --json: one document with mta_sts and tls_rpt, valid against the schema.
"$bin" probe --mx "$z" --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --cacert ca/ca.crt \
  --mta-sts --mta-sts-port "$web_port" --json >sts.json || fail "--json: exit $?: $(cat sts.json)"
python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas" sts.json || fail "--json does not validate"
python3 - sts.json "$z" <<'PY' || fail "--json content: $(cat sts.json)"
import json, sys
z = sys.argv[2]
r = json.load(open(sys.argv[1]))["result"]
s = r["mta_sts"]
assert s["status"] == "policy" and s["ok"] is True, s
assert s["txt"]["id"] == "20261203T080000" and s["txt"]["dnssec"] == "secure", s["txt"]
assert s["policy"] == {"mode": "enforce", "max_age": 604800, "mx": ["mx1." + z, "*." + z]}, s["policy"]
assert [(m["host"], m["pattern"], m["ok"]) for m in s["mx"]] == [("mx1." + z, "mx1." + z, True), ("mx2." + z, "*." + z, True)]
assert s["policy_address"] == "127.0.0.71" and s["fetch_error"] is None, s
assert r["tls_rpt"]["status"] == "valid" and r["tls_rpt"]["rua"] == ["mailto:tlsrpt@" + z, "https://report." + z + "/tlsrpt"]
assert r["domain_verdict"]["ok"] is True
PY
ok "--json: mta_sts (policy, per-MX verdicts) and tls_rpt (rua), schema valid"


# 2b. The same domain as a "--mx" line of probe -f, with --mta-sts: the same lines and verdict.
printf '# one domain\n--mx %s\n' "$z" >list
rc=0
"$bin" probe -f list --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
  --cacert ca/ca.crt --mta-sts --mta-sts-port "$web_port" >sts.out 2>&1 || rc=$?
want 0 "^MTA-STS: TXT _mta-sts.$z: id 20261203T080000 \(secure\)$" "-f --mx line with --mta-sts"
want 0 "^Domain $z: OK: all 2 addresses of 2 MX hosts passed; MTA-STS enforce: 2 of 2 MX hosts comply$" \
  "-f --mx line with --mta-sts"
want 0 "^  ok  *1$" "-f --mx line with --mta-sts"
"$bin" probe -f list --port "$port" --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" --timeout 5 \
  --cacert ca/ca.crt --mta-sts --mta-sts-port "$web_port" --json >fleet.json || fail "-f --json: exit $?"
python3 - fleet.json sts.json <<'PY' || fail "-f --json line differs from probe --mx --json: $(cat fleet.json)"
import json, sys
line = [json.loads(l) for l in open(sys.argv[1])]
single = json.load(open(sys.argv[2]))
assert len(line) == 1, line
a, b = line[0]["result"], single["result"]
assert a["mta_sts"]["status"] == "policy" and a["mta_sts"]["ok"] is True, a["mta_sts"]
assert a["mta_sts"]["mx"] == b["mta_sts"]["mx"] and a["tls_rpt"] == b["tls_rpt"], (a, b)
assert a["domain_verdict"] == b["domain_verdict"], (a["domain_verdict"], b["domain_verdict"])
PY
ok "-f with a --mx line and --mta-sts: the same policy verdict as probe --mx, in text and JSON Lines"
# 3. The body framed by chunks, then by the connection's end: the same policy.
for m in chunked close; do
  serve_mode $m
  rc=$(sts)
  want 0 "MTA-STS enforce: 2 of 2 MX hosts comply" "policy served $m"
done
ok "a chunked body and one framed by the close are read"

# 4. An MX the policy does not list: enforce is an error, testing a warning, none a notice.
serve_mode good
policy enforce "mx1.$z"
rc=$(sts)
want 1 "^error  mta-sts-mx-not-in-policy: an MTA-STS enforcing sender will not deliver to mx2.$z: it matches no mx: pattern of the policy \(mx1.$z\)$" \
  "enforce, mx2 unlisted"
want 1 "\[20\] mx2.$z: REFUSED: matches no mx: pattern \(mx1.$z\)" "enforce, mx2 unlisted"
want 1 "^Domain $z: PROBLEM: all 2 addresses of 2 MX hosts passed; MTA-STS enforce: 1 of 2 MX hosts comply$" "enforce, mx2 unlisted"
policy testing "mx1.$z"
rc=$(sts)
want 0 "^warn   mta-sts-mx-not-in-policy: in mode testing senders still deliver to mx2.$z \\(and report the failure by TLS-RPT\\): it matches no mx: pattern" \
  "testing, mx2 unlisted"
want 0 "\[20\] mx2.$z: would be refused: matches no mx: pattern" "testing, mx2 unlisted"
policy none
rc=$(sts)
want 0 "^notice mta-sts-mode-none: the MTA-STS policy of $z is mode none" "mode none"
ok "an unlisted MX: enforce exit 1 (error), testing exit 0 (warn), none: a notice"

# 4b. With --dane, DANE decides where it applies (RFC 8461 2): the unlisted mx2 with a matching
# TLSA record is delivered to; a stale record on the listed mx1 fails it, whatever the policy.
policy enforce "mx1.$z"
dns_add "_$port._tcp.mx2" TLSA "$("$bin" tlsa mx2.crt --host "mx2.$z" | sed -n 's/.* IN TLSA //p')"
dns_add "_$port._tcp.mx1" TLSA "$("$bin" tlsa mx2.crt --host "mx1.$z" | sed -n 's/.* IN TLSA //p')"
dns_sign
rc=$(sts --dane)
want 1 "\[20\] mx2.$z: OK \(DANE applies: its TLSA records match; the policy is not used\)" "--dane, mx2 by DANE"
want 1 "\[10\] mx1.$z: REFUSED: DANE applies and fails, which MTA-STS must not override \(RFC 8461 2\)" \
  "--dane, mx1 stale"
want 1 "mx1.$z \(127.0.0.72\): dane-stale" "--dane, mx1 stale"
grep -q "mta-sts-mx-not-in-policy" sts.out && fail "--dane: mx2 still judged by the policy: $(cat sts.out)"
dns_del "_$port._tcp.mx1" && dns_del "_$port._tcp.mx2" && dns_sign
ok "--dane with --mta-sts: DANE decides where it applies, a stale record is not overridden"

# 5. An MX whose certificate is for another name: the probe's error and MTA-STS's.
policy enforce "*.$z"
dns_add @ MX "30 mx3"
dns_sign
rc=$(sts)
want 1 "^error  mta-sts-cert-invalid: an MTA-STS enforcing sender will not deliver to mx3.$z: its certificate does not verify for mx3.$z \(127.0.0.74: the certificate is not valid for the name mx3.$z\)" \
  "mx3 wrong name"
want 1 "\[30\] mx3.$z: REFUSED: its certificate does not verify" "mx3 wrong name"
want 1 "MTA-STS enforce: 2 of 3 MX hosts comply" "mx3 wrong name"
dns_del @ MX && dns_add @ MX "10 mx1" && dns_add @ MX "20 mx2" && dns_sign
ok "an MX with a certificate for another name: mta-sts-cert-invalid, exit 1"

# 6. The hostile policy servers: each a fetch failure naming the URL and the problem.
url="https://mta-sts.$z:$web_port/.well-known/mta-sts.txt"
hostile() {  # hostile MODE CODE MESSAGE
  serve_mode "$1"
  rc=$(sts --timeout 2)
  want 1 "^error  mta-sts-fetch-failed: the MTA-STS policy could not be fetched \($2\): $url: $3" "policy server $1"
  want 1 "^ +fetch-failed: " "policy server $1"
  want 1 "^Domain $z: PROBLEM: all 2 addresses of 2 MX hosts passed; MTA-STS policy unusable \(fetch-failed\)$" \
    "policy server $1"
}
hostile large too-large "the body is larger than 65536 bytes$"
hostile large-close too-large "the body is larger than 65536 bytes$"
hostile html content-type "Content-Type 'text/html', expected text/plain$"
hostile redirect redirect "the server answered 301 Moved Permanently to 'https://elsewhere.example/.well-known/mta-sts.txt': senders must not follow redirects \(RFC 8461 3.3\)$"
hostile notfound status "the server answered 404 Not Found, expected 200$"
for m in slow silent; do
  start=$(date +%s%N)
  hostile $m timeout "no complete answer within 2000 ms$"
  ms=$((($(date +%s%N) - start) / 1000000))
  ((ms < 8000)) || fail "policy server $m: the run took $ms ms with --timeout 2"
done
serve_mode good
cp wrong-web.crt web.crt && cp wrong-web.key web.key
hostile good certificate "the certificate of mta-sts.$z does not verify: hostname mismatch$"
cp stranger-web.crt web.crt && cp stranger-web.key web.key
hostile good certificate "the certificate of mta-sts.$z does not verify: unable to get local issuer certificate$"
cp good-web.crt web.crt && cp good-web.key web.key
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
hostile good connect "no connection: $WEB:$web_port: "
python3 "$src/tests/scripts/lib/https_policy_server.py" $WEB "$web_port" web.crt web.key ctl >web.out 2>&1 &
pids+=($!)
wait_ready web.out
ok "too large (by length and by close), wrong Content-Type, redirect, 404, slow, silent, wrong name, unknown CA, down: each mta-sts-fetch-failed"

# 7. An invalid policy file.
printf 'mode: enforce\r\nversion: STSv1\r\n' >ctl/policy
rc=$(sts)
want 1 "^error  mta-sts-policy-invalid: $url: MTA-STS policy line 1: the first field must be 'version: STSv1'$" \
  "invalid policy"
policy enforce "mx1.$z" "*.$z"
ok "an invalid policy: mta-sts-policy-invalid naming the line"

# 8. The TXT record: absent (a notice, exit 0), two (error), an invalid id (error).
dns_del _mta-sts TXT && dns_sign
rc=$(sts)
want 0 "^notice mta-sts-absent: no MTA-STS policy: no v=STSv1 TXT record at _mta-sts.$z$" "no TXT"
want 0 "MTA-STS not published$" "no TXT"
dns_add _mta-sts TXT '"v=STSv1; id=1;"'
dns_add _mta-sts TXT '"v=STSv1; id=2;"'
dns_sign
rc=$(sts)
want 1 "^error  mta-sts-txt-multiple: 2 v=STSv1 TXT records at _mta-sts.$z: senders treat that as no policy" "two TXT"
dns_del _mta-sts TXT && dns_add _mta-sts TXT '"v=STSv1; id=not-valid!;"' && dns_sign
rc=$(sts)
want 1 "^error  mta-sts-txt-invalid: _mta-sts.$z: the _mta-sts TXT record's id 'not-valid!' is not 1 to 32" "bad id"
dns_del _mta-sts TXT && dns_add _mta-sts TXT '"v=STSv1; id=20261203T080000;"' && dns_sign
dns_bogus _mta-sts TXT
rc=$(sts)
want 0 "^warn   mta-sts-txt-lookup-failed: the TXT lookup of _mta-sts.$z failed \\(answer: .+\\): senders without a cached policy apply none$" \
  "bogus TXT"
dns_sign
ok "TXT absent: notice, exit 0; two STSv1 records, a bad id: errors; a bogus one: a warning"

# 8b. No address for mta-sts.ZONE: the fetch fails before any connection.
dns_del mta-sts A && dns_sign
rc=$(sts)
want 1 "^error  mta-sts-fetch-failed: the MTA-STS policy could not be fetched \\(resolve\\): $url: mta-sts.$z has no usable A or AAAA record \\(A: nxdomain secure, AAAA: nxdomain secure\\)$" \
  "no policy host address"
dns_add mta-sts A $WEB && dns_sign
ok "no address for mta-sts.$z: mta-sts-fetch-failed (resolve)"

# 9. TLS-RPT: malformed is a warning, absent a notice; neither fails the domain.
dns_del _smtp._tls TXT && dns_add _smtp._tls TXT '"v=TLSRPTv1; rua=ftp://x"' && dns_sign
rc=$(sts)
want 0 "^warn   tls-rpt-invalid: the TLS-RPT record at _smtp._tls.$z is invalid: rua 'ftp://x' is neither mailto: nor https:$" \
  "bad TLS-RPT"
want 0 "^TLS-RPT: _smtp._tls.$z: invalid$" "bad TLS-RPT"
dns_del _smtp._tls TXT && dns_sign
rc=$(sts)
want 0 "^notice tls-rpt-absent: no TLS-RPT record at _smtp._tls.$z" "no TLS-RPT"
ok "TLS-RPT malformed: warn; absent: notice; exit 0 both"

# 10. --mta-sts needs --mx.
rc=0
"$bin" probe 127.0.0.72:"$port" --mta-sts >sts.out 2>&1 || rc=$?
want 2 "--mta-sts requires --mx" "--mta-sts without --mx"
ok "--mta-sts without --mx: exit 2"
echo "mta_sts: all checks passed"
