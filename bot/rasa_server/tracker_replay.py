"""A long tracker's applied events and copies, without replaying it every time.

Rasa 3.6 replays a tracker's every event for two questions it asks several times per message:
its applied events (``DialogueStateTracker.applied_events``: the session's events without the
reverted ones; the processor asks before each message whether the session has any, and policies
and ``get_last_event_for`` ask again) and a copy of it (``DialogueStateTracker.copy``, before
each action it runs). At turn 100 of one conversation the two were about 4 ms of the Rasa
server's time per message, and grew with every turn (``docs/performance.md``).

``install()`` changes both; the answers are Rasa's own (``tests/unit/test_tracker_replay.py``
compares them on conversations with sessions, reverts, pauses, follow-ups and loops):

* **Applied events are remembered per tracker**, with the events they were read from, and
  continued when the tracker has only gained events that are simply applied (no session start,
  restart, revert or loop: with one of them, or an action of a loop, Rasa's rule is applied from
  the start again). Each call still returns a new list.
* **A copy takes the tracker's state instead of replaying its events**: Rasa requires that
  state to be what replaying the events gives ("MUST be re-creatable by processing all the
  events", ``DialogueStateTracker.__init__``). The copy shares the events and slot values, as
  a replay does, and has its own slots, latest action and loop, which events change in place.
  A tracker whose oldest events were dropped (``max_event_history``), that has no domain's
  slots, or of a subclass (training's trackers) is replayed as before.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import (
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

from bot.wrapping import wrap_once

#: Events after which the applied events are not the earlier ones and the new ones
#: (``DialogueStateTracker.applied_events``).
REWRITING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
_REMEMBERED = "_supportbot_applied_events"


@dataclass
class _Applied:
    seen: int  # how many of the tracker's events were read
    last_seen: Event | None
    events: list[Event]


def simply_added(
    tracker: DialogueStateTracker, seen: int, last_seen: Event | None
) -> list[Event] | None:
    """The tracker's events after its first ``seen`` (the last of which was ``last_seen``),
    when they are simply added to its applied events; None when the applied events must be
    read again from the start. Events are only ever appended to a tracker, so if the last one
    seen is still in its place, the ones before it are too."""
    events = tracker.events
    if len(events) < seen or (events.maxlen is not None and len(events) >= events.maxlen):
        return None  # fewer, or the oldest may have been dropped
    if seen and events[seen - 1] is not last_seen:
        return None
    new = list(itertools.islice(events, seen, None))
    if any(isinstance(event, REWRITING) for event in new):
        return None
    return new


def _remembering(original: Callable[[DialogueStateTracker], list[Event]]) -> Callable[..., Any]:
    @functools.wraps(original)
    def applied_events(self: DialogueStateTracker) -> list[Event]:
        remembered = self.__dict__.get(_REMEMBERED)
        new = simply_added(self, remembered.seen, remembered.last_seen) if remembered else None
        applied = remembered.events + new if remembered and new is not None else None
        if applied is None:
            applied = original(self)
            if any(isinstance(event, ActiveLoop) for event in self.events):
                # A loop's later action may undo earlier events: read from the start each time.
                self.__dict__.pop(_REMEMBERED, None)
                return applied
        self.__dict__[_REMEMBERED] = _Applied(
            len(self.events), self.events[-1] if self.events else None, applied
        )
        return list(applied)

    return applied_events


def _copying(
    original: Callable[[DialogueStateTracker], DialogueStateTracker],
) -> Callable[..., Any]:
    @functools.wraps(original)
    def copy_of(self: DialogueStateTracker) -> DialogueStateTracker:
        events = self.events
        if (
            type(self) is not DialogueStateTracker  # a subclass may keep more
            or isinstance(self.slots, AnySlotDict)
            or (events.maxlen and len(events) >= events.maxlen)
        ):
            return original(self)
        duplicate = self.init_copy()
        duplicate.events = duplicate._create_events(list(events))
        duplicate.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
        duplicate._paused = self._paused
        duplicate.followup_action = self.followup_action
        duplicate.latest_action = (
            dict(self.latest_action) if self.latest_action else self.latest_action
        )
        duplicate.latest_message = self.latest_message
        duplicate.latest_bot_utterance = self.latest_bot_utterance
        duplicate.active_loop = copy.copy(self.active_loop)
        return duplicate

    return copy_of


def install() -> None:
    """Remembered applied events and copies without replay for Rasa's trackers (idempotent)."""
    wrap_once(DialogueStateTracker, "applied_events", _remembering)
    wrap_once(DialogueStateTracker, "copy", _copying)
