#!/usr/bin/env bash
# Installs Debian packages with apt-get, as root or through sudo; used by the ensure-*.sh
# scripts when what they need is missing. Prints progress to stderr only.
#
#   scripts/apt-install.sh PACKAGE...
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "error: installing $* needs root: run $(basename "$0") $* as root once" >&2
    exit 1
  }
  SUDO="sudo"
fi
echo "==> installing Debian's $*" >&2
$SUDO apt-get update -qq >&2
# sudo drops the caller's environment: the variable goes through env, after sudo.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
