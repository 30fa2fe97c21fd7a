"""One conversation, summed up for the daily figures, from its events in the tracker store.

A *conversation* is one Rasa session of one customer (Rasa starts a new session after an
hour of silence, ``session_config`` in ``domain.yml``) with at least one customer message.
It belongs to the day (business timezone) of its first customer message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.conversations.events import (
    ANSWER_SLOT,
    bot_message,
    customer_message,
    kind,
    sessions,
    slot,
)
from bot.language import ENGLISH
from bot.satisfaction.survey import ANSWERED, ASKED, COMMENTED, CSAT_SLOT, LOW, SMALL_TALK

#: Customer intents that ask for a person (or leave a message for the team).
PERSON_INTENTS = frozenset({"request_human", "leave_message"})
COMPLAINT = "complaint"
#: Intents after which a customer who got an answer is taken to be done with the bot.
CONTENT = frozenset({"affirm", "thank", "goodbye"})
#: Customer intents that are not a topic of the conversation (for attribution and reports).
NOT_TOPICS = frozenset(
    {
        "nlu_fallback",
        "not_helpful",
        "choose_option",
        "out_of_scope",
        "bot_challenge",
        "ask_capabilities",
        "request_human",
        "leave_message",
        "cancel_handoff",
        "complaint",
    }
)
#: A message this likely negative counts as a negative message.
NEGATIVE = 0.5


@dataclass
class Conversation:
    conversation_id: str
    started_at: datetime  # the first customer message
    channel: str
    customer_messages: int = 0
    language: str | None = None  # of the latest message clear enough to tell (bot.language)
    asked_for_person: bool = False
    handoff_reason: str | None = None  # why a person was brought in (the first handoff)
    message_left: bool = False
    complaint: bool = False
    fallbacks: int = 0
    answered: bool = False  # the bot answered from the knowledge base at least once
    content_after_answer: bool = False  # then "yes, thanks" / "thank you" / "bye"
    not_helpful: bool = False  # "that didn't help" at least once
    agent_messages: list[datetime] = field(default_factory=list)
    negativity: list[float] = field(default_factory=list)  # per customer message
    intents: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)  # who from the team chatted, in order
    unhelpful_articles: list[str] = field(default_factory=list)  # answers "that didn't help"
    csat_asked: bool = False
    csat_score: int | None = None  # the customer's answer to the satisfaction question
    csat_comment: str | None = None
    csat_attribution: dict[str, Any] | None = None  # as recorded with the score

    @property
    def stage(self) -> str:
        """How far the conversation got: "bot", "queue" (a person was asked for, none came)
        or "agent" (a person from the team chatted)."""
        if self.agents:
            return "agent"
        return "queue" if self.handed_off else "bot"

    def attribution(self) -> dict[str, Any]:
        """What a satisfaction score is attributed to (stored with the score)."""
        return {
            "stage": self.stage,
            "agent": self.agents[-1] if self.agents else None,
            "agents": list(dict.fromkeys(self.agents)),
            "intents": self.topics,
            "articles": list(dict.fromkeys(self.articles)),
            "handoff": self.handed_off,
            "handoff_reason": self.handoff_reason,
            "complaint": self.complaint,
            "channel": self.channel,
        }

    @property
    def handed_off(self) -> bool:
        """A person was asked for or brought in (a live handoff or a message for the team)."""
        return self.handoff_reason is not None or self.message_left or self.asked_for_person

    @property
    def failed(self) -> bool:
        """The bot let the customer down: an answer didn't help, a person was needed, or the
        customer scored the conversation 1 or 2."""
        low = self.csat_score is not None and self.csat_score <= LOW
        return self.not_helpful or self.handed_off or self.complaint or low

    @property
    def topics(self) -> list[str]:
        """The shop intents of the conversation, each once, in order."""
        found = (i for i in self.intents if i and i not in SMALL_TALK and i not in NOT_TOPICS)
        return list(dict.fromkeys(found))

    @property
    def contained(self) -> bool:
        """The bot alone dealt with it: nobody asked for a person, no complaint."""
        return not self.handed_off and not self.complaint


def conversations(events: Iterable[tuple[int, str, dict[str, Any]]]) -> Iterator[Conversation]:
    """Conversations from tracker rows ``(row, sender, event)`` in row order."""
    by_sender: dict[str, list[dict[str, Any]]] = {}
    for _, sender, event in events:
        by_sender.setdefault(sender, []).append(event)
    for sender, sender_events in by_sender.items():
        for session in sessions(sender_events):
            found = summarise(sender, session)
            if found is not None:
                yield found


def summarise(sender: str, events: list[dict[str, Any]]) -> Conversation | None:
    """The summary of one session (None if the customer never wrote)."""
    found: Conversation | None = None
    awaiting_feedback = unsure = False
    for event in events:
        what = kind(event)  # only the events the summary uses are read further
        message = customer_message(event) if what == "user" else None
        if message is not None:
            intent = message.intent or ""
            if found is None:
                found = Conversation(sender, message.at, message.channel)
            found.customer_messages += 1
            found.language = message.written_in or found.language
            found.intents.append(intent)
            if intent in PERSON_INTENTS:
                found.asked_for_person = True
            if intent == COMPLAINT:
                found.complaint = True
            if intent == "nlu_fallback":
                found.fallbacks += 1
            # In another language, a fallback the bot then answers (from a translation) is none.
            unsure = intent == "nlu_fallback" and message.written_in not in (None, ENGLISH)
            if intent in ("not_helpful", "deny") and awaiting_feedback:
                found.not_helpful = True
                if found.articles:
                    found.unhelpful_articles.append(found.articles[-1])
            if intent in CONTENT and found.answered:
                found.content_after_answer = True
            if message.negative is not None:
                found.negativity.append(message.negative)
            awaiting_feedback = False
            continue
        if found is None or what not in ("slot", "bot"):
            continue
        setting = slot(event)
        if setting is not None:
            name, value = setting
            if name == "awaiting_feedback" and value is True:
                awaiting_feedback = True
                found.answered = True
                if unsure:  # answered after all, from a translation: not a fallback
                    found.fallbacks -= 1
                    unsure = False
            elif name == ANSWER_SLOT and isinstance(value, str) and value:
                found.articles.append(value)
            elif name == "handoff" and isinstance(value, dict):
                status = value.get("status")
                if status == "queued" and found.handoff_reason is None:
                    found.handoff_reason = str(value.get("reason") or "unknown")
                elif status == "message_left":
                    found.message_left = True
                agent = value.get("agent")
                if status == "assigned" and isinstance(agent, str) and agent:
                    found.agents.append(agent)
            elif name == CSAT_SLOT and isinstance(value, dict):
                _read_survey(found, value)
        elif (bot := bot_message(event)) is not None and bot.agent:
            found.agent_messages.append(datetime.fromtimestamp(bot.timestamp, UTC))
    return found


def _read_survey(found: Conversation, value: dict[str, Any]) -> None:
    status = value.get("status")
    if status in (ASKED, ANSWERED, COMMENTED):
        found.csat_asked = True
    score = value.get("score")
    if status in (ANSWERED, COMMENTED) and isinstance(score, int):
        found.csat_score = score
        attribution = value.get("attribution")
        found.csat_attribution = attribution if isinstance(attribution, dict) else None
    if status == COMMENTED and isinstance(value.get("comment"), str):
        found.csat_comment = value["comment"]
