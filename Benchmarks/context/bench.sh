#!/usr/bin/env bash
# Times `takumi context` on a large repository, cold and warm, next to `git status`.
#
# usage: Benchmarks/context/bench.sh [REPO_DIR] [FILES]
#   REPO_DIR defaults to /tmp/takumi-bench-repo (created with make-repo.py when missing).
#   Needs a release build: swift build -c release --product takumi
# "cold" drops the page cache first when allowed (root, /proc/sys/vm/drop_caches writable);
# otherwise it is the first run after the repository was created. Takumi keeps no cache of
# its own, so warm runs measure the page-cache-hot path.
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

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }

if drop_caches; then cold_note="page cache dropped"; else cold_note="page cache not droppable; first run"; fi
cold=$(cd "$repo" && seconds "$bin" context --json "$instruction")
echo "takumi context cold ($cold_note): ${cold}s"
if drop_caches; then
  git_cold=$(cd "$repo" && seconds git status --porcelain)
  echo "git status --porcelain cold: ${git_cold}s"
fi
for run in 1 2 3; do
  echo "takumi context warm #$run: $(cd "$repo" && seconds "$bin" context --json "$instruction")s"
done
for run in 1 2 3; do
  echo "git status --porcelain warm #$run: $(cd "$repo" && seconds git status --porcelain)s"
done
echo "top files:"
(cd "$repo" && "$bin" context --json "$instruction" | python3 -c 'import json,sys; d=json.load(sys.stdin); [print("  ", f["path"], f["reason"], f["tokens"]) for f in d["files"][:3]]; print("   total_tokens", d["total_tokens"])')
