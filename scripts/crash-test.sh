#!/usr/bin/env bash
# Crash test under heavy ingestion: driftrec serve (encryption at rest and
# pseudonyms on) takes concurrent batches from many clients, is killed with
# SIGKILL mid-stream several times, and after every restart must hold every
# event it acknowledged, nothing it was never sent, and profiles that count
# exactly the stored events and equal a replay of them.
#
# It is the Go test TestCrashUnderLoad at a large scale; CI runs the same
# test at a small one. Sizes can be overridden:
#
#   CLIENTS=16 USERS=8 BATCH=50 KILL_AFTER=50000 ROUNDS=3 DURABILITY=fsync \
#     ./scripts/crash-test.sh
#
# DURABILITY=process (no fsync per commit) also survives SIGKILL; only a
# power loss or kernel crash tells the two apart.
set -euo pipefail
cd "$(dirname "$0")/.."
export DRIFTREC_CRASH_CLIENTS="${CLIENTS:-16}"
export DRIFTREC_CRASH_USERS="${USERS:-8}"
export DRIFTREC_CRASH_BATCH="${BATCH:-50}"
export DRIFTREC_CRASH_KILL_AFTER="${KILL_AFTER:-50000}"
export DRIFTREC_CRASH_ROUNDS="${ROUNDS:-3}"
export DRIFTREC_CRASH_DURABILITY="${DURABILITY:-fsync}"
exec go test ./cmd/driftrec -run '^TestCrashUnderLoad$' -count=1 -v -timeout 60m
