#!/usr/bin/env bash
# label: cli
# man_lint_selftest.sh BIN SRC: man_lint.sh passes on the real pages and binary, and fails
# when either side is changed alone: a flag or command removed from, or added to, the man
# pages only, or added to --help only (a wrapper around the binary that adds an option line).
set -uo pipefail
bin=$1
src=$2
command -v mandoc >/dev/null || { echo "man_lint_selftest: mandoc not installed"; exit 77; }
lint="$src/tests/scripts/man_lint.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
problem() { echo "man_lint_selftest: $*" >&2; fail=1; }

# fresh: a copy of the man pages in $tmp/src/man (man_lint reads SRC/man).
fresh() { rm -rf "$tmp/src" && mkdir -p "$tmp/src" && cp -r "$src/man" "$tmp/src/man"; }
# expect_fail WHAT BIN MESSAGE: man_lint must fail on $tmp/src with BIN, saying MESSAGE.
expect_fail() {
  local out
  if out=$(bash "$lint" "$2" "$tmp/src" 2>&1); then
    problem "man_lint passed although $1"
  elif ! grep -q "man_lint: .*$3" <<<"$out"; then
    problem "man_lint failed but not with '$3' when $1: $out"
  fi
}

fresh
bash "$lint" "$bin" "$tmp/src" >/dev/null 2>&1 || problem "man_lint fails on an unchanged copy of the pages"

fresh
grep -q '^\.It Fl -force$' "$tmp/src/man/mtlscert-genkey.1" || problem "mtlscert-genkey.1 has no '.It Fl -force' to remove"
sed -i 's/^\.It Fl -force$/.It Fl -forced/' "$tmp/src/man/mtlscert-genkey.1"
expect_fail "mtlscert-genkey.1 lost --force (and defines --forced)" "$bin" "not defined in the page: --force"

fresh
rm "$tmp/src/man/mtlscert-inspect.1"
expect_fail "the inspect page is missing" "$bin" "command 'inspect' has no man page"

fresh
sed 's/mtlscert-inspect/mtlscert-frobnicate/g; s/MTLSCERT-INSPECT/MTLSCERT-FROBNICATE/' "$src/man/mtlscert-inspect.1" \
  >"$tmp/src/man/mtlscert-frobnicate.1"
expect_fail "a page documents a command the binary lacks" "$bin" "has no command 'frobnicate'"

fresh
cat >"$tmp/more-flags" <<WRAP
#!/bin/sh
# mtlscert, but 'genkey --help' also lists --frobnicate
if [ "\$1" = genkey ] && [ "\$2" = --help ]; then
  "$bin" "\$@" | sed 's/^Options:\$/Options:\\n  --frobnicate                Not in the man page/'
else
  exec "$bin" "\$@"
fi
WRAP
chmod +x "$tmp/more-flags"
"$tmp/more-flags" genkey --help | grep '^  --frobnicate ' >/dev/null || problem "the wrapper does not add --frobnicate"
expect_fail "'genkey --help' has a flag the page lacks" "$tmp/more-flags" "not defined in the page: --frobnicate"

((fail == 0)) && echo "man_lint_selftest: man_lint catches a change to either side"
exit "$fail"
