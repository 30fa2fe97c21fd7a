"""Scoring a Rasa model's intents on a labelled set: accuracy, macro-F1, per-intent F1.

The model is loaded in this process exactly as the Rasa server loads it (``Agent.load``),
so what is scored is what customers would get, fallback threshold included: a message the
model is unsure about counts as ``nlu_fallback``, which is never the right answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import RasaModelError

logger = logging.getLogger(__name__)

FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]  # intent -> precision, recall, f1, support
    labels: tuple[str, ...]  # the confusion matrix's rows and columns
    confusion: tuple[tuple[int, ...], ...]  # [expected][predicted]
    errors: tuple[tuple[str, str, str], ...]  # (text, expected, predicted)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_intent": self.per_intent,
            "labels": list(self.labels),
            "confusion": [list(row) for row in self.confusion],
            "errors": [{"text": t, "expected": e, "predicted": p} for t, e, p in self.errors],
        }


def score(examples: Sequence[Example], predicted: Sequence[str]) -> Scores:
    """Scores of ``predicted`` intents against the examples' intents.

    Macro-F1 averages over the intents of the set (those with examples), so an intent the
    model never predicts counts as 0, and a wrong prediction lowers two intents' F1.
    """
    if len(examples) != len(predicted):
        raise ValueError("one prediction per example")
    expected = [e.intent for e in examples]
    intents = sorted(set(expected))
    pairs = Counter(zip(expected, predicted, strict=True))
    per_intent: dict[str, dict[str, float]] = {}
    for intent in intents:
        true_positive = pairs[(intent, intent)]
        support = sum(1 for e in expected if e == intent)
        predicted_count = sum(1 for p in predicted if p == intent)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent[intent] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    correct = sum(1 for e, p in zip(expected, predicted, strict=True) if e == p)
    labels = tuple(intents + sorted(set(predicted) - set(intents)))
    position = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for e, p in zip(expected, predicted, strict=True):
        matrix[position[e]][position[p]] += 1
    return Scores(
        n=len(examples),
        accuracy=correct / len(examples) if examples else 0.0,
        macro_f1=sum(v["f1"] for v in per_intent.values()) / len(intents) if intents else 0.0,
        per_intent=per_intent,
        labels=labels,
        confusion=tuple(tuple(row) for row in matrix),
        errors=tuple(
            (ex.text, ex.intent, p)
            for ex, p in zip(examples, predicted, strict=True)
            if ex.intent != p
        ),
    )


def predict(model: Path, texts: Sequence[str]) -> list[str]:
    """The intent the model (as served, fallback included) gives each text."""
    from rasa.core.agent import Agent

    if not model.is_file():
        raise RasaModelError(f"no model at {model}", hint="run `supportbot train`")
    _quiet_rasa()
    logger.info("loading %s to evaluate it", model.name)
    agent = Agent.load(str(model))

    async def parse_all() -> list[str]:
        found = []
        for text in texts:
            result = await agent.parse_message(text)
            found.append(str((result.get("intent") or {}).get("name") or FALLBACK))
        return found

    return asyncio.run(parse_all())


def evaluate(model: Path, examples: Sequence[Example]) -> Scores:
    return score(examples, predict(model, [e.text for e in examples]))


def _quiet_rasa() -> None:
    """Rasa logs every parse at debug level through structlog; keep the output readable."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)
