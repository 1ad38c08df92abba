# sendmail_harness.sh: run a REAL sendmail in a private tree, for integration tests.
# Source it from a test script (bash); it defines functions, sets no traps of its own
# and changes no system file (no /etc/mail, no port 25, no system syslog).
#
#   source "$src/tests/scripts/lib/sendmail_harness.sh"
#   sm_require                        # exit 77 (SKIPPED, loudly) without sendmail/m4/swaks/...
#   sm_tree_new "$base"               # SM_TREE: private tree under a safe directory
#   trap sm_cleanup EXIT
#   sm_write_mc "$SM_TREE/etc/tls.m4" # a minimal Debian-style .mc that includes your m4 file
#   sm_build_cf                       # m4 -> $SM_CF, plus the aliases database
#   sm_start                          # daemon on 127.0.0.1:$SM_PORT, pid in $SM_PID
#   sm_ehlo_offers STARTTLS           # true when EHLO lists the keyword (sm_ehlo prints it all)
#   sm_verify_server CA.pem OUT       # openssl s_client verifies chain and $SM_HOST (independent peer)
#   sm_log_wait 'STARTTLS=server: file .* unsafe'   # lines sendmail sent to syslog
#   sm_stop
#
# Variables set (read-only for callers unless noted):
#   SM_TREE   the private tree (mode 0700): etc/ bin/ queue/ var/ mail/ tls/
#   SM_HOST   the host name sendmail uses for itself (smtp.test.example; set before sm_tree_new
#             to change it)
#   SM_PORT   the TCP port on 127.0.0.1 (picked by sm_write_mc unless already set)
#   SM_MC, SM_CF  the .mc written by sm_write_mc and the .cf built by sm_build_cf
#   SM_PID    pid of the running daemon (empty when stopped)
#   SM_LOG    file receiving every syslog line sendmail writes (one per line)
#   SM_LOG_CAPTURE  1 when syslog capture works (private mount namespace), 0 otherwise
#   SM_MAILBOX_DIR  local deliveries land in $SM_MAILBOX_DIR/<user> (appended, mbox-less)
#
# How it stays private:
#   * The tree lives under a directory whose every component is neither group- nor
#     world-writable: sendmail checks every directory on the path of its TLS, alias and
#     queue files, so /tmp (1777) would make it refuse them.
#   * Host names: confDOMAIN_NAME gives $j, a hosts-only service switch and a private
#     hosts file (also bind-mounted on /etc/hosts inside the namespace, below) mean
#     sendmail asks no DNS server; interfaces are not probed.
#   * Syslog: sendmail logs only through syslog(3), i.e. /dev/log. sm_start runs it in a
#     private mount namespace (unshare -m) whose /dev is a small tmpfs with null, zero,
#     random, urandom and a `log` symlink to a datagram socket in the tree, served by a
#     python3 listener that appends each message to $SM_LOG. Nothing outside the
#     namespace sees the change. Without unshare/mount (not root, no CAP_SYS_ADMIN) the
#     daemon still runs, SM_LOG_CAPTURE=0 and sm_log_wait returns 2: callers must say so.
#   * Local mail is delivered by a tiny mailer script that appends to $SM_MAILBOX_DIR/<user>.

SM_HOST=${SM_HOST:-smtp.test.example}
SM_TREE=${SM_TREE:-}
SM_PORT=${SM_PORT:-}
SM_PID=
SM_LOG_PID=
SM_LOG_CAPTURE=0
SM_CF_DIR=${SM_CF_DIR:-/usr/share/sendmail/cf}

sm_note() { printf 'sendmail-harness: %s\n' "$*" >&2; }
# fail MESSAGE / ok MESSAGE: a test step's verdict, for the scripts that source this file.
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
sm_die() { printf 'sendmail-harness: FAIL: %s\n' "$*" >&2; exit 1; }

# sm_skip MESSAGE: report SKIPPED loudly and exit 77 (CTest's SKIP_RETURN_CODE).
sm_skip() {
  printf '\n*** SKIPPED: %s ***\n*** install with: sudo ./scripts/install-deps.sh ***\n\n' "$*" >&2
  exit 77
}

