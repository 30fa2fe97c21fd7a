"""What the Rasa server sends the action server: the conversation's latest events, without the
vectors the actions never read.

Rasa 3.6 sends the whole tracker with every action call (``RemoteAction._action_call_format``),
and each customer message carries the NLU's sentence and search vectors and its tokens (about
2 KB of its 3). The actions read the vectors of the latest message (the knowledge-base search)
and of the session's latest ``LOOKBACK_TURNS`` messages (the escalation's "same question again",
``bot.escalation.history.recent_turns``), and never the tokens. At turn 500 of one
conversation the request was 3.6 MB, and encoding it a quarter of the Rasa server's time.

``install()`` makes Rasa's request carry only the latest ``SENT_EVENTS`` events of a longer
session, with a note of the ones left out, which the action server puts back from its previous
calls or the tracker store (``bot.conversations.window``): the request no longer grows with the
conversation. Of the events sent, those of customer messages before the latest
``LOOKBACK_TURNS`` leave out their vectors and tokens; every other field goes. The tracker's own
events are not changed (the request holds copies of them). Each action call names its
conversation (hashed) in the ``CONVERSATION_HEADER``: with several action servers, the balancer
sends a conversation's calls to the same one (``bot.runtime.haproxy``). It also encodes the
JSON of Rasa's requests with ujson (already installed with Rasa; about twice as fast as the
standard library for these bodies), falling back to Rasa's own encoding for anything ujson
refuses (a lone surrogate, bytes): the body decodes to the same values.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import ujson
from rasa.core.actions.action import RemoteAction
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.nlu.constants import TEXT
from rasa.utils.endpoints import EndpointConfig

from bot.conversations.window import (
    CONVERSATION_HEADER,
    EARLIER,
    SENT_EVENTS,
    conversation_key,
    earlier_marker,
    leaves_out,
)
from bot.embeddings.shared import KB_EMBEDDING, TEXT_EMBEDDING
from bot.escalation.history import LOOKBACK_TURNS
from bot.wrapping import wrap_once

#: What is left out of earlier customer messages.
LEFT_OUT = frozenset({TEXT_EMBEDDING, KB_EMBEDDING, TOKENS_NAMES[TEXT]})


def leave_out_earlier_vectors(events: list[dict[str, Any]], keep: int = LOOKBACK_TURNS) -> None:
    """Without the vectors and tokens of customer messages before the latest ``keep``."""
    customer_messages = 0
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") != "user":
            continue
        customer_messages += 1
        parse_data = event.get("parse_data")
        if customer_messages <= keep or not isinstance(parse_data, dict):
            continue
        if LEFT_OUT.intersection(parse_data):
            # A new dictionary: the event's own parse data stays as it is.
            event["parse_data"] = {k: v for k, v in parse_data.items() if k not in LEFT_OUT}


class _LatestEvents:
    """What Rasa's ``_action_call_format`` reads of a tracker (its sender and its state), with
    only the given latest events."""

    def __init__(self, tracker: DialogueStateTracker, latest: list[dict[str, Any]]) -> None:
        self._tracker = tracker
        self._latest = latest

    @property
    def sender_id(self) -> str:
        return self._tracker.sender_id

    def current_state(self, event_verbosity: EventVerbosity) -> dict[str, Any]:
        state = self._tracker.current_state(EventVerbosity.NONE)
        state["events"] = self._latest
        return state


def _lighter(original: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.wraps(original)
    def action_call_format(
        self: RemoteAction, tracker: DialogueStateTracker, domain: Any
    ) -> dict[str, Any]:
        events, start = tracker.events, len(tracker.events) - SENT_EVENTS
        latest = [e.as_dict() for e in itertools.islice(events, start, None)] if start > 0 else []
        if start > 0 and leaves_out(len(events), latest):
            request = original(self, _LatestEvents(tracker, latest), domain)
            marker = earlier_marker(start, events[0].as_dict(), events[start - 1].as_dict())
            request["tracker"][EARLIER] = marker
        else:
            request = original(self, tracker, domain)
        sent = request.get("tracker", {}).get("events")
        if isinstance(sent, list):  # each event's dictionary is new (``Event.as_dict``)
            leave_out_earlier_vectors(sent)
        return request

    return action_call_format


def encoded(body: Any) -> bytes | None:
    """The JSON of a request's body, UTF-8; None when ujson cannot encode it exactly."""
    try:
        return ujson.dumps(body, ensure_ascii=False, escape_forward_slashes=False).encode()
    except (OverflowError, TypeError, ValueError, UnicodeError):
        return None


def _faster(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        body = kwargs.get("json")
        if (
            isinstance(body, dict)
            and "next_action" in body
            and isinstance(body.get("sender_id"), str)
        ):
            # An action call: the balancer in front of several action servers sends each
            # conversation's calls to the same one, which has its earlier events.
            key = conversation_key(body["sender_id"])
            kwargs["headers"] = {**(kwargs.get("headers") or {}), CONVERSATION_HEADER: key}
        if body is not None and (data := encoded(body)) is not None:
            del kwargs["json"]
            kwargs["data"] = data  # sent with Rasa's "Content-Type: application/json"
        return await original(self, *args, **kwargs)

    return request


def install() -> None:
    """Rasa's action calls with the session's latest events, without the earlier messages'
    vectors, naming their conversation in a header, and its requests' JSON encoded faster
    (idempotent)."""
    wrap_once(RemoteAction, "_action_call_format", _lighter)
    wrap_once(EndpointConfig, "request", _faster)
