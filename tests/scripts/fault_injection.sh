#!/usr/bin/env bash
# label: cli
# Fault-injection table: every file mtlscert writes, under every fault it must survive.
# Rows are writers (one line each in WRITERS); columns are faults (one function each, listed in
# FAULTS): disk full (a tiny tmpfs), file size limit (prlimit --fsize: EFBIG), read-only directory
# (tmpfs remounted ro: chmod does not stop root), existing target without --force, a planted
# symlink (without and with --force), a group- or world-writable directory, two runs at once,
# (writers: genkey, csr, ca init, ca sign, emit-mc -o, bundle trim, bundle split; rehash: one cell at the end;
# then ca sign 50 times at once on one CA, and ca sign whose ledger write fails: issue 13 row 4)
# the process killed in the middle of its write (strace injects SIGKILL at the temporary file's
# fsync), interrupted there by SIGINT or SIGTERM (which must remove the temporary file), and the
# mode of every file it creates at every step (strace records each open/chmod).
# Asserted in every cell: the exit code, the message, the old file intact, no '.NAME.tmp-*' left,
# a key never readable by group or others, the new file complete (openssl parses it).
# Args: $1 = mtlscert binary, $2 = source dir. Runs as root (tests do); cells that need mount or
# strace are skipped with a message when those are not available; exit 77 if not root.
set -euo pipefail
bin=$(readlink -f "$1")
if [[ $(id -u) != 0 ]]; then
  echo "*** SKIPPED: needs root (mount, setpriv); tests run as root in CI ***" >&2
  exit 77
