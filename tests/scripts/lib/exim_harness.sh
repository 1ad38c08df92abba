# exim_harness.sh: run a REAL Exim 4.96 (Debian's exim4-daemon-light, GnuTLS) in a private
# tree, for integration tests. Source it from a test script (bash). The .debs are never
# installed (sendmail is the machine's MTA and they conflict): scripts/install-deps.sh
# downloads them into $EX_DEBS, ex_unpack unpacks them with `dpkg -x` into the build tree.
# Nothing in /etc/exim4 or /usr/sbin of the machine is touched.
#
#   source "$src/tests/scripts/lib/exim_harness.sh"
#   ex_require                          # exit 77 (SKIPPED, loudly) without debs/unshare/overlay/...
#   ex_unpack "$build_dir/exim-root"    # EX_ROOT: the unpacked exim4-base + daemon-light + config
#   ex_tree_new "$base"                 # EX_TREE: private tree (spool, log, mail owned by Debian-exim)
#   trap ex_cleanup EXIT
#   ex_write_conf [--acl FILE] [--debian] MAIN_FRAGMENT...  # $EX_CONF: .include each fragment
#                 [--router FILE] [--transport FILE]       # a test's own router/transport
#   ex_start                            # daemon on 127.0.0.1:$EX_PORT, pid in $EX_PID
#   ex_ehlo_offers STARTTLS
#   ex_assert_logged 'TLS error on connection from'   # a line of $EX_LOG (mainlog)
#   ex_stop
#
# How it stays private:
#   * Exim re-executes the compiled-in /usr/sbin/exim4 (delivery, SIGHUP). ex_start runs
#     it in a private mount namespace (unshare -m) where /usr/sbin is a read-only overlay of
#     the unpacked usr/sbin over the machine's: only processes in that namespace see exim4.
#   * The configuration (-C) names every path inside the tree; the daemon listens on
#     127.0.0.1:$EX_PORT only (-oX); no DNS (host_lookup and rfc1413_hosts empty, every
#     domain routed to files in $EX_TREE/mail); logs go to $EX_TREE/log/{main,reject,panic}log.
#   * Exim drops to Debian-exim (its compiled-in exim_user) before it reads TLS files, as on
#     a Debian mail server: the tree is traversable by that user, the TLS files are not made
#     readable on its behalf (that is what the tests check).
#
# Variables: EX_ROOT EX_TREE EX_CONF EX_PORT EX_PID EX_LOG (mainlog) EX_HOST (set before
# ex_tree_new to change it) EX_MAIL (deliveries: $EX_MAIL/<local part>; relayed mail:
# $EX_MAIL/relayed) EX_USER (Debian-exim).

EX_HOST=${EX_HOST:-smtp.test.example}
EX_DEBS=${MTLSCERT_DEB_CACHE:-/var/cache/mtlscert/debs}
EX_USER=Debian-exim
EX_ROOT=${EX_ROOT:-}
EX_TREE=
EX_PORT=${EX_PORT:-}
EX_PID=

