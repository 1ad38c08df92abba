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
  # Debug builds embed the build directory; without this a fresh clone at another path (CI)
  # misses every sanitizer object in the cache. Only the debugger's comp_dir is affected.
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
fi
if [[ ! -f "$dir/build.ninja" ]]; then
  cmake -S "$src" -B "$dir" -G Ninja -DMTLSCERT_WERROR=ON "${launcher[@]}" "$@"
fi
cmake --build "$dir"
