"""A conversation as the customer saw it, from its tracker events (files sent in a live chat
included: the page shows them from ``/widget/attachments/...``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.attachments import Attachment
from bot.conversations.events import Event, bot_message, customer_message


@dataclass(frozen=True)
class TranscriptItem:
    sender: str  # "customer", "bot" or "agent" (a person from the team)
    text: str
    timestamp: float
    buttons: tuple[dict[str, str], ...] = field(default_factory=tuple)
    agent: str | None = None
    attachment: Attachment | None = None  # a file sent with the message

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "from": self.sender,
            "text": self.text,
            "timestamp": self.timestamp,
            "buttons": [dict(b) for b in self.buttons],
        }
        if self.agent:
            item["agent"] = self.agent
        if self.attachment is not None:
            item["file"] = self.attachment.to_json()
        return item


def transcript(events: Iterable[Event]) -> list[TranscriptItem]:
    """Customer and bot messages in order. A clicked button shows as its title, not its payload."""
    items: list[TranscriptItem] = []
    for event in events:
        customer, bot = customer_message(event), bot_message(event)
        if customer is not None:
            items.append(
                TranscriptItem(
                    "customer", customer.shown, customer.timestamp, attachment=customer.attachment
                )
            )
        elif bot is not None:
            sender = "agent" if bot.agent else "bot"
            items.append(
                TranscriptItem(
                    sender, bot.text, bot.timestamp, bot.buttons, bot.agent, bot.attachment
                )
            )
    return items
