"""How sure the bot must be to answer from the knowledge base (``knowledge_base/search.yml``).

The thresholds are calibrated from labelled queries by ``supportbot kb calibrate``, which
writes this file with a note of what it was calibrated on; they are not picked by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeBaseError

#: Used only when no calibration exists (e.g. a freshly imported CSV knowledge base).
UNCALIBRATED_ANSWER_THRESHOLD = 0.5
UNCALIBRATED_CLARIFY_MARGIN = 0.03


@dataclass(frozen=True)
class SearchConfig:
    """Decision thresholds on cosine similarity between a message and an article."""

    answer_threshold: float = UNCALIBRATED_ANSWER_THRESHOLD
    clarify_margin: float = UNCALIBRATED_CLARIFY_MARGIN
    calibration: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not -1.0 <= self.answer_threshold <= 1.0:
            raise KnowledgeBaseError("answer_threshold must be between -1 and 1")
        if not 0.0 <= self.clarify_margin <= 1.0:
            raise KnowledgeBaseError("clarify_margin must be between 0 and 1")

    @property
    def is_calibrated(self) -> bool:
        return bool(self.calibration)


def load_search_config(path: Path) -> SearchConfig:
    """Read ``search.yml``; a missing file means the uncalibrated defaults."""
    if not path.is_file():
        return SearchConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(f"{path}: expected a mapping")
    try:
        return SearchConfig(
            answer_threshold=float(raw.get("answer_threshold", UNCALIBRATED_ANSWER_THRESHOLD)),
            clarify_margin=float(raw.get("clarify_margin", UNCALIBRATED_CLARIFY_MARGIN)),
            calibration=dict(raw.get("calibration") or {}),
        )
    except (TypeError, ValueError):
        raise KnowledgeBaseError(f"{path}: thresholds must be numbers") from None


def save_search_config(config: SearchConfig, path: Path) -> None:
    header = (
        "# Knowledge-base answer thresholds, written by `supportbot kb calibrate`.\n"
        "# answer_threshold: below this similarity the bot declines and offers a person.\n"
        "# clarify_margin: when the best two articles are closer than this, the bot asks\n"
        '# "Did you mean ...?" instead of guessing. Re-run the command to recalibrate.\n'
    )
    body = yaml.safe_dump(
        {
            "answer_threshold": round(config.answer_threshold, 4),
            "clarify_margin": round(config.clarify_margin, 4),
            "calibration": config.calibration,
        },
        sort_keys=False,
        allow_unicode=True,
    )
    path.write_text(header + body, encoding="utf-8")
