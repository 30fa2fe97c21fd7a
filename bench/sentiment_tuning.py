"""Choosing the sentiment recipe without looking at the held-out split.

The training split of ``data/sentiment/`` is split again (1 in 5 by a salted text hash) into
a validation part; every candidate recipe is trained on the rest and scored on the
validation part. The held-out split that ``sentiment_eval.py`` reports is never touched
here, so its figure stays an honest estimate for the recipe chosen.

Grid: how many top encoder layers are fine-tuned (``from_layer`` 3 or 4 of 6), the
learning rate and the number of epochs. Selection: the best validation negative-class F1;
a tie within 0.002 goes to the cheaper recipe (fewer layers per message, then fewer epochs).
Takes about half an hour on 2 cores.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from bench.common import PROJECT, write_result
from bot.sentiment import dataset
from bot.sentiment.branch import SentimentBranch
from bot.sentiment.evaluation import evaluate
from bot.sentiment.training import RECIPE, embedder_for
from bot.settings import Settings

GRID = {"from_layer": (3, 4), "learning_rate": (1e-4, 2e-4), "epochs": (3, 4)}
TIE = 0.002


def run(
    recipe: dict[str, Any], fit: list[dataset.Example], validation: list[dataset.Example]
) -> dict[str, Any]:
    embedder = embedder_for(Settings.from_env(), threads=2)
    started = time.monotonic()
    branch = SentimentBranch.initial(embedder, recipe["from_layer"])
    branch.train(
        [e.text for e in fit],
        [e.label for e in fit],
        epochs=recipe["epochs"],
        learning_rate=recipe["learning_rate"],
    )
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


def main() -> None:
    train, _heldout = dataset.split(dataset.load_folder(PROJECT / "data" / "sentiment"))
    fit, validation = dataset.split(train, salt="validation")
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
        },
    )


if __name__ == "__main__":
    main()
