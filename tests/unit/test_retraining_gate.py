"""Scoring intents, the quality gate's rules, the report, and the model registry."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.errors import RasaModelError
from bot.retraining.evaluation import Example, score
from bot.retraining.gate import judge
from bot.retraining.registry import ModelRegistry, model_id_of
from bot.retraining.report import write_report
from bot.settings import Settings
from tests.conftest import OPEN_TIME
from tests.fakes import fake_model

SET = [
    Example("where is my parcel", "ask_order_status"),
    Example("track my order", "ask_order_status"),
    Example("send it back", "ask_returns"),
    Example("return policy", "ask_returns"),
]


def test_scores_count_a_fallback_as_wrong_and_average_f1_over_the_sets_intents():
    scores = score(SET, ["ask_order_status", "nlu_fallback", "ask_returns", "ask_returns"])
    assert scores.accuracy == 0.75
    assert scores.per_intent["ask_order_status"]["recall"] == 0.5
    assert scores.per_intent["ask_order_status"]["precision"] == 1.0
    assert scores.per_intent["ask_returns"]["f1"] == 1.0
    assert scores.macro_f1 == pytest.approx((2 / 3 + 1.0) / 2, abs=1e-4)
    assert scores.labels == ("ask_order_status", "ask_returns", "nlu_fallback")
    assert scores.confusion == ((1, 0, 1), (0, 2, 0), (0, 0, 0))
    assert scores.errors == (("track my order", "ask_order_status", "nlu_fallback"),)


PERFECT = ["ask_order_status", "ask_order_status", "ask_returns", "ask_returns"]


def test_the_gate_passes_a_candidate_that_is_not_worse():
    current = score(SET, ["ask_order_status", "nlu_fallback", "ask_returns", "ask_returns"])
    verdict = judge(current, score(SET, PERFECT), stories_passed=True)
    assert verdict.passed and verdict.reasons == []
    assert [c.intent for c in verdict.improved] == ["ask_order_status"]


def test_the_gate_refuses_lower_accuracy_a_large_intent_drop_or_failing_stories():
    current = score(SET, PERFECT)
    worse = score(SET, ["ask_order_status", "ask_order_status", "ask_returns", "nlu_fallback"])
    verdict = judge(current, worse, stories_passed=True, max_intent_drop=0.2)
    assert not verdict.passed
    assert any("accuracy dropped" in r for r in verdict.reasons)
    assert any("macro-F1 dropped" in r for r in verdict.reasons)
    assert any("F1 of ask_returns dropped by 0.33" in r for r in verdict.reasons)
    stories = judge(current, current, stories_passed=False, stories_summary="story 3 failed")
    assert not stories.passed
    assert stories.reasons == ["the test stories failed: story 3 failed"]


def test_one_intent_worse_and_another_better_passes_only_within_the_margin():
    current = score(SET, ["ask_order_status", "ask_order_status", "nlu_fallback", "ask_returns"])
    candidate = score(SET, ["nlu_fallback", "ask_order_status", "ask_returns", "ask_returns"])
    assert candidate.accuracy == current.accuracy and candidate.macro_f1 == current.macro_f1
    loose = judge(current, candidate, stories_passed=True, max_intent_drop=0.4)
    assert loose.passed
    assert [c.intent for c in loose.worse] == ["ask_order_status"]
    assert [c.intent for c in loose.improved] == ["ask_returns"]
    strict = judge(current, candidate, stories_passed=True, max_intent_drop=0.2)
    assert not strict.passed
    assert strict.reasons == [
        "F1 of ask_order_status dropped by 0.33 (1.00 -> 0.67; at most 0.20 allowed)"
    ]


def test_the_report_has_html_a_confusion_image_and_json(tmp_path):
    current, candidate = score(SET, PERFECT), score(SET, PERFECT)
    verdict = judge(current, candidate, stories_passed=True)
    result = {
        "current_model": "a.tar.gz",
        "candidate_model": "b.tar.gz",
        "eval_set": "evaluation/intents.yml",
        "current": current.to_json(),
        "candidate": candidate.to_json(),
        "stories": {"passed": True, "summary": "ok"},
        "verdict": verdict.to_json(),
        "promoted": False,
    }
    page = write_report(tmp_path / "run", result, candidate)
    assert "Candidate model PASSED" in page.read_text()
    assert (tmp_path / "run" / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((tmp_path / "run" / "report.json").read_text())["verdict"]["passed"]


def test_the_registry_promotes_keeps_the_previous_and_rolls_back(tmp_path):
    # No Rasa server runs on this port: the registry records, the next start serves it.
    settings = Settings.create(
        home=tmp_path, models_dir=tmp_path / "models", data_dir=tmp_path / "var", rasa_port=9
    )
    registry = ModelRegistry(settings)
    first = fake_model(settings.rasa_models_dir / "first.tar.gz", "id-1")
    second = fake_model(settings.rasa_models_dir / "second.tar.gz", "id-2")
    assert model_id_of(second) == "id-2"
    registry.record_baseline(first, at=OPEN_TIME)
    entry, loaded = registry.promote(second, by="lead", at=OPEN_TIME)
    assert not loaded and entry.model_id == "id-2"
    assert registry.serving().file == "second.tar.gz"
    assert registry.previous().file == "first.tar.gz"
    assert registry.link.resolve() == second.resolve()
    assert registry.kept_files() == {first, second}
    entry, _ = registry.rollback(by="lead", at=OPEN_TIME)
    assert entry.file == "first.tar.gz" and registry.link.resolve() == first.resolve()
    assert registry.previous().file == "second.tar.gz"
    assert [(event, e.file) for event, e in registry.history()] == [
        ("baseline", "first.tar.gz"),
        ("promoted", "second.tar.gz"),
        ("rolled back", "first.tar.gz"),
    ]


def test_rollback_without_a_previous_model_says_so(tmp_path):
    settings = Settings.create(home=tmp_path, data_dir=tmp_path / "var", rasa_port=9)
    with pytest.raises(RasaModelError, match="no previous model"):
        ModelRegistry(settings).rollback(by="lead", at=OPEN_TIME)
    with pytest.raises(RasaModelError, match="not a readable Rasa model"):
        model_id_of(tmp_path / "missing.tar.gz")


def test_a_macro_f1_drop_within_the_noise_passes_only_with_the_same_accuracy():
    current = score(SET, PERFECT)
    tiny = dataclasses.replace(current, macro_f1=current.macro_f1 - 0.003)
    assert judge(current, tiny, stories_passed=True).passed
    larger = dataclasses.replace(current, macro_f1=current.macro_f1 - 0.01)
    assert not judge(current, larger, stories_passed=True).passed
    less_accurate = dataclasses.replace(tiny, accuracy=current.accuracy - 0.01)
    verdict = judge(current, less_accurate, stories_passed=True)
    assert any("macro-F1 dropped" in r for r in verdict.reasons)
