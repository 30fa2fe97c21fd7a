"""The Rasa server's request to the action server carries a long session's latest events, which
the action server completes (bot/conversations/window.py), and leaves out the vectors and
tokens of customer messages the actions never read again (bot/rasa_server/action_request.py)."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.conversations.window import (
    CONVERSATION_HEADER,
    EARLIER,
    SENT_EVENTS,
    EarlierEvents,
    conversation_key,
    earlier_marker,
)
from bot.embeddings.shared import encode_vector
from bot.escalation.history import LOOKBACK_TURNS, recent_turns
from bot.rasa_server import action_request
from bot.rasa_server.action_request import LEFT_OUT


def _vector(number: int) -> dict:
    vector = np.random.default_rng(number).normal(size=8).astype(np.float32)
    return encode_vector(vector / np.linalg.norm(vector), model_id="test-model")


def _message(number: int) -> UserUttered:
    parse_data = {
        "intent": {"name": "ask_returns", "confidence": 0.9},
        "text_tokens": [[0, 3]],
        "sentiment": {"label": "neutral"},
        "text_embedding": _vector(number),
        "kb_embedding": _vector(1000 + number),
    }
    return UserUttered(f"question {number}", parse_data["intent"], parse_data=parse_data)


def _tracker(messages: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker("c1", slots=[])
    for number in range(messages):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(_message(number))
        tracker.update(BotUttered(f"answer {number}"))
    return tracker


def test_only_the_latest_messages_keep_their_vectors_and_tokens():
    action_request.install()
    tracker = _tracker(LOOKBACK_TURNS + 3)  # 99 events: all are sent
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))

    request = action._action_call_format(tracker, Domain.empty())

    users = [e for e in request["tracker"]["events"] if e["event"] == "user"]
    assert len(users) == LOOKBACK_TURNS + 3
    for event in users[:3]:
        assert not {"text_embedding", "kb_embedding", "text_tokens"} & set(event["parse_data"])
        assert event["parse_data"]["sentiment"] == {"label": "neutral"}
        assert event["parse_data"]["intent"]["name"] == "ask_returns"
    for event in users[3:]:
        assert {"text_embedding", "kb_embedding", "text_tokens"} <= set(event["parse_data"])
    latest = request["tracker"]["latest_message"]
    assert latest["text_embedding"] == _vector(LOOKBACK_TURNS + 2)
    # The tracker's own events keep everything.
    assert all(
        "text_embedding" in e.parse_data for e in tracker.events if isinstance(e, UserUttered)
    )


def test_the_escalation_reads_the_same_turns_from_the_lighter_request():
    """The action server reads the vectors of the latest LOOKBACK_TURNS messages only."""
    tracker = _tracker(LOOKBACK_TURNS + 5)
    full = [event.as_dict() for event in tracker.events]
    lighter = [event.as_dict() for event in tracker.events]

    action_request.leave_out_earlier_vectors(lighter)

    assert lighter != full
    turns, turns_from_full = recent_turns(lighter), recent_turns(full)
    assert turns == turns_from_full
    assert len(turns) == LOOKBACK_TURNS
    for turn, same in zip(turns, turns_from_full, strict=True):
        assert turn.vector is not None
        assert np.array_equal(turn.vector, same.vector)


def test_request_bodies_decode_to_the_same_values():
    tracker = _tracker(3)
    tracker.update(
        UserUttered("Può restituire? 📦 <b>'a/b'</b> \"quoted\" \\ tab\t", {"name": "x"})
    )
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))
    body = {**action._action_call_format(tracker, Domain.empty()), "n": [1e-300, 2**62, -0.1]}

    data = action_request.encoded(body)

    assert data is not None
    assert json.loads(data) == json.loads(json.dumps(body))


def test_what_ujson_cannot_encode_is_left_to_rasa():
    assert action_request.encoded({"text": "\ud800 lone surrogate"}) is None
    assert json.loads(action_request.encoded({"big": 2**70}) or b"") == {"big": 2**70}
    assert action_request.encoded({"bytes": b"raw"}) is None


def _long_tracker(turns: int) -> DialogueStateTracker:
    tracker = DialogueStateTracker("c1", slots=[])
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    for number in range(turns):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(_message(number))
        tracker.update(ActionExecuted("action_answer"))
        tracker.update(BotUttered(f"answer {number}"))
    return tracker


def _as_rasa_sends_all(tracker: DialogueStateTracker) -> dict:
    """The request as Rasa builds it with every event (then without the old vectors)."""
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))
    request = RemoteAction._action_call_format.__wrapped__(action, tracker, Domain.empty())
    action_request.leave_out_earlier_vectors(request["tracker"]["events"])
    return json.loads(json.dumps(request))


def _sent(tracker: DialogueStateTracker) -> dict:
    action_request.install()
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))
    return json.loads(action_request.encoded(action._action_call_format(tracker, Domain.empty())))


def test_a_long_session_sends_its_latest_events_and_names_the_others():
    tracker = _long_tracker(60)

    request, whole = _sent(tracker), _as_rasa_sends_all(tracker)

    state, everything = request["tracker"], whole["tracker"]
    assert state["events"] == everything["events"][-SENT_EVENTS:]
    left_out = everything["events"][:-SENT_EVENTS]
    assert state.pop(EARLIER) == {
        "count": len(left_out),
        "first": ["action", left_out[0]["timestamp"]],
        "last": [left_out[-1]["event"], left_out[-1]["timestamp"]],
    }
    # Everything else is Rasa's own: slots, latest message, latest action ...
    assert {k: v for k, v in state.items() if k != "events"} == {
        k: v for k, v in everything.items() if k != "events"
    }


def test_a_session_that_started_among_the_latest_events_is_sent_whole():
    tracker = _long_tracker(30)
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(_message(99))

    request = _sent(tracker)

    assert EARLIER not in request["tracker"]
    assert request == _as_rasa_sends_all(tracker)


def test_the_action_server_puts_back_what_rasa_left_out():
    """Turn after turn of one conversation, the action sees the events Rasa would have sent:
    from the previous call, or (a restarted action server) from the tracker store, which holds
    each event as Rasa stored it. Only vectors differ: an old message put back may still carry
    them (the actions read those of the latest messages, which are the same)."""
    tracker = _long_tracker(10)
    earlier = EarlierEvents(_no_store)
    for number in range(10, 70):
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(_message(number))
        request = _sent(tracker)
        asyncio.run(earlier.complete("c1", request["tracker"]))
        _assert_same(request, _as_rasa_sends_all(tracker))
        tracker.update(BotUttered(f"answer {number}"))

    stored = [json.loads(json.dumps(e.as_dict())) for e in tracker.events]
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(_message(70))
    request = _sent(tracker)
    from_store = EarlierEvents(lambda sender, limit: stored[-limit:])
    asyncio.run(from_store.complete("c1", request["tracker"]))
    _assert_same(request, _as_rasa_sends_all(tracker))


def _assert_same(request: dict, expected: dict) -> None:
    events, expected_events = request["tracker"].pop("events"), expected["tracker"].pop("events")
    assert request == expected
    assert [_without_vectors(e) for e in events] == [_without_vectors(e) for e in expected_events]
    turns, expected_turns = recent_turns(events), recent_turns(expected_events)
    assert [(t.number, t.text) for t in turns] == [(t.number, t.text) for t in expected_turns]
    for turn, same in zip(turns, expected_turns, strict=True):
        assert np.array_equal(turn.vector, same.vector)


def test_without_the_earlier_events_the_action_sees_the_latest(caplog):
    tracker = _long_tracker(60)
    request = _sent(tracker)

    asyncio.run(EarlierEvents(_no_store).complete("c1", request["tracker"]))

    assert len(request["tracker"]["events"]) == SENT_EVENTS
    assert EARLIER not in request["tracker"]
    assert "earlier events not found" in caplog.text


def _no_store(sender: str, limit: int) -> list[dict]:
    raise ConnectionError("the tracker store is down")


def _without_vectors(event: dict) -> dict:
    parse_data = event.get("parse_data")
    if not isinstance(parse_data, dict):
        return event
    return {**event, "parse_data": {k: v for k, v in parse_data.items() if k not in LEFT_OUT}}


def test_the_action_server_keeps_long_conversations_within_its_bound():
    def events(sender: str, count: int) -> list[dict]:
        return [{"event": "bot", "timestamp": float(i), "text": sender} for i in range(count)]

    read: list[str] = []
    earlier = EarlierEvents(lambda sender, limit: read.append(sender) or [], kept_events=150)
    for sender in ("a", "b", "c"):  # 60 events each: the least recently used goes
        asyncio.run(earlier.complete(sender, {"events": events(sender, 60)}))
    asyncio.run(earlier.complete("short", {"events": events("short", 10)}))

    def next_call(sender: str) -> dict:
        whole = events(sender, 60)
        tracker = {"events": whole[-5:], EARLIER: earlier_marker(55, whole[0], whole[54])}
        asyncio.run(earlier.complete(sender, tracker))
        return tracker

    assert next_call("c")["events"] == events("c", 60)
    assert read == []
    assert len(next_call("a")["events"]) == 5  # dropped, and not in the (empty) store
    assert read == ["a"]


def test_an_action_call_names_its_conversation_for_the_balancer():
    sent: list[dict] = []

    async def request(self, *args, **kwargs):
        sent.append(kwargs)

    call = {"next_action": "action_answer", "sender_id": "customer-7", "tracker": {}}
    faster = action_request._faster(request)
    asyncio.run(faster(None, method="post", json=call, headers={"X-Other": "1"}))
    asyncio.run(faster(None, method="post", json={"text": "not an action call"}))

    assert sent[0]["headers"] == {
        "X-Other": "1",
        CONVERSATION_HEADER: conversation_key("customer-7"),
    }
    assert json.loads(sent[0]["data"]) == call
    assert "headers" not in sent[1]
    assert conversation_key("customer-7") != conversation_key("customer-8")
    assert "customer" not in conversation_key("customer-7")
