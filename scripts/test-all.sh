#!/usr/bin/env bash
# test-all.sh: install what is missing, build, and run every test:
#   1. the normal build (gcc, warnings as errors): unit, cli, net and integration tests
#      (a real sendmail on 127.0.0.1, started by the integration tests themselves);
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer (clang);
#   3. a short run of each libFuzzer target (built in the sanitizer tree), two at a time.
# Both suites include the fault-injection and hostile-input tables (tests/scripts/*.sh, label cli).
# Benchmarks are not part of it: see bench/.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/scripts/install-deps.sh"
jobs=$(nproc)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0
# run_ctest DIR LOG ARGS...: run ctest, keep its output, add its counts to the totals.
run_ctest() {
  local dir=$1 log=$2 rc=0
  shift 2
  (cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 | tee "$log" || rc=$?
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  if [[ -n "$line" ]]; then
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  fi
  return $rc
}

echo "== normal build"
"$src/scripts/build.sh" build
run_ctest build "$logs/normal.log" -LE bench

echo "== sanitizer build (clang: ASan + UBSan + LeakSanitizer, and the libFuzzer targets)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The script tests read this: no `prlimit --as` address-space cap (ASan reserves terabytes), and
# no LeakSanitizer under strace (it cannot run under ptrace).
export MTLSCERT_ASAN=1
CC=clang CXX=clang++ "$src/scripts/build.sh" build-asan \
  -DMTLSCERT_SANITIZE=ON -DMTLSCERT_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
run_ctest build-asan "$logs/asan.log" -LE bench

echo "== fuzz smoke (each target ${MTLSCERT_FUZZ_SECONDS:-30}s, ${MTLSCERT_FUZZ_JOBS:-2} at a time)"
"$src/tests/fuzz/run-smoke.sh" build-asan | tee "$logs/fuzz.log"
fuzz_ok=$(grep -c ' ok, ' "$logs/fuzz.log" || true)
passed=$((passed + fuzz_ok))
echo "== all tests passed (normal build, sanitizer build, fuzz smoke)"
echo "total: $passed passed, $failed failed"
