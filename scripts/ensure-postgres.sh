#!/usr/bin/env bash
# PostgreSQL for the tests (and for trying supportbot on PostgreSQL): Debian's package,
# installed with apt-get when missing, started on 127.0.0.1:5432 when not running, with a
# role that may create databases. Each step checks first, so running it again is quick.
#
#   scripts/ensure-postgres.sh            # prints the URL of the role it made, e.g.
#   postgresql://supportbot:supportbot@127.0.0.1:5432/postgres
#   scripts/ensure-postgres.sh DB...      # also creates these databases, owned by the role
#
# The role and password can be changed with SUPPORTBOT_PG_ROLE / SUPPORTBOT_PG_PASSWORD.
# Needs root (or sudo) the first time; afterwards only to start a stopped server.
set -euo pipefail
ROLE="${SUPPORTBOT_PG_ROLE:-supportbot}"
PASSWORD="${SUPPORTBOT_PG_PASSWORD:-supportbot}"
PORT=5432

# Only the URL goes to stdout (callers capture it); everything the tools print goes to stderr
# (pg_ctlcluster says "Removed stale pid file." on stdout after an unclean stop).
prepare() {
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  fi
  as_root() {
    if [ "$SUDO" = "none" ]; then
      echo "error: $* needs root; run scripts/ensure-postgres.sh as root once" >&2
      exit 1
    fi
    $SUDO "$@"
  }
  as_postgres() { as_root su postgres -c "$1"; }

  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    "$(dirname "$0")/apt-install.sh" postgresql
  fi

  VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx main; then
    as_root pg_createcluster "$VERSION" main >/dev/null
  fi
  if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "==> starting PostgreSQL $VERSION on 127.0.0.1:$PORT" >&2
    as_root pg_ctlcluster --skip-systemctl-redirect "$VERSION" main start
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p "$PORT" && break
      sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p "$PORT" || { echo "error: PostgreSQL did not start" >&2; exit 1; }
  fi

  # A login role with a password (TCP connections to 127.0.0.1 need one) that may create the
  # tests' databases.
  exists="$(as_postgres "psql -XAtq -c \"select 1 from pg_roles where rolname = '$ROLE'\"")"
  if [ "$exists" != "1" ]; then
    as_postgres "psql -Xq -c \"create role $ROLE login createdb password '$PASSWORD'\""
  fi
  for db in "$@"; do
    found="$(as_postgres "psql -XAtq -c \"select 1 from pg_database where datname = '$db'\"")"
    if [ "$found" != "1" ]; then
      as_postgres "createdb -O $ROLE $db"
    fi
  done
}
prepare "$@" >&2
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
