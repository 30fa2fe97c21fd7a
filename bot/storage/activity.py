"""``SqlCustomerActivity``: typing and page-closed times of customers with the team
(what ``bot.handoff.customers.Activity`` describes), in the desk's database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.handoff.customers import Activity
from bot.handoff.lifecycle import Status
from bot.storage.engines import engine_for, stored_utc
from bot.storage.schema import customer_activity, handoffs

#: The most conversation ids in one statement.
CHUNK = 500
#: How far the servers' clocks may disagree (closings this close to a look are kept).
CLOCK_MARGIN = timedelta(seconds=2)


class SqlCustomerActivity:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def wanted(self, conversation_id: str) -> bool:
        """Is the conversation with the team (waiting or with an agent)?"""
        query = (
            sa.select(sa.func.count())
            .select_from(handoffs)
            .where(
                handoffs.c.conversation_id == conversation_id,
                handoffs.c.status.in_([Status.QUEUED.value, Status.ASSIGNED.value]),
            )
        )
        with self._engine.connect() as db:
            return bool(db.execute(query).scalar())

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

    def still_open(self, conversation_ids: list[str], *, before: datetime) -> int:
        """These conversations had a chat page open (somewhere) at ``before``: clear a
        closing recorded before then by another page (not one recorded since, nor in the
        ``CLOCK_MARGIN`` before, as another server's clock may run behind: that may be the
        last page closing). How many were marked closed."""
        cleared = 0
        if not conversation_ids:
            return cleared
        with self._engine.begin() as db:
            for start in range(0, len(conversation_ids), CHUNK):
                cleared += db.execute(
                    customer_activity.update()
                    .where(
                        customer_activity.c.conversation_id.in_(
                            conversation_ids[start : start + CHUNK]
                        ),
                        customer_activity.c.left_at < _utc(before - CLOCK_MARGIN),
                    )
                    .values(left_at=None)
                ).rowcount
        return cleared

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
