#!/usr/bin/env bash
# label: cli
# json_contract.sh BIN SRC: the one contract of every command, as a table.
# Each row runs one command on good input, on input with a finding, or on bad input:
#  - with --json, stdout is exactly one JSON document valid against the schema it names
#    (SRC/schemas, tests/scripts/lib/validate_json.py), its exit_code and verdict
#    match the process's exit status, and that status is the row's;
#  - without --json the exit status is the same, and the streams hold: exit 2 says
#    "mtlscert: error:" on stderr; a finding is printed on stdout ("error  CODE:" or
#    "warn   CODE:"), never on stderr, unless stdout carries the product (-o -).
# The fixtures are made by the binary itself (genkey, csr, ca) in a temp dir; probe
# talks to tests' fake-smtp-server (STARTTLS) and to a bash/python3 server without it.
set -uo pipefail
bin=$1
src=$2
build=$(cd "$(dirname "$bin")/.." && pwd)
validate=(python3 "$src/tests/scripts/lib/validate_json.py" "$src/schemas")
python3 -c 'import jsonschema' 2>/dev/null || { echo "json_contract: python3-jsonschema missing (scripts/install-deps.sh)" >&2; exit 1; }
t=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$t"; }
trap cleanup EXIT
fail=0
rows=0
commands=()
problem() { echo "json_contract: FAIL: $*" >&2; fail=1; }
m() { "$bin" "$@" >/dev/null 2>"$t/setup.err" || { cat "$t/setup.err" >&2; echo "json_contract: setup failed: $*" >&2; exit 1; }; }

# --- fixtures -------------------------------------------------------------------
cd "$t" || exit 1
m genkey --type ecdsa -o "$t/smtp.toto.com.key"
m genkey --type ecdsa -o "$t/other.key"
m csr --key "$t/smtp.toto.com.key" --host smtp.toto.com -o "$t/smtp.csr"
m ca init --dir "$t/ca" --name 'Contract CA' --type ecdsa
m ca sign --dir "$t/ca" "$t/smtp.csr" -o "$t/smtp.crt"
mkdir -p "$t/certs" && cp "$t/ca/ca.crt" "$t/certs/" && m bundle rehash "$t/certs"
cat "$t/ca/ca.crt" "$t/smtp.crt" >"$t/mixed.pem"                      # a leaf in a CA bundle: a finding
{ head -c 200 "$t/smtp.crt"; echo; echo '-----END CERTIFICATE-----'; } >"$t/broken.pem"
printf 'Received: from a.example (a.example [192.0.2.1])\r\n\tby b.example with ESMTPS id 1 (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=OK)\r\n\tfor <x@b.example>; Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: t\r\n\r\nbody\r\n' >"$t/tls.eml"
printf 'Received: from a.example (a.example [192.0.2.1])\r\n\tby b.example with ESMTP id 1\r\n\tfor <x@b.example>; Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: t\r\n\r\nbody\r\n' >"$t/clear.eml"
head -c 300 /dev/urandom | tr -d ':' >"$t/garbage.bin"; printf '\001\002' >>"$t/garbage.bin"
m init smtp.toto.com --dir "$t/init" --ca private --type ecdsa
m init smtp.toto.com --dir "$t/pending" --ca none --type ecdsa --cacert "$t/ca/ca.crt"
m ca sign --dir "$t/ca" "$t/pending/smtp.toto.com.csr" -o "$t/pending.crt"
cat "$t/ca/ca.crt" >>"$t/pending.crt"  # the chain, as a CA returns it
cat >"$t/good.cf" <<CF
O ServerCertFile=$t/init/smtp.toto.com.crt
O ServerKeyFile=$t/init/smtp.toto.com.key
O CACertFile=$t/init/ca/ca.crt
O CACertPath=$t/certs
O DontBlameSendmail=AssumeSafeChown,TrustStickyBit
CF
sed "s|$t/init/smtp.toto.com.key|$t/other.key|" "$t/good.cf" >"$t/mismatch.cf"
mkdir -m 0775 "$t/gw"  # a group-writable directory: writing there is a warning
mc=(--server-cert "$t/smtp.crt" --cacert "$t/ca/ca.crt" --cacert-path "$t/certs" --host smtp.toto.com)