# sm_require: skip (exit 77) unless sendmail, its cf macros, m4, swaks, openssl and python3
# are installed and we are root (sendmail's daemon mode and file-safety rules assume root).
sm_require() {
  local missing=() t
  for t in sendmail m4 swaks openssl python3; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [[ -f $SM_CF_DIR/m4/cf.m4 ]] || missing+=("sendmail-cf ($SM_CF_DIR/m4/cf.m4)")
  ((${#missing[@]} == 0)) || sm_skip "missing: ${missing[*]}"
  [[ $(id -u) -eq 0 ]] || sm_skip "the sendmail integration test must run as root"
}

# sm_path_is_safe DIR: true when DIR and every directory above it is neither group- nor
# world-writable (what sendmail demands of a TLS file's directory path).
sm_path_is_safe() {
  local d
  d=$(cd "$1" && pwd -P) || return 1
  while :; do
    local mode
    mode=$(stat -c '%a' "$d") || return 1
    if (( (8#$mode & 8#022) != 0 )); then
      sm_note "directory $d is mode $mode (group/world-writable): sendmail would refuse files below it"
      return 1
    fi
    [[ $d == / ]] && return 0
    d=$(dirname "$d")
  done
}

# sm_tree_new BASE: create a fresh private tree under BASE (created 0755 if missing) and
# set SM_TREE. BASE must be on a safe path (see sm_path_is_safe); default for tests:
# "$MTLSCERT_IT_DIR" or "<build dir>/it".
sm_tree_new() {
  local base=$1
  mkdir -p "$base" && chmod 0755 "$base" || sm_die "cannot create $base"
  if ! sm_path_is_safe "$base"; then
    # A checkout below /tmp (1777) or a 0700 mktemp directory: unless the caller chose a
    # place, use a root-owned one whose every parent is 0755.
    [[ -z ${MTLSCERT_IT_DIR:-} ]] ||
      sm_die "$base is not on a safe path; set MTLSCERT_IT_DIR to a directory whose parents are 0755"
    base=/var/lib/mtlscert-it
    sm_note "using $base instead (the build directory is below an unsafe or private directory)"
    mkdir -p "$base" && chmod 0755 "$base" || sm_die "cannot create $base"
    sm_path_is_safe "$base" || sm_die "$base is not on a safe path either; set MTLSCERT_IT_DIR"
  fi
  SM_TREE=$(mktemp -d "$(cd "$base" && pwd -P)/sm.XXXXXX") || sm_die "mktemp under $base"
  chmod 0700 "$SM_TREE"
  mkdir -p "$SM_TREE"/{etc,bin,queue,var,mail,tls,dev}
  chmod 0700 "$SM_TREE"/{etc,bin,queue,var,tls}
  chmod 0755 "$SM_TREE/mail"
  SM_MAILBOX_DIR=$SM_TREE/mail
  SM_LOG=$SM_TREE/var/syslog.txt
  : >"$SM_LOG"
  # The machine's own short name too: sendmail canonifies uname's name through this file
  # (hosts-only switch) and sleeps a minute per start when it cannot.
  printf '127.0.0.1\t%s localhost %s\n::1\tlocalhost\n' "$SM_HOST" "$(uname -n)" >"$SM_TREE/etc/hosts"
  : >"$SM_TREE/var/sendmail.st"
  printf 'hosts\tfiles\naliases\tfiles\n' >"$SM_TREE/etc/service.switch"
  printf 'postmaster: root\nmailer-daemon: root\n' >"$SM_TREE/etc/aliases"
  printf '#!/bin/sh\n# mailer for the test: append the message to the user'"'"'s mailbox file\nexec cat >>"%s/$1"\n' \
    "$SM_MAILBOX_DIR" >"$SM_TREE/bin/deliver"
  chmod 0755 "$SM_TREE/bin/deliver"
}

# sm_free_port: print a TCP port on 127.0.0.1 that is free right now.
sm_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# sm_write_mc [INCLUDE...]: write $SM_TREE/etc/test.mc: Debian's OSTYPE and DOMAIN (so the
# DontBlameSendmail flags are Debian's), every path inside the tree, the daemon on
# 127.0.0.1:$SM_PORT only, no MSA, LogLevel 14, then include() each given m4 file (the
# place Debian's sendmail.mc has its starttls.m4 include: after DOMAIN), then the mailers.
sm_write_mc() {
  [[ -n $SM_PORT ]] || SM_PORT=$(sm_free_port)
  SM_MC=$SM_TREE/etc/test.mc
  local t=$SM_TREE inc
  {
    cat <<EOF
divert(-1)dnl
# mtlscert integration test: a private sendmail, see tests/scripts/lib/sendmail_harness.sh
divert(0)dnl
define(\`_USE_ETC_MAIL_')dnl
include(\`$SM_CF_DIR/m4/cf.m4')dnl
VERSIONID(\`mtlscert integration test')dnl
define(\`MAIL_SETTINGS_DIR', \`$t/etc/')dnl
OSTYPE(\`debian')dnl
DOMAIN(\`debian-mta')dnl
EOF
    for inc in "$@"; do
      printf 'include(`%s'"'"')dnl\n' "$inc"
    done
    cat <<EOF
define(\`confDOMAIN_NAME', \`$SM_HOST')dnl
define(\`confSERVICE_SWITCH_FILE', \`$t/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`$t/etc/hosts')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confTO_IDENT', \`0s')dnl
dnl Tests share a loaded machine: sendmail must neither queue (QueueLA, default 8) nor refuse
dnl connections (RefuseLA, default 12) because of the load average.
define(\`confQUEUE_LA', \`1000')dnl
define(\`confREFUSE_LA', \`1000')dnl
define(\`confTRUSTED_USER', \`root')dnl
define(\`QUEUE_DIR', \`$t/queue')dnl
define(\`STATUS_FILE', \`$t/var/sendmail.st')dnl
define(\`confHOST_STATUS_DIRECTORY', \`$t/var/host_status')dnl
define(\`confPID_FILE', \`$t/var/sendmail.pid')dnl
define(\`confCONTROL_SOCKET_NAME', \`$t/var/smcontrol')dnl
define(\`confDEAD_LETTER_DROP', \`$t/var/dead.letter')dnl
define(\`ALIAS_FILE', \`$t/etc/aliases')dnl
define(\`LOCAL_MAILER_PATH', \`$t/bin/deliver')dnl
define(\`LOCAL_MAILER_ARGS', \`deliver \$u')dnl
define(\`LOCAL_MAILER_FLAGS', \`PrmnS')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-test, Port=$SM_PORT, Addr=127.0.0.1')dnl
LOCAL_DOMAIN(\`$SM_HOST')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
  } >"$SM_MC"
}

# sm_build_cf: m4 $SM_MC > $SM_CF (fails loudly with m4's messages) and build the aliases db.
sm_build_cf() {
  SM_CF=$SM_TREE/etc/test.cf
  if ! m4 "$SM_MC" >"$SM_CF" 2>"$SM_TREE/var/m4.err" || [[ -s $SM_TREE/var/m4.err ]]; then
    cat "$SM_TREE/var/m4.err" >&2
    sm_die "m4 could not build $SM_CF from $SM_MC"
  fi
  chmod 0644 "$SM_CF"
  sm_log_listen
  sm_run sendmail -C"$SM_CF" -bi >"$SM_TREE/var/newaliases.out" 2>&1 ||
    { cat "$SM_TREE/var/newaliases.out" >&2; sm_die "sendmail -bi (aliases) failed"; }
}

# sm_cf_option NAME: print the value of "O NAME=" in $SM_CF (what m4 made of a define).
sm_cf_option() {
  sed -n "s/^O $1=//p" "$SM_CF"
}

# sm_log_listen: start the syslog listener on $SM_TREE/dev/log.sock (datagram, like
# /dev/log); each message, priority prefix stripped, is appended to $SM_LOG.
sm_log_listen() {
  [[ -n $SM_LOG_PID ]] && return 0
  (cd "$SM_TREE/dev" && exec python3 -u -c '
import os, re, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("log.sock")
os.chmod("log.sock", 0o666)
out = open(sys.argv[1], "a", buffering=1)
while True:
    data = s.recv(65536).decode("utf-8", "replace").rstrip("\n\0")
    out.write(re.sub(r"^<\d+>", "", data) + "\n")
' "$SM_LOG") &
  SM_LOG_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -S $SM_TREE/dev/log.sock ]] && return 0
    sleep 0.05
  done
  sm_die "the syslog listener did not start"
}

# sm_ns_available: true when a private mount namespace can be made (root + CAP_SYS_ADMIN).
sm_ns_available() { unshare -m --propagation private true 2>/dev/null; }

# sm_run CMD [ARGS...]: run CMD the way the harness runs sendmail: in a private mount
# namespace where /dev is a small tmpfs (null, zero, random, urandom, and log -> the
# tree's syslog socket) and /etc/hosts is the tree's hosts file, so the resolver finds a
# qualified name for uname's host name instead of sleeping a minute ("My unqualified host
# name (vm) unknown; sleeping for retry"). The bind of the real /dev comes first, while it
# is still visible. Without namespaces, CMD runs as is (slower, and its syslog is lost).
sm_run() {
  if ! sm_ns_available; then
    "$@"
    return
  fi
  local dev=$SM_TREE/dev
  mkdir -p "$dev/real"
  unshare -m --propagation private sh -c '
    set -e
    dev=$1 hosts=$2; shift 2
    mount --rbind /dev "$dev/real"
    mount -t tmpfs -o mode=0755,size=64k mtlscert-dev /dev
    for n in null zero random urandom; do : >"/dev/$n"; mount --bind "$dev/real/$n" "/dev/$n"; done
    ln -s "$dev/log.sock" /dev/log
    mount --bind "$hosts" /etc/hosts
    exec "$@"' sh "$dev" "$SM_TREE/etc/hosts" "$@"
}

# sm_start [EXTRA SENDMAIL ARGS...]: start the daemon (-bd) with $SM_CF (via sm_run) and
# wait until it answers on 127.0.0.1:$SM_PORT. Sets SM_PID from its pid file.
sm_start() {
  [[ -f ${SM_CF:-} ]] || sm_die "sm_start: build the .cf first (sm_write_mc, sm_build_cf)"
  sm_log_listen
  rm -f "$SM_TREE/var/sendmail.pid"
  if sm_ns_available; then
    SM_LOG_CAPTURE=1
  else
    SM_LOG_CAPTURE=0
    sm_note "NOTE: cannot make a private mount namespace (unshare -m): sendmail's syslog lines are NOT captured and its start may take a minute"
  fi
  sm_run sendmail -C"$SM_CF" -bd -q0 "$@" >"$SM_TREE/var/sendmail.out" 2>&1 ||
    { cat "$SM_TREE/var/sendmail.out" >&2; sm_die "sendmail -bd failed"; }
  local i
  for ((i = 0; i < 900; i++)); do
    if [[ -s $SM_TREE/var/sendmail.pid ]] && sm_port_open; then
      SM_PID=$(head -n1 "$SM_TREE/var/sendmail.pid")
      return 0
    fi
    sleep 0.1
  done
  cat "$SM_TREE/var/sendmail.out" "$SM_LOG" >&2
  sm_die "sendmail did not start listening on 127.0.0.1:$SM_PORT"
}

# sm_port_open: true when something accepts connections on 127.0.0.1:$SM_PORT.
sm_port_open() {
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
    "$SM_PORT" 2>/dev/null
}

# sm_stop: stop the daemon by its pid (SIGTERM, then SIGKILL after ~10 s) and wait for it.
sm_stop() {
  [[ -n $SM_PID ]] || return 0
  kill "$SM_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SM_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$SM_PID" 2>/dev/null && kill -KILL "$SM_PID" 2>/dev/null
  SM_PID=
}

# sm_restart [ARGS...]: stop, then start again (e.g. after changing a TLS file).
sm_restart() {
  sm_stop
  sm_start "$@"
}

# sm_ehlo: print the server's EHLO answer (swaks transcript up to EHLO). Under `set -o
# pipefail` do not pipe it into `grep -q` (grep exits early, the writer gets SIGPIPE and the
# pipeline fails at random): save it to a file, or use sm_ehlo_offers.
sm_ehlo() {
  local t
  t=$(swaks --server 127.0.0.1 --port "$SM_PORT" --helo client.test.example --quit-after EHLO \
    --timeout 30 2>&1) || true
  printf '%s\n' "$t"
}

# sm_ehlo_offers KEYWORD: true when the server's EHLO answer has a "250-KEYWORD" or
# "250 KEYWORD" line (e.g. STARTTLS, AUTH, PIPELINING).
sm_ehlo_offers() {
  local t
  t=$(sm_ehlo)
  [[ $t == *"250-$1"* || $t == *"250 $1"* ]]
}

# sm_log_wait REGEX [TRIES]: wait (polling, ~TRIES/10 s, default 10 s) until a captured
# syslog line matches REGEX (grep -E) and print the matching lines. Returns 0 when found,
# 1 when not, 2 when syslog capture is unavailable (SM_LOG_CAPTURE=0).
sm_log_wait() {
  ((SM_LOG_CAPTURE)) || return 2
  local tries=${2:-100} i
  for ((i = 0; i < tries; i++)); do
    if grep -E -- "$1" "$SM_LOG"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# sm_assert_logged LINE: ok when sendmail logs LINE exactly (a fixed string), fail (with the
# log since the mark) when it does not; a loud NOTE, not a pass, when syslog capture is unavailable.
sm_assert_logged() {
  local rc=0
  sm_log_wait "$(printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g')" >/dev/null || rc=$?
  case $rc in
    0) ok "sendmail logged exactly: $1" ;;
    2) printf '\n*** NOTE: syslog capture unavailable (no private mount namespace): log line NOT asserted ***\n\n' >&2 ;;
    *) sm_log_since >&2; fail "sendmail did not log: $1" ;;
  esac
}

# sm_log_mark: remember the current end of $SM_LOG; sm_log_since prints what came after.
sm_log_mark() { SM_LOG_MARK=$(wc -l <"$SM_LOG"); }
sm_log_since() { tail -n "+$((${SM_LOG_MARK:-0} + 1))" "$SM_LOG"; }

# sm_mailbox USER: print what was delivered to USER so far (empty when nothing).
sm_mailbox() { cat "$SM_MAILBOX_DIR/$1" 2>/dev/null || true; }

# sm_wait_mail USER REGEX [TRIES]: wait until USER's mailbox matches REGEX.
sm_wait_mail() {
  local tries=${3:-150} i
  for ((i = 0; i < tries; i++)); do
    grep -qE -- "$2" "$SM_MAILBOX_DIR/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# sm_cleanup: stop sendmail and the listener (by their pids) and remove the tree, unless
# MTLSCERT_IT_KEEP=1 (then the tree path is printed for inspection). Safe to call twice.
sm_cleanup() {
  sm_stop
  if [[ -n $SM_LOG_PID ]]; then
    kill "$SM_LOG_PID" 2>/dev/null || true
    wait "$SM_LOG_PID" 2>/dev/null || true
    SM_LOG_PID=
  fi
  [[ -n $SM_TREE && -d $SM_TREE ]] || return 0
  if [[ ${MTLSCERT_IT_KEEP:-0} == 1 ]]; then
    sm_note "kept $SM_TREE"
  else
    rm -rf "$SM_TREE"
  fi
}

# sm_verify_server CAFILE OUT: an independent peer (openssl s_client, STARTTLS) must verify
# the running daemon's chain against CAFILE and its name against $SM_HOST; the transcript
# goes to OUT. Returns 1, with the transcript on stderr, when it does not.
sm_verify_server() {
  local cafile=$1 out=$2
  if ! openssl s_client -starttls smtp -connect "127.0.0.1:$SM_PORT" -servername "$SM_HOST" \
    -verify_return_error -verify_hostname "$SM_HOST" -CAfile "$cafile" </dev/null >"$out" 2>&1; then
    cat "$out" >&2
    sm_note "openssl s_client could not verify the server"
    return 1
  fi
  if ! grep -q 'Verification: OK' "$out" || ! grep -q 'Verify return code: 0 (ok)' "$out"; then
    cat "$out" >&2
    sm_note "openssl s_client: no 'Verification: OK' / 'Verify return code: 0 (ok)'"
    return 1
  fi
}
