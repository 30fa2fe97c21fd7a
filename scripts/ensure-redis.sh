#!/usr/bin/env bash
# Redis for a cluster (Rasa's lock store, the shared socket.io manager) and its tests: Debian's
# package, installed with apt-get when missing, started on 127.0.0.1:6379 when not running
# (no persistence: locks and socket.io messages live seconds). Each step checks first.
#
#   scripts/ensure-redis.sh               # prints the URL: redis://127.0.0.1:6379/0
#
# Needs root (or sudo) the first time, to install.
set -euo pipefail
PORT=6379

# Only the URL goes to stdout (callers capture it).
prepare() {
  if ! command -v redis-server >/dev/null; then
    "$(dirname "$0")/apt-install.sh" redis-server
  fi
  if ! redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1; then
    echo "==> starting Redis on 127.0.0.1:$PORT" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
      --logfile /tmp/supportbot-redis.log
    for _ in $(seq 1 30); do
      redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 && break
      sleep 0.5
    done
    redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 \
      || { echo "error: Redis did not start (see /tmp/supportbot-redis.log)" >&2; exit 1; }
  fi
}
prepare >&2
echo "redis://127.0.0.1:$PORT/0"
