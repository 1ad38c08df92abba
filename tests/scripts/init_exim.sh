#!/usr/bin/env bash
# label: integration
# A REAL Exim 4.96 (Debian's exim4-daemon-light, GnuTLS; unpacked, never installed)
# configured only by `mtlscert init --mta exim` (its MAIN_TLS_* macros, turned into tls_*
# options by Debian's own conf.d/main/03_exim4-config_tlsoptions) and `mtlscert access
# --mta exim` (the ACL snippet): it offers STARTTLS, openssl s_client and gnutls-cli verify
# it, it relays for the granted client certificate only, GnuTLS's CA list is what probe
# measures, and doctor names Exim and predicts, with the exact log line the real daemon then
# writes, a root-only key, a key readable by another group, a missing CA file and a
# mismatched key (exit 1, exact codes).
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no exim .debs, no unshare).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/exim_harness.sh"
ex_require

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
ex_unpack "$build_dir/exim-root"
ex_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
trap ex_cleanup EXIT
tls=$EX_TREE/tls
var=$EX_TREE/var
init=$tls/init
cd "$tls"

# --- 1. init --mta exim: the key is root:Debian-exim 0640 without being asked -------------
"$bin" init "$EX_HOST" --mta exim --dir "$init" --ca private --type ecdsa >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init --mta exim failed"; }
grep -q 'Pre-flight: Exim will accept these files' "$var/init.out" || { cat "$var/init.out" >&2; fail "no pre-flight verdict"; }
[[ $(stat -c '%a %U %G' "$init/$EX_HOST.key") == "640 root Debian-exim" ]] ||
  fail "key is $(stat -c '%a %U %G' "$init/$EX_HOST.key"), want 640 root Debian-exim"
frag=$init/mtlscert-exim.conf
grep -qx "MAIN_TLS_CERTIFICATE = $init/$EX_HOST.crt" "$frag" || { cat "$frag" >&2; fail "fragment lacks MAIN_TLS_CERTIFICATE"; }
ok "init --mta exim: key 0640 root:Debian-exim, $frag"

# --- 2. client certificates: one from init's CA, one from another CA ----------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout client.key -out client.csr \
  -subj "/O=Relay Clients/CN=laptop.test.example" 2>/dev/null
"$bin" ca sign --dir "$init/ca" --profile client client.csr -o client.crt >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key -out stranger.csr \
  -subj "/O=Relay Clients/CN=stranger.test.example" 2>/dev/null
"$bin" ca sign --dir "$init/ca" --profile client stranger.csr -o stranger.crt >/dev/null
"$bin" ca init --dir "$tls/other-ca" --name 'Some Other CA' --type ecdsa >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.csr \
  -subj "/CN=intruder.test.example" 2>/dev/null
"$bin" ca sign --dir "$tls/other-ca" --profile client other.csr -o other.crt >/dev/null
chmod 0600 client.key stranger.key other.key

"$bin" access --mta exim --client "$tls/client.crt" -o "$EX_TREE/etc/relay.acl" >"$var/access.out" 2>&1 ||
  { cat "$var/access.out" >&2; fail "access --mta exim failed"; }
