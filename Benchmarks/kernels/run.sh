#!/bin/bash
# Builds and runs the kernel benchmarks.
#   Benchmarks/kernels/run.sh [shape filter]                 tk_matmul per shape (bench.c)
#   Benchmarks/kernels/run.sh --forward [threads] [tokens] [level]
#                                      all matmuls of a forward pass (forward_sim.c); level 0/1/2
#   Benchmarks/kernels/run.sh --throughput [tokens...]       kernels with weights in cache (kernel_throughput.c)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
program=bench
case "${1:-}" in
  --forward) program=forward_sim; shift ;;
  --throughput) program=kernel_throughput; shift ;;
esac
out="${TMPDIR:-/tmp}/takumi-kernel-$program"
cc="${CC:-clang}"
"$cc" -O3 -fno-math-errno -Wall -Wno-unused-function -I "$root/Sources/CKernels/include" \
    "$root/Benchmarks/kernels/$program.c" "$root"/Sources/CKernels/*.c -o "$out" -lpthread -lm
exec "$out" "$@"
