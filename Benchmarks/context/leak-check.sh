#!/usr/bin/env bash
# Runs `takumi context` under valgrind on a small repository with history and uncommitted
# changes, and reports leaks whose stacks go through libgit2 (the Swift runtime's own
# one-time allocations are reported as "possibly lost"/"still reachable" and ignored).
#
# usage: Benchmarks/context/leak-check.sh [TAKUMI_BIN]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/.build/debug/takumi}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/Fixtures/context/pyshop" "$work/repo"
cd "$work/repo"
git init -q -b main && git add -A && git -c user.name=t -c user.email=t@e commit -qm import
echo "# wip" >> shop/pricing.py && echo "x" > scratch.txt && git add scratch.txt
valgrind --leak-check=full --show-leak-kinds=definite,indirect --num-callers=40 \
  "$bin" context --no-test --json "apply_discount should round to cents" shop/cart.py >/dev/null 2>"$work/valgrind.txt" || true
[ -n "${KEEP_VALGRIND_LOG:-}" ] && cp "$work/valgrind.txt" "$KEEP_VALGRIND_LOG"
grep -E "definitely lost|indirectly lost|ERROR SUMMARY" "$work/valgrind.txt"
libgit2_leaks=$(grep -c "git_" "$work/valgrind.txt" || true)
echo "stack frames mentioning libgit2 (git_*) in leak reports: $libgit2_leaks"
