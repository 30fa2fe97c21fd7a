"""Mining: which customer messages are worth a lead's look, and near-duplicate grouping."""

from __future__ import annotations

import numpy as np
import pytest

from bot.embeddings.shared import TEXT_EMBEDDING, encode_vector
from bot.review.clustering import cluster, cluster_by_language
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


# -- confident wrong answers --------------------------------------------------------------------

YES_NO = [
    {"title": "Yes, thanks", "payload": "/affirm"},
    {"title": "No", "payload": "/not_helpful"},
]


def answered(article):
    """What actions/knowledge.py's reply_with_answer leaves in the tracker."""
    return [
        bot("The answer.\n\nDid that answer your question?", YES_NO),
        slot("last_article", article),
        slot("offered_articles", None),
        slot("awaiting_feedback", True),
    ]


QUESTION = "can I return a sale item"


def after_an_answer(*replies):
    return rows(
        "c1",
        [user(QUESTION, "ask_returns", 0.93), *answered("returns-sale-items"), *replies],
    )


@pytest.mark.parametrize(
    ("reply", "also"),
    [
        (user("no", "deny", 0.95), {Signal.NEGATIVE_FEEDBACK}),
        (user("that didn't help", "not_helpful", 0.97), {Signal.NEGATIVE_FEEDBACK}),
        (user("/not_helpful", "not_helpful", 1.0), {Signal.NEGATIVE_FEEDBACK}),  # the No button
        (user("can sale items be returned at all", "ask_returns", 0.9), set()),  # asked again
        (user("let me talk to a person", "request_human", 0.98), set()),
        (user("I'd like to leave a message", "leave_message", 0.9), set()),  # for a person
    ],
    ids=["no", "didnt-help", "no-button", "asked-again", "person", "message"],
)
def test_a_confident_answer_the_customer_then_shows_wrong_is_answered_wrongly(reply, also):
    (found,) = mine(after_an_answer(reply))
    assert found.text == QUESTION
    assert found.signals == {Signal.ANSWERED_WRONGLY, *also}
    assert found.answered_article == "returns-sale-items"


def test_asked_again_is_read_from_the_stored_embeddings_when_both_have_them():
    def embedded(event, vector):
        event["parse_data"][TEXT_EMBEDDING] = encode_vector(
            np.asarray(vector, dtype=np.float32), model_id="minilm"
        )
        return event

    question = embedded(user("how long does delivery take", "ask_shipping", 0.9), [1, 0, 0])
    same = embedded(user("how many days until it arrives", "ask_shipping", 0.9), [0.9, 0.2, 0])
    other = embedded(user("how long does delivery of a sofa take", "ask_shipping", 0.9), [0, 1, 0])
    wrong = mine(rows("c1", [question, *answered("shipping-costs"), same]))
    assert [(m.text, m.signals) for m in wrong] == [
        ("how long does delivery take", {Signal.ANSWERED_WRONGLY})
    ]
    # Many words shared, another meaning (a follow-up question): not asked again.
    assert mine(rows("c1", [question, *answered("shipping-times"), other])) == []


def test_asked_again_uses_the_configured_similarity():
    def embedded(event, vector):
        event["parse_data"][TEXT_EMBEDDING] = encode_vector(
            np.asarray(vector, dtype=np.float32), model_id="minilm"
        )
        return event

    question = embedded(user("how long does delivery take", "ask_shipping", 0.9), [1, 0, 0])
    close = embedded(user("how many days until it arrives", "ask_shipping", 0.9), [0.8, 0.6, 0])
    events = rows("c1", [question, *answered("shipping-costs"), close])  # cosine 0.8
    assert [m.signals for m in mine(events)] == [{Signal.ANSWERED_WRONGLY}]  # default 0.7
    assert mine(events, repeat_similarity=0.85) == []  # as config.yml may set it


@pytest.mark.parametrize(
    "reply",
    [
        user("thanks", "thank", 0.97),
        user("great, thank you so much", "thank", 0.9),
        user("do you sell gift cards", "ask_gift_cards", 0.92),  # a new, unrelated question
        user("/affirm", "affirm", 1.0),  # the "Yes, thanks" button
        user("/ask_shipping", "ask_shipping", 1.0),  # a topic button
        # A complaint says the customer is unhappy, not that this answer was wrong (it may be
        # about the order itself); "no", asking again or asking for a person say that.
        user("this is a disgrace, I want to complain", "complaint", 0.9),
    ],
    ids=["thanks", "thank-you", "new-question", "yes-button", "topic-button", "complaint"],
)
def test_thanks_a_new_question_or_a_click_after_an_answer_is_no_wrong_answer(reply):
    assert mine(after_an_answer(reply)) == []


def test_an_answer_to_a_choice_the_customer_made_is_not_an_outright_answer():
    menu = [
        {"title": "Sale items", "payload": '/choose_option{"article_id": "returns-sale-items"}'},
        {"title": "Returns", "payload": '/choose_option{"article_id": "returns-how-to"}'},
    ]
    events = rows(
        "c1",
        [
            user(QUESTION, "ask_returns", 0.93),
            bot("Did you mean ...?", menu),
            user('/choose_option{"article_id": "returns-sale-items"}', "choose_option", 1.0),
            *answered("returns-sale-items"),
            user("no", "deny", 0.95),
        ],
    )
    (found,) = mine(events)
    assert found.signals == {Signal.NEGATIVE_FEEDBACK}  # as before: it did not help
    assert found.answered_article is None


