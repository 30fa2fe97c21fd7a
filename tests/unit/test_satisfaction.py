"""The satisfaction question: when it is asked, how answers are read and recorded, and the
follow-ups unhappy answers open for the team."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from actions.knowledge import ActionAcknowledgeFeedback
from actions.satisfaction import (
    ActionRateConversation,
    ActionReplyToThanks,
    ActionSayGoodbye,
    ActionTakeSurveyComment,
)
from bot.rasa_server.policies.survey import next_action
from bot.satisfaction.followups import follow_up_reason
from bot.satisfaction.survey import (
    COMMENT_ACTION,
    QUESTION,
    RATE_ACTION,
    typed_score,
    worth_asking,
)
from bot.services import Services
from bot.storage.followups import SqlFollowUps
from tests.conftest import OPEN_TIME
from tests.unit.test_actions import run, tracker


@pytest.fixture
def services(settings, demo_searcher, hash_embedder, open_clock) -> Services:
    return Services(settings, clock=open_clock, embedder=hash_embedder, searcher=demo_searcher)


def user(intent: str, text: str = "...") -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def csat(status: str, **more: Any) -> dict[str, Any]:
    return {"event": "slot", "name": "csat", "value": {"status": status, **more}}


def handoff(status: str, agent: str | None = None) -> dict[str, Any]:
    value = {"status": status, "agent": agent, "reason": "asked for a person"}
    return {"event": "slot", "name": "handoff", "value": value}


def with_events(base, *events: dict[str, Any]):
    """``base`` (a tracker from ``tracker()``) with ``events`` before its latest message."""
    base.events[-1:-1] = list(events)
    return base


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or m.get("response") for m in messages]


# -- when the question is asked -----------------------------------------------------------------


def test_it_is_asked_once_per_conversation_and_not_after_small_talk():
    assert not worth_asking([user("greet"), user("thank")])
    assert worth_asking([user("greet"), user("ask_returns"), user("thank")])
    assert not worth_asking([user("ask_returns"), csat("asked"), user("goodbye")])


def test_a_new_conversation_or_an_agent_chat_since_makes_it_askable_again():
    earlier = [user("ask_returns"), csat("answered", score=5)]
    assert worth_asking([*earlier, {"event": "session_started"}, user("ask_refund")])
    assert worth_asking([*earlier, handoff("queued"), handoff("assigned", "anna")])
    assert not worth_asking([*earlier, handoff("queued"), handoff("abandoned")])


def test_goodbye_after_a_question_asks_with_five_buttons(services):
    latest = with_events(tracker("bye", "goodbye"), user("ask_returns"))

    messages, events = run(ActionSayGoodbye(services), latest)

    assert messages[0]["response"] == "utter_goodbye"
    assert messages[1]["text"] == QUESTION
    assert [b["payload"] for b in messages[1]["buttons"]] == [
        f'/rate{{"csat_score": "{n}"}}' for n in range(1, 6)
    ]
    assert events[0]["name"] == "csat" and events[0]["value"]["status"] == "asked"
    assert events[0]["value"]["asked_by"] == "bot"


def test_thanks_after_a_survey_does_not_ask_again(services):
    latest = with_events(tracker("thanks", "thank"), user("ask_returns"), csat("asked"))

    messages, events = run(ActionReplyToThanks(services), latest)

    assert texts(messages) == ["utter_you_are_welcome"]
    assert events == []


def test_an_answer_that_helped_asks_but_a_yes_without_an_answer_does_not(services):
    helped = with_events(
        tracker("yes", "affirm", slots={"awaiting_feedback": True}), user("ask_returns")
    )
    messages, events = run(ActionAcknowledgeFeedback(services), helped)
    assert texts(messages)[0] == "utter_glad_it_helped" and messages[1]["text"] == QUESTION
    assert [e["name"] for e in events] == ["awaiting_feedback", "csat"]

    plain = with_events(tracker("yes", "affirm"), user("ask_returns"))
    messages, events = run(ActionAcknowledgeFeedback(services), plain)
    assert texts(messages) == ["utter_how_can_i_help"]


def italian(intent: str, text: str = "Come posso restituire un articolo?") -> dict[str, Any]:
    """An Italian question, recognised as such (the conversation is in Italian from then on)."""
    event = user(intent, text)
    event["parse_data"]["language"] = {"code": "it", "score": 0.97}
    return event


def test_after_an_italian_answer_the_bot_goes_on_in_italian(services):
    helped = with_events(
        tracker("/affirm", "affirm", slots={"awaiting_feedback": True}), italian("nlu_fallback")
    )
    messages, _ = run(ActionAcknowledgeFeedback(services), helped)
    # Rasa says the response, in Italian (bot/rasa_server/responses.py, test_small_talk.py)
    assert texts(messages)[0] == "utter_glad_it_helped"
    assert messages[1]["text"].startswith("Un'ultima domanda prima di salutarci")
    assert [b["title"] for b in messages[1]["buttons"]] == [
        "1 – scarso",
        "2",
        "3",
        "4",
        "5 – ottimo",
    ]

    low = with_events(tracker("1", "choose_option"), italian("nlu_fallback"), csat("asked"))
    messages, _ = run(ActionRateConversation(services), low)
    assert messages[0]["text"].startswith("Mi dispiace di non esserti stato d'aiuto")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Parla con una persona"]


# -- reading and recording an answer ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4", 4),
        (" 5 stars", 5),
        ("3/5", 3),
        ("1 star", 1),
        ("5!", 5),
        ("6", None),
        ("45", None),
        ("4 of my orders", None),
        ("", None),
    ],
)
def test_typed_scores(text, score):
    assert typed_score(text) == score


@pytest.mark.parametrize(
    ("survey", "before", "text", "intent", "confidence", "expected"),
    [
        ("asked", "action_say_goodbye", "4", "choose_option", 0.9, RATE_ACTION),
        ("asked", "action_say_goodbye", "where is my parcel", "ask_order_status", 0.9, None),
        (None, "action_greet", "4", "choose_option", 0.9, None),
        ("answered", RATE_ACTION, "the wait was too long", "nlu_fallback", 0.2, COMMENT_ACTION),
        ("answered", RATE_ACTION, "you were slow", "report_delivery_problem", 0.5, COMMENT_ACTION),
        ("answered", RATE_ACTION, "how do returns work", "ask_returns", 0.95, None),
        ("answered", RATE_ACTION, "I want a person", "request_human", 0.95, None),
        ("answered", RATE_ACTION, "I'm going to trading standards", "nlu_fallback", 0.3, None),
        ("answered", RATE_ACTION, "refund me NOW", "ask_refund", 0.6, None),
        ("answered", RATE_ACTION, '/rate{"csat_score": "2"}', "rate", 1.0, RATE_ACTION),
        (None, "action_handoff", '/rate{"csat_score": "1"}', "rate", 1.0, RATE_ACTION),
        ("answered", RATE_ACTION, "thanks", "thank", 0.95, None),
        ("answered", "action_answer_from_knowledge_base", "great", "affirm", 0.9, None),
    ],
)
def test_what_the_survey_policy_does_with_the_next_message(
    survey, before, text, intent, confidence, expected
):
    found = next_action(survey, before, text=text, intent=intent, confidence=confidence)
    assert found == expected


def agent_conversation() -> list[dict[str, Any]]:
    return [
        user("ask_refund"),
        {"event": "slot", "name": "last_article", "value": "refund-timing"},
        user("request_human"),
        handoff("queued"),
        handoff("assigned", "anna"),
        handoff("closed", "anna"),
        csat("asked", asked_by="agent:anna"),
    ]


def test_a_score_is_recorded_with_its_attribution(services):
    latest = tracker(
        "5 – great", "rate", entities=[{"entity": "csat_score", "value": "5"}], confidence=1.0
    )
    with_events(latest, *agent_conversation())

    messages, events = run(ActionRateConversation(services), latest)

    record = events[0]["value"]
    assert record["status"] == "answered" and record["score"] == 5
    assert record["asked_by"] == "agent:anna"  # what was asked is kept
    attribution = record["attribution"]
    assert attribution["stage"] == "agent" and attribution["agent"] == "anna"
    assert attribution["intents"] == ["ask_refund"]  # topics, not "talk to a person"
    assert attribution["articles"] == ["refund-timing"]
    assert attribution["handoff"] is True
    assert attribution["handoff_reason"] == "asked for a person"
    assert "follow_up" not in record
    assert messages[0]["text"].startswith("Thank you!")
    assert services.followups.listing() == []


def test_a_low_score_opens_a_follow_up_and_offers_a_person(services):
    latest = with_events(tracker("1", "choose_option"), user("ask_returns"), csat("asked"))

    messages, events = run(ActionRateConversation(services), latest)

    record = events[0]["value"]
    assert record["score"] == 1 and record["attribution"]["stage"] == "bot"
    [item] = services.followups.listing()
    assert record["follow_up"] == item.id
    assert item.reason == "low satisfaction score (1/5)" and item.stage == "bot"
    assert item.conversation_id == "conversation-1"
    assert "passed this conversation to our team" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Talk to a person"]


def test_rate_without_a_score_shows_the_question(services):
    messages, events = run(ActionRateConversation(services), tracker("can I rate you", "rate"))
    assert messages[0]["text"] == QUESTION
    assert [e["value"]["status"] for e in events] == ["asked"]


def forged_score(score: str):
    """What a customer sends by hand: the question's button payload, unasked or again."""
    return tracker(
        f'/rate{{"csat_score": "{score}"}}',
        "rate",
        entities=[{"entity": "csat_score", "value": score}],
        confidence=1.0,
    )


