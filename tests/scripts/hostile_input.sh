#!/usr/bin/env bash
# label: cli
# Hostile-input table: every subcommand that reads a file, fed every kind of bad file.
# Rows are inputs (empty, garbage, 60 MB, directory, missing, unreadable, UTF-16, truncated PEM,
# base64 garbage in a PEM block, a key where a certificate is expected and the reverse); columns
# are the commands (one line each in COLUMNS below). Every cell must exit with the column's code
# (2, or 1 for emit-mc whose pre-flight reports a bad file as a finding), print a message naming
# the file and the problem, never crash (no signal, no sanitizer report), finish within a timeout
# and, in the normal build, within a 1 GiB address space (skipped when MTLSCERT_ASAN=1: ASan
# reserves terabytes of address space). Rows after the table feed one command the input only it
# reads: received (a 40 KB word, 62 MB messages in 64 MiB) and probe (a DNS server that never answers).
# Args: $1 = mtlscert binary, $2 = source dir. Needs root (for the unreadable row: setpriv).
set -euo pipefail
bin=$(readlink -f "$1")
per_run_timeout=${MTLSCERT_HOSTILE_TIMEOUT:-120}
if [[ $(id -u) != 0 ]] || ! command -v setpriv >/dev/null; then
  echo "*** SKIPPED: needs root and setpriv (tests run as root in CI) ***" >&2
  exit 77
fi
tmp=$(mktemp -d)
dns_pid=""
trap 'rm -rf "$tmp"; [[ -z $dns_pid ]] || kill "$dns_pid" 2>/dev/null || true' EXIT
chmod 0755 "$tmp"  # the unprivileged user of the 'unreadable' row must reach the fixtures
# … and the program and its templates, which may sit in a checkout it cannot enter (a
# clone in a 0700 mktemp directory): that row runs a copy of both from here.
cp "$bin" "$tmp/mtlscert" && chmod 0755 "$tmp/mtlscert"
cp -r "$2/templates" "$tmp/templates" && chmod -R a+rX "$tmp/templates"
cd "$tmp"

