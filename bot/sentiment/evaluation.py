"""Scoring a sentiment model on labelled messages (``supportbot sentiment eval``).

Figures: ``n``, ``accuracy``, precision / recall / F1 of the negative class (the one that
matters for escalation) and of the others, the confusion matrix, and the time to read one
message (``p50_ms``, ``p95_ms``: one message at a time, as the bot reads them).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from bot.sentiment.base import LABELS, SentimentModel
from bot.sentiment.dataset import Example


def evaluate(
    model: SentimentModel, examples: Sequence[Example], *, timed: bool = True
) -> dict[str, Any]:
    if not examples:
        raise ValueError("no labelled messages to evaluate on")
    texts = [e.text for e in examples]
    timings: list[float] = []
    if timed:
        predicted = []
        for text in texts:
            started = time.perf_counter()
            predicted.append(model.predict([text])[0].label)
            timings.append((time.perf_counter() - started) * 1000)
    else:
        predicted = [s.label for s in model.predict(texts)]
    gold = [e.label for e in examples]
    result: dict[str, Any] = {
        "n": len(examples),
        "accuracy": _round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)),
    }
    for label in LABELS:
        precision, recall, f1 = class_scores(gold, predicted, label)
        result |= {f"{label}_precision": precision, f"{label}_recall": recall, f"{label}_f1": f1}
    result["macro_f1"] = _round(statistics.fmean(result[f"{label}_f1"] for label in LABELS))
    result["confusion"] = {
        g: {
            p: sum(1 for a, b in zip(gold, predicted, strict=True) if (a, b) == (g, p))
            for p in LABELS
        }
        for g in LABELS
    }
    if timings:
        ordered = sorted(timings)
        result["p50_ms"] = _round(statistics.median(ordered), 2)
        result["p95_ms"] = _round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
    result["model"] = model.model_id
    return result


def class_scores(gold: list[str], predicted: list[str], label: str) -> tuple[float, float, float]:
    true_positive = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == label)
    predicted_count = predicted.count(label)
    gold_count = gold.count(label)
    precision = true_positive / predicted_count if predicted_count else 0.0
    recall = true_positive / gold_count if gold_count else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return _round(precision), _round(recall), _round(f1)


def _round(value: float, digits: int = 4) -> float:
    return round(value, digits)