def test_a_score_nobody_asked_for_is_not_recorded_the_question_is_asked(services):
    latest = with_events(forged_score("1"), user("ask_returns"))
    messages, events = run(ActionRateConversation(services), latest)
    assert messages[0]["text"] == QUESTION
    assert [e["value"]["status"] for e in events] == ["asked"]
    assert services.followups.listing() == []


def test_a_second_score_for_the_same_question_does_not_overwrite_the_first(services):
    answered = csat("answered", score=5)
    latest = with_events(forged_score("1"), user("ask_returns"), csat("asked"), answered)
    messages, events = run(ActionRateConversation(services), latest)
    assert events == []
    assert messages[0]["text"].startswith("You've already rated this conversation (5/5)")
    assert services.followups.listing() == []


def comment(text: str, negative: float):
    latest = tracker(text, "nlu_fallback")
    latest.latest_message["sentiment"] = {"label": "negative", "scores": {"negative": negative}}
    return latest


def test_an_angry_comment_after_a_good_score_opens_a_follow_up(services):
    latest = with_events(
        comment("honestly the courier was rude", 0.93),
        user("ask_returns"),
        csat("answered", score=4, attribution={"stage": "bot", "agent": None}),
    )

    messages, events = run(ActionTakeSurveyComment(services), latest)

    record = events[0]["value"]
    assert record["status"] == "commented" and record["score"] == 4
    assert record["comment"] == "honestly the courier was rude" and record["angry"] is True
    [item] = services.followups.listing()
    assert item.reason == "angry comment" and item.comment == "honestly the courier was rude"
    assert "a person will look at this conversation" in messages[0]["text"]


