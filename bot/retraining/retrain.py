"""``supportbot retrain``: train a candidate, judge it against the serving model, promote it.

1. The serving model: the registry's, else the one the running server reports (recorded as
   the baseline, so that from now on only the gate changes what customers get).
2. The candidate: the model for the project's current training data (trained if needed,
   named by the fingerprint of its inputs like every model ``supportbot run`` trains).
3. Both are scored on the frozen evaluation set; the candidate also runs the test stories.
4. The gate (``gate.py``) decides; the report says what improved and what got worse.
5. A passing candidate is promoted into the running server (unless ``promote=False``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import RasaModelError
from bot.retraining.evaluation import Example, evaluate
from bot.retraining.gate import MAX_INTENT_DROP, judge
from bot.retraining.registry import ModelRegistry, running_model
from bot.retraining.report import write_report
from bot.review.training_data import IntentFile
from bot.runtime.training import ensure_trained, rasa_executable, run_logged, tail
from bot.settings import Settings

logger = logging.getLogger(__name__)

STORIES = Path("tests") / "stories"
STORIES_TIMEOUT = 900


@dataclass(frozen=True)
class RetrainOptions:
    max_intent_drop: float = MAX_INTENT_DROP
    promote: bool = True
    by: str = "supportbot retrain"


def retrain(
    settings: Settings, options: RetrainOptions, *, clock: Callable[[], datetime]
) -> dict[str, Any]:
    """Run the steps above; returns the report's JSON (also written to the report folder)."""
    started = time.monotonic()
    registry = ModelRegistry(settings)
    current = _serving_model(settings, registry, clock)
    train_started = time.monotonic()
    candidate = ensure_trained(settings)
    train_seconds = time.monotonic() - train_started
    examples = load_eval_set(settings.eval_set_file)
    result: dict[str, Any] = {
        "current_model": current.name,
        "candidate_model": candidate.name,
        "eval_set": str(settings.eval_set_file),
        "train_seconds": round(train_seconds, 1),
    }
    if candidate.resolve() == current.resolve():
        result.update(changed=False, passed=True, promoted=False)
        result["message"] = "the training data has not changed since the serving model"
        return result
    current_scores = evaluate(current, examples)
    candidate_scores = evaluate(candidate, examples)
    stories_passed, stories_summary = run_story_tests(settings, candidate)
    verdict = judge(
        current_scores,
        candidate_scores,
        stories_passed=stories_passed,
        stories_summary=stories_summary,
        max_intent_drop=options.max_intent_drop,
    )
    now = clock()
    folder = settings.data_dir / "retrain" / f"{now:%Y%m%d-%H%M%S}-{candidate.name.split('.')[0]}"
    result.update(
        changed=True,
        passed=verdict.passed,
        current=current_scores.to_json(),
        candidate=candidate_scores.to_json(),
        stories={"passed": stories_passed, "summary": stories_summary},
        verdict=verdict.to_json(),
        max_intent_drop=options.max_intent_drop,
        promoted=False,
        report=str(folder / "report.html"),
    )
    if verdict.passed and options.promote:
        try:
            _, loaded = registry.promote(candidate, by=options.by, at=now, report=result["report"])
        except RasaModelError as exc:  # the report is still written; nothing was switched
            result["passed"] = False
            result["promotion_error"] = exc.message
        else:
            result["promoted"] = True
            result["loaded_into_running_server"] = loaded
    result["total_seconds"] = round(time.monotonic() - started, 1)
    write_report(folder, result, candidate_scores)
    return result


def load_eval_set(path: Path) -> list[Example]:
    examples = [
        Example(text, intent)
        for intent, texts in IntentFile(path).examples().items()
        for text in texts
    ]
    if not examples:
        raise RasaModelError(
            f"the evaluation set {path} is missing or empty",
            hint="it ships with the project (evaluation/intents.yml); restore it from git",
        )
    return examples


def _serving_model(
    settings: Settings, registry: ModelRegistry, clock: Callable[[], datetime]
) -> Path:
    entry = registry.serving()
    if entry is not None:
        path = registry.file(entry)
        if path.is_file():
            return path
        raise RasaModelError(f"the serving model {path} is missing", hint="see var/models.json")
    reported = running_model(settings)
    if reported is None:
        raise RasaModelError(
            "no serving model to compare with: the product is not running",
            hint="start it with `make run` (or `supportbot run`), then retrain",
        )
    path = Path(reported)  # Rasa reports the file name it was started with
    if path.name == registry.link.name:
        path = registry.link
    elif not path.is_absolute():
        path = settings.rasa_models_dir / path.name
    path = path.resolve()
    registry.record_baseline(path, at=clock())
    logger.info("recorded %s as the serving model", path.name)
    return path


def run_story_tests(settings: Settings, model: Path) -> tuple[bool, str]:
    """Rasa's test stories (NLU included) against ``model``: (passed, one-line summary)."""
    stories = settings.home / STORIES
    if not stories.exists():
        return True, f"no test stories in {STORIES}"
    out = settings.data_dir / "retrain" / "stories"
    log = settings.logs_dir / "retrain_stories.log"
    command = [
        rasa_executable(), "test", "core", "--e2e",
        "--stories", str(stories),
        "--model", str(model),
        "--out", str(out),
        "--fail-on-prediction-errors", "--no-plot",
    ]  # fmt: skip
    if run_logged(command, settings, log, timeout=STORIES_TIMEOUT) == 0:
        return True, "all test stories passed"
    return False, f"see {log}: {tail(log, 3)}"
