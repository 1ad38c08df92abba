#!/usr/bin/env bash
# fresh-check.sh [--keep]: the README's two commands on a bare Debian 12, as a new user would
# run them. Not part of CI (it takes about 40 minutes with cold builds); run it after changing
# what the build or the tests need from the machine.
#   1. mmdebstrap makes a minimal Debian 12 root (--variant=apt: the Essential packages, apt,
#      and git) from the apt sources and Acquire options this machine already uses;
#   2. the committed HEAD of this checkout is cloned into it (/root/mtlscert; uncommitted
#      changes are not part of the check);
#   3. with /proc, /sys, /dev (and /dev/pts) and a tmpfs /run mounted, inside private mount and
#      PID namespaces (so nothing leaks out, and every process started inside ends with it),
#      it runs ./scripts/demo.sh, then ./scripts/test-all.sh, in a clean environment;
#   4. the last line says both results, e.g.
#        fresh-check: demo ok, test-all ok (total: N passed, 0 failed)
#      and the exit status is 0 only when both passed.
# The root (under $TMPDIR or /var/tmp) is removed at the end, mounts first, however the script
# ends; --keep leaves it for inspection (the logs are in its /var/log/fresh-check/).
# MTLSCERT_FRESH_CACHE=DIR keeps what a rerun can reuse in DIR: the root tarball (one per set of
# sources), the .deb files install-deps.sh downloads, and ccache's cache. Needs root.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
keep=0
case ${1:-} in
  --keep) keep=1 ;;
  '') ;;
  *) echo "usage: $0 [--keep]" >&2; exit 2 ;;
