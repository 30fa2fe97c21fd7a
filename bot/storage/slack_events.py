"""``SqlSlackEventLog``: which Slack deliveries were already handled, so a retry or a replay is
not answered twice.

Slack retries an event when it did not get a quick 200 (up to three times, over minutes), and
a captured request can be replayed while its signature is still fresh (five minutes). Each
delivery has a key (the event id, or the message's channel and timestamp, or the clicked
button's action timestamp); the first delivery of a key is handled, later ones are only
acknowledged. Kept in the desk's database, so every Rasa server sees what another handled.

The desk's notices to the agents' Slack channel are claimed here too (keys ``notice:...``)
before they are sent: however many web processes see the same waiting customer, one sends.
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa

from bot.storage.engines import engine_for
from bot.storage.schema import slack_events

#: Keys are forgotten after a day (far longer than Slack retries or signatures live).
RETENTION_SECONDS = 24 * 3600


class SqlSlackEventLog:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def first_time(self, key: str, *, now: float | None = None) -> bool:
        """Record ``key``; True if it had not been handled before."""
        moment = time.time() if now is None else now
        with self._engine.begin() as db:
            expired = slack_events.c.handled_at < moment - RETENTION_SECONDS
            db.execute(slack_events.delete().where(expired))
        try:
            with self._engine.begin() as db:
                db.execute(slack_events.insert().values(key=_stored_key(key), handled_at=moment))
        except sa.exc.IntegrityError:  # handled before, or by another server at this moment
            return False
        return True


def _stored_key(key: str) -> str:
    """The key as stored: itself, or its SHA-256 when longer than the column."""
    return key if len(key) <= 200 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()
