"""The events an action call carries: the latest ones, and how the action server gets back the
earlier ones of the session.

Rasa 3.6 sends the whole tracker with every action call, so each message of a long conversation
cost more than the one before: at turn 120, 1,067 events (496 KB) to turn into JSON in the Rasa
server and to parse in the action server (``docs/performance.md``). The actions read the
session (its language, the satisfaction question, a complaint's transcript, the handover's
summary, the turns the escalation looks back on), so they cannot simply do with fewer.

* The Rasa server (``bot.rasa_server.action_request``) sends the latest ``SENT_EVENTS`` events,
  or all of them when the session starts among those (``leaves_out``). When it leaves some out
  it says how many and which (``earlier_marker``: the count, and the first and last left-out
  events' kind and time). Each call names its conversation in a header
  (``CONVERSATION_HEADER``), by which a balancer keeps a conversation on one action server.
* The action server (``EarlierEvents``) puts them back before the action runs: from the events
  of that conversation's previous call, which it keeps (the usual case: one call gives the next
  its earlier events), else from the tracker store (after a restart, or with several action
  servers). What it cannot find is logged, and the action sees the latest events only.

The action's tracker then holds the events Rasa would have sent, the earlier ones as an earlier
call carried them or as stored: an old message may still carry the vectors Rasa leaves out of
old messages (``action_request``); the actions read those of the latest ones only.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.conversations.events import Event, kind, starts_session
from bot.privacy.log_ids import conversation_ref

logger = logging.getLogger(__name__)

#: How many of the latest events an action call carries when a session is longer.
SENT_EVENTS = 100
#: Where in the request's tracker the left-out events are described.
EARLIER = "supportbot_earlier_events"
#: How many events the action server keeps for the next calls (of all conversations); past it,
#: the conversations least recently served read their earlier events from the tracker store.
#: ``bench/cluster.py`` measured 20,000 and 100,000 alike (scale: one box 58 and 57 answers a
#: second; soak: p95 0.31 and 0.32 s; the action server's resident memory 680 MB at rest, 880-
#: 915 MB after the scale load with either); the larger spares long conversations the store.
KEPT_EVENTS = 100_000
#: The header naming an action call's conversation (``conversation_key``): a balancer in front
#: of several action servers sends a conversation's calls to the same one.
CONVERSATION_HEADER = "X-Supportbot-Conversation"

Marker = dict[str, Any]
#: Reads a conversation's latest ``limit`` events from the tracker store, oldest first.
StoreReader = Callable[[str, int], list[Event]]


def conversation_key(sender_id: str) -> str:
    """The conversation, as the action calls' header names it (a hash: not its id)."""
    return hashlib.sha256(sender_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def leaves_out(total: int, latest: Sequence[Event]) -> bool:
    """Whether a call may carry only ``latest``, the last ``SENT_EVENTS`` of a tracker's
    ``total`` events: when there are earlier ones and its latest session started before."""
    return total > len(latest) and not any(starts_session(event) for event in latest)


def earlier_marker(count: int, first: Event, last: Event) -> Marker:
    """What names the ``count`` events an action call leaves out, from ``first`` to ``last``."""
    return {"count": count, "first": _identity(first), "last": _identity(last)}


def _identity(event: Event) -> list[Any]:
    return [kind(event), event.get("timestamp")]


class EarlierEvents:
    """Puts back the events an action call left out (``complete``), and keeps each long
    conversation's events (up to ``KEPT_EVENTS`` over all, the least recently used dropped)
    for its next call."""

    def __init__(self, read_store: StoreReader, *, kept_events: int = KEPT_EVENTS) -> None:
        self._read_store = read_store
        self._most = kept_events
        self._kept: OrderedDict[str, list[Event]] = OrderedDict()
        self._kept_total = 0

    async def complete(self, sender_id: str, tracker: dict[str, Any]) -> None:
        """The request's tracker with its earlier events put back (in place)."""
        events = tracker.get("events")
        marker = tracker.pop(EARLIER, None)
        if not isinstance(events, list):
            return
        if isinstance(marker, Mapping):
            earlier = await self._earlier(sender_id, marker)
            if earlier is None:
                logger.warning(
                    "conversation %s: %s earlier events not found; the action sees the latest %d",
                    conversation_ref(sender_id),
                    marker.get("count"),
                    len(events),
                )
            else:
                events = earlier + events
                tracker["events"] = events
        self._keep(sender_id, events)

    async def _earlier(self, sender_id: str, marker: Mapping[str, Any]) -> list[Event] | None:
        count = marker.get("count")
        if not isinstance(count, int) or count <= 0:
            return None
        kept = self._kept.get(sender_id)
        if kept is not None and _names(earlier := kept[:count], marker):
            return earlier
        try:
            stored = await asyncio.to_thread(self._read_store, sender_id, count + SENT_EVENTS)
        except Exception:  # the store is down: the action still runs on what it was sent
            logger.exception(
                "conversation %s: reading its earlier events failed", conversation_ref(sender_id)
            )
            return None
        # The stored events end with those Rasa has saved: the left-out ones, then (some of)
        # the sent ones. Find the last left-out one from the end.
        for end in range(len(stored), count - 1, -1):
            if _names(stored[end - count : end], marker):
                return stored[end - count : end]
        return None

    def _keep(self, sender_id: str, events: list[Event]) -> None:
        dropped = self._kept.pop(sender_id, None)
        self._kept_total -= len(dropped) if dropped is not None else 0
        if len(events) <= SENT_EVENTS // 2:
            return  # a short conversation: its calls carry all of it
        self._kept[sender_id] = list(events)
        self._kept_total += len(events)
        while self._kept_total > self._most and self._kept:
            _, oldest = self._kept.popitem(last=False)
            self._kept_total -= len(oldest)


def _names(events: Sequence[Event], marker: Mapping[str, Any]) -> bool:
    """Whether ``events`` are the ones the marker names."""
    return (
        len(events) == marker.get("count")
        and _identity(events[0]) == marker.get("first")
        and _identity(events[-1]) == marker.get("last")
    )
