#!/usr/bin/env bash
# label: integration
# Renewal from a REAL ACME CA into a REAL running sendmail: Debian's pebble on 127.0.0.1
# (its HTTPS certificate made here, challenges always valid: nothing leaves the machine),
# Debian's certbot with its own config/work/logs directories in the test tree and
# `mtlscert install-cert --from-certbot "$RENEWED_LINEAGE" --reload ... --probe ...` as its
# deploy hook. Proves: two forced renewals each land in sendmail with the new serial served
# (probe --json) and no failed probe; a renewal whose reload does not reload is rolled back;
# bad renewals (wrong key, expired, wrong host) are refused and the old certificate is still
# served; --dry-run writes nothing.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no sendmail/pebble/certbot).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/sendmail_harness.sh"
sm_require
for t in pebble certbot curl; do
  command -v "$t" >/dev/null 2>&1 || sm_skip "missing: $t"
done

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
sm_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
PEBBLE_PID=
cleanup() {
  # The reload script restarts sendmail: the pid file holds the current daemon.
  [[ -s $SM_TREE/var/sendmail.pid ]] && SM_PID=$(head -n1 "$SM_TREE/var/sendmail.pid")
  if [[ -n $PEBBLE_PID ]]; then
    kill "$PEBBLE_PID" 2>/dev/null || true
    wait "$PEBBLE_PID" 2>/dev/null || true
  fi
  sm_cleanup
}
trap cleanup EXIT
tls=$SM_TREE/tls
acme=$SM_TREE/acme
mkdir -m 0700 "$acme"

# --- pebble on 127.0.0.1, with a certificate for its HTTPS API made here -------------------
(
  cd "$acme"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout wfe-root.key -out wfe-root.crt \
    -subj '/CN=mtlscert test pebble API root' -days 2 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout wfe.key -out wfe.csr \
    -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >wfe.ext
  openssl x509 -req -in wfe.csr -CA wfe-root.crt -CAkey wfe-root.key -CAcreateserial -days 2 -extfile wfe.ext \
    -out wfe.crt 2>/dev/null
)
acme_port=$(sm_free_port)
mgmt_port=$(sm_free_port)
http_port=$(sm_free_port)
cat >"$acme/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$acme_port", "managementListenAddress": "127.0.0.1:$mgmt_port",
 "certificate": "$acme/wfe.crt", "privateKey": "$acme/wfe.key", "httpPort": $http_port, "tlsPort": $http_port,
 "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
# VA_ALWAYS_VALID: pebble asks no resolver and connects nowhere; NONCEREJECT=0: no random
# badNonce errors (certbot would retry, but a test must not depend on it).
PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  pebble -config "$acme/pebble.json" >"$acme/pebble.log" 2>&1 &
PEBBLE_PID=$!
for ((i = 0; i < 100; i++)); do
  curl -sf --cacert "$acme/wfe-root.crt" "https://127.0.0.1:$acme_port/dir" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf --cacert "$acme/wfe-root.crt" "https://127.0.0.1:$acme_port/dir" >/dev/null ||
  { cat "$acme/pebble.log" >&2; fail "pebble did not answer on 127.0.0.1:$acme_port"; }
# The root pebble issues under (made at its start): what peers of the mail server trust.
curl -sf --cacert "$acme/wfe-root.crt" "https://127.0.0.1:$mgmt_port/roots/0" >"$acme/issuer-root.pem"
ok "pebble on 127.0.0.1:$acme_port ($(openssl x509 -in "$acme/issuer-root.pem" -noout -subject))"

# certbot, fully private: its directories and an empty cli.ini (not /etc/letsencrypt's) in
# the tree, pebble's API root trusted, no e-mail to EFF, no other server.
export REQUESTS_CA_BUNDLE=$acme/wfe-root.crt
: >"$acme/cli.ini"
cb() {
  certbot "$@" -c "$acme/cli.ini" --server "https://127.0.0.1:$acme_port/dir" --config-dir "$acme/config" \
    --work-dir "$acme/work" --logs-dir "$acme/logs" --non-interactive --agree-tos -m admin@test.example \
    --no-eff-email --key-type ecdsa --standalone --http-01-address 127.0.0.1 --http-01-port "$http_port" \
    >>"$acme/certbot.out" 2>&1 || { tail -30 "$acme/certbot.out" >&2; return 1; }
}
lineage=$acme/config/live/$SM_HOST
serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# --- the first certificate, installed by hand, then sendmail started ----------------------
"$bin" init "$SM_HOST" --dir "$tls" >"$SM_TREE/var/init.out" 2>&1 ||
  { cat "$SM_TREE/var/init.out" >&2; fail "init failed"; }
