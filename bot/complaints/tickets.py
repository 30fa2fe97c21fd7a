"""``SqlComplaints``: complaint tickets with a reference number, a priority and SLA deadlines.

A complaint (the intent, or an escalation whose reason is a complaint) opens a ticket: the
customer is given its reference (``C-00042``), the team gets the conversation's transcript as
it stood, and two deadlines come from the business-facts file (``complaints``):

* first response: ``first_response_hours`` of the team's working time after it was opened;
* resolution: the close of the ``resolution_days``-th working day after the day it was opened.

An agent's first message in the conversation records the first response; a person marks the
ticket responded (e.g. they replied by email) or resolved (with a note) in the console. One
open ticket per conversation: complaining again adds nothing but is told the same reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bot.database import database_engine, stored_utc
from bot.errors import SupportBotError

metadata = sa.MetaData()
complaints = sa.Table(
    "complaints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # the customer's complaint, as written
    sa.Column("transcript", sa.Text, nullable=False),  # JSON: the conversation when opened
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("first_response_due", sa.DateTime(timezone=True)),
    sa.Column("resolution_due", sa.DateTime(timezone=True)),
    sa.Column("first_response_at", sa.DateTime(timezone=True)),
    sa.Column("first_response_by", sa.String(255)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_by", sa.String(255)),
    sa.Column("resolution_note", sa.Text),
    sa.Column("status", sa.String(16), nullable=False, index=True),
)

OPEN = "open"  # nobody from the team has answered yet
RESPONDED = "responded"  # answered, not resolved yet
RESOLVED = "resolved"
UNRESOLVED = (OPEN, RESPONDED)
#: The longest complaint text kept (the transcript has the whole conversation).
MAX_MESSAGE = 5000


class ComplaintNotFoundError(SupportBotError):
    """No complaint with that reference."""


def reference_for(number: int) -> str:
    return f"C-{number:05d}"


def number_of(reference: str) -> int:
    text = reference.strip().upper().removeprefix("C-")
    if not text.isdigit():
        raise ComplaintNotFoundError(f"no complaint {reference}")
    return int(text)


@dataclass(frozen=True)
class Complaint:
    number: int
    conversation_id: str
    channel: str
    priority: str
    reason: str
    message: str
    transcript: list[dict[str, Any]]
    opened_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_at: datetime | None
    first_response_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    status: str

    @property
    def reference(self) -> str:
        return reference_for(self.number)

    def first_response_late(self, now: datetime) -> bool:
        """The first response came after its deadline, or has not come and the deadline passed."""
        return _late(self.first_response_due, self.first_response_at, now)

    def resolution_late(self, now: datetime) -> bool:
        return _late(self.resolution_due, self.resolved_at, now)

    def breached(self, now: datetime) -> bool:
        """Either promise was broken (or, still open, already is), as of ``now``."""
        return self.first_response_late(now) or self.resolution_late(now)

    def to_json(self, now: datetime, *, transcript: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "reference": self.reference,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "priority": self.priority,
            "reason": self.reason,
            "message": self.message,
            "status": self.status,
            "opened_at": self.opened_at.isoformat(),
            "first_response_due": _iso(self.first_response_due),
            "first_response_at": _iso(self.first_response_at),
            "first_response_by": self.first_response_by,
            "resolution_due": _iso(self.resolution_due),
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolution_note": self.resolution_note,
            "first_response_late": self.first_response_late(now),
            "resolution_late": self.resolution_late(now),
        }
        if transcript:
            found["transcript"] = self.transcript
        return found


class SqlComplaints:
    def __init__(self, url: str) -> None:
        self._engine = database_engine(url)
        metadata.create_all(self._engine)

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
        query = sa.select(complaints).where(
            complaints.c.opened_at >= start.astimezone(UTC),
            complaints.c.opened_at < end.astimezone(UTC),
        )
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


def _late(due: datetime | None, done: datetime | None, now: datetime) -> bool:
    if due is None:
        return False
    return (done or now) > due


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


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
