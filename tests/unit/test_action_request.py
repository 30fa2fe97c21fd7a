"""The Rasa server's request to the action server leaves out the vectors and tokens of
customer messages the actions never read again (bot/rasa_server/action_request.py)."""

from __future__ import annotations

import json

import numpy as np
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.embeddings.shared import encode_vector
from bot.escalation.history import LOOKBACK_TURNS, recent_turns
from bot.rasa_server import action_request


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
    tracker = _tracker(LOOKBACK_TURNS + 5)
    action = RemoteAction("action_answer", EndpointConfig("http://localhost:5055/webhook"))

    request = action._action_call_format(tracker, Domain.empty())

    users = [e for e in request["tracker"]["events"] if e["event"] == "user"]
    assert len(users) == LOOKBACK_TURNS + 5
    for event in users[:5]:
        assert not {"text_embedding", "kb_embedding", "text_tokens"} & set(event["parse_data"])
        assert event["parse_data"]["sentiment"] == {"label": "neutral"}
        assert event["parse_data"]["intent"]["name"] == "ask_returns"
    for event in users[5:]:
        assert {"text_embedding", "kb_embedding", "text_tokens"} <= set(event["parse_data"])
    latest = request["tracker"]["latest_message"]
    assert latest["text_embedding"] == _vector(LOOKBACK_TURNS + 4)
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
