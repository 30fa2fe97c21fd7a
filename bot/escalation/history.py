"""The customer's side of a conversation, turn by turn, as the escalation rules read it.

Built from Rasa tracker events in their JSON form (the Rasa policy converts its tracker; the
benchmark and the reports read the same form from the conversation store). Only the current
session counts: a customer who comes back tomorrow starts afresh. The bot itself reads the
session's latest ``LOOKBACK_TURNS`` customer turns (``recent_turns``), so a long conversation
costs each message no more than a short one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.conversations.events import (
    ANSWER_SLOT,
    SESSION_STARTS,
    CustomerMessage,
    Event,
    action,
    current_session,
    customer_message,
    kind,
    slot,
)
from bot.conversations.repeats import message_vector
from bot.embeddings.base import Vectors

#: The slot the escalation decision is recorded in (one JSON object per escalation).
ESCALATION_SLOT = "escalation"
#: The customer turns the bot's escalation decision reads: the session's latest. Every rule
#: looks at most this far back (streaks and rises at the last few, "that didn't help",
#: fallbacks and repeated questions since the last offer), and without a bound the repeats
#: alone cost each message a comparison with every earlier question.
LOOKBACK_TURNS = 30
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


def turns_from_events(events: Iterable[Mapping[str, Any]], *, earlier_turns: int = 0) -> list[Turn]:
    """The customer turns of the current session, oldest first (numbered after
    ``earlier_turns`` customer messages of the session that ``events`` leaves out)."""
    turns: list[dict[str, Any]] = []
    number = earlier_turns
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


E = TypeVar("E")


def recent_turns(events: Sequence[Event], last: int = LOOKBACK_TURNS) -> list[Turn]:
    """The session's latest ``last`` customer turns, numbered within the session."""
    start, earlier = recent_window(events, kind, last)
    return turns_from_events(events[start:], earlier_turns=earlier)


def recent_window(
    events: Sequence[E], name: Callable[[E], str | None], last: int = LOOKBACK_TURNS
) -> tuple[int, int]:
    """Where the session's latest ``last`` customer messages start in ``events``, and how many
    of the session's customer messages come before them (``name``: an event's type name)."""
    seen = earlier = 0
    start: int | None = None
    for index in range(len(events) - 1, -1, -1):
        event_name = name(events[index])
        if event_name in SESSION_STARTS:
            return (index + 1 if start is None else start), earlier
        if event_name == "user":
            if seen < last:
                seen += 1
                start = index if seen == last else None
            else:
                earlier += 1
    return (0 if start is None else start), earlier
