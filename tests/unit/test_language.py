"""Which language a customer writes in, and what the bot does about one it cannot read."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.chat import TALK_TO_A_PERSON
from bot.desk.handover_context import handover_context
from bot.dialogue.fallback import (
    IN_ENGLISH,
    ONLY_ENGLISH,
    Step,
    asked_for_language_reply,
    only_english_reply,
    plan,
)
from bot.intents.in_other_languages import person_or_complaint
from bot.language import (
    FastTextLanguageIdentifier,
    Identified,
    asked_for,
    identified_of,
    language_code,
    other_language,
)
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


def parsed(text: str, intent: str = "out_of_scope") -> Message:
    message = Message(data={"text": text, TEXT_FLAGS: []})
    LanguageIdentifier().process([message])
    message.set("intent", {"name": intent, "confidence": 0.91})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.91}])
    UnusableMessageClassifier().process([message])
    return message


def test_a_question_in_another_language_is_not_guessed_at():
    message = parsed("Come posso restituire un articolo?")

    assert message.get("language")["code"] == "it"
    assert TextFlag.OTHER_LANGUAGE.value in message.get(TEXT_FLAGS)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Vorrei parlare con un operatore, per favore", "request_human"),
        ("Norėčiau pasikalbėti su gyvu žmogumi, ne su robotu", "request_human"),
        ("Voglio fare un reclamo formale per il pacco danneggiato", "complaint"),
        ("Noriu pateikti skundą dėl sugadintos siuntos", "complaint"),
        ("Il corriere era una persona molto gentile", "nlu_fallback"),  # names, asks for nobody
        ("Posso parlare della mia esperienza nella recensione?", "nlu_fallback"),
        ("Ar jūsų darbuotojai dirba savaitgaliais?", "nlu_fallback"),
    ],
)
def test_a_person_or_a_complaint_asked_for_in_italian_or_lithuanian_is_understood(text, intent):
    message = parsed(text)

    assert TextFlag.OTHER_LANGUAGE.value in message.get(TEXT_FLAGS)
    assert message.get("intent") == {"name": intent, "confidence": 1.0}


@pytest.mark.parametrize(
    ("text", "english", "intent"),
    [
        ("operatore!", "nlu_fallback", "request_human"),  # too short to tell the language
        ("žmogų prašau", "nlu_fallback", "request_human"),
        ("noreciau pasikalbeti su zmogumi", "nlu_fallback", "request_human"),  # no accents: unsure
        ("operatore!", "greet", "greet"),  # the English classifiers were sure: theirs stands
        ("could your staff chat to the college about my order", "nlu_fallback", "nlu_fallback"),
    ],
)
def test_a_request_too_unclear_to_tell_its_language_is_understood_where_english_was_unsure(
    text, english, intent
):
    message = parsed(text, english)

    assert TextFlag.OTHER_LANGUAGE.value not in message.get(TEXT_FLAGS)
    assert message.get("intent")["name"] == intent


def test_each_language_is_read_with_its_own_words():
    assert person_or_complaint("¿cómo reclamo la garantía?", "es") is None
    assert person_or_complaint("Vorrei un reclamo", "lt") is None
    assert person_or_complaint("Vorrei un reclamo") == "complaint"  # language unknown: any


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


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("it", "it"),
        (" IT ", "it"),
        ("it-IT", "it"),
        ("pt_BR", "pt"),
        ("fil", "fil"),
        ("", None),
        ("english", None),
        ("e1", None),
        (None, None),
        (["en"], None),
    ],
)
def test_one_check_of_a_language_code(value, code):
    assert language_code(value) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("English, please", "en"),
        ("english pls", "en"),
        ("In English?", "en"),
        ("Do you speak English?", "en"),
        ("can you answer in english", "en"),
        ("in inglese per favore", "en"),
        ("Angliškai prašau", "en"),
        ("angliskai", "en"),
        ("Parli italiano?", "it"),
        ("Rispondi in italiano per favore", "it"),
        ("Ar galite kalbėti lietuviškai?", "lt"),
        ("Sprechen Sie Deutsch?", "de"),
        ("parlez-vous français ?", "fr"),
        # About something else: a product, a book, a question with a language in it.
        ("Italian shoes", None),
        ("Italian leather shoes please", None),
        ("I bought an English dictionary", None),
        ("Can you send the manual in English?", None),
        ("my english is bad sorry", None),
        ("My English is bad, can we speak Italian?", None),  # two languages: not sure which
        ("Come posso restituire un articolo?", None),
        # Words that only begin like asking: not a request.
        ("replacement for Italian boots", None),
        ("German speakers on sale?", None),
        ("the Italian size chart is written wrong", None),
        ("Continue to checkout with French address", None),
        ("please please please please please please please please tell me in english", None),
        ("", None),
    ],
)
def test_a_customer_asking_for_a_language_is_heard(text, code):
    assert asked_for(text) == code


def test_asking_for_a_language_is_recorded_and_answered_not_guessed_at():
    message = parsed("Angliškai, prašau")

    assert message.get("language") == {"code": "en", "score": 1.0, "asked": True}
    assert identified_of(message.get("language")) == Identified("en", 1.0, asked=True)
    assert message.get(TEXT_FLAGS) == [TextFlag.ASKED_FOR_LANGUAGE.value]  # not "other"
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}

    flags = frozenset({TextFlag.ASKED_FOR_LANGUAGE})
    assert plan(flags=flags, knowledge_base_can_answer=True, topics=[], unclear_count=3) is (
        Step.ASKED_FOR_LANGUAGE
    )
    assert asked_for_language_reply("en").text == IN_ENGLISH
    assert asked_for_language_reply("it") == only_english_reply("it")


def test_the_language_asked_for_holds_over_what_later_messages_look_like():
    def said(text: str, language: dict) -> dict:
        return {"event": "user", "text": text, "parse_data": {"language": language}}

    events = [
        {"event": "session_started", "timestamp": 0},
        said("Come posso restituire un articolo?", {"code": "it", "score": 0.95}),
        said("english please", {"code": "en", "score": 1.0, "asked": True}),
        said("Il mio ordine non è arrivato", {"code": "it", "score": 0.9}),
    ]
    assert handover_context(events)["language"] == "en"
    assert handover_context(events[:2])["language"] == "it"


def test_asking_for_a_person_who_speaks_a_language_keeps_the_request():
    message = parsed("Can I talk to a person in Italian?", intent="request_human")

    assert message.get("intent") == {"name": "request_human", "confidence": 0.91}
    assert message.get("language") == {"code": "it", "score": 1.0, "asked": True}


def test_a_language_asked_for_gives_way_to_what_is_written_after_unless_it_is_english():
    def said(text: str, language: dict) -> dict:
        return {"event": "user", "text": text, "parse_data": {"language": language}}

    start = {"event": "session_started", "timestamp": 0}
    italian = said("parli italiano?", {"code": "it", "score": 1.0, "asked": True})
    english = said("ok I will write in English then", {"code": "en", "score": 0.95})
    assert handover_context([start, italian])["language"] == "it"
    assert handover_context([start, italian, english])["language"] == "en"
