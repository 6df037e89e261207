#!/usr/bin/env bash
# Times `takumi context` on a large repository, cold and warm, next to `git status`.
#
# usage: Benchmarks/context/bench.sh [REPO_DIR] [FILES]
#   REPO_DIR defaults to /tmp/takumi-bench-repo (created with make-repo.py when missing).
#   Needs a release build: swift build -c release --product takumi
# "cold": empty takumi term cache (a fresh TAKUMI_HOME) and the page cache dropped when
# allowed (root, /proc/sys/vm/drop_caches writable). "warm": the term cache written by the
# cold run and a hot page cache.
# Wall times depend on machine load: the script prints the load average and CPU times.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
repo="${1:-/tmp/takumi-bench-repo}"
files="${2:-50000}"
bin="${TAKUMI_BIN:-$root/.build/release/takumi}"
instruction="apply_loyalty_discount should give platinum tier customers ten percent off"

[ -x "$bin" ] || { echo "bench: build first: swift build -c release --product takumi" >&2; exit 1; }
[ -d "$repo/.git" ] || python3 "$here/make-repo.py" "$repo" "$files" >&2

tracked=$(git -C "$repo" ls-files | wc -l)
echo "repository: $repo ($tracked tracked files)"

export TAKUMI_HOME="$(mktemp -d)"
trap 'rm -rf "$TAKUMI_HOME"' EXIT
seconds() { /usr/bin/time -f "%e s wall, %U s user, %S s sys" "$@" 2>&1 >/dev/null | tail -1; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }

if drop_caches; then cold_note="page cache dropped"; else cold_note="page cache not droppable; first run"; fi
cold=$(cd "$repo" && seconds "$bin" context --no-test --json "$instruction")
echo "takumi context cold ($cold_note, empty term cache): $cold"
if drop_caches; then
  git_cold=$(cd "$repo" && seconds git status --porcelain)
  echo "git status --porcelain cold: $git_cold"
fi
for run in 1 2 3; do
  echo "takumi context warm #$run: $(cd "$repo" && seconds "$bin" context --no-test --json "$instruction")"
done
for run in 1 2 3; do
  echo "git status --porcelain warm #$run: $(cd "$repo" && seconds git status --porcelain)"
done
echo "top files:"
(cd "$repo" && "$bin" context --no-test --json "$instruction" | python3 -c 'import json,sys; d=json.load(sys.stdin); [print("  ", f["path"], f["reason"]) for f in d["files"][:3]]; print("   prompt_tokens", d["prompt_tokens"])')
