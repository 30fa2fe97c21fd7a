from __future__ import annotations

import pytest

from bot.errors import KnowledgeBaseError
from bot.knowledge.evaluation import (
    LabelledQuery,
    QueryOutcome,
    load_queries,
    run_queries,
    score,
)
from bot.knowledge.search_config import SearchConfig

CONFIG = SearchConfig(answer_threshold=0.5, clarify_margin=0.0)


def outcome(expected, ranked, scores, ms=10.0):
    return QueryOutcome(LabelledQuery("q", expected), tuple(ranked), tuple(scores), ms)


def test_score_follows_the_documented_definitions():
    outcomes = [
        outcome("a", ["a", "b"], [0.9, 0.4]),  # answered, right, rank 1
        outcome("b", ["a", "b"], [0.8, 0.7]),  # answered, wrong, rank 2
        outcome("c", ["a", "b", "x", "c"], [0.3, 0.2, 0.1, 0.05]),  # declined, rank 4
        outcome(None, ["a"], [0.7]),  # out of scope but answered: wrong
        outcome(None, ["a"], [0.2]),  # out of scope, declined: right
    ]

    metrics = score(outcomes, CONFIG)

    assert metrics["n"] == 5
    assert metrics["top1"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["top3"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 4) / 3, abs=1e-4)
    assert metrics["answered_rate"] == pytest.approx(3 / 5)
    assert metrics["answered_precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["abstain_recall"] == pytest.approx(1 / 2)


def test_score_reports_latency_percentiles():
    outcomes = [outcome("a", ["a"], [0.9], ms=float(ms)) for ms in range(1, 101)]

    metrics = score(outcomes, CONFIG)

    assert metrics["p50_ms"] == pytest.approx(50.5, abs=0.5)
    assert metrics["p95_ms"] == pytest.approx(95, abs=1)


def test_a_set_without_out_of_scope_queries_has_no_abstain_recall():
    assert score([outcome("a", ["a"], [0.9])], CONFIG)["abstain_recall"] is None


def test_queries_csv_reads_empty_expected_ids_as_out_of_scope(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("text,expected_id\nwhere is my order,orders-tracking\nweather?,\n")

    assert load_queries(path) == [
        LabelledQuery("where is my order", "orders-tracking"),
        LabelledQuery("weather?", None),
    ]


def test_queries_csv_needs_both_columns(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text("question,answer\nx,y\n")

    with pytest.raises(KnowledgeBaseError, match="text,expected_id"):
        load_queries(path)


def test_run_queries_rejects_ids_the_index_does_not_have(demo_searcher):
    with pytest.raises(KnowledgeBaseError, match="not-an-article"):
        run_queries(demo_searcher, [LabelledQuery("hello", "not-an-article")])


def test_confident_wrong_answers_and_right_choices_are_counted():
    config = SearchConfig(answer_threshold=0.5, clarify_margin=0.1)
    outcomes = [
        outcome("a", ["a", "b"], [0.9, 0.4]),  # answered right
        outcome("b", ["a", "b"], [0.9, 0.3]),  # answered wrong: confident and wrong
        outcome(None, ["a"], [0.8]),  # out of scope, answered: confident and wrong
        outcome("b", ["a", "b"], [0.9, 0.85]),  # "Did you mean a or b?": the right one offered
        outcome("c", ["a", "b", "c"], [0.9, 0.85, 0.2]),  # asked, without the right one
    ]

    metrics = score(outcomes, config)

    assert metrics["confident_wrong"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["clarify_right"] == pytest.approx(1 / 2)
