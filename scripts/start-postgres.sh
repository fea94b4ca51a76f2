#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for development and CI, and prints
# the DSN to use, as an export line:
#
#   eval "$(scripts/start-postgres.sh /tmp/pg)"      # or: scripts/start-postgres.sh DIR [PORT]
#   go test ./postgres/...                           # uses $DRIFTREC_TEST_POSTGRES
#
# DIR holds the cluster (DIR/data) and its log (DIR/postgres.log); it is
# created if missing and reused if it already holds a cluster. PORT defaults
# to a free port. The server listens on 127.0.0.1 only, trusts local
# connections (it is for tests: never expose it) and has a database named
# driftrec. Stop it with:
#
#   scripts/start-postgres.sh --stop DIR
#
# The server binaries are used if installed (DRIFTREC_PG_BINDIR, PATH, or
# /usr/lib/postgresql/*/bin); otherwise this installs the distribution's
# postgresql package with apt-get. PostgreSQL refuses to run as root, so
# as root the server runs as the postgres user.
#
# The Go tests do not need this script: without DRIFTREC_TEST_POSTGRES they
# start their own server from the same binaries (package postgres/pgtest).
set -euo pipefail

usage() { echo "usage: $0 DIR [PORT] | --stop DIR" >&2; exit 2; }

find_bindir() {
  local d
  if [ -n "${DRIFTREC_PG_BINDIR:-}" ] && [ -x "$DRIFTREC_PG_BINDIR/initdb" ]; then echo "$DRIFTREC_PG_BINDIR"; return 0; fi
  # Resolve links: a linked initdb does not bring psql and createdb along.
  if command -v initdb >/dev/null 2>&1; then d=$(dirname "$(readlink -f "$(command -v initdb)")")
    if [ -x "$d/psql" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

# as_server runs a command as the user the server runs as.
as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local p
  for p in $(seq 54320 54420); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "start-postgres: no free port in 54320-54420" >&2
  return 1
}

[ $# -ge 1 ] || usage
if [ "$1" = "--stop" ]; then
  [ $# -eq 2 ] || usage
  bindir=$(find_bindir) || { echo "start-postgres: no PostgreSQL binaries found" >&2; exit 1; }
  as_server "$bindir/pg_ctl" -D "$2/data" -m fast stop >&2
  exit 0
fi
dir=$1
port=${2:-}

if ! bindir=$(find_bindir); then
  echo "start-postgres: installing PostgreSQL with apt-get" >&2
  if [ "$(id -u)" != 0 ]; then echo "start-postgres: no PostgreSQL found, and installing it needs root" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
  bindir=$(find_bindir) || { echo "start-postgres: PostgreSQL installed but initdb not found" >&2; exit 1; }
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "start-postgres: running as root and there is no postgres user to run the server as" >&2; exit 1; }
  chown postgres: "$dir"
fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
  as_server "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
fi

if as_server "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$dir/data/postmaster.pid")
  echo "start-postgres: already running on port $port" >&2
else
  port=${port:-$(free_port)}
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2 ||
    { cat "$dir/postgres.log" >&2; exit 1; }
fi

if ! as_server "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'driftrec'" | grep -q 1; then
  as_server "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres driftrec
fi

echo "export DRIFTREC_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/driftrec?sslmode=disable'"
