#!/usr/bin/env bash
# label: cli
# write_flags.sh BIN SRC: the flags of every command that writes, the same everywhere.
#  1. -n/--dry-run: for genkey, csr, ca init, ca sign, bundle trim, bundle split, emit-mc -o and
#     access -o, the run exits as the real one would, prints "Dry run: would write PATH", names
#     PATH in --json's outputs with "dry_run": true, and leaves the directory exactly as it was
#     (a listing of names, modes, sizes and times before and after); a dry run that the real
#     run would refuse (an existing file without --force) is refused the same way (exit 2).
#  2. -o - is standard output for ca sign and bundle trim: the PEM on stdout is what openssl
#     reads, the findings and the dropped list go to stderr, no file named "-" appears.
#  3. bundle split --out-cacert/--out-cacert-path; the old --cacert/--cacert-path still work,
#     with a one-line notice on stderr.
set -uo pipefail
bin=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
checks=0
problem() { echo "write_flags: FAIL: $*" >&2; fail=1; }
m() { "$bin" "$@" >/dev/null 2>"$t/setup.err" || { cat "$t/setup.err" >&2; echo "write_flags: setup failed: $*" >&2; exit 1; }; }
listing() { (cd "$t/w" && find . -printf '%p %m %s %T@ %y\n' | sort); }

mkdir -p "$t/w"
cd "$t/w" || exit 1
m genkey --type ecdsa -o "$t/w/smtp.key"
m csr --key "$t/w/smtp.key" --host smtp.toto.com -o "$t/w/smtp.csr"
m ca init --dir "$t/w/ca" --name 'Flags CA' --type ecdsa
m ca sign --dir "$t/w/ca" "$t/w/smtp.csr" -o "$t/w/smtp.crt"
mkdir -p "$t/w/certs" && cp "$t/w/ca/ca.crt" "$t/w/certs/" && m bundle rehash "$t/w/certs"
cat "$t/w/ca/ca.crt" "$t/w/smtp.crt" >"$t/w/mixed.pem"
mc=(--server-cert "$t/w/smtp.crt" --server-key "$t/w/smtp.key" --cacert "$t/w/ca/ca.crt" --cacert-path "$t/w/certs"
  --host smtp.toto.com)

# dry NAME PATH ARGS...: a dry run writing PATH leaves $t/w unchanged, says so, exit 0.
dry() {
  local name=$1 path=$2
  shift 2
  checks=$((checks + 1))
  local before after rc
  before=$(listing)
  "$bin" "$@" --dry-run >"$t/out" 2>"$t/err"
  rc=$?
  after=$(listing)
  [[ $rc == 0 ]] || problem "$name --dry-run: exit $rc: $(head -c 300 "$t/err")"
  [[ $before == "$after" ]] || problem "$name --dry-run changed the directory:"$'\n'"$(diff <(echo "$before") <(echo "$after"))"
  grep -qF "Dry run: would write" "$t/out" || problem "$name --dry-run: no 'Dry run: would write' line: $(head -c 300 "$t/out")"
  grep -qF "$path" "$t/out" || problem "$name --dry-run: '$path' not named: $(head -c 300 "$t/out")"
  "$bin" "$@" -n --json >"$t/out.json" 2>"$t/err"
  rc=$?
  [[ $rc == 0 ]] || problem "$name -n --json: exit $rc"
  [[ $(listing) == "$before" ]] || problem "$name -n --json changed the directory"
  python3 - "$t/out.json" "$path" <<'PY' || problem "$name -n --json: outputs do not hold $path with dry_run true: $(head -c 400 "$t/out.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
outs = doc["outputs"]
assert outs and all(o["dry_run"] is True for o in outs), outs
assert any(o["path"].endswith(sys.argv[2].lstrip("./")) for o in outs), outs
PY
}

