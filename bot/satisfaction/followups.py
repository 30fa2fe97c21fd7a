"""Follow-ups: conversations the team should look at after an unhappy survey answer.

A low score (1 or 2) or an angry comment opens one follow-up per conversation (a later comment
updates it). Items live in the support desk's database, so the action server opens them and
the web service lists them to leads and announces them in Slack (``notified_at``). A lead marks
an item done with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.errors import SupportBotError
from bot.satisfaction.survey import LOW

OPEN = "open"
DONE = "done"
#: The longest comment kept (the whole conversation is in the transcript anyway).
MAX_COMMENT = 2000


class FollowUpNotFoundError(SupportBotError):
    """No follow-up with that id."""


@dataclass(frozen=True)
class FollowUp:
    id: str
    conversation_id: str
    channel: str
    opened_at: datetime
    reason: str
    score: int | None
    comment: str | None
    stage: str
    agent: str | None
    status: str
    closed_by: str | None
    closed_at: datetime | None
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "opened_at": self.opened_at.isoformat(),
            "reason": self.reason,
            "score": self.score,
            "comment": self.comment,
            "stage": self.stage,
            "agent": self.agent,
            "status": self.status,
            "closed_by": self.closed_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "note": self.note,
        }


def follow_up_reason(score: int | None, angry_comment: bool) -> str | None:
    """Why an answer needs a person's look (None: it does not)."""
    parts = []
    if score is not None and score <= LOW:
        parts.append(f"low satisfaction score ({score}/5)")
    if angry_comment:
        parts.append("angry comment")
    return " and ".join(parts) or None
