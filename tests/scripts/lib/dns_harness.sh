# dns_harness.sh: a DNSSEC-signed test zone served and validated on loopback, for the DANE and
# probe --mx tests. Source it from a test script (bash); it sets no traps of its own, starts
# only its own unbound (never the system's service) and nothing it runs queries outside the
# machine.
#
#   source "$src/tests/scripts/lib/dns_harness.sh"
#   dns_require                          # exit 77 (SKIPPED, loudly) without unbound/ldnsutils
#   dns_start "$dir"                     # keys made, zone signed, unbound on $DNS_RESOLVER
#   trap 'dns_stop' EXIT
#   port=$(dns_common_port 127.0.0.21 127.0.0.22)   # one TCP port free on each address
#   dns_add mx1 A 127.0.0.21             # owner relative to the zone (or absolute with a dot)
#   dns_add @ MX "10 mx1"
#   dns_add _25._tcp.mx1 TLSA "3 1 1 $hash"
#   dns_sign                             # re-sign, reload, flush the resolver's cache
#   dns_del _25._tcp.mx1 TLSA            # remove every record of that owner and type
#   dns_bogus mx1 A                      # corrupt that RRset's signature (validation fails)
#   "$bin" probe --dane --resolver "$DNS_RESOLVER" --trust-anchor "$DNS_ANCHOR" …
#   dns_stop
#
# Variables (read-only for callers unless noted):
#   DNS_ZONE      the zone, "mtlscert.example" (set before dns_start to change it). Not under
#                 .test: libunbound itself answers NXDOMAIN for .test (RFC 6761 default zone).
#   DNS_ADDR      the resolver's loopback address, 127.0.0.53 (set before dns_start to change it)
#   DNS_PORT      its port, picked free by dns_start unless set
#   DNS_RESOLVER  "$DNS_ADDR@$DNS_PORT", what --resolver takes
#   DNS_ANCHOR    the trust anchor file: the zone's DS record (what --trust-anchor takes)
#   DNS_DIR       the private directory: zone (unsigned), zone.signed, keys, unbound.conf, log
#
# Design, measured: ONE unbound process is both the authority and the validating resolver. The
# signed zone is an auth-zone "for-upstream" (unbound answers from it as if it came from the
# zone's server, and its validator checks every signature against DNS_ANCHOR); answers of a
# corrupted signature come out SERVFAIL from unbound and bogus (with the reason) in libunbound.
# A second unbound as a stub authority needs root priming ('. NS'), which an auth-zone server
# refuses. do-not-query-address 0.0.0.0/0 and ::/0 keep every other name inside the machine
# (SERVFAIL at once). A re-sign is an auth_zone_reload plus flush_zone through unbound-control on
# a Unix socket: 40 ms, where restarting unbound takes about 2 s.

DNS_ZONE=${DNS_ZONE:-mtlscert.example}
DNS_ADDR=${DNS_ADDR:-127.0.0.53}
DNS_PORT=${DNS_PORT:-}
DNS_RESOLVER=
DNS_ANCHOR=
DNS_DIR=
DNS_PID=
DNS_KSK=
DNS_ZSK=

dns_note() { printf 'dns-harness: %s\n' "$*" >&2; }
dns_die() { printf 'dns-harness: FAIL: %s\n' "$*" >&2; exit 1; }