dry genkey "$t/w/new.key" genkey --type ecdsa -o "$t/w/new.key"
dry "genkey --group" "$t/w/new.key" genkey --type ecdsa --group "$(id -gn)" -o "$t/w/new.key"
dry csr "$t/w/new.csr" csr --key "$t/w/smtp.key" --host smtp.toto.com -o "$t/w/new.csr"
dry "ca init" "$t/w/ca2/ca.key" ca init --dir "$t/w/ca2" --name 'Dry CA' --type ecdsa
mkdir -m 0700 "$t/w/empty"
dry "ca init (an existing directory)" "$t/w/empty/ca.key" ca init --dir "$t/w/empty" --name 'Dry CA' --type ecdsa
dry "ca sign" "$t/w/new.crt" ca sign --dir "$t/w/ca" "$t/w/smtp.csr" -o "$t/w/new.crt"
dry "bundle trim" "$t/w/trim.pem" bundle trim "$t/w/mixed.pem" -o "$t/w/trim.pem"
dry "bundle split" "$t/w/split.pem" bundle split "$t/w/mixed.pem" --advertise "$t/w/smtp.crt" \
  --out-cacert "$t/w/split.pem" --out-cacert-path "$t/w/split"
dry "bundle split (existing dir)" "$t/w/split.pem" bundle split "$t/w/mixed.pem" --advertise "$t/w/smtp.crt" \
  --out-cacert "$t/w/split.pem" --out-cacert-path "$t/w/certs" --force
dry emit-mc "$t/w/tls.m4" emit-mc "${mc[@]}" -o "$t/w/tls.m4"
dry access "$t/w/access.txt" access --ca "$t/w/ca/ca.crt" --trust-store "$t/w/none" -o "$t/w/access.txt"
m ca init --dir "$t/w/fresh" --name 'Fresh CA' --type ecdsa  # no ca.lock yet: a dry run must not make it
dry "ca sign (a CA that never signed)" "$t/w/fresh.crt" ca sign --dir "$t/w/fresh" "$t/w/smtp.csr" -o "$t/w/fresh.crt"
[[ ! -e $t/w/fresh/ca.lock ]] || problem "ca sign --dry-run made ca.lock"

# refused: a dry run stops where the real run would, with the same error.
refused() {
  local name=$1 want=$2
  shift 2
  checks=$((checks + 1))
  local before
  before=$(listing)
  "$bin" "$@" --dry-run >"$t/out" 2>"$t/err"
  local rc=$?
  [[ $rc == 2 ]] || problem "$name --dry-run: exit $rc, want 2"
  grep -qF "$want" "$t/err" || problem "$name --dry-run: no '$want' on stderr: $(head -c 300 "$t/err")"
  [[ $(listing) == "$before" ]] || problem "$name --dry-run (refused) changed the directory"
}
refused "genkey over a key" "refusing to replace key file" genkey -o "$t/w/smtp.key"
refused "csr over a CSR" "refusing to replace CSR" csr --key "$t/w/smtp.key" --host smtp.toto.com -o "$t/w/smtp.csr"
refused "ca init over a CA" "refusing to make a CA in" ca init --dir "$t/w/ca" --name 'Again'
refused "ca init, no parent" "cannot create CA directory" ca init --dir "$t/w/no/such/ca" --name 'X'
refused "ca sign over a certificate" "refusing to replace certificate" ca sign --dir "$t/w/ca" "$t/w/smtp.csr" -o "$t/w/smtp.crt"
refused "bundle trim over a file" "refusing to replace CA bundle" bundle trim "$t/w/mixed.pem" -o "$t/w/mixed.pem"
refused "emit-mc, no directory" "create the directory first" emit-mc "${mc[@]}" -o "$t/w/nodir/tls.m4"
refused "access over a file" "refusing to replace access lines" access --ca "$t/w/ca/ca.crt" --trust-store "$t/w/none" -o "$t/w/smtp.key"

# -o -: standard output.
checks=$((checks + 1))
"$bin" ca sign --dir "$t/w/ca" "$t/w/smtp.csr" -o - >"$t/stdout.crt" 2>"$t/err"
rc=$?
[[ $rc == 0 ]] || problem "ca sign -o -: exit $rc: $(head -c 300 "$t/err")"
openssl x509 -in "$t/stdout.crt" -noout -checkend 0 >/dev/null 2>&1 || problem "ca sign -o -: stdout is not a certificate openssl reads"
[[ ! -e $t/w/- ]] || problem "ca sign -o -: wrote a file named '-'"
serial=$(openssl x509 -in "$t/stdout.crt" -noout -serial | cut -d= -f2)
grep -qi "^$serial"$'\t' "$t/w/ca/serials" || problem "ca sign -o -: serial $serial not recorded in serials"
"$bin" ca sign --dir "$t/w/ca" "$t/w/smtp.csr" -o - --json >"$t/out.json" 2>"$t/err" || problem "ca sign -o - --json failed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]["pem"].startswith("-----BEGIN CERTIFICATE-----"); assert d["outputs"] == []' \
  "$t/out.json" || problem "ca sign -o - --json: no result.pem, or outputs not empty"

