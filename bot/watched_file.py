"""A value loaded from a file and reloaded when the file changes (checked by mtime).

Lets long-running servers pick up edits to content files (business facts) without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class WatchedFile(Generic[T]):
    """``current()`` returns ``load(path)``, reloaded whenever the file's mtime changes."""

    def __init__(self, path: Path, load: Callable[[Path], T]) -> None:
        self._path = path
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None
        self._mtime: float | None = None

    def current(self) -> T:
        try:
            mtime = self._path.stat().st_mtime
        except FileNotFoundError:
            mtime = None
        with self._lock:
            if self._value is None or mtime != self._mtime:
                # A failed reload raises; the caller decides (actions apologise and offer a person).
                self._value = self._load(self._path)
                self._mtime = mtime
            return self._value
