#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure (once) and build mtlscert into DIR with Ninja.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
shift || true
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$src}
fi
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S "$src" -B "$dir" -G Ninja -DMTLSCERT_WERROR=ON "${launcher[@]}" "$@"
fi
cmake --build "$dir"
