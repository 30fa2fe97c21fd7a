"""``SupportAction``: what every supportbot action shares.

rasa-sdk instantiates every non-abstract ``Action`` subclass with no arguments (possibly in
several worker processes), so actions hold no state: the services they use are the process's
shared, read-only ones, or those a test passes in.

Errors are mapped here, once: whatever goes wrong, the customer gets an apology and a way to
reach a person, never a stack trace; the log gets the conversation id and the error.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.chat import TALK_TO_A_PERSON, Reply
from bot.conversations.events import (
    asked_for,
    current_session,
    customer_message,
    serving_language,
    written_in,
)
from bot.errors import SupportBotError
from bot.escalation import Decision, Level, Turn, recent_turns
from bot.escalation.replies import offer_reply
from bot.privacy.log_ids import conversation_ref
from bot.satisfaction.survey import CSAT_SLOT, asked_record, survey_reply, worth_asking
from bot.services import Services, default_services
from bot.text import TextFlag, parse_flags

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]

SORRY = (
    "Sorry, something went wrong on my side and I can't answer that right now. "
    "Please try again in a moment."
)


class SupportAction(Action, ABC):
    """Base of our actions: ``respond`` does the work, ``run`` guards it."""

    #: The action's name in domain.yml.
    action_name: str = ""
    #: Add the escalation policy's offer of a person, when it made one for this message.
    adds_pending_offer: bool = True

    def __init__(self, services: Services | None = None) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        return self._services or default_services()

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        """Utter the replies and return the events to apply."""

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        try:
            events = self.respond(dispatcher, tracker)
            if self.adds_pending_offer:
                self._add_pending_offer(dispatcher, tracker)
            return events
        except SupportBotError as exc:
            logger.error(
                "%s failed in conversation %s: %s",
                self.name(),
                conversation_ref(tracker.sender_id),
                exc,
            )
        except Exception:
            logger.exception(
                "%s failed in conversation %s", self.name(), conversation_ref(tracker.sender_id)
            )
        dispatcher.utter_message(text=self._sorry_text())
        return []

    def _add_pending_offer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """The policy decided to offer a person after this message: add it below the reply."""
        try:
            decision = latest_escalation(tracker)
            if decision is None or decision.level is not Level.OFFER:
                return
            facts = self.services.business_facts()
        except Exception:  # the answer is out; a missing offer is not worth an apology
            logger.exception(
                "offer of a person failed in conversation %s", conversation_ref(tracker.sender_id)
            )
            return
        for message in dispatcher.messages:
            payloads = {b.get("payload") for b in message.get("buttons") or []}
            if TALK_TO_A_PERSON.payload in payloads or facts.contact.phone in (
                message.get("text") or ""
            ):
                return  # the reply already offers a person
        language = customer_language(tracker)
        utter(dispatcher, offer_reply(facts, self.services.clock(), decision, language))

    def _sorry_text(self) -> str:
        try:
            contact = self.services.business_facts().contact
        except Exception:  # the business facts may be what is broken
            return SORRY
        return f"{SORRY} You can also reach our team at {contact.email} or {contact.phone}."


def customer_channel(tracker: Tracker) -> str:
    """The channel the customer last wrote from ("socketio", "slack", "rest" ...)."""
    return tracker.get_latest_input_channel() or "rest"


def ask_satisfaction(dispatcher: CollectingDispatcher, tracker: Tracker, *, at: float) -> Events:
    """The conversation is ending: ask the satisfaction question, unless it was asked already
    (or there was nothing but small talk). Returns the event recording that it was asked."""
    if not worth_asking(tracker.events):
        return []
    utter(dispatcher, survey_reply(customer_language(tracker)))
    return [SlotSet(CSAT_SLOT, asked_record(by="bot", at=at))]


def utter(dispatcher: CollectingDispatcher, *replies: Reply) -> None:
    """Send ``replies`` in order."""
    for reply in replies:
        dispatcher.utter_message(
            text=reply.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
        )


def recorded_escalation(tracker: Tracker) -> tuple[list[Turn], Decision | None]:
    """The session's latest turns, and the escalation recorded for the latest message (if any)."""
    turns = recent_turns(tracker.events)
    return turns, Decision.from_record(turns[-1].escalation) if turns else None


def latest_escalation(tracker: Tracker) -> Decision | None:
    """The escalation recorded for the latest message (if any), from its turn alone: every
    action asks, and only the handover reads the turns before it."""
    turns = recent_turns(tracker.events, last=1)
    return Decision.from_record(turns[-1].escalation) if turns else None


def text_flags(tracker: Tracker) -> frozenset[TextFlag]:
    """The flags ``MessageCleaner`` put on the latest message (``empty``, ``truncated``, ...)."""
    return parse_flags(tracker.latest_message.get("text_flags"))


def user_intents(tracker: Tracker) -> Sequence[str | None]:
    """The intents of the customer's messages in this session, oldest first."""
    messages = (customer_message(e) for e in current_session(tracker.events))
    return [m.intent for m in messages if m is not None]


def unanswered_in_a_row(tracker: Tracker) -> int:
    """How many of the customer's latest messages, this one included, were not understood and
    got no article (a question in Italian the help centre has nothing for, twice)."""
    count, answered = 0, False
    for event in reversed(current_session(tracker.events)):
        if event.get("event") == "slot" and event.get("name") == "awaiting_feedback":
            answered = answered or event.get("value") is True
        elif event.get("event") == "user":
            message = customer_message(event)
            if answered or message is None or message.intent != "nlu_fallback":
                break
            count, answered = count + 1, False
    return count


def session_language(tracker: Tracker) -> str | None:
    """The language the customer writes in, from this session's messages clear enough to
    tell (``bot.language``); None when none was."""
    return written_in(m for m in map(customer_message, current_session(tracker.events)) if m)


def asked_language(tracker: Tracker) -> str | None:
    """The language the customer last asked for in this session ("English, please")."""
    return asked_for(m for m in map(customer_message, current_session(tracker.events)) if m)


def customer_language(tracker: Tracker) -> str | None:
    """The language to serve the customer in (``bot.conversations.events.serving_language``)."""
    return serving_language(tracker.events, tracker.latest_message.get("metadata"))


def previous_user_message(tracker: Tracker) -> dict[str, Any] | None:
    """The customer's message before the latest one, in this session (its parse data)."""
    messages = [customer_message(e) for e in current_session(tracker.events)]
    typed = [m for m in messages if m is not None]
    if len(typed) < 2:
        return None
    previous = typed[-2]
    return {**previous.parse, "text": previous.parse.get("text") or previous.text}
