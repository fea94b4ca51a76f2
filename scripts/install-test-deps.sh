#!/usr/bin/env bash
# Installs what the test suite needs beyond Go and Node: Debian's Chromium,
# which the web console's browser test (console/browser_test.go) drives
# headless, CJK fonts for its screenshots, and the PostgreSQL server
# binaries the postgres tests start a throwaway server from
# (postgres/pgtest). Idempotent: it does nothing when they are installed. Needs root (or sudo) and Debian apt (Ubuntu's
# chromium package is a snap shim that does not run here); scripts/test.sh calls
# it first, so a fresh machine (CI included) gets them before the tests.
set -euo pipefail

packages="chromium fonts-noto-cjk fonts-dejavu-core postgresql"

installed() {
  for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || return 1
  done
  [ -x /usr/bin/chromium ]
}

if command -v dpkg-query >/dev/null && installed; then
  echo "install-test-deps: $(/usr/bin/chromium --version 2>/dev/null), fonts and PostgreSQL already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "install-test-deps: apt-get not found; install Chromium at /usr/bin/chromium by hand" >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "install-test-deps: run as root or install sudo" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
# Fonts for CJK text, so screenshots of the Chinese demo show glyphs
# rather than boxes; the browser test checks DOM text, not pixels.
$sudo apt-get install -y --no-install-recommends $packages
/usr/bin/chromium --version 2>/dev/null
