"""Assembling the daily report from the installation's stores (``supportbot report``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.complaints.tickets import Complaint
from bot.privacy.redactor import Redactor
from bot.reporting.daily import HandoffRecord, figures, on_day
from bot.reporting.summary import Conversation, conversations
from bot.review.mining import Signal, mine
from bot.satisfaction.followups import FollowUp
from bot.storage.complaints import SqlComplaints
from bot.storage.followups import SqlFollowUps
from bot.storage.handoffs import SqlHandoffQueue
from bot.storage.tracker import ConversationStore

EVENT_TYPES = ("user", "bot", "slot", "session_started", "restart")
#: Signals of a question the bot did not answer (for ``top_unanswered``).
UNANSWERED = {Signal.FALLBACK, Signal.NEGATIVE_FEEDBACK, Signal.REJECTED_CHOICES}
TOP = 10


@dataclass(frozen=True)
class DayData:
    """What one day's figures are computed from."""

    day: date
    conversations: list[Conversation]  # those that started that day
    handoffs: list[HandoffRecord]  # requested that day
    complaints: list[Complaint]  # opened that day
    followups: list[FollowUp]  # opened that day
    rows: list[tuple[int, str, dict[str, Any]]] | None = None  # the events, when kept


@dataclass(frozen=True)
class Stores:
    """Where a day's data is read from (built by ``bot.services``)."""

    conversations: ConversationStore
    handoffs: SqlHandoffQueue
    complaints: SqlComplaints
    followups: SqlFollowUps


def load_day(stores: Stores, day: date, zone: ZoneInfo, *, keep_rows: bool = False) -> DayData:
    """One day (in ``zone``) from the tracker store and the support desk's database."""
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    rows = day_rows(stores.conversations, start, end)
    found = [c for c in conversations(rows) if on_day(c.started_at, day, zone)]
    return DayData(
        day=day,
        conversations=found,
        handoffs=handoffs_requested(stores.handoffs, start, end),
        complaints=stores.complaints.between(start, end),
        followups=stores.followups.between(start, end),
        rows=rows if keep_rows else None,
    )


def daily_report(
    stores: Stores, day: date, *, timezone: str, redactor: Redactor, now: datetime
) -> dict[str, Any]:
    """The day's figures (in ``timezone``); promises to complaints are judged as of ``now``."""
    zone = ZoneInfo(timezone)
    data = load_day(stores, day, zone, keep_rows=True)
    result = figures(
        day,
        zone,
        data.conversations,
        data.handoffs,
        data.complaints,
        now=now,
        followups=len(data.followups),
    )
    today = {c.conversation_id for c in data.conversations}
    rows = data.rows or []
    result["top_unanswered"] = top_unanswered(
        [r for r in rows if r[1] in today], day, zone, redactor
    )
    result["timezone"] = timezone
    return result


def day_rows(
    store: ConversationStore, start: datetime, end: datetime
) -> list[tuple[int, str, dict[str, Any]]]:
    """The events of every conversation in which a customer wrote between ``start`` and
    ``end``, from a day before to a day after (enough for any conversation of the day: a
    conversation ends after an hour of silence), rather than the whole store."""
    active = store.active_between(start.timestamp(), end.timestamp())
    margin = timedelta(days=1)
    window = ((start - margin).timestamp(), (end + margin).timestamp())
    return list(store.scan(EVENT_TYPES, conversations=active, between=window))


def handoffs_requested(
    queue: SqlHandoffQueue, start: datetime, end: datetime
) -> list[HandoffRecord]:
    """Handoffs requested in ``[start, end)``, from the support desk's database."""
    return [
        HandoffRecord(
            conversation_id=h.conversation_id,
            requested_at=h.requested_at,
            assigned_at=h.assigned_at,
            status=h.status.value,
            reason=h.reason,
            agent=h.agent,
            channel=h.channel,
        )
        for h in queue.requested_between(start, end)
    ]


def top_unanswered(
    rows: list[tuple[int, str, dict[str, Any]]], day: date, zone: ZoneInfo, redactor: Redactor
) -> list[dict[str, Any]]:
    """The day's most frequent questions the bot did not answer, personal data masked."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for candidate in mine(rows):
        if not (candidate.signals & UNANSWERED) or not on_day(candidate.sent_at, day, zone):
            continue
        masked = redactor.redact(candidate.text)
        key = " ".join(masked.lower().split())
        counts[key] += 1
        shown.setdefault(key, masked)
    return [{"text": shown[key], "count": count} for key, count in counts.most_common(TOP)]
