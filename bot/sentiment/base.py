"""What a sentiment reading is, and the role every sentiment model plays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

#: The three classes, in the order models report them.
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Sentiment:
    """One message's sentiment: the likeliest label and every label's probability."""

    label: str
    scores: dict[str, float]
    model: str

    @property
    def confidence(self) -> float:
        return self.scores[self.label]

    @property
    def negative(self) -> float:
        return self.scores.get("negative", 0.0)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored with each message in the tracker."""
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "model": self.model,
        }

    @classmethod
    def from_scores(
        cls, scores: dict[str, float], *, model: str, negative_at: float | None = None
    ) -> Sentiment:
        """The likeliest label; with ``negative_at``, negative from that probability on.

        ``negative_at`` is the built-in model's decision threshold for the class that matters
        for escalation, chosen on validation data; the scores are left as they are.
        """
        if negative_at is not None:
            if scores.get("negative", 0.0) >= negative_at:
                return cls(label="negative", scores=scores, model=model)
            others = {k: v for k, v in scores.items() if k != "negative"}
            return cls(label=max(others, key=lambda k: others[k]), scores=scores, model=model)
        label = max(scores, key=lambda name: scores[name])
        return cls(label=label, scores=scores, model=model)


class SentimentModel(Protocol):
    """Texts in, one ``Sentiment`` per text out."""

    @property
    def model_id(self) -> str: ...

    def predict(self, texts: Sequence[str]) -> list[Sentiment]: ...
