"""After the Rasa server loads a model, what it loaded is left out of garbage collections.

``install()`` wraps ``Agent.load_model`` (the server's start, and ``PUT /model`` after a
retraining) so that each model, once loaded, is frozen (``bot.heap.freeze_loaded``): the
collections that the per-message objects trigger then no longer scan the model, Rasa and
torch every time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rasa.core.agent import Agent

from bot.heap import freeze_loaded
from bot.wrapping import wrap_once


def _freezing(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def load_model(self: Agent, *args: Any, **kwargs: Any) -> Any:
        loaded = original(self, *args, **kwargs)
        freeze_loaded()
        return loaded

    return load_model


def install() -> None:
    """Freeze each model the agents of this process load (idempotent)."""
    wrap_once(Agent, "load_model", _freezing)
