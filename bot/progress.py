"""Progress of long work (training, encoding) as lines a person can read in a log or terminal.

``Progress`` says how far a piece of work is and how long the rest should take, judged from how
fast it has gone so far, at most every ``every`` seconds: "training: 40% done, 1m 12s so far,
about 1m 48s left". The supervisor runs such work in child processes and passes their progress
lines (those matching ``PROGRESS_LINE``) on to the operator, so a first start that trains for
minutes shows where it is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

#: How a progress line is recognised in a child process's output.
PROGRESS_LINE = re.compile(r"\b\d{1,3}% done\b")


def duration(seconds: float) -> str:
    """``42s``, ``3m 05s``, ``1h 02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


class Progress:
    """``total`` steps of ``what``; ``advance`` after each, ``finish`` at the end."""

    def __init__(
        self,
        what: str,
        total: int,
        say: Callable[[str], None],
        *,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what, self._total, self._say = what, max(1, total), say
        self._every, self._clock = every, clock
        self._started = self._last = clock()
        self._done = 0

    def advance(self, steps: int = 1) -> None:
        self._done = min(self._total, self._done + steps)
        now = self._clock()
        if now - self._last >= self._every and self._done < self._total:
            self._last = now
            self._say(self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self._started
        left = elapsed * (self._total - self._done) / self._done if self._done else None
        percent = int(100 * self._done / self._total)
        estimate = f"about {duration(left)} left" if left is not None else "time left not known yet"
        return f"{self._what}: {percent}% done, {duration(elapsed)} so far, {estimate}"

    def finish(self) -> None:
        self._say(f"{self._what}: done in {duration(self._clock() - self._started)}")
