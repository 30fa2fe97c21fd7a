"""A customer's data across every store: found, exported and erased (``supportbot privacy``,
and the daily purge of conversations older than ``SUPPORTBOT_RETENTION_DAYS``).

A conversation's data lives in Rasa's tracker store (table ``events``: every message and
event) and in the support desk's database (handoffs and their history, the customer's
activity, complaints, follow-ups, mined review messages, the desk's outbox). Rasa owns the
tracker store and everything else only reads it, with this one exception: erasure deletes a
conversation's rows there, as Rasa's own store would on a conversation being removed.
Erasing is idempotent: run again, it finishes what an interrupted run left.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from bot.complaints.tickets import UNRESOLVED
from bot.handoff.lifecycle import Status
from bot.storage.engines import engine_for
from bot.storage.schema import (
    complaints,
    customer_activity,
    followups,
    handoff_events,
    handoffs,
    rasa_outbox,
    review_items,
    review_messages,
)
from bot.storage.tracker import no_events_table

#: Open work keeps a conversation from the retention purge: it is still being handled.
OPEN_HANDOFF = tuple(status.value for status in Status if status.is_open)
OPEN_COMPLAINT = UNRESOLVED


class SqlPrivacy:
    def __init__(self, desk_url: str, tracker_url: str) -> None:
        self._desk = engine_for(desk_url)
        self._tracker = engine_for(tracker_url)

    # -- finding -------------------------------------------------------------------------------

    def conversations_mentioning(self, text: str) -> list[str]:
        """Conversations in which ``text`` (an e-mail address, a phone number...) appears, in
        any case: in a message or event, a message left for the team, a complaint or a
        follow-up's comment."""
        pattern = "%" + _escape_like(text.lower()) + "%"
        found: set[str] = set()
        query = sa.text(
            "SELECT DISTINCT sender_id FROM events WHERE LOWER(data) LIKE :p ESCAPE '\\'"
        )
        try:
            with self._tracker.connect() as connection:
                found.update(str(r[0]) for r in connection.execute(query, {"p": pattern}))
        except sa.exc.DBAPIError as exc:
            if not no_events_table(exc):
                raise
        with self._desk.connect() as connection:
            for table, column in (
                (handoffs, handoffs.c.contact),
                (handoffs, handoffs.c.message),
                (complaints, complaints.c.message),
                (followups, followups.c.comment),
            ):
                like = sa.func.lower(column).like(pattern, escape="\\")
                rows = connection.execute(sa.select(table.c.conversation_id).where(like))
                found.update(str(r[0]) for r in rows)
        return sorted(found)

    def idle_before(self, cutoff: float, *, limit: int = 1000) -> list[str]:
        """Up to ``limit`` conversations whose latest event is older than ``cutoff`` (Unix
        seconds) and that have no open handoff or complaint."""
        query = sa.text(
            "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff "
            "LIMIT :limit"
        )
        try:
            with self._tracker.connect() as connection:
                idle = [
                    str(r[0]) for r in connection.execute(query, {"cutoff": cutoff, "limit": limit})
                ]
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return []
            raise
        return [c for c in idle if not self.has_open_work(c)]

    def has_open_work(self, conversation_id: str) -> bool:
        with self._desk.connect() as connection:
            handoff = connection.execute(
                sa.select(handoffs.c.id).where(
                    handoffs.c.conversation_id == conversation_id,
                    handoffs.c.status.in_(OPEN_HANDOFF),
                )
            ).first()
            complaint = connection.execute(
                sa.select(complaints.c.id).where(
                    complaints.c.conversation_id == conversation_id,
                    complaints.c.status.in_(OPEN_COMPLAINT),
                )
            ).first()
        return handoff is not None or complaint is not None

    # -- export ----------------------------------------------------------------------------------

    def export(self, conversation_id: str) -> dict[str, Any]:
        """Everything stored about one conversation, as JSON-ready data."""
        query = sa.text("SELECT data FROM events WHERE sender_id = :c ORDER BY id")
        try:
            with self._tracker.connect() as connection:
                events = [
                    json.loads(r[0]) for r in connection.execute(query, {"c": conversation_id})
                ]
        except sa.exc.DBAPIError as exc:
            if not no_events_table(exc):
                raise
            events = []
        with self._desk.connect() as connection:

            def rows(table: sa.Table, where: sa.ColumnElement[bool]) -> list[dict[str, Any]]:
                return [
                    _plain(r._mapping) for r in connection.execute(sa.select(table).where(where))
                ]

            handoff_rows = rows(handoffs, handoffs.c.conversation_id == conversation_id)
            ids = [h["id"] for h in handoff_rows]
            return {
                "conversation_id": conversation_id,
                "events": events,
                "handoffs": handoff_rows,
                "handoff_history": rows(handoff_events, handoff_events.c.handoff_id.in_(ids)),
                "activity": rows(
                    customer_activity, customer_activity.c.conversation_id == conversation_id
                ),
                "complaints": rows(complaints, complaints.c.conversation_id == conversation_id),
                "followups": rows(followups, followups.c.conversation_id == conversation_id),
                "review_messages": rows(
                    review_messages, review_messages.c.conversation_id == conversation_id
                ),
                "outbox": rows(rasa_outbox, rasa_outbox.c.conversation_id == conversation_id),
            }

    # -- erasure ---------------------------------------------------------------------------------

    def forget(self, conversation_id: str) -> dict[str, int]:
        """Erase the conversation everywhere: how many rows went from each table."""
        erased: dict[str, int] = {}
        with self._desk.begin() as connection:
            ids = _handoff_ids(connection, conversation_id)
            erased["handoff_events"] = _deleted(
                connection, handoff_events, handoff_events.c.handoff_id.in_(ids)
            )
            for table in (handoffs, customer_activity, complaints, followups, rasa_outbox):
                erased[table.name] = _deleted(
                    connection, table, table.c.conversation_id == conversation_id
                )
            erased.update(_forget_review_messages(connection, conversation_id))
        try:
            with self._tracker.begin() as connection:
                result = connection.execute(
                    sa.text("DELETE FROM events WHERE sender_id = :c"), {"c": conversation_id}
                )
                erased["events"] = int(result.rowcount or 0)
        except sa.exc.DBAPIError as exc:
            if not no_events_table(exc):
                raise
            erased["events"] = 0
        return erased