cb certonly -d "$SM_HOST" || fail "certbot certonly against pebble failed"
# Before: certbot's certificate against the key init made is refused with the key named.
set +e
"$bin" install-cert "$lineage/cert.pem" --dir "$tls" --cacert "$acme/issuer-root.pem" >/dev/null 2>"$SM_TREE/var/ic.err"
rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "does not match the key $tls/$SM_HOST.key" "$SM_TREE/var/ic.err" ||
  { cat "$SM_TREE/var/ic.err" >&2; fail "install-cert CERT with init's key: exit $rc, want 2 and the key named"; }
ok "certbot's certificate with init's key: refused, exit 2, key named"
"$bin" install-cert --from-certbot "$lineage" --dir "$tls" --cacert "$acme/issuer-root.pem" \
  >"$SM_TREE/var/ic.out" 2>&1 || { cat "$SM_TREE/var/ic.out" >&2; fail "install-cert --from-certbot (first) failed"; }
[[ $(serial_of "$tls/$SM_HOST.crt") == $(serial_of "$lineage/cert.pem") ]] || fail "first install: serial differs"
[[ $(stat -c %a "$tls/$SM_HOST.key") == 600 ]] || fail "the installed key is not 0600"
sm_write_mc "$tls/mtlscert-starttls.m4"
sm_build_cf
sm_start
ok "sendmail pid $SM_PID on 127.0.0.1:$SM_PORT with serial $(serial_of "$tls/$SM_HOST.crt")"

# The reload command the hook runs: restart this private sendmail and wait for its port.
cat >"$SM_TREE/bin/reload" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source "$src/tests/scripts/lib/sendmail_harness.sh"
SM_TREE=$SM_TREE SM_CF=$SM_CF SM_PORT=$SM_PORT SM_LOG_PID=external
SM_PID=\$(head -n1 "$SM_TREE/var/sendmail.pid")
sm_restart
echo "reloaded: sendmail pid \$(head -n1 "$SM_TREE/var/sendmail.pid")" >&2
EOF
chmod 0755 "$SM_TREE/bin/reload"

# served: the serial sendmail serves now (probe --json, chain verified against pebble's root).
# Each probe's verdict is counted in a file: served runs in $(...) subshells.
probe_log=$SM_TREE/var/probes.log
: >"$probe_log"
served() {
  if ! "$bin" probe "127.0.0.1:$SM_PORT" --servername "$SM_HOST" --cacert "$acme/issuer-root.pem" --timeout 30 \
    --json >"$SM_TREE/var/probe.json" 2>"$SM_TREE/var/probe.err"; then
    echo failed >>"$probe_log"
    cat "$SM_TREE/var/probe.json" "$SM_TREE/var/probe.err" >&2
    return 1
  fi
  echo ok >>"$probe_log"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["chain"][0]["serial"])' \
    "$SM_TREE/var/probe.json"
}
same_serial() { [[ $(tr -d ':' <<<"${1^^}") == $(tr -d ':' <<<"${2^^}") ]]; }
s=$(served) || fail "probe of the first certificate failed"
same_serial "$s" "$(serial_of "$lineage/cert.pem")" || fail "sendmail serves $s, not the installed certificate"
ok "probe: sendmail serves serial $s"

# certbot looks the first word up as a file: unquoted (build paths have no spaces).
hook="$bin install-cert --from-certbot \"\$RENEWED_LINEAGE\" --dir '$tls' --cacert '$acme/issuer-root.pem'"
hook+=" --reload '$SM_TREE/bin/reload' --probe 127.0.0.1:$SM_PORT --json >>'$acme/hook.json'"
hook+="; echo \$? >>'$acme/hook.rc'"

