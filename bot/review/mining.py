"""Mining: the customer messages worth a support lead's look, from the conversation store.

A message is worth a look when the bot probably misunderstood it:

- ``fallback``: the NLU was unsure (``nlu_fallback``); a question in another language that the
  bot then answered outright (from a translation) is not one;
- ``low_confidence``: the best intent's confidence was below ``LOW_CONFIDENCE``;
- ``rejected_choices``: the bot answered with a menu of choices ("Did you mean ...?", or the
  topics) and the customer chose none of them;
- ``negative_feedback``: the customer said the answer to it did not help;
- ``before_handoff``: it was the customer's last real question before the conversation went
  to a person;
- ``answered_wrongly``: the bot answered it outright from the knowledge base (the article's id
  in ``last_article``, "Did that answer your question?" asked) and the customer's next message
  showed the answer was wrong: "no" or "that didn't help", a request for a person (or
  leaving a message for the team), or the same question again (``bot.conversations.repeats``:
  by the stored embeddings at the escalation policy's ``repeat_similarity``, or by wording
  without them). A complaint is not one of them: it
  says the customer is unhappy, often about the order itself, not that the answer was wrong.
  An answer to a choice the customer clicked or typed ("the second one") is not outright: the
  customer chose the article.

A message answered outright records the article (``answered_article``), and every message the
bot's reply to it (``bot_reply``) and the customer's next message (``next_message``), so a lead
sees what the bot said and what happened next.

Each message also records whether the customer asked for a person later in the same
conversation (the costliest kind of misunderstanding). Button clicks (``/intent`` payloads)
are never candidates: they were not typed. Nor are messages meant for people, written while
the customer waited for or talked to an agent or wrote a message for the team (the
``handoff`` slot says so): the bot was not meant to understand them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.conversations.events import (
    ANSWER_SLOT,
    CONVERSATIONAL_INTENTS,
    FALLBACK_INTENT,
    BotMessage,
    CustomerMessage,
    bot_message,
    customer_message,
    slot,
)
from bot.conversations.repeats import REPEAT_SIMILARITY, asks_again
from bot.handoff.slot import TAKING_MESSAGE, slot_status
from bot.language import ENGLISH

#: Below this intent confidence a message is a candidate even if the bot acted on it.
LOW_CONFIDENCE = 0.5
#: Intents that are part of the conversation, not a question the bot could misunderstand.
CONVERSATIONAL = CONVERSATIONAL_INTENTS | {"cancel_handoff", "leave_message"}
#: Intents that mean "the answer did not help".
NEGATIVE_FEEDBACK = frozenset({"deny", "not_helpful"})
#: Intents that turn from the bot to a person (leaving a message for the team is asking for one).
WANTS_PERSON = frozenset({"request_human", "leave_message"})
#: ``handoff`` slot statuses during which the customer writes to people, not to the bot.
FOR_PEOPLE = frozenset({"queued", "assigned", TAKING_MESSAGE})
#: The most of the bot's reply and the next message kept with a candidate (masked, then cut to
#: ``REPLY_CHARACTERS`` where it is stored: a cut before masking could split an address).
KEPT_CHARACTERS = 5000
REPLY_CHARACTERS = 1000
#: Event types mining reads from the tracker store.
EVENT_TYPES = ("user", "bot", "slot")


class Signal(enum.StrEnum):
    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low_confidence"
    REJECTED_CHOICES = "rejected_choices"
    NEGATIVE_FEEDBACK = "negative_feedback"
    BEFORE_HANDOFF = "before_handoff"
    ANSWERED_WRONGLY = "answered_wrongly"


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
    language: str | None = None  # written in, else the conversation's so far (bot.language)
    asked_for_person: bool = False  # later in the conversation
    answered_article: str | None = None  # the bot answered it outright with this article
    bot_reply: str | None = None  # what the bot replied (its messages before the next turn)
    next_message: str | None = None  # what the customer wrote (or clicked) next

    @property
    def key(self) -> str:
        """Stable identity of the message, so a decision is never asked for twice."""
        return f"{self.conversation_id}:{self.event_id}"


def mine(
    events: Iterable[tuple[int, str, dict[str, Any]]],
    *,
    repeat_similarity: float = REPEAT_SIMILARITY,
) -> list[Candidate]:
    """Candidates from tracker events ``(row id, conversation, event)`` in row order; a
    question asked again by meaning from cosine ``repeat_similarity`` (config.yml's, as the
    escalation policy's)."""
    conversations: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row, conversation_id, event in events:
        conversations.setdefault(conversation_id, []).append((row, event))
    found: list[Candidate] = []
    for conversation_id, rows in conversations.items():
        found.extend(mine_conversation(conversation_id, rows, repeat_similarity=repeat_similarity))
    return found


def mine_conversation(
    conversation_id: str,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    repeat_similarity: float = REPEAT_SIMILARITY,
) -> Iterator[Candidate]:
    reader = _ConversationReader(conversation_id, repeat_similarity=repeat_similarity)
    for row, event in rows:
        reader.read(row, event)
    yield from reader.candidates()


@dataclass
class _Answer:
    """The bot answered ``message`` (``said``) outright with ``article``."""

    message: Candidate
    said: CustomerMessage
    article: str

    def shown_wrong_by(self, reply: CustomerMessage, *, repeat_similarity: float) -> bool:
        """The customer's next message says the answer was wrong: "no", "that didn't help",
        a request for a person, or the same question again (``asks_again``)."""
        intent = reply.best_intent
        if intent in NEGATIVE_FEEDBACK or intent in WANTS_PERSON:
            return True
        return asks_again(self.said, reply, threshold=repeat_similarity)


class _ConversationReader:
    """Reads one conversation's events in order and marks the messages worth a look."""

    def __init__(self, conversation_id: str, *, repeat_similarity: float) -> None:
        self.conversation_id = conversation_id
        self.repeat_similarity = repeat_similarity
        self.messages: list[Candidate] = []  # every typed customer message, in order
        self.latest: tuple[Candidate, CustomerMessage] | None = None  # typed, the latest turn
        self.last_question: Candidate | None = None  # the last typed non-conversational one
        self.menu_after: Candidate | None = None  # the bot offered choices after this message
        self.answered: Candidate | None = None  # the bot answered it and asked for feedback
        self.article: str | None = None  # the article the bot answered the latest turn with
        self.outright: _Answer | None = None  # the latest turn, answered outright
        self.person_at: int | None = None  # the first row at which the customer wanted a person
        self.for_people = False  # the customer is writing to the team now (``FOR_PEOPLE``)
        self.language: str | None = None  # of the latest message clear enough to tell

    def read(self, row: int, event: dict[str, Any]) -> None:
        customer, bot, setting = customer_message(event), bot_message(event), slot(event)
        if customer is not None:
            self._customer(row, customer)
        elif bot is not None:
            if self.last_question is not None and _is_menu(bot):
                self.menu_after = self.last_question
            if self.latest is not None and bot.agent is None:
                reply = self.latest[0].bot_reply
                text = bot.text if reply is None else f"{reply}\n{bot.text}"
                self.latest[0].bot_reply = text[:KEPT_CHARACTERS]
        elif setting is not None:
            self._slot(row, *setting)

    def candidates(self) -> Iterator[Candidate]:
        for message in self.messages:
            message.asked_for_person = self.person_at is not None and (
                self.person_at > message.event_id
            )
            if message.signals:
                yield message

    def _customer(self, row: int, customer: CustomerMessage) -> None:
        intent, confidence = customer.best_intent, customer.best_confidence
        self.language = customer.written_in or self.language
        if self.latest is not None:
            self.latest[0].next_message = customer.shown[:KEPT_CHARACTERS]
        if intent in WANTS_PERSON and self.person_at is None:
            self.person_at = row
        if self.menu_after is not None and not customer.clicked:
            self.menu_after.signals.add(Signal.REJECTED_CHOICES)
        if self.answered is not None and intent in NEGATIVE_FEEDBACK:
            self.answered.signals.add(Signal.NEGATIVE_FEEDBACK)
        if self.outright is not None and self.outright.shown_wrong_by(
            customer, repeat_similarity=self.repeat_similarity
        ):
            self.outright.message.signals.add(Signal.ANSWERED_WRONGLY)
        self.menu_after = self.answered = self.outright = self.latest = self.article = None
        if customer.clicked or not customer.text.strip() or self.for_people:
            return
        message = Candidate(
            conversation_id=self.conversation_id,
            event_id=row,
            sent_at=customer.at,
            text=customer.text,
            intent=intent,
            confidence=confidence,
            model_id=customer.metadata.get("model_id"),
            language=self.language,
        )
        if customer.intent == FALLBACK_INTENT:
            message.signals.add(Signal.FALLBACK)
        elif confidence < LOW_CONFIDENCE and intent not in CONVERSATIONAL:
            message.signals.add(Signal.LOW_CONFIDENCE)
        self.messages.append(message)
        self.latest = (message, customer)
        if intent not in CONVERSATIONAL or customer.intent == FALLBACK_INTENT:
            self.last_question = message

    def _slot(self, row: int, name: str, value: Any) -> None:
        if name == "handoff":
            self.for_people = slot_status(value) in FOR_PEOPLE
        if name == ANSWER_SLOT and isinstance(value, str) and value:
            self.article = value
        elif name == "awaiting_feedback" and value is True:
            self.answered = self.last_question
            if self.latest is not None and self.latest[0] is self.last_question and self.article:
                # Answered outright: the customer's own question, not a choice they made.
                message, said = self.latest
                message.answered_article = self.article
                if said.written_in not in (None, ENGLISH):  # answered from a translation
                    message.signals.discard(Signal.FALLBACK)
                self.outright = _Answer(message, said, self.article)
        elif (
            name == "handoff"
            and isinstance(value, dict)
            and value.get("status") == "queued"
            and self.last_question is not None
        ):
            self.last_question.signals.add(Signal.BEFORE_HANDOFF)
            if self.person_at is None:
                self.person_at = row


def _is_menu(message: BotMessage) -> bool:
    """A bot message offering two or more choices (not the yes/no feedback question)."""
    from bot.dialogue.topics import TOPICS

    intents = [payload.lstrip("/").split("{")[0] for payload in message.button_payloads]
    return sum(1 for i in intents if i == "choose_option" or i in TOPICS) >= 2
