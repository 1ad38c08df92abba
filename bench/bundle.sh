#!/usr/bin/env bash
# bundle.sh [BUILD_DIR]: benchmark `mtlscert bundle check` and `bundle rehash` against
# OpenSSL's own tools on the same files, in the same run (never part of ctest).
#
#   check:  the system bundle, generated bundles of 10,000 and 100,000 CA certificates,
#           vs `openssl storeutl -noout -certs` (goal: <= 0.2x on 10,000 and 100,000)
#   rehash: 10,000 one-certificate files vs `openssl rehash` (goal: <= 0.5x)
#   memory: peak RSS from /usr/bin/time -v; linearity: 100,000 vs 10,000 time ratio.
# Each figure is the median of RUNS runs (default 3): wall-clock seconds, CPU seconds
# (user + sys); "best" is the fastest wall-clock run. check and storeutl run on the same
# file, alternately, after one read that puts the file in the page cache.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
runs=${RUNS:-3}
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    echo "bench: /usr/bin/time is missing (apt-get install time)" >&2
    exit 2
  fi
fi
ninja -C "$build" -j2 mtlscert-cli bench_gen_bundle >/dev/null
mtlscert=$build/tools/mtlscert
gen=$build/bench/bench_gen_bundle
work=$(mktemp -d "${TMPDIR:-/tmp}/mtlscert-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "bench: generating bundles in $work"
"$gen" 10000 "$work/b10k.pem"
"$gen" 100000 "$work/b100k.pem"
mkdir "$work/files"
"$gen" --dir 10000 "$work/files"

# run_once LABEL CMD...: one timed run, its wall and CPU seconds (user + sys) and peak RSS
# (KB) kept under LABEL. A command starting with "fresh-dir" first copies $work/files to
# $work/d and syncs (untimed): creating 10,000 links right after a copy otherwise
# measures the disk's writeback more than the program.
declare -A wall cpu best rss all_wall all_cpu
run_once() {
  local label=$1
  shift
  if [[ $1 == fresh-dir ]]; then
    rm -rf "$work/d" && cp -a "$work/files" "$work/d" && sync
    shift
  fi
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>&1 || true
  read -r t u s m < <(tail -n 1 "$work/time")
  all_wall[$label]+="$t "
  all_cpu[$label]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
  ((m > ${rss[$label]:-0})) && rss[$label]=$m
  return 0
}
# summarize LABEL: median wall and CPU seconds, best wall, max peak RSS over the runs.
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n "$(((runs + 1) / 2))p"; }
summarize() {
  local label=$1
  wall[$label]=$(median <<<"${all_wall[$label]}")
  cpu[$label]=$(median <<<"${all_cpu[$label]}")
  best[$label]=$(tr ' ' '\n' <<<"${all_wall[$label]}" | sed '/^$/d' | sort -n | sed -n 1p)
  printf '  %-28s %7.2f s wall  %7.2f s cpu  %7.2f s best  %8d KB peak\n' "$label" "${wall[$label]}" \
    "${cpu[$label]}" "${best[$label]}" "${rss[$label]}"
}
# measure LABEL CMD...: $runs runs of one command, then its summary.
measure() {
  local label=$1
  shift
  for ((i = 0; i < runs; i++)); do run_once "$label" "$@"; done
  summarize "$label"
}
# versus FILE LABEL_A CMD_A LABEL_B CMD_B: two commands on the same file, their runs
# interleaved (A B A B …) after one read of the file, so that both meet the same page
# cache and the same load of a shared machine. CMD_* name arrays.
versus() {
  local file=$1 la=$2 lb=$4
  local -n ca=$3 cb=$5
  cat "$file" >/dev/null
  for ((i = 0; i < runs; i++)); do
    run_once "$la" "${ca[@]}"
    run_once "$lb" "${cb[@]}"
  done
  summarize "$la"
  summarize "$lb"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

system=/etc/ssl/certs/ca-certificates.crt
echo "bench: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each, median"
if [[ -r $system ]]; then
  sys_a=(openssl storeutl -noout -certs "$system")
  sys_b=("$mtlscert" bundle check "$system")
  versus "$system" "storeutl system" sys_a "check system" sys_b
fi
s10k=(openssl storeutl -noout -certs "$work/b10k.pem")
c10k=("$mtlscert" bundle check "$work/b10k.pem")
versus "$work/b10k.pem" "storeutl 10k" s10k "check 10k" c10k
measure "check 10k (1 thread)" env MTLSCERT_THREADS=1 "$mtlscert" bundle check "$work/b10k.pem"
s100k=(openssl storeutl -noout -certs "$work/b100k.pem")
c100k=("$mtlscert" bundle check "$work/b100k.pem")
versus "$work/b100k.pem" "storeutl 100k" s100k "check 100k" c100k
measure "openssl rehash 10k" fresh-dir openssl rehash "$work/d"
measure "bundle rehash 10k" fresh-dir "$mtlscert" bundle rehash -q "$work/d"

size10k=$(stat -c %s "$work/b10k.pem")
size100k=$(stat -c %s "$work/b100k.pem")
# On a shared machine the kernel time of creating 10,000 links varies tenfold from run
# to run (journal and writeback contention), so the best run is reported too.
both() {
  echo "$(ratio "${wall[$1]}" "${wall[$2]}") wall, $(ratio "${cpu[$1]}" "${cpu[$2]}") cpu, $(ratio "${best[$1]}" "${best[$2]}") best"
}
echo "bench: results (ratios of medians, and of the best runs)"
echo "  check / storeutl, 10k:        $(both "check 10k" "storeutl 10k")  (goal <= 0.20)"
echo "  check / storeutl, 100k:       $(both "check 100k" "storeutl 100k")  (goal <= 0.20)"
echo "  rehash / openssl rehash, 10k: $(both "bundle rehash 10k" "openssl rehash 10k")  (goal <= 0.50)"
echo "  check 100k / check 10k:       $(both "check 100k" "check 10k")  (linear: about 10)"
echo "  peak RSS / file size, 10k:    $(ratio "$((rss[check 10k] * 1024))" "$size10k")  ($((size10k / 1024)) KB file)"
echo "  peak RSS / file size, 100k:   $(ratio "$((rss[check 100k] * 1024))" "$size100k")  ($((size100k / 1024)) KB file, goal <= 1.5)"
