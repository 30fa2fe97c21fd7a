"""The events the desk writes into a conversation from outside it (through the outbox and
Rasa's HTTP API, ``bot.rasa_api``): what agents say, and every change of a handoff. The
tracker stays the one record of the conversation.
"""

from __future__ import annotations

import time
from typing import Any


def slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": time.time()}


def bot_event(
    text: str, *, buttons: list[dict[str, str]] | None = None, metadata: dict[str, Any]
) -> dict[str, Any]:
    """A message to the customer; ``metadata`` (e.g. ``agent``) is stored with it."""
    return {
        "event": "bot",
        "text": text,
        "data": {"buttons": buttons} if buttons else {},
        "metadata": metadata,
        "timestamp": time.time(),
    }
