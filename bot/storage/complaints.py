"""``SqlComplaints``: complaint tickets (``bot.complaints.tickets``) in the desk's database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.complaints.tickets import (
    MAX_MESSAGE,
    OPEN,
    RESOLVED,
    RESPONDED,
    UNRESOLVED,
    Complaint,
    ComplaintNotFoundError,
    number_of,
    reference_for,
)
from bot.errors import SupportBotError
from bot.storage.engines import during, engine_for, stored_utc
from bot.storage.schema import complaints


class SqlComplaints:
    def __init__(self, url: str) -> None:
        self._engine = engine_for(url)

    def open(
        self,
        conversation_id: str,
        *,
        channel: str,
        priority: str,
        reason: str,
        message: str,
        transcript: list[dict[str, Any]],
        first_response_due: datetime | None,
        resolution_due: datetime | None,
        now: datetime,
    ) -> tuple[Complaint, bool]:
        """The conversation's unresolved ticket, or a new one; True when it is new."""
        with self._engine.begin() as db:
            row = db.execute(
                sa.select(complaints).where(
                    complaints.c.conversation_id == conversation_id,
                    complaints.c.status.in_(UNRESOLVED),
                )
            ).first()
            if row is not None:
                return _complaint(row), False
            number = db.execute(
                complaints.insert().values(
                    conversation_id=conversation_id,
                    channel=channel,
                    priority=priority,
                    reason=reason,
                    message=message[:MAX_MESSAGE],
                    transcript=json.dumps(transcript, ensure_ascii=False),
                    opened_at=now.astimezone(UTC),
                    first_response_due=_utc(first_response_due),
                    resolution_due=_utc(resolution_due),
                    status=OPEN,
                )
            ).inserted_primary_key[0]
            row = db.execute(sa.select(complaints).where(complaints.c.id == number)).one()
            return _complaint(row), True

    def get(self, reference: str) -> Complaint:
        with self._engine.connect() as db:
            row = db.execute(
                sa.select(complaints).where(complaints.c.id == number_of(reference))
            ).first()
        if row is None:
            raise ComplaintNotFoundError(f"no complaint {reference}")
        return _complaint(row)

    def listing(self, statuses: tuple[str, ...] | None = UNRESOLVED) -> list[Complaint]:
        """Oldest first (the most urgent at the top); ``statuses`` None: every ticket."""
        query = sa.select(complaints).order_by(complaints.c.opened_at).limit(500)
        if statuses is not None:
            query = query.where(complaints.c.status.in_(statuses))
        with self._engine.connect() as db:
            return [_complaint(row) for row in db.execute(query)]

    def between(self, start: datetime, end: datetime) -> list[Complaint]:
        """Tickets opened in ``[start, end)``."""
        query = sa.select(complaints).where(during(complaints.c.opened_at, start, end))
        with self._engine.connect() as db:
            return [_complaint(row) for row in db.execute(query)]

    def responded(self, conversation_id: str, *, by: str, now: datetime) -> list[str]:
        """Record the team's first response to the conversation's open ticket (if any);
        returns the references that were waiting for one."""
        with self._engine.begin() as db:
            waiting = [
                row.id
                for row in db.execute(
                    sa.select(complaints.c.id).where(
                        complaints.c.conversation_id == conversation_id,
                        complaints.c.status == OPEN,
                    )
                )
            ]
            if waiting:
                self._respond(db, waiting, by, now)
        return [reference_for(n) for n in waiting]

    def mark_responded(self, reference: str, *, by: str, now: datetime) -> Complaint:
        """A person answered outside the chat (email, phone)."""
        complaint = self.get(reference)
        if complaint.status != OPEN:
            raise SupportBotError(f"{reference} has been answered already")
        with self._engine.begin() as db:
            self._respond(db, [complaint.number], by, now)
        return self.get(reference)

    def resolve(self, reference: str, *, by: str, note: str, now: datetime) -> Complaint:
        if not note.strip():
            raise SupportBotError("resolving a complaint needs a note (what was done)")
        complaint = self.get(reference)
        if complaint.status == RESOLVED:
            raise SupportBotError(f"{reference} is resolved already")
        values: dict[str, Any] = {
            "status": RESOLVED,
            "resolved_at": now.astimezone(UTC),
            "resolved_by": by,
            "resolution_note": note.strip(),
        }
        if complaint.first_response_at is None:  # resolving it answers it too
            values |= {"first_response_at": now.astimezone(UTC), "first_response_by": by}
        with self._engine.begin() as db:
            db.execute(
                complaints.update().where(complaints.c.id == complaint.number).values(**values)
            )
        return self.get(reference)

    def _respond(self, db: sa.Connection, numbers: list[int], by: str, now: datetime) -> None:
        db.execute(
            complaints.update()
            .where(complaints.c.id.in_(numbers), complaints.c.status == OPEN)
            .values(status=RESPONDED, first_response_at=now.astimezone(UTC), first_response_by=by)
        )


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None


def _when(value: datetime | None) -> datetime | None:
    return stored_utc(value) if value else None


def _complaint(row: Any) -> Complaint:
    return Complaint(
        number=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        priority=row.priority,
        reason=row.reason,
        message=row.message,
        transcript=json.loads(row.transcript),
        opened_at=stored_utc(row.opened_at),
        first_response_due=_when(row.first_response_due),
        resolution_due=_when(row.resolution_due),
        first_response_at=_when(row.first_response_at),
        first_response_by=row.first_response_by,
        resolved_at=_when(row.resolved_at),
        resolved_by=row.resolved_by,
        resolution_note=row.resolution_note,
        status=row.status,
    )
