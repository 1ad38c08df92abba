#!/usr/bin/env bash
# label: integration
# A REAL sendmail configured only with `mtlscert emit-mc` output: it offers STARTTLS, an
# independent peer (openssl s_client) verifies it, a message sent with a client
# certificate from `mtlscert ca sign` is delivered with verify=OK in its Received: header,
# and a group-readable key makes emit-mc predict the exact line sendmail then logs.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no sendmail/m4/swaks).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/sendmail_harness.sh"
sm_require


build_dir=$(cd "$(dirname "$bin")/.." && pwd)
sm_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap sm_cleanup EXIT
tls=$SM_TREE/tls
cd "$tls"

# --- PKI made with mtlscert (the CSRs with openssl: an independent tool) --------------
"$bin" ca init --dir "$tls/ca" --name 'mtlscert IT CA' --type ecdsa >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr \
  -subj "/CN=$SM_HOST" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
  -subj "/CN=client.test.example" 2>/dev/null
chmod 0600 server.key client.key
"$bin" ca sign --dir "$tls/ca" server.csr -o server.crt >/dev/null
"$bin" ca sign --dir "$tls/ca" --profile client client.csr -o client.crt >/dev/null
mkdir -m 0755 capath
openssl verify -CAfile ca/ca.crt -purpose sslserver server.crt >/dev/null || fail "server.crt does not verify"
openssl verify -CAfile ca/ca.crt -purpose sslclient client.crt >/dev/null || fail "client.crt does not verify"

emit=("$bin" emit-mc --server-cert "$tls/server.crt" --server-key "$tls/server.key"
  --cacert "$tls/ca/ca.crt" --cacert-path "$tls/capath" --host "$SM_HOST")
"${emit[@]}" -o "$SM_TREE/etc/starttls.m4" >"$SM_TREE/var/emit.out" 2>&1 ||
  { cat "$SM_TREE/var/emit.out" >&2; fail "emit-mc refused a good configuration"; }
ok "emit-mc wrote $SM_TREE/etc/starttls.m4"

sm_write_mc "$SM_TREE/etc/starttls.m4"
sm_build_cf
[[ $(sm_cf_option ServerCertFile) == "$tls/server.crt" ]] || fail "m4 mangled ServerCertFile: $(sm_cf_option ServerCertFile)"
[[ $(sm_cf_option CACertPath) == "$tls/capath" ]] || fail "m4 mangled CACertPath"
sm_start
ok "sendmail pid $SM_PID on 127.0.0.1:$SM_PORT (syslog capture: $SM_LOG_CAPTURE)"

# 1. EHLO offers STARTTLS.
sm_ehlo >"$SM_TREE/var/ehlo.txt"
grep -q '250-STARTTLS' "$SM_TREE/var/ehlo.txt" || { cat "$SM_TREE/var/ehlo.txt" "$SM_LOG" >&2; fail "no 250-STARTTLS"; }
ok "EHLO offers 250-STARTTLS"

# 2. An independent peer verifies the server: chain and host name.
sm_verify_server "$tls/ca/ca.crt" "$SM_TREE/var/s_client.txt" || fail "openssl s_client could not verify the server"
ok "openssl s_client -verify_return_error -verify_hostname $SM_HOST: Verification: OK"

# 3. A message over STARTTLS with the client certificate: delivered, verify=OK.
swaks --server 127.0.0.1 --port "$SM_PORT" --helo client.test.example \
  --from "sender@client.test.example" --to "root@$SM_HOST" --tls \
  --tls-cert "$tls/client.crt" --tls-key "$tls/client.key" --tls-ca-path "$tls/ca/ca.crt" \
  --header 'Subject: mtlscert integration' --body 'hello over STARTTLS' --timeout 60 \
  >"$SM_TREE/var/swaks.txt" 2>&1 || { cat "$SM_TREE/var/swaks.txt" >&2; fail "swaks could not send"; }
sm_wait_mail root 'mtlscert integration' || { cat "$SM_TREE/var/swaks.txt" "$SM_LOG" >&2; fail "message not delivered"; }
received=$(sm_mailbox root | sed -n '/^Received:/,/^[^ \t]/p' | tr -d '\n')
[[ $received == *"verify=OK"* ]] || { sm_mailbox root >&2; fail "Received: header lacks verify=OK"; }
[[ $received == *"ESMTPS"* ]] || fail "Received: header lacks ESMTPS"
ok "delivered; Received: $(grep -o '(version=[^)]*)' <<<"$received")"

