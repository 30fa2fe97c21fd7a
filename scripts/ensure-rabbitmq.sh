#!/usr/bin/env bash
# RabbitMQ for a cluster (Rasa's event broker: every tracker event reaches the desk's processes)
# and its tests: Debian's package, installed with apt-get when missing, started when not
# running (guest/guest, which RabbitMQ accepts from localhost only). It also caps the queue
# Rasa's broker declares (`supportbot_events`, kept for your own consumers: analytics, exports)
# at the newest 100,000 events, so with no such consumer it never fills the disk.
# Each step checks first.
#
#   scripts/ensure-rabbitmq.sh            # prints the URL: amqp://guest:guest@127.0.0.1:5672/
#
# Needs root (or sudo) the first time, to install.
set -euo pipefail
PORT=5672

ready() { rabbitmqctl -q await_startup >/dev/null 2>&1 && rabbitmqctl -q status >/dev/null 2>&1; }

# Only the URL goes to stdout (callers capture it).
prepare() {
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  fi
  if ! command -v rabbitmq-server >/dev/null; then
    if [ "$SUDO" = "none" ]; then
      echo "error: installing rabbitmq-server needs root; run scripts/ensure-rabbitmq.sh as root once" >&2
      exit 1
    fi
    echo "==> installing Debian's rabbitmq-server" >&2
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  if ! timeout 10 rabbitmqctl -q status >/dev/null 2>&1; then
    echo "==> starting RabbitMQ on 127.0.0.1:$PORT" >&2
    $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
      timeout 10 rabbitmqctl -q status >/dev/null 2>&1 && break
      sleep 1
    done
    timeout 30 rabbitmqctl -q await_startup >/dev/null 2>&1 \
      || { echo "error: RabbitMQ did not start (see /var/log/rabbitmq/)" >&2; exit 1; }
  fi
  $SUDO rabbitmqctl -q set_policy --apply-to queues supportbot-events-cap '^supportbot_events$' \
    '{"max-length": 100000, "overflow": "drop-head"}' >/dev/null
}
prepare >&2
echo "amqp://guest:guest@127.0.0.1:$PORT/"
