"""``engine_for``: one SQLAlchemy engine per database URL per process.

SQLite (the default) is shared by several processes (the Rasa server's channels, the action
server, the web service), so its connections wait for a lock instead of failing at once, and
the write-ahead log lets readers go on while one process writes. PostgreSQL gets a connection
pool of the configured size, and connections are checked before use, so a database restart
costs a retry rather than an error.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Seconds a SQLite connection waits for another process's write to finish.
SQLITE_BUSY_TIMEOUT = 30
#: Connections each process keeps open to PostgreSQL (plus as many again under load).
DEFAULT_POOL_SIZE = 5

_engines: dict[str, sa.Engine] = {}
_pool_sizes: dict[str, int] = {}
_lock = threading.Lock()


def engine_for(url: str) -> sa.Engine:
    """The process's engine for ``url`` (made on first use, then shared)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url, _pool_sizes.get(url, DEFAULT_POOL_SIZE))
        return engine


def set_pool_size(url: str, size: int) -> None:
    """Connections to keep open to ``url`` (PostgreSQL); an engine made before with another
    size is replaced."""
    with _lock:
        if _pool_sizes.get(url, DEFAULT_POOL_SIZE) == size:
            _pool_sizes[url] = size
            return
        _pool_sizes[url] = size
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose(url: str) -> None:
    """Close the engine's connections and forget it (before dropping its database)."""
    with _lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def is_sqlite(url: str) -> bool:
    return bool(sa.engine.make_url(url).get_backend_name() == "sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database or another backend)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def stored_utc(moment: datetime) -> datetime:
    """A time read back from the database, in UTC (SQLite returns it without a timezone;
    everything we store is UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def during(column: sa.Column, start: datetime, end: datetime) -> sa.ColumnElement:
    """``start <= column < end``, for a column of times stored in UTC."""
    return sa.and_(column >= start.astimezone(UTC), column < end.astimezone(UTC))


def _create(url: str, pool_size: int) -> sa.Engine:
    if not is_sqlite(url):
        return sa.create_engine(
            url, future=True, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size
        )
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})

    def _wal(connection: Any, _record: Any) -> None:
        if path is not None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    sa.event.listen(engine, "connect", _wal)
    return engine


def contains_pattern(text: str) -> str:
    """A LIKE pattern (with ``ESCAPE '!'``) matching anything that contains ``text`` as is."""
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