# dns_require: skip (exit 77, loudly) unless unbound, unbound-control and ldnsutils are there.
dns_require() {
  local missing=() t
  for t in unbound unbound-control unbound-checkconf ldns-keygen ldns-signzone drill python3; do
    command -v "$t" >/dev/null 2>&1 || [[ -x /usr/sbin/$t ]] || missing+=("$t")
  done
  if ((${#missing[@]})); then
    printf '\n*** SKIPPED: missing %s ***\n*** install with: sudo ./scripts/install-deps.sh ***\n\n' "${missing[*]}" >&2
    exit 77
  fi
}

# dns_free_port ADDR: a port free on ADDR for both UDP and TCP right now.
dns_free_port() {
  python3 - "$1" <<'EOF'
import socket, sys
while True:
    t = socket.socket(); t.bind((sys.argv[1], 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind((sys.argv[1], port))
    except OSError:
        continue
    finally:
        u.close(); t.close()
    print(port); break
EOF
}

# dns_common_port ADDR...: a TCP port free on every ADDR right now (MX hosts listening on
# distinct addresses share one port, as --port gives one); empty after 20 tries.
dns_common_port() {
  local p _
  for _ in $(seq 20); do
    p=$(dns_free_port "$1")
    python3 -c 'import socket, sys
for a in sys.argv[2:]:
    s = socket.socket(); s.bind((a, int(sys.argv[1]))); s.close()' "$p" "${@:2}" 2>/dev/null && { echo "$p"; return 0; }
  done
  return 0  # the caller sees the empty answer and says so
}

# _dns_sbin NAME: unbound's programs live in /usr/sbin, which a non-root PATH may lack.
_dns_sbin() { command -v "$1" 2>/dev/null || echo "/usr/sbin/$1"; }
_dns_control() { "$(_dns_sbin unbound-control)" -c "$DNS_DIR/unbound.conf" "$@"; }

# dns_start DIR: make DIR (emptied), the zone's KSK and ZSK, a zone with SOA and NS, sign it,
# write DNS_ANCHOR and start unbound on DNS_ADDR@DNS_PORT; returns once it answers.
dns_start() {
  DNS_DIR=$1
  rm -rf "$DNS_DIR" && mkdir -p "$DNS_DIR" || dns_die "cannot make $DNS_DIR"
  DNS_DIR=$(cd "$DNS_DIR" && pwd -P)
  [[ -n $DNS_PORT ]] || DNS_PORT=$(dns_free_port "$DNS_ADDR")
  DNS_RESOLVER="$DNS_ADDR@$DNS_PORT"
  (
    cd "$DNS_DIR" || exit 1
    ldns-keygen -a ECDSAP256SHA256 -k "$DNS_ZONE" >ksk.name &&
      ldns-keygen -a ECDSAP256SHA256 "$DNS_ZONE" >zsk.name
  ) || dns_die "ldns-keygen failed"
  DNS_KSK=$DNS_DIR/$(cat "$DNS_DIR/ksk.name")
  DNS_ZSK=$DNS_DIR/$(cat "$DNS_DIR/zsk.name")
  DNS_ANCHOR=$DNS_DIR/anchor.ds
  cp "$DNS_KSK.ds" "$DNS_ANCHOR"
  cat >"$DNS_DIR/zone" <<EOF
\$ORIGIN $DNS_ZONE.
\$TTL 60
@ IN SOA ns.$DNS_ZONE. hostmaster.$DNS_ZONE. 1 3600 600 86400 60
@ IN NS ns.$DNS_ZONE.
ns IN A $DNS_ADDR
EOF
  _dns_sign_file || dns_die "ldns-signzone failed"
  cat >"$DNS_DIR/unbound.conf" <<EOF
# written by tests/scripts/lib/dns_harness.sh: a private unbound, see the header there
server:
  interface: $DNS_ADDR@$DNS_PORT
  port: $DNS_PORT
  username: ""
  chroot: ""
  directory: "$DNS_DIR"
  pidfile: "$DNS_DIR/unbound.pid"
  use-syslog: no
  logfile: "$DNS_DIR/unbound.log"
  verbosity: 1
  val-log-level: 2
  do-daemonize: no
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  do-not-query-address: 0.0.0.0/0
  do-not-query-address: ::/0
  trust-anchor-file: "$DNS_ANCHOR"
  module-config: "validator iterator"
auth-zone:
  name: "$DNS_ZONE."
  zonefile: "$DNS_DIR/zone.signed"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
remote-control:
  control-enable: yes
  control-interface: "$DNS_DIR/control.sock"
  control-use-cert: no
EOF
  local check
  check=$("$(_dns_sbin unbound-checkconf)" "$DNS_DIR/unbound.conf" 2>&1) || dns_die "unbound.conf refused: $check"
  "$(_dns_sbin unbound)" -d -c "$DNS_DIR/unbound.conf" >>"$DNS_DIR/unbound.out" 2>&1 &
  DNS_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    _dns_control status >/dev/null 2>&1 && return 0
    kill -0 "$DNS_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$DNS_DIR/unbound.out" "$DNS_DIR/unbound.log" >&2 2>/dev/null
  dns_die "unbound did not start on $DNS_RESOLVER"
}

# _dns_sign_file: zone -> zone.signed (NSEC, the default validity: now to four weeks on).
_dns_sign_file() { ldns-signzone -f "$DNS_DIR/zone.signed" "$DNS_DIR/zone" "$DNS_ZSK" "$DNS_KSK"; }

# _dns_reload: unbound rereads zone.signed and forgets what it cached of the zone.
_dns_reload() {
  _dns_control auth_zone_reload "$DNS_ZONE" >/dev/null &&
    _dns_control flush_zone "$DNS_ZONE" >/dev/null &&
    _dns_control flush_bogus >/dev/null &&
    _dns_control flush_negative >/dev/null || dns_die "unbound-control could not reload $DNS_ZONE"
}

# _dns_owner NAME: NAME as an absolute owner: "@" is the apex, a name ending in "." is kept.
_dns_owner() {
  case $1 in
    @) printf '%s.' "$DNS_ZONE" ;;
    *.) printf '%s' "$1" ;;
    *) printf '%s.%s.' "$1" "$DNS_ZONE" ;;
  esac
}

# dns_add NAME TYPE RDATA: one record in the unsigned zone (dns_sign publishes it). Names in
# RDATA without a trailing dot are relative to the zone ("10 mx1").
dns_add() { printf '%s 60 IN %s %s\n' "$(_dns_owner "$1")" "$2" "$3" >>"$DNS_DIR/zone"; }

# dns_del NAME [TYPE]: remove the records of NAME (of TYPE only, when given) from the zone.
dns_del() {
  python3 - "$DNS_DIR/zone" "$(_dns_owner "$1")" "${2:-}" <<'EOF'
import sys
path, owner, rtype = sys.argv[1], sys.argv[2].lower(), sys.argv[3].upper()
keep = []
for line in open(path):
    f = line.split()
    if len(f) >= 4 and f[0].lower() == owner and (not rtype or f[3].upper() == rtype):
        continue
    keep.append(line)
open(path, "w").writelines(keep)
EOF
}

# dns_sign: sign the zone again (a higher SOA serial) and make unbound serve it.
dns_sign() {
  python3 - "$DNS_DIR/zone" <<'EOF'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"(IN SOA \S+ \S+ )(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + 1), s, count=1)
open(p, "w").write(s)
EOF
  _dns_sign_file || dns_die "ldns-signzone failed"
  _dns_reload
}

# dns_bogus NAME TYPE: flip one character of the signature over NAME's TYPE records in the
# signed zone and serve it: the data stays, its validation fails ("signature verification failed").
dns_bogus() {
  python3 - "$DNS_DIR/zone.signed" "$(_dns_owner "$1")" "$2" <<'EOF' || dns_die "no RRSIG over $1 $2 to corrupt"
import sys
path, owner, rtype = sys.argv[1], sys.argv[2].lower(), sys.argv[3].upper()
out, done = [], False
for line in open(path):
    f = line.split()
    if not done and len(f) > 5 and f[0].lower() == owner and f[3] == "RRSIG" and f[4].upper() == rtype:
        head, sig = line.rstrip("\n").rsplit(" ", 1)
        i = len(sig) // 2
        sig = sig[:i] + ("B" if sig[i] != "B" else "C") + sig[i + 1:]
        line, done = head + " " + sig + "\n", True
    out.append(line)
open(path, "w").writelines(out)
sys.exit(0 if done else 1)
EOF
  _dns_reload
}

# dns_query NAME TYPE: what the validating resolver answers (drill's output), for diagnostics.
dns_query() { drill -D -p "$DNS_PORT" @"$DNS_ADDR" "$2" "$(_dns_owner "$1")" 2>&1 || true; }

# dns_stop: stop unbound (only the process dns_start started).
dns_stop() {
  if [[ -n $DNS_PID ]]; then
    kill "$DNS_PID" 2>/dev/null
    wait "$DNS_PID" 2>/dev/null
    DNS_PID=
  fi
}