# --- two forced renewals, each through the deploy hook ------------------------------------
for round in 1 2; do
  before=$(serial_of "$lineage/cert.pem")
  : >"$acme/hook.rc"
  cb renew --force-renewal --no-random-sleep-on-renew --deploy-hook "$hook" || fail "renewal $round failed"
  after=$(serial_of "$lineage/cert.pem")
  [[ $after != "$before" ]] || fail "renewal $round: certbot kept serial $before"
  [[ $(cat "$acme/hook.rc") == 0 ]] || { tail -c 3000 "$acme/hook.json" >&2; fail "renewal $round: hook exit $(cat "$acme/hook.rc")"; }
  s=$(served) || fail "renewal $round: probe failed"
  same_serial "$s" "$after" || fail "renewal $round: sendmail serves $s, not the renewed $after"
  [[ -f $tls/$SM_HOST.crt.prev && $(serial_of "$tls/$SM_HOST.crt.prev") == "$before" ]] ||
    fail "renewal $round: $SM_HOST.crt.prev is not the previous certificate"
  ok "renewal $round: serial $before -> $after, served by sendmail (hook exit 0)"
done
good=$(serial_of "$tls/$SM_HOST.crt")
good_sha=$(sha "$tls/$SM_HOST.crt")
key_sha=$(sha "$tls/$SM_HOST.key")

# unchanged_and_served WHAT: the files on disk and what sendmail serves are still the good ones.
unchanged_and_served() {
  [[ $(sha "$tls/$SM_HOST.crt") == "$good_sha" ]] || fail "$1: $SM_HOST.crt changed"
  [[ $(sha "$tls/$SM_HOST.key") == "$key_sha" ]] || fail "$1: $SM_HOST.key changed"
  local s
  s=$(served) || fail "$1: probe failed afterwards"
  same_serial "$s" "$good" || fail "$1: sendmail serves $s, not $good"
}

# --- --dry-run: every check, nothing written -----------------------------------------------
"$bin" install-cert --from-certbot "$lineage" --dir "$tls" --cacert "$acme/issuer-root.pem" --dry-run \
  >"$SM_TREE/var/dry.out" 2>&1 || { cat "$SM_TREE/var/dry.out" >&2; fail "--dry-run: exit $?"; }
grep -q "nothing written" "$SM_TREE/var/dry.out" || fail "--dry-run does not say nothing was written"
unchanged_and_served "--dry-run"
ok "--dry-run: checks pass, nothing written"

# --- a renewal whose reload does not reload: rolled back -----------------------------------
: >"$acme/hook.rc"
norel="$bin install-cert --from-certbot \"\$RENEWED_LINEAGE\" --dir '$tls' --cacert '$acme/issuer-root.pem'"
norel+=" --reload true --probe 127.0.0.1:$SM_PORT --json >'$acme/norel.json'; echo \$? >>'$acme/hook.rc'"
cb renew --force-renewal --no-random-sleep-on-renew --deploy-hook "$norel" || true
[[ $(cat "$acme/hook.rc") == 1 ]] || { cat "$acme/norel.json" >&2; fail "reload that does not reload: hook exit $(cat "$acme/hook.rc"), want 1"; }
python3 - "$acme/norel.json" "$good" <<'EOF' || fail "reload that does not reload: JSON"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["result"]
assert r["outcome"] == "rolled-back", r["outcome"]
assert r["served_serial"].replace(":", "").upper() == sys.argv[2].upper(), r["served_serial"]
assert any(f["code"] == "install-rolled-back" for f in d["findings"]), d["findings"]
EOF
python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas" "$acme/norel.json" ||
  fail "install-cert --json: not valid against its schema"
unchanged_and_served "reload that does not reload"
ok "renewal not picked up by the server: rolled back (exit 1), serial $good still served"

