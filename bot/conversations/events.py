"""The one reader of Rasa's tracker events, in their JSON form (the tracker store's ``data``
column, a rasa-sdk ``Tracker.events``, a Rasa policy's converted tracker).

Everything that looks at a conversation reads it through here: the escalation rules, the
actions, the satisfaction question, the daily figures, the transcripts, review mining and the
desk. So there is one rule for where a session starts, and one reading of each field:

* **Sessions.** A new session starts at ``session_started`` (Rasa starts one after an hour of
  silence) and at ``restart`` (the conversation was reset): what came before it does not count
  for "this conversation" (the rule of Rasa's own ``applied_events``).
* **Customer messages** (``user``): the text as written, or the title of the clicked button;
  the intent and its confidence; the best intent other than ``nlu_fallback``; the sentiment
  our NLU attached; the channel and metadata; a file sent with it (``bot.attachments``).
* **Bot messages** (``bot``): text, buttons, the agent who wrote it (``metadata.agent``) and
  the file they sent with it.
* **Slots** (``slot``) and **actions** (``action``): name and value. ``ANSWER_SLOT`` is the slot
  an answer from the knowledge base sets to the article's id (actions/knowledge.py sets it;
  escalation, reports and review mining read it).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from bot.attachments import Attachment, attachment_of, only_a_file
from bot.conversations.by_identity import ByIdentity
from bot.language import ENGLISH, LANGUAGE, Identified, confident, identified_of, language_code

Event = dict[str, Any]

#: Events after which the conversation starts afresh.
SESSION_STARTS = frozenset({"session_started", "restart"})
FALLBACK_INTENT = "nlu_fallback"
#: Message metadata key under which a channel records the title of a clicked button.
BUTTON_TITLE = "button_title"
#: Intents that carry the conversation along rather than ask about the shop: greetings,
#: thanks, yes and no, "that didn't help", a chosen option, asking for a person.
CONVERSATIONAL_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "not_helpful",
        "choose_option",
        "request_human",
    }
)
#: The slot an answer from the knowledge base sets to the article's id (domain.yml).
ANSWER_SLOT = "last_article"


def kind(event: Event) -> str:
    return str(event.get("event") or "")


def timestamp(event: Event) -> float:
    return float(event.get("timestamp") or 0.0)


def moment(event: Event) -> datetime:
    return datetime.fromtimestamp(timestamp(event), UTC)


def starts_session(event: Event) -> bool:
    return kind(event) in SESSION_STARTS


def current_session(events: Sequence[Event]) -> Sequence[Event]:
    """The events of the current session (after the latest session start)."""
    for index in range(len(events) - 1, -1, -1):
        if starts_session(events[index]):
            return events[index + 1 :]
    return events


def sessions(events: Iterable[Event]) -> Iterator[list[Event]]:
    """The conversation's sessions in order, each with the event that started it (if any)."""
    current: list[Event] = []
    for event in events:
        if starts_session(event) and current:
            yield current
            current = []
        current.append(event)
    if current:
        yield current


@dataclass(frozen=True)
class CustomerMessage:
    text: str  # as written; a clicked button's payload ("/intent{...}")
    shown: str  # what the customer saw themselves send: the button's title for a click
    intent: str | None  # what the NLU decided (may be nlu_fallback)
    confidence: float
    best_intent: str | None  # the best intent other than nlu_fallback
    best_confidence: float
    sentiment_label: str | None
    sentiment: dict[str, float] | None  # label -> probability; None: not read (a button)
    channel: str
    metadata: dict[str, Any] = field(default_factory=dict)
    parse: dict[str, Any] = field(default_factory=dict, repr=False)  # our NLU's extras
    timestamp: float = 0.0

    @property
    def clicked(self) -> bool:
        """A button's payload, not typed text."""
        return self.text.startswith("/")

    @property
    def negative(self) -> float | None:
        return None if self.sentiment is None else self.sentiment.get("negative")

    @property
    def attachment(self) -> Attachment | None:
        """The file sent with the message (set by the channel that checked it)."""
        return attachment_of(self.metadata)

    @cached_property
    def identified(self) -> Identified | None:
        """What the NLU found of the message's language (``bot.language``)."""
        return identified_of(self.parse.get(LANGUAGE))

    @cached_property
    def written_in(self) -> str | None:
        """The message's language, when it is clear enough to go by (``bot.language``)."""
        return confident(self.identified, self.text)

    @property
    def told_by_words(self) -> str | None:
        """The language of a message too short to identify, told by words only it uses
        ("grazie", "ačiū": ``bot.intents.small_talk``)."""
        identified = self.identified
        return identified.code if identified is not None and identified.by_words else None

    @property
    def asked_for(self) -> str | None:
        """The language the message asked the conversation to go on in ("English, please")."""
        identified = self.identified
        return identified.code if identified is not None and identified.asked else None

    @property
    def only_a_file(self) -> bool:
        """A file sent on its own (its text is only the file's name: not the customer's words)."""
        return only_a_file(self.text, self.metadata)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: tuple[dict[str, str], ...]
    agent: str | None  # a person from the team wrote it
    metadata: dict[str, Any]
    timestamp: float

    @property
    def button_payloads(self) -> list[str]:
        return [b["payload"] for b in self.buttons]

    @property
    def attachment(self) -> Attachment | None:
        """The file an agent sent with the message."""
        return attachment_of(self.metadata)


