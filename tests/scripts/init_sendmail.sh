#!/usr/bin/env bash
# label: integration
# A REAL sendmail configured only by `mtlscert init`: it offers STARTTLS, an independent
# peer (openssl s_client) verifies it, `mtlscert doctor` calls the built sendmail.cf
# healthy, relaying to a remote domain is granted by a line from `mtlscert access` (whose
# key equals the ${cert_issuer} sendmail logs) and refused without it or with a certificate
# from another CA, and `mtlscert received` reads the delivered message's real header.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no sendmail/m4/swaks).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/sendmail_harness.sh"
sm_require
command -v makemap >/dev/null || sm_skip "missing: makemap (package sendmail-bin)"


build_dir=$(cd "$(dirname "$bin")/.." && pwd)
sm_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap sm_cleanup EXIT
tls=$SM_TREE/tls
var=$SM_TREE/var
cd "$tls"

# --- 1. init makes everything; rerun changes nothing ------------------------------------
# The organisation name (hence the CA's name) has bytes sendmail xtext-encodes: ( ) + and spaces.
init=("$bin" init "$SM_HOST" --dir "$tls/init" --ca private --type ecdsa --org 'Relay Test (IT) Org+1')
"${init[@]}" >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init failed"; }
grep -q 'Pre-flight: sendmail will accept these files' "$var/init.out" || { cat "$var/init.out" >&2; fail "no pre-flight verdict"; }
"${init[@]}" >"$var/init2.out" 2>&1 || fail "init rerun failed"
if grep "^$tls/init" "$var/init2.out" | grep -v 'already present; unchanged' >&2; then fail "init rerun changed something"; fi
ok "init made $tls/init; a rerun left every file unchanged"

# --- 2. sendmail with init's m4 file (+ an access map) ------------------------------------
printf "FEATURE(\`access_db')dnl\n" >"$SM_TREE/etc/access.m4"
: >"$SM_TREE/etc/access"
makemap hash "$SM_TREE/etc/access" <"$SM_TREE/etc/access"
sm_write_mc "$tls/init/mtlscert-starttls.m4" "$SM_TREE/etc/access.m4"
sm_build_cf
[[ $(sm_cf_option ServerCertFile) == "$tls/init/$SM_HOST.crt" ]] || fail "ServerCertFile: $(sm_cf_option ServerCertFile)"
"$bin" doctor "$SM_CF" >"$var/doctor.out" 2>&1 || { cat "$var/doctor.out" >&2; fail "doctor: built sendmail.cf not healthy"; }
grep -q 'healthy' "$var/doctor.out" || fail "doctor did not say healthy"
ok "doctor $SM_CF: healthy"
sm_start
ok "sendmail pid $SM_PID on 127.0.0.1:$SM_PORT (syslog capture: $SM_LOG_CAPTURE)"

sm_ehlo >"$var/ehlo.txt"
grep -q '250-STARTTLS' "$var/ehlo.txt" || { cat "$var/ehlo.txt" "$SM_LOG" >&2; fail "no 250-STARTTLS"; }
ok "EHLO offers 250-STARTTLS"
sm_verify_server "$tls/init/ca/ca.crt" "$var/s_client.txt" || fail "openssl s_client could not verify the server"
ok "openssl s_client -verify_return_error -verify_hostname $SM_HOST: Verification: OK"

# --- 3. client certificates: one from init's CA, one from another CA ---------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
  -subj "/O=Relay Clients/CN=laptop.test.example" 2>/dev/null
"$bin" ca sign --dir "$tls/init/ca" --profile client client.csr -o client.crt >/dev/null
"$bin" ca init --dir "$tls/other-ca" --name 'Some Other CA' --type ecdsa >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.csr \
  -subj "/CN=intruder.test.example" 2>/dev/null
"$bin" ca sign --dir "$tls/other-ca" --profile client other.csr -o other.crt >/dev/null
chmod 0600 client.key other.key

# rcpt CERT KEY: try to relay to a remote domain from 127.0.0.2 (127.0.0.1 always relays);
# print the RCPT reply code.
rcpt() {
  local out
  out=$(swaks --server 127.0.0.1 --port "$SM_PORT" --local-interface 127.0.0.2 --helo laptop.test.example \
    --from sender@laptop.test.example --to x@remote.example --tls --tls-cert "$1" --tls-key "$2" \
    --quit-after RCPT --timeout 60 2>&1) || true
  printf '%s\n' "$out" >>"$var/rcpt.txt"
  # the reply right after "RCPT TO" (swaks marks an error reply with '*')
  sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' <<<"$out" | tail -n 1
}