# Servers for probe: a real STARTTLS one, and one that never offers STARTTLS.
"$build/tests/fake-smtp-server" "$t" >"$t/fake.port" &
pids+=($!)
python3 - "$t/plain.port" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); f = c.makefile("rwb")
    f.write(b"220 plain.example ESMTP\r\n"); f.flush()
    for line in f:
        if line.upper().startswith(b"EHLO"): f.write(b"250-plain.example\r\n250 SIZE 1000\r\n")
        elif line.upper().startswith(b"QUIT"): f.write(b"221 bye\r\n"); f.flush(); break
        else: f.write(b"500 no\r\n")
        f.flush()
    c.close()
PY
pids+=($!)
for _ in $(seq 100); do [[ -s $t/fake.port && -s $t/plain.port && -s $t/ca.pem ]] && break; sleep 0.1; done
fake=$(<"$t/fake.port"); plain=$(<"$t/plain.port")
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# --- the table: command | case | want exit | argv (--json added by the runner) ------
rows_file=$t/rows
n=0
row() { printf '%s\0' "$@" >"$t/row.$n"; n=$((n + 1)); }
row genkey good 0 genkey --type ecdsa -o "$t/new.key"
row genkey finding 1 genkey --type ed25519 --strict -o "$t/ed.key"
row genkey dry-run 0 genkey -n --type ecdsa -o "$t/dry.key"
row genkey bad 2 genkey --type dsa -o "$t/dsa.key"
row csr good 0 csr --key "$t/smtp.toto.com.key" --host smtp.toto.com -o "$t/new.csr"
row csr finding 1 csr --strict --key "$t/smtp.toto.com.key" --mx 'toto.com. IN MX 10 smtp.toto.com.' --mx 'toto.com. IN MX 20 mx2.toto.com.' -o "$t/mx.csr"
row csr dry-run 0 csr -n --key "$t/smtp.toto.com.key" --host smtp.toto.com -o "$t/dry.csr"
row csr bad 2 csr --key "$t/missing.key" --host smtp.toto.com -o "$t/x.csr"
row "ca init" good 0 ca init --dir "$t/ca2" --name 'Second CA' --type ecdsa
row "ca init" finding 1 ca init --strict --dir "$t/ca3" --name 'Ed CA' --type ed25519
row "ca init" dry-run 0 ca init --dry-run --dir "$t/ca4" --name 'Dry CA' --type ecdsa
row "ca init" bad 2 ca init --dir "$t/ca" --name 'Again'
row "ca sign" good 0 ca sign --dir "$t/ca" "$t/smtp.csr" -o "$t/again.crt"
row "ca sign" finding 1 ca sign --strict --days 36500 --dir "$t/ca" "$t/smtp.csr" -o "$t/long.crt"
row "ca sign" stdout 0 ca sign --dir "$t/ca" "$t/smtp.csr" -o -
row "ca sign" dry-run 0 ca sign -n --dir "$t/ca" "$t/smtp.csr" -o "$t/dry.crt"
row "ca sign" bad 2 ca sign --dir "$t/ca" "$t/smtp.crt" -o "$t/x.crt"
row "ca revoke" good 0 ca revoke --dir "$t/ca" --reason superseded "$t/again.crt"
row "ca revoke" bad 2 ca revoke --dir "$t/ca" ABCDEF0123
row "ca crl" good 0 ca crl --dir "$t/ca" -o "$t/ca.crl"
row "ca crl" bad 2 ca crl --dir "$t/ca" -o "$t/garbage.bin"
row "bundle check" good 0 bundle check "$t/ca/ca.crt"
row "bundle check" finding 1 bundle check --strict "$t/mixed.pem"
row "bundle check" bad 2 bundle check "$t/missing.pem"
row "bundle trim" good 0 bundle trim "$t/ca/ca.crt" -o "$t/trim.pem"
row "bundle trim" finding 1 bundle trim --strict "$t/ca/ca.crt" -o "$t/gw/trim2.pem"
row "bundle trim" stdout 0 bundle trim "$t/mixed.pem" -o -
row "bundle trim" dry-run 0 bundle trim --dry-run "$t/mixed.pem" -o "$t/dry.pem"
row "bundle trim" bad 2 bundle trim "$t/ca/ca.crt" -o "$t/trim.pem"
row "bundle split" good 0 bundle split "$t/ca/ca.crt" --advertise "$t/smtp.crt" --out-cacert "$t/split.pem" --out-cacert-path "$t/split"
row "bundle split" finding 1 bundle split --strict "$t/ca/ca.crt" --advertise "$t/smtp.crt" --out-cacert "$t/gw/split2.pem" --out-cacert-path "$t/split2"
row "bundle split" dry-run 0 bundle split -n "$t/ca/ca.crt" --advertise "$t/smtp.crt" --out-cacert "$t/dry-split.pem" --out-cacert-path "$t/dry-split"
row "bundle split" bad 2 bundle split "$t/missing.pem" --out-cacert "$t/split3.pem" --out-cacert-path "$t/split3"
row "bundle rehash" good 0 bundle rehash --dry-run "$t/ca"
row "bundle rehash" bad 2 bundle rehash "$t/missing"
row emit-mc good 0 emit-mc "${mc[@]}" --server-key "$t/smtp.toto.com.key" -o "$t/tls.m4"
row emit-mc finding 1 emit-mc "${mc[@]}" --server-key "$t/other.key" -o "$t/bad.m4"
row emit-mc dry-run 0 emit-mc "${mc[@]}" --server-key "$t/smtp.toto.com.key" -n -o "$t/dry.m4"
row emit-mc bad 2 emit-mc "${mc[@]}"
row emit good 0 emit --mta postfix "${mc[@]}" --server-key "$t/smtp.toto.com.key" -o "$t/postfix.cf"
row emit finding 1 emit --mta postfix "${mc[@]}" --server-key "$t/other.key" -o "$t/postfix-bad.cf"
row emit finding 1 emit --mta exim "${mc[@]}" --server-key "$t/other.key"
row emit bad 2 emit --mta exim "${mc[@]}"
row probe good 0 probe "127.0.0.1:$fake" --servername mx.bench.example --cacert "$t/ca.pem" --timeout 5
row probe finding 1 probe "127.0.0.1:$plain" --timeout 5
row probe bad 2 probe "127.0.0.1:$closed" --timeout 5
row inspect good 0 inspect "$t/smtp.crt" "$t/smtp.csr"
row inspect bad 2 inspect "$t/broken.pem"
row inspect bad 2 inspect "$t/missing.crt"
row doctor good 0 doctor "$t/good.cf"
row doctor finding 1 doctor "$t/mismatch.cf"
row doctor bad 2 doctor "$t/missing.cf"
row access good 0 access --ca "$t/ca/ca.crt" --trust-store "$t/certs-none" -o "$t/access.txt"
row access finding 1 access --strict --ca "$t/ca/ca.crt" --trust-store "$t/certs" -o "$t/access2.txt"
row access dry-run 0 access -n --ca "$t/ca/ca.crt" --trust-store "$t/certs-none" -o "$t/dry-access.txt"
row access bad 2 access --ca "$t/smtp.key-missing"
row received good 0 received "$t/tls.eml"
row received finding 1 received "$t/clear.eml"
row received bad 2 received "$t/garbage.bin"
row mta-sts good 0 mta-sts --domain toto.com --mx smtp.toto.com --mx '*.toto.net' --mode testing --id 1
row mta-sts bad 2 mta-sts --domain toto.com --mode enforce
row init good 0 init smtp.toto.com --dir "$t/init" --ca private --type ecdsa
row init good 0 init smtp.toto.com --dir "$t/dry" --ca private --type ecdsa --dry-run
row init finding 1 init smtp.toto.com --strict --dir "$t/init-ed" --ca private --type ed25519
row init bad 2 init 'not a host' --dir "$t/init3"
row install-cert good 0 install-cert "$t/pending.crt" --dir "$t/pending"
row install-cert bad 2 install-cert "$t/missing.crt" --dir "$t/pending"
row tlsa good 0 tlsa "$t/smtp.crt" --host smtp.toto.com
row tlsa finding 1 tlsa --strict "$t/ca/ca.crt" --host smtp.toto.com --usage dane-ee
row tlsa bad 2 tlsa "$t/missing.crt" --host smtp.toto.com
row completion good 0 completion bash
row completion bad 2 completion fish
row version good 0 --version
row usage bad 2 genkey --no-such-flag -o "$t/y.key"
row unknown bad 2 gnekey -o "$t/y.key"