# --- bad renewals, refused before anything is written --------------------------------------
# bad_lineage NAME CERT KEY: a lineage-shaped directory with these files and pebble's chain.
bad_lineage() {
  local d=$acme/bad-$1
  mkdir -p "$d"
  cp "$2" "$d/cert.pem"
  cp "$lineage/chain.pem" "$d/chain.pem"
  cp "$3" "$d/privkey.pem"
  printf '%s' "$d"
}
# refused NAME LINEAGE MESSAGE: the hook exits 2 with MESSAGE, files and served serial unchanged.
refused() {
  set +e
  "$bin" install-cert --from-certbot "$2" --dir "$tls" --cacert "$acme/issuer-root.pem" \
    --reload "$SM_TREE/bin/reload" --probe "127.0.0.1:$SM_PORT" >"$SM_TREE/var/bad.out" 2>"$SM_TREE/var/bad.err"
  local rc=$?
  set -e
  [[ $rc -eq 2 ]] || { cat "$SM_TREE/var/bad.out" "$SM_TREE/var/bad.err" >&2; fail "$1: exit $rc, want 2"; }
  grep -qF -- "$3" "$SM_TREE/var/bad.err" || { cat "$SM_TREE/var/bad.err" >&2; fail "$1: no '$3'"; }
  unchanged_and_served "$1"
  ok "$1: refused (exit 2, '$3'), serial $good still served"
}
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$acme/other.key" 2>/dev/null
refused "wrong key" "$(bad_lineage key "$lineage/cert.pem" "$acme/other.key")" "does not match the key"

# Expired: signed with the lineage's own key, dates in the past (openssl ca -startdate/-enddate).
x=$acme/expired-ca
mkdir -p "$x"
: >"$x/index.txt"
echo 01 >"$x/serial"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\nserial=%s/serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n' \
  "$x" "$x" "$x" >"$x/ca.cnf"
openssl req -new -key "$lineage/privkey.pem" -subj "/CN=$SM_HOST" -addext "subjectAltName=DNS:$SM_HOST" \
  -out "$x/exp.csr" 2>/dev/null
openssl ca -batch -config "$x/ca.cnf" -selfsign -keyfile "$lineage/privkey.pem" -in "$x/exp.csr" \
  -startdate 20200101000000Z -enddate 20200201000000Z -out "$x/exp.crt" >/dev/null 2>&1 ||
  fail "openssl ca could not make the expired certificate"
refused "expired" "$(bad_lineage expired "$x/exp.crt" "$lineage/privkey.pem")" "is not valid now"

# Wrong host: a real pebble certificate for another name, with its own key.
cb certonly -d other.test.example || fail "certbot certonly other.test.example failed"
refused "wrong host" "$acme/config/live/other.test.example" "does not name $SM_HOST"

# --- doctor --probe: installed but not reloaded, then reloaded ------------------------------
# The lineage now holds the renewal that was rolled back: install it without a reload.
"$bin" install-cert --from-certbot "$lineage" --dir "$tls" --cacert "$acme/issuer-root.pem" \
  >"$SM_TREE/var/noreload.out" 2>&1 || { cat "$SM_TREE/var/noreload.out" >&2; fail "install-cert without --reload"; }
set +e
"$bin" doctor "$tls/mtlscert-starttls.m4" --probe "127.0.0.1:$SM_PORT" >"$SM_TREE/var/doc.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'served-cert-differs' "$SM_TREE/var/doc.out" && grep -q 'renewed but not reloaded' "$SM_TREE/var/doc.out" ||
  { cat "$SM_TREE/var/doc.out" >&2; fail "doctor --probe before the reload: exit $rc, want 1 and served-cert-differs"; }
ok "doctor --probe: renewed but not reloaded (exit 1)"
"$SM_TREE/bin/reload" 2>/dev/null
"$bin" doctor "$tls/mtlscert-starttls.m4" --probe "127.0.0.1:$SM_PORT" --expires-within 30d >"$SM_TREE/var/doc.out" 2>&1 ||
  { cat "$SM_TREE/var/doc.out" >&2; fail "doctor --probe --expires-within 30d after the reload: exit $?, want 0"; }
set +e
"$bin" doctor "$tls/mtlscert-starttls.m4" --expires-within 3000d >"$SM_TREE/var/doc.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'cert-expires-within' "$SM_TREE/var/doc.out" ||
  { cat "$SM_TREE/var/doc.out" >&2; fail "doctor --expires-within 3000d (pebble: 5 years): exit $rc, want 1"; }
ok "doctor --probe after the reload: exit 0; --expires-within 3000d: exit 1"

probes=$(wc -l <"$probe_log")
failed_probes=$(grep -c failed "$probe_log" || true)
((probes >= 8)) || fail "only $probes probes ran"
((failed_probes == 0)) || fail "$failed_probes of $probes probes failed"
ok "all $probes probes succeeded"
