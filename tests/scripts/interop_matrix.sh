#!/usr/bin/env bash
# label: interop
# The interop matrix (issue 16 item 5): REAL sendmail 8.17, Postfix 3.7 and Exim 4.96, each
# configured only from mtlscert output (`init --mta X` for the TLS lines, `access --mta X`
# for relaying by client certificate; the harness adds only ports, paths and routing), against
# independent clients (openssl s_client, gnutls-cli, swaks) over TLS 1.2 and TLS 1.3, and each
# MTA relaying to the next with its client certificate (sendmail->postfix, postfix->exim,
# exim->sendmail), for four certificate sets: RSA and ECDSA from `mtlscert ca init`/`ca sign`,
# and RSA and ECDSA from a CA made with the openssl CLI (its client certificates signed by
# `openssl x509 -req`; init reuses the CA for the servers' certificates).
#
# Every cell checks: STARTTLS offered; the chain verified (the client's verdict, or the
# relaying MTA's log); the client certificate accepted (the receiving MTA says it verified
# it in its Received: header; swaks: the granted certificate relays, another one from the
# same CA is refused); a message delivered whose Received: header `mtlscert received` reads as
# TLS, at the asked version, with verify OK. It prints the matrix as a table, writes it as
# JSON (interop_matrix.json in the test's working directory) and fails if any cell is not green.
#
# Each daemon starts once per certificate set; the clients run against it in sequence.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (a daemon's package missing).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
lib=$src/tests/scripts/lib
out_dir=$PWD
source "$lib/sendmail_harness.sh"
source "$lib/postfix_harness.sh"
source "$lib/exim_harness.sh"
sm_require
pf_require
ex_require
command -v makemap >/dev/null || sm_skip "missing: makemap (package sendmail-bin)"
command -v gnutls-cli >/dev/null || sm_skip "missing: gnutls-cli (package gnutls-bin)"

t_start=$SECONDS
build_dir=$(cd "$(dirname "$bin")/.." && pwd)
base=${MTLSCERT_IT_DIR:-$build_dir/it}
SM_HOST=sm.test.example PF_HOST=pf.test.example EX_HOST=ex.test.example
sm_tree_new "$base"
pf_tree_new "$base"
ex_unpack "$build_dir/exim-root"
ex_tree_new "$base"
cleanup() {
  [[ -n ${pki:-} && ${MTLSCERT_IT_KEEP:-0} != 1 ]] && rm -rf "$pki"
  sm_cleanup
  pf_cleanup
  ex_cleanup
  return 0
}
trap cleanup EXIT
# Clients' files (CAs, client certificates, transcripts) live here; each daemon's own files in its tree.
pki=$(mktemp -d "$(dirname "$PF_TREE")/matrix.XXXXXX")
chmod 0755 "$pki"
var=$pki/var
mkdir -p "$var"

# --- mailers that keep each message in its own file (`received` reads one message) ----------
sm_mail=$SM_TREE/mail
printf '#!/bin/sh\n# one file per message\nexec cat >"%s/$1.$(date +%%s%%N).$$"\n' "$sm_mail" >"$SM_TREE/bin/deliver"
chmod 0755 "$SM_TREE/bin/deliver"
pf_mail=$PF_TREE/mail
mkdir -p "$pf_mail" "$PF_TREE/bin"
chmod 1777 "$pf_mail"
printf '#!/bin/sh\n# Postfix pipe(8) as nobody: one file per message\nexec cat >"%s/$1.$(date +%%s%%N).$$"\n' "$pf_mail" \
  >"$PF_TREE/bin/deliver"
chmod 0755 "$PF_TREE/bin/deliver"

# --- the table --------------------------------------------------------------------------------
rows=()  # "set|server|client|tls|starttls|chain|ccert|delivered|note"
bad=0
# cell SET SERVER CLIENT TLS STARTTLS CHAIN CCERT DELIVERED NOTE: one row (ok / FAIL each).
cell() {
  rows+=("$1|$2|$3|$4|$5|$6|$7|$8|$9")
  local v
  for v in "$5" "$6" "$7" "$8"; do [[ $v == ok ]] || bad=$((bad + 1)); done
  [[ $5$6$7$8 == okokokok ]] && ok "$1 $2 $3 $4: $9" || printf 'FAIL: %s %s %s %s: %s %s %s %s (%s)\n' "$@" >&2
}

