"""Mining: the customer messages worth a support lead's look, from the conversation store.

A message is worth a look when the bot probably misunderstood it:

- ``fallback``: the NLU was unsure (``nlu_fallback``);
- ``low_confidence``: the best intent's confidence was below ``LOW_CONFIDENCE``;
- ``rejected_choices``: the bot answered with a menu of choices ("Did you mean ...?", or the
  topics) and the customer chose none of them;
- ``negative_feedback``: the customer said the answer to it did not help;
- ``before_handoff``: it was the customer's last real question before the conversation went
  to a person.

Each message also records whether the customer asked for a person later in the same
conversation (the costliest kind of misunderstanding). Button clicks (``/intent`` payloads)
are never candidates: they were not typed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.conversations.events import (
    FALLBACK_INTENT,
    BotMessage,
    bot_message,
    customer_message,
    slot,
)

#: Below this intent confidence a message is a candidate even if the bot acted on it.
LOW_CONFIDENCE = 0.5
#: Intents that are part of the conversation, not a question the bot could misunderstand.
CONVERSATIONAL = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "not_helpful",
        "choose_option",
        "request_human",
        "cancel_handoff",
        "leave_message",
    }
)
#: Intents that mean "the answer did not help".
NEGATIVE_FEEDBACK = frozenset({"deny", "not_helpful"})
#: Event types mining reads from the tracker store.
EVENT_TYPES = ("user", "bot", "slot")


class Signal(enum.StrEnum):
    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low_confidence"
    REJECTED_CHOICES = "rejected_choices"
    NEGATIVE_FEEDBACK = "negative_feedback"
    BEFORE_HANDOFF = "before_handoff"


@dataclass
class Candidate:
    """One customer message worth a look (the text as the customer wrote it)."""

    conversation_id: str
    event_id: int  # the row of the message in the tracker store
    sent_at: datetime
    text: str
    intent: str | None  # the best intent other than nlu_fallback
    confidence: float
    model_id: str | None  # the model that read it (Rasa records it with every event)
    signals: set[Signal] = field(default_factory=set)
    asked_for_person: bool = False  # later in the conversation

    @property
    def key(self) -> str:
        """Stable identity of the message, so a decision is never asked for twice."""
        return f"{self.conversation_id}:{self.event_id}"


def mine(events: Iterable[tuple[int, str, dict[str, Any]]]) -> list[Candidate]:
    """Candidates from tracker events ``(row id, conversation, event)`` in row order."""
    conversations: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row, conversation_id, event in events:
        conversations.setdefault(conversation_id, []).append((row, event))
    found: list[Candidate] = []
    for conversation_id, rows in conversations.items():
        found.extend(mine_conversation(conversation_id, rows))
    return found


def mine_conversation(
    conversation_id: str, rows: list[tuple[int, dict[str, Any]]]
) -> Iterator[Candidate]:
    messages: list[Candidate] = []  # every typed customer message, in order
    by_row: dict[int, Candidate] = {}
    last_question: Candidate | None = None  # the last typed non-conversational message
    menu_after: Candidate | None = None  # the bot offered choices after this message
    answered: Candidate | None = None  # the bot answered this message and asked for feedback
    person_at: int | None = None  # the first row at which the customer wanted a person
    for row, event in rows:
        customer, bot, setting = customer_message(event), bot_message(event), slot(event)
        if customer is not None:
            intent, confidence = customer.best_intent, customer.best_confidence
            if intent in ("request_human", "leave_message") and person_at is None:
                person_at = row
            if menu_after is not None and not customer.clicked:
                menu_after.signals.add(Signal.REJECTED_CHOICES)
            menu_after = None
            if answered is not None and intent in NEGATIVE_FEEDBACK:
                answered.signals.add(Signal.NEGATIVE_FEEDBACK)
            answered = None
            if customer.clicked or not customer.text.strip():
                continue
            message = Candidate(
                conversation_id=conversation_id,
                event_id=row,
                sent_at=customer.at,
                text=customer.text,
                intent=intent,
                confidence=confidence,
                model_id=customer.metadata.get("model_id"),
            )
            if customer.intent == FALLBACK_INTENT:
                message.signals.add(Signal.FALLBACK)
            elif confidence < LOW_CONFIDENCE and intent not in CONVERSATIONAL:
                message.signals.add(Signal.LOW_CONFIDENCE)
            messages.append(message)
            by_row[row] = message
            if intent not in CONVERSATIONAL or customer.intent == FALLBACK_INTENT:
                last_question = message
        elif bot is not None:
            if last_question is not None and _is_menu(bot):
                menu_after = last_question
        elif setting is not None:
            name, value = setting
            if name == "awaiting_feedback" and value is True:
                answered = last_question
            elif (
                name == "handoff"
                and isinstance(value, dict)
                and value.get("status") == "queued"
                and last_question is not None
            ):
                last_question.signals.add(Signal.BEFORE_HANDOFF)
                if person_at is None:
                    person_at = row
    for message in messages:
        message.asked_for_person = person_at is not None and person_at > message.event_id
        if message.signals:
            yield message


def _is_menu(message: BotMessage) -> bool:
    """A bot message offering two or more choices (not the yes/no feedback question)."""
    from bot.dialogue.topics import TOPICS

    intents = [payload.lstrip("/").split("{")[0] for payload in message.button_payloads]
    return sum(1 for i in intents if i == "choose_option" or i in TOPICS) >= 2
