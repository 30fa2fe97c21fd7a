"""Understanding "the second one" when the bot offered a list of choices."""

from __future__ import annotations

import re

_ORDINALS = {
    "1": 0, "first": 0, "1st": 0, "top": 0,
    "2": 1, "second": 1, "2nd": 1,
    "3": 2, "third": 2, "3rd": 2,
    "4": 3, "fourth": 3, "4th": 3,
}  # fmt: skip
# "one", "two" ... count only after "option" or "number": "the one about returns" is no choice.
_CARDINALS = {"one": 0, "two": 1, "three": 2, "four": 3}
_BEFORE_CARDINAL = {"option", "number", "no"}


def chosen_position(text: str, *, offered: int) -> int | None:
    """The 0-based position the customer picked out of ``offered`` choices, if clear."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    positions = {_ORDINALS[w] for w in words if w in _ORDINALS}
    positions |= {
        _CARDINALS[w]
        for previous, w in zip(["", *words], words, strict=False)
        if w in _CARDINALS and previous in _BEFORE_CARDINAL
    }
    if "last" in words or "bottom" in words:
        positions.add(offered - 1)
    if len(positions) != 1:
        return None
    position = positions.pop()
    return position if 0 <= position < offered else None
