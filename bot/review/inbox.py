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

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.errors import SupportBotError

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
