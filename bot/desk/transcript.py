"""A conversation as an agent needs to see it: every message, and what happened around them.

Built from the tracker's events: customer messages with the intent the bot understood and
their sentiment; the bot's and agents' messages; any file sent with a message; the actions
the bot tried; each escalation (level, reason, priority) and each change of the handoff (who,
why, when). Texts are returned as text: the console shows them as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.attachments import Attachment
from bot.conversations import events
from bot.conversations.events import Event
from bot.escalation import ESCALATION_SLOT
from bot.handoff.slot import HANDOFF_SLOT

#: Rasa's bookkeeping actions: not something "the bot tried".
_QUIET_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}


def entry(event: Event) -> dict[str, Any] | None:
    """The console's view of one tracker event (None: nothing to show)."""
    at = events.timestamp(event)
    customer, bot = events.customer_message(event), events.bot_message(event)
    if customer is not None:
        return {
            "kind": "message",
            "from": "customer",
            "text": customer.shown,
            "at": at,
            "intent": customer.intent or None,
            "confidence": customer.confidence if customer.intent else None,
            "sentiment": customer.sentiment_label,
            "negative": customer.negative,
            "file": _file(customer.attachment),
        }
    if bot is not None:
        return {
            "kind": "message",
            "from": "agent" if bot.agent else "bot",
            "agent": bot.agent,
            "text": bot.text,
            "at": at,
            "buttons": [b["title"] for b in bot.buttons],
            "file": _file(bot.attachment),
        }
    name = events.action(event)
    if name is not None and name not in _QUIET_ACTIONS:
        return {"kind": "action", "name": name, "at": at}
    escalation = events.slot(event, ESCALATION_SLOT)
    if escalation is not None and escalation[1]:
        return {"kind": "escalation", "record": escalation[1], "at": at}
    handoff = events.slot(event, HANDOFF_SLOT)
    if handoff is not None and isinstance(handoff[1], dict) and handoff[1].get("change"):
        return {"kind": "handoff", "change": handoff[1]["change"], "at": at}
    return None


def _file(attachment: Attachment | None) -> dict[str, Any] | None:
    """A file sent with a message (the console reads it from the agent API)."""
    return attachment.to_json() if attachment is not None else None


def console_transcript(tracker_events: Iterable[Event]) -> list[dict[str, Any]]:
    return [item for item in (entry(event) for event in tracker_events) if item is not None]
