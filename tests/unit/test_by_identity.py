"""What is computed from an object is remembered by its identity, not by its value
(bot/conversations/by_identity.py), and a message's vector read once cannot be changed."""

from __future__ import annotations

import numpy as np
import pytest

from bot.conversations.by_identity import ByIdentity
from bot.conversations.events import customer_message
from bot.conversations.repeats import message_vector
from bot.embeddings.shared import encode_vector


def test_the_same_object_is_read_once_and_an_equal_one_again():
    calls: list[dict] = []
    read = ByIdentity(lambda event: calls.append(event) or len(calls), most=2)
    first, equal = {"event": "user"}, {"event": "user"}

    assert read(first) == read(first) == 1
    assert read(equal) == 2
    read({"event": "bot"})  # the least recently used (first) goes
    assert read(first) == 4
    assert len(calls) == 4


def test_a_message_and_its_vector_are_read_once_per_event():
    vector = np.array([0.6, 0.8], dtype=np.float32)
    event = {"event": "user", "text": "where is my parcel", "parse_data": {}}
    event["parse_data"]["text_embedding"] = encode_vector(vector, model_id="m")

    message = customer_message(event)

    assert customer_message(event) is message
    assert customer_message(dict(event)) is not message
    decoded = message_vector(message)
    assert message_vector(message) is decoded
    assert np.allclose(decoded, vector, atol=1e-3)  # stored at reduced precision
    with pytest.raises(ValueError):
        decoded[0] = 1.0  # shared by every reader: not to be changed in place
