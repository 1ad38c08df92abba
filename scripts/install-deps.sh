#!/usr/bin/env bash
# install-deps.sh: install every Debian 12 package mtlscert needs to build, test and
# run its integration tests. Idempotent: installs only what is missing. Run as root.
# install-deps.sh --list: print the package names, one a line, and install nothing
# (scripts/check-capabilities.sh checks that every package it names is in this list).
# A minimal Debian 12 (mmdebstrap --variant=apt) has only the Essential packages: anything
# else a test calls must be listed here, and get a row in scripts/check-capabilities.sh.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  libssl-dev libfmt-dev libcli11-dev nlohmann-json3-dev doctest-dev libidn2-dev
  libunbound-dev
  # sanitizers and fuzzing (clang's runtime for libFuzzer/ASan/UBSan)
  clang libclang-rt-14-dev
  # independent peers and tools used by the tests
  openssl ca-certificates python3 mandoc util-linux procps
  # real certificate files of public test suites: the differential test of the CA-list reader
  libpython3.11-testsuite python3-certifi python3-cryptography-vectors
  # the published JSON Schemas (schemas/), checked against every --json output
  python3-jsonschema groff-base
  # packaging checks: the zsh completion test, the .deb test (dpkg-deb, dpkg-shlibdeps), man -l
  zsh dpkg-dev man-db
  # a real sendmail for the integration tests
  sendmail-bin sendmail-cf m4 swaks
  # swaks only Recommends its TLS modules, and --no-install-recommends leaves them out:
  # without Net::SSLeay `swaks --tls` exits "TLS not available" (issue 11)
  libnet-ssleay-perl libio-socket-ssl-perl
  # not Essential, so absent from a minimal Debian 12: CPackDeb's `file` (package test),
  # awk (completion, man_lint), mount (fault injection, the sendmail harness)
  file mawk mount
  # fault injection (tests/scripts/fault_injection.sh: SIGKILL mid-write, mode trace)
  strace
  # Postfix runs unpacked from its .deb (it conflicts with sendmail): its libraries
  libdb5.3 libicu72 libnsl2 libsasl2-2 netbase
  # Exim 4.96 runs unpacked too: the other libraries of exim4-daemon-light, and gnutls-cli as an
  # independent GnuTLS peer (tests/scripts/init_exim.sh, and a client of interop_matrix.sh)
  libgnutls-dane0 libidn12 libpcre2-8-0 gnutls-bin
  # DNS on loopback for DANE and probe --mx (tests/scripts/lib/dns_harness.sh): a zone signed at
  # test time (ldns-keygen, ldns-signzone) served and validated by private unbound instances
  unbound ldnsutils
  # a real ACME CA and client on loopback (tests/scripts/acme_renew.sh): renewals into sendmail;
  # curl waits for pebble's directory to answer
  pebble certbot curl
)

# MTAs that conflict with the installed sendmail (each provides mail-transport-agent): their
# .debs are downloaded here and unpacked by the test harnesses into the build tree, never
# installed (tests/scripts/lib/postfix_harness.sh).
deb_cache=${MTLSCERT_DEB_CACHE:-/var/cache/mtlscert/debs}
unpacked_debs=(postfix exim4-base exim4-daemon-light exim4-config)

# fetch_unpacked_mtas: download each missing .deb of unpacked_debs, and create the system
# users and groups their daemons run as (what their postinst would have made).
fetch_unpacked_mtas() {
  local d
  mkdir -p "$deb_cache"
  for d in "${unpacked_debs[@]}"; do
    if ! ls "$deb_cache/${d}_"*.deb >/dev/null 2>&1; then
      echo "install-deps: downloading $d.deb into $deb_cache (unpacked by the tests, not installed)"
      (cd "$deb_cache" && apt-get download -q "$d")
    fi
  done
  getent group postfix >/dev/null || groupadd --system postfix
  getent group postdrop >/dev/null || groupadd --system postdrop
  getent passwd postfix >/dev/null ||
    useradd --system --gid postfix --no-create-home --home-dir /var/spool/postfix --shell /usr/sbin/nologin postfix
  # Exim drops to its compiled-in user Debian-exim before it reads its TLS files.
  getent group Debian-exim >/dev/null || groupadd --system Debian-exim
  getent passwd Debian-exim >/dev/null ||
    useradd --system --gid Debian-exim --no-create-home --home-dir /var/spool/exim4 --shell /usr/sbin/nologin Debian-exim
}

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *"install ok installed"* ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    fetch_unpacked_mtas
  elif ! ls "$deb_cache"/postfix_*.deb >/dev/null 2>&1; then
    echo "install-deps: run as root to download ${unpacked_debs[*]} into $deb_cache" >&2
    exit 2
  fi
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d that denies starts keeps the package scripts from launching the
# system's sendmail on port 25; the tests start their own on a private port.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
fetch_unpacked_mtas
