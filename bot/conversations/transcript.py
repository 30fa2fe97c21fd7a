"""A conversation as the customer saw it, from its tracker events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Message metadata key under which a channel records the title of a clicked button.
BUTTON_TITLE = "button_title"


@dataclass(frozen=True)
class TranscriptItem:
    sender: str  # "customer" or "bot"
    text: str
    timestamp: float
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.sender,
            "text": self.text,
            "timestamp": self.timestamp,
            "buttons": [dict(b) for b in self.buttons],
        }


def transcript(events: Iterable[dict[str, Any]]) -> list[TranscriptItem]:
    """Customer and bot messages in order. A clicked button shows as its title, not its payload."""
    items: list[TranscriptItem] = []
    for event in events:
        kind = event.get("event")
        timestamp = float(event.get("timestamp") or 0.0)
        if kind == "user":
            text = event.get("text") or ""
            title = (event.get("metadata") or {}).get(BUTTON_TITLE)
            if text.startswith("/") and isinstance(title, str) and title:
                text = title
            items.append(TranscriptItem("customer", text, timestamp))
        elif kind == "bot" and event.get("text"):
            data = event.get("data") or {}
            buttons = tuple(
                {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                for b in data.get("buttons") or data.get("quick_replies") or []
                if isinstance(b, dict)
            )
            items.append(TranscriptItem("bot", str(event["text"]), timestamp, buttons))
    return items