ex_note() { printf 'exim-harness: %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
ex_die() { printf 'exim-harness: FAIL: %s\n' "$*" >&2; exit 1; }
ex_skip() {
  printf '\n*** SKIPPED: %s ***\n*** install with: sudo ./scripts/install-deps.sh ***\n\n' "$*" >&2
  exit 77
}

# ex_debs: print the three .deb files, or fail.
ex_debs() {
  local p f
  for p in exim4-base exim4-daemon-light exim4-config; do
    f=$(ls "$EX_DEBS/${p}"_*.deb 2>/dev/null | sort -V | tail -n1)
    [[ -n $f ]] || return 1
    printf '%s\n' "$f"
  done
}

# ex_require: skip (77) unless root, the .debs, Debian-exim, unshare + overlay, swaks,
# openssl, gnutls-cli and python3 are there.
ex_require() {
  local missing=() t
  for t in swaks openssl gnutls-cli python3 unshare dpkg; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ex_debs >/dev/null || missing+=("exim4 .debs in $EX_DEBS (scripts/install-deps.sh downloads them)")
  getent passwd "$EX_USER" >/dev/null || missing+=("user $EX_USER (scripts/install-deps.sh creates it)")
  ((${#missing[@]} == 0)) || ex_skip "missing: ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || ex_skip "the Exim integration test must run as root"
  local empty rc=0
  empty=$(mktemp -d)
  unshare -m --propagation private sh -c \
    'mount -t overlay overlay -o "lowerdir=$1:/usr/sbin" /usr/sbin' sh "$empty" 2>/dev/null || rc=$?
  rmdir "$empty"
  ((rc == 0)) || ex_skip "cannot overlay-mount in a private mount namespace (unshare -m, CAP_SYS_ADMIN)"
}

# ex_unpack DIR: dpkg -x the .debs into DIR (once; a stamp names the .debs) and set EX_ROOT.
ex_unpack() {
  EX_ROOT=$1
  local debs stamp
  debs=$(ex_debs) || ex_die "no exim4 .debs in $EX_DEBS"
  stamp=$(printf '%s\n' "$debs" | xargs -n1 basename | tr '\n' ' ')
  if [[ ! -x $EX_ROOT/usr/sbin/exim4 || $(cat "$EX_ROOT/.debs" 2>/dev/null) != "$stamp" ]]; then
    rm -rf "$EX_ROOT" && mkdir -p "$EX_ROOT"
    local d
    while read -r d; do dpkg -x "$d" "$EX_ROOT" || ex_die "dpkg -x $d"; done <<<"$debs"
    printf '%s' "$stamp" >"$EX_ROOT/.debs"
  fi
  # The library dependencies come from apt (scripts/install-deps.sh): say which one is missing.
  if ldd "$EX_ROOT/usr/sbin/exim4" | grep 'not found' >/dev/null; then
    ldd "$EX_ROOT/usr/sbin/exim4" | grep 'not found' >&2
    ex_die "exim4's libraries are not all installed: run scripts/install-deps.sh"
  fi
}

# ex_traversable DIR: every directory from / to DIR lets others enter (Debian-exim must).
ex_traversable() {
  local d
  d=$(cd "$1" && pwd -P) || return 1
  while :; do
    (( (8#$(stat -c '%a' "$d") & 8#001) != 0 )) || return 1
    [[ $d == / ]] && return 0
    d=$(dirname "$d")
  done
}

# ex_tree_new BASE: a fresh tree under BASE; falls back to /var/lib/mtlscert-it when a
# directory above BASE is closed to Debian-exim (a checkout under root's 0700 home).
ex_tree_new() {
  local base=$1
  mkdir -p "$base" && chmod 0755 "$base" || ex_die "cannot create $base"
  if ! ex_traversable "$base"; then
    base=/var/lib/mtlscert-it
    ex_note "using $base (a directory above the build tree is closed to $EX_USER)"
    mkdir -p "$base" && chmod 0755 "$base"
  fi
  EX_TREE=$(mktemp -d "$(cd "$base" && pwd -P)/ex.XXXXXX") || ex_die "mktemp under $base"
  chmod 0755 "$EX_TREE"
  mkdir -p "$EX_TREE"/{etc,tls,spool,log,mail,var}
  chown "$EX_USER:$EX_USER" "$EX_TREE"/{spool,log,mail}
  chmod 0750 "$EX_TREE"/{spool,log}
  EX_LOG=$EX_TREE/log/mainlog
  EX_MAIL=$EX_TREE/mail
  : >"$EX_LOG" && chown "$EX_USER:$EX_USER" "$EX_LOG"
}

ex_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Local mail goes to $EX_MAIL/<user> for a user of the machine (check_local_user: Exim 4.96
# refuses a file name made from the tainted \$local_part; \$local_part_data is the passwd name).
# ex_write_conf [--acl FILE] [--debian] FRAGMENT...: $EX_CONF. Each FRAGMENT is .included in
# the main section (mtlscert's lines); --debian then includes Debian's own
# conf.d/main/03_exim4-config_tlsoptions from EX_ROOT, which turns the MAIN_TLS_* macros
# into tls_* options exactly as on a Debian server. --acl FILE is .included in acl_check_rcpt
# before the relay refusal (mtlscert access --mta exim output). --router FILE is .included
# before the router that files relayed mail (a test that sends it on), --transport FILE at the
# end of the transports.
ex_write_conf() {
  local acl= debian=0 router= transport=
  while [[ $# -gt 0 ]]; do
    case $1 in
      --acl) acl=$2; shift 2 ;;
      --router) router=$2; shift 2 ;;
      --transport) transport=$2; shift 2 ;;
      --debian) debian=1; shift ;;
      *) break ;;
    esac
  done
  [[ -n $EX_PORT ]] || EX_PORT=$(ex_free_port)
  EX_CONF=$EX_TREE/etc/exim.conf
  local t=$EX_TREE f
  # Debian's TLS options file is read again by every re-executed exim, some running as
  # Debian-exim: a copy in the tree, because EX_ROOT may sit under root's 0700 home (a
  # checkout in /root), where Debian-exim cannot read it.
  if ((debian)); then
    install -m 0644 "$EX_ROOT/etc/exim4/conf.d/main/03_exim4-config_tlsoptions" "$t/etc/03_exim4-config_tlsoptions" ||
      ex_die "cannot copy Debian's 03_exim4-config_tlsoptions into $t/etc"
  fi
  {
    cat <<EOF
# mtlscert integration test: a private Exim, see tests/scripts/lib/exim_harness.sh
primary_hostname = $EX_HOST
qualify_domain = $EX_HOST
domainlist local_domains = $EX_HOST
spool_directory = $t/spool
log_file_path = $t/log/%slog
daemon_smtp_ports = $EX_PORT
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
keep_environment =
acl_smtp_rcpt = acl_check_rcpt
EOF
    for f in "$@"; do printf '.include %s\n' "$f"; done
    ((debian)) && printf 'CONFDIR = %s/etc\n.include %s\n' "$t" "$t/etc/03_exim4-config_tlsoptions"
    cat <<EOF
begin acl
acl_check_rcpt:
  accept domains = +local_domains
EOF
    [[ -n $acl ]] && printf '.include %s\n' "$acl"
    cat <<EOF
  deny message = relay not permitted
begin routers
local:
  driver = accept
  domains = +local_domains
  check_local_user
  transport = local_file
EOF
    [[ -n $router ]] && printf '.include %s\n' "$router"
    cat <<EOF
relayed:
  driver = accept
  transport = relay_file
begin transports
local_file:
  driver = appendfile
  file = $t/mail/\$local_part_data
  user = $EX_USER
  current_directory = /
relay_file:
  driver = appendfile
  file = $t/mail/relayed
  user = $EX_USER
EOF
    [[ -n $transport ]] && printf '.include %s\n' "$transport"
    cat <<EOF
begin retry
* * F,1h,15m
EOF
  } >"$EX_CONF"
  chmod 0644 "$EX_CONF"
}

# ex_check_conf: exim4 -bV on $EX_CONF (syntax, macros, includes); prints Exim's complaint.
ex_check_conf() {
  ex_run "$EX_ROOT/usr/sbin/exim4" -C "$EX_CONF" -bV >"$EX_TREE/var/bV.out" 2>&1 ||
    { cat "$EX_TREE/var/bV.out" >&2; return 1; }
}

# ex_run CMD...: CMD in a private mount namespace where /usr/sbin has exim4.
ex_run() {
  unshare -m --propagation private sh -c '
    set -e
    mount -t overlay overlay -o "lowerdir=$1/usr/sbin:/usr/sbin" /usr/sbin
    shift
    exec "$@"' sh "$EX_ROOT" "$@"
}

ex_port_open() {
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
    "$EX_PORT" 2>/dev/null
}

# ex_start: the daemon in the foreground of a background job (-bdf), so EX_PID is its pid.
ex_start() {
  [[ -f ${EX_CONF:-} ]] || ex_die "ex_start: ex_write_conf first"
  # unshare and sh exec into exim4 (no fork): $! is the daemon itself.
  unshare -m --propagation private sh -c '
    mount -t overlay overlay -o "lowerdir=$1/usr/sbin:/usr/sbin" /usr/sbin || exit 1
    exec /usr/sbin/exim4 -C "$2" -bdf -oX "$3"' sh "$EX_ROOT" "$EX_CONF" "$EX_PORT" >"$EX_TREE/var/daemon.out" 2>&1 &
  EX_PID=$!
  local i
  for ((i = 0; i < 200; i++)); do
    if ex_port_open; then return 0; fi
    kill -0 "$EX_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$EX_TREE/var/daemon.out" "$EX_LOG" "$EX_TREE/log/paniclog" 2>/dev/null >&2
  ex_die "exim did not start listening on 127.0.0.1:$EX_PORT"
}

ex_stop() {
  [[ -n $EX_PID ]] || return 0
  kill "$EX_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$EX_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$EX_PID" 2>/dev/null && kill -KILL "$EX_PID" 2>/dev/null
  wait "$EX_PID" 2>/dev/null || true
  EX_PID=
}

ex_restart() { ex_stop; ex_start; }

ex_ehlo() {
  swaks --server 127.0.0.1 --port "$EX_PORT" --helo client.test.example --quit-after EHLO --timeout 30 2>&1 || true
}
ex_ehlo_offers() {
  local t
  t=$(ex_ehlo)
  [[ $t == *"250-$1"* || $t == *"250 $1"* ]]
}

ex_log_mark() { EX_LOG_MARK=$(wc -l <"$EX_LOG"); }
ex_log_since() { tail -n "+$((${EX_LOG_MARK:-0} + 1))" "$EX_LOG"; }

# ex_assert_logged TEXT: mainlog (since ex_log_mark) has a line containing TEXT exactly.
ex_assert_logged() {
  local i
  for ((i = 0; i < 100; i++)); do
    if ex_log_since | grep -F -- "$1" >/dev/null; then
      ok "exim logged exactly: $1"
      return 0
    fi
    sleep 0.05
  done
  ex_log_since >&2
  fail "exim did not log: $1"
}

# ex_wait_mail FILE PATTERN: a delivery to $EX_MAIL/FILE matching PATTERN (15 s).
ex_wait_mail() {
  local i
  for ((i = 0; i < 150; i++)); do
    grep -qE -- "$2" "$EX_MAIL/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

ex_cleanup() {
  ex_stop
  [[ -n $EX_TREE && -d $EX_TREE ]] || return 0
  if [[ ${MTLSCERT_IT_KEEP:-0} == 1 ]]; then ex_note "kept $EX_TREE"; else rm -rf "$EX_TREE"; fi
}
