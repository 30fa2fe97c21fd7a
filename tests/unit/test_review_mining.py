"""Mining: which customer messages are worth a lead's look, and near-duplicate grouping."""

from __future__ import annotations

import numpy as np

from bot.review.clustering import cluster
from bot.review.mining import Signal, mine

T0 = 1_795_000_000.0


def user(text, intent, confidence, *, ts=T0, fallback=False, model="m1"):
    ranking = [{"name": intent, "confidence": confidence}]
    top = {"name": "nlu_fallback", "confidence": 0.3} if fallback else ranking[0]
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "metadata": {"model_id": model},
        "parse_data": {"intent": top, "intent_ranking": [top, *ranking]},
    }


def bot(text, buttons=()):
    return {"event": "bot", "text": text, "data": {"buttons": list(buttons)}}


def slot(name, value):
    return {"event": "slot", "name": name, "value": value}


def rows(conversation, events):
    return [(row, conversation, event) for row, event in enumerate(events, start=1)]


def test_confident_understood_messages_are_not_candidates():
    events = rows("c1", [user("where is my order", "ask_order_status", 0.95)])
    assert mine(events) == []


def test_fallback_and_low_confidence_messages_are_candidates_with_the_best_real_guess():
    events = rows(
        "c1",
        [
            user("can it go to my neighbour", "ask_shipping", 0.31, fallback=True),
            user("about the thing", "ask_product_info", 0.42),
            user("thanks", "thank", 0.4),  # conversational: not a misunderstanding
        ],
    )
    found = mine(events)
    assert [(c.text, c.intent, c.signals) for c in found] == [
        ("can it go to my neighbour", "ask_shipping", {Signal.FALLBACK}),
        ("about the thing", "ask_product_info", {Signal.LOW_CONFIDENCE}),
    ]
    assert found[0].model_id == "m1"
    assert found[0].key == "c1:1"


def test_rejected_choices_negative_feedback_and_handoff_mark_the_question_before_them():
    menu = [
        {"title": "Returns", "payload": "/ask_returns"},
        {"title": "Refunds", "payload": "/ask_refund"},
    ]
    events = rows(
        "c1",
        [
            user("money back for the broken tent", "ask_refund", 0.9),
            bot("Did you mean ...?", menu),
            user("none of those", "deny", 0.8),  # typed, not a click: choices rejected
            user("my tent pole snapped", "ask_warranty", 0.92),
            slot("awaiting_feedback", True),
            user("no that didnt help", "not_helpful", 0.9),
            user("talk to a person", "request_human", 0.97),
            slot("handoff", {"status": "queued"}),
        ],
    )
    found = {c.text: c for c in mine(events)}
    assert found["money back for the broken tent"].signals == {Signal.REJECTED_CHOICES}
    assert found["my tent pole snapped"].signals == {
        Signal.NEGATIVE_FEEDBACK,
        Signal.BEFORE_HANDOFF,
    }
    assert all(c.asked_for_person for c in found.values())


def test_a_click_on_a_choice_is_not_a_rejection_and_clicks_are_never_candidates():
    menu = [
        {"title": "A", "payload": '/choose_option{"article_id": "a"}'},
        {"title": "B", "payload": '/choose_option{"article_id": "b"}'},
    ]
    events = rows(
        "c1",
        [
            user("which coat", "ask_product_info", 0.9),
            bot("Did you mean ...?", menu),
            user('/choose_option{"article_id": "a"}', "choose_option", 1.0),
        ],
    )
    assert mine(events) == []


def test_conversations_are_mined_separately():
    events = rows("c1", [user("hmm", "greet", 0.2, fallback=True)])
    events += [(10, "c2", user("what", "greet", 0.2, fallback=True))]
    assert sorted(c.conversation_id for c in mine(events)) == ["c1", "c2"]


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_clustering_groups_near_duplicates_and_joins_existing_groups():
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.1, 0), unit(0, 0, 1)])
    leaders = np.stack([unit(0, 0, 1)])
    groups = cluster(vectors, leaders=leaders, threshold=0.9)
    assert groups[0] == groups[2] != groups[1]
    assert groups[3] == 0  # joined the existing group
    assert min(groups[:3]) >= 1


def test_clustering_many_vectors_across_blocks_is_consistent():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 16)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, 5, size=3000)
    noisy = centres[labels] + rng.normal(scale=0.01, size=(3000, 16)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    groups = cluster(noisy, threshold=0.9)
    assert len(set(groups)) == 5
    for label in range(5):
        assert len({groups[i] for i in np.flatnonzero(labels == label)}) == 1
