#!/usr/bin/env bash
# HAProxy, the load balancer of a cluster (`supportbot run --rasa N ...` starts and stops it
# itself): Debian's package, installed with apt-get when missing. Needs root (or sudo) then.
set -euo pipefail
if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "error: installing haproxy needs root; run scripts/ensure-haproxy.sh as root once" >&2
    exit 1
  }
  SUDO="sudo"
fi
echo "==> installing Debian's haproxy" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
