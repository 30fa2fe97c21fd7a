"""Which language a customer writes in, and what the bot does about one it cannot read."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.chat import TALK_TO_A_PERSON
from bot.desk.handover_context import handover_context
from bot.dialogue.fallback import ONLY_ENGLISH, Step, only_english_reply, plan
from bot.language import FastTextLanguageIdentifier, Identified, other_language
from bot.rasa_server.nlu.language_identifier import LanguageIdentifier
from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS
from bot.rasa_server.nlu.unusable_message_classifier import UnusableMessageClassifier
from bot.text import TextFlag


@pytest.mark.parametrize(
    ("identified", "text", "expected"),
    [
        (Identified("it", 0.95), "Come posso restituire un articolo?", "it"),
        (Identified("it", 0.95), "grazie mille", None),  # two words: too short to go by
        (Identified("it", 0.55), "il pacco non arriva", None),  # unsure
        (Identified("en", 0.99), "where is my order", None),  # understood
        (None, "Come posso restituire un articolo?", None),  # no model: read as English
    ],
)
def test_only_a_clear_message_counts_as_another_language(identified, text, expected):
    assert other_language(identified, text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Come posso restituire un articolo?", "it"),
        ("Kaip grąžinti prekę?", "lt"),
        ("Wie kann ich einen Artikel zurückschicken?", "de"),
        ("I would like a refund for my order please", "en"),
    ],
)
def test_the_shipped_model_identifies_clear_messages(text, code):
    identified = FastTextLanguageIdentifier().identify(text)
    assert identified is not None and identified.code == code and identified.score > 0.7


def parsed(text: str) -> Message:
    message = Message(data={"text": text, TEXT_FLAGS: []})
    LanguageIdentifier().process([message])
    message.set("intent", {"name": "out_of_scope", "confidence": 0.91})
    message.set("intent_ranking", [{"name": "out_of_scope", "confidence": 0.91}])
    UnusableMessageClassifier().process([message])
    return message


def test_a_question_in_another_language_is_not_guessed_at():
    message = parsed("Come posso restituire un articolo?")

    assert message.get("language")["code"] == "it"
    assert TextFlag.OTHER_LANGUAGE.value in message.get(TEXT_FLAGS)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}


@pytest.mark.parametrize("text", ["hola", "where is my order", "/request_human"])
def test_short_english_and_button_messages_keep_their_intent(text):
    message = parsed(text)

    assert TextFlag.OTHER_LANGUAGE.value not in message.get(TEXT_FLAGS)
    assert message.get("intent")["name"] == "out_of_scope"


def test_the_ladder_says_it_reads_english_only_in_the_customers_language():
    flags = frozenset({TextFlag.OTHER_LANGUAGE})
    step = plan(flags=flags, knowledge_base_can_answer=True, topics=["returns"], unclear_count=1)
    assert step is Step.ONLY_ENGLISH  # not an English article for an Italian question

    italian = only_english_reply("it")
    assert italian.text.startswith("Mi dispiace, per ora capisco solo l'inglese.")
    assert italian.text.endswith(ONLY_ENGLISH)  # and in English, for anyone reading along
    assert [(b.title, b.payload) for b in italian.buttons] == [
        ("Parla con una persona", TALK_TO_A_PERSON.payload)
    ]
    unknown = only_english_reply("fi")  # no Finnish words in the shop: English
    assert (unknown.text, unknown.buttons) == (ONLY_ENGLISH, (TALK_TO_A_PERSON,))


def test_the_queue_shows_the_language_the_customer_writes_in():
    def said(text: str, language: dict | None, at: float) -> dict:
        parse = {"intent": {"name": "nlu_fallback", "confidence": 1.0}}
        if language is not None:
            parse["language"] = language
        return {
            "event": "user",
            "text": text,
            "timestamp": at,
            "metadata": {"language": "en"},  # the widget's setting on an English page
            "parse_data": parse,
        }

    events = [
        {"event": "session_started", "timestamp": 0},
        said("Kaip grąžinti prekę?", {"code": "lt", "score": 0.95}, 1),
        said("ačiū", {"code": "en", "score": 0.2}, 2),  # short: says nothing
    ]
    assert handover_context(events)["language"] == "lt"
    assert handover_context(events[:1] + events[2:])["language"] == "en"  # the widget's
