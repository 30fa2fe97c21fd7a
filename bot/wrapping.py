"""``wrap_once``: where the project changes what a library does (Rasa's and rasa-sdk's
methods: ``bot/rasa_server/``, ``actions/__main__.py``, ``docs/performance.md``), it wraps the
method once per process, however often that is asked for (each module that needs it asks
when it is imported)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MARK = "_supportbot"


def wrap_once(
    owner: Any, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> bool:
    """``owner.name = wrap(owner.name)`` unless it is wrapped already: whether it was now."""
    original = getattr(owner, name)
    if getattr(original, _MARK, False):
        return False
    wrapped = wrap(original)
    setattr(wrapped, _MARK, True)
    setattr(owner, name, wrapped)
    return True
