#!/usr/bin/env bash
# label: integration
# Revocation proved on a REAL sendmail (issue 17 item 6): a client certificate from
# `mtlscert ca sign` relays (access map from `mtlscert access`); after `mtlscert ca revoke`,
# `mtlscert ca crl`, the confCRL line from `mtlscert emit-mc --crl` and a restart, the same
# certificate no longer relays while another one of the CA still does. Also measured here:
# what sendmail does with a client certificate of a second CA for which the CRL file holds
# no CRL.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no sendmail/m4/swaks).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/sendmail_harness.sh"
source "$src/tests/scripts/lib/crl_helpers.sh"
sm_require
command -v makemap >/dev/null || sm_skip "missing: makemap (package sendmail-bin)"

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
sm_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap sm_cleanup EXIT
tls=$SM_TREE/tls
var=$SM_TREE/var
cd "$tls"

# --- PKI: the CA, the server, two client certificates; a second CA with one client -------
newcsr() { # NAME CN
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/CN=$2" 2>/dev/null
  chmod 0600 "$1.key"
}
"$bin" ca init --dir "$tls/ca" --name 'mtlscert CRL IT CA' --type ecdsa >/dev/null
"$bin" ca init --dir "$tls/ca2" --name 'mtlscert CRL IT second CA' --type ecdsa >/dev/null
newcsr server "$SM_HOST"
newcsr stolen stolen.test.example
newcsr kept kept.test.example
newcsr other other.test.example
"$bin" ca sign --dir "$tls/ca" server.csr -o server.crt >/dev/null
"$bin" ca sign --dir "$tls/ca" --profile client stolen.csr -o stolen.crt >/dev/null
"$bin" ca sign --dir "$tls/ca" --profile client kept.csr -o kept.crt >/dev/null
"$bin" ca sign --dir "$tls/ca2" --profile client other.csr -o other.crt >/dev/null
cat ca/ca.crt ca2/ca.crt >cacert.pem
mkdir -m 0755 capath

emit=("$bin" emit-mc --server-cert "$tls/server.crt" --server-key "$tls/server.key"
  --cacert "$tls/cacert.pem" --cacert-path "$tls/capath" --host "$SM_HOST")
"${emit[@]}" -o "$SM_TREE/etc/starttls.m4" >"$var/emit.out" 2>&1 || { cat "$var/emit.out" >&2; fail "emit-mc refused"; }
printf "FEATURE(\`access_db')dnl\n" >"$SM_TREE/etc/access.m4"
"$bin" access --ca "$tls/ca/ca.crt" --ca "$tls/ca2/ca.crt" >"$SM_TREE/etc/access" 2>"$var/access.err" ||
  { cat "$var/access.err" >&2; fail "access failed"; }
makemap hash "$SM_TREE/etc/access" <"$SM_TREE/etc/access"
sm_write_mc "$SM_TREE/etc/starttls.m4" "$SM_TREE/etc/access.m4"
sm_build_cf
[[ -z $(sm_cf_option CRLFile) ]] || fail "CRLFile set before any CRL"
sm_start
ok "sendmail pid $SM_PID on 127.0.0.1:$SM_PORT (syslog capture: $SM_LOG_CAPTURE), no CRL yet"

# rcpt NAME: from 127.0.0.2 (127.0.0.1 always relays), the RCPT reply code.
rcpt() { relay_rcpt "$SM_PORT" "$1" "$tls" "$var/rcpt.txt" --local-interface 127.0.0.2; }
expect() { # NAME CODE WHY
  local code
  code=$(rcpt "$1")
  [[ $code == "$2" ]] || { cat "$var/rcpt.txt" >&2; sm_log_since >&2; fail "$1.crt $3: RCPT got '$code', want $2"; }
  ok "$1.crt $3: RCPT $code"
}

sm_log_mark
expect stolen 250 "before revocation"
expect kept 250 "before revocation"
expect other 250 "(second CA) before any CRL"

# --- revoke, publish, load ------------------------------------------------------------------
"$bin" ca revoke --dir "$tls/ca" --reason keyCompromise stolen.crt >"$var/revoke.out" 2>&1 ||
  { cat "$var/revoke.out" >&2; fail "ca revoke failed"; }
"$bin" ca crl --dir "$tls/ca" -o "$tls/ca.crl" >"$var/crl.out" 2>&1 || { cat "$var/crl.out" >&2; fail "ca crl failed"; }
openssl verify -crl_check -CAfile ca/ca.crt -CRLfile ca.crl stolen.crt >"$var/verify.txt" 2>&1 &&
  fail "openssl verify -crl_check accepts the revoked certificate"
