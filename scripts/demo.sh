#!/usr/bin/env bash
# demo.sh [HOST]: install what is missing, build, and run the main job on a built-in
# default: a key and a CSR for smtp.example.org in ./mtlscert-demo/.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
host=${1:-smtp.example.org}
"$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build" >/dev/null
bin="$src/build/tools/mtlscert"
mkdir -p mtlscert-demo
chmod 0755 mtlscert-demo
if [[ -e "mtlscert-demo/$host.key" ]]; then
  echo "mtlscert-demo/$host.key already present; unchanged."
else
  "$bin" genkey -o "mtlscert-demo/$host.key"
fi
"$bin" csr --key "mtlscert-demo/$host.key" --host "$host" --force -o "mtlscert-demo/$host.csr"
