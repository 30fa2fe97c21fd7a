"""Intent classification quality by 5-fold cross-validation on data/nlu/.

Compares our ``IntentModel`` (embedding + character n-grams) with an embedding-only model, and
reports the trade-off behind the FallbackClassifier threshold in config.yml: how many messages
the bot acts on directly, and how accurate those are, at each confidence threshold.
With ``--with-diet`` it also cross-validates Rasa's DIET (``bench/diet_config.yml``) with
``rasa test nlu --cross-validation`` on the same data (about 6 minutes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bench.common import PROJECT, write_result


def training_examples() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for path in sorted((PROJECT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip():
                    texts.append(line.strip()[2:].strip())
                    labels.append(block["intent"])
    return texts, labels


def cross_validated(
    embedder: Any, texts: list[str], labels: list[str], *, char_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each example's predicted intent and its confidence, by 5-fold stratified
    cross-validation (seed 13) of ``IntentModel`` on ``embedder``'s vectors."""
    from sklearn.model_selection import StratifiedKFold

    from bot.intents import IntentModel
    from bot.text import inspect_message

    cleaned = [inspect_message(t).cleaned for t in texts]
    y = np.array(labels)
    embeddings = embedder.embed(cleaned)
    predicted = np.empty(len(y), dtype=object)
    confidence = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=13)
    for train, test in folds.split(embeddings, y):
        model = IntentModel.fit(
            [cleaned[i] for i in train], embeddings[train], y[train], char_weight=char_weight
        )
        probabilities = model.predict_proba([cleaned[i] for i in test], embeddings[test])
        predicted[test] = [model.labels[i] for i in probabilities.argmax(axis=1)]
        confidence[test] = probabilities.max(axis=1)
    return predicted, confidence


def diet_cross_validation() -> dict[str, object]:
    """Rasa's own 5-fold cross-validation of the DIET reference pipeline."""
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as out:
        command = [
            str(Path(sys.executable).with_name("rasa")), "test", "nlu",
            "--nlu", "data/nlu", "--config", "bench/diet_config.yml",
            "--cross-validation", "--folds", "5", "--out", out,
        ]  # fmt: skip
        subprocess.run(
            command,
            cwd=PROJECT,
            env=Settings.create(home=PROJECT).child_environment(),
            check=True,
            capture_output=True,
        )
        report = json.loads((Path(out) / "intent_report.json").read_text())
    return {
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "method": "rasa test nlu --cross-validation --folds 5, bench/diet_config.yml",
    }


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sklearn.metrics import f1_score

    from bot.embeddings import SentenceTransformerEmbedder, resolve_model_path

    texts, labels = training_examples()
    y = np.array(labels)
    embedder = SentenceTransformerEmbedder(resolve_model_path(None))

    results = {}
    for name, char_weight in (("embedding_and_char_ngrams", 0.5), ("embedding_only", 0.0)):
        started = time.perf_counter()
        predicted, confidence = cross_validated(embedder, texts, labels, char_weight=char_weight)
        seconds = time.perf_counter() - started
        correct = predicted == y
        per_intent = f1_score(y, predicted.astype(str), average=None, labels=sorted(set(labels)))
        trade_off = []
        for threshold in np.arange(0.1, 0.75, 0.05):
            accepted = confidence >= threshold
            trade_off.append(
                {
                    "threshold": round(float(threshold), 2),
                    "acted_on": round(float(accepted.mean()), 4),
                    "accuracy_when_acted_on": round(float(correct[accepted].mean()), 4)
                    if accepted.any()
                    else None,
                    "wrong_and_acted_on": round(float((~correct & accepted).mean()), 4),
                }
            )
        results[name] = {
            "accuracy": round(float(correct.mean()), 4),
            "macro_f1": round(float(f1_score(y, predicted.astype(str), average="macro")), 4),
            "weakest_intents": {
                intent: round(float(score), 3)
                for score, intent in sorted(zip(per_intent, sorted(set(labels)), strict=True))[:6]
            },
            "fallback_threshold_trade_off": trade_off,
            "train_seconds_per_fold": round(seconds / 5, 2),
        }
        print(name, results[name]["accuracy"], results[name]["macro_f1"])

    if "--with-diet" in sys.argv:
        results["rasa_diet_reference"] = diet_cross_validation()
        print("rasa_diet_reference", results["rasa_diet_reference"])

    write_result(
        "nlu_eval",
        {
            "data": {
                "examples": len(texts),
                "intents": len(set(labels)),
                "per_intent": dict(Counter(labels)),
            },
            "method": "5-fold stratified cross-validation (seed 13) on data/nlu/*.yml",
            "models": results,
        },
    )


if __name__ == "__main__":
    main()
