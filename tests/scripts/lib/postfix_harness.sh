# postfix_harness.sh: run a REAL Postfix (Debian 12's 3.7, unpacked, never installed) in a
# private tree, for integration tests. Source it from a test script (bash); it defines
# functions, sets no traps of its own and changes no system file (no /etc/postfix, no port 25).
#
#   source "$src/tests/scripts/lib/postfix_harness.sh"
#   pf_require                        # exit 77 (SKIPPED, loudly) without the .deb, swaks, root...
#   pf_tree_new "$base"               # PF_TREE: private tree; Postfix unpacked into PF_ROOT
#   trap pf_cleanup EXIT
#   pf_write_config                   # main.cf + master.cf: 127.0.0.1:$PF_PORT, logs to $PF_LOG
#   pf_postconf 'smtpd_tls_cert_file = /x'   # append main.cf lines (later definitions win)
#   pf_start                          # `master -d`, pid in $PF_PID; waits for the port
#   pf_ehlo_offers STARTTLS           # true when EHLO lists the keyword
#   pf_verify_server CA.pem OUT       # openssl s_client verifies chain and $PF_HOST
#   pf_assert_logged 'warning: ...'   # a line Postfix logged (fixed string)
#   pf_stop
#
# Variables (read-only for callers unless noted):
#   PF_DEB    the postfix .deb (default: newest in $MTLSCERT_DEB_CACHE, /var/cache/mtlscert/debs,
#             fetched there by scripts/install-deps.sh)
#   PF_ROOT   where the .deb is unpacked (dpkg -x), shared by the tests of one build tree
#   PF_TREE   this test's private tree: etc/ (config dir) spool/ data/ var/
#   PF_HOST   the host name Postfix uses for itself (smtp.test.example)
#   PF_PORT   the TCP port on 127.0.0.1 (picked by pf_write_config unless already set)
#   PF_CONF   the config dir (main.cf, master.cf); PF_LOG the log file (maillog_file)
#   PF_PID    pid of the running master (empty when stopped)
#
# How it stays private: every path Postfix uses is in main.cf (config, queue, data, daemon,
# command and shlib directories); the binaries' RUNPATH is /usr/lib/postfix, so master gets
# LD_LIBRARY_PATH and passes it to its children through import_environment; the log goes to a
# file by postlogd (maillog_file), not to syslog. Every directory on the path must be
# traversable by the postfix user (a tree under root's 0700 home is not): pf_tree_new checks.

PF_HOST=${PF_HOST:-smtp.test.example}
PF_TREE=${PF_TREE:-}
PF_PORT=${PF_PORT:-}
PF_PID=
PF_DEB_CACHE=${MTLSCERT_DEB_CACHE:-/var/cache/mtlscert/debs}

pf_note() { printf 'postfix-harness: %s\n' "$*" >&2; }
# fail MESSAGE / ok MESSAGE: a test step's verdict, for the scripts that source this file.
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
pf_die() { printf 'postfix-harness: FAIL: %s\n' "$*" >&2; exit 1; }

# pf_skip MESSAGE: report SKIPPED loudly and exit 77 (CTest's SKIP_RETURN_CODE).
pf_skip() {
  printf '\n*** SKIPPED: %s ***\n*** install with: sudo ./scripts/install-deps.sh ***\n\n' "$*" >&2
  exit 77
}

# pf_deb: print the newest cached postfix .deb, or nothing.
pf_deb() {
  local f
  f=$(ls -1 "$PF_DEB_CACHE"/postfix_*.deb 2>/dev/null | sort -V | tail -n 1)
  [[ -n $f ]] && printf '%s\n' "$f"
}

