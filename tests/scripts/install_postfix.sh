#!/usr/bin/env bash
# label: integration
# install-cert --mta postfix, the same code path as sendmail's deploy hook, into a REAL running
# Postfix (tests/scripts/lib/postfix_harness.sh): a certbot-shaped lineage (a new key, its
# certificate from init's private CA, the CA as chain) installed with --reload and --probe ends
# with the new serial served; a renewal the server does not pick up (--reload true) is rolled
# back and the previous certificate is still served.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no Postfix .deb, not root...).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/postfix_harness.sh"
pf_require

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
pf_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
cleanup() {
  # The reload script restarts master: its pid file names the current one.
  local pidfile=$PF_TREE/spool/pid/master.pid
  [[ -s $pidfile ]] && PF_PID=$(tr -d ' ' <"$pidfile")
  pf_cleanup
}
trap cleanup EXIT
tls=$PF_TREE/tls
var=$PF_TREE/var
dir=$tls/init

"$bin" init "$PF_HOST" --mta postfix --dir "$dir" --ca private >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init --mta postfix failed"; }
pf_write_config
cat "$dir/mtlscert-main.cf" >>"$PF_CONF/main.cf"
pf_start
ok "Postfix master pid $PF_PID on 127.0.0.1:$PF_PORT"

cat >"$PF_TREE/reload" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source "$src/tests/scripts/lib/postfix_harness.sh"
PF_TREE=$PF_TREE PF_CONF=$PF_CONF PF_PORT=$PF_PORT PF_ROOT=$PF_ROOT PF_LOG=$PF_LOG
PF_PID=\$(tr -d ' ' <"$PF_TREE/spool/pid/master.pid")
pf_restart
EOF
chmod 0755 "$PF_TREE/reload"
[[ -s $PF_TREE/spool/pid/master.pid ]] || fail "master wrote no pid file (the reload script needs it)"

serial_of() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//'; }
served() {
  "$bin" probe "127.0.0.1:$PF_PORT" --servername "$PF_HOST" --cacert "$dir/ca/ca.crt" --timeout 30 --json \
    >"$var/probe.json" 2>"$var/probe.err" || { cat "$var/probe.json" "$var/probe.err" >&2; return 1; }
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["chain"][0]["serial"].replace(":","").upper())' \
    "$var/probe.json"
}
# lineage N: what certbot leaves after a renewal: a new key and its certificate.
lineage() {
  local l=$tls/live$1
  mkdir -p "$l"
  "$bin" genkey --type ecdsa -o "$l/privkey.pem" >/dev/null
  "$bin" csr --key "$l/privkey.pem" --host "$PF_HOST" -o "$l/req.csr" >/dev/null
  "$bin" ca sign --dir "$dir/ca" "$l/req.csr" -o "$l/cert.pem" >/dev/null
  cp "$dir/ca/ca.crt" "$l/chain.pem"
  printf '%s' "$l"
}

l1=$(lineage 1)
"$bin" install-cert --from-certbot "$l1" --dir "$dir" --cacert "$dir/ca/ca.crt" --reload "$PF_TREE/reload" \
  --probe "127.0.0.1:$PF_PORT" >"$var/ic1.out" 2>&1 || { cat "$var/ic1.out" >&2; fail "install-cert (postfix): exit $?"; }
grep -q 'Pre-flight: postfix will accept these files' "$var/ic1.out" || { cat "$var/ic1.out" >&2; fail "no Postfix pre-flight"; }
s=$(served) || fail "probe after the install failed"
[[ $s == "$(serial_of "$l1/cert.pem")" ]] || fail "Postfix serves $s, not the installed $(serial_of "$l1/cert.pem")"
ok "install-cert detected Postfix from $dir, reloaded it, serial $s served"

good_sha=$(sha256sum <"$dir/$PF_HOST.crt")
l2=$(lineage 2)
set +e
"$bin" install-cert --from-certbot "$l2" --dir "$dir" --cacert "$dir/ca/ca.crt" --reload true \
  --probe "127.0.0.1:$PF_PORT" >"$var/ic2.out" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'install-rolled-back' "$var/ic2.out" ||
  { cat "$var/ic2.out" >&2; fail "a reload that does not reload: exit $rc, want 1 and install-rolled-back"; }
[[ $(sha256sum <"$dir/$PF_HOST.crt") == "$good_sha" ]] || fail "the certificate file was not restored"
s=$(served) || fail "probe after the rollback failed"
[[ $s == "$(serial_of "$l1/cert.pem")" ]] || fail "after the rollback Postfix serves $s"
ok "a renewal Postfix did not pick up: rolled back (exit 1), serial $s still served"
