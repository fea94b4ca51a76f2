#!/usr/bin/env bash
# The test suite: formatting, vet, and every package's tests with the race
# detector. First it installs what the tests need (Chromium and PostgreSQL,
# through apt, when missing) and fetches the pretrained files: the encoder
# tests compare against reference vectors, the browser test drives a real
# Chromium and the postgres tests a real server, and they fail, not skip,
# without them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-test-deps.sh
./scripts/fetch-models.sh
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "test: not gofmt-formatted:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -timeout 30m ./...
