"""Deciding, after each customer message, whether to keep going, offer a person or hand over.

Reads the whole session, not one message: the sentiment of the latest turns and its trend,
what went wrong (fallbacks, "that didn't help", the same question asked again), the explicit
signals (asking for a person, a complaint: the ``complaint`` intent, or a demand, threat or
chargeback in the wording, see ``complaint_signs``) and how the message was typed (capitals,
"!!!", swearing). Every escalation carries a reason a person can read, e.g. "negative
sentiment 3 turns in a row + 2 fallbacks", and a priority for the agent queue.

The rules, first match wins (thresholds from ``EscalationConfig``, set in config.yml). A
message counts as negative when the model gives it at least ``negative_threshold``:

hand over now
  * a complaint (high): the intent, or the wording (a threat, a chargeback, or a demand for
    the money back insisted on or from a negative message); it opens a complaint ticket;
  * the customer asked for a person (high priority when they are also angry);
  * strong anger: a message at least ``angry_negative`` negative and typed angrily (high);
  * ``handover_negative_turns`` negative turns in a row (high);
  * ``handover_failures`` failures (fallbacks, "didn't help", repeated questions);
offer a person
  * ``offer_failures`` failures, or one failure and a negative message;
  * ``offer_negative_turns`` negative turns in a row, or a sharp rise in negativity;
  * one message at least ``offer_negative`` negative, or negative and typed angrily;
  * swearing.

Counting restarts after each escalation, and an offer is not repeated within
``turns_between_offers`` turns: the customer who said "no thanks" is not nagged. A hand-over
(which only gets more likely) is never held back, and it carries what came before it: when the
session escalated earlier (say an offer for anger and two fallbacks, then "Talk to a person"),
the hand-over keeps the higher priority (high when the earlier one was for anger or negative
sentiment) and its reason ends with "earlier: ..." — the agent sees why the customer came.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bot.conversations.repeats import REPEAT_SIMILARITY, is_question, same_meaning
from bot.errors import ConfigurationError
from bot.escalation.complaint_signs import complaint_sign
from bot.escalation.history import Turn
from bot.escalation.markers import Markers, read_markers

#: The escalation policy's entry in Rasa's config.yml (bot/rasa_server/policies/frustration.py).
POLICY_NAME = "bot.rasa_server.policies.frustration.FrustrationPolicy"
REQUEST_HUMAN = "request_human"
COMPLAINT = "complaint"
#: Bot actions after which "no" means "that didn't answer my question".
ANSWERING_ACTIONS = frozenset({"action_answer_from_knowledge_base", "action_handle_low_confidence"})


class Level(enum.StrEnum):
    KEEP = "keep"
    OFFER = "offer"
    HANDOVER = "handover"


class Priority(enum.StrEnum):
    HIGH = "high"  # complaints and angry customers go first
    NORMAL = "normal"


@dataclass(frozen=True)
class EscalationConfig:
    """Thresholds of the rules; defaults chosen on bench/escalation_eval.py."""

    negative_threshold: float = 0.8
    angry_negative: float = 0.9
    offer_negative: float = 0.99
    offer_negative_turns: int = 3
    handover_negative_turns: int = 3
    negativity_rise: float = 0.5
    offer_failures: int = 2
    handover_failures: int = 3
    repeat_similarity: float = REPEAT_SIMILARITY
    turns_between_offers: int = 3

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> EscalationConfig:
        """From config.yml; unknown keys are ignored (Rasa adds its own)."""
        defaults = cls()
        known = {}
        for f in fields(cls):
            if f.name in values:
                kind = type(getattr(defaults, f.name))
                known[f.name] = kind(values[f.name])
        return cls(**known)

    @classmethod
    def from_rasa_config(cls, path: Path) -> EscalationConfig:
        """As Rasa's config.yml at ``path`` sets the policy (``POLICY_NAME``), read as the
        policy reads it: the thresholds the next trained model escalates with. The defaults
        when the file or the policy's entry is missing."""
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            return cls()
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"{path} is not valid YAML: {exc}") from exc
        for policy in config.get("policies") or []:
            if isinstance(policy, dict) and policy.get("name") == POLICY_NAME:
                return cls.from_mapping(policy)
        return cls()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


NO_MARKERS = Markers(shouting=False, exclamations=False, profanity=False)