fp=$(openssl x509 -in client.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
grep -qF "$fp" "$EX_TREE/etc/relay.acl" || { cat "$EX_TREE/etc/relay.acl" >&2; fail "ACL lacks the client's fingerprint"; }
ok "access --mta exim: ACL pins $fp"

# --- 3. Exim configured from those two outputs only ---------------------------------------
ex_write_conf --debian --acl "$EX_TREE/etc/relay.acl" "$frag"
ex_check_conf || fail "exim -bV refused the configuration"
"$bin" doctor "$EX_CONF" >"$var/doctor.out" 2>&1 || { cat "$var/doctor.out" >&2; fail "doctor: not healthy"; }
grep -q '(exim, ' "$var/doctor.out" && grep -q 'healthy' "$var/doctor.out" ||
  { cat "$var/doctor.out" >&2; fail "doctor did not name Exim and say healthy"; }
ok "doctor $EX_CONF (recognised as Exim): healthy"
ex_start
ok "exim pid $EX_PID on 127.0.0.1:$EX_PORT"

ex_ehlo >"$var/ehlo.txt"
grep -q '250-STARTTLS' "$var/ehlo.txt" || { cat "$var/ehlo.txt" "$EX_LOG" >&2; fail "no 250-STARTTLS"; }
ok "EHLO offers 250-STARTTLS"
echo QUIT | timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$EX_PORT" -CAfile "$init/ca/ca.crt" \
  -verify_return_error -verify_hostname "$EX_HOST" -servername "$EX_HOST" >"$var/s_client.txt" 2>&1 ||
  { cat "$var/s_client.txt" "$EX_LOG" >&2; fail "openssl s_client could not verify Exim"; }
grep -q 'Verification: OK' "$var/s_client.txt" || fail "s_client: no 'Verification: OK'"
ok "openssl s_client -verify_return_error -verify_hostname $EX_HOST: Verification: OK"
echo QUIT | timeout 30 gnutls-cli --starttls-proto=smtp --port "$EX_PORT" --x509cafile "$init/ca/ca.crt" \
  --verify-hostname "$EX_HOST" 127.0.0.1 >"$var/gnutls.txt" 2>&1 ||
  { cat "$var/gnutls.txt" >&2; fail "gnutls-cli could not verify Exim"; }
grep -q 'Status: The certificate is trusted' "$var/gnutls.txt" || { cat "$var/gnutls.txt" >&2; fail "gnutls-cli: not trusted"; }
ok "gnutls-cli --starttls-proto=smtp: The certificate is trusted"

# GnuTLS's CA list: the subjects of tls_verify_certificates (init's cacert.pem), measured by probe.
# GnuTLS's CA list: the subjects of tls_verify_certificates, as probe reads them off the wire,
# equal to what `bundle check` computes for the file WITHOUT dropping duplicate subjects
# (GnuTLS keeps them; OpenSSL does not): the figure the Exim pre-flight judges.
ca_list_wire() {  # probe's "names bytes"
  "$bin" probe "127.0.0.1:$EX_PORT" --cacert "$init/ca/ca.crt" --servername "$EX_HOST" --json >"$var/probe.json" ||
    { cat "$var/probe.json" >&2; fail "probe failed"; }
  python3 -c '
import json, sys
def find(o):
    if isinstance(o, dict):
        if isinstance(o.get("ca_list"), dict): return o["ca_list"]
        o = list(o.values())
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r: return r
c = find(json.load(open(sys.argv[1])))
print(c["names"], c["list_bytes"])' "$var/probe.json"
}
ca_list_file() {  # bundle check's "certificates bytes-without-dedup" for FILE
  "$bin" bundle check "$1" --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)["result"]
print(r["ca_list"]["names"], r["ca_list"]["list_bytes_without_dedup"])'
}
wire=$(ca_list_wire)
want=$(ca_list_file "$init/cacert.pem")
[[ $wire == "$want" ]] || fail "GnuTLS sent (names bytes) $wire; bundle check of cacert.pem: $want"
ok "GnuTLS CA list for init's cacert.pem: $wire (names bytes), as bundle check computes"

# --- 4. relaying: the granted certificate only ----------------------------------------------
rcpt() {  # CERT KEY (or none): the RCPT reply code for a remote recipient
  local out args=()
  [[ $1 == none ]] || args=(--tls-cert "$1" --tls-key "$2")
  out=$(swaks --server 127.0.0.1 --port "$EX_PORT" --helo laptop.test.example \
    --from sender@laptop.test.example --to x@remote.example --tls "${args[@]}" \
    --header 'Subject: mtlscert exim relay' --body hello --timeout 60 2>&1) || true
  printf '%s\n' "$out" >>"$var/rcpt.txt"
  sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' <<<"$out" | tail -n 1
}
ex_log_mark
code=$(rcpt "$tls/client.crt" "$tls/client.key")
[[ $code == 250 ]] || { cat "$var/rcpt.txt" >&2; ex_log_since >&2; fail "granted certificate: got $code, want 250"; }
ex_wait_mail relayed 'mtlscert exim relay' || { ex_log_since >&2; fail "relayed message not delivered"; }
ex_assert_logged "relay granted to verified client certificate $fp"
ok "granted client certificate: 250, relayed and delivered"
for who in stranger other none; do
  if [[ $who == none ]]; then code=$(rcpt none); else code=$(rcpt "$tls/$who.crt" "$tls/$who.key"); fi
  [[ $code == 550 ]] || { cat "$var/rcpt.txt" >&2; fail "$who: got $code, want 550"; }