esac
say() { printf 'fresh-check: %s\n' "$*"; }
die() { printf 'fresh-check: error: %s\n' "$*" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || die "run as root (mmdebstrap, chroot and mounts need it)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
git -C "$src" rev-parse --verify -q HEAD >/dev/null || die "$src is not a git checkout with a commit"
[[ -z $(git -C "$src" status --porcelain --untracked-files=no) ]] ||
  say "NOTE: uncommitted changes in $src are not part of the check (it clones HEAD)"

# The machine's apt configuration: every enabled sources file, and the apt.conf files that say
# how to reach them (a proxy, no Valid-Until or date check for a snapshot mirror).
mirrors=()
if [[ -f /etc/apt/sources.list ]] && grep -qE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
  mirrors+=(/etc/apt/sources.list)
fi
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -f $f ]] && mirrors+=("$f")
done
((${#mirrors[@]})) || die "no apt sources in /etc/apt/sources.list or /etc/apt/sources.list.d/"
aptopts=()
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
  [[ -f $f ]] && grep -qE 'Acquire::((https?|ftp)::Proxy|Check-Valid-Until|Check-Date)' "$f" && aptopts+=(--aptopt="$f")
done
say "apt sources: ${mirrors[*]}; options from: ${aptopts[*]#--aptopt=}"

cache=${MTLSCERT_FRESH_CACHE:-}
[[ -z $cache ]] || mkdir -p "$cache/apt-archives/partial" "$cache/ccache"
root=$(mktemp -d "${TMPDIR:-/var/tmp}/mtlscert-fresh.XXXXXX")
chmod 0755 "$root"  # it becomes /: the tests' unprivileged user must be able to traverse it

# cleanup: unmount anything below the root (there should be nothing: the mounts live in the
# private namespace, which is gone), then remove the root unless --keep. Never removes while
# something is mounted below it.
cleanup() {
  local rc=$?
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r)
  if awk -v r="$root/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    say "NOT removing $root: something is still mounted below it"
  elif ((keep)); then
    say "kept $root (logs in $root/var/log/fresh-check/)"
  else
    rm -rf "$root"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
# 1. The root: from the cached tarball when the sources and options are the same.
make_root() {  # make_root FORMAT TARGET (directory or tar)
  mmdebstrap --variant=apt --include=git --format="$1" "${aptopts[@]}" bookworm "$2" "${mirrors[@]}"
}
if [[ -n $cache ]]; then
  key=$(cat "${mirrors[@]}" "${aptopts[@]#--aptopt=}" | sha256sum | cut -c1-12)
  tarball=$cache/root-bookworm-$key.tar
  if [[ ! -s $tarball ]]; then
    say "making the root tarball $tarball (mmdebstrap)"
    rm -rf "$tarball.part"  # what an interrupted run left
    make_root tar "$tarball.part" && mv "$tarball.part" "$tarball"
  else
    say "reusing $tarball"
  fi
  tar -C "$root" -xpf "$tarball"
else
  say "making the root in $root (mmdebstrap)"
  make_root directory "$root"
fi
chmod 0755 "$root"
say "root ready in $((SECONDS - t0)) s"

# 2. What a new machine has besides packages: name resolution for apt, a hosts file.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[[ -s $root/etc/hosts ]] || printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
mkdir -p "$root/var/log/fresh-check"
git -C "$src" bundle create "$root/var/log/fresh-check/mtlscert.bundle" HEAD 2>/dev/null
head=$(git -C "$src" rev-parse --short HEAD)

# 3. Inside private mount and PID namespaces: mounts, clone, the two commands. Each command's
# exit status goes to a file; its output to the terminal and a log.
inside=$(cat <<'INSIDE'
set -uo pipefail
root=$1 cache=$2
# The root a mount point of its own: otherwise `unshare -m --propagation private` (the sendmail
# harness) fails in the chroot with "cannot change root filesystem propagation".
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
if [[ -n $cache ]]; then
  mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
  mkdir -p "$root/root/.cache/ccache"
  mount --bind "$cache/ccache" "$root/root/.cache/ccache"
fi
log=/var/log/fresh-check
# in_root LOGNAME COMMAND: run COMMAND in the root as a login would: HOME=/root, a plain PATH,
# nothing else from this environment.
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c "$2" 2>&1 |
    tee "$root$log/$1.log"
  echo "${PIPESTATUS[0]}" >"$root$log/$1.rc"
}
in_root clone "cd /root && git clone -q $log/mtlscert.bundle mtlscert && git -C mtlscert log --oneline -1"
[[ $(cat "$root$log/clone.rc") == 0 ]] || exit 1
echo "fresh-check: ==== ./scripts/demo.sh"
start=$SECONDS
in_root demo "cd /root/mtlscert && ./scripts/demo.sh"
echo "$((SECONDS - start))" >"$root$log/demo.seconds"
echo "fresh-check: ==== ./scripts/test-all.sh"
start=$SECONDS
in_root test-all "cd /root/mtlscert && ./scripts/test-all.sh"
echo "$((SECONDS - start))" >"$root$log/test-all.seconds"
INSIDE
)
say "running the README's commands on $head in $root"
unshare --mount --pid --fork --propagation private bash -c "$inside" fresh-check-inside "$root" "$cache" || true

# 4. The verdict.
log=$root/var/log/fresh-check
result() {  # result NAME: "ok" or "FAILED (exit N)" from NAME.rc
  local rc
  rc=$(cat "$log/$1.rc" 2>/dev/null || echo "none")
  if [[ $rc == 0 ]]; then echo ok; elif [[ $rc == none ]]; then echo "not run"; else echo "FAILED (exit $rc)"; fi
}
demo=$(result demo)
tests=$(result test-all)
total=$(grep -a '^total: ' "$log/test-all.log" 2>/dev/null | tail -n 1 || true)
say "clone $(result clone), demo $demo in $(cat "$log/demo.seconds" 2>/dev/null || echo ?) s, test-all $tests in $(cat "$log/test-all.seconds" 2>/dev/null || echo ?) s; whole check $((SECONDS - t0)) s"
if [[ $demo != ok || $tests != ok ]] && ((!keep)); then
  kept=$(mktemp -d "${TMPDIR:-/var/tmp}/mtlscert-fresh-logs.XXXXXX")
  cp "$log"/*.log "$kept"/ 2>/dev/null || true
  say "logs kept in $kept"
fi
say "demo $demo, test-all $tests (${total:-no total line})"
[[ $demo == ok && $tests == ok ]]
