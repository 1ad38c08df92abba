#!/usr/bin/env bash
# run-smoke.sh [BUILD_DIR] [SECONDS]: run every libFuzzer target briefly on its seed corpus,
# MTLSCERT_FUZZ_JOBS (default 2) at a time. Part of the README's test command (scripts/test-all.sh);
# bench/fuzz-long.sh runs them for longer. Prints one line per target:
#   fuzz: fuzz_objects ok, 123456 executions in 30s
# and on a crash the tail of the log and the reproducer's path; exit 1 if any target failed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-asan}
seconds=${2:-${MTLSCERT_FUZZ_SECONDS:-30}}
jobs=${MTLSCERT_FUZZ_JOBS:-2}
work="$build/fuzz-corpus"
mkdir -p "$work"

# run_one NAME: fuzz one target; writes "$work/NAME.result" (the summary line) and returns its status.
run_one() {
  local name=$1 target="$build/tests/fuzz/$1"
  local corpus="$work/$name" seeds="$src/tests/fuzz/corpus/$name" log="$work/$name.log"
  mkdir -p "$corpus"
  local args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
              -artifact_prefix="$work/$name-")
  [[ -f "$src/tests/fuzz/$name.dict" ]] && args+=(-dict="$src/tests/fuzz/$name.dict")
  local dirs=("$corpus")
  [[ -d "$seeds" ]] && dirs+=("$seeds")
  if nice "$target" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $name ok, $runs executions in ${seconds}s" >"$work/$name.result"
  else
    { echo "fuzz: $name FAILED; last lines of $log:"; tail -n 30 "$log"
      ls "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-* "$work/$name"-oom-* 2>/dev/null \
        | sed 's/^/reproducer: /' || true; } >"$work/$name.result"
    return 1
  fi
}

names=()
for target in "$build"/tests/fuzz/fuzz_*; do
  [[ -x "$target" && -f "$target" ]] || continue
  names+=("$(basename "$target")")
done
if ((${#names[@]} == 0)); then
  echo "fuzz: no targets in $build/tests/fuzz (configure with -DMTLSCERT_FUZZ=ON and clang)" >&2
  exit 1
fi

status=0
declare -A pids=()
for name in "${names[@]}"; do
  while ((${#pids[@]} >= jobs)); do
    wait -n || true
    for n in "${!pids[@]}"; do kill -0 "${pids[$n]}" 2>/dev/null || unset "pids[$n]"; done
  done
  rm -f "$work/$name.result"
  run_one "$name" &
  pids[$name]=$!
done
for name in "${names[@]}"; do
  [[ -n "${pids[$name]:-}" ]] && { wait "${pids[$name]}" || true; }
done
for name in "${names[@]}"; do
  if [[ -f "$work/$name.result" ]]; then
    if grep -q '^fuzz: .* ok, ' "$work/$name.result"; then
      cat "$work/$name.result"
    else
      cat "$work/$name.result" >&2
      status=1
    fi
  else
    echo "fuzz: $name did not report" >&2
    status=1
  fi
done
exit $status
