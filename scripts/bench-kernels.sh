#!/usr/bin/env bash
# Benchmarks kernel.MatMul and kernel.MatMulTransB against OpenBLAS's
# cblas_sgemm on the same matrices, interleaved in one run (see
# BenchmarkVersusOpenBLAS in kernel/openblas_bench_test.go), with 1 and 2
# threads on each side. Installs nothing: it needs Debian's
# libopenblas0-pthread and libopenblas-dev and a C compiler for cgo.
#
# OpenBLAS picks its kernels by CPU model, and a release older than the CPU
# falls back to a generic SSE3 kernel ("Prescott"). So the run is repeated
# for each entry of $RUNS, CORETYPE or CORETYPE/FAMILY: OPENBLAS_CORETYPE
# ("auto" leaves it unset) and the family of our kernels (avx512, avx2;
# default the best this CPU runs). The default compares our best against
# OpenBLAS's own choice and against its AVX-512 kernels, and our AVX2
# kernels against its AVX2 (Haswell) kernels.
#
# Environment: ROUNDS (interleaved rounds per shape, default 9), RUNS
# (default "auto SkylakeX Haswell/avx2"), BENCH (a -bench filter below
# BenchmarkVersusOpenBLAS, default all), OUT (folder for raw output,
# default a temporary one).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-9}
runs=${RUNS:-auto SkylakeX Haswell/avx2}
filter=${BENCH:-}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"

missing=()
for pkg in libopenblas0-pthread libopenblas-dev; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-kernels: missing Debian packages: ${missing[*]}" >&2
  echo "bench-kernels: install them with: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
cc=${CC:-gcc}
if ! command -v "$cc" >/dev/null; then
  echo "bench-kernels: cgo needs a C compiler ($cc not found); apt-get install -y gcc" >&2
  exit 1
fi

cd "$root"
echo "bench-kernels: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(go version | cut -d' ' -f3), OpenBLAS $(dpkg-query -W -f='${Version}' libopenblas0-pthread)"
echo "bench-kernels: load average $(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds per shape; raw output in $out"
go test -tags openblas -c -o "$out/kernel.test" ./kernel/

for run in $runs; do
  ct=${run%%/*}
  family=
  [ "$run" = "$ct" ] || family=${run#*/}
  log=$out/versus-openblas-${run//\//-}.txt
  echo
  echo "== OPENBLAS_CORETYPE=$ct, ours: ${family:-best}"
  envs=(DRIFTREC_KERNEL_FAMILY="$family")
  if [ "$ct" = auto ]; then envs=(-u OPENBLAS_CORETYPE "${envs[@]}"); else envs+=(OPENBLAS_CORETYPE="$ct"); fi
  env "${envs[@]}" "$out/kernel.test" -test.run '^$' -test.v \
    -test.bench "VersusOpenBLAS/$filter" -test.benchtime "${rounds}x" >"$log"
  grep -m1 'OpenBLAS core' "$log" | sed 's/^ *//'
  # One line per shape: threads, product, shape, then the medians of the
  # wall-clock rates and ratio and, for one thread, of the CPU-time ones.
  awk '/^BenchmarkVersusOpenBLAS\// && NF > 3 {
         split($1, p, "/"); shape = p[4]; sub(/-[0-9]+$/, "", shape)
         delete v
         for (i = 2; i < NF; i++) v[$(i+1)] = $i
         line = sprintf("%-10s %-13s %-15s ours %6.1f  openblas %6.1f GFLOP/s  ratio %.2f",
           p[2], p[3], shape, v["ours-GFLOP/s"], v["openblas-GFLOP/s"], v["ratio"])
         if ("ratio-cpu" in v)
           line = line sprintf("  | CPU time: ours %6.1f  openblas %6.1f  ratio %.2f",
             v["ours-GFLOP/cpu-s"], v["openblas-GFLOP/cpu-s"], v["ratio-cpu"])
         print line
       }' "$log"
done