grep -q 'certificate revoked' "$var/verify.txt" || { cat "$var/verify.txt" >&2; fail "openssl: not 'certificate revoked'"; }
ok "ca revoke + ca crl: openssl verify -crl_check says: certificate revoked"

"${emit[@]}" --crl "$tls/ca.crl" -o "$SM_TREE/etc/starttls.m4" --force >"$var/emit-crl.out" 2>&1 ||
  { cat "$var/emit-crl.out" >&2; fail "emit-mc --crl refused a good CRL"; }
grep -qF "define(\`confCRL', \`\`$tls/ca.crl'')dnl" "$SM_TREE/etc/starttls.m4" ||
  { cat "$SM_TREE/etc/starttls.m4" >&2; fail "no confCRL line"; }
sm_build_cf
[[ $(sm_cf_option CRLFile) == "$tls/ca.crl" ]] || fail "m4 made CRLFile '$(sm_cf_option CRLFile)'"
"$bin" doctor "$SM_CF" >"$var/doctor.out" 2>&1 || { cat "$var/doctor.out" >&2; fail "doctor: not healthy with the CRL"; }
ok "emit-mc --crl: O CRLFile=$tls/ca.crl; doctor healthy"
sm_log_mark
sm_restart
sm_ehlo_offers STARTTLS || { sm_log_since >&2; fail "no STARTTLS with the CRL"; }

expect stolen 550 "after ca revoke + ca crl + confCRL"
grep -q 'Relaying denied' "$var/rcpt.txt" || fail "no 'Relaying denied'"
expect kept 250 "(not revoked) with the CRL"
set +e
sm_log_wait 'verify=FAIL' >"$var/verify-fail.log"
rc=$?
set -e
case $rc in
  0) ok "sendmail logged: $(tail -n 1 "$var/verify-fail.log" | grep -o 'verify=FAIL.*' | cut -c1-80)" ;;
  2) printf '\n*** NOTE: syslog capture unavailable: verify=FAIL NOT read from the log ***\n\n' >&2 ;;
  *) sm_log_since >&2; fail "sendmail logged no verify=FAIL for the revoked certificate" ;;
esac
sm_log_since | grep -i 'revoked\|crl' | sed -n '1,3s/^/  sendmail: /p' || true

# Measured: sendmail checks the CRL of every CA in the chain (OpenSSL logs "unable to get
# certificate CRL" at depth 0 and 1) but its verify callback overrides that one error: a CA
# whose CRL the file does not hold is simply not checked, its certificates still relay.
sm_log_mark
expect other 250 "(second CA, no CRL for it in the file)"
set +e
sm_log_wait 'cert-subject=/CN=other.test.example, .*verifymsg=ok' >/dev/null
rc=$?
set -e
case $rc in
  0) sm_assert_logged "STARTTLS: X509 cert verify: depth=0 /CN=other.test.example, state=0, reason=unable to get certificate CRL" ;;
  2) printf '\n*** NOTE: syslog capture unavailable: the missing-CRL override NOT read from the log ***\n\n' >&2 ;;
  *) sm_log_since >&2; fail "sendmail did not log verifymsg=ok for the second CA's certificate" ;;
esac

# --- a stale CRL: an independent tool (openssl ca -gencrl) signs one of the same CA whose
# nextUpdate has passed. doctor predicts it; sendmail then refuses every certificate of the CA.
stale_crl "$tls/ca/ca.crt" "$tls/ca/ca.key" "$tls/stale.crl" "$tls/oca"
cp "$tls/stale.crl" "$tls/ca.crl"
set +e
"$bin" doctor "$SM_CF" >"$var/doctor-stale.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || { cat "$var/doctor-stale.out" >&2; fail "doctor exit $rc for a stale CRL, want 1"; }
grep -qE '^error +crl-expired: ' "$var/doctor-stale.out" || { cat "$var/doctor-stale.out" >&2; fail "no crl-expired finding"; }
ok "doctor: exit 1, crl-expired"
sm_log_mark
sm_restart
expect kept 550 "(not revoked) with a stale CRL"
sm_assert_logged "STARTTLS: X509 cert verify: depth=0 /CN=kept.test.example, state=0, reason=CRL has expired"
expect other 250 "(second CA) with the first CA's stale CRL"

sm_stop
ok "sendmail stopped"
