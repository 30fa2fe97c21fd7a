from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.nlu.message_cleaner import TEXT_FLAGS, MessageCleaner
from bot.rasa_server.nlu.unusable_message_classifier import UnusableMessageClassifier, emoji_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("👍", "affirm"),
        ("👍🏽👍", "affirm"),  # skin tones do not matter
        ("🙏 ❤️", "thank"),
        ("👎", "not_helpful"),
        ("👍👎", None),  # mixed feelings: no guess
        ("🦄", None),
    ],
)
def test_emoji_only_messages_mean_what_people_mean_by_them(text, intent):
    assert emoji_intent(text) == intent


def test_cleaner_gives_models_clean_text_and_flags_what_it_saw():
    message = Message(data={"text": "  where\u200b is my order?? \x07"})

    MessageCleaner({"max_chars": 1000}).process([message])

    assert message.get("text") == "where is my order??"
    assert message.get(TEXT_FLAGS) == ["control_characters"]
    assert TEXT_FLAGS in message.as_dict(only_output_properties=True)


FILE = {"file": "f" * 32, "file_name": "broken zip.png", "file_type": "image/png", "file_size": 9}


@pytest.mark.parametrize(
    ("text", "metadata", "seen"),
    [
        ("📎 broken zip.png", FILE, ""),  # a file's name is not what the customer said
        ("📎 broken zip.png", {}, "📎 broken zip.png"),  # no file: words as any others
        ("the zip broke, see photo", FILE, "the zip broke, see photo"),  # words with a file
    ],
)
def test_cleaner_reads_no_words_in_a_file_sent_on_its_own(text, metadata, seen):
    message = Message(data={"text": text, "metadata": metadata})

    MessageCleaner({"max_chars": 1000}).process([message])

    assert message.get("text") == seen
    assert ("empty" in message.get(TEXT_FLAGS)) is (seen == "")


def test_cleaner_leaves_button_payloads_alone():
    message = Message(data={"text": '/choose_option{"article_id": "a"}'})

    MessageCleaner({"max_chars": 1000}).process([message])

    assert message.get("text") == '/choose_option{"article_id": "a"}'


@pytest.mark.parametrize(
    ("text", "flags", "intent"), [("", ["empty"], "nlu_fallback"), ("👍", ["no_words"], "affirm")]
)
def test_messages_without_words_get_an_honest_intent(text, flags, intent):
    message = Message(
        data={
            "text": text,
            TEXT_FLAGS: flags,
            "intent": {"name": "ask_refund", "confidence": 0.97},
            "intent_ranking": [{"name": "ask_refund", "confidence": 0.97}],
        }
    )

    UnusableMessageClassifier().process([message])

    assert message.get("intent") == {"name": intent, "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == intent


def test_messages_with_words_keep_their_intent():
    message = Message(
        data={
            "text": "refund?",
            TEXT_FLAGS: [],
            "intent": {"name": "ask_refund", "confidence": 0.9},
        }
    )

    UnusableMessageClassifier().process([message])

    assert message.get("intent")["name"] == "ask_refund"
