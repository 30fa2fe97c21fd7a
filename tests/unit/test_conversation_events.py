"""The one reader of Rasa events: one session rule, and the same reading of a message for
every part that looks at a conversation."""

from __future__ import annotations

import pytest

from bot.conversations import events
from bot.escalation import turns_from_events
from bot.reporting.summary import conversations
from bot.satisfaction.survey import CSAT_SLOT, survey_state, worth_asking


def user(text: str, intent: str, *, at: float = 1.0, **extra) -> dict:
    parse = {"intent": {"name": intent, "confidence": 0.9}, **extra}
    return {"event": "user", "text": text, "timestamp": at, "parse_data": parse}


@pytest.mark.parametrize("marker", ["session_started", "restart"])
def test_a_session_starts_afresh_at_a_new_session_and_at_a_restart(marker):
    before = [
        user("where is my order", "ask_order_status"),
        {"event": "slot", "name": CSAT_SLOT, "value": {"status": "asked"}},
    ]
    after = [user("how do I return this", "ask_returns", at=5.0)]
    history = [*before, {"event": marker, "timestamp": 4.0}, *after]

    assert events.current_session(history) == after
    assert [len(s) for s in events.sessions(history)] == [2, 2]
    # Every reader agrees on where "this conversation" starts:
    assert [t.text for t in turns_from_events(history)] == ["how do I return this"]
    assert survey_state(history).status is None
    assert worth_asking(history) is True
    assert [c.intents for c in conversations((n, "c1", e) for n, e in enumerate(history))] == [
        ["ask_order_status"],
        ["ask_returns"],
    ]


def test_a_clicked_button_shows_its_title_and_is_not_typed():
    event = {
        "event": "user",
        "text": '/rate{"csat_score": "5"}',
        "metadata": {events.BUTTON_TITLE: "5 - great"},
        "parse_data": {"intent": {"name": "rate", "confidence": 1.0}},
    }

    message = events.customer_message(event)

    assert message is not None
    assert (message.shown, message.clicked, message.intent) == ("5 - great", True, "rate")


def test_the_best_intent_skips_the_fallback_and_sentiment_is_read_once():
    event = user(
        "hmm parcels??",
        "nlu_fallback",
        intent_ranking=[
            {"name": "nlu_fallback", "confidence": 0.6},
            {"name": "ask_shipping", "confidence": 0.3},
        ],
        sentiment={"label": "negative", "scores": {"negative": 0.8, "neutral": 0.2}},
    )

    message = events.customer_message(event)

    assert message is not None
    assert (message.intent, message.best_intent, message.best_confidence) == (
        "nlu_fallback",
        "ask_shipping",
        0.3,
    )
    assert (message.sentiment_label, message.negative) == ("negative", 0.8)


def test_bot_messages_name_the_agent_and_their_buttons():
    event = {
        "event": "bot",
        "text": "Which one?",
        "data": {"quick_replies": [{"title": "Returns", "payload": "/ask_returns"}]},
        "metadata": {"agent": "anna"},
    }

    message = events.bot_message(event)

    assert message is not None
    assert (message.agent, message.button_payloads) == ("anna", ["/ask_returns"])
    assert events.bot_message({"event": "bot", "text": ""}) is None  # nothing said


def test_slots_actions_and_the_latest_value():
    history = [
        {"event": "slot", "name": "handoff", "value": {"status": "queued"}},
        {"event": "action", "name": "action_handoff"},
        {"event": "slot", "name": "handoff", "value": {"status": "assigned"}},
    ]

    assert events.latest_slot(history, "handoff") == {"status": "assigned"}
    assert events.slot(history[0], "csat") is None
    assert events.action(history[1]) == "action_handoff"
