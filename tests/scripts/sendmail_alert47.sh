#!/usr/bin/env bash
# label: integration
# The seed's failure, reproduced against a REAL sendmail: an OpenSSL 3 client told
# SSL_CTX_set_max_cert_list(ctx, 8192) (OpenSSL applies it to the CertificateRequest; 8 KiB
# was the limit of OpenSSL <= 0.9.6b) aborts the handshake with alert 47 when confCACERT is
# the whole system store, and sendmail logs "... alert illegal parameter ... SSL alert
# number 47"; with mtlscert's short confCACERT the same client succeeds. Then the breaking
# point, to the byte: the bundle grows one CA at a time, and the client must start failing
# exactly when the CertificateRequest length `bundle check` reports for that TLS version
# passes the limit (bisected with one sendmail start per step).
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/sendmail_harness.sh"
sm_require
build_dir=$(cd "$(dirname "$bin")/.." && pwd)
client=$build_dir/tests/cert-request-client
store=/etc/ssl/certs/ca-certificates.crt
[[ -x $client ]] || sm_skip "$client is not built (ninja cert-request-client)"
[[ -r $store ]] || sm_skip "$store is missing (apt-get install ca-certificates)"
limit=8192

sm_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it-alert47}"
trap sm_cleanup EXIT
tls=$SM_TREE/tls
cd "$tls"

"$bin" ca init --dir "$tls/ca" --name 'mtlscert alert47 CA' --type ecdsa >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=$SM_HOST" 2>/dev/null
chmod 0600 server.key
"$bin" ca sign --dir "$tls/ca" server.csr -o server.crt >/dev/null
mkdir -m 0755 capath
# mtlscert's short confCACERT: from the system store plus our CA, only server.crt's issuers.
cat "$store" ca/ca.crt >all.pem
"$bin" bundle trim all.pem --keep-issuers-of server.crt -o short.pem >/dev/null
cacert=$tls/cacert.pem
cp short.pem "$cacert"

"$bin" emit-mc --server-cert "$tls/server.crt" --server-key "$tls/server.key" --cacert "$cacert" \
  --cacert-path "$tls/capath" --host "$SM_HOST" -o "$SM_TREE/etc/starttls.m4" >"$SM_TREE/var/emit.out" 2>&1 ||
  { cat "$SM_TREE/var/emit.out" >&2; fail "emit-mc refused the configuration"; }
sm_write_mc "$SM_TREE/etc/starttls.m4"
sm_build_cf
sm_start

# handshake VERSION LIMIT: run the client; prints its line, returns its status.
handshake() { "$client" "$SM_PORT" "$1" "$2"; }
# reported FILE VERSION: the CertificateRequest length bundle check reports for FILE.
reported() {
  { "$bin" bundle check --json "$1" || true; } |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["certificate_request"]["tls" + sys.argv[1]])' "$2"
}
# use FILE: make FILE sendmail's confCACERT and restart sendmail (it reads confCACERT at start).
use() {
  cp "$1" "$cacert"
  sm_restart
}
request_of() { sed -n 's/.*certificate_request=\([0-9?]*\).*/\1/p' <<<"$1"; }

# 1. The short confCACERT: the limited client succeeds; the length matches bundle check's.
for v in 1.2 1.3; do
  out=$(handshake "$v" "$limit") || fail "TLS $v with the short confCACERT failed: $out"
  want=$(reported "$cacert" "$v")
  [[ $(request_of "$out") == "$want" ]] ||
    fail "TLS $v: sendmail sent a $(request_of "$out")-byte CertificateRequest, bundle check reports $want"
  ok "TLS $v, short confCACERT: handshake ok, CertificateRequest $want bytes as bundle check reports"
done

# 2. The whole system store: alert 47, and sendmail logs the seed's line.
use "$store"
sm_log_mark
for v in 1.2 1.3; do
  if out=$(handshake "$v" "$limit"); then fail "TLS $v with the whole system store succeeded: $out"; fi
  grep -q 'excessive message size' <<<"$out" || fail "TLS $v: unexpected client error: $out"
  ok "TLS $v, whole system store: the client aborts ($out)"
done
case $(sm_log_wait 'alert illegal parameter.*SSL alert number 47' 100 >/dev/null; echo $?) in
  0) ok "sendmail logged: $(sm_log_since | grep -o 'STARTTLS=server.*SSL alert number 47' | sed -n 1p)" ;;
  2) sm_note "NOTE: syslog capture unavailable: sendmail's alert-47 line not checked" ;;
  *) sm_log_since >&2; fail "sendmail did not log 'alert illegal parameter ... SSL alert number 47'" ;;
esac

# 3. The breaking point, to the byte. bundle(k) = the short file + the store's first k CAs.
mapfile -t ends < <(grep -n -- '-----END CERTIFICATE-----' "$store" | cut -d: -f1)
n=${#ends[@]}
bundle() {
  cat short.pem
  (($1 > 0)) && head -n "${ends[$1 - 1]}" "$store"
  return 0
}
for v in 1.2 1.3; do
  # Predicted: the first k whose reported CertificateRequest passes the limit.
  predicted=
  for ((k = 0; k <= n; k++)); do
    bundle "$k" >"grow-$k.pem"
    size=$(reported "grow-$k.pem" "$v")
    if ((size > limit)); then
      predicted=$k
      break
    fi
    below=$size
  done
  [[ -n $predicted ]] || fail "TLS $v: even the whole store stays within $limit bytes; nothing to test"
  # Observed: bisect with a real sendmail; k=0 works (step 1), k=n fails (step 2).
  lo=0 hi=$n
  while ((hi - lo > 1)); do
    mid=$(((lo + hi) / 2))
    bundle "$mid" >grow.pem
    use grow.pem
    if out=$(handshake "$v" "$limit"); then lo=$mid last_ok=$out; else hi=$mid; fi
  done
  ((hi == predicted)) ||
    fail "TLS $v: predicted the client to fail from $predicted CAs on (CertificateRequest $size bytes > $limit), it fails from $hi"
  # Byte-exact on both sides of the limit: the last good step's length as received.
  bundle "$((predicted - 1))" >grow.pem
  use grow.pem
  out=$(handshake "$v" "$limit") || fail "TLS $v: $((predicted - 1)) CAs failed: $out"
  [[ $(request_of "$out") == "$below" ]] ||
    fail "TLS $v: at $((predicted - 1)) CAs sendmail sent $(request_of "$out") bytes, bundle check reports $below"
  # And the first failing step's length, to the byte: a limit of exactly that passes, one less fails.
  bundle "$predicted" >grow.pem
  use grow.pem
  out=$(handshake "$v" "$size") || fail "TLS $v: $predicted CAs with a limit of $size bytes failed: $out"
  [[ $(request_of "$out") == "$size" ]] ||
    fail "TLS $v: at $predicted CAs sendmail sent $(request_of "$out") bytes, bundle check reports $size"
  if out=$(handshake "$v" "$((size - 1))"); then fail "TLS $v: a limit of $((size - 1)) bytes passed: $out"; fi
  ok "TLS $v: breaking point predicted at $predicted CAs (CertificateRequest $below bytes ok, $size > $limit fails), observed at $hi; at $predicted CAs a limit of $size passes, $((size - 1)) fails"
done
