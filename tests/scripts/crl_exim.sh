#!/usr/bin/env bash
# label: integration
# Revocation on a REAL Exim 4.96 (Debian's, GnuTLS): a client certificate granted by
# `mtlscert access --mta exim` relays; after `mtlscert ca revoke`, `mtlscert ca crl` and the
# tls_crl line from `mtlscert emit --mta exim --crl` (and a restart) it no longer relays,
# while another granted certificate of the CA still does. A stale CRL (nextUpdate passed,
# signed by `openssl ca -gencrl`): GnuTLS still revokes what it lists and accepts the rest.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/exim_harness.sh"
source "$src/tests/scripts/lib/crl_helpers.sh"
ex_require

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
ex_unpack "$build_dir/exim-root"
ex_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap ex_cleanup EXIT
tls=$EX_TREE/tls
var=$EX_TREE/var
init=$tls/init
cd "$tls"

"$bin" init "$EX_HOST" --mta exim --dir "$init" --ca private --type ecdsa >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init --mta exim failed"; }
for who in stolen kept; do
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$who.key" -out "$who.csr" \
    -subj "/CN=$who.test.example" 2>/dev/null
  chmod 0600 "$who.key"
  "$bin" ca sign --dir "$init/ca" --profile client "$who.csr" -o "$who.crt" >/dev/null
done
"$bin" access --mta exim --client "$tls/stolen.crt" --client "$tls/kept.crt" -o "$EX_TREE/etc/relay.acl" \
  >"$var/access.out" 2>&1 || { cat "$var/access.out" >&2; fail "access --mta exim failed"; }
frag=$init/mtlscert-exim.conf
ex_write_conf --debian --acl "$EX_TREE/etc/relay.acl" "$frag"
ex_start
ok "exim pid $EX_PID on 127.0.0.1:$EX_PORT, no CRL"

rcpt() { relay_rcpt "$EX_PORT" "$1" "$tls" "$var/rcpt.txt"; }  # NAME: the RCPT reply code
expect() {  # NAME CODE WHY
  local code
  code=$(rcpt "$1")
  [[ $code == "$2" ]] || { cat "$var/rcpt.txt" >&2; ex_log_since >&2; fail "$1.crt $3: RCPT got '$code', want $2"; }
  ok "$1.crt $3: RCPT $code"
}
ex_log_mark
expect stolen 250 "before revocation"
expect kept 250 "before revocation"

"$bin" ca revoke --dir "$init/ca" --reason keyCompromise stolen.crt >/dev/null
"$bin" ca crl --dir "$init/ca" -o "$init/ca.crl" >/dev/null
"$bin" emit --mta exim --server-cert "$init/$EX_HOST.crt" --server-key "$init/$EX_HOST.key" \
  --cacert "$init/cacert.pem" --cacert-path "$init/certs" --crl "$init/ca.crl" -o "$EX_TREE/etc/crl.conf" \
  >"$var/emit.out" 2>&1 || { cat "$var/emit.out" >&2; fail "emit --mta exim --crl refused"; }
grep -qx "tls_crl = $init/ca.crl" "$EX_TREE/etc/crl.conf" || { cat "$EX_TREE/etc/crl.conf" >&2; fail "no tls_crl line"; }
ex_write_conf --debian --acl "$EX_TREE/etc/relay.acl" "$EX_TREE/etc/crl.conf"
"$bin" doctor --mta exim "$EX_CONF" >"$var/doctor.out" 2>&1 || { cat "$var/doctor.out" >&2; fail "doctor: not healthy with the CRL"; }
ok "doctor --mta exim with tls_crl: healthy"
ex_log_mark
ex_restart
expect stolen 550 "after ca revoke + ca crl + tls_crl"
expect kept 250 "(not revoked) with the CRL"
ex_log_since | grep -i 'revok\|crl\|verif' | sed -n '1,3s/^/  exim: /p' || true

# A stale CRL of the same CA that also lists stolen.crt, signed by an independent tool.
# Measured: GnuTLS still applies it (stolen refused) and ignores its passed nextUpdate (kept
# relays), unlike sendmail/OpenSSL, which refuse every certificate of the CA.
stale_crl "$init/ca/ca.crt" "$init/ca/ca.key" "$init/ca.crl" "$tls/oca" "$tls/stolen.crt"
serial=$(openssl x509 -in stolen.crt -noout -serial | sed 's/.*=//')
set +e
"$bin" doctor --mta exim "$EX_CONF" >"$var/doctor-stale.out" 2>&1
rc=$?
set -e
[[ $rc -eq 0 ]] || { cat "$var/doctor-stale.out" >&2; fail "doctor --mta exim exit $rc for a stale CRL, want 0 (a warning)"; }
grep -qE '^warn +crl-expired: ' "$var/doctor-stale.out" || { cat "$var/doctor-stale.out" >&2; fail "no crl-expired warning"; }
ok "doctor --mta exim: a stale CRL is a warning (crl-expired), exit 0"
ex_log_mark
ex_restart
openssl crl -in "$init/ca.crl" -noout -text | grep "Serial Number: $serial" >/dev/null || fail "the stale CRL does not list stolen.crt"
expect stolen 550 "with a stale CRL that lists it"
expect kept 250 "with a stale CRL (nextUpdate 2025-02-01): GnuTLS ignores nextUpdate"

ex_stop
ok "exim stopped"
