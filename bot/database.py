"""``database_engine``: SQLAlchemy engines for our own tables (handoffs, agents, sessions).

SQLite (the default) is shared by several processes (the Rasa server's channels, the action
server, the web service), so connections wait for a lock instead of failing at once, and the
write-ahead log lets readers go on while one process writes. Any other URL (PostgreSQL when
scaled out) is used as given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

#: Seconds a SQLite connection waits for another process's write to finish.
SQLITE_BUSY_TIMEOUT = 30


def database_engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True, pool_pre_ping=True)
    database = sa.engine.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})

    def _wal(connection: Any, _record: Any) -> None:
        if ":memory:" not in url:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    sa.event.listen(engine, "connect", _wal)
    return engine


def stored_utc(moment: datetime) -> datetime:
    """A time read back from the database, in UTC (SQLite returns it without a timezone;
    everything we store is UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
