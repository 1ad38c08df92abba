#!/usr/bin/env bash
# label: package
# package.sh BIN SRC: the Debian package of this build works once installed.
#  1. `cpack -G DEB` in this build dir makes mtlscert_*.deb (in a temp dir);
#  2. `dpkg-deb -I` shows Depends on libssl3, libfmt9 and libidn2-0 (dpkg-shlibdeps);
#  3. `dpkg -x` into a throwaway root; the binary there runs (--version, --help, genkey);
#  4. the man page is gzipped and renders, the bash and zsh completion files and the
#     templates directory are where bash-completion, zsh and mtlscert look for them;
#     every JSON Schema of schemas/ is in usr/share/mtlscert/schemas.
# Skipped (77) without dpkg-deb/dpkg-shlibdeps/cpack. Needs the build to be complete.
set -uo pipefail
bin=$1
build=$(cd "$(dirname "$bin")/.." && pwd)
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "package: $tool not installed (apt-get install dpkg-dev cmake)"; exit 77; }
done
[[ -f $build/CPackConfig.cmake ]] || { echo "package: no CPackConfig.cmake in $build" >&2; exit 1; }
fail=0
problem() { echo "package: $*" >&2; fail=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log" >&2
  echo "package: cpack -G DEB failed" >&2
  exit 1
fi
debs=("$tmp"/out/mtlscert_*.deb)
[[ -f ${debs[0]} ]] || { echo "package: cpack made no mtlscert_*.deb:" "$tmp"/out/* >&2; exit 1; }
deb=${debs[0]}

info=$(dpkg-deb -I "$deb") || problem "dpkg-deb -I $(basename "$deb") failed"
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
depends_names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//')
for lib in libssl3 libfmt9 libidn2-0 libc6 libstdc++6; do
  grep -qxF -- "$lib" <<<"$depends_names" || problem "Depends does not name $lib: '$depends'"
done
grep -q '^ Section: mail$' <<<"$info" || problem "Section is not mail"
grep -q '^ Package: mtlscert$' <<<"$info" || problem "Package is not mtlscert"

root="$tmp/root"
dpkg -x "$deb" "$root" || { echo "package: dpkg -x failed" >&2; exit 1; }
installed="$root/usr/bin/mtlscert"
[[ -x $installed ]] || { echo "package: no executable usr/bin/mtlscert in the package" >&2; exit 1; }
# Run from the throwaway root, not the build: a build path must not be needed.
[[ $("$installed" --version) == "mtlscert "* ]] || problem "'usr/bin/mtlscert --version' did not print the version"
"$installed" --help | grep '^  genkey ' >/dev/null || problem "'usr/bin/mtlscert --help' does not list genkey"
out=$("$installed" genkey --type ecdsa -o "$tmp/k.pem" 2>&1) || problem "installed genkey failed: $out"
[[ $(stat -c %a "$tmp/k.pem" 2>/dev/null) == 600 ]] || problem "installed genkey did not write a 0600 key"
if command -v openssl >/dev/null; then
  openssl pkey -in "$tmp/k.pem" -noout -check >/dev/null 2>&1 || problem "openssl rejects the installed genkey's key"
fi

man1="$root/usr/share/man/man1"
for page in "$2"/man/*.1; do
  name=$(basename "$page")
  [[ -f $man1/$name.gz ]] || { problem "usr/share/man/man1/$name.gz missing (pages must be gzipped)"; continue; }
  [[ ! -e $man1/$name ]] || problem "usr/share/man/man1/$name shipped uncompressed"
  cmp -s <(gzip -dc "$man1/$name.gz") "$page" || problem "$name.gz is not man/$name"
done
rendered=$(MANWIDTH=80 man -l "$man1/mtlscert.1.gz" 2>/dev/null || mandoc -Tascii "$man1/mtlscert.1.gz" 2>/dev/null)
grep -q 'STARTTLS certificates for mail servers' <<<"$rendered" || problem "mtlscert.1.gz does not render"

bash_completion="$root/usr/share/bash-completion/completions/mtlscert"
[[ -f $bash_completion ]] || problem "usr/share/bash-completion/completions/mtlscert missing"
[[ -f $bash_completion ]] && ! bash -c "source '$bash_completion' && complete -p mtlscert" >/dev/null 2>&1 &&
  problem "the installed bash completion does not register itself"
[[ -f $root/usr/share/zsh/vendor-completions/_mtlscert ]] || problem "usr/share/zsh/vendor-completions/_mtlscert missing"
[[ -f $root/usr/share/mtlscert/templates/README ]] || problem "usr/share/mtlscert/templates/ missing"
for f in "$2"/templates/*; do
  [[ -f $root/usr/share/mtlscert/templates/$(basename "$f") ]] || problem "template $(basename "$f") not installed"
done
for f in "$2"/schemas/*.schema.json; do
  cmp -s "$f" "$root/usr/share/mtlscert/schemas/$(basename "$f")" ||
    problem "schema $(basename "$f") not installed in usr/share/mtlscert/schemas"
done
# Nothing but the documented files: no headers, no static library, no build paths.
extra=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -vE '^\./usr/(bin/mtlscert|share/(man/man1/mtlscert[a-z-]*\.1\.gz|bash-completion/completions/mtlscert|zsh/vendor-completions/_mtlscert|mtlscert/(templates|schemas)/.*)|)$' |
  grep -vE '/$' || true)
[[ -z $extra ]] || problem "unexpected files in the package:"$'\n'"$extra"

((fail == 0)) && echo "package: $(basename "$deb") installs and runs from a throwaway root (Depends: $depends)"
exit "$fail"
