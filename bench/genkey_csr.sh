#!/usr/bin/env bash
# genkey_csr.sh [BIN] [N]: time `mtlscert genkey --type ecdsa` + `mtlscert csr` against
# `openssl genpkey` + `openssl req -new` making the same ECDSA P-256 key and the same CSR
# (CN, SAN, keyUsage, extendedKeyUsage, SHA-256), interleaved in the same run, N times each.
# Prints each side's median wall time per iteration and the median ratio mtlscert/openssl.
# Both sides are dominated by process start-up (~17 ms each here). mtlscert also fsyncs each
# file and its directory before the rename (openssl does not): run with TMPDIR=/dev/shm to
# see the ratio without the disk.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$src/build/tools/mtlscert}
n=${2:-50}
[[ -x $bin ]] || { echo "genkey_csr: no binary at $bin (build first: ./scripts/build.sh build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
host=smtp.toto.com

mtlscert_once() {
  "$bin" genkey --type ecdsa -o "$work/m.key" >/dev/null
  "$bin" csr --key "$work/m.key" --host "$host" -o "$work/m.csr" >/dev/null
  rm -f "$work/m.key" "$work/m.csr"
}
openssl_once() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/o.key" 2>/dev/null
  openssl req -new -key "$work/o.key" -sha256 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host" -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=serverAuth,clientAuth" -out "$work/o.csr" 2>/dev/null
  rm -f "$work/o.key" "$work/o.csr"
}
elapsed_ns() {
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  t1=$(date +%s%N)
  echo $((t1 - t0))
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# Warm-up (page cache, dynamic loader), then interleave so both sides see the same load.
mtlscert_once
openssl_once
: >"$work/m.times"
: >"$work/o.times"
for ((i = 0; i < n; ++i)); do
  elapsed_ns mtlscert_once >>"$work/m.times"
  elapsed_ns openssl_once >>"$work/o.times"
done
m=$(median <"$work/m.times")
o=$(median <"$work/o.times")
awk -v m="$m" -v o="$o" -v n="$n" 'BEGIN {
  printf "genkey+csr (ECDSA P-256), %d iterations each, median wall time per iteration:\n", n
  printf "  mtlscert genkey + csr:      %8.2f ms\n", m / 1e6
  printf "  openssl genpkey + req -new: %8.2f ms\n", o / 1e6
  printf "  ratio mtlscert/openssl:     %8.2f\n", m / o
}'
