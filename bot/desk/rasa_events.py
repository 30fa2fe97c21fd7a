"""Writing into a conversation from outside it, through the Rasa server's HTTP API.

What agents say, and every change of a handoff, are appended to the conversation's tracker
(under Rasa's lock for that conversation) and the bot messages among them are delivered to
the customer on the channel they last wrote from (``output_channel=latest``: the widget's
socket.io room, or their Slack channel/thread). The tracker stays the one record of the
conversation.
"""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import aiohttp

from bot.errors import ServiceError
from bot.rasa_api import api_url
from bot.settings import Settings

TIMEOUT = aiohttp.ClientTimeout(total=30)


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


class RasaConversations:
    """Appends events to conversations on the Rasa server (and delivers bot messages)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        path = f"/conversations/{urllib.parse.quote(conversation_id, safe='')}/tracker/events"
        url = api_url(
            self._settings,
            path,
            output_channel="latest",
            execute_side_effects="true",
            include_events="NONE",
        )
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.post(url, json=events) as reply,
            ):
                if reply.status != 200:
                    body = (await reply.text())[:300]
                    raise ServiceError(
                        f"the Rasa server refused the update ({reply.status}): {body}"
                    )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServiceError(
                f"the Rasa server is not reachable ({exc.__class__.__name__})",
                hint="is `supportbot run` running? see var/logs/rasa.log",
            ) from None
