# install_cert_steps.sh: the deploy-hook scenario install_postfix.sh and install_exim.sh share,
# run against whichever real MTA the caller started. Source it, then:
#
#   ic_scenario MTA HOST PORT DIR RELOAD VAR
#     MTA     the name install-cert prints ("postfix", "exim")
#     HOST    the name the server's certificate is for; PORT its port on 127.0.0.1
#     DIR     the directory `mtlscert init --mta MTA --ca private` made (its CA signs the renewals)
#     RELOAD  the command that makes the running server read its files again
#     VAR     a scratch directory for outputs
#
# Needs $bin (the mtlscert binary) and the harness's fail/ok. Proves: a certbot-shaped lineage
# (a new key, its certificate, the CA as chain) installed with --reload and --probe is what the
# server serves; a renewal the server does not pick up (--reload true) is rolled back (exit 1,
# install-rolled-back), the file restored and the previous serial still served.

ic_serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }

# ic_served: the serial the server serves now (probe --json, verified against DIR's CA).
ic_served() {
  "$bin" probe "127.0.0.1:$IC_PORT" --servername "$IC_HOST" --cacert "$IC_DIR/ca/ca.crt" --timeout 30 --json \
    >"$IC_VAR/probe.json" 2>"$IC_VAR/probe.err" || { cat "$IC_VAR/probe.json" "$IC_VAR/probe.err" >&2; return 1; }
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["chain"][0]["serial"].replace(":","").upper())' \
    "$IC_VAR/probe.json"
}

# ic_lineage N: what certbot leaves after a renewal: a new key and its certificate.
ic_lineage() {
  local l=$IC_VAR/live$1
  mkdir -p "$l"
  "$bin" genkey --type ecdsa -o "$l/privkey.pem" >/dev/null
  "$bin" csr --key "$l/privkey.pem" --host "$IC_HOST" -o "$l/req.csr" >/dev/null
  "$bin" ca sign --dir "$IC_DIR/ca" "$l/req.csr" -o "$l/cert.pem" >/dev/null
  cp "$IC_DIR/ca/ca.crt" "$l/chain.pem"
  printf '%s' "$l"
}

ic_scenario() {
  local mta=$1 l1 l2 s rc good_sha
  IC_HOST=$2 IC_PORT=$3 IC_DIR=$4 IC_VAR=$6
  local reload=$5 out=$IC_VAR/ic.out
  l1=$(ic_lineage 1)
  "$bin" install-cert --from-certbot "$l1" --dir "$IC_DIR" --cacert "$IC_DIR/ca/ca.crt" --reload "$reload" \
    --probe "127.0.0.1:$IC_PORT" >"$out" 2>&1 || { cat "$out" >&2; fail "install-cert ($mta): exit $?"; }
  grep -q "Pre-flight: $mta will accept these files" "$out" || { cat "$out" >&2; fail "no $mta pre-flight"; }
  s=$(ic_served) || fail "probe after the install failed"
  [[ $s == "$(ic_serial_of "$l1/cert.pem")" ]] || fail "$mta serves $s, not the installed $(ic_serial_of "$l1/cert.pem")"
  ok "install-cert detected $mta from $IC_DIR, reloaded it, serial $s served"

  good_sha=$(sha256sum <"$IC_DIR/$IC_HOST.crt")
  l2=$(ic_lineage 2)
  set +e
  "$bin" install-cert --from-certbot "$l2" --dir "$IC_DIR" --cacert "$IC_DIR/ca/ca.crt" --reload true \
    --probe "127.0.0.1:$IC_PORT" >"$out" 2>&1
  rc=$?
  set -e
  [[ $rc -eq 1 ]] && grep -q 'install-rolled-back' "$out" ||
    { cat "$out" >&2; fail "a reload that does not reload: exit $rc, want 1 and install-rolled-back"; }
  [[ $(sha256sum <"$IC_DIR/$IC_HOST.crt") == "$good_sha" ]] || fail "the certificate file was not restored"
  s=$(ic_served) || fail "probe after the rollback failed"
  [[ $s == "$(ic_serial_of "$l1/cert.pem")" ]] || fail "after the rollback $mta serves $s"
  ok "a renewal $mta did not pick up: rolled back (exit 1), serial $s still served"
}
