#!/usr/bin/env bash
# Measures the stores' ingestion and profile reads, interleaved with the
# disk's fsync rate, and prints medians over the rounds:
#
#   scripts/bench-stores.sh [ROUNDS] [BENCHTIME]      (defaults: 3 rounds, 1s)
#
# Durable ingestion is bounded by fsync, and on a shared machine the fsync
# rate changes from minute to minute, so every round runs the reference
# (storetest.FsyncReference) right before each store's benchmarks and the
# table reports events/s next to events per fsync of that round. The
# postgres benchmarks run on the server the tests start (or on
# $DRIFTREC_TEST_POSTGRES); inmem is the no-disk reference.
set -euo pipefail

rounds=${1:-3}
benchtime=${2:-1s}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
for pkg in bolt postgres inmem; do
  go test -c -o "$tmp/$pkg.test" "./$pkg"
done

# run PKG PATTERN: one benchmark invocation, output appended to the raw log
# with the round and package in front of each result line.
run() {
  (cd "$root/$1" && "$tmp/$1.test" -test.run '^$' -test.bench "$2" -test.benchtime "$benchtime") |
    awk -v r="$round" -v p="$1" '/^Benchmark/ { print r, p, $0 }' >>"$tmp/raw"
}

for round in $(seq "$rounds"); do
  echo "bench-stores: round $round of $rounds" >&2
  for pkg in bolt postgres; do
    run "$pkg" '^BenchmarkFsyncReference$'
    run "$pkg" '^BenchmarkIngest$'
    run "$pkg" '^BenchmarkProfile$'
  done
  run inmem '^BenchmarkIngestBatches$'
  run inmem '^BenchmarkProfile$'
done

# Each line: round pkg name iterations ns/op [value unit]...
awk '
  function metric(unit,   i) { for (i = 5; i < NF; i++) if ($(i+1) == unit) return $i; return "" }
  {
    name = $3; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
    key = $2 " " name
    if (name == "FsyncReference") { ref[$1 " " $2] = metric("syncs/s"); next }
    ev = metric("events/s")
    if (ev != "") {
      evs[key] = evs[key] " " ev
      if (($1 " " $2) in ref) ratio[key] = ratio[key] " " ev / ref[$1 " " $2]
    } else {
      lat[key] = lat[key] " " $5 / 1000
    }
    if (!(key in seen)) { seen[key] = 1; order[n++] = key }
  }
  function median(list,   a, m, i, j, t) {
    m = split(list, a, " ")
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
  }
  END {
    for (k in ref) refs = refs " " ref[k]
    printf "fsync reference (8 KiB write + fdatasync): median %.0f/s over %d runs\n\n", median(refs), split(refs, x, " ")
    printf "%-50s %12s %14s\n", "store benchmark", "events/s", "events/fsync"
    for (i = 0; i < n; i++) {
      k = order[i]
      if (k in evs) printf "%-50s %12.0f %14s\n", k, median(evs[k]), (k in ratio) ? sprintf("%.2f", median(ratio[k])) : "-"
    }
    printf "\n%-50s %12s\n", "read benchmark", "µs/op"
    for (i = 0; i < n; i++) { k = order[i]; if (k in lat) printf "%-50s %12.1f\n", k, median(lat[k]) }
  }' "$tmp/raw"
