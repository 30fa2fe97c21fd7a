#!/usr/bin/env bash
# Debian's Chromium for the browser tests (a test tool's own browser download does not work
# offline). Installs it with apt-get when missing; needs root or sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
"$(dirname "$0")/apt-install.sh" chromium
