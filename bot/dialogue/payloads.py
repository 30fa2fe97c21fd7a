"""Which button payloads a customer may send.

A button's payload (``/intent{"entity": "value"}``) makes Rasa skip understanding and act on
that intent and its entities directly, so a payload typed or forged by a client could record a
satisfaction score nobody was asked for or jump into any flow. A payload is honoured only when
the bot offered that very button in the conversation's current session, or when it is one of
``ALWAYS_ACCEPTED`` (the widget's "Talk to a person" button, always on screen). Anything else
that starts with ``/`` (also after invisible characters or spaces, which cleaning removes
before Rasa reads the text) is read as ordinary text.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.chat import TALK_TO_A_PERSON
from bot.conversations.events import Event, bot_message, current_session
from bot.text import is_unseen, visible_start

PAYLOAD_PREFIX = "/"
#: Payloads a customer may always send: the way to a person is always there.
ALWAYS_ACCEPTED = frozenset({TALK_TO_A_PERSON.payload})


def is_payload(text: str) -> bool:
    """Rasa could read this text as a button payload: it starts with ``/``, or will once
    cleaning has removed the invisible and control characters and spaces before it."""
    return visible_start(text).startswith(PAYLOAD_PREFIX)


def offered_payloads(events: Iterable[Event]) -> frozenset[str]:
    """The payloads of the buttons the bot (not a person) offered in the current session."""
    offered: set[str] = set()
    for event in current_session(list(events)):
        message = bot_message(event)
        if message is not None and message.agent is None:
            offered.update(message.button_payloads)
    return frozenset(offered)


def is_accepted(payload: str, offered: Iterable[str]) -> bool:
    """The payload is the bot's own (offered) or always accepted, to the character."""
    return payload in ALWAYS_ACCEPTED or payload in frozenset(offered)


def as_text(payload: str) -> str:
    """A payload that is not honoured, as the words a customer typed (``/help`` → ``help``):
    every slash, space and invisible character in front goes, so nothing of it is a payload."""
    for index, char in enumerate(payload):
        if char != PAYLOAD_PREFIX and not is_unseen(char):
            return payload[index:].strip()
    return ""