# Good fixtures: a CA, a key, a CSR and a certificate for mx.example.org; a hashed CA dir.
"$bin" ca init --dir ca --name "Hostile Test CA" >/dev/null
"$bin" genkey --type ecdsa -o good.key >/dev/null
"$bin" csr --key good.key --host mx.example.org -o good.csr >/dev/null
"$bin" ca sign --dir ca good.csr -o good.crt >/dev/null
mkdir certs && cp ca/ca.crt certs/ && openssl rehash certs 2>/dev/null || true
chmod 0755 ca && chmod 0644 ca/*  # the 'unreadable' row runs unprivileged; good.key stays 0600 (emit-mc checks it)

# Rows: INPUT NAME -> a file (or not) at in/NAME.
mkdir in
: >in/empty
head -c 8192 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 >in/garbage
{ echo "-----BEGIN CERTIFICATE-----"
  line=MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAwDQYJKoZIhvcNAQELBQAwTzELMAkGA1
  for _ in 1 2 3 4 5 6 7 8 9 10; do line+=$'\n'$line; done  # 1024 lines
  for _ in $(seq 780); do printf '%s\n' "$line"; done  # 780 x 1024 x 75 bytes: 60 MB
  echo "-----END CERTIFICATE-----"; } >in/60MB
mkdir in/directory
cp good.crt in/unreadable && chmod 0600 in/unreadable
iconv -f UTF-8 -t UTF-16 good.crt >in/utf16
head -c 600 good.crt >in/truncated
{ echo "-----BEGIN CERTIFICATE-----"; for _ in 1 2 3 4; do echo '!!!!****@@@@~~~~!!!!****@@@@~~~~!!!!****@@@@~~~~!!!!****@@@@~~~~'; done
  echo "-----END CERTIFICATE-----"; } >in/b64garbage
mkfifo in/fifo
ln -s /dev/zero in/endless
cp good.key in/key-for-cert
cp good.crt in/cert-for-key
cp good.crt in/cert-for-csr
ROWS=(empty garbage 60MB directory fifo endless missing unreadable utf16 truncated b64garbage key-for-cert cert-for-key cert-for-csr)

# Columns: NAME|EXIT|WANTS|ARGS ('@F@' is the hostile file, '@O@' an output path).
# WANTS is what the command expects in that place: cert, key, csr or dir (every file is wrong for it); rows that hand it the right
# kind of file (a key for a key) do not apply to it.
COLUMNS=(
  "inspect|2|any|inspect @F@"
  "csr --key|2|key|csr --key @F@ --host mx.example.org -o @O@"
  "ca sign CSR|2|csr|ca sign --dir ca @F@ -o @O@"
  "emit-mc --server-cert|1|cert|emit-mc --server-cert @F@ --server-key $tmp/good.key --cacert $tmp/ca/ca.crt --cacert-path $tmp/certs -o @O@"
  "emit-mc --server-key|1|key|emit-mc --server-cert $tmp/good.crt --server-key @F@ --cacert $tmp/ca/ca.crt --cacert-path $tmp/certs -o @O@"
  "emit-mc --cacert|1|cert|emit-mc --server-cert $tmp/good.crt --server-key $tmp/good.key --cacert @F@ --cacert-path $tmp/certs -o @O@"
  "probe --cacert|2|cert|probe 127.0.0.1:9 --timeout 2 --cacert @F@"
  "probe --cert|2|cert|probe 127.0.0.1:9 --timeout 2 --cert @F@ --key $tmp/good.key"
  "probe --key|2|key|probe 127.0.0.1:9 --timeout 2 --cert $tmp/good.crt --key @F@"
  "bundle check|2|cert|bundle check @F@"
  "bundle trim|2|cert|bundle trim @F@ -o @O@"
  "bundle trim --keep-issuers-of|2|cert|bundle trim $tmp/ca/ca.crt --keep-issuers-of @F@ -o @O@"
  "bundle split|2|cert|bundle split @F@ --advertise $tmp/good.crt --out-cacert @O@ --out-cacert-path @O@.d"
  "bundle split --advertise|2|cert|bundle split $tmp/ca/ca.crt --advertise @F@ --out-cacert @O@ --out-cacert-path @O@.d"
  "bundle rehash|2|dir|bundle rehash @F@"
  "access --ca|2|cert|access --ca @F@"
  "access --client|2|cert|access --client @F@"
)

# applies ROW WANTS: does this row make sense for a column that wants WANTS?
applies() {
  case "$1" in
    key-for-cert) [[ $2 == cert ]] ;;
    cert-for-key) [[ $2 == key ]] ;;
    cert-for-csr) [[ $2 == csr ]] ;;
    directory) [[ $2 != dir ]] ;;  # an (empty) directory is what rehash wants
    *) true ;;
  esac
}

# problem ROW: a regular expression the message must match: the problem, in words.
problem() {
  case "$1" in
    empty) echo 'empty' ;;
    missing) echo 'No such file|does not exist|not found' ;;
    directory) echo 'directory' ;;
    fifo | endless) echo 'not a regular file|character device|fifo|FIFO' ;;
    unreadable) echo 'Permission denied' ;;
    *) echo '.' ;;  # the kind-specific wording is checked by the path/sanity rules below
  esac
}

fail=0
cells=0
for col in "${COLUMNS[@]}"; do
  IFS='|' read -r cname want_exit wants template <<<"$col"
  for row in "${ROWS[@]}"; do
    applies "$row" "$wants" || continue
    cells=$((cells + 1))
    f="$tmp/in/$row"
    out="$tmp/out-$cells"
    cmd=${template//@F@/$f}
    cmd=${cmd//@O@/$out}
    read -r -a argv <<<"$cmd"
    run=(timeout -k 5 "$per_run_timeout" "$bin" "${argv[@]}")
    [[ ${MTLSCERT_ASAN:-0} == 1 ]] || run=(prlimit --as=$((1 << 30)) "${run[@]}")
    if [[ $row == unreadable ]]; then
      run=("${run[@]/#"$bin"/$tmp/mtlscert}")
      run=(setpriv --reuid=65534 --regid=65534 --clear-groups env "MTLSCERT_TEMPLATES=$tmp/templates" "${run[@]}")
    fi
    rc=0
    "${run[@]}" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
    msg=$(cat "$tmp/stdout" "$tmp/stderr")
    pattern=$(problem "$row")
    [[ $wants == dir && $row != missing ]] && pattern='[Nn]ot a directory'
    why=""
    if ((rc == 124 || rc == 137)); then why="timed out after ${per_run_timeout}s"
    elif ((rc > 128)); then why="killed by signal $((rc - 128))"
    elif ((rc != want_exit)); then why="exit $rc, expected $want_exit"
    elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|terminate called' <<<"$msg"; then why="sanitizer or terminate report"
    elif ! grep -qF "$f" <<<"$msg"; then why="message does not name the file $f"
    elif ! grep -qE "$pattern" <<<"$msg"; then why="message does not say: $pattern"
    elif [[ -e $out ]]; then why="wrote $out despite the bad input"
    fi
    if [[ -n $why ]]; then
      echo "FAIL: $cname <- $row: $why" >&2
      sed -n '1,12s/^/    | /p' <<<"$msg" >&2
      fail=$((fail + 1))
    else
      echo "ok: $cname <- $row: exit $rc: $(grep -m1 -F "$f" <<<"$msg" | cut -c1-160)"
    fi
  done
done
# Rows only one command reads (issue 13). extra NAME EXIT PATTERN -- ARGV...: run the command
# (with the same address-space limit, or AS_LIMIT), expect its exit code, a message matching
# PATTERN, no crash; STDIN_FILE, when set, is its standard input; PREFIX wraps the whole.
PREFIX=()
extra() {
  local name=$1 want=$2 pattern=$3
  shift 4
  cells=$((cells + 1))
  local run=(timeout -k 5 "$per_run_timeout" "$bin" "$@") rc=0 why=""
  [[ ${MTLSCERT_ASAN:-0} == 1 ]] || run=(prlimit --as="${AS_LIMIT:-$((1 << 30))}" "${run[@]}")
  run=("${PREFIX[@]}" "${run[@]}")
  "${run[@]}" <"${STDIN_FILE:-/dev/null}" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  msg=$(cat "$tmp/stdout" "$tmp/stderr")
  if ((rc == 124 || rc == 137)); then why="timed out after ${per_run_timeout}s"
  elif ((rc > 128)); then why="killed by signal $((rc - 128))"
  elif ((rc != want)); then why="exit $rc, expected $want"
  elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|terminate called' <<<"$msg"; then why="sanitizer or terminate report"
  elif ! grep -qE -- "$pattern" <<<"$msg"; then why="message does not say: $pattern"
  fi
  if [[ -n $why ]]; then
    echo "FAIL: $name: $why" >&2
    sed -n '1,12s/^/    | /p' <<<"$msg" >&2
    fail=$((fail + 1))
  else
    echo "ok: $name: exit $rc: $(grep -m1 -E -- "$pattern" <<<"$msg" | cut -c1-160)"
  fi
}

# received: a 40 KB word in a Received: header (std::regex recursed per character: SIGSEGV).
printf 'Received: from %040000d by mx\r\n\r\n' 0 >in/received-40k-word.eml
extra "received <- 40 KB word in a Received: header" 0 'received-header-too-long' -- received in/received-40k-word.eml
# received: 62 MB messages in 64 MiB of address space (the whole message was read: 72 MB resident
# for a 62 MB body, 138 MB for 62 MB of headers, and it failed under this limit; now 7-9 MB):
# only the header section is read, and at most 1 MiB of it.
{ printf 'Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTPS id 1; date\r\nSubject: big\r\n\r\n'
  head -c $((62 << 20)) /dev/zero | tr '\0' 'b'; } >in/received-62MB-body.eml
{ printf 'Received: from a.example by b.example with ESMTPS id 1; date\r\n'
  for _ in $(seq 62); do head -c $((1 << 20)) /dev/zero | tr '\0' 'h' | fold -w 998 | sed 's/^/X-Filler: /'; done; } >in/received-62MB-headers.eml
AS_LIMIT=$((64 << 20))
extra "received <- 62 MB message (body)" 0 'hop 1: a.example -> b.example: tls' -- received in/received-62MB-body.eml
STDIN_FILE=in/received-62MB-body.eml extra "received - <- 62 MB message (body) on standard input" 0 'hop 1: a.example -> b.example: tls' -- received -
extra "received <- 62 MB of headers, no body" 0 'received-headers-too-long' -- received in/received-62MB-headers.eml
unset AS_LIMIT
rm -f in/received-62MB-*.eml

# probe: a DNS server that never answers must not stretch --timeout 1 (it took 6 s and more:
# getaddrinfo has no deadline). The server is a UDP socket on a loopback address that reads
# nothing; the probe sees it as its only name server through a private resolv.conf, bound over
# /etc/resolv.conf in its own mount namespace: no DNS query leaves the machine.
dns_addr=127.83.13.53
python3 -u -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # a parallel run (the ASan tree) may hold it too
s.bind((sys.argv[1], 53))
print("ready")
time.sleep(300)' "$dns_addr" >dns.log 2>&1 &
dns_pid=$!
for _ in $(seq 100); do grep -q ready dns.log && break; sleep 0.1; done
if ! unshare -m --propagation private true 2>/dev/null; then
  echo "skip: probe <- an unanswering DNS server: cannot make a private mount namespace (unshare -m)"
elif ! grep -q ready dns.log; then
  echo "skip: probe <- an unanswering DNS server: cannot listen on $dns_addr:53/udp: $(tail -n 1 dns.log)"
else
  printf 'nameserver %s\noptions timeout:5 attempts:2\n' "$dns_addr" >resolv.conf
  printf 'hosts: files dns\n' >nsswitch.conf
  PREFIX=(unshare -m --propagation private sh -c \
    'mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"' \
    sh "$tmp/resolv.conf" "$tmp/nsswitch.conf")
  started=$(date +%s%N)
  extra "probe --timeout 1 <- an unanswering DNS server" 2 \
    'connecting to mx\.silent-dns\.example:25: no answer within 1 s' -- probe --timeout 1 mx.silent-dns.example:25
  ms=$((($(date +%s%N) - started) / 1000000))
  PREFIX=()
  # The deadline covers the lookup: the resolver alone waits 2 x 5 s (options above); 1 s plus
  # the start of unshare, prlimit and the binary on a loaded machine stays well under 5 s.
  if ((ms >= 5000)); then
    echo "FAIL: probe --timeout 1 <- an unanswering DNS server: took $ms ms, expected < 5000" >&2
    fail=$((fail + 1))
  else
    echo "    (returned after $ms ms)"
  fi
fi
kill "$dns_pid" 2>/dev/null || true

# Hostile certificates, CSRs and file modes from the security audit (issue 13): one row each,
# NAME|EXIT|PATTERN|ARGS ('@T@' is $tmp). The output file @T@/audit-out must never appear.
mkdir -p audit/ca13 audit/tls
"$bin" ca init --dir audit/ca13 --name "Audit CA" --type ecdsa >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout audit/two-cn.key \
  -subj "/CN=evil.example.org/CN=mx.example.org" -addext subjectAltName=DNS:mx.example.org -out audit/two-cn.csr 2>/dev/null
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout audit/empty.key -subj / \
  -addext subjectAltName=DNS:x.example.org -days 30 -out audit/empty-subject.crt 2>/dev/null
cp -r audit/ca13 audit/ca-open && chmod 0644 audit/ca-open/ca.key
cp good.crt audit/mode0000.crt && chmod 0000 audit/mode0000.crt
cp good.key audit/mode0200.key && chmod 0200 audit/mode0200.key
"$bin" init mx.example.org --dir audit/tls --type ecdsa >/dev/null 2>&1
chmod 0644 audit/tls/mx.example.org.key
isrg=/etc/ssl/certs/ISRG_Root_X1.pem
AUDIT_ROWS=(
  "public root as --ca (row 1)|1|access-public-ca: .*public CA|access --ca $isrg"
  "client certificate with an empty subject (row 15)|2|subject is empty|access --client @T@/audit/empty-subject.crt"
  "CSR subject with two CNs (row 7)|2|more than one CN|ca sign --dir @T@/audit/ca13 @T@/audit/two-cn.csr -o @T@/audit-out"
  "world-readable ca.key (row 17)|2|has mode 0644|ca sign --dir @T@/audit/ca-open @T@/good.csr -o @T@/audit-out"
  "server certificate mode 0000 (row 9)|1|unsafe: Permission denied|emit-mc --server-cert @T@/audit/mode0000.crt --server-key @T@/good.key --cacert @T@/ca/ca.crt --cacert-path @T@/certs -o @T@/audit-out"
  "server key mode 0200 (row 9)|1|unsafe: Permission denied|emit-mc --server-cert @T@/good.crt --server-key @T@/audit/mode0200.key --cacert @T@/ca/ca.crt --cacert-path @T@/certs -o @T@/audit-out"
  "init reusing a world-readable key (row 3)|2|world-readable.*will not reuse|init mx.example.org --dir @T@/audit/tls --ca private"
)
for row in "${AUDIT_ROWS[@]}"; do
  IFS='|' read -r rname want_exit pattern template <<<"$row"
  cells=$((cells + 1))
  if [[ $rname == public* && ! -f $isrg ]]; then echo "skip: $rname: no $isrg"; continue; fi
  read -r -a argv <<<"${template//@T@/$tmp}"
  rc=0
  msg=$(timeout -k 5 "$per_run_timeout" "$bin" "${argv[@]}" 2>&1) || rc=$?
  why=""
  if ((rc != want_exit)); then why="exit $rc, expected $want_exit"
  elif ! grep -qE -- "$pattern" <<<"$msg"; then why="message does not say: $pattern"
  elif [[ -e $tmp/audit-out ]]; then why="wrote $tmp/audit-out"
  elif [[ $rname == init* && -e $tmp/audit/tls/mx.example.org.crt ]]; then why="signed a certificate for the unsafe key"
  fi
  if [[ -n $why ]]; then
    echo "FAIL: $rname: $why" >&2
    sed -n '1,12s/^/    | /p' <<<"$msg" >&2
    fail=$((fail + 1))
  else
    echo "ok: $rname: exit $rc: $(grep -m1 -E -- "$pattern" <<<"$msg" | cut -c1-160)"
  fi
  rm -f "$tmp/audit-out"
done

echo "hostile inputs: $cells cells, $fail failed"
((fail == 0))