def serving_language(events: Sequence[Event], metadata: Mapping[str, Any] | None) -> str | None:
    """The language to serve a customer in (the bot's replies, a colleague who speaks it): the
    one they write in or asked for in this session, else the one the website's chat widget was
    opened in (its ``language`` option in the latest message's ``metadata``, "it-IT" → "it"),
    else the one the words of a short message told ("Buongiorno" in Slack); None when none is
    known."""
    messages = [m for m in map(customer_message, current_session(events)) if m]
    written = written_in(messages)
    if written:
        return written
    widget = language_code((metadata or {}).get(LANGUAGE))
    if widget:
        return widget
    # Only then a short "Buongiorno" or "ačiū": no clear message, no widget to go by.
    return next((m.told_by_words for m in reversed(messages) if m.told_by_words), None)


def written_in(messages: Iterable[CustomerMessage]) -> str | None:
    """The conversation's language: that of the latest of these messages clear enough to tell
    (a short "grazie" after an Italian question does not change it), or the one the customer
    asked for ("parli italiano?") if they asked since. English asked for holds whatever later
    messages look like: the customer said they write English."""
    seen: str | None = None
    for message in reversed(list(messages)):
        if message.asked_for is not None:
            return message.asked_for if seen is None or message.asked_for == ENGLISH else seen
        if seen is None:
            seen = message.written_in
    return seen


def asked_for(messages: Iterable[CustomerMessage]) -> str | None:
    """The language the customer last asked for in these messages ("English, please")."""
    return next((m.asked_for for m in reversed(list(messages)) if m.asked_for), None)


def customer_message(event: Event) -> CustomerMessage | None:
    """The customer's message in a ``user`` event (None for any other event)."""
    return _read_message(event) if kind(event) == "user" else None


def _customer_message(event: Event) -> CustomerMessage:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    best, best_confidence = _best_intent(parse)
    sentiment = parse.get("sentiment") or {}
    scores = sentiment.get("scores")
    text = str(event.get("text") or "")
    metadata = event.get("metadata") or {}
    title = metadata.get(BUTTON_TITLE)
    return CustomerMessage(
        text=text,
        shown=title if text.startswith("/") and isinstance(title, str) and title else text,
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        best_intent=best,
        best_confidence=best_confidence,
        sentiment_label=sentiment.get("label"),
        sentiment={str(k): float(v) for k, v in scores.items()}
        if isinstance(scores, dict) and scores
        else None,
        channel=str(event.get("input_channel") or ""),
        metadata=metadata if isinstance(metadata, dict) else {},
        parse=parse,
        timestamp=timestamp(event),
    )


#: Each event is read once (``by_identity``): a long session's are read at every message.
_read_message: ByIdentity[Event, CustomerMessage] = ByIdentity(_customer_message, most=8192)


def bot_message(event: Event) -> BotMessage | None:
    """The message in a ``bot`` event with text (None otherwise)."""
    if kind(event) != "bot" or not event.get("text"):
        return None
    metadata = event.get("metadata") or {}
    agent = metadata.get("agent")
    return BotMessage(
        text=str(event["text"]),
        buttons=buttons(event),
        agent=agent if isinstance(agent, str) and agent else None,
        metadata=metadata,
        timestamp=timestamp(event),
    )


def buttons(event: Event) -> tuple[dict[str, str], ...]:
    """The buttons (or quick replies) a bot message offers: title and payload."""
    data = event.get("data") or {}
    return tuple(
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in data.get("buttons") or data.get("quick_replies") or []
        if isinstance(b, dict)
    )


def slot(event: Event, name: str | None = None) -> tuple[str, Any] | None:
    """(name, value) of a ``slot`` event (of slot ``name`` only, when given)."""
    if kind(event) != "slot" or (name is not None and event.get("name") != name):
        return None
    return str(event.get("name") or ""), event.get("value")


def action(event: Event) -> str | None:
    """The name of the action an ``action`` event ran."""
    if kind(event) != "action":
        return None
    name = event.get("name")
    return str(name) if name else None


def latest_slot(events: Iterable[Event], name: str) -> Any:
    """The last value ``name`` was set to (None when never set)."""
    value = None
    for event in events:
        found = slot(event, name)
        if found is not None:
            value = found[1]
    return value


def _best_intent(parse: dict[str, Any]) -> tuple[str | None, float]:
    ranking = parse.get("intent_ranking") or [parse.get("intent") or {}]
    for entry in ranking:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name and name != FALLBACK_INTENT:
            return str(name), float(entry.get("confidence") or 0.0)
    return None, 0.0