# pf_require: skip (exit 77) unless the postfix .deb is cached, the postfix user and postdrop
# group exist, swaks, openssl, dpkg-deb and python3 are installed and we are root.
pf_require() {
  local missing=() t
  for t in swaks openssl python3 dpkg-deb; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  PF_DEB=${PF_DEB:-$(pf_deb)}
  [[ -n $PF_DEB && -f $PF_DEB ]] || missing+=("postfix .deb in $PF_DEB_CACHE")
  getent passwd postfix >/dev/null || missing+=("user postfix")
  getent group postdrop >/dev/null || missing+=("group postdrop")
  ((${#missing[@]} == 0)) || pf_skip "missing: ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || pf_skip "the Postfix integration test must run as root"
}

# pf_traversable DIR: true when the postfix user can reach DIR (x for others on every parent).
pf_traversable() {
  local d
  d=$(cd "$1" && pwd -P) || return 1
  while [[ $d != / ]]; do
    local mode
    mode=$(stat -c '%a' "$d") || return 1
    (((8#$mode & 8#001) != 0)) || return 1
    d=$(dirname "$d")
  done
}

# pf_unpack BASE: unpack $PF_DEB into BASE/postfix-root once per .deb (a stamp names it) and
# set PF_ROOT. Concurrent tests serialise on a lock.
pf_unpack() {
  local base=$1
  PF_ROOT=$base/postfix-root
  (
    flock 9
    if [[ $(cat "$PF_ROOT/.deb" 2>/dev/null) != "$PF_DEB" ]]; then
      rm -rf "$PF_ROOT"
      mkdir -p "$PF_ROOT"
      dpkg -x "$PF_DEB" "$PF_ROOT" || exit 1
      printf '%s\n' "$PF_DEB" >"$PF_ROOT/.deb"
    fi
  ) 9>"$base/postfix-root.lock" || pf_die "dpkg -x $PF_DEB failed"
  chmod 0755 "$PF_ROOT"
}

# pf_tree_new BASE: a fresh private tree under BASE (default for tests: <build dir>/it) and the
# unpacked Postfix. BASE and its parents must be traversable by the postfix user.
pf_tree_new() {
  local base=$1
  mkdir -p "$base" && chmod 0755 "$base" || pf_die "cannot create $base"
  if ! pf_traversable "$base"; then
    [[ -z ${MTLSCERT_IT_DIR:-} ]] || pf_die "$base is not traversable by the postfix user; set MTLSCERT_IT_DIR"
    base=/var/lib/mtlscert-it
    pf_note "using $base instead (the build directory is not traversable by the postfix user)"
    mkdir -p "$base" && chmod 0755 "$base" || pf_die "cannot create $base"
  fi
  base=$(cd "$base" && pwd -P)
  pf_unpack "$base"
  PF_TREE=$(mktemp -d "$base/pf.XXXXXX") || pf_die "mktemp under $base"
  chmod 0755 "$PF_TREE"
  PF_CONF=$PF_TREE/etc
  PF_LOG=$PF_TREE/var/maillog
  mkdir -p "$PF_CONF" "$PF_TREE/var" "$PF_TREE/tls" "$PF_TREE/data" "$PF_TREE/spool"
  chmod 0755 "$PF_CONF" "$PF_TREE/var" "$PF_TREE/tls" "$PF_TREE/spool"
  chown postfix:postfix "$PF_TREE/data"
  chmod 0700 "$PF_TREE/data"
  # The queue as post-install makes it: root owns the top, postfix the queues.
  local q
  for q in active bounce corrupt defer deferred flush hold incoming private saved trace; do
    mkdir -p "$PF_TREE/spool/$q"
    chown postfix:root "$PF_TREE/spool/$q"
    chmod 0700 "$PF_TREE/spool/$q"
  done
  mkdir -p "$PF_TREE/spool/maildrop" "$PF_TREE/spool/public" "$PF_TREE/spool/pid"
  chown postfix:postdrop "$PF_TREE/spool/maildrop" "$PF_TREE/spool/public"
  chmod 0730 "$PF_TREE/spool/maildrop"
  chmod 0710 "$PF_TREE/spool/public"
  chmod 0755 "$PF_TREE/spool/pid"
  : >"$PF_LOG"
}

# pf_free_port: print a TCP port on 127.0.0.1 that is free right now.
pf_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pf_write_config: main.cf and master.cf for a Postfix on 127.0.0.1:$PF_PORT that accepts
# mail for $PF_HOST, relays nothing unless a restriction permits it (no mynetworks: the
# tests connect from 127.0.0.1) and discards what it accepts; TLS lines come from the test.
pf_write_config() {
  [[ -n $PF_PORT ]] || PF_PORT=$(pf_free_port)
  cat >"$PF_CONF/main.cf" <<EOF
# written by postfix_harness.sh: every path inside $PF_TREE
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $PF_TREE/spool
data_directory = $PF_TREE/data
daemon_directory = $PF_ROOT/usr/lib/postfix/sbin
command_directory = $PF_ROOT/usr/sbin
shlib_directory = $PF_ROOT/usr/lib/postfix
meta_directory = $PF_CONF
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$PF_ROOT/usr/lib/postfix
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_TREE/var
myhostname = $PF_HOST
mydomain = test.example
myorigin = \$myhostname
mydestination = \$myhostname, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
smtpd_relay_restrictions = reject_unauth_destination
alias_maps =
alias_database =
local_transport = discard
default_transport = discard
smtputf8_enable = no
biff = no
disable_dns_lookups = yes
smtp_host_lookup = native
EOF
  cat >"$PF_CONF/master.cf" <<EOF
# written by postfix_harness.sh: no chroot (column 5 = n), smtpd on the test's port only
127.0.0.1:$PF_PORT inet n - n - - smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  cp "$PF_ROOT/usr/share/postfix/dynamicmaps.cf" "$PF_CONF/dynamicmaps.cf" 2>/dev/null || true
}

# pf_postconf LINE...: append main.cf lines (Postfix: the last definition of a name wins).
pf_postconf() {
  printf '%s\n' "$@" >>"$PF_CONF/main.cf"
}

# pf_run ARGS...: a Postfix command from the unpacked tree with this tree's config.
pf_run() {
  local cmd=$1
  shift
  LD_LIBRARY_PATH=$PF_ROOT/usr/lib/postfix MAIL_CONFIG=$PF_CONF "$PF_ROOT/usr/sbin/$cmd" -c "$PF_CONF" "$@"
}

# pf_port_open: true when something listens on 127.0.0.1:$PF_PORT.
pf_port_open() {
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
    "$PF_PORT" 2>/dev/null
}

# pf_start: run `master -d` (foreground, not a daemon) in the background and wait until the
# port answers. Its own stderr goes to $PF_TREE/var/master.err.
pf_start() {
  LD_LIBRARY_PATH=$PF_ROOT/usr/lib/postfix MAIL_CONFIG=$PF_CONF \
    "$PF_ROOT/usr/lib/postfix/sbin/master" -d -c "$PF_CONF" >>"$PF_TREE/var/master.err" 2>&1 &
  PF_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    pf_port_open && return 0
    kill -0 "$PF_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$PF_TREE/var/master.err" "$PF_LOG" >&2
  PF_PID=
  pf_die "Postfix master did not start on 127.0.0.1:$PF_PORT"
}

# pf_stop: stop master by its pid (SIGTERM, then SIGKILL after ~10 s), wait for it and for
# the port to close.
pf_stop() {
  [[ -n $PF_PID ]] || return 0
  kill "$PF_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$PF_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$PF_PID" 2>/dev/null && kill -KILL "$PF_PID" 2>/dev/null
  wait "$PF_PID" 2>/dev/null || true
  PF_PID=
  # master's children (smtpd) keep the listening socket until they notice it is gone: a
  # restart that saw the port open could talk to a dying smtpd of the old configuration.
  for ((i = 0; i < 150; i++)); do
    pf_port_open || return 0
    sleep 0.1
  done
  pf_note "127.0.0.1:$PF_PORT still answers 15 s after master exited"
}

pf_restart() {
  pf_stop
  pf_start
}

# pf_ehlo: print the server's EHLO answer (swaks transcript up to EHLO).
pf_ehlo() {
  swaks --server 127.0.0.1 --port "$PF_PORT" --helo client.test.example --quit-after EHLO --timeout 30 2>&1 || true
}

# pf_ehlo_offers KEYWORD: true when the EHLO answer has "250-KEYWORD" or "250 KEYWORD".
pf_ehlo_offers() {
  local t
  t=$(pf_ehlo)
  [[ $t == *"250-$1"* || $t == *"250 $1"* ]]
}

# pf_log_mark / pf_log_since: remember the end of $PF_LOG; print what came after.
pf_log_mark() { PF_LOG_MARK=$(wc -l <"$PF_LOG"); }
pf_log_since() { tail -n "+$((${PF_LOG_MARK:-0} + 1))" "$PF_LOG"; }

# pf_log_wait REGEX [TRIES]: wait (~TRIES/10 s, default 10 s) until a log line since the mark
# matches REGEX (grep -E) and print the matching lines.
pf_log_wait() {
  local tries=${2:-100} i
  for ((i = 0; i < tries; i++)); do
    if pf_log_since | grep -E -- "$1"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# pf_assert_logged TEXT: ok when a log line since the mark contains TEXT (a fixed string),
# fail with the log since the mark when none does.
pf_assert_logged() {
  local i
  for ((i = 0; i < 100; i++)); do
    if pf_log_since | grep -F -- "$1" >/dev/null; then
      ok "postfix logged exactly: $1"
      return 0
    fi
    sleep 0.1
  done
  pf_log_since >&2
  fail "postfix did not log: $1"
}

# pf_cleanup: stop master and remove the tree unless MTLSCERT_IT_KEEP=1. Safe to call twice.
pf_cleanup() {
  pf_stop
  [[ -n $PF_TREE && -d $PF_TREE ]] || return 0
  if [[ ${MTLSCERT_IT_KEEP:-0} == 1 ]]; then
    pf_note "kept $PF_TREE"
  else
    rm -rf "$PF_TREE"
  fi
}

# pf_verify_server CAFILE OUT: openssl s_client (STARTTLS) must verify the chain against
# CAFILE and the name against $PF_HOST; the transcript goes to OUT.
pf_verify_server() {
  local cafile=$1 out=$2
  if ! openssl s_client -starttls smtp -connect "127.0.0.1:$PF_PORT" -servername "$PF_HOST" \
    -verify_return_error -verify_hostname "$PF_HOST" -CAfile "$cafile" </dev/null >"$out" 2>&1; then
    cat "$out" >&2
    pf_note "openssl s_client could not verify the server"
    return 1
  fi
  grep -q 'Verify return code: 0 (ok)' "$out" || {
    cat "$out" >&2
    return 1
  }
}
