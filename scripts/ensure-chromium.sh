#!/usr/bin/env bash
# Debian's Chromium for the browser tests (a test tool's own browser download does not work
# offline). Installs it with apt-get when missing; needs root or sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "error: /usr/bin/chromium is missing; install Debian's 'chromium' package as root" >&2
    exit 1
  fi
fi
echo "==> installing Debian's chromium for the browser tests"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
