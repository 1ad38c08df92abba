#!/usr/bin/env bash
# fuzz-long.sh [BUILD_DIR] [SECONDS] [TARGET...]: run libFuzzer targets for longer than the smoke
# (default 600 s each, one at a time, -jobs as MTLSCERT_FUZZ_JOBS, default 1), then merge what they
# found into a minimal corpus in BUILD_DIR/fuzz-long/<target>/ (seeds + new inputs).
# Interesting new inputs can be copied by hand into tests/fuzz/corpus/<target>/ (keep them small).
# Needs the sanitizer tree:
#   CC=clang CXX=clang++ ./scripts/build.sh build-asan -DMTLSCERT_SANITIZE=ON -DMTLSCERT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
#   bench/fuzz-long.sh build-asan 600
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-asan}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
jobs=${MTLSCERT_FUZZ_JOBS:-1}
out="$build/fuzz-long"
mkdir -p "$out"
targets=("$@")
if ((${#targets[@]} == 0)); then
  for t in "$build"/tests/fuzz/fuzz_*; do [[ -x "$t" && -f "$t" ]] && targets+=("$(basename "$t")"); done
fi
status=0
for name in "${targets[@]}"; do
  bin="$build/tests/fuzz/$name"
  seeds="$src/tests/fuzz/corpus/$name"
  work="$out/$name.work"
  merged="$out/$name"
  mkdir -p "$work" "$merged"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$out/$name-")
  [[ -f "$src/tests/fuzz/$name.dict" ]] && args+=(-dict="$src/tests/fuzz/$name.dict")
  ((jobs > 1)) && args+=(-jobs="$jobs" -workers="$jobs")
  log="$out/$name.log"
  echo "fuzz-long: $name for ${seconds}s (log $log)"
  if nice "$bin" "${args[@]}" "$work" "$merged" "$seeds" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | awk "{s+=\$1} END {print s}" || echo "?")
    # Merge: keep only inputs that add coverage, into the merged corpus.
    nice "$bin" -merge=1 "$merged" "$work" "$seeds" >"$out/$name.merge.log" 2>&1 || true
    rm -rf "$work"
    echo "fuzz-long: $name ok, $runs executions in ${seconds}s, merged corpus: $(find "$merged" -type f | wc -l) inputs in $merged"
  else
    echo "fuzz-long: $name FAILED; reproducer(s):" >&2
    ls "$out/$name"-* 2>/dev/null | sed 's/^/  /' >&2 || true
    tail -n 40 "$log" >&2
    status=1
  fi
done
exit $status