checks=$((checks + 1))
"$bin" bundle trim "$t/w/mixed.pem" -o - >"$t/stdout.pem" 2>"$t/err"
rc=$?
[[ $rc == 0 ]] || problem "bundle trim -o -: exit $rc: $(head -c 300 "$t/err")"
[[ $(grep -c 'BEGIN CERTIFICATE' "$t/stdout.pem") == 1 ]] || problem "bundle trim -o -: stdout holds not exactly the one CA"
openssl x509 -in "$t/stdout.pem" -noout >/dev/null 2>&1 || problem "bundle trim -o -: stdout is not a certificate openssl reads"
grep -q 'dropped #1' "$t/err" || problem "bundle trim -o -: the dropped list is not on stderr: $(head -c 300 "$t/err")"
grep -q 'dropped' "$t/stdout.pem" && problem "bundle trim -o -: the dropped list corrupts stdout"
"$bin" bundle trim "$t/w/mixed.pem" -o - --at 2999-01-01 >"$t/stdout.pem" 2>"$t/err"
[[ $? == 2 ]] || problem "bundle trim -o - with nothing left: want exit 2"
[[ ! -e $t/w/- ]] || problem "bundle trim -o -: wrote a file named '-'"

# emit-mc and access: -o - is standard output as no -o is.
checks=$((checks + 1))
"$bin" emit-mc "${mc[@]}" -o - >"$t/stdout.m4" 2>"$t/err" || problem "emit-mc -o -: $(head -c 300 "$t/err")"
grep -q "^define(\`confSERVER_CERT'" "$t/stdout.m4" || problem "emit-mc -o -: no define lines on stdout"
"$bin" access --ca "$t/w/ca/ca.crt" --trust-store "$t/w/none" -o - >"$t/stdout.access" 2>"$t/err" ||
  problem "access -o -: $(head -c 300 "$t/err")"
grep -q '^CERTISSUER:' "$t/stdout.access" || problem "access -o -: no CERTISSUER: line on stdout"
[[ ! -e $t/w/- ]] || problem "emit-mc or access -o -: wrote a file named '-'"

# split: the new output flags, and the old spelling as a deprecated alias.
checks=$((checks + 1))
"$bin" bundle split "$t/w/mixed.pem" --advertise "$t/w/smtp.crt" --out-cacert "$t/w/s1.pem" \
  --out-cacert-path "$t/w/s1" >"$t/out" 2>"$t/err" || problem "bundle split --out-cacert: $(head -c 300 "$t/err")"
[[ -s $t/w/s1.pem && -d $t/w/s1 ]] || problem "bundle split --out-cacert: files not written"
[[ ! -s $t/err ]] || problem "bundle split --out-cacert: stderr not empty: $(head -c 300 "$t/err")"
"$bin" bundle split "$t/w/mixed.pem" --advertise "$t/w/smtp.crt" --cacert "$t/w/s2.pem" \
  --cacert-path "$t/w/s2" >"$t/out" 2>"$t/err" || problem "bundle split --cacert (old): $(head -c 300 "$t/err")"
[[ -s $t/w/s2.pem && -d $t/w/s2 ]] || problem "bundle split --cacert (old): files not written"
grep -qx "mtlscert: warning: --cacert is deprecated in bundle split (elsewhere it names what is read); use --out-cacert" \
  "$t/err" || problem "bundle split --cacert: no deprecation notice: $(head -c 300 "$t/err")"
cmp -s "$t/w/s1.pem" "$t/w/s2.pem" || problem "bundle split: the old and new spellings wrote different files"
"$bin" bundle split "$t/w/mixed.pem" --advertise "$t/w/smtp.crt" --out-cacert-path "$t/w/s3" >/dev/null 2>"$t/err"
[[ $? == 2 ]] && grep -qF "bundle split needs --out-cacert FILE" "$t/err" ||
  problem "bundle split without --out-cacert: want exit 2 naming it: $(head -c 300 "$t/err")"

echo "write_flags: $checks checks (dry run, refusals, -o -, split's output flags)"
exit "$fail"
