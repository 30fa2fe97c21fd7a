"""A conversation as an agent needs to see it: every message, and what happened around them.

Built from the tracker's events: customer messages with the intent the bot understood and
their sentiment; the bot's and agents' messages; the actions the bot tried; each escalation
(level, reason, priority) and each change of the handoff (who, why, when). Texts are returned
as text: the console shows them as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.conversations.transcript import bot_buttons, customer_text
from bot.escalation import ESCALATION_SLOT
from bot.handoff.slot import HANDOFF_SLOT

#: Rasa's bookkeeping actions: not something "the bot tried".
_QUIET_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}


def entry(event: dict[str, Any]) -> dict[str, Any] | None:
    """The console's view of one tracker event (None: nothing to show)."""
    kind = event.get("event")
    at = float(event.get("timestamp") or 0.0)
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        sentiment = parse.get("sentiment") or {}
        scores = sentiment.get("scores") or {}
        return {
            "kind": "message",
            "from": "customer",
            "text": customer_text(event),
            "at": at,
            "intent": intent.get("name"),
            "confidence": intent.get("confidence"),
            "sentiment": sentiment.get("label"),
            "negative": scores.get("negative"),
        }
    if kind == "bot" and event.get("text"):
        agent = (event.get("metadata") or {}).get("agent")
        return {
            "kind": "message",
            "from": "agent" if agent else "bot",
            "agent": agent or None,
            "text": str(event["text"]),
            "at": at,
            "buttons": [b["title"] for b in bot_buttons(event)],
        }
    if kind == "action" and event.get("name") not in _QUIET_ACTIONS:
        return {"kind": "action", "name": event.get("name"), "at": at}
    if kind == "slot" and event.get("name") == ESCALATION_SLOT and event.get("value"):
        return {"kind": "escalation", "record": event["value"], "at": at}
    if kind == "slot" and event.get("name") == HANDOFF_SLOT:
        value = event.get("value") or {}
        if isinstance(value, dict) and value.get("change"):
            return {"kind": "handoff", "change": value["change"], "at": at}
    return None


def console_transcript(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in (entry(event) for event in events) if item is not None]
