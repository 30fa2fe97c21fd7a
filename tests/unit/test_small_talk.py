"""Hello, thanks, goodbye, yes and no in Italian and Lithuanian, and Rasa's responses in them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.catalogue import catalogue, words
from bot.conversations.events import serving_language
from bot.intents.small_talk import Said, small_talk
from bot.language import Identified
from bot.rasa_server.responses import CatalogueResponses, in_language
from tests.unit.test_language import parsed  # the NLU's last steps over a stated intent

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("grazie", Said("thank", "it")),
        ("Grazie mille per l'aiuto!", Said("thank", "it")),
        ("Buongiorno", Said("greet", "it")),
        ("sì grazie", Said("affirm", "it")),  # yes decides over thanks
        ("no grazie", Said("deny", "it")),
        ("grazie e arrivederci", Said("goodbye", "it")),
        ("grazie, ciao", Said("goodbye", "it")),  # ciao after thanks: goodbye
        ("ciao", Said("greet", None)),  # English speakers say it too
        ("va bene", Said("affirm", "it")),
        ("ačiū", Said("thank", "lt")),
        ("aciu uz pagalba", Said("thank", "lt")),  # typed without accents
        ("Laba diena", Said("greet", "lt")),
        ("ne, ačiū", Said("deny", "lt")),
        ("viso gero", Said("goodbye", "lt")),
        ("taip", Said("affirm", "lt")),
        ("ok", Said("affirm", None)),
    ],
)
def test_small_talk_is_read_from_its_words(text, said):
    assert small_talk(text) == said


@pytest.mark.parametrize(
    "text",
    [
        "grazie, ma il pacco non è arrivato",  # a question follows the thanks
        "non va bene",  # not a yes
        "ačiū, bet kur mano siunta?",
        "thanks",  # English: the English classifiers' to read
        "hi there",
        "grazie grazie grazie grazie grazie grazie grazie",  # too long to be small talk
        "",
    ],
)
def test_anything_more_than_small_talk_is_left_alone(text):
    assert small_talk(text) is None


def test_each_language_is_read_with_its_own_small_talk():
    assert small_talk("grazie", "lt") is None
    assert small_talk("ačiū", "it") is None
    assert small_talk("grazie", "it") == Said("thank", "it")


@pytest.mark.parametrize(
    ("text", "english", "intent", "language"),
    [
        ("grazie", "nlu_fallback", "thank", "it"),
        ("sì grazie", "out_of_scope", "affirm", "it"),  # the English guess at Italian is replaced
        ("labas", "nlu_fallback", "greet", "lt"),
        ("ciao", "nlu_fallback", "greet", None),  # understood, but tells no language
        ("ok", "thank", "thank", None),  # English too, and the English classifiers were sure
        ("thanks a lot", "thank", "thank", None),
    ],
)
def test_the_pipeline_understands_small_talk_and_the_language_its_words_tell(
    text, english, intent, language
):
    message = parsed(text, english)

    assert message.get("intent")["name"] == intent
    told = message.get("language")
    if language is None:
        assert not (told or {}).get("by_words")
    else:
        assert told == Identified(language, 1.0, by_words=True).to_json()


def test_a_long_clear_italian_goodbye_is_understood_too():
    message = parsed("Grazie mille per tutto, arrivederci", "nlu_fallback")

    assert message.get("intent")["name"] == "goodbye"


def tracker(*messages: tuple[str, dict]) -> DialogueStateTracker:
    events = [SessionStarted()] + [
        UserUttered(text, parse_data={"language": language}) for text, language in messages
    ]
    return DialogueStateTracker.from_events("someone", events)


def generate(name: str, at: DialogueStateTracker) -> dict:
    domain = Domain.load(PROJECT / "domain.yml")
    return asyncio.run(CatalogueResponses(domain=domain).generate(name, at, "rest"))


def test_rasas_responses_are_said_in_the_customers_language():
    italian = tracker(("Come posso restituire un articolo?", {"code": "it", "score": 0.99}))
    said = generate("utter_capabilities", italian)

    assert said["text"] == catalogue()["it"]["response.utter_capabilities.text"]
    assert [b["title"] for b in said["buttons"]] == list(
        words("response.utter_capabilities.buttons", "it")
    )
    assert [b["payload"] for b in said["buttons"]][-1] == "/request_human"  # the domain's


def test_a_short_message_does_not_change_the_language_and_english_stays_english():
    italian = tracker(
        ("Come posso restituire un articolo?", {"code": "it", "score": 0.99}),
        ("ok", {"code": "en", "score": 0.4}),
    )
    english = tracker(("where is my parcel please", {"code": "en", "score": 0.98}))

    assert generate("utter_goodbye", italian)["text"] == "Grazie per averci scritto. A presto!"
    assert generate("utter_goodbye", english)["text"] == "Thanks for chatting with us. Take care!"


def test_a_language_without_the_response_gets_the_domains():
    german = tracker(("Wie kann ich einen Artikel zurückschicken?", {"code": "de", "score": 0.99}))
    domain_text = "Thanks for chatting with us. Take care!"

    assert generate("utter_goodbye", german)["text"] == domain_text
    assert in_language({"text": domain_text}, "utter_unknown", "it") == {"text": domain_text}


def test_the_catalogues_english_responses_are_the_domains():
    """en.yml's ``response.*`` is what translators translate: it must say what domain.yml
    says, button for button."""
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    english = catalogue()["en"]
    names = {key.split(".")[1] for key in english if key.startswith("response.")}

    assert names == set(domain)
    for name in names:
        (variation,) = domain[name]
        assert " ".join(variation["text"].split()) == english[f"response.{name}.text"], name
        titles = tuple(button["title"] for button in variation.get("buttons", []))
        assert titles == english.get(f"response.{name}.buttons", ()), name


def test_a_word_of_small_talk_does_not_change_a_conversations_language():
    english = {"code": "en", "score": 0.98}
    grazie = {"code": "it", "score": 1.0, "by_words": True}
    events = [
        {"event": "session_started"},
        {"event": "user", "text": "where is my parcel please", "parse_data": {"language": english}},
        {"event": "user", "text": "grazie", "parse_data": {"language": grazie}},
        {"event": "user", "text": "and refunds?", "parse_data": {}},
    ]
    assert serving_language(events, {"language": "en-GB"}) == "en"
    assert serving_language([events[0], events[2]], {"language": "lt"}) == "lt"  # the widget's
    assert serving_language([events[0], events[2]], None) == "it"  # nothing else: its words


def test_responses_without_text_or_with_other_buttons_are_left_as_rasa_made_them():
    image = {"image": "https://shop.example/map.png"}
    assert in_language(image, "utter_goodbye", "it") == image
    one_button = {"text": "x", "buttons": [{"title": "What can you do?", "payload": "/a"}]}
    said = in_language(one_button, "utter_out_of_scope", "it")  # the domain's has two
    assert said["text"].startswith("Mi dispiace") and said["buttons"] == one_button["buttons"]
