#!/usr/bin/env bash
# label: cli
# man_lint.sh BIN SRC: the manual pages agree with the binary.
#  1. every man/*.1 is clean under `mandoc -Tlint -Wwarning` (no output at all);
#  2. every command listed by `mtlscert --help` has man/mtlscert-<command>.1, every
#     man/mtlscert-*.1 is a command, and mtlscert.1 refers to each (Xr mtlscert-<command> 1);
#  3. each page defines (in an `.It Fl ...` entry) exactly the long flags the command's --help
#     shows; for a command with subcommands (`bundle check`, `bundle trim`) its page must
#     define the flags of all of them. mtlscert.1 is compared with `mtlscert --help`.
#     (--help itself need not be listed.) A flag merely mentioned in prose does not count.
#  4. each page has the sections SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES and
#     SEE ALSO, and is clean under `groff -mdoc -ww -z` too (groff warns where mandoc does not);
#  5. the hidden `completion` command has its page like the listed ones.
set -uo pipefail
bin=$1
src=$2
man="$src/man"
command -v mandoc >/dev/null || { echo "man_lint: mandoc not installed (apt-get install mandoc)"; exit 77; }
fail=0
problem() { echo "man_lint: $*" >&2; fail=1; }

# subcommands: names under "Subcommands:" of a help text on stdin.
subcommands() { awk '/^Subcommands:$/ {f = 1; next} f && /^  [^ ]/ {print $1; next} f && !/^ / {f = 0}'; }
# help_flags: long flags defined in the "Options:" section of a help text on stdin.
help_flags() {
  awk '/^Options:$/ {f = 1; next} f && !/^ / {f = 0} f && /^  -/ {print $1}' |
    tr ',' '\n' | grep -E '^--[a-z0-9]' | grep -vx -- '--help' || true
}
# page_flags: long flags defined by `.It Fl` entries of a page.
page_flags() {
  grep -E '^\.It .*Fl -' "$1" | grep -oE 'Fl -[a-z0-9][a-z0-9_-]*' | sed 's/^Fl /-/' | grep -vx -- '--help' || true
}
# all_help_flags CMD...: the flags of a command and of all its subcommands, recursively.
all_help_flags() {
  local help
  help=$("$bin" "$@" --help) || { problem "'mtlscert $* --help' failed"; return; }
  help_flags <<<"$help"
  local sub
  for sub in $(subcommands <<<"$help"); do all_help_flags "$@" "$sub"; done
}
compare() {  # compare PAGE WHAT < help flags
  local page=$1 what=$2 help_list page_list
  help_list=$(sort -u)
  page_list=$(page_flags "$page" | sort -u)
  local missing extra
  missing=$(comm -23 <(echo "$help_list") <(echo "$page_list") | grep . || true)
  extra=$(comm -13 <(echo "$help_list") <(echo "$page_list") | grep . || true)
  [[ -z $missing ]] || problem "$(basename "$page"): flags of '$what --help' not defined in the page:" $missing
  [[ -z $extra ]] || problem "$(basename "$page"): flags defined in the page but not in '$what --help':" $extra
}

shopt -s nullglob
pages=("$man"/*.1)
((${#pages[@]} > 0)) || problem "no man pages in $man"
for page in "${pages[@]}"; do
  out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
  [[ -z $out ]] || problem "mandoc -Tlint -Wwarning $(basename "$page"):"$'\n'"$out"
  for section in SYNOPSIS DESCRIPTION OPTIONS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
    grep -qx "\.Sh $section" "$page" || problem "$(basename "$page"): no $section section"
  done
  if command -v groff >/dev/null; then
    out=$(groff -mdoc -ww -z "$page" 2>&1)
    [[ -z $out ]] || problem "groff -mdoc -ww $(basename "$page"):"$'\n'"$out"
  else
    problem "groff not installed (apt-get install groff-base)"
  fi
done

root_help=$("$bin" --help) || problem "'mtlscert --help' failed"
[[ -f $man/mtlscert.1 ]] || problem "man/mtlscert.1 is missing"
[[ -f $man/mtlscert.1 ]] && compare "$man/mtlscert.1" "mtlscert" < <(help_flags <<<"$root_help")
commands=$(subcommands <<<"$root_help")
[[ -n $commands ]] || problem "'mtlscert --help' lists no commands"
commands+=$'\ncompletion'  # hidden from --help (a packaging helper), documented all the same
for cmd in $commands; do
  page="$man/mtlscert-$cmd.1"
  if [[ ! -f $page ]]; then
    problem "command '$cmd' has no man page (man/mtlscert-$cmd.1)"
    continue
  fi
  grep -qE "^\.Xr mtlscert-$cmd 1( ,)?\$" "$man/mtlscert.1" || problem "mtlscert.1 does not refer to mtlscert-$cmd(1)"
  compare "$page" "mtlscert $cmd" < <(all_help_flags "$cmd")
done
for page in "$man"/mtlscert-*.1; do
  cmd=$(basename "$page" .1)
  cmd=${cmd#mtlscert-}
  grep -qx -- "$cmd" <<<"$commands" || problem "$(basename "$page") has no command '$cmd' in 'mtlscert --help'"
done

((fail == 0)) && echo "man_lint: ${#pages[@]} pages lint-clean and in step with --help"
exit "$fail"
