"""The project's real NLU reads messages parsed together as it reads each alone."""

from __future__ import annotations

import asyncio

import pytest

from bot.embeddings.shared import KB_EMBEDDING, TEXT_EMBEDDING, decode_vector
from bot.runtime.training import ensure_trained
from bot.sentiment.branch import META_FILE
from bot.settings import Settings
from tests.conftest import PROJECT

pytestmark = pytest.mark.rasa

MESSAGES = [
    "how do I return an item?",
    "hi",
    "my card was declined and I am really annoyed about it, this is the third time!!!",
    "/affirm",
    "",
    "dove è il mio ordine?",
    "asdf qwerty",
    "can I talk to a person",
]


def test_messages_parsed_together_get_the_parse_each_gets_alone(tmp_path):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    import bot.rasa_server  # noqa: F401  (what the Rasa server loads first)
    from bot.rasa_server.parse_batches import parse_together

    settings = Settings.create(home=PROJECT, data_dir=tmp_path / "var")
    processor = Agent.load(str(ensure_trained(settings))).processor
    messages = [UserMessage(text, sender_id=f"customer-{i}") for i, text in enumerate(MESSAGES)]

    alone = [asyncio.run(processor.parse_message(m)) for m in messages]
    together = parse_together(processor, messages)

    for one, other in zip(alone, together, strict=True):
        assert other["text"] == one["text"]
        assert other["intent"]["name"] == one["intent"]["name"], one["text"]
        assert other["intent"]["confidence"] == pytest.approx(one["intent"]["confidence"], abs=0.01)
        assert other.get("text_flags") == one.get("text_flags")
        assert other.get("language") == one.get("language")
        assert (other.get("sentiment") or {}).get("label") == (one.get("sentiment") or {}).get(
            "label"
        ), one["text"]
        for key in (TEXT_EMBEDDING, KB_EMBEDDING):
            assert (key in other) == (key in one)
            if key in one:
                a = decode_vector(one[key], model_id=None, dimension=None)
                b = decode_vector(other[key], model_id=None, dimension=None)
                assert a is not None and b is not None
                assert float((a @ b.T)[0, 0]) > 0.999, (key, one["text"])
    assert together[0]["intent"]["name"] != "nlu_fallback"  # a shop question, understood
    assert KB_EMBEDDING in together[0]  # the demo's index has a tuned encoder (make test builds it)
    if (settings.sentiment_dir / META_FILE).is_file():  # trained by the first `supportbot run`
        assert together[2]["sentiment"]["label"] == "negative"
