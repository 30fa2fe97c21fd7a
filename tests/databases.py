"""Databases and servers for tests: SQLite files, fresh PostgreSQL databases, Redis, RabbitMQ.

PostgreSQL comes from ``SUPPORTBOT_TEST_POSTGRES_URL``, the URL of a role that may create
databases (``make test`` runs ``scripts/ensure-postgres.sh`` and sets it); Redis from
``SUPPORTBOT_TEST_REDIS_URL`` (``scripts/ensure-redis.sh``); RabbitMQ from
``SUPPORTBOT_TEST_RABBITMQ_URL`` (``scripts/ensure-rabbitmq.sh``). Without them the tests that need
them are skipped, with the reason shown; with ``SUPPORTBOT_TEST_SERVERS_REQUIRED=1`` (set by
``make test``) they fail instead, so CI cannot pass without having run them.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from bot.storage import migrate
from bot.storage.engines import dispose, engine_for
from bot.storage.schema import metadata

POSTGRES_ENV = "SUPPORTBOT_TEST_POSTGRES_URL"
REDIS_ENV = "SUPPORTBOT_TEST_REDIS_URL"
RABBITMQ_ENV = "SUPPORTBOT_TEST_RABBITMQ_URL"
REQUIRED_ENV = "SUPPORTBOT_TEST_SERVERS_REQUIRED"

_template: dict[str, Path] = {}


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at ``path`` with the current schema (a copy of one migrated file)."""
    if "file" not in _template:
        folder = Path(tempfile.mkdtemp(prefix="supportbot-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "desk.db"
        url = f"sqlite:///{template}"
        migrate.upgrade(url)
        with engine_for(url).connect() as connection:  # everything into the main file
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        dispose(url)
        _template["file"] = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template["file"], path)
    return f"sqlite:///{path}"


def rasa_events_table(path: Path) -> None:
    """A SQLite file with Rasa's SQL tracker store's ``events`` table, for the readers of it."""
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT,"
            " timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
        )


def postgres_admin_url() -> str | None:
    return _server_url(POSTGRES_ENV, "PostgreSQL", "scripts/ensure-postgres.sh")


def redis_url() -> str | None:
    return _server_url(REDIS_ENV, "Redis", "scripts/ensure-redis.sh")


def rabbitmq_url() -> str | None:
    return _server_url(RABBITMQ_ENV, "RabbitMQ", "scripts/ensure-rabbitmq.sh")


def unavailable(what: str, hint: str) -> NoReturn:
    """A server or tool the test needs is not there: skip, or fail when ``make test`` said
    they are all there (``SUPPORTBOT_TEST_SERVERS_REQUIRED=1``)."""
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{REQUIRED_ENV}=1 but {what} ({hint})")
    pytest.skip(f"{what}: {hint} (make test does)")


def _server_url(variable: str, server: str, script: str) -> str:
    url = os.environ.get(variable, "").strip()
    if url:
        return url
    unavailable(f"{server} not configured", f"set {variable}, as {script} prints it")


@contextmanager
def fresh_postgres(label: str, *, migrated: bool = True) -> Iterator[str]:
    """A new, empty PostgreSQL database (migrated unless told not), dropped afterwards."""
    admin = postgres_admin_url()
    assert admin is not None
    name = f"t_{re.sub(r'[^a-z0-9]+', '_', label.lower())[:40]}_{secrets.token_hex(4)}"
    maintenance = sa.create_engine(admin, isolation_level="AUTOCOMMIT", future=True)
    try:
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        maintenance.dispose()
        pytest.fail(f"PostgreSQL at {migrate.safe_url(admin)} is not reachable: {exc.orig}")
    url = sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        dispose(url)
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.dispose()


def empty_tables(url: str) -> None:
    """Remove every row of our tables (between the tests sharing one module's database)."""
    engine = engine_for(url)
    names = [table.name for table in metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            joined = ", ".join(f'"{n}"' for n in names)
            connection.exec_driver_sql(f"TRUNCATE {joined} RESTART IDENTITY")
        else:
            for name in names:
                connection.exec_driver_sql(f'DELETE FROM "{name}"')
