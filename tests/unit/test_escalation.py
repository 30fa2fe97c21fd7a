"""The escalation rules: conversation histories in, decision and reason out."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
import yaml

from bot.conversations.events import kind
from bot.embeddings.shared import encode_vector
from bot.escalation import (
    ESCALATION_SLOT,
    LOOKBACK_TURNS,
    Decision,
    EscalationConfig,
    Level,
    Priority,
    Turn,
    assess,
    read_markers,
    recent_turns,
    turns_from_events,
)
from bot.escalation.decision import POLICY_NAME
from bot.escalation.history import recent_window
from tests.conftest import PROJECT

# The tables are written for these thresholds (not the tuned defaults, which may change).
CONFIG = EscalationConfig(
    negative_threshold=0.5,
    angry_negative=0.9,
    offer_negative=0.97,
    offer_negative_turns=2,
    handover_negative_turns=3,
    negativity_rise=0.5,
    offer_failures=2,
    handover_failures=3,
    repeat_similarity=0.85,
    turns_between_offers=3,
)
CALM = {"negative": 0.05, "neutral": 0.85, "positive": 0.10}
UNHAPPY = {"negative": 0.80, "neutral": 0.15, "positive": 0.05}
FURIOUS = {"negative": 0.99, "neutral": 0.005, "positive": 0.005}
HAPPY = {"negative": 0.02, "neutral": 0.08, "positive": 0.90}


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=8).astype(np.float32)
    return vector / np.linalg.norm(vector)


WHERE_IS_ORDER = _unit(1)
RETURN_BOOTS = _unit(2)


def turn(
    text: str,
    intent: str = "ask_order_status",
    sentiment: dict[str, float] | None = CALM,
    *,
    vector: np.ndarray | None = None,
    bot: tuple[str, ...] = ("action_answer_from_knowledge_base",),
    answered: bool = True,
    escalation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "text": text,
        "intent": intent,
        "sentiment": sentiment,
        "vector": vector,
        "bot_actions": bot,
        "answered": answered,
        "escalation": escalation,
    }


FALLBACK = {"intent": "nlu_fallback", "bot": ("action_handle_low_confidence",), "answered": False}


def history(*turns: dict[str, Any]) -> list[Turn]:
    """Numbered turns; the latest has no bot reply yet (the decision comes before it)."""
    built = [Turn(number=i + 1, **t) for i, t in enumerate(turns)]
    last = built[-1]
    built[-1] = Turn(
        number=last.number,
        text=last.text,
        intent=last.intent,
        sentiment=last.sentiment,
        vector=last.vector,
    )
    return built


CASES = [
    pytest.param(
        [turn("where is my order?"), turn("thanks!", "thank", HAPPY)],
        Level.KEEP,
        "",
        id="calm-question-and-thanks",
    ),
    pytest.param(
        [turn("my parcel hasn't arrived yet, can you check?", "report_delivery_problem", UNHAPPY)],
        Level.KEEP,
        "",
        id="one-mildly-negative-problem-report",
    ),
    pytest.param(
        [turn("can I talk to a human", "request_human")],
        Level.HANDOVER,
        "asked for a person",
        id="explicit-request",
    ),
    pytest.param(
        [turn("this is unacceptable, I want to complain", "complaint", FURIOUS)],
        Level.HANDOVER,
        "complaint + negative message (0.99)",
        id="complaint",
    ),
    pytest.param(
        [turn("WHERE IS MY ORDER??? THREE WEEKS!!!", sentiment=FURIOUS)],
        Level.HANDOVER,
        'negative message (0.99) + shouting + "!!!"',
        id="strong-anger-first-message",
    ),
    pytest.param(
        [
            turn(
                "this is the worst service I have ever had, three weeks and nothing",
                sentiment=FURIOUS,
            )
        ],
        Level.OFFER,
        "negative message (0.99)",
        id="very-negative-message",
    ),
    pytest.param(
        [
            turn("where is my order", sentiment=UNHAPPY),
            turn("still nothing, this is getting annoying", sentiment=UNHAPPY),
        ],
        Level.OFFER,
        "negative sentiment 2 turns in a row",
        id="two-negative-turns",
    ),
    pytest.param(
        [
            turn("where is my order", sentiment=UNHAPPY),
            turn("still nothing", sentiment=UNHAPPY),
            turn("this is hopeless", sentiment=UNHAPPY),
        ],
        Level.HANDOVER,
        "negative sentiment 3 turns in a row",
        id="three-negative-turns",
    ),
    pytest.param(
        [turn("blah", **FALLBACK), turn("hmm whatever", **FALLBACK), turn("ok then", "affirm")],
        Level.OFFER,
        "2 fallbacks",
        id="two-fallbacks",
    ),
    pytest.param(
        [
            turn("where's my stuff", vector=WHERE_IS_ORDER),
            turn("no", "deny"),
            turn("where is my order then", vector=WHERE_IS_ORDER),
        ],
        Level.OFFER,
        '"that didn\'t help" once + same question asked again once',
        id="did-not-help-then-asks-again",
    ),
    pytest.param(
        [
            turn("blah", **FALLBACK),
            turn("blah blah", **FALLBACK),
            turn("that didn't help", "not_helpful"),
        ],
        Level.HANDOVER,
        '2 fallbacks + "that didn\'t help" once',
        id="three-failures",
    ),
    pytest.param(
        [turn("where is my order"), turn("that didn't help at all", "not_helpful", UNHAPPY)],
        Level.OFFER,
        'negative message (0.80) + negativity rising by 0.75 + "that didn\'t help" once',
        id="one-failure-and-negative",
    ),
    pytest.param(
        [
            turn("how do I return boots", "ask_returns", vector=RETURN_BOOTS),
            turn("where is my order", vector=WHERE_IS_ORDER),
        ],
        Level.KEEP,
        "",
        id="two-different-questions",
    ),
    pytest.param(
        [turn("hi", "greet", HAPPY), turn("this is useless", sentiment=UNHAPPY)],
        Level.OFFER,
        "negative message (0.80) + negativity rising by 0.78",
        id="negativity-rising",
    ),
    pytest.param(
        [turn("where the hell is my parcel", sentiment=CALM)],
        Level.OFFER,
        "profanity",
        id="swearing",
    ),
    pytest.param(
        [turn("I'd like to speak to someone!!", "request_human", FURIOUS)],
        Level.HANDOVER,
        'asked for a person + negative message (0.99) + "!!!"',
        id="angry-request",
    ),
    pytest.param(
        [turn("where is my order", sentiment=UNHAPPY), turn("/deny", "deny", None)],
        Level.KEEP,
        "",
        id="button-click-has-no-sentiment",
    ),
    pytest.param(
        [turn("this is useless, I want my money back NOW!!!", "ask_refund", FURIOUS)],
        Level.HANDOVER,
        'complaint: demands a refund + negative message (0.99) + "!!!"',
        id="angry-demand-is-a-complaint",
    ),
    pytest.param(
        [turn("I want my money back", "ask_refund", UNHAPPY)],
        Level.HANDOVER,
        "complaint: demands a refund + negative message (0.80)",
        id="unhappy-demand-is-a-complaint",
    ),
    pytest.param(
        [turn("I want my money back", "ask_refund", CALM)],
        Level.KEEP,
        "",
        id="calm-demand-is-a-request",
    ),
    pytest.param(
        [turn("how long does a refund take?", "ask_refund", UNHAPPY)],
        Level.KEEP,
        "",
        id="unhappy-refund-question-is-no-complaint",
    ),
    pytest.param(
        [turn("fine, I'll see you in small claims court then", "nlu_fallback", CALM)],
        Level.HANDOVER,
        "complaint: threatens legal action",
        id="calm-threat-is-a-complaint",
    ),
    pytest.param(
        [turn("i'm going to do a chargeback", "ask_payment", CALM)],
        Level.HANDOVER,
        "complaint: threatens a chargeback",
        id="calm-chargeback-is-a-complaint",
    ),
    pytest.param(
        [turn("this is unacceptable, reporting you to trading standards", "complaint", FURIOUS)],
        Level.HANDOVER,
        "complaint: threatens to go to a regulator or ombudsman + negative message (0.99)",
        id="complaint-intent-with-a-threat-says-which",
    ),
]


@pytest.mark.parametrize(("turns", "level", "reason"), CASES)
def test_assess_decides_from_the_history(turns: list[dict[str, Any]], level: Level, reason: str):
    decision = assess(history(*turns), CONFIG)

    assert decision.level is level
    assert decision.reason == reason


@pytest.mark.parametrize(
    ("turns", "priority"),
    [
        ([turn("complaint", "complaint")], Priority.HIGH),
        ([turn("I AM SO ANGRY!!!", sentiment=FURIOUS)], Priority.HIGH),
        ([turn("a human please", "request_human")], Priority.NORMAL),
        ([turn("a human please!!!", "request_human", FURIOUS)], Priority.HIGH),
        ([turn("x", **FALLBACK), turn("y", **FALLBACK), turn("z", "not_helpful")], Priority.NORMAL),
    ],
)
def test_assess_puts_complaints_and_anger_first(turns, priority):
    assert assess(history(*turns), CONFIG).priority is priority


@pytest.mark.parametrize(
    "turns",
    [
        [turn("complaint", "complaint")],
        [turn("I'll leave a 1 star review everywhere", "nlu_fallback")],
        [turn("get me a person or I'm calling my lawyer", "request_human")],
    ],
)
def test_assess_hands_a_complaint_over_as_one(turns):
    """The trigger "complaint" is what opens a ticket (actions.people.ActionHandoff)."""
    decision = assess(history(*turns), CONFIG)

    assert (decision.level, decision.trigger, decision.priority) == (
        Level.HANDOVER,
        "complaint",
        Priority.HIGH,
    )


OFFERED = {"level": "offer", "reason": "2 fallbacks", "priority": "normal", "trigger": "failures"}


def test_assess_does_not_repeat_an_offer_straight_away():
    turns = [
        turn("blah", **FALLBACK),
        turn("blah blah", **FALLBACK, escalation=OFFERED),
        turn("still no idea", sentiment=UNHAPPY),
        turn("what", sentiment=UNHAPPY),
    ]

    assert assess(history(*turns), CONFIG).level is Level.KEEP


def test_assess_counts_afresh_after_an_offer():
    before = [turn("blah", **FALLBACK), turn("blah blah", **FALLBACK, escalation=OFFERED)]
    calm_after = [turn("ok where is my order"), turn("and returns?", "ask_returns"), turn("ok")]

    assert assess(history(*before, *calm_after), CONFIG).level is Level.KEEP


def test_assess_still_hands_over_after_an_offer():
    turns = [
        turn("blah", **FALLBACK),
        turn("blah blah", **FALLBACK, escalation=OFFERED),
        turn("let me talk to a human", "request_human"),
    ]

    assert assess(history(*turns), CONFIG).level is Level.HANDOVER


def test_assess_offers_again_when_frustration_returns_later():
    turns = [
        turn("blah", **FALLBACK),
        turn("blah blah", **FALLBACK, escalation=OFFERED),
        turn("hmm", **FALLBACK),
        turn("argh", **FALLBACK),
        turn("no", "deny"),
    ]

    assert assess(history(*turns), CONFIG).level is not Level.KEEP


def test_assess_follows_configured_thresholds():
    turns = history(turn("that's poor", sentiment=UNHAPPY))
    strict = dataclasses.replace(CONFIG, offer_negative=0.75)

    assert assess(turns, CONFIG).level is Level.KEEP
    assert assess(turns, strict).level is Level.OFFER


def test_config_from_mapping_reads_known_keys_with_their_types():
    config = EscalationConfig.from_mapping(
        {"offer_failures": "4", "offer_negative": 0.9, "priority": 7, "name": "x"}
    )

    assert config.offer_failures == 4
    assert config.offer_negative == 0.9
    assert config.handover_failures == EscalationConfig().handover_failures


def test_config_from_rasa_config_reads_the_policys_entry(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        "recipe: default.v1\n"
        "policies:\n"
        "  - name: RulePolicy\n"
        "    repeat_similarity: 0.1\n"  # another policy's key: not ours
        f"  - name: {POLICY_NAME}\n"
        "    repeat_similarity: 0.85\n"
        "    offer_failures: 4\n"
    )

    read = EscalationConfig.from_rasa_config(config)

    assert (read.repeat_similarity, read.offer_failures) == (0.85, 4)
    assert EscalationConfig.from_rasa_config(tmp_path / "none.yml") == EscalationConfig()
    # The project's config.yml names the policy so: its thresholds are found.
    policies = yaml.safe_load((PROJECT / "config.yml").read_text())["policies"]
    assert POLICY_NAME in [p["name"] for p in policies]


def test_decision_record_round_trips():
    decision = Decision(Level.HANDOVER, reason="complaint", priority=Priority.HIGH, trigger="c")

    record = decision.as_record(3)

    assert record["turn"] == 3
    assert Decision.from_record(record) == decision
    assert Decision.from_record({"level": "nonsense"}) is None
    assert Decision.from_record(None) is None


@pytest.mark.parametrize(
    ("text", "shouting", "exclamations", "profanity"),
    [
        ("where is my order", False, False, False),
        ("WHERE IS MY ORDER", True, False, False),
        ("I ordered from DHL UK to the USA", False, False, False),
        ("is it FREE?", False, False, False),
        ("hurry up!!!", False, True, False),
        ("really?!?!", False, True, False),
        ("great, thanks!", False, False, False),
        ("what the f*ck", False, False, True),
        ("this is bullshit", False, False, True),
        ("my class was in Scunthorpe", False, False, False),
        ("bloody useless", False, False, True),
        ("the shitake mushrooms arrived", False, False, False),
    ],
)
def test_read_markers(text, shouting, exclamations, profanity):
    markers = read_markers(text)

    assert (markers.shouting, markers.exclamations, markers.profanity) == (
        shouting,
        exclamations,
        profanity,
    )


def _user(text: str, intent: str, sentiment: dict[str, float] | None, vector=None):
    parse: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "text": text}
    if sentiment is not None:
        parse["sentiment"] = {"label": max(sentiment, key=sentiment.get), "scores": sentiment}
    if vector is not None:
        parse["text_embedding"] = encode_vector(vector, model_id="m")
    return {"event": "user", "text": text, "parse_data": parse}


def test_turns_from_events_reads_the_latest_session():
    events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        _user("old", "greet", CALM),
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        _user("where is my order", "ask_order_status", UNHAPPY, WHERE_IS_ORDER),
        {"event": "action", "name": "action_answer_from_knowledge_base"},
        {"event": "slot", "name": "last_article", "value": "orders-tracking"},
        {"event": "bot", "text": "Here is how ..."},
        {"event": "action", "name": "action_listen"},
        _user("/deny", "deny", None),
        {"event": "slot", "name": ESCALATION_SLOT, "value": OFFERED},
        {"event": "action", "name": "action_offer_person"},
    ]

    turns = turns_from_events(events)

    assert [t.number for t in turns] == [1, 2]
    assert turns[0].answered and turns[0].bot_actions == ("action_answer_from_knowledge_base",)
    assert turns[0].negative == pytest.approx(0.8)
    assert turns[0].vector is not None
    assert float(np.dot(turns[0].vector, WHERE_IS_ORDER)) == pytest.approx(1.0, abs=1e-3)
    assert turns[1].sentiment is None and turns[1].escalation == OFFERED
    assert not turns[1].answered


def test_turns_from_events_and_assess_agree_on_stored_conversations():
    events = [
        _user("where is my order", "ask_order_status", CALM, WHERE_IS_ORDER),
        {"event": "action", "name": "action_answer_from_knowledge_base"},
        {"event": "slot", "name": "last_article", "value": "orders-tracking"},
        _user("no", "deny", CALM),
        {"event": "action", "name": "action_handle_not_helpful"},
        _user("where is my order??", "ask_order_status", UNHAPPY, WHERE_IS_ORDER),
    ]

    decision = assess(turns_from_events(events), CONFIG)

    assert decision.level is Level.OFFER
    assert "same question asked again" in decision.reason


def _long_session(customer_turns: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [_user("yesterday", "greet", CALM), {"event": "session_started"}]
    for number in range(1, customer_turns + 1):
        events.append(_user(f"question {number}", "ask_order_status", CALM))
        events.append({"event": "action", "name": "action_answer_from_knowledge_base"})
        events.append({"event": "slot", "name": "last_article", "value": "orders-tracking"})
        events.append({"event": "action", "name": "action_listen"})
    return events


def test_recent_turns_are_the_sessions_latest_numbered_within_it():
    events = _long_session(45)

    recent = recent_turns(events, last=30)

    assert recent == turns_from_events(events)[-30:]
    assert [t.number for t in recent] == list(range(16, 46))
    assert recent[0].text == "question 16" and recent[0].answered


def test_recent_turns_of_a_short_session_are_all_of_it():
    events = _long_session(3)

    assert recent_turns(events, last=30) == turns_from_events(events)
    assert recent_window(events, kind, last=30) == (2, 0)  # after the session start
    assert recent_window(events[2:], kind, last=2) == (4, 1)


def test_the_policy_reads_the_same_recent_turns_from_rasas_tracker():
    from rasa.shared.core.events import Event as RasaEvent
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa_server.policies.frustration import _recent_turns

    events = _long_session(35)
    tracker = DialogueStateTracker.from_events("c", [RasaEvent.from_parameters(e) for e in events])

    turns = _recent_turns(tracker)

    assert [(t.number, t.text, t.answered) for t in turns] == [
        (t.number, t.text, t.answered) for t in recent_turns(events)
    ]
    assert turns[-1].number == 35 and len(turns) == LOOKBACK_TURNS


ANGRY_OFFER = {
    "level": "offer",
    "reason": "negative sentiment 3 turns in a row + 2 fallbacks",
    "priority": "normal",
    "trigger": "negative_streak",
}
HANDED_OVER = {
    "level": "handover",
    "reason": "asked for a person; earlier: 2 fallbacks",
    "priority": "normal",
    "trigger": "asked_for_person",
}


@pytest.mark.parametrize(
    ("earlier", "priority", "reason"),
    [
        (ANGRY_OFFER, Priority.HIGH, f"asked for a person; earlier: {ANGRY_OFFER['reason']}"),
        (OFFERED, Priority.NORMAL, "asked for a person; earlier: 2 fallbacks"),
        (HANDED_OVER, Priority.NORMAL, "asked for a person; earlier: asked for a person"),
        (None, Priority.NORMAL, "asked for a person + 1 fallback"),
    ],
)
def test_a_hand_over_carries_the_earlier_escalation(earlier, priority, reason):
    """Offered a person for anger, then "Talk to a person": the queue item says why, and
    the customer goes first (not "normal priority · asked for a person")."""
    turns = [
        turn("where is my order", sentiment=UNHAPPY),
        turn("this is useless", **FALLBACK, escalation=earlier),
        turn("Talk to a person", "request_human"),
    ]

    decision = assess(history(*turns), CONFIG)

    assert (decision.level, decision.priority, decision.reason) == (
        Level.HANDOVER,
        priority,
        reason,
    )


def test_only_a_hand_over_carries_the_earlier_escalation():
    """An offer after an offer says only what it saw; the hand-over after both says more."""
    offered = [turn("blah", **FALLBACK, escalation=ANGRY_OFFER), turn("x", **FALLBACK)]
    offered += [turn("y", **FALLBACK), turn("z")]
    handed_over = [*offered[:3], turn("z", **FALLBACK), turn("w")]

    offer, handover = assess(history(*offered), CONFIG), assess(history(*handed_over), CONFIG)

    assert (offer.level, offer.reason) == (Level.OFFER, "2 fallbacks")
    assert (handover.level, handover.priority) == (Level.HANDOVER, Priority.HIGH)
    assert handover.reason == f"3 fallbacks; earlier: {ANGRY_OFFER['reason']}"
