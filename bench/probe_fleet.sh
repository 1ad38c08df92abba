#!/usr/bin/env bash
# bench/probe_fleet.sh [BUILD_DIR] [TARGETS] [JOBS]: `mtlscert probe -f` with --jobs JOBS (64)
# over TARGETS (1,000) targets spread across 20 real STARTTLS servers on 127.0.0.10-29
# (tests/scripts/lib/fleet_server.py), against TARGETS single `mtlscert probe` runs in
# sequence. Prints the total wall time and peak RSS of each and the speed-up.
# Goals (issue 18): >= 20x faster, peak RSS < 64 MiB. Not part of the test suite.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
targets=${2:-1000}
jobs=${3:-64}
mtlscert=$build/tools/mtlscert
[[ -x $mtlscert ]] || { echo "bench/probe_fleet.sh: $mtlscert not built" >&2; exit 2; }
source "$src/tests/scripts/lib/tls_servers.sh"
dir=$(mktemp -d)
trap 'ts_cleanup; rm -rf "$dir"' EXIT
ts_init "$dir"
ts_cert good mx.test.example
servers=()
for i in $(seq 10 29); do
  ts_start "127.0.0.$i" good
  servers+=("$TS_ADDR")
done
for ((i = 0; i < targets; i++)); do echo "${servers[i % 20]}"; done >"$dir/list"
common=(--cacert "$dir/ca/ca.crt" --servername mx.test.example --ehlo bench.example --timeout 20)

# run_measured OUT CMD...: runs CMD, writes "wall_ms max_rss_kib" of it (and its children) to OUT.
run_measured() {
  local out=$1
  shift
  python3 - "$out" "$@" <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = (time.monotonic() - t) * 1000
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(out, "w").write(f"{wall:.0f} {rss}\n")
PY
}

# Every target must succeed before anything is timed.
"$mtlscert" probe -f "$dir/list" "${common[@]}" --jobs "$jobs" -q >"$dir/check.txt" ||
  { tail -n 12 "$dir/check.txt" >&2; echo "bench/probe_fleet.sh: some targets failed" >&2; exit 1; }

run_measured "$dir/fleet" "$mtlscert" probe -f "$dir/list" "${common[@]}" --jobs "$jobs" --json
cat >"$dir/seq.sh" <<SEQ
while read -r t; do "$mtlscert" probe "\$t" ${common[*]} --json >/dev/null || exit 1; done <"$dir/list"
SEQ
run_measured "$dir/seq" bash "$dir/seq.sh"
read -r fw frss <"$dir/fleet"
read -r sw srss <"$dir/seq"
printf 'targets: %d over 20 servers (127.0.0.10-29, python3 STARTTLS, TLS 1.3, ECDSA P-256)\n' "$targets"
printf 'probe -f --jobs %-3d  total %8.2f s   peak RSS %6.1f MiB\n' "$jobs" "$(echo "$fw / 1000" | bc -l)" \
  "$(echo "$frss / 1024" | bc -l)"
printf '%d x probe, in turn  total %8.2f s   peak RSS %6.1f MiB (largest single run)\n' "$targets" \
  "$(echo "$sw / 1000" | bc -l)" "$(echo "$srss / 1024" | bc -l)"
printf 'speed-up %.1fx (goal >= 20x), fleet peak RSS %.1f MiB (goal < 64 MiB)\n' "$(echo "$sw / $fw" | bc -l)" \
  "$(echo "$frss / 1024" | bc -l)"
