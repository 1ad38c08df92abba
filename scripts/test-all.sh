#!/usr/bin/env bash
# test-all.sh: install what is missing, build, and run every test:
#   1. the normal build (gcc, warnings as errors): unit, cli, net and integration tests
#      (a real sendmail on 127.0.0.1, started by the integration tests themselves);
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer);
#   3. a short run of each libFuzzer target, when tests/fuzz exists.
# Benchmarks are not part of it: see bench/.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/scripts/install-deps.sh"
jobs=$(nproc)

echo "== normal build"
"$src/scripts/build.sh" build
(cd build && ctest --output-on-failure -j"$jobs" -LE bench)

echo "== sanitizer build (ASan + UBSan)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$src/scripts/build.sh" build-asan -DMTLSCERT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest --output-on-failure -j"$jobs" -LE 'bench|integration')

if [[ -x "$src/tests/fuzz/run-smoke.sh" ]]; then
  echo "== fuzz smoke"
  "$src/tests/fuzz/run-smoke.sh"
fi
echo "== all tests passed"
