"""``SqlReviewInbox``: the review inbox's groups, mined messages, audit log and mining
bookmark (``bot.review.inbox``) in the desk's database."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.review.clustering import GROUPED_WITH_UNCLEAR
from bot.review.inbox import (
    ARTICLE_NEEDS_WORK,
    OPEN,
    ReviewItem,
    ReviewItemNotFoundError,
    ReviewMessage,
)
from bot.review.mining import Signal
from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import review_audit, review_items, review_messages, review_state


class SqlReviewInbox:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

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

    def stored_messages(self, keys: list[str]) -> dict[str, tuple[int, ReviewMessage]]:
        """Of ``keys``, the messages already mined: key -> (group id, message)."""
        found: dict[str, tuple[int, ReviewMessage]] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = connection.execute(
                    sa.select(review_messages).where(review_messages.c.key.in_(chunk))
                )
                found.update((str(r.key), (int(r.item_id), _message(r))) for r in rows)
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

    def update_message(self, connection: sa.Connection, key: str, values: dict[str, Any]) -> None:
        connection.execute(
            review_messages.update().where(review_messages.c.key == key).values(values)
        )

    def begin(self) -> Any:
        return self._engine.begin()

    # -- reading ------------------------------------------------------------------------------

    def items(
        self, *, status: str | None = OPEN, limit: int = 100, language: str | None = None
    ) -> list[ReviewItem]:
        """Groups by impact (highest first), without their messages; with ``language``, only
        the groups in it (English ones include those whose language was not clear)."""
        query = sa.select(review_items).order_by(review_items.c.score.desc()).limit(limit)
        if status is not None:
            query = query.where(review_items.c.status == status)
        if language == GROUPED_WITH_UNCLEAR:
            query = query.where(
                sa.or_(review_items.c.language == language, review_items.c.language.is_(None))
            )
        elif language is not None:
            query = query.where(review_items.c.language == language)
        with self._engine.connect() as connection:
            found = [_item(row) for row in connection.execute(query)]
            wrong = _wrong_answers(connection, review_messages.c.item_id, [i.id for i in found])
        for item in found:
            item.wrong_answers = dict(wrong.get(item.id, {}))
        return found

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
            wrong = _wrong_answers(connection, review_messages.c.item_id, [item_id])
        item.wrong_answers = dict(wrong.get(item_id, {}))
        return item

    def open_leaders(self) -> list[tuple[int, str, str | None]]:
        """(id, representative text, language) of every open group, for new messages to
        join."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(review_items.c.id, review_items.c.text, review_items.c.language)
                .where(review_items.c.status == OPEN)
                .order_by(review_items.c.id)
            )
            return [(int(r[0]), str(r[1]), r[2]) for r in rows]

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

    def needs_work_marks(self) -> list[dict[str, Any]]:
        """Every ``article_needs_work`` decision, oldest first: at, actor, item_id, article."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(review_audit)
                .where(review_audit.c.action == ARTICLE_NEEDS_WORK)
                .order_by(review_audit.c.id)
            )
            return [
                {
                    "at": stored_utc(r.at),
                    "actor": r.actor,
                    "item_id": r.item_id,
                    "article": json.loads(r.detail).get("decision", {}).get("article"),
                }
                for r in rows
            ]

    def wrong_answer_counts(self, articles: list[str]) -> dict[str, int]:
        """Article id -> how many mined messages (of any group) the bot answered wrongly
        with it."""
        with self._engine.connect() as connection:
            by_group = _wrong_answers(connection, review_messages.c.answered_article, articles)
        return dict(sum(by_group.values(), Counter[str]()))

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
        language=row.language,
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
        answered_article=row.answered_article,
        bot_reply=row.bot_reply,
        next_message=row.next_message,
        language=row.language,
    )


def _wrong_answers(
    connection: sa.Connection, column: sa.Column[Any], values: Sequence[Any]
) -> dict[int, Counter[str]]:
    """The one count of wrong answers: group id -> {article id: the group's messages the bot
    answered wrongly with it}, over the messages whose ``column`` is one of ``values`` (the
    groups' ids, or the articles' ids)."""
    counts: dict[int, Counter[str]] = {}
    for start in range(0, len(values), 500):
        rows = connection.execute(
            sa.select(
                review_messages.c.item_id,
                review_messages.c.answered_article,
                review_messages.c.signals,
            ).where(
                column.in_(values[start : start + 500]),
                review_messages.c.answered_article.is_not(None),
            )
        )
        for item_id, article, signals in rows:
            if Signal.ANSWERED_WRONGLY in json.loads(signals):
                counts.setdefault(int(item_id), Counter())[str(article)] += 1
    return counts
