"""A conversation as the customer saw it, from its tracker events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Message metadata key under which a channel records the title of a clicked button.
BUTTON_TITLE = "button_title"


@dataclass(frozen=True)
class TranscriptItem:
    sender: str  # "customer", "bot" or "agent" (a person from the team)
    text: str
    timestamp: float
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)
    agent: str | None = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "from": self.sender,
            "text": self.text,
            "timestamp": self.timestamp,
            "buttons": [dict(b) for b in self.buttons],
        }
        if self.agent:
            item["agent"] = self.agent
        return item


def customer_text(event: dict[str, Any]) -> str:
    """What the customer wrote, or the title of the button they clicked."""
    text = str(event.get("text") or "")
    title = (event.get("metadata") or {}).get(BUTTON_TITLE)
    if text.startswith("/") and isinstance(title, str) and title:
        return title
    return text


def bot_buttons(event: dict[str, Any]) -> tuple[dict[str, str], ...]:
    data = event.get("data") or {}
    return tuple(
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in data.get("buttons") or data.get("quick_replies") or []
        if isinstance(b, dict)
    )


def transcript(events: Iterable[dict[str, Any]]) -> list[TranscriptItem]:
    """Customer and bot messages in order. A clicked button shows as its title, not its payload."""
    items: list[TranscriptItem] = []
    for event in events:
        kind = event.get("event")
        timestamp = float(event.get("timestamp") or 0.0)
        if kind == "user":
            items.append(TranscriptItem("customer", customer_text(event), timestamp))
        elif kind == "bot" and event.get("text"):
            agent = (event.get("metadata") or {}).get("agent")
            sender = "agent" if isinstance(agent, str) and agent else "bot"
            items.append(
                TranscriptItem(
                    sender, str(event["text"]), timestamp, bot_buttons(event), agent=agent or None
                )
            )
    return items
