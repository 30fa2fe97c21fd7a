"""The day's figures (``supportbot report``): definitions in the README, *Daily report*.

Inputs: the conversations of the day (``summary.py``, from the tracker store) and the
handoffs requested that day (the support desk's ``handoffs`` table, which has the exact
times of request, assignment and end).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from bot.reporting.summary import NEGATIVE, Conversation
from bot.satisfaction.survey import SATISFIED


@dataclass(frozen=True)
class HandoffRecord:
    conversation_id: str
    requested_at: datetime
    assigned_at: datetime | None
    status: str
    reason: str
    agent: str | None


def on_day(moment: datetime, day: date, zone: tzinfo) -> bool:
    return moment.astimezone(zone).date() == day


def percentile(values: Sequence[float], share: float) -> float | None:
    """The ``share`` percentile (nearest rank), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def estimated_satisfied(conversation: Conversation, handoff: HandoffRecord | None) -> bool:
    """Our reading of a conversation nobody rated: see the README for the definition."""
    if handoff is not None and handoff.status == "abandoned":
        return False
    if conversation.negativity and conversation.negativity[-1] >= NEGATIVE:
        return False
    if conversation.content_after_answer:
        return True
    if handoff is not None and handoff.status == "closed":
        return True
    return conversation.contained and not conversation.not_helpful and not conversation.fallbacks


def figures(
    day: date,
    zone: tzinfo,
    conversations: Sequence[Conversation],
    handoffs: Sequence[HandoffRecord],
) -> dict[str, Any]:
    today = [c for c in conversations if on_day(c.started_at, day, zone)]
    requested = [h for h in handoffs if on_day(h.requested_at, day, zone)]
    n = len(today)
    first_handoff: dict[str, HandoffRecord] = {}
    for record in sorted(handoffs, key=lambda h: h.requested_at):
        first_handoff.setdefault(record.conversation_id, record)
    waits = [(h.assigned_at - h.requested_at).total_seconds() for h in requested if h.assigned_at]
    by_id = {c.conversation_id: c for c in conversations}
    responses = []
    for record in requested:
        conversation = by_id.get(record.conversation_id)
        if record.assigned_at is None or conversation is None:
            continue
        after = [t for t in conversation.agent_messages if t >= record.assigned_at]
        if after:
            responses.append((min(after) - record.assigned_at).total_seconds())
    starts = [c.negativity[0] for c in today if c.negativity]
    ends = [c.negativity[-1] for c in today if c.negativity]
    rated = [c for c in today if c.csat_score is not None]
    scores = [c.csat_score for c in rated if c.csat_score is not None]
    asked = sum(c.csat_asked for c in today)
    unrated = [c for c in today if c.csat_score is None]  # estimated only where nobody answered
    satisfied = [estimated_satisfied(c, first_handoff.get(c.conversation_id)) for c in unrated]
    return {
        "date": day.isoformat(),
        "conversations": n,
        "contained_rate": _rate(sum(c.contained for c in today), n),
        "handoff_rate": _rate(sum(c.handed_off for c in today), n),
        "handoffs": len(requested),
        "handoff_reasons": dict(Counter(h.reason for h in requested).most_common()),
        "wait_p50_s": _round(percentile(waits, 0.5)),
        "wait_p90_s": _round(percentile(waits, 0.9)),
        "abandoned_rate": _rate(sum(h.status == "abandoned" for h in requested), len(requested)),
        "first_agent_response_p50_s": _round(percentile(responses, 0.5)),
        "csat_asked": asked,
        "csat_responses": len(scores),
        "csat_avg": _round(statistics.fmean(scores), 2) if scores else None,
        "csat_satisfied_rate": _rate(sum(s >= SATISFIED for s in scores), len(scores)),
        "csat_response_rate": _rate(len(scores), asked),
        "csat_by_stage": _csat_by(rated, lambda c: c.stage),
        "csat_by_agent": _csat_by(
            [c for c in rated if c.stage == "agent"], lambda c: c.agents[-1] if c.agents else "?"
        ),
        "estimated_satisfaction": _rate(sum(satisfied), len(unrated)),
        "estimated_satisfaction_n": len(unrated),
        "complaints": sum(c.complaint for c in today),
        "complaints_sla_breached": None,
        "sentiment_start_negative": _round(statistics.fmean(starts), 3) if starts else None,
        "sentiment_end_negative": _round(statistics.fmean(ends), 3) if ends else None,
        "by_channel": dict(Counter(c.channel or "unknown" for c in today).most_common()),
        "by_hour": _by_hour(today, zone),
    }


def _csat_by(
    rated: Sequence[Conversation], key: Callable[[Conversation], str]
) -> dict[str, dict[str, Any]]:
    """Responses and average score per stage (or agent) of the rated conversations."""
    groups: dict[str, list[int]] = {}
    for conversation in rated:
        if conversation.csat_score is not None:
            groups.setdefault(key(conversation), []).append(conversation.csat_score)
    return {
        name: {"responses": len(scores), "avg": _round(statistics.fmean(scores), 2)}
        for name, scores in sorted(groups.items())
    }


def _by_hour(today: Sequence[Conversation], zone: tzinfo) -> list[int]:
    """Conversations started in each hour of the day (local time), 0 to 23."""
    counts = [0] * 24
    for conversation in today:
        counts[conversation.started_at.astimezone(zone).hour] += 1
    return counts


def _rate(count: int, total: int) -> float | None:
    return round(count / total, 4) if total else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)