def _handoff_ids(connection: sa.Connection, conversation_id: str) -> list[str]:
    query = sa.select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id)
    return [str(r[0]) for r in connection.execute(query)]


def _forget_review_messages(connection: sa.Connection, conversation_id: str) -> dict[str, int]:
    """The conversation's mined messages go; a review group left with none goes too, and one
    whose shown text was this conversation's shows another of its messages instead."""
    where = review_messages.c.conversation_id == conversation_id
    mined = list(
        connection.execute(
            sa.select(review_messages.c.item_id, review_messages.c.text).where(where)
        )
    )
    erased = {"review_messages": _deleted(connection, review_messages, where), "review_items": 0}
    for item_id in sorted({int(r[0]) for r in mined}):
        remaining = list(
            connection.execute(
                sa.select(review_messages.c.text, review_messages.c.conversation_id)
                .where(review_messages.c.item_id == item_id)
                .order_by(review_messages.c.sent_at)
            )
        )
        item = review_items.c.id == item_id
        if not remaining:
            erased["review_items"] += _deleted(connection, review_items, item)
            continue
        conversations = len({r[1] for r in remaining})
        values: dict[str, Any] = {"size": len(remaining), "conversations": conversations}
        shown = connection.execute(sa.select(review_items.c.text).where(item)).scalar()
        if shown in {r[1] for r in mined}:
            values["text"] = remaining[0][0]
        connection.execute(review_items.update().where(item).values(**values))
    return erased


def _deleted(connection: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    return int(connection.execute(table.delete().where(where)).rowcount or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plain(row: Any) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in dict(row).items()}


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def conversations_in(values: Iterable[str]) -> list[str]:
    """Distinct, non-empty conversation ids, in the order given."""
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))