# wait_message DIR SUBJECT OUT: the delivered message with SUBJECT (up to 60 s), copied to OUT.
wait_message() {
  local end=$((SECONDS + 60))  # a relay on a loaded machine: back as soon as it arrives
  while ((SECONDS < end)); do
    python3 "$lib/pick_message.py" "$2" "$1"/* >"$3" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# received_ok MSG BY VERSION [newest|oldest]: `mtlscert received` reads that hop (hops are
# numbered from the oldest) as received by host BY, over TLS at VERSION (1.2/1.3; "" = any),
# with verify OK. Prints the hop.
received_ok() {
  "$bin" received --json "$1" >"$1.json" 2>/dev/null || true
  python3 - "$1.json" "$2" "$3" "${4:-newest}" <<'PY'
import json, sys
doc, by, version, which = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
hops = sorted(doc["result"]["hops"], key=lambda h: h["number"])
if not hops:
    sys.exit("no hop")
h = hops[-1] if which == "newest" else hops[0]
print(f'{h["mta"]} {h["tls"]} {h.get("version","")} verify={h.get("verify","")}')
good = (h["tls"] == "tls" and h.get("verify") == "OK" and h["by"].startswith(by)
        and (not version or h.get("version", "").replace("v", "").endswith(version)))
sys.exit(0 if good else 1)
PY
}

# --- certificate sets ---------------------------------------------------------------------------
# new_key TYPE OUT: an RSA 2048 or ECDSA P-256 key (openssl CLI).
new_key() {
  if [[ $1 == rsa ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" 2>/dev/null
  else
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" 2>/dev/null
  fi
  chmod 0600 "$2"
}

# make_pki SET TYPE ORIGIN: $pki/SET/ca (mtlscert: `ca init`; openssl: `openssl req -x509`),
# and two client certificates: granted.crt (relaying is granted to it) and stranger.crt (same CA,
# not granted), signed by `mtlscert ca sign` or by `openssl x509 -req`.
make_pki() {
  local set=$1 type=$2 origin=$3 d=$pki/$1 who
  mkdir -p "$d"
  if [[ $origin == mtlscert ]]; then
    "$bin" ca init --dir "$d/ca" --name "Matrix $set CA" --type "$type" >"$var/$set-ca.out" 2>&1 ||
      { cat "$var/$set-ca.out" >&2; fail "$set: mtlscert ca init"; }
  else
    mkdir -m 0700 "$d/ca"
    new_key "$type" "$d/ca/ca.key"
    openssl req -x509 -new -key "$d/ca/ca.key" -out "$d/ca/ca.crt" -days 3650 -subj "/O=Matrix/CN=Matrix $set CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
      fail "$set: openssl req -x509"
  fi
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nsubjectAltName=DNS:%s\n' laptop.test.example \
    >"$d/client.ext"
  for who in granted stranger; do
    new_key "$type" "$d/$who.key"
    openssl req -new -key "$d/$who.key" -out "$d/$who.csr" -subj "/O=Relay Clients/CN=$who.test.example" 2>/dev/null
    if [[ $origin == mtlscert ]]; then
      "$bin" ca sign --dir "$d/ca" --profile client "$d/$who.csr" -o "$d/$who.crt" >/dev/null 2>"$var/$set-sign.err" ||
        { cat "$var/$set-sign.err" >&2; fail "$set: mtlscert ca sign $who"; }
    else
      openssl x509 -req -in "$d/$who.csr" -CA "$d/ca/ca.crt" -CAkey "$d/ca/ca.key" -CAcreateserial -days 365 \
        -extfile "$d/client.ext" -out "$d/$who.crt" 2>/dev/null || fail "$set: openssl x509 -req $who"
    fi
    openssl verify -CAfile "$d/ca/ca.crt" -purpose sslclient "$d/$who.crt" >/dev/null || fail "$set: $who.crt does not verify"
  done
}

# init_mta SET TYPE MTA HOST DIR: mtlscert init --mta MTA with the set's CA.
init_mta() {
  "$bin" init "$4" --mta "$3" --dir "$5" --ca private --ca-dir "$pki/$1/ca" --type "$2" >"$var/$1-init-$3.out" 2>&1 ||
    { cat "$var/$1-init-$3.out" >&2; fail "$1: init --mta $3"; }
  grep -q 'Pre-flight: .* will accept these files' "$var/$1-init-$3.out" ||
    { cat "$var/$1-init-$3.out" >&2; fail "$1: init --mta $3: no pre-flight verdict"; }
}

# --- the three daemons for one set ---------------------------------------------------------------
# start_daemons SET TYPE: init + access for each MTA, the routing sendmail->postfix->exim->sendmail,
# each daemon started once.
start_daemons() {
  local set=$1 type=$2 d=$pki/$1
  SM_PORT=$(sm_free_port) PF_PORT=$(pf_free_port) EX_PORT=$(ex_free_port)
  sm_dir=$SM_TREE/tls/$set pf_dir=$PF_TREE/tls/$set ex_dir=$EX_TREE/tls/$set
  init_mta "$set" "$type" sendmail "$SM_HOST" "$sm_dir"
  init_mta "$set" "$type" postfix "$PF_HOST" "$pf_dir"
  init_mta "$set" "$type" exim "$EX_HOST" "$ex_dir"

  # sendmail: init's m4 file, the access map from `access --mta sendmail`, mail for other
  # domains to Postfix (the harness's routing).
  "$bin" access --mta sendmail --client "$d/granted.crt" >"$SM_TREE/etc/access" 2>"$var/access.err" ||
    { cat "$var/access.err" >&2; fail "$set: access --mta sendmail"; }
  makemap hash "$SM_TREE/etc/access" <"$SM_TREE/etc/access"
  printf "FEATURE(\`access_db')dnl\ndefine(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl\ndefine(\`ESMTP_MAILER_ARGS', \`TCP \$h %s')dnl\n" \
    "$PF_PORT" >"$SM_TREE/etc/route.m4"
  sm_write_mc "$sm_dir/mtlscert-starttls.m4" "$SM_TREE/etc/route.m4"
  sm_build_cf
  sm_start

  # Postfix: init's main.cf fragment, `access --mta postfix` in its relay_clientcerts; local
  # mail to files, other domains to Exim.
  "$bin" access --mta postfix --client "$d/granted.crt" >>"$pf_dir/relay_clientcerts" 2>"$var/access.err" ||
    { cat "$var/access.err" >&2; fail "$set: access --mta postfix"; }
  pf_write_config
  cat "$pf_dir/mtlscert-main.cf" >>"$PF_CONF/main.cf"
  pf_postconf "local_transport = matrixfile" "default_transport = smtp" "relayhost = [127.0.0.1]:$EX_PORT"
  printf 'matrixfile unix - n n - - pipe flags=R user=nobody argv=%s ${user}\n' "$PF_TREE/bin/deliver" >>"$PF_CONF/master.cf"
  pf_start

  # Exim: init's Debian fragment (macros), `access --mta exim`'s ACL; mail for sendmail's
  # domain through an smtp transport whose TLS client lines are init's REMOTE_SMTP_* macros.
  "$bin" access --mta exim --client "$d/granted.crt" -o "$EX_TREE/etc/relay-$set.acl" >/dev/null 2>"$var/access.err" ||
    { cat "$var/access.err" >&2; fail "$set: access --mta exim"; }
  cat >"$EX_TREE/etc/router.conf" <<EOF
to_sendmail:
  driver = manualroute
  domains = $SM_HOST
  route_list = * 127.0.0.1
  self = send
  transport = matrix_smtp
EOF
  cat >"$EX_TREE/etc/transport.conf" <<EOF
# Debian's remote_smtp reads the same two macros; the harness adds the port and verification.
matrix_smtp:
  driver = smtp
  port = $SM_PORT
  allow_localhost
  hosts_require_tls = *
  tls_certificate = REMOTE_SMTP_TLS_CERTIFICATE
  tls_privatekey = REMOTE_SMTP_PRIVATEKEY
  tls_verify_certificates = MAIN_TLS_VERIFY_CERTIFICATES
  tls_verify_hosts = *
  tls_verify_cert_hostnames =
EOF
  ex_write_conf --debian --acl "$EX_TREE/etc/relay-$set.acl" --router "$EX_TREE/etc/router.conf" \
    --transport "$EX_TREE/etc/transport.conf" "$ex_dir/mtlscert-exim.conf"
  ex_check_conf || fail "$set: exim -bV refused the configuration"
  ex_start
}

stop_daemons() {
  sm_stop
  pf_stop
  ex_stop
}

# ehlo_offers_starttls PORT: true when the EHLO answer lists STARTTLS (bash's /dev/tcp: a
# cell's own check, without a perl start for each of the 72 cells); prints the dialogue.
ehlo_offers_starttls() {
  local fd line found=1
  exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
  while IFS= read -r -t 30 line <&$fd; do
    printf 'S: %s\n' "$line"
    [[ $line == "220 "* ]] && break
  done
  printf 'EHLO client.test.example\r\n' >&$fd
  while IFS= read -r -t 30 line <&$fd; do
    line=${line%$'\r'}
    printf 'S: %s\n' "$line"
    [[ $line == "250-STARTTLS" || $line == "250 STARTTLS" ]] && found=0
    [[ $line == "250 "* ]] && break
  done
  printf 'QUIT\r\n' >&$fd
  exec {fd}>&-
  return $found
}

# --- clients --------------------------------------------------------------------------------------
# client_cell SET SERVER HOST PORT MAILDIR CLIENT TLS: one message from CLIENT over TLS 1.2/1.3
# with the granted client certificate to root@HOST, then the four checks.
client_cell() {
  local set=$1 server=$2 host=$3 port=$4 maildir=$5 client=$6 tls=$7 d=$pki/$1
  local tag=$set-$server-$client-$tls subject="matrix $1 $2 $6 TLS$7 $RANDOM"
  local tr=$var/$tag.txt msg=$var/$tag.eml starttls="" chain="" ccert="" delivered="" note="" hop=""
  ehlo_offers_starttls "$port" >"$var/$tag.ehlo" && starttls=ok || starttls=FAIL
  local dialog=(python3 "$lib/smtp_dialog.py" --helo laptop.test.example --from "sender@laptop.test.example"
    --to "root@$host" --subject "$subject" --transcript "$tr" --)
  case $client in
    s_client)
      "${dialog[@]}" openssl s_client -starttls smtp -connect "127.0.0.1:$port" -servername "$host" -name laptop.test.example \
        -verify_return_error -verify_hostname "$host" -CAfile "$d/ca/ca.crt" -cert "$d/granted.crt" -key "$d/granted.key" \
        "-tls${tls/./_}" -brief -nocommands >"$var/$tag.codes" 2>&1 || true
      grep -q '^Verification: OK' "$tr" && grep -q "^Protocol version: TLSv$tls" "$tr" && chain=ok || chain=FAIL
      ;;
    gnutls-cli)
      "${dialog[@]}" gnutls-cli --starttls-proto=smtp --port "$port" --x509cafile "$d/ca/ca.crt" \
        --x509certfile "$d/granted.crt" --x509keyfile "$d/granted.key" --verify-hostname "$host" \
        --priority "NORMAL:-VERS-ALL:+VERS-TLS$tls" 127.0.0.1 >"$var/$tag.codes" 2>&1 || true
      grep -q 'Status: The certificate is trusted' "$tr" && grep -q "(TLS$tls-" "$tr" && chain=ok || chain=FAIL
      ;;
    swaks)
      swaks --server 127.0.0.1 --port "$port" --helo laptop.test.example --from sender@laptop.test.example \
        --to "root@$host" --tls --tls-protocol "tlsv${tls/./_}" --tls-verify --tls-ca-path "$d/ca/ca.crt" \
        --tls-cert "$d/granted.crt" --tls-key "$d/granted.key" --header "Subject: $subject" --body matrix \
        --timeout 60 >"$tr" 2>&1 || true
      # --tls-verify: swaks does not start TLS unless the chain verifies; the name is checked here.
      grep -q "=== TLS started with cipher TLSv$tls:" "$tr" && grep -q "=== TLS peer DN=\"/CN=$host\"" "$tr" &&
        chain=ok || chain=FAIL
      ;;
  esac
  if wait_message "$maildir" "$subject" "$msg" && hop=$(received_ok "$msg" "$host" "$tls"); then
    delivered=ok ccert=ok note=$hop
  else
    delivered=FAIL ccert=FAIL note="received: ${hop:-no message} $(cat "$var/$tag.codes" 2>/dev/null)"
  fi
  cell "$set" "$server" "$client" "TLS$tls" "$starttls" "$chain" "$ccert" "$delivered" "$note"
}

# rcpt_code SERVER PORT CERT KEY DOMAIN: the RCPT reply code for root@DOMAIN (a relay) over TLS
# with CERT (sendmail: from 127.0.0.2, as 127.0.0.1 may always relay there).
rcpt_code() {
  local from=() out
  [[ $1 == sendmail ]] && from=(--local-interface 127.0.0.2)
  out=$(swaks --server 127.0.0.1 --port "$2" "${from[@]}" --helo laptop.test.example --from sender@laptop.test.example \
    --to "root@$5" --tls --tls-cert "$3" --tls-key "$4" --quit-after RCPT --timeout 60 2>&1) || true
  sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' <<<"$out" | tail -n 1
}

# relay_cell SET FROM FROM_PORT TO TO_HOST TO_MAILDIR: swaks with the granted
# certificate gives FROM a message for root@TO_HOST; FROM relays it to TO presenting init's
# certificate. Checks: the stranger certificate is refused and the granted one accepted by FROM;
# FROM's log says STARTTLS to TO with the chain verified; TO delivered it, and `received` reads
# both hops as TLS with verify OK (TO verified FROM's client certificate).
relay_cell() {
  local set=$1 from=$2 port=$3 to=$4 to_host=$5 maildir=$6 d=$pki/$1 from_host
  case $from in sendmail) from_host=$SM_HOST ;; postfix) from_host=$PF_HOST ;; exim) from_host=$EX_HOST ;; esac
  local tag=$set-$from-$to subject="matrix $1 $2 to $4 $RANDOM" msg=$var/$set-$from-$to.eml
  local starttls=FAIL chain=FAIL ccert=FAIL delivered=FAIL note="" refused="" granted="" hop1="" hop2="" from_ip=()
  [[ $from == sendmail ]] && from_ip=(--local-interface 127.0.0.2)
  local marks=("$(wc -l <"$SM_LOG")" "$(wc -l <"$PF_LOG")" "$(wc -l <"$EX_LOG")")
  since() { tail -n "+$((${marks[$1]} + 1))" "$2"; }
  refused=$(rcpt_code "$from" "$port" "$d/stranger.crt" "$d/stranger.key" "$to_host")
  swaks --server 127.0.0.1 --port "$port" "${from_ip[@]}" --helo laptop.test.example --from sender@laptop.test.example \
    --to "root@$to_host" --tls --tls-cert "$d/granted.crt" --tls-key "$d/granted.key" \
    --header "Subject: $subject" --body matrix --timeout 60 >"$var/$tag.swaks" 2>&1 || true
  granted=$(sed -n '/~> RCPT TO:/{n;s/^<~\** *\([0-9][0-9][0-9]\)[ -].*/\1/p}' "$var/$tag.swaks" | tail -n 1)
  if wait_message "$maildir" "$subject" "$msg"; then
    hop1=$(received_ok "$msg" "$to_host" "") && hop2=$(received_ok "$msg" "${from_host}" "" oldest) &&
      [[ $refused == 5* && $granted == 250 ]] && ccert=ok
    [[ $hop1 == *" tls "*"verify=OK" && $hop1 == "$to "* ]] && delivered=ok
    note="$from granted $granted, stranger $refused; $to: $hop1; $from: $hop2"
  else
    note="not delivered (granted $granted, stranger $refused)"
  fi
  # The relaying MTA's own account of the STARTTLS it ran as a client (log lines per MTA).
  local i log
  for ((i = 0; i < 50; i++)); do
    case $from in
      sendmail) log=$(since 0 "$SM_LOG" | grep -E "STARTTLS=client, relay=\[127\.0\.0\.1\], version=TLSv1\.[23], verify=OK" | tail -n 1) || true ;;
      postfix) log=$(since 1 "$PF_LOG" | grep -E "Trusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:$EX_PORT" | tail -n 1) || true ;;
      exim) log=$(since 2 "$EX_LOG" | grep -E "=> root@$to_host .*X=TLS1\.[23]:.* CV=yes" | tail -n 1) || true ;;
    esac
    [[ -n $log ]] && break
    sleep 0.1
  done
  if [[ -n $log ]]; then starttls=ok chain=ok; fi
  cell "$set" "$from->$to" "mta relay" "any" "$starttls" "$chain" "$ccert" "$delivered" "$note"
}

