from __future__ import annotations

import pytest

from bot.dialogue.fallback import (
    RankedIntent,
    Step,
    clarify_topic_reply,
    plan,
    plausible_topics,
    unclear_in_a_row,
)
from bot.text import TextFlag

NONE: frozenset[TextFlag] = frozenset()


@pytest.mark.parametrize(
    ("flags", "kb", "topics", "unclear", "step"),
    [
        (NONE, True, [], 1, Step.ANSWER_FROM_KNOWLEDGE_BASE),
        (NONE, False, ["ask_refund"], 1, Step.CLARIFY_TOPIC),
        (NONE, False, [], 1, Step.ASK_TO_REPHRASE),
        (NONE, False, ["ask_refund"], 2, Step.OFFER_PERSON),
        (NONE, True, [], 3, Step.ANSWER_FROM_KNOWLEDGE_BASE),  # the KB knows: answer anyway
        (frozenset({TextFlag.EMPTY}), False, [], 1, Step.ASK_FOR_WORDS),
        (frozenset({TextFlag.NO_WORDS}), False, [], 2, Step.ASK_FOR_WORDS),
        (frozenset({TextFlag.NO_WORDS}), False, [], 3, Step.OFFER_PERSON),
        (frozenset({TextFlag.NOT_LATIN}), False, ["ask_refund"], 1, Step.ONLY_ENGLISH),
    ],
)
def test_the_ladder_climbs_from_knowledge_base_to_topics_to_a_person(
    flags, kb, topics, unclear, step
):
    assert (
        plan(flags=flags, knowledge_base_can_answer=kb, topics=topics, unclear_count=unclear)
        is step
    )


def test_plausible_topics_skip_conversation_intents_and_weak_guesses():
    ranking = [
        RankedIntent("nlu_fallback", 0.5),
        RankedIntent("greet", 0.3),
        RankedIntent("ask_refund", 0.2),
        RankedIntent("ask_returns", 0.1),
        RankedIntent("ask_shipping", 0.09),
        RankedIntent("ask_discount", 0.08),
        RankedIntent("ask_warranty", 0.01),
    ]

    assert plausible_topics(ranking) == ["ask_refund", "ask_returns", "ask_shipping"]


@pytest.mark.parametrize(
    ("intents", "count"),
    [
        ([], 0),
        (["greet"], 0),
        (["greet", "nlu_fallback"], 1),
        (["nlu_fallback", "ask_refund", "nlu_fallback", "nlu_fallback"], 2),
    ],
)
def test_unclear_in_a_row_counts_the_latest_run_only(intents, count):
    assert unclear_in_a_row(intents) == count


def test_topic_choices_always_include_a_person():
    reply = clarify_topic_reply(["ask_refund", "ask_returns"])

    payloads = [b.payload for b in reply.buttons]
    assert payloads[:2] == ["/ask_refund", "/ask_returns"]
    assert "/request_human" in payloads
