"""An honest wait estimate from live data: agents online, their free places, handling times.

Throughput is what the online agents can take at once (their capacities) divided by how long
a conversation with an agent lasts (the median of the recent ones). A customer who has a free
place in front of them is next; one further back waits for the places ahead to free up. With
nobody online there is no estimate at all: the customer is told when the team is back instead.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.catalogue import say

#: Until the team has handled a few conversations, a conversation is assumed to last this long.
DEFAULT_HANDLING = timedelta(minutes=6)
#: How many recent conversations the median handling time is taken over.
RECENT_CONVERSATIONS = 20
MIN_HISTORY = 3


@dataclass(frozen=True)
class Staffing:
    """The online agents right now: how many, their total capacity, and their current load."""

    agents_online: int
    capacity: int
    load: int

    @property
    def free_places(self) -> int:
        return max(0, self.capacity - self.load)


def handling_time(recent: Sequence[timedelta]) -> timedelta:
    """The median of the latest conversations with an agent (the default with too few)."""
    if len(recent) < MIN_HISTORY:
        return DEFAULT_HANDLING
    seconds = statistics.median(d.total_seconds() for d in recent[-RECENT_CONVERSATIONS:])
    return timedelta(seconds=seconds)


def estimate_wait(
    position: int, staffing: Staffing, recent: Sequence[timedelta]
) -> timedelta | None:
    """How long customer number ``position`` (1 = next) will likely wait; None if nobody is on."""
    if position < 1:
        raise ValueError("positions start at 1")
    if staffing.agents_online == 0 or staffing.capacity == 0:
        return None
    if position <= staffing.free_places:
        return timedelta(0)
    ahead = position - staffing.free_places
    per_place = handling_time(recent).total_seconds() / staffing.capacity
    return timedelta(seconds=math.ceil(ahead * per_place))


def describe_wait(wait: timedelta, language: str | None = None) -> str:
    """ "a minute or two", "about 8 minutes", "about 1 hour 10 minutes" (rounded up; in
    ``language`` where the catalogue has it)."""
    minutes = math.ceil(wait.total_seconds() / 60)
    if minutes <= 2:
        return say("wait.minute_or_two", language)
    if minutes < 60:
        return say("wait.minutes", language, minutes=minutes)
    hours, rest = divmod(minutes, 60)
    if hours == 1:
        return say("wait.one_hour_minutes" if rest else "wait.one_hour", language, minutes=rest)
    return say("wait.hours_minutes" if rest else "wait.hours", language, hours=hours, minutes=rest)