# --- the run ------------------------------------------------------------------------------------
sets=("mtlscert-rsa rsa mtlscert" "mtlscert-ecdsa ecdsa mtlscert" "openssl-rsa rsa openssl" "openssl-ecdsa ecdsa openssl")
for s in "${sets[@]}"; do
  read -r set type origin <<<"$s"
  t0=$SECONDS
  make_pki "$set" "$type" "$origin"
  start_daemons "$set" "$type"
  ok "$set: sendmail :$SM_PORT, postfix :$PF_PORT, exim :$EX_PORT started in $((SECONDS - t0)) s"
  for server in sendmail postfix exim; do
    case $server in
      sendmail) host=$SM_HOST port=$SM_PORT maildir=$sm_mail ;;
      postfix) host=$PF_HOST port=$PF_PORT maildir=$pf_mail ;;
      exim) host=$EX_HOST port=$EX_PORT maildir=$EX_MAIL ;;
    esac
    for client in s_client gnutls-cli swaks; do
      for tls in 1.2 1.3; do
        client_cell "$set" "$server" "$host" "$port" "$maildir" "$client" "$tls"
      done
    done
  done
  relay_cell "$set" sendmail "$SM_PORT" postfix "$PF_HOST" "$pf_mail"
  relay_cell "$set" postfix "$PF_PORT" exim "$EX_HOST" "$EX_MAIL"
  relay_cell "$set" exim "$EX_PORT" sendmail "$SM_HOST" "$sm_mail"
  stop_daemons
  ok "$set: done in $((SECONDS - t0)) s"
