"""``ByIdentity``: what was computed from an object, remembered by the object's identity.

A long conversation's events are read again at every message: the session's language, its
latest turns and their vectors, the survey's state (``bot.conversations.window`` keeps the
action server's event dictionaries from one call to the next, and Rasa's tracker keeps its
event objects). Reading each once is enough, as long as nobody changes an event in place,
which nothing here does. It helps only where the same objects come back: the escalation's
look-back (``bot.escalation.history.turns_from_events``) copies each event first, so its
messages and vectors are read anew each time (``docs/performance.md``, *What is left*).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    """``compute(key)``, remembered for the ``most`` keys last computed (the oldest dropped
    first, however recently it was asked for). Each key is kept with its value, so its identity
    cannot pass to another object meanwhile."""

    def __init__(self, compute: Callable[[K], V], most: int) -> None:
        self._compute = compute
        self._most = most
        self._values: OrderedDict[int, tuple[K, V]] = OrderedDict()

    def __call__(self, key: K) -> V:
        found = self._values.get(id(key))
        if found is not None and found[0] is key:
            return found[1]
        value = self._compute(key)
        self._values[id(key)] = (key, value)
        if len(self._values) > self._most:
            self._values.popitem(last=False)
        return value