def test_a_calm_comment_is_kept_without_a_follow_up(services):
    latest = with_events(
        comment("all good, quick answer", 0.02), user("ask_returns"), csat("answered", score=5)
    )
    messages, events = run(ActionTakeSurveyComment(services), latest)
    assert events[0]["value"]["comment"] == "all good, quick answer"
    assert services.followups.listing() == []
    assert messages[0]["text"].startswith("Thank you, I've passed that on")


# -- follow-ups -----------------------------------------------------------------------------------


def test_follow_up_reasons():
    assert follow_up_reason(2, False) == "low satisfaction score (2/5)"
    assert follow_up_reason(3, False) is None
    assert follow_up_reason(5, True) == "angry comment"
    assert follow_up_reason(1, True) == "low satisfaction score (1/5) and angry comment"
    assert follow_up_reason(None, False) is None


def test_a_comment_after_a_low_score_adds_to_the_same_follow_up(database_url):
    store = SqlFollowUps(database_url)
    first = store.open(
        "c1",
        channel="slack",
        reason="low satisfaction score (1/5)",
        score=1,
        comment=None,
        stage="agent",
        agent="anna",
        now=OPEN_TIME,
    )
    again = store.open(
        "c1",
        channel="slack",
        reason="angry comment",
        score=1,
        comment="useless",
        stage="agent",
        agent="anna",
        now=OPEN_TIME + timedelta(minutes=1),
    )
    assert again.id == first.id
    assert again.reason == "low satisfaction score (1/5); angry comment"
    assert again.comment == "useless"
    assert [i.id for i in store.unannounced(since=OPEN_TIME)] == [first.id]
    store.announced(first.id, now=OPEN_TIME)
    assert store.unannounced(since=OPEN_TIME) == []

    with pytest.raises(Exception, match="needs a note"):
        store.close(first.id, by="lead", note=" ", now=OPEN_TIME)
    done = store.close(first.id, by="lead", note="called the customer", now=OPEN_TIME)
    assert done.status == "done" and done.closed_by == "lead"
    assert store.listing() == [] and [i.id for i in store.listing(None)] == [first.id]
    later = store.open(
        "c1",
        channel="slack",
        reason="angry comment",
        score=None,
        comment="still bad",
        stage="bot",
        agent=None,
        now=OPEN_TIME + timedelta(days=1),
    )
    assert later.id != first.id  # a done item is not reopened: a new one is
