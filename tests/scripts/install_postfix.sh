#!/usr/bin/env bash
# label: integration
# install-cert --mta postfix, the same code path as sendmail's deploy hook, into a REAL running
# Postfix (tests/scripts/lib/postfix_harness.sh): a certbot-shaped lineage (a new key, its
# certificate from init's private CA, the CA as chain) installed with --reload and --probe ends
# with the new serial served; a renewal the server does not pick up (--reload true) is rolled
# back and the previous certificate is still served.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no Postfix .deb, not root...).
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
source "$src/tests/scripts/lib/postfix_harness.sh"
pf_require

build_dir=$(cd "$(dirname "$bin")/.." && pwd)
pf_tree_new "${MTLSCERT_IT_DIR:-$build_dir/it}"
cleanup() {
  # The reload script restarts master: its pid file names the current one.
  local pidfile=$PF_TREE/spool/pid/master.pid
  [[ -s $pidfile ]] && PF_PID=$(tr -d ' ' <"$pidfile")
  pf_cleanup
}
trap cleanup EXIT
tls=$PF_TREE/tls
var=$PF_TREE/var
dir=$tls/init

"$bin" init "$PF_HOST" --mta postfix --dir "$dir" --ca private >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init --mta postfix failed"; }
pf_write_config
cat "$dir/mtlscert-main.cf" >>"$PF_CONF/main.cf"
pf_start
ok "Postfix master pid $PF_PID on 127.0.0.1:$PF_PORT"

cat >"$PF_TREE/reload" <<EOF
#!/usr/bin/env bash
set -euo pipefail
source "$src/tests/scripts/lib/postfix_harness.sh"
PF_TREE=$PF_TREE PF_CONF=$PF_CONF PF_PORT=$PF_PORT PF_ROOT=$PF_ROOT PF_LOG=$PF_LOG
PF_PID=\$(tr -d ' ' <"$PF_TREE/spool/pid/master.pid")
pf_restart
EOF
chmod 0755 "$PF_TREE/reload"
[[ -s $PF_TREE/spool/pid/master.pid ]] || fail "master wrote no pid file (the reload script needs it)"

source "$src/tests/scripts/lib/install_cert_steps.sh"
ic_scenario postfix "$PF_HOST" "$PF_PORT" "$dir" "$PF_TREE/reload" "$var"
