"""``kb eval``'s diagnosis: confusions, per-article precision, confident wrong answers."""

from __future__ import annotations

from bot.knowledge.diagnosis import OUT_OF_SCOPE, diagnose
from bot.knowledge.evaluation import LabelledQuery, QueryOutcome
from bot.knowledge.search_config import SearchConfig

CONFIG = SearchConfig(answer_threshold=0.5, clarify_margin=0.05)


def outcome(text, expected, ranked, scores):
    return QueryOutcome(LabelledQuery(text, expected), tuple(ranked), tuple(scores), 1.0)


OUTCOMES = [
    outcome(
        "how long to return", "returns-policy", ["returns-how-to", "returns-policy"], [0.9, 0.7]
    ),
    outcome("return window", "returns-policy", ["returns-how-to", "returns-policy"], [0.4, 0.3]),
    outcome("send it back", "returns-how-to", ["returns-how-to", "returns-policy"], [0.9, 0.6]),
    outcome("is it free", "returns-cost", ["returns-how-to", "returns-cost"], [0.8, 0.78]),
    outcome("weather today", None, ["returns-how-to"], [0.7]),
    outcome("tell me a joke", None, ["returns-cost"], [0.2]),
]


def test_confusions_count_which_article_came_first_instead_of_the_expected_one():
    confusions = diagnose(OUTCOMES, CONFIG)["confusions"]

    assert confusions[0] == {
        "expected": "returns-policy",
        "ranked_first": "returns-how-to",
        "queries": 2,
    }
    assert {"expected": "returns-cost", "ranked_first": "returns-how-to", "queries": 1} in (
        confusions
    )
    assert all(c["expected"] != OUT_OF_SCOPE for c in confusions)


def test_confident_wrong_answers_are_outright_answers_with_another_article():
    wrong = diagnose(OUTCOMES, CONFIG)["confident_wrong_answers"]

    # Declined ("return window") and "Did you mean" ("is it free") are not confident.
    assert [(w["text"], w["expected"], w["answered"]) for w in wrong] == [
        ("how long to return", "returns-policy", "returns-how-to"),
        ("weather today", OUT_OF_SCOPE, "returns-how-to"),
    ]


def test_each_articles_precision_is_how_often_an_answer_with_it_was_right():
    articles = diagnose(OUTCOMES, CONFIG)["per_article"]

    assert articles["returns-how-to"] == {
        "queries": 1,
        "ranked_first": 1,
        "answered_with_it": 3,
        "precision": round(1 / 3, 4),
    }
    assert articles["returns-policy"]["precision"] is None  # never given outright
    assert articles["returns-policy"]["queries"] == 2
