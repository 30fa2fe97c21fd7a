"""Whose conversation a message belongs to, per channel, and what a client may attach to it.

Conversation ids are namespaced by channel, so no channel can write into another's
conversations (and so read their replies, or redirect an agent's):

* **socket.io** (the widget): 32 lowercase hex characters, issued by the server
  (``valid_session_id``); a message belongs to the session its connection confirmed.
* **Slack**: ``slack-`` and Slack's own ids (``slack_conversation_id``).
* **REST**: any other short id its caller chooses (``rest_sender_problem``); the channel is
  always ``rest`` and metadata is cleaned like the widget's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.attachments import FILE_KEYS

_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
SLACK_PREFIX = "slack-"
#: The longest conversation id a REST caller may choose.
MAX_REST_SENDER = 128
#: Metadata a client may attach to a message: at most this many keys, each value a short
#: plain value. Anything else is dropped, never stored.
MAX_METADATA_KEYS = 20
MAX_METADATA_VALUE = 2000


def valid_session_id(value: object) -> str | None:
    """The session id if it is one the socket.io channel issues (32 hex characters)."""
    return value if isinstance(value, str) and _SESSION_ID.fullmatch(value) else None


def slack_conversation_id(conversation_id: str) -> str:
    """The conversation id of a Slack conversation (Rasa's id, in Slack's namespace)."""
    return SLACK_PREFIX + conversation_id


def slack_recipient(conversation_id: str) -> str:
    """The Slack user a Slack conversation is with (its direct-message destination)."""
    return conversation_id.removeprefix(SLACK_PREFIX).split("_", 1)[0]


def rest_sender_problem(sender: object) -> str | None:
    """Why a REST caller may not use this conversation id (None when it may)."""
    if not isinstance(sender, str) or not sender.strip():
        return "'sender' must be the conversation's id: a non-empty string"
    if len(sender) > MAX_REST_SENDER:
        return f"'sender' may be at most {MAX_REST_SENDER} characters long"
    if not sender.isprintable():
        return "'sender' may not contain control characters"
    if valid_session_id(sender) or sender.startswith(SLACK_PREFIX):
        return "'sender' names a conversation of another channel (the widget or Slack)"
    return None


def clean_metadata(value: object) -> dict[str, Any]:
    """Keep only a small mapping of short plain values (str, number, bool, None), and never a
    claim of a file sent (``bot.attachments``: only the server that checked a file sets it)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    cleaned: dict[str, Any] = {}
    for key, item in list(value.items())[:MAX_METADATA_KEYS]:
        if not isinstance(key, str) or len(key) > 100 or key in FILE_KEYS:
            continue
        if isinstance(item, str):
            cleaned[key] = item[:MAX_METADATA_VALUE]
        elif item is None or isinstance(item, bool | int | float):
            cleaned[key] = item
    return cleaned
