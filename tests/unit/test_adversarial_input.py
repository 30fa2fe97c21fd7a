"""Property tests (hypothesis) of what every channel and the text pipeline do with whatever a
customer or a client sends: nothing crashes, nothing unbounded reaches a model, a payload is
honoured only as offered, every message gets a reply, and no mapping a client sends is kept
beyond its small plain part.

Each property is checked on a few hundred generated inputs per run (``ADVERSARIAL_EXAMPLES``);
``bench/fuzz.py`` runs the same properties on many more and records how many were tried."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sqlite3
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz import TRICKY
from bot.dialogue.payloads import ALWAYS_ACCEPTED, as_text, is_payload
from bot.privacy.redactor import Redactor
from bot.rasa_server.channels.customer_turns import customer_turns
from bot.rasa_server.channels.identity import (
    MAX_METADATA_KEYS,
    MAX_METADATA_VALUE,
    clean_metadata,
    rest_sender_problem,
    valid_session_id,
)
from bot.settings import Settings
from bot.text import MAX_MESSAGE_CHARS, MAX_MODEL_CHARS, inspect_message
from tests.conftest import PROJECT
from tests.databases import rasa_events_table

EXAMPLES = int(os.environ.get("ADVERSARIAL_EXAMPLES", "150"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timing is for benchmarks, never for tests
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OFFERED = ['/rate{"csat_score": "5"}', "/affirm", '/choose_option{"article_id": "returns-policy"}']
customer_text = st.one_of(
    st.text(),
    st.text(alphabet=string.ascii_letters + TRICKY, max_size=300),
    st.sampled_from(OFFERED + sorted(ALWAYS_ACCEPTED)).flatmap(
        lambda p: st.tuples(st.text(TRICKY, max_size=3), st.just(p), st.text(TRICKY, max_size=3))
    ).map("".join),
    st.builds(
        lambda piece, n: piece * n,
        st.text(TRICKY + "ab", min_size=1, max_size=5),
        st.integers(1000, 3000),
    ),
)  # fmt: skip


@PROPERTY
@given(customer_text)
def test_cleaning_any_text_is_bounded_and_leaves_nothing_invisible(text):
    inspected = inspect_message(text)

    assert len(inspected.cleaned) <= MAX_MODEL_CHARS
    assert "\x00" not in inspected.cleaned and "\u202e" not in inspected.cleaned
    assert inspected.cleaned == inspected.cleaned.strip()


@PROPERTY
@given(customer_text)
def test_a_payload_read_as_words_is_never_a_payload_again(text):
    words = as_text(text)

    assert not is_payload(words)
    assert not inspect_message(words).cleaned.startswith("/")  # what Rasa's handler reads


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor("FH[0-9]{4,8}")


@PROPERTY
@given(text=customer_text, user=st.from_regex(r"[a-z][a-z0-9.]{0,12}", fullmatch=True))
def test_redaction_never_fails_and_masks_a_planted_address(redactor, text, user):
    address = f"{user}@example.com"
    message = f"{text} {address} "

    masked = redactor.redact(message)
    found = redactor.find(message)

    assert address not in masked
    assert all(0 <= f.start < f.end <= len(message) for f in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


plain = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text())
client_json = st.recursive(plain, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner))


@PROPERTY
@given(st.one_of(client_json, client_json.map(json.dumps), st.text()))
def test_client_metadata_keeps_only_a_small_mapping_of_plain_values(value):
    cleaned = clean_metadata(value)

    assert isinstance(cleaned, dict) and len(cleaned) <= MAX_METADATA_KEYS
    for key, item in cleaned.items():
        assert isinstance(key, str) and len(key) <= 100
        assert item is None or isinstance(item, bool | int | float | str)
        assert not isinstance(item, str) or len(item) <= MAX_METADATA_VALUE


@PROPERTY
@given(client_json)
def test_any_rest_sender_is_judged_without_failing_and_never_names_a_widget_conversation(sender):
    problem = rest_sender_problem(sender)

    assert problem is None or isinstance(problem, str)
    if problem is None:
        assert not valid_session_id(sender) and not sender.startswith("slack-")


# -- the checks every channel makes (customer_turns), on a real SQLite tracker store -----------


class Output:
    """An output channel that records what the customer was sent."""

    def __init__(self) -> None:
        self.messages: list[str] = []  # as Rasa's collecting output keeps them

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.messages.append(text)


class Message:
    def __init__(self, text: str) -> None:
        self.text = text
        self.sender_id = "conversation-1"
        self.output_channel = Output()
        self.metadata: dict[str, Any] = {"button_title": "Yes"}


@pytest.fixture(scope="module")
def channel_settings(tmp_path_factory) -> Settings:
    """A data folder whose tracker store has the bot offering ``OFFERED`` to conversation-1."""
    data = tmp_path_factory.mktemp("adversarial")
    rasa_events_table(data / "tracker.db")
    offer = {
        "event": "bot",
        "text": "How did we do?",
        "data": {"buttons": [{"title": p, "payload": p} for p in OFFERED]},
    }
    with sqlite3.connect(data / "tracker.db") as db:
        db.execute(
            "INSERT INTO events (sender_id, type_name, data) VALUES (?, 'bot', ?)",
            ("conversation-1", json.dumps(offer)),
        )
    return Settings.create(home=PROJECT, data_dir=data, kb_index_dir=Path(data / "kb_index"))


@PROPERTY
@given(text=customer_text, answers=st.booleans())
def test_every_channel_passes_on_only_bounded_text_and_offered_payloads_and_always_replies(
    channel_settings, text, answers
):
    passed: list[str] = []

    async def rasa(message: Any) -> None:  # Rasa's turn: it answers, or produces nothing
        passed.append(message.text)
        if answers:
            await message.output_channel.send_text_message(message.sender_id, "an answer")

    message = Message(text)
    asyncio.run(customer_turns(rasa, settings=channel_settings)(message))

    [seen] = passed
    assert len(seen) <= MAX_MESSAGE_CHARS
    if is_payload(seen) or inspect_message(seen).cleaned.startswith("/"):
        assert seen in OFFERED or seen in ALWAYS_ACCEPTED
    elif is_payload(text):  # read as words: no button was clicked
        assert "button_title" not in message.metadata
    assert message.output_channel.messages  # never silent