@dataclass(frozen=True)
class Signals:
    """What the session since the last escalation shows, as counted by the rules."""

    asked_for_person: bool = False
    complaint: bool = False
    complaint_reason: str = ""  # what the wording shows, e.g. "threatens a chargeback"
    latest_negative: float | None = None
    markers: Markers = NO_MARKERS
    negative_streak: int = 0
    negativity_rise: float = 0.0
    fallbacks: int = 0
    not_helpful: int = 0
    repeats: int = 0

    @property
    def failures(self) -> int:
        return self.fallbacks + self.not_helpful + self.repeats

    def describe(self, config: EscalationConfig) -> list[str]:
        """Each present signal in words, most telling first."""
        parts: list[str] = []
        if self.asked_for_person:
            parts.append("asked for a person")
        if self.complaint:
            parts.append(
                f"complaint: {self.complaint_reason}" if self.complaint_reason else "complaint"
            )
        if self.negative_streak >= 2:
            parts.append(f"negative sentiment {self.negative_streak} turns in a row")
        elif (self.latest_negative or 0.0) >= config.negative_threshold:
            parts.append(f"negative message ({self.latest_negative:.2f})")
        if self.negativity_rise >= config.negativity_rise:
            parts.append(f"negativity rising by {self.negativity_rise:.2f}")
        parts += self.markers.describe()
        if self.fallbacks:
            parts.append(f"{self.fallbacks} fallback{'s' if self.fallbacks > 1 else ''}")
        if self.not_helpful:
            parts.append(f'"that didn\'t help" {_times(self.not_helpful)}')
        if self.repeats:
            parts.append(f"same question asked again {_times(self.repeats)}")
        return parts


