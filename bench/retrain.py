"""How long ``supportbot retrain`` takes for the demo bot on this machine, step by step.

The same steps as the command, on the project's own data, with models written to a
temporary folder: a full ``rasa train`` (no cache), scoring the model on the frozen
evaluation set (loading it as the server does, then one parse per message), and the test
stories. A retrain scores two models (serving and candidate), so the total counts the
scoring twice. There is no incremental fine-tuning: our intent classifier trains in about a
second; the rest is Rasa's own training pipeline (rules, memoization, domain).

Run: ``.venv/bin/python -m bench.retrain`` → ``bench/results/retrain.json``.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from bench.common import PROJECT, write_result
from bot.retraining.evaluation import evaluate
from bot.retraining.retrain import load_eval_set, run_story_tests
from bot.runtime.training import ensure_trained
from bot.settings import Settings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        settings = Settings.create(home=PROJECT, models_dir=root / "models", data_dir=root / "var")
        started = time.perf_counter()
        model = ensure_trained(settings, force=True)
        train_seconds = time.perf_counter() - started
        examples = load_eval_set(PROJECT / "evaluation" / "intents.yml")
        started = time.perf_counter()
        scores = evaluate(model, examples)
        score_seconds = time.perf_counter() - started
        started = time.perf_counter()
        passed, summary = run_story_tests(settings, model)
        stories_seconds = time.perf_counter() - started
    total = train_seconds + 2 * score_seconds + stories_seconds
    result = {
        "train_seconds": round(train_seconds, 1),
        "score_one_model_seconds": round(score_seconds, 1),
        "stories_seconds": round(stories_seconds, 1),
        "retrain_total_seconds": round(total, 1),
        "eval_messages": len(examples),
        "accuracy": round(scores.accuracy, 4),
        "macro_f1": round(scores.macro_f1, 4),
        "stories_passed": passed,
        "stories": summary,
        "incremental": "not used: the intent classifier itself trains in about a second",
    }
    write_result("retrain", result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
