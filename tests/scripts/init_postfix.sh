#!/usr/bin/env bash
# label: integration
# A REAL Postfix (Debian 12's 3.7, unpacked from its .deb, never installed) configured only by
# `mtlscert init --mta postfix`: it offers STARTTLS, an independent peer (openssl s_client)
# verifies it, relaying to a remote domain is granted to a client certificate by a line from
# `mtlscert access --mta postfix` and refused without it, and `mtlscert doctor` names Postfix
# and finds a group-readable key, a missing CA file and a mismatched key (each also breaking
# or not the real smtpd as doctor says, with the log line it predicts).
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no postfix .deb/swaks).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/postfix_harness.sh"
pf_require

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
pf_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap pf_cleanup EXIT
tls=$PF_TREE/tls
var=$PF_TREE/var
cd "$tls"

# --- 1. init --mta postfix makes everything; rerun changes nothing ------------------------
init=("$bin" init "$PF_HOST" --mta postfix --dir "$tls/init" --ca private)
"${init[@]}" >"$var/init.out" 2>&1 || { cat "$var/init.out" >&2; fail "init --mta postfix failed"; }
grep -q 'Pre-flight: Postfix will accept these files' "$var/init.out" ||
  { cat "$var/init.out" >&2; fail "no pre-flight verdict"; }
"${init[@]}" >"$var/init2.out" 2>&1 || fail "init rerun failed"
if grep "^$tls/init" "$var/init2.out" | grep -v 'already present; unchanged' >&2; then fail "init rerun changed something"; fi
fragment=$tls/init/mtlscert-main.cf
[[ -f $fragment && -f $tls/init/relay_clientcerts ]] || fail "init wrote no mtlscert-main.cf / relay_clientcerts"
ok "init --mta postfix made $tls/init; a rerun left every file unchanged"

# --- 2. Postfix with init's fragment appended to the harness's main.cf --------------------
pf_write_config
cat "$fragment" >>"$PF_CONF/main.cf"
cp "$PF_CONF/main.cf" "$var/main.cf.good"
"$bin" doctor "$PF_CONF/main.cf" >"$var/doctor.out" 2>&1 || { cat "$var/doctor.out" >&2; fail "doctor: not healthy"; }
grep -q '(postfix, ' "$var/doctor.out" || { cat "$var/doctor.out" >&2; fail "doctor did not name Postfix"; }
grep -q 'healthy' "$var/doctor.out" || fail "doctor did not say healthy"
"$bin" doctor --json "$PF_CONF" >"$var/doctor.json" || fail "doctor --json on the config dir"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]["mta"]=="postfix", d' "$var/doctor.json" ||
  fail "doctor --json: result.mta is not postfix"
ok "doctor $PF_CONF/main.cf: Postfix, healthy (JSON mta: postfix)"
pf_start
ok "Postfix master pid $PF_PID on 127.0.0.1:$PF_PORT"

pf_ehlo >"$var/ehlo.txt"
grep -q '250-STARTTLS' "$var/ehlo.txt" || { cat "$var/ehlo.txt" "$PF_LOG" >&2; fail "no 250-STARTTLS"; }
ok "EHLO offers 250-STARTTLS"
pf_verify_server "$tls/init/ca/ca.crt" "$var/s_client.txt" || fail "openssl s_client could not verify the server"
ok "openssl s_client -verify_return_error -verify_hostname $PF_HOST: Verify return code: 0 (ok)"
grep -q 'Acceptable client certificate CA names' "$var/s_client.txt" ||
  { cat "$var/s_client.txt" >&2; fail "smtpd asked for no client certificate (smtpd_tls_ask_ccert)"; }
ok "smtpd asks for a client certificate, sending init's CA name"

# --- 3. relaying by client certificate -----------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
  -subj "/O=Relay Clients/CN=laptop.test.example" 2>/dev/null
"$bin" ca sign --dir "$tls/init/ca" --profile client client.csr -o client.crt >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.csr \
  -subj "/CN=other.test.example" 2>/dev/null
"$bin" ca sign --dir "$tls/init/ca" --profile client other.csr -o other.crt >/dev/null
chmod 0600 client.key other.key

# rcpt [CERT KEY]: try to relay to a remote domain over TLS; print the RCPT reply code.
rcpt() {
  local out cert=()
  (($# == 2)) && cert=(--tls-cert "$1" --tls-key "$2")
  out=$(swaks --server 127.0.0.1 --port "$PF_PORT" --helo laptop.test.example \
    --from sender@laptop.test.example --to x@remote.example --tls "${cert[@]}" \
    --quit-after RCPT --timeout 60 2>&1) || true
  printf '%s\n' "$out" >>"$var/rcpt.txt"
  sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' <<<"$out" | tail -n 1
}

code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 554 ]] || { cat "$var/rcpt.txt" >&2; fail "relay before access: got $code, want 554"; }
grep -q 'Relay access denied' "$var/rcpt.txt" || fail "no 'Relay access denied'"
ok "client certificate not listed yet: 554 Relay access denied"

"$bin" access --mta postfix --client "$tls/client.crt" >"$var/access.txt" 2>"$var/access.err" ||
  { cat "$var/access.err" >&2; fail "access --mta postfix failed"; }
fp=$(openssl x509 -in "$tls/client.crt" -noout -fingerprint -sha256 | sed 's/^.*=//')
grep -q "^$fp laptop.test.example$" "$var/access.txt" ||
  { cat "$var/access.txt" >&2; fail "access: no line '$fp laptop.test.example' (openssl's fingerprint)"; }