done

# --- report -------------------------------------------------------------------------------------
json=$out_dir/interop_matrix.json
python3 - "$json" "${rows[@]}" <<'PY'
import json, sys
keys = ["set", "server", "client", "tls", "starttls", "chain", "client_cert", "delivered", "note"]
cells = [dict(zip(keys, r.split("|", 8))) for r in sys.argv[2:]]
for c in cells:
    c["green"] = all(c[k] == "ok" for k in ("starttls", "chain", "client_cert", "delivered"))
json.dump({"schema": "mtlscert.interop_matrix/1", "cells": cells,
           "green": all(c["green"] for c in cells)}, open(sys.argv[1], "w"), indent=2)
head = ["set", "server", "client", "tls", "STARTTLS", "chain", "client cert", "delivered+received"]
w = [max([len(h)] + [len(c[k]) for c in cells]) for h, k in zip(head, keys)]
line = lambda vals: "| " + " | ".join(v.ljust(n) for v, n in zip(vals, w)) + " |"
print(line(head))
print("|" + "|".join("-" * (n + 2) for n in w) + "|")
for c in cells:
    print(line([c[k] for k in keys[:8]]))
PY
echo "matrix: ${#rows[@]} cells, $bad failed checks, $((SECONDS - t_start)) s; JSON: $json"
((bad == 0)) || fail "interop matrix: $bad checks not green (see the FAIL lines above)"
echo "PASS: interop matrix, every cell green"