fi
tmp=$(mktemp -d)
cleanup() {
  # Unmount what the cells mounted (deepest first), then remove everything.
  { grep -oE " $tmp/[^ ]+" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fx=$tmp/fixtures
mkdir -p "$fx"
"$bin" ca init --dir "$fx/ca" --type ecdsa --name "Fault Test CA" >/dev/null
"$bin" genkey --type ecdsa -o "$fx/good.key" >/dev/null
"$bin" csr --key "$fx/good.key" --host mx.example.org -o "$fx/good.csr" >/dev/null
"$bin" ca sign --dir "$fx/ca" "$fx/good.csr" -o "$fx/good.crt" >/dev/null
OLD="old content: must survive"

can_mount=1
probe_mnt=$tmp/mount-probe
mkdir "$probe_mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$probe_mnt" 2>/dev/null || ! mount -o remount,ro "$probe_mnt" 2>/dev/null; then
  can_mount=0
fi
umount "$probe_mnt" 2>/dev/null || true
have_strace=0
if command -v strace >/dev/null && strace -qq -o /dev/null true 2>/dev/null; then have_strace=1; fi
# LeakSanitizer cannot run under ptrace: the strace cells of the sanitizer build turn it off.
nolsan=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

# Writers: NAME|MODE|FORCE|KIND|ARGS. '@T@' is the target file, '@D@' its directory. FORCE is
# '--force' or '-' (ca init has no --force: its target is the CA key inside the directory it makes).
# KIND says how openssl checks the result: key, csr, cert or mc.
WRITERS=(
  "genkey|0600|--force|key|genkey --type ecdsa -o @T@"
  "genkey --group|0640|--force|key|genkey --type ecdsa --group 0 -o @T@"
  "csr|0644|--force|csr|csr --key $fx/good.key --host mx.example.org -o @T@"
  "ca sign|0644|--force|cert|ca sign --dir $fx/ca $fx/good.csr -o @T@"
  "emit-mc -o|0644|--force|mc|emit-mc --no-check --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs -o @T@"
  "ca init|0600|-|key|ca init --dir @D@ --type ecdsa --name Fault-CA"
  "bundle trim|0644|--force|cert|bundle trim $fx/ca/ca.crt -o @T@"
  "bundle split --cacert|0644|--force|cert|bundle split $fx/ca/ca.crt --advertise $fx/good.crt --out-cacert @T@ --out-cacert-path @D@/certs"
)
FAULTS=(disk_full fsize partial read_only exists symlink symlink_force group_writable world_writable race killed interrupted mode_trace)
# MTLSCERT_FAULTS="race killed" runs only those columns (for debugging one fault).
[[ -n ${MTLSCERT_FAULTS:-} ]] && read -r -a FAULTS <<<"$MTLSCERT_FAULTS"

fail=0
cells=0
skipped=0
# Per cell: W_NAME W_MODE W_FORCE W_KIND W_ARGS, and T (target) D (its directory) set by the runner.
bad() { echo "FAIL: $W_NAME / $FAULT: $*" >&2; [[ -n ${msg:-} ]] && sed -n '1,8s/^/    | /p' <<<"$msg" >&2; fail=$((fail + 1)); return 1; }
skip() { echo "skip: $W_NAME / $FAULT: $*"; skipped=$((skipped + 1)); return 0; }
has_force() { [[ $W_FORCE != - ]]; }
is_ca_init() { [[ $W_NAME == "ca init" ]]; }

# cmdline [EXTRA...]: the writer's argv for target T (in the array 'argv').
cmdline() {
  local c=${W_ARGS//@T@/$T}
  c=${c//@D@/$D}
  read -r -a argv <<<"$c"
  argv+=("$@")
}
# run PREFIX... -- [EXTRA...]: run the writer (wrapped by PREFIX), set rc and msg.
run() {
  local prefix=()
  while [[ $1 != -- ]]; do prefix+=("$1"); shift; done
  shift
  cmdline "$@"
  rc=0
  msg=$("${prefix[@]}" timeout -k 5 300 "$bin" "${argv[@]}" 2>&1) || rc=$?
}
expect_rc() { ((rc == $1)) || bad "exit $rc, expected $1"; }
expect_msg() { grep -qE -- "$1" <<<"$msg" || bad "message does not match /$1/"; }
old_intact() { [[ -f $T && ! -L $T && $(cat "$T") == "$OLD" ]] || bad "the old file $T was changed or removed"; }
no_tmp() {
  local left
  left=$(find "$1" -name '.*.tmp-*' 2>/dev/null || true)
  [[ -z $left ]] || bad "temporary file(s) left: $left"
}
no_sanitizer() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' <<<"$msg" || bad "sanitizer report"; }
complete() { # the target holds a complete, parseable object of the writer's kind with its exact mode
  local f=$1
  case $W_KIND in
    key) openssl pkey -in "$f" -noout 2>/dev/null ;;
    csr) openssl req -in "$f" -noout 2>/dev/null ;;
    cert) openssl x509 -in "$f" -noout 2>/dev/null ;;
    mc) grep -q "^define(\`confSERVER_CERT'" "$f" ;;
  esac || { bad "$f is not a complete $W_KIND"; return 1; }
  local m
  m=$(stat -c %a "$f")
  ((8#$m == 8#$W_MODE)) || bad "$f has mode $m, expected $W_MODE"
}
# put_old: an old target (with the marker content) for writers that can replace it.
put_old() { mkdir -p "$(dirname "$T")"; printf '%s' "$OLD" >"$T"; }
# mount_tmpfs DIR SIZE: a private tmpfs (cells using it are skipped without mount).
mount_tmpfs() { mkdir -p "$1"; mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1"; }

fault_disk_full() {
  ((can_mount)) || { skip "cannot mount a tmpfs here"; return 0; }
  local mnt=$cell/mnt
  mount_tmpfs "$mnt" 64k
  T=$mnt/${T#"$cell"/}; D=$(dirname "$T")
  mkdir -p "$D"
  has_force && put_old
  # Fill the file system: nothing fits any more.
  dd if=/dev/zero of="$mnt/filler" bs=1k 2>/dev/null || true
  if has_force; then run -- --force; else run --; fi
  expect_rc 2 && expect_msg 'No space left on device' && expect_msg "$T|$D"
  has_force && old_intact
  no_tmp "$mnt"
  no_sanitizer
  umount "$mnt"
}

fault_fsize() {
  has_force && put_old
  mkdir -p "$D"
  if has_force; then run prlimit --fsize=64 -- --force; else run prlimit --fsize=64 --; fi
  expect_rc 2 && expect_msg 'File too large' && expect_msg 'ulimit -f'
  has_force && old_intact
  no_tmp "$cell"
  no_sanitizer
}

# partial: ca init writes three files; a size limit that lets the key through but not the
# certificate must leave no half-made CA behind (nor the directory it created).
fault_partial() {
  is_ca_init || { skip "one file only"; return 0; }
  mkdir -p "$(dirname "$D")"
  run prlimit --fsize=400 --
  expect_rc 2 && expect_msg 'CA certificate' && expect_msg 'File too large'
  [[ ! -e $D ]] || bad "a half-made CA was left: $(ls -A "$D" | tr '\n' ' ')"
  run --
  expect_rc 0
  complete "$T"
}

fault_read_only() {
  ((can_mount)) || { skip "cannot mount a tmpfs here"; return 0; }
  local mnt=$cell/mnt
  mount_tmpfs "$mnt" 1m
  T=$mnt/${T#"$cell"/}; D=$(dirname "$T")
  mkdir -p "$D"
  has_force && put_old
  mount -o remount,ro "$mnt"
  if has_force; then run -- --force; else run --; fi
  expect_rc 2 && expect_msg 'Read-only file system'
  has_force && old_intact
  no_tmp "$mnt"
  no_sanitizer
  umount "$mnt"
}

fault_exists() {
  put_old
  run --
  expect_rc 2 && expect_msg "refusing to (replace|make)" && expect_msg 'already exists' && expect_msg "$D"
  old_intact
  no_tmp "$cell"
  no_sanitizer
}

fault_symlink() {
  mkdir -p "$D" "$cell/elsewhere"
  local victim=$cell/elsewhere/victim
  printf '%s' "$OLD" >"$victim"
  ln -s "$victim" "$T"
  run --
  expect_rc 2 && expect_msg "refusing to (replace|make)" && expect_msg 'symbolic link|already exists'
  [[ -L $T && $(cat "$victim") == "$OLD" ]] || bad "the symlink or its target was changed"
  no_tmp "$cell"
  no_sanitizer
}

fault_symlink_force() {
  has_force || { skip "no --force"; return 0; }
  mkdir -p "$D" "$cell/elsewhere"
  local victim=$cell/elsewhere/victim
  printf '%s' "$OLD" >"$victim"
  ln -s "$victim" "$T"
  run -- --force
  expect_rc 0
  [[ $(cat "$victim") == "$OLD" ]] || bad "wrote through the symlink into $victim"
  [[ -f $T && ! -L $T ]] || bad "$T is not a regular file: the symlink was not replaced"
  complete "$T"
  no_tmp "$cell"
  no_sanitizer
}

# writable_dir MODE WORD: the target directory has MODE; the tool writes and warns with WORD.
writable_dir() {
  is_ca_init && { skip "ca init makes its own 0700 directory"; return 0; }
  mkdir -p "$D"
  chmod "$1" "$D"
  run --
  expect_rc 0 && expect_msg "directory '$D' is $2-writable" && expect_msg 'chmod go-w'
  complete "$T"
  no_tmp "$cell"
  no_sanitizer
}
fault_group_writable() { writable_dir 0770 group; }
fault_world_writable() { writable_dir 0777 world; }

fault_race() {
  mkdir -p "$D"
  cmdline
  local rc1=0 rc2=0
  timeout -k 5 300 "$bin" "${argv[@]}" >"$cell/out1" 2>&1 &
  local p1=$!
  timeout -k 5 300 "$bin" "${argv[@]}" >"$cell/out2" 2>&1 &
  local p2=$!
  wait $p1 || rc1=$?
  wait $p2 || rc2=$?
  msg=$(cat "$cell/out1" "$cell/out2")
  local winners=$(( (rc1 == 0) + (rc2 == 0) )) losers=$(( (rc1 == 2) + (rc2 == 2) ))
  if [[ $W_KIND == mc ]] && ((winners == 2)); then
    # emit-mc's output is deterministic: a run that finds the very same content exits 0 unchanged.
    expect_msg 'already up to date; unchanged'
  else
    ((winners == 1 && losers == 1)) || bad "exits $rc1 and $rc2: expected exactly one 0 and one 2"
    expect_msg 'refusing to (replace|make)|cannot create CA directory .*File exists'
  fi
  complete "$T"
  no_tmp "$cell"
  no_sanitizer
}

# killed: SIGKILL at the first fsync, i.e. with the temporary file complete but not yet in place.
# The old file must be intact; the temporary file (which nothing can remove after SIGKILL) must
# already have the final mode, never wider.
fault_killed() {
  ((have_strace)) || { skip "strace is not available"; return 0; }
  mkdir -p "$D"
  has_force && put_old
  local f=()
  has_force && f=(--force)
  # ca sign records the serial (file and directory fsync) before it writes the certificate.
  local when=1
  [[ $W_NAME == "ca sign" ]] && when=3
  run "${nolsan[@]}" strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:signal=SIGKILL:when=$when -- "${f[@]}"
  ((rc == 137)) || bad "exit $rc, expected 137 (killed)"
  has_force && old_intact
  local left
  left=$(find "$cell" -name '.*.tmp-*')
  [[ -n $left ]] || bad "no temporary file at the moment of the kill: the write path changed?"
  local l m
  for l in $left; do
    m=$(stat -c %a "$l")
    (( (8#$m & ~8#$W_MODE) == 0 )) || bad "temporary file $l has mode $m, wider than $W_MODE"
    if [[ $W_KIND == key ]]; then (( (8#$m & 8#007) == 0 )) || bad "temporary key $l is readable by others ($m)"; fi
  done
}

# interrupted: SIGINT, then SIGTERM, at the first fsync (the temporary file complete, not yet in
# place), as a Ctrl-C or a service stop would: the process dies of that signal (exit 130/143), the
# old file is intact and no '.NAME.tmp-*' is left: the temporary file of a key is a complete key.
fault_interrupted() {
  ((have_strace)) || { skip "strace is not available"; return 0; }
  mkdir -p "$D"
  local f=() sig want
  has_force && f=(--force)
  for sig in INT TERM; do
    has_force && put_old
    run "${nolsan[@]}" strace -f -qq -o /dev/null -e trace=fsync -e "inject=fsync:signal=SIG$sig:when=1" -- "${f[@]}"
    want=$((128 + $(kill -l "$sig")))
    ((rc == want)) || bad "SIG$sig: exit $rc, expected $want (died of the signal)"
    has_force && old_intact
    no_tmp "$cell"
    # ca init makes its directory before the first file: remove it for the next signal.
    is_ca_init && rm -rf "$D"
  done
  no_sanitizer
}

# mode_trace: the target's temporary file, from its creation to its rename, never has a mode
# wider than the target's final mode (strace records the open and every fchmod of its
# descriptor); run with umask 000 so that only the tool's own modes count.
fault_mode_trace() {
  ((have_strace)) || { skip "strace is not available"; return 0; }
  mkdir -p "$D"
  run "${nolsan[@]}" bash -c 'umask 000; exec "$@"' umask000 strace -f -qq -o "$cell/trace" -e trace=openat,open,creat,fchmod,fchmodat,chmod,close --
  expect_rc 0
  complete "$T"
  local name=${T##*/} seen=0 line fd="" mode
  while IFS= read -r line; do
    if [[ $line =~ \"([^\"]*/)?\.$name\.tmp-[^\"]*\".*O_CREAT.*,\ (0[0-7]+)\)\ +=\ ([0-9]+) ]]; then
      mode=${BASH_REMATCH[2]}
      fd=${BASH_REMATCH[3]}
    elif [[ -n $fd && $line =~ close\($fd\) ]]; then
      fd=""  # closed: the number may be reused for another file
      continue
    elif [[ -n $fd && $line =~ fchmod\($fd,\ (0[0-7]+)\) ]]; then
      mode=${BASH_REMATCH[1]}
    elif [[ $line =~ chmod.*\"([^\"]*/)?\.?$name(\.tmp-[^\"]*)?\",\ (0[0-7]+) ]]; then
      mode=${BASH_REMATCH[3]}
    else
      continue
    fi
    seen=$((seen + 1))
    (( (8#$mode & ~8#$W_MODE) == 0 )) || bad "the file had mode $mode, wider than $W_MODE: $line"
  done <"$cell/trace"
  ((seen >= 2)) || bad "the trace shows no creation and fchmod of .$name.tmp-*: the strace pattern is out of date"
}

n=0
for w in "${WRITERS[@]}"; do
  IFS='|' read -r W_NAME W_MODE W_FORCE W_KIND W_ARGS <<<"$w"
  for FAULT in "${FAULTS[@]}"; do
    n=$((n + 1))
    cell=$tmp/cell-$n
    mkdir -p "$cell"
    if is_ca_init; then D=$cell/dir/ca; T=$D/ca.key; else D=$cell/dir; T=$D/target; fi
    cells=$((cells + 1))
    before=$fail
    before_skip=$skipped
    msg=""
    "fault_$FAULT" || true
    if ((fail == before && skipped == before_skip)); then
      echo "ok: $W_NAME / $FAULT${msg:+: $(grep -m1 -E 'error|warning|Wrote|Made|refusing' <<<"$msg" | cut -c1-150)}"
    fi
  done
done
# bundle rehash writes hash links, not files: a read-only CA directory fails with exit 2, says so,
# and leaves the directory as it was.
W_NAME="bundle rehash"; FAULT=read_only; cells=$((cells + 1))
if ((can_mount)); then
  mnt=$tmp/rehash-ro
  mount_tmpfs "$mnt" 1m
  cp "$fx/ca/ca.crt" "$mnt/"
  mount -o remount,ro "$mnt"
  rc=0
  msg=$(timeout -k 5 300 "$bin" bundle rehash "$mnt" 2>&1) || rc=$?
  before=$fail
  { expect_rc 2 && expect_msg 'Read-only file system' && expect_msg "$mnt"; } || true
  [[ $(ls -A "$mnt") == ca.crt ]] || bad "the directory changed: $(ls -A "$mnt" | tr '\n' ' ')" || true
  ((fail == before)) && echo "ok: $W_NAME / $FAULT: $(head -n 1 <<<"$msg")"
  umount "$mnt"
else
  skip "cannot mount a tmpfs here"
fi

# ca sign on one CA, run 50 times at once (issue 13 row 4): each run draws, signs and records under
# an exclusive lock on the CA's ca.lock, so the ledger gets all 50 rows and no serial twice.
W_NAME="ca sign x50"; FAULT=concurrent; cells=$((cells + 1)); before=$fail; msg=""
cc=$tmp/concurrent
mkdir -p "$cc"
"$bin" ca init --dir "$cc/ca" --type ecdsa --name "Concurrent CA" >/dev/null
pids=()
for i in $(seq 50); do
  "$bin" ca sign --dir "$cc/ca" "$fx/good.csr" -o "$cc/c$i.crt" >"$cc/out$i" 2>&1 &
  pids+=($!)
done
ok=0
for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)) || true; done
msg=$(cat "$cc"/out* | sort -u | sed -n 1,5p)
rows=$(grep -vc '^#' "$cc/ca/serials" || true)
distinct=$(grep -v '^#' "$cc/ca/serials" | cut -f1 | sort -u | wc -l)
certs=$(for i in $(seq 50); do openssl x509 -in "$cc/c$i.crt" -noout -serial 2>/dev/null; done | sort -u | wc -l)
((ok == 50)) || bad "$ok of 50 runs succeeded" || true
((rows == 50)) || bad "the serials ledger has $rows rows, expected 50" || true
((distinct == 50)) || bad "$distinct distinct serials in the ledger, expected 50" || true
((certs == 50)) || bad "$certs distinct certificate serials, expected 50" || true
# Every certificate's serial is in the ledger.
for i in $(seq 50); do
  s=$(openssl x509 -in "$cc/c$i.crt" -noout -serial 2>/dev/null | cut -d= -f2)
  grep -q "^$s"$'\t' "$cc/ca/serials" || { bad "c$i.crt's serial $s is not in the ledger" || true; break; }
done
((fail == before)) && echo "ok: $W_NAME / $FAULT: 50 runs, 50 ledger rows, 50 distinct serials"

# ca sign whose ledger write fails (the CA's file system is full): the certificate must not be
# written either, since a certificate whose serial is not recorded could be issued again.
W_NAME="ca sign"; FAULT=ledger_write_fails; cells=$((cells + 1))
if ((can_mount)); then
  before=$fail
  mnt=$tmp/ledger-full
  mount_tmpfs "$mnt" 64k
  "$bin" ca init --dir "$mnt/ca" --type ecdsa --name "Full CA" >/dev/null
  : >"$mnt/ca/ca.lock"  # the lock file exists; only the ledger needs new blocks
  dd if=/dev/zero of="$mnt/filler" bs=1k 2>/dev/null || true
  mkdir -p "$tmp/ledger-out"
  rc=0
  msg=$(timeout -k 5 300 "$bin" ca sign --dir "$mnt/ca" "$fx/good.csr" -o "$tmp/ledger-out/c.crt" 2>&1) || rc=$?
  { expect_rc 2 && expect_msg 'CA serials file' && expect_msg 'No space left on device'; } || true
  [[ ! -e $tmp/ledger-out/c.crt ]] || bad "a certificate was written although its serial was not recorded" || true
  no_tmp "$mnt" || true
  ((fail == before)) && echo "ok: $W_NAME / $FAULT: $(head -n 1 <<<"$msg")"
  umount "$mnt"
else
  skip "cannot mount a tmpfs here"
fi

echo "fault injection: $cells cells, $fail failed, $skipped skipped"
((fail == 0))
