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
  # a real Exim 4.96, unpacked (never installed: it conflicts with sendmail): the libraries
  # of exim4-daemon-light, and gnutls-cli as an independent GnuTLS peer (init_exim.sh)
  libgnutls-dane0 libidn12 libdb5.3 libnsl2 libpcre2-8-0 gnutls-bin
)

# The Exim .debs are downloaded, not installed, into this cache (tests/scripts/lib/exim_harness.sh
# unpacks them with dpkg -x); Exim drops to its compiled-in user Debian-exim, made here if missing.
exim_debs_dir=${MTLSCERT_DEBS:-/var/cache/mtlscert/debs}
exim_debs=(exim4-base exim4-daemon-light exim4-config)
exim_extras() {
  local missing_debs=() p
  for p in "${exim_debs[@]}"; do
    compgen -G "$exim_debs_dir/${p}_*.deb" >/dev/null || missing_debs+=("$p")
  done
  if ((${#missing_debs[@]})) || ! getent passwd Debian-exim >/dev/null; then
    if [[ $(id -u) -ne 0 ]]; then
      echo "install-deps: missing Exim .debs (${missing_debs[*]}) or user Debian-exim: run as root" >&2
      exit 2
    fi
  fi
  if ((${#missing_debs[@]})); then
    echo "install-deps: downloading ${missing_debs[*]} into $exim_debs_dir (unpacked by the tests, not installed)"
    mkdir -p "$exim_debs_dir"
    (cd "$exim_debs_dir" && apt-get download -qq "${missing_debs[@]}" 2>&1 | grep -v 'Download is performed unsandboxed') || true
    for p in "${missing_debs[@]}"; do
      compgen -G "$exim_debs_dir/${p}_*.deb" >/dev/null || { echo "install-deps: apt-get download $p failed" >&2; exit 1; }
    done
  fi
  if ! getent passwd Debian-exim >/dev/null; then
    getent group Debian-exim >/dev/null || groupadd --system Debian-exim
    useradd --system -g Debian-exim -d /var/spool/exim4 -M -s /usr/sbin/nologin Debian-exim
    echo "install-deps: created system user Debian-exim (Exim's run-time user)"
  fi
}

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exim_extras
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
exim_extras
