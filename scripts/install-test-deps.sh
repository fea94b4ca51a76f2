#!/usr/bin/env bash
# Installs what the test suite needs beyond Go and Node: Debian's Chromium,
# which the web console's browser test (console/browser_test.go) drives
# headless. Idempotent: it does nothing when /usr/bin/chromium already
# runs. Needs root (or sudo) and a Debian/Ubuntu apt; .ci/run calls it on a
# fresh machine before scripts/test.sh.
set -euo pipefail

if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "install-test-deps: $(/usr/bin/chromium --version) already installed"
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
$sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk fonts-dejavu-core
/usr/bin/chromium --version
