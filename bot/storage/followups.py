"""``SqlFollowUps``: follow-ups after unhappy survey answers (``bot.satisfaction.followups``)
in the desk's database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.errors import SupportBotError
from bot.satisfaction.followups import DONE, MAX_COMMENT, OPEN, FollowUp, FollowUpNotFoundError
from bot.storage.engines import during, engine_for, stored_utc
from bot.storage.schema import followups


class SqlFollowUps:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def open(
        self,
        conversation_id: str,
        *,
        channel: str,
        reason: str,
        score: int | None,
        comment: str | None,
        stage: str,
        agent: str | None,
        now: datetime,
    ) -> FollowUp:
        """Open a follow-up for the conversation, or update its open one (one per conversation
        while open: a comment after a low score adds to the same item)."""
        comment = comment[:MAX_COMMENT] if comment else None
        with self._engine.begin() as db:
            row = db.execute(
                sa.select(followups).where(
                    followups.c.conversation_id == conversation_id, followups.c.status == OPEN
                )
            ).first()
            if row is None:
                item_id = secrets.token_hex(8)
                db.execute(
                    followups.insert().values(
                        id=item_id,
                        conversation_id=conversation_id,
                        channel=channel,
                        opened_at=now.astimezone(UTC),
                        reason=reason,
                        score=score,
                        comment=comment,
                        stage=stage,
                        agent=agent,
                        status=OPEN,
                    )
                )
            else:
                item_id = row.id
                reasons = row.reason if reason in row.reason else f"{row.reason}; {reason}"
                db.execute(
                    followups.update()
                    .where(followups.c.id == item_id)
                    .values(
                        reason=reasons,
                        score=score if score is not None else row.score,
                        comment=comment or row.comment,
                    )
                )
            return _follow_up(
                db.execute(sa.select(followups).where(followups.c.id == item_id)).one()
            )

    def get(self, item_id: str) -> FollowUp:
        with self._engine.connect() as db:
            row = db.execute(sa.select(followups).where(followups.c.id == item_id)).first()
        if row is None:
            raise FollowUpNotFoundError(f"no follow-up {item_id}")
        return _follow_up(row)

    def listing(self, status: str | None = OPEN, *, limit: int = 200) -> list[FollowUp]:
        """Newest first; ``status`` None lists every item."""
        query = sa.select(followups).order_by(followups.c.opened_at.desc()).limit(limit)
        if status is not None:
            query = query.where(followups.c.status == status)
        with self._engine.connect() as db:
            return [_follow_up(row) for row in db.execute(query)]

    def between(self, start: datetime, end: datetime) -> list[FollowUp]:
        """Items opened in ``[start, end)``."""
        query = sa.select(followups).where(during(followups.c.opened_at, start, end))
        with self._engine.connect() as db:
            return [_follow_up(row) for row in db.execute(query)]

    def close(self, item_id: str, *, by: str, note: str, now: datetime) -> FollowUp:
        if not note.strip():
            raise SupportBotError("marking a follow-up done needs a note")
        with self._engine.begin() as db:
            done = db.execute(
                followups.update()
                .where(followups.c.id == item_id, followups.c.status == OPEN)
                .values(status=DONE, closed_by=by, closed_at=now.astimezone(UTC), note=note.strip())
            )
            if done.rowcount == 0:
                self.get(item_id)  # raises when it does not exist
                raise SupportBotError("this follow-up is already done")
        return self.get(item_id)

    def unannounced(self, *, since: datetime) -> list[FollowUp]:
        """Items opened since ``since`` and not yet announced in Slack, oldest first."""
        query = (
            sa.select(followups)
            .where(
                followups.c.notified_at.is_(None), followups.c.opened_at >= since.astimezone(UTC)
            )
            .order_by(followups.c.opened_at)
            .limit(50)
        )
        with self._engine.connect() as db:
            return [_follow_up(row) for row in db.execute(query)]

    def announced(self, item_id: str, *, now: datetime) -> None:
        with self._engine.begin() as db:
            db.execute(
                followups.update()
                .where(followups.c.id == item_id)
                .values(notified_at=now.astimezone(UTC))
            )


def _follow_up(row: Any) -> FollowUp:
    return FollowUp(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        opened_at=stored_utc(row.opened_at),
        reason=row.reason,
        score=row.score,
        comment=row.comment,
        stage=row.stage,
        agent=row.agent,
        status=row.status,
        closed_by=row.closed_by,
        closed_at=stored_utc(row.closed_at) if row.closed_at else None,
        note=row.note,
    )
