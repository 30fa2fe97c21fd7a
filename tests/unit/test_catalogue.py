"""The message catalogue: every language fits the English, and the bot speaks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import catalogue
from bot.business import load_business_facts
from bot.business.hours import BusinessHours
from bot.catalogue import CatalogueError, say, translated, words
from bot.dialogue.fallback import (
    ask_for_words_reply,
    ask_to_rephrase_reply,
    clarify_topic_reply,
    long_message_note,
)
from bot.dialogue.greeting import greeting_reply
from bot.handoff import replies
from bot.handoff.contact import complaint_next_step, complaint_reply, human_contact_reply
from bot.handoff.wait import describe_wait
from bot.knowledge import Article
from bot.knowledge.replies import choose_article_reply, decline_reply, helped_question
from bot.satisfaction.survey import survey_reply
from bot.text import TextFlag
from tests.conftest import PROJECT

#: The demo shop is complete in these (the others: the honest "English only" and a person).
COMPLETE = ("it", "lt")


@pytest.fixture
def facts():
    return load_business_facts(PROJECT / "knowledge_base" / "business.yml")


@pytest.fixture
def own_catalogue(tmp_path, monkeypatch):
    """A catalogue read from ``tmp_path`` (the shipped one is read again after)."""
    monkeypatch.setattr(catalogue, "FOLDER", tmp_path)
    catalogue.catalogue.cache_clear()
    yield tmp_path
    catalogue.catalogue.cache_clear()


@pytest.mark.parametrize("language", COMPLETE)
def test_the_demo_languages_translate_every_message(language):
    english = catalogue.catalogue()["en"]
    assert sorted(set(english) - set(catalogue.catalogue()[language])) == []
    said = catalogue.catalogue()[language]
    same = {key for key, message in english.items() if said[key] == message}
    assert same <= {"answer.helped.no"}  # "No" in Italian too


def test_a_language_without_a_message_says_it_in_english():
    assert say("handoff.joined", "de", agent="anna") == "anna from our team has joined the chat."
    assert not translated("handoff.joined", "de") and translated("only_english", "de")
    assert not translated("only_english", "en") and not translated("only_english", None)
    assert say("handoff.joined", "xx", agent="anna") == say("handoff.joined", agent="anna")
    assert catalogue.languages()[0] == "en"


@pytest.mark.parametrize(
    ("translation", "error"),
    [
        ('handoff:\n  joined: "{name} è qui"\n', "must use the fields of en.yml: {agent}"),
        ("handoff:\n  joind: ciao\n", "handoff.joind is not in en.yml"),
        ("weekdays: [lun, mar]\n", "weekdays has 2 items, en.yml 7"),
        ("weekdays: lunedì\n", "weekdays must be a list"),
        ('handoff:\n  joined: "{agent è qui"\n', "write a brace as"),
        ("- just a list\n", "not a mapping"),
    ],
)
def test_a_translation_that_does_not_fit_is_refused_naming_the_key(
    own_catalogue, translation, error
):
    (own_catalogue / "en.yml").write_text(
        'handoff:\n  joined: "{agent} joined"\nweekdays: [a, b, c, d, e, f, g]\n'
    )
    (own_catalogue / "it.yml").write_text(translation, encoding="utf-8")
    with pytest.raises(CatalogueError, match=error):
        catalogue.catalogue()


def test_the_queue_is_described_in_the_customers_language(facts):
    queued = replies.queued_reply(1, timedelta(minutes=4), facts, "it")
    assert queued.text.startswith(
        "Ho chiesto una persona del nostro team: sei il prossimo in coda."
    )
    assert "L'attesa è di circa 4 minuti." in queued.text
    assert [button.title for button in queued.buttons] == ["Torna al bot"]
    long = replies.update_reply(3, timedelta(minutes=75), facts, "lt")
    assert "Jūsų vieta eilėje: 3. Numatoma laukti apie 1 val 15 min." in long.text
    assert [button.title for button in long.buttons] == ["Palikti žinutę", "Grįžti prie roboto"]
    assert [b.payload for b in long.buttons] == [b.payload for b in replies.update_reply(
        3, timedelta(minutes=75), facts).buttons]  # fmt: skip
    assert describe_wait(timedelta(hours=2), "it") == "circa 2 ore"
    assert describe_wait(timedelta(minutes=1)) == "a minute or two"


def test_when_the_team_is_back_is_said_with_the_languages_days_and_months(facts):
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    closed = replies.unavailable_reply(facts, sunday, "lt").text
    assert "grįš rytoj 9:00 (JK laiku)" in closed
    assert facts.next_opening(sunday, "it") == "domani alle 9:00 (ora del Regno Unito)"
    saturday_evening = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    assert facts.next_opening(saturday_evening, "lt") == "pirmadienį 9:00 (JK laiku)"
    christmas = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    later = facts.moment(christmas + timedelta(days=9), christmas, "lt")
    assert later == "sausio 2 d. 18:00 (JK laiku)"
    assert (
        facts.moment(christmas + timedelta(days=9), christmas) == "on 2 January at 18:00 (UK time)"
    )
    assert words("moment.months", "it")[0] == "gennaio"


def test_the_greeting_is_in_the_language_with_its_button(facts):
    italian = greeting_reply(facts, "it")
    assert italian.text.startswith("Ciao! Sono l'assistente virtuale di Fernhill")
    assert [b.title for b in italian.buttons] == ["Parla con una persona"]
    german = greeting_reply(facts, "de")  # no German greeting: all of it in English
    assert german == greeting_reply(facts) and german.buttons[0].title == "Talk to a person"


def test_what_follows_an_answer_and_the_survey_are_in_the_language():
    assert helped_question("lt").text == "Ar atsakiau į jūsų klausimą?"
    assert [b.title for b in survey_reply("it").buttons] == [
        "1 – scarso",
        "2",
        "3",
        "4",
        "5 – ottimo",
    ]
    assert survey_reply().buttons[0].title == "1 – poor"


def test_a_complaint_is_acknowledged_with_its_deadlines_in_the_language(facts):
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    reply = complaint_reply(
        facts,
        monday,
        reference="C-1234",
        first_response_due=monday + timedelta(hours=4),
        resolution_due=datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
        language="it",
    )
    assert reply.text.startswith("Mi dispiace molto, e grazie per avercelo detto. Ho registrato")
    assert "ti risponderà entro oggi alle 14:00 (ora del Regno Unito)" in reply.text
    assert reply.text.endswith("contiamo di risolverlo entro venerdì 4 dicembre.")
    next_step = complaint_next_step(facts, datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "C-1", "lt")
    assert next_step.startswith("Mūsų komanda grįš rytoj 9:00 (JK laiku).")
    closed = human_contact_reply(facts, datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "lt").text
    assert "atsakysime per vieną darbo dieną" in closed and "{" not in closed


def test_a_week_without_hours_and_asking_for_words_are_said_in_the_language():
    closed = BusinessHours("Europe/London", "UK time", (None,) * 7, frozenset())
    assert closed.describe_week() == "no regular hours"
    assert closed.describe_week(no_hours=say("moment.no_regular_hours", "it")) == (
        "nessun orario fisso"
    )
    empty = ask_for_words_reply(frozenset({TextFlag.EMPTY}), "lt")
    assert empty.text == "Atrodo, kad jūsų žinutė tuščia. Kuo galiu padėti?"
    assert [b.title for b in empty.buttons] == ["Kalbėti su žmogumi"]
    symbols = ask_for_words_reply(frozenset({TextFlag.NO_WORDS}), "de")  # no German words
    assert symbols.text.startswith("I can only read words")
    assert symbols.buttons[0].title == "Talk to a person"


def test_the_ladder_and_the_choices_are_in_the_language():
    clarify = clarify_topic_reply(["ask_returns", "ask_refund"], "it")
    assert clarify.text.startswith("Mi dispiace, non sono sicuro di aver capito")
    assert [b.title for b in clarify.buttons] == [
        "Resi e cambi",
        "Rimborsi",
        "Altro",
        "Parla con una persona",
    ]
    assert clarify_topic_reply(["ask_returns"]).buttons[0].title == "Returns and exchanges"
    assert decline_reply("lt").buttons[0].title == "Kalbėti su žmogumi"
    assert decline_reply("de") == decline_reply()  # no German words: all of it in English
    article = Article("returns-policy", "Posso restituire un regalo?", (), "x", "c")
    choose = choose_article_reply([article], language="it")
    assert choose.text == say("knowledge.choose", "it")
    assert [b.title for b in choose.buttons][1:] == ["Nessuna di queste", "Parla con una persona"]
    assert ask_to_rephrase_reply("lt").text.startswith("Atsiprašau, nesupratau.")
    assert long_message_note("it").text.startswith("Il messaggio è lungo")
