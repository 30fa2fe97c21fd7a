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
# Needs root, or passwordless sudo: rabbitmqctl answers only root.
set -euo pipefail
PORT=5672

# Only the URL goes to stdout (callers capture it).
prepare() {
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    # rabbitmqctl answers only root (it reads root's Erlang cookie), so every step needs it.
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      echo "error: RabbitMQ's tools need root: run scripts/ensure-rabbitmq.sh (or make)" \
        "as root, or as a user with passwordless sudo" >&2
      exit 1
    fi
    SUDO="sudo -n"
  fi
  ctl() { timeout "$1" $SUDO rabbitmqctl -q "${@:2}" >/dev/null 2>&1; }
  if ! command -v rabbitmq-server >/dev/null && [ ! -x /usr/sbin/rabbitmq-server ]; then
    "$(dirname "$0")/apt-install.sh" rabbitmq-server
  fi
  if ! ctl 10 status; then
    echo "==> starting RabbitMQ on 127.0.0.1:$PORT" >&2
    $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do
      ctl 10 status && break
      sleep 1
    done
    ctl 30 await_startup \
      || { echo "error: RabbitMQ did not start (see /var/log/rabbitmq/)" >&2; exit 1; }
  fi
  $SUDO rabbitmqctl -q set_policy --apply-to queues supportbot-events-cap '^supportbot_events$' \
    '{"max-length": 100000, "overflow": "drop-head"}' >/dev/null
}
prepare >&2
echo "amqp://guest:guest@127.0.0.1:$PORT/"
