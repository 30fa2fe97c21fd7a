#!/usr/bin/env bash
# HAProxy, the load balancer of a cluster (`supportbot run --rasa N ...` starts and stops it
# itself): Debian's package, installed with apt-get when missing. Needs root (or sudo) then.
set -euo pipefail
if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
"$(dirname "$0")/apt-install.sh" haproxy
