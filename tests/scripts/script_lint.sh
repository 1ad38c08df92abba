#!/usr/bin/env bash
# label: unit
# Under 'set -o pipefail' a reader that stops early (head, grep -q, grep -m, sed ...q) makes the
# writer die of SIGPIPE when it writes after the reader is gone, and the whole pipeline then fails
# at random: fresh-check run 3 lost fault_injection that way ('sort -u | head -n 5', silently, via
# set -e). Fail on any such pipe in the project's shell scripts; read the whole input instead
# ('sed -n 1p', 'grep PATTERN >/dev/null', or [[ $(...) == ... ]]).
set -euo pipefail
src=$2
status=0
early='\|[[:space:]]*(head([[:space:]]|$)|grep[[:space:]]+(-[A-Za-z]*[qm]|--quiet|--max-count)|sed[[:space:]]+(-n[[:space:]]+)?['"'"'"]?[0-9]*q)'
while IFS= read -r -d '' f; do
  hits=$(grep -nE "$early" "$f" | grep -v '^[0-9]*:[[:space:]]*#' || true)
  if [[ -n $hits ]]; then
    echo "script_lint: ${f#"$src"/}: a pipe into a reader that may stop early (SIGPIPE under pipefail):" >&2
    sed 's/^/    /' <<<"$hits" >&2
    status=1
  fi
done < <(find "$src/tests" "$src/scripts" "$src/bench" "$src/.ci" -type f \( -name '*.sh' -o -name run \) -not -path '*/build*' -not -name script_lint.sh -print0)
# The lint must catch what it is for: a known-bad line is flagged.
grep -qE "$early" <<<'x=$(sort -u out | head -n 5)' || { echo "script_lint: the pattern misses 'sort | head'" >&2; status=1; }
grep -qE "$early" <<<'producer | grep -q word' || { echo "script_lint: the pattern misses '| grep -q'" >&2; status=1; }
((status == 0)) && echo "script_lint: no early-closing reader after a pipe"
exit $status