cat "$var/access.txt" >>"$tls/init/relay_clientcerts"
pf_restart  # texthash tables are read when smtpd starts
ok "relay_clientcerts: $(grep -v '^#' "$var/access.txt")"

pf_log_mark
code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 250 ]] || { cat "$var/rcpt.txt" >&2; pf_log_since >&2; fail "relay with the listed certificate: got $code, want 250"; }
ok "listed client certificate: 250 (relaying granted)"
code=$(rcpt "$tls/other.crt" "$tls/other.key")
[[ $code == 554 ]] || { cat "$var/rcpt.txt" >&2; fail "relay with an unlisted certificate: got $code, want 554"; }
ok "unlisted client certificate (same CA): 554 (refused)"
code=$(rcpt)
[[ $code == 554 ]] || { cat "$var/rcpt.txt" >&2; fail "relay without a certificate: got $code, want 554"; }
ok "no client certificate: 554 (refused)"
pf_stop

# --- 4. doctor finds what breaks, and smtpd logs what doctor predicts ------------------------
# doctor_case NAME WANT_EXIT CODE... : doctor on $PF_CONF/main.cf exits WANT_EXIT with each CODE.
doctor_case() {
  local name=$1 want=$2 rc=0
  shift 2
  "$bin" doctor "$PF_CONF/main.cf" >"$var/doctor-$name.out" 2>&1 || rc=$?
  [[ $rc == "$want" ]] || { cat "$var/doctor-$name.out" >&2; fail "doctor ($name): exit $rc, want $want"; }
  grep -q '(postfix, ' "$var/doctor-$name.out" || fail "doctor ($name) did not name Postfix"
  local code
  for code in "$@"; do
    grep -q " $code: " "$var/doctor-$name.out" || { cat "$var/doctor-$name.out" >&2; fail "doctor ($name): no $code"; }
  done
  ok "doctor ($name): exit $want with $*"
}
# predicted LINE-CODE NAME: the log line doctor gave for CODE, which the real smtpd must log.
predicted() {
  sed -n "/ $1: /,/next:/{s/^ *smtpd logs: //p}" "$var/doctor-$2.out" | sed -n 1p
}

key=$tls/init/$PF_HOST.key
chmod 0640 "$key"
doctor_case group-readable 0 key-group-readable
"$bin" doctor --strict "$PF_CONF/main.cf" >/dev/null 2>&1 && fail "doctor --strict: a group-readable key is not a finding"
chmod 0600 "$key"

cp "$var/main.cf.good" "$PF_CONF/main.cf"
pf_postconf "smtpd_tls_CAfile = $tls/init/no-such-ca.pem"
doctor_case missing-ca 1 file-missing
line=$(predicted file-missing missing-ca)
[[ $line == "cannot load Certification Authority data, CAfile=\"$tls/init/no-such-ca.pem\", CApath=\"$tls/init/certs\": disabling TLS support" ]] ||
  fail "doctor predicted no CAfile log line: '$line'"
# starttls_try OUT: swaks up to STARTTLS into OUT. A connection closed before the greeting (seen
# once under the sanitizer suite's load, just after a restart) is tried again, up to 3 times.
starttls_try() {
  local i
  for i in 1 2 3; do
    swaks --server 127.0.0.1 --port "$PF_PORT" --tls --quit-after TLS --timeout 30 >"$1" 2>&1 || true
    grep -q '^<-  220 ' "$1" && return 0
    sleep 1
  done
}
pf_log_mark
pf_start
starttls_try "$var/swaks-missing-ca.txt"
grep -q '454 4.7.0 TLS not available due to local problem' "$var/swaks-missing-ca.txt" ||
  { cat "$var/swaks-missing-ca.txt" >&2; fail "missing CA file: STARTTLS did not fail with 454"; }
pf_assert_logged "$line"
pf_stop

# Two mismatches smtpd logs differently: another RSA key (SSL_CTX_use_PrivateKey_file fails)
# and an ECDSA key beside the RSA certificate (it loads into the ECDSA slot; the check fails).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tls/wrong-rsa.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tls/wrong-ec.key" 2>/dev/null
chmod 0600 "$tls/wrong-rsa.key" "$tls/wrong-ec.key"
cert=$tls/init/$PF_HOST.crt
for wrong in rsa ec; do
  cp "$var/main.cf.good" "$PF_CONF/main.cf"
  pf_postconf "smtpd_tls_key_file = $tls/wrong-$wrong.key"
  doctor_case "mismatch-$wrong" 1 key-mismatch
  line=$(predicted key-mismatch "mismatch-$wrong")
  if [[ $wrong == rsa ]]; then
    want="warning: cannot get RSA private key from file \"$tls/wrong-rsa.key\": disabling TLS support"
  else
    want="warning: RSA private key in $tls/wrong-ec.key does not match public key in $cert: disabling TLS support"
  fi
  [[ $line == "$want" ]] || fail "doctor predicted the wrong line for a mismatched $wrong key: '$line'"
  pf_log_mark
  pf_start
  starttls_try "$var/swaks-mismatch.txt"
  grep -q '454 4.7.0' "$var/swaks-mismatch.txt" ||
    { cat "$var/swaks-mismatch.txt" >&2; pf_log_since >&2; fail "mismatched $wrong key: no 454"; }
  pf_assert_logged "$line"
  pf_stop
done

echo "PASS: Postfix configured only by mtlscert init --mta postfix"
