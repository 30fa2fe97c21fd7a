from __future__ import annotations

import pytest

from bot.knowledge import Article
from bot.knowledge.calibration import (
    best_utility,
    calibrate,
    choose_clarifying,
    choose_threshold,
    sweep_thresholds,
)
from bot.knowledge.evaluation import LabelledQuery, QueryCandidates, QueryOutcome, outcomes_for
from bot.knowledge.search import Candidate
from bot.knowledge.search_config import SearchConfig


def outcome(expected, top, score):
    return QueryOutcome(LabelledQuery("q", expected), (top, "other"), (score, score - 0.3), 1.0)


# Right answers score high, wrong ones and out-of-scope queries lower: a threshold between
# 0.60 and 0.70 answers every right one and declines everything else.
OUTCOMES = [
    outcome("a", "a", 0.90),
    outcome("b", "b", 0.80),
    outcome("c", "c", 0.70),
    outcome("d", "x", 0.60),  # wrong article
    outcome(None, "x", 0.55),  # out of scope
    outcome(None, "y", 0.30),
]


def test_the_chosen_threshold_answers_the_right_ones_and_declines_the_rest():
    points = sweep_thresholds(OUTCOMES, wrong_answer_cost=2.0)

    threshold = choose_threshold(points)

    assert 0.60 < threshold <= 0.70
    best = max(points, key=lambda p: p.utility)
    assert (best.correct_answers, best.wrong_answers, best.declined_out_of_scope) == (3, 0, 2)


def test_a_cheaper_wrong_answer_lowers_the_threshold():
    outcomes = [*OUTCOMES, outcome("e", "e", 0.58), outcome("f", "f", 0.57)]

    strict = choose_threshold(sweep_thresholds(outcomes, wrong_answer_cost=5.0))
    lenient = choose_threshold(sweep_thresholds(outcomes, wrong_answer_cost=0.5))

    assert lenient < strict


def candidates_for(expected, phrasing_right, phrasing_wrong, answer_right, answer_wrong):
    right = Candidate(Article(expected, "?", (), "!", "g"), "t", phrasing_right, answer_right, 0.0)
    wrong = Candidate(Article("other", "?", (), "!", "g"), "t", phrasing_wrong, answer_wrong, 0.0)
    return QueryCandidates(LabelledQuery("q", expected), (right, wrong), 1.0)


def test_calibration_uses_the_answer_score_when_it_ranks_better():
    # Phrasings alone put the wrong article first; the answers' similarity fixes it.
    collected = [candidates_for(f"a{i}", 0.70, 0.72, 0.8, 0.2) for i in range(5)]

    config, _, metrics = calibrate(
        collected, base=SearchConfig(), queries_name="t.csv", model_id="m"
    )

    assert config.answer_weight > 0
    assert metrics["top1"] == 1.0
    assert config.calibration["queries"] == "t.csv"


def test_calibration_prefers_no_extra_weight_when_it_does_not_help():
    collected = [candidates_for(f"a{i}", 0.9, 0.5, 0.5, 0.5) for i in range(5)]

    config, _, _ = calibrate(collected, base=SearchConfig(), queries_name="t", model_id="m")

    assert (config.answer_weight, config.lexical_weight) == (0.0, 0.0)


@pytest.mark.parametrize("cost", [1.0, 2.0, 4.0])
def test_calibration_records_how_it_was_made(cost):
    collected = [candidates_for("a", 0.9, 0.3, 0.5, 0.1)]

    config, _, _ = calibrate(
        collected, base=SearchConfig(), wrong_answer_cost=cost, queries_name="q.csv", model_id="m@1"
    )

    assert config.calibration["wrong_answer_cost"] == cost
    assert config.calibration["model"] == "m@1"


@pytest.mark.parametrize("cost", [0.5, 2.0, 5.0])
def test_the_one_pass_best_utility_is_the_sweeps_best(cost):
    outcomes = [
        *OUTCOMES,
        outcome("e", "x", 0.95),
        outcome(None, "z", 0.85),
        outcome("f", "f", 0.75),  # tied with a wrong answer: no threshold separates them
        outcome("g", "x", 0.75),
    ]

    best = max(p.utility for p in sweep_thresholds(outcomes, wrong_answer_cost=cost))

    assert best_utility(outcomes, wrong_answer_cost=cost) == pytest.approx(best)


def classified(expected, right_classifier, wrong_classifier):
    """Phrasings put the wrong article first; only the classifier knows better."""
    right = Candidate(
        Article(expected, "?", (), "!", "g"), "t", 0.70, 0.0, 0.0, classifier=right_classifier
    )
    wrong = Candidate(
        Article("other", "?", (), "!", "g"), "t", 0.72, 0.0, 0.0, classifier=wrong_classifier
    )
    return QueryCandidates(LabelledQuery("q", expected), (right, wrong), 1.0)


def test_calibration_weighs_the_classifier_when_it_ranks_better():
    collected = [classified(f"a{i}", 0.8, 0.1) for i in range(5)]

    config, _, metrics = calibrate(collected, base=SearchConfig(), queries_name="t", model_id="m")

    assert config.classifier_weight > 0
    assert metrics["top1"] == 1.0


def disagreeing(expected):
    """The score favours "best" by far; the classifier, too weak to move it, favours "pick"."""
    best = Candidate(Article("best", "?", (), "!", "g"), "t", 0.9, 0.0, 0.0, classifier=0.01)
    pick = Candidate(Article("pick", "?", (), "!", "g"), "t", 0.6, 0.0, 0.0, classifier=0.06)
    return QueryCandidates(LabelledQuery("q", expected), (best, pick), 1.0)


@pytest.mark.parametrize(("expected", "asks"), [("pick", True), ("best", False)])
def test_calibration_asks_when_the_classifier_disagrees_only_if_that_rescues_answers(
    expected, asks
):
    base = SearchConfig(answer_threshold=0.5)
    outcomes = outcomes_for([disagreeing(expected) for _ in range(4)], base)

    assert choose_clarifying(outcomes, base).clarify_on_disagreement is asks
