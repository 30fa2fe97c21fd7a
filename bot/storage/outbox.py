"""``SqlRasaOutbox``: events waiting to be written into conversations through Rasa.

A desk change and what it tells the conversation are written in one transaction (``enqueue``
on the change's connection), so they cannot disagree: if Rasa is down, the events wait here
and are delivered when it is back. Rows of one conversation are delivered in order: a row
that failed holds back the later ones of its conversation (not of others); on PostgreSQL the
writers of one conversation take turns (a transaction lock), so row order is commit order. A
deliverer claims a row for ``CLAIM_SECONDS`` before sending, so two desk processes never send
it twice at once. A row Rasa keeps refusing (not: cannot be reached) is given up
(``failed_at``), so it does not hold its conversation back for ever.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import rasa_outbox

#: How long a claimed row is left to its deliverer before another may try.
CLAIM_SECONDS = 60
#: Delivered rows are kept this long (to look into), then removed.
KEEP_DELIVERED = timedelta(days=7)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    conversation_id: str
    events: list[dict[str, Any]]
    attempts: int
    created_at: datetime


def enqueue(
    connection: sa.Connection, conversation_id: str, events: list[dict[str, Any]], now: datetime
) -> None:
    """Add events for the conversation inside the caller's transaction."""
    if not events:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:conversation))"),
            {"conversation": conversation_id},
        )
    moment = now.astimezone(UTC)
    connection.execute(
        rasa_outbox.insert().values(
            conversation_id=conversation_id,
            events=json.dumps(events, ensure_ascii=False),
            created_at=moment,
            attempts=0,
            next_attempt_at=moment,
        )
    )


class SqlRasaOutbox:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def add(self, conversation_id: str, events: list[dict[str, Any]], *, now: datetime) -> None:
        with self._engine.begin() as db:
            enqueue(db, conversation_id, events, now)

    def due(self, *, now: datetime, conversation_id: str | None = None) -> list[OutboxItem]:
        """Undelivered rows that may be sent now, oldest first: per conversation only its
        first undelivered row, and only when it is due and nobody else is sending it."""
        query = sa.select(rasa_outbox).where(_undelivered()).order_by(rasa_outbox.c.id).limit(1000)
        if conversation_id is not None:
            query = query.where(rasa_outbox.c.conversation_id == conversation_id)
        moment = now.astimezone(UTC)
        found, seen = [], set()
        with self._engine.connect() as db:
            for row in db.execute(query):
                if row.conversation_id in seen:
                    continue
                seen.add(row.conversation_id)
                claimed = row.claimed_until and stored_utc(row.claimed_until) > moment
                if stored_utc(row.next_attempt_at) <= moment and not claimed:
                    found.append(_item(row))
        return found

    def claim(self, item_id: int, *, now: datetime) -> bool:
        """Take the row for sending; False when another deliverer has it (or it is done)."""
        moment = now.astimezone(UTC)
        with self._engine.begin() as db:
            taken = db.execute(
                rasa_outbox.update()
                .where(
                    rasa_outbox.c.id == item_id,
                    _undelivered(),
                    sa.or_(
                        rasa_outbox.c.claimed_until.is_(None),
                        rasa_outbox.c.claimed_until <= moment,
                    ),
                )
                .values(claimed_until=moment + timedelta(seconds=CLAIM_SECONDS))
            )
            return bool(taken.rowcount == 1)

    def delivered(self, item_id: int, *, now: datetime) -> None:
        moment = now.astimezone(UTC)
        with self._engine.begin() as db:
            db.execute(
                rasa_outbox.update()
                .where(rasa_outbox.c.id == item_id)
                .values(delivered_at=moment, claimed_until=None, last_error=None)
            )
            db.execute(
                rasa_outbox.delete().where(rasa_outbox.c.delivered_at < moment - KEEP_DELIVERED)
            )

    def failed(self, item_id: int, *, error: str, retry_at: datetime) -> None:
        """Not taken this time: try again at ``retry_at``."""
        self._attempted(item_id, error, next_attempt_at=retry_at.astimezone(UTC))

    def give_up(self, item_id: int, *, error: str, now: datetime) -> None:
        """Rasa keeps refusing the row: stop trying (later rows of its conversation go on)."""
        self._attempted(item_id, error, failed_at=now.astimezone(UTC))

    def _attempted(self, item_id: int, error: str, **values: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                rasa_outbox.update()
                .where(rasa_outbox.c.id == item_id)
                .values(
                    attempts=rasa_outbox.c.attempts + 1,
                    claimed_until=None,
                    last_error=error[:1000],
                    **values,
                )
            )

    def pending_for(self, conversation_ids: list[str]) -> set[str]:
        """Those of the conversations that still have undelivered rows."""
        if not conversation_ids:
            return set()
        found: set[str] = set()
        with self._engine.connect() as db:
            for start in range(0, len(conversation_ids), 500):
                part = conversation_ids[start : start + 500]
                rows = db.execute(
                    sa.select(rasa_outbox.c.conversation_id)
                    .where(_undelivered(), rasa_outbox.c.conversation_id.in_(part))
                    .distinct()
                )
                found.update(str(r[0]) for r in rows)
        return found

    def backlog(self) -> int:
        """How many rows wait for Rasa."""
        with self._engine.connect() as db:
            count = db.execute(sa.select(sa.func.count()).where(_undelivered())).scalar_one()
        return int(count)


def _undelivered() -> sa.ColumnElement:
    """Still to be delivered: neither delivered nor given up."""
    return sa.and_(rasa_outbox.c.delivered_at.is_(None), rasa_outbox.c.failed_at.is_(None))


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=int(row.id),
        conversation_id=row.conversation_id,
        events=json.loads(row.events),
        attempts=int(row.attempts),
        created_at=stored_utc(row.created_at),
    )
