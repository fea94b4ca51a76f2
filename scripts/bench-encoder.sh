#!/usr/bin/env bash
# Compares the throughput of the Go USE-Lite encoder (encoder/uselite) with
# the TensorFlow.js reference it reproduces, on the same texts and the same
# cores, in one run: rounds alternate between the two so that load from
# other processes hits both alike, and the medians are reported.
#
# usage: scripts/bench-encoder.sh [-r ROUNDS] [-s SECONDS] [-c CPUS] [-t TEXTS.json]
#   -r  rounds per side (default 5)
#   -s  seconds each side measures per round (default 5)
#   -c  cores for both sides: Go's GOMAXPROCS and, where taskset exists,
#       the CPUs both processes are pinned to (default 2)
#   -t  a JSON array of strings (default ../shared/testdata/use-lite-texts.json)
#
# Each side is measured two ways: all texts in one call ("batch": Go's
# Encode(texts), TF.js's embed(texts)) and one call per text ("single").
# TF.js pads a batch to its longest text, so single is its faster mode and
# the ratio printed last compares Go's batch rate with TF.js's best rate.
#
# Needs Go, Node and npm, and the model from scripts/fetch-models.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=5 seconds=5 cpus=2
texts=$root/../shared/testdata/use-lite-texts.json
while getopts "r:s:c:t:" opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    s) seconds=$OPTARG ;;
    c) cpus=$OPTARG ;;
    t) texts=$OPTARG ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
  esac
done
texts=$(cd "$(dirname "$texts")" && pwd)/$(basename "$texts")
models=${DRIFTREC_MODELS:-$root/models}
if [ ! -f "$models/use-lite/dist/model.json" ]; then
  echo "bench-encoder: no USE-Lite model in $models/use-lite: run scripts/fetch-models.sh first" >&2
  exit 1
fi

pin=()
if command -v taskset >/dev/null && [ "$(nproc --all)" -ge "$cpus" ]; then
  pin=(taskset -c "0-$((cpus - 1))")
fi

bench=$root/tools/tfjs-bench
if [ ! -d "$bench/node_modules/@energetic-ai/embeddings" ]; then
  echo "bench-encoder: installing the TF.js reference (npm ci in tools/tfjs-bench)" >&2
  (cd "$bench" && npm ci --silent --no-audit --no-fund)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go test -c -o "$tmp/uselite.test" ./encoder/uselite)

tfjs() { # mode
  "${pin[@]}" node "$bench/bench.js" --model "$models/use-lite" --texts "$texts" \
    --mode "$1" --seconds "$seconds" --warmup 1 | sed -n 's/.*"sentences_per_s":\([0-9.]*\).*/\1/p'
}
gobench() { # benchmark name
  (cd "$root/encoder/uselite" && USELITE_BENCH_TEXTS=$texts DRIFTREC_MODELS=$models \
    "${pin[@]}" "$tmp/uselite.test" -test.run '^$' -test.bench "^$1\$" \
    -test.cpu "$cpus" -test.benchtime "${seconds}s") |
    awk '{for (i = 2; i <= NF; i++) if ($i == "sentences/s") print $(i-1)}'
}

: >"$tmp/rates"
for r in $(seq "$rounds"); do
  for side in tfjs-single go-batch tfjs-batch go-single; do
    case $side in
      tfjs-single) rate=$(tfjs single) ;;
      tfjs-batch) rate=$(tfjs batch) ;;
      go-batch) rate=$(gobench BenchmarkEncode) ;;
      go-single) rate=$(gobench BenchmarkEncodeOneByOne) ;;
    esac
    if [ -z "$rate" ]; then
      echo "bench-encoder: $side produced no rate" >&2
      exit 1
    fi
    echo "$side $rate" >>"$tmp/rates"
    printf 'round %d/%d  %-11s %8.1f sentences/s\n' "$r" "$rounds" "$side" "$rate" >&2
  done
done

median() { # side
  awk -v s="$1" '$1 == s {print $2}' "$tmp/rates" | sort -g |
    awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
go_batch=$(median go-batch) go_single=$(median go-single)
tf_batch=$(median tfjs-batch) tf_single=$(median tfjs-single)
tf_best=$(awk -v a="$tf_batch" -v b="$tf_single" 'BEGIN {print (a > b) ? a : b}')
ratio=$(awk -v g="$go_batch" -v t="$tf_best" 'BEGIN {printf "%.1f", g / t}')
ntexts=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf-8")).length)' "$texts")

printf '\n%d texts, %d cores, %d rounds of %ss per side, medians (sentences/s):\n' \
  "$ntexts" "$cpus" "$rounds" "$seconds"
printf '  %-26s %8.1f\n' "Go, batch" "$go_batch" "Go, one call per text" "$go_single" \
  "TF.js, batch" "$tf_batch" "TF.js, one call per text" "$tf_single"
printf '  Go batch / best TF.js: %sx\n' "$ratio"
printf '{"texts":%d,"cpus":%d,"rounds":%d,"go_batch":%s,"go_single":%s,"tfjs_batch":%s,"tfjs_single":%s,"ratio":%s}\n' \
  "$ntexts" "$cpus" "$rounds" "$go_batch" "$go_single" "$tf_batch" "$tf_single" "$ratio"
