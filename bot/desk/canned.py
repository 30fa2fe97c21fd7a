"""Canned replies for agents: ``knowledge_base/canned_replies.yml``, edited like any content.

Each reply has a title and a text; the text may use the business facts' ``{{ name }}``
placeholders (so a changed phone number or return window changes the canned replies too).
Edits apply without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from bot.business import BusinessFacts
from bot.errors import ConfigurationError
from bot.watched_file import WatchedFile


def load_canned(path: Path) -> list[dict[str, str]]:
    """The replies as written (title, text); a missing file is an empty list."""
    if not path.is_file():
        return []
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from None
    items = raw.get("replies") if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise ConfigurationError(f"{path}: expected 'replies:' with a list of title/text")
    replies = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("title") or not item.get("text"):
            raise ConfigurationError(f"{path}: reply {number} needs a title and a text")
        replies.append({"title": str(item["title"]).strip(), "text": str(item["text"]).strip()})
    return replies


class CannedReplies:
    def __init__(self, path: Path, facts: Callable[[], BusinessFacts]) -> None:
        self._file = WatchedFile(path, load_canned)
        self._facts = facts

    def current(self) -> list[dict[str, str]]:
        """The replies with the business facts filled in."""
        facts = self._facts()
        return [
            {
                "title": r["title"],
                "text": facts.render(r["text"], where=f"canned reply {r['title']!r}"),
            }
            for r in self._file.current()
        ]
