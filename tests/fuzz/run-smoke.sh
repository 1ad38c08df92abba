#!/usr/bin/env bash
# run-smoke.sh [BUILD_DIR] [SECONDS]: run every libFuzzer target briefly on its seed corpus.
# Part of the README's test command; bench/fuzz-long.sh runs them for longer.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-asan}
seconds=${2:-${MTLSCERT_FUZZ_SECONDS:-30}}
status=0
for target in "$build"/tests/fuzz/fuzz_*; do
  [[ -x "$target" ]] || continue
  name=$(basename "$target")
  corpus="$build/fuzz-corpus/$name"
  mkdir -p "$corpus"
  seeds="$src/tests/fuzz/corpus/$name"
  log="$build/fuzz-corpus/$name.log"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$build/fuzz-corpus/$name-")
  [[ -f "$src/tests/fuzz/$name.dict" ]] && args+=(-dict="$src/tests/fuzz/$name.dict")
  dirs=("$corpus")
  [[ -d "$seeds" ]] && dirs+=("$seeds")
  if "$target" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $name ok, $runs executions in ${seconds}s"
  else
    echo "fuzz: $name FAILED; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    status=1
  fi
done
exit $status
