"""Button payloads are honoured only as the bot offered them (``bot.dialogue.payloads``)."""

from __future__ import annotations

import pytest

from bot.chat import TALK_TO_A_PERSON
from bot.dialogue.payloads import as_text, is_accepted, is_payload, offered_payloads
from bot.text import inspect_message

RATE_5 = '/rate{"csat_score": "5"}'


def bot(text: str, *payloads: str, agent: str | None = None) -> dict:
    event = {
        "event": "bot",
        "text": text,
        "data": {"buttons": [{"title": p, "payload": p} for p in payloads]},
    }
    if agent:
        event["metadata"] = {"agent": agent}
    return event


def test_the_buttons_the_bot_offered_in_this_session_are_accepted():
    events = [
        bot("How would you rate us?", *(f'/rate{{"csat_score": "{n}"}}' for n in range(1, 6))),
        {"event": "user", "text": "great"},
        bot("Anything else?", "/affirm", "/deny"),
    ]

    offered = offered_payloads(events)

    assert is_accepted(RATE_5, offered) and is_accepted("/deny", offered)
    assert not is_accepted('/rate{"csat_score": "6"}', offered)
    assert not is_accepted('/rate{"csat_score":"5"}', offered)  # only to the character


def test_buttons_of_an_earlier_session_or_written_by_an_agent_are_not_accepted():
    events = [
        bot("How would you rate us?", RATE_5),
        {"event": "session_started"},
        bot("Hello!", "/ask_returns"),
        bot("Try this", "/choose_option", agent="anna"),  # a person cannot offer payloads
    ]

    offered = offered_payloads(events)

    assert offered == {"/ask_returns"}
    assert not is_accepted(RATE_5, offered)


def test_talk_to_a_person_is_always_accepted():
    assert is_accepted(TALK_TO_A_PERSON.payload, ())


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('/rate{"csat_score": "1"}', 'rate{"csat_score": "1"}'),
        ("/help", "help"),
        ("//  where is my order", "where is my order"),
        ("/", ""),
        ("/ /affirm", "affirm"),
        ("/\t/rate{}", "rate{}"),
        ("\u200b/affirm", "affirm"),
        ("\x00 /affirm", "affirm"),
        ("\u202e/affirm", "affirm"),
        (" \u2060 / \ufeff/deny", "deny"),
    ],
)
def test_a_payload_not_honoured_is_read_as_the_words_after_the_slash(text, words):
    assert is_payload(text)
    assert as_text(text) == words


def test_ordinary_text_is_not_a_payload():
    assert not is_payload("where is my order? /help")
    assert not is_payload("\u200bwhere is my order")


@pytest.mark.parametrize("text", ["/affirm", "\u200b/affirm", "\x00 /affirm", "\u202e/affirm"])
def test_what_cleaning_turns_into_a_payload_counts_as_one_and_is_read_as_words(text):
    assert is_payload(text)
    assert not is_accepted(text, {"/affirm"}) or text == "/affirm"
    words = as_text(text)
    assert not is_payload(words)
    assert not inspect_message(words).cleaned.startswith("/")  # what Rasa's handler reads
