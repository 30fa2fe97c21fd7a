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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import SupportBotError

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


def _late(due: datetime | None, done: datetime | None, now: datetime) -> bool:
    if due is None:
        return False
    return (done or now) > due


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
