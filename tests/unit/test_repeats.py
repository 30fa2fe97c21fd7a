"""The same question asked again (``bot.conversations.repeats``): by meaning when the stored
embeddings can be compared, by wording otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from bot.conversations.events import customer_message
from bot.conversations.repeats import asks_again, same_meaning, same_wording
from bot.embeddings.shared import TEXT_EMBEDDING, encode_vector


def said(text, intent="ask_returns", vector=None, model="minilm"):
    parse = {"intent": {"name": intent, "confidence": 0.9}}
    if vector is not None:
        parse[TEXT_EMBEDDING] = encode_vector(np.asarray(vector, dtype=np.float32), model_id=model)
    message = customer_message({"event": "user", "text": text, "parse_data": parse})
    assert message is not None
    return message


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("can I return a sale item", "can sale items be returned at all", True),
        ("how do I cancel my order", "no, I mean can my order be cancelled", True),
        ("how long does shipping to Ireland take", "shipping to Ireland, how long", True),
        ("how much is delivery", "how much is express delivery", False),  # one word shared
        ("how long does delivery take", "how many days until my delivery arrives", False),
        ("can I return a sale item", "do you sell gift cards", False),
    ],
)
def test_same_wording_needs_two_content_words_and_half_of_the_shorter(first, second, same):
    assert same_wording(first, second) is same


def test_same_meaning_compares_embeddings_of_one_model_only():
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.8, 0.6, 0.0])
    assert same_meaning(a, b, threshold=0.7) is True
    assert same_meaning(a, b, threshold=0.9) is False
    assert same_meaning(a, None) is None
    assert same_meaning(a, np.array([1.0, 0.0])) is None  # another model's size


def test_asks_again_prefers_meaning_to_wording():
    # Different words, the same meaning: the embeddings decide.
    assert asks_again(
        said("how long does delivery take", vector=[1, 0, 0]),
        said("how many days until it arrives", vector=[0.9, 0.1, 0]),
    )
    # Shared words, different meanings (a follow-up question): the embeddings decide.
    assert not asks_again(
        said("can I return a sale item", vector=[1, 0, 0]),
        said("can I return a sale item bought in a shop", vector=[0.2, 1, 0]),
    )
    # No embedding on one side: the wording decides.
    assert asks_again(
        said("can I return a sale item", vector=[1, 0, 0]),
        said("can sale items be returned at all"),
    )


@pytest.mark.parametrize(
    ("again", "intent"),
    [
        ("thanks", "thank"),  # too short, and not a question
        ("no that is not what I asked about returns", "deny"),
        ("let me talk to a person about returning items", "request_human"),
        ("/ask_returns", "ask_returns"),  # a click
    ],
)
def test_answers_requests_and_clicks_never_ask_again(again, intent):
    assert not asks_again(said("how do I return sale items"), said(again, intent=intent))
