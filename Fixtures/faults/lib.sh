# Helpers for the fault cases (Fixtures/faults/*.cases), sourced by every case. A case runs in
# a fresh directory of its own ($CASE) with its own HOME, TMPDIR and git identity, and
# asserts on the complete state before and after: every file of the work tree and of .git
# (mode, link target, checksum: index, refs, stash, objects, worktrees, takumi's own files),
# the files outside the repository, and that TMPDIR is left empty.
set -u
CASE=$(pwd -P)
REPO=$CASE/repo
OUTSIDE=$CASE/outside
ANSWER=$CASE/answer.txt
for v in $(env | sed -n 's/^\(GIT_[A-Z_]*\)=.*/\1/p; s/^\(TAKUMI_[A-Z_]*\)=.*/\1/p'); do
  [ "$v" = TAKUMI_BIN ] || unset "$v"
done
T=${TAKUMI_BIN:?TAKUMI_BIN must name the takumi binary}
export HOME=$CASE/home XDG_CONFIG_HOME=$CASE/home/.config TAKUMI_HOME=$CASE/home/takumi TMPDIR=$CASE/tmp
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export NO_COLOR=1 LC_ALL=C
mkdir -p "$HOME" "$TMPDIR" "$OUTSIDE"
echo "outside, never to be touched" > "$OUTSIDE/outside.txt"
rc=0

fail() { echo "FAIL: $*" >&2; echo "--- stdout"; cat "$CASE/stdout" 2>/dev/null; echo "--- stderr"; cat "$CASE/stderr" 2>/dev/null; exit 1; }

# The default repository: calc.py with a bug, one commit.
new_repo() {
  mkdir -p "$REPO" && cd "$REPO" || exit 1
  git init -q -b main
  printf 'def add(a, b):\n    return a - b\n' > calc.py
  git add -A && git commit -qm init
}

# The answer file for the scripted model, from stdin.
answer() { cat > "$ANSWER"; }

# A correct fix of calc.py (search/replace).
FIX='calc.py
<<<<<<< SEARCH
    return a - b
=======
    return a + b
>>>>>>> REPLACE'
FIXED=$(printf 'def add(a, b):\n    return a + b')

# The fix plus the creation of PATH (an empty SEARCH creates a file).
answer_fix_and_create() {
  printf '%s\n%s\n<<<<<<< SEARCH\n=======\n#!/bin/sh\necho owned > /tmp/owned-by-answer\n>>>>>>> REPLACE\n' "$FIX" "$1" > "$ANSWER"
}

# The fix and PATH, both as whole files.
answer_fix_and_whole() {
  printf 'calc.py\n```\n%s\n```\n%s\n```\n#!/bin/sh\necho owned\n```\n' "$FIXED" "$1" > "$ANSWER"
}

# takumi ARGS…: runs the binary, stdin from /dev/null; sets $rc, output in $CASE/stdout|stderr.
tk() { "$T" "$@" > "$CASE/stdout" 2> "$CASE/stderr" < /dev/null; rc=$?; }
# tk_stdin FILE ARGS…: the same with stdin from FILE.
tk_stdin() { local input=$1; shift; "$T" "$@" > "$CASE/stdout" 2> "$CASE/stderr" < "$input"; rc=$?; }
# edit ARGS…: `takumi edit` with the scripted answer, one attempt.
edit() { tk edit "fix add" "$@" --model "scripted:$ANSWER" --attempts 1; }

# tk_signal SIGNAL SECONDS ARGS…: runs takumi in the background, sends SIGNAL after SECONDS,
# waits; sets $rc and $elapsed (seconds from the signal to the exit).
tk_signal() {
  local sig=$1 after=$2; shift 2
  "$T" "$@" > "$CASE/stdout" 2> "$CASE/stderr" < "${TK_STDIN:-/dev/null}" &
  local pid=$!
  sleep "$after"
  local sent; sent=$(date +%s.%N)
  kill -s "$sig" "$pid"
  wait "$pid"; rc=$?
  elapsed=$(echo "$(date +%s.%N) - $sent" | bc)
}

# Everything that must not change: the work tree and .git, file by file.
state() {
  ( cd "$REPO" 2>/dev/null || exit 0
    find . -print | sort | while IFS= read -r p; do
      if [ -L "$p" ]; then echo "L $p -> $(readlink "$p")"
      elif [ -d "$p" ]; then echo "D $p $(stat -c %a "$p")"
      else echo "F $p $(stat -c %a "$p") $(cksum < "$p")"; fi
    done )
  echo "--- outside"
  ( cd "$OUTSIDE" && find . -print | sort | while IFS= read -r p; do
      if [ -f "$p" ]; then echo "F $p $(stat -c %a "$p") $(cksum < "$p")"; else echo "$p"; fi; done )
}
snap() { state > "$CASE/state.${1:-before}"; }

expect_rc() {
  local want
  for want in "$@"; do [ "$rc" = "$want" ] && return 0; done
  fail "exit status $rc, expected $*"
}
# Nothing changed since `snap`, and nothing left in TMPDIR (checkouts, logs).
expect_unchanged() {
  state > "$CASE/state.after"
  diff -u "$CASE/state.before" "$CASE/state.after" >&2 || fail "the repository or the outside files changed"
  expect_tmp_clean
}
expect_tmp_clean() {
  [ -z "$(ls -A "$TMPDIR")" ] || fail "left behind in TMPDIR: $(ls -A "$TMPDIR")"
}
# Exactly the given change: the state equals the snapshot with calc.py fixed (or FILE=TEXT).
expect_only_changed() {
  state > "$CASE/state.after"
  local changed; changed=$(diff "$CASE/state.before" "$CASE/state.after" | grep '^[<>]' | sed 's/^[<>] //' | awk '{print $2}' | sort -u)
  local allowed=" $* "
  for p in $changed; do
    case "$allowed" in *" $p "*) ;; *) fail "unexpected change of $p";; esac
  done
  expect_tmp_clean
}
# An applied edit: exactly FILES changed, plus its undo record.
expect_applied() { expect_only_changed "$@" ./.git/takumi ./.git/takumi/last-edit.json; }
expect_file() { [ "$(cat "$REPO/$1")" = "$2" ] || fail "$1 is '$(cat "$REPO/$1")', expected '$2'"; }
expect_stderr() { grep -qF -- "$1" "$CASE/stderr" || fail "stderr lacks '$1'"; }
expect_stdout() { [ "$(cat "$CASE/stdout")" = "$1" ] || fail "stdout is '$(cat "$CASE/stdout")', expected '$1'"; }
expect_stdout_file() { cmp -s "$CASE/stdout" "$1" || fail "stdout differs from $1"; }
expect_no_output() { [ ! -s "$CASE/stdout" ] || fail "stdout not empty"; }
expect_no_crash() { [ "$rc" -lt 128 ] || [ "$rc" = 130 ] || fail "crashed (status $rc)"; ! grep -q "Fatal error" "$CASE/stderr" || fail "Fatal error"; }
expect_quick() { [ "$(echo "$elapsed < ${1:-2}" | bc)" = 1 ] || fail "took ${elapsed}s after the signal (limit ${1:-2}s)"; }
# No process of this case is left running (matched by the case directory on the command line).
expect_no_processes() {
  sleep 0.2
  local left; left=$(pgrep -f -- "$1" || true)
  [ -z "$left" ] || fail "processes left running: $(ps -o pid,args -p $(echo $left | tr ' ' ,))"
}
