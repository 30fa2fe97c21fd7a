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
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from bot.complaints.tickets import Complaint
from bot.escalation import own_reason
from bot.reporting.summary import NEGATIVE, Conversation
from bot.satisfaction.survey import LOW, SATISFIED

#: The waits for an agent the report counts: (label, up to this many seconds).
WAIT_BUCKETS = (
    ("under 1 min", 60.0),
    ("1-2 min", 120.0),
    ("2-5 min", 300.0),
    ("5-10 min", 600.0),
    ("10 min or more", math.inf),
)
#: How many weakest intents and articles the report lists.
WEAKEST = 5


@dataclass(frozen=True)
class HandoffRecord:
    conversation_id: str
    requested_at: datetime
    assigned_at: datetime | None
    status: str
    reason: str
    agent: str | None
    channel: str = ""


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
    complaints: Sequence[Complaint] = (),
    *,
    now: datetime | None = None,
    followups: int = 0,
    last: date | None = None,
) -> dict[str, Any]:
    """The day's figures (or, with ``last``, those of the days ``day`` to ``last``).
    ``complaints``: tickets (those opened in the period count), judged late as of ``now``
    (default: the end of the data); ``followups``: opened in the period."""
    last = last or day

    def within(moment: datetime) -> bool:
        return day <= moment.astimezone(zone).date() <= last

    today = [c for c in conversations if within(c.started_at)]
    requested = [h for h in handoffs if within(h.requested_at)]
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
    tickets = sorted((t for t in complaints if within(t.opened_at)), key=lambda t: t.number)
    moment = now or max([t.opened_at for t in tickets], default=datetime.now(UTC))
    rated = [c for c in today if c.csat_score is not None]
    scores = [c.csat_score for c in rated if c.csat_score is not None]
    asked = sum(c.csat_asked for c in today)
    unrated = [c for c in today if c.csat_score is None]  # estimated only where nobody answered
    satisfied = [estimated_satisfied(c, first_handoff.get(c.conversation_id)) for c in unrated]
    return {
        "date": day.isoformat(),
        **({"until": last.isoformat()} if last != day else {}),
        "conversations": n,
        "contained_rate": _rate(sum(c.contained for c in today), n),
        "handoff_rate": _rate(sum(c.handed_off for c in today), n),
        "handoffs": len(requested),
        "handoff_reasons": dict(Counter(own_reason(h.reason) for h in requested).most_common()),
        "wait_p50_s": _round(percentile(waits, 0.5)),
        "wait_p90_s": _round(percentile(waits, 0.9)),
        "wait_distribution": _distribution(waits),
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
        "complaints": len(tickets),
        "complaints_sla_breached": sum(t.breached(moment) for t in tickets),
        "complaints_first_response_late": sum(t.first_response_late(moment) for t in tickets),
        "complaints_resolution_late": sum(t.resolution_late(moment) for t in tickets),
        "complaints_late": [_late_ticket(t, moment) for t in tickets if t.breached(moment)],
        "complaint_conversations": sum(c.complaint for c in today),
        "followups": followups,
        "sentiment_start_negative": _round(statistics.fmean(starts), 3) if starts else None,
        "sentiment_end_negative": _round(statistics.fmean(ends), 3) if ends else None,
        "weakest_intents": _weakest(today, lambda c: c.topics),
        "weakest_articles": _weakest_articles(today),
        "by_channel": dict(Counter(c.channel or "unknown" for c in today).most_common()),
        "by_language": _by_language(today),
        "by_hour": _by_hour(today, zone),
    }


def _by_language(today: Sequence[Conversation]) -> dict[str, dict[str, Any]]:
    """Per language the customers wrote in ("unknown": never clear enough to tell), most
    conversations first: how many, how many the bot dealt with alone, how many needed a
    person, and the satisfaction answers."""
    groups: dict[str, list[Conversation]] = {}
    for conversation in today:
        groups.setdefault(conversation.language or "unknown", []).append(conversation)
    result = {}
    for language, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        scores = [c.csat_score for c in group if c.csat_score is not None]
        result[language] = {
            "conversations": len(group),
            "contained_rate": _rate(sum(c.contained for c in group), len(group)),
            "handoff_rate": _rate(sum(c.handed_off for c in group), len(group)),
            "csat_responses": len(scores),
            "csat_avg": _round(statistics.fmean(scores), 2) if scores else None,
        }
    return result


def _distribution(waits: Sequence[float]) -> list[dict[str, Any]]:
    """How many customers waited how long for an agent (``WAIT_BUCKETS``)."""
    counts = [0] * len(WAIT_BUCKETS)
    for wait in waits:
        counts[next(i for i, (_, upto) in enumerate(WAIT_BUCKETS) if wait < upto)] += 1
    labels = [label for label, _ in WAIT_BUCKETS]
    return [{"label": label, "count": n} for label, n in zip(labels, counts, strict=True)]


def _weakest(
    today: Sequence[Conversation], keys: Callable[[Conversation], list[str]]
) -> list[dict[str, Any]]:
    """The intents whose conversations most often failed the customer (see ``failed``)."""
    seen: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for conversation in today:
        for key in keys(conversation):
            seen[key] += 1
            failed[key] += conversation.failed
    return [
        {"name": key, "conversations": seen[key], "failed": count, "rate": _rate(count, seen[key])}
        for key, count in failed.most_common(WEAKEST)
        if count
    ]


def _weakest_articles(today: Sequence[Conversation]) -> list[dict[str, Any]]:
    """The articles most often answered with "that didn't help" (or in a conversation scored
    1 or 2)."""
    given: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    for conversation in today:
        low = conversation.csat_score is not None and conversation.csat_score <= LOW
        for article in set(conversation.articles):
            given[article] += 1
            bad = article in conversation.unhelpful_articles or low
            unhelpful[article] += bad
    return [
        {"name": key, "answers": given[key], "unhelpful": count, "rate": _rate(count, given[key])}
        for key, count in unhelpful.most_common(WEAKEST)
        if count
    ]


def _late_ticket(ticket: Complaint, now: datetime) -> dict[str, Any]:
    return {
        "reference": ticket.reference,
        "conversation_id": ticket.conversation_id,
        "status": ticket.status,
        "first_response_due": ticket.first_response_due.isoformat()
        if ticket.first_response_due
        else None,
        "first_response_late": ticket.first_response_late(now),
        "resolution_late": ticket.resolution_late(now),
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
