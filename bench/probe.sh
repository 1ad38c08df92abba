#!/usr/bin/env bash
# bench/probe.sh [BUILD_DIR] [RUNS]: `mtlscert probe` against `openssl s_client
# -starttls smtp`, the same STARTTLS handshake (TLS 1.3, chain and name verified)
# against the same loopback server, in the same run. Prints the mean wall time
# per connection of each and the ratio. Not part of the test suite.
#
# The server is tests/net's scripted fake SMTP server (fake-smtp-server), unless
# PROBE_TARGET=HOST:PORT PROBE_CAFILE=ca.pem PROBE_NAME=mx.example.org name an
# existing one (the integration tests' sendmail, once its harness exists).
# What each does per run: probe = greeting, EHLO, STARTTLS, handshake, EHLO over
# TLS, QUIT; s_client = greeting, EHLO, STARTTLS, handshake, then EOF on stdin.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
runs=${2:-100}
mtlscert=$build/tools/mtlscert
server=$build/tests/fake-smtp-server
for f in "$mtlscert" "$server"; do
  [[ -x $f ]] || { echo "bench/probe.sh: $f not built (ninja -C $build)" >&2; exit 2; }
done

dir=$(mktemp -d)
if [[ -n ${PROBE_TARGET:-} ]]; then
  trap 'rm -rf "$dir"' EXIT
  target=$PROBE_TARGET
  cp "${PROBE_CAFILE:?PROBE_CAFILE must name the CA file}" "$dir/ca.pem"
  name=${PROBE_NAME:?PROBE_NAME must give the certificate name}
  what="$target"
else
  "$server" "$dir" >"$dir/port" &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 50); do [[ -s $dir/port ]] && break; sleep 0.1; done
  target=127.0.0.1:$(cat "$dir/port")
  name=mx.bench.example
  what="$target (fake-smtp-server, TLS 1.3, ECDSA P-256)"
fi

probe() {
  "$mtlscert" probe "$target" --servername "$name" --cacert "$dir/ca.pem" --ehlo bench.example --timeout 5 >/dev/null
}
s_client() {
  openssl s_client -brief -starttls smtp -connect "$target" -servername "$name" -CAfile "$dir/ca.pem" \
    -verify_return_error -verify_hostname "$name" -name bench.example </dev/null >/dev/null 2>&1
}

# Both must succeed before they are timed.
probe || { echo "bench/probe.sh: mtlscert probe failed against $target" >&2; exit 1; }
s_client || { echo "bench/probe.sh: openssl s_client failed against $target" >&2; exit 1; }

time_ns() {  # time_ns FUNCTION: total nanoseconds for $runs runs
  local start end
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$1"; done
  end=$(date +%s%N)
  echo $((end - start))
}

# Interleave two rounds each so drift on a shared machine hits both alike.
p1=$(time_ns probe); s1=$(time_ns s_client); p2=$(time_ns probe); s2=$(time_ns s_client)
p=$(((p1 + p2) / (2 * runs))); s=$(((s1 + s2) / (2 * runs)))
printf 'runs: %d x 2 each, server %s\n' "$runs" "$what"
printf 'mtlscert probe            %8.2f ms per connection\n' "$(echo "$p / 1000000" | bc -l)"
printf 'openssl s_client -starttls %7.2f ms per connection\n' "$(echo "$s / 1000000" | bc -l)"
printf 'ratio probe / s_client    %8.2f\n' "$(echo "$p / $s" | bc -l)"