done
grep -q 'relay not permitted' "$var/rcpt.txt" || fail "no 'relay not permitted'"
ok "same CA but not granted, another CA, no certificate: 550 relay not permitted"

# --- 5. doctor predicts, Exim confirms -------------------------------------------------------
# doctor_codes: doctor --mta exim --json on $EX_CONF; prints exit code and the error codes.
doctor_codes() {
  local rc=0
  "$bin" doctor --mta exim --json "$EX_CONF" >"$var/doctor.json" 2>"$var/doctor.err" || rc=$?
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sys.argv[2], " ".join(f["code"] for f in d["findings"] if f["level"] == "error"))' "$var/doctor.json" "$rc"
}
# doctor_log: the Exim log line doctor predicted for CODE.
doctor_log() {
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(next(f["sendmail_log"] for f in d["findings"] if f["code"] == sys.argv[2]))' "$var/doctor.json" "$1"
}
# handshake: one STARTTLS attempt (it fails when Exim cannot set up its certificate).
handshake() { echo QUIT | timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$EX_PORT" >/dev/null 2>&1 || true; }
# predicted_then_logged CODE WHAT: doctor exits 1 with exactly the error CODE, and the line it
# predicts (minus the peer, which Exim names) is what Exim logs after a restart (the daemon
# preloads its credentials) and one handshake.
predicted_then_logged() {
  [[ $(doctor_codes) == "1 $1" ]] || { cat "$var/doctor.json" >&2; fail "$2: $(doctor_codes), want 1 $1"; }
  local predicted
  predicted=$(doctor_log "$1")
  ex_log_mark
  ex_restart
  handshake
  ex_assert_logged "${predicted#TLS error on connection from ... }"
  ok "$2: doctor exit 1 $1, the line Exim logs"
}
key=$init/$EX_HOST.key

chown root:root "$key" && chmod 0600 "$key"
predicted_then_logged key-unreadable-by-exim "root 0600 key"

chown Debian-exim:root "$key" && chmod 0640 "$key"
[[ $(doctor_codes) == "1 key-group-readable" ]] || { cat "$var/doctor.json" >&2; fail "group-readable key: $(doctor_codes)"; }
ok "key readable by group root: doctor exit 1 key-group-readable"
chown root:Debian-exim "$key" && chmod 0640 "$key"

sed "s|^MAIN_TLS_VERIFY_CERTIFICATES = .*|MAIN_TLS_VERIFY_CERTIFICATES = $init/missing-ca.pem|" "$frag" >"$EX_TREE/etc/missing-ca.conf"
ex_write_conf --debian --acl "$EX_TREE/etc/relay.acl" "$EX_TREE/etc/missing-ca.conf"
predicted_then_logged file-missing "missing CA file"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tls/wrong.key" 2>/dev/null
chown root:Debian-exim "$tls/wrong.key" && chmod 0640 "$tls/wrong.key"
sed "s|^MAIN_TLS_PRIVATEKEY = .*|MAIN_TLS_PRIVATEKEY = $tls/wrong.key|" "$frag" >"$EX_TREE/etc/wrong-key.conf"
ex_write_conf --debian --acl "$EX_TREE/etc/relay.acl" "$EX_TREE/etc/wrong-key.conf"
predicted_then_logged key-mismatch "mismatched key"

# Debian's default client CA list: the whole system bundle (duplicate subjects included).
sed "s|^MAIN_TLS_VERIFY_CERTIFICATES = .*|MAIN_TLS_VERIFY_CERTIFICATES = /etc/ssl/certs/ca-certificates.crt|" "$frag" \
  >"$EX_TREE/etc/system-ca.conf"
ex_write_conf --debian "$EX_TREE/etc/system-ca.conf"
ex_restart
wire=$(ca_list_wire)
want=$(ca_list_file /etc/ssl/certs/ca-certificates.crt)
[[ $wire == "$want" ]] || fail "GnuTLS sent (names bytes) $wire for the system bundle; bundle check without dedup: $want"
ok "GnuTLS CA list for /etc/ssl/certs/ca-certificates.crt: $wire (names bytes), duplicates kept"

ex_stop
ok "exim stopped"
