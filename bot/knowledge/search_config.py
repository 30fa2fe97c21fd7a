"""How articles are ranked, and how sure the bot must be to answer (``knowledge_base/search.yml``).

An article's score is ``phrasing + answer_weight * answer + lexical_weight * lexical +
classifier_weight * classifier + kind_weight * kind``: the cosine similarity of its closest
phrasing, of its question-and-answer text, a saturated word-overlap score, the probability the
knowledge base's own classifier gives it (``article_classifier``), and how well its kind fits
the kind of answer asked for (``answer_kind``). The weights and the thresholds are
calibrated from labelled queries by ``supportbot kb calibrate``, which writes this file with a
note of what it was calibrated on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeBaseError

#: Used only when no calibration exists (e.g. a freshly imported CSV knowledge base). The
#: weights are what calibration chose for the demo knowledge base.
UNCALIBRATED_ANSWER_THRESHOLD = 0.75
UNCALIBRATED_CLARIFY_MARGIN = 0.03
DEFAULT_ANSWER_WEIGHT = 0.3
DEFAULT_LEXICAL_WEIGHT = 0.2
DEFAULT_LEXICAL_SATURATION = 5.0
DEFAULT_CLASSIFIER_WEIGHT = 0.0
DEFAULT_KIND_WEIGHT = 0.0


@dataclass(frozen=True)
class SearchConfig:
    """Decision thresholds on cosine similarity between a message and an article."""

    answer_threshold: float = UNCALIBRATED_ANSWER_THRESHOLD
    clarify_margin: float = UNCALIBRATED_CLARIFY_MARGIN
    answer_weight: float = DEFAULT_ANSWER_WEIGHT
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT
    lexical_saturation: float = DEFAULT_LEXICAL_SATURATION
    classifier_weight: float = DEFAULT_CLASSIFIER_WEIGHT
    kind_weight: float = DEFAULT_KIND_WEIGHT
    #: Ask "Did you mean ...?" when the classifier's likeliest article is not the best-scored.
    clarify_on_disagreement: bool = False
    #: Fine-tune the encoder's top layers on the articles' phrasings at build time
    #: (``tuned_encoder``): all vectors of the index, and every query, in that space.
    tune_encoder: bool = False
    calibration: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.clarify_margin <= 1.0:
            raise KnowledgeBaseError("clarify_margin must be between 0 and 1")
        weights = (self.answer_weight, self.lexical_weight, self.classifier_weight)
        if min(*weights, self.kind_weight) < 0:
            raise KnowledgeBaseError("the weights must not be negative")
        if self.lexical_saturation <= 0:
            raise KnowledgeBaseError("lexical_saturation must be positive")

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
            answer_weight=float(raw.get("answer_weight", DEFAULT_ANSWER_WEIGHT)),
            lexical_weight=float(raw.get("lexical_weight", DEFAULT_LEXICAL_WEIGHT)),
            lexical_saturation=float(raw.get("lexical_saturation", DEFAULT_LEXICAL_SATURATION)),
            classifier_weight=float(raw.get("classifier_weight", DEFAULT_CLASSIFIER_WEIGHT)),
            kind_weight=float(raw.get("kind_weight", DEFAULT_KIND_WEIGHT)),
            clarify_on_disagreement=_flag(raw, "clarify_on_disagreement", path),
            tune_encoder=_flag(raw, "tune_encoder", path),
            calibration=dict(raw.get("calibration") or {}),
        )
    except (TypeError, ValueError):
        raise KnowledgeBaseError(f"{path}: thresholds must be numbers") from None


def _flag(raw: dict[str, Any], key: str, path: Path) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise KnowledgeBaseError(f"{path}: {key} must be true or false")
    return value


def save_search_config(config: SearchConfig, path: Path) -> None:
    header = (
        "# Knowledge-base ranking and answer thresholds, written by `supportbot kb calibrate`.\n"
        "# An article's score = phrasing + answer_weight * answer + lexical_weight * lexical\n"
        "#   + classifier_weight * classifier + kind_weight * kind (similarity of its closest\n"
        "# phrasing, of its whole answer, word overlap, the probability the classifier learned\n"
        "# from the articles' phrasings gives it, and how well its kind -- a limit or cost, or\n"
        "# steps -- fits the kind of answer asked for).\n"
        "# answer_threshold: below this score the bot declines and offers a person.\n"
        "# clarify_margin: when the best two articles are closer than this, the bot asks\n"
        '# "Did you mean ...?" instead of guessing. clarify_on_disagreement: ask it too when\n'
        "# the classifier's likeliest article is another than the best-scored one.\n"
        "# tune_encoder: fine-tune the encoder's top layers on the articles' phrasings when\n"
        "# the index is built (slower build, better ranking; see bot/knowledge/tuned_encoder.py).\n"
        "# Re-run the command to recalibrate.\n"
    )
    body = yaml.safe_dump(
        {
            "answer_threshold": round(config.answer_threshold, 4),
            "clarify_margin": round(config.clarify_margin, 4),
            "answer_weight": config.answer_weight,
            "lexical_weight": config.lexical_weight,
            "lexical_saturation": config.lexical_saturation,
            "classifier_weight": config.classifier_weight,
            "kind_weight": config.kind_weight,
            "clarify_on_disagreement": config.clarify_on_disagreement,
            "tune_encoder": config.tune_encoder,
            "calibration": config.calibration,
        },
        sort_keys=False,
        allow_unicode=True,
    )
    path.write_text(header + body, encoding="utf-8")