def test_an_unsure_message_answered_outright_records_the_article_without_a_wrong_answer():
    events = rows(
        "c1",
        [
            user("sale stuff back?", "ask_returns", 0.41),
            *answered("returns-sale-items"),
            user("thanks", "thank", 0.97),
        ],
    )
    (found,) = mine(events)
    assert found.signals == {Signal.LOW_CONFIDENCE}
    assert found.answered_article == "returns-sale-items"


def test_only_the_customers_next_message_shows_the_answer_wrong():
    late = rows(
        "c1",
        [
            user(QUESTION, "ask_returns", 0.93),
            *answered("returns-sale-items"),
            user("thanks", "thank", 0.97),
            user("talk to a person", "request_human", 0.98),
        ],
    )
    assert mine(late) == []


def test_messages_meant_for_people_are_not_mined():
    """Typed while waiting for an agent, to the agent, or as a message for the team."""
    events = rows(
        "c1",
        [
            user("I need a human", "request_human", 0.95),
            slot("handoff", {"id": "h1", "status": "queued"}),
            user("my order FH1234 came broken, photo coming", "nlu_fallback", 0.2, fallback=True),
            slot("handoff", {"id": "h1", "status": "assigned"}),
            user("yes the blue one, size 42", "affirm", 0.3, fallback=True),
            slot("handoff", {"id": "h1", "status": "closed"}),
            user("can I pay with klarna", "ask_payment", 0.3, fallback=True),  # the bot's again
            slot("handoff", {"id": None, "status": "taking_message", "draft": ""}),
            user("call me back on 0123 456789 please", "nlu_fallback", 0.2, fallback=True),
            slot("handoff", {"id": "h2", "status": "message_left"}),
        ],
    )

    assert [c.text for c in mine(events)] == ["can I pay with klarna"]


def test_each_candidate_keeps_the_bots_reply_and_what_came_next():
    events = rows(
        "c1",
        [
            user("can it go to my neighbour", "ask_shipping", 0.31, fallback=True),
            bot("Sorry, I didn't get that."),
            bot("You can ask about orders, delivery or returns."),
            user("/request_human", "request_human", 1.0),
            user("my email is kim@example.com", "nlu_fallback", 0.2, fallback=True),
        ],
    )

    first, last = mine(events)

    assert (
        first.bot_reply
        == "Sorry, I didn't get that.\nYou can ask about orders, delivery or returns."
    )
    assert first.next_message == "/request_human"
    assert (last.bot_reply, last.next_message) == (None, None)  # nothing yet


def test_an_agents_message_is_not_the_bots_reply():
    agent = bot("Hi, I'm Anna from the team.")
    agent["metadata"] = {"agent": "anna"}
    events = rows(
        "c1",
        [user("can it go to my neighbour", "ask_shipping", 0.31, fallback=True), agent],
    )

    [found] = mine(events)

    assert found.bot_reply is None


def test_groups_hold_one_language_and_unclear_messages_join_the_english_ones():
    same = unit(1, 0, 0)
    vectors = np.stack([same, same, same, same, unit(0, 1, 0)])
    languages = ["it", "en", None, "it", "lt"]
    leaders = np.stack([same, same])  # an open English group, then an Italian one

    groups = cluster_by_language(
        vectors, languages, leaders=leaders, leader_languages=[None, "it"], threshold=0.9
    )

    # The same vector in Italian joins the Italian group; in English or unclear, the group
    # whose language was not clear (taken as English); Lithuanian starts its own.
    assert groups == [1, 0, 0, 1, 2]


def test_a_candidate_keeps_its_language_or_its_conversations():
    def written(text, language):
        event = user(text, "greet", 0.2, fallback=True)
        event["parse_data"]["language"] = {"code": language, "score": 0.97}
        return event

    events = rows(
        "c1",
        [
            written("come posso restituire un articolo", "it"),
            written("boh", "it"),  # too short to tell: the conversation's
        ],
    )
    events += [(9, "c2", user("qwxz", "greet", 0.2, fallback=True))]

    assert [(c.conversation_id, c.language) for c in mine(events)] == [
        ("c1", "it"),
        ("c1", "it"),
        ("c2", None),
    ]


def test_a_fallback_the_bot_answered_from_a_translation_is_not_a_candidate_unless_wrong():
    italian = user("Come posso restituire un articolo?", "ask_returns", 0.2, fallback=True)
    italian["parse_data"]["language"] = {"code": "it", "score": 0.98}
    answered_in_italian = [italian, *answered("returns-how-to")]
    assert mine(rows("c1", [*answered_in_italian, user("Sì, grazie", "affirm", 1.0)])) == []
    (wrong,) = mine(rows("c2", [*answered_in_italian, user("No", "not_helpful", 1.0)]))
    assert wrong.signals == {Signal.NEGATIVE_FEEDBACK, Signal.ANSWERED_WRONGLY}
    (unanswered,) = mine(rows("c3", [answered_in_italian[0], bot("Mi dispiace, ...")]))
    assert unanswered.signals == {Signal.FALLBACK}
    english = user("sale stuff back, how?", "ask_returns", 0.2, fallback=True)
    (taught,) = mine(rows("c4", [english, *answered("returns-how-to"), user("thanks", "thank", 1)]))
    assert taught.signals == {Signal.FALLBACK}  # in English: the intents have something to learn
