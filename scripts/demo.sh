#!/usr/bin/env bash
# demo.sh [HOST]: install what is missing, build, and run the main job on a built-in
# default: `mtlscert init` for smtp.example.org in ./mtlscert-demo/ with a private CA (key,
# CSR, CA, server+client certificate, CA files, sendmail.mc lines checked by the pre-flight),
# then `mtlscert doctor` on the result. Running it again changes nothing and says so.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
host=${1:-smtp.example.org}
"$src/scripts/install-deps.sh"
"$src/scripts/build.sh" "$src/build" >/dev/null
bin="$src/build/tools/mtlscert"
"$bin" init "$host" --dir mtlscert-demo --ca private
echo
"$bin" doctor mtlscert-demo/mtlscert-starttls.m4
