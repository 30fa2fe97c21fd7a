"""``CustomerActivity``: whether a customer is typing, and whether their chat page is still open.

The website channel (in the Rasa server's process) records it; the support desk's feed (in
the web service) reads it to show the agent "the customer is typing" and to mark a handoff
abandoned when the customer's page has stayed closed for ``live_chat.abandon_after_seconds``.
It is kept in the desk database, so it does not matter which process records or reads it.

Only conversations with the team are recorded (the channel asks ``wanted`` first), so
ordinary chats with the bot write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from bot.database import database_engine, stored_utc

metadata = sa.MetaData()
customer_activity = sa.Table(
    "customer_activity",
    metadata,
    sa.Column("conversation_id", sa.String(255), primary_key=True),
    sa.Column("typing_at", sa.DateTime(timezone=True)),  # the latest keystroke reported
    sa.Column("left_at", sa.DateTime(timezone=True)),  # the last open chat page closed
)
#: Open handoffs, to decide whether a conversation's activity is worth recording.
_handoffs = sa.table("handoffs", sa.column("conversation_id"), sa.column("status"))


@dataclass(frozen=True)
class Activity:
    typing_at: datetime | None = None
    left_at: datetime | None = None

    def typing(self, now: datetime, *, within_seconds: float) -> bool:
        return self.typing_at is not None and (now - self.typing_at).total_seconds() < (
            within_seconds
        )

    def gone_for(self, now: datetime) -> float | None:
        """Seconds since the customer's last chat page closed (None: a page is open)."""
        return None if self.left_at is None else (now - self.left_at).total_seconds()


class CustomerActivity:
    def __init__(self, url: str) -> None:
        self._engine = database_engine(url)
        metadata.create_all(self._engine)

    def wanted(self, conversation_id: str) -> bool:
        """Is the conversation with the team (waiting or with an agent)?"""
        query = (
            sa.select(sa.func.count())
            .select_from(_handoffs)
            .where(
                _handoffs.c.conversation_id == conversation_id,
                _handoffs.c.status.in_(["queued", "assigned"]),
            )
        )
        try:
            with self._engine.connect() as db:
                return bool(db.execute(query).scalar())
        except sa.exc.OperationalError as exc:
            if "no such table" in str(exc):  # no handoff was ever requested yet
                return False
            raise

    def typed(self, conversation_id: str, *, now: datetime) -> None:
        self._save(conversation_id, typing_at=_utc(now), left_at=None)

    def left(self, conversation_id: str, *, now: datetime) -> None:
        self._save(conversation_id, left_at=_utc(now))

    def back(self, conversation_id: str) -> None:
        """A chat page of the conversation is open (again)."""
        with self._engine.begin() as db:
            db.execute(
                customer_activity.update()
                .where(customer_activity.c.conversation_id == conversation_id)
                .values(left_at=None)
            )

    def of(self, conversation_ids: list[str]) -> dict[str, Activity]:
        if not conversation_ids:
            return {}
        query = customer_activity.select().where(
            customer_activity.c.conversation_id.in_(conversation_ids)
        )
        with self._engine.connect() as db:
            return {
                row["conversation_id"]: Activity(_stored(row["typing_at"]), _stored(row["left_at"]))
                for row in db.execute(query).mappings()
            }

    def _save(self, conversation_id: str, **values: datetime | None) -> None:
        with self._engine.begin() as db:
            updated = db.execute(
                customer_activity.update()
                .where(customer_activity.c.conversation_id == conversation_id)
                .values(**values)
            )
            if updated.rowcount:
                return
        try:
            with self._engine.begin() as db:
                db.execute(
                    customer_activity.insert().values(conversation_id=conversation_id, **values)
                )
        except sa.exc.IntegrityError:  # recorded at the same moment by another request
            self._save(conversation_id, **values)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _stored(moment: datetime | None) -> datetime | None:
    return None if moment is None else stored_utc(moment)