# 4. Negative: a group-readable key. emit-mc predicts the failure and its log line…
chmod 0640 "$tls/server.key"
set +e
"${emit[@]}" >/dev/null 2>"$SM_TREE/var/emit-bad.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || { cat "$SM_TREE/var/emit-bad.err" >&2; fail "emit-mc exit $rc for a group-readable key, want 1"; }
predicted="STARTTLS=server: file $tls/server.key unsafe: Group readable file"
grep -qF "sendmail logs: $predicted" "$SM_TREE/var/emit-bad.err" ||
  { cat "$SM_TREE/var/emit-bad.err" >&2; fail "emit-mc did not predict: $predicted"; }
grep -qE '^error +key-group-readable: ' "$SM_TREE/var/emit-bad.err" || fail "finding code key-group-readable missing"
ok "emit-mc exit 1, predicts: $predicted"

# … and the real sendmail indeed refuses the key, says so, and does not offer STARTTLS.
sm_log_mark
sm_restart
sm_ehlo >"$SM_TREE/var/ehlo-bad.txt"
if grep -q 'STARTTLS' "$SM_TREE/var/ehlo-bad.txt"; then fail "sendmail still offers STARTTLS with a group-readable key"; fi
ok "sendmail no longer offers STARTTLS"
sm_assert_logged "$predicted"

# 4b. Negative: a root-owned key without the owner's read bit (0200; issue 13 row 9). Root could
# open it, but sendmail's safefile() grants by the owner bits: "Permission denied", no STARTTLS.
chmod 0200 "$tls/server.key"
set +e
"${emit[@]}" >/dev/null 2>"$SM_TREE/var/emit-0200.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || { cat "$SM_TREE/var/emit-0200.err" >&2; fail "emit-mc exit $rc for a 0200 key, want 1"; }
predicted="STARTTLS=server: file $tls/server.key unsafe: Permission denied"
grep -qF "sendmail logs: $predicted" "$SM_TREE/var/emit-0200.err" ||
  { cat "$SM_TREE/var/emit-0200.err" >&2; fail "emit-mc did not predict: $predicted"; }
ok "emit-mc exit 1 for a 0200 key, predicts: $predicted"
sm_log_mark
sm_restart
sm_ehlo >"$SM_TREE/var/ehlo-0200.txt"
if grep -q 'STARTTLS' "$SM_TREE/var/ehlo-0200.txt"; then fail "sendmail offers STARTTLS with a 0200 key: the prediction is wrong"; fi
ok "sendmail does not offer STARTTLS with a 0200 key"
sm_assert_logged "$predicted"
chmod 0640 "$tls/server.key"

# 5. The Debian layout: root:smmsp 0640 makes emit-mc add GroupReadableKeyFile, and it works.
if getent group smmsp >/dev/null; then
  chgrp smmsp "$tls/server.key"
  "${emit[@]}" -o "$SM_TREE/etc/starttls.m4" --force >"$SM_TREE/var/emit-grp.out" 2>&1 ||
    { cat "$SM_TREE/var/emit-grp.out" >&2; fail "emit-mc refused root:smmsp 0640"; }
  grep -q 'GroupReadableKeyFile' "$SM_TREE/etc/starttls.m4" || fail "GroupReadableKeyFile not appended"
  sm_build_cf
  dbs=$(sm_cf_option DontBlameSendmail)
  [[ $dbs == *TrustStickyBit*GroupReadableKeyFile* ]] || fail "DontBlameSendmail lost Debian's flags: $dbs"
  sm_restart
  sm_ehlo >"$SM_TREE/var/ehlo-grp.txt"
  grep -q '250-STARTTLS' "$SM_TREE/var/ehlo-grp.txt" ||
    { cat "$SM_TREE/var/ehlo-grp.txt" >&2; sm_log_since >&2; fail "no STARTTLS with root:smmsp 0640 + GroupReadableKeyFile"; }
  ok "root:smmsp 0640 + appended GroupReadableKeyFile: STARTTLS offered (DontBlameSendmail=$dbs)"
fi

sm_stop
ok "sendmail stopped"
