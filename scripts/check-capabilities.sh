#!/usr/bin/env bash
# check-capabilities.sh: check every external capability the test suite relies on, before
# any build, and fail naming the Debian package to install. A missing capability is a
# failure, never a skip: tests that would otherwise skip themselves (exit 77) or fail
# obscurely (swaks without Net::SSLeay: "TLS not available") are caught here first, with
# the fix. scripts/test-all.sh runs it before building; it is also the first CTest test
# ("guard: capabilities", label guard), so a plain `ctest` fails on a machine that lacks one.
#
#   check-capabilities.sh           check all; one line per missing capability; exit 0/1
#   check-capabilities.sh -v        also print each capability that is present
#   check-capabilities.sh --list    print the table (capability, package, who needs it)
#
# The table below is the one place that says what the suite needs from the machine; every
# package it names must also be in scripts/install-deps.sh (checked at the end).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
verbose=0 list=0
case ${1:-} in
  -v) verbose=1 ;;
  --list) list=1 ;;
  '') ;;
  *) echo "usage: $0 [-v | --list]" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
cleanup() { umount "$tmp/mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# Probes that take more than one command.
probe_tmpfs() {  # fault_injection.sh's disk-full and read-only cells mount a tmpfs and remount it ro
  mkdir -p "$tmp/mnt" && mount -t tmpfs -o size=64k tmpfs "$tmp/mnt" &&
    mount -o remount,ro "$tmp/mnt" && umount "$tmp/mnt"
}
probe_fuzzer() {  # what the sanitizer tree links: libFuzzer + ASan + UBSan from libclang-rt
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$tmp/f.cc" &&
    clang++ -fsanitize=fuzzer,address,undefined "$tmp/f.cc" -o "$tmp/f" && "$tmp/f" -runs=1
}
probe_exim_debs() {  # init_exim.sh unpacks them (exim_harness.sh); install-deps.sh downloads them
  local p
  for p in exim4-base exim4-daemon-light exim4-config; do
    compgen -G "${MTLSCERT_DEB_CACHE:-/var/cache/mtlscert/debs}/${p}_*.deb" >/dev/null || return 1
  done
}
probe_sendmail() {  # the harness runs `sendmail` from PATH: it must be Berkeley sendmail itself
  [[ $(readlink -f "$(command -v sendmail)") == /usr/libexec/sendmail/sendmail ]]
}

# cap NAME PACKAGE WHY PROBE: one row. PROBE is bash, run quietly; exit 0 means present.
# PACKAGE '-' means no package provides it (an environment property, said in WHY).
rows=()
cap() { rows+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"); }

# --- the table: capability | Debian package | who needs it | probe ------------------------
# environment
cap "root"                  -               "tests run as root: sendmail daemon mode, setpriv, mount (CI runs as root)" '[[ $(id -u) == 0 ]]'
cap "mount namespaces"      util-linux      "sendmail harness: unshare -m for its private /dev/log (needs CAP_SYS_ADMIN)" 'unshare -m --propagation private true'
cap "tmpfs mounts"          mount           "fault_injection.sh: disk-full and read-only cells (needs CAP_SYS_ADMIN)" 'probe_tmpfs'
cap "127.0.0.2 on loopback" -               "init_sendmail.sh: swaks --local-interface 127.0.0.2 (the lo device)" 'python3 -c "import socket; socket.socket().bind((\"127.0.0.2\", 0))"'
# build (normal tree: gcc; sanitizer and fuzz tree: clang)
cap "cmake, cpack"          cmake           "the build, package.sh (cpack -G DEB)" 'cmake --version && cpack --version'
cap "ninja"                 ninja-build     "scripts/build.sh (-G Ninja)" 'ninja --version'
cap "g++"                   build-essential "the normal build" 'g++ --version'
cap "pkg-config"            pkg-config      "the build finds libidn2 through it" 'pkg-config --version'
cap "ccache"                ccache          "scripts/build.sh: keeps the test command's rebuilds short" 'ccache --version'
cap "OpenSSL headers"       libssl-dev      "libmtlscert" 'pkg-config --exists "openssl >= 3"'
cap "fmt headers"           libfmt-dev      "libmtlscert" '[[ -f /usr/include/fmt/format.h ]]'
cap "CLI11 headers"         libcli11-dev    "tools/cli.cc" '[[ -f /usr/include/CLI/CLI.hpp ]]'
cap "nlohmann json headers" nlohmann-json3-dev "--json documents" '[[ -f /usr/include/nlohmann/json.hpp ]]'
cap "doctest"               doctest-dev     "unit, cli and net tests" '[[ -f /usr/include/doctest/doctest.h ]]'
cap "libidn2 headers"       libidn2-dev     "host-name checks" 'pkg-config --exists libidn2'
cap "libunbound headers"    libunbound-dev  "lib/dns/resolver: DNSSEC-validating lookups" '[[ -f /usr/include/unbound.h ]] && ldconfig -p | grep libunbound.so >/dev/null'
cap "clang++"               clang           "the sanitizer tree and the libFuzzer targets" 'clang++ --version'
cap "libFuzzer+ASan+UBSan runtime" libclang-rt-14-dev "tests/fuzz (-fsanitize=fuzzer), the sanitizer suite" 'probe_fuzzer'
# independent peers and helpers the tests call
cap "openssl CLI"           openssl         "cli tests' independent checks, s_client in the integration tests and interop_matrix.sh (-brief -nocommands)" 'openssl version && openssl s_client -help 2>&1 | grep -- -nocommands >/dev/null'
cap "CA certificates"       ca-certificates "bundle tests read the system CA store" '[[ -s /etc/ssl/certs/ca-certificates.crt ]]'
cap "python3 json, socket, re, os" python3  "sendmail harness (syslog listener, free port), probe_sendmail.sh" 'python3 -c "import json, os, re, socket, sys"'
cap "python3 ssl, threading"   python3  "https_policy_server.py (mta_sts.sh), starttls_server.py: TLS servers" 'python3 -c "import ssl, threading; ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)"'
cap "awk"                   mawk            "completion.sh, man_lint.sh" 'awk "BEGIN { exit 0 }"'
cap "script (a pty)"        bsdutils        "cli terminal tests: colour only on a terminal" 'script -qec true /dev/null'
cap "pgrep"                 procps          "test-all.sh: the overlapped sanitizer build back to normal priority" 'pgrep -P 1'
cap "setpriv"               util-linux      "hostile_input.sh: the unreadable-file row runs unprivileged" 'setpriv --reuid=65534 --regid=65534 --clear-groups true'
cap "prlimit"               util-linux      "fault_injection.sh (--fsize), hostile_input.sh (--as)" 'prlimit --fsize=1000000 true'
cap "iconv UTF-16"          libc-bin        "hostile_input.sh: the UTF-16 row" 'echo x | iconv -f UTF-8 -t UTF-16'
cap "strace (ptrace)"       strace          "fault_injection.sh: SIGKILL mid-write, the mode trace" 'strace -qq -o /dev/null true'
cap "zsh"                   zsh             "completion.sh: the zsh completion" 'zsh -fc true'
cap "mandoc"                mandoc          "man_lint.sh, man_lint_selftest.sh" 'mandoc -Tascii </dev/null'
cap "man -l"                man-db          "package.sh: the installed man page renders" 'command -v man'
cap "dpkg-deb"              dpkg            "package.sh" 'dpkg-deb --version'
cap "dpkg-shlibdeps"        dpkg-dev        "package.sh: Depends of the .deb" 'command -v dpkg-shlibdeps'
cap "file"                  file            "package.sh: CPackDeb runs file(1) on the binaries" 'file --version'
# a real sendmail (integration tests, emit_mc_m4.sh)
cap "m4"                    m4              "emit_mc_m4.sh, the sendmail harness builds .cf files" 'm4 --version'
cap "sendmail"              sendmail-bin    "integration tests run a real sendmail daemon" 'probe_sendmail'
cap "makemap"               sendmail-bin    "init_sendmail.sh, interop_matrix.sh, crl_sendmail.sh: the access map" 'command -v makemap'
cap "openssl ca -crl_nextupdate" openssl    "crl_sendmail.sh: a stale CRL signed by an independent tool (OpenSSL >= 3.0)" 'openssl ca -help 2>&1 | grep crl_nextupdate >/dev/null'
cap "sendmail cf macros"    sendmail-cf     "cf.m4, OSTYPE(debian), DOMAIN(debian-mta) for every test .mc" '[[ -f /usr/share/sendmail/cf/m4/cf.m4 && -f /usr/share/sendmail/cf/ostype/debian.m4 && -f /usr/share/sendmail/cf/domain/debian-mta.m4 ]]'
cap "swaks"                 swaks           "integration tests, interop_matrix.sh: an independent SMTP client (--tls-protocol)" 'swaks --version'
cap "swaks with TLS (Net::SSLeay)" libnet-ssleay-perl "swaks --tls in init_sendmail.sh, sendmail_starttls.sh (swaks only Recommends it)" 'perl -MNet::SSLeay -e1 && swaks --support 2>&1 | grep "^=== TLS supported" >/dev/null'
# a real Postfix, unpacked from its .deb into the build tree (tests/scripts/lib/postfix_harness.sh)
cap "postfix .deb (cached)"   -             "init_postfix.sh: scripts/install-deps.sh downloads it into /var/cache/mtlscert/debs" 'ls ${MTLSCERT_DEB_CACHE:-/var/cache/mtlscert/debs}/postfix_*.deb'
cap "user postfix, group postdrop" -        "init_postfix.sh: smtpd runs as postfix (scripts/install-deps.sh creates them)" 'getent passwd postfix && getent group postdrop'
cap "Berkeley DB library"   libdb5.3        "the unpacked Postfix links it" 'ldconfig -p | grep "libdb-5.3.so" >/dev/null'
cap "ICU library"           libicu72        "the unpacked Postfix links it" 'ldconfig -p | grep "libicuuc.so.72" >/dev/null'
cap "libnsl"                libnsl2         "the unpacked Postfix links it" 'ldconfig -p | grep "libnsl.so.2" >/dev/null'
cap "SASL library"          libsasl2-2      "the unpacked Postfix links it" 'ldconfig -p | grep "libsasl2.so.2" >/dev/null'
cap "dpkg -x"               dpkg            "postfix_harness.sh unpacks the .deb" 'dpkg-deb --version'
# a real Exim 4.96, unpacked from Debian's .debs into the build tree (init_exim.sh)
cap "exim4 .debs"           -               "init_exim.sh: exim4-base, -daemon-light, -config in /var/cache/mtlscert/debs (install-deps.sh downloads them)" 'probe_exim_debs'
cap "exim4 libraries"       libgnutls-dane0 "the unpacked exim4 binary links libgnutls-dane, libidn 12, libdb, libnsl, pcre2" 'ldconfig -p >"$tmp/ld" && grep -q libgnutls-dane.so.0 "$tmp/ld" && grep -q libidn.so.12 "$tmp/ld" && grep -q libnsl.so.2 "$tmp/ld"'
cap "user Debian-exim"      -               "init_exim.sh: Exim drops to its compiled-in user (install-deps.sh creates it)" 'getent passwd Debian-exim'
cap "overlay mount in a namespace" mount    "exim harness: /usr/sbin/exim4 visible only inside unshare -m (Exim re-execs it)" 'unshare -m --propagation private sh -c "mkdir -p $tmp/ovl && mount -t overlay overlay -o lowerdir=$tmp/ovl:/usr/sbin /usr/sbin"'
cap "gnutls-cli"            gnutls-bin      "init_exim.sh, interop_matrix.sh: an independent GnuTLS client (STARTTLS, TLS 1.2 and 1.3)" 'gnutls-cli --help | grep -- --starttls-proto >/dev/null'
# DNS on loopback (tests/scripts/lib/dns_harness.sh: dane.sh, probe_mx.sh)
cap "unbound (daemon)"      unbound         "dns_harness.sh: serves and validates the signed test zone on 127.0.0.x" '[[ -x /usr/sbin/unbound && -x /usr/sbin/unbound-control && -x /usr/sbin/unbound-checkconf ]]'
cap "ldns-keygen, ldns-signzone" ldnsutils  "dns_harness.sh: the test zone is signed at test time (drill for diagnostics)" 'command -v ldns-keygen && command -v ldns-signzone && command -v drill'
# a real ACME CA and client, all on 127.0.0.1 (tests/scripts/acme_renew.sh)
cap "pebble"                pebble          "acme_renew.sh: a test ACME CA on loopback" 'command -v pebble'
cap "curl"                  curl            "acme_renew.sh: waits for pebble's ACME directory" 'curl --version'
cap "certbot"               certbot         "acme_renew.sh: renews against pebble, install-cert as its --deploy-hook" 'certbot --version'
# -------------------------------------------------------------------------------------------

if ((list)); then
  printf '%s\n' "${rows[@]}" | awk -F'\t' '{ printf "%-32s %-20s %s\n", $1, $2, $3 }'
  exit 0
fi

missing=() packages=() bad=0
for row in "${rows[@]}"; do
  IFS=$'\t' read -r name package why probe <<<"$row"
  if (eval "$probe") >"$tmp/probe.out" 2>&1; then
    ((verbose)) && printf 'ok: %s\n' "$name"
    continue
  fi
  bad=$((bad + 1))
  if [[ $package == - ]]; then
    printf 'MISSING: %s, needed by %s\n    probe: %s\n' "$name" "$why" "$probe" >&2
  elif dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep 'install ok installed' >/dev/null; then
    printf 'MISSING: %s, needed by %s\n    probe: %s\n    package %s is installed, yet the probe fails: run it by hand (not root? a container without that privilege?)\n' \
      "$name" "$why" "$probe" "$package" >&2
  else
    printf 'MISSING: %s, needed by %s\n    install: apt-get install %s\n' "$name" "$why" "$package" >&2
    [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
  fi
  ((verbose)) && sed 's/^/    | /' "$tmp/probe.out" | tail -n 5 >&2
done

# Every package of the table must be installed by install-deps.sh, or a fresh machine lacks it.
listed=$("$src/scripts/install-deps.sh" --list)
essential=$(dpkg-query -W -f='${Package} ${Essential}\n' 2>/dev/null | awk '$2 == "yes" { print $1 }')
for row in "${rows[@]}"; do
  IFS=$'\t' read -r name package _ <<<"$row"
  [[ $package == - ]] && continue
  grep -qxF -- "$package" <<<"$listed"$'\n'"$essential" && continue
  [[ " ${packages[*]} " == *" $package "* ]] && continue
  packages+=("$package")
  printf 'NOT IN install-deps.sh: %s (for %s): add it to scripts/install-deps.sh\n' "$package" "$name" >&2
  bad=$((bad + 1))
done

if ((bad == 0)); then
  echo "check-capabilities: all ${#rows[@]} capabilities present"
  exit 0
fi
echo "check-capabilities: FAILED: $bad of ${#rows[@]} checks failed" >&2
((${#missing[@]})) && echo "check-capabilities: install with: apt-get install -y --no-install-recommends ${missing[*]}  (or ./scripts/install-deps.sh)" >&2
exit 1
