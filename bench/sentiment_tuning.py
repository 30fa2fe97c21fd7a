"""Choosing the sentiment recipe without looking at the held-out split.

The training split of ``data/sentiment/`` is split again (1 in 5 by a salted text hash) into
a validation part; every candidate recipe is trained on the rest and scored on the
validation part. The held-out split that ``sentiment_eval.py`` reports is never touched
here, so its figure stays an honest estimate for the recipe chosen.

Grid: how many top encoder layers are fine-tuned (``from_layer`` 3 or 4 of 6), the
learning rate and the number of epochs. Selection: the best validation negative-class F1;
a tie within 0.002 goes to the cheaper recipe (fewer layers per message, then fewer epochs).
Takes about half an hour on 2 cores.

Then, for the recipe in use, the decision threshold of the negative class (``negative_at``:
a message is negative from that probability on): the same validation part, thresholds
0.30-0.50 against the plain likeliest label; a tie within 0.002 keeps the plain label.
``--negative-at`` runs only this second step (about 5 minutes).
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from typing import Any

from bench.common import PROJECT, write_result
from bot.sentiment import dataset
from bot.sentiment.base import Sentiment
from bot.sentiment.branch import SentimentBranch
from bot.sentiment.evaluation import class_scores, evaluate
from bot.sentiment.training import RECIPE, embedder_for
from bot.settings import Settings

GRID = {"from_layer": (3, 4), "learning_rate": (1e-4, 2e-4), "epochs": (3, 4)}
TIE = 0.002
THRESHOLDS = (0.30, 0.35, 0.40, 0.45, 0.50)
RESULT = PROJECT / "bench" / "results" / "sentiment_tuning.json"


def trained(recipe: dict[str, Any], fit: list[dataset.Example]) -> SentimentBranch:
    embedder = embedder_for(Settings.from_env(), threads=2)
    branch = SentimentBranch.initial(embedder, int(recipe["from_layer"]))
    branch.train(
        [e.text for e in fit],
        [e.label for e in fit],
        epochs=int(recipe["epochs"]),
        learning_rate=float(recipe["learning_rate"]),
    )
    return branch


def run(
    recipe: dict[str, Any], fit: list[dataset.Example], validation: list[dataset.Example]
) -> dict[str, Any]:
    started = time.monotonic()
    branch = trained(recipe, fit)
    metrics = evaluate(branch, validation, timed=False)
    return {
        **recipe,
        "training_seconds": round(time.monotonic() - started, 1),
        "negative_f1": metrics["negative_f1"],
        "accuracy": metrics["accuracy"],
        "macro_f1": metrics["macro_f1"],
    }


def choose(results: list[dict[str, Any]]) -> dict[str, Any]:
    best = max(r["negative_f1"] for r in results)
    close = [r for r in results if r["negative_f1"] >= best - TIE]
    return min(close, key=lambda r: (-r["from_layer"], r["epochs"], -r["negative_f1"]))


def negative_at(fit: list[dataset.Example], validation: list[dataset.Example]) -> dict[str, Any]:
    """The negative-class threshold for the recipe in use, on the validation part."""
    branch = trained(RECIPE, fit)
    readings = branch.predict([e.text for e in validation])
    gold = [e.label for e in validation]

    def f1(threshold: float | None) -> float:
        predicted = [
            Sentiment.from_scores(r.scores, model="", negative_at=threshold).label for r in readings
        ]
        return class_scores(gold, predicted, "negative")[2]

    plain = f1(None)
    scores = {f"{t:.2f}": f1(t) for t in THRESHOLDS}
    best = max(THRESHOLDS, key=lambda t: (scores[f"{t:.2f}"], t))
    chosen = best if scores[f"{best:.2f}"] > plain + TIE else None
    return {
        "recipe": {k: RECIPE[k] for k in GRID},
        "plain_likeliest_label_f1": plain,
        "negative_f1_by_threshold": scores,
        "chosen": chosen,
    }


def main() -> None:
    train, _heldout = dataset.split(dataset.load_folder(PROJECT / "data" / "sentiment"))
    fit, validation = dataset.split(train, salt="validation")
    if "--negative-at" in sys.argv:
        result = json.loads(RESULT.read_text(encoding="utf-8"))
        result = {k: v for k, v in result.items() if k not in ("benchmark", "date", "machine")}
        result.setdefault("grid_date", json.loads(RESULT.read_text(encoding="utf-8"))["date"])
        write_result("sentiment_tuning", {**result, "negative_at": negative_at(fit, validation)})
        return
    results = []
    for values in itertools.product(*GRID.values()):
        recipe = dict(zip(GRID, values, strict=True))
        results.append(run(recipe, fit, validation))
        print(results[-1], flush=True)
    chosen = choose(results)
    write_result(
        "sentiment_tuning",
        {
            "setup": "validation = 1 in 5 of the training split (salted text hash); "
            "the held-out split is not used",
            "data_fingerprint": dataset.fingerprint(PROJECT / "data" / "sentiment"),
            "fit_examples": len(fit),
            "validation_examples": len(validation),
            "selection": f"best validation negative F1; within {TIE} the cheaper recipe",
            "results": results,
            "chosen": chosen,
            "recipe_in_use": {k: RECIPE[k] for k in GRID},
            "negative_at": negative_at(fit, validation),
        },
    )


if __name__ == "__main__":
    main()
