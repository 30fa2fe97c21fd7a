"""Our replies in Slack's formats: mrkdwn text and Block Kit buttons.

Slack reads ``&``, ``<`` and ``>`` as control characters, so they are escaped in every text
(nothing a customer or an article says can become a Slack link or mention). ``**bold**`` from
the knowledge base becomes Slack's ``*bold*``; bare links are linked by Slack itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: Block Kit limits: button label length, elements per actions block, value length.
BUTTON_TEXT_MAX = 75
ACTIONS_PER_BLOCK = 25
BUTTON_VALUE_MAX = 2000
SECTION_TEXT_MAX = 3000

_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """Escaped text with **bold** as *bold*."""
    return _BOLD.sub(r"*\1*", escape(text))


def button_blocks(text: str, buttons: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A section with the text, then the buttons (as many actions blocks as needed)."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": to_mrkdwn(text)[:SECTION_TEXT_MAX]}}
    ]
    usable = [b for b in buttons if len(str(b.get("payload", ""))) <= BUTTON_VALUE_MAX]
    for start in range(0, len(usable), ACTIONS_PER_BLOCK):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _label(str(b.get("title", "")))},
                        "value": str(b.get("payload", "")),
                    }
                    for b in usable[start : start + ACTIONS_PER_BLOCK]
                ],
            }
        )
    return blocks


def _label(title: str) -> str:
    return title if len(title) <= BUTTON_TEXT_MAX else title[: BUTTON_TEXT_MAX - 1] + "…"
