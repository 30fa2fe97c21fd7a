"""A customer's data across every store: found, exported and erased (``supportbot privacy``,
and the daily purge of conversations older than ``SUPPORTBOT_RETENTION_DAYS``).

A conversation's data lives in Rasa's tracker store (table ``events``: every message and
event) and in the support desk's database (handoffs and their history, the customer's
activity, complaints, follow-ups, mined review messages, the desk's outbox, files sent in
live chats). Rasa owns the tracker store and everything else only reads it, with this one
exception: erasure deletes a conversation's rows there, as Rasa's own store would on a
conversation being removed.
Erasing is idempotent: run again, it finishes what an interrupted run left.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from bot.complaints.tickets import UNRESOLVED
from bot.handoff.lifecycle import Status
from bot.satisfaction.followups import OPEN as FOLLOWUP_OPEN
from bot.storage.engines import engine_for
from bot.storage.schema import (
    attachments,
    complaints,
    customer_activity,
    followups,
    handoff_events,
    handoffs,
    rasa_outbox,
    review_items,
    review_messages,
)
from bot.storage.tracker import ConversationStore, no_events_table

#: Open work keeps a conversation from the retention purge: it is still being handled.
OPEN_HANDOFF = tuple(status.value for status in Status if status.is_open)


class SqlPrivacy:
    def __init__(self, desk_url: str, tracker_url: str) -> None:
        self._desk = engine_for(desk_url)
        self._tracker = engine_for(tracker_url)
        self._conversations = ConversationStore(tracker_url)

    # -- finding -------------------------------------------------------------------------------

    def conversations_mentioning(self, text: str) -> dict[str, str]:
        """Conversations in which ``text`` (an e-mail address, a phone number, an order number)
        appears as a whole (``bob@x.com`` is not in ``jimbob@x.com``), in any case: in a
        message or event, or in what the desk keeps (messages left, notes, complaints,
        follow-ups). Each with the words around its first mention."""
        found: dict[str, str] = {}
        pattern = _whole(text)
        likes = _like_patterns(text)
        try:
            with self._tracker.connect() as connection:
                where = " OR ".join(
                    f"LOWER(data) LIKE :p{n} ESCAPE '\\'" for n in range(len(likes))
                )
                query = sa.text(f"SELECT sender_id, data FROM events WHERE {where}")
                params = {f"p{n}": like for n, like in enumerate(likes)}
                for sender, data in connection.execute(query, params):
                    if str(sender) not in found and (around := _mention(data, pattern)):
                        found[str(sender)] = around
        except sa.exc.DBAPIError as exc:
            if not no_events_table(exc):
                raise
        with self._desk.connect() as connection:
            for conversation, value in _desk_texts(connection, likes):
                if str(conversation) not in found and (around := _mention(value, pattern)):
                    found[str(conversation)] = around
        return found

    def idle_page(self, cutoff: float, *, after: str = "", limit: int = 500) -> list[str]:
        """Up to ``limit`` conversations (in id order, after ``after``) whose latest event is
        older than ``cutoff`` (Unix seconds)."""
        query = sa.text(
            "SELECT sender_id FROM events WHERE sender_id > :after GROUP BY sender_id "
            "HAVING MAX(timestamp) < :cutoff ORDER BY sender_id LIMIT :limit"
        )
        params = {"after": after, "cutoff": cutoff, "limit": limit}
        try:
            with self._tracker.connect() as connection:
                return [str(r[0]) for r in connection.execute(query, params)]
        except sa.exc.DBAPIError as exc:
            if no_events_table(exc):
                return []
            raise

    def kept(self, conversation_id: str, since: datetime) -> bool:
        """The conversation is still being handled, or the team touched it after ``since``:
        an open handoff, complaint or follow-up, or one requested, opened, ended or resolved
        since then."""
        checks = [
            (handoffs, handoffs.c.status.in_(OPEN_HANDOFF),
             handoffs.c.requested_at, handoffs.c.ended_at),
            (complaints, complaints.c.status.in_(UNRESOLVED),
             complaints.c.opened_at, complaints.c.resolved_at),
            (followups, followups.c.status == FOLLOWUP_OPEN,
             followups.c.opened_at, followups.c.closed_at),
        ]  # fmt: skip
        with self._desk.connect() as connection:
            for table, still_open, begun, ended in checks:
                recent = sa.or_(still_open, begun >= since, ended >= since)
                query = sa.select(table.c.conversation_id).where(
                    table.c.conversation_id == conversation_id, recent
                )
                if connection.execute(query.limit(1)).first() is not None:
                    return True
        return False

    # -- export ----------------------------------------------------------------------------------

    def export(self, conversation_id: str) -> dict[str, Any]:
        """Everything stored about one conversation, as JSON-ready data."""
        events = self._conversations.events(conversation_id, limit=None)
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
                "attachments": rows(attachments, attachments.c.conversation_id == conversation_id),
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
            tables = (handoffs, customer_activity, complaints, followups, rasa_outbox, attachments)
            for table in tables:
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


def _like_patterns(text: str) -> list[str]:
    """LIKE patterns for ``text`` as written and as JSON stores it (Rasa escapes non-ASCII
    letters: ``josé`` is ``jos\\u00e9`` in the tracker store)."""
    lowered = text.strip().lower()
    forms = dict.fromkeys([lowered, json.dumps(lowered)[1:-1]])
    return ["%" + _escape_like(form) + "%" for form in forms]


def _whole(text: str) -> re.Pattern[str]:
    """``text`` as a whole: no letter, digit or address character right before or after."""
    return re.compile(r"(?<![\w.+-])" + re.escape(text.strip()) + r"(?![\w-])", re.IGNORECASE)


def _mention(value: object, pattern: re.Pattern[str]) -> str | None:
    """The words around the first whole mention in ``value`` (JSON is read: its strings are
    searched as written), or None."""
    if not isinstance(value, str):
        return None
    texts: Iterable[str] = [value]
    if value[:1] in "[{":
        with contextlib.suppress(ValueError):
            texts = list(_strings(json.loads(value)))
    for text in texts:
        match = pattern.search(text)
        if match:
            return " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())
    return None


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _desk_texts(connection: sa.Connection, likes: list[str]) -> Iterator[tuple[str, str]]:
    """(conversation, text) of the desk's columns that may hold what a customer wrote or what
    the team wrote about them, where a LIKE pattern matches."""
    columns = [
        (handoffs, handoffs.c.contact), (handoffs, handoffs.c.message),
        (handoffs, handoffs.c.note), (handoffs, handoffs.c.reason),
        (complaints, complaints.c.message), (complaints, complaints.c.transcript),
        (complaints, complaints.c.resolution_note),
        (followups, followups.c.comment), (followups, followups.c.note),
    ]  # fmt: skip
    for table, column in columns:
        matches = sa.or_(*(sa.func.lower(column).like(like, escape="\\") for like in likes))
        yield from connection.execute(sa.select(table.c.conversation_id, column).where(matches))
    history = sa.select(handoffs.c.conversation_id, handoff_events.c.reason).join(
        handoffs, handoffs.c.id == handoff_events.c.handoff_id
    )
    reason = sa.func.lower(handoff_events.c.reason)
    matches = sa.or_(*(reason.like(like, escape="\\") for like in likes))
    yield from connection.execute(history.where(matches))


def _plain(row: Any) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in dict(row).items()}


def _json_value(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # a file sent in a live chat
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value
