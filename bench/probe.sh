#!/usr/bin/env bash
# bench/probe.sh [BUILD_DIR] [RUNS]: `mtlscert probe` against `openssl s_client -starttls
# smtp` (QUIT piped), the same STARTTLS handshake (TLS 1.3, chain and name verified) against
# the same REAL sendmail on loopback. Runs are interleaved (probe, s_client, probe, ...) so
# drift on a shared machine hits both alike; prints the median wall time of each (RUNS,
# default 15) and the ratio. Goal (issue 18): ratio <= 1.5. Not part of the test suite.
#
# The server is a sendmail started with tests/scripts/lib/sendmail_harness.sh (root, sendmail,
# m4, swaks), unless PROBE_TARGET=HOST:PORT PROBE_CAFILE=ca.pem PROBE_NAME=mx.example.org name
# an existing one. What each does per run: probe = greeting, EHLO, STARTTLS, handshake, EHLO
# over TLS, QUIT; s_client = greeting, EHLO, STARTTLS, handshake, QUIT.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-15}
mtlscert=$build/tools/mtlscert
[[ -x $mtlscert ]] || { echo "bench/probe.sh: $mtlscert not built (./scripts/build.sh)" >&2; exit 2; }

if [[ -n ${PROBE_TARGET:-} ]]; then
  target=$PROBE_TARGET
  cafile=${PROBE_CAFILE:?PROBE_CAFILE must name the CA file}
  name=${PROBE_NAME:?PROBE_NAME must give the certificate name}
  what=$target
else
  source "$src/tests/scripts/lib/sendmail_harness.sh"
  sm_require
  sm_tree_new "${MTLSCERT_IT_DIR:-$build/it}"
  trap sm_cleanup EXIT
  tls=$SM_TREE/tls
  "$mtlscert" ca init --dir "$tls/ca" --name 'mtlscert bench CA' --type ecdsa >/dev/null
  "$mtlscert" genkey --type ecdsa -o "$tls/server.key" >/dev/null
  "$mtlscert" csr --key "$tls/server.key" --host "$SM_HOST" -o "$tls/server.csr" >/dev/null
  "$mtlscert" ca sign --dir "$tls/ca" --profile server "$tls/server.csr" -o "$tls/server.crt" >/dev/null
  cp "$tls/ca/ca.crt" "$tls/cacert.pem" && chmod 0644 "$tls/cacert.pem"
  mkdir -m 0755 "$tls/capath"
  "$mtlscert" emit-mc --server-cert "$tls/server.crt" --server-key "$tls/server.key" --cacert "$tls/cacert.pem" \
    --cacert-path "$tls/capath" --host "$SM_HOST" -o "$SM_TREE/etc/starttls.m4" >"$SM_TREE/var/emit.out" 2>&1 ||
    { cat "$SM_TREE/var/emit.out" >&2; exit 1; }
  sm_write_mc "$SM_TREE/etc/starttls.m4"
  sm_build_cf
  sm_start
  target=127.0.0.1:$SM_PORT
  cafile=$tls/ca/ca.crt
  name=$SM_HOST
  what="$target (sendmail $(sendmail -d0.1 -bt </dev/null 2>/dev/null | sed -n 's/^Version //p' | sed -n 1p))"
fi

probe() {
  "$mtlscert" probe "$target" --servername "$name" --cacert "$cafile" --ehlo bench.example --timeout 10 >/dev/null
}
s_client() {
  echo QUIT | openssl s_client -brief -starttls smtp -connect "$target" -servername "$name" -CAfile "$cafile" \
    -verify_return_error -verify_hostname "$name" -name bench.example >/dev/null 2>&1
}

# Both must succeed before they are timed.
probe || { echo "bench/probe.sh: mtlscert probe failed against $target" >&2; exit 1; }
s_client || { echo "bench/probe.sh: openssl s_client failed against $target" >&2; exit 1; }

time_us() {  # time_us FUNCTION: wall microseconds of one run
  local start end
  start=$(date +%s%N)
  "$1"
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

p=() s=()
for ((i = 0; i < runs; i++)); do
  p+=("$(time_us probe)")
  s+=("$(time_us s_client)")
done
pm=$(printf '%s\n' "${p[@]}" | median)
sm=$(printf '%s\n' "${s[@]}" | median)
printf 'runs: %d each, interleaved, server %s\n' "$runs" "$what"
printf 'mtlscert probe             median %8.2f ms\n' "$(echo "$pm / 1000" | bc -l)"
printf 'openssl s_client -starttls median %8.2f ms\n' "$(echo "$sm / 1000" | bc -l)"
printf 'ratio probe / s_client            %8.2f (goal <= 1.5)\n' "$(echo "$pm / $sm" | bc -l)"