code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 550 ]] || { cat "$var/rcpt.txt" >&2; fail "relay without an access line: got $code, want 550"; }
grep -q 'Relaying denied' "$var/rcpt.txt" || fail "no 'Relaying denied'"
ok "without an access line: 550 Relaying denied"

"$bin" access --ca "$tls/init/ca/ca.crt" >"$var/access.txt" 2>"$var/access.err" ||
  { cat "$var/access.err" >&2; fail "access failed"; }
grep -q '^CERTISSUER:.*	RELAY$' "$var/access.txt" || { cat "$var/access.txt" >&2; fail "no CERTISSUER line"; }
cp "$var/access.txt" "$SM_TREE/etc/access"
makemap hash "$SM_TREE/etc/access" <"$SM_TREE/etc/access"
ok "access map: $(grep -v '^#' "$var/access.txt")"

sm_log_mark
code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 250 ]] || { cat "$var/rcpt.txt" >&2; sm_log_since >&2; fail "relay with the access line: got $code, want 250"; }
ok "client certificate from init's CA, with the line: 250 (relaying granted)"
key=$(sed -n 's/^CERTISSUER:\(.*\)	RELAY$/\1/p' "$var/access.txt")
set +e
sm_log_wait 'cert-issuer=' >/dev/null
rc=$?
set -e
case $rc in
  0)
    logged=$(sm_log_since | sed -n 's/.*cert-issuer=\([^,]*\),.*/\1/p' | tail -n 1)
    [[ $logged == "$key" ]] || fail "sendmail's \${cert_issuer} '$logged' differs from the access key '$key'"
    ok "sendmail logged cert-issuer=$logged: the same bytes as the access key"
    ;;
  2) printf '\n*** NOTE: syslog capture unavailable: ${cert_issuer} NOT compared with the log ***\n\n' >&2 ;;
  *) sm_log_since >&2; fail "sendmail logged no cert-issuer" ;;
esac

code=$(rcpt "$tls/other.crt" "$tls/other.key")
[[ $code == 550 ]] || { cat "$var/rcpt.txt" >&2; fail "relay with another CA's certificate: got $code, want 550"; }
ok "client certificate from another CA: 550 (refused)"

# CERTSUBJECT: with --client, only that certificate may relay.
"$bin" access --client "$tls/client.crt" >"$SM_TREE/etc/access" 2>/dev/null
makemap hash "$SM_TREE/etc/access" <"$SM_TREE/etc/access"
code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 250 ]] || { cat "$var/rcpt.txt" "$SM_TREE/etc/access" >&2; fail "CERTSUBJECT relay: got $code, want 250"; }
ok "access --client (CERTISSUER SUBJECT + CERTSUBJECT RELAY): 250"

# --- 4. a delivered message: received reads sendmail's real header ----------------------
swaks --server 127.0.0.1 --port "$SM_PORT" --helo laptop.test.example \
  --from sender@laptop.test.example --to "root@$SM_HOST" --tls \
  --tls-cert "$tls/client.crt" --tls-key "$tls/client.key" \
  --header 'Subject: mtlscert init integration' --body 'hello' --timeout 60 >"$var/swaks.txt" 2>&1 ||
  { cat "$var/swaks.txt" >&2; fail "swaks could not send"; }
sm_wait_mail root 'mtlscert init integration' || { cat "$var/swaks.txt" "$SM_LOG" >&2; fail "message not delivered"; }
sm_mailbox root >"$var/message.eml"
"$bin" received "$var/message.eml" >"$var/received.out" 2>&1 || { cat "$var/received.out" "$var/message.eml" >&2; fail "received: exit $?"; }
grep -q "tls TLSv1\.[23] cipher=[^ ]* bits=[0-9]* verify=OK \[sendmail\]" "$var/received.out" ||
  { cat "$var/received.out" "$var/message.eml" >&2; fail "received did not read TLS + verify=OK"; }
ok "received: $(grep '^hop' "$var/received.out" | tail -n 1)"

sm_stop
ok "sendmail stopped"
