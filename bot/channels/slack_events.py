"""Which Slack deliveries were already handled, so a retry or a replay is not answered twice.

Slack retries an event when it did not get a quick 200 (up to three times, over minutes), and
a captured request can be replayed while its signature is still fresh (five minutes). Each
delivery has a key (the event id, or the message's channel and timestamp, or the clicked
button's action timestamp); the first delivery of a key is handled, later ones are only
acknowledged. Kept in SQLite next to the tracker store, so every server process sees it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

#: Keys are forgotten after a day (far longer than Slack retries or signatures live).
RETENTION_SECONDS = 24 * 3600


class SlackEventLog:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS handled "
                "(key TEXT PRIMARY KEY, handled_at REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self._path, timeout=10, isolation_level=None)

    def first_time(self, key: str, *, now: float | None = None) -> bool:
        """Record ``key``; True if it had not been handled before."""
        moment = time.time() if now is None else now
        with self._lock, self._connect() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO handled (key, handled_at) VALUES (?, ?)", (key, moment)
            ).rowcount
            db.execute("DELETE FROM handled WHERE handled_at < ?", (moment - RETENTION_SECONDS,))
        return bool(inserted)
