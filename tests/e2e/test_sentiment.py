"""Every customer message's sentiment is read and stored with it, whatever the message."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e.test_running_bot import new_sender

pytestmark = pytest.mark.rasa


def stored_sentiments(bot, sender: str) -> list[dict | None]:
    with sqlite3.connect(bot.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender,),
        ).fetchall()
    return [json.loads(row[0])["parse_data"].get("sentiment") for row in rows]


def test_an_angry_and_a_happy_message_are_read_and_stored(running_bot):
    sender = new_sender()  # a REST id (the widget's 32-hex ids are refused over REST)
    running_bot.say(sender, "this is ridiculous, my parcel is two weeks late and nobody answers!!")
    running_bot.say(sender, "thanks, that sorted it")

    angry, happy = stored_sentiments(running_bot, sender)

    assert angry["label"] == "negative" and angry["scores"]["negative"] > 0.7
    assert happy["label"] == "positive"
    assert set(angry["scores"]) == {"negative", "neutral", "positive"}
    assert angry["model"].startswith("sentiment-branch@")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "👍👍",
        "¿dónde está mi pedido?",
        "Esu labai nusivylęs: užsakymas vėluoja, o jūsų darbuotojai neatsako į mano laiškus.",
        "where is my order " * 800,
        "<b>hi</b>\u200b",
    ],
    ids=["empty", "spaces", "emoji", "spanish", "lithuanian", "very-long", "markup"],
)
def test_unusual_messages_never_break_the_pipeline(running_bot, text):
    sender = new_sender()  # a REST id (the widget's 32-hex ids are refused over REST)

    replies = running_bot.say(sender, text)

    assert replies, "the customer always gets a reply"
    [sentiment] = stored_sentiments(running_bot, sender)
    if "¿" in text:  # another language: read by the multilingual head, not the English model
        assert sentiment["model"].startswith("sentiment-multilingual@")
        assert sentiment["label"] in {"negative", "neutral", "positive"}
        assert "solo entiendo inglés" in " ".join(r.get("text", "") for r in replies)
    elif "nusivylęs" in text:  # a language the multilingual encoder does not read: none
        assert sentiment is None
    elif text.strip() and any(c.isalpha() for c in text):
        assert sentiment["label"] in {"negative", "neutral", "positive"}
