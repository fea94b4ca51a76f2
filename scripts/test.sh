#!/usr/bin/env bash
# The test suite: formatting, vet, and every package's tests with the race
# detector. Pretrained files are fetched first (the encoder tests compare
# against reference vectors and fail, not skip, without them).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/fetch-models.sh
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "test: not gofmt-formatted:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -timeout 30m ./...
