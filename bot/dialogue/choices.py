"""Understanding "the second one" when the bot offered a list of choices."""

from __future__ import annotations

import re

_ORDINALS = {
    "1": 0, "first": 0, "1st": 0, "one": 0, "top": 0,
    "2": 1, "second": 1, "2nd": 1, "two": 1,
    "3": 2, "third": 2, "3rd": 2, "three": 2,
    "4": 3, "fourth": 3, "4th": 3, "four": 3,
}  # fmt: skip


def chosen_position(text: str, *, offered: int) -> int | None:
    """The 0-based position the customer picked out of ``offered`` choices, if clear."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    positions = {_ORDINALS[w] for w in words if w in _ORDINALS}
    if "last" in words or "bottom" in words:
        positions.add(offered - 1)
    if len(positions) != 1:
        return None
    position = positions.pop()
    return position if 0 <= position < offered else None
