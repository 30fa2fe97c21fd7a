"""What the bot says: a text and optional buttons, independent of any channel or library."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A choice the customer can click; ``payload`` is sent back as their message."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


def intent_payload(intent: str, **entities: str) -> str:
    """A Rasa button payload that triggers ``intent`` directly: ``/intent{"entity": "value"}``."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


TALK_TO_A_PERSON = Button("Talk to a person", intent_payload("request_human"))
