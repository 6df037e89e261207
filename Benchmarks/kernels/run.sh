#!/bin/bash
# Builds and runs the kernel benchmark (see bench.c). Usage: Benchmarks/kernels/run.sh [shape filter]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${TMPDIR:-/tmp}/takumi-kernel-bench"
cc="${CC:-clang}"
"$cc" -O3 -fno-math-errno -Wall -Wno-unused-function -I "$root/Sources/CKernels/include" \
    "$root/Benchmarks/kernels/bench.c" "$root"/Sources/CKernels/*.c -o "$out" -lpthread -lm
exec "$out" "$@"
