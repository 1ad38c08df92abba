#!/usr/bin/env bash
# label: unit
# CTest splits doctest case names at ';', and the pieces then run nothing yet "pass".
# Fail if any doctest case name contains a ';', so no test can silently stop running.
set -euo pipefail
bin_dir=$(dirname "$1")/../tests
status=0
for t in "$bin_dir"/unit_tests "$bin_dir"/cli_tests "$bin_dir"/net_tests; do
  [[ -x "$t" ]] || continue
  bad=$("$t" --list-test-cases --no-version | grep ';' || true)
  if [[ -n "$bad" ]]; then
    echo "test_names: $(basename "$t") has case names with ';' (CTest would split them):" >&2
    echo "$bad" >&2
    status=1
  fi
done
exit $status
