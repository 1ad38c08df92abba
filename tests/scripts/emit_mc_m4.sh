#!/usr/bin/env bash
# label: cli
# The golden emit-mc outputs, run through the real m4 and sendmail's cf macros, give the
# exact .cf option lines (values intact, the pair form kept, DontBlameSendmail appended).
# Args: $1 = mtlscert binary (unused), $2 = source dir. Exit 77 without m4 / sendmail-cf.
set -euo pipefail
src=$2
cf=/usr/share/sendmail/cf/m4/cf.m4
if ! command -v m4 >/dev/null || [[ ! -f $cf ]]; then
  echo "*** SKIPPED: m4 or sendmail-cf missing (sudo ./scripts/install-deps.sh) ***" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cf_of() { # golden-file [extra m4 before the include]
  printf 'divert(-1)dnl\ndivert(0)dnl\ninclude(`%s'"'"')dnl\nOSTYPE(`debian'"'"')dnl\n%s\ninclude(`%s'"'"')dnl\nMAILER(`local'"'"')dnl\n' \
    "$cf" "${2:-}" "$src/tests/data/golden/$1" >"$tmp/t.mc"
  m4 "$tmp/t.mc" 2>"$tmp/err"
  [[ ! -s $tmp/err ]] || { cat "$tmp/err" >&2; exit 1; }
}
expect() { grep -qxF "$1" <<<"$out" || { echo "FAIL: missing line: $1" >&2; exit 1; }; }

out=$(cf_of basic.mc)
expect 'O ServerCertFile=/etc/mail/tls/smtp.crt'
expect 'O ServerKeyFile=/etc/mail/tls/smtp.key'
expect 'O ClientCertFile=/etc/mail/tls/smtp.crt'
expect 'O CACertFile=/etc/mail/tls/ca.crt'
expect 'O CACertPath=/etc/ssl/certs'

out=$(cf_of pair.mc)
expect 'O ServerCertFile=/etc/mail/tls/rsa.crt,/etc/mail/tls/ec.crt'
expect 'O ServerKeyFile=/etc/mail/tls/rsa.key,/etc/mail/tls/ec.key'

out=$(cf_of full.mc)
expect 'O DontBlameSendmail=GroupReadableKeyFile'
expect 'O TLSSrvOptions=V'
expect 'O CRLFile=/etc/mail/tls/ca.crl'
expect 'O DHParameters=i'
out=$(cf_of full.mc 'DOMAIN(`debian-mta'"'"')dnl')
grep -q '^O DontBlameSendmail=.*TrustStickyBit.*,GroupReadableKeyFile$' <<<"$out" ||
  { echo "FAIL: Debian's DontBlameSendmail flags not kept" >&2; exit 1; }
echo "ok: golden emit-mc files give the expected sendmail.cf options"
