"""The quality gate: a candidate model is promoted only if it is not worse than the current.

Both are scored on the frozen evaluation set. The candidate passes when

- its overall accuracy is at least the current model's, and so is its macro-F1, give or take
  ``MACRO_F1_NOISE`` (allowed only when accuracy did not drop),
- no intent's F1 dropped by more than ``max_intent_drop`` (an intent the candidate knows and
  the current model does not can only improve),
- and Rasa's test stories (``tests/stories/``) pass with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.retraining.evaluation import Scores

#: Default largest F1 drop allowed for any one intent. The shipped evaluation set has about
#: four messages per intent, where one changed prediction moves an intent's F1 by 0.1 to
#: 0.15 and two by 0.3 or more: the default tolerates one, never two.
MAX_INTENT_DROP = 0.2
#: A macro-F1 drop this small passes when accuracy did not drop: on the shipped 120-message
#: set, one message moving from one wrong answer to another (an unsure "fallback" to a wrong
#: intent) lowers macro-F1 by about 0.003 with the same accuracy; a message moving from right
#: to wrong lowers accuracy, which is never allowed.
MACRO_F1_NOISE = 0.005
#: Scores are compared with this tolerance (rounding), never more.
EPSILON = 1e-9


@dataclass(frozen=True)
class Change:
    intent: str
    current_f1: float
    candidate_f1: float

    @property
    def delta(self) -> float:
        return self.candidate_f1 - self.current_f1


@dataclass
class Verdict:
    passed: bool
    reasons: list[str] = field(default_factory=list)  # why it failed (empty if it passed)
    improved: list[Change] = field(default_factory=list)
    worse: list[Change] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def changes(items: list[Change]) -> list[dict[str, Any]]:
            return [
                {
                    "intent": c.intent,
                    "current_f1": c.current_f1,
                    "candidate_f1": c.candidate_f1,
                    "delta": round(c.delta, 4),
                }
                for c in items
            ]

        return {
            "passed": self.passed,
            "reasons": self.reasons,
            "improved": changes(self.improved),
            "worse": changes(self.worse),
        }


def judge(
    current: Scores,
    candidate: Scores,
    *,
    stories_passed: bool,
    stories_summary: str = "",
    max_intent_drop: float = MAX_INTENT_DROP,
) -> Verdict:
    verdict = Verdict(passed=True)
    if candidate.accuracy + EPSILON < current.accuracy:
        verdict.reasons.append(
            f"accuracy dropped: {current.accuracy:.3f} -> {candidate.accuracy:.3f}"
        )
    allowed = MACRO_F1_NOISE if candidate.accuracy + EPSILON >= current.accuracy else 0.0
    if candidate.macro_f1 + allowed + EPSILON < current.macro_f1:
        verdict.reasons.append(
            f"macro-F1 dropped: {current.macro_f1:.3f} -> {candidate.macro_f1:.3f}"
        )
    for intent in sorted(set(current.per_intent) | set(candidate.per_intent)):
        before = current.per_intent.get(intent, {}).get("f1", 0.0)
        after = candidate.per_intent.get(intent, {}).get("f1", 0.0)
        change = Change(intent, before, after)
        if change.delta > EPSILON:
            verdict.improved.append(change)
        elif change.delta < -EPSILON:
            verdict.worse.append(change)
            if -change.delta > max_intent_drop + EPSILON:
                verdict.reasons.append(
                    f"F1 of {intent} dropped by {-change.delta:.2f} "
                    f"({before:.2f} -> {after:.2f}; at most {max_intent_drop:.2f} allowed)"
                )
    if not stories_passed:
        verdict.reasons.append(
            f"the test stories failed{': ' + stories_summary if stories_summary else ''}"
        )
    verdict.improved.sort(key=lambda c: -c.delta)
    verdict.worse.sort(key=lambda c: c.delta)
    verdict.passed = not verdict.reasons
    return verdict
