"""The customer's side of a conversation, turn by turn, as the escalation rules read it.

Built from Rasa tracker events in their JSON form (the Rasa policy converts its tracker; the
benchmark and the reports read the same form from the conversation store). Only the current
session counts: a customer who comes back tomorrow starts afresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.conversations.events import (
    ANSWER_SLOT,
    CustomerMessage,
    action,
    current_session,
    customer_message,
    slot,
)
from bot.conversations.repeats import message_vector
from bot.embeddings.base import Vectors

#: The slot the escalation decision is recorded in (one JSON object per escalation).
ESCALATION_SLOT = "escalation"
#: Bot actions that mean "I did not understand" (unless they still found an answer).
FALLBACK_ACTIONS = frozenset(
    {"action_handle_low_confidence", "action_default_fallback", "utter_default"}
)


@dataclass(frozen=True)
class Turn:
    """One customer message and what the bot did about it."""

    number: int  # 1 for the session's first customer message
    text: str
    intent: str | None
    sentiment: Mapping[str, float] | None  # label -> probability; None: no reading (a button)
    vector: Vectors | None = field(default=None, compare=False, repr=False)
    bot_actions: tuple[str, ...] = ()
    answered: bool = False  # the bot replied with a knowledge-base answer
    escalation: Mapping[str, Any] | None = None  # recorded in this turn

    @property
    def negative(self) -> float | None:
        return None if self.sentiment is None else float(self.sentiment.get("negative", 0.0))

    @property
    def fell_back(self) -> bool:
        """The bot replied with a fallback and found no answer."""
        return not self.answered and any(a in FALLBACK_ACTIONS for a in self.bot_actions)


def turns_from_events(events: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """The customer turns of the current session, oldest first."""
    turns: list[dict[str, Any]] = []
    number = 0
    for event in current_session([dict(e) for e in events]):
        message = customer_message(event)
        if message is not None:
            number += 1
            turns.append(_user_turn(message, number))
            continue
        if not turns:
            continue
        name = action(event)
        if name and name != "action_listen":
            turns[-1]["bot_actions"].append(name)
        answer, escalation = slot(event, ANSWER_SLOT), slot(event, ESCALATION_SLOT)
        if answer is not None and answer[1]:
            turns[-1]["answered"] = True
        elif escalation is not None and isinstance(escalation[1], dict):
            turns[-1]["escalation"] = escalation[1]
    return [Turn(**{**t, "bot_actions": tuple(t["bot_actions"])}) for t in turns]


def _user_turn(message: CustomerMessage, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "text": message.text,
        "intent": message.intent,
        "sentiment": message.sentiment,
        "vector": message_vector(message),
        "bot_actions": [],
        "answered": False,
        "escalation": None,
    }
