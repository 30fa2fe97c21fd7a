"""The review inbox: groups of masked customer messages waiting for a lead's decision.

Tables in the support desk's database (shared by the web service and the command line):

- ``review_items``: one group of near-duplicate messages (its masked representative text,
  how many, impact score, the model's guess and the suggestions), ``open`` until decided;
- ``review_messages``: every mined message (masked text only; the original stays in the
  tracker store), keyed by conversation and tracker row so it is never mined twice;
- ``review_audit``: who decided what, when, and what was written where;
- ``review_state``: the last tracker row mining has read.

A message the bot answered outright from the knowledge base keeps the article
(``answered_article``); a group counts its wrong answers per article (``wrong_answers``), and
the one it was answered wrongly with most often is ``wrongly_answered_with`` (the default
article to mark, in the JSON too so that no client works it out again). A lead who finds the
article itself at fault marks it as needing work (the decision ``article_needs_work``, kept in
the audit log): ``ArticleNeedingWork`` is one such article with what the inbox knows of its
wrong answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.errors import SupportBotError
from bot.review.mining import Signal

OPEN, DECIDED, IGNORED = "open", "decided", "ignored"
#: The decision that marks the article the bot answered with as needing work.
ARTICLE_NEEDS_WORK = "article_needs_work"


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
    answered_article: str | None = None  # the bot answered it outright with this article
    bot_reply: str | None = None  # what the bot replied (masked)
    next_message: str | None = None  # what the customer wrote next (masked)
    language: str | None = None  # written in, else its conversation's (bot.language)

    @property
    def answered_wrongly(self) -> bool:
        return Signal.ANSWERED_WRONGLY in self.signals


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
    #: Article id -> how many of the group's messages the bot answered wrongly with it.
    wrong_answers: dict[str, int] = field(default_factory=dict)
    #: The language of its messages (a group holds one language); None: not clear.
    language: str | None = None

    @property
    def wrongly_answered_with(self) -> str | None:
        """The article the bot answered the group wrongly with most often."""
        if not self.wrong_answers:
            return None
        return max(sorted(self.wrong_answers), key=lambda a: self.wrong_answers[a])

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
            "language": self.language,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "suggestion": self.suggestion,
            "decision": self.decision,
            "decided_by": self.decided_by,
            "decided_at": None if self.decided_at is None else self.decided_at.isoformat(),
            "wrong_answers": self.wrong_answers,
            "wrongly_answered_with": self.wrongly_answered_with,
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
                    "answered_article": m.answered_article,
                    "bot_reply": m.bot_reply,
                    "next_message": m.next_message,
                    "language": m.language,
                }
                for m in self.messages
            ],
        }


@dataclass
class ArticleNeedingWork:
    """A knowledge-base article a lead marked as needing work, and its wrong answers."""

    article: str
    wrong_answers: int  # messages in the inbox the bot answered wrongly with it
    marks: int  # decisions that marked it
    marked_at: datetime  # the latest
    marked_by: str
    items: list[int]  # the groups it was marked from
    question: str | None = None  # None: no such article (any more)
    last_reviewed: date | None = None

    @property
    def reviewed_since_marked(self) -> bool:
        """The article's ``last_reviewed`` is on or after the day it was last marked."""
        return self.last_reviewed is not None and self.last_reviewed >= self.marked_at.date()

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "question": self.question,
            "wrong_answers": self.wrong_answers,
            "marks": self.marks,
            "marked_at": self.marked_at.isoformat(),
            "marked_by": self.marked_by,
            "items": self.items,
            "last_reviewed": None if self.last_reviewed is None else self.last_reviewed.isoformat(),
            "reviewed_since_marked": self.reviewed_since_marked,
        }