# --- the runner -------------------------------------------------------------------
verdicts=(ok findings error)
for ((i = 0; i < n; i++)); do
  mapfile -d '' -t r <"$t/row.$i"
  name=${r[0]} case=${r[1]} want=${r[2]}
  args=("${r[@]:3}")
  rows=$((rows + 1))
  [[ " ${commands[*]} " == *" $name "* ]] || commands+=("$name")
  label="$name/$case"
  # --json first: the first run may write files the human run would then refuse.
  "$bin" "${args[@]}" --json >"$t/out.json" 2>"$t/err.json" </dev/null
  rc=$?
  [[ $rc == "$want" ]] || problem "$label --json: exit $rc, want $want: $(head -c 300 "$t/err.json")"
  if ! "${validate[@]}" "$t/out.json" 2>"$t/valid.err"; then
    problem "$label --json: stdout is not one valid document: $(head -c 400 "$t/valid.err")"
    continue
  fi
  got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["exit_code"], d["verdict"])' "$t/out.json")
  [[ $got == "$rc ${verdicts[$rc]}" ]] || problem "$label --json: document says '$got', process exit $rc"
  if [[ $rc == 2 ]] && ! grep -q '^mtlscert: error: ' "$t/err.json"; then problem "$label --json: exit 2 without 'mtlscert: error:' on stderr"; fi

  # Human mode: re-run the row where it writes nothing new (a second write would be refused).
  case "$name/$case" in
    install-cert/good) ;;  # a second install of the same certificate is fine
    genkey/good | csr/good | "ca init/good" | "ca sign/good" | "bundle trim/good" | "bundle split/good" | emit-mc/good | emit/good | access/good | genkey/finding | csr/finding | "ca init/finding" | "ca sign/finding" | "bundle trim/finding" | "bundle split/finding" | access/finding | init/finding)
      args=("${args[@]//$t\/new.key/$t/new2.key}")
      for k in "${!args[@]}"; do
        case ${args[$k]} in
          "$t"/new.csr | "$t"/again.crt | "$t"/trim.pem | "$t"/split.pem | "$t"/split | "$t"/tls.m4 | "$t"/postfix.cf | "$t"/access.txt | "$t"/ed.key | "$t"/mx.csr | "$t"/long.crt | "$t"/gw/trim2.pem | "$t"/gw/split2.pem | "$t"/split2 | "$t"/access2.txt | "$t"/ca2 | "$t"/ca3 | "$t"/init-ed)
            args[$k]=${args[$k]}.h ;;
        esac
      done ;;
  esac
  "$bin" "${args[@]}" >"$t/out.txt" 2>"$t/err.txt" </dev/null
  hrc=$?
  [[ $hrc == "$want" ]] || problem "$label: exit $hrc without --json, want $want: $(head -c 300 "$t/err.txt")"
  if [[ $hrc == 2 ]] && ! grep -q '^mtlscert: error: ' "$t/err.txt"; then problem "$label: exit 2 without 'mtlscert: error:' on stderr"; fi
  if [[ $hrc == 1 ]]; then
    grep -qE '^(error|warn|notice) +[a-z0-9-]+: ' "$t/out.txt" || problem "$label: exit 1 but no finding on stdout: $(head -c 300 "$t/out.txt")"
    ! grep -qE '^(error|warn|notice) +[a-z0-9-]+: ' "$t/err.txt" || problem "$label: a finding on stderr"
  fi
  grep -q '^mtlscert: error: ' "$t/out.txt" && problem "$label: an error on stdout"
done

echo "json_contract: $rows rows over ${#commands[@]} commands (${commands[*]})"
((fail == 0)) && echo "json_contract: every row: exit code, one valid JSON document, streams"
exit "$fail"