@dataclass(frozen=True)
class Decision:
    level: Level
    reason: str = ""
    priority: Priority = Priority.NORMAL
    trigger: str = ""  # the rule that fired (stable name, for reports)

    @property
    def escalates(self) -> bool:
        return self.level is not Level.KEEP

    def as_record(self, turn: int) -> dict[str, Any]:
        """What is stored in the conversation (the ``escalation`` slot)."""
        return {
            "level": self.level.value,
            "reason": self.reason,
            "priority": self.priority.value,
            "trigger": self.trigger,
            "turn": turn,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Decision | None:
        """The decision stored by ``as_record`` (None if there is none, or it is unreadable)."""
        if not record:
            return None
        try:
            return cls(
                Level(record["level"]),
                reason=str(record.get("reason") or ""),
                priority=Priority(record.get("priority") or Priority.NORMAL),
                trigger=str(record.get("trigger") or ""),
            )
        except (KeyError, ValueError):
            return None


KEEP = Decision(Level.KEEP)
EARLIER = "; earlier: "
#: Rules that fire on how the customer feels: a hand-over after one of them is urgent.
UPSET_TRIGGERS = frozenset(
    {"complaint", "strong_anger", "negative_streak", "negativity_rising", "negative_message"}
)


def read_signals(turns: Sequence[Turn], config: EscalationConfig) -> Signals:
    """The signals of the turns since the last escalation (the latest turn included)."""
    if not turns:
        return Signals()
    window = _since_last_escalation(turns)
    latest = window[-1]
    rated = [t for t in window if t.negative is not None]
    sign = complaint_sign(latest.text, upset=(latest.negative or 0.0) >= config.negative_threshold)
    return Signals(
        asked_for_person=latest.intent == REQUEST_HUMAN,
        complaint=latest.intent == COMPLAINT or sign is not None,
        complaint_reason=sign.reason if sign else "",
        latest_negative=latest.negative,
        markers=read_markers(latest.text),
        negative_streak=_negative_streak(rated, config.negative_threshold),
        negativity_rise=_rise(rated),
        fallbacks=sum(t.fell_back for t in window[:-1]),  # the latest has no reply yet
        not_helpful=sum(_did_not_help(turns, t) for t in window),
        repeats=sum(_repeats_earlier(t, window[:i], config) for i, t in enumerate(window)),
    )


def assess(turns: Sequence[Turn], config: EscalationConfig) -> Decision:
    """The decision after the latest turn (``turns`` oldest first, the latest one last)."""
    if not turns:
        return KEEP
    signals = read_signals(turns, config)
    level, trigger, priority = _apply_rules(signals, config)
    if level is Level.OFFER and _offered_recently(turns, config):
        return KEEP
    if level is Level.KEEP:
        return KEEP
    reason = " + ".join(signals.describe(config))
    earlier = _earlier_escalation(turns) if level is Level.HANDOVER else None
    if earlier is not None:
        before = own_reason(earlier.reason)  # not its history again
        reason = f"{reason}{EARLIER}{before}" if before else reason
        if earlier.priority is Priority.HIGH or earlier.trigger in UPSET_TRIGGERS:
            priority = Priority.HIGH
    return Decision(level, reason=reason, priority=priority, trigger=trigger)


def _apply_rules(s: Signals, c: EscalationConfig) -> tuple[Level, str, Priority]:
    negative = s.latest_negative or 0.0
    upset = negative >= c.negative_threshold
    angry = negative >= c.angry_negative and s.markers.any
    if s.complaint:  # first: "a person now, or I'm going to my lawyer" gets its ticket too
        return Level.HANDOVER, "complaint", Priority.HIGH
    if s.asked_for_person:
        very_upset = angry or negative >= c.offer_negative or s.negative_streak >= 2
        return Level.HANDOVER, "asked_for_person", Priority.HIGH if very_upset else Priority.NORMAL
    if angry:
        return Level.HANDOVER, "strong_anger", Priority.HIGH
    if s.negative_streak >= c.handover_negative_turns:
        return Level.HANDOVER, "negative_streak", Priority.HIGH
    if s.failures >= c.handover_failures:
        return Level.HANDOVER, "repeated_failures", Priority.NORMAL
    if s.failures >= c.offer_failures or (s.failures and upset):
        return Level.OFFER, "failures", Priority.NORMAL
    if s.negative_streak >= c.offer_negative_turns:
        return Level.OFFER, "negative_streak", Priority.NORMAL
    if s.negativity_rise >= c.negativity_rise and upset:
        return Level.OFFER, "negativity_rising", Priority.NORMAL
    if negative >= c.offer_negative or (upset and s.markers.any):
        return Level.OFFER, "negative_message", Priority.NORMAL
    if s.markers.profanity:
        return Level.OFFER, "profanity", Priority.NORMAL
    return Level.KEEP, "", Priority.NORMAL


def _since_last_escalation(turns: Sequence[Turn]) -> Sequence[Turn]:
    for index in range(len(turns) - 2, -1, -1):
        record = turns[index].escalation
        if record and record.get("level") in (Level.OFFER, Level.HANDOVER):
            return turns[index + 1 :]
    return turns


def own_reason(reason: str) -> str:
    """A decision's reason without the earlier escalation it carries (for counting reasons)."""
    return reason.split(EARLIER, 1)[0]


def _earlier_escalation(turns: Sequence[Turn]) -> Decision | None:
    """The session's latest escalation before the latest turn (an offer or a hand-over)."""
    for turn in reversed(turns[:-1]):
        decision = Decision.from_record(turn.escalation)
        if decision is not None and decision.escalates:
            return decision
    return None


def _offered_recently(turns: Sequence[Turn], config: EscalationConfig) -> bool:
    latest = turns[-1].number
    return any(
        t.escalation
        and t.escalation.get("level") in (Level.OFFER, Level.HANDOVER)
        and latest - t.number < config.turns_between_offers
        for t in turns[:-1]
    )


def _negative_streak(rated: Sequence[Turn], threshold: float) -> int:
    count = 0
    for turn in reversed(rated):
        if (turn.negative or 0.0) < threshold:
            break
        count += 1
    return count


def _rise(rated: Sequence[Turn]) -> float:
    """How much more negative the latest message is than the calmest of the 3 before it."""
    if len(rated) < 2:
        return 0.0
    earlier = [t.negative or 0.0 for t in rated[-4:-1]]
    return max(0.0, (rated[-1].negative or 0.0) - min(earlier))


def _did_not_help(turns: Sequence[Turn], turn: Turn) -> bool:
    if turn.intent == "not_helpful":
        return True
    if turn.intent != "deny":
        return False
    index = next(i for i, t in enumerate(turns) if t is turn)
    before = turns[index - 1] if index else None
    return (
        before is not None and before.answered and bool(ANSWERING_ACTIONS & set(before.bot_actions))
    )


def _repeats_earlier(turn: Turn, earlier: Sequence[Turn], config: EscalationConfig) -> bool:
    """The same question as an earlier turn, by meaning (``bot.conversations.repeats``)."""
    if not _is_question(turn):
        return False
    return any(
        _is_question(other)
        and same_meaning(turn.vector, other.vector, threshold=config.repeat_similarity)
        for other in earlier
    )


def _is_question(turn: Turn) -> bool:
    return turn.vector is not None and is_question(turn.text, turn.intent)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
