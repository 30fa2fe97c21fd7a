"""How long ``supportbot retrain`` takes for the demo bot on this machine, step by step.

The same steps as the command, on a copy of the project's data, with models written to a
temporary folder: a first ``rasa train`` (empty cache), then the training a retrain does after
one review decision (one NLU example more; Rasa's component cache reuses what did not
change), scoring the model on the frozen evaluation set (loading it as the server does, then
one parse per message), and the test stories. A retrain scores two models (serving and
candidate), so the total counts the scoring twice.

Run: ``.venv/bin/python -m bench.retrain`` → ``bench/results/retrain.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.common import PROJECT, write_result
from bot.retraining.evaluation import evaluate
from bot.retraining.retrain import load_eval_set, run_story_tests
from bot.review.training_data import IntentFile
from bot.runtime.training import ensure_trained
from bot.settings import Settings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        home = copy_project(root / "project")
        # Rasa caches trained components (.rasa/cache); an empty cache is a first training.
        os.environ["RASA_CACHE_DIRECTORY"] = str(root / "rasa-cache")
        settings = Settings.create(home=home, models_dir=root / "models", data_dir=root / "var")
        started = time.perf_counter()
        ensure_trained(settings, force=True)
        cold_seconds = time.perf_counter() - started
        # What a lead's retrain trains: one reviewed message more, Rasa's cache warm.
        IntentFile(home / "data" / "nlu" / "shipping.yml").add(
            "ask_shipping", ["can my parcel be left with a neighbour"]
        )
        started = time.perf_counter()
        model = ensure_trained(settings)
        train_seconds = time.perf_counter() - started
        examples = load_eval_set(home / "evaluation" / "intents.yml")
        started = time.perf_counter()
        scores = evaluate(model, examples)
        score_seconds = time.perf_counter() - started
        started = time.perf_counter()
        passed, summary = run_story_tests(settings, model)
        stories_seconds = time.perf_counter() - started
    total = train_seconds + 2 * score_seconds + stories_seconds
    result = {
        "first_train_seconds": round(cold_seconds, 1),
        "train_after_a_review_decision_seconds": round(train_seconds, 1),
        "score_one_model_seconds": round(score_seconds, 1),
        "stories_seconds": round(stories_seconds, 1),
        "retrain_total_seconds": round(total, 1),
        "eval_messages": len(examples),
        "accuracy": round(scores.accuracy, 4),
        "macro_f1": round(scores.macro_f1, 4),
        "stories_passed": passed,
        "stories": summary,
        "incremental": "Rasa's own component cache: after a review decision only the NLU "
        "components retrain (our intent classifier takes about a second); no fine-tuning",
    }
    write_result("retrain", result)
    print(json.dumps(result))


def copy_project(home: Path) -> Path:
    """What ``rasa train`` and the fingerprint read, copied so the bench may edit it."""
    home.mkdir(parents=True)
    for name in ("config.yml", "domain.yml", "credentials.yml", "endpoints.yml"):
        shutil.copy2(PROJECT / name, home / name)
    # Our code is the installed package's (a `bot/` folder here would shadow it for Rasa).
    for name in ("data", "evaluation", "tests/stories"):
        shutil.copytree(PROJECT / name, home / name, ignore=shutil.ignore_patterns("__pycache__"))
    return home


if __name__ == "__main__":
    main()
