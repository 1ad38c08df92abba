# crl_helpers.sh: what the revocation tests (crl_sendmail.sh, crl_exim.sh) share. Source it
# after the MTA harness (it uses that harness's fail).
#
#   relay_rcpt PORT NAME DIR LOG [SWAKS ARGS...]  # RCPT reply code for x@remote.example, presenting
#                                                 # DIR/NAME.crt + DIR/NAME.key; swaks' transcript is
#                                                 # appended to LOG
#   stale_crl CA_CRT CA_KEY OUT WORKDIR [CERT]    # a CRL of that CA whose nextUpdate has passed
#                                                 # (2025-02-01), listing CERT if given, signed by an
#                                                 # independent tool: openssl ca -gencrl (OpenSSL >= 3.0)

relay_rcpt() {
  local port=$1 name=$2 dir=$3 log=$4 out
  shift 4
  out=$(swaks --server 127.0.0.1 --port "$port" "$@" --helo "$name.test.example" --from "sender@$name.test.example" \
    --to x@remote.example --tls --tls-cert "$dir/$name.crt" --tls-key "$dir/$name.key" --quit-after RCPT \
    --timeout 60 2>&1) || true
  printf '%s\n' "$out" >>"$log"
  # the reply right after "RCPT TO" (swaks marks an error reply with '*')
  sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' <<<"$out" | tail -n 1
}

stale_crl() {
  local ca_crt=$1 ca_key=$2 out=$3 work=$4 cert=${5:-}
  mkdir -p -m 0700 "$work"
  : >"$work/index.txt"
  if [[ -n $cert ]]; then
    local serial end subject
    serial=$(openssl x509 -in "$cert" -noout -serial | sed 's/.*=//')
    end=$(openssl x509 -in "$cert" -noout -enddate | sed 's/.*=//')
    subject=$(openssl x509 -in "$cert" -noout -subject -nameopt compat | sed 's/^subject=//')
    printf 'R\t%s\t250101000000Z\t%s\tunknown\t%s\n' "$(date -u -d "$end" +%y%m%d%H%M%SZ)" "$serial" "$subject" \
      >"$work/index.txt"
  fi
  echo 01 >"$work/crlnumber"
  printf '[ca]\ndefault_ca = stale\n[stale]\ndatabase = %s\ncrlnumber = %s\ncertificate = %s\nprivate_key = %s\ndefault_md = sha256\n' \
    "$work/index.txt" "$work/crlnumber" "$ca_crt" "$ca_key" >"$work/ca.cnf"
  openssl ca -batch -config "$work/ca.cnf" -gencrl -out "$out" \
    -crl_lastupdate 20250101000000Z -crl_nextupdate 20250201000000Z >"$work/gencrl.out" 2>&1 ||
    { cat "$work/gencrl.out" >&2; fail "openssl ca -gencrl failed"; }
}
