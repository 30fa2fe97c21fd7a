"""The review inbox: groups of masked customer messages waiting for a lead's decision.

Tables in the support desk's database (shared by the web service and the command line):

- ``review_items``: one group of near-duplicate messages (its masked representative text,
  how many, impact score, the model's guess and the suggestions), ``open`` until decided;
- ``review_messages``: every mined message (masked text only; the original stays in the
  tracker store), keyed by conversation and tracker row so it is never mined twice;
- ``review_audit``: who decided what, when, and what was written where;
- ``review_state``: the last tracker row mining has read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.database import database_engine, stored_utc
from bot.errors import SupportBotError

metadata = sa.MetaData()
review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # open, decided, ignored
    sa.Column("text", sa.Text, nullable=False),  # masked representative message
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("conversations", sa.Integer, nullable=False),
    sa.Column("asked_for_person", sa.Integer, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("signals", sa.Text, nullable=False),  # JSON {signal: count}
    sa.Column("predicted_intent", sa.String(64)),
    sa.Column("confidence", sa.Float),
    sa.Column("suggestion", sa.Text, nullable=False),  # JSON, see Suggestion
    sa.Column("decision", sa.Text),  # JSON, see Decision
    sa.Column("decided_by", sa.String(255)),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
)
review_messages = sa.Table(
    "review_messages",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("item_id", sa.Integer, nullable=False, index=True),
    sa.Column("conversation_id", sa.String(255), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("text", sa.Text, nullable=False),  # masked
    sa.Column("intent", sa.String(64)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("signals", sa.Text, nullable=False),  # JSON list
    sa.Column("model_id", sa.String(64)),
    sa.Column("asked_for_person", sa.Boolean, nullable=False),
)
review_audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("item_id", sa.Integer),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),  # JSON
)
review_state = sa.Table(
    "review_state",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

OPEN, DECIDED, IGNORED = "open", "decided", "ignored"


class ReviewItemNotFoundError(SupportBotError):
    pass


@dataclass
class ReviewMessage:
    key: str
    conversation_id: str
    sent_at: datetime
    text: str
    intent: str | None
    confidence: float
    signals: list[str]
    model_id: str | None
    asked_for_person: bool


@dataclass
class ReviewItem:
    id: int
    status: str
    text: str
    size: int
    conversations: int
    asked_for_person: int
    score: float
    last_seen: datetime
    signals: dict[str, int]
    predicted_intent: str | None
    confidence: float | None
    suggestion: dict[str, Any]
    decision: dict[str, Any] | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    messages: list[ReviewMessage] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "text": self.text,
            "size": self.size,
            "conversations": self.conversations,
            "asked_for_person": self.asked_for_person,
            "score": round(self.score, 3),
            "last_seen": self.last_seen.isoformat(),
            "signals": self.signals,
            "predicted_intent": self.predicted_intent,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "suggestion": self.suggestion,
            "decision": self.decision,
            "decided_by": self.decided_by,
            "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
            "messages": [
                {
                    "conversation_id": m.conversation_id,
                    "sent_at": m.sent_at.isoformat(),
                    "text": m.text,
                    "intent": m.intent,
                    "confidence": round(m.confidence, 3),
                    "signals": m.signals,
                    "model_id": m.model_id,
                    "asked_for_person": m.asked_for_person,
                }
                for m in self.messages
            ],
        }


class ReviewInbox:
    def __init__(self, url: str) -> None:
        self._engine = database_engine(url)
        metadata.create_all(self._engine)

    # -- mining bookkeeping -----------------------------------------------------------------

    def last_row(self) -> int:
        with self._engine.connect() as connection:
            value = connection.execute(
                sa.select(review_state.c.value).where(review_state.c.name == "last_row")
            ).scalar()
        return int(value or 0)

    def set_last_row(self, connection: sa.Connection, row: int) -> None:
        done = connection.execute(
            review_state.update().where(review_state.c.name == "last_row").values(value=row)
        )
        if not done.rowcount:
            connection.execute(review_state.insert().values(name="last_row", value=row))

    def known_keys(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        with self._engine.connect() as connection:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = connection.execute(
                    sa.select(review_messages.c.key).where(review_messages.c.key.in_(chunk))
                )
                found.update(str(r[0]) for r in rows)
        return found

    # -- writing groups -----------------------------------------------------------------------

    def create_item(self, connection: sa.Connection, values: dict[str, Any]) -> int:
        result = connection.execute(review_items.insert().values(status=OPEN, **values))
        return int(result.inserted_primary_key[0])

    def update_item(self, connection: sa.Connection, item_id: int, values: dict[str, Any]) -> None:
        connection.execute(review_items.update().where(review_items.c.id == item_id).values(values))

    def add_messages(self, connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            connection.execute(review_messages.insert(), rows)

    def begin(self) -> Any:
        return self._engine.begin()

    # -- reading ------------------------------------------------------------------------------

    def items(self, *, status: str | None = OPEN, limit: int = 100) -> list[ReviewItem]:
        """Groups by impact (highest first), without their messages."""
        query = sa.select(review_items).order_by(review_items.c.score.desc()).limit(limit)
        if status is not None:
            query = query.where(review_items.c.status == status)
        with self._engine.connect() as connection:
            return [_item(row) for row in connection.execute(query)]

    def item(self, item_id: int) -> ReviewItem:
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.select(review_items).where(review_items.c.id == item_id)
            ).first()
            if row is None:
                raise ReviewItemNotFoundError(f"no review item {item_id}")
            item = _item(row)
            messages = connection.execute(
                sa.select(review_messages)
                .where(review_messages.c.item_id == item_id)
                .order_by(review_messages.c.sent_at.desc())
            )
            item.messages = [_message(m) for m in messages]
        return item

    def open_leaders(self) -> list[tuple[int, str]]:
        """(id, representative text) of every open group, for new messages to join."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(review_items.c.id, review_items.c.text)
                .where(review_items.c.status == OPEN)
                .order_by(review_items.c.id)
            )
            return [(int(r[0]), str(r[1])) for r in rows]

    def messages_of(self, connection: sa.Connection, item_id: int) -> list[ReviewMessage]:
        rows = connection.execute(
            sa.select(review_messages).where(review_messages.c.item_id == item_id)
        )
        return [_message(m) for m in rows]

    def audit(self, *, limit: int = 200) -> list[dict[str, Any]]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(review_audit).order_by(review_audit.c.id.desc()).limit(limit)
            )
            return [
                {
                    "id": r.id,
                    "at": stored_utc(r.at).isoformat(),
                    "actor": r.actor,
                    "item_id": r.item_id,
                    "action": r.action,
                    "detail": json.loads(r.detail),
                }
                for r in rows
            ]

    # -- deciding -----------------------------------------------------------------------------

    def close(
        self,
        connection: sa.Connection,
        item_id: int,
        *,
        status: str,
        decision: dict[str, Any],
        actor: str,
        at: datetime,
    ) -> None:
        done = connection.execute(
            review_items.update()
            .where(review_items.c.id == item_id, review_items.c.status == OPEN)
            .values(status=status, decision=json.dumps(decision), decided_by=actor, decided_at=at)
        )
        if not done.rowcount:
            raise ReviewItemNotFoundError(
                f"review item {item_id} is not open", hint="it may have been decided already"
            )

    def record(
        self,
        connection: sa.Connection,
        *,
        actor: str,
        item_id: int | None,
        action: str,
        detail: dict[str, Any],
        at: datetime,
    ) -> None:
        connection.execute(
            review_audit.insert().values(
                at=at, actor=actor, item_id=item_id, action=action, detail=json.dumps(detail)
            )
        )


def _item(row: Any) -> ReviewItem:
    return ReviewItem(
        id=int(row.id),
        status=row.status,
        text=row.text,
        size=int(row.size),
        conversations=int(row.conversations),
        asked_for_person=int(row.asked_for_person),
        score=float(row.score),
        last_seen=stored_utc(row.last_seen),
        signals=json.loads(row.signals),
        predicted_intent=row.predicted_intent,
        confidence=row.confidence,
        suggestion=json.loads(row.suggestion),
        decision=json.loads(row.decision) if row.decision else None,
        decided_by=row.decided_by,
        decided_at=stored_utc(row.decided_at) if row.decided_at else None,
    )


def _message(row: Any) -> ReviewMessage:
    return ReviewMessage(
        key=row.key,
        conversation_id=row.conversation_id,
        sent_at=stored_utc(row.sent_at),
        text=row.text,
        intent=row.intent,
        confidence=float(row.confidence),
        signals=json.loads(row.signals),
        model_id=row.model_id,
        asked_for_person=bool(row.asked_for_person),
    )
