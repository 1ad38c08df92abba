#!/usr/bin/env bash
# label: integration
# install-cert --mta exim, the same code path as sendmail's deploy hook, into a REAL running
# Exim 4.96 (tests/scripts/lib/exim_harness.sh; reloaded by SIGHUP, which re-executes it): a certbot-shaped lineage (a new key, its
# certificate from init's private CA, the CA as chain) installed with --reload and --probe ends
# with the new serial served; a renewal the server does not pick up (--reload true) is rolled
# back and the previous certificate is still served.
# Args: $1 = mtlscert binary, $2 = source dir. Exit 77 = SKIPPED (no Exim .debs, not root...).
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
dir=$tls/init
mkdir -p "$var"

"$bin" init "$EX_HOST" --mta exim --dir "$dir" --ca private --type ecdsa >"$var/init.out" 2>&1 ||
  { cat "$var/init.out" >&2; fail "init --mta exim failed"; }
ex_write_conf --debian "$dir/mtlscert-exim.conf"
ex_check_conf || fail "exim -bV refused the configuration"
ex_start
ok "Exim daemon pid $EX_PID on 127.0.0.1:$EX_PORT"

# The reload: SIGHUP (Exim re-executes itself in its namespace, same pid), then wait for the
# new daemon's "daemon started" line in mainlog and for the port.
cat >"$tls/reload" <<EOF
#!/usr/bin/env bash
set -euo pipefail
n=\$(grep -c 'daemon started' "$EX_LOG" || true)
kill -HUP $EX_PID
for ((i = 0; i < 200; i++)); do
  m=\$(grep -c 'daemon started' "$EX_LOG" || true)
  if ((m > n)) && python3 -c 'import socket; socket.create_connection(("127.0.0.1", $EX_PORT), 1).close()' 2>/dev/null; then
    exit 0
  fi
  sleep 0.05
done
echo "exim did not come back after SIGHUP" >&2
exit 1
EOF
chmod 0755 "$tls/reload"
grep -q 'daemon started' "$EX_LOG" || fail "mainlog has no 'daemon started' line (the reload script waits for one)"

source "$src/tests/scripts/lib/install_cert_steps.sh"
ic_scenario exim "$EX_HOST" "$EX_PORT" "$dir" "$tls/reload" "$var"
